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

/// With stuck devices the summary says how many there are (a walkthrough,
/// session 75: a researcher had to count them from a checkpoint's scales
/// and marks): `stuck_devices`, over all layers and per layer. Rule lim's
/// counts are the checkpoint's own lists' (scale 0 not shorted: open;
/// marked: shorted); a hybrid has four devices a synapse; a run without
/// stuck devices writes no key; and the summary runs again as a config.
@Test func theSummaryCountsTheStuckDevices() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s75-stuck-count", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let synapses = 65 * 40 + 41 * 10
  func run(_ name: String, _ extra: [String]) throws -> [String: Any] {
    let summary = root.appendingPathComponent("\(name).json")
    let r = try runXbarsim(
      ["train", "--data", data.path, "--layers", "64,40,10", "--evals-per-epoch", "1", "--quiet", "--summary", summary.path] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  }
  func counts(_ o: Any?) throws -> (open: Int, shorted: Int, devices: Int) {
    let d = try #require(o as? [String: Any])
    return (try #require(d["open"] as? Int), try #require(d["shorted"] as? Int), try #require(d["devices"] as? Int))
  }
  let checkpoint = root.appendingPathComponent("ck.json")
  let lim = try run("lim", ["--stuck-off", "0.2", "--stuck-on", "0.1", "--checkpoint-out", checkpoint.path])
  let all = try #require(lim["stuck_devices"] as? [String: Any])
  let total = try counts(all)
  let layers = try (try #require(all["layers"] as? [Any])).map(counts)
  #expect(total.devices == 2 * synapses && layers.map(\.devices) == [2 * 65 * 40, 2 * 41 * 10])
  #expect(layers.reduce(0) { $0 + $1.open } == total.open && layers.reduce(0) { $0 + $1.shorted } == total.shorted)
  // The checkpoint's own lists.
  let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)) as? [String: Any])
  var open = 0, shorted = 0
  for layer in try #require(saved["layers"] as? [[String: Any]]) {
    for side in ["plus", "minus"] {
      let scales = try #require(layer["\(side)_scales"] as? [Double]), marks = try #require(layer["\(side)_shorted"] as? [Int])
      shorted += marks.filter { $0 == 1 }.count
      open += zip(scales, marks).filter { $0.0 == 0 && $0.1 == 0 }.count
    }
  }
  #expect(total.open == open && total.shorted == shorted, "\(total), the checkpoint's \(open) open, \(shorted) shorted")
  for (n, f) in [(total.open, 0.2), (total.shorted, 0.1)] {
    let mean = Double(total.devices) * f, sd = (mean * (1 - f)).squareRoot()
    #expect(abs(Double(n) - mean) < 4 * sd, "\(n) of \(total.devices), mean \(mean)")
  }
  let hybrid = try counts((try run("hybrid", ["--rule", "hybrid", "--stuck-on", "0.25"])["stuck_devices"] as? [String: Any]))
  #expect(hybrid.devices == 4 * synapses && hybrid.open == 0 && hybrid.shorted > 0)
  let offChip = try counts((try run("off", ["--learning", "off-chip", "--stuck-off", "0.3"])["stuck_devices"] as? [String: Any]))
  #expect(offChip.devices == 2 * synapses && offChip.open > 0 && offChip.shorted == 0)
  #expect(try run("none", [])["stuck_devices"] == nil)
  let again = try runXbarsim(["train", "--data", data.path, "--config", root.appendingPathComponent("lim.json").path, "--quiet"])
  #expect(again.status == 0, "\(again.stderr)")
}

/// A plot's title keeps a value with its key when it wraps (a walkthrough,
/// session 75: accuracy.svg's title had ended in "stuck_on", its 0.2 on
/// the next line); a number after a number, or after the line's only
/// word, breaks as before.
@Test func aWrappedTitleKeepsAValueWithItsKey() {
  #expect(SVGLinePlot.wrapped("σ 0 stuck_off 0.2 stuck_on 0.2", limit: 24) == ["σ 0 stuck_off 0.2", "stuck_on 0.2"])
  #expect(SVGLinePlot.wrapped("nmax 64 beta 2", limit: 10) == ["nmax 64", "beta 2"])
  #expect(SVGLinePlot.wrapped("a 1 2 3 4 5", limit: 5) == ["a 1 2", "3 4 5"])
  #expect(SVGLinePlot.wrapped("layers 784-200-10", limit: 10) == ["layers", "784-200-10"])
  #expect(SVGLinePlot.wrapped("abcdefghijklmnopqrstuvwxy z") == ["abcdefghijklmnopqrstuvwxy", "z"])
}
