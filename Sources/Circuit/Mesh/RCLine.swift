/// A driven RC line: a word line, bit line or control-gate line with its
/// driver, and its transient under one rectangular pulse.
///
/// An ideal voltage source u(t) behind a driver resistance R_d drives one
/// end of a line of n cells; the far end (node n−1) is open. Segment k
/// (resistance r_k) joins the previous node (the driver for k = 0) to node
/// k; node k has a capacitance c_k to ground and a shunt conductance g_k to
/// ground (a read's cells leaking into virtual-ground bit lines; 0 for an
/// insulated control gate). The node equations are
///
///     C dv/dt = −A v + b·u(t)
///
/// with C = diag(c), A the tridiagonal, symmetric positive definite nodal
/// matrix of the segments, the driver and the shunts, and b = e_0/(R_d + r_0).
public struct RCLine: Sendable, Equatable {
  /// The segments' resistances (Ω), n values: segment k feeds node k,
  /// segment 0 from the driver.
  public var segmentResistances: [Double]
  /// Each node's capacitance to ground (F), n values.
  public var capacitances: [Double]
  /// Each node's shunt conductance to ground (S), n values.
  public var shunts: [Double]
  /// The driver's output resistance (Ω), in series with segment 0.
  public var driverResistance: Double

  /// A line of the given segments, capacitances and shunts.
  ///
  /// - Parameters:
  ///   - resistances: r_k (Ω), segment k feeding node k.
  ///   - capacitances: c_k (F), node k to ground.
  ///   - shunts: g_k (S), node k to ground.
  ///   - driverResistance: R_d (Ω), the driver's, in series with r_0.
  /// - Precondition: the three lists have the same count, at least 1;
  ///   every r_k > 0, every c_k > 0, every g_k ≥ 0 and R_d ≥ 0, all finite.
  public init(resistances: [Double], capacitances: [Double], shunts: [Double], driverResistance: Double) {
    require(!resistances.isEmpty, "an RC line needs at least one cell")
    require(
      capacitances.count == resistances.count && shunts.count == resistances.count,
      "\(resistances.count) resistances, \(capacitances.count) capacitances and \(shunts.count) shunts: the counts differ")
    require(resistances.allSatisfy { $0 > 0 && $0.isFinite }, "segment resistances must be finite and > 0 Ω")
    require(capacitances.allSatisfy { $0 > 0 && $0.isFinite }, "capacitances must be finite and > 0 F")
    require(shunts.allSatisfy { $0 >= 0 && $0.isFinite }, "shunt conductances must be finite and ≥ 0 S")
    require(driverResistance >= 0 && driverResistance.isFinite, "the driver resistance must be finite and ≥ 0 Ω")
    self.segmentResistances = resistances
    self.capacitances = capacitances
    self.shunts = shunts
    self.driverResistance = driverResistance
  }

  /// A uniform line: every segment `segmentResistance` (Ω), every node
  /// `capacitance` (F) and `shunt` (S) to ground, behind `driverResistance`
  /// (Ω).
  ///
  /// - Precondition: `cells` ≥ 1, and the values as `init(resistances:…)`'s.
  public init(cells: Int, segmentResistance: Double, capacitance: Double, shunt: Double = 0, driverResistance: Double = 0) {
    require(cells >= 1, "an RC line needs at least one cell")
    self.init(
      resistances: Array(repeating: segmentResistance, count: cells),
      capacitances: Array(repeating: capacitance, count: cells),
      shunts: Array(repeating: shunt, count: cells), driverResistance: driverResistance)
  }

  /// The number of cells (nodes).
  public var cells: Int { segmentResistances.count }

  /// Σ c_k (F).
  public var totalCapacitance: Double { capacitances.reduce(0, +) }

  /// The Elmore delay of each node (s): for node m, Σ_k c_k · R_mk with
  /// R_mk the resistance shared by the paths from the source to node m and
  /// to node k (R_d + r_0 + … + r_min(m,k)); the shunts are ignored.
  ///
  /// With no shunts it is the first moment of node m's step response:
  /// ∫₀^∞ (1 − v_m(t)/V) dt.
  public func elmoreDelays() -> [Double] {
    // T_m = Σ_{k≤m} c_k·R_k + R_m·Σ_{k>m} c_k, R_k the path resistance to
    // node k: two prefix sums.
    let n = cells
    var path = [Double](repeating: 0, count: n)
    var r = driverResistance
    for k in 0..<n {
      r += segmentResistances[k]
      path[k] = r
    }
    var below = 0.0, above = totalCapacitance
    var delays = [Double](repeating: 0, count: n)
    for m in 0..<n {
      below += capacitances[m] * path[m]
      above -= capacitances[m]
      delays[m] = below + path[m] * max(above, 0)
    }
    return delays
  }

  /// The DC node voltages (V) under a constant drive of `volts` (V): the
  /// tridiagonal solve of A v = b·volts.
  public func steadyState(volts: Double) -> [Double] {
    let m = Matrix(self)
    var factor = TridiagonalFactor(count: cells)
    factor.factor(diagonal: m.diagonal, offDiagonal: m.offDiagonal, scale: 1, shift: nil)
    var v = [Double](repeating: 0, count: cells)
    v[0] = m.driverConductance * volts
    v.withUnsafeMutableBufferPointer { factor.solve(in: $0.baseAddress!) }
    return v
  }

  /// An upper bound of the condition number of the line's conductance
  /// matrix A (its ∞-norm): ‖A‖ ≤ 2·max a_kk, and ‖A⁻¹‖ is at most n
  /// times the longest path to the source (R_d + Σ r_k: A⁻¹'s entries are
  /// shared path resistances) and at most 1/min g_k with every node
  /// shunted (the driver's conductance added at node 0). For a uniform
  /// line without shunts 4·n·(R_d/r + n).
  ///
  /// Beyond about 1e12 the integration loses digits (measured: a
  /// `pulse`'s error estimate 6e-5 of V at 1.2e12, 1.5e-4 at 4e12, the
  /// 1.5e-5 of a well-conditioned line), and beyond 1e16 A is singular in
  /// doubles (a 1 Ω driver before 1e-20 Ω segments: the driver's
  /// conductance vanishes beside the segments', and no time constant is
  /// finite).
  public func conditionBound() -> Double {
    let m = Matrix(self)
    let norm = 2 * (m.diagonal.max() ?? 0)
    let path = driverResistance + segmentResistances.reduce(0, +)
    var inverse = Double(cells) * path
    var excess = shunts
    excess[0] += m.driverConductance
    if let least = excess.min(), least > 0 { inverse = min(inverse, 1 / least) }
    return norm * inverse
  }

  /// The slowest time constant of the line (s): 1/λ_min of A φ = λ C φ
  /// (shunts included), the decay of the last mode to settle.
  public func slowestTimeConstant() -> Double {
    // Inverse iteration x ← A⁻¹ C x (λ₂/λ₁ ≈ 9 for a uniform line) and the
    // Rayleigh quotient xᵀCx / xᵀAx, which approaches 1/λ_min from below
    // with the square of the eigenvector's error: 40 sweeps are plenty.
    let m = Matrix(self), n = cells
    var factor = TridiagonalFactor(count: n)
    factor.factor(diagonal: m.diagonal, offDiagonal: m.offDiagonal, scale: 1, shift: nil)
    var x = [Double](repeating: 1, count: n)
    var tau = 0.0
    x.withUnsafeMutableBufferPointer { xb in
      let x = xb.baseAddress!
      for _ in 0..<40 {
        var norm = 0.0
        for k in 0..<n {
          x[k] *= capacitances[k]
          norm = max(norm, abs(x[k]))
        }
        for k in 0..<n { x[k] /= norm }
        factor.solve(in: x)
      }
      // The quotient at unit scale: the last solve leaves x of order
      // r·n² (1e-150 Ω a segment), whose squares times C underflowed to 0
      // (a walkthrough, session 58: τ came out 0, the step grid's cap
      // with it, and `pulse` never ended).
      var norm = 0.0
      for k in 0..<n { norm = max(norm, abs(x[k])) }
      for k in 0..<n { x[k] /= norm }
      var xcx = 0.0, xax = 0.0
      for k in 0..<n {
        xcx += capacitances[k] * x[k] * x[k]
        var ax = m.diagonal[k] * x[k]
        if k > 0 { ax += m.offDiagonal[k - 1] * x[k - 1] }
        if k < n - 1 { ax += m.offDiagonal[k] * x[k + 1] }
        xax += x[k] * ax
      }
      tau = xcx / xax
    }
    return tau
  }

  /// A lower bound on the fastest time constant (s): min_k c_k / (2 A_kk),
  /// from Gershgorin's theorem on C⁻¹A.
  public func fastestTimeConstantBound() -> Double {
    let m = Matrix(self)
    var tau = Double.infinity
    for k in 0..<cells { tau = min(tau, capacitances[k] / (2 * m.diagonal[k])) }
    return tau
  }
}

extension RCLine {
  /// The step grid of `pulse`: times relative to the line's time constants.
  public struct StepOptions: Sendable, Equatable {
    /// The first step after each edge, as a fraction of
    /// `fastestTimeConstantBound()`.
    public var firstStep: Double
    /// Each step's ratio to the previous one (> 1).
    public var growth: Double
    /// The largest step while the line settles (the first 25 slowest time
    /// constants after each edge), as a fraction of `slowestTimeConstant()`;
    /// once settled, the steps grow on without a cap.
    public var maxStep: Double

    /// The defaults (0.02, 1.03, 0.05) keep the largest node-voltage error
    /// near 2e-5 of the amplitude on uniform and random lines (measured
    /// against closed forms: 1.5e-5–1.7e-5).
    public init(firstStep: Double = 0.02, growth: Double = 1.03, maxStep: Double = 0.05) {
      self.firstStep = firstStep
      self.growth = growth
      self.maxStep = maxStep
    }
  }

  /// The transient of one rectangular pulse on a line at rest (v = 0).
  public struct Transient: Sendable, Equatable {
    /// Per node, the peak voltage (V): the largest |v|, signed as the
    /// pulse's amplitude (an RC line does not overshoot, so this is the
    /// largest excursion toward the amplitude, 0 for a zero pulse).
    public var peak: [Double]
    /// Per node, the total time (s) with v ≥ threshold (for a negative
    /// amplitude, v ≤ threshold), when a threshold was given; linear
    /// interpolation between grid points.
    public var timeAbove: [Double]?
    /// Per node, the first time (s) v reaches half of that node's
    /// steady-state voltage under the amplitude, interpolated by the
    /// quadratic through the step's two ends and its inner stage (linear
    /// interpolation's error, h²/8 · v''/v', is ~1e-4 of the delay on the
    /// default grid); nil if it never does (or the amplitude is 0).
    public var delay50: [Double?]
    /// The energy the source delivers (J), ∫ u·i_source dt.
    public var sourceEnergy: Double
    /// The energy dissipated in the segments and the driver resistance (J).
    public var lineEnergy: Double
    /// The energy dissipated in the shunts (J).
    public var shuntEnergy: Double
    /// The energy stored at the last time (J), Σ ½ c v².
    /// `sourceEnergy` = `lineEnergy` + `shuntEnergy` + `storedAtEnd` up to
    /// the integrator's error.
    public var storedAtEnd: Double
    /// The time grid (s), from 0 to the end, with the pulse's end on it.
    public var times: [Double]
    /// Per probe, the probe node's voltage (V) at each of `times`.
    public var waveforms: [[Double]]
    /// An estimate of the largest node-voltage error (V) over the grid: the
    /// integrator's embedded local-error estimates, carried forward by the
    /// same (linear) steps, largest |·| over nodes and times.
    public var integrationError: Double
  }

  /// The time grid `pulse` integrates on (s): from 0, fine after each edge
  /// (t = 0 and t = `width`), geometric, landing exactly on `width` (when
  /// before `until`) and `until`.
  ///
  /// - Parameters:
  ///   - width: the pulse's width (s).
  ///   - until: the last time (s).
  ///   - options: the step sizes.
  public func stepGrid(width: Double, until: Double, options: StepOptions = .init()) -> [Double] {
    stepPlan(width: width, until: until, options: options).times
  }

  /// `stepGrid`'s times and each step's length (s), the lengths worked in
  /// time since the step's edge: beside a long pulse, the steps after its
  /// end can be far below the end's own last bit (a line that settles in
  /// 1e-15 s after a 1 ms pulse), so `times[i] − times[i − 1]` can be 0
  /// or coarser than the step where the length is exact. (Two times can
  /// then be equal; the integration takes the lengths.)
  func stepPlan(width: Double, until: Double, options: StepOptions = .init()) -> (times: [Double], lengths: [Double]) {
    require(width > 0 && width.isFinite, "the pulse width must be finite and > 0 s")
    require(until > 0 && until.isFinite, "the end time must be finite and > 0 s")
    require(options.firstStep > 0 && options.firstStep.isFinite, "the first step must be > 0")
    require(options.growth > 1 && options.growth.isFinite, "the step growth must be > 1")
    require(options.maxStep > 0 && options.maxStep.isFinite, "the largest step must be > 0")
    let slow = slowestTimeConstant()
    let first = min(options.firstStep * fastestTimeConstantBound(), options.maxStep * slow)
    let cap = options.maxStep * slow, settle = 25 * slow
    var times = [0.0], lengths: [Double] = []
    func segment(_ start: Double, _ end: Double) {
      // In time since the edge: a step far below the edge's own ulp (a
      // line that settles in 1e-18 s after a 1 s pulse) still moves the
      // offset, where `start + h == start` had looped forever (a review,
      // session 57).
      let span = end - start
      var tau = 0.0, h = first
      while tau < span {
        let before = tau
        let remaining = span - tau
        // The last step lands on `end`; one a little longer than h is
        // split in two rather than leaving a sliver.
        if remaining <= h * (1 + 1e-9) {
          tau = span
        } else if remaining < 1.5 * h {
          tau += remaining / 2
        } else {
          tau += h
        }
        times.append(tau == span ? end : start + tau)
        lengths.append(tau - before)
        h *= options.growth
        if tau < settle { h = min(h, cap) }
      }
    }
    segment(0, min(width, until))
    if until > width { segment(width, until) }
    return (times, lengths)
  }

  /// The transient of one rectangular pulse, u = `volts` for 0 ≤ t <
  /// `width`, 0 otherwise (ideal edges), from rest.
  ///
  /// The integrator is TR-BDF2 (γ = 2 − √2: a trapezoidal stage to t + γh,
  /// then BDF2; second order and L-stable, so the stiff modes the edges
  /// excite do not ring), on `stepGrid`: per step one tridiagonal
  /// factorisation (steps of equal length share it) and two Thomas sweeps,
  /// each solving a stage of the state and of its propagated error side by
  /// side. The energies are each stage's powers at the mean of its end
  /// states (exact for the trapezoidal stage: the source's energy less the
  /// dissipated is then exactly the stored energy's change).
  ///
  /// n = 1024 cells take ~40–50 ms in a release build (~1500 steps).
  ///
  /// - Parameters:
  ///   - volts: the amplitude V (V).
  ///   - width: the pulse's width (s).
  ///   - until: the last time (s); by default `width` + 25 ×
  ///     `slowestTimeConstant()`, when every mode has decayed to e^−25 ≈
  ///     1.4e-11 of its value at the pulse's end: the line is discharged
  ///     to well below 1e-9 of V.
  ///   - threshold: the voltage (V) for `timeAbove`; nil for none.
  ///   - probes: the nodes whose waveforms to keep.
  ///   - options: the step grid.
  ///   - progress: called every 1024 steps with the steps done and all of
  ///     them (a long line's run reports as it goes).
  /// - Precondition: `volts` and `threshold` finite, `width` and `until`
  ///   finite and > 0, `probes` in 0..<`cells`, and `options` as
  ///   `stepGrid`'s.
  public func pulse(
    volts: Double, width: Double, until: Double? = nil, threshold: Double? = nil, probes: [Int] = [],
    options: StepOptions = .init(), progress: ((_ done: Int, _ steps: Int) -> Void)? = nil
  ) -> Transient {
    require(volts.isFinite, "the amplitude must be finite")
    require(threshold?.isFinite ?? true, "the threshold must be finite")
    require(probes.allSatisfy { (0..<cells).contains($0) }, "probes must be nodes in 0..<\(cells)")
    require(width > 0 && width.isFinite, "the pulse width must be finite and > 0 s")
    // (Past the width's last bit: a line far faster than its pulse still
    // gets its discharge, one L-stable step.)
    let end = until ?? max(width + 25 * slowestTimeConstant(), width.nextUp)
    let (times, lengths) = stepPlan(width: width, until: end, options: options)
    // The steps of the pulse: those up to the time that lands on `width`.
    let firstSegment = times.firstIndex(of: min(width, end)) ?? times.count - 1
    let n = cells, m = Matrix(self)
    let steady = steadyState(volts: volts)
    // s turns "toward the amplitude" into "up": s·v ≥ s·threshold.
    let s: Double = volts < 0 ? -1 : 1

    // TR-BDF2 (Bank et al. 1985; Hosea and Shampine 1996), γ = 2 − √2:
    //   (C + αhA) v_γ   = (C − αhA) v_n + 2αh·b·U          α = γ/2
    //   (C + αhA) v_n+1 = C (a1 v_γ − a0 v_n) + αh·b·U
    // a1 = 1/(γ(2−γ)), a0 = (1−γ)²/(γ(2−γ)); (1−γ)/(2−γ) = γ/2 = α, so
    // both stages share one matrix. U is constant on each step (the grid
    // lands on the edges). Local error ≈ 2κh (f_n/γ − f_γ/(γ(1−γ)) +
    // f_n+1/(1−γ)), κ = (−3γ² + 4γ − 2)/(12(2−γ)); with f = C⁻¹(−Av + bU)
    // the U terms cancel: −2κh C⁻¹A w, w that combination of the states.
    let gamma = 2 - 2.0.squareRoot()
    let alpha = gamma / 2
    let a1 = 1 / (gamma * (2 - gamma)), a0 = (1 - gamma) * (1 - gamma) / (gamma * (2 - gamma))
    let kappa = (-3 * gamma * gamma + 4 * gamma - 2) / (12 * (2 - gamma))
    let w0 = 1 / gamma, w1 = -1 / (gamma * (1 - gamma)), w2 = 1 / (1 - gamma)

    // Preallocated work, one block: the state, the stage, the next state,
    // the error and its stage, a scratch vector; 1/r; the peaks (as s·v),
    // times above, delays (−1: not yet) and their levels (as s·v); a
    // second scratch vector; A's diagonal and off-diagonal (n − 1 values
    // and a 0), c and g; the probes' waveforms. And the factorisation.
    let count = 16 * n + probes.count * times.count
    let work = UnsafeMutablePointer<Double>.allocate(capacity: count)
    defer { work.deallocate() }
    work.initialize(repeating: 0, count: count)
    let v = work, vg = work + n, vn = work + 2 * n, e = work + 3 * n, eg = work + 4 * n, tmp = work + 5 * n
    let conductance = work + 6 * n
    let peak = work + 7 * n, above = work + 8 * n, delay = work + 9 * n, half = work + 10 * n
    let tmp2 = work + 11 * n, d = work + 12 * n, o = work + 13 * n, c = work + 14 * n, g = work + 15 * n
    let wave = work + 16 * n
    for k in 0..<n {
      conductance[k] = 1 / segmentResistances[k]
      delay[k] = -1
      half[k] = 0.5 * s * steady[k]
      d[k] = m.diagonal[k]
      o[k] = k < n - 1 ? m.offDiagonal[k] : 0
      c[k] = capacitances[k]
      g[k] = shunts[k]
    }
    var factor = TridiagonalFactor(count: n)
    var factored = -1.0  // the scale αh factorised
    var sourceEnergy = 0.0, lineEnergy = 0.0, shuntEnergy = 0.0, errorMax = 0.0
    let g0 = m.driverConductance
    // A line charges toward V and never reaches it: a threshold at or
    // beyond V is never reached, and a peak is at most V (its rounding had
    // put peaks at V + 2e-15, and a threshold at V counted the rounding's
    // times: a walkthrough, session 58).
    let level = s * (threshold ?? 0), top = s * volts
    let counting = threshold != nil && level < top, timing = volts != 0

    // y = A x
    func multiply(_ x: UnsafeMutablePointer<Double>, into y: UnsafeMutablePointer<Double>) {
      if n == 1 {
        y[0] = d[0] * x[0]
        return
      }
      y[0] = d[0] * x[0] + o[0] * x[1]
      for k in 1..<(n - 1) { y[k] = o[k - 1] * x[k - 1] + d[k] * x[k] + o[k] * x[k + 1] }
      y[n - 1] = o[n - 2] * x[n - 2] + d[n - 1] * x[n - 1]
    }
    // The charge (C) the nodes take from x to y over a stage of length h:
    // into the capacitances and, at the mean voltages, through the shunts.
    func charge(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ h: Double) -> Double {
      var q = 0.0, leak = 0.0
      for k in 0..<n {
        q += c[k] * (y[k] - x[k])
        leak += g[k] * (x[k] + y[k])
      }
      return q + 0.5 * h * leak
    }
    // The powers (W) the segments and driver, and the shunts, dissipate
    // with the nodes at the mean of x and y (the source's energy is from
    // its charge, `charge`).
    func powers(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ u: Double) -> (line: Double, shunt: Double) {
      var previous = 0.5 * (x[0] + y[0])
      let drop = u - previous
      var line = g0 * drop * drop, shunt = g[0] * previous * previous
      for k in 1..<n {
        let mean = 0.5 * (x[k] + y[k])
        let dv = previous - mean
        line += dv * dv * conductance[k]
        shunt += g[k] * mean * mean
        previous = mean
      }
      return (line, shunt)
    }
    for i in 1..<times.count {
      if i & 1023 == 0 { progress?(i - 1, times.count - 1) }
      // (The length, not t1 − t0: exact beside a long pulse.)
      let t0 = times[i - 1], h = lengths[i - 1]
      let u = i <= firstSegment ? volts : 0
      let ah = alpha * h
      // The capped steps share one factorisation.
      if ah != factored {
        factor.factor(diagonal: d, offDiagonal: o, scale: ah, shift: c)
        factored = ah
      }
      // The error: the old error carried by the homogeneous step
      // (below, this step's local estimate added), solved beside
      // the state: two independent recurrences in one sweep.
      // Stage 1: the trapezoidal rule to t0 + γh.
      multiply(v, into: tmp)
      multiply(e, into: tmp2)
      for k in 0..<n {
        vg[k] = c[k] * v[k] - ah * tmp[k]
        eg[k] = c[k] * e[k] - ah * tmp2[k]
      }
      vg[0] += 2 * ah * g0 * u
      factor.solve(in: vg, and: eg)
      // Stage 2: BDF2 to t1.
      for k in 0..<n {
        vn[k] = c[k] * (a1 * vg[k] - a0 * v[k])
        e[k] = c[k] * (a1 * eg[k] - a0 * e[k])
      }
      vn[0] += ah * g0 * u
      factor.solve(in: vn, and: e)
      // The energies.
      let p1 = powers(v, vg, u), p2 = powers(vg, vn, u)
      let h1 = gamma * h, h2 = (1 - gamma) * h
      // The source's from the charge it delivers, u·(Σ c·Δv + h·Σ g·v̄):
      // the capacitive part telescopes over the steps. Its current
      // g0·(u − v0) is rounding once the line has settled, and long steps
      // had summed that into the energy (3 % off after a 1 s pulse: a
      // review, session 57).
      if u != 0 { sourceEnergy += u * (charge(v, vg, h1) + charge(vg, vn, h2)) }
      lineEnergy += h1 * p1.line + h2 * p2.line
      shuntEnergy += h1 * p1.shunt + h2 * p2.shunt
      // This step's local error, filtered as Hosea and Shampine's
      // (C + αhA)⁻¹·C·le: unfiltered, le = −2κh·C⁻¹A·w is rounding times
      // h/τ_fast on a settled line (8.9e-3 V after a 1 s pulse whose
      // waveform was within 5e-13 V of V: a review, session 57).
      for k in 0..<n { eg[k] = w0 * v[k] + w1 * vg[k] + w2 * vn[k] }
      multiply(eg, into: tmp)
      let scale = -2 * kappa * h
      for k in 0..<n { tmp[k] *= scale }
      factor.solve(in: tmp)
      for k in 0..<n {
        e[k] += tmp[k]
        errorMax = max(errorMax, abs(e[k]))
      }
      // The per-node measures: linear between t0 and t1, the delay
      // quadratic through the stage.
      for k in 0..<n {
        let old = s * v[k], new = s * vn[k]
        peak[k] = max(peak[k], min(new, top))
        if counting {
          let a = old - level, b = new - level
          if a >= 0 && b >= 0 {
            above[k] += h
          } else if a >= 0 {
            above[k] += h * a / (a - b)
          } else if b >= 0 {
            above[k] += h * b / (b - a)
          }
        }
        if timing && delay[k] < 0 {
          if new >= half[k] { delay[k] = t0 + h * crossing(old, s * vg[k], new, at: half[k], stage: gamma) }
        }
        v[k] = vn[k]
      }
      for (p, node) in probes.enumerated() { wave[p * times.count + i] = v[node] }
    }
    var stored = 0.0
    for k in 0..<n { stored += 0.5 * capacitances[k] * v[k] * v[k] }
    return Transient(
      peak: (0..<n).map { s * peak[$0] }, timeAbove: threshold == nil ? nil : Array(UnsafeBufferPointer(start: above, count: n)),
      delay50: (0..<n).map { delay[$0] < 0 ? nil : delay[$0] }, sourceEnergy: sourceEnergy, lineEnergy: lineEnergy,
      shuntEnergy: shuntEnergy, storedAtEnd: stored, times: times,
      waveforms: probes.indices.map { Array(UnsafeBufferPointer(start: wave + $0 * times.count, count: times.count)) },
      integrationError: errorMax)
  }
}

extension RCLine {
  /// The nodal matrix A: its diagonal (S), its off-diagonal (S, n − 1
  /// values: A_k,k+1 = −1/r_k+1), and the source's conductance into node 0
  /// (S), 1/(R_d + r_0).
  struct Matrix {
    var diagonal: [Double]
    var offDiagonal: [Double]
    var driverConductance: Double

    init(_ line: RCLine) {
      let n = line.cells
      driverConductance = 1 / (line.driverResistance + line.segmentResistances[0])
      offDiagonal = (1..<max(n, 1)).map { -1 / line.segmentResistances[$0] }
      diagonal = line.shunts
      diagonal[0] += driverConductance
      for k in 1..<max(n, 1) {
        let gk = 1 / line.segmentResistances[k]
        diagonal[k - 1] += gk
        diagonal[k] += gk
      }
    }
  }
}

/// Where (0…1) the quadratic through (0, y0), (γ, yg), (1, y1) reaches
/// `level`, given y0 < level ≤ y1: Newton's method from the chord's root.
func crossing(_ y0: Double, _ yg: Double, _ y1: Double, at level: Double, stage gamma: Double) -> Double {
  let curvature = ((yg - y0) / gamma - (y1 - y0)) / (gamma - 1)
  let slope = (y1 - y0) - curvature
  var x = (level - y0) / (y1 - y0)
  for _ in 0..<4 {
    let derivative = slope + 2 * curvature * x
    guard derivative > 0 else { break }
    x -= (y0 + x * (slope + curvature * x) - level) / derivative
  }
  // A non-monotone quadratic (never on a settled grid) falls back to the
  // chord.
  return (0...1).contains(x) ? x : (level - y0) / (y1 - y0)
}

/// The LU factors of shift + scale·T, T symmetric tridiagonal and shift a
/// diagonal (or 0), for Thomas solves; storage allocated once.
struct TridiagonalFactor {
  // Elimination without pivoting: the matrices here are symmetric and
  // diagonally dominant (an M-matrix plus a positive diagonal), so the
  // pivots stay positive.
  var inversePivot: [Double]
  var lower: [Double]
  var upper: [Double]

  init(count: Int) {
    inversePivot = Array(repeating: 0, count: count)
    lower = Array(repeating: 0, count: count)
    upper = Array(repeating: 0, count: count)
  }

  mutating func factor(diagonal: [Double], offDiagonal: [Double], scale: Double, shift: [Double]?) {
    diagonal.withUnsafeBufferPointer { d in
      offDiagonal.withUnsafeBufferPointer { o in
        if let shift {
          shift.withUnsafeBufferPointer { factor(diagonal: d.baseAddress!, offDiagonal: o.baseAddress, scale: scale, shift: $0.baseAddress!) }
        } else {
          let zero = [Double](repeating: 0, count: diagonal.count)
          zero.withUnsafeBufferPointer { factor(diagonal: d.baseAddress!, offDiagonal: o.baseAddress, scale: scale, shift: $0.baseAddress!) }
        }
      }
    }
  }

  mutating func factor(
    diagonal d: UnsafePointer<Double>, offDiagonal o: UnsafePointer<Double>?, scale: Double, shift c: UnsafePointer<Double>
  ) {
    let n = inversePivot.count
    inversePivot.withUnsafeMutableBufferPointer { pb in
      lower.withUnsafeMutableBufferPointer { lb in
        upper.withUnsafeMutableBufferPointer { ub in
          let p = pb.baseAddress!, l = lb.baseAddress!, u = ub.baseAddress!
          // The recurrences carry their last value in a local: reading
          // it back from memory would add a store-forwarding delay to
          // every element of a latency-bound chain.
          var inverse = 1 / (c[0] + scale * d[0])
          p[0] = inverse
          for k in 1..<max(n, 1) {
            let off = scale * o![k - 1]
            let multiplier = off * inverse
            u[k - 1] = off
            l[k] = multiplier
            inverse = 1 / (c[k] + scale * d[k] - multiplier * off)
            p[k] = inverse
          }
        }
      }
    }
  }

  /// Overwrites x and y (n values each) with the solutions of
  /// (shift + scale·T) z = x and = y: one sweep, two independent chains.
  func solve(in x: UnsafeMutablePointer<Double>, and y: UnsafeMutablePointer<Double>) {
    let n = inversePivot.count
    inversePivot.withUnsafeBufferPointer { pb in
      lower.withUnsafeBufferPointer { lb in
        upper.withUnsafeBufferPointer { ub in
          let p = pb.baseAddress!, l = lb.baseAddress!, u = ub.baseAddress!
          var xk = x[0], yk = y[0]
          for k in 1..<max(n, 1) {
            xk = x[k] - l[k] * xk
            yk = y[k] - l[k] * yk
            x[k] = xk
            y[k] = yk
          }
          xk *= p[n - 1]
          yk *= p[n - 1]
          x[n - 1] = xk
          y[n - 1] = yk
          var k = n - 2
          while k >= 0 {
            xk = (x[k] - u[k] * xk) * p[k]
            yk = (y[k] - u[k] * yk) * p[k]
            x[k] = xk
            y[k] = yk
            k -= 1
          }
        }
      }
    }
  }

  /// Overwrites x (n values) with the solution of (shift + scale·T) y = x.
  func solve(in x: UnsafeMutablePointer<Double>) {
    let n = inversePivot.count
    inversePivot.withUnsafeBufferPointer { pb in
      lower.withUnsafeBufferPointer { lb in
        upper.withUnsafeBufferPointer { ub in
          let p = pb.baseAddress!, l = lb.baseAddress!, u = ub.baseAddress!
          var xk = x[0]
          for k in 1..<max(n, 1) {
            xk = x[k] - l[k] * xk
            x[k] = xk
          }
          xk *= p[n - 1]
          x[n - 1] = xk
          var k = n - 2
          while k >= 0 {
            xk = (x[k] - u[k] * xk) * p[k]
            x[k] = xk
            k -= 1
          }
        }
      }
    }
  }
}

extension RCLine {
  /// The far cell's voltage (V) under a 1 V step from rest, at each of
  /// `times` (s, from 0 up), linear between the integration's steps.
  ///
  /// - Precondition: the times are finite, ≥ 0 and non-decreasing.
  public func farStepResponse(at times: [Double]) -> [Double] {
    guard let last = times.last, last > 0 else { return times.map { _ in 0 } }
    require(times.allSatisfy { $0.isFinite && $0 >= 0 } && zip(times, times.dropFirst()).allSatisfy { $0 <= $1 },
      "times must be finite, ≥ 0 and non-decreasing")
    // A pulse a little longer than the last time: its waveform up to then
    // is the step's.
    let t = pulse(volts: 1, width: last * (1 + 1e-9), until: last * (1 + 2e-9), probes: [cells - 1])
    let grid = t.times, w = t.waveforms[0]
    var out = [Double](repeating: 0, count: times.count), j = 0
    for (i, x) in times.enumerated() {
      while j + 1 < grid.count && grid[j + 1] < x { j += 1 }
      guard j + 1 < grid.count, x > grid[j] else { out[i] = x <= 0 ? 0 : w[min(j, w.count - 1)]; continue }
      let f = (x - grid[j]) / (grid[j + 1] - grid[j])
      out[i] = w[j] + f * (w[j + 1] - w[j])
    }
    return out
  }

  /// A read's far corner under a 1 V step: the cell at the far ends of
  /// its word line and its bit line, the signal charging along the one
  /// and then carried along the other to its sense amplifier, weakly
  /// coupled (G·r ≪ 1): the convolution s = b′ * w of the two lines' far
  /// step responses (by reciprocity, the current a cell puts into a
  /// virtual-ground line reaches its end as the voltage a source there
  /// puts on the cell). A nil line is ideal (a step).
  ///
  /// - Returns: s at `count` + 1 even times from 0 to `until` (s), the
  ///   times and the values.
  /// - Precondition: `until` > 0 and finite, `count` ≥ 1.
  public static func cornerStepResponse(word: RCLine?, bit: RCLine?, until: Double, count: Int = 2000) -> (times: [Double], values: [Double]) {
    require(until > 0 && until.isFinite && count >= 1, "until must be finite and > 0, count ≥ 1")
    let times = (0...count).map { until * Double($0) / Double(count) }
    let w = word?.farStepResponse(at: times) ?? times.map { _ in 1 }
    let b = bit?.farStepResponse(at: times) ?? times.map { _ in 1 }
    guard word != nil, bit != nil else { return (times, word == nil ? b : w) }
    // s(t_k) = Σ_j (b_{j+1} − b_j)·w(t_k − t_{j+½}), w's midpoint value
    // the mean of its two neighbours (a Stieltjes sum, second order).
    var s = [Double](repeating: 0, count: count + 1)
    for k in 1...count {
      var sum = 0.0
      for j in 0..<k { sum += (b[j + 1] - b[j]) * 0.5 * (w[k - j] + w[k - j - 1]) }
      s[k] = sum
    }
    return (times, s)
  }
}
