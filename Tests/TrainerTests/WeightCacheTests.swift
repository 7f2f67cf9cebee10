import Circuit
import Testing
import _TestSupport

@testable import Trainer

// The weight cache of rule lim has one definition (`LimLayer.cachedWeight`):
// every update kernel writes it, and `synchronize()` (which a checkpoint's
// restore, an inspection and every resistive read call) writes the same
// bits. Before session 46 the kernels wrote X·G+ − X·G− of single-precision
// products and `store`/`synchronize` the double difference rounded once;
// with the hidden dead band at its default 0, a δ that cancelled exactly in
// one cache and not in the other pulsed a row, so an inspected run, or one
// gone on from a checkpoint, issued other pulses than the run it copied
// (`train --train-limit 20 --shuffle false --nmax 8 --dac-bits 4`: 84,283
// pulses, `inspect --samples 20` of the same: 84,330).

private let images = SyntheticImages(count: 240, rows: 4, cols: 4, classes: 4, seed: 21)

/// InspectionTests' small network with the whole initial range, seed 3.
private func configuration(method: UpdateMethod, sigma: Double, batch: Int, dacBits: Int) -> TrainingConfiguration {
  var cfg = smallConfiguration(method: method, sigma: sigma, batch: batch)
  cfg.dacBits = dacBits
  cfg.initialFraction = 1
  cfg.seed = 3
  return cfg
}

/// Two networks of `cfg` on the same samples; one has every layer's
/// conductances and cache written anew from its device states before each
/// sample (as an inspection does, and a restore once). The same pulses,
/// resets and states after every sample, and the same cache bits.
@Test(arguments: [UpdateMethod.a, .b], [(0.0, 1, 0), (0.0, 1, 4), (0.3, 1, 4), (0.0, 4, 4), (0.3, 4, 0)])
func synchronizingBeforeEverySampleChangesNothing(method: UpdateMethod, run: (sigma: Double, batch: Int, dacBits: Int)) {
  let cfg = configuration(method: method, sigma: run.sigma, batch: run.batch, dacBits: run.dacBits)
  let plain = LimNetwork(configuration: cfg)
  let synced = LimNetwork(configuration: cfg)
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<images.count {
      for layer in synced.layers { layer.synchronize() }
      for net in [plain, synced] { _ = net.train(px.baseAddress! + s * 16, label: Int(images.labels[s])) }
      let a = plain.layers.map { ($0.pulses, $0.resets) }, b = synced.layers.map { ($0.pulses, $0.resets) }
      guard a.elementsEqual(b, by: { $0 == $1 }) else {
        Issue.record("sample \(s): pulses, resets \(a) against \(b) when synchronized")
        return
      }
    }
  }
  #expect(plain.layers.reduce(0) { $0 + $1.resets } > 0, "the run reaches G_max")
  for (p, q) in zip(plain.layers, synced.layers) {
    let mn = p.rows * p.columns
    for k in 0..<mn where p.kp[k] != q.kp[k] || p.km[k] != q.km[k] || p.array._weight[k].bitPattern != q.array._weight[k].bitPattern {
      Issue.record("synapse \(k): states or cache differ")
      break
    }
  }
}

/// After updates by every kernel (looked up, computed, scaled, recorded,
/// per synapse), the cache is `cachedWeight` of the states, bit for bit,
/// and `synchronize()` leaves it as it was.
@Test(arguments: [UpdateMethod.a, .b], [0.0, 0.3])
func everyKernelKeepsTheCacheSynchronizeWrites(method: UpdateMethod, sigma: Double) {
  var cfg = configuration(method: method, sigma: sigma, batch: 1, dacBits: 0)
  cfg.betaP = 3
  cfg.betaD = 3
  for path in ["looked up", "computed", "recorded", "per synapse"] {
    var r = SeededGenerator(seed: 17)
    let layer = LimLayer(inputs: 9, outputs: 7, configuration: cfg, rng: &r)
    if path == "computed" { layer.usesTransitions = false }
    if path == "recorded" { layer.recorder = PulseRecorder() }
    var rng = SeededGenerator(seed: 19)
    for step in 0..<600 {
      let rows = (0..<10).filter { _ in rng.nextUniform() < 0.5 }.map(Int32.init)
      var up: [Int32] = [], down: [Int32] = []
      let bias = step % 100 < 50 ? 0.7 : 0.1
      for j in 0..<7 {
        let u = rng.nextUniform()
        if u < bias * 0.8 { up.append(Int32(j)) } else if u < 0.8 { down.append(Int32(j)) }
      }
      if path == "per synapse" {
        for i in rows {
          for j in up { layer.update(Int(i) * 7 + Int(j), up: true) }
          for j in down { layer.update(Int(i) * 7 + Int(j), up: false) }
        }
      } else {
        let (rr, uu, dd) = (rows + [0], up + [0], down + [0])
        layer.update(rows: rr, rowCount: rows.count, up: uu, upCount: up.count, down: dd, downCount: down.count)
      }
    }
    #expect(layer.resets > 0, "\(path): the devices reach G_max")
    let kept = Array(UnsafeBufferPointer(start: layer.array._weight, count: 70))
    for k in 0..<70 where kept[k].bitPattern != layer.cachedWeight(k, layer.conductances(k)).bitPattern {
      Issue.record("\(path), synapse \(k): cache \(kept[k]), states give \(layer.cachedWeight(k, layer.conductances(k)))")
    }
    layer.synchronize()
    for k in 0..<70 where kept[k].bitPattern != layer.array._weight[k].bitPattern {
      Issue.record("\(path), synapse \(k): synchronize() wrote \(layer.array._weight[k]) over \(kept[k])")
    }
  }
}

/// An inspection issues training's pulses. Its reads are recorded the exact
/// way (double precision), but with ideal wires the network's sums and δ
/// come from training's own reads: before session 46 the exact sums drove
/// it, and where a hidden δ cancelled exactly in one precision and not in
/// the other (a zero dead band), or a sum sat on an ADC's step, the
/// inspection pulsed other rows (a walkthrough: `--nmax 8 --dac-bits 2`,
/// the first MNIST sample, 12,439 pulses trained and 12,578 inspected).
@Test(arguments: [
  (UpdateMethod.b, 8, 2, 0, 1, 0.1), (.a, 4, 1, 0, 1, 0.1), (.b, 8, 0, 2, 1, 0.1), (.c, 8, 2, 0, 1, 0.1),
  (.b, 8, 4, 0, 3, 0.1), (.b, 4, 0, 0, 1, 0.0), (.b, 8, 4, 4, 2, 0.0),
])
func anInspectionIssuesTrainingsPulses(
  method: UpdateMethod, nMax: Int, dacBits: Int, adcBits: Int, batch: Int, threshold: Double
) throws {
  var cfg = configuration(method: method, sigma: 0, batch: batch, dacBits: dacBits)
  cfg.nMax = nMax
  cfg.adcBits = adcBits
  cfg.outputThreshold = threshold
  cfg.initialFraction = 0.5
  try expectInspectionTrainsAsTraining(cfg, samples: images.count)
}

/// Trains `cfg`'s network on the first `samples` images plainly and by
/// inspection: the same pulses and resets after every sample, the same
/// devices, and the reads booked are training's, once each (the exact ones
/// are recorded, not booked again).
private func expectInspectionTrainsAsTraining(
  _ cfg: TrainingConfiguration, samples: Int, sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let plain = LimNetwork(configuration: cfg)
  let inspected = LimNetwork(configuration: cfg)
  try images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<samples {
      let label = Int(images.labels[s])
      _ = plain.train(px.baseAddress! + s * 16, label: label)
      _ = try inspected.inspect(px.baseAddress! + s * 16, label: label)
      let a = plain.layers.map { ($0.pulses, $0.resets) }, b = inspected.layers.map { ($0.pulses, $0.resets) }
      guard a.elementsEqual(b, by: { $0 == $1 }) else {
        Issue.record("sample \(s): pulses, resets \(a) trained, \(b) inspected", sourceLocation: sourceLocation)
        return
      }
    }
  }
  #expect(plain.pulses > 0, sourceLocation: sourceLocation)
  #expect(plain.layerStates == inspected.layerStates, sourceLocation: sourceLocation)
  #expect(plain.readEnergy.bitPattern == inspected.readEnergy.bitPattern,
    "\(plain.readEnergy) J trained, \(inspected.readEnergy) J inspected", sourceLocation: sourceLocation)
  #expect(plain.layers.map(\.array.readCount) == inspected.layers.map(\.array.readCount), sourceLocation: sourceLocation)
}

/// With resistive lines too (since session 47): the exact solve is
/// recorded and training's reader (its tolerance, its warm start) drives
/// the network, so an inspected run pulses as the trained one, and books
/// training's reads once. (Before, the exact solve drove it and booked its
/// own reads.)
@Test(arguments: [(UpdateMethod.b, 1, 0.0, 0), (.a, 1, 0.1, 4), (.c, 1, 0.0, 0), (.b, 3, 0.1, 0)])
func anInspectionWithResistiveLinesIssuesTrainingsPulses(
  method: UpdateMethod, batch: Int, threshold: Double, dacBits: Int
) throws {
  var cfg = configuration(method: method, sigma: 0, batch: batch, dacBits: dacBits)
  cfg.nMax = 8
  cfg.outputThreshold = threshold
  cfg.wires = .resistive
  cfg.rowSegmentResistance = 20
  cfg.columnSegmentResistance = 50
  cfg.wireTolerance = 1e-3
  try expectInspectionTrainsAsTraining(cfg, samples: 60)
}

/// A mini-batch's one-pulse updates go to the row kernels row by row (since
/// session 46; 1.5–2× as fast): the same devices, counts and cache bits as
/// synapse by synapse; only the energy books differ in their last digits
/// (the kernels book loads and refills from single-precision products).
@Test(arguments: [UpdateMethod.a, .b], [(0.0, 2), (0.3, 3), (0.0, 5)])
func aBatchByRowsIsTheBatchSynapseBySynapse(method: UpdateMethod, run: (sigma: Double, batch: Int)) {
  let cfg = configuration(method: method, sigma: run.sigma, batch: run.batch, dacBits: 0)
  let rows = LimNetwork(configuration: cfg), synapses = LimNetwork(configuration: cfg)
  synapses.batchByRows = false
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<images.count {
      for net in [rows, synapses] { _ = net.train(px.baseAddress! + s * 16, label: Int(images.labels[s])) }
    }
  }
  #expect(rows.resets > 0)
  for (p, q) in zip(rows.layers, synapses.layers) {
    #expect(p.pulses == q.pulses && p.resets == q.resets && p.repotentiations == q.repotentiations)
    #expect(p.updateSlots == q.updateSlots)
    let mn = p.rows * p.columns
    for k in 0..<mn where p.kp[k] != q.kp[k] || p.km[k] != q.km[k] || p.array._weight[k].bitPattern != q.array._weight[k].bitPattern {
      Issue.record("synapse \(k): states or cache differ")
      break
    }
  }
  let a = rows.ledger(), b = synapses.ledger()
  #expect(abs(a.read - b.read) <= 1e-6 * b.read && abs(a.program - b.program) <= 1e-6 * b.program && abs(a.reset - b.reset) <= 1e-6 * b.reset)
}
