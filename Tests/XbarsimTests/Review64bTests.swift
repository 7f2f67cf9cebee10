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
