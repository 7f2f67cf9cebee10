import Foundation
import Testing
import _TestSupport

// `--sigma-c2c` (rule lim, on-chip): the summary carries it and a run with
// it differs from one without; a checkpoint keeps the conductances it
// leaves and `inspect` takes them back; it is refused where no identical
// pulse would feel it.

private func json(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Test func trainWithSigmaC2CWritesItAndItsConductancesAndInspectReadsThemBack() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-c2c", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--nmax", "8", "--quiet"]
  var summaries: [[String: Any]] = []
  var outputs: [String] = []
  for extra in [[], ["--sigma-c2c", "0.3"], ["--sigma-c2c", "0.3", "--b-margin", "0.5"]] {
    let file = root.appendingPathComponent("summary\(summaries.count).json")
    let checkpoint = root.appendingPathComponent("net\(summaries.count).json")
    let r = try runXbarsim(base + extra + ["--summary", file.path, "--checkpoint-out", checkpoint.path])
    #expect(r.status == 0, "\(r.stderr)")
    summaries.append(try json(file))
    outputs.append(r.stderr)
    #expect(!r.stdout.contains("exact tie"), "\(r.stdout)")
  }
  // Method b under variation without a margin: the note on its loop's tie
  // (on standard error, as a note, since session 62).
  #expect(!outputs[0].contains("exact tie") && outputs[1].contains("note: method b's") && outputs[1].contains("--b-margin 0.5 keeps the step") && !outputs[2].contains("exact tie"))
  #expect((summaries[2]["configuration"] as? [String: Any])?["b_margin"] as? Double == 0.5)
  let plain = try #require(summaries[0]["configuration"] as? [String: Any])
  let varied = try #require(summaries[1]["configuration"] as? [String: Any])
  #expect(plain["sigma_c2c"] == nil && varied["sigma_c2c"] as? Double == 0.3)
  #expect("\(summaries[0]["pulses"]!)" != "\(summaries[1]["pulses"]!)")
  // The checkpoint holds conductances, not integer states.
  let saved = try json(root.appendingPathComponent("net1.json"))
  let layers = try #require(saved["layers"] as? [[String: Any]])
  #expect(layers.allSatisfy { $0["plus_conductances"] != nil && $0["plus_states"] == nil })
  // inspect takes the checkpoint as it is, and refuses sigma_c2c 0: the
  // variation left its devices between the curve's points, where integer
  // states cannot hold them (TrainFromCheckpointTests: the conversions).
  let out = root.appendingPathComponent("inspect")
  let inspect = ["inspect", "--data", data.path, "--checkpoint", root.appendingPathComponent("net1.json").path, "--samples", "2"]
  let r = try runXbarsim(inspect + ["--out", out.path])
  #expect(r.status == 0, "\(r.stderr)")
  let config = try #require(try json(out.appendingPathComponent("inspect.json"))["configuration"] as? [String: Any])
  #expect(config["sigma_c2c"] as? Double == 0.3)
  let other = try runXbarsim(inspect + ["--out", root.appendingPathComponent("inspect2").path, "--sigma-c2c", "0"])
  let line = other.stderr.split(separator: "\n").first.map(String.init) ?? ""
  #expect(other.status != 0 && line.hasPrefix("Error:") && line.contains("sigma_c2c 0.3"), "\(line)")
}

@Test func sigmaC2CIsRefusedWhereNoIdenticalPulseFeelsIt() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-c2c", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet"]
  for (extra, words) in [
    (["--sigma-c2c", "0.3", "--rule", "hybrid"], "--sigma-c2c: applies to rule lim only"),
    (["--sigma-c2c", "0.3", "--rule", "float"], "--sigma-c2c: applies to rule lim only"),
    (["--sigma-c2c", "0.3", "--learning", "off-chip"], "--sigma-c2c: applies to learning on-chip"),
    (["--c2c", "0.3"], "would ignore it (rule lim's cycle-to-cycle variation is sigma_c2c)"),
    (["--sigma-c2c", "-1"], "--sigma-c2c"),
    (["--sigma-c2c", "11"], "--sigma-c2c"),
  ] {
    let r = try runXbarsim(base + extra)
    #expect(r.status != 0, "\(extra)")
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(line.hasPrefix("Error:") && line.contains(words), "\(extra): \(line)")
  }
}

// An off-chip run whose states come from the ideal twin trained with
// method b's margin names the margin in its result line (two runs that
// differ only there are told apart); one with the default says nothing.
@Test func anOffChipRunNamesItsTwinsMargin() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-offchip-margin", train: 40, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet", "--learning", "off-chip"]
  let margin = try runXbarsim(base + ["--b-margin", "0.5"])
  #expect(margin.status == 0 && margin.stdout.hasPrefix("off-chip 64-8-10 β 2 nmax 64 σ 0 b_margin 0.5:"), "\(margin.stdout)\(margin.stderr)")
  let plain = try runXbarsim(base)
  #expect(plain.status == 0 && plain.stdout.hasPrefix("off-chip 64-8-10 β 2 nmax 64 σ 0:"), "\(plain.stdout)\(plain.stderr)")
}
