import Circuit

/// One layer of a hybrid (or single-pair) network as a checkpoint holds it
/// (`HybridNetwork.layerStates`, `restore`).
public struct HybridLayerState: Sendable, Equatable {
  /// Inputs + 1 (the bias row) and outputs.
  public var rows: Int
  public var columns: Int
  /// Every device array's conductances, row-major, in units of the big
  /// G_max, in the order big +, big −, then (rule hybrid) small +, small −.
  public var conductances: [[Float]]
  /// The weight cache W = Σ over the kinds of (G+ − G−), as training kept
  /// it (updated pulse by pulse, so its last bits are its own).
  public var weights: [Float]
  /// A measured device's position on its curve per device (pulses in
  /// 16.16 fixed point), per array in the same order; empty otherwise.
  public var positions: [[Int32]]
  public var pulses: Int
  public var repotentiations: Int
  public var resets: Int
  /// The layer's random streams (`GaussianStream.state`): its refreshes'
  /// noise, then its two column shares' pulse noise; nil: they start
  /// afresh from the seed.
  public var streams: [[UInt64]]? = nil
  /// The two shares' pulse-noise indices drawn ahead and not used yet.
  public var pendingNoise: [[UInt16]] = [[], []]

  public init(
    rows: Int, columns: Int, conductances: [[Float]], weights: [Float], positions: [[Int32]],
    pulses: Int, repotentiations: Int, resets: Int, streams: [[UInt64]]? = nil, pendingNoise: [[UInt16]] = [[], []]
  ) {
    self.rows = rows
    self.columns = columns
    self.conductances = conductances
    self.weights = weights
    self.positions = positions
    self.pulses = pulses
    self.repotentiations = repotentiations
    self.resets = resets
    self.streams = streams
    self.pendingNoise = pendingNoise
  }

  /// The arrays' names, in `conductances`' order: big_plus, big_minus,
  /// small_plus, small_minus for rule hybrid; plus, minus for rule single.
  public static func arrayNames(hybrid: Bool) -> [String] {
    hybrid ? ["big_plus", "big_minus", "small_plus", "small_minus"] : ["plus", "minus"]
  }
}

extension HybridNetwork {
  /// Every layer's devices, weight cache and counters.
  public var layerStates: [HybridLayerState] { layers.indices.map(layerState) }

  /// The number of layers (arrays of each kind).
  public var layerCount: Int { layers.count }

  /// Layer `k`'s devices, weight cache and counters, alone: a checkpoint
  /// copies one layer at a time.
  public func layerState(_ k: Int) -> HybridLayerState {
    let layer = layers[k]
    return HybridLayerState(
      rows: layer.rows, columns: layer.columns,
      conductances: layer.g.map { Array(UnsafeBufferPointer(start: $0, count: layer.count)) },
      weights: Array(UnsafeBufferPointer(start: layer.w, count: layer.count)),
      positions: (layer.measuredState ?? []).map { Array(UnsafeBufferPointer(start: $0, count: layer.count)) },
      pulses: layer.pulses, repotentiations: layer.repotentiations, resets: layer.resets,
      streams: [layer.noise.state] + layer.shares.map(\.noise.state),
      pendingNoise: layer.shares.map {
        Array(UnsafeBufferPointer(start: $0.noiseIndex + $0.noiseNext, count: ApplyShare.noiseBlock - $0.noiseNext))
      })
  }

  /// The encoders' random streams (`SeededGenerator.state`), one per
  /// column share.
  public var encoderStreams: [[UInt64]] { encodeShares.map(\.rng.state) }

  /// Loads `states` (a checkpoint's) into this network, and its `phase`.
  /// The network must be built from the configuration they were saved
  /// with, as far as the devices go (`Checkpoint.hybridStateKeys`): with
  /// d2d its seed draws each device's range again, and every conductance
  /// must lie in its device's range. The random streams (trains, c2c
  /// noise) go on from `encoderStreams` and the states' `streams`, where
  /// given (else they start afresh from the seed); the energy account
  /// starts at the restored devices.
  ///
  /// - Throws: `ConfigurationError` naming the layer and array of the
  ///   first value that does not fit (nothing is changed then).
  public func restore(_ states: [HybridLayerState], phase: HybridPhase, encoderStreams: [[UInt64]]? = nil) throws {
    let names = HybridLayerState.arrayNames(hybrid: isHybrid)
    guard states.count == layers.count else {
      throw ConfigurationError(field: "layers", "\(states.count) layer states for a network of \(layers.count) arrays")
    }
    if phase == .fine && !isHybrid {
      throw ConfigurationError(field: "phase", "fine: rule single has no small arrays to fine-tune")
    }
    // Everything is checked before anything is written.
    let encoders = try encoderStreams.map { streams in
      guard streams.count == encodeShares.count else {
        throw ConfigurationError(field: "encoder_streams", "must hold \(encodeShares.count) generator states, got \(streams.count)")
      }
      return try streams.map { w in
        guard let g = SeededGenerator(state: w) else {
          throw ConfigurationError(field: "encoder_streams", "is not a generator's state (four words, not all 0)")
        }
        return g
      }
    }
    var noises: [[GaussianStream]?] = []
    for (l, (layer, s)) in zip(layers, states).enumerated() {
      func field(_ key: String) -> String { "layers[\(l)].\(key)" }
      let streams = try s.streams.map { words in
        let streams = words.compactMap(GaussianStream.init(state:))
        guard words.count == 1 + layer.shares.count, streams.count == words.count else {
          throw ConfigurationError(
            field: field("noise_streams"),
            "must hold \(1 + layer.shares.count) noise streams' states (six words each: a generator's four, not all 0, its word and its draws left, 0…5)")
        }
        return streams
      }
      noises.append(streams)
      guard s.pendingNoise.count == layer.shares.count,
        s.pendingNoise.allSatisfy({ $0.count <= ApplyShare.noiseBlock && $0.allSatisfy { Int($0) < GaussianTable.values.count } })
      else {
        throw ConfigurationError(
          field: field("pending_noise"),
          "must hold \(layer.shares.count) lists of at most \(ApplyShare.noiseBlock) table indices below \(GaussianTable.values.count)")
      }
      guard s.rows == layer.rows, s.columns == layer.columns else {
        throw ConfigurationError(
          field: "layers[\(l)]", "is \(s.rows)×\(s.columns); the network's array is \(layer.rows)×\(layer.columns)")
      }
      guard s.conductances.count == layer.g.count else {
        throw ConfigurationError(field: "layers[\(l)]", "holds \(s.conductances.count) device arrays; rule \(isHybrid ? "hybrid" : "single") has \(layer.g.count)")
      }
      let positioned = layer.measuredState != nil
      guard s.positions.count == (positioned ? layer.g.count : 0) else {
        throw ConfigurationError(
          field: "layers[\(l)]",
          positioned ? "a measured device needs its positions on the curve (\(names.map { $0 + "_positions" }.joined(separator: ", ")))"
            : "positions on a curve mean nothing for the linear device")
      }
      guard s.weights.count == layer.count else {
        throw ConfigurationError(field: field("weights"), "must hold \(layer.count) numbers, got \(s.weights.count)")
      }
      for (d, values) in s.conductances.enumerated() {
        let key = names[d] + "_conductances"
        guard values.count == layer.count else {
          throw ConfigurationError(field: field(key), "must hold \(layer.count) numbers, got \(values.count)")
        }
        for x in 0..<layer.count {
          let v = values[x], low = layer.low(d, x), high = layer.high(d, x)
          guard v >= low && v <= high else {
            throw ConfigurationError(
              field: field(key),
              "cell \(x) (row \(x / layer.columns), column \(x % layer.columns)) holds \(v), outside its device's range \(low)…\(high) (G_max units)")
          }
        }
      }
      for (d, values) in s.positions.enumerated() {
        let key = names[d] + "_positions", last = Int32(layer.measuredStates) << 16
        guard values.count == layer.count else {
          throw ConfigurationError(field: field(key), "must hold \(layer.count) numbers, got \(values.count)")
        }
        if let x = values.firstIndex(where: { $0 < 0 || $0 > last }) {
          throw ConfigurationError(
            field: field(key), "cell \(x) holds \(values[x]), outside 0…\(last) (the curve's \(layer.measuredStates) pulses, 16.16 fixed point)")
        }
      }
      // The cache is kept in step with the devices pulse by pulse: it may
      // drift from their sum in its last bits, not by a step.
      for x in 0..<layer.count {
        var sum: Float = 0
        for k in 0..<layer.kinds { sum += s.conductances[2 * k][x] - s.conductances[2 * k + 1][x] }
        guard abs(s.weights[x] - sum) <= 1e-3 else {
          throw ConfigurationError(
            field: field("weights"),
            "cell \(x) holds \(s.weights[x]), but its devices give \(sum) (Σ of G+ − G−): the weights do not belong to these conductances")
        }
      }
    }
    for ((layer, s), streams) in zip(zip(layers, states), noises) {
      if let streams {
        layer.noise = streams[0]
        for (share, (stream, pending)) in zip(layer.shares, zip(streams.dropFirst(), s.pendingNoise)) {
          share.noise = stream
          share.noiseNext = ApplyShare.noiseBlock - pending.count
          for (k, index) in pending.enumerated() { share.noiseIndex[share.noiseNext + k] = index }
        }
      }
      for (d, values) in s.conductances.enumerated() { for x in 0..<layer.count { layer.g[d][x] = values[x] } }
      for x in 0..<layer.count { layer.w[x] = s.weights[x] }
      for (d, values) in s.positions.enumerated() { for x in 0..<layer.count { layer.measuredState![d][x] = values[x] } }
      layer.pulses = s.pulses
      layer.repotentiations = s.repotentiations
      layer.resets = s.resets
      layer.recomputeLineSums()
    }
    if let encoders { for (share, g) in zip(encodeShares, encoders) { share.rng = g } }
    synchronizeLines()
    // The checkpoint's phase, either way (a network that had switched took
    // a dynamic checkpoint's devices and stayed fine: mutation round 10).
    self.phase = phase
  }
}
