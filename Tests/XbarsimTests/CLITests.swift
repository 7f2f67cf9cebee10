import Foundation
import Testing
import _TestSupport

@Test func helpListsCommandsAndExitsZero() throws {
  let r = try runXbarsim(["--help"])
  #expect(r.status == 0)
  #expect(r.stdout.contains("solve"))
  #expect(r.stdout.contains("spice"))
  #expect(r.stdout.contains("pulses"))
}

@Test func unknownCommandIsUsageError() throws {
  let r = try runXbarsim(["frobnicate"])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: unknown command 'frobnicate'"))
}

// A value forgotten before the next option, and a directory given as a
// file: one clear line each.
@Test func aForgottenValueAndADirectoryForAFileAreNamed() throws {
  let dir = try Scratch.directory("xbarsim-cli-dir")
  defer { try? FileManager.default.removeItem(at: dir) }
  let forgotten = try runXbarsim(["sweep", "--grid", "nmax=8", "--out", "--quiet"])
  #expect(forgotten.status == 64)
  #expect(forgotten.stderr.hasPrefix("Error: missing value for '--out"), "\(forgotten.stderr)")
  let merge = try runXbarsim(["sweep", "merge", dir.path, "--grid", "nmax=8"])
  #expect(merge.status == 64)
  #expect(merge.stderr.hasPrefix("Error: --grid does not apply to 'sweep merge'"), "\(merge.stderr)")
  let directory = try runXbarsim(["solve", dir.path])
  #expect(directory.status == 1)
  #expect(directory.stderr.hasPrefix("Error: \(dir.path): cannot read file (not a regular file: a directory)"), "\(directory.stderr)")
}

// An empty path ('--summary ""', a shell variable that was never set)
// passed the checks made before training, so the whole run went by and
// only the write failed, with ": cannot write (… error 512.)" naming
// nothing (2026-11-30 audit). Now a usage error naming the option, before
// any data is read.
// ("@data": a directory of generated images, so that without the check
// the run goes ahead.)
@Test(arguments: [
  (["train", "@data", "--summary", ""], "--summary expects a path"),
  (["train", "@data", "--plot="], "--plot expects a path"),
  (["train", "@data", "--checkpoint-out", ""], "--checkpoint-out expects a path"),
  (["train", "@data", "--log", ""], "--log expects a path"),
  (["train", "@data", "--config", ""], "--config expects a path"),
  (["inspect", "@data", "--samples", "1", "--out", ""], "--out expects a path"),
  (["reproduce", "lim2018", "--figure", "8", "@data", "--seeds", "1", "--summary", ""], "--summary expects a path"),
  (["pulses", "--svg", ""], "--svg expects a path"),
  (["spice", "p.json", "--output", ""], "--output expects a path"),
  (["solve", ""], "<file.json> is an empty path"),
  (["spice", ""], "<file.json> is an empty path"),
  (["sweep", "merge", ""], "a shard directory is an empty path"),
])
func anEmptyPathIsAUsageErrorNamingTheOption(_ arguments: [String], _ mentions: String) throws {
  let root = try Scratch.directory("xbarsim-cli-empty")
  defer { try? FileManager.default.removeItem(at: root) }
  let data = root.appendingPathComponent("data")
  try SyntheticImages.writeIDX(
    train: SyntheticImages(count: 20, seed: 1), test: SyntheticImages(count: 10, seed: 2), to: data)
  let r = try runXbarsim(arguments.flatMap {
    $0 == "@data" ? ["--data", data.path, "--layers", "64,8,10", "--evals-per-epoch", "1"] : [$0]
  })
  #expect(r.status == 64, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: ") && r.stderr.split(separator: "\n").first?.contains(mentions) == true, "\(r.stderr)")
  #expect(r.stdout.isEmpty, "\(r.stdout)")
}

// `bench` (2026-11-30 audit): rows × cols that overflow Int trapped, and a
// value or option the benchmark does not read was silently ignored
// ('--wires copper' ran ideal wires, '--repeat 0' ran once, '--r' with
// 'read' did nothing). Each is now a usage error naming the option.
@Test(arguments: [
  (["read", "--rows", "9999999999", "--cols", "9999999999"], "--rows 9999999999 × --cols 9999999999 is more than"),
  (["solve", "--rows", "3037000500", "--cols", "3037000500"], "--rows 3037000500 × --cols 3037000500 is more than"),
  (["read", "--rows", "4", "--cols", "4", "--wires", "copper"], "--wires expects ideal or resistive, got 'copper'"),
  (["read", "--rows", "4", "--cols", "4", "--repeat", "0"], "--repeat must be ≥ 1, got 0"),
  (["solve", "--rows", "4", "--repeat", "-5"], "--repeat must be ≥ 1, got -5"),
  (["read", "--rows", "4", "--cols", "4", "--r", "5"], "--r does not apply to 'bench read'"),
  (["hybrid", "--rows", "4"], "--rows does not apply to 'bench hybrid'"),
  (["read", "--rows", "4", "--cols", "4", "--r-row", "2"], "--r-row applies only with --wires resistive"),
  (["train", "--images", "5"], "--images applies only with --wires resistive"),
  (["read", "--rows", "4", "--cols", "4", "--wires", "resistive", "--r-col", "0"], "--r-col must be > 0, got 0"),
  // Train's rules for the keys bench shares with it (2026-12 fuzzing:
  // each ran, reporting 0.00 iterations or a residual of 0).
  (["read", "--rows", "4", "--cols", "4", "--wires", "resistive", "--wire-tolerance", "5"],
   "--wire-tolerance: must be in [1e-14, 0.01] (below 1e-14 a relative residual is rounding), got 5"),
  (["read", "--rows", "4", "--cols", "4", "--wires", "resistive", "--r-row", "1e300", "--r-col", "1e300"],
   "--r-row: 1e+300 Ω is too large to solve (a resistance must be ≤ 1e150 Ω)"),
  // G·r printed with every digit: %g said "(G·r = 1e+09) is beyond 1e9".
  (["read", "--rows", "4", "--cols", "4", "--wires", "resistive", "--r-row", "1e14", "--r-col", "1"],
   "--r-row: 1e+14 Ω against gmax 1e-05 S (G·r = 1000000000.0000001) is beyond 1e9"),
  (["solve", "--rows", "4", "--r", "1e300"], "--r 1e300 Ω against G up to 0.0001 S (G·r = 1.0000000000000002e+296) is beyond 1e9"),
  // --images checked before the data are read and an ideal epoch runs
  // (it was refused after 13 s, as --train-limit).
  (["train", "--data", "/nonexistent", "--wires", "resistive", "--images", "-1"], "--images must be ≥ 1, got -1"),
  (["train", "--data", "/nonexistent", "--wires", "resistive", "--images", "0"], "--images must be ≥ 1, got 0"),
])
func benchRefusesBadSizesAndOptionsItWouldIgnore(_ arguments: [String], _ mentions: String) throws {
  let r = try runXbarsim(["bench"] + arguments)
  #expect(r.status == 64, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: ") && r.stderr.split(separator: "\n").first?.contains(mentions) == true, "\(r.stderr)")
  #expect(r.stdout.isEmpty, "\(r.stdout)")
}

// 'xbarsim help frobnicate' printed the overview and exited 0 (2026-11-30 audit).
@Test func helpForAnUnknownCommandIsAUsageError() throws {
  let r = try runXbarsim(["help", "frobnicate"])
  #expect(r.status == 64)
  #expect(r.stderr.hasPrefix("Error: unknown command 'frobnicate'"), "\(r.stderr)")
  #expect(r.stdout.isEmpty)
  let known = try runXbarsim(["help", "solve"])
  #expect(known.status == 0)
  #expect(known.stdout.hasPrefix("OVERVIEW: Solve one crossbar read"), "\(known.stdout)")
}
