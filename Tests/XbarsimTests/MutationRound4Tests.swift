import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation round 4 (code since 9dc5384): the survivors' tests.

private func point(_ images: Int, _ accuracy: Double) -> EvaluationPoint {
  EvaluationPoint(images: images, accuracy: accuracy, loss: 0, pulses: 0, resets: 0, seconds: 0)
}

private func epoch(_ n: Int, test: Double, images: Int = 100, updateFrequency: Double? = nil) -> EpochRecord {
  EpochRecord(
    epoch: n, images: n * images, trainAccuracy: test, testAccuracy: test, loss: 0.1, meanSquaredError: nil,
    pulses: 0, cellUpdates: nil, updateFrequency: updateFrequency, seconds: 0, phase: "")
}

private func limRow(_ pointSets: [[Double]]) -> ReproduceCommand.Row {
  let run = ReproductionRun(figure: 10, label: "batch 1", configuration: TrainingConfiguration(), paper: nil)
  let results = pointSets.map { accuracies -> TrainingResult in
    var r = TrainingResult()
    r.points = accuracies.enumerated().map { point(($0.offset + 1) * 10, $0.element) }
    return r
  }
  return ReproduceCommand.Row(run: run, results: results)
}

// The summary's fluctuation: per seed, the mean |change| between
// consecutive points over the second half of its points (from index
// count/2), averaged over the seeds; a run of 4 points has one (mutant:
// more than 4 needed), and a row with a seed of fewer than 4 points has
// none (mutant: the seeds with 4 or more averaged alone).
@Test func theFluctuationIsTheSecondHalfsMeanChangeAveragedOverTheSeeds() throws {
  // Seed 1: [91, 95] → 4; seed 2: [83, 80, 86] → (3 + 6)/2 = 4.5.
  let row = limRow([[90, 92, 91, 95], [80, 81, 83, 80, 86]])
  let f = try #require(row.fluctuation)
  #expect(abs(f - 4.25) < 1e-12, "\(f)")
  #expect(limRow([[90, 92, 91, 95]]).fluctuation == 4)
  // A seed with 3 points: no fluctuation for the row.
  #expect(limRow([[90, 92, 91, 95], [80, 81, 83]]).fluctuation == nil)
  #expect(limRow([[80, 81, 83]]).fluctuation == nil)
  #expect(limRow([]).fluctuation == nil)
}

// A panel of categories names every category, the last one too (mutant:
// the axis one category short).
@Test func aPanelOfCategoriesNamesEachOfItsRuns() {
  let names = ["FP", "single, 50 states", "hybrid, 50 states"]
  var result = TrainingResult()
  result.testAccuracy = 95
  let rows = names.enumerated().map { k, name in
    ReproduceCommand.Row(
      run: ReproductionRun(
        figure: 4, label: name, configuration: TrainingConfiguration(), paper: nil,
        places: [FigurePlace(series: "measured", x: Double(k), category: name)]),
      final: true, results: [result])
  }
  let plot = ReproducePlot.panel(FigurePanel("4A", x: "synapse", .categories), index: 0, rows: rows, yLabel: "%")
  guard case .categories(let shown) = plot.xAxis else {
    Issue.record("not an axis of categories: \(plot.xAxis)")
    return
  }
  #expect(shown == names)
  #expect(plot.series.first?.x == [0, 1, 2])
}

// A per-epoch panel draws each epoch's mean over the seeds (mutant: the
// first seed's alone) and the paper's number at the last epoch (mutant:
// at the first).
@Test func anEpochPanelDrawsTheSeedsMeanAndThePapersNumberAtTheLastEpoch() {
  let run = ReproductionRun(
    figure: 4, label: "hybrid, 50 states", configuration: TrainingConfiguration(), paper: 97,
    places: [FigurePlace(panel: 0, series: "hybrid", x: 0)])
  var a = TrainingResult(), b = TrainingResult()
  a.epochs = [epoch(1, test: 90), epoch(2, test: 94), epoch(3, test: 96)]
  b.epochs = [epoch(1, test: 92), epoch(2, test: 96), epoch(3, test: 98)]
  let plot = ReproducePlot.epochPanel(
    FigurePanel("4B", x: "epoch", metric: .testAccuracy), index: 0,
    rows: [ReproduceCommand.Row(run: run, final: true, results: [a, b])], yLabel: "%")
  #expect(plot.series.count == 2)
  #expect(plot.series.first?.x == [1, 2, 3])
  #expect(plot.series.first?.y == [91, 95, 97])
  let paper = plot.series.last
  #expect(paper?.hollow == true && paper?.x == [3] && paper?.y == [97])
}

// A seed key first in the grid is the x axis, not a key averaged over
// (only a seed after the first key is): no "mean over seeds" and no bars
// (mutant: the seed looked for among all the keys).
@Test func aSweepWhoseFirstKeyIsTheSeedPlotsEachSeed() {
  let grid = SweepCommand.Grid(keys: ["seed", "nmax"], values: [["1", "2"], ["4", "8"]])
  let header = grid.header
  let rows = (0..<grid.count).map { p -> [String] in
    var row = [String](repeating: "1", count: header.count)
    row[0] = String(p)
    let values = grid.point(p)
    row[1] = values[0]
    row[2] = values[1]
    row[header.firstIndex(of: "accuracy_mean_last")!] = String(80 + p)
    row[header.firstIndex(of: "accuracy_min_last")!] = String(70 + p)
    row[header.firstIndex(of: "accuracy_max_last")!] = String(90 + p)
    return row
  }
  let svg = SweepCommand.plot(grid, rows)
  #expect(!svg.contains("mean over seeds"))
  #expect(!svg.contains("stroke-width=\"1\"><line"), "no error bars")
  #expect(svg.contains("<title>nmax=4</title>") && svg.contains("<title>nmax=8</title>"))
}

// The hybrid's switch marker is drawn where a fine epoch follows; a switch
// after the last epoch (no fine epoch ran) draws none (mutant: drawn at
// the run's end).
@Test func theSwitchMarkerIsLeftOutWhenNoFineEpochFollows() throws {
  let dir = try Scratch.directory("xbarsim-switch-marker")
  defer { try? FileManager.default.removeItem(at: dir) }
  var cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  cfg.epochs = 3
  var result = TrainingResult()
  result.epochs = [epoch(1, test: 90), epoch(2, test: 94), epoch(3, test: 96)]
  result.points = [point(100, 90), point(200, 94), point(300, 96)]
  let path = dir.appendingPathComponent("a.svg").path
  result.phaseSwitchEpoch = 2
  try TrainCommand.writePlot(result, cfg, to: path)
  #expect(try String(contentsOfFile: path, encoding: .utf8).contains("switch to the small arrays after epoch 2"))
  result.phaseSwitchEpoch = 3
  try TrainCommand.writePlot(result, cfg, to: path)
  #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("switch to the small arrays"))
}

// A journal's epoch with an update frequency outside 0…1 is refused,
// naming it (mutant: any number ≥ 0 taken).
@Test func aJournalsUpdateFrequencyMustBeAFraction() throws {
  let dir = try Scratch.directory("xbarsim-journal-frequency")
  defer { try? FileManager.default.removeItem(at: dir) }
  let path = dir.appendingPathComponent("runs.json").path
  let train = IDXDataset(rows: 2, cols: 2, pixels: [UInt8](repeating: 7, count: 12), labels: [0, 1, 2])
  let test = IDXDataset(rows: 2, cols: 2, pixels: [UInt8](repeating: 9, count: 8), labels: [1, 0])
  var cfg = TrainingConfiguration()
  cfg.epochs = 1
  let items = [RunJournal.Item(label: "run", seed: cfg.seed, configuration: TrainCommand.configurationJSON(cfg))]
  for (frequency, accepted) in [(0.5, true), (1.5, false)] {
    try? FileManager.default.removeItem(atPath: path)
    var (journal, none, _) = try RunJournal.open(path, study: "test", train: train, test: test, items: items)
    #expect(none.isEmpty)
    var r = TrainingResult()
    r.trainImages = train.count
    r.epochs = [epoch(1, test: 50, images: train.count, updateFrequency: frequency)]
    try journal.record(items[0], r)
    do {
      let (_, found, _) = try RunJournal.open(path, study: "test", train: train, test: test, items: items)
      #expect(accepted && found[0]?.epochs.first?.updateFrequency == frequency, "\(frequency)")
    } catch {
      #expect(!accepted, "\(frequency): \(error)")
      #expect("\(error)".contains("'update_frequency' is 1.5"), "\(error)")
    }
  }
}

// A logarithmic axis at the data (Lim's n_max and batch) is labelled with
// the sweep's values, not their logarithms (mutant: "1.51" for 32).
@Test func aLogarithmicAxisIsLabelledWithTheValuesThemselves() {
  var plot = SVGLinePlot(title: "9", xLabel: "n_max", yLabel: "%")
  plot.xAxis = .atData(log: true)
  let ticks = plot.xScale([32, 64, 128, 64]).ticks
  #expect(ticks.map(\.1) == ["32", "64", "128"])
  #expect(ticks.map(\.0).enumerated().allSatisfy { abs($0.element - log10([32.0, 64, 128][$0.offset])) < 1e-12 })
  plot.series = [SVGLinePlot.Series(label: "b", x: [32, 64, 128], y: [93, 94.8, 94.7])]
  let body = plot.body(width: 700, height: 440)
  #expect(body.contains(">128</text>") && !body.contains(">2.11</text>"))
}
