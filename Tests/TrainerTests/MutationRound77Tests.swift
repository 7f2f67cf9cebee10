import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 77 (the stuck split of `endurance`, session 77): what the
// existing tests left open.

@Test func anUntrainedNetworksStuckDevicesAreToldThoughTheyReceivedNothing() throws {
  // One stuck device, the very last of the last layer (layer 1's bias
  // row, column 3, G−: device 2·9·4 − 1), and no pulse yet: the line
  // still tells it (the condition is the stuck devices, not their pulses),
  // and it is counted though it has no pulse.
  let cfg = try StuckFixture.mapConfiguration("layer,row,column,polarity,state\n1,8,3,minus,open\n") { $0.endurance = true }
  let net = LimNetwork(configuration: cfg)
  let e = try #require(net.endurance)
  #expect(e.all.pulses == 0 && e.all.resets == 0)
  #expect(e.layers.map(\.stuckDevices) == [0, 1] && e.all.stuckDevices == 1)
  #expect(
    e.summaryLine.hasSuffix("; the 1 stuck devices received 0 pulses and 0 resets, the 1 working partners of stuck devices 0 pulses and 0 resets"),
    "\(e.summaryLine)")
  #expect(e.layers.map(\.partnerDevices) == [0, 1])
}

@Test func mapsThatDifferInTheLastLayerOnlyDoNotStickTheSameDevices() throws {
  let a = try StuckMap.parse("layer,row,column,polarity,state\n0,1,*,plus,open\n1,2,3,minus,open\n", path: "a.csv")
  let b = try StuckMap.parse("layer,row,column,polarity,state\n0,1,*,plus,open\n1,2,3,minus,shorted\n", path: "b.csv")
  let c = try StuckMap.parse("layer,row,column,polarity,state\n0,1,0-7,plus,open\n1,2,3,minus,open\n", path: "c.csv")
  #expect(!StuckMap.sameDevices(a, b, layers: [16, 8, 4], kinds: 1))
  #expect(!StuckMap.sameDevices(a, nil, layers: [16, 8, 4], kinds: 1))
  #expect(StuckMap.sameDevices(a, c, layers: [16, 8, 4], kinds: 1))
}
