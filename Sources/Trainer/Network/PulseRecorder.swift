import Circuit
import Peripherals

/// Collects every pulse and reset a `LimNetwork` issues while it is
/// attached (`LimNetwork.recorder`), in issue order.
///
/// The update kernel reports to it through the same code that changes the
/// device states, so a recorded run issues exactly the pulses of a plain
/// one; without a recorder the kernel is specialised for `NoPulseSink` and
/// the reports compile to nothing.
public final class PulseRecorder: @unchecked Sendable {
  public private(set) var events: [PulseEvent] = []

  public init() {}

  func append(_ e: PulseEvent) { events.append(e) }

  /// Forgets the events recorded so far.
  public func removeAll() { events.removeAll(keepingCapacity: true) }

  /// Identical pulses recorded that landed (the trainer's `pulses` counts
  /// the same).
  public var pulses: Int { events.total() }
  /// Device resets recorded that landed.
  public var resets: Int { events.total(resets: true) }
  /// Of `pulses`, the re-potentiations after resets.
  public var repotentiations: Int { events.reduce(0) { $0 + ($1.kind == .repotentiate && $1.landed ? $1.count : 0) } }
  /// Pulses and resets recorded that did not land (`write_lines
  /// resistive`): issued, but their cells below the threshold.
  public var heldBack: Int { events.total(landed: false) + events.total(resets: true, landed: false) }
}

/// Where the update reports the pulses and resets it issues.
protocol PulseSink {
  /// `count` pulses of `kind` to the `polarity` device of synapse `cell`
  /// (k = row·N + column).
  func issue(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int)
  /// Whether the update reports each synapse after its events, with its
  /// conductances around them (`visited`), and each row's end
  /// (`rowEnded`): the half-select booking's sink. A constant, so the
  /// training kernels compile the reports away.
  static var reportsVisits: Bool { get }
  /// Synapse k's events are all issued; its devices' conductances (S)
  /// before and after them.
  func visited(cell k: Int, before: (plus: Double, minus: Double), after: (plus: Double, minus: Double))
  /// Row i's synapses are all visited.
  func rowEnded(_ i: Int)
  /// `count` pulses of `kind` issued to the `polarity` device of synapse
  /// `cell` whose cell saw less than the threshold through resistive
  /// lines (`write_lines resistive`): driven in their slots, the device
  /// unchanged. Only a recorder hears them.
  func heldBack(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int)
}

extension PulseSink {
  static var reportsVisits: Bool { false }
  @inline(__always)
  func visited(cell k: Int, before: (plus: Double, minus: Double), after: (plus: Double, minus: Double)) {}
  @inline(__always)
  func rowEnded(_ i: Int) {}
  @inline(__always)
  func heldBack(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int) {}

  /// Figure 2D and methods a/b: both devices of a synapse reset.
  @inline(__always)
  func issueBothResets(cell k: Int) {
    issue(.reset, .plus, cell: k, count: 1)
    issue(.reset, .minus, cell: k, count: 1)
  }
}

/// The training path: reports go nowhere.
struct NoPulseSink: PulseSink {
  @inline(__always)
  func issue(_ kind: PulseKind, _ polarity: Polarity, cell: Int, count: Int) {}
}

/// Reports into a recorder, naming the array and the cell's row and column.
struct RecordingSink: PulseSink {
  let recorder: PulseRecorder
  let array: Int
  let columns: Int

  func issue(_ kind: PulseKind, _ polarity: Polarity, cell k: Int, count: Int) {
    guard count > 0 else { return }
    recorder.append(PulseEvent(
      array: array, polarity: polarity, row: k / columns, column: k % columns, kind: kind, count: count))
  }

  func heldBack(_ kind: PulseKind, _ polarity: Polarity, cell k: Int, count: Int) {
    guard count > 0 else { return }
    recorder.append(PulseEvent(
      array: array, polarity: polarity, row: k / columns, column: k % columns, kind: kind, count: count, landed: false))
  }
}
