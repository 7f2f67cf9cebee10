import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// `train --rule hybrid|single --wires resistive` (session 61): the reads
// of the big and small arrays through their lines, from the command line.

@Test func hybridAndSingleTrainThroughResistiveLinesFromTheCommandLine() throws {
  let (root, data) = try syntheticDataDirectory("hybrid-lines", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  func train(_ extra: [String], _ name: String) throws -> (ProcessResult, [String: Any]?) {
    let summary = root.appendingPathComponent("\(name).json")
    let run = try runXbarsim(
      ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--summary", summary.path,
       "--log", root.appendingPathComponent("\(name).csv").path, "--epoch-log", root.appendingPathComponent("\(name)-e.csv").path,
       "--plot", root.appendingPathComponent("\(name).svg").path] + extra)
    let json = (try? Data(contentsOf: summary)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    return (run, json)
  }
  for rule in ["hybrid", "single"] {
    let (run, s) = try train(["--rule", rule, "--wires", "resistive", "--r-row", "300", "--r-col", "300"], rule)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("lines 300/300 Ω"), "\(run.stderr)")
    let summary = try #require(s)
    #expect((summary["configuration"] as? [String: Any])?["wires"] as? String == "resistive")
    // Every training read was solved: the solver's iterations are counted.
    let iterations = try #require(summary["solver_iterations_per_read"] as? Double)
    #expect(iterations >= 1, "\(summary)")
    #expect((summary["read_energy_joules"] as? Double ?? 0) > 0)
    let (ideal, i) = try train(["--rule", rule], rule + "-ideal")
    #expect(ideal.status == 0)
    #expect(i != nil && !(i?["solver_iterations_per_read"] is Double))
    // The lines change the run (300 Ω against 10 µS devices).
    #expect(i?["pulses"] as? Int != summary["pulses"] as? Int)
  }
  // The lines' charging with resistive lines (since session 62): booked,
  // and the summary's settling.
  let (r, rs) = try train(["--rule", "hybrid", "--wires", "resistive", "--line-capacitance", "1e-15"], "charged")
  #expect(r.status == 0, "\(r.stderr)")
  let breakdown = try #require(rs?["energy_breakdown_joules"] as? [String: Any])
  #expect((breakdown["read_lines"] as? Double ?? 0) > 0 && (breakdown["update_lines"] as? Double ?? 0) > 0, "\(breakdown)")
  #expect(rs?["line_settling"] is [String: Any])
  // Writes through the lines: the coincidences' count, null sequences.
  let (w, ws) = try train(["--rule", "single", "--wires", "resistive", "--r-row", "300", "--r-col", "300", "--write-lines", "resistive"], "writes")
  #expect(w.status == 0, "\(w.stderr)")
  #expect(w.stderr.contains("lines 300/300 Ω, writes through them"), "\(w.stderr)")
  let drop = try #require(ws?["write_drop"] as? [String: Any])
  let rule = try #require(drop["rule_pulses"] as? Int), below = try #require(drop["pulses_below_threshold"] as? Int)
  #expect(rule > 0 && below > 0 && below < rule, "\(drop)")
  #expect(drop["sequences_below_threshold"] is Int)
  #expect(drop["unconverged_slots"] as? Int == 0)
  let mean = try #require(drop["mean_share"] as? Double)
  #expect(mean > 0 && mean < 1)
  let line = try #require(w.stdout.split(separator: "\n").first { $0.hasPrefix("update through the lines: ") })
  #expect(line.hasPrefix("update through the lines: \(below) of \(rule) coincidences"), "\(line)")
  #expect(line.contains("saturation sequences incomplete"))
  // inspect stops at a read that fails (devices beyond G·r = 1e9).
  let failing = ["--rule", "single", "--wires", "resistive", "--r-row", "9.9e13", "--r-col", "9.9e13", "--d2d", "0.5", "--initial-fraction", "1"]
  let i = try runXbarsim(["inspect", "--data", data.path, "--layers", "64,8,10", "--samples", "2", "--out", root.appendingPathComponent("insp").path] + failing)
  #expect(i.status == 1 && i.stderr.hasPrefix("Error: sample 0 (training image "), "\(i.stderr)")
  let (t, _) = try train(["--rule", "hybrid", "--wires", "resistive", "--write-lines", "resistive", "--write-threshold", "0.5"], "refused2")
  #expect(t.status != 0 && t.stderr.hasPrefix("Error: --write-threshold: with write_lines resistive must be above write_voltage/2"), "\(t.stderr)")
}
