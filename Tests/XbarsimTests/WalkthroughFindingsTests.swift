import Foundation
import Testing
import _TestSupport

@testable import Trainer

@testable import xbarsim

// What a new user's walk through the README found (session 20,
// 2026-11-30): a sweep resumed with an edited device file, `pulses`
// drawing a curve that training does not step along, conductances `train`
// refuses, the progress bar one point behind, refusals that did not say
// what differed.

private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-walkthrough", train: 200, test: 60)
}

private let net = ["--layers", "64,12,10", "--evals-per-epoch", "2"]

/// A measured potentiation branch of `points` points, 1 µS to 10 µS,
/// with point `bump` raised by 1 % (an edit that keeps the file's range
/// and point count).
private func deviceCSV(_ url: URL, points: Int = 9, bump: Int? = nil) throws {
  let lines = (0..<points).map { n -> String in
    var g = 1e-6 + 9e-6 * Double(n) / Double(points - 1)
    if n == bump { g *= 1.01 }
    return "p,\(g)"
  }
  try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: false, encoding: .utf8)
}

private func firstLine(_ s: String) -> String { s.split(separator: "\n").first.map(String.init) ?? "" }

// The sweep resumed a directory whose device file had been edited (same
// path, range and points, another curve): the finished points came from
// the old device, the new one from the new, and nothing said so.
@Test func aSweepRefusesToResumeOrMergeRunsOfAnotherVersionOfItsDeviceFile() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let csv = root.appendingPathComponent("dev.csv")
  try deviceCSV(csv)
  func sweep(_ shard: String, _ out: URL) throws -> ProcessResult {
    try runXbarsim(
      ["sweep", "--data", data.path, "--device-csv", csv.path, "--grid", "seed=1,2", "--shard", shard, "--quiet", "--out", out.path]
        + net)
  }
  let s0 = root.appendingPathComponent("s0"), s1 = root.appendingPathComponent("s1")
  let first = try sweep("0/2", s0)
  #expect(first.status == 0, "\(first.stderr)")
  let sweepJSON = try String(contentsOf: s0.appendingPathComponent("sweep.json"), encoding: .utf8)
  #expect(sweepJSON.contains("\"devices\""), "\(sweepJSON)")
  // The same file again: resumed (nothing left to run).
  let same = try sweep("0/2", s0)
  #expect(same.status == 0, "\(same.stderr)")
  // One point moved by 1 %: refused, naming the file.
  try deviceCSV(csv, bump: 4)
  let edited = try sweep("0/2", s0)
  #expect(edited.status == 1, "\(edited.stderr)")
  #expect(firstLine(edited.stderr).hasPrefix("Error: \(s0.path) holds a sweep run with another version of "), "\(edited.stderr)")
  #expect(firstLine(edited.stderr).contains("dev.csv"), "\(edited.stderr)")
  // The other shard run with the edited file does not merge with the first.
  let other = try sweep("1/2", s1)
  #expect(other.status == 0, "\(other.stderr)")
  let merge = try runXbarsim(["sweep", "merge", s0.path, s1.path])
  #expect(merge.status == 1, "\(merge.stderr)")
  #expect(firstLine(merge.stderr).hasPrefix("Error: \(s1.path): it was run with another version of "), "\(merge.stderr)")
  // Run again with the first version, the shards merge.
  try deviceCSV(csv)
  let again = try sweep("1/2", root.appendingPathComponent("s1b"))
  #expect(again.status == 0, "\(again.stderr)")
  let merged = try runXbarsim(["sweep", "merge", s0.path, root.appendingPathComponent("s1b").path])
  #expect(merged.status == 0, "\(merged.stderr)")
}

// "holds another sweep (its grid, base configuration or shard differ)":
// now it says which, and for the base configuration which key.
@Test func aSweepRefusalNamesWhatDiffers() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  func sweep(_ extra: [String]) throws -> ProcessResult {
    try runXbarsim(["sweep", "--data", data.path, "--quiet", "--out", out.path] + net + extra)
  }
  #expect(try sweep(["--grid", "seed=1,2"]).status == 0)
  let nmax = try sweep(["--grid", "seed=1,2", "--nmax", "32"])
  #expect(firstLine(nmax.stderr).contains("its base configuration differs: nmax 32 here, 64 there"), "\(nmax.stderr)")
  let grid = try sweep(["--grid", "seed=1,3"])
  #expect(firstLine(grid.stderr).contains("its grid is seed=1,2, this one's seed=1,3"), "\(grid.stderr)")
  let shard = try sweep(["--grid", "seed=1,2", "--shard", "1/2"])
  #expect(firstLine(shard.stderr).contains("it is shard 0/1, this one 1/2"), "\(shard.stderr)")
  for r in [nmax, grid, shard] { #expect(r.status == 1) }
}

// The note said a flat pulse leaves a device where it was for rules hybrid
// and single too; at the top of the branch they are never taken, since the
// first point at the maximum is G_max (an audit, session 27). Since session
// 33 those points are left out of the device (DeviceResearcherFindingsTests).
@Test func theFlatPulsesNoteSaysWhatTheRuleDoesWithThem() {
  #expect(TrainCommand.flatPulseEffect(finiteState: false) == "such a pulse leaves a device where it was")
  #expect(TrainCommand.flatPulseEffect(finiteState: true) == "such a pulse leaves a device where it was")
  // Conductance states (method c, sigma_c2c, b_margin) cross the stretch in
  // one pulse: the note had said otherwise for a and b with sigma_c2c (a
  // walkthrough, session 46).
  #expect(TrainCommand.flatPulseEffect(finiteState: false, conductanceStates: true).contains("in one pulse"))
  var cfg = TrainingConfiguration()
  cfg.method = .b
  cfg.sigmaC2C = 0.1
  #expect(cfg.limConductanceStates)
}

@Test func flatPulsesListsThePulsesThatLeaveTheConductanceWhereItWas() {
  #expect(TrainCommand.flatPulses([0, 0.5, 1]) == nil)
  #expect(TrainCommand.flatPulses([0, 0.5, 0.5, 1]) == "pulse 2")
  #expect(TrainCommand.flatPulses([0, 0.3, 0.3, 0.6, 0.6, 1, 1]) == "pulses 2, 4 and 6")
  let long = [0.0] + Array(repeating: 0.5, count: 13) + [1]
  #expect(TrainCommand.flatPulses(long) == "12 pulses (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …)")
}

// Noisy data flattened by the running maximum: `pulses` steps over the
// flat points (method c's device) while methods a and b and Choi's rules
// take a pulse a point. Both commands now say so; strictly rising data get
// no note.
@Test func aFlatMeasuredBranchIsNotedByPulsesAndTrain() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let noisy = root.appendingPathComponent("noisy.csv")
  try "p,2e-6\np,5e-6\np,8e-6\np,7.9e-6\np,1.1e-5\np,1.05e-5\np,1.3e-5\np,1.5e-5\n"
    .write(to: noisy, atomically: false, encoding: .utf8)
  let p = try runXbarsim(["pulses", "--device", "measured", "--csv", noisy.path])
  #expect(p.status == 0, "\(p.stderr)")
  #expect(p.stderr.contains("note: \(noisy.path): the potentiation branch is flat at pulses 3 and 5"), "\(p.stderr)")
  // Training's states: G_max is the 8th point, after 7 pulses; `pulses`
  // gets there after 5.
  #expect(p.stderr.contains("(G_max at pulse 7)"), "\(p.stderr)")
  #expect(p.stdout.contains("\n5,p,1.5e-05\n"), "\(p.stdout)")
  let t = try runXbarsim(["train", "--data", data.path, "--device-csv", noisy.path] + net)
  #expect(t.status == 0, "\(t.stderr)")
  #expect(t.stderr.contains("note: --device-csv \(noisy.path): the potentiation branch is flat at pulses 3 and 5"), "\(t.stderr)")
  let smooth = root.appendingPathComponent("smooth.csv")
  try deviceCSV(smooth)
  let ps = try runXbarsim(["pulses", "--device", "measured", "--csv", smooth.path])
  #expect(ps.status == 0 && ps.stderr.isEmpty, "\(ps.stderr)")
  let ts = try runXbarsim(["train", "--data", data.path, "--device-csv", smooth.path] + net)
  #expect(ts.status == 0 && !ts.stderr.contains("note:"), "\(ts.stderr)")
}

// `pulses` drew data in µS (a maximum of 3 "S") that `train` refuses.
@Test func pulsesRefusesConductancesTrainRefuses() throws {
  let dir = try Scratch.directory("xbarsim-walkthrough")
  defer { try? FileManager.default.removeItem(at: dir) }
  let csv = dir.appendingPathComponent("us.csv")
  try "p,1\np,2\np,3\n".write(to: csv, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", csv.path])
  expectOneLineError(r, 1, "\(csv.path): the largest conductance is 3.0 S, outside the [1e-12, 1] S")
  #expect(r.stdout.isEmpty)
}

// An unwritable --svg failed after the whole CSV was printed.
@Test func pulsesChecksItsChartBeforePrinting() throws {
  let r = try runXbarsim(["pulses", "--svg", "/nonexistent-xbarsim-dir/chart.svg"])
  expectOneLineError(r, 1, "/nonexistent-xbarsim-dir/chart.svg: cannot write the chart")
  #expect(r.stdout.isEmpty, "\(r.stdout)")
}

// The bar was drawn before each point's evaluation, so at every point it
// showed the previous point's accuracy (and its last line not the final one).
@Test func theProgressBarShowsEachPointsOwnAccuracy() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let log = root.appendingPathComponent("log.csv")
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,12,10", "--evals-per-epoch", "4", "--log", log.path])
  #expect(r.status == 0, "\(r.stderr)")
  // The log's points: images → accuracy as the bar prints it.
  var accuracyAt: [String: String] = [:]
  for row in try String(contentsOf: log, encoding: .utf8).split(separator: "\n").dropFirst() {
    let cells = row.split(separator: ",")
    // (The bar shows two decimals; the log keeps ten digits.)
    accuracyAt[String(cells[0])] = String(format: "%.2f", Double(cells[2])!)
  }
  #expect(accuracyAt.count == 4)
  // Standard error is a pipe here: a line per tenth of the run, and the
  // four points fall in four tenths, so each has its line.
  var checked = 0
  for line in r.stderr.split(separator: "\n") where line.contains(" images, ") {
    let images = line.split(separator: ":").last!.split(separator: "/").first!.trimmingCharacters(in: .whitespaces)
    guard let accuracy = accuracyAt[images] else { continue }
    #expect(line.hasSuffix("test \(accuracy) %"), "at \(images) images: \(line)")
    checked += 1
  }
  #expect(checked == 4, "\(r.stderr)")
}

// A sweep was silent while a point trained (minutes for a long point).
@Test func aSweepShowsEachPointsProgress() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "seed=1,2", "--out", root.appendingPathComponent("out").path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  for p in 0..<2 {
    #expect(r.stderr.contains("sweep point \(p) (seed=\(p + 1)): 200/200 images"), "\(r.stderr)")
  }
  let quiet = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "seed=1,2", "--quiet", "--out", root.appendingPathComponent("q").path] + net)
  #expect(quiet.status == 0 && !quiet.stderr.contains("sweep point"), "\(quiet.stderr)")
}

// Two more walkthroughs (a circuit designer, a Choi researcher), session 20.

// `reproduce choi2021 --figure 4 --states 20 --k 5` printed "hybrid, 50
// states" beside the paper's 97.00: the runs were not the paper's. A key
// the paper states, changed, now shows in the label and drops the paper
// number; a key the paper is silent on (the neuron) leaves the comparison.
@Test func aReproductionRunOffThePapersSettingSaysSoAndHasNoPaperNumber() {
  var base = TrainingConfiguration()
  base.states = 20
  base.k = 5
  let runs = ChoiReproduction.runs(figure: 4, base: base)
  let byLabel = Dictionary(uniqueKeysWithValues: runs.map { ($0.label, $0) })
  // FP reads neither key: still the paper's FP.
  #expect(byLabel["FP"]?.paper == 97.92, "\(runs.map(\.label))")
  #expect(byLabel["single, 50 states [states 20]"]?.paper == nil && byLabel["single, 50 states [states 20]"] != nil)
  #expect(byLabel["hybrid, 50 states [states 20, k 5]"] != nil, "\(runs.map(\.label))")
  #expect(byLabel["hybrid, 50 states [states 20, k 5]"]?.paper == nil)
  // The figure's own runs at the defaults: unmarked, with their numbers.
  let plain = ChoiReproduction.runs(figure: 4, base: TrainingConfiguration())
  #expect(plain.map(\.label) == ["FP", "single, 50 states", "hybrid, 50 states", "hybrid, sign rule (method b)"])
  #expect(plain.map(\.paper) == [97.92, nil, 97.00, nil])
  // Lim: σ is the paper's setting for Figure 8 (0), the neuron is not.
  var sigma = TrainingConfiguration()
  sigma.sigma = 0.5
  let fig8 = LimReproduction.runs(figure: 8, base: sigma)
  #expect(fig8.allSatisfy { $0.label.hasSuffix(" [sigma 0.5]") && $0.paper == nil }, "\(fig8.map(\.label))")
  var centred = TrainingConfiguration()
  centred.activation = .centred
  let fig8c = LimReproduction.runs(figure: 8, base: centred)
  #expect(fig8c.map(\.label) == LimReproduction.runs(figure: 8, base: TrainingConfiguration()).map(\.label))
  #expect(fig8c.compactMap(\.paper) == [95.36, 95.59, 94.80, 93.71])
  // The loss: Lim states softmax and cross-entropy (only the software rows
  // read it), Choi names no output layer.
  var mse = TrainingConfiguration()
  mse.loss = .mse
  let fig12 = LimReproduction.runs(figure: 12, base: mse)
  #expect(fig12.filter { $0.label.contains("software") }.allSatisfy { $0.label.hasSuffix(" [loss mse]") && $0.paper == nil })
  #expect(fig12.filter { !$0.label.contains("software") }.allSatisfy { !$0.label.contains("[") }, "\(fig12.map(\.label))")
  #expect(ChoiReproduction.runs(figure: 4, base: mse).map(\.label) == plain.map(\.label))
}

@Test func aSwitchAtTheLastEpochIsNoted() {
  var cfg = TrainingConfiguration()
  cfg.epochs = 3
  let run = ReproductionRun(figure: 4, label: "hybrid, 50 states", configuration: cfg, paper: 97)
  var switched = TrainingResult(), late = TrainingResult()
  switched.phaseSwitchEpoch = 2
  late.phaseSwitchEpoch = 3
  #expect(ReproduceCommand.unswitchedNote([ReproduceCommand.Row(run: run, final: true, results: [switched])], epochs: 3) == nil)
  let note = ReproduceCommand.unswitchedNote([ReproduceCommand.Row(run: run, final: true, results: [switched, late])], epochs: 3)
  #expect(note == "switch 3 (the last epoch): no fine-tuning epoch ran in that seed's run (hybrid, 50 states)")
}

// `--program-voltage 2` with rule hybrid trained at write_voltage and said
// nothing; off-chip learning has no energy account and took the
// programming and timing keys silently.
@Test(arguments: [
  (["--rule", "hybrid", "--program-voltage", "2"], "--program-voltage: applies to rule lim (rules hybrid and single program at write_voltage) only"),
  (["--rule", "single", "--program-voltage", "2"], "--program-voltage: applies to rule lim (rules hybrid and single program at write_voltage) only"),
  (["--learning", "off-chip", "--program-voltage", "3"], "--program-voltage: applies to learning on-chip (its energy and latency accounts) only"),
  (["--learning", "off-chip", "--reset-time", "1e-7"], "--reset-time: applies to learning on-chip (its energy and latency accounts) only"),
  (["--learning", "off-chip", "--slot-time", "1e-5"], "--slot-time: applies to learning on-chip (its energy and latency accounts) only"),
])
func keysARunNeverReadsAreRefused(extra: [String], message: String) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--quiet"] + net + extra)
  expectOneLineError(r, 64, message)
}

// The same keys on chip are read (the energy account), and a reproduction
// whose on-chip runs read them takes them (Figure 14's off-chip runs aside).
@Test func programmingKeysStillReachOnChipRuns() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let s1 = root.appendingPathComponent("v1.json"), s2 = root.appendingPathComponent("v2.json")
  for (v, s) in [("1", s1), ("2", s2)] {
    let r = try runXbarsim(["train", "--data", data.path, "--quiet", "--program-voltage", v, "--summary", s.path] + net)
    #expect(r.status == 0, "\(r.stderr)")
  }
  func program(_ url: URL) throws -> Double {
    let o = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    return try #require((o["energy_breakdown_joules"] as? [String: Any])?["program"] as? Double)
  }
  // E = V²·t·ΣG: four times at twice the voltage.
  #expect(abs(try program(s2) / program(s1) - 4) < 1e-9)
}

@Test func pulsesTakesTrainsRangeOfStates() throws {
  let r = try runXbarsim(["pulses", "--device", "choi", "--states", "100001"])
  expectOneLineError(r, 64, "--states 100001 must be at most 100000 (train's range)")
}

// The hybrid's one-line result said "states 50" for a run with 400
// g-states, and nothing of `fine_trains same`.
@Test func theHybridsLabelNamesItsGStatesAndFineTrains() {
  var cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  #expect(!TrainCommand.describe(cfg).contains("g-states") && !TrainCommand.describe(cfg).contains("fine_trains"))
  cfg.smallStates = 400
  cfg.fineTrains = .same
  #expect(TrainCommand.describe(cfg).contains("states 50 g-states 400 fine_trains same stochastic BL 64"), "\(TrainCommand.describe(cfg))")
  cfg.encoding = .sign
  #expect(TrainCommand.describe(cfg).contains("g-states 400 sign c2c"), "\(TrainCommand.describe(cfg))")
}

// `--lr 1e400` "expects a number": it is one, beyond a double's range.
@Test func aNumberBeyondADoubleIsNamedAsSuch() throws {
  let big = try runXbarsim(["train", "--rule", "float", "--lr", "1e400"])
  expectOneLineError(big, 64, "--lr: '1e400' is beyond the largest double (1.8e308)")
  let word = try runXbarsim(["train", "--rule", "float", "--lr", "inf"])
  expectOneLineError(word, 64, "--lr: expects a number, got 'inf'")
}

// Off a terminal the bar printed only a line per tenth of the run: a slow
// run (resistive lines that converge badly) was silent for minutes.
@Test func theBarPrintsALineAMinuteBetweenTenths() {
  var bar = ProgressBar(label: "x", enabled: true)
  let t0: UInt64 = 1_000_000_000_000
  bar.lastLine = t0
  var due: [Bool] = []
  for (frac, seconds) in [(0.05, 0.0), (0.06, 30), (0.07, 61), (0.08, 62), (0.10, 63)] {
    due.append(bar.lineDue(frac, now: t0 + UInt64(seconds * 1e9) + 1))
  }
  // The first tenth; nothing 30 s later; a minute since the last line;
  // nothing a second later; the next tenth.
  #expect(due == [true, false, true, false, true])
}

// A review of the device checksums (session 20): a shard keeps only its own
// points' devices, named as the grid gives them. Editing a device only the
// other shard uses does not stop the merge; run from another directory,
// where the relative names are other files, a resume is refused.
@Test func aShardKeepsItsOwnDevicesUnderTheirGridNames() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let here = root.appendingPathComponent("here"), there = root.appendingPathComponent("there")
  for dir in [here, there] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
  for dir in [here, there] { try deviceCSV(dir.appendingPathComponent("a.csv")) }
  for dir in [here, there] { try deviceCSV(dir.appendingPathComponent("b.csv")) }
  try deviceCSV(there.appendingPathComponent("a.csv"), bump: 3)
  func sweep(_ shard: String, _ out: URL, in dir: URL) throws -> ProcessResult {
    try runProcess(
      productExecutable("xbarsim")!,
      ["sweep", "--data", data.path, "--grid", "device_csv=a.csv,b.csv", "--shard", shard, "--quiet", "--out", out.path] + net,
      currentDirectory: dir)
  }
  let s0 = root.appendingPathComponent("s0"), s1 = root.appendingPathComponent("s1")
  #expect(try sweep("0/2", s0, in: here).status == 0)
  // b.csv (shard 1's only) edited before shard 1 runs: the shards merge.
  try deviceCSV(here.appendingPathComponent("b.csv"), bump: 5)
  #expect(try sweep("1/2", s1, in: here).status == 0)
  let merged = try runXbarsim(["sweep", "merge", s0.path, s1.path])
  #expect(merged.status == 0, "\(merged.stderr)")
  // Shard 0 resumed from another directory, where a.csv is another device.
  let moved = try sweep("0/2", s0, in: there)
  #expect(moved.status == 1, "\(moved.stderr)")
  // (Grid values are kept as real paths: "there/a.csv" is another file,
  // so another grid.)
  #expect(firstLine(moved.stderr).contains("holds another sweep (its grid is "), "\(moved.stderr)")
  #expect(firstLine(moved.stderr).contains("there/a.csv"), "\(moved.stderr)")
}

// A sweep given no device file, or one its directory never used, was told
// that the directory's (unchanged) device file had changed (a walkthrough,
// session 63): the base configuration differs, and is named.
@Test func aSweepGivenAnotherDeviceFileOrNoneIsToldItsBaseDiffers() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let csv = root.appendingPathComponent("dev.csv"), past = root.appendingPathComponent("past.csv")
  try deviceCSV(csv)
  try deviceCSV(past, bump: 2)
  let out = root.appendingPathComponent("s")
  func sweep(_ device: [String]) throws -> ProcessResult {
    try runXbarsim(["sweep", "--data", data.path, "--grid", "seed=1,2", "--quiet", "--out", out.path] + device + net)
  }
  let first = try sweep(["--device-csv", csv.path])
  #expect(first.status == 0, "\(first.stderr)")
  for device in [[], ["--device-csv", past.path]] {
    let r = try sweep(device)
    #expect(r.status == 1, "\(r.stderr)")
    // (Without the file its nmax, 8 from the file's points, is the first
    // key to differ.)
    #expect(firstLine(r.stderr).hasPrefix("Error: \(out.path) holds another sweep (its base configuration differs: \(device.isEmpty ? "nmax" : "device_csv")"), "\(device): \(r.stderr)")
    #expect(!r.stderr.contains("another version"), "\(r.stderr)")
  }
  // The same file, unchanged: resumed.
  #expect(try sweep(["--device-csv", csv.path]).status == 0)
}

// log.csv and epochs.csv wrote accuracies to two decimals, exact only on a
// test set of 10,000 images: the summary's last-10 % mean could not be
// recomputed from the log (85.848 against 85.84754 on 997 images; an ML
// researcher's walkthrough, session 48). Ten significant digits now.
@Test func theLogsKeepTheAccuracysDigits() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-log-digits", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("run")
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "3", "--test-limit", "7", "--quiet", "--out", out.path])
  #expect(r.status == 0, "\(r.stderr)")
  let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
  let rows = try String(contentsOf: out.appendingPathComponent("log.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
  let lastCell = try #require(rows.last?.split(separator: ",")[2])
  let last = try #require(Double(lastCell))
  let accuracy = try #require(summary["test_accuracy"] as? Double)
  #expect(accuracy > 0 && accuracy < 100, "a share of 7 images that two decimals round: \(accuracy)")
  #expect(abs(last - accuracy) < 1e-7 * accuracy, "\(last) against \(accuracy)")
  let epochs = try String(contentsOf: out.appendingPathComponent("epochs.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
  let epochCell = try #require(epochs.last?.split(separator: ",")[3])
  let epochTest = try #require(Double(epochCell))
  #expect(abs(epochTest - accuracy) < 1e-7 * accuracy, "\(epochTest) against \(accuracy)")
}
