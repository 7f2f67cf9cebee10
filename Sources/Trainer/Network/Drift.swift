import Circuit

/// Conductance drift after training (`drift_times`, `ConductanceDrift`):
/// each device's exponent, drawn once, and the weights every read of the
/// drifted arrays applies at a time t. The devices themselves are never
/// changed: the drifted conductances go into a copy (resistive lines) or
/// straight into the weights (ideal wires), so the run's network, its
/// checkpoint and its other figures are those of the run without drift.
///
/// Exponents are per device in the network's own order: rule lim's layer
/// l holds its M·N G+ devices, then its M·N G− devices; a hybrid (or
/// single) layer its device arrays in `HybridLayer.g`'s order (G+, G−,
/// g+, g−), M·N each. Each layer draws from a stream of its own
/// (`driftStream | l`), so a layer's draws do not depend on the others'
/// sizes. A stuck device (open or shorted) does not drift: its exponent
/// is drawn and then set to 0, so the other devices' draws are those of
/// the run without stuck devices.
enum Drift {
  static let stream: UInt64 = 0x4452_4946_5400_0000

  /// The generator of layer l's exponents.
  static func generator(seed: UInt64, layer l: Int) -> SeededGenerator {
    SeededGenerator(seed: seed, stream: stream | UInt64(l))
  }

  /// The stream of the drifted reads' device noise (`drift_read_noise`).
  static let noiseStream: UInt64 = 0x4452_4E4F_4953_0000

  /// Each device's multiplier at time t with `drift_read_noise pcm`:
  /// max(0, 1 + σ(g_i, t)·z_i) (`ConductanceDrift.pcmReadNoise`), z drawn in
  /// device order from a stream of the seed, the layer and t itself, so a
  /// time's noise does not depend on the other times listed.
  static func noiseMultipliers(seed: UInt64, layer l: Int, time t: Double, readTime: Double, relatives: [Double]) -> [Float] {
    var rng = SeededGenerator(seed: seed ^ t.bitPattern, stream: noiseStream | UInt64(l))
    return relatives.map { g in
      Float(max(0, 1 + ConductanceDrift.pcmReadNoise(relative: g, time: t, readTime: readTime) * rng.nextGaussian()))
    }
  }

  /// Σ_i |w_ij| of each column of an M×N row-major matrix: the per-column
  /// compensation's reference (`drift_compensation column`), each row
  /// driven alone at the full read voltage (M reads) and each output's
  /// magnitudes summed.
  static func columnReferenceReads(_ w: UnsafePointer<Float>, rows: Int, columns: Int) -> [Double] {
    var column = [Double](repeating: 0, count: columns)
    for i in 0..<rows {
      let base = i * columns
      for j in 0..<columns { column[j] += abs(Double(w[base + j])) }
    }
    return column
  }

  /// Σ_j |Σ_i w_ij| of an M×N row-major matrix: the global drift
  /// compensation's reference read, every row (the bias row too) driven
  /// at the full read voltage and the outputs' magnitudes summed.
  static func referenceRead(_ w: UnsafePointer<Float>, rows: Int, columns: Int) -> Double {
    var column = [Double](repeating: 0, count: columns)
    for i in 0..<rows {
      let base = i * columns
      for j in 0..<columns { column[j] += Double(w[base + j]) }
    }
    return column.reduce(0) { $0 + abs($1) }
  }
}

extension LimNetwork {
  /// Each layer's devices' G/G_max as programmed, G+ then G− (`Drift`'s
  /// order): what `drift_nu_model pcm` and `drift_read_noise pcm` read.
  func driftRelatives() -> [[Double]] {
    let top = configuration.gMaxSiemens
    return layers.map { layer in
      let mn = layer.rows * layer.columns
      return (0..<(2 * mn)).map { i in let g = layer.conductances(i % mn); return (i < mn ? g.plus : g.minus) / top }
    }
  }

  /// Every layer's drift exponents (`Drift`): 2·M·N each. (`relatives`:
  /// `driftRelatives()` when the caller has them already.)
  func driftExponents(_ drift: ConductanceDrift, relatives given: [[Double]]? = nil) -> [[Float]] {
    let relatives = drift.model == .pcm ? given ?? driftRelatives() : []
    return layers.enumerated().map { l, layer in
      var rng = Drift.generator(seed: configuration.seed, layer: l)
      let mn = layer.rows * layer.columns
      // (`pcm`: each device's G/G_max as programmed.)
      var e = drift.exponents(count: 2 * mn, relative: { relatives[l][$0] }, rng: &rng)
      // (A device stuck open has X = 0, and 0 S whatever its factor; a
      // shorted one is at G(n_max) and stays there.)
      if layer.hasShorted {
        for k in 0..<mn {
          if layer.onp[k] != 0 { e[k] = 0 }
          if layer.onm[k] != 0 { e[mn + k] = 0 }
        }
      }
      return e
    }
  }

  /// The weights each layer's reads apply at time t after programming
  /// (siemens, as `effectiveWeights`), into `into[l]` (M·N each); with
  /// `noise`, each device's conductance also times its multiplier
  /// (`Drift.noiseMultipliers`, one array per layer in `Drift`'s order).
  func driftedWeights(
    _ exponents: [[Float]], time t: Double, t0: Double, noise: [[Float]]? = nil, into: [UnsafeMutablePointer<Float>],
    stop: () -> Bool
  ) throws {
    for (l, layer) in layers.enumerated() {
      try exponents[l].withUnsafeBufferPointer { e in
        if let noise {
          try noise[l].withUnsafeBufferPointer { m in
            try layer.driftedWeights(e.baseAddress!, noise: m.baseAddress!, time: t, t0: t0, into: into[l], stop: stop)
          }
        } else {
          try layer.driftedWeights(e.baseAddress!, time: t, t0: t0, into: into[l], stop: stop)
        }
      }
    }
  }
}

extension LimLayer {
  /// This array's read weights with every device's conductance G·f,
  /// f = (t/t₀)^(−ν) of its exponent in `e` (G+ then G−): with ideal
  /// wires G+·f+ − G−·f−; with resistive lines the transfer matrix of a
  /// copy of the array holding the drifted conductances.
  func driftedWeights(
    _ e: UnsafePointer<Float>, noise: UnsafePointer<Float>? = nil, time t: Double, t0: Double, into w: UnsafeMutablePointer<Float>,
    stop: () -> Bool
  ) throws {
    let mn = rows * columns
    func f(_ i: Int) -> Double {
      ConductanceDrift.factor(time: t, t0: t0, nu: Double(e[i])) * (noise.map { Double($0[i]) } ?? 1)
    }
    guard let reader else {
      for k in 0..<mn {
        let g = conductances(k)
        w[k] = Float(g.plus * f(k) - g.minus * f(mn + k))
      }
      return
    }
    var plus = [Double](repeating: 0, count: mn), minus = plus
    for k in 0..<mn {
      let g = conductances(k)
      plus[k] = g.plus * f(k)
      minus[k] = g.minus * f(mn + k)
    }
    let drifted = DifferentialArray(rows: rows, columns: columns, wires: array.wires)
    drifted.setConductances(plus: plus, minus: minus)
    try reader.transferMatrix(drifted, into: w, stop: stop)
  }
}

extension HybridNetwork {
  /// Each layer's devices' G/G_max as programmed, in `HybridLayer.g`'s
  /// order; the small devices' g = G/k against their own maximum, 1/k.
  func driftRelatives() -> [[Double]] {
    layers.map { layer in
      let n = layer.count
      return (0..<(layer.g.count * n)).map { i in
        let d = i / n
        return Double(layer.g[d][i % n]) * (d / 2 == 0 ? 1 : configuration.k)
      }
    }
  }

  /// Every layer's drift exponents (`Drift`): one per device of each of
  /// its device arrays. (`relatives`: `driftRelatives()` when the caller
  /// has them already.)
  func driftExponents(_ drift: ConductanceDrift, relatives given: [[Double]]? = nil) -> [[Float]] {
    let relatives = drift.model == .pcm ? given ?? driftRelatives() : []
    return layers.enumerated().map { l, layer in
      var rng = Drift.generator(seed: configuration.seed, layer: l)
      // (`pcm`: each device's G/G_max as programmed.)
      var e = drift.exponents(count: layer.g.count * layer.count, relative: { relatives[l][$0] }, rng: &rng)
      if let marks = layer.stuckDevices {
        for (d, m) in marks.enumerated() {
          for x in 0..<layer.count where m[x] != 0 { e[d * layer.count + x] = 0 }
        }
      }
      return e
    }
  }

  /// The weights each layer's reads apply at time t after programming
  /// (normalised to G_max, as `effectiveWeights`), into `into[l]`; with
  /// `noise`, each device's conductance also times its multiplier.
  func driftedWeights(
    _ exponents: [[Float]], time t: Double, t0: Double, noise: [[Float]]? = nil, into: [UnsafeMutablePointer<Float>],
    stop: () -> Bool
  ) throws {
    for (l, layer) in layers.enumerated() {
      let n = layer.count
      // Each device's factor, in single precision as the devices are.
      var factors = exponents[l].map { Float(ConductanceDrift.factor(time: t, t0: t0, nu: Double($0))) }
      if let m = noise?[l] { for i in factors.indices { factors[i] *= m[i] } }
      guard let lines else {
        let w = into[l]
        for x in 0..<n {
          var s: Float = 0
          for k in 0..<layer.kinds {
            s += layer.g[2 * k][x] * factors[2 * k * n + x] - layer.g[2 * k + 1][x] * factors[(2 * k + 1) * n + x]
          }
          w[x] = s
        }
        continue
      }
      try lines[l].driftedWeights(layer, factors: factors, into: into[l], stop: stop)
    }
  }
}

extension HybridLines {
  /// The layer's read weights (normalised to G_max) with its devices'
  /// conductances times `factors` (one per device, `HybridLayer.g`'s
  /// order): Σ over kinds of the transfer matrices of copies of the
  /// arrays holding the drifted conductances.
  func driftedWeights(_ layer: HybridLayer, factors: [Float], into w: UnsafeMutablePointer<Float>, stop: () -> Bool) throws {
    let mn = rows * columns, s = gMax, scale = Float(1 / gMax)
    let t = UnsafeMutablePointer<Float>.allocate(capacity: mn)
    defer { t.deallocate() }
    for (k, reader) in readers.enumerated() {
      let gp = layer.g[2 * k], gm = layer.g[2 * k + 1]
      var plus = [Double](repeating: 0, count: mn), minus = plus
      for x in 0..<mn {
        plus[x] = Double(gp[x] * factors[2 * k * mn + x]) * s
        minus[x] = Double(gm[x] * factors[(2 * k + 1) * mn + x]) * s
      }
      let drifted = DifferentialArray(rows: rows, columns: columns, wires: arrays[k].wires)
      drifted.setConductances(plus: plus, minus: minus)
      try reader.transferMatrix(drifted, into: t, stop: stop)
      for x in 0..<mn { w[x] = (k == 0 ? 0 : w[x]) + t[x] * scale }
    }
  }
}

/// The refresh before deployment (`drift_refresh`) of a copy of the
/// trained arrays: what it did.
public struct DeploymentRefresh: Sendable, Equatable {
  /// The pairs refreshed (each kind's pairs of a hybrid synapse apart).
  public var pairs: Int
  /// The re-potentiation pulses and the resets it issued.
  public var pulses: Int
  public var resets: Int
  /// Their energy (J): the pulses' and the resets' in their devices, as
  /// training's are booked (`EnergyLedger.program` and `.reset`).
  public var energy: Double
  /// The test accuracy (%) of the refreshed arrays at t₀, read with the
  /// periphery and read noise of the run's last evaluation (NaN until
  /// they are read).
  public var accuracy: Double

  public init(pairs: Int, pulses: Int, resets: Int, energy: Double, accuracy: Double = .nan) {
    self.pairs = pairs
    self.pulses = pulses
    self.resets = resets
    self.energy = energy
    self.accuracy = accuracy
  }
}

extension LimNetwork {
  /// A copy of this network (its devices, scales and noise streams) with
  /// every pair refreshed (`LimLayer.refreshPairs`), and what the refresh
  /// did (its accuracy not read yet). This network is not changed.
  func refreshedCopy() throws -> (network: LimNetwork, refresh: DeploymentRefresh) {
    let copy = LimNetwork(configuration: configuration)
    // (The copy's energy account starts at the restored states.)
    try copy.restore(layerStates)
    let (pulses, resets) = (copy.pulses, copy.resets)
    let pairs = copy.layers.reduce(0) { $0 + $1.refreshPairs() }
    let e = copy.ledger()
    return (copy, DeploymentRefresh(pairs: pairs, pulses: copy.pulses - pulses, resets: copy.resets - resets, energy: e.program + e.reset))
  }
}

extension HybridNetwork {
  /// A copy of this network with every pair of each kind refreshed
  /// (`HybridLayer.refreshPairs`), and what the refresh did (its accuracy
  /// not read yet). This network is not changed.
  func refreshedCopy() throws -> (network: HybridNetwork, refresh: DeploymentRefresh) {
    let copy = try HybridNetwork(configuration: configuration)
    // (The copy's energy account starts at the restored devices.)
    try copy.restore(layerStates, phase: phase, encoderStreams: encoderStreams)
    let (pulses, resets) = (copy.pulses, copy.resets)
    let pairs = copy.layers.reduce(0) { $0 + $1.refreshPairs() }
    copy.synchronizeLines()
    let e = copy.ledger()
    return (copy, DeploymentRefresh(pairs: pairs, pulses: copy.pulses - pulses, resets: copy.resets - resets, energy: e.program + e.reset))
  }
}
