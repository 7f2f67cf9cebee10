import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Session 78's loose ends on `stuck_known` (session 79): `reproduce choi2021 --stuck-known true`
// without stuck devices says the note `train` says, once; the FP (float) rows of a reproduction's
// summary carry no device-only stuck keys (float SGD has no devices), lim2018's software rows
// neither; and `inspect --checkpoint` notes the keys its command line changes against the
// checkpoint's configuration (`--stuck-known false` on a knowing run's checkpoint had changed
// its controller without a word), as `train --checkpoint-in` does.

private func rows(_ path: String) throws -> [[String: Any]] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: Any]])
}

private func occurrences(_ needle: String, in text: String) -> Int {
  text.components(separatedBy: needle).count - 1
}

@Test func reproduceNotesAKnowingControllerWithoutStuckDevicesOnce() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-known-reproduce", train: 30, test: 20, side: 28)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "reproduce", "choi2021", "--figure", "4", "--seeds", "2", "--epochs", "1", "--data", data.path, "--stuck-known", "true",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  // One line for the reproduction (four runs, two seeds), train's text but for its runs.
  #expect(
    occurrences(
      "note: stuck_known true without stuck devices (stuck_off, stuck_on and stuck_map give none): the controller has nothing to skip, and each run is the one without it\n",
      in: r.stderr) == 1, "\(r.stderr)")
  #expect(occurrences("stuck_known true without stuck devices", in: r.stderr + r.stdout) == 1, "\(r.stdout)")
  // train's own note is the same text, of its run.
  #expect(
    TrainCommand.nothingToKnowNote()
      == "note: stuck_known true without stuck devices (stuck_off, stuck_on and stuck_map give none): the controller has nothing to skip, and the run is the one without it")
}

@Test func reproduceSaysNothingOfAKnowingControllerWithStuckDevicesOrWithoutTheKey() throws {
  var base = TrainingConfiguration()
  base.stuckKnown = true
  #expect(ReproduceCommand.nothingToKnowNote(ChoiReproduction.runs(figure: 4, base: base).map(\.configuration)) != nil)
  #expect(ReproduceCommand.nothingToKnowNote(ChoiReproduction.runs(figure: 6, base: base).map(\.configuration)) != nil)
  var stuck = base
  stuck.stuckOff = 0.1
  #expect(ReproduceCommand.nothingToKnowNote(ChoiReproduction.runs(figure: 4, base: stuck).map(\.configuration)) == nil)
  stuck.stuckOff = 0
  stuck.stuckOn = 0.05
  #expect(ReproduceCommand.nothingToKnowNote(ChoiReproduction.runs(figure: 5, base: stuck).map(\.configuration)) == nil)
  #expect(ReproduceCommand.nothingToKnowNote(ChoiReproduction.runs(figure: 4, base: TrainingConfiguration()).map(\.configuration)) == nil)
  // A float run alone reads no controller.
  var float = base
  float.rule = .float
  #expect(ReproduceCommand.nothingToKnowNote([float]) == nil)
}

@Test func choiFloatRowsCarryNoDeviceOnlyStuckKeys() throws {
  let root = try Scratch.directory("xbarsim-stuck-known-fp-rows")
  defer { try? FileManager.default.removeItem(at: root) }
  let path = root.appendingPathComponent("rows.json").path
  var base = TrainingConfiguration()
  base.epochs = 1
  base.stuckOff = 0.1
  base.stuckOn = 0.05
  base.stuckKnown = true
  let runs = ChoiReproduction.runs(figure: 4, base: base)
  try #require(runs.contains { $0.configuration.rule == .float } && runs.contains { $0.configuration.rule != .float })
  try ReproduceCommand.choiTable(
    runs.map { ReproduceCommand.Row(run: $0, final: true) }, figure: 4, seeds: 1, epochs: 1, summary: path, settings: nil)
  let json = try rows(path)
  #expect(json.count == runs.count)
  for (run, row) in zip(runs, json) {
    let float = run.configuration.rule == .float
    // The command's contract, every row.
    for key in ["figure", "synapse", "k", "states", "c2c", "d2d", "paper", "mean", "min", "max"] {
      #expect(row[key] != nil, "\(run.label): \(key)")
    }
    if float {
      #expect(row["synapse"] as? String == "float")
      for key in ["stuck_off", "stuck_on", "stuck_map", "stuck_known"] { #expect(row[key] == nil, "\(run.label): \(key) \(row[key] ?? "")") }
    } else {
      #expect(row["stuck_off"] as? Double == 0.1 && row["stuck_on"] as? Double == 0.05 && row["stuck_known"] as? Bool == true, "\(run.label): \(row)")
    }
  }
}

@Test func limSoftwareRowsCarryNoStuckKeys() throws {
  let root = try Scratch.directory("xbarsim-stuck-lim-software-rows")
  defer { try? FileManager.default.removeItem(at: root) }
  let path = root.appendingPathComponent("rows.json").path
  var base = TrainingConfiguration()
  base.stuckOff = 0.1
  let runs = LimReproduction.runs(figure: 7, base: base)
  try #require(runs.contains { $0.configuration.rule == .float })
  var args = ParsedArguments(command: "reproduce")
  args.values["--summary"] = [path]
  try ReproduceCommand.writeSummary(runs.map { ReproduceCommand.Row(run: $0) }, figure: 7, args: args)
  let json = try rows(path)
  #expect(json.count == runs.count)
  for (run, row) in zip(runs, json) {
    if run.configuration.rule == .float {
      #expect(row["learning"] as? String == "software" && row["stuck_off"] == nil, "\(run.label): \(row)")
    } else {
      #expect(row["stuck_off"] as? Double == 0.1, "\(run.label): \(row)")
    }
  }
}

@Test func inspectNotesKeysThatChangeTheCheckpointsController() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-known-inspect", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("ck.json").path
  let trained = try runXbarsim([
    "train", "--data", data.path, "--rule", "hybrid", "--layers", "64,8,10", "--encoding", "deterministic", "--c2c", "0",
    "--stuck-on", "0.2", "--stuck-known", "true", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", checkpoint,
  ])
  try #require(trained.status == 0, "\(trained.stderr)")
  func inspect(_ name: String, _ extra: [String]) throws -> ProcessResult {
    try runXbarsim(
      ["inspect", "--data", data.path, "--checkpoint", checkpoint, "--samples", "2", "--out", root.appendingPathComponent(name).path] + extra)
  }
  let blind = try inspect("blind", ["--stuck-known", "false"])
  #expect(blind.status == 0, "\(blind.stderr)")
  let said = "the run that saved \(checkpoint) had other settings (stuck_known true, here false)"
  #expect(occurrences(said, in: blind.stderr) == 1, "\(blind.stderr)")
  let o = try #require(
    try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("blind/inspect.json"))) as? [String: Any])
  #expect((o["configuration"] as? [String: Any])?["stuck_known"] == nil, "the controller inspect ran is blind")
  // The checkpoint's own value, or no key: nothing to say.
  for (name, extra) in [("same", ["--stuck-known", "true"]), ("plain", [])] {
    let r = try inspect(name, extra)
    #expect(r.status == 0 && !r.stderr.contains("had other settings"), "\(name): \(r.stderr)")
  }
  // Any key that differs, as train says it (the learning rate here).
  let lr = try inspect("lr", ["--lr", "0.05"])
  #expect(lr.status == 0 && lr.stderr.contains("had other settings (lr 0.1, here 0.05)"), "\(lr.stderr)")
}
