import Foundation

/// Conductance drift after programming: the empirical power law of
/// phase-change memory (the amorphous phase's structural relaxation;
/// Ielmini et al. 2007, Boniardi et al. 2010) that is also fitted to the
/// retention of filamentary RRAM,
///
///     G(t) = G(t₀) · (t / t₀)^(−ν),   t ≥ t₀,
///
/// t the time since the device was programmed and t₀ the time at which
/// its conductance was read as programmed. Each device has its own
/// exponent, ν_d = ν + σ_ν·z, z ~ N(0, 1), cut at 0 (drift lowers a
/// conductance; a draw below 0 is a device that does not drift).
public struct ConductanceDrift: Sendable, Equatable {
  /// The mean exponent ν (0: no drift).
  public var nu: Double
  /// The device-to-device σ of the exponent.
  public var nuSigma: Double
  /// The reference time t₀ in seconds (> 0).
  public var t0: Double

  public init(nu: Double, nuSigma: Double = 0, t0: Double = 1) {
    self.nu = nu
    self.nuSigma = nuSigma
    self.t0 = t0
  }

  /// Whether any device drifts: ν > 0, or σ_ν > 0 (whose draws above 0
  /// drift even at ν = 0).
  public var drifts: Bool { nu > 0 || nuSigma > 0 }

  /// The factor G(t)/G(t₀) = (t/t₀)^(−ν) of a device with exponent ν; 1
  /// at t = t₀ and for ν = 0, exactly.
  @inline(__always)
  public static func factor(time t: Double, t0: Double, nu: Double) -> Double {
    nu == 0 || t == t0 ? 1 : pow(t / t0, -nu)
  }

  /// The exponents of `count` devices, drawn in order from `rng` (σ_ν·z
  /// each, nothing drawn when σ_ν is 0), each cut at 0.
  public func exponents(count: Int, rng: inout SeededGenerator) -> [Float] {
    guard nuSigma > 0 else { return [Float](repeating: Float(max(0, nu)), count: count) }
    return (0..<count).map { _ in Float(max(0, nu + nuSigma * rng.nextGaussian())) }
  }
}
