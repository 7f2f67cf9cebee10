import Foundation
import Testing
import _TestSupport

// Session 61: a configuration error from a `--config` file exited 1, the
// same error given as an option 64; and a misspelt key in the file got no
// "did you mean" where the misspelt option got one. Now both exit 64, the
// file's error on one line naming the file and the key (the command line
// itself was well formed: no usage line), and an unknown key in the file is
// answered with the nearest key, by the options' helper.
//
// Every error here is raised before any data is read: `--data` names an
// empty directory (no MNIST, no synthetic images needed).

private struct ConfigScratch {
  let root: URL
  /// An empty directory: a run that got as far as reading data would fail
  /// there with exit 1 and another message.
  let data: URL

  init() throws {
    root = try Scratch.directory("xbarsim-session61")
    data = root.appendingPathComponent("empty-data")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
  }

  func file(_ name: String, _ text: String) throws -> URL {
    let url = root.appendingPathComponent(name)
    try text.write(to: url, atomically: false, encoding: .utf8)
    return url
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}

private func lines(_ r: ProcessResult) -> [String] { r.stderr.split(separator: "\n").map(String.init) }

/// A `--config` file's error: exit 64, exactly one line, `Error: FILE: message`.
private func expectFileError(
  _ r: ProcessResult, _ file: URL, _ message: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(r.status == 64, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
  #expect(lines(r) == ["Error: \(file.path): \(message)"], "\(r.stderr)", sourceLocation: sourceLocation)
}

/// An option's error: exit 64, `Error: message`, then the usage and --help lines.
private func expectOptionError(
  _ r: ProcessResult, _ message: String, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(r.status == 64, "exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
  let l = lines(r)
  #expect(l.count == 3 && l.first == "Error: \(message)" && l[1].hasPrefix("Usage: "), "\(r.stderr)",
    sourceLocation: sourceLocation)
}

// The same bad value as an option and as a file's key: the same exit code,
// the file's message naming the file and the key.
@Test(arguments: [
  (["--beta", "-1"], #"{"beta": -1}"#, "beta: must be in [0, 50], got -1"),
  (["--epochs", "three"], #"{"epochs": "three"}"#, "epochs: expects an integer, got 'three'"),
  (["--shuffle", "yes"], #"{"shuffle": "yes"}"#, "shuffle: expects true or false, got 'yes'"),
  (["--r-row", "5"], #"{"r_row": 5}"#, "r_row: applies only with wires resistive (the lines are ideal)"),
])
func aConfigurationFilesErrorExitsAsTheOptionsDoes(option: [String], json: String, message: String) throws {
  let s = try ConfigScratch()
  defer { s.remove() }
  let viaOption = try runXbarsim(["train", "--data", s.data.path] + option)
  // (The option's message spells the key and `wires` as options.)
  expectOptionError(
    viaOption, "--" + message.replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: "with wires", with: "with --wires"))
  let file = try s.file("c.json", json)
  let viaFile = try runXbarsim(["train", "--data", s.data.path, "--config", file.path])
  expectFileError(viaFile, file, message)
  #expect(viaFile.status == viaOption.status)
}

// A wrong JSON type, a list where one value goes, malformed JSON, a key
// given twice: the file's configuration errors, exit 64.
@Test(arguments: [
  (#"{"epochs": [3]}"#, "epochs: expects a single value, got a list"),
  (#"{"epochs": null}"#, "epochs: has an unsupported value null"),
  (#"{"epochs": 1, "epochs": 2}"#, #"malformed JSON at line 1, column 26: key "epochs" appears twice"#),
  (#"{"epochs": 1,}"#, "malformed JSON at line 1, column 14: expected a string key"),
  (#"[1, 2]"#, "expected a JSON object of configuration keys"),
])
func aConfigurationFilesContentErrorsExit64(json: String, message: String) throws {
  let s = try ConfigScratch()
  defer { s.remove() }
  let file = try s.file("c.json", json)
  expectFileError(try runXbarsim(["train", "--data", s.data.path, "--config", file.path]), file, message)
}

// `sweep` and `reproduce` read --config as train does: the same exit code.
@Test func sweepAndReproduceExit64ForAConfigurationFilesError() throws {
  let s = try ConfigScratch()
  defer { s.remove() }
  let file = try s.file("c.json", #"{"beta": -1}"#)
  let sweep = try runXbarsim(
    ["sweep", "--data", s.data.path, "--config", file.path, "--grid", "epochs=1,2", "--out", s.root.appendingPathComponent("s").path])
  expectFileError(sweep, file, "beta: must be in [0, 50], got -1")
  let reproduce = try runXbarsim(["reproduce", "irdrop", "--data", s.data.path, "--config", file.path])
  expectFileError(reproduce, file, "beta: must be in [0, 50], got -1")
}

// An unknown key in the file gets the nearest key, as an unknown option does.
@Test func anUnknownKeyInAConfigurationFileGetsADidYouMean() throws {
  let s = try ConfigScratch()
  defer { s.remove() }
  expectOptionError(
    try runXbarsim(["train", "--data", s.data.path, "--betta", "0.5"]), "unknown option '--betta' (did you mean '--beta'?)")
  for (json, message) in [
    (#"{"betta": 0.5}"#, "betta: unknown configuration key (did you mean 'beta'?)"),
    (#"{"epochs": 1, "read_voltag": 0.1}"#, "read_voltag: unknown configuration key (did you mean 'read_voltage'?)"),
    // The options' spelling ('-' for '_') is a key's too: the hint names the key.
    (#"{"read-voltag": 0.1}"#, "read-voltag: unknown configuration key (did you mean 'read_voltage'?)"),
    // Nothing near: no hint.
    (#"{"zzzzzzzz": 1}"#, "zzzzzzzz: unknown configuration key"),
  ] {
    let file = try s.file("c.json", json)
    expectFileError(try runXbarsim(["train", "--data", s.data.path, "--config", file.path]), file, message)
  }
  // Beside a summary's 'configuration' object, the nearest key a summary writes.
  let summary = try s.file("summary.json", #"{"configuration": {"epochs": 1}, "epoch": 3}"#)
  expectFileError(
    try runXbarsim(["train", "--data", s.data.path, "--config", summary.path]), summary,
    "key 'epoch' is neither a configuration key inside the 'configuration' object nor one a run's summary writes beside it (did you mean 'epochs'?)")
}

// Not configuration errors: a --config file that cannot be read, and a
// device file (a key's or the option's) that cannot be, stay exit 1.
@Test func unreadableFilesStayExit1() throws {
  let s = try ConfigScratch()
  defer { s.remove() }
  let missing = s.root.appendingPathComponent("missing.json")
  let r = try runXbarsim(["train", "--data", s.data.path, "--config", missing.path])
  #expect(r.status == 1 && lines(r) == ["Error: \(missing.path): cannot read file (No such file or directory)"], "\(r.stderr)")
  let csv = s.root.appendingPathComponent("none.csv").path
  let viaOption = try runXbarsim(["train", "--data", s.data.path, "--device-csv", csv])
  #expect(viaOption.status == 1 && lines(viaOption).count == 1, "\(viaOption.stderr)")
  let file = try s.file("d.json", #"{"device_csv": "\#(csv)"}"#)
  let viaFile = try runXbarsim(["train", "--data", s.data.path, "--config", file.path])
  #expect(viaFile.status == 1 && lines(viaFile).count == 1, "\(viaFile.stderr)")
  #expect(lines(viaFile).first?.hasPrefix("Error: \(file.path): device_csv: ") == true, "\(viaFile.stderr)")
}
