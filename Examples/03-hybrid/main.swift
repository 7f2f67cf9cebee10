// Example 03: Choi's hybrid big/small synapse, trained by fully parallel
// row/column coincident pulse trains, through the Trainer library, on a
// small generated data set (Examples/Shared; no download).
//
//   swift run -c release hybrid-example
//
// Shows: one coincidence counted by hand on two 64-slot trains (the
// Peripherals' encoder), then a hybrid run beside a single G+/G− pair of
// the same devices: the epoch it switches from the big arrays to the small
// ones, and the fraction of synapses updated per image (Choi Fig. 4B).
import Circuit
import ExampleData
import Foundation
import Peripherals
import Trainer

// A row train and a column train: a cell is programmed once per slot in
// which both carry a pulse; the other pulsed slots half-select it.
let encoder = try PulseTrainEncoder(length: 64)
var rng = SeededGenerator(seed: 7)
let row = encoder.stochastic(0.5, &rng)     // x = 0.5: each slot fires with p = 0.5
let column = encoder.stochastic(0.25, &rng) // |δ| scaled to p = 0.25
print("""
  row pulses \(row.nonzeroBitCount), column pulses \(column.nonzeroBitCount), \
  coincidences \(PulseTrainEncoder.coincidences(row: row, column: column)), \
  half-selected slots \(PulseTrainEncoder.halfSelections(row: row, column: column))
  """)
// Over many draws the coincidences average 64 × 0.5 × 0.25 = 8: ΔW ∝ x·δ.
var total = 0
for _ in 0..<10_000 {
  total += PulseTrainEncoder.coincidences(
    row: encoder.stochastic(0.5, &rng), column: encoder.stochastic(0.25, &rng))
}
print("mean coincidences over 10,000 draws: \(Double(total) / 10_000) (expected 8)")

// Ten classes of 8×8 images: a prototype per class plus noise.
let train = prototypeImages(count: 3000, seed: 2, noise: 0.7)
let test = prototypeImages(count: 1000, seed: 3, noise: 0.7)

for rule in [LearningRule.hybrid, .single] {
  var cfg = TrainingConfiguration()
  cfg.rule = rule
  cfg.layers = [64, 32, 10]
  cfg.k = 10               // small devices: area, range and step divided by 10
  cfg.states = 10          // pulses from G_min to G_max (Choi's default is 50)
  cfg.epochs = 8
  cfg.evaluationsPerEpoch = 1
  let result = try Experiment(configuration: cfg, train: train, test: test).run()
  print(String(format: "\nrule %@: final test accuracy %.2f %%", rule.rawValue, result.testAccuracy))
  for e in result.epochs {
    let frequency = e.updateFrequency.map { String(format: "%.5f", $0) } ?? "-"
    print(String(
      format: "  epoch %d %@: train %.2f %%, test %.2f %%, synapses updated per image %@",
      e.epoch, e.phase.isEmpty ? "-" : e.phase, e.trainAccuracy, e.testAccuracy, frequency))
  }
  if let s = result.phaseSwitchEpoch { print("  switched to the small arrays after epoch \(s)") }
}
