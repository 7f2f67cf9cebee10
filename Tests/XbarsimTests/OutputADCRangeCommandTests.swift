import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// `--output-adc-range` (session 82): the output layer's ADC full scale, apart
// from the hidden layers' `--adc-range`, in train, evaluate and sweep.

private func json(_ path: String) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

/// A trained network read through 3 bits with the output's range alone
/// changed: the hidden layer's clipped share is the same to the bit, the
/// output's follows its range, and evaluate says what it changed.
@Test func theOutputRangeReadsOnlyTheOutputLayer() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-output-adc-range", train: 300, test: 40)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--epochs", "2", "--evals-per-epoch", "1", "--quiet",
     "--checkpoint-out", path("ck.json")])
  #expect(t.status == 0, "\(t.stderr)")
  func read(_ extra: [String], _ name: String) throws -> (clipped: [Double], changed: [String]?, stdout: String, stderr: String) {
    let e = try runXbarsim(
      ["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--adc-bits", "3", "--summary", path(name)] + extra)
    #expect(e.status == 0, "\(extra): \(e.stderr)")
    let v = try json(path(name))
    return (try #require(v["adc_clipped_fraction"] as? [Double]), v["read_changed"] as? [String], e.stdout, e.stderr)
  }
  // (±1, an eighth of 2c: both layers' shares are above 0.)
  let base = try read(["--adc-range", "1"], "base.json")
  let wide = try read(["--adc-range", "1", "--output-adc-range", "1000"], "wide.json")
  let narrow = try read(["--adc-range", "1", "--output-adc-range", "0.001"], "narrow.json")
  #expect(base.clipped[0] > 0 && base.clipped[1] > 0 && base.clipped[1] < 1, "\(base.clipped)")
  #expect(wide.clipped[0] == base.clipped[0] && narrow.clipped[0] == base.clipped[0], "\(wide.clipped) \(narrow.clipped)")
  #expect(wide.clipped[1] == 0 && narrow.clipped[1] == 1, "\(wide.clipped) \(narrow.clipped)")
  #expect(wide.changed == ["adc_bits", "adc_range", "output_adc_range"], "\(String(describing: wide.changed))")
  #expect(wide.stdout.contains("output_adc_range 8 → 1000"), "\(wide.stdout)")
  // Given equal to the hidden range, it is that range.
  let equal = try read(["--adc-range", "1", "--output-adc-range", "1"], "equal.json")
  #expect(equal.clipped == base.clipped && equal.changed == ["adc_bits", "adc_range"] && base.changed == equal.changed, "\(equal)")
  // Without an ADC it is read by nothing; a range of 0 is refused by name.
  for (args, needle) in [
    (["--output-adc-range", "12"], "Error: --output-adc-range: applies to"),
    (["--adc-bits", "3", "--output-adc-range", "0"], "Error: --output-adc-range: must be"),
  ] {
    let r = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path] + args)
    #expect(r.status == 64 && r.stderr.hasPrefix(needle), "\(args): \(r.status) \(r.stderr)")
    let s = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet"] + args)
    #expect(s.status == 64 && s.stderr.hasPrefix(needle), "train \(args): \(s.status) \(s.stderr)")
  }
}

/// Train writes the key when given (and the plot's title says it), and a
/// summary read back keeps it.
@Test func trainKeepsAndTellsTheOutputRange() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-output-adc-range-train", train: 300, test: 40)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let args = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--adc-bits", "2"]
  let plain = try runXbarsim(args + ["--summary", path("plain.json"), "--out", path("plain")])
  #expect(plain.status == 0, "\(plain.stderr)")
  #expect((try json(path("plain.json"))["configuration"] as? [String: Any])?["output_adc_range"] == nil)
  let given = try runXbarsim(args + ["--output-adc-range", "0.5", "--summary", path("given.json"), "--out", path("given")])
  #expect(given.status == 0, "\(given.stderr)")
  let config = try #require(try json(path("given.json"))["configuration"] as? [String: Any])
  #expect(config["output_adc_range"] as? Double == 0.5 && config["adc_range"] as? Double == 8, "\(config)")
  let svg = try String(contentsOfFile: path("given/accuracy.svg"), encoding: .utf8)
  #expect(svg.contains("ADC 2 bits, output ±0.5"), "\(svg.prefix(600))")
  let again = try runXbarsim(["train", "--data", data.path, "--config", path("given.json"), "--quiet", "--summary", path("again.json")])
  #expect(again.status == 0, "\(again.stderr)")
  let back = try #require(try json(path("again.json"))["configuration"] as? [String: Any])
  #expect(back["output_adc_range"] as? Double == 0.5, "\(back)")
  #expect(try json(path("again.json"))["test_accuracy"] as? Double == json(path("given.json"))["test_accuracy"] as? Double)
}

/// The note on output sums tied at the ADC's top names the range that
/// clipped them and advises the output's own, which leaves the hidden
/// layers' steps alone.
@Test func theTieNoteNamesTheOutputsRange() throws {
  var result = TrainingResult()
  result.adcTiedAtTopFraction = 0.2
  result.adcClippedFractions = [0, 0.3]
  var cfg = TrainingConfiguration()
  try cfg.set("adc_bits", "3")
  let following = TrainCommand.adcNotes(result, cfg)
  #expect(following.count == 1 && following[0].contains("(s above adc_range 8)"), "\(following)")
  try cfg.set("output_adc_range", "12")
  let own = TrainCommand.adcNotes(result, cfg)
  #expect(own.count == 1 && own[0].contains("(s above output_adc_range 12)"), "\(own)")
  #expect(own[0].contains("a wider --output-adc-range keeps them apart, though it also widens the output's ADC step"), "\(own)")
  result.adcTiedAtTopFraction = 0.009
  #expect(TrainCommand.adcNotes(result, cfg).isEmpty)
}
