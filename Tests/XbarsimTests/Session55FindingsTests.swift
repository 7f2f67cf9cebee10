import Circuit
import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// A device file of several cycles (a cycle column): `train` and `pulses`
// say that the device is the cycles' mean and how much a pulse's step
// varies from cycle to cycle, beside the key that trains with it.
@Test func aCycleFileIsAveragedAndItsVariationNamedWithTheRulesKey() throws {
  let root = try temporaryDirectory("xbarsim-s55-cycles")
  defer { try? FileManager.default.removeItem(at: root) }
  let file = root.appendingPathComponent("cycles.csv")
  try "cycle,branch,conductance (uS)\n1,p,1\n1,p,2\n1,p,4\n1,p,5\n2,p,1\n2,p,4\n2,p,5\n2,p,6\n2,p,6.5\n"
    .write(to: file, atomically: true, encoding: .utf8)
  var cfg = TrainingConfiguration()
  try cfg.set("device_csv", file.path)
  #expect(cfg.measuredDevice?.curve.count == 4)
  var note = try #require(TrainCommand.cyclesNote(cfg, name: "cycles.csv"))
  #expect(note.hasPrefix("note: cycles.csv: 2 cycles; the device is their point-by-point mean (cut to the shortest cycle's branches: 1 point left out). A pulse's step varies from cycle to cycle by δ/μ = 0.587 (potentiation, over the device's 3 pulses)"), "\(note)")
  #expect(note.hasSuffix("This run trains without it (sigma_c2c 0): --sigma-c2c 0.587 trains with it"), "\(note)")
  cfg.sigmaC2C = 0.3
  #expect(TrainCommand.cyclesNote(cfg, name: "cycles.csv")?.hasSuffix("This run's sigma_c2c is 0.3") == true)
  var hybrid = TrainingConfiguration()
  hybrid.rule = .hybrid
  try hybrid.set("device_csv", file.path)
  note = try #require(TrainCommand.cyclesNote(hybrid, name: "cycles.csv"))
  #expect(note.hasSuffix("This run trains without it (c2c 0): --c2c 0.587 trains with it"), "\(note)")
  // A one-cycle file says nothing.
  let plain = root.appendingPathComponent("plain.csv")
  try "p,1e-6\np,2e-6\np,3e-6\n".write(to: plain, atomically: true, encoding: .utf8)
  var one = TrainingConfiguration()
  try one.set("device_csv", plain.path)
  #expect(TrainCommand.cyclesNote(one, name: "plain.csv") == nil)
  // `pulses` draws the mean and says the same.
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", file.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(r.stdout.contains("1,p,3e-06\n2,p,4.5e-06\n3,p,5.5e-06"), "\(r.stdout)")
  #expect(r.stderr.contains("2 cycles; the curve is their point-by-point mean (cut to the shortest cycle's branches: 1 point left out). A pulse's step varies from cycle to cycle by δ/μ = 0.587 (potentiation, over 3 pulses)"), "\(r.stderr)")
}
