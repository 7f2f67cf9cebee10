import Foundation
import Testing
import _TestSupport

// Session 62, a user's walkthrough: an option that conflicts with a
// checkpoint's configuration blamed the checkpoint (exit 1); gmin_ratio
// was missing from the run's label; method b's tie note went to standard
// output unmarked; a device file's G_min/G_max was printed unrounded; and
// a --config file's value errors were worded two ways.

private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-session62", train: 60, test: 20)
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

private func firstLine(_ r: ProcessResult) -> String { r.stderr.split(separator: "\n").first.map(String.init) ?? "" }

// `--wires ideal` from a checkpoint saved with writes through resistive
// lines: the command line's conflict with the checkpoint (exit 64, naming
// the option and the file), not a bad checkpoint (exit 1); an option that
// plays no part in the conflict is not named.
@Test func anOptionThatConflictsWithTheCheckpointIsAUsageError() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("ck.json")
  var r = try runXbarsim(
    ["train", "--data", data.path, "--wires", "resistive", "--r-row", "1", "--r-col", "1", "--write-lines", "resistive",
     "--checkpoint-out", checkpoint.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", checkpoint.path, "--wires", "ideal", "--seed", "3"] + tiny)
  #expect(r.status == 64, "\(r.stderr)")
  #expect(
    firstLine(r).hasPrefix("Error: --wires ideal with checkpoint \(checkpoint.path): write_lines: resistive needs wires resistive"),
    "\(r.stderr)")
  #expect(firstLine(r).hasSuffix("; give --write-lines too to change the checkpoint's write_lines"), "\(r.stderr)")
  #expect(!firstLine(r).contains("--seed"), "\(r.stderr)")
  // Both options given: the run goes on.
  r = try runXbarsim(
    ["train", "--data", data.path, "--checkpoint-in", checkpoint.path, "--wires", "ideal", "--write-lines", "ideal"] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
}

// The label named nmax but not gmin_ratio: two runs that differed only
// there had one label (and one plot title).
@Test func theLabelNamesAGMinRatioAwayFromItsDefault() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  var r = try runXbarsim(["train", "--data", data.path, "--nmax", "40", "--gmin-ratio", "0.1"] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.hasPrefix("lim 64-8-10 method b β 2 nmax 40 gmin_ratio 0.1 batch 1 σ 0:"), "\(r.stdout)")
  r = try runXbarsim(["train", "--data", data.path, "--nmax", "40"] + tiny)
  #expect(r.status == 0 && r.stdout.hasPrefix("lim 64-8-10 method b β 2 nmax 40 batch 1 σ 0:"), "\(r.stdout)")
  // The finite-state rules' default is 0.1: named only away from it.
  r = try runXbarsim(["train", "--data", data.path, "--rule", "single", "--gmin-ratio", "0.2"] + tiny)
  #expect(r.status == 0 && r.stdout.components(separatedBy: "\n")[0].contains(" gmin_ratio 0.2"), "\(r.stdout)")
  r = try runXbarsim(["train", "--data", data.path, "--rule", "single"] + tiny)
  #expect(r.status == 0 && !r.stdout.contains("gmin_ratio"), "\(r.stdout)")
}

// Method b's tie note is a note like the others: on standard error, marked.
@Test func theTieNoteGoesToStandardErrorAsANote() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--sigma-c2c", "0.1"] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(!r.stdout.contains("exact tie"), "\(r.stdout)")
  #expect(r.stderr.contains("note: method b's re-potentiation loop ends on an exact tie"), "\(r.stderr)")
}

// A device file's first point over its maximum, 0.2/2, was shown as
// 0.09999999999999999.
@Test func aDeviceFilesRatioIsShownRounded() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  try "p,0.2e-6\np,0.5e-6\np,1e-6\np,1.5e-6\np,2e-6\n".write(to: device, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--device-csv", device.path, "--gmin-ratio", "0.2"] + tiny)
  #expect(r.status == 64, "\(r.stderr)")
  #expect(firstLine(r) == "Error: --gmin-ratio: device_csv gives G_min/G_max = 0.1, got 0.2 (leave gmin_ratio out)", "\(r.stderr)")
}

// A --config file's errors name the key one way, `FILE: key: message`,
// whether the value is out of range or not a value at all.
@Test(arguments: [
  (#"{"epochs": 0}"#, "epochs: must be in 1...10000, got 0"),
  (#"{"gmax": 1e400}"#, "gmax: the number is out of range"),
  (#"{"epochs": [3]}"#, "epochs: expects a single value, got a list"),
])
func aConfigFilesErrorsNameTheKeyOneWay(json: String, message: String) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("c.json")
  try json.write(to: config, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", config.path] + tiny)
  #expect(r.status == 64, "\(r.stderr)")
  #expect(firstLine(r).hasPrefix("Error: \(config.path): \(message)"), "\(r.stderr)")
  #expect(!r.stderr.contains("key '"), "\(r.stderr)")
}
