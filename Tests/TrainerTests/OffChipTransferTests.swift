import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Off-chip learning (Lim et al. 2018, §3.2, Figure 14): the weights are
// "calculated assuming there is no variation between the devices" and then
// transferred to an array with variation σ. With `transfer states` the
// calculation is the sign rule itself on ideal devices, and every device of
// the target array is programmed to its ideal twin's state, landing at
// X·G(state) with its own scale X.

@Test(arguments: [UpdateMethod.b, .c])
func transferredStatesLandAtTheirScaledConductances(_ method: UpdateMethod) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [12, 6, 4]
  cfg.method = method
  cfg.sigma = 0.5
  cfg.initialFraction = 1
  try cfg.validate()
  let target = LimNetwork(configuration: cfg)
  var other = cfg.idealHardware
  other.seed = 7
  let source = LimNetwork(configuration: other)
  let before = target.layerStates
  target.program(statesOf: source)
  for (l, (t, s)) in zip(target.layers, source.layers).enumerated() {
    var differs = false
    for k in 0..<(t.rows * t.columns) {
      let (sp, sm) = s.conductances(k)  // X = 1 in the ideal source
      let (tp, tm) = t.conductances(k)
      #expect(isApproximatelyEqual(tp, Double(t.xp[k]) * sp, relativeTolerance: 1e-12, floor: 1e-18))
      #expect(isApproximatelyEqual(tm, Double(t.xm[k]) * sm, relativeTolerance: 1e-12, floor: 1e-18))
      // The array's own conductances (what the reads see) follow.
      #expect(isApproximatelyEqual(t.array._plus[k], tp, relativeTolerance: 1e-12, floor: 1e-18))
      #expect(isApproximatelyEqual(t.array._minus[k], tm, relativeTolerance: 1e-12, floor: 1e-18))
      if t.kp[k] != before[l].plusStates[k] || t.gp[k] != before[l].plusConductances[k] { differs = true }
    }
    #expect(differs, "layer \(l): the transfer changed no state")
    // The target keeps its own scales.
    #expect(Array(UnsafeBufferPointer(start: t.xp, count: t.rows * t.columns)) == before[l].plusScales)
  }
}

@Test func offChipWithoutVariationIsTheOnChipRun() throws {
  // σ = 0: the ideal twin is the on-chip network (same seed, same initial
  // states, same pulses), and the target reads exactly its states.
  var on = Fixture.configuration(method: .b)
  var off = on
  off.mode = .offChip
  let a = try Fixture.run(on)
  let b = try Fixture.run(off)
  #expect(b.points.map(\.accuracy) == a.points.map(\.accuracy))
  // With variation the transferred network reads other weights.
  on.sigma = 0.5
  off.sigma = 0.5
  let c = try Fixture.run(off)
  #expect(c.points.map(\.accuracy) != b.points.map(\.accuracy))
}

@Test func offChipFloatWeightsAreStillAvailable() throws {
  var cfg = Fixture.configuration(method: .b)
  cfg.mode = .offChip
  cfg.transfer = .weights
  let r = try Fixture.run(cfg)
  var float = Fixture.configuration(rule: .float)
  float.layers = cfg.layers
  let f = try Fixture.run(float)
  // The float run learns; its weights programmed to one device each read
  // close to it (n_max 64 levels), and neither is the on-chip run.
  #expect(r.testAccuracy > 60)
  #expect(abs(r.testAccuracy - f.testAccuracy) < 15, "\(r.testAccuracy) vs \(f.testAccuracy)")
}

@Test(arguments: [NegativeScale.dead, .fold, .redraw])
func negativeScaleDrawsAreDeadFoldedOrRedrawn(_ mode: NegativeScale) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [200, 50, 10]
  cfg.sigma = 1
  cfg.negativeScale = mode
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  var zeros = 0, count = 0, sum = 0.0
  for layer in net.layers {
    for k in 0..<(layer.rows * layer.columns) {
      for x in [layer.xp[k], layer.xm[k]] {
        #expect(x >= 0)
        if x == 0 { zeros += 1 }
        sum += Double(x)
        count += 1
      }
    }
  }
  let dead = Double(zeros) / Double(count)
  switch mode {
  case .dead:
    // P(N(1, 1) ≤ 0) = Φ(−1) = 0.1587; 22,120 devices: σ of the share 0.0025.
    #expect(abs(dead - 0.1587) < 0.0125, "dead share \(dead)")
  case .fold:
    #expect(zeros == 0)
    // E|N(1, 1)| = 2φ(1) + 1·(1 − 2Φ(−1)) = 1.1666; σ of the mean 0.0055.
    #expect(abs(sum / Double(count) - 1.1666) < 0.03, "mean \(sum / Double(count))")
  case .redraw:
    #expect(zeros == 0)
    // N(1, 1) truncated at 0: mean 1 + φ(1)/Φ(1) = 1.2876 (sd 0.7967,
    // σ of the mean 0.0054); folded it would be 1.1666.
    #expect(abs(sum / Double(count) - 1.2876) < 0.03, "mean \(sum / Double(count))")
  }
}
