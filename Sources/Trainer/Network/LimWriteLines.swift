import Circuit
import Peripherals

/// Rule lim's update pulses through resistive lines (`write_lines
/// resistive`): which of an update's pulses reach their devices.
///
/// The update runs in the slots of `UpdateSchedule` (V/2 selection): per
/// input row with rule pulses one slot, its D lines at +V_p/2 and the S
/// lines of its pulsed columns at −V_p/2 (per polarity: the G+ array's
/// for the columns to raise, the G− array's for those to lower); every
/// other event, one device a slot. Each slot is solved through the lines
/// (`RowWriteSolver`, the undriven lines at 0 V) on the conductances
/// before the update, and a pulse changes its device only where its cell
/// sees at least `write_threshold`: a rule pulse where its share φ of
/// V_p in its row's slot has φ·V_p ≥ threshold. A synapse's serial
/// sequence (method b's reset and re-potentiation of the other device,
/// method a's resets and re-potentiation, both devices' resets at G_max)
/// is replayed event by event (`LimLayer.replaySequence`): each reset or
/// pulse lands where its cell, written alone on its device's array, sees
/// the same share of its amplitude. On conductance states (method c's
/// depressions, σ_c2c, method b's margin) the same, synapse by synapse
/// (`LimLayer.updateConductancesThroughLines`). The controller issues every pulse
/// either way (it does not read the cells back): the ones that do nothing
/// are counted here, not in the layer's `pulses` and `resets`.
final class LimWriteLines {
  let plus: RowWriteSolver, minus: RowWriteSolver
  /// The least share of its amplitude a pulse needs to land:
  /// `write_threshold`/V_p, for the programming pulses and the resets
  /// alike (a reset's threshold is as far above half its amplitude as a
  /// programming pulse's, so its half-selected cells stay below it too).
  let share: Double
  /// The solvers are prepared for the update under way (a mini-batch's,
  /// row by row: `LimLayer.holdWriteLines`).
  var held = false
  /// While held: whether the solvers were prepared for this update yet.
  var prepared = false
  /// Rule pulses that did not program their device (their cell saw less
  /// than the threshold), and serial sequences with a reset or pulse that
  /// did not land.
  var ineffectivePulses = 0
  var ineffectiveSequences = 0
  /// The least share of V_p any rule pulse's cell saw (1 before any).
  var leastShare = 1.0
  /// Σ and count of the rule pulses' shares: their mean.
  var shareSum = 0.0, shareCount = 0

  // Per update: the row's rule columns per polarity, their shares, and
  // the filtered lists handed to the row kernel.
  let rulePlus: UnsafeMutablePointer<Int32>, ruleMinus: UnsafeMutablePointer<Int32>
  let sharePlus: UnsafeMutablePointer<Double>, shareMinus: UnsafeMutablePointer<Double>
  let keptUp: UnsafeMutablePointer<Int32>, keptDown: UnsafeMutablePointer<Int32>
  /// Per column: its place in `rulePlus` / `ruleMinus` (or −1).
  let placePlus: UnsafeMutablePointer<Int32>, placeMinus: UnsafeMutablePointer<Int32>

  init(rows: Int, columns: Int, wires: WireModel, threshold: Double, programVoltage: Double) {
    plus = RowWriteSolver(rows: rows, columns: columns, wires: wires)
    minus = RowWriteSolver(rows: rows, columns: columns, wires: wires)
    share = threshold / programVoltage
    replay = .allocate(capacity: 2 * columns)
    wentSerial = .allocate(capacity: columns)
    wentSerial.initialize(repeating: false, count: columns)
    events.reserveCapacity(16)
    rulePlus = .allocate(capacity: columns)
    ruleMinus = .allocate(capacity: columns)
    sharePlus = .allocate(capacity: columns)
    shareMinus = .allocate(capacity: columns)
    keptUp = .allocate(capacity: columns)
    keptDown = .allocate(capacity: columns)
    placePlus = .allocate(capacity: columns)
    placeMinus = .allocate(capacity: columns)
    placePlus.initialize(repeating: -1, count: columns)
    placeMinus.initialize(repeating: -1, count: columns)
  }

  deinit {
    for p in [rulePlus, ruleMinus, keptUp, keptDown, placePlus, placeMinus, replay] { p.deallocate() }
    wentSerial.deallocate()
    sharePlus.deallocate()
    shareMinus.deallocate()
  }

  /// The events of the synapse being replayed (`LimLayer.replaySequence`,
  /// `LimLayer.synapseThroughLines`).
  var events: [(PulseKind, Polarity, Int)] = []
  /// Per row: the synapses to replay, column j as j (raise) or ~j (lower).
  let replay: UnsafeMutablePointer<Int32>
  /// Per column: its synapse in the row just updated had a serial event
  /// (a netted mini-batch's later pulses of it go one slot each, a cell
  /// alone: `LimLayer.pulseAloneThroughLines`). Set by the updates, read
  /// and cleared by `LimNetwork.applyNettedThroughLines`.
  let wentSerial: UnsafeMutablePointer<Bool>

  func record(_ kind: PulseKind, _ polarity: Polarity, _ count: Int) { events.append((kind, polarity, count)) }

  /// Row i's slot: the listed columns whose synapse `takes` its rule
  /// pulse (the device to pulse below G_max; the column and whether it
  /// raises W), per polarity, placed (`placePlus`, `placeMinus`) and solved
  /// through the lines on the conductances `gp`, `gm` (S) into
  /// `sharePlus`, `shareMinus`. Returns how many there are.
  func solveRowSlot(
    row i: Int, up: UnsafePointer<Int32>, upCount: Int, down: UnsafePointer<Int32>, downCount: Int,
    gp: UnsafePointer<Double>, gm: UnsafePointer<Double>, takes: (_ column: Int, _ raise: Bool) -> Bool
  ) -> Int {
    var p = 0, q = 0
    for u in 0..<upCount where takes(Int(up[u]), true) {
      placePlus[Int(up[u])] = Int32(p)
      rulePlus[p] = up[u]
      p += 1
    }
    for d in 0..<downCount where takes(Int(down[d]), false) {
      placeMinus[Int(down[d])] = Int32(q)
      ruleMinus[q] = down[d]
      q += 1
    }
    if p > 0 { plus.slot(row: i, columns: rulePlus, count: p, conductance: gp, into: sharePlus) }
    if q > 0 { minus.slot(row: i, columns: ruleMinus, count: q, conductance: gm, into: shareMinus) }
    return p + q
  }

  /// Books a rule pulse's share.
  @inline(__always)
  func saw(_ share: Double) {
    leastShare = min(leastShare, share)
    shareSum += share
    shareCount += 1
  }
}

/// What the update's pulses saw through the lines over a run
/// (`write_lines resistive`), summed over the layers.
public struct WriteLineStatistics: Sendable, Equatable {
  /// Rule pulses whose cell saw less than `write_threshold` (issued, but
  /// their devices unchanged; not in the run's `pulses`).
  public var pulsesBelowThreshold = 0
  /// Serial sequences (resets and re-potentiations of one synapse) with a
  /// reset or pulse that did not land: its cell, written alone on that
  /// device's array, saw less than the threshold's share.
  public var sequencesBelowThreshold = 0
  /// Rule pulses solved (those below the threshold included).
  public var rulePulses = 0
  /// The least and the mean share of V_p a rule pulse's cell saw.
  public var leastShare = 1.0
  public var meanShare = 1.0
  /// Whether the pulses are the coincidences of parallel slots (rules
  /// hybrid and single; their sequences are the saturation pass's) rather
  /// than rule lim's row slots.
  public var parallel = false
  /// Parallel slots (rules hybrid and single) whose solve did not reach
  /// its tolerance within its sweeps (their shares are the last sweep's).
  public var unconvergedSlots = 0

  public init() {}
}

extension LimWriteLines {
  /// Adds this layer's counts to `s`.
  func add(to s: inout WriteLineStatistics) {
    s.add(pulses: shareCount, below: ineffectivePulses, sequences: ineffectiveSequences, least: leastShare, shareSum: shareSum)
  }
}

extension WriteLineStatistics {
  /// Adds one layer's counts: its pulses solved, those below the
  /// threshold, its incomplete sequences, its least share and the sum of
  /// its shares (the mean is kept over every layer's pulses).
  mutating func add(pulses: Int, below: Int, sequences: Int, least: Double, shareSum: Double) {
    let total = Double(rulePulses) * meanShare + shareSum
    pulsesBelowThreshold += below
    sequencesBelowThreshold += sequences
    rulePulses += pulses
    leastShare = min(leastShare, least)
    meanShare = rulePulses > 0 ? total / Double(rulePulses) : 1
  }
}

/// Collects a synapse's events for its replay through the lines.
struct SequenceSink: PulseSink {
  let lines: LimWriteLines
  @inline(__always)
  func issue(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int) { lines.record(kind, polarity, count) }
}
