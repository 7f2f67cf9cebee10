import Foundation
import Testing
import _TestSupport

// `--stuck-off` (rule lim): the summary carries it away from 0; a
// checkpoint keeps the stuck devices (as scales X = 0) and `inspect` and
// `train --checkpoint-in` take them back; bad values and the rules that
// do not model it are refused with one line.

private func json(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Test func trainWithStuckOffWritesItKeepsItsDevicesAndGoesOn() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--nmax", "8", "--quiet"]
  let plain = try runXbarsim(base + ["--summary", path("plain.json")])
  let zero = try runXbarsim(base + ["--stuck-off", "0", "--summary", path("zero.json")])
  let stuck = try runXbarsim(base + ["--stuck-off", "0.2", "--summary", path("stuck.json"), "--checkpoint-out", path("net.json")])
  for r in [plain, zero, stuck] { #expect(r.status == 0, "\(r.stderr)") }
  #expect(stuck.stdout.contains("σ 0 stuck_off 0.2:"), "\(stuck.stdout)")
  let s0 = try json(URL(fileURLWithPath: path("plain.json"))), sz = try json(URL(fileURLWithPath: path("zero.json")))
  let s1 = try json(URL(fileURLWithPath: path("stuck.json")))
  let c0 = try #require(s0["configuration"] as? [String: Any]), c1 = try #require(s1["configuration"] as? [String: Any])
  #expect(c0["stuck_off"] == nil && (sz["configuration"] as? [String: Any])?["stuck_off"] == nil)
  #expect(c1["stuck_off"] as? Double == 0.2)
  // 0 is the run of before; 0.2 another.
  #expect("\(s0["pulses"]!)" == "\(sz["pulses"]!)" && "\(s0["evaluation_points"] ?? "")" == "\(sz["evaluation_points"] ?? "")")
  #expect("\(s0["pulses"]!)" != "\(s1["pulses"]!)")
  // The checkpoint holds the scales: 0 for the stuck devices, 1 for the others.
  let saved = try json(URL(fileURLWithPath: path("net.json")))
  let layers = try #require(saved["layers"] as? [[String: Any]])
  let scales = layers.flatMap { ($0["plus_scales"] as? [Double] ?? []) + ($0["minus_scales"] as? [Double] ?? []) }
  #expect(scales.count == 2 * (65 * 8 + 9 * 10))
  #expect(scales.allSatisfy { $0 == 0 || $0 == 1 } && scales.contains(0) && scales.contains(1))
  // inspect reads it, and training goes on from it.
  let out = root.appendingPathComponent("inspect")
  let inspect = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", path("net.json"), "--samples", "2", "--out", out.path])
  #expect(inspect.status == 0, "\(inspect.stderr)")
  let config = try #require(try json(out.appendingPathComponent("inspect.json"))["configuration"] as? [String: Any])
  #expect(config["stuck_off"] as? Double == 0.2)
  let again = try runXbarsim(base + ["--stuck-off", "0.2", "--checkpoint-in", path("net.json"), "--checkpoint-out", path("net2.json")])
  #expect(again.status == 0, "\(again.stderr)")
  let layers2 = try #require(try json(URL(fileURLWithPath: path("net2.json")))["layers"] as? [[String: Any]])
  for (a, b) in zip(layers, layers2) {
    #expect(a["plus_scales"] as? [Double] == b["plus_scales"] as? [Double])
    #expect(a["minus_scales"] as? [Double] == b["minus_scales"] as? [Double])
  }
  // Another fraction is other devices: refused, naming the key.
  for other in ["0", "0.3"] {
    let r = try runXbarsim(base + ["--stuck-off", other, "--checkpoint-in", path("net.json")])
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(r.status != 0 && line.hasPrefix("Error:") && line.contains("stuck_off"), "\(other): \(line)")
  }
}

@Test func badStuckOffValuesAndOtherRulesAreRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet"]
  for extra in [
    ["--stuck-off", "-0.1"], ["--stuck-off", "1.5"], ["--stuck-off", "nan"], ["--stuck-off", "x"],
    ["--stuck-off", "0.1", "--rule", "float"], ["--stuck-on", "0.1", "--rule", "float"],
    ["--stuck-off", "0.6", "--stuck-on", "0.5", "--rule", "hybrid"],
  ] {
    let r = try runXbarsim(base + extra)
    #expect(r.status != 0, "\(extra)")
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    // The key it names: the one refused (the last stuck option given).
    let key = extra.last(where: { $0.hasPrefix("--stuck") })!.dropFirst(2)
    #expect(line.hasPrefix("Error:") && (line.contains(key) || line.contains(key.replacingOccurrences(of: "-", with: "_"))), "\(extra): \(r.stderr)")
  }
  // Off-chip takes it (the programmed arrays' devices).
  let off = try runXbarsim(base + ["--stuck-off", "0.1", "--learning", "off-chip"])
  #expect(off.status == 0 && off.stdout.contains("stuck_off 0.1"), "\(off.stdout)\(off.stderr)")
}

// Rules hybrid and single (session 73): `--stuck-on` and `--stuck-off`
// run, name the run and its summary, and a checkpoint keeps its stuck set
// (drawn again from the seed) and refuses another stuck_on.
@Test func hybridTrainsWithStuckDevicesAndItsCheckpointKeepsThem() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-hybrid", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--states", "8", "--quiet"]
  for rule in ["hybrid", "single"] {
    let plain = try runXbarsim(base + ["--rule", rule, "--summary", path("\(rule)-plain.json")])
    let stuck = try runXbarsim(
      base + ["--rule", rule, "--stuck-on", "0.1", "--stuck-off", "0.05", "--summary", path("\(rule).json"), "--checkpoint-out", path("\(rule)-net.json")])
    for r in [plain, stuck] { #expect(r.status == 0, "\(r.stderr)") }
    #expect(stuck.stdout.contains("stuck_off 0.05 stuck_on 0.1"), "\(stuck.stdout)")
    let s0 = try json(URL(fileURLWithPath: path("\(rule)-plain.json"))), s1 = try json(URL(fileURLWithPath: path("\(rule).json")))
    let c1 = try #require(s1["configuration"] as? [String: Any])
    #expect(c1["stuck_on"] as? Double == 0.1 && c1["stuck_off"] as? Double == 0.05)
    #expect("\(s0["pulses"]!)" != "\(s1["pulses"]!)")
    let again = try runXbarsim(base + ["--rule", rule, "--stuck-on", "0.1", "--stuck-off", "0.05", "--checkpoint-in", path("\(rule)-net.json")])
    #expect(again.status == 0, "\(again.stderr)")
    // (A key not given is the checkpoint's: 0 is given.)
    for other in [["--stuck-on", "0.2", "--stuck-off", "0.05"], ["--stuck-on", "0", "--stuck-off", "0.05"]] {
      let r = try runXbarsim(base + ["--rule", rule] + other + ["--checkpoint-in", path("\(rule)-net.json")])
      let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
      #expect(r.status != 0 && line.hasPrefix("Error:") && line.contains("stuck_on"), "\(other): \(line)")
    }
  }
}
