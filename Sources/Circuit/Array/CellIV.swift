import Foundation

/// A cell's read current against the voltage across it.
///
/// - `linear`: I = G·V, the Kirchhoff sum every read assumed before.
/// - `sinh(v0:)`: I = G·V0·sinh(V/V0), the I–V of filamentary RRAM and
///   other selectorless cells read without a linearising scheme (tunnelling
///   across the filament's gap). Its slope at 0 V is G, so G stays the
///   device's small-signal conductance; at V0 the current is sinh(1) =
///   1.175 times the linear one, at 2·V0 1.81 times. An odd function: a
///   negative drive (a transposed read's δ) draws the mirrored current.
///
/// Only the reads see it (programming pulses are the devices' models).
/// Behind resistive lines the nodal solve iterates Newton's method on it
/// (`NodalSolver`, `DifferentialArray.read`; since session 88); training's
/// reads of resistive lines (`ResistiveReader`) are linear maps and take
/// linear cells only.
public enum CellIV: Sendable, Equatable {
  case linear
  case sinh(v0: Double)

  /// A cell's I–V from V0 in volts: linear for 0, else `sinh(v0:)`.
  /// - Precondition: 0, or finite and > 0.
  public init(v0: Double) {
    require(v0 == 0 || (v0.isFinite && v0 > 0), "a cell I–V's V0 must be 0 (linear) or finite and > 0 V, got \(v0)")
    self = v0 == 0 ? .linear : .sinh(v0: v0)
  }

  /// f(V): the current of a 1 S cell at `v` volts (A), V0·sinh(V/V0) or V.
  @inlinable
  public func current(atVolts v: Double) -> Double {
    switch self {
    case .linear: return v
    case .sinh(let v0): return v == 0 ? v : v0 * Foundation.sinh(v / v0)
    }
  }

  /// `current(atVolts:)` of a single-precision drive, computed in double
  /// precision and rounded once.
  @inlinable
  public func current(atVolts v: Float) -> Float {
    switch self {
    case .linear: return v
    case .sinh: return v == 0 ? v : Float(current(atVolts: Double(v)))
    }
  }

  /// Normalised drives a[i] (in units of the full-scale read voltage
  /// `readVoltage`, V) replaced by the currents they draw in the same unit,
  /// f(a·V)/V: what a weight W multiplies in a read, s = Σ W·f(a·V)/V.
  /// Unchanged when linear.
  @inlinable
  public func normalisedCurrents(_ a: UnsafeMutableBufferPointer<Float>, readVoltage: Double) {
    guard case .sinh = self else { return }
    for i in a.indices where a[i] != 0 {
      a[i] = Float(current(atVolts: Double(a[i]) * readVoltage) / readVoltage)
    }
  }
}
