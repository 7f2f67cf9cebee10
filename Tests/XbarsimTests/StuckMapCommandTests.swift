import Foundation
import Testing
import _TestSupport

// `--stuck-map FILE` (rules lim, hybrid and single): the summary names the
// file and counts its devices, the run's label names it, a checkpoint
// keeps the map's records and goes on without the file, a run given
// another map is refused, and a bad file is refused in one line.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

private func firstLine(_ text: String) -> String { text.split(separator: "\n").first.map(String.init) ?? "" }

@Test(arguments: ["lim", "hybrid", "single"])
func trainWithAStuckMapCountsItsDevicesAndGoesOnWithoutTheFile(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-map-\(rule)", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  // Layer 0 (65×8): row 3's G+ open (8 devices), column 2's devices
  // shorted (65 × 2, and × 4 for the hybrid's big and small), the later
  // record winning for (3, 2)'s G+.
  let small = rule == "hybrid" ? "*" : "big"
  try """
  layer,row,column,kind,polarity,state
  0,3,*,big,plus,open
  0,*,2,\(small),*,shorted
  """.write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  let base = ["train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
    + (rule == "lim" ? ["--nmax", "8"] : ["--states", "8"])
  let r = try runXbarsim(base + ["--stuck-map", path("map.csv"), "--summary", path("s.json"), "--checkpoint-out", path("net.json")])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("stuck_map map.csv"), "\(r.stdout)")
  let s = try json(path("s.json"))
  let cfg = try #require(s["configuration"] as? [String: Any])
  #expect((cfg["stuck_map"] as? String)?.hasSuffix("/map.csv") == true)
  let counts = try #require(s["stuck_devices"] as? [String: Any])
  let kinds = rule == "hybrid" ? 2 : 1
  #expect(counts["open"] as? Int == 7 && counts["shorted"] as? Int == 65 * 2 * kinds, "\(counts)")
  // The checkpoint carries the records: it goes on with the file gone.
  let saved = try json(path("net.json"))
  let map = try #require(saved["stuck_map"] as? [String: Any])
  #expect(map["records"] as? [String] == ["0,3,*,big,plus,open", "0,*,2,\(small),*,shorted"])
  try FileManager.default.removeItem(atPath: path("map.csv"))
  let again = try runXbarsim(base + ["--checkpoint-in", path("net.json"), "--summary", path("s2.json"), "--checkpoint-out", path("net2.json")])
  #expect(again.status == 0, "\(again.stderr)")
  let s2 = try json(path("s2.json")), net2 = try json(path("net2.json"))
  #expect(s2["stuck_devices"] as? [String: Any] != nil)
  #expect((net2["stuck_map"] as? [String: Any])?["records"] as? [String] == map["records"] as? [String])
  // The same devices by other records (in another order, split): taken.
  try """
  layer,row,column,kind,polarity,state
  0,*,2,\(small),*,shorted
  0,3,3-7,big,plus,open
  0,3,0-1,big,plus,open
  """.write(toFile: path("same.csv"), atomically: false, encoding: .utf8)
  let same = try runXbarsim(base + ["--checkpoint-in", path("net.json"), "--stuck-map", path("same.csv")])
  #expect(same.status == 0, "\(same.stderr)")
  // Another map names other devices: refused, naming the option.
  try "layer,row,column,polarity,state\n0,4,*,plus,open\n".write(toFile: path("other.csv"), atomically: false, encoding: .utf8)
  let other = try runXbarsim(base + ["--checkpoint-in", path("net.json"), "--stuck-map", path("other.csv")])
  #expect(other.status != 0 && firstLine(other.stderr).contains("--stuck-map") && firstLine(other.stderr).contains("stuck_map"), "\(other.stderr)")
  // And a run without the map from no checkpoint has no stuck devices.
  let plain = try runXbarsim(base + ["--summary", path("plain.json")])
  let plainSummary = try json(path("plain.json"))
  #expect(plain.status == 0 && plainSummary["stuck_devices"] == nil)
}

@Test func aBadStuckMapIsRefusedInOneLine() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-map-bad", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet"]
  try "layer,row,column,polarity,state\n0,65,0,plus,open\n".write(toFile: path("row.csv"), atomically: false, encoding: .utf8)
  try "layer,row,column,polarity,state\n0,1,0,plus,broken\n".write(toFile: path("state.csv"), atomically: false, encoding: .utf8)
  try "layer,row,column,kind,polarity,state\n0,1,0,small,plus,open\n".write(toFile: path("small.csv"), atomically: false, encoding: .utf8)
  try #"{"stuck_map": ""}"#.write(toFile: path("empty.json"), atomically: false, encoding: .utf8)
  try #"{"stuck_map": "state.csv"}"#.write(toFile: path("relative.json"), atomically: false, encoding: .utf8)
  try #"{"rule": "float", "stuck_map": "\#(path("row.csv"))"}"#.write(toFile: path("float.json"), atomically: false, encoding: .utf8)
  // A file that cannot be read or is no map is a file's error (exit 1, as
  // a device file's; since session 77, 64 before); a map that does not
  // fit the network, or a key the rule ignores, a usage error (64).
  let cases: [([String], String, Int32)] = [
    (["--stuck-map", path("row.csv")], "row.csv line 2: row 65, but layer 0 has rows 0…64 (64: its bias row)", 64),
    (["--stuck-map", path("state.csv")], "state.csv line 2: state must be open (0 S) or shorted (G_max), got 'broken'", 1),
    (["--stuck-map", path("small.csv")], "kind small, but rule lim has no small devices", 64),
    (["--stuck-map", path("none.csv")], "none.csv: no such file", 1),
    (["--stuck-map", path("row.csv"), "--rule", "float"], "--stuck-map: applies to rules lim, hybrid and single only", 64),
    // From a --config file, the hint names no empty --stuck-map, which
    // the option refuses (it had said "give --stuck-map , its default").
    (["--config", path("float.json")], "stuck_map: applies to rules lim, hybrid and single only; rule float would ignore it; take it out of", 64),
    // An empty path in a --config file is refused, as device_csv's (it
    // had run without a map).
    (["--config", path("empty.json")], "stuck_map: expects a path, got an empty string (leave the key out for no map)", 64),
    // A relative path in a --config file is read from the working
    // directory: said, with the file beside the configuration named.
    (["--config", path("relative.json")], "(relative paths are read from the working directory", 1),
  ]
  for (extra, expected, status) in cases {
    let r = try runXbarsim(base + extra)
    let line = firstLine(r.stderr)
    #expect(r.status == status && line.hasPrefix("Error:") && line.contains(expected), "\(extra): \(r.stderr)")
    if extra.count > 1 && extra[1].hasSuffix("relative.json") { #expect(line.contains("state.csv exists: give that path"), "\(line)") }
    if extra.count > 1 && extra[1].hasSuffix("float.json") { #expect(!line.contains("give --stuck-map"), "\(line)") }
  }
}

/// The summary keeps the map's records and checksum; a re-run of it whose
/// file has changed since says so (as a measured device's does), and one
/// whose file only gained a comment does not.
@Test func aSummaryKeepsTheMapsChecksumAndAChangedFileIsNoted() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-map-sum", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  try "layer,row,column,polarity,state\n0,1,*,plus,open\n0,2,3,minus,shorted\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  let r = try runXbarsim(base + ["--stuck-map", path("map.csv"), "--summary", path("s.json")])
  #expect(r.status == 0, "\(r.stderr)")
  let map = try #require(try json(path("s.json"))["stuck_map_file"] as? [String: Any])
  #expect((map["path"] as? String)?.hasSuffix("/map.csv") == true && map["records"] as? Int == 2)
  let sum = try #require(map["checksum"] as? String)
  #expect(sum.count <= 16 && UInt64(sum, radix: 16) != nil)
  // A comment and another column order: the same records.
  try "# the same\nstate,polarity,layer,row,column\nopen,plus,0,1,*\nshorted,minus,0,2,3\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  let same = try runXbarsim(base + ["--config", path("s.json")])
  #expect(same.status == 0 && !same.stderr.contains("stuck map"), "\(same.stderr)")
  try "layer,row,column,polarity,state\n0,1,*,plus,open\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  let changed = try runXbarsim(base + ["--config", path("s.json")])
  #expect(changed.status == 0 && changed.stderr.contains("is a run on another stuck map") && changed.stderr.contains("has changed since"), "\(changed.stderr)")
}

@Test func aSweepNamesEachStuckMapByItsRealPath() throws {
  // As device_csv's: a sweep resumed from another directory found its
  // relative names no more ("no such file"), and one map by two names was
  // two points (a walkthrough, session 76).
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-map-sweep", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try "layer,row,column,polarity,state\n0,3,*,plus,open\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  try "layer,row,column,polarity,state\n".write(toFile: path("none.csv"), atomically: false, encoding: .utf8)
  try FileManager.default.createSymbolicLink(atPath: path("alias.csv"), withDestinationPath: path("map.csv"))
  let base = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let twice = try runXbarsim(base + ["--grid", "stuck_map=\(path("map.csv")),\(path("alias.csv"))", "--out", path("s")])
  #expect(twice.status == 64 && firstLine(twice.stderr).hasPrefix("Error:") && firstLine(twice.stderr).contains("names one file twice"), "\(twice.stderr)")
  let r = try runXbarsim(base + ["--grid", "stuck_map=\(path("none.csv")),\(path("alias.csv"))", "--out", path("both")])
  #expect(r.status == 0, "\(r.stderr)")
  let sweep = try json(path("both/sweep.json"))
  let grid = try #require(sweep["grid"] as? [[String: Any]])
  let real = URL(fileURLWithPath: path("map.csv")).resolvingSymlinksInPath().path
  #expect((grid.first?["values"] as? [String])?.last == real, "\(grid)")
  let rows = try String(contentsOfFile: path("both/sweep.csv"), encoding: .utf8).split(separator: "\n")
  #expect(rows.count == 3 && rows[2].hasPrefix("1,\(real),"), "\(rows)")
}

@Test func aSweepChecksItsStuckMapAgainstEachPointsNetwork() throws {
  // The base's network (784-200-10, rule lim by default) is no point's
  // when the grid sets layers or rule: a map of the points' networks had
  // been refused against it (a walkthrough, session 76).
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-map-grid", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try "layer,row,column,kind,polarity,state\n2,4,*,big,minus,shorted\n1,*,3,*,plus,open\n".write(toFile: path("deep.csv"), atomically: false, encoding: .utf8)
  try "layer,row,column,kind,polarity,state\n0,3,*,small,plus,open\n".write(toFile: path("small.csv"), atomically: false, encoding: .utf8)
  let base = ["sweep", "--data", data.path, "--evals-per-epoch", "1", "--quiet"]
  let deep = try runXbarsim(base + ["--stuck-map", path("deep.csv"), "--grid", "layers=64,8,4,10;64,12,6,10", "--nmax", "8", "--out", path("deep")])
  #expect(deep.status == 0, "\(deep.stderr)")
  let small = try runXbarsim(
    base + ["--stuck-map", path("small.csv"), "--layers", "64,8,10", "--states", "8", "--grid", "rule=hybrid", "--out", path("small")])
  #expect(small.status == 0, "\(small.stderr)")
  // A map that fits no point is still refused, in one line, before any run.
  let bad = try runXbarsim(base + ["--stuck-map", path("deep.csv"), "--grid", "layers=64,8,10;64,12,10", "--out", path("bad")])
  let line = firstLine(bad.stderr)
  #expect(bad.status == 64 && line.hasPrefix("Error:") && line.contains("layer 2, but the 64-8-10 network has layers 0…1"), "\(bad.stderr)")
  #expect(!FileManager.default.fileExists(atPath: path("bad/sweep.csv")))
}

/// inspect writes the stuck devices as a map (stuck.csv), which another
/// run takes with --stuck-map: the same devices, counted alike.
@Test(arguments: ["lim", "hybrid"])
func inspectWritesTheStuckDevicesAsAMapAnotherRunTakes(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-map-inspect-\(rule)", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let keys = ["--data", data.path, "--rule", rule, "--layers", "64,8,10", "--stuck-off", "0.1", "--stuck-on", "0.1"]
  let inspect = try runXbarsim(["inspect"] + keys + ["--samples", "1", "--out", path("i")])
  #expect(inspect.status == 0 && inspect.stdout.contains("stuck.csv"), "\(inspect.stderr)")
  let drawn = try runXbarsim(["train"] + keys + ["--evals-per-epoch", "1", "--quiet", "--summary", path("drawn.json")])
  let mapped = try runXbarsim(
    ["train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--stuck-map", path("i/stuck.csv"), "--evals-per-epoch", "1",
     "--quiet", "--summary", path("mapped.json")])
  #expect(drawn.status == 0 && mapped.status == 0, "\(drawn.stderr) \(mapped.stderr)")
  let a = try #require(try json(path("drawn.json"))["stuck_devices"] as? [String: Any])
  let b = try #require(try json(path("mapped.json"))["stuck_devices"] as? [String: Any])
  #expect(a["open"] as? Int == b["open"] as? Int && a["shorted"] as? Int == b["shorted"] as? Int && (a["open"] as? Int ?? 0) > 0)
  // No stuck devices, no map.
  let plain = try runXbarsim(["inspect", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--samples", "1", "--out", path("p")])
  #expect(plain.status == 0 && !FileManager.default.fileExists(atPath: path("p/stuck.csv")))
}

@Test func aSweepsEmptyStuckMapIsNoMapAndABadOneAFilesError() throws {
  // `--grid stuck_map=,lines.csv` compares no map with one (session 77: an
  // empty value was refused, and a header-only file stood in for none); an
  // unreadable map in the grid is a file's error (exit 1), as a device
  // file's.
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-map-nomap", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try "layer,row,column,polarity,state\n0,3,*,plus,open\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  try "layer,row,column,polarity,state\n0,1,0,plus,broken\n".write(toFile: path("bad.csv"), atomically: false, encoding: .utf8)
  let base = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let r = try runXbarsim(base + ["--grid", "stuck_map=,\(path("map.csv"))", "--out", path("s")])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = try String(contentsOfFile: path("s/sweep.csv"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
  #expect(rows.count >= 3 && rows[1].hasPrefix("0,,") && rows[2].hasPrefix("1,\(URL(fileURLWithPath: path("map.csv")).resolvingSymlinksInPath().path),"), "\(rows)")
  // Point 0 has no map, point 1 row 3's 8 G+.
  let none = try json(path("s/point-0.json")), one = try json(path("s/point-1.json"))
  #expect(none["stuck_devices"] == nil && (none["configuration"] as? [String: Any])?["stuck_map"] == nil, "\(none)")
  #expect((one["stuck_devices"] as? [String: Any])?["open"] as? Int == 8 && (one["stuck_devices"] as? [String: Any])?["shorted"] as? Int == 0)
  let bad = try runXbarsim(base + ["--grid", "stuck_map=,\(path("bad.csv"))", "--out", path("b")])
  let line = firstLine(bad.stderr)
  #expect(bad.status == 1 && line.hasPrefix("Error: --grid stuck_map:") && line.contains("bad.csv line 2: state must be open"), "\(bad.stderr)")
}

// A run's summary as --config beside its checkpoint (--checkpoint-in) goes on when the map
// file (and a measured device's file) is gone: the checkpoint's copies under the same path
// stand, as they do without --config (session 78; it had needed the files). Without the
// checkpoint the file is still needed: a file's error naming it.
@Test(arguments: ["lim", "single"])
func aSummaryAsConfigGoesOnFromItsCheckpointWithoutTheFiles(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-config-gone-\(rule)", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  try "layer,row,column,kind,polarity,state\n0,3,*,big,plus,open\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  try (0...8).map { "p,\(1e-6 + Double($0) * 1e-6)" }.joined(separator: "\n").write(toFile: path("device.csv"), atomically: false, encoding: .utf8)
  let first = try runXbarsim([
    "train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet",
    "--stuck-map", path("map.csv"), "--device-csv", path("device.csv"), "--summary", path("s.json"), "--checkpoint-out", path("net.json"),
  ])
  #expect(first.status == 0, "\(first.stderr)")
  for name in ["map.csv", "device.csv"] { try FileManager.default.removeItem(atPath: path(name)) }
  let again = try runXbarsim([
    "train", "--data", data.path, "--config", path("s.json"), "--checkpoint-in", path("net.json"), "--quiet", "--summary", path("s2.json"),
  ])
  #expect(again.status == 0, "\(again.stderr)")
  let (s, s2) = (try json(path("s.json")), try json(path("s2.json")))
  #expect(s2["stuck_devices"] as? [String: Any] != nil)
  #expect((s2["stuck_devices"] as? [String: Int]) == (s["stuck_devices"] as? [String: Int]) || (s2["stuck_devices"] as? NSDictionary) == (s["stuck_devices"] as? NSDictionary))
  let cfg = try #require(s2["configuration"] as? [String: Any])
  #expect((cfg["stuck_map"] as? String)?.hasSuffix("/map.csv") == true && (cfg["device_csv"] as? String)?.hasSuffix("/device.csv") == true)
  // Without the checkpoint: the file is needed.
  let fresh = try runXbarsim(["train", "--data", data.path, "--config", path("s.json"), "--quiet"])
  #expect(fresh.status == 1, "\(fresh.status) \(fresh.stderr)")
  #expect(fresh.stderr.contains(path("s.json")) && (fresh.stderr.contains("map.csv") || fresh.stderr.contains("device.csv")), "\(fresh.stderr)")
}
