import Circuit
import Dispatch
import Peripherals

/// One test-set evaluation during training.
public struct EvaluationPoint: Sendable {
  /// Training images seen so far.
  public var images: Int
  /// Test accuracy in percent.
  public var accuracy: Double
  /// Mean training loss (cross-entropy, or ½Σ(y − t)² with `loss mse`)
  /// since the previous point; NaN when no image was trained since (a run
  /// from a checkpoint saved at an epoch's last image: its point at 0).
  public var loss: Double
  /// Identical pulses and resets issued so far.
  public var pulses: Int
  public var resets: Int
  /// Training seconds so far (evaluation excluded).
  public var seconds: Double
  /// Per hidden layer, the fraction of its neurons with an open derivative
  /// gate over the training samples since the previous point (rule lim, on
  /// chip or its off-chip twin, and rules hybrid and single; empty for
  /// float SGD and off-chip transfer of weights).
  public var gateOpen: [Double] = []

  public init(
    images: Int, accuracy: Double, loss: Double, pulses: Int, resets: Int, seconds: Double, gateOpen: [Double] = []
  ) {
    self.images = images
    self.accuracy = accuracy
    self.loss = loss
    self.pulses = pulses
    self.resets = resets
    self.seconds = seconds
    self.gateOpen = gateOpen
  }
}

/// What one epoch did (Choi Fig. 4: accuracies, update frequency, MSE).
public struct EpochRecord: Sendable {
  /// 1-based epoch number.
  public var epoch: Int
  /// Training images seen so far.
  public var images: Int
  /// Accuracy on the training images (after `train_limit`) at the end of
  /// the epoch, percent.
  public var trainAccuracy: Double
  /// Test accuracy at the epoch's last evaluation point, percent.
  public var testAccuracy: Double
  /// Mean loss (`loss`) of the epoch's training samples; NaN when this
  /// run trained none of them (from a checkpoint saved at its last image:
  /// until session 64 it read 0, as if no loss).
  public var loss: Double
  /// Mean squared error Σ_j (p_j − t_j)²/n of the epoch's training samples
  /// (finite-state rules; nil otherwise).
  public var meanSquaredError: Double?
  /// Identical pulses issued in this epoch.
  public var pulses: Int
  /// Synapse updates (synapses that got ≥ 1 pulse, summed over samples):
  /// rules hybrid and single (the coincidence counts); nil for the others,
  /// which do not count them.
  public var cellUpdates: Int?
  /// cellUpdates / (images in the epoch × synapses): the fraction of
  /// synapses updated per image (Choi Fig. 4B); nil with `cellUpdates`.
  public var updateFrequency: Double?
  /// Training seconds of this epoch (evaluation excluded).
  public var seconds: Double
  /// The arrays updated during the epoch: `dynamic` (big), `fine` (small),
  /// or empty for rules without phases.
  public var phase: String
  /// At the epoch's end, the fraction of synapses whose big (small) pair is
  /// at its weight limit, one device at G_max and the other at G_min
  /// (finite-state rules; `smallAtLimit` for rule hybrid only).
  public var bigAtLimit: Double? = nil
  public var smallAtLimit: Double? = nil
  /// Rule hybrid: the switch to the small arrays comes at this epoch's end
  /// (its gain in training accuracy under `switch_threshold`).
  public var switchesAfter = false

  public init(
    epoch: Int, images: Int, trainAccuracy: Double, testAccuracy: Double, loss: Double, meanSquaredError: Double?,
    pulses: Int, cellUpdates: Int?, updateFrequency: Double?, seconds: Double, phase: String,
    bigAtLimit: Double? = nil, smallAtLimit: Double? = nil
  ) {
    self.epoch = epoch
    self.images = images
    self.trainAccuracy = trainAccuracy
    self.testAccuracy = testAccuracy
    self.loss = loss
    self.meanSquaredError = meanSquaredError
    self.pulses = pulses
    self.cellUpdates = cellUpdates
    self.updateFrequency = updateFrequency
    self.seconds = seconds
    self.phase = phase
    self.bigAtLimit = bigAtLimit
    self.smallAtLimit = smallAtLimit
  }
}

/// One layer's stuck devices: `open` (0 S; rule lim: every device of
/// scale 0 that is not shorted, with σ and `negative_scale dead` a dead
/// draw too, which conducts nothing either), `shorted` (at G_max) and
/// all its `devices` (two a synapse, four for rule hybrid).
public struct StuckCount: Sendable, Equatable {
  public var open: Int
  public var shorted: Int
  public var devices: Int

  public init(open: Int, shorted: Int, devices: Int) {
    self.open = open
    self.shorted = shorted
    self.devices = devices
  }
}

/// What a training run measured.
public struct TrainingResult: Sendable {
  /// One record per finished epoch.
  public var epochs: [EpochRecord] = []
  /// Accuracy on the training images after the last epoch, percent.
  public var trainAccuracy: Double = 0
  /// The hybrid's training accuracy before training: the reference of the
  /// first epoch's gain.
  public var initialTrainAccuracy: Double? = nil
  /// The hybrid's switch to fine tuning: after this many epochs (nil: it
  /// did not switch).
  public var phaseSwitchEpoch: Int? = nil
  /// Synapse updates (finite-state rules).
  public var cellUpdates: Int = 0
  public var points: [EvaluationPoint] = []
  /// Accuracy at the last evaluation point (percent).
  public var testAccuracy: Double = 0
  /// Mean, min and max over the last 10 % of the evaluation points (or,
  /// with `final_iterations` N, over the evaluations after the run's last
  /// N updates): the paper's "average accuracy" and its error bars.
  public var accuracyMeanLast: Double = 0
  public var accuracyMinLast: Double = 0
  public var accuracyMaxLast: Double = 0
  public var trainImages: Int = 0
  /// Seconds spent training (forward, backward, update), evaluation excluded.
  public var secondsTrain: Double = 0
  public var secondsEvaluate: Double = 0
  /// The fastest single evaluation of the test set (s).
  public var secondsEvaluateMin: Double = .infinity
  public var pulses: Int = 0
  /// Of `pulses`, those that re-potentiate a device after a reset.
  public var repotentiationPulses: Int = 0
  /// Rule lim's re-potentiation loops stopped at their cap
  /// (`TrainingConfiguration.repotentiationCap`) short of the old weight
  /// (methods a and b on conductance states).
  public var cappedRepotentiations: Int = 0
  public var resets: Int = 0
  /// Every device's pulses and resets (`endurance`), nil without.
  public var endurance: EnduranceStatistics? = nil
  /// Energy of all array reads during training (J).
  public var readEnergy: Double = 0
  /// Energy and latency of the training, from the simulation (on-chip
  /// rules lim, hybrid and single; nil otherwise): `LimNetwork.ledger`,
  /// `HybridNetwork.ledger`.
  public var ledger: EnergyLedger? = nil
  /// Stopped early (interrupt, or `failure`).
  public var interrupted = false
  /// Where a stop request ended the run, for its message: "in training",
  /// "in the test evaluation after them" (the images trained), "in epoch
  /// N's training-set accuracy, before its record", or "in the hybrid's
  /// first measurement of its training accuracy, before any image". nil
  /// when not stopped so.
  public var stoppedWhere: String? = nil
  /// Why the run stopped early other than by an interrupt: a resistive
  /// read whose solve did not converge.
  public var failure: String? = nil
  /// Mean device conductance of the arrays at the end (S): both devices of
  /// every synapse of every layer (on-chip, or the arrays off-chip
  /// training was last programmed into; 0 for float SGD). With resistive
  /// lines the IR drop of each mesh grows with its own total conductance,
  /// not with G+ − G−, so this common-mode level matters.
  public var meanConductance: Double = 0
  /// With `stuck_off` or `stuck_on` (rules lim, on chip or the arrays of an
  /// off-chip transfer, hybrid and single): per layer, its devices stuck
  /// open and shorted at the run's end, as drawn (or as a checkpoint kept
  /// them); nil otherwise.
  public var stuckDevices: [StuckCount]? = nil
  /// With an ADC (`adc_bits` > 0; rules lim, hybrid and single): per
  /// layer, the share of its test-set sums that the ADC clipped
  /// (|s| beyond `adc_range`) at the last evaluation; nil without one.
  public var adcClippedFractions: [Double]? = nil
  /// Of them, the shares clipped at the top (s > `adc_range`): the
  /// clipped sums that a hard sigmoid with `activation zero` reads
  /// otherwise (below −range it gives 0 either way).
  public var adcClippedAboveFractions: [Double]? = nil
  /// The share of the test images two or more of whose output sums the
  /// ADC clipped at its top at the last evaluation: those classes read
  /// the same code (nil without an ADC).
  public var adcTiedAtTopFraction: Double? = nil
  /// Resistive lines: nodal-solver iterations and solves of the training
  /// reads (0 with ideal wires).
  public var solverIterations: Int = 0
  public var solverSolves: Int = 0
  /// With `write_lines resistive`: what the training's update pulses saw
  /// through the lines (this run's, not a checkpoint's before it).
  public var writeLines: WriteLineStatistics? = nil
  /// With `drift_times`: the test accuracy of the trained arrays at each
  /// time after programming, their conductances drifted (empty without
  /// drift_times, and when the run stopped or failed before its end; a
  /// stop inside the drift evaluation keeps the times done).
  public var drift: [DriftPoint] = []
  /// With `drift_refresh` (and `drift_times`): the refresh of the copy of
  /// the arrays that the drift reads read.
  public var refresh: DeploymentRefresh? = nil

  public var imagesPerSecond: Double { secondsTrain > 0 ? Double(trainImages) / secondsTrain : 0 }

  /// An empty result (a run's numbers read back from a file).
  public init() {}
}

/// The trained arrays read at one time after programming, their devices'
/// conductances drifted (`drift_times`).
public struct DriftPoint: Sendable, Equatable {
  /// Seconds after programming.
  public var seconds: Double
  /// Test accuracy (%) of the drifted arrays.
  public var accuracy: Double
  /// Test accuracy (%) with global drift compensation: each array's
  /// outputs times its gain.
  public var compensatedAccuracy: Double
  /// Per array, the compensation's gain: its reference read (every row
  /// at the full read voltage, Σ_j |I_j|) at t₀ over the same read at t
  /// (1 where the read at t is 0); with `drift_compensation column`, the
  /// mean of its columns' gains (each Σ_i |w_ij| at t₀ over the same at t).
  public var gains: [Double]

  public init(seconds: Double, accuracy: Double, compensatedAccuracy: Double, gains: [Double]) {
    self.seconds = seconds
    self.accuracy = accuracy
    self.compensatedAccuracy = compensatedAccuracy
    self.gains = gains
  }
}

/// The network a run trained in its arrays (`Experiment.run`'s `finished`).
public enum TrainedNetwork {
  /// Rule lim (on chip, or the array an off-chip run programmed).
  case lim(LimNetwork)
  /// Rules hybrid and single.
  case hybrid(HybridNetwork)

  /// The network's identical pulses, of them re-potentiations, and resets
  /// (since it was built, or its counters were restored).
  public var counts: (pulses: Int, repotentiations: Int, resets: Int) {
    switch self {
    case .lim(let n): return (n.pulses, n.repotentiations, n.resets)
    case .hybrid(let n): return (n.pulses, n.repotentiations, n.resets)
    }
  }

  /// The network's energy and latency ledger, as `TrainingResult.ledger`
  /// books it (since it was built).
  public var ledger: EnergyLedger {
    switch self {
    case .lim(let n): return n.ledger()
    case .hybrid(let n): return n.ledger()
    }
  }
}

/// Progress of a run, for a progress bar.
public struct TrainingProgress: Sendable {
  public var images: Int
  public var totalImages: Int
  public var imagesPerSecond: Double
  public var lastAccuracy: Double?
}

/// A training run: a configuration, the data, and the loop that trains,
/// evaluates at regular points and reports.
public final class Experiment {
  /// The bytes read ahead from the next training image (below), kept so
  /// that the reads are not optimised away.
  var readAheadSink: UInt8 = 0
  public let configuration: TrainingConfiguration
  let train: IDXDataset
  let test: IDXDataset
  let trainCount: Int
  /// The test images each evaluation reads (`test_limit` of the test set).
  public let testCount: Int
  /// The network the next `run` trains (in place) instead of building one
  /// from the configuration, e.g. one loaded from a checkpoint: a
  /// `LimNetwork` for rule lim on chip, a `HybridNetwork` for rules hybrid
  /// and single, built from this configuration.
  public var startingNetwork: TrainedNetwork? = nil
  /// The epochs' shuffles of the training order the starting network's
  /// run made: the next `run` makes them again before its own, so that its
  /// epochs take the orders that run's next epochs would have.
  public var startingShuffles = 0
  /// The shuffles of the training order made so far (`startingShuffles`
  /// and the last run's, one per epoch begun, with `shuffle`).
  public private(set) var shuffles = 0
  /// Images into its last epoch the starting network's run had trained
  /// (updates applied: a mini-batch's end) when it stopped: the next
  /// `run`'s first epoch goes on from there in that epoch's order, with
  /// no shuffle of its own; 0 (the default) begins a new epoch.
  public var startingIndex = 0
  /// The training images the starting network's devices had seen (a
  /// checkpoint's, all its runs): this run's images are numbered on from
  /// them, and its read noise is drawn by those numbers (`read_noise`), so
  /// that a run that goes on from a checkpoint draws what the uninterrupted
  /// run would have.
  public var startingImages = 0
  /// The hybrid's training accuracy at the end of the starting run's
  /// last whole epoch (its switch compares the next epoch's with it); nil:
  /// measured on the starting network.
  public var startingSwitchReference: Double? = nil
  /// Takes a point at the run's start when one of the run it goes on from
  /// lies there (a regular one, or after one of its last updates), as that
  /// run stopped inside its evaluation: the points are then the
  /// uninterrupted run's. Set by a part that knows the point was not
  /// taken (`RunRecord`); otherwise a point at the start is left out.
  public var takesStartPoint = false
  /// Reads the starting network without training it (`xbarsim evaluate`):
  /// the next `run` takes one test evaluation at its start (its read noise
  /// drawn by `startingImages`, as the saved run's last point drew it) and
  /// the drift reads (`drift_times`), and trains no image: no epoch, no
  /// pulse, the hybrid's training-set measurement skipped.
  public var evaluationOnly = false
  /// After `run`: images of its last epoch whose updates reached the
  /// devices, 0 when that epoch ended (`startingIndex` for a run that goes
  /// on from here).
  public private(set) var epochImages = 0
  /// After `run`: the hybrid's switch reference (`startingSwitchReference`
  /// for a run that goes on from here).
  public private(set) var switchReference: Double? = nil
  /// Seconds of training (evaluations excluded) at the last periodic save
  /// and, after `run`, of the whole run: what a checkpoint saved there
  /// records (`RunRecord`).
  public private(set) var secondsTrained = 0.0
  /// Epoch records the last `run` has made so far (an epoch it went on
  /// inside counted as one), and the one after which the hybrid switched
  /// to fine tuning (nil: not so far): what a checkpoint saved now
  /// records (`RunRecord`).
  public private(set) var epochsRecorded = 0
  public private(set) var switchedAfterEpoch: Int? = nil

  /// - Throws: `ConfigurationError` when the configuration is invalid or
  ///   does not fit the data (input size, classes).
  public init(configuration: TrainingConfiguration, train: IDXDataset, test: IDXDataset) throws {
    try configuration.validate()
    try Self.checkFit(configuration, train: train, test: test)
    self.configuration = configuration
    self.train = train
    self.test = test
    trainCount = configuration.trainLimit > 0 ? min(configuration.trainLimit, train.count) : train.count
    testCount = configuration.testLimit > 0 ? min(configuration.testLimit, test.count) : test.count
    guard trainCount >= 1, testCount >= 1 else {
      throw ConfigurationError(field: "data", "needs at least one training and one test image")
    }
    guard configuration.evaluationsPerEpoch <= trainCount else {
      throw ConfigurationError(
        field: "evals_per_epoch",
        "\(configuration.evaluationsPerEpoch) evaluations per epoch exceed the \(trainCount) training images per epoch")
    }
    // One point per batch end: more would silently be fewer.
    let batches = configuration.batchesPerEpoch(trainingImages: trainCount)
    guard configuration.evaluationsPerEpoch <= batches else {
      throw ConfigurationError(
        field: "evals_per_epoch",
        "\(configuration.evaluationsPerEpoch) evaluations per epoch exceed the \(batches) mini-batches of \(configuration.batch) per epoch")
    }
    guard configuration.finalIterations <= batches * configuration.epochs else {
      throw ConfigurationError(
        field: "final_iterations",
        "\(configuration.finalIterations) exceed the run's \(batches * configuration.epochs) updates (mini-batches of \(configuration.batch))")
    }
  }

  /// With `final_iterations`, where the run's average window begins: the
  /// end of the first of its last updates, in training images from this
  /// run's start (0 or less: before it, in the run it goes on from); nil
  /// without.
  public var finalWindowStart: Int? {
    Self.finalUpdateEnds(
      count: configuration.finalIterations, images: trainCount, batch: configuration.batch, epochs: configuration.epochs
    ).first.map { $0 - startingIndex }
  }

  /// The ends of a run's last `count` updates, in training images from the
  /// run's start, ascending: an epoch's updates end at every multiple of
  /// `batch` below its `images` and at its end (a shorter last batch).
  static func finalUpdateEnds(count: Int, images: Int, batch: Int, epochs: Int) -> [Int] {
    var ends: [Int] = []
    var epoch = epochs
    while epoch > 0 && ends.count < count {
      let start = (epoch - 1) * images
      ends.append(start + images)
      var j = (images - 1) / batch
      while j >= 1 && ends.count < count {
        ends.append(start + j * batch)
        j -= 1
      }
      epoch -= 1
    }
    return ends.reversed()
  }

  /// Whether the network fits the data: the input layer one neuron per
  /// pixel, test and training images of one size, an output neuron per
  /// class. (A command checks this before its own limits: a network of the
  /// wrong shape is the first thing to say.)
  public static func checkFit(_ configuration: TrainingConfiguration, train: IDXDataset, test: IDXDataset) throws {
    let features = train.rows * train.cols
    guard configuration.layers[0] == features else {
      throw ConfigurationError(
        field: "layers", "the input layer has \(configuration.layers[0]) neurons but the images have \(features) pixels (\(train.rows)×\(train.cols))")
    }
    guard test.rows == train.rows && test.cols == train.cols else {
      func named(_ file: String?) -> String { file.map { " (\($0))" } ?? "" }
      throw ConfigurationError(
        field: "data",
        "test images\(named(test.imagesFile)) are \(test.rows)×\(test.cols), training images\(named(train.imagesFile)) \(train.rows)×\(train.cols)")
    }
    let classes = Int(max(train.labels.max() ?? 0, test.labels.max() ?? 0)) + 1
    guard configuration.layers.last! >= classes else {
      // Name where the largest label is: one corrupt byte looks like this too.
      let (set, split, file) = Int(train.labels.max() ?? 0) + 1 == classes
        ? (train, "training", train.labelsFile ?? IDXDataset.Split.train.labelsFileName)
        : (test, "test", test.labelsFile ?? IDXDataset.Split.test.labelsFileName)
      let index = set.labels.firstIndex(of: UInt8(classes - 1)) ?? 0
      // A few images beyond the output layer look like damaged bytes, not
      // like a data set of more classes.
      let outputs = configuration.layers.last!
      let beyond = train.labels.count { Int($0) >= outputs } + test.labels.count { Int($0) >= outputs }
      let damaged = beyond * 100 < train.count + test.count
        ? "; only \(beyond) image\(beyond == 1 ? "" : "s") of \(train.count + test.count) \(beyond == 1 ? "has" : "have") a label of \(outputs) or more: a damaged label file?" : ""
      throw ConfigurationError(
        field: "layers",
        "the output layer has \(outputs) neurons but the \(split) labels (\(file)) go up to \(classes - 1) (first at image \(index)), \(classes) classes\(damaged)")
    }
  }

  /// Training images per epoch (after `train_limit`).
  public var trainImagesPerEpoch: Int { trainCount }
  /// Test images per evaluation (after `test_limit`).
  public var testImages: Int { testCount }

  /// The training set's indices in the order the first epoch visits them.
  public var firstEpochOrder: [Int] { epochOrder(shuffles: 1) }

  /// The training order after `shuffles` shuffles of the order (with
  /// `shuffle`; without, the data's order): epoch n's is `shuffles` n, as
  /// `run` makes them (from `startingShuffles`).
  public func epochOrder(shuffles: Int) -> [Int] {
    var order = Array(0..<trainCount)
    var shuffler = SeededGenerator(seed: configuration.seed, stream: 3)
    if configuration.shuffle { for _ in 0..<shuffles { Self.shuffle(&order, &shuffler) } }
    return order
  }

  /// The training set's image `index`: its pixels and label.
  public func trainingImage(_ index: Int) -> (pixels: ArraySlice<UInt8>, label: Int) {
    let features = train.rows * train.cols
    return (train.pixels[(index * features)..<((index + 1) * features)], Int(train.labels[index]))
  }

  /// Fisher–Yates, seeded: an epoch's order.
  static func shuffle(_ order: inout [Int], _ g: inout SeededGenerator) {
    for i in stride(from: order.count - 1, to: 0, by: -1) {
      order.swapAt(i, Int(g.next() % UInt64(i + 1)))
    }
  }

  /// Runs the experiment.
  ///
  /// - Parameters:
  ///   - progress: called about every `progressInterval` nanoseconds of
  ///     training (0.2 s; a test sets 0 to break the training into its
  ///     smallest chunks, which must not change any result).
  ///   - point: called at every evaluation point, as soon as it is measured
  ///     (so a log written from it survives an interrupt).
  ///   - shouldStop: polled between samples; true ends the run early.
  ///   - save, saveDue: a periodic save (a checkpoint against a crash or
  ///     `kill -9`): `saveDue` is polled at the end of every chunk of
  ///     training inside an epoch that ends a mini-batch (after the
  ///     point, at a point; chunks end at points, at stop requests and at
  ///     least every `progressInterval`) and at every epoch's end but the
  ///     last (after the hybrid's switch), and when it says so `save` is called with the
  ///     network and the images whose updates reached it, `epochImages`
  ///     and `switchReference` set to where the run stands: what an
  ///     interrupt there would leave (rules lim on chip, hybrid and single
  ///     only; off-chip training and float SGD never save). The run is
  ///     the same with or without saves.
  ///   - finished: called at the end (also after an interrupt) with the
  ///     network in the arrays, when there is one (rules lim, hybrid and
  ///     single), and the training images seen, e.g. to save a checkpoint.
  public func run(
    progress: (TrainingProgress) -> Void = { _ in },
    progressInterval: UInt64 = 200_000_000,
    point: (EvaluationPoint) -> Void = { _ in },
    epoch epochDone: (EpochRecord) -> Void = { _ in },
    shouldStop: () -> Bool = { false },
    save: (TrainedNetwork, _ trainImages: Int) -> Void = { _, _ in },
    saveDue: () -> Bool = { false },
    finished: (TrainedNetwork, _ trainImages: Int) -> Void = { _, _ in }
  ) -> TrainingResult {
    let cfg = configuration
    let features = train.rows * train.cols
    // (The epoch's end may not end a mini-batch: a run stopped there, its
    // last batch applied, goes on at trainCount.)
    require(
      startingIndex >= 0 && startingIndex <= trainCount && (startingIndex % cfg.batch == 0 || startingIndex == trainCount),
      "startingIndex out of the epoch")
    // (A run going on inside an epoch trains the rest of it as its first.)
    let total = trainCount * cfg.epochs - startingIndex
    let pointCount = cfg.evaluationsPerEpoch * cfg.epochs
    var result = TrainingResult()

    var startingLim: LimNetwork? = nil, startingHybrid: HybridNetwork? = nil
    switch startingNetwork {
    case .lim(let net)?: startingLim = net
    case .hybrid(let net)?: startingHybrid = net
    case nil: break
    }
    require(
      (startingLim == nil || (cfg.rule == .lim && cfg.mode == .onChip)) && (startingHybrid == nil || cfg.rule.isFiniteState),
      "a starting network of another rule than the configuration's")
    let lim: LimNetwork? = cfg.rule == .lim && cfg.mode == .onChip ? startingLim ?? LimNetwork(configuration: cfg) : nil
    let wired = cfg.wires == .resistive ? lim : nil
    // Off-chip with `transfer states`: the same rule trained in simulation
    // on ideal hardware (no variation, ideal lines and peripherals).
    let ideal: LimNetwork? =
      cfg.rule == .lim && cfg.mode == .offChip && cfg.transfer == .states
      ? LimNetwork(configuration: cfg.idealHardware) : nil
    // The configuration was validated by init, which is all it checks.
    let hybrid: HybridNetwork? = cfg.rule.isFiniteState ? startingHybrid ?? (try! HybridNetwork(configuration: cfg)) : nil
    let float: FloatNetwork? =
      lim == nil && ideal == nil && hybrid == nil ? FloatNetwork(configuration: cfg) : nil
    // Off-chip: the array that receives the trained states or weights.
    let target: LimNetwork? = cfg.mode == .offChip ? LimNetwork(configuration: cfg) : nil
    let trainer = lim ?? ideal
    require(!evaluationOnly || startingNetwork != nil, "an evaluation only of no starting network")
    // Read noise in training (the arrays' rules on chip).
    let noisy = cfg.readNoise > 0 || cfg.transposedReadNoise > 0

    /// Test accuracy in percent. The arrays' reads are linear in their
    /// drives (with a non-linear cell I–V, `iv_v0`, in each drive's
    /// current f(V), which ideal wires let the evaluator take line by
    /// line), so every image is read through the same effective weights:
    /// the weight caches with ideal wires, or with resistive lines the
    /// transfer matrices solved once per evaluation on the arrays' current
    /// conductances (`ResistiveReader.transferMatrix`) — the same currents
    /// a nodal solve per image would give, to the solver's tolerance.
    func evaluate(after images: Int) throws -> Double {
      guard cfg.adcBits > 0 && cfg.rule != .float else { return try accuracy(on: test, count: testCount, after: images, stop: shouldStop) }
      // With an ADC: the share of each layer's test-set sums it clipped
      // (then at the top, then the images tied there).
      var clipped = [Int](repeating: 0, count: 2 * (cfg.layers.count - 1) + 1)
      let a = try clipped.withUnsafeMutableBufferPointer {
        try accuracy(on: test, count: testCount, after: images, clipped: $0.baseAddress!, stop: shouldStop)
      }
      let arrays = cfg.layers.count - 1, tested = testCount
      let share = { (counts: ArraySlice<Int>) in
        counts.enumerated().map { Double($0.element) / Double(tested * cfg.layers[$0.offset + 1]) }
      }
      result.adcClippedFractions = share(clipped[0..<arrays])
      result.adcClippedAboveFractions = share(clipped[arrays..<(2 * arrays)])
      result.adcTiedAtTopFraction = Double(clipped[2 * arrays]) / Double(tested)
      return a
    }
    /// Off-chip: the array receives what training has reached so far.
    /// With `program_verify`, each device (or pair) then goes to its
    /// nominal conductance (or weight); with `program_noise`, each
    /// programming draws its own noise, keyed by the images trained before
    /// it.
    func programTarget(after images: Int) {
      if let target, let float {
        target.program(weights: float.weights.map { $0.map(Double.init) })
      } else if let target, let ideal {
        target.program(statesOf: ideal)
      }
      if let target, cfg.programVerify != .none { target.verifyProgrammedConductances(cfg.programVerify) }
      if let target, cfg.programNoise > 0 { target.addProgrammingNoise(scale: cfg.programNoise, key: UInt64(images)) }
    }
    // The arrays' effective weights and the training images they were
    // built after: the epoch's training-set accuracy reuses the last test
    // evaluation's (with resistive lines, a second solve of the transfer
    // matrices and a second programming of an off-chip array saved).
    var weightsImages: Int? = nil
    var effective: [UnsafePointer<Float>] = []
    /// `stop`: polled as the images are read (the run's `shouldStop`, or
    /// never).
    func accuracy(
      on data: IDXDataset, count: Int, after images: Int?, clipped: UnsafeMutablePointer<Int>? = nil, trainingSet: Bool = false,
      stop: () -> Bool
    ) throws -> Double {
      // (`clipped`: one count per layer, then one per layer at the top,
      // then the images tied at the top.)
      let clippedAbove = clipped.map { $0 + (cfg.layers.count - 1) }
      let tiedAtTop = clipped.map { $0 + 2 * (cfg.layers.count - 1) }
      let neuron = cfg.neuron
      // The read noise of this evaluation: of the test or training set,
      // after the run's images so far.
      let noiseKey = ReadNoise.key(
        seed: cfg.seed, kind: trainingSet ? ReadNoise.Kind.trainingSetEvaluation : ReadNoise.Kind.testEvaluation, index: UInt64(startingImages + (images ?? 0)), layer: 0)
      var correct = 0
      try data.pixels.withUnsafeBufferPointer { px in
        try data.labels.withUnsafeBufferPointer { lb in
          if let hybrid {
            // With resistive lines, the arrays' transfer matrices, solved
            // once for this point's evaluations (as rule lim's).
            if hybrid.lines == nil {
              effective = hybrid.weightPointers
            } else if images == nil || images != weightsImages {
              weightsImages = nil
              effective = try hybrid.effectiveWeights(stop: stop)
              weightsImages = images
            }
            let evaluator = ForwardEvaluator(
              sizes: cfg.layers, weights: effective, scales: cfg.layers.dropFirst().map { _ in 1 },
              neuron: neuron, chains: hybrid.senseChains, noiseKey: noiseKey)
            correct = try withExtendedLifetime(hybrid) {
              try evaluator.correct(
                pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: features, clipped: clipped,
                clippedAbove: clippedAbove, tiedAtTop: tiedAtTop, stop: stop)
            }
          } else if let net = target ?? lim {
            if images == nil || images != weightsImages {
              programTarget(after: images ?? 0)
              weightsImages = nil
              effective = try net.effectiveWeights(stop: stop)
              weightsImages = images
            }
            let weights = effective
            var evaluator = ForwardEvaluator(
              sizes: cfg.layers, weights: weights,
              scales: weights.map { _ in Float(1 / cfg.gMaxSiemens) }, neuron: neuron, chains: net.senseChains,
              noiseKey: noiseKey)
            evaluator.cellIV = net.layers[0].array.cellIV
            evaluator.readVoltage = cfg.readVoltage
            correct = try evaluator.correct(
              pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: features, clipped: clipped,
              clippedAbove: clippedAbove, tiedAtTop: tiedAtTop, stop: stop)
          } else if let float {
            let ws = float.weights
            var ptrs: [UnsafePointer<Float>] = []
            // The weights stay alive in `ws` for the whole evaluation.
            for w in ws { w.withUnsafeBufferPointer { ptrs.append($0.baseAddress!) } }
            let evaluator = ForwardEvaluator(
              sizes: cfg.layers, weights: ptrs, scales: ws.map { _ in 1 }, neuron: neuron)
            correct = try withExtendedLifetime(ws) {
              try evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: count, features: features, stop: stop)
            }
          }
        }
      }
      return 100 * Double(correct) / Double(count)
    }

    // Per-epoch bookkeeping; the hybrid's phase switch compares training
    // accuracies from epoch to epoch, starting from the untrained network.
    // A stop inside that first measurement ends the run before it trains,
    // with no reference saved: a run going on measures it on the same
    // network (review 66: it had been unstoppable, a 60,000-image pass on
    // a large network, and before that a stop had saved a reference of 0).
    var previousTrainAccuracy = 0.0
    epochsRecorded = 0
    switchedAfterEpoch = nil
    var stoppedBeforeTraining = false
    // (Every evaluation is timed, this first one and those a stop cuts
    // short too: `seconds_evaluate`.)
    var trainNanos: UInt64 = 0, evalNanos: UInt64 = 0
    if hybrid?.isHybrid == true && !evaluationOnly {
      if let reference = startingSwitchReference {
        previousTrainAccuracy = reference
      } else {
        let e0 = DispatchTime.now().uptimeNanoseconds
        defer { evalNanos += DispatchTime.now().uptimeNanoseconds - e0 }
        do {
          previousTrainAccuracy = try accuracy(on: train, count: trainCount, after: nil, trainingSet: true, stop: shouldStop)
        } catch SolverError.stopped {
          stoppedBeforeTraining = true
        } catch {
          previousTrainAccuracy = 0
        }
      }
      if !stoppedBeforeTraining { result.initialTrainAccuracy = previousTrainAccuracy }
    }
    var epochStartPulses = 0, epochStartUpdates = 0, epochStartImages = 0
    var epochLossSum = 0.0, epochStartSquared = 0.0, epochStartNanos: UInt64 = 0
    func pulsesSoFar() -> Int { lim?.pulses ?? hybrid?.pulses ?? 0 }
    /// A point's test accuracy (`evaluate`), its time booked in
    /// `seconds_evaluate` (a stopped or failed one's too) and, when it
    /// finished, in the fastest evaluation's.
    func timedEvaluation(after images: Int) throws -> Double {
      let e0 = DispatchTime.now().uptimeNanoseconds
      defer { evalNanos += DispatchTime.now().uptimeNanoseconds - e0 }
      let acc = try evaluate(after: images)
      result.secondsEvaluateMin = min(result.secondsEvaluateMin, Double(DispatchTime.now().uptimeNanoseconds - e0) * 1e-9)
      return acc
    }

    var order = Array(0..<trainCount)
    var shuffler = SeededGenerator(seed: cfg.seed, stream: 3)
    shuffles = startingShuffles
    if cfg.shuffle { for _ in 0..<startingShuffles { Self.shuffle(&order, &shuffler) } }
    var seen = 0
    // Images of a mini-batch the run stopped inside: trained, but their
    // updates never reached the devices (nor a checkpoint), so not counted.
    var unapplied = 0
    var lossSum = 0.0, lossCount = 0
    var nextPoint = 1
    var lastProgress = DispatchTime.now().uptimeNanoseconds
    var lastAccuracy: Double? = nil
    // The points lie where an uninterrupted run's lie, at k/evaluations of
    // an epoch (an epoch's end among them); a run that goes on inside an
    // epoch counts its images from there and takes the rest of them (and
    // at least that epoch's end).
    func pointAt(_ k: Int) -> Int {
      Int((Double(trainCount * cfg.epochs) * Double(k) / Double(pointCount)).rounded()) - startingIndex
    }
    // (A point at the start, where the run it goes on from stopped inside
    // that point's evaluation: taken first, with `takesStartPoint`.)
    // (With mini-batches a point is taken at the end of the batch it falls
    // in: one whose batch ends at the start is the start's. Review 68: a
    // stop in its evaluation had lost it.)
    func batchEnd(_ i: Int) -> Int { i % cfg.batch == 0 ? i : min(trainCount, i + cfg.batch - i % cfg.batch) }
    var startPoint = false
    while nextPoint < pointCount && (pointAt(nextPoint) < 0 || (pointAt(nextPoint) == 0 && startingIndex < trainCount)) {
      startPoint = startPoint || batchEnd(pointAt(nextPoint) + startingIndex) == startingIndex
      nextPoint += 1
    }
    // `final_iterations`: a point after each of the run's last updates too
    // (one at an end the regular points share).
    let allFinalEnds = Self.finalUpdateEnds(count: cfg.finalIterations, images: trainCount, batch: cfg.batch, epochs: cfg.epochs)
      .map { $0 - startingIndex }
    let finalEnds = allFinalEnds.filter { $0 > 0 }
    startPoint = evaluationOnly || (takesStartPoint && startingIndex < trainCount && (startPoint || allFinalEnds.contains(0)))
    var nextFinal = 0
    /// The next point: the next regular one, or an update's end before it.
    func nextTarget() -> Int {
      nextFinal < finalEnds.count ? min(pointAt(nextPoint), finalEnds[nextFinal]) : pointAt(nextPoint)
    }

    /// The end of the mini-batch a due save waits for (an index into the
    /// epoch), when a chunk ended inside one.
    var saveAt: Int? = nil
    /// A periodic save, between updates (`index` into the epoch, 0 at its
    /// end): the place an interrupt there would leave.
    func saveIfDue(epochImagesNow index: Int) {
      guard let net: TrainedNetwork = lim.map({ .lim($0) }) ?? hybrid.map({ .hybrid($0) }), saveDue() else { return }
      epochImages = index
      switchReference = hybrid?.isHybrid == true ? previousTrainAccuracy : nil
      secondsTrained = Double(trainNanos) * 1e-9
      save(net, seen)
    }

    if startPoint && !stoppedBeforeTraining {
      do {
        let acc = try timedEvaluation(after: 0)
        lastAccuracy = acc
        let p = EvaluationPoint(images: 0, accuracy: acc, loss: .nan, pulses: 0, resets: 0, seconds: 0)
        result.points.append(p)
        point(p)
      } catch SolverError.stopped {
        result.interrupted = true
        result.stoppedWhere = "in the test evaluation at its start"
      } catch {
        result.failure = "evaluation at the run's start: \(error)"
        result.interrupted = true
      }
    }
    if !evaluationOnly {
      train.pixels.withUnsafeBufferPointer { px in
        train.labels.withUnsafeBufferPointer { lb in
          epochs: for e in 0..<cfg.epochs {
            let goesOn = e == 0 && startingIndex > 0
            if cfg.shuffle && !goesOn {
              Self.shuffle(&order, &shuffler)
              shuffles += 1
            }
            var index = goesOn ? startingIndex : 0
            var ended = false
            // The epoch's last mini-batch applied (at its last image, before
            // the point's evaluation and the epoch's end): a stop after that,
            // in an evaluation, leaves no update unapplied. (Counted as
            // unapplied, a batch that did not divide the epoch was trained
            // again by the run going on, its updates applied twice: review
            // 66, `--batch 64 --train-limit 100`, 34.07 against 17.38 %.)
            var batchApplied = false
            // Stopped inside the epoch (at its last image too, before its
            // end's mini-batch and record): the images whose updates went out.
            defer {
              epochImages = batchApplied ? index : index - index % cfg.batch
              unapplied = batchApplied ? 0 : index % cfg.batch
              // Stopped inside the epoch's first mini-batch: none of its
              // updates went out, and a run going on from here (epoch_images 0)
              // begins the epoch anew and shuffles for it: this epoch's shuffle
              // is not counted, so that that run draws it again. (Counted, the
              // run going on had drawn the next one: another order; a
              // walkthrough, session 46.)
              if cfg.shuffle && !goesOn && !ended && epochImages == 0 { shuffles -= 1 }
            }
            // (Stopped in the hybrid's first measurement: as at a stop before
            // the epoch's first image, its shuffle not counted.)
            if stoppedBeforeTraining {
              result.interrupted = true
              result.stoppedWhere = "in the hybrid's first measurement of its training accuracy, before any image"
              break epochs
            }
            // (Stopped in the point at its start: in its first epoch, at the
            // place it went on from.)
            if result.interrupted { break epochs }
            // The losses since the last point (or the epoch's start).
            var chunkLoss = 0.0
            // Stopped at the epoch's last image (before its end): nothing is
            // left to train, but a run whose points all fall there still
            // takes them, once, on the network as it was given.
            var endOnly = goesOn && index == trainCount
            while index < trainCount || endOnly {
              endOnly = false
              // Train up to the next evaluation point. A mini-batch's pulses
              // go out at its end (or the epoch's), so with batch > 1 the
              // point moves on to the end of its batch: the accuracy it logs
              // is then that of the images it counts.
              var stop = min(trainCount, index + max(1, nextTarget() - seen))
              if cfg.batch > 1 && stop % cfg.batch != 0 {
                // (Without overflow for any batch: the distance to the end
                // of the batch against what is left of the epoch.)
                let toEnd = cfg.batch - stop % cfg.batch
                stop = toEnd >= trainCount - stop ? trainCount : stop + toEnd
              }
              // A save due at a chunk's end inside a mini-batch waits for the
              // batch's end (`saveAt`): the chunk stops there, a stop that is
              // not the point's (`pointStop`: its losses wait as a broken
              // chunk's do, so the run is the same with or without saves).
              let pointStop = stop
              if let at = saveAt, at < stop { stop = at }
              let t0 = DispatchTime.now().uptimeNanoseconds
              var s = index
              var readAhead: UInt8 = 0
              defer { readAheadSink = readAhead }
              while s < stop {
                let k = order[s]
                // One byte from every cache line of the next image: the
                // shuffled images are far apart in a 47 MB set, and the reads,
                // whose results nothing waits for, overlap this sample's work
                // instead of stalling the next one's first layer (7 % faster
                // for the Lim rule in alternated runs; same results).
                if s + 1 < trainCount {
                  let next = UnsafeRawPointer(px.baseAddress! + order[s + 1] * features)
                  var o = 0
                  while o < features {
                    readAhead |= next.load(fromByteOffset: o, as: UInt8.self)
                    o += 64
                  }
                  readAhead |= next.load(fromByteOffset: features - 1, as: UInt8.self)
                }
                let loss: Float
                // With read noise, the image's number keys its reads' draws.
                if noisy {
                  let image = UInt64(startingImages + seen + (s - index))
                  trainer?.readImage = image
                  hybrid?.readImage = image
                }
                if let trainer {
                  loss = trainer.train(px.baseAddress! + k * features, label: Int(lb[k]))
                } else if let hybrid {
                  loss = hybrid.train(px.baseAddress! + k * features, label: Int(lb[k]))
                } else {
                  loss = float!.train(px.baseAddress! + k * features, label: Int(lb[k]))
                }
                chunkLoss += Double(loss)
                s += 1
                // A failed resistive read ends the chunk at once: no further
                // sample is solved, and the count names the failing image.
                if let wired, wired.wireError != nil { break }
                if let hybrid, hybrid.wireError != nil { break }
                // Every 16 samples: a stop request, or time for the progress
                // bar (a slow run, e.g. with resistive lines, reports while
                // it trains toward a distant point).
                if s & 15 == 0
                  && (shouldStop() || DispatchTime.now().uptimeNanoseconds &- lastProgress > progressInterval)
                { break }
              }
              let t1 = DispatchTime.now().uptimeNanoseconds
              trainNanos += t1 - t0
              // A chunk the progress bar (or a stop request) broke off ends
              // short of `stop`: no point is taken there (it may lie inside
              // a mini-batch), and its losses wait, so that they join the
              // point's and the epoch's sums at `stop` in the same order
              // however often the chunk was broken.
              let reachedStop = s >= pointStop
              if reachedStop {
                lossSum += chunkLoss
                epochLossSum += chunkLoss
                chunkLoss = 0
              }
              lossCount += s - index
              seen += s - index
              index = s
              if let e = lim?.wireError ?? hybrid?.wireError {
                result.failure = "resistive read of training image \(seen) of the run: \(e)"
              }
              if shouldStop() || result.failure != nil {
                lossSum += chunkLoss
                epochLossSum += chunkLoss
                result.interrupted = true
                if result.failure == nil { result.stoppedWhere = "in training" }
                break epochs
              }
              // The bar at a point shows the accuracy just measured (it is
              // redrawn after the evaluation, not before).
              let atPoint = reachedStop && seen >= nextTarget()
              func showProgress() {
                lastProgress = t1
                progress(TrainingProgress(
                  images: seen, totalImages: total,
                  imagesPerSecond: trainNanos > 0 ? Double(seen) / (Double(trainNanos) * 1e-9) : 0,
                  lastAccuracy: lastAccuracy))
              }
              if !atPoint && (t1 - lastProgress > progressInterval || seen >= nextTarget()) { showProgress() }
              if atPoint {
                if index == trainCount {
                  trainer?.applyBatch()
                  float?.applyBatch()
                  batchApplied = true
                }
                let acc: Double
                do { acc = try timedEvaluation(after: seen) } catch SolverError.stopped {
                  // Stopped inside the evaluation (its solves or its
                  // images): the point is not taken, the run ends as at any
                  // other stop.
                  result.interrupted = true
                  result.stoppedWhere = "in the test evaluation after them"
                  break epochs
                } catch {
                  result.failure = "evaluation after \(seen) training images: \(error)"
                  result.interrupted = true
                  break epochs
                }
                lastAccuracy = acc
                let p = EvaluationPoint(
                  images: seen, accuracy: acc, loss: lossCount > 0 ? lossSum / Double(lossCount) : .nan,
                  pulses: pulsesSoFar(), resets: lim?.resets ?? hybrid?.resets ?? 0, seconds: Double(trainNanos) * 1e-9,
                  gateOpen: trainer?.takeGateOpenFractions() ?? hybrid?.takeGateOpenFractions() ?? [])
                result.points.append(p)
                point(p)
                showProgress()
                lossSum = 0
                lossCount = 0
                // Points a batch end went past (batches longer than the
                // points' spacing) are not taken: one point per batch end.
                // (The last point, at the run's end, stays the next: the
                // run is over.)
                while nextPoint < pointCount && pointAt(nextPoint) <= seen { nextPoint += 1 }
                while nextFinal < finalEnds.count && finalEnds[nextFinal] <= seen { nextFinal += 1 }
              }
              // A periodic save at a mini-batch's end (its updates out), after
              // the point when there is one; the chunks end at least every
              // `progressInterval`, so a run with few points saves too. (At
              // the epoch's last image the save waits for its end: its
              // record and the hybrid's switch.)
              if index < trainCount && index % cfg.batch == 0 {
                saveIfDue(epochImagesNow: index)
                saveAt = nil
              } else if saveAt == nil && index < trainCount && saveDue() && (lim != nil || hybrid != nil) {
                // (Toward the batch's end; at the epoch's end, its own save.)
                let end = index + (cfg.batch - index % cfg.batch)
                if end < trainCount { saveAt = end }
              }
            }
            saveAt = nil
            // An epoch ends a mini-batch.
            trainer?.applyBatch()
            float?.applyBatch()
            batchApplied = true
            // The epoch's record (outside the training time).
            let e0 = DispatchTime.now().uptimeNanoseconds
            // A failed evaluation was reported by the test evaluation already.
            // Stopped inside it, the run ends as if stopped at the epoch's
            // last image, before its end (its record, the hybrid's switch):
            // a run going on from there takes them.
            let trainAccuracy: Double
            do {
              trainAccuracy = try accuracy(on: train, count: trainCount, after: seen, trainingSet: true, stop: shouldStop)
            } catch SolverError.stopped {
              evalNanos += DispatchTime.now().uptimeNanoseconds - e0
              result.interrupted = true
              result.stoppedWhere = "in epoch \(result.epochs.count + 1)'s training-set accuracy, before its record"
              break epochs
            } catch {
              trainAccuracy = 0
            }
            evalNanos += DispatchTime.now().uptimeNanoseconds - e0
            let images = seen - epochStartImages
            let updates = hybrid.map { $0.cellUpdates - epochStartUpdates }
            let synapses = hybrid?.synapseCount ?? 1
            let squared = hybrid?.squaredErrorSum ?? 0
            var record = EpochRecord(
              epoch: result.epochs.count + 1, images: seen, trainAccuracy: trainAccuracy,
              testAccuracy: lastAccuracy ?? 0, loss: images > 0 ? epochLossSum / Double(images) : .nan,
              meanSquaredError: hybrid == nil || images == 0 ? nil : (squared - epochStartSquared) / Double(images),
              pulses: pulsesSoFar() - epochStartPulses, cellUpdates: updates,
              updateFrequency: updates.map { images > 0 ? Double($0) / (Double(images) * Double(synapses)) : 0 },
              seconds: Double(trainNanos - epochStartNanos) * 1e-9,
              phase: hybrid?.isHybrid == true ? hybrid!.phase.rawValue : "",
              bigAtLimit: hybrid?.fractionAtLimit(.big), smallAtLimit: hybrid?.fractionAtLimit(.small))
            // (Decided before the record is reported, so that its line can
            // say so; a walkthrough, session 64, read "updating the big
            // arrays" at the epoch that switched.)
            let switching =
              hybrid.map { $0.isHybrid && $0.phase == .dynamic } == true && trainAccuracy - previousTrainAccuracy < cfg.switchThreshold
            record.switchesAfter = switching
            result.epochs.append(record)
            epochsRecorded = result.epochs.count
            epochDone(record)
            epochStartImages = seen
            epochStartNanos = trainNanos
            epochStartUpdates += updates ?? 0
            epochStartPulses += record.pulses
            epochStartSquared = squared
            epochLossSum = 0
            if let hybrid, switching {
              hybrid.switchToFineTuning()
              result.phaseSwitchEpoch = record.epoch
              switchedAfterEpoch = record.epoch
            }
            previousTrainAccuracy = trainAccuracy
            // (After the last epoch `finished` saves.)
            if e < cfg.epochs - 1 { saveIfDue(epochImagesNow: 0) }
            // The epoch ended (the deferred count above comes first).
            index = 0
            ended = true
          }
        }
      }
    }
    switchReference = hybrid?.isHybrid == true && !stoppedBeforeTraining ? previousTrainAccuracy : nil

    result.trainImages = seen - unapplied
    result.secondsTrain = Double(trainNanos) * 1e-9
    secondsTrained = result.secondsTrain
    result.secondsEvaluate = Double(evalNanos) * 1e-9
    result.pulses = pulsesSoFar()
    result.repotentiationPulses = lim?.repotentiations ?? hybrid?.repotentiations ?? 0
    result.cappedRepotentiations = lim?.cappedRepotentiations ?? 0
    result.resets = lim?.resets ?? hybrid?.resets ?? 0
    result.endurance = lim?.endurance ?? hybrid?.endurance
    result.cellUpdates = hybrid?.cellUpdates ?? 0
    result.trainAccuracy = result.epochs.last?.trainAccuracy ?? 0
    result.ledger = lim?.ledger() ?? hybrid?.ledger()
    result.readEnergy = result.ledger?.read ?? 0
    if let hybrid {
      result.meanConductance = hybrid.meanConductance * configuration.gMaxSiemens
      finished(.hybrid(hybrid), seen - unapplied)
    }
    if let net = lim ?? target {
      // Off-chip: the arrays as training left them (also after an interrupt
      // between evaluation points), with the noise of the last point's
      // programming when it was the end's.
      programTarget(after: seen - unapplied)
      finished(.lim(net), seen - unapplied)
      var sum = 0.0, count = 0
      for a in net.arrays {
        for k in 0..<(a.rows * a.columns) { sum += a._plus[k] + a._minus[k] }
        count += 2 * a.rows * a.columns
      }
      result.meanConductance = sum / Double(max(1, count))
    }
    result.writeLines = lim?.writeLineStatistics ?? hybrid?.writeLineStatistics
    if configuration.hasStuckDevices {
      result.stuckDevices = (lim ?? target)?.layers.map(\.stuckCount) ?? hybrid?.layers.map(\.stuckCount)
    }
    for layer in lim?.layers ?? [] {
      result.solverIterations += layer.reader?.iterations ?? 0
      result.solverSolves += layer.reader?.solves ?? 0
    }
    for reader in (hybrid?.lines ?? []).flatMap(\.readers) {
      result.solverIterations += reader.iterations
      result.solverSolves += reader.solves
    }
    // Drift: the arrays as training left them, read again at each time
    // after their programming (the run's other figures are taken above).
    /// Each of `drift_times`: the test set read through the drifted
    /// arrays, with and without global compensation, with the read noise
    /// of the run's last evaluation (at t₀ its accuracy, to the image;
    /// with `drift_refresh` the refreshed copy's, `result.refresh`).
    func evaluateDrift(after images: Int) throws {
      let sizes = cfg.layers, arrays = sizes.count - 1
      let counts = (0..<arrays).map { (sizes[$0] + 1) * sizes[$0 + 1] }
      let buffers = counts.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
      defer { for b in buffers { b.deallocate() } }
      // With `drift_refresh`, a copy of the arrays, refreshed, drifts.
      var net = target ?? lim, hybrid = hybrid
      var refresh: DeploymentRefresh? = nil
      if cfg.driftRefresh {
        if let h = hybrid {
          (hybrid, refresh) = try h.refreshedCopy()
        } else if let n = net {
          (net, refresh) = try n.refreshedCopy()
        }
      }
      let base: Float = hybrid != nil ? 1 : Float(1 / cfg.gMaxSiemens)
      let programmed = try hybrid?.effectiveWeights(stop: shouldStop) ?? net!.effectiveWeights(stop: shouldStop)
      let reference = (0..<arrays).map { Drift.referenceRead(programmed[$0], rows: sizes[$0] + 1, columns: sizes[$0 + 1]) }
      // (`drift_compensation column`: each column's own reference, and a
      // copy of the drifted weights whose columns take their gains.)
      let perColumn = cfg.driftCompensation == .column
      let columnReference = perColumn ? (0..<arrays).map { Drift.columnReferenceReads(programmed[$0], rows: sizes[$0] + 1, columns: sizes[$0 + 1]) } : []
      let compensatedBuffers = perColumn ? counts.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) } : []
      defer { for b in compensatedBuffers { b.deallocate() } }
      // (The devices' G/G_max as programmed, which set the exponents of
      // `drift_nu_model pcm` and each time's noise of `drift_read_noise pcm`.)
      let relatives =
        cfg.driftNuModel == .pcm || cfg.driftReadNoise == .pcm ? hybrid?.driftRelatives() ?? net!.driftRelatives() : nil
      let exponents = hybrid?.driftExponents(cfg.drift, relatives: relatives) ?? net!.driftExponents(cfg.drift, relatives: relatives)
      let chains = hybrid?.senseChains ?? net!.senseChains
      let noiseKey = ReadNoise.key(seed: cfg.seed, kind: ReadNoise.Kind.testEvaluation, index: UInt64(startingImages + images), layer: 0)
      func correct(_ weights: [UnsafePointer<Float>], _ scales: [Float]) throws -> Int {
        var evaluator = ForwardEvaluator(
          sizes: sizes, weights: weights, scales: scales, neuron: cfg.neuron, chains: chains, noiseKey: noiseKey)
        if hybrid == nil {
          // (Rule lim's cells, drifted or not, read through their I–V.)
          evaluator.cellIV = CellIV(v0: cfg.ivV0)
          evaluator.readVoltage = cfg.readVoltage
        }
        return try test.pixels.withUnsafeBufferPointer { px in
          try test.labels.withUnsafeBufferPointer { lb in
            try evaluator.correct(pixels: px.baseAddress!, labels: lb.baseAddress!, count: testCount, features: features, stop: shouldStop)
          }
        }
      }
      if var refresh {
        let c = try withExtendedLifetime((hybrid, net)) { try correct(programmed, [Float](repeating: base, count: arrays)) }
        refresh.accuracy = 100 * Double(c) / Double(testCount)
        result.refresh = refresh
      }
      for t in cfg.driftTimes {
        let weights: [UnsafePointer<Float>]
        if t == cfg.driftT0 || (!cfg.drift.drifts && cfg.driftReadNoise == .none) {
          weights = programmed
        } else {
          let noise =
            cfg.driftReadNoise == .pcm
            ? relatives.map { r in
              r.indices.map { Drift.noiseMultipliers(seed: cfg.seed, layer: $0, time: t, readTime: cfg.readTime, relatives: r[$0]) }
            } : nil
          if let hybrid {
            try hybrid.driftedWeights(exponents, time: t, t0: cfg.driftT0, noise: noise, into: buffers, stop: shouldStop)
          } else {
            try net!.driftedWeights(exponents, time: t, t0: cfg.driftT0, noise: noise, into: buffers, stop: shouldStop)
          }
          weights = buffers.map { UnsafePointer($0) }
        }
        var gains = (0..<arrays).map { l -> Double in
          let r = weights[l] == programmed[l] ? reference[l] : Drift.referenceRead(weights[l], rows: sizes[l] + 1, columns: sizes[l + 1])
          return r > 0 ? reference[l] / r : 1
        }
        let plain = try withExtendedLifetime((hybrid, net)) { try correct(weights, [Float](repeating: base, count: arrays)) }
        let compensated: Int
        if perColumn && t != cfg.driftT0 {
          // Each column's weights times its gain (a gain per sense
          // amplifier, before the ADC, as the global gain is); `gains`
          // gives each array's mean.
          for l in 0..<arrays {
            let m = sizes[l] + 1, n = sizes[l + 1]
            let now = Drift.columnReferenceReads(weights[l], rows: m, columns: n)
            let g = (0..<n).map { j in now[j] > 0 ? columnReference[l][j] / now[j] : 1 }
            for i in 0..<m {
              for j in 0..<n { compensatedBuffers[l][i * n + j] = Float(Double(weights[l][i * n + j]) * g[j]) }
            }
            gains[l] = g.reduce(0, +) / Double(n)
          }
          compensated = try withExtendedLifetime((hybrid, net)) {
            try correct(compensatedBuffers.map { UnsafePointer($0) }, [Float](repeating: base, count: arrays))
          }
        } else {
          compensated =
            gains.allSatisfy { $0 == 1 }
            ? plain : try withExtendedLifetime((hybrid, net)) { try correct(weights, gains.map { base * Float($0) }) }
        }
        result.drift.append(
          DriftPoint(
            seconds: t, accuracy: 100 * Double(plain) / Double(testCount),
            compensatedAccuracy: 100 * Double(compensated) / Double(testCount), gains: gains))
      }
    }
    if !cfg.driftTimes.isEmpty && !result.interrupted && result.failure == nil && !stoppedBeforeTraining
      && (hybrid != nil || lim != nil || target != nil)
    {
      let images = result.points.last?.images ?? (seen - unapplied)
      do {
        try evaluateDrift(after: images)
      } catch SolverError.stopped {
        result.interrupted = true
        result.stoppedWhere = "in the drift evaluation after training (\(result.drift.count) of its \(cfg.driftTimes.count) times done)"
      } catch {
        result.failure = "drift evaluation: \(error)"
      }
    }
    // With `final_iterations`, the points after the last updates (those
    // reached: a run stopped among them has fewer); a run stopped before
    // them keeps the last 10 % of its points.
    // (A point at the start after one of the last updates, taken there,
    // is in the window too.)
    let windowStart = startPoint && allFinalEnds.contains(0) ? 0 : finalEnds.first
    if let a = RunRecord.accuracies(result.points.map { ($0.images, $0.accuracy) }, windowStart: windowStart, testImages: testCount) {
      (result.testAccuracy, result.accuracyMeanLast, result.accuracyMinLast, result.accuracyMaxLast) = a
    }
    return result
  }

  /// The mean of `accuracies`, each 100·c/`images` for a count c of
  /// correct images: 100·Σc/(images·points), rounded once, so the mean of
  /// 72, 72 and 73.2 % of 500 images is 72.4, not 72.39999999999999 (a sum
  /// of the percentages rounds at every step; a walkthrough, session 67). An
  /// accuracy that is no such fraction (not from this test set) leaves the
  /// plain mean.
  static func meanAccuracy(_ accuracies: [Double], of images: Int) -> Double {
    let plain = accuracies.reduce(0, +) / Double(accuracies.count)
    var correct = 0
    for a in accuracies {
      let c = (a * Double(images) / 100).rounded()
      guard 100 * c / Double(images) == a else { return plain }
      correct += Int(c)
    }
    return 100 * Double(correct) / (Double(images) * Double(accuracies.count))
  }
}
