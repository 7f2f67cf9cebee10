import Circuit
import Foundation
import Testing

@testable import Peripherals

// Mutation round 9 (the hybrid path's pulse trains and write drive): the
// survivors' tests.

@Suite("Mutation round 9: pulse trains and the write drive")
struct MutationRound9PeripheralsTests {
  // A write threshold equal to the write voltage still programs a
  // coincidence (the cell sees V_w ≥ V_th): the documented range is
  // (0, write_voltage], closed at the top (mutant: threshold < voltage).
  // A disturb step of a whole step is in [0, 1] too (mutant:
  // disturbStep < 1).
  @Test func theWriteDrivesRangesAreClosedAtTheirDocumentedEnds() throws {
    try WriteDrive(voltage: 1.2, threshold: 1.2).validate()
    try WriteDrive(voltage: 1, threshold: 0.5, disturbStep: 1).validate()
    try WriteDrive(voltage: 1, threshold: 0.5, disturbStep: 0).validate()
  }

  // Half-selected cells change only with V_w/2 ≥ V_th and a non-zero
  // disturb step: a disturb step of 0 moves nothing, so the slow disturb
  // pass (and its count of disturbing slots) must not run (mutant: the
  // `disturbStep > 0` term dropped).
  @Test func aZeroDisturbStepDisturbsNothingEvenAboveTheThreshold() {
    #expect(WriteDrive(voltage: 1, threshold: 0.5, disturbStep: 0.1).disturbsHalfSelected)
    #expect(!WriteDrive(voltage: 1, threshold: 0.5, disturbStep: 0).disturbsHalfSelected)
    #expect(!WriteDrive(voltage: 1, threshold: 0.3, disturbStep: 0).disturbsHalfSelected)
  }
}
