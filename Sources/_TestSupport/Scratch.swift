import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where the tests of one process keep their files: one directory,
/// `<system temp>/xbarsim-tests-<pid>-<UUID>` (mode 0700), made on first use and
/// removed with everything in it when the process exits (an `atexit`
/// handler). A test still removes what it made if it wants to (many do);
/// what it leaves, or what a failing test leaves, goes at exit.
///
/// A process that does not exit (a crash, a signal, a test that traps)
/// leaves its directory behind.
public enum Scratch {
  /// The process's scratch directory, created on first use.
  public static let root: URL = {
    let url = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
      .appendingPathComponent("xbarsim-tests-\(getpid())-\(UUID().uuidString)", isDirectory: true)
    let fm = FileManager.default
    // (A name of its own: a test process in another pid namespace sharing
    // /tmp may have this pid; a review, session 67.)
    do {
      try fm.createDirectory(
        at: url, withIntermediateDirectories: true,
        attributes: [.posixPermissions: 0o700])
    } catch {
      fatalError("cannot create the tests' scratch directory \(url.path): \(error)")
    }
    scratchRootPath = url.path
    atexit { removeScratchRoot() }
    return url
  }()

  /// A fresh, empty directory `root/<prefix>-<UUID>`, created.
  public static func directory(_ prefix: String = "xbarsim-test") throws -> URL {
    let url = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// A path nothing is at yet, `root/<stem>-<UUID>.<ext>` for a `name` of
  /// `<stem>.<ext>` (`root/<name>-<UUID>` without an extension). Not created.
  public static func file(_ name: String) -> URL {
    let ext = (name as NSString).pathExtension
    let stem = (name as NSString).deletingPathExtension
    let unique = "\(stem)-\(UUID().uuidString)" + (ext.isEmpty ? "" : ".\(ext)")
    return root.appendingPathComponent(unique)
  }

  /// The environment of a child process the tests start: this process's,
  /// with `TMPDIR` the scratch directory, so that what a child (a script,
  /// ngspice, python3) puts in the system temp directory goes at exit too.
  public static var childEnvironment: [String: String] {
    var env = ProcessInfo.processInfo.environment
    env["TMPDIR"] = root.path
    return env
  }
}

/// The scratch directory's path for the atexit handler (set once, before
/// the handler is registered; read only at exit).
nonisolated(unsafe) private var scratchRootPath: String?

private func removeScratchRoot() {
  guard let path = scratchRootPath else { return }
  try? FileManager.default.removeItem(atPath: path)
}
