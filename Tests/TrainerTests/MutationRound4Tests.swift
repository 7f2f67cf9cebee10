import Testing

@testable import Trainer

// Mutation round 4 (code since 9dc5384): the survivors' tests.

// Each run's point in its figure's plot is at the value the figure sweeps,
// read from the run's own configuration: Lim's hidden layers (Fig. 12,
// mutant: 0, 1, 2), β (8), n_max (9), batch (10) and σ (14); Choi's k
// (5) and Figure 6's states, c2c and d2d (panels A, B, C).
@Test func everyRunsPlotPointIsAtTheValueItsFigureSweeps() {
  let base = TrainingConfiguration()
  for figure in [8, 9, 10, 12, 14] {
    let runs = LimReproduction.runs(figure: figure, base: base)
    #expect(!runs.isEmpty)
    for run in runs {
      let c = run.configuration
      let swept: Double
      switch figure {
      case 8: swept = c.betaP
      case 9: swept = Double(c.nMax)
      case 10: swept = Double(c.batch)
      case 12: swept = Double(run.hiddenLayers)
      default: swept = c.sigma
      }
      #expect(run.places.map(\.x) == [swept], "figure \(figure): \(run.label)")
    }
  }
  #expect(Set(LimReproduction.runs(figure: 12, base: base).flatMap { $0.places.map(\.x) }) == [1, 2, 3])
  for run in ChoiReproduction.runs(figure: 5, base: base) {
    #expect(run.places.map(\.x) == [run.configuration.k], "\(run.label)")
  }
  for run in ChoiReproduction.runs(figure: 6, base: base) {
    let c = run.configuration
    for place in run.places {
      switch place.panel {
      case 0: #expect(place.x == Double(c.states), "\(run.label)")
      case 1: #expect(place.x == c.c2c, "\(run.label)")
      case 2: #expect(place.x == c.d2d, "\(run.label)")
      default: #expect(place.category != nil, "\(run.label)")
      }
    }
  }
}
