import Testing

@testable import Circuit

// Lim's steps are solved once per parameter set (session 65: a sweep
// validates every point, and the bisection had dominated a 51,000-point
// grid's check). A step read back must be the step solved afresh, for
// every parameter the key holds, and a device changed in place solves
// for its new parameters.
@Test func limsStepsReadBackAreTheStepsSolvedAfresh() {
  let sets: [(Double, Double, Double, Double, Int)] = [
    (1e-6, 1e-5, 2, 2, 64), (1e-6, 1e-5, 2, 2, 32), (1e-6, 1e-5, 3, 2, 64), (1e-6, 1e-5, 2, 3, 64),
    (0, 1e-5, 2, 2, 64), (1e-6, 2e-5, 2, 2, 64), (1e-6, 1e-5, 0, 0, 7),
  ]
  var first: [(Double, Double)] = []
  for (gMin, gMax, bP, bD, n) in sets {
    LimExponentialDevice._calibrated.withLock { $0.removeAll() }
    let d = LimExponentialDevice(gMin: gMin, gMax: gMax, betaP: bP, betaD: bD, nMax: n)
    first.append((d.alphaP, d.alphaD))
  }
  // All in the memo now: each read back equals its fresh solve, bit for bit.
  for _ in 0..<2 {
    for (i, (gMin, gMax, bP, bD, n)) in sets.enumerated() {
      let d = LimExponentialDevice(gMin: gMin, gMax: gMax, betaP: bP, betaD: bD, nMax: n)
      #expect(d.alphaP.bitPattern == first[i].0.bitPattern && d.alphaD.bitPattern == first[i].1.bitPattern, "\(sets[i])")
    }
  }
  // Distinct parameters, distinct steps (the key tells them apart): all
  // but β_d alone (sets 0 and 3 share α_p) and β_p alone (0 and 2, α_d).
  #expect(Set(first.map { $0.0 }).count == 6 && Set(first.map { $0.1 }).count == 6)
  #expect(first[3].0 == first[0].0 && first[2].1 == first[0].1)
  // In place: n_max 64 → 32 is the 32-pulse device's step.
  var d = LimExponentialDevice(gMin: 1e-6, gMax: 1e-5, betaP: 2, betaD: 2, nMax: 64)
  d.nMax = 32
  #expect(d.alphaP == first[1].0 && d.alphaD == first[1].1)
  // The n_max-th pulse from G_min still lands on G_max.
  var g = d.gMin
  for _ in 0..<32 { g = d.potentiated(g) }
  #expect(g == d.gMax)
}
