import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Session 74.

/// A `reproduce --summary` row names the build that made its runs, as a
/// train summary does: this one for the runs it made, a journal's for the
/// runs it held (each build once, in seed order), "unknown" for a journal
/// run kept before session 71, which recorded none.
@Test func aReproduceRowNamesTheBuildsThatMadeItsRuns() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s74-row-build", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json"), summary = root.appendingPathComponent("rows.json")
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path]
  let made = try runXbarsim(base + ["--seeds", "1", "--journal", journal.path, "--summary", summary.path])
  #expect(made.status == 0, "\(made.stderr)")
  // Rows by label and method (a label names a setting, and Figure 9 has
  // one row per method of it).
  func rows() throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [[String: Any]])
  }
  func build(_ label: String, _ method: String, in rows: [[String: Any]]) -> String? {
    rows.first { $0["label"] as? String == label && $0["method"] as? String == method }?["xbarsim"] as? String
  }
  let first = try rows()
  #expect(first.count == 9 && first.allSatisfy { $0["xbarsim"] as? String == Xbarsim.build }, "\(first)")

  // The journal's first run by another build, its second with no build.
  var text = try String(contentsOf: journal, encoding: .utf8)
  let held = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any])
  let runs = try #require(held["runs"] as? [[String: Any]]).map {
    ($0["label"] as? String ?? "", ($0["configuration"] as? [String: Any])?["method"] as? String ?? "")
  }
  try #require(runs.count == 9)
  let key = "\"xbarsim\": \"\(Xbarsim.build)\""
  let one = try #require(text.range(of: key))
  text.replaceSubrange(one, with: "\"xbarsim\": \"0.0.9 (git 000000000000)\"")
  let two = try #require(text.range(of: NSRegularExpression.escapedPattern(for: key) + ",\\s*", options: .regularExpression))
  text.removeSubrange(two)
  try text.write(to: journal, atomically: false, encoding: .utf8)

  let again = try runXbarsim(base + ["--seeds", "2", "--journal", journal.path, "--summary", summary.path])
  #expect(again.status == 0, "\(again.stderr)")
  let second = try rows()
  #expect(build(runs[0].0, runs[0].1, in: second) == "0.0.9 (git 000000000000); \(Xbarsim.build)", "\(second)")
  #expect(build(runs[1].0, runs[1].1, in: second) == "unknown; \(Xbarsim.build)", "\(second)")
  let others = second.filter { row in
    !runs.prefix(2).contains { $0.0 == row["label"] as? String && $0.1 == row["method"] as? String }
  }
  #expect(others.count == 7 && others.allSatisfy { $0["xbarsim"] as? String == Xbarsim.build }, "\(others)")
}
