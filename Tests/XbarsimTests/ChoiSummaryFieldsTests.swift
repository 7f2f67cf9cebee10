import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation testing (session 19, round 2): the JSON rows of `reproduce choi2021`
// describe each run's synapse: k is the hybrid's ratio (1 for a single
// device and for FP), c2c and d2d the run's own variations.

@Test func choiSummaryRowsNameEachRunsSynapse() throws {
  let root = try Scratch.directory("xbarsim-choi-rows")
  defer { try? FileManager.default.removeItem(at: root) }
  let path = root.appendingPathComponent("rows.json").path
  var base = TrainingConfiguration()
  base.epochs = 1
  let runs = ChoiReproduction.runs(figure: 6, base: base)
  let rows = runs.map { ReproduceCommand.Row(run: $0, final: true) }
  try ReproduceCommand.choiTable(rows, figure: 6, seeds: 1, epochs: 1, summary: path, settings: nil)
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: Any]])
  #expect(json.count == runs.count)
  for (run, row) in zip(runs, json) {
    let c = run.configuration
    #expect(row["label"] as? String == run.label)
    #expect(row["synapse"] as? String == (c.rule == .float ? "float" : c.rule.rawValue), "\(run.label)")
    #expect(row["k"] as? Double == (c.rule == .hybrid ? c.k : 1), "\(run.label): k \(row["k"] ?? "none")")
    #expect(row["states"] as? Int == c.states)
    #expect(row["c2c"] as? Double == c.c2c, "\(run.label)")
    #expect(row["d2d"] as? Double == c.d2d, "\(run.label)")
    #expect((row["paper"] as? Double) == run.paper)
    #expect(row["loss"] as? String == "cross-entropy")
    if c.rule == .hybrid { #expect(row["fine_trains"] as? String == "rescaled") } else { #expect(row["fine_trains"] is NSNull) }
    #expect(row["mean"] is NSNull && row["seeds"] as? Int == 0, "no run finished: no measurement")
  }
  // The figure's variations reach the rows (B: c2c 2, C: d2d 2; a single device: k 1).
  #expect(json.contains { $0["label"] as? String == "B: hybrid, c2c 2.0" && $0["c2c"] as? Double == 2 })
  #expect(json.contains { $0["label"] as? String == "C: hybrid, d2d 2.0" && $0["d2d"] as? Double == 2 })
  #expect(json.contains { $0["synapse"] as? String == "single" && $0["k"] as? Double == 1 })
}

// Fuzz review (session 22): `--loss mse` left no trace in the table or the
// rows. The rows carry the loss, and the table names what differs from
// the defaults under its title.
@Test func aReproductionSaysWhichSettingsItRanWith() throws {
  var base = TrainingConfiguration()
  #expect(ReproduceCommand.settingsNote(base, runs: [base], skipping: []) == nil)
  base.loss = .mse
  base.fineTrains = .same
  base.epochs = 20
  let note = try #require(
    ReproduceCommand.settingsNote(base, runs: ChoiReproduction.runs(figure: 4, base: base).map(\.configuration), skipping: ["epochs"]))
  #expect(note.contains("loss mse") && note.contains("fine_trains same"), "\(note)")
  #expect(!note.contains("epochs"))
  let root = try Scratch.directory("xbarsim-choi-loss")
  defer { try? FileManager.default.removeItem(at: root) }
  let path = root.appendingPathComponent("rows.json").path
  let rows = ChoiReproduction.runs(figure: 4, base: base).map { ReproduceCommand.Row(run: $0, final: true) }
  try ReproduceCommand.choiTable(rows, figure: 4, seeds: 1, epochs: 20, summary: path, settings: note)
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: Any]])
  #expect(json.allSatisfy { $0["loss"] as? String == "mse" })
  #expect(json.contains { $0["synapse"] as? String == "hybrid" && $0["fine_trains"] as? String == "same" })
}

// Session 30: the table's switch column left out a seed that never
// switched ("3" for two seeds); it names each seed's.
@Test func theSwitchColumnNamesEverySeed() {
  func result(_ e: Int?) -> TrainingResult {
    var r = TrainingResult()
    r.phaseSwitchEpoch = e
    return r
  }
  #expect(ReproduceCommand.switchText([result(3), result(nil), result(5)]) == "3,–,5")
  #expect(ReproduceCommand.switchText([result(nil), result(nil)]) == "–")
  #expect(ReproduceCommand.switchText([result(2), result(4)]) == "2,4")
  #expect(ReproduceCommand.switchText([]) == "–")
}
