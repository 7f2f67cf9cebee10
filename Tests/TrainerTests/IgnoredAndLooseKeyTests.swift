import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Fuzzing (2026-11-29, fuzz-d): keys a rule never reads, loosely parsed
// values, networks too deep, and a slot error naming the key the user set.

/// (keys set with `set`, the key `ignoredKey` must name): each was accepted
/// and silently ignored (results byte-identical with and without it).
private let ignoredKeyCases: [([String: String], String)] = [
  (["lr": "0.5"], "lr"),
  (["float_derivative": "true"], "float_derivative"),
  (["learning": "off-chip", "lr": "0.5"], "lr"),
  (["adc_range": "3"], "adc_range"),
  (["output_adc_range": "3"], "output_adc_range"),
  (["batch_pulses": "net"], "batch_pulses"),
  (["negative_scale": "fold"], "negative_scale"),
  (["rule": "hybrid", "threshold": "0.2"], "threshold"),
  (["rule": "single", "encoding": "deterministic", "hidden_threshold": "0.2"], "hidden_threshold"),
  (["rule": "hybrid", "encoding": "sign", "lr": "0.5"], "lr"),
  (["rule": "single", "encoding": "sign", "bl": "8"], "bl"),
  (["rule": "hybrid", "encoding": "sign", "fine_trains": "same"], "fine_trains"),
  (["rule": "float", "threshold": "0.2"], "threshold"),
  (["rule": "float", "hidden_threshold": "0.2"], "hidden_threshold"),
  (["rule": "float", "initial_fraction": "0.2"], "initial_fraction"),
  (["rule": "float", "gmin_ratio": "0.1"], "gmin_ratio"),
  (["rule": "float", "read_voltage": "0.3"], "read_voltage"),
  (["rule": "float", "read_time": "1e-7"], "read_time"),
  (["rule": "float", "gmax": "1e-6"], "gmax"),
  (["rule": "float", "reset_voltage": "-2"], "reset_voltage"),
  (["rule": "float", "slot_time": "1e-5"], "slot_time"),
  (["learning": "off-chip", "transfer": "weights", "method": "a"], "method"),
  (["learning": "off-chip", "transfer": "weights", "threshold": "0.2"], "threshold"),
  (["learning": "off-chip", "transfer": "weights", "hidden_threshold": "0.2"], "hidden_threshold"),
  (["learning": "off-chip", "transfer": "weights", "initial_fraction": "0.2"], "initial_fraction"),
  // Methods a and b never depress a device (a reviewer's finding,
  // 2026-11-30: `--beta-d 0` and `--beta-d 5` gave identical runs).
  (["beta_d": "5"], "beta_d"),
  (["method": "a", "beta_d": "0"], "beta_d"),
  (["learning": "off-chip", "beta_d": "6"], "beta_d"),
  (["learning": "off-chip", "transfer": "weights", "beta_d": "6"], "beta_d"),
]

/// A configuration with `keys` set (the rule, learning, transfer and
/// encoding first).
private func configuration(_ keys: [String: String]) throws -> TrainingConfiguration {
  var cfg = TrainingConfiguration()
  for k in ["rule", "learning", "transfer", "encoding"] { if let v = keys[k] { try cfg.set(k, v) } }
  for (k, v) in keys where !["rule", "learning", "transfer", "encoding"].contains(k) { try cfg.set(k, v) }
  return cfg
}

@Test(arguments: ignoredKeyCases)
func keysTheRuleNeverReadsAreIgnoredKeys(keys: [String: String], ignored: String) throws {
  let cfg = try configuration(keys)
  try cfg.validate()
  #expect(cfg.ignoredKeys.map(\.key).contains(ignored), "\(cfg.ignoredKeys)")
}

/// What the table says is what the code does: a short run with the ignored
/// key set and one without it give the same accuracies, pulses, resets and
/// energies (a key the rule does read would change them).
@Test(arguments: ignoredKeyCases)
func anIgnoredKeyChangesNothingInARun(keys: [String: String], ignored: String) throws {
  func run(_ keys: [String: String]) throws -> [Double] {
    var cfg = try configuration(keys)
    cfg.layers = [64, 12, 10]
    cfg.epochs = 1
    cfg.trainLimit = 120
    cfg.testLimit = 60
    cfg.evaluationsPerEpoch = 3
    let r = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test)).run()
    #expect(r.failure == nil)
    let l = r.ledger
    return r.points.map(\.accuracy) + r.points.map { Double($0.pulses) } + r.points.map { Double($0.resets) }
      + [r.readEnergy, l?.program ?? -1, l?.reset ?? -1, l?.updateTime ?? -1, r.trainAccuracy]
  }
  var without = keys
  without[ignored] = nil
  #expect(try run(keys) == run(without))
}

/// Keys these rules do read stay accepted.
@Test(arguments: [
  ["learning": "off-chip", "transfer": "weights", "lr": "0.5", "float_derivative": "true"],
  ["rule": "float", "lr": "0.5", "float_derivative": "true"],
  ["rule": "hybrid", "encoding": "sign", "threshold": "0.2", "hidden_threshold": "0.2"],
  ["rule": "hybrid", "lr": "0.5", "bl": "8", "fine_trains": "same"],
  ["adc_bits": "8", "adc_range": "3"], ["adc_bits": "8", "output_adc_range": "3"], ["batch": "4", "batch_pulses": "net"],
  ["sigma": "0.5", "negative_scale": "fold"], ["learning": "off-chip", "method": "a", "threshold": "0.2"],
  ["method": "c", "beta_d": "5"], ["beta": "3"], ["beta_p": "1"], ["method": "a", "beta": "0"],
])
func keysTheRuleReadsAreNotIgnored(keys: [String: String]) throws {
  var cfg = TrainingConfiguration()
  for k in ["rule", "learning", "transfer", "encoding"] { if let v = keys[k] { try cfg.set(k, v) } }
  for (k, v) in keys where !["rule", "learning", "transfer", "encoding"].contains(k) { try cfg.set(k, v) }
  try cfg.validate()
  #expect(cfg.ignoredKeys.isEmpty, "\(cfg.ignoredKeys)")
}

@Test func theReproductionTablesSetNoIgnoredKey() {
  let base = TrainingConfiguration()
  let runs = LimReproduction.figures.flatMap { LimReproduction.runs(figure: $0, base: base) }
    + ChoiReproduction.figures.flatMap { ChoiReproduction.runs(figure: $0, base: base) }
  for run in runs {
    #expect(run.configuration.ignoredKeys.isEmpty, "\(run.label): \(run.configuration.ignoredKeys)")
  }
}

@Test func networksDeeperThanTheCapAreRefused() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("layers", "784," + Array(repeating: "8", count: TrainingConfiguration.maximumLayers - 1).joined(separator: ",") + ",10")
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == "layers")
  #expect(error?.message.contains("more than the 1000") == true, "\(error?.message ?? "")")
  cfg.layers.removeLast(2)
  cfg.layers.append(10)
  try cfg.validate()
}

@Test(arguments: [
  ("shuffle", "yes"), ("shuffle", "no"), ("shuffle", "0"), ("shuffle", "1"), ("beta_p", "0x10"),
  ("lr", "0x1p-3"), ("c", "infinity"), ("sigma", "0x0"), ("gmax", "1e-5 S"), ("gmax", "1 e-5"),
])
func booleansAndNumbersAreStrict(key: String, value: String) {
  var cfg = TrainingConfiguration()
  let error = #expect(throws: ConfigurationError.self) { try cfg.set(key, value) }
  #expect(error?.field == key)
}

@Test func decimalNumbersStillParse() throws {
  var cfg = TrainingConfiguration()
  // (Spaces around a value are no part of it, since session 70, as in a
  // list's items; " 1e-5" had been refused as loose.)
  for (v, x) in [("2", 2.0), ("+2.5", 2.5), ("-1.5", -1.5), (".5", 0.5), ("3.", 3), ("1e-2", 0.01), ("2E+1", 20), (" 2 ", 2)] {
    try cfg.set("beta_p", v)
    #expect(cfg.betaP == x, "\(v)")
  }
}

@Test(arguments: ["read_time", "program_time", "reset_time"])
func aWidthBeyondTheDefaultSlotNamesItsKey(key: String) throws {
  var cfg = TrainingConfiguration()
  try cfg.set(key, "1")
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == key)
  #expect(error?.message == "1 s needs slot_time ≥ 1 s; slot_time is 2e-06 s" + (key == "reset_time" ? " (or give resets their own slot: reset_slot_time)" : ""))
  try cfg.set("slot_time", "0.5")
  let slot = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(slot?.field == "slot_time")
}
