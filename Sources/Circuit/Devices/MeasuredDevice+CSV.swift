import Foundation

extension MeasuredDevice {
  /// Reads a device from CSV text (format in the type's documentation).
  ///
  /// - Parameters:
  ///   - text: The CSV text.
  ///   - source: The name used in error messages, usually the file name.
  /// - Throws: ``ConfigurationError`` whose field is `"<source> line <n>"`
  ///   for a malformed record (wrong number of fields, unknown branch, a
  ///   conductance that is not a number, negative or not finite), or
  ///   `"<source>"` when a branch has too few points, or potentiation
  ///   never rises (depression never falls) from its first point; e.g.
  ///   `device.csv line 7: conductance 'abc' is not a number`.
  public init(csv text: String, source: String) throws {
    self = try Self.read(csv: text, source: source).device
  }

  /// Reads a device and, for a file with a cycle column, its cycles
  /// (``MeasuredCycles``): the device is then their mean curve.
  ///
  /// A header whose first field starts with `cycle` (`cycle,branch,
  /// conductance (uS)`) makes every record `cycle,branch,conductance`. Each
  /// cycle's rows of a branch come together, its two blocks in either order
  /// and either together or apart (a file sorted by branch: every cycle's
  /// `p` rows, then every cycle's `d` rows); a label seen again for a
  /// branch it has rows of is an error. Every cycle has at least two
  /// points of each branch it has, and either every cycle has `d` rows or
  /// none does. The branches are cut to the shortest cycle's (the points
  /// beyond it are counted in ``MeasuredCycles/droppedPoints``) and
  /// averaged point by point, in file order; the mean branches then pass
  /// the one-cycle checks.
  ///
  /// A header may also name a pulse-number column after the cycle column
  /// (`cycle,pulse,branch,conductance`, `pulse,branch,conductance`): its
  /// numbers must rise within each branch's rows and are not read (the
  /// rows' order is the pulse count). In every layout, empty fields at a
  /// record's end are dropped and a record of empty fields is skipped.
  ///
  /// - Returns: The device, and nil for a file without a cycle column.
  /// - Throws: As ``init(csv:source:)``, and naming the cycle for a
  ///   cycle's own faults.
  public static func read(csv text: String, source: String) throws -> (device: MeasuredDevice, cycles: MeasuredCycles?) {
    // Each cycle's label, branches and order state: the branch of its
    // previous record, and whether a block of each has ended (a branch that
    // starts again is a second cycle). One unnamed cycle for a file without
    // a cycle column.
    struct Block {
      var label: String
      var up: [Double] = []
      var down: [Double] = []
      var previous: Bool? = nil
      var ended = (up: false, down: false)
    }
    var blocks = [Block(label: "")]
    // Each label's block, and the block the rows go to.
    var index: [String: Int] = [:]
    var current = 0
    var withCycles = false
    // A pulse column (named in the header): checked, not read.
    var withPulses = false
    var lastPulse: Double? = nil
    var pulseStep: Double? = nil
    var firstPulse: Double? = nil
    // The header's fields (lower case): a record that repeats them (files
    // of one cycle each, concatenated) is skipped under a cycle column, and
    // starts the next cycle without one.
    var header: [String]? = nil
    // The header's second field as written (for messages).
    var headerConductance: String? = nil
    var implicitCycles = false
    // A two-column header whose first column names a pulse number
    // (`pulse,G (uS)`), and then whether its rows are numbered
    // (`0,5.0`: one potentiation branch, since session 63) or give
    // branches (`p,5.0`, as before), decided by the first row; and the
    // number the next numbered row must have.
    var pulseHeader = false
    var pulseNumbered: Bool? = nil
    var nextNumber: Int? = nil
    var pulseHeaderText = ""
    // The read of a reset or start row, its cycle's first point, waiting
    // for the branch of the row after it.
    var pendingFirst: Double? = nil
    var pendingIsReset = false
    var sawRecord = false
    var lineNumber = 0
    // Siemens per unit of the file's numbers: 1 unless the header names
    // another unit (`conductance (uS)`).
    var unit = (name: "S", siemens: 1.0)
    // Without a cycle column, a repeated header or a reset row ends a
    // cycle: the rows after it are the next one's (labelled 1, 2, …).
    func nextImplicitCycle() {
      guard !(blocks[current].up.isEmpty && blocks[current].down.isEmpty) else { return }
      implicitCycles = true
      if blocks[0].label.isEmpty { blocks[0].label = "1" }
      blocks.append(Block(label: "\(blocks.count + 1)"))
      current = blocks.count - 1
    }
    // Lines end in LF, CRLF or CR alone (some instruments write CR).
    for rawLine in text.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    {
      lineNumber += 1
      let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let field = "\(source) line \(lineNumber)"
      // Fields may be quoted ("p","1e-6"), as spreadsheets export them.
      // Empty fields at the end (a spreadsheet's empty columns, a trailing
      // comma) are not fields, and a record of empty fields is a blank line
      // (a walkthrough, session 55).
      // Semicolons (a spreadsheet's CSV where the decimal mark is a
      // comma) are refused naming the delimiter, not read: `p;5,0` would
      // need the decimal comma guessed (session 63).
      // (Only a semicolon outside quotes, before any comma, in a line
      // without a tab: one in a tab-separated line's field or in a quoted
      // field is not a delimiter; review 63b.)
      if let semicolon = Self.firstUnquotedSemicolon(line), !line[..<semicolon].contains(","), !line.contains("\t") {
        let fields = line.split(separator: ";", omittingEmptySubsequences: false)
          .map { $0.trimmingCharacters(in: .whitespaces) }
        let comma = fields.first { f in
          let p = f.split(separator: ",", omittingEmptySubsequences: false)
          return p.count == 2 && p.allSatisfy { !$0.isEmpty && $0.allSatisfy { "0123456789+-eE".contains($0) } }
        }
        throw ConfigurationError(
          field: field,
          "fields separated by ';': give commas (or tabs)"
            + (comma.map { " and decimal points (\($0) as \($0.replacingOccurrences(of: ",", with: ".")))" } ?? "")
            + ", e.g. 'p,5.0' under a header 'branch,conductance (uS)'")
      }
      // A tab separates fields as a comma does, in a line without a comma
      // (instruments and spreadsheets write tab-separated files: session 63).
      let separator: Character = !line.contains(",") && line.contains("\t") ? "\t" : ","
      // A tab-separated line whose numbers have decimal commas (`p<tab>5,0`)
      // is refused naming them, as a semicolon-separated one is: split at
      // its commas it had been told of an unknown branch 'p<tab>5'
      // (review 63b).
      if separator == ",", line.contains("\t") {
        let tabbed = line.split(separator: "\t").map { Self.unquoted($0.trimmingCharacters(in: .whitespaces)) }
        if tabbed.count >= 2, let comma = tabbed.first(where: { f in
          let p = f.split(separator: ",", omittingEmptySubsequences: false)
          // (An integer part, then a fraction's digits, as in `5,0` or
          // `-1,25e-6`; not `1e-6,2e-6`, two numbers.)
          guard p.count == 2 else { return false }
          let whole = p[0].hasPrefix("-") || p[0].hasPrefix("+") ? p[0].dropFirst() : p[0]
          let fraction = p[1].split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
          return !whole.isEmpty && whole.allSatisfy(\.isASCII) && whole.allSatisfy(\.isNumber)
            && !fraction[0].isEmpty && fraction[0].allSatisfy(\.isASCII) && fraction[0].allSatisfy(\.isNumber)
            && (fraction.count == 1 || Int(fraction[1]) != nil)
        }) {
          throw ConfigurationError(
            field: field,
            "fields separated by tabs with decimal commas: give decimal points (\(comma) as \(comma.replacingOccurrences(of: ",", with: ".")))")
        }
      }
      var all = line.split(separator: separator, omittingEmptySubsequences: false)
        .map { Self.unquoted($0.trimmingCharacters(in: .whitespaces)) }
      while all.count > 1 && all[all.count - 1].isEmpty { all.removeLast() }
      if all.allSatisfy(\.isEmpty) { continue }
      let firstRecord = !sawRecord
      sawRecord = true
      // A header of two columns, a pulse number and the conductance
      // (`pulse,G (uS)`).
      if firstRecord && all.count == 2 && Double(all[1]) == nil && Self.isPulseName(all[0].lowercased()) {
        if let u = try Self.headerUnit(all[1], field: field) { unit = u }
        header = all.map { $0.lowercased() }
        headerConductance = all[1]
        pulseHeader = true
        pulseHeaderText = all.joined(separator: ",")
        continue
      }
      // A header of three or four columns: [cycle,] [pulse,] branch,
      // conductance; a header of two is read below, as it always was.
      if firstRecord && all.count >= 3 && Double(all[all.count - 1]) == nil && !Self.isBranch(all[0]) {
        let names = all.map { $0.lowercased() }
        var k = 0
        if names[0].hasPrefix("cycle") { withCycles = true; k = 1 }
        if all.count - k == 3 && Self.isPulseName(names[k]) { withPulses = true; k += 1 }
        guard all.count - k == 2 else {
          let misplaced = names.dropFirst().contains { $0.hasPrefix("cycle") }
          throw ConfigurationError(
            field: field,
            "the header '\(Self.shortened(line))' has \(all.count) columns: the columns read are [cycle,] [pulse,] branch, conductance, in that order, e.g. 'cycle,branch,conductance (uS)'"
              + (misplaced ? " (the cycle column comes first)" : ""))
        }
        if let u = try Self.headerUnit(all[k + 1], field: field) { unit = u }
        header = names
        continue
      }
      // A header again: files of one cycle each, concatenated.
      if !firstRecord, let h = header, all.map({ $0.lowercased() }) == h {
        if !withCycles { nextImplicitCycle() }
        lastPulse = nil
        pulseStep = nil
        nextNumber = nil
        continue
      }
      if pulseHeader && pulseNumbered == nil { pulseNumbered = Double(all[0]) != nil }
      let columns = ["cycle"].filter { _ in withCycles } + ["pulse"].filter { _ in withPulses } + ["branch", "conductance"]
      let expected = columns.joined(separator: ",")
      var parts = all
      if withCycles || withPulses {
        guard all.count == columns.count else {
          throw ConfigurationError(
            field: field, "expected '\(expected)' (as the header names them), got '\(Self.shortened(line))'")
        }
        parts = Array(all.suffix(2))
      }
      if pulseNumbered == true {
        // Rows `0,5.0`: the pulses numbered from 0 (or 1) up by one, one
        // potentiation branch in that order.
        let rewrite =
          "under a header '\(Self.shortened(pulseHeaderText))' the rows are one potentiation branch, its pulses numbered 0, 1, 2, … (or 1, 2, 3, …) in order; "
          + "otherwise give rows 'p,<conductance>' (and 'd,<conductance>' for depression) in pulse order under a header 'branch,\(Self.shortened(headerConductance ?? "conductance"))'"
        guard all.count == 2 else {
          let comma = all.count == 3 && all.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
          throw ConfigurationError(
            field: field,
            "expected 'pulse,conductance' (as the header names them), got '\(Self.shortened(line))'"
              + (comma ? " (a decimal comma? write \(all[1]).\(all[2]))" : "") + ": \(rewrite)")
        }
        let text = all[0]
        let number = Double(text).flatMap { d in
          DecimalText.isNumber(text) && d == d.rounded() && abs(d) < 1e9 ? Int(d) : nil
        }
        guard let n = number, n == nextNumber ?? min(max(n, 0), 1) else {
          let expected = nextNumber.map { "pulse \($0)" } ?? "pulse 0 or 1"
          throw ConfigurationError(field: field, "pulse '\(Self.shortened(text))' where \(expected) was expected: \(rewrite)")
        }
        nextNumber = n + 1
        parts = ["p", all[1]]
      }
      if withCycles {
        let label = all[0]
        guard !label.isEmpty else { throw ConfigurationError(field: field, "the cycle field is empty") }
        if label != blocks[current].label {
          // Another cycle (each block keeps its own order state for a
          // return).
          if let j = index[label] {
            // A cycle seen before may come back for its other branch
            // (files sorted by branch: every cycle's p rows, then every
            // cycle's d rows), not for a branch it has rows of.
            let up = Self.isPotentiation(parts[0])
            guard Self.isBranch(parts[0]), (up ? blocks[j].up : blocks[j].down).isEmpty else {
              throw ConfigurationError(
                field: field, "cycle '\(Self.shortened(label))' again, after another cycle's rows: give each cycle's rows of a branch together")
            }
            current = j
          } else {
            if index.isEmpty {
              blocks[0].label = label
            } else {
              blocks.append(Block(label: label))
            }
            current = blocks.count - 1
            index[label] = current
          }
        }
      }
      if withPulses {
        // Not read as the pulse count (the rows' order is), but checked
        // to rise within each branch's rows.
        let text = all[withCycles ? 1 : 0]
        guard let n = Double(text), DecimalText.isNumber(text) else {
          throw ConfigurationError(field: field, "pulse '\(Self.shortened(text))' is not a number")
        }
        let branchNow = Self.isBranch(parts[0]) ? Self.isPotentiation(parts[0]) : nil
        if let b = branchNow, b == blocks[current].previous, let last = lastPulse {
          guard n > last else {
            // Back to the branch's first number: numbering restarted.
            let restart = !withCycles && n <= firstPulse ?? n
              ? " (a new cycle? give each cycle its label in a first column under a header 'cycle,pulse,branch,conductance')" : ""
            throw ConfigurationError(
              field: field, "pulse \(text) after pulse \(ConfigurationError.shown(last)) in the same branch: give the rows in pulse order\(restart)")
          }
          // Pulses numbered by a constant step; a larger one is a gap
          // (rows missing), which the rows' order would hide (a
          // walkthrough, session 55: 4 rows missing in one cycle had been
          // averaged against the other cycles' next pulses).
          if let step = pulseStep, n - last > step * (1 + 1e-9) {
            throw ConfigurationError(
              field: field, "pulse \(text) after pulse \(ConfigurationError.shown(last)), where the rows before go up by \(ConfigurationError.shown(step)): rows missing? each pulse needs its row (the rows' order is the pulse count)")
          }
          if pulseStep == nil { pulseStep = n - last }
        } else {
          pulseStep = nil
          firstPulse = n
        }
        lastPulse = n
      }
      var branch = parts[0].lowercased()
      // A reset row (`r`, `reset`, as `pulses` writes them): its read is
      // the next cycle's first point without a cycle column, and is
      // skipped with one (which cycle it starts, the labels say).
      // `pulses`' first row (`start`): the device before its first pulse,
      // its cycle's first point in the same way (session 58: `pulses`'
      // own output, cut to `branch,conductance`, was refused; its `start`
      // row left out, the first cycle lost its first point). Either
      // point joins the branch of the row after it (a review, session 58:
      // read as a p point, a cycle of d pulses first was refused).
      var marker: String? = nil
      if branch == "r" || branch == "reset" {
        marker = "r"
        branch = "p"
      } else if branch == "start" {
        // (After a reset row it replaces that row's read: both are the
        // device before the cycle's first pulse, as two files concatenated
        // give them.)
        guard withCycles || (blocks[current].up.isEmpty && blocks[current].down.isEmpty) else {
          throw ConfigurationError(
            field: field,
            "a 'start' row (as `pulses` writes it: the device before its first pulse) comes first in its cycle: before every other row, or after a repeated header")
        }
        marker = "start"
        branch = "p"
      }
      let isUp = Self.isPotentiation(branch)
      let isDown = Self.isBranch(branch) && !isUp
      if !isUp && !isDown {
        // An optional header: a first record that names no branch; its
        // second field may name the unit of the conductances.
        if firstRecord && parts.count == 2 && Double(parts[1]) == nil {
          if let u = try Self.headerUnit(parts[1], field: field) { unit = u }
          header = all.map { $0.lowercased() }
          headerConductance = parts[1]
          continue
        }
        if parts.count != 2 {
          // `1,p,2e-6`: a cycle (or pulse) column without the header.
          let cycleHint =
            !withCycles && parts.count == 3 && Self.isBranch(parts[1])
            ? " (several cycles, or pulse numbers? name the first column in a header: 'cycle,branch,conductance' or 'pulse,branch,conductance')" : ""
          throw ConfigurationError(
            field: field, "expected '\(expected)', got '\(Self.shortened(line))'\(cycleHint)")
        }
        let hint =
          Double(parts[0]) != nil && !withCycles
          ? "; a pulse-number column is read when a header names it, 'pulse,\(Self.shortened(headerConductance ?? "conductance"))', its rows numbered 0, 1, 2, … in order (one potentiation branch); or give rows 'p,<conductance>' in pulse order" : ""
        throw ConfigurationError(
          field: field,
          "unknown branch '\(Self.shortened(parts[0]))' (expected p, potentiation, d or depression; LTP, SET and LTD are read too, and `pulses`' start and r rows\(hint))")
      }
      guard parts.count == 2 else {
        // `p,0,2000`: a decimal comma.
        let comma = parts.count == 3 && parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        throw ConfigurationError(
          field: field,
          "expected '\(expected)', got '\(Self.shortened(line))'\(comma ? " (a decimal comma? write \(parts[1]).\(parts[2]))" : "")")
      }
      // Decimal notation only: `Double` takes hex (`0x1p-20`) and stops
      // at a NUL.
      guard let read = Double(parts[1]), DecimalText.isNumber(parts[1]) || !read.isFinite else {
        throw ConfigurationError(field: field, "conductance '\(Self.shortened(parts[1]))' is not a number in decimal notation")
      }
      // Beyond the doubles, as the configuration keys refuse them (session
      // 58: `1e-400` had read as 0 S and `1e400` as "not finite").
      if DecimalText.isNumber(parts[1]) {
        if read.isInfinite {
          throw ConfigurationError(field: field, "conductance '\(Self.shortened(parts[1]))' is beyond the largest double (1.8e308)")
        }
        if DecimalText.isBelowNormal(parts[1], read) {
          throw ConfigurationError(field: field, "conductance '\(Self.shortened(parts[1]))' is below the smallest normal double (2.2e-308)")
        }
      }
      // The decimal number in siemens, rounded once: the unit's power of
      // ten moved into the exponent of the text (3.1015 uS reads as
      // 3.1015e-06 S; divided by 1e6 it was 3.1015000000000003e-06, and
      // multiplied by 1e-9, 1 nS was 1.0000000000000002e-9), else divided
      // by the unit's whole reciprocal.
      let g = unit.siemens == 1 ? read : Self.shifted(parts[1], by: unit.siemens) ?? read / (1 / unit.siemens).rounded()
      guard g.isFinite else {
        throw ConfigurationError(field: field, "conductance '\(parts[1])' is not finite")
      }
      guard g >= 0 else {
        throw ConfigurationError(field: field, "conductance \(parts[1]) \(unit.name) is negative")
      }
      // And in siemens (a review, session 58: 1e-300 nS had read as a
      // subnormal 1e-309 S).
      if g.isSubnormal || (g == 0 && read != 0) {
        throw ConfigurationError(
          field: field, "conductance \(Self.shortened(parts[1])) \(unit.name) is below the smallest normal double in siemens (2.2e-308 S)")
      }
      if let marker {
        if withCycles { continue }
        if marker == "r" { nextImplicitCycle() }
        pendingFirst = g
        pendingIsReset = marker == "r"
        continue
      }
      // One cycle: a block of p rows and a block of d rows (either first).
      if let last = blocks[current].previous, last != isUp {
        if last { blocks[current].ended.up = true } else { blocks[current].ended.down = true }
      }
      if isUp ? blocks[current].ended.up : blocks[current].ended.down {
        let which = "\(isUp ? "a p" : "a d") row after the \(isUp ? "d" : "p") rows that followed the \(isUp ? "p" : "d") rows"
        throw ConfigurationError(
          field: field,
          withCycles
            ? "\(which) in cycle '\(Self.shortened(blocks[current].label))': give each cycle its own label"
            : "\(which): a second cycle? give one cycle, its p rows in pulse order and its d rows in pulse order "
              + "(or several, with a header 'cycle,branch,conductance' and a cycle column)")
      }
      blocks[current].previous = isUp
      if let first = pendingFirst {
        if isUp { blocks[current].up.append(first) } else { blocks[current].down.append(first) }
        pendingFirst = nil
      }
      if isUp { blocks[current].up.append(g) } else { blocks[current].down.append(g) }
    }
    // A reset row with no row after it (the last row `pulses` writes)
    // ends the cycle before it and starts none (it had made a cycle of
    // one point, left out with a note about an aborted measurement: a
    // walkthrough, session 63); otherwise a reset or start row with no
    // row after it is a potentiation point.
    if let first = pendingFirst {
      if pendingIsReset && blocks.count > 1 && blocks[current].up.isEmpty && blocks[current].down.isEmpty {
        blocks.removeLast()
        current = blocks.count - 1
        if blocks.count == 1 {
          implicitCycles = false
          blocks[0].label = ""
        }
      } else {
        blocks[current].up.append(first)
      }
    }
    var up = blocks[0].up, down = blocks[0].down
    var cycles: MeasuredCycles? = nil
    if (withCycles && !index.isEmpty) || implicitCycles {
      for b in blocks where b.down.isEmpty != blocks[0].down.isEmpty {
        let (with, without) = b.down.isEmpty ? (blocks[0], b) : (b, blocks[0])
        throw ConfigurationError(
          field: "\(source) cycle '\(Self.shortened(b.label))'",
          "cycle '\(Self.shortened(without.label))' has no depression rows where cycle '\(Self.shortened(with.label))' has \(with.down.count): give every cycle both branches, or none")
      }
      // A cycle with under half the median cycle's points of a branch (an
      // aborted measurement) is left out, with a note: cut to it, every
      // cycle had lost its points (a walkthrough, session 55: one 2-point
      // cycle of 12 made a 1-pulse device, trained to 10 %).
      func median(_ v: [Int]) -> Double {
        let s = v.sorted(), h = s.count / 2
        return s.count % 2 == 1 ? Double(s[h]) : Double(s[h - 1] + s[h]) / 2
      }
      let medianUp = median(blocks.map(\.up.count)), medianDown = median(blocks.map(\.down.count))
      let isShort = { (b: Block) in
        Double(b.up.count) < medianUp / 2 || Double(b.down.count) < medianDown / 2
      }
      let kept = blocks.filter { !isShort($0) }
      let short = blocks.filter(isShort).map {
        "cycle '\(Self.shortened($0.label))' (\($0.up.count) potentiation\($0.down.isEmpty ? "" : " and \($0.down.count) depression") point\($0.up.count + $0.down.count == 1 ? "" : "s"))"
      }
      for b in kept {
        let name = "\(source) cycle '\(Self.shortened(b.label))'"
        guard b.up.count >= 2 else {
          throw ConfigurationError(
            field: name, "the potentiation branch has \(b.up.count) point\(b.up.count == 1 ? "" : "s"); at least 2 are needed")
        }
        guard b.down.count != 1 else {
          throw ConfigurationError(field: name, "the depression branch has 1 point; none (unidirectional) or at least 2 are needed")
        }
      }
      var found = MeasuredCycles(labels: kept.map(\.label), potentiation: kept.map(\.up), depression: kept.map(\.down))
      if !short.isEmpty {
        found.leftOutCount = short.count
        found.leftOut = short.joined(separator: ", ")
          + " left out: under half the median cycle's \(String(format: "%g", medianUp)) potentiation\(medianDown > 0 ? " and \(String(format: "%g", medianDown)) depression" : "") points (an aborted measurement?)"
      }
      (up, down) = (found.meanPotentiation, found.meanDepression)
      cycles = found
    }
    guard up.count >= 2 else {
      throw ConfigurationError(
        field: source,
        "the potentiation branch has \(up.count) point\(up.count == 1 ? "" : "s"); "
          + "at least 2 are needed")
    }
    guard down.isEmpty || down.count >= 2 else {
      throw ConfigurationError(
        field: source,
        "the depression branch has 1 point; none (unidirectional) or at least 2 are needed")
    }
    // Data that never rise (or, for depression, never fall) describe no
    // device to pulse: every pulse would leave it where it is.
    guard up.max()! > up[0] else {
      // Falling data (a depression branch given as p rows), or a first
      // point that is the maximum after a dip.
      let falls = up.last! < up[0]
      throw ConfigurationError(
        field: source,
        "the potentiation branch never rises above its first point (\(up[0]) S); "
          + (falls
            ? "its points fall: falling data are a depression branch (d rows), and a device needs a rising potentiation branch (p rows)"
            : up.min()! < up[0] ? "its first point is its maximum, the others dip below it: a device would start at G_max" : "a device that no pulse changes"))
    }
    guard down.isEmpty || down.min()! < down[0] else {
      let rises = down.max()! > down[0]
      throw ConfigurationError(
        field: source,
        "the depression branch never falls below its first point (\(down[0]) S); "
          + (rises ? "its points rise: rising data are a potentiation branch (p rows)" : "a device that no pulse changes"))
    }
    // Falling data with a noisy start pass the checks above (a point just
    // above the first): a branch whose second half lies below its first
    // half and whose last point is below its first falls overall, and is
    // refused as falling data are (it had trained to chance under a note
    // that called its early maximum an outlier: a walkthrough, session 54).
    // Likewise a depression branch that rises overall.
    func halves(_ b: [Double]) -> (first: Double, second: Double) {
      let h = b.count / 2
      return (b[..<h].reduce(0, +) / Double(h), b[(b.count - h)...].reduce(0, +) / Double(h))
    }
    let upHalves = halves(up)
    if up.last! < up[0] && upHalves.second < upHalves.first {
      throw ConfigurationError(
        field: source,
        "the potentiation branch falls overall (from \(up[0]) S to \(up.last!) S; the mean of its second half, \(upHalves.second) S, below its first half's, \(upHalves.first) S): falling data are a depression branch (d rows), and a device needs a rising potentiation branch (p rows)")
    }
    if !down.isEmpty {
      let downHalves = halves(down)
      if down.last! > down[0] && downHalves.second > downHalves.first {
        throw ConfigurationError(
          field: source,
          "the depression branch rises overall (from \(down[0]) S to \(down.last!) S; the mean of its second half, \(downHalves.second) S, above its first half's, \(downHalves.first) S): rising data are a potentiation branch (p rows)")
      }
    }
    return (try MeasuredDevice(potentiation: up, depression: down), cycles)
  }

  /// The decimal text `text` times `unit` (a negative power of ten), read
  /// as one rounding: its exponent lowered by the power. nil when the
  /// exponent does not fit an Int or the text is not decimal.
  static func shifted(_ text: String, by unit: Double) -> Double? {
    let k = Int((-Foundation.log10(unit)).rounded())
    guard k > 0, Foundation.pow(10, Double(-k)) == unit, DecimalText.isNumber(text) else { return nil }
    let parts = text.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
      .flatMap { $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false) }
    guard parts.count <= 2, let exponent = parts.count == 2 ? Int(parts[1]) : 0 else { return nil }
    let (lowered, overflow) = exponent.subtractingReportingOverflow(k)
    guard !overflow else { return nil }
    return Double("\(parts[0])e\(lowered)")
  }

  /// Whether a field names a branch (p, potentiation, d, depression, or
  /// LTP, SET and LTD, the names many labs give them; any case).
  static func isBranch(_ s: String) -> Bool {
    ["p", "potentiation", "ltp", "set", "d", "depression", "ltd"].contains(s.lowercased())
  }

  /// Whether a branch's name is potentiation's (`set` too: a PCM or RRAM
  /// SET pulse raises the conductance).
  static func isPotentiation(_ s: String) -> Bool {
    ["p", "potentiation", "ltp", "set"].contains(s.lowercased())
  }

  /// The text of a device file: UTF-8, or else Windows-1252 (Excel's
  /// "CSV" on Windows writes a header's µ as the byte B5: a walkthrough,
  /// session 55), unless the data hold a NUL (UTF-16, or no text); nil
  /// then.
  public static func text(of data: Data) -> String? {
    if let t = String(data: data, encoding: .utf8) { return t }
    guard !data.contains(0) else { return nil }
    return String(data: data, encoding: .windowsCP1252)
  }

  /// Whether a header's field names a pulse-number column (`pulse`,
  /// `pulse number`, `pulse_no`, `n`, `#`, `index`, `step`).
  static func isPulseName(_ lower: String) -> Bool {
    lower.hasPrefix("pulse") || ["n", "#", "no", "number", "index", "step", "steps"].contains(lower)
  }

  /// A field without the double quotes around it, if it has them.
  static func unquoted(_ s: String) -> String {
    s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? String(s.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces) : s
  }

  /// The first `;` of `line` outside double quotes (nil: none).
  static func firstUnquotedSemicolon(_ line: String) -> String.Index? {
    var quoted = false
    var i = line.startIndex
    while i < line.endIndex {
      let c = line[i]
      if c == "\"" { quoted.toggle() } else if c == ";" && !quoted { return i }
      i = line.index(after: i)
    }
    return nil
  }

  /// At most 60 characters of `s` for an error message.
  static func shortened(_ s: String) -> String { s.count <= 60 ? s : s.prefix(57) + "…" }

  /// The unit a header's conductance field names, `conductance (uS)`,
  /// `G [µS]`, `conductance_uS`, `G/nS` (any case: `conductance_us`): its
  /// siemens, or nil when it names none (siemens).
  /// - Throws: ``ConfigurationError`` for a unit in brackets that is not
  ///   one of S, mS, uS (µS), nS or pS (or a reciprocal ohm: 1/Ω, mho),
  ///   and for a header that names a resistance (Ω, ohm): the data must be
  ///   conductances.
  static func headerUnit(_ header: String, field: String) throws -> (name: String, siemens: Double)? {
    // By lower case: `ms` in a conductance's header is mS, not megasiemens
    // (an all-capitals header, `G_MS`, is millisiemens: no device is
    // measured in megasiemens).
    var units: [String: (String, Double)] = [
      "s": ("S", 1), "ms": ("mS", 1e-3), "us": ("uS", 1e-6), "\u{B5}s": ("uS", 1e-6), "\u{3BC}s": ("uS", 1e-6),
      "ns": ("nS", 1e-9), "ps": ("pS", 1e-12),
      // Spelled out (session 42: a walkthrough's `siemens` was refused).
      "siemens": ("S", 1), "millisiemens": ("mS", 1e-3), "microsiemens": ("uS", 1e-6),
      "nanosiemens": ("nS", 1e-9), "picosiemens": ("pS", 1e-12),
    ]
    // A reciprocal ohm is a siemens (session 43: "1/Ohm" and "mho" had been
    // refused as a resistance and as no conductance), as the header's unit:
    // in brackets, or its last word after a space or `_`. Anywhere else
    // ("resistance_ohm-1") it is no unit, and a header that says
    // "resist…" names a resistance whatever its unit (a review).
    var reciprocals = Set<String>()
    for ohm in ["ohm", "ohms", "\u{3A9}", "\u{2126}", "\u{3C9}"] {
      // (`ohm^(-1)` in brackets reads up to its first ")": `ohm^(-1`.)
      for form in ["1/\(ohm)", "\(ohm)^-1", "\(ohm)^(-1)", "\(ohm)^(-1", "\(ohm)-1", "\(ohm)\u{207B}\u{B9}"] { reciprocals.insert(form) }
    }
    reciprocals.formUnion(["mho", "mhos"])
    for form in reciprocals { units[form] = ("S", 1) }
    let lower = header.lowercased()
    // The name in brackets (closed or not), as written.
    let bracketed = header.firstIndex(where: { $0 == "(" || $0 == "[" }).map { open in
      header[header.index(after: open)...].prefix { $0 != ")" && $0 != "]" }.trimmingCharacters(in: .whitespaces)
    }
    let lastWord = header.split(whereSeparator: { $0 == " " || $0 == "_" }).last.map { $0.lowercased() } ?? ""
    let reciprocal = !lower.contains("resist")
      && (bracketed.map { reciprocals.contains($0.lowercased()) } ?? reciprocals.contains(lastWord))
    if !reciprocal && (lower.contains("ohm") || lower.contains("resist") || header.contains("\u{3A9}") || header.contains("\u{2126}")) {
      // A prefixed reciprocal ohm (1/kΩ) is a conductance we do not read.
      let prefixed = !lower.contains("resist") && (lower.contains("1/") || lower.contains("-1") || lower.contains("\u{207B}"))
      throw ConfigurationError(
        field: field,
        prefixed
          ? "the header '\(shortened(header))' names a reciprocal ohm with a prefix, which is not read: give the conductances in S, mS, uS (µS), nS or pS (1/Ω and mho are read as S)"
          : "the header '\(shortened(header))' names a resistance: give conductances (S, mS, uS, nS or pS), 1/R")
    }
    // In brackets (closed or not): this is the unit, and it must be one we know.
    if let name = bracketed {
      guard let unit = units[name.lowercased()] else {
        throw ConfigurationError(
          field: field,
          "the header's unit '\(shortened(name))' is not a conductance's: give the conductances in S, mS, uS (µS), nS or pS")
      }
      return unit
    }
    // Otherwise a last word after a space, `_`, `-` or `/` that is a unit.
    let last = header.split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "/" || $0 == "-" }).last.map(String.init) ?? ""
    return units[last.lowercased()].map { ($0.0, $0.1) }
  }


  /// Reads a device from a CSV file (format in the type's documentation).
  ///
  /// - Parameter url: The file. Error messages name it as given
  ///   (`url.relativePath`).
  /// - Throws: ``ConfigurationError`` naming the file when it cannot be read
  ///   or is not UTF-8, and the file and line for malformed content.
  public static func load(csv url: URL) throws -> MeasuredDevice { try read(csv: url).device }

  /// Reads a device and its cycles (``read(csv:source:)``) from a CSV file,
  /// as ``load(csv:)`` does.
  public static func read(csv url: URL) throws -> (device: MeasuredDevice, cycles: MeasuredCycles?) {
    let name = url.isFileURL ? url.relativePath : url.absoluteString
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      let reason =
        FileManager.default.fileExists(atPath: url.path)
        ? "cannot be read" : "no such file"
      throw ConfigurationError(field: name, reason)
    }
    guard let text = Self.text(of: data) else {
      throw ConfigurationError(field: name, "is not text (UTF-8 or Windows-1252)")
    }
    return try read(csv: text, source: name)
  }
}
