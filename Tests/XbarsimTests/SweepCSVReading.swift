import Foundation

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
