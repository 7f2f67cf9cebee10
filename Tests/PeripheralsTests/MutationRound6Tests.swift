import Circuit
import Testing

@testable import Peripherals

// Mutation round 6: the update schedule's survivors.

@Suite("Mutation round 6: the update schedule")
struct MutationRound6PeripheralsTests {
  /// A rule pulse issued after a reset of its own cell stays serial,
  /// after the reset (mutant: it joins its row's slots, which come before
  /// the serial ones, and runs ahead of the reset).
  @Test func aRulePulseAfterItsCellsResetStaysAfterIt() {
    let reset = PulseEvent(array: 0, polarity: .plus, row: 1, column: 2, kind: .reset)
    let pulse = PulseEvent(array: 0, polarity: .plus, row: 1, column: 2, kind: .potentiate)
    let other = PulseEvent(array: 0, polarity: .minus, row: 1, column: 0, kind: .potentiate)
    #expect(UpdateSchedule.slots([other, reset, pulse]) == [[other], [reset], [pulse]])
  }

  /// A cell's G+ and G− pulses are two devices: one slot holds both
  /// (mutant: the cell counted as one device, its second pulse a second
  /// slot).
  @Test func aCellsPlusAndMinusPulsesShareTheRowsSlot() {
    let plus = PulseEvent(array: 0, polarity: .plus, row: 3, column: 1, kind: .potentiate)
    let minus = PulseEvent(array: 0, polarity: .minus, row: 3, column: 1, kind: .potentiate)
    #expect(UpdateSchedule.slots([plus, minus]) == [[plus, minus]])
  }
}
