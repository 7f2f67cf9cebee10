import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Mutation round 76 (on session 76's stuck maps, `--stuck-map`): these
// tests kill the survivors that were not equivalent.

struct MutationRound76Tests {
  /// A checkpoint's copy of the map (`stuck_map`) must name the file its
  /// configuration names: one that names another file is refused, as a
  /// device curve's is (the records were taken whatever file they named).
  @Test func aCheckpointWhoseMapCopyNamesAnotherFileIsRefused() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m76-map-path", train: 20, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    try "layer,row,column,polarity,state\n0,3,*,plus,open\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
    let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--nmax", "8", "--quiet"]
    let made = try runXbarsim(base + ["--stuck-map", path("map.csv"), "--checkpoint-out", path("net.json")])
    #expect(made.status == 0, "\(made.stderr)")
    let text = try String(contentsOfFile: path("net.json"), encoding: .utf8)
    let pattern = try NSRegularExpression(pattern: "\"stuck_map\": \\{\"path\": \"[^\"]*\"")
    let found = try #require(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)))
    let edited = (text as NSString).replacingCharacters(in: found.range, with: "\"stuck_map\": {\"path\": \"/elsewhere/map.csv\"")
    try edited.write(toFile: path("edited.json"), atomically: true, encoding: .utf8)
    let r = try runXbarsim(base + ["--checkpoint-in", path("edited.json")])
    #expect(r.status != 0 && r.stderr.contains("must come together, naming the same file"), "\(r.status): \(r.stderr)")
    // The checkpoint as written goes on.
    let again = try runXbarsim(base + ["--checkpoint-in", path("net.json")])
    #expect(again.status == 0, "\(again.stderr)")
  }

  /// The largest checkpoint a rule lim run could write counts the shorted
  /// marks (a digit and a comma per device) when only a map's record
  /// shorts devices (stuck_on 0), as with stuck_on.
  @Test func theLargestLimCheckpointCountsAMapsShortedMarks() throws {
    func configuration(_ state: String) throws -> TrainingConfiguration {
      var cfg = TrainingConfiguration()
      cfg.layers = [16, 8, 4]
      cfg.nMax = 8
      cfg.restoreStuckMap(try StuckMap.parse("layer,row,column,polarity,state\n0,1,2,plus,\(state)\n", path: "m.csv"))
      try cfg.validate()
      return cfg
    }
    let open = try configuration("open"), shorted = try configuration("shorted")
    #expect(!open.hasShortedDevices && shorted.hasShortedDevices)
    #expect(Checkpoint.largestBytes(shorted) - Checkpoint.largestBytes(open) == 4 * Double(shorted.synapseCount))
  }

  /// `reproduce --summary`'s rows name the map their runs had, as they do
  /// stuck_off and stuck_on (a run of a map read as one of none).
  @Test func reproduceRowsNameTheirStuckMap() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m76-reproduce", train: 20, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    try "layer,row,column,polarity,state\n0,3,*,plus,open\n".write(toFile: path("map.csv"), atomically: false, encoding: .utf8)
    let r = try runXbarsim([
      "reproduce", "lim2018", "--figure", "8", "--seeds", "1", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1",
      "--quiet", "--stuck-map", path("map.csv"), "--summary", path("s.json"),
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("s.json")))) as? [[String: Any]])
    #expect(!rows.isEmpty && rows.allSatisfy { ($0["stuck_map"] as? String)?.hasSuffix("/map.csv") == true }, "\(rows.map { $0["stuck_map"] ?? "none" })")
  }
}
