import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Rule lim with `half_select book`: the ledger's half-selected energy,
// update by update, against `inspect`'s schedule of the same update
// (`UpdateSchedule.halfSelectEnergies` over the recorded slots, from the
// whole arrays), for every method, with and without variation, and a short
// n_max so that the refills, resets and depressions come often.

private let images = SyntheticImages(count: 40, rows: 4, cols: 4, classes: 4, seed: 13)

private func bookedNetwork(_ edit: (inout TrainingConfiguration) throws -> Void) throws -> LimNetwork {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 5
  cfg.halfSelect = .book
  try edit(&cfg)
  try cfg.validate()
  return LimNetwork(configuration: cfg)
}

/// Samples inspected, their booked energy against the schedule's (also
/// `LimCycleToCycleTests`'s).
func compareWithInspection(_ net: LimNetwork, samples: Int = 24) throws -> (serial: Int, pulses: Int) {
  var serial = 0, pulses = 0
  for sample in 0..<samples {
    let before = net.ledger().halfSelect!
    let record = try images.pixels.withUnsafeBufferPointer { px in
      try net.inspect(px.baseAddress! + (sample % images.count) * 16, label: Int(images.labels[sample % images.count]))
    }
    let booked = net.ledger().halfSelect! - before
    let scheduled = record.halfSelectEnergy.reduce(0, +)
    #expect(abs(booked - scheduled) <= 1e-9 * max(scheduled, 1e-30), "sample \(sample): booked \(booked), scheduled \(scheduled)")
    serial += record.pulses.filter { $0.kind != .potentiate }.count
    pulses += record.pulses.count
  }
  return (serial, pulses)
}

@Test(arguments: [UpdateMethod.a, .b, .c])
func theBookedHalfSelectedEnergyIsTheInspectedSchedules(method: UpdateMethod) throws {
  let net = try bookedNetwork {
    $0.method = method
    $0.nMax = 8
  }
  let seen = try compareWithInspection(net)
  // The serial slots (refills, resets, depressions) were exercised.
  #expect(seen.serial >= 20 && seen.pulses >= 100, "\(seen)")
}

// Mini-batches: a row's rounds of rule slots (netted: a synapse pulsed up
// to B times, its device's n-th pulse in the n-th round), and a synapse's
// pulses after its first serial event serial too.
@Test(arguments: [(UpdateMethod.b, BatchPulses.net), (.c, .net), (.a, .net), (.b, .sign)])
func theBookingFollowsMiniBatchRounds(method: UpdateMethod, pulses: BatchPulses) throws {
  let net = try bookedNetwork {
    $0.method = method
    $0.nMax = 8
    $0.batch = 3
    $0.batchPulses = pulses
  }
  var rounds = 0
  for sample in 0..<30 {
    let before = net.ledger().halfSelect!
    let record = try images.pixels.withUnsafeBufferPointer { px in
      try net.inspect(px.baseAddress! + sample * 16, label: Int(images.labels[sample]))
    }
    let booked = net.ledger().halfSelect! - before
    let scheduled = record.halfSelectEnergy.reduce(0, +)
    #expect(abs(booked - scheduled) <= 1e-9 * max(scheduled, 1e-30), "sample \(sample): booked \(booked), scheduled \(scheduled)")
    #expect((sample % 3 == 2) == (scheduled > 0), "sample \(sample): the batch's pulses go out at its end")
    var perDevice: [String: Int] = [:]
    for e in record.pulses where e.kind == .potentiate { perDevice["\(e.array) \(e.row) \(e.column) \(e.polarity)", default: 0] += e.count }
    rounds = max(rounds, perDevice.values.max() ?? 0)
  }
  // Netted batches pulsed a synapse more than once.
  #expect(pulses == .sign || rounds > 1, "\(rounds)")
}

@Test func theBookingFollowsDeviceVariation() throws {
  let net = try bookedNetwork {
    $0.nMax = 8
    $0.sigma = 0.3
  }
  let seen = try compareWithInspection(net)
  #expect(seen.serial >= 20, "\(seen)")
}

@Test func theBookingFollowsAMeasuredBidirectionalDevice() throws {
  let url = try Scratch.directory("xbarsim-device").appendingPathComponent("bidirectional.csv")
  try "p,1e-7\np,3e-7\np,6e-7\np,8e-7\np,1e-6\nd,7e-7\nd,4e-7\nd,2e-7\n".write(to: url, atomically: false, encoding: .utf8)
  let net = try bookedNetwork {
    $0.method = .c
    try $0.set("device_csv", url.path)
  }
  #expect(net.layers[0].hasMeasuredBidirectional)
  let seen = try compareWithInspection(net)
  #expect(seen.serial >= 10, "\(seen)")
}

// Booking changes no pulse: the same weights and counts as the looked-up
// kernel's run, and the ledger's other entries exactly (the recorded
// kernel sums the line loads in the looked-up one's order).
@Test(arguments: [UpdateMethod.a, .b, .c])
func bookingLeavesTheTrainingAsItWas(method: UpdateMethod) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 9
  cfg.method = method
  cfg.nMax = 8
  let plain = LimNetwork(configuration: cfg)
  cfg.halfSelect = .book
  let booked = LimNetwork(configuration: cfg)
  images.pixels.withUnsafeBufferPointer { px in
    for sample in 0..<images.count {
      for net in [plain, booked] { _ = net.train(px.baseAddress! + sample * 16, label: Int(images.labels[sample])) }
    }
  }
  for l in 0..<2 {
    #expect(plain.weights(layer: l) == booked.weights(layer: l))
    #expect(plain.layers[l].pulses == booked.layers[l].pulses)
    #expect(plain.layers[l].resets == booked.layers[l].resets)
  }
  let a = plain.ledger(), b = booked.ledger()
  #expect(a.halfSelect == nil && b.halfSelect! > 0)
  #expect(a.program == b.program && a.reset == b.reset && a.read == b.read && a.updateTime == b.updateTime)
  // The half-selected cells outweigh the pulsed ones: on a 17×8 array a
  // slot half-selects its row's other cells and 16 cells a pulsed column,
  // each at a quarter of the power, so about (8 + 15·E)/4 cells' worth for
  // E pulsed ones (235× on MNIST, session 35).
  #expect(b.halfSelect! > 2 * (b.program + b.reset), "\(b.halfSelect!) against \(b.program + b.reset)")
}

// The account's line sums stay the sums of the devices.
@Test func theBooksLineSumsAreTheDevicesSums() throws {
  let net = try bookedNetwork { $0.nMax = 8 }
  images.pixels.withUnsafeBufferPointer { px in
    for sample in 0..<images.count { _ = net.train(px.baseAddress! + sample * 16, label: Int(images.labels[sample])) }
  }
  for layer in net.layers {
    let book = layer.halfSelectBook!
    // Summed afresh: row i's G+ at 2i, G− at 2i + 1, and so the columns.
    var rows = [Double](repeating: 0, count: 2 * layer.rows), columns = [Double](repeating: 0, count: 2 * layer.columns)
    for i in 0..<layer.rows {
      for j in 0..<layer.columns {
        let g = layer.conductances(i * layer.columns + j)
        rows[2 * i] += g.plus
        rows[2 * i + 1] += g.minus
        columns[2 * j] += g.plus
        columns[2 * j + 1] += g.minus
      }
    }
    let kept = Array(UnsafeBufferPointer(start: book.rowSum, count: rows.count))
      + Array(UnsafeBufferPointer(start: book.columnSum, count: columns.count))
    for (a, b) in zip(kept, rows + columns) { #expect(abs(a - b) <= 1e-12 * max(b, 1e-30), "\(a) against \(b)") }
  }
}

@Test func bookingIsRefusedByOtherRulesAndOffChip() throws {
  var cfg = TrainingConfiguration()
  cfg.halfSelect = .book
  cfg.batch = 2
  try cfg.validate()
  #expect(cfg.ignoredKey == nil)
  cfg.batch = 1
  cfg.rule = .hybrid
  #expect(cfg.ignoredKey?.key == "half_select")
  cfg.rule = .lim
  cfg.mode = .offChip
  #expect(cfg.ignoredKey?.key == "half_select")
}
