import Foundation
import Testing
import _TestSupport

// CSV files read back by the tests (sweep.csv's columns, log.csv's): sessions 51, 58, 78.

/// A CSV file's header and its rows as cells keyed by the header (no
/// quoting: the cells these tests read hold no commas).
func csvTable(_ url: URL) throws -> (header: [String], rows: [[String: String]]) {
  let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  let header = lines[0]
  return (header, lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) })
}

/// A sweep.csv's lines as cells, without the images_per_second column
/// (two runs of one sweep differ only there).
func untimedSweepCSV(_ csv: String) -> [[String]] {
  let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  let k = lines[0].firstIndex(of: "images_per_second")!
  return lines.map { var l = $0; l.remove(at: k); return l }
}

/// Sessions 78 and 79: a shard of a sweep whose sweep.csv lacks the last
/// `added` columns (an older generation's) merges beside a new shard into
/// the unsharded sweep's rows (`reference`'s, but for their timing), and a
/// row of it without its point file gains empty cells there, not refused.
func expectAnOlderShardMerges(_ sweep: [String], cutting added: Int, into root: URL, reference: String) throws {
  let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
  var r = try runXbarsim(["sweep"] + sweep + ["--shard", "0/2", "--out", a.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["sweep"] + sweep + ["--shard", "1/2", "--out", b.path])
  #expect(r.status == 0, "\(r.stderr)")
  try cutColumns(a, added)
  r = try runXbarsim(["sweep", "merge", a.path, b.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(untimedSweepCSV(r.stdout) == untimedSweepCSV(reference))
  try FileManager.default.removeItem(at: a.appendingPathComponent("point-2.json"))
  r = try runXbarsim(["sweep", "merge", a.path, b.path])
  #expect(r.status == 0, "\(r.stderr)")
  let merged = untimedSweepCSV(r.stdout), expected = untimedSweepCSV(reference)
  let empty = Array(repeating: "", count: added)
  #expect(merged.count == 4 && Array(merged[0...2]) == Array(expected[0...2]))
  #expect(Array(merged[3].suffix(added)) == empty && merged[3].dropLast(added) == expected[3].dropLast(added), "\(merged[3])")
  #expect(Array(expected[3].suffix(added)) != empty)
}
