@testable import Circuit
import Testing
import _TestSupport

// Mutation round 8 (NodalSolver, MergedLineSolver, CrossbarMesh,
// MeshSolution, ResistiveReader's four-row word-line solve): the
// survivors' tests.

// The nodal solver's two levels start at G_max·max(r_row, r_col) ≥ the
// threshold, as the reader's do: r_row = 1 Ω, r_col = 1e5 Ω (and swapped)
// with G_max = 10 µS is G·max(r) = 1, G·min(r) = 1e-5. Two levels keep the
// iterations near 20; the line solves alone need hundreds here (mutant:
// G_max·min(r), two levels off).
@Test func theNodalSolversTwoLevelThresholdReadsTheLargerSegmentResistance() throws {
  for (rRow, rCol) in [(1.0, 1e5), (1e5, 1.0)] {
    var mesh = randomMesh(rows: 40, columns: 30, r: 1, seed: 81, gLow: 0, gHigh: 1e-5)
    mesh.wires = WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol)
    let solver = NodalSolver()
    let sol = try solver.solve(mesh)
    #expect(solver.lastSolveWasTwoLevel, "r_row \(rRow), r_col \(rCol)")
    #expect(sol.iterations <= 30, "r_row \(rRow), r_col \(rCol): \(sol.iterations) iterations")
  }
}

// A solver keeps its merged-mode solve while the shape and both segment
// conductances stay the same; a mesh with another r_col (or r_row) must
// get a new one. A stale one is still a valid preconditioner, so only the
// iterations tell: the reused solver must take exactly what a fresh one
// takes (mutant: reuse checked on g_r only).
@Test func aReusedNodalSolverRebuildsItsMergedSolveForNewSegments() throws {
  let first = randomMesh(rows: 48, columns: 40, r: 1e4, seed: 82)
  for (rRow, rCol) in [(1e4, 1e6), (1e6, 1e4)] {
    let solver = NodalSolver()
    _ = try solver.solve(first)
    var mesh = first
    mesh.wires = WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol)
    let reused = try solver.solve(mesh)
    let fresh = try NodalSolver().solve(mesh)
    #expect(solver.lastSolveWasTwoLevel)
    #expect(reused.iterations == fresh.iterations, "r_row \(rRow), r_col \(rCol): \(reused.iterations) against \(fresh.iterations)")
  }
}

// The stopping rule is ‖r‖ ≤ tol·‖i‖ and ‖r‖² ≤ tol·‖I_cells‖² (√tol of
// the cell currents): on long lines of small G·r the drivers' injections
// dwarf the cell currents, and the solve stops at the first iterate within
// the tolerance, not far below it (measured 0.85·tol and 0.91·tol; mutant:
// tol²·‖I_cells‖², which asks for more: 0.037·tol and 0.005·tol, two more
// iterations each).
@Test func theNodalSolverStopsAtTheDocumentedResidualNotFarBelowIt() throws {
  let tol = 1e-6
  for (m, n, r) in [(20, 100, 100.0), (8, 100, 30.0)] {
    let mesh = randomMesh(rows: m, columns: n, r: r, seed: 83, gLow: 0, gHigh: 1e-4)
    let sol = try NodalSolver(options: .init(tolerance: tol, twoLevelThreshold: .infinity)).solve(mesh)
    #expect(sol.relativeResidual <= tol)
    #expect(sol.relativeResidual >= 0.1 * tol, "\(m)×\(n): \(sol.relativeResidual) after \(sol.iterations) iterations")
  }
}

// An open bit line's terminal current is +0, not −0 (0 − x of its open
// segment's zero), as an open word line's is.
@Test func anOpenBitLinesTerminalCurrentIsPlusZero() throws {
  var mesh = randomMesh(rows: 5, columns: 4, r: 10, seed: 84)
  mesh.columnTerminations[2] = .open
  mesh.rowTerminations[1] = .open
  let sol = try NodalSolver().solve(mesh)
  #expect(sol.columnTerminalCurrent[2] == 0 && sol.columnTerminalCurrent[2].sign == .plus)
  #expect(sol.rowTerminalCurrent[1] == 0 && sol.rowTerminalCurrent[1].sign == .plus)
}

// A warm start of another shape is ignored, columns as well as rows: the
// solve is the cold one, iteration for iteration and bit for bit (mutant:
// only the rows compared; the first M·N voltages of a 6×9 solution seeded
// a 6×7 solve).
@Test func aWarmStartOfAnotherShapeIsIgnored() throws {
  let mesh = randomMesh(rows: 6, columns: 7, r: 100, seed: 85)
  let wider = randomMesh(rows: 6, columns: 9, r: 100, seed: 86)
  let solver = NodalSolver()
  let other = try solver.solve(wider)
  let cold = try NodalSolver().solve(mesh)
  let warm = try solver.solve(mesh, warmStart: other)
  #expect(warm.iterations == cold.iterations)
  #expect(warm.wordNodeVoltage == cold.wordNodeVoltage && warm.bitNodeVoltage == cold.bitNodeVoltage)
}

// With every source at 0 V nothing drives the mesh: every node is at 0 V
// and no current flows, whatever warm start was given (mutant: the warm
// start's voltages returned as the answer).
@Test func anUndrivenMeshIsAtZeroVoltsWhateverTheWarmStart() throws {
  var mesh = randomMesh(rows: 6, columns: 5, r: 50, seed: 87)
  let driven = try NodalSolver().solve(mesh)
  mesh.rowTerminations = Array(repeating: .source(volts: 0), count: 6)
  let sol = try NodalSolver().solve(mesh, warmStart: driven)
  #expect(sol.converged)
  #expect(sol.wordNodeVoltage.allSatisfy { $0 == 0 } && sol.bitNodeVoltage.allSatisfy { $0 == 0 })
  #expect(sol.rowTerminalCurrent.allSatisfy { $0 == 0 } && sol.columnTerminalCurrent.allSatisfy { $0 == 0 })
}

// `validate()`'s bounds are inclusive where the documentation says so:
// r = 0 (an ideal line), r = 1e-150 Ω and r = 1e150 Ω are accepted,
// negative, smaller non-zero and larger resistances are not; a cell of
// 0 S (fully off) is accepted, a negative one is not; an open line needs
// its kind's r > 0, word and bit lines alike (mutants: each bound made
// strict, the open-bit-line check dropped).
@Test func aMeshsValidationBoundsAreTheDocumentedOnes() throws {
  func mesh(_ rRow: Double, _ rCol: Double, g: Double = 1e-6) -> CrossbarMesh {
    CrossbarMesh(
      rows: 2, columns: 2, conductance: [g, 1e-6, 1e-6, 1e-6],
      wires: WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol), rowVoltages: [0.1, 0.2])
  }
  let small = WireModel.smallestResistance, large = WireModel.largestResistance
  for r in [0, small, 1, large] {
    try mesh(r, 1).validate()
    try mesh(1, r).validate()
  }
  for r in [-1, small / 2, 2 * large, .infinity, .nan] {
    #expect(throws: ConfigurationError.self, "r_row \(r)") { try mesh(r, 1).validate() }
    #expect(throws: ConfigurationError.self, "r_col \(r)") { try mesh(1, r).validate() }
  }
  try mesh(1, 1, g: 0).validate()
  for g in [-1e-9, .nan, .infinity] {
    #expect(throws: ConfigurationError.self, "G \(g)") { try mesh(1, 1, g: g).validate() }
  }
  var openBit = mesh(1, 0)
  openBit.columnTerminations[1] = .open
  #expect(throws: ConfigurationError.self) { try openBit.validate() }
  openBit.wires.columnSegmentResistance = 1
  try openBit.validate()
  var openWord = mesh(0, 1)
  openWord.rowTerminations[0] = .open
  #expect(throws: ConfigurationError.self) { try openWord.validate() }
}

// Wires are ideal only when both kinds are (mutant: either).
@Test func wiresAreIdealOnlyWhenBothKindsAre() {
  #expect(WireModel.ideal.isIdeal)
  #expect(!WireModel(rowSegmentResistance: 1, columnSegmentResistance: 0).isIdeal)
  #expect(!WireModel(rowSegmentResistance: 0, columnSegmentResistance: 1).isIdeal)
}

// The whole-line segment currents are the single-segment ones bit for bit,
// an open line's end segment included: it passes exactly nothing (without
// the override the cells' sum over the line, KCL's zero up to rounding,
// would stand there). Word and bit lines (mutants: either override
// dropped).
@Test func theSegmentCurrentsOfOpenLinesEndInExactlyZero() throws {
  var mesh = randomMesh(rows: 7, columns: 6, r: 200, seed: 88, gHigh: 1e-3)
  mesh.rowTerminations[2] = .open
  mesh.rowTerminations[5] = .open
  mesh.columnTerminations[1] = .open
  mesh.columnTerminations[4] = .open
  let sol = try NodalSolver().solve(mesh)
  for i in 0..<7 {
    let line = sol.wordSegmentCurrents(row: i, mesh: mesh)
    for j in 0..<6 { #expect(line[j] == sol.wordSegmentCurrent(row: i, segment: j, mesh: mesh), "word \(i), segment \(j)") }
    if mesh.rowTerminations[i] == .open { #expect(line[0] == 0, "word \(i)") }
  }
  for j in 0..<6 {
    let line = sol.bitSegmentCurrents(column: j, mesh: mesh)
    for i in 0..<7 { #expect(line[i] == sol.bitSegmentCurrent(row: i, column: j, mesh: mesh), "bit \(j), row \(i)") }
    if mesh.columnTerminations[j] == .open { #expect(line[6] == 0, "bit \(j)") }
  }
}

// A segment's current is its drop over r when the drop is at least the
// largest cell voltage beyond it, else the cells' sum: at G·r = 100 the
// terminal segments' drops dominate (each line carries the current of
// many cells), and the terminal currents are the drops exactly (mutant:
// always the cells' sum, which loses digits as G·r grows).
@Test func aTerminalSegmentsCurrentIsItsDropWhenTheDropDominates() throws {
  let r = 1e4
  let mesh = randomMesh(rows: 9, columns: 8, r: r, seed: 89, gLow: 1e-3, gHigh: 1e-2)
  let sol = try NodalSolver().solve(mesh)
  var drops = 0
  for i in 0..<9 {
    let o = i * 8
    let largest = (0..<8).map { abs(sol.wordNodeVoltage[o + $0] - sol.bitNodeVoltage[o + $0]) }.max()!
    let drop = mesh.rowTerminations[i].volts! - sol.wordNodeVoltage[o]
    if abs(drop) >= largest {
      drops += 1
      #expect(sol.rowTerminalCurrent[i] == drop / r, "row \(i)")
    }
  }
  for j in 0..<8 {
    let largest = (0..<9).map { abs(sol.wordNodeVoltage[$0 * 8 + j] - sol.bitNodeVoltage[$0 * 8 + j]) }.max()!
    let drop = sol.bitNodeVoltage[8 * 8 + j] - 0
    if abs(drop) >= largest {
      drops += 1
      #expect(sol.columnTerminalCurrent[j] == 0 - drop / r, "column \(j)")
    }
  }
  #expect(drops >= 12, "\(drops) of 17 terminal segments by their drop")
}

// The power the sources deliver, Σ V·I over every termination, is what
// the cells and the segments dissipate, Σ G·(w − b)² + Σ r·I², with the
// bit lines driven too (a transposed read, and both kinds at once)
// (mutant: the bit lines' terms left out).
@Test func theSourcesPowerIsWhatTheMeshDissipates() throws {
  for (rowDrive, colDrive) in [(false, true), (true, true)] {
    var mesh = randomMesh(rows: 6, columns: 5, r: 300, seed: 90, gHigh: 1e-3)
    mesh.wires = WireModel(rowSegmentResistance: 300, columnSegmentResistance: 500)
    var rng = SeededGenerator(seed: 91)
    if !rowDrive { mesh.rowTerminations = Array(repeating: .source(volts: 0), count: 6) }
    if colDrive { mesh.columnTerminations = (0..<5).map { _ in .source(volts: 0.5 * rng.nextUniform()) } }
    let sol = try NodalSolver().solve(mesh)
    var dissipated = 0.0
    for k in 0..<30 {
      let v = sol.wordNodeVoltage[k] - sol.bitNodeVoltage[k]
      dissipated += mesh.conductance[k] * v * v
    }
    for i in 0..<6 { for c in sol.wordSegmentCurrents(row: i, mesh: mesh) { dissipated += 300 * c * c } }
    for j in 0..<5 { for c in sol.bitSegmentCurrents(column: j, mesh: mesh) { dissipated += 500 * c * c } }
    let p = sol.power(mesh: mesh)
    #expect(p > 0)
    #expect(abs(p - dissipated) <= 1e-9 * dissipated, "rows driven \(rowDrive): \(p) W delivered, \(dissipated) W dissipated")
  }
}
