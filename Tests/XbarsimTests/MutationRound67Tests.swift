import Foundation
#if canImport(Glibc)
  @preconcurrency import Glibc
#endif
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation round 67 (sweep.csv, the inspect files): the survivors'
// tests, each from the documented format (docs/outputs.md, RFC 4180 for
// the CSV quoting), not from the current output.

@Suite struct MutationRound67CLITests {
  /// A sweep.csv cell with a double quote is quoted and its quote doubled
  /// (RFC 4180), as one with a comma is, so that it reads back as written
  /// (mutant: a quote without a comma written bare, read back without it
  /// and the rest of the line shifted into the cell).
  @Test func aCellWithAQuoteIsQuotedAndReadsBack() {
    #expect(SweepCommand.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
    #expect(SweepCommand.csvField("a,b") == "\"a,b\"")
    #expect(SweepCommand.csvField("plain") == "plain")
    let cells = ["3", "data/\"odd\".csv", "x,y", "", "0.5"]
    let line = SweepCommand.csvLine(cells)
    #expect(line == "3,\"data/\"\"odd\"\".csv\",\"x,y\",,0.5\n")
    #expect(SweepCommand.csvCells(line.dropLast()) == cells)
  }

  /// Both nil, or both numbers within 1e-12 of each other (relative).
  static func near(_ x: Double?, _ y: Double?) -> Bool {
    guard let x, let y else { return x == nil && y == nil }
    return abs(x - y) <= 1e-12 * max(abs(x), abs(y))
  }

  /// A finished Choi run of final test accuracy `final`.
  static func result(final: Double) -> TrainingResult {
    var r = TrainingResult()
    r.testAccuracy = final
    r.accuracyMeanLast = final
    r.accuracyMinLast = final
    r.accuracyMaxLast = final
    return r
  }

  /// The choi2021 table's Δ is measured − paper, as the lim2018 table's
  /// (README, choi2021: "Δ is measured − paper"): a row whose seeds
  /// end at 96 and 98 % against the paper's P shows 97 − P (mutant: the
  /// sign turned, paper − measured).
  @Test func theChoiTablesDeltaIsMeasuredMinusPaper() throws {
    let runs = ChoiReproduction.runs(figure: 4, base: TrainingConfiguration())
    let run = try #require(runs.first { $0.paper != nil && abs($0.paper! - 97) > 0.5 })
    var row = ReproduceCommand.Row(run: run, final: true)
    row.results = [Self.result(final: 96), Self.result(final: 98)]
    let line = ReproduceCommand.choiLine(row, width: 31, seeds: 2)
    #expect(line.hasPrefix(run.label), "\(line)")
    let delta = String(format: "%+6.2f", 97 - run.paper!)
    #expect(line.contains(" 97.00 ") && line.contains(delta), "\(line)")
    #expect(!line.contains(String(format: "%+6.2f", run.paper! - 97)), "\(line)")
  }

  /// A reproduce summary is a JSON array (RFC 8259): its rows separated by
  /// commas, none after the last (mutant: a trailing comma, which strict
  /// JSON readers refuse).
  @Test func aReproduceSummaryHasNoTrailingComma() throws {
    let runs = ChoiReproduction.runs(figure: 4, base: TrainingConfiguration())
    var rows = Array(runs.prefix(2)).map { ReproduceCommand.Row(run: $0, final: true) }
    rows[0].results = [Self.result(final: 90)]
    rows[1].results = [Self.result(final: 91)]
    let path = Scratch.file("xm67.json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try ReproduceCommand.writeRows(rows, to: path) { row, j in j.add("label", row.run.label) }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasPrefix("[\n") && text.hasSuffix("}\n]\n"), "\(text)")
    #expect(!text.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "").contains(",]"), "\(text)")
    let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
    #expect(parsed?.map { $0["label"] as? String } == rows.map(\.run.label))
  }

  /// `inspect`'s lines.csv gives each read's line currents, on a driven
  /// line what its driver delivers into the array, on an output line what
  /// flows out (README, Inspect): with ideal lines every crossbar's current
  /// in is its current out, Σ I(D+) = Σ I(S+) and Σ I(D−) = Σ I(S−), and the
  /// rows are inspect.json's `*_current` lists (mutant: the D− rows carried
  /// the D+ currents). neurons.csv's `gate` and `probability` are
  /// inspect.json's (mutant: the two columns swapped).
  @Test func inspectsLineCurrentsBalanceAndItsNeuronColumnsAreTheirOwn() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-round67-inspect", train: 40, test: 20)
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("inspect")
    let r = try runXbarsim(["inspect", "--data", data.path, "--layers", "64,4,10", "--samples", "2", "--out", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    func rows(_ name: String) throws -> [[String]] {
      try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
    let lines = try rows("lines.csv")
    #expect(lines[0] == ["sample", "array", "phase", "slot", "line", "index", "voltage", "current"])
    // Per (sample, array, slot): the four lines' current sums.
    var sums: [String: [String: Double]] = [:]
    for l in lines.dropFirst() {
      sums["\(l[0]),\(l[1]),\(l[3])", default: [:]][l[4], default: 0] += Double(l[7])!
    }
    #expect(sums.count >= 4)
    for (read, s) in sums {
      for (d, o) in [("D+", "S+"), ("D-", "S-")] {
        let a = try #require(s[d]), b = try #require(s[o])
        #expect(abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-18, "\(read): \(d) \(a) against \(o) \(b)")
      }
      // (The check needs the two crossbars' currents to differ.)
      #expect(s["D+"] != s["D-"], "\(read)")
    }
    let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("inspect.json"))) as? [String: Any])
    let samples = try #require(json["samples"] as? [[String: Any]])
    var expected: [[Double?]] = []
    for (k, sample) in samples.enumerated() {
      let reads = try #require(sample["reads"] as? [[String: Any]])
      for read in reads {
        let dMinus = try #require(read["d_minus_current"] as? [Double])
        let matching = lines.dropFirst().filter { $0[0] == "\(k)" && $0[1] == "\(read["array"]!)" && $0[3] == "\(read["slot"]!)" && $0[4] == "D-" }
        // (JSONSerialization reads a number to within an ulp or two.)
        let csv = matching.map { Double($0[7])! }
        #expect(csv.count == dMinus.count && zip(csv, dMinus).allSatisfy { abs($0 - $1) <= 1e-12 * max(abs($0), abs($1)) }, "\(csv) against \(dMinus)")
      }
      for n in try #require(sample["neurons"] as? [[String: Any]]) {
        let sums = try #require(n["sum"] as? [Double])
        for j in sums.indices {
          let gate = (n["gate"] as? [Double]).map { $0[j] }
          let probability = (n["probability"] as? [Double]).map { $0[j] }
          expected.append([gate, probability])
        }
      }
    }
    let neurons = try rows("neurons.csv")
    #expect(Array(neurons[0][6...7]) == ["gate", "probability"])
    let given = neurons.dropFirst().map { Array($0[6...7]).map { Double($0) } }
    #expect(given.count == expected.count)
    for (a, b) in zip(given, expected) {
      #expect(zip(a, b).allSatisfy(Self.near), "\(a) against \(b)")
    }
    // (The check needs a gate that is given, and a probability.)
    #expect(expected.contains { $0[0] != nil } && expected.contains { $0[1] != nil })
  }

  /// pulses.csv (README, Inspect): a rule pulse (`potentiate`) raises its
  /// device, so a device with rule pulses alone in a sample's update ends
  /// it at `device_after` ≥ `device_before`; each row's `amplitude` and
  /// `width` are its kind's, inspect.json's `time_base` program or reset
  /// voltage and time (mutants: before and after swapped; a reset's width
  /// the program pulse's).
  @Test func inspectsPulsesCarryTheirKindsShapeAndRaiseTheirDevices() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-round67-pulses", train: 60, test: 20)
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("inspect")
    let r = try runXbarsim(["inspect", "--data", data.path, "--layers", "64,4,10", "--nmax", "4", "--samples", "8", "--out", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("inspect.json"))) as? [String: Any])
    let base = try #require(json["time_base"] as? [String: Any])
    let programTime = try #require(base["program_time"] as? Double), resetTime = try #require(base["reset_time"] as? Double)
    let programVoltage = try #require(base["program_voltage"] as? Double), resetVoltage = try #require(base["reset_voltage"] as? Double)
    let rows = try String(contentsOf: out.appendingPathComponent("pulses.csv"), encoding: .utf8).split(separator: "\n")
      .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    #expect(rows[0] == ["sample", "array", "polarity", "row", "column", "kind", "amplitude", "width", "slot", "time", "device_before", "device_after", "landed"])
    var kinds: [String: Set<String>] = [:]
    for p in rows.dropFirst() { kinds[p[0...4].joined(separator: ","), default: []].insert(p[5]) }
    var raised = 0, resets = 0
    for p in rows.dropFirst() {
      let amplitude = Double(p[6])!, width = Double(p[7])!
      if p[5] == "reset" {
        resets += 1
        #expect(Self.near(width, resetTime) && Self.near(amplitude, resetVoltage), "\(p)")
      } else if p[5] == "potentiate" || p[5] == "repotentiate" {
        #expect(Self.near(width, programTime) && Self.near(amplitude, programVoltage), "\(p)")
      }
      if kinds[p[0...4].joined(separator: ",")] == ["potentiate"] {
        let before = Double(p[10])!, after = Double(p[11])!
        #expect(after >= before, "\(p)")
        if after > before { raised += 1 }
      }
    }
    // (The checks need raised devices and resets.)
    #expect(raised > 10 && resets > 0, "\(raised) raised, \(resets) resets")
  }

  /// The hybrid's neurons.csv: with `loss mse` the output neurons are
  /// logistic, activation = 1/(1 + e^−sum) (README, `loss`); its
  /// `comparator_offset` is each column comparator's drawn offset, its
  /// `sense_offset` the sense amplifier's, none here (mutants: the outputs
  /// as softmax; the comparator's column a copy of the sense offsets).
  @Test func theHybridsNeuronsCSVHasLogisticOutputsAndItsComparatorsOffsets() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-round67-hybrid", train: 60, test: 20)
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("inspect")
    let r = try runXbarsim([
      "inspect", "--data", data.path, "--rule", "hybrid", "--layers", "64,8,10", "--loss", "mse", "--encoding", "sign",
      "--comparator-offset", "0.3", "--samples", "2", "--out", out.path,
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let rows = try String(contentsOf: out.appendingPathComponent("neurons.csv"), encoding: .utf8).split(separator: "\n")
      .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    #expect(rows[0] == ["sample", "layer", "neuron", "sum", "activation", "delta", "sense_offset", "comparator_offset"])
    let output = rows.dropFirst().filter { $0[1] == "1" }
    #expect(output.count == 2 * 10)
    for n in output {
      // The sum as the Float it is (printed shortest).
      let sum = Double(try #require(Float(n[3]))), activation = try #require(Double(n[4]))
      #expect(abs(activation - 1 / (1 + exp(-sum))) <= 1e-12, "\(n)")
    }
    #expect(rows.dropFirst().allSatisfy { $0[6] == "0" })
    #expect(rows.dropFirst().contains { $0[7] != "0" && abs(Double($0[7])!) > 0.01 })
  }
}
