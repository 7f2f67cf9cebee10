import Circuit
import Testing
import _TestSupport

// The direct (banded, subtraction-free) solve: each output to a few ulps
// of itself, where the conjugate gradients are accurate relative to the
// larger currents only.

/// The 2×3 mesh of the references below: cells of 1e-4, 2e-4, 1e-4 and
/// 3e-5, 1e-4, 1e-4 S.
private func smallMesh(rRow: Double, rCol: Double, drive: [Double]) -> CrossbarMesh {
  CrossbarMesh(
    rows: 2, columns: 3, conductance: [1e-4, 2e-4, 1e-4, 3e-5, 1e-4, 1e-4],
    wires: WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol), rowVoltages: drive)
}

/// i_out of `smallMesh` in exact rational arithmetic, rounded to 17
/// digits: `scripts/exact-mesh` on the problem file of the same numbers.
private let exactReferences: [(rRow: Double, rCol: Double, drive: [Double], out: [Double])] = [
  (1e9, 1, [1, 0.5], [1.4999466615060155e-09, 2.6668921882060334e-14, 2.1673939205510506e-19]),
  (1e11, 1, [1, -0.5], [5.000001332931394e-12, -6.664655222982662e-19, -1.1665735337279142e-25]),
  (1, 1e9, [1, 0.5], [4.999999998332836e-10, 4.999999999749556e-10, 4.999999999499465e-10]),
  (1e5, 1e5, [0.3, -0.7], [-1.321338420415921e-06, -6.339564849894986e-07, -2.9879610144411864e-07]),
]

@Test func directSolveMeetsExactArithmeticOutputByOutput() throws {
  for ref in exactReferences {
    let mesh = smallMesh(rRow: ref.rRow, rCol: ref.rCol, drive: ref.drive)
    let sol = try NodalSolver().solveDirect(mesh)
    for (got, want) in zip(sol.outputCurrents, ref.out) {
      // Relative to each output itself, down to 1e-25 A beside 5e-12 A.
      #expect(abs(got - want) <= 1e-14 * abs(want), "r_row \(ref.rRow), r_col \(ref.rCol): \(got) vs \(want)")
    }
    #expect(sol.iterations == 0 && sol.converged)
    #expect(sol.relativeResidual < 1e-14)
  }
  // The conjugate gradients are not: the far output of the mixed drive is
  // off by orders of magnitude (what the direct solve is for).
  let mixed = exactReferences[1]
  let iterative = try NodalSolver().solve(smallMesh(rRow: mixed.rRow, rCol: mixed.rCol, drive: mixed.drive))
  #expect(abs(iterative.outputCurrents[2] - mixed.out[2]) > 100 * abs(mixed.out[2]))
}

@Test(arguments: [(1, 1), (1, 6), (6, 1), (3, 7), (7, 3), (9, 9)])
func directSolveMatchesDenseElimination(shape: (Int, Int)) throws {
  for (seed, r) in [(UInt64(4), 1.0), (5, 100.0), (6, 1e4)] {
    let mesh = randomMesh(rows: shape.0, columns: shape.1, r: r, seed: seed, gHigh: 1e-2)
    let sol = try NodalSolver().solveDirect(mesh)
    let ref = denseMeshSolve(mesh)
    #expect(maxRelativeDifference(sol.wordNodeVoltage, ref.word) < 1e-12)
    #expect(maxRelativeDifference(sol.bitNodeVoltage, ref.bit, floor: 1e-6) < 1e-12)
    // The conjugate gradients agree to their tolerance.
    let pcg = try NodalSolver().solve(mesh)
    #expect(maxRelativeDifference(sol.outputCurrents, pcg.outputCurrents, floor: 1e-9) < 1e-8)
  }
}

@Test func directSolveConservesCurrentAndTakesOpenEnds() throws {
  // Open ends on one word line and one bit line; a row at 0 V and a
  // negative one: what the sources inject the outputs take, and the
  // dense oracle agrees node by node.
  var rng = SeededGenerator(seed: 9)
  let m = 5, n = 8
  let g = (0..<(m * n)).map { _ in 1e-6 + 1e-3 * rng.nextUniform() }
  let mesh = CrossbarMesh(
    rows: m, columns: n, conductance: g, wires: WireModel(rowSegmentResistance: 3, columnSegmentResistance: 7),
    rowTerminations: [.source(volts: 0.4), .open, .source(volts: 0), .source(volts: -0.3), .source(volts: 1)],
    columnTerminations: (0..<n).map { $0 == 5 ? .open : .source(volts: 0) })
  let sol = try NodalSolver().solveDirect(mesh)
  let injected = sol.rowTerminalCurrent.reduce(0, +), taken = sol.outputCurrents.reduce(0, +)
  #expect(abs(injected - taken) <= 1e-13 * sol.rowTerminalCurrent.map(abs).reduce(0, +))
  #expect(sol.rowTerminalCurrent[1] == 0 && sol.outputCurrents[5] == 0)
  let ref = denseMeshSolve(mesh)
  #expect(maxRelativeDifference(sol.wordNodeVoltage, ref.word) < 1e-12)
  #expect(maxRelativeDifference(sol.bitNodeVoltage, ref.bit, floor: 1e-6) < 1e-12)
}

@Test func directSolveRefusesWhatItCannotTake() throws {
  let solver = NodalSolver()
  // A line kind ideal: the line-by-line solve is exact there.
  for (rRow, rCol, field) in [(0.0, 1.0, "r_row"), (1.0, 0.0, "r_col")] {
    #expect {
      try solver.solveDirect(smallMesh(rRow: rRow, rCol: rCol, drive: [1, 1]))
    } throws: { ($0 as? ConfigurationError)?.field == field }
  }
  // Beyond the operation limit: 129×129 is 2^30 and a bit.
  #expect(NodalSolver.directCost(rows: 128, columns: 128).operations == NodalSolver.directOperationLimit)
  #expect(NodalSolver.directCost(rows: 64, columns: 1024).operations == NodalSolver.directOperationLimit)
  let big = randomMesh(rows: 129, columns: 129, r: 1, seed: 1)
  #expect { try solver.solveDirect(big) } throws: { ($0 as? ConfigurationError)?.field == "rows" }
  // A floating line, as the iterative solve.
  let floating = CrossbarMesh(
    rows: 2, columns: 2, conductance: [1e-4, 0, 0, 0],
    wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1),
    rowTerminations: [.source(volts: 1), .open], columnTerminations: [.source(volts: 0), .source(volts: 0)])
  #expect(throws: SolverError.floatingLine("word line 1")) { try solver.solveDirect(floating) }
  // Beyond G·r = 1e9, as the iterative solve.
  #expect { try solver.solveDirect(smallMesh(rRow: 1e13, rCol: 1, drive: [1, 1])) } throws: {
    ($0 as? ConfigurationError)?.field == "r_row"
  }
}

// Drives of both signs whose parts cancel (a review, session 54): the
// outputs, 1e-7 of what each drive feeds them, keep ε times that ratio
// (1.5e-9 of themselves), as any floating-point solve would; the iteration
// was 5e-7 off. scripts/exact-mesh on the same numbers.
@Test func cancellingDrivesKeepTheirConditioning() throws {
  let mesh = CrossbarMesh(
    rows: 2, columns: 3, conductance: [Double](repeating: 1e-4, count: 6),
    wires: WireModel(rowSegmentResistance: 1e-3, columnSegmentResistance: 1e-3), rowVoltages: [1, -1])
  let exact = [-9.9999910000077e-12, -9.9999870000128e-12, -9.9999850000155e-12]
  let direct = try NodalSolver().solveDirect(mesh).outputCurrents
  let iterative = try NodalSolver().solve(mesh).outputCurrents
  for j in 0..<3 {
    let d = abs(direct[j] - exact[j]) / abs(exact[j]), i = abs(iterative[j] - exact[j]) / abs(exact[j])
    #expect(d < 1e-8 && d < i / 10, "column \(j): direct \(d), iterative \(i)")
  }
}
