// The generated data set the training examples share: ten classes of 8×8
// images, a fixed random prototype per class plus Gaussian noise.
import Circuit
import Trainer

/// `count` images: class prototypes (a third of their pixels inked, drawn
/// from seed 1, the same for every set) plus `noise`·N(0, 1) per pixel;
/// labels and noise come from `seed`.
public func prototypeImages(count: Int, seed: UInt64, noise: Double) -> IDXDataset {
  var proto = SeededGenerator(seed: 1)
  let prototypes = (0..<10).map { _ in (0..<64).map { _ in proto.nextUniform() < 0.3 ? 1.0 : 0.0 } }
  var rng = SeededGenerator(seed: seed)
  var pixels: [UInt8] = [], labels: [UInt8] = []
  for _ in 0..<count {
    let c = Int(rng.next() % 10)
    labels.append(UInt8(c))
    for p in prototypes[c] {
      let v = p + noise * rng.nextGaussian()
      pixels.append(UInt8(max(0, min(255, (v * 255).rounded()))))
    }
  }
  return IDXDataset(rows: 8, cols: 8, pixels: pixels, labels: labels)
}
