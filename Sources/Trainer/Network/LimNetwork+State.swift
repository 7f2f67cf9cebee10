import Circuit

/// The device states of one layer: what a checkpoint stores.
public struct LimLayerState: Sendable, Equatable {
  /// Rows (inputs + the bias row) and columns (outputs).
  public var rows: Int
  public var columns: Int
  /// Integer states (methods a and b without `sigma_c2c` or `b_margin`):
  /// each device's state in pulses from G_min, row-major.
  public var plusStates: [UInt8]
  public var minusStates: [UInt8]
  /// Conductance states (method c; every method with `sigma_c2c`, method
  /// b with `b_margin`): each device's normalised conductance G/G_max,
  /// row-major.
  public var plusConductances: [Double]
  public var minusConductances: [Double]
  /// Device-to-device scales X (all 1 without variation).
  public var plusScales: [Float]
  public var minusScales: [Float]
  /// With `stuck_on`: 1 where a device is shorted at G(n_max), else 0,
  /// row-major (its scale is 0); nil without shorted devices. Stored, not
  /// drawn again: a run that goes on with another seed keeps them.
  public var plusShorted: [Float]? = nil
  public var minusShorted: [Float]? = nil
  /// The layer's counters so far.
  public var pulses: Int
  public var resets: Int
  public var repotentiations: Int
  /// With `sigma_c2c`: the state of the layer's pulse-noise stream
  /// (`GaussianStream.state`), so that a network restored from it draws
  /// what the saved one would have; nil: the stream starts afresh.
  public var noise: [UInt64]? = nil

  public init(
    rows: Int, columns: Int, plusStates: [UInt8], minusStates: [UInt8], plusConductances: [Double],
    minusConductances: [Double], plusScales: [Float], minusScales: [Float], pulses: Int, resets: Int,
    repotentiations: Int, noise: [UInt64]? = nil, plusShorted: [Float]? = nil, minusShorted: [Float]? = nil
  ) {
    self.rows = rows
    self.columns = columns
    self.plusStates = plusStates
    self.minusStates = minusStates
    self.plusConductances = plusConductances
    self.minusConductances = minusConductances
    self.plusScales = plusScales
    self.minusScales = minusScales
    self.pulses = pulses
    self.resets = resets
    self.repotentiations = repotentiations
    self.noise = noise
    self.plusShorted = plusShorted
    self.minusShorted = minusShorted
  }
}

extension LimNetwork {
  /// Every layer's device states and counters.
  public var layerStates: [LimLayerState] { layers.indices.map(layerState) }

  /// The number of layers (arrays).
  public var layerCount: Int { layers.count }

  /// Layer `k`'s device states and counters, alone: a checkpoint copies
  /// one layer at a time.
  public func layerState(_ k: Int) -> LimLayerState {
    let l = layers[k]
    let mn = l.rows * l.columns
    return LimLayerState(
      rows: l.rows, columns: l.columns,
      plusStates: Array(UnsafeBufferPointer(start: l.kp, count: mn)),
      minusStates: Array(UnsafeBufferPointer(start: l.km, count: mn)),
      plusConductances: Array(UnsafeBufferPointer(start: l.gp, count: mn)),
      minusConductances: Array(UnsafeBufferPointer(start: l.gm, count: mn)),
      plusScales: Array(UnsafeBufferPointer(start: l.xp, count: mn)),
      minusScales: Array(UnsafeBufferPointer(start: l.xm, count: mn)),
      pulses: l.pulses, resets: l.resets, repotentiations: l.repotentiations,
      noise: configuration.sigmaC2C > 0 ? l.noise.state : nil,
      plusShorted: l.hasShorted ? Array(UnsafeBufferPointer(start: l.onp, count: mn)) : nil,
      minusShorted: l.hasShorted ? Array(UnsafeBufferPointer(start: l.onm, count: mn)) : nil)
  }

  /// Puts saved device states and counters back.
  ///
  /// - Throws: `ConfigurationError` (field `layers`) when the states are
  ///   for another shape, or (field `nmax`) when a state exceeds n_max
  ///   (and the fields of the other checks below): nothing is changed then.
  public func restore(_ states: [LimLayerState]) throws {
    let shape = { (s: [(Int, Int)]) in
      s.isEmpty ? "none" : ([s[0].0 - 1] + s.map(\.1)).map(String.init).joined(separator: "-")
    }
    let have = layers.map { ($0.rows, $0.columns) }, given = states.map { ($0.rows, $0.columns) }
    guard have.count == given.count, zip(have, given).allSatisfy({ $0 == $1 }) else {
      throw ConfigurationError(field: "layers", "the states are for a \(shape(given)) network, not \(shape(have))")
    }
    if let bad = states.firstIndex(where: { $0.noise.map { GaussianStream(state: $0) == nil } ?? false }) {
      throw ConfigurationError(field: "layers[\(bad)].noise_stream", "is not the state of a noise stream (six words: a generator's four, not all 0, its word and its draws left, 0…5)")
    }
    // Every layer is checked before anything is written: a bad later
    // layer had left the earlier ones restored (a network half the
    // checkpoint's, half its own, for a library caller that goes on).
    // Each failure names the layer, the list and the synapse (a
    // walkthrough, session 75: "synapse 2 has a shorted device…" had named
    // neither layer nor list).
    for (l, (layer, s)) in zip(layers, states).enumerated() {
      let mn = layer.rows * layer.columns
      /// The first value of `plus`, then of `minus` (the checkpoint's
      /// lists `plus_NAME` and `minus_NAME`), that is `bad`: its list's
      /// name, its synapse and the value.
      func first<T>(_ name: String, _ plus: [T], _ minus: [T], _ bad: (T) -> Bool) -> (list: String, k: Int, value: T)? {
        if let k = plus.firstIndex(where: bad) { return ("layers[\(l)].plus_\(name)", k, plus[k]) }
        if let k = minus.firstIndex(where: bad) { return ("layers[\(l)].minus_\(name)", k, minus[k]) }
        return nil
      }
      func cell(_ k: Int) -> String { "synapse \(k) (row \(k / layer.columns), column \(k % layer.columns))" }
      guard [s.plusStates.count, s.minusStates.count, s.plusConductances.count, s.minusConductances.count,
        s.plusScales.count, s.minusScales.count].allSatisfy({ $0 == mn })
      else {
        throw ConfigurationError(field: "layers", "a \(layer.rows)×\(layer.columns) layer's states have the wrong length")
      }
      if let bad = first("states", s.plusStates, s.minusStates, { v in Int(v) > layer.nMax }) {
        throw ConfigurationError(field: "nmax", "\(bad.list): \(cell(bad.k)) has a device state \(bad.value), beyond n_max \(layer.nMax)")
      }
      // Without variation every kernel takes X = 1 (the scales are not
      // read): scales of another value belong to a network with σ > 0.
      // With stuck devices alone (σ 0, stuck_off > 0) a scale is 1, or 0
      // for a stuck device (session 72's review: any scale had loaded).
      let stuck = configuration.hasStuckDevices
      if configuration.sigma == 0,
        let bad = first("scales", s.plusScales, s.minusScales, { v in v != 1 && !(v == 0 && stuck) })
      {
        let allowed = stuck ? "every scale 1, or 0 for a stuck device (stuck_off, stuck_on, stuck_map)" : "every scale 1"
        throw ConfigurationError(field: "sigma", "\(bad.list): \(cell(bad.k)) has a device scale \(bad.value), but sigma is 0 (\(allowed))")
      }
      // Shorted devices (`stuck_on`): the states' own list, each 0 or 1,
      // a shorted device's scale 0 (its G(n_max) stands beside its curve).
      if layer.hasShorted {
        guard let p = s.plusShorted, let m = s.minusShorted, p.count == mn, m.count == mn else {
          let why = configuration.stuckOn > 0
            ? "stuck_on is \(ConfigurationError.shown(configuration.stuckOn))" : "stuck_map \(configuration.stuckMapPath) shorts devices"
          throw ConfigurationError(field: configuration.stuckOn > 0 ? "stuck_on" : "stuck_map", "the states list no shorted devices (of \(mn) synapses), but \(why)")
        }
        if let bad = first("shorted", p, m, { v in v != 0 && v != 1 }) {
          throw ConfigurationError(field: "stuck_on", "\(bad.list): \(cell(bad.k)) has the mark \(bad.value), not 0 or 1")
        }
        if let k = (0..<mn).first(where: { (p[$0] != 0 && s.plusScales[$0] != 0) || (m[$0] != 0 && s.minusScales[$0] != 0) }) {
          let side = p[k] != 0 && s.plusScales[k] != 0 ? "plus" : "minus"
          let scale = side == "plus" ? s.plusScales[k] : s.minusScales[k]
          throw ConfigurationError(
            field: "stuck_on", "layers[\(l)].\(side)_shorted: \(cell(k)) has a shorted device whose scale (\(side)_scales) is \(scale), not 0")
        }
        // With σ 0 and stuck_off 0 a scale 0 is a shorted device's: an
        // unmarked one would be open, which stuck_on alone never draws
        // (review 73c: it had loaded).
        if configuration.sigma == 0, configuration.stuckOff == 0, configuration.stuckMap == nil,
          let k = (0..<mn).first(where: { (p[$0] == 0 && s.plusScales[$0] == 0) || (m[$0] == 0 && s.minusScales[$0] == 0) })
        {
          let side = p[k] == 0 && s.plusScales[k] == 0 ? "plus" : "minus"
          throw ConfigurationError(
            field: "stuck_off", "layers[\(l)].\(side)_scales: \(cell(k)) has a device of scale 0 that is not shorted (open), but stuck_off is 0")
        }
      } else if s.plusShorted != nil || s.minusShorted != nil {
        throw ConfigurationError(field: "stuck_on", "the states list shorted devices, but stuck_on is 0")
      }
      // A map's devices (`stuck_map`) are stuck as it says: scale 0, and
      // shorted or not (a map given to a checkpoint of another map's run).
      if let map = configuration.stuckMap {
        // Each device's state as the map leaves it, then the first that
        // differs and the last record naming it.
        let want = map.states(layer: l, rows: layer.rows, columns: layer.columns, kinds: 1)
        let bad = want.indices.first { i in
          let k = i / 2, scale = i % 2 == 0 ? s.plusScales[k] : s.minusScales[k]
          let mark = (i % 2 == 0 ? s.plusShorted?[k] : s.minusShorted?[k]) ?? 0
          return want[i] != 0 && (scale != 0 || mark != (want[i] == 2 ? 1 : 0))
        }.map { i in
          var record = 0
          map.forEach(layer: l, rows: layer.rows, columns: layer.columns, kinds: 1) { k, d, _, r in if 2 * k + d == i { record = r } }
          return (k: i / 2, d: i % 2, shorted: want[i] == 2, record: record)
        }
        if let bad {
          let side = bad.d == 0 ? "plus" : "minus"
          let scale = bad.d == 0 ? s.plusScales[bad.k] : s.minusScales[bad.k]
          let mark = (bad.d == 0 ? s.plusShorted?[bad.k] : s.minusShorted?[bad.k]) ?? 0
          let has = scale != 0 ? "a scale \(scale)" : (mark != 0 ? "a shorted mark" : "no shorted mark")
          throw ConfigurationError(
            field: "stuck_map",
            "layers[\(l)].\(side)_\(scale != 0 ? "scales" : "shorted"): \(cell(bad.k)) has \(has), but \(map.place(bad.record)) makes it \(bad.shorted ? "shorted" : "open")")
        }
      }
    }
    for (layer, s) in zip(layers, states) {
      if let n = s.noise { layer.noise = GaussianStream(state: n)! }
      let mn = layer.rows * layer.columns
      for k in 0..<mn {
        layer.kp[k] = s.plusStates[k]
        layer.km[k] = s.minusStates[k]
        layer.gp[k] = s.plusConductances[k]
        layer.gm[k] = s.minusConductances[k]
        layer.xp[k] = s.plusScales[k]
        layer.xm[k] = s.minusScales[k]
      }
      if layer.hasShorted, let p = s.plusShorted, let m = s.minusShorted {
        layer.onp.update(from: p, count: mn)
        layer.onm.update(from: m, count: mn)
      }
      layer.pulses = s.pulses
      layer.resets = s.resets
      layer.repotentiations = s.repotentiations
      layer.synchronize()
      // The energy account starts at the restored states.
      layer.restartEnergyAccount()
    }
  }

  /// Off-chip transfer of device states: every device here is programmed
  /// to the state (pulse count, or normalised conductance for method c and
  /// with `sigma_c2c` or `b_margin`) of
  /// its twin in `source`, and so sits at X·G(state) with this array's own
  /// scales X. The counters and scales here are kept.
  public func program(statesOf source: LimNetwork) {
    require(source.layers.count == layers.count, "transfer between networks of different depth")
    for (layer, from) in zip(layers, source.layers) {
      let mn = layer.rows * layer.columns
      require(from.rows * from.columns == mn && from.nMax == layer.nMax, "transfer between different layers")
      layer.kp.update(from: from.kp, count: mn)
      layer.km.update(from: from.km, count: mn)
      if layer.conductanceStates && !from.conductanceStates {
        // (An integer twin keeps only its states in step; a target on
        // conductances, `program_noise`'s or `program_verify`'s, takes
        // their points.)
        for k in 0..<mn {
          layer.gp[k] = layer.table[Int(from.kp[k])]
          layer.gm[k] = layer.table[Int(from.km[k])]
        }
      } else {
        layer.gp.update(from: from.gp, count: mn)
        layer.gm.update(from: from.gm, count: mn)
      }
      layer.synchronize()
      layer.restartEnergyAccount()
    }
  }

  /// Write-verify after a transfer (`program_verify`). The transfer wrote
  /// each device's state as its normalised conductance on the nominal
  /// curve, G; a device that conducts by its state (X > 0) then goes to
  /// its target T as near as its own range allows: its normalised
  /// conductance becomes T/X within [G(0), G(n_max)], so it reads T
  /// wherever X·G(0) ≤ T ≤ X·G(n_max). `devices`: T = G. `weights`: for
  /// W = G+ − G−, the device of W's sign (G+ for W ≥ 0) to |W| + X_o·G(0),
  /// the partner o reset to X_o·G(0) (so the pair reads W within their
  /// ranges). `mid`: the pair to W about the common mode c = (G(0) +
  /// G(n_max))/2: T− = c − W/2 held within the targets both ranges allow,
  /// [max(X−·G(0), X+·G(0) − W), min(X−·G(n_max), X+·G(n_max) − W)], and
  /// T+ = T− + W; as `weights` where that is empty. A stuck device (X = 0)
  /// keeps its conductance; with `weights` and `mid` its partner goes to
  /// W against what the stuck one reads (0 open, G(n_max) shorted), as a
  /// controller that verifies the pair's read would set it (since session
  /// 85; it had been set as if its partner had reset, a shorted partner's
  /// G(n_max) then off the weight). `none`: nothing. Needs conductance
  /// states.
  public func verifyProgrammedConductances(_ how: ProgramVerify) {
    guard how != .none else { return }
    let weights = how != .devices
    for layer in layers {
      require(layer.conductanceStates, "write-verify on integer states")
      guard layer.hasVariation || weights else { continue }
      let mn = layer.rows * layer.columns
      let low = layer.table[0], high = layer.table[layer.nMax]
      let xp = layer.xp, xm = layer.xm, gp = layer.gp, gm = layer.gm
      func scale(_ x: UnsafeMutablePointer<Float>, _ k: Int) -> Double { layer.hasVariation ? Double(x[k]) : 1 }
      for k in 0..<mn {
        let sp = scale(xp, k), sm = scale(xm, k)
        var tp = gp[k], tm = gm[k]
        // (`mid`: the targets of the minus device that keep W in both
        // ranges, and the one nearest c − W/2 among them.)
        let w = gp[k] - gm[k]
        let lowest = max(sm * low, sp * low - w), highest = min(sm * high, sp * high - w)
        // What a stuck device reads (normalised): 0 open, G(n_max) shorted.
        func stuck(_ on: UnsafeMutablePointer<Float>) -> Double { layer.hasShorted ? Double(on[k]) * high : 0 }
        if weights && sp == 0 && sm > 0 {
          tm = stuck(layer.onp) - w
        } else if weights && sm == 0 && sp > 0 {
          tp = stuck(layer.onm) + w
        } else if how == .mid && sp > 0 && sm > 0 && lowest <= highest {
          tm = min(max((low + high) / 2 - w / 2, lowest), highest)
          tp = tm + w
        } else if weights {
          if w >= 0 {
            tm = sm * low
            tp = w + tm
          } else {
            tp = sp * low
            tm = -w + tp
          }
        }
        if sp > 0 { gp[k] = min(max(tp / sp, low), high) }
        if sm > 0 { gm[k] = min(max(tm / sm, low), high) }
      }
      layer.synchronize()
    }
  }

  /// The stream of `program_noise`'s draws (layer l's: `| l`).
  static let programNoiseStream: UInt64 = 0x5052_4F47_0000_0000

  /// Programming noise (`program_noise` s > 0) after a transfer: every
  /// device that conducts by its state (its scale X > 0: not stuck open,
  /// not shorted) lands at max(0, g + s·σ(g)·z) of its relative
  /// conductance g = X·G/G_max (`ProgrammingNoise`), written back as its
  /// normalised conductance g'/X. The draws come from a stream of the
  /// seed, the layer and `key` (the images trained before this
  /// programming: each programming of the array draws anew), one per
  /// device in `Drift`'s order, G+ then G−, a stuck device's too (the
  /// others' draws do not hang on which are stuck). Needs conductance
  /// states (`limConductanceStates`).
  public func addProgrammingNoise(scale s: Double, key: UInt64) {
    for (l, layer) in layers.enumerated() {
      require(layer.conductanceStates, "programming noise on integer states")
      var rng = SeededGenerator(seed: configuration.seed ^ (key &* 0x9E37_79B9_7F4A_7C15), stream: Self.programNoiseStream | UInt64(l))
      let mn = layer.rows * layer.columns
      for (g, x) in [(layer.gp, layer.xp), (layer.gm, layer.xm)] {
        for k in 0..<mn {
          let z = rng.nextGaussian()
          let scale = layer.hasVariation ? Double(x[k]) : 1
          guard scale > 0 else { continue }
          g[k] = ProgrammingNoise.programmed(relative: scale * g[k], scale: s, z: z) / scale
        }
      }
      layer.synchronize()
    }
  }
}

extension LimNetwork {
  /// Saved states made this network's kind (`restore` takes them then):
  /// integer states become their points on the device's curve, for a
  /// network on conductances (e.g. one with `sigma_c2c` going on from a
  /// run without); conductances each on a point of the curve become that
  /// point's state (on a flat stretch of a measured curve, its last: the
  /// conductance path leaves a stretch in one pulse). `savedConductances`:
  /// whether `states` hold conductances. States of this network's kind
  /// are returned as they are.
  ///
  /// - Throws: `ConfigurationError` naming the first device whose
  ///   conductance lies between the curve's points.
  public func converting(_ states: [LimLayerState], fromConductances savedConductances: Bool) throws -> [LimLayerState] {
    guard let first = layers.first, savedConductances != first.conductanceStates else { return states }
    let curve = first.table
    var out = states
    for (l, s) in states.enumerated() {
      if !savedConductances {
        guard let bad = (s.plusStates + s.minusStates).first(where: { Int($0) >= curve.count }) else {
          out[l].plusConductances = s.plusStates.map { curve[Int($0)] }
          out[l].minusConductances = s.minusStates.map { curve[Int($0)] }
          continue
        }
        throw ConfigurationError(field: "nmax", "a device state \(bad) exceeds n_max \(curve.count - 1)")
      }
      func states(_ g: [Double], _ name: String) throws -> [UInt8] {
        try g.enumerated().map { k, v in
          guard let s = curve.lastIndex(of: v) else {
            let below = curve.lastIndex(where: { $0 < v }).map(String.init) ?? "none"
            throw ConfigurationError(
              field: "layers[\(l)].\(name)",
              "device \(k) is at \(v), between the curve's points (the state below it: \(below)); integer states hold only the points")
          }
          return UInt8(s)
        }
      }
      out[l].plusStates = try states(s.plusConductances, "plus_conductances")
      out[l].minusStates = try states(s.minusConductances, "minus_conductances")
    }
    return out
  }
}
