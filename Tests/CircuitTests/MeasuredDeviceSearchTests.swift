import Foundation
import Testing
import _TestSupport

@testable import Circuit

// A measured device's pulse inverts g to a fractional pulse index: the
// last table index i with t[i] <= g. The guided walk (`_Guide`) must find
// the index a plain binary search finds, on any non-decreasing table.

/// The pulse by a binary search for i, then the same interpolation.
private func advanceBySearch(_ g: Double, along t: [Double]) -> Double {
  let last = t.count - 1
  if g < t[0] { return g + (zip(t, t.dropFirst()).first(where: { $1 > $0 }).map { $1 - $0 } ?? 0) }
  var lo = 0, hi = last
  while lo < hi {
    let mid = (lo + hi + 1) >> 1
    if t[mid] <= g { lo = mid } else { hi = mid - 1 }
  }
  let i = lo
  if i >= last { return g }
  let u = Double(i) + (g - t[i]) / (t[i + 1] - t[i])
  let v = u + 1
  if !(v < Double(last)) { return t[last] }
  let j = Int(v)
  return t[j] + (v - Double(j)) * (t[j + 1] - t[j])
}

@Test func theGuidedSearchFindsWhatABinarySearchFinds() {
  var rng = SeededGenerator(seed: 11)
  func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
  var checked = 0
  for shape in 0..<400 {
    // Tables of 2 to 300 points: smooth, with plateaus (repeated values),
    // with a crowd of points in one tiny interval, and flat but for one step.
    let n = 2 + Int(rng.next() % 299)
    var t: [Double] = []
    var g = uniform() * 1e-6
    for k in 0..<n {
      switch shape % 4 {
      case 0: g += uniform() * 1e-7
      case 1: g += rng.next() % 3 == 0 ? 0 : uniform() * 1e-7
      case 2: g += k > n / 3 && k < 2 * n / 3 ? uniform() * 1e-15 : uniform() * 1e-7
      default: g += k == n / 2 ? 1e-7 : 0
      }
      t.append(g)
    }
    guard t[n - 1] > t[0] else { continue }
    let guide = _Guide(t)
    // Every point, its neighbours by an ulp, points between, and outside.
    var probes = [t[0] - 1e-7, t[n - 1] + 1e-7, .infinity, -.infinity, .nan, 0]
    for x in t { probes += [x, x.nextUp, x.nextDown] }
    for _ in 0..<200 { probes.append(t[0] + (t[n - 1] - t[0]) * (uniform() * 1.2 - 0.1)) }
    for x in probes {
      let a = MeasuredDevice._advance(x, along: t, guide: guide), b = advanceBySearch(x, along: t)
      #expect(a == b || (a.isNaN && b.isNaN), "table shape \(shape % 4) of \(n) points, g = \(x): \(a) against \(b)")
      checked += 1
    }
  }
  #expect(checked > 100_000)
}

@Test func aPulseBelowABranchThatStartsFlatStillMovesTheDevice() throws {
  // Noisy depression data whose first pulse did nothing (8, 8, 5, 0 µS):
  // from 9 µS, above the branch's start, a pulse takes its first step that
  // moves (3 µS), not the 0 of the plateau.
  let d = try MeasuredDevice(potentiation: [0, 3e-6, 6e-6, 9e-6, 10e-6], depression: [8e-6, 8e-6, 5e-6, 0])
  #expect(isClose(d.depressed(9e-6), 6e-6))
  // The same below a potentiation branch that starts flat.
  let p = try MeasuredDevice(potentiation: [2e-6, 2e-6, 4e-6, 5e-6], depression: [5e-6, 0])
  #expect(isClose(p.potentiated(1e-6), 3e-6))
}

private func isClose(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(abs(a), abs(b)) }

// Depression data that end below the first potentiation point: the model
// keeps the extremes of both branches, or, as training keeps its devices
// (`withinPotentiation`, what `xbarsim pulses` draws), the potentiation
// branch's range, so depression stops at its first point.
@Test func aDeviceWithinItsPotentiationRangeStopsAtTheFirstPoint() throws {
  let p = [1.0, 4.0, 7.0, 10.0], d = [10.0, 5.0, 2.0, 0.8]
  let wide = try MeasuredDevice(potentiation: p, depression: d)
  #expect(wide.minimumConductance == 0.8 && wide.maximumConductance == 10)
  #expect(wide.depressed(2) == 0.8)
  let kept = try MeasuredDevice(potentiation: p, depression: d, withinPotentiation: true)
  #expect(kept.minimumConductance == 1 && kept.maximumConductance == 10)
  #expect(kept.depressed(2) == 1 && kept.depressed(1) == 1)
  #expect(kept.depressed(10) == 5 && kept.potentiated(7) == 10 && kept.potentiated(10) == 10)
  // A noisy top: the potentiation branch's maximum, not its last point.
  let top = try MeasuredDevice(potentiation: [1, 6, 5], depression: [7, 2], withinPotentiation: true)
  #expect(top.maximumConductance == 6)
}

// A unit's power of ten moves into the text's exponent: the decimal number
// in siemens rounded once (session 42: 3.1015 uS had read as
// 3.1015000000000003e-06 S, printed so by `pulses`).
@Test func aUnitsPowerOfTenIsReadAsOneRounding() throws {
  #expect(MeasuredDevice.shifted("3.1015", by: 1e-6) == 3.1015e-6)
  #expect(MeasuredDevice.shifted("6.2e1", by: 1e-6) == 6.2e-5)
  #expect(MeasuredDevice.shifted("7E+1", by: 1e-3) == 7e-2)
  #expect(MeasuredDevice.shifted("1", by: 1e-9) == 1e-9)
  #expect(MeasuredDevice.shifted("-0.5", by: 1e-12) == -0.5e-12)
  #expect(MeasuredDevice.shifted("1e-9223372036854775808", by: 1e-6) == nil)
  #expect(MeasuredDevice.shifted("0x1p-3", by: 1e-6) == nil)
  let url = Scratch.file("shift.csv")
  defer { try? FileManager.default.removeItem(at: url) }
  try "branch,conductance (uS)\np,2\np,3.1015\np,4.7\n".write(to: url, atomically: false, encoding: .utf8)
  let d = try MeasuredDevice.load(csv: url)
  #expect(d.potentiation == [2e-6, 3.1015e-6, 4.7e-6], "\(d.potentiation)")
}
