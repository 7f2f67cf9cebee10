import Foundation
import Testing
import _TestSupport

// A walkthrough of a user who drives xbarsim from Python scripts (session
// 68): a second output sent to standard output followed the command's own
// there (`line --csv -`: the CSV, then the JSON; `pulses --svg -`: the
// CSV, then the SVG), and `reproduce --journal -` printed one journal after
// another there, which no resume could read. Each is now refused.

private func expectUsageError(_ r: ProcessResult, _ words: [String], sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(r.status == 64, "\(r.stderr)", sourceLocation: sourceLocation)
  #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
  let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(first.hasPrefix("Error: "), "\(r.stderr)", sourceLocation: sourceLocation)
  for w in words { #expect(first.contains(w), "'\(w)' not in: \(first)", sourceLocation: sourceLocation) }
}

@Test func anOutputOnStandardOutputBesideTheCommandsOwnIsRefused() throws {
  let line = ["line", "--cells", "3", "--segment-resistance", "10", "--capacitance", "1e-15"]
  for (option, path) in [("--csv", "-"), ("--spice", "/dev/stdout"), ("--csv", "/dev/fd/1")] {
    expectUsageError(try runXbarsim(line + [option, path]), ["\(option) \(path) is standard output", "the JSON result", "give \(option) a file"])
  }
  for option in ["--svg", "--cycle-stats"] {
    expectUsageError(try runXbarsim(["pulses", "--nmax", "4", option, "-"]), ["\(option) - is standard output", "the pulse CSV"])
  }
  // (Standard error, or a file, is still taken, and the JSON is whole.)
  let dir = try Scratch.directory("xbarsim-stdout-outputs")
  let csv = dir.appendingPathComponent("w.csv")
  let ok = try runXbarsim(line + ["--csv", csv.path])
  #expect(ok.status == 0, "\(ok.stderr)")
  #expect((try? JSONSerialization.jsonObject(with: Data(ok.stdout.utf8))) != nil, "\(ok.stdout)")
  #expect(try String(contentsOf: csv, encoding: .utf8).hasPrefix("time_seconds,"))
  let svg = try runXbarsim(["pulses", "--nmax", "4", "--svg", "/dev/stderr"])
  #expect(svg.status == 0 && svg.stdout.hasPrefix("pulse,") && svg.stderr.contains("<svg"), "\(svg.stderr)")
}

@Test func aJournalOnAStreamIsRefused() throws {
  for path in ["-", "/dev/stdout", "/dev/stderr"] {
    expectUsageError(
      try runXbarsim(["reproduce", "lim2018", "--figure", "8", "--seeds", "1", "--journal", path]),
      ["--journal \(path) is a stream", "give a file"])
  }
}

// A teaching-lab walkthrough (session 68): `solve --out x.json` and
// `pulses --out x.csv` were told "unknown option" without a word on where
// their result goes.
@Test func anOutputOptionACommandDoesNotHaveSaysWhereItsResultGoes() throws {
  for (command, option) in [(["pulses", "--nmax", "4"], "--out"), (["line", "--cells", "3"], "--output"), (["bench", "read"], "--out")] {
    let r = try runXbarsim(command + [option, "x"])
    #expect(r.status == 64)
    let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first == "Error: unknown option '\(option)' (this command prints its result on standard output: redirect it, > FILE)", "\(first)")
  }
  // (Where the command has one, it is taken: spice's --out.)
  let typo = try runXbarsim(["pulses", "--nmax", "4", "--outt", "x"])
  #expect(!typo.stderr.contains("redirect"), "\(typo.stderr)")
}
