/// Four xoshiro256** generators in SIMD lanes: 256 random bits per step,
/// for the hot loops that need many random bits at once (stochastic pulse
/// trains). Each lane is seeded from a ``SeededGenerator``, so the whole
/// sequence is fixed by that generator's seed.
///
/// The lane multiplications by 5 and 9 are written as shifts and adds, which
/// AVX2 does four lanes at a time (it has no 64-bit multiply).
public struct LaneGenerator: Sendable {
  @usableFromInline var s0, s1, s2, s3: SIMD4<UInt64>

  /// Seeds the four lanes with 16 draws of `seeder`.
  public init(_ seeder: inout SeededGenerator) {
    func lane() -> SIMD4<UInt64> {
      SIMD4(seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }
    s0 = lane()
    s1 = lane()
    s2 = lane()
    s3 = lane()
  }

  /// The next 256 random bits, as four 64-bit words (one per lane).
  @inlinable @inline(__always)
  public mutating func next() -> SIMD4<UInt64> {
    let r = (s1 &<< 2) &+ s1  // s1·5
    let rot = (r &<< 7) | (r &>> 57)
    let result = (rot &<< 3) &+ rot  // ·9
    let t = s1 &<< 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 &<< 45) | (s3 &>> 19)
    return result
  }
}
