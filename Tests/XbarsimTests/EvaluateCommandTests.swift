import Foundation
import Testing
import _TestSupport

// `xbarsim evaluate --checkpoint FILE`: the checkpoint's arrays read without training. A
// checkpoint saved at a run's end gives that run's last test accuracy to the image (read noise
// drawn as its last point drew it), and with the run's drift keys the run's drift list and
// refresh; the checkpoint is not written; other keys than test_limit and the drift keys are
// refused, and so are a missing checkpoint, a file that is not one, and a summary over it.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

@Test(arguments: ["lim", "hybrid"])
func evaluateReadsACheckpointAsItsRunLastReadIt(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-evaluate-\(rule)", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let drift = ["--drift-times", "1,3600,31536000", "--drift-nu", "0.05", "--drift-nu-sigma", "0.02", "--drift-refresh", "true"]
  let t = try runXbarsim(
    ["train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--epochs", "2", "--evals-per-epoch", "2", "--quiet",
     "--read-noise", "0.02", "--checkpoint-out", path("ck.json"), "--summary", path("s.json")] + drift)
  #expect(t.status == 0, "\(t.stderr)")
  let checkpoint = try Data(contentsOf: URL(fileURLWithPath: path("ck.json")))
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path("e.json")] + drift)
  #expect(e.status == 0, "\(e.stderr)")
  #expect(e.stdout.hasPrefix("\(path("ck.json")) (120 training images): test accuracy "), "\(e.stdout)")
  #expect(e.stdout.contains("  refreshed before drift (a copy of the arrays): ") && e.stdout.contains("  t 3600 s: "), "\(e.stdout)")
  let s = try json(path("s.json")), v = try json(path("e.json"))
  #expect(v["test_accuracy"] as? Double == s["test_accuracy"] as? Double)
  #expect(v["test_images"] as? Int == 30 && v["train_images"] as? Int == 120 && v["checkpoint"] as? String == path("ck.json"))
  #expect(NSArray(array: try #require(v["drift"] as? [Any])).isEqual(to: try #require(s["drift"] as? [Any])))
  #expect(NSDictionary(dictionary: try #require(v["refresh"] as? [String: Any])).isEqual(to: try #require(s["refresh"] as? [String: Any])))
  // Nothing was written to the checkpoint; the same reads again give the same.
  #expect(try Data(contentsOf: URL(fileURLWithPath: path("ck.json"))) == checkpoint)
  let again = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path] + drift)
  #expect(again.status == 0 && again.stdout.components(separatedBy: "\n").dropFirst() == e.stdout.components(separatedBy: "\n").dropFirst())
  // Other drift keys than the run's: other reads of the same arrays (at t0 the same accuracy).
  let other = try runXbarsim([
    "evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--drift-times", "1,1e9", "--drift-nu", "0.2", "--summary",
    path("o.json"),
  ])
  #expect(other.status == 0, "\(other.stderr)")
  let o = try json(path("o.json"))
  let points = try #require(o["drift"] as? [[String: Any]])
  #expect(points.map { $0["seconds"] as? Double } == [1, 1e9])
  #expect(points[0]["test_accuracy"] as? Double == s["test_accuracy"] as? Double)
  #expect(o["refresh"] == nil)
  // Its summary is a configuration, as train's is: the checkpoint's, with the drift keys given.
  let c = try runXbarsim(["train", "--data", data.path, "--config", path("o.json"), "--quiet", "--summary", path("c.json")])
  #expect(c.status == 0, "\(c.stderr)")
  let config = try #require(try json(path("c.json"))["configuration"] as? [String: Any])
  #expect(config["rule"] as? String == rule && config["drift_nu"] as? Double == 0.2 && config["read_noise"] as? Double == 0.02, "\(config)")
}

@Test func evaluateRefusesWhatItCannotRead() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-evaluate-bad", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", path("ck.json"),
     "--summary", path("s.json")])
  #expect(t.status == 0, "\(t.stderr)")
  // A checkpoint whose configuration says rule float (no arrays).
  let text = try String(contentsOfFile: path("ck.json"), encoding: .utf8)
  try text.replacingOccurrences(of: "\"rule\": \"lim\"", with: "\"rule\": \"float\"").write(
    toFile: path("float.json"), atomically: false, encoding: .utf8)
  #expect(try String(contentsOfFile: path("float.json"), encoding: .utf8) != text)
  for (args, status, needle) in [
    (["evaluate", "--data", data.path], 64, "Error: missing --checkpoint FILE"),
    (["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--epochs", "2"], 64, "Error: unknown option '--epochs'"),
    (["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--drift-nu", "2"], 64, "Error: --drift-nu: must be in [0, 1]"),
    (["evaluate", "--checkpoint", path("s.json"), "--data", data.path], 1, "Error: \(path("s.json"))"),
    (["evaluate", "--checkpoint", path("none.json"), "--data", data.path], 1, "Error: \(path("none.json"))"),
    (["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path("ck.json")], 64, "Error: --summary"),
    (["evaluate", "--checkpoint", path("float.json"), "--data", data.path], 1, "Error: \(path("float.json")): the checkpoint's configuration is rule float"),
  ] {
    let r = try runXbarsim(args)
    #expect(r.status == Int32(status), "\(args): \(r.status) \(r.stderr)")
    #expect(r.stderr.hasPrefix(needle), "\(args): \(r.stderr)")
  }
  // A drift key without times is noted, as train notes it.
  let n = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--drift-nu", "0.1"])
  #expect(n.status == 0 && n.stderr.contains("note: drift_nu without drift_times"), "\(n.stderr)")
}

// Off-chip learning saves the arrays it programmed: evaluate reads them as the run's last point
// did (their device-to-device scales and read noise too).
@Test func evaluateReadsAnOffChipRunsProgrammedArrays() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-evaluate-off-chip", train: 120, test: 40)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--learning", "off-chip", "--transfer", "weights", "--sigma", "0.3",
     "--read-noise", "0.02", "--lr", "0.5", "--epochs", "10", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", path("ck.json"),
     "--summary", path("s.json")])
  #expect(t.status == 0, "\(t.stderr)")
  let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path("e.json")])
  #expect(e.status == 0, "\(e.stderr)")
  let s = try json(path("s.json")), v = try json(path("e.json"))
  #expect(v["test_accuracy"] as? Double == s["test_accuracy"] as? Double)
  #expect((s["test_accuracy"] as? Double ?? 0) > 40, "\(s["test_accuracy"] ?? "")")
}

// Session 81: the read's periphery and lines may be another chip's. A checkpoint read with the
// run's own keys gives its accuracy (above); with lines of vanishing resistance, or an ADC of 16
// bits, the same accuracy (r → 0 reaches the ideal sum); with a 1-bit ADC or a strong read noise,
// another. The keys that differ from the run's are told and listed (`read_changed`); a key the read
// would not use is refused; the summary, given as --config, carries the read keys.
@Test(arguments: ["lim", "hybrid"])
func evaluateReadsThroughAnotherChipsPeriphery(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-evaluate-periphery-\(rule)", train: 300, test: 40)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let t = try runXbarsim(
    ["train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--epochs", "2", "--evals-per-epoch", "1", "--quiet",
     "--checkpoint-out", path("ck.json"), "--summary", path("s.json")])
  #expect(t.status == 0, "\(t.stderr)")
  let run = try #require(try json(path("s.json"))["test_accuracy"] as? Double)
  // (A network that has learned: a read that loses its sums then shows.)
  #expect(run > 30, "\(run)")
  func evaluate(_ extra: [String], _ name: String) throws -> (accuracy: Double?, changed: [String]?, stdout: String, stderr: String) {
    let e = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path, "--summary", path(name)] + extra)
    #expect(e.status == 0, "\(extra): \(e.stderr)")
    let v = try json(path(name))
    return (v["test_accuracy"] as? Double, v["read_changed"] as? [String], e.stdout, e.stderr)
  }
  let same = try evaluate([], "same.json")
  #expect(same.accuracy == run && same.changed == [] && !same.stdout.contains("read otherwise"), "\(same.stdout)")
  let fine = try evaluate(["--adc-bits", "16"], "adc16.json")
  #expect(fine.accuracy == run && fine.changed == ["adc_bits"], "\(fine)")
  #expect(fine.stdout.contains("  read otherwise than its run: adc_bits 0 → 16\n"), "\(fine.stdout)")
  let thin = try evaluate(["--wires", "resistive", "--r-row", "1e-9", "--r-col", "1e-9"], "thin.json")
  #expect(thin.accuracy == run && thin.changed == ["wires"], "\(thin)")
  let coarse = try evaluate(["--adc-bits", "1", "--adc-range", "0.5"], "adc1.json")
  #expect(coarse.accuracy != run && coarse.changed == ["adc_bits", "adc_range"], "\(coarse)")
  // Its ADC clips the hidden sums short of the hard sigmoid's region: told, as train tells it,
  // and the summary has the clipped shares (none without an ADC).
  #expect(coarse.stderr.contains("note: the ADC clipped ") && coarse.stderr.contains("of hidden layer 1's sums"), "\(coarse.stderr)")
  #expect((try json(path("adc1.json"))["adc_clipped_fraction"] as? [Double])?.count == 2)
  #expect(try json(path("same.json"))["adc_clipped_fraction"] == nil)
  let noisy = try evaluate(["--read-noise", "20"], "noisy.json")
  #expect(noisy.accuracy != run && noisy.changed == ["read_noise"], "\(noisy)")
  // Lines of 100 kΩ a segment: the new setting's note, not the checkpoint's.
  let wide = try evaluate(["--wires", "resistive", "--r-row", "1e5", "--r-col", "1e5"], "wide.json")
  #expect(wide.stderr.contains("note: line segments of 100000 Ω"), "\(wide.stderr)")
  // A key the read would not use, and one only training reads.
  for (args, needle) in [
    (["--adc-range", "3"], "Error: --adc-range: applies to"),
    (["--r-row", "2"], "Error: --r-row: applies only with --wires resistive"),
    (["--comparator-offset", "0.1"], "Error: unknown option '--comparator-offset'"),
  ] {
    let r = try runXbarsim(["evaluate", "--checkpoint", path("ck.json"), "--data", data.path] + args)
    #expect(r.status == 64 && r.stderr.hasPrefix(needle), "\(args): \(r.status) \(r.stderr)")
  }
  // The summary as a configuration: the checkpoint's, with the read keys given.
  let c = try runXbarsim(["train", "--data", data.path, "--config", path("adc1.json"), "--quiet", "--summary", path("c.json")])
  #expect(c.status == 0, "\(c.stderr)")
  let config = try #require(try json(path("c.json"))["configuration"] as? [String: Any])
  #expect(config["adc_bits"] as? Int == 1 && config["adc_range"] as? Double == 0.5 && config["rule"] as? String == rule, "\(config)")
}
