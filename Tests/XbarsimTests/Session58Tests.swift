import Circuit
import Foundation
import Peripherals
import Trainer
import Testing
import _TestSupport
@testable import xbarsim

// Session 58: sweep.csv carries the lines' energies and settling
// (`line_capacitance`; a circuit designer sweeping it had to open each
// point-P.json), and a sweep.csv from sessions 51–57 still resumes.

private func json(_ url: URL) throws -> [String: Any] {
  try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

/// Whether a cell holds `x` (Foundation's JSON reader on Linux may miss
/// a double's last digit).
private func same(_ cell: String?, _ x: Any?) -> Bool {
  guard let cell, let v = Double(cell), let x = x as? Double else { return false }
  return abs(v - x) <= 1e-12 * abs(x)
}

@Test func aSweepRowCarriesTheLinesEnergiesAndSettling() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-lines", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let common = [
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--wires", "resistive",
    "--r-row", "1000", "--r-col", "1000", "--grid", "line_capacitance=0,1e-14", "--out", out.path,
  ]
  var r = try runXbarsim(common)
  #expect(r.status == 0, "\(r.stderr)")
  let csv = out.appendingPathComponent("sweep.csv")
  let (header, rows) = try csvTable(csv)
  let columns = [
    "read_lines_energy_per_image_joules", "update_lines_energy_per_image_joules",
    "line_settling_share_at_read_time", "line_settling_program_share",
  ]
  // (Since session 60 three more columns follow them, since session 78
  // six more, since session 79 three more.)
  #expect(Array(header.suffix(16).prefix(4)) == columns)
  // Without the key: empty cells.
  #expect(columns.allSatisfy { rows[0][$0] == "" }, "\(rows[0])")
  // With it: the point's summary's figures.
  let s = try json(out.appendingPathComponent("point-1.json"))
  let energy = s["energy_breakdown_joules"] as! [String: Any], settling = s["line_settling"] as! [String: Any]
  #expect(same(rows[1][columns[0]], energy["read_lines"]) && same(rows[1][columns[1]], energy["update_lines"]), "\(rows[1])")
  #expect(same(rows[1][columns[2]], settling["share_at_read_time"]), "\(rows[1])")
  #expect(same(rows[1][columns[3]], settling["program_share"]), "\(rows[1])")
  // 1 kΩ and 10 fF a cell do not settle within a 10 ns read.
  #expect(Double(rows[1][columns[2]]!)! < 0.999)
  // sweep.json's rows carry them too, as numbers and nulls.
  let jsonRows = try json(out.appendingPathComponent("sweep.json"))["rows"] as! [[String: Any]]
  #expect(jsonRows[0][columns[0]] is NSNull && same(rows[1][columns[0]], jsonRows[1][columns[0]]))

  // A sweep.csv from sessions 51–57 (without the last sixteen columns)
  // and one from sessions 58–59 (without the last twelve) resume: their
  // points are done, and the file is rewritten whole.
  let reference = try String(contentsOf: csv, encoding: .utf8)
  for cut in [16, 12] {
    try cutColumns(out, cut)
    r = try runXbarsim(common.filter { $0 != "--quiet" })
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("2 of 2 point(s) already done"), "\(r.stderr)")
    #expect(try String(contentsOf: csv, encoding: .utf8) == reference)
  }
  // A header of no generation (a column more cut) is refused by name.
  try cutColumns(out, 17)
  r = try runXbarsim(common)
  #expect(r.status != 0 && r.stderr.contains("sweep.csv: the header is not point,line_capacitance,"), "\(r.stderr)")
}

// A settling share is a fraction (mutant: checked as any number ≥ 0).
@Test func aSweepRowsSettlingShareAboveOneIsRefused() throws {
  let base = ["90", "91", "90", "92", "100", "5", "0", "0", "10", "0.5", "false", "", ""]
  let cells = { (share: String) in
    base + Array(repeating: "", count: SweepCommand.generations[1].count) + ["", "", share, ""]
      + Array(repeating: "", count: SweepCommand.generations[3...].map(\.count).reduce(0, +))
  }
  try SweepCommand.checkResults(cells("0.5"), point: 0, in: "s.csv")
  #expect(throws: CLIError.self) { try SweepCommand.checkResults(cells("1.5"), point: 0, in: "s.csv") }
}

// MARK: - line (a circuit designer's walkthrough)

// The slowest time constant at 1e-156 Ω and 1e-24 F a cell: the inverse
// iteration's last vector, of order r·n², had its squares times C
// underflow, τ came out 0 and `pulse`'s step grid never ended. τ scales
// as r·c.
@Test func theSlowestTimeConstantOfAVeryFastLineIsItsScaledOne() {
  let unit = RCLine(cells: 5, segmentResistance: 1, capacitance: 1).slowestTimeConstant()
  // A uniform open ladder driven through its first segment:
  // λ₁ = 2(1 − cos(π/(2n + 1)))/(r·c).
  #expect(abs(unit - 1 / (2 * (1 - cos(Double.pi / 11)))) < 1e-9 * unit)
  let fast = RCLine(cells: 5, segmentResistance: 1e-156, capacitance: 1e-24).slowestTimeConstant()
  #expect(abs(fast / 1e-180 - unit) < 1e-9 * unit, "\(fast)")
}

// The condition bound: 4·n·(R_d/r + n) for a uniform line without
// shunts; with every node shunted by g, at most 2·max a_kk / g.
@Test func aLinesConditionBoundIsItsClosedForm() {
  for (n, rd) in [(3, 1.0), (1024, 1e6), (1, 5.0)] {
    let line = RCLine(cells: n, segmentResistance: 2, capacitance: 1e-15, driverResistance: rd)
    let maxDiagonal = n == 1 ? 1 / (rd + 2) : 2.0 / 2
    let expected = 2 * maxDiagonal * Double(n) * (rd + 2 * Double(n))
    #expect(abs(line.conditionBound() - expected) <= 1e-12 * expected, "\(n) \(rd)")
  }
  let shunted = RCLine(cells: 1000, segmentResistance: 1e6, capacitance: 1e-15, shunt: 1e-3, driverResistance: 0)
  let norm = 2 * (1e-3 + 2e-6)
  #expect(abs(shunted.conditionBound() - norm / 1e-3) <= 1e-12 * norm / 1e-3)
}

@Test func lineRefusesAnIllConditionedLineAndATinySegmentAndNoCellReachesV() throws {
  // A 1 Ω driver before 1e-20 Ω segments trapped in the step grid.
  var r = try runXbarsim(["line", "--cells", "3", "--segment-resistance", "1e-20", "--capacitance", "1e-15", "--driver-resistance", "1"])
  #expect(r.status == 64 && r.stderr.contains("Error: the line is too ill-conditioned to integrate: its conductance matrix's condition number may reach 1.2e+21 (at most 1e+12"), "\(r.stderr)")
  // At the bound's edge it runs: 1024 cells, R_d/r = 1e8 (4.1e11).
  r = try runXbarsim(["line", "--cells", "1024", "--segment-resistance", "1", "--capacitance", "1e-15", "--driver-resistance", "1e8", "--width", "1"])
  #expect(r.status == 0, "\(r.stderr)")
  // Below 1e-150 Ω, as solve and train refuse (1e-170 Ω ran out of memory).
  r = try runXbarsim(["line", "--cells", "5", "--segment-resistance", "1e-170", "--capacitance", "1e-15"])
  #expect(r.status == 64 && r.stderr.contains("Error: --segment-resistance must be at least 1e-150 Ω (as for solve and train), got 1e-170"), "\(r.stderr)")
  r = try runXbarsim(["line", "--cells", "5", "--segment-resistance", "1e-150", "--capacitance", "1e-24"])
  #expect(r.status == 0, "\(r.stderr)")
  // A threshold at V: no cell reaches it (the cells' times had been the
  // rounding's, their peaks V + 2e-15), for either sign.
  for v in ["1", "-1"] {
    r = try runXbarsim(["line", "--cells", "5", "--segment-resistance", "1", "--capacitance", "1e-15", "--voltage", v, "--threshold", v, "--node-values"])
    #expect(r.status == 0, "\(r.stderr)")
    let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    #expect(o["cells_reaching_threshold"] as? Int == 0, "\(r.stdout)")
    #expect((o["time_above_seconds"] as! [Double]).allSatisfy { $0 == 0 }, "\(r.stdout)")
    #expect((o["peak_volts"] as! [Double]).allSatisfy { abs($0) <= 1 && abs($0) > 0.99 }, "\(r.stdout)")
  }
  r = try runXbarsim(["line", "--cells", "5", "--segment-resistance", "1", "--capacitance", "1e-15", "--threshold", "0.999"])
  #expect(r.status == 0, "\(r.stderr)")
}

// MARK: - device files (a device researcher's walkthrough)

// `pulses`' own output, its columns cut to `polarity,conductance`, reads
// back: its `start` row is the first cycle's first point (it had been an
// unknown branch; left out, the first cycle lost a point).
@Test func pulsesOutputCutToItsBranchesReadsBackAsTheDevice() throws {
  let dir = try Scratch.directory("xbarsim-s58-start")
  defer { try? FileManager.default.removeItem(at: dir) }
  let model = try runXbarsim(["pulses", "--device", "lim", "--beta", "2", "--nmax", "8", "--unidirectional", "--sequence", "p4,r,p4,r,p4"])
  #expect(model.status == 0, "\(model.stderr)")
  let lines = model.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
  #expect(lines[1][1] == "start")
  let file = dir.appendingPathComponent("back.csv")
  try (lines.map { $0[1...].joined(separator: ",") }.joined(separator: "\n") + "\n").write(to: file, atomically: false, encoding: .utf8)
  let back = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path, "--sequence", "p4"])
  #expect(back.status == 0, "\(back.stderr)")
  // Three whole cycles of 5 points, stepping identically: no variation
  // offered (δ/μ had been 2e-16, and --c2c 2.12e-16 offered).
  #expect(back.stderr.contains("3 cycles; the curve is their point-by-point mean. Its cycles step identically, pulse by pulse (δ/μ = 0)"), "\(back.stderr)")
  #expect(!back.stderr.contains("--c2c") && !back.stderr.contains("cut to"), "\(back.stderr)")
  let read = back.stdout.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",").last!)! }
  let drawn = lines[1...5].map { Double($0[2])! }
  #expect(read == drawn, "\(read) \(drawn)")
  // A `start` row after others is refused, naming its line.
  try "p,0\np,1e-6\nstart,0\n".write(to: file, atomically: false, encoding: .utf8)
  let late = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path])
  #expect(late.status != 0 && late.stderr.contains("back.csv line 3: a 'start' row (as `pulses` writes it: the device before its first pulse) comes first in its cycle: before every other row, or after a repeated header"), "\(late.stderr)")
}

// Conductances beyond the doubles are refused as the keys refuse them
// (1e-400 had read as 0 S, 1e400 as "not finite").
@Test(arguments: [("1e-400", "is below the smallest normal double (2.2e-308)"), ("1e400", "is beyond the largest double (1.8e308)"), ("3e-320", "is below the smallest normal double (2.2e-308)")])
func aDeviceFilesConductanceBeyondTheDoublesIsRefused(_ value: String, _ why: String) throws {
  let text = "p,0\np,\(value)\np,2e-6\n"
  #expect(throws: ConfigurationError.self) { try MeasuredDevice.read(csv: text, source: "dev.csv") }
  do { _ = try MeasuredDevice.read(csv: text, source: "dev.csv") } catch let e as ConfigurationError {
    #expect(e.description == "dev.csv line 2: conductance '\(value)' \(why)", "\(e)")
  }
  // Below the normal doubles once in siemens (1e-300 nS is 1e-309 S).
  do { _ = try MeasuredDevice.read(csv: "branch,conductance (nS)\np,0\np,1e-300\np,2\n", source: "dev.csv") } catch let e as ConfigurationError {
    #expect(e.description == "dev.csv line 3: conductance 1e-300 nS is below the smallest normal double in siemens (2.2e-308 S)", "\(e)")
  }
  #expect(throws: ConfigurationError.self) { try MeasuredDevice.read(csv: "branch,conductance (nS)\np,0\np,1e-300\np,2\n", source: "dev.csv") }
  // A written 0 is still 0 S.
  _ = try MeasuredDevice.read(csv: "p,0e-400\np,1e-6\np,2e-6\n", source: "dev.csv")
}

// `"device_csv": ""` in a configuration file trained the model device
// without a word, where `--device-csv ""` is refused.
@Test func anEmptyDeviceFileInAConfigurationFileIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-empty-device", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("c.json")
  try #"{"device_csv": "", "rule": "single"}"#.write(to: config, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--config", config.path])
  #expect(r.status != 0 && r.stderr.contains("c.json: device_csv: expects a path, got an empty string (leave the key out for the rule's model device)"), "\(r.stderr)")
}

// MARK: - adc_inl's offsets tabulated

// A tabulated converter reads every input as the drawing one does, for
// converters shared by columns too, and a column beyond the table draws
// its own (mutant: an entry off by one transition).
@Test(arguments: [(6, 1), (4, 3), (1, 1), (10, 2)])
func aTabulatedADCReadsAsTheDrawingOne(_ bits: Int, _ share: Int) {
  let adc = ADC(bits: bits, range: 2)
  let drawn = ADCNonlinearity(sigma: 0.7, key: 0xC0FFEE, columnsPerConverter: share)
  let table = drawn.tabulated(bits: bits, columns: 12)
  #expect(table.tableBits == bits && table.tableConverters == (12 + share - 1) / share)
  var rng = SeededGenerator(seed: 58, stream: 1)
  for _ in 0..<4000 {
    // (Beyond the range too, and at the codes' edges.)
    let x = Float(rng.nextUniform() * 5 - 2.5)
    let j = Int(rng.nextUniform() * 16)
    #expect(adc.convert(x, column: j, errors: table) == adc.convert(x, column: j, errors: drawn))
  }
  // A row converted at once, as each alone (NaN stays NaN).
  for e in [table, drawn] {
    var row = (0..<16).map { Float($0) * 0.3 - 2.4 }
    row[5] = .nan
    row.withUnsafeMutableBufferPointer { adc.convert(row: $0, errors: e) }
    for j in 0..<16 where j != 5 { #expect(row[j] == adc.convert(Float(j) * 0.3 - 2.4, column: j, errors: drawn), "\(j)") }
    #expect(row[5].isNaN)
  }
  // The table's entries are the levels drawn, sorted.
  let n = 1 << bits, last = table.tableConverters - 1
  let levels = (1..<n).map { Float($0) - 0.5 + drawn.offset(column: last * share, transition: $0) }.sorted()
  #expect(Array(table.table[(last * n)..<(last * n + n - 1)]) == levels)
  // 16 bits over 65 converters: beyond 2^22 entries, left to the draws.
  #expect(drawn.tabulated(bits: 16, columns: 65 * share).tableBits == 0)
  #expect(drawn.tabulated(bits: 16, columns: 64 * share).tableBits == 16)
}

// MARK: - reproduce and sweep (a reproduction user's walkthrough)

// A limit at the set's size is the whole set: the paper's run, compared
// (`--test-limit 10000` on MNIST had lost every paper number).
@Test func aReproductionLimitedToTheWholeSetIsThePapers() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-whole", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  // (The paper's network past its input layer, 200 hidden and 10 output
  // neurons: since session 63 another is not the paper's run either.)
  let common = ["reproduce", "lim2018", "--figure", "9", "--seeds", "1", "--data", data.path, "--layers", "64,200,10", "--evals-per-epoch", "1"]
  let plain = try runXbarsim(common)
  #expect(plain.status == 0, "\(plain.stderr)")
  let whole = try runXbarsim(common + ["--test-limit", "10", "--train-limit", "30"])
  #expect(whole.status == 0, "\(whole.stderr)")
  #expect(whole.stdout == plain.stdout, "\(whole.stdout)")
  #expect(plain.stdout.contains(" 92.96 "), "\(plain.stdout)")
  // A limit below the set's size is still not the paper's run.
  let part = try runXbarsim(common + ["--test-limit", "9"])
  #expect(part.status == 0 && part.stdout.contains("[test_limit 9]") && !part.stdout.contains(" 92.96 "), "\(part.stdout)")
}

// A hybrid that never switched is noted per sweep point, as train notes it.
@Test func aSweepNotesAHybridThatNeverSwitched() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-switch", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  // A threshold of 0.001 points: every epoch gains more (or ties), or
  // switches; the note names the points that did not.
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--rule", "hybrid", "--layers", "64,8,10", "--evals-per-epoch", "1", "--epochs", "2",
    "--grid", "k=1,10", "--out", root.appendingPathComponent("o").path, "--quiet",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = try String(contentsOf: root.appendingPathComponent("o/sweep.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
  let header = try String(contentsOf: root.appendingPathComponent("o/sweep.csv"), encoding: .utf8).split(separator: "\n")[0]
    .split(separator: ",").map(String.init)
  let column = header.firstIndex(of: "phase_switch_epoch")!
  for row in rows {
    let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let noted = r.stderr.contains("note: sweep point \(cells[0]) (k=\(cells[1])): the hybrid never switched to its small arrays in 2 epochs")
    #expect(noted == cells[column].isEmpty, "\(cells) \(r.stderr)")
  }
}

// `--threads` beside a grid of rule lim is the option's error, as train
// gives it (it had been blamed on point 0's grid values).
@Test func aKeyNoPointReadsIsTheOptionsError() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-threads", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["sweep", "--data", data.path, "--layers", "64,8,10", "--threads", "2", "--out", root.appendingPathComponent("o").path]
  var r = try runXbarsim(common + ["--grid", "nmax=32,64"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --threads: applies to rules hybrid and single only; rule lim (on-chip), every point of the grid's, would ignore it\n"), "\(r.stderr)")
  // A grid over the rule: the points that ignore it are named.
  r = try runXbarsim(common + ["--grid", "rule=hybrid,lim"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --grid point 1 (rule=lim): threads applies to rules hybrid and single only"), "\(r.stderr)")
}

// A base that differs only in a key every point sets (a grid over beta
// sets beta_p and beta_d) resumes the same sweep.
@Test func aSweepResumesFromABaseThatDiffersOnlyInWhatTheGridSets() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-base", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("o").path, summary = root.appendingPathComponent("s.json").path
  let keys = ["--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"]
  // A run at β 0 as the base (its summary), then the plain options.
  var r = try runXbarsim(["train"] + keys + ["--beta", "0", "--quiet", "--summary", summary])
  #expect(r.status == 0, "\(r.stderr)")
  let common = ["sweep"] + keys + ["--grid", "beta=0,2", "--out", out]
  r = try runXbarsim(common + ["--config", summary])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common)
  #expect(r.status == 0 && r.stderr.contains("2 of 2 point(s) already done"), "\(r.stderr)")
  // Another key still makes it another sweep.
  r = try runXbarsim(common + ["--nmax", "32"])
  #expect(r.status != 0 && r.stderr.contains("its base configuration differs: nmax 32 here"), "\(r.stderr)")
  #expect(!r.stderr.contains("beta_p") && !r.stderr.contains("beta_d"), "\(r.stderr)")
}

// MARK: - a mutation audit's gaps (session 58)

@Test func startRowsAndExponentsInADeviceFile() throws {
  func fail(_ text: String) -> String? {
    do { _ = try MeasuredDevice.read(csv: text, source: "dev.csv"); return nil } catch let e as ConfigurationError { return e.description } catch { return "\(error)" }
  }
  // A capital E is an exponent too: 0E-400 is 0 S.
  #expect(fail("p,0E-400\np,1e-6\np,2e-6\n") == nil)
  #expect(fail("p,1E-400\np,1e-6\np,2e-6\n") == "dev.csv line 1: conductance '1E-400' is below the smallest normal double (2.2e-308)")
  // A start row after d rows, or in a second cycle, is refused.
  #expect(fail("d,2e-6\nd,1e-6\nstart,0\np,1e-6\np,2e-6\n")?.hasPrefix("dev.csv line 3: a 'start' row") == true)
  // Under a cycle column every start row is skipped, as reset rows are,
  // its conductance checked.
  #expect(fail("cycle,branch,conductance\n1,start,0\n1,p,1e-6\n1,p,2e-6\n2,start,0\n2,p,1e-6\n2,p,2e-6\n") == nil)
  #expect(fail("cycle,branch,conductance\n1,start,abc\n1,p,1e-6\n1,p,2e-6\n")?.hasPrefix("dev.csv line 2: conductance 'abc' is not a number") == true)
  // Wherever it stands (the labels say which cycle is which), as a reset
  // row is: a mid-cycle start row is skipped, not refused.
  let (mid, midCycles) = try MeasuredDevice.read(
    csv: "cycle,branch,conductance\n1,p,1e-6\n1,p,2e-6\n1,start,0\n1,p,3e-6\n2,p,1e-6\n2,p,2e-6\n2,p,3e-6\n", source: "dev.csv")
  #expect(midCycles?.count == 2 && mid.potentiation == [1e-6, 2e-6, 3e-6], "\(mid.potentiation)")
  // A start row before d rows joins them (`pulses --sequence d4,p4`).
  let dFirst = try MeasuredDevice.read(csv: "start,3e-6\nd,2e-6\nd,1e-6\np,2e-6\np,3e-6\n", source: "dev.csv").device
  #expect(dFirst.depression == [3e-6, 2e-6, 1e-6] && dFirst.potentiation == [2e-6, 3e-6], "\(dFirst)")
  // Two of `pulses`' files concatenated: two cycles, each with its start.
  let one = "polarity,conductance\nstart,0\np,1e-6\np,2e-6\np,3e-6\n"
  let (twice, twiceCycles) = try MeasuredDevice.read(csv: one + one, source: "dev.csv")
  #expect(twiceCycles?.count == 2 && twice.potentiation == [0, 1e-6, 2e-6, 3e-6], "\(twice.potentiation)")
  // A file ending in a reset row (p3,r) then another's start: the start
  // is the second cycle's first point.
  let (after, afterCycles) = try MeasuredDevice.read(
    csv: "polarity,conductance\nstart,0\np,1e-6\np,2e-6\nr,0\n" + "polarity,conductance\nstart,0\np,1e-6\np,2e-6\n", source: "dev.csv")
  #expect(afterCycles?.count == 2 && after.potentiation == [0, 1e-6, 2e-6], "\(after.potentiation)")
  // Under a cycle column a start row is skipped, as a reset row is: the
  // cycles' own p rows give their first points.
  let (device, cycles) = try MeasuredDevice.read(
    csv: "cycle,branch,conductance\n1,start,5e-7\n1,p,1e-6\n1,p,2e-6\n1,p,3e-6\n2,p,1e-6\n2,p,2.1e-6\n2,p,3e-6\n", source: "dev.csv")
  #expect(device.potentiation.first == 1e-6 && cycles?.count == 2, "\(device.potentiation)")
  #expect(cycles?.cut == nil)
}

@Test func theConditionBoundOfAShuntedCellCountsItsDriver() {
  // One cell: a_00 = 1/(R_d + r) + g = 2 S; ‖A⁻¹‖ ≤ min(R_d + r, 1/a_00) = 0.5 Ω.
  let line = RCLine(cells: 1, segmentResistance: 1, capacitance: 1e-15, shunt: 1, driverResistance: 0)
  #expect(line.conditionBound() == 2)
}

@Test func lineTakesABoundJustBelow1e12AndNamesNoShortestCellAtV() throws {
  let common = ["line", "--cells", "1000", "--segment-resistance", "1", "--capacitance", "1e-15", "--width", "1"]
  // 4·1000·(R_d + 1000): 9.96e11 runs, 1.04e12 is refused.
  var r = try runXbarsim(common + ["--driver-resistance", "2.49e8"])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--driver-resistance", "2.6e8"])
  #expect(r.status == 64 && r.stderr.contains("may reach 1.04e+12"), "\(r.stderr)")
  r = try runXbarsim(["line", "--cells", "5", "--segment-resistance", "1", "--capacitance", "1e-15", "--threshold", "1"])
  let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
  #expect(o["shortest_time_above_cell"] is NSNull && o["shortest_time_above_seconds"] is NSNull, "\(r.stdout)")
}

@Test func aSweepRowFromSessions51To57WithoutItsPointFileGainsItsEmptyCells() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-legacy-row", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("o")
  let common = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--grid", "seed=1,2", "--out", out.path, "--quiet"]
  var r = try runXbarsim(common)
  #expect(r.status == 0, "\(r.stderr)")
  // (Session 58's four columns, session 60's three, session 78's six and
  // session 79's three.)
  try cutColumns(out, 16)
  try FileManager.default.removeItem(at: out.appendingPathComponent("point-1.json"))
  r = try runXbarsim(common)
  #expect(r.status == 0, "\(r.stderr)")
  let lines = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8).split(separator: "\n")
    .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  #expect(lines.allSatisfy { $0.count == lines[0].count }, "\(lines)")
  #expect(Array(lines[2].suffix(16)) == Array(repeating: "", count: 16), "\(lines[2])")
}

@Test func aSweepRowsProgramShareAboveOneIsRefused() throws {
  let base = ["90", "91", "90", "92", "100", "5", "0", "0", "10", "0.5", "false", "", ""]
  let cells = base + Array(repeating: "", count: SweepCommand.generations[1].count) + ["", "", "", "1.5"]
    + Array(repeating: "", count: SweepCommand.generations[3...].map(\.count).reduce(0, +))
  #expect(throws: CLIError.self) { try SweepCommand.checkResults(cells, point: 0, in: "s.csv") }
}

@Test func anEmptyDeviceFileSpelledWithAHyphenIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-empty-device-hyphen", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("c.json")
  try #"{"device-csv": "", "rule": "single"}"#.write(to: config, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--config", config.path])
  #expect(r.status != 0 && r.stderr.contains("c.json: device-csv: expects a path, got an empty string"), "\(r.stderr)")
}

// δ/μ of identical cycles whose mean step does not come out exact in
// doubles (0.1 + 0.1 + 0.1 over 3): 0, not a rounding's 1e-16.
@Test func identicalCyclesStepWithoutVariation() {
  let branches = Array(repeating: [0.0, 0.1, 0.2, 0.30000000000000004], count: 3)
  #expect(MeasuredCycles.stepVariability(branches, steps: 3) == 0)
}

// MARK: - a review's findings (session 58)

// Identical potentiation but a depression that varies: its δ/μ, not
// "step identically"; and no --c2c 0 offered.
@Test func cyclesWithIdenticalPotentiationButVaryingDepressionSayItsVariation() {
  let (text, offered) = TrainCommand.cyclesSummary(
    "dev.csv", subject: "the curve", count: 2, cut: nil, leftOut: nil, pulses: 3, potentiation: 0, robust: nil, depression: 0.47)
  #expect(!text.contains("identically") && text.contains("δ/μ = 0 (potentiation") && text.contains("depression 0.47"), "\(text)")
  #expect(offered == nil)
  let (same, none) = TrainCommand.cyclesSummary(
    "dev.csv", subject: "the curve", count: 2, cut: nil, leftOut: nil, pulses: 3, potentiation: 0, robust: nil, depression: 0)
  #expect(same.hasSuffix("Its cycles step identically, pulse by pulse (δ/μ = 0)") && none == nil, "\(same)")
}

// `sweep merge` compares the shards' bases as resuming does: without the
// keys every point sets.
@Test func shardsWhoseBasesDifferOnlyInWhatTheGridSetsMerge() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-merge-base", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let keys = ["--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"]
  let summary = root.appendingPathComponent("s.json").path
  var r = try runXbarsim(["train"] + keys + ["--beta", "0", "--quiet", "--summary", summary])
  #expect(r.status == 0, "\(r.stderr)")
  let a = root.appendingPathComponent("a").path, b = root.appendingPathComponent("b").path
  r = try runXbarsim(["sweep"] + keys + ["--config", summary, "--grid", "beta=1,2", "--shard", "0/2", "--out", a, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["sweep"] + keys + ["--grid", "beta=1,2", "--shard", "1/2", "--out", b, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["sweep", "merge", a, b])
  #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 3, "\(r.stderr)")
  // Another base key still refuses.
  let c = root.appendingPathComponent("c").path
  r = try runXbarsim(["sweep"] + keys + ["--nmax", "32", "--grid", "beta=1,2", "--shard", "1/2", "--out", c, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["sweep", "merge", a, c])
  #expect(r.status != 0 && r.stderr.contains("its base configuration differs") && r.stderr.contains("nmax"), "\(r.stderr)")
}

// MARK: - the second mutation audit's gaps (session 58)

@Test func aTableOfOtherBitsOrBeyondTheRangeReadsAsTheDraws() {
  let drawn = ADCNonlinearity(sigma: 0.7, key: 0xBEEF)
  // Tabulated at 6 bits, read by a 4-bit ADC: the draws, not the table.
  let adc4 = ADC(bits: 4, range: 2), table6 = drawn.tabulated(bits: 6, columns: 12)
  var row = (0..<12).map { Float($0) * 0.4 - 2.3 }
  let each = row.enumerated().map { adc4.convert($1, column: $0, errors: drawn) }
  for (j, x) in row.enumerated() { #expect(adc4.convert(x, column: j, errors: table6) == each[j]) }
  row.withUnsafeMutableBufferPointer { adc4.convert(row: $0, errors: table6) }
  #expect(row == each)
  // Infinities and huge sums clamp as each conversion clamps them.
  let adc = ADC(bits: 6, range: 2), table = drawn.tabulated(bits: 6, columns: 4)
  var far: [Float] = [.infinity, -.infinity, 1e30, -1e30]
  far.withUnsafeMutableBufferPointer { adc.convert(row: $0, errors: table) }
  #expect(far == [2, -2, 2, -2])
  // A sum exactly at a transition level goes to the lower code, as the
  // drawing comparison (level < p) takes it.
  let adc1 = ADC(bits: 1, range: 2), table1 = drawn.tabulated(bits: 1, columns: 1)
  let level = table1.table[0], x = 4 * level - 2
  var tie: [Float] = [x]
  tie.withUnsafeMutableBufferPointer { adc1.convert(row: $0, errors: table1) }
  #expect((x + 2) / 4 == level && tie[0] == adc1.convert(x, column: 0, errors: drawn) && tie[0] == -2, "\(level) \(tie)")
  // Converters shared by three columns: 13 columns need 5.
  #expect(ADCNonlinearity(sigma: 0.7, key: 1, columnsPerConverter: 3).tabulated(bits: 6, columns: 13).tableConverters == 5)
}

@Test func anIRDropStudyLimitedToTheWholeSetIsTheUnlimitedOne() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-irdrop-whole", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["reproduce", "irdrop", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"]
  let plain = try runXbarsim(common + ["--train-limit", "0"])
  #expect(plain.status == 0, "\(plain.stderr)")
  let whole = try runXbarsim(common + ["--train-limit", "30", "--test-limit", "10"])
  #expect(whole.status == 0 && whole.stdout == plain.stdout, "\(whole.stdout)\n\(plain.stdout)")
}

@Test func noNeverSwitchedNoteForOneEpochOrTheSinglePair() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-no-note", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  for (rule, epochs) in [("hybrid", "1"), ("single", "2")] {
    let r = try runXbarsim([
      "sweep", "--data", data.path, "--rule", rule, "--epochs", epochs, "--layers", "64,8,10", "--evals-per-epoch", "1",
      "--grid", "seed=1,2", "--out", root.appendingPathComponent(rule).path, "--quiet",
    ])
    #expect(r.status == 0 && !r.stderr.contains("never switched"), "\(rule): \(r.stderr)")
  }
}

@Test func aGridKeyOrAGridThatReadsTheKeySomewhereIsTheGridsError() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-grid-error", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["sweep", "--data", data.path, "--layers", "64,8,10", "--out", root.appendingPathComponent("o").path]
  // Point 0 ignores it, point 1 reads it.
  var r = try runXbarsim(common + ["--threads", "2", "--grid", "rule=lim,hybrid"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --grid point 0 (rule=lim): threads applies to rules hybrid and single only"), "\(r.stderr)")
  // The key is the grid's own, ignored at every point.
  r = try runXbarsim(common + ["--grid", "threads=2,3"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --grid point 0 (threads=2): threads applies to rules hybrid and single only"), "\(r.stderr)")
}

// Figure 7's panels are curves (accuracy over the training images, the
// seeds' mean): its title speaks of no bars, as Figure 9's points do.
@Test func aFigureOfCurvesSpeaksOfNoBars() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-fig7", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  #expect(ReproduceCommand.bars(LimReproduction.panels(figure: 7)) == "")
  #expect(ReproduceCommand.bars(LimReproduction.panels(figure: 9)) == ", bars min–max")
  // (Choi's Figure 4 has a panel of points beside its curves.)
  #expect(ReproduceCommand.bars(ChoiReproduction.panels(figure: 4)) == ", bars min–max")
  let plot = root.appendingPathComponent("p.svg")
  let r = try runXbarsim([
    "reproduce", "lim2018", "--figure", "7", "--seeds", "1", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2",
    "--plot", plot.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let svg = try String(contentsOf: plot, encoding: .utf8)
  #expect(svg.contains("Fig. 7: mean of 1 seed(s)") && !svg.contains("bars min–max"), "\(svg.prefix(600))")
}
