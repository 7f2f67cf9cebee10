import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `program_noise` (session 83): off chip, each device of the target array lands at
// max(0, g + s·σ(g)·z) of its relative conductance g = X·G/G_max, σ(g) = (0.26348 +
// 1.9650·g − 1.1731·g²)/25, the fit of Nandakumar et al. (ICECS 2019) to phase-change
// arrays that aihwkit's PCM model uses (its µS at G_max 25 µS, relative here).

@Test func theProgrammingFitIsItsClosedForm() {
  #expect(abs(ProgrammingNoise.pcmSigma(relative: 0) - 0.26348 / 25) < 1e-15)
  #expect(abs(ProgrammingNoise.pcmSigma(relative: 1) - (0.26348 + 1.9650 - 1.1731) / 25) < 1e-15)
  #expect(abs(ProgrammingNoise.pcmSigma(relative: 0.5) - (0.26348 + 0.9825 - 1.1731 / 4) / 25) < 1e-15)
  #expect(abs(ProgrammingNoise.pcmSigma(relative: 0.5) - 0.038108) < 1e-6)
  // Its top: at g = 1.9650/(2·1.1731) ≈ 0.8375, 0.04345; below 0 it is g = 0's.
  let top = 1.9650 / (2 * 1.1731)
  #expect(abs(ProgrammingNoise.pcmSigma(relative: top) - 0.043454) < 1e-6)
  #expect(ProgrammingNoise.pcmSigma(relative: top) > ProgrammingNoise.pcmSigma(relative: top - 0.01))
  #expect(ProgrammingNoise.pcmSigma(relative: top) > ProgrammingNoise.pcmSigma(relative: top + 0.01))
  #expect(ProgrammingNoise.pcmSigma(relative: -1) == ProgrammingNoise.pcmSigma(relative: 0))
  // Far above G_max the polynomial would go negative: no noise there, never a negative σ.
  #expect(ProgrammingNoise.pcmSigma(relative: 3) == 0)
  // A device lands at g + s·σ·z, cut at 0 S and not above.
  #expect(ProgrammingNoise.programmed(relative: 0.5, scale: 2, z: 1.5) == 0.5 + 2 * ProgrammingNoise.pcmSigma(relative: 0.5) * 1.5)
  #expect(ProgrammingNoise.programmed(relative: 1, scale: 1, z: 3) > 1)
  #expect(ProgrammingNoise.programmed(relative: 0.01, scale: 1, z: -2) == 0)
  #expect(ProgrammingNoise.programmed(relative: 0.3, scale: 0, z: 5) == 0.3)
}

/// An off-chip target array of `cfg` given the states of an ideal twin (seed 7), with the
/// devices' conductances as that transfer left them.
func transferredFromTwin(_ cfg: TrainingConfiguration) -> (
  target: LimNetwork, twin: LimNetwork, before: [[(plus: Double, minus: Double)]]
) {
  let target = LimNetwork(configuration: cfg)
  var twin = cfg.idealHardware
  twin.seed = 7
  let source = LimNetwork(configuration: twin)
  target.program(statesOf: source)
  let before = target.layers.map { layer in (0..<(layer.rows * layer.columns)).map { layer.conductances($0) } }
  return (target, source, before)
}

/// A small off-chip network, σ 0.5, with devices stuck open and shorted.
func stuckOffChipConfiguration(stuckOff: Double, stuckOn: Double) -> TrainingConfiguration {
  var cfg = TrainingConfiguration()
  cfg.layers = [40, 12, 6]
  cfg.mode = .offChip
  cfg.sigma = 0.5
  cfg.stuckOff = stuckOff
  cfg.stuckOn = stuckOn
  return cfg
}

/// A target array (σ 0.5, some devices stuck open or shorted) given an ideal twin's states,
/// and the noise on top.
private func programmedTarget(scale: Double) throws -> (target: LimNetwork, cfg: TrainingConfiguration) {
  var cfg = stuckOffChipConfiguration(stuckOff: 0.05, stuckOn: 0.03)
  cfg.initialFraction = 1
  cfg.programNoise = scale
  try cfg.validate()
  return (transferredFromTwin(cfg).target, cfg)
}

// Device by device: the noise of the stream of (seed, key, layer), one draw per device in
// `Drift`'s order (G+ then G−), on g = X·G/G_max; a stuck device keeps its conductance.
@Test func eachDeviceLandsAtTheFitsDrawOnItsConductance() throws {
  let (target, cfg) = try programmedTarget(scale: 0.7)
  let onConductances = target.layers.allSatisfy { $0.conductanceStates }
  #expect(onConductances)
  let before = target.layers.map { layer in (0..<(layer.rows * layer.columns)).map { layer.conductances($0) } }
  target.addProgrammingNoise(scale: 0.7, key: 123)
  var moved = 0, stuck = 0
  for (l, layer) in target.layers.enumerated() {
    var rng = SeededGenerator(seed: cfg.seed ^ (123 &* 0x9E37_79B9_7F4A_7C15), stream: LimNetwork.programNoiseStream | UInt64(l))
    let mn = layer.rows * layer.columns
    for polarity in 0..<2 {
      for k in 0..<mn {
        let z = rng.nextGaussian()
        let was = polarity == 0 ? before[l][k].plus : before[l][k].minus
        let now = polarity == 0 ? layer.conductances(k).plus : layer.conductances(k).minus
        let x = polarity == 0 ? layer.xp[k] : layer.xm[k]
        if x == 0 {
          #expect(now == was)
          stuck += 1
          continue
        }
        let expected = ProgrammingNoise.programmed(relative: was / cfg.gMaxSiemens, scale: 0.7, z: z) * cfg.gMaxSiemens
        #expect(abs(now - expected) <= 1e-12 * cfg.gMaxSiemens, "layer \(l) device \(polarity * mn + k): \(now) vs \(expected)")
        if now != was { moved += 1 }
      }
    }
    // The reads follow the devices: the array's conductances and its weight cache.
    for k in 0..<mn {
      let g = layer.conductances(k)
      #expect(layer.array._plus[k] == g.plus && layer.array._minus[k] == g.minus)
      #expect(abs(Double(layer.array._weight[k]) - (g.plus - g.minus)) <= 1e-6 * cfg.gMaxSiemens)
    }
  }
  #expect(stuck > 0 && moved > 0)
  // Another programming (another key) draws anew; the same key draws the same.
  let (a, _) = try programmedTarget(scale: 0.7), (b, _) = try programmedTarget(scale: 0.7)
  a.addProgrammingNoise(scale: 0.7, key: 123)
  b.addProgrammingNoise(scale: 0.7, key: 124)
  #expect(a.layers[0].conductances(5) == target.layers[0].conductances(5))
  #expect((0..<40).contains { a.layers[0].conductances($0) != b.layers[0].conductances($0) })
}

// The draws' statistics: where the cut at 0 cannot act (g ≥ 0.3, 7σ above 0) the residuals
// over σ(g) are standard normal; a device at 0 S stays there half the time.
@Test func programmedConductancesScatterAsTheFitSays() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [300, 60]
  cfg.mode = .offChip
  cfg.initialFraction = 1
  cfg.programNoise = 1
  try cfg.validate()
  let target = LimNetwork(configuration: cfg)
  var twin = cfg.idealHardware
  twin.seed = 3
  target.program(statesOf: LimNetwork(configuration: twin))
  let layer = target.layers[0], mn = layer.rows * layer.columns
  let before = (0..<mn).flatMap { k in [layer.conductances(k).plus, layer.conductances(k).minus] }
  target.addProgrammingNoise(scale: 1, key: 0)
  let after = (0..<mn).flatMap { k in [layer.conductances(k).plus, layer.conductances(k).minus] }
  var residuals: [Double] = [], atZero = 0, zeroStayed = 0
  for (g0, g1) in zip(before, after) {
    let g = g0 / cfg.gMaxSiemens, landed = g1 / cfg.gMaxSiemens
    if g >= 0.3 { residuals.append((landed - g) / ProgrammingNoise.pcmSigma(relative: g)) }
    if g == 0 {
      atZero += 1
      if landed == 0 { zeroStayed += 1 }
    }
  }
  let n = Double(residuals.count)
  let mean = residuals.reduce(0, +) / n
  let sd = (residuals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
  // About 25,000 residuals: the mean within 4/√n ≈ 0.025, the sd within 0.03.
  #expect(n > 20_000)
  #expect(abs(mean) < 4 / n.squareRoot(), "\(mean)")
  #expect(abs(sd - 1) < 0.03, "\(sd)")
  // About 560 devices at state 0 (G_min = 0): half stay, half land up (±4σ of a binomial).
  #expect(atZero > 300)
  #expect(abs(Double(zeroStayed) / Double(atZero) - 0.5) < 4 * (0.25 / Double(atZero)).squareRoot(), "\(zeroStayed) of \(atZero)")
}

// End to end (the fixture, off chip): a vanishing scale reads as exact programming (the
// target on conductances reads as on integer states); the fit's noise moves the run, the
// same seed draws the same, and the arrays the drift reads at t₀ are the last point's.
@Test(arguments: [OffChipTransfer.states, .weights])
func offChipRunsLandWithTheirProgrammingNoise(_ transfer: OffChipTransfer) throws {
  var exact = Fixture.configuration(method: .b)
  exact.mode = .offChip
  exact.transfer = transfer
  exact.sigma = 0.3
  let base = try Fixture.run(exact)
  var vanishing = exact
  vanishing.programNoise = 1e-12
  #expect(try Fixture.run(vanishing).points.map(\.accuracy) == base.points.map(\.accuracy))
  var noisy = exact
  noisy.programNoise = 3
  noisy.driftTimes = [1, 3600]
  noisy.driftNu = 0.05
  let a = try Fixture.run(noisy), b = try Fixture.run(noisy)
  #expect(a.points.map(\.accuracy) == b.points.map(\.accuracy))
  #expect(a.points.map(\.accuracy) != base.points.map(\.accuracy))
  try #require(a.drift.count == 2)
  #expect(a.drift[0].accuracy == a.testAccuracy)
}

@Test func programNoiseIsRuleLimsOffChipKeyAndIsChecked() throws {
  var cfg = Fixture.configuration()
  cfg.programNoise = 1
  try cfg.validate()
  #expect(cfg.ignoredKeys.contains { $0.key == "program_noise" && $0.usedBy.contains("off-chip") })
  cfg.mode = .offChip
  #expect(!cfg.ignoredKeys.contains { $0.key == "program_noise" })
  #expect(cfg.limConductanceStates)
  #expect(cfg.keyValues.contains { $0 == ("program_noise", "1") })
  // The ideal twin programs nothing.
  #expect(cfg.idealHardware.programNoise == 0 && !cfg.idealHardware.limConductanceStates)
  for rule in [LearningRule.hybrid, .single, .float] {
    var other = Fixture.configuration(rule: rule)
    other.programNoise = 0.5
    #expect(other.ignoredKeys.contains { $0.key == "program_noise" }, "\(rule)")
  }
  var plain = Fixture.configuration()
  plain.mode = .offChip
  #expect(!plain.keyValues.contains { $0.0 == "program_noise" })
  #expect(!plain.limConductanceStates)
  for bad in ["-0.1", "10.5", "nan", "inf"] {
    var c = Fixture.configuration()
    c.mode = .offChip
    do {
      try c.set("program_noise", bad)
      try c.validate()
      Issue.record("program_noise \(bad) accepted")
    } catch let e as ConfigurationError {
      #expect(e.field == "program_noise", "\(bad): \(e.field) \(e.message)")
    }
  }
}

// `program_verify devices` (session 83): write-verify puts each device at its state's
// conductance on the nominal curve, G, as near as its own range X·[G(0), G(n_max)] allows;
// stuck devices keep theirs. Without variation it changes nothing.
@Test func writeVerifyLandsEachDeviceOnItsNominalConductanceWithinItsRange() throws {
  let (_, cfg) = try programmedTarget(scale: 0)
  var verified = cfg
  verified.programVerify = .devices
  try verified.validate()
  #expect(verified.limConductanceStates && !cfg.limConductanceStates)
  let (net, source, before) = transferredFromTwin(verified)
  net.verifyProgrammedConductances(.devices)
  var exact = 0, bounded = 0, stuck = 0
  for (l, layer) in net.layers.enumerated() {
    let top = layer.table[layer.nMax] * cfg.gMaxSiemens, bottom = layer.table[0] * cfg.gMaxSiemens
    for k in 0..<(layer.rows * layer.columns) {
      for polarity in 0..<2 {
        let x = Double(polarity == 0 ? layer.xp[k] : layer.xm[k])
        let was = polarity == 0 ? before[l][k].plus : before[l][k].minus
        let now = polarity == 0 ? layer.conductances(k).plus : layer.conductances(k).minus
        // The twin's device, on the nominal curve (X = 1 there).
        let nominal = polarity == 0 ? source.layers[l].conductances(k).plus : source.layers[l].conductances(k).minus
        if x == 0 {
          #expect(now == was)
          stuck += 1
        } else if nominal <= x * top && nominal >= x * bottom {
          #expect(abs(now - nominal) <= 1e-12 * cfg.gMaxSiemens, "layer \(l) synapse \(k): \(now) vs \(nominal)")
          exact += 1
        } else {
          #expect(abs(now - min(max(nominal, x * bottom), x * top)) <= 1e-12 * cfg.gMaxSiemens)
          bounded += 1
        }
      }
    }
  }
  #expect(exact > 0 && bounded > 0 && stuck > 0, "\(exact) \(bounded) \(stuck)")
}

// `program_verify weights`: each pair to its nominal weight W = G+ − G−, the device of W's
// sign at |W| above its partner's reset level X_o·G(0), the partner reset; each within its
// range, a stuck device keeping its conductance.
@Test func weightVerifyPutsEachPairsWeightOnOneDevice() throws {
  var cfg = try programmedTarget(scale: 0).cfg
  cfg.gMinRatio = 0.1
  cfg.programVerify = .weights
  try cfg.validate()
  let (net, source, before) = transferredFromTwin(cfg)
  net.verifyProgrammedConductances(.weights)
  var exact = 0, bounded = 0
  for (l, layer) in net.layers.enumerated() {
    let low = layer.table[0], high = layer.table[layer.nMax], top = cfg.gMaxSiemens
    for k in 0..<(layer.rows * layer.columns) {
      let n = source.layers[l].conductances(k), w = n.plus - n.minus
      let xp = Double(layer.xp[k]), xm = Double(layer.xm[k])
      // The partner's reset level, and the device of W's sign above it by |W|; beside a
      // stuck partner, W against what it reads (0 open, G(n_max) shorted; session 85).
      let shortedP = layer.hasShorted ? Double(layer.onp[k]) * high * top : 0
      let shortedM = layer.hasShorted ? Double(layer.onm[k]) * high * top : 0
      let (tp, tm) =
        xp == 0 && xm > 0 ? (0, shortedP - w)
        : xm == 0 && xp > 0 ? (shortedM + w, 0)
        : w >= 0 ? (w + xm * low * top, xm * low * top) : (xp * low * top, -w + xp * low * top)
      let now = layer.conductances(k)
      for (x, t, g, was) in [(xp, tp, now.plus, before[l][k].plus), (xm, tm, now.minus, before[l][k].minus)] {
        if x == 0 {
          #expect(g == was)
        } else {
          let landed = min(max(t, x * low * top), x * high * top)
          #expect(abs(g - landed) <= 1e-12 * top, "layer \(l) synapse \(k): \(g) vs \(landed)")
        }
      }
      if xp > 0 && xm > 0 {
        if abs((now.plus - now.minus) - w) <= 1e-12 * top { exact += 1 } else { bounded += 1 }
      }
    }
  }
  // Most pairs read their weight exactly (the twin's states are uniform over the range, so
  // |W| is often large); some lack the range.
  #expect(exact > bounded && bounded > 0, "\(exact) \(bounded)")
}

// Beside a shorted partner (session 85), weights' and mid's free device goes to W against the
// partner's G(n_max): the pair reads W wherever the free device's range reaches it (it had been
// set as if its partner had reset, the pair then off by G(n_max)).
@Test(arguments: [ProgramVerify.weights, .mid])
func weightVerifySetsTheFreeDeviceAgainstAShortedPartner(_ how: ProgramVerify) throws {
  var cfg = try programmedTarget(scale: 0).cfg
  cfg.programVerify = how
  try cfg.validate()
  let (net, source, _) = transferredFromTwin(cfg)
  net.verifyProgrammedConductances(how)
  var reached = 0, short = 0
  for (l, layer) in net.layers.enumerated() {
    #expect(layer.hasShorted)
    let high = layer.table[layer.nMax], low = layer.table[0], top = cfg.gMaxSiemens
    for k in 0..<(layer.rows * layer.columns) {
      let plusShorted = layer.xp[k] == 0 && layer.onp[k] == 1, minusShorted = layer.xm[k] == 0 && layer.onm[k] == 1
      guard plusShorted != minusShorted, (plusShorted ? layer.xm[k] : layer.xp[k]) > 0 else { continue }
      let n = source.layers[l].conductances(k), w = (n.plus - n.minus) / top
      let now = layer.conductances(k), read = (now.plus - now.minus) / top
      let x = Double(plusShorted ? layer.xm[k] : layer.xp[k])
      // The free device's target, and where its range holds it.
      let target = plusShorted ? high - w : high + w
      let landed = min(max(target, x * low), x * high)
      #expect(abs(read - (plusShorted ? high - landed : landed - high)) <= 1e-12, "layer \(l) synapse \(k)")
      if abs(landed - target) <= 1e-12 { reached += 1; #expect(abs(read - w) <= 1e-12) } else { short += 1 }
    }
  }
  #expect(reached > 0, "\(reached) \(short)")
}

// `program_verify mid` (session 85): each pair to its weight W about the curve's middle c =
// (G(0) + G(n_max))/2, T− = c − W/2 held to the targets both ranges allow and T+ = T− + W;
// where none allows W, or a device is stuck, as `weights`. Its pairs sit nearer the middle
// than `weights`' (at the foot), with the same weights wherever both reach them.
@Test func midVerifyKeepsEachPairsWeightAboutTheCurvesMiddle() throws {
  var cfg = try programmedTarget(scale: 0).cfg
  cfg.gMinRatio = 0.1
  cfg.programVerify = .mid
  try cfg.validate()
  let (net, source, before) = transferredFromTwin(cfg)
  net.verifyProgrammedConductances(.mid)
  let (foot, _, _) = transferredFromTwin(cfg)
  foot.verifyProgrammedConductances(.weights)
  var centred = 0, fellBack = 0, nearer = 0
  for (l, layer) in net.layers.enumerated() {
    let low = layer.table[0], high = layer.table[layer.nMax], top = cfg.gMaxSiemens, c = (low + high) / 2
    for k in 0..<(layer.rows * layer.columns) {
      let n = source.layers[l].conductances(k), w = (n.plus - n.minus) / top
      let xp = Double(layer.xp[k]), xm = Double(layer.xm[k])
      let now = layer.conductances(k), other = foot.layers[l].conductances(k)
      let lowest = max(xm * low, xp * low - w), highest = min(xm * high, xp * high - w)
      if xp > 0 && xm > 0 && lowest <= highest {
        let tm = min(max(c - w / 2, lowest), highest)
        #expect(abs(now.minus / top - tm) <= 1e-12 && abs(now.plus / top - (tm + w)) <= 1e-12, "layer \(l) synapse \(k)")
        centred += 1
        if abs((now.plus + now.minus) / 2 / top - c) < abs((other.plus + other.minus) / 2 / top - c) - 1e-9 { nearer += 1 }
        // The same weight as weights' placement reads, where that reaches it.
        if abs((other.plus - other.minus) / top - w) <= 1e-12 { #expect(abs((now.plus - now.minus) - (other.plus - other.minus)) <= 1e-12 * top) }
      } else {
        // As weights: the same conductances (a stuck device keeps its own).
        #expect(abs(now.plus - other.plus) <= 1e-12 * top && abs(now.minus - other.minus) <= 1e-12 * top, "layer \(l) synapse \(k)")
        if xp == 0 { #expect(now.plus == before[l][k].plus) }
        if xm == 0 { #expect(now.minus == before[l][k].minus) }
        fellBack += 1
      }
    }
  }
  #expect(centred > fellBack && fellBack > 0 && nearer > centred / 2, "\(centred) \(fellBack) \(nearer)")
}

// End to end: without variation device write-verify reads as the pulse-count transfer; with
// σ = 1 the pulse-count array loses what the verified ones keep.
@Test func writeVerifyUndoesTheDeviceToDeviceScales() throws {
  var plain = Fixture.configuration(method: .b)
  plain.mode = .offChip
  let exact = try Fixture.run(plain)
  var devices = plain, weights = plain, mid = plain
  devices.programVerify = .devices
  weights.programVerify = .weights
  mid.programVerify = .mid
  #expect(try Fixture.run(devices).points.map(\.accuracy) == exact.points.map(\.accuracy))
  plain.sigma = 1
  devices.sigma = 1
  weights.sigma = 1
  mid.sigma = 1
  let open = try Fixture.run(plain), closed = try Fixture.run(devices), paired = try Fixture.run(weights)
  for r in [closed, paired, try Fixture.run(mid)] {
    #expect(r.testAccuracy > open.testAccuracy + 5, "\(r.testAccuracy) vs \(open.testAccuracy)")
    #expect(r.testAccuracy > exact.testAccuracy - 10, "\(r.testAccuracy) vs \(exact.testAccuracy)")
  }
}

@Test func programVerifyIsRuleLimsOffChipKeyAndIsChecked() throws {
  var cfg = Fixture.configuration()
  try cfg.set("program_verify", "weights")
  #expect(cfg.ignoredKeys.contains { $0.key == "program_verify" && $0.usedBy.contains("off-chip") })
  cfg.mode = .offChip
  #expect(!cfg.ignoredKeys.contains { $0.key == "program_verify" })
  #expect(cfg.keyValues.contains { $0 == ("program_verify", "weights") })
  #expect(cfg.limConductanceStates)
  #expect(cfg.idealHardware.programVerify == .none)
  try cfg.set("program_verify", "none")
  #expect(!cfg.keyValues.contains { $0.0 == "program_verify" })
  #expect(!cfg.limConductanceStates)
  for bad in ["yes", "true", ""] {
    #expect(throws: ConfigurationError.self) { try cfg.set("program_verify", bad) }
  }
}
