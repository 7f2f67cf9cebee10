import Testing

@testable import Peripherals

/// Two ledgers summed: each optional component is the sum of its own, not
/// of another's (mutant: update_lines summed from a's read_lines).
@Test func twoLedgersSumEachOptionalComponentFromItself() {
  var a = EnergyLedger(), b = EnergyLedger()
  a.readLines = 1
  a.updateLines = 2
  b.updateLines = 4
  b.halfSelect = 8
  let s = a + b
  #expect(s.readLines == 1 && s.updateLines == 6 && s.halfSelect == 8)
}
