/// The programming side of an array's edge: identical pulses and resets,
/// counted as they are issued.
///
/// Every potentiation or depression pulse is identical (same amplitude and
/// width); a reset is a stronger pulse that returns a device to its initial
/// state. The counts feed the summaries and the energy account.
public struct PulseGenerator: Sendable, Equatable {
  /// Amplitude of an identical programming pulse (V).
  public var amplitude: Double
  /// Width of a programming pulse (s).
  public var width: Double
  /// Amplitude of a reset pulse (V).
  public var resetAmplitude: Double
  /// Width of a reset pulse (s).
  public var resetWidth: Double

  /// Identical pulses issued so far.
  public var pulses: Int = 0
  /// Resets issued so far (one per device reset).
  public var resets: Int = 0

  public init(amplitude: Double = 1, width: Double = 1e-7, resetAmplitude: Double = -1.5, resetWidth: Double = 1e-6) {
    self.amplitude = amplitude
    self.width = width
    self.resetAmplitude = resetAmplitude
    self.resetWidth = resetWidth
  }

  @inlinable public mutating func issuePulse(count: Int = 1) { pulses += count }
  @inlinable public mutating func issueReset(count: Int = 1) { resets += count }
}
