import Circuit
import Testing
import _TestSupport

// A library user's walkthrough (session 43): the solvers answered beyond
// G·r = 1e9, marked converged (13 % off and a wrong sign at 1e15; the
// reader 34 % off at 1e13); the reader solved a negative conductance; an
// ideal read that overflowed returned ∞; a huge n_max trapped in validate.

@Test func theNodalSolverRefusesAMeshBeyondItsConditioning() throws {
  let g = [1e-3, 5e-3, 2e-3, 1e-2, 7e-3, 3e-3]
  let both = CrossbarMesh(
    rows: 3, columns: 2, conductance: g, wires: WireModel(rowSegmentResistance: 1e17, columnSegmentResistance: 1e17),
    rowVoltages: [0.2, 0.1, 0.15])
  #expect { _ = try NodalSolver().solve(both) } throws: {
    ($0 as? ConfigurationError).map { $0.field == "r_row" && $0.message.contains("beyond 1e9") } ?? false
  }
  // Ideal word lines, vast bit lines: refused too (cells' currents are
  // differences of nearly equal voltages).
  let idealRows = CrossbarMesh(
    rows: 3, columns: 2, conductance: g, wires: WireModel(rowSegmentResistance: 0, columnSegmentResistance: 1e18),
    rowVoltages: [0.2, 0.1, 0.15])
  #expect(idealRows.illConditioning?.field == "r_col")
  #expect(throws: ConfigurationError.self) { _ = try NodalSolver().solve(idealRows) }
  // Ideal bit lines at 0 V (the sense amplifiers): any G·r is solved.
  let idealColumns = CrossbarMesh(
    rows: 3, columns: 2, conductance: g, wires: WireModel(rowSegmentResistance: 1e18, columnSegmentResistance: 0),
    rowVoltages: [0.2, 0.1, 0.15])
  #expect(idealColumns.illConditioning == nil)
  #expect(try NodalSolver().solve(idealColumns).converged)
  // At the bound: solved.
  let atBound = CrossbarMesh(
    rows: 3, columns: 2, conductance: g, wires: WireModel(rowSegmentResistance: 1e11, columnSegmentResistance: 1e11),
    rowVoltages: [0.2, 0.1, 0.15])
  #expect(atBound.illConditioning == nil)
}

@Test func anIdealReadThatOverflowsIsAnError() {
  let mesh = CrossbarMesh(rows: 1, columns: 2, conductance: [1e300, 1e300], wires: .ideal, rowVoltages: [1e300])
  #expect(throws: SolverError.overflow) { _ = try NodalSolver().solve(mesh) }
}

@Test func theResistiveReaderRefusesWhatTheArraysReadRefuses() throws {
  let w = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
  let a = DifferentialArray(rows: 2, columns: 2, conductance: 1e-6, wires: w)
  let reader = ResistiveReader(rows: 2, columns: 2, wires: w)
  a.setConductance(.plus, row: 0, column: 0, -5e-6)
  #expect { _ = try reader.readout(a, .forward, voltages: [0.1, 0.1]) } throws: {
    ($0 as? ConfigurationError)?.field == "G+ conductance[0][0]"
  }
  #expect(throws: ConfigurationError.self) { _ = try a.read(.forward, voltages: [0.1, 0.1]) }
  a.setConductance(.plus, row: 0, column: 0, 1e-6)
  #expect { _ = try reader.readout(a, .forward, voltages: [.nan, 0.1]) } throws: {
    ($0 as? ConfigurationError)?.field == "voltages[0]"
  }
  // G·r beyond 1e9.
  let far = WireModel(rowSegmentResistance: 1e15, columnSegmentResistance: 1e15)
  let b = DifferentialArray(rows: 2, columns: 2, conductance: 1e-3, wires: far)
  #expect { _ = try ResistiveReader(rows: 2, columns: 2, wires: far).readout(b, .forward, voltages: [0.1, 0.1]) } throws: {
    ($0 as? ConfigurationError)?.message.contains("beyond 1e9") == true
  }
  // A valid read still reads.
  #expect(try reader.readout(a, .forward, voltages: [0.1, 0.1]).plus.allSatisfy { $0 > 0 })
}

@Test func aHugeDynamicRangeIsRefusedNotTrapped() {
  #expect { try LimExponentialDevice(beta: 0, nMax: Int.max).validate() } throws: {
    ($0 as? ConfigurationError)?.field == "nMax"
  }
  #expect(throws: ConfigurationError.self) { try LimExponentialDevice(beta: 2, nMax: LimExponentialDevice.largestNMax + 1).validate() }
}
