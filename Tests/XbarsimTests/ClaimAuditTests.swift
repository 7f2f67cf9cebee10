import Foundation
import Testing
import _TestSupport

// Found by an audit of the README's claims against the tool (session 19,
// 2026-11-30): each printed a number it had not measured, or ignored a key
// silently.

/// 8×8 generated images: 120 training images, 50 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-audit", train: 120, test: 50)
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

// Rule lim printed cell_updates 0 and update_frequency 0 per epoch: counts
// only the coincidence rules keep. Now empty in epochs.csv and absent from
// the summary's epochs; the hybrid's are still there.
@Test(arguments: ["lim", "float", "hybrid"])
func epochRecordsCountCellUpdatesOnlyWhereTheRuleDoes(_ rule: String) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json"), epochs = root.appendingPathComponent("e.csv")
  let r = try runXbarsim(
    ["train", "--data", data.path, "--rule", rule, "--epochs", "2", "--summary", summary.path, "--epoch-log", epochs.path]
      + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  let json = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let records = try #require(json["epochs"] as? [[String: Any]])
  #expect(records.count == 2)
  let counted = rule == "hybrid"
  for e in records {
    #expect((e["cell_updates"] is Int) == counted, "\(e)")
    #expect((e["update_frequency"] is Double) == counted, "\(e)")
  }
  let rows = try String(contentsOf: epochs, encoding: .utf8).split(separator: "\n").map {
    $0.split(separator: ",", omittingEmptySubsequences: false)
  }
  let header = rows[0].map(String.init)
  let cells = try #require(header.firstIndex(of: "cell_updates"))
  let frequency = try #require(header.firstIndex(of: "update_frequency"))
  for row in rows.dropFirst() {
    #expect(row.count == header.count)
    #expect(row[cells].isEmpty != counted && row[frequency].isEmpty != counted, "\(row)")
  }
}

// --write-voltage 1e300 trained and printed "energy inf J".
@Test func aWriteVoltageBeyondAThousandVoltsIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--write-voltage", "1e300", "--write-threshold", "1e299"] + tiny)
  expectOneLineError(r, 64, "--write-voltage: must be in [1e-06, 1000] V, got 1e+300")
  let ok = try runXbarsim(["train", "--data", data.path, "--rule", "hybrid", "--write-voltage", "1000"] + tiny)
  #expect(ok.status == 0, "\(ok.stderr)")
}

// Off-chip learning trains the ideal twin (no offsets) and only reads the
// programmed array: --comparator-offset changed nothing, exit 0.
@Test func aComparatorOffsetIsRefusedOffChip() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--learning", "off-chip", "--comparator-offset", "0.2"] + tiny)
  expectOneLineError(r, 64, "--comparator-offset: applies to learning on-chip")
  let onChip = try runXbarsim(["train", "--data", data.path, "--comparator-offset", "0.2"] + tiny)
  #expect(onChip.status == 0, "\(onChip.stderr)")
}
