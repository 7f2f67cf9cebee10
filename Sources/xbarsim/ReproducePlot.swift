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
    let plots = panels.indices.map { p in
      panels[p].metric == nil
        ? panel(panels[p], index: p, rows: rows, yLabel: panels[p].yLabel ?? yLabel)
        : epochPanel(panels[p], index: p, rows: rows, yLabel: panels[p].yLabel ?? yLabel)
    }
    let columns = plots.count > 1 ? 2 : 1
    return SVGLinePlot.figure(title: title, panels: plots, columns: columns, width: 700, height: 440)
  }

  /// A panel per epoch (or per evaluation point): a line per series (a
  /// run) through the mean over its seeds of the panel's quantity at each
  /// epoch (epochs without it, FP's update frequency, are left out), and
  /// for the test accuracy the paper's number at the last one.
  static func epochPanel(_ p: FigurePanel, index: Int, rows: [ReproduceCommand.Row], yLabel: String) -> SVGLinePlot {
    var plot = SVGLinePlot(title: p.title, xLabel: p.xLabel, yLabel: yLabel)
    plot.legendBeside = true
    plot.xAxis = .padded(integers: p.metric != .pointAccuracy)
    // Accuracies in 0…100 %; the update frequency and the loss are never
    // negative either.
    plot.yBounds = p.metric == .testAccuracy || p.metric == .pointAccuracy ? 0...100 : 0...Double.greatestFiniteMagnitude
    var k = 0
    for row in rows where !row.results.isEmpty {
      guard let place = row.run.places.first(where: { $0.panel == index }) else { continue }
      // A run's colour is its place among the panel's runs, drawn or not:
      // the same in every panel.
      defer { k += 1 }
      // Each seed's (x, value) pairs; a point is the mean over the seeds
      // that have its x (the same epochs, or evaluation points, in each).
      var sums: [Double: (Double, Int)] = [:]
      for r in row.results {
        let pairs: [(Double, Double?)]
        switch p.metric {
        case .pointAccuracy: pairs = r.points.map { (Double($0.images), $0.accuracy) }
        case .testAccuracy: pairs = r.epochs.map { (Double($0.epoch), $0.testAccuracy) }
        case .updateFrequency: pairs = r.epochs.map { (Double($0.epoch), $0.updateFrequency) }
        case .meanSquaredError: pairs = r.epochs.map { (Double($0.epoch), $0.meanSquaredError) }
        case nil: pairs = []
        }
        for case let (x, v?) in pairs {
          let (sum, n) = sums[x] ?? (0, 0)
          sums[x] = (sum + v, n + 1)
        }
      }
      let x = sums.keys.sorted()
      let y = x.map { sums[$0]!.0 / Double(sums[$0]!.1) }
      guard !x.isEmpty else { continue }
      plot.series.append(SVGLinePlot.Series(label: place.series, x: x, y: y, color: k))
      if p.metric == .testAccuracy || p.metric == .pointAccuracy, let paper = row.run.paper, let last = x.last {
        plot.series.append(SVGLinePlot.Series(label: "paper, \(place.series)", x: [last], y: [paper], hollow: true, color: k))
      }
    }
    return plot
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
    plot.yBounds = 0...100
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
