import Circuit

/// An input DAC: a value in [0, 1] becomes one of 2^b evenly spaced read
/// voltages (b = 0: ideal, the value itself).
public struct DAC: Sendable, Equatable {
  /// Resolution in bits, 0 (ideal) or 1…16.
  public var bits: Int

  public init(bits: Int = 0) { self.bits = bits }

  /// - Throws: `ConfigurationError` (field `dac_bits`) outside 0…16.
  public func validate() throws {
    guard bits >= 0 && bits <= 16 else {
      throw ConfigurationError(field: "dac_bits", "must be 0 (ideal) or 1...16 bits, got \(bits)")
    }
  }

  /// Levels, 2^b (0: continuous).
  public var levels: Int { bits == 0 ? 0 : 1 << bits }

  /// The nearest of the 2^b levels k/(2^b − 1) to x clamped to [0, 1].
  ///
  /// A kernel: it does not check `bits` (call `validate()` first, as
  /// `SenseChain` does; beyond 16 bits the levels are meaningless).
  @inlinable
  public func convert(_ x: Float) -> Float {
    guard bits > 0 else { return x }
    let top = Float((1 << bits) - 1)
    return (min(max(x, 0), 1) * top).rounded() / top
  }

  /// A signed drive in [−1, 1] (δ on a transposed read): the DAC sets the
  /// magnitude, a polarity switch the sign.
  @inlinable
  public func convertSigned(_ x: Float) -> Float {
    x < 0 ? -convert(-x) : convert(x)
  }
}

/// An output ADC: a signed value becomes one of 2^b evenly spaced codes
/// over [−range, +range]; values outside the range clip (b = 0: ideal).
public struct ADC: Sendable, Equatable {
  /// Resolution in bits, 0 (ideal) or 1…16.
  public var bits: Int
  /// Full scale: codes span [−range, +range].
  public var range: Float

  public init(bits: Int = 0, range: Float = 1) {
    self.bits = bits
    self.range = range
  }

  /// - Throws: `ConfigurationError` (`adc_bits`, `adc_range`).
  public func validate() throws {
    guard bits >= 0 && bits <= 16 else {
      throw ConfigurationError(field: "adc_bits", "must be 0 (ideal) or 1...16 bits, got \(bits)")
    }
    guard range.isFinite && range > 0 else {
      throw ConfigurationError(field: "adc_range", "must be > 0, got \(range)")
    }
  }

  /// Levels, 2^b (0: continuous).
  public var levels: Int { bits == 0 ? 0 : 1 << bits }

  /// The nearest of the 2^b levels −range + k·2·range/(2^b − 1) to x.
  /// The levels are symmetric about 0 and there is no zero code (a
  /// mid-rise converter): the magnitude is quantised and the sign kept, so
  /// convert(−x) = −convert(x), and 0 reads as the first level above it.
  /// Ties go to the larger magnitude.
  ///
  /// A kernel: it does not check `bits` or `range` (call `validate()`
  /// first, as `SenseChain` does; a range of 0 gives NaN).
  @inlinable
  public func convert(_ x: Float) -> Float {
    guard bits > 0 else { return x }
    let top = Float((1 << bits) - 1)
    let half = Float(1 << (bits - 1))
    // Positive levels range·(2k + 1)/top, k = 0 … half − 1.
    let a = min(abs(x), range)
    let k = min(max(((a * top / range - 1) / 2).rounded(), 0), half - 1)
    let level = range * (2 * k + 1) / top
    return x < 0 ? -level : level
  }

  /// x read by column j's converter of an array whose transitions are
  /// off by `errors` (`ADCNonlinearity`): the code is the number of
  /// transitions below x. Only the transitions within σ·`bound` LSB of x
  /// (and one more each side, for rounding) are drawn; those below are
  /// counted, those above not. NaN reads as NaN; ±∞ clip.
  ///
  /// A kernel: `bits` must be 1…16 and `range` > 0 (`validate()`).
  @inlinable
  public func convert(_ x: Float, column j: Int, errors e: ADCNonlinearity) -> Float {
    guard bits > 0, !x.isNaN else { return x }
    let n = 1 << bits
    let top = Float(n - 1)
    let step = 2 * range / top
    // (A range near Float's largest has no finite step: read as the ideal
    // converter; `adc_range` is at most 1e9.)
    guard step.isFinite else { return convert(x) }
    // x in LSB above the bottom code, kept where Int conversion is safe:
    // beyond w LSB outside the codes, every transition is above it (or
    // below), as it is for x itself.
    let w = e.sigma * ADCNonlinearity.bound
    let p = min(max((x + range) / step, -2 - w), top + 2 + w)
    // Transition c is surely below p for c < p + ½ − w, surely not for
    // c ≥ p + ½ + w.
    let below = Int((p + 0.5 - w).rounded(.up)) - 2
    let above = Int((p + 0.5 + w).rounded(.up)) + 1
    var code = min(max(below, 0), n - 1)
    var c = max(below + 1, 1)
    let last = min(above - 1, n - 1)
    let converter = e.columnsPerConverter == 1 ? j : j / e.columnsPerConverter
    if e.tableBits == bits && converter < e.tableConverters {
      // The converter's transition levels drawn once and sorted
      // (`tabulated`): the code is how many lie below p, found from the
      // ideal converter's count by a step or two (the same count as the
      // drawing loop's below, the same levels compared).
      code = e.table.withUnsafeBufferPointer { ADC.code(below: p, levels: $0.baseAddress! + converter * n, count: n) }
    } else {
      while c <= last {
        if Float(c) - 0.5 + e.offset(column: j, transition: c) < p { code += 1 }
        c += 1
      }
    }
    // The ideal converter's level of that code, to the bit: range·m/top
    // with m = 2·code − top odd.
    return range * Float(2 * code - (n - 1)) / top
  }
}

extension ADC {
  /// How many of a converter's n − 1 sorted transition levels lie below p
  /// (LSB above the bottom code, within its clamps): from the ideal
  /// converter's count, a step or two up or down.
  @inlinable @inline(__always)
  static func code(below p: Float, levels: UnsafePointer<Float>, count n: Int) -> Int {
    var k = min(max(Int((p + 0.5).rounded(.down)), 0), n - 1)
    while k < n - 1 && levels[k] < p { k += 1 }
    while k > 0 && levels[k - 1] >= p { k -= 1 }
    return k
  }

  /// `convert(_:column:errors:)` of every element of a row in place,
  /// element j read by column j's converter: the same codes, with the
  /// constants worked once and a tabulated converter's levels
  /// (`ADCNonlinearity.tabulated`) searched in line.
  @inlinable
  public func convert(row s: UnsafeMutableBufferPointer<Float>, errors e: ADCNonlinearity) {
    let n = 1 << bits
    let top = Float(n - 1)
    let step = 2 * range / top
    guard bits > 0, e.tableBits == bits, step.isFinite else {
      for j in s.indices { s[j] = convert(s[j], column: j, errors: e) }
      return
    }
    let w = e.sigma * ADCNonlinearity.bound
    let low = -2 - w, high = top + 2 + w
    let share = e.columnsPerConverter, converters = e.tableConverters
    e.table.withUnsafeBufferPointer { t in
      let base = t.baseAddress!
      for j in s.indices {
        let x = s[j]
        guard !x.isNaN else { continue }
        let converter = share == 1 ? j : j / share
        guard converter < converters else {
          s[j] = convert(x, column: j, errors: e)
          continue
        }
        // As `convert(_:column:errors:)` works them.
        let p = min(max((x + range) / step, low), high)
        let code = ADC.code(below: p, levels: base + converter * n, count: n)
        s[j] = range * Float(2 * code - (n - 1)) / top
      }
    }
  }
}

/// The transition levels of an array's ADCs, one converter per output
/// column, each off its ideal place by a mismatch drawn once: the
/// integral non-linearity of a real converter.
///
/// Code c of 2^b (0 … 2^b − 1) reads −range + c·LSB, LSB = 2·range/(2^b − 1),
/// as `ADC` does. The transition from code c − 1 to code c sits at
/// c − ½ + σ·z(j, c) LSB above the bottom code, with z(j, c) a standard
/// normal draw for column j's converter (`GaussianTable`: tails cut at
/// ±`bound`, 3.67σ), keyed by (key, j, c) so that every read of column j
/// meets the same converter. An input reads as the number of transitions
/// below it (a flash converter's thermometer code, counted): the transfer
/// curve is monotonic, transitions that cross are in effect taken in
/// order, and no code goes missing (a code's width is the gap between
/// neighbouring transitions, 0 only where two coincide).
///
/// So where transitions rarely cross (σ up to about 0.3 LSB) the INL at
/// transition c is σ·z(j, c) LSB, and the DNL of code c, σ·(z(j, c + 1) −
/// z(j, c)), has σ·√2. σ = 0 is the ideal `ADC` (use `ADC.convert(_:)`:
/// this model's tie at a transition goes to the lower code, the ideal
/// converter's to the larger magnitude).
public struct ADCNonlinearity: Sendable, Equatable {
  /// σ of each transition's offset from its ideal level, in LSB (> 0).
  public let sigma: Float
  /// The draws' key: the run's seed and the array (`ReadNoise.key`).
  public let key: UInt64
  /// Columns that share one converter (a multiplexer): column j is read
  /// by converter ⌊j / columnsPerConverter⌋.
  public let columnsPerConverter: Int

  /// - Precondition: 0 < `sigma` ≤ 16 LSB, `columnsPerConverter` ≥ 1.
  public init(sigma: Float, key: UInt64, columnsPerConverter: Int = 1) {
    require(columnsPerConverter >= 1, "ADCNonlinearity: columnsPerConverter must be ≥ 1, got \(columnsPerConverter)")
    self.columnsPerConverter = columnsPerConverter
    // (Beyond 16 LSB a conversion's window of transitions grows without
    // use, and from about 1e9 its bounds no longer convert to Int.)
    require(sigma.isFinite && sigma > 0 && sigma <= 16, "ADCNonlinearity: sigma must be in (0, 16] LSB, got \(sigma)")
    self.sigma = sigma
    self.key = key
  }

  /// Every converter's transition levels in LSB above the bottom code
  /// (c − ½ + `offset` for transition c, as `ADC.convert` compares them),
  /// sorted, converter by converter, 2^`tableBits` entries each (the
  /// last unused), when `tabulated`; empty otherwise.
  public private(set) var table: [Float] = []
  /// The bits and the number of converters `table` holds (0: none).
  public private(set) var tableBits = 0, tableConverters = 0
  /// The most entries `tabulated` keeps (16 MB of offsets).
  public static let maximumTable = 1 << 22

  /// The same converters with the transition levels of the first
  /// `columns` columns' converters at `bits` bits drawn once and sorted,
  /// so that a conversion finds its code among them instead of drawing
  /// and comparing each transition near its input (session 58: those
  /// draws and unpredictable branches were over half of a run with
  /// `adc_inl`).
  /// Unchanged when the table would exceed `maximumTable` entries (16
  /// bits over more than 64 converters): those conversions draw them.
  public func tabulated(bits: Int, columns: Int) -> ADCNonlinearity {
    require((1...16).contains(bits) && columns >= 1, "ADCNonlinearity.tabulated: bits 1…16 and columns ≥ 1")
    let converters = (columns + columnsPerConverter - 1) / columnsPerConverter, n = 1 << bits
    guard converters * n <= Self.maximumTable else { return self }
    var copy = self
    var t = [Float](repeating: 0, count: converters * n)
    for k in 0..<converters {
      var levels = (1..<n).map { c in Float(c) - 0.5 + offset(column: k * columnsPerConverter, transition: c) }
      levels.sort()
      for (i, v) in levels.enumerated() { t[k * n + i] = v }
    }
    copy.table = t
    copy.tableBits = bits
    copy.tableConverters = converters
    return copy
  }

  /// The largest |z| a draw can take (the table's outermost quantile).
  public static let bound: Float = GaussianTable.values.map(abs).max()!

  /// σ·z(j, c): transition c's offset in column j's converter, in LSB.
  @inlinable
  public func offset(column j: Int, transition c: Int) -> Float {
    let converter = columnsPerConverter == 1 ? j : j / columnsPerConverter
    let w = ReadNoise.mix(
      key ^ (UInt64(truncatingIfNeeded: converter) &* 0xD1B5_4A32_D192_ED03)
        ^ (UInt64(truncatingIfNeeded: c) &* 0x8CB9_2BA7_2F3D_8DD7))
    return sigma * GaussianTable.values[Int(truncatingIfNeeded: w >> UInt64(64 - GaussianTable.bits))]
  }
}

/// What converters and pulses cost: a documented figure-of-merit model.
///
/// - ADC: E = FoM_ADC · 2^b per conversion (Walden's figure of merit,
///   J per conversion step), and b cycles of `adcCycle` per conversion
///   (successive approximation).
/// - DAC: E = FoM_DAC · 2^b per conversion. Its settling (`dacSettle`)
///   overlaps the previous read's conversion and is not booked as latency.
/// - An ideal converter (b = 0) is modelled as 8 bits for energy and time.
/// - Programming: a pulse of V_p for t_p into a device of conductance G
///   costs V_p²·G·t_p; a reset, V_r²·G·t_r (G before the reset).
public struct ConverterCosts: Sendable, Equatable {
  public var adcFigureOfMerit: Double
  public var dacFigureOfMerit: Double
  public var adcCycle: Double
  public var dacSettle: Double

  /// Defaults: 50 fJ per conversion step (a good SAR ADC), 10 fJ per DAC
  /// level, 1 ns per SAR cycle, 1 ns DAC settling. Assumptions, not fits.
  public init(
    adcFigureOfMerit: Double = 50e-15, dacFigureOfMerit: Double = 10e-15, adcCycle: Double = 1e-9,
    dacSettle: Double = 1e-9
  ) {
    self.adcFigureOfMerit = adcFigureOfMerit
    self.dacFigureOfMerit = dacFigureOfMerit
    self.adcCycle = adcCycle
    self.dacSettle = dacSettle
  }

  static func effectiveBits(_ b: Int) -> Int {
    // The converters' own range (`DAC.validate`, `ADC.validate`): 2^62
    // steps had booked 2.3e5 J a conversion, 2^64 wrapped to 0 J.
    require((0...16).contains(b), "converter bits must be 0 (ideal) or 1...16, got \(b)")
    return b == 0 ? 8 : b
  }

  /// Energy of one ADC conversion at b bits (J).
  ///
  /// - Precondition (here and below): b in 0…16, the converters' range.
  public func adcEnergy(bits: Int) -> Double { adcFigureOfMerit * Double(1 << Self.effectiveBits(bits)) }
  /// Energy of one DAC conversion at b bits (J).
  public func dacEnergy(bits: Int) -> Double { dacFigureOfMerit * Double(1 << Self.effectiveBits(bits)) }
  /// Time of one ADC conversion at b bits (s).
  public func adcTime(bits: Int) -> Double { adcCycle * Double(Self.effectiveBits(bits)) }
}

/// Energy and latency booked by component, as a run goes.
public struct EnergyLedger: Sendable, Equatable {
  /// Array reads, Σ V·I·t over every device of every read (J).
  public var read = 0.0
  /// Programming pulses, Σ V_p²·G·t_p (J).
  public var program = 0.0
  /// Resets, Σ V_r²·G·t_r (J).
  public var reset = 0.0
  /// Converters (J).
  public var adc = 0.0
  public var dac = 0.0
  /// The update slots' half-selected cells, Σ (V/2)²·G·t over the cells a
  /// slot's driven lines put V/2 across (J); nil where a trainer does not
  /// book them (then neither `energy` nor the breakdown has them).
  public var halfSelect: Double? = nil
  /// Charging the lines (J): C·V² for each line the reads drive to V, and
  /// each line the update slots drive, C its cells × `line_capacitance`
  /// (the line returning to 0 V after it); nil where `line_capacitance`
  /// is 0 (then neither `energy` nor the breakdown has them).
  public var readLines: Double? = nil
  public var updateLines: Double? = nil
  /// The two together (nil when neither is booked).
  public var lines: Double? {
    readLines == nil && updateLines == nil ? nil : (readLines ?? 0) + (updateLines ?? 0)
  }
  /// Latency (s): reads (with conversions) and update phases.
  public var readTime = 0.0
  public var updateTime = 0.0

  public init() {}

  public var energy: Double { read + program + reset + adc + dac + (halfSelect ?? 0) + (readLines ?? 0) + (updateLines ?? 0) }
  public var latency: Double { readTime + updateTime }

  /// The components by name, for summaries (`half_select`, `read_lines`
  /// and `update_lines` only where booked).
  public var energyBreakdown: [(String, Double)] {
    [("read", read), ("program", program), ("reset", reset), ("adc", adc), ("dac", dac)]
      + (halfSelect.map { [("half_select", $0)] } ?? []) + (readLines.map { [("read_lines", $0)] } ?? [])
      + (updateLines.map { [("update_lines", $0)] } ?? [])
  }
  public var latencyBreakdown: [(String, Double)] { [("read", readTime), ("update", updateTime)] }

  /// Two ledgers summed (the parts of a run trained in parts): a component
  /// that either books is booked.
  public static func + (a: EnergyLedger, b: EnergyLedger) -> EnergyLedger {
    func sum(_ x: Double?, _ y: Double?) -> Double? { x == nil && y == nil ? nil : (x ?? 0) + (y ?? 0) }
    var s = EnergyLedger()
    s.read = a.read + b.read
    s.program = a.program + b.program
    s.reset = a.reset + b.reset
    s.adc = a.adc + b.adc
    s.dac = a.dac + b.dac
    s.halfSelect = sum(a.halfSelect, b.halfSelect)
    s.readLines = sum(a.readLines, b.readLines)
    s.updateLines = sum(a.updateLines, b.updateLines)
    s.readTime = a.readTime + b.readTime
    s.updateTime = a.updateTime + b.updateTime
    return s
  }
}
