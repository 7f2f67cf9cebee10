import Circuit
import Foundation
import Testing
import _TestSupport

// A cell's non-linear read I–V (session 87): I = G·V0·sinh(V/V0). Its
// closed forms, the reads' sums and energies against hand-written ones,
// the transposed read against the transposed matrix, and the linear limit
// (V0 → ∞). Kirchhoff's law across each line of an inspected read of sinh
// cells: InspectionTests.

@Test func theSinhLawMeetsItsClosedForms() {
  let iv = CellIV(v0: 0.1)
  #expect(iv == .sinh(v0: 0.1))
  #expect(CellIV(v0: 0) == .linear)
  // At V0: sinh(1) = 1.1752011936438014 times the linear current.
  #expect(isApproximatelyEqual(iv.current(atVolts: 0.1), 0.1 * 1.1752011936438014, relativeTolerance: 1e-15))
  // At 2·V0: sinh(2) = 3.626860407847019, 1.81 times the linear 0.2.
  #expect(isApproximatelyEqual(iv.current(atVolts: 0.2), 0.1 * 3.626860407847019, relativeTolerance: 1e-15))
  // Odd, and 0 at 0.
  #expect(iv.current(atVolts: -0.17) == -iv.current(atVolts: 0.17))
  #expect(iv.current(atVolts: 0.0) == 0)
  // Slope G at 0 V: a small drive reads as the linear one (the next term
  // is V³/(6·V0²), a relative 1.7e-9 at 1e-5 V).
  #expect(isApproximatelyEqual(iv.current(atVolts: 1e-5), 1e-5, relativeTolerance: 2e-9))
  #expect(!isApproximatelyEqual(iv.current(atVolts: 1e-5), 1e-5, relativeTolerance: 1e-9))
  // Above linear for every positive drive.
  for v in stride(from: 0.01, through: 0.5, by: 0.01) { #expect(iv.current(atVolts: v) > v) }
  // Linear cells: the drive itself.
  #expect(CellIV.linear.current(atVolts: 0.3) == 0.3)
  #expect(CellIV.linear.current(atVolts: Float(0.3)) == Float(0.3))
  // Single precision: the double-precision value rounded once.
  #expect(iv.current(atVolts: Float(0.15)) == Float(0.1 * Foundation.sinh(Double(Float(0.15)) / 0.1)))
}

@Test func normalisedCurrentsAreTheCurrentsOverTheReadVoltage() {
  var a: [Float] = [0, 0.25, 1, -0.5]
  a.withUnsafeMutableBufferPointer { CellIV(v0: 0.1).normalisedCurrents($0, readVoltage: 0.2) }
  #expect(a[0] == 0)
  for (k, x) in [(1, 0.25), (2, 1.0), (3, -0.5)] {
    let want = 0.1 * Foundation.sinh(x * 0.2 / 0.1) / 0.2
    #expect(isApproximatelyEqual(Double(a[k]), want, relativeTolerance: 1e-6), "\(k)")
  }
  var b: [Float] = [0.25, 1]
  b.withUnsafeMutableBufferPointer { CellIV.linear.normalisedCurrents($0, readVoltage: 0.2) }
  #expect(b == [0.25, 1])
}

/// The exact read with sinh cells: each polarity's sum Σ G·f(V), its
/// energy t·Σ V·f(V)·(G+ + G−).
@Test(arguments: [ReadDirection.forward, .transposed])
func anExactReadOfSinhCellsSumsTheirCurrents(direction: ReadDirection) throws {
  let (m, n) = (7, 5)
  let a = randomArray(m, n, seed: 11)
  a.cellIV = CellIV(v0: 0.08)
  var rng = SeededGenerator(seed: 12)
  let count = direction == .forward ? m : n
  let v = (0..<count).map { _ in 0.2 * (rng.nextUniform() - 0.3) }
  let f = v.map { 0.08 * Foundation.sinh($0 / 0.08) }
  let r = try a.read(direction, voltages: v)
  let gp = a.conductances(.plus), gm = a.conductances(.minus)
  var energy = 0.0
  for o in 0..<(direction == .forward ? n : m) {
    var ip = 0.0, im = 0.0
    for k in 0..<count {
      let c = direction == .forward ? k * n + o : o * n + k
      ip += gp[c] * f[k]
      im += gm[c] * f[k]
      energy += v[k] * f[k] * (gp[c] + gm[c])
    }
    #expect(isApproximatelyEqual(r.plus[o], ip, relativeTolerance: 1e-13))
    #expect(isApproximatelyEqual(r.minus[o], im, relativeTolerance: 1e-13))
  }
  #expect(isApproximatelyEqual(r.energy, energy * a.readTime, relativeTolerance: 1e-13))
  // Not the linear read: the same array with linear cells reads less.
  a.cellIV = .linear
  let linear = try a.read(direction, voltages: v)
  #expect(zip(r.plus, linear.plus).contains { abs($0 - $1) > 1e-3 * abs($1) })
}

/// The training hot path agrees with the exact read, forward and
/// transposed (the transposed matrix), and books the same energy.
@Test(arguments: [ReadDirection.forward, .transposed])
func theIdealReadOfSinhCellsAgreesWithTheExactOne(direction: ReadDirection) throws {
  let (m, n) = (70, 13)
  let a = randomArray(m, n, seed: 21)
  let b = a.copy()
  a.cellIV = CellIV(v0: 0.05)
  let c = a.copy()
  #expect(c.cellIV == .sinh(v0: 0.05) && b.cellIV == .linear)
  var rng = SeededGenerator(seed: 22)
  let count = direction == .forward ? m : n
  // Sparse drives, as MNIST's: about a third of the lines at 0 V.
  let v: [Float] = (0..<count).map { _ in rng.nextUniform() < 0.3 ? 0 : Float(0.2 * (rng.nextUniform() - 0.2)) }
  let exact = try c.read(direction, voltages: v.map(Double.init))
  let out = a.readIdeal(direction, input: v)
  let scale = exact.difference.map(abs).max()!
  for o in out.indices {
    #expect(abs(Double(out[o]) - exact.difference[o]) <= 1e-5 * scale, "\(o)")
  }
  #expect(isApproximatelyEqual(a.readEnergy, exact.energy, relativeTolerance: 1e-6))
  // Σ V² of the drive for the lines' charge: the drives, not the currents.
  let squares = v.reduce(0.0) { $0 + Double($1) * Double($1) }
  let booked = direction == .forward ? a.forwardDriveSquares : a.transposedDriveSquares
  #expect(isApproximatelyEqual(booked, squares, relativeTolerance: 1e-12))
  // The linear copy reads less (every drive here is within 0.16 V of 0:
  // sinh raises each cell's current, here by up to sinh(3.2)/3.2 = 3.8×).
  let linear = b.readIdeal(direction, input: v)
  #expect(zip(out, linear).contains { abs($0 - $1) > 1e-3 * Float(scale) })
}

/// V0 → ∞ reaches the linear read: at V0 = 1e4 V and drives of 0.2 V, the
/// next term is a relative (V/V0)²/6 = 7e-11, below single precision.
@Test func aLargeV0ReadsAsLinearCells() {
  let a = randomArray(40, 30, seed: 31), b = a.copy()
  a.cellIV = CellIV(v0: 1e4)
  var rng = SeededGenerator(seed: 32)
  let v: [Float] = (0..<40).map { _ in Float(0.2 * rng.nextUniform()) }
  #expect(a.readIdeal(.forward, input: v) == b.readIdeal(.forward, input: v))
  #expect(isApproximatelyEqual(a.readEnergy, b.readEnergy, relativeTolerance: 1e-9))
}

/// Resistive lines (since session 88): the exact read solves the sinh
/// cells by Newton's method, and books the energy of what the drivers
/// deliver (NonlinearMeshTests checks the solve itself).
@Test func resistiveLinesReadSinhCellsByNewtonsMethod() throws {
  let a = randomArray(4, 3, seed: 41, wires: WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1))
  a.cellIV = CellIV(v0: 0.1)
  let r = try a.read(.forward, voltages: [0.1, 0.2, 0, 0.1])
  #expect(a.readCount == 1 && a.readEnergy == r.energy && r.energy > 0)
  #expect((r.plusSolution?.newtonSteps ?? 0) >= 1 && (r.minusSolution?.newtonSteps ?? 0) >= 1)
}
