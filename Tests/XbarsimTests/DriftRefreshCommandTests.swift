import Foundation
import Testing
import _TestSupport

// `train --drift-refresh true` on the command line: the summary's `refresh` object (pairs,
// pulses, resets, its accuracy: the drift list's at t0) and its result line; the run's own
// figures are the run's without it; without drift_times it is noted; inspect and reproduce
// refuse it, float SGD too.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

@Test(arguments: ["lim", "single"])
func trainReportsTheRefreshBeforeTheDriftReads(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift-refresh-\(rule)", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = [
    "train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet",
    "--drift-times", "1,31536000", "--drift-nu", "0.05", "--drift-nu-sigma", "0.02",
  ]
  let plain = try runXbarsim(base + ["--summary", path("plain.json")])
  let r = try runXbarsim(base + ["--drift-refresh", "true", "--summary", path("s.json")])
  #expect(plain.status == 0 && r.status == 0, "\(plain.stderr) \(r.stderr)")
  #expect(!plain.stdout.contains("refreshed before drift"))
  #expect(r.stdout.contains("  refreshed before drift (a copy of the arrays): "), "\(r.stdout)")
  let s = try json(path("s.json")), p = try json(path("plain.json"))
  #expect(p["refresh"] == nil)
  let refresh = try #require(s["refresh"] as? [String: Any])
  let pairs = try #require(refresh["pairs"] as? Int), resets = try #require(refresh["resets"] as? Int)
  #expect(pairs > 0 && resets == 2 * pairs && (refresh["pulses"] as? Int ?? 0) > 0, "\(refresh)")
  let drift = try #require(s["drift"] as? [[String: Any]])
  #expect(drift.first?["test_accuracy"] as? Double == refresh["test_accuracy"] as? Double)
  // Training is the same: its pulses, resets and accuracy.
  for key in ["pulses", "resets", "test_accuracy"] {
    #expect((s[key] as? NSNumber) == (p[key] as? NSNumber), "\(key)")
  }
  #expect((s["configuration"] as? [String: Any])?["drift_refresh"] as? Bool == true)
  #expect((p["configuration"] as? [String: Any])?["drift_refresh"] == nil)
}

@Test func driftRefreshIsNotedWithoutTimesAndRefusedWhereNothingDrifts() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift-refresh-notes", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let untimed = try runXbarsim(base + ["--drift-refresh", "true"])
  #expect(untimed.status == 0 && untimed.stderr.contains("note: drift_refresh without drift_times"), "\(untimed.stderr)")
  let still = try runXbarsim(base + ["--drift-times", "10", "--drift-refresh", "true"])
  #expect(still.status == 0 && still.stderr.contains("reads the arrays as trained (and refreshed)"), "\(still.stderr)")
  for (args, needle) in [
    (base + ["--rule", "float", "--drift-refresh", "true"], "Error: --drift-refresh: applies to rules lim, hybrid and single only"),
    (base + ["--drift-refresh", "yes"], "Error: --drift-refresh: expects true or false, got 'yes'"),
    (
      ["inspect", "--data", data.path, "--layers", "64,8,10", "--samples", "1", "--out", root.appendingPathComponent("i").path, "--drift-refresh", "true"],
      "Error: --drift-refresh: inspect trains --samples samples of the first epoch and never evaluates"
    ),
    (
      ["reproduce", "lim2018", "--figure", "8", "--data", data.path, "--drift-refresh", "true"],
      "Error: --drift-refresh: reproduce reports the papers' accuracies, not the arrays after drift"
    ),
  ] {
    let r = try runXbarsim(args)
    #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
    #expect(r.stderr.hasPrefix(needle), "\(r.stderr)")
  }
}
