import Foundation
import Testing
import _TestSupport
import Trainer

@testable import xbarsim

// Mutation round 65b: `sweep` (SweepCommand.swift) and the reproduce
// journal (RunJournal.swift). Each test kills a mutant that the suite let
// live and that gave a wrong result, accepted wrong input or lost work.

private func firstLine(_ text: String) -> String { text.split(separator: "\n").first.map(String.init) ?? "" }

/// A hand-written shard: sweep.json with `gridJSON` and `points`, and
/// sweep.csv with `csv` (a header line of `header` by default).
private func handShard(_ dir: URL, gridJSON: String, points: Int, csv: String) throws {
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let json = """
    {"format": "xbarsim-sweep", "version": 1, "grid": \(gridJSON), "points": \(points),
     "shard": {"index": 0, "count": 1}, "base_configuration": {}, "rows": []}
    """
  try Data(json.utf8).write(to: dir.appendingPathComponent("sweep.json"))
  try Data(csv.utf8).write(to: dir.appendingPathComponent("sweep.csv"))
}

/// Figure 9's journal of one seed on tiny data, edited by `edit` (its
/// runs list), then given to the same command again: the refusal's exit
/// status and first line, and whether the journal was left as edited.
private func editedJournal(_ label: String, _ edit: (inout [[String: Any]]) throws -> Void) throws -> (status: Int32, line: String, stderr: String, kept: Bool) {
  let (root, data) = try syntheticDataDirectory("xbarsim-m65b-\(label)", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  let made = try runXbarsim(base + ["--journal", journal.path])
  #expect(made.status == 0, "\(made.stderr)")
  var held = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any])
  var runs = try #require(held["runs"] as? [[String: Any]])
  try edit(&runs)
  held["runs"] = runs
  try JSONSerialization.data(withJSONObject: held).write(to: journal)
  let before = try Data(contentsOf: journal)
  let again = try runXbarsim(base + ["--journal", journal.path])
  return (again.status, firstLine(again.stderr), again.stderr, try Data(contentsOf: journal) == before)
}

/// The first run's result, edited.
private func editingResult(_ edit: @escaping (inout [String: Any]) throws -> Void) -> (inout [[String: Any]]) throws -> Void {
  { runs in
    var result = try #require(runs[0]["result"] as? [String: Any])
    try edit(&result)
    runs[0]["result"] = result
  }
}

/// A grid key with no values (a hand-edited sweep.json) is no grid: its
/// product has no point, and a merge of it must not write an empty table.
/// (Mutant: `checkedCount` without `!v.isEmpty`.)
@Test func aShardWhoseGridKeyHasNoValuesIsRefused() throws {
  let root = try Scratch.directory("xbarsim-m65b-empty-values")
  defer { try? FileManager.default.removeItem(at: root) }
  let shard = root.appendingPathComponent("a")
  let header = (["point", "seed"] + SweepCommand.fields).joined(separator: ",") + "\n"
  try handShard(shard, gridJSON: "[{\"key\": \"seed\", \"values\": []}]", points: 0, csv: header)
  let r = try runXbarsim(["sweep", "merge", shard.path])
  #expect(r.status == 1, "\(r.stdout)")
  #expect(firstLine(r.stderr).contains("the grid must have at least one key, each with values"), "\(r.stderr)")
  #expect(r.stdout.isEmpty)
}

/// `--out -` is refused as such (exit 64), not taken for a directory
/// named "-". (Mutant: the `out == "-"` guard dropped.)
@Test func aSweepToOutDashIsAUsageError() throws {
  let root = try Scratch.directory("xbarsim-m65b-dash")
  defer { try? FileManager.default.removeItem(at: root) }
  // (No data there: the mutant fails on the data, not creating "-".)
  let r = try runXbarsim([
    "sweep", "--data", root.appendingPathComponent("none").path, "--layers", "64,8,10", "--grid", "seed=1,2", "--out", "-",
  ])
  #expect(r.status == 64, "\(r.stderr)")
  #expect(firstLine(r.stderr).contains("--out -: DIR is a directory of files, not standard output"), "\(r.stderr)")
}

/// A journal that holds one run twice (an edit, a bad copy) is refused,
/// not rewritten with both. (Mutant: the `found[index] == nil` guard dropped.)
@Test func aJournalHoldingARunTwiceIsRefused() throws {
  let r = try editedJournal("twice") { $0.append($0[0]) }
  #expect(r.status == 1 && r.line.contains("seed 1 is there twice") && r.kept, "\(r.stderr)")
}

/// A key given twice to --grid is refused: its second list would
/// overwrite the first at every point, training the same runs twice under
/// other names. (Mutant: the "given twice" guard dropped.)
@Test func aGridKeyGivenTwiceIsRefused() throws {
  let root = try Scratch.directory("xbarsim-m65b-twice-key")
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "sweep", "--data", root.appendingPathComponent("none").path, "--layers", "64,8,10", "--grid", "seed=1,2",
    "--grid", "seed=3,4", "--out", root.appendingPathComponent("out").path,
  ])
  #expect(r.status == 64, "\(r.stderr)")
  #expect(firstLine(r.stderr) == "Error: --grid: key 'seed' is given twice", "\(r.stderr)")
}

/// A lone sweep.csv line that begins with "point" but holds numbers is
/// not a header: the file is not taken for a start cut short and
/// overwritten. (Mutant: `holdsOnlyHeader` without its no-numbers test.)
@Test func aLoneCSVRowThatIsNotAHeaderIsNotOverwritten() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m65b-lone-row", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
  let csv = out.appendingPathComponent("sweep.csv")
  try Data("point,1,2.5\n".utf8).write(to: csv)
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "seed=1",
    "--out", out.path,
  ])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(firstLine(r.stderr).contains("sweep.csv is there without sweep.json"), "\(r.stderr)")
  #expect(try String(contentsOf: csv, encoding: .utf8) == "point,1,2.5\n")
}

/// Another shard's directory that holds no finished point (its sweep.csv
/// a header alone) is this shard's fresh start, not another sweep.
/// (Mutant: the `earlier.rows.isEmpty` exemption dropped.)
@Test func anotherShardsDirectoryWithoutPointsIsAFreshStart() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m65b-empty-shard", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let common = [
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "seed=1,2",
    "--out", out.path,
  ]
  let first = try runXbarsim(common + ["--shard", "1/2"])
  #expect(first.status == 0, "\(first.stderr)")
  // Its point undone: the header alone.
  let csv = out.appendingPathComponent("sweep.csv")
  let header = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")[0]
  try Data((header + "\n").utf8).write(to: csv)
  let second = try runXbarsim(common + ["--shard", "0/2"])
  #expect(second.status == 0, "\(second.stderr)")
  let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
  #expect(lines.count == 2 && lines[1].hasPrefix("0,1,"), "\(lines)")
}

/// output_adc_clipped_fraction is the output layer's (the summary's last
/// layer), not the first layer's. (Mutant: the first element taken.)
@Test func aSweepRowsClippedShareIsTheOutputLayers() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m65b-clip", train: 200, test: 100)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--layers", "64,16,10", "--quiet", "--rule", "hybrid", "--adc-bits", "6",
    "--grid", "adc_range=0.05", "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("point-0.json"))) as? [String: Any])
  let f = try #require(s["adc_clipped_fraction"] as? [Double])
  try #require(f.count == 2 && f[0] != f[1], "\(f)")
  let lines = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8).split(separator: "\n")
  let header = lines[0].split(separator: ",").map(String.init)
  let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  let i = try #require(header.firstIndex(of: "output_adc_clipped_fraction"))
  let x = try #require(Double(cells[i]))
  #expect(abs(x - f[1]) <= 1e-12 * max(1, abs(f[1])), "\(x) against \(f)")
}

/// A seed beyond 2^53 stays that seed in sweep.json's rows (a string, as
/// a double would round it to another seed). (Mutant: `jsonCell` without
/// its inexact-integer test.)
@Test func aSeedBeyondTwoToThe53StaysItsSeedInSweepJSON() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m65b-bigseed", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet",
    "--grid", "seed=9007199254740993", "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let text = try String(contentsOf: out.appendingPathComponent("sweep.json"), encoding: .utf8)
  #expect(text.contains("\"seed\": \"9007199254740993\""), "\(text)")
  #expect(!text.contains("9007199254740992"), "\(text)")
}

/// A shard whose sweep.csv gives a point another point's grid values, or
/// one point twice (an edit, a bad copy), is not merged. (Mutants: the
/// grid-values check and the "appears twice" guard of `readShard` dropped.)
@Test func aShardRowWithOtherGridValuesOrTwiceIsNotMerged() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m65b-rows", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "seed=1,2",
    "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let csv = out.appendingPathComponent("sweep.csv")
  let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
  #expect(lines.count == 3 && lines[2].hasPrefix("1,2,"), "\(lines)")
  // Point 1 given seed 1's value.
  let other = lines[0...1] + ["1,1," + lines[2].dropFirst(4)]
  try Data((other.joined(separator: "\n") + "\n").utf8).write(to: csv)
  let wrong = try runXbarsim(["sweep", "merge", out.path])
  #expect(wrong.status == 1, "\(wrong.stdout)")
  #expect(firstLine(wrong.stderr).contains("malformed row '1,1,"), "\(wrong.stderr)")
  // Point 1 twice.
  try Data(([lines[0], lines[1], lines[2], lines[2]].joined(separator: "\n") + "\n").utf8).write(to: csv)
  let twice = try runXbarsim(["sweep", "merge", out.path])
  #expect(twice.status == 1, "\(twice.stdout)")
  #expect(firstLine(twice.stderr).contains("point 1 appears twice"), "\(twice.stderr)")
}

/// A sweep.csv with finished rows but no sweep.json is refused, not
/// taken for a start cut short and overwritten (its points lost).
/// (Mutant: `holdsOnlyHeader` true for more than one line.)
@Test func aSweepCSVWithRowsButNoSweepJSONIsNotOverwritten() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-m65b-nojson", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let common = [
    "sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "seed=1,2",
    "--out", out.path,
  ]
  #expect(try runXbarsim(common).status == 0)
  try FileManager.default.removeItem(at: out.appendingPathComponent("sweep.json"))
  let csv = out.appendingPathComponent("sweep.csv")
  let before = try Data(contentsOf: csv)
  let r = try runXbarsim(common)
  #expect(r.status == 1, "\(r.stderr)")
  #expect(firstLine(r.stderr).contains("sweep.csv is there without sweep.json"), "\(r.stderr)")
  #expect(try Data(contentsOf: csv) == before)
}

/// A run that keeps its resets but not its re-potentiation pulses is a
/// broken run (they are kept both or neither since session 49), not a run
/// from before session 49 whose two counts are unknown. (Mutant: `resetsKnown`
/// with both keys required.)
@Test func aJournalRunWithResetsButNoRepotentiationPulsesIsRefused() throws {
  let r = try editedJournal("resets", editingResult { result in
    try #require(result["resets"] != nil && result["repotentiation_pulses"] != nil)
    result["repotentiation_pulses"] = nil
  })
  #expect(r.status == 1 && r.line.contains("result needs a number 'repotentiation_pulses'"), "\(r.stderr)")
}

/// A run's evaluation points go forward in images: a point before its
/// predecessor (an edit) is refused, not drawn. (Mutant: the
/// `images >= previous` test dropped.)
@Test func aJournalsPointsGoingBackInImagesAreRefused() throws {
  let r = try editedJournal("points", editingResult { $0["points"] = [[30, 50.0], [10, 60.0]] })
  #expect(r.status == 1 && r.line.contains("points[1]: images 10 is not a whole number ≥ the previous point's 30"), "\(r.stderr)")
}

/// A run's epoch records are epochs 1, 2, … in order: another number (an
/// edit) is refused. (Mutant: the `epoch == n + 1` test dropped.)
@Test func aJournalsEpochNumberedOutOfOrderIsRefused() throws {
  let r = try editedJournal("epochs", editingResult { result in
    var epochs = try #require(result["epochs"] as? [[String: Any]])
    try #require(epochs.count == 1)
    epochs[0]["epoch"] = 2
    result["epochs"] = epochs
  })
  #expect(r.status == 1 && r.line.contains("epochs[0] is epoch 2, not 1"), "\(r.stderr)")
}

/// A run's ledger that books the lines' energies while its configuration
/// has no line_capacitance (an edit, or another version's run) is refused:
/// its row's energy would hold energies this configuration never books.
/// (Mutant: the lines' check of `checkAgainstConfiguration` dropped.)
@Test func aJournalLedgerWithLinesItsConfigurationLacksIsRefused() throws {
  let r = try editedJournal("lines", editingResult { result in
    var ledger = try #require(result["ledger"] as? [String: Any])
    ledger["read_lines"] = 1e-12
    ledger["update_lines"] = 1e-12
    result["ledger"] = ledger
  })
  #expect(r.status == 1 && r.line.contains("'ledger' has 'read_lines' or 'update_lines', but its configuration has no line_capacitance"), "\(r.stderr)")
}
