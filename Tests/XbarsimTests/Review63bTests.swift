import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Review 63b: `TrainCommand.keyError`'s dependentKeys fallback looked at
// the options only: a --config file that moves program_voltage out of the
// default write_threshold's range was still told "--write-threshold: …",
// an option never given (exit 64).
@Test func review63bADefaultKeyMovedByTheConfigFileIsTheFilesError() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r63b-threshold", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let config = root.appendingPathComponent("pv.json")
  try #"{"program_voltage": 2, "wires": "resistive", "r_row": 1, "r_col": 1, "write_lines": "resistive"}"#
    .write(to: config, atomically: false, encoding: .utf8)
  let r = try runXbarsim(
    ["train", "--data", data.path, "--config", config.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"])
  #expect(r.status != 0)
  #expect(!r.stderr.hasPrefix("Error: --write-threshold"), "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: \(config.path): program_voltage: write_threshold (not given) with write_lines resistive"), "\(r.stderr)")
}

// Review 63b: the fallback blamed the first of program_voltage,
// write_voltage and read_voltage given, not the one the check reads: rule
// hybrid's threshold depends on write_voltage, yet `--program-voltage 1.2
// --write-voltage 2` was told "--program-voltage 1.2: write_threshold …".
@Test func review63bTheDefaultKeysErrorBlamesTheOptionItsCheckReads() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-r63b-threshold-hybrid", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let r = try runXbarsim(
    ["train", "--data", data.path, "--rule", "hybrid", "--wires", "resistive", "--r-row", "1", "--r-col", "1",
     "--write-lines", "resistive", "--program-voltage", "1.2", "--write-voltage", "2", "--layers", "64,8,10",
     "--evals-per-epoch", "1", "--quiet"])
  #expect(r.status == 64, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: --write-voltage 2: write_threshold (not given) with write_lines resistive must be above write_voltage/2"), "\(r.stderr)")
}
