import Circuit
import Testing
import _TestSupport

// Mutation round 4 (code since 9dc5384): the survivors' tests.

// A bidirectional finite-state device's depression with cycle-to-cycle
// noise scales the step −μ (its unclamped step for a depression), never +μ:
// a depression pulse lowers the conductance (mutant: `potentiation: true`
// in `depress`).
@Test func aNoisyDepressionOfABidirectionalFiniteStateDeviceLowersItsConductance() throws {
  let model = FiniteStateDevice(states: 50, gMin: 1e-6, gMax: 1e-5, isBidirectional: true)
  var p = try DevicePopulation(
    model: model, count: 8, variation: DeviceVariation(cycleToCycle: 0.1), seed: 7, initialConductance: 5e-6)
  for i in 0..<p.count {
    let before = p.nominal(i)
    p.depress(i)
    #expect(p.nominal(i) < before, "device \(i)")
    // About one step μ = (G_max − G_min)/(states − 1) down (σ 0.1).
    #expect(abs((before - p.nominal(i)) / model.stepSize - 1) < 0.6, "device \(i)")
    let down = p.nominal(i)
    p.potentiate(i)
    #expect(p.nominal(i) > down, "device \(i)")
  }
}

/// An `m`×`n` array of devices uniform in [0, gMax] S.
private func uniformArray(_ m: Int, _ n: Int, seed: UInt64, gMax: Double, wires: WireModel) -> DifferentialArray {
  var rng = SeededGenerator(seed: seed)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  a.setConductances(
    plus: (0..<(m * n)).map { _ in gMax * rng.nextUniform() }, minus: (0..<(m * n)).map { _ in gMax * rng.nextUniform() })
  return a
}

// The two levels start at G_max·max(r_row, r_col) ≥ threshold: with the
// row segments at 1 Ω and the column segments at 1e5 Ω (G_max 10 µS:
// G·max(r) = 1, G·min(r) = 1e-5) they are on, and likewise with the two
// swapped (mutant: G_max·min(r)).
@Test func theTwoLevelThresholdReadsTheLargerSegmentResistance() throws {
  for (rRow, rCol) in [(1.0, 1e5), (1e5, 1.0)] {
    let wires = WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol)
    let a = uniformArray(12, 7, seed: 41, gMax: 1e-5, wires: wires)
    a.setConductance(.plus, row: 0, column: 0, 1e-5)
    let reader = ResistiveReader(rows: 12, columns: 7, wires: wires)
    _ = try reader.readout(a, .forward, voltages: (0..<12).map { 0.01 * Double($0) })
    #expect(reader.isTwoLevel, "r_row \(rRow), r_col \(rCol)")
  }
  // Both small: G·r = 1e-5, below the default 1e-2.
  let low = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
  let reader = ResistiveReader(rows: 12, columns: 7, wires: low)
  _ = try reader.readout(uniformArray(12, 7, seed: 41, gMax: 1e-5, wires: low), .forward, voltages: Array(repeating: 0.1, count: 12))
  #expect(!reader.isTwoLevel)
}

// The line factors are rebuilt before every read when either polarity uses
// two levels: here only G− is large enough (G+ ≤ 1e-10 S, G·r ≤ 1e-2),
// and a read after G− moved costs what a fresh reader's does (mutant:
// only G+'s two levels looked at, G−'s factors left stale).
@Test func theFactorsAreRebuiltWhenOnlyTheMinusPolarityHasTwoLevels() throws {
  let (m, n) = (40, 16)
  let wires = WireModel(rowSegmentResistance: 1e8, columnSegmentResistance: 1e8)
  var rng = SeededGenerator(seed: 51)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  a.setConductances(
    plus: (0..<(m * n)).map { _ in 1e-11 * rng.nextUniform() }, minus: (0..<(m * n)).map { _ in 1e-5 * rng.nextUniform() })
  let reader = ResistiveReader(rows: m, columns: n, wires: wires)
  let v = (0..<m).map { _ in rng.nextUniform() < 0.2 ? 0.2 * rng.nextUniform() : 0 }
  _ = try reader.readout(a, .forward, voltages: v)
  #expect(reader.isTwoLevel)
  for k in 0..<(m * n) { a.setConductance(.minus, row: k / n, column: k % n, 1e-5 * rng.nextUniform()) }
  let before = reader.iterations
  _ = try reader.readout(a, .forward, voltages: v)
  let fresh = ResistiveReader(rows: m, columns: n, wires: wires)
  _ = try fresh.readout(a, .forward, voltages: v)
  #expect(reader.iterations - before == fresh.iterations)
}
