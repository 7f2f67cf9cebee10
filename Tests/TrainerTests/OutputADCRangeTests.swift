import Circuit
import Peripherals
import Testing

@testable import Trainer

// `output_adc_range` (session 82): the output layer's ADC full scale, apart
// from the hidden layers' `adc_range`. Session 81 had measured a 3-bit ADC
// train to 85.85 % (its output sums tied at the top of ±2c), and a range
// wide enough for the logits coarsened the hidden steps too.

@Test func theOutputRangeFollowsTheHiddenRangeUntilGiven() throws {
  var cfg = TrainingConfiguration()
  #expect(cfg.outputADCRange == 8 && cfg.adcRange == 8)
  cfg.c = 3
  #expect(cfg.outputADCRange == 6)
  try cfg.set("adc_range", "5")
  #expect(cfg.outputADCRange == 5)
  try cfg.set("output_adc_range", "20")
  #expect(cfg.outputADCRange == 20 && cfg.adcRange == 5)
  cfg.c = 4
  #expect(cfg.outputADCRange == 20)
}

@Test func eachLayersADCHasItsOwnRange() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 12, 9, 10]
  try cfg.set("adc_bits", "3")
  try cfg.set("output_adc_range", "24")
  let chains = cfg.periphery(columns: [12, 9, 10]).chains
  #expect(chains.map(\.adc.range) == [8, 8, 24])
  #expect(chains.allSatisfy { $0.adc.bits == 3 })
  cfg._outputADCRange = nil
  #expect(cfg.periphery(columns: [12, 9, 10]).chains.map(\.adc.range) == [8, 8, 8])
}

@Test func aConfigurationWritesTheOutputRangeOnlyWhenGiven() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("adc_bits", "3")
  #expect(!cfg.keyValues.contains { $0.0 == "output_adc_range" })
  #expect(cfg.allKeyValues.contains { $0 == ("output_adc_range", "8") })
  try cfg.set("output_adc_range", "12")
  #expect(cfg.keyValues.contains { $0 == ("output_adc_range", "12") })
  // Read back as a base: a range other than adc_range stays; one equal to
  // it follows adc_range (and so c) again.
  var back = cfg
  back.releaseDependentDefaults()
  #expect(back._outputADCRange == 12)
  var equal = TrainingConfiguration()
  try equal.set("adc_bits", "3")
  try equal.set("output_adc_range", "8")
  equal.releaseDependentDefaults()
  #expect(equal._outputADCRange == nil)
  equal.c = 2
  #expect(equal.outputADCRange == 4)
  var checkpoint = TrainingConfiguration()
  try checkpoint.set("adc_bits", "3")
  try checkpoint.set("adc_range", "8")
  try checkpoint.set("output_adc_range", "8")
  checkpoint.releaseADCRange()
  #expect(checkpoint._adcRange == nil && checkpoint._outputADCRange == nil)
}

@Test func aBadOutputRangeIsRefusedNamingItsKey() throws {
  for value in ["0", "-3", "1e10", "1e-12"] {
    var cfg = TrainingConfiguration()
    try cfg.set("adc_bits", "3")
    try cfg.set("output_adc_range", value)
    #expect(throws: ConfigurationError.self) { try cfg.validate() }
    do { try cfg.validate() } catch let error as ConfigurationError { #expect(error.field == "output_adc_range", "\(error)") }
  }
  var float = TrainingConfiguration()
  try float.set("rule", "float")
  try float.set("output_adc_range", "12")
  do {
    try float.validate()
    Issue.record("float SGD took output_adc_range")
  } catch let error as ConfigurationError { #expect(error.field == "output_adc_range", "\(error)") }
}

@Test func withoutAHiddenLayerTheHiddenRangeIsNotRead() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 10]
  try cfg.set("adc_bits", "3")
  try cfg.set("adc_range", "5")
  #expect(!cfg.ignoredKeys.map(\.key).contains("adc_range"))
  try cfg.set("output_adc_range", "6")
  #expect(cfg.ignoredKeys.map(\.key).contains("adc_range"), "\(cfg.ignoredKeys)")
  cfg.layers = [64, 12, 10]
  #expect(cfg.ignoredKeys.isEmpty, "\(cfg.ignoredKeys)")
  cfg.adcBits = 0
  #expect(cfg.ignoredKeys.map(\.key).contains("output_adc_range"), "\(cfg.ignoredKeys)")
}

/// A run through a 3-bit ADC at ±2c clips few output sums; with an output
/// range of 0.001 it clips nearly all, and an output range given equal to
/// adc_range is the run without it. (That the hidden layers' reads keep
/// theirs is `evaluate`'s test: a trained network's hidden clipping is the
/// same under another output range.)
@Test func aNarrowOutputRangeClipsTheOutputSums() throws {
  func run(_ keys: [String: String]) throws -> TrainingResult {
    var cfg = TrainingConfiguration()
    cfg.layers = [64, 12, 10]
    cfg.epochs = 1
    cfg.trainLimit = 200
    cfg.testLimit = 60
    cfg.evaluationsPerEpoch = 2
    try cfg.set("adc_bits", "3")
    for (k, v) in keys { try cfg.set(k, v) }
    try cfg.validate()
    return try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test)).run()
  }
  let base = try run([:]), narrow = try run(["output_adc_range": "0.001"]), same = try run(["output_adc_range": "8"])
  let b = try #require(base.adcClippedFractions), w = try #require(narrow.adcClippedFractions)
  #expect(b.count == 2 && b[1] < 0.5, "\(b)")
  #expect(w[1] > 0.9, "\(w)")
  #expect(same.points.map(\.accuracy) == base.points.map(\.accuracy))
  #expect(same.adcClippedFractions == base.adcClippedFractions)
}
