import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Review (session 63) of netted mini-batches through resistive write lines
// (`LimNetwork.applyNettedThroughLines`, `LimLayer.pulseAloneThroughLines`):
// cases the session-62 tests left out (device variation, method b's margin,
// a last partial batch, endurance, the energy sums, method a's schedule,
// `inspect` ending an epoch), and a hand-built row whose slots are counted.

private func configuration(r: Double, writeLines: WriteLines, method: UpdateMethod) -> TrainingConfiguration {
  var cfg = Fixture.configuration(method: method, epochs: 1)
  cfg.wires = .resistive
  cfg.rowSegmentResistance = r
  cfg.columnSegmentResistance = r
  cfg.writeLines = writeLines
  cfg.batch = 4
  cfg.batchPulses = .net
  cfg.nMax = 8
  return cfg
}

private func train(_ net: LimNetwork, _ range: Range<Int>) {
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in range { net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
  }
}

struct NettedCase: Sendable, CustomTestStringConvertible {
  var method: UpdateMethod, sigma: Double, bMargin: Double
  var testDescription: String { "method \(method.rawValue), σ \(sigma), margin \(bMargin)" }
  static let all: [NettedCase] = [
    .init(method: .a, sigma: 0.3, bMargin: 0),
    .init(method: .b, sigma: 0.3, bMargin: 0),
    .init(method: .b, sigma: 0, bMargin: 0.5),
    .init(method: .c, sigma: 0.3, bMargin: 0),
  ]
}

private func sum(_ v: [UInt32]) -> Int { v.reduce(0) { $0 + Int($1) } }

private func endurance(_ net: LimNetwork) -> [[UInt32]] {
  net.layers.flatMap { layer -> [[UInt32]] in
    let c = layer.endurance!
    return [Array(UnsafeBufferPointer(start: c.pulses, count: c.arrays * c.cells)),
      Array(UnsafeBufferPointer(start: c.resets, count: c.arrays * c.cells))]
  }
}

@Test("review 63: netted batches through 1e-9 Ω lines equal ideal writes (variation, margin, a last partial batch, endurance, energy)", arguments: NettedCase.all)
func review63NettedNearIdeal(_ c: NettedCase) throws {
  var a = configuration(r: 1e-9, writeLines: .ideal, method: c.method)
  var b = configuration(r: 1e-9, writeLines: .resistive, method: c.method)
  a.sigma = c.sigma; b.sigma = c.sigma
  a.bMargin = c.bMargin; b.bMargin = c.bMargin
  a.endurance = true; b.endurance = true
  try a.validate()
  try b.validate()
  let ideal = LimNetwork(configuration: a), lines = LimNetwork(configuration: b)
  // 62 samples: 15 batches of 4 and a last one of 2, sent as an epoch's end sends it.
  train(ideal, 0..<62)
  train(lines, 0..<62)
  #expect(ideal.samplesInBatch == 2 && lines.samplesInBatch == 2)
  ideal.applyBatch()
  lines.applyBatch()
  #expect(lines.samplesInBatch == 0)
  #expect(lines.pulses > 500 && lines.resets > 0)
  #expect(lines.layerStates == ideal.layerStates)
  #expect(lines.pulses == ideal.pulses && lines.resets == ideal.resets && lines.repotentiations == ideal.repotentiations)
  #expect(lines.layers.map(\.depressions) == ideal.layers.map(\.depressions))
  #expect(lines.layers.map(\.updateSlots) == ideal.layers.map(\.updateSlots))
  #expect(lines.layers.map(\.resetSlots) == ideal.layers.map(\.resetSlots))
  #expect(endurance(lines) == endurance(ideal))
  for (x, y) in zip(lines.layers, ideal.layers) {
    #expect(abs(x.closedPulseConductance - y.closedPulseConductance) <= 1e-9 * abs(y.closedPulseConductance))
    #expect(abs(x.settledResetConductance - y.settledResetConductance) <= 1e-9 * max(1e-30, abs(y.settledResetConductance)))
  }
  for (x, y) in zip(lines.arrays, ideal.arrays) { #expect(x.weights == y.weights) }
  let s = try #require(lines.writeLineStatistics)
  #expect(s.pulsesBelowThreshold == 0 && s.sequencesBelowThreshold == 0)
  // Every rule pulse was solved once (in a row slot or alone).
  #expect(s.rulePulses == lines.layers.map(\.rulePulses).reduce(0, +))
  // The per-row marks and counts are left cleared.
  for l in lines.layers.indices {
    #expect(!lines.touchedRows[l].contains(true))
    #expect(!lines.accumulators[l].contains { $0 != 0 })
  }
}

@Test("review 63: netted batches through 100 Ω lines count the slots inspect's schedule draws (method a, margin, σ_c2c, an epoch's last batch)",
  arguments: [(UpdateMethod.a, 0.0, 0.0), (.b, 0, 0.5), (.c, 0.2, 0), (.b, 0.2, 0)])
func review63NettedScheduleThroughResistiveLines(_ method: UpdateMethod, _ sigmaC2C: Double, _ bMargin: Double) throws {
  var cfg = configuration(r: 100, writeLines: .resistive, method: method)
  cfg.batch = 3
  cfg.writeThreshold = 0.85
  cfg.sigmaC2C = sigmaC2C
  cfg.bMargin = bMargin
  cfg.endurance = true
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  train(net, 0..<12)
  var serialSlots = 0
  try Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 12..<23 {
      let slots = net.layers.map(\.updateSlots).reduce(0, +), resetSlots = net.layers.map(\.resetSlots).reduce(0, +)
      let (pulses, resets) = (net.pulses, net.resets)
      let below = net.writeLineStatistics!.pulsesBelowThreshold
      let worn: [Int] = endurance(net).map(sum)
      // The last sample ends an epoch: its batch of 2 (not 3) goes out with it.
      let r = try net.inspect(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s]), endsEpoch: s == 22)
      let drawn = UpdateSchedule.slots(r.pulses)
      #expect(drawn.count == net.layers.map(\.updateSlots).reduce(0, +) - slots, "sample \(s)")
      #expect(drawn.filter { $0.count == 1 && $0[0].kind == .reset }.count == net.layers.map(\.resetSlots).reduce(0, +) - resetSlots, "sample \(s)")
      serialSlots += drawn.filter { $0.count == 1 && $0[0].kind != .potentiate }.count
      #expect(r.pulses.total() == net.pulses - pulses)
      #expect(r.pulses.total(resets: true) == net.resets - resets)
      #expect(r.pulses.filter { $0.kind == .potentiate }.total(landed: false) == net.writeLineStatistics!.pulsesBelowThreshold - below)
      // Endurance counts what landed.
      let now: [Int] = endurance(net).map(sum)
      var wornPulses = 0, wornResets = 0
      for l in 0..<net.layers.count {
        wornPulses += now[2 * l] - worn[2 * l]
        wornResets += now[2 * l + 1] - worn[2 * l + 1]
      }
      #expect(wornPulses == net.pulses - pulses && wornResets == net.resets - resets)
    }
  }
  #expect(net.samplesInBatch == 0)
  let st = try #require(net.writeLineStatistics)
  #expect(st.pulsesBelowThreshold > 0 && st.pulsesBelowThreshold < st.rulePulses)
  #expect(serialSlots > 0)
}

/// One row's netted sums set by hand on a fresh network (all devices at
/// state 0, nMax 8, method b, 1e-9 Ω lines): column 0 +3, column 1 −2,
/// column 2 +10 (its G+ reaches G_max at its 8th pulse: method b's serial
/// events, then its 2 pulses left go alone), column 3 0, column 4 +1.
/// Rounds: 8 row slots (column 2's 8 rule pulses; the others fit in the
/// first 3); column 2's 8th pulse takes it to G_max with G− at 0: no
/// reset; its 9th pulse is a refill (serial) and its 10th goes alone.
@Test("review 63: a hand-set netted row takes its rounds, then the serial synapse's pulses alone, as ideal writes and the schedule")
func review63HandSetNettedRow() throws {
  func run(_ writeLines: WriteLines, record: Bool) throws -> (LimNetwork, [PulseEvent]) {
    var cfg = configuration(r: 1e-9, writeLines: writeLines, method: .b)
    try cfg.validate()
    cfg.batch = 4
    let net = LimNetwork(configuration: cfg)
    let layer = net.layers[1], n = layer.columns
    let recorder = PulseRecorder()
    if record { net.recorder = recorder }
    for (j, v) in [(0, 3), (1, -2), (2, 10), (4, 1)] { net.accumulators[1][5 * n + j] = Float(v) }
    net.touchedRows[1][5] = true
    // Row 7: columns 2 and 3 −3 each: three shared rounds (column 2's
    // serial mark from row 5 must not carry over and send it alone).
    net.accumulators[1][7 * n + 2] = -3
    net.accumulators[1][7 * n + 3] = -3
    net.touchedRows[1][7] = true
    net.samplesInBatch = 1
    net.applyBatch()
    if record { net.recorder = nil }
    return (net, recorder.events)
  }
  let (ideal, _) = try run(.ideal, record: false)
  let (lines, events) = try run(.resistive, record: true)
  #expect(lines.layerStates == ideal.layerStates)
  #expect(lines.pulses == ideal.pulses && lines.repotentiations == ideal.repotentiations && lines.resets == ideal.resets)
  #expect(lines.layers.map(\.updateSlots) == ideal.layers.map(\.updateSlots))
  #expect(lines.layers.map(\.resetSlots) == ideal.layers.map(\.resetSlots))
  #expect(UpdateSchedule.slots(events).count == lines.layers[1].updateSlots)
  // Row 5: column 2 (states 2 and 2) takes 6 rule pulses to G_max in
  // rounds 1–6 (columns 0, 1, 4 fit in rounds 1–3); its 7th pulse is a
  // refill (reset of G−, 2 re-potentiations: serial), its 8th–10th go alone
  // (3 more resets, 1 re-potentiation): 6 + 7 slots. Row 7: 3 rounds.
  #expect(lines.layers[1].updateSlots == 16)
  #expect(lines.layers[1].resetSlots == 4)
  #expect(lines.layers[1].repotentiations == 3)
  #expect(lines.layers[0].updateSlots == 0)
  // The recorded order: row 5's rounds, column 2's serial events, row 7's rounds.
  let kinds = events.map { "\($0.row).\($0.column)\($0.kind == .potentiate ? "p" : $0.kind == .reset ? "r" : "q")" }
  #expect(kinds == ["5.0p", "5.2p", "5.4p", "5.1p", "5.0p", "5.2p", "5.1p", "5.0p", "5.2p", "5.2p", "5.2p", "5.2p",
    "5.2r", "5.2q", "5.2r", "5.2q", "5.2r", "5.2r", "7.2p", "7.3p", "7.2p", "7.3p", "7.2p", "7.3p"])
  #expect(!lines.layers[1].writeLines!.held)
}

@Test("review 63: netted batches through resistive lines take the slots' account (half_select book, line_capacitance; refused until session 63)")
func review63NettedTakesTheSlotsAccount() throws {
  let cfg = configuration(r: 100, writeLines: .resistive, method: .b)
  try cfg.validate()
  for c in [0, 1] {
    var booked = cfg
    if c == 0 { booked.halfSelect = .book } else { booked.lineCapacitance = 1e-15 }
    try booked.validate()
  }
}

/// σ_c2c draws go round by round through the lines; with netted sums of
/// ±1 a row has one round, whose synapses go in column order as ideal
/// writes visit them: the same draws, the same devices (`columnOrder`).
@Test("review 63: netted sums of ±1 with σ_c2c through 1e-9 Ω lines draw as ideal writes (column order)")
func review63NettedUnitSumsDrawInColumnOrder() throws {
  func run(_ writeLines: WriteLines) throws -> LimNetwork {
    var cfg = configuration(r: 1e-9, writeLines: writeLines, method: .c)
    cfg.sigmaC2C = 0.2
    try cfg.validate()
    let net = LimNetwork(configuration: cfg)
    for _ in 0..<12 {
      for l in net.layers.indices {
        let layer = net.layers[l], n = layer.columns
        for i in 0..<layer.rows {
          for j in 0..<n { net.accumulators[l][i * n + j] = Float((i * 7 + j * 3) % 5 == 0 ? 0 : ((i + 2 * j) % 3 == 0 ? 1 : -1)) }
          net.touchedRows[l][i] = true
        }
      }
      net.samplesInBatch = 1
      net.applyBatch()
    }
    return net
  }
  let ideal = try run(.ideal), lines = try run(.resistive)
  #expect(lines.layers.map(\.depressions).reduce(0, +) > 0)
  #expect(lines.layerStates == ideal.layerStates)
  #expect(lines.pulses == ideal.pulses && lines.layers.map(\.updateSlots) == ideal.layers.map(\.updateSlots))
}
