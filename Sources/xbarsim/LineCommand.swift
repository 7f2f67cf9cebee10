import Circuit
import Foundation

/// `xbarsim line`: one line of an array (a word line, a bit line, a
/// three-terminal array's control-gate line) as a distributed RC line, and
/// what a pulse on it does in time: how far down the line it arrives, how
/// late, how much of it each cell gets, and what charging the line costs.
enum LineCommand: CLICommand {
  static let spec = CommandSpec(
    name: "line",
    abstract: "The transient of one pulse on one RC line (word, bit or control-gate line) and its energy, as JSON.",
    usage: "xbarsim line --cells <n> --segment-resistance <Ω> --capacitance <F> [--shunt <S>] [--voltage <V>] [--width <s>] ...",
    discussion: """
      The line: a driver (a voltage source behind --driver-resistance) at one
      end, n cells along it, each joined to the one before by a segment of
      --segment-resistance, each with --capacitance to ground (its gate or
      junction and its share of the wire) and --shunt conductance to ground
      (a read's cells into virtual-ground bit lines; 0, the default, for an
      insulated control gate). The far end is open. The driver gives one
      rectangular pulse of --voltage for --width (ideal edges) and the line
      is integrated to --until (default: 25 of its slowest time constants
      after the pulse, when it has discharged to far below 1e-9 of the
      voltage), with an L-stable second-order method on a step grid
      refined at both edges; integration_error_volts estimates its error.

      It prints one JSON object: per cell along the line its peak voltage,
      time at or beyond --threshold, 50 % delay (the first time a cell
      reaches half its steady state under the pulse) and Elmore delay (Σ c·R
      of the segments and driver, the shunts ignored: with shunts the line
      settles sooner, to less than V); the
      far cell's and the weakest cell's figures; and the energy the driver
      gives (energy_source_joules), split into what the segments and the
      driver resistance dissipate, what the shunts dissipate and what is
      still stored at --until. With no shunt and a pulse long enough to
      charge the line, the driver gives C·V² (cv2_joules): half is lost
      charging the line, half discharging it.

      --problem FILE --row I (or --col J) takes the line from a problem file
      (docs/circuit.md, "Problem files"): word line I's r_row and its cells'
      conductances as shunts (its bit lines taken as ideal virtual grounds),
      driven at its left end, at v_in[I] unless --voltage is given (1 V when
      v_in[I] is 0 or absent); or bit line J's r_col and its cells'
      conductances to the word lines, taken as held at 0 V, driven at its
      bottom end (where a read senses it: cell 0 of the line is the last
      row). The file's r_driver (a word line) or r_sense (a bit line) is the
      driver's resistance. '-' reads the problem file from standard input.

      --spice FILE writes the same line as an ngspice netlist (.tran) that
      prints the probes' voltages at eight times (its pulse, with edges
      of 1e-6 of the width but at most 1 fs centred on the ideal ones,
      starts that much later on ngspice's clock, and the times with it):

        xbarsim line ... --spice line.cir && ngspice -b line.cir
      """,
    options: [
      OptionSpec("--cells", "<n>", "Cells along the line, 1…65536 (with --problem: the line's)."),
      OptionSpec("--segment-resistance", "<Ω>", "Resistance of each segment between cells, 1e-150…1e9 Ω (with --problem: r_row or r_col)."),
      OptionSpec("--capacitance", "<F>", "Capacitance of each cell's node to ground, 1e-24…1 F (e.g. 1e-15)."),
      OptionSpec("--shunt", "<S>", "Conductance of each cell's node to ground, 0…1e3 S (default 0; with --problem: the cells')."),
      OptionSpec("--driver-resistance", "<Ω>", "The driver's output resistance, 0…1e12 Ω (default 0; with --problem: the file's r_driver or r_sense when it gives one), at most about 2.5e11/n times the segments' (the line's conditioning)."),
      OptionSpec("--voltage", "<V>", "The pulse's amplitude, 1e-6 ≤ |V| ≤ 1000 (default 1; with --problem --row: v_in[I] if not 0)."),
      OptionSpec("--width", "<s>", "The pulse's width, 1e-15…1 s (default 1e-8, the read time)."),
      OptionSpec("--until", "<s>", "Integrate to this time, > --width (default: --width + 25 of the line's slowest time constants, when it has discharged to far below 1e-9 of the voltage)."),
      OptionSpec("--threshold", "<V>", "A cell's threshold, of the pulse's sign, 0 < |threshold|: time_above_seconds is the time each cell spends at or beyond it (none at or beyond |V|, which a cell approaches and never reaches)."),
      OptionSpec("--problem", "<file.json>", "Take the line from a problem file: with --row I, word line I; with --col J, bit line J."),
      OptionSpec("--row", "<i>", "With --problem: word line i (0-based)."),
      OptionSpec("--col", "<j>", "With --problem: bit line j (0-based)."),
      OptionSpec("--node-values", nil, "Also print every cell's peak_volts, time_above_seconds (with --threshold), delay50_seconds, elmore_delay_seconds and steady_state_volts, and shunts with --problem."),
      OptionSpec("--probes", "<k,...>", "Cells (0-based) whose waveforms --csv and --spice give (default: the first, middle and last)."),
      OptionSpec("--csv", "<file>", "Write the probes' waveforms: time_seconds, then v_<k> per probe (V), at every step."),
      OptionSpec("--spice", "<file.cir>", "Write the line as an ngspice netlist (.tran) printing the probes' voltages at eight times."),
    ])

  /// The most cells a line takes: a step costs some 30 operations a cell,
  /// and a pulse some thousands of steps.
  static let maximumCells = 65_536
  /// The largest `RCLine.conditionBound()` integrated (beyond it the
  /// integration loses digits).
  static let maximumCondition = 1e12

  static func run(_ args: ParsedArguments) throws {
    let (line, drive, source, notes) = try lineFromArguments(args)
    let width = try args.double("--width", default: 1e-8)
    guard width >= 1e-15, width <= 1 else {
      throw CLIError.usage("--width must be in [1e-15, 1] s, got \(PulsesCommand.raw(args, "--width"))")
    }
    let until = try args.double("--until")
    if let until, !(until > width), until <= 1e6 {
      throw CLIError.usage("--until must be after the pulse's end (--width \(width) s), got \(PulsesCommand.raw(args, "--until"))")
    }
    if let until, until > 1e6 {
      throw CLIError.usage("--until must be at most 1e6 s, got \(PulsesCommand.raw(args, "--until"))")
    }
    let threshold = try args.double("--threshold")
    if let threshold {
      guard threshold != 0, (threshold > 0) == (drive > 0) else {
        throw CLIError.usage(
          "--threshold must be non-zero and of the pulse's sign (the pulse is \(drive) V), got \(PulsesCommand.raw(args, "--threshold"))")
      }
    }
    let n = line.cells
    // A driver far stiffer than the line's segments (1 Ω before 1e-20 Ω):
    // its conductance vanishes beside theirs in doubles, and the
    // integration had trapped (a walkthrough, session 58).
    let kappa = line.conditionBound()
    guard kappa <= maximumCondition else {
      // A problem file's line names the file and its keys (the fuzzer,
      // session 65: it had named --driver-resistance, not given, for the
      // file's r_sense).
      let bound = "its conductance matrix's condition number may reach \(String(format: "%.3g", kappa)) (at most \(String(format: "%.0g", maximumCondition)); about 4·n·(driver/segment + n) with \(n) cells"
      if let source, args.string("--driver-resistance") == nil {
        let (which, driverKey, segmentKey) = args.string("--row").map { ("word line \($0)", "r_driver", "r_row") } ?? ("bit line \(args.string("--col") ?? "")", "r_sense", "r_col")
        throw CLIError.runtime(
          "\(source): \(which) is too ill-conditioned to integrate: \(bound), \(driverKey) \(line.driverResistance) Ω and \(segmentKey) \(line.segmentResistances[0]) Ω): raise \(segmentKey) or lower \(driverKey)")
      }
      throw CLIError.usage(
        "the line is too ill-conditioned to integrate: \(bound), --driver-resistance \(line.driverResistance) Ω and segments of \(line.segmentResistances[0]) Ω): raise the segment resistance or lower --driver-resistance")
    }
    let probes = try probeCells(args, cells: n)
    for name in ["--csv", "--spice"] {
      if let out = args.string(name), let p = args.string("--problem"), OutputFile.sameFile(out, p) {
        throw CLIError.usage("\(name) \(out) names the problem file \(p); it would be overwritten")
      }
    }
    try OutputFile.refuseStandardOutput([("--csv", args.string("--csv")), ("--spice", args.string("--spice"))], carrying: "the JSON result")
    if let a = args.string("--csv"), let b = args.string("--spice"), OutputFile.sameFile(a, b) || a == b {
      throw CLIError.usage("--csv and --spice name one file (\(a)): give two")
    }

    var err = StandardError()
    for note in notes { print(note, to: &err) }
    let t0 = DispatchTime.now().uptimeNanoseconds
    // A long run (a line of tens of thousands of cells: a minute or more)
    // says how far it is, from 2 s on, every 10 s (it had been silent; a
    // walkthrough, session 69).
    var shown = t0
    let result = line.pulse(volts: drive, width: width, until: until, threshold: threshold, probes: probes) { done, steps in
      let now = DispatchTime.now().uptimeNanoseconds
      guard now - t0 >= 2_000_000_000, now - shown >= 10_000_000_000 || shown == t0 else { return }
      shown = now
      var err = StandardError()
      print(String(format: "line: step %ld of %ld (%.0f %%), %.0f s", done, steps, 100 * Double(done) / Double(steps), Double(now - t0) * 1e-9), to: &err)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
    let elmore = line.elmoreDelays()
    let steady = line.steadyState(volts: drive)

    var json = JSONWriter()
    if let source {
      json.add("source", source)
      json.add("problem_line", args.string("--row").map { "row \($0)" } ?? "col \(args.string("--col") ?? "")")
    }
    json.add("cells", n)
    // A number, or null where the cells differ (a problem file's shunts:
    // --node-values gives them as shunts).
    if let p = uniform(line.segmentResistances) { json.add("segment_resistance", p) } else { json.addRaw("segment_resistance", "null") }
    if let p = uniform(line.capacitances) { json.add("capacitance", p) } else { json.addRaw("capacitance", "null") }
    if let p = uniform(line.shunts) { json.add("shunt", p) } else { json.addRaw("shunt", "null") }
    json.add("driver_resistance", line.driverResistance)
    json.add("voltage", drive)
    json.add("width_seconds", width)
    json.add("until_seconds", result.times.last ?? width)
    if let threshold { json.add("threshold", threshold) }
    json.add("total_capacitance_farads", line.totalCapacitance)
    json.add("line_resistance_ohms", line.driverResistance + line.segmentResistances.reduce(0, +))
    let far = n - 1
    json.add("far_cell", far)
    json.add("far_steady_state_volts", steady[far])
    json.add("far_peak_volts", result.peak[far])
    json.addRaw("far_delay50_seconds", result.delay50[far].map(JSONWriter.number) ?? "null")
    json.add("far_elmore_delay_seconds", elmore[far])
    // The lowest peak, peaks within 1e-9 of V counted as equal and the
    // farthest of them taken (a charged line's cells differ by rounding,
    // which had named the first: a walkthrough, session 57).
    let tie = 1e-9 * abs(drive)
    let lowest = result.peak.map(abs).min()!
    let weakest = result.peak.indices.last { abs(result.peak[$0]) <= lowest + tie }!
    json.add("weakest_cell", weakest)
    json.add("weakest_peak_volts", result.peak[weakest])
    if let threshold, let above = result.timeAbove {
      // (None at or beyond V, which a peak is at most.)
      let reaches = { (k: Int) in abs(result.peak[k]) >= abs(threshold) && abs(threshold) < abs(drive) }
      let reaching = result.peak.indices.filter(reaches).count
      json.add("cells_reaching_threshold", reaching)
      // Of the cells that reach it (null when none does).
      let reached = above.indices.filter(reaches)
      if let shortest = reached.min(by: { above[$0] < above[$1] }) {
        json.add("shortest_time_above_cell", shortest)
        json.add("shortest_time_above_seconds", above[shortest])
      } else {
        json.addRaw("shortest_time_above_cell", "null")
        json.addRaw("shortest_time_above_seconds", "null")
      }
    }
    json.add("energy_source_joules", result.sourceEnergy)
    json.add("energy_line_joules", result.lineEnergy)
    json.add("energy_shunt_joules", result.shuntEnergy)
    json.add("energy_stored_end_joules", result.storedAtEnd)
    json.add("cv2_joules", line.totalCapacitance * drive * drive)
    json.add("integration_error_volts", result.integrationError)
    json.add("steps", max(0, result.times.count - 1))
    json.add("seconds_solve", seconds)
    if args.has("--node-values") {
      json.add("peak_volts", result.peak)
      if let above = result.timeAbove { json.add("time_above_seconds", above) }
      json.addRaw("delay50_seconds", "[" + result.delay50.map { $0.map(JSONWriter.number) ?? "null" }.joined(separator: ", ") + "]")
      json.add("elmore_delay_seconds", elmore)
      json.add("steady_state_volts", steady)
      if source != nil { json.add("shunts", line.shunts) }
    }
    if let path = args.string("--csv") {
      var s = "time_seconds," + probes.map { "v_\($0)" }.joined(separator: ",") + "\n"
      s.reserveCapacity(24 * result.times.count * (probes.count + 1))
      for (t, time) in result.times.enumerated() {
        s += JSONWriter.number(time)
        for w in result.waveforms { s += "," + JSONWriter.number(w[t]) }
        s += "\n"
      }
      try OutputFile.write(s, to: path)
    }
    if let path = args.string("--spice") {
      let end = result.times.last ?? width
      try OutputFile.write(
        netlist(line, volts: drive, width: width, until: end, probes: probes, times: sampleTimes(width: width, until: end)),
        to: path)
    }
    try StandardOutput.write(json.finished())
  }

  /// The value every element of `values` has, or nil.
  static func uniform(_ values: [Double]) -> Double? {
    values.allSatisfy { $0 == values[0] } ? values[0] : nil
  }

  /// The line the options describe, its drive (V), the problem file it
  /// came from, and the notes on that file (printed once the line is
  /// accepted: an error stays the first line of standard error).
  static func lineFromArguments(_ args: ParsedArguments) throws -> (RCLine, Double, String?, [String]) {
    let capacitance = try args.double("--capacitance")
    guard let capacitance else { throw CLIError.usage("missing --capacitance <F> (each cell's capacitance to ground)") }
    // (Below 1e-24 F the lines' energies sink into rounding.)
    guard capacitance >= 1e-24, capacitance <= 1 else {
      throw CLIError.usage("--capacitance must be in [1e-24, 1] F, got \(PulsesCommand.raw(args, "--capacitance"))")
    }
    var driver = try args.double("--driver-resistance", default: 0)
    guard driver >= 0, driver <= 1e12 else {
      throw CLIError.usage("--driver-resistance must be in [0, 1e12] Ω, got \(PulsesCommand.raw(args, "--driver-resistance"))")
    }
    var voltage = try args.double("--voltage")
    func checkVoltage(_ v: Double, _ name: String) throws {
      guard abs(v) >= 1e-6, abs(v) <= 1000 else {
        throw CLIError.usage("\(name) must have 1e-6 ≤ |V| ≤ 1000 V, got \(PulsesCommand.number(v))")
      }
    }
    if let v = voltage { try checkVoltage(v, "--voltage") }

    guard let path = args.string("--problem") else {
      if let o = ["--row", "--col"].first(where: { args.string($0) != nil }) {
        throw CLIError.usage("\(o): applies to a line of a problem file; give --problem FILE")
      }
      guard let cells = try args.int("--cells") else { throw CLIError.usage("missing --cells <n> (or --problem FILE with --row or --col)") }
      guard (1...maximumCells).contains(cells) else {
        throw CLIError.usage("--cells must be in 1…\(maximumCells), got \(cells)")
      }
      guard let r = try args.double("--segment-resistance") else {
        throw CLIError.usage("missing --segment-resistance <Ω> (each segment's resistance between cells)")
      }
      try checkSegment(r, "--segment-resistance", args)
      let shunt = try args.double("--shunt", default: 0)
      guard shunt >= 0, shunt <= 1e3 else {
        throw CLIError.usage("--shunt must be in [0, 1e3] S, got \(PulsesCommand.raw(args, "--shunt"))")
      }
      let line = RCLine(cells: cells, segmentResistance: r, capacitance: capacitance, shunt: shunt, driverResistance: driver)
      return (line, voltage ?? 1, nil, [])
    }
    for o in ["--cells", "--segment-resistance", "--shunt"] where args.string(o) != nil {
      throw CLIError.usage("\(o): with --problem the line's comes from the file; leave it out")
    }
    let row = try args.int("--row"), column = try args.int("--col")
    guard (row == nil) != (column == nil) else {
      throw CLIError.usage("--problem: give one of --row I (a word line) or --col J (a bit line)")
    }
    var ignored: [String] = [], notes: [String] = []
    // '-' reads standard input, as for `solve`.
    let mesh = path == "-"
      ? try ProblemFile.parse(ProblemFile.readStandardInput(), source: "<stdin>", ignored: &ignored, withoutDrives: true)
      : try ProblemFile.load(path, ignored: &ignored, withoutDrives: true)
    // The line's cells are linear shunts to ground (its transient is a
    // linear RC network): a file of sinh cells is not that line.
    if case .sinh(let v0) = mesh.cellIV {
      throw CLIError.runtime(
        "\(path == "-" ? "<stdin>" : path): 'iv_v0' = \(JSONWriter.number(v0)) V: the line's transient takes linear cells only (its cells are linear shunts); give 0 or leave it out")
    }
    let m = mesh.rows, n = mesh.columns
    let resistances: [Double], shunts: [Double]
    if let row {
      guard (0..<m).contains(row) else {
        throw CLIError.usage("--row \(row) is outside \(path)'s \(m) word lines (0…\(m - 1))")
      }
      let r = mesh.wires.rowSegmentResistance
      guard r > 0 else {
        let behind = mesh.rowTerminalResistance > 0 ? " of its own (behind r_driver it is one node, charged as R·C)" : ""
        throw CLIError.runtime("\(path): r_row is 0: an ideal word line has no delay\(behind) (give the line with --cells and --segment-resistance)")
      }
      resistances = [Double](repeating: r, count: n)
      shunts = (0..<n).map { mesh.conductance[row * n + $0] }
      if voltage == nil {
        if let v = mesh.rowTerminations[row].volts, v != 0 {
          try fileError { try checkVoltage(v, "\(path): v_in[\(row)]") }
          voltage = v
        } else {
          notes.append("note: \(path): v_in[\(row)] is 0 or absent: word line \(row) is driven at 1 V (give --voltage)")
        }
      }
    } else {
      let column = column!
      guard (0..<n).contains(column) else {
        throw CLIError.usage("--col \(column) is outside \(path)'s \(n) bit lines (0…\(n - 1))")
      }
      let r = mesh.wires.columnSegmentResistance
      guard r > 0 else {
        let behind = mesh.columnTerminalResistance > 0 ? " of its own (behind r_sense it is one node, charged as R·C)" : ""
        throw CLIError.runtime("\(path): r_col is 0: an ideal bit line has no delay\(behind) (give the line with --cells and --segment-resistance)")
      }
      // Driven at its bottom end (the output's), as the library's
      // transposed read drives it: cell 0 of the line is the last row.
      resistances = [Double](repeating: r, count: m)
      shunts = (0..<m).map { mesh.conductance[(m - 1 - $0) * n + column] }
    }
    guard resistances.count <= maximumCells else {
      throw CLIError.runtime("\(path): the line has \(resistances.count) cells, more than \(maximumCells)")
    }
    if let k = shunts.firstIndex(where: { !($0 >= 0 && $0 <= 1e3) }) {
      throw CLIError.runtime("\(path): cell \(k) of the line has conductance \(shunts[k]) S, outside [0, 1e3]")
    }
    try fileError { try checkSegment(resistances[0], row != nil ? "\(path): r_row" : "\(path): r_col", args) }
    // The file's terminal resistance of the line is its driver's (a bit
    // line driven at its output's end: r_sense).
    let terminal = row != nil ? mesh.rowTerminalResistance : mesh.columnTerminalResistance
    if terminal > 0 {
      let key = row != nil ? "r_driver" : "r_sense"
      if args.string("--driver-resistance") != nil {
        throw CLIError.usage("--driver-resistance: \(path) gives the line's (\(key) = \(JSONWriter.number(terminal)) Ω); leave it out")
      }
      guard terminal <= 1e12 else {
        throw CLIError.runtime("\(path): \(key) = \(JSONWriter.number(terminal)) Ω is beyond a line's driver resistance (at most 1e12 Ω)")
      }
      driver = terminal
    }
    notes += ProblemFile.notes(ignored, mesh: mesh, source: path)
    // The crossing lines are taken as ideal virtual grounds: a file whose
    // crossing lines are resistive has a steady state other than `solve`'s
    // (a walkthrough, session 63: 5 % at the far end, without a word).
    let crossing = row != nil
      ? (segment: mesh.wires.columnSegmentResistance, terminal: mesh.columnTerminalResistance, kind: "bit", keys: ("r_col", "r_sense"))
      : (segment: mesh.wires.rowSegmentResistance, terminal: mesh.rowTerminalResistance, kind: "word", keys: ("r_row", "r_driver"))
    let dropped = [(crossing.keys.0, crossing.segment), (crossing.keys.1, crossing.terminal)].filter { $0.1 > 0 }
    if !dropped.isEmpty {
      let given = dropped.map { "\($0.0) \(JSONWriter.number($0.1)) Ω" }.joined(separator: ", ")
      notes.append(
        "note: \(path): the crossing \(crossing.kind) lines are taken as ideal virtual grounds here (the file's \(given) left out): the cells' far ends sit at 0 V, so the line's steady state differs from solve's of the whole mesh")
    }
    let line = RCLine(
      resistances: resistances, capacitances: [Double](repeating: capacitance, count: resistances.count), shunts: shunts,
      driverResistance: driver)
    return (line, voltage ?? 1, path, notes)
  }

  /// A check shared with the options, on a problem file's value: the
  /// file's error (exit 1, as its other keys'), not a usage error (an
  /// exit-code audit, session 70: `v_in` beyond 1000 V had exited 64 with
  /// the usage line, `r_row` 0 with 1).
  static func fileError(_ check: () throws -> Void) throws {
    do { try check() } catch CLIError.usage(let message) { throw CLIError.runtime(message) }
  }

  static func checkSegment(_ r: Double, _ name: String, _ args: ParsedArguments) throws {
    guard r > 0 else {
      throw CLIError.usage("\(name) must be > 0 Ω (an ideal line has no delay), got \(PulsesCommand.number(r))")
    }
    guard r >= WireModel.smallestResistance else {
      throw CLIError.usage("\(name) must be at least \(WireModel.smallestResistance) Ω (as for solve and train), got \(PulsesCommand.number(r))")
    }
    guard r <= 1e9 else { throw CLIError.usage("\(name) must be at most 1e9 Ω, got \(PulsesCommand.number(r))") }
  }

  /// The probed cells: `--probes`, or the first, middle and last.
  static func probeCells(_ args: ParsedArguments, cells n: Int) throws -> [Int] {
    guard let text = args.string("--probes") else {
      var out: [Int] = []
      for k in [0, n / 2, n - 1] where !out.contains(k) { out.append(k) }
      return out
    }
    var out: [Int] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
      let s = part.trimmingCharacters(in: .whitespaces)
      guard let k = Int(s) else { throw CLIError.usage("--probes expects comma-separated cell indices, got '\(text)'") }
      guard (0..<n).contains(k) else { throw CLIError.usage("--probes: cell \(k) is outside the line's \(n) cells (0…\(n - 1))") }
      guard !out.contains(k) else { throw CLIError.usage("--probes: cell \(k) given twice") }
      out.append(k)
    }
    guard out.count <= 64 else { throw CLIError.usage("--probes: at most 64 cells, got \(out.count)") }
    return out
  }

  /// Eight times for the netlist's printout: four in the pulse, four after.
  static func sampleTimes(width: Double, until: Double) -> [Double] {
    [0.1, 0.25, 0.5, 0.99].map { $0 * width } + [0.02, 0.1, 0.3, 1].map { width + $0 * (until - width) * 0.999 }
  }

  /// The line as an ngspice transient netlist: the pulse as a PWL source
  /// whose edges (1e-6 of the width, at most 1 fs) are centred on the
  /// ideal ones, the pulse starting at t = `delay` of ngspice's clock
  /// (one edge), printing the probes' voltages at `times` (after the
  /// pulse's start) by `.meas`.
  static func netlist(_ line: RCLine, volts: Double, width: Double, until: Double, probes: [Int], times: [Double]) -> String {
    func num(_ x: Double) -> String { String(format: "%.17g", x) }
    // A ramp centred on an edge answers as the ideal edge to O(edge²); one
    // starting at it would lag by half its length.
    let edge = min(1e-15, width * 1e-6), delay = edge
    let (a, b) = (delay - edge / 2, delay + edge / 2)
    var s = "* xbarsim line: \(line.cells) cells, pulse \(num(volts)) V for \(num(width)) s from t = \(num(delay)) s\n"
    s += "VDRV src 0 PWL(0 0 \(num(a)) 0 \(num(b)) \(num(volts)) \(num(a + width)) \(num(volts)) \(num(b + width)) 0)\n"
    var previous = "src"
    if line.driverResistance > 0 {
      s += "RDRV src drv \(num(line.driverResistance))\n"
      previous = "drv"
    }
    for k in 0..<line.cells {
      s += "R\(k) \(previous) n\(k) \(num(line.segmentResistances[k]))\n"
      s += "C\(k) n\(k) 0 \(num(line.capacitances[k]))\n"
      if line.shunts[k] > 0 { s += "G\(k) n\(k) 0 n\(k) 0 \(num(line.shunts[k]))\n" }
      previous = "n\(k)"
    }
    // Gear (BDF2) integration, which does not ring at the edges as the
    // trapezoidal rule can; a largest step of 1e-3 of the pulse or of the
    // whole run, whichever is shorter.
    let stop = delay + until
    s += ".options method=gear maxord=2 reltol=1e-7 abstol=1e-15 vntol=1e-10 chgtol=1e-22\n"
    s += ".tran \(num(min(width, until) * 1e-3)) \(num(stop)) 0 \(num(min(width, stop) * 1e-3))\n"
    for p in probes {
      for (q, t) in times.enumerated() { s += ".meas tran v\(p)_t\(q) find v(n\(p)) at=\(num(delay + t))\n" }
    }
    s += ".control\nset numdgt=15\nrun\nquit\n.endc\n.end\n"
    return s
  }
}
