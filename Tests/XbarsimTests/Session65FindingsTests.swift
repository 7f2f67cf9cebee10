import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Session 65's findings at the command line.

// `pulses --nmax 300` drew a curve `train` refuses (n_max 1…255, states
// in a byte) without a word; it now says so, and only beyond 255.
@Test func pulsesNotesAnNMaxTrainRefuses() throws {
  for (nMax, noted) in [(256, true), (255, false)] {
    let r = try runXbarsim(["pulses", "--nmax", "\(nMax)", "--pulses", "4"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("note: --nmax \(nMax): the device model's curve; train takes n_max 1…255") == noted, "\(nMax): \(r.stderr)")
  }
}

// A walkthrough of long sweeps (session 65): `sweep` printed none of the
// notes `train` gives, so a default sweep over sigma_c2c measured method
// b's tie, and a one-epoch hybrid sweep the single pair, without a word.
@Test func aSweepPrintsTrainsNotesNamingTheirPoints() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s65-notes", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  // A configuration's note for the points it holds for, once.
  var r = try runXbarsim(common + ["--grid", "sigma_c2c=0,0.3", "--out", root.appendingPathComponent("a").path])
  #expect(r.status == 0, "\(r.stderr)")
  let tie = "method b's re-potentiation loop ends on an exact tie that sigma_c2c breaks"
  #expect(r.stderr.contains("note: sweep point 1 (sigma_c2c=0.3): \(tie)"), "\(r.stderr)")
  #expect(r.stderr.components(separatedBy: tie).count == 2, "\(r.stderr)")
  // ... and for every point, said so.
  r = try runXbarsim(common + ["--rule", "hybrid", "--grid", "k=1,10", "--out", root.appendingPathComponent("b").path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("note: every point of the sweep: --rule hybrid with one epoch:"), "\(r.stderr)")
  // The same sweep as train: no note where train gives none.
  r = try runXbarsim(common + ["--grid", "nmax=32,64", "--out", root.appendingPathComponent("c").path])
  // (Thirty images train these points to chance, which session 66's note
  // says, as train's does: no other note.)
  let others = r.stderr.split(separator: "\n").filter { $0.contains("note:") && !$0.contains("the test accuracy stayed at chance") }
  #expect(r.status == 0 && others.isEmpty, "\(r.stderr)")
}

@Test func aSweepNoteListsItsPoints() {
  let grid = SweepCommand.Grid(keys: ["seed"], values: [(1...20).map(String.init)])
  #expect(SweepCommand.pointNote("note: x", points: [1, 3], of: 20, grid) == "note: sweep points 1 and 3: x")
  #expect(SweepCommand.pointNote("note: x", points: [4], of: 20, grid) == "note: sweep point 4 (seed=5): x")
  #expect(SweepCommand.pointNote("note: x", points: Array(0..<10), of: 20, grid) == "note: sweep points 0, 1, 2, 3, 4, 5, 6, 7 and 2 more: x")
  #expect(SweepCommand.pointNote("note: x", points: Array(0..<20), of: 20, grid) == "note: every point of the sweep: x")
  #expect(SweepCommand.pointNote("note: x", points: [0, 2], of: 2, grid) == "note: every point this run trains: x")
}

// An empty shard is arithmetic: said before the points are checked (a
// 994,500-point grid had taken 7 minutes to say so), so before a point's
// own error.
@Test func anEmptyShardIsSaidBeforeThePointsAreChecked() throws {
  let r = try runXbarsim(["sweep", "--grid", "nmax=0,64", "--shard", "2/3", "--out", "/nonexistent/o"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --shard 2/3: no point of the 2-point grid falls to this shard"), "\(r.stderr)")
}

@Test func aMisspeltGridKeyGetsTheNearestKey() throws {
  for (typed, meant) in [("sigmac2c", "sigma_c2c"), ("NMAX", "nmax"), ("stats", "states")] {
    let r = try runXbarsim(["sweep", "--grid", "\(typed)=1", "--out", "/nonexistent/o"])
    #expect(r.status == 64 && r.stderr.hasPrefix("Error: --grid: unknown configuration key '\(typed)' (did you mean '\(meant)'?)\n"), "\(r.stderr)")
  }
}

// Other data: the first key of the data object that differs, both values
// (it had said "training or test data").
@Test func aSweepOnOtherDataNamesWhatDiffers() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s65-data", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let (root2, data2) = try syntheticDataDirectory("xbarsim-s65-data2", train: 20, test: 11)
  defer { try? FileManager.default.removeItem(at: root2) }
  let out = root.appendingPathComponent("o").path
  let common = ["sweep", "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "seed=1,2"]
  #expect(try runXbarsim(common + ["--data", data.path, "--out", out]).status == 0)
  let r = try runXbarsim(common + ["--data", data2.path, "--out", out])
  #expect(r.status == 1 && r.stderr.contains("holds a sweep of other training or test data (test_images: 10 there, 11 now)"), "\(r.stderr)")
}

// `sweep merge` copies a point's file only when it is its row's summary
// (another point's file put there had been copied beside the row).
@Test func aMergeLeavesOutAPointFileThatIsNotItsRows() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s65-merge", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let dir = { root.appendingPathComponent($0).path }
  for s in 0..<2 {
    let r = try runXbarsim([
      "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "nmax=8,16,32,64",
      "--shard", "\(s)/2", "--out", dir("s\(s)"),
    ])
    #expect(r.status == 0, "\(r.stderr)")
  }
  try FileManager.default.removeItem(atPath: dir("s0") + "/point-2.json")
  try FileManager.default.copyItem(atPath: dir("s0") + "/point-0.json", toPath: dir("s0") + "/point-2.json")
  let r = try runXbarsim(["sweep", "merge", dir("s0"), dir("s1"), "--out", dir("m")])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("\(dir("s0"))/point-2.json is not point 2's summary"), "\(r.stderr)")
  #expect(!FileManager.default.fileExists(atPath: dir("m") + "/point-2.json"))
  for p in [0, 1, 3] { #expect(FileManager.default.fileExists(atPath: dir("m") + "/point-\(p).json"), "\(p)") }
}

// A resume that fills a gap writes its rows in point order.
@Test func aResumedGapKeepsThePointOrder() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s65-order", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("o")
  let command = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "seed=1,2,3", "--out", out.path]
  #expect(try runXbarsim(command).status == 0)
  let csv = out.appendingPathComponent("sweep.csv")
  let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
  try (lines.filter { !$0.hasPrefix("1,") }.joined(separator: "\n") + "\n").write(to: csv, atomically: false, encoding: .utf8)
  let r = try runXbarsim(command)
  #expect(r.status == 0, "\(r.stderr)")
  let again = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
  #expect(again.dropFirst().map { $0.prefix(2) } == ["0,", "1,", "2,"], "\(again)")
  // The same rows (up to their speed, measured again for point 1).
  let cells = { (l: [Substring]) in l.map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(10) } }
  #expect(cells(again) == cells(lines), "\(again)")
}

// The 11th line of a plot is dashed, not the 1st's twin (a sweep's 12
// lines had reused two colours); the legend draws each line as plotted.
@Test func theEleventhLineOfAPlotIsDashed() {
  var plot = SVGLinePlot(title: "t", xLabel: "x", yLabel: "%")
  for k in 0..<12 { plot.series.append(.init(label: "s\(k)", x: [0, 1], y: [Double(k), Double(k) + 1])) }
  let svg = plot.render()
  let lines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
  #expect(lines.count == 12)
  for (k, line) in lines.enumerated() {
    #expect(line.contains("stroke=\"\(SVGLinePlot.palette[k % 10])\""), "\(k)")
    #expect(line.contains("stroke-dasharray=\"7,4\"") == (k >= 10), "\(k): \(line)")
  }
  let legend = svg.split(separator: "\n").filter { $0.hasPrefix("<line x1") && $0.contains("stroke-width=\"2\"") }
  #expect(legend.count == 12 && legend.filter { $0.contains("stroke-dasharray") }.count == 2, "\(legend)")
}

// One number spelt two ways is one grid value: to the duplicate check, and
// now on resuming (it had been "another sweep"), the directory's spelling
// kept.
@Test func aGridValueSpeltAnotherWayResumesTheSameSweep() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s65-spelt", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("o")
  let common = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--out", out.path]
  #expect(try runXbarsim(common + ["--grid", "nmax=16,32", "--quiet"]).status == 0)
  let csv = out.appendingPathComponent("sweep.csv")
  let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
  try (lines.dropLast().joined(separator: "\n") + "\n").write(to: csv, atomically: false, encoding: .utf8)
  let r = try runXbarsim(common + ["--grid", "nmax=016,032"])
  #expect(r.status == 0 && r.stderr.contains("resuming"), "\(r.stderr)")
  let again = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
  #expect(again.dropFirst().map { $0.split(separator: ",")[1] } == ["16", "32"], "\(again)")
  // Another number is another sweep still.
  let other = try runXbarsim(common + ["--grid", "nmax=16,33", "--quiet"])
  #expect(other.status == 1 && other.stderr.contains("holds another sweep (its grid is"), "\(other.stderr)")
}

// A walkthrough of off-chip transfer (session 65).

// The papers' arrays have ideal lines: runs through resistive ones are
// not the papers' (Figure 14 had kept its numbers and Δ).
@Test func resistiveLinesAreNotThePapersRuns() {
  var base = TrainingConfiguration()
  base.wires = .resistive
  for run in LimReproduction.runs(figure: 14, base: base) + ChoiReproduction.runs(figure: 4, base: base) where run.configuration.rule != .float {
    #expect(run.paper == nil && run.label.contains("wires resistive"), "\(run.label)")
  }
  // Ideal lines keep them.
  #expect(LimReproduction.runs(figure: 14, base: TrainingConfiguration()).allSatisfy { $0.paper != nil })
}

// An on-chip run from an off-chip transfer of weights' checkpoint drops
// the keys it does not read (transfer, loss, lr had passed into its
// summary, which was then refused as --config), and trains the same.
@Test func aRunFromACheckpointDropsTheKeysItDoesNotRead() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s65-ckpt", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let path = { root.appendingPathComponent($0).path }
  let common = ["--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  var r = try runXbarsim(
    ["train"] + common + ["--learning", "off-chip", "--transfer", "weights", "--loss", "mse", "--lr", "0.05", "--checkpoint-out", path("w.json")])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["train"] + common + ["--checkpoint-in", path("w.json"), "--learning", "on-chip", "--summary", path("s.json")])
  #expect(r.status == 0, "\(r.stderr)")
  let summary = try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("s.json")))
  let c = summary["configuration"]
  #expect(c?["transfer"] == .string("states") && c?["loss"] == nil && c?["lr"] == .number(0.01), "\(String(describing: c))")
  // Given back as --config, it runs again, to the same accuracy.
  let again = try runXbarsim(["train"] + common + ["--config", path("s.json"), "--checkpoint-in", path("w.json"), "--summary", path("t.json")])
  #expect(again.status == 0, "\(again.stderr)")
  let t = try JSONValue.parse(Data(contentsOf: root.appendingPathComponent("t.json")))
  #expect(t["test_accuracy"] == summary["test_accuracy"] && t["pulses"] == summary["pulses"])
  // Inspecting that checkpoint without --learning on-chip is refused as
  // train refuses it: exit 64 (it had been 1).
  let i = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", path("w.json"), "--samples", "1", "--out", path("i")])
  #expect(i.status == 64 && i.stderr.hasPrefix("Error: \(path("w.json")): the checkpoint's configuration is learning off-chip"), "\(i.stderr)")
  // ... and with it, its record holds no transfer of weights.
  let j = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", path("w.json"), "--learning", "on-chip", "--samples", "1", "--out", path("j")])
  #expect(j.status == 0, "\(j.stderr)")
  let record = try String(contentsOf: root.appendingPathComponent("j/inspect.json"), encoding: .utf8)
  #expect(!record.contains("\"transfer\": \"weights\""), "\(record.prefix(2000))")
}

// A key the run would not read is refused as such before a rule on its
// value (off-chip, --reset-time had been sent to widen slot_time first).
@Test func anUnreadKeyIsRefusedBeforeItsValueRules() throws {
  let r = try runXbarsim(["train", "--learning", "off-chip", "--reset-time", "1e-5", "--data", "/nonexistent"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --reset-time: applies to learning on-chip"), "\(r.stderr)")
  // With --checkpoint-out, which keeps the timing keys for inspect, the
  // value's own rule speaks.
  let kept = try runXbarsim(["train", "--learning", "off-chip", "--reset-time", "1e-5", "--checkpoint-out", "/nonexistent/c.json", "--data", "/nonexistent"])
  #expect(kept.status == 64 && kept.stderr.hasPrefix("Error: --reset-time: 1e-05 s needs slot_time"), "\(kept.stderr)")
}

// A sweep's plot averages over seeds; a point of fewer seeds than the
// grid's (a sweep stopped inside) is named in its line's legend.
@Test func aPlotNamesAPointOfFewerSeeds() {
  let grid = SweepCommand.Grid(keys: ["sigma_c2c", "seed"], values: [["0", "0.3"], ["1", "2", "3"]])
  let header = grid.header
  func row(_ p: Int, _ y: Double) -> [String] {
    var r = [String(p)] + grid.point(p) + Array(repeating: "", count: header.count - 1 - grid.keys.count)
    for name in ["accuracy_mean_last", "accuracy_min_last", "accuracy_max_last"] { r[header.firstIndex(of: name)!] = String(y) }
    return r
  }
  let whole = SweepCommand.plot(grid, (0..<6).map { row($0, 80 + Double($0)) })
  #expect(!whole.contains("seeds at"), "\(whole)")
  let stopped = SweepCommand.plot(grid, (0..<4).map { row($0, 80 + Double($0)) })
  #expect(stopped.contains(">accuracy_mean_last, mean over seeds (1 of 3 seeds at sigma_c2c=0.3)<"), "\(stopped)")
}

// Grids match by number, but a device file's name is a name.
@Test func gridsMatchByNumberButDeviceFilesByName() {
  let a = SweepCommand.Grid(keys: ["sigma_c2c", "layers"], values: [["0.1", "0.3"], ["784,100,10"]])
  #expect(a.matches(.init(keys: ["sigma_c2c", "layers"], values: [["0.10", ".3"], ["784,0100,10"]])))
  #expect(!a.matches(.init(keys: ["sigma_c2c", "layers"], values: [["0.1", "0.31"], ["784,100,10"]])))
  #expect(!a.matches(.init(keys: ["layers", "sigma_c2c"], values: [["784,100,10"], ["0.1", "0.3"]])))
  let d = SweepCommand.Grid(keys: ["device_csv"], values: [["1", "2"]])
  #expect(!d.matches(.init(keys: ["device_csv"], values: [["01", "2"]])) && d.matches(d))
}

// `line --problem`: an ill-conditioned line of the file is the file's
// error, naming its keys, on the first line of standard error (the file's
// notes had come first, and the error named --driver-resistance, not
// given; the fuzzer, session 65). The notes follow an accepted line.
@Test func aProblemLinesConditioningIsTheFilesErrorFirst() throws {
  let dir = try Scratch.directory("xbarsim-s65-line")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  let text = #"{"rows": 5, "cols": 1, "conductance": [[4e-5], [9e-5], [8e-5], [1e-4], [5e-5]], "v_in": [0.1, 0.2, 0.3, 0.2, 0.1], "r_row": 1, "r_col": RCOL, "r_sense": 50, "extra": 1}"#
  try text.replacingOccurrences(of: "RCOL", with: "1e-12").write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["line", "--problem", file.path, "--capacitance", "1e-15", "--col", "0"])
  #expect(r.status == 1 && r.stderr.hasPrefix("Error: \(file.path): bit line 0 is too ill-conditioned to integrate:"), "\(r.stderr)")
  #expect(r.stderr.contains("r_sense 50.0 Ω and r_col 1e-12 Ω): raise r_col or lower r_sense") && !r.stderr.contains("note:"), "\(r.stderr)")
  try text.replacingOccurrences(of: "RCOL", with: "1").write(to: file, atomically: false, encoding: .utf8)
  let ok = try runXbarsim(["line", "--problem", file.path, "--capacitance", "1e-15", "--col", "0"])
  #expect(ok.status == 0 && ok.stderr.contains("key 'extra' not in the problem format") && ok.stderr.contains("the crossing word lines"), "\(ok.stderr)")
}
