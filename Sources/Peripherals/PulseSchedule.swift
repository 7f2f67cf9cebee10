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

  public init(array: Int, polarity: Polarity, row: Int, column: Int, kind: PulseKind, count: Int = 1) {
    self.array = array
    self.polarity = polarity
    self.row = row
    self.column = column
    self.kind = kind
    self.count = count
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
