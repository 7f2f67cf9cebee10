import Testing
@testable import Circuit

// A mutation audit (session 55, D4): the residual counts the bit lines' injections.
@Test func theDirectResidualCountsEveryInjection() {
  // 1×2 mesh, the row at 0 V, both columns driven at 1 V, unit segments:
  // with every node at 0 V the residual is the injections themselves,
  // ‖(0, 1, 0, 1)‖ / ‖(0, 1, 0, 1)‖ = 1.
  let mesh = CrossbarMesh(rows: 1, columns: 2, conductance: [1, 1],
    wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1),
    rowTerminations: [.source(volts: 0)], columnTerminations: [.source(volts: 1), .source(volts: 1)])
  let r = NodalSolver.relativeResidual(mesh, NodalSolver.emptySolution(1, 2))
  #expect(abs(r - 1) < 1e-15, "\(r)")
}
