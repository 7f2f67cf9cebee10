import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `stuck_known` (rules hybrid and single): a controller that knows its stuck devices skips
// the saturation pass's sequences that can only rewrite them. Burr's refresh after a pulse
// lost at a stuck device would reset both and climb the working partner back where it was;
// method b's reset and re-potentiation of a stuck other device move nothing. The coincident
// update's pulses still reach stuck devices.

private func configuration(
  _ rule: LearningRule, _ encoding: UpdateEncoding, known: Bool, _ edit: (inout TrainingConfiguration) -> Void = { _ in }
) throws -> TrainingConfiguration {
  var cfg = Fixture.configuration(rule: rule)
  // A short range: saturation passes come often.
  cfg.states = 8
  cfg.encoding = encoding
  cfg.stuckOff = 0.1
  cfg.stuckOn = 0.15
  cfg.endurance = true
  cfg.stuckKnown = known
  edit(&cfg)
  try cfg.validate()
  return cfg
}

/// Over every layer: the stuck devices' resets and re-potentiation-free pulses, and their
/// working partners' resets.
private func stuckResets(_ net: HybridNetwork) -> (stuck: Int, partners: Int) {
  var stuck = 0, partners = 0
  for layer in net.layers {
    let marks = layer.stuckDevices!, e = layer.endurance!
    for d in 0..<layer.g.count {
      for x in 0..<layer.count {
        let r = Int(e.resets[d * layer.count + x])
        if marks[d][x] != 0 { stuck += r } else if marks[d ^ 1][x] != 0 { partners += r }
      }
    }
  }
  return (stuck, partners)
}

struct StuckKnownCase: Sendable, CustomTestStringConvertible {
  var rule: LearningRule
  var encoding: UpdateEncoding
  var c2c = 0.0
  var testDescription: String { "\(rule.rawValue) \(encoding.rawValue)\(c2c > 0 ? ", c2c \(c2c)" : "")" }
}

private let cases = [
  StuckKnownCase(rule: .hybrid, encoding: .stochastic), StuckKnownCase(rule: .single, encoding: .deterministic),
  StuckKnownCase(rule: .hybrid, encoding: .sign), StuckKnownCase(rule: .single, encoding: .stochastic, c2c: 0.3),
]

// The same run with and without the knowledge: the known controller resets no stuck
// device (Burr's refresh reset both devices of a pair whose stuck device a pulse found; method
// b reset the stuck other device), and issues fewer resets and pulses; the stuck devices stay
// pinned and the cache is the devices' sum.
@Test(arguments: cases)
func aControllerThatKnowsItsStuckDevicesResetsNone(_ c: StuckKnownCase) throws {
  let blind = try HybridNetwork(configuration: try configuration(c.rule, c.encoding, known: false) { $0.c2c = c.c2c })
  let known = try HybridNetwork(configuration: try configuration(c.rule, c.encoding, known: true) { $0.c2c = c.c2c })
  #expect(known.layers.allSatisfy { $0.knowsStuck } && blind.layers.allSatisfy { !$0.knowsStuck })
  for net in [blind, known] { trainHybridFixture(net, samples: 300) }
  let b = stuckResets(blind), k = stuckResets(known)
  #expect(b.stuck > 0, "the blind controller reset no stuck device: nothing to skip")
  #expect(k.stuck == 0, "the known controller reset stuck devices \(k.stuck) times")
  let resets = (blind.layers.reduce(0) { $0 + $1.resets }, known.layers.reduce(0) { $0 + $1.resets })
  #expect(resets.1 < resets.0, "resets: blind \(resets.0), known \(resets.1)")
  if c.encoding != .sign {
    // Burr's refresh of a pair with a stuck pulsed device re-potentiated the partner.
    let again = (blind.layers.reduce(0) { $0 + $1.repotentiations }, known.layers.reduce(0) { $0 + $1.repotentiations })
    #expect(again.1 < again.0, "re-potentiation pulses: blind \(again.0), known \(again.1)")
    #expect(b.partners > 0)
  }
  for layer in known.layers {
    let marks = layer.stuckDevices!
    for d in 0..<layer.g.count {
      for x in 0..<layer.count where marks[d][x] != 0 {
        #expect(layer.g[d][x] == (marks[d][x] == 1 ? 0 : layer.uniformHigh[d / 2]))
      }
    }
    for x in 0..<layer.count { #expect(abs(layer.w[x] - layer.weight(x)) <= 1e-5) }
  }
}

// Pulses still reach stuck devices in the coincident update: the known run's stuck devices
// are pulsed.
@Test func theKnownControllersStuckDevicesAreStillPulsed() throws {
  let net = try HybridNetwork(configuration: try configuration(.hybrid, .stochastic, known: true))
  trainHybridFixture(net, samples: 200)
  var pulsed = 0
  for layer in net.layers {
    for d in 0..<layer.g.count {
      for x in 0..<layer.count where layer.stuckDevices![d][x] != 0 { pulsed += Int(layer.endurance!.pulses[d * layer.count + x]) }
    }
  }
  #expect(pulsed > 0)
}

// Without stuck devices the knowledge is of nothing: the run of before, bit for bit.
@Test(arguments: cases)
func knowingNoStuckDeviceChangesNothing(_ c: StuckKnownCase) throws {
  let plain = try HybridNetwork(configuration: try configuration(c.rule, c.encoding, known: false) {
    $0.c2c = c.c2c; $0.stuckOff = 0; $0.stuckOn = 0
  })
  let known = try HybridNetwork(configuration: try configuration(c.rule, c.encoding, known: true) {
    $0.c2c = c.c2c; $0.stuckOff = 0; $0.stuckOn = 0
  })
  #expect(known.layers.allSatisfy { !$0.knowsStuck })
  for net in [plain, known] { trainHybridFixture(net, samples: 200) }
  for (a, b) in zip(plain.layerStates, known.layerStates) {
    #expect(a.conductances == b.conductances && a.weights == b.weights)
    #expect(a.pulses == b.pulses && a.resets == b.resets)
  }
}

@Test func stuckKnownIsReadByHybridAndSingleOnly() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("stuck_known", "true")
  #expect(cfg.stuckKnown)
  // Written only when set (summaries and sweep bases of before read as they did).
  #expect(cfg.keyValues.contains { $0 == ("stuck_known", "true") })
  try cfg.set("stuck_known", "false")
  #expect(!cfg.keyValues.contains { $0.0 == "stuck_known" })
  #expect(cfg.allKeyValues.contains { $0 == ("stuck_known", "false") })
  do {
    try cfg.set("stuck_known", "yes")
    Issue.record("stuck_known took 'yes'")
  } catch let e as ConfigurationError { #expect(e.field == "stuck_known") }
  for rule in LearningRule.allCases {
    var c = TrainingConfiguration()
    c.rule = rule
    c.stuckKnown = true
    let ignored = c.ignoredKeys.filter { $0.key == "stuck_known" }
    if rule == .hybrid || rule == .single {
      #expect(ignored.isEmpty)
    } else {
      #expect(ignored.map(\.usedBy) == ["rules hybrid and single"], "rule \(rule.rawValue)")
    }
  }
}
