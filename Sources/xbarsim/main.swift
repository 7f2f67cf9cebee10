import Foundation

// A write beyond the file-size limit (`ulimit -f`) fails with EFBIG and goes
// through the commands' error paths (a log write failure stops training as
// Ctrl-C does), instead of SIGXFSZ killing the process mid-row.
signal(SIGXFSZ, SIG_IGN)

// Thin shell: all logic is in `Xbarsim.run(arguments:)`, which tests call.
let code = Xbarsim.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
