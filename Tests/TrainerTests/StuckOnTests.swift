import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Shorted devices (`stuck_on`, rule lim): a fraction of the devices are
// stuck at G(n_max) for the whole run, drawn with `stuck_off` from one
// uniform per device (u < off: open; off ≤ u < off + on: shorted). A
// shorted device's scale X is 0 and it carries G(n_max) beside it
// (`onp`, `onm`): pulses and resets move its state, never its
// conductance, and each dissipates at G(n_max).

private let images = StuckFixture.images
private func configuration(_ edit: (inout TrainingConfiguration) -> Void) throws -> TrainingConfiguration {
  try StuckFixture.configuration(edit)
}
private func train(_ net: LimNetwork, samples: Int) { StuckFixture.train(net, samples: samples) }

private func shortedCount(_ layer: LimLayer) -> Int {
  guard layer.hasShorted else { return 0 }
  return (0..<(layer.rows * layer.columns)).reduce(0) { $0 + Int(layer.onp[$1]) + Int(layer.onm[$1]) }
}

/// The devices open (X = 0 and not shorted), G+ then G− per synapse.
private func openSet(_ layer: LimLayer) -> [Bool] {
  (0..<(layer.rows * layer.columns)).flatMap { k in
    [layer.xp[k] == 0 && !(layer.hasShorted && layer.onp[k] == 1), layer.xm[k] == 0 && !(layer.hasShorted && layer.onm[k] == 1)]
  }
}

private func shortedSet(_ layer: LimLayer) -> [Bool] {
  (0..<(layer.rows * layer.columns)).flatMap { k in
    layer.hasShorted ? [layer.onp[k] == 1, layer.onm[k] == 1] : [false, false]
  }
}

@Test func stuckOnZeroIsTheNetworkOfBeforeAndSharesStuckOffsDraw() throws {
  // A vanishing fraction: the draws made, none shorted, the open set and
  // every other draw those of stuck_on 0.
  for sigma in [0.0, 0.4] {
    let zero = LimNetwork(configuration: try configuration { $0.sigma = sigma; $0.stuckOff = 0.3 })
    let drawn = LimNetwork(configuration: try configuration { $0.sigma = sigma; $0.stuckOff = 0.3; $0.stuckOn = 1e-15 })
    #expect(drawn.layers.allSatisfy { $0.hasShorted && shortedCount($0) == 0 })
    for (a, b) in zip(zero.layerStates, drawn.layerStates) {
      #expect(a.plusStates == b.plusStates && a.minusStates == b.minusStates)
      #expect(a.plusScales == b.plusScales && a.minusScales == b.minusScales)
    }
  }
  // One uniform per device: off ≤ u < off + on are shorted, so the open
  // set of (off, on) is that of (off, 0), and open ∪ shorted is the open
  // set of (off + on, 0).
  let off = LimNetwork(configuration: try configuration { $0.stuckOff = 0.2 })
  let both = LimNetwork(configuration: try configuration { $0.stuckOff = 0.2; $0.stuckOn = 0.25 })
  let union = LimNetwork(configuration: try configuration { $0.stuckOff = 0.45 })
  for l in 0..<both.layers.count {
    #expect(openSet(both.layers[l]) == openSet(off.layers[l]))
    let either = zip(openSet(both.layers[l]), shortedSet(both.layers[l])).map { $0 || $1 }
    #expect(either == openSet(union.layers[l]))
    #expect(shortedCount(both.layers[l]) > 0)
  }
  // stuck_on alone: the shorted set is stuck_off's open set of that fraction.
  let on = LimNetwork(configuration: try configuration { $0.stuckOn = 0.3 })
  let asOff = LimNetwork(configuration: try configuration { $0.stuckOff = 0.3 })
  for (a, b) in zip(on.layers, asOff.layers) {
    #expect(shortedSet(a) == openSet(b))
    #expect(!openSet(a).contains(true))
  }
  // Without the key no mask is read; the key at 0 is not written.
  #expect(LimNetwork(configuration: try configuration { _ in }).layers.allSatisfy { !$0.hasShorted && !$0.hasVariation })
  #expect(!TrainingConfiguration().keyValues.contains { $0.0 == "stuck_on" })
  #expect(TrainingConfiguration().allKeyValues.contains { $0 == ("stuck_on", "0") })
  var set = TrainingConfiguration()
  try set.set("stuck_on", "0.25")
  #expect(set.stuckOn == 0.25 && set.keyValues.contains { $0 == ("stuck_on", "0.25") })
}

@Test(arguments: [UpdateMethod.a, .b, .c])
func aVanishingShortedFractionGivesTheRunOfZero(_ method: UpdateMethod) throws {
  var cfg = Fixture.configuration(method: method, epochs: 1)
  cfg.nMax = 16
  let plain = try Fixture.run(cfg)
  cfg.stuckOn = 1e-15
  let net = LimNetwork(configuration: cfg)
  #expect(net.layers.allSatisfy { $0.hasVariation && $0.hasShorted && shortedCount($0) == 0 })
  let tiny = try Fixture.run(cfg)
  #expect(tiny.points.map(\.accuracy) == plain.points.map(\.accuracy))
  #expect(tiny.points.map(\.pulses) == plain.points.map(\.pulses) && tiny.points.last!.pulses > 0)
  #expect(tiny.points.map(\.resets) == plain.points.map(\.resets))
  // The energies to rounding: the looked-up kernel books method b's
  // refills by state (`resetsFrom`), summed when asked, the scaled one
  // as they come.
  let (p, q) = (try #require(tiny.ledger), try #require(plain.ledger))
  #expect(abs(p.program - q.program) <= 1e-12 * q.program && q.program > 0, "\(p.program) vs \(q.program)")
  #expect(abs(p.reset - q.reset) <= 1e-12 * q.reset, "\(p.reset) vs \(q.reset)")
  #expect(tiny.readEnergy == plain.readEnergy)
}

@Test func theShortedCountIsBinomial() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [200, 50]
  cfg.stuckOff = 0.1
  cfg.stuckOn = 0.05
  try cfg.validate()
  var rng = SeededGenerator(seed: 1)
  let layer = LimLayer(inputs: 200, outputs: 50, configuration: cfg, rng: &rng)
  let n = 2.0 * Double(layer.rows * layer.columns)
  for (count, f) in [(shortedCount(layer), 0.05), (openSet(layer).filter { $0 }.count, 0.1)] {
    let mean = n * f, sd = (n * f * (1 - f)).squareRoot()
    #expect(abs(Double(count) - mean) < 4 * sd, "\(count) of \(n), f \(f): mean \(mean) ± \(sd)")
  }
  // A shorted device's conductance is G(n_max), whatever its state; its
  // scale is 0; no device is both open and shorted.
  for k in 0..<(layer.rows * layer.columns) {
    let g = layer.conductances(k)
    if layer.onp[k] == 1 { #expect(layer.xp[k] == 0 && g.plus == layer.shortedG && layer.array._plus[k] == layer.shortedG) }
    if layer.onm[k] == 1 { #expect(layer.xm[k] == 0 && g.minus == layer.shortedG && layer.array._minus[k] == layer.shortedG) }
  }
  #expect(layer.shortedG == layer.table[layer.nMax] * layer.gMax)
}

@Test func everyDeviceShortedWeighsNothingAndDissipatesAtGmax() throws {
  for c in [StuckCase(method: .b), StuckCase(method: .a), StuckCase(method: .c), StuckCase(method: .b, c2c: 0.2)] {
    let net = LimNetwork(configuration: try configuration {
      $0.method = c.method
      $0.sigmaC2C = c.c2c
      $0.stuckOn = 1
    })
    for layer in net.layers {
      #expect(shortedCount(layer) == 2 * layer.rows * layer.columns)
      for k in 0..<(layer.rows * layer.columns) {
        #expect(layer.array._plus[k] == layer.shortedG && layer.array._minus[k] == layer.shortedG)
        #expect(layer.array._weight[k] == 0)
      }
    }
    images.pixels.withUnsafeBufferPointer { px in
      for s in 0..<10 {
        _ = net.predict(px.baseAddress! + s * 16)
        #expect(net.sums.allSatisfy { $0.allSatisfy { $0 == 0 } }, "\(c): image \(s): \(net.sums)")
      }
    }
    train(net, samples: 200)
    #expect(net.pulses > 0 && net.layers.reduce(0) { $0 + $1.resets } > 0, "\(c): nothing issued")
    for layer in net.layers {
      // Every pulse and every reset met a device at G(n_max).
      let pulses = Double(layer.pulses), resets = Double(layer.resets)
      #expect(abs(layer.pulseConductance - pulses * layer.shortedG) <= 1e-12 * pulses * layer.shortedG, "\(c): \(layer.pulseConductance) vs \(pulses) pulses")
      #expect(abs(layer.resetConductance - resets * layer.shortedG) <= 1e-12 * resets * layer.shortedG, "\(c): \(layer.resetConductance) vs \(resets) resets")
      #expect((0..<(layer.rows * layer.columns)).allSatisfy {
        layer.conductances($0) == (layer.shortedG, layer.shortedG) && layer.array._weight[$0] == 0
      })
    }
  }
}

// Every kernel (`StuckCase`, StuckOffTests): the scaled integer one (a,
// b), the booking one, the conductance states (c, σ_c2c, b_margin),
// mini-batches. A shorted device
// stays at G(n_max) through pulses and resets; its state counter moves;
// the weight cache and the lines' loads the kernels kept are those of the
// conductances.
@Test(arguments: [
  StuckCase(method: .a), StuckCase(method: .b), StuckCase(method: .c), StuckCase(method: .b, sigma: 0.4),
  StuckCase(method: .a, c2c: 0.2), StuckCase(method: .b, c2c: 0.2), StuckCase(method: .b, margin: 0.5),
  StuckCase(method: .b, batch: 4), StuckCase(method: .b, halfSelect: true),
])
func aShortedDeviceStaysAtGmaxThroughPulsesAndResets(_ c: StuckCase) throws {
  let cfg = try configuration {
    $0.method = c.method
    $0.sigma = c.sigma
    $0.sigmaC2C = c.c2c
    $0.bMargin = c.margin
    $0.batch = c.batch
    $0.stuckOff = 0.1
    $0.stuckOn = 0.25
    if c.halfSelect { $0.halfSelect = .book }
  }
  let net = LimNetwork(configuration: cfg)
  let before = net.layerStates
  train(net, samples: 400)
  #expect(net.layers.reduce(0) { $0 + $1.resets } > 0, "no reset: the test drove no sequence at G_max")
  var shortedMoved = 0, shorted = 0
  for (l, layer) in net.layers.enumerated() {
    // What the kernels kept, before `synchronize` rewrites it.
    let mn = layer.rows * layer.columns
    let weights = Array(UnsafeBufferPointer(start: layer.array._weight, count: mn))
    let rowLoads = Array(UnsafeBufferPointer(start: layer.array._rowLoad, count: layer.rows))
    let columnLoads = Array(UnsafeBufferPointer(start: layer.array._columnLoad, count: layer.columns))
    layer.synchronize()
    for k in 0..<mn {
      let g = layer.conductances(k)
      if layer.onp[k] == 1 {
        shorted += 1
        #expect(g.plus == layer.shortedG && layer.array._plus[k] == layer.shortedG, "layer \(l) synapse \(k)")
        let moved = layer.conductanceStates ? layer.gp[k] != before[l].plusConductances[k] : layer.kp[k] != before[l].plusStates[k]
        if moved { shortedMoved += 1 }
      }
      if layer.onm[k] == 1 { #expect(g.minus == layer.shortedG && layer.array._minus[k] == layer.shortedG) }
      // The kernels' weight cache is the one the conductances give.
      #expect(weights[k] == layer.array._weight[k], "layer \(l) synapse \(k): \(weights[k]) vs \(layer.array._weight[k])")
    }
    // The loads the kernels kept, change by change, are the sums of the
    // conductances (Kirchhoff: what each line carries at unit drive).
    for i in 0..<layer.rows {
      #expect(abs(rowLoads[i] - layer.array._rowLoad[i]) <= 1e-6 * layer.array._rowLoad[i], "layer \(l) row \(i)")
    }
    for j in 0..<layer.columns {
      #expect(abs(columnLoads[j] - layer.array._columnLoad[j]) <= 1e-6 * layer.array._columnLoad[j], "layer \(l) column \(j)")
    }
  }
  #expect(shorted > 0 && shortedMoved > 0, "\(shorted) shorted G+, \(shortedMoved) moved")
}

@Test func stuckOnIsValidated() throws {
  for bad in [-0.1, 1.5, .nan, .infinity] {
    var cfg = TrainingConfiguration()
    cfg.stuckOn = bad
    do {
      try cfg.validate()
      Issue.record("stuck_on \(bad) taken")
    } catch let e as ConfigurationError { #expect(e.field == "stuck_on", "\(e)") }
  }
  for (off, on) in [(0.0, 1.0), (0.5, 0.5), (0.3, 0.2)] {
    var cfg = TrainingConfiguration()
    cfg.stuckOff = off
    cfg.stuckOn = on
    try cfg.validate()
  }
  var over = TrainingConfiguration()
  over.stuckOff = 0.6
  over.stuckOn = 0.5
  do {
    try over.validate()
    Issue.record("stuck_off + stuck_on > 1 taken")
  } catch let e as ConfigurationError { #expect(e.field == "stuck_on" && e.message.contains("at most 1"), "\(e)") }
  var float = TrainingConfiguration()
  float.rule = .float
  float.stuckOn = 0.1
  #expect(float.ignoredKeys.contains { $0.key == "stuck_on" })
  var lim = TrainingConfiguration()
  lim.stuckOn = 0.1
  lim.mode = .offChip
  #expect(!lim.ignoredKeys.contains { $0.key == "stuck_on" })
  #expect(lim.idealHardware.stuckOn == 0 && lim.limDeviceScales)
}

// Off-chip: the software twin has no shorted devices; the programmed
// arrays keep theirs at G(n_max), whatever state the transfer asks.
@Test func offChipProgramsAroundTheShortedDevices() throws {
  let cfg = try configuration { $0.stuckOn = 0.3; $0.mode = .offChip; $0.initialFraction = 1 }
  let source = LimNetwork(configuration: cfg.idealHardware)
  #expect(source.layers.allSatisfy { !$0.hasShorted })
  train(source, samples: 100)
  let target = LimNetwork(configuration: cfg)
  target.program(statesOf: source)
  var checked = 0
  for (t, s) in zip(target.layers, source.layers) {
    for k in 0..<(t.rows * t.columns) {
      let g = t.conductances(k), ideal = s.conductances(k)
      #expect(g.plus == (t.onp[k] == 1 ? t.shortedG : ideal.plus))
      #expect(g.minus == (t.onm[k] == 1 ? t.shortedG : ideal.minus))
      if t.onp[k] == 1 && ideal.plus != t.shortedG { checked += 1 }
    }
  }
  #expect(checked > 0, "no shorted device was asked for another conductance")
  var run = Fixture.configuration(method: .b, epochs: 1)
  run.mode = .offChip
  let plain = try Fixture.run(run)
  run.stuckOn = 0.2
  let a = try Fixture.run(run), b = try Fixture.run(run)
  #expect(a.points.map(\.accuracy) == b.points.map(\.accuracy))
  #expect(a.points.map(\.accuracy) != plain.points.map(\.accuracy))
}

// A checkpoint's states carry their shorted set (stored, not drawn again:
// a run that goes on with another seed keeps it); states without one, or
// with a shorted device whose scale is not 0, are refused, naming the key.
@Test func restoreKeepsTheShortedSetAndRefusesStatesOfAnother() throws {
  let cfg = try configuration { $0.stuckOn = 0.3 }
  let net = LimNetwork(configuration: cfg)
  train(net, samples: 100)
  let saved = net.layerStates
  let again = LimNetwork(configuration: cfg)
  try again.restore(saved)
  for (a, b) in zip(net.layers, again.layers) {
    #expect(shortedSet(a) == shortedSet(b))
    for k in 0..<(a.rows * a.columns) {
      #expect(a.conductances(k) == b.conductances(k) && a.array._weight[k] == b.array._weight[k])
    }
  }
  #expect(saved.allSatisfy { $0.plusShorted != nil && $0.minusShorted != nil })
  // Another seed draws another set; the states' own is restored.
  let reseeded = LimNetwork(configuration: try configuration { $0.stuckOn = 0.3; $0.seed = 6 })
  #expect(shortedSet(reseeded.layers[0]) != shortedSet(net.layers[0]))
  try reseeded.restore(saved)
  for (a, b) in zip(net.layers, reseeded.layers) {
    #expect(shortedSet(a) == shortedSet(b))
    #expect((0..<(a.rows * a.columns)).allSatisfy { a.conductances($0) == b.conductances($0) })
  }
  // States of a run without shorted devices, into one with them and back.
  let plain = LimNetwork(configuration: try configuration { $0.stuckOff = 1e-15 })
  var bad: [[LimLayerState]] = [plain.layerStates]
  // A shorted device whose scale is not 0; a mark that is not 0 or 1.
  var scaled = saved
  let k = try #require(scaled[0].plusShorted!.firstIndex(of: 1))
  scaled[0].plusScales[k] = 1
  var marked = saved
  marked[0].minusShorted![0] = 0.5
  bad += [scaled, marked]
  for states in bad {
    do {
      try LimNetwork(configuration: cfg).restore(states)
      Issue.record("states taken")
    } catch let e as ConfigurationError { #expect(e.field == "stuck_on", "\(e)") }
  }
  do {
    try plain.restore(saved)
    Issue.record("shorted devices taken by a network without")
  } catch let e as ConfigurationError { #expect(e.field == "stuck_on", "\(e)") }
}
