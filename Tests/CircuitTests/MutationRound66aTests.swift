import Foundation
import Testing

@testable import Circuit

// Mutation round 66a (the device CSV reader): the survivors' tests.

/// The reader's error for `text`, or a note that it read a device.
private func csvError(_ text: String) -> ConfigurationError? {
  do {
    _ = try MeasuredDevice.read(csv: text, source: "d.csv")
    return nil
  } catch let error as ConfigurationError {
    return error
  } catch {
    Issue.record("unexpected \(error)")
    return nil
  }
}

/// A cycle of `n` potentiation points rising from 1 µS, as CSV rows.
private func cycleRows(_ label: String, _ n: Int) -> String {
  (0..<n).map { "\(label),p,\(1 + $0)e-6\n" }.joined()
}

@Suite("Mutation round 66a: device CSV")
struct MutationRound66aCircuitTests {
  /// A header's first column names the cycle when it starts with
  /// "cycle" (`cycle no`, `cycles`), not only when it is exactly that.
  @Test func aCycleColumnIsNamedByItsPrefix() throws {
    for name in ["cycle no", "Cycles", "cycle_index"] {
      let text = "\(name),branch,conductance\n" + cycleRows("1", 3) + cycleRows("2", 3)
      let (_, cycles) = try MeasuredDevice.read(csv: text, source: "d.csv")
      #expect(cycles?.labels == ["1", "2"], "\(name)")
    }
  }

  /// Pulse numbers rise strictly within a branch's rows: the same number
  /// twice is two reads of one pulse, refused.
  @Test func aRepeatedPulseNumberIsRefused() {
    let error = csvError("pulse,branch,conductance\n1,p,1e-6\n2,p,2e-6\n2,p,3e-6\n")
    #expect(error?.field == "d.csv line 4")
    #expect(error?.message.hasPrefix("pulse 2 after pulse 2 in the same branch") == true, "\(String(describing: error))")
  }

  /// Pulses numbered by a constant step: a jump of two steps is a row
  /// missing (the rows' order is the pulse count), refused.
  @Test func aPulseGapOfTwoStepsIsRefused() {
    let error = csvError("pulse,branch,conductance\n1,p,1e-6\n2,p,2e-6\n3,p,3e-6\n5,p,4e-6\n")
    #expect(error?.field == "d.csv line 5")
    #expect(error?.message.contains("rows missing?") == true, "\(String(describing: error))")
  }

  /// A conductance written below the smallest normal double is refused as
  /// written (its decimal text), before any unit is applied.
  @Test func aSubnormalConductanceIsRefusedAsWritten() {
    for text in ["p,1e-6\np,3e-310\n", "branch,conductance (uS)\np,1\np,3e-310\n"] {
      let error = csvError(text)
      #expect(error?.message == "conductance '3e-310' is below the smallest normal double (2.2e-308)", "\(String(describing: error))")
    }
  }

  /// Zero siemens is a conductance (a device fully reset, or a read below
  /// the instrument's floor): a branch may start there.
  @Test func aZeroConductanceIsRead() throws {
    let device = try MeasuredDevice(csv: "p,0\np,1e-6\np,2e-6\n", source: "d.csv")
    #expect(device.potentiation == [0, 1e-6, 2e-6])
  }

  /// A `start` row's read is the device before the first pulse and joins
  /// the branch of the row after it: before d rows, the depression
  /// branch's first point.
  @Test func aStartRowBeforeDepressionRowsJoinsDepression() throws {
    let device = try MeasuredDevice(csv: "start,5e-6\nd,4e-6\nd,3e-6\np,3e-6\np,5e-6\n", source: "d.csv")
    #expect(device.depression == [5e-6, 4e-6, 3e-6])
    #expect(device.potentiation == [3e-6, 5e-6])
  }

  /// The median of an even number of cycles' point counts is the mean of
  /// the middle two, and a cycle is left out only below half of it: 3, 4,
  /// 8, 8 points (median 6) and 3, 6, 6 (median 6) keep every cycle.
  @Test func aCycleWithHalfTheMedianPointsIsKept() throws {
    for counts in [[3, 4, 8, 8], [3, 6, 6]] {
      let text = "cycle,branch,conductance\n"
        + counts.enumerated().map { cycleRows("\($0.offset + 1)", $0.element) }.joined()
      let (_, cycles) = try MeasuredDevice.read(csv: text, source: "d.csv")
      #expect(cycles?.count == counts.count && cycles?.leftOutCount == 0, "\(counts)")
    }
  }

  /// A cycle whose depression branch has one point is refused naming that
  /// cycle (no branch of one point describes a pulse), when the median
  /// keeps it.
  @Test func aCyclesOnePointDepressionIsRefusedNamingTheCycle() {
    let text = "cycle,branch,conductance\n"
      + "1,p,1e-6\n1,p,2e-6\n1,d,2e-6\n"
      + "2,p,1e-6\n2,p,2e-6\n2,d,2e-6\n2,d,1e-6\n"
      + "3,p,1e-6\n3,p,2e-6\n3,d,2e-6\n3,d,1e-6\n"
    let error = csvError(text)
    #expect(error?.field == "d.csv cycle '1'", "\(String(describing: error))")
    #expect(error?.message.hasPrefix("the depression branch has 1 point") == true)
  }

  /// A potentiation branch of an odd number of points that falls overall
  /// (last below first, its last half's mean below its first half's) is
  /// refused even when its second point is a little above its first; the
  /// middle point belongs to neither half.
  @Test func anOddBranchThatFallsOverallIsRefused() {
    let error = csvError("p,1e-6\np,1.1e-6\np,9e-6\np,0.8e-6\np,0.7e-6\n")
    #expect(error?.message.hasPrefix("the potentiation branch falls overall") == true, "\(String(describing: error))")
  }

  /// Only a branch that ends below its start and whose second half lies
  /// below its first falls overall: one that overshoots and relaxes but
  /// ends above its first point is still a potentiation branch.
  @Test func aBranchThatRelaxesButEndsAboveItsStartIsRead() throws {
    let device = try MeasuredDevice(csv: "p,1e-6\np,3e-6\np,2.5e-6\np,1.5e-6\np,1.2e-6\n", source: "d.csv")
    #expect(device.potentiation.count == 5)
  }

  /// A quoted empty field ("") at a record's end is an empty field, as a
  /// spreadsheet's empty column is, and is dropped.
  @Test func aQuotedEmptyTrailingFieldIsDropped() throws {
    let device = try MeasuredDevice(csv: "\"p\",\"1e-6\",\"\"\n\"p\",\"2e-6\",\"\"\n", source: "d.csv")
    #expect(device.potentiation == [1e-6, 2e-6])
  }

  /// Each conductance unit a header names scales the numbers by its power
  /// of ten, read as one rounding: 1000 of each is 1000 S, 1 S, 1 mS,
  /// 1 µS, 1 nS.
  @Test func everyHeaderUnitScalesByItsPowerOfTen() throws {
    for (header, siemens) in [
      ("conductance (S)", 1e3), ("conductance (mS)", 1.0), ("conductance (uS)", 1e-3), ("G [\u{B5}S]", 1e-3),
      ("conductance (nS)", 1e-6), ("conductance (pS)", 1e-9), ("G/nS", 1e-6), ("G/pS", 1e-9), ("conductance_ps", 1e-9),
    ] {
      let device = try MeasuredDevice(csv: "branch,\(header)\np,1000\np,2000\n", source: "d.csv")
      #expect(device.potentiation == [siemens, 2 * siemens], "\(header)")
    }
  }

  /// A reciprocal ohm is a siemens as the header's last word after `_`
  /// or a space (`G_ohm^-1`); a header naming a resistance is refused
  /// whatever its unit, a reciprocal ohm included.
  @Test func aReciprocalOhmIsReadAndAResistanceRefused() throws {
    for header in ["G_ohm^-1", "conductance 1/ohm", "G (mho)"] {
      let device = try MeasuredDevice(csv: "branch,\(header)\np,1e-6\np,2e-6\n", source: "d.csv")
      #expect(device.potentiation == [1e-6, 2e-6], "\(header)")
    }
    for header in ["resistance (1/ohm)", "resistance_ohm^-1"] {
      let error = csvError("branch,\(header)\np,1e-6\np,2e-6\n")
      #expect(error?.message.contains("names a resistance") == true, "\(header): \(String(describing: error))")
    }
  }
}
