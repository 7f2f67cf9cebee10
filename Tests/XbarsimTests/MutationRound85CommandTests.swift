import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Mutation round 85 (the session's held-conductance reader and evaluate's reads): tests for
// mutants that no test had caught.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

/// A checkpoint of an on-chip run from programmed arrays holds conductances by its
/// `held_conductances` alone (its keys are on-chip's): a states key there names that key
/// beside method and σ. Kills the "has no meaning here" message without `held_conductances`
/// among the keys that chose held conductances.
@Test func aStatesKeyWhereHeldConductancesHoldThemNamesThatKey() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut85-held-key", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try programmedCheckpoint(data, path("ck.json"), ["--program-noise", "1"])
  let on = try runXbarsim(
    ["train", "--data", data.path, "--checkpoint-in", path("ck.json"), "--learning", "on-chip", "--checkpoint-out", path("on.json")] + net)
  #expect(on.status == 0, "\(on.stderr)")
  let text = try String(contentsOfFile: path("on.json"), encoding: .utf8)
  #expect(text.contains("\"held_conductances\": true"))
  try text.replacingOccurrences(of: "\"plus_conductances\"", with: "\"plus_states\"")
    .write(toFile: path("a.json"), atomically: true, encoding: .utf8)
  let a = try runXbarsim(["evaluate", "--checkpoint", path("a.json"), "--data", data.path])
  #expect(a.status == 1, "\(a.stderr)")
  #expect(a.stderr.contains("layers[0]: key 'plus_states' has no meaning here (method b, σ 0, held_conductances: the keys are"), "\(a.stderr)")
}

/// The bound on a held conductance is on what it reads through its scale, X·g ≤ X + 10
/// (G_max units), not on g alone: with σ 0.5 a device of scale below 1 takes a g above 11
/// that reads within the bound, and one of scale above 1 is refused at a g below 11. Kills
/// the bound on g alone (g > 11).
@Test func theHeldConductancesBoundIsOnWhatTheDeviceReads() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut85-bound", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try programmedCheckpoint(data, path("ck.json"), ["--sigma", "0.5", "--program-noise", "1"])
  let ck = try json(path("ck.json"))
  let layers = try #require(ck["layers"] as? [[String: Any]])
  let g = try #require(layers[1]["minus_conductances"] as? [Double])
  let x = try #require(layers[1]["minus_scales"] as? [Double]).map { Double(Float($0)) }
  let small = try #require(x.firstIndex { $0 > 0.3 && $0 < 0.9 }), large = try #require(x.firstIndex { $0 > 1.1 && $0 < 3 })
  // (g at 0.3 below the bound 1 + 10/X, above 11; and 0.3 above it, below 11.)
  for (i, value, refused) in [(small, 1 + 10 / x[small] - 0.3, false), (large, 1 + 10 / x[large] + 0.3, true)] {
    #expect(refused ? value < 11 : value > 11)
    var edited = ck, l = layers, gs = g
    gs[i] = value
    l[1]["minus_conductances"] = gs
    edited["layers"] = l
    try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: path("e.json")))
    let e = try runXbarsim(["evaluate", "--checkpoint", path("e.json"), "--data", data.path])
    if refused {
      #expect(e.status == 1, "\(e.stderr)")
      #expect(e.stderr.contains("layers[1].minus_conductances[\(i)] is ") && e.stderr.contains("through its scale "), "\(e.stderr)")
      #expect(e.stderr.contains("above its range's top by more than 10 G_max"), "\(e.stderr)")
    } else {
      #expect(e.status == 0, "\(e.stderr)")
    }
  }
}

/// `--read-time` in evaluate needs both the PCM read noise and drift times: with the noise
/// alone this read has no drift reads, and the key is refused. Kills the check without its
/// drift times.
@Test func evaluatesReadTimeNeedsDriftTimesBesideThePCMReadNoise() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut85-rt", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try programmedCheckpoint(data, path("ck.json"), [])
  let e = try runXbarsim(
    ["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--read-time", "1e-7", "--drift-read-noise", "pcm"])
  #expect(e.status == 64, "\(e.stderr)")
  #expect(
    e.stderr.contains("--read-time: evaluate reads it only as the t_r of drift_read_noise pcm (with drift_times), which this read does not have"),
    "\(e.stderr)")
}

/// An off-chip checkpoint of transfer weights is read on chip as any arrays are, to its
/// run's last accuracy, and its summary keeps the transfer. (A guard, not a kill: keeping
/// the off-chip transfer in the read's on-chip configuration is equivalent, as nothing on
/// chip reads `transfer` and the summary writes the checkpoint's.)
@Test func anOffChipCheckpointOfTransferWeightsIsReadToItsRunsAccuracy() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut85-transfer", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--transfer", "weights", "--sigma", "0.5", "--program-verify", "mid",
     "--checkpoint-out", path("ck.json"), "--summary", path("s.json")] + net)
  #expect(t.status == 0, "\(t.stderr)")
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path("e.json")])
  #expect(e.status == 0, "\(e.stderr)")
  #expect(e.stderr.isEmpty, "\(e.stderr)")
  let s = try json(path("s.json")), r = try json(path("e.json"))
  #expect(r["test_accuracy"] as? Double == s["test_accuracy"] as? Double)
  let cfg = try #require(r["configuration"] as? [String: Any])
  #expect(cfg["transfer"] as? String == "weights" && cfg["learning"] as? String == "off-chip", "\(cfg)")
}
