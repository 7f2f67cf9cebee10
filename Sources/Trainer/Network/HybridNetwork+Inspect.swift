import Circuit
import Peripherals

/// One layer's update trains, as `HybridNetwork.update` built them, for
/// `xbarsim inspect` (`HybridNetwork.updateObserver`). A train is a word
/// of BL slots, bit t set when the line's driver fires in slot t.
public struct HybridUpdateTrains: Sendable {
  /// The layer (its array pair's index).
  public var layer: Int
  /// The arrays the update programs (big while `dynamic`, small while
  /// `fine`).
  public var kind: SynapseKind
  /// The rows' inputs x (the layer's inputs, the bias row's 1 last) and
  /// the columns' δ, as the encoders read them (δ after the comparator's
  /// dead band for the sign encoding).
  public var x: [Float]
  public var delta: [Float]
  /// The rows with a non-empty train, in row order: x_i > 0, and the
  /// train drew at least one pulse.
  public var rows: [(index: Int, train: UInt64)]
  /// The columns with a non-empty train that drive the G+ array (δ_j < 0:
  /// W rises), in column order.
  public var plus: [(index: Int, train: UInt64)]
  /// The columns with a non-empty train that drive the G− array (δ_j > 0).
  public var minus: [(index: Int, train: UInt64)]
}

extension HybridNetwork {
  /// Layer l's trains from the encoder's buffers (both shares'), after
  /// the rows were merged (`rowCount` of them). Only for the observer:
  /// it allocates.
  @inline(never)
  func trains(_ l: Int, rowCount: Int) -> HybridUpdateTrains {
    var rows: [(index: Int, train: UInt64)] = []
    for r in 0..<rowCount { rows.append((Int(rowIndex[l][r]), rowWords[l][r])) }
    var plus: [(index: Int, train: UInt64)] = [], minus: [(index: Int, train: UInt64)] = []
    for h in 0..<2 {
      let c0 = h == 0 ? 0 : layers[l].columnSplit
      let e = encodeShares[h]
      for c in c0..<(c0 + e.ups) { plus.append((Int(upIndex[c]), upWords[c])) }
      for c in c0..<(c0 + e.downs) { minus.append((Int(downIndex[c]), downWords[c])) }
    }
    return HybridUpdateTrains(
      layer: l, kind: selectedKind, x: activations[l], delta: deltas[l], rows: rows,
      plus: plus.sorted { $0.index < $1.index }, minus: minus.sorted { $0.index < $1.index })
  }

  /// The step μ of one pulse on a device of `kind`, in units of the big
  /// G_max ((1 − G_min)/states for the big devices, (1 − G_min)/k/
  /// small_states for the small ones); nil for the small kind of rule
  /// single.
  public func step(_ kind: SynapseKind) -> Double? {
    kind.rawValue < layers[0].step.count ? Double(layers[0].step[kind.rawValue]) : nil
  }

  /// The conductances of layer l's G+ and G− devices of `kind`, row-major
  /// (inputs + 1) × outputs, in units of the big G_max.
  public func devices(layer l: Int, kind: SynapseKind) -> (plus: [Float], minus: [Float]) {
    let layer = layers[l], d = 2 * kind.rawValue
    require(d + 1 < layer.g.count, "rule single has no small devices")
    return (
      Array(UnsafeBufferPointer(start: layer.g[d], count: layer.count)),
      Array(UnsafeBufferPointer(start: layer.g[d + 1], count: layer.count))
    )
  }

  /// Layer l's per-device bounds, with d2d or stuck devices: for each
  /// device array (G+, G−, then rule hybrid's g+, g−) every device's G_min
  /// and G_max after its offset (`lo` = `hi` for a stuck one), row-major
  /// (inputs + 1) × outputs, in units of the big G_max. Nil when every
  /// device of a kind has its kind's bounds. (They are drawn from the
  /// seed, not saved in a checkpoint: `inspect` writes them for
  /// `scripts/oracle-hybrid`.)
  public func deviceBounds(layer l: Int) -> [(lo: [Float], hi: [Float])]? {
    // (`hasDeviceBounds(_:)` says beforehand whether there are any.)
    let layer = layers[l]
    guard layer.perDeviceBounds else { return nil }
    return (0..<layer.g.count).map { d in
      (Array(UnsafeBufferPointer(start: layer.lo[d], count: layer.count)),
       Array(UnsafeBufferPointer(start: layer.hi[d], count: layer.count)))
    }
  }

  /// Whether a network of this configuration has per-device bounds
  /// (`deviceBounds(layer:)` gives them then).
  public static func hasDeviceBounds(_ cfg: TrainingConfiguration) -> Bool { HybridLayer.perDeviceBounds(cfg) }

  /// Whether an update's half-selected slots move devices (the disturb
  /// model: V_w/2 ≥ V_th).
  public var disturbsHalfSelected: Bool { drive.disturbsHalfSelected }

  /// Layer l's neurons after the last `train` or `predict`: the weighted
  /// sums s, the hidden neurons' f(s) (nil at the output, whose softmax
  /// or logistic is software) and δ (after the comparator's dead band for
  /// the sign encoding; 0 where no error reached the layer).
  /// Layer l's per-column offsets, in units of s and of δ: its sense
  /// amplifiers' (`sense_offset`) and its comparators' (`comparator_offset`
  /// with the sign encoding); 0 where there are none.
  public func offsets(layer l: Int) -> (sense: [Float], comparator: [Float]) {
    let n = sizes[l + 1]
    let sense = senseChains[l].offsets
    return (sense.isEmpty ? [Float](repeating: 0, count: n) : sense, columnComparators[l].map(\.offset))
  }

  public func neurons(layer l: Int) -> (sum: [Float], activation: [Float]?, delta: [Float]) {
    let n = sizes[l + 1]
    let a = l + 1 < layers.count ? Array(activations[l + 1].prefix(n)) : nil
    return (sums[l], a, deltas[l])
  }
}

extension HybridUpdateTrains {
  /// Σ G·slots over the cells these trains half-select, in the units of
  /// `plus` and `minus` (the layer's G+ and G− devices of the programmed
  /// kind, row-major rows × `columns`); times (V_w/2)²·t_p it is their
  /// energy.
  ///
  /// In slot t the rows whose train fires drive the D lines of both
  /// arrays at +V_w/2 and the firing columns their array's S lines at
  /// −V_w/2: a cell of a firing row and a silent column, or of a silent row
  /// and a firing column, sees V_w/2. Over the BL slots that is
  /// Σ_i |r_i|·ΣG_i· + Σ_j |c_j|·ΣG_·j − 2·Σ_ij |r_i ∧ c_j|·G_ij per array
  /// (|w| a train's pulses). The devices are taken as `plus`/`minus` for
  /// the whole update (the update's own steps on the programmed cells are
  /// left out). A layer none of whose columns fired has no trains here,
  /// and its rows' pulses are not counted.
  public func halfSelectedConductance(plus: [Float], minus: [Float], columns n: Int) -> Double {
    var total = 0.0
    for (g, cols) in [(plus, self.plus), (minus, self.minus)] {
      var rowTerm = 0.0
      for (i, w) in rows {
        var s = 0.0
        for j in 0..<n { s += Double(g[i * n + j]) }
        rowTerm += Double(w.nonzeroBitCount) * s
      }
      let m = g.count / n
      var columnTerm = 0.0, both = 0.0
      for (j, c) in cols {
        var s = 0.0
        for i in 0..<m { s += Double(g[i * n + j]) }
        columnTerm += Double(c.nonzeroBitCount) * s
        for (i, w) in rows { both += Double((w & c).nonzeroBitCount) * Double(g[i * n + j]) }
      }
      total += rowTerm + columnTerm - 2 * both
    }
    return total
  }
}
