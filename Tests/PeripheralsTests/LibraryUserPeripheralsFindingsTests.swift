// A researcher's first hour with the Peripherals library (session 34).
import Circuit
import Peripherals
import Testing

// A NaN probability gave the stochastic encoder an empty train but
// trapped the deterministic one ("Float value cannot be converted to
// Int"): every encoding now reads NaN as 0.
@Test func aNaNProbabilityIsAnEmptyTrainInEveryEncoding() throws {
  let e = try PulseTrainEncoder(length: 8)
  var rng = SeededGenerator(seed: 1)
  #expect(e.stochastic(.nan, &rng) == 0)
  #expect(e.pulseCount(.nan) == 0)
  #expect(e.thermometer(.nan) == 0)
  #expect(e.spread(.nan) == 0)
  #expect(e.pulseCount(-1) == 0 && e.pulseCount(2) == 8 && e.pulseCount(0.5) == 4)
}

// One offset for three columns: the loop read past the offsets (a debug
// build trapped inside UnsafeBufferPointer with no message; a release
// build read whatever followed). Now a precondition at the entry.
@Test func senseChainOffsetsMustCoverTheColumns() async throws {
  let short = try await #require(
    processExitsWith: .failure, observing: [\.standardErrorContent]
  ) {
    let chain = SenseChain(offsets: [0.5])
    let currents: [Float] = [1, 2, 3]
    var s = [Float](repeating: 0, count: 3)
    currents.withUnsafeBufferPointer { c in
      s.withUnsafeMutableBufferPointer { chain.sums(currents: c, scale: 1, into: $0) }
    }
  }
  #expect(String(decoding: short.standardErrorContent, as: UTF8.self).contains("1 offsets for 3 columns"))
  let small = try await #require(
    processExitsWith: .failure, observing: [\.standardErrorContent]
  ) {
    let currents: [Float] = [1, 2, 3]
    var s = [Float](repeating: 0, count: 1)
    currents.withUnsafeBufferPointer { c in
      s.withUnsafeMutableBufferPointer { SenseChain().sums(currents: c, scale: 1, into: $0) }
    }
  }
  #expect(String(decoding: small.standardErrorContent, as: UTF8.self).contains("3 currents for 1 sums"))
}

@Test func senseChainSumsWithOneOffsetPerColumn() {
  let chain = SenseChain(gain: 2, offsets: [0.5, -0.5, 0])
  let currents: [Float] = [1, 2, 3]
  var s = [Float](repeating: 0, count: 3)
  currents.withUnsafeBufferPointer { c in
    s.withUnsafeMutableBufferPointer { chain.sums(currents: c, scale: 0.25, into: $0) }
  }
  #expect(s == [1, 0.5, 1.5])
}

// A mutation audit (session 54): the deterministic code rounds p·BL to the
// nearest pulse (a rounding down was caught only by the slow network
// tests): 0.44·8 = 3.52 is 4 pulses, 0.4·8 = 3.2 is 3.
@Test func theDeterministicCodeRoundsToTheNearestPulse() throws {
  let e = try PulseTrainEncoder(length: 8)
  #expect(e.pulseCount(0.44) == 4 && e.pulseCount(0.4) == 3)
  #expect(e.thermometer(0.44) == UInt64(0b1111) && e.spread(0.44).nonzeroBitCount == 4)
}
