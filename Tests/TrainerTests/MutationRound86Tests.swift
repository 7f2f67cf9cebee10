import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 86 (Lim's integer-state update kernels and the exponential device):
// tests for the mutants that no test had caught.

/// The calibration keeps the upper end of its final bracket, so eq. (1) run with the solved
/// αp in the pulses' own arithmetic (`unclampedNext`) reaches G_max within n_max pulses from
/// G_min, and eq. (2) with αd reaches G_min from G_max, without the snap at the bounds (the
/// calibration's promise). Kills `_solveStep` returning the lower end of the bracket, whose
/// recursion falls short by ~1e-15 relative (hidden by the 1e-9 snap everywhere else).
@Test func theSolvedStepsReachTheBoundsWithoutTheSnap() {
  for beta in [0.5, 1, 2, 3] {
    for n in [8, 32, 64, 128] {
      let d = LimExponentialDevice(beta: beta, nMax: n)
      var g = d.gMin
      for _ in 0..<n { g = d.unclampedNext(g, potentiation: true) }
      #expect(g >= d.gMax, "β \(beta), n_max \(n): \(g)")
      g = d.gMax
      for _ in 0..<n { g = d.unclampedNext(g, potentiation: false) }
      #expect(g <= d.gMin, "β \(beta), n_max \(n): \(g)")
    }
  }
}

/// n_max = `largestNMax` itself is valid (the bound is inclusive: "nMax … must be in
/// 1…largestNMax"); one more is not. Kills `nMax < largestNMax` in `validate`.
@Test func theLargestNMaxIsValidAndOneMoreIsNot() throws {
  try LimExponentialDevice(beta: 2, nMax: LimExponentialDevice.largestNMax).validate()
  #expect(throws: ConfigurationError.self) {
    try LimExponentialDevice(beta: 2, nMax: LimExponentialDevice.largestNMax + 1).validate()
  }
}

/// Method b on a measured curve with a plateau, G(2) = G(3) (in G_max units 0.125, 0.25, 0.5,
/// 0.5, 1): G+ at G_max (state 4), G− at state 3, a raise of W = 1 − 0.5. The pseudocode resets
/// G− and pulses it while G+ − (G− + ΔG) > W: from state 0 to 1 (at state 2, 1 − 0.5 > 0.5
/// fails), one reset and one pulse, W = 0.75. "One state below the old" (state 2) would leave W
/// at 0.5: the row kernel's shortcut (`refills`, `bStopsBelow`) must not take it there. Both row
/// kernels (looked up and computed) and `update(_:up:)`. Kills `bStopsBelow` testing G(old − 2)
/// for G(old − 1), which took the plateau's state 2 for a refill.
@Test(arguments: [true, false])
func methodBOnAPlateauFollowsThePseudocodeNotOneStateBelow(lookedUp: Bool) throws {
  let url = try Scratch.directory("xbarsim-round86").appendingPathComponent("device.csv")
  try ["p,1e-6", "p,2e-6", "p,4e-6", "p,4e-6", "p,8e-6"].joined(separator: "\n")
    .write(to: url, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  cfg.layers = [1, 2]
  cfg.method = .b
  try cfg.set("device_csv", url.path)
  try cfg.validate()
  #expect(cfg.measuredCurve == [1e-6, 2e-6, 4e-6, 4e-6, 8e-6].map { $0 / 8e-6 })
  var rng = SeededGenerator(seed: 1)
  let layer = LimLayer(inputs: 1, outputs: 2, configuration: cfg, rng: &rng)
  layer.usesTransitions = lookedUp
  layer.setStates(0, kp: 4, km: 3)
  layer.kernelUpdate(0, up: true)
  #expect(layer.outcome(0) == PairOutcome(kp: 4, km: 1, pulses: 1, resets: 1))
  layer.setStates(0, kp: 4, km: 3)
  layer.update(0, up: true)
  #expect(layer.outcome(0) == PairOutcome(kp: 4, km: 1, pulses: 1, resets: 1))
}
