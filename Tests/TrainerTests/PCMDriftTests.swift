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
