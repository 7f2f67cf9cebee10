import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// A FET researcher's walkthrough (session 49): one outlier in a measured
// potentiation branch cut a 40-pulse device to 10 pulses under a note that
// called the 30 points after it "measured past saturation"; `pulses` drew
// siemens values under a µS header as a 5e-12 S device without a word;
// the far-below note printed its resistance to 16 digits.

/// The potentiation branch 1 µS + 0.1 µS per pulse for 40 pulses, with
/// point `spike` (if any) at `height` µS; written to a fresh temporary
/// file for `body`.
private func withBranch<T>(spike: Int?, height: Double = 9, unit: String = "uS", _ body: (String) throws -> T) throws -> T {
  let dir = try Scratch.directory("xbarsim-session49")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("fet.csv")
  let points = (0...40).map { n in n == spike ? height : 1 + 0.1 * Double(n) }
  try (["branch,conductance (\(unit))"] + points.map { "p,\($0)" }).joined(separator: "\n")
    .write(to: file, atomically: false, encoding: .utf8)
  return try body(file.path)
}

private func trainNotes(_ path: String) throws -> [String] {
  var cfg = TrainingConfiguration()
  try cfg.set("device_csv", path)
  return TrainCommand.deviceNotes(cfg, name: "fet.csv")
}

@Test func anIsolatedMaximumIsNamedAsOneNotAsSaturation() throws {
  // Pulse 10 at 9 µS, the 30 later points at most 5 µS: 50 % of the
  // range (1 to 9 µS) below it.
  let notes = try withBranch(spike: 10) { try trainNotes($0) }
  let note = try #require(notes.first { $0.contains("stands alone") }, "\(notes)")
  #expect(note.contains("9e-06 S at pulse 10"), "\(note)")
  #expect(note.contains("the 30 points after it reach at most 5e-06 S, 50 % of the branch's range below it"), "\(note)")
  #expect(note.contains("(10 pulses from G_min to G_max)"), "\(note)")
  #expect(!notes.contains { $0.contains("measured past saturation") }, "\(notes)")

  // A last point 4 % of the range below the maximum is saturation noise
  // (`isolatedMaximumDrop` 5 %): the old note, not this one.
  let saturated = try withBranch(spike: 39, height: (5 - 0.04) / 0.96) { try trainNotes($0) }
  #expect(!saturated.contains { $0.contains("stands alone") }, "\(saturated)")
  #expect(saturated.contains { $0.contains("its 1 later point (measured past saturation) is left out") }, "\(saturated)")
  // 6 % below: an isolated maximum (mutant: the drop from 10 %).
  // (h − 5)/(h − 1) is the drop of a maximum h over the last point, 5 µS.
  let dropped = try withBranch(spike: 39, height: (5 - 0.06) / 0.94) { try trainNotes($0) }
  #expect(dropped.contains { $0.contains("stands alone: the 1 point after it is 5e-06 S, 6 % of the branch's range") }, "\(dropped)")
  // A rising branch has no such note.
  #expect(try withBranch(spike: nil) { try trainNotes($0) }.isEmpty)
}

@Test func pulsesNamesAnIsolatedMaximumAndAGMaxFarBelowASynapses() throws {
  let r = try withBranch(spike: 10) { try runXbarsim(["pulses", "--device", "measured", "--csv", $0]) }
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("stands alone: the 30 points after it reach at most 5e-06 S, 50 %"), "\(r.stderr)")
  // Siemens under a µS header: picosiemens.
  let tiny = try withBranch(spike: nil, unit: "pS") { try runXbarsim(["pulses", "--device", "measured", "--csv", $0]) }
  #expect(tiny.status == 0, "\(tiny.stderr)")
  #expect(tiny.stderr.contains("far below a synapse's"), "\(tiny.stderr)")
  let fine = try withBranch(spike: nil) { try runXbarsim(["pulses", "--device", "measured", "--csv", $0]) }
  #expect(!fine.stderr.contains("far below"), "\(fine.stderr)")
}

@Test func theFarBelowNoteGivesTheResistanceToFourDigits() throws {
  let notes = try withBranch(spike: nil, unit: "pS") { try trainNotes($0) }
  let note = try #require(notes.first { $0.contains("far below a synapse's") }, "\(notes)")
  // G_max 5 pS: 2e11 Ω, not 199999999999.99997.
  #expect(note.contains("(2e+11 Ω)"), "\(note)")
}

// `--device-cvs` got "unknown option" alone: the nearest spelling within
// two edits is named, none when two are as near or none is.
@Test func anUnknownOptionNamesTheNearestSpelling() throws {
  let names = ["--device-csv", "--devices", "--out", "--seed", "--seeds"]
  #expect(ArgumentParsing.nearest("--device-cvs", among: names) == "--device-csv")  // a swap
  #expect(ArgumentParsing.nearest("--devicecsv", among: names) == "--device-csv")  // a deletion
  #expect(ArgumentParsing.nearest("--ot", among: names) == "--out")
  #expect(ArgumentParsing.nearest("--seedz", among: names) == nil)  // --seed and --seeds, one edit each
  #expect(ArgumentParsing.nearest("--frobnicate", among: names) == nil)
  let r = try runXbarsim(["train", "--device-cvs", "x.csv"])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: unknown option '--device-cvs' (did you mean '--device-csv'?)"), "\(r.stderr)")
}

// `pulses --svg` drew a µS device on an axis of siemens ("5e-06" ticks):
// the axis takes the largest conductance's SI prefix; the CSV stays in S.
@Test func thePulsesPlotsAxisIsInTheLargestConductancesUnit() throws {
  #expect(PulsesCommand.conductanceUnit(5e-6) == ("µS", 1e-6))
  #expect(PulsesCommand.conductanceUnit(1e-3) == ("mS", 1e-3))
  #expect(PulsesCommand.conductanceUnit(0.5) == ("mS", 1e-3))
  #expect(PulsesCommand.conductanceUnit(2) == ("S", 1))
  #expect(PulsesCommand.conductanceUnit(3e-12) == ("pS", 1e-12))
  #expect(PulsesCommand.conductanceUnit(0) == ("S", 1))
  let dir = try Scratch.directory("xbarsim-session49-svg")
  defer { try? FileManager.default.removeItem(at: dir) }
  let svg = dir.appendingPathComponent("p.svg")
  let r = try runXbarsim(["pulses", "--device", "lim", "--beta", "2", "--nmax", "8", "--svg", svg.path])
  #expect(r.status == 0, "\(r.stderr)")
  let text = try String(contentsOf: svg, encoding: .utf8)
  #expect(text.contains("Conductance (µS)") && !text.contains("e-06<"), "\(text.prefix(400))")
  // The CSV: the last potentiation point is G_max, 1e-5 S.
  #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix("8,p,") && Double($0.split(separator: ",")[2])! == 1e-5 }, "\(r.stdout)")
}

// One slot for everything made every 10 µs pulse of a device with a 1 ms
// erase cost 1 ms (a FET researcher's walkthrough): `reset_slot_time`
// gives each reset its own slot length, in the booked latency (rule lim,
// the hybrid) and in inspect's time base; slot_time then covers the reads
// and programming pulses only.
@Test(arguments: [["--rule", "lim", "--nmax", "2"], ["--rule", "hybrid", "--states", "3"]])
func aResetSlotTimeBooksEachResetAtItsOwnLength(_ rule: [String]) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-reset-slot", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"] + rule
  func summary(_ extra: [String], _ name: String) throws -> [String: Any] {
    let file = root.appendingPathComponent(name)
    let r = try runXbarsim(base + extra + ["--summary", file.path])
    #expect(r.status == 0, "\(r.stderr)")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
  }
  let plain = try summary(["--reset-time", "1e-5", "--slot-time", "1e-5"], "plain.json")
  let own = try summary(["--reset-time", "1e-5", "--slot-time", "1e-5", "--reset-slot-time", "1e-3"], "own.json")
  let resets = try #require(plain["resets"] as? Double), images = try #require(plain["train_images"] as? Double)
  #expect(resets > 0, "\(rule): the case should reset devices")
  #expect(own["resets"] as? Double == resets && own["test_accuracy"] as? Double == plain["test_accuracy"] as? Double)
  func update(_ s: [String: Any]) -> Double { ((s["latency_breakdown_seconds"] as? [String: Any])?["update"] as? Double) ?? -1 }
  let expected = update(plain) + resets / images * (1e-3 - 1e-5)
  #expect(abs(update(own) - expected) <= 1e-12 * expected, "\(rule): \(update(own)) against \(expected)")
  #expect((own["configuration"] as? [String: Any])?["reset_slot_time"] as? Double == 1e-3)
  #expect((plain["configuration"] as? [String: Any])?["reset_slot_time"] == nil, "written only when set")
}

@Test func inspectsTimeBaseGivesAResetItsOwnSlot() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-reset-slot-inspect", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("ins")
  let r = try runXbarsim([
    "inspect", "--data", data.path, "--layers", "64,8,10", "--nmax", "2", "--samples", "12", "--train-limit", "60",
    "--reset-time", "1e-5", "--reset-slot-time", "3e-5", "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = try String(contentsOf: out.appendingPathComponent("pulses.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
  var start: [Int: (time: Double, reset: Bool)] = [:]
  for line in lines {
    let c = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    start[Int(c[8])!] = (Double(c[9])!, c[5] == "reset")
  }
  var resets = 0, checked = 0
  for (slot, s) in start {
    guard let next = start[slot + 1] else { continue }
    checked += 1
    if s.reset { resets += 1 }
    // A reset's slot 30 µs, a pulse's 2 µs (slot_time's default).
    #expect(abs(next.time - s.time - (s.reset ? 3e-5 : 2e-6)) <= 1e-15, "slot \(slot)")
  }
  #expect(resets > 0 && checked > 20, "\(resets) resets in \(checked) pairs")
  let inspect = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("inspect.json"))) as? [String: Any])
  #expect((inspect["time_base"] as? [String: Any])?["reset_slot_time"] as? Double == 3e-5)
}

@Test func aResetSlotTimeIsCheckedAndRefusedWhereNothingReadsIt() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-reset-slot-bad", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"]
  let cases: [([String], String)] = [
    (["--reset-time", "1e-3"], "Error: --reset-time: 0.001 s needs slot_time ≥ 0.001 s; slot_time is 2e-06 s (or give resets their own slot: reset_slot_time)"),
    (["--reset-slot-time", "1e-7"], "Error: --reset-slot-time: must be ≥ reset_time (1e-06 s) and ≤ 1 s, got 1e-07"),
    (["--reset-slot-time", "2"], "Error: --reset-slot-time: must be ≥ reset_time (1e-06 s) and ≤ 1 s, got 2"),
    (["--rule", "float", "--reset-slot-time", "1e-3"], "Error: --reset-slot-time: applies to"),
  ]
  for (extra, message) in cases {
    let r = try runXbarsim(base + extra)
    #expect(r.status == 64, "\(extra): \(r.stderr)")
    #expect(r.stderr.hasPrefix(message), "\(extra): \(r.stderr)")
  }
  // With its own slot, a 1 ms reset no longer needs slot_time ≥ 1 ms.
  let ok = try runXbarsim(base + ["--reset-time", "1e-3", "--reset-slot-time", "1e-3"])
  #expect(ok.status == 0, "\(ok.stderr)")
}
