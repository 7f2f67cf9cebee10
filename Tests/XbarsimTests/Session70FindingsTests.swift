import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Findings of session 70 (an exit-code audit, an energy audit, a new
// contributor's walk) and items left open in session 69's note.

/// A JSON parse error inside a key's value names that key (the innermost):
/// `{"sigma": 1e-400}` had said only "line 1, column 11".
@Test func jsonErrorsNameTheKeyWhoseValueHoldsThem() throws {
  #expect {
    try JSONValue.parse(Data(#"{"epochs": 1, "sigma": 1e-400}"#.utf8))
  } throws: { "\($0)" == #"line 1, column 24 (in "sigma"): number '1e-400' is below the smallest double (it would read as 0)"# }
  #expect {
    try JSONValue.parse(Data("{\"a\": {\"b\": [1,\n NaN]}}".utf8))
  } throws: { "\($0)" == #"line 2, column 2 (in "b"): invalid value 'NaN' (JSON has no NaN or infinity)"# }
  // Not in a value: no key named.
  #expect {
    try JSONValue.parse(Data(#"{"epochs": 1,}"#.utf8))
  } throws: { "\($0)" == "line 1, column 14: expected a string key" }
  let dir = try Scratch.directory("xbarsim-json-key")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("c.json")
  try #"{"sigma": 1e-400}"#.write(to: file, atomically: false, encoding: .utf8)
  let r = try runXbarsim(["train", "--config", file.path])
  expectConfigFileError(r, "\(file.path): malformed JSON at line 1, column 11 (in \"sigma\"): number '1e-400' is below the smallest double (it would read as 0)")
}
