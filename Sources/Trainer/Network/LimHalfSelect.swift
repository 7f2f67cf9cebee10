import Circuit
import Peripherals

/// Rule lim's half-selected cells, booked update by update (`half_select
/// book`): what `UpdateSchedule.halfSelectEnergies` gives for the slots of
/// `UpdateSchedule.slots`, kept as sums of conductance (S) while the
/// update runs instead of rebuilt from the whole array.
///
/// The schedule, per array and update (online, batch 1):
/// 1. one slot per row with rule pulses (`potentiate`), in row order: its
///    D lines at +V_p/2 and the S lines of its pulsed columns at −V_p/2, per
///    polarity. The row's other cells and those columns' cells in the
///    other rows see V_p/2: Σ = R_p(i) + Σ_{j∈E} C_p(j) − 2·Σ_{j∈E} G_p(i, j)
///    for E the polarity's pulsed columns, R and C the row and column sums
///    of G (a polarity without pulses in the slot drives nothing);
/// 2. every other event (reset, re-potentiation, depression) one slot a
///    pulse, in issue order: its own row and column, R + C − 2·G.
/// A device counts at its conductance before the update until its last
/// slot, after it from then on. So a device that only rises takes its new
/// conductance after its row's slot, and one with serial events keeps its
/// old one through the rule slots and its own serial slots.
///
/// The update runs the same kernel as a recorded one (`updateStates` with a
/// sink, or method c's per-synapse update), which reports each synapse's
/// events (`issue`) and then the synapse (`visited`); rows end with
/// `rowEnded`, the update with `finishUpdate`. The sums of G are kept per
/// polarity, row and column, in step with every change.
final class LimHalfSelectBook {
  /// Rows and columns of the layer.
  let rows: Int, columns: Int
  /// Σ_j G of row i's G+ (2i) and G− (2i + 1) devices (S).
  let rowSum: UnsafeMutablePointer<Double>
  /// Σ_i G of column j's G+ (2j) and G− (2j + 1) devices (S).
  let columnSum: UnsafeMutablePointer<Double>
  /// Σ over the slots of V_p's width (rule pulses, re-potentiations,
  /// depressions) of the conductance they half-select (S).
  private(set) var programConductance = 0.0
  /// The same for the reset slots (S).
  private(set) var resetConductance = 0.0

  /// The events of the synapse being visited, in issue order (at most
  /// `visitCapacity`: a pulse, two resets and a re-potentiation, or a
  /// depression and two resets).
  private let visit: UnsafeMutablePointer<VisitEvent>
  private var visitCount = 0
  private static let visitCapacity = 8
  /// The current row's rule slot, per polarity: its pulsed columns, their
  /// column sums at the slot, their devices' G before it, and what the
  /// devices that only rose add to the row's sum after it.
  private var pulsed = (0, 0), columnsAtSlot = (0.0, 0.0), pulsedBefore = (0.0, 0.0), rose = (0.0, 0.0)
  /// The update's serial slots, in issue order: a device (row, column,
  /// polarity), its G before and after the update, the kind of its slots
  /// and their number, and whether its change takes effect after them (its
  /// last event).
  private var serial: UnsafeMutablePointer<SerialSlots>
  private var serialCount = 0, serialCapacity: Int

  struct VisitEvent {
    var kind: PulseKind
    var polarity: Int
    var count: Int
  }

  struct SerialSlots {
    var i: Int, j: Int, polarity: Int
    var before: Double, after: Double
    var reset: Bool
    var count: Int
    var last: Bool
  }

  /// Sums of the layer's present conductances.
  init(rows: Int, columns: Int, conductances: (Int) -> (plus: Double, minus: Double)) {
    self.rows = rows
    self.columns = columns
    rowSum = .allocate(capacity: 2 * rows)
    columnSum = .allocate(capacity: 2 * columns)
    visit = .allocate(capacity: Self.visitCapacity)
    serialCapacity = 4 * columns
    serial = .allocate(capacity: serialCapacity)
    restart(conductances: conductances)
  }

  deinit {
    rowSum.deallocate()
    columnSum.deallocate()
    visit.deallocate()
    serial.deallocate()
  }

  /// Sums the present conductances again and empties the account.
  func restart(conductances: (Int) -> (plus: Double, minus: Double)) {
    rowSum.initialize(repeating: 0, count: 2 * rows)
    columnSum.initialize(repeating: 0, count: 2 * columns)
    for i in 0..<rows {
      for j in 0..<columns {
        let g = conductances(i * columns + j)
        rowSum[2 * i] += g.plus
        rowSum[2 * i + 1] += g.minus
        columnSum[2 * j] += g.plus
        columnSum[2 * j + 1] += g.minus
      }
    }
    programConductance = 0
    resetConductance = 0
    visitCount = 0
    serialCount = 0
    endRow()
  }

  /// An event of the synapse being visited (`count` 0: none).
  @inline(__always)
  func issue(_ kind: PulseKind, _ polarity: Polarity, count: Int) {
    guard count > 0 else { return }
    precondition(visitCount < Self.visitCapacity, "more events for one synapse than a method issues")
    visit[visitCount] = VisitEvent(kind: kind, polarity: polarity == .plus ? 0 : 1, count: count)
    visitCount += 1
  }

  /// The synapse k's events are all issued; `before` and `after` are its
  /// devices' conductances (S) around them, `up` whether G+ was the device
  /// the rule pulsed.
  func visited(cell k: Int, before: (plus: Double, minus: Double), after: (plus: Double, minus: Double)) {
    defer { visitCount = 0 }
    let i = k / columns, j = k % columns
    for p in 0..<2 {
      let g0 = p == 0 ? before.plus : before.minus, g1 = p == 0 ? after.plus : after.minus
      var lastSerial = -1
      for q in 0..<visitCount where visit[q].polarity == p && visit[q].kind != .potentiate { lastSerial = q }
      for q in 0..<visitCount where visit[q].polarity == p {
        let e = visit[q]
        if e.kind == .potentiate {
          // A rule pulse: its column joins the row's slot, at the column's
          // sum then (the device at its G before).
          let c = columnSum[2 * j + p]
          if p == 0 {
            pulsed.0 += 1
            columnsAtSlot.0 += c
            pulsedBefore.0 += g0
          } else {
            pulsed.1 += 1
            columnsAtSlot.1 += c
            pulsedBefore.1 += g0
          }
        } else {
          if serialCount == serialCapacity {
            // A longer update than any before (no allocation once warm).
            let grown = UnsafeMutablePointer<SerialSlots>.allocate(capacity: 2 * serialCapacity)
            grown.moveInitialize(from: serial, count: serialCount)
            serial.deallocate()
            serial = grown
            serialCapacity *= 2
          }
          serial[serialCount] = SerialSlots(
            i: i, j: j, polarity: p, before: g0, after: g1, reset: e.kind == .reset, count: e.count, last: q == lastSerial)
          serialCount += 1
        }
      }
      if lastSerial < 0 && g1 != g0 {
        // Only rule pulses: the new G from the row's slot on. The column
        // sum now (no other synapse of this row is in this column); the
        // row's own sum after its slot.
        columnSum[2 * j + p] += g1 - g0
        if p == 0 { rose.0 += g1 - g0 } else { rose.1 += g1 - g0 }
      }
    }
  }

  /// Row i's synapses are all visited: its rule slot, then the rows' sums
  /// with the devices that only rose.
  func rowEnded(_ i: Int) {
    if pulsed.0 > 0 { programConductance += rowSum[2 * i] + columnsAtSlot.0 - 2 * pulsedBefore.0 }
    if pulsed.1 > 0 { programConductance += rowSum[2 * i + 1] + columnsAtSlot.1 - 2 * pulsedBefore.1 }
    rowSum[2 * i] += rose.0
    rowSum[2 * i + 1] += rose.1
    endRow()
  }

  private func endRow() {
    pulsed = (0, 0)
    columnsAtSlot = (0, 0)
    pulsedBefore = (0, 0)
    rose = (0, 0)
  }

  /// The update's serial slots, after all its rule slots: each at the
  /// sums then, its device's change after its last one.
  func finishUpdate() {
    for q in 0..<serialCount {
      let s = serial[q]
      let r = 2 * s.i + s.polarity, c = 2 * s.j + s.polarity
      let g = Double(s.count) * (rowSum[r] + columnSum[c] - 2 * s.before)
      if s.reset { resetConductance += g } else { programConductance += g }
      if s.last {
        rowSum[r] += s.after - s.before
        columnSum[c] += s.after - s.before
      }
    }
    serialCount = 0
  }

  /// The energy booked so far (J): the V/2 scheme's half of each kind's
  /// amplitude over its width.
  func energy(_ pulse: PulseGenerator) -> Double {
    let p = pulse.amplitude(of: .potentiate) / 2, r = pulse.amplitude(of: .reset) / 2
    return p * p * pulse.width(of: .potentiate) * programConductance
      + r * r * pulse.width(of: .reset) * resetConductance
  }
}

/// Reports a synapse's events to a `LimHalfSelectBook` (and to a recorder,
/// when `xbarsim inspect` has one attached).
/// (The book unmanaged: the layer holds it for the update, and a call
/// through a reference would retain and release it per synapse, half of
/// the booking's time.)
struct BookingSink: PulseSink {
  let book: Unmanaged<LimHalfSelectBook>
  let recording: RecordingSink?

  init(book: LimHalfSelectBook, recording: RecordingSink?) {
    self.book = .passUnretained(book)
    self.recording = recording
  }

  static var reportsVisits: Bool { true }

  @inline(__always)
  func issue(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int) {
    book._withUnsafeGuaranteedRef { $0.issue(kind, polarity, count: count) }
    recording?.issue(kind, polarity, cell: cell, count: count)
  }

  @inline(__always)
  func visited(cell k: Int, before: (plus: Double, minus: Double), after: (plus: Double, minus: Double)) {
    book._withUnsafeGuaranteedRef { $0.visited(cell: k, before: before, after: after) }
  }

  @inline(__always)
  func rowEnded(_ i: Int) { book._withUnsafeGuaranteedRef { $0.rowEnded(i) } }
}
