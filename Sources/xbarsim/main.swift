import Foundation

// Thin shell: all logic is in `Xbarsim.run(arguments:)`, which tests call.
let code = Xbarsim.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
