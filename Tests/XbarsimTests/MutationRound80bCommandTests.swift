import Foundation
import Testing
import _TestSupport

// Mutation round 80b: `xbarsim evaluate`'s counts, keys and notes. A checkpoint of a run that
// went on from another counts the devices' images of both runs; test_limit reads that many test
// images; a summary without drift_times has no drift list nor refresh; only the drift keys'
// notes are printed (the checkpoint's other settings were its run's, noted then).

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

@Test func evaluateCountsTheDevicesImagesOfEveryRunAndTheTestLimit() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-evaluate-80b-chain", train: 40, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let first = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", path("ck1.json")])
  #expect(first.status == 0, "\(first.stderr)")
  let second = try runXbarsim(
    ["train", "--data", data.path, "--evals-per-epoch", "1", "--quiet", "--checkpoint-in", path("ck1.json"), "--checkpoint-out",
     path("ck2.json")])
  #expect(second.status == 0, "\(second.stderr)")
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck2.json"), "--data", data.path, "--test-limit", "20", "--summary", path("e.json")])
  #expect(e.status == 0, "\(e.stderr)")
  #expect(e.stdout.hasPrefix("\(path("ck2.json")) (80 training images): test accuracy "), "\(e.stdout)")
  #expect(e.stdout.contains(" % of 20 images, "), "\(e.stdout)")
  let v = try json(path("e.json"))
  #expect(v["train_images"] as? Int == 80 && v["test_images"] as? Int == 20)
  // Without drift_times: neither a drift list nor a refresh.
  #expect(v["drift"] == nil && v["refresh"] == nil, "\(v.keys.sorted())")
  #expect(e.stderr.isEmpty, "\(e.stderr)")
}

@Test func evaluatePrintsOnlyTheDriftKeysNotes() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-evaluate-80b-notes", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  // A terminal resistance far beyond a line's cells: train notes it; evaluate does not (the
  // checkpoint's settings were its run's).
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--epochs", "1", "--evals-per-epoch", "1", "--quiet", "--wires", "resistive",
     "--r-driver", "2000000", "--checkpoint-out", path("ck.json")])
  #expect(t.status == 0 && t.stderr.contains("note: r_driver"), "\(t.stderr)")
  let plain = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path])
  #expect(plain.status == 0 && plain.stderr.isEmpty, "\(plain.stderr)")
  let n = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--drift-nu", "0.1"])
  #expect(n.status == 0, "\(n.stderr)")
  let lines = n.stderr.split(separator: "\n")
  #expect(lines.count == 1 && lines[0].hasPrefix("note: drift_nu without drift_times"), "\(n.stderr)")
  // A note that says "drift" without being a drift key's: the disturb model's ("both devices
  // of a pair drift towards G_max") is the run's, not evaluate's (it had been printed).
  let h = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--layers", "64,8,10", "--epochs", "1", "--evals-per-epoch", "1", "--quiet",
     "--write-voltage", "1.6", "--checkpoint-out", path("hybrid.json")])
  #expect(h.status == 0 && h.stderr.contains("drift towards G_max"), "\(h.stderr)")
  let d = try runXbarsim(["evaluate", "--checkpoint", path("hybrid.json"), "--data", data.path])
  #expect(d.status == 0 && d.stderr.isEmpty, "\(d.stderr)")
}

// An off-chip run's checkpoint is read as on-chip arrays are, but since session 85 the
// summary's configuration keeps the run's learning and transfer (a walkthrough found it
// written on-chip beside the program_verify an on-chip run refuses).
@Test func evaluateOfAnOffChipCheckpointSummarizesItsOffChipConfiguration() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-evaluate-80b-off-chip", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--learning", "off-chip", "--transfer", "weights", "--evals-per-epoch", "1",
     "--quiet", "--checkpoint-out", path("ck.json")])
  #expect(t.status == 0, "\(t.stderr)")
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path("e.json")])
  #expect(e.status == 0, "\(e.stderr)")
  let c = try #require(try json(path("e.json"))["configuration"] as? [String: Any])
  #expect(c["learning"] as? String == "off-chip" && c["transfer"] as? String == "weights", "\(c)")
}
