import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Review 64b: the comparators' decisions with offsets (session 64), at the
// edges the decision tests left open: a closed derivative gate, an output
// δ of exactly 0 everywhere, and inspect's record of a zero δ.

private func zeroWeightNetwork(
  offset: Double, activation: Activation, batch: Int = 1, pulses: BatchPulses = .sign
) throws -> LimNetwork {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.initialFraction = 0
  cfg.gMinRatio = 0
  cfg.activation = activation
  cfg.comparatorOffset = offset
  cfg.batch = batch
  cfg.batchPulses = pulses
  try cfg.validate()
  return LimNetwork(configuration: cfg)
}

private var firstImage: [UInt8] {
  let data = Fixture.train
  return Array(data.pixels[0..<(data.rows * data.cols)])
}

@Suite("Review 64b: comparator decisions")
struct Review64bTrainerTests {
  /// Every weight 0 and `activation zero`: every hidden sum is 0, where
  /// the gate is closed (the linear region is (0, 2c)). Its comparator,
  /// whatever its offset, must not fire: online, in a batch of signs and
  /// of netted pulses. Mutant: the decision taken from δ + offset without
  /// the gate (the hidden array then learned behind closed gates).
  @Test(arguments: [(1, BatchPulses.sign), (3, .sign), (3, .net)])
  func aClosedGatesComparatorNeverFires(batch: Int, pulses: BatchPulses) throws {
    let net = try zeroWeightNetwork(offset: 0.5, activation: .zero, batch: batch, pulses: pulses)
    // Some hidden comparator's offset passes the dead band (0).
    #expect(net.columnComparators[0].contains { $0.sign(0) != 0 })
    let pixels = firstImage
    pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: Int(Fixture.train.labels[0])) }
    net.applyBatch()
    #expect(net.gates[0].allSatisfy { $0 == 0 })
    #expect(net.decisions[0].allSatisfy { $0 == 0 }, "\(net.decisions[0])")
    #expect(net.layers[0].pulses == 0)
    // The output array learns (through its bias row).
    #expect(net.layers[1].pulses > 0)
  }

  /// An output δ of exactly 0 on every column (p = 1 at the label to the
  /// last bit, every other p underflowed to 0: a large TIA gain and the
  /// label the network already predicts by far). Without offsets nothing
  /// pulses; with them, each output comparator whose offset passes the
  /// dead band decides, and the sample is trained (`anyError`). Mutant:
  /// `anyError` from the δ after the dead band, as before session 64.
  @Test func anExactlyZeroOutputErrorIsDecidedByTheOffsets() throws {
    func network(offset: Double) throws -> LimNetwork {
      var cfg = Fixture.configuration(epochs: 1)
      cfg.layers = [64, 10]
      cfg.tiaGain = 1e4
      cfg.comparatorOffset = offset
      try cfg.validate()
      return LimNetwork(configuration: cfg)
    }
    let pixels = firstImage
    let ideal = try network(offset: 0), offset = try network(offset: 0.5)
    let label = pixels.withUnsafeBufferPointer { ideal.predict($0.baseAddress!) }
    #expect(label == pixels.withUnsafeBufferPointer { offset.predict($0.baseAddress!) })
    // The label's sum leads every other by far more than Float's exp range.
    let s = ideal.sums[0]
    #expect(s.indices.allSatisfy { $0 == label || s[label] - s[$0] > 200 }, "\(s)")
    for net in [ideal, offset] {
      pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: label) }
      #expect(net.deltas[0].allSatisfy { $0 == 0 }, "\(net.deltas[0])")
    }
    #expect(ideal.layers[0].pulses == 0)
    let fire = offset.columnComparators[0].map { $0.sign(0) }
    #expect(fire.contains { $0 != 0 })
    #expect(offset.decisions[0] == fire)
    #expect(offset.layers[0].pulses > 0)
  }

  /// Wherever δ is not 0 the decisions are the old code's: offsets of
  /// 1e-12 (against a hidden dead band of 0 and the output's 0.1) decide
  /// as none do, and the transposed reads' noise is the same draws, by
  /// the same key and column. Twenty samples, online and in batches of
  /// three (signs and netted pulses), train the same states and leave
  /// the same δ. Mutant: the noise drawn at another column with offsets.
  @Test(arguments: [(1, BatchPulses.sign), (3, .sign), (3, .net)])
  func tinyOffsetsTrainAsNoneWithTransposedNoise(batch: Int, pulses: BatchPulses) throws {
    func network(offset: Double) throws -> LimNetwork {
      var cfg = Fixture.configuration(epochs: 1)
      cfg.transposedReadNoise = 0.05
      cfg.comparatorOffset = offset
      cfg.batch = batch
      cfg.batchPulses = pulses
      try cfg.validate()
      return LimNetwork(configuration: cfg)
    }
    let none = try network(offset: 0), tiny = try network(offset: 1e-12)
    let data = Fixture.train, size = data.rows * data.cols
    for s in 0..<20 {
      let pixels = Array(data.pixels[(s * size)..<((s + 1) * size)])
      for net in [none, tiny] {
        pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: Int(data.labels[s])) }
      }
      #expect(none.deltas == tiny.deltas, "sample \(s)")
    }
    none.applyBatch()
    tiny.applyBatch()
    #expect(none.deltas[0].contains { $0 != 0 })
    for (a, b) in zip(none.layers, tiny.layers) {
      let n = a.rows * a.columns
      #expect(a.pulses == b.pulses && a.pulses > 0)
      #expect(Array(UnsafeBufferPointer(start: a.kp, count: n)) == Array(UnsafeBufferPointer(start: b.kp, count: n)))
      #expect(Array(UnsafeBufferPointer(start: a.km, count: n)) == Array(UnsafeBufferPointer(start: b.km, count: n)))
    }
  }

  /// Inspect's record has the comparators' decisions as training took
  /// them: a zero δ at an open gate decided by the offset. Mutant: the
  /// record rebuilt from δ (0 for a zero δ, as before session 64).
  @Test func inspectsRecordHasTheDecisionOfAZeroDelta() throws {
    let net = try zeroWeightNetwork(offset: 0.5, activation: .centred)
    let pixels = firstImage
    let sample = try pixels.withUnsafeBufferPointer { try net.inspect($0.baseAddress!, label: Int(Fixture.train.labels[0])) }
    let hidden = try #require(sample.neurons.first)
    #expect(hidden.delta.allSatisfy { $0 == 0 })
    let fire = net.columnComparators[0].map { Double($0.sign(0)) }
    #expect(fire.contains { $0 != 0 })
    #expect(hidden.decision == fire)
  }
}

// The images tied at the ADC's top (session 64), counted per image, at
// the output layer only, summed over the evaluator's parts.
@Suite("Review 64b: ties at the ADC's top")
struct Review64bTiesTests {
  /// A [1, 2, 3] network, ADC range 1: a bright image (pixel 255) drives
  /// both hidden sums to 3 (two clipped at the top, a hidden "tie"; read
  /// as 1, activations 1/2) and every output sum to 2 (three at the top: one tied image); a dark one
  /// leaves the hidden sums at 0 and one output sum, the bias's 2, at the
  /// top (no tie). 1,000 images, every other bright: 500 tied, on one
  /// thread and in parts on two. Mutants: the count per sum (1,500), the
  /// hidden layer's ties counted too (1,000), one part's count only.
  @Test(arguments: [1, 2])
  func tiedImagesAreCountedAtTheOutputPerImage(threads: Int) {
    let w0: [Float] = [3, 3, 0, 0]
    let w1: [Float] = [2, 2, 0, 2, 2, 0, 0, 0, 2]
    let p0 = UnsafeMutablePointer<Float>.allocate(capacity: w0.count), p1 = UnsafeMutablePointer<Float>.allocate(capacity: w1.count)
    defer { p0.deallocate(); p1.deallocate() }
    p0.initialize(from: w0, count: w0.count)
    p1.initialize(from: w1, count: w1.count)
    let chain = SenseChain(adc: ADC(bits: 6, range: 1))
    let evaluator = ForwardEvaluator(
      sizes: [1, 2, 3], weights: [UnsafePointer(p0), UnsafePointer(p1)], scales: [1, 1], neuron: HardSigmoidNeuron(c: 1),
      chains: [chain, chain])
    let count = 1000
    let pixels = (0..<count).map { $0 % 2 == 0 ? UInt8(255) : 0 }, labels = [UInt8](repeating: 0, count: count)
    var clipped = [0, 0], above = [0, 0], tied = -1
    _ = pixels.withUnsafeBufferPointer { px in
      labels.withUnsafeBufferPointer { lb in
        evaluator.correct(
          pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: 1, threads: threads,
          clipped: &clipped, clippedAbove: &above, tiedAtTop: &tied)
      }
    }
    #expect(above == [1000, 2000], "\(above)")
    #expect(clipped == above)
    #expect(tied == 500)
  }
}
