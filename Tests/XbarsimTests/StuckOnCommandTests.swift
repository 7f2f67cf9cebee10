import Foundation
import Testing
import _TestSupport

// `--stuck-on` (rule lim): the summary and the run's label carry it away
// from 0; a checkpoint keeps its shorted devices (scales 0, the set drawn
// again from the seed) and refuses a run with another fraction; bad values
// are refused with one line.

private func json(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Test func trainWithStuckOnWritesItKeepsItsDevicesAndGoesOn() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-on", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--nmax", "8", "--quiet"]
  let plain = try runXbarsim(base + ["--summary", path("plain.json")])
  let zero = try runXbarsim(base + ["--stuck-on", "0", "--summary", path("zero.json")])
  let stuck = try runXbarsim(
    base + ["--stuck-off", "0.1", "--stuck-on", "0.2", "--summary", path("stuck.json"), "--checkpoint-out", path("net.json")])
  for r in [plain, zero, stuck] { #expect(r.status == 0, "\(r.stderr)") }
  #expect(stuck.stdout.contains("σ 0 stuck_off 0.1 stuck_on 0.2:"), "\(stuck.stdout)")
  let s0 = try json(URL(fileURLWithPath: path("plain.json"))), sz = try json(URL(fileURLWithPath: path("zero.json")))
  let s1 = try json(URL(fileURLWithPath: path("stuck.json")))
  let c1 = try #require(s1["configuration"] as? [String: Any])
  #expect((s0["configuration"] as? [String: Any])?["stuck_on"] == nil && (sz["configuration"] as? [String: Any])?["stuck_on"] == nil)
  #expect(c1["stuck_on"] as? Double == 0.2 && c1["stuck_off"] as? Double == 0.1)
  #expect("\(s0["pulses"]!)" == "\(sz["pulses"]!)" && "\(s0["pulses"]!)" != "\(s1["pulses"]!)")
  // The checkpoint: scales 0 (open or shorted) and 1.
  let saved = try json(URL(fileURLWithPath: path("net.json")))
  let layers = try #require(saved["layers"] as? [[String: Any]])
  let scales = layers.flatMap { ($0["plus_scales"] as? [Double] ?? []) + ($0["minus_scales"] as? [Double] ?? []) }
  #expect(scales.count == 2 * (65 * 8 + 9 * 10) && scales.allSatisfy { $0 == 0 || $0 == 1 } && scales.contains(0))
  // inspect reads it; training goes on from it, and writes the same scales.
  let out = root.appendingPathComponent("inspect")
  let inspect = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", path("net.json"), "--samples", "2", "--out", out.path])
  #expect(inspect.status == 0, "\(inspect.stderr)")
  let config = try #require(try json(out.appendingPathComponent("inspect.json"))["configuration"] as? [String: Any])
  #expect(config["stuck_on"] as? Double == 0.2)
  let again = try runXbarsim(
    base + ["--stuck-off", "0.1", "--stuck-on", "0.2", "--checkpoint-in", path("net.json"), "--checkpoint-out", path("net2.json")])
  #expect(again.status == 0, "\(again.stderr)")
  let layers2 = try #require(try json(URL(fileURLWithPath: path("net2.json")))["layers"] as? [[String: Any]])
  for (a, b) in zip(layers, layers2) {
    #expect(a["plus_scales"] as? [Double] == b["plus_scales"] as? [Double])
    #expect(a["minus_scales"] as? [Double] == b["minus_scales"] as? [Double])
  }
  // The shorted marks are stored; another seed goes on with them.
  let marks = layers.flatMap { ($0["plus_shorted"] as? [Double] ?? []) + ($0["minus_shorted"] as? [Double] ?? []) }
  #expect(marks.count == scales.count && marks.allSatisfy { $0 == 0 || $0 == 1 } && marks.contains(1))
  #expect(zip(marks, scales).allSatisfy { $0 == 0 || $1 == 0 })
  let reseeded = try runXbarsim(
    base + ["--stuck-off", "0.1", "--stuck-on", "0.2", "--seed", "7", "--checkpoint-in", path("net.json"), "--checkpoint-out", path("net3.json")])
  #expect(reseeded.status == 0, "\(reseeded.stderr)")
  let layers3 = try #require(try json(URL(fileURLWithPath: path("net3.json")))["layers"] as? [[String: Any]])
  #expect(layers3.flatMap { ($0["plus_shorted"] as? [Double] ?? []) + ($0["minus_shorted"] as? [Double] ?? []) } == marks)
  // Another fraction shorts other devices: refused, naming the key.
  for other in ["0", "0.3"] {
    let r = try runXbarsim(base + ["--stuck-off", "0.1", "--stuck-on", other, "--checkpoint-in", path("net.json")])
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(r.status != 0 && line.hasPrefix("Error:") && line.contains("stuck_on"), "\(other): \(line)")
  }
}

@Test func badStuckOnValuesAreRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-on", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet"]
  for extra in [
    ["--stuck-on", "-0.1"], ["--stuck-on", "1.5"], ["--stuck-on", "nan"], ["--stuck-on", "x"],
    ["--stuck-on", "0.6", "--stuck-off", "0.5"], ["--stuck-on", "0.1", "--rule", "float"],
  ] {
    let r = try runXbarsim(base + extra)
    #expect(r.status != 0, "\(extra)")
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(line.hasPrefix("Error:") && (line.contains("stuck-on") || line.contains("stuck_on")), "\(extra): \(r.stderr)")
  }
  let off = try runXbarsim(base + ["--stuck-on", "0.1", "--learning", "off-chip"])
  #expect(off.status == 0 && off.stdout.contains("stuck_on 0.1"), "\(off.stdout)\(off.stderr)")
}
