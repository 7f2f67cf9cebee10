import Foundation
import Testing
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
  try text.write(to: url, atomically: true, encoding: .utf8)
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
  let root = try temporaryDirectory("xbarsim-s63-dfloor")
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
  let root = try temporaryDirectory("xbarsim-s63-spike")
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
      "note: \(flat): the potentiation branch first reaches its maximum at pulse 4, where a device is at G_max, so train leaves out its 2 later points (measured past saturation): its devices have 4 pulses from G_min to G_max (this curve, which draws the whole file, stays at the maximum over them)"),
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
