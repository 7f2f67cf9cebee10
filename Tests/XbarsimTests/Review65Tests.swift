import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Review 65's findings at the command line.

// A merge takes shards whose grids spell one number two ways (`0.2`,
// `0.20`: `Grid.matches`), but it kept each shard's rows as that shard
// spelt them under the first shard's grid: the second shard's point file
// was dropped as "not point 1's summary" (exit 0), and the merged
// sweep.csv was unreadable to a merge or a sweep run there ("malformed
// row").
@Test func aMergeOfShardsSpeltTwoWaysKeepsOneSpelling() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r65-merge", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  func dir(_ name: String) -> String { root.appendingPathComponent(name).path }
  var r = try runXbarsim(common + ["--grid", "sigma=0.1,0.2", "--shard", "0/2", "--out", dir("a")])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--grid", "sigma=0.10,0.20", "--shard", "1/2", "--out", dir("b")])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["sweep", "merge", dir("a"), dir("b"), "--out", dir("m")])
  #expect(r.status == 0 && !r.stderr.contains("not point 1's summary"), "\(r.stderr)")
  #expect(FileManager.default.fileExists(atPath: dir("m") + "/point-1.json"))
  let csv = try String(contentsOfFile: dir("m") + "/sweep.csv", encoding: .utf8)
  #expect(csv.contains("\n1,0.2,") && !csv.contains("0.20"), "\(csv)")
  // The merged directory reads back: merged again, and resumed.
  r = try runXbarsim(["sweep", "merge", dir("m"), "--out", dir("m2")])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--grid", "sigma=0.1,0.2", "--out", dir("m")])
  #expect(r.status == 0, "\(r.stderr)")
}

// A run from a checkpoint drops the keys it does not read back to their
// defaults, so that its summary runs again as a --config; but the
// defaults were Lim's rule's and c 4's: a hybrid's lr went to 0.01 (its
// default is 0.1), and an adc_range beside c 2 to 8 (its default is 2c =
// 4), so the summary was refused as a --config all the same (and the
// checkpoint written then gave a later stochastic run lr 0.01).
@Test func aRunFromACheckpointDropsKeysToItsOwnDefaults() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r65-drop", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"]
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  for (name, first, then, key, dropped) in [
    ("hybrid", ["--rule", "hybrid", "--lr", "0.05"], ["--encoding", "sign"], "lr", "0.1"),
    ("adc", ["--c", "2", "--adc-bits", "8", "--adc-range", "3"], ["--adc-bits", "0"], "adc_range", "4"),
  ] as [(String, [String], [String], String, String?)] {
    var r = try runXbarsim(common + first + ["--checkpoint-out", path(name + ".ck.json")])
    #expect(r.status == 0, "\(name): \(r.stderr)")
    r = try runXbarsim(common + then + ["--checkpoint-in", path(name + ".ck.json"), "--summary", path(name + ".s.json")])
    #expect(r.status == 0, "\(name): \(r.stderr)")
    let summary = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: path(name + ".s.json"))))
    let value = summary["configuration"]?[key] ?? summary[key]
    #expect(value.map { $0.brief } == dropped, "\(name): \(key) \(value.map { $0.brief } ?? "absent")")
    r = try runXbarsim(common + ["--config", path(name + ".s.json")])
    #expect(r.status == 0, "\(name): \(r.stderr)")
  }
}

// A key given beside runs that set the rule, the learning or the ADC
// themselves (a sweep's grid, a reproduction's figure) was refused as one
// "rule lim (on-chip) would ignore", before its value's own error, from
// the base configuration alone: `--lr -1` beside choi2021's hybrids, and
// `--adc-range 0` beside a grid of ADCs.
@Test func aSweepOrReproductionBaseKeyIsNotCalledUnread() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r65-unread", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  var r = try runXbarsim(["sweep", "--data", data.path, "--adc-range", "0", "--grid", "adc_bits=4,8", "--out", root.appendingPathComponent("s").path])
  #expect(r.status == 64 && r.stderr.contains("--adc-range") && !r.stderr.contains("would ignore it"), "\(r.stderr)")
  r = try runXbarsim(["reproduce", "choi2021", "--figure", "4", "--data", data.path, "--lr", "-1"])
  #expect(r.status == 64 && r.stderr.contains("--lr") && !r.stderr.contains("would ignore it"), "\(r.stderr)")
  // Train still says it first.
  r = try runXbarsim(["train", "--data", data.path, "--learning", "off-chip", "--reset-time", "1e-5"])
  #expect(r.status == 64 && r.stderr.contains("--reset-time: applies to learning on-chip"), "\(r.stderr)")
}
