import Circuit
import Foundation
import Testing
import _TestSupport

// `solve --write ROW,COL` and `spice --write` (session 56): an array biased
// to program one cell, what each cell sees through the lines.

private func json(_ text: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

/// Parses ngspice's `v(node) = value` lines.
func ngspiceVoltages(_ text: String) -> [String: Double] {
  var out: [String: Double] = [:]
  for line in text.split(separator: "\n") {
    let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
    if parts.count == 2, parts[0].hasPrefix("v("), let v = Double(parts[1]) { out[parts[0]] = v }
  }
  return out
}

@Test func aWriteOfOneCellBetweenItsDriversIsADivider() throws {
  let dir = try Scratch.directory("xbarsim-write")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("one.json")
  try #"{"rows":1,"cols":1,"conductance":[[1e-4]],"v_in":[0.3],"r_row":100,"r_col":50}"#.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path, "--write", "0,0", "--write-voltage", "2", "--write-time", "1e-6", "--write-threshold", "1.5"])
  #expect(r.status == 0, "\(r.stderr)")
  let d = try json(r.stdout)
  let v = 2 / (1 + 1e-4 * 150)
  #expect(abs((d["v_selected"] as! Double) - v) <= 1e-12 * v)
  #expect(abs((d["v_selected_share"] as! Double) - v / 2) <= 1e-12)
  #expect(d["v_half_selected_row"] is NSNull && d["v_unselected"] is NSNull)
  #expect(d["selected_reaches_threshold"] as? Bool == true && d["other_cells_reaching_threshold"] as? Int == 0)
  let p = d["power_watts"] as! Double, i = 1e-4 * v
  #expect(abs(p - 2 * i) <= 1e-12 * p)
  #expect(abs((d["power_lines_watts"] as! Double) - i * i * 150) <= 1e-9 * i * i * 150)
  #expect(abs((d["energy_joules"] as! Double) - p * 1e-6) <= 1e-15 * p)
  let parts = ["energy_selected_joules", "energy_half_selected_joules", "energy_unselected_joules", "energy_lines_joules"]
    .map { d[$0] as! Double }
  #expect(abs(parts.reduce(0, +) - p * 1e-6) <= 1e-12 * p * 1e-6)
  #expect(r.stderr.contains("v_in is not used with --write"), "\(r.stderr)")
  // A write needs no v_in (a walkthrough, session 56: it had been
  // required, and then not used); a read still does. Drives of 0 get no note.
  let bare = dir.appendingPathComponent("bare.json")
  try #"{"rows":1,"cols":1,"conductance":[[1e-4]],"r_row":100,"r_col":50}"#.write(to: bare, atomically: false, encoding: .utf8)
  let w = try runXbarsim(["solve", bare.path, "--write", "0,0", "--write-voltage", "2"])
  #expect(w.status == 0, "\(w.stderr)")
  #expect(abs((try json(w.stdout)["v_selected"] as! Double) - v) <= 1e-12 * v)
  #expect(!w.stderr.contains("v_in"), "\(w.stderr)")
  let read = try runXbarsim(["solve", bare.path])
  #expect(read.status == 1 && read.stderr.contains("missing key 'v_in'"), "\(read.stderr)")
  let spice = try runXbarsim(["spice", bare.path, "--write", "0,0"])
  #expect(spice.status == 0 && spice.stdout.contains("Vout0 o0 0 DC -0.5"), "\(spice.stdout)")
}

@Test(arguments: [
  (["--write", "2,0"], "--write: cell (2, 0) is outside"),
  (["--write", "a,1"], "--write: expects ROW,COL"),
  (["--write", "1"], "--write: expects ROW,COL"),
  (["--write", "-1,0"], "is outside"),
  (["--write", "0,0", "--scheme", "v4"], "--scheme must be v2 (V/2) or v3 (V/3)"),
  (["--write", "0,0", "--write-voltage", "0"], "--write-voltage must have 1e-6 ≤ |V| ≤ 1000 V"),
  (["--write", "0,0", "--write-voltage", "2000"], "--write-voltage must have 1e-6 ≤ |V| ≤ 1000 V"),
  // (1e-170 V had printed 0 V across the selected cell, converged: the
  // iteration's norms underflow; a walkthrough, session 56.)
  (["--write", "0,0", "--write-voltage", "1e-170"], "--write-voltage must have 1e-6 ≤ |V| ≤ 1000 V"),
  (["--write", "0,0", "--write-voltage", "-9e-7"], "--write-voltage must have 1e-6 ≤ |V| ≤ 1000 V"),
  (["--write", "0,0", "--write-time", "5"], "--write-time must be in"),
  (["--write", "0,0", "--write-threshold", "-1"], "--write-threshold must be in (0, 1000] V"),
  (["--scheme", "v3"], "--scheme: applies to a write only"),
  (["--write-threshold", "1"], "--write-threshold: applies to a write only"),
  (["--write", "0,0", "--read-time", "1e-8"], "--read-time: a write (--write) has no read"),
  (["--write", "0,0", "--line-currents"], "--line-currents: not with --write"),
])
func badWriteOptionsAreOneLineErrors(_ options: [String], _ message: String) throws {
  let dir = try Scratch.directory("xbarsim-write-bad")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows":2,"cols":2,"conductance":[[1e-4,2e-5],[5e-5,1e-4]],"v_in":[0.2,0.1],"r_row":1,"r_col":1}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path] + options)
  #expect(r.status == 64, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: ") && r.stderr.contains(message), "\(r.stderr)")
  #expect(r.stdout.isEmpty)
}

@Test(
  "solve --write agrees with ngspice on spice --write's netlist",
  .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped (apt-get install -y ngspice)"),
  arguments: [
    ("v2", 7.0, 0.0, "0,8"), ("v3", 50.0, 0.0, "0,8"), ("v2", 0.0, 30.0, "0,8"), ("v3", 20.0, 0.0, "0,8"),
    ("v2", 20.0, 0.0, "3,4"), ("v3", 0.0, 30.0, "5,2"), ("v3", 7.0, 0.0, "6,0"),
  ])
func writeAgreesWithNgspice(_ scheme: String, _ rRow: Double, _ rCol: Double, _ cell: String) throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("spice-write")
  defer { try? FileManager.default.removeItem(at: dir) }
  var mesh = randomMesh(rows: 7, columns: 9, r: 1, seed: 56)
  // Both kinds resistive (r_col = 1.7·r_row where r_row is 7 or 50), or one
  // kind ideal: r_row 0 (bit lines at 30 Ω), or r_col 0 (r_row 20).
  let row = rRow > 0 ? rRow : 0, col = rCol > 0 ? rCol : (rRow == 20 ? 0 : 1.7 * rRow)
  mesh.wires = WireModel(rowSegmentResistance: row, columnSegmentResistance: col)
  let problem = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: problem)
  let netlist = dir.appendingPathComponent("p.cir")
  let options = ["--write", cell, "--scheme", scheme, "--write-voltage", "1.6"]
  let parts = cell.split(separator: ",").map { Int($0)! }
  let (si, sj) = (parts[0], parts[1])
  let export = try runXbarsim(["spice", problem.path, "--output", netlist.path] + options)
  #expect(export.status == 0, "\(export.stderr)")
  let spice = try runProcess(ngspice, ["-b", netlist.path])
  let currents = try #require(parseNgspiceOutputs(spice.stdout, count: 9), "ngspice printed: \(spice.stdout.suffix(500))")
  let volts = ngspiceVoltages(spice.stdout)
  #expect(volts.count == 2, "\(spice.stdout.suffix(300))")
  let solved = try runXbarsim(["solve", problem.path, "--node-voltages"] + options)
  #expect(solved.status == 0, "\(solved.stderr)")
  let d = try json(solved.stdout)
  let iCol = d["i_col"] as! [Double]
  for j in 0..<9 {
    #expect(abs(-iCol[j] - currents[j]) <= 1e-9 * iCol.map(abs).max()!, "column \(j): xbarsim \(-iCol[j]), ngspice \(currents[j])")
  }
  let word = (d["v_word"] as! [[Double]])[si][sj], bit = (d["v_bit"] as! [[Double]])[si][sj]
  let names = volts.keys.sorted()
  // v(<word node>) and v(<bit node>): a word node is w<i>_<j> or s<i>, a bit node b<i>_<j> or o<j>.
  let w = try #require(names.first { $0.hasPrefix("v(w") || $0.hasPrefix("v(s") }.flatMap { volts[$0] })
  let b = try #require(names.first { $0.hasPrefix("v(b") || $0.hasPrefix("v(o") }.flatMap { volts[$0] })
  #expect(abs(word - w) <= 1e-9 && abs(bit - b) <= 1e-9, "xbarsim \(word) \(bit), ngspice \(w) \(b)")
  #expect(abs((d["v_selected"] as! Double) - (w - b)) <= 2e-9)
  // The drop is real: the farthest cell sees less than V.
  #expect((d["v_selected"] as! Double) < 1.6)
}

/// Ideal lines, V/3, a negative V whose thirds are exact: every group's
/// value is known exactly (a mutation audit, session 56: the threshold
/// count, the groups' ranges and powers and the defaults had no test).
@Test func aWriteOnIdealLinesIsExactGroupByGroup() throws {
  let dir = try Scratch.directory("xbarsim-write-exact")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  let g: [[Double]] = [[1e-4, 2e-4, 3e-4, 4e-4], [5e-5, 6e-5, 7e-5, 8e-5], [1e-5, 2e-5, 3e-5, 4e-5]]
  try #"{"rows":3,"cols":4,"conductance":[[1e-4,2e-4,3e-4,4e-4],[5e-5,6e-5,7e-5,8e-5],[1e-5,2e-5,3e-5,4e-5]],"v_in":[0,0,0],"r_row":0,"r_col":0}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path, "--write", "2,1", "--scheme", "v3", "--write-voltage", "-1.5",
                          "--write-threshold", "0.5", "--write-time", "1e-6", "--node-voltages"])
  #expect(r.status == 0, "\(r.stderr)")
  let d = try json(r.stdout)
  #expect(d["v_selected"] as? Double == -1.5)
  #expect(d["v_half_selected_row"] as? [Double] == [-0.5, -0.5] && d["v_half_selected_col"] as? [Double] == [-0.5, -0.5])
  #expect(d["v_unselected"] as? [Double] == [0.5, 0.5])
  #expect(d["v_half_selected_ideal"] as? Double == -0.5 && d["v_unselected_ideal"] as? Double == 0.5)
  // |v| ≥ 0.5 everywhere: all 11 others reach it, and the selected one (at −1.5) does.
  #expect(d["other_cells_reaching_threshold"] as? Int == 11 && d["selected_reaches_threshold"] as? Bool == true)
  var half = 0.0, none = 0.0
  for i in 0..<3 { for j in 0..<4 where !(i == 2 && j == 1) { if i == 2 || j == 1 { half += g[i][j] * 0.25 } else { none += g[i][j] * 0.25 } } }
  #expect(abs((d["power_selected_watts"] as! Double) - 2e-5 * 2.25) <= 1e-18)
  #expect(abs((d["power_half_selected_watts"] as! Double) - half) <= 1e-15 * half)
  #expect(abs((d["energy_unselected_joules"] as! Double) - none * 1e-6) <= 1e-15 * none * 1e-6)
  let cell = d["v_cell"] as! [[Double]]
  #expect(cell[2][1] == -1.5 && cell[0][0] == 0.5)
  // Defaults: v2, 1 V, 1e-7 s.
  let dflt = try json(try runXbarsim(["solve", file.path, "--write", "0,0"]).stdout)
  let w = dflt["write"] as! [String: Any]
  #expect(w["scheme"] as? String == "v2" && w["voltage"] as? Double == 1 && dflt["write_time_seconds"] as? Double == 1e-7)
  let big = try runXbarsim(["solve", file.path, "--write", "0,0", "--write-threshold", "2000"])
  #expect(big.status == 64 && big.stderr.contains("--write-threshold must be in (0, 1000] V"))
  // The column's range is the column's: with resistive lines it differs from the row's.
  let rfile = dir.appendingPathComponent("r.json")
  try #"{"rows":3,"cols":4,"conductance":[[1e-4,2e-4,3e-4,4e-4],[5e-5,6e-5,7e-5,8e-5],[1e-5,2e-5,3e-5,4e-5]],"v_in":[0,0,0],"r_row":100,"r_col":300}"#
    .write(to: rfile, atomically: false, encoding: .utf8)
  let rd = try json(try runXbarsim(["solve", rfile.path, "--write", "2,1", "--node-voltages"]).stdout)
  let vc = rd["v_cell"] as! [[Double]], col = [vc[0][1], vc[1][1]], row = [vc[2][0], vc[2][2], vc[2][3]]
  #expect(rd["v_half_selected_col"] as? [Double] == [col.min()!, col.max()!])
  #expect(rd["v_half_selected_row"] as? [Double] == [row.min()!, row.max()!])
}
