/// A seeded, reproducible random number generator (xoshiro256**).
///
/// Every random draw in xbarsim goes through one of these, so the same seed
/// gives the same result on every machine. Seeding expands the 64-bit seed
/// with SplitMix64, as the xoshiro authors recommend.
///
/// Source: D. Blackman and S. Vigna, "Scrambled linear pseudorandom number
/// generators", ACM TOMS 47(4), 2021.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  @usableFromInline var s0, s1, s2, s3: UInt64

  /// Creates a generator whose whole sequence is fixed by `seed`.
  public init(seed: UInt64) {
    var sm = seed
    func splitMix(_ x: inout UInt64) -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitMix(&sm)
    s1 = splitMix(&sm)
    s2 = splitMix(&sm)
    s3 = splitMix(&sm)
  }

  /// The generator's whole state (four words), to save and go on from
  /// (`init(state:)`).
  public var state: [UInt64] { [s0, s1, s2, s3] }

  /// The generator whose state `state` gave; nil unless four words, not
  /// all zero (xoshiro's one dead state).
  public init?(state: [UInt64]) {
    guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
    (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
  }

  /// A generator for an independent stream derived from this seed and a
  /// label, so that sub-systems (populations, shuffles, noise) do not share
  /// one sequence and adding draws to one does not shift another.
  public init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed &+ 0x632B_E59B_D9B4_E019 &* (stream &+ 1))
  }

  @inlinable @inline(__always)
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// A uniform draw in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextUniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal draw N(0, 1) (Box-Muller; one of the pair is used,
  /// so the sequence does not depend on hidden cached state).
  @inlinable
  public mutating func nextGaussian() -> Double {
    var u1 = nextUniform()
    if u1 < 0x1.0p-60 { u1 = 0x1.0p-60 }
    let u2 = nextUniform()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
  }
}

// Foundation-free math for @inlinable code in this module.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@usableFromInline func _log(_ x: Double) -> Double { log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { cos(x) }
