import Circuit
import Peripherals
import Testing

@testable import Trainer

// Mutation round 9 (Choi's hybrid path: HybridLayer, HybridNetwork, the
// epoch records of a hybrid run): the survivors' tests.

@Suite("Mutation round 9: hybrid synapses")
struct MutationRound9HybridTests {
  // Choi's initial state: every big device uniform over its first
  // ⌊initial_fraction·states⌋ pulses, G+ and G− alike (so W starts
  // spread around 0), every small device at its minimum. With 0.23·50 =
  // 11.5, the states are 0…11, each about 100 times among 1,230 devices
  // (mutants: ⌈·⌉ (state 12 appears), G− big at its minimum, and states
  // drawn modulo 11 (state 11 never appears)).
  @Test func theBigDevicesStartUniformOverTheirInitialFractionAndTheSmallAtTheirMinimum() throws {
    var cfg = TrainingConfiguration()
    cfg.rule = .hybrid
    cfg.layers = [40, 30]
    cfg.initialFraction = 0.23
    let layer = try HybridNetwork(configuration: cfg).layers[0]
    let mu = layer.step[0]
    for d in 0..<2 {
      var seen = Set<Int>()
      for x in 0..<layer.count { seen.insert(Int(((layer.g[d][x] - layer.lo[d][x]) / mu).rounded())) }
      #expect(seen == Set(0...11), "big device \(d): states \(seen.sorted())")
    }
    for d in 2..<4 {
      #expect((0..<layer.count).allSatisfy { layer.g[d][$0] == layer.lo[d][$0] }, "small device \(d)")
    }
  }

  // Every device stays within its own bounds [G_min + o, G_max + o] (d2d
  // offsets o) whatever the pulses' cycle-to-cycle noise, and the weight
  // cache stays W = (G+ − G−) + (g+ − g−). With c2c = 2 a pulse often
  // falls below its start; on a device at its own G_min above the nominal
  // one it must stop there (mutants: the clamp at the nominal G_min under
  // d2d, the clamp at G_max dropped).
  @Test func everyDeviceStaysWithinItsOwnBoundsUnderLargeVariation() throws {
    var cfg = HybridNetworkTests.configuration(c2c: 2)
    cfg.d2d = 0.5
    let net = try HybridNetwork(configuration: cfg)
    let layer = net.layers[0]
    var rng = SeededGenerator(seed: 93)
    var outside = 0, cacheOff = 0
    for s in 0..<300 {
      if s == 150 { net.switchToFineTuning() }
      let x = (0..<4).map { _ in Float(rng.next() % 5) / 4 }
      let delta = (0..<3).map { _ in Float(Int(rng.next() % 9) - 4) / 4 }
      _ = HybridNetworkTests.step(net, x: x, delta: delta)
      for d in 0..<4 {
        for k in 0..<layer.count where layer.g[d][k] < layer.lo[d][k] || layer.g[d][k] > layer.hi[d][k] { outside += 1 }
      }
      for k in 0..<layer.count {
        let w = (layer.g[0][k] - layer.g[1][k]) + (layer.g[2][k] - layer.g[3][k])
        if abs(layer.w[k] - w) > 1e-5 { cacheOff += 1 }
      }
    }
    #expect(outside == 0, "device-updates outside their bounds")
    #expect(cacheOff == 0, "weights off their devices")
    #expect(layer.resets > 0, "the run must reach G_max")
  }

  // Burr's refresh keeps the weight to half a step also when the two
  // devices' G_min differ (d2d): after the reset W = G_min+ − G_min−, so
  // the re-potentiation writes Δ = W − (G_min+ − G_min−), not W (mutant:
  // the offset difference dropped, W off by G_min+ − G_min−, here several
  // steps).
  @Test func aRefreshKeepsTheWeightWhenTheDevicesMinimaDiffer() throws {
    var cfg = HybridNetworkTests.configuration(rule: .single, encoding: .deterministic)
    cfg.d2d = 0.5
    let net = try HybridNetwork(configuration: cfg)
    let layer = net.layers[0]
    let mu = layer.step[0]
    var spread: Float = 0
    for i in 0..<4 {
      // Cell (i, 0): G+ at its G_max, G− ten steps above its G_min.
      let x = i * 3
      layer.g[0][x] = layer.hi[0][x]
      layer.g[1][x] = layer.lo[1][x] + 10 * mu
      layer.recomputeWeights()
      let resets = layer.resets
      var input: [Float] = [0, 0, 0, 0]
      input[i] = 1
      let d = HybridNetworkTests.step(net, x: input, delta: [-1, 0, 0])
      try #require(layer.resets >= resets + 2, "cell (\(i), 0) must be refreshed")
      #expect(abs(d[x]) <= mu / 2 + 1e-6, "cell (\(i), 0): ΔW = \(d[x] / mu) μ")
      spread = max(spread, abs(layer.lo[0][x] - layer.lo[1][x]))
    }
    #expect(spread > mu, "the minima must differ by more than a step somewhere")
  }

  // The disturb model by hand: a device moves by disturb_step·μ per
  // half-selected slot (its row or the column driving its array fires,
  // not both) plus μ per coincidence; W, the row loads and the count of
  // disturbing slots follow. Two updates in turn: the second one's rows
  // are other rows, so nothing of the first may half-select (mutants: one
  // disturb step per cell, the G− array's disturb added to W with the
  // wrong sign, the disturb left out of the row loads, disturbs counted
  // per cell, the row trains of the previous update left in place).
  @Test func aHalfSelectedSlotMovesItsDeviceByTheDisturbStepAndTheCachesFollow() throws {
    var cfg = HybridNetworkTests.configuration(rule: .single, encoding: .deterministic)
    cfg.layers = [6, 5, 2]
    cfg.writeThreshold = 0.5
    cfg.disturbStep = 0.1
    let net = try HybridNetwork(configuration: cfg)
    let layer = net.layers[0]
    let mu = layer.step[0]
    let enc = try PulseTrainEncoder(length: cfg.pulseTrainLength)
    let cx = net.rowScale[0], cd = net.columnScale[0]
    let updates: [([Float], [Float])] = [
      ([1, 0, 0.5, 0, 0.8, 0.3], [0.6, 0, -0.7, 0, 0.2]),
      ([0, 0.9, 0, 0.4, 0, 0], [-0.3, 0.5, 0, 0, 0]),
    ]
    for (n, (x, delta)) in updates.enumerated() {
      let before = layer.snapshot()
      let disturbs = net.disturbs
      _ = HybridNetworkTests.step(net, x: x, delta: delta)
      var expectedDisturbs = 0
      for i in 0..<7 {
        let row = enc.thermometer(cx * (i < 6 ? x[i] : 1))
        for j in 0..<5 {
          let column = enc.spread(cd * abs(delta[j]))
          let k = i * 5 + j
          for d in 0..<2 {
            // δ < 0 drives the G+ array's column, δ > 0 the G− array's.
            let drives = delta[j] != 0 && (delta[j] < 0) == (d == 0)
            let c = drives ? column : 0
            let h = PulseTrainEncoder.halfSelections(row: row, column: c)
            let hits = PulseTrainEncoder.coincidences(row: row, column: c)
            expectedDisturbs += h
            let expected = before[d][k] + (Float(h) * 0.1 + Float(hits)) * mu
            #expect(abs(layer.g[d][k] - expected) <= 1e-5, "update \(n), cell (\(i), \(j)), device \(d)")
          }
          #expect(abs(layer.w[k] - (layer.g[0][k] - layer.g[1][k])) <= 1e-5, "update \(n), W of (\(i), \(j))")
        }
        var load = 0.0
        for j in 0..<5 { load += Double(layer.g[0][i * 5 + j]) + Double(layer.g[1][i * 5 + j]) }
        #expect(abs(layer.rowLoad[i] - load) <= 1e-5, "update \(n), row \(i)'s load")
      }
      #expect(expectedDisturbs > 0)
      #expect(net.disturbs - disturbs == expectedDisturbs, "update \(n)")
    }
  }

  // In the fine phase the half-selected cells are those of the selected
  // (small) arrays: the big ones are not driven at all, so they neither
  // take pulses nor disturbs (mutant: the disturb pass on the big arrays).
  @Test func theDisturbOfTheFinePhaseLeavesTheBigArraysAlone() throws {
    var cfg = HybridNetworkTests.configuration(encoding: .deterministic)
    cfg.writeThreshold = 0.5
    let net = try HybridNetwork(configuration: cfg)
    net.switchToFineTuning()
    let layer = net.layers[0]
    let before = layer.snapshot()
    _ = HybridNetworkTests.step(net, x: [1, 0, 0.5, 0], delta: [0.6, 0, -0.7])
    let after = layer.snapshot()
    #expect(net.disturbs > 0)
    #expect(before[0] == after[0] && before[1] == after[1], "big arrays")
    #expect(before[2] != after[2] && before[3] != after[3], "small arrays")
  }

  // The trains' scales: C_x = C_δ = √(η/(BL·μ)) while that is ≤ 1, else
  // C_x = 1 and C_δ = η/(BL·μ), per kind (mutant: C_x = η/(BL·μ) and
  // C_δ = 1, the same product and so the same expected update, but the
  // documented split gone).
  @Test(arguments: [0.1, 1.0])
  func theTrainScalesSplitTheLearningRateAsDocumented(lr: Double) throws {
    var cfg = HybridNetworkTests.configuration()
    cfg.learningRate = lr
    let net = try HybridNetwork(configuration: cfg)
    for kind in 0..<2 {
      let a = lr / (Double(cfg.pulseTrainLength) * Double(net.layers[0].step[kind]))
      let cx = min(1, a.squareRoot())
      #expect(abs(Double(net.rowScale[kind]) - cx) <= 1e-6 * cx, "lr \(lr), kind \(kind)")
      #expect(abs(Double(net.columnScale[kind]) - a / cx) <= 1e-6 * a / cx, "lr \(lr), kind \(kind)")
    }
  }

  // Rule single has no small arrays: the phase switch does nothing, and
  // its updates stay on the big pair (mutant: single switched to fine).
  @Test func aSingleNetworkNeverSwitchesToTheSmallArrays() throws {
    let net = try HybridNetwork(configuration: HybridNetworkTests.configuration(rule: .single))
    net.switchToFineTuning()
    #expect(net.phase == .dynamic && net.selectedKind == .big)
    let d = HybridNetworkTests.step(net, x: [1, 0.5, 0.25, 0], delta: [0.8, -0.4, 0.2])
    #expect(d.contains { $0 != 0 })
  }

  // The sign rule's output δ goes through the output comparator's dead
  // band (`threshold`), the hidden δ through `hidden_threshold`: with
  // threshold 0.3 over six outputs (softmax ≈ 1/6 each at the start) the
  // non-target δ ≈ 0.17 are cut and the target's ≈ −0.83 kept (mutant:
  // the output δ through the hidden comparator, threshold 0).
  @Test func theSignRulesOutputDeltaUsesTheOutputThreshold() throws {
    var cfg = HybridNetworkTests.configuration(rule: .single, encoding: .sign)
    cfg.layers = [4, 5, 6]
    cfg.outputThreshold = 0.3
    cfg.hiddenThreshold = 0
    let net = try HybridNetwork(configuration: cfg)
    let pixels: [UInt8] = [200, 10, 90, 255]
    pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: 2) }
    let out = net.deltas[1]
    #expect(out[2] < -0.3)
    #expect(out.enumerated().allSatisfy { $0.offset == 2 || $0.element == 0 }, "\(out)")
  }
  // A refresh resets both devices of the pair: its reset energy books the
  // conductance of each before its reset, G+ and G− (mutant: G+ only).
  @Test func aRefreshBooksBothResetDevicesConductances() throws {
    let cfg = HybridNetworkTests.configuration(rule: .single, encoding: .deterministic)
    let layer = try HybridNetwork(configuration: cfg).layers[0]
    let mu = layer.step[0]
    layer.g[0][0] = layer.hi[0][0]
    layer.g[1][0] = layer.lo[1][0] + 10 * mu
    layer.recomputeWeights()
    let (p, m) = (Double(layer.g[0][0]), Double(layer.g[1][0]))
    let (energy, resets) = (layer.resetConductance, layer.resets)
    layer.applyShare(
      0, kind: .big, rowIndex: [0], rowWords: [1], rowCount: 1,
      upIndex: [0], upWords: [1], upCount: 1, downIndex: [], downWords: [], downCount: 0)
    layer.finishUpdate(kind: .big, slots: 1, rows: [0], rowCount: 1)
    try #require(layer.resets - resets == 2)
    #expect(abs((layer.resetConductance - energy) - (p + m)) <= 1e-6 * (p + m))
  }

  // A cell pulsed several times at G_max goes on its share's saturation
  // list once (the list holds one entry per cell: `flagged` has one slot
  // per cell), however many of its coincidences find the device full
  // (mutant: the per-cell mark ignored, one entry per pulse, past the
  // list's end once the pulses outnumber the cells).
  @Test func aCellPulsedManyTimesAtItsMaximumIsListedOnce() throws {
    let cfg = HybridNetworkTests.configuration(rule: .single, encoding: .deterministic)
    let layer = try HybridNetwork(configuration: cfg).layers[0]
    let mu = layer.step[0]
    // Cells (0, 0) and (1, 0) at G_max, their G− two steps up.
    for x in [0, 3] {
      layer.g[0][x] = layer.hi[0][x]
      layer.g[1][x] = layer.lo[1][x] + 2 * mu
    }
    layer.recomputeWeights()
    let all: UInt64 = 0b111
    layer.applyShare(
      0, kind: .big, rowIndex: [0, 1], rowWords: [all, all], rowCount: 2,
      upIndex: [0], upWords: [all], upCount: 1, downIndex: [], downWords: [], downCount: 0)
    #expect(layer.shares[0].flaggedCount == 2)
    layer.finishUpdate(kind: .big, slots: 3, rows: [0, 1], rowCount: 2)
    #expect(layer.shares[0].flaggedCount == 0)
    #expect(layer.resets == 4)
  }
}

@Suite("Mutation round 9: a hybrid run's epoch records")
struct MutationRound9EpochRecordTests {
  // A three-epoch hybrid run on 200 fixture images (the switch after the
  // first epoch): the initial training accuracy is the untrained
  // network's (same seed, same devices), each epoch's synapse updates add
  // up to the run's and its update frequency is them per image and
  // synapse, and the per-epoch mean squared error falls as the network
  // learns (mutants: no initial evaluation (0 %), the epochs' start count
  // of updates set instead of advanced, the frequency per image only, the
  // squared error summed from the run's start).
  @Test func aHybridRunsEpochRecordsAddUpAndFollowItsNetwork() throws {
    var cfg = Fixture.configuration(rule: .hybrid, epochs: 3)
    cfg.trainLimit = 200
    cfg.switchThreshold = 99.99
    let r = try Fixture.run(cfg)
    #expect(r.epochs.map(\.phase) == ["dynamic", "fine", "fine"])

    let untrained = try HybridNetwork(configuration: cfg)
    let data = Fixture.dataset(Fixture.train)
    var correct = 0
    data.pixels.withUnsafeBufferPointer { px in
      for s in 0..<200 where untrained.predict(px.baseAddress! + s * 64) == Int(data.labels[s]) { correct += 1 }
    }
    #expect(r.initialTrainAccuracy == 100 * Double(correct) / 200)

    let updates = r.epochs.map { $0.cellUpdates ?? -1 }
    #expect(updates.allSatisfy { $0 > 0 })
    #expect(updates.reduce(0, +) == r.cellUpdates)
    let synapses = Double(untrained.synapseCount)
    #expect(synapses == 65 * 32 + 33 * 10)
    for e in r.epochs {
      let f = Double(e.cellUpdates ?? 0) / (200 * synapses)
      #expect(abs((e.updateFrequency ?? .nan) - f) <= 1e-12 * f, "epoch \(e.epoch)")
    }
    let mse = r.epochs.map { $0.meanSquaredError ?? .nan }
    // Σ_j (p_j − t_j)² ≤ 2 over 10 outputs: at most 0.2 per image.
    #expect(mse.allSatisfy { $0 > 0 && $0 <= 0.2 }, "\(mse)")
    #expect(mse[2] < mse[0], "\(mse)")
  }
  // Rule single has no phases: its epoch records' phase is empty (so the
  // JSON records leave the key out), and it never switches (mutant: the
  // single rule's records say "dynamic").
  @Test func aSingleRunsEpochRecordsHaveNoPhase() throws {
    var cfg = Fixture.configuration(rule: .single, epochs: 2)
    cfg.trainLimit = 100
    cfg.switchThreshold = 99.99
    let r = try Fixture.run(cfg)
    #expect(r.epochs.map(\.phase) == ["", ""])
    #expect(r.phaseSwitchEpoch == nil && r.initialTrainAccuracy == nil)
  }
}
