import Circuit
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Rules hybrid and single with resistive lines (`wires resistive`): each
// layer's big and small arrays are read through their own lines (a nodal
// solve of each of the four meshes), their currents summed at the neuron.

/// The fixture's hybrid (or single) configuration with lines of `r` Ω.
private func configuration(
  rule: LearningRule = .hybrid, r: Double, encoding: UpdateEncoding = .stochastic, epochs: Int = 1
) -> TrainingConfiguration {
  var cfg = Fixture.configuration(rule: rule, epochs: epochs)
  cfg.encoding = encoding
  if r > 0 {
    cfg.wires = .resistive
    cfg.rowSegmentResistance = r
    cfg.columnSegmentResistance = r
  }
  return cfg
}

/// A network trained on the first `count` fixture images.
private func trained(_ cfg: TrainingConfiguration, count: Int, fineAfter: Int? = nil) throws -> HybridNetwork {
  let net = try HybridNetwork(configuration: cfg)
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 0..<count {
      if s == fineAfter { net.switchToFineTuning() }
      net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s]))
    }
  }
  return net
}

/// Whether every array of the lines holds its devices' conductances × G_max.
private func linesMatchDevices(_ net: HybridNetwork) -> Bool {
  let gMax = net.configuration.gMaxSiemens
  for (l, layer) in net.layers.enumerated() {
    for k in 0..<layer.kinds {
      let a = net.lines![l].arrays[k]
      for x in 0..<layer.count {
        if a._plus[x] != Double(layer.g[2 * k][x]) * gMax || a._minus[x] != Double(layer.g[2 * k + 1][x]) * gMax {
          return false
        }
      }
    }
  }
  return true
}

@Test(arguments: [LearningRule.hybrid, .single])
func aReadThroughTheLinesIsTheSumOfEveryMeshsNodalSolve(_ rule: LearningRule) throws {
  // 20 Ω segments: the IR drop is percents of the currents.
  let net = try trained(configuration(rule: rule, r: 20), count: 60, fineAfter: 30)
  #expect(net.wireError == nil)
  #expect(net.lines?.count == 2)
  let cfg = net.configuration, v = cfg.readVoltage, gMax = cfg.gMaxSiemens
  Fixture.test.pixels.withUnsafeBufferPointer { _ = net.predict($0.baseAddress! + 5 * 64) }
  let layer = net.layers[0]
  let drive = net.activations[0].map { Double($0) * v }
  // Every kind's array, solved exactly (1e-12) on its own lines.
  var exact = [Double](repeating: 0, count: layer.columns)
  var ideal = exact
  for kind in (rule == .hybrid ? [SynapseKind.big, .small] : [.big]) {
    let a = net.array(layer: 0, kind: kind, gMax: gMax)
    a.wires = cfg.wireModel
    let solved = try a.read(.forward, voltages: drive).difference
    a.wires = .ideal
    let sums = try a.read(.forward, voltages: drive).difference
    for j in exact.indices {
      exact[j] += solved[j] / (v * gMax)
      ideal[j] += sums[j] / (v * gMax)
    }
  }
  let seen = net.sums[0].map(Double.init)
  #expect(maxRelativeDifference(seen, exact, floor: 1e-3) < 1e-5, "\(seen.prefix(4)) vs \(exact.prefix(4))")
  // The evaluation's effective weights (every kind's transfer matrix,
  // the small arrays' too after the switch) give the same sums.
  let t = try net.effectiveWeights()[0]
  let viaTransfer = (0..<layer.columns).map { j in
    (0..<layer.rows).reduce(0.0) { $0 + Double(net.activations[0][$1]) * Double(t[$1 * layer.columns + j]) }
  }
  #expect(maxRelativeDifference(viaTransfer, exact, floor: 1e-3) < 1e-5)
  // …which are not the ideal sums (the weight cache's): the drop is there.
  #expect(maxRelativeDifference(seen, ideal, floor: 1e-3) > 1e-3)
  #expect(linesMatchDevices(net))
}

@Test func aTransposedReadThroughTheLinesIsTheSumOfEveryMeshsNodalSolve() throws {
  let net = try trained(configuration(r: 20), count: 40)
  let cfg = net.configuration, v = cfg.readVoltage, gMax = cfg.gMaxSiemens
  let layer = net.layers[1]
  let delta: [Float] = (0..<layer.columns).map { Float($0 % 3) * 0.3 - 0.3 }
  var out = [Float](repeating: 0, count: layer.rows)
  try delta.withUnsafeBufferPointer { d in
    try out.withUnsafeMutableBufferPointer { o in
      try net.lines![1].read(
        .transposed, input: d.baseAddress!, inputCount: d.count, output: o.baseAddress!, outputCount: o.count,
        bookEnergy: false)
    }
  }
  var exact = [Double](repeating: 0, count: layer.rows)
  for kind in [SynapseKind.big, .small] {
    let a = net.array(layer: 1, kind: kind, gMax: gMax)
    a.wires = cfg.wireModel
    let solved = try a.read(.transposed, voltages: delta.map { Double($0) * v }).difference
    for i in exact.indices { exact[i] += solved[i] / (v * gMax) }
  }
  #expect(maxRelativeDifference(out.map(Double.init), exact, floor: 1e-3) < 1e-5)
}

@Test func theLinesFollowEveryUpdateInBothPhasesAndWithTheDisturbModel() throws {
  // The arrays the reads solve hold the devices after every update: the
  // big arrays' in the dynamic phase, the small ones' in the fine phase,
  // and every cell the disturb model moves.
  #expect(linesMatchDevices(try trained(configuration(r: 1), count: 80, fineAfter: 40)))
  var cfg = configuration(r: 1)
  cfg.writeThreshold = 0.4
  let net = try trained(cfg, count: 40)
  #expect(net.disturbs > 0)
  #expect(linesMatchDevices(net))
}

@Test func theEvaluationsTransferMatricesClassifyAsANodalSolvePerImage() throws {
  let net = try trained(configuration(r: 20), count: 150)
  let count = 100
  var perImage = 0
  Fixture.test.pixels.withUnsafeBufferPointer { px in
    for s in 0..<count where net.predict(px.baseAddress! + s * 64) == Int(Fixture.test.labels[s]) { perImage += 1 }
  }
  let weights = try net.effectiveWeights()
  // Not the weight cache: the lines' transfer matrices.
  #expect(weights[0] != UnsafePointer(net.layers[0].w))
  let evaluator = ForwardEvaluator(
    sizes: net.sizes, weights: weights, scales: weights.map { _ in 1 }, neuron: net.configuration.neuron)
  let viaTransfer = Fixture.test.pixels.withUnsafeBufferPointer { px in
    Fixture.test.labels.withUnsafeBufferPointer { lb in
      evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: 64)
    }
  }
  #expect(perImage > count / 4)
  #expect(viaTransfer == perImage)
}

@Test(arguments: [UpdateEncoding.stochastic, .sign])
func nearZeroLinesTrainAsIdealWires(_ encoding: UpdateEncoding) throws {
  // 1e-9 Ω segments: the reads differ from the ideal sums in their last
  // bits only (single precision against a double solve), which can move a
  // pulse train's draw: the runs agree within a stated bound.
  var ideal = configuration(r: 0, encoding: encoding)
  ideal.trainLimit = 300
  var wired = ideal
  wired.wires = .resistive
  wired.rowSegmentResistance = 1e-9
  wired.columnSegmentResistance = 1e-9
  let a = try Fixture.run(ideal), b = try Fixture.run(wired)
  #expect(b.failure == nil)
  #expect(a.testAccuracy > 20)
  for (p, q) in zip(a.points, b.points) {
    #expect(abs(p.accuracy - q.accuracy) <= 3, "\(a.points.map(\.accuracy)) vs \(b.points.map(\.accuracy))")
    #expect(abs(Double(p.pulses - q.pulses)) <= 0.05 * Double(p.pulses))
  }
  // The read energy: the drivers' Σ V·I·t of the solves, the devices' own
  // Σ V²·G·t with ideal wires.
  #expect(isApproximatelyEqual(b.readEnergy, a.readEnergy, relativeTolerance: 0.05))
}

@Test func lineResistanceChangesAHybridRunAndItStillLearns() throws {
  var ideal = configuration(r: 0)
  ideal.trainLimit = 300
  var wired = ideal
  wired.wires = .resistive
  wired.rowSegmentResistance = 20
  wired.columnSegmentResistance = 20
  let a = try Fixture.run(ideal), b = try Fixture.run(wired)
  #expect(b.failure == nil)
  #expect(b.pulses != a.pulses)
  #expect(b.testAccuracy > 30, "\(b.points.map(\.accuracy))")
}

@Test func aRestoredHybridNetworkReadsItsRestoredDevicesThroughTheLines() throws {
  let net = try trained(configuration(r: 1), count: 50)
  let copy = try HybridNetwork(configuration: net.configuration)
  try copy.restore(net.layerStates, phase: net.phase)
  #expect(linesMatchDevices(copy))
  let a = try net.effectiveWeights(), b = try copy.effectiveWeights()
  for l in a.indices {
    let n = net.layers[l].count
    #expect(Array(UnsafeBufferPointer(start: a[l], count: n)) == Array(UnsafeBufferPointer(start: b[l], count: n)))
  }
}

/// `line_capacitance` with resistive lines (since session 62; refused
/// before): the reads book the lines they charge as with ideal wires, and
/// the slots through the lines the lines they drive, landed or not.
@Test(arguments: [LearningRule.hybrid, .single])
func theCoincidenceRulesBookTheLinesChargingThroughResistiveLines(_ rule: LearningRule) throws {
  var ideal = configuration(rule: rule, r: 0)
  ideal.lineCapacitance = 1e-15
  var wired = configuration(rule: rule, r: 1e-9)
  wired.lineCapacitance = 1e-15
  try wired.validate()
  let a = try trained(ideal, count: 1), b = try trained(wired, count: 1)
  let ea = a.ledger(), eb = b.ledger()
  let (ra, rb) = (try #require(ea.readLines), try #require(eb.readLines))
  let (ua, ub) = (try #require(ea.updateLines), try #require(eb.updateLines))
  #expect(rb > 0 && isApproximatelyEqual(rb, ra, relativeTolerance: 1e-6), "\(rb) vs \(ra)")
  #expect(ub > 0 && isApproximatelyEqual(ub, ua, relativeTolerance: 1e-6))
  // Writes through 100 Ω lines: the same slots are driven as with ideal
  // writes on the same reads (the first sample's), some coincidences held
  // back: the same lines charged.
  var lines = configuration(rule: rule, r: 100)
  lines.lineCapacitance = 1e-15
  var writes = lines
  writes.writeLines = .resistive
  writes.writeThreshold = 0.9
  try writes.validate()
  let c = try trained(lines, count: 1), d = try trained(writes, count: 1)
  let held = try #require(d.writeLineStatistics)
  #expect(held.pulsesBelowThreshold > 0)
  #expect(d.ledger().updateLines == c.ledger().updateLines && (c.ledger().updateLines ?? 0) > 0)
  #expect(d.ledger().readLines == c.ledger().readLines)
}

@Test func aFailedHybridReadMakesNoUpdate() throws {
  // An infinite conductance in the big G+ array: its read throws, and the
  // sample makes no update from the stale sums (a review, session 61: it
  // had pulsed), as rule lim's.
  let net = try trained(configuration(r: 20), count: 10)
  #expect(net.wireError == nil)
  let layer = net.layers[0]
  layer.g[0][0] = .infinity
  net.lines![0].synchronize(layer, kind: 0)
  let before = net.layers.map { $0.snapshot() }, pulses = net.pulses
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 10..<14 { net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
  }
  #expect(net.wireError != nil)
  #expect(net.pulses == pulses)
  #expect(net.layers.map { $0.snapshot() } == before)
}

@Test func theLinesArraysCarryTheirLineLoads() throws {
  // The reader tightens its tolerance by the line loads behind terminal
  // resistances: the arrays' loads follow every update (a review, session
  // 61: they had stayed 0).
  var cfg = configuration(r: 1)
  cfg.senseResistance = 1e3
  let net = try trained(cfg, count: 40, fineAfter: 20)
  for (l, lines) in net.lines!.enumerated() {
    for a in lines.arrays {
      let copy = a.copy()
      copy.recomputeLoads()
      for i in 0..<a.rows { #expect(isApproximatelyEqual(a._rowLoad[i], copy._rowLoad[i], relativeTolerance: 1e-9), "layer \(l) row \(i)") }
      for j in 0..<a.columns { #expect(isApproximatelyEqual(a._columnLoad[j], copy._columnLoad[j], relativeTolerance: 1e-9)) }
      #expect(a._rowLoad[0] > 0)
    }
  }
}

@Test func theReadEnergyFollowsTheReadTime() throws {
  // The drivers' Σ V·I·t of the solves: twice the read time, twice the
  // energy (the arrays take `read_time`).
  var cfg = configuration(r: 20)
  let a = try trained(cfg, count: 10)
  cfg.readTime = 2e-8
  let b = try trained(cfg, count: 10)
  #expect(a.ledger().read > 0)
  #expect(isApproximatelyEqual(b.ledger().read, 2 * a.ledger().read, relativeTolerance: 1e-9))
}

@Test func aFailedHybridReadEndsTheRunWithItsImage() throws {
  // Devices pushed beyond G·r = 1e9 by their variation: the first read
  // fails, and the run ends naming the image, as rule lim's.
  var cfg = configuration(rule: .single, r: 9.9e13)
  cfg.d2d = 0.5
  cfg.initialFraction = 1
  let r = try Fixture.run(cfg)
  #expect(r.failure?.hasPrefix("resistive read of training image") == true, "\(r.failure ?? "nil")")
  #expect(r.interrupted)
}
