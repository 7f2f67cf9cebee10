import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Stuck-off devices (`stuck_off`, rule lim): a fraction f of the devices
// are open (0 S) for the whole run, each of every layer's G+ and G−
// independently, drawn from a stream of its own per layer. A stuck device
// is a scale X = 0: pulses and resets move its state (the controller does
// not know) but never its conductance.

/// The stuck-device tests' network and data (StuckOffTests, StuckOnTests).
enum StuckFixture {
  static let images = SyntheticImages(count: 40, rows: 4, cols: 4, classes: 4, seed: 13)

  static func configuration(_ edit: (inout TrainingConfiguration) -> Void) throws -> TrainingConfiguration {
    var cfg = TrainingConfiguration()
    cfg.layers = [16, 8, 4]
    cfg.seed = 5
    // A short range: G_max, the methods' sequences and resets come often.
    cfg.nMax = 8
    edit(&cfg)
    try cfg.validate()
    return cfg
  }

  /// A configuration of 16-8-4 (rule lim by default, n_max or states 8)
  /// with the stuck map `text` (none when nil), edited, then validated.
  static func mapConfiguration(
    _ text: String?, rule: LearningRule = .lim, _ edit: (inout TrainingConfiguration) -> Void = { _ in }
  ) throws -> TrainingConfiguration {
    var cfg = TrainingConfiguration()
    cfg.rule = rule
    cfg.layers = [16, 8, 4]
    cfg.seed = 5
    cfg.nMax = 8
    if rule.isFiniteState { cfg.states = 8 }
    if let text { cfg.restoreStuckMap(try StuckMap.parse(text, path: "m.csv")) }
    edit(&cfg)
    try cfg.validate()
    return cfg
  }

  static func train(_ net: LimNetwork, samples: Int) {
    images.pixels.withUnsafeBufferPointer { px in
      for s in 0..<samples {
        _ = net.train(px.baseAddress! + (s % images.count) * 16, label: Int(images.labels[s % images.count]))
      }
    }
    net.applyBatch()
  }
}

private let images = StuckFixture.images
private func configuration(_ edit: (inout TrainingConfiguration) -> Void) throws -> TrainingConfiguration {
  try StuckFixture.configuration(edit)
}
private func train(_ net: LimNetwork, samples: Int) { StuckFixture.train(net, samples: samples) }

private func stuckCount(_ layer: LimLayer) -> Int {
  (0..<(layer.rows * layer.columns)).reduce(0) { $0 + (layer.xp[$1] == 0 ? 1 : 0) + (layer.xm[$1] == 0 ? 1 : 0) }
}

@Test func stuckOffZeroIsTheNetworkOfBefore() throws {
  for sigma in [0.0, 0.4] {
    let zero = LimNetwork(configuration: try configuration { $0.sigma = sigma; $0.stuckOff = 0 })
    // The stuck draws made, none stuck: every other draw is that of 0
    // (review 72: comparing 0 with the default compared a run with itself).
    let drawn = LimNetwork(configuration: try configuration { $0.sigma = sigma; $0.stuckOff = 1e-15 })
    #expect(drawn.layers.allSatisfy { stuckCount($0) == 0 })
    for (a, b) in zip(zero.layerStates, drawn.layerStates) {
      #expect(a.plusStates == b.plusStates && a.minusStates == b.minusStates)
      #expect(a.plusScales == b.plusScales && a.minusScales == b.minusScales)
    }
    // Without σ: no scales read, and the looked-up kernel kept.
    if sigma == 0 {
      #expect(zero.layers.allSatisfy { !$0.hasVariation && $0.transitions != nil })
    }
  }
  // The key at 0 is not written (old summaries and checkpoints read as before).
  #expect(!TrainingConfiguration().keyValues.contains { $0.0 == "stuck_off" })
  #expect(TrainingConfiguration().allKeyValues.contains { $0 == ("stuck_off", "0") })
  var set = TrainingConfiguration()
  try set.set("stuck_off", "0.25")
  #expect(set.stuckOff == 0.25 && set.keyValues.contains { $0 == ("stuck_off", "0.25") })
}

// A fraction so small that no device is stuck: the scaled kernel (X = 1
// read) gives the looked-up kernel's run, bit for bit, and every other draw
// is that of 0 (the same pulses and accuracies).
@Test(arguments: [UpdateMethod.a, .b, .c])
func aVanishingStuckFractionGivesTheRunOfZero(_ method: UpdateMethod) throws {
  var cfg = Fixture.configuration(method: method, epochs: 1)
  cfg.nMax = 16
  let plain = try Fixture.run(cfg)
  cfg.stuckOff = 1e-15
  let net = LimNetwork(configuration: cfg)
  #expect(net.layers.allSatisfy { $0.hasVariation && $0.transitions == nil && stuckCount($0) == 0 })
  let tiny = try Fixture.run(cfg)
  #expect(tiny.points.map(\.accuracy) == plain.points.map(\.accuracy))
  #expect(tiny.points.map(\.pulses) == plain.points.map(\.pulses) && tiny.points.last!.pulses > 0)
  #expect(tiny.points.map(\.resets) == plain.points.map(\.resets))
}

@Test func theStuckCountIsBinomialAndEachLayerHasItsOwnStream() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [200, 50]
  cfg.stuckOff = 0.1
  try cfg.validate()
  var rng = SeededGenerator(seed: 1)
  let layer = LimLayer(inputs: 200, outputs: 50, configuration: cfg, rng: &rng)
  let n = 2.0 * Double(layer.rows * layer.columns)
  let mean = n * 0.1, sd = (n * 0.1 * 0.9).squareRoot()
  let count = Double(stuckCount(layer))
  #expect(abs(count - mean) < 4 * sd, "\(count) stuck of \(n), mean \(mean) ± \(sd)")
  // The others are untouched (X = 1 without σ).
  for k in 0..<(layer.rows * layer.columns) {
    #expect(layer.xp[k] == 0 || layer.xp[k] == 1)
    #expect(layer.xm[k] == 0 || layer.xm[k] == 1)
  }
  // G+ and G− independently: both stuck in about f² of the synapses, not f.
  let both = (0..<(layer.rows * layer.columns)).filter { layer.xp[$0] == 0 && layer.xm[$0] == 0 }.count
  #expect(both < Int(n / 2 * 0.1 / 2), "\(both)")
  // Two layers of one shape: other sets (a stream per layer).
  let net = LimNetwork(configuration: try configuration { $0.layers = [16, 16, 16]; $0.stuckOff = 0.5 })
  let masks = net.layers.map { l in (0..<(l.rows * l.columns)).map { l.xp[$0] == 0 } }
  #expect(masks[0] != masks[1])
  // Another seed, another set.
  let other = LimNetwork(configuration: try configuration { $0.layers = [16, 16, 16]; $0.stuckOff = 0.5; $0.seed = 6 })
  #expect((0..<(17 * 16)).map { other.layers[0].xp[$0] == 0 } != masks[0])
}

@Test func everyDeviceStuckReadsNoCurrent() throws {
  let net = LimNetwork(configuration: try configuration { $0.stuckOff = 1 })
  for layer in net.layers {
    #expect(stuckCount(layer) == 2 * layer.rows * layer.columns)
    for k in 0..<(layer.rows * layer.columns) {
      #expect(layer.array._plus[k] == 0 && layer.array._minus[k] == 0 && layer.array._weight[k] == 0)
    }
  }
  // Every image: every output sum 0, the same outputs.
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<10 {
      _ = net.predict(px.baseAddress! + s * 16)
      #expect(net.sums.allSatisfy { $0.allSatisfy { $0 == 0 } }, "image \(s): \(net.sums)")
    }
  }
  // Training pulses devices (their states move) and changes nothing.
  train(net, samples: 40)
  #expect(net.pulses > 0)
  for layer in net.layers {
    #expect((0..<(layer.rows * layer.columns)).allSatisfy { layer.conductances($0).plus == 0 && layer.conductances($0).minus == 0 && layer.array._weight[$0] == 0 })
  }
}

struct StuckCase: Sendable, CustomTestStringConvertible {
  var method: UpdateMethod
  var sigma = 0.0
  var c2c = 0.0
  var margin = 0.0
  var batch = 1
  var halfSelect = false
  var testDescription: String {
    "method \(method.rawValue)\(sigma > 0 ? ", σ \(sigma)" : "")\(c2c > 0 ? ", σ_c2c \(c2c)" : "")\(margin > 0 ? ", b_margin \(margin)" : "")\(batch > 1 ? ", batch \(batch)" : "")\(halfSelect ? ", half_select book" : "")"
  }
}

// Every kernel: the scaled integer one (a, b), the booking one, the
// conductance states (c, σ_c2c, b_margin), mini-batches. A stuck device
// stays at 0 S through pulses and resets; its state counter moves.
@Test(arguments: [
  StuckCase(method: .a), StuckCase(method: .b), StuckCase(method: .c), StuckCase(method: .b, sigma: 0.4),
  StuckCase(method: .a, c2c: 0.2), StuckCase(method: .b, c2c: 0.2), StuckCase(method: .b, margin: 0.5),
  StuckCase(method: .b, batch: 4), StuckCase(method: .b, halfSelect: true),
])
func aStuckDeviceStaysOpenThroughPulsesAndResets(_ c: StuckCase) throws {
  let cfg = try configuration {
    $0.method = c.method
    $0.sigma = c.sigma
    $0.sigmaC2C = c.c2c
    $0.bMargin = c.margin
    $0.batch = c.batch
    $0.stuckOff = 0.3
    if c.halfSelect { $0.halfSelect = .book }
  }
  let net = LimNetwork(configuration: cfg)
  let before = net.layerStates
  train(net, samples: 400)
  #expect(net.layers.reduce(0) { $0 + $1.resets } > 0, "no reset: the test drove no sequence at G_max")
  var stuckMoved = 0, stuck = 0
  for (l, layer) in net.layers.enumerated() {
    // What the kernels kept (the weight cache, the arrays' loads), before
    // `synchronize` rewrites them from the states (review 72: read after
    // it, a stuck device's 0 S held by construction).
    let mn = layer.rows * layer.columns
    let weights = Array(UnsafeBufferPointer(start: layer.array._weight, count: mn))
    let plus = Array(UnsafeBufferPointer(start: layer.array._plus, count: mn))
    let minus = Array(UnsafeBufferPointer(start: layer.array._minus, count: mn))
    layer.synchronize()
    for k in 0..<mn {
      let g = layer.conductances(k)
      if layer.xp[k] == 0 {
        stuck += 1
        #expect(g.plus == 0 && plus[k] == 0, "layer \(l) synapse \(k): G+ \(plus[k])")
        let moved = layer.conductanceStates ? layer.gp[k] != before[l].plusConductances[k] : layer.kp[k] != before[l].plusStates[k]
        if moved { stuckMoved += 1 }
      }
      if layer.xm[k] == 0 { #expect(g.minus == 0 && minus[k] == 0, "layer \(l) synapse \(k): G− \(minus[k])") }
      // The kernels' weight cache is the one the states give (X = 0 read).
      #expect(weights[k] == layer.array._weight[k], "layer \(l) synapse \(k)")
    }
  }
  #expect(stuck > 0 && stuckMoved > 0, "\(stuck) stuck G+, \(stuckMoved) moved")
}

@Test func theOtherDrawsAreThoseOfZero() throws {
  for sigma in [0.0, 0.5] {
    let plain = LimNetwork(configuration: try configuration { $0.sigma = sigma; $0.initialFraction = 1 })
    let stuck = LimNetwork(configuration: try configuration { $0.sigma = sigma; $0.initialFraction = 1; $0.stuckOff = 0.3 })
    for (a, b) in zip(plain.layers, stuck.layers) {
      let mn = a.rows * a.columns
      #expect(Array(UnsafeBufferPointer(start: a.kp, count: mn)) == Array(UnsafeBufferPointer(start: b.kp, count: mn)))
      #expect(Array(UnsafeBufferPointer(start: a.km, count: mn)) == Array(UnsafeBufferPointer(start: b.km, count: mn)))
      #expect(Array(UnsafeBufferPointer(start: a.gp, count: mn)) == Array(UnsafeBufferPointer(start: b.gp, count: mn)))
      // The scales: σ's draw, or 0 where stuck.
      for k in 0..<mn {
        #expect(b.xp[k] == 0 || b.xp[k] == a.xp[k])
        #expect(b.xm[k] == 0 || b.xm[k] == a.xm[k])
      }
      #expect(stuckCount(b) > 0)
    }
  }
}

@Test func stuckOffIsValidatedAndRefusedByFloat() throws {
  for bad in [-0.1, 1.5, .nan, .infinity] {
    var cfg = TrainingConfiguration()
    cfg.stuckOff = bad
    #expect(throws: ConfigurationError.self) { try cfg.validate() }
    do { try cfg.validate() } catch let e as ConfigurationError { #expect(e.field == "stuck_off", "\(e)") }
  }
  for good in [0.0, 0.5, 1.0] {
    var cfg = TrainingConfiguration()
    cfg.stuckOff = good
    try cfg.validate()
  }
  // (Rules hybrid and single take it since session 73: HybridStuckTests.)
  var float = TrainingConfiguration()
  float.rule = .float
  float.stuckOff = 0.1
  #expect(float.ignoredKeys.contains { $0.key == "stuck_off" })
  var lim = TrainingConfiguration()
  lim.stuckOff = 0.1
  lim.mode = .offChip
  #expect(!lim.ignoredKeys.contains { $0.key == "stuck_off" })
}

// Off-chip: the software training runs without stuck devices (its ideal
// twin), and the programmed array's stuck devices stay at 0 S, with either
// transfer (both program the same array).
@Test func offChipProgramsAroundTheStuckDevices() throws {
  let cfg = try configuration { $0.stuckOff = 0.3; $0.mode = .offChip; $0.initialFraction = 1 }
  #expect(cfg.idealHardware.stuckOff == 0)
  let source = LimNetwork(configuration: cfg.idealHardware)
  #expect(source.layers.allSatisfy { stuckCount($0) == 0 })
  train(source, samples: 100)
  for transfer in [OffChipTransfer.states, .weights] {
    let target = LimNetwork(configuration: cfg)
    if transfer == .states {
      target.program(statesOf: source)
    } else {
      target.program(weights: source.layers.map { l in
        (0..<(l.rows * l.columns)).map { k in (l.table[Int(l.kp[k])] - l.table[Int(l.km[k])]) }
      })
    }
    var programmed = 0
    for (t, s) in zip(target.layers, source.layers) {
      #expect(stuckCount(t) > 0)
      for k in 0..<(t.rows * t.columns) {
        let g = t.conductances(k), ideal = s.conductances(k)
        if t.xp[k] == 0 {
          #expect(g.plus == 0 && t.array._plus[k] == 0)
          if t.kp[k] > 0 { programmed += 1 }
        } else if transfer == .states {
          #expect(g.plus == ideal.plus)
        }
        if t.xm[k] == 0 { #expect(g.minus == 0 && t.array._minus[k] == 0) }
      }
    }
    #expect(programmed > 0, "\(transfer): no stuck device was asked for a conductance")
  }
  // The run: stuck devices cost the programmed array accuracy or at
  // least change it, and the run is reproducible.
  var run = Fixture.configuration(method: .b, epochs: 1)
  run.mode = .offChip
  let plain = try Fixture.run(run)
  run.stuckOff = 0.3
  let a = try Fixture.run(run), b = try Fixture.run(run)
  #expect(a.points.map(\.accuracy) == b.points.map(\.accuracy))
  #expect(a.points.map(\.accuracy) != plain.points.map(\.accuracy))
  run.transfer = .weights
  let w = try Fixture.run(run)
  run.stuckOff = 0
  #expect(try Fixture.run(run).points.map(\.accuracy) != w.points.map(\.accuracy))
}
