import Testing

@testable import Trainer

// Mutation testing (session 19, round 2): the papers' numbers in the reproduction
// tables, pinned run by run (a typo in one of them printed a wrong
// paper value and Δ, and no test read them).

/// The runs of a figure that carry a paper number, as "label: value".
private func paperNumbers(_ runs: [ReproductionRun]) -> [String] {
  runs.compactMap { r in r.paper.map { "\(r.label)\(r.configuration.rule == .lim ? " \(r.configuration.method.rawValue)" : ""): \($0)" } }
}

@Test func limReproductionCarriesThePapersMethodBAndSoftwareNumbers() {
  let base = TrainingConfiguration()
  #expect(paperNumbers(LimReproduction.runs(figure: 8, base: base)) == [
    "β = 0 b: 95.36", "β = 1 b: 95.59", "β = 2 b: 94.8", "β = 3 b: 93.71",
  ])
  #expect(paperNumbers(LimReproduction.runs(figure: 9, base: base)) == [
    "n_max = 32 b: 92.96", "n_max = 64 b: 94.8", "n_max = 128 b: 94.71",
  ])
  #expect(paperNumbers(LimReproduction.runs(figure: 10, base: base)) == [
    "batch 1 b: 94.8", "batch 2 b: 95.64", "batch 5 b: 95.7", "batch 10 b: 80.42",
  ])
  #expect(paperNumbers(LimReproduction.runs(figure: 12, base: base)) == [
    "1 hidden, software: 93.83", "1 hidden, β = 0 b: 95.36", "2 hidden, software: 96.19",
    "2 hidden, β = 0 b: 95.85", "3 hidden, software: 91.84", "3 hidden, β = 0 b: 94.45",
  ])
  #expect(paperNumbers(LimReproduction.runs(figure: 14, base: base)) == [
    "σ = 0.0, on-chip b: 94.92", "σ = 0.0, off-chip b: 94.67", "σ = 0.5, on-chip b: 94.81",
    "σ = 0.5, off-chip b: 79.24", "σ = 1.0, on-chip b: 94.01", "σ = 1.0, off-chip b: 57.34",
  ])
}

@Test func choiReproductionCarriesThePapersNumbers() {
  let base = TrainingConfiguration()
  #expect(paperNumbers(ChoiReproduction.runs(figure: 4, base: base)) == ["FP: 97.92", "hybrid, 50 states: 97.0"])
  // Fig. 5F as 100 − error, at k = 10 and 100, with 50 and 400 g-states.
  #expect(paperNumbers(ChoiReproduction.runs(figure: 5, base: base)) == [
    "k = 10, 50 states: 97.0", "k = 100, 50 states: 94.98",
    "k = 10, 50 states, 400 g-states: 97.34", "k = 100, 50 states, 400 g-states: 96.58",
  ])
  #expect(paperNumbers(ChoiReproduction.runs(figure: 6, base: base)) == [
    "A: hybrid, 10 states: 93.69", "A: single, 10 states: 9.8", "A: hybrid, 50 states: 97.0",
    "D: hybrid, 50 states, 400 g-states: 97.34", "D: FP: 97.92",
  ])
}
