import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Findings of session 69's walkthroughs (a hostile environment, numeric
// extremes).

private func json(_ url: URL) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// `inspect` stopped by SIGTERM had exited with nothing written, every
/// sample it had inspected lost: it now ends after the sample in progress
/// and writes the samples done (rules lim and hybrid).
@Test(arguments: [["--rule", "lim"], ["--rule", "hybrid"], ["--rule", "lim", "--batch", "3"]])
func inspectStoppedBySIGTERMWritesTheSamplesDone(options: [String]) throws {
  let rule = options[1], batch = options.count > 2 ? 3 : 1
  let (root, data) = try syntheticDataDirectory("xbarsim-inspect-stop-\(rule)-\(batch)", train: 3000, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out"), err = root.appendingPathComponent("err.txt")
  let said = root.appendingPathComponent("out.txt")
  FileManager.default.createFile(atPath: err.path, contents: nil)
  FileManager.default.createFile(atPath: said.path, contents: nil)
  let p = Process()
  p.executableURL = productExecutable("xbarsim")
  p.arguments = ["inspect", "--data", data.path, "--layers", "64,30,10", "--samples", "3000", "--out", out.path] + options
  p.standardOutput = try FileHandle(forWritingTo: said)
  p.standardError = try FileHandle(forWritingTo: err)
  try p.run()
  // Stopped once two samples are done (their lines on standard error).
  let deadline = Date().addingTimeInterval(120)
  while p.isRunning && Date() < deadline && !((try? String(contentsOf: err, encoding: .utf8))?.contains("sample 2/3000") ?? false) {
    usleep(2_000)
  }
  kill(p.processIdentifier, SIGTERM)
  p.waitUntilExit()
  let text = try String(contentsOf: err, encoding: .utf8)
  #expect(p.terminationReason == .exit && p.terminationStatus == 143, "\(p.terminationStatus): \(text.suffix(300))")
  let line = try #require(text.split(separator: "\n").last.map(String.init))
  let match = try #require(line.firstMatch(of: /^Error: interrupted after (\d+) of 3000 samples: .* holds those (\d+)$/), "\(line)")
  let done = try #require(Int(match.1))
  #expect(done >= 2 && done < 3000 && match.2 == match.1)
  let samples = try #require(try json(out.appendingPathComponent("inspect.json"))["samples"] as? [Any])
  #expect(samples.count == done)
  // Its result line counts the samples done (mutation round 69).
  let result = try String(contentsOf: said, encoding: .utf8)
  #expect(result.hasPrefix("inspected \(done) sample(s): "), "\(result.prefix(200))")
  // With mini-batches, the open one is of the samples done (mutation
  // round 69's last survivor).
  if batch > 1 {
    let open = "inspect: the last mini-batch is open (\(done % batch) of its \(batch) samples inspected)"
    #expect(text.contains(open) == (done % batch != 0), "\(done): \(text.suffix(400))")
  }
}

/// A sweep resumed in a directory whose point-P.json of a finished point
/// was emptied or removed had kept that row without its summary, silently:
/// the point is trained again (its row the same, but for the clock's
/// images/s), with a note. A merge made before session 49, which holds no
/// point files at all, keeps its rows.
@Test func aResumedSweepTrainsAgainAPointWhosePointFileIsGone() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-sweep-point-files", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("s")
  let sweep = [
    "sweep", "--data", data.path, "--rule", "lim", "--layers", "64,8,10", "--evals-per-epoch", "2", "--train-limit", "40",
    "--test-limit", "10", "--grid", "seed=1,2,3",
  ]
  #expect(try runXbarsim(sweep + ["--out", out.path, "--quiet"]).status == 0)
  let csv = out.appendingPathComponent("sweep.csv")
  let before = try String(contentsOf: csv, encoding: .utf8)
  let point = { (p: Int) in out.appendingPathComponent("point-\(p).json") }
  let kept = try Data(contentsOf: point(0))
  try Data().write(to: point(1))
  try FileManager.default.removeItem(at: point(2))
  let r = try runXbarsim(sweep + ["--out", out.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("note: sweep: \(out.path): points 1, 2 in sweep.csv have no point-P.json giving their row (missing or changed): trained again"), "\(r.stderr)")
  #expect(try Data(contentsOf: point(0)) == kept)
  // The rows again, images/s (the clock's) aside; every point file gives its row.
  let rate = try #require(before.split(separator: "\n")[0].split(separator: ",").firstIndex(of: "images_per_second"))
  func steady(_ text: String) -> [[Substring]] {
    text.split(separator: "\n").map { line in
      var cells = line.split(separator: ",", omittingEmptySubsequences: false)
      cells[rate] = ""
      return cells
    }
  }
  let after = try String(contentsOf: csv, encoding: .utf8)
  #expect(steady(after) == steady(before))
  for line in after.split(separator: "\n").dropFirst() {
    #expect(SweepCommand.pointFileGives(line.split(separator: ",", omittingEmptySubsequences: false).map(String.init), try SweepCommand.readShard(out.path).grid, in: out.path))
  }
  // Run again: nothing to train, no note.
  let again = try runXbarsim(sweep + ["--out", out.path])
  #expect(again.status == 0 && !again.stderr.contains("trained again") && again.stderr.contains("3 of 3 point(s) already done"), "\(again.stderr)")

  // A merge without any point file (as before session 49): kept.
  let shards = (0..<2).map { root.appendingPathComponent("h\($0)") }
  for (i, dir) in shards.enumerated() {
    #expect(try runXbarsim(sweep + ["--shard", "\(i)/2", "--quiet", "--out", dir.path]).status == 0)
  }
  let merged = root.appendingPathComponent("m")
  #expect(try runXbarsim(["sweep", "merge", shards[0].path, shards[1].path, "--out", merged.path]).status == 0)
  for p in 0..<3 { try? FileManager.default.removeItem(at: merged.appendingPathComponent("point-\(p).json")) }
  let m = try runXbarsim(sweep + ["--out", merged.path])
  #expect(m.status == 0 && !m.stderr.contains("trained again"), "\(m.stderr)")
}

/// A device on standard input (`solve - < /dev/zero`) had been read to the
/// 1 GiB limit, a gigabyte of memory, before its refusal: refused at once,
/// as a path to one is.
@Test func aDeviceOnStandardInputIsRefusedAtOnce() throws {
  let dir = try Scratch.directory("xbarsim-stdin-device")
  defer { try? FileManager.default.removeItem(at: dir) }
  for command in ["solve -", "spice -", "line --problem - --row 0 --capacitance 1e-15"] {
    let r = try runShell("\"$1\" \(command) < /dev/zero", in: dir)
    expectOneLineError(r, 1, "standard input: cannot read (not a regular file or pipe: a device)")
  }
}

/// A hybrid run in parts whose switch to fine tuning came in an earlier
/// part: the last part's summary had `phase_switch_epoch` null (its own
/// run began fine) and nothing said where the whole run switched; its
/// `run` now gives the whole run's epochs and switch, the uninterrupted
/// run's.
@Test func aHybridRunInPartsSaysWhereTheWholeRunSwitched() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-whole-run-switch", train: 200, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = [
    "train", "--data", data.path, "--rule", "hybrid", "--layers", "64,8,10", "--evals-per-epoch", "2", "--quiet", "--seed", "3",
    "--switch-threshold", "50", "--epochs", "60",
  ]
  let whole = root.appendingPathComponent("whole.json")
  let w = try runXbarsim(common + ["--summary", whole.path])
  #expect(w.status == 0, "\(w.stderr)")
  let switched = try #require(try json(whole)["phase_switch_epoch"] as? Int)
  // Killed after a save in phase fine, within the run.
  let ck = root.appendingPathComponent("ck.json")
  var saved: Checkpoint.Saved? = nil
  for _ in 0..<8 where saved == nil {
    try? FileManager.default.removeItem(at: ck)
    let p = Process()
    p.executableURL = productExecutable("xbarsim")
    p.arguments = common + ["--checkpoint-out", ck.path, "--checkpoint-every", "0.00000001"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(60)
    while p.isRunning && Date() < deadline && (try? Checkpoint.read(ck.path))?.place.run?.switchEpoch == nil { usleep(500) }
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    if let s = try? Checkpoint.read(ck.path), s.place.run?.switchEpoch != nil, s.devicesTrainImages < 60 * 200 { saved = s }
  }
  let record = try #require(saved?.place.run)
  #expect(record.switchEpoch == switched && (record.epochs ?? 0) >= switched)
  let summary = root.appendingPathComponent("s.json")
  let r = try runXbarsim(Array(common.dropLast(2)) + ["--epochs", "rest", "--checkpoint-in", ck.path, "--summary", summary.path])
  #expect(r.status == 0, "\(r.stderr)")
  let s = try json(summary)
  #expect(s["phase_switch_epoch"] is NSNull)
  let run = try #require(s["run"] as? [String: Any])
  #expect(run["phase_switch_epoch"] as? Int == switched && run["epochs"] as? Int == 60, "\(run)")
  #expect(r.stdout.contains("; switched to fine tuning after its epoch \(switched)"), "\(r.stdout)")
}
