/// How the lines of an array are biased to program one cell: the selected
/// word line and bit line put the write voltage V across the selected cell,
/// the other lines keep the unselected cells below it.
///
/// - `half` (the V/2 scheme): the selected word line at +V/2, the selected
///   bit line at −V/2, every other line at 0 V. The selected cell sees V,
///   the half-selected cells of its row and column V/2, the others 0.
/// - `third` (the V/3 scheme): the selected word line at V, the selected
///   bit line at 0 V, the other word lines at V/3 and bit lines at 2V/3.
///   The selected cell sees V, the half-selected ones V/3, the others −V/3.
///
/// The voltages are the drivers' (each at its line's terminal, as a read's:
/// word lines at their left ends, bit lines at their bottom ends); with
/// resistive lines the cells see less, which `WriteAnalysis` measures.
public enum WriteScheme: String, Sendable, CaseIterable {
  case half = "v2"
  case third = "v3"

  /// The drivers' voltages: (selected word line, other word lines,
  /// selected bit line, other bit lines), for a write voltage `v`.
  public func drives(_ v: Double) -> (selectedRow: Double, otherRows: Double, selectedColumn: Double, otherColumns: Double) {
    switch self {
    case .half: return (v / 2, 0, -v / 2, 0)
    case .third: return (v, v / 3, 0, 2 * v / 3)
    }
  }

  /// What a half-selected cell sees with ideal lines, as a share of V.
  public var halfSelectedShare: Double { self == .half ? 0.5 : 1.0 / 3 }
  /// What an unselected cell sees with ideal lines, as a share of V.
  public var unselectedShare: Double { self == .half ? 0 : -1.0 / 3 }
}

extension CrossbarMesh {
  /// This array's conductances and lines, every line driven as `scheme`
  /// biases it to write cell (`row`, `column`) at `voltage` (V).
  ///
  /// - Precondition: `row` in 0..<rows and `column` in 0..<columns.
  public func writing(row: Int, column: Int, voltage: Double, scheme: WriteScheme) -> CrossbarMesh {
    require((0..<rows).contains(row) && (0..<columns).contains(column), "cell (\(row), \(column)) is outside the \(rows)×\(columns) array")
    let d = scheme.drives(voltage)
    var biased = CrossbarMesh(
      rows: rows, columns: columns, conductance: conductance, wires: wires,
      rowTerminations: (0..<rows).map { .source(volts: $0 == row ? d.selectedRow : d.otherRows) },
      columnTerminations: (0..<columns).map { .source(volts: $0 == column ? d.selectedColumn : d.otherColumns) })
    // Each line's terminal resistance stays: now every one is a driver's.
    biased.rowTerminalResistance = rowTerminalResistance
    biased.columnTerminalResistance = columnTerminalResistance
    biased.cellIV = cellIV
    return biased
  }
}

/// What the cells of a solved write bias see: the selected cell's voltage,
/// the half-selected cells' (the selected row's other cells and the
/// selected column's), the unselected cells', and the power each group
/// dissipates. Voltages are word-line node minus bit-line node.
public struct WriteAnalysis: Sendable, Equatable {
  /// A group's least and greatest cell voltage (V), and the power its
  /// cells dissipate (W); nil voltages for an empty group.
  public struct Group: Sendable, Equatable {
    public var count = 0
    public var minimum: Double? = nil
    public var maximum: Double? = nil
    public var power = 0.0

    mutating func add(_ v: Double, _ g: Double, _ iv: CellIV) {
      count += 1
      minimum = Swift.min(minimum ?? v, v)
      maximum = Swift.max(maximum ?? v, v)
      power += g * v * iv.current(atVolts: v)
    }
  }

  /// The selected cell's voltage (V) and power (W).
  public var selectedVoltage: Double
  public var selectedPower: Double
  /// The selected row's other cells, the selected column's other cells,
  /// and every cell on neither.
  public var halfSelectedRow = Group()
  public var halfSelectedColumn = Group()
  public var unselected = Group()
  /// Σ V·I over every line's driver (W): the cells' and the lines'
  /// dissipation.
  public var suppliedPower: Double
  /// The lines' dissipation, Σ ΔV²/r over their segments (W; 0 with ideal
  /// lines), from the node voltages: `suppliedPower` less `cellPower` up
  /// to rounding (which can make that difference negative).
  public var linePower = 0.0
  /// What the terminal resistances dissipate, Σ I²·R over the lines'
  /// terminations (W; 0 without them); not part of `linePower`.
  public var terminalPower = 0.0

  /// The analysis of `solution`, a solve of `mesh` biased to write cell
  /// (`row`, `column`).
  ///
  /// - Precondition: the cell is in the array, and `solution` is of its shape.
  public init(_ mesh: CrossbarMesh, _ solution: MeshSolution, row: Int, column: Int) {
    require(
      (0..<mesh.rows).contains(row) && (0..<mesh.columns).contains(column),
      "cell (\(row), \(column)) is outside the \(mesh.rows)×\(mesh.columns) array")
    require(solution.rows == mesh.rows && solution.columns == mesh.columns, "the solution is not of the mesh's shape")
    let n = mesh.columns
    func v(_ i: Int, _ j: Int) -> Double { solution.wordNodeVoltage[i * n + j] - solution.bitNodeVoltage[i * n + j] }
    selectedVoltage = v(row, column)
    // A cell dissipates V·I = G·V·f(V) (V² G with linear cells).
    selectedPower = mesh.conductance[row * n + column] * selectedVoltage * mesh.cellIV.current(atVolts: selectedVoltage)
    suppliedPower = solution.power(mesh: mesh)
    let w = solution.wordNodeVoltage, b = solution.bitNodeVoltage, m = mesh.rows
    let rr = mesh.wires.rowSegmentResistance, rc = mesh.wires.columnSegmentResistance
    let rd = mesh.rowTerminalResistance, rs = mesh.columnTerminalResistance
    // A terminal segment's current I = ΔV/(r + R) heats r by I²·r (and
    // the terminal resistance by I²·R: `terminalPower`).
    func terminal(_ drop: Double, _ r: Double, _ big: Double) {
      guard big > 0 else { linePower += drop * drop / r; return }
      let i = drop / (r + big)
      linePower += i * i * r
    }
    terminalPower = solution.terminalPower(mesh: mesh)
    for i in 0..<m {
      if rr + rd > 0, let p = mesh.rowTerminations[i].volts { terminal(p - w[i * n], rr, rd) }
      if rr > 0 {
        for j in 1..<n { linePower += (w[i * n + j - 1] - w[i * n + j]) * (w[i * n + j - 1] - w[i * n + j]) / rr }
      }
    }
    for j in 0..<n {
      if rc > 0 {
        for i in 0..<(m - 1) { linePower += (b[i * n + j] - b[(i + 1) * n + j]) * (b[i * n + j] - b[(i + 1) * n + j]) / rc }
      }
      if rc + rs > 0, let t = mesh.columnTerminations[j].volts { terminal(b[(m - 1) * n + j] - t, rc, rs) }
    }
    for i in 0..<mesh.rows {
      for j in 0..<n where !(i == row && j == column) {
        let g = mesh.conductance[i * n + j]
        if i == row {
          halfSelectedRow.add(v(i, j), g, mesh.cellIV)
        } else if j == column {
          halfSelectedColumn.add(v(i, j), g, mesh.cellIV)
        } else {
          unselected.add(v(i, j), g, mesh.cellIV)
        }
      }
    }
  }

  /// The power dissipated in the cells (W); the rest of `suppliedPower` is
  /// the lines' and the terminal resistances'.
  public var cellPower: Double { selectedPower + halfSelectedRow.power + halfSelectedColumn.power + unselected.power }
}
