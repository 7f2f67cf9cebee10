import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// A walkthrough of session 84 (a device researcher trying session 83's programming keys):
// an off-chip array programmed by write-verify or with programming noise was saved by
// --checkpoint-out, and then nothing read it. evaluate, sweep --checkpoint and train
// --checkpoint-in --learning on-chip built networks of integer states (their keys have
// neither sigma_c2c nor b_margin), which refused devices between the curve's points, and
// the reader refused the noise's devices above G_max. Such devices are now held as
// conductances by whatever reads or trains them (`heldConductances`), and a run that goes
// on from them says so in its own checkpoint (`held_conductances`).
// The same walkthrough: an interrupted off-chip run was told to go on with --epochs rest,
// which refuses its checkpoint; and --read-time, the t_r of drift_read_noise pcm, was
// refused off chip and not taken by evaluate.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

/// Every conductance of a rule-lim checkpoint's layers (nil when it holds states).
private func conductances(_ path: String) throws -> [Double]? {
  let layers = try #require(try json(path)["layers"] as? [[String: Any]])
  guard layers[0]["plus_conductances"] != nil else { return nil }
  return try layers.flatMap { l in
    try #require(l["plus_conductances"] as? [Double]) + (try #require(l["minus_conductances"] as? [Double]))
  }
}

@Test(arguments: [
  ["--program-noise", "10"],
  ["--sigma", "0.5", "--program-verify", "weights"],
  ["--sigma", "0.5", "--program-verify", "devices", "--program-noise", "2"],
])
func aProgrammedOffChipArrayIsReadAndTrainedFromItsCheckpoint(_ programming: [String]) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-programmed-ck", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--checkpoint-out", path("ck.json"), "--summary", path("s.json")]
      + programming + net)
  #expect(t.status == 0, "\(t.stderr)")
  // The programmed devices, held as conductances, off the curve; with a
  // noise of 10 times the fit some land above G_max (1), which the reader
  // had refused.
  let g = try #require(try conductances(path("ck.json")))
  if programming.contains("10") { #expect(g.contains { $0 > 1 }, "no device above G_max: the test reads none") }
  // evaluate reads the arrays as the run's last point read them.
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path("e.json")])
  #expect(e.status == 0, "\(e.stderr)")
  let s = try json(path("s.json"))
  #expect(try json(path("e.json"))["test_accuracy"] as? Double == s["test_accuracy"] as? Double)
  // So does a sweep of its reads.
  let sw = try runXbarsim(
    ["sweep", "--checkpoint", path("ck.json"), "--data", data.path, "--grid", "read_noise=0,0.01", "--quiet", "--out", path("sw")])
  #expect(sw.status == 0, "\(sw.stderr)")
  let p0 = try json(path("sw/point-0.json"))
  #expect(p0["test_accuracy"] as? Double == s["test_accuracy"] as? Double)
  // On-chip training from the programmed arrays (README: on-chip fine
  // tuning after an off-chip transfer), whose checkpoint says its devices
  // are held as conductances, and is read back to that run's accuracy.
  let on = try runXbarsim(
    ["train", "--data", data.path, "--checkpoint-in", path("ck.json"), "--learning", "on-chip", "--checkpoint-out", path("on.json"),
     "--summary", path("on-s.json")] + net)
  #expect(on.status == 0, "\(on.stderr)")
  let text = try String(contentsOfFile: path("on.json"), encoding: .utf8)
  #expect(text.contains("\n  \"held_conductances\": true,\n"), "the checkpoint does not say its devices are held")
  #expect(try conductances(path("on.json")) != nil)
  let back = try runXbarsim(["evaluate", "--checkpoint", path("on.json"), "--data", data.path, "--summary", path("on-e.json")])
  #expect(back.status == 0, "\(back.stderr)")
  #expect(try json(path("on-e.json"))["test_accuracy"] as? Double == json(path("on-s.json"))["test_accuracy"] as? Double)
  // And a run that goes on from that one.
  let next = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", path("on.json")] + net)
  #expect(next.status == 0, "\(next.stderr)")
}

/// A pulse-count off-chip array (the paper's reading) keeps integer states,
/// and its on-chip run's checkpoint holds states, with no `held_conductances`.
@Test func aPulseCountArrayKeepsItsStates() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-programmed-states", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(["train", "--data", data.path, "--learning", "off-chip", "--sigma", "0.5", "--checkpoint-out", path("ck.json")] + net)
  #expect(t.status == 0, "\(t.stderr)")
  #expect(try conductances(path("ck.json")) == nil)
  let on = try runXbarsim(
    ["train", "--data", data.path, "--checkpoint-in", path("ck.json"), "--learning", "on-chip", "--checkpoint-out", path("on.json")] + net)
  #expect(on.status == 0, "\(on.stderr)")
  #expect(try conductances(path("on.json")) == nil)
  #expect(try !String(contentsOfFile: path("on.json"), encoding: .utf8).contains("held_conductances"))
}

@Test func aCheckpointsHeldConductancesMustBeTrueAndRuleLims() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-programmed-held", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--program-noise", "1", "--checkpoint-out", path("ck.json")] + net)
  #expect(t.status == 0, "\(t.stderr)")
  let on = try runXbarsim(
    ["train", "--data", data.path, "--checkpoint-in", path("ck.json"), "--learning", "on-chip", "--checkpoint-out", path("on.json")] + net)
  #expect(on.status == 0, "\(on.stderr)")
  // A checkpoint edited, read by evaluate.
  func evaluateEdited(_ source: String, as name: String, _ edit: (String) -> String) throws -> ProcessResult {
    try edit(try String(contentsOfFile: path(source), encoding: .utf8)).write(toFile: path(name), atomically: true, encoding: .utf8)
    return try runXbarsim(["evaluate", "--checkpoint", path(name), "--data", data.path])
  }
  let bad = try evaluateEdited("on.json", as: "false.json") {
    $0.replacingOccurrences(of: "\"held_conductances\": true", with: "\"held_conductances\": false")
  }
  expectOneLineError(bad, 1, "\(path("false.json")): 'held_conductances' must be true (or left out), got false")
  // Without it, the on-chip run's conductances are refused as integer
  // states (its keys alone would keep those).
  let none = try evaluateEdited("on.json", as: "none.json") { $0.replacingOccurrences(of: "  \"held_conductances\": true,\n", with: "") }
  #expect(none.status == 1 && none.stderr.contains("plus_conductances"), "\(none.stderr)")
  // A hybrid checkpoint with it is refused.
  let h = try runXbarsim(["train", "--data", data.path, "--rule", "hybrid", "--checkpoint-out", path("h.json")] + net)
  #expect(h.status == 0, "\(h.stderr)")
  let hb = try evaluateEdited("h.json", as: "h2.json") {
    $0.replacingOccurrences(of: "  \"layers\": [", with: "  \"held_conductances\": true,\n  \"layers\": [")
  }
  expectOneLineError(hb, 1, "\(path("h2.json")): 'held_conductances' belongs to rule lim; this checkpoint is rule hybrid's")
}

@Test func anInterruptedOffChipRunIsNotToldToGoOn() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-programmed-int", train: 200, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("ck.json").path
  let (status, text) = try interruptedTraining(data, checkpoint: checkpoint, extra: ["--learning", "off-chip"])
  #expect(status == 130, "\(text)")
  #expect(
    text.contains(
      "; \(checkpoint) holds the arrays programmed from the network trained so far: an off-chip run does not go on from them (the same command starts it again); evaluate --checkpoint \(checkpoint) reads them, and train --checkpoint-in \(checkpoint) --learning on-chip trains them on chip"),
    "\(text)")
  #expect(!text.contains("--epochs rest"), "\(text)")
}

@Test func theReadTimeIsTakenWhereThePCMReadNoiseReadsIt() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-programmed-rt", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let drift = ["--drift-times", "1,1e8", "--drift-read-noise", "pcm"]
  let off = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--read-time", "1e-6", "--summary", path("s.json"), "--checkpoint-out",
     path("ck.json")] + drift + net)
  #expect(off.status == 0, "\(off.stderr)")
  let cfg = try #require(try json(path("s.json"))["configuration"] as? [String: Any])
  #expect(cfg["read_time"] as? Double == 1e-6)
  let plain = try runXbarsim(["train", "--data", data.path, "--learning", "off-chip", "--read-time", "1e-6"] + net)
  expectOneLineError(
    plain, 64, "--read-time: applies to learning on-chip (its energy and latency accounts) and drift_read_noise pcm (its t_r) only")
  // evaluate takes it with the PCM read noise alone (a read books no energy).
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--read-time", "1e-7", "--summary", path("e.json")] + drift)
  #expect(e.status == 0, "\(e.stderr)")
  let ecfg = try #require(try json(path("e.json"))["configuration"] as? [String: Any])
  #expect(ecfg["read_time"] as? Double == 1e-7)
  let bare = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--read-time", "1e-7"])
  expectOneLineError(
    bare, 64,
    "--read-time: evaluate reads it only as the t_r of drift_read_noise pcm (with drift_times), which this read does not have")
}

@Test func anEmptySettingIsNamed() {
  #expect(TrainCommand.settingsText([("drift_times", "", "1,1000000")]) == "drift_times (none), here 1,1000000")
}

/// Figure 14 with write-verify and noise: the off-chip rows' JSON carries
/// both (only the label had named them), the on-chip rows neither, and the
/// header names them as keys of the runs that read them.
@Test func reproducesOffChipRowsSayHowTheyWereProgrammed() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-programmed-rep", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("rows.json")
  let r = try runXbarsim([
    "reproduce", "lim2018", "--figure", "14", "--seeds", "1", "--layers", "64,8,10", "--program-verify", "weights",
    "--program-noise", "0.5", "--evals-per-epoch", "1", "--summary", summary.path, "--data", data.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("settings beside the defaults (every run that reads the key, unless the figure sets it): "), "\(r.stdout)")
  let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [[String: Any]])
  let off = rows.filter { $0["learning"] as? String == "off-chip" }, on = rows.filter { $0["learning"] as? String == "on-chip" }
  #expect(off.count == 3 && on.count == 3, "\(rows)")
  for row in off {
    #expect(row["program_verify"] as? String == "weights" && row["program_noise"] as? Double == 0.5, "\(row)")
    #expect(row["paper"] is NSNull, "\(row)")
  }
  for row in on { #expect(row["program_verify"] == nil && row["program_noise"] == nil, "\(row)") }
}
