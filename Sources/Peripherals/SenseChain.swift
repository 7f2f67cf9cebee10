/// The edge circuits of one array's forward read, in signal order.
///
/// 1. The input DAC sets each drive line to x·V_read with x on one of its
///    2^b levels (b = 0: x itself).
/// 2. The array sums the devices' currents on each output line (Kirchhoff).
/// 3. The neuron circuit's transimpedance turns column j's differential
///    current I_j into its weighted sum; nominally s = I/(V_read·G_max),
///    with a gain error s = g·I/(V_read·G_max).
/// 4. Its sense amplifier adds an input-referred offset o_j, fixed per
///    column (a mismatch drawn once, not noise).
/// 5. The ADC digitises s to one of 2^b codes over [−range, range],
///    clipping outside (b = 0: continuous).
///
/// So s_j = ADC(g·I_j/(V_read·G_max) + o_j). With every part ideal
/// (`isIdeal`) each step is the identity, bit for bit.
public struct SenseChain: Sendable {
  public let dac: DAC
  public let adc: ADC
  /// The transimpedance relative to nominal (1: ideal).
  public let gain: Float
  /// The per-column offsets o_j in units of s (empty: none).
  public let offsets: [Float]

  /// - Precondition: `dac` and `adc` pass their `validate()` (their
  ///   conversions do not check: a DAC of 99 bits had read every drive as
  ///   0, an ADC of range 0 every sum as NaN), `gain` is finite and > 0,
  ///   and every offset is finite.
  public init(dac: DAC = DAC(), adc: ADC = ADC(), gain: Float = 1, offsets: [Float] = []) {
    do {
      try dac.validate()
      try adc.validate()
    } catch {
      preconditionFailure("SenseChain: \(error)")
    }
    precondition(gain.isFinite && gain > 0, "SenseChain: gain must be finite and > 0, got \(gain)")
    precondition(offsets.allSatisfy(\.isFinite), "SenseChain: every offset must be finite")
    self.dac = dac
    self.adc = adc
    self.gain = gain
    self.offsets = offsets
  }

  /// Every part ideal: drives and sums pass unchanged.
  public var isIdeal: Bool { dac.bits == 0 && adc.bits == 0 && gain == 1 && offsets.isEmpty }

  /// Step 1: the DAC's levels, in place, for drives x in [0, 1].
  @inlinable
  public func quantizeDrive(_ x: UnsafeMutableBufferPointer<Float>) {
    guard dac.bits > 0 else { return }
    for i in 0..<x.count { x[i] = dac.convert(x[i]) }
  }

  /// Steps 3–5: the weighted sums from the output currents, s_j =
  /// ADC(g·scale·I_j + o_j), `scale` the nominal 1/(V_read·G_max).
  /// Returns how many of them the ADC clipped (|g·scale·I_j + o_j| >
  /// range; 0 without an ADC).
  ///
  /// - Precondition: `s` has room for every current, and `offsets` is
  ///   empty or has one per current.
  @inlinable @discardableResult
  public func sums(
    currents out: UnsafeBufferPointer<Float>, scale: Float, into s: UnsafeMutableBufferPointer<Float>
  ) -> Int {
    // Checked once per call: the loops index unsafe buffers, which a
    // release build does not bounds-check (a short `offsets` read past it).
    precondition(s.count >= out.count, "\(out.count) currents for \(s.count) sums")
    precondition(
      offsets.isEmpty || offsets.count >= out.count,
      "\(offsets.count) offsets for \(out.count) columns")
    let k = scale * gain
    // (Without an ADC the range is never tested: every sum passes.)
    let range = adc.bits > 0 ? adc.range : .infinity
    var clipped = 0
    if offsets.isEmpty {
      for j in 0..<out.count {
        let x = out[j] * k
        clipped += abs(x) > range ? 1 : 0
        s[j] = adc.convert(x)
      }
    } else {
      offsets.withUnsafeBufferPointer { o in
        for j in 0..<out.count {
          let x = out[j] * k + o[j]
          clipped += abs(x) > range ? 1 : 0
          s[j] = adc.convert(x)
        }
      }
    }
    return clipped
  }
}
