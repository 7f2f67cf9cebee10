import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// Mutation round 68 (a run in parts: the checkpoint's `run`, the whole
// run's summary and line): the survivors, each held by what the
// documentation says.

private func readRun(_ text: String, devices: Int = 20) throws -> RunRecord {
  try Checkpoint.readRun(JSONValue.parse(Data(text.utf8)), devicesImages: devices) { CLIError.runtime($0) }
}

private func json(_ url: URL) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// A record written and read back is the same record: every count (each
/// under its own key), the window's start, every point (mutants: the
/// window left out, written or read; the resets written for the
/// re-potentiations).
@Test func aRunRecordIsReadBackAsWritten() throws {
  let r = RunRecord(
    start: 3, parts: 2, pulses: 11, repotentiations: 5, resets: 7, windowStart: -4,
    points: [.init(images: 5, accuracy: 12.5), .init(images: 9, accuracy: 100), .init(images: 20, accuracy: 0)])
  #expect(try readRun(Checkpoint.runJSON(r)) == r)
  var none = r
  none.windowStart = nil
  #expect(try readRun(Checkpoint.runJSON(none)) == none)
}

/// `points`: images ascending, after the start and at most the devices'
/// images, integers; accuracies 0…100; pairs (mutants: each of these
/// checks loosened).
@Test(arguments: [
  "[[5, 10], [5, 20]]",  // not ascending: equal
  "[[9, 10], [7, 20]]",  // not ascending, yet after the start
  "[[3, 10]]",  // at the start, not after it
  "[[21, 10]]",  // beyond the devices' images
  "[[5, 100.5]]", "[[5, -0.5]]",  // not a percentage
  "[[5, 10, 1]]",  // not a pair
  "[[5.5, 10]]",  // not an integer
])
func aRunRecordsPointsAreChecked(points: String) throws {
  let text = "{\"start\": 3, \"parts\": 1, \"pulses\": 0, \"repotentiation_pulses\": 0, \"resets\": 0, \"points\": \(points)}"
  #expect(try readRun(text.replacingOccurrences(of: points, with: "[[5, 10], [20, 100]]")).points.count == 2)
  do {
    let r = try readRun(text)
    Issue.record("accepted: \(r.points)")
  } catch let CLIError.runtime(message) {
    #expect(message.contains("'run': 'points'"), "\(message)")
  }
}

/// Off-chip learning's checkpoint carries no run (no run goes on with its
/// arrays); a hybrid run's carries its record as a lim run's does
/// (mutants: off-chip given a record; the hybrid's left out).
@Test func whichCheckpointsCarryARunRecord() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut68-records", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--quiet"]
  for (name, options, carries) in [
    ("lim", [String](), true), ("hybrid", ["--rule", "hybrid"], true), ("off-chip", ["--learning", "off-chip"], false),
  ] {
    let ck = root.appendingPathComponent("\(name).json")
    let r = try runXbarsim(common + options + ["--checkpoint-out", ck.path])
    #expect(r.status == 0, "\(name): \(r.stderr)")
    let run = try Checkpoint.read(ck.path).place.run
    if carries {
      #expect(run?.parts == 1 && run?.start == 0 && run?.points.map(\.images) == [20, 40], "\(name): \(String(describing: run))")
    } else {
      #expect(run == nil, "\(name)")
    }
  }
}

/// A run whose first part began on trained devices (`start` > 0): the
/// whole run's training images are its parts', from that start (mutant:
/// counted from the devices' first image); the line's counts are the
/// summary's (mutant: its resets the pulses).
@Test func aRunInPartsFromTrainedDevicesCountsItsOwnImages() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut68-start", train: 100, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--quiet", "--seed", "3"]
  let a = root.appendingPathComponent("a.json"), b = root.appendingPathComponent("b.json")
  #expect(try runXbarsim(common + ["--checkpoint-out", a.path]).status == 0)
  // A run of its own from a's devices, made (by its run_end_images) a
  // two-epoch run stopped after its first: its record begins at 100.
  let rb = try runXbarsim(common + ["--checkpoint-in", a.path, "--checkpoint-out", b.path])
  #expect(rb.status == 0, "\(rb.stderr)")
  let text = try String(contentsOf: b, encoding: .utf8)
  let edited = text.replacingOccurrences(of: "\"run_end_images\": 200,", with: "\"run_end_images\": 300,")
  #expect(edited != text)
  try edited.write(to: b, atomically: false, encoding: .utf8)
  let before = try #require(try Checkpoint.read(b.path).place.run)
  #expect(before.start == 100 && before.parts == 1 && before.points.map(\.images) == [150, 200])
  let summary = root.appendingPathComponent("s.json")
  let r = try runXbarsim(common + ["--checkpoint-in", b.path, "--epochs", "rest", "--summary", summary.path])
  #expect(r.status == 0, "\(r.stderr)")
  let s = try json(summary)
  let run = try #require(s["run"] as? [String: Any])
  #expect(run["parts"] as? Int == 2 && run["train_images"] as? Int == 200 && run["evaluation_points"] as? Int == 4, "\(run)")
  let pulses = try #require(run["pulses"] as? Int), resets = try #require(run["resets"] as? Int)
  #expect(pulses == before.pulses + (s["pulses"] as? Int ?? -1) && resets == before.resets + (s["resets"] as? Int ?? -1))
  #expect(pulses != resets)
  #expect(r.stdout.contains("the whole run (2 parts, 200 images in "), "\(r.stdout)")
  #expect(r.stdout.contains("; \(pulses) pulses, \(resets) resets"), "\(r.stdout)")
}
