import Peripherals
import Testing

@Test(arguments: [Float(1), 4, 16])
func hardSigmoidFollowsItsPiecewiseDefinition(c: Float) {
  let n = HardSigmoidNeuron(c: c)
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

@Test func pulseGeneratorCountsPulsesAndResets() {
  var p = PulseGenerator()
  p.issuePulse()
  p.issuePulse(count: 3)
  p.issueReset(count: 2)
  #expect(p.pulses == 4 && p.resets == 2)
}
