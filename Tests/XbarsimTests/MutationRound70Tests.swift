import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Mutation round 70 (session 70, a helper): 39 mutants of the day's
// changes, 27 killed by the suite; these tests kill the other 12.

/// Spaces around an option's number (not a configuration key's): the
/// command's own options, read by ParsedArguments.double/int/uint64.
@Test func spacesAroundACommandsOwnNumberAreNoPartOfIt() throws {
  let dir = try Scratch.directory("xbarsim-mut70-spaces")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows": 1, "cols": 1, "conductance": [[1e-3]], "v_in": [1], "r_row": 1, "r_col": 1}"#
    .write(to: file, atomically: false, encoding: .utf8)
  let d = try runXbarsim(["solve", file.path, "--tolerance", " 1e-9 "])
  #expect(d.status == 0, "\(d.stderr)")
  let i = try runXbarsim(["solve", file.path, "--max-iterations", " 100"])
  #expect(i.status == 0, "\(i.stderr)")
  let u = try runXbarsim(["pulses", "--seed", " 3", "--pulses", "3"])
  #expect(u.status == 0, "\(u.stderr)")
  // The same as without the spaces.
  #expect(u.stdout == (try runXbarsim(["pulses", "--seed", "3", "--pulses", "3"])).stdout)
}

/// Numbers in the usage errors as given ("got 0", not "got 0.0").
@Test func usageErrorsGiveNumbersAsWritten() throws {
  let dir = try Scratch.directory("xbarsim-mut70-numbers")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows": 1, "cols": 1, "conductance": [[1e-3]], "v_in": [1], "r_row": 1, "r_col": 1}"#
    .write(to: file, atomically: false, encoding: .utf8)
  // (A prefix alone would take "got 0.0" too: the line's end is checked.)
  func expectEnding(_ r: ProcessResult, _ message: String) {
    expectOneLineError(r, 64, message)
    #expect(r.stderr.hasPrefix("Error: \(message)\n"), "\(r.stderr)")
  }
  expectEnding(try runXbarsim(["bench", "read", "--wires", "resistive", "--r-row", "0"]), "--r-row must be > 0, got 0")
  expectEnding(try runXbarsim(["bench", "solve", "--r", "0"]), "--r must be > 0 Ω, got 0")
  expectEnding(
    try runXbarsim(["solve", file.path, "--tolerance", "0"]),
    "--tolerance must be in [1e-14, 1) (below 1e-14 a relative residual is rounding), got 0")
  expectEnding(
    try runXbarsim(["line", "--segment-resistance", "0", "--capacitance", "1e-15", "--cells", "4"]),
    "--segment-resistance must be > 0 Ω (an ideal line has no delay), got 0")
  expectEnding(
    try runXbarsim(["line", "--voltage", "0", "--segment-resistance", "1", "--capacitance", "1e-15", "--cells", "4"]),
    "--voltage must have 1e-6 ≤ |V| ≤ 1000 V, got 0")
}

/// A problem file's numbers beyond the largest double, with their signs,
/// in v_in as in the wires.
@Test func aProblemFilesInfiniteNumbersAreSaidWithTheirSigns() throws {
  let dir = try Scratch.directory("xbarsim-mut70-inf")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  try #"{"rows": 1, "cols": 1, "conductance": [[1e-3]], "v_in": [-1e400], "r_row": 1, "r_col": 1}"#
    .write(to: file, atomically: false, encoding: .utf8)
  expectOneLineError(try runXbarsim(["solve", file.path]), 1, "\(file.path): 'v_in[0]' must be finite, got a number beyond -1.8e308")
  try #"{"rows": 1, "cols": 1, "conductance": [[1e-3]], "v_in": [1], "r_row": -1e400, "r_col": 1}"#
    .write(to: file, atomically: false, encoding: .utf8)
  expectOneLineError(try runXbarsim(["solve", file.path]), 1, "\(file.path): 'r_row' must be finite and ≥ 0, got a number beyond -1.8e308")
}

/// An option spelt with underscores in a config file is named as the
/// option it is (--checkpoint-out), not as an unknown key.
@Test func anOptionSpeltWithUnderscoresIsNamedAsTheOption() throws {
  let dir = try Scratch.directory("xbarsim-mut70-option")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("c.json")
  try #"{"checkpoint_out": "x.json"}"#.write(to: file, atomically: false, encoding: .utf8)
  expectConfigFileError(
    try runXbarsim(["train", "--config", file.path]),
    "\(file.path): checkpoint_out: --checkpoint-out is an option of the command line, not a configuration key: give it there")
}

/// A checkpoint's beta beside beta-p and beta-d spelt with hyphens is
/// refused as with underscores.
@Test func aCheckpointsBetaBesideHyphenatedPartsIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut70-ck-beta", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = try checkpoint(root, data)
  var text = try String(contentsOf: ck, encoding: .utf8)
  let p = try #require(text.range(of: "\"beta_p\":"))
  text.replaceSubrange(p, with: "\"beta\": -3, \"beta-p\":")
  let d = try #require(text.range(of: "\"beta_d\":"))
  text.replaceSubrange(d, with: "\"beta-d\":")
  try text.write(to: ck, atomically: false, encoding: .utf8)
  expectOneLineError(
    try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck.path, "--quiet"]), 1,
    "\(ck.path): beta: sets β_p and β_d, and beta_p and beta_d are both given too, so it changes nothing")
}

/// A checkpoint without a key its device states need (one written at its
/// default) is refused naming the key; one left out at its default
/// (sigma_c2c) is not needed.
@Test func aCheckpointWithoutAStateKeyIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut70-ck-missing", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = try checkpoint(root, data)
  let text = try String(contentsOf: ck, encoding: .utf8)
  #expect(!text.contains("\"sigma_c2c\""))
  let ok = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck.path, "--quiet"])
  #expect(ok.status == 0, "\(ok.stderr)")
  let range = try #require(text.range(of: #""nmax":\s*[0-9]+,\s*"#, options: .regularExpression))
  try text.replacingCharacters(in: range, with: "").write(to: ck, atomically: false, encoding: .utf8)
  expectOneLineError(
    try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck.path, "--quiet"]), 1,
    "\(ck.path): configuration: 'nmax' is missing (the device states need it)")
}

/// inspect from a checkpoint saved inside an epoch on other data says it
/// once (the epoch's note), not also the end-of-epoch note.
@Test func inspectSaysOtherDataOnceForACheckpointInsideAnEpoch() throws {
  let root = try Scratch.directory("xbarsim-mut70-inspect-mid")
  defer { try? FileManager.default.removeItem(at: root) }
  let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 40, seed: 1), test: SyntheticImages(count: 10, seed: 2), to: a)
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 40, seed: 5), test: SyntheticImages(count: 10, seed: 2), to: b)
  let ckpt = root.appendingPathComponent("c.json")
  let common = ["--layers", "64,8,10", "--evals-per-epoch", "1"]
  let t = try runXbarsim(["train", "--data", a.path, "--checkpoint-out", ckpt.path, "--quiet"] + common)
  #expect(t.status == 0, "\(t.stderr)")
  let text = try String(contentsOf: ckpt, encoding: .utf8)
  #expect(text.contains("\"epoch_images\": 0"))
  try text.replacingOccurrences(of: "\"epoch_images\": 0", with: "\"epoch_images\": 20")
    .replacingOccurrences(of: "\"run_end_images\": 40", with: "\"run_end_images\": 100")
    .replacingOccurrences(of: "\"shuffles\": 1", with: "\"shuffles\": 2")
    .write(to: ckpt, atomically: false, encoding: .utf8)
  let out = root.appendingPathComponent("inspected")
  let r = try runXbarsim(["inspect", "--data", b.path, "--checkpoint", ckpt.path, "--samples", "2", "--out", out.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("was saved 20 images into an epoch of other training data (train_checksum "), "\(r.stderr)")
  #expect(!r.stderr.contains("trained on other training data"), "\(r.stderr)")
}

/// A journal's run fields, each named with what is there.
@Test func aJournalsRunFieldsAreNamedOneByOne() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut70-journal", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let base = ["reproduce", "lim2018", "--figure", "8", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  let made = try runXbarsim(base + ["--journal", journal.path])
  #expect(made.status == 0, "\(made.stderr)")
  let held = try String(contentsOf: journal, encoding: .utf8)
  let edits: [(pattern: String, with: String, words: String)] = [
    (#""configuration":"#, #""configuration_x":"#, "run 1: 'configuration' is missing"),
    (#""result":\s*\{"#, #""result": 1, "result_x": {"#, "run 1: 'result' must be an object, got 1"),
    (#""epoch":\s*1,"#, #""epoch": 1.5,"#, "epochs[0] 'epoch' must be a whole number ≥ 0, got 1.5"),
  ]
  for (k, e) in edits.enumerated() {
    var text = held
    let range = try #require(text.range(of: e.pattern, options: .regularExpression), "\(e.pattern)")
    text.replaceSubrange(range, with: e.with)
    let file = root.appendingPathComponent("edited\(k).json")
    try text.write(to: file, atomically: false, encoding: .utf8)
    let r = try runXbarsim(base + ["--journal", file.path])
    #expect(r.status == 1, "\(r.stderr)")
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(line.hasPrefix("Error: \(file.path): "), "\(line)")
    #expect(line.contains(e.words), "'\(e.words)' not in: \(line)")
  }
}
