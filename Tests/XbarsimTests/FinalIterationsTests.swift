import Foundation
import Testing
import _TestSupport

// `final_iterations`: the average accuracy over evaluations after each of
// a run's last updates, as Lim et al. take theirs over the last 100
// iterations (session 29).

private func smallData(train: Int) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-final", train: train, test: 50)
}

@Test func finalIterationsBeyondTheRunsUpdatesAreRefusedByName() throws {
  let (root, data) = try smallData(train: 200)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--batch", "100", "--final-iterations", "5", "--quiet",
  ])
  expectOneLineError(
    r, 64,
    "--final-iterations: 5 exceed the run's 2 updates (1 epoch(s) of 2 mini-batches of 100 in the 200 training images used)")
  // choi2021's tables are final accuracies: the key would be ignored.
  let c = try runXbarsim(["reproduce", "choi2021", "--figure", "4", "--data", data.path, "--final-iterations", "10"])
  expectOneLineError(c, 64, "--final-iterations: choi2021's tables are each run's final test accuracy")
}

@Test func finalIterationsAreEvaluatedLoggedAndNamedInTheSummary() throws {
  let (root, data) = try smallData(train: 200)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json"), log = root.appendingPathComponent("log.csv")
  let r = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--final-iterations", "3", "--quiet",
    "--summary", summary.path, "--log", log.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("(last 3 updates: mean "), "\(r.stdout)")
  // 100 points (every 2 images) and one more after image 199.
  let rows = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").dropFirst()
  let images = rows.map { Int($0.split(separator: ",")[0])! }
  #expect(images.count == 101 && images.suffix(3) == [198, 199, 200])
  let accuracies = rows.suffix(3).map { Double($0.split(separator: ",")[2])! }
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let mean = try #require(json["accuracy_mean_last"] as? Double)
  #expect(abs(mean - accuracies.reduce(0, +) / 3) < 1e-9)
  #expect((json["accuracy_min_last"] as? Double) == accuracies.min())
  #expect((json["evaluation_points"] as? Int) == 101)
  let configuration = try #require(json["configuration"] as? [String: Any])
  #expect((configuration["final_iterations"] as? Int) == 3)
}
