import Dispatch

/// Solves the nodal equations of a resistive crossbar mesh.
///
/// With both segment resistances positive the 2·M·N node voltages solve a
/// symmetric positive definite system G·x = i (Kirchhoff's current law at
/// every node). The solver runs preconditioned conjugate gradients with a
/// block-Jacobi preconditioner whose blocks are the lines themselves: every
/// word line and every bit line is a tridiagonal system, solved exactly by
/// the Thomas algorithm. The coupling left to the iteration is only through
/// the cells, which are weak next to the wires (G ≪ 1/r), so few
/// iterations are needed. With one kind of line ideal (r = 0) its nodes are
/// known and the other lines are solved directly; with both ideal the
/// answer is the Kirchhoff sum.
///
/// The solver keeps its workspace between calls: solving meshes of one
/// shape again allocates only the returned solution. Not thread-safe: use
/// one solver per thread.
///
/// From G_max·max(r) ≥ `Options.twoLevelThreshold` the preconditioner adds
/// the solve of the merged modes w = b (`MergedLineSolver`), which keeps the
/// iterations near 20 at any G·r: exact with every line terminated, and
/// otherwise that of the terminated mesh (each open line is a rank-one
/// difference, which the conjugate gradients absorb in a few iterations).
///
/// - Complexity: O(M·N) per iteration with the line solves alone, whose
///   iteration count grows with the electrical length of the lines,
///   √(G·r)·max(M, N); the second level adds 2·M·N·min(M, N) per iteration.
public final class NodalSolver: @unchecked Sendable {
  /// Convergence and parallelism settings.
  public struct Options: Sendable {
    /// Stop when ‖i − G·x‖₂ ≤ tolerance · ‖i‖₂ (relative KCL residual) and
    /// ≤ √tolerance · ‖I_cells‖₂, the cell currents of the ideal-wire field
    /// (so a line of vanishing r cannot hide the cells' residual), and the
    /// preconditioned residual's root mean square over the nodes (volts) is
    /// ≤ tolerance · the largest drive (so a line of vast r cannot hide
    /// the voltages of cells that see almost none of it).
    public var tolerance: Double
    /// Give up after this many iterations.
    public var maxIterations: Int
    /// Worker threads; 0 chooses 2 for meshes of at least
    /// `parallelThreshold` cells and 1 below.
    public var threads: Int
    /// Cells from which two threads pay for their start-up cost.
    public var parallelThreshold: Int
    /// From this G_max·max(r_row, r_col) on, the preconditioner adds the
    /// solve of the merged modes w = b (`MergedLineSolver`), as
    /// `ResistiveReader` does; below it the line solves run alone.
    /// `.infinity` turns the second level off, 0 forces it.
    public var twoLevelThreshold: Double

    public init(
      tolerance: Double = 1e-12, maxIterations: Int = 20_000, threads: Int = 0,
      parallelThreshold: Int = 20_000, twoLevelThreshold: Double = 1e-2
    ) {
      self.tolerance = tolerance
      self.maxIterations = maxIterations
      self.threads = threads
      self.parallelThreshold = parallelThreshold
      self.twoLevelThreshold = twoLevelThreshold
    }

    /// - Throws: ``ConfigurationError`` naming the setting: a tolerance
    ///   outside (0, 1) (at 1 or above a zero field would pass as the
    ///   answer), `maxIterations` below 1, `threads` outside 0…256,
    ///   a negative `parallelThreshold`, a negative or NaN
    ///   `twoLevelThreshold` (`.infinity` is allowed). `solve` calls it.
    public func validate() throws {
      try Self.check(tolerance: tolerance, maxIterations: maxIterations, twoLevelThreshold: twoLevelThreshold)
      guard (0...256).contains(threads) else {
        throw ConfigurationError(field: "threads", "must be 0 (chosen by size) or 1...256, got \(threads)")
      }
      guard parallelThreshold >= 0 else {
        throw ConfigurationError(field: "parallelThreshold", "must be >= 0, got \(parallelThreshold)")
      }
    }

    /// The settings `NodalSolver` and `ResistiveReader` share.
    package static func check(tolerance: Double, maxIterations: Int, twoLevelThreshold: Double) throws {
      guard tolerance > 0 && tolerance < 1 else {
        throw ConfigurationError(
          field: "tolerance", "must be in (0, 1) (a relative residual), got \(ConfigurationError.shown(tolerance))")
      }
      guard maxIterations >= 1 else {
        throw ConfigurationError(field: "maxIterations", "must be >= 1, got \(maxIterations)")
      }
      guard twoLevelThreshold >= 0 else {
        throw ConfigurationError(
          field: "twoLevelThreshold",
          "must be >= 0 (0: always two levels, infinity: never), got \(ConfigurationError.shown(twoLevelThreshold))")
      }
    }
  }

  /// The settings of the next solves.
  public var options: Options

  // Workspace, each M·N long, row-major: diagonals, Thomas inverses and
  // the PCG vectors, word-line (w) and bit-line (b) halves.
  // One allocation holds them all; it grows, never shrinks.
  private var capacity = 0
  private var storage = UnsafeMutablePointer<Double>.allocate(capacity: 1)
  private var dw: UnsafeMutablePointer<Double> { storage }
  private var db: UnsafeMutablePointer<Double> { storage + capacity }
  private var iw: UnsafeMutablePointer<Double> { storage + 2 * capacity }
  private var ib: UnsafeMutablePointer<Double> { storage + 3 * capacity }
  private var xw: UnsafeMutablePointer<Double> { storage + 4 * capacity }
  private var xb: UnsafeMutablePointer<Double> { storage + 5 * capacity }
  private var rw: UnsafeMutablePointer<Double> { storage + 6 * capacity }
  private var rb: UnsafeMutablePointer<Double> { storage + 7 * capacity }
  private var zw: UnsafeMutablePointer<Double> { storage + 8 * capacity }
  private var zb: UnsafeMutablePointer<Double> { storage + 9 * capacity }
  private var pw: UnsafeMutablePointer<Double> { storage + 10 * capacity }
  private var pb: UnsafeMutablePointer<Double> { storage + 11 * capacity }
  private var qw: UnsafeMutablePointer<Double> { storage + 12 * capacity }
  private var qb: UnsafeMutablePointer<Double> { storage + 13 * capacity }
  private static let vectorCount = 14
  /// The merged-mode solver of the last two-level solve, kept while the
  /// shape and segment conductances stay the same.
  private var merged: MergedLineSolver?
  /// Whether the last solve used the two-level preconditioner.
  public private(set) var lastSolveWasTwoLevel = false

  public init(options: Options = Options()) {
    self.options = options
  }

  deinit { storage.deallocate() }

  private func reserve(_ m: Int, _ n: Int) {
    guard m * n > capacity else { return }
    storage.deallocate()
    capacity = m * n
    storage = .allocate(capacity: Self.vectorCount * capacity)
    storage.initialize(repeating: 0, count: Self.vectorCount * capacity)
  }

  /// Solves `mesh`, optionally starting from a previous solution of a
  /// mesh of the same shape (a warm start).
  ///
  /// - Throws: ``ConfigurationError`` when the mesh fails
  ///   ``CrossbarMesh/validate()`` (a negative, non-finite or unsolvably
  ///   small or large resistance, a negative or non-finite conductance, a
  ///   non-finite source voltage, an open line without resistance), or
  ///   `options` fail ``Options/validate()``;
  ///   `SolverError.floatingLine` when a line has no path to any source;
  ///   `SolverError.didNotConverge` when the tolerance is not met within
  ///   `maxIterations` (the caller gets no unconverged answer);
  ///   ``ConfigurationError`` (field `r_row` or `r_col`) for a mesh beyond
  ///   ``WireModel/largestConductanceTimesResistance``
  ///   (``CrossbarMesh/illConditioning``); `SolverError.overflow` when a
  ///   current is not finite.
  public func solve(_ mesh: CrossbarMesh, warmStart: MeshSolution? = nil) throws -> MeshSolution {
    // Checked here, not left to the caller: an unchecked mesh failed as
    // "did not converge" (NaN or negative r), trapped without a message
    // (r = ∞) or returned zero currents as converged (r beyond 1e150 Ω).
    try checkSolvable(mesh)
    try options.validate()
    // (The line-by-line solve with one kind ideal too: its Thomas pivots
    // at a far terminal are differences of 1/r-sized numbers, 4.4 times
    // off at 1e-12 Ω before 1e3 Ω; a review, session 59.)
    if let t = mesh.wires.terminalIllConditioning {
      let both = mesh.wires.rowSegmentResistance > 0 && mesh.wires.columnSegmentResistance > 0
      throw ConfigurationError(
        field: t.field, WireModel.beyondTerminalRatio(t) + (both ? "; solve it directly (solveDirect)" : "; raise the segments (solveDirect takes both line kinds resistive)"))
    }
    // Set again by the conjugate gradients; a solve that does not reach
    // them (an ideal line kind, a floating line) used none.
    lastSolveWasTwoLevel = false
    try checkFloating(mesh)
    var sol: MeshSolution
    if mesh.needsNewton {
      sol = try solveNewton(mesh, warmStart: warmStart) { lin, source, start in
        try self.solveLinear(lin, warmStart: start, cellSource: source)
      }
    } else {
      sol = try solveLinear(mesh, warmStart: warmStart, cellSource: nil)
    }
    terminalCurrents(mesh, solution: &sol)
    // Ideal wires sum G·V without an iteration to notice an overflow (1e300
    // S at 1e300 V gave ∞ A; a walkthrough, session 43).
    guard sol.rowTerminalCurrent.allSatisfy(\.isFinite) && sol.columnTerminalCurrent.allSatisfy(\.isFinite) else {
      throw SolverError.overflow
    }
    return sol
  }

  /// The node voltages of a mesh of linear cells (its `cellIV` is not
  /// read), each cell with a current source `cellSource[k]` (A, word node
  /// to bit node) beside it when given: the solve a Newton step makes.
  /// The terminal currents are left at 0.
  func solveLinear(_ mesh: CrossbarMesh, warmStart: MeshSolution?, cellSource: [Double]?) throws -> MeshSolution {
    let m = mesh.rows, n = mesh.columns
    let rr = mesh.wires.rowSegmentResistance, rc = mesh.wires.columnSegmentResistance
    var sol = Self.emptySolution(m, n)
    let vRow = mesh.rowTerminations.map { $0.volts ?? 0 }
    let vCol = mesh.columnTerminations.map { $0.volts ?? 0 }

    if rr == 0 && rc == 0 && mesh.hasTerminalResistance {
      // Each line is one node behind its terminal resistance.
      try solveCollapsed(mesh, cellSource: cellSource, solution: &sol)
    } else if rr == 0 && rc == 0 {
      for i in 0..<m {
        for j in 0..<n {
          sol.wordNodeVoltage[i * n + j] = vRow[i]
          sol.bitNodeVoltage[i * n + j] = vCol[j]
        }
      }
    } else if rr == 0 {
      // Word lines ideal: bit lines are independent tridiagonal systems.
      for i in 0..<m { for j in 0..<n { sol.wordNodeVoltage[i * n + j] = vRow[i] } }
      solveBitLinesDirect(mesh, vCol: vCol, cellSource: cellSource, solution: &sol)
    } else if rc == 0 {
      for i in 0..<m { for j in 0..<n { sol.bitNodeVoltage[i * n + j] = vCol[j] } }
      solveWordLinesDirect(mesh, vRow: vRow, cellSource: cellSource, solution: &sol)
    } else {
      // Drives far from a volt are solved as drives of about one volt and
      // scaled back, by a power of two (exact): the iteration's squared
      // norms had underflowed, and 1e-200 V drives were answered 0 A,
      // 1e-160 V ones as the ideal-line currents after 0 iterations, both
      // said converged (an audit, session 88).
      let vMax = (vRow + vCol).reduce(0.0) { max($0, abs($1)) }
      if vMax > 0 && vMax.isFinite && (vMax < Self.unscaledDrives.lowerBound || vMax > Self.unscaledDrives.upperBound) {
        let scale = Double(sign: .plus, exponent: -vMax.exponent, significand: 1)
        var start = warmStart
        if var ws = start {
          ws.wordNodeVoltage = ws.wordNodeVoltage.map { $0 * scale }
          ws.bitNodeVoltage = ws.bitNodeVoltage.map { $0 * scale }
          start = ws
        }
        try solveConjugateGradients(
          mesh, vRow: vRow.map { $0 * scale }, vCol: vCol.map { $0 * scale }, warmStart: start,
          cellSource: cellSource?.map { $0 * scale }, solution: &sol)
        sol.wordNodeVoltage = sol.wordNodeVoltage.map { $0 / scale }
        sol.bitNodeVoltage = sol.bitNodeVoltage.map { $0 / scale }
      } else {
        try solveConjugateGradients(mesh, vRow: vRow, vCol: vCol, warmStart: warmStart, cellSource: cellSource, solution: &sol)
      }
    }
    return sol
  }

  /// The largest drive (V) the conjugate gradients take as it is; beyond
  /// these bounds the drives are scaled to about 1 V by a power of two
  /// for the iteration, and its voltages scaled back.
  static let unscaledDrives = 1e-100...1e100

  // MARK: - Structure checks

  /// The checks every solve makes first: the mesh's values
  /// (``CrossbarMesh/validate()``) and its G·r (``CrossbarMesh/illConditioning``).
  func checkSolvable(_ mesh: CrossbarMesh) throws {
    try mesh.validate()
    if let (g, r, field) = mesh.illConditioning {
      throw ConfigurationError(
        field: field,
        WireModel.beyondConditioning("conductance", conductance: "\(g)", resistance: "\(r)", product: "\(g * r)"))
    }
  }

  /// A solution of zero voltages and currents, 0 iterations, converged:
  /// what a solve fills in.
  static func emptySolution(_ m: Int, _ n: Int) -> MeshSolution {
    MeshSolution(
      rows: m, columns: n,
      wordNodeVoltage: [Double](repeating: 0, count: m * n),
      bitNodeVoltage: [Double](repeating: 0, count: m * n),
      rowTerminalCurrent: [Double](repeating: 0, count: m),
      columnTerminalCurrent: [Double](repeating: 0, count: n),
      iterations: 0, relativeResidual: 0, converged: true)
  }

  /// Every group of lines joined by non-zero cells must reach a source.
  func checkFloating(_ mesh: CrossbarMesh) throws {
    let m = mesh.rows, n = mesh.columns
    let anyOpen = mesh.rowTerminations.contains(.open) || mesh.columnTerminations.contains(.open)
    guard anyOpen else { return }
    // Union-find over lines: 0..<m word lines, m..<m+n bit lines.
    var parent = Array(0..<(m + n))
    func find(_ x: Int) -> Int {
      var x = x
      while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
      return x
    }
    for i in 0..<m {
      for j in 0..<n where mesh.conductance[i * n + j] > 0 {
        let a = find(i), b = find(m + j)
        if a != b { parent[a] = b }
      }
    }
    var grounded = [Bool](repeating: false, count: m + n)
    for i in 0..<m where mesh.rowTerminations[i] != .open { grounded[find(i)] = true }
    for j in 0..<n where mesh.columnTerminations[j] != .open { grounded[find(m + j)] = true }
    for i in 0..<m where !grounded[find(i)] { throw SolverError.floatingLine("word line \(i)") }
    for j in 0..<n where !grounded[find(m + j)] { throw SolverError.floatingLine("bit line \(j)") }
  }

  // MARK: - Direct solves with one kind of line ideal

  private func solveBitLinesDirect(_ mesh: CrossbarMesh, vCol: [Double], cellSource: [Double]?, solution sol: inout MeshSolution) {
    let m = mesh.rows, n = mesh.columns
    let gc = 1 / mesh.wires.columnSegmentResistance, gt = mesh.columnTerminalConductance
    reserve(m, n)
    mesh.conductance.withUnsafeBufferPointer { g in
      sol.wordNodeVoltage.withUnsafeBufferPointer { w in
        sol.bitNodeVoltage.withUnsafeMutableBufferPointer { x in
          // Right-hand side: current injected by the cells (from the known
          // word-line voltages) and by the termination of each bit line.
          for k in 0..<(m * n) { x[k] = g[k] * w[k] }
          if let cellSource { for k in 0..<(m * n) { x[k] += cellSource[k] } }
          for j in 0..<n where mesh.columnTerminations[j] != .open { x[(m - 1) * n + j] += gt * vCol[j] }
          buildBitFactors(mesh, gc: gc)
          Self.bitThomas(x.baseAddress!, ib, m: m, n: n, g: gc, j0: 0, j1: n)
        }
      }
    }
  }

  private func solveWordLinesDirect(_ mesh: CrossbarMesh, vRow: [Double], cellSource: [Double]?, solution sol: inout MeshSolution) {
    let m = mesh.rows, n = mesh.columns
    let gr = 1 / mesh.wires.rowSegmentResistance, gt = mesh.rowTerminalConductance
    reserve(m, n)
    mesh.conductance.withUnsafeBufferPointer { g in
      sol.bitNodeVoltage.withUnsafeBufferPointer { b in
        sol.wordNodeVoltage.withUnsafeMutableBufferPointer { x in
          for k in 0..<(m * n) { x[k] = g[k] * b[k] }
          if let cellSource { for k in 0..<(m * n) { x[k] -= cellSource[k] } }
          for i in 0..<m where mesh.rowTerminations[i] != .open { x[i * n] += gt * vRow[i] }
          buildWordFactors(mesh, gr: gr)
          Self.wordThomas(x.baseAddress!, iw, n: n, g: gr, i0: 0, i1: m)
        }
      }
    }
  }

  // MARK: - Line factors

  /// Diagonal of the word-line equations, and its Thomas inverses.
  private func buildWordFactors(_ mesh: CrossbarMesh, gr: Double) {
    let m = mesh.rows, n = mesh.columns
    let d = dw, inv = iw
    // The terminal segment, r_row + R: 1/r_row itself without R.
    let gt = mesh.rowTerminalConductance
    mesh.conductance.withUnsafeBufferPointer { g in
          let g2 = gr * gr
          for i in 0..<m {
            let leftEnd = mesh.rowTerminations[i] != .open
            var prev = 0.0
            for j in 0..<n {
              let k = i * n + j
              let left = j > 0 ? gr : (leftEnd ? gt : 0)
              d[k] = left + (j < n - 1 ? gr : 0) + g[k]
              let pivot = j == 0 ? d[k] : d[k] - g2 * prev
              prev = 1 / pivot
              inv[k] = prev
            }
          }
    }
  }

  /// Diagonal of the bit-line equations, and its Thomas inverses.
  private func buildBitFactors(_ mesh: CrossbarMesh, gc: Double) {
    let m = mesh.rows, n = mesh.columns
    let d = db, inv = ib
    let gt = mesh.columnTerminalConductance
    mesh.conductance.withUnsafeBufferPointer { g in
          let g2 = gc * gc
          for i in 0..<m {
            for j in 0..<n {
              let k = i * n + j
              let bottomEnd = mesh.columnTerminations[j] != .open
              let below = i < m - 1 ? gc : (bottomEnd ? gt : 0)
              d[k] = (i > 0 ? gc : 0) + below + g[k]
              inv[k] = 1 / (i == 0 ? d[k] : d[k] - g2 * inv[k - n])
            }
          }
    }
  }

  // MARK: - Kernels

  /// Solves the word lines i0..<i1 in place: x ← T⁻¹x, with T tridiagonal
  /// (off-diagonal −g) and `inv` its precomputed Thomas pivots' inverses.
  // Note: the recurrence runs along a row, so one row is a dependency
  // chain. Four rows go through the loop together to keep the FPU busy.
  @inline(__always)
  static func wordThomas(
    _ x: UnsafeMutablePointer<Double>, _ inv: UnsafePointer<Double>,
    n: Int, g: Double, i0: Int, i1: Int
  ) {
    var i = i0
    while i + 4 <= i1 {
      let a = x + i * n, b = a + n, c = b + n, d = c + n
      let ia = inv + i * n, ib = ia + n, ic = ib + n, id = ic + n
      a[0] *= ia[0]; b[0] *= ib[0]; c[0] *= ic[0]; d[0] *= id[0]
      var j = 1
      while j < n {
        a[j] = (a[j] + g * a[j - 1]) * ia[j]
        b[j] = (b[j] + g * b[j - 1]) * ib[j]
        c[j] = (c[j] + g * c[j - 1]) * ic[j]
        d[j] = (d[j] + g * d[j - 1]) * id[j]
        j += 1
      }
      j = n - 2
      while j >= 0 {
        a[j] += g * ia[j] * a[j + 1]
        b[j] += g * ib[j] * b[j + 1]
        c[j] += g * ic[j] * c[j + 1]
        d[j] += g * id[j] * d[j + 1]
        j -= 1
      }
      i += 4
    }
    while i < i1 {
      let a = x + i * n, ia = inv + i * n
      a[0] *= ia[0]
      var j = 1
      while j < n { a[j] = (a[j] + g * a[j - 1]) * ia[j]; j += 1 }
      j = n - 2
      while j >= 0 { a[j] += g * ia[j] * a[j + 1]; j -= 1 }
      i += 1
    }
  }

  /// Solves the bit lines j0..<j1 in place, all columns of the range in
  /// each sweep over the rows (contiguous, vectorisable).
  @inline(__always)
  static func bitThomas(
    _ x: UnsafeMutablePointer<Double>, _ inv: UnsafePointer<Double>,
    m: Int, n: Int, g: Double, j0: Int, j1: Int
  ) {
    for j in j0..<j1 { x[j] *= inv[j] }
    if m > 1 {
      for i in 1..<m {
        let row = x + i * n, up = row - n, ir = inv + i * n
        for j in j0..<j1 { row[j] = (row[j] + g * up[j]) * ir[j] }
      }
      for i in stride(from: m - 2, through: 0, by: -1) {
        let row = x + i * n, down = row + n, ir = inv + i * n
        for j in j0..<j1 { row[j] += g * ir[j] * down[j] }
      }
    }
  }

  // MARK: - Preconditioned conjugate gradients

  private func solveConjugateGradients(
    _ mesh: CrossbarMesh, vRow: [Double], vCol: [Double], warmStart: MeshSolution?, cellSource: [Double]?,
    solution sol: inout MeshSolution
  ) throws {
    let m = mesh.rows, n = mesh.columns, mn = m * n
    let gr = 1 / mesh.wires.rowSegmentResistance, gc = 1 / mesh.wires.columnSegmentResistance
    reserve(m, n)
    buildWordFactors(mesh, gr: gr)
    buildBitFactors(mesh, gc: gc)
    let threads = options.threads > 0 ? options.threads : (mn >= options.parallelThreshold ? 2 : 1)
    let tol = options.tolerance, maxIter = options.maxIterations
    let rowOpen = mesh.rowTerminations.map { $0 == .open }
    let colOpen = mesh.columnTerminations.map { $0 == .open }
    // Two levels. The merged modes' operator L_w + L_b is the Kronecker
    // sum `MergedLineSolver` inverts when every line has its termination.
    // An open line lacks its end segment: the true operator is that sum
    // minus g·e·eᵀ at the line's end node. The terminated sum is still
    // symmetric positive definite, so the additive preconditioner stays a
    // valid one; the conjugate gradients take about one more iteration
    // per open line at most (`openLinesKeepTwoLevelsAndTheAnswer`: 24×20
    // at G_max·r = 1e4 with five open lines, 18 iterations against 1,225
    // with the line solves alone).
    let gMax = mesh.conductance.max() ?? 0
    let twoLevel = gMax / min(gr, gc) >= options.twoLevelThreshold
    lastSolveWasTwoLevel = twoLevel
    let gtr = mesh.rowTerminalConductance, gtc = mesh.columnTerminalConductance
    let reusable = merged.map {
      $0.rows == m && $0.columns == n && $0.gr == gr && $0.gc == gc && $0.grTerminal == gtr && $0.gcTerminal == gtc
    } ?? false
    if twoLevel && !reusable {
      merged = MergedLineSolver(rows: m, columns: n, gr: gr, gc: gc, grTerminal: gtr, gcTerminal: gtc)
    }
    let mergedSolver = twoLevel ? merged : nil

    var iterations = 0
    var relRes = 0.0
    var converged = false

    let gArray = mesh.conductance
    gArray.withUnsafeBufferPointer { gBuf in
      let G = gBuf.baseAddress!, DW = dw, DB = db, IW = iw, IB = ib
      let XW = xw, XB = xb, RW = rw, RB = rb, ZW = zw, ZB = zb
      let PW = pw, PB = pb, QW = qw, QB = qb
      let partial = UnsafeMutablePointer<Double>.allocate(capacity: 16 * threads)
      defer { partial.deallocate() }

      // Split rows (for row-wise passes) and columns (for the bit-line
      // Thomas sweeps) into `threads` contiguous ranges.
      func rowRange(_ t: Int) -> Range<Int> { (m * t / threads)..<(m * (t + 1) / threads) }
      func colRange(_ t: Int) -> Range<Int> { (n * t / threads)..<(n * (t + 1) / threads) }
      func parallel(_ body: (Int) -> Void) {
        if threads == 1 { body(0) } else { concurrentPerform(threads, body) }
      }
      func total() -> Double {
        var s = 0.0
        for t in 0..<threads { s += partial[16 * t] }
        return s
      }

      /// q = A·p over rows `rows`; returns p·q over them.
      func applyA(
        _ pW: UnsafeMutablePointer<Double>, _ pB: UnsafeMutablePointer<Double>,
        _ qW: UnsafeMutablePointer<Double>, _ qB: UnsafeMutablePointer<Double>, rows: Range<Int>
      ) -> Double {
        var dot = 0.0
        for i in rows {
          let o = i * n
          // Word line i.
          if n == 1 {
            qW[o] = DW[o] * pW[o] - G[o] * pB[o]
          } else {
            qW[o] = DW[o] * pW[o] - gr * pW[o + 1] - G[o] * pB[o]
            for j in 1..<(n - 1) {
              let k = o + j
              qW[k] = DW[k] * pW[k] - gr * (pW[k - 1] + pW[k + 1]) - G[k] * pB[k]
            }
            let k = o + n - 1
            qW[k] = DW[k] * pW[k] - gr * pW[k - 1] - G[k] * pB[k]
          }
          // Bit lines at row i.
          let up = i > 0 ? gc : 0, down = i < m - 1 ? gc : 0
          let pUp = i > 0 ? pB + o - n : pB + o
          let pDown = i < m - 1 ? pB + o + n : pB + o
          for j in 0..<n {
            let k = o + j
            qB[k] = DB[k] * pB[k] - up * pUp[j] - down * pDown[j] - G[k] * pW[k]
          }
          for j in 0..<n { dot += pW[o + j] * qW[o + j] + pB[o + j] * qB[o + j] }
        }
        return dot
      }

      // Initial guess: warm start, or every node at its line's drive.
      if let ws = warmStart, ws.rows == m, ws.columns == n {
        for k in 0..<mn { XW[k] = ws.wordNodeVoltage[k]; XB[k] = ws.bitNodeVoltage[k] }
      } else {
        for i in 0..<m { for j in 0..<n { XW[i * n + j] = vRow[i]; XB[i * n + j] = vCol[j] } }
      }
      // Right-hand side into Z (scratch), residual r = b − A·x.
      for k in 0..<mn { ZW[k] = 0; ZB[k] = 0 }
      for i in 0..<m where !rowOpen[i] { ZW[i * n] = gtr * vRow[i] }
      for j in 0..<n where !colOpen[j] { ZB[(m - 1) * n + j] = gtc * vCol[j] }
      // A Newton step's current sources, word node to bit node.
      if let cellSource { for k in 0..<mn { ZW[k] -= cellSource[k]; ZB[k] += cellSource[k] } }
      var bNorm2 = 0.0
      for k in 0..<mn { bNorm2 += ZW[k] * ZW[k] + ZB[k] * ZB[k] }
      guard bNorm2.isFinite else {
        // (g·V)² beyond 1.8e308: the convergence test (inf ≤ inf) would
        // pass the first guess, no current in the bit lines. No answer.
        relRes = .infinity
        return
      }
      if bNorm2 == 0 {
        // Nothing drives the mesh: every node is at 0 V.
        for k in 0..<mn { XW[k] = 0; XB[k] = 0 }
        converged = true
        return
      }
      parallel { t in _ = applyA(XW, XB, QW, QB, rows: rowRange(t)) }
      var rNorm2 = 0.0
      for k in 0..<mn {
        RW[k] = ZW[k] - QW[k]; RB[k] = ZB[k] - QB[k]
        rNorm2 += RW[k] * RW[k] + RB[k] * RB[k]
      }
      let target2 = tol * tol * bNorm2
      // ‖b‖ is dominated by the drivers' g·V; when a line's g dwarfs the
      // cells' (r → 0 on one line kind), a residual small against ‖b‖ can
      // still be as large as the cell currents themselves (the first guess
      // then "converges" with no current in the bit lines). So the residual
      // must also be below √tol of the ideal-field cell currents.
      var cellNorm2 = 0.0
      for i in 0..<m {
        let a = rowOpen[i] ? 0 : vRow[i]
        for j in 0..<n {
          let c = G[i * n + j] * (a - (colOpen[j] ? 0 : vCol[j]))
          cellNorm2 += c * c
        }
      }
      let cellTarget2 = cellNorm2 > 0 ? tol * cellNorm2 : .infinity

      /// z = P⁻¹ r; returns r·z.
      func precondition() -> Double {
        parallel { t in
          let rows = rowRange(t)
          for k in (rows.lowerBound * n)..<(rows.upperBound * n) { ZW[k] = RW[k] }
          Self.wordThomas(ZW, IW, n: n, g: gr, i0: rows.lowerBound, i1: rows.upperBound)
          let cols = colRange(t)
          for i in 0..<m { let o = i * n; for j in cols { ZB[o + j] = RB[o + j] } }
          Self.bitThomas(ZB, IB, m: m, n: n, g: gc, j0: cols.lowerBound, j1: cols.upperBound)
          // Each thread sums what it wrote itself: its rows of the word
          // half and its columns of the bit half.
          var s = 0.0
          for k in (rows.lowerBound * n)..<(rows.upperBound * n) { s += RW[k] * ZW[k] }
          for i in 0..<m { let o = i * n; for j in cols { s += RB[o + j] * ZB[o + j] } }
          partial[16 * t] = s
        }
        guard let mergedSolver else { return total() }
        // The coarse half: z += Z·(L_w + L_b)⁻¹·Zᵀ·r, Zᵀ·r = r_W + r_B
        // per cell, Z·u = (u, u); r·z gains (r_W + r_B)·u. Q is free
        // here (A·p fills it next).
        for k in 0..<mn { QW[k] = RW[k] + RB[k] }
        mergedSolver.solve(QW, into: QB, parts: threads) { body in parallel(body) }
        var s = 0.0
        for k in 0..<mn {
          let u = QB[k]
          ZW[k] += u
          ZB[k] += u
          s += QW[k] * u
        }
        return total() + s
      }

      // And the preconditioned residual z = P⁻¹·r (volts: the error the
      // line solves and the merged modes see) must be within tolerance of
      // the largest drive, node by node in the mean: a residual small
      // against the drivers' injections may still be as large as the
      // currents of cells that see a thousandth of a millivolt (r_row 1 Ω,
      // r_col 1e12 Ω: i_device 1e-3 off at tolerance 1e-14, session 43).
      var vRef = 0.0
      for i in 0..<m where !rowOpen[i] { vRef = max(vRef, abs(vRow[i])) }
      for j in 0..<n where !colOpen[j] { vRef = max(vRef, abs(vCol[j])) }
      let zTarget2 = tol * tol * vRef * vRef * Double(2 * mn)
      func voltagesConverged() -> Bool {
        var zz = 0.0
        for k in 0..<mn { zz += ZW[k] * ZW[k] + ZB[k] * ZB[k] }
        return zz <= zTarget2
      }

      var rz = precondition()
      if rNorm2 <= target2 && rNorm2 <= cellTarget2 && voltagesConverged() {
        converged = true
        relRes = (rNorm2 / bNorm2).squareRoot()
        return
      }
      for k in 0..<mn { PW[k] = ZW[k]; PB[k] = ZB[k] }
      while iterations < maxIter {
        iterations += 1
        parallel { t in partial[16 * t] = applyA(PW, PB, QW, QB, rows: rowRange(t)) }
        let pq = total()
        guard pq > 0 else { break }
        let alpha = rz / pq
        parallel { t in
          let rows = rowRange(t)
          var s = 0.0
          for k in (rows.lowerBound * n)..<(rows.upperBound * n) {
            XW[k] += alpha * PW[k]; XB[k] += alpha * PB[k]
            RW[k] -= alpha * QW[k]; RB[k] -= alpha * QB[k]
            s += RW[k] * RW[k] + RB[k] * RB[k]
          }
          partial[16 * t] = s
        }
        rNorm2 = total()
        let rzNew = precondition()
        if rNorm2 <= target2 && rNorm2 <= cellTarget2 && voltagesConverged() { converged = true; break }
        let beta = rzNew / rz
        rz = rzNew
        parallel { t in
          let rows = rowRange(t)
          for k in (rows.lowerBound * n)..<(rows.upperBound * n) {
            PW[k] = ZW[k] + beta * PW[k]; PB[k] = ZB[k] + beta * PB[k]
          }
        }
      }
      relRes = (rNorm2 / bNorm2).squareRoot()
    }

    sol.iterations = iterations
    sol.relativeResidual = relRes
    sol.converged = converged
    guard converged else {
      throw SolverError.didNotConverge(iterations: iterations, residual: relRes, tolerance: tol)
    }
    for k in 0..<mn {
      sol.wordNodeVoltage[k] = xw[k]
      sol.bitNodeVoltage[k] = xb[k]
    }
  }

  // MARK: - Terminal currents

  func terminalCurrents(_ mesh: CrossbarMesh, solution sol: inout MeshSolution) {
    // A line's terminal current is its terminal segment's current, taken as
    // `MeshSolution` takes every segment's (the drop over r or the cells'
    // sum, whichever keeps more digits), so the two agree bit for bit.
    for i in 0..<mesh.rows {
      sol.rowTerminalCurrent[i] = sol.wordSegmentCurrent(row: i, segment: 0, mesh: mesh)
    }
    for j in 0..<mesh.columns {
      // Into the array from its termination: the segment's downward current
      // negated (0 − x: an open line gives +0, not −0).
      sol.columnTerminalCurrent[j] = 0 - sol.bitSegmentCurrent(row: mesh.rows - 1, column: j, mesh: mesh)
    }
  }
}

/// Runs `body(0..<count)` on `count` threads and waits for all of them.
///
/// A non-escaping wrapper over `DispatchQueue.concurrentPerform`, whose
/// closure Swift 6 requires to be `@Sendable`: the kernels that call it
/// hand each index a disjoint part of their buffers.
package func concurrentPerform(_ count: Int, _ body: (Int) -> Void) {
  withoutActuallyEscaping(body) { escaping in
    let box = _UncheckedSendable(escaping)
    DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
  }
}

package struct _UncheckedSendable<T>: @unchecked Sendable {
  package let value: T
  package init(_ value: T) { self.value = value }
}
