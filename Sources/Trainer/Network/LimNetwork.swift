import Circuit
import Peripherals

/// A fully connected network whose every read and update happens in the
/// simulated arrays and peripheral circuits (Lim et al. 2018, Figure 5).
///
/// One sample, end to end: pixels in [0, 1] become read voltages x·V_read
/// on the drain lines (the bias line at V_read); each layer's array is read
/// forward; the differential currents, divided by V_read·G_max (the neuron
/// circuit's transimpedance), are the weighted sums s; hidden neurons apply
/// the hard sigmoid and remember their derivative gates; the output's
/// softmax and δ = p − t are software; the comparator's dead band zeroes
/// small δ; δ is driven onto the source lines and the array read transposed
/// to give the hidden δ (gated); finally every synapse with an active input
/// (f(s_i) > 0) and a non-zero δ_j gets one identical pulse, to G+ to raise
/// W (δ_j < 0) or to G− to lower it.
///
/// Mini-batches (`batch_pulses`): by default (`sign`) δ_j·f(s_i) is
/// accumulated over the batch (a digital accumulator per synapse at the
/// array's edge), and at the end of the batch each synapse with a non-zero
/// sum gets one pulse in the direction of −sum. With `net`, each sample's
/// own pulse (−sgn δ_j where f(s_i) > 0) is counted instead and the net
/// count is issued at the end of the batch. The weights are frozen within a
/// batch either way.
public final class LimNetwork: @unchecked Sendable {
  let layers: [LimLayer]
  public let sizes: [Int]
  let neuron: HardSigmoidNeuron
  let batch: Int
  /// Mini-batch combining: net count of the samples' pulses, or one pulse
  /// in the direction of the summed gradient.
  let netPulses: Bool
  /// Whether any δ comparator has an input offset (`comparator_offset`).
  let hasComparatorOffsets: Bool
  /// σ of the transposed reads' noise, in units of δ (0: none).
  let transposedNoise: Float
  let readVoltage: Float
  let gMax: Float
  /// What the network was built from.
  public let configuration: TrainingConfiguration
  /// Each array's forward-read periphery (DAC, transimpedance, sense
  /// offsets, ADC); the evaluator reads through the same circuits.
  public let senseChains: [SenseChain]
  /// Every chain ideal: the forward pass skips them.
  let idealSense: Bool
  /// Per array, one δ comparator per output column: the output layer's
  /// with `threshold`, the hidden layers' with `hidden_threshold`, each with
  /// its input offset (0 without `comparator_offset`).
  let columnComparators: [[Comparator]]
  /// Samples trained (each: one forward read per array) and, of them,
  /// those that back-propagated (one transposed read per array but the
  /// first): the counts behind the converter energies and read latency.
  public private(set) var trainedSamples = 0
  public private(set) var backwardSamples = 0
  /// The read energy and the counts above when the open mini-batch began:
  /// what the ledger books while a batch is open. A batch's reads are
  /// booked with its update, so a run stopped inside one (whose updates
  /// never go out and whose images are not counted as trained) books none
  /// of them: until session 47 its per-image energy and read latency were
  /// above the uninterrupted run's (ADC 1.81e-8 against 1.29e-8 J an
  /// image, stopped inside a batch of 5000).
  private var atBatchStart: (readEnergy: Double, trained: Int, backward: Int, lineCells: Double) = (0, 0, 0, 0)
  /// Per hidden layer, the open derivative gates summed over the samples
  /// trained since the last `takeGateOpenFractions()`.
  var gateOpenCounts: [Int]
  var gateSamples = 0
  /// Set while a sample is inspected: reads go the exact way and are
  /// recorded (`inspect(_:label:)`).
  var probe: InspectionProbe?

  /// The number of the training image being trained (from the devices'
  /// first run on), which keys its reads' noise (`read_noise`,
  /// `transposed_read_noise`; `Experiment.run` sets it).
  public var readImage: UInt64 = 0

  /// Layer l's read-noise key for the image being trained (0 without
  /// read noise).
  @inline(__always)
  func readKey(_ l: Int) -> UInt64 {
    senseChains[l].noise > 0 ? ReadNoise.key(seed: configuration.seed, kind: ReadNoise.Kind.trainingForward, index: readImage, layer: l) : 0
  }

  /// The read-noise key of array l's transposed read for the image being
  /// trained (kind 4: the draws are not the forward read's).
  @inline(__always)
  func transposedReadKey(_ l: Int) -> UInt64 {
    ReadNoise.key(seed: configuration.seed, kind: ReadNoise.Kind.trainingTransposed, index: readImage, layer: l)
  }

  /// Receives every pulse and reset while set (nil: not recorded).
  public var recorder: PulseRecorder? {
    didSet {
      for (l, layer) in layers.enumerated() {
        layer.recorder = recorder
        layer.index = l
      }
    }
  }

  // Per-sample buffers (no allocation per sample). Layer l's input
  // activations a[l] (with the bias at the end), read voltages, sums,
  // gates and δ.
  var activations: [[Float]]
  var voltages: [[Float]]
  var currents: [[Float]]
  var sums: [[Float]]
  var gates: [[Float]]
  var deltas: [[Float]]
  /// With comparator offsets: each column comparator's decision, −1, 0
  /// or +1 (the sign of δ + offset outside the dead band; 0 behind a
  /// closed gate). A δ of exactly 0 at an open gate (a transposed read
  /// that cancels: two classes holding the probability, equal weights on
  /// the row) is decided by the offset, as the comparator would; until
  /// session 64 it issued no pulse (a walkthrough). Empty without offsets.
  var decisions: [[Float]]
  var backCurrents: [[Float]]
  var activeRows: [[Int32]]
  var accumulators: [[Float]]
  /// Per layer, the rows a mini-batch's samples accumulated into: the
  /// rows `applyBatch` scans (the others' sums are all 0).
  var touchedRows: [[Bool]]
  /// A mini-batch's one-pulse updates by the row kernels (`applyBatch`);
  /// false: synapse by synapse, the reference a test holds them to.
  var batchByRows = true
  var upColumns: [Int32]
  var downColumns: [Int32]
  /// A netted mini-batch through resistive lines: per column of the row
  /// being updated, its pulses not yet issued, + raising W, − lowering it
  /// (`applyNettedThroughLines`).
  var nettedLeft: [Int32]
  var samplesInBatch = 0
  /// The first failed resistive read (a solve that did not converge, or a
  /// drive or conductance the reader refuses); the run stops at the next
  /// check (`Experiment`).
  public private(set) var wireError: (any Error)? = nil

  /// A network for `configuration`, its devices initialised from its seed.
  ///
  /// - Precondition: `configuration` passed `validate()` (as
  ///   ``Experiment`` checks): a layer of 0 neurons trapped here as an
  ///   array of 17×0 cells.
  public init(configuration cfg: TrainingConfiguration) {
    var rng = SeededGenerator(seed: cfg.seed, stream: 1)
    configuration = cfg
    sizes = cfg.layers
    var ls: [LimLayer] = []
    for l in 0..<(cfg.layers.count - 1) {
      ls.append(
        LimLayer(
          inputs: cfg.layers[l], outputs: cfg.layers[l + 1], configuration: cfg, rng: &rng,
          sharing: ls.first?.transitionTable, layerIndex: l))
    }
    layers = ls
    if cfg.endurance && cfg.mode == .onChip {
      for layer in ls { layer.endurance = DeviceCounts(arrays: 2, rows: layer.rows, columns: layer.columns) }
    }
    neuron = cfg.neuron
    batch = cfg.batch
    netPulses = cfg.batchPulses == .net
    readVoltage = Float(cfg.readVoltage)
    gMax = Float(cfg.gMaxSiemens)
    (senseChains, columnComparators) = cfg.periphery(columns: ls.map(\.columns))
    idealSense = senseChains.allSatisfy(\.isIdeal)
    hasComparatorOffsets = cfg.comparatorOffset > 0
    transposedNoise = Float(cfg.transposedReadNoise)
    activations = ls.map { [Float](repeating: 0, count: $0.rows) }
    voltages = activations
    activeRows = ls.map { [Int32](repeating: 0, count: $0.rows) }
    currents = ls.map { [Float](repeating: 0, count: $0.columns) }
    sums = currents
    gates = currents
    deltas = currents
    decisions = cfg.comparatorOffset > 0 ? currents : []
    backCurrents = activations
    let widest = cfg.layers.dropFirst().max()!
    upColumns = [Int32](repeating: 0, count: widest)
    downColumns = upColumns
    nettedLeft = cfg.batch > 1 && cfg.batchPulses == .net && cfg.writeLines == .resistive ? upColumns : []
    gateOpenCounts = [Int](repeating: 0, count: ls.count - 1)
    accumulators = cfg.batch > 1 ? ls.map { [Float](repeating: 0, count: $0.rows * $0.columns) } : []
    touchedRows = cfg.batch > 1 ? ls.map { [Bool](repeating: false, count: $0.rows) } : []
  }

  /// Identical pulses issued so far.
  public var pulses: Int { layers.reduce(0) { $0 + $1.pulses } }
  /// Every device's pulses and resets so far (`endurance`; nil without).
  public var endurance: EnduranceStatistics? {
    // A stuck device (open, shorted, or a dead scale draw) has scale 0:
    // device i < cells is G+ of cell i, the others G− of cell i − cells.
    enduranceStatistics(
      layers.map(\.endurance), kinds: 1,
      stuck: layers.map { l in
        let mn = l.rows * l.columns, xp = l.xp, xm = l.xm
        return { i in i < mn ? xp[i] == 0 : xm[i - mn] == 0 }
      })
  }
  /// Of `pulses`, the re-potentiations after resets (methods a, b).
  public var repotentiations: Int { layers.reduce(0) { $0 + $1.repotentiations } }
  /// Re-potentiation loops stopped at their cap
  /// (`TrainingConfiguration.repotentiationCap`) short of the old weight:
  /// methods a and b on conductance states.
  public var cappedRepotentiations: Int { layers.reduce(0) { $0 + $1.cappedRepotentiations } }
  /// With `write_lines resistive`: what the update's pulses saw through
  /// the lines (since this network was built); nil otherwise.
  public var writeLineStatistics: WriteLineStatistics? {
    guard layers.contains(where: { $0.writeLines != nil }) else { return nil }
    var s = WriteLineStatistics()
    for l in layers { l.writeLines?.add(to: &s) }
    return s
  }
  /// Device resets issued so far.
  public var resets: Int { layers.reduce(0) { $0 + $1.resets } }
  /// Read energy booked by the arrays so far (J), an open mini-batch's
  /// reads included.
  public var readEnergy: Double { layers.reduce(0) { $0 + $1.array.readEnergy } }
  /// The reads the ledger books: all of them but an open mini-batch's
  /// (booked with its update), as the read energy and the samples read
  /// forward and backward.
  private var bookedReads: (readEnergy: Double, trained: Int, backward: Int) {
    samplesInBatch > 0
      ? (atBatchStart.readEnergy, atBatchStart.trained, atBatchStart.backward)
      : (readEnergy, trainedSamples, backwardSamples)
  }
  /// Σ over the reads of Σ V² × the cells on each driven line (V²; a
  /// forward read drives D+_i and D−_i of N cells each, a transposed one
  /// S+_j and S−_j of M cells), an open mini-batch's reads included.
  private var readLineCells: Double {
    layers.reduce(0) {
      $0 + 2 * Double($1.columns) * $1.array.forwardDriveSquares + 2 * Double($1.rows) * $1.array.transposedDriveSquares
    }
  }
  /// Energy and latency of the training so far, from the simulation:
  ///
  /// - read: Σ V·I·t of every training read, booked by the arrays from
  ///   the line voltages and the devices' conductances (evaluation reads
  ///   are not training and are not booked);
  /// - program: V_p²·t_p·Σ G, G each pulsed device's conductance just
  ///   before its pulse; reset: V_r²·t_r·Σ G likewise (the device's own
  ///   dissipation; line and driver losses are not modelled);
  /// - dac: one conversion per driven line per read (a forward read drives
  ///   every row, the bias line included; a transposed read every column);
  /// - adc: one conversion per sensed column of every forward read (the
  ///   transposed read's outputs go to the δ comparators, whose energy is
  ///   neglected);
  /// - lines (with `line_capacitance` C): C·V² for every line a read drives
  ///   to V, n·C the line of n cells (the lines return to 0 V between
  ///   reads; with resistive lines an upper bound, the far cells charging
  ///   below V), and the update slots' lines at ±V_p/2 (±V_r/2 for
  ///   resets; the update runs the slots' account, as `half_select book`);
  /// - read latency: per forward read `read_time` + min(`adc_columns`, N)
  ///   ADC conversions in series (`forwardReadTime`: one with an ADC per column), per
  ///   transposed read `read_time` (DAC settling overlaps the previous
  ///   conversion; the arrays are read one after the other);
  /// - update latency: `slot_time` per update slot (row by row: one slot
  ///   per active input row that issues a rule pulse, plus one per reset,
  ///   re-potentiation and depression, serially: the slots
  ///   `UpdateSchedule.slots` draws, also for a mini-batch).
  ///
  /// A mini-batch's reads are booked with its update: an open batch's
  /// are not in the ledger (`bookedReads`).
  public func ledger(costs: ConverterCosts = ConverterCosts()) -> EnergyLedger {
    let cfg = configuration
    var e = EnergyLedger()
    let (readEnergy, trainedSamples, backwardSamples) = bookedReads
    e.read = readEnergy
    let pulse = cfg.pulseGenerator
    e.program = pulse.programEnergy(conductanceSum: layers.reduce(0) { $0 + $1.pulseConductance })
    e.reset = pulse.resetEnergy(conductanceSum: layers.reduce(0) { $0 + $1.resetConductance })
    if cfg.halfSelect == .book {
      e.halfSelect = layers.reduce(0) { $0 + ($1.halfSelectBook?.energy(pulse) ?? 0) }
    }
    if cfg.lineCapacitance > 0 {
      // The reads' lines and the update slots', whose account walks the
      // slots (`LimHalfSelectBook.lineEnergy`, kept with line_capacitance
      // whether or not half_select books the half-selected cells).
      let reads = samplesInBatch > 0 ? atBatchStart.lineCells : readLineCells
      e.readLines = cfg.lineCapacitance * reads
      e.updateLines = cfg.lineCapacitance * layers.reduce(0) { $0 + ($1.halfSelectBook?.lineEnergy(pulse) ?? 0) }
    }
    var dacConversions = 0, adcConversions = 0
    for (l, layer) in layers.enumerated() {
      dacConversions += trainedSamples * layer.rows + (l > 0 ? backwardSamples * layer.columns : 0)
      adcConversions += trainedSamples * layer.columns
    }
    e.dac = Double(dacConversions) * costs.dacEnergy(bits: cfg.dacBits)
    e.adc = Double(adcConversions) * costs.adcEnergy(bits: cfg.adcBits)
    let transposedReads = backwardSamples * (layers.count - 1)
    e.readTime = layers.reduce(0) { $0 + Double(trainedSamples) * cfg.forwardReadTime(columns: $1.columns, costs: costs) }
      + Double(transposedReads) * cfg.readTime
    e.updateTime = cfg.updateTime(
      slots: layers.reduce(0) { $0 + $1.updateSlots }, resetSlots: layers.reduce(0) { $0 + $1.resetSlots })
    return e
  }

  /// The arrays, input layer first, with their conductances brought in
  /// step with the device states.
  public var arrays: [DifferentialArray] {
    for l in layers { l.synchronize() }
    return layers.map(\.array)
  }

  /// The normalised weights (G+ − G−)/G_max of layer l, row-major
  /// (inputs + 1) × outputs, bias row last.
  public func weights(layer l: Int) -> [Double] {
    (0..<(layers[l].rows * layers[l].columns)).map { layers[l].weight($0) }
  }

  /// The weights each layer's reads apply (S, M×N row-major): the weight
  /// caches with ideal wires, the arrays' transfer matrices with resistive
  /// lines (both cores). Valid until the next update.
  func effectiveWeights(stop: () -> Bool = { false }) throws -> [UnsafePointer<Float>] {
    try layers.map { try $0.effectiveWeights(stop: stop) }
  }

  /// A read of layer l: from the weight cache with ideal wires, a nodal
  /// solve of both meshes with resistive lines.
  @inline(__always)
  private func read(
    _ layer: LimLayer, _ direction: ReadDirection, _ input: UnsafeBufferPointer<Float>,
    _ output: UnsafeMutableBufferPointer<Float>, bookEnergy: Bool
  ) {
    guard let reader = layer.reader else {
      layer.array.readIdeal(direction, input: input, output: output, bookEnergy: bookEnergy)
      return
    }
    do {
      try reader.read(layer.array, direction, input: input, output: output, bookEnergy: bookEnergy)
    } catch {
      // Any error: a refused value (a NaN drive) had left the outputs stale.
      if wireError == nil { wireError = error }
    }
  }

  /// Programs software weights into the arrays (off-chip learning): each
  /// weight (in G_max units) as the nearest state of one device of its
  /// pair, the other at G_min; beyond the range (±∞ too) at G_max, a NaN
  /// weight as 0.
  /// - Precondition: `weights[l]` holds layer l's rows × columns weights.
  public func program(weights: [[Double]]) {
    for (l, w) in weights.enumerated() {
      require(w.count == layers[l].rows * layers[l].columns, "layer \(l): weight count")
      for k in w.indices { layers[l].program(k, weight: w[k]) }
      layers[l].synchronize()
      layers[l].restartEnergyAccount()
    }
  }

  // MARK: - Forward

  /// Reads layer l forward from `activations[l]`; fills `sums[l]`.
  @inline(__always)
  private func forward(_ l: Int, bookEnergy: Bool) {
    let layer = layers[l]
    if let probe {
      // Recorded the exact way; the network then reads as training does
      // (below), so that an inspection issues training's pulses: the
      // exact sums differ from the single-precision ones in their last
      // bits, and a δ that cancels exactly in one and not in the other (a
      // zero dead band) or a sum on an ADC's step pulsed other rows (a
      // walkthrough, session 46). Resistive lines too since session 47:
      // until then the exact solve drove the network there, where
      // training's solver stops at `wire_tolerance` and starts from its
      // last solution.
      forwardExact(l, probe)
    }
    let v = readVoltage, scale = 1 / (readVoltage * gMax)
    if !idealSense { return forwardThroughPeripherals(l, bookEnergy: bookEnergy) }
    activations[l].withUnsafeBufferPointer { a in
      voltages[l].withUnsafeMutableBufferPointer { volts in
        for i in 0..<a.count { volts[i] = a[i] * v }
        currents[l].withUnsafeMutableBufferPointer { out in
          read(layer, .forward, UnsafeBufferPointer(volts), out, bookEnergy: bookEnergy)
          sums[l].withUnsafeMutableBufferPointer { s in
            for j in 0..<out.count { s[j] = out[j] * scale }
          }
        }
      }
    }
  }

  /// `forward` through the non-ideal periphery: the DAC's levels replace
  /// the activations (so the update's active rows are the lines the DAC
  /// drives), and the sums pass the transimpedance, offsets and ADC.
  @inline(never)
  private func forwardThroughPeripherals(_ l: Int, bookEnergy: Bool) {
    let layer = layers[l], chain = senseChains[l]
    let v = readVoltage, scale = 1 / (readVoltage * gMax)
    activations[l].withUnsafeMutableBufferPointer { a in
      chain.quantizeDrive(a)
      voltages[l].withUnsafeMutableBufferPointer { volts in
        for i in 0..<a.count { volts[i] = a[i] * v }
        currents[l].withUnsafeMutableBufferPointer { out in
          read(layer, .forward, UnsafeBufferPointer(volts), out, bookEnergy: bookEnergy)
          sums[l].withUnsafeMutableBufferPointer { s in
            _ = chain.sums(currents: UnsafeBufferPointer(out), scale: scale, into: s, read: readKey(l))
          }
        }
      }
    }
  }

  /// Loads a sample's pixels (bytes 0…255) as the input activations.
  @inline(__always)
  private func load(_ pixels: UnsafePointer<UInt8>) {
    let n = layers[0].rows - 1
    activations[0].withUnsafeMutableBufferPointer { a in
      for i in 0..<n { a[i] = Float(pixels[i]) * (1 / 255) }
      a[n] = 1
    }
  }

  /// Runs the forward pass; returns the output sums (logits) in `sums`.
  @inline(__always)
  private func forwardAll(bookEnergy: Bool) {
    for l in 0..<layers.count {
      forward(l, bookEnergy: bookEnergy)
      if l + 1 < layers.count {
        let c = neuron
        sums[l].withUnsafeBufferPointer { s in
          gates[l].withUnsafeMutableBufferPointer { g in
            activations[l + 1].withUnsafeMutableBufferPointer { a in
              for j in 0..<s.count {
                a[j] = c.activation(s[j])
                g[j] = c.gate(s[j])
              }
              a[s.count] = 1
            }
          }
        }
      }
    }
  }

  /// The predicted class of one image (the forward pass only).
  ///
  /// - Parameter pixels: The image, `sizes[0]` bytes (0…255), row-major.
  public func predict(_ pixels: UnsafePointer<UInt8>) -> Int {
    load(pixels)
    forwardAll(bookEnergy: false)
    return argmax(sums[layers.count - 1])
  }

  // MARK: - Training

  /// Trains on one sample. Returns the cross-entropy loss before the update.
  ///
  /// - Parameters:
  ///   - pixels: The image, `sizes[0]` bytes (0…255), row-major.
  ///   - label: The class, one of the `sizes.last` output neurons.
  /// - Precondition: `0 <= label < sizes.last` (a label beyond the output
  ///   layer trained every output towards 0 and returned a loss of 0).
  @discardableResult
  public func train(_ pixels: UnsafePointer<UInt8>, label: Int) -> Float {
    checkLabel(label, of: sizes)
    if batch > 1 && samplesInBatch == 0 { atBatchStart = (readEnergy, trainedSamples, backwardSamples, readLineCells) }
    load(pixels)
    forwardAll(bookEnergy: true)
    let last = layers.count - 1
    // Softmax and δ = p − t in software; the comparator's dead band.
    var loss: Float = 0
    var anyError = false
    sums[last].withUnsafeBufferPointer { s in
      deltas[last].withUnsafeMutableBufferPointer { d in
        loss = softmaxCrossEntropy(s, label: label, delta: d)
        columnComparators[last].withUnsafeBufferPointer { comparators in
          if hasComparatorOffsets {
            decisions[last].withUnsafeMutableBufferPointer { fire in
              for j in 0..<d.count {
                fire[j] = comparators[j].sign(d[j])
                d[j] = comparators[j].deadBand(d[j])
                if fire[j] != 0 { anyError = true }
              }
            }
          } else {
            for j in 0..<d.count {
              d[j] = comparators[j].deadBand(d[j])
              if d[j] != 0 { anyError = true }
            }
          }
        }
      }
    }
    trainedSamples += 1
    countOpenGates()
    if anyError {
      backwardSamples += 1
      // Back-propagation through the transposed arrays.
      var l = last
      while l > 0 {
        backward(l)
        l -= 1
      }
    }
    // A read that failed left stale sums: no update from them (the run
    // stops at the next check).
    guard wireError == nil else { return loss }
    if batch == 1 {
      if anyError { for l in 0..<layers.count { updateLayer(l) } }
    } else {
      if anyError { for l in 0..<layers.count { accumulate(l) } }
      samplesInBatch += 1
      if samplesInBatch == batch { applyBatch() }
    }
    return loss
  }

  /// Adds this sample's open derivative gates to `gateOpenCounts`.
  @inline(__always)
  private func countOpenGates() {
    for l in 0..<gateOpenCounts.count {
      var open: Float = 0
      gates[l].withUnsafeBufferPointer { g in
        for j in 0..<g.count { open += g[j] }
      }
      gateOpenCounts[l] += Int(open)
    }
    gateSamples += 1
  }

  /// Per hidden layer, the fraction of its neurons whose derivative gate
  /// was open (|s| < c), over the samples trained since the previous call;
  /// then restarts the count. A layer near 0 is saturated: no δ reaches
  /// its inputs. Empty without hidden layers or samples.
  public func takeGateOpenFractions() -> [Double] {
    takeFractions(&gateOpenCounts, &gateSamples, columns: layers.map(\.columns))
  }

  /// δ of layer l−1's outputs from δ of layer l: a transposed read of
  /// array l with δ·V_read on its source lines, gated by the derivative.
  @inline(__always)
  private func backward(_ l: Int) {
    let layer = layers[l]
    if let probe {
      // As `forward`: recorded exactly, then training's read.
      backwardExact(l, probe)
    }
    let v = readVoltage, scale = 1 / (readVoltage * gMax)
    deltas[l].withUnsafeBufferPointer { d in
      // Reuse the column-sized current buffer as the δ-voltage drive.
      currents[l].withUnsafeMutableBufferPointer { drive in
        if idealSense || senseChains[l].dac.bits == 0 {
          for j in 0..<d.count { drive[j] = d[j] * v }
        } else {
          let dac = senseChains[l].dac
          for j in 0..<d.count { drive[j] = dac.convertSigned(d[j]) * v }
        }
        backCurrents[l].withUnsafeMutableBufferPointer { out in
          read(layer, .transposed, UnsafeBufferPointer(drive), out, bookEnergy: true)
          gates[l - 1].withUnsafeBufferPointer { g in
            deltas[l - 1].withUnsafeMutableBufferPointer { dPrev in
              columnComparators[l - 1].withUnsafeBufferPointer { comparators in
                if hasComparatorOffsets {
                  // The decisions too: an open gate's comparator decides
                  // even an exactly-zero δ by its offset.
                  let key = transposedNoise > 0 ? transposedReadKey(l) : 0, sigma = transposedNoise
                  decisions[l - 1].withUnsafeMutableBufferPointer { fire in
                    for i in 0..<dPrev.count {
                      let x = out[i] * scale + (sigma > 0 ? sigma * ReadNoise.normal(key, i) : 0)
                      fire[i] = g[i] == 0 ? 0 : comparators[i].sign(x)
                      dPrev[i] = comparators[i].deadBand(g[i] * x)
                    }
                  }
                } else if transposedNoise > 0 {
                  // The sense amplifier's noise on the read, then the gate.
                  let key = transposedReadKey(l), sigma = transposedNoise
                  for i in 0..<dPrev.count {
                    dPrev[i] = comparators[i].deadBand(g[i] * (out[i] * scale + sigma * ReadNoise.normal(key, i)))
                  }
                } else {
                  for i in 0..<dPrev.count {
                    dPrev[i] = comparators[i].deadBand(g[i] * out[i] * scale)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// One pulse per synapse with f(s_i) > 0 and δ_j ≠ 0 (Table 1).
  private func updateLayer(_ l: Int) {
    let layer = layers[l]
    let rowCount = collectActiveRows(l)
    var upCount = 0, downCount = 0
    deltas[l].withUnsafeBufferPointer { d in
      upColumns.withUnsafeMutableBufferPointer { up in
        downColumns.withUnsafeMutableBufferPointer { down in
          // δ is 0 inside the dead band; outside it the comparator's sign
          // is that of δ + offset.
          if hasComparatorOffsets {
            decisions[l].withUnsafeBufferPointer { fire in
              for j in 0..<d.count where fire[j] != 0 {
                if fire[j] < 0 { up[upCount] = Int32(j); upCount += 1 }
                else { down[downCount] = Int32(j); downCount += 1 }
              }
            }
          } else {
            columnComparators[l].withUnsafeBufferPointer { comparators in
              for j in 0..<d.count where d[j] != 0 {
                let sign = comparators[j].sign(d[j])
                if sign < 0 { up[upCount] = Int32(j); upCount += 1 }
                else if sign > 0 { down[downCount] = Int32(j); downCount += 1 }
              }
            }
          }
        }
      }
    }
    guard upCount + downCount > 0 else { return }
    activeRows[l].withUnsafeBufferPointer { rows in
      upColumns.withUnsafeBufferPointer { up in
        downColumns.withUnsafeBufferPointer { down in
          layer.update(
            rows: rows.baseAddress!, rowCount: rowCount, up: up.baseAddress!, upCount: upCount,
            down: down.baseAddress!, downCount: downCount)
          if layer.reader != nil {
            layer.synchronizeConductances(rows: rows.baseAddress!, count: rowCount)
          }
        }
      }
    }
  }

  private func collectActiveRows(_ l: Int) -> Int {
    var count = 0
    activations[l].withUnsafeBufferPointer { a in
      activeRows[l].withUnsafeMutableBufferPointer { rows in
        count = _compactPositive(a.baseAddress!, 0..<a.count, into: rows.baseAddress!)
      }
    }
    return count
  }

  private func accumulate(_ l: Int) {
    let n = layers[l].columns
    let rowCount = collectActiveRows(l)
    touchedRows[l].withUnsafeMutableBufferPointer { touched in
      for r in 0..<rowCount { touched[Int(activeRows[l][r])] = true }
    }
    activations[l].withUnsafeBufferPointer { a in
      deltas[l].withUnsafeBufferPointer { d in
        accumulators[l].withUnsafeMutableBufferPointer { acc in
          for r in 0..<rowCount {
            let i = Int(activeRows[l][r])
            let ai = a[i]
            if netPulses && hasComparatorOffsets {
              // Each sample's own pulse (−sgn δ_j), netted over the batch:
              // the comparator's decision, that of δ + offset.
              decisions[l].withUnsafeBufferPointer { fire in
                for j in 0..<n where fire[j] != 0 { acc[i * n + j] -= fire[j] }
              }
            } else if netPulses {
              columnComparators[l].withUnsafeBufferPointer { comparators in
                for j in 0..<n where d[j] != 0 { acc[i * n + j] -= comparators[j].sign(d[j]) }
              }
            } else if hasComparatorOffsets {
              // The comparator's view, δ + offset, outside its dead band:
              // a batch of one pulses along sgn(δ + offset), as online.
              decisions[l].withUnsafeBufferPointer { fire in
                columnComparators[l].withUnsafeBufferPointer { comparators in
                  for j in 0..<n where fire[j] != 0 { acc[i * n + j] -= (d[j] + comparators[j].offset) * ai }
                }
              }
            } else {
              for j in 0..<n { acc[i * n + j] -= d[j] * ai }
            }
          }
        }
      }
    }
  }

  /// Ends a mini-batch: one pulse per synapse with a non-zero sum.
  public func applyBatch() {
    guard batch > 1, samplesInBatch > 0 else { return }
    for l in 0..<layers.count {
      let layer = layers[l], n = layer.columns
      let serialBefore = layer.serialEvents, resetsBefore = layer.resets
      var rowSlots = 0, lateRulePulses = 0
      // One pulse per synapse on integer states without a booking: a row's
      // synapses go to the row kernels (`LimLayer.update(rows:…)`, looked up
      // without variation), as an online update's do. The per-synapse
      // update stays for netted counts, the booking's rows and conductance
      // states (whose noise is drawn in issue order).
      //
      // Through resistive lines (`write_lines resistive`, one pulse per
      // synapse) every row goes to the row kernel on any states: its one
      // round is its row's slot, solved there (`LimLayer.updateThroughLines`,
      // which counts the slots it drives), the bit lines prepared once for
      // the whole update on the conductances before it.
      let throughLines = layer.writeLines != nil
      if throughLines && netPulses {
        layer.holdWriteLines(true)
        applyNettedThroughLines(l)
        layer.finishBookedUpdate()
        layer.holdWriteLines(false)
        // (Resistive lines: the next reads solve the conductances.)
        layer.synchronize()
        continue
      }
      let byRows = throughLines || (batchByRows && !netPulses && layer.halfSelectBook == nil && !layer.conductanceStates)
      if throughLines { layer.holdWriteLines(true) }
      // Only the rows the batch's samples accumulated into have non-zero
      // sums (MNIST's inputs: about two fifths of the input rows in a batch of 5);
      // the booking hears every row's end, as before.
      let everyRow = layer.halfSelectBook != nil
      upColumns.withUnsafeMutableBufferPointer { upBuffer in
      downColumns.withUnsafeMutableBufferPointer { downBuffer in
      touchedRows[l].withUnsafeMutableBufferPointer { touched in
      accumulators[l].withUnsafeMutableBufferPointer { acc in
        let lanes = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
        let up = upBuffer.baseAddress!, down = downBuffer.baseAddress!
        for i in 0..<layer.rows {
          guard touched[i] || everyRow else { continue }
          touched[i] = false
          var upCount = 0, downCount = 0
          // A row's pulses go out together, one round of slots per rule
          // pulse of its most-pulsed synapse.
          var rounds = 0
          // The row's non-zero sums in column order, found eight at a time
          // (a compare and a mask): a branch per synapse on an unlearnable
          // pattern had cost half a mini-batch run's time.
          var j0 = 0
          while j0 < n {
            var bits: UInt32 = 0
            if n - j0 >= 8 {
              let v = UnsafeRawPointer(acc.baseAddress! + i * n + j0).loadUnaligned(as: SIMD8<Float>.self)
              bits = lanes.replacing(with: 0, where: v .== SIMD8<Float>(repeating: 0)).wrappedSum()
            } else {
              for t in 0..<(n - j0) where acc[i * n + j0 + t] != 0 { bits |= 1 << UInt32(t) }
            }
            if byRows {
              // The column goes to both lists and counts in one: no branch
              // on the sum's sign, which no predictor learns (a third of
              // a batch of 5's time went to it and its spills, session 47).
              let row = acc.baseAddress! + (i &* n &+ j0)
              while bits != 0 {
                let t = bits.trailingZeroBitCount
                bits &= bits &- 1
                let column = Int32(truncatingIfNeeded: j0 &+ t)
                let rises = row[t] > 0 ? 1 : 0
                up[upCount] = column
                down[downCount] = column
                upCount &+= rises
                downCount &+= 1 &- rises
                row[t] = 0
              }
            }
            while bits != 0 {
              let k = i * n + j0 + bits.trailingZeroBitCount
              bits &= bits &- 1
              // As `UpdateSchedule.slots` draws them: the synapse's n-th
              // rule pulse in its row's n-th round; its pulses that became
              // serial (a refill, a depression, a reset) or did nothing
              // (method c with both devices at their bounds) open no round,
              // and its rule pulses after its first serial event are serial
              // too (they keep their order after it). Until session 47 a
              // row took a round per requested pulse: a netted batch of
              // 300 with method c booked 71,973 slots where the schedule
              // drew 47,620.
              let count = netPulses ? Int(abs(acc[k])) : 1
              var placed = 0, serialSeen = false
              for _ in 0..<count {
                let rule = layer.rulePulses, serial = layer.serialEvents
                layer.update(k, up: acc[k] > 0)
                if serialSeen { lateRulePulses += layer.rulePulses - rule } else { placed += layer.rulePulses - rule }
                if layer.serialEvents != serial { serialSeen = true }
              }
              rounds = max(rounds, placed)
              acc[k] = 0
            }
            j0 += 8
          }
          if upCount + downCount > 0 {
            var row = Int32(i)
            let rule = layer.rulePulses
            layer.update(
              rows: &row, rowCount: 1, up: up, upCount: upCount, down: down, downCount: downCount, countingSlots: false,
              columnOrder: true)
            // A round when a rule pulse went out (not when every synapse
            // was refilled), as the schedule draws it.
            rounds = layer.rulePulses != rule ? 1 : 0
          }
          rowSlots += rounds
          layer.endBookedRow(i)
        }
      }
      }
      }
      }
      layer.finishBookedUpdate()
      if layer.reader != nil { layer.synchronize() }
      if throughLines {
        layer.holdWriteLines(false)
      } else {
        layer.updateSlots += rowSlots + lateRulePulses + layer.serialEvents - serialBefore
        layer.resetSlots += layer.resets - resetsBefore
      }
    }
    samplesInBatch = 0
  }
}

extension LimNetwork {
  /// A netted mini-batch's update of layer l through resistive lines
  /// (`write_lines resistive`, `batch_pulses net`), as `UpdateSchedule.slots`
  /// draws its slots: per row, round n drives the n-th rule pulse of each
  /// synapse that has one left and no serial event yet (`LimLayer.update`,
  /// a row slot solved through the lines); a synapse's pulses after its
  /// first serial event then go one slot each, its cell written alone
  /// (`LimLayer.pulseAloneThroughLines`), synapse by synapse in column
  /// order. The slots are counted by the layer's lines path.
  func applyNettedThroughLines(_ l: Int) {
    let layer = layers[l], n = layer.columns
    guard let lines = layer.writeLines else { return }
    let serial = lines.wentSerial
    upColumns.withUnsafeMutableBufferPointer { upBuffer in
    downColumns.withUnsafeMutableBufferPointer { downBuffer in
    nettedLeft.withUnsafeMutableBufferPointer { left in
    touchedRows[l].withUnsafeMutableBufferPointer { touched in
    accumulators[l].withUnsafeMutableBufferPointer { acc in
      let up = upBuffer.baseAddress!, down = downBuffer.baseAddress!
      for i in 0..<layer.rows {
        guard touched[i] else { continue }
        touched[i] = false
        // Each column's pulses (the netted count; its sign: + raises W),
        // none serial yet.
        for j in 0..<n {
          left[j] = Int32(acc[i * n + j])
          acc[i * n + j] = 0
          serial[j] = false
        }
        var row = Int32(i)
        layer.beginGatheredRow()
        while true {
          var upCount = 0, downCount = 0
          for j in 0..<n where left[j] != 0 && !serial[j] {
            if left[j] > 0 {
              up[upCount] = Int32(j)
              upCount += 1
              left[j] -= 1
            } else {
              down[downCount] = Int32(j)
              downCount += 1
              left[j] += 1
            }
          }
          guard upCount + downCount > 0 else { break }
          // (A synapse with a serial event in it is marked `serial`.)
          layer.update(
            rows: &row, rowCount: 1, up: up, upCount: upCount, down: down, downCount: downCount, countingSlots: false,
            columnOrder: true)
        }
        // The serial synapses' pulses left, one slot each, column by column.
        for j in 0..<n where left[j] != 0 {
          for _ in 0..<abs(left[j]) { layer.pulseAloneThroughLines(i * n + j, up: left[j] > 0) }
        }
        layer.endGatheredRow(i)
      }
    }
    }
    }
    }
    }
  }
}

/// Softmax of the logits `s` and the cross-entropy loss of `label`;
/// writes δ = p − t (the loss gradient with respect to s) into `delta`.
@inline(__always)
func softmaxCrossEntropy(
  _ s: UnsafeBufferPointer<Float>, label: Int, delta d: UnsafeMutableBufferPointer<Float>
) -> Float {
  var m = s[0]
  for j in 1..<s.count { m = max(m, s[j]) }
  var z: Float = 0
  for j in 0..<s.count { d[j] = _expf(s[j] - m); z += d[j] }
  let inv = 1 / z
  var loss: Float = 0
  for j in 0..<s.count {
    let p = d[j] * inv
    if j == label { loss = -_logf(max(p, 1e-30)) }
    d[j] = p - (j == label ? 1 : 0)
  }
  return loss
}

@inline(__always)
func argmax(_ v: [Float]) -> Int {
  var best = 0
  for j in 1..<v.count where v[j] > v[best] { best = j }
  return best
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _expf(_ x: Float) -> Float { expf(x) }
@inline(__always) func _logf(_ x: Float) -> Float { logf(x) }
