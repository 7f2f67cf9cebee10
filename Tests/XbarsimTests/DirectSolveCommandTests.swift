import Foundation
import Circuit
import Testing
import _TestSupport

// `solve --solver auto|iterative|direct` (session 54): behind word lines of
// large G·r the conjugate gradients leave the far outputs wrong (session
// 52's walkthrough: up to 32,000 times, one negative; noted since); the
// direct solve answers each to a few ulps, and `auto` takes it where an
// output is below 1e-6 of its column's ideal-line current.

private func problem(_ root: URL, _ name: String, rRow: String, vIn: String = "[1, -0.5]") throws -> String {
  let file = root.appendingPathComponent(name)
  try #"{"rows": 2, "cols": 3, "conductance": [[1e-4, 2e-4, 1e-4], [3e-5, 1e-4, 1e-4]], "v_in": \#(vIn), "r_row": \#(rRow), "r_col": 1}"#
    .write(to: file, atomically: false, encoding: .utf8)
  return file.path
}

private func solved(_ args: [String]) throws -> (json: [String: Any], stderr: String) {
  let r = try runXbarsim(["solve"] + args)
  #expect(r.status == 0, "\(r.stderr)")
  return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any], r.stderr)
}

@Test func solveAnswersFarOutputsDirectly() throws {
  let root = try Scratch.directory("xbarsim-direct")
  defer { try? FileManager.default.removeItem(at: root) }
  // scripts/exact-mesh on this file: rational arithmetic.
  let exact = [5.000001332931394e-12, -6.664655222982662e-19, -1.1665735337279142e-25]
  let far = try problem(root, "far.json", rRow: "1e11")
  for solver in ["auto", "direct"] {
    let (json, stderr) = try solved([far, "--solver", solver])
    #expect(json["solver"] as? String == "direct-banded")
    let out = json["i_out"] as! [Double]
    for (got, want) in zip(out, exact) { #expect(abs(got - want) <= 1e-14 * abs(want), "\(solver): \(out)") }
    #expect(stderr.isEmpty, "\(stderr)")
  }
  // Auto is the default.
  #expect(try solved([far]).json["solver"] as? String == "direct-banded")
  // Iterative: the old answer, its far output off, and the note, which
  // now points at the direct solve.
  let (json, stderr) = try solved([far, "--solver", "iterative"])
  #expect((json["solver"] as? String)?.hasPrefix("pcg") == true)
  let out = json["i_out"] as! [Double]
  #expect(abs(out[2] - exact[2]) > 100 * abs(exact[2]))
  #expect(stderr.contains(", i_out[2] ") && stderr.contains("--solver direct (or auto) gives each output to its own accuracy"), "\(stderr)")
  // Ordinary lines: auto iterates (every output far above 1e-6 of its
  // ideal current) and agrees with the direct solve.
  let near = try problem(root, "near.json", rRow: "1", vIn: "[1, 0.5]")
  let iterated = try solved([near])
  #expect(iterated.json["solver"] as? String == "pcg-line-jacobi")
  let direct = try solved([near, "--solver", "direct"])
  for (a, b) in zip(iterated.json["i_out"] as! [Double], direct.json["i_out"] as! [Double]) {
    #expect(abs(a - b) <= 1e-12 * abs(b))
  }
  // Ideal lines of one kind: the line-by-line solve, whatever --solver says.
  let ideal = root.appendingPathComponent("ideal.json")
  try #"{"rows": 2, "cols": 2, "conductance": [[1e-4, 1e-4], [1e-4, 1e-4]], "v_in": [1, 1], "r_row": 1, "r_col": 0}"#
    .write(to: ideal, atomically: false, encoding: .utf8)
  #expect(try solved([ideal.path, "--solver", "direct"]).json["solver"] as? String == "line-direct")
}

// A column whose cells sit on undriven rows only is fed through the lines
// alone: the iterative solve answered 0 A, converged, for 9.0e-17 A (a
// review, session 54, checked with 60-digit mpmath; scripts/exact-mesh
// gives 8.999943852320126e-17). Auto solves it directly; iterative notes it.
@Test func aColumnFedThroughTheLinesAloneIsSolvedDirectly() throws {
  let root = try Scratch.directory("xbarsim-direct-fed")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("fed.json")
  try #"{"rows": 3, "cols": 3, "conductance": [[0.1, 0.1, 0], [1e-4, 1e-4, 1e-2], [1e-4, 1e-4, 1e-2]], "v_in": [1, 0, 0], "r_row": 1e-5, "r_col": 1e-5}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let exact = 8.999943852320126e-17
  let auto = try solved([file.path])
  #expect(auto.json["solver"] as? String == "direct-banded" && !auto.stderr.contains("i_out"), "\(auto.stderr)")
  let out = auto.json["i_out"] as! [Double]
  #expect(abs(out[2] - exact) <= 1e-13 * exact, "\(out)")
  let iterative = try solved([file.path, "--solver", "iterative"])
  #expect(iterative.stderr.contains("note: i_out[2] ") && iterative.stderr.contains("has no cell on a driven row: its current comes through the lines alone"), "\(iterative.stderr)")
}

@Test func solveRefusesABadSolverAndTooLargeADirectSolve() throws {
  let root = try Scratch.directory("xbarsim-direct-bad")
  defer { try? FileManager.default.removeItem(at: root) }
  let small = try problem(root, "small.json", rRow: "1")
  var r = try runXbarsim(["solve", small, "--solver", "cholesky"])
  #expect(r.status == 64 && r.stderr.contains("--solver must be auto, iterative or direct, got 'cholesky'"), "\(r.stderr)")
  // 130×130: beyond 2^30 operations of banded elimination.
  let n = 130
  let row = "[" + Array(repeating: "1e-5", count: n).joined(separator: ",") + "]"
  let big = root.appendingPathComponent("big.json")
  try #"{"rows": \#(n), "cols": \#(n), "conductance": [\#(Array(repeating: row, count: n).joined(separator: ","))], "v_in": [\#(Array(repeating: "1", count: n).joined(separator: ","))], "r_row": 1, "r_col": 1}"#
    .write(to: big, atomically: false, encoding: .utf8)
  r = try runXbarsim(["solve", big.path, "--solver", "direct"])
  #expect(r.status == 1 && r.stderr.contains("--solver direct: the 130×130 mesh needs") && r.stderr.contains("use --solver iterative"), "\(r.stderr)")
  // Auto iterates it (every output near its ideal current).
  r = try runXbarsim(["solve", big.path])
  #expect(r.status == 0 && r.stdout.contains("\"solver\": \"pcg-line-jacobi\""), "\(r.stdout.prefix(300))")
}

// The direct solve's band (134 MB at 64×1024) beside the iteration's
// workspace: `auto` iterates on where it would not fit, `direct` is
// refused with the memory named (`auto` had trapped in the band's
// allocation under ulimit -v 250 MB).
@Test func theDirectSolvesBandIsCheckedAgainstTheMemory() throws {
  let root = try Scratch.directory("xbarsim-direct-memory")
  defer { try? FileManager.default.removeItem(at: root) }
  let m = 64, n = 1024
  var rng = SeededGenerator(seed: 3)
  let rows = (0..<m).map { _ in "[" + (0..<n).map { _ in String(1e-6 + 9.9e-5 * rng.nextUniform()) }.joined(separator: ",") + "]" }
  let drives = (0..<m).map { _ in String(rng.nextUniform()) }.joined(separator: ",")
  try #"{"rows": \#(m), "cols": \#(n), "conductance": [\#(rows.joined(separator: ","))], "v_in": [\#(drives)], "r_row": 1e6, "r_col": 1e6}"#
    .write(to: root.appendingPathComponent("wide.json"), atomically: false, encoding: .utf8)
  var r = try runShell("ulimit -v 300000; \"$1\" solve wide.json", in: root)
  #expect(r.status == 0 && r.stdout.contains("\"solver\": \"pcg-two-level\"") && r.stderr.contains("the mesh is too large for --solver direct"), "\(r.stderr.prefix(400))")
  r = try runShell("ulimit -v 300000; \"$1\" solve wide.json --solver direct", in: root)
  #expect(r.status == 1 && r.stderr.hasPrefix("Error: wide.json: --solver direct: the 64×1024 mesh's band needs about") && r.stderr.contains("use --solver iterative"), "\(r.stderr.prefix(400))")
}
