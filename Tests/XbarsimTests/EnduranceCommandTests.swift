import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// `train --endurance true`: the summary's `endurance` object (per layer
// and over all layers) and one line on standard error; refused where no
// device is pulsed (float SGD, off-chip learning); kept in a checkpoint.

private func dataDirectory(_ name: String) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-endurance-\(name)", train: 60, test: 10)
}

private func json(_ url: URL) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

@Test(arguments: [
  ["--rule", "lim", "--nmax", "8", "--threshold", "0"],
  ["--rule", "lim", "--method", "a", "--nmax", "8", "--sigma", "0.2", "--batch", "4"],
  ["--rule", "hybrid", "--states", "8", "--switch-threshold", "99.99", "--epochs", "2"],
  ["--rule", "single", "--encoding", "sign", "--states", "8", "--threads", "2"],
])
func theSummaryHoldsEveryDevicesWearAndTheTotalsAreTheRuns(keys: [String]) throws {
  let (root, data) = try dataDirectory("summary")
  defer { try? FileManager.default.removeItem(at: root) }
  let on = root.appendingPathComponent("on.json"), off = root.appendingPathComponent("off.json")
  let r = try runXbarsim(["train", "--data", data.path, "--summary", on.path, "--endurance", "true"] + tiny + keys)
  #expect(r.status == 0, "\(r.stderr)")
  let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("endurance: ") }
  #expect(lines.count == 1, "\(r.stderr)")
  let plain = try runXbarsim(["train", "--data", data.path, "--summary", off.path] + tiny + keys)
  #expect(plain.status == 0, "\(plain.stderr)")
  #expect(!plain.stderr.contains("endurance"))
  let s = try json(on), p = try json(off)
  #expect(p["endurance"] == nil)
  // The same run.
  for k in ["test_accuracy", "pulses", "resets", "repotentiation_pulses", "energy_per_image_joules", "mean_conductance"] {
    #expect((s[k] as? NSNumber) == (p[k] as? NSNumber), "\(k)")
  }
  let e = try #require(s["endurance"] as? [String: Any])
  #expect((e["pulses"] as? Int) == (s["pulses"] as? Int))
  #expect((e["resets"] as? Int) == (s["resets"] as? Int))
  #expect((e["pulses"] as? Int ?? 0) > 0)
  let layers = try #require(e["layers"] as? [[String: Any]])
  #expect(layers.count == 2)
  #expect(layers.compactMap { $0["pulses"] as? Int }.reduce(0, +) == e["pulses"] as? Int)
  #expect(layers.compactMap { $0["resets"] as? Int }.reduce(0, +) == e["resets"] as? Int)
  #expect(layers.map { $0["layer"] as? Int } == [0, 1])
  let kinds = keys.contains("hybrid") ? 2 : 1
  #expect((e["devices"] as? Int) == 2 * kinds * (65 * 8 + 9 * 10))
  let most = try #require(e["max_pulses"] as? [String: Any])
  #expect((most["count"] as? Int) == (e["pulse_quantiles"] as? [String: Any])?["max"] as? Int)
  #expect(["plus", "minus"].contains(most["polarity"] as? String ?? ""))
  #expect((most["kind"] != nil) == keys.contains("hybrid"))
  for k in ["max_resets", "mean_pulses", "mean_resets", "saturated"] { #expect(e[k] != nil, "\(k)") }
  #expect(Set(((e["pulse_quantiles"] as? [String: Any]) ?? [:]).keys) == ["p50", "p90", "p99", "max"])
  // The summary's configuration re-runs the run with its endurance.
  let config = try #require(s["configuration"] as? [String: Any])
  #expect((config["endurance"] as? Bool) == true)
  #expect((p["configuration"] as? [String: Any])?["endurance"] == nil)
  let again = root.appendingPathComponent("again.json")
  let rerun = try runXbarsim(["train", "--data", data.path, "--config", on.path, "--summary", again.path, "--quiet"])
  #expect(rerun.status == 0, "\(rerun.stderr)")
  #expect(try json(again)["endurance"] != nil)
}

@Test(arguments: [["--rule", "float"], ["--learning", "off-chip"], ["--learning", "off-chip", "--transfer", "weights"]])
func floatAndOffChipLearningRefuseEndurance(keys: [String]) throws {
  let (root, data) = try dataDirectory("refused")
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--endurance", "true"] + tiny + keys)
  #expect(r.status != 0)
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: ") && first.contains("--endurance"), "\(r.stderr)")
  #expect(!r.stderr.contains("endurance: most"), "\(r.stderr)")
  // false is the default: accepted everywhere.
  let off = try runXbarsim(["train", "--data", data.path, "--endurance", "false"] + tiny + keys)
  #expect(off.status == 0, "\(off.stderr)")
  let bad = try runXbarsim(["train", "--data", data.path, "--endurance", "yes"] + tiny)
  #expect(bad.status != 0 && bad.stderr.contains("endurance") && bad.stderr.contains("true or false"), "\(bad.stderr)")
}

// A checkpoint of a run with endurance keeps every device's counts, and a
// run going on from it with endurance counts on from them: one epoch, a
// checkpoint, one more epoch counts as two epochs in one run, device by
// device (the statistics are the same); the runs' own pulses add up to the
// counts. A checkpoint without counts is refused with endurance; one with
// them goes on without it.
@Test(arguments: [["--rule", "lim", "--nmax", "8"], ["--rule", "hybrid", "--switch-threshold", "99.99"], ["--rule", "single"]])
func aCheckpointKeepsTheCountsAndARunGoesOnFromThem(keys: [String]) throws {
  let (root, data) = try dataDirectory("checkpoint")
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path] + tiny + keys
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  func run(_ extra: [String]) throws -> ProcessResult {
    let r = try runXbarsim(common + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return r
  }
  _ = try run(["--endurance", "true", "--epochs", "2", "--summary", path("whole.json")])
  _ = try run(["--endurance", "true", "--epochs", "1", "--summary", path("first.json"), "--checkpoint-out", path("c.json")])
  let saved = try json(URL(fileURLWithPath: path("c.json")))
  // (The key is the run's, not the checkpoint's: a run from it counts
  // with its own --endurance.)
  #expect((saved["configuration"] as? [String: Any])?["endurance"] == nil)
  #expect((saved["endurance"] as? [Any])?.count == 2)
  _ = try run(["--endurance", "true", "--epochs", "1", "--checkpoint-in", path("c.json"), "--summary", path("second.json")])
  let whole = try json(URL(fileURLWithPath: path("whole.json"))), first = try json(URL(fileURLWithPath: path("first.json")))
  let second = try json(URL(fileURLWithPath: path("second.json")))
  let a = try #require(whole["endurance"] as? NSDictionary), b = try #require(second["endurance"] as? NSDictionary)
  #expect(a == b)
  #expect((b["pulses"] as? Int) == (first["pulses"] as? Int ?? 0) + (second["pulses"] as? Int ?? 0))
  #expect((b["resets"] as? Int) == (first["resets"] as? Int ?? 0) + (second["resets"] as? Int ?? 0))
  // Without the key: goes on counting (since session 51); with
  // endurance false: counting nothing.
  _ = try run(["--epochs", "1", "--checkpoint-in", path("c.json"), "--summary", path("plain.json")])
  #expect(try json(URL(fileURLWithPath: path("plain.json")))["endurance"] as? NSDictionary == b)
  _ = try run(["--epochs", "1", "--checkpoint-in", path("c.json"), "--endurance", "false", "--summary", path("plain.json")])
  #expect(try json(URL(fileURLWithPath: path("plain.json")))["endurance"] == nil)
  // A checkpoint without counts: refused with endurance.
  _ = try run(["--epochs", "1", "--checkpoint-out", path("bare.json")])
  let refused = try runXbarsim(common + ["--checkpoint-in", path("bare.json"), "--endurance", "true"])
  #expect(refused.status != 0)
  let line = refused.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(line.hasPrefix("Error: --endurance") && line.contains("no per-device counts"), "\(refused.stderr)")
  // Counts of another size: refused, naming the key.
  var text = try String(contentsOfFile: path("c.json"), encoding: .utf8)
  let at = try #require(text.range(of: "\"endurance\": [\n    {\"pulses\": ["))
  text.replaceSubrange(at, with: "\"endurance\": [\n    {\"pulses\": [7,")
  try text.write(toFile: path("edited.json"), atomically: false, encoding: .utf8)
  let edited = try runXbarsim(common + ["--checkpoint-in", path("edited.json"), "--endurance", "true"])
  #expect(edited.status != 0 && edited.stderr.contains("'endurance' layer 0: pulses must be a list of"), "\(edited.stderr)")
}
