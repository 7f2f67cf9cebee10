/// A device defined by measured conductance-versus-pulse data: a lookup
/// table with interpolation.
///
/// The data are two branches in pulse order: the conductances read after
/// 0, 1, 2, … identical potentiation pulses, and (optionally) after 0, 1, 2,
/// … identical depression pulses. A pulse moves the device one step along
/// its branch:
///
/// 1. Noisy data are made monotone by an envelope: the running maximum of
///    the potentiation branch and the running minimum of the depression
///    branch. The envelope defines conductance as a non-decreasing
///    (non-increasing) function of the pulse index.
/// 2. The present conductance g is inverted by piecewise-linear
///    interpolation to a fractional pulse index u. Where the envelope is
///    flat (a plateau of equal values) g maps to the *last* index of the
///    plateau, so a pulse never leaves the device stuck.
/// 3. The index is advanced by one pulse, u + 1, and mapped back to a
///    conductance by the same interpolation.
///
/// For data that increase strictly, a device started at the first point
/// reproduces the measured branch pulse by pulse. Below the start of a
/// branch (e.g. potentiating from a conductance the depression branch
/// reached but potentiation never measured) a pulse adds the branch's
/// first non-zero step; at or past its end a pulse leaves the conductance
/// unchanged.
/// Results are clamped to [``minimumConductance``, ``maximumConductance``],
/// the extremes of the data.
///
/// An empty depression branch makes the device unidirectional: depression
/// pulses leave it unchanged and a reset returns it to the first point of
/// the potentiation branch (``resetConductance``).
///
/// CSV format (``init(csv:source:)``, ``load(csv:)``): one record per line,
/// `branch,conductance`, in pulse order, where `branch` is `p` or
/// `potentiation`, `d` or `depression` (any case) and `conductance` is in
/// siemens (S), finite and ≥ 0. The file is one cycle: a block of `p`
/// rows and a block of `d` rows (either first), each in pulse order; a
/// branch that starts again after the other (a second cycle) is an error.
/// Several cycles go in a file whose header names a cycle column first
/// (`cycle,branch,conductance`): the device is then their mean
/// (``read(csv:source:)``, ``MeasuredCycles``).
/// An optional header line (a first record of two fields whose branch is
/// not one of those names and whose second field is not a number, e.g.
/// `branch,conductance`) is skipped, as are blank lines and lines starting
/// with `#`; a header's second field may name the conductances' unit, in
/// brackets or as its last word (`conductance (uS)`, `G [nS]`,
/// `conductance_mS`: S, mS, uS or µS, nS, pS). Lines end in LF, CRLF or CR;
/// fields may be padded with spaces or quoted. Example:
///
/// ```
/// branch,conductance
/// p,1.00e-6
/// p,1.52e-6
/// p,1.98e-6
/// d,1.98e-6
/// d,1.41e-6
/// d,1.00e-6
/// ```
public struct MeasuredDevice: DeviceModel {
  /// The potentiation branch as given, in siemens (S), pulse 0 first.
  public let potentiation: [Double]
  /// The depression branch as given, in siemens (S), pulse 0 first; empty
  /// for a unidirectional device.
  public let depression: [Double]

  // The monotone envelopes, both stored non-decreasing: the running maximum
  // of the potentiation branch, and the *negated* running minimum of the
  // depression branch, so one stepping kernel serves both.
  @usableFromInline let _up: [Double]
  @usableFromInline let _downNegated: [Double]
  // Where to start looking for g in each table (`_Guide`).
  @usableFromInline let _upGuide: _Guide
  @usableFromInline let _downGuide: _Guide

  public let minimumConductance: Double
  public let maximumConductance: Double
  /// The first point of the potentiation branch, in siemens (S): where a
  /// reset leaves the device.
  public let resetConductance: Double

  /// The potentiation branch made monotone (its running maximum), in
  /// siemens (S), pulse 0 first: the conductance after n pulses from the
  /// first point.
  public var potentiationEnvelope: [Double] { _up }

  /// The depression branch made monotone (its running minimum), in
  /// siemens (S), pulse 0 first; empty for a unidirectional device.
  public var depressionEnvelope: [Double] { _downNegated.map { -$0 } }

  /// Whether the data have a depression branch.
  public var isBidirectional: Bool { !_downNegated.isEmpty }

  /// Creates a device from its two measured branches.
  ///
  /// - Parameters:
  ///   - potentiation: Conductances in siemens (S) after 0, 1, 2, …
  ///     potentiation pulses; at least 2 points.
  ///   - depression: Conductances in siemens (S) after 0, 1, 2, …
  ///     depression pulses; empty (unidirectional) or at least 2 points.
  /// - Throws: ``ConfigurationError`` naming the branch and index of a
  ///   negative or non-finite value, or the branch when it has too few
  ///   points or never leaves its first point (potentiation never rises
  ///   above it, depression never falls below it).
  public init(potentiation: [Double], depression: [Double] = []) throws {
    try self.init(potentiation: potentiation, depression: depression, withinPotentiation: false)
  }

  /// Creates a device from its two measured branches whose conductance
  /// stays within the potentiation branch's range, from its first point
  /// to its maximum, as training keeps its devices (Lim's method c:
  /// depression stops at G_min, the first `p` point, even where the
  /// depression data go lower), when `withinPotentiation` is true;
  /// otherwise within the extremes of both branches.
  ///
  /// - Throws: as ``init(potentiation:depression:)``.
  public init(potentiation: [Double], depression: [Double], withinPotentiation: Bool) throws {
    try Self._check(potentiation, name: "potentiation", allowEmpty: false)
    try Self._check(depression, name: "depression", allowEmpty: true)
    self.potentiation = potentiation
    self.depression = depression
    var up = potentiation
    for i in up.indices.dropFirst() { up[i] = max(up[i], up[i - 1]) }
    var down = depression.map { -$0 }
    for i in down.indices.dropFirst() { down[i] = max(down[i], down[i - 1]) }
    _up = up
    _downNegated = down
    _upGuide = _Guide(up)
    _downGuide = _Guide(down)
    var lo = up[0]
    var hi = up[up.count - 1]
    if !withinPotentiation, let first = down.first, let last = down.last {
      lo = min(lo, -last)
      hi = max(hi, -first)
    }
    minimumConductance = lo
    maximumConductance = hi
    resetConductance = up[0]
  }

  /// The conductance after one potentiation pulse, in siemens (S).
  @inlinable
  public func potentiated(_ g: Double) -> Double {
    let next = Self._advance(g, along: _up, guide: _upGuide)
    return min(max(next, minimumConductance), maximumConductance)
  }

  /// The conductance after one depression pulse, in siemens (S); a
  /// unidirectional device (no depression data) returns `g` unchanged.
  @inlinable
  public func depressed(_ g: Double) -> Double {
    guard !_downNegated.isEmpty else { return g }
    let next = -Self._advance(-g, along: _downNegated, guide: _downGuide)
    return min(max(next, minimumConductance), maximumConductance)
  }

  /// The step one pulse takes from `g` along the data before the bounds:
  /// past the last point the last step goes on (nil: no depression data).
  /// Cycle-to-cycle noise scales it; the clamped step near the end is only
  /// what is left to the last point (a walkthrough, session 43).
  public func unclampedStep(from g: Double, potentiation: Bool) -> Double? {
    guard potentiation || !_downNegated.isEmpty else { return nil }
    return unclampedNext(g, potentiation: potentiation) - g
  }

  /// One pulse's result from `g` before the bounds: `potentiated` or
  /// `depressed` where they are not clamped, to the bit; past the data's
  /// end its last step goes on (a unidirectional device's depression: g).
  public func unclampedNext(_ g: Double, potentiation: Bool) -> Double {
    if potentiation { return Self._advance(g, along: _up, guide: _upGuide, extrapolate: true) }
    guard !_downNegated.isEmpty else { return g }
    return -Self._advance(-g, along: _downNegated, guide: _downGuide, extrapolate: true)
  }

  /// Checks the data again (the initialiser already has).
  ///
  /// - Throws: ``ConfigurationError`` naming the branch and index.
  public func validate() throws {
    try Self._check(potentiation, name: "potentiation", allowEmpty: false)
    try Self._check(depression, name: "depression", allowEmpty: true)
  }

  static func _check(_ values: [Double], name: String, allowEmpty: Bool) throws {
    if values.isEmpty && allowEmpty { return }
    guard values.count >= 2 else {
      throw ConfigurationError(
        field: name,
        "\(name) branch has \(values.count) point\(values.count == 1 ? "" : "s"); "
          + "at least 2 are needed")
    }
    for (i, v) in values.enumerated() where !(v.isFinite && v >= 0) {
      throw ConfigurationError(
        field: "\(name)[\(i)]",
        "conductance \(v) S must be finite and non-negative")
    }
    // As the CSV reader refuses: a branch that never moves from its first
    // point is a device no pulse changes (potentiation from G_max, or a
    // range of 0 S).
    let rising = name == "potentiation"
    if rising ? values.max()! <= values[0] : values.min()! >= values[0] {
      throw ConfigurationError(
        field: name,
        "\(name) branch never \(rising ? "rises above" : "falls below") its first point "
          + "(\(values[0]) S): a device that no pulse changes")
    }
  }

  // One pulse along a non-decreasing table `t` (count ≥ 2): invert g to the
  // fractional index u (last index of a plateau), step to u + 1, interpolate.
  // O(1) for tables whose points are not crowded far beyond their mean
  // spacing (`_Guide`), O(log n) at worst; no allocation.
  @inlinable
  static func _advance(_ g: Double, along t: [Double], guide: _Guide, extrapolate: Bool = false) -> Double {
    t.withUnsafeBufferPointer { t in
      let last = t.count - 1
      // Below the table: the first step that moves (a plateau at the start
      // of noisy data would leave the device stuck).
      if g < t[0] { return g + guide.firstStep }
      // The last i with t[i] <= g; t[0] <= g holds here, and the indices
      // with t[i] <= g are a prefix of the table, so the answer lies in
      // lo...hi while t[lo] <= g. The guide's start is that i or a few
      // points before it; a start past it (rounding), or points crowded
      // into one bucket, are left to a binary search. (A NaN g ends at the
      // start, below last, and gives t[last] below.)
      var lo = guide.start(g)
      var hi = last
      if t[lo] > g {
        hi = lo - 1
        lo = 0
      } else {
        var steps = 0
        while lo < hi && steps < 8 && t[lo + 1] <= g {
          lo += 1
          steps += 1
        }
        if lo < hi && t[lo + 1] > g { hi = lo }
      }
      while lo < hi {
        let mid = (lo + hi + 1) >> 1
        if t[mid] <= g { lo = mid } else { hi = mid - 1 }
      }
      let i = lo
      // Past the last point, `extrapolate` goes on with the last step (the
      // envelope's last point is its first maximum, so that step is > 0):
      // the step cycle-to-cycle noise scales near the end.
      let lastStep = last > 0 ? t[last] - t[last - 1] : 0
      if i >= last { return extrapolate ? g + lastStep : g }  // at or past the end: saturated
      // t[i] <= g < t[i + 1], so the denominator is positive.
      let u = Double(i) + (g - t[i]) / (t[i + 1] - t[i])
      let v = u + 1
      // (`!(v < last)` also catches a NaN g, which must not reach Int(v).)
      if !(v < Double(last)) { return extrapolate && !v.isNaN ? t[last] + (v - Double(last)) * lastStep : t[last] }
      let j = Int(v)
      return t[j] + (v - Double(j)) * (t[j + 1] - t[j])
    }
  }
}

/// Where a search of a non-decreasing table t starts: the range t[0] …
/// t[last] cut into 4·count equal buckets, and for each the last index i
/// with t[i] at or below the bucket's lower end. A g in bucket b then
/// lies at or after that i, most often within a step or two of it.
@usableFromInline struct _Guide: Sendable {
  @usableFromInline let first: [Int32]
  @usableFromInline let origin: Double
  @usableFromInline let scale: Double
  /// The table's first step that is not 0 (0 for a flat table).
  @usableFromInline let firstStep: Double

  init(_ t: [Double]) {
    firstStep = zip(t, t.dropFirst()).first(where: { $1 > $0 }).map { $1 - $0 } ?? 0
    guard t.count >= 2, t[t.count - 1] > t[0] else {
      first = [0]
      origin = 0
      scale = 0
      return
    }
    let buckets = 4 * t.count
    let width = (t[t.count - 1] - t[0]) / Double(buckets)
    var first = [Int32](repeating: 0, count: buckets)
    var i = 0
    for b in 0..<buckets {
      let lower = t[0] + Double(b) * width
      while i + 1 < t.count && t[i + 1] <= lower { i += 1 }
      first[b] = Int32(i)
    }
    self.first = first
    origin = t[0]
    scale = 1 / width
  }

  /// A start for the search of g (any start is correct; this one is near).
  @inlinable @inline(__always)
  func start(_ g: Double) -> Int {
    let x = (g - origin) * scale
    // x in [0, buckets) picks its bucket; above, the last; below or NaN, the first.
    let b = x >= 0 ? (x < Double(first.count) ? Int(x) : first.count - 1) : 0
    return Int(first[b])
  }
}
