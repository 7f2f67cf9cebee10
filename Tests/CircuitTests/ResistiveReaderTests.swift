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

// A NaN drive or an infinite conductance is not a solution: the reader
// throws, as NodalSolver does, instead of reporting zero currents.
@Test func aNonFiniteDriveOrConductanceDoesNotConverge() throws {
  let wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
  let a = DifferentialArray(rows: 4, columns: 3, wires: wires)
  a.setConductances(plus: [Double](repeating: 1e-5, count: 12), minus: [Double](repeating: 2e-6, count: 12))
  let reader = ResistiveReader(rows: 4, columns: 3, wires: wires)
  var out = [Float](repeating: 7, count: 3)
  let nanDrive: [Float] = [.nan, 0.1, 0.1, 0.1]
  #expect(throws: SolverError.self) {
    try nanDrive.withUnsafeBufferPointer { i in
      try out.withUnsafeMutableBufferPointer { o in try reader.read(a, .forward, input: i, output: o) }
    }
  }
  #expect(out == [7, 7, 7], "a failed read leaves the outputs alone")
  var g = [Double](repeating: 1e-5, count: 12)
  g[5] = .infinity
  a.setConductances(plus: g, minus: [Double](repeating: 2e-6, count: 12))
  let drive: [Float] = [0.1, 0.1, 0.1, 0.1]
  #expect(throws: SolverError.self) {
    try drive.withUnsafeBufferPointer { i in
      try out.withUnsafeMutableBufferPointer { o in try reader.read(a, .forward, input: i, output: o) }
    }
  }
}
