import Circuit
import Testing
import _TestSupport

@testable import Trainer

// With σ 0 and stuck_off 0, a device of scale 0 is a shorted one: states
// carrying an unmarked device of scale 0 (an open device, which stuck_on
// alone never draws) are refused, as session 72 refused any scale.
@Test func restoreRefusesAnOpenDeviceWithStuckOnAlone() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 5
  cfg.nMax = 8
  cfg.stuckOn = 0.3
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  var states = net.layerStates
  let k = try #require((0..<states[0].plusScales.count).first { states[0].plusShorted![$0] == 0 })
  states[0].plusScales[k] = 0
  do {
    try LimNetwork(configuration: cfg).restore(states)
    Issue.record("an open device taken with stuck_off 0")
  } catch let e as ConfigurationError { #expect(e.field == "stuck_off", "\(e)") }
  // With stuck_off > 0 it is an open device, and taken.
  var both = cfg
  both.stuckOff = 0.1
  let open = LimNetwork(configuration: both)
  var withOpen = open.layerStates
  let j = try #require((0..<withOpen[0].plusScales.count).first { withOpen[0].plusShorted![$0] == 0 && withOpen[0].plusScales[$0] == 1 })
  withOpen[0].plusScales[j] = 0
  try LimNetwork(configuration: both).restore(withOpen)
}
