import Circuit
import Testing
import _TestSupport

func randomArray(_ m: Int, _ n: Int, seed: UInt64, wires: WireModel = .ideal) -> DifferentialArray {
  var rng = SeededGenerator(seed: seed)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  a.setConductances(
    plus: (0..<(m * n)).map { _ in 1e-6 + 1e-4 * rng.nextUniform() },
    minus: (0..<(m * n)).map { _ in 1e-6 + 1e-4 * rng.nextUniform() })
  return a
}

@Test(arguments: [(1, 1), (1, 9), (9, 1), (2, 2), (17, 33), (784, 10)])
func idealForwardReadIsTheKirchhoffSum(shape: (Int, Int)) throws {
  let (m, n) = shape
  let a = randomArray(m, n, seed: 1)
  var rng = SeededGenerator(seed: 2)
  let v = (0..<m).map { _ in rng.nextUniform() }
  let r = try a.read(.forward, voltages: v)
  let gp = a.conductances(.plus), gm = a.conductances(.minus)
  for j in 0..<n {
    var ip = 0.0, im = 0.0
    for i in 0..<m { ip += gp[i * n + j] * v[i]; im += gm[i * n + j] * v[i] }
    #expect(isApproximatelyEqual(r.plus[j], ip, relativeTolerance: 1e-14))
    #expect(isApproximatelyEqual(r.minus[j], im, relativeTolerance: 1e-14))
  }
}

@Test(arguments: [(1, 1), (3, 5), (40, 20)])
func transposedReadIsTheTransposedSum(shape: (Int, Int)) throws {
  let (m, n) = shape
  let a = randomArray(m, n, seed: 3)
  var rng = SeededGenerator(seed: 4)
  let v = (0..<n).map { _ in rng.nextUniform() - 0.5 }
  let r = try a.read(.transposed, voltages: v)
  let w = zip(a.conductances(.plus), a.conductances(.minus)).map { $0 - $1 }
  for i in 0..<m {
    var s = 0.0
    for j in 0..<n { s += w[i * n + j] * v[j] }
    #expect(isApproximatelyEqual(r.difference[i], s, relativeTolerance: 1e-12, floor: 1e-9))
  }
}

/// The transposed read of fewer than 16 columns (an output layer's δ,
/// mostly zero after the comparators' dead band) sums the non-zero inputs
/// only: the same bits as the sum over every column in column order from
/// +0, with +0 and −0 inputs, negative weights and all-zero inputs.
@Test(arguments: [1, 2, 7, 10, 15, 16, 17])
func transposedReadSkipsZeroInputsBitForBit(columns n: Int) {
  let m = 37
  let a = randomArray(m, n, seed: 13)
  let w = zip(a.conductances(.plus), a.conductances(.minus)).map { Float($0 - $1) }
  var rng = SeededGenerator(seed: 14)
  for trial in 0..<40 {
    let d: [Float] = (0..<n).map { _ in
      let u = rng.nextUniform()
      if trial == 0 || u < 0.4 { return 0 }
      if u < 0.6 { return -0.0 }
      return Float(rng.nextUniform() - 0.5) * 1e-3
    }
    let out = a.readIdeal(.transposed, input: d)
    for i in 0..<m {
      var s: Float = 0
      for j in 0..<n { s += w[i * n + j] * d[j] }
      if n < 16 {
        #expect(out[i].bitPattern == s.bitPattern, "row \(i), trial \(trial)")
      } else {
        #expect(abs(out[i] - s) <= 1e-6 * max(abs(s), 1e-9))
      }
    }
  }
}

@Test(arguments: [(5, 7), (64, 48), (785, 200), (30, 13), (50, 125), (9, 250)])
func fastPathMatchesExactPath(shape: (Int, Int)) throws {
  let (m, n) = shape
  let a = randomArray(m, n, seed: 5)
  var rng = SeededGenerator(seed: 6)
  // Sparse inputs, as MNIST's: the fast path skips zero rows.
  let v = (0..<m).map { _ in rng.nextUniform() < 0.3 ? Float(rng.nextUniform()) : 0 }
  let fast = a.readIdeal(.forward, input: v)
  let exact = try a.read(.forward, voltages: v.map(Double.init)).difference
  // Float weights: compare against the output scale, not element-wise.
  #expect(maxRelativeDifference(fast.map(Double.init), exact, floor: 1e-6) < 1e-5)
  let d = (0..<n).map { _ in Float(rng.nextUniform() - 0.5) }
  let fastT = a.readIdeal(.transposed, input: d)
  let exactT = try a.read(.transposed, voltages: d.map(Double.init)).difference
  #expect(maxRelativeDifference(fastT.map(Double.init), exactT, floor: 1e-6) < 1e-5)
}

/// The forward kernel on a band of columns at the end of a buffer of
/// exactly m·stride weights, for every band width up to 130, bit for bit:
/// columns of its 64-wide blocks are fused multiply-adds, the rest a
/// product rounded before the sum, both in row order from +0, over the
/// non-zero inputs. Outputs past the band stay untouched.
@Test(arguments: [false, true])
func forwardKernelOnColumnBandsIsExact(allZero: Bool) {
  let m = 23, stride = 140
  var rng = SeededGenerator(seed: 12)
  let w = (0..<(m * stride)).map { _ in Float(rng.nextUniform() - 0.5) }
  let x: [Float] = (0..<m).map { i in
    if allZero { return i % 2 == 0 ? 0 : -0.0 }
    return rng.nextUniform() < 0.4 ? Float(rng.nextUniform()) : (i % 3 == 0 ? -0.0 : 0)
  }
  var scratch = [Int32](repeating: 0, count: m)
  for width in 0...130 {
    for c0 in [0, stride - width] {
      var out = [Float](repeating: .nan, count: width + 8)
      var active = 0
      w.withUnsafeBufferPointer { wp in
        active = _forwardKernel(wp.baseAddress! + c0, x, &out, m, width, scratch: &scratch, rowStride: stride)
      }
      #expect(active == x.filter { $0 != 0 }.count)
      let fused = width / 64 * 64
      for j in 0..<width {
        var s: Float = 0
        for i in 0..<m where x[i] != 0 {
          let v = w[i * stride + c0 + j]
          s = j < fused ? s.addingProduct(x[i], v) : s + x[i] * v
        }
        #expect(out[j].bitPattern == s.bitPattern, "width \(width), band at \(c0), column \(j): \(out[j]) vs \(s)")
      }
      let untouched = out[width...].allSatisfy { $0.isNaN }
      #expect(untouched, "width \(width): wrote past the band")
    }
  }
}

/// Four inputs read in one pass (`_forwardKernel4`, the evaluation's)
/// give each input's `_forwardKernel` bits, for every width up to 130 and
/// the layer widths 200 and 250: inputs with their own sparse patterns,
/// +0 and −0, one input all zero, one driving every row.
@Test func fourInputKernelMatchesTheSingleOneBitForBit() {
  let m = 29
  var rng = SeededGenerator(seed: 15)
  for n in Array(1...130) + [200, 250] {
    let w = (0..<(m * n)).map { _ in Float(rng.nextUniform() - 0.5) }
    var x: [[Float]] = (0..<4).map { b in
      (0..<m).map { i in
        if b == 2 { return i % 2 == 0 ? 0 : -0.0 }
        if b == 3 { return Float(rng.nextUniform()) + 0.01 }
        return rng.nextUniform() < 0.3 ? Float(rng.nextUniform()) : (i % 3 == 0 ? -0.0 : 0)
      }
    }
    if n % 2 == 0 { x.swapAt(0, 2) }
    var expected = [[Float]](repeating: [Float](repeating: 0, count: n), count: 4)
    var scratch = [Int32](repeating: 0, count: m)
    for b in 0..<4 { _forwardKernel(w, x[b], &expected[b], m, n, scratch: &scratch) }
    let outs = (0..<4).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: n) }
    let ins = (0..<4).map { b in
      let p = UnsafeMutablePointer<Float>.allocate(capacity: m)
      p.initialize(from: x[b], count: m)
      return p
    }
    let union = UnsafeMutablePointer<Float>.allocate(capacity: m)
    defer {
      for p in outs { p.deallocate() }
      for p in ins { p.deallocate() }
      union.deallocate()
    }
    let inPointers = ins.map { UnsafePointer($0) }
    _forwardKernel4(w, inPointers, outs, m, n, scratch: &scratch, union: union)
    for b in 0..<4 {
      for j in 0..<n where outs[b][j].bitPattern != expected[b][j].bitPattern {
        Issue.record("n \(n), input \(b), column \(j): \(outs[b][j]) vs \(expected[b][j])")
      }
    }
  }
}

@Test func setConductanceKeepsTheWeightCacheInStep() {
  let a = DifferentialArray(rows: 2, columns: 3, conductance: 1e-5)
  a.setConductance(.plus, row: 1, column: 2, 4e-5)
  a.setConductance(.minus, row: 0, column: 0, 3e-5)
  #expect(a.weights[5] == Float(3e-5))
  #expect(a.weights[0] == Float(-2e-5))
  #expect(a.readIdeal(.forward, input: [0, 1]) == [0, 0, Float(3e-5)])
}

@Test func readEnergyOfAHandCase() throws {
  // One synapse, G+ = 2e-5 S, G− = 1e-5 S, 0.5 V for 10 ns:
  // E = t·V²·(G+ + G−) = 1e-8 · 0.25 · 3e-5 = 7.5e-14 J.
  let a = DifferentialArray(rows: 1, columns: 1)
  a.setConductances(plus: [2e-5], minus: [1e-5])
  let r = try a.read(.forward, voltages: [0.5])
  #expect(isApproximatelyEqual(r.energy, 7.5e-14, relativeTolerance: 1e-12))
  _ = a.readIdeal(.forward, input: [0.5])
  #expect(isApproximatelyEqual(a.readEnergy, 1.5e-13, relativeTolerance: 1e-6))
  #expect(a.readCount == 2)
}

/// One polarity's read solved densely on a mesh built here from its
/// conductances `g` (S), not by `DifferentialArray.mesh`: forward, `v` on
/// the word (D) lines' left ends and the bit (S) lines' bottom ends at 0 V;
/// transposed, `v` on the S lines' bottom ends and the D lines at 0 V.
/// Returns the currents out of the output lines into their 0 V ends and
/// into the input lines from their drivers (A), each the sum of its
/// line's cell currents.
func denseDifferentialRead(
  _ g: [Double], rows m: Int, columns n: Int, wires: WireModel, _ direction: ReadDirection, _ v: [Double]
) -> (output: [Double], input: [Double]) {
  let ground = { (k: Int) in [LineTermination](repeating: .source(volts: 0), count: k) }
  let driven = v.map { LineTermination.source(volts: $0) }
  let forward = direction == .forward
  let mesh = CrossbarMesh(
    rows: m, columns: n, conductance: g, wires: wires,
    rowTerminations: forward ? driven : ground(m), columnTerminations: forward ? ground(n) : driven)
  let (w, b) = denseMeshSolve(mesh)
  // Word → bit cell currents summed along each word line and each bit line.
  var row = [Double](repeating: 0, count: m), column = [Double](repeating: 0, count: n)
  for i in 0..<m {
    for j in 0..<n {
      let c = g[i * n + j] * (w[i * n + j] - b[i * n + j])
      row[i] += c
      column[j] += c
    }
  }
  // Forward: D_i delivers what its cells draw, S_j passes on what they
  // inject. Transposed: the other way round, word ← bit.
  return forward ? (column, row) : (row.map { -$0 }, column.map { -$0 })
}

// Both read directions against meshes built in the test from the array's
// G+ and G− (so that a `mesh()` that builds + from G−, swaps r_row and
// r_col or drives the wrong lines cannot agree with itself), r_row ≠ r_col,
// a non-square array: per-polarity currents, their difference and the
// read energy t·Σ V·I_in over both polarities, all to 1e-9 of the largest
// current (measured: 4e-12 forward, 5e-14 transposed).
@Test func resistiveReadSolvesEachPolarity() throws {
  let (m, n) = (12, 8)
  let wires = WireModel(rowSegmentResistance: 2, columnSegmentResistance: 7)
  let a = randomArray(m, n, seed: 7, wires: wires)
  let gp = a.conductances(.plus), gm = a.conductances(.minus)
  var rng = SeededGenerator(seed: 8)
  let inputs: [(ReadDirection, [Double])] = [
    (.forward, (0..<m).map { _ in rng.nextUniform() }),
    (.transposed, (0..<n).map { _ in rng.nextUniform() - 0.5 }),
  ]
  for (direction, v) in inputs {
    let r = try a.read(direction, voltages: v)
    let plus = denseDifferentialRead(gp, rows: m, columns: n, wires: wires, direction, v)
    let minus = denseDifferentialRead(gm, rows: m, columns: n, wires: wires, direction, v)
    let scale = (plus.output + minus.output).map(abs).max()!
    #expect(maxRelativeDifference(r.plus, plus.output, floor: scale) < 1e-9, "\(direction) G+")
    #expect(maxRelativeDifference(r.minus, minus.output, floor: scale) < 1e-9, "\(direction) G−")
    let difference = zip(plus.output, minus.output).map { $0 - $1 }
    #expect(maxRelativeDifference(r.difference, difference, floor: scale) < 1e-9, "\(direction) G+ − G−")
    // The drivers' energy over both meshes: Σ V·I·t.
    var power = 0.0
    for k in v.indices { power += v[k] * (plus.input[k] + minus.input[k]) }
    let powerScale = v.map(abs).max()! * (plus.input + minus.input).map(abs).reduce(0, +)
    #expect(abs(r.energy - power * a.readTime) <= 1e-9 * powerScale * a.readTime, "\(direction) energy \(r.energy) J, \(power * a.readTime) J")
    #expect(power > 0)
    // IR drop only lowers each current below the ideal sum's (forward,
    // every V ≥ 0).
    if direction == .forward {
      let ideal = a.copy()
      ideal.wires = .ideal
      let ri = try ideal.read(.forward, voltages: v)
      for j in 0..<n { #expect(r.plus[j] < ri.plus[j] && r.minus[j] < ri.minus[j]) }
    }
  }
}

/// The eight-wide compactions list exactly the indices a plain filter keeps,
/// in order, for every offset and length around the eight-lane blocks,
/// with ±0, negative values, subnormals, infinities and NaNs of both signs,
/// and never write past `range.count` entries.
@Test func compactionsListWhatAFilterKeeps() {
  let specials: [Float] = [
    0, -0.0, 1, -1, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .infinity, -.infinity,
    .nan, -Float.nan, Float(bitPattern: 0x7F80_0001), 0.5, 1e-30,
  ]
  var rng = SeededGenerator(seed: 11)
  for trial in 0..<400 {
    let length = trial % 41
    let start = (trial / 41) % 9
    let total = start + length + 3
    // Mostly zeros, as pixels are, and sometimes dense.
    let zeros = trial % 3 == 0 ? 0.2 : 0.8
    let x: [Float] = (0..<total).map { _ in
      rng.nextUniform() < zeros ? 0 : specials[Int(rng.next() % UInt64(specials.count))]
    }
    let range = start..<(start + length)
    let nonZero = range.filter { x[$0] != 0 }
    let positive = range.filter { x[$0].sign == .plus && x[$0] != 0 }  // positive NaN included
    for (compact, expected) in [(0, nonZero), (1, positive)] {
      // A guard of 16 sentinels beyond range.count entries.
      var out = [Int32](repeating: -7, count: length + 16)
      let count = x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
          compact == 0
            ? _compactNonZero(xp.baseAddress!, range, into: op.baseAddress!)
            : _compactPositive(xp.baseAddress!, range, into: op.baseAddress!)
        }
      }
      #expect(count == expected.count, "trial \(trial), \(compact == 0 ? "non-zero" : "positive")")
      #expect(Array(out[0..<count]) == expected.map { Int32($0) }, "trial \(trial)")
      #expect(out[length...].allSatisfy { $0 == -7 }, "trial \(trial): wrote past range.count")
    }
  }
}
