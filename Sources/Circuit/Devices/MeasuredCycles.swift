import Foundation

/// The cycles of a measured device's file (a `cycle` column): each cycle's
/// branches as measured, their point-by-point mean (the device), and how
/// much a pulse's step varies from cycle to cycle.
///
/// Choi et al. (2021) measured 30 cycles of 50 potentiation pulses and a
/// reset (their Figure 3E) and gave the programming variability as δ/μ,
/// the standard deviation of a pulse's ΔG over its mean; their model adds
/// a Gaussian of that relative size to every step (Figure 6B), as rule
/// lim's `sigma_c2c` and rules hybrid and single's `c2c` do.
/// ``stepVariability(_:steps:)`` measures it about each pulse's own mean
/// step, so that a nonlinear curve's changing step is not counted as
/// variation:
///
/// ```
/// ΔG_c,n = G_c,n+1 − G_c,n,   μ_n = mean over c of ΔG_c,n
/// (δ/μ)² = [Σ_n Σ_c (ΔG_c,n − μ_n)² / (C − 1)] / Σ_n μ_n²
/// ```
///
/// over the cycles c = 1…C and the pulses n = 0…steps−1: the mean
/// unbiased variance of a pulse's step over its mean square. Read noise in
/// the data adds to it (twice its variance per step), so it is an upper
/// bound of the devices' own variation.
public struct MeasuredCycles: Sendable, Equatable {
  /// The cycles' labels, as the file writes them, in file order.
  public let labels: [String]
  /// Each cycle's potentiation branch as measured, in siemens (S), cut to
  /// the shortest cycle's length.
  public let potentiation: [[Double]]
  /// Each cycle's depression branch, in siemens (S), cut likewise; empty
  /// arrays for a unidirectional device.
  public let depression: [[Double]]
  /// The points beyond the shortest cycle's branch, left out (all cycles'
  /// both branches together).
  public let droppedPoints: Int
  /// Each cycle's potentiation points as measured, before the cut.
  public let potentiationPoints: [Int]
  /// Each cycle's depression points as measured, before the cut.
  public let depressionPoints: [Int]
  /// The cycles the file's reader left out as cut short (under half the
  /// median cycle's points of a branch), named with their points; nil
  /// when none was.
  public var leftOut: String? = nil
  /// How many cycles the reader left out as cut short.
  public var leftOutCount = 0

  /// The cycles cut to their shortest branches.
  /// - Precondition: at least one cycle, as many labels as cycles.
  public init(labels: [String], potentiation: [[Double]], depression: [[Double]]) {
    require(!labels.isEmpty && labels.count == potentiation.count && labels.count == depression.count)
    let p = potentiation.map(\.count).min()!, d = depression.map(\.count).min()!
    self.labels = labels
    self.potentiation = potentiation.map { Array($0.prefix(p)) }
    self.depression = depression.map { Array($0.prefix(d)) }
    droppedPoints = potentiation.reduce(0) { $0 + $1.count - p } + depression.reduce(0) { $0 + $1.count - d }
    potentiationPoints = potentiation.map(\.count)
    depressionPoints = depression.map(\.count)
  }

  /// What the cut left out, naming the shortest cycle of each branch cut
  /// (a walkthrough, session 55: one cycle stopped after 10 of 60 pulses
  /// had made a 10-pulse device, under a count alone); nil without a cut.
  public var cut: String? {
    guard droppedPoints > 0 else { return nil }
    var named: [String] = []
    for (points, branch) in [(potentiationPoints, "potentiation"), (depressionPoints, "depression")] {
      let low = points.min()!, high = points.max()!
      guard low < high else { continue }
      let i = points.firstIndex(of: low)!
      named.append("cycle '\(labels[i])' has \(low) \(branch) points and the longest \(high)")
    }
    return "cut to the shortest cycle's branches: \(droppedPoints) point\(droppedPoints == 1 ? "" : "s") left out, as "
      + named.joined(separator: ", and ") + "; a cycle cut short can be left out of the file"
  }

  /// The number of cycles.
  public var count: Int { labels.count }

  /// The potentiation branches' point-by-point mean, in siemens (S): the
  /// sum in file order over the count.
  public var meanPotentiation: [Double] { Self.mean(potentiation) }

  /// The depression branches' point-by-point mean (empty without them).
  public var meanDepression: [Double] { Self.mean(depression) }

  static func mean(_ branches: [[Double]]) -> [Double] {
    let c = Double(branches.count)
    return (0..<branches[0].count).map { n in branches.reduce(0) { $0 + $1[n] } / c }
  }

  /// A read far from the other cycles' at its pulse: the cycle, the
  /// branch (true: potentiation), the pulse, the value and the cycles'
  /// median there, in siemens.
  public struct OutlyingRead: Sendable, Equatable {
    public var label: String
    public var potentiation: Bool
    public var pulse: Int
    public var value: Double
    public var median: Double
  }

  /// The reads more than ``outlyingShare`` of their mean branch's range,
  /// and five robust standard deviations (1.4826 times the median absolute
  /// deviation), from the median of the cycles' reads at their pulse (a
  /// bad read, a stuck cycle, a first fire: one
  /// 30 µS spike in one cycle of 8 had flattened the mean device for 14
  /// pulses and cost method b 29 points, named only as a flat stretch; a
  /// walkthrough, session 55): their number and the farthest, nil for
  /// none or fewer than three cycles.
  public func outlyingReads() -> (count: Int, farthest: OutlyingRead)? {
    guard count >= 3 else { return nil }
    var found = 0
    var farthest: (OutlyingRead, Double)? = nil
    for (branches, up) in [(potentiation, true), (depression, false)] where !branches[0].isEmpty {
      let mean = Self.mean(branches)
      let range = mean.max()! - mean.min()!
      guard range > 0 else { continue }
      for n in 0..<branches[0].count {
        let column = branches.map { $0[n] }.sorted()
        let h = column.count / 2
        let median = column.count % 2 == 1 ? column[h] : (column[h - 1] + column[h]) / 2
        let deviations = column.map { abs($0 - median) }.sorted()
        let mad = deviations.count % 2 == 1 ? deviations[h] : (deviations[h - 1] + deviations[h]) / 2
        for (c, b) in branches.enumerated() {
          let off = abs(b[n] - median)
          // Far in the branch's range and among the cycles' own spread
          // there (5 of its robust standard deviations: a device that
          // varies a lot from cycle to cycle is not a set of bad reads).
          guard off > Self.outlyingShare * range, off > 5 * 1.4826 * mad else { continue }
          found += 1
          if off > farthest?.1 ?? 0 {
            farthest = (OutlyingRead(label: labels[c], potentiation: up, pulse: n, value: b[n], median: median), off)
          }
        }
      }
    }
    return farthest.map { (found, $0.0) }
  }

  /// The share of a mean branch's range beyond which a read is far from
  /// the other cycles' at its pulse.
  public static let outlyingShare = 0.25

  /// Where a branch as measured drops back near its first point after
  /// rising: the first point i within ``dropBackShare`` of the branch's
  /// range above its first point, after points that reached half of it
  /// (cycles pasted one after another without a cycle column: a
  /// walkthrough, session 55, trained one such file as a 152-pulse device
  /// with 93 flat pulses). The pulse i and the conductances at i − 1 and
  /// i; nil for a branch that does not.
  public static func dropBack(_ branch: [Double]) -> (pulse: Int, from: Double, to: Double)? {
    guard branch.count >= 3, let top = branch.max(), top > branch[0] else { return nil }
    let range = top - branch[0]
    var highest = branch[0]
    for i in 1..<branch.count {
      if highest >= branch[0] + 0.5 * range && branch[i] <= branch[0] + dropBackShare * range {
        return (i, branch[i - 1], branch[i])
      }
      highest = max(highest, branch[i])
    }
    return nil
  }

  /// The share of a branch's range above its first point within which a
  /// later point counts as dropped back to it.
  public static let dropBackShare = 0.1

  /// δ/μ of a pulse's step as ``stepVariability(_:steps:)`` gives it, but
  /// from each pulse's median and median absolute deviation (times
  /// 1.4826, the standard deviation's for Gaussian steps): a few outlying
  /// steps (a glitch in one cycle's read) leave it where the others put
  /// it. nil for fewer than ten cycles, where a median says little (a
  /// review, session 55: with five cycles of clean data it had fallen a
  /// quarter below the classic estimate in a fifth of the files).
  ///
  /// ```
  /// m_n = median over c of ΔG_c,n,   s_n = 1.4826 · C/(C − 0.8) · median over c of |ΔG_c,n − m_n|
  /// (δ/μ)² = Σ_n s_n² / Σ_n m_n²
  /// ```
  ///
  /// C/(C − 0.8) is Croux and Rousseeuw's (1992) small-sample correction of
  /// the median absolute deviation.
  public static func robustStepVariability(_ branches: [[Double]], steps: Int) -> Double? {
    let c = branches.count
    guard c >= 10, let points = branches.first?.count else { return nil }
    let n = min(steps, points - 1)
    guard n >= 1 else { return nil }
    func median(_ v: [Double]) -> Double {
      let s = v.sorted(), h = s.count / 2
      return s.count % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2
    }
    var variance = 0.0, square = 0.0
    for k in 0..<n {
      let d = branches.map { $0[k + 1] - $0[k] }
      let m = median(d)
      let s = 1.4826 * Double(c) / (Double(c) - 0.8) * median(d.map { abs($0 - m) })
      variance += s * s
      square += m * m
    }
    guard square > 0 else { return nil }
    return (variance / square).squareRoot()
  }

  /// δ/μ of a pulse's step (type documentation) over the first `steps`
  /// steps of `branches` (at most their points less one); nil for fewer
  /// than two cycles, no step, or steps whose means are all 0.
  public static func stepVariability(_ branches: [[Double]], steps: Int) -> Double? {
    let c = branches.count
    guard c >= 2, let points = branches.first?.count else { return nil }
    let n = min(steps, points - 1)
    guard n >= 1 else { return nil }
    var variance = 0.0, square = 0.0
    for k in 0..<n {
      // About the first cycle's step: identical cycles have deviations of
      // exactly 0 (about their mean, its rounding had left δ/μ 2e-16, and
      // the note offered --c2c 2.12e-16: a walkthrough, session 58).
      let first = branches[0][k + 1] - branches[0][k]
      let shift = branches.reduce(0) { $0 + (($1[k + 1] - $1[k]) - first) } / Double(c)
      variance += branches.reduce(0) { sum, b in
        let e = (b[k + 1] - b[k]) - first - shift
        return sum + e * e
      } / Double(c - 1)
      let mu = first + shift
      square += mu * mu
    }
    guard square > 0 else { return nil }
    return (variance / square).squareRoot()
  }
}
