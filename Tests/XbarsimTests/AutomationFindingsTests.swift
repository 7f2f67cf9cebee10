import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Walkthroughs by a student running unattended studies from scripts and by
// a peripheral-circuit designer (session 33, 2026-12-01): outputs a script
// could not reach, runs that mixed their files, keys a mode ignored
// without a word.

/// 8×8 generated images: 120 training images, 50 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-automation", train: 120, test: 50)
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--train-limit", "60", "--test-limit", "20", "--quiet"]

// `-` made a file named `-`; /dev/stdout into a pipe was "No such file";
// reopened, a stdout that `>` redirected to a file was written over from its
// start. Such an output is written to the process's own descriptor, and the
// result lines go to standard error, so that standard output is the file
// alone (`--summary - | jq .`).
@Test func aSummaryGoesToStandardOutputAsDashOrDevStdout() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  for target in ["-", "/dev/stdout"] {
    let r = try runXbarsim(["train", "--data", data.path, "--summary", target] + net)
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    #expect(json?["test_accuracy"] != nil, "\(target): \(r.stdout.prefix(200))")
    #expect(r.stderr.contains("test accuracy"), "\(target): \(r.stderr)")
  }
  #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/-"))
  // Redirected to a file with `>` (the summary, then the log).
  let exe = try #require(productExecutable("xbarsim")).path
  for (option, check) in [("--summary", "json"), ("--log", "csv")] {
    let file = root.appendingPathComponent("out-\(check)")
    let child = try SpawnedProcess(
      URL(fileURLWithPath: "/bin/sh"),
      ["-c", "exec \"$1\" train --data \"$2\" \(option) - \(net.joined(separator: " ")) > \"$3\"", "sh", exe, data.path, file.path],
      stdout: root.appendingPathComponent("sh-out"), stderr: root.appendingPathComponent("sh-err"))
    #expect(child.wait() == .exited(0))
    let text = try String(contentsOf: file, encoding: .utf8)
    if check == "json" {
      #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) != nil, "\(text.prefix(300))")
    } else {
      #expect(text.hasPrefix("images,epoch,test_accuracy,") && csvRows(text).count == 2, "\(text)")
    }
  }
  // One descriptor under two names is one output.
  let both = try runXbarsim(["train", "--data", data.path, "--summary", "-", "--log", "/dev/stdout"] + net)
  expectOneLineError(both, 64, "--log and --summary write the same file")
}

// Two runs given one --out both exited 0 with their log rows interleaved.
@Test func aSecondTrainOnADirectoryInUseIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("run")
  try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
  // Held as a running `train` holds it.
  let fd = open(out.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)  // (not inherited by processes other tests spawn)
  #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
  let busy = try runXbarsim(["train", "--data", data.path, "--out", out.path] + net)
  expectOneLineError(busy, 1, "\(out.path) is in use by another xbarsim run")
  close(fd)
  let free = try runXbarsim(["train", "--data", data.path, "--out", out.path] + net)
  #expect(free.status == 0, "\(free.stderr)")
}

// Off-chip learning ran --read-voltage, --read-time and --gmax (ideal
// lines) without a word, while it refused the other timing keys.
@Test(arguments: [
  (["--read-voltage", "0.5"], "--read-voltage: applies to learning on-chip (its energy and latency accounts) only"),
  (["--read-time", "5e-8"], "--read-time: applies to learning on-chip (its energy and latency accounts) and drift_read_noise pcm (its t_r) only"),
  (["--gmax", "3e-5"], "--gmax: applies to learning on-chip (its energy account) or wires resistive (G·r) only"),
])
func offChipLearningRefusesTheKeysOnlyTheAccountsRead(_ extra: [String], _ message: String) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--learning", "off-chip"] + extra + net)
  expectOneLineError(r, 64, message)
}

@Test func offChipTakesGmaxWithResistiveLinesAndTheHybridReadsBelowTheWriteThreshold() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let ok = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--gmax", "3e-5", "--wires", "resistive", "--r-row", "1", "--r-col", "1"]
      + net)
  #expect(ok.status == 0, "\(ok.stderr)")
  let hot = try runXbarsim(["train", "--data", data.path, "--rule", "hybrid", "--read-voltage", "5"] + net)
  expectOneLineError(hot, 64, "--read-voltage: a read at 5 V reaches the devices' write threshold 0.75 V (write_threshold)")
  let low = try runXbarsim(["train", "--data", data.path, "--rule", "hybrid", "--write-threshold", "0.1"] + net)
  expectOneLineError(low, 64, "--write-threshold: 0.1 V is at or below the read voltage 0.2 V (read_voltage)")
  let raised = try runXbarsim(["train", "--data", data.path, "--rule", "single", "--read-voltage", "0.8", "--write-threshold", "0.9"] + net)
  #expect(raised.status == 0, "\(raised.stderr)")
  // Rule lim, whose devices have no threshold key, trained with reads at
  // 5 V against 1 V programming pulses (a circuit designer's walkthrough,
  // session 48): a read at the programming amplitude is refused, named by
  // the key that moved; one below it runs.
  let limHot = try runXbarsim(["train", "--data", data.path, "--read-voltage", "1"] + net)
  expectOneLineError(limHot, 64, "--read-voltage: a read at 1 V reaches the programming pulse's 1 V (program_voltage)")
  let limLow = try runXbarsim(["train", "--data", data.path, "--program-voltage", "0.2"] + net)
  expectOneLineError(limLow, 64, "--program-voltage: 0.2 V is at or below the read voltage 0.2 V (read_voltage)")
  let limRaised = try runXbarsim(["train", "--data", data.path, "--read-voltage", "0.9", "--program-voltage", "1"] + net)
  #expect(limRaised.status == 0, "\(limRaised.stderr)")
}

// Lines of 1 MΩ a segment (MΩ typed as Ω) trained without a word (a
// circuit designer's walkthrough, session 48): a segment that resists more
// than a cell at G_max is noted; 1 Ω is not.
@Test func linesThatResistMoreThanACellAreNoted() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  for (r, noted) in [("1e5", true), ("1", false)] {
    let run = try runXbarsim(["train", "--data", data.path, "--wires", "resistive", "--r-row", r, "--r-col", r] + net)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("note: line segments of \(r == "1" ? "1" : "100000") Ω against gmax 1e-05 S (G·r = ") == noted, "\(r): \(run.stderr)")
  }
}

// `solve --tolerance 0x1p-30` and `bench solve --r 0x10` were read as hex.
@Test func everyCommandTakesNumbersInDecimalNotationOnly() throws {
  let r = try runXbarsim(["solve", "-", "--tolerance", "0x1p-30"], stdin: Data(#"{"rows":1,"cols":1,"conductance":[[1e-6]],"v_in":[1],"r_row":0,"r_col":0}"#.utf8))
  expectOneLineError(r, 64, "--tolerance expects a finite number in decimal notation, got '0x1p-30'")
  let b = try runXbarsim(["bench", "solve", "--r", "0x10", "--rows", "4", "--cols", "4"])
  expectOneLineError(b, 64, "--r expects a finite number in decimal notation, got '0x10'")
}

// A summary given as --config re-ran on other data without a word.
@Test func aSummaryRerunOnOtherDataGetsANote() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  let first = try runXbarsim(["train", "--data", data.path, "--summary", summary.path] + net)
  #expect(first.status == 0, "\(first.stderr)")
  let same = try runXbarsim(["train", "--data", data.path, "--config", summary.path, "--quiet"])
  #expect(same.status == 0 && !same.stderr.contains("note:"), "\(same.stderr)")
  let other = try syntheticDataDirectory("xbarsim-automation-other", train: 130, test: 50)
  defer { try? FileManager.default.removeItem(at: other.root) }
  let moved = try runXbarsim(["train", "--data", other.data.path, "--config", summary.path, "--quiet"])
  #expect(moved.status == 0, "\(moved.stderr)")
  #expect(moved.stderr.contains("note: \(summary.path) is a run on other data"), "\(moved.stderr)")
}

// `threads` (the same results) stopped a shard resuming on another
// machine; point-P.json lacked the summary's `data`.
@Test func aSweepResumesWhateverItsThreadsAndItsPointsCarryTheirData() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("sweep")
  let args = ["sweep", "--data", data.path, "--rule", "single", "--grid", "seed=1,2", "--out", out.path] + net
  let first = try runXbarsim(args + ["--shard", "0/2"])
  #expect(first.status == 0, "\(first.stderr)")
  let again = try runXbarsim(args + ["--shard", "0/2", "--threads", "2"])
  #expect(again.status == 0, "\(again.stderr)")
  let point = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("point-0.json"))) as? [String: Any]
  #expect((point?["data"] as? [String: Any])?["train_images"] as? Int == 120, "\(point ?? [:])")
  // A shard with another base: the merge names the key.
  let other = root.appendingPathComponent("other")
  let o = try runXbarsim(args.map { $0 == out.path ? other.path : $0 } + ["--shard", "1/2", "--c", "3"])
  #expect(o.status == 0, "\(o.stderr)")
  let merge = try runXbarsim(["sweep", "merge", out.path, other.path, "--out", root.appendingPathComponent("m").path])
  expectOneLineError(merge, 1, "\(other.path): its base configuration differs from \(out.path)'s: c 3 here, 4 there")
}

// A reproduction on other data printed the paper's MNIST numbers beside its
// own with no word of the data.
@Test func aReproductionOnOtherDataSaysSo() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let train = try IDXDataset.load(directory: data, split: .train), test = try IDXDataset.load(directory: data, split: .test)
  #expect(ReproduceCommand.dataNote(try parse(["reproduce"]), train: train, test: test) == nil)
  #expect(
    ReproduceCommand.dataNote(try parse(["reproduce", "--data", data.path]), train: train, test: test)
      == "data: \(data.path) (120 training and 50 test images); the paper's numbers are MNIST's")
}

// One corrupt label byte read as "--layers: … 201 classes".
@Test func aFewLabelsBeyondTheOutputsAreCalledADamagedFile() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let labels = data.appendingPathComponent("train-labels-idx1-ubyte")
  var bytes = try Data(contentsOf: labels)
  bytes[8] = 200
  try bytes.write(to: labels)
  let r = try runXbarsim(["train", "--data", data.path] + net)
  #expect(r.status != 0)
  #expect(r.stderr.contains("go up to 200 (first at image 0), 201 classes; only 1 image of 170 has a label of 10 or more: a damaged label file?"), "\(r.stderr)")
}

private func parse(_ argv: [String]) throws -> ParsedArguments {
  try #require(try ArgumentParsing.parse(Array(argv.dropFirst()), spec: ReproduceCommand.spec))
}

// An evaluation brought the weight cache and the line loads anew from the
// devices, so the evaluation schedule moved the read energy in its ninth
// digit (1.5833342942e-08 against 1.5833342997e-08 J with 1 and 4 points).
@Test func theEvaluationScheduleLeavesTheReadEnergyAlone() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  var energies: [Double] = []
  for points in ["1", "6"] {
    let s = root.appendingPathComponent("e\(points).json")
    let r = try runXbarsim(
      ["train", "--data", data.path, "--layers", "64,16,10", "--epochs", "3", "--evals-per-epoch", points, "--quiet", "--summary", s.path])
    #expect(r.status == 0, "\(r.stderr)")
    let j = try JSONSerialization.jsonObject(with: Data(contentsOf: s)) as? [String: Any]
    energies.append(j?["read_energy_joules"] as? Double ?? .nan)
  }
  #expect(energies[0] == energies[1], "\(energies)")
}

// With comparator offsets, inspect's `delta` did not decide the pulses and
// the offsets were not written: a designer could not rebuild Table 1's
// decisions (6 of 30 samples disagreed). neurons.csv now carries each
// column's decision and offset, and every rule pulse follows the decision.
@Test func inspectRecordsTheComparatorsDecisionsThatThePulsesFollow() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("inspect")
  let r = try runXbarsim(
    ["inspect", "--data", data.path, "--layers", "64,4,10", "--nmax", "8", "--comparator-offset", "0.3", "--samples", "6",
     "--out", out.path, "--train-limit", "60"])
  #expect(r.status == 0, "\(r.stderr)")
  let neurons = csvRows(try String(contentsOf: out.appendingPathComponent("neurons.csv"), encoding: .utf8))
  #expect(Array(neurons[0].suffix(2)) == ["comparator", "comparator_offset"])
  var decision: [String: Double] = [:]
  var offsets = Set<Double>()
  for n in neurons.dropFirst() {
    decision["\(n[0]),\(n[1]),\(n[2])"] = Double(n[9])!
    offsets.insert(Double(n[10])!)
    // Outside the dead band the decision is the sign of δ + offset; a
    // column no error reached, or whose δ the dead band zeroed, decides
    // nothing, whatever its offset (mutation round 7: the offset's sign
    // alone was recorded there).
    let delta = Double(n[8])!, off = Double(n[10])!
    #expect(Double(n[9])! == (delta == 0 ? 0 : delta + off > 0 ? 1 : -1), "\(n)")
  }
  #expect(offsets.count > 4, "the offsets differ per column")
  // (The check needs a silent column with a large offset.)
  #expect(neurons.dropFirst().contains { Double($0[8])! == 0 && abs(Double($0[10])!) > 0.1 })
  let pulses = csvRows(try String(contentsOf: out.appendingPathComponent("pulses.csv"), encoding: .utf8))
  var checked = 0, disagreeWithDelta = 0
  for p in pulses.dropFirst() where p[5] == "potentiate" {
    // sample, array, polarity, row, column: G+ pulses raise W (decision −1).
    let d = try #require(decision["\(p[0]),\(p[1]),\(p[4])"])
    #expect(d == (p[2] == "G+" ? -1 : 1), "\(p)")
    checked += 1
    let delta = Double(neurons.first { $0[0] == p[0] && $0[1] == p[1] && $0[2] == p[4] }![8])!
    if (delta < 0) != (p[2] == "G+") { disagreeWithDelta += 1 }
  }
  #expect(checked > 100, "\(checked)")
  // (The check needs a pulse whose sign δ alone would not give.)
  #expect(disagreeWithDelta > 0)
}

// trains.csv listed the G+ columns, then the G− ones sorted among
// themselves, where the README says index order (a walkthrough).
@Test func hybridInspectListsEachUpdatesColumnsInIndexOrder() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("inspect")
  let r = try runXbarsim(
    ["inspect", "--data", data.path, "--rule", "hybrid", "--layers", "64,8,10", "--samples", "4", "--train-limit", "60", "--out", out.path])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = csvRows(try String(contentsOf: out.appendingPathComponent("trains.csv"), encoding: .utf8)).dropFirst()
  var last: [String: Int] = [:]
  var arrays = Set<String>()
  for c in rows where c[2] == "column" {
    let key = "\(c[0]),\(c[1])", j = Int(c[3])!
    #expect(j > last[key, default: -1], "\(c)")
    last[key] = j
    arrays.insert(c[5])
  }
  // (The check needs both arrays' columns.)
  #expect(arrays == ["plus", "minus"])
  // And `--out -` is no directory.
  let dash = try runXbarsim(["inspect", "--data", data.path, "--samples", "1", "--out", "-"])
  expectOneLineError(dash, 64, "--out -: DIR is a directory of files")
}

// A bad --log was found when training began, after the device's notes:
// "Error:" was standard error's second line.
@Test func aBadLogPathIsRefusedBeforeAnyNote() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let flat = root.appendingPathComponent("flat.csv")
  try "p,1e-6\np,2e-6\np,2e-6\np,3e-6\n".write(to: flat, atomically: false, encoding: .utf8)
  for option in ["--log", "--epoch-log"] {
    let r = try runXbarsim(["train", "--data", data.path, "--device-csv", flat.path, option, "/nonexistent/x.csv"] + net)
    expectOneLineError(r, 1, "/nonexistent/x.csv: cannot write the log (no directory /nonexistent)")
  }
}

// `reproduce --summary -` put its JSON after the table on standard output;
// the table goes to standard error then, as train's result lines do.
@Test func aReproductionsSummaryOnStandardOutputIsTheJSONAlone() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "reproduce", "irdrop", "--data", data.path, "--layers", "64,8,10", "--train-limit", "60", "--evals-per-epoch", "2",
    "--summary", "-",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
  #expect(rows?.count == 12, "\(r.stdout.prefix(300))")
  #expect(r.stderr.contains("IR drop: on-chip training with resistive lines"), "\(r.stderr)")
  // Without it the table is standard output's, as before.
  let plain = try runXbarsim(["reproduce", "irdrop", "--data", data.path, "--layers", "64,8,10", "--train-limit", "60", "--evals-per-epoch", "2"])
  #expect(plain.stdout.hasPrefix("IR drop: on-chip training"), "\(plain.stdout.prefix(200))")
}
