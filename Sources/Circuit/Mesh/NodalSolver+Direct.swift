/// A direct solve of the nodal equations, accurate node by node.
///
/// The conjugate gradients stop on a residual relative to the largest
/// injections, so a node voltage far below the drives (the far cells
/// behind word lines of large G·r) can be wrong in every digit, and the
/// output it feeds with it (a walkthrough, session 52: up to 32,000 times,
/// one sign flipped). This solve eliminates the nodes in a banded order
/// the way Grassmann, Taksar and Heyman (1985) solve Markov chains: the
/// nodal matrix is an M-matrix, stored as its off-diagonal conductances
/// n_pq ≥ 0 and its row sums e_p ≥ 0 (a node's conductance to the
/// sources), and eliminating node k only adds products of those:
///
///     d_k = e_k + Σ_q n_kq,   n_ij += n_ik·n_kj/d_k,   e_i += n_ik·e_k/d_k,
///
/// so no diagonal is formed by subtraction, and the substitutions, run
/// separately on the positive and the negative injections, add positive
/// terms only. Every node voltage of each part then carries a relative
/// error of a few ulps times the number of eliminations, whatever its
/// size (O'Cinneide 1993; Alfa, Xue and Ye 2002); a difference of the two
/// parts loses digits only where the drives themselves cancel (ε times the
/// ratio of the parts to their difference: a review, session 54, found
/// 1.5e-9 on outputs 1e-7 of their parts; a signed substitution did no
/// better).
///
/// Nodes are ordered (line position, cell, word or bit) along the longer
/// dimension, so the band is 2·L wide with L = min(M, N): the factorisation
/// costs about 2·M·N·(2L)²/2 multiply-adds and 2·M·N·2L doubles
/// (``directCost(rows:columns:)``).
extension NodalSolver {
  /// Multiply-adds and doubles of the direct solve of an M×N mesh:
  /// 2·M·N·(2L)²/2 and 2·M·N·2L, L = min(M, N).
  public static func directCost(rows m: Int, columns n: Int) -> (operations: Double, doubles: Double) {
    let nodes = 2 * Double(m) * Double(n), band = 2 * Double(min(m, n))
    return (nodes * band * band / 2, nodes * band)
  }

  /// The largest mesh the direct solve takes, in ``directCost(rows:columns:)``'s
  /// operations: 2³⁰, exactly a 128×128 mesh's and a 64×1024 one's
  /// (0.2–0.5 s on our 2-core machine).
  public static let directOperationLimit = Double(1 << 30)

  /// Solves a mesh with both line kinds resistive by banded elimination
  /// (see the extension's comment): with drives of one sign, each node
  /// voltage, and so each output current into a 0 V termination, to a few
  /// ulps times the mesh's size relative to itself (with both signs,
  /// relative to the parts it is the difference of), where the conjugate gradients are accurate
  /// relative to the largest currents only. 0 iterations; the relative
  /// KCL residual is computed from the answer.
  ///
  /// - Throws: what ``solve(_:warmStart:)`` throws for a bad or
  ///   ill-conditioned mesh or a floating line, and
  ///   ``ConfigurationError`` (field `r_row` or `r_col`) when a line kind
  ///   is ideal (the line-by-line solve is already exact there) or
  ///   (field `rows`) when the mesh is beyond ``directOperationLimit``.
  public func solveDirect(_ mesh: CrossbarMesh) throws -> MeshSolution {
    try checkSolvable(mesh)
    let rr = mesh.wires.rowSegmentResistance, rc = mesh.wires.columnSegmentResistance
    guard rr > 0 else { throw ConfigurationError(field: "r_row", "the direct solve needs both line kinds resistive") }
    guard rc > 0 else { throw ConfigurationError(field: "r_col", "the direct solve needs both line kinds resistive") }
    let m = mesh.rows, n = mesh.columns
    let cost = Self.directCost(rows: m, columns: n)
    guard cost.operations <= Self.directOperationLimit else {
      throw ConfigurationError(
        field: "rows",
        "a \(m)×\(n) mesh is beyond the direct solve (\(Int(cost.operations)) operations, limit \(Int(Self.directOperationLimit)))")
    }
    try checkFloating(mesh)
    var sol: MeshSolution
    if mesh.needsNewton {
      // (Its residual is Kirchhoff's law with the cells, `nonlinearResidual`.)
      sol = try solveNewton(mesh, warmStart: nil) { lin, source, _ in self.solveBanded(lin, cellSource: source) }
    } else {
      sol = solveBanded(mesh, cellSource: nil)
      sol.relativeResidual = Self.relativeResidual(mesh, sol)
    }
    terminalCurrents(mesh, solution: &sol)
    guard sol.rowTerminalCurrent.allSatisfy(\.isFinite) && sol.columnTerminalCurrent.allSatisfy(\.isFinite) else {
      throw SolverError.overflow
    }
    return sol
  }

  /// The banded elimination of a mesh of linear cells, with a Newton
  /// step's current sources beside them when given; node voltages only.
  func solveBanded(_ mesh: CrossbarMesh, cellSource: [Double]?) -> MeshSolution {
    let m = mesh.rows, n = mesh.columns
    var sol = Self.emptySolution(m, n)
    var band = BandedNodes(mesh)
    if let cellSource {
      for i in 0..<m {
        for j in 0..<n {
          band.inject(band.index(i, j, bit: false), -cellSource[i * n + j])
          band.inject(band.index(i, j, bit: true), cellSource[i * n + j])
        }
      }
    }
    band.eliminate()
    let (plus, minus) = band.voltages()
    for k in 0..<(m * n) {
      let (i, j) = (k / n, k % n)
      let w = band.index(i, j, bit: false), b = band.index(i, j, bit: true)
      sol.wordNodeVoltage[k] = plus[w] - minus[w]
      sol.bitNodeVoltage[k] = plus[b] - minus[b]
    }
    return sol
  }

  /// The normwise backward error of the voltages, ‖i − G·v‖₂ / (‖i‖₂ +
  /// ‖|G|·|v|‖₂) over every node (i: the sources' injections; |G|·|v|:
  /// each node's matrix row in magnitudes against the voltages'), with
  /// the conductances and voltages divided by their largest first (a
  /// review, session 55: 1e135 A injections had overflowed ‖i‖² and
  /// printed a residual of 0). Until session 59 it was ‖i − G·v‖₂ / ‖i‖₂, which the voltages'
  /// own rounding inflates where the injections are tiny beside the
  /// currents along the lines: 0.12 on a 2×3 mesh behind 1e15 Ω terminal
  /// resistances whose outputs were exact to 1e-15 (a walkthrough).
  static func relativeResidual(_ mesh: CrossbarMesh, _ sol: MeshSolution) -> Double {
    let m = mesh.rows, n = mesh.columns
    // Conductances and voltages divided by their largest first: every
    // product below is then at most a few, and none overflows.
    var vMax = 0.0
    for x in sol.wordNodeVoltage { vMax = max(vMax, abs(x)) }
    for x in sol.bitNodeVoltage { vMax = max(vMax, abs(x)) }
    for t in mesh.rowTerminations + mesh.columnTerminations { vMax = max(vMax, abs(t.volts ?? 0)) }
    let gr0 = 1 / mesh.wires.rowSegmentResistance, gc0 = 1 / mesh.wires.columnSegmentResistance
    let gMax = max(mesh.conductance.max() ?? 0, gr0, gc0)
    func scaled(_ x: Double, by largest: Double) -> Double {
      largest > 0 && (1 / largest).isFinite ? x / largest : x
    }
    let gr = scaled(gr0, by: gMax), gc = scaled(gc0, by: gMax)
    let gtr = scaled(mesh.rowTerminalConductance, by: gMax), gtc = scaled(mesh.columnTerminalConductance, by: gMax)
    let w = sol.wordNodeVoltage.map { scaled($0, by: vMax) }, b = sol.bitNodeVoltage.map { scaled($0, by: vMax) }
    let g = mesh.conductance.map { scaled($0, by: gMax) }
    let vRow = mesh.rowTerminations.map { $0.volts.map { scaled($0, by: vMax) } }
    let vCol = mesh.columnTerminations.map { $0.volts.map { scaled($0, by: vMax) } }
    var r2 = 0.0, i2 = 0.0, a2 = 0.0
    for i in 0..<m {
      for j in 0..<n {
        let k = i * n + j
        // Word node, then bit node: the injection, the current out into
        // the neighbours and the termination, and Σ |G_kq|·|v_q| over the
        // node's matrix row.
        var injW = 0.0, outW = g[k] * (w[k] - b[k]), magW = g[k] * (abs(w[k]) + abs(b[k]))
        if j > 0 { outW += gr * (w[k] - w[k - 1]); magW += gr * (abs(w[k]) + abs(w[k - 1])) }
        if j + 1 < n { outW += gr * (w[k] - w[k + 1]); magW += gr * (abs(w[k]) + abs(w[k + 1])) }
        if j == 0, let v = vRow[i] { outW += gtr * w[k]; magW += gtr * abs(w[k]); injW = gtr * v }
        var injB = 0.0, outB = g[k] * (b[k] - w[k]), magB = g[k] * (abs(w[k]) + abs(b[k]))
        if i > 0 { outB += gc * (b[k] - b[k - n]); magB += gc * (abs(b[k]) + abs(b[k - n])) }
        if i + 1 < m { outB += gc * (b[k] - b[k + n]); magB += gc * (abs(b[k]) + abs(b[k + n])) }
        if i == m - 1, let v = vCol[j] { outB += gtc * b[k]; magB += gtc * abs(b[k]); injB = gtc * v }
        let rw = injW - outW, rb = injB - outB
        r2 += rw * rw + rb * rb
        i2 += injW * injW + injB * injB
        a2 += magW * magW + magB * magB
      }
    }
    let denominator = i2.squareRoot() + a2.squareRoot()
    return denominator > 0 ? r2.squareRoot() / denominator : r2.squareRoot()
  }

  /// Lines of M + N nodes the collapsed solve takes (ideal lines behind
  /// terminal resistances): its dense matrix is (M + N)² doubles, 128 MiB.
  public static let collapsedNodeLimit = 4096

  /// Ideal lines behind terminal resistances: each line one node, solved
  /// by the same positive elimination as ``solveDirect(_:)`` (each voltage
  /// to a few ulps of itself with drives of one sign).
  func solveCollapsed(_ mesh: CrossbarMesh, cellSource: [Double]? = nil, solution sol: inout MeshSolution) throws {
    let m = mesh.rows, n = mesh.columns
    let nodes = (mesh.rowTerminalResistance > 0 ? m : 0) + (mesh.columnTerminalResistance > 0 ? n : 0)
    guard nodes <= Self.collapsedNodeLimit else {
      throw ConfigurationError(
        field: "rows",
        "ideal lines behind terminal resistances are solved as one node a line, at most \(Self.collapsedNodeLimit) of them; this \(m)×\(n) mesh has \(nodes)")
    }
    var band = BandedNodes(collapsed: mesh)
    if let cellSource {
      // A cell's current source draws from its word line's node (when the
      // line has one) and feeds its bit line's.
      for i in 0..<m {
        for j in 0..<n where cellSource[i * n + j] != 0 {
          if let p = BandedNodes.collapsedNode(row: i, column: nil, mesh) { band.inject(p, -cellSource[i * n + j]) }
          if let q = BandedNodes.collapsedNode(row: nil, column: j, mesh) { band.inject(q, cellSource[i * n + j]) }
        }
      }
    }
    band.eliminate()
    let (plus, minus) = band.voltages()
    func voltage(_ node: Int?, else v: Double) -> Double { node.map { plus[$0] - minus[$0] } ?? v }
    for i in 0..<m {
      let u = voltage(BandedNodes.collapsedNode(row: i, column: nil, mesh), else: mesh.rowTerminations[i].volts ?? 0)
      for j in 0..<n { sol.wordNodeVoltage[i * n + j] = u }
    }
    for j in 0..<n {
      let w = voltage(BandedNodes.collapsedNode(row: nil, column: j, mesh), else: mesh.columnTerminations[j].volts ?? 0)
      for i in 0..<m { sol.bitNodeVoltage[i * n + j] = w }
    }
  }
}

/// The nodal matrix of a mesh in the band of the direct solve: for node p,
/// `upper[p·width + t − 1]` is the conductance n_{p,p+t} ≥ 0 to node p + t
/// (t = 1…width), `excess[p]` its conductance to the sources, and the
/// injections split by sign.
struct BandedNodes {
  /// True when nodes run column by column (M < N), so the band is 2·M.
  let byColumns: Bool
  /// Cells per line position: L = min(M, N).
  let lineLength: Int
  let width: Int
  let count: Int
  var upper: [Double]
  var excess: [Double]
  var pivot: [Double]
  var plus: [Double]
  var minus: [Double]

  /// Node (i, j), word or bit: 2·(a·L + b) + (bit ? 1 : 0), with (a, b) =
  /// (i, j) row by row, (j, i) column by column.
  @inline(__always)
  func index(_ i: Int, _ j: Int, bit: Bool) -> Int {
    2 * (byColumns ? j * lineLength + i : i * lineLength + j) + (bit ? 1 : 0)
  }

  init(_ mesh: CrossbarMesh) {
    let m = mesh.rows, n = mesh.columns
    byColumns = m < n
    lineLength = min(m, n)
    width = 2 * lineLength
    count = 2 * m * n
    upper = [Double](repeating: 0, count: count * width)
    excess = [Double](repeating: 0, count: count)
    pivot = [Double](repeating: 0, count: count)
    plus = [Double](repeating: 0, count: count)
    minus = [Double](repeating: 0, count: count)
    let gr = 1 / mesh.wires.rowSegmentResistance, gc = 1 / mesh.wires.columnSegmentResistance
    for i in 0..<m {
      for j in 0..<n {
        let w = index(i, j, bit: false), b = index(i, j, bit: true)
        link(w, b, mesh.conductance[i * n + j])
        if j + 1 < n { link(w, index(i, j + 1, bit: false), gr) }
        if i + 1 < m { link(b, index(i + 1, j, bit: true), gc) }
      }
      if let v = mesh.rowTerminations[i].volts { source(index(i, 0, bit: false), mesh.rowTerminalConductance, v) }
    }
    for j in 0..<n {
      if let v = mesh.columnTerminations[j].volts { source(index(m - 1, j, bit: true), mesh.columnTerminalConductance, v) }
    }
  }

  /// The nodal matrix of a mesh of ideal lines behind terminal
  /// resistances: one node per line (a line without a terminal resistance
  /// is at its source's voltage, a source to the lines across its cells),
  /// every node joined to every other, the longer side's lines first (each
  /// joins only the other side's, so eliminating them costs
  /// max(M, N)·min(M, N)²/2 multiply-adds, then min(M, N)³/3).
  /// `nodeOfRow[i]`, `nodeOfColumn[j]`: each line's node, or nil.
  init(collapsed mesh: CrossbarMesh) {
    let m = mesh.rows, n = mesh.columns
    let rowsFree = mesh.rowTerminalResistance > 0, colsFree = mesh.columnTerminalResistance > 0
    let rowsFirst = m >= n
    let rowCount = rowsFree ? m : 0, colCount = colsFree ? n : 0
    byColumns = false
    lineLength = 0
    count = rowCount + colCount
    width = max(count - 1, 1)
    upper = [Double](repeating: 0, count: count * width)
    excess = [Double](repeating: 0, count: count)
    pivot = [Double](repeating: 0, count: count)
    plus = [Double](repeating: 0, count: count)
    minus = [Double](repeating: 0, count: count)
    let rowBase = rowsFirst ? 0 : colCount, colBase = rowsFirst ? rowCount : 0
    let vRow = mesh.rowTerminations.map { $0.volts ?? 0 }, vCol = mesh.columnTerminations.map { $0.volts ?? 0 }
    for i in 0..<m {
      for j in 0..<n {
        let g = mesh.conductance[i * n + j]
        guard g > 0 else { continue }
        switch (rowsFree, colsFree) {
        case (true, true): link(rowBase + i, colBase + j, g)
        case (true, false): source(rowBase + i, g, vCol[j])
        case (false, true): source(colBase + j, g, vRow[i])
        case (false, false): break
        }
      }
    }
    if rowsFree { for i in 0..<m { source(rowBase + i, 1 / mesh.rowTerminalResistance, vRow[i]) } }
    if colsFree { for j in 0..<n { source(colBase + j, 1 / mesh.columnTerminalResistance, vCol[j]) } }
  }

  /// Where `init(collapsed:)` put word line i (nil: at its source) and bit line j.
  static func collapsedNode(row i: Int?, column j: Int?, _ mesh: CrossbarMesh) -> Int? {
    let m = mesh.rows, n = mesh.columns
    let rowsFree = mesh.rowTerminalResistance > 0, colsFree = mesh.columnTerminalResistance > 0
    let rowCount = rowsFree ? m : 0, colCount = colsFree ? n : 0
    let rowsFirst = m >= n
    if let i { return rowsFree ? (rowsFirst ? 0 : colCount) + i : nil }
    if let j { return colsFree ? (rowsFirst ? rowCount : 0) + j : nil }
    return nil
  }

  private mutating func link(_ p: Int, _ q: Int, _ g: Double) {
    let (lo, hi) = (min(p, q), max(p, q))
    upper[lo * width + hi - lo - 1] += g
  }

  /// A current source of `current` amperes into node p.
  mutating func inject(_ p: Int, _ current: Double) {
    if current > 0 { plus[p] += current } else if current < 0 { minus[p] += -current }
  }

  private mutating func source(_ p: Int, _ g: Double, _ v: Double) {
    excess[p] += g
    if v > 0 { plus[p] += g * v } else if v < 0 { minus[p] += g * -v }
  }

  /// The elimination, in place: each node's pivot d_k into `pivot`, and
  /// its later neighbours' conductances and excesses updated (its own row
  /// of `upper` is left as it was when it was eliminated: the
  /// substitutions read it with d_k).
  mutating func eliminate() {
    let width = self.width, count = self.count
    upper.withUnsafeMutableBufferPointer { u in
      excess.withUnsafeMutableBufferPointer { e in
        pivot.withUnsafeMutableBufferPointer { d in
          for k in 0..<count {
            let row = u.baseAddress! + k * width
            let reach = min(width, count - 1 - k)
            var dk = e[k]
            for t in 0..<reach { dk += row[t] }
            d[k] = dk
            // A node that no source reaches has no pivot; the floating-line
            // check rules it out, and an underflow to 0 keeps it at 0 V.
            guard dk > 0 else { continue }
            let ek = e[k] / dk
            for t1 in 0..<reach {
              let a = row[t1]
              if a == 0 { continue }
              let f = a / dk
              let i = k + t1 + 1
              e[i] += a * ek
              let target = u.baseAddress! + i * width - (t1 + 1)
              // n_{i, k+t2+1} for t2 > t1: offset (t2 − t1) − 1 in row i.
              for t2 in (t1 + 1)..<reach { target[t2] += f * row[t2] }
            }
          }
        }
      }
    }
  }

  /// Node voltages of the positive and of the negative injections (each
  /// ≥ 0); the mesh's are their difference.
  func voltages() -> (plus: [Double], minus: [Double]) {
    (substitute(plus), substitute(minus))
  }

  private func substitute(_ injection: [Double]) -> [Double] {
    var y = injection
    let width = self.width, count = self.count
    upper.withUnsafeBufferPointer { u in
      pivot.withUnsafeBufferPointer { d in
        y.withUnsafeMutableBufferPointer { y in
          for k in 0..<count where d[k] > 0 && y[k] != 0 {
            let row = u.baseAddress! + k * width, yk = y[k] / d[k]
            for t in 0..<min(width, count - 1 - k) { y[k + t + 1] += row[t] * yk }
          }
          for k in stride(from: count - 1, through: 0, by: -1) {
            guard d[k] > 0 else { y[k] = 0; continue }
            let row = u.baseAddress! + k * width
            var s = y[k]
            for t in 0..<min(width, count - 1 - k) { s += row[t] * y[k + t + 1] }
            y[k] = s / d[k]
          }
        }
      }
    }
    return y
  }
}
