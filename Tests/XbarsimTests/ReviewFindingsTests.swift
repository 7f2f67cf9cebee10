import Foundation
import Testing
import _TestSupport

// Bad input found by a black-box review of every command (2026-11-30):
// each case exited 0 with a wrong or lost result, or named the wrong thing.

/// 8×8 generated images: `train` training images, 50 test images.
private func smallData(train: Int = 120) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-review", train: train, test: 50)
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

// `train --log DATA/train-images-idx3-ubyte` replaced the images with the
// log, exit 0; `reproduce --summary` the labels with JSON.
@Test func anOutputNamingADataFileIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let images = data.appendingPathComponent("train-images-idx3-ubyte")
  let labels = data.appendingPathComponent("train-labels-idx1-ubyte")
  let before = try Data(contentsOf: images)
  let log = try runXbarsim(["train", "--data", data.path, "--log", images.path] + tiny)
  expectOneLineError(log, 64, "--log would overwrite the --data file \(images.path)")
  #expect(try Data(contentsOf: images) == before)
  let summary = try runXbarsim(["train", "--data", data.path, "--summary", labels.path] + tiny)
  expectOneLineError(summary, 64, "--summary would overwrite the --data file \(labels.path)")
  let reproduce = try runXbarsim([
    "reproduce", "lim2018", "--figure", "8", "--data", data.path, "--layers", "64,8,10", "--summary", labels.path,
  ])
  expectOneLineError(reproduce, 64, "--summary would overwrite the --data file \(labels.path)")
  // Still the data set it was.
  let t = try runXbarsim(["train", "--data", data.path] + tiny)
  #expect(t.status == 0, "\(t.stderr)")
}

// As root, /proc passed the permission check: the run trained, then failed
// to write its summary.
@Test func anUnwritableSummaryIsRefusedBeforeTraining() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--summary", "/proc/xbarsim-review.json"] + tiny)
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: /proc/xbarsim-review.json: cannot write the summary"), "\(r.stderr)")
  #expect(r.stdout.isEmpty, "\(r.stdout)")
  // The check leaves nothing behind where it could write.
  let fine = root.appendingPathComponent("s.json")
  let dir = root.appendingPathComponent("out")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let ok = try runXbarsim(["train", "--data", data.path, "--summary", fine.path, "--plot", dir.appendingPathComponent("p.svg").path] + tiny)
  #expect(ok.status == 0, "\(ok.stderr)")
  #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["p.svg"])
}

// A bad --device-csv file was a usage error (exit 64, three lines); in
// --config the same file is a file's error (exit 1).
@Test func aBadDeviceFileIsAFilesError() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let csv = root.appendingPathComponent("nan.csv")
  try "p,1e-6\np,nan\n".write(to: csv, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--device-csv", csv.path] + tiny)
  expectOneLineError(r, 1, "--device-csv: \(csv.path) line 2: conductance 'nan' is not finite")
  let hex = root.appendingPathComponent("hex.csv")
  try "p,0x1p-20\np,0x1p-18\n".write(to: hex, atomically: false, encoding: .utf8)
  let h = try runXbarsim(["train", "--data", data.path, "--device-csv", hex.path] + tiny)
  expectOneLineError(h, 1, "--device-csv: \(hex.path) line 1: conductance '0x1p-20' is not a number in decimal notation")
}

// `--batch 100 --evals-per-epoch 5` on 200 images took 2 points (one per
// batch end) and said nothing.
@Test func evaluationsBeyondTheBatchesAreRefusedAndTheDefaultFitsThem() throws {
  let (root, data) = try smallData(train: 200)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--batch", "100", "--evals-per-epoch", "5", "--quiet"])
  expectOneLineError(
    r, 64, "--evals-per-epoch: 5 evaluations per epoch exceed the 2 mini-batches of 100 in the 200 training images used")
  // The default (100 points) becomes one per batch: 3 for 250 images in
  // batches of 100, and the summary says so.
  let summary = root.appendingPathComponent("s.json")
  let (root2, data2) = try smallData(train: 250)
  defer { try? FileManager.default.removeItem(at: root2) }
  let d = try runXbarsim(["train", "--data", data2.path, "--layers", "64,8,10", "--batch", "100", "--quiet", "--summary", summary.path])
  #expect(d.status == 0, "\(d.stderr)")
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  let c = try #require(json["configuration"] as? [String: Any])
  #expect(c["evals_per_epoch"] as? Int == 3)
  #expect(json["evaluation_points"] as? Int == 3)
}

// `{"beta": 5, "configuration": {"beta": 3}}` ran β 3; `{"configuration": 5}`
// said "configuration: unknown configuration key".
@Test func aConfigurationObjectTakesNoKeysBesideIt() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let mixed = root.appendingPathComponent("mixed.json")
  try #"{"beta": 5, "configuration": {"beta": 3}}"#.write(to: mixed, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", mixed.path] + tiny)
  expectConfigFileError(r, "\(mixed.path): key 'beta' is outside the 'configuration' object")
  try #"{"configuration": 5}"#.write(to: mixed, atomically: false, encoding: .utf8)
  let n = try runXbarsim(["train", "--data", data.path, "--config", mixed.path] + tiny)
  expectConfigFileError(n, "\(mixed.path): key 'configuration' expects an object of configuration keys (a run's summary), got 5")
}

// `--beta 3 --beta-p 2` said --beta "applies to method c only", though
// --beta alone is taken by every method.
@Test func betaBesideBetaPSaysWhy() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--beta", "3", "--beta-p", "2"] + tiny)
  expectOneLineError(r, 64, "--beta: sets β_d to 3 beside --beta-p 2")
}

// `--grid 'layers=784,5,10;784,05,10'` trained one network twice.
@Test func aGridOfOneNetworkSpelledTwiceIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--grid", "layers=64,5,10;64,05,10", "--out", root.appendingPathComponent("s").path,
  ])
  expectOneLineError(r, 64, "--grid layers: a value is repeated in '64,5,10;64,05,10'")
}

// `train --beta 30` trained a device whose states 1…63 were all G_max.
@Test func aBetaTooSteepForNMaxIsRefused() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--beta", "30"] + tiny)
  expectOneLineError(r, 64, "--beta: betaP = 30.0 is too steep for nMax = 64")
  // The last step is e^-β of the first: from β ≈ 20.7 below the 1e-9
  // snap, whatever n_max.
  let fine = try runXbarsim(["train", "--data", data.path, "--beta", "20", "--nmax", "4"] + tiny)
  #expect(fine.status == 0, "\(fine.stderr)")
  let p = try runXbarsim(["pulses", "--device", "lim", "--beta", "21", "--nmax", "4"])
  expectOneLineError(p, 64, "--beta 21: betaP = 21.0 is too steep for nMax = 4")
}

// `--version extra` ignored `extra`; `solve --repeat 99999999999` ran for
// hours.
@Test func versionTakesNoArgumentsAndSolveRepeatsAreBounded() throws {
  let v = try runXbarsim(["--version", "extra"])
  expectOneLineError(v, 64, "--version takes no arguments, got 'extra'")
  #expect(try runXbarsim(["--version"]).status == 0)
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let r = try runXbarsim(["solve", dir.appendingPathComponent("ok.json").path, "--repeat", "99999999999"])
  expectOneLineError(r, 64, "--repeat must be in 1...1000000, got 99999999999")
}
