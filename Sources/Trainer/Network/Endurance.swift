import Foundation
import Circuit
import Peripherals

/// One layer's count of the identical pulses and the resets each of its
/// devices received (`endurance`): device d·cells + x, d = 2·kind +
/// polarity (kind 0: rule lim's pair or the hybrid's big pair G±, 1: the
/// hybrid's small pair g±; polarity 0: plus, 1: minus), x = row·columns +
/// column, the bias row last. Allocated once, with the network; counts
/// saturate at UInt32.max (`EnduranceStatistics.saturated`).
final class DeviceCounts: @unchecked Sendable {
  let arrays: Int, rows: Int, columns: Int, cells: Int
  let pulses: UnsafeMutablePointer<UInt32>
  let resets: UnsafeMutablePointer<UInt32>

  init(arrays: Int, rows: Int, columns: Int) {
    self.arrays = arrays
    self.rows = rows
    self.columns = columns
    cells = rows * columns
    pulses = .allocate(capacity: arrays * cells)
    resets = .allocate(capacity: arrays * cells)
    pulses.initialize(repeating: 0, count: arrays * cells)
    resets.initialize(repeating: 0, count: arrays * cells)
  }

  deinit {
    pulses.deallocate()
    resets.deallocate()
  }

  /// Adds n ≥ 0 to `counts[i]`, saturating.
  @inline(__always)
  static func add(_ counts: UnsafeMutablePointer<UInt32>, _ i: Int, _ n: Int) {
    let v = UInt64(counts[i]) &+ UInt64(truncatingIfNeeded: n)
    counts[i] = v > UInt64(UInt32.max) ? .max : UInt32(truncatingIfNeeded: v)
  }

  /// Rule lim's sink into these counts (its pair is array 0 and 1).
  var sink: CountingSink { CountingSink(pulses: pulses, resets: resets, cells: cells) }
}

/// Reports into a layer's `DeviceCounts` (rule lim: G+ is device k, G−
/// device cells + k).
struct CountingSink: PulseSink {
  let pulses: UnsafeMutablePointer<UInt32>
  let resets: UnsafeMutablePointer<UInt32>
  let cells: Int

  @inline(__always)
  func issue(_ kind: PulseKind, _ polarity: Polarity, cell k: Int, count: Int) {
    let i = polarity == .plus ? k : cells &+ k
    if kind == .reset { DeviceCounts.add(resets, i, count) } else { DeviceCounts.add(pulses, i, count) }
  }
}

/// A recorder's and an endurance count's reports, either or both (the
/// kernel that reports runs when one is attached).
struct ReportSink: PulseSink {
  let recording: RecordingSink?
  let counting: CountingSink?

  @inline(__always)
  func issue(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int) {
    recording?.issue(kind, polarity, cell: cell, count: count)
    counting?.issue(kind, polarity, cell: cell, count: count)
  }

  /// To the recorder only: a device's wear counts what reached it.
  @inline(__always)
  func heldBack(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int) {
    recording?.heldBack(kind, polarity, cell: cell, count: count)
  }
}

/// The per-device wear of a run (`endurance`): per layer and over all
/// layers, the most pulsed and the most reset device, the mean pulses and
/// resets per device, and quantiles of the pulses per device. Identical
/// pulses include re-potentiations (and method c's depressions); the
/// totals are the run's `pulses` and `resets`.
public struct EnduranceStatistics: Sendable, Equatable {
  /// One device and its count.
  public struct Device: Sendable, Equatable {
    /// Layer (0: the first array), row (the last: bias), column.
    public var layer: Int, row: Int, column: Int
    /// "plus" or "minus".
    public var polarity: String
    /// "big" or "small" for rule hybrid's devices; nil for rules lim and single.
    public var kind: String?
    public var count: Int
  }

  /// One layer's devices, or every layer's (`layer` nil).
  public struct Group: Sendable, Equatable {
    public var layer: Int?
    public var devices: Int
    /// Σ over the devices.
    public var pulses: Int, resets: Int
    /// The first device (by layer, kind, polarity, row, column) with the
    /// most pulses, and with the most resets.
    public var maxPulses: Device, maxResets: Device
    public var meanPulses: Double, meanResets: Double
    /// Pulses per device at the 50th, 90th and 99th percentiles (nearest
    /// rank: the ⌈q·n⌉-th smallest count) and the maximum.
    public var p50: Int, p90: Int, p99: Int, max: Int
    /// Of `devices`, `pulses` and `resets`: the stuck devices (open or
    /// shorted: `stuck_off`, `stuck_on`, `stuck_map`, or rule lim's dead
    /// scale draws) and what their controller sent them, which moved no
    /// conductance (since session 77).
    public var stuckDevices: Int = 0, stuckPulses: Int = 0, stuckResets: Int = 0
    /// Of `devices`, `pulses` and `resets`: the working devices whose
    /// pair's other device (G+ for G−, g+ for g−, and back) is stuck, and
    /// what they received: the pair's refreshes land on them.
    public var partnerDevices: Int = 0, partnerPulses: Int = 0, partnerResets: Int = 0
  }

  public var layers: [Group]
  public var all: Group
  /// A device reached UInt32.max pulses or resets, where its count stops.
  public var saturated: Bool

  /// The statistics of `counts` (one per layer); `kinds` 2 names the
  /// devices big and small. `stuck[l]`, when given, tells whether layer
  /// l's device i (in `DeviceCounts`' order) is stuck; nil: none is.
  init(_ counts: [DeviceCounts], kinds: Int, stuck: [((Int) -> Bool)?] = []) {
    func device(_ l: Int, _ c: DeviceCounts, _ i: Int, _ n: UInt32) -> Device {
      let d = i / c.cells, x = i % c.cells
      return Device(
        layer: l, row: x / c.columns, column: x % c.columns, polarity: d & 1 == 0 ? "plus" : "minus",
        kind: kinds == 2 ? (d >> 1 == 0 ? "big" : "small") : nil, count: Int(n))
    }
    var saturated = false
    func group(_ layer: Int?, _ members: [(Int, DeviceCounts)]) -> Group {
      var pulses = 0, resets = 0, devices = 0
      var stuckDevices = 0, stuckPulses = 0, stuckResets = 0
      var partnerDevices = 0, partnerPulses = 0, partnerResets = 0
      var maxP: (UInt32, Int, Int) = (0, members[0].0, 0), maxR: (UInt32, Int, Int) = (0, members[0].0, 0)
      var all: [UInt32] = []
      all.reserveCapacity(members.reduce(0) { $0 + $1.1.arrays * $1.1.cells })
      for (l, c) in members {
        let n = c.arrays * c.cells
        devices += n
        for i in 0..<n {
          let p = c.pulses[i], r = c.resets[i]
          pulses += Int(p)
          resets += Int(r)
          if p > maxP.0 { maxP = (p, l, i) }
          if r > maxR.0 { maxR = (r, l, i) }
          if p == .max || r == .max { saturated = true }
        }
        if l < stuck.count, let isStuck = stuck[l] {
          for i in 0..<n {
            // Device d·cells + x pairs with device (d ^ 1)·cells + x.
            let partner = ((i / c.cells) ^ 1) * c.cells + i % c.cells
            if isStuck(i) {
              stuckDevices += 1
              stuckPulses += Int(c.pulses[i])
              stuckResets += Int(c.resets[i])
            } else if isStuck(partner) {
              partnerDevices += 1
              partnerPulses += Int(c.pulses[i])
              partnerResets += Int(c.resets[i])
            }
          }
        }
        all.append(contentsOf: UnsafeBufferPointer(start: c.pulses, count: n))
      }
      all.sort()
      func rank(_ q: Double) -> Int {
        Int(all[Swift.max(0, Int((q * Double(all.count)).rounded(.up)) - 1)])
      }
      let byLayer = Dictionary(uniqueKeysWithValues: members.map { ($0.0, $0.1) })
      return Group(
        layer: layer, devices: devices, pulses: pulses, resets: resets,
        maxPulses: device(maxP.1, byLayer[maxP.1]!, maxP.2, maxP.0),
        maxResets: device(maxR.1, byLayer[maxR.1]!, maxR.2, maxR.0),
        meanPulses: Double(pulses) / Double(devices), meanResets: Double(resets) / Double(devices),
        p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: Int(all.last ?? 0),
        stuckDevices: stuckDevices, stuckPulses: stuckPulses, stuckResets: stuckResets,
        partnerDevices: partnerDevices, partnerPulses: partnerPulses, partnerResets: partnerResets)
    }
    layers = counts.enumerated().map { group($0.offset, [($0.offset, $0.element)]) }
    all = group(nil, Array(counts.enumerated().map { ($0.offset, $0.element) }))
    self.saturated = saturated
  }

  /// One line: the most pulsed and most reset device of the run, the mean
  /// and the 99th percentile.
  public var summaryLine: String {
    func name(_ d: Device) -> String {
      "layer \(d.layer) row \(d.row) column \(d.column) \(d.kind.map { $0 + " " } ?? "")\(d.polarity)"
    }
    let a = all
    // (No device reset, or none pulsed: no device named for a count of 0,
    // whose "most" would be the first device: a review, session 52.)
    let pulsed = a.maxPulses.count == 0
      ? "no device pulsed"
      : "most pulsed device \(name(a.maxPulses)) (\(a.maxPulses.count) pulses; mean \(Self.shown(a.meanPulses)), p99 \(a.p99) per device)"
    let reset = a.maxResets.count == 0
      ? "no device reset"
      : "most reset \(name(a.maxResets)) (\(a.maxResets.count) resets; mean \(Self.shown(a.meanResets)))"
    // (Stuck devices: what their controller sent them, which moved no
    // conductance; since session 77.)
    let stuck = a.stuckDevices == 0
      ? ""
      : "; the \(a.stuckDevices) stuck devices received \(a.stuckPulses) pulses and \(a.stuckResets) resets, the \(a.partnerDevices) working partners of stuck devices \(a.partnerPulses) pulses and \(a.partnerResets) resets"
    return "endurance: \(pulsed), \(reset)\(stuck)" + (saturated ? " (some counts saturated at 4294967295)" : "")
  }

  static func shown(_ x: Double) -> String {
    // A mean below 0.005 in three digits, not as 0 (22 resets over
    // 160,000 devices had read "mean 0": a review, session 52).
    if x > 0 && x < 0.005 { return String(format: "%.3g", x) }
    let r = (x * 100).rounded() / 100
    return r == r.rounded() ? String(Int(r)) : "\(r)"
  }
}

/// One layer's per-device counts as plain lists (a checkpoint's), in the
/// order of `DeviceCounts`: device d·cells + x.
public struct EnduranceCounts: Sendable, Equatable {
  public var pulses: [UInt32]
  public var resets: [UInt32]

  public init(pulses: [UInt32], resets: [UInt32]) {
    self.pulses = pulses
    self.resets = resets
  }
}

extension DeviceCounts {
  var lists: EnduranceCounts {
    EnduranceCounts(
      pulses: Array(UnsafeBufferPointer(start: pulses, count: arrays * cells)),
      resets: Array(UnsafeBufferPointer(start: resets, count: arrays * cells)))
  }

  /// Sets the counts from `saved`, which must be of this layer's size.
  func restore(_ saved: EnduranceCounts, layer l: Int) throws {
    let n = arrays * cells
    guard saved.pulses.count == n, saved.resets.count == n else {
      throw ConfigurationError(
        field: "endurance",
        "layer \(l) holds \(saved.pulses.count) pulse and \(saved.resets.count) reset counts; its \(arrays) arrays of \(rows)×\(columns) devices need \(n) each")
    }
    saved.pulses.withUnsafeBufferPointer { pulses.update(from: $0.baseAddress!, count: n) }
    saved.resets.withUnsafeBufferPointer { resets.update(from: $0.baseAddress!, count: n) }
  }
}

/// The counts of a network's layers (`endurance`), as a checkpoint keeps
/// them: nil unless every layer counts.
func enduranceLists(_ counts: [DeviceCounts?]) -> [EnduranceCounts]? {
  let all = counts.compactMap { $0 }
  guard all.count == counts.count, !all.isEmpty else { return nil }
  return all.map(\.lists)
}

/// A network's wear (`endurance`): nil unless every layer counts.
func enduranceStatistics(
  _ counts: [DeviceCounts?], kinds: Int, stuck: [((Int) -> Bool)?] = []
) -> EnduranceStatistics? {
  let all = counts.compactMap { $0 }
  guard all.count == counts.count, !all.isEmpty else { return nil }
  return EnduranceStatistics(all, kinds: kinds, stuck: stuck)
}

/// Sets a network's layer counts from a checkpoint's.
func restoreEndurance(_ counts: [DeviceCounts?], from saved: [EnduranceCounts]) throws {
  let all = counts.compactMap { $0 }
  guard all.count == counts.count, saved.count == counts.count else {
    throw ConfigurationError(field: "endurance", "\(saved.count) layers of counts for a network of \(counts.count) arrays")
  }
  for (l, c) in all.enumerated() { try c.restore(saved[l], layer: l) }
}

extension LimNetwork {
  /// Every layer's per-device counts (`endurance`; nil without), for a
  /// checkpoint.
  public var enduranceCounts: [EnduranceCounts]? { enduranceLists(layers.map(\.endurance)) }

  /// Sets every layer's counts from a checkpoint's (the network counts).
  public func restoreEnduranceCounts(_ saved: [EnduranceCounts]) throws {
    try restoreEndurance(layers.map(\.endurance), from: saved)
  }
}

extension HybridNetwork {
  /// Every layer's per-device counts (`endurance`; nil without), for a
  /// checkpoint: 4 arrays a layer for rule hybrid, 2 for single.
  public var enduranceCounts: [EnduranceCounts]? { enduranceLists(layers.map(\.endurance)) }

  /// Sets every layer's counts from a checkpoint's (the network counts).
  public func restoreEnduranceCounts(_ saved: [EnduranceCounts]) throws {
    try restoreEndurance(layers.map(\.endurance), from: saved)
  }
}
