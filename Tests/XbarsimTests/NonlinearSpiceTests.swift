import Circuit
import Foundation
import Testing
import _TestSupport

// A problem file's `iv_v0` (session 88): cells of I = G·V0·sinh(V/V0),
// solved by Newton's method, against ngspice on the exported netlist (each
// cell a behavioural source), with every solver `solve` chooses; the
// answer's keys; and the key's refusals.

private func jsonObject(_ text: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Test(
  "solve agrees with ngspice on meshes of sinh cells",
  .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped (apt-get install -y ngspice)"),
  arguments: [
    // rows, cols, r_row, r_col, r_driver, r_sense, V0, drive scale, solver.
    (8, 8, 1.0, 2.3, 0.0, 0.0, 0.1, 0.2, "pcg-line-jacobi"),
    (24, 20, 100.0, 230.0, 0.0, 0.0, 0.05, 0.5, "pcg-two-level"),
    (12, 10, 0.0, 50.0, 0.0, 0.0, 0.1, 1.0, "line-direct"),
    (12, 10, 50.0, 0.0, 0.0, 0.0, 0.1, 1.0, "line-direct"),
    (10, 12, 0.0, 0.0, 1e3, 500.0, 0.1, 1.0, "direct-line-nodes"),
    (16, 16, 1e3, 1e3, 0.0, 0.0, 0.1, 2.0, "direct-banded"),
  ])
func solveAgreesWithNgspiceOnSinhCells(
  rows: Int, cols: Int, rRow: Double, rCol: Double, rDriver: Double, rSense: Double, v0: Double, drive: Double,
  solver: String
) throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("spice-sinh")
  defer { try? FileManager.default.removeItem(at: dir) }
  var mesh = randomMesh(rows: rows, columns: cols, r: 0, seed: UInt64(rows * 100 + cols))
  mesh.wires = WireModel(
    rowSegmentResistance: rRow, columnSegmentResistance: rCol, rowTerminalResistance: rDriver,
    columnTerminalResistance: rSense)
  mesh.rowTerminations = mesh.rowTerminations.map { .source(volts: drive * ($0.volts ?? 0)) }
  mesh.cellIV = .sinh(v0: v0)
  let problem = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: problem)
  let netlist = dir.appendingPathComponent("p.cir")
  let export = try runXbarsim(["spice", problem.path, "--output", netlist.path])
  #expect(export.status == 0, "\(export.stderr)")
  let text = try String(contentsOf: netlist, encoding: .utf8)
  #expect(text.contains("BC0_0 ") && !text.contains("RC0_0 ") && text.contains(".options reltol=1e-10"))
  let spice = try runProcess(ngspice, ["-b", netlist.path])
  let reference = try #require(parseNgspiceOutputs(spice.stdout, count: cols), "ngspice printed: \(spice.stdout.suffix(500))")
  // (The banded elimination by request: `auto` keeps this mesh's iteration.)
  let choice = solver == "direct-banded" ? ["--solver", "direct"] : []
  let solved = try runXbarsim(["solve", problem.path, "--device-currents"] + choice)
  #expect(solved.status == 0, "\(solved.stderr)")
  let answer = try jsonObject(solved.stdout)
  #expect(answer["solver"] as? String == solver)
  #expect(answer["iv_v0"] as? Double == v0)
  #expect((answer["newton_steps"] as? Int ?? 0) >= 2)
  #expect((answer["residual"] as? Double ?? 1) < 1e-10)
  let ours = try #require(answer["i_out"] as? [Double])
  #expect(maxRelativeDifference(ours, reference) < 1e-8, "xbarsim \(ours), ngspice \(reference)")
  // Against the same mesh with linear cells: sinh draws more per volt.
  var linear = mesh
  linear.cellIV = .linear
  try writeProblem(linear, to: problem)
  let flat = try #require(parseIOut(try runXbarsim(["solve", problem.path]).stdout))
  #expect(maxRelativeDifference(ours, flat) > 1e-3)
  // i_device is G·f(ΔV): each column's sum is its output where the bit
  // lines' tops are open (with ideal bit lines too: one node).
  let device = try #require(answer["i_device"] as? [[Double]])
  for j in 0..<cols {
    let sum = (0..<rows).reduce(0.0) { $0 + device[$1][j] }
    #expect(isApproximatelyEqual(sum, ours[j], relativeTolerance: 1e-9), "column \(j): Σ i_device \(sum), i_out \(ours[j])")
  }
}

@Test(
  "a V/2 write of sinh cells agrees with ngspice at the selected cell",
  .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped"))
func aWriteOfSinhCellsAgreesWithNgspice() throws {
  let ngspice = try requireNgspice()
  let dir = try Scratch.directory("spice-sinh")
  defer { try? FileManager.default.removeItem(at: dir) }
  var mesh = randomMesh(rows: 10, columns: 10, r: 20, seed: 88)
  mesh.cellIV = .sinh(v0: 0.1)
  let problem = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: problem)
  let args = ["--write", "2,7", "--write-voltage", "1.5"]
  let netlist = try runXbarsim(["spice", problem.path] + args)
  #expect(netlist.status == 0, "\(netlist.stderr)")
  let cir = dir.appendingPathComponent("w.cir")
  try netlist.stdout.write(to: cir, atomically: false, encoding: .utf8)
  let spice = try runProcess(ngspice, ["-b", cir.path]).stdout
  func probe(_ name: String) -> Double? {
    spice.split(separator: "\n").first { $0.hasPrefix("\(name) = ") }.flatMap { Double($0.split(separator: "=")[1].trimmingCharacters(in: .whitespaces)) }
  }
  let w = try #require(probe("v(w2_7)"), "\(spice.suffix(400))"), b = try #require(probe("v(b2_7)"))
  let solved = try jsonObject(try runXbarsim(["solve", problem.path] + args).stdout)
  let selected = try #require(solved["v_selected"] as? Double)
  #expect(isApproximatelyEqual(selected, w - b, relativeTolerance: 1e-9), "xbarsim \(selected) V, ngspice \(w - b) V")
  #expect(solved["iv_v0"] as? Double == 0.1)
}

/// `iv_v0` out of range, of the wrong type, or too small for the drives:
/// one line naming the key and the file, exit 1.
@Test func badIVV0IsOneLineNamingTheKey() throws {
  let dir = try Scratch.directory("sinh-bad")
  defer { try? FileManager.default.removeItem(at: dir) }
  let base = #"{"rows": 2, "cols": 2, "r_row": 1, "r_col": 1, "v_in": [1, 0], "conductance": [[1e-4, 1e-4], [1e-4, 1e-4]], "iv_v0": "#
  for (value, says) in [
    ("-0.1", "'iv_v0' must be finite and ≥ 0"), ("1e-4", "'iv_v0' must be 0 (linear cells) or in [0.001, 100] V"),
    ("200", "'iv_v0' must be 0 (linear cells) or in [0.001, 100] V"), (#""0.1""#, "'iv_v0' must be a number"),
    ("0.01", "iv_v0: the drives span 1 V, 100 times V0"),
  ] {
    let file = dir.appendingPathComponent("p.json")
    try (base + value + "}").write(to: file, atomically: false, encoding: .utf8)
    for command in ["solve", "spice"] {
      let r = try runXbarsim([command, file.path])
      #expect(r.status == 1, "\(command) \(value): \(r.status)")
      #expect(r.stderr.contains(says) && r.stderr.contains(file.path), "\(command) \(value): \(r.stderr)")
      #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
  }
  // 0 is linear cells: no iv_v0 in the answer, and no note of an ignored key.
  let file = dir.appendingPathComponent("p.json")
  try (base + "0}").write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path])
  #expect(r.status == 0 && !r.stdout.contains("iv_v0") && !r.stderr.contains("ignored"), "\(r.stdout) \(r.stderr)")
}

/// `line --problem` models a line's cells as linear shunts: a file of sinh
/// cells is refused in one line naming the key, and the same file at
/// iv_v0 = 0 runs.
@Test func lineRefusesAFileOfSinhCells() throws {
  let dir = try Scratch.directory("sinh-line")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  for (v0, ok) in [("0.1", false), ("0", true)] {
    try #"{"rows": 2, "cols": 3, "r_row": 5, "r_col": 5, "v_in": [0.2, 0], "conductance": [[1e-4, 1e-4, 1e-4], [1e-4, 1e-4, 1e-4]], "iv_v0": \#(v0)}"#
      .write(to: file, atomically: false, encoding: .utf8)
    let r = try runXbarsim(["line", "--problem", file.path, "--row", "0", "--capacitance", "1e-15"])
    if ok {
      #expect(r.status == 0, "\(r.stderr)")
    } else {
      #expect(r.status == 1 && r.stderr.contains("'iv_v0' = 0.1 V: the line's transient takes linear cells only"), "\(r.stderr)")
      #expect(r.stderr.split(separator: "\n").count == 1)
    }
  }
}

/// `scripts/write-nonlinearity` on a small array: a row per curve and
/// scheme, and the selected cell's voltage rising with the non-linearity
/// under each scheme (docs/circuit.md's table is its 128×128 run).
@Test(.enabled(if: python3Runs, "python3 is not installed: skipped"))
func theWriteNonlinearityScriptShowsTheSelectedCellGaining() throws {
  let python = try #require(python3OnPath, "CI is set and python3 is not on PATH")
  let binary = try #require(productExecutable("xbarsim"))
  let script = checkoutRoot.appendingPathComponent("scripts/write-nonlinearity")
  let r = try runProcess(python, [script.path, "--xbarsim", binary.path, "--size", "24", "--r", "20"])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| linear") || $0.hasPrefix("| sinh") }
  #expect(rows.count == 10, "\(r.stdout)")
  for scheme in ["v2", "v3"] {
    let selected = rows.filter { $0.contains("| \(scheme) |") }.compactMap { Double($0.split(separator: "|")[4].trimmingCharacters(in: .whitespaces)) }
    #expect(selected.count == 5)
    #expect(zip(selected, selected.dropFirst()).allSatisfy { $0 < $1 }, "\(scheme): \(selected)")
    #expect((selected.last ?? 0) < 2)
  }
}

/// `--solver auto` weighs each cell by its slope at the iteration's own
/// voltages: a mesh of sinh cells driven to 20·V0, whose outputs are all
/// within a few times of each other, stays iterative (an audit, session
/// 88: it had gone to the direct solve, 20 times slower at 128×128), and
/// agrees with the direct solve.
@Test func autoKeepsTheIterationForOrdinaryOutputsOfSinhCells() throws {
  let dir = try Scratch.directory("sinh-auto")
  defer { try? FileManager.default.removeItem(at: dir) }
  var mesh = randomMesh(rows: 32, columns: 32, r: 1, seed: 128)
  mesh.cellIV = .sinh(v0: 0.05)
  let file = dir.appendingPathComponent("p.json")
  try writeProblem(mesh, to: file)
  let auto = try jsonObject(try runXbarsim(["solve", file.path]).stdout)
  #expect((auto["solver"] as? String)?.hasPrefix("pcg") == true, "\(auto["solver"] ?? "none")")
  let direct = try jsonObject(try runXbarsim(["solve", file.path, "--solver", "direct"]).stdout)
  let a = try #require(auto["i_out"] as? [Double]), d = try #require(direct["i_out"] as? [Double])
  #expect(maxRelativeDifference(a, d) < 1e-9)
  #expect((a.map(abs).min() ?? 0) > 1e-3 * (a.map(abs).max() ?? 0))
}

/// Beyond the G·r bound through the cells' slope, the refusal names
/// iv_v0 and the drives (not the file's conductance); a spread just past
/// 20·V0 is shown with its digits.
@Test func theSlopeBoundAndTheSpreadSayWhatTheyCount() throws {
  let dir = try Scratch.directory("sinh-bounds")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows": 2, "cols": 2, "r_row": 1e4, "r_col": 1e4, "v_in": [1, 0], "conductance": [[1e-3, 1e-3], [1e-3, 1e-3]], "iv_v0": 0.05}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let slope = try runXbarsim(["solve", file.path])
  #expect(slope.status == 1 && slope.stderr.contains("the cells' slope G·cosh(spread/V0) (iv_v0 = 0.05 V, drives spanning 1 V)"), "\(slope.stderr)")
  #expect(!slope.stderr.contains("check the units"))
  try #"{"rows": 2, "cols": 2, "r_row": 1, "r_col": 1, "v_in": [1.0001, 0], "conductance": [[1e-4, 1e-4], [1e-4, 1e-4]], "iv_v0": 0.05}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let spread = try runXbarsim(["solve", file.path])
  #expect(spread.status == 1 && spread.stderr.contains("the drives span 1.0001 V, 20.002 times V0"), "\(spread.stderr)")
}
