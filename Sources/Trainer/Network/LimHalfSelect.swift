import Circuit
import Peripherals

/// Rule lim's half-selected cells, booked update by update (`half_select
/// book`): what `UpdateSchedule.halfSelectEnergies` gives for the slots of
/// `UpdateSchedule.slots`, kept as sums of conductance (S) while the
/// update runs instead of rebuilt from the whole array.
///
/// The schedule, per array and update (a sample's, or a mini-batch's at
/// its end):
/// 1. per row with rule pulses (`potentiate`), in row order, as many slots
///    (rounds) as its most-pulsed device has rule pulses (one but in
///    netted mini-batches), a device's n-th in the n-th: the row's D lines
///    at +V_p/2 and the S lines of the round's pulsed columns at −V_p/2,
///    per polarity. The row's other cells and those columns' cells in the
///    other rows see V_p/2: Σ = R_p(i) + Σ_{j∈E} C_p(j) − 2·Σ_{j∈E} G_p(i, j)
///    for E the polarity's pulsed columns, R and C the row and column sums
///    of G (a polarity without pulses in the slot drives nothing);
/// 2. every other event (reset, re-potentiation, depression, and a
///    synapse's rule pulses after its first such event) one slot a pulse,
///    in issue order: its own row and column, R + C − 2·G.
/// A device counts at its conductance before the update until its last
/// slot, after it from then on. So a device with m rule pulses only takes
/// its new conductance after its row's m-th round, and one with serial
/// events keeps its old one through the rule slots and its own serial
/// slots.
///
/// The update runs the same kernel as a recorded one (`updateStates` with a
/// sink, or the per-synapse update of method c and of mini-batches), which
/// reports each synapse's events (`issue`) and then the synapse
/// (`visited`, once a pulse; a synapse's visits come together); rows end
/// with `rowEnded`, the update with `finishUpdate`. The sums of G are kept
/// per polarity, row and column, in step with every change.
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
  /// Σ over the slots of V_p's width of the cells on the lines they drive
  /// (a D line has `columns` cells, an S line `rows`), and the same for
  /// the reset slots: × C·(V/2)² what charging those lines costs.
  private(set) var programLineCells = 0.0
  private(set) var resetLineCells = 0.0

  /// The events of the synapse being visited, in issue order, over its
  /// visits (a netted mini-batch pulses a synapse several times in a row);
  /// those from `pending` on belong to the visit not yet reported.
  private var events: UnsafeMutablePointer<SynapseEvent>
  private var eventCount = 0, eventCapacity = 16, pending = 0
  /// The synapse whose events those are (−1: none), and its devices'
  /// conductances before its first visit and after its last.
  private var synapse = -1
  private var synapseBefore = (plus: 0.0, minus: 0.0), synapseAfter = (plus: 0.0, minus: 0.0)
  /// The current row's rule slots, per polarity p: its rounds R (the most
  /// rule pulses of a device), Σ m·(C_p(j) − 2·G_before) over its pulsed
  /// devices (m rule pulses each, C_p(j) the column's sum then), and of
  /// the devices with rule pulses only, Σ ΔG and Σ m·ΔG (each takes its new
  /// G after its m-th round).
  struct RowTally {
    var rounds = (0, 0), pulsedTerms = (0.0, 0.0), rose = (0.0, 0.0), roseByRounds = (0.0, 0.0)
    /// The row's rule pulses, both polarities: an S line driven in each.
    var pulses = 0

    /// A device of polarity p (0: G+) with m rule pulses: `terms` its
    /// column's, `delta` its ΔG (0 when a serial slot takes its change).
    @inline(__always)
    mutating func add(_ p: Int, m: Int, terms: Double, delta: Double) {
      pulses &+= m
      if p == 0 {
        rounds.0 = max(rounds.0, m)
        pulsedTerms.0 += terms
        rose.0 += delta
        roseByRounds.0 += Double(m) * delta
      } else {
        rounds.1 = max(rounds.1, m)
        pulsedTerms.1 += terms
        rose.1 += delta
        roseByRounds.1 += Double(m) * delta
      }
    }
  }
  /// The current row's (a caller that books rule pulses itself, `rose`,
  /// holds it and hands it back before the book's next call).
  var tally = RowTally()
  /// The update's serial slots, in issue order: a device (row, column,
  /// polarity), its G before and after the update, the kind of its slots
  /// and their number, and whether its change takes effect after them (its
  /// last event).
  private var serial: UnsafeMutablePointer<SerialSlots>
  private var serialCount = 0, serialCapacity: Int

  struct SynapseEvent {
    var kind: PulseKind
    var polarity: Int
    var count: Int
    /// Its place in the issue order of a gathered row (0 otherwise).
    var order = 0
  }

  /// A netted mini-batch's row through resistive lines visits a synapse
  /// once per round (`LimNetwork.applyNettedThroughLines`), where the book
  /// takes a synapse's visits together: while `gathering`, each visit's
  /// events are kept with their column (`gathered`, their `order` the
  /// issue order), and the column's conductances before its first visit
  /// and after its last, and `rowEnded` waits, until `endGathering` books
  /// the row's synapses in column order, as the per-synapse update of
  /// ideal writes visits them.
  private(set) var gathering = false
  private var gathered: UnsafeMutablePointer<(column: Int, event: SynapseEvent)>
  private var gatheredCount = 0, gatheredCapacity = 64
  private let gatheredBefore: UnsafeMutablePointer<(plus: Double, minus: Double)>
  private let gatheredAfter: UnsafeMutablePointer<(plus: Double, minus: Double)>
  /// Per column: whether the gathered row visited it.
  private let gatheredSeen: UnsafeMutablePointer<Bool>

  struct SerialSlots {
    var i: Int, j: Int, polarity: Int
    var before: Double, after: Double
    var reset: Bool
    var count: Int
    var last: Bool
    /// Its event's `order` (a gathered row's serial slots are put back in
    /// issue order).
    var order = 0
  }

  /// Sums of the layer's present conductances.
  init(rows: Int, columns: Int, conductances: (Int) -> (plus: Double, minus: Double)) {
    self.rows = rows
    self.columns = columns
    rowSum = .allocate(capacity: 2 * rows)
    columnSum = .allocate(capacity: 2 * columns)
    events = .allocate(capacity: eventCapacity)
    serialCapacity = 4 * columns
    serial = .allocate(capacity: serialCapacity)
    gathered = .allocate(capacity: gatheredCapacity)
    gatheredBefore = .allocate(capacity: columns)
    gatheredAfter = .allocate(capacity: columns)
    gatheredSeen = .allocate(capacity: columns)
    gatheredSeen.initialize(repeating: false, count: columns)
    restart(conductances: conductances)
  }

  deinit {
    rowSum.deallocate()
    columnSum.deallocate()
    events.deallocate()
    serial.deallocate()
    gathered.deallocate()
    gatheredBefore.deallocate()
    gatheredAfter.deallocate()
    gatheredSeen.deallocate()
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
    programLineCells = 0
    resetLineCells = 0
    eventCount = 0
    pending = 0
    synapse = -1
    serialCount = 0
    gathering = false
    gatheredCount = 0
    gatheredSeen.update(repeating: false, count: columns)
    endRow()
  }

  /// An event of the synapse being visited (`count` 0: none).
  @inline(__always)
  func issue(_ kind: PulseKind, _ polarity: Polarity, count: Int) {
    guard count > 0 else { return }
    appendEvent(SynapseEvent(kind: kind, polarity: polarity == .plus ? 0 : 1, count: count))
  }

  /// One more event of the synapse being visited (the buffer grown when
  /// full: no allocation once warm).
  @inline(__always)
  private func appendEvent(_ e: SynapseEvent) {
    if eventCount == eventCapacity {
      events = Self.grown(events, count: eventCount, to: 2 * eventCapacity)
      eventCapacity *= 2
    }
    events[eventCount] = e
    eventCount += 1
  }

  /// The synapse k's events of a visit are all issued; `before` and
  /// `after` are its devices' conductances (S) around them. A synapse's
  /// visits come one after the other; the first of another synapse closes
  /// it.
  func visited(cell k: Int, before: (plus: Double, minus: Double), after: (plus: Double, minus: Double)) {
    if gathering {
      gather(cell: k, before: before, after: after)
      return
    }
    if k != synapse {
      closeSynapse()
      synapse = k
      synapseBefore = before
    }
    synapseAfter = after
    pending = eventCount
  }

  /// Books the visited synapse's events: its rule pulses in its row's
  /// rounds (a device's n-th in the n-th), and from its first other event
  /// on every event a serial slot (as `UpdateSchedule.slots`: a synapse's
  /// later rule pulses stay serial).
  private func closeSynapse() {
    guard synapse >= 0 else { return }
    let i = synapse / columns, j = synapse % columns
    // The visit not yet reported keeps its events (at `pending` on).
    defer {
      let left = eventCount - pending
      if left > 0 { events.update(from: events + pending, count: left) }
      eventCount = left
      pending = 0
      synapse = -1
    }
    var ruleCount = (0, 0), lastSerial = (-1, -1), firstSerial = pending
    for q in 0..<pending {
      let e = events[q]
      if e.kind == .potentiate && q < firstSerial {
        if e.polarity == 0 { ruleCount.0 += e.count } else { ruleCount.1 += e.count }
      } else {
        firstSerial = min(firstSerial, q)
        if e.polarity == 0 { lastSerial.0 = q } else { lastSerial.1 = q }
      }
    }
    for q in firstSerial..<pending {
      let e = events[q], p = e.polarity
      appendSerial(SerialSlots(
        i: i, j: j, polarity: p, before: p == 0 ? synapseBefore.plus : synapseBefore.minus,
        after: p == 0 ? synapseAfter.plus : synapseAfter.minus, reset: e.kind == .reset, count: e.count,
        last: q == (p == 0 ? lastSerial.0 : lastSerial.1), order: e.order))
    }
    for p in 0..<2 {
      let m = p == 0 ? ruleCount.0 : ruleCount.1
      guard m > 0 else { continue }
      let g0 = p == 0 ? synapseBefore.plus : synapseBefore.minus, g1 = p == 0 ? synapseAfter.plus : synapseAfter.minus
      // Its column in each of its m rounds, at the column's sum then (no
      // other device of this row and polarity is in this column).
      let terms = Double(m) * (columnSum[2 * j + p] - 2 * g0)
      var delta = 0.0
      if (p == 0 ? lastSerial.0 : lastSerial.1) < 0 {
        // Rule pulses only: its new G from its last round on.
        delta = g1 - g0
        columnSum[2 * j + p] += delta
      }
      tally.add(p, m: m, terms: terms, delta: delta)
    }
  }

  /// Books the synapse visited last now (`closeSynapse`), so that the
  /// next may be told directly (`rose`, `refilled`).
  func closeVisit() { closeSynapse() }

  /// A synapse whose visit was one rule pulse of its device of `polarity`
  /// (0: G+), from `before` to `after` (S), in column j of the current
  /// row: what `issue`, `visited` and `closeSynapse` book for it, in the
  /// same operations, on the caller's `tally` of the row and the book's
  /// `columnSum`. No visit may be open (`closeVisit`).
  @inline(__always)
  static func rose(
    _ tally: inout RowTally, _ columnSum: UnsafeMutablePointer<Double>, column j: Int, polarity p: Int,
    before g0: Double, after g1: Double
  ) {
    let c = 2 * j + p
    let terms = Double(1) * (columnSum[c] - 2 * g0)
    let delta = g1 - g0
    columnSum[c] += delta
    tally.add(p, m: 1, terms: terms, delta: delta)
  }

  /// A synapse whose visit was method b's refill of its device of
  /// `polarity` at (i, j): a reset, then `pulses` re-potentiation pulses,
  /// from `before` to `after` (S); two serial slots, as `closeSynapse`
  /// books them. No visit may be open.
  @inline(__always)
  func refilled(row i: Int, column j: Int, polarity p: Int, before: Double, after: Double, pulses n: Int) {
    assert(synapse < 0 && eventCount == 0)
    appendSerial(SerialSlots(i: i, j: j, polarity: p, before: before, after: after, reset: true, count: 1, last: n == 0))
    if n > 0 {
      appendSerial(SerialSlots(i: i, j: j, polarity: p, before: before, after: after, reset: false, count: n, last: true))
    }
  }

  /// Row i's synapses are all visited: its rounds of rule slots, each
  /// polarity's R(i) as its devices with fewer rule pulses left it, then
  /// the row's sums with the devices that only rose.
  func rowEnded(_ i: Int) {
    // (A gathered row ends at `endGathering`.)
    guard !gathering else { return }
    closeSynapse()
    // Σ over rounds n = 1…R of R_p(i) then: R·R_p(i) + Σ_d (R − m_d)·ΔG_d.
    for p in 0..<2 {
      let r = Double(p == 0 ? tally.rounds.0 : tally.rounds.1)
      guard r > 0 else { continue }
      let d = p == 0 ? tally.rose.0 : tally.rose.1, md = p == 0 ? tally.roseByRounds.0 : tally.roseByRounds.1
      programConductance += (p == 0 ? tally.pulsedTerms.0 : tally.pulsedTerms.1) + r * rowSum[2 * i + p] + r * d - md
    }
    // Each round drives the row's D line of each polarity it pulses, and
    // each rule pulse its column's S line.
    programLineCells += Double(tally.rounds.0 + tally.rounds.1) * Double(columns) + Double(tally.pulses) * Double(rows)
    rowSum[2 * i] += tally.rose.0
    rowSum[2 * i + 1] += tally.rose.1
    endRow()
  }

  private func endRow() {
    tally = RowTally()
  }

  /// Gathers the visits of a netted mini-batch's row until `endGathering`.
  func beginGathering() {
    closeSynapse()
    gathering = true
  }

  /// A visit while gathering: its events (those issued since the last
  /// visit) with its column.
  private func gather(cell k: Int, before: (plus: Double, minus: Double), after: (plus: Double, minus: Double)) {
    let j = k % columns
    if !gatheredSeen[j] {
      gatheredSeen[j] = true
      gatheredBefore[j] = before
    }
    gatheredAfter[j] = after
    for q in 0..<eventCount {
      if gatheredCount == gatheredCapacity {
        gathered = Self.grown(gathered, count: gatheredCount, to: 2 * gatheredCapacity)
        gatheredCapacity *= 2
      }
      var e = events[q]
      e.order = gatheredCount
      gathered[gatheredCount] = (j, e)
      gatheredCount += 1
    }
    eventCount = 0
  }

  /// Row i's gathered visits booked, synapse by synapse in column order,
  /// each with its events in issue order; then the row's end. Its serial
  /// slots go in issue order (as `UpdateSchedule.slots` draws them: the
  /// rounds' replays, then the lone pulses), not synapse by synapse.
  func endGathering(row i: Int) {
    gathering = false
    let firstSerial = serialCount
    var events = UnsafeMutableBufferPointer(start: gathered, count: gatheredCount)
    events.sort { ($0.column, $0.event.order) < ($1.column, $1.event.order) }
    var q = 0
    for j in 0..<columns where gatheredSeen[j] {
      while q < gatheredCount && gathered[q].column == j {
        appendEvent(gathered[q].event)
        q += 1
      }
      visited(cell: i * columns + j, before: gatheredBefore[j], after: gatheredAfter[j])
      gatheredSeen[j] = false
    }
    gatheredCount = 0
    rowEnded(i)
    var rowSerial = UnsafeMutableBufferPointer(start: serial + firstSerial, count: serialCount - firstSerial)
    rowSerial.sort { $0.order < $1.order }
  }

  /// One more serial slot (the buffer grown when full: no allocation
  /// once warm).
  @inline(__always)
  private func appendSerial(_ slot: SerialSlots) {
    if serialCount == serialCapacity {
      serial = Self.grown(serial, count: serialCount, to: 2 * serialCapacity)
      serialCapacity *= 2
    }
    serial[serialCount] = slot
    serialCount += 1
  }

  private static func grown<T>(_ p: UnsafeMutablePointer<T>, count: Int, to capacity: Int) -> UnsafeMutablePointer<T> {
    // A longer update than any before (no allocation once warm).
    let q = UnsafeMutablePointer<T>.allocate(capacity: capacity)
    q.moveInitialize(from: p, count: count)
    p.deallocate()
    return q
  }

  /// The update's serial slots, after all its rule slots: each at the
  /// sums then, its device's change after its last one.
  func finishUpdate() {
    closeSynapse()
    for q in 0..<serialCount {
      let s = serial[q]
      let r = 2 * s.i + s.polarity, c = 2 * s.j + s.polarity
      let g = Double(s.count) * (rowSum[r] + columnSum[c] - 2 * s.before)
      // A serial slot drives its device's D line and S line.
      let cells = Double(s.count) * Double(rows + columns)
      if s.reset {
        resetConductance += g
        resetLineCells += cells
      } else {
        programConductance += g
        programLineCells += cells
      }
      if s.last {
        rowSum[r] += s.after - s.before
        columnSum[c] += s.after - s.before
      }
    }
    serialCount = 0
  }

  /// The energy booked so far (J): the V/2 scheme's half of each kind's
  /// amplitude over its width.
  /// The lines' share of the slots, per farad of a cell's line
  /// capacitance (J/F): (V_p/2)²·`programLineCells` + (V_r/2)²·`resetLineCells`.
  func lineEnergy(_ pulse: PulseGenerator) -> Double {
    let p = pulse.amplitude(of: .potentiate) / 2, r = pulse.amplitude(of: .reset) / 2
    return p * p * programLineCells + r * r * resetLineCells
  }

  func energy(_ pulse: PulseGenerator) -> Double {
    let p = pulse.amplitude(of: .potentiate) / 2, r = pulse.amplitude(of: .reset) / 2
    return p * p * pulse.width(of: .potentiate) * programConductance
      + r * r * pulse.width(of: .reset) * resetConductance
  }
}

/// Reports a synapse's events to a `LimHalfSelectBook` (and to a recorder,
/// when `xbarsim inspect` has one attached). The book is held unmanaged:
/// the layer keeps it alive through the update, and a call through an
/// `unowned(unsafe)` reference still retained and released it per synapse:
/// half of the samples in `perf`, 13,176 images/s on MNIST against 33,674
/// unmanaged.
struct BookingSink: PulseSink {
  let book: Unmanaged<LimHalfSelectBook>
  let recording: ReportSink?

  init(book: LimHalfSelectBook, recording: ReportSink?) {
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
