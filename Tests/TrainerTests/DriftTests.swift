import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Conductance drift after training (`drift_times`, `drift_nu`, `drift_nu_sigma`, `drift_t0`):
// G(t) = G·(t/t₀)^(−ν_d). The closed forms: the factor at t₀ is 1 and (t/t₀)^(−ν) elsewhere;
// with one ν for every device (σ 0) the drifted weights are f·W, the global compensation's
// gain is 1/f, and the compensated accuracy is the undrifted one; at t₀ the accuracy is the
// run's last evaluation's, to the image. Training is untouched by the drift keys.

@Test func theDriftFactorIsThePowerLawAndOneAtT0() {
  #expect(ConductanceDrift.factor(time: 1, t0: 1, nu: 0.3) == 1)
  #expect(ConductanceDrift.factor(time: 5e6, t0: 20, nu: 0) == 1)
  #expect(abs(ConductanceDrift.factor(time: 100, t0: 1, nu: 0.1) - 0.630_957_344_480_193) < 1e-14)
  #expect(abs(ConductanceDrift.factor(time: 86_400, t0: 20, nu: 0.05) - pow(4320.0, -0.05)) < 1e-15)
  // Later is lower, a larger ν lower still.
  #expect(ConductanceDrift.factor(time: 1e4, t0: 1, nu: 0.05) < ConductanceDrift.factor(time: 1e3, t0: 1, nu: 0.05))
  #expect(ConductanceDrift.factor(time: 1e4, t0: 1, nu: 0.1) < ConductanceDrift.factor(time: 1e4, t0: 1, nu: 0.05))
}

@Test func driftExponentsAreSeededGaussiansCutAtZero() {
  var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
  let d = ConductanceDrift(nu: 0.05, nuSigma: 0.02)
  let e = d.exponents(count: 20_000, rng: &a)
  #expect(e == d.exponents(count: 20_000, rng: &b))
  let mean = e.reduce(0) { $0 + Double($1) } / Double(e.count)
  let sd = (e.reduce(0) { $0 + pow(Double($1) - mean, 2) } / Double(e.count)).squareRoot()
  // 2.5σ of 20,000 draws is 0.00035 for the mean (the cut at 0 is at 2.5σ below: 0.6 %).
  #expect(abs(mean - 0.05) < 0.0006, "\(mean)")
  #expect(abs(sd - 0.02) < 0.001, "\(sd)")
  // ν 0 with a spread: about half the devices do not drift, none grows.
  var c = SeededGenerator(seed: 4)
  let z = ConductanceDrift(nu: 0, nuSigma: 0.1).exponents(count: 10_000, rng: &c)
  #expect(z.allSatisfy { $0 >= 0 })
  let still = z.filter { $0 == 0 }.count
  #expect(still > 4_700 && still < 5_300, "\(still)")
  // σ 0: every device ν, nothing drawn.
  var g = SeededGenerator(seed: 5), h = SeededGenerator(seed: 5)
  #expect(ConductanceDrift(nu: 0.07).exponents(count: 5, rng: &g) == [Float](repeating: 0.07, count: 5))
  #expect(g.next() == h.next())
}

/// The fixture's network with three drift times at ν 0.05 (and `edit`'s changes), validated;
/// rule lim trains two epochs, the coincidence rules three (MutationRound79Tests too).
func driftConfiguration(_ rule: LearningRule = .lim, _ edit: (inout TrainingConfiguration) -> Void = { _ in }) throws -> TrainingConfiguration {
  var cfg = Fixture.configuration(rule: rule, epochs: rule == .lim ? 2 : 3)
  cfg.driftTimes = [1, 3600, 31_536_000]
  cfg.driftNu = 0.05
  edit(&cfg)
  try cfg.validate()
  return cfg
}

private let driftRules: [LearningRule] = [.lim, .hybrid, .single]

// One ν for every device: the drifted weights are f·W, device by device (rule lim: f·(G+ − G−)
// from the devices' conductances; hybrid: f·Σ(g+ − g−)).
@Test(arguments: driftRules)
func aUniformDriftScalesEveryWeight(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule)
  let t = 86_400.0, f = ConductanceDrift.factor(time: t, t0: 1, nu: 0.05)
  if rule == .lim {
    let net = LimNetwork(configuration: cfg)
    let buffers = net.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.rows * $0.columns) }
    defer { for b in buffers { b.deallocate() } }
    try net.driftedWeights(net.driftExponents(cfg.drift), time: t, t0: 1, into: buffers, stop: { false })
    for (l, layer) in net.layers.enumerated() {
      for k in 0..<(layer.rows * layer.columns) {
        let g = layer.conductances(k)
        #expect(abs(Double(buffers[l][k]) - f * (g.plus - g.minus)) <= 1e-6 * f * cfg.gMaxSiemens)
      }
    }
  } else {
    let net = try HybridNetwork(configuration: cfg)
    let buffers = net.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
    defer { for b in buffers { b.deallocate() } }
    try net.driftedWeights(net.driftExponents(cfg.drift), time: t, t0: 1, into: buffers, stop: { false })
    for (l, layer) in net.layers.enumerated() {
      for x in 0..<layer.count {
        #expect(abs(Double(buffers[l][x]) - f * Double(layer.w[x])) <= 1e-6)
      }
    }
  }
}

// The run's figures with and without drift keys are the same: the drift is read after it.
// At t₀ the accuracy is the last evaluation's; with one ν the gains are 1/f and the
// compensated accuracy is the undrifted one.
@Test(arguments: driftRules)
func driftIsReadAfterTrainingAndCompensatedExactlyWhenUniform(rule: LearningRule) throws {
  var plain = try driftConfiguration(rule)
  plain.driftTimes = []
  plain.driftNu = 0
  let without = try Fixture.run(plain)
  let cfg = try driftConfiguration(rule)
  let with = try Fixture.run(cfg)
  #expect(with.pulses == without.pulses && with.resets == without.resets)
  #expect(with.points.map(\.accuracy) == without.points.map(\.accuracy))
  #expect(without.drift.isEmpty)
  try #require(with.drift.count == 3)
  #expect(with.drift.map(\.seconds) == [1, 3600, 31_536_000])
  #expect(with.drift[0].accuracy == with.testAccuracy && with.drift[0].compensatedAccuracy == with.testAccuracy)
  #expect(with.drift[0].gains.allSatisfy { $0 == 1 })
  for p in with.drift.dropFirst() {
    let f = ConductanceDrift.factor(time: p.seconds, t0: 1, nu: 0.05)
    for g in p.gains { #expect(abs(g * f - 1) < 1e-5, "\(p.seconds): gain \(g), 1/f \(1 / f)") }
    #expect(p.compensatedAccuracy == with.testAccuracy, "\(p)")
  }
}

// With a spread of exponents the weights no longer scale together: compensation recovers
// part of the loss, not all. Same seed, same drift; another seed, other exponents.
@Test func aSpreadOfExponentsIsSeededAndNotUndoneByOneGain() throws {
  let cfg = try driftConfiguration(.lim) { $0.driftNuSigma = 0.05 }
  let a = try Fixture.run(cfg), b = try Fixture.run(cfg)
  #expect(a.drift == b.drift)
  let net = LimNetwork(configuration: cfg)
  var other = cfg
  other.seed = 2
  let e1 = net.driftExponents(cfg.drift), e2 = LimNetwork(configuration: other).driftExponents(other.drift)
  #expect(e1[0] != e2[0])
  let year = try #require(a.drift.last)
  #expect(year.gains.allSatisfy { $0 > 1 })
  #expect(year.compensatedAccuracy >= year.accuracy, "\(year)")
}

// Stuck devices do not drift: their exponents are 0, the others' draws are those of the run
// without stuck devices.
@Test func stuckDevicesDoNotDrift() throws {
  let lim = try driftConfiguration(.lim) {
    $0.driftNuSigma = 0.02
    $0.stuckOn = 0.2
  }
  let net = LimNetwork(configuration: lim)
  var free = lim
  free.stuckOn = 0
  let e = net.driftExponents(lim.drift), e0 = LimNetwork(configuration: free).driftExponents(free.drift)
  var stuck = 0
  for (l, layer) in net.layers.enumerated() {
    let mn = layer.rows * layer.columns
    for k in 0..<mn {
      for (d, on) in [(k, layer.onp[k]), (mn + k, layer.onm[k])] {
        if on != 0 {
          stuck += 1
          #expect(e[l][d] == 0)
        } else {
          #expect(e[l][d] == e0[l][d])
        }
      }
    }
  }
  #expect(stuck > 0)
  let hybrid = try driftConfiguration(.hybrid) { $0.stuckOff = 0.2 }
  let h = try HybridNetwork(configuration: hybrid)
  let he = h.driftExponents(hybrid.drift)
  var hs = 0
  for (l, layer) in h.layers.enumerated() {
    let marks = try #require(layer.stuckDevices)
    for d in marks.indices {
      for x in 0..<layer.count {
        let nu = he[l][d * layer.count + x]
        if marks[d][x] != 0 { hs += 1; #expect(nu == 0) } else { #expect(nu == Float(0.05)) }
      }
    }
  }
  #expect(hs > 0)
}

// Through resistive lines the drifted weights are a copy's transfer matrix: at r → 0 they are
// the ideal drifted weights, and the network's own arrays are untouched.
@Test(arguments: [LearningRule.lim, .hybrid])
func resistiveDriftTendsToTheIdealOne(rule: LearningRule) throws {
  func weights(_ wires: WireKind) throws -> [[Float]] {
    let cfg = try driftConfiguration(rule) {
      $0.driftNuSigma = 0.03
      if wires == .resistive {
        $0.wires = .resistive
        $0.rowSegmentResistance = 1e-6
        $0.columnSegmentResistance = 1e-6
      }
    }
    let t = 3600.0
    if rule == .lim {
      let net = LimNetwork(configuration: cfg)
      let before = try net.effectiveWeights().enumerated().map { l, p in Array(UnsafeBufferPointer(start: p, count: net.layers[l].rows * net.layers[l].columns)) }
      let buffers = net.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.rows * $0.columns) }
      defer { for b in buffers { b.deallocate() } }
      try net.driftedWeights(net.driftExponents(cfg.drift), time: t, t0: 1, into: buffers, stop: { false })
      let after = try net.effectiveWeights().enumerated().map { l, p in Array(UnsafeBufferPointer(start: p, count: net.layers[l].rows * net.layers[l].columns)) }
      #expect(before == after)
      return net.layers.enumerated().map { l, layer in Array(UnsafeBufferPointer(start: buffers[l], count: layer.rows * layer.columns)) }
    }
    let net = try HybridNetwork(configuration: cfg)
    let buffers = net.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
    defer { for b in buffers { b.deallocate() } }
    try net.driftedWeights(net.driftExponents(cfg.drift), time: t, t0: 1, into: buffers, stop: { false })
    return net.layers.enumerated().map { l, layer in Array(UnsafeBufferPointer(start: buffers[l], count: layer.count)) }
  }
  let ideal = try weights(.ideal), lines = try weights(.resistive)
  var largest: Float = 0, worst: Float = 0
  for l in ideal.indices {
    for k in ideal[l].indices {
      largest = max(largest, abs(ideal[l][k]))
      worst = max(worst, abs(ideal[l][k] - lines[l][k]))
    }
  }
  #expect(largest > 0 && worst <= 1e-4 * largest, "worst \(worst) of \(largest)")
}

// Off chip, the programmed arrays drift: at t₀ their accuracy is the run's.
@Test func offChipArraysDriftToo() throws {
  let cfg = try driftConfiguration(.lim) { $0.mode = .offChip }
  let r = try Fixture.run(cfg)
  try #require(r.drift.count == 3)
  #expect(r.drift[0].accuracy == r.testAccuracy)
  #expect(r.drift[1].gains.allSatisfy { abs($0 * pow(3600, -0.05) - 1) < 1e-5 }, "\(r.drift[1].gains)")
}

@Test func badDriftKeysAreRefusedNamingTheKey() throws {
  for (key, value, needle) in [
    ("drift_nu", "-0.1", "must be in [0, 1]"), ("drift_nu", "2", "must be in [0, 1]"),
    ("drift_nu_sigma", "1.5", "must be in [0, 1]"), ("drift_t0", "0", "must be in [1e-09, 1000000000] s"),
    ("drift_times", "0.5", "each time must be in [drift_t0, 1e12] s"), ("drift_times", "1e13", "each time must be in [drift_t0, 1e12] s"),
    ("drift_times", "3600,1", "the times must ascend, each after the one before, got 3600 then 1"),
    ("drift_times", "1,60,60", "the times must ascend, each after the one before, got 60 then 60"),
  ] {
    var cfg = Fixture.configuration()
    try cfg.set(key, value)
    #expect(throws: ConfigurationError.self) { try cfg.validate() }
    do { try cfg.validate() } catch let e as ConfigurationError {
      #expect(e.field == key && e.message.contains(needle), "\(key) \(value): \(e.message)")
    }
  }
  var cfg = Fixture.configuration()
  #expect(throws: ConfigurationError.self) { try cfg.set("drift_times", "1,,3") }
  #expect(throws: ConfigurationError.self) { try cfg.set("drift_times", "0x10") }
  try cfg.set("drift_times", " 10, 20 ")
  #expect(cfg.driftTimes == [10, 20])
  try cfg.set("drift_times", "")
  #expect(cfg.driftTimes.isEmpty)
  cfg.driftTimes = (1...101).map(Double.init)
  #expect(throws: ConfigurationError.self) { try cfg.validate() }
  // Float SGD has no devices to drift.
  var float = Fixture.configuration(rule: .float)
  float.driftTimes = [10]
  #expect(float.ignoredKey?.key == "drift_times")
  float.driftTimes = []
  float.driftNu = 0.1
  #expect(float.ignoredKey?.key == "drift_nu")
}

// The keys are written only away from their defaults, and read back as they were written.
@Test func driftKeysRoundTripThroughTheirText() throws {
  var cfg = Fixture.configuration()
  #expect(!cfg.keyValues.contains { $0.0.hasPrefix("drift") })
  cfg.driftTimes = [1, 3600, 86_400]
  cfg.driftNu = 0.05
  cfg.driftNuSigma = 0.01
  cfg.driftT0 = 0.5
  let written = Dictionary(uniqueKeysWithValues: cfg.keyValues.filter { $0.0.hasPrefix("drift") })
  #expect(written == ["drift_times": "1,3600,86400", "drift_nu": "0.05", "drift_nu_sigma": "0.01", "drift_t0": "0.5"])
  var back = Fixture.configuration()
  for (k, v) in written { try back.set(k, v) }
  #expect(back.drift == cfg.drift && back.driftTimes == cfg.driftTimes)
}
