import Circuit
import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// `r_driver` and `r_sense` in problem files (session 59): `solve` and
// `spice` build the same circuit, which ngspice solves alike; the write
// bias keeps them as drivers; `line --problem` takes them as its driver.

private func json(_ text: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Test(
  "solve with r_driver and r_sense agrees with ngspice on the exported netlist",
  .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped (apt-get install -y ngspice)"),
  arguments: [
    // (rows, cols, r_row, r_col, r_driver, r_sense)
    (6, 5, 0.0, 0.0, 1e3, 2e3), (6, 5, 0.0, 0.0, 0.0, 5e2), (6, 5, 0.0, 0.0, 5e2, 0.0),
    (8, 8, 2.0, 4.6, 1e2, 3e2), (16, 12, 1.0, 2.3, 1e4, 0.0), (12, 16, 1.0, 2.3, 0.0, 1e4),
    (5, 7, 0.0, 3.0, 0.0, 80.0), (7, 5, 3.0, 0.0, 80.0, 0.0),
    // Cells beyond the segments (G_max·r = 10): the two-level iteration.
    (24, 20, 1e5, 2.3e5, 1e6, 2e6),
  ])
func terminalResistancesAgreeWithNgspice(_ m: Int, _ n: Int, _ rRow: Double, _ rCol: Double, _ rd: Double, _ rs: Double) throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("spice-terminal")
  defer { try? FileManager.default.removeItem(at: dir) }
  var mesh = randomMesh(rows: m, columns: n, r: 1, seed: UInt64(59 + m * n))
  mesh.wires = WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol)
  mesh.rowTerminalResistance = rd
  mesh.columnTerminalResistance = rs
  let problem = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: problem)
  let netlist = dir.appendingPathComponent("p.cir")
  let export = try runXbarsim(["spice", problem.path, "--output", netlist.path])
  #expect(export.status == 0, "\(export.stderr)")
  let text = try String(contentsOf: netlist, encoding: .utf8)
  #expect(text.contains("RD0 ") == (rd > 0) && text.contains("RS0 ") == (rs > 0))
  let spice = try runProcess(ngspice, ["-b", netlist.path])
  let reference = try #require(parseNgspiceOutputs(spice.stdout, count: n), "ngspice printed: \(spice.stdout.suffix(500))")
  let solved = try runXbarsim(["solve", problem.path])
  #expect(solved.status == 0, "\(solved.stderr)")
  #expect(!solved.stderr.contains("ignored"), "\(solved.stderr)")
  let d = try json(solved.stdout)
  let ours = d["i_out"] as! [Double]
  #expect(maxRelativeDifference(ours, reference) < 1e-9, "xbarsim \(ours), ngspice \(reference)")
  // The method: one node a line when every line is ideal.
  let method = d["solver"] as! String
  #expect((method == "direct-line-nodes") == (rRow == 0 && rCol == 0), "\(method)")
  // Every line has one termination: what the drivers deliver, the
  // outputs take; the terminal resistances dissipate Σ I²·R.
  let iRow = d["i_row"] as! [Double]
  let delivered: Double = iRow.reduce(0, +), taken: Double = ours.reduce(0, +)
  #expect(abs(delivered - taken) <= 1e-11 * taken)
  var terminals = 0.0
  for c in iRow { terminals += c * c * rd }
  for c in ours { terminals += c * c * rs }
  let printed = try #require(d["power_terminals_watts"] as? Double)
  #expect(abs(printed - terminals) <= 1e-12 * terminals)
  #expect(printed < (d["power_watts"] as! Double))
}

@Test(
  "solve --write with terminal resistances agrees with ngspice and balances its power",
  .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped (apt-get install -y ngspice)"),
  arguments: [(5.0, 8.0, 200.0, 300.0), (0.0, 0.0, 200.0, 300.0), (5.0, 8.0, 0.0, 300.0)])
func aWriteBehindTerminalResistancesAgreesWithNgspice(_ rRow: Double, _ rCol: Double, _ rd: Double, _ rs: Double) throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("spice-terminal-write")
  defer { try? FileManager.default.removeItem(at: dir) }
  var mesh = randomMesh(rows: 6, columns: 7, r: 1, seed: 591)
  mesh.wires = WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol)
  mesh.rowTerminalResistance = rd
  mesh.columnTerminalResistance = rs
  let problem = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: problem)
  let options = ["--write", "0,6", "--scheme", "v3", "--write-voltage", "2"]
  let netlist = dir.appendingPathComponent("p.cir")
  let export = try runXbarsim(["spice", problem.path, "--output", netlist.path] + options)
  #expect(export.status == 0, "\(export.stderr)")
  let spice = try runProcess(ngspice, ["-b", netlist.path])
  let volts = ngspiceVoltages(spice.stdout)
  let names = volts.keys.sorted()
  // The cell's word node (w, or behind the driver d, or the source s) and bit node (b, t, o).
  let w = try #require(names.first { ["v(w", "v(d", "v(s"].contains(where: $0.hasPrefix) }.flatMap { volts[$0] })
  let b = try #require(names.first { ["v(b", "v(t", "v(o"].contains(where: $0.hasPrefix) }.flatMap { volts[$0] })
  let solved = try runXbarsim(["solve", problem.path] + options)
  #expect(solved.status == 0, "\(solved.stderr)")
  let d = try json(solved.stdout)
  let selected = d["v_selected"] as! Double
  #expect(abs(selected - (w - b)) <= 1e-9, "xbarsim \(selected), ngspice \(w - b)")
  // The drivers' resistances take their share: less than V reaches the cell.
  #expect(selected < 2 - 1e-3)
  // Supplied = cells + lines + terminal resistances.
  let parts = ["power_selected_watts", "power_half_selected_watts", "power_unselected_watts", "power_lines_watts", "power_terminals_watts"]
  let sum = try parts.reduce(0.0) { $0 + (try #require(d[$1] as? Double, "\($1)")) }
  let supplied = d["power_watts"] as! Double
  #expect(abs(sum - supplied) <= 1e-9 * supplied, "\(sum) vs \(supplied)")
  #expect((d["energy_terminals_joules"] as! Double) > 0)
}

@Test func badTerminalKeysAreOneLineErrorsNamingTheKey() throws {
  let dir = try Scratch.directory("terminal-bad")
  defer { try? FileManager.default.removeItem(at: dir) }
  let base = #""rows":1,"cols":2,"conductance":[[1e-4,2e-4]],"v_in":[1]"#
  for (extra, needle) in [
    (#""r_row":1,"r_col":1,"r_driver":-5"#, "'r_driver' must be finite and ≥ 0"),
    (#""r_row":1,"r_col":1,"r_sense":"10""#, "'r_sense' must be a number"),
    (#""r_row":1,"r_col":1,"r_sense":1e-200"#, "'r_sense'"),
    (#""r_row":1,"r_col":1,"r_driver":1e200"#, "'r_driver'"),
    (#""r_row":0,"r_col":1,"r_driver":50"#, "'r_driver': a terminal resistance on ideal word lines (r_row = 0)"),
    (#""r_row":1,"r_col":0,"r_sense":50"#, "'r_sense': a terminal resistance on ideal bit lines (r_col = 0)"),
  ] {
    let file = dir.appendingPathComponent("p.json")
    try "{\(base),\(extra)}".write(to: file, atomically: false, encoding: .utf8)
    for command in ["solve", "spice"] {
      let r = try runXbarsim([command, file.path])
      #expect(r.status == 1, "\(command) \(extra): \(r.stderr)")
      #expect(r.stderr.split(separator: "\n").first?.contains(needle) == true, "\(command) \(extra): \(r.stderr)")
      #expect(r.stdout.isEmpty)
    }
  }
}

@Test func lineTakesTheFilesTerminalResistanceAsItsDriver() throws {
  let dir = try Scratch.directory("terminal-line")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows":2,"cols":3,"conductance":[[1e-4,2e-4,1e-4],[3e-5,1e-4,1e-4]],"v_in":[1,0.5],"r_row":2,"r_col":5,"r_driver":100,"r_sense":40}"#
    .write(to: file, atomically: false, encoding: .utf8)
  for (line, want) in [(["--row", "1"], 100.0), (["--col", "2"], 40.0)] {
    let r = try runXbarsim(["line", "--problem", file.path, "--capacitance", "1e-15"] + line)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try json(r.stdout)["driver_resistance"] as? Double == want)
  }
  let both = try runXbarsim(["line", "--problem", file.path, "--capacitance", "1e-15", "--row", "0", "--driver-resistance", "7"])
  #expect(both.status == 64)
  #expect(both.stderr.contains("--driver-resistance: \(file.path) gives the line's (r_driver = 100 Ω)"))
}

@Test func aNearlyFloatingMeshIsSolvedDirectlyOrRefused() throws {
  let dir = try Scratch.directory("terminal-floating")
  defer { try? FileManager.default.removeItem(at: dir) }
  let small = dir.appendingPathComponent("small.json")
  try #"{"rows":2,"cols":3,"conductance":[[1e-4,2e-4,1e-4],[3e-5,1e-4,1e-4]],"v_in":[1,0.5],"r_row":1e-9,"r_col":1e-9,"r_driver":1e9,"r_sense":1e3}"#
    .write(to: small, atomically: false, encoding: .utf8)
  // auto: directly, without iterating (R/r ≥ 1e4), exact.
  let auto = try runXbarsim(["solve", small.path])
  #expect(auto.status == 0, "\(auto.stderr)")
  let d = try json(auto.stdout)
  #expect(d["solver"] as? String == "direct-banded" && d["iterations"] as? Int == 0)
  for (got, want) in zip(d["i_out"] as! [Double], [3.416864190882434e-10, 6.777650391948331e-10, 4.805427752036211e-10]) {
    #expect(abs(got - want) <= 1e-13 * want)
  }
  #expect((d["residual"] as! Double) < 1e-15)
  // iterative: refused by name (it had answered 1,500 times off, converged).
  let iterative = try runXbarsim(["solve", small.path, "--solver", "iterative"])
  #expect(iterative.status == 1)
  #expect(iterative.stderr.hasPrefix("Error: \(small.path): 'r_driver': 1000000000 Ω is 1e+18 times the word lines' segments (r_row 1e-09 Ω), beyond 1e8"), "\(iterative.stderr)")
  // A mesh beyond the direct solve: refused, with what to change.
  let n = 130
  let row = "[" + Array(repeating: "1e-5", count: n).joined(separator: ",") + "]"
  let large = dir.appendingPathComponent("large.json")
  try #"{"rows": \#(n), "cols": \#(n), "conductance": [\#(Array(repeating: row, count: n).joined(separator: ","))], "v_in": [\#(Array(repeating: "1", count: n).joined(separator: ","))], "r_row": 1, "r_col": 1, "r_sense": 1e9}"#
    .write(to: large, atomically: false, encoding: .utf8)
  let refused = try runXbarsim(["solve", large.path])
  #expect(refused.status == 1)
  #expect(refused.stderr.contains("'r_sense'") && refused.stderr.contains("too large for the direct solve"), "\(refused.stderr)")
  // Within the bound it iterates, and says how far to trust it.
  try String(contentsOf: large, encoding: .utf8).replacingOccurrences(of: "\"r_sense\": 1e9", with: "\"r_sense\": 1e5")
    .write(to: large, atomically: false, encoding: .utf8)
  let iterated = try runXbarsim(["solve", large.path])
  #expect(iterated.status == 0, "\(iterated.stderr)")
  #expect(iterated.stderr.contains("note: r_sense is 1e+05 times its lines' segments: the iteration's currents err by about 1e-16·R/r, 1e-11 of the largest here; the mesh is too large for --solver direct"), "\(iterated.stderr)")
  // Below 1e4 the iteration answers (the default path).
  let mild = dir.appendingPathComponent("mild.json")
  try #"{"rows":2,"cols":3,"conductance":[[1e-4,2e-4,1e-4],[3e-5,1e-4,1e-4]],"v_in":[1,0.5],"r_row":1,"r_col":1,"r_driver":100,"r_sense":50}"#
    .write(to: mild, atomically: false, encoding: .utf8)
  let m = try json(try runXbarsim(["solve", mild.path]).stdout)
  #expect((m["solver"] as! String).hasPrefix("pcg"))
}

@Test func theIgnoredKeysNoteNamesTheTerminalKeys() throws {
  let dir = try Scratch.directory("terminal-note")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows":1,"cols":1,"conductance":[[1e-4]],"v_in":[1],"r_row":0,"r_col":0,"R_driver":5}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path])
  #expect(r.status == 0)
  #expect(r.stderr.contains("key 'R_driver' not in the problem format (rows, cols, conductance, v_in, r_row, r_col; xbarsim's own: r_driver, r_sense, iv_v0): ignored"), "\(r.stderr)")
}

@Test func trainingReadsBehindADriverResistance() throws {
  let (root, data) = try syntheticDataDirectory("terminal-train", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func train(_ extra: [String], _ name: String) throws -> (ProcessResult, [String: Any]?) {
    let summary = root.appendingPathComponent("\(name).json")
    let r = try runXbarsim(
      ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--seed", "3", "--summary", summary.path,
       "--log", root.appendingPathComponent("\(name).csv").path, "--epoch-log", root.appendingPathComponent("\(name)-e.csv").path,
       "--plot", root.appendingPathComponent("\(name).svg").path] + extra)
    let object = (try? Data(contentsOf: summary)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    return (r, object)
  }
  let (plain, p) = try train(["--wires", "resistive"], "plain")
  #expect(plain.status == 0, "\(plain.stderr)")
  let (behind, b) = try train(["--wires", "resistive", "--r-driver", "2e4", "--r-sense", "3e3"], "behind")
  #expect(behind.status == 0, "\(behind.stderr)")
  let pc = try #require(p?["configuration"] as? [String: Any]), bc = try #require(b?["configuration"] as? [String: Any])
  // Written only when set; the run reads them (its reads, and so its
  // pulses, differ) and its label names them.
  #expect(pc["r_driver"] == nil && pc["r_sense"] == nil)
  #expect(bc["r_driver"] as? Double == 2e4 && bc["r_sense"] as? Double == 3e3)
  #expect((b?["pulses"] as? Int) != (p?["pulses"] as? Int))
  #expect(behind.stderr.contains("lines 1/1 Ω, driver 20000 Ω, sense 3000 Ω"), "\(behind.stderr.suffix(400))")
  // Its summary as --config re-runs it.
  let again = root.appendingPathComponent("again.json")
  let rerun = try runXbarsim(["train", "--data", data.path, "--config", root.appendingPathComponent("behind.json").path, "--summary", again.path,
                             "--log", root.appendingPathComponent("again.csv").path, "--epoch-log", root.appendingPathComponent("again-e.csv").path,
                             "--plot", root.appendingPathComponent("again.svg").path])
  #expect(rerun.status == 0, "\(rerun.stderr)")
  let a = (try? Data(contentsOf: again)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
  #expect(a?["test_accuracy"] as? Double == b?["test_accuracy"] as? Double && a?["pulses"] as? Int == b?["pulses"] as? Int)
  // Refused: with ideal lines, on zero segments, beyond 1e8·r, beyond 1e12 Ω.
  for (extra, needle) in [
    (["--r-driver", "100"], "--r-driver: applies only with --wires resistive"),
    (["--wires", "resistive", "--r-row", "0", "--r-col", "0", "--r-sense", "100"], "--r-sense: needs resistive lines (r_row and r_col > 0) in training"),
    (["--wires", "resistive", "--r-row", "1e-6", "--r-col", "1e-6", "--r-driver", "1e3"], "beyond 1e8"),
    (["--wires", "resistive", "--r-row", "1e5", "--r-col", "1e5", "--r-driver", "1e13"], "must be ≤ 1e12 Ω in training"),
  ] {
    let (r, _) = try train(extra, "bad")
    #expect(r.status != 0, "\(extra)")
    #expect(r.stderr.split(separator: "\n").first?.contains(needle) == true, "\(extra): \(r.stderr)")
  }
}

@Test func inspectReadsBehindTheTerminalResistances() throws {
  // inspect's reads solve the meshes with them (`DifferentialArray.read`),
  // and its record says so.
  let (root, data) = try syntheticDataDirectory("terminal-inspect", train: 20, test: 5)
  defer { try? FileManager.default.removeItem(at: root) }
  func inspect(_ extra: [String], _ name: String) throws -> (neurons: String, configuration: [String: Any]?) {
    let out = root.appendingPathComponent(name)
    let r = try runXbarsim(
      ["inspect", "--data", data.path, "--layers", "64,8,10", "--wires", "resistive", "--r-row", "2", "--r-col", "2",
       "--samples", "2", "--out", out.path] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    let neurons = try String(contentsOf: out.appendingPathComponent("neurons.csv"), encoding: .utf8)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("inspect.json"))) as? [String: Any]
    return (neurons, json?["configuration"] as? [String: Any])
  }
  let plain = try inspect([], "plain"), behind = try inspect(["--r-driver", "3e4", "--r-sense", "1e4"], "behind")
  #expect(plain.neurons != behind.neurons)
  #expect(plain.configuration?["r_driver"] == nil && behind.configuration?["r_driver"] as? Double == 3e4)
  #expect(behind.configuration?["r_sense"] as? Double == 1e4)
}

// A mutation audit (session 59): the survivors in `solve` and in training's
// validation, each told apart.

// X1: from R/r = 1e4 `auto` solves directly at once (5e4 between 1e4 and 1e5).
@Test func autoSolvesDirectlyFromATerminalRatioOf1e4() throws {
  let root = try Scratch.directory("terminal-x1")
  defer { try? FileManager.default.removeItem(at: root) }
  let row = "[" + Array(repeating: "2e-5", count: 8).joined(separator: ",") + "]"
  let p = #"{"rows": 8, "cols": 8, "conductance": [\#(Array(repeating: row, count: 8).joined(separator: ","))], "v_in": [\#(Array(repeating: "0.2", count: 8).joined(separator: ","))], "r_row": 1, "r_col": 1, "r_driver": 5e4}"#
  let r = try solveJSON(root, p)
  #expect(r.json?["solver"] as? String == "direct-banded" && r.json?["iterations"] as? Int == 0, "\(String(describing: r.json))")
  let below = try solveJSON(root, p.replacingOccurrences(of: "5e4", with: "5e3"), name: "q.json")
  #expect((below.json?["solver"] as? String)?.hasPrefix("pcg") == true)
}

// X2: each refusal says what to do.
@Test func theIterationsRefusalSaysToSolveDirectly() throws {
  let root = try Scratch.directory("terminal-x2")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("p.json")
  try #"{"rows":2,"cols":3,"conductance":[[1e-4,2e-4,1e-4],[3e-5,1e-4,1e-4]],"v_in":[1,0.5],"r_row":1,"r_col":1,"r_driver":1e9}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path, "--solver", "iterative"])
  #expect(r.status == 1)
  #expect(r.stderr.split(separator: "\n").first?.hasSuffix("; use --solver direct or auto") == true, "\(r.stderr)")
}

// X3: the collapsed solve counts only the lines behind a resistance (a
// 4090×8 mesh with r_driver alone is 4,090 nodes, within 4,096).
@Test func theCollapsedSolveCountsTheLinesBehindAResistance() {
  var mesh = CrossbarMesh(
    rows: 4090, columns: 8, conductance: [Double](repeating: 1e-5, count: 4090 * 8), wires: .ideal,
    rowVoltages: [Double](repeating: 0.1, count: 4090))
  mesh.rowTerminalResistance = 100
  #expect(SolveCommand.collapsedNodes(mesh) == 4090)
  mesh.rowTerminalResistance = 0
  mesh.columnTerminalResistance = 100
  #expect(SolveCommand.collapsedNodes(mesh) == 8)
  mesh.wires.rowSegmentResistance = 1
  mesh.wires.columnSegmentResistance = 1
  #expect(SolveCommand.collapsedNodes(mesh) == 0)
}

// T3, T5: with line_capacitance, the settling check's bit lines of M + 1
// cells (the bias row) behind r_sense: 4·n·(R/r + n) must stay within 1e12.
@Test func theSettlingChecksConditionBoundCountsTheBiasRow() throws {
  for (inputs, refused) in [(3000, true), (2499, true), (2400, false)] {
    var cfg = TrainingConfiguration()
    cfg.layers = [inputs, 10]
    cfg.wires = .resistive
    cfg.senseResistance = 1e8
    cfg.lineCapacitance = 1e-15
    do {
      try cfg.validate()
      #expect(!refused, "\(inputs) inputs accepted")
    } catch let e as ConfigurationError {
      #expect(refused, "\(inputs): \(e)")
      #expect(e.field == "r_sense" && e.message.contains("with \(inputs + 1) cells"), "\(e)")
    }
  }
}

// A walkthrough as a TIA designer (session 59): a terminal resistance of 0
// takes back a file's with ideal lines; a summary of ideal lines does not
// carry one; a tiny one is told to use 0; a unit slip gets a note.
@Test func aTerminalResistanceOfZeroIsNone() throws {
  let (root, data) = try syntheticDataDirectory("terminal-zero", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("c.json")
  try #"{"wires": "resistive", "r_driver": 1000, "layers": "64,8,10", "evals_per_epoch": 2}"#.write(to: config, atomically: false, encoding: .utf8)
  func train(_ extra: [String], _ name: String) throws -> ProcessResult {
    try runXbarsim(
      ["train", "--data", data.path, "--summary", root.appendingPathComponent("\(name).json").path,
       "--log", root.appendingPathComponent("\(name).csv").path, "--epoch-log", root.appendingPathComponent("\(name)-e.csv").path,
       "--plot", root.appendingPathComponent("\(name).svg").path] + extra)
  }
  // The file's resistance with ideal lines: refused, and the suggested way out works.
  let refused = try train(["--config", config.path, "--wires", "ideal"], "a")
  #expect(refused.status != 0 && refused.stderr.contains("--r-driver 0"), "\(refused.stderr)")
  let back = try train(["--config", config.path, "--wires", "ideal", "--r-driver", "0"], "b")
  #expect(back.status == 0, "\(back.stderr)")
  let plain = try train(["--layers", "64,8,10", "--evals-per-epoch", "2", "--r-driver", "0"], "c")
  #expect(plain.status == 0, "\(plain.stderr)")
  let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("b.json"))) as? [String: Any]
  #expect((summary?["configuration"] as? [String: Any])?["r_driver"] == nil)
  // A tiny one: 0 is none.
  let tiny = try train(["--layers", "64,8,10", "--wires", "resistive", "--r-driver", "1e-200"], "d")
  #expect(tiny.status != 0 && tiny.stderr.contains("use 0 for none"), "\(tiny.stderr)")
  // r_row 0 beside a terminal resistance: training's own message.
  let ideal = try train(["--layers", "64,8,10", "--wires", "resistive", "--r-row", "0", "--r-driver", "100"], "e")
  #expect(ideal.stderr.split(separator: "\n").first?.contains("--r-driver: needs resistive lines (r_row and r_col > 0) in training") == true, "\(ideal.stderr)")
  // 10 MΩ for 10 kΩ: R·n·G_max = 1e7·10·1e-5 = 1000 (the output layer's
  // word lines of 10 cells), noted.
  let slip = try train(["--layers", "64,8,10", "--evals-per-epoch", "2", "--wires", "resistive", "--r-driver", "1e7"], "f")
  #expect(slip.status == 0, "\(slip.stderr)")
  #expect(slip.stderr.contains("note: r_driver 10000000 Ω against a word line of 10 cells up to gmax 1e-05 S (R·n·G_max = 1000)"), "\(slip.stderr)")
}
