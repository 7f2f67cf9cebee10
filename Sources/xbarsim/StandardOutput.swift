#if canImport(Glibc)
  // Without Foundation, and with @preconcurrency: Swift 6 refuses the C
  // global `stdout` otherwise.
  @preconcurrency import Glibc
#elseif canImport(Darwin)
  @preconcurrency import Darwin
#endif

/// Standard output for a command's results, through the C stream `print`
/// also writes to (so the two keep their order), with failures as errors:
/// `FileHandle.write(_: Data)` traps on a full disk or a closed descriptor,
/// and a failed `print` is silent.
enum StandardOutput {
  /// A write to standard output failed (exit 74, EX_IOERR).
  struct WriteError: Error, CustomStringConvertible {
    var reason: String
    var description: String { "cannot write standard output: \(reason)" }
  }

  /// Writes `text` and flushes it.
  ///
  /// - Throws: `WriteError` with the system's reason ("No space left on
  ///   device", "Bad file descriptor").
  static func write(_ text: String) throws {
    var s = text
    let written = s.withUTF8 { buf in fwrite(buf.baseAddress, 1, buf.count, stdout) }
    if written != text.utf8.count { throw WriteError(reason: String(cString: strerror(errno))) }
    if let failure = flush() { throw failure }
  }

  /// Flushes what `print` buffered; the error if this or any earlier
  /// write to standard output failed, else nil.
  static func flush() -> WriteError? {
    if fflush(stdout) != 0 { return WriteError(reason: String(cString: strerror(errno))) }
    if ferror(stdout) != 0 { return WriteError(reason: "an earlier write failed") }
    return nil
  }
}
