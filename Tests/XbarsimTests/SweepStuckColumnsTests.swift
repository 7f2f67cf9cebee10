import Foundation
import Testing
import _TestSupport
@testable import xbarsim

// Session 78: sweep.csv carries `endurance`'s stuck split over all layers
// (a researcher sweeping `stuck_off` had to open each point-P.json), and a
// sweep.csv from sessions 60–77 still resumes and merges.

private let tiny = ["--rule", "single", "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

/// The six columns, each with its group and key in the summary's
/// `endurance` object.
private let columns: [(field: String, group: String, key: String)] = [
  ("endurance_stuck_devices", "stuck", "devices"), ("endurance_stuck_pulses", "stuck", "pulses"),
  ("endurance_stuck_resets", "stuck", "resets"), ("endurance_stuck_partner_devices", "stuck_partners", "devices"),
  ("endurance_stuck_partner_pulses", "stuck_partners", "pulses"),
  ("endurance_stuck_partner_resets", "stuck_partners", "resets"),
]

private func json(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Test func aSweepRowCarriesTheStuckDevicesAndTheirPartnersOverAllLayers() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s78-stuck-columns", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--endurance", "true", "--grid", "stuck_off=0,0.2", "--out", out.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let (header, rows) = try csvTable(out.appendingPathComponent("sweep.csv"))
  // Session 78's generation, after session 60's three (session 79's
  // three after it).
  #expect(Array(header.dropLast(3).suffix(6)) == columns.map(\.field))
  #expect(Array(header.dropLast(9).suffix(1)) == ["write_least_share"])
  #expect(rows.count == 2)
  let jsonRows = try #require(try json(out.appendingPathComponent("sweep.json"))["rows"] as? [[String: Any]])
  for (p, row) in rows.enumerated() {
    let e = try #require(try json(out.appendingPathComponent("point-\(p).json"))["endurance"] as? [String: Any])
    for c in columns {
      // The whole network's count (the top level of `endurance`), not a layer's.
      let count = try #require((e[c.group] as? [String: Any])?[c.key] as? Int, "\(c) \(e)")
      #expect(row[c.field] == String(count), "point \(p) \(c.field): \(row)")
      #expect(jsonRows[p][c.field] as? Int == count, "point \(p) \(c.field): \(jsonRows[p])")
    }
    let layers = try #require(e["layers"] as? [[String: Any]])
    let perLayer = layers.map { ($0["stuck"] as? [String: Any])?["devices"] as? Int ?? -1 }
    #expect(Int(row["endurance_stuck_devices"]!) == perLayer.reduce(0, +), "\(row) \(perLayer)")
  }
  // No stuck devices at stuck_off 0: no stuck device, no partner.
  #expect(columns.allSatisfy { rows[0][$0.field] == "0" }, "\(rows[0])")
  // At 0.2 both layers have stuck devices, whose partners were pulsed,
  // and the two groups' counts are not the same numbers.
  let cell = { (field: String) in Int(rows[1][field]!)! }
  #expect(cell("endurance_stuck_devices") > 0 && cell("endurance_stuck_partner_devices") > 0, "\(rows[1])")
  #expect(cell("endurance_stuck_partner_pulses") > 0, "\(rows[1])")
  #expect(cell("endurance_stuck_pulses") != cell("endurance_stuck_partner_pulses"), "\(rows[1])")
}

@Test func aSweepWithoutEnduranceLeavesTheStuckColumnsEmpty() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s78-stuck-columns-empty", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim(["sweep", "--data", data.path, "--grid", "stuck_off=0,0.2", "--out", out.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let (header, rows) = try csvTable(out.appendingPathComponent("sweep.csv"))
  #expect(Array(header.dropLast(3).suffix(6)) == columns.map(\.field))
  #expect(rows.count == 2)
  for (p, row) in rows.enumerated() {
    #expect(try json(out.appendingPathComponent("point-\(p).json"))["endurance"] == nil)
    #expect(columns.allSatisfy { row[$0.field] == "" }, "\(row)")
  }
  // sweep.json's rows as nulls.
  let jsonRows = try #require(try json(out.appendingPathComponent("sweep.json"))["rows"] as? [[String: Any]])
  #expect(columns.allSatisfy { jsonRows[1][$0.field] is NSNull }, "\(jsonRows[1])")
}

@Test func aSweepCSVFromSessions60To77ResumesAndMergesWithTheStuckColumnsFromItsPointFiles() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s78-stuck-columns-resume", train: 30, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["--data", data.path, "--endurance", "true", "--grid", "stuck_off=0,0.1,0.2"] + tiny
  let whole = root.appendingPathComponent("whole")
  var r = try runXbarsim(["sweep"] + common + ["--out", whole.path])
  #expect(r.status == 0, "\(r.stderr)")
  let csv = whole.appendingPathComponent("sweep.csv")
  let reference = try String(contentsOf: csv, encoding: .utf8)

  // The header of sessions 60–77: session 78's six columns cut (and
  // session 79's three after them).
  try cutColumns(whole, 9)
  let grid = SweepCommand.Grid(keys: ["stuck_off"], values: [["0", "0.1", "0.2"]])
  let cutHeader = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")[0]
  #expect(SweepCommand.csvCells(cutHeader) == grid.olderHeaders.dropLast().last, "\(cutHeader)")
  // Resumed: its points are done, their rows take the columns from their
  // point files, and the file is rewritten whole.
  r = try runXbarsim(["sweep"] + common.filter { $0 != "--quiet" } + ["--out", whole.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("3 of 3 point(s) already done"), "\(r.stderr)")
  #expect(try String(contentsOf: csv, encoding: .utf8) == reference)
  // (Not empty cells: point 2's stuck devices are counted.)
  let resumed = try csvTable(csv).rows[2]
  #expect(Int(resumed["endurance_stuck_devices"] ?? "") ?? 0 > 0, "\(resumed)")

  // Merged: a shard of the previous generation beside a new one.
  try expectAnOlderShardMerges(common, cutting: 9, into: root, reference: reference)
}

// The stuck columns of a resumed sweep.csv are checked as counts: whole
// numbers ≥ 0.
@Test func aSweepRowsStuckCountsAreChecked() throws {
  var good = Array(repeating: "", count: SweepCommand.fields.count)
  // (The legacy fields that are not optional need values.)
  for (f, v) in zip(SweepCommand.legacyFields, ["90", "91", "90", "92", "100", "5", "0", "0", "10", "0.5", "false", "", ""]) {
    good[SweepCommand.fields.firstIndex(of: f)!] = v
  }
  for c in columns { good[SweepCommand.fields.firstIndex(of: c.field)!] = "7" }
  try SweepCommand.checkResults(good, point: 0, in: "s.csv")
  for c in columns {
    for bad in ["1.5", "-1"] {
      var cells = good
      cells[SweepCommand.fields.firstIndex(of: c.field)!] = bad
      #expect(throws: CLIError.self, "\(c.field) \(bad)") { try SweepCommand.checkResults(cells, point: 0, in: "s.csv") }
    }
  }
}

// Method b (`--encoding sign`) resets one device of a pair, not both as a refresh does, so
// the stuck devices' resets and their partners' differ: each column reads its own group
// (mutation round 78: the stuck resets read from the partners' had passed, the refresh's
// counts being equal).
@Test func aSweepsStuckResetsAreTheStuckDevicesOwnUnderMethodB() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s78-stuck-columns-sign", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--endurance", "true", "--encoding", "sign", "--states", "8", "--grid", "stuck_on=0.2",
     "--out", out.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let (_, rows) = try csvTable(out.appendingPathComponent("sweep.csv"))
  let e = try #require(try json(out.appendingPathComponent("point-0.json"))["endurance"] as? [String: Any])
  let stuck = try #require((e["stuck"] as? [String: Any])?["resets"] as? Int)
  let partners = try #require((e["stuck_partners"] as? [String: Any])?["resets"] as? Int)
  try #require(stuck != partners, "the fixture's two reset counts are equal (\(stuck)): nothing to tell apart")
  #expect(rows[0]["endurance_stuck_resets"] == String(stuck), "\(rows[0])")
  #expect(rows[0]["endurance_stuck_partner_resets"] == String(partners), "\(rows[0])")
}
