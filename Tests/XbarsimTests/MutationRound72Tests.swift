import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Mutation round 72: 23 mutants of session 72's changes (`stuck_off`, the
// chance note's reset_slot_time, `runProcess`'s standard input); these
// tests kill the survivors that were not equivalent.

struct MutationRound72Tests {
  /// A checkpoint's stuck devices are saved as scales (two numbers a
  /// synapse): `Checkpoint.largestBytes`, the bound `--checkpoint-out`
  /// is checked against, counts them with stuck_off as with σ (it had
  /// counted them with σ > 0 only).
  @Test func theCheckpointBoundCountsTheStuckDevicesScales() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m72-bound", train: 20, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    let file = root.appendingPathComponent("stuck.json")
    let r = try runXbarsim(
      ["train", "--data", data.path, "--layers", "64,40,10", "--evals-per-epoch", "1", "--stuck-off", "0.5", "--quiet", "--checkpoint-out", file.path])
    #expect(r.status == 0, "\(r.stderr)")
    var cfg = TrainingConfiguration()
    cfg.layers = [64, 40, 10]
    cfg.stuckOff = 0.5
    let size = Double(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as! Int)
    // As in session 66's test: the bound less its megabyte, against the
    // file less its opening.
    #expect(size - 20_000 < Checkpoint.largestBytes(cfg) - 1e6, "\(size) bytes, bound \(Checkpoint.largestBytes(cfg) - 1e6)")
    var sigma = TrainingConfiguration()
    sigma.layers = cfg.layers
    sigma.sigma = 0.5
    #expect(Checkpoint.largestBytes(cfg) == Checkpoint.largestBytes(sigma))
  }

  /// A checkpoint of another stuck fraction is refused naming both
  /// values, 0 included (a configuration leaves stuck_off out at 0: the
  /// message had said "(none)").
  @Test func aStuckOffConflictNamesZero() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m72-conflict", train: 20, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--nmax", "8", "--quiet"]
    #expect(try runXbarsim(base + ["--checkpoint-out", path("plain.json")]).status == 0)
    #expect(try runXbarsim(base + ["--stuck-off", "0.2", "--checkpoint-out", path("stuck.json")]).status == 0)
    let more = try runXbarsim(base + ["--stuck-off", "0.2", "--checkpoint-in", path("plain.json")])
    #expect(more.status != 0 && more.stderr.contains("the checkpoint has stuck_off 0, the requested network 0.2"), "\(more.stderr)")
    let none = try runXbarsim(base + ["--stuck-off", "0", "--checkpoint-in", path("stuck.json")])
    #expect(none.status != 0 && none.stderr.contains("the checkpoint has stuck_off 0.2, the requested network 0"), "\(none.stderr)")
    #expect(!none.stderr.contains("(none)") && !more.stderr.contains("(none)"))
  }
}
