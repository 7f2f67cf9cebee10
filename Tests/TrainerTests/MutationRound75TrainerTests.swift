import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 75 (on sessions 73 and 74's stuck devices): behaviour
// the suite had not checked, each test named for what it guards.

// Rule lim's restore checks both sides of a synapse: a device marked
// shorted must have scale 0 on the minus side as on the plus side (the
// suite had only tried a plus device; a restore that checked G+ alone
// took a shorted G− with scale 1, which would then carry X·G(s) and
// G(n_max) at once).
@Test func limRestoreRefusesAShortedMinusDeviceWithAScale() throws {
  let cfg = try StuckFixture.configuration { $0.stuckOn = 0.3 }
  let net = LimNetwork(configuration: cfg)
  var states = net.layerStates
  let k = try #require(states[0].minusShorted!.firstIndex(of: 1))
  #expect(states[0].minusScales[k] == 0)
  states[0].minusScales[k] = 1
  do {
    try LimNetwork(configuration: cfg).restore(states)
    Issue.record("a shorted G− with scale 1 was taken")
  } catch let e as ConfigurationError {
    #expect(e.field == "stuck_on", "\(e)")
    #expect("\(e)".contains("synapse \(k)"), "\(e)")
  }
}

// Rules hybrid and single with `endurance`: a stuck device's
// re-potentiation pulses (method b's, on a measured device, whose index
// moves while its conductance stays pinned) are counted on it as any
// device's, so that every layer's per-device pulse and reset counts add up
// to its totals (the suite had only asked that some stuck device was
// pulsed, which the update's own pulses give).
@Test func hybridEnduranceCountsAStuckDevicesRepotentiationPulses() throws {
  let url = try Scratch.directory("xbarsim-m75-device").appendingPathComponent("device.csv")
  let lines = (0...8).map { "p,\(1e-6 + 9e-6 * (1 - exp(-Double($0) / 4)) / (1 - exp(-2.0)))" }
  try lines.joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
  for (on, off) in [(1.0, 0.0), (0.2, 0.1)] {
    var cfg = Fixture.configuration(rule: .single)
    cfg.states = 8
    cfg.encoding = .sign
    try cfg.set("device_csv", url.path)
    cfg.stuckOn = on
    cfg.stuckOff = off
    cfg.endurance = true
    try cfg.validate()
    let net = try HybridNetwork(configuration: cfg)
    let data = Fixture.dataset(Fixture.train)
    data.pixels.withUnsafeBufferPointer { px in
      for s in 0..<200 { net.train(px.baseAddress! + (s % data.count) * 64, label: Int(data.labels[s % data.count])) }
    }
    #expect(net.layers.reduce(0) { $0 + $1.repotentiations } > 0, "stuck_on \(on): no re-potentiation")
    for (l, layer) in net.layers.enumerated() {
      let e = try #require(layer.endurance)
      let n = layer.g.count * layer.count
      let pulses = (0..<n).reduce(0) { $0 + Int(e.pulses[$1]) }, resets = (0..<n).reduce(0) { $0 + Int(e.resets[$1]) }
      #expect(pulses == layer.pulses, "stuck_on \(on), layer \(l): \(pulses) pulses counted on devices, \(layer.pulses) issued")
      #expect(resets == layer.resets, "stuck_on \(on), layer \(l): \(resets) resets counted on devices, \(layer.resets) issued")
    }
  }
}
