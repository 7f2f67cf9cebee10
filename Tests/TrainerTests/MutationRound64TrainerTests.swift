import Circuit
import Peripherals
import Testing

@testable import Trainer

// Mutation round 64: the network's periphery (`TrainingConfiguration.
// periphery(columns:)`), checked against the README's model of it
// ("Peripheral circuits, energy and latency": `sense_offset` drawn once per
// output column of every array from seed stream 21, `comparator_offset`
// from stream 22). The round's other Periphery.swift mutants (thresholds
// per layer, `adc_columns`, the layer's key) were killed by existing tests.

@Suite("Mutation round 64: the network's periphery")
struct MutationRound64TrainerTests {
  /// Each layer's offsets are its columns' draws, in layer order, from
  /// their own streams (21: sense, 22: comparators). Mutant: the
  /// comparators drew on from the sense stream (independent draws still,
  /// so the correlation test of `MutationFindingsTests` passed).
  @Test func theOffsetsAreDrawnFromTheirDocumentedStreams() throws {
    var cfg = TrainingConfiguration()
    cfg.layers = [16, 8, 4, 3]
    cfg.seed = 29
    cfg.senseOffset = 0.05
    cfg.comparatorOffset = 0.02
    try cfg.validate()
    let columns = [8, 4, 3]
    let (chains, comparators) = cfg.periphery(columns: columns)
    var sense = SeededGenerator(seed: 29, stream: 21), comparator = SeededGenerator(seed: 29, stream: 22)
    for (l, n) in columns.enumerated() {
      let o = (0..<n).map { _ in Float(0.05 * sense.nextGaussian()) }
      #expect(chains[l].offsets == o, "layer \(l) sense offsets")
      let c = (0..<n).map { _ in Float(0.02 * comparator.nextGaussian()) }
      #expect(comparators[l].map(\.offset) == c, "layer \(l) comparator offsets")
    }
  }
}
