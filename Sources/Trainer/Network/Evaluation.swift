import Circuit
import Dispatch
import Peripherals

/// Traps with a message unless `label` names one of the output layer's
/// neurons (`sizes.last`): a label beyond it trained every output towards 0
/// and returned a loss of 0 (a library user's walkthrough, session 34).
@inline(__always)
func checkLabel(_ label: Int, of sizes: [Int]) {
  require(
    label >= 0 && label < sizes[sizes.count - 1],
    "label \(label) outside the \(sizes[sizes.count - 1]) output neurons")
}

/// Forward passes over a data set on both cores, read-only on the weights:
/// s = scale_l · (W_l · a) per layer, hard sigmoid between layers, argmax
/// at the end. Each thread has its own buffers.
struct ForwardEvaluator {
  let sizes: [Int]
  /// Row-major (sizes[l] + 1) × sizes[l + 1] weights; read-only here.
  let weights: [UnsafePointer<Float>]
  /// Multiplier from a read's output to the weighted sum s.
  let scales: [Float]
  let neuron: HardSigmoidNeuron
  /// Per layer, the forward read's periphery (DAC, transimpedance, sense
  /// offsets, ADC) as in training; nil: ideal.
  var chains: [SenseChain]? = nil
  /// With read noise: this evaluation's key (`ReadNoise.key`), from which
  /// each image's reads draw theirs by the image's number in the set.
  var noiseKey: UInt64 = 0
  /// The cells' read I–V (rule lim's `iv_v0`) and the full-scale read
  /// voltage it is reached at: each layer's drives a (after the DAC) read
  /// as f(a·V)/V, as the arrays' reads do. Linear: unchanged.
  var cellIV: CellIV = .linear
  var readVoltage: Double = 1

  /// The number of correctly classified images among `count` images
  /// of `features` bytes each, on every core unless `threads` is 1.
  ///
  /// The images go in chunks of about 500, which the threads take as they
  /// come (`DispatchQueue.concurrentPerform`): a worker that starts late
  /// (2–5 ms on our VM) takes fewer chunks instead of finishing its half
  /// after the caller has finished the other. Counts add in any order.
  ///
  /// - Parameters:
  ///   - clipped: nil, or one count per layer, which gets the sums its ADC
  ///     clipped over these images (`SenseChain.sums`).
  ///   - clippedAbove: nil, or one count per layer, which gets those of
  ///     them clipped at the ADC's top (+range).
  ///   - tiedAtTop: nil, or a count, which gets the images two or more of
  ///     whose output sums the ADC clipped at its top: those classes read
  ///     the same code, and the first of them wins.
  func correct(
    pixels: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>, count: Int, features: Int, threads: Int = 2,
    clipped: UnsafeMutablePointer<Int>? = nil, clippedAbove: UnsafeMutablePointer<Int>? = nil,
    tiedAtTop: UnsafeMutablePointer<Int>? = nil
  ) -> Int {
    // (Never stopped: never nil.)
    counted(
      pixels: pixels, labels: labels, count: count, features: features, threads: threads, clipped: clipped,
      clippedAbove: clippedAbove, tiedAtTop: tiedAtTop, stop: { false }) ?? 0
  }

  /// `correct`, polling `stop` every 64 images of each chunk: a stop
  /// request ends the evaluation (`SolverError.stopped`) instead of waiting
  /// for its end (a walkthrough, session 66: Ctrl-C in an evaluation of
  /// 784-20000-10 was obeyed 39 s later, and a SLURM job's SIGTERM risks
  /// its grace period). `stop` is called from every thread.
  func correct(
    pixels: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>, count: Int, features: Int,
    clipped: UnsafeMutablePointer<Int>? = nil, clippedAbove: UnsafeMutablePointer<Int>? = nil,
    tiedAtTop: UnsafeMutablePointer<Int>? = nil, stop: () -> Bool
  ) throws -> Int {
    guard
      let n = counted(
        pixels: pixels, labels: labels, count: count, features: features, threads: 2, clipped: clipped,
        clippedAbove: clippedAbove, tiedAtTop: tiedAtTop, stop: stop)
    else { throw SolverError.stopped }
    return n
  }

  /// The count, or nil when `stop` said so before the end.
  private func counted(
    pixels: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>, count: Int, features: Int, threads: Int,
    clipped: UnsafeMutablePointer<Int>?, clippedAbove: UnsafeMutablePointer<Int>?,
    tiedAtTop: UnsafeMutablePointer<Int>?, stop: () -> Bool
  ) -> Int? {
    let t = count >= 512 && threads > 1 ? (count + 499) / 500 : 1
    let results = UnsafeMutablePointer<Int>.allocate(capacity: t)
    // Each part's clipped sums per layer, then those clipped at the top.
    // (Then each part's images tied at the top.)
    let clips = UnsafeMutablePointer<Int>.allocate(capacity: 2 * t * weights.count + t)
    clips.initialize(repeating: 0, count: 2 * t * weights.count + t)
    let tops = clips + t * weights.count, ties = tops + t * weights.count
    defer {
      results.deallocate()
      clips.deallocate()
    }
    func body(_ part: Int) {
      let lo = count * part / t, hi = count * (part + 1) / t
      // Four images at a time (`_forwardKernel4`: one pass over each
      // layer's weights for the four), each with its own buffers; the
      // last hi − lo mod 4 one at a time. The same bits either way.
      let widest = (sizes.max() ?? 0) + 1
      let layers = weights.count
      let acts = UnsafeMutablePointer<Float>.allocate(capacity: 4 * layers * widest)
      let outs = UnsafeMutablePointer<Float>.allocate(capacity: 4 * layers * widest)
      let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: widest)
      let union = UnsafeMutablePointer<Float>.allocate(capacity: widest)
      let ins = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: 4)
      let outPointers = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: 4)
      defer {
        acts.deallocate(); outs.deallocate(); scratch.deallocate(); union.deallocate()
        ins.deallocate(); outPointers.deallocate()
      }
      // Image b's activations into layer l, and layer l's outputs.
      @inline(__always) func act(_ b: Int, _ l: Int) -> UnsafeMutablePointer<Float> { acts + (b * layers + l) * widest }
      @inline(__always) func out(_ b: Int, _ l: Int) -> UnsafeMutablePointer<Float> { outs + (b * layers + l) * widest }
      var ok = 0
      var s = lo
      while s < hi {
        if (s - lo) & 63 == 0 && stop() {
          results[part] = -1
          return
        }
        let group = hi - s >= 4 ? 4 : 1
        for b in 0..<group {
          let px = pixels + (s + b) * features, a = act(b, 0)
          for i in 0..<features { a[i] = Float(px[i]) * (1 / 255) }
          a[features] = 1
        }
        for l in 0..<layers {
          let m = sizes[l] + 1, n = sizes[l + 1], scale = scales[l]
          // The periphery, when it is not ideal.
          let chain = chains.flatMap { $0[l].isIdeal ? nil : $0[l] }
          if let chain {
            for b in 0..<group { chain.quantizeDrive(UnsafeMutableBufferPointer(start: act(b, l), count: m)) }
          }
          if cellIV != .linear {
            for b in 0..<group { cellIV.normalisedCurrents(UnsafeMutableBufferPointer(start: act(b, l), count: m), readVoltage: readVoltage) }
          }
          if group == 4 {
            for b in 0..<4 {
              ins[b] = UnsafePointer(act(b, l))
              outPointers[b] = out(b, l)
            }
            _forwardKernel4(weights[l], ins, outPointers, m, n, scratch: scratch, union: union)
          } else {
            _ = _forwardKernel(weights[l], act(0, l), out(0, l), m, n, scratch: scratch)
          }
          for b in 0..<group {
            let o = out(b, l)
            if let chain {
              let buffer = UnsafeMutableBufferPointer(start: o, count: n)
              let read = chain.noise > 0 ? ReadNoise.key(seed: noiseKey, kind: ReadNoise.Kind.evaluationImage, index: UInt64(s + b), layer: l) : 0
              let before = tops[part * layers + l]
              clips[part * layers + l] += chain.sums(
                currents: UnsafeBufferPointer(buffer), scale: scale, into: buffer, read: read, above: &tops[part * layers + l])
              if l == layers - 1 && tops[part * layers + l] - before >= 2 { ties[part] += 1 }
            } else {
              for j in 0..<n { o[j] *= scale }
            }
            if l + 1 < layers {
              let a = act(b, l + 1)
              for j in 0..<n { a[j] = neuron.activation(o[j]) }
              a[n] = 1
            }
          }
        }
        for b in 0..<group {
          let o = out(b, layers - 1)
          var best = 0
          for j in 1..<sizes[layers] where o[j] > o[best] { best = j }
          if best == Int(labels[s + b]) { ok += 1 }
        }
        s += group
      }
      results[part] = ok
    }
    if t == 1 { body(0) } else { concurrentPerform(t, body) }
    var total = 0
    for p in 0..<t {
      guard results[p] >= 0 else { return nil }
      total += results[p]
    }
    for (counts, sum) in [(clips, clipped), (tops, clippedAbove)] {
      guard let sum else { continue }
      for l in weights.indices {
        sum[l] = 0
        for p in 0..<t { sum[l] += counts[p * weights.count + l] }
      }
    }
    if let tiedAtTop {
      tiedAtTop.pointee = 0
      for p in 0..<t { tiedAtTop.pointee += ties[p] }
    }
    return total
  }
}


/// Per hidden layer l, `counts[l]` open gates over `samples` samples of
/// `columns[l]` neurons, as fractions; then both counts restart. Empty
/// without samples (`LimNetwork` and `HybridNetwork`'s
/// `takeGateOpenFractions`).
func takeFractions(_ counts: inout [Int], _ samples: inout Int, columns: [Int]) -> [Double] {
  defer {
    for l in counts.indices { counts[l] = 0 }
    samples = 0
  }
  guard samples > 0 else { return [] }
  return counts.indices.map { Double(counts[$0]) / Double(samples * columns[$0]) }
}
