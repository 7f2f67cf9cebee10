import Foundation

/// How much memory a run may plan on: the machine's physical memory, or the
/// process's address-space limit (`ulimit -v`, RLIMIT_AS) when smaller.
/// Sizes beyond it are refused up front with a one-line error, instead of
/// a failed allocation (a trap) or the kernel's OOM killer later on.
enum MemoryLimit {
  /// The limit in bytes.
  static var bytes: Double {
    let physical = Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
    var limit = rlimit()
    #if canImport(Glibc)
      let got = getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
    #else
      let got = getrlimit(RLIMIT_AS, &limit)
    #endif
    // RLIM_INFINITY is all ones (the C macro does not import as a value).
    guard got == 0, limit.rlim_cur != rlim_t.max else { return physical }
    return min(physical, Double(limit.rlim_cur))
  }

  /// nil when `estimate` bytes fit, else the reason to give in an error:
  /// "needs about 13.6 GB, more than the 4.1 GB of memory available
  /// (physical memory, or ulimit -v)".
  static func shortfall(_ estimate: Double) -> String? {
    let limit = bytes
    guard estimate > limit else { return nil }
    return "needs about \(gigabytes(estimate)), more than the \(gigabytes(limit)) of memory available (physical memory, or ulimit -v)"
  }

  static func gigabytes(_ b: Double) -> String { String(format: "%.1f GB", b / 1e9) }

  /// Bytes a nodal solve of an M×N mesh holds: the conductances, the
  /// solver's 14 workspace vectors and the solution's 2 node-voltage
  /// fields, M·N doubles each (NodalSolver, MeshSolution), and a few
  /// vectors per line.
  static func solveBytes(rows m: Int, columns n: Int) -> Double {
    136 * Double(m) * Double(n) + 64 * Double(m + n)
  }
}
