import Testing
import _TestSupport

@Test func helpListsCommandsAndExitsZero() throws {
  let r = try runXbarsim(["--help"])
  #expect(r.status == 0)
  #expect(r.stdout.contains("solve"))
  #expect(r.stdout.contains("spice"))
  #expect(r.stdout.contains("pulses"))
}

@Test func unknownCommandIsUsageError() throws {
  let r = try runXbarsim(["frobnicate"])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: unknown command 'frobnicate'"))
}
