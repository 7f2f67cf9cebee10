import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Rule lim with a measured device (`device_csv`): the file's potentiation
// branch, made monotone and normalised, replaces Lim's curve G(n).

/// Writes `lines` to a new CSV file and returns its path.
private func csvFile(_ lines: [String]) throws -> String {
  let url = try Scratch.directory("xbarsim-device").appendingPathComponent("device.csv")
  try lines.joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
  return url.path
}

@Test func aMeasuredBranchSetsTheCurveAndTheRangeFromItsPoints() throws {
  // Noisy data (a dip at pulse 3), a header, a comment and a depression
  // branch, which methods a and b do not use.
  let path = try csvFile([
    "branch,conductance", "# a test device", "p,2e-6", "p,3e-6", "p,5e-6", "p,4.5e-6", "p,8e-6", "d,8e-6", "d,2e-6",
  ])
  var cfg = TrainingConfiguration()
  try cfg.set("device_csv", path)
  let envelope = [2e-6, 3e-6, 5e-6, 5e-6, 8e-6]
  #expect(cfg.measuredCurve == envelope.map { $0 / 8e-6 })
  #expect(cfg.nMax == 4 && cfg.gMinRatio == 2e-6 / 8e-6 && cfg.gMaxSiemens == 8e-6)
  #expect(cfg.deviceCSV == URL(fileURLWithPath: path).resolvingSymlinksInPath().path)
  try cfg.validate()
  // The arrays hold the measured curve, in G_max units.
  let net = LimNetwork(configuration: { var c = cfg; c.layers = [4, 3, 2]; return c }())
  #expect(net.layers.allSatisfy { $0.table == envelope.map { $0 / 8e-6 } })
  // A summary's keys set it again, to the same configuration; "" removes it.
  var again = TrainingConfiguration()
  for (k, v) in cfg.keyValues { try again.set(k, v) }
  #expect(again.deviceCSV == cfg.deviceCSV && again.measuredCurve == cfg.measuredCurve)
  #expect(again.nMax == cfg.nMax && again.gMinRatio == cfg.gMinRatio && again.gMaxSiemens == cfg.gMaxSiemens)
  try again.validate()
  try again.set("device_csv", "")
  #expect(again.measuredCurve == nil && again.deviceCSV.isEmpty)
  // The range keys the file set go with it; Lim's summaries do not name it.
  #expect(again.nMax == 64 && again.gMinRatio == 0 && again.gMaxSiemens == 1e-5)
  #expect(!again.keyValues.contains { $0.0 == "device_csv" })
  try again.validate()
  // The real path is recorded: a link and ".." resolved as the file system does.
  let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
  let inner = dir.appendingPathComponent("a/b")
  try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
  try FileManager.default.createSymbolicLink(
    at: dir.appendingPathComponent("link"), withDestinationURL: inner)
  try FileManager.default.copyItem(atPath: path, toPath: dir.appendingPathComponent("a/device.csv").path)
  var linked = TrainingConfiguration()
  try linked.set("device_csv", dir.path + "/link/../device.csv")
  #expect(linked.deviceCSV == dir.resolvingSymlinksInPath().path + "/a/device.csv", "\(linked.deviceCSV)")
}

@Test func limsOwnCurveReadAsMeasuredDataTrainsTheSameNetwork() throws {
  // Lim's β = 2, n_max 64 curve in G_max units (its last point is 1, so
  // the normalisation is exact), written with every digit.
  let base = Fixture.configuration(method: .b)
  let curve = base.device.potentiationCurve()
  #expect(curve.last == 1 && curve.first == 0)
  var measured = base
  try measured.set("device_csv", try csvFile(curve.map { "p,\($0)" }))
  #expect(measured.nMax == base.nMax && measured.gMinRatio == base.gMinRatio)
  let a = try Fixture.run(base), b = try Fixture.run(measured)
  #expect(a.points.map(\.accuracy) == b.points.map(\.accuracy))
  #expect(a.pulses == b.pulses && a.resets == b.resets)
  // Another device trains otherwise: a linear one of 16 steps.
  var linear = base
  try linear.set("device_csv", try csvFile((0...16).map { "p,\(1e-6 + Double($0) * 0.5e-6)" }))
  let c = try Fixture.run(linear)
  #expect(c.pulses != a.pulses)
  #expect(c.testAccuracy > 50, "a 16-step linear device learns the fixture: \(c.testAccuracy) %")
}

@Test func badMeasuredDevicesNameTheKeyAndTheFile() throws {
  let good = try csvFile(["p,1e-6", "p,2e-6", "p,4e-6"])
  func fails(_ path: String, _ field: String = "device_csv", _ text: String, _ change: (inout TrainingConfiguration) -> Void = { _ in }) {
    var cfg = TrainingConfiguration()
    let error = #expect(throws: ConfigurationError.self) {
      try cfg.set("device_csv", path)
      change(&cfg)
      try cfg.validate()
    }
    #expect(error?.field == field, "\(error?.description ?? "no error")")
    #expect(error?.message.contains(text) == true, "\(error?.description ?? "no error")")
  }
  fails("/nonexistent/device.csv", "device_csv", "no such file")
  fails(Scratch.root.path, "device_csv", "not a regular file")
  fails(try csvFile(["p,1e-6", "p,x"]), "device_csv", "line 2")
  fails(try csvFile(["p,2e-6", "p,2e-6"]), "device_csv", "never rises")
  fails(try csvFile((0..<300).map { "p,\(Double($0 + 1) * 1e-7)" }), "device_csv", "at most 255 (256 points)")
  fails(good, "device_csv", "method c") { $0.method = .c }
  // A depression branch method c could never use: at or above G_max.
  fails(try csvFile(["p,1e-6", "p,1e-5", "d,3e-5", "d,2e-5"]), "device_csv", "not below the potentiation maximum") { $0.method = .c }
  // Or beyond what G_max units hold (1e300 S beside 1e-12 S).
  fails(try csvFile(["p,0", "p,0.5e-12", "p,1e-12", "d,1e300", "d,5e299", "d,0"]), "device_csv", "beyond any multiple")
  fails(good, "device_csv", "rules lim, hybrid and single, not float") { $0.rule = .float }
  // d2d is relative to G_min: a file starting at 0 S is named as the cause.
  fails(try csvFile(["p,0", "p,1e-6", "p,2e-6"]), "d2d", "first point is 0 S") {
    $0.rule = .hybrid
    $0.d2d = 1
  }
  fails(good, "nmax", "gives n_max 2 (its 3 points to its maximum), got 64") { $0.nMax = 64 }
  fails(good, "gmin_ratio", "leave gmin_ratio out") { $0.gMinRatio = 0 }
  fails(good, "gmax", "leave gmax out") { $0.gMaxSiemens = 1e-5 }
  // Conductances out of gmax's range (data in µS, not S): the file is named.
  fails(try csvFile(["p,1", "p,5", "p,10"]), "device_csv", "largest conductance is 10.0 S, outside the [1e-12, 1] S")
  // A range key set before the file, otherwise than the file gives, is an
  // error too (a --config file's order); a previous file's range is not.
  var first = TrainingConfiguration()
  try first.set("nmax", "10")
  let error = #expect(throws: ConfigurationError.self) { try first.set("device_csv", good) }
  #expect(error?.field == "nmax" && error?.message.contains("got 10") == true, "\(error?.description ?? "")")
  for (key, value) in [("nmax", "64"), ("gmax", "1e-5"), ("gmin_ratio", "0")] {
    // Even at its default: the value was asked for.
    var given = TrainingConfiguration()
    try given.set(key, value)
    let error = #expect(throws: ConfigurationError.self) { try given.set("device_csv", good) }
    #expect(error?.field == key, "\(error?.description ?? "")")
  }
  var twice = TrainingConfiguration()
  try twice.set("device_csv", good)
  try twice.set("device_csv", try csvFile(["p,1e-6", "p,2e-6", "p,3e-6", "p,4e-6", "p,8e-6"]))
  #expect(twice.nMax == 4 && twice.gMinRatio == 1e-6 / 8e-6 && twice.gMaxSiemens == 8e-6)
  try twice.validate()
  // A value that prints otherwise but is the file's to 1e-9 is the same.
  var close = TrainingConfiguration()
  try close.set("device_csv", try csvFile(["p,1e-6", "p,5e-6", "p,1e-5"]))
  try close.set("gmin_ratio", "0.1")
  try close.validate()
  // Lim's β is not read with a measured device: refused as ignored.
  var cfg = TrainingConfiguration()
  try cfg.set("device_csv", good)
  try cfg.set("beta", "3")
  #expect(cfg.ignoredKey?.key == "beta")
}

@Test func methodCStepsAMeasuredDeviceAlongTheFilesTwoBranches() throws {
  // Potentiation 1, 3, 4, 8 µS; depression 8, 5, 2, 1.5 µS. In G_max
  // units: up 0.125, 0.375, 0.5, 1; down 1, 0.625, 0.25, 0.1875 (its last
  // point above G_min: the device depresses no further).
  let path = try csvFile(["p,1e-6", "p,3e-6", "p,4e-6", "p,8e-6", "d,8e-6", "d,5e-6", "d,2e-6", "d,1.5e-6"])
  var cfg = TrainingConfiguration()
  cfg.layers = [1, 2]
  cfg.method = .c
  try cfg.set("device_csv", path)
  try cfg.validate()
  #expect(cfg.measuredDevice?.depression == [8e-6, 5e-6, 2e-6, 1.5e-6].map { $0 / 8e-6 })
  var rng = SeededGenerator(seed: 1)
  let layer = LimLayer(inputs: 1, outputs: 2, configuration: cfg, rng: &rng)
  let up = [1e-6, 3e-6, 4e-6, 8e-6].map { $0 / 8e-6 }, down = [8e-6, 5e-6, 2e-6, 1.5e-6].map { $0 / 8e-6 }
  for k in 0..<2 {
    for (path, run) in [("update(_:up:)", { layer.update(k, up: true) }), ("row kernel", { layer.kernelUpdate(k, up: true) })] {
      // Below G_max a pulse raises G+ to the next measured point.
      layer.setConductanceStates(k, gp: up[1], gm: up[0])
      run()
      #expect(layer.gp[k] == up[2] && layer.gm[k] == up[0] && layer.pulses == 1 && layer.depressions == 0, "\(path)")
      expectCachesMatchStates(layer, path)
      // At G_max it depresses G− one measured step.
      layer.setConductanceStates(k, gp: 1, gm: down[1])
      run()
      #expect(layer.gp[k] == 1 && layer.gm[k] == down[2] && layer.depressions == 1, "\(path): \(layer.gm[k])")
      // Between two points, one interpolated step: 0.5 is a third of the
      // way from 0.625 to 0.25, so it goes a third of the way from 0.25 to 0.1875.
      layer.setConductanceStates(k, gp: 1, gm: up[2])
      run()
      #expect(isApproximatelyEqual(layer.gm[k], 0.25 - 0.0625 / 3, relativeTolerance: 1e-12), "\(path): \(layer.gm[k])")
      // At the depression branch's end nothing moves: no pulse.
      layer.setConductanceStates(k, gp: 1, gm: down[3])
      run()
      #expect(layer.gm[k] == down[3] && layer.pulses == 0, "\(path)")
      // Both at G_max: both are reset to the first potentiation point.
      layer.setConductanceStates(k, gp: up[2], gm: 1)
      run()
      #expect(layer.gp[k] == up[0] && layer.gm[k] == up[0] && layer.pulses == 1 && layer.resets == 2, "\(path)")
      expectCachesMatchStates(layer, path)
    }
  }
  // A depression branch that ends below G_min (0.5 µS against 1 µS): a
  // device stops at G_min, as Lim's does (the states stay in [G_min, 1]).
  var low = cfg
  try low.set("device_csv", try csvFile(["p,1e-6", "p,3e-6", "p,4e-6", "p,8e-6", "d,8e-6", "d,4e-6", "d,0.5e-6"]))
  try low.validate()
  let lowLayer = LimLayer(inputs: 1, outputs: 2, configuration: low, rng: &rng)
  lowLayer.setConductanceStates(0, gp: 1, gm: 0.5)
  lowLayer.update(0, up: true)
  #expect(lowLayer.gm[0] == 0.125 && lowLayer.depressions == 1, "\(lowLayer.gm[0])")
  lowLayer.update(0, up: true)
  #expect(lowLayer.gm[0] == 0.125 && lowLayer.depressions == 1)
}

@Test func methodCNeedsTheDepressionBranchAndTrainsWithIt() throws {
  // A file without `d` lines cannot serve method c.
  var cfg = Fixture.configuration(method: .c)
  try cfg.set("device_csv", try csvFile(["p,1e-6", "p,2e-6", "p,4e-6"]))
  let error = #expect(throws: ConfigurationError.self) { try cfg.validate() }
  #expect(error?.field == "device_csv" && error?.message.contains("no depression branch (d lines)") == true, "\(error?.description ?? "")")
  // Lim's bidirectional β = 2 device written as data (both branches)
  // learns the fixture with method c; its β_d is then not read.
  let model = Fixture.configuration(method: .c)
  let lim = model.device
  let curve = lim.potentiationCurve(), fall = lim.depressionCurve()
  #expect(curve.last == 1 && fall.first == 1)
  var measured = model
  try measured.set("device_csv", try csvFile(curve.map { "p,\($0)" } + fall.map { "d,\($0)" }))
  try measured.validate()
  let run = try Fixture.run(measured)
  #expect(run.testAccuracy > 50, "Lim's device as data learns the fixture with method c: \(run.testAccuracy) %")
  #expect(run.pulses > 0 && run.resets > 0)
  try measured.set("beta_d", "3")
  #expect(measured.ignoredKeys.contains { $0.key == "beta_d" }, "\(measured.ignoredKeys)")
}

// Rules hybrid and single with a measured device: its points are the
// states, a coincidence pulse moves a device one level up.

@Test func choisRulesStepAMeasuredDeviceAlongItsLevels() throws {
  // 1, 3, 4, 4.5, 5 µS: levels 0.2, 0.6, 0.8, 0.9, 1 in G_max units.
  let path = try csvFile(["p,1e-6", "p,3e-6", "p,4e-6", "p,4.5e-6", "p,5e-6"])
  var cfg = TrainingConfiguration()
  cfg.layers = [4, 3, 2]
  cfg.rule = .hybrid
  try cfg.set("device_csv", path)
  try cfg.validate()
  #expect(cfg.states == 4 && cfg.c2c == 0 && abs(cfg.gMinRatio - 0.2) < 1e-15 && cfg.ignoredKeys.isEmpty, "\(cfg.ignoredKeys)")
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0]
  let big = [0.2, 0.6, 0.8, 0.9, 1].map { Float($0) }, small = [0.2, 0.6, 0.8, 0.9, 1].map { Float($0 / 10) }
  let states = try #require(layer.measuredState)
  // Every device starts on a level: the big ones anywhere in the lowest
  // quarter of the states, the small ones at G_min.
  for d in 0..<4 {
    for x in 0..<layer.count {
      let levels = d < 2 ? big : small
      #expect(layer.g[d][x] == levels[Int(states[d][x] >> 16)], "device \(d), cell \(x)")
      if d >= 2 { #expect(states[d][x] == 0) }
    }
  }
  func slots(_ s: [Int]) -> UInt64 { s.reduce(0) { $0 | 1 << UInt64($1) } }
  func pulse(_ kind: SynapseKind, row: Int32, rowSlots: [Int], up: Bool, columnSlots: [Int]) {
    // Column 0 is share 0's (columnSplit 1).
    let words = [slots(columnSlots)], index: [Int32] = [0]
    layer.applyShare(
      0, kind: kind, rowIndex: [row], rowWords: [slots(rowSlots)], rowCount: 1,
      upIndex: index, upWords: words, upCount: up ? 1 : 0, downIndex: index, downWords: words, downCount: up ? 0 : 1)
    layer.finishUpdate(kind: kind, slots: 64, rows: [row], rowCount: 1)
  }
  // Two coincidences on cell 0's G+ from G_min: two levels up, exactly.
  for (d, kind, levels) in [(0, SynapseKind.big, big), (2, .small, small)] {
    states[d][0] = 0
    layer.g[d][0] = levels[0]
    states[d + 1][0] = 0
    layer.g[d + 1][0] = levels[0]
    layer.recomputeWeights()
    pulse(kind, row: 0, rowSlots: [0, 3, 7], up: true, columnSlots: [0, 3, 9])
    #expect(states[d][0] == 2 << 16 && layer.g[d][0] == levels[2], "\(kind): \(layer.g[d][0])")
  }
  // At G_max with the other device at level 1: the refresh resets both and
  // puts the weight 1 − 0.6 back on G+ as the nearest level above G_min
  // (0.2 + 0.4 = level 1).
  states[0][0] = 4 << 16
  layer.g[0][0] = big[4]
  states[1][0] = 1 << 16
  layer.g[1][0] = big[1]
  layer.recomputeWeights()
  let (resets, repotentiations) = (layer.resets, layer.repotentiations)
  pulse(.big, row: 0, rowSlots: [5], up: true, columnSlots: [5])
  #expect(layer.resets - resets == 2 && layer.repotentiations - repotentiations == 1)
  #expect(states[0][0] == 1 << 16 && layer.g[0][0] == big[1] && states[1][0] == 0 && layer.g[1][0] == big[0])
  // The file sets the states of both kinds: other values are refused.
  for (key, value, text) in [("states", "50", "device_csv gives 4 states"), ("small_states", "400", "leave small_states out")] {
    var bad = cfg
    try bad.set(key, value)
    let error = #expect(throws: ConfigurationError.self) { try bad.validate() }
    #expect(error?.field == key && error?.message.contains(text) == true, "\(error?.description ?? "no error")")
  }
  // The linear model's variations apply to it (the next test): not refused.
  for (key, value) in [("c2c", "0.34"), ("d2d", "0.5"), ("write_voltage", "2"), ("disturb_step", "0.3")] {
    var varied = cfg
    try varied.set(key, value)
    try varied.validate()
    #expect(varied.ignoredKeys.isEmpty, "\(key): \(varied.ignoredKeys)")
  }
  var float = cfg
  float.rule = .float
  #expect(throws: ConfigurationError.self) { try float.validate() }
  // A summary's keys (small_states and states among them) set the same
  // run again, for either rule, and another file may replace its device.
  for rule in [LearningRule.hybrid, .single] {
    var run = cfg
    run.rule = rule
    var again = TrainingConfiguration()
    for (key, value) in run.keyValues { try again.set(key, value) }
    try again.validate()
    #expect(again.states == 4 && again.c2c == 0 && again.measuredCurve == run.measuredCurve)
    try again.set("device_csv", try csvFile(["p,1e-6", "p,2e-6", "p,3e-6"]))
    try again.validate()
    #expect(again.states == 2)
    // The same summary with rule lim: its c2c 0 and states are the
    // device's, not hybrid settings to refuse.
    var lim = again
    try lim.set("rule", "lim")
    // (Its lr and float_derivative are the hybrid's, refused for rule lim
    // as from any hybrid summary.)
    #expect(!lim.ignoredKeys.contains { ["c2c", "states", "small_states", "nmax"].contains($0.key) }, "\(lim.ignoredKeys)")
  }
  // Two points are one state: too few for these rules (rule lim takes them).
  var two = cfg
  try two.set("device_csv", try csvFile(["p,1e-6", "p,2e-6"]))
  let error = #expect(throws: ConfigurationError.self) { try two.validate() }
  #expect(error?.field == "device_csv" && error?.message.contains("at least 3 points") == true, "\(error?.description ?? "")")
  // Rule lim keeps the linear model's c2c default, unread.
  var lim = cfg
  lim.rule = .lim
  #expect(lim.c2c == 0.34 && lim.states == 50 && lim.ignoredKeys.isEmpty)
}

/// One coincidence on cell 0's big G+ (row 0 and column 0 in slot 0),
/// then the update's saturation pass; `slots` is the phase's length.
private func pulseCellZero(_ layer: HybridLayer, slots: Int = 64) {
  layer.applyShare(
    0, kind: .big, rowIndex: [0], rowWords: [1], rowCount: 1,
    upIndex: [0], upWords: [1], upCount: 1, downIndex: [], downWords: [], downCount: 0)
  layer.finishUpdate(kind: .big, slots: slots, rows: [0], rowCount: 1)
}

// The linear model's variations on a measured device: c2c moves a pulse's
// index by 1 + c2c·z, d2d offsets the curve, the disturb moves the index
// by a fraction; the conductance is the data interpolated at the index.

@Test func aMeasuredDeviceTakesCycleAndDeviceVariationAndTheDisturbOnItsPulseIndex() throws {
  // A bent device, 1 to 5 µS in 8 pulses: levels 0.2 … 1 in G_max units.
  let points = [1.0, 2.2, 3.0, 3.6, 4.1, 4.45, 4.7, 4.88, 5.0]
  let path = try csvFile(points.map { "p,\($0 * 1e-6)" })
  // An index in pulses (the layer keeps it in 1/65,536 pulse).
  func index(_ raw: Int32) -> Float { Float(raw) / 65536 }
  func interpolated(_ levels: [Float], _ p: Float) -> Float {
    let i = min(Int(p), levels.count - 1), f = p - Float(i)
    return i == levels.count - 1 ? levels[i] : levels[i] + f * (levels[i + 1] - levels[i])
  }
  var cfg = TrainingConfiguration()
  cfg.layers = [1999, 4, 2]
  cfg.rule = .hybrid
  try cfg.set("device_csv", path)
  cfg.c2c = 0.3
  cfg.d2d = 0.5
  try cfg.validate()
  let net = try HybridNetwork(configuration: cfg)
  let layer = net.layers[0]
  let states = try #require(layer.measuredState), offsets = try #require(layer.measuredOffset)
  let floors = try #require(layer.measuredFloor)
  let stored = try #require(layer.measuredLevels)
  let big = (0...8).map { stored[0][$0] }, small = (0...8).map { stored[1][$0] }
  #expect(zip(big, points).allSatisfy { abs(Double($0) - $1 / 5) < 1e-7 } && stored[0][9] == big[8])
  // d2d: each device is the data's curve plus its own offset o, within
  // [max(0, G_min + o), G_max + o]; o has the spread d2d·G_min of its kind.
  // A device whose o is below −G_min starts where its curve reaches 0 S
  // (its reset index), so that its next pulse moves it.
  var below = 0
  for d in 0..<4 {
    let levels = d < 2 ? big : small
    var sum = 0.0, squares = 0.0
    for x in 0..<layer.count {
      let o = offsets[d][x], f = index(floors[d][x])
      sum += Double(o)
      squares += Double(o) * Double(o)
      #expect(layer.lo[d][x] == max(0, levels[0] + o) && layer.hi[d][x] == max(layer.lo[d][x], levels[8] + o))
      if levels[0] + o >= 0 {
        #expect(f == 0 && states[d][x] & 0xFFFF == 0)
      } else {
        below += 1
        // The last index (of 1/65,536) that reads ≤ 0 S: a reset device
        // reads its G_min of 0 exactly, and the next pulse moves it.
        #expect(f > 0 && interpolated(levels, f) + o <= 0 && interpolated(levels, f + 2 / 65536) + o > 0, "\(f)")
        if states[d][x] == floors[d][x] { #expect(layer.g[d][x] == 0) }
      }
      #expect(states[d][x] >= floors[d][x] && (states[d][x] - floors[d][x]) & 0xFFFF == 0)
      #expect(layer.g[d][x] == min(max(interpolated(levels, index(states[d][x])) + o, layer.lo[d][x]), layer.hi[d][x]))
    }
    let n = Double(layer.count), sd = (squares / n - (sum / n) * (sum / n)).squareRoot()
    #expect(abs(sd / (0.5 * Double(levels[0])) - 1) < 0.05, "device \(d): offset sd \(sd)")
  }
  // (o < −G_min is z < −2 for d2d 0.5: 2.3 % of the 32,000 devices.)
  #expect(below > 400 && below < 1100, "\(below)")
  // c2c: one coincidence on every G+ of share 0 (columns 0 and 1) from
  // its reset index moves the index by 1 + 0.3·z (not below the reset
  // index), and the conductance follows it.
  let rows = layer.rows
  for x in 0..<layer.count {
    states[0][x] = floors[0][x]
    layer.g[0][x] = min(max(interpolated(big, index(floors[0][x])) + offsets[0][x], layer.lo[0][x]), layer.hi[0][x])
  }
  layer.recomputeWeights()
  let rowIndex = (0..<rows).map { Int32($0) }, rowWords = [UInt64](repeating: 1, count: rows)
  layer.applyShare(
    0, kind: .big, rowIndex: rowIndex, rowWords: rowWords, rowCount: rows,
    upIndex: [0, 1], upWords: [1, 1], upCount: 2, downIndex: [], downWords: [], downCount: 0)
  layer.finishUpdate(kind: .big, slots: 64, rows: rowIndex, rowCount: rows)
  var steps: [Double] = []
  for i in 0..<rows {
    for j in 0..<layer.columns {
      let x = i * layer.columns + j, p = index(states[0][x])
      if j >= 2 { #expect(states[0][x] == floors[0][x]); continue }
      steps.append(Double(p - index(floors[0][x])))
      let expected = min(max(interpolated(big, p) + offsets[0][x], layer.lo[0][x]), layer.hi[0][x])
      #expect(layer.g[0][x] == expected, "cell \(x): index \(p)")
    }
  }
  let mean = steps.reduce(0, +) / Double(steps.count)
  let sd = (steps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(steps.count)).squareRoot()
  #expect(steps.count == 2 * rows && abs(mean - 1) < 4 * 0.3 / Double(steps.count).squareRoot(), "mean index step \(mean)")
  #expect(abs(sd / 0.3 - 1) < 0.06, "index step sd \(sd)")
  #expect(steps.contains { $0 != 1 } && steps.allSatisfy { $0 >= 0 && $0 <= 8 })
  // The weight cache follows every change.
  for x in 0..<layer.count {
    let w = (layer.g[0][x] - layer.g[1][x]) + (layer.g[2][x] - layer.g[3][x])
    #expect(abs(layer.w[x] - w) < 1e-6)
  }
  // The disturb: row 0 fires alone, so each of its devices in the two big
  // arrays is half-selected once and its index moves by the fraction.
  var rowOf = [UInt64](repeating: 0, count: rows), colOf = [UInt64](repeating: 0, count: layer.columns)
  rowOf[0] = 1
  let polarity = [Int8](repeating: -1, count: layer.columns)
  let before = (0..<2).map { d in (0..<(2 * layer.columns)).map { index(states[d][$0]) } }
  layer.disturb(kind: .big, fraction: 0.25, rowWordOf: rowOf, columnWordOf: &colOf, columnPolarity: polarity)
  for d in 0..<2 {
    for j in 0..<layer.columns {
      let p = index(states[d][j])
      #expect(p == min(before[d][j] + 0.25, 8))
      #expect(layer.g[d][j] == min(max(interpolated(big, p) + offsets[d][j], layer.lo[d][j]), layer.hi[d][j]))
    }
    // Row 1 stays as it was.
    #expect((layer.columns..<(2 * layer.columns)).allSatisfy { index(states[d][$0]) == before[d][$0] })
  }
  #expect(layer.disturbs == 2 * layer.columns)
  // A refresh (cell 0 at G_max, its G− at a fractional index) puts the
  // weight back on one device as the nearest point, then c2c·√n·z.
  var clean = cfg
  clean.d2d = 0
  let net2 = try HybridNetwork(configuration: clean)
  let l2 = net2.layers[0]
  let s2 = try #require(l2.measuredState)
  s2[0][0] = 8 << 16
  l2.g[0][0] = big[8]
  s2[1][0] = 3 << 15
  l2.g[1][0] = interpolated(big, 1.5)
  l2.recomputeWeights()
  pulseCellZero(l2)
  // G− at index 1.5 is 0.52 (between 0.44 and 0.6), so W = 0.48 above
  // G_min: the nearest point to 0.2 + 0.48 is 0.72 at pulse 3 (0.6 at 2),
  // so 3 pulses and an index 3 ± 0.3·√3·3.7.
  #expect(l2.resets == 2 && l2.repotentiations == 3 && s2[1][0] == 0 && l2.g[1][0] == big[0])
  #expect(abs(index(s2[0][0]) - 3) <= 0.3 * Float(3).squareRoot() * 3.7 && l2.g[0][0] == interpolated(big, index(s2[0][0])), "\(index(s2[0][0]))")
  // A refresh onto a device whose offset is below −G_min (its first
  // points read 0) keeps the weight: the point is chosen by the device's
  // own conductance, and the energy counts what the pulses saw.
  var offsetRun = clean
  offsetRun.d2d = 0.5
  offsetRun.c2c = 0
  let l4 = try HybridNetwork(configuration: offsetRun).layers[0]
  let s4 = try #require(l4.measuredState), o4 = try #require(l4.measuredOffset)
  let f4 = try #require(l4.measuredFloor)
  o4[0][0] = -0.3
  f4[0][0] = HybridLayer.floor(l4.measuredLevels![0], last: 8, offset: -0.3)
  // 0.2 + (0.44 − 0.2)·f − 0.3 = 0 at f = 0.41667, rounded down.
  #expect(f4[0][0] == 27306)
  l4.lo[0][0] = 0
  l4.hi[0][0] = big[8] - 0.3
  s4[0][0] = 8 << 16
  l4.g[0][0] = l4.hi[0][0]
  o4[1][0] = 0
  f4[1][0] = 0
  l4.lo[1][0] = big[0]
  l4.hi[1][0] = big[8]
  s4[1][0] = 2 << 16
  l4.g[1][0] = big[2]
  l4.recomputeWeights()
  let (w4, energy4) = (l4.w[0], l4.pulseConductance)
  pulseCellZero(l4)
  // Δ = (0.7 − 0.6) − (0 − 0.2) = 0.3 above G+'s G_min 0. From its reset
  // index the device reads 0, 0.2067, 0.35, 0.4617 after 0, 1, 2, 3
  // pulses: 2 pulses, the nearest to 0.3, so W moves by 0.05, within half
  // a step of the device (without the offset the point nearest 0.2 + 0.3
  // would have been taken: W off by more).
  #expect(s4[0][0] == 27306 + 2 << 16 && l4.g[1][0] == big[0], "\(s4[0][0]) \(l4.g[0][0])")
  #expect(l4.g[0][0] == interpolated(big, index(27306 + 2 << 16)) - 0.3 && abs(l4.g[0][0] - 0.35) < 1e-4, "\(l4.g[0][0])")
  #expect(abs(l4.w[0] - w4 - 0.05) < 1e-4, "W \(w4) → \(l4.w[0])")
  // (The coincidence that found G+ at its G_max saw 0.7; the two pulses
  // saw ≈ 0 and 0.2067.)
  let seen = Double(big[8] - 0.3) + Double(max(0, interpolated(big, index(27306)) - 0.3)) + Double(interpolated(big, index(27306 + 1 << 16)) - 0.3)
  // From a fractional reset index the last point is one more pulse away
  // (clamped there): a refresh can reach it.
  #expect(HybridLayer.nearest(l4.measuredLevels![0], from: 27306, last: 8, to: big[8]) == 8)
  #expect(abs(l4.pulseConductance - energy4 - seen) < 1e-6, "\(l4.pulseConductance - energy4) against \(seen)")
  // Method b rounds a fractional index: G− at 3.6 re-potentiated to 3.
  var signRule = clean
  signRule.encoding = .sign
  signRule.c2c = 0
  let l3 = try HybridNetwork(configuration: signRule).layers[0]
  let s3 = try #require(l3.measuredState)
  s3[0][0] = 8 << 16
  l3.g[0][0] = big[8]
  s3[1][0] = 36 << 16 / 10
  l3.g[1][0] = interpolated(big, 3.6)
  l3.recomputeWeights()
  pulseCellZero(l3, slots: 1)
  #expect(l3.resets == 1 && s3[1][0] == 3 << 16 && l3.g[1][0] == big[3] && s3[0][0] == 8 << 16)
}

@Test func choisRulesLearnTheFixtureWithAMeasuredDevice() throws {
  // A linear device of 50 steps learns as the linear model does without
  // c2c; a strongly bent one (21 points, steps shrinking e-fold every 8
  // pulses) learns, worse: a pair's up and down steps no longer match.
  let linear = try csvFile((0...50).map { "p,\(1e-6 + Double($0) * 0.18e-6)" })
  let bent = try csvFile((0...20).map { "p,\(1e-6 + 1e-6 * (1 - exp(-Double($0) / 8)) * 9 / (1 - exp(-20.0 / 8)))" })
  for rule in [LearningRule.hybrid, .single] {
    var model = Fixture.configuration(rule: rule, epochs: 3)
    model.c2c = 0
    let m = try Fixture.run(model)
    for (name, path, least, c2c) in [("linear", linear, 90.0, 0.0), ("bent", bent, 40.0, 0), ("linear, c2c 0.34", linear, 85, 0.34)] {
      var cfg = Fixture.configuration(rule: rule, epochs: 3)
      try cfg.set("device_csv", path)
      cfg.c2c = c2c
      try cfg.validate()
      let run = try Fixture.run(cfg)
      #expect(run.testAccuracy > least, "\(rule), \(name): \(run.testAccuracy) % (the linear model: \(m.testAccuracy) %)")
      #expect(run.pulses > 0)
    }
  }
}

@Test func theNearestPointIsWhatAScanFinds() {
  // Non-decreasing levels with plateaus (data made monotone), targets on,
  // between, below and above the points: the binary search gives the
  // scan's answer, the lowest of the nearest.
  var rng = SeededGenerator(seed: 5)
  for _ in 0..<300 {
    let last = 2 + Int(rng.next() % 30)
    var levels: [Float] = [Float(rng.nextUniform())]
    // Steps of 0, one ulp (distances that round equal) or up to 1.
    for _ in 0..<last {
      let l = levels[levels.count - 1], r = rng.next() % 4
      levels.append(r == 0 ? l : r == 1 ? l.nextUp : l + Float(rng.nextUniform()))
    }
    levels.append(levels[last])
    var targets = levels + levels.map { $0.nextUp } + levels.map { $0.nextDown } + [levels[0] - 1, levels[last] + 1]
    for n in 0..<last { targets.append((levels[n] + levels[n + 1]) / 2) }
    for t in targets {
      var scan = 0
      for n in 1...last where abs(levels[n] - t) < abs(levels[scan] - t) { scan = n }
      let found = levels.withUnsafeBufferPointer { HybridLayer.nearest($0.baseAddress!, last: last, to: t) }
      #expect(found == scan, "levels \(levels), target \(t)")
    }
  }
}
