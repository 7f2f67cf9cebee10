import Peripherals

/// A run trained in parts (a job stopped and gone on with `--epochs rest`,
/// each part from the last one's checkpoint): what the parts so far
/// measured, so that the last part can say what the whole run did, as one
/// uninterrupted run would have (its accuracy over the last 10 % of the
/// whole run's points, its pulses and resets). A checkpoint carries it
/// (`run`), and each part that goes on adds its own.
public struct RunRecord: Sendable, Equatable {
  /// The devices' training images where the run began
  /// (`devices_train_images` of the checkpoint its first part started
  /// from; 0 for fresh devices).
  public var start: Int
  /// Parts so far, the one that saved it included.
  public var parts: Int
  /// Identical pulses, of them re-potentiations, and resets, of all parts.
  public var pulses: Int
  public var repotentiations: Int
  public var resets: Int
  /// With `final_iterations`, the devices' images at the end of the first
  /// of the run's last updates: the points from there on make its average
  /// (as ``Experiment``'s own window); nil without.
  public var windowStart: Int?
  /// Those last updates' number (the first part's `final_iterations`, which
  /// a later part going on may cut to its own): what the window is called.
  public var windowUpdates: Int?
  /// Every evaluation point of all parts: the devices' training images
  /// there, and the test accuracy (percent), in order.
  public var points: [Point]
  /// Seconds of training (evaluations excluded) and the energy and latency
  /// ledger of all parts; nil when a part's are not known (a checkpoint
  /// saved before session 69 holds neither).
  public var secondsTrain: Double?
  public var ledger: EnergyLedger?
  /// The epochs of all parts (their epoch records: an epoch a part went on
  /// inside is counted once, by the part that ended it), and the hybrid's
  /// switch to fine tuning: after this epoch of the whole run (nil: it has
  /// not switched, or is not known). `epochs` is nil when a part's are not
  /// known (a checkpoint saved before session 69), and the switch with it.
  public var epochs: Int?
  public var switchEpoch: Int?

  public struct Point: Sendable, Equatable {
    public var images: Int
    public var accuracy: Double
    public init(images: Int, accuracy: Double) {
      self.images = images
      self.accuracy = accuracy
    }
  }

  /// A record (by default of a run beginning here: seconds 0, an empty
  /// ledger and no epochs, known; give nil for parts whose are not known).
  public init(
    start: Int, parts: Int = 1, pulses: Int = 0, repotentiations: Int = 0, resets: Int = 0, windowStart: Int? = nil,
    windowUpdates: Int? = nil, points: [Point] = [], secondsTrain: Double? = 0, ledger: EnergyLedger? = EnergyLedger(),
    epochs: Int? = 0, switchEpoch: Int? = nil
  ) {
    self.start = start
    self.parts = parts
    self.pulses = pulses
    self.repotentiations = repotentiations
    self.resets = resets
    self.windowStart = windowStart
    self.windowUpdates = windowUpdates
    self.points = points
    self.secondsTrain = secondsTrain
    self.ledger = ledger
    self.epochs = epochs
    self.switchEpoch = switchEpoch
  }

  /// This record followed by a part that began at the devices' training
  /// image `partStart` and has measured `points` so far (their images
  /// counted from its start) and issued `pulses`, `repotentiations` and
  /// `resets`, trained `secondsTrain`, booked `ledger`, recorded `epochs`
  /// and switched after its epoch `switchEpoch` (nil: not known; not
  /// switched). A point of the part at or before the record's last (a part
  /// that took again a point its predecessor had taken before it stopped)
  /// is left out, so the points are the uninterrupted run's.
  public func continued(
    partStart: Int, points new: [EvaluationPoint], pulses: Int, repotentiations: Int, resets: Int,
    secondsTrain: Double?, ledger: EnergyLedger?, epochs: Int?, switchEpoch: Int?
  ) -> RunRecord {
    var r = self
    r.parts += 1
    r.pulses += pulses
    r.repotentiations += repotentiations
    r.resets += resets
    r.secondsTrain = r.secondsTrain.flatMap { a in secondsTrain.map { a + $0 } }
    r.ledger = r.ledger.flatMap { a in ledger.map { a + $0 } }
    // The part's switch in the whole run's epochs (a switch comes once).
    if r.switchEpoch == nil, let before = r.epochs, let after = switchEpoch { r.switchEpoch = before + after }
    r.epochs = r.epochs.flatMap { a in epochs.map { a + $0 } }
    if r.epochs == nil { r.switchEpoch = nil }
    let last = points.last?.images ?? Int.min
    r.points += new.map { Point(images: partStart + $0.images, accuracy: $0.accuracy) }.filter { $0.images > last }
    return r
  }

  /// What the average is over, for a line of output: "last N updates"
  /// when the window has points, else "last 10 % of points".
  public var windowText: String {
    if let first = windowStart, let n = windowUpdates, points.contains(where: { $0.images >= first }) {
      return "last \(n) update\(n == 1 ? "" : "s")"
    }
    return "last 10 % of points"
  }

  /// The run's last accuracy and its mean, min and max over the window
  /// (the points from `windowStart`, when it has any; else the last 10 %
  /// of the points, at least one); nil before the first point.
  /// `testImages`: the test set's size (the mean of counts, rounded once).
  public func accuracies(testImages: Int) -> (last: Double, mean: Double, min: Double, max: Double)? {
    Self.accuracies(points.map { ($0.images, $0.accuracy) }, windowStart: windowStart, testImages: testImages)
  }

  /// A run's last accuracy and its average window's mean, min and max, from
  /// its points (images, accuracy): with `windowStart`, the points from
  /// there on, when there are any; else the last 10 % (at least one).
  static func accuracies(
    _ points: [(images: Int, accuracy: Double)], windowStart: Int?, testImages: Int
  ) -> (last: Double, mean: Double, min: Double, max: Double)? {
    guard let last = points.last else { return nil }
    let k = max(1, Int((Double(points.count) * 0.1).rounded(.up)))
    let window = windowStart.map { first in points.filter { $0.images >= first } } ?? []
    let tail = window.isEmpty ? points.suffix(k).map(\.accuracy) : window.map(\.accuracy)
    return (last.accuracy, Experiment.meanAccuracy(tail, of: testImages), tail.min()!, tail.max()!)
  }
}
