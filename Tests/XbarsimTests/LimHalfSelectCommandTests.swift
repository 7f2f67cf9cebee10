import Foundation
import Testing
import _TestSupport

// `train --half-select book` (rule lim): the summary's energy has the
// half-selected cells, in its breakdown and its total, the training is the
// one without it, and the key is refused where nothing would book.

private func summary(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Test func trainBooksLimsHalfSelectedCellsOnRequest() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-half-select", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "2", "--nmax", "8", "--quiet"]
  var runs: [[String: Any]] = []
  var outputs: [String] = []
  for extra in [[], ["--half-select", "book"]] {
    let file = root.appendingPathComponent("summary\(runs.count).json")
    let r = try runXbarsim(base + extra + ["--summary", file.path])
    #expect(r.status == 0, "\(r.stderr)")
    runs.append(try summary(file))
    outputs.append(r.stdout)
  }
  let (plain, booked) = (runs[0], runs[1])
  let parts = try #require(booked["energy_breakdown_joules"] as? [String: Double])
  #expect(Set(parts.keys) == ["read", "program", "reset", "adc", "dac", "half_select"])
  let energy = try #require(booked["energy_per_image_joules"] as? Double)
  #expect(abs(parts.values.reduce(0, +) - energy) <= 1e-9 * energy)
  #expect(parts["half_select"]! > parts["program"]!)
  #expect(outputs[1].contains("half-selected cells"))
  #expect(!outputs[1].contains("not booked"))
  // Without: as before, with the note.
  let plainParts = try #require(plain["energy_breakdown_joules"] as? [String: Double])
  #expect(Set(plainParts.keys) == ["read", "program", "reset", "adc", "dac"])
  #expect(outputs[0].contains("half-selected cells not booked: --half-select book books them"))
  // The same training, the other entries of the ledger to the digit.
  for key in ["test_accuracy", "pulses", "resets"] {
    #expect("\(plain[key]!)" == "\(booked[key]!)", "\(key)")
  }
  for key in ["read", "program", "reset", "adc", "dac"] { #expect(plainParts[key] == parts[key], "\(key)") }
  let configuration = try #require(booked["configuration"] as? [String: Any])
  #expect(configuration["half_select"] as? String == "book")
  #expect((plain["configuration"] as? [String: Any])?["half_select"] == nil)
}

@Test func halfSelectBookIsRefusedWhereNothingWouldBookIt() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-half-select", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet"]
  for (extra, words) in [
    (["--half-select", "book", "--rule", "hybrid"], "--half-select: applies to rule lim only"),
    (["--half-select", "book", "--learning", "off-chip"], "--half-select: applies to learning on-chip"),
    (["--half-select", "maybe"], "--half-select: expects skip or book"),
  ] {
    let r = try runXbarsim(base + extra)
    #expect(r.status != 0, "\(extra)")
    let line = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(line.hasPrefix("Error:") && line.contains(words), "\(extra): \(line)")
  }
}

// `inspect --half-select book`: each sample's update carries what the
// ledger booked beside the schedule's energy, and the second line says so.
@Test func inspectGivesTheBookedHalfSelectedEnergyBesideTheSchedules() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-half-select", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  for book in [false, true] {
    let out = root.appendingPathComponent("inspect-\(book)")
    let r = try runXbarsim(
      ["inspect", "--data", data.path, "--layers", "64,8,10", "--nmax", "8", "--samples", "6", "--out", out.path]
        + (book ? ["--half-select", "book"] : []))
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains(book ? "J, half_select book)" : "(V/2 scheme; not booked)"), "\(r.stdout)")
    let inspect = try summary(out.appendingPathComponent("inspect.json"))
    let samples = try #require(inspect["samples"] as? [[String: Any]])
    var total = 0.0
    for s in samples {
      let u = try #require(s["update"] as? [String: Any])
      let scheduled = try #require(u["half_select_energy"] as? Double)
      total += scheduled
      if book {
        let booked = try #require(u["booked_half_select_energy"] as? Double)
        #expect(abs(booked - scheduled) <= 1e-9 * max(scheduled, 1e-30), "\(booked) against \(scheduled)")
      } else {
        #expect(u["booked_half_select_energy"] == nil)
      }
    }
    #expect(total > 0)
  }
}
