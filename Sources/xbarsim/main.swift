import Foundation

// A write beyond the file-size limit (`ulimit -f`) fails with EFBIG and goes
// through the commands' error paths (a log write failure stops training as
// Ctrl-C does), instead of SIGXFSZ killing the process mid-row.
signal(SIGXFSZ, SIG_IGN)
// A write to a closed pipe (`--log - | head -3`, `2>&1 | head -1`) fails
// with EPIPE and goes through the same paths, instead of SIGPIPE killing
// a run without its summary or checkpoint (a walkthrough, session 42).
signal(SIGPIPE, SIG_IGN)

// An argument that is not UTF-8 (a path with a Latin-1 byte, say) would
// reach the commands with U+FFFD in place of its bytes: outputs written
// under another name, inputs "not found" (a walkthrough, session 42).
for k in 1..<Int(CommandLine.argc) {
  guard let raw = CommandLine.unsafeArgv[k], String(validatingCString: raw) == nil else { continue }
  let shown = String(decoding: UnsafeBufferPointer(start: raw, count: strlen(raw)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  FileHandle.standardError.write(
    Data("Error: argument \(k) ('\(shown)', U+FFFD for each bad byte) is not UTF-8: xbarsim takes its paths and values as UTF-8 text\n".utf8))
  exit(64)
}

// Thin shell: all logic is in `Xbarsim.run(arguments:)`, which tests call.
let code = Xbarsim.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
