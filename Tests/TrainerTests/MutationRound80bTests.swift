import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 80b: `Experiment.evaluationOnly`. The hybrid's training-set measurement (the
// reference of its first epoch's gain) is skipped: nothing is trained, so no gain is measured;
// and an evaluation only of no starting network is refused.

@Test func anEvaluationOnlyOfAHybridMeasuresNoTrainingSet() throws {
  let cfg = try driftConfiguration(.hybrid)
  var network: TrainedNetwork? = nil, images = 0
  let run = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
    .run(finished: { network = $0; images = $1 })
  // (The run measured it: the evaluation's skipping is what leaves it out.)
  #expect(run.initialTrainAccuracy != nil)
  let e = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
  e.startingNetwork = try #require(network)
  e.startingImages = images
  e.evaluationOnly = true
  let r = e.run()
  #expect(r.initialTrainAccuracy == nil)
  #expect(r.points.count == 1 && r.testAccuracy == run.testAccuracy)
}

@Test func anEvaluationOnlyOfNoStartingNetworkIsRefused() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    let e = try! Experiment(
      configuration: driftConfiguration(.lim), train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
    e.evaluationOnly = true
    _ = e.run()
  }
  #expect(String(decoding: exit.standardErrorContent, as: UTF8.self).contains("an evaluation only of no starting network"))
}
