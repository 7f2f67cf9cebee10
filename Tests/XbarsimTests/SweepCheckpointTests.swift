import Foundation
import Testing
import _TestSupport

// Session 81: `sweep --checkpoint FILE` reads one checkpoint's arrays at every point, as
// `xbarsim evaluate` does, over a grid of evaluate's keys (the read's periphery, lines, drift,
// test_limit). Each point's row has the test accuracy its evaluate would give (its point file is
// that evaluate's summary); sweep.json names the checkpoint by its checksum, so a resume or a merge
// of another checkpoint's reads (or of a sweep that trained) is refused; shards merge into the
// unsharded sweep's rows; keys that are not evaluate's are refused, and so is a key some point
// would not read.

private func json(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Test func aSweepOfACheckpointReadsItAsEvaluateDoesAtEveryPoint() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s81-sweep-checkpoint", train: 300, test: 40)
  defer { try? FileManager.default.removeItem(at: root) }
  func url(_ name: String) -> URL { root.appendingPathComponent(name) }
  let ck = url("ck.json").path
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--epochs", "2", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", ck,
     "--summary", url("s.json").path])
  #expect(t.status == 0, "\(t.stderr)")
  let grid = ["--grid", "adc_bits=0,1,16", "--grid", "read_noise=0,5"]
  let out = url("out")
  let r = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", ck, "--drift-times", "1,1e6", "--quiet", "--out", out.path] + grid)
  #expect(r.status == 0, "\(r.stderr)")
  let (header, rows) = try csvTable(out.appendingPathComponent("sweep.csv"))
  #expect(Array(header.prefix(4)) == ["point", "adc_bits", "read_noise", "test_accuracy"] && rows.count == 6)
  // Each row: its evaluate's accuracy and drift, the training fields empty.
  for (p, row) in rows.enumerated() {
    let (bits, noise) = (row["adc_bits"]!, row["read_noise"]!)
    let e = try runXbarsim(
      ["evaluate", "--data", data.path, "--checkpoint", ck, "--adc-bits", bits, "--read-noise", noise, "--drift-times", "1,1e6",
       "--summary", url("e\(p).json").path])
    #expect(e.status == 0, "\(e.stderr)")
    let v = try json(url("e\(p).json"))
    #expect(Double(row["test_accuracy"]!) == v["test_accuracy"] as? Double, "point \(p): \(row) \(v)")
    let last = try #require((v["drift"] as? [[String: Any]])?.last)
    #expect(Double(row["drift_accuracy"]!) == last["test_accuracy"] as? Double && row["drift_seconds"] == "1000000", "\(row)")
    #expect(row["accuracy_mean_last"] == "" && row["pulses"] == "" && row["interrupted"] == "", "\(row)")
    let point = try json(out.appendingPathComponent("point-\(p).json"))
    #expect(point["test_accuracy"] as? Double == v["test_accuracy"] as? Double && point["checkpoint"] as? String == ck)
  }
  // The ideal read is the run's; a 1-bit ADC and a strong read noise are other reads.
  let run = try #require(try json(url("s.json"))["test_accuracy"] as? Double)
  #expect(Double(rows[0]["test_accuracy"]!) == run && Double(rows[4]["test_accuracy"]!) == run, "\(rows)")
  #expect(Double(rows[2]["test_accuracy"]!) != run && Double(rows[1]["test_accuracy"]!) != run, "\(rows)")
  let sweep = try json(out.appendingPathComponent("sweep.json"))
  let named = try #require(sweep["checkpoint"] as? [String: Any])
  #expect((named["checksum"] as? String)?.hasPrefix("fnv1a64:") == true && named["train_images"] as? Int == 600, "\(named)")
  let svg = try String(contentsOf: out.appendingPathComponent("sweep.svg"), encoding: .utf8)
  #expect(svgTitleText(svg).contains("test accuracy versus adc_bits") && svg.contains("test_accuracy (%)"), "\(svgTitleText(svg))")
  // Run again: resumed, nothing read again.
  let again = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", ck, "--drift-times", "1,1e6", "--out", out.path] + grid)
  #expect(again.status == 0 && again.stderr.contains("6 of 6 point(s) already done"), "\(again.stderr)")
  // Shards merge into the same rows.
  let (a, b) = (url("a"), url("b"))
  for (i, dir) in [(0, a), (1, b)] {
    let s = try runXbarsim(
      ["sweep", "--data", data.path, "--checkpoint", ck, "--drift-times", "1,1e6", "--quiet", "--shard", "\(i)/2", "--out", dir.path] + grid)
    #expect(s.status == 0, "\(s.stderr)")
  }
  let merged = url("merged")
  let m = try runXbarsim(["sweep", "merge", a.path, b.path, "--out", merged.path])
  #expect(m.status == 0, "\(m.stderr)")
  #expect(try csvTable(merged.appendingPathComponent("sweep.csv")).rows == rows)
  #expect(try json(merged.appendingPathComponent("sweep.json"))["checkpoint"] as? [String: Any] != nil)
  // Another checkpoint (the same run's, one byte more), and a sweep that trains: refused there.
  try (String(contentsOfFile: ck, encoding: .utf8) + " ").write(toFile: url("ck2.json").path, atomically: false, encoding: .utf8)
  for (args, needle) in [
    (["--checkpoint", url("ck2.json").path], "holds another sweep (it read checkpoint "),
    (["--layers", "64,8,10"], "holds another sweep (it read checkpoint "),
  ] {
    let o = try runXbarsim(["sweep", "--data", data.path, "--drift-times", "1,1e6", "--out", out.path] + args + grid)
    #expect(o.status == 1 && o.stderr.contains(needle), "\(args): \(o.stderr)")
  }
  let c = url("c")
  let s2 = try runXbarsim(
    ["sweep", "--data", data.path, "--checkpoint", url("ck2.json").path, "--drift-times", "1,1e6", "--quiet", "--shard", "1/2", "--out", c.path]
      + grid)
  #expect(s2.status == 0, "\(s2.stderr)")
  let bad = try runXbarsim(["sweep", "merge", a.path, c.path])
  #expect(bad.status == 1 && bad.stderr.hasPrefix("Error: \(c.path): it read checkpoint "), "\(bad.stderr)")
}

@Test func aSweepOfACheckpointTakesEvaluatesKeysOnly() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s81-sweep-checkpoint-bad", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", path("ck.json")])
  #expect(t.status == 0, "\(t.stderr)")
  let common = ["sweep", "--data", data.path, "--checkpoint", path("ck.json"), "--out", path("out")]
  for (args, needle) in [
    (["--grid", "epochs=1,2"], "Error: --grid epochs: a sweep of --checkpoint reads its arrays"),
    (["--grid", "adc_bits=1,2", "--epochs", "3"], "Error: --epochs: does not apply with --checkpoint"),
    (["--grid", "adc_bits=1,2", "--config", path("ck.json")], "Error: --config does not apply with --checkpoint"),
    (["--grid", "adc_bits=0,2", "--adc-range", "3"], "Error: --grid point 0 (adc_bits=0): adc_range applies to an ADC"),
    (["--grid", "r_row=1,2"], "Error: --grid point 0 (r_row=1): r_row applies only with wires resistive"),
    // A grid key the read would not use (mutation round 81: the grid's keys had gone unchecked).
    (["--grid", "adc_range=4,8"], "Error: --grid point 0 (adc_range=4): adc_range applies to an ADC"),
  ] {
    let r = try runXbarsim(common + args)
    #expect(r.status == 64 && r.stderr.hasPrefix(needle), "\(args): \(r.status) \(r.stderr)")
  }
  #expect(!FileManager.default.fileExists(atPath: path("out")))
}
