import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Session 64: three items that session 63's scripted-study walkthrough
// left: `--grid rule=lim,float --beta 1` was told about beta_p, a key not
// given; `train --config sweep.json` was told "format: unknown
// configuration key"; `reproduce` had no --quiet.

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1"]

@Test func aSweepPointNamesTheOptionGivenForTheKeyItIgnores() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-beta", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("sw").path
  let r = try runXbarsim(["sweep", "--data", data.path, "--grid", "rule=lim,float", "--beta", "1", "--out", out, "--quiet"] + tiny)
  #expect(r.status == 64)
  #expect(
    r.stderr.hasPrefix("Error: --grid point 1 (rule=float): --beta (beta_p) applies to rule lim only; rule float would ignore it"),
    "\(r.stderr)")
  // A grid key is named as the grid gives it.
  let g = try runXbarsim(["sweep", "--data", data.path, "--grid", "rule=lim,float", "--grid", "nmax=32", "--out", out, "--quiet"] + tiny)
  #expect(g.status == 64)
  #expect(g.stderr.hasPrefix("Error: --grid point 1 (rule=float nmax=32): nmax applies to"), "\(g.stderr)")
}

@Test func aSweepsTableAsConfigIsNamedAsSuch() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-sweepjson", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("sw").path
  let s = try runXbarsim(["sweep", "--data", data.path, "--grid", "beta=1,2", "--out", out, "--quiet"] + tiny)
  #expect(s.status == 0, "\(s.stderr)")
  let table = out + "/sweep.json"
  let t = try runXbarsim(["train", "--data", data.path, "--config", table, "--quiet"] + tiny)
  #expect(t.status == 64)
  #expect(
    t.stderr == "Error: \(table): a sweep's table (format xbarsim-sweep), not a configuration: give a point's summary (point-P.json beside it) to train one point again\n",
    "\(t.stderr)")
  // Its point's summary trains.
  let p = try runXbarsim(["train", "--data", data.path, "--config", out + "/point-1.json", "--quiet"] + tiny)
  #expect(p.status == 0, "\(p.stderr)")
  #expect(p.stdout.contains(" β 2 "), "\(p.stdout)")
  // And a reproduce journal.
  let journal = root.appendingPathComponent("j.json").path
  try #"{"format": "xbarsim-reproduce-runs", "version": 1, "runs": []}"#.write(toFile: journal, atomically: false, encoding: .utf8)
  let j = try runXbarsim(["train", "--data", data.path, "--config", journal, "--quiet"] + tiny)
  #expect(j.status == 64)
  #expect(j.stderr.contains("a reproduce journal (format xbarsim-reproduce-runs), not a configuration"), "\(j.stderr)")
}

@Test func reproduceQuietKeepsTheTableAndDropsTheRunLines() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-quiet", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let args = ["reproduce", "lim2018", "--figure", "9", "--seeds", "1", "--data", data.path] + tiny
  let loud = try runXbarsim(args)
  #expect(loud.status == 0, "\(loud.stderr)")
  #expect(loud.stderr.contains("seed 1: "), "\(loud.stderr)")
  let quiet = try runXbarsim(args + ["--quiet"])
  #expect(quiet.status == 0, "\(quiet.stderr)")
  #expect(!quiet.stderr.contains("seed 1: "), "\(quiet.stderr)")
  #expect(quiet.stdout == loud.stdout)
  #expect(quiet.stdout.contains("n_max = 32"), "\(quiet.stdout)")
}

// A periphery architect's walkthrough (session 64).

private func summaryObject(_ url: URL) throws -> [String: Any] {
  try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
}

// The output note counted sums clipped at the ADC's bottom, which change
// no argmax (45 % of them at 86.8 %), and advised a wider range. Now only
// images with two or more outputs clipped at the top count.
@Test func theOutputClippingNoteCountsTiesAtTheTopOnly() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-ties", train: 200, test: 100)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  let common = ["train", "--layers", "64,16,10", "--data", data.path, "--summary", summary.path, "--quiet"]
  let tight = try runXbarsim(common + ["--rule", "hybrid", "--adc-bits", "6", "--adc-range", "0.05"])
  #expect(tight.status == 0, "\(tight.stderr)")
  let f = try #require(try summaryObject(summary)["adc_clipped_fraction"] as? [Double])
  #expect(tight.stderr.contains("% of the test images had two or more output sums clipped at the ADC's top (s above adc_range 0.05), where those classes read the same code"), "\(tight.stderr)")
  #expect(tight.stderr.contains("\(String(format: "%.1f", 100 * f[1])) % of the output sums clipped at either end)"), "\(tight.stderr)")
  #expect(!tight.stderr.contains("note: the ADC clipped") || tight.stderr.contains("hidden layer 1's sums"), "\(tight.stderr)")
  // 40 % of the output sums clipped, nearly all at the bottom: no note
  // (the old one fired from 1 %).
  let bottom = try runXbarsim(common + ["--adc-bits", "6", "--adc-range", "1"])
  #expect(bottom.status == 0, "\(bottom.stderr)")
  let g = try #require(try summaryObject(summary)["adc_clipped_fraction"] as? [Double])
  #expect(g[1] > 0.3, "\(g)")
  #expect(!bottom.stderr.contains("output sums") && !bottom.stderr.contains("output layer's sums"), "\(bottom.stderr)")
}

// Settings beyond anything the errors can reach trained to chance without
// a word: a comparator offset of 1e6, transposed read noise of 1e6, a
// hidden threshold of 1e6.
@Test func settingsBeyondTheErrorsReachAreNoted() throws {
  var cfg = TrainingConfiguration()
  #expect(TrainCommand.unreachableErrorNotes(cfg).isEmpty)
  cfg.comparatorOffset = 1e6
  cfg.transposedReadNoise = 1e6
  cfg.hiddenThreshold = 1e6
  // (Offsets of 1e6 pass a threshold of 1e6: the hidden comparators
  // still fire, so no note on the threshold; review 64b.)
  #expect(TrainCommand.unreachableErrorNotes(cfg).count == 2)
  cfg.comparatorOffset = 0
  let hiddenNotes = TrainCommand.unreachableErrorNotes(cfg)
  cfg.comparatorOffset = 1e6
  let notes = TrainCommand.unreachableErrorNotes(cfg) + hiddenNotes
  #expect(notes.count == 4, "\(notes)")
  #expect(notes.first?.hasPrefix("note: comparator_offset 1000000: 10 of the output layer's 10 comparators have an offset beyond their dead band (threshold 0.1; column 0 ") == true, "\(notes)")
  #expect(notes.first?.hasSuffix("so each pulses its column the same way on every sample whose δ is near 0, the outputs the network already gets right, whatever their error; all of them beyond 1 + threshold, past any δ (|p − t| < 1), so they pulse on every sample") == true, "\(notes)")
  #expect(notes.contains("note: hidden_threshold 1000000 is at or beyond the largest δ the hidden layer's comparators can see (10 for hidden layer 1: its 10 outputs' δ, each below 1, through weights of at most 1), so they never fire and the synapses below it never learn"), "\(notes)")
  #expect(notes.contains("note: transposed_read_noise 1000000 is at or beyond the largest value hidden layer 1's transposed read can give (10: its 10 outputs' δ, each below 1, through weights of at most 1): its δ follows the noise more than the error"), "\(notes)")
  // Below the bounds: nothing. (σ 0.01: no offset of the ten passes 0.1.)
  cfg.comparatorOffset = 0.01
  cfg.transposedReadNoise = 9.9
  cfg.hiddenThreshold = 9.9
  #expect(TrainCommand.unreachableErrorNotes(cfg).isEmpty)
  // Two hidden layers: the lower one's δ reaches 50 × 10 = 500, so a
  // threshold of 20 silences the upper one only.
  cfg.comparatorOffset = 0
  cfg.layers = [784, 100, 50, 10]
  cfg.hiddenThreshold = 20
  let two = TrainCommand.unreachableErrorNotes(cfg)
  #expect(two == ["note: hidden_threshold 20 is at or beyond the largest δ hidden layer 2's comparators can see (10 for hidden layer 2: its 10 outputs' δ, each below 1, through weights of at most 1), so they never fire and the synapses below it never learn"], "\(two)")
  cfg.hiddenThreshold = 500
  #expect(TrainCommand.unreachableErrorNotes(cfg).first?.contains("every hidden layer's comparators can see (500 for hidden layer 1: its 50 outputs' δ, each at most 10, through weights of at most 1)") == true, "\(TrainCommand.unreachableErrorNotes(cfg))")
  // The hybrid's weights reach (1 − gmin_ratio)(1 + 1/k), 0.99 at its
  // defaults, and its δ takes the slope 1/(2c).
  cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  cfg.encoding = .sign
  cfg.hiddenThreshold = 2
  #expect(TrainCommand.unreachableErrorNotes(cfg).first?.contains("(1.24 for hidden layer 1: its 10 outputs' δ, each below 1, through weights of at most 0.99, times the slope 1/(2c))") == true, "\(TrainCommand.unreachableErrorNotes(cfg))")
  // Through train, with --quiet.
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-unreachable", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--hidden-threshold", "1e6", "--quiet"] + tiny)
  #expect(r.status == 0 && r.stderr.contains("note: hidden_threshold 1000000 is at or beyond"), "\(r.stderr)")
}

// `--c 4` from a checkpoint of `--adc-bits 6 --c 3` kept its range 6 and
// was told to give --adc-range 8, where the run's summary read at 8.
@Test func aCheckpointsDefaultAdcRangeFollowsAnotherC() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-range", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = root.appendingPathComponent("ck.json").path, s = root.appendingPathComponent("s.json")
  let a = try runXbarsim(["train", "--data", data.path, "--adc-bits", "6", "--c", "3", "--checkpoint-out", ck, "--quiet"] + tiny)
  #expect(a.status == 0, "\(a.stderr)")
  let b = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck, "--c", "4", "--summary", s.path, "--quiet"] + tiny)
  #expect(b.status == 0, "\(b.stderr)")
  let cfg = try #require(try summaryObject(s)["configuration"] as? [String: Any])
  #expect(cfg["adc_range"] as? Double == 8, "\(cfg["adc_range"] ?? "none")")
  #expect(!b.stderr.contains("--adc-range"), "\(b.stderr)")
  // A range given stays.
  let c = try runXbarsim(["train", "--data", data.path, "--adc-bits", "6", "--adc-range", "5", "--checkpoint-out", ck, "--quiet"] + tiny)
  #expect(c.status == 0, "\(c.stderr)")
  let d = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck, "--c", "4", "--summary", s.path, "--quiet"] + tiny)
  #expect(d.status == 0, "\(d.stderr)")
  #expect((try summaryObject(s)["configuration"] as? [String: Any])?["adc_range"] as? Double == 5)
}

// Off-chip learning reports no latency, the only thing adc_columns sets;
// a 1-bit converter was "1 bits".
// The output comparators as drawn: σ 0.07 against the dead band 0.1 took
// rule lim from 88.4 to 62.8 % on 5,000 MNIST images without a word.
@Test func outputComparatorsWhoseOffsetsPassTheDeadBandAreNamed() throws {
  var cfg = TrainingConfiguration()
  cfg.comparatorOffset = 0.07
  let drawn = cfg.comparators(columns: Array(cfg.layers.dropFirst())).last!.map(\.offset)
  let beyond = drawn.indices.filter { abs(drawn[$0]) > 0.1 }
  let notes = TrainCommand.unreachableErrorNotes(cfg)
  if beyond.isEmpty {
    #expect(notes.isEmpty, "\(notes)")
  } else {
    let first = "column \(beyond[0]) \(String(format: "%+.3g", drawn[beyond[0]]))"
    #expect(notes.first?.hasPrefix("note: comparator_offset 0.07: \(beyond.count) of the output layer's 10 comparators have an offset beyond their dead band (threshold 0.1; \(first)") == true, "\(notes)")
    #expect(notes.first?.contains("past any δ") == false, "\(notes)")
  }
  // A wider dead band takes them in.
  cfg.outputThreshold = 0.5
  #expect(TrainCommand.unreachableErrorNotes(cfg).isEmpty)
  // The hybrid's coincidence encodings have no comparator (the key is
  // refused there); its sign encoding is noted as rule lim is.
  cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  cfg.encoding = .sign
  cfg.comparatorOffset = 5
  #expect(TrainCommand.unreachableErrorNotes(cfg).first?.hasPrefix("note: comparator_offset 5: ") == true)
}

@Test func offChipRefusesAdcColumnsAndOneBitIsSingular() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-offchip", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--learning", "off-chip", "--adc-columns", "8", "--quiet"] + tiny)
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: --adc-columns: applies to learning on-chip (its latency account) and adc_inl (the converters' shared transition levels) only"), "\(r.stderr)")
  let one = try runXbarsim(["train", "--data", data.path, "--adc-bits", "1", "--dac-bits", "1"] + tiny)
  #expect(one.status == 0, "\(one.stderr)")
  #expect(one.stdout.contains("ADC 1 bit, DAC 1 bit:"), "\(one.stdout)")
}

// A first-hour walkthrough and a hybrid periphery walkthrough (session 64).

@Test func offChipAndHybridTitlesNameWhatTellsTheirRunsApart() throws {
  var cfg = TrainingConfiguration()
  cfg.mode = .offChip
  cfg.betaP = 3
  cfg.betaD = 3
  cfg.nMax = 32
  #expect(TrainCommand.describe(cfg) == "off-chip 784-200-10 β 3 nmax 32 σ 0", "\(TrainCommand.describe(cfg))")
  cfg.transfer = .weights
  #expect(TrainCommand.describe(cfg).hasPrefix("off-chip 784-200-10 β 3 nmax 32 σ 0 transfer weights"), "\(TrainCommand.describe(cfg))")
  var h = TrainingConfiguration()
  h.rule = .hybrid
  #expect(!TrainCommand.describe(h).contains(" lr ") && !TrainCommand.describe(h).contains("switch"))
  h.learningRate = 0.05
  h.switchThreshold = 2
  #expect(TrainCommand.describe(h).contains("d2d 0 lr 0.05 switch 2"), "\(TrainCommand.describe(h))")
  var t = TrainingConfiguration()
  t.outputThreshold = 0.2
  t.hiddenThreshold = 0.01
  #expect(TrainCommand.describe(t).hasSuffix(", threshold 0.2, hidden threshold 0.01"), "\(TrainCommand.describe(t))")
}

@Test func aMistypedCommandGetsTheNearestName() throws {
  let r = try runXbarsim(["trian"])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: unknown command 'trian' (did you mean 'train'?)\n"), "\(r.stderr)")
  let far = try runXbarsim(["frobnicate"])
  #expect(far.status == 64 && far.stderr.hasPrefix("Error: unknown command 'frobnicate'\n"), "\(far.stderr)")
  let help = try runXbarsim(["help", "sovle"])
  #expect(help.status == 64 && help.stderr.hasPrefix("Error: unknown command 'sovle' (did you mean 'solve'?)"), "\(help.stderr)")
}

@Test func reproduceRefusesAFiguresKeyBeforeReadingTheData() throws {
  let root = try Scratch.directory("xbarsim-s64-nodata")
  defer { try? FileManager.default.removeItem(at: root) }
  let missing = root.appendingPathComponent("nothing").path
  let seed = try runXbarsim(["reproduce", "lim2018", "--figure", "8", "--seed", "3", "--data", missing])
  #expect(seed.status == 64)
  #expect(seed.stderr.hasPrefix("Error: --seed: reproduce lim2018 --figure 8 runs seeds 1, 2, …, K itself"), "\(seed.stderr)")
  let nmax = try runXbarsim(["reproduce", "choi2021", "--figure", "6", "--states", "20", "--data", missing])
  #expect(nmax.status == 64, "\(nmax.stderr)")
  // Without such a key, the data's error.
  let plain = try runXbarsim(["reproduce", "lim2018", "--figure", "8", "--data", missing])
  #expect(plain.status == 1 && plain.stderr.contains("no such directory"), "\(plain.stderr)")
}

// `--k 1e6` ran two fine epochs of 376 million pulses each with the same
// loss to six digits: its small step, 0.9/49/1e6 = 1.84e-8 of G_max, is
// below what a single-precision weight near 1 resolves.
@Test func aSmallStepBelowTheWeightsPrecisionIsNoted() {
  var cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  #expect(TrainCommand.smallStepNote(cfg) == nil)
  cfg.k = 1e6
  #expect(TrainCommand.smallStepNote(cfg) == "note: with k 1000000 a small device's step is 1.84e-08 of G_max, under the weights' single-precision resolution near 1 (2.38e-07): the fine phase's updates cannot move the weights the network reads, and only cost pulses")
  // 1e4 with 400 g-states: 2.26e-7, just under; 1e4 with 50: 1.84e-6.
  cfg.k = 1e4
  #expect(TrainCommand.smallStepNote(cfg) == nil)
  cfg.smallStates = 400
  #expect(TrainCommand.smallStepNote(cfg) != nil)
  cfg.rule = .single
  #expect(TrainCommand.smallStepNote(cfg) == nil)
}

// The epoch that switched read "updating the big arrays", the switch said
// only by the next epoch's line (a walkthrough, session 64).
@Test func theEpochLineSaysTheSwitch() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-switchline", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--epochs", "2", "--switch-threshold", "99", "--layers", "64,8,10", "--evals-per-epoch", "1"])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
  #expect(lines.count == 2, "\(r.stderr)")
  #expect(lines.first?.hasSuffix(", updating the big arrays; switching to the small arrays") == true, "\(lines)")
  #expect(lines.last?.hasSuffix(", updating the small arrays") == true, "\(lines)")
}

// Review 64b: with comparator offsets a hidden comparator whose offset
// passes the threshold's reach still fires: the note counts the layer's
// largest drawn offset on top of its δ.
@Test func theHiddenThresholdNoteCountsTheDrawnOffsets() {
  var cfg = TrainingConfiguration()
  cfg.hiddenThreshold = 10
  #expect(TrainCommand.unreachableErrorNotes(cfg).first?.hasPrefix("note: hidden_threshold 10 is at or beyond") == true)
  cfg.comparatorOffset = 0.05
  let largest = cfg.comparators(columns: Array(cfg.layers.dropFirst()))[0].map { abs(Double($0.offset)) }.max()!
  #expect(largest > 0)
  #expect(!TrainCommand.unreachableErrorNotes(cfg).contains { $0.contains("hidden_threshold") })
  cfg.hiddenThreshold = 10 + largest
  #expect(TrainCommand.unreachableErrorNotes(cfg).contains { $0.contains("hidden_threshold") })
}

// Session 63's left item: a run from a checkpoint saved at an epoch's last
// image trains none of it, and its epoch record and point read a loss of 0,
// as if the network made no error. Now empty (null in the summary).
@Test func anEpochWithoutATrainedImageHasNoLoss() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-noloss", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = root.appendingPathComponent("ck.json"), out = root.appendingPathComponent("out")
  let common = ["train", "--data", data.path, "--train-limit", "30", "--evals-per-epoch", "1", "--quiet"] + ["--layers", "64,8,10"]
  let a = try runXbarsim(common + ["--checkpoint-out", ck.path])
  #expect(a.status == 0, "\(a.stderr)")
  let original = try String(contentsOf: ck, encoding: .utf8)
  let full = original.replacingOccurrences(of: #""epoch_images": 0,"#, with: #""epoch_images": 30,"#)
  #expect(full != original)
  let edited = root.appendingPathComponent("full.json")
  try full.write(to: edited, atomically: false, encoding: .utf8)
  let b = try runXbarsim(common + ["--checkpoint-in", edited.path, "--out", out.path])
  #expect(b.status == 0, "\(b.stderr)")
  let epochs = try String(contentsOf: out.appendingPathComponent("epochs.csv"), encoding: .utf8).split(separator: "\n")
  #expect(epochs.count == 2, "\(epochs)")
  #expect(epochs[1].split(separator: ",", omittingEmptySubsequences: false)[4] == "", "\(epochs)")
  let log = try String(contentsOf: out.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n")
  #expect(log.count == 2 && log[1].split(separator: ",", omittingEmptySubsequences: false)[3] == "", "\(log)")
  let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
  let records = try #require(summary["epochs"] as? [[String: Any]])
  #expect(records.first?["train_loss"] is NSNull, "\(records)")
  // A run that trains its images has its loss, as before.
  let c = try runXbarsim(common + ["--summary", root.appendingPathComponent("c.json").path])
  let cs = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("c.json"))) as? [String: Any])
  #expect(c.status == 0 && ((cs["epochs"] as? [[String: Any]])?.first?["train_loss"] as? Double ?? 0) > 0, "\(cs)")
}

// Review 64c: an epoch without a trained image is written with a null
// train_loss; a journal's reader takes it back as no loss (NaN), where it
// had refused it as "needs a number".
@Test func anEpochsNullLossReadsBackFromAJournal() throws {
  var e = EpochRecord(
    epoch: 1, images: 30, trainAccuracy: 50, testAccuracy: 40, loss: .nan, meanSquaredError: nil, pulses: 0,
    cellUpdates: nil, updateFrequency: nil, seconds: 0, phase: "")
  let written = TrainCommand.epochsJSON([e])
  #expect(written.contains("\"train_loss\": null"), "\(written)")
  let back = try RunJournal.epochs(try JSONValue.parse(Data(written.utf8)), fail: { CLIError.runtime($0) })
  #expect(back.count == 1 && back[0].loss.isNaN)
  e.loss = 0.25
  let again = try RunJournal.epochs(try JSONValue.parse(Data(TrainCommand.epochsJSON([e]).utf8)), fail: { CLIError.runtime($0) })
  #expect(again.first?.loss == 0.25)
}

// The IR-drop walkthrough: the README says the run's line tells that a
// pulse held back and the lines dissipate unbooked; it did not (rule lim),
// nor the hybrid's (review 64c).
@Test func theWriteLinesLineSaysWhatIsNotBooked() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-unbooked", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let lines = ["--wires", "resistive", "--r-row", "1", "--r-col", "1", "--write-lines", "resistive"] + tiny
  for rule in ["lim", "hybrid"] {
    let r = try runXbarsim(["train", "--data", data.path, "--rule", rule] + lines)
    #expect(r.status == 0, "\(r.stderr)")
    let said = r.stderr + r.stdout
    #expect(said.contains("still dissipates in its cell, and the lines in every slot: neither is booked"), "\(rule): \(said)")
  }
}
