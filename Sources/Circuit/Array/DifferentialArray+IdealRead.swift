extension DifferentialArray {
  /// The training hot path: an ideal-wire read from the single-precision
  /// weight cache, I = (G+ − G−)·V (forward) or (G+ − G−)ᵀ·V (transposed);
  /// with a non-linear ``cellIV``, I = (G+ − G−)·f(V).
  ///
  /// Ignores ``wires``: with resistive lines it is still the ideal-wire
  /// read (theirs is `ResistiveReader.read`). With ideal wires it equals
  /// `read(_:voltages:)`'s `difference` up to single-precision rounding.
  /// Rows with zero input are skipped (forward), which is what makes
  /// sparse inputs cheap. Allocates nothing; uses the array's scratch
  /// buffer, so one array is read by one thread at a time.
  ///
  /// - Parameters:
  ///   - input: M voltages (forward) or N voltages (transposed), V.
  ///   - output: N currents (forward) or M currents (transposed), A.
  ///   - bookEnergy: add this read's energy t·Σ V·f(V)·(G+ + G−) (f(V) = V
  ///     with linear cells) to `readEnergy`
  ///     (and Σ V² to its direction's drive squares).
  /// - Complexity: O(active rows × N) forward, O(M × N) transposed.
  @inlinable
  public func readIdeal(
    _ direction: ReadDirection, input: UnsafeBufferPointer<Float>,
    output: UnsafeMutableBufferPointer<Float>, bookEnergy: Bool = true
  ) {
    let m = rows, n = columns
    require(
      input.count == (direction == .forward ? m : n) && output.count == (direction == .forward ? n : m),
      direction == .forward ? "forward read needs \(m) inputs and \(n) outputs" : "transposed read needs \(n) inputs and \(m) outputs")
    // The cells' currents per unit conductance, f(V): the drives
    // themselves with linear cells, else each drive's through `cellIV`
    // (0 stays 0, so the same lines are driven).
    var cells = input.baseAddress!
    if case .sinh = cellIV {
      for k in 0..<input.count { _cellDrive[k] = cellIV.current(atVolts: input[k]) }
      cells = UnsafePointer(_cellDrive)
    }
    // The driven lines (non-zero inputs) end up in `_scratch`, in order.
    let driven: Int
    switch direction {
    case .forward:
      driven = _forwardKernel(_weight, cells, output.baseAddress!, m, n, scratch: _scratch)
    case .transposed:
      _transposedKernel(_weight, cells, output.baseAddress!, m, n)
      driven = bookEnergy ? _compactNonZero(cells, 0..<n, into: _scratch) : 0
    }
    if bookEnergy {
      // Σ V·f(V)·load over the driven lines only (V²·load with linear
      // cells), in line order: an undriven line adds exactly 0, and a
      // serial sum over every line would cost a floating-point add
      // latency per line.
      var p = 0.0, q = 0.0
      let load = direction == .forward ? _rowLoad : _columnLoad
      for r in 0..<driven {
        let k = Int(_scratch[r])
        let v = Double(input[k])
        p += v * Double(cells[k]) * load[k]
        q += v * v
      }
      readEnergy += p * readTime
      readCount += 1
      bookDriveSquares(direction, q)
    }
  }

  /// Convenience over arrays; allocates the result. Ignores ``wires``, as
  /// ``readIdeal(_:input:output:bookEnergy:)`` does.
  public func readIdeal(_ direction: ReadDirection, input: [Float]) -> [Float] {
    var out = [Float](repeating: 0, count: direction == .forward ? columns : rows)
    input.withUnsafeBufferPointer { i in
      out.withUnsafeMutableBufferPointer { o in readIdeal(direction, input: i, output: o) }
    }
    return out
  }
}

/// out[0..<n] = Σ_i in[i]·w[i, 0..<n], skipping zero inputs.
///
/// Blocks of 64 outputs stay in registers (eight `SIMD8<Float>`: large
/// SIMD types compile to slow generic code) while the inputs are scanned,
/// so an active row costs 64-wide loads and multiply-adds and no output
/// traffic; the last n mod 64 outputs in narrower register blocks.
/// Returns the number of active rows, whose indices it leaves in
/// `scratch`, in order.
@inlinable @discardableResult
package func _forwardKernel(
  _ w: UnsafePointer<Float>, _ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
  _ m: Int, _ n: Int, scratch: UnsafeMutablePointer<Int32>, rowStride: Int? = nil
) -> Int {
  // Rows are `stride` apart: n for a whole matrix, more for a band of
  // columns of a wider one.
  let stride = rowStride ?? n
  @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }
  @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
  }
  // Compact the active rows first (branch-free): each image has its own
  // pattern of zero pixels, which a branch per row and block mispredicts.
  let count = _compactNonZero(input, 0..<m, into: scratch)
  var j0 = 0
  while j0 + 64 <= n {
    var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
    for r in 0..<count {
      let i = Int(scratch[r])
      let row = w + i * stride + j0
      let s = SIMD8<Float>(repeating: input[i])
      a0.addProduct(s, load(row))
      a1.addProduct(s, load(row + 8))
      a2.addProduct(s, load(row + 16))
      a3.addProduct(s, load(row + 24))
      a4.addProduct(s, load(row + 32))
      a5.addProduct(s, load(row + 40))
      a6.addProduct(s, load(row + 48))
      a7.addProduct(s, load(row + 56))
    }
    let o = out + j0
    store(o, a0); store(o + 8, a1); store(o + 16, a2); store(o + 24, a3)
    store(o + 32, a4); store(o + 40, a5); store(o + 48, a6); store(o + 56, a7)
    j0 += 64
  }
  guard j0 < n else { return count }
  // The last n − j0 < 64 outputs: each one Σ_rows v·w with the product
  // rounded before the sum (not fused, unlike the 64-wide blocks: an
  // output's last bits depend on whether its column falls in a block or
  // here, so on the band's width), in row order, from 0. Blocks of
  // 32, 16 and 8 outputs stay in registers over the rows; the last n mod 8
  // come from an 8-wide window ending at column n, whose leading lanes
  // (outputs already done) are dropped.
  @inline(__always) func accumulate(_ j: Int, _ k: Int) {
    var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
    for r in 0..<count {
      let i = Int(scratch[r])
      let s = SIMD8<Float>(repeating: input[i])
      let row = w + i * stride + j
      a0 = a0 + s * load(row)
      if k > 1 { a1 = a1 + s * load(row + 8) }
      if k > 2 {
        a2 = a2 + s * load(row + 16)
        a3 = a3 + s * load(row + 24)
      }
    }
    store(out + j, a0)
    if k > 1 { store(out + j + 8, a1) }
    if k > 2 {
      store(out + j + 16, a2)
      store(out + j + 24, a3)
    }
  }
  var j = j0
  while n - j >= 32 {
    accumulate(j, 4)
    j += 32
  }
  if n - j >= 16 {
    accumulate(j, 2)
    j += 16
  }
  if n - j >= 8 {
    accumulate(j, 1)
    j += 8
  }
  guard j < n else { return count }
  if n >= 8 {
    let start = n - 8
    var a = SIMD8<Float>()
    for r in 0..<count {
      let i = Int(scratch[r])
      a = a + SIMD8<Float>(repeating: input[i]) * load(w + i * stride + start)
    }
    for lane in (j - start)..<8 { out[start + lane] = a[lane] }
  } else {
    // Fewer than 8 columns in all: one output at a time.
    for jj in j..<n {
      var a: Float = 0
      for r in 0..<count {
        let i = Int(scratch[r])
        a = a + input[i] * w[i * stride + jj]
      }
      out[jj] = a
    }
  }
  return count
}

/// `_forwardKernel` for four inputs at once (an evaluation's four
/// images), in one pass over the weights: each weight row is read once for
/// the four instead of once per input that drives it, which is what bounds
/// the single read (the L2-to-L1 traffic of a 627 KB matrix).
///
/// The same bits as four `_forwardKernel` calls: an output column is a
/// fused multiply-add chain when it lies in the single kernel's 64-wide
/// blocks (j < 64·⌊n/64⌋) and a product rounded before the sum otherwise,
/// over the rows in order from +0, here in blocks of 16 and 8 columns (and
/// the last n mod 8 from an 8-wide window ending at n). The rows are those
/// any of the four inputs drives; a row that input b does not drive adds
/// w·(±0) = ±0 to b's sums, which changes none of them (a chain from +0 is
/// never −0), for finite weights.
///
/// - Parameters:
///   - inputs, outputs: four M-input and four N-output buffers.
///   - scratch: M entries (the driven rows' indices); `union`: M floats.
@inlinable
package func _forwardKernel4(
  _ w: UnsafePointer<Float>, _ inputs: UnsafePointer<UnsafePointer<Float>>,
  _ outputs: UnsafePointer<UnsafeMutablePointer<Float>>, _ m: Int, _ n: Int,
  scratch: UnsafeMutablePointer<Int32>, union: UnsafeMutablePointer<Float>
) {
  @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
  }
  @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
  }
  let x0 = inputs[0], x1 = inputs[1], x2 = inputs[2], x3 = inputs[3]
  let o0 = outputs[0], o1 = outputs[1], o2 = outputs[2], o3 = outputs[3]
  // The rows any input drives: the OR of the four bit patterns.
  for i in 0..<m {
    union[i] = Float(bitPattern: x0[i].bitPattern | x1[i].bitPattern | x2[i].bitPattern | x3[i].bitPattern)
  }
  let count = _compactNonZero(union, 0..<m, into: scratch)
  // Columns [j, j + 8·k) (k = 1 or 2) for the four inputs: fused or not.
  @inline(__always) func block(_ j: Int, _ k: Int, fused: Bool) {
    var a0 = SIMD8<Float>(), b0 = a0, c0 = a0, d0 = a0
    var a1 = a0, b1 = a0, c1 = a0, d1 = a0
    for r in 0..<count {
      let i = Int(scratch[r])
      let row = w + i * n + j
      let w0 = load(row), w1 = k > 1 ? load(row + 8) : SIMD8<Float>()
      let s0 = SIMD8<Float>(repeating: x0[i]), s1 = SIMD8<Float>(repeating: x1[i])
      let s2 = SIMD8<Float>(repeating: x2[i]), s3 = SIMD8<Float>(repeating: x3[i])
      if fused {
        a0.addProduct(s0, w0); b0.addProduct(s1, w0); c0.addProduct(s2, w0); d0.addProduct(s3, w0)
        if k > 1 { a1.addProduct(s0, w1); b1.addProduct(s1, w1); c1.addProduct(s2, w1); d1.addProduct(s3, w1) }
      } else {
        a0 = a0 + s0 * w0; b0 = b0 + s1 * w0; c0 = c0 + s2 * w0; d0 = d0 + s3 * w0
        if k > 1 { a1 = a1 + s0 * w1; b1 = b1 + s1 * w1; c1 = c1 + s2 * w1; d1 = d1 + s3 * w1 }
      }
    }
    store(o0 + j, a0); store(o1 + j, b0); store(o2 + j, c0); store(o3 + j, d0)
    if k > 1 { store(o0 + j + 8, a1); store(o1 + j + 8, b1); store(o2 + j + 8, c1); store(o3 + j + 8, d1) }
  }
  let fusedEnd = n & ~63
  var j = 0
  while j < fusedEnd {
    block(j, 2, fused: true)
    j += 16
  }
  while n - j >= 16 {
    block(j, 2, fused: false)
    j += 16
  }
  if n - j >= 8 {
    block(j, 1, fused: false)
    j += 8
  }
  guard j < n else { return }
  if n >= 8 {
    // The last n − j < 8 outputs from the window ending at n.
    let start = n - 8
    var a = SIMD8<Float>(), b = a, c = a, d = a
    for r in 0..<count {
      let i = Int(scratch[r])
      let v = load(w + i * n + start)
      a = a + SIMD8<Float>(repeating: x0[i]) * v
      b = b + SIMD8<Float>(repeating: x1[i]) * v
      c = c + SIMD8<Float>(repeating: x2[i]) * v
      d = d + SIMD8<Float>(repeating: x3[i]) * v
    }
    for lane in (j - start)..<8 {
      o0[start + lane] = a[lane]; o1[start + lane] = b[lane]
      o2[start + lane] = c[lane]; o3[start + lane] = d[lane]
    }
  } else {
    for jj in j..<n {
      var a: Float = 0, b: Float = 0, c: Float = 0, d: Float = 0
      for r in 0..<count {
        let i = Int(scratch[r])
        let v = w[i * n + jj]
        a = a + x0[i] * v; b = b + x1[i] * v; c = c + x2[i] * v; d = d + x3[i] * v
      }
      o0[jj] = a; o1[jj] = b; o2[jj] = c; o3[jj] = d
    }
  }
}

/// out[i] = Σ_j w[i, j]·in[j], with independent SIMD accumulators.
///
/// Fewer than 16 inputs (an output layer's δ): one scalar sum per output,
/// in input order, over the non-zero inputs only. The comparators' dead
/// band zeroes most of an output layer's δ, and a zero input's term
/// w·(±0) = ±0 leaves every partial sum as it was (the sum starts at +0,
/// and +0 + −0 = +0), so the skipped terms change no bit, for finite w.
@inlinable
package func _transposedKernel(
  _ w: UnsafePointer<Float>, _ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
  _ m: Int, _ n: Int
) {
  let n16 = n & ~15
  if n16 == 0 {
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 16) { driven in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { x in
        var count = 0
        for j in 0..<n where input[j] != 0 {
          driven[count] = j
          x[count] = input[j]
          count += 1
        }
        // Eight rows at a time, a row per lane: each lane adds its products
        // in the same order as the scalar loop below (unfused), so the sums
        // are the same bit for bit, eight sums' dependency chains at once.
        var i = 0
        while i + 8 <= m {
          let block = w + i * n
          var acc = SIMD8<Float>()
          for q in 0..<count {
            let p = block + driven[q]
            let g = SIMD8<Float>(p[0], p[n], p[2 * n], p[3 * n], p[4 * n], p[5 * n], p[6 * n], p[7 * n])
            acc = acc + g * SIMD8<Float>(repeating: x[q])
          }
          UnsafeMutableRawPointer(out + i).storeBytes(of: acc, as: SIMD8<Float>.self)
          i += 8
        }
        while i < m {
          let row = w + i * n
          var s: Float = 0
          for q in 0..<count { s += row[driven[q]] * x[q] }
          out[i] = s
          i += 1
        }
      }
    }
    return
  }
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

/// Writes the indices i in `range` with x[i] ≠ 0 to `out`, in order, and
/// returns their count. Branch-free: which lines are active follows the
/// data (pixels, activations, δ), in no pattern a predictor learns, and
/// `x[i] != 0` compiles to a branch. A float is ≠ 0 exactly when its
/// magnitude bits are not all 0 (NaN included, as `!=` would). `out` holds
/// `range.count` entries.
///
/// Eight at a time: one vector compare gives an 8-bit mask, and
/// `_compactionOffsets[mask]` lists its set lanes, which are stored as one
/// eight-wide write (the lanes past the count are overwritten later or
/// lie beyond it; they never pass `range.count`).
@inlinable @inline(__always)
package func _compactNonZero(
  _ x: UnsafePointer<Float>, _ range: Range<Int>, into out: UnsafeMutablePointer<Int32>
) -> Int {
  _compact(x, range, into: out) { bits in
    (bits & SIMD8(repeating: 0x7FFF_FFFF)) .!= SIMD8(repeating: 0)
  } scalar: { bits in
    Int(((bits & 0x7FFF_FFFF) &+ 0x7FFF_FFFF) >> 31)
  }
}

/// As `_compactNonZero`, for x[i] > 0: a float's bits read as a signed
/// integer are > 0 exactly when it is (a positive NaN aside, which `>`
/// would reject; activations are clamped, never NaN).
@inlinable @inline(__always)
package func _compactPositive(
  _ x: UnsafePointer<Float>, _ range: Range<Int>, into out: UnsafeMutablePointer<Int32>
) -> Int {
  _compact(x, range, into: out) { bits in
    SIMD8<Int32>(truncatingIfNeeded: bits) .> SIMD8(repeating: 0)
  } scalar: { bits in
    (0 &- Int(Int32(bitPattern: bits))) >> 63 & 1
  }
}

/// The shared body of the two compactions: `lanes` tests eight floats'
/// bit patterns at once, `scalar` one (0 or 1), for the last range.count
/// mod 8.
@inlinable @inline(__always)
func _compact(
  _ x: UnsafePointer<Float>, _ range: Range<Int>, into out: UnsafeMutablePointer<Int32>,
  lanes: (SIMD8<UInt32>) -> SIMDMask<SIMD8<Int32>>, scalar: (UInt32) -> Int
) -> Int {
  let offsets = _compactionOffsets
  var count = 0, i = range.lowerBound
  // count ≤ i − lowerBound, so the eight-wide store ends within `out`.
  while i &+ 8 <= range.upperBound {
    let bits = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<UInt32>.self)
    // Lane k's 0 or 1 in byte k; the multiply moves byte k's bit to bit
    // 56 + k (no two partial products meet, so nothing carries).
    let ones = SIMD8<UInt8>(truncatingIfNeeded: SIMD8<Int32>().replacing(with: 1, where: lanes(bits)))
    let mask = Int(truncatingIfNeeded: (unsafeBitCast(ones, to: UInt64.self) &* 0x0102_0408_1020_4080) >> 56)
    let list = SIMD8<Int32>(truncatingIfNeeded: offsets[mask]) &+ SIMD8(repeating: Int32(truncatingIfNeeded: i))
    UnsafeMutableRawPointer(out + count).storeBytes(of: list, as: SIMD8<Int32>.self)
    count &+= mask.nonzeroBitCount
    i &+= 8
  }
  while i < range.upperBound {
    out[count] = Int32(truncatingIfNeeded: i)
    count &+= scalar(x[i].bitPattern)
    i += 1
  }
  return count
}

/// For each 8-bit mask, the positions of its set bits in increasing order,
/// then zeros: 256 entries of 8 bytes.
@usableFromInline
nonisolated(unsafe) let _compactionOffsets: UnsafePointer<SIMD8<UInt8>> = {
  let table = UnsafeMutablePointer<SIMD8<UInt8>>.allocate(capacity: 256)
  for mask in 0..<256 {
    var entry = SIMD8<UInt8>()
    var slot = 0
    for bit in 0..<8 where mask >> bit & 1 == 1 {
      entry[slot] = UInt8(bit)
      slot += 1
    }
    table[mask] = entry
  }
  return UnsafePointer(table)
}()
