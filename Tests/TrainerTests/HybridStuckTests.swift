import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Stuck devices for rules hybrid and single (`stuck_off`, `stuck_on`): a
// stuck device's bounds are pinned (0 S open, its kind's G_max shorted),
// so every clamp holds it; the controller pulses and resets it as any
// device at its top, and its pulses and resets are booked at the
// conductance it has.

private let data = Fixture.dataset(Fixture.train)

private func configuration(
  _ rule: LearningRule = .hybrid, _ edit: (inout TrainingConfiguration) -> Void = { _ in }
) throws -> TrainingConfiguration {
  var cfg = Fixture.configuration(rule: rule)
  // A short range: refreshes (or method b's resets) come often.
  cfg.states = 8
  edit(&cfg)
  try cfg.validate()
  return cfg
}

/// `samples` images of `Fixture.train`, the second half after the switch
/// to the small arrays (rule hybrid); StuckKnownTests' too.
func trainHybridFixture(_ net: HybridNetwork, samples: Int, from start: Int = 0) {
  data.pixels.withUnsafeBufferPointer { px in
    for s in start..<(start + samples) {
      if s == samples / 2 && net.isHybrid && net.phase != .fine { net.switchToFineTuning() }
      net.train(px.baseAddress! + (s % data.count) * 64, label: Int(data.labels[s % data.count]))
    }
  }
}

/// Every stuck device as (array d, cell x, pinned conductance).
private func stuck(_ layer: HybridLayer) -> [(d: Int, x: Int, g: Float)] {
  guard let marks = layer.stuckDevices else { return [] }
  var found: [(d: Int, x: Int, g: Float)] = []
  for d in 0..<layer.g.count {
    for x in 0..<layer.count where marks[d][x] != 0 {
      found.append((d, x, marks[d][x] == 1 ? 0 : layer.uniformHigh[d / 2]))
    }
  }
  return found
}

struct HybridStuckCase: Sendable, CustomTestStringConvertible {
  var rule: LearningRule
  var encoding = UpdateEncoding.stochastic
  var c2c = 0.0
  var d2d = 0.0
  var smallStates: Int? = nil
  /// A measured device (`device_csv`, `measuredCurve`'s 9 points).
  var measured = false
  var testDescription: String {
    "\(rule.rawValue) \(encoding.rawValue)\(c2c > 0 ? ", c2c \(c2c)" : "")\(d2d > 0 ? ", d2d \(d2d)" : "")\(smallStates.map { ", small_states \($0)" } ?? "")\(measured ? ", measured" : "")"
  }
}

private let cases = [
  HybridStuckCase(rule: .hybrid), HybridStuckCase(rule: .single), HybridStuckCase(rule: .hybrid, encoding: .sign),
  HybridStuckCase(rule: .hybrid, c2c: 0.3), HybridStuckCase(rule: .hybrid, d2d: 0.5),
  HybridStuckCase(rule: .single, encoding: .sign, c2c: 0.3, d2d: 0.5), HybridStuckCase(rule: .hybrid, smallStates: 20),
  HybridStuckCase(rule: .hybrid, measured: true), HybridStuckCase(rule: .single, encoding: .sign, measured: true),
  HybridStuckCase(rule: .hybrid, encoding: .sign, c2c: 0.3, d2d: 0.5, measured: true),
]

/// A bent measured device of 8 pulses (its steps shrink), written once.
private let measuredCurve: String = {
  let url = try! Scratch.directory("xbarsim-stuck-device").appendingPathComponent("device.csv")
  let lines = (0...8).map { "p,\(1e-6 + 9e-6 * (1 - exp(-Double($0) / 4)) / (1 - exp(-2.0)))" }
  try! lines.joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
  return url.path
}()

private func configuration(_ c: HybridStuckCase, _ edit: (inout TrainingConfiguration) -> Void) throws -> TrainingConfiguration {
  try configuration(c.rule) {
    $0.encoding = c.encoding
    $0.c2c = c.c2c
    $0.d2d = c.d2d
    if let s = c.smallStates { $0.smallStates = s }
    if c.measured { try! $0.set("device_csv", measuredCurve) }
    edit(&$0)
  }
}

// Both keys drawn but no device stuck (1e-15): the per-device path with
// every bound the kind's gives the run with the keys absent, bit for bit
// (conductances, weight cache, pulses, resets), and so does 0.
@Test(arguments: cases)
func hybridStuckDrawsWithNoneStuckGiveTheRunOfBefore(_ c: HybridStuckCase) throws {
  // (Keys at 0 are the default configuration itself: only the drawn,
  // none-stuck network can differ from `plain`; review 73c.)
  let plain = try HybridNetwork(configuration: try configuration(c) { _ in })
  let drawn = try HybridNetwork(configuration: try configuration(c) { $0.stuckOff = 1e-15; $0.stuckOn = 1e-15 })
  #expect(drawn.layers.allSatisfy { $0.stuckDevices != nil && $0.perDeviceBounds && stuck($0).isEmpty })
  #expect(plain.layers.allSatisfy { $0.stuckDevices == nil })
  for net in [plain, drawn] { trainHybridFixture(net, samples: 200) }
  #expect(plain.layers.reduce(0) { $0 + $1.resets } > 0, "no reset: no saturation pass ran")
  for net in [drawn] {
    for (a, b) in zip(plain.layerStates, net.layerStates) {
      #expect(a.conductances == b.conductances)
      #expect(a.weights == b.weights)
      #expect(a.pulses == b.pulses && a.repotentiations == b.repotentiations && a.resets == b.resets)
    }
    for (a, b) in zip(plain.layers, net.layers) {
      #expect(a.pulseConductance == b.pulseConductance && a.resetConductance == b.resetConductance)
    }
  }
}

// Over a training run a stuck device keeps its conductance (pulses, c2c,
// refreshes, method b, d2d) while it is pulsed and reset; the weight cache
// and the line sums stay those of the devices.
@Test(arguments: cases)
func aStuckHybridDeviceNeverMoves(_ c: HybridStuckCase) throws {
  let cfg = try configuration(c) { $0.stuckOff = 0.15; $0.stuckOn = 0.15; $0.endurance = true }
  let net = try HybridNetwork(configuration: cfg)
  let sets = net.layers.map(stuck)
  for (layer, set) in zip(net.layers, sets) {
    #expect(!set.isEmpty)
    for s in set { #expect(layer.g[s.d][s.x] == s.g && layer.lo[s.d][s.x] == s.g && layer.hi[s.d][s.x] == s.g) }
  }
  trainHybridFixture(net, samples: 300)
  #expect(net.layers.reduce(0) { $0 + $1.resets } > 0, "no reset: no saturation pass ran")
  var pulsed = 0, reset = 0
  for (l, (layer, set)) in zip(net.layers, sets).enumerated() {
    for s in set {
      #expect(layer.g[s.d][s.x] == s.g, "layer \(l) array \(s.d) cell \(s.x): \(layer.g[s.d][s.x]), stuck at \(s.g)")
      let e = layer.endurance!
      pulsed += e.pulses[s.d * layer.count + s.x] > 0 ? 1 : 0
      reset += e.resets[s.d * layer.count + s.x] > 0 ? 1 : 0
    }
    // The cache: the devices' sum (pulse-by-pulse sums drift by ulps).
    for x in 0..<layer.count {
      #expect(abs(layer.w[x] - layer.weight(x)) <= 1e-5, "layer \(l) cell \(x): W \(layer.w[x]), devices \(layer.weight(x))")
    }
    // The row loads kept in step are those the devices give.
    let kept = Array(UnsafeBufferPointer(start: layer.rowLoad, count: layer.rows))
    layer.recomputeLineSums()
    for i in 0..<layer.rows { #expect(abs(kept[i] - layer.rowLoad[i]) <= 1e-3, "layer \(l) row \(i)") }
  }
  // The controller does not know: stuck devices are pulsed (and reset).
  #expect(pulsed > 0, "no stuck device was pulsed")
  if c.encoding == .sign || c.rule == .hybrid { #expect(reset > 0, "no stuck device was reset") }
}

// Over a big layer, each kind of stuck device within 4 σ of its binomial
// mean; open ones at 0 S, shorted ones at the kind's G_max (1, 1/k also
// with small_states); each layer and seed its own set.
@Test func theHybridStuckFractionsAreBinomialAndPinned() throws {
  for smallStates in [nil, 40] {
    let cfg = try configuration {
      $0.layers = [200, 50, 10]
      $0.k = 10
      if let s = smallStates { $0.smallStates = s }
      $0.stuckOff = 0.1
      $0.stuckOn = 0.2
    }
    let net = try HybridNetwork(configuration: cfg)
    let layer = net.layers[0]
    let n = Double(4 * layer.count)
    var open = 0.0, shorted = 0.0
    for d in 0..<4 {
      for x in 0..<layer.count {
        switch layer.stuckDevices![d][x] {
        case 1:
          open += 1
          #expect(layer.g[d][x] == 0)
        case 2:
          shorted += 1
          #expect(layer.g[d][x] == (d < 2 ? 1 : Float(1.0 / 10)))
        default:
          #expect(layer.lo[d][x] == layer.uniformLow[d / 2] && layer.hi[d][x] == layer.uniformHigh[d / 2])
        }
      }
    }
    for (count, f) in [(open, 0.1), (shorted, 0.2)] {
      let sd = (n * f * (1 - f)).squareRoot()
      #expect(abs(count - n * f) < 4 * sd, "\(count) of \(n), mean \(n * f) ± \(sd)")
    }
    // Each of the four devices drawn on its own: big G+ and small g+ both
    // open in about f² of the cells.
    let both = (0..<layer.count).filter { layer.stuckDevices![0][$0] == 1 && layer.stuckDevices![2][$0] == 1 }.count
    #expect(abs(Double(both) - Double(layer.count) * 0.01) < 4 * (Double(layer.count) * 0.01).squareRoot(), "\(both)")
  }
  let a = try HybridNetwork(configuration: try configuration { $0.layers = [16, 16, 16]; $0.stuckOff = 0.5 })
  let marks = a.layers.map { l in Array(UnsafeBufferPointer(start: l.stuckDevices![0], count: l.count)) }
  #expect(marks[0] != marks[1])
  let b = try HybridNetwork(configuration: try configuration { $0.layers = [16, 16, 16]; $0.stuckOff = 0.5; $0.seed = 9 })
  #expect(Array(UnsafeBufferPointer(start: b.layers[0].stuckDevices![0], count: 17 * 16)) != marks[0])
  // The other draws are those of 0: every device that is not stuck starts
  // where it did.
  let plain = try HybridNetwork(configuration: try configuration { $0.layers = [16, 16, 16]; $0.initialFraction = 1 })
  let some = try HybridNetwork(configuration: try configuration { $0.layers = [16, 16, 16]; $0.initialFraction = 1; $0.stuckOn = 0.3 })
  for (p, s) in zip(plain.layers, some.layers) {
    for d in 0..<4 { for x in 0..<p.count where s.stuckDevices![d][x] == 0 { #expect(p.g[d][x] == s.g[d][x]) } }
  }
}

// Every device shorted (rule single): every pulse finds G_max and is
// booked there, and every reset (method b) too, and a measured device's
// re-potentiation pulses (method b counts them from its index, which
// moves); every device open: at 0 S.
@Test(arguments: [HybridStuckCase(rule: .single), HybridStuckCase(rule: .single, encoding: .sign), HybridStuckCase(rule: .single, encoding: .sign, measured: true)])
func aShortedDevicesPulsesAndResetsAreBookedAtGMax(_ c: HybridStuckCase) throws {
  let encoding = c.encoding
  for (on, g) in [(1.0, 1.0), (0.0, 0.0)] {
    let net = try HybridNetwork(configuration: try configuration(c) {
      if on == 1 { $0.stuckOn = 1 } else { $0.stuckOff = 1 }
    })
    #expect(net.layers.allSatisfy { $0.uniformHigh[0] == 1 })
    trainHybridFixture(net, samples: 100)
    let pulses = net.layers.reduce(0) { $0 + $1.pulses }, resets = net.layers.reduce(0) { $0 + $1.resets }
    #expect(pulses > 0)
    if encoding == .sign { #expect(resets > 0) }
    if c.measured { #expect(net.layers.reduce(0) { $0 + $1.repotentiations } > 0, "no re-potentiation of a stuck device") }
    for layer in net.layers {
      #expect(layer.pulseConductance == Double(layer.pulses) * g, "stuck_on \(on): \(layer.pulseConductance) for \(layer.pulses) pulses")
      #expect(layer.resetConductance == Double(layer.resets) * g)
      #expect((0..<layer.count).allSatisfy { layer.g[0][$0] == Float(g) && layer.g[1][$0] == Float(g) && layer.w[$0] == 0 })
    }
  }
}

// A network's states restored into one of the same configuration keep the
// stuck set (drawn again from the seed) and train on with it; into one with
// more shorted devices or another seed they are refused (a device shorted
// there holds a conductance below its pinned G_max, or an open one's 0 S
// is below a working device's G_min). Fewer shorted devices fit the ranges
// (a shorted device's G_max is a working one's): the checkpoint's keys
// refuse that (`Checkpoint.hybridStateKeys`, StuckOffCommandTests).
@Test func restoredHybridStatesKeepTheStuckSet() throws {
  let cfg = try configuration { $0.stuckOff = 0.1; $0.stuckOn = 0.1 }
  let net = try HybridNetwork(configuration: cfg)
  trainHybridFixture(net, samples: 100)
  let again = try HybridNetwork(configuration: cfg)
  try again.restore(net.layerStates, phase: net.phase)
  for (a, b) in zip(net.layers, again.layers) {
    for d in 0..<4 {
      #expect(Array(UnsafeBufferPointer(start: a.stuckDevices![d], count: a.count)) == Array(UnsafeBufferPointer(start: b.stuckDevices![d], count: b.count)))
    }
  }
  let sets = again.layers.map(stuck)
  trainHybridFixture(again, samples: 100, from: 100)
  for (layer, set) in zip(again.layers, sets) { for s in set { #expect(layer.g[s.d][s.x] == s.g) } }
  for edit: (inout TrainingConfiguration) -> Void in [{ $0.stuckOn = 0.2 }, { $0.seed = 2 }] {
    var other = cfg
    edit(&other)
    let target = try HybridNetwork(configuration: other)
    #expect(throws: ConfigurationError.self) { try target.restore(net.layerStates, phase: net.phase) }
  }
}

@Test func stuckKeysAreValidatedForHybridAndSingleAndIgnoredByFloat() throws {
  for rule in [LearningRule.hybrid, .single] {
    var cfg = TrainingConfiguration()
    cfg.rule = rule
    cfg.stuckOff = 0.1
    cfg.stuckOn = 0.2
    try cfg.validate()
    #expect(cfg.ignoredKeys.isEmpty, "\(cfg.ignoredKeys)")
    cfg.stuckOn = 0.95
    do {
      try cfg.validate()
      Issue.record("rule \(rule) took stuck_off + stuck_on > 1")
    } catch let e as ConfigurationError { #expect(e.field == "stuck_on") }
  }
  var float = TrainingConfiguration()
  float.rule = .float
  float.stuckOn = 0.1
  #expect(float.ignoredKeys.map(\.key) == ["stuck_on"])
  #expect(float.ignoredKeys.first?.usedBy == "rules lim, hybrid and single")
}
