import Circuit
import Peripherals
import Testing

@testable import Trainer

// Mutation round 5: tests for the mutants of the training kernels and
// their accounting that the suite let through (see the commit message).

@Suite("Mutation round 5: training kernels and accounting")
struct MutationRound5TrainerTests {
  /// `LimLayer.program`: a weight w ≥ 0 is G+ at the state nearest
  /// G_min + w (G− at G_min), a negative one the mirror. With G_min at
  /// 0.1·G_max, a state nearest w itself would land 0.1 low.
  @Test func programmedWeightsAreMeasuredFromGMin() {
    var cfg = Fixture.configuration()
    cfg.layers = [2, 1]
    cfg.gMinRatio = 0.1
    let net = LimNetwork(configuration: cfg)
    let layer = net.layers[0]
    let t = layer.table
    func nearest(_ g: Double) -> Int { t.indices.min { abs(t[$0] - g) < abs(t[$1] - g) }! }
    net.program(weights: [[0.5, -0.3, 0]])
    #expect(Int(layer.kp[0]) == nearest(t[0] + 0.5) && layer.km[0] == 0)
    #expect(layer.kp[1] == 0 && Int(layer.km[1]) == nearest(t[0] + 0.3))
    #expect(layer.kp[2] == 0 && layer.km[2] == 0)
    #expect(abs(layer.weight(0) - 0.5) < abs(layer.weight(0) - 0.4))
  }

  /// Burr's refresh books its two resets and each re-potentiation pulse
  /// as a serial slot, after the phase's BL slots.
  @Test func aRefreshTakesTwoResetSlotsAndOnePerRepotentiation() throws {
    let cfg = HybridNetworkTests.configuration(rule: .single, encoding: .deterministic)
    let net = try HybridNetwork(configuration: cfg)
    let layer = net.layers[0]
    // Cell 12 (the bias row, column 0): G+ at G_max, G− three steps up.
    layer.g[0][12] = layer.hi[0][12]
    layer.g[1][12] = layer.lo[1][12] + 3 * layer.step[0]
    layer.recomputeWeights()
    let (slots, resets, repotentiations) = (layer.updateSlots, layer.resets, layer.repotentiations)
    _ = HybridNetworkTests.step(net, x: [1, 0, 0, 0], delta: [-1, 0, 0])
    let repot = layer.repotentiations - repotentiations
    #expect(layer.resets - resets == 2 && repot > 0)
    #expect(layer.updateSlots - slots == cfg.pulseTrainLength + 2 + repot)
  }

  /// The sign rule's update phase is one slot (its trains are one pulse).
  @Test func aSignRuleUpdateIsOneSlot() throws {
    let cfg = HybridNetworkTests.configuration(rule: .single, encoding: .sign)
    let net = try HybridNetwork(configuration: cfg)
    _ = HybridNetworkTests.step(net, x: [1, 0.5, 0, 0], delta: [0.3, -0.2, 0])
    #expect(net.layers[0].pulses > 0 && net.layers[0].resets == 0)
    #expect(net.layers[0].updateSlots == 1)
    #expect(net.ledger().updateTime == cfg.slotTime)
  }

  /// The hybrid ledger's converters and read time per sample of [64, 32,
  /// 10]: DACs drive both layers' rows (65 + 33) and, for the transposed
  /// read, the output layer's 10 columns (the first layer has none); ADCs
  /// sense 32 + 10 columns; two forward reads with their conversions and
  /// one transposed read.
  @Test func theHybridLedgerCountsOneTransposedReadPerLayerButTheFirst() throws {
    let (cfg, net) = try HybridTrainingTests.trained(samples: 10)
    #expect(net.trainSamples == 10)
    let costs = ConverterCosts(), e = net.ledger(costs: costs)
    #expect(abs(e.dac - 10 * 108 * costs.dacEnergy(bits: 0)) <= 1e-12 * e.dac)
    #expect(abs(e.adc - 10 * 42 * costs.adcEnergy(bits: 0)) <= 1e-12 * e.adc)
    let perSample = 2 * (cfg.readTime + costs.adcTime(bits: 0)) + cfg.readTime
    #expect(abs(e.readTime - 10 * perSample) <= 1e-12 * e.readTime)
  }
}

/// An epoch record's seconds are that epoch's training time alone: the
/// records add up to the run's `seconds_train`.
@Test func epochSecondsAddUpToTheRunsTrainingSeconds() throws {
  let r = try Fixture.run(Fixture.configuration(epochs: 3))
  #expect(r.epochs.count == 3 && r.secondsTrain > 0)
  let sum = r.epochs.reduce(0) { $0 + $1.seconds }
  #expect(abs(sum - r.secondsTrain) <= 1e-6 * r.secondsTrain, "\(r.epochs.map(\.seconds)) vs \(r.secondsTrain)")
  #expect(r.epochs.allSatisfy { $0.seconds > 0 && $0.seconds < r.secondsTrain })
}

/// Lim's update phase: one slot per active input row that issues a rule
/// pulse, plus one per reset, re-potentiation and depression (serial),
/// whatever the method and kernel: the slots `UpdateSchedule.slots`
/// draws for the update's events. (Until session 47 every active row took
/// a slot, also where all its pulses became serial.)
@Test(arguments: [
  (UpdateMethod.a, 0.0, false), (.b, 0.0, false), (.c, 0.0, false), (.b, 0.3, false), (.a, 0.0, true),
  (.b, 0.0, true), (.c, 0.0, true),
])
func aLimUpdateTakesOneSlotPerRuleRowPlusItsSerialPulses(_ method: UpdateMethod, sigma: Double, book: Bool) {
  var cfg = TrainingConfiguration()
  cfg.method = method
  cfg.sigma = sigma
  cfg.nMax = 4
  if book { cfg.halfSelect = .book }
  // The same devices twice: one layer recorded (the recorded kernel),
  // one not (the looked-up kernel, or the booking's).
  var rng = SeededGenerator(seed: 3), twin = SeededGenerator(seed: 3)
  let layer = LimLayer(inputs: 5, outputs: 4, configuration: cfg, rng: &rng)
  let plain = LimLayer(inputs: 5, outputs: 4, configuration: cfg, rng: &twin)
  let recorder = PulseRecorder()
  layer.recorder = recorder
  let rows: [Int32] = [0, 2, 5], up: [Int32] = [1, 3], down: [Int32] = [0]
  var serialOnly = 0
  for step in 0..<300 {
    let (slots, plainSlots) = (layer.updateSlots, plain.updateSlots)
    let (resetSlots, plainResetSlots) = (layer.resetSlots, plain.resetSlots)
    recorder.removeAll()
    // Every third step one row alone, one pulse: its pulse alone decides
    // whether it takes a row slot.
    let r = step % 3 == 0 ? 1 : 3
    layer.update(rows: rows, rowCount: r, up: up, upCount: step % 3 == 0 ? 1 : 2, down: down, downCount: step % 3 == 0 ? 0 : 1)
    plain.update(rows: rows, rowCount: r, up: up, upCount: step % 3 == 0 ? 1 : 2, down: down, downCount: step % 3 == 0 ? 0 : 1)
    let drawn = UpdateSchedule.slots(recorder.events).count
    #expect(layer.updateSlots - slots == drawn, "step \(step)")
    #expect(plain.updateSlots - plainSlots == drawn, "step \(step), unrecorded")
    // The resets' slots among them (reset_slot_time's; session 49).
    let resets = recorder.events.filter { $0.kind == .reset }.reduce(0) { $0 + $1.count }
    #expect(layer.resetSlots - resetSlots == resets && plain.resetSlots - plainResetSlots == resets, "step \(step)")
    if !recorder.events.contains(where: { $0.kind == .potentiate }) { serialOnly += 1 }
  }
  #expect((0..<24).map(plain.weight) == (0..<24).map(layer.weight), "the twins' devices")
  #expect(serialOnly > 0, "some updates' pulses all became serial")
}
