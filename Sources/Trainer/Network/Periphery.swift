import Circuit
import Peripherals

extension TrainingConfiguration {
  /// Each layer's forward-read periphery (DAC, transimpedance, sense
  /// offsets and read noise, ADC) and its comparators, one per output column (`threshold`
  /// at the output, `hidden_threshold` inside), for layers of `columns`
  /// outputs; rules lim, hybrid and single alike.
  ///
  /// The offsets are mismatches, drawn once per column from their own
  /// streams (21: sense, 22: comparators), so the devices' and the pulse
  /// trains' draws do not move with them; the ADCs' transition levels
  /// (`adc_inl`) are keyed draws (seed, layer, column, transition).
  func periphery(columns: [Int]) -> (chains: [SenseChain], comparators: [[Comparator]]) {
    var senseRNG = SeededGenerator(seed: seed, stream: 21)
    let chains = columns.enumerated().map { l, n in
      SenseChain(
        dac: DAC(bits: dacBits), adc: ADC(bits: adcBits, range: Float(l == columns.count - 1 ? outputADCRange : adcRange)),
        gain: Float(tiaGain),
        offsets: senseOffset > 0 ? (0..<n).map { _ in Float(senseOffset * senseRNG.nextGaussian()) } : [],
        noise: Float(readNoise),
        nonlinearity: adcINL > 0
          ? ADCNonlinearity(
            sigma: Float(adcINL), key: ReadNoise.key(seed: seed, kind: ReadNoise.Kind.adcTransitions, index: 0, layer: l),
            columnsPerConverter: adcColumns
          ).tabulated(bits: adcBits, columns: n)
          : nil)
    }
    return (chains, comparators(columns: columns))
  }

  /// Each layer's δ comparators, one per output column (`threshold` at
  /// the output, `hidden_threshold` inside), their offsets drawn from
  /// stream 22 (`periphery(columns:)`).
  public func comparators(columns: [Int]) -> [[Comparator]] {
    var comparatorRNG = SeededGenerator(seed: seed, stream: 22)
    return columns.indices.map { l in
      let t = Float(l == columns.count - 1 ? outputThreshold : hiddenThreshold)
      return (0..<columns[l]).map { _ in
        Comparator(
          threshold: t, offset: comparatorOffset > 0 ? Float(comparatorOffset * comparatorRNG.nextGaussian()) : 0)
      }
    }
  }
}
