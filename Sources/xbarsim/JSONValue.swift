import Foundation

/// A parsed JSON value. xbarsim parses JSON itself so that numbers stay
/// numbers (not booleans in disguise), errors carry line numbers, and
/// large problem files parse quickly.
enum JSONValue: Equatable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue], keys: [String])

  /// Objects are equal when they hold the same keys and values, in any
  /// order (a file reformatted with sorted keys means the same).
  static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x, _), .object(let y, _)): return x == y
    default: return false
    }
  }

  /// A configuration object as it identifies a run, sweep or journal:
  /// without `threads` (the same results on one thread or two: a shard
  /// resumed on another machine goes on), and with "true"/"false" read as
  /// booleans (written as strings before session 33).
  var configurationIdentity: JSONValue {
    guard case .object(let d, let keys) = self else { return self }
    var out: [String: JSONValue] = [:]
    for (k, v) in d where k != "threads" {
      if case .string(let t) = v, t == "true" || t == "false" { out[k] = .bool(t == "true") } else { out[k] = v }
    }
    return .object(out, keys: keys.filter { $0 != "threads" })
  }

  subscript(key: String) -> JSONValue? {
    if case .object(let d, _) = self { return d[key] }
    return nil
  }

  /// The first key of an object whose value differs from `other`'s (or
  /// that only one of them has), with both values: "nmax 16 here, 32
  /// there". Nil when they are equal or not both objects.
  func firstDifference(from other: JSONValue) -> String? {
    guard case .object(let a, let ka) = self, case .object(let b, let kb) = other, self != other else { return nil }
    for k in ka + kb.filter({ a[$0] == nil }) where a[k] != b[k] {
      return "\(k) \(a[k]?.brief ?? "absent") here, \(b[k]?.brief ?? "absent") there"
    }
    return nil
  }

  /// A short description for error messages ("a list", "\"abc\"", "true").
  var brief: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let x): return x.isFinite ? JSONWriter.number(x) : "\(x) (out of range)"
    case .string(let s): return JSONWriter.string(s.count > 30 ? String(s.prefix(30)) + "…" : s)
    case .array: return "a list"
    case .object: return "an object"
    }
  }

  /// The value as JSON text; an object one key a line, in the order its
  /// keys were read (as `JSONWriter` writes one).
  var text: String {
    switch self {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let x): return JSONWriter.number(x)
    case .string(let s): return JSONWriter.string(s)
    case .array(let a): return "[" + a.map(\.text).joined(separator: ", ") + "]"
    case .object(let d, let keys):
      if keys.isEmpty { return "{}" }
      return "{" + keys.map { "\n  " + JSONWriter.string($0) + ": " + d[$0]!.text.replacingOccurrences(of: "\n", with: "\n  ") }
        .joined(separator: ",") + "\n}"
    }
  }

  struct ParseError: Error, CustomStringConvertible {
    var line: Int
    /// The byte in its line, from 1: in a file written on one line (a
    /// dumped matrix) the line alone does not find the place.
    var column: Int = 1
    var message: String
    /// The key whose value holds the error, the innermost: a 1e-400 or a
    /// NaN deep in a long file is found by its name (a fuzz, session 69).
    var key: String? = nil
    var description: String { "line \(line), column \(column)\(key.map { " (in \"\($0)\")" } ?? ""): \(message)" }
  }

  static func parse(_ data: Data) throws -> JSONValue {
    try data.withUnsafeBytes { raw -> JSONValue in
      var p = Parser(bytes: raw.bindMemory(to: UInt8.self))
      // A UTF-8 byte-order mark, which some editors write first: RFC 8259
      // lets a parser ignore it (the sweep's CSV reader does too).
      if p.bytes.count >= 3 && p.bytes[0] == 0xEF && p.bytes[1] == 0xBB && p.bytes[2] == 0xBF { p.i = 3 }
      p.skipSpace()
      let v = try p.value(depth: 0)
      p.skipSpace()
      if p.i < p.bytes.count { throw p.error("unexpected text after the JSON value") }
      return v
    }
  }

  private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    static let maxNumberLength = 4096

    func error(_ m: String) -> ParseError {
      var line = 1, lineStart = 0
      for k in 0..<min(i, bytes.count) where bytes[k] == 10 {
        line += 1
        lineStart = k + 1
      }
      return ParseError(line: line, column: min(i, bytes.count) - lineStart + 1, message: m)
    }

    mutating func skipSpace() {
      while i < bytes.count, bytes[i] == 32 || bytes[i] == 10 || bytes[i] == 13 || bytes[i] == 9 { i += 1 }
    }

    mutating func value(depth: Int) throws -> JSONValue {
      guard depth < 256 else { throw error("nesting too deep") }
      guard i < bytes.count else { throw error("unexpected end of input") }
      switch bytes[i] {
      case UInt8(ascii: "{"):
        i += 1
        var dict: [String: JSONValue] = [:]
        var keys: [String] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(dict, keys: keys) }
        while true {
          skipSpace()
          guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a string key") }
          let k = try string()
          skipSpace()
          guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(k)\"") }
          i += 1
          skipSpace()
          let v: JSONValue
          do { v = try value(depth: depth + 1) } catch var e as ParseError where e.key == nil {
            e.key = k
            throw e
          }
          // A repeated key has no agreed meaning (the first? the last?).
          guard dict.updateValue(v, forKey: k) == nil else { throw error("key \"\(k)\" appears twice") }
          keys.append(k)
          skipSpace()
          guard i < bytes.count else { throw error("unexpected end of input in an object") }
          if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
          if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(dict, keys: keys) }
          throw error("expected ',' or '}' in an object")
        }
      case UInt8(ascii: "["):
        i += 1
        var a: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
        while true {
          skipSpace()
          a.append(try value(depth: depth + 1))
          skipSpace()
          guard i < bytes.count else { throw error("unexpected end of input in a list") }
          if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
          if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
          throw error("expected ',' or ']' in a list")
        }
      case UInt8(ascii: "\""):
        return .string(try string())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      default:
        return .number(try number())
      }
    }

    mutating func literal(_ word: String) throws {
      for c in word.utf8 {
        guard i < bytes.count, bytes[i] == c else { throw error("invalid literal (expected \(word))") }
        i += 1
      }
    }

    mutating func number() throws -> Double {
      let start = i
      func isNumberByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || b == 43 || b == 45 || b == 46 || b == 101 || b == 69
      }
      while i < bytes.count, isNumberByte(bytes[i]) { i += 1 }
      guard i > start else {
        // Name what is there: a NaN or Infinity that a numeric library
        // wrote (Python's json.dump does), which JSON has no spelling for.
        var end = i
        while end < bytes.count, end - i < 12, bytes[end] > 32, bytes[end] < 127, bytes[end] != 44, bytes[end] != 93, bytes[end] != 125 {
          end += 1
        }
        let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self)
        let hint = ["NaN", "Infinity", "-Infinity", "inf", "-inf", "nan"].contains(token) ? " (JSON has no NaN or infinity)" : ""
        throw error(token.isEmpty ? "invalid value" : "invalid value '\(token)'\(hint)")
      }
      // Any length strtod reads exactly (0.000…1 with many zeros is a
      // valid number); beyond maxNumberLength it is surely not a number.
      guard i - start <= Self.maxNumberLength else {
        i = start
        throw error("number too long (more than \(Self.maxNumberLength) characters)")
      }
      // strtod on a NUL-terminated copy of the token.
      var buf = [CChar](repeating: 0, count: i - start + 1)
      for k in start..<i { buf[k - start] = CChar(bitPattern: bytes[k]) }
      var end: UnsafeMutablePointer<CChar>? = nil
      let v = buf.withUnsafeMutableBufferPointer { b -> Double in
        let r = strtod(b.baseAddress!, &end)
        if end != b.baseAddress! + (i - start) { return .nan }
        return r
      }
      guard !v.isNaN else {
        i = start
        throw error("invalid number '\(String(decoding: bytes[start..<min(start + 20, bytes.count)], as: UTF8.self))'")
      }
      // A non-zero number too small for a double (1e-400) is no 0: refused,
      // as the options refuse it (strtod would return 0).
      if v == 0, bytes[start..<i].prefix(while: { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") })
        .contains(where: { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") })
      {
        let token = String(decoding: bytes[start..<min(i, start + 40)], as: UTF8.self)
        i = start
        throw error("number '\(token)' is below the smallest double (it would read as 0)")
      }
      return v
    }

    /// A string, as RFC 8259 has it: UTF-8, no raw control characters, and
    /// only the escapes \" \\ \/ \b \f \n \r \t and \uXXXX (a UTF-16 surrogate
    /// pair for a character beyond U+FFFF). Anything else is refused, not
    /// replaced: a path or key read wrong would be an error further on, far
    /// from its cause.
    mutating func string() throws -> String {
      i += 1  // opening quote
      var out = [UInt8]()
      while i < bytes.count {
        let b = bytes[i]
        if b == UInt8(ascii: "\"") {
          i += 1
          guard let text = String(validating: out, as: UTF8.self) else {
            throw error("a string that is not UTF-8 text")
          }
          return text
        }
        if b < 0x20 {
          throw error("a control character (byte \(b)) in a string: write it as an escape, e.g. \\n or \\t")
        }
        if b == UInt8(ascii: "\\") {
          i += 1
          guard i < bytes.count else { break }
          switch bytes[i] {
          case UInt8(ascii: "n"): out.append(10)
          case UInt8(ascii: "t"): out.append(9)
          case UInt8(ascii: "r"): out.append(13)
          case UInt8(ascii: "b"): out.append(8)
          case UInt8(ascii: "f"): out.append(12)
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(bytes[i])
          case UInt8(ascii: "u"):
            var code = try hex4()
            if (0xD800..<0xDC00).contains(code) {
              // A high surrogate: its low half must follow as \uDC00…\uDFFF.
              guard i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\"), bytes[i + 2] == UInt8(ascii: "u") else {
                throw error("invalid \\u escape: a lone surrogate")
              }
              i += 2
              let low = try hex4()
              guard (0xDC00..<0xE000).contains(low) else { throw error("invalid \\u escape: a lone surrogate") }
              code = 0x10000 + (code - 0xD800) << 10 + (low - 0xDC00)
            }
            guard let scalar = UnicodeScalar(code) else { throw error("invalid \\u escape: a lone surrogate") }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
          default:
            throw error("invalid escape '\\\(String(decoding: [bytes[i]], as: UTF8.self))' in a string")
          }
          i += 1
          continue
        }
        out.append(b)
        i += 1
      }
      throw error("unterminated string")
    }

    /// The four hex digits after `\u` (at i + 1 … i + 4); leaves i on the last.
    mutating func hex4() throws -> UInt32 {
      guard i + 4 < bytes.count else { throw error("invalid \\u escape") }
      var code: UInt32 = 0
      for k in 1...4 {
        let c = bytes[i + k]
        let digit: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
        default: throw error("invalid \\u escape")
        }
        code = code << 4 | UInt32(digit)
      }
      i += 4
      return code
    }
  }
}
