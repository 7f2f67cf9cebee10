import Foundation
import Trainer

/// `reproduce … --plot FILE.svg`: the figure drawn as the paper draws it,
/// with the measured means beside the paper's numbers.
///
/// Each run is a point at its `places` (`ReproductionRun`): a line per
/// series (Lim's methods, on-chip and off-chip, Choi's g-states, …) through
/// the mean over the seeds, with a bar from the min to the max (the table's
/// brackets), and the paper's numbers as hollow circles in the colour of
/// the line they belong to. A run without results (an interrupted
/// reproduction) is left out.
enum ReproducePlot {
  /// The SVG document of `rows` in `panels`, under `title`.
  static func svg(title: String, yLabel: String, panels: [FigurePanel], rows: [ReproduceCommand.Row]) -> String {
    let plots = panels.indices.map { p in panel(panels[p], index: p, rows: rows, yLabel: yLabel) }
    let columns = plots.count > 1 ? 2 : 1
    return SVGLinePlot.figure(title: title, panels: plots, columns: columns, width: 700, height: 440)
  }

  /// One panel: its series in the order their runs come, each followed by
  /// the paper's points of the same runs.
  static func panel(_ p: FigurePanel, index: Int, rows: [ReproduceCommand.Row], yLabel: String) -> SVGLinePlot {
    struct Point { var x, mean, low, high: Double; var paper: Double? }
    var order: [String] = []
    var points: [String: [Point]] = [:]
    var categories: [Int: String] = [:]
    for row in rows where !row.results.isEmpty {
      for place in row.run.places where place.panel == index {
        if points[place.series] == nil { order.append(place.series) }
        points[place.series, default: []].append(
          Point(x: place.x, mean: row.mean, low: row.min, high: row.max, paper: row.run.paper))
        if let name = place.category { categories[Int(place.x)] = name }
      }
    }
    var plot = SVGLinePlot(title: p.title, xLabel: p.xLabel, yLabel: yLabel)
    plot.legendBeside = true
    switch p.scale {
    case .linear: plot.xAxis = .atData(log: false)
    case .log: plot.xAxis = .atData(log: true)
    case .categories:
      let n = (categories.keys.max() ?? -1) + 1
      plot.xAxis = .categories((0..<n).map { categories[$0] ?? "" })
    }
    // Lines 5 px apart, centred on their x: bars at one x do not cover
    // each other.
    func offset(_ k: Int) -> Double { 5 * (Double(k) - Double(order.count - 1) / 2) }
    for (k, name) in order.enumerated() {
      let line = points[name, default: []].sorted { $0.x < $1.x }
      plot.series.append(
        SVGLinePlot.Series(
          label: name, x: line.map(\.x), y: line.map(\.mean), low: line.map(\.low), high: line.map(\.high),
          line: p.scale != .categories, color: k, dx: offset(k)))
      let paper = line.filter { $0.paper != nil }
      if !paper.isEmpty {
        plot.series.append(
          SVGLinePlot.Series(
            label: "paper" + (order.count > 1 || name != "measured" ? ", \(name)" : ""), x: paper.map(\.x),
            y: paper.map { $0.paper! }, hollow: true, color: k, dx: offset(k)))
      }
    }
    return plot
  }
}
