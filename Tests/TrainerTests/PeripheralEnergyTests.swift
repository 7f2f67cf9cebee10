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
  let (agree, count) = evaluatorAgreement(LimNetwork(configuration: cfg))
  #expect(agree == count)
}

/// How many of the fixture's test images the evaluator, reading `net`'s
/// arrays through its periphery, labels as the network's own forward
/// pass does, and how many there are.
func evaluatorAgreement(_ net: LimNetwork) -> (agree: Int, count: Int) {
  let cfg = net.configuration
  let data = Fixture.test
  let arrays = net.arrays
  let evaluator = ForwardEvaluator(
    sizes: cfg.layers, weights: arrays.map { UnsafePointer($0._weight) },
    scales: arrays.map { _ in Float(1 / cfg.gMaxSiemens) }, neuron: cfg.neuron,
    chains: net.senseChains)
  let predictions = data.pixels.withUnsafeBufferPointer { px in
    (0..<data.count).map { UInt8(net.predict(px.baseAddress! + $0 * 64)) }
  }
  let agree = data.pixels.withUnsafeBufferPointer { px in
    predictions.withUnsafeBufferPointer { lb in
      evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: data.count, features: 64)
    }
  }
  return (agree, data.count)
}

@Test(arguments: [
  ("dac_bits", "-1"), ("dac_bits", "17"), ("adc_bits", "-2"), ("adc_bits", "17"), ("adc_range", "0"),
  ("adc_range", "-1"), ("tia_gain", "0"), ("tia_gain", "-1"), ("sense_offset", "-0.1"),
  ("comparator_offset", "-1"),
  // Below 1e-30 the single-precision offsets round to 0: an ideal run
  // (session 47).
  ("sense_offset", "1e-46"), ("comparator_offset", "1e-31"),
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
  let shown = ["1e300": "1e+300", "1e-300": "1e-300", "1e10": "10000000000", "1e-10": "1e-10"][value]!
  #expect("\(error.map { "\($0)" } ?? "")".contains("must be in [1e-09, 1000000000], got \(shown)"), "\(String(describing: error))")
}

// Rules hybrid and single take them too since session 50
// (HybridPeripheralTests); float SGD has no arrays to read.
@Test func peripheralKeysNeedArrays() throws {
  for rule in ["float"] {
    var cfg = TrainingConfiguration()
    try cfg.set("rule", rule)
    try cfg.set("adc_bits", "4")
    let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
    #expect(error?.field == "adc_bits")
  }
}

/// The network's booked read energy over one training sample equals the
/// energies of exact reads (`DifferentialArray.read`, double precision,
/// Σ V·I·t of every driven line) of the arrays as they were before the
/// sample's update, with the sample's drives: each forward read with its
/// layer's input voltages, each transposed read with δ·V_read. (A booking
/// with V instead of V², the wrong direction's loads or a lost read fails.)
@Test(arguments: [0, 5, 40])
func theBookedReadEnergyIsThatOfExactReadsOfTheSample(sample: Int) throws {
  let net = LimNetwork(configuration: Fixture.configuration(epochs: 1))
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 0..<sample { net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
  }
  let before = net.arrays.map { $0.copy() }
  let booked0 = net.readEnergy
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    _ = net.train(px.baseAddress! + sample * 64, label: Int(Fixture.train.labels[sample]))
  }
  let booked = net.readEnergy - booked0
  let v = Double(net.readVoltage)
  var exact = 0.0
  for l in before.indices {
    exact += try before[l].read(.forward, voltages: net.voltages[l].map(Double.init)).energy
  }
  let last = before.count - 1
  if net.deltas[last].contains(where: { $0 != 0 }) {
    for l in stride(from: last, to: 0, by: -1) {
      exact += try before[l].read(.transposed, voltages: net.deltas[l].map { Double($0) * v }).energy
    }
  }
  #expect(exact > 0)
  #expect(abs(booked - exact) <= 1e-6 * exact, "booked \(booked) J, exact reads \(exact) J")
}

/// The sense chain on hand numbers: s_j = ADC(g·scale·I_j + o_j), the ADC's
/// nearest of its 2^b levels −range + k·2·range/(2^b − 1), clipping.
@Test func theSenseChainIsGainThenOffsetThenADC() {
  let currents: [Float] = [1e-6, -2e-6, 4e-6, 1e-3]
  let scale: Float = 1 / (0.2 * 1e-5)  // 1/(V_read·G_max): 1 µA is s = 0.5
  func run(_ chain: SenseChain) -> [Float] {
    var s = [Float](repeating: .nan, count: currents.count)
    currents.withUnsafeBufferPointer { i in s.withUnsafeMutableBufferPointer { chain.sums(currents: i, scale: scale, into: $0) } }
    return s
  }
  // Gain 1.1 and offsets, continuous ADC: 0.55 + 0.05, −1.1 − 0.2, 2.2, 550.
  let analog = run(SenseChain(gain: 1.1, offsets: [0.05, -0.2, 0, 0]))
  for (got, want) in zip(analog, [0.6, -1.3, 2.2, 550] as [Float]) { #expect(abs(got - want) <= 1e-5 * max(1, abs(want)), "\(analog)") }
  // 3 bits over [−2, 2]: levels −2 + k·4/7; 0.6 → 4/7·… nearest is 0.857 (k = 5)?
  // Levels: −2, −1.429, −0.857, −0.286, 0.286, 0.857, 1.429, 2.
  let levels: [Float] = (0..<8).map { -2 + Float($0) * 4 / 7 }
  let coded = run(SenseChain(adc: ADC(bits: 3, range: 2), gain: 1.1, offsets: [0.05, -0.2, 0, 0]))
  func nearest(_ x: Float) -> Float { levels.min { abs($0 - x) < abs($1 - x) }! }
  for (got, x) in zip(coded, [0.6, -1.3, 2.2, 550] as [Float]) {
    #expect(abs(got - nearest(min(max(x, -2), 2))) <= 1e-6, "\(coded)")
  }
  #expect(abs(coded[0] - levels[5]) <= 1e-6 && abs(coded[1] - levels[1]) <= 1e-6 && coded[2] == 2 && coded[3] == 2)
}

/// In a network: the offsets are drawn once per column, N(0, σ²) (σ = 0.1
/// over 400 columns: the sample deviation within 4 standard errors), the
/// same for the same seed and other for another; and the neurons' sums
/// after a read are the chain applied to the sensed currents, recomputed
/// here from the formula.
@Test func theNetworksSenseChainsHoldDrawnOffsetsAndShapeTheSums() {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.layers = [64, 400, 10]
  cfg.senseOffset = 0.1
  cfg.tiaGain = 0.9
  cfg.adcBits = 6
  let net = LimNetwork(configuration: cfg)
  let o = net.senseChains[0].offsets.map(Double.init)
  #expect(o.count == 400)
  let mean = o.reduce(0, +) / 400
  let sd = (o.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 399).squareRoot()
  #expect(abs(mean) <= 4 * 0.1 / 20, "mean \(mean)")
  #expect(abs(sd - 0.1) <= 4 * 0.1 / (2 * 399).squareRoot(), "sd \(sd)")
  #expect(Set(o).count == 400)
  #expect(LimNetwork(configuration: cfg).senseChains[0].offsets == net.senseChains[0].offsets)
  var other = cfg
  other.seed = 2
  #expect(LimNetwork(configuration: other).senseChains[0].offsets != net.senseChains[0].offsets)
  Fixture.test.pixels.withUnsafeBufferPointer { _ = net.predict($0.baseAddress! + 3 * 64) }
  let range = Float(cfg.adcRange), top = Float(63)
  let scale = 1 / (Float(cfg.readVoltage) * Float(cfg.gMaxSiemens))
  for l in 0..<2 {
    let offsets = net.senseChains[l].offsets
    for j in 0..<net.sums[l].count {
      let x = min(max(Float(0.9) * scale * net.currents[l][j] + offsets[j], -range), range)
      let k = ((x + range) / (2 * range) * top).rounded()
      let level = -range + k * 2 * range / top
      #expect(abs(net.sums[l][j] - level) <= 1e-4 * range, "layer \(l) column \(j)")
    }
  }
}
