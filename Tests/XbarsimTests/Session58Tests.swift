import Foundation
import Testing
import _TestSupport
@testable import xbarsim

// Session 58: sweep.csv carries the lines' energies and settling
// (`line_capacitance`; a circuit designer sweeping it had to open each
// point-P.json), and a sweep.csv from sessions 51–57 still resumes.

/// The CSV's header and its rows as cells keyed by the header.
private func table(_ url: URL) throws -> (header: [String], rows: [[String: String]]) {
  let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  let header = lines[0]
  return (header, lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) })
}

private func json(_ url: URL) throws -> [String: Any] {
  try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

/// Whether a cell holds `x` (Foundation's JSON reader on Linux may miss
/// a double's last digit).
private func same(_ cell: String?, _ x: Any?) -> Bool {
  guard let cell, let v = Double(cell), let x = x as? Double else { return false }
  return abs(v - x) <= 1e-12 * abs(x)
}

@Test func aSweepRowCarriesTheLinesEnergiesAndSettling() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s58-lines", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let common = [
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--wires", "resistive",
    "--r-row", "1000", "--r-col", "1000", "--grid", "line_capacitance=0,1e-14", "--out", out.path,
  ]
  var r = try runXbarsim(common)
  #expect(r.status == 0, "\(r.stderr)")
  let csv = out.appendingPathComponent("sweep.csv")
  let (header, rows) = try table(csv)
  let columns = [
    "read_lines_energy_per_image_joules", "update_lines_energy_per_image_joules",
    "line_settling_share_at_read_time", "line_settling_program_share",
  ]
  #expect(Array(header.suffix(4)) == columns)
  // Without the key: empty cells.
  #expect(columns.allSatisfy { rows[0][$0] == "" }, "\(rows[0])")
  // With it: the point's summary's figures.
  let s = try json(out.appendingPathComponent("point-1.json"))
  let energy = s["energy_breakdown_joules"] as! [String: Any], settling = s["line_settling"] as! [String: Any]
  #expect(same(rows[1][columns[0]], energy["read_lines"]) && same(rows[1][columns[1]], energy["update_lines"]), "\(rows[1])")
  #expect(same(rows[1][columns[2]], settling["share_at_read_time"]), "\(rows[1])")
  #expect(same(rows[1][columns[3]], settling["program_share"]), "\(rows[1])")
  // 1 kΩ and 10 fF a cell do not settle within a 10 ns read.
  #expect(Double(rows[1][columns[2]]!)! < 0.999)
  // sweep.json's rows carry them too, as numbers and nulls.
  let jsonRows = try json(out.appendingPathComponent("sweep.json"))["rows"] as! [[String: Any]]
  #expect(jsonRows[0][columns[0]] is NSNull && same(rows[1][columns[0]], jsonRows[1][columns[0]]))

  // A sweep.csv from sessions 51–57 (without the last four columns)
  // resumes: its points are done, and the file is rewritten whole.
  let reference = try String(contentsOf: csv, encoding: .utf8)
  try cutColumns(out, 4)
  r = try runXbarsim(common.filter { $0 != "--quiet" })
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("2 of 2 point(s) already done"), "\(r.stderr)")
  #expect(try String(contentsOf: csv, encoding: .utf8) == reference)
  // A header of no generation (a column more cut) is refused by name.
  try cutColumns(out, 5)
  r = try runXbarsim(common)
  #expect(r.status != 0 && r.stderr.contains("sweep.csv: the header is not point,line_capacitance,"), "\(r.stderr)")
}

// A settling share is a fraction (mutant: checked as any number ≥ 0).
@Test func aSweepRowsSettlingShareAboveOneIsRefused() throws {
  let base = ["90", "91", "90", "92", "100", "5", "0", "0", "10", "0.5", "false", "", ""]
  let cells = { (share: String) in
    base + Array(repeating: "", count: SweepCommand.generations[1].count) + ["", "", share, ""]
  }
  try SweepCommand.checkResults(cells("0.5"), point: 0, in: "s.csv")
  #expect(throws: CLIError.self) { try SweepCommand.checkResults(cells("1.5"), point: 0, in: "s.csv") }
}
