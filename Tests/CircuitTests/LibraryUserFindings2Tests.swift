// What session 34's library walkthrough left alone, settled in session 35:
// the solvers' settings are checked by name, and a negative read width is
// refused where it is set.
import Circuit
import Testing

// A tolerance of −1 or 1e9, or maxIterations −5, had said "did not
// converge" (or, at a tolerance ≥ 1, returned the zero field as the
// answer); now a ConfigurationError names the setting, before any work.
@Test(arguments: [
  ("tolerance", -1.0, 20_000, 0, 0.01), ("tolerance", 1.0, 20_000, 0, 0.01),
  ("tolerance", .nan, 20_000, 0, 0.01), ("maxIterations", 1e-12, 0, 0, 0.01),
  ("threads", 1e-12, 20_000, -1, 0.01), ("twoLevelThreshold", 1e-12, 20_000, 0, -1),
  ("twoLevelThreshold", 1e-12, 20_000, 0, .nan),
])
func nodalSolverSettingsAreCheckedByName(
  field: String, tolerance: Double, maxIterations: Int, threads: Int, twoLevel: Double
) throws {
  let options = NodalSolver.Options(
    tolerance: tolerance, maxIterations: maxIterations, threads: threads, twoLevelThreshold: twoLevel)
  #expect { try options.validate() } throws: { ($0 as? ConfigurationError)?.field == field }
  let a = smallArray(WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1))
  #expect {
    try NodalSolver(options: options).solve(a.mesh(.plus, .forward, voltages: [0.1, 0.2, 0.3]))
  } throws: { ($0 as? ConfigurationError)?.field == field }
  #expect {
    try a.read(.forward, voltages: [0.1, 0.2, 0.3], solver: NodalSolver(options: options))
  } throws: { ($0 as? ConfigurationError)?.field == field }
  #expect(a.readCount == 0, "a refused read books nothing")
}

@Test func theDefaultsAndTheExtremesAllowedAreValid() throws {
  try NodalSolver.Options().validate()
  try NodalSolver.Options(tolerance: 0.5, maxIterations: 1, threads: 256, twoLevelThreshold: .infinity).validate()
  try NodalSolver.Options(twoLevelThreshold: 0).validate()
  try ResistiveReader.Options().validate()
}

@Test(arguments: ["tolerance", "maxIterations", "factorInterval", "parallelThreshold", "twoLevelThreshold"])
func resistiveReaderSettingsAreCheckedByName(field: String) throws {
  var options = ResistiveReader.Options()
  switch field {
  case "tolerance": options.tolerance = 2
  case "maxIterations": options.maxIterations = -5
  case "factorInterval": options.factorInterval = 0
  case "parallelThreshold": options.parallelThreshold = -1
  default: options.twoLevelThreshold = -1
  }
  #expect { try options.validate() } throws: { ($0 as? ConfigurationError)?.field == field }
  let wires = WireModel(rowSegmentResistance: 1, columnSegmentResistance: 1)
  let a = smallArray(wires)
  let reader = ResistiveReader(rows: 3, columns: 2, wires: wires, options: options)
  let input: [Float] = [0.1, 0.2, 0.3]
  var output = [Float](repeating: -7, count: 2)
  #expect {
    try input.withUnsafeBufferPointer { i in
      try output.withUnsafeMutableBufferPointer { try reader.read(a, .forward, input: i, output: $0) }
    }
  } throws: { ($0 as? ConfigurationError)?.field == field }
  #expect(output == [-7, -7], "a refused read leaves its output as it was")
  #expect(a.readCount == 0 && a.readEnergy == 0, "and books nothing")
  var t = [Float](repeating: 0, count: 6)
  #expect {
    try t.withUnsafeMutableBufferPointer { try reader.transferMatrix(a, into: $0.baseAddress!) }
  } throws: { ($0 as? ConfigurationError)?.field == field }
  // Put right, the same reader reads.
  reader.options = ResistiveReader.Options()
  try input.withUnsafeBufferPointer { i in
    try output.withUnsafeMutableBufferPointer { try reader.read(a, .forward, input: i, output: $0) }
  }
  #expect(output[0] > 0 && output[1] > 0)
}

// readTime = −1 booked a negative read energy; now the setter refuses it
// (NaN and ∞ too). (Exit tests capture nothing: the three in one.)
@Test func aReadWidthMustBeFiniteAndNotNegative() async throws {
  let negative = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    DifferentialArray(rows: 2, columns: 2).readTime = -1
  }
  #expect(String(decoding: negative.standardErrorContent, as: UTF8.self).contains("readTime must be a finite width ≥ 0 s, got -1.0"))
  await #expect(processExitsWith: .failure) { DifferentialArray(rows: 2, columns: 2).readTime = .nan }
  await #expect(processExitsWith: .failure) { DifferentialArray(rows: 2, columns: 2).readTime = .infinity }
}

@Test func aReadWidthOfZeroBooksNoEnergy() throws {
  let a = smallArray(.ideal)
  a.readTime = 0
  _ = try a.read(.forward, voltages: [0.1, 0.2, 0.3])
  #expect(a.readEnergy == 0 && a.readCount == 1)
}
