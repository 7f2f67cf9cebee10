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

@Test func laneGeneratorBitsAreBalancedAndSeeded() {
  var seeder = SeededGenerator(seed: 5)
  var a = LaneGenerator(&seeder)
  var seeder2 = SeededGenerator(seed: 5)
  var b = LaneGenerator(&seeder2)
  var ones = [Int](repeating: 0, count: 256)
  let n = 20_000
  for _ in 0..<n {
    let w = a.next()
    #expect(w == b.next())
    for lane in 0..<4 {
      var x = w[lane]
      for bit in 0..<64 {
        ones[lane * 64 + bit] += Int(x & 1)
        x >>= 1
      }
    }
  }
  // Every one of the 256 bit positions is 1 half the time (5σ of a
  // binomial with p = 1/2).
  let sd = (Double(n) * 0.25).squareRoot()
  for c in ones { #expect(abs(Double(c) - Double(n) / 2) < 5 * sd) }
  // The lanes are not copies of each other.
  let w = a.next()
  #expect(w[0] != w[1] && w[1] != w[2] && w[2] != w[3])
}
