import Circuit
import Peripherals

/// The training phase of a hybrid network (Choi et al. 2021, Fig. 2D).
public enum HybridPhase: String, Sendable {
  /// Only the big arrays receive update pulses.
  case dynamic
  /// Only the small arrays receive update pulses; the big ones are fixed.
  case fine
}

/// A network of Choi's hybrid synapses (`rule hybrid`) or of single pairs
/// of the same devices (`rule single`), trained on chip with fully
/// parallel row/column coincidence updates.
///
/// One sample: pixels in [0, 1] drive the rows; every layer's forward read
/// sums the currents of its big and small arrays (W = (G+ − G−) + (g+ − g−));
/// hidden neurons are hard sigmoids; softmax and δ = p − t at the output
/// are software; the transposed read of the same arrays, times the neuron
/// circuit's derivative, gives the hidden δ (Choi eq. 2). Then the update
/// (Choi eq. 3, ΔW = −η·δ·xᵀ) goes, in one parallel phase per layer, to the
/// arrays the phase selects (big while `dynamic`, small while `fine`: the
/// array-selection logic):
///
/// - `stochastic`: row i fires in each of BL slots with probability
///   C_x·x_i, column j with C_δ·|δ_j|; the G+ array's columns fire where
///   δ_j < 0 and the G− array's where δ_j > 0; each coincidence is one
///   identical pulse of step μ, so E[ΔW_ij] = −BL·C_x·C_δ·μ·x_i·δ_j. The
///   scales are set so that BL·C_x·C_δ·μ = η: C_x = C_δ = √(η/(BL·μ)) while
///   that is ≤ 1, else C_x = 1 and C_δ = η/(BL·μ) (x ≤ 1 always fits;
///   larger |δ| clip at probability 1).
/// - `deterministic`: thermometer-coded rows, evenly spread columns, the
///   same scales; the overlap is the outer product rounded to the nearest
///   pulse.
/// - `sign`: Lim's rule on the selected arrays: one pulse per synapse with
///   x_i > 0 and |δ_j| beyond the comparator's dead band (`threshold` at
///   the output, `hidden_threshold` inside); method b at G_max.
///
/// A pulse that finds its device at G_max triggers, for the coincidence
/// encodings, Burr's occasional reset (both devices reset, the pair's
/// weight re-potentiated onto one of them), and for `sign`, method b.
public final class HybridNetwork: TwoShareWork, @unchecked Sendable {
  let layers: [HybridLayer]
  public let sizes: [Int]
  public let isHybrid: Bool
  public internal(set) var phase: HybridPhase = .dynamic
  let neuron: HardSigmoidNeuron
  let useGate: Bool
  let lossKind: OutputLoss
  let encoding: UpdateEncoding
  let encoder: PulseTrainEncoder
  /// Each layer's comparators, one per output column (the sign rule's
  /// dead band on δ; `threshold` at the output, `hidden_threshold` inside,
  /// each with its own offset when `comparator_offset` > 0).
  let columnComparators: [[Comparator]]
  /// The sign encoding's comparator offsets per layer, one per column (nil
  /// without `comparator_offset`): a pulse's polarity is the comparator's
  /// sgn(δ + offset), as rule lim's.
  let polarityOffsets: [UnsafeMutablePointer<Float>?]
  /// Each layer's forward read periphery: the input DAC, transimpedance,
  /// offsets and ADC, as rule lim's (`LimNetwork.senseChains`).
  public let senseChains: [SenseChain]
  let idealSense: Bool
  /// The number of the training image being trained (from the devices'
  /// first run on), which keys its reads' noise (`read_noise`,
  /// `transposed_read_noise`; `Experiment.run` sets it).
  public var readImage: UInt64 = 0
  /// σ of the transposed reads' noise, in units of δ (0: none).
  let transposedNoise: Float
  let drive: WriteDrive
  public let configuration: TrainingConfiguration
  /// Σ over reads of Σ_line (drive/V_read)²·load (normalised): × V_read²·
  /// t_read·G_max is the read energy Σ V·I·t.
  var readLoad = 0.0
  /// Σ over reads of Σ_line (drive/V_read)² × the cells on the lines it
  /// drives (normalised): × V_read²·C what charging them costs. A forward
  /// read's row drives its D line in each of the layer's arrays (N cells
  /// each), a transposed read's column its S lines (M cells each).
  var readLineCells = 0.0
  /// `line_capacitance` > 0: the reads through resistive lines count the
  /// cells they charge too (`bookLineCells`).
  let chargesLines: Bool
  /// The random bits of the stochastic pulse trains, one stream per share
  /// (share h encodes the rows and the columns of its half).
  let encodeShares: [EncodeShare]
  /// The second thread (`threads` 2), or nil: both shares on this one.
  private var helper: ShareHelper?
  /// C_x and C_δ of the trains that update the big and the small arrays.
  let rowScale: [Float]
  let columnScale: [Float]

  var activations: [[Float]]
  var sums: [[Float]]
  var derivatives: [[Float]]
  var deltas: [[Float]]
  /// Per hidden layer, the derivative gates found open over the samples
  /// trained since the last `takeGateOpenFractions()` (as rule lim's: a
  /// hidden layer that never learned had no word for these rules; a
  /// walkthrough, session 51).
  var gateOpenCounts: [Int] = []
  var gateSamples = 0
  /// The trains of an update: share h's rows from `rowStart(l, h)`, its
  /// up and down columns from `columnStart(l, h)` (raw buffers: the two
  /// shares write them at the same time).
  let rowIndex: [UnsafeMutablePointer<Int32>]
  let rowWords: [UnsafeMutablePointer<UInt64>]
  let upIndex: UnsafeMutablePointer<Int32>
  let upWords: UnsafeMutablePointer<UInt64>
  let downIndex: UnsafeMutablePointer<Int32>
  let downWords: UnsafeMutablePointer<UInt64>
  /// The transposed read's δ drive through a DAC with bits (one per
  /// column of the widest layer).
  let deltaDrive: UnsafeMutablePointer<Float>
  var scratch: [Int32]
  /// The first layer's forward shares' own row lists (share h's from
  /// h·rows).
  let shareScratch: UnsafeMutablePointer<Int32>
  /// The disturb model's per-line trains (its slow path, kept allocated).
  var rowOf: [UInt64]
  var colOf: [UInt64]
  var polarity: [Int8]
  /// Σ over trained samples of the squared error Σ_j (p_j − t_j)²/n.
  public private(set) var squaredErrorSum: Double = 0
  /// With resistive lines (`wires resistive`): each layer's arrays and
  /// their nodal reads; nil with ideal wires, where a read is the weight
  /// cache's exact sum.
  let lines: [HybridLines]?
  /// The first resistive read that failed (no convergence, a refused
  /// value); training stops at the next chunk, as rule lim's does.
  public private(set) var wireError: (any Error)? = nil
  /// With `write_lines resistive`: each layer's parallel slots through
  /// its lines; nil with ideal writes.
  let writeLines: [HybridWriteLines]?
  /// The transposed read's outputs through the lines (every row's; the
  /// bias row's is dropped), as wide as the widest layer's rows.
  let transposedOut: UnsafeMutablePointer<Float>
  /// Training samples seen (each one forward read per layer and one
  /// transposed read per hidden layer).
  public private(set) var trainSamples = 0
  /// Called by every layer's update once its trains are encoded and
  /// before they are applied (`xbarsim inspect`); nil while training, so
  /// the update pays one nil test per layer. Not called for a layer none
  /// of whose columns fires (its rows are then not encoded).
  public var updateObserver: ((HybridUpdateTrains) -> Void)?
  /// With `write_lines resistive`: called by every layer's update after
  /// its slots were solved, with the coincidences the lines held back
  /// (`xbarsim inspect`'s per-cell count of those that landed); nil while
  /// training.
  public var heldBackObserver: ((_ layer: Int, _ cells: [HybridHeldBack]) -> Void)?

  /// - Throws: `ConfigurationError` for a configuration the finite-state
  ///   rules cannot run.
  public init(configuration cfg: TrainingConfiguration) throws {
    require(cfg.rule.isFiniteState, "HybridNetwork trains rule hybrid or single")
    try cfg.validate()
    sizes = cfg.layers
    isHybrid = cfg.rule == .hybrid
    var rng = SeededGenerator(seed: cfg.seed, stream: 11)
    let policy: SaturationPolicy = cfg.encoding == .sign ? .methodB : .refresh
    var ls: [HybridLayer] = []
    for l in 0..<(cfg.layers.count - 1) {
      ls.append(HybridLayer(
        inputs: cfg.layers[l], outputs: cfg.layers[l + 1], kinds: isHybrid ? 2 : 1,
        configuration: cfg, policy: policy, rng: &rng, layerIndex: l))
    }
    layers = ls
    let lines = (0..<(cfg.layers.count - 1)).map { max(cfg.layers[$0] + 1, cfg.layers[$0 + 1]) }.max()!
    encodeShares = (0..<2).map { h in
      EncodeShare(rng: SeededGenerator(seed: cfg.seed, stream: 12 + UInt64(h)), lines: lines)
    }
    neuron = cfg.neuron
    useGate = cfg.floatDerivative == .gate
    lossKind = cfg.loss
    encoding = cfg.encoding
    encoder = try PulseTrainEncoder(length: cfg.pulseTrainLength)
    (senseChains, columnComparators) = cfg.periphery(columns: ls.map(\.columns))
    idealSense = senseChains.allSatisfy(\.isIdeal)
    transposedNoise = Float(cfg.transposedReadNoise)
    polarityOffsets = columnComparators.map { c in
      guard cfg.encoding == .sign && cfg.comparatorOffset > 0 else { return nil }
      let p = UnsafeMutablePointer<Float>.allocate(capacity: c.count)
      for j in c.indices { p[j] = c[j].offset }
      return p
    }
    drive = WriteDrive(voltage: cfg.writeVoltage, threshold: cfg.writeThreshold, disturbStep: cfg.disturbStep)
    configuration = cfg
    var cx: [Float] = [], cd: [Float] = []
    for mu in ls[0].step {
      let a = Double(cfg.learningRate) / (Double(cfg.pulseTrainLength) * Double(mu))
      let x = min(1, a.squareRoot())
      cx.append(Float(x))
      cd.append(Float(a / x))
    }
    if cfg.fineTrains == .same && cx.count == 2 {
      // The small arrays get the big arrays' trains: η·μ_small/μ_big on
      // them (η/k when small_states = states).
      cx[1] = cx[0]
      cd[1] = cd[0]
    }
    rowScale = cx
    columnScale = cd
    activations = ls.map { [Float](repeating: 0, count: $0.rows) }
    sums = ls.map { [Float](repeating: 0, count: $0.columns) }
    derivatives = sums
    gateOpenCounts = [Int](repeating: 0, count: cfg.layers.count - 2)
    deltas = sums
    rowIndex = ls.map { .allocate(capacity: $0.rows) }
    rowWords = ls.map { .allocate(capacity: $0.rows) }
    let widest = cfg.layers.dropFirst().max()!
    upIndex = .allocate(capacity: widest)
    downIndex = .allocate(capacity: widest)
    upWords = .allocate(capacity: widest)
    downWords = .allocate(capacity: widest)
    deltaDrive = .allocate(capacity: widest)
    scratch = [Int32](repeating: 0, count: (cfg.layers.max() ?? 0) + 2)
    shareScratch = .allocate(capacity: 2 * (cfg.layers[0] + 1))
    jobLayer = ls[0]
    rowOf = [UInt64](repeating: 0, count: (cfg.layers.max() ?? 0) + 1)
    colOf = [UInt64](repeating: 0, count: widest)
    polarity = [Int8](repeating: -1, count: widest)
    self.lines = !cfg.wireModel.isIdeal ? ls.map { HybridLines(layer: $0, configuration: cfg) } : nil
    transposedOut = .allocate(capacity: ls.map(\.rows).max()!)
    chargesLines = cfg.lineCapacitance > 0
    writeLines = cfg.writeLines == .resistive && !cfg.wireModel.isIdeal
      ? ls.map {
        HybridWriteLines(
          rows: $0.rows, columns: $0.columns, wires: cfg.wireModel, threshold: cfg.writeThreshold,
          writeVoltage: cfg.writeVoltage, scale: cfg.gMaxSiemens)
      } : nil
    for (layer, lines) in zip(ls, writeLines ?? []) {
      layer.writeBlocked = lines.blocked
      layer.writeLines = lines
    }
    if cfg.threads == 2 {
      helper = ShareHelper()
      helper!.start(self)
    }
  }

  deinit {
    // The helper thread reads this network: end it first.
    helper?.stop()
    for p in rowIndex { p.deallocate() }
    for p in rowWords { p.deallocate() }
    for p in [upIndex, downIndex] { p.deallocate() }
    for p in [upWords, downWords] { p.deallocate() }
    shareScratch.deallocate()
    deltaDrive.deallocate()
    transposedOut.deallocate()
    for p in polarityOffsets { p?.deallocate() }
  }

  /// The arrays updated now.
  public var selectedKind: SynapseKind { phase == .fine ? .small : .big }

  /// Moves the updates from the big to the small arrays (hybrid only).
  public func switchToFineTuning() {
    if isHybrid { phase = .fine }
  }

  public var pulses: Int { layers.reduce(0) { $0 + $1.pulses } }
  public var repotentiations: Int { layers.reduce(0) { $0 + $1.repotentiations } }
  public var resets: Int { layers.reduce(0) { $0 + $1.resets } }
  /// Every device's pulses and resets so far (`endurance`; nil without).
  public var endurance: EnduranceStatistics? {
    // Device d·count + x is array d's cell x, as the stuck marks are kept.
    enduranceStatistics(
      layers.map(\.endurance), kinds: layers[0].kinds,
      stuck: layers.map { l in
        guard let marks = l.stuckDevices else { return nil }
        let n = l.count
        return { i in marks[i / n][i % n] != 0 }
      })
  }
  /// Synapses that received at least one pulse, summed over updates.
  public var cellUpdates: Int { layers.reduce(0) { $0 + $1.cellUpdates } }
  /// Synapses in the network.
  public var synapseCount: Int { layers.reduce(0) { $0 + $1.count } }
  /// The fraction of synapses whose pair of `kind` is at its weight limit
  /// (`HybridLayer.pairsAtLimit`); nil for the small pairs of rule single.
  public func fractionAtLimit(_ kind: SynapseKind) -> Double? {
    guard kind == .big || isHybrid else { return nil }
    return Double(layers.reduce(0) { $0 + $1.pairsAtLimit(kind) }) / Double(synapseCount)
  }
  /// The mean conductance of every device of the four (or two) arrays,
  /// normalised to the big G_max.
  public var meanConductance: Double {
    var sum = 0.0, count = 0
    for layer in layers {
      for d in layer.g {
        for x in 0..<layer.count { sum += Double(d[x]) }
        count += layer.count
      }
    }
    return sum / Double(max(1, count))
  }
  /// Half-selected slots that moved a device (0 below the threshold).
  public var disturbs: Int { layers.reduce(0) { $0 + $1.disturbs } }

  /// Energy and latency of the training so far, built from the simulation
  /// as for Lim's network (`LimNetwork.ledger`): reads Σ V²·G·t over every
  /// device of every driven line (all four arrays), V_p²·G·t_p per pulse and
  /// V_r²·G·t_r per reset with G the device's conductance before it, the
  /// half-selected cells of every update slot at (V/2)²·G·t
  /// (`HybridLayer.bookHalfSelected`; a refresh's resets and
  /// re-potentiation pulses half-select their device's row and column), one
  /// DAC conversion per driven line and one ADC conversion per sensed
  /// column of each forward read (at `dac_bits` and `adc_bits`; ideal
  /// converters costed at 8 bits), and
  /// the update phases fully parallel: BL slots per layer and phase (one
  /// for the sign rule), plus the refreshes' resets and re-potentiation
  /// pulses one slot each, in series.
  public func ledger(costs: ConverterCosts = ConverterCosts()) -> EnergyLedger {
    let cfg = configuration
    var e = EnergyLedger()
    let v = cfg.readVoltage, g = cfg.gMaxSiemens
    // Through resistive lines, the drivers' Σ V·I·t as each nodal solve
    // gave it (the lines' own dissipation included); else the devices'.
    e.read = lines.map { $0.reduce(0) { $0 + $1.readEnergy } } ?? v * v * cfg.readTime * g * readLoad
    // A coincidence puts the full write voltage V_w across its cell (the
    // voltage `WriteDrive` tests against the threshold), not Lim's V_p:
    // `pulseGenerator` picks it by the rule.
    let pulse = cfg.pulseGenerator
    e.program = pulse.programEnergy(conductanceSum: layers.reduce(0) { $0 + $1.pulseConductance }, unit: g)
    e.reset = pulse.resetEnergy(conductanceSum: layers.reduce(0) { $0 + $1.resetConductance }, unit: g)
    // The half-selected cells see half of each slot's pulse.
    let write = pulse.amplitude(of: .potentiate) / 2, reset = pulse.amplitude(of: .reset) / 2
    e.halfSelect =
      write * write * pulse.width(of: .potentiate) * g * layers.reduce(0) { $0 + $1.halfSelectWrite }
      + reset * reset * pulse.width(of: .reset) * g * layers.reduce(0) { $0 + $1.halfSelectReset }
    if cfg.lineCapacitance > 0 {
      // Each line a read or slot drives, charged to its voltage and back.
      e.readLines = cfg.lineCapacitance * v * v * readLineCells
      e.updateLines = cfg.lineCapacitance * (
        write * write * layers.reduce(0) { $0 + $1.lineCellsWrite } + reset * reset * layers.reduce(0) { $0 + $1.lineCellsReset })
    }
    var dac = 0, adc = 0
    for (l, layer) in layers.enumerated() {
      dac += trainSamples * layer.rows + (l > 0 ? trainSamples * layer.columns : 0)
      adc += trainSamples * layer.columns
    }
    e.dac = Double(dac) * costs.dacEnergy(bits: cfg.dacBits)
    e.adc = Double(adc) * costs.adcEnergy(bits: cfg.adcBits)
    let transposedReads = trainSamples * (layers.count - 1)
    e.readTime = layers.reduce(0) { $0 + Double(trainSamples) * cfg.forwardReadTime(columns: $1.columns, costs: costs) }
      + Double(transposedReads) * cfg.readTime
    e.updateTime = cfg.updateTime(
      slots: layers.reduce(0) { $0 + $1.updateSlots }, resetSlots: layers.reduce(0) { $0 + $1.resetSlots })
    return e
  }

  /// The combined weights W of each layer (normalised to G_max), for
  /// evaluation; valid while the network lives.
  public var weightPointers: [UnsafePointer<Float>] { layers.map { UnsafePointer($0.w) } }

  /// The weights each layer's reads apply, normalised to G_max: the
  /// weight caches with ideal wires; with resistive lines the sum of its
  /// arrays' transfer matrices, solved now on the current conductances
  /// (valid until the next update).
  ///
  /// - Throws: `SolverError.stopped` when `stop` answers true, or what a
  ///   transfer matrix's solves throw.
  public func effectiveWeights(stop: () -> Bool = { false }) throws -> [UnsafePointer<Float>] {
    guard let lines else { return weightPointers }
    return try lines.map { try $0.effectiveWeights(stop: stop) }
  }

  /// The weights of layer l, row-major (inputs + 1) × outputs.
  public func weights(layer l: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: layers[l].w, count: layers[l].count))
  }

  /// The arrays of layer l of one kind, in siemens (big G_max = `gMax`).
  public func array(layer l: Int, kind: SynapseKind, gMax: Double) -> DifferentialArray {
    layers[l].array(kind, gMax: gMax)
  }


  // MARK: - Forward and backward

  private func forward(_ pixels: UnsafePointer<UInt8>, bookEnergy: Bool = false) {
    let n0 = sizes[0]
    activations[0].withUnsafeMutableBufferPointer { a in
      for i in 0..<n0 { a[i] = Float(pixels[i]) * (1 / 255) }
      a[n0] = 1
    }
    for l in 0..<layers.count {
      let layer = layers[l]
      // The DAC's levels replace the activations (so the update's row
      // trains encode what the DAC drives), as in rule lim.
      if !idealSense { activations[l].withUnsafeMutableBufferPointer { senseChains[l].quantizeDrive($0) } }
      activations[l].withUnsafeBufferPointer { a in
        if bookEnergy && lines == nil {
          // Every device of a driven row sees its row's voltage (the driven
          // rows compacted first, without a branch per row).
          readLoad += drivenLoad(a.baseAddress!, a.count, layer.rowLoad, lineCells: Double(2 * layer.kinds * layer.columns))
        } else if bookEnergy && chargesLines {
          // Through resistive lines the solves book the read energy; the
          // lines' charging is the same C·V² per cell.
          bookLineCells(a.baseAddress!, a.count, lineCells: Double(2 * layer.kinds * layer.columns))
        }
        sums[l].withUnsafeMutableBufferPointer { s in
          if let lines {
            do {
              try lines[l].read(
                .forward, input: a.baseAddress!, inputCount: a.count, output: s.baseAddress!, outputCount: s.count,
                bookEnergy: bookEnergy)
            } catch {
              if wireError == nil { wireError = error }
            }
          } else if l == 0 {
            // The first layer in two column shares (as its update).
            job = Job(kind: .forward, layer: 0, x: a.baseAddress!, d: nil, out: s.baseAddress!)
            jobLayer = layer
            runShares(parallel: true)
          } else {
            scratch.withUnsafeMutableBufferPointer { sc in
              _ = _forwardKernel(layer.w, a.baseAddress!, s.baseAddress!, layer.rows, layer.columns, scratch: sc.baseAddress!)
            }
          }
          // The sums (in units of V_read·G_max) through the transimpedance,
          // offsets and ADC.
          if !idealSense {
            let read = senseChains[l].noise > 0 ? ReadNoise.key(seed: configuration.seed, kind: ReadNoise.Kind.trainingForward, index: readImage, layer: l) : 0
            senseChains[l].sums(currents: UnsafeBufferPointer(s), scale: 1, into: s, read: read)
          }
        }
      }
      if l + 1 < layers.count {
        let c = neuron, gate = useGate
        sums[l].withUnsafeBufferPointer { s in
          derivatives[l].withUnsafeMutableBufferPointer { d in
            activations[l + 1].withUnsafeMutableBufferPointer { a in
              for j in 0..<s.count {
                a[j] = c.activation(s[j])
                d[j] = gate ? c.gate(s[j]) : c.derivative(s[j])
              }
              a[s.count] = 1
            }
          }
        }
      }
    }
  }

  /// With resistive lines: books Σ v² × `lineCells` on `readLineCells`
  /// as `drivenLoad` does (the same sum, in the same order).
  private func bookLineCells(_ v: UnsafePointer<Float>, _ n: Int, lineCells: Double) {
    var q = 0.0
    for i in 0..<n where v[i] != 0 { q += Double(v[i] * v[i]) }
    readLineCells += q * lineCells
  }

  /// Σ over lines with v ≠ 0 of v²·load, in line order; books Σ v² ×
  /// `lineCells` (the cells a drive charges) on `readLineCells`.
  private func drivenLoad(_ v: UnsafePointer<Float>, _ n: Int, _ load: UnsafePointer<Double>, lineCells: Double) -> Double {
    scratch.withUnsafeMutableBufferPointer { sc in
      let active = sc.baseAddress!
      var e = 0.0, q = 0.0
      for r in 0..<_compactNonZero(v, 0..<n, into: active) {
        let i = Int(active[r])
        let v2 = Double(v[i] * v[i])
        e += v2 * load[i]
        q += v2
      }
      readLineCells += q * lineCells
      return e
    }
  }

  public func predict(_ pixels: UnsafePointer<UInt8>) -> Int {
    forward(pixels)
    return argmax(sums[layers.count - 1])
  }

  /// Trains on one sample; returns its loss (`loss`) before the update.
  ///
  /// - Parameters:
  ///   - pixels: The image, `sizes[0]` bytes (0…255), row-major.
  ///   - label: The class, one of the `sizes.last` output neurons.
  /// - Precondition: `0 <= label < sizes.last` (a label beyond the output
  ///   layer trained every output towards 0 and returned a loss of 0).
  @discardableResult
  public func train(_ pixels: UnsafePointer<UInt8>, label: Int) -> Float {
    checkLabel(label, of: sizes)
    forward(pixels, bookEnergy: true)
    let last = layers.count - 1
    var loss: Float = 0
    var squared: Float = 0
    trainSamples += 1
    sums[last].withUnsafeBufferPointer { s in
      deltas[last].withUnsafeMutableBufferPointer { d in
        (loss, squared) = outputLoss(s, label: label, delta: d, loss: lossKind)
        squared /= Float(d.count)
        if encoding == .sign {
          columnComparators[last].withUnsafeBufferPointer { c in
            for j in 0..<d.count { d[j] = c[j].deadBand(d[j]) }
          }
        }
      }
    }
    squaredErrorSum += Double(squared)
    countOpenGates()
    var l = last
    while l > 0 {
      backward(l)
      l -= 1
    }
    // A resistive read that failed left stale or partial sums (one kind's
    // array read, not the other's): no update from them (the run stops at
    // the next check), as rule lim's.
    guard wireError == nil else { return loss }
    for l in 0..<layers.count { update(l) }
    return loss
  }

  /// Adds this sample's open derivative gates (hidden neurons with a
  /// non-zero derivative) to `gateOpenCounts`.
  @inline(__always)
  private func countOpenGates() {
    for l in 0..<gateOpenCounts.count {
      var open = 0
      derivatives[l].withUnsafeBufferPointer { d in
        for j in 0..<d.count { open += d[j] != 0 ? 1 : 0 }
      }
      gateOpenCounts[l] += open
    }
    gateSamples += 1
  }

  /// Per hidden layer, the fraction of its neurons whose derivative gate
  /// was open over the samples trained since the previous call; then
  /// restarts the count (`LimNetwork.takeGateOpenFractions`). Empty
  /// without hidden layers or samples.
  public func takeGateOpenFractions() -> [Double] {
    takeFractions(&gateOpenCounts, &gateSamples, columns: layers.map(\.columns))
  }

  /// δ of layer l−1 from δ of layer l: the transposed read of all arrays of
  /// layer l (the combined W), times the neuron's derivative.
  private func backward(_ l: Int) {
    let layer = layers[l]
    let sign = encoding == .sign
    deltas[l].withUnsafeBufferPointer { delta in
      // The δ drive: through the DAC's signed levels when it has bits (as
      // rule lim's); the update's column trains still encode δ itself.
      let dac = senseChains[l].dac
      if dac.bits > 0 {
        for j in 0..<delta.count { deltaDrive[j] = dac.convertSigned(delta[j]) }
      }
      let d = dac.bits > 0 ? UnsafeBufferPointer(start: deltaDrive, count: delta.count) : delta
      if lines == nil {
        readLoad += drivenLoad(d.baseAddress!, d.count, layer.columnLoads(), lineCells: Double(2 * layer.kinds * layer.rows))
      } else if chargesLines {
        bookLineCells(d.baseAddress!, d.count, lineCells: Double(2 * layer.kinds * layer.rows))
      }
      deltas[l - 1].withUnsafeMutableBufferPointer { out in
        if let lines {
          // Every row's current out of the lines; the bias row's dropped.
          do {
            try lines[l].read(
              .transposed, input: d.baseAddress!, inputCount: d.count, output: transposedOut,
              outputCount: layer.rows, bookEnergy: true)
          } catch {
            if wireError == nil { wireError = error }
          }
          for i in 0..<out.count { out[i] = transposedOut[i] }
        } else {
          // The bias row's δ is not needed: read the rows of the neurons only.
          _transposedKernel(layer.w, d.baseAddress!, out.baseAddress!, layer.rows - 1, layer.columns)
        }
        derivatives[l - 1].withUnsafeBufferPointer { f in
          columnComparators[l - 1].withUnsafeBufferPointer { c in
            if transposedNoise > 0 {
              // The sense amplifier's noise on the read, then the gate
              // (kind 4: not the forward read's draws).
              let key = ReadNoise.key(seed: configuration.seed, kind: ReadNoise.Kind.trainingTransposed, index: readImage, layer: l)
              let sigma = transposedNoise
              for i in 0..<out.count {
                let v = (out[i] + sigma * ReadNoise.normal(key, i)) * f[i]
                out[i] = sign ? c[i].deadBand(v) : v
              }
            } else {
              for i in 0..<out.count {
                let v = out[i] * f[i]
                out[i] = sign ? c[i].deadBand(v) : v
              }
            }
          }
        }
      }
    }
  }

  // MARK: - Update

  /// Builds the row and column trains of layer l from `activations[l]` and
  /// `deltas[l]` and applies them to the selected arrays, in two shares:
  /// share h encodes its half of the columns (both on this thread), then
  /// (unless no column of either share fires: nothing would be programmed)
  /// its half of the rows, each share with its own random stream, then
  /// applies every row's coincidences with its half of the columns. The
  /// result does not depend on whether the shares run on one thread or two
  /// (`threads`); the first layer's go on two.
  func update(_ l: Int) {
    let layer = layers[l]
    let e0 = encodeShares[0], e1 = encodeShares[1]
    var fires = false
    activations[l].withUnsafeBufferPointer { a in
      deltas[l].withUnsafeBufferPointer { d in
        job = Job(kind: .encodeRows, layer: l, x: a.baseAddress!, d: d.baseAddress!, out: nil)
        jobLayer = layer
        // The columns on this thread (mostly sparse trains, one draw each:
        // not worth a hand-over), then the rows on two threads.
        encodeColumns(0)
        encodeColumns(1)
        fires = e0.ups + e0.downs + e1.ups + e1.downs > 0
        if fires { runShares(parallel: l == 0) }
      }
    }
    guard fires else { return }
    // The rows, in order: share 1's after share 0's.
    let rows = rowIndex[l], words = rowWords[l], r1 = rowStart(l, 1)
    (rows + e0.rows).update(from: rows + r1, count: e1.rows)
    (words + e0.rows).update(from: words + r1, count: e1.rows)
    let rowCount = e0.rows + e1.rows
    if let updateObserver { updateObserver(trains(l, rowCount: rowCount)) }
    guard rowCount > 0 else { return }
    let kind = selectedKind
    // Every encoding half-selects: the sign rule's one slot too (rows with
    // x > 0 beside columns that do not fire, and the reverse). Their
    // energy is booked with the devices as they are before the update.
    layer.bookHalfSelected(kind: kind, rows: rows, rowWords: words, rowCount: rowCount)
    for h in 0..<2 {
      let c0 = columnStart(l, h), e = encodeShares[h]
      layer.bookHalfSelected(kind: kind, polarity: 0, columns: upIndex + c0, words: upWords + c0, count: e.ups)
      layer.bookHalfSelected(kind: kind, polarity: 1, columns: downIndex + c0, words: downWords + c0, count: e.downs)
    }
    if drive.disturbsHalfSelected { disturb(layer, kind: kind, l, rowCount: rowCount) }
    if let writeLines { gate(writeLines[l], layer, kind: kind, l, rowCount: rowCount) }
    job.kind = .apply
    runShares(parallel: l == 0)
    layer.finishUpdate(kind: kind, slots: encoding == .sign ? 1 : encoder.length, rows: rows, rowCount: rowCount)
    if let heldBackObserver, let w = writeLines?[l] { heldBackObserver(l, w.heldBack) }
    writeLines?[l].clear()
    if let lines {
      // The arrays the next reads solve: the driven rows' devices (the
      // disturb model's moves reach every line's cells: all of them).
      if drive.disturbsHalfSelected {
        lines[l].synchronize(layer, kind: kind.rawValue)
      } else {
        lines[l].synchronize(layer, kind: kind.rawValue, rows: rows, count: rowCount)
      }
    }
  }

  /// Solves the update's slots through the lines, each polarity's array
  /// on its devices before the update, and marks the coincidences that
  /// do not land (`HybridWriteLines`).
  private func gate(_ lines: HybridWriteLines, _ layer: HybridLayer, kind: SynapseKind, _ l: Int, rowCount: Int) {
    for p in 0..<2 {
      var count = 0
      for h in 0..<2 {
        let c0 = columnStart(l, h), e = encodeShares[h]
        let (index, words, n) = p == 0 ? (upIndex + c0, upWords + c0, e.ups) : (downIndex + c0, downWords + c0, e.downs)
        for c in 0..<n {
          lines.columnIndex[count] = index[c]
          lines.columnWords[count] = words[c]
          count += 1
        }
      }
      lines.gate(
        polarity: p, conductance: layer.g[2 * kind.rawValue + p],
        rowIndex: rowIndex[l], rowWords: rowWords[l], rowCount: rowCount, columnCount: count)
    }
  }

  /// What the update's coincidences saw through the lines (`write_lines
  /// resistive`), or nil.
  public var writeLineStatistics: WriteLineStatistics? {
    guard let writeLines else { return nil }
    var s = WriteLineStatistics()
    for w in writeLines { w.add(to: &s) }
    return s
  }

  /// Copies every device into the lines' arrays (after a restore).
  func synchronizeLines() {
    guard let lines else { return }
    for (l, layer) in layers.enumerated() {
      for k in 0..<layer.kinds { lines[l].synchronize(layer, kind: k) }
    }
  }

  /// What the shares do now, and on what (raw pointers: the two shares
  /// read them at once, and a helper thread must not retain shared
  /// objects per sample).
  struct Job {
    enum Kind { case forward, encodeRows, apply }
    var kind: Kind
    var layer: Int
    var x: UnsafePointer<Float>
    var d: UnsafePointer<Float>?
    var out: UnsafeMutablePointer<Float>?
  }
  private var job = Job(kind: .encodeRows, layer: 0, x: UnsafePointer(bitPattern: 8)!, d: nil, out: nil)
  private unowned(unsafe) var jobLayer: HybridLayer

  /// Share h's first row of the encoder's buffer (its rows are
  /// rowStart(l, h) ..< rowStart(l, h + 1)).
  private func rowStart(_ l: Int, _ h: Int) -> Int {
    h == 0 ? 0 : (h == 1 ? layers[l].rows / 2 : layers[l].rows)
  }
  /// Share h's first column.
  private func columnStart(_ l: Int, _ h: Int) -> Int {
    h == 0 ? 0 : (h == 1 ? layers[l].columnSplit : layers[l].columns)
  }

  /// Runs the current job's two shares: on two threads when there is a
  /// helper and `parallel`, else one after the other.
  @inline(__always)
  private func runShares(parallel: Bool) {
    if parallel, let helper {
      helper.run()
    } else {
      runShare(0)
      runShare(1)
    }
  }

  func runShare(_ h: Int) {
    switch job.kind {
    case .forward: forwardShare(h)
    case .encodeRows: encodeRows(h)
    case .apply: applyShare(h)
    }
  }

  /// Share h's columns of a forward read of layer `job.layer`.
  private func forwardShare(_ h: Int) {
    let layer = jobLayer
    let c0 = h == 0 ? 0 : layer.columnSplit, c1 = h == 0 ? layer.columnSplit : layer.columns
    guard c1 > c0 else { return }
    _forwardKernel(
      layer.w + c0, job.x, job.out! + c0, layer.rows, c1 - c0, scratch: shareScratch + h * layer.rows, rowStride: layer.columns)
  }

  /// One line's train for probability (or code) p: stochastic, the
  /// deterministic row or column code, or the sign rule's single slot.
  @inline(__always)
  private func train(_ p: Float, row: Bool, _ rng: inout SeededGenerator) -> UInt64 {
    switch encoding {
    case .stochastic: return encoder.stochastic(p, &rng)
    case .deterministic: return row ? encoder.thermometer(p) : encoder.spread(p)
    case .sign: return 1
    }
  }

  /// Share h's column trains: its columns with δ ≠ 0, split by the array
  /// they drive (δ < 0: G+).
  private func encodeColumns(_ h: Int) {
    let l = job.layer
    let cd = columnScale[selectedKind.rawValue]
    let share = encodeShares[h]
    var rng = share.rng
    var ups = 0, downs = 0
    let c0 = columnStart(l, h), c1 = columnStart(l, h + 1)
    let ui = upIndex + c0, uw = upWords + c0, di = downIndex + c0, dw = downWords + c0
    let d = job.d!
    let offsets = polarityOffsets[l]
    let active = share.activeLines
    let count = _compactNonZero(d, c0..<c1, into: active)
    for r in 0..<count {
      let j = Int(active[r])
      let word = train(cd * abs(d[j]), row: false, &rng)
      if word == 0 { continue }
      if d[j] + (offsets?[j] ?? 0) < 0 {
        ui[ups] = Int32(j)
        uw[ups] = word
        ups += 1
      } else {
        di[downs] = Int32(j)
        dw[downs] = word
        downs += 1
      }
    }
    share.rng = rng
    share.ups = ups
    share.downs = downs
  }

  /// Share h's row trains: its rows with x > 0.
  private func encodeRows(_ h: Int) {
    let l = job.layer
    let cx = rowScale[selectedKind.rawValue]
    let share = encodeShares[h]
    var rng = share.rng
    var rows = 0
    let r0 = rowStart(l, h), r1 = rowStart(l, h + 1)
    let ri = rowIndex[l] + r0, rw = rowWords[l] + r0
    let a = job.x
    let active = share.activeLines
    let count = _compactPositive(a, r0..<r1, into: active)
    for r in 0..<count {
      let i = Int(active[r])
      let word = train(cx * a[i], row: true, &rng)
      if word != 0 {
        ri[rows] = Int32(i)
        rw[rows] = word
        rows += 1
      }
    }
    share.rng = rng
    share.rows = rows
  }

  /// Share h's coincidences: every row against its columns.
  private func applyShare(_ h: Int) {
    let l = job.layer
    let c0 = columnStart(l, h)
    let e = encodeShares[h]
    jobLayer.applyShare(
      h, kind: selectedKind, rowIndex: rowIndex[l], rowWords: rowWords[l],
      rowCount: encodeShares[0].rows + encodeShares[1].rows,
      upIndex: upIndex + c0, upWords: upWords + c0, upCount: e.ups,
      downIndex: downIndex + c0, downWords: downWords + c0, downCount: e.downs)
  }

  /// The optional half-select disturb: expands the trains to every line of
  /// the selected arrays (a slow path, used only when V_w/2 ≥ V_th).
  private func disturb(_ layer: HybridLayer, kind: SynapseKind, _ l: Int, rowCount: Int) {
    // Every line's train, in buffers kept between samples.
    for i in 0..<layer.rows { rowOf[i] = 0 }
    for j in 0..<layer.columns {
      colOf[j] = 0
      polarity[j] = -1
    }
    for r in 0..<rowCount { rowOf[Int(rowIndex[l][r])] = rowWords[l][r] }
    for h in 0..<2 {
      let c0 = columnStart(l, h), e = encodeShares[h]
      for c in c0..<(c0 + e.ups) { colOf[Int(upIndex[c])] = upWords[c]; polarity[Int(upIndex[c])] = 0 }
      for c in c0..<(c0 + e.downs) { colOf[Int(downIndex[c])] = downWords[c]; polarity[Int(downIndex[c])] = 1 }
    }
    layer.disturb(
      kind: kind, fraction: Float(drive.disturbStep), rowWordOf: rowOf, columnWordOf: colOf,
      columnPolarity: polarity)
  }
}

/// One share's encoder state: its random stream and the trains it built.
final class EncodeShare: @unchecked Sendable {
  var rng: SeededGenerator
  var rows = 0, ups = 0, downs = 0
  /// The share's rows with x > 0 and columns with δ ≠ 0, compacted
  /// without a branch per line (which lines are active follows the image).
  let activeLines: UnsafeMutablePointer<Int32>
  init(rng: SeededGenerator, lines: Int) {
    self.rng = rng
    activeLines = .allocate(capacity: lines)
  }
  deinit { activeLines.deallocate() }
}
