import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// Checkpoints of rules hybrid and single (`train --checkpoint-out`,
// `inspect --checkpoint`): the states read back to the bit, an inspection
// from a checkpoint continues the run it was saved from, and every field
// that does not fit is refused with one line naming the file and field.

private func dataDirectory(_ name: String) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-hybrid-ckpt-\(name)", train: 60, test: 10)
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

/// Trains and saves a checkpoint; fails the test if the run fails.
private func trained(_ data: URL, _ checkpoint: URL, _ extra: [String]) throws {
  let r = try runXbarsim(["train", "--data", data.path, "--checkpoint-out", checkpoint.path] + net + extra)
  #expect(r.status == 0, "\(r.stderr)")
}

/// The first line of standard error starts with "Error: " and holds every
/// one of `words`; the exit status is non-zero.
private func expectOneLineError(_ r: ProcessResult, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(r.status != 0, sourceLocation: sourceLocation)
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
  for w in words { #expect(first.contains(w), "'\(w)' not in: \(first)", sourceLocation: sourceLocation) }
}

private func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

/// The states a checkpoint holds are the network's to the bit: the file
/// read back equals `layerStates` of the same run rebuilt in process.
@Test(arguments: ["hybrid", "single"])
func hybridCheckpointReadsBackToTheBit(rule: String) throws {
  let (root, data) = try dataDirectory("bits-\(rule)")
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("net.json")
  let epochs = ["--epochs", "2"] + (rule == "hybrid" ? ["--switch-threshold", "99.99"] : [])
  try trained(data, checkpoint, ["--rule", rule, "--d2d", "0.5"] + epochs)
  let saved = try Checkpoint.read(checkpoint.path)
  let (phase, layers) = try #require(saved.hybrid)
  #expect(saved.states.isEmpty)
  #expect(saved.trainImages == 120)
  #expect(phase == (rule == "hybrid" ? .fine : .dynamic))
  #expect(layers.map(\.conductances.count) == [rule == "hybrid" ? 4 : 2, rule == "hybrid" ? 4 : 2])
  // Loaded into a network of its configuration, and written again: the
  // same file, byte for byte.
  let net = try Checkpoint.loadHybrid(saved, from: checkpoint.path, into: saved.configuration)
  #expect(net.layerStates == layers)
  #expect(net.phase == phase)
  let again = root.appendingPathComponent("again.json")
  try Checkpoint.write(net, trainImages: saved.trainImages, place: saved.place, to: again.path)
  #expect(saved.place.shuffles == 2)
  #expect(try text(again) == text(checkpoint))
  // The counters are the run's: its summary's pulses and resets.
  let summary = root.appendingPathComponent("summary.json")
  try trained(data, root.appendingPathComponent("other.json"), ["--rule", rule, "--d2d", "0.5", "--summary", summary.path] + epochs)
  let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  #expect(layers.reduce(0) { $0 + $1.pulses } == s["pulses"] as? Int)
  #expect(layers.reduce(0) { $0 + $1.resets } == s["resets"] as? Int)
  // Some devices moved (the test is not of an untrained network).
  let untrained = try HybridNetwork(configuration: saved.configuration)
  #expect(layers[0].conductances[0] != untrained.layerStates[0].conductances[0])
}

/// An inspection from a checkpoint saved after K samples records what an
/// inspection that trains those K samples itself records (deterministic
/// trains and no c2c: nothing random after the start), cell by cell.
@Test(arguments: ["hybrid", "single"])
func inspectFromACheckpointContinuesTheRun(rule: String) throws {
  let (root, data) = try dataDirectory("continue-\(rule)")
  defer { try? FileManager.default.removeItem(at: root) }
  let keys = ["--rule", rule, "--encoding", "deterministic", "--c2c", "0"]
  let checkpoint = root.appendingPathComponent("net.json")
  // (A hybrid that gained less than the threshold in its epoch switches
  // at its end: a fresh inspection has no such switch.)
  try trained(data, checkpoint, keys + ["--shuffle", "false", "--train-limit", "30", "--epochs", "1"] + (rule == "hybrid" ? ["--switch-threshold", "0.001"] : []))
  let saved = try Checkpoint.read(checkpoint.path)
  try #require(saved.hybrid?.phase == .dynamic)
  func inspect(_ name: String, _ extra: [String]) throws -> URL {
    let out = root.appendingPathComponent(name)
    let r = try runXbarsim([
      "inspect", "--data", data.path, "--train-limit", "40", "--shuffle", "false", "--start", "30", "--samples", "5",
      "--out", out.path,
    ] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return out
  }
  let resumed = try inspect("resumed", ["--checkpoint", checkpoint.path])
  let fresh = try inspect("fresh", ["--layers", "64,8,10"] + keys)
  for file in ["cells.csv", "trains.csv", "neurons.csv"] {
    let a = try text(resumed.appendingPathComponent(file)), b = try text(fresh.appendingPathComponent(file))
    #expect(a == b, "\(file) differs")
    #expect(a.split(separator: "\n").count > 1, "\(file) is empty")
  }
  let json = { (dir: URL) throws -> [[String: Any]] in
    let o = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("inspect.json"))) as? [String: Any])
    return try #require(o["samples"] as? [[String: Any]])
  }
  let a = try json(resumed), b = try json(fresh)
  // The network's pulse counter continues from the checkpoint's.
  #expect(a.map { $0["network_pulses"] as? Int } == b.map { $0["network_pulses"] as? Int })
  #expect(a.map { $0["image"] as? Int } == Array(30..<35))
}

/// A fine checkpoint inspects its small arrays; `--phase dynamic` cannot
/// undo the switch.
@Test func aFineCheckpointStaysFine() throws {
  let (root, data) = try dataDirectory("fine")
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("net.json")
  try trained(data, checkpoint, ["--rule", "hybrid", "--epochs", "2", "--switch-threshold", "99.99", "--train-limit", "20"])
  let out = root.appendingPathComponent("fine")
  let r = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", checkpoint.path, "--samples", "2", "--out", out.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("inspect: the fine network of \(checkpoint.path) (40 training image(s))"), "\(r.stderr)")
  let o = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("inspect.json"))) as? [String: Any])
  #expect(o["kind"] as? String == "small")
  #expect(o["checkpoint"] as? String == checkpoint.path)
  let back = try runXbarsim([
    "inspect", "--data", data.path, "--checkpoint", checkpoint.path, "--samples", "2", "--phase", "dynamic",
    "--out", root.appendingPathComponent("back").path,
  ])
  expectOneLineError(back, ["--phase dynamic", "phase fine", "one-way"])
  #expect(back.status == 64)
}

/// What does not fit the network is refused, naming the file and field.
@Test func hybridCheckpointRefusals() throws {
  let (root, data) = try dataDirectory("refusals")
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("net.json")
  try trained(data, checkpoint, ["--rule", "hybrid", "--epochs", "1", "--d2d", "0.5", "--train-limit", "20"])
  let original = try text(checkpoint)
  var n = 0
  func inspect(_ file: URL, _ extra: [String] = []) throws -> ProcessResult {
    n += 1
    return try runXbarsim([
      "inspect", "--data", data.path, "--checkpoint", file.path, "--samples", "1", "--out", root.appendingPathComponent("o\(n)").path,
    ] + extra)
  }
  /// The checkpoint with `edit` applied, in a file of its own.
  func edited(_ name: String, _ edit: (String) -> String) throws -> URL {
    let url = root.appendingPathComponent(name + ".json")
    let changed = edit(original)
    #expect(changed != original, "\(name): the edit changed nothing")
    try changed.write(to: url, atomically: false, encoding: .utf8)
    return url
  }
  func first(_ key: String, _ s: String, _ by: String) -> String {
    guard let r = s.range(of: "\"\(key)\": [") else { return s }
    let rest = s[r.upperBound...]
    let end = rest.firstIndex(where: { $0 == "," || $0 == "]" })!
    return String(s[..<r.upperBound]) + by + String(s[end...])
  }
  // A conductance beyond its device's range.
  let high = try edited("high") { first("big_plus_conductances", $0, "5") }
  expectOneLineError(try inspect(high), [high.path, "layers[0].big_plus_conductances", "cell 0", "outside its device's range"])
  // Weights that are not the devices' sum.
  let weights = try edited("weights") { first("weights", $0, "1.5") }
  expectOneLineError(try inspect(weights), [weights.path, "layers[0].weights", "cell 0", "do not belong to these conductances"])
  // No phase; a fine single pair; an unknown array.
  let noPhase = try edited("nophase") { $0.replacingOccurrences(of: "  \"phase\": \"dynamic\",\n", with: "") }
  expectOneLineError(try inspect(noPhase), [noPhase.path, "'phase' must be"])
  let pairCheckpoint = root.appendingPathComponent("pair-net.json")
  try trained(data, pairCheckpoint, ["--rule", "single", "--epochs", "1", "--train-limit", "20"])
  let single = root.appendingPathComponent("single.json")
  try text(pairCheckpoint).replacingOccurrences(of: "\"phase\": \"dynamic\"", with: "\"phase\": \"fine\"")
    .write(to: single, atomically: false, encoding: .utf8)
  expectOneLineError(try inspect(single), [single.path, "'phase' is fine", "rule single"])
  #expect(try inspect(pairCheckpoint).status == 0)
  let pair = try edited("pair") { $0.replacingOccurrences(of: "\"rule\": \"hybrid\"", with: "\"rule\": \"single\"") }
  expectOneLineError(try inspect(pair), [pair.path, "layers[0]: key 'big_plus_conductances' has no meaning here"])
  // Other device keys than the checkpoint's, and another seed under d2d.
  expectOneLineError(try inspect(checkpoint, ["--k", "5"]), [checkpoint.path, "the checkpoint has k 10, the requested network 5"])
  expectOneLineError(try inspect(checkpoint, ["--seed", "2"]), [checkpoint.path, "seed 1", "draws each device's range"])
  expectOneLineError(try inspect(checkpoint, ["--rule", "lim"]), [checkpoint.path, "rule hybrid's device states", "not rule lim's"])
  let initial = try inspect(checkpoint, ["--initial-fraction", "0.2"])
  expectOneLineError(initial, ["initial", "the checkpoint holds the devices' states"])
  #expect(try inspect(checkpoint, ["--initial-fraction", "0.5"]).status == 0)
  // A Lim checkpoint is not a hybrid's.
  let lim = root.appendingPathComponent("lim.json")
  try trained(data, lim, ["--epochs", "1", "--train-limit", "20"])
  expectOneLineError(try inspect(lim, ["--rule", "hybrid"]), [lim.path, "rule lim's device states, not rule hybrid's"])
  // Rule float has no arrays to save.
  let float = try runXbarsim(["train", "--data", data.path, "--rule", "float", "--checkpoint-out", root.appendingPathComponent("f.json").path] + net)
  expectOneLineError(float, ["--checkpoint-out", "rule float has no arrays"])
  #expect(float.status == 64)
  // The untouched file still loads.
  #expect(try inspect(checkpoint).status == 0)
}

/// A measured device's positions on its curve are saved and restored.
@Test func aMeasuredHybridCheckpointKeepsItsPositions() throws {
  let (root, data) = try dataDirectory("measured")
  defer { try? FileManager.default.removeItem(at: root) }
  let curve = root.appendingPathComponent("device.csv")
  try (1...12).map { "p,\(Double($0) * Double($0 + 8))e-7" }.joined(separator: "\n").write(to: curve, atomically: false, encoding: .utf8)
  let checkpoint = root.appendingPathComponent("net.json")
  try trained(data, checkpoint, ["--rule", "hybrid", "--epochs", "2", "--switch-threshold", "99.99", "--device-csv", curve.path])
  let saved = try Checkpoint.read(checkpoint.path)
  let layers = try #require(saved.hybrid?.layers)
  #expect(layers[0].positions.count == 4)
  #expect(layers[0].positions[0].contains { $0 > 0 })
  let net = try Checkpoint.loadHybrid(saved, from: checkpoint.path, into: saved.configuration)
  #expect(net.layerStates == layers)
  // Without the file (the checkpoint carries the curve) it still inspects.
  try FileManager.default.removeItem(at: curve)
  let r = try runXbarsim([
    "inspect", "--data", data.path, "--checkpoint", checkpoint.path, "--samples", "1", "--out", root.appendingPathComponent("o").path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  // A position beyond the curve's end is refused.
  let bad = root.appendingPathComponent("bad.json")
  let original = try text(checkpoint)
  let range = try #require(original.range(of: "\"big_plus_positions\": ["))
  try (String(original[..<range.upperBound]) + "99999999" + String(original[range.upperBound...].drop(while: { $0 != "," })))
    .write(to: bad, atomically: false, encoding: .utf8)
  let refused = try runXbarsim([
    "inspect", "--data", data.path, "--checkpoint", bad.path, "--samples", "1", "--out", root.appendingPathComponent("b").path,
  ])
  expectOneLineError(refused, [bad.path, "layers[0].big_plus_positions", "cell 0", "outside 0…"])
}
