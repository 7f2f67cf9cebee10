import Synchronization
/// The exponential (nonlinear) pulse response of Lim et al., eqs. (1)-(2),
/// after Querlioz et al.
///
/// Each identical potentiation pulse raises the conductance by a step that
/// shrinks exponentially as the device approaches G_max, and each depression
/// pulse lowers it by a step that shrinks as it approaches G_min:
///
/// ```
/// G(n+1) = G(n) + αp · exp(−βp · (G(n) − Gmin) / (Gmax − Gmin))     (1)
/// G(n+1) = G(n) − αd · exp(−βd · (Gmax − G(n)) / (Gmax − Gmin))     (2)
/// ```
///
/// β is the nonlinearity (β = 0 is linear; Lim et al. study 0, 1, 2, 3) and
/// n_max the dynamic range: the number of pulses that take the device from
/// G_min to G_max (Lim et al. study 32, 64, 128). The step sizes αp and αd
/// are not free: they are solved from β and n_max so that the *discrete*
/// recursion (1) started at G_min reaches G_max after exactly n_max pulses,
/// and (2) started at G_max reaches G_min after exactly n_max pulses. Every
/// result is clamped to [G_min, G_max], so pulses beyond n_max leave the
/// device at the bound.
///
/// A unidirectional device (`isBidirectional == false`, Lim et al. §2.2,
/// methods a and b) ignores depression pulses and is returned to G_min by a
/// reset.
///
/// The defaults (G_min = 1 µS, G_max = 10 µS, β = 2, n_max = 64) are
/// illustrative values in the range of RRAM synapses and the central case of
/// Lim et al. (Figs. 9-14), not a fit to a particular device. Lim et al. plot
/// the normalised conductance (G − G_min)/(G_max − G_min); set `gMin = 0`,
/// `gMax = 1` for that normalisation.
///
/// Sources: S. Lim et al., "Adaptive learning rule for hardware-based deep
/// neural networks using electronic synapse devices", §3, eqs. (1)-(2),
/// Fig. 6;
/// D. Querlioz et al., IEEE Trans. Nanotechnology 12(3), 288-295, 2013,
/// doi:10.1109/TNANO.2013.2250995.
public struct LimExponentialDevice: DeviceModel {
  /// The minimum conductance G_min, in siemens (S); G_min ≥ 0.
  public var gMin: Double { didSet { _calibrate() } }
  /// The maximum conductance G_max, in siemens (S); G_max > G_min.
  public var gMax: Double { didSet { _calibrate() } }
  /// The potentiation nonlinearity βp of eq. (1) (dimensionless, ≥ 0).
  public var betaP: Double { didSet { _calibrate() } }
  /// The depression nonlinearity βd of eq. (2) (dimensionless, ≥ 0).
  public var betaD: Double { didSet { _calibrate() } }
  /// The dynamic range n_max: the number of identical pulses from G_min to
  /// G_max (and from G_max to G_min); n_max ≥ 1.
  public var nMax: Int { didSet { _calibrate() } }
  /// Whether depression pulses act (true, the default), or the device only
  /// has potentiation pulses and a reset to G_min (false).
  public var isBidirectional: Bool

  /// The potentiation step αp of eq. (1), in siemens (S), solved from the
  /// other parameters; NaN while the parameters are invalid.
  public private(set) var alphaP: Double = .nan
  /// The depression step αd of eq. (2), in siemens (S), solved from the
  /// other parameters; NaN while the parameters are invalid.
  public private(set) var alphaD: Double = .nan

  // Constants pre-multiplied at calibration so a pulse is one exp, one fma
  // and a clamp: βp / (Gmax − Gmin) and βd / (Gmax − Gmin) in 1/S, and the
  // snapping thresholds next to the bounds in S.
  @usableFromInline var _kP: Double = .nan
  @usableFromInline var _kD: Double = .nan
  @usableFromInline var _gMaxSnap: Double = .nan
  @usableFromInline var _gMinSnap: Double = .nan

  /// The largest dynamic range calibrated: the calibration runs n_max
  /// pulses per bisection step (1,000,000 took 3 s; `Int.max` trapped in
  /// `validate`, a walkthrough, session 43). `train` takes 1…255.
  public static let largestNMax = 100_000

  /// Creates a device from its parameters and solves αp and αd.
  ///
  /// Invalid parameters do not trap here; ``validate()`` reports them.
  ///
  /// - Parameters:
  ///   - gMin: Minimum conductance in siemens (S); default 1 µS.
  ///   - gMax: Maximum conductance in siemens (S); default 10 µS.
  ///   - betaP: Potentiation nonlinearity βp; default 2.
  ///   - betaD: Depression nonlinearity βd; default 2.
  ///   - nMax: Dynamic range in pulses; default 64.
  ///   - isBidirectional: Whether depression pulses act; default true.
  public init(
    gMin: Double = 1e-6, gMax: Double = 1e-5, betaP: Double = 2,
    betaD: Double = 2, nMax: Int = 64, isBidirectional: Bool = true
  ) {
    self.gMin = gMin
    self.gMax = gMax
    self.betaP = betaP
    self.betaD = betaD
    self.nMax = nMax
    self.isBidirectional = isBidirectional
    _calibrate()
  }

  /// Creates a device with the same nonlinearity β for potentiation and
  /// depression.
  ///
  /// - Parameters:
  ///   - beta: The nonlinearity βp = βd (dimensionless, ≥ 0).
  ///   - nMax: Dynamic range in pulses (≥ 1).
  ///   - gMin: Minimum conductance in siemens (S); default 1 µS.
  ///   - gMax: Maximum conductance in siemens (S); default 10 µS.
  ///   - isBidirectional: Whether depression pulses act; default true.
  public init(
    beta: Double, nMax: Int, gMin: Double = 1e-6, gMax: Double = 1e-5,
    isBidirectional: Bool = true
  ) {
    self.init(
      gMin: gMin, gMax: gMax, betaP: beta, betaD: beta, nMax: nMax,
      isBidirectional: isBidirectional)
  }

  public var minimumConductance: Double { gMin }
  public var maximumConductance: Double { gMax }

  /// The conductance after one potentiation pulse, eq. (1), in siemens (S).
  ///
  /// A result within 1e-9·(G_max − G_min) of G_max is G_max exactly, so the
  /// n_max-th pulse from G_min lands on G_max; results are clamped to
  /// [G_min, G_max].
  @inlinable
  public func potentiated(_ g: Double) -> Double {
    let next = _rawPotentiated(g, alpha: alphaP)
    return next >= _gMaxSnap ? gMax : (next < gMin ? gMin : next)
  }

  /// The conductance after one depression pulse, eq. (2), in siemens (S).
  ///
  /// A unidirectional device returns `g` unchanged. A result within
  /// 1e-9·(G_max − G_min) of G_min is G_min exactly; results are clamped to
  /// [G_min, G_max].
  @inlinable
  public func depressed(_ g: Double) -> Double {
    guard isBidirectional else { return g }
    let next = _rawDepressed(g, alpha: alphaD)
    return next <= _gMinSnap ? gMin : (next > gMax ? gMax : next)
  }

  /// Eq. (1)'s (or (2)'s) step from `g` before the bounds: the step that
  /// cycle-to-cycle noise scales (nil: a unidirectional device's
  /// depression). Near G_max the clamped step is only what is left to it,
  /// and scaling that had taken devices towards G_max by ever smaller
  /// pulses (a walkthrough, session 43).
  public func unclampedStep(from g: Double, potentiation: Bool) -> Double? {
    guard potentiation || isBidirectional else { return nil }
    return unclampedNext(g, potentiation: potentiation) - g
  }

  /// One pulse's result from `g` before the bounds and their snap: eq. (1)
  /// or (2) itself (`potentiated` or `depressed` where they do not clamp,
  /// to the bit; a unidirectional device's depression: g).
  @inlinable
  public func unclampedNext(_ g: Double, potentiation: Bool) -> Double {
    potentiation ? _rawPotentiated(g, alpha: alphaP) : (isBidirectional ? _rawDepressed(g, alpha: alphaD) : g)
  }

  /// A potentiation pulse's result from `g` both ways, from one evaluation
  /// of eq. (1): `potentiated(g)` and `unclampedNext(g, potentiation:
  /// true)`, to the bit (a controller's prediction and the pulse that
  /// cycle-to-cycle noise scales, on the same step).
  @inlinable
  public func potentiationResults(_ g: Double) -> (clamped: Double, unclamped: Double) {
    let next = _rawPotentiated(g, alpha: alphaP)
    return (next >= _gMaxSnap ? gMax : (next < gMin ? gMin : next), next)
  }

  /// A conductance put within [G_min, G_max] as a pulse's result is: within
  /// 1e-9·(G_max − G_min) of a bound is the bound.
  @inlinable
  public func bounded(_ v: Double) -> Double {
    v >= _gMaxSnap ? gMax : (v <= _gMinSnap ? gMin : v)
  }

  /// The conductances G(0) … G(n_max) of eq. (1) from G(0) = G_min, in
  /// siemens (S): n_max + 1 values ending at G_max.
  public func potentiationCurve() -> [Double] {
    var curve = [gMin]
    curve.reserveCapacity(max(nMax, 0) + 1)
    var g = gMin
    for _ in 0..<max(nMax, 0) {
      g = potentiated(g)
      curve.append(g)
    }
    return curve
  }

  /// The conductances G(0) … G(n_max) of eq. (2) from G(0) = G_max, in
  /// siemens (S): n_max + 1 values ending at G_min.
  ///
  /// The curve follows eq. (2) even for a unidirectional device (whose
  /// ``depressed(_:)`` ignores the pulse), so the parameters βd and αd can be
  /// inspected.
  public func depressionCurve() -> [Double] {
    var bidirectional = self
    bidirectional.isBidirectional = true
    var curve = [gMax]
    curve.reserveCapacity(max(nMax, 0) + 1)
    var g = gMax
    for _ in 0..<max(nMax, 0) {
      g = bidirectional.depressed(g)
      curve.append(g)
    }
    return curve
  }

  /// Checks G_max > G_min ≥ 0 (finite), n_max in 1…``largestNMax`` and βp, βd ≥ 0 (finite).
  ///
  /// - Throws: ``ConfigurationError`` naming the field and its value.
  public func validate() throws {
    guard gMin.isFinite, gMin >= 0 else {
      throw ConfigurationError(
        field: "gMin", "gMin = \(gMin) S must be finite and non-negative")
    }
    guard gMax.isFinite, gMax > gMin, (gMax - gMin).isFinite else {
      throw ConfigurationError(
        field: "gMax",
        "gMax = \(gMax) S must be finite and greater than gMin = \(gMin) S")
    }
    guard nMax >= 1, nMax <= Self.largestNMax else {
      throw ConfigurationError(field: "nMax", "nMax = \(nMax) must be in 1…\(Self.largestNMax)")
    }
    guard betaP.isFinite, betaP >= 0 else {
      throw ConfigurationError(
        field: "betaP", "betaP = \(betaP) must be finite and non-negative")
    }
    guard betaD.isFinite, betaD >= 0 else {
      throw ConfigurationError(
        field: "betaD", "betaD = \(betaD) must be finite and non-negative")
    }
    guard _kP.isFinite else {
      throw ConfigurationError(
        field: "betaP",
        "betaP = \(betaP) is too large for the range gMax - gMin = \(gMax - gMin) S")
    }
    guard _kD.isFinite else {
      throw ConfigurationError(
        field: "betaD",
        "betaD = \(betaD) is too large for the range gMax - gMin = \(gMax - gMin) S")
    }
    guard alphaP.isFinite, alphaP > 0, alphaD.isFinite, alphaD > 0 else {
      throw ConfigurationError(
        field: "nMax",
        "no step size reaches gMax in nMax = \(nMax) pulses "
          + "(alphaP = \(alphaP), alphaD = \(alphaD))")
    }
    // Every pulse must move the device: with a steep β the first steps take
    // it within 1e-9 of the range of G_max (where it snaps to G_max), and
    // the other states are G_max itself (β ≈ 20 and up for nMax 64).
    for (field, beta, curve) in [("betaP", betaP, potentiationCurve()), ("betaD", betaD, depressionCurve())] {
      let moves = zip(curve, curve.dropFirst()).map { field == "betaP" ? $1 > $0 : $1 < $0 }
      if let stuck = moves.firstIndex(of: false) {
        throw ConfigurationError(
          field: field,
          "\(field) = \(beta) is too steep for nMax = \(nMax): pulse \(stuck + 1) of \(nMax) leaves the conductance where it was (within 1e-9 of the range of its end), so the device has fewer than nMax + 1 states; use a smaller \(field) or nMax")
      }
    }
  }

  // MARK: - Kernels

  // The unclamped right-hand sides of eqs. (1) and (2), shared by the pulse
  // functions and the calibration so that the solved α is exact for the
  // arithmetic the pulses actually do.
  @inlinable
  func _rawPotentiated(_ g: Double, alpha: Double) -> Double {
    g + alpha * _deviceExp(-_kP * (g - gMin))
  }

  @inlinable
  func _rawDepressed(_ g: Double, alpha: Double) -> Double {
    g - alpha * _deviceExp(-_kD * (gMax - g))
  }

  // MARK: - Calibration

  // Solves αp and αd. For β = 0 the recursion is G(n) = Gmin + n·α, so
  // α = (Gmax − Gmin)/nMax exactly (the last state may fall an ulp short of
  // Gmax; the snap in `potentiated` puts it on the bound). For β > 0 it
  // bisects α in (0, Gmax − Gmin]: α = Gmax − Gmin reaches Gmax in one pulse,
  // α = 0 never does. The upper end of the final bracket is kept, so the
  // recursion run with the kernel's own arithmetic reaches Gmax within n_max
  // pulses (and the bracket is ~1e-15 relative wide).
  mutating func _calibrate() {
    let range = gMax - gMin
    guard gMin.isFinite, gMin >= 0, gMax.isFinite, range > 0, range.isFinite,
      nMax >= 1, nMax <= Self.largestNMax, betaP.isFinite, betaP >= 0, betaD.isFinite, betaD >= 0
    else {
      alphaP = .nan
      alphaD = .nan
      _kP = .nan
      _kD = .nan
      _gMaxSnap = .nan
      _gMinSnap = .nan
      return
    }
    _kP = betaP / range
    _kD = betaD / range
    _gMaxSnap = gMax - _deviceBoundSnap * range
    _gMinSnap = gMin + _deviceBoundSnap * range
    let n = nMax
    // Solved once per parameter set: a sweep validates every point of its
    // grid, and this bisection (n_max pulses a step, an exp each) took
    // about 96 % of the 11.3 s a 51,000-point grid of seeds and n_max spent
    // before saying its shard was empty (perf, session 65: 27 % in the
    // loop, 70 % in its exp); 0.5 s with the memo.
    let key = _CalibrationKey(gMin: gMin.bitPattern, gMax: gMax.bitPattern, betaP: betaP.bitPattern, betaD: betaD.bitPattern, nMax: n)
    if let known = Self._calibrated.withLock({ $0[key] }) {
      (alphaP, alphaD) = known
      return
    }
    let device = self
    alphaP = Self._solveStep(beta: betaP, pulses: n, range: range) { alpha in
      var g = device.gMin
      for _ in 0..<n { g = device._rawPotentiated(g, alpha: alpha) }
      return g >= device.gMax
    }
    alphaD = Self._solveStep(beta: betaD, pulses: n, range: range) { alpha in
      var g = device.gMax
      for _ in 0..<n { g = device._rawDepressed(g, alpha: alpha) }
      return g <= device.gMin
    }
    let solved = (alphaP, alphaD)
    Self._calibrated.withLock {
      // Bounded: a grid of many distinct devices keeps the latest ones.
      if $0.count >= 4096 { $0.removeAll(keepingCapacity: true) }
      $0[key] = solved
    }
  }

  struct _CalibrationKey: Hashable {
    var gMin, gMax, betaP, betaD: UInt64
    var nMax: Int
  }

  /// The steps solved so far, by their parameters' bit patterns.
  static let _calibrated = Mutex<[_CalibrationKey: (Double, Double)]>([:])

  static func _solveStep(
    beta: Double, pulses n: Int, range: Double, reaches: (Double) -> Bool
  ) -> Double {
    if beta == 0 { return range / Double(n) }
    var lo = 0.0
    var hi = range
    for _ in 0..<200 {
      let mid = 0.5 * (lo + hi)
      if mid <= lo || mid >= hi || hi - lo <= 1e-15 * hi { break }
      if reaches(mid) { hi = mid } else { lo = mid }
    }
    return hi
  }
}
