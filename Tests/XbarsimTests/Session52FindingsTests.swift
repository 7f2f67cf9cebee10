import Foundation
import Peripherals
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Session 52: a reviewer's findings on sessions 50–51 and the transposed
// reads' noise on the command line.

private func summary(_ url: URL) throws -> [String: Any] {
  try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

private func point(_ images: Int, _ open: Double) -> EvaluationPoint {
  EvaluationPoint(images: images, accuracy: 50, loss: 1, pulses: 0, resets: 0, seconds: 0, gateOpen: [open])
}

// The "closed by the end" note looks at the last tenth of the images, not
// at the last point: a `final_iterations` point counts one image's gates,
// and one image with every gate shut had brought the note, the gates open
// on the images around it (`--final-iterations 10`, 784-4-10, 40.6 %).
@Test func gatesClosedAtTheLastPointAloneAreNotClosedByTheEnd() {
  // 2,000 images, a point every 200, then ten final points of one image.
  var points = (1...10).map { point(200 * $0 - 10, 0.6) }
  points += (0..<10).map { point(1_991 + $0, $0 == 9 ? 0 : 0.5) }
  #expect(!TrainCommand.closedOverTheLastTenth(points, 0))
  // Closed over the last tenth (the last two regular points and after).
  let closed = points.map { $0.images > 1_800 ? point($0.images, 0) : $0 }
  #expect(TrainCommand.closedOverTheLastTenth(closed, 0))
  // One open point in that tenth: not closed.
  var reopened = closed
  reopened[12].gateOpen = [0.25]
  #expect(!TrainCommand.closedOverTheLastTenth(reopened, 0))
  #expect(!TrainCommand.closedOverTheLastTenth([], 0))
}

// A sense chain counts the sums clipped at its top apart: with activation
// zero those below −range read below the linear region as they were.
@Test func aSenseChainCountsTheSumsClippedAtItsTop() {
  let chain = SenseChain(adc: ADC(bits: 4, range: 1))
  let currents: [Float] = [2, -3, 0.5, 1.5, -1.25, -0.5, 1]
  var s = [Float](repeating: 0, count: currents.count)
  var above = 5
  let clipped = currents.withUnsafeBufferPointer { i in
    s.withUnsafeMutableBufferPointer { chain.sums(currents: i, scale: 1, into: $0, above: &above) }
  }
  #expect(clipped == 4)
  // Added to what it held: 2 and 1.5 (1 is the range itself, not beyond).
  #expect(above == 5 + 2)
}

// On-chip fine tuning after an off-chip transfer counts its devices' wear
// from 0: the off-chip run programmed them to their states and pulsed
// none (it had been refused, "its run had no endurance true").
@Test func enduranceCountsFromZeroAfterAnOffChipCheckpoint() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s52-offchip-endurance", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("oc.json"), s = root.appendingPathComponent("s.json")
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  var r = try runXbarsim(common + ["--learning", "off-chip", "--checkpoint-out", checkpoint.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--checkpoint-in", checkpoint.path, "--learning", "on-chip", "--endurance", "true", "--summary", s.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("is an off-chip run's: its devices were programmed to their states, not pulsed; their counts start at 0 here"), "\(r.stderr)")
  let result = try summary(s)
  // From 0: the devices' totals are this run's own.
  let endurance = try #require(result["endurance"] as? [String: Any])
  let pulses = try #require(result["pulses"] as? Int)
  #expect(pulses > 0 && endurance["pulses"] as? Int == pulses, "\(endurance)")
  #expect(endurance["resets"] as? Int == result["resets"] as? Int)
  // An on-chip checkpoint without counts is still refused.
  let onChip = root.appendingPathComponent("on.json")
  r = try runXbarsim(common + ["--checkpoint-out", onChip.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--checkpoint-in", onChip.path, "--endurance", "true"])
  #expect(r.status == 64 && r.stderr.contains("holds no per-device counts"), "\(r.stderr)")
}

// The transposed reads' noise on the command line: in the run's label,
// the summary's configuration, and refused by float SGD.
@Test func transposedReadNoiseOnTheCommandLine() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s52-transposed", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let s = root.appendingPathComponent("s.json")
  var r = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,8,10", "--transposed-read-noise", "0.2", "--summary", s.path,
  ])
  #expect(r.status == 0 && r.stdout.contains("transposed read noise 0.2: test accuracy"), "\(r.stdout)\(r.stderr)")
  #expect((try summary(s)["configuration"] as! [String: Any])["transposed_read_noise"] as? Double == 0.2)
  r = try runXbarsim(["train", "--data", data.path, "--rule", "float", "--transposed-read-noise", "0.2"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --transposed-read-noise"), "\(r.stderr)")
}

// A circuit researcher's walkthrough (session 52): a problem file's
// subnormal conductance was solved (and `spice` refused the same file);
// `pulses --gmin 1e-320` ran where --gmax refused it; --nmax named two
// upper limits, 500000 and then 100000.
@Test func subnormalNumbersAndTheNmaxLimitAreOneLineErrors() throws {
  let root = try Scratch.directory("xbarsim-s52-subnormal")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("p.json")
  try #"{"rows": 2, "cols": 2, "r_row": 1, "r_col": 1, "v_in": [1, 0.5], "conductance": [[1e-320, 0], [0, 1e-5]]}"#
    .write(to: file, atomically: false, encoding: .utf8)
  for command in ["solve", "spice"] {
    let r = try runXbarsim([command, file.path])
    #expect(r.status == 1 && r.stderr.contains("'conductance[0][0]' is below the smallest normal double"), "\(command): \(r.stderr)")
  }
  var r = try runXbarsim(["pulses", "--gmin", "1e-320"])
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --gmin 1e-320: '1e-320' is below the smallest normal double"), "\(r.stderr)")
  r = try runXbarsim(["pulses", "--gmin", "1e-400"])
  #expect(r.status == 64 && r.stderr.contains("below the smallest normal double"), "\(r.stderr)")
  // A list's numbers too (`--beta 1e-400,2` had run as β = 0: a review).
  for list in ["1e-400,2", "2,1e-320"] {
    r = try runXbarsim(["pulses", "--beta", list])
    #expect(r.status == 64 && r.stderr.hasPrefix("Error: --beta \(list): '") && r.stderr.contains("is below the smallest normal double"), "\(r.stderr)")
  }
  for n in ["300000", "100000000"] {
    r = try runXbarsim(["pulses", "--nmax", n])
    #expect(r.status == 64 && r.stderr.hasPrefix("Error: --nmax \(n) must be at most 100000 (the device model's range; train takes 1…255)"), "\(r.stderr)")
  }
}

// A walkthrough (session 52): behind word lines of G·r = 1e5 to 1e9 the far
// outputs were wrong by 7 % to 32,000 times (one negative) and said
// converged; `solve` notes the outputs below their column's rounding floor.
@Test func solveNotesOutputsBelowTheRoundingFloor() throws {
  let root = try Scratch.directory("xbarsim-s52-floor")
  defer { try? FileManager.default.removeItem(at: root) }
  func solve(_ rRow: String, _ rCol: String = "1") throws -> (out: [Double], stderr: String) {
    let file = root.appendingPathComponent("p\(rRow).json")
    try #"{"rows": 2, "cols": 3, "conductance": [[1e-4, 1e-4, 1e-4], [1e-4, 1e-4, 1e-4]], "v_in": [1, 0.5], "r_row": \#(rRow), "r_col": \#(rCol)}"#
      .write(to: file, atomically: false, encoding: .utf8)
    // The conjugate gradients alone: `--solver auto` solves these meshes
    // again directly (session 54), and notes nothing.
    let r = try runXbarsim(["solve", file.path, "--solver", "iterative"])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    return (json["i_out"] as! [Double], r.stderr)
  }
  let far = try solve("1e13")
  #expect(far.stderr.contains("note: i_out[1]") && far.stderr.contains("i_out[2]") && far.stderr.contains("are below the rounding floor of their columns"), "\(far.stderr)")
  #expect(!far.stderr.contains("i_out[0]"))
  // Noted exactly where the floor says: 16·ε·(1e-4 S·1 V + 1e-4 S·0.5 V).
  let floor = 16 * Double.ulpOfOne * 1.5e-4
  let middle = try solve("1e11")
  let below = middle.out.indices.filter { abs(middle.out[$0]) < floor }
  #expect(below == [2], "\(middle.out)")
  #expect(middle.stderr.contains("note: i_out[2]") && middle.stderr.contains("is below the rounding floor of its column") && !middle.stderr.contains("i_out[1]"), "\(middle.stderr)")
  // A read of ordinary lines: no note.
  #expect(try solve("1").stderr.isEmpty)
  // Rows at 0 V count nothing: one driven row of 1e-20 S above rows of
  // 1e-4 S at 0 V gives outputs of 1e-21 A, answered accurately (a review).
  let quiet = root.appendingPathComponent("quiet.json")
  try #"{"rows": 3, "cols": 2, "conductance": [[1e-20, 1e-20], [1e-4, 1e-4], [1e-4, 1e-4]], "v_in": [0.2, 0, 0], "r_row": 1, "r_col": 1}"#
    .write(to: quiet, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", quiet.path])
  #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
}

// A checkpoint with counts but of another rule: refused, with no note
// before it that the run goes on counting (a review, session 52).
@Test func aRefusedCheckpointIsNotNotedAsCountedOn() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s52-refused-endurance", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let checkpoint = root.appendingPathComponent("h.json")
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  var r = try runXbarsim(common + ["--rule", "hybrid", "--endurance", "true", "--checkpoint-out", checkpoint.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--rule", "lim", "--checkpoint-in", checkpoint.path])
  // (A usage error since session 63: --rule lim beside the checkpoint.)
  #expect(r.status == 64 && r.stderr.hasPrefix("Error: --rule lim with checkpoint ") && r.stderr.contains("not rule lim's"), "\(r.stderr)")
  // The same checkpoint taken by its own rule: the note comes.
  r = try runXbarsim(common + ["--rule", "hybrid", "--checkpoint-in", checkpoint.path])
  #expect(r.status == 0 && r.stderr.contains("holds per-device counts: this run goes on counting"), "\(r.stderr)")
}

// `sweep merge --out DIR` into another sweep's directory said only "its
// grid, base configuration or data differ"; it names which, as a sweep
// does (a walkthrough, session 52).
@Test func aMergeIntoAnotherSweepNamesTheDifference() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s52-merge", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b"), c = root.appendingPathComponent("c")
  let common = ["sweep", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  var r = try runXbarsim(common + ["--grid", "nmax=8,16", "--out", a.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--grid", "nmax=8,32", "--out", b.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--grid", "nmax=8,16", "--c", "3", "--out", c.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["sweep", "merge", a.path, "--out", b.path])
  #expect(r.status == 1 && r.stderr.contains("holds another sweep (its grid is nmax=8,32, the shards' nmax=8,16)"), "\(r.stderr)")
  r = try runXbarsim(["sweep", "merge", a.path, "--out", c.path])
  #expect(r.status == 1 && r.stderr.contains("holds another sweep (its base configuration differs: c"), "\(r.stderr)")
}

// `reproduce lim2018 --figure 14 --transposed-read-noise 0.2` said in its
// settings line that the key applied to every run, while the off-chip runs
// ran without it, and no label said which did (a walkthrough, session 52;
// a comparator offset alike).
@Test func aKeySomeArrayRunsDoNotReadIsNamedWithTheRunsThatDo() throws {
  let args = try #require(try ArgumentParsing.parse(
    ["lim2018", "--figure", "14", "--transposed-read-noise", "0.2", "--comparator-offset", "0.01"], spec: ReproduceCommand.spec))
  var base = TrainingConfiguration()
  base.transposedReadNoise = 0.2
  base.comparatorOffset = 0.01
  let runs = LimReproduction.runs(figure: 14, base: base)
  let software = ReproduceCommand.softwarePeriphery(base, runs: runs, args: args)
  #expect(software.keys.isEmpty && software.note == nil)
  let partial = ReproduceCommand.partlyReadPeriphery(base, runs: runs, args: args, except: software.keys)
  #expect(partial.keys == ["transposed_read_noise", "comparator_offset"])
  #expect(partial.note == "note: --transposed-read-noise applies to learning on-chip (the transposed reads that back-propagate δ): 3 of the 6 array runs do not read it; --comparator-offset applies to learning on-chip (the comparators that decide the pulses): 3 of the 6 array runs do not read it")
  for run in runs {
    let label = ReproduceCommand.labellingPeriphery(run, keys: partial.keys).label
    let onChip = run.configuration.mode == .onChip
    #expect(label.contains(", transposed read noise 0.2, comparator offset 0.01") == onChip, "\(label)")
  }
  // A key every array run reads: nothing to say.
  var read = TrainingConfiguration()
  read.readNoise = 0.2
  let plain = try #require(try ArgumentParsing.parse(["lim2018", "--figure", "14", "--read-noise", "0.2"], spec: ReproduceCommand.spec))
  let none = ReproduceCommand.partlyReadPeriphery(read, runs: LimReproduction.runs(figure: 14, base: read), args: plain, except: [])
  #expect(none.keys.isEmpty && none.note == nil)
}

// No hidden layer, no transposed read: the key is one the run would ignore.
@Test func aNetworkWithoutAHiddenLayerIgnoresTheTransposedReadsKeys() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 10]
  cfg.transposedReadNoise = 0.1
  cfg.hiddenThreshold = 0.05
  let ignored = cfg.ignoredKeys.map(\.key)
  #expect(ignored.contains("transposed_read_noise") && ignored.contains("hidden_threshold"), "\(ignored)")
  cfg.layers = [64, 8, 10]
  #expect(!cfg.ignoredKeys.contains { $0.key == "transposed_read_noise" || $0.key == "hidden_threshold" })
}

// A key no array run reads is not "partly read" (those are refused
// before: `refuseOverridden`); one every array run reads, neither.
@Test func aKeyNoArrayRunReadsIsNotNamedAsPartlyRead() throws {
  let args = try #require(try ArgumentParsing.parse(
    ["lim2018", "--figure", "14", "--transposed-read-noise", "0.2"], spec: ReproduceCommand.spec))
  var base = TrainingConfiguration()
  base.transposedReadNoise = 0.2
  let offChip = LimReproduction.runs(figure: 14, base: base).filter { $0.configuration.mode == .offChip }
  #expect(offChip.count == 3)
  let none = ReproduceCommand.partlyReadPeriphery(base, runs: offChip, args: args, except: [])
  #expect(none.keys.isEmpty && none.note == nil)
}

// `sweep merge --out B` into a sweep of the same grid trained on other
// images names that, and leaves B as it was.
@Test func aMergeIntoASweepOfOtherDataSaysSo() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s52-merge-data", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let other = root.appendingPathComponent("other")
  try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
  for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
    try FileManager.default.copyItem(at: data.appendingPathComponent(name), to: other.appendingPathComponent(name))
  }
  // One pixel changed: other training data.
  let images = other.appendingPathComponent("train-images-idx3-ubyte")
  var bytes = try Data(contentsOf: images)
  bytes[16] = bytes[16] == 0 ? 200 : 0
  try bytes.write(to: images)
  let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
  let common = ["sweep", "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--grid", "nmax=8,16"]
  var r = try runXbarsim(common + ["--data", data.path, "--out", a.path])
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(common + ["--data", other.path, "--out", b.path])
  #expect(r.status == 0, "\(r.stderr)")
  let before = try Data(contentsOf: b.appendingPathComponent("sweep.csv"))
  r = try runXbarsim(["sweep", "merge", a.path, "--out", b.path])
  #expect(r.status == 1 && r.stderr.contains("holds another sweep (it was trained on other training or test data: "), "\(r.stderr)")
  #expect(try Data(contentsOf: b.appendingPathComponent("sweep.csv")) == before)
}
