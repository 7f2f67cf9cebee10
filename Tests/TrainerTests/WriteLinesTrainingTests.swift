import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `write_lines resistive`: rule lim's update slots solved through the
// lines (`RowWriteSolver`), a pulse programming its device only where its
// cell reaches `write_threshold`.

private func configuration(r: Double, writeLines: WriteLines, method: UpdateMethod = .b) -> TrainingConfiguration {
  var cfg = Fixture.configuration(method: method, epochs: 1)
  cfg.wires = .resistive
  cfg.rowSegmentResistance = r
  cfg.columnSegmentResistance = r
  cfg.writeLines = writeLines
  return cfg
}

private func train(_ net: LimNetwork, _ range: Range<Int>) {
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in range { net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
  }
}

@Test(
  "lines of vanishing resistance: the same devices, pulses and resets as ideal writes",
  arguments: [(UpdateMethod.a, 0.0), (.b, 0.0), (.a, 0.3), (.b, 0.3)])
func nearIdealLinesWriteAsIdealOnes(_ method: UpdateMethod, _ sigma: Double) throws {
  // (Every serial sequence is replayed event by event: the kernel's.)
  var a = configuration(r: 1e-9, writeLines: .ideal, method: method), b = configuration(r: 1e-9, writeLines: .resistive, method: method)
  a.sigma = sigma
  b.sigma = sigma
  let ideal = LimNetwork(configuration: a)
  let lines = LimNetwork(configuration: b)
  train(ideal, 0..<150)
  train(lines, 0..<150)
  #expect(lines.pulses > 10_000)
  #expect(lines.layerStates == ideal.layerStates)
  #expect(lines.pulses == ideal.pulses && lines.resets == ideal.resets)
  #expect(lines.repotentiations == ideal.repotentiations && lines.repotentiations > 0)
  #expect(lines.layers.map(\.updateSlots) == ideal.layers.map(\.updateSlots))
  #expect(lines.layers.map(\.resetSlots) == ideal.layers.map(\.resetSlots))
  // The same weights in the cache and the same line loads (to rounding).
  for (x, y) in zip(lines.arrays, ideal.arrays) {
    #expect(x.weights == y.weights)
    for i in 0..<x.rows { #expect(abs(x._rowLoad[i] - y._rowLoad[i]) <= 1e-12 * max(1e-5, abs(y._rowLoad[i]))) }
  }
  let s = try #require(lines.writeLineStatistics)
  #expect(s.pulsesBelowThreshold == 0 && s.sequencesBelowThreshold == 0)
  #expect(s.rulePulses > 0 && s.leastShare > 1 - 1e-6 && s.leastShare <= 1)
  #expect(ideal.writeLineStatistics == nil)
}

/// One sample's update, predicted synapse by synapse from the solver on
/// the conductances before it: a rule pulse below the threshold leaves
/// its synapse as it was, one above it moves its device one state.
@Test("a pulse programs its device exactly where its cell reaches the threshold", arguments: [UpdateMethod.a, .b])
func pulsesBelowTheThresholdDoNothing(_ method: UpdateMethod) throws {
  var cfg = configuration(r: 100, writeLines: .resistive, method: method)
  cfg.writeThreshold = 0.85
  // Few states: devices reach G_max, and their serial sequences come.
  cfg.nMax = 8
  let net = LimNetwork(configuration: cfg)
  train(net, 0..<40)
  let top = UInt8(cfg.nMax), f = cfg.writeThreshold / cfg.programVoltage
  var below = 0, above = 0, undone = 0
  for sample in 40..<60 {
    let before = net.layerStates
    let g = net.arrays.map { (Array(UnsafeBufferPointer(start: $0._plus, count: $0.rows * $0.columns)), Array(UnsafeBufferPointer(start: $0._minus, count: $0.rows * $0.columns))) }
    let counted = net.writeLineStatistics!.pulsesBelowThreshold
    let countedSequences = net.writeLineStatistics!.sequencesBelowThreshold
    train(net, sample..<(sample + 1))
    let after = net.layerStates
    // No output error: no back-propagation and no update (the hidden δ
    // are the previous sample's).
    guard net.deltas[net.layers.count - 1].contains(where: { $0 != 0 }) else {
      #expect(after == before)
      continue
    }
    var predictedBelow = 0, predictedUndone = 0
    for l in 0..<net.layers.count {
      let layer = net.layers[l], (m, n) = (layer.rows, layer.columns)
      // A cell written alone, on both arrays: what a serial sequence needs.
      let alone = (RowWriteSolver(rows: m, columns: n, wires: cfg.wireModel), RowWriteSolver(rows: m, columns: n, wires: cfg.wireModel))
      g[l].0.withUnsafeBufferPointer { alone.0.prepare($0.baseAddress!) }
      g[l].1.withUnsafeBufferPointer { alone.1.prepare($0.baseAddress!) }
      // Whether a pulse (or reset) lands on each array, the cell alone.
      func reaches(_ i: Int, _ j: Int) -> (plus: Bool, minus: Bool) {
        let a = g[l].0.withUnsafeBufferPointer { alone.0.cellShare(row: i, column: j, conductance: $0.baseAddress!) }
        let b = g[l].1.withUnsafeBufferPointer { alone.1.cellShare(row: i, column: j, conductance: $0.baseAddress!) }
        return (a >= f, b >= f)
      }
      let rows = net.activations[l].indices.filter { net.activations[l][$0] > 0 }
      let up = (0..<n).filter { net.deltas[l][$0] < 0 }, down = (0..<n).filter { net.deltas[l][$0] > 0 }
      for (columns, raise) in [(up, true), (down, false)] where !columns.isEmpty {
        let solver = RowWriteSolver(rows: m, columns: n, wires: cfg.wireModel)
        let conductance = raise ? g[l].0 : g[l].1
        let states = raise ? before[l].plusStates : before[l].minusStates
        let others = raise ? before[l].minusStates : before[l].plusStates
        let newStates = raise ? after[l].plusStates : after[l].minusStates
        conductance.withUnsafeBufferPointer { gp in
          solver.prepare(gp.baseAddress!)
          for i in rows {
            // Serial sequences (the device to pulse at G_max): where the cell
            // alone misses the threshold on both arrays, nothing lands.
            for j in columns where states[i * n + j] == top && reaches(i, j) == (false, false) {
              predictedUndone += 1
              #expect(after[l].plusStates[i * n + j] == before[l].plusStates[i * n + j]
                && after[l].minusStates[i * n + j] == before[l].minusStates[i * n + j], "layer \(l) cell (\(i), \(j)) sequence")
            }
            // The row's slot: its columns whose device is below G_max.
            let rule = columns.filter { states[i * n + $0] < top }
            guard !rule.isEmpty else { continue }
            var shares = [Double](repeating: 0, count: rule.count)
            let list = rule.map(Int32.init)
            list.withUnsafeBufferPointer { lp in
              shares.withUnsafeMutableBufferPointer { sp in
                solver.slot(row: i, columns: lp.baseAddress!, count: rule.count, conductance: gp.baseAddress!, into: sp.baseAddress!)
              }
            }
            for (q, j) in rule.enumerated() {
              let k = i * n + j
              if shares[q] < f {
                predictedBelow += 1
                below += 1
                #expect(newStates[k] == states[k] && (raise ? after[l].minusStates : after[l].plusStates)[k] == others[k],
                  "layer \(l) cell (\(i), \(j)) share \(shares[q]) changed")
              } else if !(states[k] + 1 == top && others[k] == top) {
                above += 1
                #expect(newStates[k] == states[k] + 1, "layer \(l) cell (\(i), \(j)) share \(shares[q])")
              } else {
                // The pulse lands and takes both to G_max; each device's
                // reset lands where its array's cell reaches the threshold.
                let (p, m) = reaches(i, j)
                let (mine, other) = raise ? (p, m) : (m, p)
                if !(mine && other) { predictedUndone += 1 }
                #expect(newStates[k] == (mine ? 0 : top), "layer \(l) cell (\(i), \(j)) reset")
                #expect((raise ? after[l].minusStates : after[l].plusStates)[k] == (other ? 0 : top), "layer \(l) cell (\(i), \(j)) reset")
              }
            }
          }
        }
      }
    }
    #expect(net.writeLineStatistics!.pulsesBelowThreshold - counted == predictedBelow)
    // (Sequences partly undone on one array count too: at least these.)
    #expect(net.writeLineStatistics!.sequencesBelowThreshold - countedSequences >= predictedUndone)
    undone += predictedUndone
  }
  // (Method a's sequences here land on one array or both: the fully
  // undone ones come with method b.)
  #expect(undone > 0 || method == .a, "no sequence left undone")
  #expect(net.writeLineStatistics!.sequencesBelowThreshold > 0)
  // The weight cache and the line loads follow the devices, replayed
  // sequences included.
  for layer in net.layers {
    for k in 0..<(layer.rows * layer.columns) { #expect(layer.array._weight[k] == layer.cachedWeight(k, layer.conductances(k))) }
    for i in 0..<layer.rows {
      let load = (0..<layer.columns).reduce(0.0) { s, c in let g = layer.conductances(i * layer.columns + c); return s + g.plus + g.minus }
      // (The kernels add single-precision steps: to about 1e-7.)
      #expect(abs(layer.array._rowLoad[i] - load) <= 1e-6 * load)
    }
  }
  // The lines cut some pulses and not others.
  #expect(below > 100 && above > 100, "below \(below), above \(above)")
}

@Test("a threshold just below the full programming voltage stops every pulse through 1 Ω lines")
func aThresholdAtVpProgramsNothing() throws {
  var cfg = configuration(r: 1, writeLines: .resistive)
  // (At V_p itself it is refused since session 64: a cell reaches it only
  // through ideal lines.)
  cfg.writeThreshold = cfg.programVoltage.nextDown
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  let initial = net.layerStates
  train(net, 0..<30)
  #expect(net.pulses == 0 && net.resets == 0)
  #expect(net.layerStates == initial)
  let s = try #require(net.writeLineStatistics)
  #expect(s.rulePulses > 0 && s.pulsesBelowThreshold == s.rulePulses)
  // No device reaches G_max: no sequence at all.
  #expect(s.sequencesBelowThreshold == 0)
  #expect(s.leastShare < 1 && s.meanShare < 1)
  // The slots were driven all the same: a row's slot wherever ideal writes
  // (which land every pulse) drive one, on the first sample.
  let first = LimNetwork(configuration: cfg), ideal = LimNetwork(configuration: configuration(r: 1, writeLines: .ideal))
  train(first, 0..<1)
  train(ideal, 0..<1)
  #expect(first.layers.map(\.updateSlots) == ideal.layers.map(\.updateSlots) && first.layers[0].updateSlots > 0)
}

@Test("write_lines resistive is refused where its slots are not modelled, by name")
func writeLinesRefusals() {
  func refusal(_ change: (inout TrainingConfiguration) -> Void) -> ConfigurationError? {
    var cfg = configuration(r: 1, writeLines: .resistive)
    change(&cfg)
    do { try cfg.validate() } catch let e as ConfigurationError { return e } catch { return nil }
    return nil
  }
  #expect(refusal { _ in } == nil)
  #expect(refusal { $0.wires = .ideal; $0.rowSegmentResistance = 0; $0.columnSegmentResistance = 0 }?.field == "write_lines")
  #expect(refusal { $0.mode = .offChip }?.field == "write_lines")
  // Conductance states are solved too (since session 62).
  #expect(refusal { $0.method = .c } == nil)
  #expect(refusal { $0.sigmaC2C = 0.1 } == nil)
  #expect(refusal { $0.bMargin = 0.5 } == nil)
  // Mini-batches are solved (since session 62), and netted ones take the
  // slots' account too (since session 63).
  #expect(refusal { $0.batch = 2 } == nil)
  #expect(refusal { $0.batch = 2; $0.batchPulses = .net } == nil)
  #expect(refusal { $0.batch = 2; $0.batchPulses = .net; $0.halfSelect = .book } == nil)
  #expect(refusal { $0.batch = 2; $0.batchPulses = .net; $0.lineCapacitance = 1e-15 } == nil)
  // Booked through the lines too (since session 62).
  #expect(refusal { $0.halfSelect = .book } == nil)
  #expect(refusal { $0.rowSegmentResistance = 0; $0.columnSegmentResistance = 0 }?.field == "write_lines")
  #expect(refusal { $0.lineCapacitance = 1e-15 } == nil)
  #expect(refusal { $0.writeThreshold = 0.5 }?.field == "write_threshold")
  #expect(refusal { $0.writeThreshold = 1.01 }?.field == "write_threshold")
  // At V_p too: a cell reaches it only through ideal lines (a walkthrough,
  // session 64: every pulse held back at 1e-9 Ω).
  #expect(refusal { $0.writeThreshold = 1 }?.field == "write_threshold")
  #expect(refusal { $0.writeThreshold = 0.999 } == nil)
  #expect(refusal { $0.writeThreshold = 0.51 } == nil)
  // Its own V_p sets the range, not the coincidence rules' write_voltage
  // (a walkthrough: any V_p above 1 V was refused).
  #expect(refusal { $0.programVoltage = 2; $0.writeThreshold = 1.5 } == nil)
  // A threshold a read reaches is refused, by name.
  #expect(refusal { $0.programVoltage = 0.3; $0.writeThreshold = 0.2 }?.field == "write_threshold")
  // write_threshold is read by rule lim only through the lines.
  var cfg = configuration(r: 1, writeLines: .resistive)
  cfg.writeThreshold = 0.9
  #expect(!cfg.ignoredKeys.contains { $0.key == "write_threshold" })
  cfg.writeLines = .ideal
  #expect(cfg.ignoredKeys.contains { $0.key == "write_threshold" && $0.usedBy.contains("write_lines resistive") })
}

/// The case a mutation audit found untested: a pulse lands in its row's
/// slot and takes both devices to G_max; the pulsed array's reset lands,
/// the other array's does not (its cell, written alone, misses the
/// threshold). One layer, its states set by hand.
@Test("a pulse to G_max whose other reset misses: one reset lands, the synapse stays at its G+")
func oneResetOfTwoLands() throws {
  var cfg = configuration(r: 300, writeLines: .resistive)
  cfg.nMax = 8
  cfg.writeThreshold = 0.85
  cfg.layers = [15, 6]
  try cfg.validate()
  var rng = SeededGenerator(seed: 1)
  let layer = LimLayer(inputs: 15, outputs: 6, configuration: cfg, rng: &rng)
  let (m, n, top) = (layer.rows, layer.columns, UInt8(cfg.nMax))
  let (i, j) = (0, n - 1), k = i * n + j
  // G+ everywhere at G_max (a loaded array), G− at G_min; the target's G−
  // one pulse below G_max.
  for c in 0..<(m * n) {
    layer.kp[c] = top
    layer.km[c] = 0
  }
  layer.km[k] = top - 1
  layer.synchronize()
  layer.synchronizeConductances()
  layer.restartEnergyAccount()
  // The precondition, from the solver: the G− slot reaches, G+ alone does not.
  let f = cfg.writeThreshold / cfg.programVoltage
  let plus = RowWriteSolver(rows: m, columns: n, wires: cfg.wireModel), minus = RowWriteSolver(rows: m, columns: n, wires: cfg.wireModel)
  plus.prepare(layer.array._plus)
  minus.prepare(layer.array._minus)
  var column = Int32(j), slotShare = 0.0
  minus.slot(row: i, columns: &column, count: 1, conductance: layer.array._minus, into: &slotShare)
  let plusAlone = plus.cellShare(row: i, column: j, conductance: layer.array._plus)
  try #require(slotShare >= f && plusAlone < f, "slot \(slotShare), G+ alone \(plusAlone)")
  let recorder = PulseRecorder()
  layer.recorder = recorder
  let closedBefore = layer.closedPulseConductance
  var row = Int32(i)
  layer.update(rows: &row, rowCount: 1, up: [], upCount: 0, down: [Int32(j)], downCount: 1)
  #expect(layer.km[k] == 0 && layer.kp[k] == top)
  #expect(layer.pulses == 1 && layer.resets == 1 && layer.repotentiations == 0)
  #expect(layer.writeLines!.ineffectiveSequences == 1 && layer.writeLines!.ineffectivePulses == 0)
  // The row's slot and the two reset slots, landed or not.
  #expect(layer.updateSlots == 3 && layer.resetSlots == 2)
  // The landed reset closes G−'s stretch of pulses from G_min to G_max.
  let x = Double(layer.xm[k])
  #expect(abs(layer.closedPulseConductance - closedBefore - x * layer.cumulative[cfg.nMax]) <= 1e-18)
  // The recorder hears what landed: G−'s pulse and its reset.
  let landed = recorder.events.filter(\.landed), held = recorder.events.filter { !$0.landed }
  #expect(landed.map(\.kind) == [.potentiate, .reset] && landed.allSatisfy { $0.polarity == .minus })
  // ... and, marked, G+'s reset that did not land (since session 62).
  #expect(held.map(\.kind) == [.reset] && held.allSatisfy { $0.polarity == .plus })
  // The weight cache and the loads follow the states.
  #expect(layer.array._weight[k] == layer.cachedWeight(k, layer.conductances(k)))
  let load = (0..<n).reduce(0.0) { s, c in let g = layer.conductances(i * n + c); return s + g.plus + g.minus }
  #expect(abs(layer.array._rowLoad[i] - load) <= 1e-6 * load)
}
