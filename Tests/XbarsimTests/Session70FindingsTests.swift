import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Findings of session 70 (an exit-code audit, an energy audit, a new
// contributor's walk) and items left open in session 69's note.

/// A JSON parse error inside a key's value names that key (the innermost):
/// `{"sigma": 1e-400}` had said only "line 1, column 11".
@Test func jsonErrorsNameTheKeyWhoseValueHoldsThem() throws {
  #expect {
    try JSONValue.parse(Data(#"{"epochs": 1, "sigma": 1e-400}"#.utf8))
  } throws: { "\($0)" == #"line 1, column 24 (in "sigma"): number '1e-400' is below the smallest double (it would read as 0)"# }
  #expect {
    try JSONValue.parse(Data("{\"a\": {\"b\": [1,\n NaN]}}".utf8))
  } throws: { "\($0)" == #"line 2, column 2 (in "b"): invalid value 'NaN' (JSON has no NaN or infinity)"# }
  // Not in a value: no key named.
  #expect {
    try JSONValue.parse(Data(#"{"epochs": 1,}"#.utf8))
  } throws: { "\($0)" == "line 1, column 14: expected a string key" }
  let dir = try Scratch.directory("xbarsim-json-key")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("c.json")
  try #"{"sigma": 1e-400}"#.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--config", file.path])
  expectConfigFileError(r, "\(file.path): malformed JSON at line 1, column 11 (in \"sigma\"): number '1e-400' is below the smallest double (it would read as 0)")
}

/// A checkpoint, its run trained on `data` with `options` (a 64-8-10
/// network), at ROOT/ck.json.
func checkpoint(_ root: URL, _ data: URL, _ options: [String] = []) throws -> URL {
  let ck = root.appendingPathComponent("ck.json")
  let r = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--checkpoint-out", ck.path] + options)
  #expect(r.status == 0, "\(r.stderr)")
  return ck
}

/// A checkpoint's key that the data here cannot meet is the checkpoint's
/// error (exit 1, naming it), not an option's: `--train-limit: 200 is more
/// than the 50 training images`, exit 64, for an option never given.
@Test func aCheckpointsLimitBeyondTheDataNamesTheCheckpoint() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-ck-limit", train: 300, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let small = root.appendingPathComponent("small")
  try SyntheticImages.writeIDX(
    train: SyntheticImages(count: 50, rows: 8, cols: 8, seed: 3), test: SyntheticImages(count: 20, rows: 8, cols: 8, seed: 4),
    to: small)
  let ck = try checkpoint(root, data, ["--train-limit", "200"])
  let r = try runXbarsim(["train", "--data", small.path, "--checkpoint-in", ck.path, "--quiet"])
  expectOneLineError(r, 1, "\(ck.path): configuration's train_limit: 200 is more than the 50 training images in \(small.path)")
  // Given here, it is the option's, as before.
  let given = try runXbarsim(["train", "--data", small.path, "--checkpoint-in", ck.path, "--quiet", "--train-limit", "60"])
  expectOneLineError(given, 64, "--train-limit: 60 is more than the 50 training images")
  // And inspect on those other data says so (it had said nothing for a
  // checkpoint saved at an epoch's end), as train does.
  let out = root.appendingPathComponent("inspected")
  let i = try runXbarsim(["inspect", "--data", small.path, "--checkpoint", ck.path, "--samples", "2", "--train-limit", "50", "--out", out.path])
  #expect(i.status == 0, "\(i.stderr)")
  #expect(i.stderr.contains("inspect: the run that saved \(ck.path) trained on other training data (train_checksum "), "\(i.stderr)")
  let same = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", ck.path, "--samples", "2", "--out", out.path + "2"])
  #expect(same.status == 0, "\(same.stderr)")
  #expect(!same.stderr.contains("other training data"), "\(same.stderr)")
}

/// `beta` beside both `beta_p` and `beta_d` in a checkpoint (edited) sets
/// nothing, as in a --config file: refused, naming the file (it had loaded
/// "beta": -3 without a word).
@Test func aCheckpointsBetaBesideBothPartsIsRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-ck-beta", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = try checkpoint(root, data, [])
  let text = try String(contentsOf: ck, encoding: .utf8)
  let range = try #require(text.range(of: "\"beta_p\":"))
  try text.replacingCharacters(in: range, with: "\"beta\": -3, \"beta_p\":").write(to: ck, atomically: false, encoding: .utf8)
  let message = "\(ck.path): beta: sets β_p and β_d, and beta_p and beta_d are both given too, so it changes nothing"
  expectOneLineError(try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck.path, "--quiet"]), 1, message)
  let out = root.appendingPathComponent("inspected").path
  expectOneLineError(try runXbarsim(["inspect", "--data", data.path, "--checkpoint", ck.path, "--samples", "1", "--out", out]), 1, message)
}

/// Usage errors before the data: `reproduce --jobs 0` without data had
/// been told the data were missing (exit 1).
@Test func reproduceChecksJobsBeforeTheData() throws {
  let dir = try Scratch.directory("xbarsim-jobs")
  defer { try? FileManager.default.removeItem(at: dir) }
  let missing = dir.appendingPathComponent("none").path
  for paper in [["lim2018", "--figure", "8"], ["irdrop"]] {
    let r = try runXbarsim(["reproduce"] + paper + ["--data", missing, "--jobs", "0"])
    expectOneLineError(r, 64, "--jobs: must be in 1...64, got 0")
  }
  let b = try runXbarsim(["bench", "solve", "--rows", "0", "--cols", "4"])
  expectOneLineError(b, 64, "--rows must be ≥ 1, got 0")
  let c = try runXbarsim(["bench", "solve", "--rows", "4", "--cols", "-1"])
  expectOneLineError(c, 64, "--cols must be ≥ 1, got -1")
}

/// An option that is no configuration key, in a --config file: said so
/// ("did you mean 'beta'?" for "data").
@Test(arguments: [("data", "x"), ("out", "runs/x"), ("quiet", "true"), ("summary", "s.json")])
func anOptionInAConfigFileIsNamedAsAnOption(key: String, value: String) throws {
  let dir = try Scratch.directory("xbarsim-config-option-\(key)")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("c.json")
  try "{\"\(key)\": \"\(value)\"}".write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--config", file.path])
  expectConfigFileError(r, "\(file.path): \(key): --\(key) is an option of the command line, not a configuration key: give it there")
  // A misspelt key still gets the nearest key's name.
  try "{\"betta\": 2}".write(to: file, atomically: false, encoding: .utf8)
  expectConfigFileError(try runXbarsim(["train", "--config", file.path]), "\(file.path): betta: unknown configuration key (did you mean 'beta'?)")
}

/// Spaces around a value are no part of it, for an option's number as for
/// a list's items and a config file's strings (`--epochs " 1"` had been
/// refused where `--layers " 64,10"` ran). A path keeps its spaces.
@Test func spacesAroundANumberAreNoPartOfIt() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-spaces", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let plain = root.appendingPathComponent("plain.json"), spaced = root.appendingPathComponent("spaced.json")
  let common = ["train", "--data", data.path, "--quiet", "--layers", "64, 8 ,10"]
  #expect(try runXbarsim(common + ["--epochs", "1", "--beta", "2", "--summary", plain.path]).status == 0)
  let r = try runXbarsim(common + ["--epochs", " 1", "--beta", "2 ", "--summary", spaced.path])
  #expect(r.status == 0, "\(r.stderr)")
  func accuracy(_ url: URL) throws -> Double? {
    (try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])?["test_accuracy"] as? Double
  }
  #expect(try accuracy(plain) == accuracy(spaced))
  let config = root.appendingPathComponent("c.json")
  try #"{"epochs": " 1 ", "method": " b"}"#.write(to: config, atomically: false, encoding: .utf8)
  #expect(try runXbarsim(common + ["--config", config.path]).status == 0)
  #expect(try runXbarsim(["pulses", "--beta", " 2", "--pulses", "3"]).status == 0)
  // Not a number for all that.
  expectOneLineError(try runXbarsim(common + ["--epochs", "1 1"]), 64, "--epochs: expects an integer, got '1 1'")
  // A device file's path is taken as written: " x.csv" is no x.csv.
  let csv = root.appendingPathComponent("d.csv")
  try "pulse,conductance\n0,1e-6\n1,2e-6\n".write(to: csv, atomically: false, encoding: .utf8)
  let spacedPath = try runXbarsim(common + ["--device-csv", " " + csv.path])
  #expect(spacedPath.status == 1, "\(spacedPath.stderr)")
  #expect(spacedPath.stderr.contains("no such file"), "\(spacedPath.stderr)")
}

/// The system's words for a failed write, not Foundation's "The operation
/// could not be completed. No space left on device"; numbers as given,
/// not "got 0.0".
@Test func messagesGiveTheSystemsWordsAndNumbersAsWritten() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-dev-full", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  if FileManager.default.fileExists(atPath: "/dev/full") {
    let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--log", "/dev/full"])
    expectOneLineError(r, 1, "/dev/full: cannot write the log (No space left on device)")
  }
  expectOneLineError(try runXbarsim(["line", "--segment-resistance", "1e10", "--capacitance", "1e-15", "--cells", "4"]), 64, "--segment-resistance must be at most 1e9 Ω, got 10000000000")
}

/// `sweep merge d d` had said "point 3 is in both d and d": one directory
/// given twice, by one name or two, is refused as such.
@Test func aShardDirectoryGivenTwiceIsRefused() throws {
  let dir = try Scratch.directory("xbarsim-merge-twice")
  defer { try? FileManager.default.removeItem(at: dir) }
  let d = dir.appendingPathComponent("d").path
  try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
  expectOneLineError(try runXbarsim(["sweep", "merge", d, d]), 64, "sweep merge: \(d) given twice (the same directory)")
  expectOneLineError(try runXbarsim(["sweep", "merge", d, d + "/"]), 64, "sweep merge: \(d) and \(d)/ given twice (the same directory)")
}

/// `line --problem`: a file's value outside the line's bounds is the file's
/// error (exit 1, one line), as its other keys' are; `v_in` beyond 1000 V
/// had exited 64 with the usage line.
@Test func aLineProblemFilesBadValueIsTheFilesError() throws {
  let dir = try Scratch.directory("xbarsim-line-problem")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("p.json")
  func problem(v: String, r: String) throws {
    try #"{"rows": 2, "cols": 2, "conductance": [[1e-5, 1e-5], [1e-5, 1e-5]], "v_in": [0.2, \#(v)], "r_row": \#(r), "r_col": 1}"#
      .write(to: file, atomically: false, encoding: .utf8)
  }
  try problem(v: "5000", r: "1")
  expectOneLineError(try runXbarsim(["line", "--problem", file.path, "--row", "1", "--capacitance", "1e-15"]), 1, "\(file.path): v_in[1] must have 1e-6 ≤ |V| ≤ 1000 V, got 5000")
  try problem(v: "0.1", r: "1e10")
  expectOneLineError(try runXbarsim(["line", "--problem", file.path, "--row", "1", "--capacitance", "1e-15"]), 1, "\(file.path): r_row must be at most 1e9 Ω, got 10000000000")
  // The option's own value stays a usage error.
  try problem(v: "0.1", r: "1")
  expectOneLineError(try runXbarsim(["line", "--problem", file.path, "--row", "1", "--capacitance", "1e-15", "--voltage", "5000"]), 64, "--voltage must have 1e-6 ≤ |V| ≤ 1000 V, got 5000")
}

/// An output directory with a name beyond the file system's 255 bytes is
/// refused before any directory above it is made (they had been left
/// behind, empty).
@Test func anOutputDirectoryNameTooLongLeavesNothingBehind() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-long-name", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let long = String(repeating: "a", count: 300)
  let out = root.appendingPathComponent("x/y/\(long)/z").path
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--out", out])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stderr.contains("a name of 300 bytes, beyond the 255 a file system allows"), "\(r.stderr)")
  #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("x").path))
}

/// With resistive lines, evaluating changes nothing of the training: an
/// evaluation's transfer matrices had rebuilt the training reads' stale
/// line factors, so later reads converged along another path (the loss and
/// the read energy moved in the 9th digit with `--evals-per-epoch`; a
/// determinism audit, session 70).
@Test(arguments: [["--rule", "lim"], ["--rule", "single", "--epochs", "2"]])
func resistiveTrainingIsTheSameWhateverTheEvaluations(rule: [String]) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-resistive-evals-\(rule[1])", train: 600, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  func run(_ evals: String, _ name: String) throws -> [String: Any] {
    let summary = root.appendingPathComponent(name)
    let r = try runXbarsim(
      ["train", "--data", data.path, "--layers", "64,12,10", "--quiet", "--wires", "resistive", "--r-row", "2", "--r-col", "2",
       "--evals-per-epoch", evals, "--summary", summary.path] + rule)
    #expect(r.status == 0, "\(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  }
  let few = try run("1", "few.json"), many = try run("12", "many.json")
  for key in ["read_energy_joules", "pulses", "resets", "test_accuracy", "energy_per_image_joules", "solver_iterations_per_read"] {
    #expect((few[key] as? NSNumber) == (many[key] as? NSNumber), "\(key): \(few[key] ?? "none") against \(many[key] ?? "none")")
  }
  #expect((few["epochs"] as? NSArray) == (many["epochs"] as? NSArray), "\(few["epochs"] ?? "") against \(many["epochs"] ?? "")")
}

/// A review's findings (session 70): another command's option in train's
/// --config is an unknown key, not "an option of the command line"; a
/// checkpoint's batch beyond a --train-limit given here is that option's
/// error, not the checkpoint's; `--epochs " rest"` is rest.
@Test func reviewFindingsOfSession70() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-review-70", train: 120, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("c.json")
  try #"{"rows": 2}"#.write(to: file, atomically: false, encoding: .utf8)
  let rows = try runXbarsim(["train", "--config", file.path])
  #expect(rows.status == 64, "\(rows.stderr)")
  #expect(rows.stderr.hasPrefix("Error: \(file.path): rows: unknown configuration key"), "\(rows.stderr)")
  let ck = root.appendingPathComponent("ck.json")
  let t = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--batch", "10", "--train-limit", "100", "--checkpoint-out", ck.path])
  #expect(t.status == 0, "\(t.stderr)")
  let r = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck.path, "--quiet", "--train-limit", "8"])
  expectOneLineError(r, 64, "--train-limit 8: the checkpoint's batch 10 is more than the 8 training images used")
  // The same key from a --config file: that file's.
  let limit = root.appendingPathComponent("limit.json")
  try #"{"train_limit": 8}"#.write(to: limit, atomically: false, encoding: .utf8)
  expectConfigFileError(
    try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck.path, "--quiet", "--config", limit.path]),
    "\(limit.path): train_limit: the checkpoint's batch 10 is more than the 8 training images used")
  let rest = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ck.path, "--quiet", "--epochs", " rest"])
  // (Read as rest: the saved run had ended, so there is no rest.)
  #expect(rest.status == 1, "\(rest.stderr)")
  #expect(rest.stderr.hasPrefix("Error: --epochs rest: "), "\(rest.stderr)")
  #expect(try runXbarsim(["sweep", "--data", data.path, "--layers", "64,8,10", "--grid", "seed=1,2", "--shard", " 0/2", "--out", root.appendingPathComponent("sw").path, "--quiet"]).status == 0)
}
