import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// A first-hour walkthrough as a new user (session 32, 2026-12-01): each
// case showed another device than training's, ignored a value silently,
// or lost a note a batch user needs.

/// 8×8 generated images: 120 training images, 50 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-first-hour", train: 120, test: 50)
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

// Depression data ending below the first `p` point: `pulses` went down to
// the data's 8e-7 S and normalised by it, where training stops at G_min,
// the first p point (1e-6 S). Now `pulses` draws training's device.
@Test func pulsesKeepsAMeasuredDeviceWithinTrainingsRange() throws {
  let (root, _) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("low.csv")
  try "p,1e-6\np,4e-6\np,7e-6\np,1e-5\nd,1e-5\nd,5e-6\nd,2e-6\nd,8e-7\n"
    .write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--sequence", "p3,d4"])
  #expect(r.status == 0, "\(r.stderr)")
  let g = csvRows(r.stdout).dropFirst().map { Double($0[2])! }
  #expect(g == [1e-6, 4e-6, 7e-6, 1e-5, 5e-6, 2e-6, 1e-6, 1e-6], "\(r.stdout)")
  let n = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--sequence", "p3,d4", "--normalize"])
  #expect(n.status == 0, "\(n.stderr)")
  let u = csvRows(n.stdout).dropFirst().map { Double($0[2])! }
  #expect(u.first == 0 && u[3] == 1 && u.last == 0, "\(n.stdout)")
  // train's name for the file is taken too, and gives the same curve.
  let d = try runXbarsim(["pulses", "--device", "measured", "--device-csv", file.path, "--sequence", "p3,d4"])
  #expect(d.status == 0 && d.stdout == r.stdout, "\(d.stderr)")
  let both = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--device-csv", file.path])
  expectOneLineError(both, 64, "--csv and --device-csv are two names of one option")
}

// A summary's top-level `epochs` (its records) edited to 3 ran one epoch,
// exit 0: a number there is a configuration value out of place.
@Test func aSummarysEpochsEditedToANumberIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("edited.json")
  try #"{"epochs": 3, "configuration": {"epochs": 1}}"#.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", file.path] + tiny)
  expectConfigFileError(r, "\(file.path): key 'epochs' is outside the 'configuration' object")
  // A checkpoint's `layers` is a list of arrays; a list of sizes is not.
  try #"{"layers": [64, 8, 10], "configuration": {"epochs": 1}}"#.write(to: file, atomically: false, encoding: .utf8)
  let l = try runXbarsim(["train", "--data", data.path, "--config", file.path] + tiny)
  expectConfigFileError(l, "\(file.path): key 'layers' is outside the 'configuration' object")
  // The summary's own records (none yet, or some) are still its own.
  for records in ["[]", #"[{"epoch": 1}]"#] {
    try #"{"epochs": \#(records), "configuration": {"epochs": 1}}"#.write(to: file, atomically: false, encoding: .utf8)
    let ok = try runXbarsim(["train", "--data", data.path, "--config", file.path] + tiny)
    #expect(ok.status == 0, "\(records): \(ok.stderr)")
  }
}

// The note on a measured device's flat pulses was printed only by `train`
// without --quiet, and never by `sweep`: a batch job never saw it.
@Test func theFlatPulseNoteReachesQuietRunsAndSweeps() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let noisy = root.appendingPathComponent("noisy.csv")
  try "p,2e-6\np,5e-6\np,8e-6\np,7.9e-6\np,1.1e-5\np,1.05e-5\np,1.3e-5\np,1.5e-5\n"
    .write(to: noisy, atomically: false, encoding: .utf8)
  let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--train-limit", "40", "--test-limit", "20"]
  let t = try runXbarsim(["train", "--data", data.path, "--device-csv", noisy.path, "--quiet"] + net)
  #expect(t.status == 0, "\(t.stderr)")
  #expect(t.stderr.contains("note: --device-csv \(noisy.path): the potentiation branch is flat at pulses 3 and 5"), "\(t.stderr)")
  let out = root.appendingPathComponent("sweep")
  let s = try runXbarsim(
    ["sweep", "--data", data.path, "--device-csv", noisy.path, "--grid", "seed=1,2", "--out", out.path, "--quiet"] + net)
  #expect(s.status == 0, "\(s.stderr)")
  let notes = s.stderr.components(separatedBy: "note: device_csv ").count - 1
  #expect(notes == 1, "\(s.stderr)")
  #expect(s.stderr.contains("the potentiation branch is flat at pulses 3 and 5"), "\(s.stderr)")
}

// `pulses --device lim` drew G_min 1 µS by default where training's Lim
// device has 0; an offset in units of that 0 was silently none; a 258-point
// file was drawn without a word, then refused by train.
@Test func pulsesDefaultsAreTrainingsAndSayWhatTrainRefuses() throws {
  let lim = try runXbarsim(["pulses", "--nmax", "4"])
  #expect(lim.status == 0, "\(lim.stderr)")
  #expect(csvRows(lim.stdout)[1].last.flatMap(Double.init) == 0, "\(lim.stdout)")
  let choi = try runXbarsim(["pulses", "--device", "choi", "--states", "4"])
  #expect(choi.status == 0 && csvRows(choi.stdout)[1] == ["0", "start", "1e-06"], "\(choi.stdout)")
  let offset = try runXbarsim(["pulses", "--offset", "1"])
  expectOneLineError(offset, 64, "--offset 1 is in units of G_min, which is 0 for this device; give --gmin")
  let given = try runXbarsim(["pulses", "--offset", "1", "--gmin", "1e-6", "--nmax", "4"])
  #expect(given.status == 0, "\(given.stderr)")

  let (root, _) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let long = root.appendingPathComponent("long.csv")
  try (0..<258).map { "p,\(Double($0 + 1) * 1e-8)" }.joined(separator: "\n").write(to: long, atomically: false, encoding: .utf8)
  let p = try runXbarsim(["pulses", "--device", "measured", "--csv", long.path, "--pulses", "2"])
  #expect(p.status == 0, "\(p.stderr)")
  #expect(p.stderr.contains("note: \(long.path): 257 pulses from the first point to the maximum; train --device-csv takes at most 255 (256 points)"), "\(p.stderr)")
}

// `inspect --help` offered --final-iterations, which inspect refuses.
@Test func inspectsHelpOffersNoOptionItRefuses() throws {
  let r = try runXbarsim(["inspect", "--help"])
  #expect(r.status == 0)
  #expect(!r.stdout.contains("--final-iterations"), "\(r.stdout)")
  #expect(r.stdout.contains("--samples"))
}

// A second walkthrough (session 32): the refusal of a key a figure sets
// said the value "would be ignored"; `inspect --checkpoint` took
// --initial-fraction and --negative-scale silently (the checkpoint holds
// the states and scales); float and off-chip summaries said 0 J of reads,
// 0 S and 0 solver iterations where nothing was read or solved.
@Test func reproduceSaysWhyAFigureTakesNoOtherValue() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["reproduce", "lim2018", "--figure", "8", "--nmax", "32", "--seeds", "1", "--data", data.path])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: --nmax: reproduce lim2018 --figure 8 sets nmax itself"), "\(r.stderr)")
  #expect(r.stderr.contains("with xbarsim sweep") && !r.stderr.contains("ignored"), "\(r.stderr)")
}

@Test func inspectWithACheckpointRefusesTheKeysThatOnlyDrawTheDevices() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let ckpt = root.appendingPathComponent("net.json")
  let t = try runXbarsim(
    ["train", "--data", data.path, "--sigma", "0.5", "--train-limit", "40", "--test-limit", "20", "--checkpoint-out", ckpt.path] + tiny)
  #expect(t.status == 0, "\(t.stderr)")
  for extra in [["--initial-fraction", "0.1"], ["--negative-scale", "fold"]] {
    let out = root.appendingPathComponent("inspect")
    let r = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", ckpt.path, "--samples", "1", "--out", out.path] + extra)
    expectOneLineError(r, 64, "\(extra[0]): the checkpoint holds the devices' states and scales")
  }
  let ok = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", ckpt.path, "--samples", "1", "--out", root.appendingPathComponent("i2").path])
  #expect(ok.status == 0, "\(ok.stderr)")
  // The checkpoint's own values (its run's config file given again)
  // change nothing: accepted (session 42).
  let same = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", ckpt.path, "--samples", "1", "--out", root.appendingPathComponent("i3").path,
     "--initial-fraction", "0.5", "--negative-scale", "redraw"])
  #expect(same.status == 0, "\(same.stderr)")
}

@Test func summariesSayNullWhereNothingWasReadOrSolved() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  func summary(_ extra: [String]) throws -> [String: Any] {
    let s = root.appendingPathComponent("s.json")
    let r = try runXbarsim(["train", "--data", data.path, "--summary", s.path] + tiny + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: s)) as? [String: Any])
  }
  let float = try summary(["--rule", "float"])
  #expect(float["read_energy_joules"] is NSNull && float["mean_conductance"] is NSNull)
  let off = try summary(["--learning", "off-chip", "--wires", "resistive", "--r-row", "1", "--r-col", "1"])
  #expect(off["read_energy_joules"] is NSNull && off["solver_iterations_per_read"] is NSNull)
  #expect((off["mean_conductance"] as? Double ?? 0) > 0)
  let on = try summary(["--wires", "resistive", "--r-row", "1", "--r-col", "1", "--train-limit", "20"])
  #expect((on["read_energy_joules"] as? Double ?? 0) > 0 && (on["solver_iterations_per_read"] as? Double ?? 0) >= 1)
}

// `spice` wrote to --output only, where every other command says --out;
// `inspect --help` did not say which values of train's --rule and
// --learning it takes.
@Test func spiceTakesOutAsOutputAndInspectsHelpNamesItsRule() throws {
  let dir = try Scratch.directory("xbarsim-spice-out")
  defer { try? FileManager.default.removeItem(at: dir) }
  let problem = dir.appendingPathComponent("p.json")
  try #"{"rows": 1, "cols": 2, "conductance": [[1e-5, 2e-5]], "v_in": [0.2], "r_row": 0, "r_col": 0}"#
    .write(to: problem, atomically: false, encoding: .utf8)
  let a = dir.appendingPathComponent("a.cir"), b = dir.appendingPathComponent("b.cir")
  let r1 = try runXbarsim(["spice", problem.path, "--output", a.path])
  let r2 = try runXbarsim(["spice", problem.path, "--out", b.path])
  #expect(r1.status == 0 && r2.status == 0, "\(r1.stderr) \(r2.stderr)")
  #expect(try Data(contentsOf: a) == Data(contentsOf: b))
  let both = try runXbarsim(["spice", problem.path, "--output", a.path, "--out", b.path])
  expectOneLineError(both, 64, "--output and --out are two names of one option")
  let help = try runXbarsim(["inspect", "--help"])
  #expect(help.stdout.contains("--rule takes lim (below: hybrid and single) and --learning\non-chip only"), "\(help.stdout)")
}

// A fourth walkthrough (session 32, a study combining features): two runs
// that differed only in their ADC (or an off-chip run's transfer) had the
// same label and plot title; a one-epoch hybrid trained as the single pair
// without a word; a sweep kept no point's energy breakdown; a sweep plot
// over categories had ticks at 1.2, 1.4, ….
@Test func labelsNameThePeripheryAndTheTransfer() {
  var cfg = TrainingConfiguration()
  let plain = TrainCommand.describe(cfg)
  #expect(!plain.contains("ADC"))
  cfg.adcBits = 6
  cfg.comparatorOffset = 0.01
  #expect(TrainCommand.describe(cfg) == plain + ", ADC 6 bits, comparator offset 0.01")
  var off = TrainingConfiguration()
  off.mode = .offChip
  #expect(!TrainCommand.describe(off).contains("transfer"))
  off.transfer = .weights
  #expect(TrainCommand.describe(off).contains(" transfer weights"), "\(TrainCommand.describe(off))")
}

@Test func aOneEpochHybridSaysItNeverReachesTheSmallArrays() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--train-limit", "40", "--test-limit", "20", "--quiet"]
  let one = try runXbarsim(["train", "--data", data.path, "--rule", "hybrid"] + net)
  #expect(one.status == 0, "\(one.stderr)")
  #expect(one.stderr.contains("note: --rule hybrid with one epoch"), "\(one.stderr)")
  #expect(one.stderr.contains("trains as --rule single would"), "\(one.stderr)")
  // With d2d the small arrays' devices still read: not single's run (a
  // walkthrough, session 63).
  let varied = try runXbarsim(["train", "--data", data.path, "--rule", "hybrid", "--d2d", "0.5"] + net)
  #expect(varied.status == 0 && !varied.stderr.contains("trains as --rule single would"), "\(varied.stderr)")
  #expect(varied.stderr.contains("still add their offsets to every weight"), "\(varied.stderr)")
  let two = try runXbarsim(["train", "--data", data.path, "--rule", "hybrid", "--epochs", "2"] + net)
  #expect(two.status == 0 && !two.stderr.contains("note: --rule hybrid with one epoch"), "\(two.stderr)")
}

@Test func aSweepKeepsEachPointsSummaryAndTicksItsCategories() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("sweep")
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "learning=on-chip,off-chip", "--out", out.path,
     "--train-limit", "40", "--test-limit", "20"] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  for p in 0..<2 {
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("point-\(p).json"))) as? [String: Any])
    let c = try #require(json["configuration"] as? [String: Any])
    #expect(c["learning"] as? String == ["on-chip", "off-chip"][p])
    #expect((json["energy_breakdown_joules"] is [String: Any]) == (p == 0), "\(json["energy_breakdown_joules"] ?? "")")
  }
  // The x axis's tick labels: 1 and 2, nothing between.
  let svg = try String(contentsOf: out.appendingPathComponent("sweep.svg"), encoding: .utf8)
  #expect(!svg.contains(">1.2<") && !svg.contains(">1.5<"), "\(svg)")
  #expect(svg.contains(">1<") && svg.contains(">2<"))
}

// An ADC sweep plotted the ideal ADC (adc_bits 0, costed as 8 bits) at
// x = 0 without a word: the axis now says what 0 is.
@Test func aConverterSweepsAxisSaysZeroIsIdeal() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("adc")
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "adc_bits=0,4,6", "--out", out.path, "--train-limit", "40", "--test-limit", "20"] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let svg = try String(contentsOf: out.appendingPathComponent("sweep.svg"), encoding: .utf8)
  #expect(svg.contains("adc_bits (0 = ideal)"), "\(svg)")
  // Since session 33 the ideal point is a hollow marker, not the end of
  // the bits' line (which read as if accuracy peaked at "0 bits").
  let line = try #require(svg.split(separator: "\n").first { $0.hasPrefix("<polyline") })
  #expect(line.components(separatedBy: ",").count - 1 == 2, "\(line)")
  #expect(svg.contains("<title>adc_bits=0 (ideal): "), "\(svg)")
}

// A circuit designer's walkthrough (session 32): a NaN that Python's
// json.dump wrote into a one-line file gave "line 1: invalid value"; a
// guessed key ("open_rows") was ignored without a word; r = −0 printed
// "r_col=-0 ohm" in the netlist.
@Test func problemFilesNameTheBadValueAndTheIgnoredKeys() throws {
  let dir = try Scratch.directory("xbarsim-problem")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows": 1, "cols": 2, "conductance": [[1e-5, NaN]], "v_in": [0.2], "r_row": 0, "r_col": 0}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let nan = try runXbarsim(["solve", file.path])
  expectOneLineError(nan, 1, "\(file.path): malformed JSON at line 1, column 47 (in \"conductance\"): invalid value 'NaN' (JSON has no NaN or infinity)")
  try #"{"rows": 1, "cols": 2, "conductance": [[1e-5, 2e-5]], "v_in": [0.2], "r_row": 1, "r_col": -0.0, "open_rows": [0]}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let ok = try runXbarsim(["solve", file.path])
  #expect(ok.status == 0, "\(ok.stderr)")
  #expect(ok.stderr.hasPrefix("note: \(file.path): key 'open_rows' not in the problem format"), "\(ok.stderr)")
  let spice = try runXbarsim(["spice", file.path])
  #expect(spice.status == 0 && !spice.stdout.contains("-0 ohm"), "\(spice.stdout)")
  #expect(spice.stderr.hasPrefix("note: \(file.path): key 'open_rows'"), "\(spice.stderr)")
  // A file that fails says why on its first line, without the note.
  try #"{"rows": 1, "cols": 2, "conductance": [[1e-5]], "v_in": [0.2], "r_row": 0, "r_col": 0, "open_rows": [0]}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let bad = try runXbarsim(["solve", file.path])
  expectOneLineError(bad, 1, "\(file.path): 'conductance[0]' has 1 entries, expected 2")
  // A device researcher's walkthrough (session 48): µS data written as
  // siemens (tens of S a cell) solved without a word, where a device file
  // gets a note. Now both commands note it; 1 mS cells do not.
  for (g, noted) in [(2e-2, true), (1e-3, false)] {
    try #"{"rows": 1, "cols": 2, "conductance": [[1e-5, \#(g)]], "v_in": [0.2], "r_row": 1, "r_col": 1}"#
      .write(to: file, atomically: false, encoding: .utf8)
    for command in ["solve", "spice"] {
      let run = try runXbarsim([command, file.path])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stderr.contains("note: \(file.path): the largest conductance is \(g) S, far above a synapse's") == noted, "\(command) \(g): \(run.stderr)")
    }
  }
}
