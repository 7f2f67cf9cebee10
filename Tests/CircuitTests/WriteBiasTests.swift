import Circuit
import Testing
import _TestSupport

/// A write bias (`WriteScheme`, `CrossbarMesh.writing`, `WriteAnalysis`):
/// the closed forms with ideal lines and one cell, the dense reference, the
/// superposition of a forward and a transposed solve, and the power balance.
@Suite("Write bias")
struct WriteBiasTests {
  static func solve(_ mesh: CrossbarMesh) throws -> MeshSolution {
    try NodalSolver(options: .init(tolerance: 1e-14)).solve(mesh)
  }

  @Test("with ideal lines every cell sees its scheme's share of V", arguments: WriteScheme.allCases)
  func idealLines(_ scheme: WriteScheme) throws {
    let mesh = randomMesh(rows: 4, columns: 5, r: 0, seed: 3).writing(row: 2, column: 1, voltage: 1.8, scheme: scheme)
    let a = WriteAnalysis(mesh, try Self.solve(mesh), row: 2, column: 1)
    #expect(a.selectedVoltage == 1.8)
    let half = 1.8 * scheme.halfSelectedShare, none = 1.8 * scheme.unselectedShare
    for g in [a.halfSelectedRow, a.halfSelectedColumn] {
      #expect(abs(g.minimum! - half) <= 1e-15 && abs(g.maximum! - half) <= 1e-15)
    }
    #expect(abs(a.unselected.minimum! - none) <= 1e-15 && abs(a.unselected.maximum! - none) <= 1e-15)
    #expect(a.halfSelectedRow.count == 4 && a.halfSelectedColumn.count == 3 && a.unselected.count == 12)
    // Σ G·v² over the groups, and nothing in the lines.
    let g = mesh.conductance
    let expected = (0..<20).reduce(0.0) { s, k in
      let (i, j) = (k / 5, k % 5)
      let v = i == 2 && j == 1 ? 1.8 : (i == 2 || j == 1) ? half : none
      return s + g[k] * v * v
    }
    #expect(abs(a.cellPower - expected) <= 1e-15 * expected)
    #expect(abs(a.suppliedPower - expected) <= 1e-12 * expected)
    #expect(a.linePower == 0)
  }

  /// One cell between its two drivers: V/(1 + G·(r_row + r_col)).
  @Test(arguments: [(1.0, 1.0), (100.0, 50.0), (1e4, 3e3)])
  func oneCellIsADivider(_ rRow: Double, _ rCol: Double) throws {
    let g = 1e-4
    for scheme in WriteScheme.allCases {
      let mesh = CrossbarMesh(
        rows: 1, columns: 1, conductance: [g], wires: WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol),
        rowVoltages: [0]
      ).writing(row: 0, column: 0, voltage: 2, scheme: scheme)
      let a = WriteAnalysis(mesh, try Self.solve(mesh), row: 0, column: 0)
      let v = 2 / (1 + g * (rRow + rCol))
      #expect(abs(a.selectedVoltage - v) <= 1e-12 * v, "\(scheme)")
      // The lines take I²·(r_row + r_col) of it.
      let i = g * v
      #expect(abs(a.linePower - i * i * (rRow + rCol)) <= 1e-9 * i * i * (rRow + rCol))
    }
  }

  /// Against the dense elimination of the whole nodal matrix, and the
  /// power balance: what the drivers supply, the cells and lines dissipate.
  @Test(arguments: [1.0, 100.0, 1e4])
  func agreesWithTheDenseReference(_ r: Double) throws {
    for scheme in WriteScheme.allCases {
      let mesh = randomMesh(rows: 5, columns: 6, r: r, seed: 11).writing(row: 0, column: 5, voltage: 1.2, scheme: scheme)
      let sol = try Self.solve(mesh)
      let (w, b) = denseMeshSolve(mesh)
      for k in 0..<30 {
        #expect(abs(sol.wordNodeVoltage[k] - w[k]) <= 1e-11, "word node \(k)")
        #expect(abs(sol.bitNodeVoltage[k] - b[k]) <= 1e-11, "bit node \(k)")
      }
      let a = WriteAnalysis(mesh, sol, row: 0, column: 5)
      #expect(abs(a.selectedVoltage - (w[5] - b[5])) <= 1e-11)
      #expect(abs(a.suppliedPower - (a.cellPower + a.linePower)) <= 1e-9 * a.suppliedPower)
      // Kirchhoff: the drivers' currents sum to zero.
      let total = sol.rowTerminalCurrent.reduce(0, +) + sol.columnTerminalCurrent.reduce(0, +)
      #expect(abs(total) <= 1e-12 * sol.rowTerminalCurrent.map(abs).reduce(0, +))
      // The lines drop: the farthest cell sees less than V, more than 0.
      #expect(a.selectedVoltage < 1.2 && a.selectedVoltage > 0)
    }
  }

  /// The mesh is linear: the write bias is a forward solve of its word-line
  /// drives (bit lines at 0 V) plus a transposed solve of its bit-line
  /// drives (word lines at 0 V).
  @Test func isTheSumOfAForwardAndATransposedSolve() throws {
    let base = randomMesh(rows: 6, columns: 4, r: 20, seed: 5)
    let mesh = base.writing(row: 3, column: 2, voltage: 1, scheme: .third)
    let rowsOnly = CrossbarMesh(
      rows: 6, columns: 4, conductance: base.conductance, wires: base.wires,
      rowTerminations: mesh.rowTerminations, columnTerminations: Array(repeating: .source(volts: 0), count: 4))
    let columnsOnly = CrossbarMesh(
      rows: 6, columns: 4, conductance: base.conductance, wires: base.wires,
      rowTerminations: Array(repeating: .source(volts: 0), count: 6), columnTerminations: mesh.columnTerminations)
    let s = try Self.solve(mesh), f = try Self.solve(rowsOnly), t = try Self.solve(columnsOnly)
    for k in 0..<24 {
      #expect(abs(s.wordNodeVoltage[k] - f.wordNodeVoltage[k] - t.wordNodeVoltage[k]) <= 1e-12)
      #expect(abs(s.bitNodeVoltage[k] - f.bitNodeVoltage[k] - t.bitNodeVoltage[k]) <= 1e-12)
    }
  }

  /// A non-uniform array can push a half-selected cell past V/2 under the
  /// V/2 scheme (a walkthrough, session 56: the selected cell in a column of
  /// HRS cells in an LRS array; the README had said V/2 was never passed).
  @Test func anHRSColumnInAnLRSArrayPassesHalfTheVoltage() throws {
    var g = [Double](repeating: 1e-4, count: 64)
    for i in 0..<8 { g[i * 8 + 7] = 1e-7 }
    let mesh = CrossbarMesh(
      rows: 8, columns: 8, conductance: g, wires: WireModel(rowSegmentResistance: 100, columnSegmentResistance: 100),
      rowVoltages: [Double](repeating: 0, count: 8)
    ).writing(row: 0, column: 7, voltage: 1, scheme: .half)
    let a = WriteAnalysis(mesh, try Self.solve(mesh), row: 0, column: 7)
    let (w, b) = denseMeshSolve(mesh)
    let column: [Double] = (1..<8).map { (i: Int) -> Double in w[i * 8 + 7] - b[i * 8 + 7] }
    let dense = column.max()!
    #expect(abs(a.halfSelectedColumn.maximum! - dense) <= 1e-11)
    #expect(a.halfSelectedColumn.maximum! > 0.504 && a.halfSelectedColumn.minimum! > 0.5)
    // On a uniform array of the same cells, below V/2.
    let uniform = CrossbarMesh(
      rows: 8, columns: 8, conductance: [Double](repeating: 1e-4, count: 64), wires: mesh.wires,
      rowVoltages: [Double](repeating: 0, count: 8)
    ).writing(row: 0, column: 7, voltage: 1, scheme: .half)
    #expect(WriteAnalysis(uniform, try Self.solve(uniform), row: 0, column: 7).halfSelectedColumn.maximum! < 0.5)
  }

  /// The line power with r_row ≠ r_col on a multi-row array: the balance
  /// holds with each kind's r (a mutation audit, session 56: bit lines'
  /// segments over r_row had passed).
  @Test(arguments: [(10.0, 300.0), (300.0, 10.0)])
  func linePowerUsesEachKindsResistance(_ rRow: Double, _ rCol: Double) throws {
    var base = randomMesh(rows: 4, columns: 3, r: 1, seed: 7)
    base.wires = WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol)
    let mesh = base.writing(row: 1, column: 2, voltage: -1.3, scheme: .third)
    let a = WriteAnalysis(mesh, try Self.solve(mesh), row: 1, column: 2)
    #expect(abs(a.suppliedPower - (a.cellPower + a.linePower)) <= 1e-9 * a.suppliedPower)
    #expect(abs(a.selectedPower - mesh.conductance[5] * a.selectedVoltage * a.selectedVoltage) <= 1e-18)
  }

  /// r → 0 reaches the ideal shares; a larger r drops more.
  @Test func smallerLinesDropLess() throws {
    var last = 0.0
    for r in [1e3, 1e2, 10, 1, 1e-3, 1e-6] {
      let mesh = randomMesh(rows: 8, columns: 8, r: r, seed: 2).writing(row: 0, column: 7, voltage: 1, scheme: .half)
      let v = WriteAnalysis(mesh, try Self.solve(mesh), row: 0, column: 7).selectedVoltage
      #expect(v > last, "r \(r): \(v) after \(last)")
      last = v
    }
    #expect(abs(last - 1) <= 1e-7)
  }
}
