import Foundation

/// This checkout's root (the tests read its README, docs and scripts).
let checkoutRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The first `python3` on PATH, if any (the oracle scripts' tests).
let python3OnPath: URL? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
  .split(separator: ":")
  .map { URL(fileURLWithPath: String($0)).appendingPathComponent("python3") }
  .first { FileManager.default.isExecutableFile(atPath: $0.path) }

/// Whether a test that needs python3 runs: where it is, and always under
/// CI (which installs it, so a missing one fails the test there).
let python3Runs = python3OnPath != nil || ProcessInfo.processInfo.environment["CI"] != nil
