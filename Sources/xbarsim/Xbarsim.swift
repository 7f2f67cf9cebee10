import Foundation

/// The `xbarsim` command line: a thin shell over the three libraries.
enum Xbarsim {
  static let version = "0.1.0"
  /// The version and the source it was built from: "0.1.0 (git " and the
  /// commit's first 12 hex digits, ", modified" when a compiled source or
  /// Package.swift differs from that commit, "(git unknown)" outside a git checkout
  /// (Plugins/BuildIdentity). Written by `--version`, into summaries and
  /// checkpoints, so a file says which build made it.
  static let build = "\(version) (\(buildSource == "unknown" ? "git unknown" : buildSource))"

  /// Every subcommand, in the order `--help` lists them.
  nonisolated(unsafe) static var commands: [any CLICommand.Type] = [
    SolveCommand.self,
    SpiceCommand.self,
    LineCommand.self,
    PulsesCommand.self,
    TrainCommand.self,
    InspectCommand.self,
    EvaluateCommand.self,
    SweepCommand.self,
    ReproduceCommand.self,
    BenchCommand.self,
  ]

  static var helpText: String {
    var s = """
      OVERVIEW: xbarsim, a circuit-level simulator of resistive crossbar arrays
      for hardware neural networks.

      USAGE: xbarsim <command> [options]

      COMMANDS:

      """
    let width = (commands.map { $0.spec.name.count }.max() ?? 0) + 2
    for c in commands {
      let n = c.spec.name
      s += "  \(n)\(String(repeating: " ", count: width - n.count))\(c.spec.abstract)\n"
    }
    s += """

      OPTIONS:
        --version   Show the version.
        --help      Show help information.

        See 'xbarsim <command> --help' for a command's options.

      """
    return s
  }

  /// Runs one invocation and returns the process exit code:
  /// 0 success, 64 bad usage (a bad option, or a bad key or value in a
  /// `--config` file), 1 other failure, 74 (EX_IOERR) when standard
  /// output cannot be written (a full disk, a closed descriptor).
  static func run(arguments: [String]) -> Int32 {
    let code = runCommand(arguments)
    // Every command's printed results end here: one that was lost (a full
    // disk, a closed standard output) is a failure, not exit 0.
    if code == 0, let failure = StandardOutput.flush() {
      var err = StandardError()
      print("Error: \(failure)", to: &err)
      return 74
    }
    return code
  }

  /// " (did you mean 'train'?)" for a command's near miss, as options get
  /// (a walkthrough, session 64: `xbarsim trian`); "" otherwise.
  static func commandHint(_ name: String) -> String {
    ArgumentParsing.nearest(name, among: commands.map { $0.spec.name }).map { " (did you mean '\($0)'?)" } ?? ""
  }

  private static func runCommand(_ arguments: [String]) -> Int32 {
    var err = StandardError()
    guard let first = arguments.first else {
      print(helpText, terminator: "", to: &err)
      return 64
    }
    if first == "-h" || first == "--help" || first == "help" {
      if arguments.count > 1, let c = commands.first(where: { $0.spec.name == arguments[1] }) {
        print(c.spec.helpText, terminator: "")
      } else if arguments.count > 1 {
        print("Error: unknown command '\(arguments[1])'\(commandHint(arguments[1]))", to: &err)
        print("Usage: xbarsim help <command>", to: &err)
        print("  See 'xbarsim --help' for more information.", to: &err)
        return 64
      } else {
        print(helpText, terminator: "")
      }
      return 0
    }
    if first == "--version" {
      // (`--version extra` printed the version and ignored `extra`.)
      if arguments.count > 1 {
        print("Error: --version takes no arguments, got '\(arguments[1])'", to: &err)
        print("Usage: xbarsim --version", to: &err)
        print("  See 'xbarsim --help' for more information.", to: &err)
        return 64
      }
      print("xbarsim \(build)")
      return 0
    }
    guard let command = commands.first(where: { $0.spec.name == first }) else {
      print("Error: unknown command '\(first)'\(commandHint(first))", to: &err)
      print("Usage: xbarsim <command> [options]", to: &err)
      print("  See 'xbarsim --help' for more information.", to: &err)
      return 64
    }
    let spec = command.spec
    do {
      guard let parsed = try ArgumentParsing.parse(Array(arguments.dropFirst()), spec: spec)
      else { return 0 }
      try command.run(parsed)
      return 0
    } catch let e as CLIError {
      switch e {
      case .usage(let m):
        print("Error: \(oneLine(m))", to: &err)
        print("Usage: \(spec.usage)", to: &err)
        print("  See 'xbarsim \(spec.name) --help' for more information.", to: &err)
        return 64
      case .configuration(let m):
        print("Error: \(oneLine(m))", to: &err)
        return 64
      case .runtime(let m):
        print("Error: \(oneLine(m))", to: &err)
        return 1
      case .interrupted(let m):
        print("Error: \(oneLine(m))", to: &err)
        // 128 + the signal, so that a job's wrapper tells an interrupted
        // run, to go on with, from a failed one (a walkthrough, session
        // 67: both were 1).
        return interruptedExitCode(signal: interruptRequested)
      }
    } catch let e as StandardOutput.WriteError {
      print("Error: \(e)", to: &err)
      return 74
    } catch {
      print("Error: \(oneLine("\(error)"))", to: &err)
      return 1
    }
  }

  /// An interrupted run's exit code: 128 + `signal`, or 1 when no signal
  /// is known (0).
  static func interruptedExitCode(signal: Int32) -> Int32 { signal != 0 ? 128 + signal : 1 }

  /// An error message on one line whatever the names in it hold: a file
  /// name with a newline or a tab (legal on Unix) is shown escaped, and a
  /// message quoting a huge value (a megabyte of config text) is cut to
  /// about `maxErrorLength` characters: its start and its end, where the
  /// reason is (a path of 2,000 characters had lost "cannot write (…)": a
  /// walkthrough, session 69).
  static func oneLine(_ message: String) -> String {
    func escaped<S: Sequence<Unicode.Scalar>>(_ scalars: S) -> String {
      var out = ""
      for scalar in scalars {
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
          if scalar.properties.generalCategory == .control {
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
          } else {
            out.unicodeScalars.append(scalar)
          }
        }
      }
      return out
    }
    let scalars = message.unicodeScalars
    let total = scalars.count
    guard total > maxErrorLength else { return escaped(scalars) }
    let tail = maxErrorLength / 4
    let head = maxErrorLength - tail
    return escaped(scalars.prefix(head)) + " … (\(total - head - tail) of \(total) characters left out) … "
      + escaped(scalars.suffix(tail))
  }

  /// The longest error message printed whole.
  static let maxErrorLength = 2_000
}
