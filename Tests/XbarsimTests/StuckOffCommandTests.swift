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
    ["--stuck-off", "0.1", "--rule", "hybrid"], ["--stuck-off", "0.1", "--rule", "single"],
    ["--stuck-off", "0.1", "--rule", "float"],
  ] {
    let r = try runXbarsim(base + extra)
    #expect(r.status != 0, "\(extra)")
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(line.hasPrefix("Error:") && (line.contains("stuck-off") || line.contains("stuck_off")), "\(extra): \(r.stderr)")
  }
  // Off-chip takes it (the programmed arrays' devices).
  let off = try runXbarsim(base + ["--stuck-off", "0.1", "--learning", "off-chip"])
  #expect(off.status == 0 && off.stdout.contains("stuck_off 0.1"), "\(off.stdout)\(off.stderr)")
}
