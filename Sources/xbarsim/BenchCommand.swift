import Circuit
import Foundation

enum BenchCommand: CLICommand {
  static let spec = CommandSpec(
    name: "bench", abstract: "(not yet implemented)", usage: "xbarsim bench")
  static func run(_ args: ParsedArguments) throws {
    throw CLIError.runtime("bench is not implemented yet")
  }
}
