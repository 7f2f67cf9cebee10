import Circuit

/// Slow oracle for the nodal solver: assembles the full 2·M·N nodal matrix
/// of a mesh (both segment resistances > 0) and solves it by Gaussian
/// elimination with partial pivoting. Returns (word, bit) node voltages.
/// O((MN)³): for meshes up to a few hundred cells. Terminal resistances
/// add to the lines' terminal segments.
public func denseMeshSolve(_ mesh: CrossbarMesh) -> (word: [Double], bit: [Double]) {
  let m = mesh.rows, n = mesh.columns, mn = m * n, size = 2 * mn
  precondition(mesh.wires.rowSegmentResistance > 0 && mesh.wires.columnSegmentResistance > 0)
  let gr = 1 / mesh.wires.rowSegmentResistance, gc = 1 / mesh.wires.columnSegmentResistance
  var a = [Double](repeating: 0, count: size * size)
  var rhs = [Double](repeating: 0, count: size)
  func w(_ i: Int, _ j: Int) -> Int { i * n + j }
  func b(_ i: Int, _ j: Int) -> Int { mn + i * n + j }
  func stamp(_ p: Int, _ q: Int, _ g: Double) {  // conductance between unknowns p and q
    a[p * size + p] += g; a[q * size + q] += g
    a[p * size + q] -= g; a[q * size + p] -= g
  }
  func stampSource(_ p: Int, _ g: Double, _ v: Double) {
    a[p * size + p] += g; rhs[p] += g * v
  }
  for i in 0..<m {
    for j in 0..<n {
      stamp(w(i, j), b(i, j), mesh.conductance[i * n + j])
      if j + 1 < n { stamp(w(i, j), w(i, j + 1), gr) }
      if i + 1 < m { stamp(b(i, j), b(i + 1, j), gc) }
    }
    if let v = mesh.rowTerminations[i].volts {
      stampSource(w(i, 0), 1 / (mesh.wires.rowSegmentResistance + mesh.rowTerminalResistance), v)
    }
  }
  for j in 0..<n {
    if let v = mesh.columnTerminations[j].volts {
      stampSource(b(m - 1, j), 1 / (mesh.wires.columnSegmentResistance + mesh.columnTerminalResistance), v)
    }
  }
  let x = denseSolve(a, rhs, size: size)
  return (Array(x[0..<mn]), Array(x[mn...]))
}

/// Slow oracle for ideal lines behind terminal resistances (both > 0):
/// one node per word line and per bit line, Gaussian elimination on the
/// M + N nodes. Returns (word-line, bit-line) voltages, M and N of them.
public func denseCollapsedSolve(_ mesh: CrossbarMesh) -> (word: [Double], bit: [Double]) {
  let m = mesh.rows, n = mesh.columns, size = m + n
  precondition(mesh.rowTerminalResistance > 0 && mesh.columnTerminalResistance > 0)
  var a = [Double](repeating: 0, count: size * size)
  var rhs = [Double](repeating: 0, count: size)
  for i in 0..<m {
    for j in 0..<n {
      let g = mesh.conductance[i * n + j], p = i, q = m + j
      a[p * size + p] += g; a[q * size + q] += g
      a[p * size + q] -= g; a[q * size + p] -= g
    }
    let g = 1 / mesh.rowTerminalResistance
    a[i * size + i] += g
    rhs[i] += g * (mesh.rowTerminations[i].volts ?? 0)
  }
  for j in 0..<n {
    let g = 1 / mesh.columnTerminalResistance, q = m + j
    a[q * size + q] += g
    rhs[q] += g * (mesh.columnTerminations[j].volts ?? 0)
  }
  let x = denseSolve(a, rhs, size: size)
  return (Array(x[0..<m]), Array(x[m...]))
}

/// A random mesh for tests: conductances uniform in [gLow, gHigh] S,
/// drive voltages uniform in [0, 1] V, all from `seed`.
public func randomMesh(
  rows: Int, columns: Int, r: Double, seed: UInt64,
  gLow: Double = 1e-6, gHigh: Double = 1e-4
) -> CrossbarMesh {
  var rng = SeededGenerator(seed: seed)
  let g = (0..<(rows * columns)).map { _ in gLow + (gHigh - gLow) * rng.nextUniform() }
  let v = (0..<rows).map { _ in rng.nextUniform() }
  return CrossbarMesh(
    rows: rows, columns: columns, conductance: g,
    wires: WireModel(rowSegmentResistance: r, columnSegmentResistance: r), rowVoltages: v)
}

/// The line currents of an ideal-wire read, from the conductances `g`
/// (M×N, row-major) and the drive voltages `v`: forward (v on the M word
/// lines) D_i = v_i·Σ_j G_ij, what each driver delivers, and S_j =
/// Σ_i v_i·G_ij, what each sense amplifier takes; transposed (v on the N
/// bit lines) S_j = v_j·Σ_i G_ij and D_i = Σ_j G_ij·v_j.
public func idealLineCurrents(
  _ g: [Double], rows m: Int, columns n: Int, drive v: [Double], forward: Bool
) -> (d: [Double], s: [Double]) {
  precondition(g.count == m * n && v.count == (forward ? m : n))
  var d = [Double](repeating: 0, count: m), s = [Double](repeating: 0, count: n)
  for i in 0..<m {
    for j in 0..<n {
      let c = g[i * n + j] * (forward ? v[i] : v[j])
      d[i] += c
      s[j] += c
    }
  }
  return (d, s)
}

/// Solves the dense size×size system a·x = rhs (row-major) by Gaussian
/// elimination with partial pivoting: the tests' slow oracle.
public func denseSolve(_ matrix: [Double], _ right: [Double], size: Int) -> [Double] {
  var a = matrix, rhs = right
  for c in 0..<size {
    var piv = c
    for r in (c + 1)..<size where abs(a[r * size + c]) > abs(a[piv * size + c]) { piv = r }
    if piv != c {
      for k in 0..<size { a.swapAt(c * size + k, piv * size + k) }
      rhs.swapAt(c, piv)
    }
    let d = a[c * size + c]
    for r in (c + 1)..<size {
      let f = a[r * size + c] / d
      if f == 0 { continue }
      for k in c..<size { a[r * size + k] -= f * a[c * size + k] }
      rhs[r] -= f * rhs[c]
    }
  }
  var x = [Double](repeating: 0, count: size)
  for c in stride(from: size - 1, through: 0, by: -1) {
    var s = rhs[c]
    for k in (c + 1)..<size { s -= a[c * size + k] * x[k] }
    x[c] = s / a[c * size + c]
  }
  return x
}
