import Foundation
import Testing
import _TestSupport

import Peripherals
import Trainer
@testable import xbarsim

// Mutation round 69 (a run's seconds and ledger in parts, inspect stopped
// by a signal, a resumed sweep's point files, long error messages): the
// survivors, each held by what the documentation says.

private func readRun(_ text: String, devices: Int = 20) throws -> RunRecord {
  try Checkpoint.readRun(JSONValue.parse(Data(text.utf8)), devicesImages: devices) { CLIError.runtime($0) }
}

/// A ledger in a checkpoint's `run` without one of the components it
/// always books is refused, naming it, not read as 0 (mutant: the required
/// keys' check dropped, a missing one read as 0).
@Test func aRunRecordsLedgerWithoutARequiredComponentIsRefused() throws {
  let base = "{\"start\": 0, \"parts\": 1, \"pulses\": 0, \"repotentiation_pulses\": 0, \"resets\": 0, \"seconds_train\": 1, "
  let full = "\"read\": 1, \"program\": 2, \"reset\": 3, \"adc\": 4, \"dac\": 5, \"read_time\": 6, \"update_time\": 7"
  #expect(try readRun(base + "\"ledger\": {\(full)}, \"points\": []}").ledger?.updateTime == 7)
  for key in ["program", "update_time"] {
    let cut = full.replacingOccurrences(of: #""\#(key)": \d, ?"#, with: "", options: .regularExpression)
      .replacingOccurrences(of: #", "\#(key)": \d"#, with: "", options: .regularExpression)
    #expect(!cut.contains(key))
    do {
      let r = try readRun(base + "\"ledger\": {\(cut)}, \"points\": []}")
      Issue.record("accepted without \(key): \(String(describing: r.ledger))")
    } catch let CLIError.runtime(message) {
      #expect(message.contains("'ledger' has no '\(key)'"), "\(message)")
    }
  }
}

/// The whole run's line gives the energy and the latency per training
/// image, each its own (mutant: the two swapped).
@Test func theWholeRunsLineGivesEnergyAndLatencyPerImage() {
  var e = EnergyLedger()
  (e.read, e.readTime) = (2e-6, 8e-3)
  let w = WholeRun(record: RunRecord(start: 0, parts: 2, secondsTrain: 1, ledger: e), trainImages: 4, testImages: 10)
  #expect(w.line.hasSuffix("; per training image: energy 5e-07 J, latency 0.002 s"), "\(w.line)")
}

/// `samplesDone`: none done of some is an interruption (nothing to
/// write); `stoppedShort`: fewer done than asked, even one fewer, is one
/// (mutants: the first check dropped; the second off by one).
@Test func inspectsStopChecksCountEverySample() throws {
  #expect(throws: CLIError.self) { try InspectCommand.samplesDone(0, of: 3) }
  #expect(try InspectCommand.samplesDone(2, of: 3) == 2)
  #expect(try InspectCommand.samplesDone(0, of: 0) == 0)
  #expect(throws: CLIError.self) { try InspectCommand.stoppedShort(2, of: 3, out: "o") }
  #expect(throws: CLIError.self) { try InspectCommand.stoppedShort(0, of: 1, out: "o") }
  try InspectCommand.stoppedShort(3, of: 3, out: "o")
}

/// A long message keeps three quarters at its start, a quarter at its end,
/// both escaped; one of exactly `maxErrorLength` is whole (mutants: head
/// and tail swapped; `>` made `≥`; the tail not escaped).
@Test func aLongMessageKeepsMostOfItsStartAndEscapesItsEnd() {
  let n = Xbarsim.maxErrorLength
  let exact = String(repeating: "x", count: n)
  #expect(Xbarsim.oneLine(exact) == exact)
  let long = String(repeating: "a", count: 3000) + String(repeating: "b", count: 3000) + "\nend"
  let cut = Xbarsim.oneLine(long)
  #expect(cut.hasPrefix(String(repeating: "a", count: n - n / 4) + " … ("), "\(cut.prefix(80))")
  #expect(cut.hasSuffix(String(repeating: "b", count: n / 4 - 4) + "\\nend"), "\(cut.suffix(80))")
  #expect(!cut.contains("\n"))
}

/// A run record's seconds or ledger component out of range (1e400, read
/// as infinity) is refused (mutant: the finiteness check dropped).
@Test func aRunRecordsInfiniteSecondsAreRefused() throws {
  let text = "{\"start\": 0, \"parts\": 1, \"pulses\": 0, \"repotentiation_pulses\": 0, \"resets\": 0, \"seconds_train\": 1e400, \"points\": []}"
  #expect(throws: CLIError.self) { try readRun(text) }
  #expect(try readRun(text.replacingOccurrences(of: "1e400", with: "2.5")).secondsTrain == 2.5)
}

/// A point file that is another point's (a summary, but not of this row)
/// does not give the row (mutant: any summary taken as giving it).
@Test func anotherPointsFileDoesNotGiveARow() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-mut69-point-file", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("s")
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--rule", "lim", "--layers", "64,8,10", "--train-limit", "20", "--test-limit", "10",
    "--grid", "seed=1,2", "--out", out.path, "--quiet",
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let grid = try SweepCommand.readShard(out.path).grid
  let rows = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
    .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
  #expect(rows.count == 2 && rows.allSatisfy { SweepCommand.pointFileGives($0, grid, in: out.path) })
  try FileManager.default.removeItem(at: out.appendingPathComponent("point-1.json"))
  try FileManager.default.copyItem(at: out.appendingPathComponent("point-0.json"), to: out.appendingPathComponent("point-1.json"))
  #expect(!SweepCommand.pointFileGives(rows[1], grid, in: out.path))
}
