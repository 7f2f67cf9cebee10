import Foundation
import Testing
import _TestSupport
@testable import xbarsim

// Session 79: sweep.csv carries the drifted arrays' accuracy at the last of
// the run's drift_times, without and with compensation (the summary's
// `drift` list's last entry: a sweep over drift_nu had to open each
// point-P.json), empty without drift_times; a sweep.csv of session 78
// still resumes and merges.

private let tiny = ["--rule", "single", "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

/// The three columns and their keys in a `drift` entry.
private let columns: [(field: String, key: String)] = [
  ("drift_seconds", "seconds"), ("drift_accuracy", "test_accuracy"),
  ("drift_accuracy_compensated", "test_accuracy_compensated"),
]

private func json(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// Whether a cell holds `x` (Foundation's JSON reader on Linux may miss
/// a double's last digit).
private func same(_ cell: String?, _ x: Double?) -> Bool {
  guard let cell, let v = Double(cell), let x else { return false }
  return abs(v - x) <= 1e-12 * abs(x)
}

/// Every row's drift cells against its point file's last `drift` entry,
/// and sweep.json's rows as numbers.
private func expectDriftCells(_ out: URL, rows: [[String: String]]) throws {
  let jsonRows = try #require(try json(out.appendingPathComponent("sweep.json"))["rows"] as? [[String: Any]])
  for (p, row) in rows.enumerated() {
    let drift = try #require(try json(out.appendingPathComponent("point-\(p).json"))["drift"] as? [[String: Any]])
    let last = try #require(drift.last)
    for c in columns {
      let x = last[c.key] as? Double
      #expect(same(row[c.field], x), "point \(p) \(c.field): \(row) \(last)")
      #expect(same(row[c.field], jsonRows[p][c.field] as? Double), "point \(p) \(c.field): \(jsonRows[p])")
    }
  }
}

@Test func aSweepOverDriftNuCarriesTheAccuracyAtTheLastDriftTime() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s79-drift-columns", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--drift-times", "1,86400", "--grid", "drift_nu=0,0.05,0.1", "--out", out.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let (header, rows) = try csvTable(out.appendingPathComponent("sweep.csv"))
  // The last generation, after session 78's six.
  #expect(Array(header.suffix(3)) == columns.map(\.field))
  #expect(Array(header.dropLast(3).suffix(1)) == ["endurance_stuck_partner_resets"])
  #expect(rows.count == 3)
  try expectDriftCells(out, rows: rows)
  // The last time, not the first.
  #expect(rows.allSatisfy { $0["drift_seconds"] == "86400" }, "\(rows)")
  // Without drift (ν 0) the arrays read as trained; with ν 0.1 over a day
  // the uncompensated gain is (86400)^0.1 ≈ 3.1, not the trained arrays.
  let p2 = try #require(try json(out.appendingPathComponent("point-2.json"))["drift"] as? [[String: Any]])
  #expect((p2.last?["gains"] as? [Double])?.allSatisfy { $0 > 2 } == true, "\(p2)")
}

@Test func aSweepWithoutDriftTimesLeavesTheDriftColumnsEmpty() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s79-drift-columns-empty", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim(["sweep", "--data", data.path, "--grid", "seed=1,2", "--out", out.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let (header, rows) = try csvTable(out.appendingPathComponent("sweep.csv"))
  #expect(Array(header.suffix(3)) == columns.map(\.field))
  #expect(rows.count == 2)
  for (p, row) in rows.enumerated() {
    #expect(try json(out.appendingPathComponent("point-\(p).json"))["drift"] == nil)
    #expect(columns.allSatisfy { row[$0.field] == "" }, "\(row)")
  }
  let jsonRows = try #require(try json(out.appendingPathComponent("sweep.json"))["rows"] as? [[String: Any]])
  #expect(columns.allSatisfy { jsonRows[1][$0.field] is NSNull }, "\(jsonRows[1])")
}

// drift_times holds commas: a grid of its values separates them by ';'
// (`commaKeys`, from the key table), and a ',' list is refused.
@Test func aGridOfDriftTimesSeparatesItsValuesBySemicolons() throws {
  #expect(SweepCommand.commaKeys.contains("drift_times"))
  let (root, data) = try syntheticDataDirectory("xbarsim-s79-drift-times-grid", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  var r = try runXbarsim(
    ["sweep", "--data", data.path, "--drift-nu", "0.05", "--grid", "drift_times=1,3600;1,86400", "--out", out.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let header = try csvTable(out.appendingPathComponent("sweep.csv")).header
  #expect(header.prefix(2) == ["point", "drift_times"])
  // (The values hold commas: quoted cells, which csvTable does not read.)
  let csv = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8).split(separator: "\n")
  #expect(csv.count == 3)
  #expect(SweepCommand.csvCells(csv[1]).prefix(2) == ["0", "1,3600"], "\(csv[1])")
  #expect(SweepCommand.csvCells(csv[2]).prefix(2) == ["1", "1,86400"], "\(csv[2])")
  let cells = csv.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, SweepCommand.csvCells($0))) }
  #expect(cells.map { $0["drift_seconds"] } == ["3600", "86400"], "\(cells)")
  try expectDriftCells(out, rows: cells)
  // Split at ',' the list would be single times: refused, naming ';'.
  r = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "drift_times=1,3600", "--out", root.appendingPathComponent("o2").path] + tiny)
  #expect(r.status == 64 && r.stderr.contains("separate values that hold commas by ';'"), "\(r.stderr)")
}

@Test func aSweepCSVFromSession78ResumesAndMergesWithTheDriftColumnsFromItsPointFiles() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s79-drift-columns-resume", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["--data", data.path, "--drift-times", "10,1000", "--grid", "drift_nu=0,0.05,0.1"] + tiny
  let whole = root.appendingPathComponent("whole")
  var r = try runXbarsim(["sweep"] + common + ["--out", whole.path])
  #expect(r.status == 0, "\(r.stderr)")
  let csv = whole.appendingPathComponent("sweep.csv")
  let reference = try String(contentsOf: csv, encoding: .utf8)

  // Session 78's header: the three drift columns cut.
  try cutColumns(whole, 3)
  let grid = SweepCommand.Grid(keys: ["drift_nu"], values: [["0", "0.05", "0.1"]])
  let cutHeader = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")[0]
  #expect(SweepCommand.csvCells(cutHeader) == grid.olderHeaders.last, "\(cutHeader)")
  #expect(SweepCommand.csvCells(cutHeader).last == "endurance_stuck_partner_resets")
  // Resumed: its points are done, their rows take the columns from their
  // point files, and the file is rewritten whole.
  r = try runXbarsim(["sweep"] + common.filter { $0 != "--quiet" } + ["--out", whole.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("3 of 3 point(s) already done"), "\(r.stderr)")
  #expect(try String(contentsOf: csv, encoding: .utf8) == reference)
  let resumed = try csvTable(csv).rows[2]
  #expect(resumed["drift_seconds"] == "1000" && Double(resumed["drift_accuracy"] ?? "") != nil, "\(resumed)")

  // Merged: a shard of session 78 beside a new one.
  try expectAnOlderShardMerges(common, cutting: 3, into: root, reference: reference)
}

// The drift cells of a resumed sweep.csv are checked: the time a number
// ≥ 0, the accuracies in 0…100 %.
@Test func aSweepRowsDriftCellsAreChecked() throws {
  var good = Array(repeating: "", count: SweepCommand.fields.count)
  // (The legacy fields that are not optional need values.)
  for (f, v) in zip(SweepCommand.legacyFields, ["90", "91", "90", "92", "100", "5", "0", "0", "10", "0.5", "false", "", ""]) {
    good[SweepCommand.fields.firstIndex(of: f)!] = v
  }
  for (c, v) in zip(columns, ["86400", "81.5", "90"]) { good[SweepCommand.fields.firstIndex(of: c.field)!] = v }
  try SweepCommand.checkResults(good, point: 0, in: "s.csv")
  for (field, bad) in [
    ("drift_seconds", "-1"), ("drift_seconds", "x"), ("drift_accuracy", "100.5"), ("drift_accuracy", "-1"),
    ("drift_accuracy_compensated", "101"), ("drift_accuracy_compensated", "nan"),
  ] {
    var cells = good
    cells[SweepCommand.fields.firstIndex(of: field)!] = bad
    #expect(throws: CLIError.self, "\(field) \(bad)") { try SweepCommand.checkResults(cells, point: 0, in: "s.csv") }
  }
}
