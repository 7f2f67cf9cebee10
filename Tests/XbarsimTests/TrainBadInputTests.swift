import Foundation
import Testing
import _TestSupport

// Bad input to train and inspect found by fuzzing (2026-11-29, fuzz-d):
// each is a one-line error naming the option or file, never a trap or a
// silently ignored value.

/// A temporary directory with 8×8 synthetic IDX files (`train` training,
/// `test` test images) in `root/data`.
private func syntheticData(train: Int = 40, test: Int = 10) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-fuzz-d", train: train, test: test)
}

/// `oneLine`: a `--config` file's error, exit 64 without the usage line.
private func expectError(_ r: ProcessResult, _ status: Int32, _ text: String, oneLine: Bool = false) {
  #expect(r.status == status, "\(r.stderr)")
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: ") && first.contains(text), "\(r.stderr)")
  #expect(r.stderr.split(separator: "\n").count == (status == 64 && !oneLine ? 3 : 1), "\(r.stderr)")
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

@Test func aConfigurationFileOverOneMegabyteIsRefusedUnread() throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("big.json")
  let text = "{\"layers\":[64" + String(repeating: ",1", count: 600_000) + ",10]}"
  try text.write(to: config, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", config.path] + tiny)
  expectError(r, 1, "\(config.path): \(text.utf8.count) bytes; a configuration file holds at most 1 MB")
}

@Test(arguments: [
  (["--lr", "0.5"], "--lr: applies to float SGD"),
  (["--rule", "float", "--read-time", "1e-7"], "--read-time: applies to rules lim, hybrid and single only"),
  (["--rule", "hybrid", "--encoding", "sign", "--bl", "8"], "--bl: applies to encodings stochastic and deterministic only"),
  (["--learning", "off-chip", "--transfer", "weights", "--method", "a"], "--method: applies to learning on-chip or transfer states"),
  (["--train-limit", "41"], "--train-limit: 41 is more than the 40 training images in "),
  (["--test-limit", "11"], "--test-limit: 11 is more than the 10 test images in "),
  (["--train-limit", "20", "--batch", "21"], "--batch: 21 is more than the 20 training images used"),
  (["--shuffle", "yes"], "--shuffle: expects true or false, got 'yes'"),
  (["--beta-p", "0x10"], "--beta-p: expects a number, got '0x10'"),
  (["--read-time", "1"], "--read-time: 1 s needs slot_time ≥ 1 s; slot_time is 2e-06 s"),
])
func trainRefusesIgnoredOrMeaninglessOptions(options: [String], message: String) throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path] + tiny + options)
  expectError(r, 64, message)
}

@Test func offChipWeightsKeepTheUpdateKeysForACheckpoint() throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--transfer", "weights", "--method", "a",
     "--checkpoint-out", root.appendingPathComponent("c.json").path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
}

@Test(arguments: [
  (#"{"shuffle": 1}"#, "shuffle: expects true or false, got '1'"),
  (#"{"shuffle": "yes"}"#, "shuffle: expects true or false, got 'yes'"),
  (#"{"shuffle": [0]}"#, "shuffle: expects a single value, got a list"),
  (#"{"epochs": [3]}"#, "epochs: expects a single value, got a list"),
  (#"{"beta_p": "0x10"}"#, "beta_p: expects a number, got '0x10'"),
  (#"{"seed": 9007199254740993}"#, "seed: integers from 2^53 (9007199254740992) on are not exact as JSON numbers; write them as JSON strings"),
  (#"{"train_limit": 1000}"#, "train_limit: 1000 is more than the 40 training images"),
])
func configurationValuesAreStrict(json: String, message: String) throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("c.json")
  try json.write(to: config, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", config.path] + tiny)
  expectError(r, 64, "\(config.path): \(message)", oneLine: true)
}

@Test func aDataPathThatIsAFileOrABrokenLinkIsNamedSo() throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let file = data.appendingPathComponent("train-labels-idx1-ubyte")
  expectError(try runXbarsim(["train", "--data", file.path] + tiny), 1, "\(file.path): not a directory")
  let links = root.appendingPathComponent("links")
  try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
  for name in ["train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
    try FileManager.default.createSymbolicLink(at: links.appendingPathComponent(name), withDestinationURL: data.appendingPathComponent(name))
  }
  let images = links.appendingPathComponent("train-images-idx3-ubyte")
  try FileManager.default.createSymbolicLink(atPath: images.path, withDestinationPath: root.appendingPathComponent("nowhere").path)
  expectError(try runXbarsim(["train", "--data", links.path] + tiny), 1, "\(images.path): a broken symbolic link")
  try FileManager.default.removeItem(at: images)
  try FileManager.default.createSymbolicLink(atPath: images.path, withDestinationPath: images.path)
  expectError(try runXbarsim(["train", "--data", links.path] + tiny), 1, "\(images.path): a symbolic link loop")
}

@Test(arguments: [
  (["--epochs", "5"], "--epochs: inspect trains --samples samples of the first epoch and never evaluates"),
  (["--evals-per-epoch", "7"], "--evals-per-epoch: inspect trains"),
  (["--test-limit", "3"], "--test-limit: inspect trains"),
  (["--final-iterations", "3"], "--final-iterations: inspect trains"),
  (["--lr", "0.5"], "--lr: applies to float SGD"),
])
func inspectRefusesTheTrainingLoopOptionsItDoesNotUse(options: [String], message: String) throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out").path
  let r = try runXbarsim(["inspect", "--data", data.path, "--samples", "1", "--layers", "64,8,10", "--out", out] + options)
  expectError(r, 64, message)
}

// A network within the 1e8-synapse cap but beyond the memory trapped in its
// first allocation ("failed to allocate", exit 134), in train, sweep and
// reproduce (fuzz-extreme, 2026-11-29).
@Test func aNetworkBeyondTheMemoryLimitIsRefusedBeforeTraining() throws {
  let (root, _) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let limited = "ulimit -v 1000000; \"$1\" "
  let net = "--data data --layers 64,600000,10 --evals-per-epoch 1"
  expectError(
    try runShell(limited + "train \(net) --quiet", in: root), 64,
    "--layers: 64-600000-10 (45000010 synapses): training needs about 2.")
  expectError(
    try runShell(limited + "sweep \(net) --grid rule=lim,hybrid --out o", in: root), 64,
    "--grid point 0 (rule=lim): --layers: 64-600000-10 (45000010 synapses): training needs about 2.")
  expectError(
    try runShell(limited + "reproduce lim2018 --figure 9 \(net)", in: root), 64,
    "--layers: figure 9, ")
  expectError(
    try runShell(limited + "inspect --data data --layers 64,600000,10 --samples 1 --out i", in: root), 64,
    "--layers: 64-600000-10 (45000010 synapses): training needs about 2.")
  // Within the limit it trains.
  let small = try runShell(limited + "train --data data --layers 64,1000,10 --evals-per-epoch 1 --quiet", in: root)
  #expect(small.status == 0, "\(small.stderr)")
}

// An output named by one character ("s", "m") trapped in Foundation's
// deletingLastPathComponent (exit 132) in train, sweep merge and every
// command that checks its outputs (found 2026-11-29 in review).
@Test func outputsNamedByOneCharacterAreWritten() throws {
  let (root, _) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let net = "--data data --layers 64,8,10 --evals-per-epoch 1 --quiet"
  let train = try runShell("\"$1\" train \(net) --summary s --log l --plot p", in: root)
  #expect(train.status == 0, "\(train.stderr)")
  for name in ["s", "l", "p"] {
    #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path), "\(name)")
  }
  let sweep = try runShell("\"$1\" sweep \(net) --grid seed=1,2 --out a && \"$1\" sweep merge a --out m", in: root)
  #expect(sweep.status == 0, "\(sweep.stderr)")
  #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("m/sweep.json").path))
}

@Test func aMeasuredDeviceFileTrainsAndItsErrorsNameTheOptionAndTheFile() throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  try "branch,conductance\np,1e-6\np,2e-6\np,3.5e-6\np,5e-6\n".write(to: device, atomically: false, encoding: .utf8)
  // It trains, names the device, and its summary re-runs it.
  let summary = root.appendingPathComponent("summary.json")
  var r = try runXbarsim(["train", "--data", data.path, "--device-csv", device.path, "--summary", summary.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let text = try String(contentsOf: summary, encoding: .utf8)
  #expect(text.contains("\"device_csv\": \"\(device.resolvingSymlinksInPath().path)\"") && text.contains("\"nmax\": 3"), "\(text)")
  r = try runXbarsim(["train", "--data", data.path, "--config", summary.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  let bad = root.appendingPathComponent("bad.csv")
  try "p,1e-6\np,-2e-6\n".write(to: bad, atomically: false, encoding: .utf8)
  // A file that cannot be read or is invalid: the file's error (exit 1).
  for (options, message) in [
    (["--device-csv", bad.path], "--device-csv: \(bad.path) line 2"),
    (["--device-csv", root.appendingPathComponent("none.csv").path], "--device-csv: \(root.appendingPathComponent("none.csv").path): no such file"),
  ] {
    expectError(try runXbarsim(["train", "--data", data.path] + tiny + options), 1, message)
  }
  for (options, message) in [
    (["--device-csv", device.path, "--nmax", "64"], "--nmax: device_csv gives n_max 3 (its 4 points to its maximum), got 64"),
    (["--device-csv", device.path, "--method", "c"], "--device-csv: \(device.resolvingSymlinksInPath().path): method c depresses devices, and the file has no depression branch"),
    (["--device-csv", device.path, "--summary", device.path], "--summary would overwrite the --device-csv file"),
  ] {
    expectError(try runXbarsim(["train", "--data", data.path] + tiny + options), 64, message)
  }
}

@Test func aMeasuredDeviceCheckpointLoadsFromItsOwnCopyOfTheCurve() throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  try "p,1e-6\np,2e-6\np,3.5e-6\np,5e-6\n".write(to: device, atomically: false, encoding: .utf8)
  let checkpoint = root.appendingPathComponent("ck.json")
  var r = try runXbarsim(
    ["train", "--data", data.path, "--device-csv", device.path, "--checkpoint-out", checkpoint.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  func inspect(_ name: String, _ extra: [String] = []) throws -> ProcessResult {
    let out = root.appendingPathComponent(name)
    return try runXbarsim(["inspect", "--data", data.path, "--checkpoint", checkpoint.path, "--samples", "1", "--out", out.path] + extra)
  }
  r = try inspect("before")
  #expect(r.status == 0, "\(r.stderr)")
  // The file changed (or gone): the checkpoint still holds its device.
  try "p,1e-6\np,4e-6\np,4.5e-6\np,5e-6\n".write(to: device, atomically: false, encoding: .utf8)
  r = try inspect("after")
  #expect(r.status == 0, "\(r.stderr)")
  let lines = { (d: String) in try String(contentsOf: root.appendingPathComponent(d + "/lines.csv"), encoding: .utf8) }
  #expect(try lines("before") == lines("after"))
  // Asking for the file as it is now is another device: refused.
  r = try inspect("other", ["--device-csv", device.path])
  #expect(r.status == 1 && r.stderr.contains("the checkpoint's measured device differs from the file"), "\(r.stderr)")
}

@Test func methodCTrainsAMeasuredDeviceWithItsDepressionBranchAndCheckpointsIt() throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  try "p,1e-6\np,2e-6\np,3.5e-6\np,5e-6\nd,5e-6\nd,3e-6\nd,2e-6\nd,1.5e-6\n".write(to: device, atomically: false, encoding: .utf8)
  let checkpoint = root.appendingPathComponent("ck.json")
  let summary = root.appendingPathComponent("summary.json")
  var r = try runXbarsim(
    ["train", "--data", data.path, "--device-csv", device.path, "--method", "c", "--checkpoint-out", checkpoint.path,
     "--summary", summary.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  // The checkpoint holds the depression branch, in G_max units.
  let text = try String(contentsOf: checkpoint, encoding: .utf8)
  let depression = [5e-6, 3e-6, 2e-6, 1.5e-6].map { "\($0 / 5e-6)" }.joined(separator: ",")
  #expect(text.contains("\"depression\": [\(depression)]"), "\(text.prefix(2000))")
  // It loads without the file, and the summary re-runs the run.
  try FileManager.default.removeItem(at: device)
  r = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", checkpoint.path, "--samples", "1", "--out", root.appendingPathComponent("i").path])
  #expect(r.status == 0, "\(r.stderr)")
  try "p,1e-6\np,2e-6\np,3.5e-6\np,5e-6\nd,5e-6\nd,3e-6\nd,2e-6\nd,1.5e-6\n".write(to: device, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train", "--data", data.path, "--config", summary.path, "--quiet"])
  #expect(r.status == 0, "\(r.stderr)")
  // Another depression branch is another device.
  try "p,1e-6\np,2e-6\np,3.5e-6\np,5e-6\nd,5e-6\nd,1e-6\n".write(to: device, atomically: false, encoding: .utf8)
  r = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", checkpoint.path, "--device-csv", device.path, "--samples", "1",
     "--out", root.appendingPathComponent("j").path])
  #expect(r.status == 1 && r.stderr.contains("the checkpoint's measured device differs from the file"), "\(r.stderr)")
  // A method-c checkpoint without its depression branch is refused as such.
  let bare = root.appendingPathComponent("bare.json")
  try text.replacingOccurrences(of: ", \"depression\": [\(depression)]", with: "").write(to: bare, atomically: false, encoding: .utf8)
  r = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", bare.path, "--samples", "1", "--out", root.appendingPathComponent("k").path])
  #expect(r.status == 1 && r.stderr.contains("'device': method c's device needs its depression branch"), "\(r.stderr)")
  // A method-b checkpoint from before the branch was kept (no
  // `depression`) is still the same device as its file.
  let older = root.appendingPathComponent("b.json")
  r = try runXbarsim(["train", "--data", data.path, "--device-csv", device.path, "--checkpoint-out", older.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let bText = try String(contentsOf: older, encoding: .utf8)
  let stripped = bText.replacingOccurrences(of: #", "depression": \[[^\]]*\]"#, with: "", options: .regularExpression)
  #expect(stripped != bText)
  try stripped.write(to: older, atomically: false, encoding: .utf8)
  r = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", older.path, "--device-csv", device.path, "--samples", "1",
     "--out", root.appendingPathComponent("l").path])
  #expect(r.status == 0, "\(r.stderr)")
  // Method c asked of it: the checkpoint's device (not an option the user
  // gave) has no depression branch; the option that asks for it conflicts
  // with the checkpoint, a usage error naming both (session 62).
  r = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", older.path, "--method", "c", "--samples", "1",
     "--out", root.appendingPathComponent("m").path])
  #expect(r.status == 64 && r.stderr.contains("Error: --method c with checkpoint \(older.path): device_csv: ") && r.stderr.contains("no depression branch"), "\(r.stderr)")
  #expect(!r.stderr.contains("Error: --device-csv"), "\(r.stderr)")
  // Lim's β_d is not read with a measured device.
  r = try runXbarsim(["train", "--data", data.path, "--device-csv", device.path, "--method", "c", "--beta-d", "3"] + tiny)
  expectError(r, 64, "--beta-d")
}

@Test func sweepsAndReproductionsOfMeasuredDevices() throws {
  let (root, data) = try syntheticData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  try "p,1e-6\np,2e-6\np,5e-6\n".write(to: device, atomically: false, encoding: .utf8)
  try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("alias.csv"), withDestinationURL: device)
  // One file by two names is one grid value twice.
  var r = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "device_csv=\(device.path),\(root.path)/alias.csv", "--out", root.appendingPathComponent("s").path] + tiny)
  expectError(r, 64, "names one file twice")
  // An empty value is Lim's device, beside the file; the sweep resumes.
  let out = root.appendingPathComponent("both").path
  for _ in 0..<2 {
    r = try runXbarsim(["sweep", "--data", data.path, "--grid", "device_csv=,\(device.path)", "--out", out] + tiny)
    #expect(r.status == 0, "\(r.stderr)")
  }
  let rows = try String(contentsOfFile: out + "/sweep.csv", encoding: .utf8).split(separator: "\n")
  #expect(rows.count == 3 && rows[1].hasPrefix("0,,") && rows[2].hasPrefix("1,\(device.resolvingSymlinksInPath().path),"), "\(rows)")
  let points = try String(contentsOfFile: out + "/sweep.json", encoding: .utf8)
  #expect(points.contains("\"device_csv\": null"), "\(points)")
  // Two devices, two runs: the pulses differ.
  let column = try #require(rows[0].split(separator: ",").firstIndex(of: "pulses"))
  let pulses = rows.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[column] }
  #expect(pulses[0] != pulses[1], "\(rows)")
  #expect(try String(contentsOfFile: out + "/sweep.svg", encoding: .utf8).contains("1 = (none)"))
  r = try runXbarsim(["sweep", "--data", data.path, "--grid", "seed=,1", "--out", root.appendingPathComponent("e").path] + tiny)
  expectError(r, 64, "--grid seed: empty value in ',1'")
  // The paper's figures run the paper's devices.
  r = try runXbarsim(["reproduce", "lim2018", "--figure", "8", "--data", data.path, "--device-csv", device.path])
  expectError(r, 64, "--device-csv: reproduce lim2018 --figure 8 runs the paper's device models")
}
