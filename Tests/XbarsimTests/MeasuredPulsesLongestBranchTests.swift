import Foundation
import Testing
import _TestSupport

// Kills (mutation round 3): PulsesCommand's default pulse count for
// --device measured taken from the potentiation branch only
// (`model.potentiation.count - 1` for `max(potentiation, depression) - 1`).
// Invariant (documented in the help): the default N is the longest measured
// branch's pulses, so a 3-point p branch and a 5-point d branch give 4
// potentiation then 4 depression pulses, the last one reaching the d
// branch's lowest point.
@Test func measuredDefaultPulsesFollowTheLongerDepressionBranch() throws {
  let dir = try Scratch.directory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let csv = dir.appendingPathComponent("device.csv")
  try "branch,conductance\np,1e-6\np,2e-6\np,3e-6\nd,3e-6\nd,2.5e-6\nd,2e-6\nd,1.5e-6\nd,1e-6\n"
    .write(to: csv, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", csv.path])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = r.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
  #expect(rows.count == 9, "\(r.stdout)")
  #expect(rows.last.map { Double($0[2]) } == 1e-6, "\(r.stdout)")
}
