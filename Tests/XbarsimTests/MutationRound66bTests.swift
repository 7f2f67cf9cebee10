import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation round 66b: the reproduce tables' statistics over seeds and
// their JSON rows (ReproduceCommand.swift).

@Suite struct MutationRound66bReproduceTests {
  /// A finished run: last-10 % mean, min and max, final accuracy, and
  /// evaluation points of the given accuracies.
  static func result(mean: Double, min: Double, max: Double, final: Double, points: [Double] = [], train: Double = 0)
    -> TrainingResult
  {
    var r = TrainingResult()
    r.accuracyMeanLast = mean
    r.accuracyMinLast = min
    r.accuracyMaxLast = max
    r.testAccuracy = final
    r.trainAccuracy = train
    r.points = points.enumerated().map {
      EvaluationPoint(images: $0.offset, accuracy: $0.element, loss: 0, pulses: 0, resets: 0, seconds: 0)
    }
    return r
  }

  static func json(_ path: String) throws -> [[String: Any]] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [[String: Any]])
  }

  // A Lim row: the mean of the seeds' last-10 % means, the least of their
  // minima and the greatest of their maxima; one seed's mean is its own.
  @Test func aLimRowIsTheSeedsStatistics() {
    let run = LimReproduction.runs(figure: 8, base: TrainingConfiguration())[0]
    var row = ReproduceCommand.Row(run: run)
    row.results = [Self.result(mean: 90, min: 88, max: 91, final: 50), Self.result(mean: 92, min: 89, max: 95, final: 60)]
    #expect(row.mean == 91 && row.min == 88 && row.max == 95)
    row.results = [Self.result(mean: 90, min: 88, max: 91, final: 50)]
    #expect(row.mean == 90 && row.text(row.mean) == " 90.00")
    row.results = []
    #expect(row.text(0) == "     –")
  }

  // A Choi row is over the final test accuracies.
  @Test func aChoiRowIsOverTheFinalAccuracies() {
    let run = ChoiReproduction.runs(figure: 4, base: TrainingConfiguration())[0]
    var row = ReproduceCommand.Row(run: run, final: true)
    row.results = [Self.result(mean: 90, min: 10, max: 99, final: 96), Self.result(mean: 90, min: 10, max: 99, final: 98)]
    #expect(row.mean == 97 && row.min == 96 && row.max == 98)
  }

  // The fluctuation: over the second half of each seed's points (from
  // index count/2), the mean absolute change, averaged over the seeds;
  // none when a seed has fewer than 4 points.
  @Test func theFluctuationIsOverTheSecondHalfOfThePoints() {
    let run = LimReproduction.runs(figure: 8, base: TrainingConfiguration())[0]
    var row = ReproduceCommand.Row(run: run)
    // Second half [4, 8, 6]: changes 4 and 2, mean 3.
    row.results = [Self.result(mean: 0, min: 0, max: 0, final: 0, points: [0, 1, 2, 4, 8, 6])]
    #expect(row.fluctuation == 3)
    row.results = [Self.result(mean: 0, min: 0, max: 0, final: 0, points: [1, 5, 2])]
    #expect(row.fluctuation == nil)
    // A seed without points: no fluctuation for the row.
    row.results = [
      Self.result(mean: 0, min: 0, max: 0, final: 0, points: [0, 1, 2, 4, 8, 6]), Self.result(mean: 0, min: 0, max: 0, final: 0),
    ]
    #expect(row.fluctuation == nil)
  }

  // choi2021's JSON rows carry mean, min, max over the seeds' final
  // accuracies and each seed's final accuracy; an array of rows is valid
  // JSON.
  @Test func choiRowsCarryTheSeedsFinalAccuracies() throws {
    let root = try Scratch.directory("xbarsim-m66b-choi")
    defer { try? FileManager.default.removeItem(at: root) }
    let path = root.appendingPathComponent("rows.json").path
    var rows = ChoiReproduction.runs(figure: 4, base: TrainingConfiguration()).map { ReproduceCommand.Row(run: $0, final: true) }
    rows[0].results = [
      Self.result(mean: 80, min: 70, max: 85, final: 96, train: 97), Self.result(mean: 80, min: 70, max: 85, final: 98, train: 99),
    ]
    try ReproduceCommand.choiTable(rows, figure: 4, seeds: 2, epochs: 20, summary: path, settings: nil)
    let json = try Self.json(path)
    #expect(json.count == rows.count)
    #expect(json[0]["mean"] as? Double == 97 && json[0]["min"] as? Double == 96 && json[0]["max"] as? Double == 98)
    #expect(json[0]["per_seed"] as? [Double] == [96, 98] && json[0]["train_accuracy"] as? Double == 98)
    #expect(json[0]["paper"] as? Double == 97.92 && json[0]["states"] as? Int == 50)
    // No comma after the last row (Foundation's reader lets one pass).
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasSuffix("}\n]\n") && !text.contains(",\n]"))
  }

  // lim2018's JSON rows: the paper's number, the seeds' last-10 % means
  // per seed, the hidden layers, and the rule that trained (float for
  // off-chip transfer of weights).
  @Test func limRowsCarryThePaperAndEachSeedsMean() throws {
    let root = try Scratch.directory("xbarsim-m66b-lim")
    defer { try? FileManager.default.removeItem(at: root) }
    let path = root.appendingPathComponent("rows.json").path
    var rows = LimReproduction.runs(figure: 8, base: TrainingConfiguration()).map { ReproduceCommand.Row(run: $0) }
    rows[4].results = [Self.result(mean: 95, min: 94, max: 96, final: 50), Self.result(mean: 93, min: 92, max: 97, final: 60)]
    var args = ParsedArguments(command: "reproduce")
    args.values["--summary"] = [path]
    try ReproduceCommand.writeSummary(rows, figure: 8, args: args)
    let json = try Self.json(path)
    #expect(json.count == 12)
    #expect(json[4]["paper"] as? Double == 95.36 && json[4]["method"] as? String == "b")
    #expect(json[4]["mean"] as? Double == 94 && json[4]["min"] as? Double == 92 && json[4]["max"] as? Double == 97)
    #expect(json[4]["per_seed"] as? [Double] == [95, 93])
    #expect(json.allSatisfy { $0["hidden_layers"] as? Int == 1 })
    var c = TrainingConfiguration()
    c.mode = .offChip
    c.transfer = .weights
    #expect(ReproduceCommand.trainedBy(c) == "float")
    c.transfer = .states
    #expect(ReproduceCommand.trainedBy(c) == c.method.rawValue)
  }

  // The seeds note names the seeds that finished when fewer than asked;
  // the notes on switches name a switch at the last epoch, and a hybrid
  // none of whose seeds switched unless a seed was interrupted.
  @Test func theNotesOnSeedsAndSwitches() {
    let run = ChoiReproduction.runs(figure: 4, base: TrainingConfiguration())[2]
    var row = ReproduceCommand.Row(run: run, final: true)
    row.results = [TrainingResult(), TrainingResult()]
    #expect(ReproduceCommand.seedsNote(row, 3) == "  (2 of 3 seeds)")
    #expect(ReproduceCommand.seedsNote(row, 2) == "")
    var last = TrainingResult()
    last.phaseSwitchEpoch = 4
    row.results = [last]
    #expect(ReproduceCommand.unswitchedNote([row], epochs: 5) == nil)
    #expect(ReproduceCommand.unswitchedNote([row], epochs: 4)?.contains("switch 4 (the last epoch)") == true)
    var stopped = TrainingResult()
    stopped.interrupted = true
    row.results = [stopped]
    #expect(ReproduceCommand.unswitchedNote([row], epochs: 4) == nil)
  }
}
