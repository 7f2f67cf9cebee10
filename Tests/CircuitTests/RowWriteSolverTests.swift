import Circuit
import Foundation
import Testing
import _TestSupport

/// `RowWriteSolver`: one row-by-row V/2 write slot through resistive lines,
/// the undriven lines taken at 0 V. Against the closed form of one cell,
/// a dense solve of the same model, the ideal limit, and the whole mesh's
/// nodal solve (which measures what the model leaves out).
@Suite("Row write slots through the lines")
struct RowWriteSolverTests {
  static func conductances(_ m: Int, _ n: Int, seed: UInt64, low: Double = 0, high: Double = 1e-5) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    return (0..<(m * n)).map { _ in low + (high - low) * rng.nextUniform() }
  }

  static func shares(
    _ g: [Double], _ m: Int, _ n: Int, wires: WireModel, row: Int, columns: [Int]
  ) -> [Double] {
    let solver = RowWriteSolver(rows: m, columns: n, wires: wires)
    var out = [Double](repeating: .nan, count: columns.count)
    let list = columns.map(Int32.init)
    g.withUnsafeBufferPointer { gp in
      solver.prepare(gp.baseAddress!)
      list.withUnsafeBufferPointer { l in
        out.withUnsafeMutableBufferPointer { o in
          solver.slot(row: row, columns: l.baseAddress!, count: l.count, conductance: gp.baseAddress!, into: o.baseAddress!)
        }
      }
    }
    return out
  }

  /// The same model, assembled and solved densely: the driven word line's
  /// N nodes and each driven bit line's M nodes; every other line at 0 V.
  static func denseModel(
    _ g: [Double], _ m: Int, _ n: Int, wires: WireModel, row i: Int, columns: [Int]
  ) -> [Double] {
    let k = columns.count, size = n + k * m
    var a = [Double](repeating: 0, count: size * size), b = [Double](repeating: 0, count: size)
    func add(_ p: Int, _ q: Int, _ c: Double) {
      a[p * size + p] += c
      a[q * size + q] += c
      a[p * size + q] -= c
      a[q * size + p] -= c
    }
    let gr = 1 / wires.rowSegmentResistance, gc = 1 / wires.columnSegmentResistance
    let wordSource = 1 / (wires.rowSegmentResistance + wires.rowTerminalResistance)
    let bitSource = 1 / (wires.columnSegmentResistance + wires.columnTerminalResistance)
    for j in 0..<(n - 1) { add(j, j + 1, gr) }
    a[0] += wordSource
    b[0] += 0.5 * wordSource
    let drivenSet = Set(columns)
    for j in 0..<n where !drivenSet.contains(j) { a[j * size + j] += g[i * n + j] }
    for (q, j) in columns.enumerated() {
      let node = { (r: Int) in n + q * m + r }
      for r in 0..<(m - 1) { add(node(r), node(r + 1), gc) }
      let last = node(m - 1)
      a[last * size + last] += bitSource
      b[last] += -0.5 * bitSource
      for r in 0..<m where r != i { a[node(r) * size + node(r)] += g[r * n + j] }
      add(j, node(i), g[i * n + j])
    }
    let x = denseSolve(a, b, size: size)
    return columns.enumerated().map { q, j in x[j] - x[n + q * m + i] }
  }

  /// The whole mesh, every line behind its terminal: the reference the
  /// model approximates.
  static func wholeMesh(
    _ g: [Double], _ m: Int, _ n: Int, wires: WireModel, row i: Int, columns: [Int]
  ) throws -> [Double] {
    let driven = Set(columns)
    let mesh = CrossbarMesh(
      rows: m, columns: n, conductance: g, wires: wires,
      rowTerminations: (0..<m).map { .source(volts: $0 == i ? 0.5 : 0) },
      columnTerminations: (0..<n).map { .source(volts: driven.contains($0) ? -0.5 : 0) })
    let s = try NodalSolver(options: .init(tolerance: 1e-13)).solve(mesh)
    return columns.map { s.wordNodeVoltage[i * n + $0] - s.bitNodeVoltage[i * n + $0] }
  }

  @Test("one cell between its drivers: 1/(1 + G·(r_row + R_d + r_col + R_s))")
  func oneCell() {
    for (w, g) in [
      (WireModel(rowSegmentResistance: 1, columnSegmentResistance: 2), 1e-4),
      (WireModel(rowSegmentResistance: 3, columnSegmentResistance: 0.5, rowTerminalResistance: 100, columnTerminalResistance: 1e3), 1e-3),
    ] {
      let got = Self.shares([g], 1, 1, wires: w, row: 0, columns: [0])[0]
      let r = w.rowSegmentResistance + w.rowTerminalResistance + w.columnSegmentResistance + w.columnTerminalResistance
      let want = 1 / (1 + g * r)
      #expect(abs(got - want) <= 1e-15 * want)
    }
  }

  @Test("equals a dense solve of the same model", arguments: [(1, 7), (9, 1), (6, 5), (13, 11)])
  func denseModel(_ m: Int, _ n: Int) {
    var rng = SeededGenerator(seed: UInt64(m * 31 + n))
    for trial in 0..<6 {
      let g = Self.conductances(m, n, seed: UInt64(trial + 100 * m + n), high: trial % 2 == 0 ? 1e-4 : 1e-2)
      let w = WireModel(
        rowSegmentResistance: [0.5, 10, 1e3][trial % 3], columnSegmentResistance: [2, 1, 50][trial % 3],
        rowTerminalResistance: trial >= 3 ? 200 : 0, columnTerminalResistance: trial >= 4 ? 30 : 0)
      let row = Int(rng.next() % UInt64(m))
      var columns = (0..<n).filter { _ in rng.nextUniform() < 0.6 }
      if columns.isEmpty { columns = [n - 1] }
      columns.shuffle(using: &rng)
      let got = Self.shares(g, m, n, wires: w, row: row, columns: columns)
      let want = Self.denseModel(g, m, n, wires: w, row: row, columns: columns)
      for q in 0..<columns.count {
        #expect(abs(got[q] - want[q]) <= 1e-12, "\(m)×\(n) trial \(trial) column \(columns[q]): \(got[q]) vs \(want[q])")
      }
    }
  }

  @Test("a cell written alone: cellShare is the slot of its one column")
  func cellShareIsTheOneColumnSlot() {
    for (m, n, seed) in [(1, 1, 1), (7, 1, 2), (1, 9, 3), (23, 17, 4)] {
      let g = Self.conductances(m, n, seed: UInt64(seed), high: 1e-3)
      let w = WireModel(rowSegmentResistance: 2, columnSegmentResistance: 5, rowTerminalResistance: 40, columnTerminalResistance: seed % 2 == 0 ? 0 : 70)
      let solver = RowWriteSolver(rows: m, columns: n, wires: w)
      g.withUnsafeBufferPointer { gp in
        solver.prepare(gp.baseAddress!)
        // Rows out of order, to exercise the row kept between calls.
        for i in [m - 1, 0, m / 2, m / 2, 0] {
          for j in 0..<n {
            var c = Int32(j), one = 0.0
            solver.slot(row: i, columns: &c, count: 1, conductance: gp.baseAddress!, into: &one)
            let alone = solver.cellShare(row: i, column: j, conductance: gp.baseAddress!)
            #expect(abs(alone - one) <= 1e-14, "\(m)×\(n) cell (\(i), \(j)): \(alone) vs \(one)")
          }
        }
      }
    }
  }

  @Test("lines of vanishing resistance give every selected cell V")
  func idealLimit() {
    let g = Self.conductances(40, 30, seed: 5, high: 1e-4)
    let shares = Self.shares(g, 40, 30, wires: WireModel(rowSegmentResistance: 1e-9, columnSegmentResistance: 1e-9), row: 39, columns: Array(0..<30))
    for s in shares { #expect(abs(s - 1) <= 1e-9) }
  }

  @Test("a cell's share falls with the lines and with its distance from the drivers")
  func monotone() {
    let g = [Double](repeating: 1e-5, count: 50 * 40)
    var previous = [Double](repeating: 1, count: 40)
    for r in [0.1, 1.0, 10.0] {
      let s = Self.shares(g, 50, 40, wires: WireModel(rowSegmentResistance: r, columnSegmentResistance: r), row: 0, columns: Array(0..<40))
      for j in 0..<40 { #expect(s[j] < previous[j]) }
      for j in 1..<40 { #expect(s[j] < s[j - 1]) }  // farther along the word line
      previous = s
    }
    // Row 0 is the farthest from the bit lines' drivers.
    let near = Self.shares(g, 50, 40, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1), row: 49, columns: [5])[0]
    let far = Self.shares(g, 50, 40, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1), row: 0, columns: [5])[0]
    #expect(near > far)
  }

  /// What the model leaves out, measured: against the whole mesh (every
  /// line resistive behind its terminal, solved by `NodalSolver`), each
  /// share is below the whole mesh's (the undriven lines, taken at 0 V,
  /// are pulled towards the driven ones and unload them), by at most 8 %
  /// of the whole mesh's drop 1 − φ (measured up to 7 %: 96×48 at 60 Ω
  /// with 90 % of the columns driven; 3.1 % on 785×200 at 1 Ω, README).
  @Test(
    "its shares lie just below the whole mesh's",
    arguments: [
      // (rows, columns, r, share of columns driven, r_driver, r_sense)
      (96, 48, 20.0, 0.5, 0.0, 0.0), (96, 48, 20.0, 0.95, 0.0, 0.0), (96, 48, 60.0, 0.9, 0.0, 0.0),
      (96, 48, 20.0, 0.5, 100.0, 300.0), (96, 48, 20.0, 0.5, 3e3, 3e3), (200, 20, 5.0, 0.5, 0.0, 0.0),
      (30, 60, 40.0, 0.3, 0.0, 50.0),
    ])
  func belowTheWholeMesh(_ m: Int, _ n: Int, _ r: Double, _ driven: Double, _ rd: Double, _ rs: Double) throws {
    let g = Self.conductances(m, n, seed: 7, high: 1e-5)
    let w = WireModel(rowSegmentResistance: r, columnSegmentResistance: r, rowTerminalResistance: rd, columnTerminalResistance: rs)
    var rng = SeededGenerator(seed: 3)
    var worst = 0.0
    for row in [0, m / 2, m - 1] {
      let columns = (0..<n).filter { _ in rng.nextUniform() < driven }
      let model = Self.shares(g, m, n, wires: w, row: row, columns: columns)
      let whole = try Self.wholeMesh(g, m, n, wires: w, row: row, columns: columns)
      for q in columns.indices {
        #expect(model[q] <= whole[q] + 1e-12, "row \(row) column \(columns[q]): \(model[q]) above \(whole[q])")
        worst = max(worst, (whole[q] - model[q]) / (1 - whole[q]))
      }
    }
    #expect(worst <= 0.08, "\(worst) of the drop")
  }
}
