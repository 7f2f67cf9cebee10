import Circuit
import Foundation

/// `xbarsim solve FILE.json`: one read of one passive array.
enum SolveCommand: CLICommand {
  static let spec = CommandSpec(
    name: "solve",
    abstract: "Solve one crossbar read (problem JSON) and print the currents as JSON.",
    usage: "xbarsim solve <file.json> [--node-voltages] [--device-currents] [--tolerance <t>] [--write <row,col> [--scheme v2|v3]] ...",
    discussion: """
      Reads a problem file (docs/circuit.md, "Problem files": rows, cols,
      conductance [S], v_in [V], r_row and r_col [Ω per segment]) and prints one JSON
      object with i_out (A, current out of each bit line into its 0 V output), i_row
      (A, current each source drives into its word line), power_watts,
      read_time_seconds and read_energy_joules (power × --read-time, default
      1e-8 s), the solver used, iterations, converged,
      tolerance, relative residual and solve time. With r_row = r_col = 0
      the answer is the exact Kirchhoff sum; with both resistive the 2·M·N node voltages are
      solved by conjugate gradients preconditioned with exact line (tridiagonal)
      solves ("pcg-line-jacobi"), from G·r = 1e-2 on with the exact solve of the
      merged modes w = b added ("pcg-two-level"), to a relative KCL residual of
      --tolerance; where an output is below 1e-6 of its column's current at full
      drive (1e6 × --tolerance above the default 1e-12, at most all of it) and
      the mesh is at most 2^30 operations of banded elimination (128×128,
      64×1024), it is solved again by that elimination, accurate output by
      output ("direct-banded"; --solver chooses), and so is a mesh that fits
      whose iteration does not converge. --solver iterative trades accuracy
      for speed at a loose --tolerance. A solve that does not converge (with
      --solver iterative, or beyond the direct solve's size) is an error
      (exit 1), never an answer, and so is a G·r (largest cell
      conductance × segment resistance) above 1e9 with resistive bit lines, where
      the mesh is too ill-conditioned to trust. With one line kind ideal (r = 0)
      and the other resistive, each resistive line is solved directly
      ("line-direct", 0 iterations). The file's optional r_driver and r_sense
      [Ω] sit in series with every word line's source and every bit line's
      output (docs/circuit.md, "Driver and sense resistance"); with ideal
      lines each line is then one node behind them ("direct-line-nodes"), and
      the read prints power_terminals_watts, what they dissipate. The file's
      optional iv_v0 [V] makes every cell draw I = G·V0·sinh(V/V0) instead of
      G·V (docs/circuit.md, "Non-linear cells"): each solver then iterates
      Newton's method, each step a linear solve of the cells' slopes, and
      the answer adds iv_v0 and newton_steps (iterations counts every step's).
      Use '-' to read standard input.

      --write ROW,COL solves the array biased to program one cell instead of a
      read: the selected word line and bit line put --write-voltage V across
      cell (ROW, COL) (0-based), the other lines hold the other cells below it
      (--scheme v2: selected lines at ±V/2, the others at 0 V; v3: the
      selected word line at V, the selected bit line at 0 V, the other word
      lines at V/3 and bit lines at 2V/3), each line driven at its terminal as
      a read's. The file's v_in is not used (and may be left out). It prints
      what the selected cell sees through the lines' IR drop (v_selected, and
      v_selected_share of V), the half-selected cells' least and greatest
      voltage on the selected row and column, the unselected cells', the
      power and energy of each group and of the lines, and with
      --write-threshold how many cells other than the selected one reach it. With drivers at the left and bottom ends the
      farthest cell is (0, cols − 1).
      """,
    options: [
      OptionSpec("--node-voltages", nil, "Also print v_word and v_bit, M×N node voltages (V)."),
      OptionSpec("--device-currents", nil, "Also print i_device, M×N cell currents word→bit (A)."),
      OptionSpec("--line-currents", nil, "Also print i_row_segment and i_col_segment, M×N (A): i_row_segment[i][j] flows along word line i into its node j (from the driver for j = 0), i_col_segment[i][j] down bit line j out of its node i (into the output for i = M − 1)."),
      OptionSpec("--tolerance", "<t>", "Relative KCL residual to reach, in [1e-14, 1) (default 1e-12). Relative to the drivers' injections, so i_out's error can be larger (a 64×64 at 1 Ω: 1.5e-6 at 1e-6, 2.0e-13 at 1e-12): keep the default for accurate currents. With --solver auto a looser tolerance hands more meshes to the direct solve as well (its outputs below 1e6·t of their column's full-drive current; from 1e-6, every mesh that fits), which is slower: --solver iterative for speed."),
      OptionSpec("--max-iterations", "<n>", "Iteration limit (default 20000)."),
      OptionSpec("--threads", "<n>", "Solver threads; 0 = automatic, the machine's cores (default 0). Another count may change the currents' last bits (about 1e-15 of them: the sums are split otherwise); give --threads 1 for the same digits on every machine."),
      OptionSpec("--read-time", "<s>", "Read pulse width in seconds for read_energy_joules (default 1e-8)."),
      OptionSpec("--repeat", "<k>", "Solve k times, report the fastest (benchmarking; default 1)."),
      OptionSpec("--write", "<row,col>", "Solve the array biased to write cell (row, col), 0-based, instead of a read (the file's v_in is not used and may be left out; not with --line-currents)."),
      OptionSpec("--scheme", "<v2|v3>", "With --write: the V/2 scheme (selected lines at ±V/2, others at 0 V) or the V/3 scheme (default v2)."),
      OptionSpec("--write-voltage", "<V>", "With --write: the voltage the drivers put across the selected cell, 1e-6 ≤ |V| ≤ 1000 (default 1)."),
      OptionSpec("--write-time", "<s>", "With --write: the write pulse's width in seconds for the energies (default 1e-7)."),
      OptionSpec("--write-threshold", "<V>", "With --write: a cell's switching threshold, in (0, 1000] V: count the cells other than the selected one whose |voltage| reaches it, and say whether the selected one does."),
      OptionSpec("--solver", "<auto|iterative|direct>", "With both line kinds resistive: 'iterative', the conjugate gradients (accurate relative to the larger currents); 'direct', banded elimination, each output to a few ulps of itself (drives of one sign; with both signs, of the parts it is their difference of), for meshes up to 2^30 operations (128×128, 64×1024; 0.3 s at 128×128); 'auto' (default) iterates, and solves again directly when the mesh fits and an output is below 1e-6 of its column's current at full drive (the largest |v_in| on every row, ideal lines); a mesh that fits whose r_driver or r_sense is 1e4 times its segment or more it solves directly at once (the iteration errs by about 1e-16·R/r, and is refused beyond 1e8)."),
    ],
    maxPositionals: 1)

  static func run(_ args: ParsedArguments) throws {
    guard let path = args.positionals.first else { throw CLIError.usage("missing <file.json>") }
    guard !path.isEmpty else { throw CLIError.usage("<file.json> is an empty path") }
    let source = path == "-" ? "<stdin>" : path
    let tolerance = try args.double("--tolerance", default: 1e-12)
    // Below 1e-14 the residual the iteration tracks is rounding: it would
    // report a residual (and a convergence) the voltages do not have.
    guard tolerance >= 1e-14, tolerance < 1 else {
      throw CLIError.usage("--tolerance must be in [1e-14, 1) (below 1e-14 a relative residual is rounding), got \(PulsesCommand.number(tolerance))")
    }
    let maxIterations = try args.int("--max-iterations", default: 20_000)
    guard maxIterations >= 1 else { throw CLIError.usage("--max-iterations must be ≥ 1, got \(maxIterations)") }
    let threads = try args.int("--threads", default: 0)
    guard (0...64).contains(threads) else { throw CLIError.usage("--threads: must be in 0...64, got \(threads)") }
    let readTime = try args.double("--read-time", default: 1e-8)
    // train's range (a walkthrough found 1e300 s taken here, refused there).
    guard readTime >= 1e-12 && readTime <= 1 else {
      throw CLIError.usage("--read-time must be in 1e-12…1 s, got \(PulsesCommand.raw(args, "--read-time"))")
    }
    let choice = args.string("--solver") ?? "auto"
    guard ["auto", "iterative", "direct"].contains(choice) else {
      throw CLIError.usage("--solver must be auto, iterative or direct, got '\(choice)'")
    }
    let repeats = try args.int("--repeat", default: 1)
    // (A benchmark's repetitions: 10⁶ solves of the smallest array take
    // seconds; beyond that a typo would run for hours.)
    guard (1...1_000_000).contains(repeats) else { throw CLIError.usage("--repeat must be in 1...1000000, got \(repeats)") }

    let loaded: CrossbarMesh
    var ignored: [String] = []
    let writes = args.string("--write") != nil
    if path == "-" {
      loaded = try ProblemFile.parse(ProblemFile.readStandardInput(), source: source, ignored: &ignored, withoutDrives: writes)
    } else {
      loaded = try ProblemFile.load(path, ignored: &ignored, withoutDrives: writes)
    }
    let write = try writeRequest(args, loaded, source: source)
    if write != nil && args.string("--read-time") != nil {
      throw CLIError.usage("--read-time: a write (--write) has no read; its pulse is --write-time")
    }
    let mesh = write.map { loaded.writing(row: $0.row, column: $0.column, voltage: $0.voltage, scheme: $0.scheme) } ?? loaded
    // The solve, and each M×N field printed on request (a double and ~25
    // characters of text per cell).
    // (A write prints v_cell beside the node voltages: three fields.)
    let fields = ["--node-voltages", "--device-currents", "--line-currents"].filter(args.has).count * 2
      + (writes && args.has("--node-voltages") ? 1 : 0)
    let fieldBytes = Double(fields) * 33 * Double(mesh.rows) * Double(mesh.columns)
    // Ideal lines behind terminal resistances: a dense matrix of the lines' nodes.
    let lineNodes = collapsedNodes(mesh)
    let bytes = MemoryLimit.solveBytes(rows: mesh.rows, columns: mesh.columns) + fieldBytes
      + 8 * Double(lineNodes) * Double(lineNodes)
    if let reason = MemoryLimit.shortfall(bytes) {
      throw CLIError.runtime("\(source): solving the \(mesh.rows)×\(mesh.columns) mesh \(reason)")
    }
    do { try mesh.validate() } catch let e as ConfigurationError {
      throw CLIError.runtime("\(source): \(e)")
    }
    guard lineNodes <= NodalSolver.collapsedNodeLimit else {
      throw CLIError.runtime(
        "\(source): ideal lines behind r_driver or r_sense are solved as one node a line, at most \(NodalSolver.collapsedNodeLimit) of them; this \(mesh.rows)×\(mesh.columns) mesh has \(lineNodes) (give r_row and r_col > 0 for the mesh solve)")
    }
    // A cell that conducts G·r times more than a segment makes the mesh
    // ill-conditioned: with both line kinds resistive the error of i_out
    // grows as about 1e-16·G·r (3e-6 at 1e10, 2e-4 at 1e12) and from 1e15
    // the conjugate gradients stop on a meaningless residual; with ideal
    // word lines the cells' currents are differences of nearly equal node
    // voltages, so i_row, i_device and the power err as much (16 % at
    // G·r = 1e16, reported as converged, until session 42). Ideal bit
    // lines (at 0 V) leave no such difference: any G·r is solved.
    if let (g, r, _) = mesh.illConditioning {
      // With sinh cells the conductance is the cells' largest slope, not
      // the file's (an audit, session 88: it read as a units mistake).
      if case .sinh(let v0) = mesh.cellIV {
        throw CLIError.runtime(
          "\(source): "
            + WireModel.beyondConditioning(
              "the cells' slope G·cosh(spread/V0) (iv_v0 = \(JSONWriter.number(v0)) V, drives spanning \(JSONWriter.number(mesh.driveSpread)) V)",
              conductance: JSONWriter.number(g), resistance: JSONWriter.number(r), product: JSONWriter.number(g * r))
            + "; raise iv_v0, lower the drives or r")
      }
      throw CLIError.runtime(
        "\(source): "
          + WireModel.beyondConditioning(
            "'conductance'", conductance: JSONWriter.number(g), resistance: JSONWriter.number(r), product: JSONWriter.number(g * r))
          + "; check the units (S, Ω)")
    }

    let solver = NodalSolver(
      options: .init(tolerance: tolerance, maxIterations: maxIterations, threads: threads))
    let bothResistive = mesh.wires.rowSegmentResistance > 0 && mesh.wires.columnSegmentResistance > 0
    let cost = NodalSolver.directCost(rows: mesh.rows, columns: mesh.columns)
    // The direct solve's band beside the iteration's workspace (134 MB at
    // 64×1024): `auto` iterates on where it would not fit, `direct` is refused.
    let bandBytes = 8 * (cost.doubles + 12 * Double(mesh.rows) * Double(mesh.columns))
    // (With a margin: the iteration's threads and workspace are mapped by
    // the time `auto` turns to the band; without it a 64×1024 mesh under
    // ulimit -v 250 MB trapped in the band's allocation.)
    // `direct` maps no iteration's workspace (a review, session 55: refused
    // under 300 MB for a 159 MB solve).
    let bandShortfall = MemoryLimit.shortfall(
      onTopOfCurrentUse: bandRequirement(iteration: choice == "direct" ? 0 : bytes - fieldBytes, fields: fieldBytes, band: bandBytes))
    let fitsDirect = cost.operations <= NodalSolver.directOperationLimit && bandShortfall == nil
    if choice == "direct" && bothResistive && cost.operations > NodalSolver.directOperationLimit {
      throw CLIError.runtime(
        "\(source): --solver direct: the \(mesh.rows)×\(mesh.columns) mesh needs \(Int(cost.operations)) operations, beyond its limit of 2^30 = 1073741824 (128×128, 64×1024); use --solver iterative")
    }
    if choice == "direct" && bothResistive, let reason = bandShortfall {
      throw CLIError.runtime("\(source): --solver direct: the \(mesh.rows)×\(mesh.columns) mesh's band \(reason); use --solver iterative")
    }
    // A terminal resistance far above its segments: the iteration errs by
    // about 1e-16·R/r (a walkthrough, session 59: 1,500 times off at
    // R/r = 1e18, said converged). `auto` solves such a mesh directly where
    // it fits; beyond 1e8 the iteration is refused.
    let terminal = bothResistive ? mesh.wires.largestTerminalRatio : nil
    let terminalRatio = terminal.map { $0.resistance / $0.segment } ?? 0
    let goesDirect = choice == "direct" || (choice == "auto" && fitsDirect && terminalRatio >= directTerminalRatio)
    // (The line-by-line solve, one kind ideal, is no better there: its far
    // pivots are differences of 1/r-sized numbers; a review, session 59.)
    if !(bothResistive && goesDirect), let t = mesh.wires.terminalIllConditioning {
      let why =
        !bothResistive
        ? "; raise the segments or lower \(t.field) (the direct solve takes both line kinds resistive)"
        : choice == "iterative"
          ? "; use --solver direct or auto"
          : "; the mesh is too large for the direct solve (--solver direct): raise the segments or lower \(t.field)"
      throw CLIError.runtime("\(source): '\(t.field)': " + WireModel.beyondTerminalRatio(t) + why)
    }
    // (A write's cells are all on driven lines, read as voltages: the
    // iteration holds them to the tolerance times the largest drive.)
    let share = write == nil ? directShare(tolerance: tolerance) : 0
    var best = Double.infinity
    // The last repetition's answer, whether the direct solve gave it, the
    // iterations its iteration took (an `auto` solve that went on directly
    // reports them; a review, session 55, found 0 printed after 23), and
    // why an iteration gave way.
    var solution: MeshSolution? = nil
    var direct = false
    var iterations = 0
    var gaveWay: String? = nil
    for _ in 0..<repeats {
      let t0 = DispatchTime.now().uptimeNanoseconds
      // Each repetition makes the whole choice again, so that --repeat
      // times what one solve costs (the iteration included).
      do {
        let once = try solveOnce(
          mesh, solver, choice: goesDirect ? "direct" : choice, bothResistive: bothResistive, fitsDirect: fitsDirect, share: share)
        (solution, direct, iterations, gaveWay) = (once.solution, once.direct, once.iterations, once.gaveWay)
      } catch SolverError.didNotConverge(_, let residual, _) where !residual.isFinite {
        // (The iteration's squared norms can overflow with finite currents:
        // `auto` tries the direct solve then, where the mesh fits.)
        throw CLIError.runtime("\(source): the currents or the iteration's norms overflow (not finite); the conductances or voltages are too large")
      } catch SolverError.overflow {
        throw CLIError.runtime("\(source): the currents overflow (not finite); the conductances or voltages are too large")
      } catch let e as SolverError {
        throw CLIError.runtime("\(source): \(e)")
      }
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
    }
    let sol = solution!
    // Finite inputs can still overflow (G·V beyond 1.8e308): not an answer.
    guard (sol.outputCurrents + sol.rowTerminalCurrent).allSatisfy(\.isFinite) else {
      throw CLIError.runtime("\(source): the currents overflow (not finite); the conductances or voltages are too large")
    }
    let m = mesh.rows, n = mesh.columns
    let method: String
    switch (mesh.wires.rowSegmentResistance > 0, mesh.wires.columnSegmentResistance > 0) {
    case (false, false) where mesh.hasTerminalResistance: method = "direct-line-nodes"
    case (false, false): method = "kirchhoff-sum"
    case (true, true) where direct: method = "direct-banded"
    case (true, true): method = solver.lastSolveWasTwoLevel ? "pcg-two-level" : "pcg-line-jacobi"
    default: method = "line-direct"
    }

    /// A field to print, refused when not finite (JSON would say null).
    func finite(_ key: String, _ v: [Double]) throws -> [Double] {
      guard v.allSatisfy(\.isFinite) else {
        throw CLIError.runtime("\(source): '\(key)' overflows (not finite); the conductances or voltages are too large")
      }
      return v
    }

    if let write {
      try printWrite(write, mesh, sol, method: method, iterations: iterations, tolerance: tolerance, seconds: best, args: args, source: source)
      var err = StandardError()
      for note in ProblemFile.notes(ignored, mesh: mesh, source: source) { print(note, to: &err) }
      if loaded.rowTerminations.contains(where: { ($0.volts ?? 0) != 0 }) {
        print("note: \(source): v_in is not used with --write (the \(write.scheme.rawValue) scheme drives every line)", to: &err)
      }
      if let gaveWay { print("note: \(gaveWay); solved directly (--solver auto)", to: &err) }
      return
    }
    var json = JSONWriter()
    json.add("i_out", sol.outputCurrents)
    addSolve(to: &json, mesh, sol, method: method, iterations: iterations, tolerance: tolerance, seconds: best)
    let power = sol.power(mesh: mesh)
    // Like the currents: finite currents can still give an infinite power.
    guard power.isFinite, (power * readTime).isFinite else {
      throw CLIError.runtime("\(source): the power overflows (not finite); the conductances (conductance) or the drives (v_in) are too large")
    }
    json.add("power_watts", power)
    if mesh.hasTerminalResistance { json.add("power_terminals_watts", sol.terminalPower(mesh: mesh)) }
    json.add("read_time_seconds", readTime)
    json.add("read_energy_joules", power * readTime)
    if args.has("--node-voltages") {
      json.add("v_word", rows: m, columns: n, sol.wordNodeVoltage)
      json.add("v_bit", rows: m, columns: n, sol.bitNodeVoltage)
    }
    if args.has("--device-currents") {
      var c = [Double](repeating: 0, count: m * n)
      for i in 0..<m {
        for j in 0..<n { c[i * n + j] = sol.deviceCurrent(row: i, column: j, mesh: mesh) }
      }
      json.add("i_device", rows: m, columns: n, try finite("i_device", c))
    }
    if args.has("--line-currents") {
      var rowSeg = [Double](repeating: 0, count: m * n), colSeg = rowSeg
      for i in 0..<m {
        for (j, c) in sol.wordSegmentCurrents(row: i, mesh: mesh).enumerated() { rowSeg[i * n + j] = c }
      }
      for j in 0..<n {
        for (i, c) in sol.bitSegmentCurrents(column: j, mesh: mesh).enumerated() { colSeg[i * n + j] = c }
      }
      json.add("i_row_segment", rows: m, columns: n, try finite("i_row_segment", rowSeg))
      json.add("i_col_segment", rows: m, columns: n, try finite("i_col_segment", colSeg))
    }
    try StandardOutput.write(json.finished())
    var err = StandardError()
    for note in ProblemFile.notes(ignored, mesh: mesh, source: source) { print(note, to: &err) }
    if let gaveWay { print("note: \(gaveWay); solved directly (--solver auto)", to: &err) }
    if method.hasPrefix("pcg"), let note = roundingFloorNote(mesh, sol.outputCurrents, fitsDirect: fitsDirect, share: share, solution: sol) {
      print(note, to: &err)
    }
    if method.hasPrefix("pcg") && terminalRatio >= directTerminalRatio, let key = terminal?.field {
      let direct = fitsDirect ? "--solver direct (or auto) solves it exactly" : "the mesh is too large for --solver direct"
      print(
        "note: \(key) is \(String(format: "%.3g", terminalRatio)) times its lines' segments: the iteration's currents err by about 1e-16·R/r, \(String(format: "%.1g", 1e-16 * terminalRatio)) of the largest here; \(direct)",
        to: &err)
    }
  }

  /// A write's cell, voltage, scheme, pulse width and threshold.
  struct WriteRequest {
    var row: Int, column: Int, voltage: Double, scheme: WriteScheme, time: Double, threshold: Double?
  }

  /// `--write ROW,COL` and its options, checked against the array; nil
  /// without `--write` (its options are refused then).
  static func writeRequest(_ args: ParsedArguments, _ mesh: CrossbarMesh, source: String) throws -> WriteRequest? {
    guard let text = args.string("--write") else {
      if let o = ["--scheme", "--write-voltage", "--write-time", "--write-threshold"].first(where: { args.string($0) != nil }) {
        throw CLIError.usage("\(o): applies to a write only; give --write ROW,COL")
      }
      return nil
    }
    if args.has("--line-currents") {
      throw CLIError.usage("--line-currents: not with --write (give --node-voltages or --device-currents)")
    }
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, let row = Int(parts[0]), let column = Int(parts[1]) else {
      throw CLIError.usage("--write: expects ROW,COL (two 0-based integers), got '\(text)'")
    }
    guard (0..<mesh.rows).contains(row), (0..<mesh.columns).contains(column) else {
      throw CLIError.usage(
        "--write: cell (\(row), \(column)) is outside \(source)'s \(mesh.rows)×\(mesh.columns) array (rows 0…\(mesh.rows - 1), columns 0…\(mesh.columns - 1))")
    }
    let name = args.string("--scheme") ?? "v2"
    guard let scheme = WriteScheme(rawValue: name) else {
      throw CLIError.usage("--scheme must be v2 (V/2) or v3 (V/3), got '\(name)'")
    }
    let voltage = try args.double("--write-voltage", default: 1)
    // (Below 1e-6 V no device is written, and from about 1e-150 V the
    // iteration's squared norms underflow: 1e-170 V had printed 0 V across
    // the selected cell, converged; a walkthrough, session 56.)
    guard voltage.isFinite, abs(voltage) >= 1e-6, abs(voltage) <= 1000 else {
      throw CLIError.usage("--write-voltage must have 1e-6 ≤ |V| ≤ 1000 V, got \(PulsesCommand.raw(args, "--write-voltage"))")
    }
    let time = try args.double("--write-time", default: 1e-7)
    guard time >= 1e-12 && time <= 1 else {
      throw CLIError.usage("--write-time must be in 1e-12…1 s, got \(PulsesCommand.raw(args, "--write-time"))")
    }
    let threshold = try args.double("--write-threshold")
    if let threshold, !(threshold.isFinite && threshold > 0 && threshold <= 1000) {
      throw CLIError.usage("--write-threshold must be in (0, 1000] V, got \(PulsesCommand.raw(args, "--write-threshold"))")
    }
    return WriteRequest(row: row, column: column, voltage: voltage, scheme: scheme, time: time, threshold: threshold)
  }

  /// A write's answer: what the cells see and dissipate (`WriteAnalysis`).
  static func printWrite(
    _ w: WriteRequest, _ mesh: CrossbarMesh, _ sol: MeshSolution, method: String, iterations: Int, tolerance: Double,
    seconds: Double, args: ParsedArguments, source: String
  ) throws {
    let a = WriteAnalysis(mesh, sol, row: w.row, column: w.column)
    let m = mesh.rows, n = mesh.columns
    guard a.suppliedPower.isFinite, (a.suppliedPower * w.time).isFinite, a.cellPower.isFinite, a.linePower.isFinite else {
      throw CLIError.runtime("\(source): the power overflows (not finite); the conductances (conductance) or the drives (v_in) are too large")
    }
    var json = JSONWriter()
    json.addRaw(
      "write",
      "{\"row\": \(w.row), \"col\": \(w.column), \"scheme\": \"\(w.scheme.rawValue)\", \"voltage\": \(JSONWriter.number(w.voltage))}")
    json.add("v_selected", a.selectedVoltage)
    json.add("v_selected_share", a.selectedVoltage / w.voltage)
    func range(_ g: WriteAnalysis.Group) -> String {
      guard let lo = g.minimum, let hi = g.maximum else { return "null" }
      return "[\(JSONWriter.number(lo)), \(JSONWriter.number(hi))]"
    }
    json.addRaw("v_half_selected_row", range(a.halfSelectedRow))
    json.addRaw("v_half_selected_col", range(a.halfSelectedColumn))
    json.addRaw("v_unselected", range(a.unselected))
    json.add("v_half_selected_ideal", w.voltage * w.scheme.halfSelectedShare)
    json.add("v_unselected_ideal", w.voltage * w.scheme.unselectedShare)
    if let t = w.threshold {
      var reaching = 0
      for i in 0..<m {
        for j in 0..<n where !(i == w.row && j == w.column) {
          let k = i * n + j
          if abs(sol.wordNodeVoltage[k] - sol.bitNodeVoltage[k]) >= t { reaching += 1 }
        }
      }
      json.add("write_threshold", t)
      json.add("selected_reaches_threshold", abs(a.selectedVoltage) >= t)
      json.add("other_cells_reaching_threshold", reaching)
    }
    addSolve(to: &json, mesh, sol, method: method, iterations: iterations, tolerance: tolerance, seconds: seconds)
    json.add("i_col", sol.columnTerminalCurrent)
    json.add("power_watts", a.suppliedPower)
    json.add("power_selected_watts", a.selectedPower)
    json.add("power_half_selected_watts", a.halfSelectedRow.power + a.halfSelectedColumn.power)
    json.add("power_unselected_watts", a.unselected.power)
    json.add("power_lines_watts", a.linePower)
    if mesh.hasTerminalResistance { json.add("power_terminals_watts", a.terminalPower) }
    json.add("write_time_seconds", w.time)
    json.add("energy_joules", a.suppliedPower * w.time)
    json.add("energy_selected_joules", a.selectedPower * w.time)
    json.add("energy_half_selected_joules", (a.halfSelectedRow.power + a.halfSelectedColumn.power) * w.time)
    json.add("energy_unselected_joules", a.unselected.power * w.time)
    json.add("energy_lines_joules", a.linePower * w.time)
    if mesh.hasTerminalResistance { json.add("energy_terminals_joules", a.terminalPower * w.time) }
    if args.has("--node-voltages") {
      json.add("v_word", rows: m, columns: n, sol.wordNodeVoltage)
      json.add("v_bit", rows: m, columns: n, sol.bitNodeVoltage)
      json.add("v_cell", rows: m, columns: n, zip(sol.wordNodeVoltage, sol.bitNodeVoltage).map { $0 - $1 })
    }
    if args.has("--device-currents") {
      var c = [Double](repeating: 0, count: m * n)
      for i in 0..<m {
        for j in 0..<n { c[i * n + j] = sol.deviceCurrent(row: i, column: j, mesh: mesh) }
      }
      guard c.allSatisfy(\.isFinite) else {
        throw CLIError.runtime("\(source): 'i_device' overflows (not finite); the conductances or voltages are too large")
      }
      json.add("i_device", rows: m, columns: n, c)
    }
    try StandardOutput.write(json.finished())
  }

  /// The keys a read's and a write's answers share: the shape, how it was
  /// solved, and the word lines' drivers' currents.
  static func addSolve(
    to json: inout JSONWriter, _ mesh: CrossbarMesh, _ sol: MeshSolution, method: String, iterations: Int,
    tolerance: Double, seconds: Double
  ) {
    json.add("rows", mesh.rows)
    json.add("cols", mesh.columns)
    json.add("solver", method)
    json.add("converged", sol.converged)
    json.add("iterations", iterations)
    // Non-linear cells (the file's iv_v0): the curve, and Newton's steps.
    if case .sinh(let v0) = mesh.cellIV {
      json.add("iv_v0", v0)
      json.add("newton_steps", sol.newtonSteps)
    }
    json.add("residual", sol.relativeResidual)
    json.add("tolerance", tolerance)
    json.add("seconds_solve", seconds)
    json.add("i_row", sol.rowTerminalCurrent)
  }

  /// The nodes of the collapsed solve: with ideal lines behind terminal
  /// resistances, one per word line behind r_driver and one per bit line
  /// behind r_sense; 0 otherwise.
  static func collapsedNodes(_ mesh: CrossbarMesh) -> Int {
    guard mesh.wires.hasIdealSegments else { return 0 }
    return (mesh.rowTerminalResistance > 0 ? mesh.rows : 0) + (mesh.columnTerminalResistance > 0 ? mesh.columns : 0)
  }

  /// Cell k's slope dI/dV (S): G for a linear cell; G·cosh(ΔV/V0) for a
  /// sinh cell (the file's iv_v0), at the `solution`'s ΔV, or at `across`
  /// volts without one.
  static func slope(_ mesh: CrossbarMesh, _ solution: MeshSolution?, _ k: Int, across: Double) -> Double {
    guard case .sinh(let v0) = mesh.cellIV else { return mesh.conductance[k] }
    let dv = solution.map { $0.wordNodeVoltage[k] - $0.bitNodeVoltage[k] } ?? across
    return mesh.conductance[k] * Foundation.cosh(dv / v0)
  }

  /// Each column's current with ideal lines, Σ_i G_ij·|v_in,i|, in
  /// magnitudes: rows at 0 V (or open) count nothing (a review, session 52:
  /// a column of 1e-4 S cells on rows at 0 V and one driven row at 1e-20 S
  /// had been noted, answered to 9 digits all the same).
  ///
  /// With sinh cells (the file's iv_v0) each cell counts its slope,
  /// G·cosh(ΔV/V0), at the `solution`'s voltages (at its drive without
  /// one): what a rounding of the node voltages moves its current by.
  static func idealColumnCurrents(_ mesh: CrossbarMesh, _ solution: MeshSolution? = nil) -> [Double] {
    let drive = mesh.rowTerminations.map { abs($0.volts ?? 0) }
    let n = mesh.columns
    var ideal = [Double](repeating: 0, count: n)
    for i in 0..<mesh.rows where drive[i] > 0 {
      for j in 0..<n { ideal[j] += slope(mesh, solution, i * n + j, across: drive[i]) * drive[i] }
    }
    return ideal
  }

  /// Each column's current at full drive with ideal lines, max_i |v_in,i|
  /// · Σ_i G_ij: the scale of its output's error in the iterative solve,
  /// which holds the node voltages to about the tolerance times the
  /// largest drive.
  ///
  /// With sinh cells (the file's iv_v0) an error δV of the node voltages
  /// moves a cell's current by its slope G·cosh(ΔV/V0) times δV, so each
  /// cell counts its slope at the iteration's own voltages (`solution`):
  /// V_max·Σ_i G_ij·cosh(ΔV_ij/V0). Counting G·f(V_max) instead, `auto`
  /// had solved directly meshes whose outputs were all within 25 times of
  /// each other (an audit, session 88: 5 s against 0.25 s at 128×128).
  /// Without a solution, the slope at the full drive, cosh(V_max/V0).
  static func fullDriveColumnCurrents(_ mesh: CrossbarMesh, _ solution: MeshSolution? = nil) -> [Double] {
    let top = mesh.rowTerminations.map { abs($0.volts ?? 0) }.max() ?? 0
    let n = mesh.columns
    var sums = [Double](repeating: 0, count: n)
    for i in 0..<mesh.rows { for j in 0..<n { sums[j] += slope(mesh, solution, i * n + j, across: top) } }
    return sums.map { top * $0 }
  }

  /// The share of its column's current at full drive below which
  /// `--solver auto` solves again directly: the conjugate gradients' error
  /// is about the tolerance times that current (1e-12 at the default), so
  /// from here an output could be off by 1e-6 of itself (a 32×200 mesh at
  /// r = 1e6 Ω: outputs down to 4e-9 of their ideal-line current, up to
  /// 5.4e-9 of themselves from the direct solve's). A column fed through
  /// the lines alone (no cell on a driven row) counts too (a review,
  /// session 54: 0 A answered for 9e-17 A). Solving directly a mesh that
  /// did not need it costs only time: 0.2–0.5 s at the size limit (128×128,
  /// 64×1024).
  static let directBelowShare = 1e-6

  /// The ratio R/r of a terminal resistance to its segment from which
  /// `--solver auto` solves directly where the mesh fits, without
  /// iterating first: the iteration's currents err by about 1e-16·R/r,
  /// 1e-12 here (`WireModel.largestTerminalRatio`).
  static let directTerminalRatio = 1e4

  /// One solve as `--solver` chooses it: `direct` (with both line kinds
  /// resistive) by elimination; otherwise the iteration, and for `auto`,
  /// where the mesh fits, again by elimination when an output is below
  /// `share` of its column's current at full drive (`wantsDirect`) or the
  /// iteration fails numerically (`givesWay`). Returns the answer, whether
  /// elimination gave it, the iterations the iteration took, and why it
  /// gave way (nil when it did not).
  /// - Throws: `SolverError` from the solve that answered.
  static func solveOnce(
    _ mesh: CrossbarMesh, _ solver: NodalSolver, choice: String, bothResistive: Bool, fitsDirect: Bool, share: Double
  ) throws -> (solution: MeshSolution, direct: Bool, iterations: Int, gaveWay: String?) {
    if choice == "direct" && bothResistive { return (try solver.solveDirect(mesh), true, 0, nil) }
    let auto = choice == "auto" && bothResistive && fitsDirect
    do {
      let s = try solver.solve(mesh)
      // (Once: the direct answer stands whatever its size.)
      guard auto && wantsDirect(mesh, s.outputCurrents, share: share, solution: s) else { return (s, false, s.iterations, nil) }
      return (try solver.solveDirect(mesh), true, s.iterations, nil)
    } catch let e as SolverError where auto && givesWay(e) {
      // An iteration that did not converge, or whose numbers overflowed
      // with finite currents, is no answer, but the direct solve may give
      // one (a review, session 55: G 1e-145 S behind 1e150 Ω word lines,
      // and 1e165 V drives, had been errors).
      let reason: String
      var iterations = 0
      switch e {
      case .didNotConverge(let n, let residual, _) where residual.isFinite:
        iterations = n
        reason = "the iteration did not converge (residual \(String(format: "%.3g", residual)) after \(n) iterations)"
      case .didNotConverge(let n, _, _):
        iterations = n
        reason = "the iteration's norms overflowed"
      default:
        reason = "the iteration's currents overflowed"
      }
      return (try solver.solveDirect(mesh), true, iterations, reason)
    }
  }

  /// Whether `auto` answers by the direct solve when the iteration fails
  /// so: it did not converge, or its numbers overflowed (a floating line
  /// or a stop is no answer either way: a review, session 55).
  static func givesWay(_ e: SolverError) -> Bool {
    switch e {
    case .didNotConverge, .overflow: return true
    default: return false
    }
  }

  /// The bytes the direct solve needs on top of the process's current use,
  /// with a margin (a quarter more, and 64 MB): its band and the printed
  /// fields, and the iteration's workspace when one ran first (`auto`;
  /// `direct` maps none).
  static func bandRequirement(iteration: Double, fields: Double, band: Double) -> Double {
    1.25 * (iteration + fields + band) + 64e6
  }

  /// The share below which `auto` solves again directly at a given
  /// tolerance: ``directBelowShare`` at the default 1e-12, and 1e6 times
  /// the tolerance above it (at most 1), so that the outputs it keeps are
  /// still within about 1e-6 of themselves. The rule reads the
  /// iteration's own outputs, which are off by about the tolerance times
  /// their column's current: at `--tolerance 1e-3` a fixed 1e-6 had kept
  /// an output of 1.2e-12 A answered as 7.3e-10 A (a review, session 55).
  static func directShare(tolerance: Double) -> Double {
    min(1, max(directBelowShare, 1e6 * tolerance))
  }

  /// Whether an output is below `share` of its column's current at full
  /// drive.
  static func wantsDirect(
    _ mesh: CrossbarMesh, _ out: [Double], share: Double = directBelowShare, solution: MeshSolution? = nil
  ) -> Bool {
    fullDriveColumnCurrents(mesh, solution).enumerated().contains { j, full in abs(out[j]) < share * full }
  }

  /// With both line kinds resistive, the node voltages hold their values
  /// to about ε times the drives at best (ε = 2.2e-16), so an output
  /// current, a sum of G·(word − bit) over its column, is known to no
  /// better than about 16·ε·Σ_i G_ij·|v_in,i|, 16ε times the column's
  /// current with ideal lines: a note names the outputs below that floor
  /// (nil when none is). The solve's accuracy is relative to
  /// the largest currents, not to each output: a walkthrough (session 52)
  /// found far columns behind word lines of G·r = 1e5 to 1e9 off by 7 %
  /// to 32,000 times, one negative, with nothing said.
  static func roundingFloorNote(
    _ mesh: CrossbarMesh, _ out: [Double], fitsDirect: Bool = false, share: Double = directBelowShare,
    solution: MeshSolution? = nil
  ) -> String? {
    var below: [(Int, Double)] = []
    for (j, ideal) in idealColumnCurrents(mesh, solution).enumerated() {
      let floor = 16 * Double.ulpOfOne * ideal
      if floor > 0 && abs(out[j]) < floor { below.append((j, floor)) }
    }
    // Columns whose cells sit on undriven rows only: fed through the lines
    // alone, with no floor of their own (a review, session 54: 0 A
    // answered, converged, for 9e-17 A), where they are small enough
    // (below `share` of their current at full drive) for the iteration's
    // error to matter: one at 7e-3 of it, accurate to 3e-15, had been
    // called untrustworthy (a review, session 55).
    let ideal = idealColumnCurrents(mesh, solution), full = fullDriveColumnCurrents(mesh, solution)
    let lineFed = (0..<mesh.columns).filter { ideal[$0] == 0 && full[$0] > 0 && abs(out[$0]) < share * full[$0] }
    let short = { (x: Double) in String(format: "%.3g", x) }
    let direct = fitsDirect ? "; --solver direct (or auto) gives each output to its own accuracy" : "; the mesh is too large for --solver direct"
    var lineNote: String? = nil
    if !lineFed.isEmpty {
      let named = lineFed.prefix(3).map { "i_out[\($0)] \(short(out[$0])) A" }.joined(separator: ", ")
      let more = lineFed.count > 3 ? " and \(lineFed.count - 3) more" : ""
      let one = lineFed.count == 1
      lineNote = "note: \(named)\(more) \(one ? "has" : "have") no cell on a driven row: \(one ? "its" : "their") current comes through the lines alone, and the solve's accuracy is relative to the largest currents, so few digits or none can be trusted (docs/circuit.md, Problem files)\(direct)"
    }
    guard let first = below.first else { return lineNote }

    let named = below.prefix(3).map { "i_out[\($0.0)] \(short(out[$0.0])) A" }.joined(separator: ", ")
    let more = below.count > 3 ? " and \(below.count - 3) more" : ""
    let one = below.count == 1
    let floorNote = "note: \(named)\(more) \(one ? "is" : "are") below the rounding floor of \(one ? "its column" : "their columns") (\(short(first.1)) A for i_out[\(first.0)]: 16·ε·Σ G·|v_in| over the column, ε = 2.2e-16: 16ε times its current with ideal lines), where few digits or none can be trusted, the sign included: the solve's accuracy is relative to the largest currents (docs/circuit.md, Problem files)\(direct)"
    return [floorNote, lineNote].compactMap { $0 }.joined(separator: "\n")
  }
}
