import Circuit
import Testing

@testable import Peripherals

@Suite("Converters and the energy model")
struct ConverterTests {
  @Test("an ADC at b bits has 2^b levels over its range, evenly spaced, and clips", arguments: [1, 2, 3, 4, 6, 8])
  func adcLevels(_ bits: Int) throws {
    let adc = ADC(bits: bits, range: 2)
    try adc.validate()
    var seen = Set<Float>()
    for k in 0...20_000 { seen.insert(adc.convert(-3 + 6 * Float(k) / 20_000)) }
    #expect(seen.count == 1 << bits)
    let sorted = seen.sorted()
    #expect(sorted.first == -2 && abs(sorted.last! - 2) < 1e-5)
    let step = 4 / Float((1 << bits) - 1)
    for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(abs(b - a - step) < 1e-4) }
    #expect(adc.levels == 1 << bits)
    // The nearest level, odd-symmetric; no zero code: 0 reads as the first
    // level above it, whatever the rounding.
    for k in 0...2_000 {
      let x = -2 + 4 * Float(k) / 2_000
      if x != 0 { #expect(adc.convert(-x) == -adc.convert(x)) }
      #expect(abs(adc.convert(x) - x) <= step / 2 + 1e-5, "x = \(x)")
    }
    #expect(adc.convert(0) == 2 / Float((1 << bits) - 1))
    #expect(adc.convert(1e-30) == adc.convert(0) && adc.convert(-1e-30) == -adc.convert(0))
  }

  @Test("a DAC at b bits has 2^b levels in [0, 1]; 0 bits is ideal", arguments: [1, 2, 4, 8])
  func dacLevels(_ bits: Int) {
    let dac = DAC(bits: bits)
    var seen = Set<Float>()
    for k in 0...10_000 { seen.insert(dac.convert(Float(k) / 10_000)) }
    #expect(seen.count == 1 << bits)
    // The nearest level, not the one below (a truncating DAC has 2^b
    // levels too, and survived this test: a mutation audit, session 48).
    let top = Float((1 << bits) - 1)
    for k in 0..<(1 << bits) - 1 {
      let low = Float(k) / top, high = Float(k + 1) / top
      #expect(dac.convert(low + 0.49 * (high - low)) == low)
      #expect(dac.convert(low + 0.51 * (high - low)) == high)
      #expect(dac.convertSigned(-(low + 0.51 * (high - low))) == -high)
    }
    #expect(DAC().convert(0.123) == 0.123)
    #expect(ADC().convert(-7.5) == -7.5)
  }

  @Test("bad converter settings name their key")
  func badSettings() {
    for (check, field) in [
      ({ try ADC(bits: 17).validate() }, "adc_bits"), ({ try ADC(bits: -1).validate() }, "adc_bits"),
      ({ try ADC(bits: 4, range: 0).validate() }, "adc_range"), ({ try DAC(bits: 20).validate() }, "dac_bits"),
    ] as [(() throws -> Void, String)] {
      do {
        try check()
        Issue.record("\(field) accepted")
      } catch let e as ConfigurationError { #expect(e.field == field) } catch { Issue.record("\(error)") }
    }
  }

  @Test("converter energy follows the figure of merit")
  func costs() {
    let c = ConverterCosts()
    #expect(c.adcEnergy(bits: 4) == 50e-15 * 16)
    #expect(c.dacEnergy(bits: 1) == 10e-15 * 2)
    #expect(c.adcEnergy(bits: 0) == c.adcEnergy(bits: 8))
    #expect(abs(c.adcTime(bits: 6) - 6e-9) < 1e-20)
    var ledger = EnergyLedger()
    ledger.read = 1
    ledger.adc = 2
    ledger.readTime = 3
    ledger.updateTime = 4
    #expect(ledger.energy == 3 && ledger.latency == 7)
  }
}

/// Two ledgers summed (the parts of a run, session 69): each component the
/// sum of both, a component neither books still not booked, one either
/// books booked with the other's 0.
@Test func twoLedgersSumComponentByComponent() {
  var a = EnergyLedger(), b = EnergyLedger()
  (a.read, a.program, a.reset, a.adc, a.dac, a.readTime, a.updateTime) = (1, 2, 3, 4, 5, 6, 7)
  (b.read, b.program, b.reset, b.adc, b.dac, b.readTime, b.updateTime) = (10, 20, 30, 40, 50, 60, 70)
  a.halfSelect = 0.5
  b.readLines = 0.25
  let s = a + b
  #expect([s.read, s.program, s.reset, s.adc, s.dac, s.readTime, s.updateTime] == [11, 22, 33, 44, 55, 66, 77])
  #expect(s.halfSelect == 0.5 && s.readLines == 0.25 && s.updateLines == nil)
  #expect(s.energy == a.energy + b.energy && s.latency == a.latency + b.latency)
  #expect(EnergyLedger() + EnergyLedger() == EnergyLedger())
}
