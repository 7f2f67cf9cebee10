import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Review 64b of session 64's changes.

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1"]

// Off-chip, `adc_columns` with `adc_inl` sets which converter's transition
// levels each column of the programmed array reads (on 300 MNIST images:
// 1, 10 and 200 columns a converter gave 54, 76 and 73 %): session 64 had
// refused it as a key only the on-chip latency uses.
@Test func offChipTakesAdcColumnsWithAdcINL() throws {
  var cfg = TrainingConfiguration()
  cfg.mode = .offChip
  cfg.adcBits = 4
  cfg.adcColumns = 8
  #expect(cfg.ignoredKey?.key == "adc_columns")
  cfg.adcINL = 2
  try cfg.validate()
  #expect(cfg.ignoredKey == nil, "\(cfg.ignoredKeys)")
  let (root, data) = try syntheticDataDirectory("xbarsim-r64b-columns", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--adc-bits", "4", "--adc-inl", "2", "--adc-columns", "8", "--quiet"] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("an ADC per 8 columns"), "\(r.stdout)")
}

// An inspection's record given as --config is named as such: it has a
// `configuration` object beside its `format`, and session 64's check,
// which skipped any file with one, had left it "key 'format' is neither a
// configuration key inside the 'configuration' object nor one a run's
// summary writes beside it".
@Test func anInspectionGivenAsConfigIsNamed() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r64b-inspect", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("inspect").path
  let i = try runXbarsim(["inspect", "--data", data.path, "--samples", "1", "--out", out, "--layers", "64,8,10"])
  #expect(i.status == 0, "\(i.stderr)")
  let record = out + "/inspect.json"
  let t = try runXbarsim(["train", "--data", data.path, "--config", record, "--quiet"] + tiny)
  #expect(t.status != 0)
  #expect(
    t.stderr.hasPrefix("Error: \(record): an inspection's record (format xbarsim-inspect), not a configuration: give the run's summary or checkpoint"),
    "\(t.stderr)")
}

// A hybrid inspection's record is named too (its own format).
@Test func aHybridInspectionGivenAsConfigIsNamed() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r64b-inspect-hybrid", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let record = root.appendingPathComponent("inspect.json").path
  try #"{"format": "xbarsim-inspect-hybrid", "version": 1, "configuration": {"rule": "hybrid"}, "samples": []}"#
    .write(toFile: record, atomically: false, encoding: .utf8)
  let t = try runXbarsim(["train", "--data", data.path, "--config", record, "--quiet"] + tiny)
  #expect(t.status != 0)
  #expect(t.stderr.contains("an inspection's record (format xbarsim-inspect-hybrid), not a configuration"), "\(t.stderr)")
}

// The TIA-gain bound carried through the layers takes a hidden layer's
// activations as differing by at most 1, whatever its sums' spread over
// 2c: at tia_gain 0.02 on 784-3-10 the hidden sums may differ by 15.7
// (past 2c = 8, so the activations by at most 1) and the output sums by
// 0.02 · 3 · 1 = 0.06, under 1 % of 2c. (Mutant: the spread not capped at
// 1, 0.118, and no note.)
@Test func theGainNoteCapsTheActivationsSpreadAtOne() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [784, 3, 10]
  cfg.tiaGain = 0.02
  let note = try #require(TrainCommand.smallGainNote(cfg))
  #expect(note.contains("the output layer's sums cannot differ from one image to another by more than 0.06 ("), "\(note)")
  cfg.layers = [784, 5, 10]
  #expect(TrainCommand.smallGainNote(cfg) == nil)
}

// "Past any δ" counts the output comparators whose offsets pass 1 plus
// their dead band (|p − t| < 1): at threshold 0.5 an offset of 1.2
// passes the band but not every δ. (Mutant: offsets past 1 alone.)
@Test func pastAnyDeltaTakesTheDeadBandIn() throws {
  var cfg = TrainingConfiguration()
  cfg.outputThreshold = 0.5
  cfg.comparatorOffset = 1
  let drawn = cfg.comparators(columns: Array(cfg.layers.dropFirst())).last!.map { abs(Double($0.offset)) }
  // Some offset between 1 and 1.5 (seed 1's draws).
  try #require(drawn.contains { $0 > 1 && $0 <= 1.5 }, "\(drawn)")
  let beyond = drawn.filter { $0 > 0.5 }.count, past = drawn.filter { $0 > 1.5 }.count
  let note = try #require(TrainCommand.unreachableErrorNotes(cfg).first)
  #expect(note.contains("\(beyond) of the output layer's 10 comparators"), "\(note)")
  if past == 0 {
    #expect(!note.contains("past any δ"), "\(note)")
  } else {
    #expect(note.contains("; \(past == beyond ? "all" : "\(past)") of them beyond 1 + threshold, past any δ"), "\(note)")
  }
}

#if os(Linux)
  // `reproduce --quiet` drops the line per finished run, but not a run's
  // that could not be kept (the journal too large to write: `ulimit -f`,
  // as `ResumeAuditTests` does). Mutant: every run's line dropped.
  @Test func reproduceQuietStillSaysARunNotKept() throws {
    let (root, _) = try syntheticDataDirectory("xbarsim-r64b-quiet", train: 40, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("stdout"), err = root.appendingPathComponent("stderr")
    let child = try SpawnedProcess(
      URL(fileURLWithPath: "/bin/sh"),
      [
        "-c",
        "cd \"$2\" && ulimit -f 32 && exec \"$1\" reproduce lim2018 --figure 8 --seeds 1 --data data --layers 64,8,10 --evals-per-epoch 1 --jobs 1 --journal j.json --summary s.json --quiet",
        "sh", try #require(productExecutable("xbarsim")).path, root.path,
      ],
      stdout: out, stderr: err)
    let end = child.wait()
    let stderr = try String(contentsOf: err, encoding: .utf8)
    #expect(end == .exited(1), "\(end): \(stderr)")
    let lines = stderr.split(separator: "\n").filter { $0.hasPrefix("[") }
    #expect(!lines.isEmpty && lines.allSatisfy { $0.hasSuffix("(not kept: the journal could not be written)") }, "\(stderr)")
  }
#endif
