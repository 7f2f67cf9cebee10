import Foundation
import Testing
@testable import Trainer
import _TestSupport

@testable import xbarsim

// Session 50: rules hybrid and single read through the periphery (DAC,
// gain, offsets, ADC; HybridPeripheralTests for the physics). Their run
// labels and plot titles name it as rule lim's do.
@Test func aHybridRunsLabelNamesItsPeriphery() {
  for rule in [LearningRule.hybrid, .single] {
    var cfg = TrainingConfiguration()
    cfg.rule = rule
    let plain = TrainCommand.describe(cfg)
    #expect(!plain.contains("ADC"))
    cfg.adcBits = 6
    cfg.dacBits = 4
    #expect(TrainCommand.describe(cfg) == plain + ", ADC 6 bits, DAC 4 bits")
  }
}

// The CLI takes the keys for rules hybrid and single, and float SGD
// refuses them naming the option.
@Test func theHybridCommandLineTakesThePeripheralKeys() throws {
  let (root, data) = try syntheticDataDirectory("s50", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  let ok = try runXbarsim([
    "train", "--rule", "single", "--encoding", "sign", "--layers", "64,8,10", "--epochs", "1", "--adc-bits", "5",
    "--comparator-offset", "0.02", "--data", data.path, "--summary", summary.path,
  ])
  #expect(ok.status == 0, "\(ok.stderr)")
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let cfg = try #require(json["configuration"] as? [String: Any])
  #expect(cfg["adc_bits"] as? Int == 5)
  #expect(cfg["comparator_offset"] as? Double == 0.02)
  let float = try runXbarsim(["train", "--rule", "float", "--dac-bits", "4", "--layers", "64,8,10", "--data", data.path])
  #expect(float.status == 64)
  #expect(float.stderr.hasPrefix("Error: --dac-bits: peripheral non-idealities apply to the arrays' rules (lim, hybrid, single), got rule float"), "\(float.stderr)")
  let stochastic = try runXbarsim(["train", "--rule", "hybrid", "--comparator-offset", "0.1", "--layers", "64,8,10", "--data", data.path])
  #expect(stochastic.status == 64)
  #expect(stochastic.stderr.hasPrefix("Error: --comparator-offset: applies to encoding sign"), "\(stochastic.stderr)")
}

// A walkthrough (session 50): a comparator offset drove the output sums
// past the ADC's ±2c, and a 16-bit ADC cut the accuracy from 80.70 to 47.85 %
// without a word. The summary gives each layer's clipped share, and
// `train` notes the output layer's.
@Test func theSummaryGivesTheAdcsClippedShareAndTrainNotesTheOutputs() throws {
  let (root, data) = try syntheticDataDirectory("s50clip", train: 200, test: 100)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  func run(_ extra: [String]) throws -> (ProcessResult, [String: Any]) {
    let r = try runXbarsim(
      ["train", "--layers", "64,16,10", "--epochs", "1", "--data", data.path, "--summary", summary.path] + extra)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any] ?? [:]
    return (r, json)
  }
  let (tight, a) = try run(["--rule", "hybrid", "--adc-bits", "6", "--adc-range", "0.05"])
  #expect(tight.status == 0, "\(tight.stderr)")
  let f = try #require(a["adc_clipped_fraction"] as? [Double])
  #expect(f.count == 2 && f[1] >= 0.01, "\(f)")
  #expect(tight.stderr.contains("note: the ADC clipped "), "\(tight.stderr)")
  let (ideal, b) = try run(["--rule", "single"])
  #expect(b.keys.contains("adc_clipped_fraction") && b["adc_clipped_fraction"] is NSNull)
  #expect(!ideal.stderr.contains("the ADC clipped"))
  let (_, c) = try run(["--rule", "float"])
  #expect(!c.keys.contains("adc_clipped_fraction"))
}

// `inspect --endurance true` counted every device's pulses and wrote
// nothing: inspect records them itself, and refuses the key by name.
@Test func inspectRefusesEndurance() throws {
  let (root, data) = try syntheticDataDirectory("s50insp", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "inspect", "--endurance", "true", "--layers", "64,8,10", "--samples", "1", "--data", data.path, "--out",
    root.appendingPathComponent("i").path,
  ])
  #expect(r.status == 64, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: --endurance: inspect records every pulse and reset per device itself"), "\(r.stderr)")
  let off = try runXbarsim([
    "inspect", "--endurance", "false", "--layers", "64,8,10", "--samples", "1", "--data", data.path, "--out",
    root.appendingPathComponent("j").path,
  ])
  #expect(off.status == 0, "\(off.stderr)")
}

// A checkpoint saved with `--endurance true` holds its counts as a list
// of objects under `endurance`; given as --config it was refused ("key
// 'endurance' is outside the 'configuration' object"), where one without
// counts is taken (the review of session 50).
@Test func aCheckpointWithEnduranceCountsIsAConfigFile() throws {
  let (root, data) = try syntheticDataDirectory("s50ck", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("ck.json").path
  let first = try runXbarsim([
    "train", "--layers", "64,8,10", "--epochs", "1", "--endurance", "true", "--checkpoint-out", checkpoint, "--data", data.path,
  ])
  #expect(first.status == 0, "\(first.stderr)")
  let again = try runXbarsim(["train", "--config", checkpoint, "--epochs", "1", "--data", data.path])
  #expect(again.status == 0, "\(again.stderr)")
  // A configuration value out of place under that name is still refused.
  let odd = root.appendingPathComponent("odd.json")
  try Data(#"{"configuration": {"layers": "64,8,10"}, "endurance": true}"#.utf8).write(to: odd)
  let refused = try runXbarsim(["train", "--config", odd.path, "--data", data.path])
  #expect(refused.status == 64)
  #expect(refused.stderr.contains("key 'endurance' is outside the 'configuration' object"), "\(refused.stderr)")
}
