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
  let dir = try temporaryDirectory("xbarsim-cli-dir")
  defer { try? FileManager.default.removeItem(at: dir) }
  let forgotten = try runXbarsim(["sweep", "--grid", "nmax=8", "--out", "--quiet"])
  #expect(forgotten.status == 64)
  #expect(forgotten.stderr.hasPrefix("Error: missing value for '--out"), "\(forgotten.stderr)")
  let merge = try runXbarsim(["sweep", "merge", dir.path, "--grid", "nmax=8"])
  #expect(merge.status == 64)
  #expect(merge.stderr.hasPrefix("Error: --grid does not apply to 'sweep merge'"), "\(merge.stderr)")
  let directory = try runXbarsim(["solve", dir.path])
  #expect(directory.status == 1)
  #expect(directory.stderr.hasPrefix("Error: \(dir.path): cannot read file (a directory, or unreadable)"), "\(directory.stderr)")
}
