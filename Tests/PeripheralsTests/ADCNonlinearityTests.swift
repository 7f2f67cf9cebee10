import Circuit
import Testing

@testable import Peripherals

/// The ADCs' transition levels (`adc_inl`): each column's converter counts
/// the transitions below its input, transition c at c − ½ + σ·z(j, c) LSB.
@Suite("ADC non-linearity")
struct ADCNonlinearityTests {
  /// The code by brute force: every transition of the converter counted.
  static func bruteForce(_ adc: ADC, _ x: Float, column j: Int, _ e: ADCNonlinearity) -> Float {
    let n = 1 << adc.bits
    let step = 2 * adc.range / Float(n - 1)
    let p = (x + adc.range) / step
    var code = 0
    for c in 1..<n where Float(c) - 0.5 + e.offset(column: j, transition: c) < p { code += 1 }
    return adc.range * Float(2 * code - (n - 1)) / Float(n - 1)
  }

  @Test(
    "a conversion draws only the transitions near its input and reads what counting all of them reads",
    arguments: [1, 3, 6, 10], [Float(1e-3), 0.3, 1, 4, 16])
  func windowIsExact(bits: Int, sigma: Float) {
    let adc = ADC(bits: bits, range: 8)
    let e = ADCNonlinearity(sigma: sigma, key: 0xABCD)
    var rng = SeededGenerator(seed: UInt64(bits) &* 31 &+ UInt64(sigma * 1000))
    for j in 0..<3 {
      for _ in 0..<400 {
        let x = Float(rng.nextUniform() * 20 - 10)
        #expect(adc.convert(x, column: j, errors: e) == Self.bruteForce(adc, x, column: j, e), "x \(x) column \(j)")
      }
      // Beyond the range: the end codes (a transition may lie outside it).
      for x: Float in [.infinity, -.infinity, 1e30, -1e30, 8, -8, 0] {
        #expect(adc.convert(x, column: j, errors: e) == Self.bruteForce(adc, x, column: j, e), "x \(x)")
      }
    }
    #expect(adc.convert(.nan, column: 0, errors: e).isNaN)
  }

  /// Inputs on each transition and a few ulps either side, where the
  /// window's margins matter (a review, session 56: without the upper
  /// margin, only such inputs read otherwise).
  @Test(arguments: [1, 2, 8, 12, 16])
  func onTheTransitions(bits: Int) {
    let n = 1 << bits
    for (range, sigma) in [(Float(8), Float(sign: .plus, exponent: bits - 20, significand: 1)), (1e-9, 0.5), (1e9, 16)] {
      let adc = ADC(bits: bits, range: range)
      let e = ADCNonlinearity(sigma: sigma, key: UInt64(bits))
      let step = 2 * range / Float(n - 1)
      // (Fewer transitions of the wide converters: the brute force counts
      // all 65,535 of them per input.)
      for c in stride(from: 1, to: n, by: max(1, n / (bits > 8 ? 40 : 300))) {
        let t = (Float(c) - 0.5 + e.offset(column: 1, transition: c)) * step - range
        var x = t
        for _ in 0..<3 { x = x.nextDown }
        for _ in 0..<7 {
          #expect(adc.convert(x, column: 1, errors: e) == Self.bruteForce(adc, x, column: 1, e), "\(bits) bits, x \(x) by transition \(c)")
          x = x.nextUp
        }
      }
    }
  }

  @Test("the transfer curve is monotonic and reads every code, crossed transitions taken in order")
  func monotonicAndComplete() {
    let adc = ADC(bits: 6, range: 2)
    let tiny = ADCNonlinearity(sigma: 0.01, key: 7)
    let wild = ADCNonlinearity(sigma: 2, key: 7)
    for j in 0..<4 {
      var last = -Float.infinity
      var codes = Set<Float>(), wildCodes = Set<Float>()
      var lastWild = -Float.infinity
      for k in 0...40_000 {
        let x = -2.5 + 5 * Float(k) / 40_000
        let y = adc.convert(x, column: j, errors: tiny)
        #expect(y >= last)
        last = y
        codes.insert(y)
        let z = adc.convert(x, column: j, errors: wild)
        #expect(z >= lastWild)
        lastWild = z
        wildCodes.insert(z)
      }
      #expect(codes.count == 64)
      // At σ = 2 LSB transitions cross, and are taken in order: a code's
      // width is the gap between neighbouring sorted transitions, some far
      // wider than 1 LSB, and every code wider than two steps of this
      // sweep (0.004 LSB) is read.
      let t = (1..<64).map { Float($0) - 0.5 + wild.offset(column: j, transition: $0) }.sorted()
      #expect(zip(t, t.dropFirst()).map { $1 - $0 }.max()! > 2)
      for c in 0..<64 where c == 0 || c == 63 || t[c] - t[c - 1] > 2 * (5 / 40_000) / (4 / 63) {
        #expect(wildCodes.contains(2 * Float(2 * c - 63) / 63), "code \(c) of column \(j)")
      }
      #expect(wildCodes.count >= 60)
    }
  }

  /// Away from a transition (more than σ·3.7 LSB), a converter reads the
  /// ideal ADC's level; the same key and column give the same converter,
  /// another column or key another.
  @Test func smallErrorsReadAsTheIdealConverterAwayFromTransitions() {
    let adc = ADC(bits: 5, range: 4)
    let e = ADCNonlinearity(sigma: 1e-3, key: 99)
    let step = 8 / Float(31)
    for k in 0..<31 {
      for f in [Float(0.1), 0.5, 0.9] {
        let x = -4 + (Float(k) + f) * step - step / 2
        guard abs(((x + 4) / step + 0.5).truncatingRemainder(dividingBy: 1)) > 0.01 else { continue }
        #expect(adc.convert(x, column: 3, errors: e) == adc.convert(x), "x \(x)")
      }
    }
    let a = (1..<32).map { e.offset(column: 0, transition: $0) }
    #expect(a == (1..<32).map { e.offset(column: 0, transition: $0) })
    #expect(a != (1..<32).map { e.offset(column: 1, transition: $0) })
    #expect(a != (1..<32).map { ADCNonlinearity(sigma: 1e-3, key: 98).offset(column: 0, transition: $0) })
  }

  /// The closed forms: transition offsets N(0, σ²) (INL), code widths − 1
  /// LSB N(0, 2σ²) (DNL), measured from the transfer curves of 40
  /// converters found by bisection, within 5 standard errors.
  @Test func measuredINLAndDNLHaveTheirStatedSpread() {
    let bits = 8, n = 1 << bits, range: Float = 1
    let sigma: Float = 0.15
    let e = ADCNonlinearity(sigma: sigma, key: 2024)
    let step = 2 * range / Float(n - 1)
    var inl: [Double] = [], dnl: [Double] = []
    for j in 0..<40 {
      // Transition c: the least input that reads code c or above.
      var t: [Float] = []
      for c in 1..<n {
        var lo = -range - 8 * step, hi = range + 8 * step
        let target = -range + Float(c) * step - step / 2
        for _ in 0..<40 {
          let mid = (lo + hi) / 2
          if adc(bits, range).convert(mid, column: j, errors: e) >= target { hi = mid } else { lo = mid }
        }
        t.append(hi)
      }
      for c in 1..<n { inl.append(Double(((t[c - 1] + range) / step - (Float(c) - 0.5)) / sigma)) }
      for c in 1..<(n - 1) { dnl.append(Double((t[c] - t[c - 1]) / step - 1) / Double(sigma)) }
    }
    func moments(_ v: [Double]) -> (Double, Double) {
      let m = v.reduce(0, +) / Double(v.count)
      return (m, (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot())
    }
    let (mi, si) = moments(inl), (md, sd) = moments(dnl)
    let ni = Double(inl.count)
    #expect(abs(mi) < 5 / ni.squareRoot(), "INL mean \(mi) σ")
    #expect(abs(si - 1) < 5 / (2 * ni).squareRoot(), "INL sd \(si) σ")
    // Neighbouring widths share a transition: the widths' sd is still
    // √2·σ, their mean ~0 (a telescoping sum, bounded by two offsets).
    #expect(abs(md) < 0.05, "DNL mean \(md) σ")
    #expect(abs(sd - 2.0.squareRoot()) < 5 * 2.0.squareRoot() / (2 * ni).squareRoot(), "DNL sd \(sd) σ")
  }

  private func adc(_ bits: Int, _ range: Float) -> ADC { ADC(bits: bits, range: range) }

  /// The chain converts each column with its own converter, after gain and
  /// offset, and counts clips as without it.
  @Test func theSenseChainConvertsEachColumnWithItsOwnConverter() {
    let e = ADCNonlinearity(sigma: 0.8, key: 5)
    let adc = ADC(bits: 4, range: 2)
    let chain = SenseChain(adc: adc, gain: 0.5, offsets: [0.1, -0.2, 0, 0.3, 0], nonlinearity: e)
    #expect(!chain.isIdeal)
    let currents: [Float] = [1, -3, 0.4, 7, -9]
    var s = [Float](repeating: 0, count: 5)
    let clipped = currents.withUnsafeBufferPointer { i in
      s.withUnsafeMutableBufferPointer { chain.sums(currents: i, scale: 2, into: $0) }
    }
    for j in 0..<5 {
      let x = currents[j] * 2 * 0.5 + chain.offsets[j]
      #expect(s[j] == adc.convert(x, column: j, errors: e))
    }
    #expect(clipped == 3)
    // Offsets and read noise come before the converter: inside the range,
    // where each moves the code (a review, session 56: dropping either
    // had passed).
    let fine = ADC(bits: 8, range: 4)
    let noisy = SenseChain(adc: fine, offsets: [0.3, -0.25, 0.2], noise: 0.4, nonlinearity: e)
    let plain = SenseChain(adc: fine, nonlinearity: e)
    let inside: [Float] = [0.5, -1, 1.5]
    var a = [Float](repeating: 0, count: 3), b = a
    inside.withUnsafeBufferPointer { i in
      a.withUnsafeMutableBufferPointer { _ = noisy.sums(currents: i, scale: 1, into: $0, read: 77) }
      b.withUnsafeMutableBufferPointer { _ = plain.sums(currents: i, scale: 1, into: $0, read: 77) }
    }
    for j in 0..<3 {
      let x = inside[j] + noisy.offsets[j] + 0.4 * ReadNoise.normal(77, j)
      #expect(a[j] == fine.convert(x, column: j, errors: e))
      #expect(b[j] == fine.convert(inside[j], column: j, errors: e))
      #expect(a[j] != b[j], "column \(j): the offset and noise moved nothing")
    }
    #expect(SenseChain(adc: adc).isIdeal == false)
    #expect(SenseChain().isIdeal)
  }
}
