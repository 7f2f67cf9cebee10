import Foundation

/// Relative closeness with a floor: |a − b| ≤ tol · max(|a|, |b|, floor).
public func isApproximatelyEqual(
  _ a: Double, _ b: Double, relativeTolerance tol: Double, floor: Double = 0
) -> Bool {
  if a == b { return true }
  return abs(a - b) <= tol * max(abs(a), abs(b), floor)
}

/// The largest |a_i − b_i| / max(|b|_∞, floor): a norm-based comparison.
public func maxRelativeDifference(_ a: [Double], _ b: [Double], floor: Double = 0) -> Double {
  precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
  let scale = max(b.map(abs).max() ?? 0, floor)
  if scale == 0 { return a.map(abs).max() ?? 0 }
  var m = 0.0
  for i in a.indices { m = max(m, abs(a[i] - b[i]) / scale) }
  return m
}

/// The result of running a built product of this package.
public struct ProcessResult: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Finds an executable product (e.g. `xbarsim`) built beside the test bundle.
public func productExecutable(_ name: String) -> URL? {
  var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for _ in 0..<4 {
    let candidate = dir.appendingPathComponent(name)
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue {
      return candidate
    }
    dir = dir.deletingLastPathComponent()
  }
  return nil
}

/// Runs `executable` with `arguments` and captures its output. The child's
/// `TMPDIR` is ``Scratch/root``: what it puts in the temp directory (a
/// script's `mktemp`, python's `tempfile`) is removed with the scratch.
public func runProcess(
  _ executable: URL, _ arguments: [String], stdin: Data? = nil,
  currentDirectory: URL? = nil
) throws -> ProcessResult {
  let p = Process()
  p.executableURL = executable
  p.arguments = arguments
  p.environment = Scratch.childEnvironment
  if let currentDirectory { p.currentDirectoryURL = currentDirectory }
  let out = Pipe(), err = Pipe()
  p.standardOutput = out
  p.standardError = err
  let inPipe = Pipe()
  p.standardInput = inPipe
  // The input goes into the pipe before the child starts: written after,
  // it raced a child that exits without reading it (a bad option), and a
  // write to a pipe with no reader raises SIGPIPE, which killed the whole
  // test process (a helper's run, session 72). A pipe holds at least a
  // page (Linux gives 64 KiB, or one page to a user past
  // pipe-user-pages-soft; macOS starts at 16 KiB), so at most 4 KiB.
  if let stdin {
    precondition(stdin.count <= 4096, "runProcess: at most 4 KiB of standard input (a pipe's least capacity)")
    inPipe.fileHandleForWriting.write(stdin)
  }
  try p.run()
  try? inPipe.fileHandleForWriting.close()
  // Read both pipes concurrently so a large output cannot block the child.
  nonisolated(unsafe) var errData = Data()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  p.waitUntilExit()
  return ProcessResult(
    status: p.terminationStatus,
    stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the package's `xbarsim` executable.
public func runXbarsim(_ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
  guard let exe = productExecutable("xbarsim") else {
    struct Missing: Error, CustomStringConvertible {
      var description: String { "xbarsim executable not found beside the test bundle" }
    }
    throw Missing()
  }
  return try runProcess(exe, arguments, stdin: stdin)
}

/// A new scratch directory `root` (``Scratch/directory(_:)``) with a data set in `root/data`:
/// `train` training and `test` test images, side × side, generated with
/// seeds 1 and 2 (``SyntheticImages``) and written as IDX files. The
/// caller may remove `root`; what is left goes when the process exits.
public func syntheticDataDirectory(
  _ label: String, train: Int, test: Int, side: Int = 8
) throws -> (root: URL, data: URL) {
  let root = try Scratch.directory(label)
  let data = root.appendingPathComponent("data")
  try SyntheticImages.writeIDX(
    train: SyntheticImages(count: train, rows: side, cols: side, seed: 1),
    test: SyntheticImages(count: test, rows: side, cols: side, seed: 2), to: data)
  return (root, data)
}

/// The rows of a CSV file the tool wrote (`log.csv`, `epochs.csv`), header
/// dropped, each cell as a number (nan for an empty or text cell).
public func numericCSVRows(_ url: URL) throws -> [[Double]] {
  try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
    .map { $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan } }
}

/// An SVG plot's title as one line: its title lines (14 px type; a
/// figure's 15 px, its panels' 14 px left out) joined by spaces (since
/// session 71 a long title wraps at spaces). Entities stay escaped.
public func svgTitleText(_ svg: String) -> String {
  let size = svg.contains("font-size=\"15\"") ? "15" : "14"
  return svg.split(separator: "\n").filter { $0.hasPrefix("<text ") && $0.contains("font-size=\"\(size)\"") }
    .map { line in
      let body = line.split(separator: ">", maxSplits: 1).last.map(String.init) ?? ""
      return body.hasSuffix("</text>") ? String(body.dropLast("</text>".count)) : body
    }
    .joined(separator: " ")
}
