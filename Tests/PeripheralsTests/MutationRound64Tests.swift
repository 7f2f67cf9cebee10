import Circuit
import Testing

@testable import Peripherals

// Mutation round 64 (the peripheral circuits: converters, sense chain,
// pulse generator): the survivors' tests, each from the documented
// behaviour (README, "Peripheral circuits, energy and latency"; the types'
// own documentation), not from the current output.

@Suite("Mutation round 64: converters, sense chain and pulse generator")
struct MutationRound64PeripheralsTests {
  /// The DAC's levels are in [0, 1]: a drive outside is clamped to the
  /// nearest end (`DAC.convert`: "the nearest of the 2^b levels to x
  /// clamped to [0, 1]"), and on a transposed read the magnitude is
  /// clamped, the polarity switch keeping the sign (mutant: the clamp
  /// dropped, so 1.7 read as 1.667 at 2 bits and −0.3 as −0.333).
  @Test(arguments: [1, 2, 4, 8])
  func theDACsLevelsStayInTheUnitInterval(bits: Int) {
    let dac = DAC(bits: bits)
    for x: Float in [1.0001, 1.2, 1.7, 2.5, 100] {
      #expect(dac.convert(x) == 1, "x = \(x)")
      #expect(dac.convertSigned(x) == 1 && dac.convertSigned(-x) == -1, "x = \(x)")
    }
    for x: Float in [-0.0001, -0.3, -1, -100] { #expect(dac.convert(x) == 0, "x = \(x)") }
    for k in -200...300 {
      let y = dac.convert(Float(k) / 100)
      #expect(y >= 0 && y <= 1, "x = \(Float(k) / 100) read \(y)")
    }
  }

  /// `DAC.levels` is 2^b, the number of distinct drives it produces, and 0
  /// for the ideal (continuous) DAC (mutant: 2^b − 1, the number of steps).
  @Test(arguments: [1, 2, 3, 6, 8, 16])
  func theDACsLevelCountIsTwoToTheBits(bits: Int) {
    let dac = DAC(bits: bits)
    #expect(dac.levels == 1 << bits)
    if bits <= 8 {
      var seen = Set<Float>()
      for k in 0...4_000 { seen.insert(dac.convert(Float(k) / 4_000)) }
      #expect(seen.count == dac.levels)
    }
    #expect(DAC().levels == 0 && DAC(bits: 0).levels == 0)
  }

  /// Ties go to the larger magnitude (README, `adc_bits`; `ADC.convert`),
  /// not to the even code: at 3 bits over ±7 the levels are ±1, ±3, ±5,
  /// ±7, and the midpoints 2, 4 and 6 read 3, 5 and 7 (mutant: ties to
  /// even read 2 as 1 and 6 as 5). At 2 bits over ±3 (levels ±1, ±3) the
  /// midpoint 2 reads 3.
  @Test func theADCsTiesGoToTheLargerMagnitude() throws {
    let three = ADC(bits: 3, range: 7)
    try three.validate()
    for (x, level): (Float, Float) in [(2, 3), (4, 5), (6, 7), (1, 1), (3, 3), (5, 5)] {
      #expect(three.convert(x) == level, "x = \(x)")
      #expect(three.convert(-x) == -level, "x = \(-x)")
    }
    let two = ADC(bits: 2, range: 3)
    #expect(two.convert(2) == 3 && two.convert(-2) == -3)
    #expect(two.convert(1.999) == 1 && two.convert(2.001) == 3)
  }

  /// Both converters take 1…16 bits (README: "bits outside 0…16 … are
  /// one-line errors"; `validate()`): 16 bits is in range for the ADC as
  /// for the DAC (mutant: the ADC's bound `bits < 16`).
  @Test func sixteenBitsIsInEveryConvertersRange() throws {
    try ADC(bits: 16, range: 8).validate()
    try ADC(bits: 1, range: 8).validate()
    try ADC(bits: 0).validate()
    try DAC(bits: 16).validate()
    #expect(throws: ConfigurationError.self) { try ADC(bits: 17, range: 8).validate() }
    #expect(ADC(bits: 16, range: 1).levels == 65_536)
    // A 16-bit chain is built (its precondition is `validate()`).
    let chain = SenseChain(dac: DAC(bits: 16), adc: ADC(bits: 16, range: 8))
    #expect(!chain.isIdeal)
  }

  /// The pulse generator's defaults are the documented pulses (README,
  /// "A programming pulse uses V/2 selection": `program_voltage` 1 V for
  /// `program_time` 100 ns, `reset_voltage` −1.5 V for `reset_time` 1 µs):
  /// a reset is of the depression's polarity (mutant: +1.5 V; 1 µs pulses).
  @Test func thePulseGeneratorsDefaultsAreTheDocumentedPulses() {
    let p = PulseGenerator()
    #expect(p.amplitude(of: .potentiate) == 1 && p.amplitude(of: .depress) == -1)
    #expect(p.amplitude(of: .reset) == -1.5)
    #expect(p.width(of: .potentiate) == 1e-7 && p.width(of: .reset) == 1e-6)
    #expect(p == PulseGenerator(amplitude: 1, width: 1e-7, resetAmplitude: -1.5, resetWidth: 1e-6))
  }

  private func run(_ chain: SenseChain, _ currents: [Float], read: UInt64 = 0) -> (s: [Float], clipped: Int, above: Int) {
    var s = [Float](repeating: 0, count: currents.count)
    var above = 0
    let clipped = currents.withUnsafeBufferPointer { i in
      s.withUnsafeMutableBufferPointer { chain.sums(currents: i, scale: 1, into: $0, read: read, above: &above) }
    }
    return (s, clipped, above)
  }

  /// The ADC clips a sum with |x| > range, and `above` counts those with
  /// x > range (`SenseChain.sums`): a sum exactly at ±range is a code, not
  /// a clip, and one below −range is clipped but not above, in every path
  /// of the chain (without offsets, with them, with a non-linear ADC).
  /// Mutants: `abs(x) >= range` in the offsets' path; `abs(x) > range`
  /// for `above` without offsets; `above` not counted with a non-linear
  /// ADC; `above` given the clipped count.
  @Test func clipsAreStrictlyBeyondTheRangeAndAboveOnlyAtTheTop() {
    let adc = ADC(bits: 4, range: 1)
    // Without offsets: 1 and −1 are codes, 1.5 above, −1.5 below.
    let plain = run(SenseChain(adc: adc), [1, -1, 1.5, -1.5, 0.25])
    #expect(plain.clipped == 2 && plain.above == 1)
    #expect(plain.s[0] == 1 && plain.s[1] == -1 && plain.s[2] == 1 && plain.s[3] == -1)
    // With offsets: x = 0.5 + 0.5 = 1 and −0.5 − 0.5 = −1 exactly.
    let offsets = run(SenseChain(adc: adc, offsets: [0.5, -0.5, 0.5, -1, 0]), [0.5, -0.5, 1, -1, -3])
    #expect(offsets.clipped == 3 && offsets.above == 1)
    // A non-linear ADC clips and counts as the ideal one.
    let e = ADCNonlinearity(sigma: 0.3, key: 11)
    let inl = run(SenseChain(adc: adc, nonlinearity: e), [1, -1, 1.5, -1.5, 0.25, 4])
    #expect(inl.clipped == 3 && inl.above == 2)
    // Without an ADC nothing is clipped (0 without an ADC).
    let ideal = run(SenseChain(offsets: [0, 0, 0]), [5, -7, 0.5])
    #expect(ideal.clipped == 0 && ideal.above == 0 && ideal.s == [5, -7, 0.5])
  }

  /// With read noise, a column's sum is g·I·scale + o_j + σ·z_j: the
  /// offsets are added as without noise (README: read noise "after the
  /// offset and before the ADC"; mutant: the noisy path dropped the
  /// offsets).
  @Test func readNoiseAddsToTheOffsetsNotInsteadOfThem() {
    let sigma: Float = 0.25
    let chain = SenseChain(gain: 2, offsets: [0.5, -0.75, 0], noise: sigma)
    let currents: [Float] = [0.25, 1, -0.5]
    let r = run(chain, currents, read: 1234)
    for j in 0..<3 {
      let expected = currents[j] * 2 + chain.offsets[j] + sigma * ReadNoise.normal(1234, j)
      #expect(abs(r.s[j] - expected) <= 1e-6, "column \(j)")
    }
  }
  /// An ideal converter (b = 0) is costed as 8 bits for energy and time
  /// (`ConverterCosts`; README, `adc_columns`: "8 ns for an ideal ADC,
  /// costed as 8 bits"): its conversion takes 8 SAR cycles (mutant: 6),
  /// and its DAC conversion costs 2^8 levels.
  @Test func anIdealConverterIsCostedAsEightBits() {
    let c = ConverterCosts()
    #expect(abs(c.adcTime(bits: 0) - 8e-9) <= 1e-21)
    #expect(c.adcTime(bits: 0) == c.adcTime(bits: 8))
    #expect(c.dacEnergy(bits: 0) == 10e-15 * 256 && c.dacEnergy(bits: 0) == c.dacEnergy(bits: 8))
    #expect(c.adcEnergy(bits: 0) == 50e-15 * 256)
    let slow = ConverterCosts(adcCycle: 2e-9)
    #expect(abs(slow.adcTime(bits: 0) - 16e-9) <= 1e-21 && abs(slow.adcTime(bits: 3) - 6e-9) <= 1e-21)
  }

  /// The ledger's breakdown names each component with its own figure, and
  /// they add up to `energy` (mutant: "dac" given the ADC's figure); its
  /// lines are the two lines' figures together, nil only when neither is
  /// booked (mutant: nil when either is not).
  @Test func theLedgersBreakdownIsItsComponents() {
    var e = EnergyLedger()
    e.read = 1
    e.program = 2
    e.reset = 4
    e.adc = 8
    e.dac = 16
    #expect(e.energyBreakdown.map(\.0) == ["read", "program", "reset", "adc", "dac"])
    #expect(e.energyBreakdown.map(\.1) == [1, 2, 4, 8, 16])
    #expect(e.energy == 31 && e.lines == nil)
    e.halfSelect = 32
    e.readLines = 64
    #expect(e.lines == 64)
    #expect(Dictionary(uniqueKeysWithValues: e.energyBreakdown)["read_lines"] == 64)
    #expect(e.energy == 127 && e.energyBreakdown.map(\.1).reduce(0, +) == e.energy)
    e.readLines = nil
    e.updateLines = 128
    #expect(e.lines == 128 && e.energy == 191)
    e.readLines = 64
    #expect(e.lines == 192 && e.energy == 255 && e.energyBreakdown.map(\.1).reduce(0, +) == 255)
  }
}
