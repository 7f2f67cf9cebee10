import Foundation

/// A Value Change Dump (IEEE 1364 §18) written as text: a header
/// ($date, $version, $timescale), scopes of variables, $enddefinitions,
/// the initial values ($dumpvars) and then `#time` blocks of value
/// changes in increasing time. Variables are `real` (a line's voltage) or
/// integer-valued `reg`/`integer` vectors.
struct VCDWriter {
  enum Kind {
    case real
    case integer(bits: Int)
  }

  struct Variable {
    var scope: [String]
    var name: String
    var kind: Kind
  }

  private(set) var variables: [Variable] = []
  /// (time, variable, value), in the order given.
  private var changes: [(time: Int64, variable: Int, value: Double)] = []

  /// Adds a variable; returns its index.
  mutating func add(scope: [String], name: String, _ kind: Kind) -> Int {
    variables.append(Variable(scope: scope, name: name, kind: kind))
    return variables.count - 1
  }

  /// Sets `variable` to `value` at `time` (in timescale units). At one
  /// time the last value set wins.
  mutating func set(_ variable: Int, _ value: Double, at time: Int64) {
    changes.append((time, variable, value))
  }

  /// The identifier code of variable k: base 94 over '!'…'~'.
  static func code(_ k: Int) -> String {
    var k = k
    var s = ""
    repeat {
      s.append(Character(UnicodeScalar(UInt8(33 + k % 94))))
      k /= 94
    } while k > 0
    return s
  }

  func render(version: String, timescale: String, date: String) -> String {
    var out = "$date\n  \(date)\n$end\n$version\n  \(version)\n$end\n$timescale \(timescale) $end\n"
    // Scopes: variables are grouped by scope path, in order of first use.
    var open: [String] = []
    for (k, v) in variables.enumerated() {
      var common = 0
      while common < open.count && common < v.scope.count && open[common] == v.scope[common] { common += 1 }
      while open.count > common {
        out += "$upscope $end\n"
        open.removeLast()
      }
      for s in v.scope.dropFirst(common) {
        out += "$scope module \(s) $end\n"
        open.append(s)
      }
      switch v.kind {
      case .real: out += "$var real 64 \(Self.code(k)) \(v.name) $end\n"
      case .integer(let bits): out += "$var \(bits == 32 ? "integer" : "reg") \(bits) \(Self.code(k)) \(v.name) $end\n"
      }
    }
    for _ in open { out += "$upscope $end\n" }
    out += "$enddefinitions $end\n"
    func value(_ k: Int, _ x: Double) -> String {
      switch variables[k].kind {
      case .real: return "r\(x == 0 ? "0" : "\(x)") \(Self.code(k))\n"
      case .integer: return "b\(String(Int(x), radix: 2)) \(Self.code(k))\n"
      }
    }
    var current = [Double](repeating: 0, count: variables.count)
    // Stable by time; at one time the last value per variable wins.
    let order = changes.indices.sorted { (changes[$0].time, $0) < (changes[$1].time, $1) }
    var i = 0
    // Values at time 0 are the initial values.
    while i < order.count && changes[order[i]].time <= 0 {
      current[changes[order[i]].variable] = changes[order[i]].value
      i += 1
    }
    out += "#0\n$dumpvars\n"
    for k in variables.indices { out += value(k, current[k]) }
    out += "$end\n"
    while i < order.count {
      let t = changes[order[i]].time
      var latest: [Int: Double] = [:]
      var seen: [Int] = []
      while i < order.count && changes[order[i]].time == t {
        let c = changes[order[i]]
        if latest.updateValue(c.value, forKey: c.variable) == nil { seen.append(c.variable) }
        i += 1
      }
      var block = ""
      for k in seen where latest[k]! != current[k] {
        block += value(k, latest[k]!)
        current[k] = latest[k]!
      }
      if !block.isEmpty { out += "#\(t)\n" + block }
    }
    return out
  }
}
