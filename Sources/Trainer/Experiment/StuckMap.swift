import Circuit
import Foundation

/// Stuck devices named one by one, or by whole lines (`stuck_map`): a
/// measured yield map, a broken line, a cluster. A CSV file whose first
/// record is a header naming its columns, in any order:
///
/// ```
/// # comment lines and blank lines are skipped
/// layer,row,column,kind,polarity,state
/// 0,17,*,big,plus,open        every G+ of layer 0's row 17 at 0 S
/// 0,*,3-5,*,*,shorted         columns 3 to 5, every device, at G_max
/// 1,200,9,big,minus,open      row 200 of a 200-input layer: its bias row
/// ```
///
/// `layer` counts the weight layers from 0 (the input's first); `row` the
/// layer's inputs, its last (= its inputs) the bias row; `column` its
/// outputs. Each of `row` and `column` is a number, a range `a-b` (both
/// included) or `*` (every one); `kind` is `big`, `small` (rule hybrid's
/// g±) or `*` (the column may be left out: `big`); `polarity` `plus`,
/// `minus` or `*`; `state` `open` (0 S) or `shorted` (G_max). The map is
/// laid over the devices `stuck_off` and `stuck_on` draw (which it does
/// not change): a device it names is stuck as its last record says.
public struct StuckMap: Equatable, Sendable {
  /// One record: the devices it names and their state.
  public struct Entry: Equatable, Sendable {
    public var layer: Int
    /// nil: every row (column).
    public var rows: ClosedRange<Int>?
    public var columns: ClosedRange<Int>?
    /// 0 big, 1 small; nil: both.
    public var kind: Int?
    /// 0 plus, 1 minus; nil: both.
    public var polarity: Int?
    /// true: at G_max; false: at 0 S.
    public var shorted: Bool

    public init(layer: Int, rows: ClosedRange<Int>?, columns: ClosedRange<Int>?, kind: Int?, polarity: Int?, shorted: Bool) {
      self.layer = layer
      self.rows = rows
      self.columns = columns
      self.kind = kind
      self.polarity = polarity
      self.shorted = shorted
    }

    /// The record as the map's canonical text (header `layer,row,column,kind,polarity,state`).
    public var text: String {
      func range(_ r: ClosedRange<Int>?) -> String {
        guard let r else { return "*" }
        return r.lowerBound == r.upperBound ? String(r.lowerBound) : "\(r.lowerBound)-\(r.upperBound)"
      }
      let k = kind.map { $0 == 0 ? "big" : "small" } ?? "*"
      let p = polarity.map { $0 == 0 ? "plus" : "minus" } ?? "*"
      return "\(layer),\(range(rows)),\(range(columns)),\(k),\(p),\(shorted ? "shorted" : "open")"
    }
  }

  /// The file read (its real path), for the summary and checkpoints.
  public var path: String
  public var entries: [Entry]
  /// The file's line of each entry (1-based; 0 when restored from a
  /// checkpoint's copy), for the errors of `check`.
  public var lines: [Int]

  public init(path: String, entries: [Entry], lines: [Int]? = nil) {
    self.path = path
    self.entries = entries
    self.lines = lines ?? entries.map { _ in 0 }
  }

  /// Where record i comes from, for messages: "FILE line N" (or "FILE"
  /// for a checkpoint's copy).
  public func place(_ i: Int) -> String { lines[i] > 0 ? "\(path) line \(lines[i])" : path }

  /// Equal maps name the same devices in the same order (wherever read).
  public static func == (a: StuckMap, b: StuckMap) -> Bool { a.path == b.path && a.entries == b.entries }

  /// A 64-bit checksum of the records as training reads them (FNV-1a over
  /// their canonical text: comments, spacing and the columns' order do not
  /// count): a summary keeps it, so that a file changed since is told.
  public var checksum: UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for e in entries {
      for b in (e.text + "\n").utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    }
    return h
  }

  /// Whether any record shorts devices (rule lim then keeps shorted marks).
  public var hasShorted: Bool { entries.contains(where: \.shorted) }

  /// The canonical header.
  public static let header = "layer,row,column,kind,polarity,state"

  /// The most bytes of a map file (a record per device of a 784-200-10
  /// network's four arrays is about 5 MB).
  public static let maxBytes = 1 << 26

  /// Reads a map file.
  /// - Throws: `ConfigurationError` (field `stuck_map`) naming the file, and
  ///   the line and column of a bad record.
  public static func read(_ path: String) throws -> StuckMap {
    func fail(_ message: String) -> ConfigurationError { ConfigurationError(field: "stuck_map", "\(path): \(message)") }
    let real = try TrainingConfiguration.realRegularFile(path, most: maxBytes, "too large for a map of stuck devices", fail)
    guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read file") }
    guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }
    do { return try parse(text, path: real) } catch let e as ConfigurationError {
      // "FILE line N: …", as `check` names a record.
      throw ConfigurationError(field: "stuck_map", "\(path)\(e.message.hasPrefix("line ") ? " " : ": ")\(e.message)")
    }
  }

  /// Parses a map's text (`path` is only kept).
  /// - Throws: `ConfigurationError` (field `stuck_map`) naming the line.
  public static func parse(_ text: String, path: String) throws -> StuckMap {
    func fail(_ line: Int, _ message: String) -> ConfigurationError {
      ConfigurationError(field: "stuck_map", "line \(line): \(message)")
    }
    let names = ["layer", "row", "column", "kind", "polarity", "state"]
    var columnOf: [String: Int]? = nil
    var width = 0
    var entries: [Entry] = [], lines: [Int] = []
    var number = 0
    // Bytes, not Characters: a map of a record per device has 300,000
    // lines, which Foundation's trimming took 18 µs each to read. Lines
    // end at "\n", "\r\n" or "\r"; a byte-order mark before the header
    // is skipped; fields are trimmed of spaces and tabs, and read in ASCII
    // lower case.
    var bytes = Array(text.utf8)
    let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] |= 0x20 }
    func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    var next = start
    while next < bytes.count || (next == bytes.count && number == 0) {
      var end = next
      while end < bytes.count && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
      let lineStart = next
      next = end + (end + 1 < bytes.count && bytes[end] == 0x0D && bytes[end + 1] == 0x0A ? 2 : 1)
      number += 1
      var a = lineStart, b = end
      while a < b && isBlank(bytes[a]) { a += 1 }
      while b > a && isBlank(bytes[b - 1]) { b -= 1 }
      if a == b || bytes[a] == UInt8(ascii: "#") { continue }
      var fields: [String] = []
      var f = a
      while true {
        var e = f
        while e < b && bytes[e] != UInt8(ascii: ",") { e += 1 }
        var x = f, y = e
        func trim() {
          while x < y && isBlank(bytes[x]) { x += 1 }
          while y > x && isBlank(bytes[y - 1]) { y -= 1 }
        }
        trim()
        // A quoted field (a spreadsheet's export), as a device file's: its
        // quotes dropped (a walkthrough, session 84: `"5"` was no row).
        if y - x >= 2 && bytes[x] == 0x22 && bytes[y - 1] == 0x22 {
          x += 1
          y -= 1
          trim()
        }
        fields.append(String(decoding: bytes[x..<y], as: UTF8.self))
        if e == b { break }
        f = e + 1
      }
      guard let columnOf else {
        // The header: each name once, kind optional.
        var found: [String: Int] = [:]
        for (i, f) in fields.enumerated() {
          guard names.contains(f) else {
            throw fail(
              number,
              "the header names '\(f)'; a map's header names its columns: layer, row, column, polarity, state and optionally kind (e.g. \(header))")
          }
          guard found[f] == nil else { throw fail(number, "the header names '\(f)' twice") }
          found[f] = i
        }
        if let missing = names.first(where: { $0 != "kind" && found[$0] == nil }) {
          throw fail(number, "the header has no '\(missing)' column (e.g. \(header))")
        }
        columnOf = found
        width = fields.count
        continue
      }
      guard fields.count == width else {
        throw fail(number, "\(fields.count) fields, where the header has \(width)")
      }
      func field(_ name: String) -> String? { columnOf[name].map { fields[$0] } }
      // (The whole field is quoted, and `layer` is one number only: a
      // layer of '*' or '0-1' had been told "a range a-b or *", and a row
      // of '-3' "got ''"; a walkthrough, session 76.)
      func index(_ name: String, _ t: String, field whole: String? = nil) throws -> Int {
        guard !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
          let forms = whole == nil ? "a whole number ≥ 0 (one layer a record)" : "a whole number ≥ 0, a range a-b or *"
          throw fail(number, "\(name) must be \(forms), got '\(whole ?? t)'")
        }
        // A whole number past any network's: outside it, as `check` says
        // of a smaller one (a 20-digit row had been told it was not a
        // whole number; a walkthrough, session 84).
        guard let n = Int(t), n < 100_000_000 else {
          throw fail(number, "\(name) \(t) is outside any network (this reader takes at most 99999999)")
        }
        return n
      }
      func range(_ name: String) throws -> ClosedRange<Int>? {
        let t = field(name)!
        if t == "*" { return nil }
        let parts = t.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw fail(number, "\(name) must be a whole number ≥ 0, a range a-b or *, got '\(t)'") }
        let a = try index(name, parts[0], field: t), b = parts.count == 2 ? try index(name, parts[1], field: t) : a
        guard a <= b else { throw fail(number, "\(name) range \(t) runs backwards (write \(b)-\(a))") }
        return a...b
      }
      let layerText = field("layer")!
      let layer = try index("layer", layerText)
      let rows = try range("row"), columns = try range("column")
      let kind: Int?
      switch field("kind") ?? "big" {
      case "big": kind = 0
      case "small": kind = 1
      case "*": kind = nil
      case let t: throw fail(number, "kind must be big, small or *, got '\(t)'")
      }
      let polarity: Int?
      switch field("polarity")! {
      case "plus", "+": polarity = 0
      case "minus", "-": polarity = 1
      case "*": polarity = nil
      case let t: throw fail(number, "polarity must be plus, minus or *, got '\(t)'")
      }
      let shorted: Bool
      switch field("state")! {
      case "open": shorted = false
      case "shorted": shorted = true
      case let t: throw fail(number, "state must be open (0 S) or shorted (G_max), got '\(t)'")
      }
      entries.append(Entry(layer: layer, rows: rows, columns: columns, kind: kind, polarity: polarity, shorted: shorted))
      lines.append(number)
    }
    guard columnOf != nil else {
      throw ConfigurationError(field: "stuck_map", "no header (e.g. \(header)) and no records")
    }
    return StuckMap(path: path, entries: entries, lines: lines)
  }

  /// Checks every record against the network: its layer, rows, columns
  /// and kind must exist (`layers` neurons per layer, input first;
  /// `kinds` 2 for rule hybrid's big and small devices, else 1).
  /// - Throws: `ConfigurationError` (field `stuck_map`) naming the file,
  ///   the record's line and the layer's sizes.
  public func check(layers: [Int], kinds: Int, rule: String) throws {
    for (e, line) in zip(entries, lines) {
      func fail(_ message: String) -> ConfigurationError {
        ConfigurationError(field: "stuck_map", "\(path)\(line > 0 ? " line \(line)" : ""): \(message)")
      }
      guard e.layer < layers.count - 1 else {
        throw fail("layer \(e.layer), but the \(layers.map(String.init).joined(separator: "-")) network has layers 0…\(layers.count - 2)")
      }
      let inputs = layers[e.layer], outputs = layers[e.layer + 1]
      if let r = e.rows, r.upperBound > inputs {
        throw fail("row \(r.upperBound), but layer \(e.layer) has rows 0…\(inputs) (\(inputs): its bias row)")
      }
      if let c = e.columns, c.upperBound >= outputs {
        throw fail("column \(c.upperBound), but layer \(e.layer) has columns 0…\(outputs - 1)")
      }
      if e.kind == 1 && kinds < 2 {
        throw fail("kind small, but rule \(rule) has no small devices (big or *)")
      }
    }
  }

  /// Every device's state in layer `layer` (as `forEach`): 0 not named,
  /// 1 open, 2 shorted, at 2·kinds·cell + device.
  public func states(layer: Int, rows: Int, columns: Int, kinds: Int) -> [UInt8] {
    var s = [UInt8](repeating: 0, count: rows * columns * 2 * kinds)
    forEach(layer: layer, rows: rows, columns: columns, kinds: kinds) { x, d, shorted, _ in s[2 * kinds * x + d] = shorted ? 2 : 1 }
    return s
  }

  /// Whether two maps (nil: none) stick the same devices the same way in
  /// a network of `layers` with `kinds` kinds, whatever their records.
  public static func sameDevices(_ a: StuckMap?, _ b: StuckMap?, layers: [Int], kinds: Int) -> Bool {
    if a?.entries == b?.entries { return true }
    for l in 0..<(layers.count - 1) {
      let none = [UInt8](repeating: 0, count: (layers[l] + 1) * layers[l + 1] * 2 * kinds)
      func states(_ m: StuckMap?) -> [UInt8] { m?.states(layer: l, rows: layers[l] + 1, columns: layers[l + 1], kinds: kinds) ?? none }
      if states(a) != states(b) { return false }
    }
    return true
  }

  /// Calls `body(cell, device, shorted, record)` for every device the map
  /// names in layer `layer` (of `rows` rows with its bias row, `columns`
  /// columns), record by record in the file's order: `cell` is row ·
  /// columns + column, `device` 2·kind + polarity (of `kinds` kinds),
  /// `record` the entry's index.
  public func forEach(layer: Int, rows: Int, columns: Int, kinds: Int, _ body: (Int, Int, Bool, Int) -> Void) {
    for (i, e) in entries.enumerated() where e.layer == layer {
      let rs = e.rows ?? 0...(rows - 1), cs = e.columns ?? 0...(columns - 1)
      let ks = e.kind.map { $0...$0 } ?? 0...(kinds - 1)
      let ps = e.polarity.map { $0...$0 } ?? 0...1
      for r in rs {
        for c in cs {
          for k in ks {
            for p in ps { body(r * columns + c, 2 * k + p, e.shorted, i) }
          }
        }
      }
    }
  }
}

extension StuckMap {
  /// The map as a file: the canonical header, then every record's text.
  public var csv: String { ([Self.header] + entries.map(\.text)).joined(separator: "\n") + "\n" }
}

extension LimNetwork {
  /// Every stuck device of the network as a map, a record per device
  /// (scale 0: open, or shorted where marked; with σ and `negative_scale
  /// dead`, a dead draw is open too), layer by layer, cell by cell, G+
  /// before G−: the devices `stuck_off`/`stuck_on` drew, to give another
  /// run (another rule, another σ) the same ones. nil without stuck devices.
  public func stuckDeviceMap(path: String) -> StuckMap? {
    guard configuration.hasStuckDevices else { return nil }
    var entries: [StuckMap.Entry] = []
    for (l, layer) in layers.enumerated() {
      for k in 0..<(layer.rows * layer.columns) {
        for (d, (x, on)) in [(layer.xp, layer.onp), (layer.xm, layer.onm)].enumerated() where x[k] == 0 {
          let r = k / layer.columns, c = k % layer.columns
          entries.append(
            .init(layer: l, rows: r...r, columns: c...c, kind: 0, polarity: d, shorted: layer.hasShorted && on[k] != 0))
        }
      }
    }
    return StuckMap(path: path, entries: entries)
  }
}

extension HybridNetwork {
  /// Every stuck device of the network as a map (as `LimNetwork`'s): per
  /// cell G+, G−, then rule hybrid's g+, g−. nil without stuck devices.
  public func stuckDeviceMap(path: String) -> StuckMap? {
    guard configuration.hasStuckDevices else { return nil }
    var entries: [StuckMap.Entry] = []
    for (l, layer) in layers.enumerated() {
      guard let marks = layer.stuckDevices else { continue }
      for x in 0..<layer.count {
        for d in 0..<(2 * layer.kinds) where marks[d][x] != 0 {
          let r = x / layer.columns, c = x % layer.columns
          entries.append(.init(layer: l, rows: r...r, columns: c...c, kind: d / 2, polarity: d % 2, shorted: marks[d][x] == 2))
        }
      }
    }
    return StuckMap(path: path, entries: entries)
  }
}
