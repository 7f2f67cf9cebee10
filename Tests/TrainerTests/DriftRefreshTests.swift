import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// The refresh before deployment (`drift_refresh`): in a copy of the trained arrays, every pair
// whose two devices are both above their reset level is reset and its weight re-potentiated
// onto one device. The closed forms: each refreshed pair has one device at its reset level and
// the other at the state nearest the old weight (rule lim: W as a verify read sees it, X·G;
// hybrid: each kind's G+ − G− within half a step); the pairs, pulses and resets add up; the
// network itself is untouched. Drift then multiplies a smaller common mode: with a spread of
// exponents the drifted weights stray less from f·W.

/// Rule lim's layers' pairs before and after `refreshedCopy`, with the counts it gave.
private func checkLimRefresh(_ cfg: TrainingConfiguration) throws {
  let net = LimNetwork(configuration: cfg)
  let before = net.layerStates
  let (copy, refresh) = try net.refreshedCopy()
  let (pairs, pulses, resets, energy) = (refresh.pairs, refresh.pulses, refresh.resets, refresh.energy)
  #expect(net.layerStates == before)
  var both = 0, climbed = 0, worst = 0.0
  // The energy's closed form: each climb from G_min sees Σ_{q<s} X·G(q), each reset X·G(s).
  var pulsed = 0.0, reset = 0.0
  for (l, layer) in copy.layers.enumerated() {
    let s = before[l], t = layer.table
    for k in 0..<(layer.rows * layer.columns) {
      let a = Int(s.plusStates[k]), b = Int(s.minusStates[k])
      let p = Int(layer.kp[k]), m = Int(layer.km[k])
      guard a > 0 && b > 0 else {
        #expect(p == a && m == b)
        continue
      }
      both += 1
      climbed += p + m
      let xa = Double(s.plusScales[k]), xb = Double(s.minusScales[k])
      let w = xa * t[a] - xb * t[b]
      #expect(p == 0 || m == 0, "synapse \(k): \(a), \(b) → \(p), \(m)")
      // The nearest of every state either device's climb reaches, the other at G_min.
      func error(_ q: Int, up: Bool) -> Double { abs((up ? xa * t[q] - xb * t[0] : xa * t[0] - xb * t[q]) - w) }
      let best = (0...layer.nMax).flatMap { [error($0, up: true), error($0, up: false)] }.min()!
      worst = max(worst, (m > 0 ? error(m, up: false) : error(p, up: true)) - best)
      pulsed += xa * layer.cumulative[p] + xb * layer.cumulative[m]
      reset += (xa * t[a] + xb * t[b]) * layer.gMax
    }
  }
  #expect(worst == 0, "a pair left \(worst) farther from its weight than the nearest state")
  #expect(both > 100 && pairs == both && resets == 2 * both && pulses == climbed, "\(both) \(pairs) \(resets) \(pulses) \(climbed)")
  #expect(copy.pulses - net.pulses == pulses && copy.resets - net.resets == resets)
  let g = cfg.pulseGenerator
  let expected = g.programEnergy(conductanceSum: pulsed) + g.resetEnergy(conductanceSum: reset)
  #expect(expected > 0 && abs(energy - expected) <= 1e-9 * expected, "\(energy) \(expected)")
  // The copy's weight cache is its devices'.
  for layer in copy.layers {
    for k in 0..<(layer.rows * layer.columns) { #expect(layer.array._weight[k] == layer.cachedWeight(k, layer.conductances(k))) }
  }
}

@Test func aLimRefreshPutsEachPairsWeightOnOneDeviceAtTheNearestState() throws {
  try checkLimRefresh(driftConfiguration(.lim) { $0.driftRefresh = true })
  // With device-to-device scales and a G_min: the nearest of X·G(s), G_min's share included.
  try checkLimRefresh(driftConfiguration(.lim) {
    $0.driftRefresh = true
    $0.sigma = 0.3
    $0.gMinRatio = 0.1
  })
}

// On conductance states (method c; σ_c2c): one device at G_min, the other where a further
// nominal pulse would not bring the pair nearer its weight; with σ_c2c the pulses land varied,
// from the network's own stream, the same for the same network.
@Test(arguments: [UpdateMethod.c, .b])
func aLimRefreshOnConductanceStates(method: UpdateMethod) throws {
  let cfg = try driftConfiguration(.lim) {
    $0.driftRefresh = true
    $0.method = method
    if method == .b { $0.sigmaC2C = 0.2 }
  }
  let net = LimNetwork(configuration: cfg)
  let before = net.layerStates
  let (copy, refresh) = try net.refreshedCopy()
  let (pairs, pulses, resets, energy) = (refresh.pairs, refresh.pulses, refresh.resets, refresh.energy)
  let again = try net.refreshedCopy().network
  #expect(copy.layerStates == again.layerStates)
  #expect(net.layerStates == before)
  var both = 0
  for (l, layer) in copy.layers.enumerated() {
    let s = before[l], bottom = layer.device.gMin
    for k in 0..<(layer.rows * layer.columns) {
      let a = s.plusConductances[k], b = s.minusConductances[k]
      let p = layer.gp[k], m = layer.gm[k]
      guard a > bottom && b > bottom else {
        #expect(p == a && m == b)
        continue
      }
      both += 1
      // (No device-to-device scales here: the reset pair reads 0.)
      let w = a - b, up = w >= 0
      let climbed = up ? p : m
      #expect((up ? m : p) == bottom, "synapse \(k)")
      if cfg.sigmaC2C == 0 {
        // No further nominal pulse would be nearer W (nor was the last one overshooting more).
        let now = abs((up ? climbed - bottom : bottom - climbed) - w)
        let next = layer.device.potentiated(climbed)
        #expect(next == climbed || abs((up ? next - bottom : bottom - next) - w) >= now, "synapse \(k)")
        #expect(now <= abs(w) + 1e-12, "synapse \(k)")
      }
    }
  }
  #expect(both > 100 && pairs == both && resets == 2 * both)
  // Each pulse and reset costs something: more pulses, more energy than the resets alone.
  let g = cfg.pulseGenerator
  #expect(pulses > 0 && energy > 0)
  var reset = 0.0
  for (l, layer) in copy.layers.enumerated() {
    let s = before[l], bottom = layer.device.gMin
    for k in 0..<(layer.rows * layer.columns) where s.plusConductances[k] > bottom && s.minusConductances[k] > bottom {
      reset += (s.plusConductances[k] + s.minusConductances[k]) * layer.gMax
    }
  }
  #expect(energy > g.resetEnergy(conductanceSum: reset), "\(energy)")
}

// Hybrid (and single): each kind's pair with both devices above G_min is refreshed, its
// G+ − G− kept within half a step (no c2c); a pair with a stuck device is never refreshed.
@Test(arguments: [LearningRule.hybrid, .single])
func aHybridRefreshKeepsEachKindsWeightWithinHalfAStep(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule) {
    $0.driftRefresh = true
    $0.c2c = 0
    $0.stuckOff = 0.1
  }
  let net = try HybridNetwork(configuration: cfg)
  let before = net.layerStates
  let (copy, refresh) = try net.refreshedCopy()
  let (pairs, pulses, resets, energy) = (refresh.pairs, refresh.pulses, refresh.resets, refresh.energy)
  #expect(net.layerStates == before)
  var both = 0, stuckSeen = 0
  // The energy's closed form (no c2c): a reset at its device's conductance, a climb of n
  // pulses from G_min at G_min + i·μ, i = 0…n−1.
  var pulsed = 0.0, reset = 0.0
  for (l, layer) in copy.layers.enumerated() {
    let g0 = before[l].conductances, marks = try #require(layer.stuckDevices)
    for kind in 0..<layer.kinds {
      let plus = 2 * kind, minus = plus + 1
      for x in 0..<layer.count {
        let p0 = g0[plus][x], m0 = g0[minus][x], p = layer.g[plus][x], m = layer.g[minus][x]
        let refreshable = p0 > layer.low(plus, x) && m0 > layer.low(minus, x)
        if marks[plus][x] != 0 || marks[minus][x] != 0 {
          stuckSeen += 1
          #expect(!refreshable && p == p0 && m == m0)
        }
        guard refreshable else {
          #expect(p == p0 && m == m0)
          continue
        }
        both += 1
        #expect(p == layer.low(plus, x) || m == layer.low(minus, x))
        #expect(abs((p - m) - (p0 - m0)) <= layer.step[kind] / 2 + 1e-6, "kind \(kind), cell \(x)")
        reset += Double(p0 + m0)
        let d = p == layer.low(plus, x) ? minus : plus
        let n = ((layer.g[d][x] - layer.low(d, x)) / layer.step[kind]).rounded()
        pulsed += Double(n) * Double(layer.low(d, x)) + Double(layer.step[kind]) * Double(n * (n - 1) / 2)
      }
    }
    for x in 0..<layer.count { #expect(layer.w[x] == layer.weight(x)) }
  }
  #expect(stuckSeen > 0 && both > 50 && pairs == both && resets == 2 * both, "\(both) \(pairs) \(resets)")
  #expect(pulses > 0 && copy.pulses - net.pulses == pulses)
  let g = cfg.pulseGenerator, unit = cfg.gMaxSiemens
  let expected = g.programEnergy(conductanceSum: pulsed, unit: unit) + g.resetEnergy(conductanceSum: reset, unit: unit)
  #expect(expected > 0 && abs(energy - expected) <= 1e-5 * expected, "\(energy) \(expected)")
}

// A spread of exponents strays a drifted weight by G+·(f+ − f) − G−·(f− − f): the refreshed
// copy, one device of each pair at G_min, strays less.
@Test func refreshedArraysStrayLessUnderASpreadOfDrift() throws {
  let cfg = try driftConfiguration(.lim) {
    $0.driftRefresh = true
    $0.driftNuSigma = 0.05
  }
  let net = LimNetwork(configuration: cfg)
  let copy = try net.refreshedCopy().network
  let t = 1e8, f = Float(ConductanceDrift.factor(time: t, t0: 1, nu: 0.05))
  func stray(_ n: LimNetwork) throws -> Double {
    let w = try n.effectiveWeights()
    let buffers = n.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.rows * $0.columns) }
    defer { for b in buffers { b.deallocate() } }
    try n.driftedWeights(n.driftExponents(cfg.drift), time: t, t0: 1, into: buffers, stop: { false })
    var s = 0.0
    for (l, layer) in n.layers.enumerated() {
      for k in 0..<(layer.rows * layer.columns) { s += pow(Double(buffers[l][k] - f * w[l][k]), 2) }
    }
    return s
  }
  #expect(net.driftExponents(cfg.drift) == copy.driftExponents(cfg.drift))
  let a = try stray(net), b = try stray(copy)
  #expect(b < 0.5 * a, "refreshed \(b), as trained \(a)")
}

// In a run: training and its figures are those without the refresh; the refresh's accuracy is
// the drift read's at t₀; without drift_refresh there is none.
@Test(arguments: [LearningRule.lim, .hybrid])
func aRunRefreshesACopyBeforeTheDriftReads(rule: LearningRule) throws {
  let plain = try driftConfiguration(rule) { $0.driftNuSigma = 0.02 }
  let cfg = try driftConfiguration(rule) {
    $0.driftNuSigma = 0.02
    $0.driftRefresh = true
  }
  let without = try Fixture.run(plain), with = try Fixture.run(cfg)
  #expect(without.refresh == nil)
  #expect(with.pulses == without.pulses && with.resets == without.resets)
  #expect(with.points.map(\.accuracy) == without.points.map(\.accuracy))
  let r = try #require(with.refresh)
  #expect(r.pairs > 0 && r.resets == 2 * r.pairs && r.pulses > 0, "\(r)")
  try #require(with.drift.count == 3)
  #expect(with.drift[0].accuracy == r.accuracy && with.drift[0].gains.allSatisfy { $0 == 1 })
  #expect(with.drift != without.drift)
  #expect(try Fixture.run(cfg).refresh == r)
}

@Test func driftRefreshIsABooleanKeyWrittenOnlyWhenSet() throws {
  var cfg = Fixture.configuration()
  #expect(!cfg.keyValues.contains { $0.0 == "drift_refresh" })
  try cfg.set("drift_refresh", "true")
  #expect(cfg.driftRefresh)
  #expect(cfg.keyValues.contains { $0 == ("drift_refresh", "true") })
  #expect(throws: ConfigurationError.self) { try cfg.set("drift_refresh", "yes") }
  cfg.clearDrift()
  #expect(!cfg.driftRefresh)
  var float = Fixture.configuration(rule: .float)
  float.driftRefresh = true
  #expect(float.ignoredKey?.key == "drift_refresh")
}

// Off chip with `transfer weights`, every pair is programmed with one device at G_min: the
// refresh finds nothing to do, and the drift reads are those without it. (With `transfer
// states`, the default, the on-chip rule's states are programmed, both devices high.)
@Test func offChipWeightsLeaveNothingToRefresh() throws {
  let plain = try driftConfiguration(.lim) {
    $0.mode = .offChip
    $0.transfer = .weights
    $0.driftNuSigma = 0.02
  }
  var cfg = plain
  cfg.driftRefresh = true
  let without = try Fixture.run(plain), with = try Fixture.run(cfg)
  #expect(with.refresh == DeploymentRefresh(pairs: 0, pulses: 0, resets: 0, energy: 0, accuracy: without.testAccuracy))
  #expect(with.drift == without.drift)
}
