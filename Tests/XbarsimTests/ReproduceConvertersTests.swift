import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// `reproduce choi2021 --figure 4 --adc-bits 4` was refused: its FP run,
// float SGD, refuses the peripheral keys. FP is software and has no
// converters: the keys apply to the runs with arrays, FP keeps the ideal
// periphery, and the command says so.

private func parse(_ argv: [String]) throws -> ParsedArguments {
  try #require(try ArgumentParsing.parse(argv, spec: ReproduceCommand.spec))
}

@Test func theSoftwareRunsOfAReproductionKeepTheIdealPeriphery() throws {
  var base = TrainingConfiguration()
  base.adcBits = 4
  base.dacBits = 5
  base.tiaGain = 0.9
  for (figure, runs) in [
    ("choi2021 4", ChoiReproduction.runs(figure: 4, base: base)), ("choi2021 6", ChoiReproduction.runs(figure: 6, base: base)),
    ("lim2018 7", LimReproduction.runs(figure: 7, base: base)), ("lim2018 12", LimReproduction.runs(figure: 12, base: base)),
  ] {
    #expect(runs.contains { $0.configuration.rule == .float }, "\(figure)")
    for run in runs {
      let c = run.configuration
      let expected = c.rule == .float ? (0, 0, 1.0) : (4, 5, 0.9)
      #expect(c.adcBits == expected.0 && c.dacBits == expected.1 && c.tiaGain == expected.2, "\(figure), \(run.label)")
      // Every run is one `train` takes.
      #expect(throws: Never.self, "\(figure), \(run.label)") { try c.validate() }
    }
  }
  let four = ChoiReproduction.runs(figure: 4, base: base)
  #expect(four.filter { $0.configuration.rule != .float }.map(\.configuration.rule) == [.single, .hybrid, .hybrid])
}

@Test func aPeripheralKeyIsNoOverrideOfTheSoftwareRunsAndIsNamedThere() throws {
  let args = try parse(["choi2021", "--figure", "4", "--adc-bits", "4"])
  var base = TrainingConfiguration()
  base.adcBits = 4
  let runs = ChoiReproduction.runs(figure: 4, base: base)
  try ReproduceCommand.refuseOverridden(args, base: base, runs: runs, what: "reproduce choi2021 --figure 4")
  let software = ReproduceCommand.softwarePeriphery(base, runs: runs, args: args)
  #expect(software.keys == ["adc_bits"])
  #expect(software.note == "note: the FP run is software, without converters: --adc-bits applies to the single and hybrid runs")
  let labels = runs.map { ReproduceCommand.labellingPeriphery($0, keys: software.keys).label }
  #expect(labels == ["FP", "single, 50 states, ADC 4 bits", "hybrid, 50 states, ADC 4 bits", "hybrid, sign rule (method b), ADC 4 bits"])
  // Without converters, nothing to say.
  let ideal = ReproduceCommand.softwarePeriphery(TrainingConfiguration(), runs: ChoiReproduction.runs(figure: 4, base: TrainingConfiguration()), args: try parse(["choi2021", "--figure", "4"]))
  #expect(ideal.keys.isEmpty && ideal.note == nil)
}

@Test func reproduceChoiFigure4AppliesTheConvertersToTheArrayRunsOnly() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-choi-converters", train: 30, test: 20, side: 28)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("rows.json")
  let r = try runXbarsim([
    "reproduce", "choi2021", "--figure", "4", "--seeds", "1", "--epochs", "1", "--data", data.path, "--adc-bits", "4",
    "--summary", summary.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("note: the FP run is software, without converters: --adc-bits applies to the single and hybrid runs\n"), "\(r.stderr)")
  #expect(!r.stdout.contains("note: the FP run"))
  #expect(r.stdout.contains("hybrid, 50 states, ADC 4 bits"), "\(r.stdout)")
  // The settings line under the title is every run's: not adc_bits.
  #expect(!r.stdout.contains("adc_bits"), "\(r.stdout)")
  let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [[String: Any]])
  #expect(rows.count == 4)
  for row in rows {
    let float = row["synapse"] as? String == "float"
    #expect(row["adc_bits"] as? Int == (float ? 0 : 4), "\(row["label"] ?? "")")
    #expect(((row["label"] as? String) ?? "").contains("ADC 4 bits") == !float, "\(row["label"] ?? "")")
    for key in ["figure", "synapse", "k", "states", "c2c", "d2d", "paper", "mean", "min", "max"] {
      #expect(row[key] != nil, "\(key)")
    }
  }
  // FP's paper number stands: the converters are not a key of Choi's setting.
  #expect(rows.first { $0["synapse"] as? String == "float" }?["paper"] as? Double == 97.92)
}

@Test func aPeripheralKeyNoArrayRunReadsIsStillRefused() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-choi-unread", train: 30, test: 20, side: 28)
  defer { try? FileManager.default.removeItem(at: root) }
  // Figure 6's arrays all train by stochastic trains: no comparator decides a pulse.
  let offset = try runXbarsim(["reproduce", "choi2021", "--figure", "6", "--data", data.path, "--comparator-offset", "0.01"])
  #expect(offset.status == 64, "\(offset.stderr)")
  #expect(
    offset.stderr.hasPrefix("Error: --comparator-offset: applies to encoding sign (and rule lim) only; no run of reproduce choi2021 --figure 6 reads it"),
    "\(offset.stderr)")
  // A full scale without an ADC.
  let range = try runXbarsim(["reproduce", "choi2021", "--figure", "4", "--data", data.path, "--adc-range", "3"])
  #expect(range.status == 64, "\(range.stderr)")
  #expect(range.stderr.hasPrefix("Error: --adc-range: applies to an ADC (adc_bits 1…16) only; no run of reproduce choi2021 --figure 4 reads it"), "\(range.stderr)")
  #expect(offset.stdout.isEmpty && range.stdout.isEmpty)
}

// A walkthrough (session 51): Figure 14's off-chip runs do not read
// comparator_offset, yet their summary rows carried it. Each run now runs,
// and reports, without the peripheral keys it does not read; the runs
// that read them keep them.
@Test func aRunReportsNoPeripheralKeyItDoesNotRead() throws {
  var base = TrainingConfiguration()
  base.comparatorOffset = 0.01
  base.readNoise = 0.5
  var rows = LimReproduction.runs(figure: 14, base: base).map { ReproduceCommand.Row(run: $0) }
  #expect(rows.contains { $0.run.configuration.mode == .offChip } && rows.contains { $0.run.configuration.mode == .onChip })
  ReproduceCommand.withoutUnreadPeriphery(&rows)
  for row in rows {
    let c = row.run.configuration
    #expect(c.comparatorOffset == (c.mode == .onChip ? 0.01 : 0), "\(row.run.label)")
    // Read noise is read by both (off-chip: its programmed array's reads).
    #expect(c.readNoise == 0.5, "\(row.run.label)")
    #expect(c.ignoredKeys.isEmpty, "\(row.run.label): \(c.ignoredKeys)")
  }
  // Figure 7's one software run is named once.
  var seven = TrainingConfiguration()
  seven.adcBits = 4
  let runs = LimReproduction.runs(figure: 7, base: seven)
  let args = try parse(["lim2018", "--figure", "7", "--adc-bits", "4"])
  #expect(ReproduceCommand.softwarePeriphery(seven, runs: runs, args: args).note?.hasPrefix("note: the software run is float SGD, without converters") == true)
}
