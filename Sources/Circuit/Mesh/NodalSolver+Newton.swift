import Foundation

extension CrossbarMesh {
  /// True when the solve must iterate on the cells' I–V: non-linear cells
  /// (`CellIV.sinh`) behind lines that are not all ideal. With ideal
  /// lines and no terminal resistance every node is at its source's
  /// voltage whatever the cells draw.
  public var needsNewton: Bool {
    guard case .sinh = cellIV else { return false }
    return !wires.isIdeal
  }
}

/// Newton's method on the nodal equations of a mesh of non-linear cells.
///
/// Kirchhoff's current law at every node, with each cell drawing
/// I = G·V0·sinh(ΔV/V0), is a system F(v) = 0 whose Jacobian is the nodal
/// matrix of the same mesh with every cell replaced by its slope
/// G·cosh(ΔV/V0). One step linearises each cell at the present voltages
/// (its slope, and beside it a current source of G·V0·sinh(u) − slope·ΔV,
/// u = ΔV/V0, the companion model SPICE uses for a diode) and solves that
/// linear mesh with the same solver as a linear read: the conjugate
/// gradients, the line-by-line solves, the collapsed lines or the banded
/// elimination. The mesh stays an M-matrix (every slope is ≥ G ≥ 0), so
/// every step is as well-posed as a linear read.
///
/// The first guess is the mesh solved with linear cells (or the warm
/// start). A step that would move a cell's voltage by more than 2·V0 is
/// shortened to that (the exponential's Newton steps overshoot from a
/// guess far below the answer). With t = min(tolerance, 1e-8), the
/// iteration stops when no node moves by more than 1e3·t·V_ref (V_ref the
/// largest drive), or when the steps are within √t·V_ref and stop halving
/// (the rounding floor of the linear solves); the answer is quadratically
/// closer than the last step. The residual it reports is
/// ``nonlinearResidual(_:_:)`` of the answer. At most
/// ``NodalSolver/largestNewtonSteps`` steps. Far from the answer the
/// steps' conjugate gradients stop early (inexact Newton: at the square of
/// the last step's relative change, at most 1e-4); every step within √t
/// of the answer is solved to t. A tolerance looser than 1e-8 so loosens
/// the early steps only.
extension NodalSolver {
  /// The most Newton steps a solve of non-linear cells takes before it
  /// throws `SolverError.didNotConverge`.
  public static let largestNewtonSteps = 100

  /// The Newton iteration of `mesh` (``CrossbarMesh/needsNewton``), each
  /// step solved by `linear(mesh of slopes, cell sources, start)`.
  /// Returns the node voltages, the iterations of every step, the steps,
  /// and the relative residual of the non-linear equations
  /// (``nonlinearResidual(_:_:)``); terminal currents are left to the caller.
  func solveNewton(
    _ mesh: CrossbarMesh, warmStart: MeshSolution?,
    linear: (CrossbarMesh, [Double]?, MeshSolution?) throws -> MeshSolution
  ) throws -> MeshSolution {
    guard case .sinh(let v0) = mesh.cellIV else { return try linear(mesh, nil, warmStart) }
    let m = mesh.rows, n = mesh.columns, mn = m * n
    var lin = mesh
    lin.cellIV = .linear
    var sol: MeshSolution
    var iterations = 0
    if let ws = warmStart, ws.rows == m, ws.columns == n {
      sol = ws
    } else {
      // A first guess: the linear cells' mesh, to the first steps'
      // tolerance (below).
      let tol = options.tolerance
      options.tolerance = max(1e-4, tol)
      defer { options.tolerance = tol }
      sol = try linear(lin, nil, nil)
      iterations = sol.iterations
    }
    var vRef = 0.0
    for t in mesh.rowTerminations + mesh.columnTerminations { vRef = max(vRef, abs(t.volts ?? 0)) }
    guard vRef > 0 else {
      // Nothing drives the mesh: every node at 0 V, no current.
      sol = Self.emptySolution(m, n)
      return sol
    }
    let tol = options.tolerance
    // The steps near the answer are solved to at most 1e-8 whatever the
    // tolerance asked for: from a loose one (1e-4) the iteration had
    // stopped after one step, its currents 480 times too large and said
    // converged (an audit, session 88). Newton's first steps from the
    // linear guess move by about V0 each, however far off they are.
    let finalTolerance = min(tol, 1e-8)
    let target = 1e3 * finalTolerance * vRef, floor = finalTolerance.squareRoot() * vRef
    var slope = [Double](repeating: 0, count: mn), source = slope
    var previous = Double.infinity
    var steps = 0
    var converged = false
    while steps < Self.largestNewtonSteps {
      steps += 1
      for k in 0..<mn {
        let g = mesh.conductance[k], dv = sol.wordNodeVoltage[k] - sol.bitNodeVoltage[k]
        let u = dv / v0, c = Foundation.cosh(u)
        slope[k] = g * c
        source[k] = g * (v0 * Foundation.sinh(u) - dv * c)
      }
      lin.conductance = slope
      // Inexact Newton: far from the answer a step's linear solve need
      // not be exact. Its tolerance is the square of the last step's
      // relative change (the error Newton's method leaves after it), at
      // most 1e-4 and at least the final tolerance, which every step near
      // the answer gets (from a change of √finalTolerance on).
      let relative = previous.isFinite ? previous / vRef : 1
      let stepTolerance = min(max(relative * relative, finalTolerance), max(1e-4, finalTolerance))
      options.tolerance = stepTolerance
      let next: MeshSolution
      do {
        defer { options.tolerance = tol }
        next = try linear(lin, source, sol)
      }
      iterations += next.iterations
      var cellChange = 0.0, nodeChange = 0.0
      for k in 0..<mn {
        let dw = next.wordNodeVoltage[k] - sol.wordNodeVoltage[k], db = next.bitNodeVoltage[k] - sol.bitNodeVoltage[k]
        cellChange = max(cellChange, abs(dw - db))
        nodeChange = max(nodeChange, abs(dw), abs(db))
      }
      guard cellChange.isFinite && nodeChange.isFinite else { throw SolverError.overflow }
      if cellChange > 2 * v0 {
        // Shortened: every node moves λ of its way.
        let lambda = 2 * v0 / cellChange
        for k in 0..<mn {
          sol.wordNodeVoltage[k] += lambda * (next.wordNodeVoltage[k] - sol.wordNodeVoltage[k])
          sol.bitNodeVoltage[k] += lambda * (next.bitNodeVoltage[k] - sol.bitNodeVoltage[k])
        }
        previous = .infinity
        continue
      }
      sol.wordNodeVoltage = next.wordNodeVoltage
      sol.bitNodeVoltage = next.bitNodeVoltage
      // (Only a step solved to the final tolerance ends it. No test of the
      // residual here: on lines of tiny r the voltages' rounding over r
      // dominates it, 2.4e-5 at 1e-9 Ω with the currents right to 1e-9.)
      if stepTolerance == finalTolerance && (nodeChange <= target || (nodeChange <= floor && nodeChange >= previous / 2)) {
        converged = true
        break
      }
      previous = nodeChange
    }
    let residual = Self.nonlinearResidual(mesh, sol)
    guard converged else {
      throw SolverError.didNotConverge(iterations: iterations, residual: residual, tolerance: tol)
    }
    sol.iterations = iterations
    sol.newtonSteps = steps
    sol.relativeResidual = residual
    sol.converged = true
    return sol
  }

  /// The relative residual of Kirchhoff's current law with the mesh's own
  /// cell I–V: ‖r‖₂ / ‖a‖₂ over every node whose voltage the solve finds
  /// (a resistive line's nodes, an ideal line's one node behind a
  /// terminal resistance), r the sum of the currents into the node and a
  /// the sum of their magnitudes (0 when no current flows).
  public static func nonlinearResidual(_ mesh: CrossbarMesh, _ sol: MeshSolution) -> Double {
    let m = mesh.rows, n = mesh.columns
    let rr = mesh.wires.rowSegmentResistance, rc = mesh.wires.columnSegmentResistance
    let w = sol.wordNodeVoltage, b = sol.bitNodeVoltage
    var cell = [Double](repeating: 0, count: m * n)
    for k in 0..<(m * n) { cell[k] = sol.cellCurrent(k, mesh) }
    var r2 = 0.0, a2 = 0.0
    func add(_ net: Double, _ magnitude: Double) { r2 += net * net; a2 += magnitude * magnitude }
    let gtr = mesh.rowTerminalConductance, gtc = mesh.columnTerminalConductance
    for i in 0..<m {
      if rr > 0 {
        for j in 0..<n {
          let k = i * n + j
          var into = -cell[k], mag = abs(cell[k])
          if j > 0 {
            let x = (w[k - 1] - w[k]) / rr; into += x; mag += abs(x)
          } else if let v = mesh.rowTerminations[i].volts {
            let x = (v - w[k]) * gtr; into += x; mag += abs(x)
          }
          if j + 1 < n { let x = (w[k + 1] - w[k]) / rr; into += x; mag += abs(x) }
          add(into, mag)
        }
      } else if mesh.rowTerminalResistance > 0 {
        var into = 0.0, mag = 0.0
        for j in 0..<n { into -= cell[i * n + j]; mag += abs(cell[i * n + j]) }
        if let v = mesh.rowTerminations[i].volts {
          let x = (v - w[i * n]) / mesh.rowTerminalResistance; into += x; mag += abs(x)
        }
        add(into, mag)
      }
    }
    for j in 0..<n {
      if rc > 0 {
        for i in 0..<m {
          let k = i * n + j
          var into = cell[k], mag = abs(cell[k])
          if i > 0 { let x = (b[k - n] - b[k]) / rc; into += x; mag += abs(x) }
          if i + 1 < m {
            let x = (b[k + n] - b[k]) / rc; into += x; mag += abs(x)
          } else if let v = mesh.columnTerminations[j].volts {
            let x = (v - b[k]) * gtc; into += x; mag += abs(x)
          }
          add(into, mag)
        }
      } else if mesh.columnTerminalResistance > 0 {
        var into = 0.0, mag = 0.0
        for i in 0..<m { into += cell[i * n + j]; mag += abs(cell[i * n + j]) }
        if let v = mesh.columnTerminations[j].volts {
          let x = (v - b[(m - 1) * n + j]) / mesh.columnTerminalResistance; into += x; mag += abs(x)
        }
        add(into, mag)
      }
    }
    return a2 > 0 ? (r2 / a2).squareRoot() : r2.squareRoot()
  }
}
