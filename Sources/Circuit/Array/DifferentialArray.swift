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
///   every node voltage, device current and line current available.
public struct DifferentialArray: Sendable {
  /// M, pre-neurons (drain lines per polarity).
  public let rows: Int
  /// N, post-neurons (source lines per polarity).
  public let columns: Int
  /// Line segment resistances.
  public var wires: WireModel
  /// Read pulse width in seconds, for the read energy (default 10 ns).
  public var readTime: Double = 1e-8

  @usableFromInline var _plus: [Double]
  @usableFromInline var _minus: [Double]
  @usableFromInline var _weight: [Float]
  /// Σ_j (G+_ij + G−_ij): the load a drain line pair drives (S).
  @usableFromInline var _rowLoad: [Double]
  /// Σ_i (G+_ij + G−_ij): the load a source line pair drives (S).
  @usableFromInline var _columnLoad: [Double]

  /// Energy of all reads so far (J): Σ V·I over each read's duration.
  public var readEnergy: Double = 0
  /// Number of reads so far.
  public var readCount: Int = 0

  /// An array with every device at `conductance` (S).
  public init(rows: Int, columns: Int, conductance: Double = 0, wires: WireModel = .ideal) {
    precondition(rows >= 1 && columns >= 1, "array must be at least 1×1, got \(rows)×\(columns)")
    self.rows = rows
    self.columns = columns
    self.wires = wires
    _plus = Array(repeating: conductance, count: rows * columns)
    _minus = _plus
    _weight = Array(repeating: 0, count: rows * columns)
    _rowLoad = Array(repeating: 2 * conductance * Double(columns), count: rows)
    _columnLoad = Array(repeating: 2 * conductance * Double(rows), count: columns)
  }

  /// Conductances of one polarity (S), row-major M×N.
  public func conductances(_ p: Polarity) -> [Double] { p == .plus ? _plus : _minus }

  /// The weights G+ − G− (S) as kept by the hot-path cache, row-major.
  public var weights: [Float] { _weight }

  /// Conductance of one device (S).
  @inlinable
  public func conductance(_ p: Polarity, row i: Int, column j: Int) -> Double {
    p == .plus ? _plus[i * columns + j] : _minus[i * columns + j]
  }

  /// Sets one device's conductance (S), keeping the caches in step.
  @inlinable
  public mutating func setConductance(_ p: Polarity, row i: Int, column j: Int, _ g: Double) {
    let k = i * columns + j
    let old: Double
    if p == .plus {
      old = _plus[k]
      _plus[k] = g
    } else {
      old = _minus[k]
      _minus[k] = g
    }
    _weight[k] = Float(_plus[k] - _minus[k])
    _rowLoad[i] += g - old
    _columnLoad[j] += g - old
  }

  /// Replaces all conductances (S, row-major M×N each).
  public mutating func setConductances(plus: [Double], minus: [Double]) {
    precondition(plus.count == rows * columns && minus.count == rows * columns,
      "conductances have \(plus.count) and \(minus.count) cells, expected \(rows)×\(columns)")
    _plus = plus
    _minus = minus
    for k in 0..<(rows * columns) { _weight[k] = Float(plus[k] - minus[k]) }
    recomputeLoads()
  }

  @usableFromInline mutating func recomputeLoads() {
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
    let g = p == .plus ? _plus : _minus
    switch direction {
    case .forward:
      precondition(voltages.count == rows, "\(voltages.count) voltages for \(rows) drain lines")
      return CrossbarMesh(
        rows: rows, columns: columns, conductance: g, wires: wires,
        rowTerminations: voltages.map { .source(volts: $0) },
        columnTerminations: Array(repeating: .source(volts: 0), count: columns))
    case .transposed:
      precondition(voltages.count == columns, "\(voltages.count) voltages for \(columns) source lines")
      return CrossbarMesh(
        rows: rows, columns: columns, conductance: g, wires: wires,
        rowTerminations: Array(repeating: .source(volts: 0), count: rows),
        columnTerminations: voltages.map { .source(volts: $0) })
    }
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
  /// The nodal solutions of the G+ and G− meshes (nil with ideal wires).
  public var plusSolution: MeshSolution?
  public var minusSolution: MeshSolution?

  /// The neuron inputs: I(+) − I(−) per output line (A).
  public var difference: [Double] { zip(plus, minus).map { $0 - $1 } }
}

extension DifferentialArray {
  /// Reads the array exactly, in double precision, and books the energy.
  ///
  /// With ideal wires the outputs are the Kirchhoff sums of each polarity;
  /// with resistive lines each polarity's mesh is solved by `solver`.
  /// - Throws: `SolverError` when a nodal solve fails.
  public mutating func read(
    _ direction: ReadDirection, voltages: [Double], solver: NodalSolver? = nil,
    warmStart: (plus: MeshSolution?, minus: MeshSolution?) = (nil, nil)
  ) throws -> DifferentialReadout {
    var out: DifferentialReadout
    if wires.isIdeal {
      let ip = Self.kirchhoff(_plus, rows, columns, direction, voltages)
      let im = Self.kirchhoff(_minus, rows, columns, direction, voltages)
      // Every device sees its full input voltage: E = t·Σ V²·G.
      var p = 0.0
      let load = direction == .forward ? _rowLoad : _columnLoad
      for (v, l) in zip(voltages, load) { p += v * v * l }
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
    readEnergy += out.energy
    readCount += 1
    return out
  }

  /// Σ G·V in double precision (the exact ideal-wire read of one polarity).
  static func kirchhoff(
    _ g: [Double], _ m: Int, _ n: Int, _ direction: ReadDirection, _ v: [Double]
  ) -> [Double] {
    switch direction {
    case .forward:
      precondition(v.count == m, "\(v.count) voltages for \(m) drain lines")
      var out = [Double](repeating: 0, count: n)
      for i in 0..<m where v[i] != 0 {
        for j in 0..<n { out[j] += g[i * n + j] * v[i] }
      }
      return out
    case .transposed:
      precondition(v.count == n, "\(v.count) voltages for \(n) source lines")
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
