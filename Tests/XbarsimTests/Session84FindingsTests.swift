import Circuit
import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// A walkthrough of session 84 as a researcher of Choi's hybrid synapse: evaluate cut a
// --test-limit beyond the test set to the set without a word (train and sweep refuse it);
// a big device's step under the weights' resolution (gmin_ratio near 1) trained to chance
// with no word on why, where the small device's had its note; the chance note of rule
// single listed small_states, which single has no use for; and sweep's advice for a list
// key split at its commas named an option that does not exist (`--drift_times`), with
// layer sizes as the example.

@Test func evaluateRefusesMoreTestImagesThanTheSetHolds() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s84-testlimit", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = root.appendingPathComponent("ck.json").path
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", ck])
  #expect(t.status == 0, "\(t.stderr)")
  let r = try runXbarsim(["evaluate", "--checkpoint", ck, "--data", data.path, "--test-limit", "21"])
  expectOneLineError(r, 64, "--test-limit: 21 is more than the 20 test images in \(data.path)")
  let ok = try runXbarsim(["evaluate", "--checkpoint", ck, "--data", data.path, "--test-limit", "20"])
  #expect(ok.status == 0 && ok.stdout.contains(" of 20 images"), "\(ok.stderr)")
}

@Test func evaluatesTestLimitHelpNamesTheCheckpointsDefault() {
  let spec = EvaluateCommand.spec.options.first { $0.name == "--test-limit" }
  #expect(spec?.help.contains("default: the checkpoint's run's test_limit") == true, "\(String(describing: spec?.help))")
}

@Test func aBigStepUnderTheWeightsResolutionIsNoted() {
  var single = TrainingConfiguration()
  single.rule = .single
  single.gMinRatio = 0.999999
  let note = TrainCommand.bigStepNote(single)
  #expect(
    note?.hasPrefix("note: with gmin_ratio 0.999999 and 50 states a device's step is 2.04e-08 of G_max, under the weights' single-precision resolution near 1 (2.38e-07): the updates cannot move") == true,
    "\(String(describing: note))")
  var hybrid = single
  hybrid.rule = .hybrid
  #expect(TrainCommand.bigStepNote(hybrid)?.contains("a big device's step is 2.04e-08 of G_max") == true)
  #expect(TrainCommand.bigStepNote(hybrid)?.contains("the dynamic phase's updates cannot move") == true)
  // At the defaults, and on the edge's other side, none; nor for rule lim.
  #expect(TrainCommand.bigStepNote(TrainingConfiguration()) == nil)
  var fine = single
  fine.gMinRatio = 1 - 49 * 0x1p-22 * 1.01
  #expect(TrainCommand.bigStepNote(fine) == nil)
  fine.gMinRatio = 1 - 49 * 0x1p-22 * 0.99
  #expect(TrainCommand.bigStepNote(fine) != nil)
  var lim = single
  lim.rule = .lim
  #expect(TrainCommand.bigStepNote(lim) == nil)
}

@Test func singlesChanceNoteLeavesOutSmallStates() {
  var single = TrainingConfiguration()
  single.rule = .single
  single.states = 2
  let keys = TrainCommand.keysAwayFromDefaults(single).map(\.0)
  #expect(keys.contains("states") && !keys.contains("small_states"), "\(keys)")
  var hybrid = single
  hybrid.rule = .hybrid
  #expect(!TrainCommand.keysAwayFromDefaults(hybrid).map(\.0).contains("small_states"))
  hybrid.smallStates = 400
  #expect(TrainCommand.keysAwayFromDefaults(hybrid).map(\.0).contains("small_states"))
}

@Test(arguments: [
  ("drift_times=1,10", "'drift_times=1,3600;1,86400'), or give one value as --drift-times 1,10"),
  ("layers=784,5,10", "'layers=784,200,10;784,300,10'), or give one value as --layers 784,5,10"),
])
func aListKeysGridAdviceNamesARealOption(_ grid: String, _ end: String) throws {
  let r = try runXbarsim(["sweep", "--grid", grid, "--out", "/nonexistent/xbarsim-s84"])
  #expect(r.status == 64 && r.stderr.split(separator: "\n").first?.hasSuffix(end) == true, "\(r.stderr)")
}

// A stuck map of its header alone ran without a word (said only beside stuck_known true,
// whose note already names it).
@Test(arguments: ["lim", "hybrid"])
func aHeaderOnlyMapIsNoted(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s84-empty-map-\(rule)", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let map = root.appendingPathComponent("map.csv").path
  try "layer,row,column,kind,polarity,state\n".write(toFile: map, atomically: false, encoding: .utf8)
  let base = ["train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  let r = try runXbarsim(base + ["--stuck-map", map])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("note: stuck map \(map) holds no records: no device is stuck, and the run is the one without a map"), "\(r.stderr)")
  if rule == "hybrid" {
    let known = try runXbarsim(base + ["--stuck-map", map, "--stuck-known", "true"])
    #expect(known.status == 0 && !known.stderr.contains("holds no records"), "\(known.stderr)")
  }
}

// A stuck map exported with quoted fields (a spreadsheet's) read its `"5"` as no row; a
// device file's quotes were dropped.
@Test func aStuckMapsQuotedFieldsAreRead() throws {
  let plain = try StuckMap.parse("layer,row,column,kind,polarity,state\n0,5,0,big,plus,open\n0,*,1-2,small,minus,shorted\n", path: "m.csv")
  let quoted = try StuckMap.parse(
    "\"layer\",\"row\",\"column\",\"kind\",\"polarity\",\"state\"\n0,\"5\",0,\"big\",plus,\"open\"\n\" 0 \",\"*\",\"1-2\",small,minus,shorted\n",
    path: "m.csv")
  #expect(quoted.entries == plain.entries)
  // A lone quote is no field of either kind.
  #expect(throws: ConfigurationError.self) {
    try StuckMap.parse("layer,row,column,kind,polarity,state\n0,\"5,0,big,plus,open\n", path: "m.csv")
  }
}
