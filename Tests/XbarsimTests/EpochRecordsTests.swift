import Foundation
import Testing
import _TestSupport

// Mutation testing (session 19, round 2): the epoch records (--out's epochs.csv and the
// summary's `epochs`) carry each epoch's own numbers: cumulative images,
// the epoch's pulses, its training accuracy and the test accuracy of its
// last evaluation point (as the log has it).

@Test func epochRecordsAgreeWithTheLogAndTheSummary() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-epochs", train: 200, test: 60)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let t = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,12,10", "--epochs", "3", "--evals-per-epoch", "2", "--quiet",
    "--out", out.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  func csv(_ name: String) throws -> [[Double]] { try numericCSVRows(out.appendingPathComponent(name)) }
  let log = try csv("log.csv"), epochs = try csv("epochs.csv")
  let summary = try #require(
    try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
  let records = try #require(summary["epochs"] as? [[String: Any]])
  #expect(log.count == 6 && epochs.count == 3 && records.count == 3)
  // epoch,images,train_accuracy,test_accuracy,train_loss,mse,pulses,...
  for (e, row) in epochs.enumerated() {
    let end = try #require(log.first { $0[0] == Double(200 * (e + 1)) }, "no log point at the end of epoch \(e + 1)")
    #expect(row[0] == Double(e + 1) && row[1] == Double(200 * (e + 1)), "\(row)")
    #expect(row[3] == end[2], "epoch \(e + 1): test accuracy \(row[3]), the log's \(end[2])")
    #expect(abs(row[2] - (records[e]["train_accuracy"] as? Double ?? .nan)) <= 0.005)
    #expect(abs(end[2] - (records[e]["test_accuracy"] as? Double ?? .nan)) <= 0.005)
    #expect(records[e]["images"] as? Int == 200 * (e + 1))
    #expect(records[e]["pulses"] as? Int == Int(row[6]))
  }
  #expect(epochs.contains { $0[2] != $0[3] }, "train and test accuracies must differ somewhere for this check")
  // Pulses per epoch: they add up to the run's, and each epoch's are its own.
  #expect(epochs.map { Int($0[6]) }.reduce(0, +) == summary["pulses"] as? Int)
  #expect(abs((summary["train_accuracy"] as? Double ?? .nan) - epochs[2][2]) <= 0.005)
}
