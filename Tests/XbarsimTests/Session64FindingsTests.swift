import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Session 64: three items that session 63's scripted-study walkthrough
// left: `--grid rule=lim,float --beta 1` was told about beta_p, a key not
// given; `train --config sweep.json` was told "format: unknown
// configuration key"; `reproduce` had no --quiet.

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1"]

@Test func aSweepPointNamesTheOptionGivenForTheKeyItIgnores() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-beta", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("sw").path
  let r = try runXbarsim(["sweep", "--data", data.path, "--grid", "rule=lim,float", "--beta", "1", "--out", out, "--quiet"] + tiny)
  #expect(r.status == 64)
  #expect(
    r.stderr.hasPrefix("Error: --grid point 1 (rule=float): --beta (beta_p) applies to rule lim only; rule float would ignore it"),
    "\(r.stderr)")
  // A grid key is named as the grid gives it.
  let g = try runXbarsim(["sweep", "--data", data.path, "--grid", "rule=lim,float", "--grid", "nmax=32", "--out", out, "--quiet"] + tiny)
  #expect(g.status == 64)
  #expect(g.stderr.hasPrefix("Error: --grid point 1 (rule=float nmax=32): nmax applies to"), "\(g.stderr)")
}

@Test func aSweepsTableAsConfigIsNamedAsSuch() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-sweepjson", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("sw").path
  let s = try runXbarsim(["sweep", "--data", data.path, "--grid", "beta=1,2", "--out", out, "--quiet"] + tiny)
  #expect(s.status == 0, "\(s.stderr)")
  let table = out + "/sweep.json"
  let t = try runXbarsim(["train", "--data", data.path, "--config", table, "--quiet"] + tiny)
  #expect(t.status == 64)
  #expect(
    t.stderr == "Error: \(table): a sweep's table (format xbarsim-sweep), not a configuration: give a point's summary (point-P.json beside it) to train one point again\n",
    "\(t.stderr)")
  // Its point's summary trains.
  let p = try runXbarsim(["train", "--data", data.path, "--config", out + "/point-1.json", "--quiet"] + tiny)
  #expect(p.status == 0, "\(p.stderr)")
  #expect(p.stdout.contains(" β 2 "), "\(p.stdout)")
  // And a reproduce journal.
  let journal = root.appendingPathComponent("j.json").path
  try #"{"format": "xbarsim-reproduce-runs", "version": 1, "runs": []}"#.write(toFile: journal, atomically: true, encoding: .utf8)
  let j = try runXbarsim(["train", "--data", data.path, "--config", journal, "--quiet"] + tiny)
  #expect(j.status == 64)
  #expect(j.stderr.contains("a reproduce journal (format xbarsim-reproduce-runs), not a configuration"), "\(j.stderr)")
}

@Test func reproduceQuietKeepsTheTableAndDropsTheRunLines() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s64-quiet", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let args = ["reproduce", "lim2018", "--figure", "9", "--seeds", "1", "--data", data.path] + tiny
  let loud = try runXbarsim(args)
  #expect(loud.status == 0, "\(loud.stderr)")
  #expect(loud.stderr.contains("seed 1: "), "\(loud.stderr)")
  let quiet = try runXbarsim(args + ["--quiet"])
  #expect(quiet.status == 0, "\(quiet.stderr)")
  #expect(!quiet.stderr.contains("seed 1: "), "\(quiet.stderr)")
  #expect(quiet.stdout == loud.stdout)
  #expect(quiet.stdout.contains("n_max = 32"), "\(quiet.stdout)")
}
