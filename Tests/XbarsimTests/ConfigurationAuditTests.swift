import Foundation
import Testing
import _TestSupport

@testable import xbarsim
import Trainer

// Found by an audit of the configuration keys (session 28): each case ran
// with another value than the one written, or named the wrong thing.

/// 8×8 generated images: 60 training images, 20 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-keys", train: 60, test: 20)
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

private func configuration(_ summary: URL) throws -> [String: Any] {
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any]
  return json?["configuration"] as? [String: Any] ?? [:]
}

private func firstLine(_ r: ProcessResult) -> String { r.stderr.split(separator: "\n").first.map(String.init) ?? "" }

// `{"beta_d": 3, "beta": 1}` ran with β_d = 1: `beta` overwrote the β_d
// before it. JSON's key order must not change a file's meaning: `beta`
// applies first, as the options do.
@Test func betaInAConfigFileAppliesBeforeBetaPAndBetaDWhateverTheKeyOrder() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  for (name, text) in [
    ("after", #"{"method": "c", "beta_d": 3, "beta": 1}"#), ("before", #"{"method": "c", "beta": 1, "beta_d": 3}"#),
  ] {
    let file = root.appendingPathComponent(name + ".json"), summary = root.appendingPathComponent(name + "-s.json")
    try text.write(to: file, atomically: false, encoding: .utf8)
    let r = try runXbarsim(["train", "--data", data.path, "--config", file.path, "--summary", summary.path] + tiny)
    #expect(r.status == 0, "\(r.stderr)")
    let c = try configuration(summary)
    #expect((c["beta_p"] as? Double) == 1 && (c["beta_d"] as? Double) == 3, "\(name): \(c)")
  }
  // With a method that has no β_d of its own, the file's pair is refused
  // as the options' is, naming `beta`, not "beta_p applies to method c".
  let file = root.appendingPathComponent("b.json")
  try #"{"beta_p": 2, "beta": 1}"#.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", file.path] + tiny)
  #expect(r.status == 64, "\(r.stderr)")
  #expect(firstLine(r).hasPrefix("Error: \(file.path): beta: sets β_d to 1 beside beta_p 2"), "\(r.stderr)")
}

// `--grid beta_d=3,4 --grid beta=1,2` ran every point at β_d = β.
@Test func aGridOfBetaBesideBetaPOrBetaDIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  for grids in [["beta_d=3,4", "beta=1,2"], ["beta=1,2", "beta_p=3"]] {
    let r = try runXbarsim(
      ["sweep", "--data", data.path, "--method", "c", "--out", root.appendingPathComponent("s").path]
        + grids.flatMap { ["--grid", $0] } + tiny)
    #expect(r.status == 64, "\(r.stderr)")
    #expect(firstLine(r).contains("beta sets beta_p and beta_d both"), "\(r.stderr)")
  }
  // β_p and β_d on their own axes are a grid.
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--method", "c", "--grid", "beta_p=1,2", "--grid", "beta_d=3",
     "--out", root.appendingPathComponent("ok").path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
}

// `--transfer weights` ran float SGD and the coincidence rules as if not
// given; it is refused for every rule that programs no array off-chip.
@Test func transferIsRefusedForEveryRuleButLimOffChip() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  for rule in ["float", "hybrid", "single", "lim"] {
    let r = try runXbarsim(["train", "--data", data.path, "--rule", rule, "--transfer", "weights"] + tiny)
    #expect(r.status == 64, "\(rule): \(r.stderr)")
    #expect(firstLine(r).hasPrefix("Error: --transfer: applies to off-chip learning only"), "\(rule): \(r.stderr)")
  }
  let r = try runXbarsim(["train", "--data", data.path, "--learning", "off-chip", "--transfer", "weights"] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
}

// `{"sigma": 1e-400}` ran as σ = 0: strtod underflows to 0.
@Test func aNumberBelowTheSmallestDoubleInAJSONFileIsRefusedNotReadAsZero() throws {
  for text in [#"{"sigma": 1e-400}"#, #"{"c": -2.5E-999}"#] {
    #expect(throws: (any Error).self, "\(text)") { try JSONValue.parse(Data(text.utf8)) }
    do { _ = try JSONValue.parse(Data(text.utf8)) } catch {
      #expect("\(error)".contains("below the smallest double"), "\(error)")
    }
  }
  // Zeros in any spelling are zeros.
  for text in ["0", "0.000", "-0e-400", "0E5"] {
    #expect(try JSONValue.parse(Data(text.utf8)) == .number(0), "\(text)")
  }
}

// A network that does not fit the images was "layers: …", naming neither
// the option nor the file. Still exit 1: the data may be at fault (a
// corrupt label looks the same).
@Test func aNetworkThatDoesNotFitTheImagesNamesTheOptionOrTheFile() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  var r = try runXbarsim(["train", "--data", data.path, "--layers", "100,10", "--quiet"])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(firstLine(r).hasPrefix("Error: --layers: the input layer has 100 neurons but the images have 64 pixels"), "\(r.stderr)")
  let file = root.appendingPathComponent("l.json")
  try #"{"layers": [64, 5]}"#.write(to: file, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train", "--data", data.path, "--config", file.path, "--quiet"])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(firstLine(r).hasPrefix("Error: \(file.path): layers: the output layer has 5 neurons"), "\(r.stderr)")
}

// A summary writes every value its run used, so one reused as a base kept
// its rule's defaults: a lim summary run with `--rule hybrid` trained at
// G_min 0, lr 0.01 and a gate derivative; a hybrid one with `--states 20`
// kept 50 g-states; a single one with `--states 20` was refused over a
// `small_states` never given; `--batch 10` over a fixed 100 evaluations.
@Test func aSummaryReusedAsABaseLetsTheKeysThatFollowedItsRuleFollowTheNewOne() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  func train(_ name: String, _ options: [String]) throws -> URL {
    let summary = root.appendingPathComponent(name + ".json")
    let r = try runXbarsim(["train", "--data", data.path, "--summary", summary.path] + options + tiny)
    #expect(r.status == 0, "\(name): \(r.stderr)")
    return summary
  }
  let lim = try train("lim", []), hybrid = try train("hybrid", ["--rule", "hybrid"]), single = try train("single", ["--rule", "single"])
  var c = try configuration(try train("lim-h", ["--config", lim.path, "--rule", "hybrid"]))
  #expect((c["gmin_ratio"] as? Double) == 0.1 && (c["lr"] as? Double) == 0.1 && (c["float_derivative"] as? String) == "true", "\(c)")
  c = try configuration(try train("hybrid-20", ["--config", hybrid.path, "--states", "20"]))
  #expect((c["states"] as? Int) == 20 && (c["small_states"] as? Int) == 20, "\(c)")
  c = try configuration(try train("single-20", ["--config", single.path, "--states", "20"]))
  #expect((c["states"] as? Int) == 20, "\(c)")
  // The evaluations fitted to a summary's 50 images (50) are fitted again
  // to 5 batches of 10 (they were kept, and the batch refused).
  let fifty = root.appendingPathComponent("fifty.json"), batched = root.appendingPathComponent("batched.json")
  var r = try runXbarsim(["train", "--data", data.path, "--train-limit", "50", "--layers", "64,8,10", "--quiet", "--summary", fifty.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect((try configuration(fifty)["evals_per_epoch"] as? Int) == 50)
  r = try runXbarsim(["train", "--data", data.path, "--config", fifty.path, "--batch", "10", "--quiet", "--summary", batched.path])
  #expect(r.status == 0, "\(r.stderr)")
  c = try configuration(batched)
  #expect((c["evals_per_epoch"] as? Int) == 5 && (c["batch"] as? Int) == 10, "\(c)")
  // Keys the summary's run set away from their rule's default stay set.
  let lr = try train("h-lr", ["--rule", "hybrid", "--lr", "0.2"])
  c = try configuration(try train("h-lr-single", ["--config", lr.path, "--rule", "single"]))
  #expect((c["lr"] as? Double) == 0.2, "\(c)")
  // And a summary re-runs its own run exactly, the configuration unchanged.
  for summary in [lim, hybrid, single, lr, fifty] {
    let again = root.appendingPathComponent("again.json")
    r = try runXbarsim(["train", "--data", data.path, "--config", summary.path, "--summary", again.path, "--quiet"])
    #expect(r.status == 0, "\(r.stderr)")
    let a = try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any] ?? [:]
    let b = try JSONSerialization.jsonObject(with: Data(contentsOf: again)) as? [String: Any] ?? [:]
    #expect(a["test_accuracy"] as? Double == b["test_accuracy"] as? Double && a["pulses"] as? Int == b["pulses"] as? Int)
    // (Compared as sorted JSON: NSDictionary's isEqual tells a boxed Bool
    // from the same Bool on Linux.)
    func canonical(_ d: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: d, options: .sortedKeys) }
    let ca = try canonical(a["configuration"] as? [String: Any] ?? [:]), cb = try canonical(b["configuration"] as? [String: Any] ?? [:])
    #expect(!ca.isEmpty && ca == cb, "\(summary.lastPathComponent)")
  }
}

// `reproduce choi2021 --gmin-ratio 0` ran every Choi run at G_min 0 and
// its note of the settings given did not say so: 0 is lim's default.
@Test func reproducesNoteNamesARuleDependentKeyThatWasSetEvenAtLimsDefault() throws {
  var base = TrainingConfiguration()
  #expect(ReproduceCommand.settingsNote(base, runs: [base], skipping: []) == nil)
  try base.set("gmin_ratio", "0")
  let note = ReproduceCommand.settingsNote(base, runs: ChoiReproduction.runs(figure: 4, base: base).map(\.configuration), skipping: [])
  #expect(note?.contains("gmin_ratio 0") == true, "\(note ?? "nil")")
}

// `--program-voltage -1` trained as 1 V (the energies are V²) while
// inspect's waveforms drew its potentiations as depressions, and
// `--reset-voltage 1.5` drew the resets as potentiations. The README's
// polarities (a potentiation at +program_voltage, a depression its mirror,
// a reset of the depression's polarity) are kept: the option, or the
// --config file and its key, is named.
@Test(arguments: [
  (["--program-voltage", "-1"], "--program-voltage: must be in [1e-6, 1000] V, got -1 (the potentiation pulse's amplitude"),
  (["--program-voltage", "0"], "--program-voltage: must be in [1e-6, 1000] V, got 0 ("),
  (["--reset-voltage", "1.5"], "--reset-voltage: must be in [-1000, -1e-6] V, got 1.5 (a reset takes a device down to G_min"),
  (["--reset-voltage", "0"], "--reset-voltage: must be in [-1000, -1e-6] V, got 0 ("),
])
func aPulseVoltageOfTheWrongPolarityIsRefusedByName(_ option: [String], _ message: String) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  for command in ["train", "inspect"] {
    let extra = command == "train" ? tiny : ["--layers", "64,8,10", "--samples", "1", "--out", root.appendingPathComponent("i").path]
    var r = try runXbarsim([command, "--data", data.path] + option + extra)
    #expect(r.status == 64, "\(command): \(r.stderr)")
    #expect(firstLine(r).hasPrefix("Error: " + message), "\(command): \(r.stderr)")
    // The same value in a --config file: the file and its key.
    let file = root.appendingPathComponent("v.json")
    let key = String(option[0].dropFirst(2)).replacingOccurrences(of: "-", with: "_")
    try "{\"\(key)\": \(option[1])}".write(to: file, atomically: false, encoding: .utf8)
    r = try runXbarsim([command, "--data", data.path, "--config", file.path] + extra)
    #expect(r.status == 64, "\(command): \(r.stderr)")
    let fromFile = message.replacingOccurrences(of: option[0] + ":", with: "\(file.path): \(key):")
    #expect(firstLine(r).hasPrefix("Error: " + fromFile), "\(command): \(r.stderr)")
    #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
  }
}

// Voltages of the right polarities run as before, to the ends of their
// ranges (since session 48 a program voltage stays above the read's: the
// read is lowered to its own end beside the lowest one).
@Test func pulseVoltagesOfTheirPolaritiesRunAsBefore() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let s = root.appendingPathComponent("s.json")
  let r = try runXbarsim(
    ["train", "--data", data.path, "--program-voltage", "2e-6", "--read-voltage", "1e-6", "--reset-voltage", "-1000", "--summary", s.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let c = try configuration(s)
  #expect((c["program_voltage"] as? Double) == 2e-6 && (c["reset_voltage"] as? Double) == -1000, "\(c)")
}

// `{"r_row": 1}` (the default) in a plain --config file ran with ideal
// lines, where `--r-row 1` is refused: the file and its key are named, as
// by `train`, `inspect`, `reproduce` and a sweep point of ideal lines. A
// run's summary carries r_row and r_col whatever its lines, and stays a
// base; so does a file that says its lines are ideal itself (a summary's
// `configuration` object saved as a file, every key written).
@Test func lineResistancesInAPlainConfigFileAreRefusedWithIdealLines() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let inspectOut = root.appendingPathComponent("i").path
  let commands: [[String]] = [
    ["train"] + tiny, ["inspect", "--layers", "64,8,10", "--samples", "1", "--out", inspectOut],
    ["reproduce", "lim2018", "--figure", "9", "--seeds", "1"] + tiny.filter { $0 != "--quiet" },
  ]
  for (text, key) in [(#"{"r_row": 1}"#, "r_row"), (#"{"seed": 2, "r-col": 2}"#, "r-col"), (#"{"r_col": 2, "r_row": 1}"#, "r_col")] {
    let file = root.appendingPathComponent("lines.json")
    try text.write(to: file, atomically: false, encoding: .utf8)
    for command in commands {
      let r = try runXbarsim([command[0], "--data", data.path, "--config", file.path] + command.dropFirst())
      #expect(r.status == 64, "\(command[0]), \(text): \(r.stderr)")
      #expect(r.stderr == "Error: \(file.path): \(key): applies only with wires resistive (the lines are ideal)\n",
        "\(command[0]), \(text): \(r.stderr)")
    }
    let r = try runXbarsim(
      ["sweep", "--data", data.path, "--config", file.path, "--grid", "wires=resistive,ideal", "--out",
       root.appendingPathComponent("s").path] + tiny)
    #expect(r.status == 64, "\(r.stderr)")
    #expect(firstLine(r) == "Error: \(file.path): \(key): applies only with wires resistive; --grid point 1 (wires=ideal) has ideal lines",
      "\(r.stderr)")
  }
  // With resistive lines the file runs; made ideal by --wires, its r_row
  // is refused.
  let resistive = root.appendingPathComponent("resistive.json")
  try #"{"wires": "resistive", "r_row": 1}"#.write(to: resistive, atomically: false, encoding: .utf8)
  var r = try runXbarsim(["train", "--data", data.path, "--config", resistive.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["train", "--data", data.path, "--config", resistive.path, "--wires", "ideal"] + tiny)
  #expect(r.status == 64 && firstLine(r) == "Error: \(resistive.path): r_row: applies only with wires resistive (the lines are ideal)",
    "\(r.stderr)")
  // A file that says its lines are ideal runs them.
  let ideal = root.appendingPathComponent("ideal.json")
  try #"{"r_row": 1, "wires": "ideal", "r_col": 1}"#.write(to: ideal, atomically: false, encoding: .utf8)
  r = try runXbarsim(["train", "--data", data.path, "--config", ideal.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  // A summary of a run with ideal lines (r_row and r_col written) is a base.
  let summary = root.appendingPathComponent("summary.json")
  r = try runXbarsim(["train", "--data", data.path, "--summary", summary.path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(try configuration(summary)["r_row"] as? Double == 1)
  for command in commands {
    r = try runXbarsim([command[0], "--data", data.path, "--config", summary.path] + command.dropFirst())
    #expect(r.status == 0, "\(command[0]): \(r.stderr)")
  }
}
