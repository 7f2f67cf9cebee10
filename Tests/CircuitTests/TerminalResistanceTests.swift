import Circuit
import Testing
import _TestSupport

// Terminal resistances (session 59): a driver's output resistance in series
// with each word line's source, a sense amplifier's input resistance in
// series with each bit line's termination. Checked against closed forms,
// a dense elimination of the same nodes, Kirchhoff's current law, the
// limits R → 0 and r → 0, and reciprocity (transposed read).

private func mesh(
  _ m: Int, _ n: Int, r: (Double, Double), terminal: (Double, Double), seed: UInt64,
  gLow: Double = 1e-6, gHigh: Double = 1e-4
) -> CrossbarMesh {
  var mesh = randomMesh(rows: m, columns: n, r: 1, seed: seed, gLow: gLow, gHigh: gHigh)
  mesh.wires = WireModel(rowSegmentResistance: r.0, columnSegmentResistance: r.1)
  mesh.rowTerminalResistance = terminal.0
  mesh.columnTerminalResistance = terminal.1
  return mesh
}

@Test func oneCellIsItsSeriesChain() throws {
  // 1×1: V / (R_d + r_row + 1/G + r_col + R_s), every path.
  let g = 1e-4, v = 0.7
  for (rr, rc) in [(0.0, 0.0), (2.0, 3.0), (1e3, 1e-3)] {
    for (rd, rs) in [(0.0, 5e3), (5e3, 0.0), (5e3, 2e3), (1e-150, 1e150)] {
      var one = CrossbarMesh(
        rows: 1, columns: 1, conductance: [g],
        wires: WireModel(rowSegmentResistance: rr, columnSegmentResistance: rc), rowVoltages: [v])
      one.rowTerminalResistance = rd
      one.columnTerminalResistance = rs
      let want = v / (rd + rr + 1 / g + rc + rs)
      // (Beyond R/r = 1e8 the iteration is refused: the direct solve.)
      let floating = rr > 0 && rc > 0 && max(rd / rr, rs / rc) > WireModel.largestTerminalRatio
      let sol = floating ? try NodalSolver().solveDirect(one) : try NodalSolver().solve(one)
      #expect(abs(sol.outputCurrents[0] - want) <= 1e-13 * want, "r \(rr), \(rc), R \(rd), \(rs): \(sol.outputCurrents[0]) vs \(want)")
      // The driver's current too, where the node voltages can hold it (at
      // 1e150 Ω every node sits within an ulp of its source).
      if rs < 1e100 { #expect(abs(sol.rowTerminalCurrent[0] - want) <= 1e-13 * want) }
      if rr > 0 && rc > 0 {
        let direct = try NodalSolver().solveDirect(one)
        #expect(abs(direct.outputCurrents[0] - want) <= 1e-14 * want)
      }
    }
  }
}

@Test func idealLinesBehindADriverOrASenseResistanceMeetTheirClosedForms() throws {
  let (m, n) = (5, 7)
  let rd = 2e3, rs = 3e3
  // Driver only: each word line is one node, u_i = V_i·g_d/(g_d + Σ_j G_ij).
  let d = mesh(m, n, r: (0, 0), terminal: (rd, 0), seed: 1)
  let sd = try NodalSolver().solve(d)
  var want = [Double](repeating: 0, count: n)
  for i in 0..<m {
    let row = (0..<n).map { d.conductance[i * n + $0] }
    let v = d.rowTerminations[i].volts!
    let u = v / rd / (1 / rd + row.reduce(0, +))
    for j in 0..<n { want[j] += row[j] * u }
    #expect(abs(sd.wordNodeVoltage[i * n + 3] - u) <= 1e-15 * abs(v))
  }
  #expect(maxRelativeDifference(sd.outputCurrents, want) < 1e-14)
  // Sense only: w_j = Σ_i G_ij·V_i / (g_s + Σ_i G_ij), i_out = w_j/R_s.
  let s = mesh(m, n, r: (0, 0), terminal: (0, rs), seed: 1)
  let ss = try NodalSolver().solve(s)
  for j in 0..<n {
    var num = 0.0, den = 1 / rs
    for i in 0..<m { num += s.conductance[i * n + j] * s.rowTerminations[i].volts!; den += s.conductance[i * n + j] }
    let w = num / den
    #expect(abs(ss.outputCurrents[j] - w / rs) <= 1e-14 * w / rs)
  }
  // Both: the dense elimination of the M + N line nodes.
  let both = mesh(m, n, r: (0, 0), terminal: (rd, rs), seed: 2)
  let sb = try NodalSolver().solve(both)
  let ref = denseCollapsedSolve(both)
  #expect(maxRelativeDifference((0..<m).map { sb.wordNodeVoltage[$0 * n] }, ref.word) < 1e-13)
  #expect(maxRelativeDifference((0..<n).map { sb.bitNodeVoltage[$0] }, ref.bit) < 1e-13)
  #expect(sb.iterations == 0 && sb.converged)
}

@Test(arguments: [(1, 1), (3, 8), (8, 3), (6, 6)])
func resistiveLinesBehindTerminalResistancesMatchDenseElimination(_ shape: (Int, Int)) throws {
  let (m, n) = shape
  for (k, (r, terminal, gHigh)) in [
    ((2.0, 5.0), (1e3, 2e3), 1e-4), ((1.0, 1.0), (10.0, 0.0), 1e-2), ((3.0, 0.5), (0.0, 50.0), 1e-1),
  ].enumerated() {
    let mesh = mesh(m, n, r: r, terminal: terminal, seed: UInt64(10 + k), gHigh: gHigh)
    let ref = denseMeshSolve(mesh)
    let direct = try NodalSolver().solveDirect(mesh)
    #expect(maxRelativeDifference(direct.wordNodeVoltage, ref.word) < 1e-11, "\(shape) case \(k) direct")
    #expect(maxRelativeDifference(direct.bitNodeVoltage, ref.bit, floor: 1e-6) < 1e-11, "\(shape) case \(k) direct")
    #expect(direct.relativeResidual < 1e-12)  // the voltages' own rounding against g_t·V
    // The conjugate gradients, with and without the merged modes.
    for threshold in [0.0, Double.infinity] {
      let solver = NodalSolver(options: .init(twoLevelThreshold: threshold))
      let pcg = try solver.solve(mesh)
      #expect(maxRelativeDifference(pcg.outputCurrents, direct.outputCurrents, floor: 1e-12) < 1e-8,
        "\(shape) case \(k) two-level threshold \(threshold)")
    }
  }
}

/// i_out of a 2×3 mesh (cells 1e-4, 2e-4, 1e-4 and 3e-5, 1e-4, 1e-4 S,
/// v_in 1 and 0.5 V) in exact rational arithmetic: `scripts/exact-mesh` on
/// the problem file with these r_row, r_col, r_driver, r_sense.
private let exactTerminalReferences: [(r: (Double, Double), terminal: (Double, Double), out: [Double])] = [
  ((1, 1), (1e6, 1e6), [2.988155758450195e-07, 3.0002626060941687e-07, 2.9938723436228113e-07]),
  ((0, 0), (1e3, 2e3), [7.188928549063812e-05, 0.00012433464838123865, 8.691840440854155e-05]),
  ((0, 0), (0, 2e3), [9.126984126984128e-05, 0.00015625, 0.00010714285714285714]),
  ((0, 0), (1e3, 0), [8.362369337979094e-05, 0.0001835075493612079, 0.00011207897793263647]),
  ((2, 5), (1e3, 0), [8.353882488647129e-05, 0.0001829995472479978, 0.00011185603923351136]),
  ((1e9, 1), (1e3, 1e2), [1.4999445616436417e-09, 2.6968855837749883e-14, 2.243832584933607e-19]),
]

@Test func terminalResistancesMeetExactArithmetic() throws {
  for ref in exactTerminalReferences {
    var mesh = CrossbarMesh(
      rows: 2, columns: 3, conductance: [1e-4, 2e-4, 1e-4, 3e-5, 1e-4, 1e-4],
      wires: WireModel(rowSegmentResistance: ref.r.0, columnSegmentResistance: ref.r.1), rowVoltages: [1, 0.5])
    mesh.rowTerminalResistance = ref.terminal.0
    mesh.columnTerminalResistance = ref.terminal.1
    let both = ref.r.0 > 0 && ref.r.1 > 0
    // Each output to its own few ulps: the direct solve, or the collapsed one.
    let exact = both ? try NodalSolver().solveDirect(mesh) : try NodalSolver().solve(mesh)
    for (got, want) in zip(exact.outputCurrents, ref.out) {
      #expect(abs(got - want) <= 1e-13 * abs(want), "r \(ref.r), R \(ref.terminal): \(got) vs \(want)")
    }
    // The iteration relative to the largest output.
    let pcg = try NodalSolver().solve(mesh)
    #expect(maxRelativeDifference(pcg.outputCurrents, ref.out) < 1e-9, "r \(ref.r), R \(ref.terminal)")
  }
}

@Test func terminalCurrentsBalance() throws {
  // Kirchhoff: what the drivers deliver the outputs take, on every path.
  for (r, terminal) in [((0.0, 0.0), (1e3, 4e2)), ((0.0, 2.0), (0.0, 7e2)), ((2.0, 0.0), (3e2, 0.0)), ((1.0, 3.0), (5e2, 6e2))] {
    let mesh = mesh(9, 11, r: r, terminal: terminal, seed: 3, gHigh: 1e-3)
    let sol = try NodalSolver().solve(mesh)
    let into = sol.rowTerminalCurrent.reduce(0, +), out = sol.outputCurrents.reduce(0, +)
    #expect(abs(into - out) <= 1e-12 * out, "r \(r), R \(terminal): \(into) vs \(out)")
    // The terminal segment's current is its drop over r + R.
    if r.0 + terminal.0 > 0 {
      for i in 0..<9 {
        let drop = (mesh.rowTerminations[i].volts! - sol.wordNodeVoltage[i * 11]) / (r.0 + terminal.0)
        #expect(abs(sol.rowTerminalCurrent[i] - drop) <= 1e-9 * abs(drop) + 1e-18)
      }
    }
  }
}

@Test func vanishingResistancesReachTheirLimits() throws {
  let (m, n) = (6, 5)
  // R → 0: the mesh without terminal resistance (the Kirchhoff sum for
  // ideal lines; the resistive mesh otherwise).
  for r in [(0.0, 0.0), (1.0, 2.0)] {
    let plain = try NodalSolver().solve(mesh(m, n, r: r, terminal: (0, 0), seed: 4))
    let tiny = try NodalSolver().solve(mesh(m, n, r: r, terminal: (1e-9, 1e-9), seed: 4))
    #expect(maxRelativeDifference(tiny.outputCurrents, plain.outputCurrents) < 1e-11, "r \(r)")
  }
  // r → 0 with terminal resistances: the collapsed solve of ideal lines.
  let collapsed = try NodalSolver().solve(mesh(m, n, r: (0, 0), terminal: (2e3, 1e3), seed: 5))
  let fine = try NodalSolver().solveDirect(mesh(m, n, r: (1e-7, 1e-7), terminal: (2e3, 1e3), seed: 5))
  #expect(maxRelativeDifference(fine.outputCurrents, collapsed.outputCurrents) < 1e-8)
  // A terminal resistance is not the segment: adding it to r_row instead
  // gives another circuit (every segment grows).
  let moved = try NodalSolver().solve(mesh(m, n, r: (2e3, 1e3), terminal: (0, 0), seed: 5))
  #expect(maxRelativeDifference(moved.outputCurrents, collapsed.outputCurrents) > 1e-2)
}

@Test func theTransposedReadIsTheTransposedMesh() throws {
  // Drive the bit lines and sense on the word lines: the relabelled mesh
  // (N rows, M columns, G′[a][b] = G[M−1−b][N−1−a]), the terminal
  // resistances trading places with the line kinds.
  let (m, n) = (4, 6)
  for (r, terminal) in [((0.0, 0.0), (3e2, 7e2)), ((2.0, 5.0), (3e2, 7e2)), ((0.0, 3.0), (0.0, 7e2))] {
    var g = randomMesh(rows: m, columns: n, r: 1, seed: 6).conductance
    g[5] = 0
    var u = [Double](repeating: 0, count: n)
    var rng = SeededGenerator(seed: 7)
    for j in 0..<n { u[j] = rng.nextUniform() - 0.4 }
    var transposed = CrossbarMesh(
      rows: m, columns: n, conductance: g,
      wires: WireModel(rowSegmentResistance: r.0, columnSegmentResistance: r.1),
      rowTerminations: Array(repeating: .source(volts: 0), count: m),
      columnTerminations: u.map { .source(volts: $0) })
    transposed.rowTerminalResistance = terminal.0
    transposed.columnTerminalResistance = terminal.1
    var gp = [Double](repeating: 0, count: m * n)
    for a in 0..<n { for b in 0..<m { gp[a * m + b] = g[(m - 1 - b) * n + (n - 1 - a)] } }
    var relabelled = CrossbarMesh(
      rows: n, columns: m, conductance: gp,
      wires: WireModel(rowSegmentResistance: r.1, columnSegmentResistance: r.0),
      rowVoltages: (0..<n).map { u[n - 1 - $0] })
    relabelled.rowTerminalResistance = terminal.1
    relabelled.columnTerminalResistance = terminal.0
    let t = try NodalSolver().solve(transposed), f = try NodalSolver().solve(relabelled)
    let wordOut = t.rowTerminalCurrent.map { -$0 }
    #expect(maxRelativeDifference(wordOut, f.outputCurrents.reversed(), floor: 1e-12) < 1e-9, "r \(r), R \(terminal)")
  }
}

@Test func badTerminalResistancesAreRefusedByName() {
  for (rd, rs, field) in [
    (-1.0, 0.0, "r_driver"), (0.0, .nan, "r_sense"), (.infinity, 0.0, "r_driver"), (1e-200, 0.0, "r_driver"),
    (0.0, 1e200, "r_sense"),
  ] {
    var bad = mesh(2, 2, r: (1, 1), terminal: (0, 0), seed: 8)
    bad.rowTerminalResistance = rd
    bad.columnTerminalResistance = rs
    #expect(throws: ConfigurationError.self) { try NodalSolver().solve(bad) }
    do { try bad.validate() } catch let e as ConfigurationError { #expect(e.field == field) } catch { Issue.record("\(error)") }
  }
  // An ideal line kind behind a resistance beside resistive lines: one
  // node a line beside M·N nodes, not solved (a message, not a wrong answer).
  for (r, terminal, field) in [((0.0, 1.0), (5.0, 0.0), "r_driver"), ((1.0, 0.0), (0.0, 5.0), "r_sense")] {
    let bad = mesh(2, 3, r: r, terminal: terminal, seed: 9)
    do { try bad.validate(); Issue.record("accepted \(r), \(terminal)") } catch let e as ConfigurationError {
      #expect(e.field == field)
      #expect(e.message.contains("give"))
    } catch { Issue.record("\(error)") }
  }
}

@Test(arguments: [(7, 4), (4, 7), (5, 5), (1, 6), (6, 1), (1, 1)])
func theMergedSolveTakesTerminalSegments(_ shape: (Int, Int)) {
  // L_w + L_b with the terminated ends' diagonals g + g_t: the dense solve.
  let (m, n) = shape
  let (gr, gc) = (0.7, 3.1)
  for (tr, tc) in [(0.3, 1.0), (1.0, 0.05), (1e-6, 0.5), (0.999, 0.999)] {
    let error = mergedSolveError(m, n, gr: gr, gc: gc, gtr: tr * gr, gtc: tc * gc, seed: 29)
    #expect(error < 1e-9, "\(m)×\(n), t \(tr), \(tc)")
  }
}

/// How far `MergedLineSolver` (segments g_r, g_c, terminal segments g_tr,
/// g_tc) is from a dense solve of L_w + L_b, for a field f drawn from
/// `seed`: the largest difference relative to the largest entry. L_w + L_b
/// has on its diagonal each node's segments, the word line's terminal one
/// at j = 0 and none past its open end j = N−1, the bit line's terminal
/// one at i = M−1 and none above its open top i = 0.
func mergedSolveError(_ m: Int, _ n: Int, gr: Double, gc: Double, gtr: Double, gtc: Double, seed: UInt64) -> Double {
  let size = m * n
  var a = [Double](repeating: 0, count: size * size)
  for i in 0..<m {
    for j in 0..<n {
      let k = i * n + j
      let word = (j > 0 ? gr : gtr) + (j < n - 1 ? gr : 0)
      let bit = (i > 0 ? gc : 0) + (i < m - 1 ? gc : gtc)
      a[k * size + k] = word + bit
      if j > 0 { a[k * size + k - 1] = -gr }
      if j < n - 1 { a[k * size + k + 1] = -gr }
      if i > 0 { a[k * size + k - n] = -gc }
      if i < m - 1 { a[k * size + k + n] = -gc }
    }
  }
  var rng = SeededGenerator(seed: seed)
  let f = (0..<size).map { _ in rng.nextUniform() - 0.3 }
  let exact = denseSolve(a, f, size: size)
  let solver = MergedLineSolver(rows: m, columns: n, gr: gr, gc: gc, grTerminal: gtr, gcTerminal: gtc)
  var u = [Double](repeating: .nan, count: size)
  f.withUnsafeBufferPointer { fp in
    u.withUnsafeMutableBufferPointer { solver.solve(fp.baseAddress!, into: $0.baseAddress!) }
  }
  return maxRelativeDifference(u, exact)
}

@Test func theTwoLevelIterationKeepsItsPaceBehindTerminalResistances() throws {
  // G·r = 1e2: the merged modes carry the solve; with the terminal
  // segments in their chains the iterations stay few.
  let m = mesh(40, 30, r: (1, 1), terminal: (50, 80), seed: 11, gLow: 10, gHigh: 100)
  let solver = NodalSolver()
  let sol = try solver.solve(m)
  #expect(solver.lastSolveWasTwoLevel)
  #expect(sol.iterations <= 40, "\(sol.iterations) iterations")
  let direct = try NodalSolver().solveDirect(m)
  #expect(maxRelativeDifference(sol.outputCurrents, direct.outputCurrents) < 1e-8)
}

// The training hot path (`ResistiveReader`) with terminal resistances:
// the nodal solver's answer (through `DifferentialArray.read`), both ways,
// with the line solves alone and with the merged modes; and its transfer
// matrix, the read as a linear map.
@Test(arguments: [(1, 1), (1, 7), (9, 1), (12, 8), (37, 21)])
func theHotPathReadsBehindTerminalResistances(_ shape: (Int, Int)) throws {
  let (m, n) = shape
  for (k, (terminal, gScale)) in [((50.0, 0.0), 1.0), ((0.0, 80.0), 1.0), ((1e3, 2e3), 1.0), ((30.0, 60.0), 1e3)].enumerated() {
    let wires = WireModel(
      rowSegmentResistance: 2, columnSegmentResistance: 3, rowTerminalResistance: terminal.0, columnTerminalResistance: terminal.1)
    let a = randomArray(m, n, seed: UInt64(40 + k), wires: wires)
    if gScale != 1 {
      a.setConductances(plus: a.conductances(.plus).map { $0 * gScale }, minus: a.conductances(.minus).map { $0 * gScale })
    }
    let reader = ResistiveReader(rows: m, columns: n, wires: wires, options: .init(tolerance: 1e-11))
    var rng = SeededGenerator(seed: UInt64(50 + k))
    for direction in [ReadDirection.forward, .transposed] {
      let v = (0..<(direction == .forward ? m : n)).map { _ in rng.nextUniform() }
      let exact = try a.read(direction, voltages: v)
      let fast = try reader.readout(a, direction, voltages: v)
      let what = "\(shape) R \(terminal) G×\(gScale) \(direction)"
      #expect(maxRelativeDifference(fast.plus, exact.plus) < 1e-9, "\(what)")
      #expect(maxRelativeDifference(fast.minus, exact.minus) < 1e-9, "\(what)")
      #expect(isApproximatelyEqual(fast.energy, exact.energy, relativeTolerance: 1e-9), "\(what)")
      let delivered = fast.inputPlus.reduce(0, +) + fast.inputMinus.reduce(0, +)
      let absorbed = fast.plus.reduce(0, +) + fast.minus.reduce(0, +)
      #expect(isApproximatelyEqual(delivered, absorbed, relativeTolerance: 1e-9), "\(what)")
    }
    #expect(reader.isTwoLevel == (gScale > 1), "\(shape) G×\(gScale)")
    // The transfer matrix: a read through it is a solve.
    var t = [Float](repeating: 0, count: m * n)
    try t.withUnsafeMutableBufferPointer { try reader.transferMatrix(a, into: $0.baseAddress!) }
    let v = (0..<m).map { _ in 0.05 + rng.nextUniform() }
    let exact = try a.read(.forward, voltages: v).difference
    var viaT = [Double](repeating: 0, count: n)
    for i in 0..<m { for j in 0..<n { viaT[j] += Double(t[i * n + j]) * v[i] } }
    #expect(maxRelativeDifference(viaT, exact) < 1e-5, "\(shape) R \(terminal) transfer")
  }
}

@Test func aTerminalResistanceLowersEveryOutputAndIsNotASegment() throws {
  // A driver's resistance divides each row's drive with its cells: every
  // forward output of a uniform array falls, the far columns least
  // relative to the near (the row's current is what R drops).
  let (m, n) = (16, 16)
  let plain = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
  var behind = plain
  behind.rowTerminalResistance = 500
  let v = [Double](repeating: 0.2, count: m)
  let a = DifferentialArray(rows: m, columns: n, wires: plain)
  a.setConductances(plus: [Double](repeating: 1e-4, count: m * n), minus: [Double](repeating: 1e-6, count: m * n))
  let without = try a.read(.forward, voltages: v)
  a.wires = behind
  let with = try a.read(.forward, voltages: v)
  for j in 0..<n { #expect(with.plus[j] < without.plus[j]) }
  // The row current through R: 16 cells of ~1e-4 S behind 500 Ω drop
  // about 0.2·(1 − 1/(1 + 500·16e-4)) = 44 % of the drive.
  let share = with.plus.reduce(0, +) / without.plus.reduce(0, +)
  #expect(share > 0.5 && share < 0.6, "\(share)")
}

/// i_out of the 2×3 mesh of `exactTerminalReferences` behind terminal
/// resistances far above their segments (`scripts/exact-mesh`).
private let floatingReferences: [(r: Double, terminal: (Double, Double), out: [Double])] = [
  (1e-9, (1e9, 1e3), [3.416864190882434e-10, 6.777650391948331e-10, 4.805427752036211e-10]),
  (1, (1e15, 1e15), [2.99999999998809e-16, 3.0000000000002884e-16, 2.999999999993865e-16]),
]

@Test func aNearlyFloatingMeshIsSolvedDirectlyAndRefusedByTheIteration() throws {
  // R/r up to 1e18: the iteration's currents would err by about
  // 1e-16·R/r (a walkthrough, session 59: 1,500 times off, converged);
  // the direct solve is exact, and its residual is the voltages'
  // backward error, not their rounding against the tiny injections.
  for ref in floatingReferences {
    let wires = WireModel(
      rowSegmentResistance: ref.r, columnSegmentResistance: ref.r,
      rowTerminalResistance: ref.terminal.0, columnTerminalResistance: ref.terminal.1)
    let mesh = CrossbarMesh(
      rows: 2, columns: 3, conductance: [1e-4, 2e-4, 1e-4, 3e-5, 1e-4, 1e-4], wires: wires, rowVoltages: [1, 0.5])
    let direct = try NodalSolver().solveDirect(mesh)
    for (got, want) in zip(direct.outputCurrents, ref.out) {
      #expect(abs(got - want) <= 1e-13 * want, "r \(ref.r), R \(ref.terminal): \(got) vs \(want)")
    }
    #expect(direct.relativeResidual < 1e-15, "\(direct.relativeResidual)")
    do {
      _ = try NodalSolver().solve(mesh)
      Issue.record("the iteration answered R/r = \(ref.terminal.0 / ref.r)")
    } catch let e as ConfigurationError {
      #expect(e.field == "r_driver" && e.message.contains("beyond 1e8"), "\(e)")
    }
    // Training's reader refuses it too.
    let a = DifferentialArray(rows: 2, columns: 3, wires: wires)
    let reader = ResistiveReader(rows: 2, columns: 3, wires: wires)
    #expect(throws: ConfigurationError.self) { _ = try reader.readout(a, .forward, voltages: [1, 0.5]) }
  }
  // At the bound the iteration is taken, and within about 1e-16·R/r.
  let wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1, rowTerminalResistance: 1e8, columnTerminalResistance: 1e3)
  let mesh = CrossbarMesh(rows: 2, columns: 3, conductance: [1e-4, 2e-4, 1e-4, 3e-5, 1e-4, 1e-4], wires: wires, rowVoltages: [1, 0.5])
  let pcg = try NodalSolver().solve(mesh), direct = try NodalSolver().solveDirect(mesh)
  #expect(maxRelativeDifference(pcg.outputCurrents, direct.outputCurrents) < 1e-7)
}

@Test(arguments: [(ReadDirection.transposed, 0.0, 1e6), (.forward, 1e6, 0.0), (.transposed, 0.0, 1e8)])
func theHotPathTightensItsToleranceBehindLargeTerminalResistances(_ direction: ReadDirection, _ rd: Double, _ rs: Double) throws {
  // The reader stops on a residual relative to the ideal cell currents; a
  // large terminal resistance cuts the true currents far below them, and
  // the default 1e-6 had answered 13 % off at r_sense 1e8 Ω (a review,
  // session 59, on 785×200). Against the nodal solver at 1e-12.
  let (m, n) = (300, 60)
  let wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1, rowTerminalResistance: rd, columnTerminalResistance: rs)
  var rng = SeededGenerator(seed: 61)
  let a = DifferentialArray(rows: m, columns: n, wires: wires)
  a.setConductances(
    plus: (0..<(m * n)).map { _ in 1e-5 * rng.nextUniform() }, minus: (0..<(m * n)).map { _ in 1e-5 * rng.nextUniform() })
  let count = direction == .forward ? m : n
  let v = (0..<count).map { _ in rng.nextUniform() < 0.19 ? 0.2 * rng.nextUniform() : 0 }
  let reader = ResistiveReader(rows: m, columns: n, wires: wires)
  #expect(reader.effectiveTolerance(a) < 1e-6)
  let fast = try reader.readout(a, direction, voltages: v)
  let exact = try a.read(direction, voltages: v)
  let difference = zip(fast.plus, fast.minus).map { $0 - $1 }
  #expect(maxRelativeDifference(difference, exact.difference) < 1e-5, "\(direction) R \(rd), \(rs)")
  #expect(maxRelativeDifference(fast.plus, exact.plus) < 1e-6, "\(direction) R \(rd), \(rs)")
}

@Test func theLineByLineSolveRefusesATerminalFarBeyondItsSegments() throws {
  // One line kind ideal: the resistive lines' Thomas pivots at a far
  // terminal are differences of 1/r-sized numbers (a review, session 59:
  // r_col 1e-12 Ω before r_sense 1e3 Ω gave i_out 4.4 times too large).
  var far = mesh(64, 8, r: (0, 1e-12), terminal: (0, 1e3), seed: 62, gLow: 1e-5, gHigh: 1e-4)
  do {
    _ = try NodalSolver().solve(far)
    Issue.record("answered R/r = 1e15")
  } catch let e as ConfigurationError {
    #expect(e.field == "r_sense" && e.message.contains("raise the segments"), "\(e)")
  }
  // At the bound it answers as the one-node lines do, up to the
  // segments' own drop (r·ΣG·M ≈ 2e-6 here).
  far.wires.columnSegmentResistance = 1e-5
  let lines = try NodalSolver().solve(far)
  let nodes = try NodalSolver().solve(mesh(64, 8, r: (0, 0), terminal: (0, 1e3), seed: 62, gLow: 1e-5, gHigh: 1e-4))
  #expect(maxRelativeDifference(lines.outputCurrents, nodes.outputCurrents) < 1e-5)
}
