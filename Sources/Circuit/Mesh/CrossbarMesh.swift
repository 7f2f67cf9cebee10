import Foundation

/// What terminates one end of a line: a voltage source (a driver, or a
/// sense amplifier's virtual ground at 0 V) or nothing.
public enum LineTermination: Sendable, Equatable {
  /// An ideal voltage source of `volts` (V) behind one line segment.
  case source(volts: Double)
  /// An open end: no current leaves the line here.
  case open

  /// The source voltage, or nil for an open end.
  @inlinable public var volts: Double? {
    if case .source(let v) = self { return v }
    return nil
  }
}

/// Segment resistances of the lines of one array.
///
/// With both zero the array has ideal wires and every read is the exact
/// Kirchhoff sum Σ G·V. With either positive, reads are nodal solves of the
/// whole mesh.
public struct WireModel: Sendable, Equatable {
  /// Resistance of one word-line (drain, row) segment, in ohms (Ω), ≥ 0.
  public var rowSegmentResistance: Double
  /// Resistance of one bit-line (source, column) segment, in ohms (Ω), ≥ 0.
  public var columnSegmentResistance: Double
  /// Resistance in series with every word line's termination (Ω, ≥ 0;
  /// default 0; since session 59): a driver's output resistance in a
  /// forward read, the sense amplifier's input resistance in a transposed
  /// one. It adds to the line's first segment. With ideal word lines
  /// (r_row = 0) each word line is one node behind it, which is solved
  /// only when the bit lines are ideal too.
  public var rowTerminalResistance: Double
  /// Resistance in series with every bit line's termination (Ω, ≥ 0;
  /// default 0): the sense amplifier's input resistance in a forward
  /// read, a driver's output resistance in a transposed one; as
  /// ``rowTerminalResistance`` for the bit lines.
  public var columnTerminalResistance: Double

  /// Lines of these segment resistances in ohms (Ω), and the resistances
  /// at their terminations; all 0 (the default) are ideal wires. Checked
  /// by ``validate()``, not here.
  public init(
    rowSegmentResistance: Double = 0, columnSegmentResistance: Double = 0,
    rowTerminalResistance: Double = 0, columnTerminalResistance: Double = 0
  ) {
    self.rowSegmentResistance = rowSegmentResistance
    self.columnSegmentResistance = columnSegmentResistance
    self.rowTerminalResistance = rowTerminalResistance
    self.columnTerminalResistance = columnTerminalResistance
  }

  /// Ideal wires: zero resistance everywhere.
  public static let ideal = WireModel()

  /// True when every segment and termination has zero resistance: every
  /// read is then the exact Kirchhoff sum.
  public var isIdeal: Bool { hasIdealSegments && !hasTerminalResistance }
  /// True when every segment has zero resistance (terminations aside).
  public var hasIdealSegments: Bool { rowSegmentResistance == 0 && columnSegmentResistance == 0 }
  /// True when a terminal resistance is set on either line kind.
  public var hasTerminalResistance: Bool { rowTerminalResistance > 0 || columnTerminalResistance > 0 }

  /// The smallest non-zero segment resistance a solve takes, in Ω. Below
  /// it the square of a line's conductance 1/r overflows: the solves then
  /// fail to converge, or (with the other lines ideal) return zero
  /// currents. Ideal lines are r = 0.
  public static let smallestResistance = 1e-150

  /// The largest segment resistance a problem file's solve takes, in Ω.
  /// Above it the square of a line's conductance 1/r underflows: a solve
  /// of small enough cells (G·r within bounds) returned wrong currents and
  /// node voltages as converged (r_row = 1e170 Ω, r_col = 2e170 Ω with
  /// G·r ≈ 1e-2…1: every i_out off by 100 %, 0 iterations). Training is
  /// bounded far below it by G·r ≤ 1e9 with gmax ≥ 1e-12 S.
  public static let largestResistance = 1e150

  /// The largest G·r (cell conductance × segment resistance) solved with
  /// resistive lines of both kinds: beyond it the mesh is too
  /// ill-conditioned to trust (the error of a current grows as about
  /// 1e-16·G·r).
  public static let largestConductanceTimesResistance = 1e9

  /// Checks that each resistance is 0 or in
  /// [``smallestResistance``, ``largestResistance``] Ω, and that no ideal
  /// line kind has a terminal resistance beside resistive lines.
  ///
  /// - Throws: ``ConfigurationError`` (field `r_row`, `r_col`, `r_driver`
  ///   for the word lines' terminal resistance or `r_sense` for the bit
  ///   lines').
  public func validate() throws {
    for (name, r) in [
      ("r_row", rowSegmentResistance), ("r_col", columnSegmentResistance),
      ("r_driver", rowTerminalResistance), ("r_sense", columnTerminalResistance),
    ] {
      guard r.isFinite, r >= 0 else {
        throw ConfigurationError(field: name, "resistance \(ConfigurationError.shown(r)) must be finite and ≥ 0 Ω")
      }
      guard r == 0 || r >= Self.smallestResistance else {
        // (A terminal resistance of 0 is none, not an ideal line.)
        let message = name == "r_driver" || name == "r_sense"
          ? "\(r) Ω is too small to solve (a non-zero resistance must be ≥ 1e-150 Ω); use 0 for none" : Self.tooSmall(r)
        throw ConfigurationError(field: name, message)
      }
      guard r <= Self.largestResistance else {
        throw ConfigurationError(field: name, Self.tooLarge(r))
      }
    }
    let terminals = [
      ("r_driver", rowTerminalResistance, rowSegmentResistance, "word", "r_row", columnSegmentResistance),
      ("r_sense", columnTerminalResistance, columnSegmentResistance, "bit", "r_col", rowSegmentResistance),
    ]
    for (name, r, segment, kind, segmentName, other) in terminals where r > 0 && segment == 0 && other > 0 {
      // An ideal line behind a resistance is one node; solved when every
      // line is ideal (M + N nodes), not beside resistive lines.
      throw ConfigurationError(
        field: name,
        "a terminal resistance on ideal \(kind) lines (\(segmentName) = 0) is solved only when the other lines are ideal too; give \(segmentName) > 0 (the iterative solve takes a terminal resistance up to 1e8 times its segment, the direct solve any)")
    }
  }

  /// The largest ratio R/r of a terminal resistance to its line's segment
  /// the iterative solves take (`NodalSolver.solve`, `ResistiveReader`).
  /// A line far stiffer along itself than to its termination floats: its
  /// nodes share one potential up to drops of I·r, and a current formed
  /// from those differences errs by about 1e-16·R/r (1e-12 at 1e4, 1e-6 at
  /// 1e10; training's reads were 27 % off at 1e10, a walkthrough, session
  /// 59). The direct solve takes any ratio.
  public static let largestTerminalRatio = 1e8

  /// The terminal resistance beyond ``largestTerminalRatio`` times its
  /// resistive line's segment, with that segment and the key (`r_driver`,
  /// `r_sense`); nil when none is.
  public var terminalIllConditioning: (resistance: Double, segment: Double, field: String)? {
    guard let t = largestTerminalRatio, t.resistance > Self.largestTerminalRatio * t.segment else { return nil }
    return t
  }

  /// The terminal resistance that is the most times its resistive line's
  /// segment (R/r), with that segment and its key; nil when no resistive
  /// line kind has one.
  public var largestTerminalRatio: (resistance: Double, segment: Double, field: String)? {
    var best: (resistance: Double, segment: Double, field: String)? = nil
    for (big, r, field) in [
      (rowTerminalResistance, rowSegmentResistance, "r_driver"), (columnTerminalResistance, columnSegmentResistance, "r_sense"),
    ] where r > 0 && big > 0 {
      if best.map({ big / r > $0.resistance / $0.segment }) ?? true { best = (big, r, field) }
    }
    return best
  }

  /// The message for a terminal resistance beyond ``largestTerminalRatio``.
  public static func beyondTerminalRatio(_ t: (resistance: Double, segment: Double, field: String)) -> String {
    let kind = t.field == "r_driver" ? "word lines' segments (r_row" : "bit lines' segments (r_col"
    return "\(ConfigurationError.shown(t.resistance)) Ω is \(String(format: "%.3g", t.resistance / t.segment)) times the \(kind) \(ConfigurationError.shown(t.segment)) Ω), beyond 1e8, where only the direct solve of both resistive line kinds is accurate (the iteration's and the line-by-line solve's currents err by about 1e-16·R/r)"
  }

  /// The message for a resistance above `largestResistance`.
  public static func tooLarge(_ r: Double) -> String {
    "\(r) Ω is too large to solve (a resistance must be ≤ 1e150 Ω)"
  }

  /// The message for a conductance `g` against segments of `r` beyond
  /// ``largestConductanceTimesResistance`` (`what` names the conductance).
  public static func beyondConditioning(_ what: String, conductance g: String, resistance r: String, product: String) -> String {
    "\(what) up to \(g) S against \(r) Ω line segments (G·r = \(product)) is beyond 1e9, where the nodal solve is too ill-conditioned to be trusted"
  }

  /// The message for a resistance in (0, `smallestResistance`).
  public static func tooSmall(_ r: Double) -> String {
    "\(r) Ω is too small to solve (a non-zero resistance must be ≥ 1e-150 Ω); use 0 for an ideal line"
  }
}

/// One passive resistive array with its lines, ready to be solved.
///
/// The circuit (the convention of the crossbar problem files, README, and
/// of the badcrossbar package): word line (row) `i` is terminated at its
/// left end, before column 0, through one row segment; bit line (column)
/// `j` is terminated at its bottom end, after row M−1, through one column
/// segment. Cell (i, j) of conductance G[i][j] joins word-line node (i, j)
/// to bit-line node (i, j); neighbouring nodes along a line are joined by one
/// segment. The far ends are open.
///
/// A forward read drives the word lines and holds the bit lines at 0 V; a
/// transposed read drives the bit lines and holds the word lines at 0 V.
public struct CrossbarMesh: Sendable {
  /// M, the number of word lines (rows).
  public let rows: Int
  /// N, the number of bit lines (columns).
  public let columns: Int
  /// Cell conductances in siemens (S), row-major: `conductance[i*N + j]`.
  public var conductance: [Double]
  /// Segment resistances.
  public var wires: WireModel
  /// Termination of each word line's left end (M of them).
  public var rowTerminations: [LineTermination]
  /// Termination of each bit line's bottom end (N of them).
  public var columnTerminations: [LineTermination]
  /// The cells' I–V (default linear, I = G·V). With `sinh(v0:)` every cell
  /// draws I = G·V0·sinh(V/V0) and the solves iterate Newton's method on
  /// the nodal equations (`NodalSolver`); `MeshSolution`'s currents apply
  /// the same curve. Since session 88.
  public var cellIV: CellIV = .linear
  /// The wires' ``WireModel/rowTerminalResistance`` (Ω): in series with
  /// every word line's termination.
  public var rowTerminalResistance: Double {
    get { wires.rowTerminalResistance }
    set { wires.rowTerminalResistance = newValue }
  }
  /// The wires' ``WireModel/columnTerminalResistance`` (Ω).
  public var columnTerminalResistance: Double {
    get { wires.columnTerminalResistance }
    set { wires.columnTerminalResistance = newValue }
  }

  /// Conductance between a terminated word line's source and its first
  /// node, 1/(r_row + R) (S); infinite for ideal lines and no resistance.
  @inlinable public var rowTerminalConductance: Double {
    1 / (wires.rowSegmentResistance + rowTerminalResistance)
  }
  /// Conductance between a terminated bit line's last node and its
  /// termination, 1/(r_col + R) (S).
  @inlinable public var columnTerminalConductance: Double {
    1 / (wires.columnSegmentResistance + columnTerminalResistance)
  }
  /// True when a terminal resistance is set on either line kind.
  public var hasTerminalResistance: Bool { wires.hasTerminalResistance }

  /// A mesh with every word line driven by `rowVoltages` and every bit line
  /// held at 0 V (a forward read).
  public init(
    rows: Int, columns: Int, conductance: [Double], wires: WireModel,
    rowVoltages: [Double]
  ) {
    require(rowVoltages.count == rows, "\(rowVoltages.count) voltages for \(rows) rows")
    self.init(
      rows: rows, columns: columns, conductance: conductance, wires: wires,
      rowTerminations: rowVoltages.map { .source(volts: $0) },
      columnTerminations: Array(repeating: .source(volts: 0), count: columns))
  }

  /// A mesh with any termination of each line: a source of its own
  /// voltage, or open (which needs that kind of line to have r > 0).
  ///
  /// Values are checked by ``validate()`` (``NodalSolver/solve(_:warmStart:)``
  /// calls it), not here.
  ///
  /// - Precondition: `rows ≥ 1`, `columns ≥ 1`, M·N conductances, M row
  ///   and N column terminations.
  public init(
    rows: Int, columns: Int, conductance: [Double], wires: WireModel,
    rowTerminations: [LineTermination], columnTerminations: [LineTermination]
  ) {
    require(rows >= 1 && columns >= 1, "array must be at least 1×1")
    require(conductance.count == rows * columns,
      "conductance has \(conductance.count) cells, expected \(rows)×\(columns)")
    require(rowTerminations.count == rows && columnTerminations.count == columns,
      "terminations must be one per line")
    self.rows = rows
    self.columns = columns
    self.conductance = conductance
    self.wires = wires
    self.rowTerminations = rowTerminations
    self.columnTerminations = columnTerminations
  }

  /// Checks values a user supplies: conductances ≥ 0 and finite, resistances
  /// ≥ 0 and finite, finite source voltages, and no open line without
  /// resistance (its nodes would have to be merged into one; not supported).
  public func validate() throws {
    try wires.validate()
    if case .sinh(let v0) = cellIV {
      guard v0.isFinite && v0 > 0 else {
        throw ConfigurationError(field: "iv_v0", "\(ConfigurationError.shown(v0)) V must be finite and > 0 (0 for linear cells)")
      }
      // (With ideal lines and no terminal resistance nothing is solved:
      // each cell sees its lines' drives.)
      let spread = driveSpread
      guard !needsNewton || (spread.isFinite && spread <= Self.largestSpreadOverV0 * v0) else {
        throw ConfigurationError(
          field: "iv_v0",
          "the drives span \(String(format: "%.6g", spread)) V, \(String(format: "%.6g", spread / v0)) times V0 = \(ConfigurationError.shown(v0)) V: beyond \(Int(Self.largestSpreadOverV0))·V0 a cell's slope G·cosh(V/V0) grows past \(String(format: "%.1e", Foundation.cosh(Self.largestSpreadOverV0))) times G and the solve is not trusted; raise iv_v0 or lower the drives")
      }
    }
    for k in conductance.indices where !(conductance[k].isFinite && conductance[k] >= 0) {
      throw ConfigurationError(
        field: "conductance[\(k / columns)][\(k % columns)]",
        "\(conductance[k]) S must be finite and ≥ 0")
    }
    for (i, t) in rowTerminations.enumerated() {
      if let v = t.volts, !v.isFinite {
        throw ConfigurationError(field: "v_in[\(i)]", "\(v) V is not finite")
      }
      if t == .open && wires.rowSegmentResistance == 0 {
        throw ConfigurationError(field: "r_row", "an open word line needs r_row > 0")
      }
    }
    for (j, t) in columnTerminations.enumerated() {
      if let v = t.volts, !v.isFinite {
        throw ConfigurationError(field: "v_col[\(j)]", "\(v) V is not finite")
      }
      if t == .open && wires.columnSegmentResistance == 0 {
        throw ConfigurationError(field: "r_col", "an open bit line needs r_col > 0")
      }
    }
  }

  /// The largest conductance and segment resistance when their product is
  /// beyond ``WireModel/largestConductanceTimesResistance`` in a mesh whose
  /// nodal solve it makes untrustworthy; nil otherwise. With both line
  /// kinds resistive the error of a current grows as about 1e-16·G·r, and
  /// with one kind ideal the cells' currents become differences of nearly
  /// equal node voltages unless that kind is held at 0 V (forward reads'
  /// sense amplifiers: then any G·r is solved, line by line). `solve` and
  /// ``NodalSolver`` refuse such a mesh (the library had answered, marked
  /// converged, 13 % off at G·r = 1e15: a walkthrough, session 43).
  /// With non-linear cells the conductance is the largest slope a cell
  /// can take, G_max·cosh(spread/V0) (the Newton steps solve meshes of
  /// the cells' slopes).
  public var illConditioning: (conductance: Double, resistance: Double, field: String)? {
    let rr = wires.rowSegmentResistance, rc = wires.columnSegmentResistance
    let r = max(rr, rc)
    guard r > 0, let g0 = conductance.max() else { return nil }
    let g = g0 * largestSlopeFactor
    guard g * r > WireModel.largestConductanceTimesResistance else { return nil }
    func grounded(_ t: [LineTermination]) -> Bool { t.allSatisfy { $0.volts == 0 } }
    if rc == 0 && grounded(columnTerminations) { return nil }
    if rr == 0 && grounded(rowTerminations) { return nil }
    return (g, r, rr >= rc ? "r_row" : "r_col")
  }

  /// The largest spread of the drives, in units of V0, a mesh of
  /// `sinh(v0:)` cells is solved at: 20, where a cell's slope is up to
  /// cosh(20) = 2.4e8 times G. Every node lies between the least and the
  /// greatest source voltage (the cells and segments are monotone), so no
  /// cell sees more than the spread.
  public static let largestSpreadOverV0 = 20.0

  /// The greatest source voltage less the least (V; 0 with one source
  /// voltage or none).
  public var driveSpread: Double {
    let v = (rowTerminations + columnTerminations).compactMap(\.volts)
    guard let lo = v.min(), let hi = v.max() else { return 0 }
    return hi - lo
  }

  /// How much steeper than G a cell can be in this mesh: cosh(spread/V0)
  /// for `sinh(v0:)` cells, 1 for linear ones.
  public var largestSlopeFactor: Double {
    guard case .sinh(let v0) = cellIV, v0 > 0 else { return 1 }
    return Foundation.cosh(min(driveSpread / v0, 700))
  }
}
