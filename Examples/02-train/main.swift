// Example 02: on-chip training with Lim's sign rule through the Trainer
// library, on a small generated data set (Examples/Shared; no download).
//
//   swift run -c release train-example
//
// Shows: a configuration, an Experiment over IDX-style data, the evaluation
// points as they arrive, and the pulse and reset counts of the arrays.
import Circuit
import ExampleData
import Trainer

// Ten classes of 8×8 images: a prototype per class plus noise.
let train = prototypeImages(count: 2000, seed: 2, noise: 0.35)
let test = prototypeImages(count: 500, seed: 3, noise: 0.35)

var cfg = TrainingConfiguration()
cfg.layers = [64, 32, 10]
cfg.method = .b      // reset the other device, re-potentiate one step below
cfg.betaP = 2        // nonlinear potentiation, Lim eq. (1)
cfg.betaD = 2
cfg.nMax = 64        // 64 pulses from G_min to G_max
cfg.epochs = 3
cfg.evaluationsPerEpoch = 5

let experiment = try Experiment(configuration: cfg, train: train, test: test)
let result = experiment.run(point: { p in
  print("after \(p.images) images: test accuracy \(p.accuracy) %, \(p.pulses) pulses, \(p.resets) resets")
})
print("""
  final: \(result.testAccuracy) % (last 10 % of points: mean \(result.accuracyMeanLast) %), \
  \(Int(result.imagesPerSecond)) training images/s, read energy \(result.readEnergy) J
  """)
