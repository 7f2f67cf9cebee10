/// What the selected cells of one row-by-row V/2 write slot see through
/// resistive lines, solved line by line.
///
/// A slot drives one word line at +V/2 through its terminal (the left end,
/// r_row + r_driver before column 0) and the bit lines of the columns it
/// programs at −V/2 through theirs (the bottom end, r_col + r_sense after
/// row M−1); every other line's terminal is at 0 V (`WriteScheme.half`,
/// the schedule of `UpdateSchedule`). With ideal lines every selected cell
/// sees V; through the lines' segments it sees less: the driven word line
/// feeds all its cells, and each driven bit line sinks its selected cell
/// and its M − 1 half-selected cells.
///
/// The solve takes the lines that are *not* driven as ideal 0 V. Each of
/// them carries at most the currents of the cells where it crosses a
/// driven line (one cell for an undriven bit line, K for an undriven word
/// line against K driven bit lines), where a driven line carries a whole
/// line of them; so the undriven lines' own drops are the error of this
/// model. It is measured against the whole mesh's nodal solve
/// (`RowWriteSolverTests`, README "Programming through the lines"). Then:
///
/// - each driven bit line j is a ladder: shunts G_mj to 0 V at every
///   other row, segments r_col, the source −V/2 behind r_col + r_sense at
///   the bottom, open at the top. Seen from its node at row i it is an
///   admittance Y_ij = U_ij + L_ij (the ladder above and the ladder below)
///   behind a Thevenin voltage E_ij: −V/2 attenuated by the ladder below
///   (``prepare(_:)``, kept as the Norton current Y·E);
/// - the selected cell G_ij in series with that is a shunt from word-line
///   node j of G·Y/(G + Y) to E_ij; the other cells are shunts G_ij to
///   0 V; the word line is a ladder of them fed at its left end, solved in
///   two sweeps (``slot(row:columns:count:conductance:into:)``).
///
/// Every admittance is formed by additions and A/(1 + r·A), never by a
/// subtraction (the tests hold the shares within 1e-12 of a dense solve
/// of the same circuit). Voltages are in units of V (the solve is linear): the fraction of the
/// write voltage each selected cell sees.
///
/// Not thread-safe: one solver per array (polarity) and thread.
public final class RowWriteSolver {
  /// M and N of the arrays it solves.
  public let rows: Int
  public let columns: Int
  /// The lines: both segment resistances positive.
  public let wires: WireModel

  /// Per cell (row-major M×N), of the conductances given to the last
  /// ``prepare(_:)``: the admittance Y of bit line j seen from its node at
  /// row i, the cell itself excluded (S), and its Norton current J (S
  /// times units of V: the Thevenin voltage is J/Y).
  let admittance: UnsafeMutablePointer<Double>
  let norton: UnsafeMutablePointer<Double>
  /// Per column: the sweeps' running values.
  let runA: UnsafeMutablePointer<Double>, runK: UnsafeMutablePointer<Double>
  /// The word line's sweep: the admittance and Norton current seen from
  /// node j towards the open end through segment j → j + 1.
  let rightAdmittance: UnsafeMutablePointer<Double>, rightCurrent: UnsafeMutablePointer<Double>
  /// ``cellShare(row:column:conductance:)``'s row (−1: none since the last
  /// prepare): seen from each node of its word line with no bit line
  /// driven, the admittance and Norton current towards the driver and the
  /// admittance towards the open end.
  var cellRow = -1
  let leftAdmittance: UnsafeMutablePointer<Double>, leftCurrent: UnsafeMutablePointer<Double>
  let openAdmittance: UnsafeMutablePointer<Double>
  /// Whether column j is driven in the current slot, and its cell's share.
  let driven: UnsafeMutablePointer<Bool>
  let share: UnsafeMutablePointer<Double>
  /// True after a ``prepare(_:)``.
  public private(set) var isPrepared = false

  /// - Precondition: rows, columns ≥ 1; both segment resistances positive
  ///   and finite, terminal resistances ≥ 0 and finite.
  public init(rows: Int, columns: Int, wires: WireModel) {
    checkWriteLines(rows: rows, columns: columns, wires)
    self.rows = rows
    self.columns = columns
    self.wires = wires
    admittance = .allocate(capacity: rows * columns)
    norton = .allocate(capacity: rows * columns)
    runA = .allocate(capacity: columns)
    runK = .allocate(capacity: columns)
    rightAdmittance = .allocate(capacity: columns)
    rightCurrent = .allocate(capacity: columns)
    driven = .allocate(capacity: columns)
    driven.initialize(repeating: false, count: columns)
    share = .allocate(capacity: columns)
    leftAdmittance = .allocate(capacity: columns)
    leftCurrent = .allocate(capacity: columns)
    openAdmittance = .allocate(capacity: columns)
  }

  deinit {
    admittance.deallocate()
    norton.deallocate()
    runA.deallocate()
    runK.deallocate()
    rightAdmittance.deallocate()
    rightCurrent.deallocate()
    driven.deallocate()
    share.deallocate()
    leftAdmittance.deallocate()
    leftCurrent.deallocate()
    openAdmittance.deallocate()
  }

  /// Builds every bit line's view from each of its nodes on the
  /// conductances `g` (S, row-major M×N): the admittance above (open top)
  /// and below (the driver behind r_col + r_sense) and the Norton current.
  ///
  /// - Complexity: O(M·N), two sweeps down and up the columns, all columns
  ///   at once.
  public func prepare(_ g: UnsafePointer<Double>) {
    let m = rows, n = columns, y = admittance, e = norton
    let rc = wires.columnSegmentResistance
    let bottom = 1 / (rc + wires.columnTerminalResistance)
    // Down from the open top: U_0 = 0, A_m = G_mj + U_m, U_{m+1} = A_m/(1 + r·A_m).
    let a = runA
    for j in 0..<n {
      y[j] = 0
      a[j] = g[j]
    }
    for i in 1..<m {
      let row = i * n
      for j in 0..<n {
        let u = a[j] / (1 + rc * a[j])
        y[row + j] = u
        a[j] = g[row + j] + u
      }
    }
    // Up from the driver, as a Norton source: L_{M−1} = 1/(r_col + r_sense)
    // and J = −L/2; above a node its shunt to 0 V joins (L + G, J), then
    // one segment divides both by 1 + r·(L + G).
    let l = runA, k = runK
    for j in 0..<n {
      l[j] = bottom
      k[j] = -0.5 * bottom
    }
    var i = m - 1
    while true {
      let row = i * n
      for j in 0..<n {
        y[row + j] += l[j]
        e[row + j] = k[j]
      }
      if i == 0 { break }
      for j in 0..<n {
        let below = l[j] + g[row + j], d = 1 / (1 + rc * below)
        l[j] = below * d
        k[j] *= d
      }
      i -= 1
    }
    isPrepared = true
    cellRow = -1
  }

  /// The fraction of V each selected cell of one slot sees: word line
  /// `row` driven, the bit lines `columns[0..<count]` driven, on the
  /// conductances `g` (those of ``prepare(_:)``, but for the row's own,
  /// which are read here).
  ///
  /// - Parameters:
  ///   - columns: the driven columns, distinct, each in 0..<N.
  ///   - out: `count` values, out[q] for columns[q]: word-line node minus
  ///     bit-line node voltage of the cell, over V (1 with ideal lines).
  /// - Precondition: ``prepare(_:)`` was called.
  /// - Complexity: O(N + count).
  public func slot(
    row: Int, columns list: UnsafePointer<Int32>, count: Int, conductance g: UnsafePointer<Double>,
    into out: UnsafeMutablePointer<Double>
  ) {
    require(isPrepared, "prepare(_:) the bit lines before a slot")
    require((0..<rows).contains(row), "row \(row) is outside the \(rows)×\(columns) array")
    let n = columns, base = row * n
    let rr = wires.rowSegmentResistance
    let source = 1 / (rr + wires.rowTerminalResistance)
    for q in 0..<count { driven[Int(list[q])] = true }
    // From the open end: node j's shunt S to E with the ladder beyond it,
    // a Norton source (admittance P, current Q = Σ S·E), seen from node
    // j − 1 through a segment: P/(1 + r·P) and Q/(1 + r·P).
    var beyondY = 0.0, beyondJ = 0.0
    var j = n - 1
    var p = 0.0, qv = 0.0
    while j >= 0 {
      rightAdmittance[j] = beyondY
      rightCurrent[j] = beyondJ
      let gc = g[base + j]
      if driven[j] {
        // The cell in series with its bit line's Norton source: G·Y/(G + Y)
        // to E = J/Y, a current G·J/(G + Y).
        let y = admittance[base + j], w = gc / (gc + y)
        p = w * y + beyondY
        qv = w * norton[base + j] + beyondJ
      } else {
        p = gc + beyondY
        qv = beyondJ
      }
      let d = 1 / (1 + rr * p)
      beyondY = p * d
      beyondJ = qv * d
      j -= 1
    }
    // Node 0: source·(1/2 − u) = P·u − Q.
    var u = (0.5 * source + qv) / (source + p)
    // Back along the line, each node's voltage from the current into the
    // next segment, Y·u − J; the selected cells' share where they are.
    for c in 0..<n {
      if driven[c] {
        // The cell and its bit line's view in series: the cell holds
        // Y/(G + Y) of u − E.
        let y = admittance[base + c], gc = g[base + c]
        share[c] = (y * u - norton[base + c]) / (gc + y)
      }
      u -= rr * (rightAdmittance[c] * u - rightCurrent[c])
    }
    for q in 0..<count {
      let c = Int(list[q])
      out[q] = share[c]
      driven[c] = false
    }
  }

  /// The fraction of V cell (`row`, `column`) sees written alone: the
  /// slot of one driven column, as ``slot(row:columns:count:conductance:into:)``
  /// gives it, in O(1) after an O(N) pass over the row (kept for the
  /// row's next cells until another row or ``prepare(_:)``).
  ///
  /// - Precondition: ``prepare(_:)`` was called, and the row's
  ///   conductances have not changed since this row's first call.
  public func cellShare(row: Int, column: Int, conductance g: UnsafePointer<Double>) -> Double {
    require(isPrepared, "prepare(_:) the bit lines before a slot")
    require((0..<rows).contains(row) && (0..<columns).contains(column), "cell (\(row), \(column)) is outside the \(rows)×\(columns) array")
    let n = columns, base = row * n, rr = wires.rowSegmentResistance
    if cellRow != row {
      // Towards the driver: Y_0 = 1/(r + R_d) behind 1/2 (J = Y/2); a node's
      // shunt to 0 V joins, then a segment: Y = P/(1 + r·P), J = J/(1 + r·P).
      var y = 1 / (rr + wires.rowTerminalResistance), jl = 0.5 * y
      for c in 0..<n {
        leftAdmittance[c] = y
        leftCurrent[c] = jl
        let p = y + g[base + c], d = 1 / (1 + rr * p)
        y = p * d
        jl *= d
      }
      // Towards the open end.
      var yr = 0.0
      var c = n - 1
      while c >= 0 {
        openAdmittance[c] = yr
        let p = g[base + c] + yr
        yr = p / (1 + rr * p)
        c -= 1
      }
      cellRow = row
    }
    let y = admittance[base + column], gc = g[base + column], j = norton[base + column]
    let w = gc / (gc + y)
    let u = (leftCurrent[column] + w * j) / (leftAdmittance[column] + openAdmittance[column] + w * y)
    return (y * u - j) / (gc + y)
  }
}

/// The write solvers' shared precondition: an array of at least 1×1,
/// both segment resistances positive and finite, terminal resistances
/// ≥ 0 and finite.
func checkWriteLines(rows: Int, columns: Int, _ r: WireModel) {
  require(rows >= 1 && columns >= 1, "array must be at least 1×1")
  require(
    r.rowSegmentResistance > 0 && r.rowSegmentResistance.isFinite
      && r.columnSegmentResistance > 0 && r.columnSegmentResistance.isFinite,
    "a write through the lines needs both segment resistances positive and finite")
  require(
    r.rowTerminalResistance >= 0 && r.rowTerminalResistance.isFinite
      && r.columnTerminalResistance >= 0 && r.columnTerminalResistance.isFinite,
    "terminal resistances must be >= 0 and finite")
}
