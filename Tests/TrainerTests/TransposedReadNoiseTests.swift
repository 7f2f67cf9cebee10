import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Session 52: read noise at the transposed read's sense amplifiers
// (`transposed_read_noise`), the reads that back-propagate δ: drawn anew
// for every row at every transposed read in training, by key (kind 4),
// before the derivative gate and the δ comparator.

private func configuration(_ rule: LearningRule, _ keys: [String: String] = [:], epochs: Int = 2) throws -> TrainingConfiguration {
  var cfg = Fixture.configuration(rule: rule, epochs: epochs)
  for (k, v) in keys.sorted(by: { $0.key < $1.key }) { try cfg.set(k, v) }
  try cfg.validate()
  return cfg
}

// One sample by hand: two networks of the same seed (the same devices)
// train the same first image, one with the noise. Their forward reads and
// output δ are the same; each gated hidden δ of the noisy one is the plain
// one plus σ·z_i (times the derivative where it is not a gate), z_i the draw of key (seed, 4, image, array 1) for row i,
// and a closed gate stays 0 (the noise is read before the gate).
@Test(arguments: [LearningRule.lim, .hybrid, .single])
func aTransposedReadAddsItsNoiseBeforeTheGate(_ rule: LearningRule) throws {
  let sigma: Float = 0.25
  let plainConfiguration = try configuration(rule)
  let noisyConfiguration = try configuration(rule, ["transposed_read_noise": "0.25"])
  let image = Array(Fixture.train.pixels[0..<64]), label = Fixture.train.labels[0]
  func hidden(_ cfg: TrainingConfiguration) throws -> (delta: [Float], gate: [Float], output: [Float]) {
    if rule == .lim {
      let net = LimNetwork(configuration: cfg)
      net.readImage = 7
      image.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: Int(label)) }
      return (net.deltas[0], net.gates[0], net.deltas[1])
    }
    let net = try HybridNetwork(configuration: cfg)
    net.readImage = 7
    image.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: Int(label)) }
    return (net.deltas[0], net.derivatives[0], net.deltas[1])
  }
  let plain = try hidden(plainConfiguration), noisy = try hidden(noisyConfiguration)
  #expect(plain.output == noisy.output)
  #expect(plain.gate == noisy.gate)
  let key = ReadNoise.key(seed: plainConfiguration.seed, kind: 4, index: 7, layer: 1)
  var open = 0
  for i in plain.delta.indices {
    if plain.gate[i] == 0 {
      #expect(noisy.delta[i] == 0, "row \(i)")
    } else {
      // (Rules hybrid and single default to the slope 1/(2c), float_derivative true, not a gate of 1.)
      let f = plain.gate[i], z = ReadNoise.normal(key, i)
      open += 1
      if f == 1 {
        #expect(noisy.delta[i] == plain.delta[i] + sigma * z, "row \(i)")
      } else {
        #expect(abs(noisy.delta[i] - (plain.delta[i] + sigma * z * f)) <= 1e-6, "row \(i)")
      }
    }
  }
  #expect(open > 0, "no open gate: the check above checked nothing")
}

private func fingerprint(_ r: TrainingResult) -> [Double] {
  r.points.map(\.accuracy) + [Double(r.pulses), Double(r.resets), r.trainAccuracy]
}

// Every array rule's run changes with the noise and is the same run again
// with its seed; 0 is the plain run bit for bit; much noise costs accuracy
// (the hidden δ's signs are then the noise's).
@Test(arguments: [LearningRule.lim, .hybrid, .single])
func transposedReadNoiseChangesARunAndRepeatsWithItsSeed(_ rule: LearningRule) throws {
  let plain = try Fixture.run(try configuration(rule))
  let noisy = try Fixture.run(try configuration(rule, ["transposed_read_noise": "0.5"]))
  #expect(fingerprint(plain) != fingerprint(noisy))
  #expect(fingerprint(noisy) == fingerprint(try Fixture.run(try configuration(rule, ["transposed_read_noise": "0.5"]))))
  #expect(fingerprint(plain) == fingerprint(try Fixture.run(try configuration(rule, ["transposed_read_noise": "0"]))))
  let loud = try Fixture.run(try configuration(rule, ["transposed_read_noise": "50"], epochs: 4))
  let reference = try Fixture.run(try configuration(rule, epochs: 4))
  #expect(loud.accuracyMeanLast < reference.accuracyMeanLast - 10, "\(loud.accuracyMeanLast) against \(reference.accuracyMeanLast)")
}

// The hybrid's shares run on one thread or two: the same run (keyed draws).
@Test func transposedReadNoiseIsTheSameOnOneThreadOrTwo() throws {
  let one = try Fixture.run(try configuration(.hybrid, ["transposed_read_noise": "0.5", "threads": "1"]))
  let two = try Fixture.run(try configuration(.hybrid, ["transposed_read_noise": "0.5", "threads": "2"]))
  #expect(fingerprint(one) == fingerprint(two))
}

// Off-chip learning reads no array transposed: the key is one it ignores,
// and the run is the plain one.
@Test func offChipLearningIgnoresTransposedReadNoise() throws {
  var cfg = Fixture.configuration(rule: .lim, epochs: 1)
  cfg.mode = .offChip
  let plain = try Fixture.run(cfg)
  cfg.transposedReadNoise = 5
  try cfg.validate()
  #expect(cfg.idealHardware.transposedReadNoise == 0)
  #expect(cfg.ignoredKeys.contains { $0.key == "transposed_read_noise" })
  #expect(fingerprint(plain) == fingerprint(try Fixture.run(cfg)))
  cfg.mode = .onChip
  #expect(!cfg.ignoredKeys.contains { $0.key == "transposed_read_noise" })
}

@Test func transposedReadNoiseIsCheckedAndRefusedByFloatSGD() throws {
  for (value, words) in [("-0.1", "transposed_read_noise"), ("1e-31", "its draws are single precision"), ("2e6", "transposed_read_noise")] {
    var cfg = Fixture.configuration()
    try cfg.set("transposed_read_noise", value)
    do {
      try cfg.validate()
      Issue.record("\(value) was taken")
    } catch let e as ConfigurationError {
      #expect(e.field == "transposed_read_noise" && "\(e)".contains(words), "\(e)")
    }
  }
  var float = Fixture.configuration(rule: .float)
  try float.set("transposed_read_noise", "0.1")
  do {
    try float.validate()
    Issue.record("float SGD took transposed_read_noise")
  } catch let e as ConfigurationError {
    #expect(e.field == "transposed_read_noise" && e.message.contains("peripheral non-idealities"), "\(e)")
  }
  // Written only when set; an ideal periphery drops it.
  var cfg = Fixture.configuration()
  #expect(!cfg.keyValues.contains { $0.0 == "transposed_read_noise" })
  cfg.transposedReadNoise = 0.25
  #expect(cfg.keyValues.contains { $0 == ("transposed_read_noise", "0.25") })
  #expect(TrainingConfiguration.peripheralKeys.contains("transposed_read_noise"))
  #expect(cfg.idealPeriphery().transposedReadNoise == 0 && cfg.idealPeriphery(["read_noise"]).transposedReadNoise == 0.25)
}

// The run numbers its images for the transposed reads' draws with only
// this key set (a mutation round: numbering only with `read_noise` left
// every image the draws of image 0, and no test saw it).
@Test(arguments: [LearningRule.lim, .hybrid])
func eachImageDrawsItsOwnTransposedNoise(_ rule: LearningRule) throws {
  let cfg = try configuration(rule, ["transposed_read_noise": "0.5"], epochs: 1)
  var last: UInt64? = nil
  _ = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test)).run(
    finished: { net, images in
      switch net {
      case .lim(let n): last = n.readImage
      case .hybrid(let h): last = h.readImage
      }
      #expect(images == Fixture.train.labels.count)
    })
  #expect(last == UInt64(Fixture.train.labels.count - 1))
}

// Each branch of a sense chain counts the sums clipped at the top (a
// mutation round: the noisy branch's count could go without a test).
@Test func everyBranchOfASenseChainCountsTheTop() {
  let currents: [Float] = [50, -50, 0.25, 3, -0.5]
  for chain in [
    SenseChain(adc: ADC(bits: 4, range: 1)), SenseChain(adc: ADC(bits: 4, range: 1), offsets: [0, 0, 0, 0, 0.1]),
    SenseChain(adc: ADC(bits: 4, range: 1), noise: 0.01),
  ] {
    var s = [Float](repeating: 0, count: currents.count)
    var above = 0
    let clipped = currents.withUnsafeBufferPointer { i in
      s.withUnsafeMutableBufferPointer { chain.sums(currents: i, scale: 1, into: $0, read: 3, above: &above) }
    }
    #expect(clipped == 3 && above == 2, "offsets \(chain.offsets), noise \(chain.noise)")
  }
}

// The share clipped at the top is its own count: with activation zero and
// a range inside the linear region, most sums clipped are below −range
// (a mutation round: the top share had no test of its own).
@Test func theTopShareIsPartOfTheClippedShare() throws {
  let cfg = try configuration(.lim, ["adc_bits": "6", "adc_range": "0.5"], epochs: 1)
  let r = try Fixture.run(cfg)
  let both = try #require(r.adcClippedFractions), top = try #require(r.adcClippedAboveFractions)
  #expect(both.count == 2 && top.count == 2)
  for l in 0..<2 { #expect(top[l] <= both[l]) }
  #expect(top[0] < both[0], "\(top) against \(both)")
  #expect(top[0] > 0, "\(top)")
}
