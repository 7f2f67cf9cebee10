import Circuit
import Testing
import _TestSupport

@testable import Trainer

// The configuration keys: one spelling per parameter for options, JSON
// files and summaries; every key's text form round-trips, and every bad
// value is reported under its key.

@Test func everyKeyRoundTripsThroughItsTextForm() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("layers", "64,32,10")
  try cfg.set("rule", "lim")
  try cfg.set("method", "c")
  try cfg.set("learning", "off-chip")
  try cfg.set("transfer", "weights")
  try cfg.set("negative_scale", "fold")
  try cfg.set("fine_trains", "same")
  try cfg.set("beta_p", "1.5")
  try cfg.set("beta-d", "0.25")
  try cfg.set("nmax", "100")
  try cfg.set("gmin_ratio", "0.1")
  try cfg.set("sigma", "0.05")
  try cfg.set("initial_fraction", "0.3")
  try cfg.set("batch", "7")
  try cfg.set("epochs", "3")
  try cfg.set("seed", "18446744073709551615")
  try cfg.set("c", "2.5")
  try cfg.set("threshold", "0.05")
  try cfg.set("hidden_threshold", "0.01")
  try cfg.set("lr", "0.003")
  try cfg.set("evals_per_epoch", "9")
  try cfg.set("train_limit", "1000")
  try cfg.set("test_limit", "500")
  try cfg.set("shuffle", "false")
  try cfg.set("read_time", "2e-9")
  try cfg.set("read_voltage", "0.15")
  try cfg.set("gmax", "3e-6")
  try cfg.set("batch_pulses", "net")
  try cfg.set("float_derivative", "true")
  try cfg.set("activation", "centred")
  try cfg.set("wires", "resistive")
  try cfg.set("r_row", "2.5")
  try cfg.set("r-col", "0.75")
  try cfg.set("wire_tolerance", "1e-8")
  try cfg.set("dac_bits", "6")
  try cfg.set("adc_bits", "5")
  try cfg.set("adc_range", "3")
  try cfg.set("tia_gain", "0.9")
  try cfg.set("sense_offset", "0.02")
  try cfg.set("comparator_offset", "0.01")
  try cfg.set("small_states", "40")
  try cfg.set("states", "60")
  try cfg.set("c2c", "0.2")
  try cfg.validate()
  #expect(cfg.wireModel == WireModel(rowSegmentResistance: 2.5, columnSegmentResistance: 0.75))
  #expect(cfg.batchPulses == .net && cfg.floatDerivative == .true && cfg.activation == .centred)
  #expect(cfg.transfer == .weights && cfg.negativeScale == .fold && cfg.fineTrains == .same)
  #expect(cfg.seed == .max)
  #expect(cfg.betaD == 0.25)
  #expect(cfg.shuffle == false)

  var again = TrainingConfiguration()
  for (k, v) in cfg.keyValues { try again.set(k, v) }
  #expect(again == cfg)
  // Every key the summaries write is a documented key.
  let documented = Set(TrainingConfiguration.keys.map(\.key))
  #expect(cfg.keyValues.allSatisfy { documented.contains($0.0) })
}

@Test func betaSetsBothNonlinearities() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("beta", "3")
  #expect(cfg.betaP == 3 && cfg.betaD == 3)
}

@Test(arguments: [
  ("layers", "64,x,10"), ("rule", "sgd"), ("method", "d"), ("learning", "offchip"),
  ("nmax", "8.5"), ("sigma", "nan"), ("seed", "-1"), ("shuffle", "maybe"), ("frobnicate", "1"),
  ("batch_pulses", "all"), ("float_derivative", "exact"), ("wires", "copper"), ("r_row", "1 Ω"),
  ("r_col", "inf"), ("transfer", "floats"), ("negative_scale", "clip"), ("fine_trains", "other"),
  // Below the smallest normal double: `--c 1e-400` said "got 0".
  ("c", "1e-400"), ("sigma", "4e-320"),
])
func malformedValuesAndUnknownKeysAreReportedUnderTheKey(key: String, value: String) {
  var cfg = TrainingConfiguration()
  let error = #expect(throws: ConfigurationError.self) { try cfg.set(key, value) }
  #expect(error?.field == key)
}

@Test(arguments: [
  ("layers", "64"), ("layers", "64,0,10"), ("layers", "64,1"), ("beta_p", "-1"), ("beta_d", "51"),
  ("nmax", "0"), ("nmax", "256"), ("gmin_ratio", "1"), ("sigma", "-0.1"),
  ("initial_fraction", "1.5"),
  ("batch", "0"), ("epochs", "0"), ("c", "0"), ("threshold", "1"), ("hidden_threshold", "-1"),
  ("lr", "0"), ("evals_per_epoch", "0"), ("train_limit", "-1"), ("test_limit", "-1"),
  ("final_iterations", "-1"), ("final_iterations", "100001"), ("read_time", "0"), ("read_voltage", "-0.2"), ("gmax", "0"), ("r_row", "-1"), ("r_col", "-0.5"),
  ("wire_tolerance", "0"), ("wire_tolerance", "0.5"), ("wire_tolerance", "1e-300"),
  // The pulses' polarities: a potentiation > 0, a reset of the depression's.
  ("program_voltage", "-1"), ("program_voltage", "0"), ("reset_voltage", "1.5"), ("reset_voltage", "0"),
])
func outOfRangeValuesFailValidationUnderTheKey(key: String, value: String) throws {
  var cfg = TrainingConfiguration()
  try cfg.set(key, value)
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == key)
}

@Test func defaultsAreValidAndThePapersCentralCase() throws {
  let cfg = TrainingConfiguration()
  try cfg.validate()
  #expect(cfg.layers == [784, 200, 10])
  #expect(cfg.method == .b && cfg.nMax == 64 && cfg.betaP == 2 && cfg.batch == 1)
}

/// One hidden neuron circuit for every rule and every reproduced figure,
/// unless `activation` is given (README, Choices: the hard sigmoid).
@Test func everyRuleAndEveryReproductionRunHasTheSameNeuron() throws {
  for rule in LearningRule.allCases {
    var cfg = TrainingConfiguration()
    cfg.rule = rule
    #expect(cfg.activation == .zero, "rule \(rule)")
  }
  let choi = ChoiReproduction.figures.flatMap { ChoiReproduction.runs(figure: $0, base: TrainingConfiguration()) }
  let lim = LimReproduction.figures.flatMap { LimReproduction.runs(figure: $0, base: TrainingConfiguration()) }
  #expect(!choi.isEmpty && !lim.isEmpty)
  for run in choi + lim { #expect(run.configuration.activation == .zero, "\(run.label)") }
  var centred = TrainingConfiguration()
  centred.activation = .centred
  for run in ChoiReproduction.runs(figure: 4, base: centred) { #expect(run.configuration.activation == .centred) }
}

@Test func resistiveLinesNeedBothResistancesOrNeither() throws {
  var cfg = TrainingConfiguration()
  #expect(cfg.wireModel == .ideal)
  cfg.wires = .resistive
  #expect(cfg.wireModel == WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1))
  cfg.rowSegmentResistance = 0
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == "r_row")
  // Both zero: ideal wires exactly.
  cfg.columnSegmentResistance = 0
  try cfg.validate()
  #expect(cfg.wireModel.isIdeal)
  // Float SGD on-chip has no arrays to give lines to.
  cfg.rule = .float
  #expect(throws: ConfigurationError.self) { try cfg.validate() }
}

// A summary wrote `adc_range` (2c) always, so a run of its configuration
// with another c kept the old range or, with no ADC, was refused for a key
// the user never set (an audit, session 27). It is written when an ADC
// reads it or when it was given.
@Test func aWrittenConfigurationLetsTheADCRangeFollowC() throws {
  let plain = TrainingConfiguration()
  #expect(!plain.keyValues.contains { $0.0 == "adc_range" })
  var again = TrainingConfiguration()
  for (k, v) in plain.keyValues { try again.set(k, v) }
  try again.set("c", "2")
  try again.validate()
  #expect(again.adcRange == 4)
  var adc = TrainingConfiguration()
  try adc.set("adc_bits", "6")
  #expect(adc.keyValues.contains { $0 == ("adc_range", "8") })
  var given = TrainingConfiguration()
  try given.set("adc_range", "8")
  #expect(given.keyValues.contains { $0 == ("adc_range", "8") })
}
