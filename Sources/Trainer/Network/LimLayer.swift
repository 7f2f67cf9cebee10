import Circuit
import Peripherals

/// One layer of Lim's hardware network: a differential array of
/// (inputs + 1 bias) × outputs synapses, each a G+/G− pair of devices that
/// only ever receive identical pulses and resets.
///
/// Device states are integers on the device's potentiation curve (methods a
/// and b: devices only potentiate from a reset, so every reachable state is
/// a point of that curve) or conductances (method c: depression leaves the
/// curve; every method with cycle-to-cycle variation, `sigma_c2c`, whose
/// pulses leave it too; method b with `b_margin`). A device's conductance
/// is X·G(state), X its device-to-device scale and G the curve in siemens.
///
/// Every pulse updates the array's single-precision weight cache and its
/// line loads at once (that is all a read and its energy need); the
/// double-precision conductances of the array are written from the states
/// by `synchronize()`, before anything reads them exactly.
final class LimLayer {
  /// Rows, including the bias row (the last), and columns.
  let rows: Int, columns: Int
  let array: DifferentialArray
  let method: UpdateMethod
  let nMax: Int
  /// G_max in siemens: the array holds physical conductances.
  let gMax: Double
  /// The potentiation curve G(k)/G_max, k = 0…n_max.
  let table: [Double]
  /// The same as a raw pointer (the hot loop's copy).
  let tableD: UnsafeMutablePointer<Double>
  /// The same in siemens, single precision, for the weight cache.
  let tableS: UnsafeMutablePointer<Float>
  let device: LimExponentialDevice
  /// Method c's measured device (`device_csv` with a depression branch),
  /// in G_max units; nil for Lim's eqs. (1)–(2) (`device`).
  let measuredBidirectional: MeasuredBidirectional?
  /// `measuredBidirectional != nil`: the per-pulse test on Lim's path
  /// reads a Bool rather than the optional struct.
  let hasMeasuredBidirectional: Bool
  let hasVariation: Bool
  /// σ_c2c: each pulse's step is the device's step at its conductance
  /// times 1 + σ_c2c·z (0: the curve's step).
  let sigmaC2C: Double
  /// The most pulses a re-potentiation loop on conductance states issues
  /// (`updateUnidirectional`; `TrainingConfiguration.repotentiationCap`).
  let repotentiationCap: Int
  /// The devices are conductances `gp`, `gm` (method c, σ_c2c > 0, or
  /// method b with a margin), updated synapse by synapse; otherwise
  /// integer states `kp`, `km`.
  let conductanceStates: Bool
  /// Method b's margin m (`b_margin`; conductance states when > 0).
  let bMargin: Double
  /// The pulses' z (σ_c2c > 0), drawn in issue order from a stream of
  /// the run's seed: `GaussianTable`'s quantiles, as the hybrid's pulses
  /// draw them (`quantiles`, the table's values).
  var noise = GaussianStream(SeededGenerator(seed: 0))
  private let quantiles: UnsafeMutablePointer<Float> = .allocate(capacity: 1 << GaussianTable.bits)
  // Integer states (methods a, b).
  let kp: UnsafeMutablePointer<UInt8>, km: UnsafeMutablePointer<UInt8>
  // Normalised conductance states (`conductanceStates`).
  let gp: UnsafeMutablePointer<Double>, gm: UnsafeMutablePointer<Double>
  // Device-to-device scales X (1 without variation).
  let xp: UnsafeMutablePointer<Float>, xm: UnsafeMutablePointer<Float>
  /// Shorted devices (`stuck_on`): 1 where a device is stuck at G_max,
  /// else 0. A device's conductance is X·G(s) + on·G(n_max), X 0 where
  /// on is 1: the pulses and resets its controller issues move its state
  /// and never its conductance. One placeholder entry each without
  /// shorted devices (`hasShorted` false: nothing reads them).
  ///
  /// The controller's decisions compare one synapse's weights before and
  /// after a sequence (methods a and b at G_max, the verify read's W), in
  /// which a shorted device's G(n_max) stands on both sides and cancels:
  /// they are written without it, as exact cancellation gives.
  let onp: UnsafeMutablePointer<Float>, onm: UnsafeMutablePointer<Float>
  let hasShorted: Bool

  /// The devices stuck open (scale 0, not shorted) and shorted, of all
  /// 2·rows·columns.
  var stuckCount: StuckCount {
    let mn = rows * columns
    var open = 0, shorted = 0
    for k in 0..<mn {
      let sp = hasShorted && onp[k] != 0, sm = hasShorted && onm[k] != 0
      shorted += (sp ? 1 : 0) + (sm ? 1 : 0)
      open += (xp[k] == 0 && !sp ? 1 : 0) + (xm[k] == 0 && !sm ? 1 : 0)
    }
    return StuckCount(open: open, shorted: shorted, devices: 2 * mn)
  }
  /// G(n_max) in siemens: a shorted device's conductance, and what each
  /// of its pulses and resets dissipates.
  let shortedG: Double
  var pulses = 0
  var resets = 0
  /// Of `pulses`, those issued to re-potentiate a device after a reset
  /// (methods a and b at G_max) rather than as the rule's one pulse.
  var repotentiations = 0
  /// Re-potentiation loops stopped at `repotentiationCap` short of the old
  /// weight (conductance states only).
  var cappedRepotentiations = 0
  /// Of `pulses`, the depressions of method c (serial in the update phase).
  var depressions = 0
  /// Σ G over every programming pulse since `restartEnergyAccount` (S), G
  /// the pulsed device's conductance just before the pulse: a pulse of V_p
  /// for t_p dissipates V_p²·G·t_p in the device, so the energy is
  /// V_p²·t_p times this sum.
  ///
  /// Methods a and b cost nothing per pulse: a device only potentiates
  /// along its curve between resets, so the pulses of one stretch from
  /// state s₀ to s see Σ_{s₀≤q<s} G(q) = cumulative[s] − cumulative[s₀].
  /// Each reset closes a stretch (`closedPulseConductance` gains
  /// X·cumulative[state]); the open stretches are summed here, in O(M·N)
  /// when asked, from the states and the ones at the account's start.
  var pulseConductance: Double {
    guard !conductanceStates else { return closedPulseConductance }
    var open = 0.0
    for k in 0..<(rows * columns) {
      open += Double(xp[k]) * (cumulative[Int(kp[k])] - cumulative[Int(kp0[k])])
      open += Double(xm[k]) * (cumulative[Int(km[k])] - cumulative[Int(km0[k])])
      // A shorted device's pulses each at G(n_max).
      if hasShorted {
        open += Double(onp[k]) * Double(Int(kp[k]) - Int(kp0[k])) * shortedG
        open += Double(onm[k]) * Double(Int(km[k]) - Int(km0[k])) * shortedG
      }
    }
    for s in 0...nMax { open += Double(resetsFrom[s]) * cumulative[s] }
    return closedPulseConductance + open
  }
  /// Integer states: the pulses of stretches closed by a reset;
  /// conductance states: every pulse's G, added as it is issued.
  var closedPulseConductance = 0.0
  /// The integer states when the energy account started.
  let kp0: UnsafeMutablePointer<UInt8>, km0: UnsafeMutablePointer<UInt8>
  /// Σ G over every reset since `restartEnergyAccount` (S), G the
  /// device's conductance before it: a reset of V_r for t_r dissipates
  /// V_r²·G·t_r.
  var resetConductance: Double {
    var g = settledResetConductance
    for s in 0...nMax { g += Double(resetsFrom[s]) * table[s] * gMax }
    return g
  }
  var settledResetConductance = 0.0
  /// The row kernel's method-b resets of devices without variation, by
  /// the state they were reset from: each closes a stretch of pulses
  /// (cumulative[s]) and costs G(s); counted here, one increment, and
  /// summed when asked.
  let resetsFrom: UnsafeMutablePointer<Int>
  /// refills[s]: method b, a device without variation at G_max, the other
  /// at state s: the sequence is one reset of the other and s − 1 pulses
  /// (`bStopsBelow`, checked per state). False for every other method.
  let refills: UnsafeMutablePointer<UInt8>
  /// Methods a and b without variation: what one pulse does to a synapse
  /// depends only on its pair of states, so the row kernel looks it up
  /// (`updateByTransitions`): `transitions[s_a·(n_max + 1) + s_b]`, s_a the
  /// state of the device to pulse, s_b the other's. nil for method c and
  /// with variation (the scales X make every synapse its own). One table
  /// serves every layer of a network (`init`'s `sharing`).
  private(set) var transitionTable: TransitionTable?
  var transitions: UnsafeMutablePointer<Transition>? { transitionTable?.entries }
  /// false: the row kernel computes each pulse instead of looking it up
  /// (the tests' reference; the same results, bit for bit).
  var usesTransitions = true
  /// `resetsFrom` at the start of a looked-up update (its change counts
  /// the update's refills and their re-potentiations).
  private let resetsBefore: UnsafeMutablePointer<Int>
  /// Update-phase time slots (row by row): one per active input row of an
  /// update that issues a rule pulse, plus one per reset, re-potentiation
  /// and depression (the slots `UpdateSchedule.slots` draws).
  var updateSlots = 0
  /// Of `updateSlots`, the resets' (each its own serial slot), which take
  /// `reset_slot_time` each when it is set.
  var resetSlots = 0
  /// The rows of the last `update(rows:…)` that issued a rule pulse (a
  /// row whose every pulse became serial, a refill or method a's resets,
  /// or did nothing, takes no row slot). Set by each kernel.
  private var ruleRows = 0
  /// The rule's pulses issued so far (potentiations, not re-potentiations
  /// or depressions), from the counters: each takes a place in its row's
  /// slot (or round), as `UpdateSchedule.slots` draws them.
  var rulePulses: Int { pulses - repotentiations - depressions }
  /// The serial events issued so far: resets, re-potentiation pulses and
  /// depressions, one slot each.
  var serialEvents: Int { resets + repotentiations + depressions }
  /// cumulative[n] = Σ_{s<n} G(s) in siemens: the conductances seen by a
  /// run of n pulses from G_min, one lookup per re-potentiation.
  let cumulative: UnsafeMutablePointer<Double>
  /// Receives every pulse and reset while set (`xbarsim inspect`); nil on
  /// the training path, which then costs one check per update call.
  var recorder: PulseRecorder?
  /// This layer's index in its network (names the array in the record).
  var index = 0
  /// Counts every device's pulses and resets while set (`endurance`);
  /// like `recorder`, the update then runs its reporting kernel.
  var endurance: DeviceCounts?
  /// The reports of `recorder` and `endurance`, or nil when neither is
  /// attached (the training path).
  var reportSink: ReportSink? {
    guard recorder != nil || endurance != nil else { return nil }
    return ReportSink(
      recording: recorder.map { RecordingSink(recorder: $0, array: index, columns: columns) },
      counting: endurance?.sink)
  }
  /// The half-selected cells' account (`half_select book`), or nil: the
  /// update then runs the looked-up kernel, which books none.
  private(set) var halfSelectBook: LimHalfSelectBook?
  /// The nodal solver of every read when the lines are resistive (nil:
  /// ideal wires, reads from the weight cache).
  let reader: ResistiveReader?
  /// With `write_lines resistive`: the update's slots through the lines
  /// (nil: the pulses see ideal lines).
  let writeLines: LimWriteLines?
  /// The array's effective weights with its lines (M×N, S), for
  /// evaluations (`ResistiveReader.transferMatrix`); allocated on first use.
  private(set) var transfer: UnsafeMutablePointer<Float>? = nil

  /// The stuck-off devices' stream of layer l: `stuckStream | l` ("LIMSTK").
  static let stuckStream: UInt64 = 0x4C49_4D53_544B_0000

  /// - Parameters:
  ///   - sharing: another layer's table of the same configuration (the
  ///     network's first layer), used instead of building one.
  ///   - layerIndex: the layer's place in its network (its noise stream).
  init(
    inputs: Int, outputs: Int, configuration cfg: TrainingConfiguration,
    rng: inout SeededGenerator, sharing shared: TransitionTable? = nil, layerIndex: Int = 0
  ) {
    rows = inputs + 1
    columns = outputs
    method = cfg.method
    nMax = cfg.nMax
    repotentiationCap = cfg.repotentiationCap
    gMax = cfg.gMaxSiemens
    device = cfg.device
    table = cfg.measuredCurve ?? device.potentiationCurve()
    sigmaC2C = cfg.sigmaC2C
    conductanceStates = cfg.limConductanceStates
    bMargin = cfg.bMargin
    if cfg.method == .c, let m = cfg.measuredDevice {
      // `validate` admits a measured method c only with a device's two branches.
      guard let d = m.bidirectionalDevice else { fatalError("method c with a measured device that has no depression branch") }
      measuredBidirectional = MeasuredBidirectional(d)
    } else if conductanceStates, cfg.measuredDevice != nil {
      // Methods a, b with σ_c2c: the measured curve's pulse response (they
      // never depress).
      guard let d = try? MeasuredDevice(potentiation: table) else { fatalError("a measured curve that MeasuredDevice refuses") }
      measuredBidirectional = MeasuredBidirectional(d)
    } else {
      measuredBidirectional = nil
    }
    hasMeasuredBidirectional = measuredBidirectional != nil
    tableD = .allocate(capacity: nMax + 2)
    for s in 0...nMax { tableD[s] = table[s] }
    tableD[nMax + 1] = table[nMax]
    tableS = .allocate(capacity: nMax + 2)
    for s in 0...nMax { tableS[s] = Float(table[s] * gMax) }
    tableS[nMax + 1] = tableS[nMax]
    cumulative = .allocate(capacity: nMax + 2)
    resetsFrom = .allocate(capacity: nMax + 1)
    refills = .allocate(capacity: 256)
    cumulative[0] = 0
    for s in 0...nMax { cumulative[s + 1] = cumulative[s] + table[s] * gMax }
    let wires = cfg.wireModel
    array = DifferentialArray(rows: rows, columns: columns, wires: wires)
    array.readTime = cfg.readTime
    array.cellIV = CellIV(v0: cfg.ivV0)
    reader = wires.isIdeal
      ? nil
      : ResistiveReader(
        rows: rows, columns: columns, wires: wires, options: .init(tolerance: cfg.wireTolerance))
    writeLines = cfg.writeLines == .resistive && !wires.isIdeal
      ? LimWriteLines(
        rows: rows, columns: columns, wires: wires, threshold: cfg.writeThreshold,
        programVoltage: cfg.programVoltage)
      : nil
    let mn = rows * columns
    kp = .allocate(capacity: mn)
    km = .allocate(capacity: mn)
    gp = .allocate(capacity: mn)
    gm = .allocate(capacity: mn)
    xp = .allocate(capacity: mn)
    xm = .allocate(capacity: mn)
    kp0 = .allocate(capacity: mn)
    km0 = .allocate(capacity: mn)
    xp.initialize(repeating: 1, count: mn)
    xm.initialize(repeating: 1, count: mn)
    hasShorted = cfg.hasShortedDevices
    onp = .allocate(capacity: hasShorted ? mn : 1)
    onm = .allocate(capacity: hasShorted ? mn : 1)
    onp.initialize(repeating: 0, count: hasShorted ? mn : 1)
    onm.initialize(repeating: 0, count: hasShorted ? mn : 1)
    shortedG = table[nMax] * gMax
    // Scales X with σ > 0, and with stuck devices (X = 0): without
    // either every X is 1 and the kernels do not read them.
    hasVariation = cfg.limDeviceScales
    func scale() -> Float {
      var x = 1 + cfg.sigma * rng.nextGaussian()
      switch cfg.negativeScale {
      case .dead: x = max(0, x)
      case .fold: x = abs(x)
      // (σ ≤ 10: a draw is above 0 with probability ≥ 0.54.)
      case .redraw: while x <= 0 { x = 1 + cfg.sigma * rng.nextGaussian() }
      }
      return Float(x)
    }
    if cfg.sigma > 0 {
      for k in 0..<mn {
        xp[k] = scale()
        xm[k] = scale()
      }
    }
    // Stuck-off devices (`stuck_off`): open for the whole run, X = 0
    // (what `negative_scale dead` gives a negative draw, which every
    // method's loops already meet). From a stream of their own per layer,
    // so that the scales, states and training order are those of 0.
    // Shorted ones (`stuck_on`) from the same uniform, above the open
    // ones': X = 0 and G(n_max) beside it (`onp`, `onm`).
    if cfg.stuckOff > 0 || cfg.stuckOn > 0 {
      var stuck = SeededGenerator(seed: cfg.seed, stream: Self.stuckStream | UInt64(layerIndex))
      let off = cfg.stuckOff, either = cfg.stuckOff + cfg.stuckOn
      for k in 0..<mn {
        let u = stuck.nextUniform()
        if u < off { xp[k] = 0 } else if u < either { xp[k] = 0; onp[k] = 1 }
        let v = stuck.nextUniform()
        if v < off { xm[k] = 0 } else if v < either { xm[k] = 0; onm[k] = 1 }
      }
    }
    // A map's devices (`stuck_map`), over the drawn ones: its last record
    // naming a device says how it is stuck.
    if let map = cfg.stuckMap {
      let (xp, xm, onp, onm, marks) = (xp, xm, onp, onm, hasShorted)
      map.forEach(layer: layerIndex, rows: rows, columns: columns, kinds: 1) { k, d, shorted, _ in
        (d == 0 ? xp : xm)[k] = 0
        if marks { (d == 0 ? onp : onm)[k] = shorted ? 1 : 0 }
      }
    }
    // Initial states: uniform over the lowest `initialFraction` of the
    // range (in pulses from G_min).
    let top = UInt64((cfg.initialFraction * Double(nMax)).rounded(.down))
    for k in 0..<mn {
      kp[k] = UInt8(rng.next() % (top + 1))
      km[k] = UInt8(rng.next() % (top + 1))
      gp[k] = table[Int(kp[k])]
      gm[k] = table[Int(km[k])]
    }
    refills.initialize(repeating: 0, count: 256)
    resetsBefore = .allocate(capacity: nMax + 1)
    if method == .b {
      for s in 2..<max(nMax, 2) { refills[s] = bStopsBelow(s, xa: 1, xb: 1) ? 1 : 0 }
    }
    // The pulses' noise: a stream of its own per layer, so that the other
    // draws (states, scales, the training order) are those of σ_c2c = 0.
    noise = GaussianStream(SeededGenerator(seed: cfg.seed, stream: 0x4C49_4D43_3243_0000 | UInt64(layerIndex)))
    quantiles.initialize(from: GaussianTable.values, count: 1 << GaussianTable.bits)
    if !conductanceStates && !hasVariation {
      if let shared {
        require(shared.states == nMax + 1, "a shared transition table of another n_max")
        transitionTable = shared
      } else {
        let table = TransitionTable(states: nMax + 1)
        for sa in 0...nMax {
          for sb in 0...nMax { table.entries[sa * (nMax + 1) + sb] = transition(sa, sb) }
        }
        transitionTable = table
      }
    }
    synchronize()
    // The slots' account also holds the lines they charge: with
    // line_capacitance it runs without half_select book too (the ledger
    // then books its lines, not its half-selected cells).
    if cfg.halfSelect == .book || cfg.lineCapacitance > 0 {
      halfSelectBook = LimHalfSelectBook(rows: rows, columns: columns) { conductances($0) }
    }
    restartEnergyAccount()
  }

  /// Starts the energy account afresh from the present states (after
  /// states are set from outside: programming, a checkpoint).
  func restartEnergyAccount() {
    let mn = rows * columns
    kp0.update(from: kp, count: mn)
    km0.update(from: km, count: mn)
    closedPulseConductance = 0
    settledResetConductance = 0
    resetsFrom.initialize(repeating: 0, count: nMax + 1)
    updateSlots = 0
    resetSlots = 0
    halfSelectBook?.restart { conductances($0) }
  }

  deinit {
    for p in [kp, km, kp0, km0] { p.deallocate() }
    for p in [gp, gm] { p.deallocate() }
    for p in [xp, xm, onp, onm] { p.deallocate() }
    tableS.deallocate()
    tableD.deallocate()
    transfer?.deallocate()
    cumulative.deallocate()
    resetsFrom.deallocate()
    resetsBefore.deallocate()
    refills.deallocate()
    quantiles.deallocate()
  }

  /// Conductances of synapse k's devices, in siemens.
  @inline(__always)
  func conductances(_ k: Int) -> (plus: Double, minus: Double) {
    // (`tableD`, the curve's values: the array `table` would be retained
    // and released per call on the half-select booking's path.)
    // Branches on the layer's constants, not selects: a select loaded the
    // integer states beside the conductances, and the scales (all 1
    // without variation, and then 1·a = a to the bit) were loaded too: two
    // streams of memory traffic the conductance path did not need.
    let a: Double, b: Double
    if conductanceStates {
      a = gp[k]
      b = gm[k]
    } else {
      a = tableD[Int(kp[k])]
      b = tableD[Int(km[k])]
    }
    guard hasVariation else { return (a * gMax, b * gMax) }
    guard hasShorted else { return (Double(xp[k]) * a * gMax, Double(xm[k]) * b * gMax) }
    return (Double(xp[k]) * a * gMax + Double(onp[k]) * shortedG, Double(xm[k]) * b * gMax + Double(onm[k]) * shortedG)
  }

  /// The scales X of synapse k's device to raise (`up`: G+) and the other.
  @inline(__always)
  private func scales(_ k: Int, up: Bool) -> (Double, Double) {
    guard hasVariation else { return (1, 1) }
    return (Double(up ? xp[k] : xm[k]), Double(up ? xm[k] : xp[k]))
  }

  /// 1 where synapse k's device to raise (`up`: G+) and the other are
  /// shorted (`stuck_on`), else 0: what their pulses and resets
  /// dissipate at G(n_max) beside X·G(s).
  @inline(__always)
  private func shorted(_ k: Int, up: Bool) -> (Double, Double) {
    guard hasShorted else { return (0, 0) }
    return (Double(up ? onp[k] : onm[k]), Double(up ? onm[k] : onp[k]))
  }

  /// Synapse k's entry in the weight cache, from its device states, as
  /// every update kernel computes it: on integer states X·G(s) of each
  /// device in single precision (`tableS`), then their difference,
  /// X+·G(s+) − X−·G(s−) (with X = 1 the two table entries). Methods a
  /// and b on conductance states the same, each device's G in single
  /// precision and then scaled: their integer kernel is σ_c2c → 0's limit,
  /// and a cache rounded otherwise parted the two. (It had been the double
  /// difference rounded once: at β_p 20, n_max 64, states 1…64 lie within
  /// 1.3e-7 of G_max, 3 values in single precision, so the kernel's
  /// weights between them are 0 and σ_c2c 1e-30's were ~1e-14 S; the
  /// hidden δ's signs through those weights, and so the first sample's
  /// pulses, differed, session 68.) Method c, which has no integer
  /// kernel, keeps the double difference G+ − G− rounded once.
  /// One definition for the kernels, `store` and `synchronize`: the cache
  /// a checkpoint restores, or an inspection re-reads, is the one the run
  /// kept. (The two roundings differ in the last bit for some state pairs;
  /// with a zero dead band a δ that cancels exactly in one and not in the
  /// other pulsed a row: an inspected run issued other pulses than its
  /// trained twin, a session-45 finding.)
  @inline(__always)
  func cachedWeight(_ k: Int, _ g: (plus: Double, minus: Double)) -> Float {
    if conductanceStates {
      guard method != .c else { return Float(g.plus - g.minus) }
      let p = Float(gp[k] * gMax), m = Float(gm[k] * gMax)
      guard hasVariation else { return p - m }
      guard hasShorted else { return xp[k] * p - xm[k] * m }
      let top = tableS[nMax]
      return (xp[k] * p + onp[k] * top) - (xm[k] * m + onm[k] * top)
    }
    guard hasVariation else { return tableS[Int(kp[k])] - tableS[Int(km[k])] }
    guard hasShorted else { return xp[k] * tableS[Int(kp[k])] - xm[k] * tableS[Int(km[k])] }
    let top = tableS[nMax]
    return (xp[k] * tableS[Int(kp[k])] + onp[k] * top) - (xm[k] * tableS[Int(km[k])] + onm[k] * top)
  }

  /// Writes the double-precision conductances of synapses `cells` from
  /// their device states (and, with `cache`, their weight cache entries).
  @inline(__always)
  private func writeConductances(_ cells: Range<Int>, cache: Bool) {
    for k in cells {
      let g = conductances(k)
      array._plus[k] = g.plus
      array._minus[k] = g.minus
      if cache { array._weight[k] = cachedWeight(k, g) }
    }
  }

  /// Writes every device's conductance into the array (and its caches).
  func synchronize() {
    writeConductances(0..<(rows * columns), cache: true)
    array.recomputeLoads()
  }

  /// Writes every device's double-precision conductance into the array,
  /// and nothing else (the weight cache and the loads are training's).
  func synchronizeConductances() { writeConductances(0..<(rows * columns), cache: false) }

  /// Writes the double-precision conductances of the listed rows from the
  /// device states: after an update, before a resistive read solves the
  /// meshes (the update itself keeps only the weight cache and the loads in
  /// step, which is all an ideal read needs).
  func synchronizeConductances(rows list: UnsafePointer<Int32>, count: Int) {
    for r in 0..<count {
      let base = Int(list[r]) * columns
      writeConductances(base..<(base + columns), cache: false)
    }
  }

  /// The weights every read of the array applies, in siemens, M×N: the
  /// weight cache G+ − G− with ideal wires; with resistive lines the
  /// array's transfer matrix, solved now on the current conductances.
  func effectiveWeights(stop: () -> Bool = { false }) throws -> UnsafePointer<Float> {
    // With ideal wires the weight cache is in step with the devices (every
    // update keeps it): an evaluation reads it as training does. Brought
    // anew from the conductances, it differed in the last bit where
    // Float(G+) − Float(G−) ≠ Float(G+ − G−), and the loads' sums in
    // theirs, so the evaluation schedule moved a run's read energy in its
    // ninth digit (a walkthrough, session 33).
    guard let reader else { return UnsafePointer(array._weight) }
    synchronize()
    let t = transfer ?? .allocate(capacity: rows * columns)
    transfer = t
    try reader.transferMatrix(array, into: t, stop: stop)
    return UnsafePointer(t)
  }

  /// The normalised weight (G+ − G−)/G_max of synapse k.
  func weight(_ k: Int) -> Double {
    let (a, b) = conductances(k)
    return (a - b) / gMax
  }

  /// Stores synapse k's weight in the cache and books the change of its
  /// conductance (S) on its lines' loads.
  @inline(__always)
  private func store(_ k: Int, before: (plus: Double, minus: Double)) {
    let after = conductances(k)
    array._weight[k] = cachedWeight(k, after)
    let delta = (after.plus - before.plus) + (after.minus - before.minus)
    array._rowLoad[k / columns] += delta
    array._columnLoad[k % columns] += delta
  }

  // MARK: - The update

  /// Table 1's update of one layer: every synapse in the active rows and
  /// the listed columns gets one identical pulse, to G+ for the columns in
  /// `up` (raise W) and to G− for those in `down`.
  /// `countingSlots` false: the caller counts the update's slots (a
  /// mini-batch, `LimNetwork.applyBatch`). `columnOrder`: through the
  /// lines on conductance states, the synapses are visited in column order
  /// (both lists ascending, merged), as a mini-batch's are with ideal
  /// writes; otherwise the raised ones first, as an online update's.
  func update(
    rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int,
    countingSlots: Bool = true, columnOrder: Bool = false
  ) {
    if let lines = writeLines {
      updateThroughLines(
        lines, rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount,
        columnOrder: columnOrder)
    } else {
      updateRows(
        rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount,
        countingSlots: countingSlots)
    }
  }

  /// `update` with `write_lines resistive` (`LimWriteLines`): row by row,
  /// each row's slot solved through the lines, and the row kernel given
  /// only the pulses that reach their devices.
  @inline(never)
  private func updateThroughLines(
    _ lines: LimWriteLines, rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int,
    columnOrder: Bool
  ) {
    // The arrays' conductances in siemens are those before the update
    // (the network writes them after it): every slot's bit lines are
    // solved on them.
    let gp = UnsafePointer(array._plus), gm = UnsafePointer(array._minus)
    if !lines.held || !lines.prepared {
      // (A mini-batch's layer prepares on its first row with pulses.)
      prepareWriteLines(lines)
      lines.prepared = true
    }
    if conductanceStates {
      updateConductancesThroughLines(
        lines, rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount,
        gp: gp, gm: gm, columnOrder: columnOrder)
      finishLinesBooking(lines)
      return
    }
    let n = columns, top = UInt8(nMax)
    for r in 0..<rowCount {
      var i = activeRows[r]
      let base = Int(i) * n
      // The row's slot: the columns whose device to pulse is below G_max
      // take the rule pulse (the others go serial), per polarity.
      let driven = lines.solveRowSlot(
        row: Int(i), up: up, upCount: upCount, down: down, downCount: downCount, gp: gp, gm: gm
      ) { j, raise in (raise ? kp : km)[base + j] < top }
      // Keep for the row kernel a synapse whose rule pulse reaches its
      // device and ends there; replay the others' serial sequences event by
      // event (`replaySequence`).
      var replays = 0
      func keep(_ j: Int, _ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>, place: UnsafeMutablePointer<Int32>, shares: UnsafeMutablePointer<Double>, up: Bool) -> Bool {
        let k = base + j, slot = Int(place[j])
        place[j] = -1
        if slot >= 0 {
          let share = shares[slot]
          lines.saw(share)
          guard share >= lines.share else {
            holdBack(lines, k, up: up)
            return false
          }
          // A pulse that takes both devices to G_max: their resets follow.
          guard a[k] &+ 1 == top && b[k] == top else { return true }
        }
        lines.replay[replays] = Int32(up ? j : ~j)
        replays += 1
        return false
      }
      var keptUp = 0, keptDown = 0
      for u in 0..<upCount where keep(Int(up[u]), kp, km, place: lines.placePlus, shares: lines.sharePlus, up: true) {
        lines.keptUp[keptUp] = up[u]
        keptUp += 1
      }
      for d in 0..<downCount where keep(Int(down[d]), km, kp, place: lines.placeMinus, shares: lines.shareMinus, up: false) {
        lines.keptDown[keptDown] = down[d]
        keptDown += 1
      }
      // The replayed synapses first (independent of the kept ones), so
      // that a half-select book hears the whole row before its end, which
      // the row kernel below reports. A mini-batch's in column order, as
      // its per-synapse update issues their serial slots with ideal writes
      // (the order a book sums them in).
      if columnOrder && replays > 1 {
        func column(_ c: Int32) -> Int32 { c >= 0 ? c : ~c }
        var list = UnsafeMutableBufferPointer(start: lines.replay, count: replays)
        list.sort { column($0) < column($1) }
      }
      for e in 0..<replays {
        let c = Int(lines.replay[e]), j = c >= 0 ? c : ~c
        replaySequence(lines, row: Int(i), column: j, up: c >= 0, gp: gp, gm: gm)
        lines.wentSerial[j] = true
      }
      updateRows(rows: &i, rowCount: 1, up: lines.keptUp, upCount: keptUp, down: lines.keptDown, downCount: keptDown)
      // The slot was driven even where none of its pulses took (or where
      // its only landed ones were replayed above).
      if driven > 0 && ruleRows == 0 { updateSlots += 1 }
    }
    finishLinesBooking(lines)
  }

  /// The bit lines' views of both arrays (`RowWriteSolver.prepare`), on
  /// the conductances in siemens, those before the update (the network
  /// writes them after it).
  private func prepareWriteLines(_ lines: LimWriteLines) {
    let gp = UnsafePointer(array._plus), gm = UnsafePointer(array._minus)
    // The two arrays on the two cores where it pays (as the reads' two
    // polarities).
    if rows * columns >= 20_000 {
      concurrentPerform(2) { $0 == 0 ? lines.plus.prepare(gp) : lines.minus.prepare(gm) }
    } else {
      lines.plus.prepare(gp)
      lines.minus.prepare(gm)
    }
  }

  /// A mini-batch's update calls `update(rows:…)` row by row
  /// (`LimNetwork.applyBatch`): `true` has the write lines prepared once
  /// for all of them (on the first row that reaches them), `false` after
  /// the last.
  func holdWriteLines(_ hold: Bool) {
    guard let lines = writeLines else { return }
    lines.held = hold
    lines.prepared = false
  }

  /// A netted mini-batch's rule pulse to synapse k after its first serial
  /// event (`LimNetwork.applyBatch`): a slot of its own, the cell written
  /// alone (as `UpdateSchedule.slots` draws it), its events landing where
  /// that cell reaches the threshold's share.
  func pulseAloneThroughLines(_ k: Int, up: Bool) {
    guard let lines = writeLines else { return }
    let gp = UnsafePointer(array._plus), gm = UnsafePointer(array._minus)
    if conductanceStates {
      synapseThroughLines(lines, row: k / columns, column: k % columns, up: up, gp: gp, gm: gm, alone: true)
    } else {
      replaySequence(lines, row: k / columns, column: k % columns, up: up, gp: gp, gm: gm, alone: true)
    }
  }

  /// The end of an update through the lines: the book's serial slots,
  /// unless a mini-batch holds the lines (it finishes the book itself).
  private func finishLinesBooking(_ lines: LimWriteLines) {
    if let book = halfSelectBook, !lines.held { book.finishUpdate() }
  }

  /// A synapse's update with its serial sequence (the method's resets and
  /// re-potentiations at G_max, or both devices' resets after a pulse
  /// that took them to G_max) through the lines: the events the kernel
  /// issues, each landing only where its cell, written alone on its
  /// device's array, sees the threshold. The rule pulse before the resets
  /// landed in its row's slot.
  @inline(never)
  private func replaySequence(
    _ lines: LimWriteLines, row i: Int, column j: Int, up: Bool, gp: UnsafePointer<Double>, gm: UnsafePointer<Double>,
    alone: Bool = false
  ) {
    let k = i * columns + j
    let before = conductances(k)
    // The kernel's events for this synapse, on its states as they are.
    let saved = (kp[k], km[k], pulses, resets, repotentiations, closedPulseConductance, settledResetConductance)
    lines.events.removeAll(keepingCapacity: true)
    update(k, up: up, sink: SequenceSink(lines: lines))
    let issued = conductances(k)
    (kp[k], km[k], pulses, resets, repotentiations, closedPulseConductance, settledResetConductance) = saved
    // Then each event as far as it reaches its device.
    let shares = (
      plus: lines.plus.cellShare(row: i, column: j, conductance: gp),
      minus: lines.minus.cellShare(row: i, column: j, conductance: gm))
    let reaches = (plus: shares.plus >= lines.share, minus: shares.minus >= lines.share)
    let top = nMax
    var undone = false
    for (kind, polarity, count) in lines.events {
      let device = polarity == .plus ? kp : km
      let x = Double(polarity == .plus ? xp[k] : xm[k])
      let on = shorted(k, up: polarity == .plus).0
      let s = Int(device[k])
      let lands = polarity == .plus ? reaches.plus : reaches.minus
      switch kind {
      case .reset:
        updateSlots += 1
        resetSlots += 1
        guard lands else {
          undone = true
          reportSink?.heldBack(.reset, polarity, cell: k, count: 1)
          continue
        }
        closedPulseConductance += x * cumulative[s] + on * Double(s) * shortedG
        settledResetConductance += x * table[s] * gMax + on * shortedG
        device[k] = 0
        resets += 1
        reportSink?.issue(.reset, polarity, cell: k, count: 1)
      case .potentiate:
        if alone {
          // A netted mini-batch's rule pulse after its synapse's first
          // serial event: a slot of its own, the cell written alone.
          updateSlots += count
          for _ in 0..<count { lines.saw(polarity == .plus ? shares.plus : shares.minus) }
          guard lands else {
            lines.ineffectivePulses += count
            reportSink?.heldBack(.potentiate, polarity, cell: k, count: count)
            continue
          }
        }
        // The rule pulse: it landed in the row's slot (or alone).
        device[k] = UInt8(min(s + count, top))
        pulses += count
        reportSink?.issue(.potentiate, polarity, cell: k, count: count)
      case .depress:
        // Method c's, which runs on conductance states (`reapply`).
        fatalError("a depression replayed on integer states (method c runs on conductance states)")
      case .repotentiate:
        updateSlots += count
        guard lands else {
          undone = undone || count > 0
          reportSink?.heldBack(.repotentiate, polarity, cell: k, count: count)
          continue
        }
        // (A device at G_max takes no step: no pulse beyond it counts.)
        let n = min(count, top - s)
        device[k] = UInt8(s + n)
        pulses += n
        repotentiations += n
        reportSink?.issue(.repotentiate, polarity, cell: k, count: n)
      }
    }
    if undone { lines.ineffectiveSequences += 1 }
    // The weight cache and line loads: the kernel's call moved them to
    // `issued`; from there to what landed.
    store(k, before: issued)
    bookIssued(lines, k, before: before)
  }

  /// Synapse k's rule pulse, below the threshold in its row's slot: counted
  /// as such, recorded as held back, and told to the half-select book
  /// (driven in the slot, its device unchanged).
  private func holdBack(_ lines: LimWriteLines, _ k: Int, up: Bool) {
    lines.ineffectivePulses += 1
    reportSink?.heldBack(.potentiate, up ? .plus : .minus, cell: k, count: 1)
    if let book = halfSelectBook {
      let g = conductances(k)
      book.issue(.potentiate, up ? .plus : .minus, count: 1)
      book.visited(cell: k, before: g, after: g)
    }
  }

  /// Tells the half-select book (if any) synapse k's events as the
  /// controller issued them, landed or not (each takes its slot), and its
  /// conductances before and after them.
  private func bookIssued(_ lines: LimWriteLines, _ k: Int, before: (plus: Double, minus: Double)) {
    guard let book = halfSelectBook else { return }
    for (kind, polarity, count) in lines.events { book.issue(kind, polarity, count: count) }
    book.visited(cell: k, before: before, after: conductances(k))
  }

  /// `updateThroughLines` on conductance states (method c, σ_c2c > 0, or
  /// method b with a margin): the same row slots and shares. Each synapse
  /// whose rule pulse lands (or that has none: its device to pulse is at
  /// G_max) runs its kernel (`update(_:up:sink:)`), in the order of the
  /// ideal path, recording its events. Where a serial event of it misses
  /// (its cell, written alone on its device's array, below the threshold's
  /// share), the synapse is put back as it was and its events re-applied,
  /// each as far as it lands (`reapply`): the controller issues them all
  /// either way, and only the landed ones count in `pulses`, `resets` and
  /// the energy.
  @inline(never)
  private func updateConductancesThroughLines(
    _ lines: LimWriteLines, rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int,
    gp sp: UnsafePointer<Double>, gm sm: UnsafePointer<Double>, columnOrder: Bool
  ) {
    let n = columns
    let top = hasMeasuredBidirectional ? measuredBidirectional.unsafelyUnwrapped.gMax : device.gMax
    for r in 0..<rowCount {
      let i = Int(activeRows[r]), base = i * n
      // The row's slot: the columns whose device to pulse is below G_max.
      let driven = lines.solveRowSlot(
        row: i, up: up, upCount: upCount, down: down, downCount: downCount, gp: sp, gm: sm
      ) { j, raise in (raise ? gp : gm)[base + j] < top }
      // The slot is driven even where none of its pulses lands.
      if driven > 0 { updateSlots += 1 }
      if columnOrder {
        // A mini-batch's: column by column, as its per-synapse update with
        // ideal writes draws σ_c2c's noise (a review, session 62: the
        // raised ones first had drawn it for other synapses).
        var u = 0, d = 0
        while u < upCount || d < downCount {
          let raise = d == downCount || (u < upCount && up[u] < down[d])
          synapseThroughLines(lines, row: i, column: Int(raise ? up[u] : down[d]), up: raise, gp: sp, gm: sm)
          if raise { u += 1 } else { d += 1 }
        }
      } else {
        for u in 0..<upCount { synapseThroughLines(lines, row: i, column: Int(up[u]), up: true, gp: sp, gm: sm) }
        for d in 0..<downCount { synapseThroughLines(lines, row: i, column: Int(down[d]), up: false, gp: sp, gm: sm) }
      }
      halfSelectBook?.rowEnded(i)
    }
  }

  /// One synapse of `updateConductancesThroughLines`.
  @inline(__always)
  private func synapseThroughLines(
    _ lines: LimWriteLines, row i: Int, column j: Int, up: Bool, gp sp: UnsafePointer<Double>, gm sm: UnsafePointer<Double>,
    alone: Bool = false
  ) {
    let place = up ? lines.placePlus : lines.placeMinus
    let slot = alone ? -1 : Int(place[j])
    if !alone { place[j] = -1 }
    if slot >= 0 {
      let share = (up ? lines.sharePlus : lines.shareMinus)[slot]
      lines.saw(share)
      // A rule pulse below the threshold: nothing happens to the synapse
      // (its device stays below G_max, so nothing follows).
      guard share >= lines.share else {
        holdBack(lines, i * columns + j, up: up)
        return
      }
    }
    let k = i * columns + j
    let before = conductances(k)
    let saved = (
      gp[k], gm[k], pulses, resets, repotentiations, depressions, closedPulseConductance, settledResetConductance, noise)
    lines.events.removeAll(keepingCapacity: true)
    update(k, up: up, sink: SequenceSink(lines: lines))
    // Every serial event takes its slot, landed or not (and, alone, the
    // rule pulse too).
    var serial = false
    for (kind, _, count) in lines.events where kind != .potentiate || alone {
      serial = serial || kind != .potentiate
      updateSlots += kind == .reset ? 1 : count
      if kind == .reset { resetSlots += 1 }
    }
    if serial { lines.wentSerial[j] = true }
    var reaches = (plus: true, minus: true)
    if serial || alone {
      let shares = (
        plus: lines.plus.cellShare(row: i, column: j, conductance: sp),
        minus: lines.minus.cellShare(row: i, column: j, conductance: sm))
      reaches = (plus: shares.plus >= lines.share, minus: shares.minus >= lines.share)
      if alone {
        for (kind, polarity, count) in lines.events where kind == .potentiate {
          for _ in 0..<count { lines.saw(polarity == .plus ? shares.plus : shares.minus) }
          if !(polarity == .plus ? reaches.plus : reaches.minus) { lines.ineffectivePulses += count }
        }
      }
    }
    func misses(_ polarity: Polarity) -> Bool { !(polarity == .plus ? reaches.plus : reaches.minus) }
    let serialMissed = lines.events.contains { $0.0 != .potentiate && $0.2 > 0 && misses($0.1) }
    let ruleMissed = alone && lines.events.contains { $0.0 == .potentiate && $0.2 > 0 && misses($0.1) }
    guard serialMissed || ruleMissed else {
      // Everything issued landed: the kernel's result stands.
      if let report = reportSink { for (kind, polarity, count) in lines.events { report.issue(kind, polarity, cell: k, count: count) } }
      bookIssued(lines, k, before: before)
      return
    }
    // (A lone rule pulse held back is not a sequence left incomplete.)
    if serialMissed { lines.ineffectiveSequences += 1 }
    let issued = conductances(k)
    (gp[k], gm[k], pulses, resets, repotentiations, depressions, closedPulseConductance, settledResetConductance, noise) = saved
    if hasMeasuredBidirectional {
      reapply(lines, k, reaches: reaches, alone: alone, MeasuredBidirectional.self)
    } else {
      reapply(lines, k, reaches: reaches, alone: alone, LimExponentialDevice.self)
    }
    // The weight cache and line loads: the kernel's call moved them to
    // `issued`; from there to what landed.
    store(k, before: issued)
    bookIssued(lines, k, before: before)
  }

  /// Synapse k's recorded events (conductance states), each applied where
  /// its device's cell reaches the threshold (the rule pulse landed in its
  /// row's slot), as the kernels apply them: a pulse's step (varied with
  /// σ_c2c, one draw a landed pulse), a reset to G_min, with their
  /// counts and energy.
  private func reapply<Device: BidirectionalModel>(
    _ lines: LimWriteLines, _ k: Int, reaches: (plus: Bool, minus: Bool), alone: Bool, _: Device.Type
  ) {
    for (kind, polarity, count) in lines.events {
      let plus = polarity == .plus
      guard (kind == .potentiate && !alone) || (plus ? reaches.plus : reaches.minus) else {
        reportSink?.heldBack(kind, polarity, cell: k, count: count)
        continue
      }
      let x = hasVariation ? Double(plus ? xp[k] : xm[k]) : 1
      let on = shorted(k, up: plus).0
      var g = plus ? gp[k] : gm[k]
      switch kind {
      case .potentiate, .repotentiate:
        // (Unclamped by `top`, unlike `replaySequence`'s integer count:
        // the kernel's loop stopped at G_max, and a landed device takes
        // the same steps from the same state with the same draws.)
        for _ in 0..<count {
          closedPulseConductance += x * g * gMax + on * shortedG
          g = potentiated(g, Device.self)
        }
        pulses += count
        if kind == .repotentiate { repotentiations += count }
      case .depress:
        for _ in 0..<count {
          closedPulseConductance += x * g * gMax + on * shortedG
          g = depressed(g, Device.self)
        }
        pulses += count
        depressions += count
      case .reset:
        settledResetConductance += x * g * gMax + on * shortedG
        g = Device.of(self).gMin
        resets += count
      }
      if plus { gp[k] = g } else { gm[k] = g }
      reportSink?.issue(kind, polarity, cell: k, count: count)
    }
  }

  private func updateRows(
    rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int,
    countingSlots: Bool = true
  ) {
    let serialBefore = serialEvents, resetsBefore = resets
    // Until session 47 every active row took a slot, also where all its
    // pulses became serial (`--nmax 8 --layers 784,16,10 --method a`, 200
    // MNIST images: 13,409 slots where the schedule draws 13,204).
    ruleRows = 0
    defer {
      if countingSlots {
        updateSlots += ruleRows + (serialEvents - serialBefore)
        resetSlots += resets - resetsBefore
      }
    }
    if let book = halfSelectBook {
      updateBooking(book, rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount)
      return
    }
    if conductanceStates {
      for r in 0..<rowCount {
        let base = Int(activeRows[r]) * columns, rule = rulePulses
        for u in 0..<upCount { update(base + Int(up[u]), up: true) }
        for d in 0..<downCount { update(base + Int(down[d]), up: false) }
        if rulePulses != rule { ruleRows += 1 }
      }
      return
    }
    if let report = reportSink {
      // The same kernel, reporting each pulse: the same pulses, recorded
      // or counted per device.
      updateStates(
        rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount,
        scaled: hasVariation, sink: report)
    } else if hasVariation {
      updateStates(rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount, scaled: true, sink: NoPulseSink())
    } else if let transitions, usesTransitions {
      updateByTransitions(
        transitions, rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount)
    } else {
      updateStates(rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount, scaled: false, sink: NoPulseSink())
    }
  }

  /// A mini-batch's row i has had its synapses' pulses (`update(_:up:)`,
  /// each synapse's one after the other): the booking's rounds of slots.
  func endBookedRow(_ i: Int) { halfSelectBook?.rowEnded(i) }

  /// A mini-batch's update of this layer is over: the booking's serial
  /// slots.
  func finishBookedUpdate() { halfSelectBook?.finishUpdate() }

  /// A netted mini-batch's row through the lines visits its synapses once
  /// per round: the book gathers their visits from `beginGatheredRow` to
  /// `endGatheredRow` and books them as ideal writes' per-synapse update
  /// visits them, each synapse's together (`LimHalfSelectBook.gathering`).
  func beginGatheredRow() { halfSelectBook?.beginGathering() }
  func endGatheredRow(_ i: Int) { halfSelectBook?.endGathering(row: i) }

  /// `update` with the half-selected cells booked: the recorded kernel
  /// (method c's per synapse), every synapse and row reported to the
  /// account. Out of line, so that the looked-up path stays as it was.
  @inline(never)
  private func updateBooking(
    _ book: LimHalfSelectBook, rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int
  ) {
    if recorder == nil, endurance == nil, !conductanceStates, !book.gathering, let transitions, usesTransitions {
      updateBookingByTransitions(
        book, transitions, rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount)
      return
    }
    let sink = BookingSink(book: book, recording: reportSink)
    if conductanceStates {
      for r in 0..<rowCount {
        let i = Int(activeRows[r]), base = i * columns, rule = rulePulses
        for u in 0..<upCount { update(base + Int(up[u]), up: true, sink: sink) }
        for d in 0..<downCount { update(base + Int(down[d]), up: false, sink: sink) }
        if rulePulses != rule { ruleRows += 1 }
        sink.rowEnded(i)
      }
    } else {
      updateStates(
        rows: activeRows, rowCount: rowCount, up: up, upCount: upCount, down: down, downCount: downCount,
        scaled: hasVariation, sink: sink)
    }
    // (Through the lines the row kernels run row by row: the serial slots
    // are booked once, at the update's end, `finishLinesBooking`.)
    if writeLines == nil { book.finishUpdate() }
  }

  /// `updateBooking` by lookup, for integer states without variation and
  /// no recorder (the default run's case): `updateByTransitions`' entries
  /// for the states, weights and loads, and the book told of each
  /// synapse directly, a rule pulse (`LimHalfSelectBook.rose`, on the
  /// row's tally held in registers) or method b's refill (`refilled`),
  /// with the values and in the order the recorded kernel reports them;
  /// a rare entry runs the recorded kernel's sequence. The same states, weights, loads, counts and
  /// booked conductances, bit for bit (tested), at about twice the
  /// recorded kernel's speed.
  @inline(never)
  private func updateBookingByTransitions(
    _ book: LimHalfSelectBook, _ table: UnsafeMutablePointer<Transition>,
    rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int
  ) {
    let n = columns, width = nMax + 1
    let w = array._weight, g = tableD, scale = gMax
    let colLoad = array._columnLoad, rowLoad = array._rowLoad
    let kp = self.kp, km = self.km, resetsFrom = self.resetsFrom
    let sink = BookingSink(book: book, recording: nil)
    let columnSum = book.columnSum
    var count = 0, resetCount = 0, repot = 0
    for r in 0..<rowCount {
      let i = Int(activeRows[r]), base = i &* n
      // (A rare pulse counts its own on the layer.)
      let rowStart = count &- repot, rareStart = rulePulses
      var rowDelta: Double = 0
      // The row's rule slots, held here (the book's own between its calls:
      // empty at a row's start, but through resistive lines, where the
      // row's held-back pulses and replayed synapses were told first).
      book.closeVisit()
      var tally = book.tally
      @inline(__always) func pulse(_ j: Int, up: Bool) {
        let k = base &+ j
        let a = up ? kp : km, b = up ? km : kp
        let sa = Int(a[k]), sb = Int(b[k])
        let e = table[sa &* width &+ sb]
        if _slowPath(e.rare != 0) {
          // As `updateStates` and `updateByTransitions`' rare pulse.
          let before = conductances(k)
          book.tally = tally
          atMaximumOrReset(k, up: up, sink: sink)
          settleRarePulse(k, column: j, up: up, from: sa, sb, rowDelta: &rowDelta)
          sink.visited(cell: k, before: before, after: conductances(k))
          book.closeVisit()
          tally = book.tally
          return
        }
        a[k] = e.a
        b[k] = e.b
        w[k] = up ? e.weight : 0 - e.weight
        let d = Double(e.load)
        rowDelta += d
        colLoad[j] += d
        if e.refill != 0 {
          // The other device reset from s_b and re-potentiated to s_b − 1.
          resetsFrom[sb] &+= 1
          resetCount &+= 1
          count &+= sb &- 1
          repot &+= sb &- 1
          book.refilled(
            row: i, column: j, polarity: up ? 1 : 0, before: g[sb] * scale, after: g[Int(e.b)] * scale, pulses: sb &- 1)
        } else {
          count &+= 1
          LimHalfSelectBook.rose(
            &tally, columnSum, column: j, polarity: up ? 0 : 1, before: g[sa] * scale, after: g[Int(e.a)] * scale)
        }
      }
      for u in 0..<upCount { pulse(Int(up[u]), up: true) }
      for v in 0..<downCount { pulse(Int(down[v]), up: false) }
      if count &- repot != rowStart || rulePulses != rareStart { ruleRows &+= 1 }
      rowLoad[i] += rowDelta
      book.tally = tally
      book.rowEnded(i)
    }
    if writeLines == nil { book.finishUpdate() }
    pulses += count
    resets += resetCount
    repotentiations += repot
  }

  /// The (n_max + 1)² entries of `transitions`, owned here so that the
  /// layers of a network share them (at n_max 255 a table is 786 KB).
  final class TransitionTable {
    let states: Int
    let entries: UnsafeMutablePointer<Transition>
    init(states: Int) {
      self.states = states
      entries = .allocate(capacity: states * states)
    }
    deinit { entries.deallocate() }
  }

  /// One entry of `transitions`: a pulse to device a (state s_a) of a pair
  /// whose other device b is at s_b, as `updateStates` computes it without
  /// variation.
  struct Transition {
    /// G_a − G_b after the pulse (S, single precision): the weight cache's
    /// value when a is G+; `0 − weight` (the same bits as G_b − G_a) when
    /// a is G−.
    var weight: Float
    /// (G_a' − G_a) + (G_b' − G_b) (S): what the synapse's row and column
    /// loads gain, in either direction.
    var load: Float
    /// The states after the pulse.
    var a: UInt8, b: UInt8
    /// 1 when the pulse is method b's refill: b reset from s_b and
    /// re-potentiated to s_b − 1 (s_b − 1 pulses).
    var refill: UInt8
    /// 1 when it is neither a rise nor a refill: the rare sequences of
    /// `atMaximumOrReset`, run on the states (the other fields unused).
    var rare: UInt8
  }

  /// The entry for states (s_a, s_b): `updateStates`' arithmetic with
  /// every scale X = 1.
  private func transition(_ sa: Int, _ sb: Int) -> Transition {
    let t = tableS
    let rise = sa < nMax && !(sa + 1 == nMax && sb == nMax)
    let refill = sa == nMax && refills[sb] != 0
    guard rise || refill else { return Transition(weight: 0, load: 0, a: 0, b: 0, refill: 0, rare: 1) }
    let na = rise ? sa + 1 : sa, nb = refill ? sb - 1 : sb
    let p0 = t[sa], m0 = t[sb], p1 = t[na], m1 = t[nb]
    return Transition(
      weight: p1 - m1, load: (p1 - p0) + (m1 - m0), a: UInt8(na), b: UInt8(nb), refill: refill ? 1 : 0, rare: 0)
  }

  /// `updateStates` without variation and without a sink, by lookup: per
  /// pulse two state loads, one entry, three stores and the loads' sums.
  /// The same states, weights, loads (the same additions in the same
  /// order) and counts, bit for bit. Rises, refills and re-potentiations
  /// are counted after the loop: refills from `resetsFrom` (which books
  /// each by the state it reset), rises as the pulses that were neither.
  ///
  /// A row's pulses run in `transitionRow` (one call a row; the loops of
  /// `transitionRun` there hold nothing but the row in registers), which
  /// stops at a rare entry; the rare pulse is computed here and the row
  /// resumes after it.
  @inline(__always)
  private func updateByTransitions(
    _ table: UnsafeMutablePointer<Transition>, rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int
  ) {
    let n = columns, width = nMax + 1
    let w = array._weight, colLoad = array._columnLoad, rowLoad = array._rowLoad
    let kp = self.kp, km = self.km, resetsFrom = self.resetsFrom
    resetsBefore.update(from: resetsFrom, count: width)
    var rare = 0
    var rowDelta: Double = 0
    for r in 0..<rowCount {
      let i = Int(activeRows[r]), base = i &* n
      rowDelta = 0
      // The row's pulses that were not rule pulses: refills, and rare
      // ones (which count their own rule pulses on the layer).
      var rowRefills = 0, rowRare = rare
      let rareStart = rulePulses
      // The uncommon pulse at column j: the method's sequence on the
      // states, then the weight and load change from the conductances.
      @inline(__always) func rarePulse(_ j: Int, up: Bool) {
        let k = base &+ j
        let a = up ? kp : km, b = up ? km : kp
        let sa = Int(a[k]), sb = Int(b[k])
        atMaximumOrReset(k, up: up, sink: NoPulseSink())
        rare &+= 1
        settleRarePulse(k, column: j, up: up, from: sa, sb, rowDelta: &rowDelta)
      }
      // Positions 0..<upCount are the up list's, the rest the down list's.
      let total = upCount + downCount
      var u = 0
      while u < total {
        u = LimLayer.transitionRow(
          up, upCount, down, downCount, from: u, kp + base, km + base, w + base, table, width, colLoad,
          resetsFrom, &rowDelta, &rowRefills)
        if u < total {
          if u < upCount { rarePulse(Int(up[u]), up: true) } else { rarePulse(Int(down[u - upCount]), up: false) }
          u += 1
        }
      }
      rowRare = rare &- rowRare
      if total &- rowRefills &- rowRare > 0 || rulePulses != rareStart { ruleRows &+= 1 }
      rowLoad[i] += rowDelta
    }
    var refillCount = 0, repot = 0
    for s in 0..<width {
      let c = resetsFrom[s] &- resetsBefore[s]
      refillCount &+= c
      repot &+= c &* (s - 1)
    }
    pulses += rowCount * (upCount + downCount) - refillCount - rare + repot
    resets += refillCount
    repotentiations += repot
  }

  /// A rare pulse's sequence at synapse k (column j) has run from states
  /// (s_a, s_b) (a the device pulsed): its weight cache and its loads'
  /// change from the old and new states, as `updateStates` computes them
  /// (p the G+ device, m the G− one).
  @inline(__always)
  private func settleRarePulse(_ k: Int, column j: Int, up: Bool, from sa: Int, _ sb: Int, rowDelta: inout Double) {
    let t = tableS
    let na = Int(up ? kp[k] : km[k]), nb = Int(up ? km[k] : kp[k])
    let p0 = t[up ? sa : sb], m0 = t[up ? sb : sa]
    let p1 = t[up ? na : nb], m1 = t[up ? nb : na]
    array._weight[k] = p1 - m1
    let d = (p1 - p0) + (m1 - m0)
    rowDelta += Double(d)
    array._columnLoad[j] += Double(d)
  }

  /// Pulses `cols[from..<count]` of one row, looked up (a, b and w start
  /// at the row: a the devices pulsed, b the others): states, weight cache
  /// (G_a − G_b when a is G+, `0 − (G_a − G_b)`, the bits of G_b − G_a,
  /// when it is G−), the column loads, `rowDelta` (in pulse order) and
  /// the refills' `resetsFrom`. Stops before the first rare entry and
  /// returns its position, or `count`.
  @inline(__always)
  private static func transitionRun(
    _ cols: UnsafePointer<Int32>, _ from: Int, _ count: Int,
    _ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>, _ w: UnsafeMutablePointer<Float>,
    _ table: UnsafeMutablePointer<Transition>, _ width: Int, _ colLoad: UnsafeMutablePointer<Double>,
    _ resetsFrom: UnsafeMutablePointer<Int>, _ rowDelta: inout Double, _ refills: inout Int, up: Bool
  ) -> Int {
    var delta = rowDelta, refilled = refills
    var u = from
    while u < count {
      let j = Int(cols[u])
      let sa = Int(a[j]), sb = Int(b[j])
      let e = table[sa &* width &+ sb]
      if _slowPath(e.rare != 0) { break }
      a[j] = e.a
      b[j] = e.b
      w[j] = up ? e.weight : 0 - e.weight
      resetsFrom[sb] &+= Int(e.refill)
      refilled &+= Int(e.refill)
      let d = Double(e.load)
      delta += d
      colLoad[j] += d
      u &+= 1
    }
    rowDelta = delta
    refills = refilled
    return u
  }

  /// One row's pulses from position `from` on (the up list's positions
  /// first, then the down list's): `transitionRun` on each list, in that
  /// order. Returns the position of the first rare entry, or
  /// upCount + downCount.
  @inline(never)
  private static func transitionRow(
    _ up: UnsafePointer<Int32>, _ upCount: Int, _ down: UnsafePointer<Int32>, _ downCount: Int, from: Int,
    _ plus: UnsafeMutablePointer<UInt8>, _ minus: UnsafeMutablePointer<UInt8>, _ w: UnsafeMutablePointer<Float>,
    _ table: UnsafeMutablePointer<Transition>, _ width: Int, _ colLoad: UnsafeMutablePointer<Double>,
    _ resetsFrom: UnsafeMutablePointer<Int>, _ rowDelta: inout Double, _ refills: inout Int
  ) -> Int {
    if from < upCount {
      let u = transitionRun(
        up, from, upCount, plus, minus, w, table, width, colLoad, resetsFrom, &rowDelta, &refills, up: true)
      if u < upCount { return u }
    }
    let v = transitionRun(
      down, max(from - upCount, 0), downCount, minus, plus, w, table, width, colLoad, resetsFrom, &rowDelta, &refills,
      up: false)
    return upCount + v
  }

  /// Methods a and b: integer states. The common case, a device below
  /// G_max, is one increment; at G_max the method's sequence runs on the
  /// states (`atMaximum`). Either way the weight cache and the line loads
  /// follow from the old and new states. `scaled` is false without
  /// variation (every X is 1), which saves streaming the scales. `sink`
  /// hears every pulse and reset (`NoPulseSink` compiles to nothing).
  @inline(__always)
  private func updateStates<Sink: PulseSink>(
    rows activeRows: UnsafePointer<Int32>, rowCount: Int,
    up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int, scaled: Bool,
    sink: Sink
  ) {
    let n = columns, top = UInt8(nMax)
    let w = array._weight, t = tableS, colLoad = array._columnLoad, rowLoad = array._rowLoad
    let kp = self.kp, km = self.km, xp = self.xp, xm = self.xm
    let onp = self.onp, onm = self.onm, shortedAny = hasShorted
    let methodB = method == .b, refills = self.refills
    var count = 0, resetCount = 0, repot = 0
    for r in 0..<rowCount {
      let i = Int(activeRows[r]), base = i * n
      // (A rare pulse counts its own on the layer.)
      let rowStart = count &- repot, rareStart = rulePulses
      var rowDelta: Double = 0
      @inline(__always) func pulse(_ j: Int, _ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>, up: Bool) {
        let k = base + j
        let sa = a[k], sb = b[k]
        let before = Sink.reportsVisits ? conductances(k) : (plus: 0, minus: 0)
        // The two common cases, decided without a branch on the data (a
        // third of the visits find the device at G_max, in no pattern a
        // predictor could learn): `rise`, one pulse below G_max; `refill`,
        // method b's sequence found directly (see `atMaximum`): reset the
        // other device and re-potentiate it to one state below.
        // Written as arithmetic on purpose: `&&` compiles to branches here.
        let ia = Int(sa), ib = Int(sb), itop = Int(top)
        let below = (ia &- itop) >> 63 & 1  // sa < top
        let bothTop = ((ia &+ 1) ^ itop) | (ib ^ itop)  // 0: the pulse takes both to G_max
        let riseI = below & ((0 &- bothTop) >> 63 & 1)
        let refillI: Int
        if scaled {
          refillI = methodB && sa == top && sb > 1 && sb < top
            && bStopsBelow(ib, xa: Double(up ? xp[k] : xm[k]), xb: Double(up ? xm[k] : xp[k])) ? 1 : 0
        } else {
          refillI = (((ia ^ itop) &- 1) >> 63 & 1) & Int(refills[ib])
        }
        let rise = riseI != 0, refill = refillI != 0
        let na: UInt8, nb: UInt8
        if _fastPath(riseI | refillI != 0) {
          na = sa &+ UInt8(truncatingIfNeeded: riseI)
          nb = sb &- UInt8(truncatingIfNeeded: refillI)
          a[k] = na
          b[k] = nb
          let r = (ib &- 1) & (0 &- refillI)
          count &+= riseI &+ r
          repot &+= r
          resetCount &+= refillI
          if scaled {
            // The reset closes b's stretch of pulses; the re-potentiation
            // opens the next one from G_min. (Booked on the layer here, in
            // the rare branch: accumulators held across the loop would cost
            // the common pulse registers.)
            if refill {
              let xb = Double(up ? xm[k] : xp[k])
              // (The double-precision curve, as every other booking: the
              // single-precision one, `t`, had booked these resets 3e-9 off
              // the looked-up kernel's at σ 0, session 73. A shorted b
              // never refills here: at X_b = 0 `bStopsBelow` is false, and
              // `atMaximum` books its sequence with its G(n_max).)
              settledResetConductance += xb * tableD[Int(sb)] * gMax
              closedPulseConductance += xb * cumulative[Int(sb)]
            }
          } else {
            resetsFrom[ib] &+= refillI
          }
          if rise {
            sink.issue(.potentiate, up ? .plus : .minus, cell: k, count: 1)
          } else {
            sink.issue(.reset, up ? .minus : .plus, cell: k, count: 1)
            sink.issue(.repotentiate, up ? .minus : .plus, cell: k, count: Int(sb) - 1)
          }
        } else {
          atMaximumOrReset(k, up: up, sink: sink)
          na = a[k]
          nb = b[k]
        }
        let xpk: Float = scaled ? xp[k] : 1, xmk: Float = scaled ? xm[k] : 1
        var p0 = xpk * t[Int(up ? sa : sb)], m0 = xmk * t[Int(up ? sb : sa)]
        var p1 = xpk * t[Int(up ? na : nb)], m1 = xmk * t[Int(up ? nb : na)]
        if scaled && shortedAny {
          // Shorted devices: G(n_max) beside X·G(s) (`cachedWeight`).
          let op = onp[k] * t[itop], om = onm[k] * t[itop]
          p0 += op
          p1 += op
          m0 += om
          m1 += om
        }
        w[k] = p1 - m1
        let d = (p1 - p0) + (m1 - m0)
        rowDelta += Double(d)
        colLoad[j] += Double(d)
        if Sink.reportsVisits { sink.visited(cell: k, before: before, after: conductances(k)) }
      }
      for u in 0..<upCount { pulse(Int(up[u]), kp, km, up: true) }
      for v in 0..<downCount { pulse(Int(down[v]), km, kp, up: false) }
      if count &- repot != rowStart || rulePulses != rareStart { ruleRows &+= 1 }
      rowLoad[i] += rowDelta
      sink.rowEnded(i)
    }
    pulses += count
    resets += resetCount
    repotentiations += repot
  }

  /// Method b's loop stops one state below the old one, `old − 1`: the
  /// loop condition G+ − (G− + ΔG) > W holds at old − 2 and fails at
  /// old − 1 (for G+ at G_max, with scales xa, xb). Checked, not assumed.
  @inline(__always)
  private func bStopsBelow(_ old: Int, xa: Double, xb: Double) -> Bool {
    let t = tableD, top = xa * t[nMax]
    let w = top - xb * t[old]
    return top - xb * t[old - 1] > w && !(top - xb * t[old] > w)
  }

  /// The uncommon cases of a pulse on integer states: the device to pulse
  /// is at G_max (the method's sequence), or the pulse brings both devices
  /// to G_max (Figure 2D: both reset).
  @inline(never)
  private func atMaximumOrReset<Sink: PulseSink>(_ k: Int, up: Bool, sink: Sink) {
    let a = up ? kp : km, b = up ? km : kp
    if Int(a[k]) < nMax {
      let (xa, xb) = scales(k, up: up), (oa, ob) = shorted(k, up: up)
      closedPulseConductance += (xa + xb) * cumulative[nMax] + (oa + ob) * Double(nMax) * shortedG
      settledResetConductance += (xa + xb) * table[nMax] * gMax + (oa + ob) * shortedG
      a[k] = 0
      b[k] = 0
      pulses += 1
      resets += 2
      sink.issue(.potentiate, up ? .plus : .minus, cell: k, count: 1)
      sink.issueBothResets(cell: k)
    } else {
      atMaximum(k, up: up, sink: sink)
    }
  }

  /// One update of synapse k: raise its weight (`up`) or lower it, by one
  /// identical pulse to G+ or G−, and the method's handling at G_max.
  func update(_ k: Int, up: Bool) {
    if let book = halfSelectBook {
      update(k, up: up, sink: BookingSink(book: book, recording: reportSink))
      return
    }
    if let report = reportSink {
      update(k, up: up, sink: report)
    } else {
      update(k, up: up, sink: NoPulseSink())
    }
  }

  private func update<Sink: PulseSink>(_ k: Int, up: Bool, sink: Sink) {
    let before = conductances(k)
    if method == .c {
      updateBidirectional(k, up: up, sink: sink)
    } else if conductanceStates {
      if hasMeasuredBidirectional {
        updateMeasuredUnidirectional(k, up: up, sink: sink)
      } else {
        updateUnidirectional(k, up: up, sink: sink, LimExponentialDevice.self)
      }
    } else {
      let a = up ? kp : km, b = up ? km : kp
      if Int(a[k]) < nMax {
        a[k] += 1
        pulses += 1
        sink.issue(.potentiate, up ? .plus : .minus, cell: k, count: 1)
        if Int(a[k]) == nMax && Int(b[k]) == nMax {
          // Figure 2D: both at G_max, both are reset.
          let (xa, xb) = scales(k, up: up), (oa, ob) = shorted(k, up: up)
          closedPulseConductance += (xa + xb) * cumulative[nMax] + (oa + ob) * Double(nMax) * shortedG
          settledResetConductance += (xa + xb) * table[nMax] * gMax + (oa + ob) * shortedG
          a[k] = 0
          b[k] = 0
          resets += 2
          sink.issueBothResets(cell: k)
        }
      } else {
        atMaximum(k, up: up, sink: sink)
      }
    }
    store(k, before: before)
    if Sink.reportsVisits { sink.visited(cell: k, before: before, after: conductances(k)) }
  }

  /// Methods a and b when the device to pulse is at G_max, following the
  /// pseudocode of Lim et al. §2.2 (written for G+ = G_max, ΔW > 0; the
  /// other case is its mirror image). W is the weight in actual
  /// conductances, X·G, as a verify read would see it.
  private func atMaximum<Sink: PulseSink>(_ k: Int, up: Bool, sink: Sink) {
    let pa: Polarity = up ? .plus : .minus, pb: Polarity = up ? .minus : .plus
    let t = table, n = nMax
    let xa = Double(up ? xp[k] : xm[k])  // the device at G_max
    let xb = Double(up ? xm[k] : xp[k])  // the other one
    let (oa, ob) = shorted(k, up: up)  // shorted: G(n_max) whatever the state
    var a = Int(up ? kp[k] : km[k])
    var b = Int(up ? km[k] : kp[k])
    // w = Ga − Gb: the weight, signed so that "raise" raises w.
    let w = xa * t[a] - xb * t[b]
    // Both loops of the pseudocode stop at the first state where a
    // condition monotone in that state flips; the stop is found directly
    // (method b: one below the old state, checked; method a: bisection),
    // and every pulse of the loop is counted as issued.
    switch method {
    case .a:
      // G+ ← G_min, G− ← G_min; while G+ − G− < W: G+ ← G+ + ΔG.
      closedPulseConductance += xa * cumulative[a] + xb * cumulative[b] + (oa * Double(a) + ob * Double(b)) * shortedG
      settledResetConductance += (xa * t[a] + xb * t[b]) * gMax + (oa + ob) * shortedG
      a = 0
      b = 0
      resets += 2
      sink.issueBothResets(cell: k)
      // Smallest a in 0...n with xa·t[a] − xb·t[0] ≥ w (or n).
      var lo = 0, hi = n
      while lo < hi {
        let mid = (lo + hi) / 2
        if xa * t[mid] - xb * t[0] < w { lo = mid + 1 } else { hi = mid }
      }
      a = lo
      pulses += a
      repotentiations += a
      sink.issue(.repotentiate, pa, cell: k, count: a)
    case .b:
      // G− ← G_min; while G+ − (G− + ΔG) > W: G− ← G− + ΔG.
      // With exact states this stops at the state just below the old G−:
      // the weight rises by exactly the old G−'s last step.
      let old = b
      closedPulseConductance += xb * cumulative[old] + ob * Double(old) * shortedG
      settledResetConductance += xb * t[old] * gMax + ob * shortedG
      b = 0
      resets += 1
      sink.issue(.reset, pb, cell: k, count: 1)
      func goesOn(_ s: Int) -> Bool { s < n && xa * t[a] - xb * t[s + 1] > w }
      let guess = max(old - 1, 0)
      if (guess == 0 || goesOn(guess - 1)) && !goesOn(guess) {
        b = guess
      } else {
        while goesOn(b) { b += 1 }
      }
      pulses += b
      repotentiations += b
      sink.issue(.repotentiate, pb, cell: k, count: b)
    case .c:
      fatalError("method c uses conductance states")
    }
    if a == n && b == n {
      closedPulseConductance += (xa + xb) * cumulative[n] + (oa + ob) * Double(n) * shortedG
      settledResetConductance += (xa + xb) * t[n] * gMax + (oa + ob) * shortedG
      a = 0
      b = 0
      resets += 2
      sink.issueBothResets(cell: k)
    }
    if up { kp[k] = UInt8(a); km[k] = UInt8(b) } else { km[k] = UInt8(a); kp[k] = UInt8(b) }
  }

  /// Method c: bidirectional devices. Below G_max the device to raise is
  /// potentiated; at G_max the other one is depressed one step (eq. (2)).
  private func updateBidirectional<Sink: PulseSink>(_ k: Int, up: Bool, sink: Sink) {
    if hasMeasuredBidirectional {
      updateMeasuredBidirectional(k, up: up, sink: sink)
    } else {
      updateBidirectional(k, up: up, sink: sink, LimExponentialDevice.self)
    }
  }

  // Out of line: Lim's path stays as it was.
  @inline(never)
  private func updateMeasuredBidirectional<Sink: PulseSink>(_ k: Int, up: Bool, sink: Sink) {
    updateBidirectional(k, up: up, sink: sink, MeasuredBidirectional.self)
  }

  /// The same for either device: `Device.of(self)` reads the layer's
  /// device in place (Lim's `device` as the code always did; a copy of it
  /// per pulse cost Lim's runs 4 % more instructions).
  private func updateBidirectional<Sink: PulseSink, Device: BidirectionalModel>(
    _ k: Int, up: Bool, sink: Sink, _: Device.Type
  ) {
    var a = up ? gp[k] : gm[k]
    var b = up ? gm[k] : gp[k]
    let (xa, xb) = scales(k, up: up), (oa, ob) = shorted(k, up: up)
    if a < Device.of(self).gMax {
      closedPulseConductance += xa * a * gMax + oa * shortedG
      a = potentiated(a, Device.self)
      pulses += 1
      sink.issue(.potentiate, up ? .plus : .minus, cell: k, count: 1)
    } else if b > Device.of(self).depressionFloor {
      closedPulseConductance += xb * b * gMax + ob * shortedG
      b = depressed(b, Device.self)
      pulses += 1
      depressions += 1
      sink.issue(.depress, up ? .minus : .plus, cell: k, count: 1)
    }
    if a >= Device.of(self).gMax && b >= Device.of(self).gMax {
      settledResetConductance += (xa * a + xb * b) * gMax + (oa + ob) * shortedG
      a = Device.of(self).gMin
      b = Device.of(self).gMin
      resets += 2
      sink.issueBothResets(cell: k)
    }
    if up { gp[k] = a; gm[k] = b } else { gm[k] = a; gp[k] = b }
  }

  /// One identical pulse's potentiation of a device at g: the device's
  /// step there, times 1 + σ_c2c·z with variation, within its range.
  /// (With variation only the step before the bounds is evaluated: eq. (1)
  /// once a pulse, not twice.)
  @inline(__always)
  private func potentiated<Device: BidirectionalModel>(_ g: Double, _: Device.Type) -> Double {
    guard sigmaC2C > 0 else { return Device.of(self).potentiated(g) }
    return varied(g, unclamped: Device.of(self).unclampedNext(g, potentiation: true), Device.self)
  }

  /// The same for a depression pulse (method c).
  @inline(__always)
  private func depressed<Device: BidirectionalModel>(_ g: Double, _: Device.Type) -> Double {
    guard sigmaC2C > 0 else { return Device.of(self).depressed(g) }
    // Not below the depression floor, where a nominal pulse stops (a
    // measured `d` branch that ends above G_min): the step before the
    // bounds goes on past the branch's end, and a vanishing σ_c2c had
    // taken devices half a step below it (a walkthrough, session 46).
    return max(varied(g, unclamped: Device.of(self).unclampedNext(g, potentiation: false), Device.self),
      Device.of(self).depressionFloor)
  }

  /// A pulse from g (σ_c2c > 0) whose nominal result before the bounds is
  /// `raw`: g + ΔG·(1 + σ_c2c·z), ΔG = raw − g the model's step before the
  /// bounds (eq. (1)'s, or the data's, which near G_max reaches past it:
  /// the step left to G_max had taken devices there by ever smaller
  /// pulses, a walkthrough, session 43), written so that σz → 0 gives raw
  /// exactly, then put within the device's range as the model puts a
  /// pulse's result. One z drawn.
  @inline(__always)
  private func varied<Device: BidirectionalModel>(_ g: Double, unclamped raw: Double, _: Device.Type) -> Double {
    let z = Double(noise.next(quantiles))
    return Device.of(self).bounded(raw + (raw - g) * (sigmaC2C * z))
  }

  @inline(never)
  private func updateMeasuredUnidirectional<Sink: PulseSink>(_ k: Int, up: Bool, sink: Sink) {
    updateUnidirectional(k, up: up, sink: sink, MeasuredBidirectional.self)
  }

  /// Methods a and b on conductance states (σ_c2c > 0, or method b with a
  /// margin): Table 1's pulse,
  /// and at G_max the pseudocode of Lim et al. §2.2 run pulse by pulse, as
  /// a controller would, each pulse with its own variation. Method a's loop
  /// re-potentiates G+ while G+ − G− < W; method b's pulses G− while the
  /// device's nominal next step would keep G+ − G− above W (the controller
  /// predicts with the curve; the pulse it then issues varies). Both stop
  /// at G_max. With σ_c2c = 0 and no margin this is the integer kernel's
  /// transition, pulse for pulse (a test compares them), but on a measured
  /// curve's flat stretch: a device crosses it in one pulse here (as
  /// method c's always did), in one pulse a point there. A loop stops at
  /// `repotentiationCap` pulses, as a controller's verify loop has a
  /// limit: with a steep β_p a step near G_max is about e^−β of the first,
  /// and a device that a varied pulse left just short of the old weight
  /// there had taken 10⁵–10⁶ pulses to cross it (a fuzz, session 67: β_p
  /// 20, σ_c2c 0.1, 770,000 pulses a reset at n_max 8).
  private func updateUnidirectional<Sink: PulseSink, Device: BidirectionalModel>(
    _ k: Int, up: Bool, sink: Sink, _: Device.Type
  ) {
    let pa: Polarity = up ? .plus : .minus, pb: Polarity = up ? .minus : .plus
    var a = up ? gp[k] : gm[k]
    var b = up ? gm[k] : gp[k]
    let (xa, xb) = scales(k, up: up), (oa, ob) = shorted(k, up: up)
    let top = Device.of(self).gMax, bottom = Device.of(self).gMin
    if a < top {
      closedPulseConductance += xa * a * gMax + oa * shortedG
      a = potentiated(a, Device.self)
      pulses += 1
      sink.issue(.potentiate, pa, cell: k, count: 1)
    } else {
      // w = Ga − Gb, signed so that "raise" raises it, as a verify read sees it.
      let w = xa * a - xb * b
      var n = 0
      switch method {
      case .a:
        // G+ ← G_min, G− ← G_min; while G+ − G− < W: G+ ← G+ + ΔG.
        settledResetConductance += (xa * a + xb * b) * gMax + (oa + ob) * shortedG
        a = bottom
        b = bottom
        resets += 2
        sink.issueBothResets(cell: k)
        while a < top && xa * a - xb * b < w {
          if n == repotentiationCap {
            cappedRepotentiations += 1
            break
          }
          closedPulseConductance += xa * a * gMax + oa * shortedG
          a = potentiated(a, Device.self)
          n += 1
        }
        sink.issue(.repotentiate, pa, cell: k, count: n)
      case .b:
        // G− ← G_min; while G+ − (G− + ΔG) > W (+ m·ΔG): G− ← G− + ΔG.
        settledResetConductance += xb * b * gMax + ob * shortedG
        b = bottom
        resets += 1
        sink.issue(.reset, pb, cell: k, count: 1)
        // The controller predicts with the nominal step (`next`); the
        // pulse it issues takes that step varied (both from one
        // evaluation of the step).
        var (next, raw) = Device.of(self).potentiationResults(b)
        while b < top && xa * a - xb * next > w + bMargin * xb * (next - b) {
          if n == repotentiationCap {
            cappedRepotentiations += 1
            break
          }
          closedPulseConductance += xb * b * gMax + ob * shortedG
          b = sigmaC2C > 0 ? varied(b, unclamped: raw, Device.self) : next
          (next, raw) = Device.of(self).potentiationResults(b)
          n += 1
        }
        sink.issue(.repotentiate, pb, cell: k, count: n)
      case .c:
        fatalError("method c is bidirectional")
      }
      pulses += n
      repotentiations += n
    }
    if a >= top && b >= top {
      // Figure 2D: both at G_max, both are reset.
      settledResetConductance += (xa * a + xb * b) * gMax + (oa + ob) * shortedG
      a = bottom
      b = bottom
      resets += 2
      sink.issueBothResets(cell: k)
    }
    if up { gp[k] = a; gm[k] = b } else { gm[k] = a; gp[k] = b }
  }

  /// Programs weight w (normalised, clipped to the device range) as the
  /// nearest state of one device with the other at G_min (off-chip
  /// transfer). The programming does not see the variation. A NaN weight
  /// is programmed as 0 (both devices at G_min).
  func program(_ k: Int, weight w: Double) {
    func nearest(_ target: Double) -> Int {
      // Clipped first: beyond the range every distance rounds alike (1e20
      // and ±∞ had found state 0, a weight of 0; a walkthrough, session 43).
      let t = min(max(target, table[0]), table[nMax])
      var best = 0
      for s in 0...nMax where abs(table[s] - t) < abs(table[best] - t) { best = s }
      return best
    }
    let g0 = table[0]
    if w >= 0 {
      kp[k] = UInt8(nearest(g0 + w))
      km[k] = 0
    } else {
      kp[k] = 0
      km[k] = UInt8(nearest(g0 - w))
    }
    gp[k] = table[Int(kp[k])]
    gm[k] = table[Int(km[k])]
  }
}

extension LimLayer {
  /// The refresh before deployment (`drift_refresh`): every pair whose
  /// two devices are both above their reset level has both reset, and its
  /// weight W (as a verify read sees it, X·G, the device-to-device scales
  /// included) re-potentiated onto one device: G+ for W at or above what
  /// the reset pair reads, (X+ − X−)·G_min, else G−.
  /// The controller pulses while the nominal next step would bring the
  /// pair nearer W (with σ_c2c each pulse lands varied), so the pair ends
  /// at the nearest state its pulses reach, one device at G_min: the
  /// common mode a drift read multiplies is as low as the weight allows.
  /// The pulses and resets are counted (`pulses`, `resets`,
  /// `repotentiations`) and booked in the energy account as method a's
  /// are (each reset closes its device's stretch of pulses and costs its
  /// conductance; the climb from G_min is the re-potentiated device's new
  /// stretch). Returns the pairs refreshed. For a copy of the trained
  /// arrays: the training's own update rule never calls it.
  func refreshPairs() -> Int {
    var pairs = 0
    let mn = rows * columns
    for k in 0..<mn {
      if conductanceStates {
        let refreshed = hasMeasuredBidirectional
          ? refreshConductances(k, MeasuredBidirectional.self) : refreshConductances(k, LimExponentialDevice.self)
        if refreshed { pairs += 1 }
      } else if kp[k] > 0 && km[k] > 0 {
        let (xa, xb) = (Double(xp[k]), Double(xm[k])), t = table
        let w = xa * t[Int(kp[k])] - xb * t[Int(km[k])]
        // Both reset, the pair reads (X+ − X−)·G_min: G+ climbs from there
        // towards a W above it, G− towards one below.
        let up = w >= (xa - xb) * t[0]
        // W after the resets, as a function of the target device's state.
        func after(_ s: Int) -> Double { up ? xa * t[s] - xb * t[0] : xa * t[0] - xb * t[s] }
        var s = 0
        while s < nMax && abs(after(s + 1) - w) < abs(after(s) - w) { s += 1 }
        let (a, b) = (Int(kp[k]), Int(km[k])), (oa, ob) = shorted(k, up: true)
        closedPulseConductance += xa * cumulative[a] + xb * cumulative[b] + (oa * Double(a) + ob * Double(b)) * shortedG
        settledResetConductance += (xa * t[a] + xb * t[b]) * gMax + (oa + ob) * shortedG
        kp[k] = up ? UInt8(s) : 0
        km[k] = up ? 0 : UInt8(s)
        resets += 2
        pulses += s
        repotentiations += s
        pairs += 1
      }
    }
    synchronize()
    return pairs
  }

  /// `refreshPairs` for synapse k on conductance states: whether it was
  /// refreshed.
  private func refreshConductances<Device: BidirectionalModel>(_ k: Int, _: Device.Type) -> Bool {
    let bottom = Device.of(self).gMin, top = Device.of(self).gMax
    guard gp[k] > bottom && gm[k] > bottom else { return false }
    let (xa, xb) = (Double(xp[k]), Double(xm[k])), (oa, ob) = shorted(k, up: true)
    let w = xa * gp[k] - xb * gm[k]
    let up = w >= (xa - xb) * bottom
    func after(_ g: Double) -> Double { up ? xa * g - xb * bottom : xa * bottom - xb * g }
    settledResetConductance += (xa * gp[k] + xb * gm[k]) * gMax + (oa + ob) * shortedG
    // Each pulse at the climbing device's conductance before it.
    let (x, o) = up ? (xa, oa) : (xb, ob)
    var g = bottom, n = 0
    var (next, raw) = Device.of(self).potentiationResults(g)
    while g < top && abs(after(next) - w) < abs(after(g) - w) {
      if n == repotentiationCap {
        cappedRepotentiations += 1
        break
      }
      closedPulseConductance += x * g * gMax + o * shortedG
      g = sigmaC2C > 0 ? varied(g, unclamped: raw, Device.self) : next
      (next, raw) = Device.of(self).potentiationResults(g)
      n += 1
    }
    gp[k] = up ? g : bottom
    gm[k] = up ? bottom : g
    resets += 2
    pulses += n
    repotentiations += n
    return true
  }
}

/// Method c's bidirectional device, in G_max units: what a pulse does, and
/// where the device's range ends.
protocol BidirectionalModel {
  /// The layer's device of this type.
  static func of(_ layer: LimLayer) -> Self
  /// Where a reset leaves a device (G_min).
  var gMin: Double { get }
  /// Where potentiation ends (G_max).
  var gMax: Double { get }
  /// A device above this conductance can be depressed.
  var depressionFloor: Double { get }
  func potentiated(_ g: Double) -> Double
  func depressed(_ g: Double) -> Double
  /// One pulse's nominal result from g before the bounds (where the
  /// clamped `potentiated` or `depressed` is not at a bound, the same).
  func unclampedNext(_ g: Double, potentiation: Bool) -> Double
  /// `potentiated(g)` and `unclampedNext(g, potentiation: true)`, from one
  /// evaluation of the step where the model allows.
  func potentiationResults(_ g: Double) -> (clamped: Double, unclamped: Double)
  /// A pulse's result put within the range as `potentiated` and
  /// `depressed` put theirs.
  func bounded(_ v: Double) -> Double
}

/// Lim's eqs. (1)–(2): depression goes down to G_min.
extension LimExponentialDevice: BidirectionalModel {
  @inline(__always) static func of(_ layer: LimLayer) -> Self { layer.device }
  var depressionFloor: Double { gMin }
}

/// A measured device's two branches (`device_csv`), normalised to the
/// potentiation branch's maximum.
struct MeasuredBidirectional: BidirectionalModel {
  let device: MeasuredDevice
  /// The first potentiation point.
  let gMin: Double
  /// The last potentiation point (1).
  let gMax: Double
  /// G_min or the depression branch's last point, whichever is higher (a
  /// pulse below that would not move the device).
  let depressionFloor: Double

  @inline(__always) static func of(_ layer: LimLayer) -> Self { layer.measuredBidirectional.unsafelyUnwrapped }

  init(_ device: MeasuredDevice) {
    self.device = device
    let up = device.potentiationEnvelope
    gMin = device.resetConductance
    gMax = up[up.count - 1]
    depressionFloor = max(gMin, device.depressionEnvelope.last ?? gMin)
  }

  @inline(__always) func potentiated(_ g: Double) -> Double { device.potentiated(g) }
  /// Depression stops at G_min, as Lim's does: the device is kept within
  /// its potentiation range (`bidirectionalDevice`), so the states stay in
  /// [G_min, G_max] (checkpoints check it).
  @inline(__always) func depressed(_ g: Double) -> Double { device.depressed(g) }
  @inline(__always) func unclampedNext(_ g: Double, potentiation: Bool) -> Double { device.unclampedNext(g, potentiation: potentiation) }
  @inline(__always) func potentiationResults(_ g: Double) -> (clamped: Double, unclamped: Double) {
    (device.potentiated(g), device.unclampedNext(g, potentiation: true))
  }
  @inline(__always) func bounded(_ v: Double) -> Double { min(max(v, gMin), gMax) }
}
