/// Reads a differential array through its resistive lines, many times, with
/// no allocation per read: the training hot path for `wires resistive`.
///
/// Every read is a nodal solve of the G+ mesh and of the G− mesh on the
/// array's conductances in siemens (`_plus`, `_minus`), the same circuit as
/// `CrossbarMesh`/`NodalSolver` (word line i driven at its left end, bit
/// line j at its bottom end, each through one segment; far ends open), and
/// the neuron sees the solved currents out of the output lines. What makes
/// it fast:
///
/// - **The correction field.** The unknowns are e = x − x₀, the departure
///   of the node voltages from the ideal-wire field x₀ (every word-line
///   node at its row's drive a_i, every bit-line node at its column's drive
///   c_j). Its right-hand side is the ideal cell currents
///   G_ij·(a_i − c_j), drawn from the word node and injected into the bit
///   node, so e is of the order of the IR drop itself and keeps its
///   relative precision however small r is (r = 1e-9 Ω works). Outputs are
///   g·e at the terminated nodes: forward I_j = e_B(M−1, j)/r_col,
///   transposed I_i = e_W(i, 0)/r_row.
/// - **Only the terminal nodes of x.** The iterate x is kept only at the
///   M + N nodes next to a termination (what the output and input currents
///   need), not over the whole mesh.
/// - **A stale preconditioner.** Conjugate gradients are preconditioned by
///   exact tridiagonal solves of every word line and bit line (block Jacobi,
///   as `NodalSolver`). The line factors depend on G only through the
///   diagonal, where G ≪ 1/r, so they are rebuilt every
///   `factorInterval` reads rather than after every pulse: any fixed SPD
///   preconditioner leaves the answer exact to the tolerance; a slightly
///   stale one costs at most an iteration. A·p always uses the current G.
/// - **Two levels at large G·r.** When a cell's conductance dominates its
///   segments (G·r ≳ 1e-2 on 785×200) the word and bit node of a cell
///   move together, and line solves alone need about √(G·r)·M iterations
///   (no convergence at G·r = 1e3). Above `twoLevelThreshold` of
///   G_max·max(r) the preconditioner also solves the merged modes w = b
///   exactly, additively: z = P_J⁻¹·r + Z·(L_w + L_b)⁻¹·Zᵀ·r, where
///   Zᵀ·A·Z = L_w + L_b does not depend on G (`MergedLineSolver`, two
///   dense transforms along the shorter side). Still SPD, so the answer is
///   the same; about 8–12 iterations at any G·r from 1e-2 to 1e6, each
///   costing about four line-solve iterations on 785×200. The line
///   factors are then rebuilt before every read (G dominates them: stale
///   ones cost tens of iterations). Below the threshold the line solves
///   alone run, exactly as before.
/// - **Fused passes.** q = A·p with p's update, then r's update with the
///   word-line and downward bit-line sweeps, then the upward bit-line
///   sweep: three passes over the mesh per iteration, in tiles of rows.
/// - **Both cores.** Above `parallelThreshold` cells the G+ and G− meshes
///   are solved at once, one per thread.
///
/// The stopping rule is a relative KCL residual: ‖r‖₂ ≤ tolerance·‖r₀‖₂,
/// where r₀ is the ideal cell currents, the scale of the physical currents
/// (`NodalSolver`'s 1e-12 relative to the drivers' injections is about
/// 1e-8 on this scale for MNIST reads at 1 Ω).
///
/// The mesh is linear in its drives, so the read is a linear map: the
/// effective weights `transferMatrix` (I = Tᵀ·V forward, T·U transposed, by
/// reciprocity of a resistive network) are found by one unit solve per
/// line of the smaller side, after which any number of reads of unchanged
/// arrays (a test-set evaluation) cost what an ideal read costs.
///
/// Not thread-safe: one reader per array and thread. Both segment
/// resistances must be positive. The hot path checks nothing per read that
/// would cost a pass over the array: a NaN or infinite drive or conductance
/// ends as `SolverError.didNotConverge` (residual NaN), and a negative
/// conductance is solved as given (`DifferentialArray.read` refuses both
/// by name).
public final class ResistiveReader: @unchecked Sendable {
  /// Convergence and scheduling settings.
  public struct Options: Sendable, Equatable {
    /// Stop when ‖r‖₂ ≤ tolerance·‖r₀‖₂ (r₀: the ideal cell currents).
    public var tolerance = 1e-6
    /// Give up after this many iterations.
    public var maxIterations = 5_000
    /// Reads between rebuilds of the line factors (the preconditioner).
    public var factorInterval = 64
    /// Cells from which the two polarities are solved on two threads.
    public var parallelThreshold = 20_000
    /// G_max·max(r_row, r_col) from which the preconditioner adds the
    /// exact solve of the merged modes (`MergedLineSolver`) to the line
    /// solves; G_max is the mesh's largest conductance when its factors
    /// are built. 0: always; infinity: never.
    public var twoLevelThreshold = 1e-2

    public init(tolerance: Double = 1e-6) { self.tolerance = tolerance }

    /// - Throws: ``ConfigurationError`` naming the setting: a tolerance
    ///   outside (0, 1) (at 1 or above the ideal read would pass as the
    ///   answer), `maxIterations` or `factorInterval` below 1, a negative
    ///   `parallelThreshold`, a negative or NaN `twoLevelThreshold`
    ///   (`.infinity` is allowed). Every read and `transferMatrix` call it
    ///   (a few comparisons, not a pass over the array).
    public func validate() throws {
      try NodalSolver.Options.check(
        tolerance: tolerance, maxIterations: maxIterations, twoLevelThreshold: twoLevelThreshold)
      guard factorInterval >= 1 else {
        throw ConfigurationError(field: "factorInterval", "must be >= 1, got \(factorInterval)")
      }
      guard parallelThreshold >= 0 else {
        throw ConfigurationError(field: "parallelThreshold", "must be >= 0, got \(parallelThreshold)")
      }
    }
  }

  /// M and N of the arrays this reader reads.
  public let rows: Int
  public let columns: Int
  /// The lines of the arrays this reader reads (an array's ``DifferentialArray/wires``
  /// must equal them).
  public let wires: WireModel
  /// The settings of the next reads.
  public var options: Options
  /// Iterations of every read's solves so far (both polarities), and
  /// solves (two per read).
  public private(set) var iterations = 0
  public private(set) var solves = 0
  /// The same for the unit solves of `transferMatrix`.
  public private(set) var transferIterations = 0
  public private(set) var transferSolves = 0
  /// The largest final relative residual of the last read's two solves.
  public private(set) var lastResidual = 0.0
  /// Whether the current factors use the two-level preconditioner (either
  /// polarity).
  package var isTwoLevel: Bool { plus.twoLevel || minus.twoLevel }

  let plus: MeshWorkspace
  let minus: MeshWorkspace
  // Per-read double-precision drives and per-polarity currents.
  let drive: UnsafeMutablePointer<Double>
  let outPlus: UnsafeMutablePointer<Double>, outMinus: UnsafeMutablePointer<Double>
  let inPlus: UnsafeMutablePointer<Double>, inMinus: UnsafeMutablePointer<Double>

  /// - Precondition: rows, columns ≥ 1; both segment resistances are
  ///   positive and finite.
  public init(rows: Int, columns: Int, wires: WireModel, options: Options = Options()) {
    require(rows >= 1 && columns >= 1, "array must be at least 1×1")
    require(
      wires.rowSegmentResistance > 0 && wires.columnSegmentResistance > 0
        && wires.rowSegmentResistance.isFinite && wires.columnSegmentResistance.isFinite,
      "a resistive read needs r_row > 0 and r_col > 0, got \(wires)")
    self.rows = rows
    self.columns = columns
    self.wires = wires
    self.options = options
    plus = MeshWorkspace(rows: rows, columns: columns, wires: wires)
    minus = MeshWorkspace(rows: rows, columns: columns, wires: wires)
    let side = max(rows, columns)
    drive = .allocate(capacity: side)
    drive.initialize(repeating: 0, count: side)
    outPlus = .allocate(capacity: side)
    outMinus = .allocate(capacity: side)
    inPlus = .allocate(capacity: side)
    inMinus = .allocate(capacity: side)
  }

  deinit {
    for p in [drive, outPlus, outMinus, inPlus, inMinus] { p.deallocate() }
  }

  private func check(_ array: DifferentialArray) {
    require(array.rows == rows && array.columns == columns,
      "reader for \(rows)×\(columns), array \(array.rows)×\(array.columns)")
    require(array.wires == wires, "reader for other lines than the array's")
    // (`DifferentialArray.read` throws for it; a configuration refuses it.)
    require(array.cellIV == .linear, "ResistiveReader reads linear cells only (its reads are linear maps); DifferentialArray.read solves a non-linear cell I–V")
  }

  /// What `DifferentialArray.read` checks of an array and its drives
  /// (`drives` of `drive`): conductances finite and ≥ 0, G·r within
  /// ``WireModel/largestConductanceTimesResistance``, finite drives. The
  /// reader had solved a negative conductance and answered at G·r = 1e13
  /// (34 % off), with no error (a walkthrough, session 43). One pass over
  /// the conductances: `bench read --wires resistive`, alternated with the
  /// binary before it, best of 30 reads 6.70–7.56 ms against 7.32–7.97.
  private func checkValues(_ array: DifferentialArray, drives: Int) throws {
    for k in 0..<drives where !drive[k].isFinite {
      throw ConfigurationError(field: "voltages[\(k)]", "\(drive[k]) V is not finite")
    }
    if let t = wires.terminalIllConditioning {
      throw ConfigurationError(field: t.field, WireModel.beyondTerminalRatio(t))
    }
    let r = max(wires.rowSegmentResistance, wires.columnSegmentResistance)
    let limit = WireModel.largestConductanceTimesResistance / r
    let cells = rows * columns
    for (g, name) in [(array._plus, "G+"), (array._minus, "G−")] {
      var bad = false
      for k in 0..<cells { bad = bad || !(g[k] >= 0 && g[k] <= limit) }
      guard bad else { continue }
      // The error's own pass: which value, or how large.
      for k in 0..<cells where !(g[k].isFinite && g[k] >= 0) {
        throw ConfigurationError(
          field: "\(name) conductance[\(k / columns)][\(k % columns)]", "\(g[k]) S must be finite and ≥ 0")
      }
      let worst = UnsafeBufferPointer(start: g, count: cells).max() ?? 0
      throw ConfigurationError(
        field: wires.rowSegmentResistance >= wires.columnSegmentResistance ? "r_row" : "r_col",
        WireModel.beyondConditioning("\(name) conductance", conductance: "\(worst)", resistance: "\(r)", product: "\(worst * r)"))
    }
  }

  /// The tolerance the reads of `array` solve to: `options.tolerance`,
  /// divided by how far terminal resistances may cut the currents below
  /// the ideal cell currents the stopping rule is relative to,
  /// (1 + R_driver·max ΣG of a word line)·(1 + R_sense·max ΣG of a bit
  /// line) (both polarities' loads: an upper bound), at least 1e-14. A
  /// review (session 59) found reads 12 % off at r_sense 1e8 Ω on a
  /// 785×200 array of 1 Ω segments, converged at the default 1e-6.
  /// Without terminal resistances, `options.tolerance` itself.
  package func effectiveTolerance(_ array: DifferentialArray) -> Double {
    guard wires.hasTerminalResistance else { return options.tolerance }
    var row = 0.0, column = 0.0
    for i in 0..<rows { row = max(row, array._rowLoad[i]) }
    for j in 0..<columns { column = max(column, array._columnLoad[j]) }
    let cut = (1 + wires.rowTerminalResistance * row) * (1 + wires.columnTerminalResistance * column)
    return max(options.tolerance / cut, min(options.tolerance, 1e-14))
  }

  /// Solves both polarities for the drives in `drive` (M row drives
  /// forward, N column drives transposed); fills the output and input
  /// currents of each polarity.
  private func solveBoth(_ array: DifferentialArray, _ direction: ReadDirection) throws {
    try options.validate()
    try checkValues(array, drives: direction == .forward ? rows : columns)
    let tolerance = effectiveTolerance(array)
    // With two levels (G·r large) the line factors are G-dominated, and
    // stale ones cost many iterations (the pulses between reads move G by
    // far more than the segments' g): they are rebuilt before every read.
    let refresh = plus.readsSinceFactor >= options.factorInterval || !plus.hasFactors
      || plus.twoLevel || minus.twoLevel
    // A nested function, not a closure value: the serial path allocates
    // no context per read.
    func body(_ t: Int) {
      let w = t == 0 ? plus : minus
      let g = t == 0 ? array._plus : array._minus
      func solve() {
        w.solve(
          g: g, direction: direction, drive: drive, tolerance: tolerance,
          maxIterations: options.maxIterations,
          output: t == 0 ? outPlus : outMinus, input: t == 0 ? inPlus : inMinus)
      }
      if refresh { w.buildFactors(g, twoLevelThreshold: options.twoLevelThreshold) }
      solve()
      // Stale factors that fail: rebuilt from the conductances as they are
      // (which also decides the two levels afresh: G·r may have crossed the
      // threshold since they were built), and the read solved once more,
      // so that only fresh factors report a failure (an audit, session 27).
      if !w.lastConverged && !refresh {
        let spent = w.lastIterations
        w.buildFactors(g, twoLevelThreshold: options.twoLevelThreshold)
        solve()
        w.lastIterations += spent
      }
    }
    if rows * columns >= options.parallelThreshold {
      concurrentPerform(2, body)
    } else {
      body(0)
      body(1)
    }
    iterations += plus.lastIterations + minus.lastIterations
    solves += 2
    lastResidual = max(plus.lastResidual, minus.lastResidual)
    for w in [plus, minus] where !w.lastConverged {
      throw SolverError.didNotConverge(
        iterations: w.lastIterations, residual: w.lastResidual, tolerance: tolerance)
    }
  }

  /// The hot path: a resistive read with single-precision drives and
  /// outputs, I(+) − I(−) per output line, like `readIdeal`.
  ///
  /// - Parameters:
  ///   - input: M voltages (forward) or N voltages (transposed), V.
  ///   - output: N currents (forward) or M currents (transposed), A.
  ///   - bookEnergy: add this read's energy t·Σ V·I_in (both polarities,
  ///     the drivers' currents as solved) to the array's `readEnergy`.
  /// - Throws: `SolverError.didNotConverge`, or ``ConfigurationError``
  ///   when `options` fail ``Options/validate()``, a drive is not finite, a
  ///   conductance is negative or not finite, or G·r is beyond
  ///   ``WireModel/largestConductanceTimesResistance`` (as
  ///   `DifferentialArray.read` refuses them); `output` is then left as it
  ///   was.
  public func read(
    _ array: DifferentialArray, _ direction: ReadDirection, input: UnsafeBufferPointer<Float>,
    output: UnsafeMutableBufferPointer<Float>, bookEnergy: Bool = true
  ) throws {
    check(array)
    let (ni, no) = direction == .forward ? (rows, columns) : (columns, rows)
    require(input.count == ni && output.count == no, "read needs \(ni) inputs and \(no) outputs")
    for k in 0..<ni { drive[k] = Double(input[k]) }
    try solveBoth(array, direction)
    for k in 0..<no { output[k] = Float(outPlus[k] - outMinus[k]) }
    if bookEnergy { book(array, direction, inputs: ni) }
  }

  /// Σ V·I of the drivers of the last solve (W), both polarities.
  private func drivePower(inputs ni: Int) -> Double {
    var p = 0.0
    for k in 0..<ni { p += drive[k] * (inPlus[k] + inMinus[k]) }
    return p
  }

  private func book(_ array: DifferentialArray, _ direction: ReadDirection, inputs ni: Int) {
    array.readEnergy += drivePower(inputs: ni) * array.readTime
    array.readCount += 1
    var q = 0.0
    for k in 0..<ni { q += drive[k] * drive[k] }
    array.bookDriveSquares(direction, q)
  }

  /// A read in double precision with each polarity's output and input
  /// currents (A) and the energy (J): what `DifferentialArray.read` gives,
  /// at this reader's tolerance. The energy is returned, not booked on the
  /// array. Allocates its results.
  public func readout(
    _ array: DifferentialArray, _ direction: ReadDirection, voltages: [Double]
  ) throws -> (plus: [Double], minus: [Double], inputPlus: [Double], inputMinus: [Double], energy: Double) {
    check(array)
    let (ni, no) = direction == .forward ? (rows, columns) : (columns, rows)
    require(voltages.count == ni, "\(voltages.count) voltages for \(ni) input lines")
    for k in 0..<ni { drive[k] = voltages[k] }
    try solveBoth(array, direction)
    let p = drivePower(inputs: ni)
    func list(_ x: UnsafeMutablePointer<Double>, _ n: Int) -> [Double] { Array(UnsafeBufferPointer(start: x, count: n)) }
    return (list(outPlus, no), list(outMinus, no), list(inPlus, ni), list(inMinus, ni), p * array.readTime)
  }

  /// The effective weights of the array with these lines: T(+) − T(−),
  /// row-major M×N in siemens (A/V), such that a forward read gives
  /// I_j = Σ_i T_ij·V_i and a transposed read I_i = Σ_j T_ij·U_j, exactly
  /// as the meshes do (to the tolerance). With ideal wires T would be
  /// G+ − G−; line resistance makes each output depend on every cell.
  ///
  /// One unit-drive solve per line of the smaller side (transposed reads
  /// with one source line at 1 V when N ≤ M), the polarities on two
  /// threads, with line factors built for it in place; the reads' factors
  /// are put back after it, so the reads go on as if it had not run.
  ///
  /// `stop` is asked between the unit-drive solves (from both threads):
  /// once it answers true the matrix is abandoned and
  /// `SolverError.stopped` thrown (an evaluation with resistive lines
  /// took 12 s, and an interrupt waited for its end; a walkthrough,
  /// session 44).
  public func transferMatrix(
    _ array: DifferentialArray, into t: UnsafeMutablePointer<Float>, stop: () -> Bool = { false }
  ) throws {
    check(array)
    try options.validate()
    try checkValues(array, drives: 0)
    let tolerance = effectiveTolerance(array)
    let m = rows, n = columns
    let byColumns = n <= m
    let count = byColumns ? n : m
    var stopped = [false, false]
    stopped.withUnsafeMutableBufferPointer { flags in
      concurrentPerform(2) { p in
        let w = p == 0 ? self.plus : self.minus
        let g = p == 0 ? array._plus : array._minus
        // The reads' factors are kept aside and put back: the reads go on
        // with the factors they would have had without this matrix, so an
        // evaluation changes nothing of the training (their stale factors
        // had been replaced by fresh ones, and the reads after converged
        // along another path, 1e-9 apart; a determinism audit, session 70).
        w.setFactorsAside()
        defer { w.restoreFactors() }
        w.buildFactors(g, twoLevelThreshold: self.options.twoLevelThreshold)
        flags[p] = !w.transfer(
          g: g, byColumns: byColumns, count: count, tolerance: tolerance,
          maxIterations: self.options.maxIterations, stop: stop)
      }
    }
    if stopped.contains(true) { throw SolverError.stopped }
    for w in [plus, minus] {
      transferIterations += w.transferIterations
      transferSolves += count
      if !w.lastConverged {
        throw SolverError.didNotConverge(
          iterations: w.lastIterations, residual: w.lastResidual, tolerance: tolerance)
      }
    }
    let tp = plus.transferBuffer, tm = minus.transferBuffer
    for k in 0..<(m * n) { t[k] = Float(tp[k] - tm[k]) }
  }
}

/// One polarity's mesh: the correction-field PCG of `ResistiveReader`, its
/// workspace and its (possibly stale) line factors.
final class MeshWorkspace {
  let m: Int, n: Int
  /// Segment conductances 1/r (S).
  let gr: Double, gc: Double
  /// The terminal segments' conductances 1/(r + R) (S), with the wires'
  /// terminal resistances; `gr`, `gc` without them (`rowPlain`,
  /// `columnPlain`: the kernels then run exactly as before them).
  let gtr: Double, gtc: Double
  let rowPlain: Bool, columnPlain: Bool
  // Residual r, preconditioned residual z, direction p and q = A·p, word
  // (W) and bit (B) halves, row-major M×N.
  let rW: UnsafeMutablePointer<Double>, rB: UnsafeMutablePointer<Double>
  let zW: UnsafeMutablePointer<Double>, zB: UnsafeMutablePointer<Double>
  let pW: UnsafeMutablePointer<Double>, pB: UnsafeMutablePointer<Double>
  let qW: UnsafeMutablePointer<Double>, qB: UnsafeMutablePointer<Double>
  /// Thomas inverse pivots of the word lines and the bit lines. The word
  /// lines' are interleaved four rows at a time in the rows of whole tiles
  /// (`wordPivot`): the word-line solve runs four rows to a vector.
  let invW: UnsafeMutablePointer<Double>, invB: UnsafeMutablePointer<Double>
  /// The iterate at the terminated nodes: e_W(i, 0) and e_B(M−1, j).
  let eLeft: UnsafeMutablePointer<Double>, eBottom: UnsafeMutablePointer<Double>
  /// Unit-drive transfers, M×N (allocated on first use).
  var transferBuffer: UnsafeMutablePointer<Double>
  var hasTransferBuffer = false
  var hasFactors = false
  /// Whether the preconditioner adds the merged-mode solve (decided with
  /// the factors), and that solver (built on first use).
  var twoLevel = false
  var merged: MergedLineSolver?
  var readsSinceFactor = 0
  var lastIterations = 0
  var lastResidual = 0.0
  var lastConverged = true
  var transferIterations = 0

  init(rows: Int, columns: Int, wires: WireModel) {
    m = rows
    n = columns
    gr = 1 / wires.rowSegmentResistance
    gc = 1 / wires.columnSegmentResistance
    gtr = 1 / (wires.rowSegmentResistance + wires.rowTerminalResistance)
    gtc = 1 / (wires.columnSegmentResistance + wires.columnTerminalResistance)
    rowPlain = wires.rowTerminalResistance == 0
    columnPlain = wires.columnTerminalResistance == 0
    let mn = rows * columns
    func buffer() -> UnsafeMutablePointer<Double> {
      let p = UnsafeMutablePointer<Double>.allocate(capacity: mn)
      p.initialize(repeating: 0, count: mn)
      return p
    }
    rW = buffer(); rB = buffer(); zW = buffer(); zB = buffer()
    pW = buffer(); pB = buffer(); qW = buffer(); qB = buffer()
    invW = buffer(); invB = buffer()
    eLeft = .allocate(capacity: rows)
    eBottom = .allocate(capacity: columns)
    transferBuffer = .allocate(capacity: 1)
  }

  deinit {
    for p in [rW, rB, zW, zB, pW, pB, qW, qB, invW, invB, eLeft, eBottom, transferBuffer] { p.deallocate() }
    asideW?.deallocate()
    asideB?.deallocate()
  }

  /// The reads' factors and their state while a transfer matrix uses the
  /// workspace (allocated on first use).
  private var asideW: UnsafeMutablePointer<Double>?, asideB: UnsafeMutablePointer<Double>?
  private var aside: (hasFactors: Bool, twoLevel: Bool, readsSinceFactor: Int) = (false, false, 0)

  /// Keeps the reads' line factors aside (`restoreFactors` puts them back).
  func setFactorsAside() {
    aside = (hasFactors, twoLevel, readsSinceFactor)
    guard hasFactors else { return }
    let mn = m * n
    if asideW == nil {
      asideW = .allocate(capacity: mn)
      asideW!.initialize(repeating: 0, count: mn)
      asideB = .allocate(capacity: mn)
      asideB!.initialize(repeating: 0, count: mn)
    }
    asideW!.update(from: invW, count: mn)
    asideB!.update(from: invB, count: mn)
  }

  /// The reads' line factors as `setFactorsAside` found them (none, if
  /// there were none: the next read builds them).
  func restoreFactors() {
    (hasFactors, twoLevel, readsSinceFactor) = aside
    guard hasFactors else { return }
    invW.update(from: asideW!, count: m * n)
    invB.update(from: asideB!, count: m * n)
  }

  /// The line factors from conductances `g` (S): word line i's diagonal is
  /// g_r·(segments at its node) + G_ij, bit line j's likewise.
  ///
  /// The two-level preconditioner is chosen when G_max·max(r_row, r_col)
  /// is at least `twoLevelThreshold`.
  func buildFactors(_ g: UnsafePointer<Double>, twoLevelThreshold: Double) {
    let m = self.m, n = self.n, gr = self.gr, gc = self.gc
    let gr2 = gr * gr, gc2 = gc * gc
    var gMax = 0.0
    for k in 0..<(m * n) { gMax = max(gMax, g[k]) }
    twoLevel = gMax / min(gr, gc) >= twoLevelThreshold
    if twoLevel && merged == nil {
      merged = MergedLineSolver(rows: m, columns: n, gr: gr, gc: gc, grTerminal: gtr, gcTerminal: gtc)
    }
    let gtr = self.gtr, gtc = self.gtc
    for i in 0..<m {
      let o = i * n
      var prev = 0.0
      for j in 0..<n {
        // The terminal segment (j = 0) is 1/(r_row + R): g_r itself without R.
        let d = (j > 0 ? gr : gtr) + (j < n - 1 ? gr : 0) + g[o + j]
        prev = 1 / (j == 0 ? d : d - gr2 * prev)
        invW[wordPivot(i, j)] = prev
      }
      // One segment at the open top, the terminal one at the bottom.
      let s = (i > 0 ? gc : 0) + (i < m - 1 ? gc : gtc)
      if i == 0 {
        for j in 0..<n { invB[j] = 1 / (s + g[j]) }
      } else {
        for j in 0..<n { invB[o + j] = 1 / (s + g[o + j] - gc2 * invB[o - n + j]) }
      }
    }
    hasFactors = true
    readsSinceFactor = 0
  }

  // MARK: - Kernels
  //
  // Explicit four-wide vectors with their own accumulators: the compiler
  // does not reassociate floating-point sums, so a plain `s += a·b` loop
  // stays scalar. Rows are split into a four-wide body and a scalar tail.

  typealias V4 = SIMD4<Double>

  /// Rows whose word-line recurrences run together (two vectors of four):
  /// independent dependency chains that keep the floating-point units busy.
  static let tile = 8

  /// Where word line i's pivot at column j is kept in `invW`: in a whole
  /// tile, each four rows' pivots are interleaved (column j's four at
  /// 4·j, from the group's first row's offset); the rows of a last,
  /// partial tile are row-major.
  @inline(__always)
  func wordPivot(_ i: Int, _ j: Int) -> Int {
    i < m / Self.tile * Self.tile ? (i & ~3) &* n &+ j &* 4 &+ (i & 3) : i &* n &+ j
  }

  /// The 4×4 transpose: rows a, b, c, d in, columns out.
  @inline(__always)
  static func transpose(_ a: V4, _ b: V4, _ c: V4, _ d: V4) -> (V4, V4, V4, V4) {
    let ab0 = V4(a[0], b[0], a[2], b[2]), ab1 = V4(a[1], b[1], a[3], b[3])
    let cd0 = V4(c[0], d[0], c[2], d[2]), cd1 = V4(c[1], d[1], c[3], d[3])
    return (
      V4(lowHalf: ab0.lowHalf, highHalf: cd0.lowHalf), V4(lowHalf: ab1.lowHalf, highHalf: cd1.lowHalf),
      V4(lowHalf: ab0.highHalf, highHalf: cd0.highHalf), V4(lowHalf: ab1.highHalf, highHalf: cd1.highHalf)
    )
  }

  /// z = P⁻¹·r on four word lines (rows `base`…`base`+3 of a whole tile),
  /// a vector of four rows per column: forward elimination y_j = r_j·inv_j
  /// + (g·inv_j)·y_{j−1}, back substitution z_j = y_j + g·inv_j·z_{j+1},
  /// the same operations in the same order as one row at a time. Whole
  /// blocks of four columns go through 4×4 transposes; the last n mod 4
  /// columns are gathered.
  @inline(__always)
  private func solveFourWordLines(_ base: Int) {
    let n = self.n, n4 = n & ~3, vgr = V4(repeating: gr)
    let r = rW + base &* n, z = zW + base &* n, v = invW + base &* n
    @inline(__always) func step(_ rj: V4, _ j: Int, _ y: inout V4) -> V4 {
      let vj = _Double4.ld(v + j &* 4)
      y = rj * vj + (vgr * vj) * y
      return y
    }
    var y = V4()
    var j = 0
    while j < n4 {
      let (c0, c1, c2, c3) = Self.transpose(
        _Double4.ld(r + j), _Double4.ld(r + n + j), _Double4.ld(r + 2 &* n + j), _Double4.ld(r + 3 &* n + j))
      let y0 = step(c0, j, &y), y1 = step(c1, j &+ 1, &y), y2 = step(c2, j &+ 2, &y), y3 = step(c3, j &+ 3, &y)
      let (a, b, c, d) = Self.transpose(y0, y1, y2, y3)
      _Double4.st(z + j, a); _Double4.st(z + n + j, b); _Double4.st(z + 2 &* n + j, c); _Double4.st(z + 3 &* n + j, d)
      j &+= 4
    }
    while j < n {
      let yj = step(V4(r[j], r[n &+ j], r[2 &* n &+ j], r[3 &* n &+ j]), j, &y)
      z[j] = yj[0]; z[n &+ j] = yj[1]; z[2 &* n &+ j] = yj[2]; z[3 &* n &+ j] = yj[3]
      j &+= 1
    }
    // Back substitution from the last column (z_{n−1} = y_{n−1}: the
    // carry starts at 0).
    @inline(__always) func back(_ yj: V4, _ j: Int, _ zc: inout V4) -> V4 {
      zc = yj + (vgr * _Double4.ld(v + j &* 4)) * zc
      return zc
    }
    var zc = V4()
    j = n &- 1
    while j >= n4 {
      let zj = back(V4(z[j], z[n &+ j], z[2 &* n &+ j], z[3 &* n &+ j]), j, &zc)
      z[j] = zj[0]; z[n &+ j] = zj[1]; z[2 &* n &+ j] = zj[2]; z[3 &* n &+ j] = zj[3]
      j &-= 1
    }
    j = n4 &- 4
    while j >= 0 {
      let (c0, c1, c2, c3) = Self.transpose(
        _Double4.ld(z + j), _Double4.ld(z + n + j), _Double4.ld(z + 2 &* n + j), _Double4.ld(z + 3 &* n + j))
      let z3 = back(c3, j &+ 3, &zc), z2 = back(c2, j &+ 2, &zc), z1 = back(c1, j &+ 1, &zc), z0 = back(c0, j, &zc)
      let (a, b, c, d) = Self.transpose(z0, z1, z2, z3)
      _Double4.st(z + j, a); _Double4.st(z + n + j, b); _Double4.st(z + 2 &* n + j, c); _Double4.st(z + 3 &* n + j, d)
      j &-= 4
    }
  }

  /// q = A·p over the whole mesh; returns p·q. First p ← z + β·p, one row
  /// ahead of the rows A needs.
  @inline(__always)
  private func applyA(_ g: UnsafePointer<Double>, beta: Double) -> Double {
    let m = self.m, n = self.n, gr = self.gr, gc = self.gc, gtr = self.gtr, gtc = self.gtc
    let pW = self.pW, pB = self.pB, qW = self.qW, qB = self.qB, zW = self.zW, zB = self.zB
    let n4 = n & ~3
    let vb = V4(repeating: beta), vgr = V4(repeating: gr), vgc = V4(repeating: gc), two = V4(repeating: 2)
    @inline(__always) func updateP(_ i: Int) {
      let o = i &* n
      var j = 0
      while j < n4 {
        _Double4.st(pW + o + j, _Double4.ld(zW + o + j) + vb * _Double4.ld(pW + o + j))
        _Double4.st(pB + o + j, _Double4.ld(zB + o + j) + vb * _Double4.ld(pB + o + j))
        j &+= 4
      }
      while j < n {
        pW[o &+ j] = zW[o &+ j] + beta * pW[o &+ j]
        pB[o &+ j] = zB[o &+ j] + beta * pB[o &+ j]
        j &+= 1
      }
    }
    updateP(0)
    if m > 1 { updateP(1) }
    var acc = V4()
    var tail = 0.0
    for i in 0..<m {
      if i &+ 2 < m { updateP(i &+ 2) }
      let o = i &* n
      let w = pW + o, b = pB + o, gi = g + o, qw = qW + o, qb = qB + o
      // Word line i: g_r·(s_j·p_j − p_{j−1} − p_{j+1}) + G·(p_W − p_B),
      // s_j = 2 but 1 at the open right end. The ends first, then the
      // interior four at a time.
      if n == 1 {
        qw[0] = gr * w[0] + gi[0] * (w[0] - b[0])
      } else {
        qw[0] = gr * (2 * w[0] - w[1]) + gi[0] * (w[0] - b[0])
        var j = 1
        while j &+ 4 <= n &- 1 {
          let c = _Double4.ld(w + j)
          let lap = two * c - _Double4.ld(w + j - 1) - _Double4.ld(w + j + 1)
          _Double4.st(qw + j, vgr * lap + _Double4.ld(gi + j) * (c - _Double4.ld(b + j)))
          j &+= 4
        }
        while j < n &- 1 {
          qw[j] = gr * (2 * w[j] - w[j &- 1] - w[j &+ 1]) + gi[j] * (w[j] - b[j])
          j &+= 1
        }
        qw[n &- 1] = gr * (w[n &- 1] - w[n &- 2]) + gi[n &- 1] * (w[n &- 1] - b[n &- 1])
      }
      // A terminal resistance: the first node's segment to its source is
      // g_tr, not the g_r counted above.
      if !rowPlain { qw[0] += (gtr - gr) * w[0] }
      // Bit lines at row i: the open top end (i = 0) has one segment, and
      // the missing neighbours count as 0 (a zero row stands in).
      let up = i > 0 ? UnsafePointer(b - n) : nil
      let dn = i < m &- 1 ? UnsafePointer(b + n) : nil
      let s = V4(repeating: i > 0 ? 2 : 1)
      let su = i > 0 ? 1.0 : 0.0, sd = i < m &- 1 ? 1.0 : 0.0
      let ss = i > 0 ? 2.0 : 1.0
      var j = 0
      while j < n4 {
        let c = _Double4.ld(b + j)
        var lap = s * c
        if let up { lap -= _Double4.ld(up + j) }
        if let dn { lap -= _Double4.ld(dn + j) }
        let qbj = vgc * lap + _Double4.ld(gi + j) * (c - _Double4.ld(w + j))
        _Double4.st(qb + j, qbj)
        acc += c * qbj + _Double4.ld(w + j) * _Double4.ld(qw + j)
        j &+= 4
      }
      while j < n {
        let lap = ss * b[j] - su * (up?[j] ?? 0) - sd * (dn?[j] ?? 0)
        qb[j] = gc * lap + gi[j] * (b[j] - w[j])
        tail += b[j] * qb[j] + w[j] * qw[j]
        j &+= 1
      }
      // The bottom row's terminal segments: g_tc, not g_c.
      if i == m &- 1 && !columnPlain {
        let extra = gtc - gc
        for j in 0..<n {
          let d = extra * b[j]
          qb[j] += d
          tail += b[j] * d
        }
      }
    }
    return acc.sum() + tail
  }

  /// r ← r − α·q (α = 0: r is fresh), then z_W = P_W⁻¹·r_W (every word
  /// line) and the downward sweep of z_B = P_B⁻¹·r_B. Returns ‖r‖² and
  /// r_W·z_W.
  @inline(__always)
  func updateAndPrecondition(alpha: Double) -> (rr: Double, rz: Double) {
    let m = self.m, n = self.n, gr = self.gr, gc = self.gc
    let rW = self.rW, rB = self.rB, qW = self.qW, qB = self.qB
    let zW = self.zW, zB = self.zB, invW = self.invW, invB = self.invB
    let n4 = n & ~3
    let va = V4(repeating: alpha), vgc = V4(repeating: gc)
    var accRR = V4(), accRZ = V4()
    var tailRR = 0.0, tailRZ = 0.0
    var i0 = 0
    while i0 < m {
      let i1 = min(m, i0 &+ Self.tile)
      // Residual update of the tile's rows.
      if alpha != 0 {
        for i in i0..<i1 {
          let o = i &* n
          var j = 0
          while j < n4 {
            let a = _Double4.ld(rW + o + j) - va * _Double4.ld(qW + o + j)
            let b = _Double4.ld(rB + o + j) - va * _Double4.ld(qB + o + j)
            _Double4.st(rW + o + j, a)
            _Double4.st(rB + o + j, b)
            accRR += a * a + b * b
            j &+= 4
          }
          while j < n {
            let a = rW[o &+ j] - alpha * qW[o &+ j], b = rB[o &+ j] - alpha * qB[o &+ j]
            rW[o &+ j] = a
            rB[o &+ j] = b
            tailRR += a * a + b * b
            j &+= 1
          }
        }
      } else {
        for i in i0..<i1 {
          let o = i &* n
          var j = 0
          while j < n4 {
            let a = _Double4.ld(rW + o + j), b = _Double4.ld(rB + o + j)
            accRR += a * a + b * b
            j &+= 4
          }
          while j < n { tailRR += rW[o &+ j] * rW[o &+ j] + rB[o &+ j] * rB[o &+ j]; j &+= 1 }
        }
      }
      // Word lines of the tile: forward elimination y_j = r_j·inv_j +
      // (g·inv_j)·y_{j−1} (one multiply-add on the dependency chain),
      // back substitution z_j = y_j + g·inv_j·z_{j+1}; eight rows'
      // chains interleaved.
      if i1 &- i0 == Self.tile {
        solveFourWordLines(i0)
        solveFourWordLines(i0 &+ 4)
      } else {
        for i in i0..<i1 {
          let o = i &* n
          var y = 0.0
          for j in 0..<n {
            y = rW[o &+ j] * invW[o &+ j] + gr * invW[o &+ j] * y
            zW[o &+ j] = y
          }
          var j = n &- 2
          while j >= 0 {
            y = zW[o &+ j] + gr * invW[o &+ j] * y
            zW[o &+ j] = y
            j &-= 1
          }
        }
      }
      // r_W·z_W of the tile, and the bit lines' downward elimination.
      for i in i0..<i1 {
        let o = i &* n
        var j = 0
        if i == 0 {
          while j < n4 {
            _Double4.st(zB + j, _Double4.ld(rB + j) * _Double4.ld(invB + j))
            accRZ += _Double4.ld(rW + j) * _Double4.ld(zW + j)
            j &+= 4
          }
          while j < n { zB[j] = rB[j] * invB[j]; tailRZ += rW[j] * zW[j]; j &+= 1 }
        } else {
          while j < n4 {
            let y = (_Double4.ld(rB + o + j) + vgc * _Double4.ld(zB + o - n + j)) * _Double4.ld(invB + o + j)
            _Double4.st(zB + o + j, y)
            accRZ += _Double4.ld(rW + o + j) * _Double4.ld(zW + o + j)
            j &+= 4
          }
          while j < n {
            zB[o &+ j] = (rB[o &+ j] + gc * zB[o &- n &+ j]) * invB[o &+ j]
            tailRZ += rW[o &+ j] * zW[o &+ j]
            j &+= 1
          }
        }
      }
      i0 = i1
    }
    return (accRR.sum() + tailRR, accRZ.sum() + tailRZ)
  }

  /// The upward sweep of the bit lines' back substitution; returns r_B·z_B.
  @inline(__always)
  func bitBackSubstitution() -> Double {
    let m = self.m, n = self.n, gc = self.gc
    let rB = self.rB, zB = self.zB, invB = self.invB
    let n4 = n & ~3
    let vgc = V4(repeating: gc)
    var acc = V4()
    var tail = 0.0
    let last = (m &- 1) &* n
    for j in 0..<n { tail += rB[last &+ j] * zB[last &+ j] }
    var i = m &- 2
    while i >= 0 {
      let o = i &* n
      var j = 0
      while j < n4 {
        let z = _Double4.ld(zB + o + j) + vgc * _Double4.ld(invB + o + j) * _Double4.ld(zB + o + n + j)
        _Double4.st(zB + o + j, z)
        acc += _Double4.ld(rB + o + j) * z
        j &+= 4
      }
      while j < n {
        let z = zB[o &+ j] + gc * invB[o &+ j] * zB[o &+ n &+ j]
        zB[o &+ j] = z
        tail += rB[o &+ j] * z
        j &+= 1
      }
      i &-= 1
    }
    return acc.sum() + tail
  }

  /// The coarse half of the two-level preconditioner: z += Z·(L_w +
  /// L_b)⁻¹·Zᵀ·r, with Zᵀ·r = r_W + r_B per cell and Z·u = (u, u); returns
  /// the term it adds to r·z, (r_W + r_B)·u. Uses q as scratch (free
  /// between the preconditioner and the next A·p).
  private func mergedCorrection() -> Double {
    guard let merged else { return 0 }
    let mn = m &* n, mn4 = mn & ~3
    let f = qW, u = qB, rW = self.rW, rB = self.rB, zW = self.zW, zB = self.zB
    var k = 0
    while k < mn4 {
      _Double4.st(f + k, _Double4.ld(rW + k) + _Double4.ld(rB + k))
      k &+= 4
    }
    while k < mn { f[k] = rW[k] + rB[k]; k &+= 1 }
    merged.solve(f, into: u)
    var acc = V4()
    var tail = 0.0
    k = 0
    while k < mn4 {
      let x = _Double4.ld(u + k)
      _Double4.st(zW + k, _Double4.ld(zW + k) + x)
      _Double4.st(zB + k, _Double4.ld(zB + k) + x)
      acc += _Double4.ld(f + k) * x
      k &+= 4
    }
    while k < mn {
      zW[k] += u[k]
      zB[k] += u[k]
      tail += f[k] * u[k]
      k &+= 1
    }
    return acc.sum() + tail
  }

  /// Conjugate gradients from e = 0 with r = r₀ already in place; keeps e
  /// at the terminated nodes in `eLeft`/`eBottom`.
  private func iterate(_ g: UnsafePointer<Double>, tolerance: Double, maxIterations: Int) {
    let m = self.m, n = self.n
    for i in 0..<m { eLeft[i] = 0 }
    for j in 0..<n { eBottom[j] = 0 }
    var (rr, rz) = updateAndPrecondition(alpha: 0)
    let target = tolerance * tolerance * rr
    lastIterations = 0
    lastResidual = 0
    // A NaN or infinite drive or conductance makes rr non-finite: not a
    // solution (NodalSolver throws likewise).
    guard rr.isFinite else { lastConverged = false; lastResidual = .nan; return }
    lastConverged = true
    guard rr > 0 else { return }
    rz += bitBackSubstitution()
    let twoLevel = self.twoLevel
    // No coarse correction on the first pass: every right-hand side here
    // (`setRightHandSide`, `transfer`'s unit drives) is a cell current
    // leaving the word node and entering the bit node, r_B = −r_W cell by
    // cell, so Zᵀ·r₀ = r_W + r_B = 0 exactly and the merged solve would
    // add a zero field (one coarse solve per read saved).
    assert(!twoLevel || (0..<(m &* n)).allSatisfy { rW[$0] + rB[$0] == 0 }, "r₀'s word and bit parts must cancel")
    // p = z + 0·p on the first pass (p is always finite).
    var beta = 0.0
    let r0 = rr
    while true {
      let pq = applyA(g, beta: beta)
      guard pq > 0, pq.isFinite else { lastConverged = pq.isFinite && rr <= target; break }
      let alpha = rz / pq
      for i in 0..<m { eLeft[i] += alpha * pW[i * n] }
      let last = (m - 1) * n
      for j in 0..<n { eBottom[j] += alpha * pB[last + j] }
      lastIterations += 1
      let (rrNew, rzW) = updateAndPrecondition(alpha: alpha)
      rr = rrNew
      if rr <= target { break }
      if lastIterations >= maxIterations { lastConverged = false; break }
      var rzNew = rzW + bitBackSubstitution()
      if twoLevel { rzNew += mergedCorrection() }
      beta = rzNew / rz
      rz = rzNew
    }
    lastResidual = (rr / r0).squareRoot()
  }

  /// The right-hand side r₀ of the correction field: the ideal cell
  /// currents G_ij·(a_i − c_j), out of the word node, into the bit node.
  /// `rowDrive`/`columnDrive` nil means 0 V on those lines.
  private func setRightHandSide(
    _ g: UnsafePointer<Double>, rowDrive: UnsafePointer<Double>?, columnDrive: UnsafePointer<Double>?
  ) {
    let m = self.m, n = self.n
    for i in 0..<m {
      let o = i * n
      let a = rowDrive?[i] ?? 0
      if let c = columnDrive {
        for j in 0..<n {
          let cell = g[o + j] * (a - c[j])
          rW[o + j] = -cell
          rB[o + j] = cell
        }
      } else {
        for j in 0..<n {
          let cell = g[o + j] * a
          rW[o + j] = -cell
          rB[o + j] = cell
        }
      }
    }
  }

  /// One read: forward (`drive` = M row voltages, columns at 0 V) or
  /// transposed (`drive` = N column voltages, rows at 0 V). Writes the
  /// currents out of the output lines into their sense amplifiers and the
  /// currents the drivers deliver.
  func solve(
    g: UnsafePointer<Double>, direction: ReadDirection, drive: UnsafePointer<Double>,
    tolerance: Double, maxIterations: Int,
    output: UnsafeMutablePointer<Double>, input: UnsafeMutablePointer<Double>
  ) {
    readsSinceFactor += 1
    let m = self.m, n = self.n
    switch direction {
    case .forward:
      setRightHandSide(g, rowDrive: drive, columnDrive: nil)
      iterate(g, tolerance: tolerance, maxIterations: maxIterations)
      // Out of S_j: (x_B − 0)·g_tc; into D_i: (v_i − x_W)·g_tr = −e_W·g_tr
      // (the terminal segments, 1/(r + R)).
      for j in 0..<n { output[j] = gtc * eBottom[j] }
      for i in 0..<m { input[i] = -gtr * eLeft[i] }
    case .transposed:
      setRightHandSide(g, rowDrive: nil, columnDrive: drive)
      iterate(g, tolerance: tolerance, maxIterations: maxIterations)
      for i in 0..<m { output[i] = gtr * eLeft[i] }
      for j in 0..<n { input[j] = -gtc * eBottom[j] }
    }
  }

  /// Unit-drive solves of every column (transposed reads, `byColumns`) or
  /// every row (forward reads) into `transferBuffer` (M×N, row-major).
  /// Returns false when `stop` answered true before every drive was
  /// solved (the buffer is then incomplete).
  func transfer(
    g: UnsafePointer<Double>, byColumns: Bool, count: Int, tolerance: Double, maxIterations: Int,
    stop: () -> Bool = { false }
  ) -> Bool {
    let m = self.m, n = self.n
    if !hasTransferBuffer {
      transferBuffer.deallocate()
      transferBuffer = .allocate(capacity: m * n)
      hasTransferBuffer = true
    }
    let t = transferBuffer
    transferIterations = 0
    var worst = (iterations: 0, residual: 0.0, converged: true)
    for k in 0..<count {
      if stop() { return false }
      // One drive at 1 V: the right-hand side lives on that line's cells.
      for x in 0..<(m * n) { rW[x] = 0; rB[x] = 0 }
      if byColumns {
        for i in 0..<m { let c = g[i * n + k]; rW[i * n + k] = c; rB[i * n + k] = -c }
      } else {
        for j in 0..<n { let c = g[k * n + j]; rW[k * n + j] = -c; rB[k * n + j] = c }
      }
      iterate(g, tolerance: tolerance, maxIterations: maxIterations)
      transferIterations += lastIterations
      if !lastConverged || lastResidual > worst.residual {
        worst = (lastIterations, lastResidual, worst.converged && lastConverged)
      }
      if byColumns {
        for i in 0..<m { t[i * n + k] = gtr * eLeft[i] }
      } else {
        for j in 0..<n { t[k * n + j] = gtc * eBottom[j] }
      }
    }
    lastIterations = worst.iterations
    lastResidual = worst.residual
    lastConverged = worst.converged
    return true
  }
}
