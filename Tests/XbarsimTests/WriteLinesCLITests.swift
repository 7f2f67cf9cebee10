import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// `train --write-lines resistive` (session 60): the summary's
// `write_drop` object and configuration key, the run's line, and the
// refusals, through the command line.

@Test func writeLinesThroughTheCommandLine() throws {
  let (root, data) = try syntheticDataDirectory("write-lines", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func train(_ extra: [String], _ name: String) throws -> (ProcessResult, [String: Any]?) {
    let summary = root.appendingPathComponent("\(name).json")
    let run = try runXbarsim(
      ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--summary", summary.path,
       "--log", root.appendingPathComponent("\(name).csv").path, "--epoch-log", root.appendingPathComponent("\(name)-e.csv").path,
       "--plot", root.appendingPathComponent("\(name).svg").path] + extra)
    let json = (try? Data(contentsOf: summary)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    return (run, json)
  }
  let (lines, s) = try train(["--wires", "resistive", "--r-row", "300", "--r-col", "300", "--write-lines", "resistive"], "a")
  #expect(lines.status == 0, "\(lines.stderr)")
  #expect(lines.stderr.contains("lines 300/300 Ω, writes through them"), "\(lines.stderr)")
  #expect(lines.stdout.contains("update through the lines: "), "\(lines.stdout)")
  let summary = try #require(s)
  #expect((summary["configuration"] as? [String: Any])?["write_lines"] as? String == "resistive")
  let w = try #require(summary["write_drop"] as? [String: Any])
  let rule = try #require(w["rule_pulses"] as? Int), below = try #require(w["pulses_below_threshold"] as? Int)
  #expect(rule > 0 && below > 0 && below < rule, "\(w)")
  // The run's line and the summary agree.
  let line = try #require(lines.stdout.split(separator: "\n").first { $0.hasPrefix("update through the lines: ") })
  let undone = try #require(line.components(separatedBy: "; ")[1].split(separator: " ").first.flatMap { Int($0) })
  #expect(w["sequences_below_threshold"] as? Int == undone && line.hasPrefix("update through the lines: \(below) of \(rule) "), "\(line)")
  let least = try #require(w["least_share"] as? Double), mean = try #require(w["mean_share"] as? Double)
  #expect(least > 0 && least < 0.75 && mean > least && mean < 1, "\(w)")
  // Without it: neither the key nor the object.
  let (plain, p) = try train(["--wires", "resistive", "--r-row", "300", "--r-col", "300"], "b")
  #expect(plain.status == 0, "\(plain.stderr)")
  #expect(!plain.stdout.contains("update through the lines"))
  #expect((p?["configuration"] as? [String: Any])?["write_lines"] == nil && p?["write_drop"] == nil)
  // The summary goes back in as a configuration.
  let again = try runXbarsim(
    ["train", "--data", data.path, "--config", root.appendingPathComponent("a.json").path,
     "--summary", root.appendingPathComponent("c.json").path, "--log", root.appendingPathComponent("c.csv").path,
     "--epoch-log", root.appendingPathComponent("c-e.csv").path, "--plot", root.appendingPathComponent("c.svg").path])
  #expect(again.status == 0, "\(again.stderr)")
  let c = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("c.json"))) as? [String: Any]
  #expect((c?["write_drop"] as? [String: Any])?["pulses_below_threshold"] as? Int == below)
  // Refusals: one line naming the option, non-zero exit.
  for (args, text) in [
    (["--write-lines", "resistive"], "--write-lines: resistive needs wires resistive"),
    (["--wires", "resistive", "--write-lines", "resistive", "--learning", "off-chip"], "--write-lines: resistive is implemented for rule lim learning on-chip"),
    (["--wires", "resistive", "--write-lines", "resistive", "--write-threshold", "0.5"], "--write-threshold: with write_lines resistive must be above program_voltage/2"),
    (["--wires", "resistive", "--write-lines", "sometimes"], "--write-lines: expects ideal or resistive"),
  ] {
    let (r, _) = try train(args, "refused")
    #expect(r.status != 0 && r.stderr.hasPrefix("Error: \(text)"), "\(args): \(r.stderr)")
  }
}

/// sweep.csv carries the reads' iterations and what the update's pulses
/// saw through the lines (since session 60).
@Test func aSweepRowCarriesTheWriteDrop() throws {
  let (root, data) = try syntheticDataDirectory("write-lines-sweep", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--wires", "resistive",
    "--r-row", "300", "--r-col", "300", "--grid", "write_lines=ideal,resistive", "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  let header = lines[0]
  // (Session 78's six columns and session 79's three after them.)
  #expect(Array(header.dropLast(9).suffix(3)) == ["solver_iterations_per_read", "write_pulses_below_threshold", "write_least_share"])
  let cell = { (row: Int, key: String) in lines[row + 1][header.firstIndex(of: key)!] }
  let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("point-1.json"))) as? [String: Any])
  let w = try #require(s["write_drop"] as? [String: Any])
  #expect(cell(1, "write_pulses_below_threshold") == String(w["pulses_below_threshold"] as! Int))
  #expect(Double(cell(1, "write_least_share")) == w["least_share"] as? Double)
  #expect(Double(cell(0, "solver_iterations_per_read"))! > 0 && Double(cell(1, "solver_iterations_per_read"))! > 0)
  // Ideal writes: empty cells.
  #expect(cell(0, "write_pulses_below_threshold") == "" && cell(0, "write_least_share") == "")
}

// The session-60 fields of a resumed sweep.csv are checked like the
// others: a share is a fraction, a count a whole number ≥ 0.
@Test func aSweepRowsWriteFieldsAreChecked() throws {
  // (Session 78's six fields and session 79's three after them.)
  let before = SweepCommand.fields.count - 12
  let cells = { (tail: [String]) in Array(repeating: "", count: before) + tail + Array(repeating: "", count: 9) }
  var good = cells(["5.5", "12", "0.62"])
  // (The legacy fields that are not optional need values.)
  for (f, v) in zip(SweepCommand.legacyFields, ["90", "91", "90", "92", "100", "5", "0", "0", "10", "0.5", "false", "", ""]) {
    good[SweepCommand.fields.firstIndex(of: f)!] = v
  }
  try SweepCommand.checkResults(good, point: 0, in: "s.csv")
  for bad in [["", "", "1.5"], ["", "2.5", ""], ["", "-1", ""]] {
    var c = good
    c.replaceSubrange(before..<before + 3, with: bad)
    #expect(throws: CLIError.self, "\(bad)") { try SweepCommand.checkResults(c, point: 0, in: "s.csv") }
  }
}

// inspect through the lines says what its records leave out.
@Test func inspectNamesThePulsesThatDidNotLand() throws {
  let (root, data) = try syntheticDataDirectory("write-lines-inspect", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "inspect", "--data", data.path, "--layers", "64,8,10", "--wires", "resistive", "--r-row", "300", "--r-col", "300",
    "--write-lines", "resistive", "--train-limit", "20", "--samples", "3", "--out", root.appendingPathComponent("i").path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("write_lines resistive: ") }, "\(r.stdout)")
  let words = line.split(separator: " ")
  let below = try #require(Int(words[2])), rule = try #require(Int(words[4]))
  #expect(below > 0 && below <= rule, "\(line)")
  // pulses.csv marks the held-back events (landed 0), their devices
  // unchanged when nothing else landed on them; inspect.json counts them.
  let dir = root.appendingPathComponent("i")
  let csv = try String(contentsOf: dir.appendingPathComponent("pulses.csv"), encoding: .utf8).split(separator: "\n")
  #expect(csv[0].hasSuffix(",device_after,landed"))
  let rows = csv.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
  let held = rows.filter { $0.last == "0" }
  #expect(held.filter { $0[5] == "potentiate" }.count == below, "\(held.count) held back")
  #expect(rows.allSatisfy { $0.last == "0" || $0.last == "1" })
  let json = try String(contentsOf: dir.appendingPathComponent("inspect.json"), encoding: .utf8)
  #expect(json.contains("\"held_back_pulses\"") && json.contains("\"held_back_resets\""))
  // Without it, no such line.
  let plain = try runXbarsim([
    "inspect", "--data", data.path, "--layers", "64,8,10", "--wires", "resistive", "--r-row", "300", "--r-col", "300",
    "--train-limit", "20", "--samples", "1", "--out", root.appendingPathComponent("j").path,
  ])
  #expect(plain.status == 0 && !plain.stdout.contains("write_lines resistive"), "\(plain.stdout)")
}

// bench write: the model's shares below the whole mesh's, and its refusals.
@Test func benchWriteComparesTheSlotWithTheWholeMesh() throws {
  let r = try runXbarsim(["bench", "write", "--rows", "60", "--cols", "20", "--r", "20", "--repeat", "1"])
  #expect(r.status == 0, "\(r.stderr)")
  let line = try #require(r.stdout.split(separator: "\n").first { $0.contains("row 0's shares of V: least ") }, "\(r.stdout)")
  let numbers = line.split(whereSeparator: { " ();".contains($0) }).compactMap { Double($0) }
  // least (model), least (whole), gap from, gap to
  #expect(numbers.count == 4 && numbers[0] < numbers[1] && numbers[1] < 1 && numbers[2] >= 0 && numbers[3] > 0, "\(line)")
  // The parallel slot (rules hybrid and single): 6 rows and 1 column of
  // the 60×20 array, its shares below the whole mesh's too.
  #expect(r.stdout.contains("a parallel slot (ParallelWriteSolver, rules hybrid and single): 6 rows and 1 column driven at once"), "\(r.stdout)")
  let parallel = try #require(r.stdout.split(separator: "\n").first { $0.contains("the coincidences' shares of V: least ") })
  let p = parallel.split(whereSeparator: { " ();".contains($0) }).compactMap { Double($0) }
  #expect(p.count == 4 && p[0] < p[1] && p[1] < 1 && p[2] >= 0 && p[3] > 0, "\(parallel)")
  for (args, text) in [(["--r", "0"], "--r must be in"), (["--data", "x"], "--data does not apply to 'bench write'")] {
    let bad = try runXbarsim(["bench", "write"] + args)
    #expect(bad.status != 0 && bad.stderr.hasPrefix("Error: \(text)"), "\(bad.stderr)")
  }
}
