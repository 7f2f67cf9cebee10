import Foundation
import Testing
import _TestSupport

// `train --drift-times T,… --drift-nu ν` on the command line: the summary's `drift` list (each
// time's accuracy, uncompensated and compensated, and the arrays' gains) and the result lines;
// the summary given back as --config (the times as a string, or as a JSON list) gives the same
// list; drift keys without times, or times without drift, are noted; inspect and reproduce,
// which read no drifted arrays, refuse the keys; float SGD refuses them.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

@Test(arguments: ["lim", "hybrid"])
func trainReportsTheDriftedArraysAccuracyAtEachTime(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift-\(rule)", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = ["train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let r = try runXbarsim(
    base + ["--drift-times", "1,3600,31536000", "--drift-nu", "0.1", "--drift-nu-sigma", "0.02", "--summary", path("s.json")])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("drift (ν 0.1, σ_ν 0.02, t0 1 s): test accuracy after t"), "\(r.stdout)")
  #expect(r.stdout.contains("  t 3600 s: "), "\(r.stdout)")
  let s = try json(path("s.json"))
  let drift = try #require(s["drift"] as? [[String: Any]])
  #expect(drift.map { $0["seconds"] as? Double } == [1, 3600, 31_536_000])
  #expect(drift[0]["test_accuracy"] as? Double == s["test_accuracy"] as? Double)
  for p in drift {
    let gains = try #require(p["gains"] as? [Double])
    #expect(gains.count == 2 && p["test_accuracy_compensated"] is Double, "\(p)")
  }
  #expect((drift[2]["gains"] as? [Double])?.allSatisfy { $0 > 2 } == true, "\(drift[2])")
  let c = try #require(s["configuration"] as? [String: Any])
  #expect(c["drift_times"] as? String == "1,3600,31536000" && c["drift_nu"] as? Double == 0.1 && c["drift_t0"] == nil)
  // The summary as a configuration gives the same run and the same drift.
  let again = try runXbarsim(["train", "--data", data.path, "--config", path("s.json"), "--quiet", "--summary", path("again.json")])
  #expect(again.status == 0, "\(again.stderr)")
  let a = try json(path("again.json"))
  #expect(NSArray(array: try #require(a["drift"] as? [Any])).isEqual(to: drift))
  // A JSON list of times is taken as the comma-separated text.
  let list = path("list.json")
  try #"{"rule": "\#(rule)", "layers": "64,8,10", "evals_per_epoch": 1, "drift_times": [1, 3600], "drift_nu": 0.1}"#.write(
    toFile: list, atomically: true, encoding: .utf8)
  let l = try runXbarsim(["train", "--data", data.path, "--config", list, "--quiet", "--summary", path("l.json")])
  #expect(l.status == 0, "\(l.stderr)")
  #expect(try json(path("l.json"))["drift"].map { ($0 as? [Any])?.count } == 2)
}

@Test func driftKeysAreNotedOrRefusedWhereNothingDriftsOrNothingReadsThem() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-drift-notes", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let untimed = try runXbarsim(base + ["--drift-nu", "0.05"])
  #expect(untimed.status == 0 && untimed.stderr.contains("note: drift_nu without drift_times"), "\(untimed.stderr)")
  let still = try runXbarsim(base + ["--drift-times", "10"])
  #expect(still.status == 0 && still.stderr.contains("note: drift_times with drift_nu 0 and drift_nu_sigma 0"), "\(still.stderr)")
  #expect(still.stdout.contains("  t 10 s: "), "\(still.stdout)")
  for (args, needle) in [
    (base + ["--rule", "float", "--drift-times", "10"], "Error: --drift-times: applies to rules lim, hybrid and single only"),
    (base + ["--drift-times", "0.5"], "Error: --drift-times: each time must be in [drift_t0, 1e12] s"),
    (base + ["--drift-times", "1,x"], "Error: --drift-times: expects comma-separated times in seconds, got '1,x'"),
    (base + ["--drift-nu", "1.5"], "Error: --drift-nu: must be in [0, 1]"),
    (
      ["inspect", "--data", data.path, "--layers", "64,8,10", "--samples", "1", "--out", root.appendingPathComponent("i").path, "--drift-times", "10"],
      "Error: --drift-times: inspect trains --samples samples of the first epoch and never evaluates"
    ),
    (
      ["reproduce", "lim2018", "--figure", "8", "--data", data.path, "--drift-nu", "0.1"],
      "Error: --drift-nu: reproduce reports the papers' accuracies, not the arrays after drift"
    ),
  ] {
    let r = try runXbarsim(args)
    #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
    #expect(r.stderr.hasPrefix(needle), "\(r.stderr)")
  }
}
