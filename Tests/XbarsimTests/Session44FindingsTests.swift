import Foundation
import Testing
@testable import Trainer
import _TestSupport

@testable import xbarsim

// Session 44 (2026-12-03): a walkthrough's findings on a run's summary
// given back as --config.

/// 8×8 generated images: 120 training images, 50 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-session44", train: 120, test: 50)
}

private let net = ["--layers", "64,8,10", "--test-limit", "20", "--quiet"]

private func summary(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

private func configuration(_ url: URL) throws -> [String: Any] {
  try #require(try summary(url)["configuration"] as? [String: Any])
}

// A summary of a run on all the data with batches fewer than 100 an
// epoch kept its fitted evaluation count (12 for batch 10 of 120 images)
// when reused with another batch, where a fresh run fits it again.
@Test func aSummaryOfARunOnAllTheDataFitsItsEvaluationsToANewBatch() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let first = root.appendingPathComponent("b10.json"), again = root.appendingPathComponent("b3.json")
  let r = try runXbarsim(["train", "--data", data.path, "--batch", "10", "--summary", first.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(try configuration(first)["evals_per_epoch"] as? Int == 12)
  let reused = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--batch", "3", "--summary", again.path, "--quiet"])
  #expect(reused.status == 0, "\(reused.stderr)")
  // 40 batches of 3: a fresh run evaluates after each.
  #expect(try summary(again)["evaluation_points"] as? Int == 40)
  // A count that is not the fitted default stays.
  let kept = root.appendingPathComponent("kept.json")
  let set = try runXbarsim(["train", "--data", data.path, "--batch", "10", "--evals-per-epoch", "5", "--summary", kept.path] + net)
  #expect(set.status == 0, "\(set.stderr)")
  let reusedKept = try runXbarsim(["train", "--data", data.path, "--config", kept.path, "--batch", "3", "--summary", again.path, "--quiet"])
  #expect(reusedKept.status == 0, "\(reusedKept.stderr)")
  #expect(try summary(again)["evaluation_points"] as? Int == 5)
}

// The ADC's range at its default 2c stayed at the old c's when a summary
// was reused with another c.
@Test func anAdcRangeAtItsDefaultFollowsANewC() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let first = root.appendingPathComponent("adc.json"), again = root.appendingPathComponent("adc-c3.json")
  let r = try runXbarsim(["train", "--data", data.path, "--adc-bits", "6", "--train-limit", "30", "--summary", first.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(try configuration(first)["adc_range"] as? Double == 8)
  let reused = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--c", "3", "--summary", again.path, "--quiet"])
  #expect(reused.status == 0, "\(reused.stderr)")
  #expect(try configuration(again)["adc_range"] as? Double == 6)
  // One set apart from 2c stays.
  let fixed = root.appendingPathComponent("adc5.json")
  let set = try runXbarsim(["train", "--data", data.path, "--adc-bits", "6", "--adc-range", "5", "--train-limit", "30", "--summary", fixed.path] + net)
  #expect(set.status == 0, "\(set.stderr)")
  let reusedFixed = try runXbarsim(["train", "--data", data.path, "--config", fixed.path, "--c", "3", "--summary", again.path, "--quiet"])
  #expect(reusedFixed.status == 0, "\(reusedFixed.stderr)")
  #expect(try configuration(again)["adc_range"] as? Double == 5)
}

// A summary of a run on the model device (nmax 64, gmax 1e-5 written)
// reused with a device file was refused as a conflict with its nmax.
@Test(arguments: [["--rule", "single"], []])
func aSummaryOfAModelDeviceRunTakesADeviceFile(rule: [String]) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  try (1...32).map { "p,\(Double($0) * 1e-6 / 32 + 1e-7)" }.joined(separator: "\n").write(to: device, atomically: false, encoding: .utf8)
  let first = root.appendingPathComponent("model.json"), again = root.appendingPathComponent("device.json")
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--summary", first.path] + rule + net)
  #expect(r.status == 0, "\(r.stderr)")
  let reused = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--device-csv", device.path, "--summary", again.path, "--quiet"])
  #expect(reused.status == 0, "\(reused.stderr)")
  #expect(try configuration(again)["nmax"] as? Int == 31)
  // A value set apart from the default is still a conflict.
  let set = root.appendingPathComponent("gmax.json")
  let r2 = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--gmax", "2e-5", "--summary", set.path] + rule + net)
  #expect(r2.status == 0, "\(r2.stderr)")
  let refused = try runXbarsim(["train", "--data", data.path, "--config", set.path, "--device-csv", device.path, "--quiet"])
  #expect(refused.status != 0 && refused.stderr.contains("device_csv gives G_max"), "\(refused.stderr)")
}

// A summary kept only its device file's path: the file edited since
// re-ran as another device without a word.
@Test func aSummaryNotesADeviceFileChangedSince() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  let points = (1...10).map { Double($0) * 1e-6 }
  try points.map { "p,\($0)" }.joined(separator: "\n").write(to: device, atomically: false, encoding: .utf8)
  let first = root.appendingPathComponent("first.json")
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--device-csv", device.path, "--summary", first.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  let recorded = try #require(try summary(first)["device"] as? [String: Any])
  #expect(recorded["checksum"] as? String != nil && recorded["path"] as? String == OutputFile.realPath(device.path))
  // Unchanged: no note.
  let same = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--quiet"])
  #expect(same.status == 0 && !same.stderr.contains("note:"), "\(same.stderr)")
  // Its interior points moved by 3 %: a note.
  try points.enumerated().map { "p,\($0.offset == 0 || $0.offset == 9 ? $0.element : $0.element * 0.97)" }
    .joined(separator: "\n").write(to: device, atomically: false, encoding: .utf8)
  let changed = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--quiet"])
  #expect(changed.status == 0, "\(changed.stderr)")
  #expect(changed.stderr.contains("is a run on another device curve: \(recorded["path"] as? String ?? "") has changed since"), "\(changed.stderr)")
}

// A key beside a summary's configuration object that no summary writes
// (a typo of `epochs`, `Configuration`) was ignored, exit 0.
@Test(arguments: ["epoch", "Configuration", "learning_rate"])
func aKeyBesideASummarysConfigurationIsRefusedUnlessASummaryWritesIt(key: String) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let first = root.appendingPathComponent("s.json")
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--summary", first.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  var object = try summary(first)
  object[key] = 3
  let edited = root.appendingPathComponent("edited.json")
  try JSONSerialization.data(withJSONObject: object).write(to: edited)
  let refused = try runXbarsim(["train", "--data", data.path, "--config", edited.path, "--quiet"])
  expectConfigFileError(refused, "\(edited.path): key '\(key)' is neither a configuration key inside the 'configuration' object nor one a run's summary writes beside it")
}

// A real key given a JSON number that is an integer from 2^53 on was told
// to quote it, as a seed must, instead of its range error.
@Test func aHugeRealIsItsKeysRangeErrorAndAHugeSeedMustBeQuoted() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let cases: [(String, String)] = [
    (#"{"sigma": 1e308}"#, "sigma: must be in [0, 10], got 1e+308"),
    (#"{"sigma": 12345678901234567890.5}"#, "sigma: must be in [0, 10], got 1.2345678901234567e+19"),
    (#"{"seed": 1e17}"#, "seed: integers from 2^53 (9007199254740992) on are not exact as JSON numbers"),
    // An integer key whose range ends far below 2^53: its range error
    // (session 46; it had been told to quote the number too).
    (#"{"nmax": 1e16}"#, "nmax: "),
    (#"{"dac_bits": 1e30}"#, "dac_bits: must be 0 (ideal) or 1...16 bits, got 1e+30"),
  ]
  for (text, message) in cases {
    let file = root.appendingPathComponent("big.json")
    try text.write(to: file, atomically: false, encoding: .utf8)
    let r = try runXbarsim(["train", "--data", data.path, "--config", file.path] + net)
    #expect(r.status != 0 && r.stderr.contains(message), "\(text): \(r.stderr)")
  }
}

// checkpoint_in.path was written as typed (relative, or through `..`):
// the note of a re-run from another directory named no file there.
@Test func aRunFromACheckpointRecordsItsRealPath() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("ck.json"), out = root.appendingPathComponent("from.json")
  let r = try runXbarsim(["train", "--data", data.path, "--rule", "single", "--train-limit", "30", "--checkpoint-out", checkpoint.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  // Typed through a directory and back up.
  let typed = root.appendingPathComponent("data").path + "/../ck.json"
  let relative = try runXbarsim(
    ["train", "--data", data.path, "--checkpoint-in", typed, "--train-limit", "30", "--summary", out.path, "--quiet"])
  #expect(relative.status == 0, "\(relative.stderr)")
  let start = try #require(try summary(out)["checkpoint_in"] as? [String: Any])
  #expect(start["path"] as? String == OutputFile.realPath(checkpoint.path))
}

// Two runs given one --log both exited 0, the file's rows mixed and
// ending in a fragment: the log is locked before it is emptied.
@Test func aLogAnotherRunWritesIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let log = root.appendingPathComponent("same.csv")
  // The other run: this process holding the file's lock (flock, as a run
  // does; the lock is the open file's, so the child is refused).
  try "a row\n".write(to: log, atomically: false, encoding: .utf8)
  let fd = open(log.path, O_RDONLY)
  #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--log", log.path] + net)
  expectOneLineError(r, 1, "\(log.path): in use by another xbarsim run (it holds the file's lock)")
  // The other run's rows are left as they were.
  #expect(try String(contentsOf: log, encoding: .utf8) == "a row\n")
  close(fd)
  let free = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--log", log.path] + net)
  #expect(free.status == 0, "\(free.stderr)")
}

// An output sent into a directory another run holds as its --out: this
// run's files there beside the other's (exit 0 for both).
@Test func anOutputIntoAnotherRunsOutDirectoryIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let dir = root.appendingPathComponent("taken")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let fd = open(dir.path, O_RDONLY | O_DIRECTORY)
  #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
  defer { close(fd) }
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--summary", dir.appendingPathComponent("s.json").path] + net)
  expectOneLineError(r, 1, "--summary \(dir.path)/s.json: its directory is the --out of another xbarsim run")
}

// `--out D` with its log (or summary) sent elsewhere left the earlier
// run's D/log.csv (or D/summary.json) beside this run's other files.
@Test func anOutDirectoryLosesTheEarlierRunsFilesWhoseOutputsGoElsewhere() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let dir = root.appendingPathComponent("run")
  let first = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--out", dir.path] + net)
  #expect(first.status == 0, "\(first.stderr)")
  let names = ["summary.json", "accuracy.svg", "log.csv", "epochs.csv"]
  #expect(names.allSatisfy { FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).path) })
  let elsewhere = root.appendingPathComponent("elsewhere")
  let second = try runXbarsim(
    ["train", "--data", data.path, "--train-limit", "30", "--out", dir.path,
     "--log", elsewhere.path + "-log.csv", "--epoch-log", elsewhere.path + "-epochs.csv",
     "--summary", elsewhere.path + "-summary.json", "--plot", elsewhere.path + "-plot.svg"] + net)
  #expect(second.status == 0, "\(second.stderr)")
  for name in names {
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name) of the earlier run is still there")
  }
  // But not an input of the run: the earlier summary as --config.
  let third = try runXbarsim(["train", "--data", data.path, "--out", dir.path, "--summary", elsewhere.path + "-3.json",
    "--config", elsewhere.path + "-summary.json", "--quiet"])
  #expect(third.status == 0, "\(third.stderr)")
  let again = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--out", dir.path] + net)
  #expect(again.status == 0, "\(again.stderr)")
  let fourth = try runXbarsim(["train", "--data", data.path, "--out", dir.path, "--summary", elsewhere.path + "-4.json",
    "--config", dir.appendingPathComponent("summary.json").path, "--quiet"])
  #expect(fourth.status == 0, "\(fourth.stderr)")
  #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("summary.json").path))
}

// An interrupted run with --checkpoint-out ended at its count: it now
// says how to go on.
/// A long training run with `--checkpoint-out`, sent SIGINT at its first
/// progress line (training, its handler set): its exit status and stderr.
/// A 200-epoch `train` of 64-8-10 stopped by Ctrl-C at its first output: its status and
/// standard error (also `ProgrammedCheckpointTests`).
func interruptedTraining(_ data: URL, checkpoint: String, extra: [String] = []) throws -> (Int32, String) {
  let p = Process()
  p.executableURL = productExecutable("xbarsim")
  p.arguments = ["train", "--data", data.path, "--epochs", "200", "--checkpoint-out", checkpoint, "--layers", "64,8,10"] + extra
  let err = Pipe()
  p.standardError = err
  p.standardOutput = FileHandle.nullDevice
  try p.run()
  let first = err.fileHandleForReading.availableData
  p.interrupt()
  p.waitUntilExit()
  return (p.terminationStatus, String(decoding: first + err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

@Test func anInterruptedRunSaysHowToGoOnFromItsCheckpoint() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("ck.json")
  let (status, text) = try interruptedTraining(data, checkpoint: checkpoint.path)
  #expect(status == 130, "\(text)")
  #expect(text.contains("; \(checkpoint.path) holds the devices: go on with the same options and --checkpoint-in \(checkpoint.path) --epochs rest"), "\(text)")
  #expect(!text.contains("another --out"), "\(text)")
  // With a summary (or --out, --log): another one for the second part (a
  // walkthrough, session 63, gave the same and lost the first part's).
  let (again, said) = try interruptedTraining(
    data, checkpoint: checkpoint.path, extra: ["--summary", root.appendingPathComponent("s.json").path])
  #expect(again == 130, "\(said)")
  #expect(said.contains("--epochs rest, in place of any --epochs and another --out (or --log and --summary: the same ones would begin this run's anew)"), "\(said)")
}

// A hybrid row whose seeds all stayed on the big arrays is its single
// pair: Figure 5 at --epochs 3 gave six equal rows with the paper's
// numbers and no word.
@Test func aHybridRowThatNeverSwitchedIsNoted() {
  var cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  cfg.epochs = 3
  let run = ReproductionRun(figure: 5, label: "k = 100, 50 states", configuration: cfg, paper: 94.98)
  var never = TrainingResult(), switched = TrainingResult()
  never.phaseSwitchEpoch = nil
  switched.phaseSwitchEpoch = 2
  #expect(ReproduceCommand.unswitchedNote([ReproduceCommand.Row(run: run, final: true, results: [switched, never])], epochs: 3) == nil)
  let note = ReproduceCommand.unswitchedNote([ReproduceCommand.Row(run: run, final: true, results: [never, never])], epochs: 3)
  #expect(note?.hasPrefix("switch – in every seed: those hybrids never reached their small arrays in 3 epoch(s)") == true, "\(note ?? "nil")")
  #expect(note?.hasSuffix("(k = 100, 50 states)") == true)
  // A single pair's row has no switch to miss.
  var single = cfg
  single.rule = .single
  let pair = ReproductionRun(figure: 5, label: "single", configuration: single, paper: nil)
  #expect(ReproduceCommand.unswitchedNote([ReproduceCommand.Row(run: pair, final: true, results: [never])], epochs: 3) == nil)
}

// `train --rule hybrid` that never switched, and a write voltage whose
// half reaches the threshold (the disturb model), said nothing.
@Test func aHybridThatNeverSwitchedAndTheDisturbModelAreNoted() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  // Two epochs whose second gains more than 0.001 points: no switch (the
  // summary says which; both ways are held to the note).
  let out = root.appendingPathComponent("never.json")
  let never = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--epochs", "2", "--switch-threshold", "0.001", "--train-limit", "60",
     "--evals-per-epoch", "1", "--summary", out.path] + net)
  #expect(never.status == 0, "\(never.stderr)")
  let noted = never.stderr.contains("note: the hybrid never switched to its small arrays in 2 epochs")
  #expect(try summary(out)["phase_switch_epoch"] is NSNull)
  #expect(noted, "\(never.stderr)")
  let disturbed = try runXbarsim(
    ["train", "--data", data.path, "--rule", "single", "--write-voltage", "1.5", "--train-limit", "30"] + net)
  #expect(disturbed.status == 0, "\(disturbed.stderr)")
  #expect(disturbed.stderr.contains("note: write_voltage/2 = 0.75 V reaches write_threshold 0.75 V: every half-selected cell is disturbed"), "\(disturbed.stderr)")
  let plain = try runXbarsim(["train", "--data", data.path, "--rule", "single", "--train-limit", "30"] + net)
  #expect(plain.status == 0 && !plain.stderr.contains("disturbed"), "\(plain.stderr)")
}

// A reproduction on part of MNIST (--train-limit, --test-limit) had its
// Δ against the paper's numbers, which are all 60,000 and 10,000 images'.
@Test func aRunOnPartOfTheDataIsNotThePapers() {
  var part = TrainingConfiguration()
  part.trainLimit = 2000
  part.testLimit = 1000
  let choi = ChoiReproduction.runs(figure: 4, base: part)
  #expect(choi.allSatisfy { $0.paper == nil && $0.label.hasSuffix(" [train_limit 2000, test_limit 1000]") }, "\(choi.map(\.label))")
  let lim = LimReproduction.runs(figure: 8, base: part)
  #expect(lim.allSatisfy { $0.paper == nil && $0.label.hasSuffix(" [train_limit 2000, test_limit 1000]") }, "\(lim.map(\.label))")
  // The whole set keeps them.
  #expect(ChoiReproduction.runs(figure: 4, base: TrainingConfiguration()).compactMap(\.paper) == [97.92, 97.00])
}

// `--beta 1 --beta-p 2 --beta-d 2` ran at β 2 and said nothing.
@Test func aBetaBesideBothOfItsPartsIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--beta", "1", "--beta-p", "2", "--beta-d", "2", "--method", "c", "--train-limit", "30"] + net)
  expectOneLineError(r, 64, "--beta: sets β_p and β_d, and beta_p and beta_d are both given too, so it changes nothing")
  let file = root.appendingPathComponent("betas.json")
  try #"{"beta": 1, "beta_p": 2, "beta_d": 2, "method": "c"}"#.write(to: file, atomically: false, encoding: .utf8)
  let f = try runXbarsim(["train", "--data", data.path, "--config", file.path, "--train-limit", "30"] + net)
  expectConfigFileError(f, "\(file.path): beta: sets β_p and β_d")
  // One of them beside it refines it, as before.
  let one = try runXbarsim(["train", "--data", data.path, "--beta", "1", "--beta-d", "2", "--method", "c", "--train-limit", "30"] + net)
  #expect(one.status == 0, "\(one.stderr)")
}

// An --out under a file gave Foundation's "NSCocoaErrorDomain error 512";
// a sweep's --out ending in a slash wrote "full//sweep.csv".
@Test func anOutUnderAFileNamesTheFileAndASlashIsTrimmed() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("afile")
  try "x".write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--out", file.path + "/sub/deeper"] + net)
  expectOneLineError(r, 1, "\(file.path)/sub/deeper: cannot create directory (\(file.path) is a file, not a directory)")
  let sweep = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "seed=1", "--out", root.appendingPathComponent("full").path + "/", "--layers", "64,8,10",
     "--train-limit", "30", "--test-limit", "20", "--evals-per-epoch", "1"])
  #expect(sweep.status == 0, "\(sweep.stderr)")
  #expect(sweep.stdout.contains("written to \(root.appendingPathComponent("full").path)/sweep.csv"), "\(sweep.stdout)")
}

// A summary named its data by sizes and checksums only: which directory
// and files a run read was nowhere.
@Test func aSummaryNamesTheFilesItsDataCameFrom() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("s.json")
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--summary", out.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  let files = try #require(try summary(out)["data_files"] as? [String: String])
  #expect(files == [
    "train_images": data.appendingPathComponent("train-images-idx3-ubyte").path,
    "train_labels": data.appendingPathComponent("train-labels-idx1-ubyte").path,
    "test_images": data.appendingPathComponent("t10k-images-idx3-ubyte").path,
    "test_labels": data.appendingPathComponent("t10k-labels-idx1-ubyte").path,
  ])
}

// `inspect --samples 7 --batch 3` of an 8-image epoch said "1 of its 3
// samples": the epoch's end cuts its last batch to 2.
@Test func anOpenBatchCutByTheEpochsEndIsCountedAsItIs() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["inspect", "--data", data.path, "--layers", "64,8,10", "--train-limit", "8", "--batch", "3"]
  let cut = try runXbarsim(common + ["--samples", "7", "--out", root.appendingPathComponent("i").path])
  #expect(cut.status == 0, "\(cut.stderr)")
  #expect(cut.stderr.contains("the last mini-batch is open (1 of its 2 samples inspected)"), "\(cut.stderr)")
  let whole = try runXbarsim(common + ["--samples", "4", "--out", root.appendingPathComponent("j").path])
  #expect(whole.stderr.contains("the last mini-batch is open (1 of its 3 samples inspected)"), "\(whole.stderr)")
}

// Two runs that differed only in negative_scale (or an off-chip twin's
// method) had one name in the result line and the plot's title.
@Test func theRunsNameSaysItsNegativeScaleAndItsTwinsMethod() {
  var cfg = TrainingConfiguration()
  cfg.sigma = 0.5
  #expect(!TrainCommand.describe(cfg).contains("negative_scale"))
  cfg.negativeScale = .fold
  #expect(TrainCommand.describe(cfg).contains("σ 0.5 negative_scale fold"), "\(TrainCommand.describe(cfg))")
  cfg.mode = .offChip
  cfg.method = .c
  #expect(TrainCommand.describe(cfg).hasPrefix("off-chip 784-200-10 method c β 2 nmax 64 σ 0.5 negative_scale fold"), "\(TrainCommand.describe(cfg))")
  // No σ: no rule for negative draws to name.
  cfg.sigma = 0
  #expect(!TrainCommand.describe(cfg).contains("negative_scale"))
}

// A review of this session's changes: the --out cleanup deleted a log
// another run held, and a summary with batch 0 beside its data trapped
// (division by zero) before validation.
@Test func theOutCleanupLeavesAnotherRunsLogAndRefuses() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let dir = root.appendingPathComponent("D")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let theirs = dir.appendingPathComponent("log.csv")
  try "their row\n".write(to: theirs, atomically: false, encoding: .utf8)
  let summary = dir.appendingPathComponent("summary.json")
  try "{}".write(to: summary, atomically: false, encoding: .utf8)
  let fd = open(theirs.path, O_RDONLY)
  #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
  defer { close(fd) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--train-limit", "30", "--out", dir.path, "--log", root.appendingPathComponent("mine.csv").path] + net)
  expectOneLineError(r, 1, "\(dir.path)/log.csv: in use by another xbarsim run")
  // Nothing removed.
  #expect(try String(contentsOf: theirs, encoding: .utf8) == "their row\n")
  #expect(FileManager.default.fileExists(atPath: summary.path))
}

@Test func aSummaryWithBatchZeroIsARangeErrorNotATrap() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("b0.json")
  try #"{"configuration": {"batch": 0}, "data": {"train_images": 60000}}"#.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", file.path] + net)
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: ") && r.stderr.contains("batch"), "\(r.status) \(r.stderr)")
  let huge = root.appendingPathComponent("bmax.json")
  try #"{"configuration": {"batch": "9223372036854775807"}, "data": {"train_images": 60000}}"#.write(to: huge, atomically: false, encoding: .utf8)
  let h = try runXbarsim(["train", "--data", data.path, "--config", huge.path] + net)
  #expect(h.status == 64 && h.stderr.hasPrefix("Error: ") && h.stderr.contains("batch"), "\(h.status) \(h.stderr)")
}

// Ctrl-C with --checkpoint-out /dev/null advised "--checkpoint-in
// /dev/null"; a partial download was advised to be renamed into place.
@Test func noAdviceToReadBackADeviceOrRenameAPartialDownload() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let (status, text) = try interruptedTraining(data, checkpoint: "/dev/null")
  #expect(status == 130 && text.contains("interrupted after") && !text.contains("go on with"), "\(text)")
  let dir = root.appendingPathComponent("own")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  for name in ["train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
    try FileManager.default.copyItem(at: data.appendingPathComponent(name), to: dir.appendingPathComponent(name))
  }
  try FileManager.default.copyItem(at: data.appendingPathComponent("train-labels-idx1-ubyte"), to: dir.appendingPathComponent("train-labels-idx1-ubyte.part"))
  let r = try runXbarsim(["train", "--data", dir.path] + net)
  #expect(r.status == 1 && !r.stderr.contains("rename it"), "\(r.stderr)")
}

// A second review: `--log /dev/stdout` into a file a wrapper holds with
// flock (a cron job's pattern) was refused as another run's log; a shared
// lock on the directory's log slipped past the probe, which then removed
// the summary before the refusal.
@Test func aStreamLogIsNoOtherRunsAndASharedLockIsSeen() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let wrapped = try runShell(
    "export X=\"$1\"; flock -n job.log -c '\"$X\" train --data \(data.path) --layers 64,8,10 --train-limit 30 --test-limit 20 --quiet --out o --log /dev/stdout >> job.log'",
    in: root)
  #expect(wrapped.status == 0, "\(wrapped.stderr)")
  let dir = root.appendingPathComponent("S")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let theirs = dir.appendingPathComponent("log.csv"), summary = dir.appendingPathComponent("summary.json")
  try "their row\n".write(to: theirs, atomically: false, encoding: .utf8)
  try "{}".write(to: summary, atomically: false, encoding: .utf8)
  let fd = open(theirs.path, O_RDONLY)
  #expect(fd >= 0 && flock(fd, LOCK_SH) == 0)
  defer { close(fd) }
  let r = try runXbarsim(["train", "--data", data.path, "--train-limit", "30", "--out", dir.path] + net)
  expectOneLineError(r, 1, "\(dir.path)/log.csv: in use by another xbarsim run")
  #expect(FileManager.default.fileExists(atPath: summary.path))
}
