import Foundation
import Testing
import _TestSupport

@testable import Circuit
@testable import xbarsim

// A device researcher's walkthrough (session 33, 2026-12-01): measured
// files as instruments and spreadsheets write them, read wrongly or
// refused without a way forward.

/// 8×8 generated images: 120 training images, 50 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-device-researcher", train: 120, test: 50)
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--train-limit", "60", "--test-limit", "20", "--quiet"]

private func summary(_ url: URL) throws -> [String: Any] {
  try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
}

// Points measured past saturation counted as pulses: `states` 14 for a
// device at G_max after 9, so μ (which scales η) was 9/14 of the device's
// mean step and the initial states spread over the wrong range. The points
// after the first maximum are left out, with a note: the run is the run of
// the file without them, pulse for pulse.
@Test func pointsMeasuredPastSaturationAreLeftOut() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let linear = (1...10).map { "p,\($0)e-6" }
  let plain = root.appendingPathComponent("plain.csv"), plateau = root.appendingPathComponent("plateau.csv")
  try linear.joined(separator: "\n").write(to: plain, atomically: false, encoding: .utf8)
  try (linear + Array(repeating: "p,1e-05", count: 5)).joined(separator: "\n").write(to: plateau, atomically: false, encoding: .utf8)
  for rule in [["--rule", "single"], ["--rule", "hybrid", "--epochs", "2"], []] {
    var runs: [[String: Any]] = []
    for file in [plain, plateau] {
      let out = root.appendingPathComponent("\(file.lastPathComponent)-\(rule.first ?? "lim").json")
      let r = try runXbarsim(["train", "--data", data.path, "--device-csv", file.path, "--summary", out.path] + rule + net)
      #expect(r.status == 0, "\(r.stderr)")
      if file == plateau {
        #expect(
          r.stderr.contains("first reaches its maximum at pulse 9, where a device is at G_max, so its 5 later points (measured past saturation) are left out"),
          "\(r.stderr)")
      } else {
        #expect(!r.stderr.contains("left out"), "\(r.stderr)")
      }
      runs.append(try summary(out))
    }
    let key = rule.isEmpty ? "nmax" : "states"
    for s in runs { #expect((s["configuration"] as! [String: Any])[key] as? Int == 9, "\(rule) \(s)") }
    for k in ["pulses", "resets", "test_accuracy"] {
      #expect("\(runs[0][k]!)" == "\(runs[1][k]!)", "\(rule) \(k)")
    }
  }
  // A long file whose maximum comes within 255 pulses trains; one that
  // does not is told which points to keep.
  let long = root.appendingPathComponent("long.csv")
  try ((0..<100).map { "p,\(Double($0 + 1) * 1e-7)" } + Array(repeating: "p,1e-05", count: 300))
    .joined(separator: "\n").write(to: long, atomically: false, encoding: .utf8)
  let ok = try runXbarsim(["train", "--data", data.path, "--device-csv", long.path] + net)
  #expect(ok.status == 0, "\(ok.stderr)")
  let steep = root.appendingPathComponent("steep.csv")
  try (0..<600).map { "p,\(Double($0 + 1) * 1e-8)" }.joined(separator: "\n").write(to: steep, atomically: false, encoding: .utf8)
  let refused = try runXbarsim(["train", "--data", data.path, "--device-csv", steep.path] + net)
  expectOneLineError(refused, 1, "--device-csv: \(steep.path): 599 pulses from its first point to its maximum; a measured device takes at most 255 (256 points): every 3rd point of the data would do")
}

// A FET's depression rows were dropped without a word by every rule but
// method c; a G_max in the siemens range was taken as data in siemens.
@Test func aMeasuredDevicesUnusedRowsAndImplausibleSiemensGetANote() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let fet = root.appendingPathComponent("fet.csv")
  try "p,1e-6\np,4e-6\np,7e-6\np,1e-5\nd,1e-5\nd,6e-6\nd,1e-6\n".write(to: fet, atomically: false, encoding: .utf8)
  let b = try runXbarsim(["train", "--data", data.path, "--device-csv", fet.path] + net)
  #expect(b.status == 0, "\(b.stderr)")
  #expect(b.stderr.contains("its 3 depression points (d rows) are not used: only rule lim's method c depresses a device"), "\(b.stderr)")
  let c = try runXbarsim(["train", "--data", data.path, "--device-csv", fet.path, "--method", "c"] + net)
  #expect(c.status == 0 && !c.stderr.contains("not used"), "\(c.stderr)")
  // 0.02 … 0.996: µS numbers read as siemens.
  let big = root.appendingPathComponent("big.csv")
  try "p,0.02\np,0.5\np,0.996\n".write(to: big, atomically: false, encoding: .utf8)
  let s = try runXbarsim(["train", "--data", data.path, "--device-csv", big.path, "--rule", "single"] + net)
  #expect(s.status == 0, "\(s.stderr)")
  #expect(s.stderr.contains("G_max is 0.996 S (1.004 Ω)"), "\(s.stderr)")
  #expect(s.stderr.contains("Ω), far above a synapse's: if the data are not in the unit read (siemens, or the header's), name or correct their unit in the header"), "\(s.stderr)")
  let p = try runXbarsim(["pulses", "--device", "measured", "--csv", big.path])
  #expect(p.status == 0 && p.stderr.contains("G_max is 0.996 S (1.004 Ω), far above a synapse's"), "\(p.stderr)")
  // Named in the header, the same numbers are µS.
  try "branch,conductance (uS)\np,0.02\np,0.5\np,0.996\n".write(to: big, atomically: false, encoding: .utf8)
  let u = try runXbarsim(["pulses", "--device", "measured", "--csv", big.path])
  #expect(u.status == 0 && u.stderr.isEmpty, "\(u.stderr)")
  #expect(csvRows(u.stdout).dropFirst().prefix(3).map { Double($0[2])! } == [2e-8, 5e-7, 9.96e-7], "\(u.stdout)")
}

// `pulses` printed its notes on the file before it checked the other
// options: "Error:" was not the first line of standard error.
@Test func pulsesNotesComeAfterTheCurveNeverBeforeAnError() throws {
  let (root, _) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let flat = root.appendingPathComponent("flat.csv")
  try "p,1e-6\np,2e-6\np,2e-6\np,3e-6\n".write(to: flat, atomically: false, encoding: .utf8)
  let bad = try runXbarsim(["pulses", "--device", "measured", "--csv", flat.path, "--sequence", "p5,x3"])
  #expect(bad.status == 64 && bad.stderr.hasPrefix("Error: --sequence"), "\(bad.stderr)")
  #expect(!bad.stderr.contains("note:"), "\(bad.stderr)")
  let ok = try runXbarsim(["pulses", "--device", "measured", "--csv", flat.path])
  #expect(ok.status == 0 && ok.stderr.hasPrefix("note: \(flat.path): the potentiation branch is flat at pulse 2"), "\(ok.stderr)")
  // The file alone implies the measured device, as train's --device-csv does.
  let implied = try runXbarsim(["pulses", "--device-csv", flat.path])
  #expect(implied.status == 0 && implied.stdout == ok.stdout, "\(implied.stderr)")
  let lim = try runXbarsim(["pulses", "--device", "lim", "--csv", flat.path])
  expectOneLineError(lim, 64, "--csv does not apply to --device lim")
}

// The CSV reader: a second cycle joined into one branch, units in the
// header unread, CR line endings, quoted fields, and errors without a way
// forward for a falling curve, a pulse-index column or a decimal comma.
@Test func theDeviceCSVReadsWhatInstrumentsAndSpreadsheetsWrite() throws {
  func read(_ text: String) throws -> MeasuredDevice { try MeasuredDevice(csv: text, source: "m.csv") }
  func error(_ text: String) -> String {
    do { _ = try read(text); return "" } catch { return "\(error)" }
  }
  // One cycle, either branch first; a branch that starts again is a second.
  #expect(try read("d,3e-6\nd,1e-6\np,1e-6\np,3e-6\n").potentiation == [1e-6, 3e-6])
  #expect(
    error("p,1e-6\np,2e-6\nd,2e-6\nd,1e-6\np,1e-6\np,2e-6\n").hasPrefix(
      "m.csv line 5: a p row after the d rows that followed the p rows: a second cycle?"))
  #expect(error("d,2e-6\nd,1e-6\np,1e-6\np,2e-6\nd,2e-6\n").hasPrefix("m.csv line 5: a d row after the p rows that followed the d rows"))
  // Units named in the header; none means siemens; a resistance is refused.
  #expect(try read("branch,conductance (uS)\np,1\np,2\n").potentiation == [1e-6, 2e-6])
  #expect(try read("branch,G [nS]\np,1\np,2\n").potentiation == [1e-9, 2e-9])
  #expect(try read("branch,conductance_mS\np,1\np,2\n").potentiation == [1e-3, 2e-3])
  #expect(try read("branch,G/\u{B5}S\np,1\np,2\n").potentiation == [1e-6, 2e-6])
  #expect(try read("branch,conductance\np,1e-6\np,2e-6\n").potentiation == [1e-6, 2e-6])
  #expect(error("branch,resistance (Ohm)\np,1\np,2\n").hasPrefix("m.csv line 1: the header 'resistance (Ohm)' names a resistance"))
  #expect(error("branch,G (V)\np,1\np,2\n").hasPrefix("m.csv line 1: the header's unit 'V' is not a conductance's"))
  // Any case, an unclosed bracket, a hyphen (a walkthrough of these fixes).
  #expect(try read("branch,conductance_us\np,1\np,2\n").potentiation == [1e-6, 2e-6])
  #expect(try read("branch,G_MS\np,1\np,2\n").potentiation == [1e-3, 2e-3])
  #expect(try read("branch,G (uS\np,1\np,2\n").potentiation == [1e-6, 2e-6])
  #expect(try read("branch,G-nS\np,1\np,2\n").potentiation == [1e-9, 2e-9])
  #expect(error("branch,conductance (uS)\np,-1\np,2\n") == "m.csv line 2: conductance -1 uS is negative")
  // CR alone ends a line; quoted fields are read.
  #expect(try read("p,1e-6\rp,2e-6\rp,3e-6\r").potentiation == [1e-6, 2e-6, 3e-6])
  #expect(try read("\"branch\",\"conductance\"\n\"p\",\"1e-6\"\n\"p\",\"2e-6\"\n").potentiation == [1e-6, 2e-6])
  // Errors that say what to do.
  #expect(error("p,3e-6\np,2e-6\np,1e-6\n").contains("its points fall: falling data are a depression branch (d rows)"))
  #expect(error("p,1e-6\np,1e-6\n").hasSuffix("a device that no pulse changes"))
  #expect(try read("pulse,conductance\n0,1e-6\n1,2e-6\n").potentiation == [1e-6, 2e-6])
  #expect(error("0,1e-6\n1,2e-6\n").contains("a pulse-number column is read when a header names it"))
  #expect(error("p,0,2000\np,0,3000\n") == "m.csv line 1: expected 'branch,conductance', got 'p,0,2000' (a decimal comma? write 0.2000)")
  let long = error(String(repeating: "x,", count: 400))
  #expect(long.count < 260 && long.contains("…"), "\(long)")
}

// A second walkthrough of these fixes: a dip read as a falling branch, and
// nS multiplied by 1e-9 (1 nS read as 1.0000000000000002e-9).
@Test func aDippingFirstMaximumAndExactDecimalUnits() throws {
  func error(_ text: String) -> String {
    do { _ = try MeasuredDevice(csv: text, source: "m.csv"); return "" } catch { return "\(error)" }
  }
  #expect(error("p,5e-6\np,1e-6\np,2e-6\np,5e-6\n").hasSuffix("its first point is its maximum, the others dip below it: a device would start at G_max"))
  let d = try MeasuredDevice(csv: "branch,G [nS]\np,1\np,3\np,7\n", source: "m.csv")
  #expect(d.potentiation == [1e-9, 3e-9, 7e-9])
  let p = try MeasuredDevice(csv: "branch,G (pS)\np,1\np,3\n", source: "m.csv")
  #expect(p.potentiation == [1e-12, 3e-12])
}

// Session 48's walkthrough: a 2-point device file (one pulse from G_min to
// G_max) trained to chance, 10.00 %, without a word: every device starts
// at G_min, every hidden sum is 0 and every derivative gate shut, so no
// error reaches the first layer. A run whose hidden layer never opened a
// gate says so; a run that learns does not.
@Test func aHiddenLayerWhoseGatesNeverOpenedIsNoted() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("two.csv")
  try "p,1e-6\np,1e-5\n".write(to: file, atomically: false, encoding: .utf8)
  let log = root.appendingPathComponent("two.csv.log")
  let dead = try runXbarsim(["train", "--data", data.path, "--device-csv", file.path, "--log", log.path] + net)
  #expect(dead.status == 0, "\(dead.stderr)")
  #expect(dead.stderr.contains("note: no neuron of hidden layer 1 had its derivative gate open in training (gate_open_h1 0 at every evaluation point"), "\(dead.stderr)")
  // As the log says.
  let rows = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
  let column = try #require(rows.first?.firstIndex(of: "gate_open_h1"))
  #expect(rows.count > 1 && rows.dropFirst().allSatisfy { Double($0[column]) == 0 }, "\(rows)")
  let live = try runXbarsim(["train", "--data", data.path] + net)
  #expect(live.status == 0 && !live.stderr.contains("derivative gate open"), "\(live.stderr)")
}
