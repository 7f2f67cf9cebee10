import Circuit
import Foundation

enum SolveCommand: CLICommand {
  static let spec = CommandSpec(
    name: "solve", abstract: "(not yet implemented)", usage: "xbarsim solve")
  static func run(_ args: ParsedArguments) throws {
    throw CLIError.runtime("solve is not implemented yet")
  }
}
