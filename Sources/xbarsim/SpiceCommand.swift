import Circuit
import Foundation

/// `xbarsim spice FILE.json`: the same circuit as an ngspice netlist.
enum SpiceCommand: CLICommand {
  static let spec = CommandSpec(
    name: "spice",
    abstract: "Write a crossbar problem (JSON) as an ngspice netlist for cross-checking.",
    usage: "xbarsim spice <file.json> [--output|--out <file.cir>] [--write <row,col> [--scheme v2|v3] [--write-voltage <V>]]",
    discussion: """
      The netlist has one voltage source per word line, one resistor per line segment
      and per cell (1/G; cells with G = 0 are left open; with the file's iv_v0 > 0 each
      cell is a behavioural source BC<i>_<j>, I = G·V0·sinh(V/V0)), and a 0 V source Vout<j> at
      the end of each bit line as an ammeter. It runs an operating point (.op) and
      prints i(vout<j>) = i_out[j] with 15 significant digits:

        xbarsim spice problem.json > net.cir && ngspice -b net.cir

      Use '-' to read standard input.

      Segments of zero resistance are merged into their nodes (SPICE rejects 0 Ω).
      The file's r_driver and r_sense are resistors of their own, RD<i> after each
      source and RS<j> before each output.

      With --write ROW,COL the lines are biased as 'xbarsim solve --write' biases
      them (the file's v_in is not used): each bit line's Vout<j> is a source at
      its scheme voltage, and the netlist also prints the selected cell's
      word-line and bit-line node voltages.
      """,
    options: [
      OptionSpec("--output", "<file>", "Write the netlist to a file instead of standard output."),
      OptionSpec("--out", "<file>", "The same as --output (the other commands' name)."),
      OptionSpec("--write", "<row,col>", "The array biased to write cell (row, col), 0-based, as solve --write."),
      OptionSpec("--scheme", "<v2|v3>", "With --write: the V/2 or the V/3 scheme (default v2)."),
      OptionSpec("--write-voltage", "<V>", "With --write: the voltage across the selected cell (default 1)."),
    ],
    maxPositionals: 1)

  static func run(_ args: ParsedArguments) throws {
    guard let path = args.positionals.first else { throw CLIError.usage("missing <file.json>") }
    guard !path.isEmpty else { throw CLIError.usage("<file.json> is an empty path") }
    if let a = args.string("--output"), let b = args.string("--out") {
      throw CLIError.usage("--output and --out are two names of one option (the netlist file), given twice (\(a) and \(b)): give one")
    }
    let output = args.string("--output") ?? args.string("--out")
    if let output, path != "-", OutputFile.sameFile(output, path) {
      throw CLIError.usage("--output \(output) names the problem file \(path); it would be overwritten")
    }
    // '-' reads standard input, as for `solve`.
    let source = path == "-" ? "<stdin>" : path
    var ignored: [String] = []
    let loaded = path == "-"
      ? try ProblemFile.parse(ProblemFile.readStandardInput(), source: source, ignored: &ignored, withoutDrives: args.string("--write") != nil)
      : try ProblemFile.load(path, ignored: &ignored, withoutDrives: args.string("--write") != nil)
    let write = try SolveCommand.writeRequest(args, loaded, source: source)
    let mesh = write.map { loaded.writing(row: $0.row, column: $0.column, voltage: $0.voltage, scheme: $0.scheme) } ?? loaded
    do { try mesh.validate() } catch let e as ConfigurationError {
      throw CLIError.runtime("\(source): \(e)")
    }
    // The text: some 60 bytes per cell, and twice that while it grows.
    if let reason = MemoryLimit.shortfall(200 * Double(mesh.rows) * Double(mesh.columns)) {
      throw CLIError.runtime("\(source): the netlist of the \(mesh.rows)×\(mesh.columns) mesh \(reason)")
    }
    // 1/G overflows for a subnormal G: SPICE rejects a resistance of inf.
    let n = mesh.columns
    if let k = mesh.conductance.firstIndex(where: { $0 > 0 && !(1 / $0).isFinite }) {
      throw CLIError.runtime(
        "\(source): 'conductance[\(k / n)][\(k % n)]' = \(mesh.conductance[k]) S has no finite resistance 1/G for the netlist; use 0 for an open cell")
    }
    let text = netlist(mesh, title: source, probe: write.map { ($0.row, $0.column) })
    if let out = output {
      try OutputFile.write(text, to: out)
    } else {
      try StandardOutput.write(text)
    }
    var err = StandardError()
    for note in ProblemFile.notes(ignored, mesh: mesh, source: source) { print(note, to: &err) }
    if let write, loaded.rowTerminations.contains(where: { ($0.volts ?? 0) != 0 }) {
      print("note: \(source): v_in is not used with --write (the \(write.scheme.rawValue) scheme drives every line)", to: &err)
    }
  }

  /// The netlist of `mesh` as its terminations drive it (a forward read's
  /// bit lines at 0 V, a write's at its scheme's voltages), printing the
  /// bit lines' currents, and with `probe` that cell's word-line and
  /// bit-line node voltages.
  static func netlist(_ mesh: CrossbarMesh, title: String, probe: (row: Int, column: Int)? = nil) -> String {
    let m = mesh.rows, n = mesh.columns
    let rr = mesh.wires.rowSegmentResistance, rc = mesh.wires.columnSegmentResistance
    func num(_ x: Double) -> String { String(format: "%.17g", x) }
    let rd = mesh.rowTerminalResistance, rs = mesh.columnTerminalResistance
    // Node names; ideal segments merge a line into its terminal node: the
    // source's, or behind a terminal resistance the node after it.
    func driven(_ i: Int) -> String { rd > 0 ? "d\(i)" : "s\(i)" }
    func sensed(_ j: Int) -> String { rs > 0 ? "t\(j)" : "o\(j)" }
    func word(_ i: Int, _ j: Int) -> String { rr == 0 ? driven(i) : "w\(i)_\(j)" }
    func bit(_ i: Int, _ j: Int) -> String { rc == 0 ? sensed(j) : "b\(i)_\(j)" }
    // A control character in the title (a newline in a file name) would
    // end the comment and put the rest of it into the circuit.
    let safeTitle = String(String.UnicodeScalarView(title.unicodeScalars.map {
      $0.properties.generalCategory == .control ? "?" : $0
    }))
    let terminals = rd > 0 || rs > 0 ? ", r_driver=\(num(rd)) ohm, r_sense=\(num(rs)) ohm" : ""
    let cells = if case .sinh(let v0) = mesh.cellIV { ", cells I=G*V0*sinh(V/V0) with V0=\(num(v0)) V" } else { "" }
    var s = "* xbarsim crossbar \(m)x\(n), r_row=\(num(rr)) ohm, r_col=\(num(rc)) ohm\(terminals)\(cells), from \(safeTitle)\n"
    s.reserveCapacity(64 * m * n)
    for i in 0..<m {
      s += "V\(i) s\(i) 0 DC \(num(mesh.rowTerminations[i].volts ?? 0))\n"
      if rd > 0 { s += "RD\(i) s\(i) d\(i) \(num(rd))\n" }
      if rr > 0 {
        s += "RW\(i)_0 \(driven(i)) \(word(i, 0)) \(num(rr))\n"
        for j in 1..<n { s += "RW\(i)_\(j) \(word(i, j - 1)) \(word(i, j)) \(num(rr))\n" }
      }
    }
    for i in 0..<m {
      for j in 0..<n where mesh.conductance[i * n + j] > 0 {
        if case .sinh(let v0) = mesh.cellIV {
          // A behavioural current source: I = G·V0·sinh(V/V0), word to bit.
          let (w, b) = (word(i, j), bit(i, j))
          s += "BC\(i)_\(j) \(w) \(b) I=\(num(mesh.conductance[i * n + j] * v0))*sinh(v(\(w),\(b))/\(num(v0)))\n"
        } else {
          s += "RC\(i)_\(j) \(word(i, j)) \(bit(i, j)) \(num(1 / mesh.conductance[i * n + j]))\n"
        }
      }
    }
    for j in 0..<n {
      if rc > 0 {
        for i in 0..<(m - 1) { s += "RB\(i)_\(j) \(bit(i, j)) \(bit(i + 1, j)) \(num(rc))\n" }
        s += "RB\(m - 1)_\(j) \(bit(m - 1, j)) \(sensed(j)) \(num(rc))\n"
      }
      if rs > 0 { s += "RS\(j) t\(j) o\(j) \(num(rs))\n" }
      s += "Vout\(j) o\(j) 0 DC \(num(mesh.columnTerminations[j].volts ?? 0))\n"
    }
    // ngspice stops its Newton iteration at a relative change of 1e-3 by
    // default: non-linear cells are held to 1e-10, as `solve` holds them.
    if case .sinh = mesh.cellIV { s += ".options reltol=1e-10 abstol=1e-20 vntol=1e-14\n" }
    s += ".op\n.control\nset numdgt=15\nrun\n"
    var k = 0
    while k < n {
      let upper = min(n, k + 16)
      s += "print " + (k..<upper).map { "i(vout\($0))" }.joined(separator: " ") + "\n"
      k = upper
    }
    if let (i, j) = probe { s += "print v(\(word(i, j))) v(\(bit(i, j)))\n" }
    s += "quit\n.endc\n.end\n"
    return s
  }
}
