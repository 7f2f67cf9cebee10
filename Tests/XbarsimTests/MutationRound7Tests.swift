import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Circuit
@testable import Trainer
@testable import xbarsim

// Mutation round 7 (2026-12-02): single mutants of the day's changes
// (measured-device CSV reading, its truncation at the first maximum, the
// device notes, the standard-stream outputs, the configuration identity,
// the hybrid read/write-threshold refusal, the damaged-label hint) that the
// suite let live. Each test here fails on its mutant.

private func csvError(_ text: String) -> String {
  do { _ = try MeasuredDevice(csv: text, source: "m.csv"); return "" } catch { return "\(error)" }
}

/// A configuration whose device is the CSV `lines` (written to a fresh
/// temporary file, removed when `body` returns).
private func withMeasured<T>(_ lines: [String], _ body: (String) throws -> T) throws -> T {
  let dir = try Scratch.directory("xbarsim-mutation7")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("m.csv")
  try lines.joined(separator: "\n").write(to: file, atomically: false, encoding: .utf8)
  return try body(file.path)
}

// A depression branch that stays at its first point is "a device that no
// pulse changes", not a rising one (mutant: `down.max()! >= down[0]`).
@Test func aFlatDepressionBranchIsNotCalledRising() {
  #expect(csvError("p,1e-6\np,2e-6\nd,2e-6\nd,2e-6\n").hasSuffix("a device that no pulse changes"))
  #expect(csvError("p,1e-6\np,2e-6\nd,1e-6\nd,2e-6\n").hasSuffix("its points rise: rising data are a potentiation branch (p rows)"))
}

// Only three fields that are two digit runs look like a decimal comma
// (mutant: `parts.count >= 3`).
@Test func fourFieldsAreNotCalledADecimalComma() {
  #expect(csvError("p,0,2000,5\np,1\n") == "m.csv line 1: expected 'branch,conductance', got 'p,0,2000,5'")
}

// A header in ohms spelt with Ω (the Greek capital omega or the ohm sign)
// names a resistance (mutant: only "ohm" checked), and µS typed with the
// Greek mu is microsiemens (mutant: read as siemens).
@Test func headerUnitsInGreekLetters() throws {
  for omega in ["\u{3A9}", "\u{2126}"] {
    let e = csvError("branch,R (\(omega))\np,1\np,2\n")
    #expect(e.hasPrefix("m.csv line 1: the header 'R (\(omega))' names a resistance"), "\(e)")
  }
  let d = try MeasuredDevice(csv: "branch,G [\u{3BC}S]\np,1\np,2\n", source: "m.csv")
  #expect(d.potentiation == [1e-6, 2e-6])
}

// 256 points (255 pulses to the maximum) are a device; 511 points are told
// to keep every 2nd one, ⌈510/255⌉ (mutants: `< 256`, `+ 255`).
@Test func aMeasuredDeviceTakes255PulsesAndNamesTheCeilingOfTheRatio() throws {
  let ok = try withMeasured((0..<256).map { "p,\(Double($0 + 1) * 1e-8)" }) { path -> Int in
    var cfg = TrainingConfiguration()
    try cfg.set("device_csv", path)
    return cfg.nMax
  }
  #expect(ok == 255)
  let message = try withMeasured((0..<511).map { "p,\(Double($0 + 1) * 1e-8)" }) { path -> String in
    var cfg = TrainingConfiguration()
    do { try cfg.set("device_csv", path); return "" } catch { return "\(error)" }
  }
  #expect(message.contains("510 pulses from its first point to its maximum; a measured device takes at most 255 (256 points): every 2nd point of the data would do"), "\(message)")
}

// One point after the maximum is dropped with a note (mutant: `> 1`), and
// a G_max of 0.05 S is far above a synapse's (mutant: the note from 0.1 S).
@Test func deviceNotesForOneLaterPointAndAFewCentisiemens() throws {
  let one = try withMeasured(["p,1e-6", "p,2e-6", "p,3e-6", "p,3e-6"]) { path -> [String] in
    var cfg = TrainingConfiguration()
    try cfg.set("device_csv", path)
    return TrainCommand.deviceNotes(cfg, name: "x.csv")
  }
  #expect(one.contains { $0.contains("so its 1 later point (measured past saturation) is left out: the device has 2 pulses") }, "\(one)")
  for (top, noted) in [(0.05, true), (0.005, false)] {
    let notes = try withMeasured(["p,\(top / 5)", "p,\(top)"]) { path -> [String] in
      var cfg = TrainingConfiguration()
      try cfg.set("device_csv", path)
      return TrainCommand.deviceNotes(cfg, name: "x.csv")
    }
    #expect(notes.contains { $0.contains("far above a synapse's") } == noted, "\(top): \(notes)")
  }
}

// `pulses` notes a file whose maximum comes after 256 pulses, not after
// 255 (mutant: `top > 256`).
@Test func pulsesNotesAMaximumBeyond255Pulses() throws {
  for (points, noted) in [(257, true), (256, false)] {
    let r = try withMeasured((0..<points).map { "p,\(Double($0 + 1) * 1e-8)" }) { path in
      try runXbarsim(["pulses", "--csv", path])
    }
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("train --device-csv takes at most 255 (256 points)") == noted, "\(points): \(r.stderr)")
    if noted { #expect(r.stderr.contains("256 pulses from the first point to the maximum"), "\(r.stderr)") }
  }
}

// A read at exactly the write threshold programs what it reads: refused
// (mutant: `readVoltage > writeThreshold`).
@Test func aReadAtTheWriteThresholdIsRefused() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("rule", "single")
  try cfg.set("read_voltage", "0.75")
  var message = ""
  do { try cfg.validate() } catch { message = "\(error)" }
  #expect(message.contains("a read at 0.75 V reaches the devices' write threshold 0.75 V"), "\(message)")
}

// Five images of 170 with labels beyond the outputs are not "a few" (3 %):
// no damaged-file hint (mutant: the hint below 10 %).
@Test func threePercentOfLabelsBeyondTheOutputsAreNoDamagedFile() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mutation7-labels", train: 120, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let labels = data.appendingPathComponent("train-labels-idx1-ubyte")
  var bytes = try Data(contentsOf: labels)
  for i in 8..<13 { bytes[i] = 200 }
  try bytes.write(to: labels)
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet"])
  #expect(r.status != 0)
  #expect(r.stderr.contains("go up to 200 (first at image 0), 201 classes"), "\(r.stderr)")
  #expect(!r.stderr.contains("damaged"), "\(r.stderr)")
}

// A comma list takes decimal numbers only, as a single number does
// (mutant: the list's check dropped).
@Test func aCommaListRefusesHex() throws {
  let r = try runXbarsim(["pulses", "--beta", "1,0x2"])
  expectOneLineError(r, 64, "--beta expects comma-separated numbers, got '1,0x2'")
}

// The process's streams: /dev/stderr is descriptor 2, and /dev/fd/N only
// while N is open (mutants: /dev/stderr not a stream; any N taken).
@Test func streamDescriptorsAreTheOpenOnes() {
  #expect(OutputFile.streamDescriptor("-") == 1)
  #expect(OutputFile.streamDescriptor("/dev/stderr") == 2)
  #expect(OutputFile.streamDescriptor("/dev/fd/2") == 2)
  #expect(OutputFile.streamDescriptor("/dev/fd/987") == nil)
  #expect(OutputFile.streamDescriptor("/proc/self/fd/986") == nil)
}

// A configuration's identity leaves out threads and reads "true"/"false"
// as booleans (mutants: threads kept; the strings kept).
@Test func aConfigurationsIdentityIgnoresThreadsAndReadsBooleanStrings() throws {
  let then = try JSONValue.parse(Data(#"{"shuffle": "false", "threads": 2, "lr": 0.1}"#.utf8))
  let now = try JSONValue.parse(Data(#"{"shuffle": false, "lr": 0.1}"#.utf8))
  #expect(then.configurationIdentity == now.configurationIdentity)
  let other = try JSONValue.parse(Data(#"{"shuffle": true, "lr": 0.1}"#.utf8))
  #expect(then.configurationIdentity != other.configurationIdentity)
}

// sweep.svg draws the ideal converter (adc_bits 0) as a hollow marker of
// its line's colour, off the line (mutant: a filled dot).
@Test func theIdealConvertersPointIsAHollowMarkerOffTheLine() {
  let grid = SweepCommand.Grid(keys: ["adc_bits"], values: [["0", "4", "6"]])
  let header = grid.header
  let rows = ["0", "4", "6"].enumerated().map { p, bits -> [String] in
    var r = [String](repeating: "", count: header.count)
    r[0] = "\(p)"
    r[1] = bits
    for (k, v) in [("accuracy_mean_last", 80.0 + Double(p)), ("accuracy_min_last", 79.0), ("accuracy_max_last", 85.0)] {
      r[header.firstIndex(of: k)!] = "\(v)"
    }
    return r
  }
  let svg = SweepCommand.plot(grid, rows)
  let marker = svg.split(separator: "\n").filter { $0.contains("<title>adc_bits=0 (ideal): ") }
  #expect(marker.count == 1 && marker[0].contains("fill=\"white\"") && marker[0].contains("r=\"4.5\""), "\(svg)")
  let line = svg.split(separator: "\n").first { $0.hasPrefix("<polyline") }
  #expect(line.map { $0.components(separatedBy: ",").count - 1 } == 2, "\(svg)")
}

// An error quotes at most 60 characters of the line (mutant: 600).
@Test func anErrorQuotesSixtyCharactersOfALine() {
  let sixty = String(repeating: "x", count: 56) + ",1,2", longer = String(repeating: "x", count: 57) + ",1,2"
  #expect(csvError(sixty + "\n") == "m.csv line 1: expected 'branch,conductance', got '\(sixty)'")
  #expect(csvError(longer + "\n") == "m.csv line 1: expected 'branch,conductance', got '\(String(repeating: "x", count: 57))…'")
}

// (A column that no error reached decides nothing: checked in
// AutomationFindingsTests.inspectRecordsTheComparatorsDecisionsThatThePulsesFollow.)

// With standard output redirected to a file (`> out.txt`), `-` and
// /dev/stdout are still one output, refused as such (mutant: `-` keyed by
// its resolved path, /dev/stdout by the file's inode: both were taken).
@Test func dashAndDevStdoutAreOneOutputWhenStdoutIsAFile() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mutation7-stdout", train: 120, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let exe = try #require(productExecutable("xbarsim"))
  let outFile = root.appendingPathComponent("out.txt"), errFile = root.appendingPathComponent("err.txt")
  _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
  _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
  let p = Process()
  p.executableURL = exe
  p.arguments = ["train", "--data", data.path, "--layers", "64,8,10", "--train-limit", "20", "--test-limit", "10", "--quiet",
    "--summary", "-", "--log", "/dev/stdout"]
  p.standardOutput = try FileHandle(forWritingTo: outFile)
  p.standardError = try FileHandle(forWritingTo: errFile)
  try p.run()
  p.waitUntilExit()
  let stderr = try String(contentsOf: errFile, encoding: .utf8)
  #expect(p.terminationStatus == 64, "\(stderr)")
  #expect(stderr.contains("write the same file") && stderr.contains("--summary") && stderr.contains("--log"), "\(stderr)")
}

// Every device at G_min (initial_fraction 0): the first sample's output
// sums all tie at 0, and inspect predicts class 0 as the network's argmax
// does, the first maximum (mutant: the last).
@Test func hybridInspectPredictsTheFirstOfTiedSums() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mutation7-ties", train: 120, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("inspect")
  let r = try runXbarsim(
    ["inspect", "--data", data.path, "--rule", "single", "--layers", "64,4,10", "--initial-fraction", "0", "--samples", "1",
     "--out", out.path, "--train-limit", "60"])
  #expect(r.status == 0, "\(r.stderr)")
  let neurons = csvRows(try String(contentsOf: out.appendingPathComponent("neurons.csv"), encoding: .utf8))
  let outputs = neurons.dropFirst().filter { $0[1] == "1" }.map { Double($0[3])! }
  #expect(outputs.count == 10 && Set(outputs).count == 1, "\(outputs)")
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("inspect.json"))) as? [String: Any]
  let sample = (json?["samples"] as? [[String: Any]])?.first
  #expect(sample?["prediction"] as? Int == 0, "\(String(describing: sample))")
}
