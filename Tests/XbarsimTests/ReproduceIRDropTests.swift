import Foundation
import Testing
import _TestSupport

// `xbarsim reproduce irdrop` end to end on generated 8×8 images: the table
// of on-chip training against both off-chip transfers for r = 0, 1, 2.5, 5 Ω per segment.

@Test func irdropPrintsTheTableAndWritesOneRowPerRun() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-irdrop", train: 80, test: 40)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("irdrop.json"), plot = root.appendingPathComponent("irdrop.svg")
  let r = try runXbarsim([
    "reproduce", "irdrop", "--data", data.path, "--layers", "64,8,10", "--train-limit", "60",
    "--evals-per-epoch", "2", "--summary", summary.path, "--plot", plot.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  for row in ["0 ", "1 ", "2.5 ", "5 "] {
    #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix(row) }, "\(r.stdout)")
  }
  #expect(r.stdout.contains("60 training images"))
  let rows = try #require(
    try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [[String: Any]])
  #expect(rows.count == 12)
  #expect(rows.map { $0["r_row"] as? Double } == [0, 0, 0, 1, 1, 1, 2.5, 2.5, 2.5, 5, 5, 5])
  #expect(rows.map { $0["r_col"] as? Double } == [0, 0, 0, 1, 1, 1, 2.5, 2.5, 2.5, 5, 5, 5])
  #expect(rows.map { $0["learning"] as? String } == Array(repeating: ["on-chip", "off-chip", "off-chip"], count: 4).flatMap { $0 })
  #expect(rows.map { $0["transfer"] as? String } == Array(repeating: ["none", "states", "weights"], count: 4).flatMap { $0 })
  #expect(rows.allSatisfy { ($0["mean"] as? Double ?? -1) >= 0 && ($0["mean_conductance"] as? Double ?? 0) > 0 })
  // The table's iterations per read (session 33): the on-chip rows with
  // resistive lines have them; ideal lines and off-chip runs solve no
  // training read.
  let iterations = rows.map { $0["solver_iterations_per_read"] as? Double }
  #expect(rows.allSatisfy { $0.keys.contains("solver_iterations_per_read") })
  for (k, value) in iterations.enumerated() {
    if k >= 3 && k % 3 == 0 { #expect((value ?? 0) > 1, "row \(k): \(value as Any)") } else { #expect(value == nil, "row \(k)") }
  }
  let printed = r.stdout.split(separator: "\n").first { $0.hasPrefix("5 ") }.map { String($0.split(separator: " ").last!) }
  #expect(printed == iterations[9].map { String(format: "%.2f", $0) }, "\(r.stdout)")
  // The plot: a line per learning (and transfer) through the four r.
  let svg = try String(contentsOf: plot, encoding: .utf8)
  for line in ["on-chip", "off-chip, states", "off-chip, weights"] {
    #expect(svg.contains("<title>\(line)</title></polyline>"), "\(line)")
  }
  #expect(svg.components(separatedBy: "<polyline").count == 4)
}

@Test func irdropRejectsAFigure() throws {
  let r = try runXbarsim(["reproduce", "irdrop", "--figure", "8"])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: --figure"), "\(r.stderr)")
}

@Test func twoThreadsPerRunNeedOneRunAtATime() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-threads", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "reproduce", "choi2021", "--figure", "4", "--data", data.path, "--epochs", "1", "--threads", "2",
  ])
  #expect(r.status == 64)
  #expect(r.stderr.contains("--threads 2 needs --jobs 1"), "\(r.stderr)")
}
