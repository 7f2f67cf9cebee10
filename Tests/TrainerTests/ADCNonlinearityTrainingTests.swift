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
  ([("adc_bits", "4"), ("adc_inl", "17")], "must be 0 (ideal) or in [1.52587890625e-05, 16] LSB at adc_bits 4 (below, single precision loses the offsets), got 17"),
  ([("adc_bits", "1"), ("adc_inl", "1.9e-6")], "must be 0 (ideal) or in [1.9073486328125e-06, 16] LSB at adc_bits 1"),
  ([("adc_bits", "4"), ("adc_inl", "-1")], "must be 0 (ideal) or in [1.52587890625e-05, 16] LSB"),
  // (A review, session 56: at 8 bits 233 of 255 offsets of 1e-6 LSB were
  // lost, at 16 bits 46,220 of 65,535 of 1e-3.)
  ([("adc_bits", "8"), ("adc_inl", "1e-6")], "in [0.000244140625, 16] LSB at adc_bits 8"),
  ([("adc_bits", "16"), ("adc_inl", "0.06")], "in [0.0625, 16] LSB at adc_bits 16"),
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

/// The limits themselves are taken: 16 LSB, and each width's floor, where
/// every offset survives its addition in single precision.
@Test(arguments: [1, 4, 8, 12, 16])
func theLimitsOfADCNonlinearityAreTaken(_ bits: Int) throws {
  for sigma in [16, TrainingConfiguration.smallestADCINL(bits: bits)] {
    var cfg = TrainingConfiguration()
    try cfg.set("adc_bits", String(bits))
    try cfg.set("adc_inl", "\(sigma)")
    try cfg.validate()
  }
  let floor = Float(TrainingConfiguration.smallestADCINL(bits: bits))
  let e = ADCNonlinearity(sigma: floor, key: 3)
  let top = (1 << bits) - 1
  // A draw of at least 1/8 of σ (all but the innermost ~10 % of the
  // table) moves its transition in single precision, at the top code too.
  var moved = 0, drawn = 0
  for c in stride(from: 1, through: top, by: max(1, top / 500)) {
    let o = e.offset(column: 0, transition: c)
    guard abs(o) >= floor / 8 else { continue }
    drawn += 1
    if Float(c) - 0.5 + o != Float(c) - 0.5 { moved += 1 }
  }
  #expect(drawn > 0 && moved == drawn, "\(moved) of \(drawn) offsets moved their transition at \(bits) bits")
}

// `adc_columns`: columns that share one ADC (a multiplexer).

/// The ledger's read latency: per forward read of a layer of N outputs,
/// read_time + min(adc_columns, N) conversions; the run itself (pulses,
/// accuracies) and its energies are unchanged.
@Test(arguments: [LearningRule.lim, .hybrid])
func sharedADCsConvertTheirColumnsInSeries(_ rule: LearningRule) throws {
  var base = Fixture.configuration(epochs: 1)
  base.rule = rule
  if rule != .lim { base.learningRate = 0.1 }
  base.layers = [64, 12, 10]
  try base.set("adc_bits", "5")
  var shared = base
  try shared.set("adc_columns", "8")
  try shared.validate()
  let a = try Fixture.run(base), b = try Fixture.run(shared)
  #expect(fingerprint(a) == fingerprint(b))
  let la = try #require(a.ledger), lb = try #require(b.ledger)
  #expect(la.energy == lb.energy)
  // Each training image reads layer 0 (12 outputs: 8 in series) and
  // layer 1 (10 outputs: 8) forward, where one ADC per column converts once.
  let costs = ConverterCosts(), images = Double(a.trainImages)
  let extra = images * (7 + 7) * costs.adcTime(bits: 5)
  #expect(abs((lb.readTime - la.readTime) - extra) <= 1e-9 * extra, "\(lb.readTime - la.readTime) s, expected \(extra) s")
  // A layer narrower than the share converts its columns only.
  var wide = base
  try wide.set("adc_columns", "1000")
  let lw = try #require(try Fixture.run(wide).ledger)
  let all = images * (11 + 9) * costs.adcTime(bits: 5)
  #expect(abs((lw.readTime - la.readTime) - all) <= 1e-9 * all)
  #expect(shared.forwardReadTime(columns: 3, costs: costs) == shared.readTime + 3 * costs.adcTime(bits: 5))
}

/// With adc_inl, columns that share an ADC share its transitions.
@Test func sharedADCsShareTheirTransitions() throws {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.layers = [64, 20, 10]
  try cfg.set("adc_bits", "6")
  try cfg.set("adc_inl", "0.5")
  try cfg.set("adc_columns", "4")
  let e = try #require(LimNetwork(configuration: cfg).senseChains[0].nonlinearity)
  func transitions(_ j: Int) -> [Float] { (1..<64).map { e.offset(column: j, transition: $0) } }
  #expect(transitions(0) == transitions(3))
  #expect(transitions(4) == transitions(7))
  #expect(transitions(3) != transitions(4))
  #expect(e.columnsPerConverter == 4)
}

@Test func adcColumnsIsCheckedAndWrittenWhenSet() throws {
  for bad in ["0", "-1", "65537"] {
    var cfg = TrainingConfiguration()
    try cfg.set("adc_columns", bad)
    let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
    #expect(error?.field == "adc_columns")
  }
  var float = TrainingConfiguration()
  try float.set("rule", "float")
  try float.set("adc_columns", "8")
  let error = #expect(throws: ConfigurationError.self) { try float.validate() }
  #expect(error?.field == "adc_columns")
  var cfg = TrainingConfiguration()
  #expect(!cfg.keyValues.contains { $0.0 == "adc_columns" })
  try cfg.set("adc_columns", "16")
  #expect(cfg.keyValues.first { $0.0 == "adc_columns" }?.1 == "16")
  #expect(cfg.idealPeriphery().adcColumns == 1)
}
