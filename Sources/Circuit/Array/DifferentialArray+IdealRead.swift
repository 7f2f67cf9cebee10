extension DifferentialArray {
  /// The training hot path: an ideal-wire read from the single-precision
  /// weight cache, I = (G+ − G−)·V (forward) or (G+ − G−)ᵀ·V (transposed).
  ///
  /// Equal to `read(_:voltages:)`'s `difference` up to single-precision
  /// rounding. Rows with zero input are skipped (forward), which is what
  /// makes sparse inputs cheap. Allocates nothing.
  ///
  /// - Parameters:
  ///   - input: M voltages (forward) or N voltages (transposed), V.
  ///   - output: N currents (forward) or M currents (transposed), A.
  ///   - bookEnergy: add this read's energy t·Σ V²·(G+ + G−) to `readEnergy`.
  /// - Complexity: O(active rows × N) forward, O(M × N) transposed.
  @inlinable
  public func readIdeal(
    _ direction: ReadDirection, input: UnsafeBufferPointer<Float>,
    output: UnsafeMutableBufferPointer<Float>, bookEnergy: Bool = true
  ) {
    let m = rows, n = columns
    switch direction {
    case .forward:
      precondition(input.count == m && output.count == n, "forward read needs \(m) inputs and \(n) outputs")
      _forwardKernel(_weight, input.baseAddress!, output.baseAddress!, m, n)
    case .transposed:
      precondition(input.count == n && output.count == m, "transposed read needs \(n) inputs and \(m) outputs")
      _transposedKernel(_weight, input.baseAddress!, output.baseAddress!, m, n)
    }
    if bookEnergy {
      var p = 0.0
      let load = direction == .forward ? _rowLoad : _columnLoad
      for k in 0..<input.count where input[k] != 0 {
        let v = Double(input[k])
        p += v * v * load[k]
      }
      readEnergy += p * readTime
      readCount += 1
    }
  }

  /// Convenience over arrays; allocates the result.
  public func readIdeal(_ direction: ReadDirection, input: [Float]) -> [Float] {
    var out = [Float](repeating: 0, count: direction == .forward ? columns : rows)
    input.withUnsafeBufferPointer { i in
      out.withUnsafeMutableBufferPointer { o in readIdeal(direction, input: i, output: o) }
    }
    return out
  }
}

/// out[0..<n] = Σ_i in[i]·w[i, 0..<n], skipping zero inputs.
@inlinable
package func _forwardKernel(
  _ w: UnsafePointer<Float>, _ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
  _ m: Int, _ n: Int
) {
  out.update(repeating: 0, count: n)
  let n16 = n & ~15
  var i = 0
  while i < m {
    let v = input[i]
    if v != 0 {
      let row = w + i * n
      var j = 0
      // 16 lanes at a time; unaligned loads via raw pointers.
      while j < n16 {
        let a = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Float>.self)
        let o = UnsafeRawPointer(out + j).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(out + j).storeBytes(of: o + v * a, as: SIMD16<Float>.self)
        j += 16
      }
      while j < n { out[j] += v * row[j]; j += 1 }
    }
    i += 1
  }
}

/// out[i] = Σ_j w[i, j]·in[j], with independent SIMD accumulators.
@inlinable
package func _transposedKernel(
  _ w: UnsafePointer<Float>, _ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
  _ m: Int, _ n: Int
) {
  let n16 = n & ~15
  for i in 0..<m {
    let row = w + i * n
    var acc = SIMD16<Float>()
    var j = 0
    while j < n16 {
      let a = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD16<Float>.self)
      let x = UnsafeRawPointer(input + j).loadUnaligned(as: SIMD16<Float>.self)
      acc += a * x
      j += 16
    }
    var s = acc.sum()
    while j < n { s += row[j] * input[j]; j += 1 }
    out[i] = s
  }
}
