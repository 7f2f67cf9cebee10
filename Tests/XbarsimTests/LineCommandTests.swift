import Circuit
import Foundation
import Testing
import _TestSupport

// `xbarsim line`: one RC line's pulse transient, its options and errors,
// the problem file's lines, and its netlist against ngspice.

private func json(_ text: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Test func aUniformLineGivesTheLibrarysTransient() throws {
  let r = try runXbarsim([
    "line", "--cells", "40", "--segment-resistance", "3", "--capacitance", "2e-15", "--shunt", "1e-6",
    "--driver-resistance", "50", "--voltage", "-2", "--width", "5e-11", "--threshold", "-1.5", "--node-values",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let o = try json(r.stdout)
  let line = RCLine(cells: 40, segmentResistance: 3, capacitance: 2e-15, shunt: 1e-6, driverResistance: 50)
  let t = line.pulse(volts: -2, width: 5e-11, threshold: -1.5)
  // (Foundation's JSON reader may round a double's last bit.)
  func close(_ a: Any?, _ b: Double) -> Bool { (a as? Double).map { isApproximatelyEqual($0, b, relativeTolerance: 1e-14) } ?? false }
  func close(_ a: Any?, _ b: [Double]?) -> Bool {
    guard let a = a as? [Double], let b, a.count == b.count else { return false }
    return zip(a, b).allSatisfy { isApproximatelyEqual($0, $1, relativeTolerance: 1e-14) }
  }
  #expect(close(o["far_peak_volts"], t.peak[39]))
  #expect(close(o["peak_volts"], t.peak))
  #expect(close(o["time_above_seconds"], t.timeAbove))
  #expect(close(o["energy_source_joules"], t.sourceEnergy))
  #expect(close(o["far_elmore_delay_seconds"], line.elmoreDelays()[39]))
  #expect(close(o["far_steady_state_volts"], line.steadyState(volts: -2)[39]))
  #expect(o["cells_reaching_threshold"] as? Int == t.peak.filter { $0 <= -1.5 }.count)
  #expect(o["weakest_cell"] as? Int == 39)
  // A pulse shorter than the line's settling: the far cell peaks below V.
  let far = try #require(o["far_peak_volts"] as? Double)
  #expect(far > -2 && far < 0)
  #expect(isApproximatelyEqual(try #require(o["cv2_joules"] as? Double), 40 * 2e-15 * 4, relativeTolerance: 1e-12))
}

@Test func aLongPulseChargesTheLineAndCostsCVSquared() throws {
  // No shunt, a pulse 100 slowest time constants long: the far cell
  // reaches V, and the driver gives C·V² (half lost charging, half
  // discharging).
  let r = try runXbarsim(["line", "--cells", "100", "--segment-resistance", "1", "--capacitance", "1e-15", "--width", "1e-9"])
  #expect(r.status == 0, "\(r.stderr)")
  let o = try json(r.stdout)
  let source = try #require(o["energy_source_joules"] as? Double), cv2 = try #require(o["cv2_joules"] as? Double)
  #expect(isApproximatelyEqual(source, cv2, relativeTolerance: 1e-3), "\(source) against \(cv2)")
  #expect(isApproximatelyEqual(try #require(o["far_peak_volts"] as? Double), 1, relativeTolerance: 1e-6))
  #expect(try #require(o["energy_stored_end_joules"] as? Double) < 1e-9 * cv2)
}

@Test func aProblemFilesWordLineLeaksIntoItsCells() throws {
  // Word line 1 of a problem file, its cells into ideal bit lines: the
  // line's steady state is what `solve` gives on that row's nodes.
  let dir = try Scratch.directory("line")
  defer { try? FileManager.default.removeItem(at: dir) }
  let problem = dir.appendingPathComponent("p.json")
  try """
    {"rows": 3, "cols": 5, "r_row": 20, "r_col": 0, "v_in": [0.3, 0.5, 0],
     "conductance": [[1e-4, 2e-4, 3e-4, 4e-4, 5e-4], [5e-3, 4e-3, 3e-3, 2e-3, 1e-3], [1e-5, 1e-5, 1e-5, 1e-5, 1e-5]]}
    """.write(to: problem, atomically: false, encoding: .utf8)
  let line = try runXbarsim(["line", "--problem", problem.path, "--row", "1", "--capacitance", "1e-15", "--node-values"])
  #expect(line.status == 0 && line.stderr.isEmpty, "\(line.stderr)")
  let o = try json(line.stdout)
  #expect(o["voltage"] as? Double == 0.5)
  let steady = try #require(o["steady_state_volts"] as? [Double])
  let solved = try runXbarsim(["solve", problem.path, "--node-voltages"])
  #expect(solved.status == 0, "\(solved.stderr)")
  let words = try #require(try json(solved.stdout)["v_word"] as? [[Double]])
  for j in 0..<5 { #expect(abs(steady[j] - words[1][j]) <= 1e-12, "cell \(j): \(steady[j]) against solve's \(words[1][j])") }
  // The file's r_col is 0: its bit lines are ideal, and a column is
  // refused, naming the key.
  let ideal = try runXbarsim(["line", "--problem", problem.path, "--col", "2", "--capacitance", "1e-15"])
  #expect(ideal.status == 1 && ideal.stderr.contains("r_col"), "\(ideal.stderr)")
  // With r_col 7: bit line 2 driven at its bottom end, its last row the
  // line's cell 0, its cells' conductances the shunts.
  let resistive = dir.appendingPathComponent("q.json")
  try String(contentsOf: problem, encoding: .utf8).replacingOccurrences(of: "\"r_col\": 0", with: "\"r_col\": 7")
    .write(to: resistive, atomically: false, encoding: .utf8)
  let column = try runXbarsim(["line", "--problem", resistive.path, "--col", "2", "--capacitance", "1e-15", "--node-values"])
  #expect(column.status == 0 && column.stderr.contains("the crossing word lines are taken as ideal virtual grounds here (the file's r_row 20 Ω left out)"), "\(column.stderr)")
  let c = try json(column.stdout)
  #expect(c["cells"] as? Int == 3 && c["voltage"] as? Double == 1)
  let want = RCLine(resistances: [7, 7, 7], capacitances: [1e-15, 1e-15, 1e-15], shunts: [1e-5, 3e-3, 3e-4], driverResistance: 0)
  let got = try #require(c["steady_state_volts"] as? [Double])
  for (a, b) in zip(got, want.steadyState(volts: 1)) { #expect(isApproximatelyEqual(a, b, relativeTolerance: 1e-13), "\(got)") }
}

@Test(arguments: [
  (["line", "--segment-resistance", "1", "--capacitance", "1e-15"], "--cells"),
  (["line", "--cells", "4", "--capacitance", "1e-15"], "--segment-resistance"),
  (["line", "--cells", "4", "--segment-resistance", "1"], "--capacitance"),
  (["line", "--cells", "0", "--segment-resistance", "1", "--capacitance", "1e-15"], "--cells"),
  (["line", "--cells", "4", "--segment-resistance", "0", "--capacitance", "1e-15"], "--segment-resistance"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "-1e-15"], "--capacitance"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--shunt", "-1"], "--shunt"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--voltage", "0"], "--voltage"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--width", "0"], "--width"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--width", "1e-9", "--until", "1e-10"], "--until"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--width", "1e-9", "--until", "1e-9"], "--until"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--threshold", "-0.5"], "--threshold"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--probes", "4"], "--probes"),
  (["line", "--cells", "4", "--segment-resistance", "1", "--capacitance", "1e-15", "--row", "1"], "--row"),
  (["line", "--problem", "p.json", "--capacitance", "1e-15"], "--row"),
])
func badInputIsAOneLineUsageError(arguments: [String], names: String) throws {
  let r = try runXbarsim(arguments)
  #expect(r.status == 64, "\(arguments): \(r.stdout) \(r.stderr)")
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: ") && first.contains(names), "\(arguments): \(first)")
}


@Test(
  "line --spice's netlist agrees with line --csv within 1e-3 of V",
  .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped (apt-get install -y ngspice)"),
  arguments: [
    ["--shunt", "1e-5", "--driver-resistance", "100", "--width", "1e-10"],
    // No driver resistance: the first cell follows the source within
    // femtoseconds (a sample at the pulse's very end had read the edge).
    ["--width", "1e-9"],
  ])
func theNetlistAgreesWithNgspice(options: [String]) throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("line")
  defer { try? FileManager.default.removeItem(at: dir) }
  let (cir, csv) = (dir.appendingPathComponent("l.cir"), dir.appendingPathComponent("l.csv"))
  let width = Double(options[options.firstIndex(of: "--width")! + 1])!
  let r = try runXbarsim(
    ["line", "--cells", "64", "--segment-resistance", "5", "--capacitance", "1e-15"] + options
      + ["--probes", "0,31,63", "--spice", cir.path, "--csv", csv.path])
  #expect(r.status == 0, "\(r.stderr)")
  let until = try #require(try json(r.stdout)["until_seconds"] as? Double)
  let spice = try runProcess(ngspice, ["-b", cir.path])
  var measured: [String: Double] = [:]
  for line in spice.stdout.split(separator: "\n") {
    let parts = line.split(separator: "=").map { $0.trimmingCharacters(in: .whitespaces) }
    if parts.count == 2, parts[0].hasPrefix("v"), parts[0].contains("_t"), let v = Double(parts[1]) { measured[parts[0]] = v }
  }
  let rows = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").dropFirst().map {
    $0.split(separator: ",").map { Double($0)! }
  }
  let times = rows.map { $0[0] }
  let sampleTimes = [0.1, 0.25, 0.5, 0.99].map { $0 * width } + [0.02, 0.1, 0.3, 1].map { width + $0 * (until - width) * 0.999 }
  var worst = 0.0
  for (p, node) in [0, 31, 63].enumerated() {
    let v = rows.map { $0[p + 1] }
    for (q, t) in sampleTimes.enumerated() {
      let reference = try #require(measured["v\(node)_t\(q)"], "ngspice printed no v\(node)_t\(q): \(spice.stdout.suffix(400))")
      let ours = RCLineSpiceTests.voltage(times: times, values: v, at: t, width: width)
      worst = max(worst, abs(ours - reference))
      #expect(abs(ours - reference) <= 1e-3, "cell \(node) at \(t) s: \(ours) V, ngspice \(reference) V")
    }
  }
  #expect(worst > 0)
}

@Test func trainNotesLinesThatDoNotSettleWithinARead() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-line-settle", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  let common = ["train", "--data", data.path, "--layers", "64,40,10", "--evals-per-epoch", "1", "--quiet", "--wires", "resistive"]
  // Layer 1's far corner: its word line (40 cells) and bit line (65
  // cells) in series (a walkthrough, session 57: the note had looked at
  // each line alone, and at the driven ones only). 1 kΩ and 10 fF a cell:
  // τ₁ of the bit line ≈ 4·r·c·n²/π² ≈ 1.7e-7 s, far beyond 1e-8 s.
  let slow = try runXbarsim(
    common + ["--r-row", "1000", "--r-col", "1000", "--gmax", "1e-6", "--line-capacitance", "1e-14", "--summary", summary.path])
  #expect(slow.status == 0, "\(slow.stderr)")
  let notes = slow.stderr.split(separator: "\n").filter { $0.contains("line_capacitance") }.map(String.init)
  let note = try #require(notes.first { $0.contains("reads") }, "\(slow.stderr)")
  #expect(note.contains("the far corner of layer 1's array (its word line of 40 cells, r_row, and bit line of 65 cells, r_col, in series)"), "\(note)")
  let word = RCLine(cells: 40, segmentResistance: 1000, capacitance: 1e-14), bit = RCLine(cells: 65, segmentResistance: 1000, capacitance: 1e-14)
  let share = RCLine.cornerStepResponse(word: word, bit: bit, until: 1e-8).values.last!
  #expect(note.contains(String(format: "reads %.3g %% of its settled value", 100 * share)), "\(note), \(share)")
  let settling = try #require(try json(String(contentsOf: summary, encoding: .utf8))["line_settling"] as? [String: Any])
  #expect(settling["layer"] as? Int == 1 && settling["word_cells"] as? Int == 40 && settling["bit_cells"] as? Int == 65)
  #expect(isApproximatelyEqual(try #require(settling["share_at_read_time"] as? Double), share, relativeTolerance: 1e-12))
  // The time to 99.9 %: the corner's response over 12 τ, scanned.
  let tau = word.slowestTimeConstant() + bit.slowestTimeConstant()
  let long = RCLine.cornerStepResponse(word: word, bit: bit, until: 12 * tau)
  let at999 = try #require(zip(long.times, long.values).first { $0.1 >= 0.999 }?.0)
  #expect(isApproximatelyEqual(try #require(settling["seconds_to_999"] as? Double), at999, relativeTolerance: 1e-12))
  // The programming pulse (100 ns): the far corner at (w + b)/2 of V_p.
  let program = (word.farStepResponse(at: [1e-7])[0] + bit.farStepResponse(at: [1e-7])[0]) / 2
  #expect(isApproximatelyEqual(try #require(settling["program_share"] as? Double), program, relativeTolerance: 1e-12))
  #expect(notes.contains { $0.contains(String(format: "to %.3g %% of its voltage by its end", 100 * program)) }, "\(notes)")
  // A reset shorter than the programming pulse is the one checked.
  let resetShare = (word.farStepResponse(at: [5e-8])[0] + bit.farStepResponse(at: [5e-8])[0]) / 2
  let shortReset = try runXbarsim(
    common + ["--r-row", "1000", "--r-col", "1000", "--gmax", "1e-6", "--line-capacitance", "1e-14", "--reset-time", "5e-8"])
  #expect(shortReset.stderr.contains(String(format: "a reset of reset_time 5e-08 s brings the far corner cell of layer 1's array (word line 40 cells, bit line 65 cells) to %.3g %%", 100 * resetShare)), "\(shortReset.stderr)")
  // A read between 99 % and 99.9 % settled is noted too.
  let almost = try #require(zip(long.times, long.values).first { $0.1 >= 0.995 }?.0)
  let closeShare = RCLine.cornerStepResponse(word: word, bit: bit, until: almost).values.last!
  #expect(closeShare > 0.99 && closeShare < 0.999)
  let near = try runXbarsim(
    common + ["--r-row", "1000", "--r-col", "1000", "--gmax", "1e-6", "--line-capacitance", "1e-14", "--read-time", "\(almost)",
      "--slot-time", "\(max(2e-6, almost))"])
  #expect(near.status == 0 && near.stderr.contains(String(format: "reads %.3g %% of its settled value", 100 * closeShare)), "\(near.stderr)")
  // Settled lines: no note, and the summary names the slowest corner (a
  // claims audit, session 57: the first line checked had been named).
  let settledSummary = root.appendingPathComponent("settled.json")
  let settled = try runXbarsim(common + ["--r-row", "1", "--r-col", "1", "--line-capacitance", "1e-16", "--summary", settledSummary.path])
  // (Session 66's note on a run at chance names line_capacitance among
  // the settings away from their defaults: not a settling note.)
  let settledLines = settled.stderr.split(separator: "\n").filter { !$0.contains("the test accuracy stayed at chance") }
  #expect(settled.status == 0 && !settledLines.contains { $0.contains("line_capacitance") }, "\(settled.stderr)")
  let s2 = try #require(try json(String(contentsOf: settledSummary, encoding: .utf8))["line_settling"] as? [String: Any])
  #expect(s2["layer"] as? Int == 1 && s2["bit_cells"] as? Int == 65 && s2["share_at_read_time"] as? Double == 1, "\(s2)")
  // Resistive with both r at 0 (ideal lines): no check (it had trapped).
  let zero = try runXbarsim(common + ["--r-row", "0", "--r-col", "0", "--line-capacitance", "1e-14"])
  #expect(zero.status == 0 && !zero.stderr.contains("far corner"), "\(zero.stderr)")
  // No capacitance: no note, no key.
  let none = try runXbarsim(common + ["--r-row", "1000", "--r-col", "1000", "--gmax", "1e-6"])
  #expect(none.status == 0 && !none.stderr.contains("line_capacitance"), "\(none.stderr)")
}

@Test func theCornersResponseIsTheLinesConvolution() {
  // One ideal line: the other's far response. Two single cells of time
  // constants a and b in series: 1 − (a·e^{−t/a} − b·e^{−t/b})/(a − b).
  let a = 2e-9, b = 5e-9
  let first = RCLine(cells: 1, segmentResistance: 1000, capacitance: a / 1000)
  let second = RCLine(cells: 1, segmentResistance: 1000, capacitance: b / 1000)
  let alone = RCLine.cornerStepResponse(word: first, bit: nil, until: 1e-8, count: 10)
  for (t, v) in zip(alone.times, alone.values) { #expect(abs(v - (1 - exp(-t / a))) <= 1e-4, "\(t): \(v)") }
  // Against the exact modal expansion of real lines (a review, session
  // 57): 784 and 785 cells of 10 Ω and 1 fF, at 10 ns (1.1e-5 off: the
  // lines' integration error).
  let word = RCLine(cells: 784, segmentResistance: 10, capacitance: 1e-15), bit = RCLine(cells: 785, segmentResistance: 10, capacitance: 1e-15)
  #expect(abs(RCLine.cornerStepResponse(word: word, bit: bit, until: 1e-8).values.last! - 0.866806) <= 3e-5)
  let both = RCLine.cornerStepResponse(word: first, bit: second, until: 3e-8, count: 3000)
  for (t, v) in zip(both.times, both.values) where t > 0 {
    let want = 1 - (a * exp(-t / a) - b * exp(-t / b)) / (a - b)
    #expect(abs(v - want) <= 2e-4, "\(t): \(v) against \(want)")
  }
}

@Test(arguments: ["lim", "hybrid"])
func inspectGivesTheLinesEnergy(rule: String) throws {
  // inspect.json: rule lim's reads' and updates' line_energy (the update's
  // from the schedule's slots), rule hybrid's per sample (the ledger's).
  let (root, data) = try syntheticDataDirectory("xbarsim-line-inspect", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("ins")
  let c = 3e-16
  let r = try runXbarsim([
    "inspect", "--data", data.path, "--layers", "64,8,10", "--rule", rule, "--train-limit", "20", "--samples", "2",
    "--line-capacitance", "\(c)", "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let o = try json(try String(contentsOf: out.appendingPathComponent("inspect.json"), encoding: .utf8))
  let samples = try #require(o["samples"] as? [[String: Any]])
  #expect(samples.count == 2)
  for s in samples {
    if rule == "lim" {
      let reads = try #require(s["reads"] as? [[String: Any]])
      for read in reads {
        let forward = read["direction"] as? String == "forward"
        let v = try #require((forward ? read["d_voltage"] : read["s_voltage"]) as? [Double])
        let array = try #require(read["array"] as? Int)
        let cells = forward ? [8, 10][array] : [65, 9][array]
        let want = c * 2 * Double(cells) * v.reduce(0) { $0 + $1 * $1 }
        #expect(isApproximatelyEqual(try #require(read["line_energy"] as? Double), want, relativeTolerance: 1e-12))
      }
      let update = try #require(s["update"] as? [String: Any])
      let slots = try #require(update["slots"] as? Int)
      let energy = try #require(update["line_energy"] as? Double)
      // Each slot drives at least one D line and one S line at V_p/2.
      #expect(slots == 0 || energy >= Double(slots) * c * 0.25 * Double(8 + 9), "\(energy) for \(slots) slots")
    } else {
      #expect(try #require(s["line_energy"] as? Double) > 0)
    }
  }
}

@Test func edgeCasesOfTheOutputs() throws {
  // A threshold no cell reaches: the count 0 and no shortest cell.
  let high = try runXbarsim(["line", "--cells", "8", "--segment-resistance", "1", "--capacitance", "1e-15", "--voltage", "5", "--threshold", "6"])
  #expect(high.status == 0, "\(high.stderr)")
  let o = try json(high.stdout)
  #expect(o["cells_reaching_threshold"] as? Int == 0)
  #expect(o["shortest_time_above_cell"] is NSNull && o["shortest_time_above_seconds"] is NSNull)
  // A charged line: its cells equal to rounding, the farthest is the
  // weakest (a walkthrough, session 57, got cell 0).
  #expect(o["weakest_cell"] as? Int == 7)
  // A problem row without a drive: driven at 1 V, with a note; a
  // non-uniform shunt is null at the top and listed with --node-values.
  let dir = try Scratch.directory("line")
  defer { try? FileManager.default.removeItem(at: dir) }
  let problem = dir.appendingPathComponent("p.json")
  try #"{"rows": 2, "cols": 3, "r_row": 5, "r_col": 5, "v_in": [0, 0.4], "conductance": [[1e-5, 2e-5, 3e-5], [1e-5, 1e-5, 1e-5]]}"#
    .write(to: problem, atomically: false, encoding: .utf8)
  let row0 = try runXbarsim(["line", "--problem", problem.path, "--row", "0", "--capacitance", "1e-15", "--node-values"])
  #expect(row0.status == 0 && row0.stderr.contains("v_in[0] is 0 or absent: word line 0 is driven at 1 V"), "\(row0.stderr)")
  let r0 = try json(row0.stdout)
  #expect(r0["voltage"] as? Double == 1 && r0["shunt"] is NSNull)
  #expect(r0["shunts"] as? [Double] == [1e-5, 2e-5, 3e-5])
  let row1 = try runXbarsim(["line", "--problem", problem.path, "--row", "1", "--capacitance", "1e-15"])
  let r1 = try json(row1.stdout)
  // (The file's r_col: its crossing bit lines are taken as ideal, said
  // since session 63.)
  #expect(row1.status == 0 && r1["shunt"] as? Double == 1e-5, "\(row1.stderr)")
  #expect(
    row1.stderr == "note: \(problem.path): the crossing bit lines are taken as ideal virtual grounds here (the file's r_col 5 Ω left out): the cells' far ends sit at 0 V, so the line's steady state differs from solve's of the whole mesh\n",
    "\(row1.stderr)")
}
