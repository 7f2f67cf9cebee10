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
    var up: [Double] = []
    var down: [Double] = []
    var sawRecord = false
    var lineNumber = 0
    for rawLine in text.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    {
      lineNumber += 1
      let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let field = "\(source) line \(lineNumber)"
      let parts = line.split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      let firstRecord = !sawRecord
      sawRecord = true
      let branch = parts[0].lowercased()
      let isUp = branch == "p" || branch == "potentiation"
      let isDown = branch == "d" || branch == "depression"
      if !isUp && !isDown {
        // An optional header: a first record that names no branch.
        if firstRecord && parts.count == 2 && Double(parts[1]) == nil { continue }
        if parts.count != 2 {
          throw ConfigurationError(
            field: field, "expected 'branch,conductance', got '\(line)'")
        }
        throw ConfigurationError(
          field: field,
          "unknown branch '\(parts[0])' (expected p, potentiation, d or depression)")
      }
      guard parts.count == 2 else {
        throw ConfigurationError(
          field: field, "expected 'branch,conductance', got '\(line)'")
      }
      // Decimal notation only: `Double` takes hex (`0x1p-20`) and stops
      // at a NUL.
      guard let g = Double(parts[1]), DecimalText.isNumber(parts[1]) || !g.isFinite else {
        throw ConfigurationError(field: field, "conductance '\(parts[1])' is not a number in decimal notation")
      }
      guard g.isFinite else {
        throw ConfigurationError(field: field, "conductance '\(parts[1])' is not finite")
      }
      guard g >= 0 else {
        throw ConfigurationError(field: field, "conductance \(parts[1]) S is negative")
      }
      if isUp { up.append(g) } else { down.append(g) }
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
      throw ConfigurationError(
        field: source,
        "the potentiation branch never rises above its first point (\(up[0]) S); "
          + "a device that no pulse changes")
    }
    guard down.isEmpty || down.min()! < down[0] else {
      throw ConfigurationError(
        field: source,
        "the depression branch never falls below its first point (\(down[0]) S); "
          + "a device that no pulse changes")
    }
    try self.init(potentiation: up, depression: down)
  }

  /// Reads a device from a CSV file (format in the type's documentation).
  ///
  /// - Parameter url: The file. Error messages name it as given
  ///   (`url.relativePath`).
  /// - Throws: ``ConfigurationError`` naming the file when it cannot be read
  ///   or is not UTF-8, and the file and line for malformed content.
  public static func load(csv url: URL) throws -> MeasuredDevice {
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
    guard let text = String(data: data, encoding: .utf8) else {
      throw ConfigurationError(field: name, "is not UTF-8 text")
    }
    return try MeasuredDevice(csv: text, source: name)
  }
}
