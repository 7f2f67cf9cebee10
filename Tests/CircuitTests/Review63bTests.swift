import Circuit
import Foundation
import Testing

// Review 63b of the session-63 device CSV reader.

private func review63bRead(_ text: String) throws -> MeasuredDevice {
  try MeasuredDevice.read(csv: text, source: "m.csv").device
}

@Test("review 63b: a semicolon inside a tab-separated header's field is not a semicolon-separated file")
func review63bSemicolonInTabbedHeader() throws {
  let commas = try review63bRead("branch,conductance (uS)\np,5\np,8\np,10\n")
  // Fields separated by tabs; the header's unit says how it was read.
  let tabbed = try review63bRead("branch; p or d\tconductance (uS)\np\t5\np\t8\np\t10\n")
  #expect(tabbed.potentiation == commas.potentiation)
}

@Test("review 63b: a semicolon inside a comma-separated header's first field is not a semicolon-separated file")
func review63bSemicolonInFirstQuotedField() throws {
  let commas = try review63bRead("branch,conductance (uS)\np,5\np,8\np,10\n")
  let quoted = try review63bRead("\"branch (p; d)\",conductance (uS)\np,5\np,8\np,10\n")
  #expect(quoted.potentiation == commas.potentiation)
}
