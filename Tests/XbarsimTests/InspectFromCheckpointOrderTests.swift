import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// `inspect --checkpoint` records the samples the checkpoint's run would
// have trained next: the rest of the epoch it stopped in, or the next
// epoch's order (a walkthrough, session 40: it had always taken the first
// epoch's order, so a checkpoint after epoch 2 recorded epoch 1's images).

private func samples(_ dir: URL) throws -> [Int] {
  let o = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("inspect.json"))) as? [String: Any])
  return try #require(o["samples"] as? [[String: Any]]).compactMap { $0["image"] as? Int }
}

@Test(arguments: ["lim", "hybrid"])
func inspectFromACheckpointTakesTheSamplesItsRunWouldTrainNext(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-inspect-order-\(rule)", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let keys = ["--rule", rule, "--layers", "64,8,10"]
  let checkpoint = root.appendingPathComponent("net.json")
  let r = try runXbarsim(["train", "--data", data.path, "--epochs", "1", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", checkpoint.path] + keys)
  #expect(r.status == 0, "\(r.stderr)")
  // A mid-epoch checkpoint, as a Ctrl-C 10 images into epoch 1 leaves
  // (shuffles 1; here by an edit).
  let text = try String(contentsOf: checkpoint, encoding: .utf8)
  #expect(text.contains("\"shuffles\": 1,") && text.contains("\"epoch_images\": 0,"))
  let inside = root.appendingPathComponent("inside.json")
  try text.replacingOccurrences(of: "\"epoch_images\": 0,", with: "\"epoch_images\": 10,").write(to: inside, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.evaluationsPerEpoch = 1
  let train = try IDXDataset.load(directory: data, split: .train), test = try IDXDataset.load(directory: data, split: .test)
  func order(_ shuffles: Int, seed: UInt64 = 1) throws -> [Int] {
    var c = cfg
    c.seed = seed
    return try Experiment(configuration: c, train: train, test: test).epochOrder(shuffles: shuffles)
  }
  func inspect(_ name: String, _ file: URL, _ extra: [String]) throws -> (images: [Int], stderr: String) {
    let out = root.appendingPathComponent(name)
    let r = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", file.path, "--samples", "4", "--out", out.path] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    return (try samples(out), r.stderr)
  }
  #expect(try order(2) != order(1))
  // After its epoch: the next epoch's order, from its start.
  #expect(try inspect("next", checkpoint, []).images == Array(order(2)[0..<4]))
  #expect(try inspect("next-3", checkpoint, ["--start", "3"]).images == Array(order(2)[3..<7]))
  // Inside its epoch: the rest of it, in its order.
  let rest = try inspect("rest", inside, ["--start", "2"])
  #expect(try rest.images == Array(order(1)[12..<16]))
  #expect(rest.stderr.contains("the samples begin at sample 12 of the order of epoch 1"), "\(rest.stderr)")
  // Another seed makes another order: a new epoch of it.
  let other = try inspect("seed", inside, ["--seed", "7"])
  #expect(try other.images == Array(order(2, seed: 7)[0..<4]))
  #expect(other.stderr.contains("with seed 7 inspect begins a new epoch"), "\(other.stderr)")
  // Beyond the epoch: refused, naming the checkpoint's place.
  let beyond = try runXbarsim(["inspect", "--data", data.path, "--checkpoint", inside.path, "--samples", "29", "--start", "2", "--out", root.appendingPathComponent("beyond").path])
  #expect(beyond.status != 0 && beyond.stderr.contains("(from the checkpoint's place, 10 images into the epoch)"), "\(beyond.stderr)")
}
