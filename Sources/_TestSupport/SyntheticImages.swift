import Circuit
import Foundation

/// A small, seeded, MNIST-like classification set generated in memory:
/// `classes` prototype images of `rows`×`cols` pixels, and every image one
/// of them with some pixels flipped and the ink intensity jittered.
///
/// The prototypes depend only on `prototypeSeed`, so a training set and a
/// test set made with different `seed`s (and the same `prototypeSeed`) are
/// two samples of the same task. Each prototype inks about a third of its
/// pixels; a flip probability of 0.1 leaves the classes easy to separate
/// for a linear classifier, so a working trainer reaches a high test
/// accuracy after one pass while chance is 1/classes.
public struct SyntheticImages: Sendable, Equatable {
  /// The height and width of each image in pixels.
  public var rows: Int, cols: Int
  /// `count × rows × cols` bytes, image after image (0 background,
  /// 128…255 ink).
  public var pixels: [UInt8]
  /// One label per image, in `0..<classes`.
  public var labels: [UInt8]

  /// The number of images.
  public var count: Int { labels.count }

  /// Generates `count` images.
  ///
  /// - Parameters:
  ///   - count: Number of images.
  ///   - rows: Image height in pixels (default 8).
  ///   - cols: Image width in pixels (default 8).
  ///   - classes: Number of classes, 2…256 (default 10).
  ///   - flip: Probability that a pixel of the prototype is flipped
  ///     (ink ↔ background) in an image (default 0.1).
  ///   - seed: Seed of the labels and the noise.
  ///   - prototypeSeed: Seed of the prototypes (default 0).
  public init(
    count: Int, rows: Int = 8, cols: Int = 8, classes: Int = 10,
    flip: Double = 0.1, seed: UInt64, prototypeSeed: UInt64 = 0
  ) {
    precondition(classes >= 2 && classes <= 256, "classes \(classes)")
    self.rows = rows
    self.cols = cols
    let n = rows * cols
    var protoRNG = SeededGenerator(seed: prototypeSeed, stream: 101)
    let prototypes: [[Bool]] = (0..<classes).map { _ in
      (0..<n).map { _ in protoRNG.nextUniform() < 0.35 }
    }
    var rng = SeededGenerator(seed: seed, stream: 102)
    var pixels = [UInt8](repeating: 0, count: count * n)
    var labels = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
      let label = Int(rng.next() % UInt64(classes))
      labels[i] = UInt8(label)
      for p in 0..<n {
        var ink = prototypes[label][p]
        if rng.nextUniform() < flip { ink.toggle() }
        pixels[i * n + p] = ink ? UInt8(128 + rng.next() % 128) : 0
      }
    }
    self.pixels = pixels
    self.labels = labels
  }

  /// The images as an IDX file (magic 0x00000803: count, rows, cols).
  public var imagesFile: Data {
    Data(
      Self.bigEndian(0x0803) + Self.bigEndian(UInt32(count))
        + Self.bigEndian(UInt32(rows)) + Self.bigEndian(UInt32(cols))
        + pixels)
  }

  /// The labels as an IDX file (magic 0x00000801: count).
  public var labelsFile: Data {
    Data(Self.bigEndian(0x0801) + Self.bigEndian(UInt32(count)) + labels)
  }

  /// Writes `train` and `test` into `directory` under the four standard
  /// MNIST names (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
  /// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`).
  public static func writeIDX(
    train: SyntheticImages, test: SyntheticImages, to directory: URL
  ) throws {
    try FileManager.default.createDirectory(
      at: directory, withIntermediateDirectories: true)
    let files: [(String, Data)] = [
      ("train-images-idx3-ubyte", train.imagesFile),
      ("train-labels-idx1-ubyte", train.labelsFile),
      ("t10k-images-idx3-ubyte", test.imagesFile),
      ("t10k-labels-idx1-ubyte", test.labelsFile),
    ]
    for (name, data) in files {
      try data.write(to: directory.appendingPathComponent(name))
    }
  }

  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [
      UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF),
      UInt8(value & 0xFF),
    ]
  }
}
