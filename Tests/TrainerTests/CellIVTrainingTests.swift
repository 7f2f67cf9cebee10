import Circuit
import Foundation
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// Rule lim's arrays read through a non-linear cell I–V (`iv_v0`, session
// 87): the key, its refusals, and the one law that ties training to its
// evaluations: the evaluator reads every image as the network's own
// reads do.

@Test func theIVKeyIsSetWrittenAndChecked() throws {
  var c = TrainingConfiguration()
  // At its default (linear) it is not written: summaries read as before.
  #expect(!c.keyValues.contains { $0.0 == "iv_v0" })
  #expect(c.allKeyValues.contains { $0 == ("iv_v0", "0") })
  try c.set("iv_v0", "0.1")
  #expect(c.ivV0 == 0.1)
  #expect(c.keyValues.contains { $0 == ("iv_v0", "0.1") })
  try c.validate()
  #expect(c.ignoredKey == nil)
  // The twin of off-chip learning trains on linear cells.
  #expect(c.idealHardware.ivV0 == 0)

  func refusal(_ edit: (inout TrainingConfiguration) throws -> Void) throws -> ConfigurationError? {
    var x = TrainingConfiguration()
    try edit(&x)
    do { try x.validate() } catch let e as ConfigurationError { return e }
    return nil
  }
  for bad in ["-1", "0.0001", "1000", "1e300"] {
    let e = try refusal { try $0.set("iv_v0", bad) }
    #expect(e?.field == "iv_v0", "\(bad): \(String(describing: e))")
  }
  // read_voltage / V0 beyond 5: a full-scale read at sinh(5)/5 = 14.8 times the linear current.
  #expect(try refusal { try $0.set("iv_v0", "0.04") } == nil)
  let far = try refusal { try $0.set("iv_v0", "0.039") }
  #expect(far?.field == "iv_v0" && far?.message.contains("at most 5") == true, "\(String(describing: far))")
  // Resistive lines: training's reads of them are linear maps.
  let lines = try refusal {
    try $0.set("wires", "resistive")
    try $0.set("r_row", "1")
    try $0.set("r_col", "1")
    try $0.set("iv_v0", "0.1")
  }
  #expect(lines?.field == "iv_v0" && lines?.message.contains("ideal wires") == true, "\(String(describing: lines))")

  // Two hidden layers on chip: the second's δ drives the first's
  // transposed read beyond full scale unless a DAC clips it (an audit,
  // session 87: 1.9e24 J of reads an image at V_read/V0 = 5).
  let deep = try refusal {
    $0.layers = [16, 8, 6, 4]
    try $0.set("iv_v0", "0.1")
  }
  #expect(deep?.field == "iv_v0" && deep?.message.contains("give dac_bits") == true, "\(String(describing: deep))")
  #expect(try refusal { $0.layers = [16, 8, 6, 4]; try $0.set("iv_v0", "0.1"); try $0.set("dac_bits", "6") } == nil)
  #expect(try refusal { $0.layers = [16, 8, 6, 4]; try $0.set("iv_v0", "0.1"); try $0.set("learning", "off-chip") } == nil)
  #expect(try refusal { $0.layers = [16, 8, 6, 4] } == nil)

  // Rule lim only: the other rules would ignore it.
  for rule in ["hybrid", "single", "float"] {
    var h = TrainingConfiguration()
    try h.set("rule", rule)
    try h.set("iv_v0", "0.1")
    #expect(h.ignoredKeys.contains { $0.key == "iv_v0" && $0.usedBy == "rule lim" }, "\(rule)")
  }
  // Off-chip learning ignores read_voltage (its reads are normalised),
  // unless the cells are non-linear: then V_read sets how far into the
  // curve a read goes.
  var off = TrainingConfiguration()
  try off.set("learning", "off-chip")
  try off.set("read_voltage", "0.3")
  #expect(off.ignoredKey?.key == "read_voltage")
  try off.set("iv_v0", "0.1")
  #expect(off.ignoredKey == nil)
}

/// A network of sinh cells classifies each image the same way in training's
/// reads (`predict`) and in the evaluator's (both cores' path), and not as
/// the evaluator of linear cells does.
@Test func theEvaluatorReadsSinhCellsAsTheNetworkDoes() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 12, 4]
  cfg.ivV0 = 0.1  // a full-scale drive at sinh(2)/2 = 1.8 times linear
  cfg.seed = 3
  cfg.nMax = 16
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  for layer in net.layers { #expect(layer.array.cellIV == .sinh(v0: 0.1)) }
  let images = SyntheticImages(count: 64, rows: 4, cols: 4, classes: 4, seed: 21)
  let count = images.count, pixels = images.pixels
  // Some training first, so that the weights are the rule's, not the
  // initial draw's.
  for s in 0..<(3 * count) {
    pixels.withUnsafeBufferPointer { _ = net.train($0.baseAddress! + (s % count) * 16, label: Int(images.labels[s % count])) }
  }
  let predicted: [UInt8] = (0..<count).map { k in
    pixels.withUnsafeBufferPointer { UInt8(net.predict($0.baseAddress! + k * 16)) }
  }
  let weights = try net.effectiveWeights()
  func correct(_ iv: CellIV) -> Int {
    var evaluator = ForwardEvaluator(
      sizes: cfg.layers, weights: weights, scales: weights.map { _ in Float(1 / cfg.gMaxSiemens) }, neuron: cfg.neuron,
      chains: net.senseChains)
    evaluator.cellIV = iv
    evaluator.readVoltage = cfg.readVoltage
    return pixels.withUnsafeBufferPointer { p in
      predicted.withUnsafeBufferPointer { l in
        evaluator.correct(pixels: p.baseAddress!, labels: l.baseAddress!, count: count, features: 16, threads: 1)
      }
    }
  }
  #expect(correct(.sinh(v0: 0.1)) == count)
  // (Read as linear cells, some images are classed otherwise: so neither
  // path can ignore the cells' I–V here and pass.)
  #expect(correct(.linear) < count)
  // (Not a network that answers one class: the law holds on several.)
  #expect(Set(predicted).count >= 2, "\(predicted)")
}

/// The evaluator's own reads of sinh cells, on a hand-made network whose
/// answer turns on them: inputs a = 1 and a = 128/255, weights 0.2 and 1
/// to classes 0 and 1. Linear cells: s = (0.2, 0.502), class 1. At V0 =
/// V_read/4: s = (0.2·sinh(4)/4, sinh(4·0.502)/4) = (1.36, 0.91), class 0.
@Test func theEvaluatorReadsItsDrivesThroughTheCells() {
  let w: [Float] = [0.2, 0, 0, 1, 0, 0]  // rows: input 0, input 1, bias
  let pixels: [UInt8] = [255, 128]
  func answer(_ iv: CellIV) -> Int {
    let stored = UnsafeMutablePointer<Float>.allocate(capacity: w.count)
    stored.initialize(from: w, count: w.count)
    defer { stored.deallocate() }
    var evaluator = ForwardEvaluator(sizes: [2, 2], weights: [UnsafePointer(stored)], scales: [1], neuron: HardSigmoidNeuron(c: 4))
    evaluator.cellIV = iv
    evaluator.readVoltage = 0.2
    let label: [UInt8] = [0]
    // 1: class 0 read; 0: class 1.
    return pixels.withUnsafeBufferPointer { p in
      label.withUnsafeBufferPointer { evaluator.correct(pixels: p.baseAddress!, labels: $0.baseAddress!, count: 1, features: 2, threads: 1) }
    }
  }
  #expect(answer(.linear) == 0)
  #expect(answer(.sinh(v0: 0.05)) == 1)
  // V0 = V_read: s = (0.2·sinh(1), sinh(0.502)) = (0.235, 0.523), class 1.
  #expect(answer(.sinh(v0: 0.2)) == 0)
}
