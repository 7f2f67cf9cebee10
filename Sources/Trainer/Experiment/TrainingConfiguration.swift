import Circuit
import Peripherals

/// How the weights learn.
public enum LearningRule: String, Sendable, CaseIterable {
  /// Lim et al. (2018): sign-driven identical pulses on G+/G− pairs.
  case lim
  /// Software back-propagation with float weights (the baseline).
  case float
  /// Choi et al. (2021): hybrid big/small synapses, W = (G+ − G−) +
  /// (g+ − g−) with g = G/k, fully parallel coincidence updates, dynamic
  /// tuning of the big arrays then fine tuning of the small ones.
  case hybrid
  /// One G+/G− pair of the same finite-state devices, updated like the
  /// hybrid's big arrays (Choi's single-synapse network).
  case single

  /// The rules that train finite-state (Choi) devices.
  public var isFiniteState: Bool { self == .hybrid || self == .single }
}

/// The pulse trains of the hybrid's fine phase (Choi et al. are silent).
public enum FineTrains: String, Sendable, CaseIterable {
  /// Probabilities rescaled for the small arrays' step, so that
  /// E[ΔW] = −η·δ·xᵀ in both phases (away from saturation).
  case rescaled
  /// The dynamic phase's trains unchanged; only the array selection
  /// switches, so E[ΔW] = −η·(μ_small/μ_big)·δ·xᵀ on the small arrays:
  /// −(η/k)·δ·xᵀ when `smallStates == states`.
  case same
}

/// How the finite-state rules turn x and δ into update pulses.
public enum UpdateEncoding: String, Sendable, CaseIterable {
  /// Stochastic row and column trains of BL slots, P(pulse) ∝ |x|, |δ|
  /// (Gokmen & Vlasov 2016): the expected update is −η·δ·xᵀ.
  case stochastic
  /// Deterministic trains: a thermometer code on the rows, evenly spread
  /// pulses on the columns; the overlap is the outer product rounded to the
  /// nearest pulse.
  case deterministic
  /// Lim's sign rule: one pulse per synapse with x > 0 and δ beyond the
  /// comparator's dead band; update method b at G_max.
  case sign
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

  /// The paper's three, whose rows Figures 7–10 reproduce. (`allCases` is
  /// the keys' accepted spellings: a method added beyond the paper is
  /// accepted by `--method` without joining the paper's tables.)
  public static let paperMethods: [UpdateMethod] = [.a, .b, .c]
}

/// Where the weights are trained.
public enum LearningMode: String, Sendable, CaseIterable {
  /// In the array, by the learning rule (Lim's HW-BP).
  case onChip = "on-chip"
  /// In software without variation, then programmed into the array
  /// (Lim Figure 14).
  case offChip = "off-chip"
}

/// What a device whose scale X ~ N(1, σ²) draws below 0 becomes.
public typealias NegativeScale = DeviceVariation.NegativeScale

/// What off-chip learning programs into the array (Lim Figure 14).
public enum OffChipTransfer: String, Sendable, CaseIterable {
  /// The device states of the same hardware rule trained in simulation on
  /// devices without variation: every device of the target array gets the
  /// pulse count (state) its ideal twin ended in, so it lands at X·G(n).
  /// Lim's off-chip accuracy at σ = 0 (94.67) is that of the hardware rule
  /// (94.80 in Figure 9), not of software BP (93.83 in Figure 12).
  case states
  /// Float SGD's weights, each as the nearest state of one device with
  /// the other at G_min.
  case weights
}

/// How an off-chip transfer programs its target array (`program_verify`).
/// A write-verify controller reads each device as it programs it and stops
/// at its target, whatever the device's own scale X (the pulse count it
/// takes does not matter), as near as the device's range X·[G(0), G(n_max)]
/// allows; a stuck device keeps its conductance.
public enum ProgramVerify: String, Sendable, CaseIterable {
  /// By pulse count: each device gets its state and lands at X·G(state)
  /// (Lim's off-chip reading, Figure 14).
  case none
  /// Each device to its state's conductance on the nominal curve, G(state)
  /// (the ideal twin's, or the weight's nearest state): the pairs keep the
  /// twin's common mode.
  case devices
  /// Each pair to its weight W = G(s+) − G(s−) on the nominal curve: the
  /// device of W's sign to |W| above its partner's reset level, the partner
  /// reset to X·G(0), so the common mode is as low as W allows (the
  /// refresh's placement, `drift_refresh`).
  case weights
  /// Each pair to its weight W, its common mode as near the curve's middle
  /// (G(0) + G(n_max))/2 as both devices' ranges allow: the devices sit
  /// where a pulse moves a weight about as far as the twin's pulses moved
  /// it, for an array trained on chip after it is programmed (`weights`'
  /// placement, at the curve's steep foot, moves it 2.6–3.3× farther: a
  /// helper's study, session 85). Where no common mode reaches W, or a
  /// device is stuck, as `weights`.
  case mid
}

/// How a mini-batch's updates become pulses (Lim Figure 10).
public enum BatchPulses: String, Sendable, CaseIterable {
  /// One pulse per synapse in the direction of the batch's summed gradient.
  case sign
  /// The samples' own pulses, netted: |Σ sgn| pulses per synapse.
  case net
}

/// Rule lim's account of the update's half-selected cells.
public enum HalfSelectBooking: String, Sendable, CaseIterable {
  /// Not booked (`xbarsim inspect` gives them per sample): the looked-up
  /// kernel, at full speed.
  case skip
  /// Booked in the energy ledger (`half_select`), through the recorded
  /// kernel.
  case book
}

/// The hard sigmoid's linear region.
public enum Activation: String, Sendable, CaseIterable {
  /// f(s) = clamp((s + c)/(2c), 0, 1): 0 below −c, 1 above c (the paper's
  /// breakpoints); f(0) = 1/2.
  case centred
  /// f(s) = clamp(s/(2c), 0, 1): the paper's formula s/(2c) on (0, 2c);
  /// f(0) = 0.
  case zero
}

/// The output layer and the loss its δ is the gradient of.
public enum OutputLoss: String, Sendable, CaseIterable {
  /// Softmax outputs p and the cross-entropy −log p_label: δ = p − t.
  case crossEntropy = "cross-entropy"
  /// Logistic output neurons y = 1/(1 + e^(−s)) and the squared error
  /// ½Σ(y − t)²: δ = (y − t)·y(1 − y).
  case mse
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

/// What an update's pulses go through (rule lim, on-chip).
public enum WriteLines: String, Sendable, CaseIterable {
  /// Every pulse reaches its cell at its full amplitude (ideal lines for
  /// the update, whatever the reads see).
  case ideal
  /// Each update slot is solved through the resistive lines
  /// (`RowWriteSolver`), and a pulse programs its device only where its
  /// cell sees at least `write_threshold` (`LimWriteLines`).
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
  /// Off-chip learning: device states of the ideal hardware rule, or
  /// float SGD's weights.
  public var transfer: OffChipTransfer = .states
  /// Nonlinearity of potentiation β_p and depression β_d (Lim eqs. (1)-(2)).
  public var betaP: Double = 2
  public var betaD: Double = 2
  /// Dynamic range: pulses from G_min to G_max (default 64; whether it was
  /// set matters to `device_csv`, which sets it too).
  public var nMax: Int {
    get { _nMax ?? 64 }
    set { _nMax = newValue }
  }
  var _nMax: Int? = nil
  /// A measured device (`device_csv`; rules lim, hybrid and single), or
  /// nil for the rules' model devices. Setting it sets `nMax` (its curve's
  /// points − 1: the pulses to its first maximum), `gMinRatio` (first
  /// point / maximum) and `gMaxSiemens` (the maximum); `states` and `c2c`
  /// default to the same pulses and 0 for rules hybrid and single.
  public internal(set) var measuredDevice: MeasuredBranches? = nil
  /// Sets a measured device from data read before (a checkpoint's copy of
  /// its curve: the file need not exist any more). The range keys must
  /// agree with it (`validate`).
  /// - Throws: `ConfigurationError` (field `device_csv`) for a curve that is
  ///   not 2…256 finite non-decreasing points from ≥ 0 to exactly 1, a
  ///   G_max outside [1e-12, 1] S, an empty path, or a depression branch
  ///   that is neither empty nor ≥ 2 finite non-increasing points that fall.
  public mutating func restoreMeasuredDevice(_ m: MeasuredBranches) throws {
    let c = m.curve, d = m.depression
    guard !m.path.isEmpty, (2...256).contains(c.count), c.allSatisfy({ $0.isFinite && $0 >= 0 }),
      zip(c, c.dropFirst()).allSatisfy({ $0 <= $1 }), c.last == 1, c[0] < 1, m.gMax >= 1e-12 && m.gMax <= 1
    else {
      throw ConfigurationError(
        field: "device_csv",
        "a measured device needs its file's path and a curve of 2…256 non-decreasing points from ≥ 0 to 1, with G_max in [1e-12, 1] S")
    }
    guard d.isEmpty
      || (d.count >= 2 && d.allSatisfy({ $0.isFinite && $0 >= 0 }) && zip(d, d.dropFirst()).allSatisfy({ $0 >= $1 })
        && d[d.count - 1] < d[0])
    else {
      throw ConfigurationError(
        field: "device_csv", "a measured device's depression branch must be empty or ≥ 2 finite non-increasing points ≥ 0 that fall")
    }
    var restored = m
    // The file's cycles, for the run's notes and summary, where the file
    // still gives this device (a walkthrough, session 55: a run from a
    // checkpoint had lost them).
    if let file = try? Self.measuredBranches(m.path), file == m {
      restored.cycles = file.cycles
      restored.dropsBack = file.dropsBack
    }
    measuredDevice = restored
  }

  /// The measured device's file ("" for none).
  public var deviceCSV: String { measuredDevice?.path ?? "" }
  /// The measured device's potentiation curve G(n)/G_max, which replaces
  /// Lim's (methods a, b and c; method c also depresses along the file's
  /// depression branch).
  public var measuredCurve: [Double]? { measuredDevice?.curve }
  /// G_min / G_max of a device. Default 0 for `lim` and `float` (Lim's
  /// normalised curves), 0.1 for `hybrid` and `single` (1 µS … 10 µS, so
  /// that Choi's d2d variation δ/G_min has a G_min to refer to).
  public var gMinRatio: Double {
    get { _gMinRatio ?? (rule.isFiniteState ? 0.1 : 0) }
    set { _gMinRatio = newValue }
  }
  var _gMinRatio: Double? = nil
  /// Device-to-device variation: σ of the per-device scale X ~ N(1, σ²).
  public var sigma: Double = 0
  /// Rules lim, hybrid and single: the fraction of devices, in [0, 1],
  /// stuck at 0 S (open: failed forming) for the whole run. Each device of
  /// each layer (G+ and G−; rule hybrid also g+ and g−) is stuck with this
  /// probability, drawn from a stream of its own (`LimLayer.stuckStream`,
  /// `HybridLayer.stuckStream`), so the other draws are those of 0; rule
  /// lim: a stuck device's scale X is 0, and pulses and resets move its
  /// state (the controller does not know) but never its conductance; rules
  /// hybrid and single: its bounds are pinned at 0 S (`HybridLayer`).
  public var stuckOff: Double = 0
  /// Rule lim: the fraction of devices, in [0, 1], stuck at G_max
  /// (shorted: a filament that no reset dissolves) for the whole run,
  /// drawn with `stuck_off` from the same uniform per device (u < off:
  /// open; off ≤ u < off + on: shorted), so that `stuck_on` 0 is the old
  /// run and off + on ≤ 1. A shorted device conducts the curve's G_max,
  /// G(n_max), whatever its state and scale: its scale X is 0 and it
  /// carries G(n_max) beside it (`LimLayer.onp`, `onm`). Rules hybrid and
  /// single: its bounds are pinned at its kind's G_max (`HybridLayer`).
  public var stuckOn: Double = 0
  /// Stuck devices named by a file (`stuck_map`, `StuckMap`), laid over
  /// those `stuck_off` and `stuck_on` draw; nil: none.
  public internal(set) var stuckMap: StuckMap? = nil
  /// Sets the map from a copy read before (a checkpoint's: the file need
  /// not exist any more); `validate` checks it against the layers.
  public mutating func restoreStuckMap(_ map: StuckMap?) { stuckMap = map }
  /// The map's file ("" for none).
  public var stuckMapPath: String { stuckMap?.path ?? "" }
  /// Rules hybrid and single: the controller knows the stuck devices (a
  /// yield map loaded into it) and skips the saturation pass's sequences
  /// that can only rewrite what is there: no refresh after a pulse lost at
  /// a stuck device, and with method b (encoding sign) no reset and
  /// re-potentiation of a stuck device (`HybridLayer.knowsStuck`). The
  /// coincident update's pulses still reach stuck devices: a row and a
  /// column drive every cell they cross.
  public var stuckKnown = false
  /// Conductance drift after training (`drift_nu`, `drift_nu_sigma`,
  /// `drift_t0`; beyond both papers): the trained arrays are read again at
  /// each of `drift_times` (seconds after their programming), every
  /// device's conductance times (t/t₀)^(−ν_d) (`ConductanceDrift`).
  public var driftNu: Double = 0
  public var driftNuSigma: Double = 0
  /// `drift_nu_model`: the exponents' law, `constant` (`drift_nu`,
  /// `drift_nu_sigma`) or `pcm` (from each device's conductance; session 82).
  public var driftNuModel: ConductanceDrift.Model = .constant
  /// `drift_read_noise`: the drifted reads' device noise (session 82).
  public var driftReadNoise: DriftReadNoise = .none
  /// `drift_compensation`: the compensated accuracy's gains, one per
  /// array or one per output column (session 82).
  public var driftCompensation: DriftCompensation = .global
  public var driftT0: Double = 1
  /// The times after training at which the drifted arrays are evaluated
  /// (empty: none).
  public var driftTimes: [Double] = []
  /// `drift_refresh`: before the drift clock starts, every pair with both
  /// devices above their reset level is refreshed (both reset, the
  /// weight re-potentiated onto one device: `refreshedForDeployment`), in
  /// a copy of the trained arrays, which the drift reads then read.
  public var driftRefresh = false
  /// The drift model of `drift_nu`, `drift_nu_sigma`, `drift_nu_model` and `drift_t0`.
  public var drift: ConductanceDrift { ConductanceDrift(nu: driftNu, nuSigma: driftNuSigma, t0: driftT0, model: driftNuModel) }
  /// Any device may be stuck (`stuck_off`, `stuck_on` or `stuck_map`).
  public var hasStuckDevices: Bool { stuckOff > 0 || stuckOn > 0 || stuckMap != nil }
  /// Some device is stuck for certain or by a draw: `hasStuckDevices`
  /// less a map without records (a header alone), which sticks none
  /// (what `stuck_known` has to know).
  public var namesStuckDevices: Bool { stuckOff > 0 || stuckOn > 0 || stuckMap?.entries.isEmpty == false }
  /// Any device may be shorted (`stuck_on`, or a map's `shorted` record):
  /// rule lim keeps shorted marks.
  public var hasShortedDevices: Bool { stuckOn > 0 || stuckMap?.hasShorted == true }
  /// Rule lim's devices carry scales X (`sigma`, `stuck_off`, `stuck_on`
  /// or `stuck_map`): the kernels read them, and checkpoints hold them.
  public var limDeviceScales: Bool { sigma > 0 || hasStuckDevices }
  /// A draw X ≤ 0 of the device scale: drawn again (the default), 0 (a
  /// dead device) or |X|.
  public var negativeScale: NegativeScale = .redraw
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
  /// Learning rate η of the float baseline (and of off-chip training) and
  /// of the finite-state rules' outer-product update. Default 0.01 for
  /// `lim` and `float` (Lim), 0.1 for `hybrid` and `single` (Choi).
  public var learningRate: Double {
    get { _learningRate ?? defaultLearningRate }
    set { _learningRate = newValue }
  }
  var _learningRate: Double? = nil
  /// The rule's own learning rate when `lr` is not set: 0.1 for hybrid and
  /// single (Choi), 0.01 otherwise.
  public var defaultLearningRate: Double { rule.isFiniteState ? 0.1 : 0.01 }
  /// The hidden neurons' hard sigmoid (`activation`): `zero` for every
  /// rule, the same neuron circuit (README, Choices).
  public var activation: Activation = .zero
  /// The hidden neuron circuit this configuration describes.
  public var neuron: HardSigmoidNeuron { HardSigmoidNeuron(c: Float(c), zeroBased: activation == .zero) }

  /// The output neurons and the loss (`loss`): softmax with cross-entropy,
  /// or logistic neurons with the squared error (rules float, hybrid and
  /// single; Lim's sign rule is defined on softmax's δ = p − t).
  public var loss: OutputLoss = .crossEntropy

  /// Hidden-unit derivative of the float baseline and of the finite-state
  /// rules. Default `gate` for `lim` and `float` (Lim), `true` for `hybrid`
  /// and `single` (plain gradient descent, as Choi's update is −η·δ·xᵀ).
  public var floatDerivative: FloatDerivative {
    get { _floatDerivative ?? (rule.isFiniteState ? .true : .gate) }
    set { _floatDerivative = newValue }
  }
  var _floatDerivative: FloatDerivative? = nil

  // Finite-state devices and coincidence updates (Choi et al. 2021).
  /// Gain of the small synapse: its devices are the big ones with k times
  /// smaller area, g = G/k.
  public var k: Double = 10
  /// Identical potentiation pulses from G_min to G_max of a finite-state
  /// device (Choi: 50; for rules hybrid and single a measured device's
  /// pulses to its first maximum).
  public var states: Int {
    get { _states ?? (rule.isFiniteState ? measuredDevice.map { $0.curve.count - 1 } : nil) ?? 50 }
    set { _states = newValue }
  }
  var _states: Int? = nil
  /// States of the hybrid's small devices (Choi's "g states", Fig. 5F and
  /// 6D: 400 with 50-state big devices): they span [G_min, G_max]/k in
  /// this many identical steps. Nil: `states`, the same device.
  public var smallStates: Int {
    get { _smallStates ?? states }
    set { _smallStates = newValue }
  }
  var _smallStates: Int? = nil
  /// Slots per row/column pulse train (BL), 1…64.
  public var pulseTrainLength: Int = 64
  /// How x and δ become pulses.
  public var encoding: UpdateEncoding = .stochastic
  /// Cycle-to-cycle variation δ/μ of a pulse's conductance step (Choi's
  /// measured 0.34; 0 for a measured device, whose mean steps are its data:
  /// given, each pulse moves its pulse index by 1 + c2c·z).
  public var c2c: Double {
    get { _c2c ?? (rule.isFiniteState && measuredDevice != nil ? 0 : 0.34) }
    set { _c2c = newValue }
  }
  var _c2c: Double? = nil
  /// Device-to-device variation δ/G_min: σ of each device's conductance
  /// offset, in units of its G_min.
  public var d2d: Double = 0
  /// The hybrid switches from the big to the small arrays when the
  /// training accuracy gains less than this (percentage points) in an
  /// epoch (Choi: 0.5).
  public var switchThreshold: Double = 0.5
  /// The hybrid's fine-phase trains: rescaled for the small step, or the
  /// dynamic phase's own.
  public var fineTrains: FineTrains = .rescaled
  /// Threads of one hybrid/single run: 1, or 2 (the update's two column
  /// shares at the same time; the same results either way).
  public var threads: Int = 1
  /// Full write voltage of a coincidence, the device's threshold, and the
  /// disturb step of half-selected cells (used only when V_w/2 ≥ V_th).
  public var writeVoltage: Double = 1
  public var writeThreshold: Double = 0.75
  public var disturbStep: Double = 0.1
  /// Test-set evaluations per epoch: 100 unless set. A point is taken at
  /// the end of a mini-batch, one per batch end, so an epoch of fewer
  /// batches gets one point per batch by default (`fitEvaluations`), and
  /// a value set above its batches is refused.
  public var evaluationsPerEpoch: Int {
    get { _evaluationsPerEpoch ?? 100 }
    set { _evaluationsPerEpoch = newValue }
  }
  var _evaluationsPerEpoch: Int? = nil

  /// The mini-batches of an epoch of `trainingImages` images (the last
  /// one may be short).
  public func batchesPerEpoch(trainingImages: Int) -> Int {
    // (Not (n + batch − 1)/batch, which overflows for a batch near Int.max.)
    trainingImages / batch + (trainingImages % batch == 0 ? 0 : 1)
  }

  /// The default evaluations per epoch fitted to an epoch of
  /// `trainingImages` images: at most one per mini-batch. A value that was
  /// set is kept (and refused later if the batches are fewer).
  public mutating func fitEvaluations(trainingImages: Int) {
    guard _evaluationsPerEpoch == nil else { return }
    _evaluationsPerEpoch = defaultEvaluations(trainingImages: trainingImages)
  }

  /// The default evaluations per epoch for an epoch of `trainingImages`
  /// images: 100, or one per mini-batch when there are fewer.
  public func defaultEvaluations(trainingImages: Int) -> Int {
    max(1, min(100, batchesPerEpoch(trainingImages: trainingImages)))
  }
  /// The average accuracy and its error bars: 0 takes them over the last
  /// 10 % of the evaluation points (the issue's definition); N > 0
  /// evaluates the test set after each of the run's last N updates (an
  /// image, or a mini-batch) as well, and takes them over those N
  /// evaluations: Lim et al.'s "last 100 iterations", each iteration
  /// followed by an evaluation.
  public var finalIterations: Int = 0
  /// Use only the first N training / test images (0: all).
  public var trainLimit: Int = 0
  public var testLimit: Int = 0
  /// Shuffle the training set each epoch (seeded).
  public var shuffle: Bool = true
  /// Count every device's identical pulses and resets over the run (rules
  /// lim on chip, hybrid and single): the summary's `endurance` object.
  /// Observes only: a run's pulses and results are the same without it.
  public var endurance: Bool = false
  /// Read pulse width (s) and full-scale read voltage (V), for energies.
  public var readTime: Double = 1e-8
  public var readVoltage: Double = 0.2
  /// The cells' read I–V (rule lim): 0 (default) linear, I = G·V; else
  /// V0 in volts of I = G·V0·sinh(V/V0) (`CellIV`), seen by every read of
  /// the arrays, forward and transposed, in training and evaluation (a
  /// full-scale drive reads read_voltage/V0 into the curve). Ideal wires
  /// only.
  public var ivV0: Double = 0
  /// G_max of a device in siemens, for energies and physical currents
  /// (default 1e-5; whether it was set matters to `device_csv`).
  public var gMaxSiemens: Double {
    get { _gMaxSiemens ?? 1e-5 }
    set { _gMaxSiemens = newValue }
  }
  var _gMaxSiemens: Double? = nil
  /// The update phase's time base (`xbarsim inspect`'s waveforms): the
  /// identical programming pulse's amplitude (V) and width (s), the reset
  /// pulse's, and the slot every read, pulse or reset occupies (s).
  public var programVoltage: Double = 1
  public var programTime: Double = 1e-7
  public var resetVoltage: Double = -1.5
  public var resetTime: Double = 1e-6
  public var slotTime: Double = 2e-6
  /// The slot a reset occupies (s), when it is not `slotTime`: a device
  /// whose erase is much longer than its programming pulse (a charge-trap
  /// FET's millisecond erase beside 10 µs pulses) books its resets at their
  /// own length, and `slotTime` need only cover the reads and programming
  /// pulses (a FET researcher's walkthrough, session 49: one slot for
  /// everything had made every 10 µs pulse cost 1 ms). Nil: `slotTime`.
  public var _resetSlotTime: Double? = nil
  public var resetSlotTime: Double { _resetSlotTime ?? slotTime }

  /// The update phases' time (s): `slots` of `slot_time`, of which
  /// `resetSlots` take `reset_slot_time` when it is set (without it, the
  /// product as before, to the bit). Every rule's ledger books it so.
  public func updateTime(slots: Int, resetSlots: Int) -> Double {
    guard let r = _resetSlotTime else { return Double(slots) * slotTime }
    return Double(slots - resetSlots) * slotTime + Double(resetSlots) * r
  }
  /// Rule lim: whether training books the update slots' half-selected
  /// cells (the coincidence rules always do).
  public var halfSelect: HalfSelectBooking = .skip
  /// Rule lim, on-chip: cycle-to-cycle variation of each identical pulse,
  /// σ_c2c of its step as a fraction of the device's nominal step there:
  /// ΔG·(1 + σ_c2c·z), z ~ N(0, 1), clamped to the device's range. 0 (the
  /// default): every pulse is the curve's step, and the devices keep
  /// integer states (methods a, b).
  public var sigmaC2C: Double = 0
  /// Rule lim, method b: the re-potentiation of G− at G_max stops when the
  /// next pulse's nominal step ΔG would bring G+ − G− within
  /// `bMargin`·ΔG above the old W: while G+ − (G− + ΔG) > W + m·ΔG. 0
  /// (the default) is the paper's loop, whose last comparison is an exact
  /// tie on the curve's points (README, Choices).
  public var bMargin: Double = 0
  /// Rule lim, off-chip: the scale s of the programming noise each device
  /// of the target array lands with, max(0, g + s·σ(g)·z) at its
  /// relative conductance g (`ProgrammingNoise`, the PCM fit; 1: the fit
  /// itself). 0 (the default): every device lands on its state exactly.
  public var programNoise: Double = 0
  /// Rule lim, off-chip: how the target array is programmed (`none`, the
  /// default and the paper's reading: by pulse count, each device at
  /// X·G(state); or by write-verify, `ProgramVerify`).
  public var programVerify: ProgramVerify = .none
  /// Rule lim: the devices hold conductances off their curve whatever the
  /// update keys say: an off-chip array programmed with `program_noise` or
  /// `program_verify`, read or trained on chip from its checkpoint, and any
  /// run that goes on from such devices. Not a key: a checkpoint says it
  /// (`held_conductances`), and `Checkpoint.read` sets it.
  public var heldConductances = false
  /// No slot is timed: a read of saved arrays (`xbarsim evaluate`, a
  /// checkpoint's sweep), which books no latency, so that its `read_time`
  /// (the t_r of `drift_read_noise pcm`) is not held to `slot_time`, a key
  /// it does not take. Not a key. (Learning off-chip times no slot either.)
  public var slotsUntimed = false
  /// Rule lim: the devices are held as conductances (method c, whose
  /// depression leaves the curve; any method with `sigma_c2c`; method b
  /// with `b_margin`; an off-chip target array with `program_noise` or
  /// `program_verify`; `heldConductances`) rather than as integer states on
  /// the potentiation curve.
  public var limConductanceStates: Bool {
    method == .c || sigmaC2C > 0 || (method == .b && bMargin > 0) || (mode == .offChip && (programNoise > 0 || programVerify != .none))
      || heldConductances
  }
  /// The most pulses a rule-lim re-potentiation loop on conductance
  /// states issues (methods a and b with `sigma_c2c` or `b_margin`):
  /// 4·n_max, four times a nominal device's way from G_min to G_max, and
  /// at least 256 (a review, session 67: at n_max 2–4 a cap of 8–16
  /// stopped loops at β_p 2–4 with σ_c2c 0.3).
  public var repotentiationCap: Int { max(4 * nMax, 256) }
  /// The synapses of every layer, bias rows included: Σ (m + 1)·n.
  public var synapseCount: Int { zip(layers, layers.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 } }
  /// The pulses this configuration's arrays are programmed with: Lim's
  /// identical pulse (`program_voltage`), or for the hybrid and the single
  /// pair the full write voltage of a coincidence (`write_voltage`); both
  /// `program_time` wide, and the reset pulse.
  public var pulseGenerator: PulseGenerator {
    PulseGenerator(
      amplitude: rule == .hybrid || rule == .single ? writeVoltage : programVoltage, width: programTime,
      resetAmplitude: resetVoltage, resetWidth: resetTime)
  }
  /// Ideal or resistive word/bit lines.
  public var wires: WireKind = .ideal
  /// Resistance of one word-line (drain) and one bit-line (source) segment
  /// in ohms, used when `wires` is resistive (default 1 Ω each: a few µm
  /// of thin metal per cell at a scaled node).
  public var rowSegmentResistance: Double = 1
  public var columnSegmentResistance: Double = 1
  /// Resistance at each word (drain) line's terminal, in series with its
  /// first segment, in ohms: the output resistance of the driver of
  /// forward reads, which also terminates the line (as its sense
  /// amplifier's input) in the transposed reads (default 0; since session
  /// 59; `WireModel.rowTerminalResistance`).
  public var driverResistance: Double = 0
  /// Resistance at each bit (source) line's terminal, in ohms: the input
  /// resistance of the forward reads' sense amplifier, the transposed
  /// reads' driver (default 0; `WireModel.columnTerminalResistance`).
  public var senseResistance: Double = 0
  /// Relative KCL residual at which a resistive read stops (‖r‖ ≤ tol·‖r₀‖,
  /// r₀ the ideal cell currents; see `ResistiveReader`).
  public var wireTolerance: Double = 1e-6
  /// Rule lim with resistive lines: whether the update's pulses see the
  /// lines too (`resistive`; each slot solved, a pulse programs only where
  /// its cell reaches `write_threshold`) or ideal lines (the default: the
  /// IR drop acts on the reads only).
  public var writeLines: WriteLines = .ideal

  // Peripheral circuits (rule lim). Every default is ideal.
  /// Input DAC resolution in bits (0: ideal). The DAC sets every forward
  /// read's drive x (pixels, hidden activations, the bias line) to one of
  /// 2^b levels in [0, 1], and the magnitude of the transposed read's δ.
  public var dacBits: Int = 0
  /// ADC resolution in bits (0: ideal): every layer's weighted sums s are
  /// digitised to 2^b codes over [−adc_range, adc_range], clipping outside.
  public var adcBits: Int = 0
  /// The ADC's full scale in units of s; default 2c, so the hidden neurons'
  /// linear region ([0, 2c] with `activation zero`, [−c, c] with `centred`)
  /// fits and the output logits keep room beyond the clamp.
  public var adcRange: Double {
    get { _adcRange ?? 2 * c }
    set { _adcRange = newValue }
  }
  var _adcRange: Double? = nil
  /// The output layer's ADC full scale in units of s (default `adc_range`):
  /// the logits are not bounded by the hard sigmoid, and a range wide
  /// enough for them coarsened the hidden layers' steps too (session 81:
  /// a 3-bit ADC trained to 85.85 %, its output sums tied at the top).
  public var outputADCRange: Double {
    get { _outputADCRange ?? adcRange }
    set { _outputADCRange = newValue }
  }
  var _outputADCRange: Double? = nil
  /// The neuron circuit's transimpedance relative to its nominal
  /// 1/(V_read·G_max): a gain error scales every weighted sum (1: ideal).
  public var tiaGain: Double = 1
  /// σ of the sense amplifiers' input-referred offsets, in units of s: one
  /// offset per output column of every array, drawn once from the seed
  /// and added to that column's sum on every forward read (0: none).
  public var senseOffset: Double = 0
  /// σ of the read noise at the sense amplifiers' inputs, in units of s:
  /// drawn anew for every column at every forward read, in training and
  /// evaluation (0: none). Keyed draws (`ReadNoise`): the same run draws
  /// the same noise on one thread or two, and from a checkpoint.
  public var readNoise: Double = 0
  /// σ of the read noise at the inputs of the transposed read's sense
  /// amplifiers (the drive lines' ends, which back-propagate δ), in units
  /// of δ, i.e. of I/(V_read·G_max): drawn anew for every row at every
  /// transposed read in training, before the derivative gate and the δ
  /// comparator (0: none). Keyed draws, as `readNoise`'s.
  public var transposedReadNoise: Double = 0
  /// σ of the δ comparators' input offsets, in units of δ: one per output
  /// column of every array, drawn once from the seed; the comparator
  /// decides the dead band and the pulse's sign from δ + offset (0: none).
  public var comparatorOffset: Double = 0
  /// σ of each ADC transition's offset from its ideal level, in LSB: one
  /// converter per output column of every array, its transition levels
  /// drawn once from the seed (`ADCNonlinearity`; 0: ideal converters).
  /// Needs an ADC (`adcBits` > 0).
  public var adcINL: Double = 0
  /// Output columns that share one ADC through a multiplexer (1: an ADC
  /// per column): a layer's forward read converts its columns min(this, N)
  /// at a time in series, and with `adcINL` columns j share converter
  /// ⌊j / adcColumns⌋'s transition levels.
  public var adcColumns: Int = 1
  /// Capacitance of each cell's node on every word and bit line (F): a
  /// line of n cells is n·C, and the ledger books C·n·V² for each line a
  /// read or an update slot drives to V (`EnergyLedger.lines`; 0: none).
  public var lineCapacitance: Double = 0

  public init() {}

  /// The same configuration on ideal hardware: no device-to-device
  /// variation, ideal lines and ideal peripherals (what off-chip training
  /// assumes).
  public var idealHardware: TrainingConfiguration {
    var c = idealPeriphery()
    c.sigma = 0
    c.programNoise = 0
    c.programVerify = .none
    c.stuckOff = 0
    c.stuckOn = 0
    c.stuckMap = nil
    c.wires = .ideal
    c.ivV0 = 0
    return c
  }

  /// One forward read of a layer of `columns` outputs, its conversions
  /// included (s): `read_time`, then min(`adc_columns`, columns) ADC
  /// conversions in series (one when every column has its own ADC; an
  /// ideal ADC costs as 8 bits, `ConverterCosts`).
  public func forwardReadTime(columns: Int, costs: ConverterCosts) -> Double {
    readTime + Double(min(adcColumns, columns)) * costs.adcTime(bits: adcBits)
  }

  /// The least non-zero `adc_inl` at `bits` (LSB): 2^(bits − 20), eight
  /// single-precision steps at the top code.
  public static func smallestADCINL(bits: Int) -> Double { Double(sign: .plus, exponent: bits - 20, significand: 1) }

  /// The keys of the peripheral circuits (rules lim, hybrid and single;
  /// float SGD refuses them).
  public static let peripheralKeys = [
    "adc_bits", "adc_range", "output_adc_range", "dac_bits", "tia_gain", "sense_offset", "read_noise", "transposed_read_noise",
    "comparator_offset", "adc_inl", "adc_columns",
  ]

  /// The same configuration with `keys` (of `peripheralKeys`) at their
  /// ideal defaults: a reproduction's software runs, which have no
  /// converters (`ChoiReproduction`, `LimReproduction`).
  public func idealPeriphery(_ keys: Set<String> = Set(peripheralKeys)) -> TrainingConfiguration {
    var c = self
    let d = TrainingConfiguration()
    if keys.contains("dac_bits") { c.dacBits = d.dacBits }
    if keys.contains("adc_bits") { c.adcBits = d.adcBits }
    if keys.contains("adc_range") { c._adcRange = nil }
    if keys.contains("output_adc_range") { c._outputADCRange = nil }
    if keys.contains("tia_gain") { c.tiaGain = d.tiaGain }
    if keys.contains("sense_offset") { c.senseOffset = d.senseOffset }
    if keys.contains("read_noise") { c.readNoise = d.readNoise }
    if keys.contains("transposed_read_noise") { c.transposedReadNoise = d.transposedReadNoise }
    if keys.contains("comparator_offset") { c.comparatorOffset = d.comparatorOffset }
    if keys.contains("adc_inl") { c.adcINL = d.adcINL }
    if keys.contains("adc_columns") { c.adcColumns = d.adcColumns }
    return c
  }

  /// The lines of every array: ideal unless `wires` is resistive with a
  /// non-zero resistance (r_row = r_col = 0 is ideal wires exactly).
  public var wireModel: WireModel {
    wires == .ideal
      ? .ideal
      : WireModel(
        rowSegmentResistance: rowSegmentResistance, columnSegmentResistance: columnSegmentResistance,
        rowTerminalResistance: driverResistance, columnTerminalResistance: senseResistance)
  }

  /// The device of every synapse (normalised: G_max = 1).
  public var device: LimExponentialDevice {
    LimExponentialDevice(
      gMin: gMinRatio, gMax: 1, betaP: betaP, betaD: betaD, nMax: nMax, isBidirectional: method == .c)
  }

  /// The most layers of a network, input and output included.
  public static let maximumLayers = 1_000

  /// Refuses a read at or above `limit` (the key `key`, described as
  /// `what`), where every read would program the cells it reads; named by
  /// the key that moved: a lowered limit under the default read names the
  /// limit's key.
  private func checkRead(below limit: Double, _ key: String, _ what: String) throws {
    guard readVoltage >= limit else { return }
    let readMoved = readVoltage != TrainingConfiguration().readVoltage
    throw ConfigurationError(
      field: readMoved ? "read_voltage" : key,
      readMoved
        ? "a read at \(Self.shown(readVoltage)) V reaches \(what) \(Self.shown(limit)) V (\(key)): every read would program the cells it reads"
        : "\(Self.shown(limit)) V is at or below the read voltage \(Self.shown(readVoltage)) V (read_voltage): every read would program the cells it reads")
  }

  /// Checks every value; the error names the key and the value.
  public func validate() throws {
    func fail(_ key: String, _ message: String) -> ConfigurationError { ConfigurationError(field: key, message) }
    // A value as the user would write it: 0, not 0.0.
    func shown(_ x: Double) -> String { Self.shown(x) }
    guard layers.count >= 2 else { throw fail("layers", "needs at least an input and an output layer, got \(layers)") }
    // Every layer costs its arrays, caches and a pass of each sample, even
    // at width 1: deeper networks only run for minutes.
    guard layers.count <= Self.maximumLayers else {
      throw fail("layers", "\(layers.count) layers, more than the \(Self.maximumLayers) (input and output included) this tool simulates")
    }
    for n in layers where n < 1 || n > 1_000_000 { throw fail("layers", "sizes must be in 1...1000000, got \(n)") }
    guard layers.last! >= 2 else { throw fail("layers", "the output layer needs at least 2 classes, got \(layers.last!)") }
    // Each synapse holds some 50 bytes of device state and caches: cap the
    // network before anything is allocated.
    let synapses = synapseCount
    guard synapses <= 100_000_000 else {
      throw fail("layers", "\(synapses) synapses (bias rows included), more than the 100000000 this tool simulates")
    }
    for (k, b) in [("beta_p", betaP), ("beta_d", betaD)] where !(b.isFinite && b >= 0 && b <= 50) {
      // `beta` sets both: name what the user gave.
      throw fail(betaP == betaD ? "beta" : k, "must be in [0, 50], got \(shown(b))")
    }
    // Physical ranges wide enough for any device or circuit, narrow enough
    // that every product and single-precision copy stays finite and non-zero.
    func within(_ key: String, _ x: Double, _ lo: Double, _ hi: Double, _ unit: String = "") throws {
      guard x.isFinite && x >= lo && x <= hi else {
        throw fail(key, "must be in [\(shown(lo)), \(shown(hi))]\(unit), got \(shown(x))")
      }
    }
    if let measured = measuredDevice {
      let curve = measured.curve
      guard rule == .lim || rule.isFiniteState else {
        throw fail("device_csv", "a measured device is read by rules lim, hybrid and single, not \(rule.rawValue)")
      }
      if rule.isFiniteState {
        // Choi's rules: the device's states are the file's points, its
        // steps the data's (c2c, d2d and the disturb move its pulse index
        // and offset its curve as they do the linear model's).
        guard curve.count >= 3 else {
          throw fail("device_csv", "\(measured.path): rules hybrid and single need at least 3 points (2 states), got \(curve.count)")
        }
        if let n = _states, n != curve.count - 1 {
          throw fail("states", "device_csv gives \(curve.count - 1) states (its \(curve.count) points to its maximum), got \(n) (leave states out)")
        }
        if rule == .hybrid, let n = _smallStates, n != curve.count - 1 {
          throw fail("small_states", "the small devices are the measured device at area 1/k, with its \(curve.count - 1) states (leave small_states out)")
        }
      }
      if rule == .lim && method == .c {
        let d = measured.depression
        guard let last = d.last else {
          throw fail("device_csv", "\(measured.path): method c depresses devices, and the file has no depression branch (d lines)")
        }
        guard last < 1 else {
          throw fail(
            "device_csv",
            "\(measured.path): the depression branch ends at \(Self.measuredShown(last * measured.gMax)) S, not below the potentiation maximum G_max = \(Self.measuredShown(measured.gMax)) S: method c could never depress a device")
        }
        guard measured.bidirectionalDevice != nil else {
          throw fail("device_csv", "\(measured.path): the two branches do not make a device")
        }
      }
      guard nMax == curve.count - 1 else {
        throw Self.rangeConflict("nmax", measured, got: String(nMax))
      }
      guard Self.close(gMinRatio, curve[0]) else {
        throw Self.rangeConflict("gmin_ratio", measured, got: shown(gMinRatio))
      }
      guard Self.close(gMaxSiemens, measured.gMax) else {
        throw Self.rangeConflict("gmax", measured, got: shown(gMaxSiemens))
      }
    }
    guard nMax >= 1 && nMax <= 255 else { throw fail("nmax", "must be in 1...255, got \(nMax)") }
    guard gMinRatio.isFinite && gMinRatio >= 0 && gMinRatio < 1 else {
      throw fail("gmin_ratio", "G_min/G_max must be in [0, 1), got \(shown(gMinRatio))")
    }
    // Lim's device with every one of its n_max + 1 states (a steep β
    // leaves some at G_max).
    if rule == .lim && measuredDevice == nil {
      do { try device.validate() } catch let e as ConfigurationError {
        let key = betaP == betaD && e.field.hasPrefix("beta") ? "beta" : e.field == "betaP" ? "beta_p" : e.field == "betaD" ? "beta_d" : "nmax"
        throw fail(key, e.message)
      }
    }
    try within("sigma", sigma, 0, 10)
    try within("sigma_c2c", sigmaC2C, 0, 10)
    try within("program_noise", programNoise, 0, 10)
    try within("drift_nu", driftNu, 0, 1)
    try within("drift_nu_sigma", driftNuSigma, 0, 1)
    try within("drift_t0", driftT0, 1e-9, 1e9, " s")
    guard driftTimes.count <= 100 else { throw fail("drift_times", "at most 100 times, got \(driftTimes.count)") }
    for (i, t) in driftTimes.enumerated() {
      guard t.isFinite && t >= driftT0 && t <= 1e12 else {
        throw fail("drift_times", "each time must be in [drift_t0, 1e12] s (drift_t0 \(shown(driftT0)) s: the conductances read as programmed), got \(shown(t))")
      }
      // In order, each once: the summary's list and sweep.csv's last time
      // read as a time line (a fuzz, session 79: `3600,1` had been taken).
      if i > 0 && t <= driftTimes[i - 1] {
        throw fail("drift_times", "the times must ascend, each after the one before, got \(shown(driftTimes[i - 1])) then \(shown(t))")
      }
    }
    try within("stuck_off", stuckOff, 0, 1)
    try within("stuck_on", stuckOn, 0, 1)
    guard stuckOff + stuckOn <= 1 else {
      throw fail("stuck_on", "stuck_off + stuck_on must be at most 1 (each device is open, shorted or neither), got \(shown(stuckOff)) + \(shown(stuckOn))")
    }
    // Float SGD has no devices: it ignores a map as it ignores stuck_off
    // (`ignoredKeys`: train and sweep refuse it there). Refused here, it
    // had failed every reproduction with a software run (lim2018 figures
    // 7 and 12, choi2021's FP) that runs with stuck_off; a walkthrough,
    // session 76.
    if let map = stuckMap, rule != .float {
      try map.check(layers: layers, kinds: rule == .hybrid ? 2 : 1, rule: rule.rawValue)
    }
    guard bMargin >= 0 && bMargin < 1 else { throw fail("b_margin", "must be in [0, 1), got \(bMargin)") }
    guard initialFraction.isFinite && initialFraction >= 0 && initialFraction <= 1 else {
      throw fail("initial_fraction", "must be in [0, 1], got \(shown(initialFraction))")
    }
    guard batch >= 1 && batch <= 10_000_000 else { throw fail("batch", "must be in 1...10000000, got \(batch)") }
    guard epochs >= 1 && epochs <= 10_000 else { throw fail("epochs", "must be in 1...10000, got \(epochs)") }
    try within("c", c, 1e-3, 1e6)
    guard outputThreshold.isFinite && outputThreshold >= 0 && outputThreshold < 1 else {
      throw fail("threshold", "must be in [0, 1), got \(shown(outputThreshold))")
    }
    try within("hidden_threshold", hiddenThreshold, 0, 1e6)
    try within("lr", learningRate, 1e-9, 1e3)
    guard evaluationsPerEpoch >= 1 && evaluationsPerEpoch <= 100_000 else {
      throw fail("evals_per_epoch", "must be in 1...100000, got \(evaluationsPerEpoch)")
    }
    guard finalIterations >= 0 && finalIterations <= 100_000 else {
      throw fail("final_iterations", "must be in 0...100000, got \(finalIterations)")
    }
    guard trainLimit >= 0 else { throw fail("train_limit", "must be ≥ 0, got \(trainLimit)") }
    guard testLimit >= 0 else { throw fail("test_limit", "must be ≥ 0, got \(testLimit)") }
    // Pulse widths and slots from 1 ps (the waveforms' time unit) to 1 s.
    let times = 1e-12...1.0
    guard times.contains(readTime) else { throw fail("read_time", "must be in 1e-12…1 s, got \(shown(readTime))") }
    try within("read_voltage", readVoltage, 1e-6, 100, " V")
    if ivV0 != 0 {
      guard ivV0.isFinite && ivV0 >= 1e-3 && ivV0 <= 100 else {
        throw fail("iv_v0", "must be 0 (linear cells) or in [0.001, 100] V, got \(shown(ivV0))")
      }
      // At 5: a full-scale drive at sinh(5)/5 = 14.8 times the linear
      // current, beyond any cell read as a synapse.
      guard readVoltage / ivV0 <= 5 else {
        throw fail(
          "iv_v0",
          "read_voltage / iv_v0 must be at most 5 (a full-scale read at sinh(5)/5 = 14.8 times the linear current), got \(shown(readVoltage)) / \(shown(ivV0)) = \(shown(readVoltage / ivV0))")
      }
      // A hidden layer's δ is no drive in [−1, 1]: with two hidden layers
      // or more, the first's transposed read is driven by the second's δ,
      // several times full scale without a DAC to clip it (±V_read), far
      // into the curve and past single precision (an audit, session 87:
      // 784-200-100-10 at V_read/V0 = 5 booked 1.9e24 J of reads an image
      // and stayed at chance).
      guard rule != .lim || mode != .onChip || layers.count <= 3 || dacBits > 0 else {
        throw fail(
          "iv_v0",
          "with \(layers.count - 2) hidden layers, a hidden layer's δ drives the transposed read beyond full scale (±read_voltage) with no DAC to clip it, far into the cells' curve: give dac_bits (1...16; the DAC clips δ to [−1, 1]) or one hidden layer")
      }
      guard wireModel.isIdeal || rule != .lim else {
        throw fail("iv_v0", "a non-linear cell I–V trains with ideal wires only (training's reads of resistive lines are linear maps; `xbarsim solve` solves a problem file's iv_v0 behind resistive lines by Newton's method), got wires resistive")
      }
    }
    try within("gmax", gMaxSiemens, 1e-12, 1, " S")
    if rule != .lim && mode == .offChip { throw fail("learning", "off-chip learning needs rule lim (the array to program)") }
    try within("k", k, 1e-3, 1e6)
    guard states >= 2 && states <= 100_000 else { throw fail("states", "must be in 2...100000, got \(states)") }
    guard smallStates >= 2 && smallStates <= 100_000 else {
      throw fail("small_states", "must be in 2...100000, got \(smallStates)")
    }
    guard pulseTrainLength >= 1 && pulseTrainLength <= 64 else {
      throw fail("bl", "pulse-train length must be in 1...64 slots, got \(pulseTrainLength)")
    }
    try within("c2c", c2c, 0, 10)
    try within("d2d", d2d, 0, 10)
    guard threads == 1 || threads == 2 else { throw fail("threads", "must be 1 or 2, got \(threads)") }
    guard switchThreshold.isFinite && switchThreshold > 0 && switchThreshold < 100 else {
      throw fail("switch_threshold", "must be in (0, 100) percentage points, got \(shown(switchThreshold))")
    }
    // As the Lim rule's pulse voltages: an energy V²·G·t stays finite.
    try within("write_voltage", writeVoltage, 1e-6, 1000, " V")
    // (Rule lim through the lines reads write_threshold against its own
    // program_voltage, below: write_voltage is the coincidence rules'; a
    // walkthrough, session 60, found any V_p above 1 V refused.)
    if !(rule == .lim && writeLines == .resistive) {
      try WriteDrive(voltage: writeVoltage, threshold: writeThreshold, disturbStep: disturbStep).validate()
    }
    // A read at the devices' write threshold would program every cell it
    // reads (5 V against 0.75 V ran: a walkthrough, session 33).
    if rule.isFiniteState || (rule == .lim && writeLines == .resistive) {
      try checkRead(below: writeThreshold, "write_threshold", "the devices' write threshold")
    }
    if rule.isFiniteState && batch != 1 {
      throw fail("batch", "the \(rule.rawValue) rule updates online (batch 1), got \(batch)")
    }
    if rule.isFiniteState && sigma != 0 {
      throw fail("sigma", "applies to rule lim; the finite-state rules take d2d (δ/G_min)")
    }
    if rule.isFiniteState && d2d > 0 && gMinRatio == 0 {
      throw fail("d2d", "δ/G_min needs G_min > 0 (\(measuredDevice.map { "\($0.path)'s first point is 0 S" } ?? "gmin_ratio is 0"))")
    }
    for (k, t) in [("program_time", programTime), ("reset_time", resetTime)] where !times.contains(t) {
      throw fail(k, "must be in 1e-12…1 s, got \(shown(t))")
    }
    // The pulses' polarity (README, Time base): a potentiation is
    // +program_voltage, a depression its mirror, and a reset, which takes
    // a device down to G_min, is of the depression's polarity. The
    // energies (V²) could not tell a sign apart, but the waveforms
    // (`inspect`) would show potentiations as depressions, or resets as
    // potentiations (an audit: --program-voltage -1 was accepted).
    guard programVoltage.isFinite && programVoltage >= 1e-6 && programVoltage <= 1e3 else {
      throw fail(
        "program_voltage",
        "must be in [1e-6, 1000] V, got \(shown(programVoltage)) (the potentiation pulse's amplitude, > 0; a depression is its mirror)")
    }
    guard resetVoltage.isFinite && resetVoltage >= -1e3 && resetVoltage <= -1e-6 else {
      throw fail(
        "reset_voltage",
        "must be in [-1000, -1e-6] V, got \(shown(resetVoltage)) (a reset takes a device down to G_min: the depression's polarity, < 0)")
    }
    // Rule lim's devices have no threshold key; a read at the potentiation
    // pulse's amplitude or above would program every cell it reads, as
    // for the finite-state rules above (5 V trained, a circuit designer's
    // walkthrough, session 48). Half of it, what a half-selected cell
    // sees, is taken as safe.
    if rule == .lim { try checkRead(below: programVoltage, "program_voltage", "the programming pulse's") }
    try DAC(bits: dacBits).validate()
    // Checked before its single-precision copy, which rounds 1e300 to inf
    // and 1e-300 to 0 ("must be > 0, got inf").
    try within("adc_range", adcRange, 1e-9, 1e9)
    try ADC(bits: adcBits, range: Float(adcRange)).validate()
    try within("output_adc_range", outputADCRange, 1e-9, 1e9)
    try within("tia_gain", tiaGain, 1e-6, 1e6)
    try within("sense_offset", senseOffset, 0, 1e6)
    try within("read_noise", readNoise, 0, 1e6)
    try within("transposed_read_noise", transposedReadNoise, 0, 1e6)
    try within("comparator_offset", comparatorOffset, 0, 1e6)
    // Each conversion draws the transitions within 3.7σ LSB of its input:
    // 16 LSB is a converter that no longer resolves its codes, and keeps a
    // conversion to some 120 draws. The offsets are added to a position of
    // up to 2^b LSB in single precision (a step of 2^(b−23) LSB at the top):
    // below 2^(b−20) LSB, 8 such steps, most of them were lost (a review,
    // session 56: with 1e-6 at 8 bits, 233 of 255; the run was the ideal
    // one under a non-ideal name).
    guard (1...65_536).contains(adcColumns) else {
      throw fail("adc_columns", "must be an integer in 1...65536 (output columns per ADC), got \(adcColumns)")
    }
    guard lineCapacitance == 0 || (lineCapacitance >= 1e-21 && lineCapacitance <= 1e-9) else {
      throw fail("line_capacitance", "must be 0 (not booked) or in [1e-21, 1e-9] F per cell, got \(shown(lineCapacitance))")
    }
    if adcINL != 0 {
      if adcBits == 0 && rule != .float {
        throw fail("adc_inl", "needs an ADC to act on: set adc_bits (1...16), or adc_inl 0 (ideal converters), got adc_bits 0")
      }
      let floor = Self.smallestADCINL(bits: adcBits)
      guard adcINL.isFinite && adcINL >= floor && adcINL <= 16 else {
        throw fail(
          "adc_inl",
          "must be 0 (ideal) or in [\(shown(floor)), 16] LSB at adc_bits \(adcBits) (below, single precision loses the offsets), got \(shown(adcINL))")
      }
    }
    // The offsets are drawn in single precision: a σ below 1e-30 gave
    // offsets of 0, an ideal run that named a non-ideality (a
    // walkthrough's `--sense-offset 1e-46`, session 46).
    for (key, sigma) in [
      ("sense_offset", senseOffset), ("read_noise", readNoise), ("transposed_read_noise", transposedReadNoise),
      ("comparator_offset", comparatorOffset),
    ]
    where sigma > 0 && sigma < 1e-30 {
      let what = key.hasSuffix("read_noise") ? "its draws are" : "its offsets are"
      throw fail(key, "must be 0 or in [1e-30, 1e6] (\(what) single precision: below, they round to 0), got \(shown(sigma))")
    }
    if rule == .float {
      let set: [(String, Bool)] = [
        ("dac_bits", dacBits != 0), ("adc_bits", adcBits != 0), ("tia_gain", tiaGain != 1),
        ("sense_offset", senseOffset != 0), ("read_noise", readNoise != 0),
        ("transposed_read_noise", transposedReadNoise != 0), ("comparator_offset", comparatorOffset != 0),
        ("adc_inl", adcINL != 0), ("adc_columns", adcColumns != 1), ("adc_range", _adcRange.map { $0 != 2 * c } ?? false),
        ("output_adc_range", _outputADCRange.map { $0 != adcRange } ?? false),
      ]
      if let (k, _) = set.first(where: \.1) {
        throw fail(k, "peripheral non-idealities apply to the arrays' rules (lim, hybrid, single), got rule float")
      }
    }
    // With reset_slot_time, a reset has its own slot: slot_time covers the
    // reads and programming pulses only.
    // (Only where slots are timed: off chip, or in a read of saved arrays,
    // read_time is only drift_read_noise pcm's t_r, and slot_time is not
    // taken; `--read-time 1e-5` had been told to widen it there, a
    // walkthrough, session 85.)
    let timed = !(slotsUntimed || (rule == .lim && mode == .offChip))
    let widths = [("read_time", timed ? readTime : 0), ("program_time", programTime)]
      + (_resetSlotTime == nil ? [("reset_time", resetTime)] : [])
    let widest = widths.map(\.1).max()!
    // A width beyond the default slot: name the width the user set.
    let d = TrainingConfiguration()
    if slotTime == d.slotTime && widest > slotTime, let (k, _) = widths.first(where: { $0.1 == widest }) {
      let w = widest == widest.rounded() ? String(Int(widest)) : "\(widest)"
      throw fail(k, "\(w) s needs slot_time ≥ \(w) s; slot_time is \(slotTime) s" + (k == "reset_time" ? " (or give resets their own slot: reset_slot_time)" : ""))
    }
    guard slotTime.isFinite && slotTime >= widest && slotTime <= 1 else {
      throw fail("slot_time", "must be ≥ \(widths.map(\.0).joined(separator: ", ")) (\(widest) s) and ≤ 1 s, got \(shown(slotTime))")
    }
    if let r = _resetSlotTime {
      guard r.isFinite && r >= resetTime && r <= 1 else {
        throw fail("reset_slot_time", "must be ≥ reset_time (\(resetTime) s) and ≤ 1 s, got \(shown(r))")
      }
    }
    // Training solves terminal resistances behind resistive lines only
    // (each read's fast solve; ideal lines behind them would be a dense
    // solve of the lines' nodes per read). Before the core's rules, whose
    // message is `solve`'s (a walkthrough, session 59).
    if wires == .resistive && (driverResistance > 0 || senseResistance > 0)
      && (rowSegmentResistance == 0 || columnSegmentResistance == 0)
    {
      let k = driverResistance > 0 ? "r_driver" : "r_sense"
      throw fail(k, "needs resistive lines (r_row and r_col > 0) in training, of at least \(k)/1e8 (the reads' conditioning)")
    }
    // The circuit core's own rule for a segment: finite, and 0 or ≥ 1e-150 Ω.
    let lines = WireModel(
      rowSegmentResistance: rowSegmentResistance, columnSegmentResistance: columnSegmentResistance,
      rowTerminalResistance: driverResistance, columnTerminalResistance: senseResistance)
    do {
      try lines.validate()
    } catch let e as ConfigurationError {
      // The core's hint for a tiny r, "use 0 for an ideal line", holds for
      // `solve`; training's lines are both resistive or both ideal (a
      // walkthrough, session 43: its hint led to a refusal).
      let other = e.field == "r_row" ? columnSegmentResistance : rowSegmentResistance
      let hint = "; use 0 for an ideal line"
      if e.message.hasSuffix(hint) && other != 0 {
        throw fail(e.field, String(e.message.dropLast(hint.count)) + "; training's resistive lines need both > 0 (or both 0, ideal wires): use e.g. 1e-9 for a near-ideal line")
      }
      throw fail(e.field, e.message)
    }
    let longest = max(rowSegmentResistance, columnSegmentResistance)
    if wires == .resistive && gMaxSiemens * longest > WireModel.largestConductanceTimesResistance {
      func g(_ x: Double) -> String { String(format: "%g", x) }
      let k = rowSegmentResistance >= columnSegmentResistance ? "r_row" : "r_col"
      throw fail(k, "\(g(longest)) Ω against gmax \(g(gMaxSiemens)) S (G·r = \(gMaxSiemens * longest)) is beyond 1e9, where the nodal solve is too ill-conditioned to be trusted")
    }
    if wires == .resistive && (rowSegmentResistance == 0) != (columnSegmentResistance == 0) {
      let (k, other) = rowSegmentResistance == 0 ? ("r_row", "r_col") : ("r_col", "r_row")
      throw fail(k, "is 0 Ω while \(other) is not: resistive lines need both > 0 (or both 0, ideal wires); use e.g. 1e-9 for a near-ideal line")
    }
    if wires == .resistive, let t = lines.terminalIllConditioning {
      throw fail(t.field, WireModel.beyondTerminalRatio(t) + "; raise the segments or lower \(t.field)")
    }
    for (k, r) in [("r_driver", driverResistance), ("r_sense", senseResistance)] where r > 1e12 {
      throw fail(k, "must be ≤ 1e12 Ω in training (a driver's or a sense amplifier's resistance, as xbarsim line's), got \(shown(r))")
    }
    // The settling check integrates each layer's word line behind
    // r_driver and bit line behind r_sense (`RCLine`, as xbarsim line,
    // which refuses a condition bound 4·n·(R/r + n) above 1e12).
    if wires == .resistive && lineCapacitance > 0 && rowSegmentResistance > 0 {
      for l in 0..<max(layers.count - 1, 0) {
        for (k, cells, r, big) in [
          ("r_driver", layers[l + 1], rowSegmentResistance, driverResistance),
          ("r_sense", layers[l] + 1, columnSegmentResistance, senseResistance),
        ] where big > 0 {
          let bound = 4 * Double(cells) * (big / r + Double(cells))
          guard bound <= 1e12 else {
            throw fail(k, "\(shown(big)) Ω before \(shown(r)) Ω segments makes the line settling check (line_capacitance) too ill-conditioned to integrate: its condition bound 4·n·(R/r + n) is \(shown(bound)) with \(cells) cells, at most 1e12; raise the segments or lower \(k)")
          }
        }
      }
    }
    // Below 1e-14 the residual is double-precision rounding: a read would
    // iterate to the solver's limit (1e-300 took 714 iterations a read).
    guard wireTolerance.isFinite && wireTolerance >= 1e-14 && wireTolerance <= 1e-2 else {
      throw fail("wire_tolerance", "must be in [1e-14, 0.01] (below 1e-14 a relative residual is rounding), got \(shown(wireTolerance))")
    }
    if wires == .resistive && rule == .float && mode == .onChip {
      throw fail("wires", "resistive lines need arrays: rules lim (on-chip), hybrid and single, or learning off-chip, not float SGD")
    }
    if writeLines == .resistive {
      // Solved: rule lim's row-by-row slots (every method) and the
      // coincidence rules' parallel slots.
      if wires != .resistive {
        throw fail("write_lines", "resistive needs wires resistive (the lines the update's pulses go through)")
      }
      if rowSegmentResistance == 0 || columnSegmentResistance == 0 {
        throw fail("write_lines", "resistive needs resistive lines (r_row and r_col > 0), got r_row \(shown(rowSegmentResistance)), r_col \(shown(columnSegmentResistance))")
      }
      if rule.isFiniteState {
        // The coincidence rules' parallel slots: every coincidence solved
        // against write_threshold of write_voltage.
        // (Below V_w, not at it: a cell reaches V_w only through ideal
        // lines, so at V_w no coincidence programmed through lines of
        // 1e-9 Ω; a walkthrough, session 64, found it so for rule lim.)
        guard writeThreshold > writeVoltage / 2 && writeThreshold < writeVoltage else {
          throw fail("write_threshold", "with write_lines resistive must be above write_voltage/2 (\(shown(writeVoltage / 2)) V: half-selected cells would program) and below write_voltage (\(shown(writeVoltage)) V: a cell reaches it only through ideal lines, so no coincidence would program), got \(shown(writeThreshold))")
        }
        return
      }
      if rule != .lim || mode != .onChip {
        throw fail("write_lines", "resistive is implemented for rule lim learning on-chip (its row-by-row update slots) and rules hybrid and single (their parallel slots), not \(rule == .lim ? "learning off-chip" : "rule " + rule.rawValue)")
      }
      // Half-selected cells see V_p/2 with ideal lines: a threshold at or
      // below it would program them (not modelled); at or above V_p no
      // pulse programs through lines of any resistance (a walkthrough,
      // session 64: at V_p every pulse was held back at 1e-9 Ω).
      guard writeThreshold.isFinite && writeThreshold > programVoltage / 2 && writeThreshold < programVoltage else {
        throw fail("write_threshold", "with write_lines resistive must be above program_voltage/2 (\(shown(programVoltage / 2)) V: half-selected cells would program) and below program_voltage (\(shown(programVoltage)) V: a cell reaches it only through ideal lines, so no pulse would program), got \(shown(writeThreshold))")
      }
    }
  }
}

extension TrainingConfiguration {
  /// The first key set away from its default that this configuration's
  /// rule (or learning mode) never reads, with the rules that do: a value
  /// that would be silently ignored (`train` refuses it). Keys whose default
  /// depends on the rule (lr, activation, …) are not checked.
  public var ignoredKey: (key: String, usedBy: String)? { ignoredKeys.first }

  /// Every key set away from its default that this configuration never
  /// reads, in the order `ignoredKey` checks them.
  public var ignoredKeys: [(key: String, usedBy: String)] {
    let d = TrainingConfiguration()
    var found: [(key: String, usedBy: String)] = []
    let limKeys: [(String, Bool)] = [
      ("method", method != d.method), ("beta_p", betaP != d.betaP), ("beta_d", betaD != d.betaD),
      // (A measured device's file sets nmax for every rule.)
      ("nmax", nMax != d.nMax && measuredDevice.map { nMax != $0.curve.count - 1 } ?? true),
      ("negative_scale", negativeScale != d.negativeScale),
      ("batch_pulses", batchPulses != d.batchPulses), ("sigma", sigma != d.sigma),
      ("half_select", halfSelect != d.halfSelect), ("sigma_c2c", sigmaC2C != d.sigmaC2C),
      ("b_margin", bMargin != d.bMargin), ("iv_v0", ivV0 != d.ivV0),
    ]
    let finiteKeys: [(String, Bool)] = [
      ("states", states != d.states && measuredDevice.map { states != $0.curve.count - 1 } ?? true),
      ("bl", pulseTrainLength != d.pulseTrainLength),
      // (0 is a measured device's c2c: a summary of a measured hybrid run
      // carries it to any rule.)
      ("encoding", encoding != d.encoding), ("c2c", c2c != d.c2c && !(measuredDevice != nil && c2c == 0)),
      ("d2d", d2d != d.d2d),
      ("threads", threads != d.threads), ("write_voltage", writeVoltage != d.writeVoltage),
      ("write_threshold", writeThreshold != d.writeThreshold), ("disturb_step", disturbStep != d.disturbStep),
    ]
    let hybridKeys: [(String, Bool)] = [
      ("k", k != d.k), ("small_states", _smallStates != nil && smallStates != states),
      ("switch_threshold", switchThreshold != d.switchThreshold), ("fine_trains", fineTrains != d.fineTrains),
    ]
    if rule != .lim { found += limKeys.filter(\.1).map { ($0.0, "rule lim") } }
    // (Every rule but lim's off-chip learning: float SGD and the
    // coincidence rules program nothing; an audit, session 28.)
    if !(rule == .lim && mode == .offChip) && transfer != d.transfer { found.append(("transfer", "off-chip learning")) }
    // (On chip the arrays are trained, never programmed in one go.)
    if !(rule == .lim && mode == .offChip) && programNoise != d.programNoise {
      found.append(("program_noise", "off-chip learning (the arrays it programs)"))
    }
    if !(rule == .lim && mode == .offChip) && programVerify != .none {
      found.append(("program_verify", "off-chip learning (the arrays it programs)"))
    }
    if !rule.isFiniteState {
      // (Rule lim reads write_threshold through the lines' slots.)
      found += finiteKeys.filter { $0.1 && !($0.0 == "write_threshold" && writeLines == .resistive) }.map {
        ($0.0, $0.0 == "write_threshold" ? "rules hybrid and single, and rule lim with write_lines resistive" : "rules hybrid and single")
      }
    }
    if rule != .hybrid { found += hybridKeys.filter(\.1).map { ($0.0, "rule hybrid") } }
    // (Rule lim's controller counts pulses: README, Choices, "A controller that knows its stuck devices".)
    if !rule.isFiniteState && stuckKnown { found.append(("stuck_known", "rules hybrid and single")) }
    // Drift: the arrays' devices (float SGD has none).
    if rule == .float {
      found += [
        ("drift_times", !driftTimes.isEmpty), ("drift_nu", driftNu != d.driftNu), ("drift_nu_sigma", driftNuSigma != d.driftNuSigma),
        ("drift_nu_model", driftNuModel != d.driftNuModel), ("drift_read_noise", driftReadNoise != d.driftReadNoise),
        ("drift_compensation", driftCompensation != d.driftCompensation),
        ("drift_t0", driftT0 != d.driftT0), ("drift_refresh", driftRefresh),
      ].filter(\.1).map { ($0.0, "rules lim, hybrid and single") }
    } else if driftNuModel == .pcm {
      // The fit sets each device's mean and σ from its conductance.
      found += [("drift_nu", driftNu != d.driftNu), ("drift_nu_sigma", driftNuSigma != d.driftNuSigma)].filter(\.1).map {
        ($0.0, "drift_nu_model constant (pcm draws each device's exponent from its conductance)")
      }
    }
    // Stuck devices: every rule with devices (float SGD has none).
    if rule == .float {
      found += [("stuck_off", stuckOff != d.stuckOff), ("stuck_on", stuckOn != d.stuckOn), ("stuck_map", stuckMap != nil)].filter(\.1).map {
        ($0.0, "rules lim, hybrid and single")
      }
    }
    let lineKeys: [(String, Bool)] = [
      ("r_row", rowSegmentResistance != d.rowSegmentResistance),
      ("r_col", columnSegmentResistance != d.columnSegmentResistance),
      ("r_driver", driverResistance != d.driverResistance), ("r_sense", senseResistance != d.senseResistance),
      ("wire_tolerance", wireTolerance != d.wireTolerance),
    ]
    if wires == .ideal { found += lineKeys.filter(\.1).map { ($0.0, "wires resistive") } }
    // Float SGD has no devices; off-chip learning trains in software and
    // programs its array by states, not by identical pulses.
    if lineCapacitance != d.lineCapacitance && (rule == .float || (rule == .lim && mode == .offChip)) {
      // Neither trains an array: no energy account to book the lines in.
      found.append(("line_capacitance", "learning on-chip with rules lim, hybrid and single (their energy accounts)"))
    }
    if endurance && (rule == .float || (rule == .lim && mode == .offChip)) {
      found.append(("endurance", "learning on-chip with rules lim, hybrid and single (their devices' pulses and resets)"))
    }
    // Keys a rule's own paths never read (each checked against the code:
    // LimNetwork, HybridNetwork, FloatNetwork, Experiment.run).
    let arrays = "rules lim, hybrid and single"
    if rule == .lim && !(mode == .offChip && transfer == .weights) {
      // The sign rule trains: no learning rate, no float derivative.
      let softwareOrChoi = "float SGD, learning off-chip with transfer weights, and rules hybrid and single"
      if learningRate != defaultLearningRate { found.append(("lr", softwareOrChoi)) }
      if floatDerivative != d.floatDerivative { found.append(("float_derivative", softwareOrChoi)) }
    }
    if rule == .lim && !(mode == .offChip && transfer == .weights) && loss != d.loss {
      // The sign rule's comparators decide on softmax's δ = p − t.
      found.append(("loss", "float SGD, learning off-chip with transfer weights, and rules hybrid and single"))
    }
    if rule.isFiniteState && programVoltage != d.programVoltage {
      // The coincidence rules' pulses are write_voltage's (V/2 per line).
      found.append(("program_voltage", "rule lim (rules hybrid and single program at write_voltage)"))
    }
    if rule == .lim && mode == .offChip {
      // No energy or latency account: the ideal twin (or float SGD)
      // trains, and the target array is programmed at once and read.
      let keys: [(String, Bool)] = [
        ("program_voltage", programVoltage != d.programVoltage), ("program_time", programTime != d.programTime),
        ("reset_voltage", resetVoltage != d.resetVoltage), ("reset_time", resetTime != d.resetTime),
        ("slot_time", slotTime != d.slotTime), ("reset_slot_time", _resetSlotTime != nil),
        // The programmed array's reads are normalised (s = I/(V_read·G_max)):
        // V_read, the read's time and (with ideal lines, no G·r) G_max
        // only set the energy and latency an on-chip run books (a
        // walkthrough, session 33). The read's time is also the t_r of
        // the drift reads' PCM read noise (a walkthrough, session 84,
        // found it refused there).
        // (With a non-linear cell I–V, V_read sets how far into the curve
        // a read goes: taken.)
        ("read_voltage", readVoltage != d.readVoltage && ivV0 == 0),
        ("read_time", readTime != d.readTime && !(driftReadNoise == .pcm && !driftTimes.isEmpty)),
        ("half_select", halfSelect != d.halfSelect),
      ]
      found += keys.filter(\.1).map {
        ($0.0, "learning on-chip (its energy and latency accounts)" + ($0.0 == "read_time" ? " and drift_read_noise pcm (its t_r)" : ""))
      }
      // The columns an ADC serves set the read latency and, with
      // `adc_inl`, the converter whose transition levels a column reads,
      // which the programmed array's evaluation uses (a walkthrough,
      // session 64, found it taken without a word; review 64b: refused
      // with adc_inl too, where 1, 10 and 200 columns gave 54, 76 and 73 %).
      if adcColumns != d.adcColumns && adcINL == 0 {
        found.append(("adc_columns", "learning on-chip (its latency account) and adc_inl (the converters' shared transition levels)"))
      }
      // The ideal twin trains without variation; programming sets each
      // device to a state, not by identical pulses.
      if sigmaC2C != d.sigmaC2C { found.append(("sigma_c2c", "learning on-chip (its identical pulses)")) }
      if wires == .ideal && measuredDevice == nil && gMaxSiemens != d.gMaxSiemens {
        found.append(("gmax", "learning on-chip (its energy account) or wires resistive (G·r)"))
      }
    }
    if rule == .lim && mode == .offChip && comparatorOffset != d.comparatorOffset {
      // The ideal twin trains without offsets; the programmed array is only
      // read (the sense chain), and no comparator decides anything there.
      found.append(("comparator_offset", "learning on-chip (the comparators that decide the pulses)"))
    }
    if rule == .lim && mode == .offChip && transposedReadNoise != d.transposedReadNoise {
      // No array is read transposed: the ideal twin (or float SGD) trains.
      found.append(("transposed_read_noise", "learning on-chip (the transposed reads that back-propagate δ)"))
    } else if rule != .float && layers.count <= 2 {
      // No hidden layer, no transposed read and no hidden comparator (a
      // review, session 52: taken without a word, the run unchanged).
      let hidden = "networks with a hidden layer (whose δ a transposed read back-propagates)"
      if transposedReadNoise != d.transposedReadNoise { found.append(("transposed_read_noise", hidden)) }
      if hiddenThreshold != d.hiddenThreshold { found.append(("hidden_threshold", hidden)) }
    }
    if rule == .lim && mode == .offChip && transfer == .weights {
      // Float SGD trains; the target array is only programmed.
      let states = "learning on-chip or transfer states (the sign rule trains)"
      let keys: [(String, Bool)] = [
        ("method", method != d.method), ("threshold", outputThreshold != d.outputThreshold),
        ("hidden_threshold", hiddenThreshold != d.hiddenThreshold),
        ("initial_fraction", initialFraction != d.initialFraction), ("batch_pulses", batchPulses != d.batchPulses),
        ("b_margin", bMargin != d.bMargin),
      ]
      found += keys.filter(\.1).map { ($0.0, states) }
    }
    if rule == .lim && measuredDevice != nil && betaP != d.betaP {
      // The measured branches replace Lim's exponential curves (β_d: below).
      found.append((betaP == betaD ? "beta" : "beta_p", "Lim's exponential device (without device_csv)"))
    }
    if rule == .lim && measuredDevice != nil && method == .c && betaD != d.betaD && betaD != betaP {
      found.append(("beta_d", "Lim's exponential device (without device_csv)"))
    }
    if rule == .lim {
      // Only method c depresses a device (eq. 2); a and b only potentiate.
      // `beta` sets both exponents, so β_d equal to β_p is not a choice of
      // its own (Figure 8's sweep sets both for every method).
      if method != .c && betaD != d.betaD && betaD != betaP {
        found.append(("beta_d", "method c (the only one that depresses a device)"))
      }
      if batch == 1 && batchPulses != d.batchPulses && !(mode == .offChip && transfer == .weights) {
        found.append(("batch_pulses", "mini-batches (batch > 1)"))
      }
      if sigma == 0 && negativeScale != d.negativeScale { found.append(("negative_scale", "device variation (sigma > 0)")) }
      if method != .b && bMargin != d.bMargin { found.append(("b_margin", "method b")) }
    }
    if rule != .float && adcBits == 0 && _adcRange.map({ $0 != 2 * c }) ?? false {
      found.append(("adc_range", "an ADC (adc_bits 1…16)"))
    }
    if rule != .float && adcBits == 0 && _outputADCRange.map({ $0 != adcRange }) ?? false {
      found.append(("output_adc_range", "an ADC (adc_bits 1…16)"))
    } else if rule != .float && layers.count <= 2 && _outputADCRange != nil && _adcRange.map({ $0 != 2 * c }) ?? false {
      // Without a hidden layer the output's range is the only one read.
      found.append(("adc_range", "networks with a hidden layer (output_adc_range sets the output layer's)"))
    }
    if rule.isFiniteState && encoding != .sign {
      let sign = "encoding sign (and rule lim)"
      if outputThreshold != d.outputThreshold { found.append(("threshold", sign)) }
      if hiddenThreshold != d.hiddenThreshold { found.append(("hidden_threshold", sign)) }
      if comparatorOffset != 0 { found.append(("comparator_offset", sign)) }
    }
    if rule.isFiniteState && encoding == .sign {
      let trains = "encodings stochastic and deterministic (and float SGD)"
      if learningRate != defaultLearningRate { found.append(("lr", trains)) }
      if pulseTrainLength != d.pulseTrainLength { found.append(("bl", "encodings stochastic and deterministic")) }
      if rule == .hybrid && fineTrains != d.fineTrains {
        found.append(("fine_trains", "encodings stochastic and deterministic"))
      }
    }
    if rule == .float {
      // Float SGD has no arrays, devices or energy ledger.
      let keys: [(String, Bool)] = [
        ("threshold", outputThreshold != d.outputThreshold), ("hidden_threshold", hiddenThreshold != d.hiddenThreshold),
        ("initial_fraction", initialFraction != d.initialFraction), ("gmin_ratio", gMinRatio != 0),
        ("read_voltage", readVoltage != d.readVoltage), ("read_time", readTime != d.readTime),
        ("gmax", gMaxSiemens != d.gMaxSiemens), ("program_voltage", programVoltage != d.programVoltage),
        ("program_time", programTime != d.programTime), ("reset_voltage", resetVoltage != d.resetVoltage),
        ("reset_time", resetTime != d.resetTime), ("slot_time", slotTime != d.slotTime),
        ("reset_slot_time", _resetSlotTime != nil),
      ]
      found += keys.filter(\.1).map { ($0.0, arrays) }
    }
    return found
  }
}

/// A measured device's data: the potentiation branch (every rule and
/// method) and the depression branch (rule lim's method c), both made
/// monotone and divided by the potentiation branch's maximum.
public struct MeasuredBranches: Sendable, Equatable {
  /// The CSV file's real path.
  public var path: String
  /// The potentiation branch made monotone (running maximum), divided by
  /// its maximum, up to its first maximum: G(n)/G_max for n = 0 … pulses
  /// to G_max.
  public var curve: [Double]
  /// The maximum of the potentiation branch, in siemens.
  public var gMax: Double
  /// The depression branch made monotone (running minimum), in the same
  /// units as `curve`; empty when the file has none.
  public var depression: [Double]
  /// The points of the file's potentiation branch after its first maximum
  /// (measured past saturation), left out of `curve`: a device is at G_max
  /// there already. Kept for the run's note; 0 for a checkpoint's device.
  public var pointsAfterMaximum = 0
  /// The largest of those later points as measured, in siemens (the
  /// file's own values, before the running maximum): well below `gMax`,
  /// the maximum is an isolated point, not a saturation. Nil without
  /// later points, and for a checkpoint's device.
  public var largestAfterMaximum: Double? = nil
  /// The file's cycles (a `cycle` column), whose mean curve the device is:
  /// kept for the run's note; nil for a one-cycle file and a checkpoint's
  /// device.
  public var cycles: Cycles? = nil
  /// Where the file's potentiation branch, as measured, drops back near its
  /// first point after rising (several cycles pasted one after another?):
  /// the pulse, and the conductances before and at it in siemens; nil
  /// otherwise, and for a checkpoint's device.
  public var dropsBack: (pulse: Int, from: Double, to: Double)? = nil

  /// What a run says of a device file's cycles.
  public struct Cycles: Sendable, Equatable {
    /// The number of cycles.
    public var count: Int
    /// What the cut left out, naming the shortest cycles
    /// (`MeasuredCycles.cut`); nil without a cut.
    public var cut: String? = nil
    /// The cycles left out as cut short (`MeasuredCycles.leftOut`), and
    /// how many.
    public var leftOut: String? = nil
    public var leftOutCount = 0
    /// The reads far from the other cycles' at their pulse
    /// (`MeasuredCycles.outlyingReads`).
    public var outlyingCount = 0
    public var farthestOutlier: MeasuredCycles.OutlyingRead? = nil
    /// δ/μ of a potentiation pulse's step over the pulses the device
    /// takes (`MeasuredCycles.stepVariability`); nil when not measurable.
    public var potentiationVariability: Double?
    /// The same from the steps' medians and median absolute deviations
    /// (`MeasuredCycles.robustStepVariability`); nil below five cycles.
    public var robustPotentiationVariability: Double? = nil
    /// δ/μ of a depression pulse's step; nil without depression rows.
    public var depressionVariability: Double?
  }

  public init(path: String, curve: [Double], gMax: Double, depression: [Double] = []) {
    self.path = path
    self.curve = curve
    self.gMax = gMax
    self.depression = depression
  }

  /// The same device from the same file: `pointsAfterMaximum`, a note's
  /// count that a checkpoint's device does not keep, is left out (a
  /// method-c checkpoint of a file with points past its maximum had been
  /// refused against that file unchanged; session 42).
  public static func == (a: Self, b: Self) -> Bool {
    a.path == b.path && a.curve == b.curve && a.gMax == b.gMax && a.depression == b.depression
  }

  /// A 64-bit checksum of the device as training sees it (FNV-1a over the
  /// bits of the curve, G_max and the depression branch): a sweep keeps
  /// it, so that a file changed since is told from the one it ran with.
  public var checksum: UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ x: UInt64) { h = (h ^ x) &* 0x100_0000_01B3 }
    mix(UInt64(curve.count))
    for v in curve { mix(v.bitPattern) }
    mix(gMax.bitPattern)
    mix(UInt64(depression.count))
    for v in depression { mix(v.bitPattern) }
    return h
  }

  /// Method c's device, in G_max units: a pulse moves it one step along
  /// the interpolated branches (``MeasuredDevice``), within the
  /// potentiation branch's range (depression stops at G_min, the first
  /// point, as Lim's does; `xbarsim pulses` draws the same device). nil
  /// without a depression branch, or for data `restoreMeasuredDevice`
  /// would refuse.
  public var bidirectionalDevice: MeasuredDevice? {
    depression.isEmpty ? nil : try? MeasuredDevice(potentiation: curve, depression: depression, withinPotentiation: true)
  }
}

/// The device noise of the reads after drift (`drift_read_noise`).
public enum DriftReadNoise: String, Sendable, CaseIterable {
  /// The drifted conductances as the law gives them.
  case none
  /// Each device's accumulated 1/f noise at t, fitted to phase-change
  /// arrays (`ConductanceDrift.pcmReadNoise`).
  case pcm
}

/// The gains of the drift reads' compensation (`drift_compensation`).
public enum DriftCompensation: String, Sendable, CaseIterable {
  /// One per array, from a read of every row at once.
  case global
  /// One per output column, from a read of each row alone.
  case column
}
