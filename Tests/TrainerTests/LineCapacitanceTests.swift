import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// `line_capacitance`: the ledger's `lines`, C·V² for every line a read or
// an update slot drives, against what `inspect` records of the same sample
// (its reads' drive voltages, and `UpdateSchedule.lineEnergies` over the
// slots of its pulses), and against a hand count on one update.

private let images = SyntheticImages(count: 40, rows: 4, cols: 4, classes: 4, seed: 21)
private let capacitance = 3e-16

private func network(_ edit: (inout TrainingConfiguration) throws -> Void) throws -> LimNetwork {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 9
  cfg.lineCapacitance = capacitance
  try edit(&cfg)
  try cfg.validate()
  return LimNetwork(configuration: cfg)
}

/// The energy of a sample's reads' lines from its record: each forward
/// read's D+_i and D−_i (N cells each) at its drive, each transposed read's
/// S+_j and S−_j (M cells each).
private func readLineEnergy(_ record: SampleInspection, shapes: [(rows: Int, columns: Int)]) -> Double {
  record.reads.reduce(0) { e, read in
    let (m, n) = shapes[read.array]
    switch read.direction {
    case .forward: return e + capacitance * 2 * Double(n) * read.drainVoltage.reduce(0) { $0 + $1 * $1 }
    case .transposed: return e + capacitance * 2 * Double(m) * read.sourceVoltage.reduce(0) { $0 + $1 * $1 }
    }
  }
}

@Test(arguments: [UpdateMethod.a, .b, .c])
func theBookedLinesAreTheInspectedReadsAndSlots(method: UpdateMethod) throws {
  let net = try network {
    $0.method = method
    $0.nMax = 8
    $0.halfSelect = .book
  }
  let shapes = net.configuration.layers.indices.dropLast().map { (net.configuration.layers[$0] + 1, net.configuration.layers[$0 + 1]) }
  var serial = 0, slotEnergy = 0.0, readEnergy = 0.0
  for sample in 0..<24 {
    let before = net.ledger().lines!, readsBefore = net.ledger().readLines!
    let record = try images.pixels.withUnsafeBufferPointer { px in
      try net.inspect(px.baseAddress! + (sample % images.count) * 16, label: Int(images.labels[sample % images.count]))
    }
    let booked = net.ledger().lines! - before
    let reads = readLineEnergy(record, shapes: shapes)
    let slots = UpdateSchedule.lineEnergies(
      UpdateSchedule.slots(record.pulses), shapes: shapes, pulses: net.configuration.pulseGenerator,
      capacitance: capacitance
    ).reduce(0, +)
    #expect(abs(booked - (reads + slots)) <= 1e-6 * (reads + slots), "sample \(sample): booked \(booked), reads \(reads) + slots \(slots)")
    // Each part apart: the reads' lines and the slots'.
    let bookedReads = net.ledger().readLines! - readsBefore
    #expect(abs(bookedReads - reads) <= 1e-6 * reads, "sample \(sample): reads booked \(bookedReads), inspected \(reads)")
    serial += record.pulses.filter { $0.kind != .potentiate }.count
    slotEnergy += slots
    readEnergy += reads
  }
  // Both parts, and the serial slots, were exercised.
  #expect(serial >= 20 && slotEnergy > 0 && readEnergy > 0, "serial \(serial), slots \(slotEnergy), reads \(readEnergy)")
}

@Test
func withoutHalfSelectBookTheSlotsLinesAreBookedToo() throws {
  // The slots' account runs for the lines alone: the ledger books them,
  // and no half-selected cells (a walkthrough, session 57: the reads'
  // lines alone had been booked, 1/7,400 of the whole).
  let net = try network { $0.nMax = 8 }
  let shapes = [(17, 8), (9, 4)]
  var slotEnergy = 0.0
  for sample in 0..<10 {
    let before = net.ledger().lines!
    let record = try images.pixels.withUnsafeBufferPointer { px in
      try net.inspect(px.baseAddress! + sample * 16, label: Int(images.labels[sample]))
    }
    let booked = net.ledger().lines! - before
    let reads = readLineEnergy(record, shapes: shapes)
    let slots = UpdateSchedule.lineEnergies(
      UpdateSchedule.slots(record.pulses), shapes: shapes, pulses: net.configuration.pulseGenerator, capacitance: capacitance
    ).reduce(0, +)
    slotEnergy += slots
    #expect(abs(booked - (reads + slots)) <= 1e-6 * (reads + slots), "sample \(sample): booked \(booked), reads \(reads) + slots \(slots)")
    #expect(net.ledger().halfSelect == nil)
  }
  #expect(slotEnergy > 0)
}

@Test
func theLinesChangeNoPulse() throws {
  // The same run with and without line_capacitance: the same pulses,
  // resets and weights (the slots' account only books).
  let with = try network { $0.nMax = 8 }, without = try network { $0.nMax = 8; $0.lineCapacitance = 0 }
  for net in [with, without] {
    images.pixels.withUnsafeBufferPointer { px in
      for sample in 0..<40 { _ = net.train(px.baseAddress! + sample * 16, label: Int(images.labels[sample])) }
    }
  }
  #expect(with.pulses == without.pulses && with.resets == without.resets)
  #expect((0..<2).allSatisfy { with.weights(layer: $0) == without.weights(layer: $0) })
  #expect(with.ledger().read == without.ledger().read && with.ledger().program == without.ledger().program)
}

// Mini-batches: the reads of an open batch are booked with its update, the
// lines as the read energy.
@Test
func aMiniBatchBooksItsReadsLinesAtItsEnd() throws {
  let net = try network {
    $0.nMax = 8
    $0.batch = 3
  }
  let shapes = [(17, 8), (9, 4)]
  var pending = 0.0
  for sample in 0..<9 {
    let before = net.ledger().lines!
    let record = try images.pixels.withUnsafeBufferPointer { px in
      try net.inspect(px.baseAddress! + sample * 16, label: Int(images.labels[sample]))
    }
    let booked = net.ledger().lines! - before
    pending += readLineEnergy(record, shapes: shapes)
    let slots = UpdateSchedule.lineEnergies(
      UpdateSchedule.slots(record.pulses), shapes: shapes, pulses: net.configuration.pulseGenerator, capacitance: capacitance
    ).reduce(0, +)
    if sample % 3 == 2 {
      #expect(abs(booked - (pending + slots)) <= 1e-6 * (pending + slots), "sample \(sample): booked \(booked), reads \(pending) + slots \(slots)")
      pending = 0
    } else {
      #expect(booked == 0, "sample \(sample): an open batch books nothing, booked \(booked)")
    }
  }
}

@Test
func noLineCapacitanceBooksNoLines() throws {
  let net = try network { $0.lineCapacitance = 0 }
  _ = images.pixels.withUnsafeBufferPointer { px in net.train(px.baseAddress!, label: Int(images.labels[0])) }
  #expect(net.ledger().lines == nil)
  #expect(!net.ledger().energyBreakdown.contains { $0.0.hasSuffix("lines") })
}

@Test
func oneSlotsLinesByHand() {
  // Row 2 of a 5×3 array pulses G+ in columns 0 and 2 and G− in column 1;
  // then a reset of (4, 1)'s G−. The rule slot drives D+_2 and D−_2 (3
  // cells each) and three S lines (5 cells each) at V_p/2; the reset slot
  // D−_4 and S−_1 at V_r/2.
  let pulses = PulseGenerator(amplitude: 2, width: 1e-7, resetAmplitude: -3, resetWidth: 1e-6)
  let events = [
    PulseEvent(array: 0, polarity: .plus, row: 2, column: 0, kind: .potentiate),
    PulseEvent(array: 0, polarity: .minus, row: 2, column: 1, kind: .potentiate),
    PulseEvent(array: 0, polarity: .plus, row: 2, column: 2, kind: .potentiate),
    PulseEvent(array: 0, polarity: .minus, row: 4, column: 1, kind: .reset),
  ]
  let e = UpdateSchedule.lineEnergies(UpdateSchedule.slots(events), shapes: [(5, 3)], pulses: pulses, capacitance: 1e-15)
  #expect(e.count == 2)
  #expect(isApproximatelyEqual(e[0], 1e-15 * 1 * Double(2 * 3 + 3 * 5), relativeTolerance: 1e-14))
  #expect(isApproximatelyEqual(e[1], 1e-15 * 2.25 * Double(3 + 5), relativeTolerance: 1e-14))
}

@Test
func theKeyIsCheckedAndWrittenOnlyWhenSet() throws {
  var cfg = TrainingConfiguration()
  #expect(!cfg.keyValues.contains { $0.0 == "line_capacitance" })
  try cfg.set("line_capacitance", "1e-16")
  try cfg.validate()
  #expect(cfg.keyValues.contains { $0 == ("line_capacitance", "1e-16") })
  for bad in ["-1e-16", "1e-22", "2e-9"] {
    var c = TrainingConfiguration()
    try c.set("line_capacitance", bad)
    #expect(throws: ConfigurationError.self) { try c.validate() }
  }
  // Float SGD reads no array: the key would be ignored.
  var float = TrainingConfiguration()
  float.rule = .float
  float.lineCapacitance = 1e-16
  #expect(float.ignoredKeys.contains { $0.key == "line_capacitance" })
}

// Rules hybrid and single: each pulse of a row's train drives the row's D
// line in both arrays of the selected kind (N cells each), each pulse of a
// column's its S line in its polarity's array (M cells); a refresh's
// resets and re-potentiation pulses one D and one S line each.

private func hybridConfiguration(_ rule: LearningRule, _ encoding: UpdateEncoding, layers: [Int] = [12, 8, 3]) -> TrainingConfiguration {
  var cfg = TrainingConfiguration()
  cfg.layers = layers
  cfg.rule = rule
  cfg.encoding = encoding
  cfg.lineCapacitance = capacitance
  return cfg
}

@Test(arguments: [
  (LearningRule.hybrid, UpdateEncoding.stochastic), (.single, .deterministic), (.hybrid, .sign),
])
func theCoincidenceSlotsChargeTheTrainsLines(rule: LearningRule, encoding: UpdateEncoding) throws {
  let net = try HybridNetwork(configuration: hybridConfiguration(rule, encoding))
  var rng = SeededGenerator(seed: 8)
  var trains: HybridUpdateTrains?
  net.updateObserver = { trains = $0 }
  let layer = net.layers[0]
  var checked = 0
  for _ in 0..<200 {
    let x = (0..<12).map { _ in rng.nextUniform() < 0.3 ? Float(0) : Float(rng.nextUniform()) }
    let delta = (0..<8).map { _ in Float(rng.nextUniform() - 0.5) * 2 }
    let (write0, reset0, resets0) = (layer.lineCellsWrite, layer.lineCellsReset, layer.resets)
    trains = nil
    net.activations[0] = x + [1]
    net.deltas[0] = delta
    net.update(0)
    guard let t = trains, layer.resets == resets0 else { continue }
    let rowPulses = t.rows.reduce(0) { $0 + $1.train.nonzeroBitCount }
    let columnPulses = (t.plus + t.minus).reduce(0) { $0 + $1.train.nonzeroBitCount }
    #expect(layer.lineCellsWrite - write0 == Double(rowPulses * 2 * 8 + columnPulses * 13))
    #expect(layer.lineCellsReset == reset0)
    checked += 1
  }
  #expect(checked >= 25, "\(checked) of 200 updates compared")
}

@Test func aRefreshChargesItsDevicesLinesOnceASlot() throws {
  // As HybridHalfSelectBookingTests' refresh: cell 12 (row 4, the bias)
  // refreshes, two resets and 49 re-potentiation pulses on G+.
  var cfg = hybridConfiguration(.single, .deterministic, layers: [4, 3, 2])
  cfg.c2c = 0
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0]
  HybridTrainingTests.saturateCells0And12(layer)
  var trains: HybridUpdateTrains?
  net.updateObserver = { trains = $0 }
  let (repot0, resets0) = (layer.repotentiations, layer.resets)
  net.activations[0] = [1, 0, 0, 0, 1]
  net.deltas[0] = [-1, 0, 0]
  net.update(0)
  #expect(layer.resets - resets0 == 2)
  let n = layer.repotentiations - repot0
  #expect(n == cfg.states - 1)
  let t = try #require(trains)
  let coincidence = t.rows.reduce(0) { $0 + $1.train.nonzeroBitCount } * 2 * 3
    + (t.plus + t.minus).reduce(0) { $0 + $1.train.nonzeroBitCount } * 5
  #expect(layer.lineCellsWrite == Double(coincidence + n * (5 + 3)))
  #expect(layer.lineCellsReset == Double(2 * (5 + 3)))
  // In joules: C·(V/2)² a cell of a driven line, and the reads' none yet.
  let pulse = cfg.pulseGenerator
  let write = pulse.amplitude(of: .potentiate) / 2, reset = pulse.amplitude(of: .reset) / 2
  let joules = capacitance * (write * write * layer.lineCellsWrite + reset * reset * layer.lineCellsReset)
  let booked = try #require(net.ledger().lines)
  #expect(abs(booked - joules) <= 1e-12 * joules, "\(booked) against \(joules)")
}

@Test func theSignRulesRefreshChargesItsDevicesLines() throws {
  // Encoding sign refreshes by method b: the other device reset, then
  // re-potentiated one step below its old state; each slot one D and one
  // S line (a mutation audit, session 57: only method a's was tested).
  var cfg = hybridConfiguration(.single, .sign, layers: [4, 3, 2])
  cfg.c2c = 0
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0]
  HybridTrainingTests.saturateCells0And12(layer)
  // Cell 0's G− a few steps up, so that its refill has pulses.
  layer.g[1][0] = layer.lo[1][0] + 4 * layer.step[0]
  var trains: HybridUpdateTrains?
  net.updateObserver = { trains = $0 }
  let (repot0, resets0, write0, reset0) = (layer.repotentiations, layer.resets, layer.lineCellsWrite, layer.lineCellsReset)
  net.activations[0] = [1, 0, 0, 0, 1]
  net.deltas[0] = [-1, 0, 0]
  net.update(0)
  let resets = layer.resets - resets0, repotentiations = layer.repotentiations - repot0
  #expect(resets == 2 && repotentiations == 3, "\(resets) resets, \(repotentiations) re-potentiations")
  let t = try #require(trains)
  let coincidence = t.rows.reduce(0) { $0 + $1.train.nonzeroBitCount } * 2 * 3
    + (t.plus + t.minus).reduce(0) { $0 + $1.train.nonzeroBitCount } * 5
  #expect(layer.lineCellsReset - reset0 == Double(resets * (5 + 3)))
  #expect(layer.lineCellsWrite - write0 == Double(coincidence + repotentiations * (5 + 3)))
}

@Test(arguments: [LearningRule.hybrid, .single])
func aHybridSamplesReadsChargeTheirLines(rule: LearningRule) throws {
  // One sample: the forward reads drive every layer's rows in each of its
  // arrays (2·kinds D lines of N cells a row), the transposed read layer
  // 1's columns (2·kinds S lines of M cells a column).
  let cfg = hybridConfiguration(rule, .stochastic, layers: [16, 8, 4])
  let net = try HybridNetwork(configuration: cfg)
  _ = images.pixels.withUnsafeBufferPointer { px in net.train(px.baseAddress!, label: Int(images.labels[0])) }
  let kinds = Double(net.layers[0].kinds)
  var want = 0.0
  for (l, layer) in net.layers.enumerated() {
    want += net.activations[l].reduce(0) { $0 + Double($1 * $1) } * 2 * kinds * Double(layer.columns)
    if l > 0 { want += net.deltas[l].reduce(0) { $0 + Double($1 * $1) } * 2 * kinds * Double(layer.rows) }
  }
  #expect(want > 0)
  #expect(abs(net.readLineCells - want) <= 1e-6 * want, "\(net.readLineCells) against \(want)")
}
