import Circuit
import Testing

@testable import Peripherals

// Mutation round 67 (the peripheral circuits: the update schedule's
// slots and line energies, the pulse totals, the sense chain): the
// survivors' tests, each from the documented behaviour (the types' own
// documentation), not from the current output.

@Suite("Mutation round 67: update schedule, pulse totals and sense chain")
struct MutationRound67PeripheralsTests {
  /// A slot drives its D line (N cells) per polarity and each event's S
  /// line (M cells), each charged to A/2 and back: n·C·(A/2)² per line
  /// (`UpdateSchedule.lineEnergies`). For an M×N = 3×5 array, one G+ pulse
  /// is one D line of 5 cells and one S line of 3; three G+ pulses of one
  /// row, one D line of 5 and three S lines of 3, 14 cells (mutant: the
  /// rows and columns swapped, 3 + 3·5 = 18).
  @Test func aSlotsLineEnergyIsItsDLinesNCellsAndItsSLinesMCells() {
    let pulses = PulseGenerator(amplitude: 2, width: 1e-7)
    let c = 1e-15
    let one = [[PulseEvent(array: 0, polarity: .plus, row: 1, column: 2, kind: .potentiate)]]
    let three = [(0..<3).map { PulseEvent(array: 0, polarity: .plus, row: 1, column: $0, kind: .potentiate) }]
    let mixed = [[
      PulseEvent(array: 0, polarity: .plus, row: 1, column: 2, kind: .potentiate),
      PulseEvent(array: 0, polarity: .plus, row: 1, column: 3, kind: .potentiate),
      PulseEvent(array: 0, polarity: .minus, row: 1, column: 4, kind: .potentiate),
    ]]
    func energy(_ slots: [[PulseEvent]]) -> Double {
      UpdateSchedule.lineEnergies(slots, shapes: [(rows: 3, columns: 5)], pulses: pulses, capacitance: c)[0]
    }
    // (A/2)² = 1 V².
    #expect(abs(energy(one) - c * Double(5 + 3)) <= 1e-30)
    #expect(abs(energy(three) - c * Double(5 + 3 * 3)) <= 1e-30)
    #expect(abs(energy(mixed) - c * Double(2 * 5 + 3 * 3)) <= 1e-30)
  }

  /// Rule pulses (`potentiate`) of one row share slots; every other event,
  /// a re-potentiation included, takes a slot of its own, one device and
  /// one pulse per slot, after the rows' slots (`UpdateSchedule`, step 2;
  /// mutant: a re-potentiation joined its row's rule slot).
  @Test func aRepotentiationTakesASerialSlotOfItsOwn() {
    let rule = PulseEvent(array: 0, polarity: .plus, row: 0, column: 0, kind: .potentiate)
    let again = PulseEvent(array: 0, polarity: .plus, row: 0, column: 1, kind: .repotentiate)
    let other = PulseEvent(array: 0, polarity: .minus, row: 0, column: 2, kind: .potentiate)
    let slots = UpdateSchedule.slots([rule, again, other])
    #expect(slots.count == 2)
    #expect(slots.first == [rule, other])
    #expect(slots.last == [again])
  }

  /// `total` counts the pulses that landed, or with `landed: false` those
  /// the lines held back, never both (mutant: `landed` ignored, every
  /// issued pulse in both totals).
  @Test func theTotalsSplitLandedAndHeldBackPulses() {
    let events = [
      PulseEvent(array: 0, polarity: .plus, row: 0, column: 0, kind: .potentiate, count: 3),
      PulseEvent(array: 0, polarity: .plus, row: 1, column: 0, kind: .potentiate, count: 2, landed: false),
      PulseEvent(array: 0, polarity: .minus, row: 0, column: 1, kind: .reset, count: 1),
      PulseEvent(array: 0, polarity: .minus, row: 1, column: 1, kind: .reset, count: 4, landed: false),
    ]
    #expect(events.total() == 3)
    #expect(events.total(landed: false) == 2)
    #expect(events.total(resets: true) == 1)
    #expect(events.total(resets: true, landed: false) == 4)
  }

  /// A chain is ideal only with every part ideal: a transimpedance gain
  /// other than 1 scales the sums, so it is not (`SenseChain.isIdeal`,
  /// "every part ideal: drives and sums pass unchanged"; mutant: the gain
  /// ignored, so a trainer would skip a gain of 1.5 as ideal).
  @Test func aGainOtherThanOneIsNotIdeal() {
    #expect(SenseChain().isIdeal)
    #expect(SenseChain(gain: 1).isIdeal)
    let chain = SenseChain(gain: 1.5)
    #expect(!chain.isIdeal)
    let currents: [Float] = [0.2, -0.4]
    var s = [Float](repeating: 0, count: 2)
    currents.withUnsafeBufferPointer { c in
      s.withUnsafeMutableBufferPointer { chain.sums(currents: c, scale: 1, into: $0) }
    }
    #expect(abs(s[0] - 0.3) < 1e-6 && abs(s[1] + 0.6) < 1e-6)
  }
}
