/// The deterministic pulse response of one programmable conductance device.
///
/// A model says what one identical programming pulse does to a device's
/// conductance, with every conductance in siemens (S). It holds no state: the
/// state of a device is its conductance, kept by the caller (usually a
/// ``DevicePopulation``), and the model maps it to the conductance after one
/// pulse. Device-to-device and cycle-to-cycle variation are not part of a
/// model; ``DevicePopulation`` adds them on top (``DeviceVariation``).
///
/// A *unidirectional* device (Lim et al., §2.2; Choi et al. 2021,
/// Fig. 3E) can only be potentiated pulse by pulse and returned to its reset
/// conductance at once; a *bidirectional* one can also be depressed pulse by
/// pulse.
///
/// Conforming types are value types whose parameters are checked by
/// ``validate()`` before use; the pulse functions never throw and never trap
/// for a validated model.
public protocol DeviceModel: Sendable {
  /// The lowest conductance the device reaches, G_min, in siemens (S).
  var minimumConductance: Double { get }
  /// The highest conductance the device reaches, G_max, in siemens (S).
  var maximumConductance: Double { get }
  /// Whether a depression pulse changes the conductance (true), or the
  /// device only has potentiation pulses and a reset (false).
  var isBidirectional: Bool { get }
  /// The conductance after a reset (strong depression), in siemens (S);
  /// normally ``minimumConductance``.
  var resetConductance: Double { get }

  /// The conductance after one potentiation pulse from `g`.
  ///
  /// - Parameter g: The conductance before the pulse, in siemens (S).
  /// - Returns: The conductance after the pulse, in siemens (S), clamped to
  ///   [``minimumConductance``, ``maximumConductance``].
  func potentiated(_ g: Double) -> Double

  /// The conductance after one depression pulse from `g`.
  ///
  /// A unidirectional device returns `g` unchanged.
  ///
  /// - Parameter g: The conductance before the pulse, in siemens (S).
  /// - Returns: The conductance after the pulse, in siemens (S), clamped to
  ///   [``minimumConductance``, ``maximumConductance``].
  func depressed(_ g: Double) -> Double

  /// Checks the parameters.
  ///
  /// - Throws: ``ConfigurationError`` naming the first bad field and its
  ///   value.
  func validate() throws

  /// The step one pulse takes from `g` before it is clamped at the
  /// bounds, for a model whose step does not depend on the conductance
  /// (Choi's linear device: ±μ); nil when the clamped step is the step.
  /// Cycle-to-cycle noise scales this step, then the bounds clamp, as the
  /// trainers do (a pulse near G_max reaches it unless its noise shrinks
  /// it below the distance left).
  func unclampedStep(from g: Double, potentiation: Bool) -> Double?
}

extension DeviceModel {
  /// No unclamped step of its own: the noise scales the model's step.
  public func unclampedStep(from g: Double, potentiation: Bool) -> Double? { nil }

  /// The reset conductance: ``minimumConductance`` unless a model says
  /// otherwise.
  public var resetConductance: Double { minimumConductance }
}

/// The tolerance, relative to G_max − G_min, within which a pulse that lands
/// next to a bound is snapped onto it.
///
/// Rounding in a recursion of n additions leaves the last state a few ulps
/// short of the bound; snapping makes a device that has taken its n_max
/// pulses sit exactly at G_max (or G_min), which is what the learning rules
/// test for. The tolerance is far below any real step (a step of 1e-9 of the
/// range would need a billion pulses to cross it).
@usableFromInline let _deviceBoundSnap = 1e-9

// Foundation-free math for @inlinable code in the device models.
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

@usableFromInline func _deviceExp(_ x: Double) -> Double { exp(x) }
