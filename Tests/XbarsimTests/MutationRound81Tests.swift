import Foundation
import Testing
import _TestSupport

// Mutation round 81 (evaluate's read keys, sweep --checkpoint): what the session's own tests left
// open. A checkpoint trained through resistive lines and write lines is read through ideal lines
// (its write lines and its line resistances, not given, are not refused), its own notes are not told
// again (by evaluate or by a sweep of its reads), a resistance given is; the checkpoint's checksum, not its path, names
// it; a sweep that trained is not resumed as a checkpoint's reads; a merge does not overwrite
// another checkpoint's reads; a shard's checkpoint and its rows are checked; sweep.svg plots the
// test accuracy; the progress line gives it.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

private func train(_ data: URL, _ ck: String, _ extra: [String] = []) throws {
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--epochs", "1", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", ck]
      + extra)
  #expect(t.status == 0, "\(t.stderr)")
}

@Test func mutation81EvaluateOfAResistiveCheckpointTakesItsLinesAsItsRuns() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m81-resistive", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let ck = path("ck.json")
  try train(data, ck, ["--wires", "resistive", "--r-row", "1e5", "--r-col", "1e5", "--write-lines", "resistive"])
  func evaluate(_ extra: [String], _ name: String) throws -> (status: Int32, changed: [String]?, stderr: String) {
    let e = try runXbarsim(["evaluate", "--checkpoint", ck, "--data", data.path, "--summary", path(name)] + extra)
    let changed = e.status == 0 ? try json(path(name))["read_changed"] as? [String] : nil
    return (e.status, changed, e.stderr)
  }
  // The checkpoint's own lines: its note was its run's, not told again.
  let same = try evaluate([], "same.json")
  #expect(same.status == 0 && same.changed == [] && !same.stderr.contains("note: line segments"), "\(same)")
  let adc = try evaluate(["--adc-bits", "4"], "adc.json")
  #expect(adc.status == 0 && adc.changed == ["adc_bits"] && !adc.stderr.contains("note: line segments"), "\(adc)")
  // Through ideal lines: the write lines and the resistances, the checkpoint's, are not refused.
  let ideal = try evaluate(["--wires", "ideal"], "ideal.json")
  #expect(ideal.status == 0 && ideal.changed == ["wires"], "\(ideal)")
  // Both resistive: a resistance told.
  let wider = try evaluate(["--r-row", "2e5"], "wider.json")
  #expect(wider.status == 0 && wider.changed == ["r_row"], "\(wider)")
  // The read keys a test above does not give.
  let offset = try evaluate(["--sense-offset", "0.01"], "offset.json")
  #expect(offset.status == 0 && offset.changed == ["sense_offset"], "\(offset)")
  let tolerance = try evaluate(["--wire-tolerance", "1e-7"], "tolerance.json")
  #expect(tolerance.status == 0 && tolerance.changed == ["wire_tolerance"], "\(tolerance)")
  // A sweep of its reads over the lines: neither the checkpoint's unread keys refused nor its note told.
  let s = try runXbarsim(
    ["sweep", "--data", data.path, "--checkpoint", ck, "--grid", "wires=ideal,resistive", "--quiet", "--out", path("out")])
  #expect(s.status == 0 && !s.stderr.contains("note: line segments"), "\(s.stderr)")
  // A resistance of its own is told, the run's is not: by evaluate, and by a sweep at its point
  // alone (the checkpoint's note had been told at every point of a sweep).
  #expect(wider.stderr.contains("note: line segments of 200000 Ω"), "\(wider.stderr)")
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--checkpoint", ck, "--grid", "r_row=1e5,2e5", "--quiet", "--out", path("rows")])
  #expect(r.status == 0 && r.stderr.contains("note: sweep point 1 (r_row=2e5): line segments of 200000 Ω"), "\(r.stderr)")
  #expect(!r.stderr.contains("100000 Ω"), "\(r.stderr)")
}

@Test func mutation81ASweepOfAnIdealCheckpointMayGridTheWires() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m81-gridwires", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let ck = path("ck.json")
  try train(data, ck)
  let s = try runXbarsim(
    ["sweep", "--data", data.path, "--checkpoint", ck, "--grid", "wires=resistive", "--r-row", "1e-9", "--r-col", "1e-9", "--quiet",
     "--out", path("out")])
  #expect(s.status == 0, "\(s.stderr)")
  // The grid's key is named before an option's.
  let both = try runXbarsim(
    ["sweep", "--data", data.path, "--checkpoint", ck, "--grid", "epochs=1,2", "--seed", "3", "--out", path("out2")])
  #expect(both.status == 64 && both.stderr.hasPrefix("Error: --grid epochs: a sweep of --checkpoint"), "\(both.stderr)")
  // A checkpoint where the sweep's files go: refused, not read as a sweep.
  let dir = path("d")
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  try FileManager.default.copyItem(atPath: ck, toPath: dir + "/sweep.json")
  let o = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", dir + "/sweep.json", "--grid", "adc_bits=0,4", "--out", dir])
  #expect(o.status == 64 && o.stderr.contains("would overwrite the --checkpoint file"), "\(o.stderr)")
}

@Test func mutation81ASweepOfACheckpointNamesItByItsBytes() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m81-checksum", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let ck = path("ck.json")
  try train(data, ck)
  let grid = ["--grid", "adc_bits=0,4"]
  let out = path("out")
  let r = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", ck, "--out", out] + grid)
  #expect(r.status == 0, "\(r.stderr)")
  // The progress line gives each point's test accuracy.
  let (_, rows) = try csvTable(URL(fileURLWithPath: out + "/sweep.csv"))
  for (p, row) in rows.enumerated() {
    let accuracy = try #require(Double(row["test_accuracy"] ?? ""))
    let line = "point \(p) (adc_bits=\(row["adc_bits"]!)): \(String(format: "%.2f", accuracy)) % (test accuracy)"
    #expect(r.stderr.contains(line), "\(line) in \(r.stderr)")
  }
  // sweep.svg: a point per row.
  let svg = try String(contentsOfFile: out + "/sweep.svg", encoding: .utf8)
  #expect(svg.components(separatedBy: "<circle").count - 1 >= rows.count, "\(svg)")
  // The same path, other bytes: another checkpoint.
  try (String(contentsOfFile: ck, encoding: .utf8) + " ").write(toFile: ck, atomically: false, encoding: .utf8)
  let again = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", ck, "--out", out] + grid)
  #expect(again.status == 1 && again.stderr.contains("holds another sweep (it read checkpoint "), "\(again.stderr)")
}

@Test func mutation81ASweepThatTrainedIsNotResumedAsACheckpointsReads() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m81-trained", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let ck = path("ck.json")
  try train(data, ck)
  let grid = ["--grid", "adc_bits=0,4"]
  let t = try runXbarsim(
    ["sweep", "--data", data.path, "--layers", "64,8,10", "--epochs", "1", "--evals-per-epoch", "1", "--quiet", "--out", path("out")] + grid)
  #expect(t.status == 0, "\(t.stderr)")
  let r = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", ck, "--quiet", "--out", path("out")] + grid)
  #expect(r.status == 1 && r.stderr.contains("holds another sweep (it trained, this one reads checkpoint "), "\(r.stderr)")
  // A trained row's fields are not left empty as a read's may be.
  let csvPath = path("out") + "/sweep.csv"
  var lines = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  let column = try #require(lines[0].split(separator: ",").firstIndex(of: "accuracy_mean_last"))
  var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  #expect(Double(cells[column]) != nil, "\(cells)")
  cells[column] = ""
  lines[1] = cells.joined(separator: ",")
  try lines.joined(separator: "\n").write(toFile: csvPath, atomically: false, encoding: .utf8)
  let empty = try runXbarsim(["sweep", "merge", path("out")])
  #expect(empty.status == 1 && empty.stderr.contains("accuracy_mean_last is ''"), "\(empty.stderr)")
}

@Test func mutation81AMergeChecksTheCheckpointsShardsAndTheirRows() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m81-merge", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let (ck, ck2) = (path("ck.json"), path("ck2.json"))
  try train(data, ck)
  try (String(contentsOfFile: ck, encoding: .utf8) + " ").write(toFile: ck2, atomically: false, encoding: .utf8)
  let grid = ["--grid", "adc_bits=0,4"]
  for (i, dir) in [(0, "a"), (1, "b")] {
    let s = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", ck, "--quiet", "--shard", "\(i)/2", "--out", path(dir)] + grid)
    #expect(s.status == 0, "\(s.stderr)")
  }
  let other = try runXbarsim(["sweep", "--data", data.path, "--checkpoint", ck2, "--quiet", "--out", path("other")] + grid)
  #expect(other.status == 0, "\(other.stderr)")
  let before = try String(contentsOfFile: path("other") + "/sweep.csv", encoding: .utf8)
  // Not over another checkpoint's reads.
  let m = try runXbarsim(["sweep", "merge", path("a"), path("b"), "--out", path("other")])
  #expect(m.status == 1 && m.stderr.contains("it read checkpoint "), "\(m.stderr)")
  #expect(try String(contentsOfFile: path("other") + "/sweep.csv", encoding: .utf8) == before)
  // A shard whose checkpoint is not named as a sweep names it.
  let sweepJSON = path("b") + "/sweep.json"
  let text = try String(contentsOfFile: sweepJSON, encoding: .utf8)
  #expect(text.contains("\"checksum\": \"fnv1a64:"))
  try text.replacingOccurrences(of: "\"checksum\": \"fnv1a64:", with: "\"sum\": \"fnv1a64:").write(
    toFile: sweepJSON, atomically: false, encoding: .utf8)
  let bad = try runXbarsim(["sweep", "merge", path("b")])
  #expect(bad.status == 1 && bad.stderr.contains("'checkpoint' must be"), "\(bad.stderr)")
  // A row of a checkpoint's reads without its test accuracy.
  let csvPath = path("a") + "/sweep.csv"
  var lines = try String(contentsOfFile: csvPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  let column = try #require(lines[0].split(separator: ",").firstIndex(of: "test_accuracy"))
  var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  #expect(Double(cells[column]) != nil, "\(cells)")
  cells[column] = ""
  lines[1] = cells.joined(separator: ",")
  try lines.joined(separator: "\n").write(toFile: csvPath, atomically: false, encoding: .utf8)
  let empty = try runXbarsim(["sweep", "merge", path("a")])
  #expect(empty.status == 1 && empty.stderr.contains("test_accuracy is ''"), "\(empty.stderr)")
}
