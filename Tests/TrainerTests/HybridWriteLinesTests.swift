import Circuit
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Rules hybrid and single with `write_lines resistive` (session 61): each
// parallel slot of an update solved through the lines; a coincidence
// programs its device only where its cell sees write_threshold.

private func configuration(rule: LearningRule = .hybrid, r: Double, writes: WriteLines = .resistive) -> TrainingConfiguration {
  var cfg = Fixture.configuration(rule: rule, epochs: 1)
  cfg.wires = .resistive
  cfg.rowSegmentResistance = r
  cfg.columnSegmentResistance = r
  cfg.writeLines = writes
  return cfg
}

@Test(arguments: [LearningRule.hybrid, .single])
func nearIdealLinesWriteAsIdealWrites(_ rule: LearningRule) throws {
  // 1e-9 Ω: every coincidence sees V_w to 1e-12, far above 0.75: the run
  // is the resistive reads' run with ideal writes, pulse for pulse.
  var ideal = configuration(rule: rule, r: 1e-9, writes: .ideal)
  ideal.trainLimit = 200
  var lines = ideal
  lines.writeLines = .resistive
  let a = try Fixture.run(ideal), b = try Fixture.run(lines)
  #expect(b.failure == nil)
  #expect(b.points.map(\.pulses) == a.points.map(\.pulses))
  #expect(b.points.map(\.resets) == a.points.map(\.resets))
  #expect(b.points.map(\.accuracy) == a.points.map(\.accuracy))
  let w = try #require(b.writeLines)
  #expect(w.rulePulses > 0 && w.pulsesBelowThreshold == 0 && w.sequencesBelowThreshold == 0 && w.parallel)
  #expect(w.leastShare > 1 - 1e-9)
  #expect(a.writeLines == nil)
}

@Test func eachCoincidenceLandsWhereItsSlotsSolveSaysItDoes() throws {
  // Layer 0 of a 64-8-10 network (65×8 arrays), 300 Ω segments against
  // 10 µS devices, no cycle-to-cycle noise (a pulse is one step μ): over
  // 20 samples, every device that did not reach G_max moved by μ times
  // the coincidences whose cell saw at least 0.75 of V_w in their slot,
  // each slot solved here on the devices before the update.
  var cfg = configuration(r: 300)
  cfg.c2c = 0
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0], n = layer.columns
  let mu = Double(layer.step[0])
  var trains: HybridUpdateTrains? = nil
  net.updateObserver = { if $0.layer == 0 { trains = $0 } }
  var landed = 0, held = 0
  try Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 0..<20 {
      trains = nil
      let before = net.devices(layer: 0, kind: .big)
      let cells0 = layer.cellUpdates
      net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s]))
      guard let t = trains else { continue }
      var landedCells = 0
      let after = net.devices(layer: 0, kind: .big)
      for (p, columns) in [(0, t.plus), (1, t.minus)] {
        let g = p == 0 ? before.plus : before.minus
        let moved = p == 0 ? zip(after.plus, before.plus).map { Double($0 - $1) } : zip(after.minus, before.minus).map { Double($0 - $1) }
        var expected = [Int](repeating: 0, count: layer.count), issued = expected
        let solver = ParallelWriteSolver(rows: layer.rows, columns: n, wires: cfg.wireModel)
        for slot in 0..<64 {
          let bit: UInt64 = 1 << UInt64(slot)
          let rows = t.rows.filter { $0.train & bit != 0 }.map { Int32($0.index) }
          let cols = columns.filter { $0.train & bit != 0 }.map { Int32($0.index) }
          guard !rows.isEmpty && !cols.isEmpty else { continue }
          g.withUnsafeBufferPointer {
            _ = solver.solve(rows: rows, rowCount: rows.count, columns: cols, columnCount: cols.count, conductance: $0.baseAddress!, scale: cfg.gMaxSiemens)
          }
          for i in rows { for j in cols {
            let x = Int(i) * n + Int(j)
            issued[x] += 1
            if solver.share(row: Int(i), column: Int(j)) >= 0.75 { expected[x] += 1; landed += 1 } else { held += 1 }
          } }
        }
        landedCells += expected.filter { $0 > 0 }.count
        for x in 0..<layer.count where issued[x] > 0 {
          // (A device that reaches G_max goes to the saturation pass.)
          guard Double(g[x]) + Double(issued[x] + 1) * mu < 1 else { continue }
          #expect(abs(moved[x] - Double(expected[x]) * mu) < 1e-5, "sample \(s) cell \(x) polarity \(p): moved \(moved[x] / mu) steps, expected \(expected[x]) of \(issued[x])")
        }
      }
      // `cell_updates`: the synapses with a coincidence that landed.
      #expect(layer.cellUpdates - cells0 == landedCells, "sample \(s)")
    }
  }
  // Both kinds of coincidence occurred.
  #expect(landed > 50 && held > 50, "landed \(landed), held \(held)")
  let w = try #require(net.writeLineStatistics)
  #expect(w.pulsesBelowThreshold > 0 && w.pulsesBelowThreshold < w.rulePulses)
  #expect(w.leastShare < 0.75 && w.meanShare > w.leastShare && w.unconvergedSlots == 0)
}

@Test func aThresholdAtTheWriteVoltageProgramsNothing() throws {
  var cfg = configuration(r: 1)
  // At V_w itself it is refused (a cell reaches it only through ideal
  // lines; session 64); just below it, nothing lands through 1 Ω lines.
  cfg.writeThreshold = cfg.writeVoltage
  do { try cfg.validate(); Issue.record("accepted") } catch let e as ConfigurationError {
    #expect(e.field == "write_threshold" && e.message.contains("below write_voltage"))
  }
  cfg.writeThreshold = cfg.writeVoltage.nextDown
  cfg.trainLimit = 50
  let r = try Fixture.run(cfg)
  #expect(r.pulses == 0 && r.resets == 0)
  let w = try #require(r.writeLines)
  #expect(w.rulePulses > 0 && w.pulsesBelowThreshold == w.rulePulses)
}

@Test func theCoincidenceRulesRefuseAThresholdAtOrBelowHalfTheWriteVoltage() throws {
  var cfg = configuration(r: 1)
  cfg.writeThreshold = 0.5
  do { try cfg.validate(); Issue.record("accepted") } catch let e as ConfigurationError {
    #expect(e.field == "write_threshold" && e.message.contains("write_voltage/2"))
  }
  cfg.writeThreshold = 0.75
  try cfg.validate()
  cfg.wires = .ideal
  do { try cfg.validate(); Issue.record("accepted") } catch let e as ConfigurationError { #expect(e.field == "write_lines") }
}

@Test func aSaturationPassWhoseCellsSeeTooLittleChangesNothing() throws {
  // The coincidences ungated (their marks taken away), the saturation
  // pass gated, with the threshold at the write voltage: through any
  // resistance a cell written alone sees less, so no reset or
  // re-potentiation lands, where the same run with every event landing
  // resets devices.
  var cfg = configuration(r: 1)
  cfg.c2c = 0
  cfg.writeThreshold = cfg.writeVoltage.nextDown
  func run(gated: Bool) throws -> HybridNetwork {
    let net = try HybridNetwork(configuration: cfg)
    for layer in net.layers {
      layer.writeBlocked = nil
      if !gated { layer.writeLines = nil }
    }
    Fixture.train.pixels.withUnsafeBufferPointer { px in
      for s in 0..<200 { net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
    }
    return net
  }
  let open = try run(gated: false), gated = try run(gated: true)
  #expect(open.resets > 0 && open.repotentiations > 0)
  #expect(gated.resets == 0 && gated.repotentiations == 0)
  let w = try #require(gated.writeLineStatistics)
  #expect(w.sequencesBelowThreshold > 0)
  // The updates' slots count every issued event all the same.
  #expect(gated.layers.reduce(0) { $0 + $1.resetSlots } > 0)
}

@Test(arguments: [UpdateEncoding.stochastic, .sign])
func theSaturationPassLandsDeviceByDevice(_ encoding: UpdateEncoding) throws {
  // Every G+ device of layer 0 at G_max, every G− five steps above G_min
  // (the G+ array's lines carry far more current), and every third cell
  // flagged as pulsed on G+ at G_max; the pass then runs through 300 Ω
  // lines. Each device's events land exactly where its cell, written
  // alone (`serialLands`, on the same conductances), reaches 0.75:
  // Burr's refresh (stochastic) resets each landing device and
  // re-potentiates G+ only where it landed; method b (sign) resets and
  // re-potentiates G− only where it landed. (A mutation audit, session
  // 61: polarity swaps and the lands logic had survived.)
  var cfg = configuration(r: 300)
  cfg.c2c = 0
  cfg.encoding = encoding
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0], lines = try #require(net.writeLines?[0])
  let mu = layer.step[0], low = layer.uniformLow[0], high = layer.uniformHigh[0]
  for x in 0..<layer.count {
    layer.g[0][x] = high
    layer.g[1][x] = low + 5 * mu
  }
  layer.recomputeWeights()
  _ = lines
  // The oracle: each array's cells written alone, from the circuit core.
  let n = layer.columns
  let alone = (0..<2).map { p -> [Bool] in
    let solver = RowWriteSolver(rows: layer.rows, columns: n, wires: cfg.wireModel)
    let gs = (0..<layer.count).map { Double(layer.g[p][$0]) * cfg.gMaxSiemens }
    return gs.withUnsafeBufferPointer { g in
      solver.prepare(g.baseAddress!)
      return (0..<layer.count).map { solver.cellShare(row: $0 / n, column: $0 % n, conductance: g.baseAddress!) >= 0.75 }
    }
  }
  let share = layer.shares[0]
  let flagged = Array(stride(from: 0, to: layer.count, by: 3))
  let lands = flagged.map { (plus: alone[0][$0], minus: alone[1][$0]) }
  for x in flagged {
    share.flagged[share.flaggedCount] = Int32(2 * x)
    share.flaggedCount += 1
    layer.flagMark[x] = 1
  }
  // Both outcomes on both arrays occur.
  #expect(lands.contains { $0.plus } && lands.contains { !$0.plus })
  #expect(lands.contains { $0.minus } && lands.contains { !$0.minus })
  let resets0 = layer.resets, incomplete0 = lines.incompleteSequences, booked0 = layer.resetConductance
  var row: Int32 = 0
  layer.finishUpdate(kind: .big, slots: 1, rows: &row, rowCount: 0)
  var expectedResets = 0, expectedIncomplete = 0, expectedBooked = 0.0
  for (q, x) in flagged.enumerated() {
    let (p, m) = (layer.g[0][x], layer.g[1][x])
    // What the landing resets find: G+ at G_max, G− five steps up.
    expectedBooked += (encoding == .stochastic && lands[q].plus ? Double(high) : 0) + (lands[q].minus ? Double(low + 5 * mu) : 0)
    if encoding == .sign {
      // Method b: G− (the other device) reset and re-potentiated 4 steps.
      #expect(p == high)
      #expect(m == (lands[q].minus ? low + 4 * mu : low + 5 * mu), "cell \(x)")
      expectedResets += lands[q].minus ? 1 : 0
      expectedIncomplete += lands[q].minus ? 0 : 1
    } else {
      // Refresh: each landing device reset; W back on G+ where G+ lands.
      let n = Float(Int(((high - low - 5 * mu) / mu).rounded()))
      #expect(p == (lands[q].plus ? low + n * mu : high), "cell \(x)")
      #expect(m == (lands[q].minus ? low : low + 5 * mu), "cell \(x)")
      expectedResets += (lands[q].plus ? 1 : 0) + (lands[q].minus ? 1 : 0)
      expectedIncomplete += lands[q].plus && lands[q].minus ? 0 : 1
    }
  }
  #expect(layer.resets - resets0 == expectedResets)
  #expect(isApproximatelyEqual(layer.resetConductance - booked0, expectedBooked, relativeTolerance: 1e-6))
  #expect(lines.incompleteSequences - incomplete0 == expectedIncomplete)
}

@Test func aSlotThatStopsAtItsSweepLimitIsCounted() throws {
  // One sweep is not enough through 300 Ω: the solver says so, and the
  // run's statistics (and the summary's unconverged_slots) count it; the
  // marks are cleared after every update.
  var rng = SeededGenerator(seed: 4)
  let g = (0..<(13 * 11)).map { _ in Float(1e-3 * rng.nextUniform()) }
  let solver = ParallelWriteSolver(rows: 13, columns: 11, wires: WireModel(rowSegmentResistance: 20, columnSegmentResistance: 20))
  solver.maxSweeps = 1
  let rows: [Int32] = [0, 5, 9], cols: [Int32] = [1, 4, 10]
  let ok = g.withUnsafeBufferPointer { solver.solve(rows: rows, rowCount: 3, columns: cols, columnCount: 3, conductance: $0.baseAddress!, scale: 1) }
  #expect(!ok && !solver.converged && solver.lastSweeps == 1)
  let net = try HybridNetwork(configuration: configuration(r: 300))
  for w in net.writeLines! { for s in w.solvers { s.maxSweeps = 1 } }
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 0..<5 {
      net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s]))
      for (l, w) in net.writeLines!.enumerated() {
        #expect(w.markedCount == [0, 0])
        for p in 0..<2 { #expect((0..<net.layers[l].count).allSatisfy { w.blocked[p][$0] == 0 }) }
      }
    }
  }
  let w = try #require(net.writeLineStatistics)
  #expect(w.unconvergedSlots > 0 && w.meanShare <= 1 && w.meanShare > w.leastShare)
}

@Test func cellUpdatesCountTheFirstCoincidenceThatLanded() throws {
  // Marks of the test's own that hold back every even slot: a synapse
  // counts (cell_updates) when one of its coincidences falls in an odd
  // slot, also when an earlier one was held back (a mutation audit).
  var cfg = configuration(r: 300)
  cfg.c2c = 0
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0]
  let even: UInt64 = 0x5555_5555_5555_5555
  let masks = (0..<2).map { _ in UnsafeMutablePointer<UInt64>.allocate(capacity: layer.count) }
  defer { for m in masks { m.deallocate() } }
  for m in masks { m.initialize(repeating: even, count: layer.count) }
  layer.writeBlocked = masks
  var trains: HybridUpdateTrains? = nil
  net.updateObserver = { if $0.layer == 0 { trains = $0 } }
  var checked = 0, heldFirst = 0
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 0..<10 {
      trains = nil
      let c0 = layer.cellUpdates
      net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s]))
      guard let t = trains else { continue }
      var expected = 0
      for columns in [t.plus, t.minus] {
        for r in t.rows {
          for c in columns {
            let both = r.train & c.train
            if both & ~even != 0 { expected += 1 }
            if both & ~even != 0 && both.trailingZeroBitCount % 2 == 0 { heldFirst += 1 }
          }
        }
      }
      #expect(layer.cellUpdates - c0 == expected, "sample \(s)")
      checked += 1
    }
  }
  #expect(checked > 0 && heldFirst > 0)
}
