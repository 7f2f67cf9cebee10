import Foundation
import Testing
import _TestSupport

// Session 86: a checkpoint read with other training data than its run's says so. `evaluate`
// and `sweep --checkpoint` had read another --data's test set without a word (the checkpoint
// holds its run's train_checksum since session 66).

/// The note names the checkpoint and both checksums, once; on the run's own data there is
/// none. The read itself goes on (exit 0): reading a network on other data is a question a
/// researcher may ask.
@Test func aCheckpointReadWithOtherTrainingDataIsNoted() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s86-own", train: 40, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let (otherRoot, other) = try syntheticDataDirectory("xbarsim-s86-other", train: 41, test: 20)
  defer { try? FileManager.default.removeItem(at: otherRoot) }
  let ck = root.appendingPathComponent("ck.json").path
  let t = try runXbarsim(
    ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--checkpoint-out", ck])
  #expect(t.status == 0, "\(t.stderr)")
  let note = "note: the run that saved \(ck) trained on other training data (train_checksum "
  let own = try runXbarsim(["evaluate", "--checkpoint", ck, "--data", data.path])
  #expect(own.status == 0 && !own.stderr.contains("other training data"), "\(own.stderr)")
  let e = try runXbarsim(["evaluate", "--checkpoint", ck, "--data", other.path])
  #expect(e.status == 0, "\(e.stderr)")
  #expect(e.stderr.components(separatedBy: note).count == 2, "\(e.stderr)")
  #expect(e.stderr.contains(" here): the test set read here may not be its own"), "\(e.stderr)")
  let sweepOut = otherRoot.appendingPathComponent("sweep").path
  let s = try runXbarsim(["sweep", "--checkpoint", ck, "--data", other.path, "--grid", "read_noise=0,0.1", "--out", sweepOut])
  #expect(s.status == 0, "\(s.stderr)")
  #expect(s.stderr.components(separatedBy: note).count == 2, "\(s.stderr)")
  let sweepOwn = root.appendingPathComponent("sweep").path
  let o = try runXbarsim(["sweep", "--checkpoint", ck, "--data", data.path, "--grid", "read_noise=0,0.1", "--out", sweepOwn])
  #expect(o.status == 0 && !o.stderr.contains("other training data"), "\(o.stderr)")
}
