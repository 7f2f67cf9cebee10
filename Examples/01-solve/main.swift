// Example 01: one read of a small crossbar, with ideal wires and with
// resistive lines (IR drop), through the Circuit library.
//
//   swift run solve-example
//
// Shows: building a differential array, the exact Kirchhoff read, a nodal
// solve with 1 Ω line segments, and per-line currents and node voltages.
import Circuit

// A 4×3 differential array: G+ and G− devices (siemens).
let array = DifferentialArray(rows: 4, columns: 3)
array.setConductances(
  plus: [10, 20, 30, 40, 50, 60, 70, 80, 90, 15, 25, 35].map { $0 * 1e-6 },
  minus: [5, 5, 5, 10, 10, 10, 20, 20, 20, 1, 1, 1].map { $0 * 1e-6 })
let v = [0.2, 0.1, 0.2, 0.05]  // read voltages on D±_i (V)

// Ideal wires: I_j = Σ_i (G+_ij − G−_ij)·V_i exactly.
let ideal = try array.read(.forward, voltages: v)
print("ideal wires:     I(S+) − I(S−) =", ideal.difference.map { "\($0 * 1e6) µA" })

// Resistive lines: 1 Ω per word-line and bit-line segment.
array.wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
let solver = NodalSolver()
let resistive = try array.read(.forward, voltages: v, solver: solver)
print("1 Ω segments:    I(S+) − I(S−) =", resistive.difference.map { "\($0 * 1e6) µA" })
let sol = resistive.plusSolution!
print("G+ mesh: \(sol.iterations) PCG iterations, residual \(sol.relativeResidual)")
print("G+ word-line node voltages of row 0:", (0..<3).map { sol.wordNodeVoltage[$0] })
print("G+ bit-line currents into the sense amplifiers:", sol.outputCurrents)
print("read energy of the two reads: \(array.readEnergy) J over \(array.readCount) reads")

// The transposed read (back-propagation): voltages on S±_j, currents out of D±_i.
let back = try array.read(.transposed, voltages: [0.1, -0.1, 0.05], solver: solver)
print("transposed read: I(D+) − I(D−) =", back.difference.map { "\($0 * 1e6) µA" })
