import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Mutation round 75 (on sessions 73 and 74's stuck devices, restore, inspect
// bounds, reproduce's builds, IDXDataset.canMap): these tests kill the
// survivors that were not equivalent.

struct MutationRound75Tests {
  /// A rule lim checkpoint with stuck_on must hold its shorted marks: one
  /// without `plus_shorted` is refused naming the key. (With stuck_off > 0
  /// too, marks read as all 0 pass every restore check: the checkpoint's
  /// shorted devices would have come back as open ones, silently.)
  @Test func aLimCheckpointWithoutItsShortedMarksIsRefused() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m75-shorted", train: 20, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    let base = [
      "train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--nmax", "8", "--quiet",
      "--stuck-off", "0.1", "--stuck-on", "0.2",
    ]
    let made = try runXbarsim(base + ["--checkpoint-out", path("net.json")])
    #expect(made.status == 0, "\(made.stderr)")
    let text = try String(contentsOfFile: path("net.json"), encoding: .utf8)
    let pattern = try NSRegularExpression(pattern: ",\\s*\"plus_shorted\": \\[[^\\]]*\\]")
    let first = try #require(pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)))
    let cut = (text as NSString).replacingCharacters(in: first.range, with: "")
    try cut.write(toFile: path("cut.json"), atomically: true, encoding: .utf8)
    let r = try runXbarsim(base + ["--checkpoint-in", path("cut.json")])
    #expect(r.status != 0 && r.stderr.contains("plus_shorted is missing"), "\(r.status): \(r.stderr)")
  }

  /// inspect's refusal to overwrite its inputs covers the per-device
  /// bounds it will write (`boundsL.f32`) with stuck devices alone, no
  /// d2d: `HybridNetwork.hasDeviceBounds` counts stuck_off and stuck_on
  /// (had it asked d2d only, a --checkpoint at OUT/bounds0.f32 would have
  /// been overwritten by the bounds of the network read from it).
  @Test func inspectRefusesToOverwriteItsCheckpointWithStuckDevicesBounds() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m75-bounds", train: 20, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let checkpoint = out.appendingPathComponent("bounds0.f32").path
    let base = ["--data", data.path, "--layers", "64,8,10", "--rule", "hybrid", "--stuck-off", "0.2"]
    let made = try runXbarsim(["train"] + base + ["--evals-per-epoch", "1", "--quiet", "--checkpoint-out", checkpoint])
    #expect(made.status == 0, "\(made.stderr)")
    let before = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
    let r = try runXbarsim(["inspect"] + base + ["--samples", "1", "--checkpoint", checkpoint, "--out", out.path])
    #expect(r.status != 0 && r.stderr.contains("--out would overwrite the --checkpoint file"), "\(r.status): \(r.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == before)
  }
}
