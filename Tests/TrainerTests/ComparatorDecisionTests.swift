import Testing
import _TestSupport

@testable import Trainer

// A walkthrough (session 64): a hidden neuron whose derivative gate was
// open but whose transposed read was exactly 0 issued no pulse whatever
// its comparator's offset, where the README has the comparator decide
// from δ + offset. Every weight at exactly 0 (initial_fraction 0,
// gmin_ratio 0: G+ = G− = 0) makes every hidden read exactly 0; the
// centred neuron's gate is open at a sum of 0.
@Test(arguments: [1, 3])
func anOpenGatesComparatorDecidesAZeroDeltaByItsOffset(batch: Int) throws {
  func network(offset: Double, pulses: BatchPulses = .sign) throws -> LimNetwork {
    var cfg = Fixture.configuration(epochs: 1)
    cfg.initialFraction = 0
    cfg.gMinRatio = 0
    cfg.activation = .centred
    cfg.comparatorOffset = offset
    cfg.batch = batch
    cfg.batchPulses = pulses
    try cfg.validate()
    return LimNetwork(configuration: cfg)
  }
  let data = Fixture.train
  let pixels = Array(data.pixels[0..<(data.rows * data.cols)])
  for pulses in batch == 1 ? [BatchPulses.sign] : [.sign, .net] {
    let ideal = try network(offset: 0, pulses: pulses), offset = try network(offset: 0.5, pulses: pulses)
    for net in [ideal, offset] {
      pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: Int(data.labels[0])) }
      net.applyBatch()
    }
    // Without offsets the hidden δ are all 0: only the output array learns.
    #expect(ideal.layers[1].pulses > 0)
    #expect(ideal.layers[0].pulses == 0)
    // With them, the hidden comparators whose offsets pass the dead band
    // (0) fire along their offsets' signs: −1 raises W (G+), +1 lowers it.
    #expect(offset.layers[0].pulses > 0, "\(pulses)")
    let fire = offset.columnComparators[0].map { $0.sign(0) }
    #expect(fire.contains(1) && fire.contains(-1))
    let hidden = offset.layers[0]
    let active = (0..<hidden.rows).filter { i in i == hidden.rows - 1 || pixels[i] > 0 }
    for i in active {
      for j in 0..<hidden.columns {
        let k = i * hidden.columns + j
        #expect(hidden.kp[k] == (fire[j] < 0 ? 1 : 0) && hidden.km[k] == (fire[j] > 0 ? 1 : 0), "row \(i) column \(j), \(pulses)")
      }
    }
  }
}
