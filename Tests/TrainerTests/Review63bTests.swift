import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport
@testable import Trainer

struct Review63bCase: Sendable, CustomTestStringConvertible {
  var method: UpdateMethod, batch: Int, nMax: Int, sigmaC2C: Double, layers: [Int]
  var testDescription: String { "method \(method.rawValue), batch \(batch), nMax \(nMax), σ_c2c \(sigmaC2C), \(layers)" }
  static let all: [Review63bCase] = [
    .init(method: .a, batch: 16, nMax: 4, sigmaC2C: 0, layers: [64, 16, 12, 10]),
    .init(method: .b, batch: 16, nMax: 4, sigmaC2C: 0, layers: [64, 16, 12, 10]),
    .init(method: .c, batch: 16, nMax: 4, sigmaC2C: 0, layers: [64, 16, 12, 10]),
    .init(method: .b, batch: 16, nMax: 4, sigmaC2C: 0.2, layers: [64, 16, 12, 10]),
    .init(method: .a, batch: 7, nMax: 4, sigmaC2C: 0.2, layers: [64, 32, 10]),
    .init(method: .b, batch: 40, nMax: 2, sigmaC2C: 0, layers: [64, 20, 10]),
    .init(method: .c, batch: 40, nMax: 2, sigmaC2C: 0.3, layers: [64, 20, 10]),
    .init(method: .a, batch: 40, nMax: 3, sigmaC2C: 0, layers: [64, 20, 10]),
  ]
}

private func review63bTrain(_ net: LimNetwork, _ range: Range<Int>) {
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in range { net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
  }
}

@Test("review 63b: netted batches (large, few states, deep) through 100 Ω lines book inspect's schedule", arguments: Review63bCase.all)
func review63bNettedBookIsTheSchedule(_ c: Review63bCase) throws {
  var cfg = Fixture.configuration(method: c.method, epochs: 1)
  cfg.layers = c.layers
  cfg.wires = .resistive
  cfg.rowSegmentResistance = 100
  cfg.columnSegmentResistance = 100
  cfg.writeLines = .resistive
  cfg.batch = c.batch
  cfg.batchPulses = .net
  cfg.writeThreshold = 0.85
  cfg.nMax = c.nMax
  cfg.sigmaC2C = c.sigmaC2C
  cfg.halfSelect = .book
  cfg.lineCapacitance = 1e-15
  cfg.learningRate = 0.5
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  review63bTrain(net, 0..<(3 * c.batch))
  var checked = 0, serial = 0
  try Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in (3 * c.batch)..<(6 * c.batch) {
      let lines = net.ledger().updateLines ?? 0
      let r = try net.inspect(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s]))
      let booked = try #require(r.bookedHalfSelectEnergy), scheduled = r.halfSelectEnergy.reduce(0, +)
      if scheduled > 0 { checked += 1 }
      serial += r.pulses.filter { $0.kind != .potentiate }.count
      #expect(abs(booked - scheduled) <= 1e-9 * max(scheduled, 1e-30), "sample \(s): booked \(booked), schedule \(scheduled)")
      let charged = UpdateSchedule.lineEnergies(
        UpdateSchedule.slots(r.pulses), shapes: net.layers.map { ($0.rows, $0.columns) },
        pulses: net.configuration.pulseGenerator, capacitance: 1e-15
      ).reduce(0, +)
      let bookedLines = (net.ledger().updateLines ?? 0) - lines
      #expect(abs(bookedLines - charged) <= 1e-6 * max(charged, 1e-30), "sample \(s): booked \(bookedLines), schedule \(charged)")
    }
  }
  #expect(checked >= 3 && serial > 0, "checked \(checked), serial \(serial)")
}

@Test("review 63b: an inspected netted batch books the same as a trained one (recorder vs transitions path)")
func review63bInspectedEqualsTrained() throws {
  var cfg = Fixture.configuration(method: .b, epochs: 1)
  cfg.wires = .resistive
  cfg.rowSegmentResistance = 100
  cfg.columnSegmentResistance = 100
  cfg.writeLines = .resistive
  cfg.batch = 16
  cfg.batchPulses = .net
  cfg.writeThreshold = 0.85
  cfg.nMax = 4
  cfg.halfSelect = .book
  cfg.lineCapacitance = 1e-15
  try cfg.validate()
  let a = LimNetwork(configuration: cfg), b = LimNetwork(configuration: cfg)
  review63bTrain(a, 0..<96)
  review63bTrain(b, 0..<48)
  try Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 48..<96 { _ = try b.inspect(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
  }
  #expect(a.pulses == b.pulses && a.resets == b.resets)
  let (ea, eb) = (a.ledger(), b.ledger())
  let (ha, hb) = (try #require(ea.halfSelect), try #require(eb.halfSelect))
  #expect(ha > 0 && abs(ha - hb) <= 1e-9 * ha, "\(ha) vs \(hb)")
}

@Test("review 63b: netted booked batches (16, nmax 4, deep) through 1e-9 Ω lines book as ideal writes", arguments: [UpdateMethod.a, .b, .c])
func review63bNettedBookNearIdealLines(_ method: UpdateMethod) throws {
  var cfgs: [TrainingConfiguration] = []
  for lines in [WriteLines.ideal, .resistive] {
    var cfg = Fixture.configuration(method: method, epochs: 1)
    cfg.layers = [64, 16, 12, 10]
    cfg.wires = .resistive
    cfg.rowSegmentResistance = 1e-9
    cfg.columnSegmentResistance = 1e-9
    cfg.writeLines = lines
    cfg.batch = 16
    cfg.batchPulses = .net
    cfg.nMax = 4
    cfg.halfSelect = .book
    cfg.lineCapacitance = 1e-15
    cfg.learningRate = 0.5
    try cfg.validate()
    cfgs.append(cfg)
  }
  let ideal = LimNetwork(configuration: cfgs[0]), lines = LimNetwork(configuration: cfgs[1])
  review63bTrain(ideal, 0..<160)
  review63bTrain(lines, 0..<160)
  #expect(lines.pulses == ideal.pulses && lines.resets == ideal.resets && lines.resets > 0)
  #expect(lines.layerStates.map(\.plusConductances) == ideal.layerStates.map(\.plusConductances))
  let (ha, hb) = (try #require(ideal.ledger().halfSelect), try #require(lines.ledger().halfSelect))
  #expect(ha > 0 && abs(hb - ha) <= 1e-2 * ha, "\(hb) vs \(ha)")
  let (la, lb) = (try #require(ideal.ledger().updateLines), try #require(lines.ledger().updateLines))
  #expect(la > 0 && abs(lb - la) <= 1e-12 * la, "\(lb) vs \(la)")
}

