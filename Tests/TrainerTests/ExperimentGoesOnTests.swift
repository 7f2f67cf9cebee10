import Circuit
import Testing
import _TestSupport

@testable import Trainer

// An experiment stopped inside an epoch and a second one that goes on from
// its network (`startingNetwork`, `startingShuffles`, `startingIndex`,
// `startingSwitchReference`) end where one uninterrupted run ends: the
// rest of the stopped epoch is trained first, in its order, with the
// random streams where the first run left them (the same objects here;
// checkpoints carry them: HybridCheckpointTests, TrainFromCheckpointTests).

private func data(_ count: Int, seed: UInt64) -> IDXDataset {
  Fixture.dataset(SyntheticImages(count: count, seed: seed))
}

/// The devices of a network, as numbers.
private func devices(_ net: TrainedNetwork) -> [[Double]] {
  switch net {
  case .lim(let n): return n.layerStates.flatMap { [$0.plusStates.map(Double.init), $0.minusStates.map(Double.init), $0.plusConductances, $0.minusConductances] }
  case .hybrid(let n): return n.layerStates.flatMap { $0.conductances.map { $0.map(Double.init) } + [$0.weights.map(Double.init)] }
  }
}

private func network(_ cfg: TrainingConfiguration) throws -> TrainedNetwork {
  cfg.rule == .lim ? .lim(LimNetwork(configuration: cfg)) : .hybrid(try HybridNetwork(configuration: cfg))
}

/// One uninterrupted run of `cfg` on a network of its own: the experiment
/// (its shuffles), the network as it ends, and the result.
private func uninterrupted(_ cfg: TrainingConfiguration, train: IDXDataset, test: IDXDataset) throws
  -> (experiment: Experiment, net: TrainedNetwork, end: TrainingResult)
{
  let whole = try Experiment(configuration: cfg, train: train, test: test)
  let net = try network(cfg)
  whole.startingNetwork = net
  return (whole, net, whole.run())
}

/// The state a checkpoint carries, in a network of its own (a mini-batch's
/// pending updates stay behind, as they do in a checkpoint).
private func copy(of net: TrainedNetwork, _ cfg: TrainingConfiguration) throws -> TrainedNetwork {
  let restored = try network(cfg)
  switch (net, restored) {
  case (.lim(let a), .lim(let b)): try b.restore(a.layerStates)
  case (.hybrid(let a), .hybrid(let b)): try b.restore(a.layerStates, phase: a.phase, encoderStreams: a.encoderStreams)
  default: Issue.record("another kind of network")
  }
  return restored
}

/// A run of `cfg` stopped after `polls` polls of its stop request (at each
/// 16th sample and chunk end): the experiment, its network and result.
private func stoppedRun(_ cfg: TrainingConfiguration, train: IDXDataset, test: IDXDataset, polls limit: Int) throws
  -> (experiment: Experiment, net: TrainedNetwork, end: TrainingResult)
{
  var polls = 0
  let first = try Experiment(configuration: cfg, train: train, test: test)
  let net = try network(cfg)
  first.startingNetwork = net
  return (first, net, first.run(shouldStop: { polls += 1; return polls > limit }))
}

/// The run that goes on from `first` (stopped on `net`) for `epochs`
/// epochs, on a copy of its network, as from its checkpoint.
private func goOn(
  from first: Experiment, _ net: TrainedNetwork, _ cfg: TrainingConfiguration, epochs: Int,
  train: IDXDataset, test: IDXDataset
) throws -> (experiment: Experiment, net: TrainedNetwork, end: TrainingResult) {
  var rest = cfg
  rest.epochs = epochs
  let second = try Experiment(configuration: rest, train: train, test: test)
  let restored = try copy(of: net, cfg)
  second.startingNetwork = restored
  second.startingShuffles = first.shuffles
  second.startingIndex = first.epochImages
  second.startingSwitchReference = first.switchReference
  return (second, restored, second.run())
}

struct GoOnCase: Sendable, CustomTestStringConvertible {
  var name: String
  var apply: @Sendable (inout TrainingConfiguration) -> Void
  var testDescription: String { name }
}

@Test(arguments: [
  GoOnCase(name: "lim, method b") { _ in },
  GoOnCase(name: "lim, σ_c2c 0.3, mini-batches of 3") { $0.sigmaC2C = 0.3; $0.batch = 3 },
  GoOnCase(name: "hybrid, stochastic, switch after epoch 1") { $0.rule = .hybrid; $0.switchThreshold = 99.99 },
  GoOnCase(name: "hybrid, switch decided on the reference") { $0.rule = .hybrid },
  // (A faster learner: its accuracy moves inside the stopped epoch, so a
  // reference measured again on the stopped network would differ.)
  GoOnCase(name: "hybrid, lr 1, 16 hidden") { $0.rule = .hybrid; $0.learningRate = 1; $0.layers = [64, 16, 10] },
])
func aRunStoppedInsideAnEpochGoesOnToTheSameDevices(_ c: GoOnCase) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.epochs = 3
  cfg.evaluationsPerEpoch = 1
  c.apply(&cfg)
  let train = data(120, seed: 1), test = data(10, seed: 2)
  // One run of three epochs.
  let (whole, wholeNet, wholeEnd) = try uninterrupted(cfg, train: train, test: test)
  // Stopped in its second epoch (polled at each 16th sample and chunk end,
  // and since session 66 at each 64th image of an evaluation: the
  // hybrid's first measurement of its training accuracy takes 2 more),
  // then the rest: the first run's 1 + the rest of epoch 2, and epoch 3.
  let (first, net, stopped) = try stoppedRun(cfg, train: train, test: test, polls: cfg.rule == .hybrid ? 14 : 12)
  #expect(stopped.interrupted && stopped.stoppedWhere == "in training")
  #expect(first.epochImages > 0 && first.epochImages < 120, "\(first.epochImages)")
  // Its count is of the images whose updates went out (a mini-batch it
  // stopped inside is not counted: it had been, session 40).
  #expect(stopped.trainImages == 120 + first.epochImages)
  #expect(first.epochImages % cfg.batch == 0)
  let (second, restored, end) = try goOn(from: first, net, cfg, epochs: 2, train: train, test: test)
  #expect(!end.interrupted)
  #expect(devices(restored) == devices(wholeNet))
  #expect(second.shuffles == whole.shuffles)
  if case .hybrid(let a) = restored, case .hybrid(let b) = wholeNet { #expect(a.phase == b.phase) }
  // The hybrid's switch after epoch 2 compares with epoch 1's accuracy,
  // not with the stopped network's.
  if cfg.rule == .hybrid {
    #expect(first.switchReference == wholeEnd.epochs[0].trainAccuracy)
    #expect(end.initialTrainAccuracy == first.switchReference)
  }
  // The second run trained the rest of epoch 2 and epoch 3.
  #expect(end.trainImages == 240 - first.epochImages)
  #expect(end.epochs.count == 2)
  // Its points are where the whole run's lie, at the epochs' ends, and
  // find the same accuracies there (they had been spread over its own
  // images, session 40).
  #expect(end.points.map(\.images) == [120 - first.epochImages, 240 - first.epochImages])
  #expect(end.points.map(\.accuracy) == wholeEnd.points.suffix(2).map(\.accuracy))
  #expect(end.epochs.map(\.testAccuracy) == wholeEnd.epochs.suffix(2).map(\.testAccuracy))
}

/// Stopped at an epoch's last image (its updates out, its end not yet
/// taken): a one-epoch run from there trains nothing, but still takes its
/// point (the given network's accuracy) and the epoch's record; before,
/// it had ended with no point at all.
@Test func aRunStoppedAtTheEpochsLastImageStillTakesItsPoint() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.epochs = 1
  cfg.evaluationsPerEpoch = 4
  let train = data(48, seed: 1), test = data(10, seed: 2)
  let net = LimNetwork(configuration: cfg)
  let first = try Experiment(configuration: cfg, train: train, test: test)
  first.startingNetwork = .lim(net)
  let firstEnd = first.run()
  let second = try Experiment(configuration: cfg, train: train, test: test)
  second.startingNetwork = .lim(net)
  second.startingShuffles = first.shuffles
  second.startingIndex = 48
  let before = net.layerStates.map(\.plusStates)
  let end = second.run()
  #expect(!end.interrupted)
  #expect(end.trainImages == 0)
  #expect(end.points.count == 1)
  #expect(end.points.first?.images == 0)
  // The network the first run ended with, untouched since its last point.
  #expect(end.points.first?.accuracy == firstEnd.points.last?.accuracy)
  #expect(end.epochs.count == 1)
  // No image trained: no loss (it had read 0; session 64).
  #expect(end.epochs.first?.loss.isNaN == true && end.points.first?.loss.isNaN == true)
  #expect(firstEnd.epochs.first.map { $0.loss > 0 } == true)
  #expect(net.layerStates.map(\.plusStates) == before)
  #expect(second.epochImages == 0)
}

/// Periodic saves (`save`, `saveDue`; `train --checkpoint-every`): a run
/// that saves at every chance (each point inside an epoch and each epoch's
/// end but the last) trains as one that never saves, and from every save a
/// run of the epochs left ends on the uninterrupted run's devices, as after
/// a `kill -9` that left only the last save.
@Test(arguments: [
  GoOnCase(name: "lim, method b") { _ in },
  GoOnCase(name: "lim, σ_c2c 0.3, mini-batches of 3") { $0.sigmaC2C = 0.3; $0.batch = 3 },
  GoOnCase(name: "hybrid, stochastic, switch after epoch 1") { $0.rule = .hybrid; $0.switchThreshold = 99.99 },
  GoOnCase(name: "hybrid, switch decided on the reference") { $0.rule = .hybrid },
  GoOnCase(name: "single, sign rule") { $0.rule = .single; $0.encoding = .sign },
])
func everyPeriodicSaveGoesOnToTheSameDevices(_ c: GoOnCase) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.epochs = 3
  cfg.evaluationsPerEpoch = 3
  c.apply(&cfg)
  let train = data(120, seed: 1), test = data(10, seed: 2)
  let (_, wholeNet, wholeEnd) = try uninterrupted(cfg, train: train, test: test)

  /// What a checkpoint would hold at a save.
  struct Save {
    var net: TrainedNetwork
    var images, shuffles, epochImages: Int
    var reference: Double?
  }
  // Chunks that end only at the points, then every 16 samples (the
  // smallest), as a slow run's progress bar ends them.
  for interval: UInt64 in [.max, 0] {
  var saves: [Save] = []
  let saving = try Experiment(configuration: cfg, train: train, test: test)
  let savingNet = try network(cfg)
  saving.startingNetwork = savingNet
  let savingEnd = saving.run(
    progressInterval: interval,
    save: { net, images in
      saves.append(Save(
        net: try! copy(of: net, cfg), images: images, shuffles: saving.shuffles, epochImages: saving.epochImages, reference: saving.switchReference))
    },
    saveDue: { true })
  // The saves changed nothing.
  #expect(devices(savingNet) == devices(wholeNet))
  #expect(savingEnd.points.map(\.accuracy) == wholeEnd.points.map(\.accuracy))
  #expect(savingEnd.pulses == wholeEnd.pulses)
  // At the points: two inside each epoch (at 40 and 80 images, or the
  // mini-batch's end after them) and at the first two epochs' ends; with
  // the smallest chunks at every 16th sample too that ends a mini-batch.
  if interval == .max {
    #expect(saves.count == 8, "\(saves.map(\.images))")
  } else {
    // (Every 16th sample of the epoch, the loop's stop poll, or the end of
    // the mini-batch it falls in: the save waits for it.)
    let sixteens = (0..<3).flatMap { e in
      (1...7).map { (16 * $0 + cfg.batch - 1) / cfg.batch * cfg.batch }.filter { $0 < 120 }.map { 120 * e + $0 }
    }
    #expect(Set(sixteens).isSubset(of: Set(saves.map(\.images))), "\(saves.map(\.images))")
  }
  #expect(saves.filter { $0.epochImages == 0 }.map(\.images) == [120, 240])
  for s in saves {
    #expect(s.epochImages == s.images % 120 && s.epochImages % cfg.batch == 0)
    var rest = cfg
    rest.epochs = 3 - s.images / 120
    let second = try Experiment(configuration: rest, train: train, test: test)
    second.startingNetwork = s.net
    second.startingShuffles = s.shuffles
    second.startingIndex = s.epochImages
    // (As `train --checkpoint-in` gives it: inside an epoch only.)
    if s.epochImages > 0 { second.startingSwitchReference = s.reference }
    let end = second.run()
    #expect(!end.interrupted)
    #expect(devices(s.net) == devices(wholeNet), "from the save at \(s.images) images")
    #expect(end.trainImages == 360 - s.images)
    #expect(end.points.last?.accuracy == wholeEnd.points.last?.accuracy)
    if case .hybrid(let a) = s.net, case .hybrid(let b) = wholeNet { #expect(a.phase == b.phase) }
  }
  }
  // Without a network in arrays (float SGD), nothing is saved.
  var float = cfg
  float.rule = .float
  var floatSaves = 0
  _ = try Experiment(configuration: float, train: train, test: test).run(save: { _, _ in floatSaves += 1 }, saveDue: { true })
  #expect(floatSaves == 0)
}

/// Stopped inside an epoch's first mini-batch (none of its updates out):
/// the state is the previous epoch's end, and a run going on from there
/// draws this epoch's shuffle again, the same order as the uninterrupted
/// run's. The stopped run had counted the shuffle, and the run going on
/// drew the next one (a walkthrough, session 46: `--batch 1000`, Ctrl-C in
/// epoch 2's first batch, 61.00 % against 52.00 %).
@Test func aRunStoppedInsideAnEpochsFirstBatchGoesOnInTheSameOrder() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.epochs = 3
  cfg.batch = 40
  cfg.evaluationsPerEpoch = 1
  let train = data(120, seed: 1), test = data(10, seed: 2)
  let (whole, wholeNet, _) = try uninterrupted(cfg, train: train, test: test)
  // Polled at each 16th sample and chunk end, and in the evaluations at
  // each 64th image (since session 66): epoch 1 takes 8 polls in training,
  // 1 in its test evaluation and 2 in its training-set accuracy; the 12th
  // comes at epoch 2's 16th image, inside its first batch.
  let (first, net, stopped) = try stoppedRun(cfg, train: train, test: test, polls: 11)
  #expect(stopped.interrupted)
  try #require(stopped.trainImages == 120 && first.epochImages == 0, "\(stopped.trainImages) \(first.epochImages)")
  #expect(first.shuffles == 1)
  let (second, restored, _) = try goOn(from: first, net, cfg, epochs: 2, train: train, test: test)
  #expect(second.shuffles == whole.shuffles)
  #expect(devices(restored) == devices(wholeNet))
}

/// Stopped in an evaluation at an epoch's end whose last mini-batch does
/// not divide the epoch (its updates applied before the evaluation): the
/// place is the epoch's end with nothing unapplied, and the run going on
/// reaches the uninterrupted run's devices. (Review 66: the batch was
/// counted unapplied, `epoch_images` 64 of 100, and the run going on
/// trained its 36 images again; evaluations poll the stop request since
/// session 66, so any run could stop there.)
@Test(arguments: ["test evaluation", "training-set accuracy"])
func aStopInAnEpochEndsEvaluationKeepsItsAppliedLastBatch(_ place: String) throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.epochs = 2
  cfg.batch = 64
  cfg.evaluationsPerEpoch = 1
  let train = data(100, seed: 1), test = data(10, seed: 2)
  let (_, wholeNet, _) = try uninterrupted(cfg, train: train, test: test)
  let first = try Experiment(configuration: cfg, train: train, test: test)
  let net = try network(cfg)
  first.startingNetwork = net
  var polls = 0, points = 0
  // Training polls at its 16th, 32nd, …, 96th image and at its chunk's end
  // (7 polls); the 8th is the test evaluation's first. The training-set
  // accuracy comes after the point.
  let stopped = first.run(
    point: { _ in points += 1 },
    shouldStop: {
      polls += 1
      return place == "test evaluation" ? polls > 7 : points > 0
    })
  #expect(stopped.interrupted)
  #expect(stopped.points.count == (place == "test evaluation" ? 0 : 1))
  // Where, as its message says it.
  #expect(stopped.stoppedWhere == (place == "test evaluation" ? "in the test evaluation after them" : "in epoch 1's training-set accuracy, before its record"))
  #expect(stopped.epochs.isEmpty)
  #expect(stopped.trainImages == 100 && first.epochImages == 100, "\(stopped.trainImages) \(first.epochImages)")
  let (_, restored, end) = try goOn(from: first, net, cfg, epochs: 2, train: train, test: test)
  #expect(!end.interrupted)
  #expect(devices(restored) == devices(wholeNet))
}

/// Stopped in the hybrid's first measurement of its training accuracy
/// (the switch's reference), before any image: no image trained, no
/// reference saved, the shuffle not counted, and the run going on (which
/// measures the reference itself) reaches the uninterrupted run's devices
/// and phase. (Review 66: that pass ignored a stop, and before it a stop
/// had left a reference of 0.)
@Test func aHybridStoppedInItsFirstMeasurementGoesOnToTheSameDevices() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [64, 8, 10]
  cfg.rule = .hybrid
  cfg.epochs = 3
  cfg.evaluationsPerEpoch = 1
  let train = data(120, seed: 1), test = data(10, seed: 2)
  let (_, wholeNet, wholeEnd) = try uninterrupted(cfg, train: train, test: test)
  let (first, net, stopped) = try stoppedRun(cfg, train: train, test: test, polls: 0)
  #expect(stopped.interrupted && stopped.trainImages == 0 && stopped.points.isEmpty)
  #expect(stopped.initialTrainAccuracy == nil && first.switchReference == nil)
  #expect(stopped.stoppedWhere == "in the hybrid's first measurement of its training accuracy, before any image")
  // The cut-short measurement's time is the run's evaluation time.
  #expect(stopped.secondsEvaluate > 0)
  #expect(first.shuffles == 0 && first.epochImages == 0)
  let (_, restored, end) = try goOn(from: first, net, cfg, epochs: 3, train: train, test: test)
  #expect(!end.interrupted)
  #expect(end.initialTrainAccuracy == wholeEnd.initialTrainAccuracy)
  #expect(devices(restored) == devices(wholeNet))
  if case .hybrid(let a) = restored, case .hybrid(let b) = wholeNet { #expect(a.phase == b.phase) }
}
