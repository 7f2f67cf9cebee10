import Foundation

/// A line chart written as plain SVG text: one polyline per series, axes
/// with "nice" ticks (1, 2, 5 × 10^k), axis labels, a title and a legend.
struct SVGLinePlot {
  struct Series {
    var label: String
    var x: [Double]
    var y: [Double]
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var series: [Series] = []

  /// At most this many series are named in the legend; the rest are drawn.
  static let legendLimit = 12
  /// Series with at most this many points get a marker on each point.
  static let markerLimit = 30

  // A categorical palette (Tableau 10).
  static let palette = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ]

  /// The SVG document, `width` × `height` pixels.
  func render(width: Double = 760, height: Double = 480) -> String {
    let left = 90.0
    let right = 20.0
    let top = 40.0
    let bottom = 60.0
    let plotW = width - left - right
    let plotH = height - top - bottom
    let xs = series.flatMap(\.x).filter(\.isFinite)
    let ys = series.flatMap(\.y).filter(\.isFinite)
    let xt = Self.ticks(xs.min() ?? 0, xs.max() ?? 1, target: 8, tight: true)
    let yt = Self.ticks(ys.min() ?? 0, ys.max() ?? 1, target: 6)
    func px(_ x: Double) -> Double { left + (x - xt.lo) / (xt.hi - xt.lo) * plotW }
    func py(_ y: Double) -> Double { top + plotH - (y - yt.lo) / (yt.hi - yt.lo) * plotH }
    func f(_ v: Double) -> String { String(format: "%.2f", v) }

    var s = Self.documentStart(width: f(width), height: f(height), fontSize: 12) + """
      <text x="\(f(left + plotW / 2))" y="22" text-anchor="middle" font-size="14">\
      \(Self.escape(title))</text>

      """
    // Grid, ticks and tick labels.
    s += "<g stroke=\"#dddddd\" stroke-width=\"1\">\n"
    for t in xt.values {
      s +=
        "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH))\"/>\n"
    }
    for t in yt.values {
      s +=
        "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\"/>\n"
    }
    s += "</g>\n<g stroke=\"black\" stroke-width=\"1\">\n"
    s +=
      "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\"/>\n"
    s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\"/>\n"
    for t in xt.values {
      s +=
        "<line x1=\"\(f(px(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + plotH + 5))\"/>\n"
    }
    for t in yt.values {
      s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\"/>\n"
    }
    s += "</g>\n"
    for t in xt.values {
      s +=
        "<text x=\"\(f(px(t)))\" y=\"\(f(top + plotH + 19))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
    }
    for t in yt.values {
      s +=
        "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
    }
    // Axis labels.
    s +=
      "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 15))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
    let yMid = top + plotH / 2
    s +=
      "<text x=\"18\" y=\"\(f(yMid))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(yMid)))\">\(Self.escape(yLabel))</text>\n"
    // Data.
    for (k, c) in series.enumerated() {
      let color = Self.palette[k % Self.palette.count]
      var points = ""
      points.reserveCapacity(c.x.count * 16)
      var finite: [(Double, Double)] = []
      for (x, y) in zip(c.x, c.y) where x.isFinite && y.isFinite {
        points += "\(f(px(x))),\(f(py(y))) "
        finite.append((x, y))
      }
      s +=
        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points)\"><title>\(Self.escape(c.label))</title></polyline>\n"
      // A line through a few points (one alone draws nothing) gets a
      // marker on each.
      if finite.count <= Self.markerLimit {
        for (x, y) in finite {
          s += "<circle cx=\"\(f(px(x)))\" cy=\"\(f(py(y)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
        }
      }
    }
    // Legend (top left of the plot area, on a white box).
    let named = series.prefix(Self.legendLimit)
    let lines = named.count + (series.count > named.count ? 1 : 0)
    if lines > 0 {
      let lw = 24 + 7.0 * Double(max(named.map(\.label.count).max() ?? 0, 12))
      s +=
        "<g>\n<rect x=\"\(f(left + 10))\" y=\"\(f(top + 8))\" width=\"\(f(lw))\" height=\"\(f(Double(lines) * 16 + 8))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999999\"/>\n"
      for (k, c) in named.enumerated() {
        let y = top + 20 + Double(k) * 16
        let color = Self.palette[k % Self.palette.count]
        s +=
          "<line x1=\"\(f(left + 16))\" y1=\"\(f(y - 4))\" x2=\"\(f(left + 34))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
        s += "<text x=\"\(f(left + 40))\" y=\"\(f(y))\">\(Self.escape(c.label))</text>\n"
      }
      if series.count > named.count {
        let y = top + 20 + Double(named.count) * 16
        s +=
          "<text x=\"\(f(left + 40))\" y=\"\(f(y))\">… and \(series.count - named.count) more</text>\n"
      }
      s += "</g>\n"
    }
    s += "</svg>\n"
    return s
  }

  /// Nice tick values covering [lo, hi], and the axis range they span
  /// (with `tight`, the axis is [lo, hi] itself and the ticks lie inside).
  static func ticks(
    _ lo: Double, _ hi: Double, target: Int, tight: Bool = false
  ) -> (lo: Double, hi: Double, values: [Double]) {
    var lo = lo
    var hi = hi
    if !(hi > lo) {
      let pad = lo == 0 ? 1 : abs(lo) * 0.1
      lo -= pad
      hi += pad
    }
    let raw = (hi - lo) / Double(target)
    let mag = pow(10, (log10(raw)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
    let first = (lo / step).rounded(.down)
    let last = (hi / step).rounded(.up)
    if tight {
      let values = stride(
        from: (lo / step).rounded(.up), through: (hi / step).rounded(.down), by: 1
      )
      .map { $0 * step }
      return (lo, hi, values)
    }
    let values = stride(from: first, through: last, by: 1).map { $0 * step }
    return (first * step, last * step, values)
  }

  /// An SVG document's opening: the root element and a white background.
  static func documentStart(width: String, height: String, fontSize: Int) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
    viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="\(fontSize)">
    <rect x="0" y="0" width="\(width)" height="\(height)" fill="white"/>

    """
  }

  static func label(_ v: Double) -> String {
    abs(v) < 1e-300 ? "0" : String(format: "%g", v)
  }

  static func escape(_ s: String) -> String {
    var out = ""
    for ch in s {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(ch)
      }
    }
    return out
  }
}
