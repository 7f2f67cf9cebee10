import Circuit

/// A hybrid (or single-pair) layer's reads through resistive lines
/// (`wires resistive` with rule hybrid or single).
///
/// Each kind of device pair is its own differential array (Choi: each
/// device in a different array), so a layer has one `DifferentialArray`
/// per kind (G+ and G− its two meshes), in siemens: the devices'
/// normalised conductances times G_max. A forward read drives every
/// array's word lines at x_i·V_read and sums, per column, the currents
/// each array's nodal solve gives (`ResistiveReader`); a transposed read
/// drives the bit lines at δ_j·V_read and sums the word lines' currents.
/// The sum is I/(V_read·G_max), the units of the weight cache W, which an
/// ideal read gives exactly.
///
/// The conductances are copied from the devices after every update (the
/// rows it drove) and before an evaluation; an evaluation reads every
/// image through the arrays' transfer matrices, Σ over kinds of
/// T(+) − T(−), solved once on the current conductances.
final class HybridLines {
  /// One array per kind (index = `SynapseKind.rawValue`).
  let arrays: [DifferentialArray]
  let readers: [ResistiveReader]
  let gMax: Double
  let readVoltage: Float
  let rows: Int, columns: Int
  /// A read's drives (V) and one array's currents (A): max(rows, columns).
  let volts: UnsafeMutablePointer<Float>
  let currents: UnsafeMutablePointer<Float>
  /// The layer's summed transfer matrix, normalised to G_max (evaluation);
  /// allocated on first use, and one kind's matrix in siemens.
  private(set) var transfer: UnsafeMutablePointer<Float>? = nil
  private var kindTransfer: UnsafeMutablePointer<Float>? = nil

  init(layer: HybridLayer, configuration cfg: TrainingConfiguration) {
    rows = layer.rows
    columns = layer.columns
    gMax = cfg.gMaxSiemens
    readVoltage = Float(cfg.readVoltage)
    let wires = cfg.wireModel
    arrays = (0..<layer.kinds).map { _ in
      let a = DifferentialArray(rows: layer.rows, columns: layer.columns, wires: wires)
      a.readTime = cfg.readTime
      return a
    }
    readers = (0..<layer.kinds).map { _ in
      ResistiveReader(rows: layer.rows, columns: layer.columns, wires: wires, options: .init(tolerance: cfg.wireTolerance))
    }
    let n = max(rows, columns)
    volts = .allocate(capacity: n)
    currents = .allocate(capacity: n)
    for k in 0..<layer.kinds { synchronize(layer, kind: k) }
  }

  deinit {
    volts.deallocate()
    currents.deallocate()
    transfer?.deallocate()
    kindTransfer?.deallocate()
  }

  /// Every device of `kind`, in siemens, into its array, and its line
  /// loads (the reader tightens its tolerance by them behind terminal
  /// resistances: `ResistiveReader.effectiveTolerance`).
  func synchronize(_ layer: HybridLayer, kind k: Int) {
    let a = arrays[k], gp = layer.g[2 * k], gm = layer.g[2 * k + 1], s = gMax
    for x in 0..<layer.count {
      a._plus[x] = Double(gp[x]) * s
      a._minus[x] = Double(gm[x]) * s
    }
    a.recomputeLoads()
  }

  /// The listed rows' devices of `kind` (an update's driven rows: its
  /// coincidences and its saturation pass touch no other cells), the line
  /// loads kept in step.
  func synchronize(_ layer: HybridLayer, kind k: Int, rows list: UnsafePointer<Int32>, count: Int) {
    let a = arrays[k], gp = layer.g[2 * k], gm = layer.g[2 * k + 1], s = gMax
    for r in 0..<count {
      let i = Int(list[r]), base = i * columns
      for j in 0..<columns {
        let x = base + j, p = Double(gp[x]) * s, m = Double(gm[x]) * s
        if p != a._plus[x] || m != a._minus[x] { a._setPair(x, row: i, column: j, plus: p, minus: m) }
      }
    }
  }

  /// A read of every kind's array, summed: `input` (normalised drives,
  /// rows forward, columns transposed) times V_read on the input lines;
  /// `output` the summed currents over V_read·G_max.
  ///
  /// - Throws: what `ResistiveReader.read` throws (no convergence, a
  ///   drive or conductance it refuses); `output` is then not complete.
  func read(
    _ direction: ReadDirection, input: UnsafePointer<Float>, inputCount: Int,
    output: UnsafeMutablePointer<Float>, outputCount: Int, bookEnergy: Bool
  ) throws {
    let v = readVoltage, scale = Float(1 / (Double(readVoltage) * gMax))
    for i in 0..<inputCount { volts[i] = input[i] * v }
    let drive = UnsafeBufferPointer(start: UnsafePointer(volts), count: inputCount)
    let out = UnsafeMutableBufferPointer(start: currents, count: outputCount)
    for (k, reader) in readers.enumerated() {
      try reader.read(arrays[k], direction, input: drive, output: out, bookEnergy: bookEnergy)
      if k == 0 {
        for j in 0..<outputCount { output[j] = currents[j] * scale }
      } else {
        for j in 0..<outputCount { output[j] += currents[j] * scale }
      }
    }
  }

  /// The read energy booked so far (J), every array's.
  var readEnergy: Double { arrays.reduce(0) { $0 + $1.readEnergy } }

  /// The layer's effective weights through its lines, normalised to G_max
  /// (row-major rows × columns): Σ over kinds of the transfer matrix
  /// T(+) − T(−), each solved on the arrays as they are (synchronize
  /// first).
  func effectiveWeights(stop: () -> Bool) throws -> UnsafePointer<Float> {
    let mn = rows * columns
    let t = transfer ?? .allocate(capacity: mn)
    transfer = t
    let scale = Float(1 / gMax)
    for (k, reader) in readers.enumerated() {
      let into = k == 0 ? t : (kindTransfer ?? .allocate(capacity: mn))
      if k > 0 { kindTransfer = into }
      try reader.transferMatrix(arrays[k], into: into, stop: stop)
      if k == 0 {
        for x in 0..<mn { t[x] = into[x] * scale }
      } else {
        for x in 0..<mn { t[x] += into[x] * scale }
      }
    }
    return UnsafePointer(t)
  }
}
