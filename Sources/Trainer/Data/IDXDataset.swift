import Circuit
import Foundation

/// Labelled greyscale images in memory, as stored in the IDX files of the
/// MNIST database (and Fashion-MNIST, EMNIST, ...).
///
/// Pixels are bytes (0 = background, 255 = ink for MNIST), row-major per
/// image and images back to back: image `i` is
/// `pixels[i * features ..< (i + 1) * features]` with
/// `features = rows * cols`. Load one with
/// `load(directory:split:)` or `load(images:labels:)`.
///
/// ```swift
/// let train = try IDXDataset.load(split: .train)  // data/mnist
/// train.count        // 60000
/// train.image(0)     // 784 bytes
/// train.labels[0]    // 5
/// ```
public struct IDXDataset: Sendable, Equatable {
  /// The number of images (and labels).
  public let count: Int
  /// The height of each image in pixels.
  public let rows: Int
  /// The width of each image in pixels.
  public let cols: Int
  /// Every image's pixels, `count × rows × cols` bytes, row-major.
  public let pixels: [UInt8]
  /// One class label per image.
  public let labels: [UInt8]
  /// The largest label + 1 (0 for an empty set): 10 for MNIST.
  public let classCount: Int
  /// The path the images were read from (the `.gz` when that was read);
  /// nil for a set made in memory. Errors about the data name it. Not
  /// part of `==`: the same data read from elsewhere are equal.
  public internal(set) var imagesFile: String?
  /// The path the labels were read from, as `imagesFile`.
  public internal(set) var labelsFile: String?

  /// The number of pixels per image, `rows * cols`.
  public var features: Int { rows * cols }

  /// Makes a dataset from pixels already in memory.
  ///
  /// - Parameters:
  ///   - rows: The height of each image in pixels.
  ///   - cols: The width of each image in pixels.
  ///   - pixels: `labels.count × rows × cols` bytes, image after image.
  ///   - labels: One class label per image.
  /// - Precondition: `rows > 0`, `cols > 0` and
  ///   `pixels.count == labels.count * rows * cols`.
  public init(rows: Int, cols: Int, pixels: [UInt8], labels: [UInt8]) {
    require(rows > 0 && cols > 0, "image size \(rows)×\(cols)")
    require(
      pixels.count == labels.count * rows * cols,
      "\(pixels.count) pixels for \(labels.count) images of \(rows)×\(cols)")
    self.count = labels.count
    self.rows = rows
    self.cols = cols
    self.pixels = pixels
    self.labels = labels
    self.classCount = labels.max().map { Int($0) + 1 } ?? 0
  }

  /// The pixels of image `i`, row-major.
  ///
  /// - Precondition: `0 <= i < count`.
  /// - Complexity: O(1); the slice shares `pixels`' storage.
  public func image(_ i: Int) -> ArraySlice<UInt8> {
    require(i >= 0 && i < count, "image \(i) of \(count)")
    let n = features
    return pixels[i * n..<(i + 1) * n]
  }

  /// Calls `body` with all pixels, `count × features` bytes, image after
  /// image.
  public func withUnsafePixels<R, E: Error>(
    _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
  ) throws(E) -> R {
    try pixels.withUnsafeBufferPointer(body)
  }

  /// A 64-bit checksum of the shape, pixels and labels (FNV-1a over 8-byte
  /// words): equal data sets have equal checksums, and a changed pixel or
  /// label changes it. It tells data sets apart in result files; it does
  /// not guard against tampering.
  ///
  /// - Complexity: O(count × features), about 10 ms for MNIST's training set.
  public var checksum: UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    @inline(__always) func mix(_ x: UInt64) { h = (h ^ x) &* 0x100_0000_01B3 }
    for x in [count, rows, cols] { mix(UInt64(x)) }
    for bytes in [pixels, labels] {
      bytes.withUnsafeBytes { raw in
        let words = raw.count / 8
        for w in 0..<words { mix(raw.loadUnaligned(fromByteOffset: 8 * w, as: UInt64.self)) }
        for b in (8 * words)..<raw.count { mix(UInt64(raw[b])) }
      }
    }
    return h
  }

  /// The images and labels in `range`, as a dataset of their own.
  ///
  /// `classCount` is recomputed from the labels kept.
  ///
  /// - Precondition: `range` lies within `0..<count`.
  public func subset(_ range: Range<Int>) -> IDXDataset {
    require(
      range.lowerBound >= 0 && range.upperBound <= count,
      "range \(range) outside 0..<\(count)")
    let n = features
    var part = IDXDataset(
      rows: rows, cols: cols,
      pixels: Array(pixels[range.lowerBound * n..<range.upperBound * n]),
      labels: Array(labels[range]))
    (part.imagesFile, part.labelsFile) = (imagesFile, labelsFile)
    return part
  }

  /// Equal shapes, pixels and labels, wherever they were read from.
  public static func == (a: IDXDataset, b: IDXDataset) -> Bool {
    a.count == b.count && a.rows == b.rows && a.cols == b.cols && a.pixels == b.pixels
      && a.labels == b.labels
  }
}

extension IDXDataset {
  /// One of the two parts of the MNIST database and datasets laid out
  /// like it.
  public enum Split: String, Sendable, CaseIterable {
    /// The training set: `train-images-idx3-ubyte`,
    /// `train-labels-idx1-ubyte` (60,000 images for MNIST).
    case train
    /// The test set: `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`
    /// (10,000 images for MNIST).
    case test

    /// The standard name of the images file, without `.gz`.
    public var imagesFileName: String {
      self == .train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte"
    }

    /// The standard name of the labels file, without `.gz`.
    public var labelsFileName: String {
      self == .train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte"
    }
  }

  /// `data/mnist` in the current directory: where `scripts/fetch-mnist`
  /// puts MNIST when run from the repository root.
  public static var defaultDirectory: URL {
    URL(fileURLWithPath: "data/mnist", isDirectory: true)
  }
}
