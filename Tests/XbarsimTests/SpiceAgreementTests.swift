import Circuit
import Foundation
import Testing
import _TestSupport

/// ngspice on this machine, if installed (`.ci/run` installs it): the
/// first on PATH, else in /usr/bin or /usr/local/bin.
let ngspicePath: String? = {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
  let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
  return dirs.map { $0 + "/ngspice" }.first { candidate in
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory)
      && !isDirectory.boolValue && FileManager.default.isExecutableFile(atPath: candidate)
  }
}()

/// Under CI (the variable CI set, to anything; `.ci/run` sets it) a
/// missing ngspice fails the SPICE tests instead of skipping them.
let ngspiceRequired = ProcessInfo.processInfo.environment["CI"] != nil

/// The ngspice to run: skipped outside CI when missing (the tests'
/// `.enabled` trait), an error under CI.
func requireNgspice() throws -> URL {
  let path = try #require(
    ngspicePath, "CI is set and ngspice is not on PATH, in /usr/bin or /usr/local/bin (apt-get install -y ngspice)")
  return URL(fileURLWithPath: path)
}

/// Writes `mesh` as a problem file (README, "Problem files"), with its
/// terminal resistances.
func writeProblem(_ mesh: CrossbarMesh, to url: URL) throws {
  let n = mesh.columns
  let rows = (0..<mesh.rows).map { i in
    "[" + (0..<n).map { "\(mesh.conductance[i * n + $0])" }.joined(separator: ",") + "]"
  }
  let v = mesh.rowTerminations.map { "\($0.volts ?? 0)" }.joined(separator: ",")
  // The terminal resistances only when set (xbarsim's own keys).
  let terminals = mesh.hasTerminalResistance
    ? "\"r_driver\": \(mesh.rowTerminalResistance), \"r_sense\": \(mesh.columnTerminalResistance), " : ""
  // Non-linear cells (xbarsim's own key since session 88).
  let cells = if case .sinh(let v0) = mesh.cellIV { "\"iv_v0\": \(v0), " } else { "" }
  let text = """
    {\(terminals)\(cells)"rows": \(mesh.rows), "cols": \(n), "r_row": \(mesh.wires.rowSegmentResistance),
     "r_col": \(mesh.wires.columnSegmentResistance), "v_in": [\(v)],
     "conductance": [\(rows.joined(separator: ",\n"))]}
    """
  try text.write(to: url, atomically: false, encoding: .utf8)
}

/// Parses the `i(vout<j>) = value` lines that the exported netlist prints.
func parseNgspiceOutputs(_ text: String, count: Int) -> [Double]? {
  var out = [Double?](repeating: nil, count: count)
  for line in text.split(separator: "\n") {
    let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, parts[0].hasPrefix("i(vout"), parts[0].hasSuffix(")"),
      let j = Int(parts[0].dropFirst(6).dropLast()), j < count, let v = Double(parts[1])
    else { continue }
    out[j] = v
  }
  return out.contains(where: { $0 == nil }) ? nil : out.map { $0! }
}

/// Extracts the `i_out` list from `xbarsim solve` output.
func parseIOut(_ json: String) -> [Double]? {
  guard let start = json.range(of: "\"i_out\": ["), let end = json[start.upperBound...].firstIndex(of: "]")
  else { return nil }
  return json[start.upperBound..<end].split(separator: ",").compactMap {
    Double($0.trimmingCharacters(in: .whitespaces))
  }
}

@Test(
  "xbarsim solve agrees with ngspice on the exported netlist",
  .enabled(
    if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped (apt-get install -y ngspice)"),
  arguments: [
    (4, 4, 1.0), (4, 4, 10.0), (8, 8, 10.0), (5, 12, 1.0), (16, 16, 1.0), (24, 24, 10.0),
    (32, 32, 1.0), (48, 40, 10.0), (64, 64, 1.0), (64, 64, 10.0),
    // G_max·r_col 0.23 and 23: `solve`'s two-level preconditioner.
    (16, 12, 1e3), (24, 24, 1e5),
  ])
func agreesWithNgspice(rows: Int, cols: Int, r: Double) throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("spice")
  defer { try? FileManager.default.removeItem(at: dir) }
  // r_col ≠ r_row, so that a swap of the two (in the problem file's
  // parsing, in the netlist) changes the answer.
  var mesh = randomMesh(rows: rows, columns: cols, r: r, seed: UInt64(rows * 1000 + cols) + UInt64(r))
  mesh.wires = WireModel(rowSegmentResistance: r, columnSegmentResistance: 2.3 * r)
  let problem = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: problem)
  let netlist = dir.appendingPathComponent("p.cir")
  let export = try runXbarsim(["spice", problem.path, "--output", netlist.path])
  #expect(export.status == 0, "\(export.stderr)")
  let spice = try runProcess(ngspice, ["-b", netlist.path])
  let reference = try #require(parseNgspiceOutputs(spice.stdout, count: cols), "ngspice printed: \(spice.stdout.suffix(500))")
  let solved = try runXbarsim(["solve", problem.path])
  #expect(solved.status == 0, "\(solved.stderr)")
  let ours = try #require(parseIOut(solved.stdout))
  #expect(ours.count == cols)
  for j in 0..<cols {
    #expect(isApproximatelyEqual(ours[j], reference[j], relativeTolerance: 1e-6),
      "column \(j): xbarsim \(ours[j]) A, ngspice \(reference[j]) A")
  }
  // Small meshes also against a dense solve of the mesh as the test built
  // it: a swap in the parsing, which solve and spice share, agrees with
  // ngspice but not with this.
  if rows * cols <= 150 {
    let (w, b) = denseMeshSolve(mesh)
    var dense = [Double](repeating: 0, count: cols)
    for i in 0..<rows {
      for j in 0..<cols { dense[j] += mesh.conductance[i * cols + j] * (w[i * cols + j] - b[i * cols + j]) }
    }
    #expect(maxRelativeDifference(ours, dense) < 1e-9, "xbarsim \(ours), dense \(dense)")
    #expect(maxRelativeDifference(reference, dense) < 1e-6, "ngspice \(reference), dense \(dense)")
  }
}

@Test(
  "ideal wires export without zero-ohm resistors and agree with ngspice",
  .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped"))
func idealWiresAgreeWithNgspice() throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("spice")
  defer { try? FileManager.default.removeItem(at: dir) }
  var mesh = randomMesh(rows: 6, columns: 5, r: 0, seed: 3)
  mesh.conductance[7] = 0
  let problem = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: problem)
  let export = try runXbarsim(["spice", problem.path])
  #expect(!export.stdout.contains(" 0\n") || !export.stdout.contains("RW"))
  let netlist = dir.appendingPathComponent("p.cir")
  try export.stdout.write(to: netlist, atomically: false, encoding: .utf8)
  let spice = try runProcess(ngspice, ["-b", netlist.path])
  let reference = try #require(parseNgspiceOutputs(spice.stdout, count: 5))
  let ours = try #require(parseIOut(try runXbarsim(["solve", problem.path]).stdout))
  #expect(maxRelativeDifference(ours, reference) < 1e-9)
}
