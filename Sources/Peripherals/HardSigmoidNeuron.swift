/// The hard-sigmoid neuron circuit of Lim et al. (2018), Figure 1 / Table 1.
///
/// Converts its weighted-sum input s (the differential current, in units
/// of the trainer's normalised conductance × read voltage) into the next
/// layer's drive:
/// ```
/// f(s) = 0               for s ≤ −c
///      = (s + c) / (2c)  for −c < s < c
///      = 1               for s ≥ c
/// ```
/// Its derivative is 1/(2c) inside and 0 outside; the circuit reports it as
/// a gate of 0 or 1, since only the sign of a weight change is used (the
/// paper replaces 1/(2c) by 1).
public struct HardSigmoidNeuron: Sendable, Equatable {
  /// Half-width c of the linear region (> 0), in weighted-sum units.
  public var c: Float

  public init(c: Float) {
    precondition(c > 0 && c.isFinite, "hard-sigmoid c must be > 0, got \(c)")
    self.c = c
  }

  /// The activation f(s) in [0, 1].
  @inlinable
  public func activation(_ s: Float) -> Float {
    min(max((s + c) * (0.5 / c), 0), 1)
  }

  /// The derivative gate: 1 inside the linear region (−c < s < c), else 0.
  @inlinable
  public func gate(_ s: Float) -> Float {
    abs(s) < c ? 1 : 0
  }

  /// The true derivative f'(s): 1/(2c) inside, 0 outside.
  @inlinable
  public func derivative(_ s: Float) -> Float {
    abs(s) < c ? 0.5 / c : 0
  }
}
