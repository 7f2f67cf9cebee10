@testable import Circuit
import Testing

// The resistive reader's preconditioner, z = P⁻¹·r with P the word lines'
// and the bit lines' tridiagonal matrices, checked by applying P to z: on
// word line i, g_r·(s_j·z_j − z_{j−1} − z_{j+1}) + G_ij·z_j = r_j (s_j = 2,
// 1 at the open right end); on bit line j likewise along i (1 segment at
// the open top). Any SPD preconditioner gives the reads the same answer,
// so wrong pivots (another row's, a column off by one) would show only as
// iterations; here they show as a residual. The shapes cover whole tiles
// of eight rows (solved four rows to a vector, blocks of four columns
// transposed), their gathered last columns (n mod 4 ≠ 0) and a last
// partial tile (one row at a time).
@Test(arguments: [(16, 8), (16, 9), (19, 6), (8, 3), (5, 7), (27, 13), (1, 1)])
func theLinePreconditionerInvertsEveryWordAndBitLine(_ shape: (Int, Int)) {
  let (m, n) = shape
  let rRow = 2.0, rCol = 0.5
  let w = MeshWorkspace(
    rows: m, columns: n, wires: WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol))
  var rng = SeededGenerator(seed: 31)
  // G up to 0.3/r: the pivots differ from row to row and column to column.
  let g = (0..<(m * n)).map { _ in 0.3 * rng.nextUniform() }
  g.withUnsafeBufferPointer { w.buildFactors($0.baseAddress!, twoLevelThreshold: .infinity) }
  for k in 0..<(m * n) {
    w.rW[k] = rng.nextUniform() - 0.5
    w.rB[k] = rng.nextUniform() - 0.5
  }
  let (rr, rzW) = w.updateAndPrecondition(alpha: 0)
  let rzB = w.bitBackSubstitution()
  let gr = 1 / rRow, gc = 1 / rCol
  var worst = 0.0, rr2 = 0.0, rz = 0.0
  for i in 0..<m {
    for j in 0..<n {
      let k = i * n + j
      let z = w.zW[k]
      var word = gr * ((j < n - 1 ? 2 : 1) * z - (j > 0 ? w.zW[k - 1] : 0) - (j < n - 1 ? w.zW[k + 1] : 0)) + g[k] * z
      worst = max(worst, abs(word - w.rW[k]))
      let zb = w.zB[k]
      word = gc * ((i > 0 ? 2 : 1) * zb - (i > 0 ? w.zB[k - n] : 0) - (i < m - 1 ? w.zB[k + n] : 0)) + g[k] * zb
      worst = max(worst, abs(word - w.rB[k]))
      rr2 += w.rW[k] * w.rW[k] + w.rB[k] * w.rB[k]
      rz += w.rW[k] * w.zW[k] + w.rB[k] * w.zB[k]
    }
  }
  #expect(worst < 1e-12, "largest |P·z − r| \(worst)")
  #expect(abs(rr - rr2) <= 1e-12 * rr2)
  #expect(abs(rzW + rzB - rz) <= 1e-12 * abs(rz))
}
