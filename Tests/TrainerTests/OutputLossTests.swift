import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// The output layer's two losses (`loss`): softmax with cross-entropy, and
// logistic neurons with the squared error. δ must be the loss's gradient
// with respect to the weighted sums, which a central difference checks.

/// ½Σ(σ(s_j) − t_j)² in double precision.
private func squaredErrorLoss(_ s: [Double], label: Int) -> Double {
  var e = 0.0
  for j in 0..<s.count {
    let y = 1 / (1 + Foundation.exp(-s[j])), t = j == label ? 1.0 : 0.0
    e += 0.5 * (y - t) * (y - t)
  }
  return e
}

@Test(arguments: [1, 2, 3])
func mseDeltaIsTheGradientOfTheSquaredError(seed: UInt64) {
  var rng = SeededGenerator(seed: seed, stream: 0)
  let n = 10, label = Int(seed) % n
  let s = (0..<n).map { _ in Float(8 * rng.nextUniform() - 4) }
  var d = [Float](repeating: 0, count: n)
  let (loss, squared) = s.withUnsafeBufferPointer { sb in
    d.withUnsafeMutableBufferPointer { outputLoss(sb, label: label, delta: $0, loss: .mse) }
  }
  let sd = s.map(Double.init)
  #expect(abs(Double(loss) - squaredErrorLoss(sd, label: label)) < 1e-5)
  #expect(abs(Double(squared) - 2 * squaredErrorLoss(sd, label: label)) < 1e-5)
  let h = 1e-4
  for j in 0..<n {
    var up = sd, down = sd
    up[j] += h
    down[j] -= h
    let numeric = (squaredErrorLoss(up, label: label) - squaredErrorLoss(down, label: label)) / (2 * h)
    #expect(abs(Double(d[j]) - numeric) < 1e-5, "δ_\(j) \(d[j]) against \(numeric)")
  }
  // The label's δ is negative (raise its output), the others positive.
  for j in 0..<n { #expect(j == label ? d[j] < 0 : d[j] > 0) }
}

@Test func crossEntropyIsSoftmaxsDeltaAndItsSquares() {
  let s: [Float] = [0.5, -1, 2, 0, 3, -2, 1, 0.25, -0.5, 1.5]
  var a = [Float](repeating: 0, count: 10), b = a
  let reference = s.withUnsafeBufferPointer { sb in
    a.withUnsafeMutableBufferPointer { softmaxCrossEntropy(sb, label: 4, delta: $0) }
  }
  let (loss, squared) = s.withUnsafeBufferPointer { sb in
    b.withUnsafeMutableBufferPointer { outputLoss(sb, label: 4, delta: $0, loss: .crossEntropy) }
  }
  #expect(loss == reference)
  #expect(a == b)
  #expect(abs(squared - a.reduce(0) { $0 + $1 * $1 }) < 1e-6)
}

@Test func lossIsAKeyOfTheSoftwareAndFiniteStateRulesOnly() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("loss", "mse")
  #expect(cfg.loss == .mse)
  #expect(cfg.ignoredKey?.key == "loss", "the sign rule decides on softmax's δ")
  for rule in ["float", "hybrid", "single"] {
    try cfg.set("rule", rule)
    #expect(cfg.ignoredKey == nil, "\(rule): \(String(describing: cfg.ignoredKey))")
  }
  // Off-chip learning with transfer weights trains float SGD.
  try cfg.set("rule", "lim")
  try cfg.set("learning", "off-chip")
  #expect(cfg.ignoredKey?.key == "loss")
  try cfg.set("transfer", "weights")
  #expect(cfg.ignoredKey == nil)
  #expect(throws: ConfigurationError.self) { try cfg.set("loss", "softmax") }
}

@Test func theSummaryNamesTheLossOnlyWhenItIsNotTheDefault() throws {
  var cfg = TrainingConfiguration()
  #expect(!cfg.keyValues.contains { $0.0 == "loss" }, "summaries read as before the key existed")
  try cfg.set("rule", "hybrid")
  try cfg.set("loss", "mse")
  #expect(cfg.keyValues.contains { $0 == ("loss", "mse") })
  // And it reads back.
  var back = TrainingConfiguration()
  for (k, v) in cfg.keyValues { try back.set(k, v) }
  #expect(back.loss == .mse)
}

@Test(arguments: [LearningRule.float, .hybrid, .single])
func theSquaredErrorLearnsTheFixture(_ rule: LearningRule) throws {
  // Five epochs: δ is y(1 − y) ≤ 1/4 of the cross-entropy's, and learns
  // more slowly.
  var cfg = Fixture.configuration(rule: rule, epochs: 5)
  cfg.loss = .mse
  let r = try Fixture.run(cfg)
  #expect(r.testAccuracy > 60, "\(rule): \(r.points.map(\.accuracy)) %")
  // Not the cross-entropy run under another name.
  cfg.loss = .crossEntropy
  let other = try Fixture.run(cfg)
  #expect(other.points.map(\.loss) != r.points.map(\.loss))
}
