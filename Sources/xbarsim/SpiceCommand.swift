import Circuit
import Foundation

enum SpiceCommand: CLICommand {
  static let spec = CommandSpec(
    name: "spice", abstract: "(not yet implemented)", usage: "xbarsim spice")
  static func run(_ args: ParsedArguments) throws {
    throw CLIError.runtime("spice is not implemented yet")
  }
}
