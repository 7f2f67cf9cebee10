import Circuit
import Foundation

enum PulsesCommand: CLICommand {
  static let spec = CommandSpec(
    name: "pulses", abstract: "(not yet implemented)", usage: "xbarsim pulses")
  static func run(_ args: ParsedArguments) throws {
    throw CLIError.runtime("pulses is not implemented yet")
  }
}
