import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Session 65's findings at the command line.

// `pulses --nmax 300` drew a curve `train` refuses (n_max 1…255, states
// in a byte) without a word; it now says so, and only beyond 255.
@Test func pulsesNotesAnNMaxTrainRefuses() throws {
  for (nMax, noted) in [(256, true), (255, false)] {
    let r = try runXbarsim(["pulses", "--nmax", "\(nMax)", "--pulses", "4"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("note: --nmax \(nMax): the device model's curve; train takes n_max 1…255") == noted, "\(nMax): \(r.stderr)")
  }
}
