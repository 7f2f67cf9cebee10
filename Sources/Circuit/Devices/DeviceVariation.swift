/// How real devices differ from their model: from device to device (fixed at
/// fabrication) and from pulse to pulse.
///
/// All three are relative, dimensionless standard deviations, and 0 (the
/// default) means none. ``DevicePopulation`` samples the device-to-device
/// parts once per device and draws the cycle-to-cycle part at every pulse.
///
/// - ``deviceToDeviceScale`` σ_X: each device's whole conductance curve is
///   multiplied by X ~ N(1, σ_X²) (Lim et al., Fig. 13: "relative
///   conductance scaled by parameter X", mean 1, σ = 0.25 there; Fig. 14
///   sweeps σ up to 1). A draw X ≤ 0 (3 in 100,000 devices at σ_X = 0.25,
///   16 % at σ_X = 1; the paper does not say what it is) follows
///   ``negativeScale``: `dead` (the default here) clamps X at 0, a device
///   stuck at 0 S whatever its state (its offset dropped too); `fold` takes
///   |X|; `redraw` draws X again until it is above 0 (the default of
///   training, `negative_scale`).
/// - ``deviceToDeviceOffset`` δ/G_min: each device's curve is shifted by an
///   additive offset O ~ N(0, (δ/G_min · G_min)²) siemens, the same at every
///   state, with G_min the model's ``DeviceModel/minimumConductance``. This
///   is our reading of Choi et al., Fig. 6C ("mean G values can also vary
///   between RRAM devices", variation δ/G_min): the device's conductance
///   levels move together, its step sizes do not. The conductance read is
///   clamped at 0 S, so an offset below −G never gives a negative
///   conductance. With G_min = 0 the offset is 0.
/// - ``cycleToCycle`` δ/μ: each pulse's conductance change ΔG (the model's
///   step from the present state) is multiplied by (1 + δ/μ · N(0, 1)), and
///   the result clamped to [G_min, G_max] (Choi et al., Fig. 6B: a Gaussian
///   with standard deviation δ = (δ/μ)·μ added to the mean step μ; 0.34 for
///   their Mo/TiOx device). A draw below −1 reverses the step, as a
///   Gaussian added to ΔG can. A pulse that changes nothing (a saturated or
///   unidirectional device) draws no noise.
///
/// Sources: S. Lim et al., "Adaptive learning rule for hardware-based deep
/// neural networks using electronic synapse devices", §3.2, Figs. 13-14; Choi et
/// al., Front. Neurosci. 15:690418, 2021, Figs. 6B-6C.
public struct DeviceVariation: Sendable, Equatable {
  /// σ_X, the standard deviation of the per-device scale X ~ N(1, σ_X²)
  /// (dimensionless, ≥ 0).
  public var deviceToDeviceScale: Double
  /// δ/G_min, the standard deviation of the per-device additive offset in
  /// units of the model's G_min (dimensionless, ≥ 0).
  public var deviceToDeviceOffset: Double
  /// δ/μ, the standard deviation of each pulse's ΔG relative to the
  /// nominal ΔG (dimensionless, ≥ 0).
  public var cycleToCycle: Double
  /// What a scale draw X ≤ 0 becomes.
  public var negativeScale: NegativeScale

  /// A device-to-device scale X ≤ 0 (training's `negative_scale`, whose
  /// default is `redraw`).
  public enum NegativeScale: String, Sendable, Equatable, CaseIterable {
    /// A dead device, stuck at 0 S (X = 0): this type's default.
    case dead
    /// A live device with X = |X| (a folded Gaussian).
    case fold
    /// A live device with X drawn again until it is above 0 (a Gaussian
    /// truncated at 0: a device that conducts is kept, the rest rejected).
    case redraw
  }

  /// Creates a variation; every part defaults to 0 (ideal devices).
  public init(
    deviceToDeviceScale: Double = 0, deviceToDeviceOffset: Double = 0,
    cycleToCycle: Double = 0, negativeScale: NegativeScale = .dead
  ) {
    self.deviceToDeviceScale = deviceToDeviceScale
    self.deviceToDeviceOffset = deviceToDeviceOffset
    self.cycleToCycle = cycleToCycle
    self.negativeScale = negativeScale
  }

  /// No variation: every device follows its model exactly.
  public static let none = DeviceVariation()

  /// Checks that every part is finite and non-negative.
  ///
  /// - Throws: ``ConfigurationError`` naming the field and its value.
  public func validate() throws {
    for (name, value) in [
      ("deviceToDeviceScale", deviceToDeviceScale),
      ("deviceToDeviceOffset", deviceToDeviceOffset),
      ("cycleToCycle", cycleToCycle),
    ] where !(value.isFinite && value >= 0) {
      throw ConfigurationError(
        field: name, "\(name) = \(value) must be finite and non-negative")
    }
  }
}
