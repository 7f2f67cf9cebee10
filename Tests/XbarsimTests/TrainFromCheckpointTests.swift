import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// `train --checkpoint-in`: a run that starts from a checkpoint's devices,
// random streams and count of the order's shuffles: two epochs in one run,
// and one epoch, a checkpoint, then one epoch from it, end with the same
// devices (the stochastic trains, c2c noise and shuffled orders included);
// each run counts its own pulses.

private func dataDirectory(_ name: String) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-train-from-\(name)", train: 40, test: 10)
}

private func json(_ url: URL) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// The first line of standard error starts with "Error: " and holds every
/// one of `words`; the exit status is `status`.
private func expectError(_ r: ProcessResult, _ status: Int32, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(r.status == status, "\(r.stderr)", sourceLocation: sourceLocation)
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
  for w in words { #expect(first.contains(w), "'\(w)' not in: \(first)", sourceLocation: sourceLocation) }
}

@Test(arguments: [
  ["--rule", "lim"],
  ["--rule", "lim", "--method", "c", "--beta-d", "1"],
  ["--rule", "lim", "--sigma-c2c", "0.3"],
  ["--rule", "single"],
  ["--rule", "single", "--encoding", "sign", "--c2c", "0.5"],
  ["--rule", "hybrid", "--switch-threshold", "99.99"],
  ["--rule", "hybrid", "--encoding", "deterministic", "--c2c", "0", "--switch-threshold", "99.99", "--shuffle", "false"],
])
func oneEpochFromACheckpointIsTheSecondEpochOfOneRun(keys: [String]) throws {
  let (root, data) = try dataDirectory("split-\(keys.joined(separator: "-"))")
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"] + keys
  func run(_ name: String, _ extra: [String]) throws -> (summary: [String: Any], checkpoint: Checkpoint.Saved) {
    let summary = root.appendingPathComponent(name + "-summary.json"), checkpoint = root.appendingPathComponent(name + ".json")
    let r = try runXbarsim(common + ["--summary", summary.path, "--checkpoint-out", checkpoint.path] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return (try json(summary), try Checkpoint.read(checkpoint.path))
  }
  let whole = try run("whole", ["--epochs", "2"])
  let first = try run("first", ["--epochs", "1"])
  let second = try run("second", ["--epochs", "1", "--checkpoint-in", root.appendingPathComponent("first.json").path])
  // The same devices at the end (and phase: the hybrid switched after the
  // first epoch in both).
  let (a, b) = (second.checkpoint.states, whole.checkpoint.states)
  #expect(a.map(\.plusStates) == b.map(\.plusStates) && a.map(\.minusStates) == b.map(\.minusStates))
  #expect(a.map(\.plusConductances) == b.map(\.plusConductances) && a.map(\.minusConductances) == b.map(\.minusConductances))
  #expect(second.checkpoint.hybrid?.layers.map(\.conductances) == whole.checkpoint.hybrid?.layers.map(\.conductances))
  #expect(second.checkpoint.hybrid?.layers.map(\.weights) == whole.checkpoint.hybrid?.layers.map(\.weights))
  #expect(second.checkpoint.hybrid?.phase == whole.checkpoint.hybrid?.phase)
  if keys.contains("hybrid") { #expect(first.checkpoint.hybrid?.phase == .fine) }
  #expect(second.summary["test_accuracy"] as? Double == whole.summary["test_accuracy"] as? Double)
  // Each run counts its own pulses and images.
  for key in ["pulses", "resets"] {
    let w = try #require(whole.summary[key] as? Int), a = try #require(first.summary[key] as? Int), b = try #require(second.summary[key] as? Int)
    #expect(a + b == w, "\(key)")
  }
  #expect(second.summary["train_images"] as? Int == 40)
  #expect(second.checkpoint.trainImages == 40)
  let start = try #require(second.summary["checkpoint_in"] as? [String: Any])
  #expect(start["path"] as? String == root.appendingPathComponent("first.json").path)
  #expect(start["train_images"] as? Int == 40)
  #expect(whole.summary["checkpoint_in"] == nil)
  // The devices' images over the chain of runs (since session 40).
  #expect(start["devices_train_images"] as? Int == 40)
  #expect(second.checkpoint.place.priorImages == 40 && whole.checkpoint.place.priorImages == 0)
  #expect(try String(contentsOf: root.appendingPathComponent("second.json"), encoding: .utf8).contains("\"devices_train_images\": 80,"))
  // The runs trained: the devices moved in the second.
  if let h = first.checkpoint.hybrid {
    #expect(h.layers.map(\.conductances) != second.checkpoint.hybrid?.layers.map(\.conductances))
  } else {
    #expect(first.checkpoint.states.map(\.plusStates) != second.checkpoint.states.map(\.plusStates)
      || first.checkpoint.states.map(\.plusConductances) != second.checkpoint.states.map(\.plusConductances))
  }
}

@Test func trainFromACheckpointRefusesWhatItCannotStart() throws {
  let (root, data) = try dataDirectory("refusals")
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let lim = root.appendingPathComponent("lim.json"), offChip = root.appendingPathComponent("off.json")
  #expect(try runXbarsim(base + ["--checkpoint-out", lim.path]).status == 0)
  #expect(try runXbarsim(base + ["--learning", "off-chip", "--checkpoint-out", offChip.path]).status == 0)
  func start(_ file: URL, _ extra: [String]) throws -> ProcessResult {
    try runXbarsim(["train", "--data", data.path, "--evals-per-epoch", "1", "--quiet", "--checkpoint-in", file.path] + extra)
  }
  expectError(try start(lim, ["--rule", "float"]), 64, ["--checkpoint-in", "rule float has no arrays"])
  expectError(try start(lim, ["--learning", "off-chip"]), 64, ["--checkpoint-in", "off-chip learning trains in software", "--learning on-chip"])
  expectError(try start(offChip, []), 64, ["--checkpoint-in", "\(offChip.path) was saved by off-chip learning", "--learning on-chip"])
  expectError(try start(lim, ["--initial-fraction", "0.3"]), 64, ["initial", "holds the devices' states"])
  // The checkpoint's own value (its run's config file given again) is accepted.
  #expect(try start(lim, ["--initial-fraction", "0.5", "--negative-scale", "redraw"]).status == 0)
  // A conflict with an option given beside the checkpoint is the command
  // line's, naming it (since session 63; the file's, exit 1, before).
  expectError(try start(lim, ["--nmax", "32"]), 64, ["--nmax 32 with checkpoint \(lim.path): the checkpoint has nmax 64, the requested network 32"])
  expectError(try start(lim, ["--layers", "64,9,10"]), 64, ["--layers 64,9,10 with checkpoint \(lim.path)", "64-8-10", "64-9-10"])
  expectError(try start(lim, ["--rule", "hybrid"]), 64, ["--rule hybrid with checkpoint \(lim.path)", "rule lim's device states, not rule hybrid's"])
  expectError(try start(lim, ["--summary", lim.path]), 64, ["--summary would overwrite the --checkpoint-in file"])
  let hybrid = root.appendingPathComponent("hybrid.json")
  #expect(try runXbarsim(base + ["--rule", "hybrid", "--checkpoint-out", hybrid.path]).status == 0)
  expectError(try start(hybrid, ["--rule", "lim"]), 64, ["--rule lim with checkpoint \(hybrid.path)", "rule hybrid's device states, not rule lim's"])
  expectError(try start(hybrid, ["--k", "5"]), 64, ["--k 5 with checkpoint \(hybrid.path)", "the checkpoint has k 10, the requested network 5"])
  #expect(try start(hybrid, ["--epochs", "2"]).status == 0)
  // From a fine checkpoint one epoch updates the small arrays: no note
  // that it would not.
  let fine = root.appendingPathComponent("fine.json")
  #expect(try runXbarsim(base + ["--rule", "hybrid", "--epochs", "2", "--switch-threshold", "99.99", "--checkpoint-out", fine.path]).status == 0)
  let one = try start(fine, [])
  #expect(one.status == 0 && one.stderr.contains("phase fine") && !one.stderr.contains("updates the big arrays only"), "\(one.stderr)")
  // A checkpoint inside an epoch (here by an edit: a Ctrl-C's, in
  // ExperimentGoesOnTests) goes on inside it, when it fits this run's
  // epochs; a whole run's goes on with a new epoch, saying nothing.
  #expect(!(try start(lim, [])).stderr.contains("into an epoch"))
  let text = try String(contentsOf: lim, encoding: .utf8)
  #expect(text.contains("\"epoch_images\": 0,"))
  // Only in the order it stopped in: another seed, shuffle or train_limit
  // makes another order (a walkthrough, session 40: 37,408 images into a
  // 60,000-image epoch had gone on in a 50,000-image one's order).
  for (images, extra, said) in [
    (10, [], "was saved 10 images into an epoch of 40; this run trains the rest of that epoch as its first"),
    (45, [], "was saved 45 images into an epoch, which does not fit this run's epochs of 40 images"),
    (10, ["--train-limit", "30"], "whose order came from train_limit 40; with train_limit 30 this run begins a new epoch"),
    (10, ["--seed", "7"], "whose order came from seed 1; with seed 7 this run begins a new epoch"),
    (10, ["--shuffle", "false"], "whose order came from shuffle true; with shuffle false this run begins a new epoch"),
    (10, ["--train-limit", "40"], "this run trains the rest of that epoch as its first"),
  ] {
    let inside = root.appendingPathComponent("inside-\(images).json")
    try text.replacingOccurrences(of: "\"epoch_images\": 0,", with: "\"epoch_images\": \(images),")
      .write(to: inside, atomically: false, encoding: .utf8)
    let r = try start(inside, extra)
    #expect(r.status == 0 && r.stderr.contains(said), "\(extra): \(r.stderr)")
  }
  // One epoch from a checkpoint is a step of a longer run: its switch is
  // decided at its end, and no note tells it to give --epochs 3 (since
  // session 51).
  let dynamicOne = try start(hybrid, [])
  #expect(dynamicOne.status == 0 && !dynamicOne.stderr.contains("updates the big arrays only"), "\(dynamicOne.stderr)")
  // Fine-tuning on chip after an off-chip transfer, and a checkpoint
  // updated in place.
  let tuned = try start(offChip, ["--learning", "on-chip", "--checkpoint-out", offChip.path])
  #expect(tuned.status == 0, "\(tuned.stderr)")
  #expect(tuned.stderr.contains("note: starting from the devices of \(offChip.path) (40 training images)"), "\(tuned.stderr)")
  let updated = try Checkpoint.read(offChip.path)
  #expect(updated.configuration.mode == .onChip)
}

/// `sigma_c2c`, `b_margin` and methods a ↔ b may change on the way: the
/// pulses' variation and the controller are not the devices. A checkpoint
/// on integer states goes on with conductances at its states' points, the
/// same weights; conductances go back to integer states when every one is
/// on a point of the curve (b_margin at σ_c2c 0), and are refused, naming
/// the device, when variation left them between. Method c (a bidirectional
/// device) stays refused.
@Test func aRunGoesOnUnderOtherVariationOrAnotherController() throws {
  let (root, data) = try dataDirectory("convert")
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let integer = root.appendingPathComponent("integer.json"), margin = root.appendingPathComponent("margin.json")
  let varied = root.appendingPathComponent("varied.json")
  #expect(try runXbarsim(base + ["--checkpoint-out", integer.path]).status == 0)
  #expect(try runXbarsim(base + ["--b-margin", "0.5", "--checkpoint-out", margin.path]).status == 0)
  #expect(try runXbarsim(base + ["--sigma-c2c", "0.3", "--checkpoint-out", varied.path]).status == 0)
  // In process: the same weights after the conversion, both ways.
  let saved = try Checkpoint.read(integer.path)
  let plain = try Checkpoint.load(saved, from: integer.path, into: saved.configuration)
  let changes: [(inout TrainingConfiguration) -> Void] = [{ $0.sigmaC2C = 0.3 }, { $0.bMargin = 0.5 }, { $0.method = .a }]
  for change in changes {
    var cfg = saved.configuration
    change(&cfg)
    let net = try Checkpoint.load(saved, from: integer.path, into: cfg)
    #expect(net.configuration.limConductanceStates == (cfg.method == .b))
    for l in 0..<2 { #expect(net.weights(layer: l) == plain.weights(layer: l)) }
  }
  // The margin's run at σ_c2c 0 keeps its devices on the curve's points:
  // they read back as integer states, with the same weights.
  let onPoints = try Checkpoint.read(margin.path)
  var noMargin = onPoints.configuration
  noMargin.bMargin = 0
  let back = try Checkpoint.load(onPoints, from: margin.path, into: noMargin)
  let kept = try Checkpoint.load(onPoints, from: margin.path, into: onPoints.configuration)
  #expect(!back.configuration.limConductanceStates && kept.configuration.limConductanceStates)
  for l in 0..<2 { #expect(back.weights(layer: l) == kept.weights(layer: l)) }
  #expect(back.layerStates.contains { $0.plusStates.contains { $0 > 0 } })
  // From the command line: runs that go on, and the refusals.
  func start(_ file: URL, _ extra: [String]) throws -> ProcessResult {
    try runXbarsim(["train", "--data", data.path, "--evals-per-epoch", "1", "--quiet", "--checkpoint-in", file.path] + extra)
  }
  for (file, extra) in [(integer, ["--sigma-c2c", "0.3"]), (integer, ["--method", "a"]), (margin, ["--b-margin", "0"]),
    (varied, ["--sigma-c2c", "0.5"])] {
    let r = try start(file, extra)
    #expect(r.status == 0, "\(extra): \(r.stderr)")
  }
  expectError(try start(varied, ["--sigma-c2c", "0"]), 1, [
    varied.path, "layers[0].", "_conductances", "between the curve's points", "the checkpoint's run had sigma_c2c 0.3"])
  expectError(try start(integer, ["--method", "c"]), 64, ["--method c with checkpoint \(integer.path)", "the checkpoint has method b, the requested network c"])
}

/// What a walkthrough (session 40) found around a continued run: the
/// thresholds passed unread beside a hybrid's --checkpoint-out, a hybrid
/// checkpoint without its rule read as rule lim's, a checkpoint without its
/// random streams went on without a word, and a continued run's summary
/// given as --config started from fresh devices without one.
@Test func aContinuedRunSaysWhatItCannotKeep() throws {
  let (root, data) = try dataDirectory("says")
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--rule", "hybrid"]
  let hybrid = root.appendingPathComponent("hybrid.json")
  expectError(try runXbarsim(base + ["--threshold", "0.2", "--checkpoint-out", hybrid.path]), 64, ["--threshold", "rule hybrid would ignore it"])
  #expect(try runXbarsim(base + ["--checkpoint-out", hybrid.path]).status == 0)
  let text = try String(contentsOf: hybrid, encoding: .utf8)
  func edited(_ name: String, _ from: String, _ to: String) throws -> URL {
    #expect(text.contains(from), "\(from)")
    let url = root.appendingPathComponent(name)
    try text.replacingOccurrences(of: from, with: to).write(to: url, atomically: false, encoding: .utf8)
    return url
  }
  let start = ["train", "--data", data.path, "--evals-per-epoch", "1", "--quiet"]
  let noRule = try edited("no-rule.json", "\"rule\": \"hybrid\",", "")
  expectError(try runXbarsim(start + ["--checkpoint-in", noRule.path]), 1, [noRule.path, "configuration: 'rule' is missing"])
  let noStreams = root.appendingPathComponent("no-streams.json")
  var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  lines.removeAll { $0.hasPrefix("  \"encoder_streams\":") }
  try lines.joined(separator: "\n").write(to: noStreams, atomically: false, encoding: .utf8)
  let summary = root.appendingPathComponent("summary.json")
  let r = try runXbarsim(start + ["--checkpoint-in", noStreams.path, "--summary", summary.path])
  #expect(r.status == 0 && r.stderr.contains("holds no encoder_streams: those random draws start afresh"), "\(r.stderr)")
  #expect(!(try runXbarsim(start + ["--checkpoint-in", hybrid.path])).stderr.contains("holds no"))
  let again = try runXbarsim(["train", "--data", data.path, "--quiet", "--config", summary.path])
  #expect(again.status == 0 && again.stderr.contains("is the summary of a run that started from the devices of \(noStreams.path)"), "\(again.stderr)")
}
