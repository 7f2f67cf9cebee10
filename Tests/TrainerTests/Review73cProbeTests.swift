import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Review probe (session 73c): a shorted device's G(n_max) is booked once
// per landed pulse and reset, in every kernel. Two layers of the same
// draws, one with its shorted devices, one with them made open (the marks
// cleared, X 0 kept): the controller decides on X·G(s) alone, so both
// take the same updates to the same states, and their energies differ by
// G(n_max) per pulse and per reset of a shorted device.

private struct ProbeCase: Sendable, CustomTestStringConvertible {
  var method: UpdateMethod
  var sigma = 0.0
  var c2c = 0.0
  var margin = 0.0
  var book = false
  var testDescription: String {
    "method \(method.rawValue) σ \(sigma) c2c \(c2c) margin \(margin)\(book ? " book" : "")"
  }
}

private func probeLayer(_ c: ProbeCase, endurance: Bool) throws -> LimLayer {
  var cfg = TrainingConfiguration()
  cfg.layers = [12, 6]
  cfg.seed = 3
  cfg.nMax = 6
  cfg.method = c.method
  cfg.sigma = c.sigma
  cfg.sigmaC2C = c.c2c
  cfg.bMargin = c.margin
  cfg.stuckOff = 0.1
  cfg.stuckOn = 0.3
  if c.book { cfg.halfSelect = .book }
  try cfg.validate()
  var rng = SeededGenerator(seed: 9)
  let layer = LimLayer(inputs: 12, outputs: 6, configuration: cfg, rng: &rng)
  if endurance { layer.endurance = DeviceCounts(arrays: 2, rows: layer.rows, columns: layer.columns) }
  return layer
}

private func drive(_ layers: [LimLayer], steps: Int) {
  var rng = SeededGenerator(seed: 21)
  let rows = layers[0].rows, columns = layers[0].columns
  for _ in 0..<steps {
    let active = (0..<rows).filter { _ in rng.nextUniform() < 0.6 }.map(Int32.init)
    var up: [Int32] = [], down: [Int32] = []
    for j in 0..<columns {
      let u = rng.nextUniform()
      if u < 0.45 { up.append(Int32(j)) } else if u < 0.9 { down.append(Int32(j)) }
    }
    for layer in layers {
      active.withUnsafeBufferPointer { r in
        up.withUnsafeBufferPointer { u in
          down.withUnsafeBufferPointer { d in
            layer.update(
              rows: r.baseAddress!, rowCount: r.count, up: u.baseAddress ?? r.baseAddress!, upCount: u.count,
              down: d.baseAddress ?? r.baseAddress!, downCount: d.count)
          }
        }
      }
    }
  }
}

@Test(arguments: [
  ProbeCase(method: .a), ProbeCase(method: .b), ProbeCase(method: .c), ProbeCase(method: .b, sigma: 0.3),
  ProbeCase(method: .a, c2c: 0.2), ProbeCase(method: .b, c2c: 0.2), ProbeCase(method: .b, margin: 0.5),
  ProbeCase(method: .c, c2c: 0.2),
  ProbeCase(method: .a, book: true), ProbeCase(method: .b, book: true), ProbeCase(method: .c, book: true),
])
private func shortedEnergyIsGmaxPerLandedEvent(_ c: ProbeCase) throws {
  let shorted = try probeLayer(c, endurance: true)
  let plain = try probeLayer(c, endurance: false)
  let open = try probeLayer(c, endurance: false)
  let mn = open.rows * open.columns
  #expect(open.hasShorted)
  for k in 0..<mn {
    open.onp[k] = 0
    open.onm[k] = 0
  }
  open.synchronize()
  drive([shorted, plain, open], steps: 300)
  let counts = try #require(shorted.endurance)
  var shortedPulses = 0.0, shortedResets = 0.0, marked = 0
  for k in 0..<mn {
    if shorted.onp[k] == 1 {
      marked += 1
      shortedPulses += Double(counts.pulses[k])
      shortedResets += Double(counts.resets[k])
    }
    if shorted.onm[k] == 1 {
      marked += 1
      shortedPulses += Double(counts.pulses[mn + k])
      shortedResets += Double(counts.resets[mn + k])
    }
  }
  #expect(marked > 0 && shortedPulses > 0 && shortedResets > 0, "\(c): \(marked) \(shortedPulses) \(shortedResets)")
  // The same updates: states and counts.
  for l in [plain, open] {
    #expect(l.pulses == shorted.pulses && l.resets == shorted.resets, "\(c)")
    for k in 0..<mn {
      if c.method == .c || c.c2c > 0 || c.margin > 0 {
        #expect(l.gp[k] == shorted.gp[k] && l.gm[k] == shorted.gm[k], "\(c) \(k)")
      } else {
        #expect(l.kp[k] == shorted.kp[k] && l.km[k] == shorted.km[k], "\(c) \(k)")
      }
    }
  }
  let g = shorted.shortedG
  let tol = 1e-9
  #expect(abs(plain.pulseConductance - shorted.pulseConductance) <= tol * shorted.pulseConductance, "\(c): report vs plain kernel")
  #expect(abs(plain.resetConductance - shorted.resetConductance) <= tol * shorted.resetConductance, "\(c): report vs plain kernel")
  let dp = shorted.pulseConductance - open.pulseConductance, dr = shorted.resetConductance - open.resetConductance
  #expect(abs(dp - shortedPulses * g) <= tol * shorted.pulseConductance, "\(c): pulses \(dp) vs \(shortedPulses * g)")
  #expect(abs(dr - shortedResets * g) <= tol * shorted.resetConductance, "\(c): resets \(dr) vs \(shortedResets * g)")
  // The weight cache the kernels kept is the conductances'.
  for k in 0..<mn {
    #expect(shorted.array._weight[k] == shorted.cachedWeight(k, shorted.conductances(k)), "\(c) \(k)")
    #expect(plain.array._weight[k] == plain.cachedWeight(k, plain.conductances(k)), "\(c) \(k)")
  }
}

// Through resistive write lines (integer and conductance states) and in
// mini-batches, every device shorted: each landed pulse and reset at
// G(n_max), whatever was held back.
@Test(arguments: [
  (UpdateMethod.a, 0.0, 1), (.b, 0.0, 1), (.c, 0.0, 1), (.b, 0.2, 1), (.b, 0.0, 4), (.c, 0.0, 4),
])
private func everyShortedDeviceThroughTheLines(_ method: UpdateMethod, _ c2c: Double, _ batch: Int) throws {
  var cfg = Fixture.configuration(method: method, epochs: 1)
  cfg.wires = .resistive
  cfg.rowSegmentResistance = 100
  cfg.columnSegmentResistance = 100
  cfg.writeLines = .resistive
  cfg.writeThreshold = 0.85
  cfg.nMax = 8
  cfg.sigmaC2C = c2c
  cfg.batch = batch
  cfg.stuckOn = 1
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  Fixture.train.pixels.withUnsafeBufferPointer { px in
    for s in 0..<60 { net.train(px.baseAddress! + s * 64, label: Int(Fixture.train.labels[s])) }
  }
  net.applyBatch()
  #expect(net.pulses > 0)
  for layer in net.layers {
    let g = layer.shortedG, p = Double(layer.pulses), r = Double(layer.resets)
    #expect(abs(layer.pulseConductance - p * g) <= 1e-12 * max(1, p) * g, "\(method) \(c2c) \(batch): \(layer.pulseConductance) vs \(p) pulses")
    #expect(abs(layer.resetConductance - r * g) <= 1e-12 * max(1, r) * g, "\(method) \(c2c) \(batch): \(layer.resetConductance) vs \(r) resets")
  }
}

