import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Session 67's findings at the command line.

// A plot of a run on Fashion-MNIST and one on MNIST, or of a run and its
// continuation from a checkpoint, had one title (session 65's left item):
// the title now names data that are not MNIST's training set, by their
// directory, and the checkpoint a run goes on from.
@Test func aPlotsTitleNamesOtherDataAndTheCheckpointItGoesOnFrom() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s67-title", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let train = try IDXDataset.load(directory: data, split: .train)
  #expect(TrainCommand.plotContext(data: train, continuing: nil) == "; on data")
  #expect(
    TrainCommand.plotContext(data: train, continuing: ("/x/y/c.json", 300))
      == "; on data; going on from c.json (300 images before)")
  let memory = IDXDataset(rows: 1, cols: 1, pixels: [0, 1], labels: [0, 1])
  #expect(TrainCommand.plotContext(data: memory, continuing: nil) == "; on data built in memory")

  // At the command line: the plot's title carries it, once.
  let plot = root.appendingPathComponent("p.svg")
  let checkpoint = root.appendingPathComponent("c.json")
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--train-limit", "20", "--test-limit", "10", "--quiet"]
  try #require(try runXbarsim(common + ["--checkpoint-out", checkpoint.path]).status == 0)
  let going = try runXbarsim(common + ["--checkpoint-in", checkpoint.path, "--epochs", "1", "--plot", plot.path])
  try #require(going.status == 0, "\(going.stderr)")
  let svg = try String(contentsOf: plot, encoding: .utf8)
  // (The title's lines, joined: since session 71 a long title wraps.)
  let title = svgTitleText(svg)
  #expect(title.hasSuffix("σ 0; on data; going on from c.json (20 images before)"), "\(title)")
}

// MNIST as scripts/fetch-mnist writes it keeps its plain title (checked
// against the files when they are present: the suite does not need them).
@Test func mnistsChecksumIsTheOneThePlotLeavesUnnamed() throws {
  let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/mnist")
  guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("train-images-idx3-ubyte").path) else { return }
  let train = try IDXDataset.load(directory: dir, split: .train)
  #expect(train.checksum == TrainCommand.mnistTrainChecksum)
  #expect(TrainCommand.plotContext(data: train, continuing: nil) == "")
}

// A large network's checkpoint sent to a stream, a device or a pipe was
// refused as though it were a file `--checkpoint-in` could not read back
// (session 66's left item): only a file that would be made is bounded.
@Test func theCheckpointsReadLimitBoundsOnlyFiles() throws {
  let root = try Scratch.directory("xbarsim-s67-makes")
  defer { try? FileManager.default.removeItem(at: root) }
  let regular = root.appendingPathComponent("r.json").path
  #expect(OutputFile.makesAFile(regular))  // new
  try "x".write(toFile: regular, atomically: false, encoding: .utf8)
  #expect(OutputFile.makesAFile(regular))  // existing
  let fifo = root.appendingPathComponent("f").path
  try #require(mkfifo(fifo, 0o600) == 0)
  let toNull = root.appendingPathComponent("null-link").path
  try FileManager.default.createSymbolicLink(atPath: toNull, withDestinationPath: "/dev/null")
  let toRegular = root.appendingPathComponent("r-link").path
  try FileManager.default.createSymbolicLink(atPath: toRegular, withDestinationPath: regular)
  #expect(OutputFile.makesAFile(toRegular))
  for path in ["-", "/dev/stdout", "/dev/stderr", "/dev/null", fifo, toNull] {
    #expect(!OutputFile.makesAFile(path), "\(path)")
  }

  var cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  cfg.layers = [64, 140_000, 10]
  var args = ParsedArguments(command: "train")
  args.values["--checkpoint-out"] = ["/dev/null"]
  // (The memory check may refuse on a small machine: only the read limit is asked.)
  do { try TrainCommand.checkMemory(cfg, args) } catch let e as CLIError {
    #expect(!"\(e)".contains("--checkpoint-in reads"), "\(e)")
  }
  args.values["--checkpoint-out"] = [regular]
  #expect(throws: CLIError.self) { try TrainCommand.checkMemory(cfg, args) }
}

// `--epochs rest` went on from a checkpoint with other settings (--c 2,
// --method a, another threshold; at an epoch's end another seed too) and
// said it "ends where it would have" (a walkthrough, session 67: two jobs
// sharing a checkpoint by mistake went on from each other's devices). It
// is another run: refused, naming the keys; a run given --epochs N is told.
@Test func epochsRestRefusesOtherSettingsAndARunGivenEpochsIsTold() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s67-rest", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "3", "--quiet"]
  let cut = root.appendingPathComponent("cut.json").path
  // A run of 3 epochs cut after its first (its end 90 images).
  try #require(try runXbarsim(common + ["--epochs", "1", "--checkpoint-out", cut]).status == 0)
  let text = try String(contentsOfFile: cut, encoding: .utf8)
  try text.replacingOccurrences(of: "\"run_end_images\": 30,", with: "\"run_end_images\": 90,")
    .write(toFile: cut, atomically: false, encoding: .utf8)
  let seed = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest", "--seed", "9"])
  #expect(seed.status != 0)
  #expect(
    seed.stderr.contains("Error: --epochs rest: the run that saved \(cut) had other settings (seed 1, here 9): it is another run; give --epochs N to train on from its devices"),
    "\(seed.stderr)")
  let three = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "rest", "--c", "2", "--method", "a", "--threshold", "0.3"])
  #expect(three.status != 0)
  #expect(three.stderr.contains("had other settings (method b, here a; c 4, here 2; threshold 0.1, here 0.3)"), "\(three.stderr)")
  // The evaluation's keys change no device: the same run.
  let same = try runXbarsim(
    common + ["--checkpoint-in", cut, "--epochs", "rest", "--test-limit", "5", "--final-iterations", "4"])
  #expect(same.status == 0, "\(same.stderr)")
  #expect(same.stderr.contains("this run's --epochs 2 ends where it would have"), "\(same.stderr)")
  #expect(!same.stderr.contains("other settings"), "\(same.stderr)")
  // Given --epochs N, it trains on from the devices, and says so.
  let told = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "1", "--c", "2"])
  #expect(told.status == 0, "\(told.stderr)")
  #expect(told.stderr.contains("note: the run that saved \(cut) had other settings (c 4, here 2): this run goes on from its devices with its own"), "\(told.stderr)")
  #expect(!told.stderr.contains("ends where it would have"), "\(told.stderr)")
  // An ADC's range set apart from c is compared (following c, it is c's).
  let range = try runXbarsim(common + ["--checkpoint-in", cut, "--epochs", "1", "--adc-bits", "6", "--adc-range", "3"])
  #expect(range.stderr.contains("had other settings (adc_bits 0, here 6; adc_range 8, here 3)"), "\(range.stderr)")
  // Unit: six keys shown, then a count.
  let many = (1...8).map { (key: "k\($0)", saved: "0", this: "\($0)") }
  #expect(TrainCommand.settingsText(many) == "k1 0, here 1; k2 0, here 2; k3 0, here 3; k4 0, here 4; k5 0, here 5; k6 0, here 6; and 2 more")
}

// Two runs given one --summary (an array job's runs), one --plot, or one
// --checkpoint-out without periodic saves had both exited 0, the last
// one's file kept and the other's lost (a walkthrough, session 67): each
// is now locked for the run, as the logs are, by a lock file beside it
// that the run removes at its end.
@Test func aSummaryPlotOrCheckpointAnotherRunWritesIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s67-locks", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--train-limit", "20", "--test-limit", "10", "--quiet"]
  for option in ["--summary", "--plot", "--checkpoint-out"] {
    let file = root.appendingPathComponent("shared\(option).out")
    let lock = root.appendingPathComponent(".shared\(option).out.lock")
    // This process stands in for the other run, holding the lock as
    // `OutputFile.lockFile` takes it.
    let fd = open(lock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
    try #require(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
    let refused = try runXbarsim(common + [option, file.path])
    #expect(refused.status == 1, "\(option): \(refused.stderr)")
    let expected = option == "--checkpoint-out"
      ? "Error: \(file.path): a running xbarsim train saves its checkpoint there (it holds \(lock.path)); wait for that one to end, or give another \(option)"
      : "Error: \(file.path) is in use by another xbarsim train (it holds \(lock.path)); wait for that one to end, or give another \(option)"
    #expect(refused.stderr.hasPrefix(expected), "\(option): \(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: file.path), "\(option)")
    close(fd)
    // Let go, the run writes its file and leaves no lock file.
    let ok = try runXbarsim(common + [option, file.path])
    #expect(ok.status == 0, "\(option): \(ok.stderr)")
    #expect(FileManager.default.fileExists(atPath: file.path), "\(option)")
    #expect(!FileManager.default.fileExists(atPath: lock.path), "\(option)")
  }
  // An output naming another's lock file is a usage error.
  let named = try runXbarsim(
    common + ["--summary", root.appendingPathComponent("s.json").path, "--plot", root.appendingPathComponent(".s.json.lock").path])
  #expect(named.status == 64 && named.stderr.contains("--plot would overwrite --summary's lock file"), "\(named.stderr)")
  // /dev/null takes no lock.
  #expect(try runXbarsim(common + ["--summary", "/dev/null", "--checkpoint-out", "/dev/null"]).status == 0)
}

// An interrupted run and a failed one both exited 1: a job's wrapper could
// not tell a run to go on with from one to give up (a walkthrough, session
// 67). A run a signal stopped now exits 128 + the signal, as a shell
// reports a process the signal ended.
// (End to end: SignalTests, with SIGINT, SIGTERM and SIGHUP.)
@Test func aRunStoppedByASignalExitsWith128PlusTheSignal() {
  #expect(Xbarsim.interruptedExitCode(signal: 0) == 1)
  #expect(Xbarsim.interruptedExitCode(signal: SIGINT) == 130)
  #expect(Xbarsim.interruptedExitCode(signal: SIGTERM) == 143)
  #expect(Xbarsim.interruptedExitCode(signal: SIGHUP) == 129)
}

// A failed save at the end left the file that was there before (another
// run's, say) without a word, and a requeued job would have gone on from
// it (a walkthrough, session 67): the error says so.
@Test func aFailedSaveSaysTheFileStillHoldsTheOneBeforeTheRun() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s67-failed-save", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let before = ["train", "--data", data.path, "--layers", "64,40,10", "--train-limit", "20", "--test-limit", "10", "--quiet"]
  try #require(try runXbarsim(before + ["--checkpoint-out", root.appendingPathComponent("ck.json").path]).status == 0)
  let old = try Data(contentsOf: root.appendingPathComponent("ck.json"))
  // Another run under a file-size limit below its checkpoint.
  let r = try runShell(
    "ulimit -f 4 && exec \"$1\" train --data data --layers 64,40,10 --train-limit 20 --test-limit 10 --quiet --seed 2 --checkpoint-out ck.json", in: root)
  #expect(r.status == 1, "\(r.stderr)")
  #expect(
    r.stderr.contains("Error: ck.json: cannot write (File too large); ck.json still holds the file that was there before this run, not this run's devices"),
    "\(r.stderr)")
  #expect(try Data(contentsOf: root.appendingPathComponent("ck.json")) == old)
  // Going on from it: said as the devices it started from.
  let from = try runShell(
    "ulimit -f 4 && exec \"$1\" train --data data --layers 64,40,10 --train-limit 20 --test-limit 10 --quiet --checkpoint-in ck.json --checkpoint-out ck.json --epochs 1", in: root)
  #expect(from.status == 1, "\(from.stderr)")
  #expect(from.stderr.contains("ck.json still holds the file that was there before this run (the devices it started from), not this run's devices"), "\(from.stderr)")
  #expect(try Data(contentsOf: root.appendingPathComponent("ck.json")) == old)
}

// A steep β_p with σ_c2c made a re-potentiation loop creep toward its
// old weight near G_max, where a step is about e^−β_p of the first: 770,000
// pulses a reset at n_max 8, a 200-image run 53 s (a fuzz, session 67).
// Each loop now stops at 4·n_max pulses, at least 256, and the run says
// how many did.
@Test(arguments: ["a", "b"])
func aRepotentiationLoopStopsAtFourTimesNMax(_ method: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s67-cap", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  let r = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--method", method, "--beta-p", "20", "--nmax", "8",
    "--sigma-c2c", "1", "--seed", "444", "--epochs", "3", "--evals-per-epoch", "1", "--summary", summary.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let repot = try #require(s["repotentiation_pulses"] as? Int), resets = try #require(s["resets"] as? Int)
  // Every loop follows a reset (method a's two, b's one).
  #expect(resets > 0 && repot <= 256 * resets, "\(repot) pulses, \(resets) resets")
  #expect(r.stderr.contains("re-potentiation loop") && r.stderr.contains("stopped at 256 pulses (4·n_max, at least 256) short of the old weight"), "\(r.stderr)")
}

// The pulses' times are energy and latency's bookkeeping, not the
// devices': a run going on with other times is the same run (a review,
// session 67, had `--slot-time 3e-6 --program-time 2e-7` refused).
@Test func thePulsesTimesAreNotSettingsOfAnotherRun() throws {
  let saved = TrainingConfiguration()
  var cfg = saved
  try cfg.set("slot_time", "3e-6")
  try cfg.set("program_time", "2e-7")
  try cfg.set("reset_time", "2e-6")
  #expect(TrainCommand.otherSettings(saved, cfg).isEmpty, "\(TrainCommand.otherSettings(saved, cfg))")
  try cfg.set("c", "2")
  #expect(TrainCommand.otherSettings(saved, cfg).map(\.key) == ["c"])
}
