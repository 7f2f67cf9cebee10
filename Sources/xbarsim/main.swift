import Foundation

// A write beyond the file-size limit (`ulimit -f`) fails with EFBIG and goes
// through the commands' error paths (a log write failure stops training as
// Ctrl-C does), instead of SIGXFSZ killing the process mid-row.
signal(SIGXFSZ, SIG_IGN)
// A write to a closed pipe (`--log - | head -3`, `2>&1 | head -1`) fails
// with EPIPE and goes through the same paths, instead of SIGPIPE killing
// a run without its summary or checkpoint (a walkthrough, session 42).
signal(SIGPIPE, SIG_IGN)

// Thin shell: all logic is in `Xbarsim.run(arguments:)`, which tests call.
let code = Xbarsim.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
