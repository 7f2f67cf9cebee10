import Circuit
import Testing
import _TestSupport

// A physics audit: laws of a passive linear resistive network that the
// other tests do not check directly, each against every solver path that
// can show it (the conjugate gradients with line solves alone and with two
// levels, the direct solves of one ideal line kind, `ResistiveReader`).
//
// - Reciprocity: the short-circuit transfer from word line i to bit line j
//   (a forward read with row i at 1 V) equals that from bit line j to word
//   line i (a transposed read with column j at 1 V), in double precision,
//   r_row ≠ r_col, on a non-square mesh.
// - Duality of the line kinds: a transposed read of G is the forward read
//   of the mirrored transpose G'[a][b] = G[M−1−b][N−1−a] with r_row and
//   r_col swapped, drives and outputs in reverse order (the word lines'
//   open ends at j = N−1 and the bit lines' at i = 0 map onto each other),
//   node for node, current for current.
// - Gauge invariance: adding one voltage to every source shifts every node
//   by it and changes no current.

/// Conductances of an m×n mesh, uniform in [1e-6, gHigh] S.
private func auditConductances(_ m: Int, _ n: Int, seed: UInt64, gHigh: Double) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  return (0..<(m * n)).map { _ in 1e-6 + (gHigh - 1e-6) * rng.nextUniform() }
}

private func unit(_ k: Int, _ count: Int) -> [Double] {
  (0..<count).map { $0 == k ? 1.0 : 0.0 }
}

/// The short-circuit transfer matrix (A/V, row-major M×N) by the nodal
/// solver: forward, T_ij = current out of bit line j into its 0 V end with
/// word line i at 1 V (every other line at 0 V); transposed, T_ij = current
/// out of word line i into its 0 V end with bit line j at 1 V.
private func nodalTransfer(
  _ g: [Double], _ m: Int, _ n: Int, _ wires: WireModel, _ direction: ReadDirection, _ solver: NodalSolver
) throws -> [Double] {
  var t = [Double](repeating: 0, count: m * n)
  let ground = { (k: Int) in [LineTermination](repeating: .source(volts: 0), count: k) }
  if direction == .forward {
    for i in 0..<m {
      let mesh = CrossbarMesh(
        rows: m, columns: n, conductance: g, wires: wires,
        rowTerminations: unit(i, m).map { .source(volts: $0) }, columnTerminations: ground(n))
      let out = try solver.solve(mesh).outputCurrents
      for j in 0..<n { t[i * n + j] = out[j] }
    }
  } else {
    for j in 0..<n {
      let mesh = CrossbarMesh(
        rows: m, columns: n, conductance: g, wires: wires,
        rowTerminations: ground(m), columnTerminations: unit(j, n).map { .source(volts: $0) })
      let sol = try solver.solve(mesh)
      for i in 0..<m { t[i * n + j] = -sol.rowTerminalCurrent[i] }
    }
  }
  return t
}

struct ReciprocityCase: Sendable, CustomTestStringConvertible {
  var m: Int, n: Int, rRow: Double, rCol: Double, gHigh: Double, twoLevelThreshold: Double
  var testDescription: String { "\(m)×\(n), r \(rRow)/\(rCol) Ω, G ≤ \(gHigh) S, two levels from \(twoLevelThreshold)" }
}

// Every path of `NodalSolver`: line solves alone, two levels forced and at
// G·r = 30, word lines ideal (bit lines solved directly both ways), bit
// lines ideal (word lines solved directly both ways).
@Test(arguments: [
  ReciprocityCase(m: 6, n: 4, rRow: 2, rCol: 7, gHigh: 1e-3, twoLevelThreshold: .infinity),
  ReciprocityCase(m: 4, n: 7, rRow: 2, rCol: 7, gHigh: 1e-3, twoLevelThreshold: 0),
  ReciprocityCase(m: 5, n: 7, rRow: 1e3, rCol: 3e3, gHigh: 1e-2, twoLevelThreshold: 1e-2),
  ReciprocityCase(m: 6, n: 4, rRow: 0, rCol: 7, gHigh: 1e-3, twoLevelThreshold: 1e-2),
  ReciprocityCase(m: 6, n: 4, rRow: 2, rCol: 0, gHigh: 1e-3, twoLevelThreshold: 1e-2),
])
func theNodalSolverIsReciprocal(_ c: ReciprocityCase) throws {
  let wires = WireModel(rowSegmentResistance: c.rRow, columnSegmentResistance: c.rCol)
  let g = auditConductances(c.m, c.n, seed: 91, gHigh: c.gHigh)
  let solver = NodalSolver(options: .init(twoLevelThreshold: c.twoLevelThreshold))
  let forward = try nodalTransfer(g, c.m, c.n, wires, .forward, solver)
  let transposed = try nodalTransfer(g, c.m, c.n, wires, .transposed, solver)
  let d = maxRelativeDifference(transposed, forward)
  #expect(d < 1e-9, "\(c): forward and transposed transfers differ by \(d) of the largest")
  // Not the ideal G: the lines do matter here (else the law is trivial).
  if !wires.isIdeal { #expect(maxRelativeDifference(forward, g) > 1e-4) }
}

// `ResistiveReader` in double precision (`readout`), both polarities, with
// the line solves alone and with two levels (G·r = 30), against itself and
// against the nodal solver the other way round.
@Test(arguments: [(6, 4, 2.0, 7.0, 1e-3), (4, 7, 7.0, 2.0, 1e-3), (5, 7, 1e3, 3e3, 1e-2)])
func theResistiveReaderIsReciprocal(_ c: (Int, Int, Double, Double, Double)) throws {
  let (m, n) = (c.0, c.1)
  let wires = WireModel(rowSegmentResistance: c.2, columnSegmentResistance: c.3)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  let gp = auditConductances(m, n, seed: 92, gHigh: c.4), gm = auditConductances(m, n, seed: 93, gHigh: c.4)
  a.setConductances(plus: gp, minus: gm)
  let reader = ResistiveReader(rows: m, columns: n, wires: wires, options: .init(tolerance: 1e-12))
  var fp = [Double](repeating: 0, count: m * n), fm = fp, tp = fp, tm = fp
  for i in 0..<m {
    let r = try reader.readout(a, .forward, voltages: unit(i, m))
    for j in 0..<n { fp[i * n + j] = r.plus[j]; fm[i * n + j] = r.minus[j] }
  }
  for j in 0..<n {
    let r = try reader.readout(a, .transposed, voltages: unit(j, n))
    for i in 0..<m { tp[i * n + j] = r.plus[i]; tm[i * n + j] = r.minus[i] }
  }
  #expect(maxRelativeDifference(tp, fp) < 1e-9, "G+: \(maxRelativeDifference(tp, fp))")
  #expect(maxRelativeDifference(tm, fm) < 1e-9, "G−: \(maxRelativeDifference(tm, fm))")
  let nodalTransposed = try nodalTransfer(gp, m, n, wires, .transposed, NodalSolver())
  #expect(maxRelativeDifference(fp, nodalTransposed) < 1e-9, "reader forward against nodal transposed")
  if c.4 * max(c.2, c.3) >= 1e-2 { #expect(reader.isTwoLevel) }
}

/// G'[a][b] = G[M−1−b][N−1−a]: the N×M array whose forward read is the
/// transposed read of the M×N array `g` (r_row and r_col swapped).
private func mirroredTranspose(_ g: [Double], _ m: Int, _ n: Int) -> [Double] {
  var out = [Double](repeating: 0, count: m * n)
  for a in 0..<n { for b in 0..<m { out[a * m + b] = g[(m - 1 - b) * n + (n - 1 - a)] } }
  return out
}

// Nodal solver: every node and every terminal current; G·r = 7e-3 (line
// solves alone) and 30 (two levels), r_row ≠ r_col, drives of both signs.
@Test(arguments: [(5, 3, 2.0, 7.0, 1e-3), (3, 6, 1e3, 3e3, 1e-2), (6, 4, 3e3, 1e3, 1e-2)])
func aTransposedSolveIsTheForwardSolveOfTheMirroredTranspose(_ c: (Int, Int, Double, Double, Double)) throws {
  let (m, n) = (c.0, c.1)
  let g = auditConductances(m, n, seed: 94, gHigh: c.4)
  var rng = SeededGenerator(seed: 95)
  let u = (0..<n).map { _ in rng.nextUniform() - 0.3 }
  let transposed = CrossbarMesh(
    rows: m, columns: n, conductance: g,
    wires: WireModel(rowSegmentResistance: c.2, columnSegmentResistance: c.3),
    rowTerminations: Array(repeating: .source(volts: 0), count: m),
    columnTerminations: u.map { .source(volts: $0) })
  let mirrored = CrossbarMesh(
    rows: n, columns: m, conductance: mirroredTranspose(g, m, n),
    wires: WireModel(rowSegmentResistance: c.3, columnSegmentResistance: c.2),
    rowVoltages: u.reversed())
  let s = try NodalSolver().solve(transposed), t = try NodalSolver().solve(mirrored)
  // Word node (a, b) of the mirror is bit node (M−1−b, N−1−a), and back.
  var word = [Double](repeating: 0, count: m * n), bit = word
  for a in 0..<n {
    for b in 0..<m {
      let k = (m - 1 - b) * n + (n - 1 - a)
      word[k] = t.bitNodeVoltage[a * m + b]
      bit[k] = t.wordNodeVoltage[a * m + b]
    }
  }
  let vScale = u.map(abs).max()!
  #expect(maxRelativeDifference(s.wordNodeVoltage, word, floor: vScale) < 1e-10)
  #expect(maxRelativeDifference(s.bitNodeVoltage, bit, floor: vScale) < 1e-10)
  // Out of word line i = out of the mirror's bit line M−1−i; into bit
  // line j = into the mirror's word line N−1−j.
  let out = s.rowTerminalCurrent.map { -$0 }
  let scale = out.map(abs).max()!
  #expect(maxRelativeDifference(out, t.outputCurrents.reversed(), floor: scale) < 1e-9)
  #expect(maxRelativeDifference(s.columnTerminalCurrent, t.rowTerminalCurrent.reversed(), floor: scale) < 1e-9)
  #expect(isApproximatelyEqual(s.power(mesh: transposed), t.power(mesh: mirrored), relativeTolerance: 1e-9))
}

// `ResistiveReader` and `DifferentialArray.read`: a transposed read of the
// array is the forward read of its mirrored transpose, both polarities,
// the output and the input (driver) currents and the read energy.
@Test(arguments: [(7, 4, 2.0, 7.0, 1e-3), (4, 9, 7.0, 2.0, 1e-3), (6, 5, 1e3, 3e3, 1e-2)])
func aTransposedReadIsTheForwardReadOfTheMirroredTranspose(_ c: (Int, Int, Double, Double, Double)) throws {
  let (m, n) = (c.0, c.1)
  let wires = WireModel(rowSegmentResistance: c.2, columnSegmentResistance: c.3)
  let swapped = WireModel(rowSegmentResistance: c.3, columnSegmentResistance: c.2)
  let gp = auditConductances(m, n, seed: 96, gHigh: c.4), gm = auditConductances(m, n, seed: 97, gHigh: c.4)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  a.setConductances(plus: gp, minus: gm)
  let b = DifferentialArray(rows: n, columns: m, wires: swapped)
  b.setConductances(plus: mirroredTranspose(gp, m, n), minus: mirroredTranspose(gm, m, n))
  var rng = SeededGenerator(seed: 98)
  let u = (0..<n).map { _ in rng.nextUniform() < 0.3 ? 0 : rng.nextUniform() }
  let ra = ResistiveReader(rows: m, columns: n, wires: wires, options: .init(tolerance: 1e-12))
  let rb = ResistiveReader(rows: n, columns: m, wires: swapped, options: .init(tolerance: 1e-12))
  let x = try ra.readout(a, .transposed, voltages: u)
  let y = try rb.readout(b, .forward, voltages: u.reversed())
  let scale = (x.plus + x.minus).map(abs).max()!
  #expect(maxRelativeDifference(x.plus, y.plus.reversed(), floor: scale) < 1e-9, "G+ outputs")
  #expect(maxRelativeDifference(x.minus, y.minus.reversed(), floor: scale) < 1e-9, "G− outputs")
  #expect(maxRelativeDifference(x.inputPlus, y.inputPlus.reversed(), floor: scale) < 1e-9, "G+ drivers")
  #expect(maxRelativeDifference(x.inputMinus, y.inputMinus.reversed(), floor: scale) < 1e-9, "G− drivers")
  #expect(isApproximatelyEqual(x.energy, y.energy, relativeTolerance: 1e-9), "energy \(x.energy) J, \(y.energy) J")
  // The general path likewise.
  let p = try a.read(.transposed, voltages: u, booking: false)
  let q = try b.read(.forward, voltages: u.reversed(), booking: false)
  #expect(maxRelativeDifference(p.difference, q.difference.reversed(), floor: scale) < 1e-9)
  #expect(isApproximatelyEqual(p.energy, q.energy, relativeTolerance: 1e-9))
  #expect(isApproximatelyEqual(p.energy, x.energy, relativeTolerance: 1e-9))
}

// Gauge invariance: V0 added to every source (drives of both signs on
// both kinds of line) moves every node by V0 and no current. The
// conjugate gradients with and without two levels, and both direct paths.
@Test(arguments: [
  (2.0, 7.0, Double.infinity), (2.0, 7.0, 0.0), (1e3, 3e3, 1e-2), (0.0, 7.0, 1e-2), (2.0, 0.0, 1e-2),
])
func aCommonVoltageOnEverySourceChangesNoCurrent(_ c: (Double, Double, Double)) throws {
  let (m, n) = (6, 5)
  let wires = WireModel(rowSegmentResistance: c.0, columnSegmentResistance: c.1)
  let g = auditConductances(m, n, seed: 99, gHigh: c.0 * c.1 > 1e5 ? 1e-2 : 1e-3)
  var rng = SeededGenerator(seed: 100)
  let vr = (0..<m).map { _ in rng.nextUniform() }, vc = (0..<n).map { _ in rng.nextUniform() - 0.5 }
  func solve(_ v0: Double) throws -> MeshSolution {
    let mesh = CrossbarMesh(
      rows: m, columns: n, conductance: g, wires: wires,
      rowTerminations: vr.map { .source(volts: $0 + v0) }, columnTerminations: vc.map { .source(volts: $0 + v0) })
    return try NodalSolver(options: .init(twoLevelThreshold: c.2)).solve(mesh)
  }
  let base = try solve(0)
  let scale = (base.rowTerminalCurrent + base.columnTerminalCurrent).map(abs).max()!
  #expect(scale > 0)
  for v0 in [0.37, -1.3] {
    let s = try solve(v0)
    #expect(maxRelativeDifference(s.rowTerminalCurrent, base.rowTerminalCurrent, floor: scale) < 1e-10, "V0 \(v0): rows")
    #expect(maxRelativeDifference(s.columnTerminalCurrent, base.columnTerminalCurrent, floor: scale) < 1e-10, "V0 \(v0): columns")
    #expect(maxRelativeDifference(s.wordNodeVoltage, base.wordNodeVoltage.map { $0 + v0 }, floor: 1) < 1e-10, "V0 \(v0): word nodes")
    #expect(maxRelativeDifference(s.bitNodeVoltage, base.bitNodeVoltage.map { $0 + v0 }, floor: 1) < 1e-10, "V0 \(v0): bit nodes")
  }
}

// Reciprocity does not need every line terminated: with word lines 1 and 4
// and bit line 2 left open (internal nodes only), the transfer between any
// driven word line and any terminated bit line is still the same both
// ways; line solves alone and two levels (whose merged solve is then only
// the terminated mesh's).
@Test(arguments: [(Double.infinity, 1e-3), (1e-2, 1e-2)])
func reciprocityHoldsWithOpenLines(_ c: (Double, Double)) throws {
  let (m, n) = (6, 5)
  let openRows: Set = [1, 4], openColumns: Set = [2]
  let wires = WireModel(rowSegmentResistance: 2e2, columnSegmentResistance: 7e2)
  let g = auditConductances(m, n, seed: 101, gHigh: c.1)
  let solver = NodalSolver(options: .init(twoLevelThreshold: c.0))
  func terminations(_ count: Int, open: Set<Int>, driven: Int?) -> [LineTermination] {
    (0..<count).map { open.contains($0) ? .open : .source(volts: $0 == driven ? 1 : 0) }
  }
  var checked = 0
  for i in 0..<m where !openRows.contains(i) {
    let forward = try solver.solve(CrossbarMesh(
      rows: m, columns: n, conductance: g, wires: wires,
      rowTerminations: terminations(m, open: openRows, driven: i),
      columnTerminations: terminations(n, open: openColumns, driven: nil)))
    for j in 0..<n where !openColumns.contains(j) {
      let transposed = try solver.solve(CrossbarMesh(
        rows: m, columns: n, conductance: g, wires: wires,
        rowTerminations: terminations(m, open: openRows, driven: nil),
        columnTerminations: terminations(n, open: openColumns, driven: j)))
      let ij = forward.outputCurrents[j], ji = -transposed.rowTerminalCurrent[i]
      #expect(isApproximatelyEqual(ij, ji, relativeTolerance: 1e-9), "row \(i) → column \(j): \(ij) A, back \(ji) A")
      checked += 1
    }
  }
  #expect(checked == 16)
  if c.0 == 1e-2 { #expect(solver.lastSolveWasTwoLevel) }
}
