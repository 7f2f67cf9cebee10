import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Lim's update of one synapse as exact state transitions. The oracle is a
// literal transcription of the pseudocode of Lim et al. (2018), §2.2 and
// Figure 2: loops over the device's potentiation curve, one pulse per
// iteration, no shortcut. Both of `LimLayer`'s paths — `update(_:up:)` and
// the row kernel `update(rows:rowCount:up:upCount:down:downCount:)`, with
// its direct stop for method b — must give the oracle's states, pulse and
// reset counts, and keep the weight cache and the line loads in step.

// MARK: - The oracle

/// One device of a synapse pair in the oracle: a state on the potentiation
/// curve (normalised conductances G(0) … G(n_max)) and its device-to-device
/// scale X, so that its conductance is X·G(state).
private struct OracleDevice {
  var state: Int
  let scale: Double
  let curve: [Double]

  var conductance: Double { scale * curve[state] }
  /// G + ΔG: the conductance one identical pulse would give (a pulse at
  /// G_max leaves it there).
  var afterPulse: Double { scale * curve[min(state + 1, curve.count - 1)] }

  mutating func pulse() { state = min(state + 1, curve.count - 1) }
  mutating func reset() { state = 0 }
}

/// States and counts after one update.
struct PairOutcome: Equatable, CustomStringConvertible {
  var kp: Int, km: Int, pulses: Int, resets: Int
  var description: String { "(kp \(kp), km \(km), \(pulses) pulses, \(resets) resets)" }
}

/// Lim et al. §2.2, methods a and b, for one update that raises W (`up`)
/// or lowers it. The pseudocode is written for G+ = G_max and ΔW > 0;
/// lowering W with G− = G_max is its mirror image (G+ and G− swap roles).
/// Below G_max the device is potentiated one step; Figure 2D resets both
/// devices when both are at G_max.
func limPseudocode(
  method: UpdateMethod, curve: [Double], kp: Int, km: Int, up: Bool,
  xp: Double = 1, xm: Double = 1
) -> PairOutcome {
  let n = curve.count - 1
  // `a`: the device whose potentiation raises the signed weight
  // w = G_a − G_b (G+ to raise W, G− to lower it); `b`: the other.
  var a = OracleDevice(state: up ? kp : km, scale: up ? xp : xm, curve: curve)
  var b = OracleDevice(state: up ? km : kp, scale: up ? xm : xp, curve: curve)
  var pulses = 0
  var resets = 0
  if a.state < n {
    a.pulse()
    pulses += 1
  } else {
    switch method {
    case .a:
      // W = G+ − G−
      // G+ ← G_min, G− ← G_min
      // while G+ − G− < W: G+ ← G+ + ΔG
      let w = a.conductance - b.conductance
      a.reset()
      b.reset()
      resets += 2
      // (At G_max the condition is false: G_a(n) − G_b(0) ≥ W.)
      while a.conductance - b.conductance < w && a.state < n {
        a.pulse()
        pulses += 1
      }
    case .b:
      // W = G+ − G−
      // G− ← G_min
      // while G+ − (G− + ΔG) > W: G− ← G− + ΔG
      let w = a.conductance - b.conductance
      b.reset()
      resets += 1
      while a.conductance - b.afterPulse > w && b.state < n {
        b.pulse()
        pulses += 1
      }
    case .c:
      preconditionFailure("method c has its own oracle")
    }
  }
  // Figure 2D: both at G_max → both initialised.
  if a.state == n && b.state == n {
    a.reset()
    b.reset()
    resets += 2
  }
  return up
    ? PairOutcome(kp: a.state, km: b.state, pulses: pulses, resets: resets)
    : PairOutcome(kp: b.state, km: a.state, pulses: pulses, resets: resets)
}

/// States (normalised conductances) and counts after a method c update.
struct BidirectionalOutcome: CustomStringConvertible {
  var gp: Double, gm: Double, pulses: Int, resets: Int
  var description: String { "(gp \(gp), gm \(gm), \(pulses) pulses, \(resets) resets)" }
}

/// Lim et al. §2.2 method c (Figure 2C) on bidirectional devices, with
/// eqs. (1)-(2) written out: below G_max the device to raise is potentiated
/// one step; at G_max the other is depressed one step (G− ← G− − ΔG, not
/// below G_min); Figure 2D resets both at G_max. Results within 1e-9 of the
/// range from a bound are put on it, as the device model does.
func limMethodC(
  device d: LimExponentialDevice, gp: Double, gm: Double, up: Bool
) -> BidirectionalOutcome {
  let range = d.gMax - d.gMin
  func eq1(_ g: Double) -> Double {
    let next = g + d.alphaP * exp(-d.betaP * (g - d.gMin) / range)
    return next >= d.gMax - 1e-9 * range ? d.gMax : next
  }
  func eq2(_ g: Double) -> Double {
    let next = g - d.alphaD * exp(-d.betaD * (d.gMax - g) / range)
    return next <= d.gMin + 1e-9 * range ? d.gMin : next
  }
  var a = up ? gp : gm
  var b = up ? gm : gp
  var pulses = 0
  var resets = 0
  if a < d.gMax {
    a = eq1(a)
    pulses += 1
  } else if b > d.gMin {
    b = eq2(b)
    pulses += 1
  }
  if a >= d.gMax && b >= d.gMax {
    a = d.gMin
    b = d.gMin
    resets += 2
  }
  return up
    ? BidirectionalOutcome(gp: a, gm: b, pulses: pulses, resets: resets)
    : BidirectionalOutcome(gp: b, gm: a, pulses: pulses, resets: resets)
}

// MARK: - Helpers

/// A layer of one input (+ bias) and one output: synapses k = 0 (input)
/// and k = 1 (bias). With `scales`, every X+ and X− is set to them; the
/// layer is built with σ > 0 so that the kernel streams the scales.
func makeLayer(
  method: UpdateMethod, nMax: Int = 8, beta: Double, gMinRatio: Double = 0,
  scales: (plus: Float, minus: Float)? = nil, inputs: Int = 1, outputs: Int = 1
) -> LimLayer {
  var cfg = TrainingConfiguration()
  cfg.layers = [inputs, outputs]
  cfg.method = method
  cfg.nMax = nMax
  cfg.betaP = beta
  cfg.betaD = beta
  cfg.gMinRatio = gMinRatio
  cfg.sigma = scales == nil ? 0 : 0.1
  var rng = SeededGenerator(seed: 1)
  let layer = LimLayer(inputs: inputs, outputs: outputs, configuration: cfg, rng: &rng)
  if let scales {
    for k in 0..<(layer.rows * layer.columns) {
      layer.xp[k] = scales.plus
      layer.xm[k] = scales.minus
    }
  }
  layer.synchronize()
  return layer
}

extension LimLayer {
  /// Puts synapse k at integer states (kp, km), brings the array and its
  /// caches in step and zeroes the counters.
  func setStates(_ k: Int, kp p: Int, km m: Int) {
    kp[k] = UInt8(p)
    km[k] = UInt8(m)
    gp[k] = table[p]
    gm[k] = table[m]
    synchronize()
    pulses = 0
    resets = 0
  }

  /// Puts synapse k at conductance states (method c).
  func setConductanceStates(_ k: Int, gp p: Double, gm m: Double) {
    gp[k] = p
    gm[k] = m
    synchronize()
    pulses = 0
    resets = 0
    depressions = 0
  }

  /// One pulse on synapse k through the row kernel.
  func kernelUpdate(_ k: Int, up: Bool) {
    let rows: [Int32] = [Int32(k / columns)]
    let cols: [Int32] = [Int32(k % columns)]
    rows.withUnsafeBufferPointer { r in
      cols.withUnsafeBufferPointer { c in
        update(
          rows: r.baseAddress!, rowCount: 1, up: c.baseAddress!, upCount: up ? 1 : 0,
          down: c.baseAddress!, downCount: up ? 0 : 1)
      }
    }
  }

  func outcome(_ k: Int) -> PairOutcome {
    PairOutcome(kp: Int(kp[k]), km: Int(km[k]), pulses: pulses, resets: resets)
  }
}

/// Checks the caches an update keeps in step without `synchronize()`: the
/// single-precision weight G+ − G− of every synapse (tolerance 1e-6·G_max)
/// and the row and column loads Σ(G+ + G−) (tolerance `loadTolerance`·G_max)
/// against the device states; then synchronises and checks that the
/// array's conductances are the states'.
///
/// The row kernel books load changes in single precision, so the loads
/// drift by about an ulp of G_max per pulse on a line; a long sequence of
/// updates needs a looser `loadTolerance`.
func expectCachesMatchStates(
  _ layer: LimLayer, _ context: String = "", loadTolerance: Double = 1e-6,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let mn = layer.rows * layer.columns
  let n = layer.columns
  let tol = 1e-6 * layer.gMax
  let w = layer.array.weights
  var rowLoads = [Double](repeating: 0, count: layer.rows)
  var columnLoads = [Double](repeating: 0, count: n)
  for k in 0..<mn {
    let (p, m) = layer.conductances(k)
    #expect(
      abs(Double(w[k]) - (p - m)) <= tol,
      "weight cache of synapse \(k): \(w[k]) S, states give \(p - m) S \(context)",
      sourceLocation: sourceLocation)
    rowLoads[k / n] += p + m
    columnLoads[k % n] += p + m
  }
  for i in 0..<layer.rows {
    #expect(
      abs(layer.array._rowLoad[i] - rowLoads[i]) <= loadTolerance * layer.gMax,
      "row \(i) load \(layer.array._rowLoad[i]) S, states give \(rowLoads[i]) S \(context)",
      sourceLocation: sourceLocation)
  }
  for j in 0..<n {
    #expect(
      abs(layer.array._columnLoad[j] - columnLoads[j]) <= loadTolerance * layer.gMax,
      "column \(j) load \(layer.array._columnLoad[j]) S, states \(columnLoads[j]) S \(context)",
      sourceLocation: sourceLocation)
  }
  layer.synchronize()
  let plus = layer.array.conductances(.plus)
  let minus = layer.array.conductances(.minus)
  for k in 0..<mn {
    let (p, m) = layer.conductances(k)
    #expect(
      plus[k] == p && minus[k] == m, "synapse \(k) after synchronize() \(context)",
      sourceLocation: sourceLocation)
  }
}

// MARK: - Figure 2 by hand (linear device, n_max = 8: G(k) = k/8)

@Test func linearCurveIsKOverEight() {
  let layer = makeLayer(method: .b, beta: 0)
  #expect(layer.table == (0...8).map { Double($0) / 8 })
}

struct HandCase: Sendable, CustomTestStringConvertible {
  var method: UpdateMethod
  var kp: Int, km: Int, up: Bool
  var expected: PairOutcome
  var testDescription: String {
    "method \(method.rawValue) (\(kp), \(km)) \(up ? "raise" : "lower") → \(expected)"
  }

  enum Direction { case raise, lower }

  /// method, (kp, km), raise or lower W → (kp, km), pulses, resets.
  static func of(
    _ method: UpdateMethod, _ from: (Int, Int), _ direction: Direction, _ to: (Int, Int),
    _ pulses: Int, _ resets: Int
  ) -> HandCase {
    HandCase(
      method: method, kp: from.0, km: from.1, up: direction == .raise,
      expected: PairOutcome(kp: to.0, km: to.1, pulses: pulses, resets: resets))
  }
}

@Test(arguments: [
  // Below G_max: one step of the device that moves W the right way.
  HandCase.of(.b, (3, 5), .raise, (4, 5), 1, 0),
  HandCase.of(.b, (3, 5), .lower, (3, 6), 1, 0),
  HandCase.of(.a, (0, 0), .raise, (1, 0), 1, 0),
  // Figure 2A: G+ at G_max, W = 3/8: reset both, 3 pulses to G+ = 3/8.
  HandCase.of(.a, (8, 5), .raise, (3, 0), 3, 2),
  // Its mirror: G− at G_max, lower W = −3/8.
  HandCase.of(.a, (5, 8), .lower, (0, 3), 3, 2),
  // Figure 2B: reset G−, 4 pulses to one step below its old 5/8.
  HandCase.of(.b, (8, 5), .raise, (8, 4), 4, 1),
  HandCase.of(.b, (5, 8), .lower, (4, 8), 4, 1),
  // Method b with G− one step up: reset only, no pulse.
  HandCase.of(.b, (8, 1), .raise, (8, 0), 0, 1),
  // W already at its maximum: method b resets G− (at G_min) again, nothing
  // else; method a resets both and climbs back to G_max.
  HandCase.of(.b, (8, 0), .raise, (8, 0), 0, 1),
  HandCase.of(.a, (8, 0), .raise, (8, 0), 8, 2),
  // Figure 2D: the pulse that brings both devices to G_max resets both.
  HandCase.of(.b, (7, 8), .raise, (0, 0), 1, 2),
  HandCase.of(.a, (8, 7), .lower, (0, 0), 1, 2),
])
func figureTwoTransitionsOnALinearDevice(_ c: HandCase) {
  let layer = makeLayer(method: c.method, beta: 0)
  for k in 0..<2 {
    layer.setStates(k, kp: c.kp, km: c.km)
    layer.update(k, up: c.up)
    #expect(layer.outcome(k) == c.expected, "update(\(k), up:)")
    layer.setStates(k, kp: c.kp, km: c.km)
    layer.kernelUpdate(k, up: c.up)
    #expect(layer.outcome(k) == c.expected, "row kernel, synapse \(k)")
    // The oracle agrees with the hand-computed transitions.
    let oracle = limPseudocode(method: c.method, curve: layer.table, kp: c.kp, km: c.km, up: c.up)
    #expect(oracle == c.expected)
  }
}

@Test func methodBRaisesTheWeightByTheOldMinusDevicesLastStep() {
  // β = 2: steps shrink towards G_max, so the rise is G(km) − G(km − 1).
  let layer = makeLayer(method: .b, beta: 2)
  let t = layer.table
  for km in 1..<8 {
    layer.setStates(0, kp: 8, km: km)
    let before = layer.weight(0)
    layer.update(0, up: true)
    #expect(Int(layer.km[0]) == km - 1)
    #expect(
      isApproximatelyEqual(layer.weight(0) - before, t[km] - t[km - 1], relativeTolerance: 1e-12))
  }
}

@Test func methodARestoresAtLeastTheOldWeightWithGMinusAtGMin() {
  let layer = makeLayer(method: .a, beta: 2)
  for km in 0..<8 {
    layer.setStates(0, kp: 8, km: km)
    let before = layer.weight(0)
    layer.update(0, up: true)
    let kp = Int(layer.kp[0])
    #expect(layer.km[0] == 0)
    #expect(layer.weight(0) >= before)
    // The first state that reaches the old weight: one below does not.
    if kp > 0 { #expect(layer.table[kp - 1] - layer.table[0] < before) }
  }
}

// MARK: - Exhaustive: every (kp, km), both directions, both paths

struct UnidirectionalCase: Sendable, CustomTestStringConvertible {
  var method: UpdateMethod
  var nMax = 8
  var beta: Double
  var gMinRatio: Double
  var scales: (plus: Float, minus: Float)?
  var testDescription: String {
    let s = scales.map { "X+ \($0.plus), X− \($0.minus)" } ?? "no variation"
    return "method \(method.rawValue), n_max \(nMax), β \(beta), G_min/G_max \(gMinRatio), \(s)"
  }

  static let all: [UnidirectionalCase] = {
    var cases: [UnidirectionalCase] = []
    for method in [UpdateMethod.a, .b] {
      for beta in [0.0, 2.0] {
        for gMinRatio in [0.0, 0.1] {
          for scales: (plus: Float, minus: Float)? in [nil, (0.7, 1.3), (1.3, 0.7)] {
            cases.append(.init(method: method, beta: beta, gMinRatio: gMinRatio, scales: scales))
          }
        }
      }
      // A finer device, and the steepest nonlinearity the configuration
      // accepts for n_max 32 (steps near G_max of e^-20 of those near
      // G_min; from β 21 a pulse would leave the device where it was).
      cases.append(.init(method: method, nMax: 64, beta: 3, gMinRatio: 0, scales: (0.7, 1.3)))
      cases.append(.init(method: method, nMax: 32, beta: 20, gMinRatio: 0, scales: (1.3, 0.7)))
      cases.append(.init(method: method, nMax: 32, beta: 20, gMinRatio: 0, scales: nil))
    }
    return cases
  }()
}

@Test(arguments: UnidirectionalCase.all)
func everyStatePairFollowsLimsPseudocodeOnBothPaths(_ c: UnidirectionalCase) {
  let n = c.nMax
  let layer = makeLayer(
    method: c.method, nMax: n, beta: c.beta, gMinRatio: c.gMinRatio, scales: c.scales)
  let curve = layer.device.potentiationCurve()
  #expect(layer.table == curve)
  let xp = Double(c.scales?.plus ?? 1)
  let xm = Double(c.scales?.minus ?? 1)
  var failures = 0
  for up in [true, false] {
    for kp in 0...n {
      for km in 0...n {
        let expected = limPseudocode(
          method: c.method, curve: curve, kp: kp, km: km, up: up, xp: xp, xm: xm)
        let what = "from (\(kp), \(km)) \(up ? "raise" : "lower")"
        for k in 0..<2 {
          for (path, run) in [
            ("update(_:up:)", { layer.update(k, up: up) }),
            ("row kernel", { layer.kernelUpdate(k, up: up) }),
          ] {
            layer.setStates(k, kp: kp, km: km)
            run()
            let got = layer.outcome(k)
            if got != expected { failures += 1 }
            #expect(got == expected, "\(path), synapse \(k), \(what)")
            // The device conductances are those of the oracle's states.
            let (p, m) = layer.conductances(k)
            #expect(
              isApproximatelyEqual(p, xp * curve[expected.kp] * layer.gMax, relativeTolerance: 1e-6)
            )
            #expect(
              isApproximatelyEqual(m, xm * curve[expected.km] * layer.gMax, relativeTolerance: 1e-6)
            )
            expectCachesMatchStates(layer, "(\(path), synapse \(k), \(what))")
          }
        }
      }
    }
  }
  #expect(failures == 0)
}

@Test(arguments: [0.0, 2.0], [0.0, 0.1])
func methodCFollowsEquationTwoAtGMaxOnBothPaths(beta: Double, gMinRatio: Double) {
  let layer = makeLayer(method: .c, beta: beta, gMinRatio: gMinRatio)
  let device = layer.device
  #expect(device.isBidirectional)
  // States on the potentiation curve and on the depression curve.
  let states = device.potentiationCurve() + device.depressionCurve().dropFirst()
  for up in [true, false] {
    for gp in states {
      for gm in states {
        let expected = limMethodC(device: device, gp: gp, gm: gm, up: up)
        let what = "from (\(gp), \(gm)) \(up ? "raise" : "lower"), expected \(expected)"
        for k in 0..<2 {
          for (path, run) in [
            ("update(_:up:)", { layer.update(k, up: up) }),
            ("row kernel", { layer.kernelUpdate(k, up: up) }),
          ] {
            layer.setConductanceStates(k, gp: gp, gm: gm)
            run()
            #expect(
              isApproximatelyEqual(layer.gp[k], expected.gp, relativeTolerance: 1e-12, floor: 1)
                && isApproximatelyEqual(
                  layer.gm[k], expected.gm, relativeTolerance: 1e-12, floor: 1),
              "\(path): (\(layer.gp[k]), \(layer.gm[k])) \(what)")
            #expect(
              layer.pulses == expected.pulses && layer.resets == expected.resets,
              "\(path): \(layer.pulses) pulses, \(layer.resets) resets \(what)")
            expectCachesMatchStates(layer, "(\(path), \(what))")
          }
        }
      }
    }
  }
}

@Test func methodCAtGMaxDepressesTheOtherDeviceOneStep() {
  let layer = makeLayer(method: .c, beta: 2)
  let down = layer.device.depressionCurve()
  layer.setConductanceStates(0, gp: 1, gm: 1)
  // Both at G_max (not reachable by updates, set by hand): raising W
  // depresses G− one step of eq. (2); no reset, since G− left G_max.
  layer.update(0, up: true)
  #expect(layer.gp[0] == 1)
  #expect(isApproximatelyEqual(layer.gm[0], down[1], relativeTolerance: 1e-12))
  #expect(layer.pulses == 1 && layer.resets == 0)
  // G+ at G_max, G− at G_min: W is at its maximum, nothing happens.
  layer.setConductanceStates(0, gp: 1, gm: 0)
  layer.update(0, up: true)
  #expect(layer.gp[0] == 1 && layer.gm[0] == 0)
  #expect(layer.pulses == 0 && layer.resets == 0)
}

// MARK: - Many synapses: the kernel against one update at a time

/// The row kernel's update of `layer`: the listed rows, columns `up`
/// raised and `down` lowered.
private func updateRows(_ layer: LimLayer, rows: [Int32], up: [Int32], down: [Int32]) {
  // One spare element each, so that an empty list still has an address.
  let (rr, uu, dd) = (rows + [0], up + [0], down + [0])
  rr.withUnsafeBufferPointer { r in
    uu.withUnsafeBufferPointer { u in
      dd.withUnsafeBufferPointer { d in
        layer.update(
          rows: r.baseAddress!, rowCount: rows.count, up: u.baseAddress!, upCount: up.count,
          down: d.baseAddress!, downCount: down.count)
      }
    }
  }
}

@Test(arguments: [UpdateMethod.a, .b, .c], [false, true])
func rowKernelMatchesPerSynapseUpdatesOnASeededSequence(method: UpdateMethod, variation: Bool) {
  // Two identical 6×4 layers (5 inputs + bias), σ = 0.3 when `variation`,
  // small n_max so that G_max, both methods' sequences and Figure 2D are
  // frequent. One gets the row kernel, the other update(_:up:) per synapse.
  var cfg = TrainingConfiguration()
  cfg.method = method
  cfg.nMax = 6
  cfg.sigma = variation ? 0.3 : 0
  cfg.initialFraction = 1
  var r1 = SeededGenerator(seed: 5)
  var r2 = SeededGenerator(seed: 5)
  let fast = LimLayer(inputs: 5, outputs: 4, configuration: cfg, rng: &r1)
  let slow = LimLayer(inputs: 5, outputs: 4, configuration: cfg, rng: &r2)
  var rng = SeededGenerator(seed: 11)
  for step in 0..<400 {
    let rows = (0..<6).filter { _ in rng.nextUniform() < 0.6 }.map(Int32.init)
    var up: [Int32] = []
    var down: [Int32] = []
    for j in 0..<4 {
      let u = rng.nextUniform()
      if u < 0.4 { up.append(Int32(j)) } else if u < 0.8 { down.append(Int32(j)) }
    }
    updateRows(fast, rows: rows, up: up, down: down)
    for i in rows {
      for j in up { slow.update(Int(i) * 4 + Int(j), up: true) }
      for j in down { slow.update(Int(i) * 4 + Int(j), up: false) }
    }
    for k in 0..<24 {
      if method == .c {
        #expect(fast.gp[k] == slow.gp[k] && fast.gm[k] == slow.gm[k], "step \(step), synapse \(k)")
      } else {
        #expect(fast.kp[k] == slow.kp[k] && fast.km[k] == slow.km[k], "step \(step), synapse \(k)")
      }
    }
    #expect(fast.pulses == slow.pulses && fast.resets == slow.resets, "step \(step)")
  }
  #expect(fast.resets > 0)
  // 400 steps of incremental bookkeeping, no synchronize() in between:
  // the kernel's single-precision load bookkeeping has drifted by a few
  // 1e-6·G_max (measured ≤ 3.1e-6), update(_:up:)'s double-precision one
  // has not.
  expectCachesMatchStates(fast, "(row kernel, method \(method.rawValue))", loadTolerance: 2e-5)
  expectCachesMatchStates(slow, "(update(_:up:), method \(method.rawValue))")
}

@Test(arguments: [UpdateMethod.a, .b])
func repotentiationsCountOnlyThePulsesAfterAReset(method: UpdateMethod) {
  // G+ at G_max (state 8), G− at state 5, raise W. Method b re-potentiates
  // G− to state 4 (4 pulses); method a resets both and re-potentiates G+
  // to the first state with G+ − G− ≥ W (β = 0: state 3, 3 pulses).
  // An ordinary pulse below G_max is not a re-potentiation.
  for kernel in [false, true] {
    let layer = makeLayer(method: method, beta: 0)
    layer.kp[0] = 8
    layer.km[0] = 5
    layer.kp[1] = 2
    layer.synchronize()
    if kernel {
      var rows: [Int32] = [0, 1]
      var up: [Int32] = [0]
      var none: [Int32] = [0]
      layer.update(rows: &rows, rowCount: 2, up: &up, upCount: 1, down: &none, downCount: 0)
    } else {
      layer.update(0, up: true)
      layer.update(1, up: true)
    }
    let expected = method == .b ? 4 : 3
    #expect(layer.repotentiations == expected)
    #expect(layer.pulses == expected + 1)
  }
}

// MARK: - The looked-up kernel against the computed one

/// Methods a and b without variation look each pulse up in `transitions`;
/// the computed kernel (`usesTransitions = false`) is the reference. Two
/// identical layers, the same seeded updates: the same states, counts,
/// energy books, and the same bits in the weight cache and the loads.
/// With `half_select book` (since session 42 the looked-up kernel books
/// too) the same booked conductances, to the bit.
@Test(arguments: [UpdateMethod.a, .b], [(6, false), (64, false), (6, true), (64, true)])
func lookedUpKernelMatchesTheComputedOneBitForBit(method: UpdateMethod, nMaxBooked: (Int, Bool)) {
  let (nMax, booked) = nMaxBooked
  var cfg = TrainingConfiguration()
  cfg.method = method
  cfg.nMax = nMax
  if booked { cfg.halfSelect = .book }
  cfg.betaP = 3
  cfg.betaD = 3
  cfg.initialFraction = 1
  var r1 = SeededGenerator(seed: 7)
  var r2 = SeededGenerator(seed: 7)
  let table = LimLayer(inputs: 9, outputs: 7, configuration: cfg, rng: &r1)
  let computed = LimLayer(inputs: 9, outputs: 7, configuration: cfg, rng: &r2)
  computed.usesTransitions = false
  #expect(table.transitions != nil)
  var rng = SeededGenerator(seed: 13)
  var rare = 0
  for step in 0..<3000 {
    let rows = (0..<10).filter { _ in rng.nextUniform() < 0.5 }.map(Int32.init)
    var up: [Int32] = []
    var down: [Int32] = []
    // Mostly one direction per step, so that devices reach G_max often.
    let bias = step % 200 < 100 ? 0.7 : 0.1
    for j in 0..<7 {
      let u = rng.nextUniform()
      if u < bias * 0.8 { up.append(Int32(j)) } else if u < 0.8 { down.append(Int32(j)) }
    }
    // The pulses that take the rare path (neither a rise nor a refill).
    for i in rows {
      for (list, isUp) in [(up, true), (down, false)] {
        for j in list {
          let k = Int(i) * 7 + Int(j)
          let sa = Int(isUp ? table.kp[k] : table.km[k]), sb = Int(isUp ? table.km[k] : table.kp[k])
          let rise = sa < nMax && !(sa + 1 == nMax && sb == nMax)
          if !rise && !(sa == nMax && table.refills[sb] != 0) { rare += 1 }
        }
      }
    }
    for layer in [table, computed] { updateRows(layer, rows: rows, up: up, down: down) }
    for k in 0..<70 where table.kp[k] != computed.kp[k] || table.km[k] != computed.km[k] {
      Issue.record("step \(step), synapse \(k): states differ")
    }
    // A weight of 0 keeps its sign bit too (G_b − G_a, not −(G_a − G_b)).
    for k in 0..<70 where table.array._weight[k].bitPattern != computed.array._weight[k].bitPattern {
      Issue.record("step \(step), synapse \(k): weight \(table.array._weight[k]) against \(computed.array._weight[k])")
    }
    #expect(table.pulses == computed.pulses && table.resets == computed.resets, "step \(step)")
    #expect(table.repotentiations == computed.repotentiations, "step \(step)")
  }
  for k in 0..<70 {
    #expect(table.array._weight[k].bitPattern == computed.array._weight[k].bitPattern, "weight \(k)")
  }
  for i in 0..<10 { #expect(table.array._rowLoad[i].bitPattern == computed.array._rowLoad[i].bitPattern, "row load \(i)") }
  for j in 0..<7 {
    #expect(table.array._columnLoad[j].bitPattern == computed.array._columnLoad[j].bitPattern, "column load \(j)")
  }
  #expect(table.pulseConductance.bitPattern == computed.pulseConductance.bitPattern)
  #expect(table.resetConductance.bitPattern == computed.resetConductance.bitPattern)
  #expect(table.updateSlots == computed.updateSlots)
  if booked {
    let a = table.halfSelectBook!, b = computed.halfSelectBook!
    #expect(a.programConductance.bitPattern == b.programConductance.bitPattern, "\(a.programConductance) \(b.programConductance)")
    #expect(a.resetConductance.bitPattern == b.resetConductance.bitPattern, "\(a.resetConductance) \(b.resetConductance)")
    #expect(a.programConductance > 0 && a.resetConductance > 0)
  }
  // Every kind of pulse happened: rises, refills (method b), and the rare
  // sequences at G_max (method a's, Figure 2D's).
  #expect(table.resets > 100 && table.repotentiations > 100, "\(table.resets) resets")
  #expect(rare > 100)
  // 3,000 steps of single-precision load bookkeeping drift by a few
  // 1e-5·G_max (measured ≤ 2.9e-5), in both kernels alike.
  expectCachesMatchStates(table, "(looked up, method \(method.rawValue))", loadTolerance: 1e-4)
}

/// The layers of a network share one transition table (1,000 layers at
/// n_max 255 would otherwise hold 786 MB of copies); with variation or
/// method c there is none.
@Test func theLayersOfANetworkShareOneTransitionTable() {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 8, 4]
  let net = LimNetwork(configuration: cfg)
  let first = net.layers[0].transitionTable
  #expect(first != nil)
  for layer in net.layers { #expect(layer.transitionTable === first) }
  cfg.sigma = 0.1
  #expect(LimNetwork(configuration: cfg).layers.allSatisfy { $0.transitionTable == nil })
  cfg.sigma = 0
  cfg.method = .c
  #expect(LimNetwork(configuration: cfg).layers.allSatisfy { $0.transitionTable == nil })
}
