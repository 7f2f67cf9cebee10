import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation round 6 (inspect's files and the VCD, sweep's shards and merge,
// checkpoints, problem files and solve, the energy summary, pulses'
// --sequence): the survivors' tests.

// MARK: - inspect's pulses.csv and pulses.vcd

/// Six samples of a fresh 64-12-10 network with n_max 4 (resets among the
/// pulses), taken in process as `xbarsim inspect` takes them, and the
/// files' writer over them.
private func inspectedOutputs() throws -> (cfg: TrainingConfiguration, records: [SampleInspection], outputs: InspectCommand.Outputs) {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 12, 10]
  cfg.nMax = 4
  let net = LimNetwork(configuration: cfg)
  let images = SyntheticImages(count: 6, seed: 1)
  var records: [SampleInspection] = []
  for i in 0..<6 {
    records.append(try images.pixels.withUnsafeBufferPointer { px in
      try net.inspect(px.baseAddress! + i * 64, label: Int(images.labels[i]))
    })
  }
  let outputs = InspectCommand.Outputs(
    cfg: cfg, sizes: cfg.layers, records: records.enumerated().map { ($0.offset, $0.element) },
    counted: records.map { _ in (0, 0) })
  return (cfg, records, outputs)
}

/// A VCD's value changes per variable, by name (`array0.Dp_3`, `phase`).
private struct ParsedVCD {
  var declarations: [String] = []
  var byName: [String: [(time: Int64, value: Double)]] = [:]

  init(_ text: String) throws {
    var names: [String: String] = [:], scope: [String] = []
    var t: Int64 = 0, inDefinitions = true
    for line in text.split(separator: "\n") {
      let tokens = line.split(separator: " ").map(String.init)
      if inDefinitions {
        switch tokens.first {
        case "$scope": scope.append(tokens[2])
        case "$upscope": scope.removeLast()
        case "$var":
          declarations.append(line.trimmingCharacters(in: .whitespaces))
          names[tokens[3]] = (scope.dropFirst() + [tokens[4]]).joined(separator: ".")
        case "$enddefinitions": inDefinitions = false
        default: break
        }
        continue
      }
      if line.hasPrefix("#") {
        t = try #require(Int64(line.dropFirst()))
      } else if tokens.count == 2, let name = names[tokens[1]] {
        let value =
          line.hasPrefix("b") ? Double(try #require(Int(tokens[0].dropFirst(), radix: 2))) : try #require(Double(tokens[0].dropFirst()))
        byName[name, default: []].append((t, value))
      }
    }
  }

  /// The value of `name` at time t (the last change at or before t).
  func value(_ name: String, at t: Int64) -> Double? {
    byName[name]?.last { $0.time <= t }?.value
  }
}

// pulses.csv: each update slot's events with their row and column, slot
// (the sample's reads first, then its update slots, samples back to back),
// the kind's amplitude and width (mutants: row and column swapped, every
// event of a sample in its first update slot, the read width for every
// kind).
@Test func inspectsPulsesCSVPlacesEachEventInItsSlotWithItsKindsWidth() throws {
  let (cfg, records, outputs) = try inspectedOutputs()
  var want: [String] = []
  var slot = 0
  for (k, r) in records.enumerated() {
    slot += r.reads.count
    for events in UpdateSchedule.slots(r.pulses) {
      for e in events {
        let width = e.kind == .reset ? cfg.resetTime : cfg.programTime
        want.append(
          "\(k),\(e.array),\(e.polarity == .plus ? "G+" : "G-"),\(e.row),\(e.column),\(e.kind.rawValue),"
            + "\(JSONWriter.number(cfg.pulseGenerator.amplitude(of: e.kind))),\(JSONWriter.number(width)),\(slot),"
            // (Whole picoseconds over 1e12 since session 43.)
            + JSONWriter.number(Double(Int64(slot) * Int64((cfg.slotTime * 1e12).rounded())) / 1e12))
      }
      slot += 1
    }
  }
  // (The first ten fields: the device's conductances follow, tested in
  // `inspectedDeviceConductancesFollowEachDeviceFromSampleToSample`.)
  let rows = outputs.pulsesCSV().split(separator: "\n").dropFirst().map {
    $0.split(separator: ",", omittingEmptySubsequences: false).prefix(10).joined(separator: ",")
  }
  #expect(rows.contains { $0.contains(",reset,") } && rows.contains { $0.contains(",potentiate,") })
  #expect(rows.count == want.count)
  for (got, expected) in zip(rows, want) where got != expected {
    Issue.record("pulses.csv row '\(got)', expected '\(expected)'")
    break
  }
}

// pulses.vcd: a read drives D+_i and D−_i (forward; S+_j and S−_j
// transposed) at its line voltage for read_time; a pulse of amplitude A to
// cell (i, j) drives D±_i at +A/2 and S±_j at −A/2 (V/2 selection) until
// its kind's width has passed; after the last slot the phase is 0
// (mutants: a forward read drives D+ and S+, S lines at +A/2, every update
// slot as wide as a programming pulse, the phase left at "update").
@Test func inspectsVCDDrivesEachLineAtItsLevelForItsWidth() throws {
  let (cfg, records, outputs) = try inspectedOutputs()
  let vcd = try ParsedVCD(outputs.vcd())
  let ps = { (t: Double) in Int64((t * 1e12).rounded()) }
  let slotPs = ps(cfg.slotTime)
  var slot: Int64 = 0
  var checkedResets = 0
  /// Line `name` holds `level` from t0 to just before t0 + width, then 0.
  func expectDrive(_ name: String, _ level: Double, _ t0: Int64, _ width: Double, _ what: String) {
    let t1 = t0 + ps(width)
    #expect(vcd.value(name, at: t0) == level, "\(what): \(name) at \(t0) ps is \(vcd.value(name, at: t0) ?? .nan), not \(level)")
    #expect(vcd.value(name, at: t1 - 1) == level, "\(what): \(name) ends before \(t1) ps")
    #expect(vcd.value(name, at: t1) == 0, "\(what): \(name) still driven at \(t1) ps")
  }
  for (k, r) in records.enumerated() {
    for read in r.reads {
      let forward = read.direction == .forward
      let volts = forward ? read.drainVoltage : read.sourceVoltage
      let (p, m) = forward ? ("Dp", "Dm") : ("Sp", "Sm")
      for (i, v) in volts.enumerated() where v != 0 {
        for kind in [p, m] {
          expectDrive("array\(read.array).\(kind)_\(i)", v, slot * slotPs, cfg.readTime, "sample \(k) read")
        }
      }
      slot += 1
    }
    for events in UpdateSchedule.slots(r.pulses) {
      for e in events {
        let a = cfg.pulseGenerator.amplitude(of: e.kind) / 2
        let width = e.kind == .reset ? cfg.resetTime : cfg.programTime
        let (d, s) = e.polarity == .plus ? ("Dp", "Sp") : ("Dm", "Sm")
        expectDrive("array\(e.array).\(d)_\(e.row)", a, slot * slotPs, width, "sample \(k) \(e.kind)")
        expectDrive("array\(e.array).\(s)_\(e.column)", -a, slot * slotPs, width, "sample \(k) \(e.kind)")
        if e.kind == .reset { checkedResets += 1 }
      }
      slot += 1
    }
  }
  #expect(checkedResets > 0)
  #expect(vcd.value("phase", at: slot * slotPs - 1) == 3)
  #expect(vcd.value("phase", at: slot * slotPs) == 0, "the phase after the last slot")
}

// VCDWriter: at one time the last value set wins; a value that does not
// change writes nothing; a vector is declared with its own width (mutants:
// the first value wins, every set value written again, every vector 32
// bits wide).
@Test func theVCDWriterKeepsTheLastValueAndWritesOnlyChanges() {
  var w = VCDWriter()
  let x = w.add(scope: ["top"], name: "x", .real)
  let n = w.add(scope: ["top"], name: "n", .integer(bits: 2))
  w.set(x, 1, at: 5)
  w.set(x, 2, at: 5)
  w.set(x, 2, at: 7)
  w.set(n, 3, at: 9)
  let text = w.render(version: "v", timescale: "1 ps", date: "d")
  let x0 = VCDWriter.code(x), n0 = VCDWriter.code(n)
  #expect(text.contains("$var reg 2 \(n0) n $end"), "\(text)")
  #expect(text.contains("#5\nr2.0 \(x0)\n#9\nb11 \(n0)\n"), "\(text)")
  #expect(!text.contains("r1.0 \(x0)") && !text.contains("#7"), "\(text)")
}

// MARK: - sweep

// --shard i/n takes 0 ≤ i < n: i = n names no shard (mutant: i ≤ n, so
// 4/4 would run the points of shard 0/4 again).
@Test func aShardIndexEqualToTheCountIsRefused() throws {
  #expect(try SweepCommand.parseShard("3/4") == (3, 4))
  #expect(throws: CLIError.self) { try SweepCommand.parseShard("4/4") }
}

/// A sweep's result cells (`SweepCommand.fields`) with these accuracies.
private func resultCells(mean: String, min: String, max: String) -> [String] {
  ["90", mean, min, max, "100", "5", "0", "0", "10", "0.5", "false", "", ""]
    + Array(repeating: "", count: SweepCommand.fields.count - SweepCommand.legacyFields.count)
}

// A row's mean accuracy lies between its min and max (mutant: only
// min ≤ mean checked).
@Test func aRowsMeanAboveItsMaxIsRefused() throws {
  try SweepCommand.checkResults(resultCells(mean: "91", min: "90", max: "92"), point: 0, in: "s.csv")
  #expect(throws: CLIError.self) { try SweepCommand.checkResults(resultCells(mean: "95", min: "90", max: "92"), point: 0, in: "s.csv") }
  #expect(throws: CLIError.self) { try SweepCommand.checkResults(resultCells(mean: "85", min: "90", max: "92"), point: 0, in: "s.csv") }
}

// A quoted CSV cell's "" is one quote (mutant: dropped).
@Test func aQuotedCSVCellsDoubledQuoteIsOneQuote() {
  #expect(SweepCommand.csvCells("\"a \"\"b\"\"\",c") == ["a \"b\"", "c"])
  #expect(SweepCommand.csvCells(Substring(SweepCommand.csvLine(["x,\"y\"", "z"]).dropLast())) == ["x,\"y\"", "z"])
}

/// A shard directory written as `sweep` writes it: grid seed=1,2,3 (3
/// points), shard (i, n), the given points' rows.
private func writeShard(_ dir: URL, shard: (Int, Int), points: [Int]) throws -> SweepCommand.Grid {
  try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  let grid = SweepCommand.Grid(keys: ["seed"], values: [["1", "2", "3"]])
  let rows = points.map { ["\($0)"] + grid.point($0) + resultCells(mean: "91", min: "90", max: "92") }
  try SweepCommand.writeOutputs(grid, rows, baseJSON: "{\"epochs\": 1}", dataJSON: nil, shard: shard, to: dir.path)
  return grid
}

// readShard: a row's point number is below the grid's point count (mutant:
// ≤, so a row "3" with point 0's values, which `point` wraps to, would
// pass); the shard's index is below its count (mutant: any index).
@Test func aShardsRowBeyondTheGridOrAnIndexBeyondTheCountIsRefused() throws {
  let root = try Scratch.directory("xbarsim-r6-shard")
  defer { try? FileManager.default.removeItem(at: root) }
  let good = root.appendingPathComponent("good")
  let grid = try writeShard(good, shard: (0, 1), points: [0, 1, 2])
  #expect(try SweepCommand.readShard(good.path).rows.count == 3)

  let beyond = root.appendingPathComponent("beyond")
  _ = try writeShard(beyond, shard: (0, 1), points: [0, 1, 2])
  let csv = beyond.appendingPathComponent("sweep.csv")
  let extra = ["3"] + grid.point(0) + resultCells(mean: "91", min: "90", max: "92")
  try (String(contentsOf: csv, encoding: .utf8) + SweepCommand.csvLine(extra)).write(to: csv, atomically: false, encoding: .utf8)
  #expect(throws: CLIError.self) { _ = try SweepCommand.readShard(beyond.path) }

  let index = root.appendingPathComponent("index")
  _ = try writeShard(index, shard: (2, 2), points: [])
  #expect(throws: CLIError.self) { _ = try SweepCommand.readShard(index.path) }
}

// merge --out refuses a directory holding a shard of this very sweep, also
// of a 2-shard sweep (mutant: only of 3 or more shards).
@Test func mergeRefusesToOverwriteAShardOfTwo() throws {
  let root = try Scratch.directory("xbarsim-r6-merge")
  defer { try? FileManager.default.removeItem(at: root) }
  let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b"), copy = root.appendingPathComponent("copy")
  _ = try writeShard(a, shard: (0, 2), points: [0, 2])
  _ = try writeShard(b, shard: (1, 2), points: [1])
  _ = try writeShard(copy, shard: (1, 2), points: [1])
  let before = try String(contentsOf: copy.appendingPathComponent("sweep.csv"), encoding: .utf8)
  #expect(throws: CLIError.self) { try SweepCommand.merge([a.path, b.path], out: copy.path) }
  #expect(try String(contentsOf: copy.appendingPathComponent("sweep.csv"), encoding: .utf8) == before)
}

// MARK: - checkpoints

/// A checkpoint's text for a fresh network of `layers` (method `method`).
private func checkpointText(_ root: URL, _ layers: [Int], method: UpdateMethod = .b) throws -> String {
  var cfg = TrainingConfiguration()
  cfg.layers = layers
  cfg.method = method
  if method == .c { cfg.gMinRatio = 0.1 }
  let path = root.appendingPathComponent("c-\(UUID().uuidString).json").path
  try Checkpoint.write(LimNetwork(configuration: cfg), trainImages: 0, to: path)
  return try String(contentsOfFile: path, encoding: .utf8)
}

/// `Checkpoint.read` of `text` fails.
private func expectRefused(_ root: URL, _ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let path = root.appendingPathComponent("bad-\(UUID().uuidString).json").path
  #expect(throws: CLIError.self, "\(what)", sourceLocation: sourceLocation) {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    _ = try Checkpoint.read(path)
  }
}

// Checkpoint.read: exactly one layer object per array, each of the
// network's shape, device states whole numbers and method c's
// conductances ≥ G_min/G_max (mutants: extra layers accepted, the column
// count unchecked, a state 2.5 read as 2, a conductance below G_min read).
@Test func aCheckpointsLayersMustMatchTheNetworkAndItsDeviceRange() throws {
  let root = try Scratch.directory("xbarsim-r6-checkpoint")
  defer { try? FileManager.default.removeItem(at: root) }
  let text = try checkpointText(root, [4, 3, 2])
  let path = root.appendingPathComponent("good.json").path
  try text.write(toFile: path, atomically: false, encoding: .utf8)
  #expect(try Checkpoint.read(path).states.count == 2)

  // The second layer (4×2) twice: three layers for two arrays.
  let second = try #require(text.range(of: "    {\"rows\": 4, \"columns\": 2"))
  let end = try #require(text.range(of: "\n  ]\n}", options: .backwards))
  let layer = String(text[second.lowerBound..<end.lowerBound])
  expectRefused(root, text.replacingCharacters(in: end.lowerBound..<end.lowerBound, with: ",\n" + layer), "three layers")

  // The second layer of a 4-3-3 network (4×3, its lists of 12) in place of the 4×2 one.
  let other = try checkpointText(root, [4, 3, 3])
  let otherSecond = try #require(other.range(of: "    {\"rows\": 4, \"columns\": 3"))
  let otherEnd = try #require(other.range(of: "\n  ]\n}", options: .backwards))
  expectRefused(
    root, text.replacingCharacters(in: second.lowerBound..<end.lowerBound, with: String(other[otherSecond.lowerBound..<otherEnd.lowerBound])),
    "a 4×3 layer for a 4×2 array")

  let states = try #require(text.range(of: #""plus_states": \[[0-9]+"#, options: .regularExpression))
  expectRefused(root, text.replacingCharacters(in: states, with: "\"plus_states\": [2.5"), "state 2.5")

  // Method c with G_min/G_max 0.1: a conductance of 0.01 is below any device's.
  let c = try checkpointText(root, [4, 3, 2], method: .c)
  let conductance = try #require(c.range(of: #""plus_conductances": \[[0-9.e-]+"#, options: .regularExpression))
  expectRefused(root, c.replacingCharacters(in: conductance, with: "\"plus_conductances\": [0.01"), "conductance 0.01")
}

// MARK: - problem files, solve and spice

private func mesh(_ json: String) throws -> CrossbarMesh {
  try ProblemFile.parse(Data(json.utf8), source: "p.json")
}

// A problem's lists have exactly rows and cols entries, and every v_in is
// finite (mutants: longer lists accepted, 1e400 read as inf).
@Test func aProblemsListsHaveTheirExactLengthsAndFiniteDrives() throws {
  let ok = #"{"rows": 2, "cols": 2, "r_row": 1, "r_col": 1, "v_in": [1, 0.5], "conductance": [[1e-5, 0], [2e-5, 3e-5]]}"#
  #expect(try mesh(ok).conductance == [1e-5, 0, 2e-5, 3e-5])
  for bad in [
    #"{"rows": 2, "cols": 2, "r_row": 1, "r_col": 1, "v_in": [1, 0.5, 7], "conductance": [[1e-5, 0], [2e-5, 3e-5]]}"#,
    #"{"rows": 2, "cols": 2, "r_row": 1, "r_col": 1, "v_in": [1, 0.5], "conductance": [[1e-5, 0, 4e-5], [2e-5, 3e-5]]}"#,
    #"{"rows": 2, "cols": 2, "r_row": 1, "r_col": 1, "v_in": [1e400, 0.5], "conductance": [[1e-5, 0], [2e-5, 3e-5]]}"#,
  ] {
    #expect(throws: CLIError.self, "\(bad)") { _ = try mesh(bad) }
  }
}

/// `xbarsim solve` of `json` with `options`: its JSON output.
private func solve(_ root: URL, _ json: String, _ options: [String] = []) throws -> [String: Any] {
  let file = root.appendingPathComponent("p-\(UUID().uuidString).json")
  try json.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["solve", file.path] + options)
  try #require(r.status == 0, "\(r.stderr)")
  return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
}

// read_energy_joules is the power times --read-time (mutant: the power);
// the G·r bound applies only with resistive bit lines: resistive word
// lines beside ideal bit lines are solved directly, whatever G·r (mutant:
// refused as ill-conditioned; since session 42 ideal word lines beside
// resistive bit lines are refused beyond 1e9, `SolveCommandTests`).
@Test func solveReportsTheReadEnergyAndSolvesOneResistiveLineKindAtAnyGR() throws {
  let root = try Scratch.directory("xbarsim-r6-solve")
  defer { try? FileManager.default.removeItem(at: root) }
  let a = try solve(root, #"{"rows": 1, "cols": 1, "r_row": 0, "r_col": 0, "v_in": [2], "conductance": [[1e-3]]}"#, ["--read-time", "3e-8"])
  #expect(a["power_watts"] as? Double == 4e-3)
  let energy = try #require(a["read_energy_joules"] as? Double)
  #expect(abs(energy - 1.2e-10) <= 1e-24, "\(energy)")
  // G·r = 1e10 with ideal bit lines.
  let b = try solve(root, #"{"rows": 1, "cols": 2, "r_row": 1e12, "r_col": 0, "v_in": [1], "conductance": [[1e-2, 1e-2]]}"#)
  #expect(b["solver"] as? String == "line-direct")
}

// MARK: - the energy summary

// Several runs' ledgers: energy and latency per image are their mean per
// training image, Σ/(runs × images) (mutant: Σ/images, the runs summed).
@Test func theEnergyPerImageOfSeveralRunsIsTheirMean() throws {
  var a = EnergyLedger(), b = EnergyLedger()
  a.read = 3e-9
  a.readTime = 2e-6
  b.read = 1e-9
  b.program = 4e-9
  b.updateTime = 6e-6
  var j = JSONWriter()
  TrainCommand.addEnergy(&j, ledgers: [a, b], images: 10)
  let o = try #require(try JSONSerialization.jsonObject(with: Data(j.finished().utf8)) as? [String: Any])
  let energy = try #require(o["energy_per_image_joules"] as? Double), latency = try #require(o["latency_per_image_seconds"] as? Double)
  #expect(abs(energy - 4e-10) < 1e-22, "\(energy)")
  #expect(abs(latency - 4e-7) < 1e-19, "\(latency)")
  let breakdown = try #require(o["energy_breakdown_joules"] as? [String: Double])
  #expect(abs(breakdown["program"]! - 2e-10) < 1e-22)
}

// MARK: - pulses

// --sequence: a step of 0 pulses is no step, and the sequence as a whole
// holds at most 1,000,000 steps (mutants: p0 accepted as nothing; each
// step checked alone, so two steps of 600,000 would print 1.2 million
// rows).
@Test func aSequenceStepOfZeroOrASequenceBeyondTheCapIsRefused() throws {
  let ok = try runXbarsim(["pulses", "--sequence", "p2,r"])
  #expect(ok.status == 0 && ok.stdout.split(separator: "\n").count == 5, "\(ok.stderr)")
  let zero = try runXbarsim(["pulses", "--sequence", "p2,p0"])
  #expect(zero.status == 64 && zero.stderr.contains("bad step 'p0'"), "\(zero.status) \(zero.stderr)")
  let long = try runXbarsim(["pulses", "--sequence", "p600000,d600000"])
  #expect(long.status == 64 && long.stderr.contains("more than 1000000 steps"), "\(long.status) \(long.stderr)")
}
