import Foundation
import Testing
import _TestSupport

// Mutation round 80 (`drift_refresh`): the result line says what the summary's refresh object
// holds, number for number (pairs, pulses, resets, its energy to three digits, its accuracy at
// t0 to two decimals).

@Test func theRefreshLineIsTheSummarysRefreshObject() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut80-refresh-line", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json").path
  let r = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet",
    "--drift-times", "1,31536000", "--drift-nu", "0.05", "--drift-refresh", "true", "--summary", summary,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let s = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: summary))) as? [String: Any])
  let refresh = try #require(s["refresh"] as? [String: Any])
  let pairs = try #require(refresh["pairs"] as? Int), pulses = try #require(refresh["pulses"] as? Int)
  let resets = try #require(refresh["resets"] as? Int), accuracy = try #require(refresh["test_accuracy"] as? Double)
  let energy = try #require(refresh["energy_joules"] as? Double)
  #expect(pairs > 0 && resets == 2 * pairs && pulses > 0 && pulses != resets, "\(refresh)")
  let line = "  refreshed before drift (a copy of the arrays): \(pairs) pairs, \(pulses) pulses, \(resets) resets, "
    + String(format: "%.3g J; %.2f %% at t0", energy, accuracy)
  #expect(r.stdout.components(separatedBy: "\n").contains(line), "\(r.stdout)")
}
