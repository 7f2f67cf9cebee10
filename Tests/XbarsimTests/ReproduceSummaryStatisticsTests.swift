import Foundation
import Testing
import _TestSupport

// Mutation testing (session 19, round 2): a reproduction's numbers are those of its
// seeds' runs: seeds 1…K, mean of accuracy_mean_last, min of
// accuracy_min_last, max of accuracy_max_last, and Δ = measured − paper.

@Test func aReproductionRowIsTheStatisticsOfTrainRunsWithSeedsOneToK() throws {
  // (60 images, not --train-limit 60, which makes the runs not the
  // paper's since session 44.)
  let (root, data) = try syntheticDataDirectory("xbarsim-reproduce-stats", train: 60, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  // (The paper's network past its input layer, 200 hidden and 10 output
  // neurons: another is not the paper's run since session 63.)
  let common = ["--data", data.path, "--layers", "64,200,10", "--evals-per-epoch", "20", "--quiet"]
  func object(_ url: URL) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: url)) }
  // Figure 8's run "β = 1", method b, as `train` runs it with seeds 1 and 2.
  var runs: [[String: Any]] = []
  var fluctuations: [Double] = []
  for seed in [1, 2] {
    let s = root.appendingPathComponent("train\(seed).json"), log = root.appendingPathComponent("log\(seed).csv")
    let t = try runXbarsim(
      ["train"] + common + [
        "--method", "b", "--beta", "1", "--nmax", "64", "--batch", "1", "--seed", "\(seed)", "--summary", s.path,
        "--log", log.path,
      ])
    #expect(t.status == 0, "\(t.stderr)")
    runs.append(try #require(try object(s) as? [String: Any]))
    // The run's fluctuation: over the second half of its logged points,
    // the mean change of the test accuracy from one point to the next.
    let accuracy = try numericCSVRows(log).map { $0[2] }
    let half = Array(accuracy[(accuracy.count / 2)...])
    let changes = zip(half, half.dropFirst()).map { abs($1 - $0) }
    fluctuations.append(changes.reduce(0, +) / Double(changes.count))
  }
  func values(_ key: String) -> [Double] { runs.map { $0[key] as? Double ?? .nan } }
  // (The check needs seeds that differ, and a tail whose min is below its mean.)
  #expect(values("accuracy_mean_last")[0] != values("accuracy_mean_last")[1])
  #expect(zip(values("accuracy_min_last"), values("accuracy_mean_last")).contains { $0 < $1 })
  let summary = root.appendingPathComponent("figure8.json")
  let r = try runXbarsim(
    ["reproduce", "lim2018", "--figure", "8", "--seeds", "2", "--jobs", "1", "--summary", summary.path]
      + common.dropLast())
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains(", seed 1: ") && r.stderr.contains(", seed 2: ") && !r.stderr.contains(", seed 0: "), "\(r.stderr)")
  let rows = try #require(try object(summary) as? [[String: Any]])
  let row = try #require(rows.first { $0["label"] as? String == "β = 1" && $0["method"] as? String == "b" })
  let perSeed = try #require(row["per_seed"] as? [Double])
  #expect(perSeed == values("accuracy_mean_last"), "\(perSeed)")
  let mean = try #require(row["mean"] as? Double)
  #expect(abs(mean - perSeed.reduce(0, +) / 2) <= 1e-9)
  #expect(row["min"] as? Double == values("accuracy_min_last").min())
  #expect(row["max"] as? Double == values("accuracy_max_last").max())
  #expect(row["paper"] as? Double == 95.59)
  #expect((row["mean_conductance"] as? Double ?? 0) > 0)
  #expect(rows.allSatisfy { $0["solver_iterations_per_read"] is NSNull })
  // Software BP (Figure 7's row) has no devices: null, as in its summary
  // (0 until session 33).
  let seven = root.appendingPathComponent("figure7.json")
  let f7 = try runXbarsim(["reproduce", "lim2018", "--figure", "7", "--seeds", "1", "--summary", seven.path] + common.dropLast())
  #expect(f7.status == 0, "\(f7.stderr)")
  let software = try #require(try (object(seven) as? [[String: Any]])?.first { $0["method"] as? String == "float" })
  #expect(software.keys.contains("mean_conductance") && software["mean_conductance"] is NSNull, "\(software)")
  // (The check needs a fluctuation that is not 0.)
  #expect(fluctuations.allSatisfy { $0 > 0 })
  #expect(abs((row["fluctuation"] as? Double ?? -1) - fluctuations.reduce(0, +) / 2) <= 1e-9, "\(row["fluctuation"] ?? "none")")
  // The table's Δ for that run: measured − paper.
  let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("β = 1 ") && $0.split(separator: " ")[3] == "b" })
  #expect(line.hasSuffix(String(format: "%+6.2f", mean - 95.59)), "\(line)")
}
