import Circuit
import Foundation

/// The edge circuits of one array's forward read, in signal order.
///
/// 1. The input DAC sets each drive line to x·V_read with x on one of its
///    2^b levels (b = 0: x itself).
/// 2. The array sums the devices' currents on each output line (Kirchhoff).
/// 3. The neuron circuit's transimpedance turns column j's differential
///    current I_j into its weighted sum; nominally s = I/(V_read·G_max),
///    with a gain error s = g·I/(V_read·G_max).
/// 4. Its sense amplifier adds an input-referred offset o_j, fixed per
///    column (a mismatch drawn once), and read noise σ·z_j, drawn anew for
///    every column at every read (z_j standard normal, `ReadNoise`).
/// 5. The ADC digitises s to one of 2^b codes over [−range, range],
///    clipping outside (b = 0: continuous); with `nonlinearity`, each
///    column's converter has its own transition levels (INL).
///
/// So s_j = ADC(g·I_j/(V_read·G_max) + o_j + σ·z_j). With every part
/// ideal (`isIdeal`) each step is the identity, bit for bit.
public struct SenseChain: Sendable {
  public let dac: DAC
  public let adc: ADC
  /// The transimpedance relative to nominal (1: ideal).
  public let gain: Float
  /// The per-column offsets o_j in units of s (empty: none).
  public let offsets: [Float]
  /// σ of the read noise in units of s (0: none).
  public let noise: Float
  /// The ADCs' transition errors, one converter per column (nil: every
  /// converter ideal).
  public let nonlinearity: ADCNonlinearity?

  /// - Precondition: `dac` and `adc` pass their `validate()` (their
  ///   conversions do not check: a DAC of 99 bits had read every drive as
  ///   0, an ADC of range 0 every sum as NaN), `gain` is finite and > 0,
  ///   every offset is finite, `noise` is finite and ≥ 0, and a
  ///   `nonlinearity` has an ADC to act on (`adc.bits` > 0).
  public init(
    dac: DAC = DAC(), adc: ADC = ADC(), gain: Float = 1, offsets: [Float] = [], noise: Float = 0,
    nonlinearity: ADCNonlinearity? = nil
  ) {
    do {
      try dac.validate()
      try adc.validate()
    } catch {
      fatalError("SenseChain: \(error)")
    }
    require(gain.isFinite && gain > 0, "SenseChain: gain must be finite and > 0, got \(gain)")
    require(offsets.allSatisfy(\.isFinite), "SenseChain: every offset must be finite")
    require(noise.isFinite && noise >= 0, "SenseChain: noise must be finite and ≥ 0, got \(noise)")
    self.dac = dac
    self.adc = adc
    self.gain = gain
    self.offsets = offsets
    require(nonlinearity == nil || adc.bits > 0, "SenseChain: a non-linearity needs an ADC (bits > 0)")
    self.noise = noise
    self.nonlinearity = nonlinearity
  }

  /// Every part ideal: drives and sums pass unchanged.
  public var isIdeal: Bool {
    dac.bits == 0 && adc.bits == 0 && gain == 1 && offsets.isEmpty && noise == 0 && nonlinearity == nil
  }

  /// Step 1: the DAC's levels, in place, for drives x in [0, 1].
  @inlinable
  public func quantizeDrive(_ x: UnsafeMutableBufferPointer<Float>) {
    guard dac.bits > 0 else { return }
    for i in 0..<x.count { x[i] = dac.convert(x[i]) }
  }

  /// Steps 3–5: the weighted sums from the output currents, s_j =
  /// ADC(g·scale·I_j + o_j + σ·z_j), `scale` the nominal 1/(V_read·G_max)
  /// and z_j `ReadNoise.normal(read, j)`. Returns how many of them the ADC
  /// clipped (|g·scale·I_j + o_j + σ·z_j| > range; 0 without an ADC).
  ///
  /// - Parameter read: this read's noise key (`ReadNoise.key`): the same
  ///   key draws the same noise, whichever thread reads.
  /// - Precondition: `s` has room for every current, and `offsets` is
  ///   empty or has one per current.
  @inlinable @discardableResult
  public func sums(
    currents out: UnsafeBufferPointer<Float>, scale: Float, into s: UnsafeMutableBufferPointer<Float>, read: UInt64 = 0
  ) -> Int {
    var above = 0
    return sums(currents: out, scale: scale, into: s, read: read, above: &above)
  }

  /// As `sums(currents:scale:into:read:)`, and adds to `above` how many
  /// sums the ADC clipped at its top (g·scale·I_j + o_j + σ·z_j > range):
  /// those a hard sigmoid whose linear region starts at 0 reads inside it
  /// (a sum clipped at −range is below 0 either way).
  @inlinable @discardableResult
  public func sums(
    currents out: UnsafeBufferPointer<Float>, scale: Float, into s: UnsafeMutableBufferPointer<Float>, read: UInt64 = 0,
    above: inout Int
  ) -> Int {
    // Checked once per call: the loops index unsafe buffers, which a
    // release build does not bounds-check (a short `offsets` read past it).
    require(s.count >= out.count, "\(out.count) currents for \(s.count) sums")
    require(
      offsets.isEmpty || offsets.count >= out.count,
      "\(offsets.count) offsets for \(out.count) columns")
    let k = scale * gain
    // (Without an ADC the range is never tested: every sum passes.)
    let range = adc.bits > 0 ? adc.range : .infinity
    var clipped = 0, high = 0
    if let e = nonlinearity {
      // Each column's own converter: the general path (offsets and noise
      // as below, when there are any).
      for j in 0..<out.count {
        let x = out[j] * k + (offsets.isEmpty ? 0 : offsets[j]) + (noise > 0 ? noise * ReadNoise.normal(read, j) : 0)
        clipped += abs(x) > range ? 1 : 0
        high += x > range ? 1 : 0
        s[j] = x
      }
      adc.convert(row: UnsafeMutableBufferPointer(rebasing: s[..<out.count]), errors: e)
    } else if noise > 0 {
      // (The offsets are added as below, then the draw.)
      for j in 0..<out.count {
        let x = out[j] * k + (offsets.isEmpty ? 0 : offsets[j]) + noise * ReadNoise.normal(read, j)
        clipped += abs(x) > range ? 1 : 0
        high += x > range ? 1 : 0
        s[j] = adc.convert(x)
      }
    } else if offsets.isEmpty {
      for j in 0..<out.count {
        let x = out[j] * k
        clipped += abs(x) > range ? 1 : 0
        high += x > range ? 1 : 0
        s[j] = adc.convert(x)
      }
    } else {
      offsets.withUnsafeBufferPointer { o in
        for j in 0..<out.count {
          let x = out[j] * k + o[j]
          clipped += abs(x) > range ? 1 : 0
          high += x > range ? 1 : 0
          s[j] = adc.convert(x)
        }
      }
    }
    above += high
    return clipped
  }
}

/// Read noise drawn from a key rather than a stream: a read's noise is a
/// function of (seed, read, layer, column), so that reads on any thread, in
/// any order, and a run that goes on from a checkpoint draw the same noise.
public enum ReadNoise {
  /// SplitMix64's finaliser (Steele, Lea and Flood 2014).
  @inlinable @inline(__always)
  static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// What a read is, the `kind` of its key: each kind draws apart from
  /// the others (the values are in checkpoints' runs: a run that goes on
  /// draws what it drew, so they never change).
  public enum Kind {
    /// An image of an evaluation, keyed under that evaluation's key.
    public static let evaluationImage: UInt64 = 0
    /// A training image's forward reads (`read_noise`).
    public static let trainingForward: UInt64 = 1
    /// An evaluation of the test set, and one of the training set.
    public static let testEvaluation: UInt64 = 2
    public static let trainingSetEvaluation: UInt64 = 3
    /// A training image's transposed reads (`transposed_read_noise`).
    public static let trainingTransposed: UInt64 = 4
    /// An array's ADC transition levels (`adc_inl`), keyed by the array
    /// (layer) with index 0: drawn once, not per read.
    public static let adcTransitions: UInt64 = 5
  }

  /// The key of one read: `seed`, what is read (`kind`, one of `Kind`'s:
  /// e.g. a training image or an evaluation), its number, and the layer.
  @inlinable
  public static func key(seed: UInt64, kind: UInt64, index: UInt64, layer: Int) -> UInt64 {
    mix(mix(mix(mix(seed) ^ kind) ^ index) ^ UInt64(truncatingIfNeeded: layer))
  }

  /// A standard normal draw for column `j` of the read `read`
  /// (Box–Muller on the two 32-bit halves of one mixed word).
  @inlinable @inline(__always)
  public static func normal(_ read: UInt64, _ j: Int) -> Float {
    let w = mix(read ^ (UInt64(truncatingIfNeeded: j) &* 0xD1B5_4A32_D192_ED03))
    // u1 in (0, 1], u2 in [0, 1).
    let u1 = (Float(w >> 40) + 1) * (1 / 16_777_216)
    let u2 = Float((w >> 8) & 0xFF_FFFF) * (1 / 16_777_216)
    return (-2 * log(u1)).squareRoot() * cos(2 * Float.pi * u2)
  }
}
