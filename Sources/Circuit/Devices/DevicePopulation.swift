/// A population of devices of one model, each with its own state and its
/// own device-to-device variation, sampled once from a seed.
///
/// Each device i has a *nominal* conductance g_i, its state on the model's
/// curve in [G_min, G_max], which pulses move with the model's
/// ``DeviceModel/potentiated(_:)`` and ``DeviceModel/depressed(_:)``
/// (perturbed by cycle-to-cycle noise), and a fixed scale X_i and offset
/// O_i drawn at creation (``DeviceVariation``). The conductance a read sees
/// is
///
/// ```
/// G_i = max(0, X_i · g_i + O_i)      [S]
/// ```
///
/// A device whose offset puts the low end of its curve below 0 S
/// (X_i·G_min + O_i < 0) rests at its *floor* g_f = −O_i/X_i, where it reads
/// 0 S: a reset (and its start) puts it there, and a pulse climbs one of
/// the model's steps from there (one point along a measured curve), so
/// its first pulse reads X_i·ΔG, as the trainers' devices do (a large
/// negative offset loses the lowest states; it does not spend pulses on
/// them). No pulse takes a device below its floor. (Before session 42 such
/// a device read 0 S for its first pulses and then a fraction of a step,
/// where `train` drew the full step.)
///
/// States are kept in contiguous arrays; a pulse is one model evaluation,
/// at most one Gaussian draw, and no allocation.
///
/// Randomness: the scales, the offsets and the cycle-to-cycle noise come
/// from independent streams of ``SeededGenerator`` derived from `seed`
/// (the noise from one stream per device), so the same seed and the same
/// pulse sequence give the same conductances, changing one kind of
/// variation does not change the draws of another, and a device's curve
/// does not depend on how many devices are sampled beside it. Two
/// populations that must differ (G+ and G− arrays, big and small synapses)
/// need different seeds.
public struct DevicePopulation<Model: DeviceModel>: Sendable {
  /// The device model every member follows.
  public let model: Model
  /// The variation applied to the members.
  public let variation: DeviceVariation
  /// The seed the population was sampled from.
  public let seed: UInt64

  @usableFromInline var _nominal: [Double]
  @usableFromInline let _scale: [Double]
  @usableFromInline let _offset: [Double]
  /// Each device's floor: G_min, or −O/X when X·G_min + O < 0 (at most
  /// G_max: a device that never conducts rests at G_max).
  @usableFromInline let _floor: [Double]
  @usableFromInline var _noise: [SeededGenerator]
  @usableFromInline let _cycleToCycle: Double
  @usableFromInline let _gMin: Double
  @usableFromInline let _gMax: Double
  @usableFromInline let _gReset: Double
  @usableFromInline var _potentiations = 0
  @usableFromInline var _depressions = 0
  @usableFromInline var _resets = 0

  /// Samples a population.
  ///
  /// - Parameters:
  ///   - model: The device model (validated here).
  ///   - count: The number of devices.
  ///   - variation: Device-to-device and cycle-to-cycle variation (validated
  ///     here); default none.
  ///   - seed: The seed of every random draw of this population.
  ///   - initialConductance: The nominal conductance every device starts
  ///     at, in siemens (S), clamped to [G_min, G_max]; default the model's
  ///     ``DeviceModel/resetConductance``.
  /// - Throws: ``ConfigurationError`` from the model's or the variation's
  ///   validation.
  /// - Precondition: `count >= 0`; `initialConductance` is finite.
  /// - Complexity: O(count).
  public init(
    model: Model, count: Int, variation: DeviceVariation = .none,
    seed: UInt64, initialConductance: Double? = nil
  ) throws {
    require(count >= 0, "a population of \(count) devices")
    try model.validate()
    try variation.validate()
    self.model = model
    self.variation = variation
    self.seed = seed
    _gMin = model.minimumConductance
    _gMax = model.maximumConductance
    _gReset = min(max(model.resetConductance, _gMin), _gMax)
    let g0 = initialConductance ?? _gReset
    require(g0.isFinite, "initial conductance \(g0) S is not finite")
    _nominal = Array(repeating: min(max(g0, _gMin), _gMax), count: count)
    _cycleToCycle = variation.cycleToCycle
    // Device i's own stream (device 0's is the population-wide stream of
    // before session 28, so one device draws as it did; an audit found
    // device 0's curve changing with the number of devices).
    _noise = (0..<count).map { SeededGenerator(seed: seed, stream: _DeviceStreams.cycleToCycle | UInt64($0) << 32) }

    var scaleSource = SeededGenerator(seed: seed, stream: _DeviceStreams.scale)
    var offsetSource = SeededGenerator(seed: seed, stream: _DeviceStreams.offset)
    let sigmaX = variation.deviceToDeviceScale
    let sigmaO = variation.deviceToDeviceOffset * model.minimumConductance
    var scale = [Double](repeating: 1, count: count)
    var offset = [Double](repeating: 0, count: count)
    for i in 0..<count {
      if sigmaX > 0 {
        scale[i] = 1 + sigmaX * scaleSource.nextGaussian()
        switch variation.negativeScale {
        case .dead: break
        case .fold: scale[i] = abs(scale[i])
        case .redraw: while scale[i] <= 0 { scale[i] = 1 + sigmaX * scaleSource.nextGaussian() }
        }
      }
      if sigmaO > 0 { offset[i] = sigmaO * offsetSource.nextGaussian() }
      // A device with X <= 0 (dead, or a fold of exactly 0) is stuck at 0 S.
      if scale[i] <= 0 {
        scale[i] = 0
        offset[i] = 0
      }
    }
    _scale = scale
    _offset = offset
    let (gMin, gMax) = (_gMin, _gMax)
    _floor = (0..<count).map { i in
      let (x, o) = (scale[i], offset[i])
      guard x > 0, x * gMin + o < 0 else { return gMin }
      guard x * gMax + o > 0 else { return gMax }
      // Where X·g + O reaches 0, and reads 0 S exactly.
      var f = min(max(-o / x, gMin), gMax)
      while x * f + o > 0 && f > gMin { f = f.nextDown }
      return f
    }
    for i in 0..<count where _nominal[i] < _floor[i] { _nominal[i] = _floor[i] }
  }

  /// The number of devices.
  @inlinable public var count: Int { _nominal.count }

  /// The conductance of device `index` as a read sees it,
  /// max(0, X·g + O), in siemens (S).
  @inlinable
  public func conductance(_ index: Int) -> Double {
    let g = _scale[index] * _nominal[index] + _offset[index]
    return g > 0 ? g : 0
  }

  /// The conductances of all devices as a read sees them, in siemens (S).
  public func conductances() -> [Double] {
    var out = [Double](repeating: 0, count: count)
    conductances(into: &out)
    return out
  }

  /// Writes the conductances of all devices, in siemens (S), into `out`
  /// without allocating.
  ///
  /// - Precondition: `out.count == count`.
  @inlinable
  public func conductances(into out: inout [Double]) {
    require(out.count == count, "out has \(out.count) elements, expected \(count)")
    _nominal.withUnsafeBufferPointer { g in
      _scale.withUnsafeBufferPointer { x in
        _offset.withUnsafeBufferPointer { o in
          out.withUnsafeMutableBufferPointer { out in
            for i in 0..<g.count {
              let v = x[i] * g[i] + o[i]
              out[i] = v > 0 ? v : 0
            }
          }
        }
      }
    }
  }

  /// The nominal conductance (state on the model's curve) of device
  /// `index`, in siemens (S).
  @inlinable
  public func nominal(_ index: Int) -> Double { _nominal[index] }

  /// The nominal conductances of all devices, in siemens (S).
  @inlinable
  public var nominalConductances: [Double] { _nominal }

  /// The device-to-device scale X of device `index` (dimensionless; 0 for a
  /// dead device).
  @inlinable
  public func scale(_ index: Int) -> Double { _scale[index] }

  /// The device-to-device offset O of device `index`, in siemens (S).
  @inlinable
  public func offset(_ index: Int) -> Double { _offset[index] }

  /// Applies one potentiation pulse to device `index`.
  @inlinable
  public mutating func potentiate(_ index: Int) {
    let g = _nominal[index]
    let next = model.potentiated(g)
    _nominal[index] = _cycleToCycle > 0 ? _perturbed(index, g, next, potentiation: true) : next
    _potentiations &+= 1
  }

  /// Applies one depression pulse to device `index` (no change for a
  /// unidirectional model; the pulse is still counted).
  @inlinable
  public mutating func depress(_ index: Int) {
    let g = _nominal[index]
    let next = max(model.depressed(g), _floor[index])
    _nominal[index] = _cycleToCycle > 0 ? _perturbed(index, g, next, potentiation: false) : next
    _depressions &+= 1
  }

  /// Resets device `index` to the model's reset conductance, or its
  /// floor when that is higher (no noise).
  @inlinable
  public mutating func reset(_ index: Int) {
    _nominal[index] = max(_gReset, _floor[index])
    _resets &+= 1
  }

  /// Sets the nominal conductance of device `index`, e.g. for off-chip
  /// programming or a test; `g` is clamped to [G_min, G_max] of the model,
  /// and to the device's floor (the same conductance, 0 S, below it).
  /// Not counted as a pulse.
  ///
  /// - Precondition: `g` is finite.
  @inlinable
  public mutating func setNominal(_ index: Int, _ g: Double) {
    require(g.isFinite, "nominal conductance \(g) S is not finite")
    let low = _floor[index]
    _nominal[index] = g < low ? low : (g > _gMax ? _gMax : g)
  }

  /// The nominal conductance device `index` rests at after a reset when
  /// its offset is below −X·G_min (where it reads 0 S), else G_min, in
  /// siemens (S).
  @inlinable
  public func floor(_ index: Int) -> Double { _floor[index] }

  /// The number of potentiation pulses applied so far.
  @inlinable public var potentiationCount: Int { _potentiations }
  /// The number of depression pulses applied so far (including those a
  /// unidirectional model ignores).
  @inlinable public var depressionCount: Int { _depressions }
  /// The number of pulses applied so far (potentiation + depression).
  @inlinable public var pulseCount: Int { _potentiations + _depressions }
  /// The number of resets applied so far.
  @inlinable public var resetCount: Int { _resets }

  // The cycle-to-cycle noise: ΔG · (1 + σ·N(0,1)), clamped to the bounds.
  // ΔG is the model's step before its clamp where it has one (Choi's
  // linear device: μ, as the trainers draw it), else the model's step. A
  // pulse that changed nothing draws nothing.
  @inlinable
  mutating func _perturbed(_ index: Int, _ g: Double, _ next: Double, potentiation: Bool) -> Double {
    let dg = next - g
    if dg == 0 { return next }
    let step = model.unclampedStep(from: g, potentiation: potentiation) ?? dg
    var noisy = g + step * (1 + _cycleToCycle * _noise[index].nextGaussian())
    // Not below where a nominal depression stops (a measured `d` branch
    // that ends above G_min: its end is a fixed point of `depressed`). The
    // step before the bounds goes on past the end, and a vanishing c2c had
    // taken the device half a step below it (a walkthrough, session 46).
    if !potentiation && noisy < next && model.depressed(next) == next { noisy = next }
    let low = _floor[index]
    return noisy < low ? low : (noisy > _gMax ? _gMax : noisy)
  }
}

/// Stream labels of ``SeededGenerator`` for the draws of a population.
enum _DeviceStreams {
  static let scale: UInt64 = 0xD2D5_CA1E
  static let offset: UInt64 = 0xD2D0_FF5E
  static let cycleToCycle: UInt64 = 0xC2C0_0001
}
