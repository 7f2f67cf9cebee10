import Foundation
import Testing
import Trainer
import _TestSupport

// Session 43 (2026-12-03): walkthrough findings.

/// 8×8 generated images: 120 training images, 50 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-session43", train: 120, test: 50)
}

private let net = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--train-limit", "60", "--test-limit", "20", "--quiet"]

// `nmax` in a --config file against `--device-csv` given as an option:
// the error named the option and said "leave nmax out" without saying
// where nmax was given.
@Test func aDeviceFileConflictNamesTheConfigFileThatGaveTheKey() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let device = root.appendingPathComponent("device.csv")
  try "p,1e-6\np,2e-6\np,3e-6\np,4e-6\n".write(to: device, atomically: true, encoding: .utf8)
  let config = root.appendingPathComponent("nmax.json")
  try #"{"nmax": 10}"#.write(to: config, atomically: true, encoding: .utf8)
  let r = try runXbarsim(["train", "--data", data.path, "--config", config.path, "--device-csv", device.path] + net)
  expectOneLineError(r, 64, "--device-csv: device_csv gives n_max 3")
  #expect(r.stderr.contains("(leave nmax out of \(config.path))"), "\(r.stderr)")
  // Given as an option, the key is named as one.
  let option = try runXbarsim(["train", "--data", data.path, "--nmax", "10", "--device-csv", device.path] + net)
  #expect(option.status == 64 && option.stderr.contains("(leave nmax out)"), "\(option.stderr)")
}

// `inspect --rule hybrid --encoding sign` wrote every train as 64 slots,
// where the sign rule's update is one slot.
@Test(arguments: [("sign", 1), ("stochastic", 64)])
func inspectWritesTheTrainsSlotsTheUpdateHas(encoding: String, slots: Int) throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("inspect-\(encoding)")
  let r = try runXbarsim(
    ["inspect", "--rule", "hybrid", "--encoding", encoding, "--layers", "64,8,10", "--data", data.path, "--samples", "2",
     "--out", out.path])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = try String(contentsOf: out.appendingPathComponent("trains.csv"), encoding: .utf8)
    .split(separator: "\n").dropFirst()
  #expect(!rows.isEmpty)
  for row in rows {
    let train = row.split(separator: ",").last ?? ""
    #expect(train.count == slots && train.allSatisfy { $0 == "0" || $0 == "1" }, "\(row)")
  }
}
