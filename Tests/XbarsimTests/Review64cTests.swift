import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Review 64c: tests for session 64's late changes that no test pinned
// (mutants that survived the suite).

// The hidden-threshold note counts each hidden layer's own largest drawn
// comparator offset (not another layer's): at exactly δ + that offset the
// layer is deaf, one ulp below it is not. Two hidden layers, so that a
// note taking the layer above's (or the output's) offsets is caught.
@Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
func theHiddenThresholdNoteCountsEachLayersOwnOffsets(seed: UInt64) {
  var cfg = TrainingConfiguration()
  cfg.seed = seed
  cfg.layers = [784, 100, 50, 10]
  cfg.comparatorOffset = 0.05
  let drawn = cfg.comparators(columns: Array(cfg.layers.dropFirst()))
  let largest = drawn.map { layer in Double(layer.map { abs($0.offset) }.max()!) }
  // The layers' draws differ (else the test could not tell them apart).
  #expect(Set(largest).count == 3, "\(largest)")
  // Hidden layer 2's δ reaches 10 (its 10 outputs' δ below 1, weights at
  // most 1); hidden layer 1's 50 × 10 = 500.
  func noted(_ threshold: Double) -> String? {
    cfg.hiddenThreshold = threshold
    return TrainCommand.unreachableErrorNotes(cfg).first { $0.hasPrefix("note: hidden_threshold ") }
  }
  let upper = 10 + largest[1]
  #expect(noted(upper)?.contains("hidden layer 2's comparators can see (10 for hidden layer 2") == true, "\(noted(upper) ?? "none")")
  #expect(noted(upper.nextDown) == nil)
  let lower = 500 + largest[0]
  #expect(noted(lower)?.contains("every hidden layer's comparators can see (500 for hidden layer 1") == true, "\(noted(lower) ?? "none")")
  #expect(noted(lower.nextDown)?.contains("hidden layer 2's comparators") == true)
}

// (Among those seeds, a hidden layer whose largest offset is negative: the
// note counts magnitudes.)
@Test func someSeedsLargestHiddenOffsetIsNegative() {
  let negative = (1...6).contains { (seed: Int) -> Bool in
    var cfg = TrainingConfiguration()
    cfg.seed = UInt64(seed)
    cfg.layers = [784, 100, 50, 10]
    cfg.comparatorOffset = 0.05
    return cfg.comparators(columns: Array(cfg.layers.dropFirst())).dropLast().contains { layer in
      layer.max { abs($0.offset) < abs($1.offset) }!.offset < 0
    }
  }
  #expect(negative)
}

// bench write's update row: the share of the rows it drives is k/m (11 of
// 60: 18 %), not the 19 % of an MNIST update it stands for.
@Test func benchWriteNamesTheRowsShareItDrives() throws {
  let r = try runXbarsim(["bench", "write", "--rows", "60", "--cols", "20", "--r", "20", "--repeat", "1"])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("an update of 11 row slots (11 of 60 rows, 18 %; an MNIST update drives about 19 %): "), "\(r.stdout)")
}

// The line-segment note gives G·r in six digits: 3e5 Ω × 1e-5 S is
// 3.0000000000000004 in doubles, shown as 3.
@Test func theLineSegmentNoteShowsGrInSixDigits() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r64c-gr", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let run = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--wires", "resistive",
     "--r-row", "3e5", "--r-col", "3e5"])
  #expect(run.status == 0, "\(run.stderr)")
  #expect(run.stderr.contains("note: line segments of 300000 Ω against gmax 1e-05 S (G·r = 3): "), "\(run.stderr)")
}

// The epoch line says the switch at the epoch phase_switch_epoch names and
// at no other: an epoch of the dynamic phase that gains enough says only
// "updating the big arrays".
@Test func theEpochLineSaysTheSwitchOnlyWhereItComes() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r64c-switch", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  let r = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--epochs", "3", "--switch-threshold", "1e-9", "--layers", "64,8,10",
     "--evals-per-epoch", "1", "--summary", summary.path])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch ") }
  #expect(lines.count == 3, "\(r.stderr)")
  let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let at = s["phase_switch_epoch"] as? Int
  // (The fixture's first epoch gains: it stays in the dynamic phase.)
  try #require(at != 1, "\(r.stderr)")
  for (k, line) in lines.enumerated() {
    #expect(line.hasSuffix("; switching to the small arrays") == (at == k + 1), "\(lines), switch \(at.map(String.init) ?? "none")")
  }
  #expect(lines[0].hasSuffix(", updating the big arrays"), "\(lines)")
}
