import Testing
import _TestSupport

@testable import Trainer

// Mutation testing (session 19, round 2): test_limit evaluates the first N test
// images, for every rule's evaluator: a run on a test set of exactly
// those N images measures the same accuracies.

@Test(arguments: [LearningRule.lim, .hybrid, .single, .float])
func aTestLimitEvaluatesTheFirstImagesOnly(_ rule: LearningRule) throws {
  let train = SyntheticImages(count: 120, seed: 1), test = SyntheticImages(count: 50, seed: 2)
  func dataset(_ s: SyntheticImages) -> IDXDataset { IDXDataset(rows: s.rows, cols: s.cols, pixels: s.pixels, labels: s.labels) }
  let first30 = IDXDataset(rows: 8, cols: 8, pixels: Array(test.pixels.prefix(30 * 64)), labels: Array(test.labels.prefix(30)))
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.rule = rule
  cfg.epochs = 1
  cfg.evaluationsPerEpoch = 4
  if rule != .lim { cfg.learningRate = 0.1 }
  let whole = try Experiment(configuration: cfg, train: dataset(train), test: first30).run()
  cfg.testLimit = 30
  let limited = try Experiment(configuration: cfg, train: dataset(train), test: dataset(test)).run()
  #expect(limited.points.map(\.accuracy) == whole.points.map(\.accuracy), "\(rule)")
  // Without the limit the other 20 images count: the accuracies change.
  cfg.testLimit = 0
  let all = try Experiment(configuration: cfg, train: dataset(train), test: dataset(test)).run()
  #expect(all.points.map(\.accuracy) != whole.points.map(\.accuracy), "\(rule)")
}
