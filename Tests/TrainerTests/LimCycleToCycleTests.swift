import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Rule lim with cycle-to-cycle variation (`sigma_c2c`): each identical
// pulse moves its device by its nominal step there times 1 + σ·z, within
// the device's range, so the devices are held as conductances and every
// update runs synapse by synapse (methods a and b's loops pulse by pulse).

private let images = SyntheticImages(count: 40, rows: 4, cols: 4, classes: 4, seed: 13)

private func network(_ edit: (inout TrainingConfiguration) throws -> Void) throws -> LimNetwork {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 5
  // A short range: the saturations (methods a and b's sequences, Figure
  // 2D's resets, method c's depressions) come often.
  cfg.nMax = 8
  try edit(&cfg)
  try cfg.validate()
  return LimNetwork(configuration: cfg)
}

private func train(_ net: LimNetwork, samples: Int) {
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<samples {
      _ = net.train(px.baseAddress! + (s % images.count) * 16, label: Int(images.labels[s % images.count]))
    }
  }
  net.applyBatch()
}

/// One layer of one input and two outputs (synapse 0 is the one used),
/// with `edit`'s configuration.
private func singleSynapse(seed: UInt64, _ edit: (inout TrainingConfiguration) -> Void) throws -> LimLayer {
  var cfg = TrainingConfiguration()
  cfg.layers = [1, 2]
  edit(&cfg)
  try cfg.validate()
  var rng = SeededGenerator(seed: seed)
  return LimLayer(inputs: 1, outputs: 2, configuration: cfg, rng: &rng)
}

/// Writes `lines` to a new CSV file and returns its path.
private func csvFile(_ lines: [String]) throws -> String {
  let url = try Scratch.directory("xbarsim-c2c").appendingPathComponent("device.csv")
  try lines.joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
  return url.path
}

struct C2CCase: Sendable, CustomTestStringConvertible {
  var method: UpdateMethod
  var sigma: Double
  var measured: Bool
  var batch: Int
  var testDescription: String { "method \(method.rawValue), σ \(sigma)\(measured ? ", measured" : "")\(batch > 1 ? ", batch \(batch)" : "")" }
}

// With a vanishing σ_c2c every pulse is the curve's step (next + (next −
// g)·σz is next exactly), so the per-synapse conductance path must issue
// the integer kernel's pulses and resets and reach its conductances: the
// looked-up kernel (no d2d), the scaled one (σ 0.3), a measured curve, and
// mini-batches.
@Test(arguments: [
  C2CCase(method: .a, sigma: 0, measured: false, batch: 1), C2CCase(method: .b, sigma: 0, measured: false, batch: 1),
  C2CCase(method: .a, sigma: 0.3, measured: false, batch: 1), C2CCase(method: .b, sigma: 0.3, measured: false, batch: 1),
  C2CCase(method: .a, sigma: 0, measured: true, batch: 1), C2CCase(method: .b, sigma: 0.2, measured: true, batch: 1),
  C2CCase(method: .b, sigma: 0, measured: false, batch: 3),
])
func aVanishingVariationGivesTheIntegerKernelsPulses(_ c: C2CCase) throws {
  let path = c.measured ? try csvFile(["p,1e-6", "p,2.5e-6", "p,4e-6", "p,5e-6", "p,6.5e-6", "p,7e-6", "p,8e-6"]) : ""
  func make(_ s: Double) throws -> LimNetwork {
    try network {
      $0.method = c.method
      $0.sigma = c.sigma
      $0.batch = c.batch
      if c.measured {
        $0.nMax = 6
        try $0.set("device_csv", path)
      }
      $0.sigmaC2C = s
    }
  }
  let plain = try make(0), varied = try make(1e-30)
  #expect(!plain.layers[0].conductanceStates && varied.layers[0].conductanceStates)
  train(plain, samples: 120)
  train(varied, samples: 120)
  var resets = 0, repotentiations = 0
  for (a, b) in zip(plain.layers, varied.layers) {
    #expect(a.pulses == b.pulses && a.resets == b.resets && a.repotentiations == b.repotentiations, "\(a.pulses) \(b.pulses), \(a.resets) \(b.resets)")
    resets += a.resets
    repotentiations += a.repotentiations
    for k in 0..<(a.rows * a.columns) {
      let x = a.conductances(k), y = b.conductances(k)
      #expect(abs(x.plus - y.plus) <= 1e-12 * a.gMax && abs(x.minus - y.minus) <= 1e-12 * a.gMax, "synapse \(k)")
    }
    expectCachesMatchStates(b, "varied", loadTolerance: 1e-5)
  }
  // The sequences at G_max ran, and the energy account agrees.
  #expect(resets >= 20 && repotentiations >= 20, "\(resets) resets, \(repotentiations) re-potentiations")
  let ea = plain.ledger(), eb = varied.ledger()
  // (The scaled kernel books a refill's reset at the single-precision
  // table's G: 1e-6.)
  #expect(abs(ea.program - eb.program) <= 1e-9 * ea.program && abs(ea.reset - eb.reset) <= 1e-6 * ea.reset, "\(ea.program) \(eb.program), \(ea.reset) \(eb.reset)")
}

// The same limit at a steep β_p (a fuzz, session 67; traced in session
// 68): at β_p 20 the first pulse takes a device within 1e-6 of G_max and
// the other states crowd below it, 2 values of 9 in single precision. The
// integer kernel's weight cache is X·G of each device rounded to single
// precision, then their difference: 0 between most of those states. The
// conductance path had rounded the double difference once (~1e-14 S), the
// hidden δ's signs through those weights differed, and the first sample's
// pulses with them (`--layers 784,16,10 --train-limit 200 --seed 444
// --method a --beta-p 20`: 81,033 pulses at σ_c2c 0, 155,105 at 1e-30).
// Its cache now rounds as the kernel's: the same pulses, bit for bit.
@Test(arguments: [
  C2CCase(method: .a, sigma: 0, measured: false, batch: 1), C2CCase(method: .b, sigma: 0, measured: false, batch: 1),
  C2CCase(method: .a, sigma: 0.3, measured: false, batch: 1),
])
func aVanishingVariationGivesTheIntegerKernelsPulsesAtASteepBeta(_ c: C2CCase) throws {
  func make(_ s: Double) throws -> LimNetwork {
    try network {
      $0.method = c.method
      $0.sigma = c.sigma
      $0.betaP = 20
      $0.sigmaC2C = s
    }
  }
  let plain = try make(0), varied = try make(1e-30)
  // The single-precision table has fewer values than states.
  let layer = plain.layers[0]
  #expect(Set(layer.table.map { Float($0 * layer.gMax) }).count < layer.nMax + 1)
  train(plain, samples: 120)
  train(varied, samples: 120)
  var resets = 0
  for (a, b) in zip(plain.layers, varied.layers) {
    #expect(a.pulses == b.pulses && a.resets == b.resets && a.repotentiations == b.repotentiations, "\(a.pulses) \(b.pulses), \(a.resets) \(b.resets)")
    resets += a.resets
    let wa = a.array.weights, wb = b.array.weights
    for k in 0..<(a.rows * a.columns) {
      let x = a.conductances(k), y = b.conductances(k)
      #expect(x.plus == y.plus && x.minus == y.minus, "synapse \(k)")
      #expect(wa[k].bitPattern == wb[k].bitPattern, "weight cache of synapse \(k): \(wa[k]) against \(wb[k])")
    }
  }
  #expect(resets >= 20, "\(resets) resets")
}

// A pulse's step is the device's nominal step times 1 + σz: over many
// pulses from the same conductance its mean is the nominal step and its
// spread σ of it (a mid-range conductance, where the range does not clip).
@Test(arguments: [UpdateMethod.a, .c])
func aVariedPulseHasTheNominalStepOnAverageAndTheStatedSpread(method: UpdateMethod) throws {
  let layer = try singleSynapse(seed: 1) {
    $0.method = method
    $0.sigmaC2C = 0.3
  }
  let g0 = layer.table[30], nominal = layer.table[31] - g0
  var sum = 0.0, squares = 0.0
  let n = 20_000
  for _ in 0..<n {
    layer.setConductanceStates(0, gp: g0, gm: layer.table[0])
    layer.update(0, up: true)
    let r = (layer.gp[0] - g0) / nominal
    sum += r
    squares += r * r
  }
  let mean = sum / Double(n), sd = (squares / Double(n) - mean * mean).squareRoot()
  #expect(abs(mean - 1) <= 5 * 0.3 / Double(n).squareRoot(), "mean \(mean)")
  #expect(abs(sd - 0.3) <= 0.015, "sd \(sd)")
  // Method c's depression varies alike.
  if method == .c {
    let g1 = layer.table[40], down = g1 - layer.device.depressed(g1)
    sum = 0
    for _ in 0..<n {
      layer.setConductanceStates(0, gp: layer.device.gMax, gm: g1)
      layer.update(0, up: true)
      sum += (g1 - layer.gm[0]) / down
    }
    #expect(abs(sum / Double(n) - 1) <= 5 * 0.3 / Double(n).squareRoot(), "depression mean \(sum / Double(n))")
  }
}

// Methods a and b at G_max under variation: the pseudocode's loops run
// pulse by pulse and stop where their conditions flip; every pulse is
// counted.
@Test func theSequencesAtTheMaximumStopWhereThePseudocodeSays() throws {
  for method in [UpdateMethod.a, .b] {
    let layer = try singleSynapse(seed: 2) {
      $0.method = method
      $0.sigmaC2C = 0.5
    }
    let d = layer.device
    var seen = Set<Int>()
    for old in stride(from: 3, to: 60, by: 3) {
      let gm = layer.table[old]
      layer.setConductanceStates(0, gp: d.gMax, gm: gm)
      layer.repotentiations = 0
      let w = d.gMax - gm
      layer.update(0, up: true)
      let p = layer.gp[0], m = layer.gm[0]
      #expect(layer.pulses == layer.repotentiations, "method \(method.rawValue), from \(old)")
      seen.insert(layer.pulses)
      if method == .a {
        // G+ re-potentiated from G_min with G− at G_min, until W is reached.
        #expect(layer.resets == 2 && m == d.gMin && (p - m >= w || p == d.gMax), "a from \(old): \(p) \(m)")
      } else {
        // G− re-potentiated until its next nominal step would bring W below
        // the old one; G+ untouched.
        #expect(layer.resets == 1 && p == d.gMax, "b from \(old)")
        #expect(m == d.gMax || p - d.potentiated(m) <= w, "b from \(old): \(m)")
        #expect(layer.pulses == 0 || m > d.gMin, "b from \(old)")
      }
    }
    // The counts vary from one sequence to the next (the steps vary).
    #expect(seen.count >= 5, "method \(method.rawValue): \(seen.sorted())")
  }
}

@Test func theSameSeedGivesTheSameVariedRunAndAnotherSeedAnother() throws {
  func run(_ seed: UInt64) throws -> [Double] {
    let net = try network {
      $0.method = .b
      $0.sigmaC2C = 0.4
      $0.seed = seed
    }
    train(net, samples: 60)
    return net.layers.flatMap { l in (0..<(l.rows * l.columns)).map { l.weight($0) } }
  }
  #expect(try run(5) == run(5))
  #expect(try run(5) != run(6))
  // The variation changes the run, and only the pulses: the initial
  // states are those of σ_c2c = 0.
  let a = try network { $0.sigmaC2C = 0.4 }, b = try network { $0.sigmaC2C = 0 }
  for (x, y) in zip(a.layers, b.layers) {
    #expect((0..<(x.rows * x.columns)).allSatisfy { x.weight($0) == y.weight($0) })
  }
}

// The half-selected cells booked in training equal inspect's schedule of
// the same updates under variation too (the per-synapse path reports every
// synapse to the booking as method c's does).
@Test(arguments: [UpdateMethod.a, .b, .c])
func theBookedHalfSelectedEnergyFollowsTheInspectedScheduleUnderVariation(method: UpdateMethod) throws {
  let net = try network {
    $0.method = method
    $0.sigmaC2C = 0.3
    $0.halfSelect = .book
  }
  let serial = try compareWithInspection(net).serial
  #expect(serial >= 10, "\(serial) serial events")
}

@Test func aVariedRunOfTheFixtureLearns() throws {
  var cfg = Fixture.configuration(method: .b, epochs: 2)
  cfg.sigmaC2C = 0.5
  try cfg.validate()
  let result = try Fixture.run(cfg)
  // Chance is 10 %.
  #expect(result.testAccuracy > 60, "\(result.points.map(\.accuracy)) %")
}

@Test func sigmaC2CIsRuleLimsOnChipKeyWrittenOnlyWhenSet() throws {
  var cfg = TrainingConfiguration()
  #expect(!cfg.keyValues.contains { $0.0 == "sigma_c2c" })
  try cfg.set("sigma_c2c", "0.25")
  #expect(cfg.sigmaC2C == 0.25 && cfg.keyValues.contains { $0 == ("sigma_c2c", "0.25") })
  #expect(cfg.ignoredKeys.isEmpty)
  cfg.mode = .offChip
  #expect(cfg.ignoredKeys.map(\.key) == ["sigma_c2c"])
  cfg.mode = .onChip
  cfg.rule = .hybrid
  #expect(cfg.ignoredKeys.map(\.key).contains("sigma_c2c"))
  // b_margin: method b's, written only when set.
  var b = TrainingConfiguration()
  try b.set("b_margin", "0.5")
  #expect(b.keyValues.contains { $0 == ("b_margin", "0.5") } && b.ignoredKeys.isEmpty && b.limConductanceStates)
  b.method = .a
  #expect(b.ignoredKeys.map(\.key) == ["b_margin"])
  b.method = .b
  b.bMargin = 1
  #expect(throws: ConfigurationError.self) { try b.validate() }
  for bad in [-0.1, 10.5] {
    var c = TrainingConfiguration()
    c.sigmaC2C = bad
    #expect(throws: ConfigurationError.self) { try c.validate() }
  }
}

// Method b's loop ends on an exact tie: from G− at state s it stops at
// s − 1 because G− + ΔG there is the old G− itself, and W rises by that
// step. Any variation breaks the tie either way, so with the paper's loop
// (b_margin 0) half the raises at G_max add a step and half add next to
// nothing; a margin of half a step (0.5) keeps the full step.
@Test func methodBsRaiseAtTheMaximumHingesOnATieThatAMarginKeeps() throws {
  for margin in [0.0, 0.5] {
    let layer = try singleSynapse(seed: 3) {
      $0.method = .b
      $0.sigmaC2C = 0.001
      $0.bMargin = margin
    }
    let t = layer.table, top = t[t.count - 1]
    var ratios: [Double] = []
    for _ in 0..<20 {
      for s in 4..<60 {
        layer.setConductanceStates(0, gp: top, gm: t[s])
        layer.update(0, up: true)
        ratios.append((t[s] - layer.gm[0]) / (t[s] - t[s - 1]))
      }
    }
    let mean = ratios.reduce(0, +) / Double(ratios.count)
    let full = ratios.filter { abs($0 - 1) < 0.05 }.count, none = ratios.filter { abs($0) < 0.05 }.count
    if margin == 0 {
      #expect(mean > 0.4 && mean < 0.6 && full > ratios.count / 3 && none > ratios.count / 3, "mean \(mean), \(full) full, \(none) none")
    } else {
      #expect(full == ratios.count, "mean \(mean), \(full) of \(ratios.count) full")
    }
  }
}

// Without variation a margin m differs from the paper's loop only where a
// step of the curve is at most m times the one below it (from state s the
// loop then stops at s − 2): at n_max 16 Lim's curve (β 2, G_min 0) has
// no such step, so the runs are those of the integer kernel; at n_max 8
// its second step is 0.497 of its first.
@Test func aHalfStepMarginWithoutVariationIsThePapersLoopOnLimsCurve() throws {
  let plain = try network {
    $0.method = .b
    $0.nMax = 16
  }
  let margin = try network {
    $0.method = .b
    $0.nMax = 16
    $0.bMargin = 0.5
  }
  #expect(margin.layers[0].conductanceStates)
  train(plain, samples: 120)
  train(margin, samples: 120)
  for (a, b) in zip(plain.layers, margin.layers) {
    #expect(a.pulses == b.pulses && a.resets == b.resets && a.repotentiations == b.repotentiations)
    for k in 0..<(a.rows * a.columns) {
      #expect(abs(a.weight(k) - b.weight(k)) <= 1e-12, "synapse \(k)")
    }
  }
  #expect(plain.layers.map(\.repotentiations).reduce(0, +) >= 20)
}

@Test func aMarginStopsLowerWhereTheCurvesStepMoreThanHalves() throws {
  let layer = try singleSynapse(seed: 3) {
    $0.method = .b
    $0.nMax = 8
    $0.bMargin = 0.5
  }
  let t = layer.table
  #expect((t[2] - t[1]) / (t[1] - t[0]) < 0.5)
  for (s, expected) in [(2, 0), (3, 2), (5, 4), (8, 7)] {
    layer.setConductanceStates(0, gp: t[8], gm: t[s])
    layer.update(0, up: true)
    #expect(layer.gm[0] == t[expected] && layer.pulses == expected && layer.resets == 1, "from \(s)")
  }
}

// A device researcher's walkthrough (session 43): near a bound the noise
// scaled the step left to it, not eq. (1)'s, so a device 1 % of a step
// below G_max moved by 1 % of a step times 1 + σz, below G_max half the
// time, and approached it by ever smaller pulses (65.5 pulses from G_min
// on average at n_max 64, up to 76). Eq. (1)'s step times 1 + σz reaches
// it unless z < −9.9 (the quantiles end at ±3.67).
@Test(arguments: [UpdateMethod.a, .b, .c])
func aVariedPulseNearTheMaximumScalesEquationOnesStep(method: UpdateMethod) throws {
  let layer = try singleSynapse(seed: 3) {
    $0.method = method
    $0.sigmaC2C = 0.1
  }
  let top = layer.device.gMax, last = top - layer.table[63]
  let g0 = top - 0.01 * last
  for _ in 0..<1_000 {
    layer.setConductanceStates(0, gp: g0, gm: layer.table[0])
    layer.update(0, up: true)
    #expect(layer.gp[0] == top, "\(layer.gp[0])")
  }
  // Method c's depression near G_min alike: eq. (2)'s step there.
  if method == .c {
    let bottom = layer.device.gMin, first = layer.table[1] - bottom
    let g1 = bottom + 0.01 * first
    for _ in 0..<1_000 {
      layer.setConductanceStates(0, gp: top, gm: g1)
      layer.update(0, up: true)
      #expect(layer.gm[0] == bottom, "\(layer.gm[0])")
    }
  }
}

// A library user's walkthrough (session 43): weights beyond the range
// (1e20, ±∞) were programmed as 0, every distance rounding alike; they
// saturate at G_max now, and NaN is 0, as documented.
@Test func programmedWeightsBeyondTheRangeSaturate() {
  var cfg = TrainingConfiguration()
  cfg.layers = [2, 2]
  let net = LimNetwork(configuration: cfg)
  net.program(weights: [[0.5, 5, 1e20, .infinity, .nan, -1e20]])
  let w = net.weights(layer: 0)
  #expect(w[1] == 1 && w[2] == 1 && w[3] == 1 && w[4] == 0 && w[5] == -1, "\(w)")
}

// Method c on a measured curve whose depression branch ends above G_min: a
// nominal depression stops at the branch's end, and so must a varied one
// as σ_c2c vanishes. The step before the bounds goes on past the end, and
// devices had gone half a step below it (a walkthrough, session 46:
// `--device-csv` with `d` from 1e-5 down to 5e-6, σ_c2c 1e-30 against 0).
@Test func aVariedDepressionStopsAtTheEndOfAMeasuredBranch() throws {
  let path = try csvFile(
    ["p,1e-6", "p,2.5e-6", "p,4e-6", "p,5e-6", "p,6.5e-6", "p,7e-6", "p,8e-6", "d,8e-6", "d,7e-6", "d,6e-6", "d,5e-6"])
  func make(_ s: Double) throws -> LimNetwork {
    try network {
      $0.method = .c
      $0.nMax = 6
      try $0.set("device_csv", path)
      $0.sigmaC2C = s
    }
  }
  let plain = try make(0), varied = try make(1e-30)
  train(plain, samples: 120)
  train(varied, samples: 120)
  var depressions = 0
  for (a, b) in zip(plain.layers, varied.layers) {
    #expect(a.pulses == b.pulses && a.resets == b.resets && a.depressions == b.depressions, "\(a.pulses) \(b.pulses), \(a.depressions) \(b.depressions)")
    depressions += a.depressions
    for k in 0..<(a.rows * a.columns) {
      let x = a.conductances(k), y = b.conductances(k)
      #expect(abs(x.plus - y.plus) <= 1e-12 * a.gMax && abs(x.minus - y.minus) <= 1e-12 * a.gMax, "synapse \(k)")
    }
  }
  #expect(depressions >= 20, "\(depressions) depressions")
}
