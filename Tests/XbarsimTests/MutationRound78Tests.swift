import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation round 78 (session 78's `stuck_known` on the command line and in
// `reproduce choi2021`): what the existing tests left open.

// A controller told of stuck devices where there are none runs the run
// without it: its label does not name stuck_known (two runs that differ
// only there are the same run); and the note on that case is for it only,
// not for every run without stuck devices.
@Test func stuckKnownWithoutStuckDevicesIsNotInTheLabelAndItsNoteIsItsOwn() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut78-label", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--rule", "single", "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let none = try runXbarsim(base + ["--stuck-known", "true"])
  #expect(none.status == 0, "\(none.stderr)")
  #expect(none.stderr.contains("note: stuck_known true without stuck devices"), "\(none.stderr)")
  #expect(!none.stdout.contains("stuck_known"), "\(none.stdout)")
  let plain = try runXbarsim(base)
  #expect(plain.status == 0, "\(plain.stderr)")
  #expect(!plain.stderr.contains("stuck_known"), "\(plain.stderr)")
  // (The label is that of the same run without the key; with stuck
  // devices it names it.)
  var cfg = TrainingConfiguration()
  cfg.rule = .single
  cfg.stuckKnown = true
  var blind = cfg
  blind.stuckKnown = false
  #expect(TrainCommand.describe(cfg) == TrainCommand.describe(blind), "\(TrainCommand.describe(cfg))")
  cfg.stuckOn = 0.1
  #expect(TrainCommand.describe(cfg).hasSuffix("stuck_on 0.1 stuck_known") || TrainCommand.describe(cfg).contains("stuck_on 0.1 stuck_known "), "\(TrainCommand.describe(cfg))")
}

// `reproduce choi2021 --summary`: a JSON row carries stuck_known as a JSON
// boolean (a script's `if` takes the string "false" as true), for the
// device runs only (software has no controller of devices), and not at
// all when the controller is blind.
@Test func choiSummaryRowsCarryStuckKnownAsABooleanForDeviceRunsOnly() throws {
  let root = try Scratch.directory("xbarsim-mut78-choi-rows")
  defer { try? FileManager.default.removeItem(at: root) }
  func rows(_ known: Bool) throws -> (runs: [ReproductionRun], json: [[String: Any]], text: String) {
    let path = root.appendingPathComponent("rows-\(known).json").path
    var base = TrainingConfiguration()
    base.epochs = 1
    base.stuckOff = 0.1
    base.stuckKnown = known
    let runs = ChoiReproduction.runs(figure: 6, base: base)
    try ReproduceCommand.choiTable(
      runs.map { ReproduceCommand.Row(run: $0, final: true) }, figure: 6, seeds: 1, epochs: 1, summary: path, settings: nil)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return (runs, try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]), text)
  }
  let known = try rows(true)
  #expect(known.json.count == known.runs.count)
  #expect(known.runs.contains { $0.configuration.rule == .float } && known.runs.contains { $0.configuration.rule != .float })
  for (run, row) in zip(known.runs, known.json) {
    if run.configuration.rule == .float {
      #expect(row["stuck_known"] == nil, "\(run.label): \(row)")
    } else {
      #expect(row["stuck_known"] as? Bool == true && !(row["stuck_known"] is String), "\(run.label): \(row)")
    }
  }
  #expect(known.text.contains("\"stuck_known\": true") || known.text.contains("\"stuck_known\":true"), "\(known.text)")
  let blind = try rows(false)
  #expect(blind.json.allSatisfy { $0["stuck_known"] == nil }, "\(blind.text)")
}
