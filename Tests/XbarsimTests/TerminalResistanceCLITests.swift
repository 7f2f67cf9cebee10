import Circuit
import Foundation
import Testing
import _TestSupport

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
  let dir = try temporaryDirectory("spice-terminal")
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
  let dir = try temporaryDirectory("spice-terminal-write")
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
  let dir = try temporaryDirectory("terminal-bad")
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
    try "{\(base),\(extra)}".write(to: file, atomically: true, encoding: .utf8)
    for command in ["solve", "spice"] {
      let r = try runXbarsim([command, file.path])
      #expect(r.status == 1, "\(command) \(extra): \(r.stderr)")
      #expect(r.stderr.split(separator: "\n").first?.contains(needle) == true, "\(command) \(extra): \(r.stderr)")
      #expect(r.stdout.isEmpty)
    }
  }
}

@Test func lineTakesTheFilesTerminalResistanceAsItsDriver() throws {
  let dir = try temporaryDirectory("terminal-line")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows":2,"cols":3,"conductance":[[1e-4,2e-4,1e-4],[3e-5,1e-4,1e-4]],"v_in":[1,0.5],"r_row":2,"r_col":5,"r_driver":100,"r_sense":40}"#
    .write(to: file, atomically: true, encoding: .utf8)
  for (line, want) in [(["--row", "1"], 100.0), (["--col", "2"], 40.0)] {
    let r = try runXbarsim(["line", "--problem", file.path, "--capacitance", "1e-15"] + line)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try json(r.stdout)["driver_resistance"] as? Double == want)
  }
  let both = try runXbarsim(["line", "--problem", file.path, "--capacitance", "1e-15", "--row", "0", "--driver-resistance", "7"])
  #expect(both.status == 64)
  #expect(both.stderr.contains("--driver-resistance: \(file.path) gives the line's (r_driver = 100 Ω)"))
}
