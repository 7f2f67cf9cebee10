import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// Mutation round 10 (checkpoints of rules hybrid and single, `train
// --checkpoint-in`, exact continuation): the survivors' tests, command
// side. The library's are in TrainerTests/MutationRound10Tests.swift.

private func dataDirectory(_ name: String, train: Int = 40) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-mut10-\(name)", train: train, test: 10)
}

private func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

private func json(_ url: URL) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// The first line of standard error starts with "Error: " and holds every
/// one of `words`; the exit status is non-zero.
private func expectError(_ r: ProcessResult, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(r.status != 0, "\(r.stderr)", sourceLocation: sourceLocation)
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
  for w in words { #expect(first.contains(w), "'\(w)' not in: \(first)", sourceLocation: sourceLocation) }
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

/// `train` on `data` with `net` and `extra`; fails the test if it fails.
private func train(_ data: URL, _ extra: [String]) throws {
  let r = try runXbarsim(["train", "--data", data.path] + net + extra)
  #expect(r.status == 0, "\(r.stderr)")
}

/// `train --checkpoint-in file` on `data` with `extra`.
private func start(_ data: URL, _ file: URL, _ extra: [String]) throws -> ProcessResult {
  try runXbarsim(["train", "--data", data.path, "--evals-per-epoch", "1", "--quiet", "--checkpoint-in", file.path] + extra)
}

/// `text` with `edit` applied, in root/name.json.
private func edited(_ root: URL, _ name: String, _ original: String, _ edit: (String) -> String) throws -> URL {
  let url = root.appendingPathComponent(name + ".json")
  let changed = edit(original)
  #expect(changed != original, "\(name): the edit changed nothing")
  try changed.write(to: url, atomically: false, encoding: .utf8)
  return url
}

private func replacing(_ pattern: String, _ by: String) -> (String) -> String {
  { $0.replacingOccurrences(of: pattern, with: by, options: .regularExpression) }
}

@Suite("Mutation round 10: checkpoint files")
struct MutationRound10CheckpointFileTests {
  /// A hybrid network's checkpoint written in process, at a place inside
  /// an epoch with a switch reference.
  static func hybridCheckpoint(_ root: URL) throws -> (URL, Checkpoint.Place) {
    var cfg = TrainingConfiguration()
    cfg.rule = .hybrid
    cfg.layers = [64, 8, 10]
    let place = Checkpoint.Place(shuffles: 3, epochImages: 12, switchReference: 37.5)
    let url = root.appendingPathComponent("hybrid.json")
    try Checkpoint.write(try HybridNetwork(configuration: cfg), trainImages: 72, place: place, to: url.path)
    return (url, place)
  }

  /// The message `Checkpoint.read` refuses `url` with; nil if it reads.
  static func refusal(_ url: URL) -> String? {
    do {
      _ = try Checkpoint.read(url.path)
      return nil
    } catch { return "\(error)" }
  }

  // The place a run stopped at reads back as written, the hybrid's
  // switch reference included (mutant: the header leaves it out, and a
  // run going on from a Ctrl-C's checkpoint measures another reference).
  @Test func thePlaceReadsBackAsWritten() throws {
    let root = try Scratch.directory("xbarsim-mut10-place")
    defer { try? FileManager.default.removeItem(at: root) }
    let (url, place) = try Self.hybridCheckpoint(root)
    let saved = try Checkpoint.read(url.path)
    #expect(saved.place.shuffles == place.shuffles)
    #expect(saved.place.epochImages == place.epochImages)
    #expect(saved.place.switchReference == place.switchReference)
    #expect(saved.trainImages == 72)
  }

  // What no checkpoint holds is refused when read, naming the key
  // (mutants: a negative count of shuffles, a reference above 100 %, an
  // unknown key, a rule lim checkpoint with a hybrid's phase, noise
  // streams without their pending draws, a pending index one past the
  // table — each let through).
  @Test func readRefusesWhatNoCheckpointHolds() throws {
    let root = try Scratch.directory("xbarsim-mut10-read")
    defer { try? FileManager.default.removeItem(at: root) }
    let (url, _) = try Self.hybridCheckpoint(root)
    let original = try text(url)
    #expect(Self.refusal(url) == nil)
    func expectRefused(_ name: String, _ edit: (String) -> String, _ words: [String], from: String? = nil,
      sourceLocation: SourceLocation = #_sourceLocation) throws {
      let file = try edited(root, name, from ?? original, edit)
      let message = try #require(Self.refusal(file), "\(name) was read", sourceLocation: sourceLocation)
      for w in words { #expect(message.contains(w), "'\(w)' not in: \(message)", sourceLocation: sourceLocation) }
    }
    try expectRefused("shuffles", replacing(#""shuffles": 3,"#, #""shuffles": -1,"#), ["'shuffles'", "non-negative"])
    try expectRefused("epoch", replacing(#""epoch_images": 12,"#, #""epoch_images": -12,"#), ["'epoch_images'", "non-negative"])
    try expectRefused("reference", replacing(#""switch_reference": 37.5,"#, #""switch_reference": 150,"#), ["'switch_reference'", "0…100"])
    try expectRefused("unknown", replacing(#""shuffles": 3,"#, #""shuffles": 3, "shuffled": 3,"#), ["unknown key 'shuffled'"])
    try expectRefused("pending", replacing(#",\n     "pending_noise": \[\[\],\[\]\]"#, ""), ["noise_streams and pending_noise come together"])
    try expectRefused("index", replacing(#""pending_noise": \[\[\],"#, #""pending_noise": [[4096],"#), ["layers[0].pending_noise"])
    // (The table's last index reads.)
    let last = try edited(root, "last", original, replacing(#""pending_noise": \[\[\],"#, #""pending_noise": [[4095],"#))
    #expect(Self.refusal(last) == nil)
    // A rule lim checkpoint holds no phase.
    var cfg = TrainingConfiguration()
    cfg.layers = [64, 8, 10]
    let lim = root.appendingPathComponent("lim.json")
    try Checkpoint.write(LimNetwork(configuration: cfg), trainImages: 0, to: lim.path)
    #expect(Self.refusal(lim) == nil)
    try expectRefused("limphase", replacing(#""configuration":"#, "\"phase\": \"dynamic\",\n  \"configuration\":"), ["'phase' belongs to rules hybrid and single"], from: try text(lim))
  }
}

@Suite("Mutation round 10: train --checkpoint-in")
struct MutationRound10TrainFromCheckpointTests {
  // A hybrid checkpoint loads only into a network of its shape and
  // device keys: d2d and small_states too, and the shape is named as such
  // (mutants: d2d and small_states left out of the keys compared; the
  // shape left to the layer-by-layer restore).
  @Test func aHybridCheckpointRefusesOtherDeviceKeysAndShapes() throws {
    let (root, data) = try dataDirectory("keys")
    defer { try? FileManager.default.removeItem(at: root) }
    let checkpoint = root.appendingPathComponent("net.json")
    try train(data, ["--rule", "hybrid", "--d2d", "0.5", "--train-limit", "20", "--checkpoint-out", checkpoint.path])
    expectError(try start(data, checkpoint, ["--d2d", "0"]), [checkpoint.path, "the checkpoint has d2d 0.5, the requested network 0"])
    expectError(try start(data, checkpoint, ["--small-states", "20"]), [checkpoint.path, "the checkpoint has small_states 50, the requested network 20"])
    expectError(try start(data, checkpoint, ["--layers", "64,9,10"]), [checkpoint.path, "64-8-10", "64-9-10"])
    // A checkpoint without d2d in its configuration is refused when read.
    let noD2D = try edited(root, "nod2d", try text(checkpoint), replacing(#"\n *"d2d": [0-9.]+,"#, ""))
    expectError(try start(data, noD2D, []), [noD2D.path, "'d2d' is missing"])
  }

  // A measured device whose file changed since the checkpoint (the same
  // path, other points) is refused (mutant: the hybrid's device check
  // skipped).
  @Test func aHybridCheckpointRefusesAChangedDeviceFile() throws {
    let (root, data) = try dataDirectory("device")
    defer { try? FileManager.default.removeItem(at: root) }
    let curve = root.appendingPathComponent("device.csv")
    // (The same first and last points: the same G_min/G_max and n_max.)
    let points = { (a: Double) in (1...12).map { "p,\(Double($0) * (Double($0) + ($0 == 6 ? a : 8)))e-7" }.joined(separator: "\n") }
    try points(8).write(to: curve, atomically: false, encoding: .utf8)
    let checkpoint = root.appendingPathComponent("net.json")
    try train(data, ["--rule", "single", "--train-limit", "20", "--device-csv", curve.path, "--checkpoint-out", checkpoint.path])
    try points(9).write(to: curve, atomically: false, encoding: .utf8)
    expectError(try start(data, checkpoint, ["--device-csv", curve.path]), [checkpoint.path, "measured device differs"])
  }

  // `negative_scale` only draws devices at a run's start, as
  // `initial_fraction` does (mutant: only the latter refused).
  @Test func negativeScaleIsRefusedFromACheckpoint() throws {
    let (root, data) = try dataDirectory("negative")
    defer { try? FileManager.default.removeItem(at: root) }
    let lim = root.appendingPathComponent("lim.json")
    try train(data, ["--sigma", "0.1", "--checkpoint-out", lim.path])
    let r = try start(data, lim, ["--negative-scale", "dead"])
    expectError(r, ["negative", "holds the devices' states"])
    #expect(r.status == 64)
  }

  // A checkpoint saved after an epoch's last image (before its end)
  // goes on inside that epoch; one whose place is not a mini-batch's end
  // begins a new epoch, saying why (mutants: < for ≤; the mini-batch
  // check dropped, a precondition failure).
  @Test func theEpochsEdgesAndMiniBatchesDecideWhereARunGoesOn() throws {
    let (root, data) = try dataDirectory("edges")
    defer { try? FileManager.default.removeItem(at: root) }
    let lim = root.appendingPathComponent("lim.json")
    // (Epochs of 30 in the saved run too: another train_limit is another
    // order, and begins a new epoch since session 40.)
    try train(data, ["--train-limit", "30", "--checkpoint-out", lim.path])
    let original = try text(lim)
    let full = try edited(root, "full", original, replacing(#""epoch_images": 0,"#, #""epoch_images": 30,"#))
    let r = try start(data, full, ["--train-limit", "30"])
    #expect(r.status == 0 && r.stderr.contains("was saved 30 images into an epoch of 30; this run trains the rest of that epoch as its first"), "\(r.stderr)")
    let odd = try edited(root, "odd", original, replacing(#""epoch_images": 0,"#, #""epoch_images": 10,"#))
    let b = try start(data, odd, ["--train-limit", "30", "--batch", "3"])
    #expect(b.status == 0 && b.stderr.contains("which does not fit this run's epochs of 30 images in mini-batches of 3; this run begins a new epoch"), "\(b.stderr)")
  }

  // The hybrid's switch after the rest of a stopped epoch compares with
  // the checkpoint's reference: 100 % (any gain is below the threshold:
  // the switch) and 0 % (every gain is above it: none); measured on the
  // starting network instead (mutant) both runs decide alike.
  @Test func theSwitchComparesWithTheCheckpointsReference() throws {
    let (root, data) = try dataDirectory("reference")
    defer { try? FileManager.default.removeItem(at: root) }
    let checkpoint = root.appendingPathComponent("net.json")
    let keys = ["--rule", "hybrid", "--switch-threshold", "0.001"]
    try train(data, keys + ["--checkpoint-out", checkpoint.path])
    let original = try text(checkpoint)
    try #require(original.contains("\"phase\": \"dynamic\""))
    var phases: [String] = []
    for reference in ["100", "0"] {
      let file = try edited(root, "ref\(reference)", original) {
        replacing(#""switch_reference": [0-9.e+-]+,"#, "\"switch_reference\": \(reference),")(replacing(#""epoch_images": 0,"#, #""epoch_images": 20,"#)($0))
      }
      let out = root.appendingPathComponent("out\(reference).json")
      let r = try start(data, file, keys + ["--epochs", "1", "--checkpoint-out", out.path])
      #expect(r.status == 0, "\(r.stderr)")
      phases.append(try #require(Checkpoint.read(out.path).hybrid).phase.rawValue)
    }
    #expect(phases == ["fine", "dynamic"])
  }

  // A run from a checkpoint counts its own resets, not the checkpoint's
  // (mutant: rule lim's resets carried over).
  @Test(arguments: ["lim", "hybrid"])
  func aRunFromACheckpointCountsItsOwnResets(rule: String) throws {
    let (root, data) = try dataDirectory("resets-\(rule)")
    defer { try? FileManager.default.removeItem(at: root) }
    let checkpoint = root.appendingPathComponent("net.json")
    try train(data, ["--rule", rule, "--checkpoint-out", checkpoint.path])
    let file = try edited(root, "many", try text(checkpoint), replacing(#""resets": \d+"#, #""resets": 12345"#))
    let summary = root.appendingPathComponent("s.json")
    let r = try start(data, file, ["--summary", summary.path])
    #expect(r.status == 0, "\(r.stderr)")
    let resets = try #require(try json(summary)["resets"] as? Int)
    #expect(resets < 12345)
  }

  // From a fine checkpoint a one-epoch run updates the small arrays: no
  // note that it would not (mutant: the note regardless of the phase;
  // TrainFromCheckpointTests' run took the checkpoint's two epochs).
  @Test func aOneEpochRunFromAFineCheckpointSaysNothingOfTheBigArraysOnly() throws {
    let (root, data) = try dataDirectory("fine")
    defer { try? FileManager.default.removeItem(at: root) }
    let fine = root.appendingPathComponent("fine.json")
    try train(data, ["--rule", "hybrid", "--epochs", "2", "--switch-threshold", "99.99", "--checkpoint-out", fine.path])
    let one = try start(data, fine, ["--epochs", "1"])
    #expect(one.status == 0 && one.stderr.contains("phase fine") && !one.stderr.contains("updates the big arrays only"), "\(one.stderr)")
  }

  // A run stopped inside its epoch (SIGINT) saves where: the images of
  // that epoch it trained (mutant: 0, and the run going on from it would
  // begin a new epoch).
  #if os(Linux)
    @Test func aStoppedRunsCheckpointSavesItsPlaceInTheEpoch() throws {
      let (root, data) = try dataDirectory("stopped", train: 8000)
      defer { try? FileManager.default.removeItem(at: root) }
      let log = root.appendingPathComponent("log.csv"), summary = root.appendingPathComponent("s.json")
      let checkpoint = root.appendingPathComponent("net.json")
      let child = try SpawnedProcess(
        try #require(productExecutable("xbarsim")),
        [
          "train", "--data", data.path, "--layers", "64,8,10", "--epochs", "1", "--quiet", "--evals-per-epoch", "50",
          "--log", log.path, "--summary", summary.path, "--checkpoint-out", checkpoint.path,
        ],
        stdout: root.appendingPathComponent("stdout"), stderr: root.appendingPathComponent("stderr"))
      let deadline = Date().addingTimeInterval(60)
      while ((try? text(log)) ?? "").filter({ $0 == "\n" }).count < 3 && child.isRunning && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.01)
      }
      #expect(child.isRunning, "the run ended before it could be stopped")
      child.send(SIGINT)
      #expect(child.wait() == .exited(130))
      let images = try #require(try json(summary)["train_images"] as? Int)
      #expect(images > 0 && images < 8000)
      let saved = try Checkpoint.read(checkpoint.path)
      #expect(saved.place.epochImages == images)
      #expect(saved.place.shuffles == 1)
    }
  #endif
}
