import Foundation
import Testing
import Trainer
import _TestSupport

// A device researcher's walkthrough (session 42, 2026-12-03): a method-c
// checkpoint refused against its own device file, an error that called two
// files one, a sweep's notes printed twice, spelled-out units refused, and
// no word on a G_max far below a synapse's.

/// 8×8 generated images: 120 training images, 50 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-session42", train: 120, test: 50)
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--train-limit", "60", "--test-limit", "20", "--quiet"]

/// A device whose potentiation branch has a point after its maximum (left
/// out, with a note) and a depression branch (method c's).
private func deviceFile(_ root: URL, unit: String = "uS", scale: Double = 1, third: Double = 6) throws -> URL {
  let up = [2.0, 4, third, 7.5, 8.5, 9.2, 9.6, 10, 9.9].map { "p,\($0 * scale)" }
  let down = [10.0, 8, 6.5, 5, 4, 3.2, 2.6, 2.2].map { "d,\($0 * scale)" }
  let url = root.appendingPathComponent("device-\(unit)-\(scale)-\(third).csv")
  try (["branch,conductance (\(unit))"] + up + down).joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
  return url
}

// The checkpoint's device has no count of the points after the maximum (a
// note's, not the device's), and method c compared the whole data: the
// unchanged file was "a device whose points changed since".
@Test func aMethodCCheckpointGoesOnWithItsOwnDeviceFile() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = try deviceFile(root)
  let ckpt = root.appendingPathComponent("c.json")
  let t = try runXbarsim(
    ["train", "--data", data.path, "--device-csv", device.path, "--method", "c", "--checkpoint-out", ckpt.path] + net)
  #expect(t.status == 0, "\(t.stderr)")
  let again = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ckpt.path, "--device-csv", device.path] + net)
  #expect(again.status == 0, "\(again.stderr)")
  let inspect = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", ckpt.path, "--device-csv", device.path, "--samples", "1",
     "--out", root.appendingPathComponent("inspect").path])
  #expect(inspect.status == 0, "\(inspect.stderr)")
  // The file changed since is still refused.
  try FileManager.default.removeItem(at: device)
  try FileManager.default.moveItem(at: try deviceFile(root, third: 5), to: device)
  let other = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ckpt.path, "--device-csv", device.path] + net)
  #expect(other.status == 1 && other.stderr.contains("the checkpoint's measured device differs"), "\(other.stderr)")
}

@Test func pulsesNamesBothFilesGivenForTheOneOption() throws {
  let (root, _) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let a = try deviceFile(root), b = try deviceFile(root, scale: 2)
  let r = try runXbarsim(["pulses", "--csv", a.path, "--device-csv", b.path])
  expectOneLineError(r, 64, "--csv and --device-csv are two names of one option")
  #expect(r.stderr.contains(a.path) && r.stderr.contains(b.path), "\(r.stderr)")
}

// A sweep over methods a and c printed the file's notes once for each.
@Test func aSweepPrintsEachDeviceNoteOnce() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = try deviceFile(root)
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--device-csv", device.path, "--grid", "method=a,c", "--out", root.appendingPathComponent("sweep").path]
      + net)
  #expect(r.status == 0, "\(r.stderr)")
  let notes = r.stderr.split(separator: "\n").filter { $0.hasPrefix("note:") }
  #expect(notes.filter { $0.contains("first reaches its maximum") }.count == 1, "\(r.stderr)")
  #expect(Set(notes).count == notes.count, "\(notes)")
}

@Test(arguments: [("siemens", 1e-6), ("microsiemens", 1.0), ("Microsiemens", 1.0), ("nanosiemens", 1000.0)])
func spelledOutUnitsAreRead(unit: String, scale: Double) throws {
  let (root, _) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["pulses", "--csv", try deviceFile(root, unit: unit, scale: scale).path])
  #expect(r.status == 0, "\(r.stderr)")
  // The first point is 2 µS whichever unit wrote it.
  let lines = r.stdout.split(separator: "\n").map(String.init)
  let g = lines.count > 1 ? Double(lines[1].split(separator: ",").last.map(String.init) ?? "") ?? 0 : 0
  #expect(abs(g - 2e-6) <= 1e-15, "\(r.stdout.prefix(200))")
}

// Siemens values under a µS header: a device of picosiemens, trained
// without a word (the accuracy is the same; every energy 10⁶ too small).
@Test func aGMaxFarBelowASynapsesGetsANote() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let tiny = try deviceFile(root, scale: 1e-6)
  let r = try runXbarsim(["train", "--data", data.path, "--device-csv", tiny.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("far below a synapse's"), "\(r.stderr)")
  let plain = try runXbarsim(["train", "--data", data.path, "--device-csv", try deviceFile(root).path] + net)
  #expect(plain.status == 0 && !plain.stderr.contains("far below"), "\(plain.stderr)")
}

// A circuit designer's walkthrough (session 42): solve took a read time of
// 1e300 s that train refuses; a sweep's refusal spelled a grid of layers
// as one list; an --out that cannot be made said Foundation's words.
@Test func solveTakesTrainsReadTimes() throws {
  let problem = try problemFile("""
    {"rows": 1, "cols": 1, "conductance": [[1e-5]], "v_in": [0.1], "r_row": 0, "r_col": 0}
    """)
  let r = try runXbarsim(["solve", problem.path, "--read-time", "1e300"])
  expectOneLineError(r, 64, "--read-time must be in 1e-12…1 s, got 1e300")
  #expect(try runXbarsim(["solve", problem.path, "--read-time", "1e-6"]).status == 0)
}

@Test func aSweepsRefusalSpellsAGridOfLayersAsGridDoes() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("sweep").path
  let base = ["sweep", "--data", data.path, "--evals-per-epoch", "1", "--train-limit", "20", "--test-limit", "10", "--quiet", "--out", out]
  #expect(try runXbarsim(base + ["--grid", "layers=64,6,10;64,8,10"]).status == 0)
  let r = try runXbarsim(base + ["--grid", "layers=64,6,10;64,9,10"])
  #expect(r.status != 0)
  #expect(r.stderr.contains("layers=64,6,10;64,8,10"), "\(r.stderr)")
}

@Test func anOutThatCannotBeMadeSaysWhyInTheSystemsWords() throws {
  guard FileManager.default.fileExists(atPath: "/proc/self") else { return }
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--data", data.path, "--out", "/proc/xbarsim-no-such-dir"] + net)
  expectOneLineError(r, 1, "/proc/xbarsim-no-such-dir: cannot create directory (No such file or directory)")
}

// `pulses` drew a device file of 3.5 MB that train refuses (1 MiB then,
// 8 MiB since session 55) without a word.
@Test func pulsesSaysWhenTrainWouldRefuseTheFilesSize() throws {
  let (root, _) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let url = root.appendingPathComponent("big.csv")
  try ("branch,conductance (uS)\n# " + String(repeating: "x", count: 8_400_000) + "\np,1\np,2\n")
    .write(to: url, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["pulses", "--csv", url.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("train --device-csv takes at most 8388608 (8 MiB)"), "\(r.stderr)")
}

// A script's `--log - | head -3`: SIGPIPE had killed the run (exit 141)
// without its summary or checkpoint. A closed pipe is now a failed write:
// the run stops as on Ctrl-C, keeping both, and says why.
@Test func aClosedPipeStopsTheRunAndKeepsItsWork() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let exe = try #require(productExecutable("xbarsim"))
  let summary = root.appendingPathComponent("s.json"), ckpt = root.appendingPathComponent("c.json")
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/bin/bash")
  p.arguments = [
    "-c",
    "\"$0\" train --data \"$1\" --layers 64,8,10 --epochs 3 --evals-per-epoch 40 --log - --summary \"$2\" --checkpoint-out \"$3\" 2>/dev/null | head -2 >/dev/null; exit ${PIPESTATUS[0]}",
    exe.path, data.path, summary.path, ckpt.path,
  ]
  try p.run()
  p.waitUntilExit()
  #expect(p.terminationStatus == 1, "exit \(p.terminationStatus)")
  #expect(FileManager.default.fileExists(atPath: summary.path))
  #expect(FileManager.default.fileExists(atPath: ckpt.path))
}

// `reproduce choi2021 --figure 4 --encoding sign` left the single pair's
// and the hybrid's rows named and compared (97.00) as Choi's coincidence
// runs, though they ran Lim's sign rule: they are marked now, as another
// device is. Stochastic and deterministic trains stay compared.
@Test func choisRowsRunByTheSignRuleAreNotChois() throws {
  var sign = TrainingConfiguration()
  sign.encoding = .sign
  let runs = ChoiReproduction.runs(figure: 4, base: sign)
  let hybrid = try #require(runs.first { $0.label.hasPrefix("hybrid, 50 states") })
  #expect(hybrid.label == "hybrid, 50 states [encoding sign]" && hybrid.paper == nil, "\(hybrid.label)")
  #expect(runs.first { $0.label == "hybrid, sign rule (method b)" } != nil)
  var deterministic = TrainingConfiguration()
  deterministic.encoding = .deterministic
  let d = ChoiReproduction.runs(figure: 5, base: deterministic)
  #expect(d.contains { $0.paper == 97.00 && $0.label == "k = 10, 50 states" }, "\(d.map(\.label))")
}

// `--out $'bad\xff\xfename'` wrote to a directory named with U+FFFD in
// place of the two bytes, and exited 0: a script never found its outputs.
@Test func anArgumentThatIsNotUTF8IsRefused() throws {
  let root = try Scratch.directory("xbarsim-session42-utf8")
  defer { try? FileManager.default.removeItem(at: root) }
  let exe = try #require(productExecutable("xbarsim"))
  let err = root.appendingPathComponent("err.txt")
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/bin/bash")
  p.currentDirectoryURL = root
  p.arguments = ["-c", "\"$0\" train --out $'bad\\xff\\xfename' --train-limit 10 2>\"$1\"", exe.path, err.path]
  try p.run()
  p.waitUntilExit()
  #expect(p.terminationStatus == 64)
  let text = try String(contentsOf: err, encoding: .utf8)
  #expect(text.hasPrefix("Error: argument 3 ") && text.contains("is not UTF-8"), "\(text)")
  #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["err.txt"])
}

// A legal output name of 245–255 bytes was refused as "File name too
// long": its temporary `.NAME.PID.tmp` passed 255 bytes.
@Test func aLongLegalOutputNameIsWritten() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent(String(repeating: "c", count: 245) + ".json")
  let r = try runXbarsim(["train", "--data", data.path, "--summary", summary.path] + net)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(FileManager.default.fileExists(atPath: summary.path))
  let journal = root.appendingPathComponent(String(repeating: "j", count: 250))
  let j = try runXbarsim(["reproduce", "lim2018", "--figure", "10", "--seeds", "1", "--data", data.path, "--layers", "64,8,10",
    "--train-limit", "30", "--test-limit", "20", "--journal", journal.path])
  #expect(j.status == 0, "\(j.stderr)")
}

/// A hybrid checkpoint in its fine phase (switched after epoch 1 of 2).
private func fineCheckpoint(_ root: URL, _ data: URL) throws -> URL {
  let ckpt = root.appendingPathComponent("fine.json")
  let t = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--epochs", "2", "--switch-threshold", "99.99", "--checkpoint-out", ckpt.path] + net)
  try #require(t.status == 0, "\(t.stderr)")
  return ckpt
}

// A switch threshold given to a run from a fine checkpoint (which never
// switches again) was taken without a word.
@Test func aFineCheckpointTakesNoOtherSwitchThreshold() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let ckpt = try fineCheckpoint(root, data)
  let r = try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ckpt.path, "--switch-threshold", "10"] + net)
  expectOneLineError(r, 64, "--switch-threshold: the checkpoint of --checkpoint-in has switched to its small arrays")
  #expect(try runXbarsim(["train", "--data", data.path, "--checkpoint-in", ckpt.path, "--switch-threshold", "99.99"] + net).status == 0)
}

// A hybrid that switched after its last epoch ran no fine epoch, and
// nothing said so.
@Test func aSwitchAfterTheLastEpochIsNoted() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--rule", "hybrid", "--switch-threshold", "99.99"] + net
  let last = try runXbarsim(base + ["--epochs", "1"])
  #expect(last.status == 0 && last.stderr.contains("switched to its small arrays after its last epoch (1)"), "\(last.stderr)")
  let fine = try runXbarsim(base + ["--epochs", "2"])
  #expect(fine.status == 0 && !fine.stderr.contains("after its last epoch"), "\(fine.stderr)")
}

// inspect of a fine hybrid checkpoint given --rule single blamed a --phase
// the user had not given.
@Test func inspectNamesTheCheckpointsRuleNotAPhaseNotGiven() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let ckpt = try fineCheckpoint(root, data)
  let r = try runXbarsim(
    ["inspect", "--data", data.path, "--checkpoint", ckpt.path, "--rule", "single", "--samples", "1", "--out", root.appendingPathComponent("i").path])
  // (Since session 63 the option's conflict with the checkpoint, exit 64.)
  expectOneLineError(r, 64, "--rule single with checkpoint \(ckpt.path): the checkpoint has rule hybrid, the requested network single")
}

// A bad device file in a sweep's grid exited 64 with the usage text, where
// train exits 1 for the same file.
@Test func aBadDeviceFileInAGridIsAFilesError() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let bad = root.appendingPathComponent("bad.csv")
  try "p,1e-6\np,2e-6\np,abc\n".write(to: bad, atomically: false, encoding: .utf8)
  let r = try runXbarsim(
    ["sweep", "--data", data.path, "--grid", "device_csv=,\(bad.path)", "--out", root.appendingPathComponent("s").path] + net)
  expectOneLineError(r, 1, "--grid device_csv: \(bad.path) line 3: conductance 'abc' is not a number")
}

// `--config -` said "cannot read file (No such file or directory)".
@Test func aConfigOfDashSaysHowToReadStandardInput() throws {
  let root = try Scratch.directory("xbarsim-session42-dash")
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(["train", "--config", "-", "--out", root.appendingPathComponent("o").path])
  expectOneLineError(r, 1, "-: no such file; for standard input give --config /dev/stdin")
}
