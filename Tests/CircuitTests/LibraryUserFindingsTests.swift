// A researcher's first hour with the Circuit library (session 34): what
// they passed by mistake, and what the library said.
import Circuit
import Testing

/// A 3×2 array of known conductances (also `LibraryUserFindings2Tests`).
func smallArray(_ wires: WireModel) -> DifferentialArray {
  let a = DifferentialArray(rows: 3, columns: 2, wires: wires)
  a.setConductances(
    plus: [1, 2, 3, 4, 5, 6].map { $0 * 1e-6 },
    minus: [Double](repeating: 1e-6, count: 6))
  return a
}

// A negative or NaN segment resistance was solved and reported "did not
// converge", an infinite one trapped without a message in the merged-mode
// solver, and one beyond 1e150 Ω returned wrong currents as converged:
// the solver now checks the mesh as the problem files' `solve` does.
@Test(arguments: [
  (-1.0, "r_row"), (.nan, "r_row"), (.infinity, "r_row"), (1e170, "r_row"),
])
func badSegmentResistancesAreConfigurationErrors(r: Double, field: String) throws {
  let a = smallArray(WireModel(rowSegmentResistance: r, columnSegmentResistance: 1))
  #expect {
    try a.read(.forward, voltages: [0.1, 0.2, 0.3], solver: NodalSolver())
  } throws: { ($0 as? ConfigurationError)?.field == field }
  let mesh = a.mesh(.plus, .forward, voltages: [0.1, 0.2, 0.3])
  #expect {
    try NodalSolver().solve(mesh)
  } throws: { ($0 as? ConfigurationError)?.field == field }
  #expect(a.readCount == 0, "a refused read books nothing")
}

// r = 1e170 Ω and 2e170 Ω with G·r within bounds: the solve used to say
// converged with every output current wrong (README, WireModel).
@Test func aMeshBeyondTheLargestResistanceIsRefusedNotSolvedWrong() throws {
  let mesh = CrossbarMesh(
    rows: 2, columns: 2, conductance: [1e-172, 2e-172, 3e-172, 4e-172],
    wires: WireModel(rowSegmentResistance: 1e170, columnSegmentResistance: 2e170),
    rowVoltages: [1, 1])
  #expect(throws: ConfigurationError.self) { try NodalSolver().solve(mesh) }
}

// With ideal wires a NaN voltage gave NaN currents and a negative
// conductance a sum no passive array gives, while the same mistakes with
// resistive lines threw: both now throw, naming the polarity and the cell.
@Test func idealWireReadsCheckTheirInputsLikeResistiveOnes() throws {
  for wires in [WireModel.ideal, WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)] {
    let a = smallArray(wires)
    #expect {
      try a.read(.forward, voltages: [.nan, 0.2, 0.3])
    } throws: { ($0 as? ConfigurationError)?.field == "G+ v_in[0]" }
    #expect {
      try a.read(.transposed, voltages: [0.1, .infinity])
    } throws: { ($0 as? ConfigurationError)?.field == "G+ v_col[1]" }
    a.setConductance(.minus, row: 2, column: 1, -1e-6)
    #expect {
      try a.read(.forward, voltages: [0.1, 0.2, 0.3])
    } throws: { ($0 as? ConfigurationError)?.field == "G− conductance[2][1]" }
    #expect(a.readCount == 0 && a.readEnergy == 0)
  }
}

// The CSV reader refuses a branch that never leaves its first point, but
// the initialiser from arrays took [2e-6, 1e-6] as a device stuck at
// 2 µS (G_min = G_max): every pulse left it there.
@Test func measuredBranchesThatNeverMoveAreRefusedFromArraysToo() throws {
  #expect {
    try MeasuredDevice(potentiation: [2e-6, 1e-6])
  } throws: { ($0 as? ConfigurationError)?.field == "potentiation" }
  #expect {
    try MeasuredDevice(potentiation: [1e-6, 1e-6, 1e-6])
  } throws: { ($0 as? ConfigurationError)?.field == "potentiation" }
  #expect {
    try MeasuredDevice(potentiation: [1e-6, 2e-6], depression: [1e-6, 2e-6])
  } throws: { ($0 as? ConfigurationError)?.field == "depression" }
  // A plateau or a dip after the first point still moves.
  let d = try MeasuredDevice(potentiation: [1e-6, 1e-6, 2e-6], depression: [2e-6, 2e-6, 1e-6])
  #expect(d.potentiated(1e-6) == 2e-6)
  #expect(d.depressed(2e-6) == 1e-6)
}
