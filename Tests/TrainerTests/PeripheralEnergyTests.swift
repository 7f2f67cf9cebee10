import Circuit
import Peripherals
import Testing

@testable import Trainer

// Peripheral non-idealities (opt-in, ideal by default) and the energy and
// latency account built from the simulation.

// MARK: - Energy from the simulation

@Test func readEnergyIsTheSumOfVoltageTimesCurrentTimesTime() {
  // 2 × 2 array; the S lines sit at the sense amplifiers' 0 V, so device
  // (i, j) of either polarity carries I = V_i·G and each D line's driver
  // delivers I_i = V_i·Σ_j (G+_ij + G−_ij).
  let a = DifferentialArray(rows: 2, columns: 2)
  let gp = [1e-5, 2e-5, 3e-5, 4e-5], gm = [5e-6, 1e-6, 0, 2e-6]
  a.setConductances(plus: gp, minus: gm)
  a.readTime = 1e-8
  let v: [Float] = [0.1, 0.2]
  _ = a.readIdeal(.forward, input: v)
  var byHand = 0.0
  for i in 0..<2 {
    let vi = Double(v[i])
    var current = 0.0
    for j in 0..<2 { current += vi * gp[i * 2 + j] + vi * gm[i * 2 + j] }
    byHand += vi * current * 1e-8
  }
  #expect(abs(a.readEnergy - byHand) <= 1e-6 * byHand, "\(a.readEnergy) vs \(byHand)")
}

@Test func programmingEnergyIsVSquaredGTimeOverThePulsedDevices() {
  // Linear device (β = 0), n_max = 8: G(k) = k/8·G_max.
  let layer = makeLayer(method: .b, nMax: 8, beta: 0)
  let g = layer.gMax
  func gOf(_ k: Int) -> Double { Double(k) / 8 * g }
  // One rule pulse: G+ from state 3; G before the pulse is G(3).
  layer.setStates(0, kp: 3, km: 5)
  layer.restartEnergyAccount()
  layer.kernelUpdate(0, up: true)
  #expect(abs(layer.pulseConductance - gOf(3)) < 1e-12 * g)
  // Method b at G_max: G− (state 5) is reset, then re-potentiated through
  // states 0, 1, 2, 3 to 4: four pulses seeing G(0) … G(3).
  layer.setStates(0, kp: 8, km: 5)
  layer.restartEnergyAccount()
  layer.kernelUpdate(0, up: true)
  #expect(layer.outcome(0) == PairOutcome(kp: 8, km: 4, pulses: 4, resets: 1))
  // (The row kernel reads single-precision conductances: 1e-6 relative.)
  #expect(abs(layer.resetConductance - gOf(5)) < 1e-6 * g)
  #expect(abs(layer.pulseConductance - (gOf(0) + gOf(1) + gOf(2) + gOf(3))) < 1e-12 * g)
  // Method a at G_max through the single-synapse path: both reset (G(8),
  // G(2)), G+ re-potentiated from G_min to the old weight 6/8: states 0…5.
  let la = makeLayer(method: .a, nMax: 8, beta: 0)
  la.setStates(0, kp: 8, km: 2)
  la.restartEnergyAccount()
  la.update(0, up: true)
  #expect(la.outcome(0) == PairOutcome(kp: 6, km: 0, pulses: 6, resets: 2))
  #expect(abs(la.resetConductance - (gOf(8) + gOf(2))) < 1e-12 * g)
  #expect(abs(la.pulseConductance - (0...5).map(gOf).reduce(0, +)) < 1e-12 * g)
}

@Test func programmingEnergyOfASequenceWithScalesAndResets() {
  // σ > 0 path with X+ = 1.5, X− = 0.5; method b, linear, n_max = 8.
  // A sequence of raises and lowers replayed by hand from the states,
  // pulse by pulse.
  let layer = makeLayer(method: .b, nMax: 8, beta: 0, scales: (1.5, 0.5))
  let g = layer.gMax
  layer.setStates(0, kp: 7, km: 5)
  layer.restartEnergyAccount()
  var byHand = 0.0, resetsByHand = 0.0
  var kp = 7, km = 5
  // (7,5) → (8,5) → method b (8,4) → (8,5) → (8,6) → (8,7) → both reset
  // (0,0) → (1,0): every branch of the row kernel.
  for up in [true, true, false, false, false, false, true] {
    // The device to pulse, before the update, and what happens to it.
    let before = (kp: kp, km: km)
    layer.kernelUpdate(0, up: up)
    kp = Int(layer.kp[0])
    km = Int(layer.km[0])
    let xa = up ? 1.5 : 0.5, xb = up ? 0.5 : 1.5
    let a0 = up ? before.kp : before.km, b0 = up ? before.km : before.kp
    let a1 = up ? kp : km, b1 = up ? km : kp
    if a1 == a0 + 1 && b1 == b0 {
      byHand += xa * Double(a0) / 8 * g
    } else if a0 + 1 == 8 && b0 == 8 && a1 == 0 && b1 == 0 {
      // Figure 2D: the pulse brings both to G_max; both are reset.
      byHand += xa * Double(a0) / 8 * g
      resetsByHand += (xa + xb) * g
    } else if a0 == 8 && b1 < b0 {
      // Method b: reset b, then b1 pulses from G_min.
      resetsByHand += xb * Double(b0) / 8 * g
      byHand += xb * Double((0..<b1).reduce(0, +)) / 8 * g
    } else {
      Issue.record("unexpected transition \(before) → (\(kp), \(km))")
    }
  }
  #expect((kp, km) == (1, 0))
  #expect(abs(layer.pulseConductance - byHand) < 1e-12 * g, "\(layer.pulseConductance) vs \(byHand)")
  #expect(abs(layer.resetConductance - resetsByHand) < 1e-6 * g)
}

@Test func theLedgerFollowsTheCountersAndTheConfiguration() throws {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.adcBits = 4
  cfg.dacBits = 6
  let net = LimNetwork(configuration: cfg)
  let data = Fixture.train
  data.pixels.withUnsafeBufferPointer { px in
    for s in 0..<50 { net.train(px.baseAddress! + s * 64, label: Int(data.labels[s])) }
  }
  let e = net.ledger()
  let costs = ConverterCosts()
  #expect(net.trainedSamples == 50 && net.backwardSamples > 0)
  let layers = net.layers
  let conductance = layers.reduce(0) { $0 + $1.pulseConductance }
  #expect(conductance > 0)
  #expect(e.program == cfg.programVoltage * cfg.programVoltage * cfg.programTime * conductance)
  #expect(e.read == net.readEnergy && e.read > 0)
  // DAC: every row of every forward read, every column of the transposed
  // read of array 1; ADC: every column of every forward read.
  let dac = 50 * (65 + 33) + net.backwardSamples * 10
  #expect(abs(e.dac - Double(dac) * costs.dacEnergy(bits: 6)) <= 1e-12 * e.dac)
  #expect(abs(e.adc - Double(50 * (32 + 10)) * costs.adcEnergy(bits: 4)) <= 1e-12 * e.adc)
  let readTime = Double(50 * 2) * (cfg.readTime + 4e-9) + Double(net.backwardSamples) * cfg.readTime
  #expect(abs(e.readTime - readTime) <= 1e-12 * readTime)
  let slots = layers.reduce(0) { $0 + $1.updateSlots }
  #expect(slots >= layers.reduce(0) { $0 + $1.resets + $1.repotentiations })
  #expect(e.updateTime == Double(slots) * cfg.slotTime)
}

// MARK: - Peripherals: ideal by default, effective when enabled

/// Every new key set explicitly to its default value.
private func withPeripheralDefaults(_ base: TrainingConfiguration) throws -> TrainingConfiguration {
  var cfg = base
  for (k, v) in [
    ("dac_bits", "0"), ("adc_bits", "0"), ("adc_range", "8"), ("tia_gain", "1"), ("sense_offset", "0"),
    ("comparator_offset", "0"),
  ] { try cfg.set(k, v) }
  return cfg
}

private func fingerprint(_ r: TrainingResult) -> [Double] {
  r.points.map(\.accuracy) + [Double(r.pulses), Double(r.resets), Double(r.repotentiationPulses), r.trainAccuracy]
}

@Test(arguments: [UpdateMethod.a, .b, .c])
func defaultPeripheralsChangeNothing(_ method: UpdateMethod) throws {
  var base = Fixture.configuration(method: method, epochs: 1)
  base.evaluationsPerEpoch = 3
  let plain = try Fixture.run(base)
  let explicit = try Fixture.run(try withPeripheralDefaults(base))
  #expect(fingerprint(plain) == fingerprint(explicit))
  #expect(plain.ledger != nil)
  #expect(plain.ledger == explicit.ledger)
  // Mini-batches with netted pulses take the batch path.
  var batch = base
  batch.batch = 10
  batch.batchPulses = .net
  #expect(fingerprint(try Fixture.run(batch)) == fingerprint(try Fixture.run(try withPeripheralDefaults(batch))))
}

@Test(arguments: [
  ("adc_bits", "2"), ("dac_bits", "1"), ("tia_gain", "0.5"), ("sense_offset", "1"), ("comparator_offset", "0.3"),
])
func aNonIdealPeripheralChangesTheRun(_ key: String, _ value: String) throws {
  let base = Fixture.configuration(epochs: 1)
  var cfg = base
  try cfg.set(key, value)
  let ideal = try Fixture.run(base), real = try Fixture.run(cfg)
  #expect(fingerprint(ideal) != fingerprint(real), "\(key) = \(value) changed nothing")
}

@Test func theEvaluatorSeesTheSamePeripheralsAsTraining() throws {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.adcBits = 3
  cfg.dacBits = 2
  cfg.senseOffset = 0.5
  let net = LimNetwork(configuration: cfg)
  let data = Fixture.test
  let arrays = net.arrays
  let evaluator = ForwardEvaluator(
    sizes: cfg.layers, weights: arrays.map { UnsafePointer($0._weight) },
    scales: arrays.map { _ in Float(1 / cfg.gMaxSiemens) }, neuron: cfg.neuron,
    chains: net.senseChains)
  // The network's own forward pass labels the images; the evaluator,
  // reading the same arrays through the same periphery, must agree.
  let predictions = data.pixels.withUnsafeBufferPointer { px in
    (0..<data.count).map { UInt8(net.predict(px.baseAddress! + $0 * 64)) }
  }
  let agree = data.pixels.withUnsafeBufferPointer { px in
    predictions.withUnsafeBufferPointer { lb in
      evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: data.count, features: 64)
    }
  }
  #expect(agree == data.count)
}

@Test(arguments: [
  ("dac_bits", "-1"), ("dac_bits", "17"), ("adc_bits", "-2"), ("adc_bits", "17"), ("adc_range", "0"),
  ("adc_range", "-1"), ("tia_gain", "0"), ("tia_gain", "-1"), ("sense_offset", "-0.1"),
  ("comparator_offset", "-1"),
])
func badPeripheralValuesNameTheirKey(_ key: String, _ value: String) throws {
  var cfg = TrainingConfiguration()
  try cfg.set(key, value)
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == key, "\(String(describing: error))")
}

// adc_range was checked as a Float: 1e300 became inf and 1e-300 zero, and
// the error said "must be > 0, got inf" (fuzz-extreme).
@Test(arguments: ["1e300", "1e-300", "1e10", "1e-10"])
func anAdcRangeBeyondItsSinglePrecisionCopyNamesTheValueGiven(_ value: String) throws {
  var cfg = TrainingConfiguration()
  try cfg.set("adc_bits", "4")
  try cfg.set("adc_range", value)
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == "adc_range")
  #expect("\(error.map { "\($0)" } ?? "")".contains("must be in [1e-09, 1000000000.0], got \(Double(value)!)"), "\(String(describing: error))")
}

@Test func peripheralKeysNeedRuleLim() throws {
  for rule in ["hybrid", "single", "float"] {
    var cfg = TrainingConfiguration()
    try cfg.set("rule", rule)
    try cfg.set("adc_bits", "4")
    let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
    #expect(error?.field == "adc_bits")
  }
}
