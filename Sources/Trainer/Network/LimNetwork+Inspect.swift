import Circuit
import Peripherals

/// One read of one array during an inspected sample, taken the exact way
/// (`DifferentialArray.read`: the Kirchhoff sum with ideal wires, the
/// nodal solve of each polarity's mesh with resistive lines).
public struct ReadRecord: Sendable {
  public var array: Int
  public var direction: ReadDirection
  /// Voltage at each line's termination (V): D±_i (D+_i and D−_i carry
  /// the same) and S±_j. The output lines sit at their sense amplifiers'
  /// 0 V virtual ground.
  public var drainVoltage: [Double]
  public var sourceVoltage: [Double]
  /// Current on each line (A): on a driven line, what its driver delivers
  /// into the array; on an output line, what flows out of the array into
  /// its sense amplifier.
  public var drainPlusCurrent: [Double]
  public var drainMinusCurrent: [Double]
  public var sourcePlusCurrent: [Double]
  public var sourceMinusCurrent: [Double]
  /// Energy of the read (J).
  public var energy: Double
  /// The nodal solutions of the G+ and G− meshes (nil with ideal wires):
  /// node voltages, and device currents with `conductances`.
  public var plusSolution: MeshSolution?
  public var minusSolution: MeshSolution?

  /// The output lines' differential currents I(+) − I(−) (A): the neuron
  /// inputs of a forward read, the δ currents of a transposed one.
  public var difference: [Double] {
    direction == .forward
      ? zip(sourcePlusCurrent, sourceMinusCurrent).map { $0 - $1 }
      : zip(drainPlusCurrent, drainMinusCurrent).map { $0 - $1 }
  }
}

/// The neuron circuits at one array's outputs during an inspected sample.
public struct NeuronRecord: Sendable {
  public var array: Int
  /// Input current I(S+_j) − I(S−_j) (A).
  public var inputCurrent: [Double]
  /// The weighted sum s_j = I / (V_read·G_max) the network used.
  public var sum: [Double]
  /// Output voltage f(s)·V_read, the next array's read voltage (hidden
  /// layers); nil at the output layer, whose softmax is software.
  public var outputVoltage: [Double]?
  /// Derivative gate (hidden layers).
  public var gate: [Double]?
  /// Softmax probabilities (output layer).
  public var probability: [Double]?
  /// δ after the comparator's dead band (0 where no error reached the
  /// layer).
  public var delta: [Double]
  /// The comparator's decision per column, −1, 0 or +1: the sign of
  /// δ + its offset outside the dead band (0 where no error reached the
  /// layer). A pulse raises W where it is −1 and lowers it where +1.
  public var decision: [Double] = []
  /// Each column comparator's input-referred offset (`comparator_offset`;
  /// 0 without).
  public var comparatorOffset: [Double] = []
}

/// Everything one inspected training sample did.
public struct SampleInspection: Sendable {
  public var label: Int
  /// The predicted class before the update.
  public var prediction: Int
  /// Cross-entropy loss before the update.
  public var loss: Double
  /// Every read, in the order taken: forward reads from the first array,
  /// then transposed reads from the last array down to the second.
  public var reads: [ReadRecord]
  /// One per array, input side first.
  public var neurons: [NeuronRecord]
  /// Every pulse and reset of the update, in issue order.
  public var pulses: [PulseEvent]
  /// Per event of `pulses`, its device's conductance (S) before the
  /// sample's update and after it (a device's several events in one
  /// update, e.g. a reset and its re-potentiation, share the two).
  public var deviceConductances: [(before: Double, after: Double)] = []
  /// Per slot of the update (`UpdateSchedule.slots(pulses)`), the energy
  /// its half-selected cells dissipate under the V/2 scheme (J;
  /// `UpdateSchedule.halfSelectEnergies`). A device counts at its
  /// conductance before the update up to its last slot and after it from
  /// then on: exact for a device with one event, or with its events in
  /// consecutive slots; a device with a rule pulse and, slots later, a
  /// reset is a step off in the slots between.
  public var halfSelectEnergy: [Double] = []
  /// The program and reset energy the ledger booked for this update (J):
  /// the selected cells' own, Σ V²·G·t.
  public var bookedProgramEnergy = 0.0
  /// The half-selected cells' energy the ledger booked for this update
  /// (J) with `half_select book` (the slots above, summed as the update
  /// ran), or nil.
  public var bookedHalfSelectEnergy: Double? = nil
}

/// Collects the exact reads of an inspected sample.
final class InspectionProbe {
  var reads: [ReadRecord] = []
  var error: (any Error)?
  let solver = NodalSolver()
  /// The inspected sample's pixels (bytes 0…255): array 0's drives are
  /// p/255 of them, in double precision.
  var pixels: [UInt8] = []

  /// Reads `array` exactly and records the read; on a solver failure the
  /// error is kept (and the currents are zero).
  func read(_ l: Int, _ array: DifferentialArray, _ d: ReadDirection, _ v: [Double]) -> [Double] {
    let m = array.rows, n = array.columns
    let readout: DifferentialReadout
    // Training's read follows this one and books the read as training
    // does: this one is recorded, not booked twice.
    do { readout = try array.read(d, voltages: v, solver: solver, booking: false) } catch {
      self.error = self.error ?? error
      return [Double](repeating: 0, count: d == .forward ? n : m)
    }
    // The driven lines' currents: the solution's terminal currents, or
    // Σ G·f(V) along each line with ideal wires (f(V) = V with linear
    // cells, `iv_v0`).
    func driven(_ p: Polarity, _ sol: MeshSolution?) -> [Double] {
      if let sol { return d == .forward ? sol.rowTerminalCurrent : sol.columnTerminalCurrent }
      let g = array.conductances(p), iv = array.cellIV
      if d == .forward {
        return (0..<m).map { i in iv.current(atVolts: v[i]) * (0..<n).reduce(0) { $0 + g[i * n + $1] } }
      }
      return (0..<n).map { j in iv.current(atVolts: v[j]) * (0..<m).reduce(0) { $0 + g[$1 * n + j] } }
    }
    let dp = driven(.plus, readout.plusSolution), dm = driven(.minus, readout.minusSolution)
    let zeros = { (k: Int) in [Double](repeating: 0, count: k) }
    reads.append(ReadRecord(
      array: l, direction: d,
      drainVoltage: d == .forward ? v : zeros(m), sourceVoltage: d == .forward ? zeros(n) : v,
      drainPlusCurrent: d == .forward ? dp : readout.plus, drainMinusCurrent: d == .forward ? dm : readout.minus,
      sourcePlusCurrent: d == .forward ? readout.plus : dp, sourceMinusCurrent: d == .forward ? readout.minus : dm,
      energy: readout.energy, plusSolution: readout.plusSolution, minusSolution: readout.minusSolution))
    return readout.difference
  }
}

extension LimNetwork {
  /// Trains on one sample as `train(_:label:)` does, with every read taken
  /// the exact way (`DifferentialArray.read`) and recorded, and every
  /// pulse and reset of the update recorded.
  ///
  /// - Parameter endsEpoch: the sample is its epoch's last: a mini-batch
  ///   still open goes out after it (as `Experiment` does), its pulses
  ///   recorded with this sample's.
  /// - Throws: `SolverError` when a nodal solve (resistive lines) fails.
  /// - Precondition: `0 <= label < sizes.last`.
  public func inspect(_ pixels: UnsafePointer<UInt8>, label: Int, endsEpoch: Bool = false) throws -> SampleInspection {
    checkLabel(label, of: sizes)
    let probe = InspectionProbe()
    probe.pixels = Array(UnsafeBufferPointer(start: pixels, count: layers[0].rows - 1))
    let pulses = PulseRecorder()
    let previous = recorder
    recorder = pulses
    self.probe = probe
    defer {
      self.probe = nil
      recorder = previous
    }
    // The exact reads use the double-precision conductances.
    // (With ideal wires the weight cache and the line loads are in step
    // already, as training keeps them: only the conductances are written,
    // so that the reads training books here are the ones it books in a
    // run; the loads recomputed from the conductances differ from the kept
    // ones in their last bits.)
    for layer in layers { layer.synchronizeConductances() }
    // Each device's conductance before the update (the update keeps only
    // the weight cache in step, and a resistive read may rewrite rows).
    let before = layers.map { layer in
      let mn = layer.rows * layer.columns
      return (plus: Array(UnsafeBufferPointer(start: layer.array._plus, count: mn)),
        minus: Array(UnsafeBufferPointer(start: layer.array._minus, count: mn)))
    }
    let bookedBefore = ledger()
    let loss = train(pixels, label: label)
    if endsEpoch { applyBatch() }
    if let error = probe.error { throw error }
    let bookedAfter = ledger()
    let deviceConductances = pulses.events.map { e -> (before: Double, after: Double) in
      let layer = layers[e.array], k = e.row * layer.columns + e.column
      let after = layer.conductances(k)
      return e.polarity == .plus ? (before[e.array].plus[k], after.plus) : (before[e.array].minus[k], after.minus)
    }
    // The half-selected cells of each slot, devices at their conductance
    // before the update until their last slot, after it from then on.
    struct Device: Hashable { var array, cell: Int, polarity: Polarity }
    func device(_ e: PulseEvent) -> Device {
      Device(array: e.array, cell: e.row * layers[e.array].columns + e.column, polarity: e.polarity)
    }
    let slots = UpdateSchedule.slots(pulses.events)
    var lastSlot: [Device: Int] = [:]
    var after: [Device: Double] = [:]
    // (Through resistive lines a held-back event takes its slot too: a
    // device whose last event is held back takes its new conductance after
    // that slot, as `half_select book` books it; a step off in the slots
    // between, as a device with a rule pulse and a later reset is.)
    for (q, events) in slots.enumerated() {
      for e in events { lastSlot[device(e)] = q }
    }
    for (e, c) in zip(pulses.events, deviceConductances) { after[device(e)] = c.after }
    let changes = lastSlot.map { d, q in
      UpdateSchedule.ConductanceChange(slot: q, array: d.array, polarity: d.polarity, cell: d.cell, conductance: after[d]!)
    }.sorted { ($0.slot, $0.array, $0.cell) < ($1.slot, $1.array, $1.cell) }
    let halfSelect = UpdateSchedule.halfSelectEnergies(
      slots, conductances: before, shapes: layers.map { ($0.rows, $0.columns) },
      pulses: configuration.pulseGenerator, changes: changes)
    let last = layers.count - 1
    var neurons: [NeuronRecord] = []
    for l in 0...last {
      let forwardRead = probe.reads.first { $0.array == l && $0.direction == .forward }!
      let reachedByError = l == last || probe.reads.contains { $0.array == l + 1 && $0.direction == .transposed }
      var record = NeuronRecord(
        array: l, inputCurrent: forwardRead.difference, sum: sums[l].map(Double.init),
        delta: reachedByError ? deltas[l].map(Double.init) : [Double](repeating: 0, count: sums[l].count))
      // The comparators of the columns, as the update read them (δ
      // outside the dead band is δ itself; its sign with the offset is the
      // pulse's).
      record.comparatorOffset = columnComparators[l].map { Double($0.offset) }
      record.decision = !reachedByError
        ? [Double](repeating: 0, count: sums[l].count)
        : hasComparatorOffsets
        ? decisions[l].map(Double.init)
        : zip(columnComparators[l], deltas[l]).map { c, d in d == 0 ? 0 : Double(c.sign(d)) }
      if l < last {
        // The next array's read voltages, as its forward read drove them.
        let next = probe.reads.first { $0.array == l + 1 && $0.direction == .forward }!
        record.outputVoltage = Array(next.drainVoltage.dropLast())
        record.gate = gates[l].map(Double.init)
      } else {
        // From the sums the output layer used (after the sense chain:
        // gain, offsets, ADC), as its δ was.
        let s = record.sum
        let top = s.max()!
        let e = s.map { _exp($0 - top) }
        let z = e.reduce(0, +)
        record.probability = e.map { $0 / z }
      }
      neurons.append(record)
    }
    return SampleInspection(
      label: label, prediction: argmax(sums[last]), loss: Double(loss), reads: probe.reads,
      neurons: neurons, pulses: pulses.events, deviceConductances: deviceConductances,
      halfSelectEnergy: halfSelect,
      bookedProgramEnergy: (bookedAfter.program + bookedAfter.reset) - (bookedBefore.program + bookedBefore.reset),
      bookedHalfSelectEnergy: bookedAfter.halfSelect.map { $0 - bookedBefore.halfSelect! })
  }

  /// Array l's forward read, the exact way (the probe's path of `forward`).
  ///
  /// The drives are the inputs' own values in double precision times the
  /// configuration's V_read: p/255·V_read for a pixel p, V_read on the bias
  /// line, the DAC's level k/(2^b − 1) times V_read. The single-precision
  /// V_read (0.2 V is 0.20000000298… V) and p/255 of the training kernels
  /// are not the circuit's voltages.
  func forwardExact(_ l: Int, _ probe: InspectionProbe) {
    let layer = layers[l]
    let scale = 1 / (readVoltage * gMax)
    activations[l].withUnsafeMutableBufferPointer { senseChains[l].quantizeDrive($0) }
    for i in 0..<layer.rows { voltages[l][i] = activations[l][i] * readVoltage }
    let v = configuration.readVoltage, dac = senseChains[l].dac
    let drive: [Double]
    if l == 0 && dac.bits == 0 {
      drive = probe.pixels.map { Double($0) / 255 * v } + [v]
    } else {
      drive = activations[l].map { Self.exactLevel($0, dac) * v }
    }
    let out = probe.read(l, layer.array, .forward, drive)
    for j in 0..<layer.columns { currents[l][j] = Float(out[j]) }
    currents[l].withUnsafeBufferPointer { i in
      sums[l].withUnsafeMutableBufferPointer { _ = senseChains[l].sums(currents: i, scale: scale, into: $0, read: readKey(l)) }
    }
  }

  /// Array l's transposed read with δ·V_read on its source lines, the
  /// exact way (the probe's path of `backward`), recorded. The δ of layer
  /// l − 1 is training's read's, which `backward` takes next (with the
  /// transposed read's noise): the δ this read had computed was
  /// overwritten unread (session 52, a mutation round).
  func backwardExact(_ l: Int, _ probe: InspectionProbe) {
    let v = configuration.readVoltage, dac = senseChains[l].dac
    _ = probe.read(l, layers[l].array, .transposed, deltas[l].map { Self.exactLevel(dac.convertSigned($0), dac) * v })
  }
}

extension LimNetwork {
  /// `x`, a drive the DAC gave (or any value without one), in double
  /// precision: the level ±k/(2^b − 1) itself, not its single-precision
  /// rounding; without a DAC, `x` widened.
  static func exactLevel(_ x: Float, _ dac: DAC) -> Double {
    guard dac.bits > 0 else { return Double(x) }
    let top = Double((1 << dac.bits) - 1)
    // x is k/top rounded to single precision: x·top is within 1e-7·k of
    // the whole number k.
    return (Double(x) * top).rounded() / top
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func _exp(_ x: Double) -> Double { exp(x) }
