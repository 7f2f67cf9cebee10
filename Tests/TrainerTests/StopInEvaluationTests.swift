import Circuit
import Foundation
import Synchronization
import Testing
import _TestSupport

@testable import Trainer

// A walkthrough of large networks (session 66): Ctrl-C during an
// evaluation of 784-20000-10 was obeyed 39 s later, when the evaluation
// ended; a SLURM job's SIGTERM risks its grace period so. The evaluations
// now poll the stop request as they read the images.

/// Never stopped, the evaluation counts what the unpolled one counts; asked
/// to stop, it ends without a count, on one thread or two.
@Test func anEvaluationAskedToStopEndsWithoutACount() throws {
  let cfg = Fixture.configuration(rule: .float)
  let net = FloatNetwork(configuration: cfg)
  let test = Fixture.dataset(SyntheticImages(count: 1200, seed: 2))
  let ws = net.weights
  var ptrs: [UnsafePointer<Float>] = []
  for w in ws { w.withUnsafeBufferPointer { ptrs.append($0.baseAddress!) } }
  let evaluator = ForwardEvaluator(sizes: cfg.layers, weights: ptrs, scales: ws.map { _ in 1 }, neuron: cfg.neuron)
  try withExtendedLifetime(ws) {
    try test.pixels.withUnsafeBufferPointer { px in
      try test.labels.withUnsafeBufferPointer { lb in
        for count in [100, 1200] {
          let plain = evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: 64)
          let polls = Atomic<Int>(0)
          let polled = try evaluator.correct(
            pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: 64,
            stop: { polls.add(1, ordering: .relaxed); return false })
          #expect(polled == plain)
          // At the first of every 64 images of each chunk (one chunk below
          // 512 images, else as many as make them about 500 each).
          let t = count < 512 ? 1 : (count + 499) / 500
          let expected = (0..<t).reduce(0) { sum, p in sum + (count * (p + 1) / t - count * p / t + 63) / 64 }
          #expect(polls.load(ordering: .relaxed) == expected, "\(count)")
          #expect(throws: SolverError.stopped) {
            try evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: 64, stop: { true })
          }
        }
      }
    }
  }
}

/// A stop that comes after an epoch's last point, in its training-set
/// accuracy, ends the run there: no epoch record (its accuracy would read
/// 0, and the hybrid's switch compare against it), as a stop at the
/// epoch's last image before its end. Unpolled, the run had finished.
@Test(arguments: [LearningRule.lim, .hybrid, .float])
func aStopInTheTrainingSetAccuracyEndsTheRunWithoutTheEpochsRecord(rule: LearningRule) throws {
  var cfg = Fixture.configuration(rule: rule, epochs: 1)
  cfg.evaluationsPerEpoch = 1
  let experiment = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
  var points = 0
  let result = experiment.run(point: { _ in points += 1 }, shouldStop: { points > 0 })
  #expect(points == 1 && result.points.count == 1)
  #expect(result.interrupted)
  #expect(result.epochs.isEmpty)
  #expect(result.trainImages == Fixture.train.count)
  #expect(result.stoppedWhere == "in epoch 1's training-set accuracy, before its record")
}
