import Circuit

/// What one programming event does to a device.
public enum PulseKind: String, Sendable, CaseIterable {
  /// The learning rule's identical potentiation pulse.
  case potentiate
  /// One identical depression pulse (bidirectional devices, method c).
  case depress
  /// A reset pulse: the device returns to G_min.
  case reset
  /// An identical potentiation pulse re-potentiating a device after a
  /// reset (methods a and b at G_max).
  case repotentiate
}

/// `count` identical pulses (or resets) of one kind to one device: cell
/// (row, column) of array `array`'s G+ or G− crossbar.
public struct PulseEvent: Sendable, Equatable {
  public var array: Int
  public var polarity: Polarity
  public var row: Int
  public var column: Int
  public var kind: PulseKind
  public var count: Int
  /// false: issued and driven in its slot, but its cell saw less than the
  /// programming threshold through resistive lines (`write_lines
  /// resistive`): the device did not change. It takes its slot all the
  /// same (`UpdateSchedule.slots`).
  public var landed: Bool

  public init(array: Int, polarity: Polarity, row: Int, column: Int, kind: PulseKind, count: Int = 1, landed: Bool = true) {
    self.array = array
    self.polarity = polarity
    self.row = row
    self.column = column
    self.kind = kind
    self.count = count
    self.landed = landed
  }
}

extension Sequence where Element == PulseEvent {
  /// The identical pulses of these events (or, `resets`, the resets) that
  /// landed (or, `landed` false, that the lines held back).
  public func total(resets: Bool = false, landed: Bool = true) -> Int {
    reduce(0) { $0 + (($1.kind == .reset) == resets && $1.landed == landed ? $1.count : 0) }
  }
}

/// The time slots of an update phase, row by row with V/2 selection.
///
/// A pulse of amplitude A to cell (i, j) of the G+ crossbar drives D+_i
/// at +A/2 and S+_j at −A/2 for the pulse's width: the selected cell sees
/// A, half-selected cells A/2 (below the programming threshold); likewise
/// D−_i and S−_j for G−. Each slot drives at most one D line per polarity,
/// so the cells pulsed in a slot are exactly its driven D line × its
/// driven S lines of each polarity.
///
/// Per array, in the order the events were issued:
/// 1. per row with rule pulses (`potentiate`), in order of the rows' first
///    pulse, as many slots as its most-pulsed device has rule pulses (one
///    but in netted mini-batches): a device's n-th pulse in the n-th, all
///    of the row's G+ and G− pulses at once;
/// 2. every other event (resets, re-potentiations, depressions) one device
///    and one pulse per slot, in issue order (a cell's resets and
///    re-potentiations follow its rule pulse, as in the update; a rule
///    pulse issued after one of them, as mini-batches can, stays serial).
public enum UpdateSchedule {
  /// The slots of `events` (in issue order); every event in a slot has
  /// count 1.
  public static func slots(_ events: [PulseEvent]) -> [[PulseEvent]] {
    var arrays: [Int] = []
    for e in events where !arrays.contains(e.array) { arrays.append(e.array) }
    var out: [[PulseEvent]] = []
    for a in arrays {
      // Per row (in order of its first pulse) its slots; a device's n-th
      // rule pulse goes to its row's n-th slot, so a row takes as many
      // slots as its most-pulsed device has pulses (netted mini-batches).
      var rowOrder: [Int] = []
      var rowSlots: [Int: [[PulseEvent]]] = [:]
      var placed: [Int: Int] = [:]
      var serial: [[PulseEvent]] = []
      // Synapses with a serial event: their later rule pulses stay serial
      // too, so that every synapse's pulses keep their issue order.
      var serialCells: Set<Int> = []
      for e in events where e.array == a {
        let cell = e.row &* 1_048_576 &+ e.column
        var one = e
        one.count = 1
        if e.kind == .potentiate && !serialCells.contains(cell) {
          if rowSlots[e.row] == nil {
            rowOrder.append(e.row)
            rowSlots[e.row] = []
          }
          let device = cell &* 2 &+ (e.polarity == .plus ? 0 : 1)
          for _ in 0..<e.count {
            let n = placed[device, default: 0]
            placed[device] = n + 1
            if n < rowSlots[e.row]!.count {
              rowSlots[e.row]![n].append(one)
            } else {
              rowSlots[e.row]!.append([one])
            }
          }
        } else {
          serialCells.insert(cell)
          for _ in 0..<e.count { serial.append([one]) }
        }
      }
      out += rowOrder.flatMap { rowSlots[$0]! } + serial
    }
    return out
  }
}

extension UpdateSchedule {
  /// A device's conductance from a slot on: what `halfSelectEnergies`
  /// applies after slot `slot`.
  public struct ConductanceChange: Sendable, Equatable {
    public var slot: Int
    public var array: Int
    public var polarity: Polarity
    /// row·N + column.
    public var cell: Int
    /// S.
    public var conductance: Double

    public init(slot: Int, array: Int, polarity: Polarity, cell: Int, conductance: Double) {
      self.slot = slot
      self.array = array
      self.polarity = polarity
      self.cell = cell
      self.conductance = conductance
    }
  }

  /// The energy the V/2 scheme spends in the cells each slot half-selects.
  ///
  /// In a slot, each polarity with events drives its D line (the events'
  /// row) at +A/2 and its events' S lines at −A/2; every other line is at
  /// 0 V. The row's other cells and the S lines' cells in every other row
  /// see A/2 (below the programming threshold: they keep their state) and
  /// dissipate (A/2)²·G·t for the slot's width t, the devices being
  /// ohmic. The selected cells (A) are what the trainers' ledgers book;
  /// this is the rest of the array's share of the update.
  ///
  /// Column sums of G are kept in step with the changes, so a slot costs
  /// its row and its columns, not the cells of its columns.
  ///
  /// - Parameters:
  ///   - slots: `slots(_:)` of an update.
  ///   - conductances: per array, G+ and G− (S, row-major M×N) before the
  ///     first slot.
  ///   - shapes: per array, its rows M and columns N.
  ///   - pulses: the amplitude and width of each kind.
  ///   - changes: device conductances that hold after their slot (sorted
  ///     by slot).
  /// - Returns: the energy of each slot (J).
  /// - Precondition: every event of a slot has one array and kind, and one
  ///   row per polarity (as `slots(_:)` makes them); the changes are
  ///   sorted by slot.
  public static func halfSelectEnergies(
    _ slots: [[PulseEvent]], conductances: [(plus: [Double], minus: [Double])],
    shapes: [(rows: Int, columns: Int)], pulses: PulseGenerator, changes: [ConductanceChange] = []
  ) -> [Double] {
    require(zip(changes, changes.dropFirst()).allSatisfy { $0.slot <= $1.slot }, "changes must be sorted by slot")
    // Per array and polarity (2a + 0 for G+, 2a + 1 for G−): G and its
    // column sums.
    var g: [[Double]] = []
    var columnSum: [[Double]] = []
    for (a, c) in conductances.enumerated() {
      let (m, n) = shapes[a]
      for values in [c.plus, c.minus] {
        require(values.count == m * n, "array \(a): \(values.count) conductances for \(m)×\(n)")
        g.append(values)
        var sums = [Double](repeating: 0, count: n)
        for i in 0..<m {
          for j in 0..<n { sums[j] += values[i * n + j] }
        }
        columnSum.append(sums)
      }
    }
    var out: [Double] = []
    out.reserveCapacity(slots.count)
    var next = 0
    // The driven columns of the slot being summed (cleared after it).
    var selected = [Bool](repeating: false, count: shapes.map(\.columns).max() ?? 0)
    for (q, events) in slots.enumerated() {
      var energy = 0.0
      if let first = events.first {
        let a = first.array, n = shapes[a].columns
        let half = pulses.amplitude(of: first.kind) / 2
        var sum = 0.0
        for (p, polarity) in [Polarity.plus, .minus].enumerated() {
          let mine = events.filter { $0.polarity == polarity }
          guard let row = mine.first?.row else { continue }
          require(
            mine.allSatisfy { $0.row == row && $0.array == a && $0.kind == first.kind },
            "a slot drives one D line per polarity, one array and one kind")
          let k = 2 * a + p, o = row * n
          for e in mine { selected[e.column] = true }
          // The driven row's unselected cells, and the driven columns'
          // cells in the other rows.
          for j in 0..<n {
            sum += selected[j] ? columnSum[k][j] - g[k][o + j] : g[k][o + j]
          }
          for e in mine { selected[e.column] = false }
        }
        energy = half * half * pulses.width(of: first.kind) * sum
      }
      out.append(energy)
      while next < changes.count && changes[next].slot <= q {
        let c = changes[next]
        let k = 2 * c.array + (c.polarity == .plus ? 0 : 1), n = shapes[c.array].columns
        columnSum[k][c.cell % n] += c.conductance - g[k][c.cell]
        g[k][c.cell] = c.conductance
        next += 1
      }
    }
    return out
  }
}

extension UpdateSchedule {
  /// The energy the V/2 scheme spends charging the lines each slot drives.
  ///
  /// In a slot, each polarity with events drives its D line (N cells) at
  /// +A/2 and its events' S lines (M cells each) at −A/2; a line of n
  /// cells of `capacitance` each, charged to A/2 and back to 0 V, draws
  /// n·C·(A/2)² from its driver. The lines' resistance and the cells'
  /// conduction during the charge are not in it (`halfSelectEnergies` and
  /// the program energy hold the cells').
  ///
  /// - Parameters:
  ///   - slots: `slots(_:)` of an update.
  ///   - shapes: per array, its rows M and columns N.
  ///   - pulses: the amplitude of each kind.
  ///   - capacitance: a cell's share of a line's capacitance (F).
  /// - Returns: the energy of each slot (J).
  /// - Precondition: every event of a slot has one array and kind (as
  ///   `slots(_:)` makes them).
  public static func lineEnergies(
    _ slots: [[PulseEvent]], shapes: [(rows: Int, columns: Int)], pulses: PulseGenerator, capacitance: Double
  ) -> [Double] {
    slots.map { events in
      guard let first = events.first else { return 0 }
      require(events.allSatisfy { $0.array == first.array && $0.kind == first.kind }, "a slot of one array and kind")
      let (m, n) = shapes[first.array]
      let half = pulses.amplitude(of: first.kind) / 2
      let dLines = Set(events.map(\.polarity)).count
      return capacitance * half * half * Double(dLines * n + events.count * m)
    }
  }
}
