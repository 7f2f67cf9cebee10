import Circuit
import Testing

@testable import Trainer

// Mutation round 66c (TrainingConfiguration's `validate`, `ignoredKeys`,
// rule-following defaults, `set` and `keyValues`): each test holds one
// rule the configuration's checks state, at its boundary.

@Suite struct MutationRound66cConfigurationTests {
  /// The key `validate` refuses the configuration of `pairs` (set in
  /// order) by, or nil when it accepts it.
  static func refusal(_ pairs: [(String, String)]) throws -> String? {
    var c = TrainingConfiguration()
    for (k, v) in pairs { try c.set(k, v) }
    do { try c.validate() } catch let e as ConfigurationError { return e.field }
    return nil
  }
  static func ignored(_ pairs: [(String, String)]) throws -> [String] {
    var c = TrainingConfiguration()
    for (k, v) in pairs { try c.set(k, v) }
    return c.ignoredKeys.map(\.key)
  }

  // A layer of 1000000 neurons is accepted, 1000001 refused naming layers.
  @Test func layerSizesReachAMillion() throws {
    #expect(try Self.refusal([("rule", "float"), ("layers", "1000000,2")]) == nil)
    #expect(try Self.refusal([("rule", "float"), ("layers", "1000001,2")]) == "layers")
  }

  // A network of exactly 100000000 synapses (bias rows included) is accepted.
  @Test func exactlyTheSynapseCapIsAccepted() throws {
    #expect(try Self.refusal([("rule", "float"), ("layers", "9999,10000")]) == nil)
    #expect(try Self.refusal([("rule", "float"), ("layers", "10000,10000")]) == "layers")
  }

  // β in [0, 50]: 50 accepted; beyond, the error names `beta` when both
  // exponents are equal (the user gave beta), beta_p when only it is.
  @Test func betaRangeAndItsKey() throws {
    #expect(try Self.refusal([("rule", "float"), ("beta", "50")]) == nil)
    #expect(try Self.refusal([("rule", "float"), ("beta", "60")]) == "beta")
    #expect(try Self.refusal([("rule", "float"), ("beta_p", "60")]) == "beta_p")
  }

  // nmax in 1...255: 255 accepted, 256 and 0 refused naming nmax.
  @Test func nmaxRange() throws {
    #expect(try Self.refusal([("rule", "float"), ("nmax", "255")]) == nil)
    #expect(try Self.refusal([("rule", "float"), ("nmax", "256")]) == "nmax")
    #expect(try Self.refusal([("rule", "float"), ("nmax", "0")]) == "nmax")
  }

  // Half-open and closed ranges at their ends: b_margin [0, 1),
  // initial_fraction [0, 1], epochs ≤ 10000, bl 1...64, threads 1 or 2,
  // switch_threshold (0, 100), k from 0.001, c2c ≤ 10, adc_columns ≤ 65536,
  // line_capacitance from 1e-21, adc_inl ≤ 16 LSB, wire_tolerance from 1e-14.
  @Test func rangeEnds() throws {
    #expect(try Self.refusal([("b_margin", "1")]) == "b_margin")
    #expect(try Self.refusal([("initial_fraction", "1")]) == nil)
    #expect(try Self.refusal([("epochs", "10000")]) == nil)
    #expect(try Self.refusal([("rule", "hybrid"), ("bl", "64")]) == nil)
    #expect(try Self.refusal([("rule", "hybrid"), ("bl", "65")]) == "bl")
    #expect(try Self.refusal([("rule", "hybrid"), ("threads", "3")]) == "threads")
    #expect(try Self.refusal([("rule", "hybrid"), ("switch_threshold", "0")]) == "switch_threshold")
    #expect(try Self.refusal([("rule", "hybrid"), ("switch_threshold", "100")]) == "switch_threshold")
    #expect(try Self.refusal([("rule", "hybrid"), ("k", "0.001")]) == nil)
    #expect(try Self.refusal([("rule", "hybrid"), ("c2c", "10")]) == nil)
    #expect(try Self.refusal([("rule", "hybrid"), ("c2c", "11")]) == "c2c")
    #expect(try Self.refusal([("adc_columns", "65536")]) == nil)
    #expect(try Self.refusal([("adc_columns", "65537")]) == "adc_columns")
    #expect(try Self.refusal([("line_capacitance", "1e-21")]) == nil)
    #expect(try Self.refusal([("adc_bits", "8"), ("adc_inl", "16")]) == nil)
    #expect(try Self.refusal([("wire_tolerance", "1e-14")]) == nil)
  }

  // The finite-state rules: states and small_states ≥ 2 (each naming its
  // own key), batch 1, no sigma, d2d only with G_min > 0; off-chip
  // learning is rule lim's.
  @Test func finiteStateRules() throws {
    #expect(try Self.refusal([("rule", "hybrid"), ("states", "1"), ("small_states", "2")]) == "states")
    #expect(try Self.refusal([("rule", "hybrid"), ("small_states", "1")]) == "small_states")
    #expect(try Self.refusal([("rule", "single"), ("batch", "2")]) == "batch")
    #expect(try Self.refusal([("rule", "hybrid"), ("sigma", "0.1")]) == "sigma")
    #expect(try Self.refusal([("rule", "hybrid"), ("gmin_ratio", "0"), ("d2d", "0.1")]) == "d2d")
    #expect(try Self.refusal([("rule", "hybrid"), ("learning", "off-chip")]) == "learning")
  }

  // A read at the programming pulse's amplitude is refused: naming
  // program_voltage when it moved onto the default read, read_voltage
  // when the read moved; with lim's write lines resistive, a read at
  // write_threshold is refused too.
  @Test func readsAtAWriteLevelAreRefused() throws {
    #expect(try Self.refusal([("program_voltage", "0.2")]) == "program_voltage")
    #expect(try Self.refusal([("read_voltage", "1")]) == "read_voltage")
    #expect(
      try Self.refusal([("wires", "resistive"), ("write_lines", "resistive"), ("read_voltage", "0.8")]) == "read_voltage")
  }

  // adc_inl needs an ADC; tiny σ below 1e-30 is refused naming its key;
  // float SGD refuses adc_columns (a peripheral key).
  @Test func peripheralRules() throws {
    #expect(try Self.refusal([("adc_inl", "1")]) == "adc_inl")
    #expect(try Self.refusal([("sense_offset", "5e-31")]) == "sense_offset")
    #expect(try Self.refusal([("rule", "float"), ("adc_columns", "2")]) == "adc_columns")
  }

  // Time slots: with reset_slot_time a long reset need not fit slot_time;
  // slot_time equal to the widest width is accepted; reset_slot_time ≤ 1 s.
  @Test func slotTimes() throws {
    #expect(try Self.refusal([("reset_time", "1e-5"), ("reset_slot_time", "1e-5")]) == nil)
    #expect(try Self.refusal([("slot_time", "1e-6")]) == nil)
    #expect(try Self.refusal([("reset_slot_time", "2")]) == "reset_slot_time")
  }

  // Lines: a terminal resistance without resistive segments names itself;
  // write_lines resistive needs wires resistive and (rule lim) learning
  // on-chip; its write_threshold is in (V/2, V) open at both ends.
  @Test func lineRules() throws {
    #expect(try Self.refusal([("wires", "resistive"), ("r_row", "0"), ("r_col", "0"), ("r_sense", "5")]) == "r_sense")
    #expect(try Self.refusal([("write_lines", "resistive")]) == "write_lines")
    #expect(
      try Self.refusal([("learning", "off-chip"), ("wires", "resistive"), ("write_lines", "resistive")]) == "write_lines")
    #expect(
      try Self.refusal([("wires", "resistive"), ("write_lines", "resistive"), ("write_threshold", "1")]) == "write_threshold")
    #expect(
      try Self.refusal([("rule", "hybrid"), ("wires", "resistive"), ("write_lines", "resistive"), ("write_threshold", "0.5")])
        == "write_threshold")
  }

  // A terminal resistance up to 1e12 Ω is accepted, beyond refused naming
  // its key (as `train --help` says: 0 or in [1e-150, 1e12]).
  @Test func terminalResistancesReachATeraohm() throws {
    #expect(try Self.refusal([("r_driver", "1e12")]) == nil)
    #expect(try Self.refusal([("r_sense", "1.1e12")]) == "r_sense")
  }

  // Keys a configuration never reads are reported, and keys it reads are not.
  @Test func ignoredKeysFollowTheRuleAndMode() throws {
    #expect(try Self.ignored([("rule", "float"), ("method", "a")]).contains("method"))
    #expect(try Self.ignored([("transfer", "weights")]).contains("transfer"))
    #expect(try !Self.ignored([("wires", "resistive"), ("write_lines", "resistive"), ("write_threshold", "0.8")]).contains("write_threshold"))
    #expect(try !Self.ignored([("rule", "single"), ("small_states", "50")]).contains("small_states"))
    #expect(try Self.ignored([("r_driver", "5")]).contains("r_driver"))
    #expect(try Self.ignored([("learning", "off-chip"), ("line_capacitance", "1e-15")]).contains("line_capacitance"))
    #expect(try Self.ignored([("rule", "float"), ("endurance", "true")]).contains("endurance"))
    #expect(try Self.ignored([("loss", "mse")]).contains("loss"))
    #expect(try Self.ignored([("rule", "hybrid"), ("program_voltage", "2")]).contains("program_voltage"))
    #expect(
      try !Self.ignored([("learning", "off-chip"), ("adc_bits", "8"), ("adc_inl", "1"), ("adc_columns", "4")]).contains("adc_columns"))
    #expect(try Self.ignored([("layers", "784,10"), ("hidden_threshold", "0.1")]).contains("hidden_threshold"))
    #expect(try Self.ignored([("method", "c"), ("b_margin", "0.5")]).contains("b_margin"))
    #expect(try !Self.ignored([("adc_range", "8")]).contains("adc_range"))
  }

  // Defaults that follow the rule: lr 0.1, gmin_ratio 0.1 for both
  // finite-state rules (single too); float SGD's derivative is the gate;
  // small_states follows states; a measured device's c2c is 0.
  @Test func defaultsFollowTheRule() throws {
    var c = TrainingConfiguration()
    try c.set("rule", "single")
    #expect(c.learningRate == 0.1 && c.gMinRatio == 0.1)
    try c.set("rule", "float")
    #expect(c.floatDerivative == .gate)
    try c.set("rule", "hybrid")
    try c.set("states", "30")
    #expect(c.smallStates == 30)
    try c.set("rule", "single")
    c._states = nil
    try c.restoreMeasuredDevice(MeasuredBranches(path: "/nonexistent/m66c.csv", curve: [0.1, 0.5, 1], gMax: 1e-5))
    #expect(c.c2c == 0)
  }

  // Parsing: 1e400 and an empty layer are refused naming their keys.
  @Test func parsingRefusesJunk() {
    var c = TrainingConfiguration()
    #expect(throws: ConfigurationError.self) { try c.set("lr", "1e400") }
    #expect(throws: ConfigurationError.self) { try c.set("layers", "784,,10") }
  }

  // keyValues omits write_lines, line_capacitance at their defaults and
  // r_driver under ideal wires; writes final_iterations and
  // reset_slot_time's own value when set; lr set is a rule-dependent key.
  @Test func keyValuesOmissionsAndValues() throws {
    let d = Dictionary(TrainingConfiguration().keyValues, uniquingKeysWith: { a, _ in a })
    #expect(d["write_lines"] == nil && d["line_capacitance"] == nil)
    var c = TrainingConfiguration()
    try c.set("r_driver", "5")
    try c.set("final_iterations", "5")
    try c.set("reset_slot_time", "5e-6")
    try c.set("lr", "0.5")
    let kv = Dictionary(c.keyValues, uniquingKeysWith: { a, _ in a })
    #expect(kv["r_driver"] == nil)
    #expect(kv["final_iterations"] == "5")
    #expect(kv["reset_slot_time"].flatMap(Double.init) == 5e-6)
    #expect(c.setRuleDependentKeys.contains("lr"))
  }
}
