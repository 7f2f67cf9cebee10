import Foundation
import Testing
import _TestSupport

// `--iv-v0 V` (session 87): rule lim's cells read through I = G·V0·sinh(V/V0).
// A run with it trains and says so in its label and summary; a checkpoint of a
// run on linear cells is read through sinh cells by evaluate (the accuracy of
// another chip's reads, the checkpoint unchanged), and at a V0 so large that
// the curve is linear over the read, as the run read it; the rules and lines
// that cannot take it refuse it in one line.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

@Test func sinhCellsTrainAndAreReadByEvaluate() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-iv", train: 120, test: 60)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--epochs", "2", "--evals-per-epoch", "2", "--quiet"]
  let t = try runXbarsim(common + ["--iv-v0", "0.1", "--summary", path("s.json")])
  #expect(t.status == 0, "\(t.stderr)")
  #expect(t.stdout.contains(", cells' I–V sinh, V0 0.1 V at read 0.2 V: test accuracy "), "\(t.stdout)")
  let config = try #require(try json(path("s.json"))["configuration"] as? [String: Any])
  #expect(config["iv_v0"] as? Double == 0.1)

  // A run on linear cells, its checkpoint read through sinh cells.
  let l = try runXbarsim(common + ["--checkpoint-out", path("ck.json"), "--summary", path("l.json")])
  #expect(l.status == 0, "\(l.stderr)")
  #expect(try json(path("l.json"))["configuration"].flatMap { ($0 as? [String: Any])?["iv_v0"] } == nil)
  let before = try Data(contentsOf: URL(fileURLWithPath: path("ck.json")))
  let linearAccuracy = try #require(try json(path("l.json"))["test_accuracy"] as? Double)
  // V0 = 100 V: (0.2/100)²/6 = 7e-7 off linear at full scale, the same
  // classes.
  let far = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--iv-v0", "100", "--summary", path("f.json")])
  #expect(far.status == 0, "\(far.stderr)")
  #expect(try json(path("f.json"))["test_accuracy"] as? Double == linearAccuracy)
  // V0 = 0.04 V, five times into the curve: not the run's reads (a
  // full-scale pixel draws sinh(5)/5 = 14.8 times its linear current).
  let near = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--iv-v0", "0.04", "--summary", path("n.json")])
  #expect(near.status == 0, "\(near.stderr)")
  let nearConfig = try #require(try json(path("n.json"))["configuration"] as? [String: Any])
  #expect(nearConfig["iv_v0"] as? Double == 0.04)
  #expect(try json(path("n.json"))["test_accuracy"] as? Double != linearAccuracy)
  #expect(try Data(contentsOf: URL(fileURLWithPath: path("ck.json"))) == before)

  // One-line refusals, with a non-zero exit.
  for (extra, says) in [
    (["--rule", "hybrid"], "--iv-v0: applies to rule lim only; rule hybrid would ignore it"),
    (["--wires", "resistive", "--r-row", "1", "--r-col", "1"], "--iv-v0: a non-linear cell I–V trains with ideal wires only"),
    ([String](), "--iv-v0: read_voltage / iv_v0 must be at most 5"),
  ] {
    let v0 = extra.isEmpty ? "0.01" : "0.1"
    let r = try runXbarsim(common + extra + ["--iv-v0", v0])
    #expect(r.status != 0 && r.stderr.hasPrefix("Error: \(says)"), "\(extra): \(r.status) \(r.stderr)")
    #expect(r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1)
  }
}
