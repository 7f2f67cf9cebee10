import Circuit
import Foundation

/// Reads a crossbar problem file (README, "Problem files"; the team's
/// `crossbar-problem.md`).
///
/// Every violation is a `CLIError.runtime` of one line that names the file,
/// the key and the value.
enum ProblemFile {
  /// The most bytes an input file (or standard input) may have: 1 GiB.
  static let maxBytes = 1 << 30

  /// - Parameter withoutDrives: `v_in` may be left out (every word line
  ///   then at 0 V): a write (`solve --write`) drives the lines itself.
  static func load(_ path: String, ignored: inout [String], withoutDrives: Bool = false) throws -> CrossbarMesh {
    try parse(try read(path), source: path, ignored: &ignored, withoutDrives: withoutDrives)
  }

  /// The note on a problem file's keys the format ignores, for a command to
  /// print once the file is solved or written (never before an error: a
  /// failing command's first line of standard error is the error).
  static func ignoredKeysNote(_ keys: [String], source: String) -> String? {
    guard !keys.isEmpty else { return nil }
    return "note: \(source): \(keys.count == 1 ? "key" : "keys") \(keys.prefix(5).map { "'\($0)'" }.joined(separator: ", "))\(keys.count > 5 ? ", …" : "") not in the problem format (\(formatKeys.joined(separator: ", ")); xbarsim's own: \(extensionKeys.joined(separator: ", "))): ignored"
  }

  /// The notes on a problem file a command prints once it is solved or
  /// written: the keys the format ignores, and a largest conductance far
  /// above a synapse's (`TrainCommand.farAboveASynapse`, 10 mS: µS data
  /// written as siemens, say), which solves but is rarely meant (a
  /// walkthrough, session 48).
  static func notes(_ keys: [String], mesh: CrossbarMesh, source: String) -> [String] {
    var notes = [ignoredKeysNote(keys, source: source)].compactMap { $0 }
    if let top = mesh.conductance.max(), top >= TrainCommand.farAboveASynapse {
      notes.append(
        "note: \(source): the largest conductance is \(JSONWriter.number(top)) S, far above a synapse's: 'conductance' is read in siemens (1e-5 for 10 µS)")
    }
    return notes
  }

  /// The format's keys (the team's crossbar-problem.md).
  static let formatKeys = ["rows", "cols", "conductance", "v_in", "r_row", "r_col"]
  /// xbarsim's own optional keys (session 59), which other tools ignore:
  /// the word lines' drivers' and the bit lines' sense amplifiers'
  /// resistances in Ω (``CrossbarMesh/rowTerminalResistance``), 0 when left out.
  /// Since session 88 also `iv_v0` (V): the cells' I–V, I = G·V0·sinh(V/V0)
  /// (``CellIV``), linear when 0 or left out.
  static let extensionKeys = ["r_driver", "r_sense", "iv_v0"]

  /// The contents of the regular file or pipe at `path` (`<(...)`, a
  /// FIFO), at most `limit` bytes.
  ///
  /// - Throws: `CLIError.runtime` of one line naming `path`: the system's
  ///   reason it cannot be opened or read, "not a regular file" (a
  ///   directory, a device such as /dev/zero), or too large.
  static func read(_ path: String, limit: Int = maxBytes) throws -> Data {
    // O_NONBLOCK: opening a named pipe does not wait for a writer (without
    // one it reads as empty); it changes nothing for a regular file.
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw CLIError.runtime("\(path): cannot read file (\(systemError()))") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw CLIError.runtime("\(path): cannot read file (\(systemError()))") }
    let type = st.st_mode & S_IFMT
    guard type == S_IFREG || type == S_IFIFO else {
      let kind =
        switch type {
        case S_IFDIR: "a directory"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        default: "a special file"
        }
      throw CLIError.runtime("\(path): cannot read file (not a regular file: \(kind))")
    }
    guard st.st_size <= limit else { throw tooLarge(path, limit) }
    return try readAll(fd, name: path, limit: limit, pipe: type == S_IFIFO)
  }

  /// All of standard input, at most `maxBytes`.
  ///
  /// - Throws: `CLIError.runtime` of one line naming standard input.
  static func readStandardInput() throws -> Data {
    // A device other than a terminal (`< /dev/zero`) is refused as a path
    // to one is: it had been read to the 1 GiB limit first, a gigabyte
    // of memory (a walkthrough, session 69).
    var st = stat()
    if fstat(STDIN_FILENO, &st) == 0, (st.st_mode & S_IFMT) == S_IFCHR || (st.st_mode & S_IFMT) == S_IFBLK, isatty(STDIN_FILENO) == 0 {
      throw CLIError.runtime("standard input: cannot read (not a regular file or pipe: a device)")
    }
    return try readAll(STDIN_FILENO, name: "standard input")
  }

  /// Reads `fd` to its end in chunks, refusing more than `limit` bytes (a
  /// device such as /dev/zero never ends). `name` names it in errors.
  ///
  /// A pipe (`pipe`: a named one, opened without waiting for a writer, or
  /// bash's `<(...)`) reads as ended while it has no writer: its writer may
  /// be a moment from opening it (`cat f > fifo & xbarsim solve fifo`), so
  /// it is given a second, and a pipe with nothing to read by then is named
  /// so (it had read as empty: "malformed JSON … unexpected end of input";
  /// a walkthrough, session 69).
  static func readAll(_ fd: Int32, name: String, limit: Int = maxBytes, pipe: Bool = false) throws -> Data {
    let pipeWait = 1.0
    var data = Data()
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    let start = DispatchTime.now().uptimeNanoseconds
    while true {
      let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, chunk) }
      if n == 0 && pipe && data.isEmpty {
        guard Double(DispatchTime.now().uptimeNanoseconds - start) < pipeWait * 1e9 else {
          throw CLIError.runtime("\(name): a pipe with nothing written to it within \(JSONWriter.number(pipeWait)) s (no writer, or one that wrote nothing)")
        }
        usleep(5_000)
        continue
      }
      if n == 0 { return data }
      if n < 0 {
        if errno == EINTR { continue }
        if errno == EAGAIN {  // a non-blocking descriptor: wait for data
          var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
          _ = poll(&p, 1, -1)
          continue
        }
        throw CLIError.runtime("\(name): cannot read (\(systemError()))")
      }
      guard data.count + n <= limit else { throw tooLarge(name, limit) }
      data.append(contentsOf: buffer[0..<n])
    }
  }

  private static func tooLarge(_ name: String, _ limit: Int) -> CLIError {
    .runtime("\(name): more than \(limit) bytes, the most xbarsim reads from an input file")
  }

  private static func systemError() -> String { String(cString: strerror(errno)) }

  static func parse(_ data: Data, source: String) throws -> CrossbarMesh {
    var ignored: [String] = []
    return try parse(data, source: source, ignored: &ignored)
  }

  /// `ignored` receives the keys the format ignores (`ignoredKeysNote`);
  /// with `withoutDrives`, `v_in` may be left out (as `load`'s).
  static func parse(_ data: Data, source: String, ignored: inout [String], withoutDrives: Bool = false) throws -> CrossbarMesh {
    func fail(_ message: String) -> CLIError { .runtime("\(source): \(message)") }
    // The parsed tree takes up to some 13 bytes per byte of text (a
    // 24-byte value for each "0," of 2 bytes).
    if let reason = MemoryLimit.shortfall(13 * Double(data.count)) {
      throw fail("parsing \(data.count) bytes of JSON \(reason)")
    }
    let root: JSONValue
    do {
      root = try JSONValue.parse(data)
    } catch let e as JSONValue.ParseError {
      throw fail("malformed JSON at \(e)")
    }
    guard case .object(_, let keys) = root else { throw fail("expected a JSON object at the top level") }
    // The format ignores other keys (the team's crossbar-problem.md, as
    // badcrossbar's), but not silently: a guessed key ("open_rows") would
    // otherwise look as if it had been applied. The command notes them.
    ignored = keys.filter { !formatKeys.contains($0) && !extensionKeys.contains($0) }

    /// A number for an error message. A JSON number beyond the largest
    /// double (1e400) reads as ±inf: said as the config reader says it, not
    /// "got inf" (a fuzz, session 69).
    func shown(_ v: Double) -> String {
      v.isFinite ? JSONWriter.number(v) : v.isNaN ? "nan" : "a number beyond \(v < 0 ? "-" : "")1.8e308"
    }
    func number(_ value: JSONValue?, _ key: String) throws -> Double {
      guard let value else { throw fail("missing key '\(key)'") }
      guard case .number(let x) = value else { throw fail("'\(key)' must be a number, got \(value.brief)") }
      // Below the smallest normal double, as every configuration key (a
      // conductance of 1e-320 S was solved, and `spice` refused the same
      // file: a walkthrough, session 52).
      guard !x.isSubnormal else { throw fail("'\(key)' is below the smallest normal double (2.2e-308), got \(x)") }
      return x
    }
    func count(_ key: String) throws -> Int {
      let v = try number(root[key], key)
      guard v >= 1, v == v.rounded(), v <= 1e8 else {
        throw fail("'\(key)' must be an integer in 1…100000000, got \(shown(v))")
      }
      return Int(v)
    }
    func nonNegative(_ key: String) throws -> Double {
      let v = try number(root[key], key)
      guard v.isFinite, v >= 0 else { throw fail("'\(key)' must be finite and ≥ 0, got \(shown(v))") }
      return v + 0  // −0 is 0 (the netlist printed "r_col=-0 ohm")
    }
    func list(_ value: JSONValue?, _ key: String, length: Int) throws -> [JSONValue] {
      guard let value else { throw fail("missing key '\(key)'") }
      guard case .array(let a) = value else { throw fail("'\(key)' must be a list, got \(value.brief)") }
      guard a.count == length else { throw fail("'\(key)' has \(a.count) entries, expected \(length)") }
      return a
    }

    let m = try count("rows"), n = try count("cols")
    let rRow = try nonNegative("r_row"), rCol = try nonNegative("r_col")
    let rDriver = root["r_driver"] == nil ? 0 : try nonNegative("r_driver")
    let rSense = root["r_sense"] == nil ? 0 : try nonNegative("r_sense")
    let v0 = root["iv_v0"] == nil ? 0 : try nonNegative("iv_v0")
    // train's range (`--iv-v0`): 1 mV to 100 V, or 0 for linear cells.
    guard v0 == 0 || (v0 >= 1e-3 && v0 <= 100) else {
      throw fail("'iv_v0' must be 0 (linear cells) or in [0.001, 100] V, got \(shown(v0))")
    }
    // The circuit core's bounds (0, or 1e-150…1e150 Ω), before the
    // conductance matrix is read.
    do {
      try WireModel(
        rowSegmentResistance: rRow, columnSegmentResistance: rCol, rowTerminalResistance: rDriver,
        columnTerminalResistance: rSense
      ).validate()
    } catch let e as ConfigurationError {
      throw fail("'\(e.field)': \(e.message)")
    }
    let vList = withoutDrives && root["v_in"] == nil ? [] : try list(root["v_in"], "v_in", length: m)
    var v = [Double](repeating: 0, count: m)
    for i in 0..<vList.count {
      v[i] = try number(vList[i], "v_in[\(i)]")
      guard v[i].isFinite else { throw fail("'v_in[\(i)]' must be finite, got \(shown(v[i]))") }
    }
    let gRows = try list(root["conductance"], "conductance", length: m)
    // Every row's length first: the matrix is made only for what the file holds.
    let rows = try (0..<m).map { try list(gRows[$0], "conductance[\($0)]", length: n) }
    var g = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      let row = rows[i]
      for j in 0..<n {
        let x = try number(row[j], "conductance[\(i)][\(j)]")
        guard x.isFinite, x >= 0 else {
          throw fail("'conductance[\(i)][\(j)]' must be finite and ≥ 0 S, got \(shown(x))")
        }
        g[i * n + j] = x
      }
    }
    var mesh = CrossbarMesh(
      rows: m, columns: n, conductance: g,
      wires: WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol), rowVoltages: v)
    mesh.rowTerminalResistance = rDriver
    mesh.columnTerminalResistance = rSense
    if v0 > 0 { mesh.cellIV = .sinh(v0: v0) }
    return mesh
  }

  static func describe(_ error: Error) -> String {
    let ns = error as NSError
    if let d = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return d }
    if let u = ns.userInfo[NSUnderlyingErrorKey] as? NSError { return describe(u) }
    // The system's words (Foundation's POSIX errors read "The operation
    // could not be completed. No space left on device": `train --log
    // /dev/full`, an exit-code audit, session 70).
    if ns.domain == NSPOSIXErrorDomain, let code = Int32(exactly: ns.code) { return String(cString: strerror(code)) }
    // Foundation's "unknown read error" (256), e.g. for a directory.
    if ns.domain == NSCocoaErrorDomain && ns.code == NSFileReadUnknownError { return "a directory, or unreadable" }
    // The system's words, as the tool's other messages give them, for
    // Foundation's "The operation could not be completed. The file doesn't
    // exist." (a walkthrough, session 42: `--out /proc/x`).
    if ns.domain == NSCocoaErrorDomain {
      switch ns.code {
      case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "No such file or directory"
      case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "Permission denied"
      case NSFileWriteOutOfSpaceError: return "No space left on device"
      case NSFileWriteVolumeReadOnlyError: return "Read-only file system"
      default: break
      }
    }
    return ns.localizedDescription
  }
}

/// Minimal JSON writing for numeric results (shortest round-trip digits).
struct JSONWriter {
  var text = "{"
  private var first = true

  private mutating func key(_ k: String) {
    if !first { text += "," }
    first = false
    text += "\n  \"\(k)\": "
  }
  mutating func add(_ k: String, _ v: Double) { key(k); text += Self.number(v) }
  mutating func add(_ k: String, _ v: Int) { key(k); text += String(v) }
  mutating func add(_ k: String, _ v: Bool) { key(k); text += v ? "true" : "false" }
  mutating func add(_ k: String, _ v: String) { key(k); text += Self.string(v) }
  mutating func add(_ k: String, _ v: [Double]) {
    key(k)
    text += "[" + v.map(Self.number).joined(separator: ", ") + "]"
  }
  /// A matrix as a list of rows.
  mutating func add(_ k: String, rows: Int, columns: Int, _ v: [Double]) {
    key(k)
    text += "["
    for i in 0..<rows {
      if i > 0 { text += "," }
      text += "\n    [" + v[(i * columns)..<((i + 1) * columns)].map(Self.number).joined(separator: ", ") + "]"
    }
    text += "]"
  }
  /// Raw JSON for a value the caller already rendered.
  mutating func addRaw(_ k: String, _ json: String) { key(k); text += json }

  func finished() -> String { text + "\n}\n" }
  /// The object on one line, to nest as a value (`addRaw`).
  func finishedOnOneLine() -> String {
    finished().trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "")
  }

  /// An integer from 2^53 on, which a JSON reader (a double) would round:
  /// written as a string, refused when read as a number. 2^53 itself is
  /// included: 2^53 + 1 reads as that very double.
  static func isInexactInteger(_ x: Double) -> Bool { x == x.rounded() && abs(x) >= 9_007_199_254_740_992 }

  static func number(_ v: Double) -> String {
    guard v.isFinite else { return "null" }
    if v == v.rounded(), abs(v) < 9.2e18 { return String(Int64(v)) }
    return "\(v)"
  }
  static func string(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default:
        if c.value < 0x20 { out += String(format: "\\u%04x", c.value) } else { out.unicodeScalars.append(c) }
      }
    }
    return out + "\""
  }
}
