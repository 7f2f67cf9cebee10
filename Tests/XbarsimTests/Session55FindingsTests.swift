import Circuit
import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// A device file of several cycles (a cycle column): `train` and `pulses`
// say that the device is the cycles' mean and how much a pulse's step
// varies from cycle to cycle, beside the key that trains with it.
@Test func aCycleFileIsAveragedAndItsVariationNamedWithTheRulesKey() throws {
  let root = try Scratch.directory("xbarsim-s55-cycles")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("cycles.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,4\n1,p,5\n2,p,1\n2,p,4\n2,p,5\n2,p,6\n2,p,6.5\n"
    .write(to: file, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  try cfg.set("device_csv", file.path)
  #expect(cfg.measuredDevice?.curve.count == 4)
  var note = try #require(TrainCommand.cyclesNote(cfg, name: "cycles.csv"))
  #expect(note.hasPrefix("note: cycles.csv: 2 cycles; the device is their point-by-point mean (cut to the shortest cycle's branches: 1 point left out, as cycle '1' has 4 potentiation points and the longest 5; a cycle cut short can be left out of the file). A pulse's step varies from cycle to cycle by δ/μ = 0.587 (potentiation, over the device's 3 pulses)"), "\(note)")
  // Method b (the default) is told it needs its margin beside it (a
  // walkthrough, session 63: σ_c2c alone cost it 13–16 points); method a
  // is not.
  #expect(note.hasSuffix("This run trains without it (sigma_c2c 0): --sigma-c2c 0.587 trains with it (with --b-margin 0.5, which method b needs beside it: README, Choices)"), "\(note)")
  var a = cfg
  a.method = .a
  #expect(TrainCommand.cyclesNote(a, name: "cycles.csv")?.hasSuffix("--sigma-c2c 0.587 trains with it") == true)
  cfg.sigmaC2C = 0.3
  #expect(TrainCommand.cyclesNote(cfg, name: "cycles.csv")?.hasSuffix("This run's sigma_c2c is 0.3") == true)
  var hybrid = TrainingConfiguration()
  hybrid.rule = .hybrid
  try hybrid.set("device_csv", file.path)
  note = try #require(TrainCommand.cyclesNote(hybrid, name: "cycles.csv"))
  #expect(note.hasSuffix("This run trains without it (c2c 0): --c2c 0.587 trains with it"), "\(note)")
  // A one-cycle file says nothing.
  let plain = root.appendingPathComponent("plain.csv")
  try "p,1e-6\np,2e-6\np,3e-6\n".write(to: plain, atomically: false, encoding: .utf8)
  var one = TrainingConfiguration()
  try one.set("device_csv", plain.path)
  #expect(TrainCommand.cyclesNote(one, name: "plain.csv") == nil)
  // `pulses` draws the mean and says the same.
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("1,p,3e-06\n2,p,4.5e-06\n3,p,5.5e-06"), "\(r.stdout)")
  #expect(r.stderr.contains("2 cycles; the curve is their point-by-point mean (cut to the shortest cycle's branches: 1 point left out, as cycle '1' has 4 potentiation points and the longest 5; a cycle cut short can be left out of the file). A pulse's step varies from cycle to cycle by δ/μ = 0.587 (potentiation, over the device's 3 pulses)"), "\(r.stderr)")
}

// A review of the direct solve (session 55).
/// `solve` on `problem`, written to `root/name`: its JSON (nil when it printed
/// none), standard error and exit status.
func solveJSON(_ root: URL, _ problem: String, _ options: [String] = [], name: String = "p.json") throws -> (
  json: [String: Any]?, stderr: String, status: Int32
) {
  let file = root.appendingPathComponent(name)
  try problem.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path] + options)
  return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stderr, r.status)
}

/// `solveJSON` that expects an answer.
private func solve(_ root: URL, _ name: String, _ problem: String, _ options: [String] = []) throws -> (json: [String: Any], stderr: String) {
  let r = try solveJSON(root, problem, options, name: name)
  #expect(r.status == 0, "\(r.stderr)")
  return (try #require(r.json), r.stderr)
}

// `auto` judged the iteration's own outputs against a fixed 1e-6 of their
// full-drive current: at --tolerance 1e-3 those outputs are off by about
// 1e-3 of it, and 1.24e-12 A was answered 7.26e-10 A without a word. The
// share now grows with the tolerance; the iterations that ran are reported.
@Test func autoAtALooseToleranceStillAnswersEachOutput() throws {
  let root = try Scratch.directory("xbarsim-s55-tolerance")
  defer { try? FileManager.default.removeItem(at: root) }
  let row = "[" + Array(repeating: "1e-4", count: 12).joined(separator: ",") + "]"
  let (json, _) = try solve(
    root, "tol.json", #"{"rows": 2, "cols": 12, "conductance": [\#(row), \#(row)], "v_in": [1, 0.5], "r_row": 3e4, "r_col": 1}"#,
    ["--tolerance", "1e-3"])
  #expect(json["solver"] as? String == "direct-banded")
  #expect((json["iterations"] as? Int ?? 0) > 0, "\(json)")
  // scripts/exact-mesh on this file.
  let exact = [2.3571269800137915e-11, 4.963260506123597e-12, 1.2410632668475894e-12]
  let out = (json["i_out"] as! [Double]).suffix(3)
  for (got, want) in zip(out, exact) { #expect(abs(got - want) <= 1e-13 * want, "\(out)") }
  #expect(SolveCommand.directShare(tolerance: 1e-12) == 1e-6)
  #expect(SolveCommand.directShare(tolerance: 1e-9) == 1e-3)
  #expect(SolveCommand.directShare(tolerance: 1e-3) == 1)
}

// An iteration that does not converge, or whose norms overflow with finite
// currents, gave way to an error where the direct solve answers.
@Test func autoSolvesDirectlyWhereTheIterationFails() throws {
  let root = try Scratch.directory("xbarsim-s55-fails")
  defer { try? FileManager.default.removeItem(at: root) }
  var (json, stderr) = try solve(
    root, "nc.json",
    #"{"rows": 2, "cols": 3, "conductance": [[1e-145, 1e-145, 1e-145], [1e-145, 1e-145, 1e-145]], "v_in": [1, 0.5], "r_row": 1e150, "r_col": 1e-150}"#)
  #expect(json["solver"] as? String == "direct-banded")
  #expect(stderr.contains("note: the iteration did not converge (residual") && stderr.contains("solved directly (--solver auto)"), "\(stderr)")
  let out = json["i_out"] as! [Double]
  for (got, want) in zip(out, [1.4999700007499792e-150, 1.4999400020999296e-155, 1.4999250028499008e-160]) {
    #expect(abs(got - want) <= 1e-13 * want, "\(out)")
  }
  (json, stderr) = try solve(
    root, "of.json",
    #"{"rows": 2, "cols": 3, "conductance": [[1e-30, 1e-30, 1e-30], [1e-30, 1e-30, 1e-30]], "v_in": [1e165, 5e164], "r_row": 1e10, "r_col": 1e10}"#)
  // (Since session 88 the iteration solves drives beyond 1e100 V scaled
  // to about 1 V: its norms no longer overflow, and it answers itself.)
  #expect(json["solver"] as? String == "pcg-line-jacobi")
  #expect(!stderr.contains("solved directly"), "\(stderr)")
  #expect((json["i_out"] as! [Double]).allSatisfy { abs($0 - 1.5e135) <= 1e-12 * 1.5e135 }, "\(json)")
  // The residual is scaled before it is squared: not 0 from an overflow.
  let residual = try #require(json["residual"] as? Double)
  #expect(residual.isFinite && residual < 1e-12)
}

// A column fed through the lines alone at 7e-3 of its full-drive current
// (accurate to 3e-15 by the iteration) was called untrustworthy, and
// `auto` was told to use `auto`: only such columns below the share are
// named.
@Test func aLineFedColumnWellAboveTheShareIsNotNoted() throws {
  let root = try Scratch.directory("xbarsim-s55-linefed")
  defer { try? FileManager.default.removeItem(at: root) }
  let problem = #"{"rows": 2, "cols": 2, "conductance": [[1e-4, 0], [1e-4, 1e-4]], "v_in": [1, 0], "r_row": 1e5, "r_col": 1e5}"#
  for solver in ["auto", "iterative"] {
    let (json, stderr) = try solve(root, "lf.json", problem, ["--solver", solver])
    #expect(json["solver"] as? String != "direct-banded" && stderr.isEmpty, "\(solver): \(stderr)")
    let out = json["i_out"] as! [Double]
    // scripts/exact-mesh on this file.
    #expect(abs(out[1] - 7.152564194263644e-07) <= 1e-12 * 7.152564194263644e-07, "\(out)")
  }
}

// The summary's `device` object gives the cycles and their step variation.
@Test func theSummaryGivesACycleFilesVariation() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s55-summary", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("cycles.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,4\n1,p,5\n2,p,1\n2,p,4\n2,p,5\n2,p,6\n"
    .write(to: file, atomically: false, encoding: .utf8)
  let summary = root.appendingPathComponent("s.json")
  let r = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--device-csv", file.path, "--summary", summary.path, "--quiet",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("2 cycles; the device is their point-by-point mean"), "\(r.stderr)")
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as! [String: Any]
  let device = try #require(json["device"] as? [String: Any])
  #expect(device["cycles"] as? Int == 2)
  #expect(abs((device["step_variability"] as? Double ?? 0) - (2.5 / 7.25).squareRoot()) < 1e-12, "\(device)")
  #expect(device["depression_step_variability"] == nil)
  #expect(device["step_variability_robust"] is NSNull, "\(device)")
  #expect(device["cycles_left_out"] as? Int == 0 && device["outlying_reads"] as? Int == 0, "\(device)")
}

// `pulses --svg` draws a cycle file's cycles, grey, behind the device made
// of their mean (with the default sequence, which lines them up).
@Test func thePulseChartDrawsTheMeasuredCyclesBehindTheDevice() throws {
  let root = try Scratch.directory("xbarsim-s55-chart")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("cycles.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,4\n1,d,4\n1,d,2\n2,p,1\n2,p,3\n2,p,5\n2,d,5\n2,d,1\n3,p,1\n3,p,2.5\n3,p,4.5\n3,d,4.5\n3,d,1.5\n"
    .write(to: file, atomically: false, encoding: .utf8)
  let svg = root.appendingPathComponent("c.svg")
  var r = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--svg", svg.path])
  #expect(r.status == 0, "\(r.stderr)")
  var chart = try String(contentsOf: svg, encoding: .utf8)
  let grey = chart.components(separatedBy: "stroke=\"\(SVGLinePlot.backgroundColor)\" stroke-width=\"0.8\"").count - 1
  #expect(grey == 6, "\(chart)")
  #expect(chart.contains(">measured cycles (3)</text>"))
  // Cycle 2's depression from the first depression pulse (x = 2) on: its
  // points are the mean curve's ticks apart, drawn after its p rows.
  #expect(r.stdout.hasPrefix("pulse,polarity,conductance\n0,start,1e-06\n1,p,2.4999999999999998e-06\n2,p,4.5e-06\n3,d,"), "\(r.stdout)")
  // Another sequence does not line them up: none drawn.
  r = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--svg", svg.path, "--sequence", "d1,p2"])
  #expect(r.status == 0, "\(r.stderr)")
  chart = try String(contentsOf: svg, encoding: .utf8)
  #expect(!chart.contains("measured cycles") && !chart.contains(SVGLinePlot.backgroundColor))
}

// A walkthrough (session 55): the depression's δ/μ counted pulses below
// G_min, which a device never takes; cycles pasted one after another in a
// p-only file trained as one long device without a word about cycles; and
// --sigma-c2c given to rule hybrid did not name c2c.
@Test func depressionVariationStopsAtGMinAndPastedCyclesAreNoted() throws {
  let root = try Scratch.directory("xbarsim-s55-depression")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("bi.csv")
  // G_min is 1 µS: the mean depression reaches it at its third point.
  let text = "cycle,branch,conductance (uS)\n1,p,1\n1,p,3\n1,p,5\n1,d,5\n1,d,3\n1,d,1\n1,d,0.5\n2,p,1\n2,p,3\n2,p,5\n2,d,5\n2,d,2\n2,d,1\n2,d,0.2\n"
  try text.write(to: file, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  cfg.method = .c
  try cfg.set("device_csv", file.path)
  let c = try #require(cfg.measuredDevice?.cycles)
  let cycles = try #require(try MeasuredDevice.read(csv: text, source: "bi.csv").cycles)
  #expect(c.depressionVariability == MeasuredCycles.stepVariability(cycles.depression, steps: 2))
  #expect(c.depressionVariability != MeasuredCycles.stepVariability(cycles.depression, steps: 3))
  // Pasted cycles.
  let pasted = root.appendingPathComponent("pasted.csv")
  try "branch,conductance (uS)\np,1.0\np,2.0\np,2.9\np,1.1\np,2.0\np,3.0\n".write(to: pasted, atomically: false, encoding: .utf8)
  var one = TrainingConfiguration()
  try one.set("device_csv", pasted.path)
  let notes = TrainCommand.deviceNotes(one, name: "pasted.csv")
  #expect(notes.contains { $0.hasPrefix("note: pasted.csv: the potentiation branch drops back near its first point at pulse 3 (from 2.9e-06 S to 1.1e-06 S): several cycles one after another?") }, "\(notes)")
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", pasted.path])
  #expect(r.stderr.contains("drops back near its first point at pulse 3"), "\(r.stderr)")
  let hybrid = try runXbarsim(["train", "--rule", "hybrid", "--sigma-c2c", "0.2"])
  #expect(hybrid.status == 64 && hybrid.stderr.contains("(rules hybrid and single's cycle-to-cycle variation is c2c)"), "\(hybrid.stderr)")
}

// A walkthrough (session 55): a summary's run on a device file, given as
// --config after the file gained a cycle, was refused about gmin_ratio,
// which the user never gave; the file sets its range again, with the note
// that it changed.
@Test func aSummaryOnAChangedDeviceFileRunsTheFilesNewRange() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s55-changed", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("grow.csv")
  try "cycle,branch,conductance (uS)\n1,p,1.0\n1,p,2.0\n1,p,3.0\n2,p,1.2\n2,p,2.1\n2,p,3.0\n".write(to: file, atomically: false, encoding: .utf8)
  let first = root.appendingPathComponent("a.json"), second = root.appendingPathComponent("b.json")
  var r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--device-csv", file.path, "--summary", first.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  try "cycle,branch,conductance (uS)\n1,p,1.0\n1,p,2.0\n1,p,3.0\n2,p,1.2\n2,p,2.1\n2,p,3.0\n3,p,0.9\n3,p,2.0\n3,p,3.0\n".write(to: file, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--summary", second.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("has changed since"), "\(r.stderr)")
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: second)) as! [String: Any]
  let cfg = json["configuration"] as! [String: Any]
  #expect(abs((cfg["gmin_ratio"] as? Double ?? 0) - 3.1 / 9) < 1e-12, "\(cfg)")
  // A key the user gives against the file is still an error.
  r = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--gmin-ratio", "0.5", "--quiet"])
  #expect(r.status != 0 && r.stderr.contains("gmin_ratio"), "\(r.stderr)")
  // Rule hybrid: the file sets its states too (a review): a cycle that moves
  // the mean's first maximum from pulse 3 to pulse 2.
  let hybrid = root.appendingPathComponent("h.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,3\n1,p,4\n2,p,1.2\n2,p,2.1\n2,p,3\n2,p,4\n".write(to: hybrid, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--rule", "hybrid", "--epochs", "1", "--device-csv", hybrid.path, "--summary", first.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,3\n1,p,4\n2,p,1.2\n2,p,2.1\n2,p,3\n2,p,4\n3,p,1\n3,p,2\n3,p,9\n3,p,4\n".write(to: hybrid, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train", "--data", data.path, "--config", first.path, "--summary", second.path, "--quiet"])
  #expect(r.status == 0 && r.stderr.contains("has changed since"), "\(r.stderr)")
  let states = (try JSONSerialization.jsonObject(with: Data(contentsOf: second)) as! [String: Any])["configuration"] as! [String: Any]
  #expect(states["states"] as? Int == 2, "\(states)")
}

// A second walkthrough (session 55): the note named the farthest read of
// a cycle far from the others nowhere, and offered the classic δ/μ (2.56)
// beside its own word that a median-based one (0.302) was not moved by
// glitches; a pasted file of over 255 points was not told it might be
// cycles.
@Test func aBadReadIsNamedAndTheRobustEstimateOffered() throws {
  let root = try Scratch.directory("xbarsim-s55-badread")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("spike.csv")
  var rows = ["cycle,branch,conductance (uS)"]
  for c in 1...12 {
    for n in 0..<31 {
      rows.append("\(c),p,\(1 + 10 * (1 - exp(-Double(n) / 10)) * (1 + 0.02 * Double(c)) + (c == 4 && n == 8 ? 30 : 0))")
    }
  }
  try rows.joined(separator: "\n").write(to: file, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  cfg.rule = .single
  try cfg.set("device_csv", file.path)
  let notes = TrainCommand.deviceNotes(cfg, name: "spike.csv")
  // First among the notes: the flat stretch it causes comes after it.
  #expect(notes.first?.hasPrefix("note: spike.csv: 1 read lies far from the other cycles' at its pulse") == true, "\(notes)")
  #expect(notes.first?.contains("the farthest at potentiation point 8 of cycle '4'") == true, "\(notes)")
  #expect(notes.contains { $0.contains("is flat at") }, "\(notes)")
  let c = try #require(cfg.measuredDevice?.cycles)
  let robust = try #require(c.robustPotentiationVariability)
  let note = try #require(TrainCommand.cyclesNote(cfg, name: "spike.csv"))
  #expect(note.hasSuffix("--c2c \(String(format: "%.3g", robust)) (the median-based estimate) trains with it"), "\(note)")
  // Pasted cycles beyond 255 points.
  let long = root.appendingPathComponent("long.csv")
  try ("branch,conductance (uS)\n" + (0..<6).map { c in (0..<50).map { "p,\(1 + Double($0) * 0.2 + Double(c) * 0.01)" }.joined(separator: "\n") }.joined(separator: "\n"))
    .write(to: long, atomically: false, encoding: .utf8)
  var pasted = TrainingConfiguration()
  #expect(throws: ConfigurationError.self) { try pasted.set("device_csv", long.path) }
  do { try pasted.set("device_csv", long.path) } catch {
    #expect("\(error)".contains("But the branch drops back near its first point: several cycles one after another?"), "\(error)")
  }
}

// A review (session 55): `auto` fell back to the direct solve for any
// solver error (a floating line too) and called an overflow of the
// currents one of the norms; the chart drew every cycle (373,737 made
// 35 MB).
@Test func autoGivesWayOnlyToNumericalFailuresAndTheChartDrawsAtMost200Cycles() throws {
  #expect(SolveCommand.givesWay(.didNotConverge(iterations: 3, residual: 1, tolerance: 1e-12)))
  #expect(SolveCommand.givesWay(.overflow))
  #expect(!SolveCommand.givesWay(.floatingLine("row 0")))
  #expect(!SolveCommand.givesWay(.stopped))
  let root = try Scratch.directory("xbarsim-s55-many")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("many.csv"), svg = root.appendingPathComponent("m.svg")
  try ("cycle,branch,conductance (uS)\n" + (1...250).map { "\($0),p,1\n\($0),p,\(2 + Double($0 % 7) * 0.01)" }.joined(separator: "\n"))
    .write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--svg", svg.path])
  #expect(r.status == 0, "\(r.stderr)")
  let chart = try String(contentsOf: svg, encoding: .utf8)
  #expect(chart.components(separatedBy: "stroke=\"\(SVGLinePlot.backgroundColor)\" stroke-width=\"0.8\"").count - 1 == 200)
  #expect(chart.contains(">measured cycles (200 of 250)</text>"))
}

// Walkthroughs (session 55): a run from a checkpoint of a cycle file's run
// had lost the cycles from its notes and summary; they are read again
// where the file still gives the checkpoint's device.
@Test func aRunFromACheckpointKeepsItsDeviceFilesCycles() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s55-checkpoint", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("cycles.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,4\n1,p,5\n2,p,1\n2,p,4\n2,p,5\n2,p,6\n".write(to: file, atomically: false, encoding: .utf8)
  let checkpoint = root.appendingPathComponent("ck.json"), summary = root.appendingPathComponent("s.json")
  var r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--device-csv", file.path, "--checkpoint-out", checkpoint.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", checkpoint.path, "--summary", summary.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("2 cycles; the device is their point-by-point mean"), "\(r.stderr)")
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as! [String: Any]
  #expect((json["device"] as? [String: Any])?["cycles"] as? Int == 2, "\(json["device"] ?? "")")
}

// `pulses --cycle-stats FILE`: a cycle file's statistics per branch and
// pulse (a walkthrough, session 55, asked for δ/μ per pulse: PCM's
// variation depends on the state).
@Test func pulsesWritesACycleFilesStatisticsPerPulse() throws {
  let root = try Scratch.directory("xbarsim-s55-stats")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("t.csv"), stats = root.appendingPathComponent("s.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,4\n1,d,4\n1,d,2\n2,p,1\n2,p,3\n2,p,5\n2,d,5\n2,d,1\n3,p,1\n3,p,2.5\n3,p,4.5\n3,d,4.5\n3,d,1.5\n"
    .write(to: file, atomically: false, encoding: .utf8)
  var r = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--cycle-stats", stats.path])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = try String(contentsOf: stats, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  #expect(rows[0] == ["branch", "pulse", "cycles", "mean_S", "sd_S", "step_mean_S", "step_sd_S", "step_variability"])
  #expect(rows.count == 6 && rows[1][0] == "p" && rows[4][0] == "d")
  // p, pulse 0: steps 1, 2, 1.5 µS: mean 1.5, sd 0.5, δ/μ 1/3.
  let first = rows[1].dropFirst(3).map { Double($0)! }
  for (got, want) in zip(first, [1e-6, 0, 1.5e-6, 0.5e-6, 1.0 / 3]) { #expect(abs(got - want) <= 1e-12 * max(1, abs(want)) + 1e-20, "\(rows[1])") }
  // A branch's last pulse has no step.
  #expect(rows[3].suffix(3) == ["", "", ""])
  // d, pulse 0: 4, 5, 4.5 → mean 4.5, sd 0.5; steps −2, −4, −3 → |δ/μ| 1/3.
  #expect(abs(Double(rows[4][7])! - 1.0 / 3) < 1e-12)
  r = try runXbarsim(["pulses", "--device", "lim", "--cycle-stats", stats.path])
  #expect(r.status == 64 && r.stderr.contains("--cycle-stats does not apply to --device lim"), "\(r.stderr)")
}

// A third walkthrough (session 55): method c's note offered the
// potentiation's δ/μ to sigma_c2c, which varies the depression's steps
// too, without saying so; the median-based estimate was shown only where
// it differed by a quarter.
@Test func methodCsNoteSaysTheKeyVariesBothBranchesAndTheMedianIsShown() throws {
  let root = try Scratch.directory("xbarsim-s55-methodc")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("bi.csv")
  var rows = ["cycle,branch,conductance (uS)"]
  var rng = SeededGenerator(seed: 3)
  for c in 1...12 {
    var g = 1.0
    for _ in 0..<20 { rows.append("\(c),p,\(g)"); g += 0.5 * (0.8 + 0.4 * rng.nextUniform()) }
    rows.append("\(c),p,\(g)")
    for _ in 0..<20 { rows.append("\(c),d,\(g)"); g -= 0.45 * (0.8 + 0.4 * rng.nextUniform()) }
    rows.append("\(c),d,\(max(g, 0.5))")
  }
  try rows.joined(separator: "\n").write(to: file, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  cfg.method = .c
  try cfg.set("device_csv", file.path)
  let note = try #require(TrainCommand.cyclesNote(cfg, name: "bi.csv"))
  let robust = try #require(cfg.measuredDevice?.cycles?.robustPotentiationVariability)
  #expect(note.contains("; median-based \(String(format: "%.3g", robust)); depression "), "\(note)")
  #expect(note.hasSuffix(", the potentiation's value, for both branches' steps trains with it"), "\(note)")
}

// A third walkthrough (session 55): a depression branch that ends above
// G_min stops method c's devices there, said only in the docs.
@Test func aDepressionBranchEndingAboveGMinIsNotedForMethodC() throws {
  let root = try Scratch.directory("xbarsim-s55-dfloor")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("d.csv")
  try "branch,conductance (uS)\np,1\np,2\np,3\nd,3\nd,2\nd,1.5\n".write(to: file, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  cfg.method = .c
  try cfg.set("device_csv", file.path)
  let notes = TrainCommand.deviceNotes(cfg, name: "d.csv")
  #expect(notes.contains("note: d.csv: the depression branch ends at 1.5e-06 S, above G_min (1e-06 S, the first p point): method c depresses a device no lower, as a pulse past the data's end would be a guess"), "\(notes)")
  cfg.method = .b
  #expect(!TrainCommand.deviceNotes(cfg, name: "d.csv").contains { $0.contains("depression branch ends at") })
}
