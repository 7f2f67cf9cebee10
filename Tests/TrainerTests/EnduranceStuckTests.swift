import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `endurance` splits out the stuck devices (session 77): of every layer's
// devices, pulses and resets, those of the devices stuck open or shorted,
// which their controller pulses and resets without knowing it, and which
// move no conductance.

/// `StuckFixture.mapConfiguration` with endurance counted.
private func configuration(
  _ text: String?, rule: LearningRule = .lim, _ edit: (inout TrainingConfiguration) -> Void = { _ in }
) throws -> TrainingConfiguration {
  try StuckFixture.mapConfiguration(text, rule: rule) {
    $0.endurance = true
    edit(&$0)
  }
}

/// Σ of `counts`' pulses and resets over the devices `indices` (in the
/// counts' order, device d·cells + x).
private func sums(_ counts: EnduranceCounts, _ indices: [Int]) -> (pulses: Int, resets: Int) {
  (indices.reduce(0) { $0 + Int(counts.pulses[$1]) }, indices.reduce(0) { $0 + Int(counts.resets[$1]) })
}

private func trainHybrid(_ net: HybridNetwork, samples: Int) {
  let images = StuckFixture.images
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<samples {
      if s == samples / 2 && net.isHybrid { net.switchToFineTuning() }
      net.train(px.baseAddress! + (s % images.count) * 16, label: Int(images.labels[s % images.count]))
    }
  }
}

@Test func ruleLimsEnduranceCountsTheMapsDevicesPulsesAndResets() throws {
  // Layer 0 (17×8 cells): row 2's G+ open, (3,5) G+ and G− and (4,5) G+
  // shorted; layer 1 (9×4): the bias row's G− of column 0 open.
  let text = """
    layer,row,column,polarity,state
    0,2,*,plus,open
    0,3,5,*,shorted
    0,4,5,plus,shorted
    1,8,0,minus,open
    """
  let net = LimNetwork(configuration: try configuration(text))
  StuckFixture.train(net, samples: 400)
  let e = try #require(net.endurance), counts = try #require(net.enduranceCounts)
  let mn0 = 17 * 8, mn1 = 9 * 4
  let stuck0 = (0..<8).map { 2 * 8 + $0 } + [3 * 8 + 5, mn0 + 3 * 8 + 5, 4 * 8 + 5]
  let stuck1 = [mn1 + 8 * 4 + 0]
  let (p0, r0) = sums(counts[0], stuck0), (p1, r1) = sums(counts[1], stuck1)
  #expect(e.layers.map(\.stuckDevices) == [11, 1] && e.all.stuckDevices == 12)
  #expect(e.layers[0].stuckPulses == p0 && e.layers[0].stuckResets == r0)
  #expect(e.layers[1].stuckPulses == p1 && e.layers[1].stuckResets == r1)
  #expect(e.all.stuckPulses == p0 + p1 && e.all.stuckResets == r0 + r1)
  // The controller does pulse them (else the sums above prove nothing).
  #expect(p0 > 0 && p1 > 0, "\(p0) \(p1)")
  #expect(e.all.stuckPulses < e.all.pulses)
  // Their working partners: row 2's G−, (4,5)'s G−; layer 1's bias G+
  // of column 0 ((3,5) has no working device).
  let partners0 = (0..<8).map { mn0 + 2 * 8 + $0 } + [mn0 + 4 * 8 + 5], partners1 = [8 * 4 + 0]
  let (q0, s0) = sums(counts[0], partners0), (q1, s1) = sums(counts[1], partners1)
  #expect(e.layers.map(\.partnerDevices) == [9, 1] && e.all.partnerDevices == 10)
  #expect(e.layers[0].partnerPulses == q0 && e.layers[0].partnerResets == s0)
  #expect(e.layers[1].partnerPulses == q1 && e.layers[1].partnerResets == s1)
  #expect(e.all.partnerPulses == q0 + q1 && e.all.partnerResets == s0 + s1 && q0 > 0)
  #expect(
    e.summaryLine.hasSuffix(
      "; the 12 stuck devices received \(p0 + p1) pulses and \(r0 + r1) resets, the 10 working partners of stuck devices \(q0 + q1) pulses and \(s0 + s1) resets"),
    "\(e.summaryLine)")

  // Every device shorted: every pulse and reset went to a stuck device.
  let all = LimNetwork(configuration: try configuration(nil) { $0.stuckOn = 1 })
  StuckFixture.train(all, samples: 200)
  let a = try #require(all.endurance)
  for g in a.layers + [a.all] {
    #expect(g.stuckDevices == g.devices && g.stuckPulses == g.pulses && g.stuckResets == g.resets)
    #expect(g.partnerDevices == 0 && g.partnerPulses == 0 && g.partnerResets == 0)
  }
  #expect(a.all.pulses > 0)

  // None stuck: zeros, and the line says nothing of them.
  let none = LimNetwork(configuration: try configuration(nil))
  StuckFixture.train(none, samples: 200)
  let n = try #require(none.endurance)
  #expect((n.layers + [n.all]).allSatisfy { $0.stuckDevices == 0 && $0.stuckPulses == 0 && $0.stuckResets == 0 && $0.partnerDevices == 0 })
  #expect(!n.summaryLine.contains("stuck"))
}

@Test func ruleLimsEnduranceCountsADeadScaleDrawAsStuck() throws {
  // σ 2 with negative_scale dead kills about a third of the devices (X < 0:
  // scale 0), which the summary's stuck_devices counts as open.
  let net = LimNetwork(configuration: try configuration(nil) { $0.sigma = 2; $0.negativeScale = .dead })
  StuckFixture.train(net, samples: 100)
  let e = try #require(net.endurance)
  let open = net.layers.map(\.stuckCount.open)
  #expect(e.layers.map(\.stuckDevices) == open && open.allSatisfy { $0 > 0 }, "\(open)")
}

@Test(arguments: [LearningRule.hybrid, .single])
func rulesHybridAndSinglesEnduranceCountTheMapsDevices(rule: LearningRule) throws {
  let text = """
    layer,row,column,kind,polarity,state
    0,1,*,big,plus,open
    0,2,3,*,*,shorted
    1,*,2,\(rule == .hybrid ? "small" : "big"),minus,open
    """
  let net = try HybridNetwork(configuration: try configuration(text, rule: rule))
  trainHybrid(net, samples: 400)
  let e = try #require(net.endurance), counts = try #require(net.enduranceCounts)
  let n0 = 17 * 8, n1 = 9 * 4, kinds = rule == .hybrid ? 2 : 1
  // Device d·count + x: d = 2·kind + polarity.
  let stuck0 = (0..<8).map { 8 + $0 } + (0..<(2 * kinds)).map { $0 * n0 + 2 * 8 + 3 }
  let stuck1 = (0..<9).map { (rule == .hybrid ? 3 : 1) * n1 + $0 * 4 + 2 }
  let (p0, r0) = sums(counts[0], stuck0), (p1, r1) = sums(counts[1], stuck1)
  #expect(e.layers.map(\.stuckDevices) == [8 + 2 * kinds, 9])
  #expect(e.layers[0].stuckPulses == p0 && e.layers[0].stuckResets == r0, "\(rule)")
  #expect(e.layers[1].stuckPulses == p1 && e.layers[1].stuckResets == r1, "\(rule)")
  #expect(e.all.stuckPulses == p0 + p1 && e.all.stuckResets == r0 + r1)
  #expect(p0 + p1 > 0, "\(rule)")
  // The working partners (d ^ 1): row 1's big G−; layer 1's column 2 g+
  // (single: G+).
  let partners0 = (0..<8).map { n0 + 8 + $0 }
  let partners1 = (0..<9).map { (rule == .hybrid ? 2 : 0) * n1 + $0 * 4 + 2 }
  let (q0, s0) = sums(counts[0], partners0), (q1, s1) = sums(counts[1], partners1)
  #expect(e.layers.map(\.partnerDevices) == [8, 9])
  #expect(e.layers[0].partnerPulses == q0 && e.layers[0].partnerResets == s0, "\(rule)")
  #expect(e.layers[1].partnerPulses == q1 && e.layers[1].partnerResets == s1, "\(rule)")
  #expect(q0 + q1 > 0, "\(rule)")

  // Every device open: all of them stuck.
  let all = try HybridNetwork(configuration: try configuration(nil, rule: rule) { $0.stuckOff = 1 })
  trainHybrid(all, samples: 100)
  let a = try #require(all.endurance)
  for g in a.layers + [a.all] {
    #expect(g.stuckDevices == g.devices && g.stuckPulses == g.pulses && g.stuckResets == g.resets)
  }
}
