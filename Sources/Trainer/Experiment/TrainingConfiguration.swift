import Circuit

/// How the weights learn.
public enum LearningRule: String, Sendable, CaseIterable {
  /// Lim et al. (2018): sign-driven identical pulses on G+/G− pairs.
  case lim
  /// Software back-propagation with float weights (the baseline).
  case float
}

/// What Lim's update does when the device to pulse is already at G_max
/// (Lim et al. 2018, Figure 2 and the pseudocode of §2.2).
public enum UpdateMethod: String, Sendable, CaseIterable {
  /// Reset both devices, re-potentiate the one to raise back to the old
  /// weight (Bichler et al. 2012).
  case a
  /// Reset the other device and re-potentiate it to one step below its old
  /// conductance (the paper's proposal).
  case b
  /// Bidirectional devices: depress the other device one step.
  case c
}

/// Where the weights are trained.
public enum LearningMode: String, Sendable, CaseIterable {
  /// In the array, by the learning rule (Lim's HW-BP).
  case onChip = "on-chip"
  /// In software without variation, then programmed into the array
  /// (Lim Figure 14).
  case offChip = "off-chip"
}

/// How a mini-batch's updates become pulses (Lim Figure 10).
public enum BatchPulses: String, Sendable, CaseIterable {
  /// One pulse per synapse in the direction of the batch's summed gradient.
  case sign
  /// The samples' own pulses, netted: |Σ sgn| pulses per synapse.
  case net
}

/// The hidden-unit derivative the float baseline back-propagates.
public enum FloatDerivative: String, Sendable, CaseIterable {
  /// 1 inside the linear region, 0 outside: Lim et al. replace the
  /// hard sigmoid's 1/(2c) by 1 ("without any logical error", §2.1).
  case gate
  /// The true derivative 1/(2c) inside, 0 outside.
  case `true`
}

/// The word and bit lines of every array.
public enum WireKind: String, Sendable, CaseIterable {
  /// Zero-resistance lines: every read is the Kirchhoff sum Σ G·V.
  case ideal
  /// Lines of `r_row`/`r_col` ohms per segment (one segment per cell):
  /// every read is a nodal solve of the G+ and G− meshes.
  case resistive
}

/// Every parameter of a training run, with the documented defaults, which
/// are the same for every figure.
public struct TrainingConfiguration: Sendable, Equatable {
  /// Neurons per layer, input first (the bias neurons are extra).
  public var layers: [Int] = [784, 200, 10]
  public var rule: LearningRule = .lim
  public var method: UpdateMethod = .b
  public var mode: LearningMode = .onChip
  /// Nonlinearity of potentiation β_p and depression β_d (Lim eqs. (1)-(2)).
  public var betaP: Double = 2
  public var betaD: Double = 2
  /// Dynamic range: pulses from G_min to G_max.
  public var nMax: Int = 64
  /// G_min / G_max of a device (0: the paper's normalised curves).
  public var gMinRatio: Double = 0
  /// Device-to-device variation: σ of the per-device scale X ~ N(1, σ²).
  public var sigma: Double = 0
  /// Initial device states are uniform over this fraction of the range
  /// from G_min (so that hidden units differ from the start).
  public var initialFraction: Double = 0.5
  /// Training samples per update (1: online learning).
  public var batch: Int = 1
  /// How a mini-batch's updates are combined into pulses.
  public var batchPulses: BatchPulses = .sign
  public var epochs: Int = 1
  public var seed: UInt64 = 1
  /// Hard-sigmoid half-width c, in units of G_max × full-scale input.
  public var c: Double = 4
  /// Comparator dead band on the output error δ = p − t.
  public var outputThreshold: Double = 0.1
  /// Comparator dead band on hidden-layer errors.
  public var hiddenThreshold: Double = 0
  /// Learning rate of the float baseline (and of off-chip training).
  public var learningRate: Double = 0.01
  /// Hidden-unit derivative of the float baseline.
  public var floatDerivative: FloatDerivative = .gate
  /// Test-set evaluations per epoch.
  public var evaluationsPerEpoch: Int = 100
  /// Use only the first N training / test images (0: all).
  public var trainLimit: Int = 0
  public var testLimit: Int = 0
  /// Shuffle the training set each epoch (seeded).
  public var shuffle: Bool = true
  /// Read pulse width (s) and full-scale read voltage (V), for energies.
  public var readTime: Double = 1e-8
  public var readVoltage: Double = 0.2
  /// G_max of a device in siemens, for energies and physical currents.
  public var gMaxSiemens: Double = 1e-5
  /// Ideal or resistive word/bit lines.
  public var wires: WireKind = .ideal
  /// Resistance of one word-line (drain) and one bit-line (source) segment
  /// in ohms, used when `wires` is resistive (default 1 Ω each: a few µm
  /// of thin metal per cell at a scaled node).
  public var rowSegmentResistance: Double = 1
  public var columnSegmentResistance: Double = 1
  /// Relative KCL residual at which a resistive read stops (‖r‖ ≤ tol·‖r₀‖,
  /// r₀ the ideal cell currents; see `ResistiveReader`).
  public var wireTolerance: Double = 1e-6

  public init() {}

  /// The lines of every array: ideal unless `wires` is resistive with a
  /// non-zero resistance (r_row = r_col = 0 is ideal wires exactly).
  public var wireModel: WireModel {
    wires == .ideal
      ? .ideal
      : WireModel(rowSegmentResistance: rowSegmentResistance, columnSegmentResistance: columnSegmentResistance)
  }

  /// The device of every synapse (normalised: G_max = 1).
  public var device: LimExponentialDevice {
    LimExponentialDevice(
      gMin: gMinRatio, gMax: 1, betaP: betaP, betaD: betaD, nMax: nMax, isBidirectional: method == .c)
  }

  /// Checks every value; the error names the key and the value.
  public func validate() throws {
    func fail(_ key: String, _ message: String) -> ConfigurationError { ConfigurationError(field: key, message) }
    guard layers.count >= 2 else { throw fail("layers", "needs at least an input and an output layer, got \(layers)") }
    for n in layers where n < 1 || n > 1_000_000 { throw fail("layers", "sizes must be in 1...1000000, got \(n)") }
    guard layers.last! >= 2 else { throw fail("layers", "the output layer needs at least 2 classes, got \(layers.last!)") }
    for (k, b) in [("beta_p", betaP), ("beta_d", betaD)] where !(b.isFinite && b >= 0 && b <= 50) {
      throw fail(k, "must be in [0, 50], got \(b)")
    }
    guard nMax >= 1 && nMax <= 255 else { throw fail("nmax", "must be in 1...255, got \(nMax)") }
    guard gMinRatio.isFinite && gMinRatio >= 0 && gMinRatio < 1 else {
      throw fail("gmin_ratio", "G_min/G_max must be in [0, 1), got \(gMinRatio)")
    }
    guard sigma.isFinite && sigma >= 0 else { throw fail("sigma", "must be ≥ 0, got \(sigma)") }
    guard initialFraction.isFinite && initialFraction >= 0 && initialFraction <= 1 else {
      throw fail("initial_fraction", "must be in [0, 1], got \(initialFraction)")
    }
    guard batch >= 1 else { throw fail("batch", "must be ≥ 1, got \(batch)") }
    guard epochs >= 1 && epochs <= 10_000 else { throw fail("epochs", "must be in 1...10000, got \(epochs)") }
    guard c.isFinite && c > 0 else { throw fail("c", "must be > 0, got \(c)") }
    guard outputThreshold.isFinite && outputThreshold >= 0 && outputThreshold < 1 else {
      throw fail("threshold", "must be in [0, 1), got \(outputThreshold)")
    }
    guard hiddenThreshold.isFinite && hiddenThreshold >= 0 else {
      throw fail("hidden_threshold", "must be ≥ 0, got \(hiddenThreshold)")
    }
    guard learningRate.isFinite && learningRate > 0 else { throw fail("lr", "must be > 0, got \(learningRate)") }
    guard evaluationsPerEpoch >= 1 && evaluationsPerEpoch <= 100_000 else {
      throw fail("evals_per_epoch", "must be in 1...100000, got \(evaluationsPerEpoch)")
    }
    guard trainLimit >= 0 else { throw fail("train_limit", "must be ≥ 0, got \(trainLimit)") }
    guard testLimit >= 0 else { throw fail("test_limit", "must be ≥ 0, got \(testLimit)") }
    guard readTime.isFinite && readTime > 0 else { throw fail("read_time", "must be > 0 s, got \(readTime)") }
    guard readVoltage.isFinite && readVoltage > 0 else { throw fail("read_voltage", "must be > 0 V, got \(readVoltage)") }
    guard gMaxSiemens.isFinite && gMaxSiemens > 0 else { throw fail("gmax", "must be > 0 S, got \(gMaxSiemens)") }
    for (k, r) in [("r_row", rowSegmentResistance), ("r_col", columnSegmentResistance)] where !(r.isFinite && r >= 0) {
      throw fail(k, "must be a resistance ≥ 0 Ω, got \(r)")
    }
    if wires == .resistive && (rowSegmentResistance == 0) != (columnSegmentResistance == 0) {
      let (k, other) = rowSegmentResistance == 0 ? ("r_row", "r_col") : ("r_col", "r_row")
      throw fail(k, "is 0 Ω while \(other) is not: resistive lines need both > 0 (or both 0, ideal wires); use e.g. 1e-9 for a near-ideal line")
    }
    guard wireTolerance.isFinite && wireTolerance > 0 && wireTolerance <= 1e-2 else {
      throw fail("wire_tolerance", "must be in (0, 0.01], got \(wireTolerance)")
    }
    if wires == .resistive && rule == .float && mode == .onChip {
      throw fail("wires", "resistive lines need arrays: rule lim (on-chip) or learning off-chip, not float SGD")
    }
    if rule == .float && mode == .offChip { throw fail("learning", "off-chip learning needs rule lim (the array to program)") }
  }
}
