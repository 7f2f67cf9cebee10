/// The programming side of an array's edge: the shapes of the pulses it
/// issues, and what each costs the device it lands on.
///
/// Every potentiation pulse is identical (`amplitude` for `width`); a
/// depression pulse is its mirror (−`amplitude`), and a reset is a stronger
/// pulse (`resetAmplitude` for `resetWidth`) that returns a device to G_min.
/// The trainers count the pulses where they issue them (one counter add per
/// row of pulses, in the hot loops); the generator turns the counts and the
/// pulsed conductances into energy, and gives `inspect` each pulse's level
/// and width.
public struct PulseGenerator: Sendable, Equatable {
  /// Amplitude of an identical programming pulse (V): the voltage across a
  /// fully selected cell.
  public var amplitude: Double
  /// Width of a programming pulse (s).
  public var width: Double
  /// Amplitude of a reset pulse (V).
  public var resetAmplitude: Double
  /// Width of a reset pulse (s).
  public var resetWidth: Double

  public init(amplitude: Double = 1, width: Double = 1e-7, resetAmplitude: Double = -1.5, resetWidth: Double = 1e-6) {
    self.amplitude = amplitude
    self.width = width
    self.resetAmplitude = resetAmplitude
    self.resetWidth = resetWidth
  }

  /// The voltage a pulse of `kind` puts across its cell.
  public func amplitude(of kind: PulseKind) -> Double {
    switch kind {
    case .potentiate, .repotentiate: return amplitude
    case .depress: return -amplitude
    case .reset: return resetAmplitude
    }
  }

  /// How long a pulse of `kind` lasts.
  public func width(of kind: PulseKind) -> Double { kind == .reset ? resetWidth : width }

  /// The energy programming pulses dissipate in their devices, V²·t·ΣG:
  /// `conductanceSum` is the sum, over pulses, of the pulsed device's
  /// conductance just before its pulse, in units of `unit` siemens (1: the
  /// sum is in siemens). The cell's own dissipation: lines, drivers and
  /// half-selected cells are not included.
  public func programEnergy(conductanceSum: Double, unit: Double = 1) -> Double {
    amplitude * amplitude * width * unit * conductanceSum
  }

  /// The energy resets dissipate, V_r²·t_r·ΣG, as `programEnergy`.
  public func resetEnergy(conductanceSum: Double, unit: Double = 1) -> Double {
    resetAmplitude * resetAmplitude * resetWidth * unit * conductanceSum
  }
}
