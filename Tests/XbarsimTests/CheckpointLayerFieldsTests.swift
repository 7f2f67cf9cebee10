import Foundation
import Testing
import _TestSupport

import Trainer
@testable import xbarsim

// Kills (mutation round 3): Checkpoint.read taking a layer's `resets` from
// "repotentiation_pulses" and its `repotentiations` from "resets"; and
// Checkpoint.read taking `plusScales` from "minus_scales".
// Invariant: every per-layer field Checkpoint.read returns is the one stored
// under its own key in the file (counts made distinct so a swap shows; σ > 0
// so the scale arrays are written and differ).
@Test func checkpointReadTakesEachLayerFieldFromItsOwnKey() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-ckpt-fields", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let path = root.appendingPathComponent("net.json")
  let t = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--epochs", "1", "--evals-per-epoch", "1",
    "--sigma", "0.05", "--quiet", "--checkpoint-out", path.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  var text = try String(contentsOf: path, encoding: .utf8)
  text = text.replacingOccurrences(of: #""resets": \d+"#, with: #""resets": 3"#, options: .regularExpression)
  text = text.replacingOccurrences(
    of: #""repotentiation_pulses": \d+"#, with: #""repotentiation_pulses": 5"#, options: .regularExpression)
  try text.write(to: path, atomically: false, encoding: .utf8)
  let file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
  let layers = try #require(file["layers"] as? [[String: Any]])
  let states = try Checkpoint.read(path.path).states
  #expect(states.count == layers.count)
  for (s, l) in zip(states, layers) {
    #expect(s.pulses == l["pulses"] as? Int)
    #expect(s.resets == 3)
    #expect(s.repotentiations == 5)
    let plus = try #require(l["plus_scales"] as? [Double]).map(Float.init)
    let minus = try #require(l["minus_scales"] as? [Double]).map(Float.init)
    #expect(plus != minus)
    #expect(s.plusScales == plus)
    #expect(s.minusScales == minus)
  }
}
