import Circuit
import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// A review (session 54): with a key some array runs do not read (Figure
// 14's off-chip runs: the transposed reads' noise) and one every array run
// reads (an ADC), the settings line had dropped the ADC and the labels
// carried only the partly read key: the ADC was named nowhere.
@Test func aKeyEveryArrayRunReadsStaysOnTheSettingsLineBesideAPartlyReadOne() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s54-settings", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "reproduce", "lim2018", "--figure", "14", "--seeds", "1", "--data", data.path, "--layers", "64,8,10",
    "--evals-per-epoch", "2", "--transposed-read-noise", "0.2", "--adc-bits", "8",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = r.stdout.split(separator: "\n").map(String.init)
  let settings = try #require(lines.first { $0.hasPrefix("settings") || $0.contains("adc_bits") }, "\(r.stdout)")
  #expect(settings.contains("adc_bits 8"), "\(r.stdout)")
  // The partly read key in the labels of the runs that read it, not on
  // the settings line.
  #expect(!settings.contains("transposed_read_noise"), "\(settings)")
  let onChip = lines.filter { $0.contains("on-chip") }
  #expect(!onChip.isEmpty && onChip.allSatisfy { $0.contains("transposed read noise 0.2") }, "\(r.stdout)")
}

// A walkthrough (session 54): a depression branch pasted as p rows, whose
// noise put one point just above the first, passed as a device (its early
// maximum called an outlier) and trained to chance; a branch that falls
// overall is refused as falling data are, and a depression branch that
// rises overall likewise.
@Test func aBranchThatRunsTheWrongWayOverallIsRefused() throws {
  func error(_ text: String) -> String {
    do {
      _ = try MeasuredDevice(csv: text, source: "dev.csv")
      return ""
    } catch { return "\(error)" }
  }
  // Falling, with a noisy point above the first at pulse 2.
  let falling = [10.0, 9.6, 10.01, 8.8, 8.1, 7.0, 6.2, 5.1, 4.0, 3.2].map { "p,\($0)e-6" }.joined(separator: "\n")
  #expect(error(falling).contains("the potentiation branch falls overall (from 1e-05 S to 3.2e-06 S"), "\(error(falling))")
  #expect(error(falling).hasSuffix("falling data are a depression branch (d rows), and a device needs a rising potentiation branch (p rows)"))
  let rising = "p,1e-6\np,5e-6\n" + [2.0, 1.9, 2.2, 2.6, 3.0, 3.5].map { "d,\($0)e-6" }.joined(separator: "\n")
  #expect(error(rising).contains("the depression branch rises overall"), "\(error(rising))")
  // A rising branch with a noisy end and a falling one with a noisy
  // start are still devices.
  let noisyEnd = [1.0, 2.0, 3.0, 4.0, 5.0, 5.5, 5.8, 5.9, 5.7, 5.85].map { "p,\($0)e-6" }.joined(separator: "\n")
  #expect(error(noisyEnd) == "")
  let depression = "p,1e-6\np,5e-6\n" + [5.0, 5.1, 4.0, 3.0, 2.0, 1.5].map { "d,\($0)e-6" }.joined(separator: "\n")
  #expect(error(depression) == "")
}

// A walkthrough (session 54): a µS file whose first value was typed in
// siemens made G_min 1e-12 S (gmin_ratio 1e-7) without a word.
@Test func aFirstPointFarBelowTheRestIsNoted() throws {
  let root = try Scratch.directory("xbarsim-s54-first")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("mix.csv")
  try ("branch,conductance (uS)\np,1.0e-6\n" + (1...12).map { "p,\(Double($0) * 0.8)" }.joined(separator: "\n"))
    .write(to: file, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  cfg.rule = .single
  try cfg.set("device_csv", file.path)
  let notes = TrainCommand.deviceNotes(cfg, name: "mix.csv")
  let note = try #require(notes.first { $0.contains("first point") }, "\(notes)")
  #expect(note.hasPrefix("note: mix.csv: the potentiation branch's first point, 1e-12 S, is far below a synapse's and 8e+05 times below the next (8e-07 S); it sets G_min (gmin_ratio 1.042e-07)"), "\(note)")
  // A device whose first point is a synapse's G_min: nothing to say.
  #expect(TrainCommand.firstPointNote("d.csv", curve: [0.1, 0.2, 0.5, 1], gMax: 1e-5) == nil)
  // Nor a G_min of 0.
  #expect(TrainCommand.firstPointNote("d.csv", curve: [0, 0.2, 0.5, 1], gMax: 1e-5) == nil)
}

// A walkthrough (session 54): `--data /usr/share/datasets/fashion_mnist`
// (for fashion-mnist) was told to download MNIST into it; a path not
// MNIST's own is asked to be checked first.
@Test func aMistypedDatasetPathIsAskedToBeCheckedFirst() throws {
  let root = try Scratch.directory("xbarsim-s54-path")
  defer { try? FileManager.default.removeItem(at: root) }
  let typo = root.appendingPathComponent("fashion_mnist")
  var r = try runXbarsim(["train", "--data", typo.path, "--quiet"])
  #expect(r.status != 0 && r.stderr.contains("\(typo.path): no such directory (check the path); if MNIST should go there, run scripts/fetch-mnist"), "\(r.stderr)")
  let empty = root.appendingPathComponent("kaggle")
  try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
  r = try runXbarsim(["train", "--data", empty.path, "--quiet"])
  #expect(r.status != 0 && r.stderr.contains("the directory holds none of the four IDX files (check the path; if MNIST should go there, run scripts/fetch-mnist"), "\(r.stderr)")
  // MNIST's own directory keeps the plain advice.
  let mnist = root.appendingPathComponent("data/mnist")
  r = try runXbarsim(["train", "--data", mnist.path, "--quiet"])
  #expect(r.stderr.contains("no such directory; to download MNIST into it, run scripts/fetch-mnist"), "\(r.stderr)")
}

// A walkthrough (session 54): `--layers 784,100,11` on ten classes ran
// without a word.
@Test func moreOutputsThanClassesAreNoted() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s54-outputs", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--evals-per-epoch", "1", "--quiet"]
  var r = try runXbarsim(common + ["--layers", "64,8,11"])
  #expect(r.status == 0 && r.stderr.contains("note: the output layer has 11 neurons but the labels go up to 9 (10 classes): neuron 10 is never a target"), "\(r.stderr)")
  r = try runXbarsim(common + ["--layers", "64,8,10"])
  #expect(r.status == 0 && !r.stderr.contains("never a target"), "\(r.stderr)")
}

// A walkthrough (session 54): `--tia-gain 1e-6` trained to chance without
// a word; a gain that keeps every possible sum within 1 % of 2c is noted.
@Test func aGainThatKeepsEverySumNearZeroIsNoted() throws {
  var cfg = TrainingConfiguration()
  cfg.tiaGain = 1e-6
  let note = try #require(TrainCommand.smallGainNote(cfg))
  // 784 inputs differing by at most 1, weights at most 1: 7.84e-4 (the
  // bias row is the same for every image; session 64).
  #expect(note.hasPrefix("note: with tia_gain 1e-06 hidden layer 1's sums cannot differ from one image to another by more than 0.000784 (inputs between 0 and 1, every weight at its largest), under 1 % of the hard sigmoid's linear region 2c = 8"), "\(note)")
  // 1e-4: 0.0784, just under 0.08.
  cfg.tiaGain = 1e-4
  #expect(TrainCommand.smallGainNote(cfg)?.contains("hidden layer 1's") == true)
  // 1.1e-4 lets the hidden sums pass it (0.0862), but their activations
  // differ by at most 0.0108, and the output sums by 2.4e-4 (a walkthrough,
  // session 64: 2e-4 trained to chance, 10.00 %, without a word).
  cfg.tiaGain = 1.1e-4
  #expect(TrainCommand.smallGainNote(cfg)?.contains("the output layer's sums cannot differ from one image to another by more than 0.000237") == true, "\(TrainCommand.smallGainNote(cfg) ?? "nil")")
  cfg.tiaGain = 1e-3
  #expect(TrainCommand.smallGainNote(cfg)?.contains("the output layer's") == true)
  // 3e-3: hidden 2.35, activations 0.294, output 0.176 (56 % on 2,000
  // MNIST images, where 1e-3 gave 26.6 and 5e-4 12.8).
  cfg.tiaGain = 3e-3
  #expect(TrainCommand.smallGainNote(cfg) == nil)
  cfg.tiaGain = 0.7
  #expect(TrainCommand.smallGainNote(cfg) == nil)
  // The hybrid's weights reach (1 − gmin_ratio)(1 + 1/k): at gmin_ratio 0
  // and 1e-4 a single layer's sums reach 0.0862, past 0.08, where a
  // single pair's reach 0.0784.
  cfg.rule = .hybrid
  cfg.layers = [784, 10]
  cfg.gMinRatio = 0
  cfg.tiaGain = 1e-4
  #expect(TrainCommand.smallGainNote(cfg) == nil)
  cfg.rule = .single
  #expect(TrainCommand.smallGainNote(cfg) != nil)
  // G_min takes its share (a walkthrough, session 64: `--rule single
  // --gmin-ratio 0.5 --tia-gain 0.003` trained to 8.40 % without a note):
  // at the rules' default 0.1 the hybrid's reach 0.99 · 784e-4 = 0.0776.
  cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  cfg.layers = [784, 10]
  cfg.tiaGain = 1e-4
  #expect(TrainCommand.smallGainNote(cfg)?.contains("more than 0.0776") == true, "\(TrainCommand.smallGainNote(cfg) ?? "nil")")
  cfg = TrainingConfiguration()
  cfg.rule = .single
  cfg.gMinRatio = 0.5
  cfg.tiaGain = 3e-3
  #expect(TrainCommand.smallGainNote(cfg)?.contains("the output layer's") == true, "\(TrainCommand.smallGainNote(cfg) ?? "nil")")
  // Through train, with --quiet.
  let (root, data) = try syntheticDataDirectory("xbarsim-s54-gain", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--tia-gain", "1e-6"])
  #expect(r.status == 0 && r.stderr.contains("note: with tia_gain 1e-06 hidden layer 1's sums cannot differ"), "\(r.stderr)")
}
