import Testing
@testable import Circuit
import _TestSupport

// A mutation audit of session 59's terminal resistances (48 mutants, 37
// killed): the survivors that change a result or its cost, each with a
// test that tells them apart.

// C4: an array of ideal segments behind a terminal resistance is no
// Kirchhoff sum (a mutant that called it ideal read 16 times too much).
@Test func anArrayOfIdealSegmentsBehindATerminalResistanceIsSolved() throws {
  let wires = WireModel(rowTerminalResistance: 1e5)
  #expect(!wires.isIdeal && wires.hasIdealSegments)
  let a = randomArray(3, 3, seed: 3, wires: wires)
  let v = [0.2, 0.1, 0.15]
  let read = try a.read(.forward, voltages: v)
  let plus = try NodalSolver().solve(a.mesh(.plus, .forward, voltages: v))
  #expect(maxRelativeDifference(read.plus, plus.outputCurrents) < 1e-14)
  let ideal = randomArray(3, 3, seed: 3)
  #expect(try ideal.read(.forward, voltages: v).plus[0] > 2 * read.plus[0])
}

// N8: a reused solver rebuilds its merged modes for new terminal
// resistances (a stale one still converged, in 78 iterations for 21).
@Test func aReusedSolverRebuildsItsMergedModesForNewTerminals() throws {
  var m = randomMesh(rows: 40, columns: 30, r: 1, seed: 63, gLow: 10, gHigh: 100)
  let reused = NodalSolver()
  _ = try reused.solve(m)
  m.rowTerminalResistance = 5e3
  m.columnTerminalResistance = 8e3
  let again = try reused.solve(m), fresh = try NodalSolver().solve(m)
  #expect(reused.lastSolveWasTwoLevel)
  #expect(again.iterations == fresh.iterations, "\(again.iterations) against \(fresh.iterations)")
}

// R1: training's reader puts the terminal segments in its line factors
// (without them it still converged, in three times the iterations).
@Test func theReadersFactorsCarryTheTerminalSegments() throws {
  for big in [1e3, 1e6] {
    let wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1, rowTerminalResistance: big, columnTerminalResistance: big)
    let a = randomArray(64, 48, seed: 64, wires: wires)
    let reader = ResistiveReader(rows: 64, columns: 48, wires: wires)
    var rng = SeededGenerator(seed: 65)
    _ = try reader.readout(a, .forward, voltages: (0..<64).map { _ in rng.nextUniform() })
    // 24 and 48 iterations for the two meshes with them, 71 and 147 without.
    #expect(reader.iterations <= (big < 1e4 ? 40 : 80), "R \(big): \(reader.iterations) iterations")
  }
}

// R7: the tightened tolerance stops at 1e-14 (below it a read would iterate
// on rounding).
@Test func theReadersToleranceStopsAtItsFloor() throws {
  let wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1, columnTerminalResistance: 1e8)
  let a = DifferentialArray(rows: 200, columns: 20, wires: wires)
  a.setConductances(plus: [Double](repeating: 1e-2, count: 4000), minus: [Double](repeating: 1e-2, count: 4000))
  let reader = ResistiveReader(rows: 200, columns: 20, wires: wires)
  #expect(reader.effectiveTolerance(a) == 1e-14)
  // And a mild cut divides the tolerance by it exactly: 1 + 1e3·(20·2e-5).
  let mild = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1, rowTerminalResistance: 1e3)
  let b = DifferentialArray(rows: 200, columns: 20, wires: mild)
  b.setConductances(plus: [Double](repeating: 1e-5, count: 4000), minus: [Double](repeating: 1e-5, count: 4000))
  let r = ResistiveReader(rows: 200, columns: 20, wires: mild)
  #expect(abs(r.effectiveTolerance(b) - 1e-6 / 1.4) < 1e-15)
}

// D5: the direct solve's residual, by hand on one cell with a perturbed
// solution: ‖i − G·v‖ / (‖i‖ + ‖|G|·|v|‖) with the terminal segment's
// g_t·|w| in the word node's magnitude.
@Test func theDirectResidualIsTheBackwardErrorByHand() {
  var mesh = CrossbarMesh(
    rows: 1, columns: 1, conductance: [0.5], wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1), rowVoltages: [1])
  mesh.rowTerminalResistance = 10
  var sol = NodalSolver.emptySolution(1, 1)
  let (w, b, g, gtr, gtc) = (0.5, 0.25, 0.5, 1.0 / 11, 1.0)
  sol.wordNodeVoltage = [w]
  sol.bitNodeVoltage = [b]
  let injW = gtr * 1.0
  let rW = injW - (g * (w - b) + gtr * w), rB = 0 - (g * (b - w) + gtc * b)
  let magW = g * (w + b) + gtr * w, magB = g * (w + b) + gtc * b
  let want = (rW * rW + rB * rB).squareRoot() / (injW + (magW * magW + magB * magB).squareRoot())
  let got = NodalSolver.relativeResidual(mesh, sol)
  #expect(abs(got - want) <= 1e-15 * want, "\(got) vs \(want)")
}

// D1: the collapsed solve eliminates the longer side's lines first (the
// other order costs max·min² more: 0.17 s against 17 s on 3000×4).
@Test func theCollapsedSolveEliminatesTheLongerSideFirst() {
  var tall = CrossbarMesh(
    rows: 6, columns: 2, conductance: [Double](repeating: 1e-4, count: 12), wires: .ideal,
    rowVoltages: [Double](repeating: 0.1, count: 6))
  tall.rowTerminalResistance = 100
  tall.columnTerminalResistance = 100
  #expect(BandedNodes.collapsedNode(row: 0, column: nil, tall) == 0)
  #expect(BandedNodes.collapsedNode(row: nil, column: 0, tall) == 6)
  var wide = CrossbarMesh(
    rows: 2, columns: 6, conductance: [Double](repeating: 1e-4, count: 12), wires: .ideal, rowVoltages: [0.1, 0.1])
  wide.rowTerminalResistance = 100
  wide.columnTerminalResistance = 100
  #expect(BandedNodes.collapsedNode(row: nil, column: 0, wide) == 0)
  #expect(BandedNodes.collapsedNode(row: 0, column: nil, wide) == 6)
}
