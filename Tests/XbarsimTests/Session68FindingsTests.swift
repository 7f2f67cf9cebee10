import Foundation
import Testing
import _TestSupport

@testable import xbarsim

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
  // A command that has --out (or --output) is pointed to it (review 68:
  // `train --output` had been told to redirect).
  for command in [["train"], ["sweep"], ["inspect"]] {
    let r = try runXbarsim(command + ["--output", "x"])
    #expect(r.status == 64)
    #expect(!r.stderr.contains("redirect"), "\(command): \(r.stderr)")
  }
  let train = try runXbarsim(["train", "--output", "x"])
  #expect(train.stderr.hasPrefix("Error: unknown option '--output' (did you mean '--out'?)"), "\(train.stderr)")
}

// Review 68: the whole run's result line named the average window by the
// last part's `final_iterations` (which `--epochs rest` cuts, or another
// part may change), where its mean is over the first part's window.
@Test func theWholeRunsLineNamesItsOwnWindow() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-whole-run-window", train: 120, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--quiet"]
  let ck = root.appendingPathComponent("a.json"), rest = root.appendingPathComponent("rest.json")
  let a = try runXbarsim(common + ["--final-iterations", "100", "--checkpoint-out", ck.path])
  #expect(a.status == 0, "\(a.stderr)")
  let record = try #require(try Checkpoint.read(ck.path).place.run)
  #expect(record.windowStart == 21 && record.windowUpdates == 100)
  // Made a two-epoch run's, stopped after its first.
  let text = try String(contentsOf: ck, encoding: .utf8)
  let edited = text.replacingOccurrences(of: "\"run_end_images\": 120,", with: "\"run_end_images\": 240,")
  #expect(edited != text)
  try edited.write(to: rest, atomically: false, encoding: .utf8)
  let r = try runXbarsim(common + ["--checkpoint-in", rest.path, "--epochs", "rest", "--final-iterations", "50"])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = r.stdout.split(separator: "\n")
  #expect(lines.first?.contains("(last 50 updates: mean") == true, "\(r.stdout)")
  #expect(lines.contains { $0.hasPrefix("the whole run (2 parts, 240 images in ") && $0.contains("(last 100 updates: mean") }, "\(r.stdout)")
}
