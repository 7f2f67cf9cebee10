import Foundation

/// A line chart written as plain SVG text: one polyline per series, axes
/// with "nice" ticks (1, 2, 5 × 10^k), axis labels, a title and a legend.
///
/// For a paper's figure (`reproduce --plot`): error bars, hollow markers
/// without a line (the paper's numbers), x ticks at the sweep's own values
/// on a linear or logarithmic axis or by category, the legend beside the
/// plot, and several panels in one document (`figure`).
struct SVGLinePlot {
  struct Series {
    var label: String
    var x: [Double]
    var y: [Double]
    /// Error bars from `low[i]` to `high[i]` at each point (both or neither).
    var low: [Double]? = nil
    var high: [Double]? = nil
    /// Hollow markers and no line (a paper's points).
    var hollow = false
    /// Without it, filled markers and no line (points of categories).
    var line = true
    /// A palette index instead of the series' own (a paper's points in
    /// the colour of the line they go with).
    var color: Int? = nil
    /// Drawn this many pixels right of its x (lines whose bars would
    /// cover each other at one x, set apart).
    var dx = 0.0
  }

  /// How the x axis is drawn.
  enum XAxis {
    /// "Nice" ticks, the axis spanning the data exactly.
    case nice
    /// A tick at each distinct x value, the axis padded around them;
    /// logarithmic with `log` when every x is > 0.
    case atData(log: Bool)
    /// x = 0, 1, …: one tick per category, named.
    case categories([String])
    /// "Nice" ticks (whole numbers with `integers`), the axis padded
    /// around the data (points at its ends stay clear of the frame).
    case padded(integers: Bool)
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var series: [Series] = []
  var xAxis = XAxis.nice
  /// The legend right of the plot area instead of on it.
  var legendBeside = false
  /// Lines drawn thin and grey behind the series (a device file's
  /// measured cycles), in the axes' ranges, named once in the legend by
  /// `backgroundLabel` (when given).
  var background: [Series] = []
  var backgroundLabel: String? = nil
  /// The y axis kept inside these bounds (accuracies: 0…100 %, where one
  /// point at 0 had drawn an axis from −1 to 1 %; an interop walkthrough,
  /// session 71).
  var yBounds: ClosedRange<Double>? = nil
  /// Only whole-number x ticks (images, epochs) on a `nice` axis: a run of
  /// one evaluation point had ticks at 9.5 and 10.5 images.
  var xIntegers = false
  /// Written in the plot area when no series has a point to draw (a run
  /// stopped before its first evaluation had drawn bare axes).
  var emptyNote = "no points to draw"

  /// At most this many series are named in the legend; the rest are drawn.
  static let legendLimit = 12
  /// Series with at most this many points get a marker on each point.
  static let markerLimit = 30

  /// The colour of the background lines.
  static let backgroundColor = "#bbbbbb"

  // A categorical palette (Tableau 10).
  static let palette = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ]

  /// The dash of the line with palette index `index`: solid for the first
  /// ten, then dashed, dotted and dash-dotted in turn, so that the 11th
  /// line is not the 1st's (a walkthrough, session 65: a sweep's 12 lines
  /// reused two colours, ambiguous).
  static func dash(_ index: Int) -> String {
    let patterns = ["", "7,4", "2,3", "8,3,2,3"]
    let p = patterns[(index / palette.count) % patterns.count]
    return p.isEmpty ? "" : " stroke-dasharray=\"\(p)\""
  }

  /// The SVG document, `width` × `height` pixels.
  func render(width: Double = 760, height: Double = 480) -> String {
    Self.documentStart(width: Self.f(width), height: Self.f(height), fontSize: 12) + body(width: width, height: height)
      + "</svg>\n"
  }

  /// Panels side by side, `columns` to a row, each `width` × `height`,
  /// under a title, in one SVG document.
  static func figure(title: String, panels: [SVGLinePlot], columns: Int, width: Double, height: Double) -> String {
    let rows = (panels.count + columns - 1) / max(1, columns)
    let totalW = width * Double(min(columns, max(1, panels.count)))
    // The title in lines that fit the canvas.
    let titleLines = wrapped(title, limit: titleLimit(width: totalW * 14 / 15))
    let head = 34.0 + 18 * Double(titleLines.count - 1)
    let totalH = head + height * Double(rows)
    var s = documentStart(width: f(totalW), height: f(totalH), fontSize: 12)
    for (k, line) in titleLines.enumerated() {
      s += "<text x=\"\(f(totalW / 2))\" y=\"\(f(22 + 18 * Double(k)))\" text-anchor=\"middle\" font-size=\"15\">\(escape(line))</text>\n"
    }
    for (k, panel) in panels.enumerated() {
      let x = width * Double(k % columns), y = head + height * Double(k / columns)
      s += "<g transform=\"translate(\(f(x)),\(f(y)))\">\n" + panel.body(width: width, height: height) + "</g>\n"
    }
    return s + "</svg>\n"
  }

  static func f(_ v: Double) -> String { String(format: "%.2f", v) }

  /// A text element at (x, y) of `lines`, each `lineHeight` px below the
  /// one before (in tspans when there are several), escaped.
  static func text(_ lines: [String], x: Double, y: Double, lineHeight: Int, anchor: String = "") -> String {
    let head = "<text x=\"\(f(x))\" y=\"\(f(y))\"\(anchor)>"
    guard lines.count > 1 else { return head + escape(lines.first ?? "") + "</text>\n" }
    return head
      + lines.enumerated().map { "<tspan x=\"\(f(x))\" dy=\"\($0.offset == 0 ? 0 : lineHeight)\">\(escape($0.element))</tspan>" }.joined()
      + "</text>\n"
  }

  /// The characters of a title's line on a canvas `width` wide (14 px
  /// type; a figure's 15 px title takes `width` · 14/15).
  static func titleLimit(width: Double) -> Int { max(20, Int((width - 20) / 8.5)) }

  /// The x axis's range and ticks (values and labels) for `xs`.
  func xScale(_ xs: [Double]) -> (lo: Double, hi: Double, ticks: [(Double, String)], map: (Double) -> Double) {
    switch xAxis {
    case .nice:
      let t = Self.ticks(xs.min() ?? 0, xs.max() ?? 1, target: 8, tight: true)
      let values = xIntegers ? t.values.filter { $0 == $0.rounded() } : t.values
      return (t.lo, t.hi, values.map { ($0, Self.label($0)) }, { $0 })
    case .atData(let log):
      // (A value ≤ 0 has no place on a logarithmic axis: linear then.)
      let map: (Double) -> Double = log && xs.allSatisfy({ $0 > 0 }) ? { Foundation.log10($0) } : { $0 }
      let values = Array(Set(xs)).sorted()
      let mapped = values.map(map)
      let lo = mapped.first ?? 0, hi = mapped.last ?? 1
      let pad = hi > lo ? (hi - lo) * 0.08 : 0.5
      return (lo - pad, hi + pad, zip(mapped, values).map { ($0, Self.label($1)) }, map)
    case .categories(let names):
      return (-0.5, Double(max(1, names.count)) - 0.5, names.enumerated().map { (Double($0), $1) }, { $0 })
    case .padded(let integers):
      let lo = xs.min() ?? 0, hi = xs.max() ?? 1
      let pad = hi > lo ? (hi - lo) * 0.05 : 0.5
      var t = Self.ticks(lo, hi, target: 8, tight: true)
      if integers && t.values.count > 1 && t.values[1] - t.values[0] < 1 {
        t.values = stride(from: lo.rounded(.up), through: hi, by: 1).map { $0 }
      }
      return (lo - pad, hi + pad, t.values.map { ($0, Self.label($0)) }, { $0 })
    }
  }

  /// What `render` draws inside its document: title, axes, data, legend.
  func body(width: Double, height: Double) -> String {
    let named = series.prefix(Self.legendLimit)
    let left = 90.0
    // The title in lines that fit the width (centred on it, at about 8.5
    // px a character of 14 px: wider than most), and each legend entry in
    // lines that leave the plot most of the width: a run's long title and
    // legend had run off the canvas (an interop walkthrough, session 71).
    let titleLines = Self.wrapped(title, limit: Self.titleLimit(width: width))
    let legendLimit = legendBeside ? 36 : max(16, Int((width - left - 40) * 0.6 / 7))
    let backgroundNamed = !background.isEmpty && backgroundLabel != nil
    var entries: [[String]] = named.map { Self.wrapped($0.label, limit: legendLimit) }
    if series.count > named.count { entries.append(["… and \(series.count - named.count) more"]) }
    if backgroundNamed, let label = backgroundLabel { entries.append(Self.wrapped(label, limit: legendLimit)) }
    let legendChars = entries.flatMap { $0 }.map(\.count).max() ?? 0
    let legendW = 24 + 7.0 * Double(max(legendChars, 12))
    let legendH = Double(entries.map(\.count).reduce(0, +)) * 16 + 8
    let right = legendBeside && !series.isEmpty ? legendW + 30 : 20.0
    let top = 40.0 + 17 * Double(titleLines.count - 1)
    var categoryLines = 1
    if case .categories(let names) = xAxis {
      categoryLines = names.map { Self.wrapped($0).count }.max() ?? 1
    }
    let bottom = 60.0 + 13 * Double(categoryLines - 1)
    let plotW = width - left - right
    let plotH = height - top - bottom
    let xs = (series + background).flatMap(\.x).filter(\.isFinite)
    let ys = (series + background).flatMap { $0.y + ($0.low ?? []) + ($0.high ?? []) }.filter(\.isFinite)
    let xt = xScale(xs)
    var yt = Self.ticks(ys.min() ?? 0, ys.max() ?? 1, target: 6)
    if let b = yBounds {
      let lo = Swift.max(yt.lo, b.lowerBound), hi = Swift.min(yt.hi, b.upperBound)
      if lo < hi { yt = (lo, hi, yt.values.filter { $0 >= lo && $0 <= hi }) }
    }
    func px(_ x: Double) -> Double { left + (xt.map(x) - xt.lo) / (xt.hi - xt.lo) * plotW }
    func tx(_ t: Double) -> Double { left + (t - xt.lo) / (xt.hi - xt.lo) * plotW }
    func py(_ y: Double) -> Double { top + plotH - (y - yt.lo) / (yt.hi - yt.lo) * plotH }
    let f = Self.f

    var s = ""
    for (k, line) in titleLines.enumerated() {
      s += "<text x=\"\(f(width / 2))\" y=\"\(f(22 + 17 * Double(k)))\" text-anchor=\"middle\" font-size=\"14\">\(Self.escape(line))</text>\n"
    }
    // Grid, ticks and tick labels.
    s += "<g stroke=\"#dddddd\" stroke-width=\"1\">\n"
    for (t, _) in xt.ticks {
      s +=
        "<line x1=\"\(f(tx(t)))\" y1=\"\(f(top))\" x2=\"\(f(tx(t)))\" y2=\"\(f(top + plotH))\"/>\n"
    }
    for t in yt.values {
      s +=
        "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(left + plotW))\" y2=\"\(f(py(t)))\"/>\n"
    }
    s += "</g>\n<g stroke=\"black\" stroke-width=\"1\">\n"
    s +=
      "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\"/>\n"
    s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\"/>\n"
    for (t, _) in xt.ticks {
      s +=
        "<line x1=\"\(f(tx(t)))\" y1=\"\(f(top + plotH))\" x2=\"\(f(tx(t)))\" y2=\"\(f(top + plotH + 5))\"/>\n"
    }
    for t in yt.values {
      s += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\"/>\n"
    }
    s += "</g>\n"
    for (t, name) in xt.ticks {
      s += Self.text(Self.wrapped(name), x: tx(t), y: top + plotH + 19, lineHeight: 13, anchor: " text-anchor=\"middle\"")
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
    // Data: the background first, under the series.
    for c in background {
      let points = zip(c.x, c.y).filter { $0.0.isFinite && $0.1.isFinite }.map { "\(f(px($0.0))),\(f(py($0.1)))" }
      s += "<polyline fill=\"none\" stroke=\"\(Self.backgroundColor)\" stroke-width=\"0.8\" points=\"\(points.joined(separator: " "))\"/>\n"
    }
    for (k, c) in series.enumerated() {
      let color = Self.palette[(c.color ?? k) % Self.palette.count]
      if let low = c.low, let high = c.high {
        s += "<g stroke=\"\(color)\" stroke-width=\"1\">"
        for (x, (lo, hi)) in zip(c.x, zip(low, high)) where x.isFinite && lo.isFinite && hi.isFinite {
          let X = px(x) + c.dx
          s += "<line x1=\"\(f(X))\" y1=\"\(f(py(lo)))\" x2=\"\(f(X))\" y2=\"\(f(py(hi)))\"/>"
          s += "<line x1=\"\(f(X - 4))\" y1=\"\(f(py(lo)))\" x2=\"\(f(X + 4))\" y2=\"\(f(py(lo)))\"/>"
          s += "<line x1=\"\(f(X - 4))\" y1=\"\(f(py(hi)))\" x2=\"\(f(X + 4))\" y2=\"\(f(py(hi)))\"/>"
        }
        s += "</g>\n"
      }
      if c.hollow {
        for (x, y) in zip(c.x, c.y) where x.isFinite && y.isFinite {
          s +=
            "<circle cx=\"\(f(px(x) + c.dx))\" cy=\"\(f(py(y)))\" r=\"4.5\" fill=\"white\" stroke=\"\(color)\" stroke-width=\"1.5\"><title>\(Self.escape(c.label)): \(Self.label(y))</title></circle>\n"
        }
        continue
      }
      if !c.line {
        for (x, y) in zip(c.x, c.y) where x.isFinite && y.isFinite {
          s +=
            "<circle cx=\"\(f(px(x) + c.dx))\" cy=\"\(f(py(y)))\" r=\"3.5\" fill=\"\(color)\"><title>\(Self.escape(c.label)): \(Self.label(y))</title></circle>\n"
        }
        continue
      }
      var points = ""
      points.reserveCapacity(c.x.count * 16)
      var finite: [(Double, Double)] = []
      for (x, y) in zip(c.x, c.y) where x.isFinite && y.isFinite {
        points += "\(f(px(x) + c.dx)),\(f(py(y))) "
        finite.append((x, y))
      }
      s +=
        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(Self.dash(c.color ?? k)) points=\"\(points)\"><title>\(Self.escape(c.label))</title></polyline>\n"
      // A line through a few points (one alone draws nothing) gets a
      // marker on each.
      if finite.count <= Self.markerLimit {
        for (x, y) in finite {
          s += "<circle cx=\"\(f(px(x) + c.dx))\" cy=\"\(f(py(y)))\" r=\"2.5\" fill=\"\(color)\"/>\n"
        }
      }
    }
    let drawn = (series + background).contains { c in zip(c.x, c.y).contains { $0.0.isFinite && $0.1.isFinite } }
    if !drawn {
      s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" fill=\"#666666\">\(Self.escape(emptyNote))</text>\n"
    }
    // Legend: beside the plot area, or on it (on a white box) in the
    // corner that hides the fewest of the data's pixels, top left first
    // (it had always been top left, over a sweep's bar and a run's last
    // point; an interop walkthrough, session 71).
    if !entries.isEmpty {
      var lx = legendBeside ? left + plotW + 10 : left + 10
      var ly = top + 8
      if !legendBeside {
        var samples: [(Double, Double)] = []
        func sample(_ c: Series, line: Bool) {
          var last: (Double, Double)? = nil
          for (k, (x, y)) in zip(c.x, c.y).enumerated() where x.isFinite && y.isFinite {
            let p = (px(x) + c.dx, py(y))
            samples.append(p)
            if line, let q = last {
              let n = Int(Swift.min(200, (abs(p.0 - q.0) + abs(p.1 - q.1)) / 4))
              if n > 1 { for i in 1..<n { let t = Double(i) / Double(n); samples.append((q.0 + t * (p.0 - q.0), q.1 + t * (p.1 - q.1))) } }
            }
            last = p
            if let lo = c.low?[k], let hi = c.high?[k], lo.isFinite, hi.isFinite {
              samples.append((p.0, py(lo)))
              samples.append((p.0, py(hi)))
              samples.append((p.0, (py(lo) + py(hi)) / 2))
            }
          }
        }
        for c in series { sample(c, line: c.line && !c.hollow) }
        for c in background { sample(c, line: true) }
        let corners = [
          (left + 10, top + 8), (left + plotW - 10 - legendW, top + 8),
          (left + plotW - 10 - legendW, top + plotH - 8 - legendH), (left + 10, top + plotH - 8 - legendH),
        ]
        func hidden(_ c: (Double, Double)) -> Int {
          samples.filter { $0.0 >= c.0 - 5 && $0.0 <= c.0 + legendW + 5 && $0.1 >= c.1 - 5 && $0.1 <= c.1 + legendH + 5 }.count
        }
        let counts = corners.map(hidden)
        let best = counts.indices.min { counts[$0] < counts[$1] }!
        (lx, ly) = corners[best]
      }
      s +=
        "<g>\n<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"\(f(legendW))\" height=\"\(f(legendH))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999999\"/>\n"
      // The baseline of each entry's first line.
      var baselines: [Double] = []
      var y = ly + 12
      for e in entries {
        baselines.append(y)
        y += 16 * Double(e.count)
      }
      func text(_ lines: [String], _ y: Double) -> String { Self.text(lines, x: lx + 30, y: y, lineHeight: 16) }
      for (k, c) in named.enumerated() {
        let y = baselines[k]
        let color = Self.palette[(c.color ?? k) % Self.palette.count]
        if c.hollow || !c.line {
          let fill = c.hollow ? "white" : color
          s +=
            "<circle cx=\"\(f(lx + 15))\" cy=\"\(f(y - 4))\" r=\"\(c.hollow ? "4.5" : "3.5")\" fill=\"\(fill)\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
        } else {
          s +=
            "<line x1=\"\(f(lx + 6))\" y1=\"\(f(y - 4))\" x2=\"\(f(lx + 24))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(Self.dash(c.color ?? k))/>\n"
        }
        s += text(entries[k], y)
      }
      if series.count > named.count {
        s += text(entries[named.count], baselines[named.count])
      }
      if backgroundNamed {
        let y = baselines[entries.count - 1]
        s +=
          "<line x1=\"\(f(lx + 6))\" y1=\"\(f(y - 4))\" x2=\"\(f(lx + 24))\" y2=\"\(f(y - 4))\" stroke=\"\(Self.backgroundColor)\" stroke-width=\"2\"/>\n"
        s += text(entries[entries.count - 1], y)
      }
      s += "</g>\n"
    }
    return s
  }

  /// A name in lines of at most about `limit` characters (a category's:
  /// 18), broken at spaces; a word longer than a line (a path) is cut.
  static func wrapped(_ name: String, limit: Int = 18) -> [String] {
    var lines: [String] = []
    var line = ""
    var words: [Substring] = []
    for word in name.split(separator: " ", omittingEmptySubsequences: false) {
      var rest = word
      while rest.count > limit, limit > 18 {
        words.append(rest.prefix(limit))
        rest = rest.dropFirst(limit)
      }
      words.append(rest)
    }
    for (i, word) in words.enumerated() {
      if !line.isEmpty && line.count + 1 + word.count > limit {
        // A value stays with its key ("stuck_on 0.2", "β 2"): a number
        // that would begin the next line takes the word before it along
        // when that word names it (is not a number) and is not the line's
        // only one (a walkthrough, session 75: a title had ended in
        // "stuck_on").
        if i > 0, Self.isNumber(word), !Self.isNumber(words[i - 1]), let cut = line.lastIndex(of: " ") {
          lines.append(String(line[..<cut]))
          line = String(words[i - 1]) + " " + word
          continue
        }
        lines.append(line)
        line = String(word)
      } else {
        line = line.isEmpty ? String(word) : line + " " + word
      }
    }
    if !line.isEmpty || lines.isEmpty { lines.append(line) }
    return lines
  }

  /// A word that reads as a value: it begins with a digit, or a sign or
  /// point and a digit (`64`, `0.2`, `-1`, `.5`, `1e-3`, `2%`).
  static func isNumber(_ word: Substring) -> Bool {
    let rest = word.drop { $0 == "-" || $0 == "+" || $0 == "." }
    return rest.first?.isASCII == true && rest.first?.isNumber == true
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
