import Circuit
import Foundation
import Testing

// Session 63, a walkthrough of the device CSV reader: tab-separated files
// were refused as a wrong header, semicolon-separated ones without naming
// the delimiter; a 'pulse,G (uS)' file with numbered rows was refused; and
// `pulses`' own output, fed back, made its trailing reset row a cycle of
// one point, left out as "an aborted measurement".

private func read(_ text: String) throws -> (device: MeasuredDevice, cycles: MeasuredCycles?) {
  try MeasuredDevice.read(csv: text, source: "m.csv")
}

private func failure(_ text: String) -> String {
  do {
    _ = try read(text)
    return ""
  } catch { return "\(error)" }
}

@Test func aTabSeparatesFieldsAsACommaDoes() throws {
  let tabbed = try read("branch\tconductance (uS)\np\t5\np\t8\np\t10\nd\t10\nd\t6\n").device
  let commas = try read("branch,conductance (uS)\np,5\np,8\np,10\nd,10\nd,6\n").device
  #expect(tabbed.potentiation == commas.potentiation && tabbed.depression == commas.depression)
  #expect(tabbed.potentiation == [5e-6, 8e-6, 1e-5])
  // Empty trailing columns, quotes, a cycle column.
  #expect(try read("\"branch\"\t\"G (uS)\"\t\t\np\t1\t\np\t2\n").device.potentiation == [1e-6, 2e-6])
  let cycles = try #require(try read("cycle\tbranch\tconductance (uS)\n1\tp\t1\n1\tp\t2\n2\tp\t1\n2\tp\t3\n").cycles)
  #expect(cycles.count == 2)
  // A line with a comma is split at commas only.
  #expect(failure("p\t1e-6,2e-6\n").hasPrefix("m.csv line 1: unknown branch 'p\t1e-6'"))
}

@Test func semicolonSeparatedFieldsAreRefusedNamingTheDelimiter() throws {
  #expect(
    failure("branch;conductance (uS)\np;5,0\np;8,0\n")
      == "m.csv line 1: fields separated by ';': give commas (or tabs), e.g. 'p,5.0' under a header 'branch,conductance (uS)'")
  #expect(
    failure("p;5,0\np;8,0\n")
      == "m.csv line 1: fields separated by ';': give commas (or tabs) and decimal points (5,0 as 5.0), e.g. 'p,5.0' under a header 'branch,conductance (uS)'")
  #expect(failure("p;5e-6\np;8e-6\n").hasPrefix("m.csv line 1: fields separated by ';'"))
  // A semicolon after the first comma is no delimiter.
  #expect(try read("branch,conductance; uS\np,1\np,2\n").device.potentiation == [1e-6, 2e-6])
}

@Test func aNumberedPulseColumnReadsAsOnePotentiationBranch() throws {
  let (device, cycles) = try read("pulse,G (uS)\n0,5.0\n1,8.578\n2,10.2\n3,11\n")
  #expect(cycles == nil)
  #expect(device.potentiation == [5e-6, 8.578e-6, 10.2e-6, 11e-6] && device.depression.isEmpty)
  // From 1, other names of the column, tabs, integral decimals.
  #expect(try read("n\tG (uS)\n1\t5\n2\t6\n").device.potentiation == [5e-6, 6e-6])
  #expect(try read("index,conductance\n0.0,1e-6\n1.0,2e-6\n").device.potentiation == [1e-6, 2e-6])
  // Numbering not 0, 1, 2, … (or 1, 2, 3, …): refused, with the rewrite.
  let gap = failure("pulse,G (uS)\n0,5\n2,8\n")
  #expect(
    gap == "m.csv line 3: pulse '2' where pulse 1 was expected: under a header 'pulse,G (uS)' the rows are one potentiation branch, its pulses numbered 0, 1, 2, … (or 1, 2, 3, …) in order; "
      + "otherwise give rows 'p,<conductance>' (and 'd,<conductance>' for depression) in pulse order under a header 'branch,G (uS)'", "\(gap)")
  #expect(failure("pulse,G (uS)\n3,5\n4,8\n").hasPrefix("m.csv line 2: pulse '3' where pulse 0 or 1 was expected"))
  #expect(failure("pulse,G (uS)\n0,5\n0.5,8\n").hasPrefix("m.csv line 3: pulse '0.5' where pulse 1 was expected"))
  #expect(failure("pulse,G (uS)\n0,5\n1,p,8\n").hasPrefix("m.csv line 3: expected 'pulse,conductance' (as the header names them), got '1,p,8'"))
  // Under the same header, branch rows read as before.
  #expect(try read("pulse,conductance\np,1e-6\np,2e-6\n").device.potentiation == [1e-6, 2e-6])
  // Files concatenated: the numbering starts again with each header.
  let two = try #require(try read("pulse,G (uS)\n0,1\n1,2\n2,3\npulse,G (uS)\n0,1\n1,3\n2,4\n").cycles)
  #expect(two.count == 2)
  // Without the header, the error shows the header that reads it.
  #expect(
    failure("0,1e-6\n1,2e-6\n").hasSuffix(
      "a pulse-number column is read when a header names it, 'pulse,conductance', its rows numbered 0, 1, 2, … in order (one potentiation branch); or give rows 'p,<conductance>' in pulse order)"))
  #expect(failure("time,G (uS)\n0,1\n1,2\n").contains("'pulse,G (uS)'"))
}

@Test func aTrailingResetRowEndsTheCycleAndStartsNone() throws {
  // `pulses`' output for a unidirectional device: start, p rows, r.
  let one = "pulse,polarity,conductance\n0,start,5e-06\n1,p,6e-06\n2,p,7e-06\n3,r,5e-06\n"
  let (device, cycles) = try read(one)
  #expect(cycles == nil)
  #expect(device.potentiation == [5e-6, 6e-6, 7e-6])
  #expect(try read("p,1e-6\np,2e-6\nr,1e-6\n").cycles == nil)
  // Two cycles and a trailing reset: two cycles, none left out.
  let two = try #require(try read("p,1e-6\np,2e-6\np,3e-6\nr,1e-6\np,2e-6\np,4e-6\nr,1e-6\n").cycles)
  #expect(two.count == 2 && two.leftOut == nil && two.leftOutCount == 0)
  #expect(two.potentiation == [[1e-6, 2e-6, 3e-6], [1e-6, 2e-6, 4e-6]])
}
