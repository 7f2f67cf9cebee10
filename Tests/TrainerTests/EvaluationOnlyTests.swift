import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `Experiment.evaluationOnly` (`xbarsim evaluate`): the starting network read once and after
// drift, nothing trained. Started from a run's end with that run's images, its one point draws
// the read noise the run's last point drew: the same accuracy, to the image, and the same
// drift reads; the network's devices are not changed.

@Test(arguments: [LearningRule.lim, .hybrid])
func anEvaluationOnlyReadsTheStartingNetworkAndTrainsNothing(rule: LearningRule) throws {
  let cfg = try driftConfiguration(rule) {
    $0.readNoise = 0.02
    $0.driftNuSigma = 0.02
  }
  var network: TrainedNetwork? = nil, images = 0
  let run = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
    .run(finished: { network = $0; images = $1 })
  let e = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
  e.startingNetwork = try #require(network)
  e.startingImages = images
  e.evaluationOnly = true
  func states() -> String {
    switch network! {
    case .lim(let n): "\(n.layerStates)"
    case .hybrid(let h): "\(h.layerStates)"
    }
  }
  let before = states()
  let r = e.run()
  #expect(r.points.count == 1 && r.points[0].images == 0 && r.trainImages == 0 && r.epochs.isEmpty && r.secondsTrain == 0)
  #expect(r.testAccuracy == run.testAccuracy && run.testAccuracy > 20)
  #expect(r.drift == run.drift && r.drift.count == 3)
  #expect(states() == before)
}
