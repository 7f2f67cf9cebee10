import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 62: `write_lines resistive` on conductance states, a
// serial sequence that lands on one device and not on the other
// (`LimLayer.reapply`): the landed events' counts, energy and σ_c2c draws.

/// Hand-set: method a with σ_c2c, G+ at G_max on a lightly loaded G+
/// array, G− mid-range on a heavily loaded G− array. Raising the weight
/// resets both devices and re-potentiates G+; only G+'s cell reaches the
/// threshold: its reset and re-potentiation land, pulse for pulse and
/// draw for draw as with ideal writes, G−'s reset is held back.
@Test("method a on conductance states: a sequence that lands on G+ only counts G+'s reset and refill, with ideal writes' draws")
func methodASequenceLandingOnOneDevice() throws {
  var cfg = Fixture.configuration(method: .a, epochs: 1)
  cfg.wires = .resistive
  cfg.rowSegmentResistance = 300
  cfg.columnSegmentResistance = 300
  cfg.writeLines = .resistive
  cfg.sigmaC2C = 0.2
  cfg.writeThreshold = 0.85
  cfg.layers = [15, 6]
  try cfg.validate()
  var idealCfg = cfg
  idealCfg.writeLines = .ideal
  var rng = SeededGenerator(seed: 1), rng2 = SeededGenerator(seed: 1)
  let layer = LimLayer(inputs: 15, outputs: 6, configuration: cfg, rng: &rng)
  let twin = LimLayer(inputs: 15, outputs: 6, configuration: idealCfg, rng: &rng2)
  #expect(layer.conductanceStates)
  let (m, n) = (layer.rows, layer.columns)
  let (i, j) = (0, n - 1), k = i * n + j
  let device = cfg.device
  for l in [layer, twin] {
    for c in 0..<(m * n) {
      l.gp[c] = device.gMin
      l.gm[c] = device.gMax * 0.999
    }
    l.gp[k] = device.gMax
    l.gm[k] = device.gMin + 0.5 * (device.gMax - device.gMin)
    l.synchronize()
    l.synchronizeConductances()
    l.restartEnergyAccount()
  }
  let f = cfg.writeThreshold / cfg.programVoltage
  let plus = RowWriteSolver(rows: m, columns: n, wires: cfg.wireModel)
  let minus = RowWriteSolver(rows: m, columns: n, wires: cfg.wireModel)
  plus.prepare(layer.array._plus)
  minus.prepare(layer.array._minus)
  let plusAlone = plus.cellShare(row: i, column: j, conductance: layer.array._plus)
  let minusAlone = minus.cellShare(row: i, column: j, conductance: layer.array._minus)
  try #require(plusAlone >= f && minusAlone < f, "G+ alone \(plusAlone), G− alone \(minusAlone)")
  let g0 = (layer.gp[k], layer.gm[k])
  let recorder = PulseRecorder()
  layer.recorder = recorder
  let wear = DeviceCounts(arrays: 2, rows: m, columns: n)
  layer.endurance = wear
  var row = Int32(i)
  layer.update(rows: &row, rowCount: 1, up: [Int32(j)], upCount: 1, down: [], downCount: 0)
  twin.update(rows: &row, rowCount: 1, up: [Int32(j)], upCount: 1, down: [], downCount: 0)
  try #require(twin.resets == 2 && twin.repotentiations > 0)
  // G+: reset and re-potentiated as the ideal twin's (the same draws);
  // G− as it was.
  #expect(layer.gp[k] == twin.gp[k] && layer.gp[k] != g0.0)
  #expect(layer.gm[k] == g0.1)
  // Only the landed events count.
  #expect(layer.resets == 1)
  #expect(layer.repotentiations == twin.repotentiations && layer.pulses == twin.pulses)
  #expect(layer.closedPulseConductance == twin.closedPulseConductance)
  // G+'s reset's settled conductance, not G−'s.
  let xp = layer.hasVariation ? Double(layer.xp[k]) : 1
  #expect(layer.settledResetConductance == xp * g0.0 * layer.gMax && layer.settledResetConductance < twin.settledResetConductance)
  #expect(layer.writeLines!.ineffectiveSequences == 1)
  // Every issued event takes its slot.
  #expect(layer.updateSlots == twin.updateSlots && layer.resetSlots == twin.resetSlots && layer.resetSlots == 2)
  // The recorder: G−'s reset held back, the rest landed.
  let held = recorder.events.filter { !$0.landed }
  #expect(held.map(\.kind) == [.reset] && held.first?.polarity == .minus)
  #expect(recorder.pulses == layer.pulses && recorder.resets == 1 && recorder.repotentiations == layer.repotentiations)
  #expect(recorder.heldBack == 1)
  // A device's wear counts what reached it: G−'s reset did not.
  #expect(wear.resets[k] == 1 && wear.resets[m * n + k] == 0)
  #expect(Int(wear.pulses[k]) == layer.pulses && wear.pulses[m * n + k] == 0)
  #expect(layer.array._weight[k] == layer.cachedWeight(k, layer.conductances(k)))
  let load = (0..<n).reduce(0.0) { s, c in let g = layer.conductances(i * n + c); return s + g.plus + g.minus }
  #expect(abs(layer.array._rowLoad[i] - load) <= 1e-9 * load)
}
