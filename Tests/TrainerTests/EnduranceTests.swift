import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// `endurance`: every device's identical pulses (re-potentiations and
// method c's depressions included) and resets, counted over a run. The
// counts add up to the run's `pulses` and `resets` on every path that
// issues them, and counting changes nothing the run computes.

private let train = Fixture.dataset(SyntheticImages(count: 240, rows: 4, cols: 4, classes: 4, seed: 21))
private let test = Fixture.dataset(SyntheticImages(count: 60, rows: 4, cols: 4, classes: 4, seed: 22))

/// Writes a measured device (two branches) to a new CSV file.
private func measuredDevice() throws -> String {
  let url = try Scratch.directory("xbarsim-endurance-device").appendingPathComponent("device.csv")
  let up = (0...6).map { "p,\(1e-6 + Double($0) * Double($0) * 2e-7)" }
  let down = (0...6).map { "d,\(1e-6 + Double(6 - $0) * Double(6 - $0) * 2e-7)" }
  try (up + down).joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
  return url.path
}

/// A small configuration whose devices saturate often (few states, every
/// output δ pulses), with `keys` set on it.
private func configuration(_ keys: [(String, String)]) throws -> TrainingConfiguration {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.epochs = 2
  cfg.evaluationsPerEpoch = 2
  cfg.seed = 3
  cfg.nMax = 6
  cfg.outputThreshold = 0
  for (k, v) in keys {
    try cfg.set(k, v == "<device>" ? try measuredDevice() : v)
  }
  if cfg.rule.isFiniteState {
    cfg.states = cfg.measuredDevice.map { $0.curve.count - 1 } ?? 6
    if cfg.rule == .hybrid { cfg.smallStates = cfg.states }
  }
  try cfg.validate()
  return cfg
}

private let cases: [[(String, String)]] = [
  [("method", "a")], [("method", "b")], [("method", "c")],
  [("method", "a"), ("sigma", "0.3")], [("method", "b"), ("sigma", "0.3")], [("method", "c"), ("sigma", "0.3")],
  [("method", "a"), ("batch", "5")], [("method", "b"), ("batch", "5"), ("batch_pulses", "net")],
  [("method", "c"), ("batch", "5"), ("sigma", "0.3")], [("method", "b"), ("batch", "5"), ("sigma", "0.3")],
  [("method", "a"), ("sigma_c2c", "0.2")], [("method", "b"), ("b_margin", "0.5")],
  [("method", "b"), ("half_select", "book")], [("method", "a"), ("half_select", "book"), ("sigma", "0.3")],
  [("method", "c"), ("half_select", "book")], [("method", "b"), ("half_select", "book"), ("batch", "5")],
  [("method", "c"), ("device_csv", "<device>")], [("method", "a"), ("device_csv", "<device>"), ("sigma_c2c", "0.1")],
  [("rule", "single")], [("rule", "single"), ("encoding", "sign")], [("rule", "single"), ("encoding", "deterministic"), ("c2c", "0")],
  [("rule", "single"), ("d2d", "0.5"), ("threads", "2")],
  [("rule", "hybrid"), ("switch_threshold", "99.99")], [("rule", "hybrid"), ("encoding", "sign"), ("switch_threshold", "99.99")],
  [("rule", "hybrid"), ("switch_threshold", "99.99"), ("threads", "2")],
  [("rule", "hybrid"), ("device_csv", "<device>"), ("switch_threshold", "99.99"), ("c2c", "0.2")],
]

@Test(arguments: cases)
func theDevicesCountsAddUpToTheRunsPulsesAndResetsAndChangeNothing(keys: [(String, String)]) throws {
  var cfg = try configuration(keys)
  let plain = try Experiment(configuration: cfg, train: train, test: test).run()
  #expect(plain.endurance == nil)
  cfg.endurance = true
  let counted = try Experiment(configuration: cfg, train: train, test: test).run()
  let e = try #require(counted.endurance)
  // The same run.
  #expect(counted.pulses == plain.pulses && counted.resets == plain.resets)
  #expect(counted.repotentiationPulses == plain.repotentiationPulses)
  #expect(counted.points.map(\.accuracy) == plain.points.map(\.accuracy))
  #expect(counted.points.map(\.loss) == plain.points.map(\.loss))
  #expect(counted.ledger?.energy == plain.ledger?.energy)
  #expect(counted.meanConductance == plain.meanConductance)
  // Every pulse and reset, on its device.
  #expect(e.all.pulses == counted.pulses, "\(keys)")
  #expect(e.all.resets == counted.resets, "\(keys)")
  #expect(e.layers.map(\.pulses).reduce(0, +) == e.all.pulses)
  #expect(e.layers.map(\.resets).reduce(0, +) == e.all.resets)
  #expect(counted.pulses > 0)
  // The cases saturate: resets (a hybrid's refreshes, method b's refills).
  #expect(counted.resets > 0, "\(keys): no reset, a weak case")
  #expect(!e.saturated)
  let kinds = cfg.rule == .hybrid ? 2 : 1
  #expect(e.all.devices == 2 * kinds * (17 * 8 + 9 * 4))
  #expect(e.all.maxPulses.count == e.all.max && e.all.max >= e.all.p99 && e.all.p99 >= e.all.p90 && e.all.p90 >= e.all.p50)
  // Kinds big and small for the hybrid's devices only.
  #expect((e.all.maxPulses.kind != nil) == (cfg.rule == .hybrid))
}

/// The per-device counts of every layer, device by device.
private func counts(_ net: LimNetwork) -> [[UInt32]] {
  net.layers.map { l in
    let c = l.endurance!
    return Array(UnsafeBufferPointer(start: c.pulses, count: 2 * c.cells)) + Array(UnsafeBufferPointer(start: c.resets, count: 2 * c.cells))
  }
}

// Each device's counts are the recorder's events on it: the cell, the
// polarity and the kind (reset or not) of every report land where they
// should, on every kernel (the looked-up training kernels are left for the
// reporting one only when counting).
@Test(arguments: [
  [("method", "a")], [("method", "b")], [("method", "c")], [("method", "b"), ("sigma", "0.3")],
  [("method", "a"), ("batch", "5")], [("method", "b"), ("batch", "5"), ("half_select", "book")],
  [("method", "c"), ("sigma_c2c", "0.2")],
])
func eachLimDeviceCountsTheRecordersEventsOnIt(keys: [(String, String)]) throws {
  var cfg = try configuration(keys)
  cfg.endurance = true
  let net = LimNetwork(configuration: cfg)
  let recorder = PulseRecorder()
  net.recorder = recorder
  let images = SyntheticImages(count: 120, rows: 4, cols: 4, classes: 4, seed: 21)
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<images.count { net.train(px.baseAddress! + s * 16, label: Int(images.labels[s])) }
  }
  net.applyBatch()
  var expected = net.layers.map { [UInt32](repeating: 0, count: 4 * $0.rows * $0.columns) }
  for e in recorder.events {
    let layer = net.layers[e.array], cells = layer.rows * layer.columns
    let device = (e.polarity == .plus ? 0 : cells) + e.row * layer.columns + e.column
    expected[e.array][device + (e.kind == .reset ? 2 * cells : 0)] += UInt32(e.count)
  }
  #expect(counts(net) == expected)
  #expect(recorder.pulses == net.pulses && recorder.resets == net.resets)
  let stats = try #require(net.endurance)
  #expect(stats.all.pulses == net.pulses && stats.all.resets == net.resets)
}

// The hybrid's two column shares count into one array, each its own
// cells: on two threads the counts are one thread's, device by device.
@Test(arguments: [LearningRule.hybrid, .single])
func twoThreadsCountAsOne(rule: LearningRule) throws {
  func run(_ threads: String) throws -> [[UInt32]] {
    var cfg = try configuration([("rule", rule.rawValue), ("threads", threads), ("switch_threshold", "99.99")])
    cfg.endurance = true
    cfg.layers = [16, 16, 16]
    let e = try Experiment(configuration: cfg, train: train, test: test)
    var layers: [[UInt32]] = []
    _ = try e.run(finished: { net, _ in
      guard case .hybrid(let h) = net else { return }
      layers = h.layers.map { l in
        let c = l.endurance!
        return Array(UnsafeBufferPointer(start: c.pulses, count: c.arrays * c.cells))
          + Array(UnsafeBufferPointer(start: c.resets, count: c.arrays * c.cells))
      }
    })
    return layers
  }
  let one = try run("1"), two = try run("2")
  #expect(!one.isEmpty && one == two)
  // Both column shares (columns 0..<8 and 8..<16) pulsed.
  let first = one[0], cells = 17 * 16
  let pulsedColumns = (0..<(first.count / 2)).filter { first[$0] > 0 }.map { ($0 % cells) % 16 }
  #expect(pulsedColumns.contains { $0 < 8 } && pulsedColumns.contains { $0 >= 8 })
}

// The statistics: the first device with the most pulses (by layer, kind,
// polarity, row, column), nearest-rank quantiles, means, and a hybrid's
// kinds.
@Test func theStatisticsNameTheMostWornDeviceAndTheQuantiles() {
  let a = DeviceCounts(arrays: 4, rows: 2, columns: 3)  // 24 devices
  let b = DeviceCounts(arrays: 4, rows: 1, columns: 2)  // 8 devices
  // Layer 0: device d·6 + x gets its index in pulses; small g− (d 3) at
  // row 1, column 2 the most (23); a tie at 23 later loses.
  for i in 0..<24 { a.pulses[i] = UInt32(i) }
  a.resets[7] = 4  // big G−, row 0, column 1
  b.pulses[1] = 23  // tie with layer 0's maximum: layer 0 comes first
  b.resets[6] = 9  // small g−, row 0, column 0
  let s = EnduranceStatistics([a, b], kinds: 2)
  #expect(s.all.devices == 32 && s.all.pulses == 276 + 23 && s.all.resets == 13)
  #expect(s.all.maxPulses == .init(layer: 0, row: 1, column: 2, polarity: "minus", kind: "small", count: 23))
  #expect(s.all.maxResets == .init(layer: 1, row: 0, column: 0, polarity: "minus", kind: "small", count: 9))
  #expect(s.layers[0].maxResets == .init(layer: 0, row: 0, column: 1, polarity: "minus", kind: "big", count: 4))
  #expect(s.layers[1].maxPulses.layer == 1 && s.layers[1].maxPulses.count == 23)
  // Layer 0's sorted pulses are 0…23: p50 the 12th (11), p90 the 22nd
  // (21), p99 the 24th (23).
  let quantiles: [Int] = [s.layers[0].p50, s.layers[0].p90, s.layers[0].p99, s.layers[0].max]
  #expect(quantiles == [11, 21, 23, 23])
  #expect(s.layers[0].meanPulses == 276.0 / 24 && s.layers[1].meanResets == 9.0 / 8)
  #expect(!s.saturated)
  // Rule lim and single: no kind; counts stop at UInt32.max.
  let c = DeviceCounts(arrays: 2, rows: 1, columns: 1)
  DeviceCounts.add(c.pulses, 1, Int(UInt32.max) - 1)
  DeviceCounts.add(c.pulses, 1, 5)
  let t = EnduranceStatistics([c], kinds: 1)
  #expect(t.all.maxPulses == .init(layer: 0, row: 0, column: 0, polarity: "minus", kind: nil, count: Int(UInt32.max)))
  #expect(t.saturated)
  #expect(t.summaryLine.contains("layer 0 row 0 column 0 minus"))
  // No reset: no device named for it (session 52: "most reset layer 0 row
  // 0 column 0 … (0 resets"); a small mean in three digits, not 0.
  #expect(t.summaryLine.hasSuffix("no device reset (some counts saturated at 4294967295)"), "\(t.summaryLine)")
  let d = DeviceCounts(arrays: 2, rows: 1_000, columns: 10)
  DeviceCounts.add(d.resets, 3, 22)
  DeviceCounts.add(d.pulses, 5, 7)
  let u = EnduranceStatistics([d], kinds: 1)
  #expect(u.summaryLine.contains("(22 resets; mean 0.0011)"), "\(u.summaryLine)")
  #expect(EnduranceStatistics([DeviceCounts(arrays: 2, rows: 1, columns: 1)], kinds: 1).summaryLine == "endurance: no device pulsed, no device reset")
}

@Test func enduranceIsABooleanKeyThatFloatAndOffChipLearningIgnore() throws {
  var cfg = TrainingConfiguration()
  #expect(!cfg.endurance && !cfg.keyValues.contains { $0.0 == "endurance" })
  try cfg.set("endurance", "true")
  #expect(cfg.endurance && cfg.keyValues.contains { $0 == ("endurance", "true") })
  #expect(cfg.ignoredKeys.isEmpty)
  let error = #expect(throws: ConfigurationError.self) { try cfg.set("endurance", "yes") }
  #expect(error?.field == "endurance")
  for rule in ["hybrid", "single"] {
    var c = cfg
    try c.set("rule", rule)
    #expect(!c.ignoredKeys.contains { $0.key == "endurance" })
  }
  var float = cfg
  try float.set("rule", "float")
  #expect(float.ignoredKeys.contains { $0.key == "endurance" })
  var offChip = cfg
  try offChip.set("learning", "off-chip")
  #expect(offChip.ignoredKeys.contains { $0.key == "endurance" })
}

// A mutation audit (session 54): nearest-rank quantiles round q·n up (8
// devices counting 0…7: p90 is the ⌈7.2⌉ = 8th smallest, 7; rounding to
// the nearest gave 6, which 24 devices could not tell), and resets at
// UInt32.max saturate as pulses do.
@Test func nearestRankRoundsUpAndSaturatedResetsAreSaid() {
  let a = DeviceCounts(arrays: 2, rows: 2, columns: 2)  // 8 devices
  for i in 0..<8 { a.pulses[i] = UInt32(i) }
  let s = EnduranceStatistics([a], kinds: 1)
  // p50: ⌈4⌉ = 4th (3); p90: ⌈7.2⌉ = 8th (7); p99: ⌈7.92⌉ = 8th (7).
  let quantiles: [Int] = [s.all.p50, s.all.p90, s.all.p99]
  #expect(quantiles == [3, 7, 7])
  let c = DeviceCounts(arrays: 2, rows: 1, columns: 1)
  DeviceCounts.add(c.resets, 0, Int(UInt32.max))
  let t = EnduranceStatistics([c], kinds: 1)
  #expect(t.saturated)
  #expect(t.summaryLine.contains("saturated at 4294967295"), "\(t.summaryLine)")
}
