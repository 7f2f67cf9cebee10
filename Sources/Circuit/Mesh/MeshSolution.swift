/// Every node voltage of a solved mesh, and the currents that follow.
///
/// Sign conventions: a device current flows from the word-line node to the
/// bit-line node; a line's terminal current flows from its termination
/// into the array (positive for a driver delivering current, negative for
/// a sense amplifier absorbing it). Kirchhoff's current law makes the
/// terminal currents of all lines sum to zero.
public struct MeshSolution: Sendable {
  public let rows: Int
  public let columns: Int
  /// Word-line node voltages (V), row-major M×N.
  public var wordNodeVoltage: [Double]
  /// Bit-line node voltages (V), row-major M×N.
  public var bitNodeVoltage: [Double]
  /// Current from each word line's termination into the array (A), M values.
  public var rowTerminalCurrent: [Double]
  /// Current from each bit line's termination into the array (A), N values.
  public var columnTerminalCurrent: [Double]
  /// Iterations the solver took (0 for a direct solve).
  public var iterations: Int
  /// Final relative residual ‖b − A·x‖₂ / ‖b‖₂ of the nodal equations
  /// (0 for a direct solve).
  public var relativeResidual: Double
  /// True when the residual met the solver's tolerance.
  public var converged: Bool

  /// The currents out of the bit lines into their terminations (A): the
  /// outputs `i_out` of a forward read.
  public var outputCurrents: [Double] { columnTerminalCurrent.map { -$0 } }

  /// Newton steps of a solve of non-linear cells (`CellIV.sinh`); 0 for
  /// linear cells. `iterations` then counts every step's iterations.
  public var newtonSteps = 0

  /// Current through cell (i, j) from its word-line node to its bit-line
  /// node, in amperes, given the cell conductance `g` (S) of a linear cell
  /// (G·ΔV; ``deviceCurrent(row:column:mesh:)`` applies the mesh's I–V).
  @inlinable
  public func deviceCurrent(row i: Int, column j: Int, conductance g: Double) -> Double {
    let k = i * columns + j
    return g * (wordNodeVoltage[k] - bitNodeVoltage[k])
  }

  /// Current through cell (i, j) of `mesh` from its word-line node to its
  /// bit-line node (A): G·f(ΔV) with the mesh's ``CrossbarMesh/cellIV``.
  @inlinable
  public func deviceCurrent(row i: Int, column j: Int, mesh: CrossbarMesh) -> Double {
    cellCurrent(i * columns + j, mesh)
  }

  /// G·f(ΔV) of cell k (row-major) of `mesh`.
  @usableFromInline
  func cellCurrent(_ k: Int, _ mesh: CrossbarMesh) -> Double {
    let dv = wordNodeVoltage[k] - bitNodeVoltage[k]
    guard case .sinh = mesh.cellIV else { return mesh.conductance[k] * dv }
    return mesh.conductance[k] * mesh.cellIV.current(atVolts: dv)
  }

  /// Current along word line `i` in the segment that feeds node (i, j) from
  /// the left (from the termination when j = 0), flowing rightwards (A).
  ///
  /// Two exact expressions, with different rounding: the drop across the
  /// segment over r, and (Kirchhoff's current law: the line's far end is
  /// open) the sum of what the cells j..N−1 draw. Each carries the node
  /// voltages' errors δ: the drop 2δ/r, the sum 2δ·ΣG over its cells. So
  /// the drop when r·ΣG ≥ 1, else the sum: on lines of tiny r the drop kept
  /// no digits (at 1e-12 Ω), and where the cells' currents cancel (a bit
  /// line fed by one row and drained by another, r_col ≫ r_row) the sum
  /// kept none either (session 43: i_out 16,000 times too large).
  /// ``wordSegmentCurrents(row:mesh:)`` gives a whole line the same way.
  public func wordSegmentCurrent(row i: Int, segment j: Int, mesh: CrossbarMesh) -> Double {
    // An open end passes nothing.
    if j == 0 && mesh.rowTerminations[i] == .open { return 0 }
    var s = 0.0, cells = 0.0
    for jj in stride(from: columns - 1, through: j, by: -1) {
      let k = i * columns + jj
      s += cellCurrent(k, mesh)
      cells += mesh.conductance[k]
    }
    return wordSegment(i, j, sum: s, cellConductance: cells, mesh: mesh)
  }

  /// Current along bit line `j` in the segment below node (i, j) (towards
  /// the termination when i = M−1), flowing downwards (A): the drop over r,
  /// or what the cells 0...i deliver into the line (its top end is open),
  /// chosen as for ``wordSegmentCurrent(row:segment:mesh:)``.
  public func bitSegmentCurrent(row i: Int, column j: Int, mesh: CrossbarMesh) -> Double {
    if i == rows - 1 && mesh.columnTerminations[j] == .open { return 0 }
    var s = 0.0, cells = 0.0
    for ii in 0...i {
      let k = ii * columns + j
      s += cellCurrent(k, mesh)
      cells += mesh.conductance[k]
    }
    return bitSegment(i, j, sum: s, cellConductance: cells, mesh: mesh)
  }

  /// Every segment current of word line `i`, segment 0 (at the termination)
  /// first: ``wordSegmentCurrent(row:segment:mesh:)`` for each, bit for bit,
  /// by one running sum (O(N) for the line).
  public func wordSegmentCurrents(row i: Int, mesh: CrossbarMesh) -> [Double] {
    var out = [Double](repeating: 0, count: columns)
    var s = 0.0, cells = 0.0
    for j in stride(from: columns - 1, through: 0, by: -1) {
      let k = i * columns + j
      s += cellCurrent(k, mesh)
      cells += mesh.conductance[k]
      out[j] = wordSegment(i, j, sum: s, cellConductance: cells, mesh: mesh)
    }
    if mesh.rowTerminations[i] == .open { out[0] = 0 }
    return out
  }

  /// Every segment current of bit line `j`, the segment below row 0 first:
  /// ``bitSegmentCurrent(row:column:mesh:)`` for each, bit for bit.
  public func bitSegmentCurrents(column j: Int, mesh: CrossbarMesh) -> [Double] {
    var out = [Double](repeating: 0, count: rows)
    var s = 0.0, cells = 0.0
    for i in 0..<rows {
      let k = i * columns + j
      s += cellCurrent(k, mesh)
      cells += mesh.conductance[k]
      out[i] = bitSegment(i, j, sum: s, cellConductance: cells, mesh: mesh)
    }
    if mesh.columnTerminations[j] == .open { out[rows - 1] = 0 }
    return out
  }

  /// Word segment j of line i from the cells' sum beyond it, or its drop.
  @inline(__always)
  private func wordSegment(_ i: Int, _ j: Int, sum: Double, cellConductance: Double, mesh: CrossbarMesh) -> Double {
    // The terminal segment is r_row + R (the driver's resistance).
    let r = mesh.wires.rowSegmentResistance + (j == 0 ? mesh.rowTerminalResistance : 0)
    guard r > 0 else { return sum }
    let k = i * columns + j
    let left = j == 0 ? (mesh.rowTerminations[i].volts ?? wordNodeVoltage[k]) : wordNodeVoltage[k - 1]
    let drop = left - wordNodeVoltage[k]
    return r * cellConductance >= 1 ? drop / r : sum
  }

  /// Bit segment i of line j from the cells' sum above it, or its drop.
  @inline(__always)
  private func bitSegment(_ i: Int, _ j: Int, sum: Double, cellConductance: Double, mesh: CrossbarMesh) -> Double {
    let r = mesh.wires.columnSegmentResistance + (i == rows - 1 ? mesh.columnTerminalResistance : 0)
    guard r > 0 else { return sum }
    let k = i * columns + j
    let below = i == rows - 1 ? (mesh.columnTerminations[j].volts ?? bitNodeVoltage[k]) : bitNodeVoltage[k + columns]
    let drop = bitNodeVoltage[k] - below
    return r * cellConductance >= 1 ? drop / r : sum
  }

  /// What the terminal resistances dissipate, Σ I²·R over the lines'
  /// terminal currents (W; 0 without them).
  public func terminalPower(mesh: CrossbarMesh) -> Double {
    let rd = mesh.rowTerminalResistance, rs = mesh.columnTerminalResistance
    return rowTerminalCurrent.reduce(0) { $0 + $1 * $1 * rd } + columnTerminalCurrent.reduce(0) { $0 + $1 * $1 * rs }
  }

  /// Power delivered by all terminations, Σ V·I (W); with 0 V sense
  /// amplifiers this is the power the drivers deliver, which the devices
  /// and wires dissipate.
  public func power(mesh: CrossbarMesh) -> Double {
    var p = 0.0
    for i in 0..<rows { p += (mesh.rowTerminations[i].volts ?? 0) * rowTerminalCurrent[i] }
    for j in 0..<columns { p += (mesh.columnTerminations[j].volts ?? 0) * columnTerminalCurrent[j] }
    return p
  }
}

/// Why a nodal solve could not produce an answer.
public enum SolverError: Error, CustomStringConvertible, Sendable, Equatable {
  /// A group of nodes has no path to any source: its voltages are
  /// undefined (the matrix is singular).
  case floatingLine(String)
  /// The iteration stopped at `iterations` with residual `residual` above
  /// the tolerance.
  case didNotConverge(iterations: Int, residual: Double, tolerance: Double)
  /// A current (a line's, or a node voltage) is not finite: the
  /// conductances or voltages are too large for double precision.
  case overflow
  /// The caller asked the solve to stop (an interrupt) before it ended:
  /// no result.
  case stopped

  public var description: String {
    switch self {
    case .stopped:
      return "the solve was stopped before it ended (an interrupt)"
    case .floatingLine(let line):
      return "\(line) is floating: no path to any driven or grounded line"
    case .overflow:
      return "the currents overflow (not finite): the conductances or voltages are too large"
    case .didNotConverge(let n, let r, let tol):
      return "nodal solve did not converge: residual \(r) after \(n) iterations (tolerance \(tol))"
    }
  }
}
