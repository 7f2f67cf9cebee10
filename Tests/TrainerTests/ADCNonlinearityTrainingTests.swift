import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Session 56: `adc_inl`, each output column's ADC with its own transition
// levels (ADCNonlinearity), for rules lim, hybrid and single.

private func fingerprint(_ r: TrainingResult) -> [Double] {
  r.points.map(\.accuracy) + [Double(r.pulses), Double(r.resets), r.trainAccuracy]
}

@Test(arguments: [LearningRule.lim, .hybrid, .single])
func anADCsNonlinearityChangesTheRunAndIsReproducible(_ rule: LearningRule) throws {
  var base = Fixture.configuration(epochs: 1)
  base.rule = rule
  if rule != .lim { base.learningRate = 0.1 }
  try base.set("adc_bits", "4")
  var cfg = base
  try cfg.set("adc_inl", "0.7")
  try cfg.validate()
  let ideal = try Fixture.run(base), a = try Fixture.run(cfg), b = try Fixture.run(cfg)
  #expect(fingerprint(ideal) != fingerprint(a), "\(rule): adc_inl changed nothing")
  #expect(fingerprint(a) == fingerprint(b))
}

/// Each layer's chain holds converters keyed by the seed and the layer:
/// another layer or seed, other transitions; the same seed, the same.
@Test func theNetworksConvertersAreKeyedBySeedAndLayer() throws {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.layers = [64, 20, 10]
  try cfg.set("adc_bits", "6")
  try cfg.set("adc_inl", "0.5")
  let net = LimNetwork(configuration: cfg)
  let e = net.senseChains.map { $0.nonlinearity! }
  #expect(e.allSatisfy { $0.sigma == 0.5 })
  func transitions(_ e: ADCNonlinearity) -> [Float] { (1..<64).map { e.offset(column: 0, transition: $0) } }
  #expect(transitions(e[0]) != transitions(e[1]))
  #expect(transitions(LimNetwork(configuration: cfg).senseChains[0].nonlinearity!) == transitions(e[0]))
  var other = cfg
  other.seed = 2
  #expect(transitions(LimNetwork(configuration: other).senseChains[0].nonlinearity!) != transitions(e[0]))
  // Without the key: no non-linearity (the ideal path).
  var plain = cfg
  plain.adcINL = 0
  #expect(LimNetwork(configuration: plain).senseChains.allSatisfy { $0.nonlinearity == nil })
}

/// The evaluator reads through the same converters as training.
@Test func theEvaluatorReadsThroughTheSameConverters() throws {
  var cfg = Fixture.configuration(epochs: 1)
  try cfg.set("adc_bits", "3")
  try cfg.set("adc_inl", "1.5")
  let net = LimNetwork(configuration: cfg)
  let (agree, count) = evaluatorAgreement(net)
  #expect(agree == count)
  let data = Fixture.test
  // And a network without the key labels some image otherwise.
  var plain = cfg
  plain.adcINL = 0
  let ideal = LimNetwork(configuration: plain)
  let differ = data.pixels.withUnsafeBufferPointer { px in
    (0..<data.count).contains { net.predict(px.baseAddress! + $0 * 64) != ideal.predict(px.baseAddress! + $0 * 64) }
  }
  #expect(differ)
}

@Test(arguments: [
  ([("adc_inl", "0.5")], "needs an ADC"),
  ([("adc_bits", "4"), ("adc_inl", "17")], "must be 0 (ideal) or in [1e-6, 16] LSB, got 17"),
  ([("adc_bits", "4"), ("adc_inl", "1e-7")], "must be 0 (ideal) or in [1e-6, 16] LSB"),
  ([("adc_bits", "4"), ("adc_inl", "-1")], "must be 0 (ideal) or in [1e-6, 16] LSB"),
  ([("rule", "float"), ("adc_inl", "0.5")], "peripheral non-idealities apply to the arrays' rules"),
])
func badADCNonlinearityNamesItsKey(_ keys: [(String, String)], _ message: String) throws {
  var cfg = TrainingConfiguration()
  for (k, v) in keys { try cfg.set(k, v) }
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == "adc_inl", "\(String(describing: error))")
  #expect("\(error.map { "\($0)" } ?? "")".contains(message), "\(String(describing: error))")
}

/// Written only when set (summaries of before read as they did), read
/// back as written; a reproduction's software rows run without it.
@Test func theKeyIsWrittenWhenSetAndReadBack() throws {
  var cfg = TrainingConfiguration()
  #expect(!cfg.keyValues.contains { $0.0 == "adc_inl" })
  try cfg.set("adc_bits", "5")
  try cfg.set("adc_inl", "0.25")
  let written = cfg.keyValues.first { $0.0 == "adc_inl" }
  #expect(written?.1 == "0.25")
  var back = TrainingConfiguration()
  for (k, v) in cfg.keyValues { try back.set(k, v) }
  #expect(back.adcINL == 0.25)
  #expect(cfg.idealPeriphery().adcINL == 0)
  #expect(TrainingConfiguration.peripheralKeys.contains("adc_inl"))
}
