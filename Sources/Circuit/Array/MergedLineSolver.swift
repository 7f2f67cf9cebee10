import Foundation

/// The exact solve of a mesh's merged modes: u = (L_w + L_b)⁻¹·f on the
/// M×N cells, the coarse half of `ResistiveReader`'s two-level
/// preconditioner.
///
/// When a cell's conductance dominates its lines' segments (G·r ≫ 1) the
/// word and bit node of a cell move together, w ≈ b, and the line-by-line
/// (block Jacobi) preconditioner sees those merged modes (w = b = u) as
/// nearly null. Projected onto them, Zu = (u, u), the mesh operator is
/// Zᵀ·A·Z = L_w + L_b: the cell terms cancel, so it does not depend on G
/// at all. It is a Kronecker sum of two constant chains,
///
///   L_w + L_b = I_M ⊗ T_row + T_col ⊗ I_N,
///
/// T_row = g_r·tridiag(−1, 2, −1) with 1 on the diagonal at the open far
/// end j = N−1, T_col = g_c·tridiag(−1, 2, −1) with 1 at the open top
/// i = 0 (each line is terminated through one segment at its other end).
/// Both are mixed Dirichlet/Neumann chains with closed-form eigenpairs:
/// for a chain of n nodes numbered k = 1…n from the terminated end,
/// λ_ℓ = 4·sin²(θ_ℓ/2), v_ℓ(k) ∝ sin(θ_ℓ·k), θ_ℓ = (2ℓ+1)π/(2n+1).
///
/// A terminal resistance R in series with a line's source (the mesh's
/// ``CrossbarMesh/rowTerminalResistance``) makes the terminated end's
/// diagonal g + g_t, g_t = 1/(r + R) ≤ g, instead of 2g. Numbered
/// k = 1…n from the open end, v(k) = cos((k − ½)·θ) still satisfies every
/// row but the terminated end's, which holds when
///
///   f(θ) = (cos θ − 1 + t)·cos((n − ½)·θ) − sin θ·sin((n − ½)·θ) = 0,
///   t = g_t/g,
///
/// (t = 1 gives cos((n + ½)·θ) = 0, the closed form above; t → 0 the
/// open chain's θ = ℓπ/n). Adding t only raises the eigenvalues, so θ_ℓ
/// lies in [ℓπ/n, (2ℓ+1)π/(2n+1)], where f changes sign: bisection finds
/// each to the last bit.
///
/// The solve diagonalises the shorter side's chain (Q, an orthonormal
/// n×n basis): with U = Û·Qᵀ (N ≤ M), each column ℓ of Û solves the
/// shifted chain (T_col + λ_ℓ·I) along i, whose Thomas pivots are kept.
/// Cost: two dense M×N·N×N products, 2·M·N² multiply-adds (a blocked
/// SIMD kernel), and one tridiagonal sweep pair over the cells.
///
/// Allocates its basis, pivots and one M×N work field at construction;
/// a solve allocates nothing. Not thread-safe.
package final class MergedLineSolver {
  package let rows: Int, columns: Int
  let gr: Double, gc: Double
  /// The terminal segments' conductances, 1/(r + R): `gr`, `gc` without
  /// a terminal resistance.
  let grTerminal: Double, gcTerminal: Double
  /// True: the basis diagonalises T_row (N ≤ M); false: T_col.
  let alongRows: Bool
  /// The basis Q (size×size, row-major, eigenvectors as columns) and Qᵀ.
  let basis: UnsafeMutablePointer<Double>, basisT: UnsafeMutablePointer<Double>
  /// Inverse Thomas pivots of the shifted chains, M×N row-major (at
  /// (i, ℓ) along rows, at (ℓ, j) along columns).
  let pivots: UnsafeMutablePointer<Double>
  /// The transformed field, M×N.
  let work: UnsafeMutablePointer<Double>

  /// - Parameters: gr, gc: the segment conductances 1/r_row, 1/r_col (S);
  ///   grTerminal, gcTerminal: the terminal segments', 1/(r + R) (S),
  ///   in (0, gr] and (0, gc] (nil: gr, gc).
  package init(rows m: Int, columns n: Int, gr: Double, gc: Double, grTerminal: Double? = nil, gcTerminal: Double? = nil) {
    require(m >= 1 && n >= 1 && gr > 0 && gc > 0)
    rows = m
    columns = n
    self.gr = gr
    self.gc = gc
    let gtr = grTerminal ?? gr, gtc = gcTerminal ?? gc
    require(gtr > 0 && gtr <= gr && gtc > 0 && gtc <= gc)
    self.grTerminal = gtr
    self.gcTerminal = gtc
    alongRows = n <= m
    let size = alongRows ? n : m
    basis = .allocate(capacity: size * size)
    basisT = .allocate(capacity: size * size)
    pivots = .allocate(capacity: m * n)
    work = .allocate(capacity: m * n)
    work.initialize(repeating: 0, count: m * n)
    // The chain's eigenpairs, numbered from its terminated end: column ℓ
    // of Q holds v_ℓ at the chain's nodes in the mesh's index order (the
    // word line's terminated end is j = 0; the bit line's is i = M−1).
    var lambda = [Double](repeating: 0, count: size)
    let h = Double.pi / Double(2 * size + 1)
    let t = alongRows ? gtr / gr : gtc / gc
    for l in 0..<size {
      let theta = t == 1 ? Double(2 * l + 1) * h : Self.terminatedAngle(l, nodes: size, t: t)
      let s = sin(theta / 2)
      lambda[l] = 4 * s * s
      var norm = 0.0
      for k in 0..<size {
        let fromEnd = alongRows ? k + 1 : size - k
        let v = t == 1 ? sin(theta * Double(fromEnd)) : cos(theta * (Double(size - fromEnd) + 0.5))
        basis[k * size + l] = v
        norm += v * v
      }
      let scale = 1 / norm.squareRoot()
      for k in 0..<size { basis[k * size + l] *= scale }
    }
    for a in 0..<size {
      for b in 0..<size { basisT[b * size + a] = basis[a * size + b] }
    }
    if alongRows {
      // Column ℓ: the bit line's segments (g_c each, the terminal one
      // g_t: 2·g_c within, g_c at the open top) + g_r·λ_ℓ on the diagonal.
      for l in 0..<n {
        let shift = gr * lambda[l]
        for i in 0..<m {
          let d = (i > 0 ? gc : 0) + (i < m - 1 ? gc : gtc) + shift
          pivots[i * n + l] = 1 / (i == 0 ? d : d - gc * gc * pivots[(i - 1) * n + l])
        }
      }
    } else {
      // Row ℓ: the word line's segments (the terminal one at j = 0) +
      // g_c·λ_ℓ, one segment at the open end j = N−1.
      for l in 0..<m {
        let shift = gc * lambda[l]
        let o = l * n
        for j in 0..<n {
          let d = (j > 0 ? gr : gtr) + (j < n - 1 ? gr : 0) + shift
          pivots[o + j] = 1 / (j == 0 ? d : d - gr * gr * pivots[o + j - 1])
        }
      }
    }
  }

  deinit {
    for p in [basis, basisT, pivots, work] { p.deallocate() }
  }

  /// θ_ℓ of a chain of n nodes whose terminated end's diagonal is
  /// (1 + t)·g (0 < t < 1; see the type's comment): the root of f in
  /// [ℓπ/n, (2ℓ+1)π/(2n+1)], bisected until the interval stops shrinking.
  static func terminatedAngle(_ l: Int, nodes n: Int, t: Double) -> Double {
    func f(_ theta: Double) -> Double {
      let phi = (Double(n) - 0.5) * theta
      return (cos(theta) - 1 + t) * cos(phi) - sin(theta) * sin(phi)
    }
    var a = Double(l) * Double.pi / Double(n), b = Double(2 * l + 1) * Double.pi / Double(2 * n + 1)
    let fa = f(a)
    if fa == 0 { return a }
    while true {
      let mid = 0.5 * (a + b)
      guard mid > a && mid < b else { break }
      let fm = f(mid)
      if fm == 0 { return mid }
      if (fm > 0) == (fa > 0) { a = mid } else { b = mid }
    }
    return 0.5 * (a + b)
  }

  /// u = (L_w + L_b)⁻¹·f, both M×N row-major; `u` must not be `f`.
  package func solve(_ f: UnsafePointer<Double>, into u: UnsafeMutablePointer<Double>) {
    solve(f, into: u, parts: 1) { body in body(0) }
  }

  /// The same solve cut into `parts` independent shares per stage (rows of
  /// the products, columns or rows of the chains), which `run` executes,
  /// e.g. on several threads: run(body) must call body(t) for every t in
  /// 0..<parts and return when all are done. Each share computes its
  /// entries exactly as the single solve does, so the result is the same
  /// bit for bit.
  package func solve(
    _ f: UnsafePointer<Double>, into u: UnsafeMutablePointer<Double>, parts: Int,
    run: ((Int) -> Void) -> Void
  ) {
    let m = rows, n = columns, w = work
    func share(_ count: Int, _ t: Int) -> Range<Int> { (count * t / parts)..<(count * (t + 1) / parts) }
    // out = left·right, M×N, its rows in shares: left is M×inner (f along
    // rows, Qᵀ or Q along columns), right inner×N.
    let inner = alongRows ? n : m
    func product(_ left: UnsafePointer<Double>, _ right: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
      run { t in
        let r = share(m, t)
        Self.multiply(
          left + r.lowerBound * inner, right, into: out + r.lowerBound * n, p: r.count, q: inner, r: n)
      }
    }
    if alongRows {
      product(f, basis, into: w)
      run { t in chainsAlongRows(share(n, t)) }
      product(w, basisT, into: u)
    } else {
      product(basisT, f, into: w)
      run { t in chainsAlongColumns(share(m, t)) }
      product(basis, w, into: u)
    }
  }

  typealias V4 = SIMD4<Double>

  /// The shifted chains along i of the columns ℓ in `range`, four at a
  /// time: forward elimination y_i = (x_i + g_c·y_{i−1})·inv_i, then back
  /// substitution x_i = y_i + g_c·inv_i·x_{i+1}, in place in `work`.
  private func chainsAlongRows(_ range: Range<Int>) {
    let m = rows, n = columns, gc = self.gc
    let w = work + range.lowerBound, inv = pivots + range.lowerBound
    let width = range.count, n4 = width & ~3
    let vgc = V4(repeating: gc)
    var j = 0
    while j < n4 {
      _Double4.st(w + j, _Double4.ld(w + j) * _Double4.ld(inv + j))
      j &+= 4
    }
    while j < width { w[j] *= inv[j]; j &+= 1 }
    var i = 1
    while i < m {
      let o = i &* n
      j = 0
      while j < n4 {
        _Double4.st(w + o + j, (_Double4.ld(w + o + j) + vgc * _Double4.ld(w + o - n + j)) * _Double4.ld(inv + o + j))
        j &+= 4
      }
      while j < width { w[o &+ j] = (w[o &+ j] + gc * w[o &- n &+ j]) * inv[o &+ j]; j &+= 1 }
      i &+= 1
    }
    i = m &- 2
    while i >= 0 {
      let o = i &* n
      j = 0
      while j < n4 {
        _Double4.st(w + o + j, _Double4.ld(w + o + j) + vgc * _Double4.ld(inv + o + j) * _Double4.ld(w + o + n + j))
        j &+= 4
      }
      while j < width { w[o &+ j] += gc * inv[o &+ j] * w[o &+ n &+ j]; j &+= 1 }
      i &-= 1
    }
  }

  /// The shifted chains along j, one row ℓ of `range` at a time.
  private func chainsAlongColumns(_ range: Range<Int>) {
    let n = columns, gr = self.gr, w = work, inv = pivots
    for l in range {
      let o = l &* n
      var y = 0.0
      for j in 0..<n {
        y = (w[o &+ j] + gr * y) * inv[o &+ j]
        w[o &+ j] = y
      }
      var j = n &- 2
      while j >= 0 {
        y = w[o &+ j] + gr * inv[o &+ j] * y
        w[o &+ j] = y
        j &-= 1
      }
    }
  }

  /// c = a·b, row-major: a is p×q, b q×r, c p×r (c distinct from both).
  /// Tiles of four rows × eight columns of c in eight vector
  /// accumulators, b's rows streamed, a's entries broadcast; the edges
  /// in four-column and single-row/column pieces.
  ///
  /// Blocked for the cache: b in blocks of `kBlock` rows × `jBlock`
  /// columns (256 KiB), each used by every row of a before the next. An
  /// entry of c is summed over k in the same order whatever the blocks
  /// (a later k-block adds on to the stored partial sum), so the result is
  /// the same bit for bit; the blocks change only the memory traffic.
  /// Unblocked, every four rows of a streamed all of b: on 2000×2000 that
  /// is 16 GB per product.
  package static func multiply(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    p: Int, q: Int, r: Int
  ) {
    var k0 = 0
    repeat {
      let k1 = min(q, k0 &+ kBlock)
      var j0 = 0
      repeat {
        let j1 = min(r, j0 &+ jBlock)
        multiplyBlock(a, b, into: c, p: p, q: q, r: r, k: k0..<k1, j: j0..<j1)
        j0 = j1
      } while j0 < r
      k0 = k1
    } while k0 < q
  }

  static let kBlock = 128, jBlock = 256

  /// c[:, j] (+)= a[:, k]·b[k, j] for one block: starts from 0 at the first
  /// k-block, from c's partial sums after it. Columns below r rounded down
  /// to four are summed with fused multiply-adds (vector), the others
  /// unfused (scalar), as in the unblocked product.
  @inline(__always)
  private static func multiplyBlock(
    _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, into c: UnsafeMutablePointer<Double>,
    p: Int, q: Int, r: Int, k ks: Range<Int>, j js: Range<Int>
  ) {
    let r4 = r & ~3
    let first = ks.lowerBound == 0
    let kLo = ks.lowerBound, kHi = ks.upperBound
    let j8End = min(js.upperBound, r & ~7), j4End = min(js.upperBound, r4)
    @inline(__always) func start(_ x: UnsafeMutablePointer<Double>) -> V4 { first ? V4() : _Double4.ld(x) }
    var i = 0
    while i &+ 4 <= p {
      let a0 = a + i &* q, a1 = a0 + q, a2 = a1 + q, a3 = a2 + q
      let c0 = c + i &* r, c1 = c0 + r, c2 = c1 + r, c3 = c2 + r
      var j = js.lowerBound
      while j < j8End {
        var s00 = start(c0 + j), s01 = start(c0 + j + 4), s10 = start(c1 + j), s11 = start(c1 + j + 4)
        var s20 = start(c2 + j), s21 = start(c2 + j + 4), s30 = start(c3 + j), s31 = start(c3 + j + 4)
        var bk = b + kLo &* r + j
        for k in kLo..<kHi {
          let b0 = _Double4.ld(bk), b1 = _Double4.ld(bk + 4)
          let x0 = V4(repeating: a0[k]), x1 = V4(repeating: a1[k])
          let x2 = V4(repeating: a2[k]), x3 = V4(repeating: a3[k])
          s00.addProduct(x0, b0); s01.addProduct(x0, b1)
          s10.addProduct(x1, b0); s11.addProduct(x1, b1)
          s20.addProduct(x2, b0); s21.addProduct(x2, b1)
          s30.addProduct(x3, b0); s31.addProduct(x3, b1)
          bk += r
        }
        _Double4.st(c0 + j, s00); _Double4.st(c0 + j + 4, s01)
        _Double4.st(c1 + j, s10); _Double4.st(c1 + j + 4, s11)
        _Double4.st(c2 + j, s20); _Double4.st(c2 + j + 4, s21)
        _Double4.st(c3 + j, s30); _Double4.st(c3 + j + 4, s31)
        j &+= 8
      }
      while j < j4End {
        var s0 = start(c0 + j), s1 = start(c1 + j), s2 = start(c2 + j), s3 = start(c3 + j)
        var bk = b + kLo &* r + j
        for k in kLo..<kHi {
          let b0 = _Double4.ld(bk)
          s0.addProduct(V4(repeating: a0[k]), b0); s1.addProduct(V4(repeating: a1[k]), b0)
          s2.addProduct(V4(repeating: a2[k]), b0); s3.addProduct(V4(repeating: a3[k]), b0)
          bk += r
        }
        _Double4.st(c0 + j, s0); _Double4.st(c1 + j, s1); _Double4.st(c2 + j, s2); _Double4.st(c3 + j, s3)
        j &+= 4
      }
      while j < js.upperBound {
        var s0 = first ? 0.0 : c0[j], s1 = first ? 0.0 : c1[j]
        var s2 = first ? 0.0 : c2[j], s3 = first ? 0.0 : c3[j]
        for k in kLo..<kHi {
          let x = b[k &* r &+ j]
          s0 += a0[k] * x; s1 += a1[k] * x; s2 += a2[k] * x; s3 += a3[k] * x
        }
        c0[j] = s0; c1[j] = s1; c2[j] = s2; c3[j] = s3
        j &+= 1
      }
      i &+= 4
    }
    while i < p {
      let ai = a + i &* q, ci = c + i &* r
      var j = js.lowerBound
      while j < j4End {
        var s = start(ci + j)
        var bk = b + kLo &* r + j
        for k in kLo..<kHi {
          s.addProduct(V4(repeating: ai[k]), _Double4.ld(bk))
          bk += r
        }
        _Double4.st(ci + j, s)
        j &+= 4
      }
      while j < js.upperBound {
        var s = first ? 0.0 : ci[j]
        for k in kLo..<kHi { s += ai[k] * b[k &* r &+ j] }
        ci[j] = s
        j &+= 1
      }
      i &+= 1
    }
  }
}
