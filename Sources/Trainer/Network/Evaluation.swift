import Circuit
import Dispatch
import Peripherals

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

  /// The number of correctly classified images among `count` images
  /// of `features` bytes each, using up to 2 threads.
  func correct(
    pixels: UnsafePointer<UInt8>, labels: UnsafePointer<UInt8>, count: Int, features: Int, threads: Int = 2
  ) -> Int {
    let t = count >= 512 ? max(1, threads) : 1
    let results = UnsafeMutablePointer<Int>.allocate(capacity: t)
    defer { results.deallocate() }
    let body: (Int) -> Void = { part in
      let lo = count * part / t, hi = count * (part + 1) / t
      var acts = sizes.dropLast().map { [Float](repeating: 0, count: $0 + 1) }
      var out = sizes.dropFirst().map { [Float](repeating: 0, count: $0) }
      var scratch = [Int32](repeating: 0, count: (sizes.max() ?? 0) + 1)
      var ok = 0
      for s in lo..<hi {
        let px = pixels + s * features
        acts[0].withUnsafeMutableBufferPointer { a in
          for i in 0..<features { a[i] = Float(px[i]) * (1 / 255) }
          a[features] = 1
        }
        for l in 0..<weights.count {
          let m = sizes[l] + 1, n = sizes[l + 1], scale = scales[l]
          if let chain = chains?[l], !chain.isIdeal {
            acts[l].withUnsafeMutableBufferPointer { chain.quantizeDrive($0) }
          }
          acts[l].withUnsafeBufferPointer { a in
            out[l].withUnsafeMutableBufferPointer { o in
              scratch.withUnsafeMutableBufferPointer { sc in
                _ = _forwardKernel(weights[l], a.baseAddress!, o.baseAddress!, m, n, scratch: sc.baseAddress!)
              }
              if let chain = chains?[l], !chain.isIdeal {
                chain.sums(currents: UnsafeBufferPointer(o), scale: scale, into: o)
              } else {
                for j in 0..<n { o[j] *= scale }
              }
            }
          }
          if l + 1 < weights.count {
            out[l].withUnsafeBufferPointer { o in
              acts[l + 1].withUnsafeMutableBufferPointer { a in
                for j in 0..<n { a[j] = neuron.activation(o[j]) }
                a[n] = 1
              }
            }
          }
        }
        if argmax(out[weights.count - 1]) == Int(labels[s]) { ok += 1 }
      }
      results[part] = ok
    }
    if t == 1 { body(0) } else { concurrentPerform(t, body) }
    var total = 0
    for p in 0..<t { total += results[p] }
    return total
  }
}

