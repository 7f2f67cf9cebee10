import Foundation
import Testing
import _TestSupport

// Kills (mutation round 3): SolveCommand writing the bit-line node voltages
// under "v_word" (`json.add("v_word", …, sol.bitNodeVoltage)`).
// Invariants: with ideal wires every word node sits at its row's v_in and
// every bit node at 0 V; with resistive wires each cell's voltage
// v_word − v_bit is its current i_device divided by its conductance.
@Test func nodeVoltagesAreTheWordAndBitNodesOfEachCell() throws {
  func solve(_ text: String) throws -> [String: Any] {
    let dir = try Scratch.directory("solve-nodes")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("problem.json")
    try text.write(to: url, atomically: false, encoding: .utf8)
    let r = try runXbarsim(["solve", url.path, "--node-voltages", "--device-currents"])
    #expect(r.status == 0, "\(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
  }
  let ideal = try solve("""
    {"rows": 2, "cols": 2, "conductance": [[1e-4, 2e-4], [3e-4, 4e-4]], "v_in": [0.5, 1.0], "r_row": 0, "r_col": 0}
    """)
  #expect(ideal["v_word"] as? [[Double]] == [[0.5, 0.5], [1.0, 1.0]])
  #expect(ideal["v_bit"] as? [[Double]] == [[0, 0], [0, 0]])

  let g = [[1e-4, 2e-4, 5e-5], [3e-4, 4e-4, 1e-4], [2e-4, 1e-4, 3e-4]]
  let wired = try solve("""
    {"rows": 3, "cols": 3, "conductance": \(g), "v_in": [0.5, 1.0, 0.25], "r_row": 10, "r_col": 20}
    """)
  let word = try #require(wired["v_word"] as? [[Double]])
  let bit = try #require(wired["v_bit"] as? [[Double]])
  let device = try #require(wired["i_device"] as? [[Double]])
  for i in 0..<3 {
    for j in 0..<3 {
      #expect(isApproximatelyEqual(word[i][j] - bit[i][j], device[i][j] / g[i][j], relativeTolerance: 1e-9),
        "cell (\(i), \(j))")
      #expect(word[i][j] > bit[i][j])
    }
  }
}

// The JSON names the preconditioner: two levels from G_max·max(r) = 1e-2.
@Test func theSolverFieldNamesTheTwoLevelPreconditioner() throws {
  let dir = try Scratch.directory("solve-method")
  defer { try? FileManager.default.removeItem(at: dir) }
  for (r, method) in [(1.0, "pcg-line-jacobi"), (99.0, "pcg-line-jacobi"), (100.0, "pcg-two-level"), (1e6, "pcg-two-level")] {
    let url = dir.appendingPathComponent("p.json")
    try """
      {"rows": 3, "cols": 4, "conductance": [[1e-4, 2e-5, 3e-5, 4e-5], [5e-5, 6e-5, 7e-5, 8e-5], [9e-5, 1e-5, 2e-5, 3e-5]],
       "v_in": [0.2, 0.1, 0.3], "r_row": \(r), "r_col": \(r / 2)}
      """.write(to: url, atomically: false, encoding: .utf8)
    let out = try runXbarsim(["solve", url.path])
    #expect(out.status == 0, "\(out.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
    #expect(json["solver"] as? String == method, "r_row \(r) Ω")
  }
}
