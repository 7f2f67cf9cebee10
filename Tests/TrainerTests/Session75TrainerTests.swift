import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Session 75: on the grid (c2c 0), a refresh's re-potentiation ends on a
// grid point, G_max included. G_min + states·μ rounds an ulp short of
// G_max for the small devices (0.099999994 at 50 states, k 10), and the
// pulse loop snaps it; the re-potentiation did not, so a stuck device's
// partner put back at its top landed an ulp below it, where its next
// pulse moved it by that ulp instead of being lost to the saturation pass.
@Test(arguments: [LearningRule.hybrid, .single])
func aRepotentiatedDeviceOnTheGridIsNeverAnUlpBelowItsTop(_ rule: LearningRule) throws {
  var cfg = Fixture.configuration(rule: rule)
  cfg.stuckOff = 0.3
  cfg.c2c = 0
  try cfg.validate()
  let net = try HybridNetwork(configuration: cfg)
  let data = Fixture.dataset(Fixture.train)
  var atTop = 0, samples = 0
  data.pixels.withUnsafeBufferPointer { px in
    for s in 0..<600 {
      if s == 300 && net.isHybrid { net.switchToFineTuning() }
      net.train(px.baseAddress! + (s % data.count) * 64, label: Int(data.labels[s % data.count]))
      samples += 1
      for (l, layer) in net.layers.enumerated() {
        for d in 0..<layer.g.count {
          let snap = layer.step[d / 2] / 16
          for x in 0..<layer.count where layer.lo[d][x] < layer.hi[d][x] {
            let (g, hi) = (layer.g[d][x], layer.hi[d][x])
            atTop += g == hi ? 1 : 0
            if g < hi && hi - g < snap {
              Issue.record("sample \(s), layer \(l), array \(d), cell \(x): \(g), \(hi - g) below its top \(hi)")
              return
            }
          }
        }
      }
    }
  }
  #expect(samples == 600)
  #expect(atTop > 0, "no device reached its top: the case was not exercised")
  #expect(net.layers.reduce(0) { $0 + $1.repotentiations } > 0)
}

// A walkthrough (session 75): `small_at_limit` and `big_at_limit` counted
// every pair of two stuck devices as at its weight limit (W cannot move
// either way: no range, no limit). Untrained, every healthy small device
// is at its G_min, so the small pairs at their limit are those with
// exactly one stuck device (at its pinned top, the partner at G_min: W
// cannot move that way); a pair of two stuck devices is not counted.
@Test func aPairOfTwoStuckDevicesIsNotAtItsLimit() throws {
  var cfg = Fixture.configuration(rule: .hybrid)
  cfg.stuckOff = 0.3
  cfg.stuckOn = 0.3
  try cfg.validate()
  let net = try HybridNetwork(configuration: cfg)
  for layer in net.layers {
    let marks = try #require(layer.stuckDevices)
    let one = (0..<layer.count).filter { (marks[2][$0] != 0) != (marks[3][$0] != 0) }.count
    let both = (0..<layer.count).filter { marks[2][$0] != 0 && marks[3][$0] != 0 }.count
    #expect(both > 0 && one > 0)
    #expect(layer.pairsAtLimit(.small) == one, "\(layer.pairsAtLimit(.small)) counted, \(one) pairs with one stuck device, \(both) with two")
  }
}

// A walkthrough (session 75): rule lim's restore named no layer, list or
// cell ("synapse 2 has a shorted device with a scale that is not 0",
// "the states carry a device scale 0.5"); each failure now names the
// layer's list and the synapse, by its row and column too.
@Test func aRefusedLimRestoreNamesTheLayerTheListAndTheCell() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.nMax = 8
  cfg.stuckOn = 0.3
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  func refusal(_ edit: (inout [LimLayerState]) -> Void) -> String {
    var states = net.layerStates
    edit(&states)
    do {
      try LimNetwork(configuration: cfg).restore(states)
      return "taken"
    } catch { return "\(error)" }
  }
  // A healthy G− of layer 1 with a scale of σ > 0.
  let healthy = try #require(net.layerStates[1].minusShorted!.firstIndex(of: 0))
  let scale = refusal { $0[1].minusScales[healthy] = 0.5 }
  #expect(scale.contains("layers[1].minus_scales: synapse \(healthy) (row \(healthy / 4), column \(healthy % 4)) has a device scale 0.5"), "\(scale)")
  // A shorted G+ of layer 0 with scale 1.
  let shorted = try #require(net.layerStates[0].plusShorted!.firstIndex(of: 1))
  let short = refusal { $0[0].plusScales[shorted] = 1 }
  #expect(short.contains("layers[0].plus_shorted: synapse \(shorted) (row \(shorted / 8), column \(shorted % 8)) has a shorted device whose scale (plus_scales) is 1.0"), "\(short)")
  let state = refusal { $0[1].minusStates[3] = 9 }
  #expect(state.contains("layers[1].minus_states: synapse 3 (row 0, column 3) has a device state 9, beyond n_max 8"), "\(state)")
}
