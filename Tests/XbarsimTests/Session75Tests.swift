import Foundation
import Testing
@testable import Trainer
import _TestSupport

@testable import xbarsim

// Session 75.

/// Rule lim's shorted marks (`stuck_on`: `plus_shorted`, `minus_shorted`,
/// a digit and a comma per device) are counted by `Checkpoint.largestBytes`,
/// the bound `--checkpoint-out` is checked against: its excess over the
/// same run's bound with the devices open instead covers the marks'
/// text as written (it had not counted them).
@Test func theCheckpointBoundCountsTheShortedMarks() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s75-marks", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("shorted.json")
  let r = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,40,10", "--evals-per-epoch", "1", "--stuck-on", "0.5", "--quiet", "--checkpoint-out", file.path])
  #expect(r.status == 0, "\(r.stderr)")
  let text = try String(contentsOf: file, encoding: .utf8)
  // Each list's text, from its key to its closing bracket.
  var marks = 0
  for key in ["\"plus_shorted\": [", "\"minus_shorted\": ["] {
    var rest = text[...]
    while let open = rest.range(of: key) {
      let close = try #require(rest[open.upperBound...].firstIndex(of: "]"))
      marks += rest.distance(from: open.upperBound, to: close) + 1
      rest = rest[close...]
    }
  }
  let synapses = 65 * 40 + 41 * 10
  #expect(marks >= 2 * synapses, "\(marks) bytes of marks")
  var shorted = TrainingConfiguration()
  shorted.layers = [64, 40, 10]
  shorted.stuckOn = 0.5
  var open = shorted
  open.stuckOn = 0
  open.stuckOff = 0.5
  #expect(Checkpoint.largestBytes(shorted) - Checkpoint.largestBytes(open) >= Double(marks), "\(marks) bytes of marks")
  let size = Double(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as! Int)
  #expect(size - 20_000 < Checkpoint.largestBytes(shorted) - 1e6)
}

/// A hybrid row that never switched trained as its single pair only
/// without d2d and stuck devices: with them its idle small devices still
/// add weights of their own (a walkthrough, session 75: the note said
/// "trained as their single pairs" beside a stuck_off run 0.6 points from
/// its single pair's).
@Test func theNeverSwitchedNoteSaysWhatIdleSmallDevicesAdd() {
  let never = TrainingResult()
  for (edit, same) in [({ (_: inout TrainingConfiguration) in }, true), ({ $0.stuckOff = 0.3 }, false), ({ $0.stuckOn = 0.1 }, false), ({ $0.d2d = 0.3 }, false)] {
    var cfg = TrainingConfiguration()
    cfg.rule = .hybrid
    cfg.epochs = 1
    edit(&cfg)
    let run = ReproductionRun(figure: 4, label: "hybrid, 50 states", configuration: cfg, paper: nil)
    let note = ReproduceCommand.unswitchedNote([ReproduceCommand.Row(run: run, final: true, results: [never])], epochs: 1) ?? ""
    #expect(note.contains("so they trained as their single pairs") == same, "\(note)")
    #expect(note.contains("the small devices' d2d offsets or stuck devices only added fixed weights") != same, "\(note)")
  }
}
