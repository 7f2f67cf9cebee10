import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `--stuck-known true` (rules hybrid and single) on the command line: the summary's
// configuration carries it as a JSON boolean, the run's label names it, the known run issues
// fewer pulses and resets than the blind one of the same seed, rule lim and a bad value are
// refused in one line, a run without stuck devices is noted, and `reproduce choi2021` names it
// in the labels of runs with stuck devices only.

private func json(_ path: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

@Test(arguments: ["hybrid", "single"])
func trainWithAKnowingControllerIssuesFewerPulsesAndSaysSo(rule: String) throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-known-\(rule)", train: 60, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  func path(_ name: String) -> String { root.appendingPathComponent(name).path }
  let base = ["train", "--data", data.path, "--rule", rule, "--layers", "64,8,10", "--states", "8", "--lr", "0.5",
              "--evals-per-epoch", "1", "--quiet", "--stuck-on", "0.2", "--endurance", "true"]
  let blind = try runXbarsim(base + ["--summary", path("blind.json")])
  let known = try runXbarsim(base + ["--stuck-known", "true", "--summary", path("known.json")])
  #expect(blind.status == 0 && known.status == 0, "\(blind.stderr)\(known.stderr)")
  #expect(known.stdout.contains("stuck_on 0.2 stuck_known"), "\(known.stdout)")
  #expect(!blind.stdout.contains("stuck_known"), "\(blind.stdout)")
  let b = try json(path("blind.json")), k = try json(path("known.json"))
  #expect((k["configuration"] as? [String: Any])?["stuck_known"] as? Bool == true)
  #expect((b["configuration"] as? [String: Any])?["stuck_known"] == nil)
  let (bp, kp) = (try #require(b["pulses"] as? Int), try #require(k["pulses"] as? Int))
  let (br, kr) = (try #require(b["resets"] as? Int), try #require(k["resets"] as? Int))
  #expect(kp < bp && kr < br, "pulses \(bp) → \(kp), resets \(br) → \(kr)")
  // The stuck devices are reset no more.
  let stuck = try #require((k["endurance"] as? [String: Any])?["stuck"] as? [String: Any])
  #expect(stuck["resets"] as? Int == 0 && (stuck["pulses"] as? Int ?? 0) > 0, "\(stuck)")
  // Its summary as a --config gives the same run.
  let again = try runXbarsim(["train", "--data", data.path, "--config", path("known.json"), "--quiet", "--summary", path("again.json")])
  #expect(again.status == 0, "\(again.stderr)")
  #expect(try json(path("again.json"))["pulses"] as? Int == kp)
}

@Test func stuckKnownIsRefusedWhereNoControllerReadsItAndNotedWithoutStuckDevices() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-known-refused", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]
  for (extra, needle) in [
    (["--rule", "lim", "--stuck-off", "0.1", "--stuck-known", "true"], "--stuck-known: applies to rules hybrid and single only"),
    (["--rule", "float", "--stuck-known", "true"], "--stuck-known: applies to rules hybrid and single only"),
    (["--rule", "hybrid", "--stuck-known", "maybe"], "--stuck-known: expects true or false, got 'maybe'"),
  ] {
    let r = try runXbarsim(base + extra)
    #expect(r.status == 64, "\(extra): \(r.status) \(r.stderr)")
    #expect(r.stderr.hasPrefix("Error: \(needle)"), "\(r.stderr)")
  }
  let none = try runXbarsim(base + ["--rule", "single", "--stuck-known", "true"])
  #expect(none.status == 0, "\(none.stderr)")
  #expect(none.stderr.contains("note: stuck_known true without stuck devices"), "\(none.stderr)")
  let some = try runXbarsim(base + ["--rule", "single", "--stuck-known", "true", "--stuck-off", "0.1"])
  #expect(some.status == 0 && !some.stderr.contains("stuck_known true without"), "\(some.stderr)")
}

// Choi's figure runs: stuck_known marks a run as not the paper's only where it has stuck
// devices (without them it is the paper's run).
@Test func reproductionMarksAKnowingControllerOnlyWithStuckDevices() throws {
  var base = TrainingConfiguration()
  base.stuckKnown = true
  let plain = ChoiReproduction.runs(figure: 6, base: base)
  let paper = ChoiReproduction.runs(figure: 6, base: TrainingConfiguration())
  #expect(plain.map(\.label) == paper.map(\.label) && plain.map(\.paper) == paper.map(\.paper), "\(plain.map(\.label))")
  base.stuckOff = 0.1
  let stuck = ChoiReproduction.runs(figure: 6, base: base).filter { $0.configuration.rule != .float }
  #expect(!stuck.isEmpty && stuck.allSatisfy { $0.label.contains("stuck_off 0.1, stuck_known true") && $0.paper == nil }, "\(stuck.map(\.label))")
}

// A stuck map of its header alone names no device: the knowing controller has nothing to
// skip, said as without a map, and the label does not claim it (a walkthrough, session 78).
@Test func aHeaderOnlyMapGivesTheKnowingControllerNothingToKnow() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-stuck-known-empty-map", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let map = root.appendingPathComponent("map.csv").path
  try "layer,row,column,kind,polarity,state\n".write(toFile: map, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--rule", "single", "--layers", "64,8,10", "--evals-per-epoch", "1",
                          "--quiet", "--stuck-map", map, "--stuck-known", "true"])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("note: stuck_known true without stuck devices"), "\(r.stderr)")
  #expect(r.stdout.contains("stuck_map map.csv") && !r.stdout.contains("stuck_known"), "\(r.stdout)")
}
