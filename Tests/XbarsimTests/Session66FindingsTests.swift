import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Session 66's findings at the command line.

/// A finished run whose last tenth of evaluation points reached `best` %.
private func finished(best: Double) -> TrainingResult {
  var r = TrainingResult()
  r.points = [EvaluationPoint(images: 100, accuracy: best, loss: 2.3, pulses: 0, resets: 0, seconds: 0.1)]
  r.testAccuracy = best
  r.accuracyMeanLast = best
  r.accuracyMinLast = best
  r.accuracyMaxLast = best
  return r
}

/// Ten test images, four of class 3: a network answering 3 gets 40 %.
private let tenLabels = IDXDataset(rows: 1, cols: 1, pixels: [UInt8](repeating: 0, count: 10), labels: [3, 3, 1, 3, 5, 3, 7, 8, 9, 0])

// `--hidden-threshold 5` on 784-100-50-10 trained to 9.90 % without a
// word (no gate shut, no bound passed: session 65's left items). A run
// whose best accuracy over its last tenth is within a point of the most
// frequent class's share now says it is at chance, and names the settings
// away from its rule's defaults.
@Test func aRunAtChanceIsNotedWithItsSettingsAwayFromDefaults() {
  #expect(TrainCommand.majorityShare(tenLabels, count: 10) == 40)
  // The first `count` labels only (those a --test-limit evaluates).
  #expect(TrainCommand.majorityShare(tenLabels, count: 2) == 100)
  #expect(TrainCommand.majorityShare(tenLabels, count: 3) == 100 * 2 / 3.0)
  var cfg = TrainingConfiguration()
  cfg.hiddenThreshold = 5
  cfg.layers = [1, 4, 10]
  let note = TrainCommand.chanceNote(finished(best: 41), cfg, test: tenLabels, after: 0)
  #expect(note?.hasPrefix("note: the test accuracy stayed at chance (at most 41.00 % over the last 10 % of points, where answering the most frequent class gives 40.00 % of the 10 test images): the network tells no class from another; the settings away from rule lim's defaults: ") == true, "\(note ?? "nil")")
  #expect(note?.contains("hidden_threshold 5") == true && note?.contains("layers 1,4,10") == true, "\(note ?? "nil")")
  #expect(note?.contains("seed") == false && note?.contains("lr") == false, "\(note ?? "nil")")
  // More than an image's worth above chance (10 points of 10 images;
  // a point of 100 or more): no note.
  #expect(TrainCommand.chanceNote(finished(best: 50), cfg, test: tenLabels, after: 0) != nil)
  #expect(TrainCommand.chanceNote(finished(best: 50.01), cfg, test: tenLabels, after: 0) == nil)
  let twoHundred = IDXDataset(rows: 1, cols: 1, pixels: [UInt8](repeating: 0, count: 200), labels: (0..<200).map { UInt8($0 % 10) })
  #expect(TrainCommand.chanceNote(finished(best: 11), cfg, test: twoHundred, after: 0) != nil)
  #expect(TrainCommand.chanceNote(finished(best: 11.01), cfg, test: twoHundred, after: 0) == nil)
  // With --final-iterations, its window; and final_iterations is not
  // named as a suspect.
  var last = cfg
  last.finalIterations = 3
  let windowed = TrainCommand.chanceNote(finished(best: 41), last, test: tenLabels, after: 0)
  #expect(windowed?.contains("(at most 41.00 % over the last 3 updates, where") == true, "\(windowed ?? "nil")")
  #expect(windowed?.contains("final_iterations") == false, "\(windowed ?? "nil")")
  // After other notes, it points at them.
  #expect(TrainCommand.chanceNote(finished(best: 40), cfg, test: tenLabels, after: 1)?.contains("from another (the notes above may say why); ") == true)
  // An interrupted run, or one never evaluated: no note.
  var cut = finished(best: 10)
  cut.interrupted = true
  #expect(TrainCommand.chanceNote(cut, cfg, test: tenLabels, after: 0) == nil)
  #expect(TrainCommand.chanceNote(TrainingResult(), cfg, test: tenLabels, after: 0) == nil)
  // Without the test set (a caller that has none): no note.
  #expect(TrainCommand.resultNotes(finished(best: 10), cfg, fromCheckpoint: nil).isEmpty)
  #expect(TrainCommand.resultNotes(finished(best: 10), cfg, fromCheckpoint: nil, test: tenLabels).count == 1)
}

// The defaults compared against are the run's rule's (lr 0.1 for the
// hybrid) and follow its c (adc_range 2c unset), and keys the run does
// not read are left out.
@Test func theSettingsAwayFromDefaultsFollowTheRuleAndC() {
  var cfg = TrainingConfiguration()
  #expect(TrainCommand.keysAwayFromDefaults(cfg).isEmpty)
  cfg.rule = .hybrid
  #expect(TrainCommand.keysAwayFromDefaults(cfg).isEmpty, "\(TrainCommand.keysAwayFromDefaults(cfg))")
  cfg.c = 2
  #expect(TrainCommand.keysAwayFromDefaults(cfg).map(\.0) == ["c"], "\(TrainCommand.keysAwayFromDefaults(cfg))")
  cfg.seed = 9
  cfg.testLimit = 50
  #expect(TrainCommand.keysAwayFromDefaults(cfg).map(\.0) == ["c"], "\(TrainCommand.keysAwayFromDefaults(cfg))")
  // Rule float does not read nmax: not named, though away.
  var float = TrainingConfiguration()
  float.rule = .float
  float.nMax = 32
  #expect(TrainCommand.keysAwayFromDefaults(float).isEmpty, "\(TrainCommand.keysAwayFromDefaults(float))")
}

// At the command line, for train and sweep. Blank test images give
// every image the same outputs, so the network answers one class for all
// of them and cannot beat the most frequent class's share.
@Test func trainAndSweepSayARunIsAtChance() throws {
  let root = try Scratch.directory("xbarsim-s66-chance")
  defer { try? FileManager.default.removeItem(at: root) }
  let data = root.appendingPathComponent("data")
  var test = SyntheticImages(count: 20, seed: 2)
  test.pixels = [UInt8](repeating: 0, count: test.pixels.count)
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 40, seed: 1), test: test, to: data)
  let common = ["--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"]
  var r = try runXbarsim(["train"] + common + ["--nmax", "32", "--out", root.appendingPathComponent("t").path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("of the 20 test images): the network tells no class from another"), "\(r.stderr)")
  #expect(r.stderr.contains("the settings away from rule lim's defaults: layers 64,8,10, nmax 32"), "\(r.stderr)")
  r = try runXbarsim(["sweep"] + common + ["--quiet", "--grid", "nmax=16", "--out", root.appendingPathComponent("s").path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("note: sweep point 0 (nmax=16): the test accuracy stayed at chance"), "\(r.stderr)")
  #expect(r.stderr.contains("the settings away from rule lim's defaults: layers 64,8,10, nmax 16"), "\(r.stderr)")
  // The same data with its images: more than a point above chance, no note.
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 200, seed: 1), test: SyntheticImages(count: 100, seed: 2), to: data)
  r = try runXbarsim(["train"] + common + ["--rule", "float", "--lr", "0.1", "--epochs", "3", "--out", root.appendingPathComponent("u").path])
  #expect(r.status == 0 && !r.stderr.contains("at chance"), "\(r.stderr)")
}

// One class in the test set: any answer scores its share or less, and a
// network that tells the classes apart cannot be told from one that
// answers that class; no note.
@Test func aTestSetOfOneClassGetsNoChanceNote() {
  let one = IDXDataset(rows: 1, cols: 1, pixels: [0, 0, 0], labels: [4, 4, 4])
  #expect(TrainCommand.chanceNote(finished(best: 0), TrainingConfiguration(), test: one, after: 0) == nil)
}

// A walkthrough of large networks (session 66): a hybrid 784-14000-10's
// checkpoint was written (1.12 GB) and then refused by --checkpoint-in
// (more than the 1 GiB it reads). A save that could pass that is now
// refused before training; `Checkpoint.largestBytes`, the bound it uses,
// holds for every kind of checkpoint written here.
@Test func aCheckpointNeverPassesItsBoundAndOneBeyondTheReadLimitIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s66-ckpt-size", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let cases: [[String]] = [
    ["--rule", "hybrid"],
    ["--rule", "hybrid", "--endurance", "true", "--d2d", "0.3"],
    ["--rule", "single", "--endurance", "true"],
    ["--rule", "lim"],
    ["--rule", "lim", "--sigma", "0.5", "--sigma-c2c", "0.2", "--endurance", "true"],
    ["--rule", "lim", "--method", "c"],
  ]
  for (k, extra) in cases.enumerated() {
    let file = root.appendingPathComponent("c\(k).json")
    let options = ["--layers", "64,40,10"] + extra
    let r = try runXbarsim(
      ["train", "--data", data.path, "--evals-per-epoch", "1", "--checkpoint-out", file.path, "--summary", root.appendingPathComponent("s\(k).json").path] + options)
    #expect(r.status == 0, "\(extra): \(r.stderr)")
    var cfg = TrainingConfiguration()
    for i in stride(from: 0, to: options.count, by: 2) {
      try cfg.set(String(options[i].dropFirst(2)).replacingOccurrences(of: "-", with: "_"), options[i + 1])
    }
    let size = Double(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as! Int)
    // The bound less its megabyte for the rest, against the file less
    // its opening (the configuration): the arrays' numbers alone.
    let synapses = 65.0 * 40 + 41 * 10
    #expect(size - 20_000 < Checkpoint.largestBytes(cfg) - 1e6, "\(extra): \(size) bytes, bound \(Checkpoint.largestBytes(cfg) - 1e6) for \(synapses) synapses")
  }
  // Beyond the read limit: refused before training, naming the option.
  let big = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--layers", "64,140000,10", "--checkpoint-out", root.appendingPathComponent("big.json").path])
  #expect(big.status == 64, "\(big.stderr)")
  #expect(big.stderr.hasPrefix("Error: --checkpoint-out: the checkpoint of 64-140000-10 (10500010 synapses) could reach 1.31 GB (every number at its longest), more than the 1073741824 bytes --checkpoint-in reads"), "\(big.stderr)")
  #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("big.json").path))
}

// The save's text goes out through a buffer of a megabyte: what crosses
// its flushes arrives whole and in order, and a failed write names the
// file and its cause.
@Test func aStreamedFileIsTheTextItWasGiven() throws {
  let root = try Scratch.directory("xbarsim-s66-sink")
  defer { try? FileManager.default.removeItem(at: root) }
  let values = (0..<400_000).map { Double($0) * 0.37 - 1e5 }
  let expected = "{\"v\": [" + values.map { "\($0)" }.joined(separator: ",") + "]}\n"
  #expect(expected.utf8.count > 3 * OutputFile.Sink.chunk)
  let path = root.appendingPathComponent("x.json").path
  try OutputFile.write(to: path) { out in
    try out.write("{\"v\": ")
    try out.list(values) { "\($0)" }
    try out.write("}\n")
  }
  #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
  // An empty list, and text alone.
  try OutputFile.write(to: path) { try $0.list([Int]()) { String($0) } }
  #expect(try String(contentsOfFile: path, encoding: .utf8) == "[]")
  // A device with no room: the error names it and the system's reason.
  #expect {
    try OutputFile.write(to: "/dev/full") { try $0.write(expected) }
  } throws: { error in
    "\(error)".contains("/dev/full: cannot write (No space left on device)")
  }
}

// A walkthrough of large networks (session 66): a Fashion-MNIST run from
// an MNIST checkpoint saved inside an epoch trained "the rest of that
// epoch", skipping the images the saved order had reached, and --epochs
// rest took it for the same run. A checkpoint now keeps its training
// set's checksum; a run on other data begins a new epoch and is not the
// saved run.
@Test func aCheckpointOnOtherTrainingDataIsNotGoneOnInsideItsEpoch() throws {
  let root = try Scratch.directory("xbarsim-s66-other-data")
  defer { try? FileManager.default.removeItem(at: root) }
  let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 40, seed: 1), test: SyntheticImages(count: 10, seed: 2), to: a)
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 40, seed: 5), test: SyntheticImages(count: 10, seed: 2), to: b)
  let ckpt = root.appendingPathComponent("c.json")
  let common = ["--layers", "64,8,10", "--evals-per-epoch", "1"]
  var r = try runXbarsim(["train", "--data", a.path, "--checkpoint-out", ckpt.path] + common)
  #expect(r.status == 0, "\(r.stderr)")
  // As if saved 20 images into an epoch, two epochs before its run's end.
  var text = try String(contentsOf: ckpt, encoding: .utf8)
  #expect(text.contains("\"train_checksum\": \"\(String(IDXDataset(rows: 8, cols: 8, pixels: SyntheticImages(count: 40, seed: 1).pixels, labels: SyntheticImages(count: 40, seed: 1).labels).checksum, radix: 16))\""))
  text = text.replacingOccurrences(of: "\"epoch_images\": 0", with: "\"epoch_images\": 20")
    .replacingOccurrences(of: "\"run_end_images\": 40", with: "\"run_end_images\": 100")
    .replacingOccurrences(of: "\"shuffles\": 1", with: "\"shuffles\": 2")
  try text.write(to: ckpt, atomically: false, encoding: .utf8)
  // The same data: the rest of the epoch, and --epochs rest is 2 epochs.
  r = try runXbarsim(["train", "--data", a.path, "--checkpoint-in", ckpt.path, "--epochs", "rest"] + common)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("was saved 20 images into an epoch of 40; this run trains the rest of that epoch as its first"), "\(r.stderr)")
  // Other data: a new epoch, said so, and --epochs rest refused.
  r = try runXbarsim(["train", "--data", b.path, "--checkpoint-in", ckpt.path] + common)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("was saved 20 images into an epoch of other training data (train_checksum "), "\(r.stderr)")
  #expect(r.stderr.contains("this run begins a new epoch"), "\(r.stderr)")
  r = try runXbarsim(["train", "--data", b.path, "--checkpoint-in", ckpt.path, "--epochs", "rest"] + common)
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: --epochs rest: the run that saved \(ckpt.path) trained on other training data (train_checksum "), "\(r.stderr)")
  // A malformed checksum names the key.
  try text.replacingOccurrences(of: "\"train_checksum\": \"", with: "\"train_checksum\": \"xyz").write(to: ckpt, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train", "--data", a.path, "--checkpoint-in", ckpt.path] + common)
  #expect(r.status == 1 && r.stderr.contains("'train_checksum' must be a checksum of up to 16 hexadecimal digits"), "\(r.stderr)")
}

// Smaller findings of the large-network walkthrough (session 66).
@Test func smallerFindingsOfTheLargeNetworkWalkthrough() throws {
  // `--checkpoint` is 3 and 4 edits from its options: the options it
  // begins are named.
  var r = try runXbarsim(["train", "--checkpoint", "c.json"])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: unknown option '--checkpoint' (did you mean one of '--checkpoint-every', '--checkpoint-in', '--checkpoint-out'?)"), "\(r.stderr)")
  // A directory whose data are one level down names the subdirectory.
  let root = try Scratch.directory("xbarsim-s66-below")
  defer { try? FileManager.default.removeItem(at: root) }
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 20, seed: 1), test: SyntheticImages(count: 10, seed: 2), to: root.appendingPathComponent("fashion"))
  r = try runXbarsim(["train", "--data", root.path])
  #expect(r.status != 0)
  #expect(r.stderr.contains("missing file (nor train-images-idx3-ubyte.gz); a subdirectory holds it: --data \(root.appendingPathComponent("fashion").path)"), "\(r.stderr)")
  // The result line gives the evaluations' time beside the training's.
  r = try runXbarsim(["train", "--data", root.appendingPathComponent("fashion").path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--rule", "float"])
  #expect(r.status == 0, "\(r.stderr)")
  #expect((r.stdout + r.stderr).range(of: #"images in [0-9.]+ s train \([0-9]+ images/s\), 0 pulses, 0 resets; evaluations [0-9.]+ s"#, options: .regularExpression) != nil, "\(r.stdout)")
}

// Review 66: a run stopped at its last epoch's end, before the epoch's
// record (in an evaluation), had no image left, and --epochs rest, which
// its interrupt message advises, was refused as "had ended". That end is
// left: one epoch of no image.
@Test func theRestOfARunStoppedAtItsLastEpochsEndIsThatEnd() throws {
  var cfg = TrainingConfiguration()
  cfg.epochs = 2
  cfg.batch = 50
  cfg.trainLimit = 100
  var saved = Checkpoint.Saved(configuration: cfg)
  saved.trainImages = 200
  saved.place.epochImages = 100
  saved.place.shuffles = 2
  saved.place.runEndImages = 200
  let rest = try TrainCommand.restOfRun(saved, "c.json", cfg, dataCount: 1000, trainChecksum: 7)
  #expect(rest.epochs == 1 && rest.left == 0)
  // Ended with its record (epoch_images 0): refused, as before.
  saved.place.epochImages = 0
  #expect(throws: CLIError.self) { try TrainCommand.restOfRun(saved, "c.json", cfg, dataCount: 1000, trainChecksum: 7) }
}

// An interrupt fuzz (session 66): after a stop in the last epoch's
// training-set accuracy, the run going on said its run "had 0 training
// images left"; it says where that run stopped.
@Test func aRunGoingOnFromItsLastEpochsEndSaysSo() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s66-end-left", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let ckpt = root.appendingPathComponent("c.json")
  let common = ["--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"]
  var r = try runXbarsim(["train"] + common + ["--checkpoint-out", ckpt.path])
  #expect(r.status == 0, "\(r.stderr)")
  // As a stop in that epoch's training-set accuracy leaves it.
  let text = try String(contentsOf: ckpt, encoding: .utf8).replacingOccurrences(of: "\"epoch_images\": 0", with: "\"epoch_images\": 40")
  try text.write(to: ckpt, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train"] + common + ["--checkpoint-in", ckpt.path, "--epochs", "rest"])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("note: the run that saved \(ckpt.path) stopped at the end of its last epoch, before that epoch's record (no training image left): this run's --epochs 1 ends where it would have"), "\(r.stderr)")
}

// A walkthrough of large networks (session 66): runs that differed only in
// the hard sigmoid's c had one title; a c away from its default is named.
@Test func aHardSigmoidAwayFromItsDefaultIsNamed() {
  var cfg = TrainingConfiguration()
  #expect(!TrainCommand.describe(cfg).contains("hard sigmoid"))
  cfg.c = 8
  #expect(TrainCommand.describe(cfg).hasSuffix(", hard sigmoid c 8"), "\(TrainCommand.describe(cfg))")
  cfg.rule = .hybrid
  #expect(TrainCommand.describe(cfg).contains(", hard sigmoid c 8"), "\(TrainCommand.describe(cfg))")
}
