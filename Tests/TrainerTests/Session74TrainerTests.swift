import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Session 74: a LimNetwork's restore checks every layer before it writes
// any. A bad second layer had left the first restored, noise stream and
// all: a library caller that caught the error went on with a network half
// the saved one's and half its own.
@Test func aRefusedRestoreLeavesEveryLayerAsItWas() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 3
  cfg.nMax = 8
  cfg.sigmaC2C = 0.2
  try cfg.validate()
  // The saved states: another seed's network, trained a little.
  var other = cfg
  other.seed = 4
  let source = LimNetwork(configuration: other)
  let images = (0..<40).map { i in (0..<16).map { UInt8(($0 * 37 + i * 11) % 256) } }
  for (i, image) in images.enumerated() { image.withUnsafeBufferPointer { source.train($0.baseAddress!, label: i % 4) } }
  var saved = source.layerStates
  #expect(saved[0].noise != nil && saved[0] != LimNetwork(configuration: cfg).layerStates[0])
  saved[1].plusStates[0] = UInt8(cfg.nMax + 1)

  let net = LimNetwork(configuration: cfg)
  let before = net.layerStates
  do {
    try net.restore(saved)
    Issue.record("a state beyond n_max was taken")
  } catch let e as ConfigurationError { #expect(e.field == "nmax", "\(e)") }
  #expect(net.layerStates == before)
  // Mended, the same states are taken whole.
  saved[1].plusStates[0] = 0
  saved[1].plusConductances[0] = source.layerStates[1].plusConductances[0]
  saved[1].plusStates[0] = source.layerStates[1].plusStates[0]
  try net.restore(saved)
  #expect(net.layerStates == saved)
}
