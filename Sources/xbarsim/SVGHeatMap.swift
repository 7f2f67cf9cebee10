import Foundation

/// Heat maps as plain SVG: panels of matrices (rows × columns), each with
/// its own colour scale (dark blue at its minimum to yellow at its
/// maximum, printed under the panel). Matrices larger than `maxCells` a
/// side are shown block-averaged, which the panel's caption says.
struct SVGHeatMap {
  struct Panel {
    var title: String
    var rows: Int
    var columns: Int
    /// Row-major values.
    var values: [Double]
    var unit: String
  }

  var title: String
  var panels: [Panel] = []
  static let maxCells = 160

  /// Viridis-like ramp from t = 0 to 1.
  static func color(_ t: Double) -> String {
    let stops: [(Double, Double, Double)] = [
      (68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37),
    ]
    let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
    let k = min(Int(x), stops.count - 2), f = x - Double(k)
    let c = (0..<3).map { i -> Int in
      let a = [stops[k].0, stops[k].1, stops[k].2][i], b = [stops[k + 1].0, stops[k + 1].1, stops[k + 1].2][i]
      return Int((a + (b - a) * f).rounded())
    }
    return String(format: "#%02x%02x%02x", c[0], c[1], c[2])
  }

  func render() -> String {
    let cell = 3.0, gap = 40.0, top = 50.0, left = 20.0
    // Block sizes and drawn sizes.
    let layout = panels.map { p -> (br: Int, bc: Int, r: Int, c: Int) in
      let br = (p.rows + Self.maxCells - 1) / Self.maxCells, bc = (p.columns + Self.maxCells - 1) / Self.maxCells
      return (br, bc, (p.rows + br - 1) / br, (p.columns + bc - 1) / bc)
    }
    // What is drawn: each block's mean, row by row.
    let drawn = zip(panels, layout).map { p, l -> [Double] in
      var out: [Double] = []
      out.reserveCapacity(l.r * l.c)
      for bi in 0..<l.r {
        for bj in 0..<l.c {
          var sum = 0.0, n = 0
          for i in (bi * l.br)..<min(p.rows, (bi + 1) * l.br) {
            for j in (bj * l.bc)..<min(p.columns, (bj + 1) * l.bc) {
              sum += p.values[i * p.columns + j]
              n += 1
            }
          }
          out.append(sum / Double(n))
        }
      }
      return out
    }
    // A panel's captions: its title, its shape, its colour scale's range:
    // the drawn blocks' (the cells' own beside it when blocks are
    // averaged: the caption had given the cells' while the colours spanned
    // the blocks', a walkthrough, session 43).
    func g(_ x: Double) -> String { String(format: "%.3g", x) }
    let captions = zip(zip(panels, layout), drawn).map { pl, d -> (shape: String, range: String) in
      let (p, l) = pl
      let lo = d.min() ?? 0, hi = d.max() ?? 0
      let averaged = l.br * l.bc > 1
      let blocks = averaged ? "; \(l.br)×\(l.bc) blocks averaged" : ""
      let cells = averaged ? " (cells \(g(p.values.min() ?? 0)) … \(g(p.values.max() ?? 0)))" : ""
      return ("\(p.rows)×\(p.columns)\(blocks)", "\(g(lo)) … \(g(hi)) \(p.unit)\(cells)")
    }
    // Each panel as wide as its cells or its longest caption (about 6.5
    // units a character at font size 11), whichever is wider: a narrow
    // array's captions ran into the next panel's.
    let slots = zip(zip(panels, layout), captions).map { pl, c in
      max(Double(pl.1.c) * cell, 110, 6.5 * Double(max(pl.0.title.count, c.shape.count, c.range.count)))
    }
    let width = left + slots.reduce(0) { $0 + $1 + gap } + 20
    let height = top + (layout.map { Double($0.r) * cell }.max() ?? 0) + 70
    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    var s = SVGLinePlot.documentStart(width: f(width), height: f(height), fontSize: 11)
    s += "<text x=\"\(f(left))\" y=\"20\" font-size=\"14\">\(SVGLinePlot.escape(title))</text>\n"
    var x0 = left
    for (k, (p, l)) in zip(panels, layout).enumerated() {
      let d = drawn[k]
      let lo = d.min() ?? 0, hi = d.max() ?? 0
      let span = hi > lo ? hi - lo : 1
      s += "<text x=\"\(f(x0))\" y=\"\(f(top - 8))\">\(SVGLinePlot.escape(p.title))</text>\n<g shape-rendering=\"crispEdges\">\n"
      for bi in 0..<l.r {
        for bj in 0..<l.c {
          s += "<rect x=\"\(f(x0 + Double(bj) * cell))\" y=\"\(f(top + Double(bi) * cell))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(Self.color((d[bi * l.c + bj] - lo) / span))\"/>\n"
        }
      }
      s += "</g>\n"
      let y = top + Double(l.r) * cell
      s += "<text x=\"\(f(x0))\" y=\"\(f(y + 16))\">\(captions[k].shape)</text>\n"
      s += "<text x=\"\(f(x0))\" y=\"\(f(y + 30))\">\(SVGLinePlot.escape(captions[k].range))</text>\n"
      x0 += slots[k] + gap
    }
    return s + "</svg>\n"
  }
}
