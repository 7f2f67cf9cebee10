import Foundation
import Testing
import _TestSupport

// Mutation round 79, on conductance drift at the command line: the result lines and the
// summary's `drift` list say the same accuracies, each in its place; no `drift` list without
// drift_times; the notes of a spread alone (σ_ν without ν) and of drift_nu_sigma without times;
// inspect refuses every drift key; reproduce drops a summary base's drift keys.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

@Test func theDriftLinesAndTheSummarysDriftListSayTheSameAccuracies() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift79-lines", train: 300, test: 100)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json").path
  // A strong drift with a wide spread: the compensated accuracy is not the plain one.
  let r = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,32,10", "--epochs", "2", "--evals-per-epoch", "1", "--quiet",
     "--drift-times", "1,1e4,1e6,1e8,1e10,1e12", "--drift-nu", "0.1", "--drift-nu-sigma", "0.1", "--summary", summary])
  #expect(r.status == 0, "\(r.stderr)")
  let drift = try #require(try json(summary)["drift"] as? [[String: Any]])
  try #require(drift.count == 6)
  let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  t ") }
  try #require(lines.count == 6, "\(r.stdout)")
  for (line, p) in zip(lines, drift) {
    let plain = try #require(p["test_accuracy"] as? Double), compensated = try #require(p["test_accuracy_compensated"] as? Double)
    #expect(line.contains(String(format: ": %.2f %%, compensated %.2f %%", plain, compensated)), "\(line) vs \(p)")
  }
  // (The lines can tell the two apart: at some time they differ.)
  #expect(drift.contains { $0["test_accuracy"] as? Double != $0["test_accuracy_compensated"] as? Double }, "\(drift)")
}

@Test func aRunWithoutDriftTimesHasNoDriftListNorLines() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift79-none", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json").path
  let r = try runXbarsim(["train", "--data", data.path, "--summary", summary] + net)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(try json(summary)["drift"] == nil)
  #expect(!r.stdout.contains("drift"), "\(r.stdout)")
}

@Test func theDriftNotesCountTheSpread() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift79-notes", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path] + net
  // σ_ν alone drifts: no "no device drifts" note.
  let spread = try runXbarsim(base + ["--drift-times", "10", "--drift-nu-sigma", "0.05"])
  #expect(spread.status == 0 && !spread.stderr.contains("no device drifts"), "\(spread.stderr)")
  // σ_ν without times is named.
  let untimed = try runXbarsim(base + ["--drift-nu-sigma", "0.05", "--drift-t0", "2"])
  #expect(untimed.status == 0 && untimed.stderr.contains("note: drift_nu_sigma, drift_t0 without drift_times"), "\(untimed.stderr)")
  // Inspect refuses each drift key.
  for (option, value) in [("--drift-nu", "0.1"), ("--drift-nu-sigma", "0.1"), ("--drift-t0", "2")] {
    let r = try runXbarsim(
      ["inspect", "--data", data.path, "--layers", "64,8,10", "--samples", "1", "--out", root.appendingPathComponent("i").path, option, value])
    #expect(r.status == 64 && r.stderr.hasPrefix("Error: \(option): inspect trains --samples samples"), "\(option): \(r.stderr)")
  }
}

// A summary with drift keys as reproduce's base: its runs read no drift (their journal's
// configurations carry no drift key).
@Test func reproduceDropsASummaryBasesDriftKeys() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift79-reproduce", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--drift-times", "1,3600", "--drift-nu", "0.1", "--drift-nu-sigma", "0.01", "--drift-t0", "0.5",
     "--summary", path("s.json")] + net)
  #expect(t.status == 0, "\(t.stderr)")
  let r = try runXbarsim(
    ["reproduce", "lim2018", "--figure", "9", "--seeds", "1", "--data", data.path, "--config", path("s.json"), "--journal", path("j.json"),
     "--layers", "64,8,10", "--evals-per-epoch", "1"])
  #expect(r.status == 0, "\(r.stderr)")
  let journal = try String(contentsOfFile: path("j.json"), encoding: .utf8)
  #expect(journal.contains("\"configuration\"") && !journal.contains("drift"), "\(journal.prefix(2000))")
}
