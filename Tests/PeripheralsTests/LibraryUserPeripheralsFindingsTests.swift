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
