import Foundation
import Testing
import _TestSupport

@testable import xbarsim

// Session 45's peripheral walkthrough: two runs started together, each
// writing a summary into one directory (no --out), had refused each other
// as that directory's --out at random (4 of 30 pairs): each one's probe of
// the directory's lock saw the other's probe. A lock held for an instant is
// not a run's now; one held throughout still is.
@Test func aLockHeldForAnInstantIsAnotherProbeNotARun() throws {
  let dir = try Scratch.directory("xbarsim-probe")
  defer { try? FileManager.default.removeItem(at: dir) }
  let fd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  #expect(fd >= 0)
  defer { close(fd) }
  #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
  // Given back a millisecond later, as a probe gives it back.
  let release = Thread {
    usleep(1_000)
    flock(fd, LOCK_UN)
  }
  release.start()
  #expect(!OutputFile.directoryInUse(dir.path))
  while !release.isFinished { usleep(1_000) }
  // Held throughout, as a run holds its --out.
  #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
  #expect(OutputFile.directoryInUse(dir.path))
}
