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


// `fillIndices` draws ahead what `nextIndex` would give one at a time
// (the hybrid's pulse loop takes its noise from such blocks), from any
// point of a word and for counts that are and are not multiples of 5.
@Test(arguments: [(0, 1024), (1, 7), (3, 5), (4, 0), (2, 13), (5, 11)])
func indicesDrawnAheadAreTheDrawsOneByOne(skip: Int, count: Int) {
  var one = GaussianStream(SeededGenerator(seed: 9))
  var ahead = one
  for _ in 0..<skip {
    _ = one.nextIndex()
    _ = ahead.nextIndex()
  }
  let block = UnsafeMutablePointer<UInt16>.allocate(capacity: max(1, count))
  defer { block.deallocate() }
  ahead.fillIndices(block, count: count)
  for i in 0..<count { #expect(Int(block[i]) == one.nextIndex(), "index \(i)") }
  // Both streams go on alike.
  for _ in 0..<12 { #expect(ahead.nextIndex() == one.nextIndex()) }
}
