import Circuit
import Testing
import _TestSupport

// A walkthrough (session 43) found `solve` wrong where the word lines are
// near-ideal and the bit lines vastly resistive (r_row 1 Ω, r_col 1e12 Ω,
// G·r ≈ 1e8, inside the accepted 1e9): the bit lines float to their word
// lines' voltages, so the cells see a few nanovolts to a hundred, and a
// residual small against the drivers' 0.2 A was as large as their currents
// (i_device 1e-3 off, converged, with any --tolerance); and a bit line fed
// by one row and drained by the other took its output current as its
// cells' sum, +2e-13 − 2e-13 A, where 2e-21 A was right (16,000 times
// off). The references are a 50-digit solve of the same circuits (mpmath,
// `scripts/line-current-accuracy`'s nodal analysis).

@Test func aBitLineWhoseCellsCurrentsCancelGivesItsDropsCurrent() throws {
  let mesh = CrossbarMesh(
    rows: 2, columns: 2, conductance: [1e-4, 2e-5, 5e-5, 1e-4],
    wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1e12), rowVoltages: [0.2, 0])
  let sol = try NodalSolver().solve(mesh)
  let iOut = [4.0003997999520062e-21, 2.000599859944004e-21]
  let iRow = [3.9999998199800102e-13, -3.9999997599700136e-13]
  for j in 0..<2 { #expect(isApproximatelyEqual(sol.outputCurrents[j], iOut[j], relativeTolerance: 1e-6), "\(sol.outputCurrents)") }
  for i in 0..<2 { #expect(isApproximatelyEqual(sol.rowTerminalCurrent[i], iRow[i], relativeTolerance: 1e-6), "\(sol.rowTerminalCurrent)") }
}

@Test func cellsThatSeeNanovoltsAreSolvedToTheirOwnCurrents() throws {
  let g = [2e-5, 7e-5, 1e-4, 4e-5, 9e-5, 1e-5, 6e-5, 3e-5, 5e-5, 8e-5, 2e-5, 1e-4]
  let mesh = CrossbarMesh(
    rows: 3, columns: 4, conductance: g,
    wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1e12), rowVoltages: [0.2, 0.05, 0.13])
  let device: [[Double]] = [
    [1.4999998994292514e-13, 1.499999748544883e-13, 1.4999999466324706e-13, 1.4999998857953433e-13],
    [-2.2999998318560999e-13, -2.2999994922641373e-13, -2.299999803259553e-13, -2.2999997880846849e-13],
    [2.0999998904184508e-13, 2.0999997174545579e-13, 2.0999997516081949e-13, 2.0999998812683428e-13],
  ]
  let iOut = [1.2999999579916022e-13, 1.2999999737353036e-13, 1.2999998949811125e-13, 1.2999999789790012e-13]
  let iRow = [5.9999994804019484e-13, -9.1999989154644752e-13, 8.3999992407495464e-13]
  for tolerance in [1e-12, 1e-14] {
    let sol = try NodalSolver(options: .init(tolerance: tolerance)).solve(mesh)
    #expect(sol.converged)
    for i in 0..<3 {
      for j in 0..<4 {
        let got = sol.deviceCurrent(row: i, column: j, conductance: g[i * 4 + j])
        // Before: 1.5e-4 off at either tolerance.
        #expect(isApproximatelyEqual(got, device[i][j], relativeTolerance: 1e-5), "tolerance \(tolerance) cell \(i),\(j): \(got)")
      }
      #expect(isApproximatelyEqual(sol.rowTerminalCurrent[i], iRow[i], relativeTolerance: 1e-5), "\(sol.rowTerminalCurrent)")
    }
    for j in 0..<4 { #expect(isApproximatelyEqual(sol.outputCurrents[j], iOut[j], relativeTolerance: 1e-9), "\(sol.outputCurrents)") }
  }
}
