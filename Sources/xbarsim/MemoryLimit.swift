import Foundation
import Trainer

/// How much memory a run may plan on: the machine's physical memory, or the
/// process's address-space limit (`ulimit -v`, RLIMIT_AS) when smaller.
/// Sizes beyond it are refused up front with a one-line error, instead of
/// a failed allocation (a trap) or the kernel's OOM killer later on.
enum MemoryLimit {
  /// The machine's physical memory in bytes.
  static var physical: Double {
    Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
  }

  /// The address-space limit (`ulimit -v`, RLIMIT_AS) in bytes, nil when
  /// there is none.
  static var addressSpace: Double? {
    var limit = rlimit()
    #if canImport(Glibc)
      let got = getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
    #else
      let got = getrlimit(RLIMIT_AS, &limit)
    #endif
    // RLIM_INFINITY is all ones (the C macro does not import as a value).
    guard got == 0, limit.rlim_cur != rlim_t.max else { return nil }
    return Double(limit.rlim_cur)
  }

  /// The limit in bytes: physical memory, or the address-space limit when
  /// smaller.
  static var bytes: Double { min(physical, addressSpace ?? .infinity) }

  /// nil when `estimate` bytes fit, else the reason to give in an error:
  /// "needs about 13.6 GB, more than the 4.1 GB of memory available
  /// (physical memory, or ulimit -v)".
  static func shortfall(_ estimate: Double) -> String? {
    let limit = bytes
    guard estimate > limit else { return nil }
    return message(estimate, limit)
  }

  /// `shortfall` for `estimate` bytes on top of what this process holds
  /// now (the datasets, the runtime): its resident memory against physical
  /// memory, and its mapped address space against `ulimit -v`, which
  /// limits address space, not residence. Address space reserved but never
  /// touched (a sanitizer's shadow, malloc's per-thread arenas, thread
  /// stacks) is no use of physical memory: a ThreadSanitizer build maps
  /// about 100 TB and was refused a 910-synapse network.
  static func shortfall(onTopOfCurrentUse estimate: Double) -> String? {
    let use = inUse
    return shortfall(
      estimate, resident: use.resident, mapped: use.mapped, physical: physical, addressSpace: addressSpace)
  }

  /// The rule of `shortfall(onTopOfCurrentUse:)`, with every figure given.
  /// Where both limits are passed, the smaller is named.
  static func shortfall(
    _ estimate: Double, resident: Double, mapped: Double, physical: Double, addressSpace: Double?
  ) -> String? {
    var passed: [(needs: Double, limit: Double)] = []
    if let limit = addressSpace, estimate + mapped > limit { passed.append((estimate + mapped, limit)) }
    if estimate + resident > physical { passed.append((estimate + resident, physical)) }
    guard let first = passed.min(by: { $0.limit < $1.limit }) else { return nil }
    return message(first.needs, first.limit)
  }

  /// In tenths of a GB, hundredths below 1 GB, and more digits while the
  /// two would read the same (a walkthrough, session 43: "needs about
  /// 0.3 GB, more than the 0.2 GB" under a limit of 0.15 GB, and the same
  /// file solved under 0.29 GB).
  private static func message(_ estimate: Double, _ limit: Double) -> String {
    var digits = max(estimate, limit) < 1e9 ? 2 : 1
    while digits < 6 && gigabytes(estimate, digits) == gigabytes(limit, digits) { digits += 1 }
    return "needs about \(gigabytes(estimate, digits)), more than the \(gigabytes(limit, digits)) of memory available (physical memory, or ulimit -v)"
  }

  static func gigabytes(_ b: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f GB", b / 1e9) }

  /// What this process holds now, from /proc/self/statm (0 where it cannot
  /// be read): `mapped`, its address space (the first field), and
  /// `resident`, the part in physical memory (the second).
  static var inUse: (mapped: Double, resident: Double) {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return (0, 0) }
    let fields = text.split(separator: " ").prefix(2).map { Double($0) ?? 0 }
    guard fields.count == 2 else { return (0, 0) }
    let page = Double(sysconf(Int32(_SC_PAGESIZE)))
    return (fields[0] * page, fields[1] * page)
  }

  /// Bytes the networks of one training run of `cfg` hold: per synapse
  /// (bias rows included) the arrays' device states, conductances and
  /// caches, from the peak resident memory of `train` at two hidden widths,
  /// rounded up to the figures used (measured → used: 48 → 56 bytes for
  /// rule lim, 53 → 56 hybrid, 28 → 32 single, 94 → 104 off-chip with
  /// `transfer states` (two networks), 59 → 64 with `weights`; float SGD
  /// 16, its weights and gradients); with resistive lines, each layer's two
  /// nodal solves.
  static func trainingBytes(_ cfg: TrainingConfiguration) -> Double {
    let perSynapse: Double
    switch (cfg.rule, cfg.mode) {
    case (.float, _): perSynapse = 16
    case (.hybrid, _): perSynapse = 56
    case (.single, _): perSynapse = 32
    case (.lim, .onChip): perSynapse = 56
    case (.lim, .offChip): perSynapse = cfg.transfer == .states ? 104 : 64
    }
    var bytes = 0.0
    for (m, n) in zip(cfg.layers, cfg.layers.dropFirst()) {
      bytes += perSynapse * Double(m + 1) * Double(n)
      if cfg.wires == .resistive { bytes += 2 * solveBytes(rows: m + 1, columns: n) }
    }
    return bytes
  }

  /// Bytes a nodal solve of an M×N mesh holds: the conductances, the
  /// solver's 14 workspace vectors and the solution's 2 node-voltage
  /// fields, M·N doubles each (NodalSolver, MeshSolution), a few vectors
  /// per line, and the two-level preconditioner's `MergedLineSolver` (its
  /// pivots and work field, M·N doubles each, and its basis and transpose,
  /// min(M, N)² each), counted whether or not G·r calls for it.
  static func solveBytes(rows m: Int, columns n: Int) -> Double {
    let short = Double(min(m, n))
    return 152 * Double(m) * Double(n) + 16 * short * short + 64 * Double(m + n)
  }
}
