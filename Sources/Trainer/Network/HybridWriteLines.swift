import Circuit
import Peripherals

/// Rules hybrid and single with `write_lines resistive`: which of a fully
/// parallel update's coincidences reach their devices through the lines.
///
/// In slot t of an update phase every row whose train fires drives its
/// word lines (in both arrays of the selected kind) at +V_w/2, and every
/// column whose train fires drives the bit line of its array (G+ where
/// δ < 0, G− where δ > 0) at −V_w/2; every other line's terminal is at
/// 0 V. Each array's slot is solved through its lines
/// (`ParallelWriteSolver`, on the conductances before the update), and a
/// coincidence programs its device only where its cell sees at least
/// `write_threshold`: share φ of V_w with φ·V_w ≥ V_th. The others are
/// marked, per cell and slot, for the update's pulse loop to skip
/// (`HybridLayer.apply`). The controller issues them all the same: the
/// ones that do nothing are counted here, not in the layer's `pulses`.
///
/// The saturation pass after the parallel slots (Burr's refresh, or
/// method b for the sign encoding) writes one cell a slot: each device's
/// reset and re-potentiation pulses land where its cell, written alone on
/// its array (`RowWriteSolver.cellShare`, on the conductances after the
/// coincidences), sees the same share of their amplitude (`serialLands`).
final class HybridWriteLines {
  /// One solver per polarity (index 0: the G+ array, 1: the G− array);
  /// the selected kind's arrays have the same lines.
  let solvers: [ParallelWriteSolver]
  /// V_th/V_w: the least share of V_w a coincidence needs.
  let share: Double
  let rows: Int, columns: Int
  /// Per polarity, per cell: the slots whose coincidence does not land
  /// (bit t), zero outside an update; and the cells marked, to clear.
  let blocked: [UnsafeMutablePointer<UInt64>]
  let marked: [UnsafeMutablePointer<Int32>]
  var markedCount = [0, 0]
  /// One slot's driven lines, and one polarity's columns and trains
  /// gathered from the two shares.
  let slotRows: UnsafeMutablePointer<Int32>, slotColumns: UnsafeMutablePointer<Int32>
  let columnIndex: UnsafeMutablePointer<Int32>, columnWords: UnsafeMutablePointer<UInt64>

  /// Coincidences solved, those below the threshold, the least share and
  /// the sum of the shares; the slots that did not reach the solver's
  /// tolerance.
  var coincidences = 0, belowThreshold = 0
  var leastShare = 1.0, shareSum = 0.0
  var unconverged = 0
  /// Saturation sequences with a reset or pulse that did not land.
  var incompleteSequences = 0
  /// The serial pass's solvers (per polarity) and the conductances (S)
  /// they were prepared on.
  let serial: [RowWriteSolver]
  let serialConductance: [UnsafeMutablePointer<Double>]
  /// G_max in siemens: the devices' normalised conductances times this.
  let scale: Double

  init(rows: Int, columns: Int, wires: WireModel, threshold: Double, writeVoltage: Double, scale: Double) {
    solvers = (0..<2).map { _ in ParallelWriteSolver(rows: rows, columns: columns, wires: wires) }
    serial = (0..<2).map { _ in RowWriteSolver(rows: rows, columns: columns, wires: wires) }
    serialConductance = (0..<2).map { _ in .allocate(capacity: rows * columns) }
    self.scale = scale
    share = threshold / writeVoltage
    self.rows = rows
    self.columns = columns
    blocked = (0..<2).map { _ in
      let p = UnsafeMutablePointer<UInt64>.allocate(capacity: rows * columns)
      p.initialize(repeating: 0, count: rows * columns)
      return p
    }
    marked = (0..<2).map { _ in .allocate(capacity: rows * columns) }
    slotRows = .allocate(capacity: rows)
    slotColumns = .allocate(capacity: columns)
    columnIndex = .allocate(capacity: columns)
    columnWords = .allocate(capacity: columns)
  }

  deinit {
    for p in blocked { p.deallocate() }
    for p in marked { p.deallocate() }
    for p in serialConductance { p.deallocate() }
    for p in [slotRows, slotColumns, columnIndex] { p.deallocate() }
    columnWords.deallocate()
  }

  /// Solves every slot of one polarity's array in which a row and a
  /// column both fire, and marks the coincidences below the threshold.
  ///
  /// - Parameters:
  ///   - g: the array's devices (normalised), × `scale` in siemens.
  ///   - rowIndex, rowWords: the update's rows and their trains.
  ///   - columnCount: this array's columns, with their trains, in
  ///     `columnIndex` and `columnWords` (the caller fills them).
  func gate(
    polarity p: Int, conductance g: UnsafePointer<Float>,
    rowIndex: UnsafePointer<Int32>, rowWords: UnsafePointer<UInt64>, rowCount: Int, columnCount: Int
  ) {
    guard rowCount > 0 && columnCount > 0 else { return }
    var rowSlots: UInt64 = 0, columnSlots: UInt64 = 0
    for r in 0..<rowCount { rowSlots |= rowWords[r] }
    for c in 0..<columnCount { columnSlots |= columnWords[c] }
    var both = rowSlots & columnSlots
    let solver = solvers[p], mask = blocked[p], list = marked[p], n = columns
    while both != 0 {
      let t = both.trailingZeroBitCount
      both &= both &- 1
      let bit: UInt64 = 1 &<< UInt64(t)
      var nr = 0, nc = 0
      for r in 0..<rowCount where rowWords[r] & bit != 0 {
        slotRows[nr] = rowIndex[r]
        nr += 1
      }
      for c in 0..<columnCount where columnWords[c] & bit != 0 {
        slotColumns[nc] = columnIndex[c]
        nc += 1
      }
      if !solver.solve(rows: slotRows, rowCount: nr, columns: slotColumns, columnCount: nc, conductance: g, scale: scale) {
        unconverged += 1
      }
      for r in 0..<nr {
        let i = Int(slotRows[r])
        for c in 0..<nc {
          let j = Int(slotColumns[c])
          let s = solver.share(row: i, column: j)
          coincidences += 1
          shareSum += s
          leastShare = min(leastShare, s)
          if s < share {
            belowThreshold += 1
            let x = i * n + j
            if mask[x] == 0 {
              list[markedCount[p]] = Int32(x)
              markedCount[p] += 1
            }
            mask[x] |= bit
          }
        }
      }
    }
  }

  /// Prepares the serial pass's solvers on the selected arrays as they are
  /// (`g[0]` the G+ devices, `g[1]` the G−, normalised).
  func prepareSerial(plus: UnsafePointer<Float>, minus: UnsafePointer<Float>) {
    for p in 0..<2 {
      let g = p == 0 ? plus : minus, s = serialConductance[p]
      for x in 0..<(rows * columns) { s[x] = Double(g[x]) * scale }
      serial[p].prepare(s)
    }
  }

  /// Whether a serial reset or pulse of cell x on polarity p's array lands:
  /// its cell written alone sees at least `share` of the amplitude.
  @inline(__always)
  func serialLands(polarity p: Int, _ x: Int) -> Bool {
    serial[p].cellShare(row: x / columns, column: x % columns, conductance: serialConductance[p]) >= share
  }

  /// The last update's marks: each cell with a coincidence held back, and
  /// its slots.
  var heldBack: [HybridHeldBack] {
    (0..<2).flatMap { p in
      (0..<markedCount[p]).map { k in
        let x = Int(marked[p][k])
        return HybridHeldBack(polarity: p, row: x / columns, column: x % columns, slots: blocked[p][x])
      }
    }
  }

  /// Clears the marks of the last update.
  func clear() {
    for p in 0..<2 {
      let mask = blocked[p], list = marked[p]
      for k in 0..<markedCount[p] { mask[Int(list[k])] = 0 }
      markedCount[p] = 0
    }
  }

  /// Adds this layer's counts to `s`.
  func add(to s: inout WriteLineStatistics) {
    s.add(pulses: coincidences, below: belowThreshold, sequences: incompleteSequences, least: leastShare, shareSum: shareSum)
    s.parallel = true
    s.unconvergedSlots += unconverged
  }
}


/// A cell whose coincidences the lines held back in an update (`write_lines
/// resistive`): its array (0: G+, 1: G−), row and column, and the slots
/// (bit t: slot t) whose coincidence did not reach `write_threshold`.
public struct HybridHeldBack: Sendable, Equatable {
  public var polarity: Int
  public var row: Int
  public var column: Int
  public var slots: UInt64
}
