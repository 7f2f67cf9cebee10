// The V/2 scheme's half-selected cells: the energy of each update slot
// against every cell's voltage worked out line by line.
import Circuit
import Peripherals
import Testing

/// Every cell's voltage in a slot, from its lines: the slot's D lines at
/// +A/2, its S lines at −A/2, the others at 0 V; per polarity.
private func cellVoltages(
  _ events: [PulseEvent], rows m: Int, columns n: Int, amplitude a: Double, polarity: Polarity
) -> [Double] {
  var d = [Double](repeating: 0, count: m), s = [Double](repeating: 0, count: n)
  for e in events where e.polarity == polarity {
    d[e.row] = a / 2
    s[e.column] = -a / 2
  }
  return (0..<(m * n)).map { d[$0 / n] - s[$0 % n] }
}

@Test func aSlotsHalfSelectedCellsAreItsLinesOtherCells() {
  let m = 3, n = 4
  var rng = SeededGenerator(seed: 5)
  let gPlus = (0..<(m * n)).map { _ in 1e-6 * (1 + 9 * rng.nextUniform()) }
  let gMinus = (0..<(m * n)).map { _ in 1e-6 * (1 + 9 * rng.nextUniform()) }
  let pulses = PulseGenerator(amplitude: 2, width: 1e-7, resetAmplitude: -3, resetWidth: 1e-6)
  // Row 1: G+ at columns 0 and 2, G− at column 3 (one row slot); then a
  // reset of G− (2, 1) and a re-potentiation of it (serial slots).
  let events = [
    PulseEvent(array: 0, polarity: .plus, row: 1, column: 0, kind: .potentiate),
    PulseEvent(array: 0, polarity: .minus, row: 1, column: 3, kind: .potentiate),
    PulseEvent(array: 0, polarity: .plus, row: 1, column: 2, kind: .potentiate),
    PulseEvent(array: 0, polarity: .minus, row: 2, column: 1, kind: .reset),
    PulseEvent(array: 0, polarity: .minus, row: 2, column: 1, kind: .repotentiate),
  ]
  let slots = UpdateSchedule.slots(events)
  #expect(slots.count == 3)
  let energies = UpdateSchedule.halfSelectEnergies(
    slots, conductances: [(gPlus, gMinus)], shapes: [(m, n)], pulses: pulses)
  #expect(energies.count == 3)
  for (q, slot) in slots.enumerated() {
    let kind = slot[0].kind
    let a = pulses.amplitude(of: kind), t = pulses.width(of: kind)
    var selected = 0.0, half = 0.0
    for (p, g) in [(Polarity.plus, gPlus), (.minus, gMinus)] {
      let v = cellVoltages(slot, rows: m, columns: n, amplitude: a, polarity: p)
      for k in 0..<(m * n) {
        // Full selection is |V| = |A|; the rest dissipates V²·G·t.
        if abs(abs(v[k]) - abs(a)) < 1e-12 { selected += 1 } else { half += v[k] * v[k] * g[k] * t }
      }
    }
    #expect(selected == Double(slot.count), "slot \(q): the pulsed cells are the ones at full voltage")
    #expect(abs(energies[q] - half) <= 1e-15 * half, "slot \(q): \(energies[q]) against \(half)")
  }
  // The reset slot: (V_r/2)²·t_r over row 2's other G− cells and column
  // 1's other G− cells, written out.
  let reset = 2.25 * 1e-6 * ([0, 2, 3].map { gMinus[2 * n + $0] } + [0, 1].map { gMinus[$0 * n + 1] }).reduce(0, +)
  #expect(abs(energies[1] - reset) <= 1e-15 * reset)
}

// A change holds from the slot after its own: a device whose value
// changes between slots is summed at each slot's value, its column's sum
// with it.
@Test func eachSlotSumsTheConductancesOfItsOwnTime() {
  let events = [
    PulseEvent(array: 0, polarity: .plus, row: 0, column: 0, kind: .potentiate),
    PulseEvent(array: 0, polarity: .plus, row: 1, column: 1, kind: .potentiate),
    PulseEvent(array: 0, polarity: .plus, row: 0, column: 1, kind: .reset),
  ]
  let slots = UpdateSchedule.slots(events)
  #expect(slots.count == 3)
  let pulses = PulseGenerator(amplitude: 1, width: 1, resetAmplitude: -2, resetWidth: 1)
  // Device (0, 1) is half-selected in slots 0 (row 0) and 1 (column 1):
  // 1 S, then 3 S after slot 0; device (1, 1) is 5 S, 7 S after slot 1.
  // Slot 2 resets (0, 1): row 0's other cell (0, 0) at 2 S and column 1's
  // other cell (1, 1) at 7 S, at (2/2)²·t.
  let e = UpdateSchedule.halfSelectEnergies(
    slots, conductances: [([2, 1, 0, 5], [0, 0, 0, 0])], shapes: [(2, 2)], pulses: pulses,
    changes: [
      .init(slot: 0, array: 0, polarity: .plus, cell: 1, conductance: 3),
      .init(slot: 1, array: 0, polarity: .plus, cell: 3, conductance: 7),
    ])
  let want: [Double] = [0.25, 0.75, 9]  // (1/2)²·1, (1/2)²·3, (2/2)²·(2 + 7)
  #expect(e == want)
}

@Test func anUpdateWithoutEventsHasNoSlots() {
  #expect(UpdateSchedule.halfSelectEnergies([], conductances: [([1, 1, 1, 1], [1, 1, 1, 1])], shapes: [(2, 2)], pulses: PulseGenerator()) == [])
}
