import Circuit

/// The hard-sigmoid neuron circuit of Lim et al. (2018), Figure 1 / Table 1.
///
/// Converts its weighted-sum input s (the differential current, in units
/// of the trainer's normalised conductance × read voltage) into the next
/// layer's drive. By default (`zeroBased`, the trainer's `activation zero`)
/// it keeps the paper's formula s/(2c) and moves the breakpoints:
/// ```
/// f(s) = 0         for s ≤ 0
///      = s / (2c)  for 0 < s < 2c
///      = 1         for s ≥ 2c
/// ```
/// so f(0) = 0 and a neuron without input is off. With `zeroBased: false`
/// (`activation centred`) it keeps the paper's breakpoints ±c instead:
/// f(s) = clamp((s + c)/(2c), 0, 1), linear on (−c, c), f(0) = 1/2.
///
/// Its derivative is 1/(2c) inside the linear region and 0 outside; the
/// circuit reports it as a gate of 0 or 1, since only the sign of a weight
/// change is used (the paper replaces 1/(2c) by 1).
public struct HardSigmoidNeuron: Sendable, Equatable {
  /// Half-width c of the linear region (> 0), in weighted-sum units.
  public var c: Float
  /// The linear region is (0, 2c) (true, the default) or (−c, c).
  public var zeroBased: Bool

  /// - Precondition: `c` finite and > 0.
  public init(c: Float, zeroBased: Bool = true) {
    require(c > 0 && c.isFinite, "hard-sigmoid c must be > 0, got \(c)")
    self.c = c
    self.zeroBased = zeroBased
  }

  /// The activation f(s) in [0, 1].
  @inlinable
  public func activation(_ s: Float) -> Float {
    zeroBased ? min(max(s * (0.5 / c), 0), 1) : min(max((s + c) * (0.5 / c), 0), 1)
  }

  /// The derivative gate: 1 inside the linear region, else 0.
  @inlinable
  public func gate(_ s: Float) -> Float {
    inside(s) ? 1 : 0
  }

  /// The true derivative f'(s): 1/(2c) inside, 0 outside.
  @inlinable
  public func derivative(_ s: Float) -> Float {
    inside(s) ? 0.5 / c : 0
  }

  /// Whether s is in the linear region, (−c, c) or (0, 2c).
  @inlinable
  public func inside(_ s: Float) -> Bool {
    zeroBased ? s > 0 && s < 2 * c : abs(s) < c
  }
}
