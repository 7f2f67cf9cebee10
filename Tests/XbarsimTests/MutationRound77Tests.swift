import Foundation
import Testing
import _TestSupport

// Mutation round 77 (session 77's stuck split of `endurance`, and the
// empty stuck_map of --config): what the existing tests left open.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

@Test func theSummarysStuckEnduranceAgreesWithTheLineLayerByLayer() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut77-stuck", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  // Layer 0 (65×8): row 3's G+ (8 devices); layer 1 (9×10): column 0's
  // G− (9 devices).
  try "layer,row,column,polarity,state\n0,3,*,plus,open\n1,*,0,minus,shorted\n"
    .write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
  let r = try runXbarsim([
    "train", "--data", data.path, "--rule", "lim", "--layers", "64,8,10", "--nmax", "8", "--evals-per-epoch", "1",
    "--quiet", "--endurance", "true", "--stuck-map", path("map.csv"), "--summary", path("s.json"),
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let line = try #require(r.stderr.split(separator: "\n").first { $0.hasPrefix("endurance:") }.map(String.init))
  let e = try #require(try json(path("s.json"))["endurance"] as? [String: Any])
  let stuck = try #require(e["stuck"] as? [String: Any])
  let (devices, pulses, resets) = (stuck["devices"] as? Int ?? -1, stuck["pulses"] as? Int ?? -1, stuck["resets"] as? Int ?? -1)
  #expect(devices == 17 && pulses > 0 && pulses != resets, "\(stuck)")
  // (Then the partners: row 3's G− and column 0's G+, 17 too.)
  let partners = try #require(e["stuck_partners"] as? [String: Any])
  let (q, s) = (partners["pulses"] as? Int ?? -1, partners["resets"] as? Int ?? -1)
  #expect(partners["devices"] as? Int == 17 && q > 0, "\(partners)")
  #expect(
    line.hasSuffix("; the 17 stuck devices received \(pulses) pulses and \(resets) resets, the 17 working partners of stuck devices \(q) pulses and \(s) resets"),
    "\(line) \(stuck)")
  let layers = try #require(e["layers"] as? [[String: Any]])
  let per = layers.map { ($0["stuck"] as? [String: Any])?["devices"] as? Int ?? -1 }
  #expect(per == [8, 9], "\(layers)")
}

@Test func aConfigsEmptyStuckMapIsRefusedSpeltWithADashToo() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut77-empty", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("empty.json").path
  try #"{"stuck-map": ""}"#.write(toFile: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--config", file])
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(r.status == 64 && first.hasPrefix("Error:") && first.contains("stuck-map: expects a path, got an empty string"), "\(r.stderr)")
}
