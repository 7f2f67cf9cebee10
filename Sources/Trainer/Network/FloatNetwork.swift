import Circuit
import Peripherals

/// The software baseline: the same network (layer sizes, bias neurons,
/// hard-sigmoid hidden units, softmax and cross-entropy at the output, or
/// logistic outputs and the squared error with `loss mse`)
/// trained by plain stochastic gradient descent on float weights, in the
/// same normalised units as the hardware (weights in G_max, inputs in
/// [0, 1]). Hidden units back-propagate their 0/1 derivative gate by
/// default, as Lim et al. replace 1/(2c) by 1 (`float_derivative gate`),
/// or the true derivative 1/(2c) (`float_derivative true`).
///
/// Initial weights are uniform in ±1/√(fan-in) (seeded).
public final class FloatNetwork: @unchecked Sendable {
  public let sizes: [Int]
  /// Weights of layer l, row-major (inputs + 1) × outputs, bias row last.
  public private(set) var weights: [[Float]]
  let neuron: HardSigmoidNeuron
  let learningRate: Float
  /// Back-propagate the 0/1 gate instead of the true derivative 1/(2c).
  let useGate: Bool
  let lossKind: OutputLoss
  let batch: Int
  var activations: [[Float]]
  var sums: [[Float]]
  var deltas: [[Float]]
  var gradients: [[Float]]
  var samplesInBatch = 0
  var scratch: [Int32]

  /// A network for `configuration`, its devices initialised from its seed.
  ///
  /// - Precondition: `configuration` passed `validate()` (as
  ///   ``Experiment`` checks).
  public init(configuration cfg: TrainingConfiguration) {
    sizes = cfg.layers
    var rng = SeededGenerator(seed: cfg.seed, stream: 2)
    var w: [[Float]] = []
    for l in 0..<(sizes.count - 1) {
      let m = sizes[l] + 1, n = sizes[l + 1]
      let r = 1 / Double(sizes[l]).squareRoot()
      w.append((0..<(m * n)).map { _ in Float((2 * rng.nextUniform() - 1) * r) })
    }
    weights = w
    neuron = cfg.neuron
    learningRate = Float(cfg.learningRate)
    useGate = cfg.floatDerivative == .gate
    lossKind = cfg.loss
    batch = cfg.batch
    let s = cfg.layers
    activations = (0..<(s.count - 1)).map { [Float](repeating: 0, count: s[$0] + 1) }
    sums = (1..<s.count).map { [Float](repeating: 0, count: s[$0]) }
    deltas = sums
    scratch = [Int32](repeating: 0, count: (s.max() ?? 0) + 1)
    gradients = cfg.batch > 1 ? w.map { [Float](repeating: 0, count: $0.count) } : []
  }

  private func forward(_ pixels: UnsafePointer<UInt8>) {
    let n0 = sizes[0]
    activations[0].withUnsafeMutableBufferPointer { a in
      for i in 0..<n0 { a[i] = Float(pixels[i]) * (1 / 255) }
      a[n0] = 1
    }
    for l in 0..<weights.count {
      let m = sizes[l] + 1, n = sizes[l + 1]
      weights[l].withUnsafeBufferPointer { w in
        activations[l].withUnsafeBufferPointer { a in
          sums[l].withUnsafeMutableBufferPointer { s in
            scratch.withUnsafeMutableBufferPointer { sc in
              _ = _forwardKernel(w.baseAddress!, a.baseAddress!, s.baseAddress!, m, n, scratch: sc.baseAddress!)
            }
          }
        }
      }
      if l + 1 < weights.count {
        let c = neuron
        sums[l].withUnsafeBufferPointer { s in
          activations[l + 1].withUnsafeMutableBufferPointer { a in
            for j in 0..<n { a[j] = c.activation(s[j]) }
            a[n] = 1
          }
        }
      }
    }
  }

  public func predict(_ pixels: UnsafePointer<UInt8>) -> Int {
    forward(pixels)
    return argmax(sums[weights.count - 1])
  }

  /// One SGD step on one sample (or an accumulation within a mini-batch);
  /// returns the sample's loss before the step.
  ///
  /// - Parameters:
  ///   - pixels: The image, `sizes[0]` bytes (0…255), row-major.
  ///   - label: The class, one of the `sizes.last` output neurons.
  /// - Precondition: `0 <= label < sizes.last` (a label beyond the output
  ///   layer trained every output towards 0 and returned a loss of 0).
  @discardableResult
  public func train(_ pixels: UnsafePointer<UInt8>, label: Int) -> Float {
    checkLabel(label, of: sizes)
    forward(pixels)
    let last = weights.count - 1
    var loss: Float = 0
    sums[last].withUnsafeBufferPointer { s in
      deltas[last].withUnsafeMutableBufferPointer { d in
        loss = outputLoss(s, label: label, delta: d, loss: lossKind).loss
      }
    }
    var l = last
    while l > 0 {
      let m = sizes[l] + 1, n = sizes[l + 1]
      weights[l].withUnsafeBufferPointer { w in
        deltas[l].withUnsafeBufferPointer { d in
          sums[l - 1].withUnsafeBufferPointer { sPrev in
            deltas[l - 1].withUnsafeMutableBufferPointer { dPrev in
              for i in 0..<(m - 1) {
                var acc: Float = 0
                let row = w.baseAddress! + i &* n
                for j in 0..<n { acc += row[j] * d[j] }
                dPrev[i] = acc * (useGate ? neuron.gate(sPrev[i]) : neuron.derivative(sPrev[i]))
              }
            }
          }
        }
      }
      l -= 1
    }
    for l in 0..<weights.count {
      let m = sizes[l] + 1, n = sizes[l + 1]
      let eta = learningRate
      activations[l].withUnsafeBufferPointer { a in
        deltas[l].withUnsafeBufferPointer { d in
          // A row pointer per active input: the inner loop indexes by j
          // alone, without the overflow-checked i·n + j that kept it
          // scalar (3× slower; the same arithmetic per weight).
          let dj = d.baseAddress!
          if batch == 1 {
            weights[l].withUnsafeMutableBufferPointer { w in
              for i in 0..<m where a[i] != 0 {
                let ai = eta * a[i]
                let row = w.baseAddress! + i &* n
                for j in 0..<n { row[j] -= ai * dj[j] }
              }
            }
          } else {
            gradients[l].withUnsafeMutableBufferPointer { g in
              for i in 0..<m where a[i] != 0 {
                let ai = a[i]
                let row = g.baseAddress! + i &* n
                for j in 0..<n { row[j] += ai * dj[j] }
              }
            }
          }
        }
      }
    }
    if batch > 1 {
      samplesInBatch += 1
      if samplesInBatch == batch { applyBatch() }
    }
    return loss
  }

  /// Ends a mini-batch: w ← w − η·(mean gradient).
  public func applyBatch() {
    guard batch > 1, samplesInBatch > 0 else { return }
    let f = learningRate / Float(samplesInBatch)
    for l in 0..<weights.count {
      weights[l].withUnsafeMutableBufferPointer { w in
        gradients[l].withUnsafeMutableBufferPointer { g in
          for k in 0..<w.count { w[k] -= f * g[k]; g[k] = 0 }
        }
      }
    }
    samplesInBatch = 0
  }
}
