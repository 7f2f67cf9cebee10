import Foundation
import Testing
import _TestSupport

@testable import Trainer
@testable import xbarsim

// `reproduce --plot`: the figure draws the numbers of the table (the
// summary's means, mins and maxes, and the paper's numbers) on one y axis,
// a line per series at the sweep's x values.

/// Every match of `pattern` in `text`, as its capture groups.
private func matches(_ pattern: String, in text: String) throws -> [[String]] {
  let re = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
  let ns = text as NSString
  return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
    (1..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
  }
}

/// Whether the (value, pixel) pairs lie on one decreasing affine map (SVG's
/// y grows downwards), to the 0.01 px the plot writes.
private func onOneDecreasingLine(_ pairs: [(Double, Double)]) -> Bool {
  guard let lo = pairs.min(by: { $0.0 < $1.0 }), let hi = pairs.max(by: { $0.0 < $1.0 }), hi.0 > lo.0 else { return false }
  let slope = (hi.1 - lo.1) / (hi.0 - lo.0)
  return slope < 0 && pairs.allSatisfy { abs($0.1 - (lo.1 + slope * ($0.0 - lo.0))) <= 0.02 }
}

@Test func theReproducePlotDrawsTheTablesMeansBarsAndThePapersNumbers() throws {
  // (60 images, not --train-limit 60: a limit makes the runs not the
  // paper's, without its numbers, since session 44.)
  let (root, data) = try syntheticDataDirectory("xbarsim-reproduce-plot", train: 60, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("fig14.json"), plot = root.appendingPathComponent("fig14.svg")
  let r = try runXbarsim([
    // (200 hidden and 10 output neurons, the paper's network past its input
    // layer: its runs, with the paper's numbers, since session 63.)
    "reproduce", "lim2018", "--figure", "14", "--seeds", "2", "--data", data.path, "--layers", "64,200,10",
    "--evals-per-epoch", "20", "--summary", summary.path, "--plot", plot.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let rows = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [[String: Any]])
  let svg = try String(contentsOf: plot, encoding: .utf8)
  // A line per learning mode, through its three σ in increasing x.
  let lines = try matches("<polyline [^>]*points=\"([^\"]*)\"><title>([^<]*)</title>", in: svg)
  #expect(lines.map { $0[1] } == ["on-chip", "off-chip"])
  var pairs: [(Double, Double)] = []
  var xs: [Double] = []
  for line in lines {
    let points = line[0].split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
    let means = rows.filter { $0["learning"] as? String == line[1] }.sorted { ($0["sigma"] as! Double) < ($1["sigma"] as! Double) }
      .map { $0["mean"] as! Double }
    #expect(points.count == 3 && means.count == 3)
    #expect(zip(points, points.dropFirst()).allSatisfy { $0[0] < $1[0] })
    pairs += zip(means, points.map { $0[1] })
    if xs.isEmpty { xs = points.map { $0[0] } }
  }
  // The same x for both modes (σ = 0, 0.5, 1: equal spacing).
  #expect(xs.count == 3 && abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 0.02)
  // The bars: a vertical line from min to max at each point, of the table's min and max.
  let bars = try matches("<g stroke=\"(#[0-9a-f]{6})\" stroke-width=\"1\">(.*?)</g>", in: svg)
    .filter { $0[0] != "#dddddd" }
  #expect(bars.count == 2)
  for (bar, mode) in zip(bars, ["on-chip", "off-chip"]) {
    let verticals = try matches("<line x1=\"([-0-9.]+)\" y1=\"([-0-9.]+)\" x2=\"([-0-9.]+)\" y2=\"([-0-9.]+)\"/>", in: bar[1])
      .map { $0.map { Double($0)! } }.filter { $0[0] == $0[2] }
    let modeRows = rows.filter { $0["learning"] as? String == mode }.sorted { ($0["sigma"] as! Double) < ($1["sigma"] as! Double) }
    #expect(verticals.count == 3 && modeRows.count == 3)
    for (v, row) in zip(verticals, modeRows) {
      pairs.append((row["min"] as! Double, v[1]))
      pairs.append((row["max"] as! Double, v[3]))
    }
  }
  // The paper's numbers as hollow circles, named.
  let paper = try matches("<circle cx=\"([-0-9.]+)\" cy=\"([-0-9.]+)\" r=\"4.5\" fill=\"white\"[^>]*><title>([^<]*)</title>", in: svg)
  #expect(paper.count == 6)
  for circle in paper {
    let name = circle[2]
    let mode = name.hasPrefix("paper, on-chip") ? "on-chip" : "off-chip"
    let value = try #require(Double(name.split(separator: " ").last!))
    #expect(rows.contains { $0["learning"] as? String == mode && $0["paper"] as? Double == value }, "\(name)")
    pairs.append((value, Double(circle[1])!))
  }
  #expect(onOneDecreasingLine(pairs), "\(pairs)")
}

@Test func aFiguresXAxisHasItsTicksAtTheSweepsValuesLogarithmicOrByCategory() throws {
  func tickXs(_ plot: SVGLinePlot) throws -> [Double] {
    // The tick marks under the axis: 5 px lines below the plot area.
    try matches("<line x1=\"([-0-9.]+)\" y1=\"([-0-9.]+)\" x2=\"([-0-9.]+)\" y2=\"([-0-9.]+)\"/>", in: plot.body(width: 700, height: 440))
      .map { $0.map { Double($0)! } }.filter { $0[0] == $0[2] && abs($0[3] - $0[1] - 5) < 1e-9 }.map { $0[0] }
  }
  var log = SVGLinePlot(title: "k", xLabel: "k", yLabel: "%")
  log.xAxis = .atData(log: true)
  log.series = [SVGLinePlot.Series(label: "a", x: [1, 10, 100], y: [97, 96, 95])]
  let t = try tickXs(log)
  #expect(t.count == 3 && abs((t[1] - t[0]) - (t[2] - t[1])) < 0.02, "\(t)")
  // A value ≤ 0 has no place on a log axis: drawn linear, never NaN.
  log.series = [SVGLinePlot.Series(label: "a", x: [0, 50, 100], y: [97, 96, 95])]
  let linear = try tickXs(log)
  #expect(linear.count == 3 && abs((linear[1] - linear[0]) - (linear[2] - linear[1])) < 0.02, "\(linear)")
  #expect(!log.body(width: 700, height: 440).lowercased().contains("nan"))
  var categories = SVGLinePlot(title: "c", xLabel: "synapse", yLabel: "%")
  categories.xAxis = .categories(["FP", "single, 50 states", "hybrid, sign rule (method b)"])
  categories.series = [SVGLinePlot.Series(label: "m", x: [0, 1, 2], y: [98, 97, 96], line: false)]
  let body = categories.body(width: 700, height: 440)
  #expect(try tickXs(categories).count == 3)
  #expect(!body.contains("<polyline"))
  // The long name broken over lines.
  #expect(body.contains(">hybrid, sign rule</tspan>") && body.contains(">(method b)</tspan>"), "\(body)")
}

@Test func everyReproducedFigurePlacesEachRunInOneOfItsPanels() {
  let base = TrainingConfiguration()
  for figure in LimReproduction.figures {
    let panels = LimReproduction.panels(figure: figure)
    #expect(panels.count == (figure == 7 ? 4 : 1))
    for run in LimReproduction.runs(figure: figure, base: base) {
      #expect(!run.places.isEmpty && run.places.allSatisfy { panels.indices.contains($0.panel) }, "\(figure) \(run.label)")
    }
  }
  // `--c2c` / `--d2d` on a point of 6B / 6C (and off them) as well.
  var onPoints = base, offPoints = base
  onPoints.c2c = 1; onPoints.d2d = 2
  offPoints.c2c = 0.5; offPoints.d2d = 0.25
  for (figure, base) in ChoiReproduction.figures.map({ ($0, base) }) + [(6, onPoints), (6, offPoints)] {
    let panels = ChoiReproduction.panels(figure: figure)
    let runs = ChoiReproduction.runs(figure: figure, base: base)
    for run in runs {
      #expect(!run.places.isEmpty && run.places.allSatisfy { panels.indices.contains($0.panel) }, "\(figure) \(run.label)")
    }
    // No two runs at one point of one line.
    let points = runs.flatMap { $0.places.map { "\($0.panel) \($0.series) \($0.x)" } }
    #expect(Set(points).count == points.count, "\(figure)")
    // Every panel drawn.
    #expect(Set(runs.flatMap { $0.places.map(\.panel) }) == Set(panels.indices), "\(figure)")
  }
  for run in IRDropReproduction.runs(base: base) {
    #expect(run.places.count == 1 && run.places[0].panel == 0)
  }
}

@Test func thePlotMayNotOverwriteTheSummaryJournalOrItsLock() throws {
  let root = try Scratch.directory("xbarsim-plot-clash")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("out.json").path
  for other in ["--summary", "--journal"] {
    let r = try runXbarsim(["reproduce", "lim2018", "--figure", "8", other, file, "--plot", file])
    #expect(r.status != 0 && r.stderr.contains("\(other) and --plot write the same file"), "\(r.stderr)")
  }
  let lock = root.appendingPathComponent(".runs.json.lock").path
  let r = try runXbarsim(["reproduce", "lim2018", "--figure", "8", "--journal", root.appendingPathComponent("runs.json").path, "--plot", lock])
  #expect(r.status != 0 && r.stderr.contains("--plot would overwrite the --journal's lock file"), "\(r.stderr)")
}

// Choi's Figure 4 draws each epoch (4A's accuracy, 4B's update frequency,
// 4C's loss): a journal keeps the epochs, so a plot redrawn from it is the
// plot of the runs themselves, byte for byte.
@Test func aPlotRedrawnFromAJournalIsThePlotOfTheRunsThemselves() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-plot-journal", train: 40, test: 20, side: 28)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json").path
  func run(_ plot: String) throws -> ProcessResult {
    try runXbarsim([
      "reproduce", "choi2021", "--figure", "4", "--seeds", "2", "--epochs", "2", "--data", data.path,
      "--journal", journal, "--plot", root.appendingPathComponent(plot).path,
    ])
  }
  let first = try run("a.svg")
  #expect(first.status == 0, "\(first.stderr)")
  // (Mutation round 4.) The table's Δ is the measured mean less the
  // paper's number (FP: 97.92), not the reverse.
  let fp = try matches("\nFP +([0-9.]+) +([0-9.]+) +\\[[^\\]]*\\] +([-+][0-9.]+) ", in: first.stdout)
  #expect(fp.count == 1, "\(first.stdout)")
  if let row = fp.first, let paper = Double(row[0]), let mean = Double(row[1]), let delta = Double(row[2]) {
    #expect(paper == 97.92 && abs(delta - (mean - paper)) < 0.011, "\(row)")
  }
  let again = try run("b.svg")
  #expect(again.status == 0 && again.stderr.contains("8 of 8 run(s) already done"), "\(again.stderr)")
  let a = try String(contentsOf: root.appendingPathComponent("a.svg"), encoding: .utf8)
  let b = try String(contentsOf: root.appendingPathComponent("b.svg"), encoding: .utf8)
  #expect(a == b)
  // The per-epoch panels are drawn: 4A's four lines, 4B's and 4C's three (FP has no pulses).
  #expect(a.contains("4B: update frequency") && a.contains("4C: loss"))
  let lines = try matches("<polyline [^>]*><title>([^<]*)</title>", in: a).map { $0[0] }
  #expect(lines.filter { $0 == "FP" }.count == 1 && lines.filter { $0 == "hybrid, 50 states" }.count == 3, "\(lines)")
  // Each run's epochs in the journal: two, the last one's test accuracy the run's.
  let root2 = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: journal))) as? [String: Any])
  let runs = try #require(root2["runs"] as? [[String: Any]])
  #expect(runs.count == 8)
  for r in runs {
    let result = try #require(r["result"] as? [String: Any])
    let epochs = try #require(result["epochs"] as? [[String: Any]])
    #expect(epochs.map { $0["epoch"] as? Int } == [1, 2])
    #expect(epochs.last?["test_accuracy"] as? Double == result["test_accuracy"] as? Double)
  }
}

@Test func aJournalsEpochsAreCheckedAndMayBeAbsent() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-journal-epochs", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let command = [
    "reproduce", "lim2018", "--figure", "14", "--seeds", "1", "--epochs", "2", "--layers", "64,8,10",
    "--evals-per-epoch", "4", "--data", data.path, "--journal", journal.path,
  ]
  let made = try runXbarsim(command)
  #expect(made.status == 0, "\(made.stderr)")
  let text = try String(contentsOf: journal, encoding: .utf8)
  func resume(_ edited: String) throws -> ProcessResult {
    try edited.write(to: journal, atomically: false, encoding: .utf8)
    return try runXbarsim(command)
  }
  // A journal of before session 30 (no epochs, no points) is taken as it is.
  let noEpochs = try NSRegularExpression(pattern: ",\\s*\"epochs\": \\[[^\\]]*\\]")
  let noPoints = try NSRegularExpression(pattern: ",\\s*\"points\": \\[(\\[[^\\]]*\\](,\\s*)?)*\\]")
  let withoutEpochs = noEpochs.stringByReplacingMatches(in: text, range: NSRange(location: 0, length: (text as NSString).length), withTemplate: "")
  let stripped = noPoints.stringByReplacingMatches(
    in: withoutEpochs, range: NSRange(location: 0, length: (withoutEpochs as NSString).length), withTemplate: "")
  #expect(stripped != text && !stripped.contains("\"epochs\": [") && !stripped.contains("\"points\""))
  let old = try resume(stripped)
  #expect(old.status == 0 && old.stdout == made.stdout, "\(old.stderr)")
  // A damaged epoch is refused, naming it.
  let epochsKey = try #require(text.range(of: "\"epochs\": ["))
  let first = try #require(text.range(of: "\"test_accuracy\": ", range: epochsKey.upperBound..<text.endIndex))
  var bad = text
  bad.replaceSubrange(first.upperBound..<first.upperBound, with: "1000")  // 94.5 → 100094.5
  let refused = try resume(bad)
  #expect(refused.status == 1 && refused.stderr.contains("epochs[0] 'test_accuracy' is 1000"), "\(refused.stderr)")
  // As is a run with fewer epochs than its configuration trains.
  let one = try NSRegularExpression(pattern: "(\"epochs\": \\[\\s*\\{[^}]*\\}),\\s*\\{[^}]*\\}\\s*\\]")
  let cut = one.stringByReplacingMatches(in: text, range: NSRange(location: 0, length: (text as NSString).length), withTemplate: "$1]")
  #expect(cut != text)
  let short = try resume(cut)
  #expect(short.status == 1 && short.stderr.contains("'epochs' holds 1 epoch(s), but its configuration trains 2"), "\(short.stderr)")
  // And a damaged evaluation point: [images, accuracy] with an accuracy over 100.
  let pointsKey = try #require(text.range(of: "\"points\": [["))
  let comma = try #require(text.range(of: ", ", range: pointsKey.upperBound..<text.endIndex))
  var badPoint = text
  badPoint.replaceSubrange(comma.upperBound..<comma.upperBound, with: "1000")
  let point = try resume(badPoint)
  #expect(point.status == 1 && point.stderr.contains("points[0]: test accuracy 1000"), "\(point.stderr)")
}

// Lim's Figure 7: Figure 8's runs and software BP over the epoch. The plot
// draws each evaluation point's accuracy, the mean over the seeds, a panel
// per β; the journal keeps the points, so the plot redrawn from it is the
// same.
@Test func limsFigureSevenDrawsTheAccuracyAtEveryPointAndItsJournalKeepsThem() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-plot-fig7", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json").path
  func run(_ plot: String) throws -> ProcessResult {
    try runXbarsim([
      "reproduce", "lim2018", "--figure", "7", "--seeds", "2", "--data", data.path, "--layers", "64,8,10",
      "--evals-per-epoch", "6", "--journal", journal, "--plot",
      root.appendingPathComponent(plot).path, "--summary", root.appendingPathComponent("s.json").path,
    ])
  }
  let first = try run("a.svg")
  #expect(first.status == 0, "\(first.stderr)")
  // 12 runs of the sign rule and one of software BP, each with two seeds.
  #expect(first.stderr.contains("[26/26 "), "\(first.stderr)")
  let again = try run("b.svg")
  #expect(again.status == 0 && again.stderr.contains("26 of 26 run(s) already done"), "\(again.stderr)")
  let a = try String(contentsOf: root.appendingPathComponent("a.svg"), encoding: .utf8)
  #expect(a == (try String(contentsOf: root.appendingPathComponent("b.svg"), encoding: .utf8)))
  // Four panels, each with methods a, b, c and software, six points a line.
  let lines = try matches("<polyline [^>]*points=\"([^\"]*)\"><title>([^<]*)</title>", in: a)
  #expect(lines.map { $0[1] } == Array(repeating: ["method a", "method b", "method c", "software"], count: 4).flatMap { $0 })
  #expect(lines.allSatisfy { $0[0].split(separator: " ").count == 6 })
  // The journal's points: six per run, the last one's accuracy the run's final.
  let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: journal))) as? [String: Any])
  for r in try #require(object["runs"] as? [[String: Any]]) {
    let result = try #require(r["result"] as? [String: Any])
    let points = try #require(result["points"] as? [[Double]])
    #expect(points.count == 6 && points.last?[1] == result["test_accuracy"] as? Double)
    #expect(points.map { $0[0] } == [10, 20, 30, 40, 50, 60])
  }
}

// An interrupted reproduction's plot: rows without results are left out,
// and a figure with none is an empty frame, never NaN coordinates.
@Test func aPlotLeavesOutRowsWithoutResults() {
  var result = TrainingResult()
  result.accuracyMeanLast = 90
  result.accuracyMinLast = 89
  result.accuracyMaxLast = 91
  result.points = [EvaluationPoint(images: 10, accuracy: 80, loss: 0, pulses: 0, resets: 0, seconds: 0)]
  for figure in LimReproduction.figures {
    let runs = LimReproduction.runs(figure: figure, base: TrainingConfiguration())
    let half = runs.enumerated().map { k, run in
      ReproduceCommand.Row(run: run, results: k % 2 == 0 ? [result] : [])
    }
    let none = runs.map { ReproduceCommand.Row(run: $0) }
    for rows in [half, none] {
      let svg = ReproducePlot.svg(title: "t", yLabel: "y", panels: LimReproduction.panels(figure: figure), rows: rows)
      #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"), "figure \(figure)")
      let drawn = Set(rows.filter { !$0.results.isEmpty }.flatMap { $0.run.places.map(\.series) })
      for series in Set(runs.flatMap { $0.places.map(\.series) }) where !drawn.contains(series) {
        #expect(!svg.contains("<title>\(series)</title></polyline>"), "figure \(figure): \(series)")
      }
    }
  }
}
