import Foundation
import Testing
import _TestSupport

// `xbarsim train` end to end, on generated 8×8 IDX files (10 classes,
// `SyntheticImages`) in a fresh temporary directory per test. Every
// failure must be a clear message and an exit status of 64 (usage) or 1
// (runtime), never a crash.

// MARK: - Helpers

/// A temporary directory `root` with `train` training and `test` test
/// images under the four standard IDX names in `root/data`.
private func dataDirectory(
  train: Int = 300, test: Int = 100
) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-train", train: train, test: test)
}

/// How a process ended, and what it wrote.
private struct Termination {
  var status: Int32
  var stdout: String
  var stderr: String
  /// True when a signal ended the process (a crash or trap, not an exit).
  var bySignal: Bool
}

/// Runs the `xbarsim` product and reports whether it exited or died of a
/// signal (an exit status alone cannot tell exit 4 from SIGILL).
/// `fileSizeLimitKiB`: run it under that file-size limit (bash's ulimit,
/// SIGXFSZ ignored, so that writes beyond it fail with EFBIG).
private func xbarsim(_ arguments: [String], fileSizeLimitKiB: Int? = nil) throws -> Termination {
  let exe = try #require(productExecutable("xbarsim"))
  let dir = try Scratch.directory("xbarsim-out")
  defer { try? FileManager.default.removeItem(at: dir) }
  let out = dir.appendingPathComponent("stdout")
  let err = dir.appendingPathComponent("stderr")
  _ = FileManager.default.createFile(atPath: out.path, contents: nil)
  _ = FileManager.default.createFile(atPath: err.path, contents: nil)
  let p = Process()
  if let limit = fileSizeLimitKiB {
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", "trap '' XFSZ; ulimit -f \(limit); exec \"$0\" \"$@\"", exe.path] + arguments
  } else {
    p.executableURL = exe
    p.arguments = arguments
  }
  p.standardInput = FileHandle.nullDevice
  let outHandle = try FileHandle(forWritingTo: out)
  let errHandle = try FileHandle(forWritingTo: err)
  defer {
    try? outHandle.close()
    try? errHandle.close()
  }
  p.standardOutput = outHandle
  p.standardError = errHandle
  try p.run()
  p.waitUntilExit()
  return Termination(
    status: p.terminationStatus,
    stdout: try String(contentsOf: out, encoding: .utf8),
    stderr: try String(contentsOf: err, encoding: .utf8),
    bySignal: p.terminationReason == .uncaughtSignal)
}

/// The lines of `text`, without their newlines (a final newline does not
/// start another line).
private func lines(_ text: String) -> [Substring] {
  var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
  if parts.last?.isEmpty == true { parts.removeLast() }
  return parts
}

/// The JSON object in `url`.
private func jsonObject(_ url: URL) throws -> [String: Any] {
  let data = try Data(contentsOf: url)
  return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// One hidden layer: one gate_open column.
private let logHeader = "images,epoch,test_accuracy,train_loss,pulses,resets,seconds_train,gate_open_h1"

// MARK: - A successful run

@Test func trainWritesSummaryLogAndPlot() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("summary.json")
  let log = root.appendingPathComponent("log.csv")
  let plot = root.appendingPathComponent("accuracy.svg")
  let t = try xbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--epochs", "1",
    "--evals-per-epoch", "5", "--summary", summary.path, "--log", log.path, "--plot", plot.path,
  ])
  #expect(!t.bySignal)
  #expect(t.status == 0, "\(t.stderr)")
  #expect(t.stdout.contains("test accuracy"))

  let json = try jsonObject(summary)
  for key in [
    "test_accuracy", "accuracy_mean_last", "accuracy_min_last", "accuracy_max_last",
    "train_images", "seconds_train", "images_per_second", "pulses", "resets", "configuration",
  ] {
    #expect(json[key] != nil, "summary lacks \(key)")
  }
  #expect(json["train_images"] as? Int == 300)
  #expect(json["evaluation_points"] as? Int == 5)
  #expect(json["interrupted"] as? Bool == false)
  let accuracy = try #require(json["test_accuracy"] as? Double)
  #expect(accuracy > 10 && accuracy <= 100)
  #expect((json["pulses"] as? Int ?? 0) > 0)
  let configuration = try #require(json["configuration"] as? [String: Any])
  #expect(configuration["layers"] as? String == "64,16,10")
  #expect(configuration["method"] as? String == "b")
  #expect(configuration["nmax"] as? Int == 64)
  #expect(configuration["adc_bits"] as? Int == 0)
  // Which data: sizes and checksums (the configuration does not name it).
  let dataObject = try #require(json["data"] as? [String: Any])
  #expect(dataObject["train_images"] as? Int == 300 && dataObject["test_images"] as? Int == 100)
  #expect(dataObject["features"] as? Int == 64)
  #expect((dataObject["train_checksum"] as? String ?? "").count >= 8)
  #expect(dataObject["train_checksum"] as? String != dataObject["test_checksum"] as? String)
  // Energy and latency per training image, with breakdowns that add up.
  let energy = try #require(json["energy_per_image_joules"] as? Double)
  let latency = try #require(json["latency_per_image_seconds"] as? Double)
  let parts = try #require(json["energy_breakdown_joules"] as? [String: Double])
  let times = try #require(json["latency_breakdown_seconds"] as? [String: Double])
  #expect(Set(parts.keys) == ["read", "program", "reset", "adc", "dac"])
  #expect(Set(times.keys) == ["read", "update"])
  #expect(energy > 0 && abs(parts.values.reduce(0, +) - energy) <= 1e-9 * energy)
  #expect(latency > 0 && abs(times.values.reduce(0, +) - latency) <= 1e-9 * latency)
  #expect(t.stdout.contains("per training image: energy"))

  let rows = lines(try String(contentsOf: log, encoding: .utf8))
  #expect(rows.first.map(String.init) == logHeader)
  #expect(rows.count == 6)
  for row in rows.dropFirst() {
    let fields = row.split(separator: ",", omittingEmptySubsequences: false)
    #expect(fields.count == 8, "\(row)")
    // The hidden layer's open-gate fraction since the previous point.
    #expect(Double(fields[7]).map { $0 > 0 && $0 <= 1 } == true, "\(row)")
  }
  // Evaluation points at 1/5 … 5/5 of the 300 images.
  #expect(
    rows.dropFirst().map { $0.split(separator: ",")[0] } == ["60", "120", "180", "240", "300"])
  #expect(rows.last?.split(separator: ",")[1] == "1.000000")

  let svg = try String(contentsOf: plot, encoding: .utf8)
  #expect(svg.contains("<svg"))
  #expect(svg.contains("</svg>"))
  // Five points: a marker on each (a lone point draws no line).
  #expect(svg.components(separatedBy: "<circle").count - 1 == 5)
}

/// With batch 7 a point set at 60 images would fall inside a batch whose
/// pulses are not out yet: it moves on to the batch's end (63), and logs
/// what a run of exactly those 63 images ends with.
@Test func evaluationPointsFallAtTheEndOfAMiniBatch() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  let log = root.appendingPathComponent("log.csv")
  let common = ["train", "--data", data.path, "--layers", "64,16,10", "--batch", "7", "--shuffle", "false", "--quiet"]
  let t = try xbarsim(common + ["--evals-per-epoch", "5", "--log", log.path])
  #expect(t.status == 0, "\(t.stderr)")
  let rows = lines(try String(contentsOf: log, encoding: .utf8)).dropFirst().map { $0.split(separator: ",") }
  #expect(rows.map { $0[0] } == ["63", "126", "182", "245", "300"])
  let short = root.appendingPathComponent("short.csv")
  let u = try xbarsim(common + ["--train-limit", "63", "--evals-per-epoch", "1", "--log", short.path])
  #expect(u.status == 0, "\(u.stderr)")
  let only = lines(try String(contentsOf: short, encoding: .utf8)).dropFirst().map { $0.split(separator: ",") }
  // The same images, accuracy, pulses and resets.
  #expect(only.count == 1 && rows.count == 5)
  if let a = only.first, let b = rows.first { #expect(a[0] == b[0] && a[2] == b[2] && a[4] == b[4] && a[5] == b[5]) }
}

/// Trains 64-8-10 on 100 generated images with `options` and two
/// evaluation points; returns how it ended and its summary (empty when
/// none was written).
private func smallRunSummary(_ options: [String]) throws -> (Termination, [String: Any]) {
  let (root, data) = try dataDirectory(train: 100, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("summary.json")
  let arguments = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--quiet"]
  let t = try xbarsim(arguments + options + ["--summary", summary.path])
  return (t, t.status == 0 ? try jsonObject(summary) : [:])
}

@Test func resistiveLinesAreInTheSummarysConfiguration() throws {
  let (t, json) = try smallRunSummary(["--wires", "resistive", "--r-row", "2.5", "--r-col", "1"])
  #expect(t.status == 0, "\(t.stderr)")
  #expect(t.stdout.contains("lines 2.5/1 Ω"), "\(t.stdout)")
  let configuration = try #require(json["configuration"] as? [String: Any])
  #expect(configuration["wires"] as? String == "resistive")
  #expect(configuration["r_row"] as? Double == 2.5)
  #expect(configuration["r_col"] as? Double == 1)
  #expect((json["solver_iterations_per_read"] as? Double ?? 0) >= 1)
  #expect((json["test_accuracy"] as? Double ?? 0) > 10)
}

@Test func outDirectoryGetsAllThreeFiles() throws {
  let (root, data) = try dataDirectory(train: 100, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("run/1")
  let t = try xbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--quiet",
    "--out", out.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  #expect(t.stderr.isEmpty, "--quiet: \(t.stderr)")
  for name in ["log.csv", "accuracy.svg", "summary.json"] {
    #expect(
      FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
  }
}

@Test func sameSeedSameRunOtherSeedOtherPulses() throws {
  let (root, data) = try dataDirectory(train: 200, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  func run(seed: Int) throws -> [String: Any] {
    let summary = root.appendingPathComponent("summary-\(seed)-\(UUID().uuidString).json")
    let t = try xbarsim([
      "train", "--data", data.path, "--layers", "64,16,10", "--evals-per-epoch", "2", "--quiet",
      "--seed", "\(seed)", "--summary", summary.path,
    ])
    #expect(t.status == 0, "\(t.stderr)")
    return try jsonObject(summary)
  }
  let a = try run(seed: 3)
  let b = try run(seed: 3)
  let c = try run(seed: 4)
  #expect(a["pulses"] as? Int == b["pulses"] as? Int)
  #expect(a["resets"] as? Int == b["resets"] as? Int)
  #expect(a["test_accuracy"] as? Double == b["test_accuracy"] as? Double)
  #expect(a["pulses"] as? Int != c["pulses"] as? Int)
}

@Test func configFileSetsKeysAndOptionsOverrideIt() throws {
  let (root, data) = try dataDirectory(train: 100, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("config.json")
  try
    #"{"layers": [64, 12, 10], "method": "a", "nmax": 32, "evals-per-epoch": 2, "shuffle": false}"#
    .write(to: config, atomically: false, encoding: .utf8)
  let summary = root.appendingPathComponent("summary.json")
  let t = try xbarsim([
    "train", "--data", data.path, "--config", config.path, "--nmax", "16", "--quiet",
    "--summary", summary.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let c = try #require(try jsonObject(summary)["configuration"] as? [String: Any])
  #expect(c["layers"] as? String == "64,12,10")
  #expect(c["method"] as? String == "a")
  #expect(c["nmax"] as? Int == 16)
  #expect(c["evals_per_epoch"] as? Int == 2)
  // A JSON boolean since session 33 (a string "false" is true to a script).
  #expect(c["shuffle"] as? Bool == false)
  #expect(try String(contentsOf: summary, encoding: .utf8).contains(#""shuffle": false"#))
}

@Test func theSummarysConfigurationReproducesTheRunAsAConfigFile() throws {
  let (root, data) = try dataDirectory(train: 100, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let first = root.appendingPathComponent("first.json")
  let second = root.appendingPathComponent("second.json")
  let a = try xbarsim([
    "train", "--data", data.path, "--layers", "64,12,10", "--method", "a", "--nmax", "32",
    "--sigma", "0.1", "--seed", "7", "--read-time", "2e-9", "--evals-per-epoch", "2", "--quiet",
    "--summary", first.path,
  ])
  #expect(a.status == 0, "\(a.stderr)")
  let configuration = try #require(try jsonObject(first)["configuration"] as? [String: Any])
  let config = root.appendingPathComponent("config.json")
  try JSONSerialization.data(withJSONObject: configuration).write(to: config)
  let b = try xbarsim([
    "train", "--data", data.path, "--config", config.path, "--quiet", "--summary", second.path,
  ])
  #expect(b.status == 0, "\(b.stderr)")
  let x = try jsonObject(first)
  let y = try jsonObject(second)
  #expect(x["pulses"] as? Int == y["pulses"] as? Int)
  #expect(x["resets"] as? Int == y["resets"] as? Int)
  #expect(x["test_accuracy"] as? Double == y["test_accuracy"] as? Double)
  #expect(
    NSDictionary(dictionary: configuration)
      == NSDictionary(dictionary: y["configuration"] as? [String: Any] ?? [:]))
}

@Test func aSeedOfSixteenDigitsInAConfigFileIsAccepted() throws {
  // --seed 1000000000000001 is accepted; the same number in --config is
  // turned into text by JSONWriter.number, which from 1e15 on prints the
  // Double's description ("1000000000000001.0"), and `set("seed", _)`
  // rejects that. Above 2^53 the value is also rounded (a Double).
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("config.json")
  try #"{"seed": 1000000000000001, "layers": [64, 8, 10], "evals_per_epoch": 1}"#
    .write(to: config, atomically: false, encoding: .utf8)
  let summary = root.appendingPathComponent("summary.json")
  let t = try xbarsim([
    "train", "--data", data.path, "--config", config.path, "--quiet", "--summary", summary.path,
  ])
  #expect(!t.bySignal)
  #expect(t.status == 0, "\(t.stderr)")
  let text = (try? String(contentsOf: summary, encoding: .utf8)) ?? ""
  #expect(text.contains(#""seed": 1000000000000001"#))
}

@Test func theSummaryKeepsEverySeedExactly() throws {
  // 2^53 + 1: summaryJSON writes every numeric key as a Double, so the
  // seed comes out as 9007199254740992.0 (and any seed ≥ 1e15 with a
  // ".0" that `--config` then rejects).
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("summary.json")
  let t = try xbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet",
    "--seed", "9007199254740993", "--summary", summary.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let text = try String(contentsOf: summary, encoding: .utf8)
  // A string: as a JSON number it would read back as 2^53 (2026-11-30 audit).
  #expect(text.contains(#""seed": "9007199254740993""#), "\(text)")
  // The summary's configuration, verbatim, as a config file: the same seed.
  let object = try #require(text.range(of: #""configuration": "#)).upperBound
  let config = root.appendingPathComponent("config.json")
  try String(text[object...].trimmingCharacters(in: .whitespacesAndNewlines).dropLast())
    .write(to: config, atomically: false, encoding: .utf8)
  let again = root.appendingPathComponent("again.json")
  let u = try xbarsim(["train", "--data", data.path, "--config", config.path, "--quiet", "--summary", again.path])
  #expect(u.status == 0, "\(u.stderr)")
  #expect(try String(contentsOf: again, encoding: .utf8).contains(#""seed": "9007199254740993""#))
}

// MARK: - Bad input

@Test func missingMNISTDirectoryNamesTheFileAndTheFetchScript() throws {
  let root = try Scratch.directory("xbarsim-train")
  defer { try? FileManager.default.removeItem(at: root) }
  let mnist = root.appendingPathComponent("data/mnist")
  let t = try xbarsim(["train", "--data", mnist.path, "--layers", "64,16,10"])
  #expect(!t.bySignal)
  #expect(t.status == 1)
  let err = lines(t.stderr)
  #expect(err.count == 1, "\(t.stderr)")
  #expect(err.first?.hasPrefix("Error: ") == true)
  #expect(t.stderr.contains("\(mnist.path): no such directory"), "\(t.stderr)")
  #expect(t.stderr.contains("scripts/fetch-mnist"))
  // The directory there, its files not.
  try FileManager.default.createDirectory(at: mnist, withIntermediateDirectories: true)
  let u = try xbarsim(["train", "--data", mnist.path, "--layers", "64,16,10"])
  #expect(u.status == 1)
  #expect(u.stderr.contains(mnist.appendingPathComponent("train-images-idx3-ubyte").path))
  #expect(u.stderr.contains("scripts/fetch-mnist"))
}

@Test func missingOtherDirectoryNamesTheFileOnly() throws {
  let root = try Scratch.directory("xbarsim-train")
  defer { try? FileManager.default.removeItem(at: root) }
  let dir = root.appendingPathComponent("elsewhere")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  // A set of one's own with its test files only: the missing file, no hint.
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 5, seed: 1), test: SyntheticImages(count: 5, seed: 2), to: dir)
  try FileManager.default.removeItem(at: dir.appendingPathComponent("train-images-idx3-ubyte"))
  let t = try xbarsim(["train", "--data", dir.path])
  #expect(t.status == 1)
  #expect(t.stderr.contains(dir.appendingPathComponent("train-images-idx3-ubyte").path))
  #expect(!t.stderr.contains("fetch-mnist"))
  // No directory at all: named, with the command that fills it.
  let none = root.appendingPathComponent("none")
  let u = try xbarsim(["train", "--data", none.path])
  #expect(u.status == 1)
  #expect(lines(u.stderr).count == 1, "\(u.stderr)")
  #expect(u.stderr.contains("\(none.path): no such directory"), "\(u.stderr)")
  #expect(u.stderr.contains("scripts/fetch-mnist \(none.standardizedFileURL.path)"), "\(u.stderr)")
}

@Test func aMissingTestSetIsNamed() throws {
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  try FileManager.default.removeItem(at: data.appendingPathComponent("t10k-labels-idx1-ubyte"))
  let t = try xbarsim(["train", "--data", data.path, "--layers", "64,16,10"])
  #expect(t.status == 1)
  #expect(t.stderr.contains("t10k-labels-idx1-ubyte"))
}

@Test(arguments: [
  // Input layer ≠ 8×8 pixels; output layer < 10 classes.
  ["--layers", "784,16,10"],
  ["--layers", "64,16,5"],
])
func layerSizesThatDoNotFitTheDataAreOneLineNamingLayers(_ options: [String]) throws {
  let (root, data) = try dataDirectory(train: 50, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let t = try xbarsim(["train", "--data", data.path] + options)
  #expect(!t.bySignal)
  #expect(t.status != 0)
  let err = lines(t.stderr)
  #expect(err.count == 1, "\(t.stderr)")
  // Named as given (session 28: it was "layers: ").
  #expect(err.first?.hasPrefix("Error: --layers: ") == true, "\(t.stderr)")
}

// A training label of 255 (one corrupt byte) used to trap on the UInt8
// sum that finds which set holds the largest label (2026-11-30 audit).
@Test func aTrainingLabelOf255IsOneLineNamingLayersNotATrap() throws {
  let root = try Scratch.directory("xbarsim-train")
  defer { try? FileManager.default.removeItem(at: root) }
  let data = root.appendingPathComponent("data")
  var train = SyntheticImages(count: 20, seed: 1)
  train.labels[3] = 255
  try SyntheticImages.writeIDX(train: train, test: SyntheticImages(count: 10, seed: 2), to: data)
  let t = try xbarsim(["train", "--data", data.path, "--layers", "64,16,10"])
  #expect(!t.bySignal, "\(t.stderr)")
  #expect(t.status == 1, "\(t.stderr)")
  let err = lines(t.stderr)
  #expect(err.count == 1, "\(t.stderr)")
  #expect(err.first?.hasPrefix("Error: --layers: ") == true, "\(t.stderr)")
  #expect(
    err.first?.contains("training labels (\(data.path)/train-labels-idx1-ubyte) go up to 255 (first at image 3)") == true,
    "\(t.stderr)")
}

/// Bad options and values: (arguments, expected status, text the first
/// line of stderr must contain).
struct BadInvocation: Sendable, CustomTestStringConvertible {
  var arguments: [String]
  var status: Int32
  var mentions: String
  var testDescription: String { arguments.joined(separator: " ") }
}

@Test(arguments: [
  BadInvocation(arguments: ["--nmax", "0"], status: 64, mentions: "--nmax"),
  BadInvocation(arguments: ["--nmax", "256"], status: 64, mentions: "--nmax"),
  BadInvocation(arguments: ["--method", "d"], status: 64, mentions: "--method"),
  BadInvocation(arguments: ["--batch", "0"], status: 64, mentions: "--batch"),
  BadInvocation(arguments: ["--sigma", "-1"], status: 64, mentions: "--sigma"),
  BadInvocation(arguments: ["--epochs", "0"], status: 64, mentions: "--epochs"),
  BadInvocation(arguments: ["--evals-per-epoch", "0"], status: 64, mentions: "--evals-per-epoch"),
  BadInvocation(arguments: ["--layers", "64,,10"], status: 64, mentions: "--layers"),
  BadInvocation(arguments: ["--layers", "64"], status: 64, mentions: "--layers"),
  BadInvocation(arguments: ["--seed", "-3"], status: 64, mentions: "--seed"),
  BadInvocation(arguments: ["--beta", "x"], status: 64, mentions: "--beta"),
  BadInvocation(arguments: ["--threshold", "1"], status: 64, mentions: "--threshold"),
  BadInvocation(
    arguments: ["--rule", "float", "--learning", "off-chip"], status: 64, mentions: "--learning"),
  BadInvocation(arguments: ["--frobnicate", "3"], status: 64, mentions: "'--frobnicate'"),
  BadInvocation(arguments: ["--rule", "hybrid", "--k", "0"], status: 64, mentions: "--k"),
  BadInvocation(arguments: ["--rule", "hybrid", "--k", "-3"], status: 64, mentions: "--k"),
  BadInvocation(arguments: ["--rule", "hybrid", "--states", "1"], status: 64, mentions: "--states"),
  BadInvocation(arguments: ["--rule", "single", "--bl", "0"], status: 64, mentions: "--bl"),
  BadInvocation(arguments: ["--rule", "hybrid", "--bl", "65"], status: 64, mentions: "--bl"),
  BadInvocation(arguments: ["--rule", "hybrid", "--switch-threshold", "0"], status: 64, mentions: "--switch-threshold"),
  BadInvocation(arguments: ["--rule", "hybrid", "--switch-threshold", "100"], status: 64, mentions: "--switch-threshold"),
  BadInvocation(arguments: ["--rule", "hybrid", "--encoding", "random"], status: 64, mentions: "--encoding"),
  BadInvocation(arguments: ["--rule", "hybrid", "--batch", "5"], status: 64, mentions: "--batch"),
  BadInvocation(arguments: ["--nmax"], status: 64, mentions: "--nmax"),
  BadInvocation(arguments: ["--wires", "copper"], status: 64, mentions: "--wires"),
  BadInvocation(arguments: ["--wires", "resistive", "--r-row", "-1"], status: 64, mentions: "--r-row"),
  BadInvocation(arguments: ["--wires", "resistive", "--r-col", "x"], status: 64, mentions: "--r-col"),
  BadInvocation(arguments: ["--wires", "resistive", "--r-row", "1e15"], status: 64, mentions: "--r-row: 1e+15 Ω against gmax"),
  BadInvocation(
    arguments: ["--wires", "resistive", "--r-row", "0", "--r-col", "1"], status: 64, mentions: "--r-row"),
  BadInvocation(arguments: ["--r-row", "2"], status: 64, mentions: "--r-row"),
  // Trained, then failed mid-run with an error naming no key (2026-11-30 audit).
  BadInvocation(
    arguments: ["--wires", "resistive", "--r-row", "1e-200", "--r-col", "1"], status: 64,
    mentions: "--r-row: 1e-200 Ω is too small to solve"),
  BadInvocation(arguments: ["--dac-bits", "-1"], status: 64, mentions: "--dac-bits"),
  BadInvocation(arguments: ["--adc-bits", "17"], status: 64, mentions: "--adc-bits"),
  BadInvocation(arguments: ["--adc-range", "0"], status: 64, mentions: "--adc-range"),
  BadInvocation(arguments: ["--tia-gain", "0"], status: 64, mentions: "--tia-gain"),
  BadInvocation(arguments: ["--sense-offset", "-1"], status: 64, mentions: "--sense-offset"),
  BadInvocation(arguments: ["--comparator-offset", "-0.5"], status: 64, mentions: "--comparator-offset"),
  BadInvocation(arguments: ["--rule", "float", "--adc-bits", "4"], status: 64, mentions: "--adc-bits"),
  BadInvocation(arguments: ["--rule", "hybrid", "--adc-range", "4"], status: 64, mentions: "--adc-range"),
  BadInvocation(arguments: ["--rule", "float", "--adc-range", "3"], status: 64, mentions: "--adc-range"),
  BadInvocation(arguments: ["stray"], status: 64, mentions: "'stray'"),
  // Values whose single-precision copies or products would trap, vanish
  // or overflow (2026-11-29 review): refused by range, naming the key.
  BadInvocation(arguments: ["--c", "1e39"], status: 64, mentions: "--c:"),
  BadInvocation(arguments: ["--c", "1e-46"], status: 64, mentions: "--c:"),
  BadInvocation(arguments: ["--hidden-threshold", "1e39"], status: 64, mentions: "--hidden-threshold"),
  BadInvocation(arguments: ["--beta", "-1"], status: 64, mentions: "--beta:"),
  BadInvocation(arguments: ["--gmax", "1e-300"], status: 64, mentions: "--gmax"),
  BadInvocation(arguments: ["--read-voltage", "1e300"], status: 64, mentions: "--read-voltage"),
  BadInvocation(arguments: ["--tia-gain", "1e300"], status: 64, mentions: "--tia-gain"),
  BadInvocation(arguments: ["--sigma", "1e300"], status: 64, mentions: "--sigma"),
  BadInvocation(arguments: ["--rule", "float", "--lr", "1e-40"], status: 64, mentions: "--lr"),
  BadInvocation(arguments: ["--rule", "hybrid", "--k", "1e-40"], status: 64, mentions: "--k"),
  BadInvocation(arguments: ["--rule", "hybrid", "--d2d", "1e300"], status: 64, mentions: "--d2d"),
  BadInvocation(arguments: ["--rule", "hybrid", "--c2c", "1e300"], status: 64, mentions: "--c2c"),
  BadInvocation(arguments: ["--rule", "hybrid", "--small-states", "1"], status: 64, mentions: "--small-states"),
  BadInvocation(arguments: ["--program-voltage", "1e300"], status: 64, mentions: "--program-voltage"),
  BadInvocation(arguments: ["--layers", "64,1000000,1000000,10"], status: 64, mentions: "--layers"),
  // A value the rule would silently ignore.
  BadInvocation(arguments: ["--k", "3"], status: 64, mentions: "--k: applies to rule hybrid only"),
  BadInvocation(arguments: ["--nmax", "8", "--nmax", "16"], status: 64, mentions: "--nmax given twice"),
  BadInvocation(arguments: ["--quiet", "--quiet"], status: 64, mentions: "--quiet given twice"),
  BadInvocation(arguments: ["--rule", "single", "--k", "3"], status: 64, mentions: "--k"),
  BadInvocation(arguments: ["--states", "7"], status: 64, mentions: "--states"),
  BadInvocation(arguments: ["--rule", "float", "--method", "c"], status: 64, mentions: "--method"),
  BadInvocation(arguments: ["--rule", "float", "--sigma", "0.5"], status: 64, mentions: "--sigma"),
  BadInvocation(arguments: ["--rule", "float", "--beta", "3"], status: 64, mentions: "--beta:"),
  BadInvocation(arguments: ["--rule", "hybrid", "--nmax", "3"], status: 64, mentions: "--nmax"),
  BadInvocation(arguments: ["--transfer", "weights"], status: 64, mentions: "--transfer"),
  BadInvocation(arguments: ["--wire-tolerance", "1e-3"], status: 64, mentions: "--wire-tolerance"),
])
func badOptionsAreUsageErrorsNotCrashes(_ bad: BadInvocation) throws {
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let t = try xbarsim(["train", "--data", data.path, "--layers", "64,16,10"] + bad.arguments)
  #expect(!t.bySignal)
  #expect(t.status == bad.status, "\(t.stderr)")
  let err = lines(t.stderr)
  #expect(err.first?.hasPrefix("Error: ") == true, "\(t.stderr)")
  #expect(err.first?.contains(bad.mentions) == true, "\(t.stderr)")
  #expect(err.dropFirst().first?.hasPrefix("Usage: xbarsim train") == true)
  #expect(t.stdout.isEmpty)
}

@Test(arguments: [
  (#"{"layers": [64, 16, 10], "frobnicate": 1}"#, "frobnicate"),
  (#"{"nmax": "many"}"#, "nmax"),
  (#"{"method": "d"}"#, "method"),
  (#"{"layers": {"a": 1}}"#, "layers"),
  (#"{"nmax": 8"#, "config.json"),
  (#"[1, 2]"#, "config.json"),
  (#"{"switch_threshold": 1e999}"#, "switch_threshold"),
  (#"{"gmin_ratio": 0.1, "gmin-ratio": 0.2}"#, "given twice"),
  (#"{"nmax": 8, "nmax": 16}"#, "twice"),
  // 2^53 + 1 reads as the double 2^53: refused, not run with another seed.
  (#"{"seed": 9007199254740993}"#, "seed: integers from 2^53 (9007199254740992) on are not exact as JSON numbers; write them as JSON strings"),
  (#"{"layers": ["64", "10"]}"#, "layers"),
  // Values out of range and keys the rule ignores name the file's entry,
  // not an option the user never typed.
  (#"{"beta": -5}"#, "beta: must be in"),
  (#"{"rule": "hybrid", "states": 1}"#, "states: must be in"),
  (#"{"k": 3}"#, "k: applies to rule hybrid only"),
  (#"{"r_row": 5}"#, "r_row: applies"),
  (#"{"beta_p": 60, "beta_d": 60}"#, "beta_p: must be in"),
  (#"{"gmin-ratio": 1.5}"#, "gmin-ratio: G_min"),
])
func badConfigFilesAreOneLineErrorsNamingTheKey(_ text: String, _ mentions: String) throws {
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("config.json")
  try text.write(to: config, atomically: false, encoding: .utf8)
  let t = try xbarsim(["train", "--data", data.path, "--config", config.path])
  #expect(!t.bySignal)
  // Exit 64 as the keys' options (until session 61, 1), on one line: no
  // usage line, as the command line was well formed.
  #expect(t.status == 64, "a configuration error, as the key's option's: \(t.stderr)")
  let err = lines(t.stderr)
  #expect(err.count == 1, "\(t.stderr)")
  #expect(err.first?.hasPrefix("Error: ") == true)
  #expect(err.first?.contains(mentions) == true, "\(t.stderr)")
  #expect(err.first?.contains(config.path) == true, "\(t.stderr)")
}

@Test func anOptionOverridingTheConfigFileIsNamedAsTheOption() throws {
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("config.json")
  try #"{"beta": 1, "nmax": 16}"#.write(to: config, atomically: false, encoding: .utf8)
  let t = try xbarsim(["train", "--data", data.path, "--config", config.path, "--beta", "-5"])
  #expect(t.status == 64, "\(t.stderr)")
  #expect(lines(t.stderr).first?.hasPrefix("Error: --beta: must be in") == true, "\(t.stderr)")
  #expect(!t.stderr.contains(config.path))
}

@Test func aMissingConfigFileIsNamed() throws {
  let t = try xbarsim(["train", "--config", "/nonexistent/config.json"])
  #expect(!t.bySignal)
  #expect(t.status == 1)
  #expect(t.stderr.contains("/nonexistent/config.json"))
}

// MARK: - Ctrl-C

/// Checks a log written by a run that SIGINT stopped: the header, then
/// complete rows of 8 numbers, fewer than `planned`; and the summary, which
/// says the run was interrupted and counts the rows.
private func expectInterruptedOutputs(log: URL, summary: URL, planned: Int, images: Int) throws {
  let text = try String(contentsOf: log, encoding: .utf8)
  #expect(text.hasSuffix("\n"), "the last line is complete")
  let rows = lines(text)
  #expect(rows.first.map(String.init) == logHeader)
  #expect(rows.count >= 2 && rows.count < 1 + planned, "\(rows.count - 1) rows of \(planned)")
  for row in rows.dropFirst() {
    let fields = row.split(separator: ",", omittingEmptySubsequences: false)
    #expect(fields.count == 8, "\(row)")
    #expect(fields.allSatisfy { Double($0) != nil }, "\(row)")
  }
  let json = try jsonObject(summary)
  #expect(json["interrupted"] as? Bool == true)
  #expect((json["train_images"] as? Int ?? .max) < images)
  #expect(json["evaluation_points"] as? Int == rows.count - 1)
}

/// Polls until `log` has a header and at least one row, the process
/// ended, or 60 s passed.
private func waitForFirstRow(_ log: URL, while running: () -> Bool) {
  let deadline = Date().addingTimeInterval(60)
  func rows() -> Int {
    let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    return text.filter { $0 == "\n" }.count - 1
  }
  while rows() < 1 && running() && Date() < deadline {
    Thread.sleep(forTimeInterval: 0.01)
  }
}

#if os(Linux)
  @Test func interruptKeepsACompleteLogAndExitsNonZero() throws {
    // 8,000 images × 20 epochs take seconds even in a release build; the
    // first of 1,000 evaluation points is logged after 160 images.
    let (root, data) = try dataDirectory(train: 8000, test: 200)
    defer { try? FileManager.default.removeItem(at: root) }
    let log = root.appendingPathComponent("log.csv")
    let summary = root.appendingPathComponent("summary.json")
    let out = root.appendingPathComponent("stdout")
    let err = root.appendingPathComponent("stderr")
    // Started as a shell would (SIGINT unblocked): see `SpawnedProcess`.
    let child = try SpawnedProcess(
      try #require(productExecutable("xbarsim")),
      [
        "train", "--data", data.path, "--layers", "64,16,10", "--epochs", "20",
        "--evals-per-epoch", "50", "--log", log.path, "--summary", summary.path,
      ],
      stdout: out, stderr: err)
    waitForFirstRow(log, while: { child.isRunning })
    #expect(child.isRunning, "the run ended before it could be interrupted")
    child.send(SIGINT)
    let end = child.wait()
    #expect(end == .exited(130), "\(end)")
    let stderr = try String(contentsOf: err, encoding: .utf8)
    #expect(stderr.contains("Error: interrupted after"), "\(stderr)")
    #expect(
      try String(contentsOf: out, encoding: .utf8).contains("interrupted: partial results above"))
    try expectInterruptedOutputs(log: log, summary: summary, planned: 1000, images: 8000 * 20)
  }
#endif

@Test func interruptReachesARunWhoseParentBlocksSIGINT() throws {
  // A parent that blocks SIGINT while it starts the run (Foundation's
  // Process passes the calling thread's signal mask on, and every
  // libdispatch worker thread blocks SIGINT: Swift Testing's, or any
  // Swift driver that launches runs off the main thread). 3,000 images ×
  // 10 epochs: about a second in a debug build when SIGINT is lost.
  let (root, data) = try dataDirectory(train: 3000, test: 100)
  defer { try? FileManager.default.removeItem(at: root) }
  let log = root.appendingPathComponent("log.csv")
  let summary = root.appendingPathComponent("summary.json")
  let exe = try #require(productExecutable("xbarsim"))
  let p = Process()
  p.executableURL = exe
  p.arguments = [
    "train", "--data", data.path, "--layers", "64,16,10", "--epochs", "10",
    "--evals-per-epoch", "50", "--quiet", "--log", log.path, "--summary", summary.path,
  ]
  p.standardInput = FileHandle.nullDevice
  p.standardOutput = FileHandle.nullDevice
  p.standardError = FileHandle.nullDevice
  var block = sigset_t()
  var old = sigset_t()
  sigemptyset(&block)
  sigaddset(&block, SIGINT)
  pthread_sigmask(SIG_BLOCK, &block, &old)
  defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
  try p.run()
  pthread_sigmask(SIG_SETMASK, &old, nil)
  waitForFirstRow(log, while: { p.isRunning })
  #expect(p.isRunning, "the run ended before it could be interrupted")
  p.interrupt()
  p.waitUntilExit()
  #expect(p.terminationReason == .exit)
  #expect(p.terminationStatus == 130)
  try expectInterruptedOutputs(log: log, summary: summary, planned: 500, images: 30_000)
}

@Test(arguments: ["hybrid", "single"])
func choiRulesRunWithTheContractSpellings(_ rule: String) throws {
  let (root, data) = try dataDirectory(train: 200, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("summary.json")
  let epochs = root.appendingPathComponent("epochs.csv")
  let t = try xbarsim([
    "train", "--data", data.path, "--rule", rule, "--k", "10", "--states", "50", "--layers", "64,16,10",
    "--epochs", "2", "--seed", "1", "--summary", summary.path, "--epoch-log", epochs.path, "--quiet",
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let json = try jsonObject(summary)
  #expect(json["train_accuracy"] is Double)
  let records = try #require(json["epochs"] as? [[String: Any]])
  #expect(records.count == 2)
  #expect(records.first?["update_frequency"] is Double)
  let bigAtLimit = records.first?["big_at_limit"] as? Double ?? -1
  #expect(bigAtLimit >= 0 && bigAtLimit <= 1)
  #expect((records.first?["small_at_limit"] is Double) == (rule == "hybrid"))
  #expect((json["pulses"] as? Int ?? 0) > 0)
  let cfg = try #require(json["configuration"] as? [String: Any])
  #expect(cfg["rule"] as? String == rule)
  #expect(cfg["states"] as? Int == 50)
  #expect(cfg["lr"] as? Double == 0.1)
  #expect((json["phase_switch_epoch"] != nil) == (rule == "hybrid"))
  // The arrays' read energy and mean conductance, as for rule lim.
  #expect((json["read_energy_joules"] as? Double ?? 0) > 0)
  let g = json["mean_conductance"] as? Double ?? 0
  #expect(g > 1e-7 && g < 1e-5, "\(g) S")
  let rows = try String(contentsOf: epochs, encoding: .utf8).split(separator: "\n")
  #expect(rows.count == 3)
  #expect(rows.first?.hasPrefix("epoch,images,train_accuracy,test_accuracy") == true)
}

@Test(arguments: [["--figure", "7"], ["--figure", "8"]])
func choiReproductionRejectsOtherFigures(_ options: [String]) throws {
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let t = try xbarsim(["reproduce", "choi2021", "--data", data.path] + options)
  #expect(!t.bySignal)
  #expect(t.status == 64)
  #expect(lines(t.stderr).first?.contains("choi2021") == true, "\(t.stderr)")
}

// MARK: - Output files (2026-11-29 review)

@Test func anUnwritableSummaryOrPlotIsRefusedBeforeTraining() throws {
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let log = root.appendingPathComponent("log.csv")
  for (option, path) in [
    ("--summary", root.appendingPathComponent("missing/s.json").path), ("--plot", root.path),
    ("--checkpoint-out", root.path),
  ] {
    let t = try xbarsim(["train", "--data", data.path, "--layers", "64,16,10", "--log", log.path, option, path])
    #expect(!t.bySignal)
    #expect(t.status == 1, "\(option): \(t.stderr)")
    #expect(lines(t.stderr).count == 1 && t.stderr.contains(path), "\(t.stderr)")
    #expect(!FileManager.default.fileExists(atPath: log.path), "\(option): training started")
  }
}

// Two outputs in one file: the summary silently replaced the log's rows,
// exit 0 (2026-11-30 audit). Refused before training; /dev/null is shared.
@Test func twoOutputsInOneFileAreRefusedBeforeTraining() throws {
  let (root, data) = try dataDirectory(train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("x").path, out = root.appendingPathComponent("out").path
  // A hard link: two names of one file.
  let first = root.appendingPathComponent("a.csv").path, second = root.appendingPathComponent("b.svg").path
  #expect(FileManager.default.createFile(atPath: first, contents: Data("keep".utf8)))
  try FileManager.default.linkItem(atPath: first, toPath: second)
  for (options, mentions) in [
    (["--log", file, "--summary", file], "--log and --summary write the same file \(file)"),
    (["--out", out, "--plot", out + "/log.csv"], "--out and --plot write the same file \(out)/log.csv"),
    (["--log", first, "--plot", second], "--log and --plot write the same file \(second)"),
  ] {
    let t = try xbarsim(["train", "--data", data.path, "--layers", "64,16,10", "--evals-per-epoch", "1", "--quiet"] + options)
    #expect(!t.bySignal)
    #expect(t.status == 64, "\(t.stderr)")
    #expect(lines(t.stderr).first == "Error: \(mentions)", "\(t.stderr)")
    #expect(t.stdout.isEmpty, "training started: \(t.stdout)")
  }
  #expect(FileManager.default.contents(atPath: first) == Data("keep".utf8))
  let shared = try xbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--evals-per-epoch", "1", "--quiet",
    "--log", "/dev/null", "--summary", "/dev/null",
  ])
  #expect(shared.status == 0, "\(shared.stderr)")
}

@Test func outputsAreWrittenThroughASymbolicLink() throws {
  let (root, data) = try dataDirectory(train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let fm = FileManager.default
  let target = root.appendingPathComponent("real.json"), link = root.appendingPathComponent("link.json")
  let logTarget = root.appendingPathComponent("real.csv"), logLink = root.appendingPathComponent("link.csv")
  try fm.createSymbolicLink(atPath: link.path, withDestinationPath: "real.json")
  try fm.createSymbolicLink(atPath: logLink.path, withDestinationPath: logTarget.path)
  let t = try xbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--evals-per-epoch", "2", "--quiet",
    "--summary", link.path, "--log", logLink.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  #expect((try? fm.destinationOfSymbolicLink(atPath: link.path)) == "real.json")
  #expect((try? fm.destinationOfSymbolicLink(atPath: logLink.path)) == logTarget.path)
  #expect(try jsonObject(target)["test_accuracy"] != nil)
  #expect(try String(contentsOf: logTarget, encoding: .utf8).hasPrefix("images,epoch,"))
}

@Test func aLogWriteFailureStopsTheRunKeepsTheSummaryAndFails() throws {
  // A 16 KiB file-size limit (SIGXFSZ ignored, so the write fails with
  // EFBIG instead of killing the process): the log outgrows it, the
  // summary fits.
  let (root, data) = try dataDirectory(train: 2000, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let log = root.appendingPathComponent("log.csv"), summary = root.appendingPathComponent("s.json")
  let p = try xbarsim(
    [
      "train", "--data", data.path, "--layers", "64,16,10", "--evals-per-epoch", "1000",
      "--quiet", "--log", log.path, "--summary", summary.path,
    ], fileSizeLimitKiB: 16)
  #expect(!p.bySignal)
  #expect(p.status == 1, "\(p.stderr)")
  #expect(p.stderr.contains("\(log.path): write failed"), "\(p.stderr)")
  let text = try String(contentsOf: log, encoding: .utf8)
  #expect(text.hasSuffix("\n"), "the log ends in a half line")
  let rows = text.split(separator: "\n").count - 1
  #expect(rows > 10 && rows < 1000, "\(rows) rows")
  let json = try jsonObject(summary)
  #expect(json["interrupted"] as? Bool == true)
  #expect((json["train_images"] as? Int ?? 0) < 2000)
}

// Two command-line mistakes that came out as runtime failures (exit 1)
// though the README makes them usage errors (a reviewer, 2026-11-30):
// `--out` naming the --config file (a failed mkdir), and more evaluation
// points per epoch than training images (named as the key, not the option).
@Test func anOutDirectoryNamingTheConfigAndTooManyEvaluationsAreUsageErrors() throws {
  let (root, data) = try dataDirectory(train: 50, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("cfg.json")
  try #"{"layers": [64, 8, 10]}"#.write(to: config, atomically: false, encoding: .utf8)
  let t = try xbarsim(["train", "--data", data.path, "--config", config.path, "--out", config.path])
  #expect(t.status == 64, "\(t.stderr)")
  #expect(t.stderr.hasPrefix("Error: --out would overwrite the --config file"), "\(t.stderr)")
  #expect(try String(contentsOf: config, encoding: .utf8).contains("layers"))
  let u = try xbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "60"])
  #expect(u.status == 64, "\(u.stderr)")
  #expect(u.stderr.hasPrefix("Error: --evals-per-epoch: 60 evaluations per epoch exceed the 50 training images used"), "\(u.stderr)")
}

/// A run's summary given as --config re-runs that run: the same log.
@Test func aSummaryAsConfigRerunsTheRun() throws {
  let (root, data) = try dataDirectory(train: 100, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let first = root.appendingPathComponent("a"), second = root.appendingPathComponent("b")
  let t = try xbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "3", "--method", "c", "--beta", "1",
    "--seed", "7", "--quiet", "--out", first.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let u = try xbarsim([
    "train", "--data", data.path, "--config", first.appendingPathComponent("summary.json").path, "--quiet", "--out", second.path,
  ])
  #expect(u.status == 0, "\(u.stderr)")
  // The logs without the training-seconds column.
  func log(_ dir: URL) throws -> [String] {
    lines(try String(contentsOf: dir.appendingPathComponent("log.csv"), encoding: .utf8)).map {
      $0.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { $0.offset != 6 }.map(\.element).joined(separator: ",")
    }
  }
  #expect(try log(first) == log(second))
  #expect(try log(first).count == 4)
}

// Kills "summary field accuracy_min_last written from accuracyMeanLast"
// (TrainCommand.swift:657): the three tail statistics of the summary must
// be the min, mean and max of the last 10 % of the log's test accuracies
// (20 points: the last 2), which differ for this seeded run (required).
@Test func theSummaryTailStatisticsAreThoseOfTheLogsLastTenPercent() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("summary.json")
  let log = root.appendingPathComponent("log.csv")
  let t = try xbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--epochs", "1",
    "--evals-per-epoch", "20", "--summary", summary.path, "--log", log.path,
  ])
  try #require(t.status == 0, "\(t.stderr)")
  let rows = lines(try String(contentsOf: log, encoding: .utf8))
  let header = rows[0].split(separator: ",")
  let column = try #require(header.firstIndex(of: "test_accuracy"))
  let accuracies = rows.dropFirst().map { Double($0.split(separator: ",")[column])! }
  try #require(accuracies.count == 20)
  let tail = Array(accuracies.suffix(2))
  try #require(tail[0] != tail[1], "the last two points must differ: \(tail)")
  let json = try jsonObject(summary)
  let minimum = try #require(json["accuracy_min_last"] as? Double)
  let mean = try #require(json["accuracy_mean_last"] as? Double)
  let maximum = try #require(json["accuracy_max_last"] as? Double)
  #expect(abs(minimum - tail.min()!) < 1e-9)
  #expect(abs(maximum - tail.max()!) < 1e-9)
  #expect(abs(mean - (tail[0] + tail[1]) / 2) < 1e-9)
}
