import Circuit
import Testing

@Test func sameSeedGivesSameSequence() {
  var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
  for _ in 0..<100 { #expect(a.next() == b.next()) }
  var c = SeededGenerator(seed: 43)
  var d = SeededGenerator(seed: 42)
  #expect(d.next() != c.next())
}

@Test func gaussianDrawsHaveUnitVariance() {
  var g = SeededGenerator(seed: 7)
  let n = 200_000
  var s = 0.0, s2 = 0.0
  for _ in 0..<n { let x = g.nextGaussian(); s += x; s2 += x * x }
  let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
  // Standard errors: 1/sqrt(n) ≈ 0.0022 for the mean, sqrt(2/n) ≈ 0.0032 for the variance.
  #expect(abs(mean) < 0.01)
  #expect(abs(variance - 1) < 0.015)
}

