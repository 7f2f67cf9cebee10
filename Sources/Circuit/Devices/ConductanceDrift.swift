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
///
/// With `Model.pcm` the exponent's mean and σ follow the device's
/// programmed conductance instead, as measured on phase-change devices
/// (`pcmMoments`): a device near its reset level (more amorphous) drifts
/// faster and more variably than one near G_max.
public struct ConductanceDrift: Sendable, Equatable {
  /// How a device's exponent is drawn.
  public enum Model: String, Sendable, CaseIterable {
    /// ν + σ_ν·z, the same law for every device.
    case constant
    /// μ(G) + σ(G)·z of the device's programmed G/G_max (`pcmMoments`).
    case pcm
  }

  /// The mean exponent ν (0: no drift).
  public var nu: Double
  /// The device-to-device σ of the exponent.
  public var nuSigma: Double
  /// The reference time t₀ in seconds (> 0).
  public var t0: Double
  /// The law of the exponents (`nu` and `nuSigma` are `constant`'s).
  public var model: Model

  public init(nu: Double, nuSigma: Double = 0, t0: Double = 1, model: Model = .constant) {
    self.nu = nu
    self.nuSigma = nuSigma
    self.t0 = t0
    self.model = model
  }

  /// Whether any device drifts: ν > 0, or σ_ν > 0 (whose draws above 0
  /// drift even at ν = 0); with `pcm` always (its mean is at least 0.049).
  public var drifts: Bool { model == .pcm || nu > 0 || nuSigma > 0 }

  /// The mean and σ of a phase-change device's drift exponent at relative
  /// conductance g = G/G_max: the fit of Nandakumar et al. (ICECS 2019) to
  /// measured PCM arrays (the one IBM's aihwkit uses),
  ///
  ///     μ(g) = −0.0155·ln g + 0.0244, kept in [0.049, 0.1],
  ///     σ(g) = −0.0125·ln g − 0.0059, kept in [0.008, 0.045],
  ///
  /// g taken at least 1e-7 (a device at 0 S drifts at μ 0.1, σ 0.045).
  /// μ is 0.049 from g ≈ 0.2 up, and reaches 0.1 at g ≈ 0.0076; σ is 0.008
  /// from g ≈ 0.33 up, and 0.045 below g ≈ 0.017.
  public static func pcmMoments(relative g: Double) -> (mean: Double, sigma: Double) {
    let l = Foundation.log(Swift.max(g, 1e-7))
    return (Swift.min(Swift.max(-0.0155 * l + 0.0244, 0.049), 0.1), Swift.min(Swift.max(-0.0125 * l - 0.0059, 0.008), 0.045))
  }

  /// The σ, relative to the drifted conductance, of a phase-change
  /// device's accumulated 1/f read noise at time t after programming (the
  /// same group's fit, as aihwkit's PCM model):
  ///
  ///     σ(g, t) = q(g)·√ln((t + t_r)/(2·t_r)),  q(g) = min(0.0088/max(g^0.65, 1e-3), 0.2),
  ///
  /// t_r the read's duration; 0 where the logarithm is not positive (t ≤ t_r).
  public static func pcmReadNoise(relative g: Double, time t: Double, readTime: Double) -> Double {
    let q = Swift.min(0.0088 / Swift.max(Foundation.pow(Swift.max(g, 0), 0.65), 1e-3), 0.2)
    let l = Foundation.log((t + readTime) / (2 * readTime))
    return l > 0 ? q * l.squareRoot() : 0
  }

  /// The exponents of `count` devices at relative conductances
  /// `relative(i)` (G/G_max as programmed): with `pcm`, μ(g) + σ(g)·z,
  /// one z drawn from `rng` per device in order, cut at 0; with
  /// `constant`, `exponents(count:rng:)` (the conductances unread).
  public func exponents(count: Int, relative: (Int) -> Double, rng: inout SeededGenerator) -> [Float] {
    guard model == .pcm else { return exponents(count: count, rng: &rng) }
    return (0..<count).map { i in
      let (mean, sigma) = Self.pcmMoments(relative: relative(i))
      return Float(Swift.max(0, mean + sigma * rng.nextGaussian()))
    }
  }

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
