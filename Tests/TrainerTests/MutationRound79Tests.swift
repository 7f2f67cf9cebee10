import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 79, on conductance drift (`drift_times`, `drift_nu`, `drift_nu_sigma`,
// `drift_t0`): what DriftTests left open. A spread of exponents at ν 0 drifts; each layer's
// exponents come from a stream of its own; the reference read sums every row (the bias row too)
// before the magnitudes; the drift's reads have the last evaluation's read noise; each layer's
// gain scales its own layer's reads; a stopped run reads no drift; the keys' bounds are inclusive.

// ν 0 with σ_ν > 0: the draws above 0 drift (`ConductanceDrift.drifts`), and the arrays read
// after a year have lost conductance.
@Test func aSpreadOfExponentsDriftsAtANuOfZero() throws {
  let cfg = try driftConfiguration {
    $0.driftNu = 0
    $0.driftNuSigma = 0.05
  }
  #expect(cfg.drift.drifts)
  let r = try Fixture.run(cfg)
  try #require(r.drift.count == 3)
  #expect(r.drift[0].gains.allSatisfy { $0 == 1 })
  // (A layer's gain may fall below 1: G+ and G− drift apart, and a column's sum may grow.)
  #expect(r.drift[2].gains.allSatisfy { $0 != 1 }, "\(r.drift[2])")
  #expect(r.drift[2].accuracy != r.testAccuracy || r.drift[2].compensatedAccuracy != r.testAccuracy, "\(r.drift[2])")
}

// Layer l draws from `Drift.generator(seed:layer: l)`: the second layer's exponents are not the
// first's first draws (one stream for all layers would repeat them).
@Test func eachLayerDrawsItsExponentsFromAStreamOfItsOwn() throws {
  let cfg = try driftConfiguration { $0.driftNuSigma = 0.02 }
  let net = LimNetwork(configuration: cfg)
  let e = net.driftExponents(cfg.drift)
  try #require(e.count == 2)
  #expect(e[1] != Array(e[0].prefix(e[1].count)))
  var rng = Drift.generator(seed: cfg.seed, layer: 1)
  #expect(e[1] == cfg.drift.exponents(count: e[1].count, rng: &rng))
}

// The reference read: every row driven, the bias row too, each column's sum, then Σ_j |·|.
@Test func theReferenceReadSumsEveryRowBeforeTheMagnitudes() {
  // Columns: 1 + 2 − 4 = −1 and −2 − 1 + 1 = −2: 3 (Σ|w| would be 11; without the last row 6).
  let w: [Float] = [1, -2, 2, -1, -4, 1]
  w.withUnsafeBufferPointer { p in
    #expect(Drift.referenceRead(p.baseAddress!, rows: 3, columns: 2) == 3)
  }
}

// With read noise, the drift's reads draw the noise of the run's last evaluation: at t₀ the
// accuracy is the run's, to the image (another key draws other noise, and other mistakes).
@Test(arguments: [LearningRule.lim, .hybrid])
func theDriftReadsWithTheLastEvaluationsNoise(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule) {
    $0.readNoise = 1.5
    $0.driftTimes = [1, 10]
    $0.driftNu = 0.01
  }
  let r = try Fixture.run(cfg)
  try #require(r.drift.count == 2)
  #expect(r.drift[0].accuracy == r.testAccuracy, "\(r.drift[0]) vs \(r.testAccuracy)")
  #expect(r.drift[0].compensatedAccuracy == r.testAccuracy)
}

// Each layer's gain scales its own layer's reads: the compensated accuracy is that of the
// drifted weights read with scale_l · gain_l, recomputed here from the trained network.
@Test func eachLayersGainScalesItsOwnReads() throws {
  let cfg = try driftConfiguration {
    $0.driftTimes = [1e12]
    $0.driftNu = 0.1
    $0.driftNuSigma = 0.1
  }
  let experiment = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
  var trained: LimNetwork?
  let r = experiment.run(finished: { n, _ in if case .lim(let net) = n { trained = net } })
  let net = try #require(trained)
  let p = try #require(r.drift.first)
  let sizes = cfg.layers
  let buffers = net.layers.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.rows * $0.columns) }
  defer { for b in buffers { b.deallocate() } }
  let programmed = try net.effectiveWeights()
  try net.driftedWeights(net.driftExponents(cfg.drift), time: 1e12, t0: 1, into: buffers, stop: { false })
  let gains = (0..<2).map { l in
    Drift.referenceRead(programmed[l], rows: sizes[l] + 1, columns: sizes[l + 1])
      / Drift.referenceRead(buffers[l], rows: sizes[l] + 1, columns: sizes[l + 1])
  }
  #expect(zip(gains, p.gains).allSatisfy { abs($0 - $1) <= 1e-9 * $0 }, "\(gains) vs \(p.gains)")
  let test = Fixture.dataset(Fixture.test)
  func accuracy(_ g: [Double]) -> Double {
    let e = ForwardEvaluator(
      sizes: sizes, weights: buffers.map { UnsafePointer($0) }, scales: g.map { Float(1 / cfg.gMaxSiemens) * Float($0) },
      neuron: cfg.neuron, chains: net.senseChains)
    let n = test.pixels.withUnsafeBufferPointer { px in
      test.labels.withUnsafeBufferPointer { lb in
        e.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: test.count, features: test.rows * test.cols)
      }
    }
    return 100 * Double(n) / Double(test.count)
  }
  #expect(p.accuracy == accuracy([1, 1]))
  #expect(p.compensatedAccuracy == accuracy(p.gains))
  // (The test can tell: the gains swapped between the layers read otherwise.)
  #expect(accuracy(p.gains) != accuracy(p.gains.reversed()))
  #expect(p.compensatedAccuracy != p.accuracy)
}

// A run stopped in training reads no drift: its arrays are not those of a finished run.
@Test func aRunStoppedInTrainingReadsNoDrift() throws {
  let cfg = try driftConfiguration { _ in }
  let experiment = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
  var points = 0
  let r = experiment.run(point: { _ in points += 1 }, shouldStop: { points >= 2 })
  #expect(r.interrupted)
  #expect(r.drift.isEmpty)
  #expect(r.stoppedWhere?.contains("drift") != true, "\(r.stoppedWhere ?? "nil")")
}

// The bounds are inclusive: 100 times, t = 1e12 s, t₀ = 1e9 s and 1e-9 s, ν and σ_ν 1.
@Test func theDriftKeysBoundsAreInclusive() throws {
  var cfg = Fixture.configuration()
  cfg.driftTimes = (1...100).map(Double.init)
  try cfg.validate()
  cfg.driftTimes = [1, 1e12]
  cfg.driftNu = 1
  cfg.driftNuSigma = 1
  try cfg.validate()
  cfg.driftTimes = [1e9]
  cfg.driftT0 = 1e9
  try cfg.validate()
  cfg.driftT0 = 1e-9
  try cfg.validate()
  cfg.driftT0 = 2e9
  cfg.driftTimes = [3e9]
  do {
    try cfg.validate()
    Issue.record("drift_t0 2e9 accepted")
  } catch let e as ConfigurationError {
    #expect(e.field == "drift_t0", "\(e.message)")
  }
  // Float SGD names each drift key it ignores.
  var float = Fixture.configuration(rule: .float)
  float.driftNuSigma = 0.1
  #expect(float.ignoredKey?.key == "drift_nu_sigma")
  float.driftNuSigma = 0
  float.driftT0 = 5
  #expect(float.ignoredKey?.key == "drift_t0")
}
