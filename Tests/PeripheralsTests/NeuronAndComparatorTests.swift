import Peripherals
import Testing

@Test(arguments: [Float(1), 4, 16])
func hardSigmoidFollowsItsPiecewiseDefinition(c: Float) {
  let n = HardSigmoidNeuron(c: c, zeroBased: false)
  #expect(n.activation(-c - 1) == 0)
  #expect(n.activation(-c) == 0)
  #expect(n.activation(0) == 0.5)
  #expect(n.activation(c) == 1)
  #expect(n.activation(c + 1) == 1)
  #expect(abs(n.activation(c / 2) - 0.75) < 1e-6)
  #expect(n.gate(0) == 1 && n.gate(c * 0.999) == 1 && n.gate(-c * 0.999) == 1)
  #expect(n.gate(c) == 0 && n.gate(-c - 0.1) == 0)
  #expect(n.derivative(0) == 0.5 / c && n.derivative(c + 1) == 0)
}

@Test(arguments: [Float(1), 4, 16])
func zeroBasedHardSigmoidIsTheLiteralFormulaClamped(c: Float) {
  // f(s) = s/(2c) on (0, 2c), 0 below, 1 above: a neuron without input is off.
  let n = HardSigmoidNeuron(c: c, zeroBased: true)
  #expect(HardSigmoidNeuron(c: c) == n)  // the default, as the trainer's `activation zero`
  #expect(n.activation(-1) == 0 && n.activation(0) == 0)
  #expect(abs(n.activation(c) - 0.5) < 1e-6 && abs(n.activation(c / 2) - 0.25) < 1e-6)
  #expect(n.activation(2 * c) == 1 && n.activation(3 * c) == 1)
  #expect(n.gate(0) == 0 && n.gate(c * 0.001) == 1 && n.gate(1.999 * c) == 1 && n.gate(2 * c) == 0)
  #expect(n.gate(-c / 2) == 0)
  #expect(n.derivative(c) == 0.5 / c && n.derivative(-c) == 0)
}

@Test func comparatorHasADeadBand() {
  let k = Comparator(threshold: 0.1)
  #expect(k.sign(0.05) == 0 && k.sign(-0.1) == 0 && k.sign(0.1) == 0)
  #expect(k.sign(0.11) == 1 && k.sign(-0.2) == -1)
  #expect(k.deadBand(0.05) == 0 && k.deadBand(-0.3) == -0.3)
  let ideal = Comparator(threshold: 0)
  #expect(ideal.sign(1e-30) == 1 && ideal.sign(0) == 0)
  let offset = Comparator(threshold: 0.1, offset: 0.05)
  #expect(offset.sign(0.06) == 1)
}

@Test func pulseGeneratorGivesEachKindItsLevelAndWidth() {
  let p = PulseGenerator(amplitude: 1.2, width: 5e-8, resetAmplitude: -2, resetWidth: 3e-6)
  #expect(p.amplitude(of: .potentiate) == 1.2 && p.amplitude(of: .repotentiate) == 1.2)
  #expect(p.amplitude(of: .depress) == -1.2 && p.amplitude(of: .reset) == -2)
  #expect(p.width(of: .potentiate) == 5e-8 && p.width(of: .depress) == 5e-8 && p.width(of: .repotentiate) == 5e-8)
  #expect(p.width(of: .reset) == 3e-6)
}

@Test func pulseGeneratorEnergyIsVSquaredTimesWidthTimesConductance() {
  let p = PulseGenerator(amplitude: 2, width: 1e-7, resetAmplitude: -3, resetWidth: 1e-6)
  // Three pulses on devices at 1, 2 and 5 µS: 4 V² · 100 ns · 8 µS.
  let e = p.programEnergy(conductanceSum: 1e-6 + 2e-6 + 5e-6)
  #expect(abs(e - 4 * 1e-7 * 8e-6) <= 1e-15 * 3.2e-12)
  // The same sum in units of a 10 µS G_max (0.8): the same energy.
  #expect(abs(p.programEnergy(conductanceSum: 0.8, unit: 1e-5) - e) <= 1e-15 * e)
  // Two resets of devices at 10 µS: 9 V² · 1 µs · 20 µS.
  #expect(abs(p.resetEnergy(conductanceSum: 2e-5) - 9 * 1e-6 * 2e-5) <= 1e-15 * 1.8e-10)
  #expect(p.programEnergy(conductanceSum: 0) == 0)
}

/// Kills "the dead band ignores the comparator's input offset"
/// (Comparator.deadBand, abs(delta + offset) → abs(delta)). The analog δ
/// driven back and the sign the pulse generator gets come from one
/// comparator: δ passes the dead band exactly when its sign is non-zero,
/// for any offset. With offset 0.05 and threshold 0.1: δ = 0.06 reads
/// 0.11 (passes, sign +1); δ = −0.12 reads −0.07 (inside, sign 0).
@Test func theDeadBandAndTheSignSeeTheSameOffset() {
  let k = Comparator(threshold: 0.1, offset: 0.05)
  #expect(k.deadBand(0.06) == 0.06 && k.sign(0.06) == 1)
  #expect(k.deadBand(-0.12) == 0 && k.sign(-0.12) == 0)
  #expect(k.deadBand(-0.2) == -0.2 && k.sign(-0.2) == -1)
  for offset: Float in [-0.07, -0.01, 0, 0.03, 0.05] {
    let c = Comparator(threshold: 0.1, offset: offset)
    for i in -300...300 {
      let d = Float(i) / 1000
      #expect((c.deadBand(d) != 0) == (c.sign(d) != 0), "offset \(offset), δ \(d)")
    }
  }
}
