import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Session 63, a walkthrough of measured-device files at the command line:
// `pulses`' own output fed back to `train`; notes that `train` and
// `pulses` gave differently (a depression branch ending above G_min; a
// spike's later points named as flat pulses stepped over and as left
// out); and a relative device_csv in a --config file, read from the
// working directory without saying so. (The reader's own changes:
// CircuitTests/Session63DeviceCSVTests.)

private func write(_ text: String, _ name: String, in dir: URL) throws -> String {
  let url = dir.appendingPathComponent(name)
  try text.write(to: url, atomically: false, encoding: .utf8)
  return url.path
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

@Test func pulsesOwnOutputReadsBackWithoutALeftOutCycle() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s63-roundtrip", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let up = (0...40).map { "p,\(5 + 0.1 * Double($0))" }.joined(separator: "\n")
  let device = try write("branch,conductance (uS)\n" + up + "\n", "dev.csv", in: root)
  let p = try runXbarsim(["pulses", "--device", "measured", "--csv", device])
  #expect(p.status == 0, "\(p.stderr)")
  #expect(p.stdout.hasSuffix("41,r,5e-06\n"), "\(p.stdout.suffix(80))")
  let out = try write(p.stdout, "out.csv", in: root)
  let t = try runXbarsim(["train", "--data", data.path, "--device-csv", out] + tiny)
  #expect(t.status == 0, "\(t.stderr)")
  #expect(!t.stderr.contains("left out") && !t.stderr.contains("cycle"), "\(t.stderr)")
  #expect(t.stdout.contains(" nmax 40 "), "\(t.stdout)")
  let again = try runXbarsim(["pulses", "--device", "measured", "--csv", out])
  #expect(again.status == 0 && again.stderr.isEmpty, "\(again.stderr)")
}

@Test func pulsesNotesADepressionBranchEndingAboveGMinAsTrainDoes() throws {
  let root = try Scratch.directory("xbarsim-s63-dfloor")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = try write("branch,conductance (uS)\np,5\np,10\np,15\np,20\nd,20\nd,15\nd,12\n", "d.csv", in: root)
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", file])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(
    r.stderr.contains(
      "note: \(file): the depression branch ends at 1.2e-05 S, above G_min (5e-06 S, the first p point): method c (and this curve) depresses a device no lower, as a pulse past the data's end would be a guess"),
    "\(r.stderr)")
  // Down to G_min: no note.
  let low = try write("branch,conductance (uS)\np,5\np,10\nd,10\nd,5\n", "low.csv", in: root)
  let l = try runXbarsim(["pulses", "--device", "measured", "--csv", low])
  #expect(l.status == 0 && !l.stderr.contains("depression branch ends"), "\(l.stderr)")
}

@Test func aSpikesLaterPointsAreNamedOnceAsLeftOut() throws {
  let root = try Scratch.directory("xbarsim-s63-spike")
  defer { try? FileManager.default.removeItem(at: root) }
  let spike = try write("branch,conductance (uS)\np,5\np,8\np,30\np,12\np,15\np,18\np,20\n", "spike.csv", in: root)
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", spike])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(!r.stderr.contains("is flat at"), "\(r.stderr)")
  let notes = r.stderr.split(separator: "\n")
  #expect(notes.count == 1, "\(r.stderr)")
  #expect(
    r.stderr.contains(
      "The device ends at that point (2 pulses from G_min to G_max) and those points are left out: if it is an outlier, remove or correct it (this curve, which draws the whole file, stays at the maximum over them)"),
    "\(r.stderr)")
  // Flat pulses before the maximum are still named; a saturated tail
  // once, as train names it.
  let flat = try write("branch,conductance (uS)\np,1\np,3\np,2\np,4\np,5\np,5\np,4.99\n", "flat.csv", in: root)
  let f = try runXbarsim(["pulses", "--device", "measured", "--csv", flat])
  #expect(f.status == 0, "\(f.stderr)")
  #expect(
    f.stderr.contains("the potentiation branch is flat at pulse 2 (its running maximum); this curve steps over them") && f.stderr.contains("(G_max at pulse 4)\n"),
    "\(f.stderr)")
  #expect(
    f.stderr.contains(
      "note: \(flat): the potentiation branch first reaches its maximum at pulse 4, where a device is at G_max, so its 2 later points (measured past saturation) are left out: the device has 4 pulses from G_min to G_max (this curve, which draws the whole file, stays at the maximum over them)"),
    "\(f.stderr)")
}

@Test func aRelativeDeviceFileInAConfigFileSaysWhereItWasLookedFor() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s63-config", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let dir = root.appendingPathComponent("cfgdir")
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  _ = try write("p,1e-6\np,2e-6\np,3e-6\n", "mydev.csv", in: dir)
  let config = try write("{\"device_csv\": \"mydev.csv\"}", "c.json", in: dir)
  let r = try runXbarsim(["train", "--data", data.path, "--config", config] + tiny)
  #expect(r.status != 0)
  let cwd = FileManager.default.currentDirectoryPath
  #expect(
    r.stderr == "Error: \(config): device_csv: mydev.csv: no such file (relative paths are read from the working directory, \(cwd)); \(dir.path)/mydev.csv exists: give that path\n",
    "\(r.stderr)")
  // No such file beside it either: the working directory alone.
  let other = try write("{\"device_csv\": \"none.csv\"}", "d.json", in: dir)
  let o = try runXbarsim(["train", "--data", data.path, "--config", other] + tiny)
  #expect(
    o.stderr == "Error: \(other): device_csv: none.csv: no such file (relative paths are read from the working directory, \(cwd))\n",
    "\(o.stderr)")
  #expect(TrainCommand.relativeFileHint("device_csv", "/abs/x.csv: no such file", configFile: config).isEmpty)
  #expect(TrainCommand.relativeFileHint("device_csv", "x.csv: not a regular file", configFile: config).isEmpty)
}

// A walkthrough (session 63) of checkpoints beside options:
// - a measured device's lim checkpoint given --rule hybrid was told of
//   states and keys never given (the device file's states against
//   hybrid's, then small_states, then sigma), where a model device's was
//   told the checkpoint holds another rule's states;
// - an option that conflicts with a key the checkpoint's states depend on
//   (`--sigma`) was the file's error (exit 1, no option named), where
//   session 62 had made the options' other conflicts usage errors;
// - the same device given by another file (its points in siemens, the
//   checkpoint's in µS) was refused by its path.
@Test func aCheckpointsConflictsWithTheOptionsBesideItAreTheirs() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s63-checkpoint", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let points: [Double] = (0...20).map { (n: Int) -> Double in
    let x = Double(n)
    return 5 + 2 * x - 0.04 * x * x
  }
  let micro = try write("branch,conductance (uS)\n" + points.map { "p,\($0)" }.joined(separator: "\n") + "\n", "dev-uS.csv", in: root)
  let siemens = try write(points.map { "p,\($0)e-6" }.joined(separator: "\n") + "\n", "dev-S.csv", in: root)
  let other = try write(points.map { "p,\($0 * 1.01)e-6" }.joined(separator: "\n") + "\n", "other.csv", in: root)
  let checkpoint = root.appendingPathComponent("ck.json").path
  let first = try runXbarsim(
    ["train", "--data", data.path, "--device-csv", micro, "--sigma", "0.3", "--checkpoint-out", checkpoint] + tiny)
  #expect(first.status == 0, "\(first.stderr)")
  func from(_ extra: [String], inspect: Bool = false) throws -> ProcessResult {
    inspect
      ? try runXbarsim(
        ["inspect", "--data", data.path, "--checkpoint", checkpoint, "--samples", "1", "--out", root.appendingPathComponent("i").path] + extra)
      : try runXbarsim(["train", "--data", data.path, "--checkpoint-in", checkpoint] + tiny + extra)
  }
  func firstLine(_ r: ProcessResult) -> String {
    let lines: [Substring] = r.stderr.split(separator: "\n")
    return lines.first.map { String($0) } ?? ""
  }
  for inspect in [false, true] {
    for rule in ["hybrid", "single"] {
      let r = try from(["--rule", rule], inspect: inspect)
      #expect(r.status == 64, "\(r.stderr)")
      #expect(
        firstLine(r) == "Error: --rule \(rule) with checkpoint \(checkpoint): the checkpoint holds rule lim's device states, not rule \(rule)'s",
        "\(r.stderr)")
    }
    let sigma = try from(["--sigma", "0.5"], inspect: inspect)
    #expect(sigma.status == 64, "\(sigma.stderr)")
    #expect(
      firstLine(sigma) == "Error: --sigma 0.5 with checkpoint \(checkpoint): the checkpoint has sigma 0.3, the requested network 0.5",
      "\(sigma.stderr)")
    // The same points in siemens: the checkpoint's device.
    let same = try from(["--device-csv", siemens], inspect: inspect)
    #expect(same.status == 0, "\(same.stderr)")
    // Other points: refused, naming both files.
    let differ = try from(["--device-csv", other], inspect: inspect)
    #expect(differ.status == 1, "\(differ.stderr)")
    #expect(firstLine(differ).contains("dev-uS.csv") && firstLine(differ).contains("other.csv"), "\(differ.stderr)")
  }
  // A --config file that sets the key is named.
  let config = try write(#"{"sigma": 0.2}"#, "c.json", in: root)
  let r = try from(["--config", config])
  #expect(r.status == 64, "\(r.stderr)")
  #expect(firstLine(r).hasPrefix("Error: --config \(config) with checkpoint \(checkpoint): the checkpoint has sigma 0.3"), "\(r.stderr)")
}

// inspect with resistive lines wrote 1.42 GB (100 samples of 784-200-10)
// in 4.4 minutes without a word (a walkthrough, session 63): a note past
// 200 MB, from its measured 29.2 MB for two samples.
@Test func inspectSaysHowMuchItsNodeVoltagesWillWrite() {
  var cfg = TrainingConfiguration()
  #expect(InspectCommand.nodeVoltagesNote(cfg, samples: 100) == nil)
  cfg.wires = .resistive
  cfg.rowSegmentResistance = 1
  cfg.columnSegmentResistance = 1
  #expect(InspectCommand.nodeVoltagesNote(cfg, samples: 2) == nil)
  let note = InspectCommand.nodeVoltagesNote(cfg, samples: 100) ?? ""
  #expect(note.contains("about 15 MB a sample here, 1.5 GB for 100 samples"), "\(note)")
}

// A circuit designer's walkthrough (session 63).
// `--program-voltage 2` beside write_lines resistive was told
// "--write-threshold: … got 0.75", an option never given.
@Test func aDefaultKeyMovedOutOfRangeIsTheMovingOptionsError() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s63-threshold", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--wires", "resistive", "--r-row", "1", "--r-col", "1", "--write-lines", "resistive",
     "--program-voltage", "2"] + tiny)
  #expect(r.status == 64, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: --program-voltage 2: write_threshold (not given) with write_lines resistive must be above program_voltage/2"), "\(r.stderr)")
  // Given, the threshold is named itself.
  let given = try runXbarsim(
    ["train", "--data", data.path, "--wires", "resistive", "--r-row", "1", "--r-col", "1", "--write-lines", "resistive",
     "--program-voltage", "2", "--write-threshold", "0.9"] + tiny)
  #expect(given.status == 64 && given.stderr.hasPrefix("Error: --write-threshold: "), "\(given.stderr)")
}

// `bench write` said "the model below by -5.14e-03 to 5.20e-03 of V" where
// the model was above the whole mesh in some cells.
@Test func benchWriteSaysWhereTheModelIsAboveTheWholeMesh() {
  #expect(BenchCommand.shareLine("s", model: [0.5, 0.6], exact: [0.51, 0.62]).hasSuffix("the model below it by 1.00e-02 to 2.00e-02 of V"))
  #expect(BenchCommand.shareLine("s", model: [0.52, 0.6], exact: [0.51, 0.59]).hasSuffix("the model above it by 1.00e-02 to 1.00e-02 of V"))
  #expect(
    BenchCommand.shareLine("s", model: [0.52, 0.6, 0.7], exact: [0.51, 0.62, 0.7]).hasSuffix(
      "the model from 1.00e-02 of V above it to 2.00e-02 below (1 of 3 cells above)"))
}
