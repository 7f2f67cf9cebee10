import Circuit
import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// A walkthrough of session 85 (a PCM researcher with session 83–84's programmed arrays) and
// an audit of the README beside it:
// - `--read-time` above 2 µs, the t_r of drift_read_noise pcm, was refused off chip and by
//   evaluate for want of a slot_time, which neither takes (no slot is timed there);
// - evaluate --summary wrote an off-chip checkpoint's configuration as on-chip, beside the
//   program_verify an on-chip run refuses (so did a checkpoint sweep's base);
// - a layer key of the other kind (conductances or states) was told of method and σ, not of
//   the keys that choose held conductances;
// - a held conductance edited to 3.4e38 was read (an overflow to infinity);
// - a stuck map's 20-digit row was told it was not a whole number.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
private let drift = ["--drift-times", "1,1e8", "--drift-read-noise", "pcm"]

/// An off-chip run of `data` (64-8-10, one evaluation) programmed as `programming` says,
/// its checkpoint written to `checkpoint`; the run's exit status checked.
func programmedCheckpoint(_ data: URL, _ checkpoint: String, _ programming: [String]) throws {
  let t = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--checkpoint-out", checkpoint, "--layers", "64,8,10", "--evals-per-epoch",
     "1", "--quiet"] + programming)
  #expect(t.status == 0, "\(t.stderr)")
}

@Test func aLongReadTimeIsTakenWhereNoSlotIsTimed() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s85-rt", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let off = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--read-time", "1e-5", "--summary", path("s.json"), "--checkpoint-out",
     path("ck.json")] + drift + net)
  #expect(off.status == 0, "\(off.stderr)")
  #expect(try (json(path("s.json"))["configuration"] as? [String: Any])?["read_time"] as? Double == 1e-5)
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--read-time", "1"] + drift)
  #expect(e.status == 0, "\(e.stderr)")
  // An on-chip checkpoint's read too (evaluate sets no slot_time).
  let on = try runXbarsim(["train", "--data", data.path, "--checkpoint-out", path("on.json")] + net)
  #expect(on.status == 0, "\(on.stderr)")
  let eo = try runXbarsim(["evaluate", "--checkpoint", path("on.json"), "--data", data.path, "--read-time", "1e-3"] + drift)
  #expect(eo.status == 0, "\(eo.stderr)")
  // On chip, where the slot is timed, the bound stands.
  let timed = try runXbarsim(["train", "--data", data.path, "--read-time", "1e-5"] + net)
  expectOneLineError(timed, 64, "--read-time: 1e-05 s needs slot_time ≥ 1e-05 s; slot_time is 2e-06 s")
}

@Test func anOffChipCheckpointsReadKeepsItsLearning() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s85-learning", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try programmedCheckpoint(data, path("ck.json"), ["--sigma", "0.5", "--program-verify", "weights"])
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path("e.json")])
  #expect(e.status == 0, "\(e.stderr)")
  let cfg = try #require(try json(path("e.json"))["configuration"] as? [String: Any])
  #expect(cfg["learning"] as? String == "off-chip" && cfg["program_verify"] as? String == "weights", "\(cfg)")
  let sw = try runXbarsim(
    ["sweep", "--checkpoint", path("ck.json"), "--data", data.path, "--grid", "read_noise=0,0.01", "--quiet", "--out", path("sw")])
  #expect(sw.status == 0, "\(sw.stderr)")
  let base = try #require(try json(path("sw/sweep.json"))["base_configuration"] as? [String: Any])
  #expect(base["learning"] as? String == "off-chip", "\(base)")
  // The written configuration is one train takes.
  let again = try runXbarsim(["train", "--data", data.path, "--config", path("e.json"), "--quiet"])
  #expect(again.status == 0, "\(again.stderr)")
  // And the sweep resumes (its base is compared as written).
  let resumed = try runXbarsim(
    ["sweep", "--checkpoint", path("ck.json"), "--data", data.path, "--grid", "read_noise=0,0.01", "--quiet", "--out", path("sw")])
  #expect(resumed.status == 0, "\(resumed.stderr)")
}

@Test func aLayerKeyOfTheOtherKindNamesWhatChoosesIt() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s85-keys", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try programmedCheckpoint(data, path("ck.json"), ["--sigma", "0.5", "--program-verify", "weights"])
  let text = try String(contentsOfFile: path("ck.json"), encoding: .utf8)
  // Its program key gone: conductances where the keys keep states.
  try text.replacingOccurrences(of: "\"program_verify\": \"weights\",", with: "")
    .write(toFile: path("a.json"), atomically: true, encoding: .utf8)
  let a = try runXbarsim(["evaluate", "--checkpoint", path("a.json"), "--data", data.path])
  #expect(a.status == 1, "\(a.stderr)")
  #expect(
    a.stderr.contains(
      "; conductances are held with method c, sigma_c2c, b_margin, an off-chip run's program_verify or program_noise, or 'held_conductances': true)"),
    "\(a.stderr)")
  // States where its program key holds conductances: that key named.
  try text.replacingOccurrences(of: "\"plus_conductances\"", with: "\"plus_states\"")
    .write(toFile: path("b.json"), atomically: true, encoding: .utf8)
  let b = try runXbarsim(["evaluate", "--checkpoint", path("b.json"), "--data", data.path])
  #expect(b.status == 1, "\(b.stderr)")
  #expect(b.stderr.contains("layers[0]: key 'plus_states' has no meaning here (method b, σ 0.5, program_verify weights: the keys are"), "\(b.stderr)")
}

@Test func aHeldConductanceFarAboveItsRangeIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s85-far", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try programmedCheckpoint(data, path("ck.json"), ["--program-noise", "1"])
  var ck = try json(path("ck.json"))
  var layers = try #require(ck["layers"] as? [[String: Any]])
  var g = try #require(layers[1]["minus_conductances"] as? [Double])
  // (σ 0: every scale 1; 10 above the top is the bound, 11 past it.)
  for (value, status) in [(3.4e38, Int32(1)), (11.5, 1), (10.5, 0)] {
    g[3] = value
    layers[1]["minus_conductances"] = g
    ck["layers"] = layers
    try JSONSerialization.data(withJSONObject: ck).write(to: URL(fileURLWithPath: path("e.json")))
    let e = try runXbarsim(["evaluate", "--checkpoint", path("e.json"), "--data", data.path])
    if status == 0 {
      #expect(e.status == 0, "\(e.stderr)")
    } else {
      expectOneLineError(
        e, status,
        "\(path("e.json")): layers[1].minus_conductances[3] is \(JSONWriter.number(value)), which reads \(JSONWriter.number(value)) G_max through its scale 1: above its range's top by more than 10 G_max, where no programming lands")
    }
  }
}

@Test func aStuckMapsRowPastAnyNetworkIsOutsideIt() throws {
  let root = FileManager.default.temporaryDirectory.appendingPathComponent("xbarsim-s85-map-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("map.csv").path
  try "layer,row,column,polarity,state\n0,123456789012345678901,0,plus,open\n".write(toFile: file, atomically: true, encoding: .utf8)
  #expect(throws: ConfigurationError.self) { try StuckMap.read(file) }
  do { _ = try StuckMap.read(file) } catch let e as ConfigurationError {
    #expect(e.message.hasSuffix("line 2: row 123456789012345678901 is outside any network (this reader takes at most 99999999)"), "\(e.message)")
  }
  try "layer,row,column,polarity,state\n0,12x,0,plus,open\n".write(toFile: file, atomically: true, encoding: .utf8)
  do { _ = try StuckMap.read(file) } catch let e as ConfigurationError {
    #expect(e.message.contains("row must be a whole number ≥ 0, a range a-b or *, got '12x'"), "\(e.message)")
  }
}

@Test func evaluatesHelpNamesOffChipCheckpointsAndTheCheckpointsDefaults() throws {
  let r = try runXbarsim(["evaluate", "--help"])
  #expect(r.status == 0)
  let text = r.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
  #expect(text.contains("(rules lim, on chip or off chip: the arrays it programmed, hybrid and single)"), "\(r.stdout)")
  #expect(text.contains("default: the checkpoint's read_time"), "\(r.stdout)")
  #expect(text.contains("Here, unless given: the checkpoint's."), "\(r.stdout)")
}
