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
