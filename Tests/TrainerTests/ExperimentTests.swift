import Circuit
import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// The experiment loop around the networks: configuration checks against
// the data, evaluation points, the result's statistics, stopping early,
// and the fast evaluator against the networks' own forward pass.

private func small(_ count: Int, seed: UInt64) -> IDXDataset {
  Fixture.dataset(SyntheticImages(count: count, seed: seed))
}

// MARK: - Configuration against the data

struct ExperimentMisfit: Sendable, CustomTestStringConvertible {
  var name: String
  var layers: [Int]
  var testSize: (rows: Int, cols: Int) = (8, 8)
  var testCount = 5
  var field: String
  var testDescription: String { name }
}

@Test(arguments: [
  ExperimentMisfit(name: "input layer ≠ pixels", layers: [784, 16, 10], field: "layers"),
  ExperimentMisfit(name: "fewer outputs than classes", layers: [64, 16, 9], field: "layers"),
  ExperimentMisfit(
    name: "test images of another size", layers: [64, 16, 10], testSize: (4, 4), field: "data"),
  ExperimentMisfit(name: "a single layer", layers: [64], field: "layers"),
  ExperimentMisfit(name: "no test images", layers: [64, 16, 10], testCount: 0, field: "data"),
])
func experimentRejectsAConfigurationThatDoesNotFitTheData(_ c: ExperimentMisfit) {
  var cfg = TrainingConfiguration()
  cfg.layers = c.layers
  let train = small(20, seed: 1)
  let t = SyntheticImages(count: c.testCount, rows: c.testSize.rows, cols: c.testSize.cols, seed: 2)
  let test = IDXDataset(rows: t.rows, cols: t.cols, pixels: t.pixels, labels: t.labels)
  let error = #expect(throws: ConfigurationError.self) {
    _ = try Experiment(configuration: cfg, train: train, test: test)
  }
  #expect(error?.field == c.field, "\(String(describing: error))")
}

@Test func trainAndTestLimitsUseTheFirstImagesOnly() throws {
  var cfg = Fixture.configuration(epochs: 1)
  cfg.trainLimit = 50
  cfg.testLimit = 30
  cfg.evaluationsPerEpoch = 5
  let e = try Experiment(configuration: cfg, train: small(100, seed: 1), test: small(40, seed: 2))
  #expect(e.trainImagesPerEpoch == 50)
  let r = e.run()
  #expect(r.trainImages == 50)
  #expect(r.points.map(\.images) == [10, 20, 30, 40, 50])
  // Accuracies are multiples of 1/30 (30 test images).
  for p in r.points {
    let k = p.accuracy * 30 / 100
    #expect(abs(k - k.rounded()) < 1e-9, "\(p.accuracy)")
  }
}

// MARK: - Points and statistics

@Test func pointsAreEvenlySpacedAcrossEpochsAndTheTailStatisticsUseTheLastTenPercent() throws {
  var cfg = Fixture.configuration(epochs: 2)
  cfg.evaluationsPerEpoch = 10
  let e = try Experiment(configuration: cfg, train: small(100, seed: 1), test: small(50, seed: 2))
  var seen: [EvaluationPoint] = []
  let r = e.run(point: { seen.append($0) })
  #expect(r.points.count == 20)
  #expect(r.points.map(\.images) == Array(stride(from: 10, through: 200, by: 10)))
  #expect(seen.map(\.images) == r.points.map(\.images))
  #expect(r.trainImages == 200)
  // The last 10 % of 20 points: the last 2.
  let tail = r.points.suffix(2).map(\.accuracy)
  #expect(r.testAccuracy == r.points.last!.accuracy)
  #expect(abs(r.accuracyMeanLast - (tail[0] + tail[1]) / 2) < 1e-12)
  #expect(r.accuracyMinLast == tail.min()! && r.accuracyMaxLast == tail.max()!)
  // Counters only grow; the result's are the last point's.
  for (a, b) in zip(r.points, r.points.dropFirst()) {
    #expect(b.pulses >= a.pulses && b.resets >= a.resets && b.seconds >= a.seconds)
  }
  #expect(r.pulses == r.points.last!.pulses && r.resets == r.points.last!.resets)
  #expect(r.points.allSatisfy { $0.loss.isFinite && $0.loss > 0 })
  #expect(r.readEnergy > 0)
  #expect(!r.interrupted)
}

@Test func finalUpdateEndsAreTheLastBatchEndsOfTheRunAcrossEpochs() {
  // Epochs of 10 images in batches of 3: ends at 3, 6, 9, 10 and 13, 16, 19, 20.
  #expect(Experiment.finalUpdateEnds(count: 3, images: 10, batch: 3, epochs: 2) == [16, 19, 20])
  #expect(Experiment.finalUpdateEnds(count: 5, images: 10, batch: 3, epochs: 2) == [10, 13, 16, 19, 20])
  #expect(Experiment.finalUpdateEnds(count: 8, images: 10, batch: 3, epochs: 2) == [3, 6, 9, 10, 13, 16, 19, 20])
  #expect(Experiment.finalUpdateEnds(count: 4, images: 100, batch: 1, epochs: 1) == [97, 98, 99, 100])
  #expect(Experiment.finalUpdateEnds(count: 0, images: 100, batch: 1, epochs: 1) == [])
}

@Test func finalIterationsAddAPointAfterEachLastUpdateAndAverageOverThoseAlone() throws {
  var cfg = Fixture.configuration(epochs: 2)
  cfg.evaluationsPerEpoch = 10
  let plain = try Experiment(configuration: cfg, train: small(100, seed: 1), test: small(50, seed: 2)).run()
  cfg.finalIterations = 5
  let r = try Experiment(configuration: cfg, train: small(100, seed: 1), test: small(50, seed: 2)).run()
  #expect(r.points.map(\.images) == Array(stride(from: 10, through: 190, by: 10)) + [196, 197, 198, 199, 200])
  // Evaluating changes nothing of the training: the regular points are
  // the plain run's, accuracy and counts alike.
  for p in plain.points {
    let q = r.points.first { $0.images == p.images }
    #expect(q?.accuracy == p.accuracy && q?.pulses == p.pulses && q?.resets == p.resets)
  }
  #expect(r.pulses == plain.pulses && r.testAccuracy == plain.testAccuracy)
  let tail = r.points.suffix(5).map(\.accuracy)
  #expect(abs(r.accuracyMeanLast - tail.reduce(0, +) / 5) < 1e-12)
  #expect(r.accuracyMinLast == tail.min()! && r.accuracyMaxLast == tail.max()!)
}

@Test func finalIterationsFollowMiniBatchEndsIntoTheEpochBefore() throws {
  var cfg = Fixture.configuration(epochs: 2)
  cfg.trainLimit = 10
  cfg.batch = 3
  cfg.evaluationsPerEpoch = 2
  cfg.finalIterations = 5
  let r = try Experiment(configuration: cfg, train: small(100, seed: 1), test: small(50, seed: 2)).run()
  // Regular points at 5 and 15 move on to their batches' ends (6, 16).
  #expect(r.points.map(\.images) == [6, 10, 13, 16, 19, 20])
  let tail = r.points.suffix(5).map(\.accuracy)
  #expect(abs(r.accuracyMeanLast - tail.reduce(0, +) / 5) < 1e-12)
  // More updates than the run has: refused under the key.
  cfg.finalIterations = 9
  let error = #expect(throws: ConfigurationError.self) {
    _ = try Experiment(configuration: cfg, train: small(100, seed: 1), test: small(50, seed: 2))
  }
  #expect(error?.field == "final_iterations")
}

@Test func shouldStopEndsTheRunEarlyAndKeepsThePointsSoFar() throws {
  var cfg = Fixture.configuration(epochs: 3)
  cfg.evaluationsPerEpoch = 4
  let e = try Experiment(configuration: cfg, train: small(600, seed: 1), test: small(50, seed: 2))
  var points = 0
  let r = e.run(point: { _ in points += 1 }, shouldStop: { points >= 2 })
  #expect(r.interrupted)
  #expect(r.points.count == 2)
  #expect(r.trainImages < 1800)
  #expect(r.trainImages >= 300)
  #expect(r.testAccuracy == r.points.last!.accuracy)
}

@Test func progressReportsImagesOutOfTheTotal() throws {
  var cfg = Fixture.configuration(epochs: 2)
  cfg.evaluationsPerEpoch = 2
  let e = try Experiment(configuration: cfg, train: small(60, seed: 1), test: small(20, seed: 2))
  var reports: [TrainingProgress] = []
  _ = e.run(progress: { reports.append($0) })
  #expect(!reports.isEmpty)
  #expect(reports.allSatisfy { $0.totalImages == 120 && $0.images <= 120 })
  #expect(reports.last?.images == 120)
}

// MARK: - The evaluator against the networks

@Test(arguments: [LearningRule.lim, .float])
func fastEvaluatorCountsWhatThePredictPathPredicts(rule: LearningRule) throws {
  // 600 test images: the evaluator splits them over 2 threads.
  let cfg = Fixture.configuration(rule: rule, epochs: 1)
  let train = Fixture.dataset(Fixture.train)
  let test = small(600, seed: 9)
  let neuron = cfg.neuron
  var predicted = 0
  var evaluated = 0
  test.pixels.withUnsafeBufferPointer { px in
    test.labels.withUnsafeBufferPointer { lb in
      if rule == .lim {
        let net = LimNetwork(configuration: cfg)
        for i in 0..<train.count {
          _ = train.pixels.withUnsafeBufferPointer {
            net.train($0.baseAddress! + i * 64, label: Int(train.labels[i]))
          }
        }
        let arrays = net.arrays
        evaluated = ForwardEvaluator(
          sizes: cfg.layers, weights: arrays.map { UnsafePointer($0._weight) },
          scales: arrays.map { _ in Float(1 / cfg.gMaxSiemens) }, neuron: neuron
        ).correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: test.count, features: 64)
        for i in 0..<test.count where net.predict(px.baseAddress! + i * 64) == Int(lb[i]) {
          predicted += 1
        }
      } else {
        let net = FloatNetwork(configuration: cfg)
        for i in 0..<train.count {
          _ = train.pixels.withUnsafeBufferPointer {
            net.train($0.baseAddress! + i * 64, label: Int(train.labels[i]))
          }
        }
        let ws = net.weights
        var ptrs: [UnsafePointer<Float>] = []
        for w in ws { w.withUnsafeBufferPointer { ptrs.append($0.baseAddress!) } }
        evaluated = withExtendedLifetime(ws) {
          ForwardEvaluator(
            sizes: cfg.layers, weights: ptrs, scales: ws.map { _ in 1 }, neuron: neuron
          )
          .correct(
            pixels: px.baseAddress!, labels: lb.baseAddress!, count: test.count, features: 64)
        }
        for i in 0..<test.count where net.predict(px.baseAddress! + i * 64) == Int(lb[i]) {
          predicted += 1
        }
      }
    }
  }
  // Trained past chance (10 %), so the comparison is not all misses.
  #expect(evaluated > 30 * 6)
  // Single-precision rounding of two summation orders may flip a near tie.
  #expect(abs(evaluated - predicted) <= 1, "evaluator \(evaluated), predict \(predicted)")
}

// MARK: - Off-chip transfer

@Test func programmingPutsTheNearestStateOnOneDeviceAndGMinOnTheOther() {
  var cfg = TrainingConfiguration()
  cfg.layers = [2, 2]
  cfg.nMax = 8
  cfg.betaP = 0
  cfg.betaD = 0
  let net = LimNetwork(configuration: cfg)
  // 0.5 → 4/8; −0.3 → −2/8 (nearest of 2.4); 2 → clipped to G_max;
  // −0.0625 → halfway between 0 and 1/8: the first (lower) state.
  net.program(weights: [[0.5, -0.3, 2, -0.0625, 0, -5]])
  let l = net.layers[0]
  let states = (0..<6).map { [Int(l.kp[$0]), Int(l.km[$0])] }
  #expect(states == [[4, 0], [0, 2], [8, 0], [0, 0], [0, 0], [0, 8]])
  #expect(maxRelativeDifference(net.weights(layer: 0), [0.5, -0.25, 1, 0, 0, -1]) < 1e-12)
  // The array's weight cache follows (programming synchronises).
  let cache = net.arrays[0].weights.map { Double($0) / cfg.gMaxSiemens }
  #expect(maxRelativeDifference(cache, [0.5, -0.25, 1, 0, 0, -1]) < 1e-6)
}

// MARK: - More evaluation points than images

@Test func moreEvaluationPointsThanImagesIsAConfigurationError() throws {
  // evals_per_epoch = 5 on 3 training images cannot be honoured (every
  // point follows at least one trained image): refused, naming the key.
  var cfg = Fixture.configuration(epochs: 1)
  cfg.evaluationsPerEpoch = 5
  #expect {
    _ = try Experiment(configuration: cfg, train: small(3, seed: 1), test: small(5, seed: 2))
  } throws: { ($0 as? ConfigurationError)?.field == "evals_per_epoch" }
  cfg.evaluationsPerEpoch = 3
  let r = try Experiment(configuration: cfg, train: small(3, seed: 1), test: small(5, seed: 2)).run()
  #expect(r.points.count == 3)
}

/// Test images of the training images' pixel count but another shape
/// (14×56 against 28×28) are a different geometry: refused, naming both.
@Test func testImagesOfAnotherShapeAreRefused() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [784, 10, 10]
  let train = IDXDataset(rows: 28, cols: 28, pixels: [UInt8](repeating: 0, count: 784), labels: [1])
  let test = IDXDataset(rows: 14, cols: 56, pixels: [UInt8](repeating: 0, count: 784), labels: [1])
  #expect(throws: ConfigurationError.self) { try Experiment.checkFit(cfg, train: train, test: test) }
  do { try Experiment.checkFit(cfg, train: train, test: test) } catch {
    #expect("\(error)".contains("test images are 14×56, training images 28×28"), "\(error)")
  }
  try Experiment.checkFit(cfg, train: train, test: train)
}

/// Progress breaks (here after every 16 samples: interval 0) change no
/// result: the same points (at mini-batch ends), accuracies, losses to the
/// bit, pulses and resets as a run that is never broken, for batch 1, a
/// batch that does not divide the points' spacing, and the hybrid.
@Test(arguments: [(LearningRule.lim, 1), (.lim, 7), (.lim, 25), (.float, 25), (.hybrid, 1)])
func progressBreaksChangeNoResult(rule: LearningRule, batch: Int) throws {
  var cfg = Fixture.configuration(rule: rule, epochs: 2)
  cfg.batch = batch
  cfg.trainLimit = 200
  cfg.evaluationsPerEpoch = 6
  let e = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
  var broken = 0
  let a = e.run(progress: { _ in broken += 1 }, progressInterval: 0)
  let b = e.run(progressInterval: .max)
  #expect(broken > 20)
  func fingerprint(_ r: TrainingResult) -> [String] {
    r.points.map { "\($0.images) \($0.accuracy) \($0.loss.bitPattern) \($0.pulses) \($0.resets)" }
      + r.epochs.map { "\($0.loss.bitPattern) \($0.trainAccuracy)" }
  }
  #expect(fingerprint(a) == fingerprint(b))
  #expect(a.points.count == 12)
  // Points at mini-batch ends (batches restart each epoch of 200 images).
  #expect(a.points.allSatisfy { ($0.images % 200) % batch == 0 || $0.images % 200 == 0 }, "\(a.points.map(\.images))")
}
