/// Which way an array is read.
public enum ReadDirection: Sendable {
  /// Inputs on the drain (word) lines D±_i, outputs out of the source (bit)
  /// lines: I_j = I(S+_j) − I(S−_j) = Σ_i (G+_ij − G−_ij)·V_i.
  case forward
  /// Inputs on the source lines S±_j, outputs out of the drain lines:
  /// I_i = I(D+_i) − I(D−_i) = Σ_j (G+_ij − G−_ij)·V_j (back-propagation).
  case transposed
}

/// Which device of a synapse pair.
public enum Polarity: Sendable {
  case plus, minus
}

/// The G+ and G− crossbars of one layer: M pre-neurons × N post-neurons,
/// each synapse a pair of devices, so that a weight is G+ − G−.
///
/// The drain lines D+_i, D−_i carry row i, the source lines S+_j, S−_j
/// column j; control-gate lines CG±, used only for programming, are not
/// part of a read. Device conductances are held in siemens (`Double`), and
/// a single-precision cache of the differences G+ − G− is kept in step for
/// the training hot path (`readIdeal`).
///
/// Two ways to integrate the currents:
/// - ideal wires (`wires.isIdeal`): the exact Kirchhoff sum Σ G·V;
/// - resistive lines: a nodal solve of each polarity's mesh (`read`), with
///   every node voltage, device current and line current available; the
///   training hot path for resistive lines is `ResistiveReader`.
public final class DifferentialArray: @unchecked Sendable {
  /// M, pre-neurons (drain lines per polarity).
  public let rows: Int
  /// N, post-neurons (source lines per polarity).
  public let columns: Int
  /// Line segment resistances.
  public var wires: WireModel
  /// The cells' read I–V (`CellIV`; default linear, I = G·V). `read`
  /// takes a non-linear one with any lines (with resistive ones by
  /// Newton's method, since session 88); `ResistiveReader`, training's
  /// reads of resistive lines, takes linear cells only.
  public var cellIV: CellIV = .linear
  /// Read pulse width in seconds, for the read energy (default 10 ns).
  ///
  /// - Precondition: finite and ≥ 0 (a negative width had booked a
  ///   negative read energy).
  public var readTime: Double = 1e-8 {
    didSet {
      require(
        readTime >= 0 && readTime.isFinite, "readTime must be a finite width ≥ 0 s, got \(readTime)")
    }
  }

  // Storage with stable addresses, so that kernels (and the trainer's
  // per-sample loop) work on raw pointers without uniqueness checks.
  // An array is a piece of hardware: a reference type; `copy()` clones it.
  @usableFromInline package let _plus: UnsafeMutablePointer<Double>
  @usableFromInline package let _minus: UnsafeMutablePointer<Double>
  @usableFromInline package let _weight: UnsafeMutablePointer<Float>
  /// Σ_j (G+_ij + G−_ij): the load a drain line pair drives (S).
  @usableFromInline package let _rowLoad: UnsafeMutablePointer<Double>
  /// Σ_i (G+_ij + G−_ij): the load a source line pair drives (S).
  @usableFromInline package let _columnLoad: UnsafeMutablePointer<Double>

  /// Indices of the driven lines (non-zero inputs) of a read: the
  /// kernels' and the energy sum's scratch, max(rows, columns) long.
  @usableFromInline let _scratch: UnsafeMutablePointer<Int32>
  /// A non-linear read's cell currents f(V) per driven line (`cellIV`),
  /// max(rows, columns) long.
  @usableFromInline let _cellDrive: UnsafeMutablePointer<Float>

  /// Energy of all reads so far (J): Σ V·I over each read's duration.
  public var readEnergy: Double = 0
  /// Number of reads so far.
  public var readCount: Int = 0
  /// Σ over the booked reads of Σ V² over the lines each drove (V²):
  /// forward reads' word lines (each drives D+_i and D−_i at V_i) and
  /// transposed reads' bit lines (S+_j and S−_j at V_j). Times a line's
  /// capacitance, what the drivers spend charging the lines (C·V² a line
  /// and read, the lines returning to 0 V between reads).
  public var forwardDriveSquares: Double = 0
  public var transposedDriveSquares: Double = 0

  /// An array with every device at `conductance` (S).
  /// - Precondition: rows, columns ≥ 1; `conductance` finite and ≥ 0 (the
  ///   weight cache starts at 0: a NaN had read as 0 with ideal wires).
  public init(rows: Int, columns: Int, conductance: Double = 0, wires: WireModel = .ideal) {
    require(rows >= 1 && columns >= 1, "array must be at least 1×1, got \(rows)×\(columns)")
    require(conductance.isFinite && conductance >= 0, "conductance must be finite and ≥ 0 S, got \(conductance)")
    self.rows = rows
    self.columns = columns
    self.wires = wires
    let mn = rows * columns
    _plus = .allocate(capacity: mn)
    _plus.initialize(repeating: conductance, count: mn)
    _minus = .allocate(capacity: mn)
    _minus.initialize(repeating: conductance, count: mn)
    _weight = .allocate(capacity: mn)
    _weight.initialize(repeating: 0, count: mn)
    _rowLoad = .allocate(capacity: rows)
    _rowLoad.initialize(repeating: 2 * conductance * Double(columns), count: rows)
    _columnLoad = .allocate(capacity: columns)
    _columnLoad.initialize(repeating: 2 * conductance * Double(rows), count: columns)
    _scratch = .allocate(capacity: max(rows, columns))
    _cellDrive = .allocate(capacity: max(rows, columns))
  }

  deinit {
    _plus.deallocate()
    _minus.deallocate()
    _weight.deallocate()
    _rowLoad.deallocate()
    _columnLoad.deallocate()
    _scratch.deallocate()
    _cellDrive.deallocate()
  }

  /// An independent array with the same devices, lines and counters.
  public func copy() -> DifferentialArray {
    let a = DifferentialArray(rows: rows, columns: columns, wires: wires)
    a.setConductances(plus: conductances(.plus), minus: conductances(.minus))
    a.readTime = readTime
    a.cellIV = cellIV
    a.readEnergy = readEnergy
    a.forwardDriveSquares = forwardDriveSquares
    a.transposedDriveSquares = transposedDriveSquares
    a.readCount = readCount
    return a
  }

  /// Conductances of one polarity (S), row-major M×N.
  public func conductances(_ p: Polarity) -> [Double] {
    Array(UnsafeBufferPointer(start: p == .plus ? _plus : _minus, count: rows * columns))
  }

  /// The weights G+ − G− (S) as kept by the hot-path cache, row-major.
  public var weights: [Float] { Array(UnsafeBufferPointer(start: _weight, count: rows * columns)) }

  /// Conductance of one device (S).
  @inlinable
  public func conductance(_ p: Polarity, row i: Int, column j: Int) -> Double {
    require(i >= 0 && i < rows && j >= 0 && j < columns, "cell (\(i), \(j)) outside \(rows)×\(columns)")
    return p == .plus ? _plus[i * columns + j] : _minus[i * columns + j]
  }

  /// Sets one device's conductance (S), keeping the caches in step.
  @inlinable
  public func setConductance(_ p: Polarity, row i: Int, column j: Int, _ g: Double) {
    require(i >= 0 && i < rows && j >= 0 && j < columns, "cell (\(i), \(j)) outside \(rows)×\(columns)")
    let k = i * columns + j
    if p == .plus {
      _setPair(k, row: i, column: j, plus: g, minus: _minus[k])
    } else {
      _setPair(k, row: i, column: j, plus: _plus[k], minus: g)
    }
  }

  /// Sets both devices of synapse `k = i·N + j` (S): the unchecked form
  /// the trainer's update loop uses.
  @inlinable
  public func _setPair(_ k: Int, row i: Int, column j: Int, plus gp: Double, minus gm: Double) {
    let delta = (gp - _plus[k]) + (gm - _minus[k])
    _plus[k] = gp
    _minus[k] = gm
    _weight[k] = Float(gp - gm)
    _rowLoad[i] += delta
    _columnLoad[j] += delta
  }

  /// Replaces all conductances (S, row-major M×N each).
  public func setConductances(plus: [Double], minus: [Double]) {
    require(plus.count == rows * columns && minus.count == rows * columns,
      "conductances have \(plus.count) and \(minus.count) cells, expected \(rows)×\(columns)")
    for k in 0..<(rows * columns) {
      _plus[k] = plus[k]
      _minus[k] = minus[k]
      _weight[k] = Float(plus[k] - minus[k])
    }
    recomputeLoads()
  }

  /// Recomputes the line loads from the conductances (undoes the drift of
  /// many incremental updates).
  public func recomputeLoads() {
    for i in 0..<rows { _rowLoad[i] = 0 }
    for j in 0..<columns { _columnLoad[j] = 0 }
    for i in 0..<rows {
      for j in 0..<columns {
        let s = _plus[i * columns + j] + _minus[i * columns + j]
        _rowLoad[i] += s
        _columnLoad[j] += s
      }
    }
  }

  /// The mesh of one polarity for a read in `direction` with `voltages` on
  /// the input lines (M of them forward, N transposed) and the output lines
  /// held at 0 V by sense amplifiers.
  public func mesh(_ p: Polarity, _ direction: ReadDirection, voltages: [Double]) -> CrossbarMesh {
    let g = conductances(p)
    var mesh: CrossbarMesh
    switch direction {
    case .forward:
      require(voltages.count == rows, "\(voltages.count) voltages for \(rows) drain lines")
      mesh = CrossbarMesh(
        rows: rows, columns: columns, conductance: g, wires: wires,
        rowTerminations: voltages.map { .source(volts: $0) },
        columnTerminations: Array(repeating: .source(volts: 0), count: columns))
    case .transposed:
      require(voltages.count == columns, "\(voltages.count) voltages for \(columns) source lines")
      mesh = CrossbarMesh(
        rows: rows, columns: columns, conductance: g, wires: wires,
        rowTerminations: Array(repeating: .source(volts: 0), count: rows),
        columnTerminations: voltages.map { .source(volts: $0) })
    }
    // The cells read through their I–V (`cellIV`): the solve iterates
    // Newton's method on a non-linear one.
    mesh.cellIV = cellIV
    return mesh
  }
}

/// The result of one exact read: per-line currents of both polarities.
public struct DifferentialReadout: Sendable {
  /// Current out of each output line of the G+ array into its sense
  /// amplifier (A): S+_j forward, D+_i transposed.
  public var plus: [Double]
  /// The same for the G− array (A).
  public var minus: [Double]
  /// Energy of this read (J): Σ V·I of every source over the read time.
  public var energy: Double
  /// The nodal solution of the G+ mesh (nil with ideal wires).
  public var plusSolution: MeshSolution?
  /// The nodal solution of the G− mesh (nil with ideal wires).
  public var minusSolution: MeshSolution?

  /// The neuron inputs: I(+) − I(−) per output line (A).
  public var difference: [Double] { zip(plus, minus).map { $0 - $1 } }
}

extension DifferentialArray {
  /// Reads the array exactly, in double precision, and books the energy.
  ///
  /// With ideal wires the outputs are the Kirchhoff sums of each polarity;
  /// with resistive lines each polarity's mesh is solved by `solver`.
  ///
  /// - Parameters:
  ///   - direction: Forward (M voltages on the drain lines) or transposed
  ///     (N voltages on the source lines).
  ///   - voltages: The drives, in volts (V), finite.
  ///   - solver: The nodal solver of resistive lines; a new one when nil.
  ///   - warmStart: Previous solutions of the G+ and G− meshes.
  /// - Throws: ``ConfigurationError`` for a bad segment resistance
  ///   (``WireModel/validate()``), or (field prefixed `G+` or `G−`) when
  ///   either polarity's mesh fails ``CrossbarMesh/validate()``: a
  ///   negative or non-finite conductance or a non-finite voltage, with
  ///   ideal wires as with resistive ones; `SolverError` when a nodal solve fails. Nothing
  ///   is booked then.
  /// - Precondition: `voltages.count` is M (forward) or N (transposed).
  public func read(
    _ direction: ReadDirection, voltages: [Double], solver: NodalSolver? = nil,
    warmStart: (plus: MeshSolution?, minus: MeshSolution?) = (nil, nil), booking: Bool = true
  ) throws -> DifferentialReadout {
    // The same checks with ideal wires: their Kirchhoff sum would return
    // NaN for a NaN voltage, and a negative conductance is no device.
    try wires.validate()
    for (p, name) in [(Polarity.plus, "G+"), (.minus, "G−")] {
      do {
        try mesh(p, direction, voltages: voltages).validate()
      } catch let e as ConfigurationError {
        throw ConfigurationError(field: "\(name) \(e.field)", e.message)
      }
    }
    var out: DifferentialReadout
    if wires.isIdeal {
      // Every device sees its full input voltage V and draws G·f(V) (f(V)
      // = V with linear cells): E = t·Σ V·f(V)·G.
      let drive = cellIV == .linear ? voltages : voltages.map { cellIV.current(atVolts: $0) }
      let ip = Self.kirchhoff(conductances(.plus), rows, columns, direction, drive)
      let im = Self.kirchhoff(conductances(.minus), rows, columns, direction, drive)
      var p = 0.0
      let load = direction == .forward ? _rowLoad : _columnLoad
      for (k, v) in voltages.enumerated() { p += v * drive[k] * load[k] }
      out = DifferentialReadout(plus: ip, minus: im, energy: p * readTime)
    } else {
      let s = solver ?? NodalSolver()
      let sp = try s.solve(mesh(.plus, direction, voltages: voltages), warmStart: warmStart.plus)
      let sm = try s.solve(mesh(.minus, direction, voltages: voltages), warmStart: warmStart.minus)
      let outputs: (MeshSolution) -> [Double] = { sol in
        direction == .forward ? sol.outputCurrents : sol.rowTerminalCurrent.map { -$0 }
      }
      let inputs: (MeshSolution) -> [Double] = { sol in
        direction == .forward ? sol.rowTerminalCurrent : sol.columnTerminalCurrent
      }
      var p = 0.0
      for sol in [sp, sm] {
        for (v, i) in zip(voltages, inputs(sol)) { p += v * i }
      }
      out = DifferentialReadout(
        plus: outputs(sp), minus: outputs(sm), energy: p * readTime,
        plusSolution: sp, minusSolution: sm)
    }
    if booking {
      readEnergy += out.energy
      readCount += 1
      bookDriveSquares(direction, voltages.reduce(0) { $0 + $1 * $1 })
    }
    return out
  }

  /// Adds a read's Σ V² over its driven lines to its direction's sum.
  @inlinable
  public func bookDriveSquares(_ direction: ReadDirection, _ squares: Double) {
    if direction == .forward { forwardDriveSquares += squares } else { transposedDriveSquares += squares }
  }

  /// Σ G·V in double precision (the exact ideal-wire read of one polarity).
  static func kirchhoff(
    _ g: [Double], _ m: Int, _ n: Int, _ direction: ReadDirection, _ v: [Double]
  ) -> [Double] {
    switch direction {
    case .forward:
      require(v.count == m, "\(v.count) voltages for \(m) drain lines")
      var out = [Double](repeating: 0, count: n)
      for i in 0..<m where v[i] != 0 {
        for j in 0..<n { out[j] += g[i * n + j] * v[i] }
      }
      return out
    case .transposed:
      require(v.count == n, "\(v.count) voltages for \(n) source lines")
      var out = [Double](repeating: 0, count: m)
      for i in 0..<m {
        var s = 0.0
        for j in 0..<n { s += g[i * n + j] * v[j] }
        out[i] = s
      }
      return out
    }
  }
}
