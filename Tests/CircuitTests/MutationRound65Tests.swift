@testable import Circuit
import Testing
import _TestSupport

// Mutation round 65 (WriteBias, RowWriteSolver, ParallelWriteSolver,
// RCLine, MeasuredCycles): the survivors' tests. Each names its mutant.

// MARK: - WriteBias

// One cell between its drivers, each behind a terminal resistance: the
// current is V/(r_row + R_d + r_col + R_s + 1/G); the segments take
// I²·(r_row + r_col) (`linePower`), the terminals I²·(R_d + R_s)
// (`terminalPower`), and supplied = cells + lines + terminals (mutants:
// the terminal resistance counted in `linePower`; `terminalPower` 0).
@Test func aWritesTerminalResistancesDissipateApartFromTheLines() throws {
  let g = 1e-3, (rRow, rCol, rd, rs) = (30.0, 70.0, 200.0, 500.0)
  for scheme in WriteScheme.allCases {
    var base = CrossbarMesh(
      rows: 1, columns: 1, conductance: [g], wires: WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol),
      rowVoltages: [0])
    base.rowTerminalResistance = rd
    base.columnTerminalResistance = rs
    let mesh = base.writing(row: 0, column: 0, voltage: 2, scheme: scheme)
    #expect(mesh.rowTerminalResistance == rd && mesh.columnTerminalResistance == rs)
    let a = WriteAnalysis(mesh, try NodalSolver(options: .init(tolerance: 1e-14)).solve(mesh), row: 0, column: 0)
    let i = 2 / (rRow + rd + rCol + rs + 1 / g)
    #expect(abs(a.selectedVoltage - i / g) <= 1e-12 * i / g, "\(scheme)")
    #expect(abs(a.linePower - i * i * (rRow + rCol)) <= 1e-9 * i * i * (rRow + rCol), "\(scheme): \(a.linePower)")
    #expect(abs(a.terminalPower - i * i * (rd + rs)) <= 1e-9 * i * i * (rd + rs), "\(scheme): \(a.terminalPower)")
    #expect(abs(a.suppliedPower - (a.cellPower + a.linePower + a.terminalPower)) <= 1e-9 * a.suppliedPower)
  }
}

// A group's minimum and maximum are its cells' least and greatest
// voltages, from the solution itself, on an array whose half-selected
// cells differ (mutant: the minimum kept as a running maximum).
@Test func aWriteGroupsMinimumIsItsLeastCellVoltage() throws {
  let mesh = randomMesh(rows: 5, columns: 4, r: 50, seed: 65).writing(row: 1, column: 2, voltage: 1, scheme: .third)
  let sol = try NodalSolver(options: .init(tolerance: 1e-14)).solve(mesh)
  let a = WriteAnalysis(mesh, sol, row: 1, column: 2)
  func v(_ i: Int, _ j: Int) -> Double { sol.wordNodeVoltage[i * 4 + j] - sol.bitNodeVoltage[i * 4 + j] }
  let row = [0, 1, 3].map { v(1, $0) }, column = [0, 2, 3, 4].map { v($0, 2) }
  let rest = [0, 2, 3, 4].flatMap { i in [0, 1, 3].map { v(i, $0) } }
  for (group, values) in [(a.halfSelectedRow, row), (a.halfSelectedColumn, column), (a.unselected, rest)] {
    #expect(group.minimum == values.min() && group.maximum == values.max())
    #expect(group.minimum! < group.maximum!)
  }
}

// MARK: - RowWriteSolver

// `cellShare` keeps its row's sweeps between calls, but a new `prepare`
// (new conductances) must drop them: the share is then a fresh solver's
// (mutant: the kept row survived `prepare`).
@Test func aNewPrepareDropsCellSharesKeptRow() {
  let (m, n) = (6, 5)
  let w = WireModel(rowSegmentResistance: 10, columnSegmentResistance: 20)
  let g1 = RowWriteSolverTests.conductances(m, n, seed: 1, high: 1e-3)
  let g2 = RowWriteSolverTests.conductances(m, n, seed: 2, high: 1e-2)
  let reused = RowWriteSolver(rows: m, columns: n, wires: w), fresh = RowWriteSolver(rows: m, columns: n, wires: w)
  g1.withUnsafeBufferPointer { p in
    reused.prepare(p.baseAddress!)
    _ = reused.cellShare(row: 3, column: 1, conductance: p.baseAddress!)
  }
  g2.withUnsafeBufferPointer { p in
    reused.prepare(p.baseAddress!)
    fresh.prepare(p.baseAddress!)
    for j in 0..<n {
      let a = reused.cellShare(row: 3, column: j, conductance: p.baseAddress!)
      let b = fresh.cellShare(row: 3, column: j, conductance: p.baseAddress!)
      #expect(a == b, "column \(j): \(a) against \(b)")
    }
  }
}

// The write solvers' refusals (mutants: a zero segment, a negative
// terminal resistance, an empty array let through).
@Test func theWriteSolversRefuseLinesTheyCannotSolve() async {
  await #expect(processExitsWith: .failure) {
    _ = RowWriteSolver(rows: 2, columns: 2, wires: WireModel(rowSegmentResistance: 0, columnSegmentResistance: 1))
  }
  await #expect(processExitsWith: .failure) {
    _ = ParallelWriteSolver(rows: 2, columns: 2, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1, rowTerminalResistance: -1))
  }
  await #expect(processExitsWith: .failure) {
    _ = RowWriteSolver(rows: 0, columns: 2, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1))
  }
}

// MARK: - ParallelWriteSolver

// A reused solver forgets the last slot's lines: a second slot on other
// rows and columns gives a fresh solver's shares (mutants: the last
// slot's row or column places kept).
@Test func aReusedParallelSolverForgetsTheLastSlot() {
  let (m, n) = (8, 7)
  let g = ParallelWriteSolverTests.conductances(m, n, seed: 4, high: 1e-3)
  let w = WireModel(rowSegmentResistance: 5, columnSegmentResistance: 8)
  let reused = ParallelWriteSolver(rows: m, columns: n, wires: w)
  reused.tolerance = 1e-13
  g.withUnsafeBufferPointer { p in
    let r1: [Int32] = [0, 3, 6], c1: [Int32] = [1, 4]
    reused.solve(rows: r1, rowCount: 3, columns: c1, columnCount: 2, conductance: p.baseAddress!, scale: 1)
    let r2: [Int32] = [2, 5], c2: [Int32] = [0, 6]
    #expect(reused.solve(rows: r2, rowCount: 2, columns: c2, columnCount: 2, conductance: p.baseAddress!, scale: 1))
    let fresh = ParallelWriteSolverTests.shares(g, m, n, wires: w, rows: [2, 5], columns: [0, 6]).shares
    let got = [2, 5].flatMap { i in [0, 6].map { reused.share(row: i, column: $0) } }
    for q in 0..<4 { #expect(abs(got[q] - fresh[q]) <= 1e-12, "\(got[q]) against \(fresh[q])") }
  }
}

// No cell, no current: every line sits at its drive, ±V/2, which is
// where the sweeps start, so the first sweep moves nothing and the solve
// stops after it (mutant: the word lines started at 0 V, two sweeps).
@Test func linesWithoutCellsStopAfterOneSweep() {
  let solver = ParallelWriteSolver(rows: 4, columns: 3, wires: WireModel(rowSegmentResistance: 7, columnSegmentResistance: 3))
  let g = [Float](repeating: 0, count: 12)
  let rows: [Int32] = [0, 2], columns: [Int32] = [1]
  #expect(g.withUnsafeBufferPointer { solver.solve(rows: rows, rowCount: 2, columns: columns, columnCount: 1, conductance: $0.baseAddress!, scale: 1) })
  #expect(solver.lastSweeps == 1)
  #expect(abs(solver.share(row: 2, column: 1) - 1) <= 1e-15)
}

// `maxSweeps` bounds the sweeps: an unmet tolerance stops at exactly
// that many and reports it (mutant: one sweep more).
@Test func theSweepsStopAtMaxSweeps() {
  let (m, n) = (10, 9)
  let g = ParallelWriteSolverTests.conductances(m, n, seed: 6, high: 1e-2)
  let solver = ParallelWriteSolver(rows: m, columns: n, wires: WireModel(rowSegmentResistance: 20, columnSegmentResistance: 20))
  solver.tolerance = 0
  solver.maxSweeps = 3
  let rows: [Int32] = [1, 4, 8], columns: [Int32] = [0, 5, 7]
  let ok = g.withUnsafeBufferPointer { solver.solve(rows: rows, rowCount: 3, columns: columns, columnCount: 3, conductance: $0.baseAddress!, scale: 1) }
  #expect(!ok && !solver.converged)
  #expect(solver.lastSweeps == 3)
}

// The parallel solver's refusals (mutants: a row or column listed twice,
// a share asked of a line not driven).
@Test func theParallelSolverRefusesARepeatedLineAndAnUndrivenCell() async {
  await #expect(processExitsWith: .failure) {
    let s = ParallelWriteSolver(rows: 3, columns: 3, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1))
    let g = [Float](repeating: 1e-4, count: 9), r: [Int32] = [1, 1], c: [Int32] = [0]
    g.withUnsafeBufferPointer { _ = s.solve(rows: r, rowCount: 2, columns: c, columnCount: 1, conductance: $0.baseAddress!, scale: 1) }
  }
  await #expect(processExitsWith: .failure) {
    let s = ParallelWriteSolver(rows: 3, columns: 3, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1))
    let g = [Float](repeating: 1e-4, count: 9), r: [Int32] = [1], c: [Int32] = [2, 2]
    g.withUnsafeBufferPointer { _ = s.solve(rows: r, rowCount: 1, columns: c, columnCount: 2, conductance: $0.baseAddress!, scale: 1) }
  }
  await #expect(processExitsWith: .failure) {
    let s = ParallelWriteSolver(rows: 3, columns: 3, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1))
    let g = [Float](repeating: 1e-4, count: 9), r: [Int32] = [1], c: [Int32] = [2]
    g.withUnsafeBufferPointer { _ = s.solve(rows: r, rowCount: 1, columns: c, columnCount: 1, conductance: $0.baseAddress!, scale: 1) }
    _ = s.share(row: 0, column: 2)
  }
}

// MARK: - RCLine

// The condition bound's closed forms: a uniform line without shunts
// 4·n·(R_d/r + n); one shunted cell behind its driver exactly 2 (‖A‖ =
// 2·A_00, ‖A⁻¹‖ = 1/A_00 with the driver's conductance in the shunt)
// (mutants: ‖A‖ without its 2, n·path without n, the driver's
// conductance left out of node 0's).
@Test func theConditionBoundsClosedForms() {
  for (n, rd) in [(5, 0.0), (12, 30.0)] {
    let r = 10.0, bound = RCLine(cells: n, segmentResistance: r, capacitance: 1e-15, driverResistance: rd).conditionBound()
    let want = 4 * Double(n) * (rd / r + Double(n))
    #expect(abs(bound - want) <= 1e-12 * want, "n \(n): \(bound) against \(want)")
  }
  let one = RCLine(cells: 1, segmentResistance: 100, capacitance: 1e-15, shunt: 1e-6, driverResistance: 50).conditionBound()
  #expect(abs(one - 2) <= 1e-12, "\(one)")
}

// The default end is the width plus 25 slowest time constants, as
// documented (mutant: 15).
@Test func aPulsesDefaultEndIs25TimeConstantsAfterIt() {
  let line = RCLine(cells: 6, segmentResistance: 20, capacitance: 1e-15, driverResistance: 5)
  let tau = line.slowestTimeConstant(), width = 2 * tau
  let t = line.pulse(volts: 1, width: width)
  #expect(abs(t.times.last! - (width + 25 * tau)) <= 1e-12 * width)
}

// MARK: - MeasuredCycles

// A cut named only in the branch cut: equal depression branches name no
// depression cycle (mutant: a branch of equal counts named too).
@Test func aCutNamesOnlyTheBranchesCut() throws {
  let c = MeasuredCycles(labels: ["a", "b"], potentiation: [[1, 2, 3], [1, 2]], depression: [[3, 2], [3, 2]])
  let cut = try #require(c.cut)
  #expect(cut.contains("cycle 'b' has 2 potentiation points and the longest 3"))
  #expect(!cut.contains("depression"), "\(cut)")
}

// An outlying read is five robust standard deviations off (1.4826 × the
// MAD), the MAD of an even count the mean of its middle two: five cycles
// with a read 6 MADs off find none (mutant: three); four cycles whose
// middle deviations are 0.5 and 1.5 (MAD 1) find the read 8.5 off
// (mutant: the upper middle, 1.5, and 8.5 < 5·1.4826·1.5).
@Test func outlyingReadsAreFiveRobustSigmasOff() throws {
  let five = MeasuredCycles(
    labels: ["1", "2", "3", "4", "5"], potentiation: [0.0, 1, 2, 3, 8].map { [0, $0, 20] },
    depression: Array(repeating: [], count: 5))
  #expect(five.outlyingReads() == nil)
  let four = MeasuredCycles(
    labels: ["1", "2", "3", "4"], potentiation: [0.0, 1, 2, 10].map { [0, $0, 20] },
    depression: Array(repeating: [], count: 4))
  let found = try #require(four.outlyingReads())
  #expect(found.count == 1 && found.farthest.label == "4" && found.farthest.pulse == 1 && found.farthest.median == 1.5)
}

// A branch drops back only after reaching half its range: one that
// reaches 40 % and falls to its start, then rises on, does not
// (mutant: 30 %).
@Test func aDropBackNeedsHalfTheRangeFirst() {
  #expect(MeasuredCycles.dropBack([0, 4, 0.5, 10]) == nil)
  #expect(MeasuredCycles.dropBack([0, 6, 0.5, 10])?.pulse == 2)
}

// The tolerance is what the sweeps stop at: a loose one (1e-7 of V) on
// strongly coupled lines (G·r up to 0.3) still lands within 1e-6 of the
// dense solve (7.6e-9 measured), the sweeps' contraction well below 1
// (mutant: the stop 1e3 times looser, 1e-4 of V: 2.1e-5 off).
@Test func aLooseToleranceStillBoundsTheError() {
  let (m, n) = (13, 11)
  let g = ParallelWriteSolverTests.conductances(m, n, seed: 52, high: 1e-2)
  let w = WireModel(rowSegmentResistance: 30, columnSegmentResistance: 20)
  let rows = [0, 2, 5, 6, 9, 12], columns = [1, 3, 4, 8, 10]
  let got = ParallelWriteSolverTests.shares(g, m, n, wires: w, rows: rows, columns: columns, tolerance: 1e-7)
  #expect(got.converged)
  let want = ParallelWriteSolverTests.denseModel(g, m, n, wires: w, rows: rows, columns: columns)
  var worst = 0.0
  for q in want.indices { worst = max(worst, abs(got.shares[q] - want[q])) }
  #expect(worst <= 1e-6, "\(worst) after \(got.sweeps) sweeps")
}
