import Foundation
import Testing
import _TestSupport

// Mutation testing (session 19, round 2): the SVG plots draw the numbers they name.
// A polyline's points are affine in the values plotted, so each point's
// y must be the affine image of the accuracy logged for it.

/// The (x, y) pixel pairs of the first polyline in an SVG.
private func polylinePoints(_ svg: String) throws -> [(Double, Double)] {
  let start = try #require(svg.range(of: "<polyline"))
  let attr = try #require(svg[start.upperBound...].range(of: "points=\""))
  let end = try #require(svg[attr.upperBound...].firstIndex(of: "\""))
  return svg[attr.upperBound..<end].split(separator: " ").map { pair in
    let xy = pair.split(separator: ",").map { Double($0)! }
    return (xy[0], xy[1])
  }
}

/// Whether `pixels` are an affine, decreasing image of `values` (SVG's y
/// grows downwards), to the 0.01 px the plot writes.
private func isDecreasingAffineImage(_ pixels: [Double], of values: [Double]) -> Bool {
  guard let lo = values.indices.min(by: { values[$0] < values[$1] }),
    let hi = values.indices.max(by: { values[$0] < values[$1] }), values[hi] > values[lo]
  else { return false }
  let slope = (pixels[hi] - pixels[lo]) / (values[hi] - values[lo])
  return slope < 0 && zip(pixels, values).allSatisfy { abs($0 - (pixels[lo] + slope * ($1 - values[lo]))) <= 0.02 }
}

@Test func theTrainPlotDrawsTestAccuracyAtEachEvaluationPoint() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-plot-data", train: 300, test: 100)
  defer { try? FileManager.default.removeItem(at: root) }
  let log = root.appendingPathComponent("log.csv"), plot = root.appendingPathComponent("a.svg")
  let t = try runXbarsim([
    "train", "--data", data.path, "--layers", "64,16,10", "--evals-per-epoch", "6", "--quiet",
    "--log", log.path, "--plot", plot.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let rows = try numericCSVRows(log)
  let points = try polylinePoints(try String(contentsOf: plot, encoding: .utf8))
  #expect(points.count == rows.count && rows.count == 6)
  // x: training images, increasing; y: the logged test accuracy.
  #expect(zip(points, points.dropFirst()).allSatisfy { $0.0 < $1.0 })
  #expect(isDecreasingAffineImage(points.map(\.1), of: rows.map { $0[2] }), "\(points) for \(rows.map { $0[2] })")
}

@Test func theSweepPlotDrawsEachPointsAccuracyMeanLast() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-sweep-plot", train: 200, test: 60)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  // 20 points per run: accuracy_mean_last (the last 2) is not test_accuracy (the last).
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--layers", "64,12,10", "--evals-per-epoch", "20", "--grid", "nmax=4,8,16,32",
    "--quiet", "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8).split(separator: "\n")
  let header = lines[0].split(separator: ",").map(String.init)
  let column = try #require(header.firstIndex(of: "accuracy_mean_last"))
  let last = try #require(header.firstIndex(of: "test_accuracy"))
  let cells = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
  let means = cells.map { Double($0[column])! }
  #expect(cells.contains { $0[column] != $0[last] }, "the check needs a mean of the last points unlike the last one")
  let points = try polylinePoints(try String(contentsOf: out.appendingPathComponent("sweep.svg"), encoding: .utf8))
  #expect(points.count == 4)
  #expect(isDecreasingAffineImage(points.map(\.1), of: means), "\(points) for \(means)")
}

@Test func theSweepPlotAveragesASeedKeyWithBarsFromTheSeedsMinToMax() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-sweep-plot-seeds", train: 200, test: 60)
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  let r = try runXbarsim([
    "sweep", "--data", data.path, "--layers", "64,12,10", "--evals-per-epoch", "20", "--grid", "nmax=4,8,16",
    "--grid", "seed=1,2", "--quiet", "--out", out.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = try String(contentsOf: out.appendingPathComponent("sweep.csv"), encoding: .utf8).split(separator: "\n")
  let header = lines[0].split(separator: ",").map(String.init)
  let cells = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
  func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name)) }
  let (nmax, mean, low, high) = (try column("nmax"), try column("accuracy_mean_last"), try column("accuracy_min_last"), try column("accuracy_max_last"))
  let byN = Dictionary(grouping: cells, by: { Int($0[nmax])! })
  let ns = byN.keys.sorted()
  #expect(ns == [4, 8, 16] && byN.values.allSatisfy { $0.count == 2 })
  // (The check needs seeds that differ.)
  #expect(byN.values.contains { $0[0][mean] != $0[1][mean] })
  let means = ns.map { n in byN[n]!.map { Double($0[mean])! }.reduce(0, +) / 2 }
  let svg = try String(contentsOf: out.appendingPathComponent("sweep.svg"), encoding: .utf8)
  // One line, not one per seed.
  #expect(svg.components(separatedBy: "<polyline").count == 2)
  let points = try polylinePoints(svg)
  #expect(points.count == 3)
  // Its points and bars on one axis: the means, and each nmax's least min and greatest max.
  let group = try #require(svg.range(of: "<g stroke=\"#1f77b4\" stroke-width=\"1\">"))
  let barText = String(svg[group.upperBound...].prefix { $0 != "\n" })
  let numbers = try NSRegularExpression(pattern: "<line x1=\"([-0-9.]+)\" y1=\"([-0-9.]+)\" x2=\"([-0-9.]+)\" y2=\"([-0-9.]+)\"/>")
  let ns2 = barText as NSString
  let verticals = numbers.matches(in: barText, range: NSRange(location: 0, length: ns2.length)).map { m in
    (1...4).map { Double(ns2.substring(with: m.range(at: $0)))! }
  }.filter { $0[0] == $0[2] }
  #expect(verticals.count == 3)
  var pixels = points.map(\.1), values = means
  for (v, n) in zip(verticals, ns) {
    values += [byN[n]!.map { Double($0[low])! }.min()!, byN[n]!.map { Double($0[high])! }.max()!]
    pixels += [v[1], v[3]]
  }
  #expect(isDecreasingAffineImage(pixels, of: values), "\(pixels) for \(values)")
}

// Session 30: the hybrid's plot marks its switch to the small arrays, a
// vertical line at the end of its last dynamic epoch (Choi Fig. 4A).
@Test func theHybridPlotMarksTheSwitchToTheSmallArrays() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-plot-switch", train: 120, test: 40)
  defer { try? FileManager.default.removeItem(at: root) }
  let plot = root.appendingPathComponent("a.svg"), summary = root.appendingPathComponent("s.json")
  let t = try runXbarsim([
    "train", "--data", data.path, "--rule", "hybrid", "--layers", "64,12,10", "--epochs", "3", "--switch-threshold", "99.99",
    "--evals-per-epoch", "2", "--quiet", "--plot", plot.path, "--summary", summary.path,
  ])
  #expect(t.status == 0, "\(t.stderr)")
  let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summary)) as? [String: Any])
  #expect(json["phase_switch_epoch"] as? Int == 1)
  let svg = try String(contentsOf: plot, encoding: .utf8)
  let accuracy = try polylinePoints(svg)
  #expect(accuracy.count == 6)
  let marker = try #require(svg.range(of: "<title>switch to the small arrays after epoch 1</title>"))
  let start = try #require(svg[..<marker.lowerBound].range(of: "<polyline", options: .backwards))
  let line = try polylinePoints(String(svg[start.lowerBound...]))
  // Vertical, at the second point's x (120 images: the end of epoch 1), over the accuracies' range.
  #expect(line.count == 2 && line[0].0 == line[1].0 && abs(line[0].0 - accuracy[1].0) < 0.01, "\(line) \(accuracy)")
  #expect(abs(line[0].1 - accuracy.map(\.1).max()!) < 0.01 && abs(line[1].1 - accuracy.map(\.1).min()!) < 0.01)
}
