import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Learning end to end on a small generated task: 10 classes of 8×8
// prototype images with 10 % of the pixels flipped (`SyntheticImages`),
// 600 training and 300 test images, a [64, 32, 10] network. Chance is
// 10 %; a trainer that learns reaches far more within a few epochs.

/// The same task for every test: the prototypes are shared, the training
/// and test images are independent draws.
enum Fixture {
  static let train = SyntheticImages(count: 600, seed: 1)
  static let test = SyntheticImages(count: 300, seed: 2)

  static func dataset(_ s: SyntheticImages) -> IDXDataset {
    IDXDataset(rows: s.rows, cols: s.cols, pixels: s.pixels, labels: s.labels)
  }

  static func configuration(
    rule: LearningRule = .lim, method: UpdateMethod = .b, epochs: Int = 2, seed: UInt64 = 1
  ) -> TrainingConfiguration {
    var cfg = TrainingConfiguration()
    cfg.layers = [64, 32, 10]
    cfg.rule = rule
    cfg.method = method
    cfg.epochs = epochs
    cfg.evaluationsPerEpoch = 2
    cfg.seed = seed
    cfg.learningRate = 0.1
    return cfg
  }

  static func run(_ cfg: TrainingConfiguration) throws -> TrainingResult {
    try Experiment(configuration: cfg, train: dataset(train), test: dataset(test)).run()
  }
}

@Test func fixtureClassesAreBalancedEnoughAndDistinct() {
  let counts = (0..<10).map { c in Fixture.train.labels.filter { $0 == c }.count }
  #expect(counts.allSatisfy { $0 >= 30 }, "\(counts)")
  // Same seed, same images; another seed, other images.
  #expect(SyntheticImages(count: 600, seed: 1) == Fixture.train)
  #expect(Fixture.train.pixels.prefix(300 * 64) != Fixture.test.pixels[...])
}

/// A training run of the fixture, named for the test report.
struct FixtureRun: Sendable, CustomTestStringConvertible {
  var name: String
  var configuration: TrainingConfiguration
  var testDescription: String { name }

  static let all: [FixtureRun] = {
    var runs: [FixtureRun] = []
    for method in UpdateMethod.allCases {
      runs.append(
        .init(
          name: "lim, method \(method.rawValue)",
          configuration: Fixture.configuration(method: method)))
    }
    var c = Fixture.configuration(method: .b)
    c.sigma = 0.2
    runs.append(.init(name: "lim, method b, σ 0.2", configuration: c))
    c = Fixture.configuration(method: .b)
    c.batch = 4
    runs.append(.init(name: "lim, method b, batch 4", configuration: c))
    c = Fixture.configuration(method: .b)
    c.mode = .offChip
    runs.append(.init(name: "off-chip", configuration: c))
    runs.append(.init(name: "float", configuration: Fixture.configuration(rule: .float)))
    return runs
  }()
}

@Test(arguments: FixtureRun.all)
func trainingOnTheFixtureBeatsChanceByAWideMargin(_ run: FixtureRun) throws {
  let cfg = run.configuration
  let r = try Fixture.run(cfg)
  #expect(r.points.count == 4)
  #expect(r.trainImages == 1200)
  #expect(r.testAccuracy > 60, "test accuracy \(r.points.map(\.accuracy)) %")
  if cfg.rule == .lim && cfg.mode == .onChip {
    #expect(r.pulses > 0)
  } else {
    #expect(r.pulses == 0)
  }
}

// MARK: - Reproducibility

@Test(arguments: [UpdateMethod.a, .b, .c], [0.0, 0.1])
func sameSeedSameRunAnotherSeedOtherPulses(method: UpdateMethod, sigma: Double) throws {
  var cfg = Fixture.configuration(method: method, epochs: 1)
  cfg.sigma = sigma
  let a = try Fixture.run(cfg)
  let b = try Fixture.run(cfg)
  #expect(a.points.map(\.accuracy) == b.points.map(\.accuracy))
  #expect(a.points.map(\.loss) == b.points.map(\.loss))
  #expect(a.points.map(\.pulses) == b.points.map(\.pulses))
  #expect(a.points.map(\.resets) == b.points.map(\.resets))
  #expect(a.readEnergy == b.readEnergy)
  cfg.seed = 2
  let c = try Fixture.run(cfg)
  #expect(c.pulses != a.pulses)
}

@Test func floatRunsAreReproducibleToo() throws {
  let cfg = Fixture.configuration(rule: .float, epochs: 1)
  let a = try Fixture.run(cfg)
  let b = try Fixture.run(cfg)
  #expect(a.points.map(\.accuracy) == b.points.map(\.accuracy))
  #expect(a.points.map(\.loss) == b.points.map(\.loss))
}
