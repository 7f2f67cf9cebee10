import Foundation
import Testing
import _TestSupport

// Mutation testing (session 19, round 2): the summary's numbers must be the run's,
// field by field, as the CSV log of the same run shows them.

@Test func summaryNumbersAgreeWithTheLogOfTheSameRun() throws {
  // 2,000 test images: the evaluations must take measurable time, and the
  // optimised build (session 74) read 100 twenty times in 0.85 ms.
  let (root, data) = try syntheticDataDirectory("xbarsim-summary-log", train: 300, test: 2000)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json"), log = root.appendingPathComponent("log.csv")
  let t = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--evals-per-epoch", "20", "--quiet",
    "--summary", summary.path, "--log", log.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let rows = try numericCSVRows(log)
  #expect(rows.count == 20)
  let last = try #require(rows.last)
  func number(_ key: String) throws -> Double { try #require(json[key] as? Double ?? (json[key] as? Int).map(Double.init)) }
  // Counts: the last point is taken at the run's end (300 images).
  #expect(try number("train_images") == last[0])
  #expect(try number("pulses") == last[4])
  #expect(try number("resets") == last[5])
  #expect(last[4] > 0 && last[4] != last[5], "the data must tell pulses from resets")
  // Training seconds exclude evaluation: the log's (%.4f) and the summary's agree.
  let seconds = try number("seconds_train"), evaluate = try number("seconds_evaluate")
  #expect(evaluate > 1e-3, "evaluation must take measurable time for this check: \(evaluate) s")
  #expect(abs(seconds - last[6]) <= 6e-5, "summary \(seconds) s, log \(last[6]) s")
  // images_per_second is train_images / seconds_train (evaluation excluded).
  let rate = try number("images_per_second")
  #expect(abs(rate - 300 / seconds) <= 1e-9 * rate, "\(rate) images/s, 300 / \(seconds) s")
  #expect(abs(try number("test_accuracy") - last[2]) <= 0.005)
}

/// The summary's device counts are the arrays' (the checkpoint's layers)
/// and its read energy the ledger's (per image × images).
@Test func summaryCountsAreTheCheckpointsAndReadEnergyTheLedgers() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-summary-checkpoint", train: 300, test: 100)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json"), checkpoint = root.appendingPathComponent("c.json")
  // n_max 8: devices reach the top, are reset and re-potentiated.
  let t = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--nmax", "8", "--evals-per-epoch", "2", "--quiet",
    "--summary", summary.path, "--checkpoint-out", checkpoint.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)) as? [String: Any])
  let layers = try #require(saved["layers"] as? [[String: Any]])
  func total(_ key: String) -> Int { layers.map { $0[key] as? Int ?? -1 }.reduce(0, +) }
  let pulses = try #require(json["pulses"] as? Int), repotentiation = try #require(json["repotentiation_pulses"] as? Int)
  #expect(pulses == total("pulses") && json["resets"] as? Int == total("resets"))
  #expect(repotentiation == total("repotentiation_pulses"))
  #expect(repotentiation > 0 && repotentiation < pulses, "\(repotentiation) of \(pulses) pulses")
  let read = try #require(json["read_energy_joules"] as? Double)
  let perImage = try #require((json["energy_breakdown_joules"] as? [String: Double])?["read"])
  #expect(read > 0 && abs(read - perImage * 300) <= 1e-9 * read, "\(read) J, \(perImage) J per image")
}
