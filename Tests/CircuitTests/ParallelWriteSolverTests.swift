import Circuit
import Foundation
import Testing
import _TestSupport

/// `ParallelWriteSolver`: one fully parallel V/2 write slot (many word and
/// bit lines driven at once) through resistive lines, the undriven lines
/// at 0 V. Against `RowWriteSolver` (one driven row: the same model),
/// a dense solve of the same model, the ideal limit, monotonicity in the
/// driven lines, and the whole mesh's nodal solve.
@Suite("Parallel write slots through the lines")
struct ParallelWriteSolverTests {
  /// Conductances uniform in [low, high] S, as Float (the solver's input)
  /// and exactly as Double.
  static func conductances(_ m: Int, _ n: Int, seed: UInt64, high: Double = 1e-5) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<(m * n)).map { _ in Float(high * rng.nextUniform()) }
  }

  /// Every coincident cell's share, row-major over (rows, columns) as listed.
  static func shares(
    _ g: [Float], _ m: Int, _ n: Int, wires: WireModel, rows: [Int], columns: [Int], tolerance: Double = 1e-13
  ) -> (shares: [Double], sweeps: Int, converged: Bool) {
    let solver = ParallelWriteSolver(rows: m, columns: n, wires: wires)
    solver.tolerance = tolerance
    let r = rows.map(Int32.init), c = columns.map(Int32.init)
    let ok = g.withUnsafeBufferPointer { gp in
      solver.solve(rows: r, rowCount: r.count, columns: c, columnCount: c.count, conductance: gp.baseAddress!, scale: 1)
    }
    return (rows.flatMap { i in columns.map { solver.share(row: i, column: $0) } }, solver.lastSweeps, ok)
  }

  /// The same model assembled and solved densely: the driven word lines'
  /// nodes and the driven bit lines' nodes; every other line at 0 V.
  static func denseModel(_ g: [Float], _ m: Int, _ n: Int, wires: WireModel, rows: [Int], columns: [Int]) -> [Double] {
    let nr = rows.count, nc = columns.count, size = nr * n + nc * m
    var a = [Double](repeating: 0, count: size * size), b = [Double](repeating: 0, count: size)
    func add(_ p: Int, _ q: Int, _ c: Double) {
      a[p * size + p] += c
      a[q * size + q] += c
      a[p * size + q] -= c
      a[q * size + p] -= c
    }
    func wordNode(_ r: Int, _ j: Int) -> Int { r * n + j }
    func bitNode(_ c: Int, _ i: Int) -> Int { nr * n + c * m + i }
    let gr = 1 / wires.rowSegmentResistance, gc = 1 / wires.columnSegmentResistance
    let wordSource = 1 / (wires.rowSegmentResistance + wires.rowTerminalResistance)
    let bitSource = 1 / (wires.columnSegmentResistance + wires.columnTerminalResistance)
    let rowOf = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1, $0) })
    let columnOf = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
    for r in 0..<nr {
      for j in 0..<(n - 1) { add(wordNode(r, j), wordNode(r, j + 1), gr) }
      a[wordNode(r, 0) * size + wordNode(r, 0)] += wordSource
      b[wordNode(r, 0)] += 0.5 * wordSource
    }
    for c in 0..<nc {
      for i in 0..<(m - 1) { add(bitNode(c, i), bitNode(c, i + 1), gc) }
      let last = bitNode(c, m - 1)
      a[last * size + last] += bitSource
      b[last] -= 0.5 * bitSource
    }
    for i in 0..<m {
      for j in 0..<n {
        let cell = Double(g[i * n + j])
        switch (rowOf[i], columnOf[j]) {
        case let (r?, c?): add(wordNode(r, j), bitNode(c, i), cell)
        case let (r?, nil): a[wordNode(r, j) * size + wordNode(r, j)] += cell
        case let (nil, c?): a[bitNode(c, i) * size + bitNode(c, i)] += cell
        case (nil, nil): break
        }
      }
    }
    let x = denseSolve(a, b, size: size)
    return rows.indices.flatMap { r in columns.indices.map { c in x[wordNode(r, columns[c])] - x[bitNode(c, rows[r])] } }
  }

  /// The whole mesh, every line behind its terminal.
  static func wholeMesh(_ g: [Float], _ m: Int, _ n: Int, wires: WireModel, rows: [Int], columns: [Int]) throws -> [Double] {
    let dr = Set(rows), dc = Set(columns)
    let mesh = CrossbarMesh(
      rows: m, columns: n, conductance: g.map(Double.init), wires: wires,
      rowTerminations: (0..<m).map { .source(volts: dr.contains($0) ? 0.5 : 0) },
      columnTerminations: (0..<n).map { .source(volts: dc.contains($0) ? -0.5 : 0) })
    let s = try NodalSolver(options: .init(tolerance: 1e-13)).solve(mesh)
    return rows.flatMap { i in columns.map { s.wordNodeVoltage[i * n + $0] - s.bitNodeVoltage[i * n + $0] } }
  }

  static func pick(_ count: Int, _ p: Double, _ rng: inout SeededGenerator) -> [Int] {
    let l = (0..<count).filter { _ in rng.nextUniform() < p }
    return l.isEmpty ? [count - 1] : l
  }

  @Test("one driven row: RowWriteSolver's shares", arguments: [(12, 9), (40, 25)])
  func oneRowIsTheRowSlot(_ m: Int, _ n: Int) {
    var rng = SeededGenerator(seed: UInt64(m + n))
    for trial in 0..<4 {
      let g = Self.conductances(m, n, seed: UInt64(trial), high: trial % 2 == 0 ? 1e-4 : 1e-3)
      let w = WireModel(
        rowSegmentResistance: [1, 20][trial % 2], columnSegmentResistance: [3, 5][trial % 2],
        rowTerminalResistance: trial >= 2 ? 100 : 0, columnTerminalResistance: trial >= 3 ? 40 : 0)
      let row = Int(rng.next() % UInt64(m)), columns = Self.pick(n, 0.5, &rng)
      let got = Self.shares(g, m, n, wires: w, rows: [row], columns: columns)
      #expect(got.converged)
      let want = RowWriteSolverTests.shares(g.map(Double.init), m, n, wires: w, row: row, columns: columns)
      for q in columns.indices { #expect(abs(got.shares[q] - want[q]) <= 1e-11, "trial \(trial): \(got.shares[q]) vs \(want[q])") }
    }
  }

  @Test("equals a dense solve of the same model", arguments: [(7, 6), (13, 11), (5, 17)])
  func denseModel(_ m: Int, _ n: Int) {
    var rng = SeededGenerator(seed: UInt64(m * 7 + n))
    for trial in 0..<5 {
      let g = Self.conductances(m, n, seed: UInt64(50 + trial), high: trial % 2 == 0 ? 1e-3 : 1e-2)
      let w = WireModel(
        rowSegmentResistance: [0.5, 10, 30][trial % 3], columnSegmentResistance: [2, 1, 20][trial % 3],
        rowTerminalResistance: trial >= 3 ? 50 : 0, columnTerminalResistance: trial >= 4 ? 20 : 0)
      let rows = Self.pick(m, 0.5, &rng), columns = Self.pick(n, 0.4, &rng)
      let got = Self.shares(g, m, n, wires: w, rows: rows, columns: columns)
      #expect(got.converged)
      let want = Self.denseModel(g, m, n, wires: w, rows: rows, columns: columns)
      for q in want.indices { #expect(abs(got.shares[q] - want[q]) <= 1e-10, "\(m)×\(n) trial \(trial): \(got.shares[q]) vs \(want[q])") }
      // The lines take a visible part of V.
      #expect(got.shares.min()! < 0.999)
    }
  }

  @Test("the ideal limit: every coincident cell sees V")
  func idealLimit() {
    let g = Self.conductances(30, 20, seed: 3)
    let got = Self.shares(g, 30, 20, wires: WireModel(rowSegmentResistance: 1e-9, columnSegmentResistance: 1e-9), rows: [0, 5, 29], columns: [0, 7, 19])
    #expect(got.shares.allSatisfy { abs($0 - 1) < 1e-9 })
  }

  @Test("more driven lines never raise a coincident cell's share")
  func monotoneInTheDrivenLines() {
    let (m, n) = (60, 30)
    let g = Self.conductances(m, n, seed: 9, high: 1e-4)
    let w = WireModel(rowSegmentResistance: 5, columnSegmentResistance: 5)
    let few = Self.shares(g, m, n, wires: w, rows: [10, 40], columns: [3, 20]).shares
    let moreRows = Self.shares(g, m, n, wires: w, rows: [10, 40, 0, 59, 25], columns: [3, 20])
    let moreColumns = Self.shares(g, m, n, wires: w, rows: [10, 40], columns: [3, 20, 29, 0, 12])
    // (rows 10, 40 × columns 3, 20: the first four of each list's shares.)
    let a = [moreRows.shares[0], moreRows.shares[1], moreRows.shares[2], moreRows.shares[3]]
    let b = [moreColumns.shares[0], moreColumns.shares[1], moreColumns.shares[5], moreColumns.shares[6]]
    for q in 0..<4 {
      #expect(a[q] < few[q] && b[q] < few[q], "\(few[q]) → \(a[q]), \(b[q])")
    }
  }

  @Test(
    "against the whole mesh", arguments: [
      // (rows, columns, r, rows driven, columns driven)
      (96, 48, 20.0, 0.3, 0.2), (96, 48, 20.0, 0.8, 0.5), (200, 20, 5.0, 0.2, 0.5), (40, 80, 30.0, 0.5, 0.1),
    ])
  func againstTheWholeMesh(_ m: Int, _ n: Int, _ r: Double, _ pr: Double, _ pc: Double) throws {
    let g = Self.conductances(m, n, seed: 11, high: 1e-5)
    let w = WireModel(rowSegmentResistance: r, columnSegmentResistance: r)
    var rng = SeededGenerator(seed: 5)
    let rows = Self.pick(m, pr, &rng), columns = Self.pick(n, pc, &rng)
    let model = Self.shares(g, m, n, wires: w, rows: rows, columns: columns).shares
    let whole = try Self.wholeMesh(g, m, n, wires: w, rows: rows, columns: columns)
    var worst = 0.0, below = true
    for q in model.indices {
      below = below && model[q] <= whole[q] + 1e-12
      worst = max(worst, abs(whole[q] - model[q]) / (1 - whole[q]))
    }
    print("parallel write \(m)×\(n) r \(r): model below the whole mesh \(below), worst \(worst) of the drop, least share \(whole.min()!)")
    #expect(below)
    #expect(worst <= 0.05, "\(worst) of the drop")
  }
}
