import Foundation
import Testing
import Circuit
import _TestSupport

@testable import Trainer

// Mutation round 66b: the endurance counts and statistics (Endurance.swift)
// and the reproductions' per-figure settings (Reproduction.swift).

@Suite struct MutationRound66bTrainerTests {
  // The summary line's p99 is the 99th percentile, not the 90th: 100
  // devices counting 0…99 have p90 89 and p99 98.
  @Test func theSummaryLineGivesTheNinetyNinthPercentile() {
    let c = DeviceCounts(arrays: 2, rows: 5, columns: 10)
    for i in 0..<100 { c.pulses[i] = UInt32(i) }
    let s = EnduranceStatistics([c], kinds: 1)
    #expect(s.all.p90 == 89 && s.all.p99 == 98)
    #expect(s.summaryLine.contains("p99 98 per device"), "\(s.summaryLine)")
  }

  // A mean is shown to two decimals (1.23, not 1.2), and a whole one
  // without them.
  @Test func aMeanIsShownToTwoDecimals() {
    #expect(EnduranceStatistics.shown(1.234) == "1.23")
    #expect(EnduranceStatistics.shown(0.456) == "0.46")
    #expect(EnduranceStatistics.shown(3) == "3")
  }

  // A pulse held back from a device (the recorder's `heldBack`) is no
  // wear: the device's counts stay 0.
  @Test func aHeldBackPulseIsNotCounted() {
    let c = DeviceCounts(arrays: 2, rows: 1, columns: 2)
    let sink = ReportSink(recording: nil, counting: c.sink)
    sink.heldBack(.potentiate, .plus, cell: 1, count: 3)
    sink.heldBack(.reset, .minus, cell: 0, count: 2)
    #expect((0..<4).allSatisfy { c.pulses[$0] == 0 && c.resets[$0] == 0 })
    sink.issue(.potentiate, .plus, cell: 1, count: 3)
    sink.issue(.reset, .minus, cell: 0, count: 2)
    #expect(c.pulses[1] == 3 && c.resets[2] == 2)
  }

  // A network some of whose layers do not count keeps no counts for a
  // checkpoint (they could not be restored layer by layer), and a
  // checkpoint's layer with too few reset counts is refused.
  @Test func partialCountsAreNeitherKeptNorRestored() throws {
    let a = DeviceCounts(arrays: 2, rows: 1, columns: 2), b = DeviceCounts(arrays: 2, rows: 1, columns: 2)
    #expect(enduranceLists([a, nil]) == nil)
    #expect(enduranceStatistics([nil, b], kinds: 1) == nil)
    #expect(enduranceLists([a, b])?.count == 2)
    let short = EnduranceCounts(pulses: [UInt32](repeating: 1, count: 4), resets: [1, 2])
    #expect(throws: ConfigurationError.self) { try restoreEndurance([a], from: [short]) }
    #expect(a.pulses[0] == 0)
  }

  // Each Lim figure's runs have the figure's fixed settings: Figure 9
  // β_p = β_d = 2 at every n_max; Figure 10 n_max 64 at every batch;
  // Figure 14's off-chip runs the σ of their column.
  @Test func limFiguresSetTheirOwnKeys() {
    let base = TrainingConfiguration()
    for run in LimReproduction.runs(figure: 9, base: base) {
      #expect(run.configuration.betaP == 2 && run.configuration.betaD == 2 && run.configuration.batch == 1, "\(run.label)")
    }
    for run in LimReproduction.runs(figure: 10, base: base) {
      #expect(run.configuration.nMax == 64 && run.configuration.betaD == 2, "\(run.label)")
    }
    let fig14 = LimReproduction.runs(figure: 14, base: base)
    #expect(fig14.map(\.configuration.sigma) == [0, 0, 0.5, 0.5, 1, 1])
    #expect(fig14.map(\.configuration.mode) == [.onChip, .offChip, .onChip, .offChip, .onChip, .offChip])
  }

  // Choi's runs are batch 1 whatever the base's batch; Figure 5's second
  // half has 400 g-states on 50-state big devices.
  @Test func choiFiguresSetTheirOwnKeys() {
    var base = TrainingConfiguration()
    base.batch = 5
    for figure in ChoiReproduction.figures {
      for run in ChoiReproduction.build(figure: figure, base: base) {
        #expect(run.configuration.batch == 1, "\(figure) \(run.label)")
      }
    }
    let fig5 = ChoiReproduction.runs(figure: 5, base: TrainingConfiguration())
    #expect(fig5.map(\.configuration.smallStates) == [50, 50, 50, 400, 400, 400])
    #expect(fig5.allSatisfy { $0.configuration.states == 50 })
  }

  // The IR-drop study's runs have r_row = r_col = r, and each r has an
  // on-chip run and off-chip runs of both transfers.
  @Test func irDropRunsCarryTheirLinesAndBothTransfers() {
    let runs = IRDropReproduction.runs(base: TrainingConfiguration())
    #expect(runs.count == 12)
    #expect(runs.allSatisfy { $0.configuration.rowSegmentResistance == $0.configuration.columnSegmentResistance })
    for r in IRDropReproduction.resistances {
      let off = runs.filter { $0.configuration.rowSegmentResistance == r && $0.configuration.mode == .offChip }
      #expect(Set(off.map(\.configuration.transfer)) == [.states, .weights], "r \(r)")
    }
  }

  // A run that is not the paper's loses its paper number; Figure 12's
  // 95.10 is for 3 epochs only; a deterministic train is still Choi's
  // run; another input layer is still Lim's.
  @Test func markingDropsThePaperNumberOfRunsThatAreNotThePapers() throws {
    var five = TrainingConfiguration()
    five.epochs = 5
    #expect(LimReproduction.runs(figure: 12, base: five).allSatisfy { $0.paper == nil })
    var three = TrainingConfiguration()
    three.epochs = 3
    #expect(LimReproduction.runs(figure: 12, base: three).compactMap(\.paper) == [95.10])
    var k5 = TrainingConfiguration()
    k5.k = 5
    let fig4 = ChoiReproduction.runs(figure: 4, base: k5)
    #expect(fig4.first { $0.label.hasPrefix("hybrid, 50 states [") }?.paper == nil)
    var deterministic = TrainingConfiguration()
    try deterministic.set("encoding", "deterministic")
    #expect(ChoiReproduction.runs(figure: 4, base: deterministic).compactMap(\.paper) == [97.92, 97.00])
    var input = TrainingConfiguration()
    input.layers = [64, 200, 10]
    #expect(LimReproduction.runs(figure: 8, base: input).compactMap(\.paper) == [95.36, 95.59, 94.80, 93.71])
  }
}
