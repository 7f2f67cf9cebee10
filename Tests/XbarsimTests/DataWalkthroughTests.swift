import Foundation
import Testing
import _TestSupport

@testable import Trainer

// `xbarsim train --data DIR` on files crafted as a user's walkthrough made
// them (0/1 pixels, a set beyond the memory, a gzipped empty set, labels
// beyond the output layer), in a fresh temporary directory per test.

/// `data/train-images-idx3-ubyte` rewritten with pixels 0/1 (a numpy bool
/// export): a note on standard error, naming the file and the brightest
/// pixel; training goes on. Bright pixels get no note.
@Test func dimTrainingPixelsGetANote() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-data", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let arguments = ["train", "--data", data.path, "--layers", "64,8,10", "--rule", "float", "--epochs", "1", "--quiet"]
  let bright = try runXbarsim(arguments)
  #expect(bright.status == 0, "\(bright.stderr)")
  #expect(!bright.stderr.contains("brightest pixel"), "\(bright.stderr)")
  var train = SyntheticImages(count: 60, seed: 1)
  train.pixels = train.pixels.map { $0 > 0 ? 1 : 0 }
  let images = data.appendingPathComponent("train-images-idx3-ubyte")
  try train.imagesFile.write(to: images)
  let dim = try runXbarsim(arguments)
  #expect(dim.status == 0, "\(dim.stderr)")
  let note = dim.stderr.split(separator: "\n").filter { $0.contains("brightest pixel") }
  #expect(
    note == [
      "note: \(images.path): the brightest pixel is 1 of 255; inputs are pixel/255, so these images drive the arrays at under 1 % of the read voltage (0/1 pixels? scale them to 0–255)"
    ], "\(dim.stderr)")
}

/// A sparse 3.9 GB set of 5,000,000 images under `ulimit -v` 2 GB: one
/// line naming the file, its size and the memory (it trapped, "failed to
/// allocate").
@Test func aSetBeyondTheMemoryLimitIsOneLineNotATrap() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-data", train: 20, test: 10, side: 28)
  defer { try? FileManager.default.removeItem(at: root) }
  let images = data.appendingPathComponent("train-images-idx3-ubyte")
  let h = try FileHandle(forWritingTo: images)
  try h.write(contentsOf: Data([0, 0, 8, 3, 0, 0x4C, 0x4B, 0x40]))  // 5,000,000 images
  try h.truncate(atOffset: 16 + 5_000_000 * 784)
  try h.close()
  let r = try runShell("ulimit -v 2000000; \"$1\" train --data '\(data.path)' --layers 784,8,10", in: root)
  expectOneLineError(
    r, 1, "\(images.path): 5000000 images of 28×28 (3920000000 bytes): loading them needs about ")
  #expect(r.stderr.contains("of memory available (physical memory, or ulimit -v)"), "\(r.stderr)")
}

/// `bytes` written to `url`, gzipped by the `gzip` program: `url.gz`.
private func writeGzipped(_ bytes: [UInt8], _ url: URL) throws {
  try Data(bytes).write(to: url)
  let gzip = try #require(["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) })
  let r = try runProcess(URL(fileURLWithPath: gzip), ["-f", url.path])
  #expect(r.status == 0, "\(r.stderr)")
}

/// Errors about the data name the file read: the .gz when that was read.
@Test func dataErrorsNameTheFileRead() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-data", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  // Labels beyond the output layer, gzipped.
  var train = SyntheticImages(count: 20, seed: 1)
  train.labels[3] = 26
  let labels = data.appendingPathComponent("train-labels-idx1-ubyte")
  try writeGzipped([UInt8](train.labelsFile), labels)
  let r = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,10"])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stderr.contains("training labels (\(labels.path).gz) go up to 26"), "\(r.stderr)")
  // No images, gzipped: the .gz named.
  let images = data.appendingPathComponent("t10k-images-idx3-ubyte")
  try writeGzipped([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8], images)
  try Data([0, 0, 8, 1, 0, 0, 0, 0]).write(to: data.appendingPathComponent("t10k-labels-idx1-ubyte"))
  let e = try runXbarsim(["train", "--data", data.path, "--layers", "64,8,30"])
  expectOneLineError(e, 1, "\(images.path).gz: holds no images")
}
