import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// The hybrid's training ledger books the cells its update slots
// half-select: the coincidence slots by the rows' and columns' line sums
// before the update less the coincident cells, and each refresh's serial
// slots by its device's row and column. Checked against the trains' own
// formula (`HybridUpdateTrains.halfSelectedConductance`, itself checked
// slot by slot in HalfSelectInspectionTests) and against sums by hand.

/// Every device array's row and column sums, worked afresh.
private func freshSums(_ layer: HybridLayer) -> (rows: [[Double]], columns: [[Double]]) {
  var rows: [[Double]] = [], columns: [[Double]] = []
  for d in layer.g.indices {
    var r = [Double](repeating: 0, count: layer.rows), c = [Double](repeating: 0, count: layer.columns)
    for i in 0..<layer.rows {
      for j in 0..<layer.columns {
        r[i] += Double(layer.g[d][i * layer.columns + j])
        c[j] += Double(layer.g[d][i * layer.columns + j])
      }
    }
    rows.append(r)
    columns.append(c)
  }
  return (rows, columns)
}

private func configuration(
  _ rule: LearningRule, _ encoding: UpdateEncoding, c2c: Double = 0.3, layers: [Int] = [12, 8, 3]
) -> TrainingConfiguration {
  var cfg = TrainingConfiguration()
  cfg.layers = layers
  cfg.rule = rule
  cfg.encoding = encoding
  cfg.c2c = c2c
  return cfg
}

@Test(arguments: [
  (LearningRule.hybrid, UpdateEncoding.stochastic, false), (.hybrid, .stochastic, true), (.single, .deterministic, false),
  (.hybrid, .sign, false),
])
func theCoincidenceSlotsBookTheTrainsHalfSelectedCells(rule: LearningRule, encoding: UpdateEncoding, fine: Bool) throws {
  let net = try HybridNetwork(configuration: configuration(rule, encoding))
  if fine { net.switchToFineTuning() }
  let kind = net.selectedKind
  var rng = SeededGenerator(seed: 5)
  var trains: HybridUpdateTrains?
  net.updateObserver = { trains = $0 }
  // Large errors on the big arrays (they saturate now and then), smaller
  // on the small ones (which saturate at most updates with these).
  let scale: Float = fine ? 0.2 : 2
  var checked = 0
  for _ in 0..<300 {
    let layer = net.layers[0]
    let x = (0..<12).map { _ in rng.nextUniform() < 0.3 ? Float(0) : Float(rng.nextUniform()) }
    let delta = (0..<8).map { _ in Float(rng.nextUniform() - 0.5) * scale }
    let before = net.devices(layer: 0, kind: kind)
    let (write0, reset0, resets0) = (layer.halfSelectWrite, layer.halfSelectReset, layer.resets)
    let pulsed0 = layer.pulseConductance
    trains = nil
    net.activations[0] = x + [1]
    net.deltas[0] = delta
    net.update(0)
    // A refresh adds serial slots: only updates without one are compared.
    guard let t = trains, layer.resets == resets0 else { continue }
    // The formula takes the coincident cells as before the update; the
    // ledger takes each at the conductance its pulse finds (the program
    // energy's Σ G): its own steps between pulses aside, the same.
    var coincident = 0.0
    for (i, r) in t.rows {
      for (j, c) in t.plus { coincident += Double((r & c).nonzeroBitCount) * Double(before.plus[i * 8 + j]) }
      for (j, c) in t.minus { coincident += Double((r & c).nonzeroBitCount) * Double(before.minus[i * 8 + j]) }
    }
    let formula = t.halfSelectedConductance(plus: before.plus, minus: before.minus, columns: 8)
    let want = formula + 2 * coincident - 2 * (layer.pulseConductance - pulsed0)
    let got = layer.halfSelectWrite - write0
    #expect(formula > 0 && want > 0)
    // The pulses' Σ G is summed in single precision.
    #expect(abs(got - want) <= 1e-5 * want, "\(got) against \(want)")
    #expect(abs(got - formula) <= 0.05 * formula, "\(got) against the formula's \(formula)")
    #expect(layer.halfSelectReset == reset0)
    checked += 1
  }
  #expect(checked >= 25, "\(checked) of 300 updates compared")
  // The line sums stayed in step with the devices, refreshes included (to
  // the rounding of single-precision changes: a step is 1e-3 or more).
  let layer = net.layers[0], fresh = freshSums(layer)
  #expect(layer.resets > 0 && checked < 300, "\(layer.resets) resets")
  for d in layer.g.indices {
    for i in 0..<layer.rows { #expect(abs(layer.rowSum(d, i) - fresh.rows[d][i]) <= 1e-6 * max(1e-3, fresh.rows[d][i])) }
    for j in 0..<layer.columns {
      #expect(abs(layer.columnSum[d][j] - fresh.columns[d][j]) <= 1e-6 * max(1e-3, fresh.columns[d][j]))
    }
  }
}

@Test func aRefreshBooksItsResetsAndRepotentiationsOnItsDevicesRowAndColumn() throws {
  // Rule single, deterministic trains: column 0 (δ < 0 drives G+) and rows
  // 0 and 4 (the bias). Cell 12 (row 4) is at G_max with G− one step up:
  // its pulse refreshes the pair (two resets, then 49 re-potentiation
  // pulses on G+); cell 0 is at its limit (G− at G_min) and is not.
  var cfg = configuration(.single, .deterministic, c2c: 0, layers: [4, 3, 2])
  cfg.writeVoltage = 1.2
  cfg.resetVoltage = -2
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0]
  HybridTrainingTests.saturateCells0And12(layer)
  var trains: HybridUpdateTrains?
  net.updateObserver = { trains = $0 }
  let before = net.devices(layer: 0, kind: .big)
  // Neither pulsed cell moves in the coincidence slots (both at G_max), so
  // the refresh sees the sums as before the update.
  let plusAside = layer.rowSum(0, 4) + layer.columnSum[0][0] - 2 * Double(layer.g[0][12])
  let minusAside = layer.rowSum(1, 4) + layer.columnSum[1][0] - 2 * Double(layer.g[1][12])
  let ledger0 = net.ledger()
  let (repot0, resets0) = (layer.repotentiations, layer.resets)
  net.activations[0] = [1, 0, 0, 0, 1]
  net.deltas[0] = [-1, 0, 0]
  net.update(0)
  #expect(layer.resets - resets0 == 2)
  let n = layer.repotentiations - repot0
  #expect(n == cfg.states - 1)
  let coincidence = try #require(trains).halfSelectedConductance(plus: before.plus, minus: before.minus, columns: 3)
  #expect(abs(layer.halfSelectWrite - (coincidence + Double(n) * plusAside)) <= 1e-6 * layer.halfSelectWrite)
  #expect(abs(layer.halfSelectReset - (plusAside + minusAside)) <= 1e-12 * layer.halfSelectReset)
  // In joules: (V/2)²·t·G_max, the write pulse's and the reset's.
  let pulse = cfg.pulseGenerator, gMax = cfg.gMaxSiemens
  let joules = 0.36 * pulse.width * gMax * (coincidence + Double(n) * plusAside)
    + 1.0 * pulse.resetWidth * gMax * (plusAside + minusAside)
  let booked = try #require(net.ledger().halfSelect) - (ledger0.halfSelect ?? 0)
  #expect(abs(booked - joules) <= 1e-6 * joules, "\(booked) against \(joules)")
}

@Test func theHalfSelectedCellsAreInTheHybridsEnergyAndNotInLims() throws {
  var cfg = configuration(.hybrid, .stochastic, layers: [64, 16, 10])
  cfg.evaluationsPerEpoch = 1
  let train = Fixture.dataset(SyntheticImages(count: 200, seed: 1))
  let test = Fixture.dataset(SyntheticImages(count: 50, seed: 2))
  let hybrid = try Experiment(configuration: cfg, train: train, test: test).run()
  let e = try #require(hybrid.ledger)
  let half = try #require(e.halfSelect)
  #expect(half > 0)
  #expect(abs(e.energy - (e.read + e.program + e.reset + e.adc + e.dac + half)) <= 1e-12 * e.energy)
  #expect(e.energyBreakdown.map(\.0) == ["read", "program", "reset", "adc", "dac", "half_select"])
  cfg.rule = .lim
  let lim = try #require(try Experiment(configuration: cfg, train: train, test: test).run().ledger)
  #expect(lim.halfSelect == nil)
  #expect(lim.energyBreakdown.map(\.0) == ["read", "program", "reset", "adc", "dac"])
}

@Test func theLineSumsFollowTheDisturbModelsMoves() throws {
  // V_w/2 at the threshold: every half-selected slot moves its device
  // (the disturb model), and the sums follow those moves too; the
  // booking never falls.
  var cfg = configuration(.hybrid, .stochastic)
  cfg.writeVoltage = 1.5
  cfg.writeThreshold = 0.75
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0]
  var rng = SeededGenerator(seed: 8)
  for _ in 0..<100 {
    let write0 = layer.halfSelectWrite
    net.activations[0] = (0..<12).map { _ in Float(rng.nextUniform()) } + [1]
    net.deltas[0] = (0..<8).map { _ in Float(rng.nextUniform() - 0.5) }
    net.update(0)
    #expect(layer.halfSelectWrite >= write0)
  }
  #expect(layer.disturbs > 0 && layer.resets > 0, "\(layer.disturbs) disturbs, \(layer.resets) resets")
  let fresh = freshSums(layer)
  for d in layer.g.indices {
    for i in 0..<layer.rows { #expect(abs(layer.rowSum(d, i) - fresh.rows[d][i]) <= 1e-6 * max(1e-3, fresh.rows[d][i])) }
    for j in 0..<layer.columns {
      #expect(abs(layer.columnSum[d][j] - fresh.columns[d][j]) <= 1e-6 * max(1e-3, fresh.columns[d][j]))
    }
  }
}
