import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 80 (`drift_refresh`): pairs built by hand, whose refresh has a closed form.
// A pair whose nearest state is the device's last (n_max) climbs all the way; a pair of dead
// devices (X = 0 on both) reads W = 0 whatever its states, so no pulse brings it nearer and
// its refresh is two resets and no pulse; the counts are the refresh's alone (the restored
// counters before it are not added), and the copy's wear counters count its
// re-potentiations; on conductance states the pulses are the ladder's steps from G_min, W
// is X·G (scales included), and with σ_c2c the pulses land off the nominal ladder. Hybrid:
// its own counts, the lines' arrays synchronized, and the weight kept when d2d offsets the
// devices' minima.

/// A network of `cfg` with every device of every layer at its reset level, then `edit`ed
/// (layer 0), restored.
private func handBuilt(_ cfg: TrainingConfiguration, _ edit: (inout LimLayerState, LimLayer) -> Void) throws -> LimNetwork {
  let net = LimNetwork(configuration: cfg)
  var states = net.layerStates
  for l in states.indices {
    let mn = states[l].rows * states[l].columns, bottom = net.layers[l].device.gMin
    states[l].plusStates = [UInt8](repeating: 0, count: mn)
    states[l].minusStates = states[l].plusStates
    states[l].plusConductances = [Double](repeating: bottom, count: mn)
    states[l].minusConductances = states[l].plusConductances
  }
  edit(&states[0], net.layers[0])
  try net.restore(states)
  return net
}

@Test func aLimRefreshOfHandBuiltPairsHasItsClosedForm() throws {
  let cfg = try driftConfiguration(.lim) {
    $0.driftRefresh = true
    $0.sigma = 0.3
  }
  let net = try handBuilt(cfg) { s, layer in
    // Synapse 0: G+ at n_max, G− one pulse up on a tiny scale: W's nearest state is n_max.
    (s.plusStates[0], s.minusStates[0], s.plusScales[0], s.minusScales[0]) = (UInt8(layer.nMax), 1, 1, 1e-4)
    // Synapse 1: both devices dead (X = 0): W = 0 at every state.
    (s.plusStates[1], s.minusStates[1], s.plusScales[1], s.minusScales[1]) = (5, 7, 0, 0)
    // Counters from before: the refresh's counts are its own.
    (s.pulses, s.resets, s.repotentiations) = (1000, 100, 10)
  }
  let layer = net.layers[0], t = layer.table, n = layer.nMax
  try #require(!layer.conductanceStates)
  let xb = Double(Float(1e-4)), w = t[n] - xb * t[1]
  func error(_ q: Int) -> Double { abs(t[q] - xb * t[0] - w) }
  try #require(error(n) < error(n - 1))
  let (copy, refresh) = try net.refreshedCopy()
  let (pairs, pulses, resets) = (refresh.pairs, refresh.pulses, refresh.resets)
  #expect(pairs == 2 && pulses == n && resets == 4, "\(pairs) \(pulses) \(resets)")
  let c = copy.layers[0]
  #expect((c.kp[0], c.km[0], c.kp[1], c.km[1]) == (UInt8(n), 0, 0, 0))
  #expect(copy.repotentiations - net.repotentiations == n)
  #expect(copy.pulses - net.pulses == n && copy.resets - net.resets == 4)
}

/// The nominal ladder from G_min: its states, pulse by pulse, up to G_max.
private func ladder(_ layer: LimLayer) -> [Double] {
  var g = layer.device.gMin, states = [g]
  while states.count < 100_000 {
    let next = layer.device.potentiated(g)
    if next == g { break }
    g = next
    states.append(g)
  }
  return states
}

@Test func aLimRefreshOnConductanceStatesOfHandBuiltPairs() throws {
  let cfg = try driftConfiguration(.lim) {
    $0.driftRefresh = true
    $0.method = .c
    $0.sigma = 0.3
    $0.gMinRatio = 0.1
  }
  let net0 = LimNetwork(configuration: cfg)
  let steps = ladder(net0.layers[0]), bottom = steps[0]
  try #require(steps.count > 20)
  let net = try handBuilt(cfg) { s, _ in
    // Synapse 0: X+ = 2, X− = 0.5: W = 2·G+ − 0.5·G− > 0, though G+ < G− (the scales decide).
    (s.plusConductances[0], s.minusConductances[0], s.plusScales[0], s.minusScales[0]) = (steps[8], steps[12], 2, 0.5)
    // Synapse 1: dead devices: W = 0 at every conductance, no pulse brings it nearer.
    (s.plusConductances[1], s.minusConductances[1], s.plusScales[1], s.minusScales[1]) = (steps[10], steps[15], 0, 0)
    // Synapse 2: W < 0 with equal scales.
    (s.plusConductances[2], s.minusConductances[2], s.plusScales[2], s.minusScales[2]) = (steps[3], steps[17], 1, 1)
    (s.pulses, s.resets, s.repotentiations) = (1000, 100, 10)
  }
  let layer = net.layers[0]
  try #require(layer.conductanceStates)
  let (copy, refresh) = try net.refreshedCopy()
  let (pairs, pulses, resets) = (refresh.pairs, refresh.pulses, refresh.resets)
  let c = copy.layers[0]
  #expect(pairs == 3 && resets == 6)
  // Synapse 0 climbs G+ (W > 0), to the ladder state nearest W = 2·G+ − 0.5·G_min.
  let w0 = 2 * steps[8] - 0.5 * steps[12]
  #expect(c.gm[0] == bottom)
  let up = try #require(steps.firstIndex(of: c.gp[0]))
  func e0(_ q: Int) -> Double { q < steps.count ? abs(2 * steps[q] - 0.5 * bottom - w0) : .infinity }
  #expect(up > 0 && e0(up) <= e0(up - 1) && e0(up) <= e0(up + 1), "\(up)")
  // Synapse 1: both at G_min, no pulse.
  #expect(c.gp[1] == bottom && c.gm[1] == bottom)
  // Synapse 2 climbs G−.
  #expect(c.gp[2] == bottom)
  let down = try #require(steps.firstIndex(of: c.gm[2]))
  func e2(_ q: Int) -> Double { q < steps.count ? abs(bottom - steps[q] - (steps[3] - steps[17])) : .infinity }
  #expect(down > 0 && e2(down) <= e2(down - 1) && e2(down) <= e2(down + 1), "\(down)")
  // The pulses are the ladder's steps climbed.
  #expect(pulses == up + down, "\(pulses) \(up) \(down)")
  #expect(copy.repotentiations - net.repotentiations == up + down)
  #expect(copy.pulses - net.pulses == pulses)
}

// With σ_c2c each re-potentiation pulse lands varied: climbed devices leave the nominal
// ladder (without it every one would sit on it).
@Test func aLimRefreshWithCycleToCycleNoiseLandsOffTheNominalLadder() throws {
  let cfg = try driftConfiguration(.lim) {
    $0.driftRefresh = true
    $0.sigmaC2C = 0.2
  }
  let net = LimNetwork(configuration: cfg)
  let (copy, refresh) = try net.refreshedCopy()
  let (pairs, pulses) = (refresh.pairs, refresh.pulses)
  try #require(pairs > 100 && pulses > 0)
  let layer = copy.layers[0], rungs = Set(ladder(layer)), bottom = layer.device.gMin
  var climbed = 0, off = 0
  for k in 0..<(layer.rows * layer.columns) {
    for g in [layer.gp[k], layer.gm[k]] where g > bottom && g != net.layers[0].gp[k] && g != net.layers[0].gm[k] {
      climbed += 1
      if !rungs.contains(g) { off += 1 }
    }
  }
  #expect(climbed > 50 && off > climbed / 2, "\(off) of \(climbed)")
}

// Hybrid: the counts are the refresh's own (the trained network's counters not added), and
// through resistive lines the copy's read weights are its refreshed devices' (the lines'
// arrays synchronized): the same as a network restored from the copy's states.
@Test(arguments: [LearningRule.hybrid, .single])
func aHybridRefreshCountsItsOwnAndReadsItsDevicesThroughTheLines(rule: LearningRule) throws {
  var cfg = try driftConfiguration(rule) {
    $0.driftRefresh = true
    $0.c2c = 0
  }
  cfg.wires = .resistive
  cfg.rowSegmentResistance = 20
  cfg.columnSegmentResistance = 20
  let fresh = try HybridNetwork(configuration: cfg)
  var states = fresh.layerStates
  for l in states.indices { (states[l].pulses, states[l].resets, states[l].repotentiations) = (1000, 100, 10) }
  let net = try HybridNetwork(configuration: cfg)
  try net.restore(states, phase: fresh.phase, encoderStreams: fresh.encoderStreams)
  try #require(net.lines != nil)
  let (copy, refresh) = try net.refreshedCopy()
  let (pairs, pulses, resets) = (refresh.pairs, refresh.pulses, refresh.resets)
  try #require(pairs > 50)
  #expect(resets == 2 * pairs && copy.resets - net.resets == resets, "\(resets) \(pairs)")
  #expect(pulses > 0 && copy.pulses - net.pulses == pulses)
  let again = try HybridNetwork(configuration: cfg)
  try again.restore(copy.layerStates, phase: copy.phase, encoderStreams: copy.encoderStreams)
  let a = try copy.effectiveWeights(), b = try again.effectiveWeights(), old = try net.effectiveWeights()
  var differs = false
  for (l, layer) in copy.layers.enumerated() {
    for x in 0..<layer.count {
      #expect(a[l][x] == b[l][x], "layer \(l), cell \(x)")
      if a[l][x] != old[l][x] { differs = true }
    }
  }
  #expect(differs)
}

@Test func driftRefreshFalseClearsIt() throws {
  var cfg = Fixture.configuration()
  try cfg.set("drift_refresh", "true")
  try cfg.set("drift_refresh", "false")
  #expect(!cfg.driftRefresh)
  #expect(!cfg.keyValues.contains { $0.0 == "drift_refresh" })
}

// With device-to-device offsets (d2d) each device resets to its own G_min: the weight moved
// is G+ − G− above the pair's reset weight (lo+ − lo−), so G+ − G− is kept within half a step.
@Test(arguments: [LearningRule.hybrid, .single])
func aHybridRefreshKeepsTheWeightWhenTheDevicesMinimaDiffer(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule) {
    $0.driftRefresh = true
    $0.c2c = 0
    $0.d2d = 0.5
  }
  let net = try HybridNetwork(configuration: cfg)
  let before = net.layerStates
  let (copy, refresh) = try net.refreshedCopy()
  let pairs = refresh.pairs
  var both = 0, apart = 0
  for (l, layer) in copy.layers.enumerated() {
    let g0 = before[l].conductances
    for kind in 0..<layer.kinds {
      let plus = 2 * kind, minus = plus + 1
      for x in 0..<layer.count where g0[plus][x] > layer.low(plus, x) && g0[minus][x] > layer.low(minus, x) {
        both += 1
        if abs(layer.low(plus, x) - layer.low(minus, x)) > layer.step[kind] { apart += 1 }
        let p = layer.g[plus][x], m = layer.g[minus][x]
        #expect(p == layer.low(plus, x) || m == layer.low(minus, x))
        #expect(abs((p - m) - (g0[plus][x] - g0[minus][x])) <= layer.step[kind] / 2 + 1e-6, "kind \(kind), cell \(x)")
      }
    }
  }
  #expect(both > 50 && pairs == both && apart > 10, "\(both) \(pairs) \(apart)")
}
