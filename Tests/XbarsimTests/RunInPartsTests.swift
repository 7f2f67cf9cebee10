import Foundation
import Testing
import _TestSupport

import Peripherals
import Trainer
@testable import xbarsim

// A run in parts (session 68): a job stopped and gone on with `--epochs
// rest` reported only its last part (its accuracy over the last 10 % of
// that part's points); the checkpoint now carries the run's record
// (`run`), and the last part's summary says what the whole run did
// (`run`), as one uninterrupted run says it.

private func json(_ url: URL) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

private let wholeKeys = [
  "test_accuracy", "accuracy_mean_last", "accuracy_min_last", "accuracy_max_last", "train_images", "pulses",
  "repotentiation_pulses", "resets", "evaluation_points",
]

@Test func theLastPartOfARunInPartsReportsTheWholeRun() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-run-in-parts", train: 200, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "4", "--quiet", "--seed", "5"]
  // (Long enough that a save is seen before the run ends on a loaded
  // machine: review 68.)
  let epochs = 200
  let wholeSummary = root.appendingPathComponent("whole.json"), wholeCheckpoint = root.appendingPathComponent("wc.json")
  let w = try runXbarsim(common + ["--epochs", "\(epochs)", "--summary", wholeSummary.path, "--checkpoint-out", wholeCheckpoint.path])
  #expect(w.status == 0, "\(w.stderr)")
  let whole = try json(wholeSummary)
  // One part: no `run` in its summary (its own numbers are the run's), a
  // record of one part in its checkpoint, with every point and count.
  #expect(whole["run"] == nil)
  let record = try #require(try Checkpoint.read(wholeCheckpoint.path).place.run)
  #expect(record.parts == 1 && record.start == 0 && record.points.count == 4 * epochs)
  #expect(record.pulses == whole["pulses"] as? Int && record.resets == whole["resets"] as? Int)
  #expect(record.points.last?.accuracy == whole["test_accuracy"] as? Double)
  #expect(!w.stdout.contains("the whole run"))

  // The same run killed (SIGKILL) after a periodic save, then gone on.
  // (Saves come at every point and epoch end here; tried again until the
  // one killed in is inside an epoch, after a point: at most 8 tries.)
  let killed = root.appendingPathComponent("killed.json")
  func killedRun() throws -> Checkpoint.Saved {
    try? FileManager.default.removeItem(at: killed)
    let p = Process()
    p.executableURL = productExecutable("xbarsim")
    p.arguments = common + ["--epochs", "\(epochs)", "--checkpoint-out", killed.path, "--checkpoint-every", "0.00000001"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(60)
    while (try? Checkpoint.read(killed.path)) == nil && p.isRunning && Date() < deadline { usleep(500) }
    // (A run that ended first left its end, which the loop below tries
    // again.)
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    return try Checkpoint.read(killed.path)
  }
  var saved = try killedRun()
  for _ in 0..<7 where saved.place.epochImages == 0 || saved.place.run?.points.last?.images != saved.devicesTrainImages {
    saved = try killedRun()
  }
  let part1 = try #require(saved.place.run)
  #expect(part1.parts == 1 && part1.start == 0)
  #expect(part1.points.map(\.images) == record.points.prefix(part1.points.count).map(\.images))
  #expect(part1.points.map(\.accuracy) == record.points.prefix(part1.points.count).map(\.accuracy))
  #expect(part1.points.last.map { $0.images <= saved.devicesTrainImages } ?? true)

  // Gone on in two parts (the second stopped by its own kill is what the
  // first part tested; here a finished part after it): the last part's
  // summary and line give the whole run's numbers.
  let goOn = root.appendingPathComponent("goon.json"), summary = root.appendingPathComponent("s.json")
  let r = try runXbarsim(common + ["--epochs", "rest", "--checkpoint-in", killed.path, "--checkpoint-out", goOn.path, "--summary", summary.path])
  #expect(r.status == 0, "\(r.stderr)")
  let s = try json(summary)
  let run = try #require(s["run"] as? [String: Any])
  #expect(run["parts"] as? Int == 2)
  for key in wholeKeys {
    #expect((run[key] as? NSNumber) == (whole[key] as? NSNumber), "\(key): \(run[key] ?? "none") against \(whole[key] ?? "none")")
  }
  // Its energy and latency per image too (session 69), to the ninth digit:
  // a network built from a checkpoint sums its lines' loads anew, where
  // the uninterrupted run's sums had kept pace with every pulse.
  for key in ["energy_per_image_joules", "latency_per_image_seconds"] {
    let a = try #require(run[key] as? Double), b = try #require(whole[key] as? Double)
    #expect(b > 0 && abs(a - b) <= 1e-8 * b, "\(key): \(a) against \(b)")
  }
  let seconds = try #require(run["seconds_train"] as? Double)
  #expect(seconds > 0 && seconds > (s["seconds_train"] as? Double ?? .infinity), "\(seconds)")
  #expect((s["train_images"] as? Int).map { $0 < epochs * 200 } == true)
  #expect(r.stdout.contains("the whole run (2 parts, \(epochs * 200) images in "), "\(r.stdout)")
  #expect(r.stdout.contains(" s train): test accuracy") && r.stdout.contains("; per training image: energy "), "\(r.stdout)")
  // Its checkpoint carries the record on: the whole run's.
  var carried = try #require(try Checkpoint.read(goOn.path).place.run)
  let carriedLedger = try #require(carried.ledger), recordLedger = try #require(record.ledger)
  #expect(abs(carriedLedger.energy - recordLedger.energy) <= 1e-8 * recordLedger.energy)
  #expect(abs(carriedLedger.latency - recordLedger.latency) <= 1e-12 * recordLedger.latency)
  // (The summary's number as Foundation's JSON parser reads it: its last
  // digit may differ.)
  #expect(carried.secondsTrain.map { abs($0 - seconds) <= 1e-12 * seconds } == true)
  carried.ledger = nil
  carried.secondsTrain = nil
  #expect(carried == RunRecord(
    start: 0, parts: 2, pulses: record.pulses, repotentiations: record.repotentiations, resets: record.resets, points: record.points,
    secondsTrain: nil, ledger: nil, epochs: epochs, switchEpoch: nil))
  #expect(run["epochs"] as? Int == epochs && run["phase_switch_epoch"] is NSNull)

  // A part whose predecessor stopped inside a point's evaluation (that
  // point missing from the record, where the devices stand): it takes the
  // point at its start, and the whole run's points are all there.
  do {
    let last = try #require(part1.points.last)
    #expect(last.images == saved.devicesTrainImages && saved.place.epochImages > 0)
    var text = try String(contentsOf: killed, encoding: .utf8)
    let pointText = "[\(last.images), \(JSONWriter.number(last.accuracy))]"
    #expect(text.contains(pointText))
    text = text.replacingOccurrences(of: ", " + pointText, with: "").replacingOccurrences(of: pointText, with: "")
    let cut = root.appendingPathComponent("cut.json")
    try text.write(to: cut, atomically: false, encoding: .utf8)
    let c = try runXbarsim(common + ["--epochs", "rest", "--checkpoint-in", cut.path, "--summary", summary.path])
    #expect(c.status == 0, "\(c.stderr)")
    let cs = try json(summary)
    #expect(cs["evaluation_points"] as? Int == (s["evaluation_points"] as? Int).map { $0 + 1 })
    let crun = try #require(cs["run"] as? [String: Any])
    for key in wholeKeys {
      #expect((crun[key] as? NSNumber) == (whole[key] as? NSNumber), "\(key)")
    }
  }

  // Another run from the devices (another epoch count than the rest):
  // its own record begins there, and its summary has no `run`.
  let other = root.appendingPathComponent("other.json")
  let o = try runXbarsim(common + ["--epochs", "1", "--checkpoint-in", killed.path, "--checkpoint-out", other.path, "--summary", summary.path])
  #expect(o.status == 0, "\(o.stderr)")
  #expect(try json(summary)["run"] == nil)
  let fresh = try #require(try Checkpoint.read(other.path).place.run)
  #expect(fresh.parts == 1 && fresh.start == saved.devicesTrainImages)

  // A record without seconds and ledger (saved in session 68): the rest
  // goes on with it, the whole run's seconds and energy not known (null,
  // and left out of its line).
  do {
    let text = try String(contentsOf: killed, encoding: .utf8)
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("  \"run\": ") }.map(String.init))
    let cut = line.replacingOccurrences(
      of: #", "seconds_train": [^,]*, "epochs": \d+(, "switch_epoch": \d+)?, "ledger": \{[^}]*\}"#, with: "", options: .regularExpression)
    #expect(cut != line && !cut.contains("ledger") && !cut.contains("seconds"), "\(cut)")
    let old = root.appendingPathComponent("session68.json")
    try text.replacingOccurrences(of: line, with: cut).write(to: old, atomically: false, encoding: .utf8)
    let g = try runXbarsim(common + ["--epochs", "rest", "--checkpoint-in", old.path, "--checkpoint-out", other.path, "--summary", summary.path])
    #expect(g.status == 0, "\(g.stderr)")
    let grun = try #require(try json(summary)["run"] as? [String: Any])
    for key in wholeKeys {
      #expect((grun[key] as? NSNumber) == (whole[key] as? NSNumber), "\(key)")
    }
    for key in ["seconds_train", "energy_per_image_joules", "latency_per_image_seconds", "energy_breakdown_joules", "epochs"] {
      #expect(grun[key] is NSNull, "\(key): \(grun[key] ?? "none")")
    }
    #expect(g.stdout.contains("the whole run (2 parts, \(epochs * 200) images): test accuracy"), "\(g.stdout)")
    #expect(!g.stdout.contains("resets; per training image"))
    let carriedOld = try #require(try Checkpoint.read(other.path).place.run)
    #expect(carriedOld.parts == 2 && carriedOld.ledger == nil && carriedOld.secondsTrain == nil && carriedOld.epochs == nil)
  }

  // A checkpoint without a record (saved before session 68): the rest
  // goes on, its summary without `run`, its checkpoint without a record.
  var text = try String(contentsOf: killed, encoding: .utf8)
  let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("  \"run\": ") })
  text = text.replacingOccurrences(of: line + "\n", with: "")
  let old = root.appendingPathComponent("old.json")
  try text.write(to: old, atomically: false, encoding: .utf8)
  let b = try runXbarsim(common + ["--epochs", "rest", "--checkpoint-in", old.path, "--checkpoint-out", other.path, "--summary", summary.path])
  #expect(b.status == 0, "\(b.stderr)")
  #expect(try json(summary)["run"] == nil)
  #expect(try Checkpoint.read(other.path).place.run == nil)
}

@Test func aCheckpointsRunRecordIsCheckedAndItsErrorsNameTheKey() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-run-record-errors", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--quiet"]
  let ck = root.appendingPathComponent("c.json")
  #expect(try runXbarsim(common + ["--checkpoint-out", ck.path]).status == 0)
  let text = try String(contentsOf: ck, encoding: .utf8)
  let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("  \"run\": ") }.map(String.init))
  #expect(line.hasPrefix("  \"run\": {\"start\": 0, \"parts\": 1, \"pulses\": "), "\(line)")
  let bad = root.appendingPathComponent("bad.json")
  for (edit, words) in [
    ({ (l: String) in l.replacingOccurrences(of: "\"parts\": 1", with: "\"parts\": 0") }, ["'run'", "'parts'", "1…"]),
    ({ (l: String) in l.replacingOccurrences(of: "\"start\": 0", with: "\"start\": 21") }, ["'run'", "'start'", "0…20"]),
    ({ (l: String) in l.replacingOccurrences(of: "\"parts\": 1", with: "\"parts\": 1, \"part\": 1") }, ["'run'", "unknown key 'part'"]),
    ({ (l: String) in l.replacingOccurrences(of: "[10, ", with: "[30, ") }, ["'run'", "'points'", "ascending"]),
    ({ (l: String) in l.replacingOccurrences(of: "\"pulses\": ", with: "\"pulses\": -") }, ["'run'", "'pulses'"]),
    ({ (l: String) in l.replacingOccurrences(of: "\"seconds_train\": ", with: "\"seconds_train\": -") }, ["'run'", "'seconds_train'", "≥ 0"]),
    ({ (l: String) in l.replacingOccurrences(of: "\"ledger\": {", with: "\"ledger\": {\"energy\": 1, ") }, ["'run'", "'ledger'", "unknown key 'energy'"]),
    ({ (l: String) in l.replacingOccurrences(of: "\"program\": ", with: "\"programme\": ") }, ["'run'", "'ledger'", "'programme'"]),
    ({ (l: String) in l.replacingOccurrences(of: "\"ledger\": {\"read\": ", with: "\"ledger\": {\"read\": -") }, ["'run'", "'ledger.read'", "≥ 0"]),
    ({ (l: String) in l.replacingOccurrences(of: #""ledger": \{[^}]*\}"#, with: "\"ledger\": 3", options: .regularExpression) }, ["'run'", "'ledger' must be an object"]),
  ] {
    let edited = text.replacingOccurrences(of: line, with: edit(line))
    #expect(edited != text)
    try edited.write(to: bad, atomically: false, encoding: .utf8)
    let r = try runXbarsim(common + ["--checkpoint-in", bad.path])
    #expect(r.status != 0)
    let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.hasPrefix("Error: \(bad.path): "), "\(first)")
    for w in words { #expect(first.contains(w), "'\(w)' not in: \(first)") }
  }
}

/// A record's seconds and ledger, written and read back (session 69): every
/// component under its own key, one not booked left out and read as not
/// booked, a record without them read as without.
@Test func aRunRecordsSecondsAndLedgerAreReadBackAsWritten() throws {
  func read(_ r: RunRecord) throws -> RunRecord {
    try Checkpoint.readRun(JSONValue.parse(Data(Checkpoint.runJSON(r).utf8)), devicesImages: 20) { CLIError.runtime($0) }
  }
  var e = EnergyLedger()
  (e.read, e.program, e.reset, e.adc, e.dac, e.readTime, e.updateTime) = (1e-9, 2e-9, 3e-9, 4e-9, 5e-9, 6e-3, 7e-3)
  e.updateLines = 8e-9
  var r = RunRecord(start: 0, parts: 2, points: [.init(images: 5, accuracy: 12.5)], secondsTrain: 0.125, ledger: e, epochs: 4, switchEpoch: 3)
  #expect(try read(r) == r)
  #expect(Checkpoint.runJSON(r).contains("\"epochs\": 4, \"switch_epoch\": 3"))
  #expect(!Checkpoint.runJSON(r).contains("half_select") && !Checkpoint.runJSON(r).contains("read_lines"))
  e.halfSelect = 9e-9
  e.readLines = 1e-12
  e.updateLines = nil
  r.ledger = e
  #expect(try read(r) == r)
  r.ledger = nil
  r.secondsTrain = nil
  r.epochs = nil
  r.switchEpoch = nil
  #expect(try read(r) == r)
  // A switch after the epochs recorded, or without them, is refused.
  for bad in [", \"epochs\": 2, \"switch_epoch\": 3", ", \"switch_epoch\": 1"] {
    let text = Checkpoint.runJSON(r).replacingOccurrences(of: ", \"points\"", with: bad + ", \"points\"")
    #expect(throws: CLIError.self) {
      try Checkpoint.readRun(JSONValue.parse(Data(text.utf8)), devicesImages: 20) { CLIError.runtime($0) }
    }
  }
  #expect(!Checkpoint.runJSON(r).contains("ledger") && !Checkpoint.runJSON(r).contains("seconds"))
}
