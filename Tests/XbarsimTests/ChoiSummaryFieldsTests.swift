import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation testing (session 19, round 2): the JSON rows of `reproduce choi2021`
// describe each run's synapse: k is the hybrid's ratio (1 for a single
// device and for FP), c2c and d2d the run's own variations.

@Test func choiSummaryRowsNameEachRunsSynapse() throws {
  let root = try temporaryDirectory("xbarsim-choi-rows")
  defer { try? FileManager.default.removeItem(at: root) }
  let path = root.appendingPathComponent("rows.json").path
  var base = TrainingConfiguration()
  base.epochs = 1
  let runs = ChoiReproduction.runs(figure: 6, base: base)
  let rows = runs.map { ReproduceCommand.Row(run: $0, final: true) }
  try ReproduceCommand.choiTable(rows, figure: 6, seeds: 1, epochs: 1, summary: path)
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
    #expect(row["mean"] is NSNull && row["seeds"] as? Int == 0, "no run finished: no measurement")
  }
  // The figure's variations reach the rows (B: c2c 2, C: d2d 2; a single device: k 1).
  #expect(json.contains { $0["label"] as? String == "B: hybrid, c2c 2.0" && $0["c2c"] as? Double == 2 })
  #expect(json.contains { $0["label"] as? String == "C: hybrid, d2d 2.0" && $0["d2d"] as? Double == 2 })
  #expect(json.contains { $0["synapse"] as? String == "single" && $0["k"] as? Double == 1 })
}
