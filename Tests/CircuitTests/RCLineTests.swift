@testable import Circuit
import Foundation
import Testing
import _TestSupport

/// A driven RC line (`RCLine`) and its pulse transient: one cell's
/// exponential, the uniform ladder's modal series, the first-moment
/// (Elmore) identity, the energy balance, and the DC profile.
@Suite("RC line")
struct RCLineTests {
  /// A non-uniform line: r_k in [5, 20] Ω, c_k in [0.5, 2] fF, g_k in
  /// [0, gMax] S, seeded.
  static func randomLine(cells: Int, gMax: Double, driver: Double, seed: UInt64) -> RCLine {
    var rng = SeededGenerator(seed: seed)
    return RCLine(
      resistances: (0..<cells).map { _ in Double.random(in: 5...20, using: &rng) },
      capacitances: (0..<cells).map { _ in Double.random(in: 0.5e-15...2e-15, using: &rng) },
      shunts: (0..<cells).map { _ in gMax == 0 ? 0 : Double.random(in: 0...gMax, using: &rng) },
      driverResistance: driver)
  }

  /// One cell: R = R_d + r charges c, the shunt g leaks. During the pulse
  /// v = v∞(1 − e^(−t/τ)), τ = R·c/(1 + R·g), v∞ = V/(1 + R·g); after it
  /// v = v(w)·e^(−(t−w)/τ). The source delivers V/R · (V·w − ∫₀^w v dt),
  /// ∫₀^w v dt = v∞ (w − τ (1 − e^(−w/τ))).
  @Test(arguments: [1.2, -0.7])
  func oneCellIsAnExponential(_ volts: Double) throws {
    let (rd, r, c, g) = (200.0, 300.0, 1e-12, 1e-3)
    let line = RCLine(resistances: [r], capacitances: [c], shunts: [g], driverResistance: rd)
    let big = rd + r
    let tau = big * c / (1 + big * g), vInf = volts / (1 + big * g)
    let width = 6 * tau
    #expect(isApproximatelyEqual(line.slowestTimeConstant(), tau, relativeTolerance: 1e-12))
    #expect(isApproximatelyEqual(line.steadyState(volts: volts)[0], vInf, relativeTolerance: 1e-14))
    let threshold = 0.3 * vInf
    let result = line.pulse(volts: volts, width: width, until: width + 8 * tau, threshold: threshold, probes: [0])
    let vw = vInf * (1 - exp(-width / tau))
    func exact(_ t: Double) -> Double { t <= width ? vInf * (1 - exp(-t / tau)) : vw * exp(-(t - width) / tau) }
    var worst = 0.0
    for (i, t) in result.times.enumerated() { worst = max(worst, abs(result.waveforms[0][i] - exact(t))) }
    #expect(worst <= 1e-4 * abs(vInf), "largest waveform error \(worst) V")
    #expect(worst <= 3 * result.integrationError, "error \(worst) V against the estimate \(result.integrationError) V")
    #expect(isApproximatelyEqual(result.peak[0], vw, relativeTolerance: 1e-4))
    let delay = try #require(result.delay50[0])
    #expect(isApproximatelyEqual(delay, tau * log(2), relativeTolerance: 1e-4), "delay \(delay) s, τ ln 2 = \(tau * log(2)) s")
    // Above 0.3 v∞ from the rise's crossing to the fall's.
    let up = -tau * log(1 - 0.3), down = width + tau * log(vw / threshold)
    #expect(isApproximatelyEqual(result.timeAbove![0], down - up, relativeTolerance: 1e-4))
    let source = volts / big * (volts * width - vInf * (width - tau * (1 - exp(-width / tau))))
    #expect(isApproximatelyEqual(result.sourceEnergy, source, relativeTolerance: 1e-4))
    // At the end v is e^−8 of v(w): its error is 1e-4 of v∞, not of itself.
    let end = exact(width + 8 * tau)
    #expect(abs(result.storedAtEnd - 0.5 * c * end * end) <= c * abs(end) * 1e-4 * abs(vInf))
  }

  /// The uniform ladder (R_d = 0, g = 0) has the modes φ_k(m) = sin((m+1)θ_k),
  /// θ_k = (2k−1)π/(2n+1), k = 1…n: the interior rows give
  /// φ(m−1) − 2φ(m) + φ(m+1) = −4 sin²(θ/2) φ(m) with φ(−1) = 0 at the
  /// driver, and the open end's row needs φ(n) = φ(n−1), which that θ
  /// makes true. So λ_k = 4 sin²(θ_k/2)/(r·c). Σ_m sin²((m+1)θ_k) = (2n+1)/4
  /// and Σ_m sin((m+1)θ_k) = ½ cot(θ_k/2), so the step response is
  ///   v_m(t) = V − (2V/(2n+1)) Σ_k cot(θ_k/2) sin((m+1)θ_k) e^(−λ_k t).
  static func ladderStep(cells n: Int, r: Double, c: Double, node m: Int, t: Double) -> Double {
    var sum = 0.0
    for k in 1...n {
      let theta = Double(2 * k - 1) * Double.pi / Double(2 * n + 1)
      let lambda = 4 * sin(theta / 2) * sin(theta / 2) / (r * c)
      sum += sin(Double(m + 1) * theta) / tan(theta / 2) * exp(-lambda * t)
    }
    return 1 - 2 * sum / Double(2 * n + 1)
  }

  /// The modal formula checked on its own: at t = 0 it is 0 at every node
  /// (the coefficients), and each (λ_k, φ_k) solves A φ = λ c φ (the
  /// modes; A with rows (−φ(m−1) + 2φ(m) − φ(m+1))/r, the last row
  /// (−φ(n−2) + φ(n−1))/r).
  @Test(arguments: [1, 2, 5, 40])
  func ladderModesAreRight(_ n: Int) {
    let (r, c) = (10.0, 1e-15)
    for m in 0..<n { #expect(abs(Self.ladderStep(cells: n, r: r, c: c, node: m, t: 0)) <= 1e-12) }
    for k in 1...n {
      let theta = Double(2 * k - 1) * Double.pi / Double(2 * n + 1)
      let lambda = 4 * sin(theta / 2) * sin(theta / 2) / (r * c)
      let phi = (0..<n).map { sin(Double($0 + 1) * theta) }
      for m in 0..<n {
        let left = m == 0 ? 0 : phi[m - 1]
        let a = m == n - 1 ? (phi[m] - left) / r : (2 * phi[m] - left - phi[m + 1]) / r
        #expect(abs(a - lambda * c * phi[m]) <= 1e-12 * lambda * c, "mode \(k), node \(m)")
      }
    }
    // The slowest is λ_1.
    let lambda1 = 4 * pow(sin(Double.pi / Double(2 * (2 * n + 1))), 2) / (r * c)
    #expect(isApproximatelyEqual(RCLine(cells: n, segmentResistance: r, capacitance: c).slowestTimeConstant(), 1 / lambda1, relativeTolerance: 1e-9))
  }

  /// The integrated pulse against the modal series at every grid time of
  /// every node: the rise, and after the pulse the rise less the rise
  /// delayed by the width. No node leaves [0, V] (no ringing).
  @Test(arguments: [1, 2, 5, 40])
  func ladderAgreesWithTheModes(_ n: Int) {
    let (r, c, volts) = (10.0, 1e-15, 1.5)
    let line = RCLine(cells: n, segmentResistance: r, capacitance: c)
    let tau1 = line.slowestTimeConstant()
    let width = 3 * tau1
    let result = line.pulse(volts: volts, width: width, until: width + 6 * tau1, probes: Array(0..<n))
    var worst = 0.0
    for (i, t) in result.times.enumerated() {
      for m in 0..<n {
        var exact = Self.ladderStep(cells: n, r: r, c: c, node: m, t: t)
        if t > width { exact -= Self.ladderStep(cells: n, r: r, c: c, node: m, t: t - width) }
        let v = result.waveforms[m][i]
        worst = max(worst, abs(v - volts * exact))
        #expect(v >= -1e-12 && v <= volts * (1 + 1e-12))
      }
    }
    #expect(worst <= 1e-4 * volts, "largest error \(worst) V")
    #expect(worst <= 3 * result.integrationError && result.integrationError <= 1e-4 * volts,
      "error \(worst) V, estimate \(result.integrationError) V")
  }

  /// Elmore delays by their definition, Σ_k c_k · R(shared path).
  @Test func elmoreDelaysFollowTheirDefinition() {
    let line = Self.randomLine(cells: 17, gMax: 0, driver: 75, seed: 5)
    let delays = line.elmoreDelays()
    for m in 0..<17 {
      var sum = 0.0
      for k in 0..<17 {
        let shared = line.driverResistance + line.segmentResistances[0...min(m, k)].reduce(0, +)
        sum += line.capacitances[k] * shared
      }
      #expect(isApproximatelyEqual(delays[m], sum, relativeTolerance: 1e-13), "node \(m)")
    }
  }

  /// The first moment: with no shunts, ∫₀^∞ (V − v_m) dt = V·T_m, T_m the
  /// Elmore delay, on a random line; over a pulse of 40 slowest time
  /// constants (what is left of the rise after it is e^−40 of V).
  @Test(arguments: [UInt64(1), 2, 3])
  func firstMomentIsTheElmoreDelay(_ seed: UInt64) {
    let line = Self.randomLine(cells: 30, gMax: 0, driver: 120, seed: seed)
    let volts = 0.9, width = 40 * line.slowestTimeConstant()
    let probes = [0, 7, 15, 29]
    let result = line.pulse(volts: volts, width: width, until: width, probes: probes)
    let elmore = line.elmoreDelays()
    for (p, m) in probes.enumerated() {
      var integral = 0.0
      let w = result.waveforms[p], t = result.times
      for i in 1..<t.count { integral += (t[i] - t[i - 1]) * (2 * volts - w[i] - w[i - 1]) / 2 }
      #expect(isApproximatelyEqual(integral, volts * elmore[m], relativeTolerance: 1e-3),
        "node \(m): ∫(V − v) = \(integral), V·T = \(volts * elmore[m])")
    }
  }

  /// The energy balance on random lines, with and without shunts and pulse
  /// lengths short and long: source = line + shunts + stored.
  @Test(arguments: [(0.0, 0.3), (0.0, 50.0), (2e-3, 0.3), (2e-3, 50.0)])
  func energyIsConserved(_ gMax: Double, _ widthInTaus: Double) {
    let line = Self.randomLine(cells: 25, gMax: gMax, driver: 40, seed: 9)
    let width = widthInTaus * line.slowestTimeConstant()
    for until in [width * 0.5, width * 1.7, nil] {
      let result = line.pulse(volts: 1.1, width: width, until: until)
      let balance = result.lineEnergy + result.shuntEnergy + result.storedAtEnd
      #expect(isApproximatelyEqual(result.sourceEnergy, balance, relativeTolerance: 1e-3),
        "source \(result.sourceEnergy) J, the rest \(balance) J")
      #expect(result.lineEnergy > 0)
      #expect(gMax == 0 ? result.shuntEnergy == 0 : result.shuntEnergy > 0)
    }
  }

  /// With no shunts, a pulse long enough to charge fully and the default
  /// end (discharged): the source gives C·V², half lost charging, half
  /// discharging, all in the segments and the driver.
  @Test func chargingAndDischargingCostsCVSquared() {
    let line = Self.randomLine(cells: 40, gMax: 0, driver: 60, seed: 4)
    let volts = 1.3
    let result = line.pulse(volts: volts, width: 40 * line.slowestTimeConstant())
    let cv2 = line.totalCapacitance * volts * volts
    #expect(isApproximatelyEqual(result.sourceEnergy, cv2, relativeTolerance: 1e-3), "\(result.sourceEnergy) J against C·V² = \(cv2) J")
    #expect(isApproximatelyEqual(result.lineEnergy, cv2, relativeTolerance: 1e-3))
    #expect(result.storedAtEnd <= 1e-9 * cv2)
  }

  /// With shunts the steady state draws I_dc = (V − v_0)/(R_d + r_0): a
  /// longer pulse costs V·I_dc per extra second (the transient's share is
  /// the same for both).
  @Test func aLongerPulseCostsTheDCPower() {
    let line = Self.randomLine(cells: 30, gMax: 1e-3, driver: 80, seed: 6)
    let volts = 0.8, tau = line.slowestTimeConstant()
    let v0 = line.steadyState(volts: volts)[0]
    let current = (volts - v0) / (line.driverResistance + line.segmentResistances[0])
    let short = line.pulse(volts: volts, width: 30 * tau), long = line.pulse(volts: volts, width: 130 * tau)
    let extra = long.sourceEnergy - short.sourceEnergy
    #expect(isApproximatelyEqual(extra, 100 * tau * volts * current, relativeTolerance: 1e-3),
      "\(extra) J against \(100 * tau * volts * current) J")
  }

  /// The DC profile of a uniform line with shunts and R_d = 0: the
  /// interior rows give v(m+1) − (2 + r·g) v(m) + v(m−1) = 0, the open end
  /// v(n) = v(n−1) (a ghost node), the driver v(−1) = V, so
  ///   v_m = V cosh((n − ½ − m)·η) / cosh((n + ½)·η),  cosh η = 1 + r·g/2.
  @Test(arguments: [1, 4, 64, 1000])
  func steadyStateIsACosh(_ n: Int) {
    let (r, g, volts) = (2.5, 1e-4, 1.7)
    let v = RCLine(cells: n, segmentResistance: r, capacitance: 1e-15, shunt: g).steadyState(volts: volts)
    // η = 2 asinh(√(r·g)/2): acosh(1 + r·g/2) would lose r·g's digits.
    let eta = 2 * asinh((r * g).squareRoot() / 2)
    for m in 0..<n {
      let exact = volts * cosh((Double(n) - 0.5 - Double(m)) * eta) / cosh((Double(n) + 0.5) * eta)
      #expect(isApproximatelyEqual(v[m], exact, relativeTolerance: 1e-12), "node \(m): \(v[m]) V against \(exact) V")
    }
  }

  /// The DC solve against a dense elimination on a random line with a
  /// driver, and Kirchhoff: what the driver sends the shunts take.
  @Test func steadyStateAgreesWithADenseSolve() {
    let n = 12
    let line = Self.randomLine(cells: n, gMax: 5e-3, driver: 150, seed: 8)
    let volts = -1.1
    let v = line.steadyState(volts: volts)
    // The nodal equations, dense, by Gaussian elimination with pivoting.
    var a = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
    for k in 0..<n {
      let gk = k == 0 ? 1 / (line.driverResistance + line.segmentResistances[0]) : 1 / line.segmentResistances[k]
      a[k][k] += gk + line.shunts[k]
      if k == 0 { a[0][n] += gk * volts } else {
        a[k - 1][k - 1] += gk
        a[k][k - 1] -= gk
        a[k - 1][k] -= gk
      }
    }
    for col in 0..<n {
      let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
      a.swapAt(col, pivot)
      for row in (col + 1)..<n {
        let f = a[row][col] / a[col][col]
        for j in col...n { a[row][j] -= f * a[col][j] }
      }
    }
    var dense = [Double](repeating: 0, count: n)
    for row in stride(from: n - 1, through: 0, by: -1) {
      var s = a[row][n]
      for j in (row + 1)..<n { s -= a[row][j] * dense[j] }
      dense[row] = s / a[row][row]
    }
    #expect(maxRelativeDifference(v, dense) <= 1e-12)
    let driver = (volts - v[0]) / (line.driverResistance + line.segmentResistances[0])
    let shunted = zip(line.shunts, v).reduce(0.0) { $0 + $1.0 * $1.1 }
    #expect(isApproximatelyEqual(driver, shunted, relativeTolerance: 1e-12))
    // With no shunts nothing flows: every node at V.
    let open = Self.randomLine(cells: n, gMax: 0, driver: 150, seed: 8).steadyState(volts: volts)
    #expect(open.allSatisfy { abs($0 - volts) <= 1e-14 })
  }

  /// The grid lands on the width and the end, starts fine after each edge,
  /// and a pulse longer than the end stops at the end.
  @Test func theGridLandsOnTheEdges() {
    let line = Self.randomLine(cells: 10, gMax: 1e-3, driver: 10, seed: 2)
    let tau = line.slowestTimeConstant(), fast = line.fastestTimeConstantBound()
    let grid = line.stepGrid(width: 3 * tau, until: 9 * tau)
    #expect(grid.first == 0 && grid.last == 9 * tau && grid.contains(3 * tau))
    #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 < $1 })
    let i = grid.firstIndex(of: 3 * tau)!
    // (1e-9: t + h rounds at the scale of t.)
    #expect(grid[1] <= 0.02 * fast * (1 + 1e-9) && grid[i + 1] - grid[i] <= 0.02 * fast * (1 + 1e-9))
    let truncated = line.pulse(volts: 1, width: 3 * tau, until: tau, threshold: 0.1)
    #expect(truncated.times.last == tau)
    // Rising all along (the pulse still on at the end): each cell's time
    // above the threshold is the time from its crossing to the end, found
    // from its waveform's first point above (within one step of it).
    let probed = line.pulse(volts: 1, width: 3 * tau, until: tau, threshold: 0.1, probes: Array(0..<10))
    for k in 0..<10 {
      let w = probed.waveforms[k]
      let first = try! #require(w.firstIndex { $0 >= 0.1 })
      let (lower, upper) = (tau - probed.times[first], tau - probed.times[max(first - 1, 0)])
      #expect(probed.timeAbove![k] >= lower && probed.timeAbove![k] <= upper, "cell \(k): \(probed.timeAbove![k]) outside [\(lower), \(upper)]")
    }
    // A zero pulse does nothing.
    let zero = line.pulse(volts: 0, width: tau)
    #expect(zero.peak.allSatisfy { $0 == 0 } && zero.delay50.allSatisfy { $0 == nil } && zero.sourceEnergy == 0)
  }

  /// A pulse far longer than the line's settling (a 1 s pulse on lines of
  /// picoseconds and less): the steps after its end are far below its own
  /// last bit. The grid had looped forever there, the source's energy
  /// summed rounding (3 % off) and the error estimate grown to 8.9e-3 V (a
  /// review, session 57).
  @Test(arguments: [(64, 1e-15, 1.0), (2, 1e-18, 0.1), (1, 1e-15, 1.0), (1024, 1e-15, 0.1)])
  func aPulseFarLongerThanTheLine(cells: Int, capacitance: Double, width: Double) {
    let line = RCLine(cells: cells, segmentResistance: 1, capacitance: capacitance)
    let t = line.pulse(volts: 1, width: width, probes: [cells - 1])
    let cv2 = line.totalCapacitance
    #expect(t.times.count < 10_000)
    #expect(zip(t.times, t.times.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(t.times.last! > width)
    #expect(abs(t.sourceEnergy - cv2) <= 1e-4 * cv2, "source \(t.sourceEnergy) against C·V² \(cv2)")
    #expect(abs(t.lineEnergy + t.storedAtEnd - t.sourceEnergy) <= 1e-4 * cv2, "line \(t.lineEnergy) + stored \(t.storedAtEnd)")
    #expect(t.storedAtEnd <= 1e-12 * cv2)
    #expect(t.integrationError <= 1e-4, "\(t.integrationError)")
    #expect(abs(t.peak[cells - 1] - 1) <= 1e-9)
  }

  // From a mutation audit (session 57): the grid's cap and settle window,
  // its sliver split, the fastest bound and the delay's interpolation.

  @Test func theFastestBoundIsGershgorins() {
    // min c_k / (2·A_kk): one cell 1/(2·1); three of 2 Ω and 3 F, the
    // middle nodes' A_kk = 1 S: 3/(2·1).
    #expect(RCLine(cells: 1, segmentResistance: 1, capacitance: 1).fastestTimeConstantBound() == 0.5)
    #expect(RCLine(cells: 3, segmentResistance: 2, capacitance: 3).fastestTimeConstantBound() == 1.5)
  }

  @Test func theStepsAreCappedWhileTheLineSettles() {
    let line = RCLine(cells: 8, segmentResistance: 1e3, capacitance: 1e-15)
    let tau = line.slowestTimeConstant()
    let width = 40 * tau
    let plan = line.stepPlan(width: width, until: width + 40 * tau)
    var capped = 0
    for (i, h) in plan.lengths.enumerated() {
      let t = plan.times[i]  // the step's start
      let since = t < width ? t : t - width
      if since < 25 * tau {
        #expect(h <= 0.05 * tau * (1 + 1e-9), "step \(i) of \(h) s, \(since / tau) τ after its edge")
        capped += 1
      }
    }
    #expect(capped > 500)
    // And past the window the steps grow beyond the cap.
    #expect(plan.lengths.max()! > 0.05 * tau * 1.5)
  }

  @Test func noStepIsASliver() {
    // The last step of a segment is split in two rather than leaving a
    // step under half the one before it.
    let line = RCLine(cells: 4, segmentResistance: 10, capacitance: 1e-15)
    let tau = line.slowestTimeConstant()
    for k in 0..<40 {
      let width = tau * (0.3 + 0.173 * Double(k))
      let plan = line.stepPlan(width: width, until: 2 * width)
      let edge = plan.times.firstIndex(of: width)!
      for i in 1..<plan.lengths.count where i != edge {
        #expect(plan.lengths[i] >= 0.5 * plan.lengths[i - 1] * (1 - 1e-9), "width \(width): step \(i)")
      }
    }
  }

  @Test func theDelayIsInterpolatedByTheStagesQuadratic() {
    // y = x² through (0, 0), (γ, γ²), (1, 1) reaches 0.25 at 0.5.
    let gamma = 2 - 2.0.squareRoot()
    #expect(abs(crossing(0, gamma * gamma, 1, at: 0.25, stage: gamma) - 0.5) <= 1e-6)
    // On a coarse grid one cell's delay is still τ ln 2 to 5e-3 (the
    // chord's is 1.3e-2 off).
    let line = RCLine(cells: 1, segmentResistance: 1e3, capacitance: 1e-12)
    let tau = 1e-9
    let t = line.pulse(volts: 1, width: 5 * tau, options: .init(firstStep: 0.5, growth: 1.5, maxStep: 0.3))
    let delay = try! #require(t.delay50[0])
    #expect(abs(delay - tau * log(2)) <= 5e-3 * tau * log(2), "\(delay) against \(tau * log(2))")
  }
}
