import Circuit
import Foundation

/// Row and column pulse trains for the fully parallel ("coincidence")
/// update of a crossbar (Gokmen & Vlasov 2016; Choi et al. 2021, Fig. 1B).
///
/// During an update phase every row driver sends a train of BL time slots
/// encoding its neuron's |x_i| and every column driver a train encoding
/// its |δ_j|, all at the same time. A row pulse is +V_w/2 on the row line
/// and a column pulse −V_w/2 on the column line, so a cell sees the full
/// V_w only in a slot where both fire (a coincidence) and is programmed
/// once per coincidence; a cell whose row or column alone fires sees V_w/2
/// (half-selected), which does nothing below the device's threshold.
///
/// A train of BL ≤ 64 slots is one machine word, bit t = slot t, so a
/// cell's coincidence count is `popcount(row & column)`.
///
/// Encodings:
/// - ``stochastic(_:_:)``: every slot fires independently with probability
///   p (Gokmen & Vlasov): E[coincidences] = BL·p_i·q_j, so the expected
///   update is the outer product.
/// - ``thermometer(_:)`` for rows and ``spread(_:)`` for columns: the
///   deterministic encoding, round(p·BL) pulses from slot 0 on the row and
///   round(q·BL) pulses spread evenly over the BL slots on the column; the
///   overlap is ⌊(a·b + ⌊BL/2⌋)/BL⌋ for a row with a pulses and a column
///   with b, the outer product rounded to the nearest pulse, with no noise.
public struct PulseTrainEncoder: Sendable, Equatable {
  /// Slots per train, BL, in 1...64.
  public let length: Int
  /// The low `length` bits set.
  public let mask: UInt64
  /// ⌊16384/BL⌋: a stochastic train with a smaller t = ⌊p·65536⌋ is sparse.
  @usableFromInline let sparseBelow: UInt32

  /// - Throws: `ConfigurationError` (field `bl`) unless 1 ≤ BL ≤ 64.
  public init(length: Int) throws {
    guard length >= 1 && length <= 64 else {
      throw ConfigurationError(field: "bl", "pulse-train length must be in 1...64 slots, got \(length)")
    }
    self.length = length
    mask = length == 64 ? ~0 : (1 << UInt64(length)) - 1
    sparseBelow = UInt32(16_384 / length)
  }

  /// A stochastic train: each slot fires independently with probability
  /// p (clamped to [0, 1]) for a sparse train, and p' = ⌊p·65536⌋/65536
  /// (16-bit resolution, low by less than 2⁻¹⁶, under 0.4 % of p) for a
  /// dense one.
  ///
  /// Two ways to draw it, by the expected number of pulses BL·p (the
  /// split is at t = ⌊p·65536⌋ = ⌊16384/BL⌋, BL·p ≈ 1/4):
  /// - dense: slot 16·b + k compares the k-th 16-bit field
  ///   of four random words r_0…r_3 (field k is bits 16·(k mod 4) … of
  ///   r_⌊k/4⌋) with t = ⌊p·65536⌋, branch-free in SIMD lanes: 4 words per
  ///   16 slots.
  /// - sparse (e.g. the columns of a small δ): the gaps
  ///   between pulses, each Geometric(p) with p itself (in double
  ///   precision: the 16-bit floor would take up to half of a small δ's
  ///   expected update, and all of one below 2⁻¹⁶), drawn by inversion
  ///   from a uniform u ∈ (0, 1]: gap = ⌊ln u / ln(1 − p)⌋. The train is
  ///   empty when the first gap reaches BL, i.e. u ≤ (1 − p)^BL, which
  ///   holds whenever u ≤ 1 − BL·p (Bernoulli's inequality): most sparse
  ///   trains cost one draw and no logarithm; at most one more per pulse.
  @inlinable
  public func stochastic(_ p: Float, _ rng: inout SeededGenerator) -> UInt64 {
    if !(p > 0) { return 0 }
    if p >= 1 { return mask }
    let t = UInt32(min(65535, p * 65536))
    if t < sparseBelow { return sparse(Double(p), &rng) }
    // In 32-bit lanes r − t wraps above 2³¹ exactly when r < t: its top bit
    // is the slot's bit. Lane L of a block's four words holds fields 2L
    // (low half) and 2L + 1 (high half), so its two bits go to slots
    // 2L and 2L + 1 of the block: shifted there, the lanes' bits are
    // disjoint and their sum is their OR. Blocks 0 and 1 fill the low 32
    // slots, blocks 2 and 3 the high ones.
    let threshold = SIMD8<UInt32>(repeating: t)
    let place = SIMD8<UInt32>(0, 2, 4, 6, 8, 10, 12, 14)
    var low = SIMD8<UInt32>(), high = low
    var block: UInt32 = 0
    while Int(block) * 16 < length {
      let words = SIMD4<UInt64>(rng.next(), rng.next(), rng.next(), rng.next())
      let x = unsafeBitCast(words, to: SIMD8<UInt32>.self)
      let pair = (((x & 0xFFFF) &- threshold) &>> 31) | ((((x &>> 16) &- threshold) &>> 31) &<< 1)
      let placed = pair &<< (place &+ (block & 1) &* 16)
      if block < 2 { low |= placed } else { high |= placed }
      block += 1
    }
    let train = UInt64(low.wrappedSum()) | UInt64(high.wrappedSum()) << 32
    return train & mask
  }

  /// The sparse way of ``stochastic(_:_:)``: geometric gaps between
  /// pulses with probability `q` ∈ (0, 1) per slot, for ⌊q·65536⌋ below
  /// ⌊16384/BL⌋.
  @inlinable
  func sparse(_ q: Double, _ rng: inout SeededGenerator) -> UInt64 {
    // u ∈ (0, 1] from the top 53 bits.
    var u = Double(rng.next() >> 11 &+ 1) * 0x1p-53
    if u <= 1 - Double(length) * q { return 0 }
    let l = log1p(-q)
    var train: UInt64 = 0
    var slot = 0
    while true {
      let gap = log(u) / l
      if gap >= Double(length - slot) { return train }
      slot += Int(gap)
      train |= 1 &<< UInt64(slot)
      slot += 1
      if slot == length { return train }
      u = Double(rng.next() >> 11 &+ 1) * 0x1p-53
    }
  }

  /// The deterministic row code: round(p·BL) pulses in the first slots.
  @inlinable
  public func thermometer(_ p: Float) -> UInt64 {
    let a = pulseCount(p)
    return a == 64 ? ~0 : (1 << UInt64(a)) - 1
  }

  /// The deterministic column code: b = round(q·BL) pulses spread evenly
  /// and centred in their intervals, slot t firing when
  /// ⌊((t+1)·b + h)/BL⌋ > ⌊(t·b + h)/BL⌋ with h = ⌊BL/2⌋ (Bresenham with
  /// a half-interval phase), so the first a slots hold ⌊(a·b + h)/BL⌋ of
  /// them: the product a·b/BL rounded to the nearest integer (halves up
  /// for an even BL), not truncated.
  @inlinable
  public func spread(_ q: Float) -> UInt64 {
    let b = pulseCount(q)
    let h = length / 2
    var train: UInt64 = 0
    for t in 0..<length where ((t + 1) * b + h) / length > (t * b + h) / length {
      train |= 1 << UInt64(t)
    }
    return train
  }

  /// round(p·BL), with p clamped to [0, 1]; a NaN p counts as 0, as in
  /// ``stochastic(_:_:)`` (an empty train).
  @inlinable
  public func pulseCount(_ p: Float) -> Int {
    // `max(p, 0)` keeps a NaN, which `Int(_:)` traps on.
    Int(((p > 0 ? min(p, 1) : 0) * Float(length)).rounded())
  }

  /// Slots in which a cell sees the full write voltage.
  @inlinable @inline(__always)
  public static func coincidences(row: UInt64, column: UInt64) -> Int {
    (row & column).nonzeroBitCount
  }

  /// Slots in which a cell sees half the write voltage: its row or its
  /// column fires, not both.
  @inlinable @inline(__always)
  public static func halfSelections(row: UInt64, column: UInt64) -> Int {
    (row ^ column).nonzeroBitCount
  }
}

/// The write voltages of a coincidence update and what a half-selected
/// cell does.
///
/// A cell in a coincidence sees V_w and takes one full step; a
/// half-selected cell sees V_w/2 and is left alone while V_w/2 is below the
/// device's write threshold V_th (the default, V_th = 0.75·V_w). Above it,
/// the optional disturb model moves it by `disturbStep` of a full step per
/// half-selected slot, in the direction its line drives.
public struct WriteDrive: Sendable, Equatable {
  /// Full write voltage V_w seen by a cell in a coincidence (V).
  public var voltage: Double
  /// The device's write threshold V_th (V).
  public var threshold: Double
  /// Fraction of a full step a half-selected slot moves a device when
  /// V_w/2 ≥ V_th.
  public var disturbStep: Double

  public init(voltage: Double = 1, threshold: Double = 0.75, disturbStep: Double = 0.1) {
    self.voltage = voltage
    self.threshold = threshold
    self.disturbStep = disturbStep
  }

  /// Whether half-selected cells change (V_w/2 ≥ V_th, and a non-zero
  /// disturb step).
  public var disturbsHalfSelected: Bool { voltage / 2 >= threshold && disturbStep > 0 }

  /// - Throws: `ConfigurationError` naming `write_voltage`,
  ///   `write_threshold` or `disturb_step`.
  public func validate() throws {
    guard voltage.isFinite && voltage > 0 else {
      throw ConfigurationError(field: "write_voltage", "must be > 0 V, got \(ConfigurationError.shown(voltage))")
    }
    guard threshold.isFinite && threshold > 0 && threshold <= voltage else {
      throw ConfigurationError(
        field: "write_threshold", "must be in (0, write_voltage = \(ConfigurationError.shown(voltage))] V so that a coincidence programs, got \(ConfigurationError.shown(threshold))")
    }
    guard disturbStep.isFinite && disturbStep >= 0 && disturbStep <= 1 else {
      throw ConfigurationError(field: "disturb_step", "must be in [0, 1] of a step, got \(ConfigurationError.shown(disturbStep))")
    }
  }
}
