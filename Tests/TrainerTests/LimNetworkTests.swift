import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// The sign rule of Lim et al. (2018), §2.1 and Table 1, on networks small
// enough to know δ by hand: every synapse whose input is active
// (f(s_i) > 0, the bias always) and whose δ_j is outside the comparator's
// dead band gets one identical pulse, to G+ when δ_j < 0 (raise W) and to
// G− when δ_j > 0; mini-batches pulse once, at the end, by the sign of
// −Σ δ_j·a_i. Weights are set through the device states, so every sum and
// every δ below follows from the numbers in the test.

/// A Lim network with every device at G_min (all weights 0) unless
/// `states` says otherwise: (layer, row, column) → (kp, km).
func makeNetwork(
  layers: [Int], threshold: Double = 0.1, hiddenThreshold: Double = 0, batch: Int = 1,
  c: Double = 4, nMax: Int = 8, states: [(l: Int, i: Int, j: Int, kp: Int, km: Int)] = []
) throws -> LimNetwork {
  var cfg = TrainingConfiguration()
  cfg.layers = layers
  cfg.nMax = nMax
  cfg.outputThreshold = threshold
  cfg.hiddenThreshold = hiddenThreshold
  cfg.batch = batch
  cfg.c = c
  // The hand-made cases below are worked out for the centred sigmoid.
  cfg.activation = .centred
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  for layer in net.layers {
    for k in 0..<(layer.rows * layer.columns) {
      layer.kp[k] = 0
      layer.km[k] = 0
    }
  }
  for s in states {
    let layer = net.layers[s.l]
    layer.kp[s.i * layer.columns + s.j] = UInt8(s.kp)
    layer.km[s.i * layer.columns + s.j] = UInt8(s.km)
  }
  for layer in net.layers {
    layer.synchronize()
    layer.pulses = 0
    layer.resets = 0
  }
  return net
}

/// Every layer's (kp, km) states, row-major.
func states(_ net: LimNetwork) -> [[[Int]]] {
  net.layers.map { layer in
    (0..<(layer.rows * layer.columns)).map { [Int(layer.kp[$0]), Int(layer.km[$0])] }
  }
}

/// The states after one pulse per listed synapse: `up` (G+ one step) or
/// not (G− one step), all below G_max.
func expectedStates(
  _ before: [[[Int]]], _ net: LimNetwork, pulses: [(l: Int, i: Int, j: Int, up: Bool)]
) -> [[[Int]]] {
  var s = before
  for p in pulses {
    let k = p.i * net.layers[p.l].columns + p.j
    s[p.l][k][p.up ? 0 : 1] += 1
  }
  return s
}

func train(_ net: LimNetwork, _ pixels: [UInt8], label: Int) {
  _ = pixels.withUnsafeBufferPointer { net.train($0.baseAddress!, label: label) }
}

// MARK: - One layer

// Layers [2, 3], all weights 0: every output sum is 0, p = 1/3 each, and
// for label 0, δ = (−2/3, 1/3, 1/3). Input (255, 0): rows 0 and 2 (bias)
// are active, row 1 is not.

@Test func onlyActiveRowsAndColumnsOutsideTheDeadBandArePulsed() throws {
  let net = try makeNetwork(layers: [2, 3], threshold: 0.1)
  let before = states(net)
  train(net, [255, 0], label: 0)
  // Column 0 (δ < 0) raised, columns 1 and 2 (δ > 0) lowered; on rows 0
  // and the bias row 2, never on row 1 (input 0).
  let expected = expectedStates(
    before, net,
    pulses: [
      (0, 0, 0, true), (0, 0, 1, false), (0, 0, 2, false),
      (0, 2, 0, true), (0, 2, 1, false), (0, 2, 2, false),
    ])
  #expect(states(net) == expected)
  #expect(net.pulses == 6)
  #expect(net.resets == 0)
}

@Test(arguments: [
  // threshold, columns pulsed (δ = −2/3, 1/3, 1/3)
  (0.3, [0, 1, 2]),
  (0.5, [0]),
  (0.7, []),
])
func deltaInsideTheComparatorDeadBandGivesNoPulse(threshold: Double, pulsed: [Int]) throws {
  let net = try makeNetwork(layers: [2, 3], threshold: threshold)
  let before = states(net)
  train(net, [0, 200], label: 0)
  // Input (0, 200): rows 1 and 2 (bias) active.
  var pulses: [(l: Int, i: Int, j: Int, up: Bool)] = []
  for i in [1, 2] { for j in pulsed { pulses.append((0, i, j, j == 0)) } }
  #expect(states(net) == expectedStates(before, net, pulses: pulses))
  #expect(net.pulses == 2 * pulsed.count)
}

@Test func theBiasRowIsPulsedEvenForABlankImage() throws {
  let net = try makeNetwork(layers: [2, 2])
  let before = states(net)
  train(net, [0, 0], label: 1)
  // p = (1/2, 1/2), δ = (1/2, −1/2): only the bias row (2) is active.
  #expect(states(net) == expectedStates(before, net, pulses: [(0, 2, 0, false), (0, 2, 1, true)]))
  #expect(net.pulses == 2)
}

@Test func aConfidentCorrectAnswerGivesNoPulse() throws {
  // Bias → output 1 at G_max, output 0 at G_min: s = (0, 1),
  // p1 = e/(1 + e) ≈ 0.731, so |δ| ≈ 0.269 < 0.3 on both outputs.
  let net = try makeNetwork(layers: [2, 2], threshold: 0.3, states: [(0, 2, 1, 8, 0)])
  let before = states(net)
  train(net, [255, 255], label: 1)
  #expect(states(net) == before)
  #expect(net.pulses == 0)
  // The wrong label is far outside the dead band.
  train(net, [255, 255], label: 0)
  #expect(net.pulses == 6)
}

// MARK: - Two layers

// Layers [3, 2, 2], c = 4. Layer 0 all 0: s_h = 0, a_h = 1/2, gate 1.
// Layer 1: W(h0 → o0) = +G(4), W(h1 → o0) = −G(4), the rest 0, so that
// s_o = 0, p = (1/2, 1/2) and, for label 0, δ_o = (−1/2, 1/2). Back
// through the array: δ_h0 = W(h0,o0)·δ_o0 = −G(4)/2 < 0 (raise),
// δ_h1 = +G(4)/2 > 0 (lower). Input (255, 0, 128): rows 0, 2 and the
// bias (3) of layer 0 are active; every row of layer 1 is (a_h = 1/2).

let twoLayerStates: [(l: Int, i: Int, j: Int, kp: Int, km: Int)] = [
  (1, 0, 0, 4, 0), (1, 1, 0, 0, 4),
]

@Test func hiddenLayerIsPulsedBySignOfTheBackPropagatedDelta() throws {
  let net = try makeNetwork(layers: [3, 2, 2], states: twoLayerStates)
  let g4 = Float(net.layers[1].table[4])
  let before = states(net)
  train(net, [255, 0, 128], label: 0)
  #expect(abs(net.deltas[1][0] + 0.5) < 1e-6 && abs(net.deltas[1][1] - 0.5) < 1e-6)
  #expect(abs(net.deltas[0][0] + g4 / 2) < 1e-6 && abs(net.deltas[0][1] - g4 / 2) < 1e-6)
  var pulses: [(l: Int, i: Int, j: Int, up: Bool)] = []
  for i in [0, 2, 3] { pulses += [(0, i, 0, true), (0, i, 1, false)] }
  for i in [0, 1, 2] { pulses += [(1, i, 0, true), (1, i, 1, false)] }
  #expect(states(net) == expectedStates(before, net, pulses: pulses))
  #expect(net.pulses == 12)
}

@Test func hiddenDeltaInsideItsDeadBandLeavesTheHiddenLayerAlone() throws {
  // |δ_h| = G(4)/2 ≈ 0.4 (β = 2, n_max = 8) < 0.45.
  let net = try makeNetwork(layers: [3, 2, 2], hiddenThreshold: 0.45, states: twoLayerStates)
  #expect(net.layers[1].table[4] / 2 < 0.45)
  let before = states(net)
  train(net, [255, 0, 128], label: 0)
  var pulses: [(l: Int, i: Int, j: Int, up: Bool)] = []
  for i in [0, 1, 2] { pulses += [(1, i, 0, true), (1, i, 1, false)] }
  #expect(states(net) == expectedStates(before, net, pulses: pulses))
  #expect(net.pulses == 6)
}

@Test func aSaturatedHiddenUnitHasNoDerivativeAndGetsNoPulse() throws {
  // c = 1/4: bias → h1 at G_max gives s_h1 = 1 ≥ c, so a_h1 = 1 and its
  // gate is 0. s_o0 = G(4)/2 − G(4) < 0 = s_o1, so for label 0 δ_o0 < 0
  // and δ_o1 > 0 still; δ_h0 < 0, δ_h1 = 0.
  let net = try makeNetwork(
    layers: [3, 2, 2], c: 0.25, states: twoLayerStates + [(0, 3, 1, 8, 0)])
  let before = states(net)
  train(net, [255, 0, 128], label: 0)
  #expect(net.gates[0] == [1, 0])
  #expect(net.deltas[0][1] == 0)
  var pulses: [(l: Int, i: Int, j: Int, up: Bool)] = []
  for i in [0, 2, 3] { pulses += [(0, i, 0, true)] }
  for i in [0, 1, 2] { pulses += [(1, i, 0, true), (1, i, 1, false)] }
  #expect(states(net) == expectedStates(before, net, pulses: pulses))
  // One of the two hidden gates was open; the count restarts when taken.
  #expect(net.takeGateOpenFractions() == [0.5])
  #expect(net.takeGateOpenFractions() == [])
}

@Test func gateOpenFractionsAverageOverTheSamplesSinceTheLastTake() throws {
  // All weights 0 and c = 4: every hidden sum is 0 on the first sample,
  // so both layers' gates are all open; an enormous c keeps them open.
  let net = try makeNetwork(layers: [3, 4, 2, 2], c: 1e6)
  for _ in 0..<3 { train(net, [255, 0, 128], label: 1) }
  #expect(net.takeGateOpenFractions() == [1, 1])
  let shallow = try makeNetwork(layers: [3, 2])
  train(shallow, [255, 0, 128], label: 1)
  #expect(shallow.takeGateOpenFractions() == [])
}

// MARK: - Mini-batches

// Layers [2, 2], all weights 0 (frozen within the batch): p = (1/2, 1/2)
// for every sample. Sample A = (255, 0), label 0: δ = (−1/2, 1/2);
// sample B = (128, 255), label 1: δ = (1/2, −1/2). The sums −Σ δ_j·a_i:
//   row 0: (1/2 − 128/255/2, −(1/2 − 128/255/2)) → raise, lower
//   row 1: (−1/2, 1/2)                            → lower, raise
//   bias:  (1/2 − 1/2, −1/2 + 1/2) = (0, 0)       → no pulse
// Online learning would pulse row 0 column 0 up and then down, and the
// bias row twice in opposite directions.

@Test func miniBatchPulsesOnceAtTheEndBySignOfTheSummedGradient() throws {
  let net = try makeNetwork(layers: [2, 2], batch: 2)
  let before = states(net)
  train(net, [255, 0], label: 0)
  #expect(states(net) == before, "weights are frozen within a batch")
  #expect(net.pulses == 0)
  train(net, [128, 255], label: 1)
  let expected = expectedStates(
    before, net, pulses: [(0, 0, 0, true), (0, 0, 1, false), (0, 1, 0, false), (0, 1, 1, true)])
  #expect(states(net) == expected)
  #expect(net.pulses == 4)
  #expect(net.samplesInBatch == 0)
  #expect(net.accumulators[0].allSatisfy { $0 == 0 })

  // The same two samples online.
  let online = try makeNetwork(layers: [2, 2], batch: 1)
  train(online, [255, 0], label: 0)
  train(online, [128, 255], label: 1)
  // A: rows 0 and bias × 2 columns; B (weights moved, δ still ≈ ±1/2):
  // all 3 rows × 2 columns.
  #expect(online.pulses == 10)
  #expect(states(online) != expected)
}

@Test func applyBatchEndsAnIncompleteBatch() throws {
  let net = try makeNetwork(layers: [2, 2], batch: 4)
  let before = states(net)
  train(net, [255, 0], label: 0)
  #expect(states(net) == before)
  net.applyBatch()
  // One sample's sums: row 0 and bias, δ = (−1/2, 1/2).
  let expected = expectedStates(
    before, net, pulses: [(0, 0, 0, true), (0, 0, 1, false), (0, 2, 0, true), (0, 2, 1, false)])
  #expect(states(net) == expected)
  #expect(net.pulses == 4)
  // A second call has nothing left to apply.
  net.applyBatch()
  #expect(net.pulses == 4)
}

// MARK: - The forward pass reads the arrays

@Test func forwardSumsAreTheNormalisedWeightedSums() throws {
  // Layers [2, 2], linear device: W(0 → 0) = 3/8, W(1 → 0) = −5/8,
  // W(bias → 1) = 1. Input (255, 51): s_0 = 3/8 − 5/8·0.2, s_1 = 1.
  var cfg = TrainingConfiguration()
  cfg.layers = [2, 2]
  cfg.nMax = 8
  cfg.betaP = 0
  cfg.betaD = 0
  let net = LimNetwork(configuration: cfg)
  let l = net.layers[0]
  for k in 0..<6 {
    l.kp[k] = 0
    l.km[k] = 0
  }
  l.kp[0] = 3
  l.km[2] = 5
  l.kp[5] = 8
  l.synchronize()
  let w = net.weights(layer: 0)
  #expect(maxRelativeDifference(w, [3.0 / 8, 0, -5.0 / 8, 0, 0, 1]) < 1e-12)
  let predicted = [UInt8](arrayLiteral: 255, 51).withUnsafeBufferPointer {
    net.predict($0.baseAddress!)
  }
  #expect(predicted == 1)
  #expect(abs(net.sums[0][0] - Float(3.0 / 8 - 5.0 / 8 * 0.2)) < 1e-6)
  #expect(abs(net.sums[0][1] - 1) < 1e-6)
}

// MARK: - Forward and backward against a software oracle

/// Software forward and backward passes in double precision on the
/// network's normalised weights (G+ − G−)/G_max, with the hard sigmoid's
/// derivative replaced by a gate of 0 or 1 (Lim et al. §2.1) and the
/// comparators' dead bands; returns every layer's sums and δ.
func softwarePasses(
  _ net: LimNetwork, _ cfg: TrainingConfiguration, pixels: [UInt8], label: Int
) -> (sums: [[Double]], deltas: [[Double]]) {
  let sizes = cfg.layers
  let c = cfg.c
  let weights = (0..<(sizes.count - 1)).map { net.weights(layer: $0) }
  var a = pixels.map { Double($0) / 255 } + [1]
  var sums: [[Double]] = []
  var gates: [[Double]] = []
  var inputs: [[Double]] = []
  for l in 0..<weights.count {
    let m = sizes[l] + 1
    let n = sizes[l + 1]
    var s = [Double](repeating: 0, count: n)
    for i in 0..<m { for j in 0..<n { s[j] += a[i] * weights[l][i * n + j] } }
    inputs.append(a)
    sums.append(s)
    // The hard sigmoid written out: linear on (−c, c), or on (0, 2c).
    let shift = cfg.activation == .zero ? 0 : c
    gates.append(s.map { $0 + shift > 0 && $0 + shift < 2 * c ? 1 : 0 })
    a = s.map { min(max(($0 + shift) / (2 * c), 0), 1) } + [1]
  }
  let out = sums.last!
  let top = out.max()!
  let e = out.map { exp($0 - top) }
  let z = e.reduce(0, +)
  var deltas = [[Double]](repeating: [], count: weights.count)
  deltas[weights.count - 1] = e.indices.map { j in
    let d = e[j] / z - (j == label ? 1 : 0)
    return abs(d) > cfg.outputThreshold ? d : 0
  }
  var l = weights.count - 1
  while l > 0 {
    let m = sizes[l]
    let n = sizes[l + 1]
    deltas[l - 1] = (0..<m).map { i in
      var b = 0.0
      for j in 0..<n { b += weights[l][i * n + j] * deltas[l][j] }
      let d = gates[l - 1][i] * b
      return abs(d) > cfg.hiddenThreshold ? d : 0
    }
    l -= 1
  }
  return (sums, deltas)
}

@Test(arguments: [[64, 32, 10], [64, 32, 16, 10], [64, 24, 16, 12, 10]], [UpdateMethod.b, .c])
func forwardAndBackwardThroughTheArraysMatchSoftwareBackPropagation(
  layers: [Int], method: UpdateMethod
) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = layers
  cfg.method = method
  cfg.initialFraction = 1
  cfg.sigma = 0.2
  cfg.c = 1
  let net = LimNetwork(configuration: cfg)
  let data = Fixture.train
  var checked = 0
  for i in 0..<40 {
    let px = Array(data.pixels[(i * 64)..<((i + 1) * 64)])
    let label = Int(data.labels[i])
    let oracle = softwarePasses(net, cfg, pixels: px, label: label)
    train(net, px, label: label)
    for l in 0..<(layers.count - 1) {
      let s = net.sums[l].map(Double.init)
      let d = net.deltas[l].map(Double.init)
      #expect(
        maxRelativeDifference(s, oracle.sums[l], floor: 1) < 1e-5, "sample \(i), layer \(l) sums")
      // δ is only computed when some output δ is outside the dead band.
      if oracle.deltas.last!.contains(where: { $0 != 0 }) {
        #expect(
          maxRelativeDifference(d, oracle.deltas[l], floor: 1e-3) < 1e-4,
          "sample \(i), layer \(l) δ")
        checked += 1
      }
    }
  }
  #expect(checked > 0)
}

// A comparator offset set the pulse's sign online and in netted batches,
// but in `batch_pulses sign` the accumulator summed the raw δ, so the offset
// only moved the dead band (and with a zero threshold did nothing): an
// audit, session 27. A batch of one sample now pulses as online does.
@Test(arguments: [0.0, 0.3])
func aBatchOfOneSamplePulsesAsOnlineWithComparatorOffsets(offset: Double) throws {
  func network(batch: Int, offset: Double = offset) throws -> LimNetwork {
    var cfg = Fixture.configuration(epochs: 1)
    cfg.batch = batch
    cfg.outputThreshold = 0
    cfg.comparatorOffset = offset
    try cfg.validate()
    return LimNetwork(configuration: cfg)
  }
  let online = try network(batch: 1), batched = try network(batch: 4)
  let data = Fixture.train
  let pixels = Array(data.pixels[0..<(data.rows * data.cols)])
  for net in [online, batched] {
    pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress!, label: Int(data.labels[0])) }
  }
  batched.applyBatch()
  #expect(online.pulses > 0)
  #expect(batched.pulses == online.pulses)
  let same = states(batched) == states(online)
  #expect(same, "a batch of one sample pulsed otherwise than online")
  // The offsets matter here: without them the same sample pulses otherwise.
  if offset > 0 {
    let noOffset = try network(batch: 1, offset: 0)
    pixels.withUnsafeBufferPointer { _ = noOffset.train($0.baseAddress!, label: Int(data.labels[0])) }
    let differ = states(noOffset) != states(online)
    #expect(differ, "the offsets changed no pulse")
  }
}
