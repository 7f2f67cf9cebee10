import Circuit
import Testing
import _TestSupport

// The resistive hot path (`ResistiveReader`) against the general nodal
// solver (`DifferentialArray.read`, `NodalSolver` at its 1e-12 default):
// the same circuit, solved as a correction to the ideal field, with a
// stale preconditioner, fused passes and x kept only at the terminals.

/// Inputs like MNIST's: about a fifth of the lines driven, in [0, V].
private func sparseVoltages(_ count: Int, seed: UInt64, scale: Double = 0.2) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  return (0..<count).map { _ in rng.nextUniform() < 0.2 ? scale * rng.nextUniform() : 0 }
}

/// An array of `m`×`n` devices uniform in [0, gMax] S.
private func trainedLikeArray(_ m: Int, _ n: Int, seed: UInt64, gMax: Double, wires: WireModel) -> DifferentialArray {
  var rng = SeededGenerator(seed: seed)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  a.setConductances(
    plus: (0..<(m * n)).map { _ in gMax * rng.nextUniform() },
    minus: (0..<(m * n)).map { _ in gMax * rng.nextUniform() })
  return a
}

struct ReaderCase: Sendable, CustomTestStringConvertible {
  var m: Int, n: Int, rRow: Double, rCol: Double
  var testDescription: String { "\(m)×\(n), r \(rRow)/\(rCol) Ω" }
}

@Test(arguments: [
  ReaderCase(m: 1, n: 1, rRow: 2, rCol: 3), ReaderCase(m: 1, n: 7, rRow: 2, rCol: 3),
  ReaderCase(m: 9, n: 1, rRow: 2, rCol: 3), ReaderCase(m: 12, n: 8, rRow: 2, rCol: 3),
  ReaderCase(m: 37, n: 21, rRow: 10, rCol: 1), ReaderCase(m: 20, n: 30, rRow: 1e-9, rCol: 1e-9),
])
func readerMatchesTheNodalSolverBothWays(_ c: ReaderCase) throws {
  let wires = WireModel(rowSegmentResistance: c.rRow, columnSegmentResistance: c.rCol)
  let a = randomArray(c.m, c.n, seed: 11, wires: wires)
  let reader = ResistiveReader(rows: c.m, columns: c.n, wires: wires, options: .init(tolerance: 1e-11))
  var rng = SeededGenerator(seed: 12)
  for direction in [ReadDirection.forward, .transposed] {
    let count = direction == .forward ? c.m : c.n
    let v = (0..<count).map { _ in rng.nextUniform() }
    // At r = 1e-9 Ω the general solver's terminal currents (v − x)/r
    // cancel to nothing; the reference is then the r → 0 limit, the
    // Kirchhoff sums (the IR drop, ~r·G·M², is below 1e-10 of them).
    let reference = a.copy()
    if c.rRow < 1e-6 { reference.wires = .ideal }
    let exact = try reference.read(direction, voltages: v)
    let fast = try reader.readout(a, direction, voltages: v)
    #expect(maxRelativeDifference(fast.plus, exact.plus) < 1e-9, "\(direction)")
    #expect(maxRelativeDifference(fast.minus, exact.minus) < 1e-9, "\(direction)")
    #expect(isApproximatelyEqual(fast.energy, exact.energy, relativeTolerance: 1e-9), "\(direction)")
    // KCL over the two meshes: what the drivers deliver, the sense
    // amplifiers absorb (every termination is a source; the output
    // lines are at 0 V and deliver nothing back).
    let delivered = fast.inputPlus.reduce(0, +) + fast.inputMinus.reduce(0, +)
    let absorbed = fast.plus.reduce(0, +) + fast.minus.reduce(0, +)
    #expect(isApproximatelyEqual(delivered, absorbed, relativeTolerance: 1e-9))
  }
}

@Test func theHotPathReadGivesTheDifferenceOfThePolaritiesAndBooksTheEnergy() throws {
  let wires = WireModel(rowSegmentResistance: 2, columnSegmentResistance: 2)
  let a = trainedLikeArray(30, 12, seed: 3, gMax: 1e-4, wires: wires)
  let reader = ResistiveReader(rows: 30, columns: 12, wires: wires, options: .init(tolerance: 1e-10))
  let input = sparseVoltages(30, seed: 4).map(Float.init)
  let exact = try a.read(.forward, voltages: input.map(Double.init))
  a.readEnergy = 0
  var out = [Float](repeating: 0, count: 12)
  try input.withUnsafeBufferPointer { i in
    try out.withUnsafeMutableBufferPointer { o in try reader.read(a, .forward, input: i, output: o) }
  }
  // Single-precision drives and outputs: agreement to Float rounding.
  #expect(maxRelativeDifference(out.map(Double.init), exact.difference) < 1e-6)
  #expect(isApproximatelyEqual(a.readEnergy, exact.energy, relativeTolerance: 1e-9))
}

@Test(arguments: [ReadDirection.forward, .transposed])
func theTransferMatrixIsTheReadAsALinearMap(_ direction: ReadDirection) throws {
  // The mesh is linear in its drives: a read through T equals a solve.
  // Forward and transposed reads use the same T (reciprocity).
  let (m, n) = (25, 9)
  let wires = WireModel(rowSegmentResistance: 3, columnSegmentResistance: 5)
  let a = trainedLikeArray(m, n, seed: 5, gMax: 1e-4, wires: wires)
  for (rows, cols, arr) in [(m, n, a), (n, m, trainedLikeArray(n, m, seed: 6, gMax: 1e-4, wires: wires))] {
    let reader = ResistiveReader(rows: rows, columns: cols, wires: wires, options: .init(tolerance: 1e-11))
    var t = [Float](repeating: 0, count: rows * cols)
    try t.withUnsafeMutableBufferPointer { try reader.transferMatrix(arr, into: $0.baseAddress!) }
    let count = direction == .forward ? rows : cols
    let v = sparseVoltages(count, seed: 7).map { $0 + 0.01 }
    let exact = try arr.read(direction, voltages: v).difference
    var viaT = [Double](repeating: 0, count: direction == .forward ? cols : rows)
    for i in 0..<rows {
      for j in 0..<cols {
        if direction == .forward { viaT[j] += Double(t[i * cols + j]) * v[i] }
        else { viaT[i] += Double(t[i * cols + j]) * v[j] }
      }
    }
    // T is kept in single precision, as the weight cache is.
    #expect(maxRelativeDifference(viaT, exact) < 1e-5, "\(rows)×\(cols)")
  }
}

@Test func theLooseTrainingToleranceMatchesATightSolve() throws {
  // A case with an IR drop as large as MNIST's 785×200 at 1 Ω: electrical
  // length √(G·r)·M ≈ 2 on the bit lines. The default training tolerance
  // (1e-6 of the ideal cell currents) against the general solver at 1e-12:
  // every output within 1e-5 of the largest.
  let (m, n) = (200, 40)
  let wires = WireModel(rowSegmentResistance: 20, columnSegmentResistance: 20)
  let a = trainedLikeArray(m, n, seed: 9, gMax: 1e-5, wires: wires)
  let loose = ResistiveReader(rows: m, columns: n, wires: wires)
  #expect(loose.options.tolerance == 1e-6)
  for seed in UInt64(1)...3 {
    let v = sparseVoltages(m, seed: seed)
    let tight = try a.read(.forward, voltages: v)
    let fast = try loose.readout(a, .forward, voltages: v)
    #expect(maxRelativeDifference(fast.plus, tight.plus) < 1e-5)
    #expect(maxRelativeDifference(fast.minus, tight.minus) < 1e-5)
    let diff = zip(fast.plus, fast.minus).map { $0 - $1 }
    #expect(maxRelativeDifference(diff, tight.difference, floor: tight.plus.map(abs).max()!) < 1e-5)
    // The IR drop is real here: the outputs are well below the ideal sums.
    let ideal = a.copy()
    ideal.wires = .ideal
    let ri = try ideal.read(.forward, voltages: v)
    #expect(tight.plus.reduce(0, +) < 0.95 * ri.plus.reduce(0, +))
  }
}

@Test func aStalePreconditionerLeavesTheAnswerExact() throws {
  // Factors built for other conductances: the iteration still converges to
  // the current mesh's solution.
  let wires = WireModel(rowSegmentResistance: 4, columnSegmentResistance: 4)
  let a = trainedLikeArray(40, 16, seed: 13, gMax: 1e-4, wires: wires)
  var options = ResistiveReader.Options(tolerance: 1e-11)
  options.factorInterval = 1_000
  let reader = ResistiveReader(rows: 40, columns: 16, wires: wires, options: options)
  let v = sparseVoltages(40, seed: 14)
  _ = try reader.readout(a, .forward, voltages: v)  // factors from these conductances
  var rng = SeededGenerator(seed: 15)
  for k in 0..<(40 * 16) where rng.nextUniform() < 0.5 {
    a.setConductance(.plus, row: k / 16, column: k % 16, 1e-4 * rng.nextUniform())
  }
  let fast = try reader.readout(a, .forward, voltages: v)
  let exact = try a.read(.forward, voltages: v)
  #expect(maxRelativeDifference(fast.plus, exact.plus) < 1e-9)
}

// Factors built while every device was at 0 S kept the line solves alone
// after G·r crossed the two-level threshold: 820 iterations where fresh
// factors take 17, and with a lower cap a false "did not converge" (an
// audit, session 27). Stale factors that fail are now rebuilt once.
@Test func staleFactorsThatFailAreRebuiltOnceBeforeAFailureIsReported() throws {
  let m = 120, n = 30, r = 1e8
  let wires = WireModel(rowSegmentResistance: r, columnSegmentResistance: r)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  a.setConductances(plus: Array(repeating: 0, count: m * n), minus: Array(repeating: 0, count: m * n))
  var options = ResistiveReader.Options()
  options.maxIterations = 300
  let reader = ResistiveReader(rows: m, columns: n, wires: wires, options: options)
  var rng = SeededGenerator(seed: 3)
  let v = (0..<m).map { _ in 0.2 * rng.nextUniform() }
  _ = try reader.readout(a, .forward, voltages: v)  // factors at G = 0: one level
  #expect(!reader.isTwoLevel)
  a.setConductances(
    plus: (0..<(m * n)).map { _ in 1.5e-7 + 1e-7 * rng.nextUniform() },
    minus: (0..<(m * n)).map { _ in 1.5e-7 * rng.nextUniform() })
  let before = reader.iterations
  let stale = try reader.readout(a, .forward, voltages: v)
  #expect(reader.isTwoLevel)
  let fresh = ResistiveReader(rows: m, columns: n, wires: wires, options: options)
  let answer = try fresh.readout(a, .forward, voltages: v)
  #expect(maxRelativeDifference(stale.plus, answer.plus) < 1e-4)
  #expect(maxRelativeDifference(stale.minus, answer.minus) < 1e-4)
  // The reader's iteration count holds both attempts: the failed one
  // (the cap) and the retry (mutation round 4: the first one dropped).
  let spent = reader.iterations - before
  #expect(spent >= options.maxIterations + fresh.iterations / 2, "\(spent) for a fresh reader's \(fresh.iterations)")
}

// A NaN drive or an infinite conductance is not a solution: the reader
// throws instead of reporting zero currents (since session 43 a
// ConfigurationError naming the value, as `DifferentialArray.read` and
// NodalSolver do; before, the solve's "did not converge").
@Test func aNonFiniteDriveOrConductanceDoesNotConverge() throws {
  let wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
  let a = DifferentialArray(rows: 4, columns: 3, wires: wires)
  a.setConductances(plus: [Double](repeating: 1e-5, count: 12), minus: [Double](repeating: 2e-6, count: 12))
  let reader = ResistiveReader(rows: 4, columns: 3, wires: wires)
  var out = [Float](repeating: 7, count: 3)
  let nanDrive: [Float] = [.nan, 0.1, 0.1, 0.1]
  #expect(throws: ConfigurationError.self) {
    try nanDrive.withUnsafeBufferPointer { i in
      try out.withUnsafeMutableBufferPointer { o in try reader.read(a, .forward, input: i, output: o) }
    }
  }
  #expect(out == [7, 7, 7], "a failed read leaves the outputs alone")
  var g = [Double](repeating: 1e-5, count: 12)
  g[5] = .infinity
  a.setConductances(plus: g, minus: [Double](repeating: 2e-6, count: 12))
  let drive: [Float] = [0.1, 0.1, 0.1, 0.1]
  #expect(throws: ConfigurationError.self) {
    try drive.withUnsafeBufferPointer { i in
      try out.withUnsafeMutableBufferPointer { o in try reader.read(a, .forward, input: i, output: o) }
    }
  }
}

// MARK: - The two-level preconditioner
//
// Above `twoLevelThreshold` (G_max·max(r)) the line solves are joined by
// the exact solve of the merged modes w = b, where the cell terms cancel:
// (L_w + L_b)⁻¹ by a transform along the shorter side (`MergedLineSolver`).

/// The dense reference's currents out of the output lines of the G+ mesh:
/// forward (v on the rows) I_j = x_B(M−1, j)/r_col, transposed (v on the
/// columns) I_i = x_W(i, 0)/r_row.
private func denseOutputs(_ a: DifferentialArray, _ direction: ReadDirection, _ v: [Double]) -> [Double] {
  let (m, n) = (a.rows, a.columns)
  let forward = direction == .forward
  let mesh = CrossbarMesh(
    rows: m, columns: n, conductance: a.conductances(.plus), wires: a.wires,
    rowTerminations: (0..<m).map { .source(volts: forward ? v[$0] : 0) },
    columnTerminations: (0..<n).map { .source(volts: forward ? 0 : v[$0]) })
  let x = denseMeshSolve(mesh)
  return forward
    ? (0..<n).map { x.bit[(m - 1) * n + $0] / a.wires.columnSegmentResistance }
    : (0..<m).map { x.word[$0 * n] / a.wires.rowSegmentResistance }
}

struct TwoLevelCase: Sendable, CustomTestStringConvertible {
  var m: Int, n: Int, gr: Double, bound: Double
  var testDescription: String { "\(m)×\(n), G·r \(gr)" }
}

@Test(arguments: [
  TwoLevelCase(m: 14, n: 6, gr: 1e-3, bound: 1e-9), TwoLevelCase(m: 5, n: 13, gr: 1e-3, bound: 1e-9),
  TwoLevelCase(m: 14, n: 6, gr: 1e3, bound: 1e-9), TwoLevelCase(m: 5, n: 13, gr: 1e3, bound: 1e-9),
  TwoLevelCase(m: 14, n: 6, gr: 1e6, bound: 1e-8), TwoLevelCase(m: 5, n: 13, gr: 1e6, bound: 1e-8),
  TwoLevelCase(m: 1, n: 9, gr: 1e3, bound: 1e-9), TwoLevelCase(m: 8, n: 1, gr: 1e3, bound: 1e-9),
])
func theTwoLevelReadMatchesTheDenseSolve(_ c: TwoLevelCase) throws {
  // G_max 10 µS, r chosen for G_max·r; row and column segments differ.
  let gMax = 1e-5
  let wires = WireModel(rowSegmentResistance: c.gr / gMax, columnSegmentResistance: 0.5 * c.gr / gMax)
  let a = trainedLikeArray(c.m, c.n, seed: 21, gMax: gMax, wires: wires)
  var options = ResistiveReader.Options(tolerance: 1e-13)
  options.twoLevelThreshold = 0
  let reader = ResistiveReader(rows: c.m, columns: c.n, wires: wires, options: options)
  var rng = SeededGenerator(seed: 22)
  for direction in [ReadDirection.forward, .transposed] {
    let v = (0..<(direction == .forward ? c.m : c.n)).map { _ in rng.nextUniform() }
    let exact = denseOutputs(a, direction, v)
    let fast = try reader.readout(a, direction, voltages: v)
    #expect(reader.isTwoLevel)
    #expect(maxRelativeDifference(fast.plus, exact) < c.bound, "\(direction)")
  }
  // Bounded iterations however large G·r is (block Jacobi alone needs
  // about √(G·r)·M of them).
  #expect(Double(reader.iterations) / Double(reader.solves) < 20)
}

@Test(arguments: [1e-4, 1e-1, 1e2, 1e5])
func thePreconditionerDoesNotChangeTheAnswer(_ gr: Double) throws {
  // The same reads with line solves alone and with the merged-mode solve
  // added: PCG converges to the same currents with either.
  let (m, n) = (23, 11)
  let gMax = 1e-5
  let wires = WireModel(rowSegmentResistance: gr / gMax, columnSegmentResistance: 2 * gr / gMax)
  let a = trainedLikeArray(m, n, seed: 23, gMax: gMax, wires: wires)
  var jacobi = ResistiveReader.Options(tolerance: 1e-13)
  jacobi.twoLevelThreshold = .infinity
  jacobi.maxIterations = 100_000
  var twoLevel = jacobi
  twoLevel.twoLevelThreshold = 0
  let one = ResistiveReader(rows: m, columns: n, wires: wires, options: jacobi)
  let two = ResistiveReader(rows: m, columns: n, wires: wires, options: twoLevel)
  for direction in [ReadDirection.forward, .transposed] {
    let v = sparseVoltages(direction == .forward ? m : n, seed: 24, scale: 1).map { $0 + 0.05 }
    let x = try one.readout(a, direction, voltages: v)
    let y = try two.readout(a, direction, voltages: v)
    #expect(!one.isTwoLevel && two.isTwoLevel)
    // (Block Jacobi's own 1e-13 residual drifts at 1e5: 2000 iterations.)
    let bound = gr > 1e3 ? 1e-6 : 1e-9
    #expect(maxRelativeDifference(y.plus, x.plus) < bound, "\(direction)")
    #expect(maxRelativeDifference(y.minus, x.minus) < bound, "\(direction)")
    #expect(maxRelativeDifference(y.inputPlus, x.inputPlus) < bound, "\(direction)")
    #expect(isApproximatelyEqual(y.energy, x.energy, relativeTolerance: bound), "\(direction)")
  }
  // At small G·r the merged modes are no trouble and the coarse term only
  // adds to the spread of the spectrum: hence the threshold.
  if gr >= 1e2 { #expect(two.iterations < one.iterations / 5) }
}

@Test func theDefaultThresholdKeepsTheLineSolvesAtLowGr() throws {
  // 1 Ω and 10 µS (G·r = 1e-5): block Jacobi alone, as before; at
  // G·r = 1 the merged modes are added.
  for (r, expected) in [(1.0, false), (1e5, true)] {
    let wires = WireModel(rowSegmentResistance: r, columnSegmentResistance: r)
    let a = trainedLikeArray(20, 9, seed: 25, gMax: 1e-5, wires: wires)
    let reader = ResistiveReader(rows: 20, columns: 9, wires: wires)
    _ = try reader.readout(a, .forward, voltages: sparseVoltages(20, seed: 26))
    #expect(reader.isTwoLevel == expected, "r \(r) Ω")
  }
}

@Test(arguments: [(7, 4), (4, 7), (5, 5), (1, 6), (6, 1), (1, 1)])
func theMergedSolveIsTheDenseSolveOfTheKroneckerSum(_ shape: (Int, Int)) {
  // L_w + L_b: g_r·(2, but 1 at the open end j = N−1) along the word
  // lines, g_c·(2, but 1 at the open top i = 0) along the bit lines.
  let (m, n) = shape
  #expect(mergedSolveError(m, n, gr: 0.7, gc: 3.1, gtr: 0.7, gtc: 3.1, seed: 27) < 1e-12, "\(m)×\(n)")
}

// `NodalSolver` runs the merged solve in shares on two threads; each share
// must compute its entries as the whole solve does.
@Test(arguments: [(13, 6), (6, 13), (9, 9), (1, 5), (5, 1), (2, 2)])
func theMergedSolveInSharesIsTheWholeSolveBitForBit(_ shape: (Int, Int)) {
  let (m, n) = shape
  let solver = MergedLineSolver(rows: m, columns: n, gr: 1.3, gc: 0.4)
  var rng = SeededGenerator(seed: 28)
  let f = (0..<(m * n)).map { _ in rng.nextUniform() - 0.5 }
  func solve(parts: Int) -> [Double] {
    var u = [Double](repeating: .nan, count: m * n)
    f.withUnsafeBufferPointer { fp in
      u.withUnsafeMutableBufferPointer { up in
        if parts == 0 {
          solver.solve(fp.baseAddress!, into: up.baseAddress!)
        } else {
          // Shares in reverse order: none may depend on another's output.
          solver.solve(fp.baseAddress!, into: up.baseAddress!, parts: parts) { body in
            for t in (0..<parts).reversed() { body(t) }
          }
        }
      }
    }
    return u
  }
  let whole = solve(parts: 0)
  #expect(whole.allSatisfy { $0.isFinite })
  for parts in [1, 2, 3, 4] {
    #expect(solve(parts: parts) == whole, "\(m)×\(n) in \(parts) shares")
  }
}

/// `MergedLineSolver.multiply` on arrays: a (p×q) · b (q×r).
private func mergedProduct(_ a: [Double], _ b: [Double], p: Int, q: Int, r: Int) -> [Double] {
  var c = [Double](repeating: .nan, count: p * r)
  a.withUnsafeBufferPointer { ap in
    b.withUnsafeBufferPointer { bp in
      c.withUnsafeMutableBufferPointer {
        MergedLineSolver.multiply(ap.baseAddress!, bp.baseAddress!, into: $0.baseAddress!, p: p, q: q, r: r)
      }
    }
  }
  return c
}

@Test func theBlockedProductIsAMatrixProduct() {
  // Every edge of the 4×8 tiling: rows and columns not multiples of it.
  for (p, q, r) in [(9, 5, 13), (4, 3, 8), (1, 1, 1), (3, 7, 2), (12, 16, 20)] {
    var rng = SeededGenerator(seed: UInt64(p * 100 + r))
    let a = (0..<(p * q)).map { _ in rng.nextUniform() - 0.5 }
    let b = (0..<(q * r)).map { _ in rng.nextUniform() - 0.5 }
    let c = mergedProduct(a, b, p: p, q: q, r: r)
    var exact = [Double](repeating: 0, count: p * r)
    for i in 0..<p { for j in 0..<r { for k in 0..<q { exact[i * r + j] += a[i * q + k] * b[k * r + j] } } }
    #expect(maxRelativeDifference(c, exact) < 1e-14, "\(p)×\(q)·\(q)×\(r)")
  }
}

@Test func atLargeGrTheFactorsFollowTheConductances() throws {
  // G dominates the line factors at G·r = 1e3: with two levels they are
  // rebuilt before every read, so a read after the conductances moved
  // costs what a fresh reader's does (stale factors cost tens more).
  let (m, n) = (40, 16)
  let wires = WireModel(rowSegmentResistance: 1e8, columnSegmentResistance: 1e8)
  let a = trainedLikeArray(m, n, seed: 31, gMax: 1e-5, wires: wires)
  let reader = ResistiveReader(rows: m, columns: n, wires: wires)
  let v = sparseVoltages(m, seed: 32)
  _ = try reader.readout(a, .forward, voltages: v)
  var rng = SeededGenerator(seed: 33)
  for k in 0..<(m * n) { a.setConductance(.plus, row: k / n, column: k % n, 1e-5 * rng.nextUniform()) }
  let before = reader.iterations
  _ = try reader.readout(a, .forward, voltages: v)
  let fresh = ResistiveReader(rows: m, columns: n, wires: wires)
  _ = try fresh.readout(a, .forward, voltages: v)
  #expect(reader.isTwoLevel)
  #expect(reader.iterations - before == fresh.iterations)
}

// The product is blocked for the cache (k in blocks of 128, j in panels of
// 256); each entry must still be summed in k order, fused below the last
// multiple of four columns and unfused beyond, as before the blocking, so
// that results do not change with it.
@Test func theCacheBlockedProductSumsEachEntryInOrder() {
  for (p, q, r) in [(9, 300, 517), (5, 129, 258), (300, 7, 263), (1, 400, 3)] {
    var rng = SeededGenerator(seed: 31)
    let a = (0..<(p * q)).map { _ in rng.nextUniform() - 0.5 }
    let b = (0..<(q * r)).map { _ in rng.nextUniform() - 0.5 }
    let c = mergedProduct(a, b, p: p, q: q, r: r)
    var same = true
    for i in 0..<p {
      for j in 0..<r {
        var s = 0.0
        for k in 0..<q {
          if j < r & ~3 { s = s.addingProduct(a[i * q + k], b[k * r + j]) } else { s += a[i * q + k] * b[k * r + j] }
        }
        if s != c[i * r + j] { same = false }
      }
    }
    #expect(same, "\(p)×\(q)·\(q)×\(r)")
  }
}


/// An evaluation's transfer matrices change nothing of the reads after
/// them: the reads' line factors (stale ones, one level or two, their age)
/// are put back, so a reader that computed a matrix reads bit for bit as
/// one that did not (session 70: a determinism audit found the training's
/// loss and read energy moved in their 9th digit with the evaluations).
/// The second case builds the factors at G = 0 (one level) and the matrix
/// after G·r has crossed the two-level threshold; the third stops each
/// matrix at once.
@Test(arguments: [(4.0, false), (1e8, false), (1e8, true)])
func aTransferMatrixLeavesTheReadsAsTheyWere(r: Double, stopped: Bool) throws {
  let (m, n) = (48, 16)
  let wires = WireModel(rowSegmentResistance: r, columnSegmentResistance: r)
  var options = ResistiveReader.Options()
  options.factorInterval = 1_000
  options.maxIterations = 300
  func array() -> DifferentialArray {
    let a = DifferentialArray(rows: m, columns: n, wires: wires)
    if r > 1e6 {
      a.setConductances(plus: Array(repeating: 0, count: m * n), minus: Array(repeating: 0, count: m * n))
    } else {
      var rng = SeededGenerator(seed: 41)
      a.setConductances(
        plus: (0..<(m * n)).map { _ in 1e-4 * rng.nextUniform() }, minus: (0..<(m * n)).map { _ in 1e-4 * rng.nextUniform() })
    }
    return a
  }
  let (a, b) = (array(), array())
  let evaluated = ResistiveReader(rows: m, columns: n, wires: wires, options: options)
  let plain = ResistiveReader(rows: m, columns: n, wires: wires, options: options)
  let v = sparseVoltages(m, seed: 42)
  var rng = SeededGenerator(seed: 43)
  var matrix = [Float](repeating: 0, count: m * n)
  for step in 0..<4 {
    let x = try evaluated.readout(a, .forward, voltages: v), y = try plain.readout(b, .forward, voltages: v)
    #expect(x.plus == y.plus && x.minus == y.minus, "step \(step)")
    #expect(evaluated.iterations == plain.iterations, "step \(step)")
    #expect(evaluated.isTwoLevel == plain.isTwoLevel, "step \(step)")
    // The same moves of the devices in both (G·r well past 1e-2 at 1e8 Ω).
    let top = r > 1e6 ? 2.5e-7 : 1e-4
    for k in 0..<(m * n) where rng.nextUniform() < 0.5 {
      let g = top * rng.nextUniform()
      a.setConductance(.plus, row: k / n, column: k % n, g)
      b.setConductance(.plus, row: k / n, column: k % n, g)
    }
    do {
      try matrix.withUnsafeMutableBufferPointer { t in
        try evaluated.transferMatrix(a, into: t.baseAddress!, stop: { stopped })
      }
      #expect(!stopped)
    } catch SolverError.stopped {
      #expect(stopped)
    }
  }
}
