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
  let (root, data) = try syntheticDataDirectory("xbarsim-reproduce-plot", train: 100, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("fig14.json"), plot = root.appendingPathComponent("fig14.svg")
  let r = try runXbarsim([
    "reproduce", "lim2018", "--figure", "14", "--seeds", "2", "--data", data.path, "--layers", "64,8,10",
    "--train-limit", "60", "--evals-per-epoch", "20", "--summary", summary.path, "--plot", plot.path,
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
    #expect(panels.count == 1)
    for run in LimReproduction.runs(figure: figure, base: base) {
      #expect(!run.places.isEmpty && run.places.allSatisfy { panels.indices.contains($0.panel) }, "\(figure) \(run.label)")
    }
  }
  for figure in ChoiReproduction.figures {
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
  let root = FileManager.default.temporaryDirectory.appendingPathComponent("xbarsim-plot-clash-\(getpid())")
  try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
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
