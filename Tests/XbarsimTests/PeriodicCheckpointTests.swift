import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// `train --checkpoint-every MINUTES` (session 45): the checkpoint is also
// saved during the run, so a run killed with SIGKILL (a crash, an OOM kill,
// a node lost) goes on from its last save with `--checkpoint-in`, and the
// note there names the epochs that end where the killed run would have.
// (ExperimentGoesOnTests checks every save's state in the library.)

private func expectError(_ r: ProcessResult, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(r.status != 0, "\(r.stderr)", sourceLocation: sourceLocation)
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
  for w in words { #expect(first.contains(w), "'\(w)' not in: \(first)", sourceLocation: sourceLocation) }
}

/// Starts `xbarsim` with `arguments` (standard error to `stderr`, else
/// nowhere) and returns once `checkpoint` holds a whole checkpoint (the
/// output check's probe makes and removes the file before training), the
/// run ended, or a minute passed.
private func startAndAwaitFirstSave(_ arguments: [String], checkpoint: URL, stderr: Pipe? = nil) throws -> Process {
  let p = Process()
  p.executableURL = productExecutable("xbarsim")
  p.arguments = arguments
  p.standardOutput = FileHandle.nullDevice
  p.standardError = stderr ?? FileHandle.nullDevice
  try p.run()
  let deadline = Date().addingTimeInterval(60)
  while (try? Checkpoint.read(checkpoint.path)) == nil && p.isRunning && Date() < deadline { usleep(500) }
  return p
}

@Test func aRunKilledWithSIGKILLGoesOnFromItsLastPeriodicCheckpoint() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-periodic-checkpoint", train: 200, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let epochs = 30
  let common = [
    "train", "--data", data.path, "--layers", "64,8,10", "--rule", "hybrid", "--evals-per-epoch", "4", "--quiet",
    "--seed", "5",
  ]
  let whole = root.appendingPathComponent("whole.json"), killed = root.appendingPathComponent("killed.json")
  let w = try runXbarsim(common + ["--epochs", "\(epochs)", "--checkpoint-out", whole.path])
  #expect(w.status == 0, "\(w.stderr)")
  // The same run with a save at every chance (a microsecond's interval),
  // killed once its first save is there.
  let p = try startAndAwaitFirstSave(
    common + ["--epochs", "\(epochs)", "--checkpoint-out", killed.path, "--checkpoint-every", "0.00000001"], checkpoint: killed)
  #expect(p.isRunning, "the run ended before its first save was seen")
  kill(p.processIdentifier, SIGKILL)
  p.waitUntilExit()
  #expect(p.terminationReason == .uncaughtSignal)
  // A whole checkpoint (saves are renamed into place), before the end.
  let saved = try Checkpoint.read(killed.path)
  let end = try #require(saved.place.runEndImages)
  #expect(end == epochs * 200)
  #expect(saved.devicesTrainImages < end)
  let into = saved.place.epochImages
  let left = (end - saved.devicesTrainImages + into) / 200
  // Going on with `--epochs rest`, the epochs the note names: the run ends on the
  // uninterrupted run's devices, and its own checkpoint knows the same end.
  let goOn = root.appendingPathComponent("goon.json")
  let r = try runXbarsim(common + ["--epochs", "rest", "--checkpoint-in", killed.path, "--checkpoint-out", goOn.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(
    r.stderr.contains(
      "note: the run that saved \(killed.path) had \(end - saved.devicesTrainImages) training images left of its \(epochs) epochs: this run's --epochs \(left) ends where it would have"),
    "\(r.stderr)")
  let a = try Checkpoint.read(goOn.path), b = try Checkpoint.read(whole.path)
  #expect(a.hybrid?.layers.map(\.conductances) == b.hybrid?.layers.map(\.conductances))
  #expect(a.hybrid?.layers.map(\.weights) == b.hybrid?.layers.map(\.weights))
  #expect(a.hybrid?.phase == b.hybrid?.phase)
  #expect(a.devicesTrainImages == end && a.place.runEndImages == end)
  // The saves and the kill left no temporary file beside the checkpoint
  // but the killed write's own, if the kill fell inside one.
  let others = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".tmp") && !$0.contains("killed") }
  #expect(others.isEmpty, "\(others)")
}

@Test func checkpointEveryRefusesWhatItCannotSave() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-periodic-refusals", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet"]
  let out = root.appendingPathComponent("c.json").path
  expectError(try runXbarsim(common + ["--checkpoint-every", "5"]), ["--checkpoint-every", "--checkpoint-out"])
  for bad in ["0", "-1"] {
    expectError(try runXbarsim(common + ["--checkpoint-out", out, "--checkpoint-every", bad]), ["--checkpoint-every", "minutes > 0", "'\(bad)'"])
  }
  expectError(try runXbarsim(common + ["--checkpoint-out", out, "--checkpoint-every", "ten"]), ["--checkpoint-every", "'ten'"])
  expectError(try runXbarsim(common + ["--checkpoint-out", "-", "--checkpoint-every", "1"]), ["--checkpoint-every", "stream"])
  expectError(
    try runXbarsim(common + ["--learning", "off-chip", "--checkpoint-out", out, "--checkpoint-every", "1"]),
    ["--checkpoint-every", "off-chip"])
  // Refused before anything was written.
  #expect(!FileManager.default.fileExists(atPath: out))
  // A checkpoint's run_end_images below its devices' images is refused.
  let ok = try runXbarsim(common + ["--checkpoint-out", out, "--checkpoint-every", "1"])
  #expect(ok.status == 0, "\(ok.stderr)")
  var text = try String(contentsOfFile: out, encoding: .utf8)
  #expect(text.contains("\"run_end_images\": 20,"))
  text = text.replacingOccurrences(of: "\"run_end_images\": 20,", with: "\"run_end_images\": 19,")
  try text.write(toFile: out, atomically: false, encoding: .utf8)
  expectError(try runXbarsim(common + ["--checkpoint-in", out]), ["run_end_images", "devices_train_images (20)", "19"])
}

@Test func epochsRestTrainsWhatTheSavedRunHadLeftOrSaysWhyNot() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-epochs-rest", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "3", "--quiet"]
  let done = root.appendingPathComponent("done.json").path, cut = root.appendingPathComponent("cut.json").path
  expectError(try runXbarsim(common + ["--epochs", "rest"]), ["--epochs rest", "--checkpoint-in"])
  expectError(try runXbarsim(common + ["--epochs", "Rest"]), ["--epochs: expects an integer or rest (lower case), got 'Rest'"])
  // A finished run: nothing is left.
  #expect(try runXbarsim(common + ["--epochs", "2", "--checkpoint-out", done]).status == 0)
  expectError(try runXbarsim(common + ["--checkpoint-in", done, "--epochs", "rest"]), ["--epochs rest", "had ended", "2 epochs", "--epochs N"])
  // A run of 3 epochs cut after its first (its end 90 images, the devices
  // at 30): `run_end_images` edited into a finished one-epoch checkpoint.
  #expect(try runXbarsim(common + ["--epochs", "1", "--checkpoint-out", cut]).status == 0)
  var text = try String(contentsOfFile: cut, encoding: .utf8)
  text = text.replacingOccurrences(of: "\"run_end_images\": 30,", with: "\"run_end_images\": 90,")
  try text.write(toFile: cut, atomically: false, encoding: .utf8)
  let summary = root.appendingPathComponent("s.json")
  let r = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest", "--summary", summary.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("had 60 training images left of its 1 epoch: this run's --epochs 2 ends where it would have"), "\(r.stderr)")
  let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  #expect(s["train_images"] as? Int == 60)
  #expect((s["configuration"] as? [String: Any])?["epochs"] as? Int == 2)
  // Not whole epochs of this run's (another train_limit).
  // Another run: epochs of another size, refused; and no note names an
  // epoch count for it.
  expectError(
    try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest", "--train-limit", "15"]),
    ["--epochs rest", "epochs of 30 training images, this run 15", "another run"])
  let other = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "1", "--train-limit", "15"])
  #expect(other.status == 0, "\(other.stderr)")
  #expect(!other.stderr.contains("ends where it would have"), "\(other.stderr)")
  // Saved inside an epoch that another seed does not go on with.
  // (10 images into epoch 2: 40 seen.)
  text = text.replacingOccurrences(of: "\"epoch_images\": 0,", with: "\"epoch_images\": 10,")
    .replacingOccurrences(of: "\"train_images\": 30,", with: "\"train_images\": 40,")
    .replacingOccurrences(of: "\"devices_train_images\": 30,", with: "\"devices_train_images\": 40,")
  try text.write(toFile: cut, atomically: false, encoding: .utf8)
  expectError(
    try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest", "--seed", "9"]),
    ["--epochs rest", "inside an epoch that this run does not go on with"])
  // (The same seed goes on inside it: the rest of epoch 2, and 3.)
  let inside = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest", "--summary", summary.path])
  #expect(inside.status == 0, "\(inside.stderr)")
  #expect(inside.stderr.contains("had 50 training images left of its 1 epoch: this run's --epochs 2 ends where it would have"), "\(inside.stderr)")
  // The saved run's last updates reaching back before this run's start:
  // those this run has (2 epochs of 30).
  let fin = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest", "--final-iterations", "70", "--summary", summary.path])
  #expect(fin.status == 0, "\(fin.stderr)")
  #expect(fin.stderr.contains("note: final_iterations 70 reach back before this run's start (--epochs rest: 60 updates of its 2 epochs)"), "\(fin.stderr)")
  let f = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  #expect((f["configuration"] as? [String: Any])?["final_iterations"] as? Int == 60)
  // An end more epochs away than a run takes (an edited file).
  try text.replacingOccurrences(of: "\"run_end_images\": 90,", with: "\"run_end_images\": 900000000000000,")
    .write(toFile: cut, atomically: false, encoding: .utf8)
  expectError(try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest"]), ["--epochs rest", "more than a run takes (10000)"])
  // A checkpoint from before run_end_images.
  text = text.replacingOccurrences(of: "  \"run_end_images\": 90,\n", with: "")
  try text.write(toFile: cut, atomically: false, encoding: .utf8)
  expectError(try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest"]), ["--epochs rest", "run_end_images", "--epochs N"])
  // Off-chip learning's checkpoint (the arrays it programmed) is no run's
  // to go on with, and holds no end.
  let off = root.appendingPathComponent("off.json").path
  #expect(try runXbarsim(common + ["--learning", "off-chip", "--checkpoint-out", off]).status == 0)
  #expect(try !String(contentsOfFile: off, encoding: .utf8).contains("run_end_images"))
  expectError(
    try runXbarsim(common + ["--checkpoint-in", off, "--learning", "on-chip", "--epochs", "rest"]),
    ["--epochs rest", "off-chip learning", "--epochs N"])
}

@Test func periodicCheckpointsLockTheirFileAndRefuseFIFOs() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-periodic-lock", train: 200, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--rule", "hybrid", "--evals-per-epoch", "4", "--quiet"]
  // A FIFO is refused (a save into one whose reader had gone hung the run).
  let fifo = root.appendingPathComponent("fifo").path
  #expect(mkfifo(fifo, 0o644) == 0)
  expectError(try runXbarsim(common + ["--checkpoint-out", fifo, "--checkpoint-every", "1"]), ["--checkpoint-every", "not a regular file"])
  // A second run given the file a running one saves to is refused.
  let file = root.appendingPathComponent("net.json")
  let p = try startAndAwaitFirstSave(
    common + ["--epochs", "200", "--checkpoint-out", file.path, "--checkpoint-every", "0.00000001"], checkpoint: file)
  defer { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
  #expect(p.isRunning)
  // Given to write (with periodic saves or without) or to go on from, the
  // file a running run saves to is refused.
  for extra in [["--checkpoint-out", file.path, "--checkpoint-every", "1"], ["--checkpoint-out", file.path], ["--checkpoint-in", file.path]] {
    let second = try runXbarsim(common + ["--epochs", "1"] + extra)
    expectError(second, ["net.json: a running xbarsim train saves its checkpoint there", ".net.json.lock", extra[0]])
  }
  kill(p.processIdentifier, SIGKILL)
  p.waitUntilExit()
  // A temporary file a killed save left is removed by the run that goes on.
  let stale = root.appendingPathComponent(".net.json.4194303.tmp")
  try Data("{".utf8).write(to: stale)
  let goOn = try runXbarsim(common + ["--epochs", "1", "--checkpoint-in", file.path, "--checkpoint-out", root.appendingPathComponent("other.json").path])
  #expect(goOn.status == 0, "\(goOn.stderr)")
  #expect(!FileManager.default.fileExists(atPath: stale.path))
}

/// A save that fails (here its temporary file's name taken by a directory)
/// is said once and the run goes on; saves that work again are said; a
/// failed save at the end names the periodic save the file still holds.
@Test func failedPeriodicSavesAreSaidAndTheLastGoodOneNamed() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-periodic-failure", train: 200, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("net.json")
  let err = Pipe()
  let p = try startAndAwaitFirstSave(
    [
      "train", "--data", data.path, "--layers", "64,8,10", "--rule", "hybrid", "--evals-per-epoch", "4", "--quiet",
      // (300 epochs: the optimised build, session 74, ran 60 before the
      // saves could be blocked.)
      "--epochs", "300", "--checkpoint-out", file.path, "--checkpoint-every", "0.00000001",
    ], checkpoint: file, stderr: err)
  nonisolated(unsafe) var stderr = Data()
  let reader = Thread { stderr = err.fileHandleForReading.readDataToEndOfFile() }
  reader.start()
  let blocker = root.appendingPathComponent(".net.json.\(p.processIdentifier).tmp")
  /// The temporary file's name taken by a directory, once no save is
  /// writing it (a save in progress renames it away within moments).
  func block() {
    let until = Date().addingTimeInterval(10)
    while (try? FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)) == nil && Date() < until {
      usleep(200)
    }
  }
  block()
  usleep(300_000)
  try FileManager.default.removeItem(at: blocker)
  usleep(300_000)
  block()
  #expect(p.isRunning, "the run ended before the saves were blocked")
  p.waitUntilExit()
  while !reader.isFinished { usleep(1000) }
  let text = String(decoding: stderr, as: UTF8.self)
  #expect(p.terminationStatus == 1, "\(text)")
  // One warning for each spell of failures.
  #expect(text.components(separatedBy: "warning: periodic checkpoint not saved after").count == 3, "\(text)")
  #expect(text.contains("note: periodic checkpoint saved again after"), "\(text)")
  let last = text.split(separator: "\n").last.map(String.init) ?? ""
  #expect(last.hasPrefix("Error: ") && last.contains("holds the periodic save after") && last.contains("--epochs rest"), "\(last)")
  // That save is whole, and not the run's end.
  let saved = try Checkpoint.read(file.path)
  #expect(saved.devicesTrainImages < saved.place.runEndImages ?? 0)
}

// A run killed with SIGKILL left the earlier run's `--summary FILE` and
// `--plot FILE` in place, beside its own partial log: a script paired one
// run's summary with another's log (an ML researcher's walkthrough,
// session 48). They go when the run starts, as `--out`'s own files do; a
// run refused before it starts leaves them.
@Test func aKilledRunLeavesNoEarlierRunsSummaryOrPlot() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stale-summary", train: 200, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json"), plot = root.appendingPathComponent("p.svg")
  let log = root.appendingPathComponent("log.csv")
  for file in [summary, plot] { try "earlier run".write(to: file, atomically: false, encoding: .utf8) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--summary", summary.path, "--plot", plot.path]
  let refused = try runXbarsim(common + ["--epochs", "0"])
  #expect(refused.status == 64, "\(refused.stderr)")
  #expect(FileManager.default.fileExists(atPath: summary.path) && FileManager.default.fileExists(atPath: plot.path))
  let p = Process()
  p.executableURL = productExecutable("xbarsim")
  p.arguments = common + ["--epochs", "1000", "--evals-per-epoch", "1", "--log", log.path]
  p.standardOutput = FileHandle.nullDevice
  p.standardError = FileHandle.nullDevice
  try p.run()
  // Killed once its log has a point.
  let deadline = Date().addingTimeInterval(60)
  while ((try? String(contentsOf: log, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 2 && p.isRunning && Date() < deadline {
    usleep(500)
  }
  #expect(p.isRunning, "the run ended before its first point was seen")
  kill(p.processIdentifier, SIGKILL)
  p.waitUntilExit()
  #expect(!FileManager.default.fileExists(atPath: summary.path) && !FileManager.default.fileExists(atPath: plot.path))
}
