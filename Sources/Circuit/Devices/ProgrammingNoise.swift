/// The residual error of programming a device to a target conductance in
/// one go (a write-verify controller, as an off-chip transfer programs an
/// array): additive Gaussian noise whose σ follows the target, as fitted
/// to phase-change arrays by Nandakumar et al. (ICECS 2019), the
/// polynomial IBM's aihwkit uses for its PCM model (read there for the
/// facts; its coefficients are in µS at a G_max of 25 µS, here divided by
/// 25 to be relative to G_max):
///
///     σ(g) = max(0, 0.26348 + 1.9650·g − 1.1731·g²) / 25,   g = G/G_max,
///
/// 0.0105 at g = 0, 0.0381 at g = 0.5, 0.0422 at g = 1 (its top is at
/// g ≈ 0.84, 0.0435). A device programmed to g lands at
/// max(0, g + s·σ(g)·z), z ~ N(0, 1) and s the noise's scale (1: the
/// fit), cut at 0 S (no negative conductance) and not above (a device may
/// land a little above G_max, as a programmed cell can).
public enum ProgrammingNoise {
  /// σ(g) relative to G_max, at relative conductance g (taken at least 0).
  public static func pcmSigma(relative g: Double) -> Double {
    let x = Swift.max(g, 0)
    return Swift.max(0, 0.26348 + 1.9650 * x - 1.1731 * x * x) / 25
  }

  /// Where a device programmed to relative conductance g lands, with the
  /// noise's scale s and the draw z.
  public static func programmed(relative g: Double, scale s: Double, z: Double) -> Double {
    Swift.max(0, g + s * pcmSigma(relative: g) * z)
  }
}
