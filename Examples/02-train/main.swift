// Example 02: on-chip training with Lim's sign rule through the Trainer
// library, on a small data set this example generates (no download).
//
//   swift run -c release train-example
//
// Shows: a configuration, an Experiment over IDX-style data, the evaluation
// points as they arrive, and the pulse and reset counts of the arrays.
import Circuit
import Trainer

// Ten classes of 8×8 images: a fixed random prototype per class plus noise.
func makeSet(count: Int, seed: UInt64) -> IDXDataset {
  var proto = SeededGenerator(seed: 1)
  let prototypes = (0..<10).map { _ in (0..<64).map { _ in proto.nextUniform() < 0.3 ? 1.0 : 0.0 } }
  var rng = SeededGenerator(seed: seed)
  var pixels: [UInt8] = [], labels: [UInt8] = []
  for _ in 0..<count {
    let c = Int(rng.next() % 10)
    labels.append(UInt8(c))
    for p in prototypes[c] {
      let v = p + 0.35 * rng.nextGaussian()
      pixels.append(UInt8(max(0, min(255, (v * 255).rounded()))))
    }
  }
  return IDXDataset(rows: 8, cols: 8, pixels: pixels, labels: labels)
}

var cfg = TrainingConfiguration()
cfg.layers = [64, 32, 10]
cfg.method = .b      // reset the other device, re-potentiate one step below
cfg.betaP = 2        // nonlinear potentiation, Lim eq. (1)
cfg.betaD = 2
cfg.nMax = 64        // 64 pulses from G_min to G_max
cfg.epochs = 3
cfg.evaluationsPerEpoch = 5

let experiment = try Experiment(
  configuration: cfg, train: makeSet(count: 2000, seed: 2), test: makeSet(count: 500, seed: 3))
let result = experiment.run(point: { p in
  print("after \(p.images) images: test accuracy \(p.accuracy) %, \(p.pulses) pulses, \(p.resets) resets")
})
print("""
  final: \(result.testAccuracy) % (last 10 % of points: mean \(result.accuracyMeanLast) %), \
  \(Int(result.imagesPerSecond)) training images/s, read energy \(result.readEnergy) J
  """)
