import Circuit
import Foundation
import Testing
import _TestSupport

/// `RCLine.pulse` against ngspice on the same line: segments, driver and
/// shunts as resistors, capacitors to ground, and a PWL source with 1 fs
/// edges (centred on the ideal ones) delayed by `delay` so that the times before the pulse are a real
/// interval; gear (BDF2) integration with a small largest step.
@Suite("RC line against ngspice")
struct RCLineSpiceTests {
  static let delay = 10e-12

  /// The netlist, printing v(n<node>) at each time (ngspice's clock, the
  /// pulse starting at `delay`) as `.meas` results m_<node>_<time index>.
  static func netlist(_ line: RCLine, volts: Double, width: Double, nodes: [Int], times: [Double], stop: Double) -> String {
    let d = delay, edge = 1e-15
    var text = "* RCLine pulse: \(line.cells) cells\n"
    // Each edge centred on the ideal one: a ramp's response is the step's
    // averaged over the ramp, so the centred ramp's is off by O(edge²) only
    // (a 1 fs ramp starting at the edge would lag by 0.5 fs, 1e-3 V here).
    let (a, b) = (d - edge / 2, d + edge / 2)
    text += "V1 src 0 PWL(0 0 \(a) 0 \(b) \(volts) \(a + width) \(volts) \(b + width) 0)\n"
    text += "RD src drv \(line.driverResistance)\n"
    for k in 0..<line.cells {
      text += "R\(k) \(k == 0 ? "drv" : "n\(k - 1)") n\(k) \(line.segmentResistances[k])\n"
      text += "C\(k) n\(k) 0 \(line.capacitances[k])\n"
      if line.shunts[k] > 0 { text += "RG\(k) n\(k) 0 \(1 / line.shunts[k])\n" }
    }
    text += ".options method=gear maxord=2 reltol=1e-7 abstol=1e-15 vntol=1e-10 chgtol=1e-22\n"
    text += ".tran \(stop / 2000) \(stop) 0 \(stop / 4000)\n"
    for node in nodes {
      for (i, t) in times.enumerated() { text += ".meas tran m_\(node)_\(i) find v(n\(node)) at=\(t)\n" }
    }
    return text + ".end\n"
  }

  /// v at `t` from the grid: the quadratic through three grid points on
  /// the same side of the pulse's end (linear would cost h²/8 · v'').
  static func voltage(_ result: RCLine.Transient, probe: Int, at t: Double, width: Double) -> Double {
    voltage(times: result.times, values: result.waveforms[probe], at: t, width: width)
  }

  /// The same from a waveform's times and values (a `line --csv` file's).
  static func voltage(times: [Double], values v: [Double], at t: Double, width: Double) -> Double {
    guard t > 0 else { return 0 }
    let upper = times.firstIndex { $0 >= t }!
    var first = upper - 1
    if t <= width {
      first = max(upper - 2, 0)
    } else if upper + 1 >= times.count {
      first = upper - 2
    }
    let x = (first..<(first + 3)).map { times[$0] }, y = (first..<(first + 3)).map { v[$0] }
    var sum = 0.0
    for a in 0..<3 {
      var weight = 1.0
      for b in 0..<3 where b != a { weight *= (t - x[b]) / (x[a] - x[b]) }
      sum += weight * y[a]
    }
    return sum
  }

  @Test(
    "RCLine.pulse agrees with ngspice within 1e-3 of V",
    .enabled(if: ngspicePath != nil || ngspiceRequired, "ngspice is not installed: skipped (apt-get install -y ngspice)"),
    arguments: [8, 64])
  func agreesWithNgspice(_ cells: Int) throws {
    let ngspice = try requireNgspice()
    var rng = SeededGenerator(seed: UInt64(cells))
    // A word line: ~10 Ω and ~1 fF a cell, 10–100 kΩ cells leaking to
    // virtual ground, a 100 Ω driver.
    let line = RCLine(
      resistances: (0..<cells).map { _ in Double.random(in: 5...15, using: &rng) },
      capacitances: (0..<cells).map { _ in Double.random(in: 0.5e-15...1.5e-15, using: &rng) },
      shunts: (0..<cells).map { _ in Double.random(in: 1e-5...1e-4, using: &rng) },
      driverResistance: 100)
    let volts = 0.9, tau = line.slowestTimeConstant(), width = 2 * tau
    let stop = width + 3 * tau
    let result = line.pulse(volts: volts, width: width, until: stop, probes: [0, cells / 2, cells - 1])
    // Before (ngspice's clock: the pulse starts at `delay`), during and
    // after the pulse.
    let ours = [-0.5 * Self.delay, 0.02 * tau, 0.3 * tau, 1.0 * tau, 1.9 * tau, width + 0.05 * tau, width + 0.5 * tau, width + 2 * tau]
    let spiceTimes = ours.map { $0 + Self.delay }
    let nodes = [0, cells / 2, cells - 1]
    let dir = try Scratch.directory("rcline-spice")
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("line.cir")
    try Self.netlist(line, volts: volts, width: width, nodes: nodes, times: spiceTimes, stop: stop + Self.delay)
      .write(to: file, atomically: false, encoding: .utf8)
    let spice = try runProcess(ngspice, ["-b", file.path])
    var measured: [String: Double] = [:]
    for row in spice.stdout.split(separator: "\n") {
      let parts = row.split(separator: "=", maxSplits: 1)
      guard parts.count == 2, let value = parts[1].split(separator: " ").first.flatMap({ Double($0) }) else { continue }
      measured[parts[0].trimmingCharacters(in: .whitespaces)] = value
    }
    var worst = 0.0
    for (p, node) in nodes.enumerated() {
      for (i, t) in ours.enumerated() {
        let reference = try #require(measured["m_\(node)_\(i)"], "ngspice printed: \(spice.stdout.suffix(800))")
        let v = Self.voltage(result, probe: p, at: t, width: width)
        worst = max(worst, abs(v - reference))
        #expect(abs(v - reference) <= 1e-3 * volts, "node \(node) at \(t) s: \(v) V, ngspice \(reference) V")
      }
    }
    // The comparison can fail: the line moved by far more than the tolerance.
    #expect(result.peak[cells - 1] > 0.1 * volts)
    print("RCLine/ngspice, \(cells) cells: largest difference \(worst) V")
  }
}
