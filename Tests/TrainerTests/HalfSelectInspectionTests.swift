import Circuit
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// An inspected sample's half-selected energy, slot by slot, against the
// V/2 scheme worked out here from the recorded pulses alone: each slot's
// D line at +A/2 and S lines at −A/2, every cell's voltage from its two
// lines, and each device's conductance before the update until its own
// slot and after it from then on (one pulse a device: n_max 64, online).
// The booked program energy is Σ A²·G·t over the pulsed devices.

private let images = SyntheticImages(count: 40, rows: 4, cols: 4, classes: 4, seed: 13)

@Test func anInspectedUpdatesHalfSelectedEnergyIsTheVHalfSchemesSlotBySlot() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 3
  let net = LimNetwork(configuration: cfg)
  let pulse = cfg.pulseGenerator
  var checkedSlots = 0, positive = 0
  for sample in 0..<12 {
    let arrays = net.arrays
    let before = arrays.map { (plus: $0.conductances(.plus), minus: $0.conductances(.minus)) }
    let record = try images.pixels.withUnsafeBufferPointer { px in
      try net.inspect(px.baseAddress! + sample * 16, label: Int(images.labels[sample]))
    }
    let after = net.arrays.map { (plus: $0.conductances(.plus), minus: $0.conductances(.minus)) }
    let slots = UpdateSchedule.slots(record.pulses)
    #expect(record.halfSelectEnergy.count == slots.count)
    guard record.pulses.allSatisfy({ $0.kind == .potentiate && $0.count == 1 }) else { continue }
    // The slot of each pulsed device.
    var slotOf: [String: Int] = [:]
    for (q, slot) in slots.enumerated() {
      for e in slot { slotOf["\(e.array) \(e.polarity) \(e.row) \(e.column)"] = q }
    }
    var booked = 0.0
    for e in record.pulses {
      let n = arrays[e.array].columns, k = e.row * n + e.column
      let g = e.polarity == .plus ? before[e.array].plus[k] : before[e.array].minus[k]
      booked += pulse.amplitude * pulse.amplitude * g * pulse.width
    }
    #expect(abs(record.bookedProgramEnergy - booked) <= 1e-6 * booked, "sample \(sample)")
    for (q, slot) in slots.enumerated() {
      let a = slot[0].array, m = arrays[a].rows, n = arrays[a].columns
      var want = 0.0
      for polarity in [Polarity.plus, .minus] {
        var d = [Double](repeating: 0, count: m), s = [Double](repeating: 0, count: n)
        for e in slot where e.polarity == polarity {
          d[e.row] = pulse.amplitude / 2
          s[e.column] = -pulse.amplitude / 2
        }
        for i in 0..<m {
          for j in 0..<n {
            let v = d[i] - s[j]
            guard v != 0 && abs(v) < pulse.amplitude else { continue }
            let k = i * n + j
            let pulsedEarlier = slotOf["\(a) \(polarity) \(i) \(j)"].map { $0 < q } ?? false
            let g = polarity == .plus
              ? (pulsedEarlier ? after[a].plus[k] : before[a].plus[k])
              : (pulsedEarlier ? after[a].minus[k] : before[a].minus[k])
            want += v * v * g * pulse.width
          }
        }
      }
      #expect(abs(record.halfSelectEnergy[q] - want) <= 1e-12 * want, "sample \(sample), slot \(q)")
      checkedSlots += 1
      if want > 0 { positive += 1 }
    }
  }
  #expect(checkedSlots >= 10 && positive >= 10, "\(checkedSlots) slots checked")
}

// The hybrid's coincident trains: the half-selected conductance against
// the V/2 scheme slot by slot, each cell's voltage from its row's and
// column's drive in that slot (rows drive both arrays, a column its own).
@Test func theHybridTrainsHalfSelectTheCellsOfTheirSlotsLines() {
  let m = 5, n = 4, bl = 8
  var rng = SeededGenerator(seed: 21)
  let plus = (0..<(m * n)).map { _ in Float(rng.nextUniform()) }
  let minus = (0..<(m * n)).map { _ in Float(rng.nextUniform()) }
  func train() -> UInt64 { UInt64(rng.nextUniform() * 256) & 0xFF }
  let rows = [(0, train()), (2, train()), (4, train())]
  let up = [(1, train()), (3, train())], down = [(0, train())]
  let trains = HybridUpdateTrains(
    layer: 0, kind: .big, x: [Float](repeating: 0.5, count: m), delta: [Float](repeating: 0.1, count: n),
    rows: rows, plus: up, minus: down)
  var want = 0.0
  for t in 0..<bl {
    for (g, cols) in [(plus, up), (minus, down)] {
      var d = [Double](repeating: 0, count: m), s = [Double](repeating: 0, count: n)
      for (i, w) in rows where w >> UInt64(t) & 1 == 1 { d[i] = 0.5 }
      for (j, w) in cols where w >> UInt64(t) & 1 == 1 { s[j] = -0.5 }
      for i in 0..<m {
        for j in 0..<n where abs(d[i] - s[j]) == 0.5 { want += Double(g[i * n + j]) }
      }
    }
  }
  let got = trains.halfSelectedConductance(plus: plus, minus: minus, columns: n)
  #expect(want > 0)
  #expect(abs(got - want) <= 1e-12 * want, "\(got) against \(want)")
}
