import Foundation
import Testing
import _TestSupport

// `xbarsim inspect --rule hybrid|single` end to end on generated 8×8 IDX
// files: the four files, the physics of every recorded cell (Δ = μ per
// coincidence), the coincidences against the recorded trains, the pulse
// counts against the trainer's, which lines carry trains, the phases and
// the refusals, and that recording leaves the training as it was.

private let trainImages = SyntheticImages(count: 100, seed: 1)

private func dataDirectory() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-hybrid-inspect", train: 100, test: 20)
}

/// A CSV file's header and rows (text cells).
private struct CSV {
  var header: [String]
  var rows: [[String: String]]
  init(_ url: URL) throws {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    self.header = header
    rows = lines.dropFirst().map { line in
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      return Dictionary(uniqueKeysWithValues: zip(header, cells))
    }
  }
}

private extension Dictionary where Key == String, Value == String {
  func int(_ k: String) -> Int { Int(self[k]!)! }
  func double(_ k: String) -> Double { Double(self[k]!)! }
}

/// An inspection's files.
private struct Inspection {
  var json: [String: Any]
  var samples: [[String: Any]]
  var trains: CSV
  var cells: CSV
  var neurons: CSV

  init(_ dir: URL) throws {
    json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("inspect.json"))) as? [String: Any])
    samples = try #require(json["samples"] as? [[String: Any]])
    trains = try CSV(dir.appendingPathComponent("trains.csv"))
    cells = try CSV(dir.appendingPathComponent("cells.csv"))
    neurons = try CSV(dir.appendingPathComponent("neurons.csv"))
  }

  /// The train of (sample, layer, line, index), as a word (bit t: slot t).
  func trainWords() -> [String: (word: UInt64, array: String)] {
    var m: [String: (word: UInt64, array: String)] = [:]
    for r in trains.rows {
      var w: UInt64 = 0
      for (t, ch) in r["train"]!.enumerated() where ch == "|" { w |= 1 << UInt64(t) }
      m["\(r["sample"]!),\(r["layer"]!),\(r["line"]!),\(r["index"]!)"] = (w, r["array"]!)
    }
    return m
  }
}

private func inspect(_ data: URL, _ out: URL, _ extra: [String]) throws -> ProcessResult {
  try runXbarsim([
    "inspect", "--data", data.path, "--layers", "64,8,10", "--train-limit", "60", "--out", out.path,
  ] + (extra.contains("--samples") ? [] : ["--samples", "3"]) + extra)
}

/// Runs an inspection that must succeed and reads it.
private func inspected(_ root: URL, _ data: URL, _ name: String, _ extra: [String]) throws -> Inspection {
  let out = root.appendingPathComponent(name)
  let r = try inspect(data, out, extra)
  #expect(r.status == 0, "\(r.stderr)")
  return try Inspection(out)
}

@Test(arguments: ["hybrid", "single"])
func hybridInspectWritesItsFourFiles(rule: String) throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try inspect(data, out, ["--rule", rule, "--start", "5"])
  #expect(r.status == 0, "\(r.stderr)")
  for f in ["inspect.json", "trains.csv", "cells.csv", "neurons.csv"] {
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(f).path), "\(f)")
  }
  // A heat map per layer (since session 39): each device array and W.
  let titles = (rule == "hybrid" ? ["big G+", "big G−", "small g+", "small g−"] : ["G+", "G−"]) + ["W"]
  for (l, shape) in [(0, "65×8"), (1, "9×10")] {
    let svg = try String(contentsOf: out.appendingPathComponent("array\(l).svg"), encoding: .utf8)
    let panels = svg.components(separatedBy: "<text").compactMap { t -> String? in
      guard let a = t.range(of: ">"), let b = t.range(of: "</text>") else { return nil }
      return String(t[a.upperBound..<b.lowerBound])
    }
    #expect(panels.filter { titles.contains($0) } == titles, "array\(l).svg: \(panels)")
    #expect(panels.filter { $0.hasPrefix(shape) }.count == titles.count, "array\(l).svg: \(panels)")
  }
  let i = try Inspection(out)
  #expect(i.json["rule"] as? String == rule)
  #expect(i.json["kind"] as? String == "big")
  #expect((i.json["configuration"] as? [String: Any])?["rule"] as? String == rule)
  #expect(i.samples.count == 3)
  #expect(i.samples.allSatisfy { $0["phase"] as? String == "dynamic" })
  #expect(i.trains.header == ["sample", "layer", "line", "index", "value", "array", "pulses", "train"])
  #expect(i.cells.header == [
    "sample", "layer", "kind", "polarity", "row", "column", "coincidences", "landed", "device_before", "device_after", "refresh",
  ])
  #expect(i.neurons.header == ["sample", "layer", "neuron", "sum", "activation", "delta", "sense_offset", "comparator_offset"])
  // (No offsets in this run: 0 in every row.)
  #expect(i.neurons.rows.allSatisfy { $0["sense_offset"] == "0" && $0["comparator_offset"] == "0" })
  // Every neuron of every sample: 8 + 10 per sample.
  #expect(i.neurons.rows.count == 3 * 18)
  #expect(!i.trains.rows.isEmpty && !i.cells.rows.isEmpty)
  // The images are the first epoch's order after the 5 trained ones.
  let labels = i.samples.map { Int(trainImages.labels[$0["image"] as! Int]) }
  #expect(labels == i.samples.map { $0["label"] as! Int })
  // The step μ: (1 − G_min)/states, G_min 0.1, 50 states; /k (10) small.
  let step = try #require(i.json["step"] as? [String: Any])
  #expect(abs((step["big"] as! Double) - 0.9 / 50) < 1e-7)
  if rule == "hybrid" { #expect(abs((step["small"] as! Double) - 0.9 / 10 / 50) < 1e-8) } else { #expect(step["small"] is NSNull) }
}

/// The device of each cells.csv row moved by its coincidences × μ (c2c 0),
/// unless the saturation pass acted or the device reached its G_max.
private func expectExactSteps(_ i: Inspection, mu: Double, top: Double, kind: String) {
  var checked = 0
  for r in i.cells.rows {
    #expect(r["kind"] == kind)
    guard r["refresh"] == "0", r.double("device_after") < top - 1e-6 else { continue }
    let delta = r.double("device_after") - r.double("device_before")
    #expect(abs(delta - Double(r.int("coincidences")) * mu) < 1e-6, "\(r)")
    checked += 1
  }
  #expect(checked > 50, "only \(checked) cells")
}

@Test func everyCellMovesByItsCoincidencesTimesTheStep() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  // Without cycle-to-cycle noise: exactly μ per coincidence.
  let exact = try inspected(root, data, "exact", ["--rule", "hybrid", "--c2c", "0", "--start", "10", "--samples", "5"])
  expectExactSteps(exact, mu: 0.9 / 50, top: 1, kind: "big")
  let single = try inspected(root, data, "single", ["--rule", "single", "--c2c", "0", "--samples", "5"])
  expectExactSteps(single, mu: 0.9 / 50, top: 1, kind: "big")
  // The small arrays: μ/k, up to G_max/k.
  let fine = try inspected(root, data, "fine", ["--rule", "hybrid", "--c2c", "0", "--phase", "fine", "--samples", "5"])
  expectExactSteps(fine, mu: 0.9 / 10 / 50, top: 0.1, kind: "small")
  // With the default c2c (0.34): μ·(1 + c2c·z) per pulse, 1 on average.
  let noisy = try inspected(root, data, "noisy", ["--rule", "hybrid", "--start", "10", "--samples", "8"])
  var ratios: [Double] = []
  for r in noisy.cells.rows where r["refresh"] == "0" && r.int("coincidences") > 0 && r.double("device_after") < 1 - 1e-6 {
    ratios.append((r.double("device_after") - r.double("device_before")) / (0.9 / 50) / Double(r.int("coincidences")))
  }
  let mean = ratios.reduce(0, +) / Double(ratios.count)
  #expect(ratios.count > 100 && abs(mean - 1) < 0.04, "\(ratios.count) cells, mean \(mean)")
  // And not exactly: the noise is there.
  #expect(ratios.contains { abs($0 - 1) > 0.01 })
}

/// cells.csv's `landed` (session 62): every coincidence with ideal writes;
/// through resistive lines, the device moves by the landed ones × μ.
@Test func cellsLandedCountsTheCoincidencesTheLinesLetThrough() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  let ideal = try inspected(root, data, "ideal", ["--rule", "single", "--c2c", "0", "--samples", "4"])
  #expect(ideal.cells.rows.allSatisfy { $0["landed"] == $0["coincidences"] })
  let lines = try inspected(root, data, "lines", [
    "--rule", "single", "--c2c", "0", "--samples", "4", "--wires", "resistive", "--r-row", "200", "--r-col", "200",
    "--write-lines", "resistive",
  ])
  var held = 0, checked = 0
  for r in lines.cells.rows {
    let c = r.int("coincidences"), n = r.int("landed")
    #expect(n >= 0 && n <= c, "\(r)")
    held += c - n
    guard r["refresh"] == "0", r.double("device_after") < 1 - 1e-6 else { continue }
    #expect(abs(r.double("device_after") - r.double("device_before") - Double(n) * 0.9 / 50) < 1e-6, "\(r)")
    checked += 1
  }
  #expect(held > 0 && checked > 20, "held back \(held), checked \(checked)")
}

@Test func coincidencesArePopcountsOfTheRecordedTrains() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  for (name, extra) in [
    ("stochastic", ["--rule", "hybrid", "--start", "10", "--samples", "4"]),
    ("deterministic", ["--rule", "single", "--encoding", "deterministic", "--samples", "3"]),
    ("fine", ["--rule", "hybrid", "--phase", "fine", "--samples", "3"]),
  ] {
    let i = try inspected(root, data, name, extra)
    let words = i.trainWords()
    var listed = Set<String>()
    for r in i.cells.rows {
      let key = "\(r["sample"]!),\(r["layer"]!)"
      let row = words["\(key),row,\(r["row"]!)"]
      let column = words["\(key),column,\(r["column"]!)"]
      // A device's coincidences come from its column's array only.
      let drives = column?.array == r["polarity"]
      let c = drives ? ((row?.word ?? 0) & column!.word).nonzeroBitCount : 0
      #expect(r.int("coincidences") == c, "\(name): \(r)")
      if c > 0 { listed.insert("\(key),\(r["polarity"]!),\(r["row"]!),\(r["column"]!)") }
    }
    // And every coinciding pair is listed.
    var expected = Set<String>()
    for (rk, rw) in words where rk.contains(",row,") {
      let p = rk.split(separator: ",")
      for (ck, cw) in words where ck.hasPrefix("\(p[0]),\(p[1]),column,") && (rw.word & cw.word) != 0 {
        expected.insert("\(p[0]),\(p[1]),\(cw.array),\(p[3]),\(ck.split(separator: ",")[3])")
      }
    }
    #expect(listed == expected, "\(name): \(listed.symmetricDifference(expected).prefix(5))")
    #expect(!expected.isEmpty, "\(name)")
  }
}

@Test func theCoincidencesAreTheSamplesPulsesLessTheRepotentiations() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  // Few states and a large rate: devices reach G_max and get refreshed.
  let i = try inspected(root, data, "sat", ["--rule", "hybrid", "--states", "5", "--lr", "1", "--start", "20", "--samples", "10"])
  var repotentiations = 0, resets = 0
  for (s, sample) in i.samples.enumerated() {
    let cells = i.cells.rows.filter { $0.int("sample") == s }
    let sum = cells.reduce(0) { $0 + $1.int("coincidences") }
    let pulses = sample["pulses"] as! Int, repot = sample["repotentiation_pulses"] as! Int
    #expect(sum == pulses - repot, "sample \(s)")
    #expect(sum == sample["coincidences"] as! Int, "sample \(s)")
    // The update's energies (session 35): a sample that programmed cells
    // booked their energy and half-selected others.
    let booked = try #require(sample["booked_program_energy"] as? Double)
    let halfSelected = try #require(sample["half_select_energy"] as? Double)
    #expect(sum == 0 ? booked == 0 && halfSelected == 0 : booked > 0 && halfSelected > 0, "sample \(s): \(sum) coincidences, \(booked) J booked, \(halfSelected) J half-selected")
    // The ledger's booking (session 36) against the trains' formula over
    // the coincidence slots: the same without a refresh but for the
    // coincident cells' steps between their pulses (the formula takes
    // them as before the update; with these 5-state devices, steps of a
    // fifth of the range, up to 2.5 %), more with one (its serial slots).
    let coincidence = try #require(sample["half_select_energy_coincidence"] as? Double)
    if sample["resets"] as! Int == 0 {
      #expect(abs(halfSelected - coincidence) <= 0.05 * halfSelected, "sample \(s): \(halfSelected) against \(coincidence)")
    } else {
      #expect(halfSelected > coincidence * (1 + 1e-5), "sample \(s): \(halfSelected) against \(coincidence)")
    }
    // Burr's refresh resets both devices of the pair: two resets, and
    // both rows of the pair flagged.
    #expect(cells.filter { $0["refresh"] == "1" }.count == sample["resets"] as! Int, "sample \(s)")
    repotentiations += repot
    resets += sample["resets"] as! Int
  }
  #expect(repotentiations > 0 && resets > 0, "no saturation to check")
}

/// x_i of layer l's rows in sample s: the pixels/255 or the previous
/// layer's f(s), the bias row's 1 last.
private func inputs(_ i: Inspection, sample s: Int, layer l: Int) -> [Double] {
  if l == 0 {
    let image = i.samples[s]["image"] as! Int
    return (0..<64).map { Double(trainImages.pixels[image * 64 + $0]) / 255 } + [1]
  }
  return i.neurons.rows.filter { $0.int("sample") == s && $0.int("layer") == l - 1 }
    .sorted { $0.int("neuron") < $1.int("neuron") }.map { $0.double("activation") } + [1]
}

private func deltas(_ i: Inspection, sample s: Int, layer l: Int) -> [Double] {
  i.neurons.rows.filter { $0.int("sample") == s && $0.int("layer") == l }
    .sorted { $0.int("neuron") < $1.int("neuron") }.map { $0.double("delta") }
}

@Test func theTrainsAreOnTheRowsWithInputsAndTheColumnsWithErrors() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  for (encoding, exact) in [("sign", true), ("stochastic", false)] {
    let i = try inspected(root, data, encoding, ["--rule", "hybrid", "--encoding", encoding, "--start", "10", "--samples", "4"])
    var exactLayers = 0
    for s in 0..<i.samples.count {
      for l in 0..<2 {
        let lines = i.trains.rows.filter { $0.int("sample") == s && $0.int("layer") == l }
        for r in lines {
          // BL slots; the sign rule's update is one slot (64 until session 43).
          #expect(r["train"]!.count == (exact ? 1 : 64) && r.int("pulses") == r["train"]!.filter { $0 == "|" }.count && r.int("pulses") > 0, "\(r)")
        }
        let x = inputs(i, sample: s, layer: l), d = deltas(i, sample: s, layer: l)
        let rows = lines.filter { $0["line"] == "row" }, columns = lines.filter { $0["line"] == "column" }
        for r in rows {
          #expect(r["array"] == "both")
          #expect(abs(r.double("value") - x[r.int("index")]) < 1e-6, "\(r)")
        }
        for c in columns {
          let v = d[c.int("index")]
          #expect(abs(c.double("value") - v) < 1e-6, "\(c)")
          // δ < 0 raises W: the G+ array's drivers fire.
          #expect(c["array"] == (v < 0 ? "plus" : "minus"), "\(c)")
        }
        let rowSet = Set(rows.map { $0.int("index") }), columnSet = Set(columns.map { $0.int("index") })
        let positive = Set(x.indices.filter { x[$0] > 0 }), nonzero = Set(d.indices.filter { d[$0] != 0 })
        #expect(rowSet.isSubset(of: positive) && columnSet.isSubset(of: nonzero))
        // No column fires: no row is encoded.
        if columns.isEmpty { #expect(rows.isEmpty) }
        if exact && !columns.isEmpty {
          // The sign rule's one-slot trains: every row with x > 0, every
          // column beyond the dead band.
          #expect(rowSet == positive, "sample \(s) layer \(l)")
          #expect(columnSet == nonzero, "sample \(s) layer \(l)")
          exactLayers += 1
        }
        if !exact && !columns.isEmpty {
          // Stochastic: a row fires in each slot with probability C_x·x
          // (C_x = √(η/(BL·μ)) ≈ 0.29): a train with C_x·x ≥ 1/4 is
          // empty with probability ≤ 0.75^64 ≈ 1e-8.
          let cx = (0.1 / (64 * 0.9 / 50)).squareRoot()
          #expect(positive.filter { cx * x[$0] >= 0.25 }.isSubset(of: rowSet), "sample \(s) layer \(l)")
        }
      }
    }
    if exact { #expect(exactLayers > 0) }
  }
}

@Test func phaseFineRecordsTheSmallArrays() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  let i = try inspected(root, data, "fine", ["--rule", "hybrid", "--phase", "fine", "--start", "3"])
  #expect(i.json["kind"] as? String == "small")
  #expect(i.samples.allSatisfy { $0["phase"] as? String == "fine" })
  #expect(!i.cells.rows.isEmpty && i.cells.rows.allSatisfy { $0["kind"] == "small" })
  // The small devices stay within G_min/k … G_max/k.
  #expect(i.cells.rows.allSatisfy { $0.double("device_after") <= 0.1 + 1e-6 && $0.double("device_after") >= 0.01 - 1e-6 })
}

@Test func inspectRefusesWhatTheHybridCannotDo() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  func expectUsage(_ extra: [String], _ words: [String]) throws {
    let r = try inspect(data, root.appendingPathComponent("refused"), extra)
    #expect(r.status == 64, "\(extra): \(r.stderr)")
    let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(first.hasPrefix("Error: "), "\(r.stderr)")
    for w in words { #expect(first.contains(w), "'\(w)' not in: \(first)") }
    #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("refused").path))
  }
  try expectUsage(["--rule", "single", "--phase", "fine"], ["--phase fine", "rule single", "--rule hybrid"])
  // (A checkpoint of rule hybrid or single loads since session 39:
  // HybridCheckpointTests. A missing one is named.)
  let missing = try inspect(data, root.appendingPathComponent("refused"), ["--rule", "hybrid", "--checkpoint", root.appendingPathComponent("net.json").path])
  #expect(missing.status == 1 && missing.stderr.hasPrefix("Error: \(root.appendingPathComponent("net.json").path): cannot read file"), "\(missing.stderr)")
  try expectUsage(["--rule", "hybrid", "--phase", "later"], ["--phase", "dynamic or fine"])
  try expectUsage(["--rule", "lim", "--phase", "fine"], ["--phase", "rule hybrid only"])
  try expectUsage(["--rule", "hybrid", "--switch-threshold", "0.3"], ["--switch-threshold", "--phase fine"])
}

@Test func recordingLeavesTheTrainingAsItWas() throws {
  let (root, data) = try dataDirectory()
  defer { try? FileManager.default.removeItem(at: root) }
  for (rule, extra) in [("hybrid", [String]()), ("single", ["--encoding", "sign"]), ("hybrid", ["--phase", "fine", "--threads", "2"])] {
    // Inspect 4 samples after 9 trained ones; train the same 13 images
    // (the same shuffle of 13): the same pulse count.
    let out = root.appendingPathComponent("inspect-\(rule)-\(extra.count)")
    let r = try runXbarsim([
      "inspect", "--data", data.path, "--layers", "64,8,10", "--rule", rule, "--train-limit", "13", "--start", "9",
      "--samples", "4", "--out", out.path,
    ] + extra)
    #expect(r.status == 0, "\(r.stderr)")
    let i = try Inspection(out)
    let summary = root.appendingPathComponent("summary-\(rule)-\(extra.count).json")
    // `train` has no fine tuning from the start: there, samples 9 and 10
    // trained unrecorded (--start 11) must end where their recording did.
    if extra.contains("--phase") {
      let again = root.appendingPathComponent("again")
      #expect(try runXbarsim([
        "inspect", "--data", data.path, "--layers", "64,8,10", "--rule", rule, "--train-limit", "13", "--start", "11",
        "--samples", "2", "--out", again.path,
      ] + extra).status == 0)
      let j = try Inspection(again)
      #expect(j.samples.last?["network_pulses"] as? Int == i.samples.last?["network_pulses"] as? Int)
      continue
    }
    let t = try runXbarsim([
      "train", "--data", data.path, "--layers", "64,8,10", "--rule", rule, "--train-limit", "13", "--evals-per-epoch", "1",
      "--test-limit", "20", "--summary", summary.path, "--quiet",
    ] + extra)
    #expect(t.status == 0, "\(t.stderr)")
    let s = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
    let pulses = try #require(s["pulses"] as? Int)
    #expect(pulses > 0)
    #expect(i.samples.last?["network_pulses"] as? Int == pulses, "\(rule) \(extra)")
    // The last sample's counters add up to its running total.
    let last = i.samples.count - 1
    #expect((i.samples[last]["network_pulses"] as! Int) - (i.samples[last - 1]["network_pulses"] as! Int) == i.samples[last]["pulses"] as! Int)
  }
}
