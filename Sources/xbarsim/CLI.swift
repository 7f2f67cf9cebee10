import Foundation
import Circuit

// A small argument parser in the conventions of swift-argument-parser
// (which xbarsim does not depend on): `xbarsim <command> [--kebab-case v]`,
// `-h/--help`, usage errors on stderr with exit 64 (configuration-file
// errors too), runtime errors exit 1.

/// Standard error as a `TextOutputStream` (Swift 6 rejects `fputs(_, stderr)`).
struct StandardError: TextOutputStream {
  mutating func write(_ string: String) {
    var s = string
    s.withUTF8 { buf in
      var off = 0
      while off < buf.count {
        let n = Foundation.write(STDERR_FILENO, buf.baseAddress! + off, buf.count - off)
        if n <= 0 { break }
        off += n
      }
    }
  }
}

/// The errors a command reports; `run(arguments:)` turns them into exit codes.
enum CLIError: Error, CustomStringConvertible {
  /// Bad usage: unknown option, missing or malformed value. Exit 64.
  case usage(String)
  /// A failure while doing the work: unreadable file, bad content,
  /// a solve that did not converge. Exit 1.
  case runtime(String)
  /// A bad key, value or structure in a configuration file (`--config`):
  /// the same error as the key's option, so exit 64 as a usage error, but
  /// on one line without the usage (the command line itself was well
  /// formed). The message names the file and the key.
  case configuration(String)
  /// A run a signal stopped cleanly, its work written: exit 128 + the
  /// signal (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP), as a shell
  /// reports a process the signal ended. Thrown only where a command says
  /// it was interrupted: a failure after the signal (a summary that could
  /// not be written) stays `runtime`, exit 1 (a review, session 67).
  case interrupted(String)

  var description: String {
    switch self {
    case .usage(let m), .runtime(let m), .configuration(let m), .interrupted(let m): return m
    }
  }

  /// The same error (and exit code) with `context` before its message.
  func prefixed(_ context: String) -> CLIError {
    switch self {
    case .usage(let m): return .usage(context + m)
    case .runtime(let m): return .runtime(context + m)
    case .interrupted(let m): return .interrupted(context + m)
    case .configuration(let m): return .configuration(context + m)
    }
  }
}

/// One option of a command. `value` is the placeholder (`<ohms>`); nil
/// makes it a flag.
struct OptionSpec: Sendable {
  var name: String
  var value: String?
  var help: String
  /// May be given more than once (`sweep --grid`); any other option given
  /// twice is a usage error, not a silent "the last one wins".
  var repeatable = false
  init(_ name: String, _ value: String? = nil, _ help: String, repeatable: Bool = false) {
    self.name = name
    self.value = value
    self.help = help
    self.repeatable = repeatable
  }
}

/// What `--help` prints for a command, and what the parser accepts.
struct CommandSpec: Sendable {
  var name: String
  var abstract: String
  var usage: String
  var discussion: String = ""
  var options: [OptionSpec] = []
  /// Maximum number of positional arguments (nil: any number).
  var maxPositionals: Int? = 0
  /// Sub-subcommands (e.g. `sweep merge`) accepted as first positional.
  var subcommands: [String] = []
  /// Options parsed (so that a refusal can name them) but left out of the
  /// help: the command refuses them.
  var hiddenInHelp: Set<String> = []

  var helpText: String {
    var s = "OVERVIEW: \(abstract)\n\nUSAGE: \(usage)\n"
    if !discussion.isEmpty { s += "\n\(discussion)\n" }
    s += "\nOPTIONS:\n"
    let all = options.filter { !hiddenInHelp.contains($0.name) } + [OptionSpec("--help", nil, "Show help information.")]
    let labels = all.map { o in o.value.map { "\(o.name) \($0)" } ?? o.name }
    let width = min(30, (labels.map(\.count).max() ?? 0) + 2)
    for (o, label) in zip(all, labels) {
      let pad = label.count < width
        ? String(repeating: " ", count: width - label.count) : "\n  " + String(repeating: " ", count: width)
      s += "  \(label)\(pad)\(o.help)\n"
    }
    return s
  }
}

/// Parsed arguments of one command, with typed accessors that throw usage
/// errors naming the option and the offending value.
struct ParsedArguments {
  var command: String
  var positionals: [String] = []
  var values: [String: [String]] = [:]
  var flags: Set<String> = []

  func has(_ flag: String) -> Bool { flags.contains(flag) }
  func string(_ name: String) -> String? { values[name]?.last }
  func all(_ name: String) -> [String] { values[name] ?? [] }

  /// The value of a number's option, without the spaces around it (as a
  /// list's items and the configuration keys take it).
  func number(_ name: String) -> String? { string(name)?.trimmingCharacters(in: .whitespaces) }
  func double(_ name: String) throws -> Double? {
    guard let s = number(name) else { return nil }
    // Decimal notation only, as every configuration key (`Double` alone
    // took `0x10` as 16: a walkthrough, session 33).
    guard let v = Double(s), v.isFinite, DecimalText.isNumber(s) else {
      throw CLIError.usage("\(name) expects a finite number in decimal notation, got '\(s)'")
    }
    try Self.refuseSubnormal(name, s, text: s, v)
    return v
  }
  /// Below the smallest normal double, as the configuration keys refuse
  /// it (`pulses --gmin 1e-320` had run where --gmax refused it, and
  /// `--beta 1e-400,2` as β = 0: a walkthrough and a review, session 52).
  static func refuseSubnormal(_ name: String, _ given: String, text: String, _ v: Double) throws {
    if DecimalText.isBelowNormal(text, v) {
      throw CLIError.usage("\(name) \(given): '\(text)' is below the smallest normal double (2.2e-308)")
    }
  }
  func double(_ name: String, default d: Double) throws -> Double {
    try double(name) ?? d
  }
  func int(_ name: String) throws -> Int? {
    guard let s = number(name) else { return nil }
    guard let v = Int(s) else {
      throw CLIError.usage("\(name) expects an integer, got '\(s)'")
    }
    return v
  }
  func int(_ name: String, default d: Int) throws -> Int {
    try int(name) ?? d
  }
  func uint64(_ name: String, default d: UInt64) throws -> UInt64 {
    guard let s = number(name) else { return d }
    guard let v = UInt64(s) else {
      throw CLIError.usage("\(name) expects a non-negative integer, got '\(s)'")
    }
    return v
  }
  /// A comma-separated list of numbers, e.g. `--layers 784,200,10`.
  func doubles(_ name: String) throws -> [Double]? {
    guard let s = string(name) else { return nil }
    let parts = s.split(separator: ",", omittingEmptySubsequences: false)
    var out: [Double] = []
    for p in parts {
      let text = p.trimmingCharacters(in: .whitespaces)
      guard let v = Double(text), v.isFinite, DecimalText.isNumber(text) else {
        throw CLIError.usage("\(name) expects comma-separated numbers, got '\(s)'")
      }
      try Self.refuseSubnormal(name, s, text: text, v)
      out.append(v)
    }
    return out
  }
}

/// A subcommand of `xbarsim`.
protocol CLICommand {
  static var spec: CommandSpec { get }
  static func run(_ args: ParsedArguments) throws
}

enum ArgumentParsing {
  /// The one name of `names` within two edits of `name` (an insertion, a
  /// deletion, a substitution or a swap of two neighbours, each one edit),
  /// the nearest; nil for none, or when two are equally near.
  static func nearest(_ name: String, among names: some Sequence<String>) -> String? {
    let a = Array(name)
    var best: (String, Int)? = nil
    var tie = false
    for candidate in names {
      let b = Array(candidate)
      guard !a.isEmpty, !b.isEmpty, abs(a.count - b.count) <= 2 else { continue }
      // Optimal string alignment distance, three rows.
      var before = [Int](repeating: 0, count: b.count + 1), previous = Array(0...b.count)
      var row = [Int](repeating: 0, count: b.count + 1)
      for i in 1...a.count {
        row[0] = i
        for j in 1...b.count {
          var d = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
          if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, before[j - 2] + 1) }
          row[j] = d
        }
        (before, previous, row) = (previous, row, before)
      }
      let distance = previous[b.count]
      guard distance <= 2 else { continue }
      if let (_, d) = best, d <= distance {
        if d == distance { tie = true }
        continue
      }
      best = (candidate, distance)
      tie = false
    }
    return tie ? nil : best?.0
  }

  /// Parses `arguments` (after the command name) against `spec`.
  /// Returns nil when help was requested (and printed).
  static func parse(_ arguments: [String], spec: CommandSpec) throws -> ParsedArguments? {
    var parsed = ParsedArguments(command: spec.name)
    let byName = Dictionary(spec.options.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var i = 0
    while i < arguments.count {
      let a = arguments[i]
      i += 1
      if a == "-h" || a == "--help" {
        print(spec.helpText, terminator: "")
        return nil
      }
      if a == "--" {
        parsed.positionals.append(contentsOf: arguments[i...])
        break
      }
      if a.hasPrefix("--") && a.count > 2 {
        var name = a
        var inline: String? = nil
        if let eq = a.firstIndex(of: "=") {
          name = String(a[..<eq])
          inline = String(a[a.index(after: eq)...])
        }
        guard let opt = byName[name] else {
          // The nearest spelling, for a typo (`--device-cvs`: a FET
          // researcher's walkthrough, session 49, got no hint).
          // Else the options it begins (`--checkpoint`: a walkthrough,
          // session 66, got no hint, as its edits are 3 and 4 away).
          let begun = byName.keys.filter { $0.hasPrefix(name + "-") }.sorted()
          // A command without an output file prints its result (a teaching-lab
          // walkthrough, session 68: `solve --out x.json` got no hint).
          // (One that has the other spelling is pointed to it.)
          let redirect = ["--out", "--output"].contains(name)
            ? ["--out", "--output"].first { byName[$0] != nil }.map { " (did you mean '\($0)'?)" }
              ?? " (this command prints its result on standard output: redirect it, > FILE)"
            : nil
          let hint =
            redirect ?? nearest(name, among: byName.keys + ["--help"]).map { " (did you mean '\($0)'?)" }
            ?? ((1...4).contains(begun.count) ? " (did you mean \(begun.count == 1 ? "" : "one of ")\(begun.map { "'\($0)'" }.joined(separator: ", "))?)" : "")
          throw CLIError.usage("unknown option '\(name)'\(hint)")
        }
        if opt.value == nil {
          if inline != nil { throw CLIError.usage("\(name) takes no value") }
          guard !parsed.flags.contains(name) else { throw CLIError.usage("\(name) given twice") }
          parsed.flags.insert(name)
        } else {
          let v: String
          if let inline { v = inline } else {
            guard i < arguments.count else {
              throw CLIError.usage("missing value for '\(name) \(opt.value!)'")
            }
            v = arguments[i]
            // "--out --quiet": the value forgotten, the next option taken
            // for it (use --out=--quiet for such a name).
            guard !(v.hasPrefix("--") && byName[v.split(separator: "=").first.map(String.init) ?? v] != nil) else {
              throw CLIError.usage("missing value for '\(name) \(opt.value!)' (got the option '\(v)')")
            }
            i += 1
          }
          // An empty path ("--summary ''", a variable unset in a script)
          // passes the checks before a run and fails only when the file
          // is written, after the work.
          if v.isEmpty, let placeholder = opt.value, placeholder.contains("file") || placeholder.contains("dir") {
            throw CLIError.usage("\(name) expects a path, got an empty string")
          }
          if !opt.repeatable, let first = parsed.values[name]?.first {
            throw CLIError.usage("\(name) given twice ('\(first)' and '\(v)')")
          }
          parsed.values[name, default: []].append(v)
        }
      } else if a.hasPrefix("-") && a.count > 1 && Double(a) == nil {
        throw CLIError.usage("unknown option '\(a)'")
      } else {
        parsed.positionals.append(a)
      }
    }
    if let maxP = spec.maxPositionals, parsed.positionals.count > maxP {
      let extra = parsed.positionals[maxP]
      throw CLIError.usage("unexpected argument '\(extra)'")
    }
    return parsed
  }
}
