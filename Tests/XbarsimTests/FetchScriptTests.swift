import Foundation
import Testing
import _TestSupport

/// `scripts/fetch-mnist` of this checkout.
private let fetchScript = checkoutRoot.appendingPathComponent("scripts/fetch-mnist")

private func fetch(_ arguments: [String]) throws -> ProcessResult {
  try runProcess(URL(fileURLWithPath: "/bin/bash"), [fetchScript.path] + arguments)
}

/// `--from` with a corrupt source: the target keeps its four files as they
/// were (no mix of two datasets), and no partial file is left in it.
@Test func fetchFromACorruptSourceLeavesTheTargetAsItWas() throws {
  let root = try Scratch.directory("xbarsim-fetch")
  defer { try? FileManager.default.removeItem(at: root) }
  let source = root.appendingPathComponent("source"), target = root.appendingPathComponent("target")
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 30, seed: 1), test: SyntheticImages(count: 10, seed: 2), to: source)
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 20, seed: 3), test: SyntheticImages(count: 5, seed: 4), to: target)
  let names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
  let before = try names.map { try Data(contentsOf: target.appendingPathComponent($0)) }
  // The third file only as a .gz that is not one (gzip's magic, then junk).
  try FileManager.default.removeItem(at: source.appendingPathComponent(names[2]))
  try Data([0x1F, 0x8B, 0x08, 0x00, 1, 2, 3]).write(to: source.appendingPathComponent(names[2] + ".gz"))
  let r = try fetch(["--from", source.path, target.path])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stderr.contains(names[2] + ".gz"), "\(r.stderr)")
  let after = try names.map { try Data(contentsOf: target.appendingPathComponent($0)) }
  #expect(after == before)
  let left = try FileManager.default.contentsOfDirectory(atPath: target.path).filter { $0.hasSuffix(".partial") }
  #expect(left.isEmpty, "\(left)")
  // A good source then replaces all four.
  try FileManager.default.removeItem(at: source.appendingPathComponent(names[2] + ".gz"))
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 30, seed: 1), test: SyntheticImages(count: 10, seed: 2), to: source)
  let ok = try fetch(["--from", source.path, target.path])
  #expect(ok.status == 0, "\(ok.stderr)")
  for name in names {
    #expect(try Data(contentsOf: target.appendingPathComponent(name)) == Data(contentsOf: source.appendingPathComponent(name)))
  }
}

@Test func fetchRefusesEmptyArgumentsAndADirectoryInAFilesPlace() throws {
  #expect(try fetch([""]).status == 64)
  #expect(try fetch(["--from", "", "/tmp/nowhere"]).status == 64)
  let root = try Scratch.directory("xbarsim-fetch")
  defer { try? FileManager.default.removeItem(at: root) }
  try FileManager.default.createDirectory(
    at: root.appendingPathComponent("t10k-labels-idx1-ubyte"), withIntermediateDirectories: true)
  let r = try fetch([root.path])
  #expect(r.status == 1)
  #expect(r.stderr.contains("t10k-labels-idx1-ubyte: is a directory"), "\(r.stderr)")
}

/// `--from SRC` without DIR overwrote the checkout's hash-checked
/// data/mnist, exit 0 (a walkthrough, session 32). The script is run from a
/// copy in a scratch checkout, so that a regression writes only there.
@Test func fetchFromWithoutADirectoryIsRefused() throws {
  let root = try Scratch.directory("xbarsim-fetch")
  defer { try? FileManager.default.removeItem(at: root) }
  let scripts = root.appendingPathComponent("scripts")
  try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
  let copy = scripts.appendingPathComponent("fetch-mnist")
  try FileManager.default.copyItem(at: fetchScript, to: copy)
  let source = root.appendingPathComponent("source")
  try SyntheticImages.writeIDX(train: SyntheticImages(count: 20, seed: 1), test: SyntheticImages(count: 5, seed: 2), to: source)
  let r = try runProcess(URL(fileURLWithPath: "/bin/bash"), [copy.path, "--from", source.path])
  #expect(r.status == 64, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("fetch-mnist: --from SRC needs DIR"), "\(r.stderr)")
  #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("data").path))
  // Named, the default directory is filled.
  let dir = root.appendingPathComponent("data/mnist")
  let ok = try runProcess(URL(fileURLWithPath: "/bin/bash"), [copy.path, "--from", source.path, dir.path])
  #expect(ok.status == 0, "\(ok.stderr)")
  #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("t10k-labels-idx1-ubyte").path))
}
