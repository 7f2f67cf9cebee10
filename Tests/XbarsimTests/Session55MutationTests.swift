import Circuit
import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// A mutation audit of session 55's code (a helper, 47 mutants, 18
// survivors): each test here fails on one of the survivors, named in its
// comment.

private func fail(_ t: String) -> String {
  do { _ = try MeasuredDevice.read(csv: t, source: "dev.csv"); return "" } catch { return "\(error)" }
}

// C2: the branch order was not reset at a new cycle, so the commonest layout
// (each cycle its p rows, then its d rows) would be refused.
@Test func twoCyclesEachGivingPThenDRowsAreRead() throws {
  let t = "cycle,branch,conductance\n1,p,1e-6\n1,p,2e-6\n1,d,2e-6\n1,d,1e-6\n2,p,1e-6\n2,p,3e-6\n2,d,3e-6\n2,d,1e-6\n"
  let (device, cycles) = try MeasuredDevice.read(csv: t, source: "dev.csv")
  #expect(cycles?.count == 2)
  #expect(maxRelativeDifference(device.potentiation, [1e-6, 2.5e-6]) < 1e-15)
  #expect(maxRelativeDifference(device.depression, [2.5e-6, 1e-6]) < 1e-15)
}

// C1: the cycle header is read in any case.
@Test func aCapitalisedCycleHeaderIsRead() throws {
  let (device, cycles) = try MeasuredDevice.read(csv: "Cycle,Branch,Conductance (uS)\n1,p,1\n1,p,2\n2,p,1\n2,p,3\n", source: "dev.csv")
  #expect(cycles?.count == 2)
  #expect(maxRelativeDifference(device.potentiation, [1e-6, 2.5e-6]) < 1e-15)
}

// C5, C7: a cycle's one-point depression names the cycle; a number as the
// branch under a cycle header gets no pulse-column hint.
@Test func aCyclesOnePointDepressionAndANumericBranchAreNamed() {
  let h = "cycle,branch,conductance\n"
  #expect(fail(h + "1,p,1e-6\n1,p,2e-6\n1,d,2e-6\n1,d,1e-6\n2,p,1e-6\n2,p,2e-6\n2,d,2e-6\n")
    == "dev.csv cycle '2': the depression branch has 1 point; none (unidirectional) or at least 2 are needed")
  #expect(fail(h + "1,2,3e-6\n") == "dev.csv line 2: unknown branch '2' (expected p, potentiation, d or depression; LTP, SET and LTD are read too, and `pulses`' start and r rows)")
}

private let twoWay = "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,3\n1,d,3\n1,d,2\n1,d,1\n2,p,1\n2,p,2.5\n2,p,3\n2,d,3\n2,d,1\n2,d,1\n"

// T1, T4, T5, P2: δ/μ over the pulses to the mean curve's first maximum
// (√0.08 here, 0.263 counting one more); the depression's only where a run
// depresses; off-chip learning's wording; `pulses` with depression rows.
@Test func theCycleNotesCountThePulsesTheDeviceTakesAndNameTheRunsKey() throws {
  let root = try Scratch.directory("xbarsim-s55-mut")
  defer { try? FileManager.default.removeItem(at: root) }
  // T1: the mean falls after its maximum; δ/μ over the 2 pulses to it.
  let peak = root.appendingPathComponent("peak.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,4\n1,p,3\n2,p,1\n2,p,3\n2,p,5\n2,p,4\n".write(to: peak, atomically: false, encoding: .utf8)
  var cfg = TrainingConfiguration()
  try cfg.set("device_csv", peak.path)
  #expect(cfg.measuredDevice?.curve.count == 3)
  let v = try #require(cfg.measuredDevice?.cycles?.potentiationVariability)
  #expect(abs(v - 0.08.squareRoot()) < 1e-12, "\(v)")
  // T4: depression's δ/μ only where the run uses depression (lim, method c).
  let two = root.appendingPathComponent("two.csv")
  try twoWay.write(to: two, atomically: false, encoding: .utf8)
  var b = TrainingConfiguration()
  try b.set("device_csv", two.path)
  let noteB = try #require(TrainCommand.cyclesNote(b, name: "two.csv"))
  #expect(noteB.contains("δ/μ = 0.343 (potentiation, over the device's 2 pulses)"), "\(noteB)")
  b.method = .c
  let noteC = try #require(TrainCommand.cyclesNote(b, name: "two.csv"))
  #expect(noteC.contains("δ/μ = 0.343 (potentiation, over the device's 2 pulses; depression 0.632)"), "\(noteC)")
  // T5: off-chip.
  b.method = .b
  b.mode = .offChip
  let off = try #require(TrainCommand.cyclesNote(b, name: "two.csv"))
  #expect(off.hasSuffix("Off-chip learning programs the devices once; on chip, --sigma-c2c 0.343 trains with it"), "\(off)")
  // P2: pulses gives depression's δ/μ over its whole branch.
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", two.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stderr.contains("δ/μ = 0.343 (potentiation, over the device's 2 pulses; depression 0.632)"), "\(r.stderr)")
}

// S3: below the default tolerance the share stays 1e-6.
@Test func theDirectShareHoldsBelowTheDefaultTolerance() {
  #expect(SolveCommand.directShare(tolerance: 1e-14) == 1e-6)
}

// S5, D1: the iterations of an iteration that did not converge; a residual
// that an overflow would make 0.
@Test func aFallbackReportsTheIterationsThatRanAndAScaledResidual() throws {
  let root = try Scratch.directory("xbarsim-s55-mut-s")
  defer { try? FileManager.default.removeItem(at: root) }
  let nc = try solveJSON(root, #"{"rows": 2, "cols": 3, "conductance": [[1e-145, 1e-145, 1e-145], [1e-145, 1e-145, 1e-145]], "v_in": [1, 0.5], "r_row": 1e150, "r_col": 1e-150}"#)
  let it = nc.json?["iterations"] as? Int ?? -1
  #expect(it > 0 && nc.stderr.contains("after \(it) iterations"), "\(it) \(nc.stderr)")
  let of = try solveJSON(root, #"{"rows": 2, "cols": 3, "conductance": [[1e-30, 1e-30, 1e-30], [1e-30, 1e-30, 1e-30]], "v_in": [1e165, 5e164], "r_row": 1e10, "r_col": 1e10}"#)
  let res = of.json?["residual"] as? Double ?? -1
  #expect(res > 0 && res < 1e-12, "\(res)")
}

// S6: a mesh beyond the direct solve does not fall back to it.
@Test func aMeshBeyondTheDirectSolveKeepsTheIterationsError() throws {
  let root = try Scratch.directory("xbarsim-s55-mut-s6")
  defer { try? FileManager.default.removeItem(at: root) }
  let n = 130
  let row = "[" + Array(repeating: "1e-5", count: n).joined(separator: ",") + "]"
  let p = #"{"rows": \#(n), "cols": \#(n), "conductance": [\#(Array(repeating: row, count: n).joined(separator: ","))], "v_in": [\#(Array(repeating: "1", count: n).joined(separator: ","))], "r_row": 1, "r_col": 1}"#
  let r = try solveJSON(root, p, ["--max-iterations", "1"])
  #expect(r.status == 1 && r.stderr.contains("converge"), "\(r.stderr)")
}

// D2, D3: the residual's scale takes column drives, and a subnormal drive.
@Test func theDirectResidualStaysFiniteForExtremeDrives() throws {
  let w = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
  // D3: a subnormal drive (1/largest overflows).
  let tiny = CrossbarMesh(rows: 2, columns: 2, conductance: [1e-4, 1e-4, 1e-4, 1e-4], wires: w, rowVoltages: [1e-310, 0])
  let s3 = try NodalSolver().solveDirect(tiny)
  #expect(s3.relativeResidual.isFinite, "\(s3.relativeResidual)")
  // D2: a column driven at 1e200 V, the rows at 0 V.
  let big = CrossbarMesh(rows: 2, columns: 2, conductance: [1e-4, 1e-4, 1e-4, 1e-4], wires: w,
    rowTerminations: [.source(volts: 0), .source(volts: 0)], columnTerminations: [.source(volts: 1e200), .source(volts: 0)])
  let s2 = try NodalSolver().solveDirect(big)
  #expect(s2.relativeResidual.isFinite && s2.relativeResidual < 1e-12, "\(s2.relativeResidual)")
}

// S9, S13: every repetition makes the whole choice; the iterative note
// uses the tolerance's share.
@Test func repeatedAutoSolvesReportTheirIterationsAndIterativeNotesLineFedColumns() throws {
  let root = try Scratch.directory("xbarsim-s55-mut-s9")
  defer { try? FileManager.default.removeItem(at: root) }
  let row = "[" + Array(repeating: "1e-4", count: 12).joined(separator: ",") + "]"
  let tol = try solveJSON(root, #"{"rows": 2, "cols": 12, "conductance": [\#(row), \#(row)], "v_in": [1, 0.5], "r_row": 3e4, "r_col": 1}"#, ["--tolerance", "1e-3", "--repeat", "2"])
  #expect(tol.json?["solver"] as? String == "direct-banded")
  #expect((tol.json?["iterations"] as? Int ?? 0) > 0, "\(String(describing: tol.json))")
  let lf = try solveJSON(root, #"{"rows": 2, "cols": 2, "conductance": [[1e-4, 0], [1e-4, 1e-4]], "v_in": [1, 0], "r_row": 1e5, "r_col": 1e5}"#, ["--solver", "iterative", "--tolerance", "1e-3"])
  #expect(lf.stderr.contains("note: i_out[1] ") && lf.stderr.contains("has no cell on a driven row"), "\(lf.stderr)")
}

// S11: `--solver direct` maps no iteration's workspace, so its memory
// check leaves it out (a review: refused under 300 MB for a 159 MB solve).
@Test func theDirectSolvesMemoryLeavesOutTheIterationsWorkspace() {
  let band = 1.4e8, fields = 1e6, iteration = 1.3e8
  #expect(SolveCommand.bandRequirement(iteration: 0, fields: fields, band: band) == 1.25 * (fields + band) + 64e6)
  #expect(SolveCommand.bandRequirement(iteration: iteration, fields: fields, band: band) == 1.25 * (iteration + fields + band) + 64e6)
}
