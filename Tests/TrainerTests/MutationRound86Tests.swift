import Circuit
import Testing

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
