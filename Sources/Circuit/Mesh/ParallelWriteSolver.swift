/// What the coincident cells of one fully parallel V/2 write slot see
/// through resistive lines: many word lines and many bit lines driven at
/// once (the row/column coincidence update of Gokmen & Vlasov, Choi et
/// al.), solved by relaxing the driven lines against each other.
///
/// A slot drives the word lines `rows` at +V/2 through their terminals
/// (the left end, r_row + r_driver before column 0) and the bit lines
/// `columns` at −V/2 through theirs (the bottom end, r_col + r_sense after
/// row M−1). As in ``RowWriteSolver``, every line that is not driven is
/// taken at 0 V: its own drop is the model's error (it carries the
/// currents of the cells where it crosses the driven lines, where a driven
/// line carries a whole line of them).
///
/// Each driven line is then a ladder: segments of r, its source behind its
/// terminal at one end, open at the other, and at every node a shunt, its
/// cell, to the crossing line's node: a driven crossing line's node
/// voltage (from the last sweep) or 0 V. A sweep solves every driven bit
/// line exactly on the word lines' voltages, then every driven word line
/// on the bit lines' (block Gauss–Seidel on the driven lines' nodes, which
/// converges: the system is symmetric positive definite), from the ideal
/// voltages ±V/2, until no node moves by more than ``tolerance`` (units of
/// V). With one driven word line it reaches ``RowWriteSolver``'s shares
/// (the same model, solved there in closed sweeps).
///
/// Voltages are in units of V (the solve is linear). A cell at driven row
/// i and driven column j sees u_i(j) − v_j(i): 1 with ideal lines.
///
/// Cost: the ladders' admittances (a division a node) once per slot, then
/// per sweep O(R·N + C·M) multiply-adds for R driven rows and C driven
/// columns (their Norton currents and node voltages). Not thread-safe:
/// one solver per array and thread.
public final class ParallelWriteSolver {
  /// M and N of the arrays it solves.
  public let rows: Int
  public let columns: Int
  /// The lines: both segment resistances positive.
  public let wires: WireModel
  /// The largest change of any node voltage (units of V) between two
  /// sweeps at which the solve stops.
  public var tolerance = 1e-10
  /// Sweeps at most, per slot.
  public var maxSweeps = 1_000
  /// Sweeps the last ``solve`` took, and whether it met ``tolerance``.
  public private(set) var lastSweeps = 0
  public private(set) var converged = true

  /// Driven rows' word-line node voltages (place r: r·N …) and driven
  /// columns' bit-line node voltages (place c: c·M …).
  let word: UnsafeMutablePointer<Double>
  let bit: UnsafeMutablePointer<Double>
  /// Per driven line and node k (counted from its source), fixed for a
  /// slot: its cell's conductance, the admittance of the ladder beyond it
  /// (through segment k → k + 1) and the factor 1/(1 + r·(G + Y)) that
  /// carries the ladder's Norton current one segment towards the source;
  /// per line, 1/(source + G_0 + Y_0) for its node 0. Word lines at
  /// place·N, bit lines at place·M.
  let wordShunt: UnsafeMutablePointer<Double>, wordBeyond: UnsafeMutablePointer<Double>
  let wordFactor: UnsafeMutablePointer<Double>, wordNode0: UnsafeMutablePointer<Double>
  let bitShunt: UnsafeMutablePointer<Double>, bitBeyond: UnsafeMutablePointer<Double>
  let bitFactor: UnsafeMutablePointer<Double>, bitNode0: UnsafeMutablePointer<Double>
  /// Each row's and column's place in the slot's lists, or −1.
  let rowPlace: UnsafeMutablePointer<Int32>
  let columnPlace: UnsafeMutablePointer<Int32>
  /// One ladder's Norton currents beyond each node: max(M, N).
  let beyondJ: UnsafeMutablePointer<Double>
  /// The last slot's lists.
  var drivenRows: [Int32] = [], drivenColumns: [Int32] = []

  /// - Precondition: rows, columns ≥ 1; both segment resistances positive
  ///   and finite, terminal resistances ≥ 0 and finite.
  public init(rows: Int, columns: Int, wires: WireModel) {
    checkWriteLines(rows: rows, columns: columns, wires)
    self.rows = rows
    self.columns = columns
    self.wires = wires
    let mn = rows * columns
    word = .allocate(capacity: mn)
    bit = .allocate(capacity: mn)
    wordShunt = .allocate(capacity: mn)
    wordBeyond = .allocate(capacity: mn)
    wordFactor = .allocate(capacity: mn)
    wordNode0 = .allocate(capacity: rows)
    bitShunt = .allocate(capacity: mn)
    bitBeyond = .allocate(capacity: mn)
    bitFactor = .allocate(capacity: mn)
    bitNode0 = .allocate(capacity: columns)
    rowPlace = .allocate(capacity: rows)
    rowPlace.initialize(repeating: -1, count: rows)
    columnPlace = .allocate(capacity: columns)
    columnPlace.initialize(repeating: -1, count: columns)
    beyondJ = .allocate(capacity: max(rows, columns))
    drivenRows.reserveCapacity(rows)
    drivenColumns.reserveCapacity(columns)
  }

  deinit {
    for p in [word, bit, wordShunt, wordBeyond, wordFactor, wordNode0, bitShunt, bitBeyond, bitFactor, bitNode0, beyondJ] {
      p.deallocate()
    }
    rowPlace.deallocate()
    columnPlace.deallocate()
  }

  /// Solves one slot: word lines `rowList[0..<rowCount]` at +V/2, bit
  /// lines `columnList[0..<columnCount]` at −V/2, every other line at 0 V,
  /// on the conductances `g[k]·scale` (S, row-major M×N). Then
  /// ``share(row:column:)`` gives each coincident cell's fraction of V.
  ///
  /// - Returns: whether the sweeps met ``tolerance`` within ``maxSweeps``.
  /// - Precondition: the lists hold distinct lines within the array.
  @discardableResult
  public func solve(
    rows rowList: UnsafePointer<Int32>, rowCount: Int, columns columnList: UnsafePointer<Int32>, columnCount: Int,
    conductance g: UnsafePointer<Float>, scale: Double
  ) -> Bool {
    let m = rows, n = columns
    for i in drivenRows { rowPlace[Int(i)] = -1 }
    for j in drivenColumns { columnPlace[Int(j)] = -1 }
    drivenRows.removeAll(keepingCapacity: true)
    drivenColumns.removeAll(keepingCapacity: true)
    for r in 0..<rowCount {
      let i = Int(rowList[r])
      require(i >= 0 && i < m && rowPlace[i] < 0, "row \(i): outside the \(m)×\(n) array or listed twice")
      rowPlace[i] = Int32(r)
      drivenRows.append(rowList[r])
    }
    for c in 0..<columnCount {
      let j = Int(columnList[c])
      require(j >= 0 && j < n && columnPlace[j] < 0, "column \(j): outside the \(m)×\(n) array or listed twice")
      columnPlace[j] = Int32(c)
      drivenColumns.append(columnList[c])
    }
    word.update(repeating: 0.5, count: rowCount * n)
    bit.update(repeating: -0.5, count: columnCount * m)
    let rr = wires.rowSegmentResistance, rc = wires.columnSegmentResistance
    let wordSource = 1 / (rr + wires.rowTerminalResistance)
    let bitSource = 1 / (rc + wires.columnTerminalResistance)
    // The ladders' admittances, once per slot: a bit line's node k is row
    // M−1−k (its source at the bottom), a word line's node k column k.
    for c in 0..<columnCount {
      let base = c * m
      bitNode0[c] = ladder(
        m, cells: g + (m - 1) * n + Int(columnList[c]), stride: -n, scale: scale, segment: rc, source: bitSource,
        shunt: bitShunt + base, beyond: bitBeyond + base, factor: bitFactor + base)
    }
    for r in 0..<rowCount {
      let base = r * n
      wordNode0[r] = ladder(
        n, cells: g + Int(rowList[r]) * n, stride: 1, scale: scale, segment: rr, source: wordSource,
        shunt: wordShunt + base, beyond: wordBeyond + base, factor: wordFactor + base)
    }
    lastSweeps = 0
    converged = false
    while lastSweeps < maxSweeps {
      lastSweeps += 1
      var change = 0.0
      // Each driven bit line on the word lines' voltages (the undriven
      // rows' potential is 0 V).
      for c in 0..<columnCount {
        let j = Int(columnList[c]), base = c * m
        var jn = 0.0, q = 0.0
        var k = m - 1
        while k >= 0 {
          beyondJ[k] = jn
          let p = rowPlace[m - 1 - k]
          q = p >= 0 ? bitShunt[base + k] * word[Int(p) * n + j] + jn : jn
          jn = q * bitFactor[base + k]
          k -= 1
        }
        // Node 0 (row M−1): source·(drive − x) = (G_0 + Y_0)·x − Q.
        var x = (-0.5 * bitSource + q) * bitNode0[c]
        let v = bit + base
        for k in 0..<m {
          let i = m - 1 - k
          change = max(change, abs(x - v[i]))
          v[i] = x
          x -= rc * (bitBeyond[base + k] * x - beyondJ[k])
        }
      }
      // Each driven word line on the bit lines' voltages.
      for r in 0..<rowCount {
        let i = Int(rowList[r]), base = r * n
        var jn = 0.0, q = 0.0
        var k = n - 1
        while k >= 0 {
          beyondJ[k] = jn
          let p = columnPlace[k]
          q = p >= 0 ? wordShunt[base + k] * bit[Int(p) * m + i] + jn : jn
          jn = q * wordFactor[base + k]
          k -= 1
        }
        var x = (0.5 * wordSource + q) * wordNode0[r]
        let u = word + base
        for k in 0..<n {
          change = max(change, abs(x - u[k]))
          u[k] = x
          x -= rr * (wordBeyond[base + k] * x - beyondJ[k])
        }
      }
      if change <= tolerance {
        converged = true
        break
      }
    }
    return converged
  }

  /// One driven line's ladder, fixed for a slot: node k's cell is
  /// `cells[k·stride]` (× `scale`, S), and from the open end (k = count − 1)
  /// towards the source, the admittance beyond each node and the factor
  /// 1/(1 + r·(G + Y)). Returns node 0's 1/(source + G_0 + Y_0).
  @inline(__always)
  private func ladder(
    _ count: Int, cells: UnsafePointer<Float>, stride: Int, scale: Double, segment r: Double, source: Double,
    shunt: UnsafeMutablePointer<Double>, beyond: UnsafeMutablePointer<Double>, factor: UnsafeMutablePointer<Double>
  ) -> Double {
    var y = 0.0
    var k = count - 1
    while k >= 0 {
      let g = Double(cells[k * stride]) * scale
      shunt[k] = g
      beyond[k] = y
      let p = g + y, d = 1 / (1 + r * p)
      factor[k] = d
      y = p * d
      k -= 1
    }
    return 1 / (source + shunt[0] + beyond[0])
  }

  /// The fraction of V across cell (`row`, `column`) in the last slot:
  /// its word line's node minus its bit line's.
  ///
  /// - Precondition: both lines were driven in the last ``solve``.
  @inline(__always)
  public func share(row i: Int, column j: Int) -> Double {
    let r = Int(rowPlace[i]), c = Int(columnPlace[j])
    require(r >= 0 && c >= 0, "cell (\(i), \(j)) is not at a driven row and column of the last slot")
    return word[r * columns + j] - bit[c * rows + i]
  }
}
