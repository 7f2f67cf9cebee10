import Circuit
import Peripherals

/// Which devices of a hybrid synapse an update phase programs.
public enum SynapseKind: Int, Sendable, CaseIterable {
  /// The big pair G+/G− (area 1).
  case big = 0
  /// The small pair g+/g− (area 1/k, g = G/k).
  case small = 1
}

/// What happens when a pulse finds its device already at G_max.
enum SaturationPolicy {
  /// Burr et al. (2015)'s occasional reset: reset both devices of the pair
  /// and re-potentiate the pair's weight onto one of them.
  case refresh
  /// Lim et al.'s method b: reset the other device and re-potentiate it to
  /// one step below its old conductance.
  case methodB
}

/// One layer of Choi's hybrid synapses (or of single G+/G− pairs) made of
/// linear finite-state devices, each kind of device in its own array.
///
/// Units: conductances are normalised to the big device's G_max = 1, like
/// Lim's layers, so the weighted sum of a read is s = I/(V_read·G_max). A
/// big device spans [G_min, 1] in `states` identical steps
/// μ = (1 − G_min)/states; a small one spans [G_min, 1]/k in as many steps
/// of μ/k (Choi Fig. 3D: the area scales the range, not the pulse count),
/// or in `small_states` steps when that is set (Choi's "g states").
/// W = (G+ − G−) + (g+ − g−) (Choi eq. 4) is kept in a Float cache, in step
/// with every device change: with ideal wires an array read sums exactly
/// these currents, so a forward read of the four arrays is one read of W.
///
/// Device-to-device variation: each device's curve is offset by
/// o ~ N(0, (d2d·G_min)²) (its G_min and G_max both move; a conductance
/// cannot go below 0, so a large negative offset loses the lowest states).
/// Cycle-to-cycle variation: each pulse moves its device by μ·(1 + c2c·z),
/// z ~ N(0, 1) (Choi: a Gaussian added to ΔG at every update), clamped to
/// the device's range.
///
/// Stuck devices (`stuck_off`, `stuck_on`): a stuck device is one whose
/// bounds are pinned, lo = hi = 0 S (open) or lo = hi = its kind's nominal
/// G_max (shorted: `uniformHigh`, the big kind's 1, the small kind's 1/k
/// whatever `small_states`, a measured device's last point, /k for the
/// small kind), and whose conductance starts there. Every path that writes
/// a conductance clamps it within the device's bounds (a pulse with or
/// without c2c, the grid's step, a reset to G_min, a re-potentiation, the
/// disturb model, a measured device's interpolated level), so it never
/// moves, and W and the line sums, kept from the conductance changes, stay
/// exact (each change is 0). The controller is the one it was: it reads
/// conductances, never a stuck flag (unless it is told them, `knowsStuck`,
/// below), so a stuck device is what every
/// device at its top looks like to it: a pulse that finds it there is
/// counted, booked at the conductance it has (0 S or G_max), and handed to
/// the saturation pass, which refreshes (or, with method b, resets the
/// other device) as for any saturated device; a reset of it is booked at
/// its conductance, and a re-potentiation's pulses at it (`stuckDevices`),
/// not at the climb from G_min. The pass's loops are closed forms (a pulse
/// count, not a wait for a conductance), so they end; with a stuck device
/// pinned its count is 0 or the pair's W is already at its limit. A
/// measured device's pulse index (its state) moves as before. This needs
/// the per-device bounds (the d2d path, `perDeviceBounds`), so the default
/// path, without stuck devices, is the one it was, pulse for pulse.
///
/// A controller that knows its stuck devices (`stuck_known`, `knowsStuck`)
/// skips what can only rewrite them. A pulse lost at a stuck device starts
/// no refresh: resetting both and re-potentiating the pair's weight puts
/// the working partner back where it was (Δ = the partner's own climb),
/// and, with a shorted device, it did so on every pulse the rule sent
/// there. With method b a stuck other device is neither reset nor
/// re-potentiated (its count is 0 anyway: one reset saved). Method b's
/// reset of a working other device, when the pulsed one is stuck, stays:
/// it moves W the rule's way. The pulses of the coincident update still
/// reach stuck devices (a row and a column drive every cell they cross).
final class HybridLayer: @unchecked Sendable {
  let rows: Int
  let columns: Int
  let count: Int
  /// 1 (single pair) or 2 (big and small).
  let kinds: Int
  /// Device buffers, index 2·kind + polarity (0: plus, 1: minus).
  let g: [UnsafeMutablePointer<Float>]
  /// Per-device bounds: a device's G_min and G_max after its offset.
  let lo: [UnsafeMutablePointer<Float>]
  let hi: [UnsafeMutablePointer<Float>]
  /// Stuck devices (`stuck_off`, `stuck_on`), per device array as `g`: 1
  /// open, 2 shorted, 0 neither; nil without stuck devices.
  let stuckDevices: [UnsafeMutablePointer<UInt8>]?
  /// The controller knows `stuckDevices` (`stuck_known`, with stuck
  /// devices): the saturation pass skips what can only rewrite them.
  let knowsStuck: Bool

  /// The devices stuck open (mark 1) and shorted (mark 2), of all
  /// `g.count`·`count`.
  var stuckCount: StuckCount {
    var open = 0, shorted = 0
    for marks in stuckDevices ?? [] {
      for x in 0..<count {
        open += marks[x] == 1 ? 1 : 0
        shorted += marks[x] == 2 ? 1 : 0
      }
    }
    return StuckCount(open: open, shorted: shorted, devices: g.count * count)
  }
  /// The stuck devices' stream of layer l: `stuckStream | l` ("HYBSTK").
  static let stuckStream: UInt64 = 0x4859_4253_544B_0000
  /// Whether the bounds differ per device (d2d > 0); otherwise every
  /// device of a kind has `uniformLow[kind]`…`uniformHigh[kind]`.
  let perDeviceBounds: Bool
  let uniformLow: [Float]
  let uniformHigh: [Float]
  /// The combined weight W, row-major rows × columns (bias row last).
  let w: UnsafeMutablePointer<Float>
  /// The step μ of one pulse, per kind.
  let step: [Float]
  /// Without cycle-to-cycle noise (and without the disturb model's
  /// fractional moves) a linear device's states are whole steps
  /// μ = (G_max − G_min)/states above its G_min: a pulse puts it on the
  /// grid point above its state, G_min + (n + 1)·μ, rather than adding μ
  /// (single precision's sums of μ drift off the grid, by tens of ulps
  /// after 400 steps at k 100), and one that ends within `snapFraction` of
  /// a step below its G_max is put on it (G_min + states·μ can round an
  /// ulp short: 0.099999994 at 50 states, k 10), so that the device takes
  /// exactly `states` pulses before its refresh.
  let onGrid: Bool
  /// 1/μ per kind, for the grid's state of a conductance.
  let inverseStep: [Float]
  static let snapFraction: Float = 1.0 / 16
  let c2c: Float
  /// Per kind, ``GaussianTable/values`` times the kind's spread μ·c2c
  /// (Float products, as the pulse loop would round them): a pulse's noise
  /// is one lookup.
  let spreadTable: [UnsafeMutablePointer<Float>]
  let policy: SaturationPolicy
  /// A measured device (`device_csv`): per kind its conductances after
  /// n = 0…states pulses from G_min (the small kind's divided by k), the
  /// last one repeated (so that an interpolation at the last point reads
  /// no further), and Σ of the first n of them (the re-potentiations'
  /// energy); per device its pulse index in units of 1/65,536 pulse
  /// (`indexOne`), fractional with c2c, d2d (`measuredFloor`) or the
  /// disturb model (a conductance between two points is interpolated).
  /// Nil for the linear model.
  let measuredLevels: [UnsafeMutablePointer<Float>]?
  let measuredCumulative: [UnsafeMutablePointer<Double>]?
  let measuredState: [UnsafeMutablePointer<Int32>]?
  /// A measured device's offset o (d2d): its conductance is the data's at
  /// its pulse index plus o, kept within its bounds. Nil without d2d.
  let measuredOffset: [UnsafeMutablePointer<Float>]?
  /// With d2d, a measured device's reset index: 0, or where its data plus
  /// its offset reach 0 S when its offset is below −G_min (a reset device
  /// conducts nothing, and its next pulse moves it, as the linear model's
  /// does from its G_min of 0).
  let measuredFloor: [UnsafeMutablePointer<Int32>]?
  /// A measured device's pulse-index noise, c2c·z per table entry in
  /// index units (a pulse advances the index by 1 + c2c·z).
  let measuredSpread: UnsafeMutablePointer<Int32>?
  /// Whether a measured device's index may be fractional (c2c, d2d's
  /// reset indices or the disturb model): otherwise a pulse reads its
  /// point without interpolating.
  let fractionalIndex: Bool
  /// One pulse in the index's units: 16 fractional bits (255 states and
  /// their fraction fit 24 bits, so a Float holds an index exactly).
  static let indexOne: Int32 = 1 << 16
  /// The measured device's last pulse count (its pulses to its maximum; 0
  /// without one).
  let measuredStates: Int

  /// The noise of re-potentiations (the serial saturation pass).
  var noise: GaussianStream
  /// The two column shares' coincidence state (`ApplyShare`): share 0
  /// holds columns 0..<columnSplit, share 1 the rest.
  let shares: [ApplyShare]
  let columnSplit: Int
  /// Marks the cells already in a share's saturation list.
  let flagMark: UnsafeMutablePointer<UInt8>
  /// Every device's pulses and resets (`endurance`), device d·count + x
  /// (d as `g`'s index); nil without. The two shares pulse disjoint
  /// cells, so they count into it at once without a race.
  let endurance: DeviceCounts?

  /// Identical pulses issued (coincidences, re-potentiations, disturbs
  /// excluded).
  var pulses = 0
  /// Of `pulses`, re-potentiations after resets.
  var repotentiations = 0
  var resets = 0
  /// Synapses that received at least one pulse.
  var cellUpdates = 0
  /// Half-selected slots that moved a device (disturb model).
  var disturbs = 0
  /// Σ over pulses of the pulsed device's conductance before the pulse,
  /// and Σ over resets of the device's conductance before the reset
  /// (normalised; × V²·t·G_max gives the energy).
  var pulseConductance = 0.0
  var resetConductance = 0.0
  /// Time slots of the update phases: BL per coincidence phase (1 for the
  /// sign rule: every selected cell at once), plus one per reset and per
  /// re-potentiation pulse, which go one after another.
  var updateSlots = 0
  /// Of `updateSlots`, the resets' (`reset_slot_time` each when set).
  var resetSlots = 0
  /// Σ_j of all four (or two) devices' conductances on each row
  /// (normalised), kept in step with every device change: the load a
  /// forward read's drivers see, for its energy Σ V²·G·t.
  let rowLoad: UnsafeMutablePointer<Double>
  /// The same on each column for a transposed read: filled from
  /// `columnSum` when one is booked (`columnLoads()`).
  let columnLoad: UnsafeMutablePointer<Double>
  /// Per device array (index d = 2·kind + polarity, as `g`): Σ_j G on each
  /// row and Σ_i G on each column, kept in step with every device change:
  /// what an update slot's half-selected cells conduct. The row sums of a
  /// kind's two arrays side by side (`rowSums[kind][2·i + polarity]`: an
  /// update merges both), read as `rowSum(d, i)`.
  let rowSums: [UnsafeMutablePointer<Double>]
  let columnSum: [UnsafeMutablePointer<Double>]
  /// The half-selected cells' Σ G·slots (normalised) of the update slots
  /// at the write amplitude (coincidence slots and re-potentiation pulses)
  /// and of the reset slots: × (V/2)²·t·G_max gives their energy.
  var halfSelectWrite = 0.0
  var halfSelectReset = 0.0
  /// Σ over the update slots of the cells on the lines they drive (a D
  /// line has `columns` cells, an S line `rows`), at the write amplitude
  /// and at the reset's: × C·(V/2)² what charging those lines costs.
  var lineCellsWrite = 0.0
  var lineCellsReset = 0.0
  /// With `write_lines resistive`, per polarity and cell the slots whose
  /// coincidence does not land (`HybridWriteLines`), which the pulse loop
  /// skips; nil with ideal writes.
  var writeBlocked: [UnsafeMutablePointer<UInt64>]? = nil
  /// With `write_lines resistive`: the saturation pass's events through the
  /// lines (`HybridWriteLines.serialLands`); nil with ideal writes.
  var writeLines: HybridWriteLines? = nil

  init(
    inputs: Int, outputs: Int, kinds: Int, configuration cfg: TrainingConfiguration,
    policy: SaturationPolicy, rng: inout SeededGenerator, layerIndex: Int = 0
  ) {
    rows = inputs + 1
    columns = outputs
    count = rows * columns
    self.kinds = kinds
    self.policy = policy
    c2c = Float(cfg.c2c)
    // The circuit core's finite-state device, big (area 1) and small
    // (area 1/k), in units of the big G_max.
    let gMin = cfg.gMinRatio
    let devices = (0..<kinds).map {
      FiniteStateDevice(states: $0 == 0 ? cfg.states : cfg.smallStates, gMin: gMin, gMax: 1, areaScale: $0 == 0 ? 1 : cfg.k)
    }
    step = devices.map { Float($0.stepSize) }
    let c2c = self.c2c
    spreadTable = step.map { mu in
      let t = UnsafeMutablePointer<Float>.allocate(capacity: GaussianTable.values.count)
      for (i, z) in GaussianTable.values.enumerated() { t[i] = mu * c2c * z }
      return t
    }
    let anyStuck = cfg.hasStuckDevices
    perDeviceBounds = Self.perDeviceBounds(cfg)
    // A measured device's levels: its range is its data's, in big-G_max
    // units.
    let curve = cfg.rule.isFiniteState ? cfg.measuredCurve : nil
    measuredStates = (curve?.count ?? 1) - 1
    let levels: [[Float]]? = curve.map { c in (0..<kinds).map { k in c.map { Float($0 / (k == 0 ? 1 : cfg.k)) } } }
    measuredLevels = levels.map { $0.map { l in
      let p = UnsafeMutablePointer<Float>.allocate(capacity: l.count + 1)
      p.initialize(from: l + [l[l.count - 1]], count: l.count + 1)
      return p
    } }
    measuredSpread = curve.map { _ in
      let t = UnsafeMutablePointer<Int32>.allocate(capacity: GaussianTable.values.count)
      for (i, z) in GaussianTable.values.enumerated() { t[i] = Self.index(Double(c2c) * Double(z)) }
      return t
    }
    let disturbs = WriteDrive(
      voltage: cfg.writeVoltage, threshold: cfg.writeThreshold, disturbStep: cfg.disturbStep
    ).disturbsHalfSelected
    fractionalIndex = c2c != 0 || disturbs || cfg.d2d > 0
    onGrid = c2c == 0 && !disturbs
    inverseStep = step.map { 1 / $0 }
    measuredCumulative = levels.map { $0.map { l in
      let p = UnsafeMutablePointer<Double>.allocate(capacity: l.count + 1)
      p[0] = 0
      for n in l.indices { p[n + 1] = p[n] + Double(l[n]) }
      return p
    } }
    uniformLow = levels.map { $0.map { $0[0] } } ?? devices.map { Float($0.minimumConductance) }
    uniformHigh = levels.map { $0.map { $0[$0.count - 1] } } ?? devices.map { Float($0.maximumConductance) }
    let cells = (inputs + 1) * outputs
    g = (0..<(2 * kinds)).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: cells) }
    lo = (0..<(2 * kinds)).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: cells) }
    hi = (0..<(2 * kinds)).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: cells) }
    w = .allocate(capacity: cells)
    flagMark = .allocate(capacity: cells)
    flagMark.initialize(repeating: 0, count: cells)
    endurance = cfg.endurance ? DeviceCounts(arrays: 2 * kinds, rows: inputs + 1, columns: outputs) : nil
    columnSplit = outputs / 2
    // Offsets, then initial states: big devices uniform over the first
    // `initial_fraction` of their pulses, small devices at their minimum.
    let top = Int((cfg.initialFraction * Double(cfg.states)).rounded(.down))
    measuredState = levels.map { _ in (0..<(2 * kinds)).map { _ in UnsafeMutablePointer<Int32>.allocate(capacity: cells) } }
    // (With stuck devices and no d2d, offsets and reset indices of 0: the
    // per-device path reads them.)
    measuredOffset = levels != nil && perDeviceBounds ? (0..<(2 * kinds)).map { _ in .allocate(capacity: cells) } : nil
    measuredFloor = levels != nil && perDeviceBounds ? (0..<(2 * kinds)).map { _ in .allocate(capacity: cells) } : nil
    for d in 0..<(2 * kinds) {
      let device = devices[d / 2]
      for x in 0..<count {
        // d2d: the device's curve offset by o (its own G_min's units).
        let o = cfg.d2d > 0 ? cfg.d2d * device.minimumConductance * rng.nextGaussian() : 0
        let l = max(0, device.minimumConductance + o), h = device.maximumConductance + o
        lo[d][x] = Float(l)
        hi[d][x] = Float(max(l, h))
        let n = d < 2 ? Int(rng.next() % UInt64(top + 1)) : 0
        g[d][x] = Float(min(max(l, l + Double(n) * device.stepSize), max(l, h)))
        if let state = measuredState?[d] {
          // The data's curve, offset by o as the linear model's is.
          let l = max(0, uniformLow[d / 2] + Float(o)), h = max(l, uniformHigh[d / 2] + Float(o))
          lo[d][x] = l
          hi[d][x] = h
          let curve = measuredLevels.unsafelyUnwrapped[d / 2]
          let f = Self.floor(curve, last: measuredStates, offset: Float(o))
          let p = min(f + Int32(n) << 16, Int32(measuredStates) << 16)
          g[d][x] = min(max(Self.level(curve, p) + Float(o), l), h)
          state[x] = p
          measuredOffset?[d][x] = Float(o)
          measuredFloor?[d][x] = f
        }
      }
    }
    // Stuck devices, from a stream of their own per layer (the other
    // draws are those of 0): one uniform per device, cell by cell, in the
    // order G+, G−, then (rule hybrid) g+, g−; u < stuck_off: open,
    // stuck_off ≤ u < stuck_off + stuck_on: shorted. Pinned there
    // (`lo` = `hi`); a measured device keeps its drawn index (its state).
    if anyStuck {
      let marks = (0..<(2 * kinds)).map { _ in UnsafeMutablePointer<UInt8>.allocate(capacity: cells) }
      for m in marks { m.initialize(repeating: 0, count: cells) }
      if cfg.stuckOff > 0 || cfg.stuckOn > 0 {
        var stuck = SeededGenerator(seed: cfg.seed, stream: Self.stuckStream | UInt64(layerIndex))
        let off = cfg.stuckOff, either = cfg.stuckOff + cfg.stuckOn
        for x in 0..<count {
          for d in 0..<(2 * kinds) {
            let u = stuck.nextUniform()
            guard u < either else { continue }
            let v: Float = u < off ? 0 : uniformHigh[d / 2]
            marks[d][x] = u < off ? 1 : 2
            lo[d][x] = v
            hi[d][x] = v
            g[d][x] = v
          }
        }
      }
      // A map's devices (`stuck_map`), over the drawn ones: its last
      // record naming a device says how it is stuck.
      let (high, lo, hi, g) = (uniformHigh, lo, hi, g)
      cfg.stuckMap?.forEach(layer: layerIndex, rows: inputs + 1, columns: outputs, kinds: kinds) { x, d, shorted, _ in
        let v: Float = shorted ? high[d / 2] : 0
        marks[d][x] = shorted ? 2 : 1
        lo[d][x] = v
        hi[d][x] = v
        g[d][x] = v
      }
      stuckDevices = marks
    } else {
      stuckDevices = nil
    }
    knowsStuck = cfg.stuckKnown && anyStuck
    noise = GaussianStream(SeededGenerator(seed: rng.next(), stream: 7))
    shares = (0..<2).map { h in
      ApplyShare(
        cells: cells, rows: inputs + 1, columns: outputs, noise: GaussianStream(SeededGenerator(seed: rng.next(), stream: 8 + UInt64(h))))
    }
    rowLoad = .allocate(capacity: inputs + 1)
    columnLoad = .allocate(capacity: outputs)
    rowSums = (0..<kinds).map { _ in .allocate(capacity: 2 * (inputs + 1)) }
    columnSum = (0..<(2 * kinds)).map { _ in .allocate(capacity: outputs) }
    recomputeWeights()
  }

  deinit {
    for p in g + lo + hi + spreadTable { p.deallocate() }
    for p in stuckDevices ?? [] { p.deallocate() }
    for p in measuredLevels ?? [] { p.deallocate() }
    for p in measuredCumulative ?? [] { p.deallocate() }
    for p in measuredState ?? [] { p.deallocate() }
    for p in measuredOffset ?? [] { p.deallocate() }
    for p in measuredFloor ?? [] { p.deallocate() }
    measuredSpread?.deallocate()
    w.deallocate()
    flagMark.deallocate()
    rowLoad.deallocate()
    columnLoad.deallocate()
    for p in rowSums + columnSum { p.deallocate() }
  }

  func recomputeWeights() {
    for x in 0..<count { w[x] = weight(x) }
    recomputeLineSums()
  }

  /// Cell x's W from its devices, Σ over kinds of G+ − G−.
  @inline(__always)
  func weight(_ x: Int) -> Float {
    var s: Float = 0
    for k in 0..<kinds { s += g[2 * k][x] - g[2 * k + 1][x] }
    return s
  }

  /// The row loads and every array's row and column sums, from the devices.
  func recomputeLineSums() {
    rowLoad.initialize(repeating: 0, count: rows)
    for d in g.indices {
      let row = rowSums[d >> 1] + (d & 1), column = columnSum[d], device = g[d]
      column.initialize(repeating: 0, count: columns)
      for i in 0..<rows {
        row[2 * i] = 0
        for j in 0..<columns {
          row[2 * i] += Double(device[i * columns + j])
          column[j] += Double(device[i * columns + j])
        }
      }
    }
    for i in 0..<rows {
      for j in 0..<columns {
        var t = 0.0
        for d in g.indices { t += Double(g[d][i * columns + j]) }
        rowLoad[i] += t
      }
    }
  }

  /// Device d's G_min and G_max at cell x: its own with d2d, else its
  /// kind's (the same values, without a load from the per-device arrays,
  /// whose lines a saturation pass would otherwise miss in cache).
  @inline(__always)
  func low(_ d: Int, _ x: Int) -> Float { perDeviceBounds ? lo[d][x] : uniformLow[d >> 1] }
  @inline(__always)
  func high(_ d: Int, _ x: Int) -> Float { perDeviceBounds ? hi[d][x] : uniformHigh[d >> 1] }

  /// A device change of `delta` (normalised) at cell x, on its row's load.
  @inline(__always)
  func load(_ x: Int, _ delta: Float) {
    rowLoad[x / columns] += Double(delta)
  }

  /// `columnLoad`, Σ of every device array's column sums, for a
  /// transposed read's energy.
  func columnLoads() -> UnsafePointer<Double> {
    for j in 0..<columns {
      var t = 0.0
      for d in columnSum.indices { t += columnSum[d][j] }
      columnLoad[j] = t
    }
    return UnsafePointer(columnLoad)
  }

  /// Device d's change of `delta` at cell x, on its array's line sums.
  @inline(__always)
  func deviceSums(_ d: Int, _ x: Int, _ delta: Float) {
    rowSums[d >> 1][2 * (x / columns) + (d & 1)] += Double(delta)
    columnSum[d][x % columns] += Double(delta)
  }

  /// Σ_j G on row i of device array d.
  @inline(__always)
  func rowSum(_ d: Int, _ i: Int) -> Double { rowSums[d >> 1][2 * i + (d & 1)] }

  /// Device d's half-selected neighbours while cell x alone is pulsed: its
  /// row's and its column's other cells in d's array (a serial slot drives
  /// one D line and one S line of that array).
  @inline(__always)
  func neighbours(_ d: Int, _ x: Int) -> Double {
    rowSum(d, x / columns) + columnSum[d][x % columns] - 2 * Double(g[d][x])
  }

  /// Books the rows' term of an update's half-selected cells, with the
  /// devices as they are before it (call before the update, and
  /// `bookHalfSelected(kind:polarity:...)` for each list of its columns):
  /// over the BL slots a firing row drives the D lines of both arrays of
  /// `kind` and a firing column its own array's S line, so the cells of a
  /// firing row and a silent column (or the reverse) see V_w/2:
  /// Σ_i |r_i|·ΣG_i· + Σ_j |c_j|·ΣG_·j − 2·Σ_ij |r_i ∧ c_j|·G_ij per array
  /// (|w| a train's pulses). The last term, the coincident cells', is
  /// booked by the update itself (`apply`) with each pulse's G the
  /// conductance the pulse finds, as the program energy's: a cell pulsed
  /// n times counts its steps between pulses too, where the formula above
  /// takes its G before the update n times (the difference, a few steps
  /// against the rows' and columns' sums, is left).
  func bookHalfSelected(kind: SynapseKind, rows: UnsafePointer<Int32>, rowWords: UnsafePointer<UInt64>, rowCount: Int) {
    let sums = rowSums[kind.rawValue]
    var sum = 0.0, pulses = 0
    for r in 0..<rowCount {
      let i = Int(rows[r])
      let n = rowWords[r].nonzeroBitCount
      pulses &+= n
      sum += Double(n) * (sums[2 * i] + sums[2 * i + 1])
    }
    halfSelectWrite += sum
    // Each pulse of a row's train drives its D line in both arrays.
    lineCellsWrite += Double(pulses) * Double(2 * columns)
  }

  /// The columns' term of `bookHalfSelected(kind:rows:...)` for columns
  /// that drive the array of `polarity` (0: G+, 1: G−).
  func bookHalfSelected(
    kind: SynapseKind, polarity: Int, columns: UnsafePointer<Int32>, words: UnsafePointer<UInt64>, count: Int
  ) {
    let s = columnSum[2 * kind.rawValue + polarity]
    var sum = 0.0, pulses = 0
    for k in 0..<count {
      let n = words[k].nonzeroBitCount
      pulses &+= n
      sum += Double(n) * s[Int(columns[k])]
    }
    halfSelectWrite += sum
    // Each pulse of a column's train drives its S line in its array.
    lineCellsWrite += Double(pulses) * Double(rows)
  }

  /// Synapses whose pair of `kind` is at its weight limit: one device at
  /// its G_max and the other at its G_min, so W cannot move further that
  /// way (a pulse toward it is lost: a refresh would only rewrite it). A
  /// pair with one stuck device has the range its other device gives it,
  /// and counts at either end of it; a pair of two stuck devices has no
  /// range (W cannot move either way) and is not counted (it had been,
  /// every such pair, from the first epoch: a walkthrough, session 75).
  func pairsAtLimit(_ kind: SynapseKind) -> Int {
    let plus = 2 * kind.rawValue, minus = plus + 1
    let gp = g[plus], gm = g[minus], lp = lo[plus], hp = hi[plus], lm = lo[minus], hm = hi[minus]
    var n = 0
    for x in 0..<count {
      let up = gp[x] >= hp[x] && gm[x] <= lm[x]
      let down = gm[x] >= hm[x] && gp[x] <= lp[x]
      let range = lp[x] < hp[x] || lm[x] < hm[x]
      n += (up || down) && range ? 1 : 0
    }
    return n
  }

  /// Every device conductance and the weight cache (and a measured
  /// device's pulse counts), to restore later (tests; `restore` works the
  /// line sums out again from them).
  func snapshot() -> [[Float]] {
    (g + [w]).map { Array(UnsafeBufferPointer(start: $0, count: count)) }
      + (measuredState ?? []).map { p in (0..<count).map { Float(p[$0]) } }
  }

  func restore(_ s: [[Float]]) {
    for (d, p) in (g + [w]).enumerated() { for x in 0..<count { p[x] = s[d][x] } }
    for (d, p) in (measuredState ?? []).enumerated() { for x in 0..<count { p[x] = Int32(s[g.count + 1 + d][x]) } }
    recomputeLineSums()
  }


  /// One coincidence update of `kind` on one column share: rows
  /// `rowIndex[r]` carry trains `rowWords[r]`; columns in `up` (δ < 0: W
  /// rises, the G+ array's column drivers fire) and `down` (the G−
  /// array's), all among share `h`'s columns, carry their trains. Every
  /// cell gets one pulse per coincidence. The two shares touch disjoint
  /// cells and columns and their own `ApplyShare` (row loads included), so
  /// they may run at the same time; `finishUpdate` merges them, once both
  /// are done.
  func applyShare(
    _ h: Int, kind: SynapseKind,
    rowIndex: UnsafePointer<Int32>, rowWords: UnsafePointer<UInt64>, rowCount: Int,
    upIndex: UnsafePointer<Int32>, upWords: UnsafePointer<UInt64>, upCount: Int,
    downIndex: UnsafePointer<Int32>, downWords: UnsafePointer<UInt64>, downCount: Int
  ) {
    guard rowCount > 0 else { return }
    let u = ShareUpdate(
      share: shares[h], kind: kind.rawValue, rowIndex: rowIndex, rowWords: rowWords, rowCount: rowCount,
      upIndex: upIndex, upWords: upWords, upCount: upCount,
      downIndex: downIndex, downWords: downWords, downCount: downCount)
    // Counting each device's pulses (`endurance`) is one more flag: the
    // copies without it are the loops as they were.
    if endurance != nil { applyShare(u, On.self) } else { applyShare(u, Off.self) }
  }

  @inline(__always)
  private func applyShare<Counting: Flag>(_ u: ShareUpdate, _: Counting.Type) {
    // A copy of the loop per combination of the layer's flags, each
    // folded to a constant (flags as types: local functions taking them as
    // Bools were not always inlined): fewer values for the registers, and
    // the noise draw in line when every pulse takes one.
    if measuredLevels != nil {
      // A measured device: d2d, c2c and a fractional index (d2d's reset
      // indices make it fractional; without any a pulse reads its point).
      switch (perDeviceBounds, c2c != 0, fractionalIndex) {
      case (false, false, false): applyMeasured(u, Off.self, Off.self, Off.self, Counting.self)
      case (false, false, true): applyMeasured(u, Off.self, Off.self, On.self, Counting.self)
      case (false, true, _): applyMeasured(u, Off.self, On.self, On.self, Counting.self)
      case (true, false, _): applyMeasured(u, On.self, Off.self, On.self, Counting.self)
      case (true, true, _): applyMeasured(u, On.self, On.self, On.self, Counting.self)
      }
      return
    }
    // The linear model: d2d, and noise whenever the spread μ·c2c is not 0.
    let noisy = step[u.kind] * c2c != 0
    switch (perDeviceBounds, noisy) {
    case (false, false): applyLinear(u, Off.self, Off.self, Counting.self)
    case (false, true): applyLinear(u, Off.self, On.self, Counting.self)
    case (true, false): applyLinear(u, On.self, Off.self, Counting.self)
    case (true, true): applyLinear(u, On.self, On.self, Counting.self)
    }
  }

  /// One update's two polarities for the linear model, a specialised copy
  /// per combination of the flags.
  @inline(never)
  private func applyLinear<PerDevice: Flag, Noisy: Flag, Counting: Flag>(
    _ u: ShareUpdate, _: PerDevice.Type, _: Noisy.Type, _: Counting.Type
  ) {
    let table = UnsafePointer(spreadTable[u.kind])
    apply(
      u.share, polarity: 0, kind: u.kind, rowIndex: u.rowIndex, rowWords: u.rowWords, rowCount: u.rowCount,
      columns: u.upIndex, words: u.upWords, columnCount: u.upCount, table: table,
      perDevice: PerDevice.on, noisy: Noisy.on, counting: Counting.on)
    apply(
      u.share, polarity: 1, kind: u.kind, rowIndex: u.rowIndex, rowWords: u.rowWords, rowCount: u.rowCount,
      columns: u.downIndex, words: u.downWords, columnCount: u.downCount, table: table,
      perDevice: PerDevice.on, noisy: Noisy.on, counting: Counting.on)
  }

  /// One update's two polarities for a measured device: `apply`, a
  /// specialised copy per combination of the flags, out of line as
  /// `applyLinear` is.
  @inline(never)
  private func applyMeasured<PerDevice: Flag, Noisy: Flag, Fractional: Flag, Counting: Flag>(
    _ u: ShareUpdate, _: PerDevice.Type, _: Noisy.Type, _: Fractional.Type, _: Counting.Type
  ) {
    let table = UnsafePointer(spreadTable[u.kind]), indexTable = UnsafePointer(measuredSpread.unsafelyUnwrapped)
    apply(
      u.share, polarity: 0, kind: u.kind, rowIndex: u.rowIndex, rowWords: u.rowWords, rowCount: u.rowCount,
      columns: u.upIndex, words: u.upWords, columnCount: u.upCount, table: table,
      perDevice: PerDevice.on, noisy: Noisy.on, counting: Counting.on,
      measured: true, fractional: Fractional.on, indexTable: indexTable)
    apply(
      u.share, polarity: 1, kind: u.kind, rowIndex: u.rowIndex, rowWords: u.rowWords, rowCount: u.rowCount,
      columns: u.downIndex, words: u.downWords, columnCount: u.downCount, table: table,
      perDevice: PerDevice.on, noisy: Noisy.on, counting: Counting.on,
      measured: true, fractional: Fractional.on, indexTable: indexTable)
  }

  /// Ends an update after both shares: their tallies and row loads (of
  /// the update's `rows`) are merged, and the pulses that found their
  /// device at G_max are resolved (share 0's first). `slots` is the phase's
  /// length (BL, or 1 for the sign rule).
  func finishUpdate(kind: SynapseKind, slots: Int, rows: UnsafePointer<Int32>, rowCount: Int) {
    updateSlots += slots
    for share in shares {
      pulses += share.pulses
      cellUpdates += share.cells
      pulseConductance += share.pulseConductance
      // The coincident cells are not half-selected: booked at the
      // conductance each pulse finds, the program energy's (the last term
      // of `bookHalfSelected`).
      halfSelectWrite -= 2 * share.pulseConductance
      share.pulses = 0
      share.cells = 0
      share.pulseConductance = 0
      // A row's load gains its two arrays' changes, (0 + Δ+) + Δ−, as
      // one sum of the share's calls had given it.
      let load = rowLoad, sums = rowSums[kind.rawValue], delta = share.rowDelta
      for r in 0..<rowCount {
        let i = Int(rows[r])
        let plus = delta[2 * i], minus = delta[2 * i + 1]
        load[i] += plus + minus
        sums[2 * i] += plus
        sums[2 * i + 1] += minus
        delta[2 * i] = 0
        delta[2 * i + 1] = 0
      }
    }
    resolveSaturations(kind: kind.rawValue)
  }

  /// Buckets a polarity's columns by the slots they fire in (a counting
  /// sort over the 64 slots) into `share`'s buckets: bucket t is entries
  /// slotStart[t] ..< slotStart[t + 1], two words each, the column's slots
  /// before t, then the column (one pointer for the pulse loop). Returns
  /// the slots any column fires in.
  @inline(__always)
  private func bucket(
    _ share: ApplyShare, columns cols: UnsafePointer<Int32>, words: UnsafePointer<UInt64>, columnCount: Int
  ) -> UInt64 {
    let start = share.slotStart, entries = share.slotEntries
    for t in 0...64 { start[t] = 0 }
    var anySlots: UInt64 = 0
    for c in 0..<columnCount {
      var b = words[c]
      anySlots |= b
      while b != 0 {
        start[b.trailingZeroBitCount + 1] += 1
        b &= b &- 1
      }
    }
    for t in 0..<64 { start[t + 1] += start[t] }
    let fill = share.slotFill
    for t in 0..<64 { fill[t] = start[t] }
    for c in 0..<columnCount {
      let word = words[c]
      var b = word
      let j = cols[c]
      while b != 0 {
        let t = b.trailingZeroBitCount
        let e = 2 &* Int(fill[t])
        entries[e] = word & ((1 &<< UInt64(t)) &- 1)
        entries[e &+ 1] = UInt64(truncatingIfNeeded: j)
        fill[t] += 1
        b &= b &- 1
      }
    }
    return anySlots
  }

  /// Applies one array's coincidences pulse by pulse, at a cost in
  /// proportion to the pulses rather than the cells: the columns are
  /// bucketed by the slots they fire in, then every set bit (slot) of a row's
  /// train meets the columns of that slot's bucket. Each pulse moves its
  /// device by μ·(1 + c2c·z) and is clamped at the device's bounds; a pulse
  /// that finds its device at G_max is left to the saturation pass.
  /// `table` is the kind's `spreadTable` (μ·c2c·z by lookup). A `measured`
  /// device's pulse moves its index by one instead (1 + c2c·z with
  /// `noisy`, from `indexTable`, its `measuredSpread`), within its reset
  /// index (0 without d2d)…states, and its conductance is the data's there
  /// (interpolated when the index may be `fractional`), plus its offset
  /// with d2d (`perDevice`). The callers fold every flag to a constant.
  @inline(__always)
  private func apply(
    _ share: ApplyShare, polarity: Int, kind: Int,
    rowIndex: UnsafePointer<Int32>, rowWords: UnsafePointer<UInt64>, rowCount: Int,
    columns cols: UnsafePointer<Int32>, words: UnsafePointer<UInt64>, columnCount: Int,
    table: UnsafePointer<Float>, perDevice: Bool, noisy: Bool, counting: Bool,
    measured: Bool = false, fractional: Bool = false, indexTable: UnsafePointer<Int32>? = nil
  ) {
    guard columnCount > 0 else { return }
    let anySlots = bucket(share, columns: cols, words: words, columnCount: columnCount)
    let start = share.slotStart, entries = share.slotEntries
    let d = 2 * kind + polarity
    let dev = g[d], loP = lo[d], hiP = hi[d], w = self.w
    let state: UnsafeMutablePointer<Int32>? = measured ? measuredState.unsafelyUnwrapped[d] : nil
    let levels: UnsafeMutablePointer<Float>? = measured ? measuredLevels.unsafelyUnwrapped[kind] : nil
    let offset: UnsafeMutablePointer<Float>? = measured && perDevice ? measuredOffset.unsafelyUnwrapped[d] : nil
    let floor: UnsafeMutablePointer<Int32>? = measured && perDevice ? measuredFloor.unsafelyUnwrapped[d] : nil
    let lastIndex = Int32(truncatingIfNeeded: measuredStates) << 16
    // `endurance`: this device array's pulse counts (every pulse, also one
    // that finds its device at G_max, as `pulses` counts it).
    let worn: UnsafeMutablePointer<UInt32>? = counting ? endurance.unsafelyUnwrapped.pulses + d &* count : nil
    // Without d2d every device of the kind has the same bounds: no
    // per-device loads (two fewer random accesses per pulse).
    let loS = uniformLow[kind], hiS = uniformHigh[kind]
    let flagMark = self.flagMark, flagged = share.flagged
    let sign: Float = polarity == 0 ? 1 : -1
    let mu = step[kind]
    let snap = mu * Self.snapFraction, inverse = inverseStep[kind], grid = onGrid && !measured
    let n = self.columns
    // The share's noise, drawn ahead in blocks (its stream serves these
    // pulses only, so the draws are the same, in the same order).
    let drawn = UnsafePointer(share.noiseIndex)
    var next = share.noiseNext
    var pulses = 0, cells = 0, flaggedCount = share.flaggedCount
    var pulsedConductance: Float = 0
    let columnSum = self.columnSum[d]
    let rowChange = share.rowDelta + polarity
    let blocked: UnsafeMutablePointer<UInt64>? = writeBlocked?[polarity]
    for r in 0..<rowCount {
      let rowWord = rowWords[r]
      var bits = rowWord & anySlots
      if bits == 0 { continue }
      let base = Int(rowIndex[r]) * n
      var rowDelta: Float = 0
      while bits != 0 {
        let t = bits.trailingZeroBitCount
        bits &= bits &- 1
        let hi0 = Int(start[t + 1])
        var c = Int(start[t])
        while c < hi0 {
          let j = Int(truncatingIfNeeded: entries[2 &* c &+ 1])
          let x = base &+ j
          // A cell's first pulse of the update is the one with no earlier
          // coincidence (its row and column are in no other share or
          // polarity, so this call issues all its pulses). Counted without
          // a branch or a per-cell mark in memory.
          if let blocked {
            // Through resistive lines: a coincidence whose cell saw less
            // than the threshold in this slot changes nothing, and a cell
            // counts at its first coincidence that landed.
            let held = blocked[x]
            c += 1
            if held & (1 &<< UInt64(t)) != 0 { continue }
            cells &+= rowWord & entries[2 &* (c - 1)] & ~held == 0 ? 1 : 0
          } else {
            cells &+= rowWord & entries[2 &* c] == 0 ? 1 : 0
            c += 1
          }
          pulses &+= 1
          if counting { DeviceCounts.add(worn.unsafelyUnwrapped, x, 1) }
          let old = dev[x]
          pulsedConductance += old
          let top = perDevice ? hiP[x] : hiS
          if old >= top {
            // At G_max already: the saturation pass decides.
            if flagMark[x] == 0 {
              flagMark[x] = 1
              flagged[flaggedCount] = Int32(truncatingIfNeeded: 2 * x + polarity)
              flaggedCount += 1
            }
            continue
          }
          var new: Float
          if measured {
            // Below G_max, so below the last point: one point up (a whole
            // index stays within the points; a fractional one is clamped).
            var p = state.unsafelyUnwrapped[x] &+ 0x10000
            if noisy {
              if next == ApplyShare.noiseBlock { share.drawNoise(); next = 0 }
              p &+= indexTable.unsafelyUnwrapped[Int(drawn[next])]
              next &+= 1
              let low = perDevice ? floor.unsafelyUnwrapped[x] : 0
              p = p < low ? low : p
            }
            if fractional { p = lastIndex < p ? lastIndex : p }
            state.unsafelyUnwrapped[x] = p
            new = fractional ? Self.level(levels.unsafelyUnwrapped, p) : levels.unsafelyUnwrapped[Int(p >> 16)]
            if perDevice { new += offset.unsafelyUnwrapped[x] }
          } else {
            new = old + mu
            if noisy {
              if next == ApplyShare.noiseBlock { share.drawNoise(); next = 0 }
              new += table[Int(drawn[next])]
              next &+= 1
            } else if grid {
              // The grid point above the device's state (`onGrid`); the
              // last one lands on G_max, where the next pulse is the
              // saturation pass's.
              let g0 = perDevice ? loP[x] : loS
              new = g0 + (((old - g0) * inverse).rounded(.toNearestOrEven) + 1) * mu
              new = top - new < snap ? top : new
            }
          }
          // Clamped to the device's range: max and min as single
          // instructions (the same values: new is never NaN or −0).
          let bottom = perDevice ? loP[x] : loS
          new = new < bottom ? bottom : new
          new = top < new ? top : new
          dev[x] = new
          w[x] += sign * (new - old)
          rowDelta += new - old
          columnSum[j] += Double(new - old)
        }
      }
      rowChange[2 &* Int(rowIndex[r])] += Double(rowDelta)
    }
    share.pulseConductance += Double(pulsedConductance)
    share.noiseNext = next
    share.flaggedCount = flaggedCount
    share.pulses += pulses
    share.cells += cells
  }


  /// A refresh's reset of device d at cell x: to its G_min, counted (its
  /// conductance is booked by the caller).
  @inline(__always)
  private func reset(_ d: Int, _ x: Int) {
    if let e = endurance { DeviceCounts.add(e.resets, d &* count &+ x, 1) }
    g[d][x] = low(d, x)
    measuredState?[d][x] = floorIndex(d, x)
    resets += 1
  }

  /// The devices that were pulsed at G_max: Burr's refresh or method b.
  private func resolveSaturations(kind: Int) {
    guard shares[0].flaggedCount + shares[1].flaggedCount > 0 else { return }
    GaussianTable.values.withUnsafeBufferPointer { tb in
      let table = tb.baseAddress!
      let plus = 2 * kind, minus = plus + 1
      let mu = step[kind]
      // The other kind's arrays (the big ones in the fine phase), which no
      // update of this kind touches, are cold: their differences G+ − G−,
      // which the cache's sum needs, are loaded for a chunk of flagged
      // cells at once, so that the misses overlap (the pass had waited on
      // each in turn: 62 % of its time on that one load, perf, session
      // 45). The sum is the same: (0 + a) + b and (0 + b) + a are a + b
      // (conductances are never −0).
      let other = kinds > 1 ? 1 - kind : -1
      // Through the lines: each device's events land where its cell,
      // written alone, sees the threshold's share (on the arrays after the
      // coincidences; the pass's own changes are not re-solved).
      let lines = writeLines
      lines?.prepareSerial(plus: g[plus], minus: g[minus])
      for share in shares {
      var chunkStart = 0
      while chunkStart < share.flaggedCount {
      let chunkEnd = min(chunkStart + ApplyShare.otherChunk, share.flaggedCount)
      let otherDifference = share.otherDifference
      if other >= 0 {
        let op = g[2 * other], om = g[2 * other + 1]
        for f in chunkStart..<chunkEnd {
          let x = Int(share.flagged[f]) >> 1
          otherDifference[f - chunkStart] = op[x] - om[x]
        }
      }
      for f in chunkStart..<chunkEnd {
        let code = Int(share.flagged[f])
        let x = code >> 1, pol = code & 1
        flagMark[x] = 0
        let p = g[plus][x], m = g[minus][x]
        switch policy {
        case .refresh:
          // The other device at its minimum: W is at its limit already, and
          // a refresh would only rewrite it (with c2c, clamped at G_max, a
          // little lower: an increase request would lower W). The pulse is
          // lost, as on a device at G_max.
          let other = pol == 0 ? minus : plus
          if g[other][x] <= low(other, x) { continue }
          // The pulsed device stuck, and the controller knows it: the
          // refresh would climb the partner back where it was.
          if knowsStuck, stuckDevices.unsafelyUnwrapped[plus + pol][x] != 0 { continue }
          // Each reset and re-potentiation pulse is a slot of its own that
          // half-selects its device's row and column (their other cells,
          // which none of these pulses change).
          let aside = (neighbours(plus, x), neighbours(minus, x))
          halfSelectReset += aside.0 + aside.1
          // Reset both, then put the pair's weight back on one device.
          let delta = (p - m) - (low(plus, x) - low(minus, x))
          // (Through the lines, a device whose cell sees too little keeps
          // its conductance: its reset and pulses are issued, their slots
          // taken, and nothing lands.)
          let lands = (lines?.serialLands(polarity: 0, x) ?? true, lines?.serialLands(polarity: 1, x) ?? true)
          // (Both: the sum as before the lines, in single precision.)
          resetConductance += lands.0 && lands.1 ? Double(p + m) : Double(lands.0 ? p : (lands.1 ? m : 0))
          if lands.0 { reset(plus, x) }
          if lands.1 { reset(minus, x) }
          updateSlots += 2
          resetSlots += 2
          let target = delta > 0 ? plus : minus
          let n = refreshPulses(target, x, kind: kind, delta: delta)
          halfSelectWrite += Double(max(0, n)) * (target == plus ? aside.0 : aside.1)
          // Each slot drives its device's D line and S line.
          lineCellsReset += Double(2 * (rows + columns))
          lineCellsWrite += Double(max(0, n) * (rows + columns))
          if target == plus ? lands.0 : lands.1 {
            repotentiate(target, x, pulses: n, table: table)
          } else {
            updateSlots += max(0, n)
          }
          if !(lands.0 && lands.1) { lines?.incompleteSequences += 1 }
        case .methodB:
          // Reset the other device; re-potentiate it one step lower.
          let other = pol == 0 ? minus : plus
          // A stuck other device the controller knows: nothing to reset.
          if knowsStuck, stuckDevices.unsafelyUnwrapped[other][x] != 0 { continue }
          let old = g[other][x]
          let aside = neighbours(other, x)
          // The re-potentiation pulses: one step below the old state.
          let resetIndex = floorIndex(other, x)
          var n = Int(((old - low(other, x)) / mu).rounded()) - 1
          if let state = measuredState?[other] { n = Int((state[x] &- resetIndex &+ Self.indexOne / 2) >> 16) - 1 }
          // The reset's and the pulses' slots, and their half-selected
          // cells, issued whether or not they land.
          updateSlots += 1
          resetSlots += 1
          halfSelectReset += aside
          halfSelectWrite += Double(max(0, n)) * aside
          lineCellsReset += Double(rows + columns)
          lineCellsWrite += Double(max(0, n) * (rows + columns))
          if let lines, !lines.serialLands(polarity: other - plus, x) {
            // Its cell sees too little: the device keeps its conductance.
            updateSlots += max(0, n)
            lines.incompleteSequences += 1
            continue
          }
          resetConductance += Double(old)
          if let e = endurance { DeviceCounts.add(e.resets, other &* count &+ x, 1) }
          g[other][x] = low(other, x)
          measuredState?[other][x] = resetIndex
          resets += 1
          repotentiate(other, x, pulses: max(0, n), table: table)
        }
        // The cache from the devices: its pulse-by-pulse sums drift (the
        // small devices' μ is a few hundred ulps of W at k 100 with 400
        // states, each sum rounds by up to half an ulp, the same way for
        // every pulse of a climb), and a refresh ends the climb.
        w[x] = other >= 0 ? (g[plus][x] - g[minus][x]) + otherDifference[f - chunkStart] : weight(x)
        load(x, (g[plus][x] + g[minus][x]) - (p + m))
        deviceSums(plus, x, g[plus][x] - p)
        deviceSums(minus, x, g[minus][x] - m)
      }
      chunkStart = chunkEnd
      }
      share.flaggedCount = 0
      }
    }
  }

  /// The pulses that put a refreshed pair's weight back on device
  /// `target` (of kind `kind`, just reset) at cell x: the whole steps μ
  /// nearest |Δ|, or for a measured device the pulse count from its reset
  /// index whose conductance (its offset added) is nearest G_min + |Δ|.
  @inline(__always)
  private func refreshPulses(_ target: Int, _ x: Int, kind: Int, delta: Float) -> Int {
    measuredLevels.map {
      Self.nearest(
        $0[kind], from: floorIndex(target, x), last: measuredStates, to: low(target, x) - (measuredOffset?[target][x] ?? 0) + abs(delta))
    } ?? Int((abs(delta) / step[kind]).rounded())
  }

  /// The refresh before deployment (`drift_refresh`): in each kind's
  /// arrays, every pair whose two devices are both above their G_min has
  /// both reset and the pair's weight re-potentiated onto one of them, as
  /// Burr's refresh at saturation does (`resolveSaturations`: the nearest
  /// pulse count, a measured device's from its reset index), its pulses
  /// and resets counted and booked in the energy account (each reset at
  /// its device's conductance, each pulse at its own). A stuck device sits
  /// at its bounds (lo = hi), so a pair with one is never refreshed. The
  /// weight cache and line sums are recomputed from the devices. Returns
  /// the pairs refreshed. For a copy of the trained arrays: training never
  /// calls it.
  func refreshPairs() -> Int {
    var pairs = 0
    GaussianTable.values.withUnsafeBufferPointer { tb in
      let table = tb.baseAddress!
      for kind in 0..<kinds {
        let plus = 2 * kind, minus = plus + 1
        for x in 0..<count where g[plus][x] > low(plus, x) && g[minus][x] > low(minus, x) {
          let delta = (g[plus][x] - g[minus][x]) - (low(plus, x) - low(minus, x))
          resetConductance += Double(g[plus][x] + g[minus][x])
          reset(plus, x)
          reset(minus, x)
          let target = delta > 0 ? plus : minus
          let n = refreshPulses(target, x, kind: kind, delta: delta)
          repotentiate(target, x, pulses: n, table: table)
          pairs += 1
        }
      }
    }
    recomputeWeights()
    return pairs
  }

  /// A measured device's reset index (`measuredFloor`).
  @inline(__always)
  private func floorIndex(_ d: Int, _ x: Int) -> Int32 { measuredFloor?[d][x] ?? 0 }

  /// The index (in `indexOne` units) where `levels` plus `offset` reach
  /// 0: 0 when the first point does, the last point when none does (a
  /// device that never conducts), else the last index between the points
  /// around it whose level plus the offset, as the pulse loop computes
  /// it, is still ≤ 0 (so a device there reads its G_min of 0 exactly).
  static func floor(_ levels: UnsafeMutablePointer<Float>, last: Int, offset o: Float) -> Int32 {
    guard levels[0] + o < 0 else { return 0 }
    guard let i = (1...last).first(where: { levels[$0] + o >= 0 }) else { return Int32(last) << 16 }
    let f = Double(-o - levels[i - 1]) / Double(levels[i] - levels[i - 1])
    var p = Int32(i - 1) << 16 + Int32(min(65535, (f * 65536).rounded(.down)))
    while p > Int32(i - 1) << 16 && level(levels, p) + o > 0 { p -= 1 }
    return p
  }

  /// The lowest pulse count n from index `from` whose level is nearest
  /// `target` (the lower one on a tie, as the linear model's rounding of
  /// half steps is rare enough not to matter), for non-decreasing levels:
  /// n runs over 0…m, m the pulses that reach the last point (the last
  /// one clamped there, from a fractional index); a binary search for the
  /// first level ≥ target, then the count below it if that is as near,
  /// then down the counts as near (what a scan keeping the first strictly
  /// nearer count finds: the rounded distances fall, then rise). From 0
  /// the levels are the points themselves.
  static func nearest(_ levels: UnsafePointer<Float>, from f: Int32 = 0, last: Int, to target: Float) -> Int {
    let end = Int32(last) << 16
    let m = Int((end &- f &+ 0xFFFF) >> 16)
    @inline(__always) func v(_ n: Int) -> Float { level(UnsafeMutablePointer(mutating: levels), min(f &+ Int32(n) << 16, end)) }
    var a = 0, b = m + 1
    while a < b {
      let c = (a + b) / 2
      if v(c) < target { a = c + 1 } else { b = c }
    }
    var best = a > m ? m : a == 0 ? 0 : target - v(a - 1) <= v(a) - target ? a - 1 : a
    // Down the counts as near (equal levels, or distances rounded equal).
    while best > 0 && abs(v(best - 1) - target) == abs(v(best) - target) { best -= 1 }
    return best
  }

  private func repotentiate(_ d: Int, _ x: Int, pulses n: Int, table: UnsafePointer<Float>) {
    guard n > 0 else { return }
    if let e = endurance { DeviceCounts.add(e.pulses, d &* count &+ x, n) }
    if let stuck = stuckDevices, stuck[d][x] != 0 {
      // A stuck device: its pulses are issued and counted, and move a
      // measured device's index, as for any device, but each finds it at
      // its pinned conductance, which it keeps.
      let before = pulseConductance
      repotentiateDevice(d, x, pulses: n, table: table)
      pulseConductance = before + Double(n) * Double(g[d][x])
      return
    }
    repotentiateDevice(d, x, pulses: n, table: table)
  }

  @inline(__always)
  private func repotentiateDevice(_ d: Int, _ x: Int, pulses n: Int, table: UnsafePointer<Float>) {
    let k = d / 2
    if let levels = measuredLevels?[k], let state = measuredState?[d], let sums = measuredCumulative?[k] {
      // Along the measured levels from G_min: pulse i sees level i (and
      // the device's offset); with c2c the n pulses' index errors add up,
      // c2c·√n·z, as the linear model's steps do.
      let o = measuredOffset?[d][x] ?? 0, f = floorIndex(d, x)
      if f > 0 {
        // An offset below −G_min: the pulses climb from the reset index.
        for i in 0..<n { pulseConductance += Double(max(Self.level(levels, min(f + Int32(i) << 16, Int32(measuredStates) << 16)) + o, low(d, x))) }
      } else {
        pulseConductance += sums[n] + Double(n) * Double(o)
      }
      updateSlots += n
      var p = f &+ Int32(n) << 16
      if c2c != 0 { p &+= Self.index(Double(c2c * Float(Double(n).squareRoot()) * noise.next(table))) }
      p = min(max(p, f), Int32(measuredStates) << 16)
      state[x] = p
      g[d][x] = min(max(Self.level(levels, p) + o, low(d, x)), high(d, x))
      pulses += n
      repotentiations += n
      return
    }
    // The pulses climb from G_min one step at a time (noise aside).
    pulseConductance += Double(n) * Double(low(d, x)) + Double(step[k]) * Double(n * (n - 1) / 2)
    updateSlots += n
    var v = low(d, x) + Float(n) * step[k]
    if c2c != 0 { v += step[k] * c2c * Float(Double(n).squareRoot()) * noise.next(table) }
    // On the grid (`onGrid`), the pulse loop's snap: a climb that ends
    // within `snapFraction` of a step below G_max is at G_max (a stuck
    // device's partner put back at its top had landed an ulp below it,
    // where its next pulse moved it by that ulp instead of being lost).
    if onGrid && high(d, x) - v < step[k] * Self.snapFraction { v = high(d, x) }
    g[d][x] = min(max(v, low(d, x)), high(d, x))
    pulses += n
    repotentiations += n
  }

  /// A measured device's conductance at pulse index p (in `indexOne`
  /// units) in 0…states: the data interpolated between the two points
  /// around it (a whole p reads its point exactly: the other's weight is 0).
  @inline(__always)
  static func level(_ levels: UnsafeMutablePointer<Float>, _ p: Int32) -> Float {
    let i = Int(p >> 16)
    let f = Float(p & 0xFFFF) * (1 / 65536)
    return levels[i] + f * (levels[i &+ 1] - levels[i])
  }

  /// A pulse count in `indexOne` units, rounded.
  static func index(_ pulses: Double) -> Int32 { Int32((pulses * 65536).rounded()) }

  /// The disturb model: every half-selected slot (row or column fires, not
  /// both) moves the device it drives by `fraction`·μ toward G_max (a
  /// measured device: its pulse index by `fraction` per slot). Only
  /// called when V_w/2 reaches the write threshold (a slow path: every cell
  /// of the selected arrays). `rowWordOf[i]` is row i's train (0: silent),
  /// `columnWordOf[j]` column j's train and `columnPolarity[j]` the array
  /// it drives (0: G+, 1: G−, −1: none).
  func disturb(
    kind: SynapseKind, fraction: Float, rowWordOf: UnsafePointer<UInt64>,
    columnWordOf: UnsafePointer<UInt64>, columnPolarity: UnsafePointer<Int8>
  ) {
    let k = kind.rawValue
    for pol in 0..<2 {
      let d = 2 * k + pol
      let sign: Float = pol == 0 ? 1 : -1
      for i in 0..<rows {
        for j in 0..<columns {
          let cw = Int(columnPolarity[j]) == pol ? columnWordOf[j] : 0
          let h = PulseTrainEncoder.halfSelections(row: rowWordOf[i], column: cw)
          guard h > 0 else { continue }
          let x = i * columns + j
          let old = g[d][x]
          var new = min(max(old + Float(h) * fraction * step[k], low(d, x)), high(d, x))
          if let state = measuredState?[d], let levels = measuredLevels?[k] {
            let p = min(state[x] &+ Self.index(Double(h) * Double(fraction)), Int32(measuredStates) << 16)
            state[x] = p
            new = min(max(Self.level(levels, p) + (measuredOffset?[d][x] ?? 0), low(d, x)), high(d, x))
          }
          g[d][x] = new
          w[x] += sign * (new - old)
          load(x, new - old)
          deviceSums(d, x, new - old)
          disturbs += h
        }
      }
    }
  }

  /// The arrays of one kind in siemens (G_max of a big device = `gMax`),
  /// for exact reads.
  func array(_ kind: SynapseKind, gMax: Double) -> DifferentialArray {
    let a = DifferentialArray(rows: rows, columns: columns)
    let k = kind.rawValue
    a.setConductances(
      plus: (0..<count).map { Double(g[2 * k][$0]) * gMax },
      minus: (0..<count).map { Double(g[2 * k + 1][$0]) * gMax })
    return a
  }
}

/// One column share's coincidence state: its noise stream, its list of
/// pulses at G_max, its slot buckets and tallies. Each share is its own
/// object, so two threads never write the same cache line.
final class ApplyShare: @unchecked Sendable {
  /// The pulses' noise: its next `noiseBlock` table indices are drawn
  /// ahead into `noiseIndex` (a pulse takes the one at `noiseNext`), which
  /// frees the pulse loop of the generator's state.
  var noise: GaussianStream
  static let noiseBlock = 1024
  let noiseIndex: UnsafeMutablePointer<UInt16>
  var noiseNext = ApplyShare.noiseBlock
  /// Pulses that would take a device past G_max, as 2·index + polarity,
  /// for the saturation pass after the update.
  let flagged: UnsafeMutablePointer<Int32>
  var flaggedCount = 0
  /// The saturation pass's other-kind differences, a chunk of
  /// `otherChunk` flagged cells at a time (`HybridLayer.resolveSaturations`).
  static let otherChunk = 64
  let otherDifference: UnsafeMutablePointer<Float>
  /// Slot buckets of the column trains: bucket t is entries
  /// slotStart[t] ..< slotStart[t + 1] of `slotEntries`, two words each:
  /// the column's train below slot t, and the column.
  let slotStart: UnsafeMutablePointer<Int32>
  let slotFill: UnsafeMutablePointer<Int32>
  let slotEntries: UnsafeMutablePointer<UInt64>
  /// The share's change of each row's sum in the G+ and the G− array
  /// (2·i + polarity), merged after the update (`HybridLayer.rowSums`,
  /// `rowLoad`).
  let rowDelta: UnsafeMutablePointer<Double>
  var pulses = 0
  var cells = 0
  var pulseConductance = 0.0

  init(cells: Int, rows: Int, columns: Int, noise: GaussianStream) {
    self.noise = noise
    flagged = .allocate(capacity: cells)
    otherDifference = .allocate(capacity: Self.otherChunk)
    slotStart = .allocate(capacity: 65)
    slotFill = .allocate(capacity: 64)
    slotEntries = .allocate(capacity: 2 * 64 * columns)
    rowDelta = .allocate(capacity: 2 * rows)
    rowDelta.initialize(repeating: 0, count: 2 * rows)
    noiseIndex = .allocate(capacity: Self.noiseBlock)
  }

  /// The next block of draws (when the pulse loop has used the last).
  @inline(never)
  func drawNoise() {
    noise.fillIndices(noiseIndex, count: Self.noiseBlock)
  }

  deinit {
    flagged.deallocate()
    otherDifference.deallocate()
    slotStart.deallocate()
    slotFill.deallocate()
    slotEntries.deallocate()
    rowDelta.deallocate()
    noiseIndex.deallocate()
  }
}

/// A flag known at compile time (the copies of `HybridLayer`'s loops).
protocol Flag { static var on: Bool { get } }
enum On: Flag { static var on: Bool { true } }
enum Off: Flag { static var on: Bool { false } }

/// The arguments of one update of a column share (`applyShare`'s).
struct ShareUpdate {
  let share: ApplyShare
  let kind: Int
  let rowIndex: UnsafePointer<Int32>, rowWords: UnsafePointer<UInt64>, rowCount: Int
  let upIndex: UnsafePointer<Int32>, upWords: UnsafePointer<UInt64>, upCount: Int
  let downIndex: UnsafePointer<Int32>, downWords: UnsafePointer<UInt64>, downCount: Int
}

extension HybridLayer {
  /// Whether a configuration's devices have bounds of their own (d2d, or
  /// stuck devices, whose pinned bounds take the d2d path): `inspect`
  /// writes them then (`boundsL.f32`).
  static func perDeviceBounds(_ cfg: TrainingConfiguration) -> Bool {
    cfg.d2d > 0 || cfg.hasStuckDevices
  }
}
