#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard normal draws by table lookup: 4,096 equiprobable quantiles of
/// N(0, 1), indexed by 12 random bits, so one 64-bit draw of a
/// ``SeededGenerator`` gives five normal draws.
///
/// This is the cycle-to-cycle noise of the hot update loops, where a
/// Box–Muller draw per programmed cell would cost more than the update
/// itself. Entry k is Φ⁻¹((k + ½)/4096), then the table is rescaled so that
/// its variance is exactly 1 (mean 0 by symmetry). The tails are cut at
/// ±3.67σ (the outermost quantile, Φ⁻¹(0.5/4096) = −3.668 before the
/// rescale), which a device's programming noise does not miss.
public enum GaussianTable {
  /// Bits of a random word consumed per draw.
  public static let bits = 12
  /// The quantiles, 4,096 of them.
  public static let values: [Float] = {
    let n = 1 << bits
    var z = [Double](repeating: 0, count: n)
    for k in 0..<n {
      let p = (Double(k) + 0.5) / Double(n)
      // Φ(x) = erfc(−x/√2)/2 is increasing: bisection to machine precision.
      var lo = -10.0, hi = 10.0
      for _ in 0..<80 {
        let mid = (lo + hi) / 2
        if 0.5 * erfc(-mid / 2.0.squareRoot()) < p { lo = mid } else { hi = mid }
      }
      z[k] = (lo + hi) / 2
    }
    let variance = z.reduce(0) { $0 + $1 * $1 } / Double(n)
    let s = 1 / variance.squareRoot()
    return z.map { Float($0 * s) }
  }()
}

/// A stream of table-based normal draws from a seeded generator: five per
/// 64-bit word, no state other than the generator and the unused bits.
public struct GaussianStream: Sendable {
  public var generator: SeededGenerator
  @usableFromInline var word: UInt64 = 0
  @usableFromInline var left = 0

  public init(_ generator: SeededGenerator) { self.generator = generator }

  /// The stream's whole state: its generator's four words, the word being
  /// used and its draws left (`init(state:)` goes on from it).
  public var state: [UInt64] { generator.state + [word, UInt64(left)] }

  /// The stream whose state `state` gave; nil unless six words that a
  /// stream can hold (a generator's state, then at most 5 draws left).
  public init?(state: [UInt64]) {
    guard state.count == 6, let g = SeededGenerator(state: Array(state.prefix(4))), state[5] <= 5 else { return nil }
    generator = g
    word = state[4]
    left = Int(state[5])
  }

  /// The next N(0, 1) draw. `table` is ``GaussianTable/values``'s storage
  /// (or a copy with every entry multiplied by the same factor a: then the
  /// draw is a·z, rounded as a·z is).
  @inlinable @inline(__always)
  public mutating func next(_ table: UnsafePointer<Float>) -> Float { draw(table) }

  /// The next draw from a table of any type (e.g. the quantiles as
  /// fixed-point integers): the same bits as `next(_:)` would use.
  @inlinable @inline(__always)
  public mutating func draw<T>(_ table: UnsafePointer<T>) -> T { table[nextIndex()] }

  /// `count` indices, as `count` calls of `nextIndex()` give them (whole
  /// generator words five at a time).
  public mutating func fillIndices(_ out: UnsafeMutablePointer<UInt16>, count: Int) {
    var i = 0
    while i < count && left > 0 {
      out[i] = UInt16(truncatingIfNeeded: nextIndex())
      i += 1
    }
    while i + 5 <= count {
      let w = generator.next()
      out[i] = UInt16(truncatingIfNeeded: w & 0xFFF)
      out[i + 1] = UInt16(truncatingIfNeeded: (w >> 12) & 0xFFF)
      out[i + 2] = UInt16(truncatingIfNeeded: (w >> 24) & 0xFFF)
      out[i + 3] = UInt16(truncatingIfNeeded: (w >> 36) & 0xFFF)
      out[i + 4] = UInt16(truncatingIfNeeded: (w >> 48) & 0xFFF)
      i += 5
    }
    while i < count {
      out[i] = UInt16(truncatingIfNeeded: nextIndex())
      i += 1
    }
  }

  /// The table index of the next draw (0 ..< 2^``GaussianTable/bits``):
  /// `draw(table)` is `table[nextIndex()]`, so indices drawn ahead and
  /// looked up later give the same draws.
  @inlinable @inline(__always)
  public mutating func nextIndex() -> Int {
    if left == 0 {
      word = generator.next()
      left = 5
    }
    let k = Int(truncatingIfNeeded: word & 0xFFF)
    word >>= 12
    left &-= 1
    return k
  }
}
