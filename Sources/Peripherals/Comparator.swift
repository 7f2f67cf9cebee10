import Circuit

/// The comparator that turns an error signal δ into sgn(δ) for the pulse
/// generator.
///
/// A real comparator has a finite resolution: inputs within `threshold` of
/// zero (after its input offset) read as 0, and no pulse is issued. With a
/// threshold of 0 every non-zero δ gives ±1.
public struct Comparator: Sendable, Equatable {
  /// Dead band half-width (≥ 0), in the units of δ.
  public var threshold: Float
  /// Input-referred offset added to δ before comparing (0 ideal).
  public var offset: Float

  /// - Precondition: `threshold` finite and ≥ 0.
  public init(threshold: Float, offset: Float = 0) {
    require(threshold >= 0 && threshold.isFinite, "comparator threshold must be ≥ 0, got \(threshold)")
    self.threshold = threshold
    self.offset = offset
  }

  /// −1, 0 or +1.
  @inlinable
  public func sign(_ delta: Float) -> Float {
    let x = delta + offset
    return x > threshold ? 1 : (x < -threshold ? -1 : 0)
  }

  /// δ with the dead band applied: 0 inside it, δ outside (the analog value
  /// that is driven onto the lines for back-propagation).
  @inlinable
  public func deadBand(_ delta: Float) -> Float {
    abs(delta + offset) > threshold ? delta : 0
  }
}
