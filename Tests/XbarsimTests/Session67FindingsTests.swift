import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Session 67's findings at the command line.

// A plot of a run on Fashion-MNIST and one on MNIST, or of a run and its
// continuation from a checkpoint, had one title (session 65's left item):
// the title now names data that are not MNIST's training set, by their
// directory, and the checkpoint a run goes on from.
@Test func aPlotsTitleNamesOtherDataAndTheCheckpointItGoesOnFrom() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s67-title", train: 20, test: 10)
  defer { try? FileManager.default.removeItem(at: root) }
  let train = try IDXDataset.load(directory: data, split: .train)
  #expect(TrainCommand.plotContext(data: train, continuing: nil) == "; on data")
  #expect(
    TrainCommand.plotContext(data: train, continuing: ("/x/y/c.json", 300))
      == "; on data; going on from c.json (300 images before)")
  let memory = IDXDataset(rows: 1, cols: 1, pixels: [0, 1], labels: [0, 1])
  #expect(TrainCommand.plotContext(data: memory, continuing: nil) == "; on data built in memory")

  // At the command line: the plot's title carries it, once.
  let plot = root.appendingPathComponent("p.svg")
  let checkpoint = root.appendingPathComponent("c.json")
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--train-limit", "20", "--test-limit", "10", "--quiet"]
  try #require(try runXbarsim(common + ["--checkpoint-out", checkpoint.path]).status == 0)
  let going = try runXbarsim(common + ["--checkpoint-in", checkpoint.path, "--epochs", "1", "--plot", plot.path])
  try #require(going.status == 0, "\(going.stderr)")
  let svg = try String(contentsOf: plot, encoding: .utf8)
  #expect(svg.contains("σ 0; on data; going on from c.json (20 images before)</text>"), "\(svg.prefix(600))")
}

// MNIST as scripts/fetch-mnist writes it keeps its plain title (checked
// against the files when they are present: the suite does not need them).
@Test func mnistsChecksumIsTheOneThePlotLeavesUnnamed() throws {
  let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/mnist")
  guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("train-images-idx3-ubyte").path) else { return }
  let train = try IDXDataset.load(directory: dir, split: .train)
  #expect(train.checksum == TrainCommand.mnistTrainChecksum)
  #expect(TrainCommand.plotContext(data: train, continuing: nil) == "")
}

// A large network's checkpoint sent to a stream, a device or a pipe was
// refused as though it were a file `--checkpoint-in` could not read back
// (session 66's left item): only a file that would be made is bounded.
@Test func theCheckpointsReadLimitBoundsOnlyFiles() throws {
  let root = try temporaryDirectory("xbarsim-s67-makes")
  defer { try? FileManager.default.removeItem(at: root) }
  let regular = root.appendingPathComponent("r.json").path
  #expect(OutputFile.makesAFile(regular))  // new
  try "x".write(toFile: regular, atomically: false, encoding: .utf8)
  #expect(OutputFile.makesAFile(regular))  // existing
  let fifo = root.appendingPathComponent("f").path
  try #require(mkfifo(fifo, 0o600) == 0)
  let toNull = root.appendingPathComponent("null-link").path
  try FileManager.default.createSymbolicLink(atPath: toNull, withDestinationPath: "/dev/null")
  let toRegular = root.appendingPathComponent("r-link").path
  try FileManager.default.createSymbolicLink(atPath: toRegular, withDestinationPath: regular)
  #expect(OutputFile.makesAFile(toRegular))
  for path in ["-", "/dev/stdout", "/dev/stderr", "/dev/null", fifo, toNull] {
    #expect(!OutputFile.makesAFile(path), "\(path)")
  }

  var cfg = TrainingConfiguration()
  cfg.rule = .hybrid
  cfg.layers = [64, 140_000, 10]
  var args = ParsedArguments(command: "train")
  args.values["--checkpoint-out"] = ["/dev/null"]
  // (The memory check may refuse on a small machine: only the read limit is asked.)
  do { try TrainCommand.checkMemory(cfg, args) } catch let e as CLIError {
    #expect(!"\(e)".contains("--checkpoint-in reads"), "\(e)")
  }
  args.values["--checkpoint-out"] = [regular]
  #expect(throws: CLIError.self) { try TrainCommand.checkMemory(cfg, args) }
}
