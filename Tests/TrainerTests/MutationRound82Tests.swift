import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 82: `output_adc_range` and `drift_nu_model pcm`.

/// A reproduction's software rows have no converters: the output's range
/// goes back to following the hidden layers' too.
@Test func theIdealPeripheryDropsTheOutputRange() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("adc_bits", "3")
  try cfg.set("adc_range", "5")
  try cfg.set("output_adc_range", "12")
  let ideal = cfg.idealPeriphery()
  #expect(ideal._outputADCRange == nil && ideal.outputADCRange == ideal.adcRange && ideal.adcRange == 8)
  #expect(!ideal.keyValues.contains { $0.0 == "output_adc_range" })
  // Keys not named keep theirs.
  #expect(cfg.idealPeriphery(["adc_bits"]).outputADCRange == 12)
}

/// g is taken at least 1e-7 (documented): a conductance read below 0, as a
/// rounding may give, is the fit's ceiling, not NaN.
@Test func aConductanceBelowZeroDriftsAtThePCMCeiling() {
  for g in [-1e-12, -0.5] {
    let m = ConductanceDrift.pcmMoments(relative: g)
    #expect(m.mean == 0.1 && m.sigma == 0.045, "\(g): \(m)")
  }
}
