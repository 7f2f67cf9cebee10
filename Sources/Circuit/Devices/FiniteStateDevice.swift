/// A linear device with a finite number of equal conductance steps: the
/// Mo/TiOx interface RRAM of Choi et al.
///
/// Each potentiation pulse adds one step ΔG = (G_max − G_min)/(states·k);
/// `states` identical pulses take the device from its minimum to its maximum
/// conductance, so it has `states + 1` levels counting both ends (the
/// default 50 are the 50 potentiation pulses per cycle of Choi et al.,
/// Fig. 3E). By default the device is unidirectional: it is potentiated
/// pulse by pulse and returned to its minimum by a strong reset (five
/// −4 V/100 µs pulses in Choi et al.). A bidirectional variant also steps
/// down by ΔG per depression pulse.
///
/// `gMin` and `gMax` describe the *big* device (area scale k = 1). Shrinking
/// the active area k times divides every conductance and every step by k
/// (Choi et al., Fig. 3D): the "small" synapse of a hybrid unit has
/// G_min/k … G_max/k in the same number of pulses, so its weight resolution
/// is k times finer.
///
/// The default range, 1 µS … 10 µS, is illustrative, not a fit.
///
/// Source: W. Choi, M. Kwak, S. Kim and H. Hwang, "Neural network training
/// acceleration with RRAM-based hybrid synapses", Front. Neurosci. 15:690418,
/// 2021, doi:10.3389/fnins.2021.690418 (sections "Hybrid Synapse" and
/// "Mo/TiOx-Based RRAM", Figs. 2-3).
public struct FiniteStateDevice: DeviceModel {
  /// The number of identical potentiation pulses from the minimum to the
  /// maximum conductance (the device has `states + 1` levels); ≥ 2.
  public var states: Int { didSet { _update() } }
  /// The minimum conductance of the big (k = 1) device, in siemens (S).
  public var gMin: Double { didSet { _update() } }
  /// The maximum conductance of the big (k = 1) device, in siemens (S).
  public var gMax: Double { didSet { _update() } }
  /// The area scale k (dimensionless, > 0): this device's conductances and
  /// steps are those of the big device divided by k.
  public var areaScale: Double { didSet { _update() } }
  /// Whether depression pulses act (false by default: potentiation and
  /// reset only).
  public var isBidirectional: Bool

  /// The minimum conductance G_min / k, in siemens (S).
  public private(set) var minimumConductance: Double = .nan
  /// The maximum conductance G_max / k, in siemens (S).
  public private(set) var maximumConductance: Double = .nan
  /// The conductance change of one pulse, (G_max − G_min)/(states·k), in
  /// siemens (S).
  public private(set) var stepSize: Double = .nan

  @usableFromInline var _maxSnap: Double = .nan
  @usableFromInline var _minSnap: Double = .nan

  /// Creates a device.
  ///
  /// Invalid parameters do not trap here; ``validate()`` reports them.
  ///
  /// - Parameters:
  ///   - states: Pulses from minimum to maximum; default 50.
  ///   - gMin: Minimum conductance of the big device, in siemens (S);
  ///     default 1 µS.
  ///   - gMax: Maximum conductance of the big device, in siemens (S);
  ///     default 10 µS.
  ///   - areaScale: The area scale k; default 1 (the big device).
  ///   - isBidirectional: Whether depression pulses act; default false.
  public init(
    states: Int = 50, gMin: Double = 1e-6, gMax: Double = 1e-5,
    areaScale: Double = 1, isBidirectional: Bool = false
  ) {
    self.states = states
    self.gMin = gMin
    self.gMax = gMax
    self.areaScale = areaScale
    self.isBidirectional = isBidirectional
    _update()
  }

  /// The conductance after one potentiation pulse, `g + stepSize`, in
  /// siemens (S), clamped to the maximum (a result within 1e-9 of the range
  /// of the maximum is the maximum exactly).
  @inlinable
  public func potentiated(_ g: Double) -> Double {
    let next = g + stepSize
    return next >= _maxSnap
      ? maximumConductance
      : (next < minimumConductance ? minimumConductance : next)
  }

  /// ±`stepSize` (nil for a depression of a unidirectional device): the
  /// step before the clamp, which cycle-to-cycle noise scales.
  public func unclampedStep(from g: Double, potentiation: Bool) -> Double? {
    potentiation ? stepSize : (isBidirectional ? -stepSize : nil)
  }

  /// The conductance after one depression pulse, `g − stepSize`, in
  /// siemens (S), clamped to the minimum; a unidirectional device returns
  /// `g` unchanged.
  @inlinable
  public func depressed(_ g: Double) -> Double {
    guard isBidirectional else { return g }
    let next = g - stepSize
    return next <= _minSnap
      ? minimumConductance
      : (next > maximumConductance ? maximumConductance : next)
  }

  /// The conductance of level `i`, (G_min + i·(G_max − G_min)/states)/k, in
  /// siemens (S).
  ///
  /// - Precondition: `0 <= i <= states`.
  public func level(_ i: Int) -> Double {
    require(i >= 0 && i <= states, "level \(i) is outside 0...\(states)")
    if i == states { return maximumConductance }
    return (gMin + Double(i) * (gMax - gMin) / Double(states)) / areaScale
  }

  /// Checks states ≥ 2, k > 0 (finite) and G_max > G_min ≥ 0 (finite).
  ///
  /// - Throws: ``ConfigurationError`` naming the field and its value.
  public func validate() throws {
    guard states >= 2 else {
      throw ConfigurationError(
        field: "states", "states = \(states) must be at least 2")
    }
    guard areaScale.isFinite, areaScale > 0 else {
      throw ConfigurationError(
        field: "areaScale", "areaScale = \(areaScale) must be finite and positive")
    }
    guard gMin.isFinite, gMin >= 0 else {
      throw ConfigurationError(
        field: "gMin", "gMin = \(gMin) S must be finite and non-negative")
    }
    guard gMax.isFinite, gMax > gMin else {
      throw ConfigurationError(
        field: "gMax",
        "gMax = \(gMax) S must be finite and greater than gMin = \(gMin) S")
    }
    guard stepSize.isFinite, stepSize > 0 else {
      throw ConfigurationError(
        field: "areaScale",
        "areaScale = \(areaScale) leaves no representable step "
          + "(stepSize = \(stepSize) S)")
    }
  }

  mutating func _update() {
    minimumConductance = gMin / areaScale
    maximumConductance = gMax / areaScale
    let range = maximumConductance - minimumConductance
    stepSize = range / Double(states)
    _maxSnap = maximumConductance - _deviceBoundSnap * range
    _minSnap = minimumConductance + _deviceBoundSnap * range
  }
}
