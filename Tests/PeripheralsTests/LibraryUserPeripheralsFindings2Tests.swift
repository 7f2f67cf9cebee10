// What session 34's library walkthrough left alone, settled in session 35:
// converters outside their range are refused where a sense chain is built
// and where their energy is booked.
import Circuit
import Peripherals
import Testing

// A DAC of 99 bits read every drive as 0, an ADC of range 0 every sum as
// NaN: their conversions are kernels and check nothing, so the chain that
// uses them checks them once, when it is built. (Exit tests capture
// nothing: one test a case.)
private func stderr(_ exit: ExitTest.Result) -> String {
  String(decoding: exit.standardErrorContent, as: UTF8.self)
}

@Test func aSenseChainRefusesADACOutsideItsRange() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    _ = SenseChain(dac: DAC(bits: 99))
  }
  #expect(stderr(exit).contains("dac_bits: must be 0 (ideal) or 1...16 bits, got 99"))
}

@Test func aSenseChainRefusesAnADCOfRangeZero() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    _ = SenseChain(adc: ADC(bits: 4, range: 0))
  }
  #expect(stderr(exit).contains("adc_range: must be > 0, got 0"))
}

@Test func aSenseChainRefusesANaNGainAndAnInfiniteOffset() async throws {
  let gain = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    _ = SenseChain(gain: .nan)
  }
  #expect(stderr(gain).contains("gain must be finite and > 0"))
  let offset = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    _ = SenseChain(offsets: [0, .infinity])
  }
  #expect(stderr(offset).contains("every offset must be finite"))
}

@Test func aSenseChainWithinTheRangesIsBuilt() {
  let chain = SenseChain(dac: DAC(bits: 16), adc: ADC(bits: 1, range: 0.5), gain: 0.9, offsets: [0.1, -0.1])
  #expect(!chain.isIdeal && chain.adc.range == 0.5)
  #expect(SenseChain().isIdeal)
}

// adcEnergy(bits: 62) booked 2.3e5 J a conversion, and 64 bits wrapped to
// 0 J.
@Test func converterEnergiesRefuseBitsOutsideTheConvertersRange() async throws {
  let many = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    _ = ConverterCosts().adcEnergy(bits: 62)
  }
  #expect(stderr(many).contains("converter bits must be 0 (ideal) or 1...16, got 62"))
  let negative = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    _ = ConverterCosts().dacEnergy(bits: -1)
  }
  #expect(stderr(negative).contains("converter bits must be 0 (ideal) or 1...16, got -1"))
  let seventeen = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    _ = ConverterCosts().adcTime(bits: 17)
  }
  #expect(stderr(seventeen).contains("got 17"))
}

@Test func converterEnergiesWithinTheRange() {
  let c = ConverterCosts()
  #expect(c.adcEnergy(bits: 16) == 50e-15 * 65_536)
  #expect(c.adcEnergy(bits: 0) == c.adcEnergy(bits: 8))
  #expect(c.dacEnergy(bits: 1) == 10e-15 * 2)
  #expect(c.adcTime(bits: 16) == 16e-9)
}
