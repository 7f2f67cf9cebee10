import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// Mutation round 71: 62 mutants of session 71's changes (plots, notes,
// the build identity, the progress line, the journal); these tests kill
// the survivors that were not equivalent.

/// The numbers of attribute `name` in the lines of `svg` that begin with
/// `prefix`.
private func numbers(_ svg: String, _ prefix: String, _ name: String) -> [Double] {
  svg.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { line in
    guard let r = line.range(of: " \(name)=\"") else { return nil }
    return Double(line[r.upperBound...].prefix { $0 != "\"" })
  }
}

/// The legend box: x, y, width and height.
private func legendBox(_ svg: String) -> (x: Double, y: Double, w: Double, h: Double)? {
  guard let line = svg.split(separator: "\n").first(where: { $0.hasPrefix("<rect x=") && $0.contains("fill-opacity") }) else {
    return nil
  }
  func v(_ name: String) -> Double {
    guard let r = line.range(of: " \(name)=\"") else { return .nan }
    return Double(line[r.upperBound...].prefix { $0 != "\"" }) ?? .nan
  }
  return (v("x"), v("y"), v("width"), v("height"))
}

struct MutationRound71Tests {
  /// A figure's long title wraps into lines of at most `titleLimit`
  /// characters, 18 px apart, and its panels move down with it.
  @Test func aFiguresTitleWrapsAndItsPanelsMoveDown() {
    let title = (0..<60).map { "word\($0)" }.joined(separator: " ")
    let panel = SVGLinePlot(title: "p", xLabel: "x", yLabel: "y")
    let svg = SVGLinePlot.figure(title: title, panels: [panel, panel], columns: 2, width: 700, height: 440)
    let lines = svg.split(separator: "\n").filter { $0.hasPrefix("<text ") && $0.contains("font-size=\"15\"") }
    #expect(lines.count >= 2, "\(lines)")
    let limit = SVGLinePlot.titleLimit(width: 1400 * 14 / 15)
    #expect(svgTitleText(svg).split(separator: " ").count == 60)
    for (k, line) in lines.enumerated() {
      #expect(line.contains(" y=\"\(SVGLinePlot.f(22 + 18 * Double(k)))\""), "\(line)")
      let text = line.split(separator: ">", maxSplits: 1)[1].dropLast("</text>".count)
      #expect(text.count <= limit, "\(text)")
    }
    #expect(svg.contains("<g transform=\"translate(0.00,\(SVGLinePlot.f(34 + 18 * Double(lines.count - 1))))\">"))
  }

  /// A two-line title moves the plot area down by a line (17 px).
  @Test func aTwoLineTitleMovesThePlotDown() {
    let title = (0..<16).map { "word\($0)" }.joined(separator: " ")  // 101 characters: two lines
    var p = SVGLinePlot(title: title, xLabel: "x", yLabel: "y")
    p.series = [.init(label: "s", x: [0, 1], y: [0, 1])]
    let svg = p.render()
    #expect(svg.split(separator: "\n").filter { $0.hasPrefix("<text ") && $0.contains("font-size=\"14\"") }.count == 2)
    // The y axis runs from the plot's top, 40 + 17.
    #expect(svg.contains("<line x1=\"90.00\" y1=\"57.00\" x2=\"90.00\""), "\(svg.prefix(1500))")
  }

  /// The legend's box holds its entries' lines (16 px each, 8 px more),
  /// each entry's baseline below the lines before it, a wrapped entry's
  /// lines 16 px apart; the background's label is its last entry; a
  /// thirteenth and fourteenth series are "… and 2 more".
  @Test func theLegendsGeometry() {
    let long = (0..<30).map { "w\($0)" }.joined(separator: " ")
    var p = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    p.series = [.init(label: long, x: [0, 100], y: [0, 0]), .init(label: "short", x: [0, 100], y: [1, 1])]
    p.background = [.init(label: "b", x: [0, 100], y: [0.5, 0.5])]
    p.backgroundLabel = "measured cycles"
    let svg = p.render()
    let box = try! #require(legendBox(svg))
    let entries = svg.split(separator: "\n").filter { $0.hasPrefix("<text x=\"\(SVGLinePlot.f(box.x + 30))\"") }
    #expect(entries.count == 3, "\(entries)")
    let first = entries[0].components(separatedBy: "<tspan").count - 1
    #expect(first >= 2 && entries[0].contains("dy=\"16\""), "\(entries[0])")
    #expect(box.h == Double(first + 2) * 16 + 8, "\(box)")
    let baselines = entries.compactMap { e -> Double? in
      guard let r = e.range(of: " y=\"") else { return nil }
      return Double(e[r.upperBound...].prefix { $0 != "\"" })
    }
    #expect(baselines == [box.y + 12, box.y + 12 + 16 * Double(first), box.y + 12 + 16 * Double(first + 1)], "\(baselines)")
    #expect(entries[2].contains(">measured cycles</text>"))
    #expect(svg.contains("y1=\"\(SVGLinePlot.f(baselines[2] - 4))\" x2=\"\(SVGLinePlot.f(box.x + 24))\" y2=\"\(SVGLinePlot.f(baselines[2] - 4))\" stroke=\"\(SVGLinePlot.backgroundColor)\""))

    var many = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    many.series = (0..<14).map { .init(label: "s\($0)", x: [0, 1], y: [0, 1]) }
    #expect(many.render().contains(">… and 2 more</text>"))
  }

  /// Where the legend goes: top left when free; off a line that crosses
  /// the top-left box without a point in it; its box's height, not its
  /// width, is its vertical extent.
  @Test func theLegendsCorner() throws {
    var free = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    free.series = [.init(label: "s", x: [0, 1, 100], y: [0, 0, 0]), .init(label: "corner", x: [100], y: [0], line: false)]
    let f = try #require(legendBox(free.render()))
    #expect(f.x == 100 && f.y == 48, "\(f)")
    // A line across the top whose two points lie left and right of the
    // top-left box: its samples, not its points, are in the box.
    var crossing = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    crossing.series = [.init(label: "s", x: [0, 100], y: [95, 95]), .init(label: "low", x: [0], y: [0], line: false)]
    crossing.yBounds = 0...100
    let c = try #require(legendBox(crossing.render()))
    #expect(!(c.x == 100 && c.y == 48), "\(c)")
    // A wide one-line legend: points just below its box, within its width
    // of its top, leave the top left free.
    var wide = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    wide.series = [.init(label: String(repeating: "x", count: 40), x: [0, 50, 100], y: [50, 50, 50])]
    wide.yBounds = 0...100
    let w = try #require(legendBox(wide.render()))
    #expect(w.x == 100 && w.y == 48, "\(w)")
  }

  /// Beside the plot a legend entry wraps at 36 characters; a category's
  /// long word stays whole.
  @Test func besideLegendsWrapAndCategoriesKeepTheirWords() {
    var p = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    p.legendBeside = true
    p.series = [.init(label: (0..<20).map { "w\($0)" }.joined(separator: " "), x: [0, 1], y: [0, 1])]
    #expect(p.render().contains("<tspan"))
    #expect(SVGLinePlot.wrapped("abcdefghijklmnopqrstuvwxy z") == ["abcdefghijklmnopqrstuvwxy", "z"])
  }

  /// The y axis within its bounds keeps a tick at its bound; a range that
  /// the bounds would empty is kept as it was; a series of no finite point
  /// is an empty plot.
  @Test func boundsAndEmptiness() {
    var zero = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    zero.series = [.init(label: "s", x: [1, 2], y: [0, 0])]
    zero.yBounds = 0...100
    #expect(zero.render().contains(">0</text>"))
    var above = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    above.series = [.init(label: "s", x: [1, 2], y: [150, 150])]
    above.yBounds = 0...100
    let a = above.render()
    #expect(!a.lowercased().contains("nan") && !a.contains("inf"), "\(a.prefix(800))")
    #expect(a.contains(">150</text>"))
    var nan = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
    nan.series = [.init(label: "s", x: [1], y: [.nan])]
    #expect(nan.render().contains(">no points to draw</text>"))
  }

  /// Every accuracy plot keeps its axis in 0…100 %: train's (with whole
  /// image ticks, and its note when no point was taken), a reproduction's
  /// points and its per-epoch panels.
  @Test func everyAccuracyPlotIsBounded() throws {
    let dir = try Scratch.directory("xbarsim-m71-plots")
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("a.svg")
    var result = TrainingResult()
    try TrainCommand.writePlot(result, TrainingConfiguration(), to: file.path)
    #expect(try String(contentsOf: file, encoding: .utf8).contains(">no evaluation point: the run stopped before its first</text>"))
    result.points = [EvaluationPoint(images: 10, accuracy: 0, loss: 0, pulses: 0, resets: 0, seconds: 0)]
    try TrainCommand.writePlot(result, TrainingConfiguration(), to: file.path)
    let one = try String(contentsOf: file, encoding: .utf8)
    #expect(!one.contains(">-1</text>") && !one.contains(">9.5</text>") && one.contains(">10</text>"), "\(one)")

    var zero = TrainingResult()
    zero.accuracyMeanLast = 0
    zero.testAccuracy = 0
    zero.epochs = [
      EpochRecord(
        epoch: 1, images: 10, trainAccuracy: 0, testAccuracy: 0, loss: 0, meanSquaredError: 0, pulses: 0, cellUpdates: 0,
        updateFrequency: 0, seconds: 0, phase: "dynamic")
    ]
    for (runs, panels) in [
      (LimReproduction.runs(figure: 9, base: TrainingConfiguration()), LimReproduction.panels(figure: 9)),
      (ChoiReproduction.runs(figure: 4, base: TrainingConfiguration()), ChoiReproduction.panels(figure: 4)),
    ] {
      let rows = runs.map { run -> ReproduceCommand.Row in
        var row = ReproduceCommand.Row(run: run)
        row.results = [zero]
        return row
      }
      let svg = ReproducePlot.svg(title: "t", yLabel: "y", panels: panels, rows: rows)
      #expect(!svg.contains(">-1</text>") && !svg.contains(">-0.5</text>"), "\(svg.prefix(3000))")
    }
  }

  /// A stopped reproduction names three points of fewer seeds and counts
  /// the rest; a row of no result (not run) is not one of them.
  @Test func aStoppedReproductionNamesThreePointsAndCountsTheRest() throws {
    let dir = try Scratch.directory("xbarsim-m71-partial")
    defer { try? FileManager.default.removeItem(at: dir) }
    let plot = dir.appendingPathComponent("p.svg")
    let args = ParsedArguments(command: "reproduce", values: ["--plot": [plot.path]])
    let runs = LimReproduction.runs(figure: 9, base: TrainingConfiguration())
    #expect(runs.count >= 6)
    var rows = runs.map { ReproduceCommand.Row(run: $0) }
    for k in rows.indices { rows[k].results = [TrainingResult(), TrainingResult()] }
    for k in 0..<5 { rows[k].results = [TrainingResult()] }
    try ReproduceCommand.writePlot(
      rows, seeds: 2, args: args, base: TrainingConfiguration(), panels: LimReproduction.panels(figure: 9), title: "T", yLabel: "y")
    let title = svgTitleText(try String(contentsOf: plot, encoding: .utf8))
    #expect(title.components(separatedBy: "(1 of 2)").count - 1 == 3 && title.hasSuffix(" and 2 more"), "\(title)")
    // Not run at all, the others whole: nothing stopped early is named.
    for k in rows.indices { rows[k].results = [TrainingResult(), TrainingResult()] }
    rows[0].results = []
    try ReproduceCommand.writePlot(
      rows, seeds: 2, args: args, base: TrainingConfiguration(), panels: LimReproduction.panels(figure: 9), title: "T", yLabel: "y")
    #expect(try !String(contentsOf: plot, encoding: .utf8).contains("stopped early"))
  }

  /// The progress line at 55 columns has no room for a bar; at 1 column it
  /// is empty.
  @Test func theProgressLineWithoutItsBar() {
    let p = TrainingProgress(images: 3000, totalImages: 60000, imagesPerSecond: 57834, lastAccuracy: 88.73)
    #expect(!ProgressBar.terminalLine(p, columns: 55).contains("["))
    #expect(ProgressBar.terminalLine(p, columns: 1) == "")
  }

  /// A journal of older labels re-run with more seeds is rewritten with
  /// this build's labels.
  @Test func aJournalOfOlderLabelsIsRewrittenWithTodays() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m71-journal", train: 60, test: 30)
    defer { try? FileManager.default.removeItem(at: root) }
    let journal = root.appendingPathComponent("runs.json")
    let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path]
    #expect(try runXbarsim(base + ["--seeds", "1", "--journal", journal.path]).status == 0)
    let text = try String(contentsOf: journal, encoding: .utf8)
    let labels = text.components(separatedBy: "layers 64,8,10").count - 1
    let older = text.replacingOccurrences(of: #"(, )?layers 64,8,10(, )?"#, with: "", options: .regularExpression)
      .replacingOccurrences(of: " []", with: "")
    try older.write(to: journal, atomically: false, encoding: .utf8)
    let r = try runXbarsim(base + ["--seeds", "2", "--journal", journal.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try String(contentsOf: journal, encoding: .utf8).components(separatedBy: "layers 64,8,10").count - 1 == 2 * labels)
  }

  /// A checkpoint's empty `xbarsim` is refused; a hybrid checkpoint of
  /// another build is said to be one; `--config` and `--checkpoint-in` of
  /// one checkpoint get no "is a checkpoint" note; a fresh run from an
  /// epoch-end checkpoint without train_checksum gets no data note.
  @Test func checkpointNotesWhereTheyBelongOnly() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-m71-ck", train: 60, test: 20)
    defer { try? FileManager.default.removeItem(at: root) }
    let ck = try checkpoint(root, data)
    let text = try String(contentsOf: ck, encoding: .utf8)
    let go = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--epochs", "1"]
    let empty = root.appendingPathComponent("empty.json")
    try text.replacingOccurrences(of: "\"xbarsim\": \"\(Xbarsim.build)\"", with: "\"xbarsim\": \"\"").write(
      to: empty, atomically: false, encoding: .utf8)
    expectOneLineError(
      try runXbarsim(go + ["--checkpoint-in", empty.path]), 1, "\(empty.path): 'xbarsim' must be the build that wrote it, as text, got \"\"")
    let both = try runXbarsim(go + ["--config", ck.path, "--checkpoint-in", ck.path])
    #expect(both.status == 0 && !both.stderr.contains("is a checkpoint"), "\(both.stderr)")
    let unnamed = root.appendingPathComponent("unnamed.json")
    try text.replacingOccurrences(of: #"  "train_checksum": "[0-9a-f]*",\n"#, with: "", options: .regularExpression).write(
      to: unnamed, atomically: false, encoding: .utf8)
    let fresh = try runXbarsim(go + ["--checkpoint-in", unnamed.path])
    #expect(fresh.status == 0 && !fresh.stderr.contains("train_checksum"), "\(fresh.stderr)")

    let hybridRoot = root.appendingPathComponent("h")
    try FileManager.default.createDirectory(at: hybridRoot, withIntermediateDirectories: true)
    let hybrid = try checkpoint(hybridRoot, data, ["--rule", "hybrid"])
    let other = hybridRoot.appendingPathComponent("other.json")
    try String(contentsOf: hybrid, encoding: .utf8)
      .replacingOccurrences(of: "\"xbarsim\": \"\(Xbarsim.build)\"", with: "\"xbarsim\": \"0.0.9 (git 000000000000)\"")
      .write(to: other, atomically: false, encoding: .utf8)
    let h = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10", "--rule", "hybrid", "--quiet", "--epochs", "1", "--checkpoint-in", other.path])
    #expect(h.status == 0 && h.stderr.contains("was written by xbarsim 0.0.9 (git 000000000000)"), "\(h.stderr)")
  }
}
