import Testing

@testable import Circuit

// Mutation round 6 (a measured device's CSV): the survivors' tests.

@Suite("Mutation round 6: device CSV")
struct MutationRound6CircuitTests {
  /// Only the first record may be a header: a line naming no branch
  /// later is an error naming its line (mutant: skipped anywhere).
  @Test func aHeaderAfterTheFirstRecordIsAnUnknownBranch() throws {
    _ = try MeasuredDevice(csv: "branch,conductance\np,1e-6\np,2e-6\n", source: "d.csv")
    #expect(throws: ConfigurationError.self) {
      _ = try MeasuredDevice(csv: "p,1e-6\nbranch,conductance\np,2e-6\n", source: "d.csv")
    }
    do {
      _ = try MeasuredDevice(csv: "p,1e-6\np,2e-6\nstep,size\n", source: "d.csv")
      Issue.record("a header-like third line was read")
    } catch let e as ConfigurationError {
      #expect(e.field == "d.csv line 3", "\(e)")
    }
  }
}
