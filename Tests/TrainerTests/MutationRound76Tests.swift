import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 76 (on session 76's stuck maps, `stuck_map`): these tests
// kill the survivors that were not equivalent.

struct MutationRound76TrainerTests {
  /// Maps are equal when they name the same devices from the same file
  /// (a run journal matches its runs' configurations by it): the same
  /// records from another file are another map.
  @Test func mapsOfTheSameRecordsFromOtherFilesDiffer() throws {
    let text = "layer,row,column,polarity,state\n0,1,2,plus,open\n"
    let a = try StuckMap.parse(text, path: "a.csv"), b = try StuckMap.parse(text, path: "b.csv")
    #expect(a.entries == b.entries && a != b)
    #expect(a == StuckMap(path: "a.csv", entries: a.entries))
  }
}
