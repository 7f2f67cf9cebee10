import Circuit
import Synchronization
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 68 (a run in parts: `RunRecord`, `takesStartPoint`,
// `finalWindowStart`; the conductance path's weight cache): the survivors,
// each held by what the documentation says.

private func data(_ count: Int, seed: UInt64) -> IDXDataset {
  Fixture.dataset(SyntheticImages(count: count, seed: seed))
}

/// The last 10 % of the points is rounded up (11 points: the last 2), at
/// least one (mutant: rounded down, the last 1).
@Test func aRecordsWindowIsTheLastTenPercentRoundedUp() {
  let points = (1...11).map { RunRecord.Point(images: 10 * $0, accuracy: Double(10 * $0 - 10)) }
  let r = RunRecord(start: 0, points: points)
  let a = r.accuracies(testImages: 10)!
  #expect(a.last == 100 && a.min == 90 && a.max == 100 && a.mean == 95, "\(a)")
}

/// The window's mean is of the counts, rounded once (of 7 test images:
/// 1, 1 and 7 correct, 100·9/21), not the mean of the rounded percentages
/// (mutant), which differs in the last bit.
@Test func aRecordsMeanIsOfTheCountsRoundedOnce() {
  let points = [1, 1, 7].enumerated().map { RunRecord.Point(images: $0.offset + 1, accuracy: 100 * Double($0.element) / 7) }
  let r = RunRecord(start: 0, windowStart: 1, points: points)
  let a = r.accuracies(testImages: 7)!
  #expect(a.mean == 100 * 9 / 21.0, "\(a.mean)")
  #expect(a.mean != points.map(\.accuracy).reduce(0, +) / 3)
}

/// `finalWindowStart`: the end of the first of the run's last updates, in
/// images from this run's start (mutant: from the devices' first epoch of
/// the run, `startingIndex` not taken off).
@Test func theFinalWindowStartCountsFromThisRunsStart() throws {
  var cfg = Fixture.configuration(rule: .lim, epochs: 2)
  cfg.layers = [64, 8, 10]
  cfg.finalIterations = 5
  let e = try Experiment(configuration: cfg, train: data(120, seed: 1), test: data(60, seed: 2))
  #expect(e.finalWindowStart == 236)
  e.startingIndex = 90
  #expect(e.finalWindowStart == 146)
  cfg.finalIterations = 0
  #expect(try Experiment(configuration: cfg, train: data(120, seed: 1), test: data(60, seed: 2)).finalWindowStart == nil)
}


/// A stop inside the evaluation of a point after one of the run's last
/// updates (`final_iterations`, not a regular point): the part that goes
/// on takes that point too (mutant: only a regular point at its start).
@Test func aPartTakesAStartPointAfterOneOfTheLastUpdates() throws {
  var cfg = Fixture.configuration(rule: .lim, epochs: 1)
  cfg.layers = [64, 8, 10]
  cfg.evaluationsPerEpoch = 1
  cfg.finalIterations = 3
  let train = data(120, seed: 1), test = data(300, seed: 2)
  let whole = try Experiment(configuration: cfg, train: train, test: test).run()
  #expect(whole.points.map(\.images) == [118, 119, 120])
  let polls = try pollsBeforePoints(cfg, train: train, test: test)
  let first = try Experiment(configuration: cfg, train: train, test: test)
  var net: TrainedNetwork? = nil
  let n = Atomic<Int>(0)
  let stopped = first.run(shouldStop: { n.add(1, ordering: .relaxed).newValue >= polls[0] }, finished: { trained, _ in net = trained })
  #expect(stopped.interrupted && stopped.points.isEmpty && first.epochImages == 118, "\(stopped.stoppedWhere ?? "") \(first.epochImages)")
  let second = try Experiment(configuration: cfg, train: train, test: test)
  second.startingNetwork = net
  second.startingShuffles = first.shuffles
  second.startingIndex = first.epochImages
  second.startingImages = 118
  second.takesStartPoint = true
  let end = second.run()
  #expect(end.points.map { 118 + $0.images } == whole.points.map(\.images))
  #expect(end.points.map(\.accuracy) == whole.points.map(\.accuracy))
  // Its own average is over the window's points it took, the one at its
  // start among them: the whole run's three (it had left that one out).
  #expect(
    [end.accuracyMeanLast, end.accuracyMinLast, end.accuracyMaxLast] == [whole.accuracyMeanLast, whole.accuracyMinLast, whole.accuracyMaxLast])
}

/// A part that goes on at an epoch's last image (`startingIndex` the
/// epoch's size, its end left): its point at the start is the regular
/// epoch end's (one after the run's last update too), taken once;
/// `takesStartPoint` adds none (mutant: taken twice).
@Test func aPartAtAnEpochsEndTakesItsPointOnce() throws {
  var cfg = Fixture.configuration(rule: .lim, epochs: 1)
  cfg.layers = [64, 8, 10]
  cfg.finalIterations = 1
  let train = data(120, seed: 1), test = data(60, seed: 2)
  func points(takes: Bool) throws -> [Int] {
    let e = try Experiment(configuration: cfg, train: train, test: test)
    e.startingIndex = 120
    e.takesStartPoint = takes
    return e.run().points.map(\.images)
  }
  let plain = try points(takes: false)
  #expect(plain == [0])
  #expect(try points(takes: true) == plain)
}

/// The point at a part's start is its last accuracy until the next (the
/// progress reports' `lastAccuracy`; mutant: none until then).
@Test func theStartPointIsTheProgressReportsLastAccuracy() throws {
  var cfg = Fixture.configuration(rule: .lim, epochs: 2)
  cfg.layers = [64, 8, 10]
  cfg.evaluationsPerEpoch = 4
  let e = try Experiment(configuration: cfg, train: data(120, seed: 1), test: data(60, seed: 2))
  e.startingIndex = 60
  e.takesStartPoint = true
  var reports: [Double?] = []
  let r = e.run(progress: { reports.append($0.lastAccuracy) }, progressInterval: 0)
  let start = try #require(r.points.first)
  #expect(start.images == 0)
  #expect(!reports.isEmpty)
  #expect(reports.first == .some(start.accuracy), "\(reports.prefix(3))")
}

/// A hybrid part stopped in its first measurement of the training
/// accuracy, before any image, takes no point at its start either, though
/// the stop request is not repeated (mutant: the start point evaluated
/// after that stop).
@Test func aHybridPartStoppedBeforeTrainingTakesNoStartPoint() throws {
  var cfg = Fixture.configuration(rule: .hybrid, epochs: 2)
  cfg.layers = [64, 8, 10]
  cfg.evaluationsPerEpoch = 4
  let e = try Experiment(configuration: cfg, train: data(120, seed: 1), test: data(60, seed: 2))
  e.startingIndex = 60
  e.takesStartPoint = true
  var asked = 0
  let r = e.run(shouldStop: { asked += 1; return asked == 1 })
  #expect(r.interrupted && r.points.isEmpty && r.trainImages == 0, "\(r.points.map(\.images))")
  #expect(r.stoppedWhere == "in the hybrid's first measurement of its training accuracy, before any image", "\(r.stoppedWhere ?? "")")
}

/// `testImages`: the test images per evaluation, after `test_limit` (the
/// whole run's mean is of their counts; mutant: the training images).
@Test func anExperimentsTestImagesAreTheTestSetsAfterItsLimit() throws {
  var cfg = Fixture.configuration(rule: .lim, epochs: 1)
  cfg.layers = [64, 8, 10]
  #expect(try Experiment(configuration: cfg, train: data(120, seed: 1), test: data(60, seed: 2)).testImages == 60)
  cfg.testLimit = 25
  #expect(try Experiment(configuration: cfg, train: data(120, seed: 1), test: data(60, seed: 2)).testImages == 25)
}

/// A stop inside the point at a part's start ends the part there: no
/// image trained, the place said (mutant: it trained on).
@Test func aStopInsideTheStartPointEndsThePart() throws {
  var cfg = Fixture.configuration(rule: .lim, epochs: 2)
  cfg.layers = [64, 8, 10]
  cfg.evaluationsPerEpoch = 4
  let e = try Experiment(configuration: cfg, train: data(120, seed: 1), test: data(300, seed: 2))
  e.startingIndex = 60
  e.takesStartPoint = true
  let r = e.run(shouldStop: { true })
  #expect(r.interrupted && r.stoppedWhere == "in the test evaluation at its start", "\(r.stoppedWhere ?? "")")
  #expect(r.points.isEmpty && r.trainImages == 0 && r.pulses == 0)
}

/// Method c's weight cache is the double difference G+ − G− rounded once
/// (it has no integer kernel); methods a and b's on conductance states
/// each device's G in single precision, scaled, then their difference
/// (mutant: method c's rounded as a and b's).
@Test(arguments: [UpdateMethod.a, .b, .c])
func theConductancePathsCacheIsRoundedAsDocumented(method: UpdateMethod) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.seed = 5
  cfg.nMax = 8
  cfg.method = method
  cfg.sigma = 0.3
  cfg.sigmaC2C = 0.05
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  let images = SyntheticImages(count: 40, rows: 4, cols: 4, classes: 4, seed: 13)
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<80 { _ = net.train(px.baseAddress! + (s % images.count) * 16, label: Int(images.labels[s % images.count])) }
  }
  net.applyBatch()
  var differ = 0
  for layer in net.layers {
    #expect(layer.conductanceStates && layer.hasVariation)
    let w = layer.array.weights
    for k in 0..<(layer.rows * layer.columns) {
      let g = layer.conductances(k)
      let once = Float(g.plus - g.minus)
      let each = layer.xp[k] * Float(layer.gp[k] * layer.gMax) - layer.xm[k] * Float(layer.gm[k] * layer.gMax)
      if once != each { differ += 1 }
      let expected = method == .c ? once : each
      #expect(w[k].bitPattern == expected.bitPattern, "synapse \(k): \(w[k]) against \(expected)")
    }
  }
  // (The two roundings part for some synapses: the test tells them apart.)
  #expect(differ > 0)
}
