import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `drift_nu_model pcm` (session 82): each device's drift exponent drawn from a mean and a σ
// that follow its programmed conductance, the fit of Nandakumar et al. (ICECS 2019) to
// measured phase-change arrays: μ(g) = −0.0155·ln g + 0.0244 in [0.049, 0.1] and
// σ(g) = −0.0125·ln g − 0.0059 in [0.008, 0.045], g = G/G_max.

@Test func thePCMFitsMomentsAreItsClosedForms() {
  func near(_ a: (mean: Double, sigma: Double), _ b: (Double, Double)) -> Bool {
    abs(a.mean - b.0) < 1e-12 && abs(a.sigma - b.1) < 1e-12
  }
  // At G_max both are at their floors; at 0 S (taken as 1e-7) at their ceilings.
  #expect(near(ConductanceDrift.pcmMoments(relative: 1), (0.049, 0.008)))
  #expect(near(ConductanceDrift.pcmMoments(relative: 0), (0.1, 0.045)))
  #expect(near(ConductanceDrift.pcmMoments(relative: 1e-9), (0.1, 0.045)))
  // Between, the logarithms: g = 0.05.
  let l = log(0.05)
  #expect(near(ConductanceDrift.pcmMoments(relative: 0.05), (-0.0155 * l + 0.0244, -0.0125 * l - 0.0059)))
  #expect(abs(ConductanceDrift.pcmMoments(relative: 0.05).mean - 0.070834) < 1e-6)
  // The mean leaves its floor below g = e^(−0.0246/0.0155) ≈ 0.2045; σ below ≈ 0.329.
  #expect(ConductanceDrift.pcmMoments(relative: 0.21).mean == 0.049)
  #expect(ConductanceDrift.pcmMoments(relative: 0.2).mean > 0.049)
  #expect(ConductanceDrift.pcmMoments(relative: 0.33).sigma == 0.008)
  #expect(ConductanceDrift.pcmMoments(relative: 0.32).sigma > 0.008)
  // Lower conductance, faster drift: never decreasing as g falls.
  var last = ConductanceDrift.pcmMoments(relative: 2)
  for k in 1...400 {
    let m = ConductanceDrift.pcmMoments(relative: pow(10, -Double(k) / 50))
    #expect(m.mean >= last.mean && m.sigma >= last.sigma)
    last = m
  }
}

@Test func pcmExponentsAreSeededDrawsOfTheFitAtEachDevicesConductance() {
  let pcm = ConductanceDrift(nu: 0, t0: 1, model: .pcm)
  #expect(pcm.drifts)
  var a = SeededGenerator(seed: 7), b = SeededGenerator(seed: 7)
  let e = pcm.exponents(count: 20_000, relative: { _ in 0.05 }, rng: &a)
  #expect(e == pcm.exponents(count: 20_000, relative: { _ in 0.05 }, rng: &b))
  let mean = e.reduce(0) { $0 + Double($1) } / Double(e.count)
  let sd = (e.reduce(0) { $0 + pow(Double($1) - mean, 2) } / Double(e.count)).squareRoot()
  // μ 0.0708, σ 0.0316 (the cut at 0 is 2.2σ below: 1.3 % of the draws, lifting the mean by
  // about 0.0002); 20,000 draws put the mean within 0.0006 at 2.7σ.
  #expect(abs(mean - 0.0710) < 0.0008, "\(mean)")
  #expect(abs(sd - 0.0310) < 0.0015, "\(sd)")
  #expect(e.allSatisfy { $0 >= 0 })
  // One Gaussian per device, in order: device i is the fit at its g with the i-th draw.
  var c = SeededGenerator(seed: 9), d = SeededGenerator(seed: 9)
  let gs = (0..<64).map { pow(10, -Double($0) / 16) }
  let f = pcm.exponents(count: 64, relative: { gs[$0] }, rng: &c)
  for i in 0..<64 {
    let m = ConductanceDrift.pcmMoments(relative: gs[i])
    #expect(f[i] == Float(max(0, m.mean + m.sigma * d.nextGaussian())))
  }
  // The constant law reads no conductance.
  var g = SeededGenerator(seed: 5), h = SeededGenerator(seed: 5)
  let constant = ConductanceDrift(nu: 0.05, nuSigma: 0.02)
  #expect(constant.exponents(count: 50, relative: { _ in Issue.record("read"); return 1 }, rng: &g) == constant.exponents(count: 50, rng: &h))
}

/// Each rule's exponents are the fit at its devices' conductances, in `Drift`'s order: rule
/// lim G+ then G− (G/G_max in siemens), the hybrid G+, G−, g+, g− (the small devices against
/// their own maximum, g·k); a stuck device's is 0.
@Test(arguments: [LearningRule.lim, .hybrid])
func eachNetworksPCMExponentsFollowItsDevices(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule) {
    $0.driftNu = 0
    $0.driftNuModel = .pcm
    $0.stuckOff = 0.05
  }
  if rule == .lim {
    let net = LimNetwork(configuration: cfg)
    let exponents = net.driftExponents(cfg.drift)
    var lowFaster = 0
    for (l, layer) in net.layers.enumerated() {
      var rng = Drift.generator(seed: cfg.seed, layer: l)
      let mn = layer.rows * layer.columns
      for i in 0..<(2 * mn) {
        let g = layer.conductances(i % mn)
        let relative = (i < mn ? g.plus : g.minus) / cfg.gMaxSiemens
        let m = ConductanceDrift.pcmMoments(relative: relative)
        // (A device stuck open reads 0 S: the fit's ceiling, drawn as any other.)
        #expect(exponents[l][i] == Float(max(0, m.mean + m.sigma * rng.nextGaussian())), "layer \(l) device \(i)")
        if relative > 0 && relative < 0.2 { lowFaster += 1 }
      }
    }
    #expect(lowFaster > 0, "no device below 0.2 G_max: the test reads only the floor")
  } else {
    let net = try HybridNetwork(configuration: cfg)
    let exponents = net.driftExponents(cfg.drift)
    for (l, layer) in net.layers.enumerated() {
      var rng = Drift.generator(seed: cfg.seed, layer: l)
      let n = layer.count
      for i in 0..<(layer.g.count * n) {
        let d = i / n, x = i % n
        let relative = Double(layer.g[d][x]) * (d / 2 == 0 ? 1 : cfg.k)
        let m = ConductanceDrift.pcmMoments(relative: relative)
        let z = rng.nextGaussian()
        if let marks = layer.stuckDevices, marks[d][x] != 0 {
          #expect(exponents[l][i] == 0)
          continue
        }
        #expect(exponents[l][i] == Float(max(0, m.mean + m.sigma * z)), "layer \(l) device \(i)")
      }
    }
  }
}

@Test func pcmDriftTakesNoMeanOrSpreadOfItsOwn() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("drift_times", "1,3600")
  try cfg.set("drift_nu_model", "pcm")
  #expect(cfg.ignoredKeys.isEmpty, "\(cfg.ignoredKeys)")
  try cfg.set("drift_nu", "0.05")
  try cfg.set("drift_nu_sigma", "0.01")
  #expect(Set(cfg.ignoredKeys.map(\.key)) == ["drift_nu", "drift_nu_sigma"], "\(cfg.ignoredKeys)")
  #expect(throws: ConfigurationError.self) { try cfg.set("drift_nu_model", "rram") }
  var float = TrainingConfiguration()
  float.rule = .float
  try float.set("drift_nu_model", "pcm")
  #expect(float.ignoredKeys.map(\.key).contains("drift_nu_model"))
  // Written only away from its default.
  #expect(!TrainingConfiguration().keyValues.contains { $0.0 == "drift_nu_model" })
  #expect(cfg.keyValues.contains { $0 == ("drift_nu_model", "pcm") })
  var cleared = cfg
  cleared.clearDrift()
  #expect(cleared.driftNuModel == .constant)
}

/// A run with pcm drift: the same seed gives the same drift, read after training (the run's
/// own figures are those without it), and at t₀ the run's last accuracy.
@Test(arguments: [LearningRule.lim, .hybrid])
func aPCMDriftRunIsSeededAndLowersEveryRead(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule) {
    $0.driftNu = 0
    $0.driftNuModel = .pcm
  }
  let a = try Fixture.run(cfg), b = try Fixture.run(cfg)
  #expect(a.drift == b.drift)
  try #require(a.drift.count == 3)
  #expect(a.drift[0].accuracy == a.testAccuracy && a.drift[0].gains.allSatisfy { $0 == 1 })
  var plain = cfg
  plain.driftTimes = []
  let without = try Fixture.run(plain)
  #expect(without.points.map(\.accuracy) == a.points.map(\.accuracy) && without.pulses == a.pulses)
  // Every device drifts (μ ≥ 0.049): the reads after t₀ are not the programmed arrays'.
  for p in a.drift.dropFirst() { #expect(p.gains.allSatisfy { $0 != 1 }, "\(p)") }
}

// `drift_read_noise pcm` (session 82): each device's accumulated 1/f read noise at t, relative
// to its drifted conductance, σ(g, t) = min(0.0088/max(g^0.65, 1e-3), 0.2)·√ln((t + t_r)/(2·t_r)).

@Test func thePCMReadNoiseIsItsClosedForm() {
  let t = 315_360_000.0, r = 1e-8
  let root = log((t + r) / (2 * r)).squareRoot()
  #expect(abs(ConductanceDrift.pcmReadNoise(relative: 1, time: t, readTime: r) - 0.0088 * root) < 1e-12)
  #expect(abs(ConductanceDrift.pcmReadNoise(relative: 0.1, time: t, readTime: r) - 0.0088 / pow(0.1, 0.65) * root) < 1e-12)
  // Low conductances: q at its cap 0.2 (0.0088/g^0.65 passes it below g ≈ 0.0086).
  #expect(abs(ConductanceDrift.pcmReadNoise(relative: 0, time: t, readTime: r) - 0.2 * root) < 1e-12)
  #expect(abs(ConductanceDrift.pcmReadNoise(relative: 0.005, time: t, readTime: r) - 0.2 * root) < 1e-12)
  // It grows with time, as the logarithm's root; none until t passes t_r.
  #expect(ConductanceDrift.pcmReadNoise(relative: 0.5, time: 1e6, readTime: r) > ConductanceDrift.pcmReadNoise(relative: 0.5, time: 1e3, readTime: r))
  #expect(ConductanceDrift.pcmReadNoise(relative: 0.5, time: 1e-8, readTime: r) == 0)
}

@Test func theReadNoiseMultipliersAreKeyedByTheTimeAndSeeded() {
  let g = [Double](repeating: 1, count: 20_000)
  let a = Drift.noiseMultipliers(seed: 1, layer: 0, time: 86_400, readTime: 1e-8, relatives: g)
  #expect(a == Drift.noiseMultipliers(seed: 1, layer: 0, time: 86_400, readTime: 1e-8, relatives: g))
  #expect(a != Drift.noiseMultipliers(seed: 1, layer: 0, time: 86_401, readTime: 1e-8, relatives: g))
  #expect(a != Drift.noiseMultipliers(seed: 1, layer: 1, time: 86_400, readTime: 1e-8, relatives: g))
  #expect(a != Drift.noiseMultipliers(seed: 2, layer: 0, time: 86_400, readTime: 1e-8, relatives: g))
  let sigma = ConductanceDrift.pcmReadNoise(relative: 1, time: 86_400, readTime: 1e-8)
  let mean = a.reduce(0) { $0 + Double($1) } / Double(a.count)
  let sd = (a.reduce(0) { $0 + pow(Double($1) - mean, 2) } / Double(a.count)).squareRoot()
  // σ ≈ 0.0497: 20,000 draws put the mean within 0.0009 of 1 at 2.6σ.
  #expect(abs(mean - 1) < 0.0009, "\(mean)")
  #expect(abs(sd / sigma - 1) < 0.03, "\(sd) against \(sigma)")
  #expect(Drift.noiseMultipliers(seed: 1, layer: 0, time: 1e5, readTime: 1e-8, relatives: [0, 0, 0]).allSatisfy { $0 >= 0 })
}

/// Rule lim, ideal wires: each drifted weight is G+·f+·m+ − G−·f−·m−, the multipliers those
/// of the device's G/G_max; the hybrid's, Σ over kinds the same.
@Test(arguments: [LearningRule.lim, .hybrid])
func theNoisyDriftedWeightsAreTheDevicesTimesTheirMultipliers(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule) { $0.driftReadNoise = .pcm }
  let t = 31_536_000.0
  if rule == .lim {
    let net = LimNetwork(configuration: cfg)
    let relatives = net.driftRelatives()
    let noise = relatives.indices.map { Drift.noiseMultipliers(seed: cfg.seed, layer: $0, time: t, readTime: cfg.readTime, relatives: relatives[$0]) }
    let exponents = net.driftExponents(cfg.drift)
    let buffers = net.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.rows * $0.columns) }
    defer { for b in buffers { b.deallocate() } }
    try net.driftedWeights(exponents, time: t, t0: 1, noise: noise, into: buffers, stop: { false })
    var moved = 0
    for (l, layer) in net.layers.enumerated() {
      let mn = layer.rows * layer.columns
      for k in 0..<mn {
        let g = layer.conductances(k)
        #expect(relatives[l][k] == g.plus / cfg.gMaxSiemens && relatives[l][mn + k] == g.minus / cfg.gMaxSiemens)
        let f = { (i: Int) in ConductanceDrift.factor(time: t, t0: 1, nu: Double(exponents[l][i])) * Double(noise[l][i]) }
        let want = g.plus * f(k) - g.minus * f(mn + k)
        #expect(abs(Double(buffers[l][k]) - want) <= 1e-6 * cfg.gMaxSiemens)
        if noise[l][k] != 1 && g.plus > 0 { moved += 1 }
      }
    }
    #expect(moved > 0)
  } else {
    let net = try HybridNetwork(configuration: cfg)
    let relatives = net.driftRelatives()
    let noise = relatives.indices.map { Drift.noiseMultipliers(seed: cfg.seed, layer: $0, time: t, readTime: cfg.readTime, relatives: relatives[$0]) }
    let exponents = net.driftExponents(cfg.drift)
    let buffers = net.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
    defer { for b in buffers { b.deallocate() } }
    try net.driftedWeights(exponents, time: t, t0: 1, noise: noise, into: buffers, stop: { false })
    for (l, layer) in net.layers.enumerated() {
      let n = layer.count
      for x in 0..<n {
        var want: Float = 0
        for d in 0..<layer.g.count {
          let f = Float(ConductanceDrift.factor(time: t, t0: 1, nu: Double(exponents[l][d * n + x]))) * noise[l][d * n + x]
          want += (d % 2 == 0 ? 1 : -1) * layer.g[d][x] * f
        }
        #expect(abs(buffers[l][x] - want) <= 1e-5, "layer \(l) cell \(x)")
      }
    }
  }
}

/// Noise alone (ν 0): at t₀ the run's accuracy; later the reads move, seeded; the key is
/// written only when set, refused by float SGD, and cleared with the drift.
@Test func readNoiseAloneMovesTheReadsAfterT0() throws {
  let cfg = try driftConfiguration(.lim) {
    $0.driftNu = 0
    $0.driftReadNoise = .pcm
  }
  let a = try Fixture.run(cfg), b = try Fixture.run(cfg)
  #expect(a.drift == b.drift)
  try #require(a.drift.count == 3)
  #expect(a.drift[0].accuracy == a.testAccuracy && a.drift[0].gains.allSatisfy { $0 == 1 })
  for p in a.drift.dropFirst() { #expect(p.gains.allSatisfy { $0 != 1 && abs($0 - 1) < 0.2 }, "\(p)") }
  #expect(cfg.keyValues.contains { $0 == ("drift_read_noise", "pcm") })
  #expect(!TrainingConfiguration().keyValues.contains { $0.0 == "drift_read_noise" })
  var float = TrainingConfiguration()
  float.rule = .float
  try float.set("drift_read_noise", "pcm")
  #expect(float.ignoredKeys.map(\.key).contains("drift_read_noise"))
  var cleared = cfg
  cleared.clearDrift()
  #expect(cleared.driftReadNoise == .none)
}

// `drift_compensation column` (session 82): one gain per output column, Σ_i |w_ij| at t₀ over
// the same at t (each row read alone), applied to the column before the ADC.

@Test func theColumnReferenceSumsEachColumnsMagnitudes() {
  let w: [Float] = [1, -2, 0.5, -3, 4, 0]
  let r = w.withUnsafeBufferPointer { Drift.columnReferenceReads($0.baseAddress!, rows: 2, columns: 3) }
  #expect(r == [4, 6, 0.5])
}

/// With one ν for every device, every column's gain is 1/f, so per-column compensation gives
/// back the undrifted accuracy, as the global gain does; with a spread the two differ, and the
/// reported gains are the arrays' mean column gains.
@Test(arguments: [LearningRule.lim, .hybrid])
func perColumnCompensationUndoesAUniformDrift(rule: LearningRule) throws {
  let uniform = try driftConfiguration(rule) { $0.driftCompensation = .column }
  let r = try Fixture.run(uniform)
  try #require(r.drift.count == 3)
  #expect(r.drift[0].gains.allSatisfy { $0 == 1 } && r.drift[0].compensatedAccuracy == r.testAccuracy)
  for p in r.drift.dropFirst() {
    let f = ConductanceDrift.factor(time: p.seconds, t0: 1, nu: 0.05)
    for g in p.gains { #expect(abs(g * f - 1) < 1e-5, "\(p.seconds): gain \(g), 1/f \(1 / f)") }
    #expect(p.compensatedAccuracy == r.testAccuracy, "\(p)")
  }
  let spreadGlobal = try Fixture.run(try driftConfiguration(rule) { $0.driftNuSigma = 0.05 })
  let spreadColumn = try Fixture.run(try driftConfiguration(rule) {
    $0.driftNuSigma = 0.05
    $0.driftCompensation = .column
  })
  // The same drifted arrays: the uncompensated reads agree, the gains do not.
  #expect(spreadGlobal.drift.map(\.accuracy) == spreadColumn.drift.map(\.accuracy))
  #expect(spreadGlobal.drift.last?.gains != spreadColumn.drift.last?.gains)
  #expect(uniform.keyValues.contains { $0 == ("drift_compensation", "column") })
  #expect(!TrainingConfiguration().keyValues.contains { $0.0 == "drift_compensation" })
}
