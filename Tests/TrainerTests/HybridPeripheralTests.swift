import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Session 50: rules hybrid and single read through rule lim's periphery
// (DAC, transimpedance gain, sense offsets, ADC; comparator offsets for
// the sign encoding). Until then every key was refused for them: a FET
// walkthrough (session 49) asked for the converters' bits with Choi's
// synapse.

private func hybridFixture(
  rule: LearningRule = .hybrid, encoding: UpdateEncoding = .stochastic, _ keys: [String: String] = [:]
) throws -> TrainingConfiguration {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.rule = rule
  cfg.encoding = encoding
  cfg.learningRate = 0.1
  for (k, v) in keys.sorted(by: { $0.key < $1.key }) { try cfg.set(k, v) }
  try cfg.validate()
  return cfg
}

private func fingerprint(_ r: TrainingResult) -> [Double] {
  r.points.map(\.accuracy) + [Double(r.pulses), Double(r.resets), r.trainAccuracy]
}

@Test(arguments: [
  (LearningRule.hybrid, UpdateEncoding.stochastic, "adc_bits", "2"),
  (.hybrid, .stochastic, "dac_bits", "1"),
  (.hybrid, .stochastic, "tia_gain", "0.5"),
  (.hybrid, .stochastic, "sense_offset", "1"),
  (.hybrid, .sign, "comparator_offset", "0.3"),
  (.single, .stochastic, "adc_bits", "2"),
  (.single, .sign, "comparator_offset", "0.3"),
])
func aNonIdealPeripheralChangesAHybridRun(
  _ rule: LearningRule, _ encoding: UpdateEncoding, _ key: String, _ value: String
) throws {
  let ideal = try Fixture.run(try hybridFixture(rule: rule, encoding: encoding))
  let real = try Fixture.run(try hybridFixture(rule: rule, encoding: encoding, [key: value]))
  #expect(fingerprint(ideal) != fingerprint(real), "\(rule) \(key) = \(value) changed nothing")
}

@Test func theDefaultPeripheryOfAHybridRunIsTheIdealPath() throws {
  // Every key at its ideal value, given: the same run, bit for bit.
  let keys = ["adc_bits": "0", "dac_bits": "0", "tia_gain": "1", "sense_offset": "0"]
  for encoding in [UpdateEncoding.stochastic, .sign] {
    let plain = try Fixture.run(try hybridFixture(encoding: encoding))
    let given = try Fixture.run(try hybridFixture(encoding: encoding, keys.merging(encoding == .sign ? ["comparator_offset": "0"] : [:]) { a, _ in a }))
    #expect(fingerprint(plain) == fingerprint(given))
    let net = try HybridNetwork(configuration: try hybridFixture(encoding: encoding, keys))
    #expect(net.idealSense)
  }
}

// The training's forward pass and the test evaluation read the same
// arrays through the same periphery: the evaluator agrees with the
// network's own prediction on every image.
@Test(arguments: [LearningRule.hybrid, .single])
func theEvaluatorSeesAHybridNetworksPeriphery(_ rule: LearningRule) throws {
  let cfg = try hybridFixture(
    rule: rule, ["adc_bits": "3", "dac_bits": "2", "sense_offset": "0.5", "tia_gain": "0.8"])
  let net = try HybridNetwork(configuration: cfg)
  let train = Fixture.train
  train.pixels.withUnsafeBufferPointer { px in
    for n in 0..<100 { net.train(px.baseAddress! + n * 64, label: Int(train.labels[n])) }
  }
  let data = Fixture.test
  let predictions = data.pixels.withUnsafeBufferPointer { px in
    (0..<data.count).map { UInt8(net.predict(px.baseAddress! + $0 * 64)) }
  }
  let evaluator = ForwardEvaluator(
    sizes: cfg.layers, weights: net.weightPointers, scales: cfg.layers.dropFirst().map { _ in 1 },
    neuron: cfg.neuron, chains: net.senseChains)
  let agree = withExtendedLifetime(net) {
    data.pixels.withUnsafeBufferPointer { px in
      predictions.withUnsafeBufferPointer { lb in
        evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: data.count, features: 64)
      }
    }
  }
  #expect(agree == data.count)
  // And the periphery matters here: an ideal evaluator disagrees somewhere.
  let ideal = ForwardEvaluator(
    sizes: cfg.layers, weights: net.weightPointers, scales: cfg.layers.dropFirst().map { _ in 1 },
    neuron: cfg.neuron)
  let idealAgree = withExtendedLifetime(net) {
    data.pixels.withUnsafeBufferPointer { px in
      predictions.withUnsafeBufferPointer { lb in
        ideal.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: data.count, features: 64)
      }
    }
  }
  #expect(idealAgree < data.count)
}

/// One sample of a 4-3-2 hybrid network, computed by hand from its
/// weights before the sample: the DAC's levels on the drives, the sums
/// through gain, offsets and ADC, and the hidden δ from the transposed
/// read of the DAC's signed δ levels, times the gate.
@Test(arguments: [UpdateEncoding.stochastic, .sign])
func oneHybridSampleThroughThePeripheryByHand(_ encoding: UpdateEncoding) throws {
  var cfg = HybridNetworkTests.configuration(encoding: encoding)
  for (k, v) in [("adc_bits", "4"), ("dac_bits", "2"), ("tia_gain", "0.7"), ("sense_offset", "0.2"), ("adc_range", "3")] {
    try cfg.set(k, v)
  }
  if encoding == .sign {
    try cfg.set("comparator_offset", "0.05")
    try cfg.set("hidden_threshold", "0.001")
  }
  let net = try HybridNetwork(configuration: cfg)
  let pixels: [UInt8] = [255, 130, 40, 0]
  let label = 1
  let w0 = net.weights(layer: 0), w1 = net.weights(layer: 1)  // (inputs + 1) × outputs
  let c0 = net.senseChains[0], c1 = net.senseChains[1]
  #expect(c0.offsets.count == 3 && c1.offsets.count == 2)
  let dac = DAC(bits: 2), adc = ADC(bits: 4, range: 3)
  let x = (pixels.map { Float($0) * (1 / 255) } + [1]).map(dac.convert)
  var s1 = [Float](repeating: 0, count: 3)
  for j in 0..<3 {
    var sum: Float = 0
    for i in 0..<5 { sum += w0[i * 3 + j] * x[i] }
    s1[j] = adc.convert(sum * 0.7 + c0.offsets[j])
  }
  let neuron = cfg.neuron
  let h = (s1.map { neuron.activation($0) } + [1]).map(dac.convert)
  // (Rules hybrid and single take the derivative by default, not the gate.)
  let gate = s1.map { cfg.floatDerivative == .gate ? neuron.gate($0) : neuron.derivative($0) }
  var s2 = [Float](repeating: 0, count: 2)
  for j in 0..<2 {
    var sum: Float = 0
    for i in 0..<4 { sum += w1[i * 2 + j] * h[i] }
    s2[j] = adc.convert(sum * 0.7 + c1.offsets[j])
  }
  let m = s2.max()!
  let e: [Float] = s2.map { Float(exp(Double($0 - m))) }
  let total = e.reduce(0, +)
  var d2: [Float] = (0..<2).map { j in e[j] / total - (j == label ? 1 : 0) }
  if encoding == .sign {
    d2 = d2.enumerated().map { net.columnComparators[1][$0.offset].deadBand($0.element) }
  }
  var d1 = [Float](repeating: 0, count: 3)
  for i in 0..<3 {
    var sum: Float = 0
    for j in 0..<2 { sum += w1[i * 2 + j] * dac.convertSigned(d2[j]) }
    d1[i] = sum * gate[i]
    if encoding == .sign { d1[i] = net.columnComparators[0][i].deadBand(d1[i]) }
  }
  pixels.withUnsafeBufferPointer { net.train($0.baseAddress!, label: label) }
  func close(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 } }
  #expect(net.activations[0] == x)
  #expect(net.sums[0] == s1 && net.sums[1] == s2, "\(net.sums) vs \(s1), \(s2)")
  #expect(close(net.activations[1], h), "\(net.activations[1]) vs \(h)")
  #expect(close(net.deltas[1], d2), "\(net.deltas[1]) vs \(d2)")
  #expect(close(net.deltas[0], d1), "\(net.deltas[0]) vs \(d1)")
  // The δ drive differed from δ (2 bits: levels 0, 1/3, 2/3, 1).
  #expect(d2.contains { dac.convertSigned($0) != $0 })
}

// Each comparator's offset is its own (per column), drawn from stream 22
// as rule lim's: the output layer's differ from one another.
@Test func aHybridNetworksComparatorsHaveAnOffsetPerColumn() throws {
  let cfg = try hybridFixture(encoding: .sign, ["comparator_offset": "0.3"])
  let net = try HybridNetwork(configuration: cfg)
  let offsets = net.columnComparators.map { $0.map(\.offset) }
  #expect(offsets.map(\.count) == [32, 10])
  #expect(Set(offsets[1]).count == 10)
  #expect(net.columnComparators[1].allSatisfy { $0.threshold == Float(cfg.outputThreshold) })
  #expect(net.columnComparators[0].allSatisfy { $0.threshold == Float(cfg.hiddenThreshold) })
}

@Test func theComparatorOffsetOfACoincidenceEncodingIsIgnoredAndNamed() throws {
  for encoding in ["stochastic", "deterministic"] {
    var cfg = TrainingConfiguration()
    try cfg.set("rule", "hybrid")
    try cfg.set("encoding", encoding)
    try cfg.set("comparator_offset", "0.1")
    #expect(cfg.ignoredKey?.key == "comparator_offset")
  }
}

@Test func aHybridLedgerCostsItsConvertersAtTheirBits() throws {
  for bits in [0, 4, 10] {
    var cfg = HybridNetworkTests.configuration()
    cfg.adcBits = bits
    cfg.dacBits = bits
    let net = try HybridNetwork(configuration: cfg)
    let pixels: [UInt8] = [255, 130, 40, 0]
    for _ in 0..<3 { pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: 0) } }
    let costs = ConverterCosts()
    let e = net.ledger(costs: costs)
    // 3 samples: ADC conversions 3·(3 + 2) columns; DAC 3·(5 + 4 rows + 2
    // δ columns of the second layer).
    #expect(abs(e.adc - 15 * costs.adcEnergy(bits: bits)) <= 1e-12 * e.adc)
    #expect(abs(e.dac - 33 * costs.dacEnergy(bits: bits)) <= 1e-12 * e.dac)
    #expect(abs(e.readTime - (6 * (cfg.readTime + costs.adcTime(bits: bits)) + 3 * cfg.readTime)) <= 1e-12 * e.readTime)
  }
}

// The sign encoding's pulse goes the way its comparator decides,
// sgn(δ + offset), as rule lim's: a small positive δ under a larger
// negative offset raises W (its G+ column fires), and the analog δ is
// what the transposed read drives.
@Test func aHybridSignPulseFollowsItsComparatorsDecision() throws {
  var cfg = HybridNetworkTests.configuration(encoding: .sign)
  try cfg.set("comparator_offset", "0.5")
  let net = try HybridNetwork(configuration: cfg)
  let offsets = net.columnComparators[0].map(\.offset)
  // δ = −o/2: sgn(δ) = −sgn(o) while sgn(δ + o) = sgn(o), |δ + o| = |o|/2.
  let delta = offsets.map { -$0 / 2 }
  let dw = HybridNetworkTests.step(net, x: [1, 0, 1, 0], delta: delta)
  for j in 0..<3 where abs(offsets[j]) > 1e-3 {
    for i in [0, 2, 4] {
      // Row 4 is the bias, driven at 1.
      let w = dw[i * 3 + j]
      #expect(offsets[j] < 0 ? w > 0 : w < 0, "column \(j) offset \(offsets[j]) δ \(delta[j]): ΔW \(w)")
    }
    for i in [1, 3] { #expect(dw[i * 3 + j] == 0) }
  }
  #expect(offsets.contains { $0 < 0 } && offsets.contains { $0 > 0 }, "\(offsets)")
}

// The ADC's clipped sums (session 50): counted where the ADC's input lies
// beyond ±range, before the code is chosen (a clipped sum and one in the
// top code's bin read the same).
@Test func aSenseChainCountsTheSumsItsAdcClips() {
  let chain = SenseChain(adc: ADC(bits: 3, range: 2), gain: 2, offsets: [0, 0.5, -0.5, 0])
  let currents: [Float] = [0.9, 0.9, -1.2, 1.0]  // inputs 1.8, 2.3, −2.9, 2.0
  var s = [Float](repeating: 0, count: 4)
  let clipped = currents.withUnsafeBufferPointer { c in
    s.withUnsafeMutableBufferPointer { chain.sums(currents: c, scale: 1, into: $0) }
  }
  #expect(clipped == 2)
  #expect(s[0] == 2 && s[1] == 2 && s[2] == -2 && s[3] == 2)
  // Without an ADC nothing clips, however large.
  let ideal = SenseChain(gain: 2)
  let none = currents.map { $0 * 1e6 }.withUnsafeBufferPointer { c in
    s.withUnsafeMutableBufferPointer { ideal.sums(currents: c, scale: 1, into: $0) }
  }
  #expect(none == 0)
}

/// The evaluator's clipped counts, per layer, against a forward pass by
/// hand over the fixture's test images (DAC levels, gain, offsets, the
/// ADC's input tested against its range), on one thread and on two.
@Test func theEvaluatorCountsEachLayersClippedSums() throws {
  let cfg = try hybridFixture(["adc_bits": "4", "adc_range": "0.6", "dac_bits": "3", "sense_offset": "0.2", "tia_gain": "1.3"])
  let net = try HybridNetwork(configuration: cfg)
  let train = Fixture.train
  train.pixels.withUnsafeBufferPointer { px in
    for n in 0..<200 { net.train(px.baseAddress! + n * 64, label: Int(train.labels[n])) }
  }
  let data = Fixture.test
  let sizes = cfg.layers
  let w = (0..<2).map { net.weights(layer: $0) }
  let dac = DAC(bits: 3), range: Float = 0.6
  var expected = [0, 0]
  for n in 0..<data.count {
    var x = (0..<64).map { Float(data.pixels[n * 64 + $0]) * (1 / 255) } + [1]
    for l in 0..<2 {
      x = x.map(dac.convert)
      var next = [Float](repeating: 0, count: sizes[l + 1])
      for j in 0..<sizes[l + 1] {
        var sum: Float = 0
        for i in 0...sizes[l] { sum += w[l][i * sizes[l + 1] + j] * x[i] }
        let input = sum * 1.3 + net.senseChains[l].offsets[j]
        if abs(input) > range { expected[l] += 1 }
        next[j] = cfg.neuron.activation(ADC(bits: 4, range: range).convert(input))
      }
      x = next + [1]
    }
  }
  #expect(expected[0] > 0 && expected[1] > 0, "\(expected)")
  let evaluator = ForwardEvaluator(
    sizes: sizes, weights: net.weightPointers, scales: [1, 1], neuron: cfg.neuron, chains: net.senseChains)
  for threads in [1, 2] {
    var clipped = [-1, -1]
    _ = withExtendedLifetime(net) {
      data.pixels.withUnsafeBufferPointer { px in
        data.labels.withUnsafeBufferPointer { lb in
          clipped.withUnsafeMutableBufferPointer {
            evaluator.correct(
              pixels: px.baseAddress!, labels: lb.baseAddress!, count: data.count, features: 64, threads: threads,
              clipped: $0.baseAddress!)
          }
        }
      }
    }
    // (Float sums in another order can land on the other side of ±range.)
    #expect(zip(clipped, expected).allSatisfy { abs($0 - $1) <= 2 }, "\(threads) threads: \(clipped) vs \(expected)")
  }
}

// The run's result carries the last evaluation's shares; none without an
// ADC.
@Test func aRunReportsTheAdcsClippedShares() throws {
  let clipped = try Fixture.run(try hybridFixture(["adc_bits": "4", "adc_range": "0.05"]))
  let f = try #require(clipped.adcClippedFractions)
  #expect(f.count == 2 && f.allSatisfy { $0 > 0 && $0 <= 1 }, "\(f)")
  #expect(try Fixture.run(try hybridFixture()).adcClippedFractions == nil)
  var lim = Fixture.configuration(epochs: 1)
  lim.adcBits = 6
  let g = try #require(try Fixture.run(lim).adcClippedFractions)
  #expect(g.count == 2 && g.allSatisfy { $0 >= 0 && $0 <= 1 })
}
