import Circuit
import Foundation
import Trainer

/// `xbarsim sweep`: a grid over configuration keys, one training run per
/// point, shardable over a job array; `xbarsim sweep merge` joins shards.
enum SweepCommand: CLICommand {
  static let spec = CommandSpec(
    name: "sweep",
    abstract: "Train every point of a grid over configuration keys (shardable); merge shards.",
    usage: "xbarsim sweep [--config FILE | --checkpoint FILE] --grid key=v1,v2,... [--grid ...] [--shard i/n] --out DIR | xbarsim sweep merge DIR... [--out DIR]",
    discussion: """
      The grid is the Cartesian product of the --grid lists, over any configuration keys
      (those of 'xbarsim train'); values are separated by ',' or, when a value holds
      commas (layers), by ';'. An empty device_csv value is the rule's model
      device (Lim's; for hybrid and single the linear one, with c2c 0.34 unless
      --c2c is given, which a measured device then takes too; its own default is 0):
      --grid device_csv=,mine.csv compares it with a measured one; an
      empty stuck_map value is no map (--grid stuck_map=,lines.csv).
      Point p enumerates the grid like nested loops in the order the --grid
      options are given, the last key varying fastest (p = 0, 1, ...).
      --shard i/n (0 ≤ i < n, default 0/1) runs the points with p mod n = i, e.g.
      --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-(n-1).
      Every point trains as 'xbarsim train' does with --config, the other key options
      and its grid values. As each point finishes, DIR/sweep.csv and DIR/sweep.json
      are rewritten with its row (point, the grid keys, accuracies, pulses, resets,
      images/s, energy and latency per image when the summary has them, the
      accuracy at the last drift_times time without and with compensation),
      DIR/point-P.json holds point P's whole summary as train --summary writes it, and
      DIR/sweep.svg plots accuracy_mean_last versus the first grid key, one line per
      combination of the others (a seed key averaged over: the mean of the seeds,
      with a bar from their least accuracy_min_last to their greatest
      accuracy_max_last). Progress goes to standard error.

      With --checkpoint FILE every point reads that checkpoint's arrays as 'xbarsim
      evaluate' does, without training: the grid (and the key options) over evaluate's
      keys, the read's periphery, lines, drift and test_limit (evaluate --help), every other
      key the checkpoint's. A point's row then has the test accuracy (and the drift
      columns), not the fields of training; point-P.json is its evaluate summary,
      sweep.json names the checkpoint (its checksum: a resume or a merge of another
      checkpoint's reads is refused), and sweep.svg plots test_accuracy.

      'xbarsim sweep merge DIR...' joins shards into one table in point order (into
      --out DIR, or as CSV on standard output); the shards must share the grid and
      the base configuration, and every point must be in exactly one of them.
      """,
    options: TrainCommand.commonOptions + [
      OptionSpec("--grid", "<key=v1,v2,...>", "A configuration key and its values (repeatable).", repeatable: true),
      OptionSpec("--shard", "<i/n>", "Run every n-th point from point i, 0 ≤ i < n (default 0/1)."),
      OptionSpec("--checkpoint", "<file.json>", "Read this checkpoint's arrays at every point (as evaluate), instead of training."),
      OptionSpec("--out", "<dir>", "Output directory (sweep: required; merge: default standard output)."),
      OptionSpec("--quiet", nil, "No per-point progress lines."),
    ],
    maxPositionals: nil,
    subcommands: ["merge"])

  /// The summary fields every row carries after the grid keys, by the
  /// session that added them: those of a sweep.csv written before
  /// session 51 (`legacyFields`); then the training accuracy, the hybrid's
  /// phase switch, the converters' energies, the output layer's ADC
  /// clipping and the most worn device's pulses and resets (walkthroughs
  /// had to open each point-P.json for them); then, since session 58, the
  /// lines' energies and settling (`line_capacitance`); then, since
  /// session 60, the resistive reads' iterations and what the update's
  /// pulses saw through the lines (`write_lines`); then, since session
  /// 78, the stuck devices and the working partners of stuck devices,
  /// with the pulses and resets each received (`endurance`'s `stuck` and
  /// `stuck_partners`, over all layers: a researcher sweeping `stuck_off`
  /// had to open each point-P.json for them); then, since session 79, the
  /// drifted arrays' accuracy at the last of the run's `drift_times`,
  /// uncompensated and compensated (the summary's `drift` list's last
  /// entry: a sweep over `drift_nu` had to open each point-P.json).
  static let generations = [
    legacyFields,
    [
      "train_accuracy", "phase_switch_epoch", "adc_energy_per_image_joules", "dac_energy_per_image_joules",
      "output_adc_clipped_fraction", "endurance_max_pulses", "endurance_max_resets",
    ],
    [
      "read_lines_energy_per_image_joules", "update_lines_energy_per_image_joules",
      "line_settling_share_at_read_time", "line_settling_program_share",
    ],
    [
      "solver_iterations_per_read", "write_pulses_below_threshold", "write_least_share",
    ],
    [
      "endurance_stuck_devices", "endurance_stuck_pulses", "endurance_stuck_resets",
      "endurance_stuck_partner_devices", "endurance_stuck_partner_pulses", "endurance_stuck_partner_resets",
    ],
    [
      "drift_seconds", "drift_accuracy", "drift_accuracy_compensated",
    ],
  ]
  static let fields = generations.flatMap { $0 }
  static let legacyFields = [
    "test_accuracy", "accuracy_mean_last", "accuracy_min_last", "accuracy_max_last", "train_images", "pulses",
    "repotentiation_pulses", "resets", "images_per_second", "read_energy_joules", "interrupted",
    "energy_per_image_joules", "latency_per_image_seconds",
  ]

  /// The way on for a point of the product where a key does not apply
  /// (an ideal ADC beside ADC ranges, ideal lines beside a resistance: a
  /// circuit designer's walkthrough, session 48, found no hint).
  static let productHint = "; a grid is every combination of its lists: run such points as a sweep of their own (another --out)"

  /// The most points a grid may have.
  static let maxPoints = 1_000_000

  struct Grid: Equatable {
    var keys: [String]
    var values: [[String]]
    /// The number of points (checked ≤ `maxPoints` when the grid is read).
    var count: Int { values.reduce(1) { $0 * $1.count } }

    /// The number of points, or nil beyond `maxPoints` (or without keys).
    var checkedCount: Int? {
      guard !keys.isEmpty, keys.count == values.count else { return nil }
      var n = 1
      for v in values {
        let (m, overflow) = n.multipliedReportingOverflow(by: v.count)
        guard !v.isEmpty, !overflow, m <= SweepCommand.maxPoints else { return nil }
        n = m
      }
      return n
    }

    /// The values of point p (the last key varies fastest).
    func point(_ p: Int) -> [String] {
      var rest = p
      var out = [String](repeating: "", count: keys.count)
      for k in keys.indices.reversed() {
        out[k] = values[k][rest % values[k].count]
        rest /= values[k].count
      }
      return out
    }

    /// The same grid as `other`: the same keys, in order, and values that
    /// are the same string, or the same numbers (`0.1` and `0.10`, `16`
    /// and `016`: one value to `repeatsValue` too; a walkthrough, session
    /// 65, found them one value to the duplicate check and another sweep
    /// on resuming).
    func matches(_ other: Grid) -> Bool {
      guard keys == other.keys, values.count == other.values.count else { return false }
      // (A device or map file's name is a name: `1` and `01` are two files.)
      return zip(keys, zip(values, other.values)).allSatisfy { key, pair in
        let (a, b) = pair
        return a.count == b.count && zip(a, b).allSatisfy { x, y in
          x == y || (key != "device_csv" && key != "stuck_map" && SweepCommand.numbers(x) != nil && SweepCommand.numbers(x) == SweepCommand.numbers(y))
        }
      }
    }

    var header: [String] { ["point"] + keys + SweepCommand.fields }
    /// The headers of a sweep.csv written before the newest fields
    /// (`generations`), the oldest first.
    var olderHeaders: [[String]] {
      let g = SweepCommand.generations
      return (1..<g.count).map { n in ["point"] + keys + g[..<n].flatMap { $0 } }
    }
  }

  static func run(_ args: ParsedArguments) throws {
    if let first = args.positionals.first {
      guard first == "merge" else { throw CLIError.usage("unexpected argument '\(first)' (did you mean 'sweep merge DIR...'?)") }
      // Merge reads the shards and --out only: any other option would be
      // silently ignored.
      if let option = (Array(args.values.keys) + Array(args.flags)).filter({ $0 != "--out" }).sorted().first {
        let why = ["--grid", "--shard", "--config"].contains(option) ? "the shards carry their grid" : "it reads only the shards and --out"
        throw CLIError.usage("\(option) does not apply to 'sweep merge' (\(why))")
      }
      return try merge(Array(args.positionals.dropFirst()), out: args.string("--out").map(trimmingSlashes))
    }
    var grid = try parseGrid(args.all("--grid"))
    // A key the grid sets and an option or --config sets too: the grid's
    // values would silently replace the other.
    let given = TrainCommand.explicitKeys(args)
    for key in grid.keys {
      let related = key == "beta" ? ["beta", "beta_p", "beta_d"] : key.hasPrefix("beta_") ? [key, "beta"] : [key]
      if related.contains(where: given.contains) {
        throw TrainCommand.keyError(key, "is also given by --grid \(key)=…, whose values would replace it; give it in one place", args)
      }
    }
    // A checkpoint's reads (session 81): the grid and the options over
    // evaluate's keys; every other key is the checkpoint's.
    let checkpointPath = args.string("--checkpoint")
    if checkpointPath != nil {
      if args.string("--config") != nil {
        throw CLIError.usage("--config does not apply with --checkpoint (the checkpoint's configuration is the base; give evaluate's keys as options)")
      }
      let allowed = Set(EvaluateCommand.keys)
      if let key = grid.keys.first(where: { !allowed.contains($0) }) {
        throw CLIError.usage(
          "--grid \(key): a sweep of --checkpoint reads its arrays, whose \(key) is its run's; the grid takes evaluate's keys: \(EvaluateCommand.keys.joined(separator: ", "))")
      }
      if let key = given.sorted().first(where: { !allowed.contains($0) }) {
        throw TrainCommand.keyError(key, "does not apply with --checkpoint (its run's is the checkpoint's; the options take evaluate's keys)", args)
      }
    }
    let (index, shards) = try parseShard(args.string("--shard") ?? "0/1")
    // (Before every point is checked: arithmetic, at once.)
    let mine = Array(stride(from: index, to: grid.count, by: shards))
    guard !mine.isEmpty else {
      throw CLIError.usage("--shard \(index)/\(shards): no point of the \(grid.count)-point grid falls to this shard (use at most \(grid.count) shards)")
    }
    guard let outOption = args.string("--out") else { throw CLIError.usage("missing --out DIR") }
    let out = trimmingSlashes(outOption)
    if out == "-" { throw CLIError.usage("--out -: DIR is a directory of files, not standard output") }
    try TrainCommand.refuseOverwriting(
      [("--config", args.string("--config")), ("--checkpoint", checkpointPath)] + TrainCommand.dataFiles(args),
      by: [("--out", out)] + ["sweep.csv", "sweep.json", "sweep.svg"].map { ("--out", out + "/" + $0) })
    // The grid may set the lines per point, so r_row/r_col are checked
    // against each point's wires below.
    let evaluation = try checkpointPath.map { path in
      let saved = try Checkpoint.read(path)
      let (cfg, run) = try EvaluateCommand.configurations(args, saved, path, checkLines: !grid.keys.contains("wires"))
      return (path: path, saved: saved, base: cfg, run: run, identity: try checkpointIdentity(path, saved))
    }
    let base = try evaluation?.base
      ?? TrainCommand.configuration(args, checkLines: !grid.keys.contains("wires"), checkStuckMap: false, unreadFirst: false)
    let lineKeys = ["r_row", "r_col", "r_driver", "r_sense"].filter { grid.keys.contains($0) || args.string("--" + $0.replacingOccurrences(of: "_", with: "-")) != nil }
    let fileLineKeys = TrainCommand.lineKeysInConfigFile(args)
    // Every point's configuration, checked before anything runs.
    var configurations: [TrainingConfiguration] = []
    for p in 0..<grid.count {
      var cfg = base
      for (k, v) in zip(grid.keys, grid.point(p)) {
        do { try cfg.set(k, v) } catch let e as ConfigurationError {
          // A device file that cannot be read or is invalid is a file's
          // error (exit 1), as in train (a walkthrough, session 42).
          if TrainCommand.fileKeys.contains(e.field) { throw CLIError.runtime("--grid \(k): \(e.message)") }
          throw CLIError.usage("--grid \(k): \(e.message)")
        }
      }
      do { try cfg.validate() } catch let e as ConfigurationError {
        throw CLIError.usage("--grid point \(p) (\(describe(grid, p))): \(e.field): \(e.message)")
      }
      if cfg.wires == .ideal, let k = lineKeys.first {
        throw CLIError.usage("--grid point \(p) (\(describe(grid, p))): \(k) applies only with wires resistive (the lines are ideal)\(productHint)")
      }
      if cfg.wires == .ideal, let name = fileLineKeys.first, let path = args.string("--config") {
        throw CLIError.configuration(
          "\(path): \(name): applies only with wires resistive; --grid point \(p) (\(describe(grid, p))) has ideal lines")
      }
      // As `train` would: a key this point's rule never reads is refused.
      // A key given beside the grid that no point reads is the option's
      // error, as train gives it (a walkthrough, session 58: `--threads 2`
      // beside a grid of rule lim was blamed on point 0's grid values).
      // (A checkpoint's reads: the keys the grid and the options set; the
      // checkpoint's own were its run's.)
      let unread = evaluation == nil ? cfg.ignoredKey : cfg.ignoredKeys.first { grid.keys.contains($0.key) || given.contains($0.key) }
      if let (key, usedBy) = unread {
        if !grid.keys.contains(key), let everywhere = try? ignoredAtEveryPoint(key, base: base, grid: grid), everywhere {
          // (Rule lim's learning named, as train names it, unless the grid
          // sets it; an off-chip walkthrough, session 65.)
          let learning = cfg.rule == .lim && !grid.keys.contains("learning") ? " (\(cfg.mode.rawValue))" : ""
          let who = grid.keys.contains("rule") ? "every point of the grid" : "rule \(cfg.rule.rawValue)\(learning), every point of the grid's,"
          throw TrainCommand.keyError(key, "applies to \(usedBy) only; \(who) would ignore it", args)
        }
        // (Named as given: `--beta 1` beside a grid of rules had been
        // told about beta_p, a key not given; session 64.)
        let option = grid.keys.contains(key) ? nil : TrainCommand.givenOption(key, args)
        let named = option.map { $0 == "--" + key.replacingOccurrences(of: "_", with: "-") ? key : "\($0) (\(key))" } ?? key
        throw CLIError.usage(
          "--grid point \(p) (\(describe(grid, p))): \(named) applies to \(usedBy) only; rule \(cfg.rule.rawValue)\(cfg.rule == .lim ? " (\(cfg.mode.rawValue))" : "") would ignore it\(productHint)")
      }
      configurations.append(cfg)
    }
    let (train, test) = try TrainCommand.datasets(args)
    if let evaluation, let note = EvaluateCommand.dataNote(evaluation.saved, evaluation.path, train) {
      var err = StandardError()
      print(note, to: &err)
    }
    let dataJSON = TrainCommand.dataJSON(train: train, test: test)
    // This shard's devices, each under the name the sweep gives it: its grid
    // value as typed (a relative path or a link resolves elsewhere later),
    // or the base's file.
    let deviceColumn = grid.keys.firstIndex(of: "device_csv")
    // (A checkpoint's reads: its devices are the checkpoint's, named by
    // its checksum.)
    let devicesJSON = evaluation != nil ? nil : devicesJSON(mine.compactMap { p in
      configurations[p].measuredDevice.map { (deviceColumn.map { grid.point(p)[$0] } ?? $0.path, $0) }
    })
    // Every point, not only this shard's: a grid that cannot finish is
    // refused by each task of a job array, before any of them trains.
    for p in 0..<grid.count {
      // As `train` would: limits and batch within the data loaded.
      do { try TrainCommand.checkLimits(&configurations[p], train: train, test: test, args) } catch let e as CLIError {
        throw e.prefixed("--grid point \(p) (\(describe(grid, p))): ")
      } catch {
        // The network's shape against the data (`Experiment.checkFit`).
        throw CLIError.runtime("--grid point \(p) (\(describe(grid, p))): \(error)")
      }
      do { _ = try Experiment(configuration: configurations[p], train: train, test: test) } catch {
        throw CLIError.runtime("--grid point \(p) (\(describe(grid, p))): \(error)")
      }
    }
    try OutputFile.makeDirectory(out)
    // (A checkpoint's: its learning, as evaluate's summary writes it.)
    let baseJSON = TrainCommand.configurationJSON(evaluation.map { EvaluateCommand.written($0.base, $0.saved) } ?? base)
    // One sweep at a time in DIR (checked before what DIR holds is read).
    try OutputFile.lockDirectory(out, by: "sweep")
    // A directory that holds this very shard's earlier run is resumed: its
    // finished points are kept and not run again. Anything else there is
    // not overwritten.
    var rows: [[String]] = []
    // A merge's directory run again keeps its `merged_from`.
    var mergedFrom: [String] = []
    let hasJSON = FileManager.default.fileExists(atPath: out + "/sweep.json")
    let hasCSV = FileManager.default.fileExists(atPath: out + "/sweep.csv")
    // A start cut short (killed, or a full disk) between the first
    // sweep.csv, its header alone, and the first sweep.json holds no point:
    // a fresh start (it used to be refused for good; an audit, session 28).
    // (Another grid's header alone too: no point was finished there. A
    // walkthrough, session 52, got "sweep.json: cannot read file".)
    if !hasJSON && hasCSV && holdsOnlyHeader(out + "/sweep.csv", grid) {
    } else if !hasJSON && hasCSV {
      throw CLIError.runtime(
        "\(out)/sweep.csv is there without sweep.json (not a sweep this command can resume: sweep.json names its grid and base); give another --out, or remove it")
    } else if hasJSON || hasCSV {
      let earlier = try readShard(out)
      // The configuration does not name the data: a directory trained on
      // other images must not lend its rows (a sweep.json from before the
      // data object has none to compare).
      if let then = earlier.data, case let now = try JSONValue.parse(Data(dataJSON.utf8)), then != now {
        throw CLIError.runtime("\(out) holds a sweep of other training or test data (\(RunJournal.difference(then, now))); give another --out, or remove it")
      }
      let baseNow = try JSONValue.parse(Data(baseJSON.utf8))
      // What differs, named: the grid, a base key, or the shard.
      // (A checkpoint's reads beside another's, or a sweep that trained:
      // that first, not the base configurations it brings.)
      var why = checkpointDifference(earlier.checkpoint, evaluation?.identity, here: "this one")
        ?? difference(earlier.grid, earlier.base, from: grid, baseNow, here: "this one's")
      if why == nil, !((earlier.shard.map { $0 == (index, shards) } ?? false) || earlier.rows.isEmpty) {
        why = "it is shard \(earlier.shard.map { "\($0.0)/\($0.1)" } ?? "?"), this one \(index)/\(shards)"
      }
      if let why {
        throw CLIError.runtime("\(out) holds another sweep (\(why)); give another --out, or remove it")
      }
      // Nor does it hold a measured device's points: a file edited since
      // (the same path, range and points, another curve) must not lend
      // its rows either (a sweep.json from before `devices` has none).
      // After the grid and base: a sweep given another device file, or
      // none, differs there, and is told so (a walkthrough, session 63:
      // it was told its unchanged file had changed).
      if !earlier.rows.isEmpty, let path = changedDevice(earlier.devices, devicesJSON) {
        throw CLIError.runtime("\(out) holds a sweep run with another version of \(path) (its data differ now); give another --out, or remove it")
      }
      if let stray = earlier.rows.keys.first(where: { !mine.contains($0) }) {
        throw CLIError.runtime("\(out)/sweep.csv: point \(stray) is not in shard \(index)/\(shards)")
      }
      rows = earlier.rows.keys.sorted().map { earlier.rows[$0]! }
      // Its values as it spelt them (the same numbers), so that a column
      // keeps one spelling.
      grid = earlier.grid
      mergedFrom = earlier.mergedFrom
      // A finished point whose point-P.json is gone or does not give its
      // row (emptied, damaged, another run's) is trained again, its row
      // with it (same seed, same row): the resume had kept the row without
      // its summary, silently (a walkthrough, session 69). Not in a merge
      // made before session 49, which holds no point files at all (nor,
      // so, in a later merge whose point files are all gone).
      let gives = rows.map { pointFileGives($0, grid, in: out) }
      let intact = zip(rows, gives).filter(\.1).map(\.0)
      if intact.count < rows.count && !(intact.isEmpty && !mergedFrom.isEmpty) {
        let again = zip(rows, gives).filter { !$0.1 }.map { $0.0[0] }
        var err = StandardError()
        print(
          "note: sweep: \(out): point\(again.count == 1 ? "" : "s") \(again.joined(separator: ", ")) in sweep.csv \(again.count == 1 ? "has" : "have") no point-P.json giving \(again.count == 1 ? "its" : "their") row (missing or changed): trained again",
          to: &err)
        rows = intact
      }
      if !rows.isEmpty && !args.has("--quiet") {
        var err = StandardError()
        print("sweep: resuming \(out): \(rows.count) of \(mine.count) point(s) already done", to: &err)
      }
    }
    let done = Set(rows.map { Int($0[0])! })
    try writeOutputs(
      grid, rows, baseJSON: baseJSON, dataJSON: dataJSON, devicesJSON: devicesJSON, checkpointJSON: evaluation?.identity.text,
      shard: (index, shards), mergedFrom: mergedFrom, to: out)
    var err = StandardError()
    catchInterrupts()
    defer { restoreInterrupts() }
    // A measured device's notes, as `train` prints them: each once among
    // this shard's points (with --quiet too; a note that two rules or
    // methods share had been printed once for each: session 42).
    var noted: Set<String> = []
    for p in mine where !done.contains(p) && evaluation == nil {
      let cfg = configurations[p]
      guard let path = cfg.measuredDevice?.path else { continue }
      for note in TrainCommand.deviceNotes(cfg, name: "device_csv \(path)") where noted.insert(note).inserted {
        print(note, to: &err)
      }
    }
    // The notes `train` gives a point's configuration, each once with the
    // points it holds for (with --quiet too, as train's).
    var pointsOf: [String: [Int]] = [:], noteOrder: [String] = []
    for p in mine where !done.contains(p) {
      let notes = evaluation.map { EvaluateCommand.notes(configurations[p], run: $0.run) }
        ?? TrainCommand.configurationNotes(configurations[p], fromCheckpoint: false)
      for note in notes {
        if pointsOf[note] == nil { noteOrder.append(note) }
        pointsOf[note, default: []].append(p)
      }
    }
    let toRun = mine.count - done.count
    for note in noteOrder {
      print(pointNote(note, points: pointsOf[note]!, of: toRun, grid), to: &err)
    }
    let started = Date()
    for p in mine where !done.contains(p) {
      let cfg = configurations[p]
      let summary: String, accuracyText: String, resultNotes: [String]
      if let evaluation {
        // The checkpoint's arrays read with this point's keys; its
        // evaluate summary beside the table.
        let reading: EvaluateCommand.Reading
        do {
          reading = try EvaluateCommand.read(evaluation.saved, evaluation.path, cfg, train: train, test: test, shouldStop: { interruptRequested != 0 })
        } catch CLIError.interrupted {
          break
        } catch let e as CLIError {
          // (As a training point's failure: what DIR keeps said.)
          throw CLIError.runtime("--grid point \(p) (\(describe(grid, p))): \(e); \(out) holds the \(rows.count) finished point(s)")
        }
        summary = EvaluateCommand.summaryJSON(reading, evaluation.saved, evaluation.path, cfg, train: train, test: test)
        accuracyText = String(format: "%.2f %% (test accuracy)", reading.accuracy)
        resultNotes = TrainCommand.adcNotes(reading.result, cfg)
      } else {
        // A progress bar per point (a long point, e.g. a 20-epoch hybrid,
        // is not silent for minutes).
        var bar = ProgressBar(label: "sweep point \(p) (\(describe(grid, p)))", enabled: !args.has("--quiet"))
        let result = try! Experiment(configuration: cfg, train: train, test: test)
          .run(progress: { bar.update($0) }, shouldStop: { interruptRequested != 0 })
        bar.finish()
        if let failure = result.failure {
          throw CLIError.runtime("--grid point \(p) (\(describe(grid, p))): \(failure); \(out) holds the \(rows.count) finished point(s)")
        }
        if result.interrupted { break }
        // The point's whole summary beside the table (its energy and latency
        // breakdowns, epochs, configuration), as `train --summary` writes it;
        // before its row, so that a row never lacks its file.
        summary = TrainCommand.summaryJSON(result, cfg, data: dataJSON, dataFiles: TrainCommand.dataFilesJSON(train: train, test: test))
        accuracyText = String(format: "%.2f %% (mean of the %@)", result.accuracyMeanLast, TrainCommand.averageWindow(cfg) as NSString)
        resultNotes = TrainCommand.resultNotes(result, cfg, fromCheckpoint: nil, test: test)
      }
      try InspectCommand.write(summary, to: out + "/point-\(p).json")
      // In point order, a gap a resume fills too (a walkthrough, session
      // 65: rows 0, 2, 3, 1), as a merge writes them: before the first
      // row of a later point (at the end, but after a gap).
      let at = rows.last.map { (Int($0[0]) ?? 0) < p } ?? true ? rows.count : rows.firstIndex { (Int($0[0]) ?? 0) > p } ?? rows.count
      rows.insert(try row(p, grid, summary: summary), at: at)
      // A failed write (a full disk, a file-size limit) says what is kept
      // and how to go on (a walkthrough, session 44: the line ended at
      // the file). The files are replaced whole, so each holds the points
      // of its last write.
      do {
        try writeOutputs(
          grid, rows, baseJSON: baseJSON, dataJSON: dataJSON, devicesJSON: devicesJSON, checkpointJSON: evaluation?.identity.text,
          shard: (index, shards), mergedFrom: mergedFrom, to: out)
      } catch {
        throw CLIError.runtime("\(error); \(out) keeps the points its sweep files held before this one, and the same command goes on from them once the files can be written")
      }
      // As `train` says them (a walkthrough, session 58: a sweep over k
      // whose hybrids never switched gave equal rows without a word).
      for note in resultNotes {
        print(pointNote(note, points: [p], of: toRun, grid), to: &err)
      }
      if !args.has("--quiet") {
        print(String(format: "sweep [%ld/%ld, %.0f s] point %ld (%@): %@",
          rows.count, mine.count, Date().timeIntervalSince(started), p, describe(grid, p) as NSString,
          accuracyText as NSString), to: &err)
      }
    }
    if interruptRequested != 0 && rows.count < mine.count {
      throw CLIError.interrupted(
        rows.isEmpty
          ? "interrupted before its first point finished; the same command starts it again"
          : "interrupted after \(rows.count) of \(mine.count) points; \(out) holds the finished ones")
    }
    // The point files DIR holds (a merge made before session 49 holds none).
    let pointFiles = rows.filter { FileManager.default.fileExists(atPath: out + "/point-\($0[0]).json") }.count
    print("sweep: \(rows.count) point(s) of \(grid.count) (shard \(index)/\(shards)) written to \(out)/sweep.csv, sweep.json, sweep.svg and \(pointFilesText(pointFiles, of: rows.count))")
  }

  /// A note of `train`'s for the sweep's points it holds for: one point
  /// named with its values, more by number (the first eight), or all the
  /// `toRun` points this invocation trains.
  static func pointNote(_ note: String, points: [Int], of toRun: Int, _ grid: Grid) -> String {
    let text = note.hasPrefix("note: ") ? String(note.dropFirst(6)) : note
    if points.count == 1 { return "note: sweep point \(points[0]) (\(describe(grid, points[0]))): \(text)" }
    if points.count == toRun { return "note: \(toRun == grid.count ? "every point of the sweep" : "every point this run trains"): \(text)" }
    let shown = points.prefix(8).map(String.init)
    let list = points.count > 8
      ? shown.joined(separator: ", ") + " and \(points.count - 8) more"
      : shown.dropLast().joined(separator: ", ") + " and " + shown.last!
    return "note: sweep points \(list): \(text)"
  }

  /// Whether every point of the grid leaves `key` unread (its values set
  /// on `base` as the points are; nil-free: a point whose values fail is
  /// an error).
  static func ignoredAtEveryPoint(_ key: String, base: TrainingConfiguration, grid: Grid) throws -> Bool {
    for p in 0..<grid.count {
      var cfg = base
      for (k, v) in zip(grid.keys, grid.point(p)) { try cfg.set(k, v) }
      if !cfg.ignoredKeys.contains(where: { $0.key == key }) { return false }
    }
    return true
  }

  /// What makes a sweep directory's grid and base (`grid`, `base`)
  /// another sweep's than `here`'s (`hereGrid`, `hereBase`): the grid, or
  /// the first base key that differs; nil when neither does.
  static func difference(_ grid: Grid, _ base: JSONValue, from hereGrid: Grid, _ hereBase: JSONValue, here: String) -> String? {
    if !grid.matches(hereGrid) { return "its grid is \(gridText(grid)), \(here) \(gridText(hereGrid))" }
    let mine = identity(base, under: grid), theirs = identity(hereBase, under: grid)
    guard mine != theirs else { return nil }
    return "its base configuration differs" + (theirs.firstDifference(from: mine).map { ": " + $0 } ?? "")
  }

  /// A base configuration's identity (`configurationIdentity`) without
  /// the keys every point of `grid` sets (a grid over beta sets beta_p and
  /// beta_d): not the base's to differ in (a walkthrough, session 58: a
  /// base of β 0 and one of β 2 under the same grid over beta were
  /// refused; a review: by `sweep merge` too).
  static func identity(_ base: JSONValue, under grid: Grid) -> JSONValue {
    let set = Set(grid.keys + (grid.keys.contains("beta") ? ["beta_p", "beta_d"] : []))
    guard case .object(var d, let keys) = base.configurationIdentity else { return base.configurationIdentity }
    for k in set { d[k] = nil }
    return .object(d, keys: keys.filter { !set.contains($0) })
  }

  /// Whether CSV file `path` holds a sweep's header alone (`grid`'s, its
  /// header before session 51, or another grid's: a row of names that
  /// begins with `point`), or nothing.
  static func holdsOnlyHeader(_ path: String, _ grid: Grid) -> Bool {
    guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else { return false }
    let lines = csvText(data).split(separator: "\n")
    guard lines.count == 1 else { return lines.isEmpty }
    let cells = csvCells(lines[0])
    return ([grid.header] + grid.olderHeaders).contains(cells) || (cells.first == "point" && cells.allSatisfy { Double($0) == nil })
  }

  /// A CSV file's text with a byte-order mark and CRLF line endings (a
  /// spreadsheet's or a Windows editor's save) stripped: Swift reads
  /// "\r\n" as one Character, so the text would not split at "\n" and the
  /// header would not match.
  static func csvText(_ data: Data) -> String {
    var bytes = [UInt8](data)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
  }

  static func describe(_ grid: Grid, _ p: Int) -> String {
    zip(grid.keys, grid.point(p)).map { "\($0)=\($1)" }.joined(separator: " ")
  }

  /// `key=v1,v2,...` (or `key=v1;v2` when values hold commas), per --grid.
  static func parseGrid(_ specs: [String]) throws -> Grid {
    guard !specs.isEmpty else { throw CLIError.usage("missing --grid key=v1,v2,... (the grid is empty)") }
    let known = Set(TrainingConfiguration.keys.map(\.key))
    var grid = Grid(keys: [], values: [])
    for spec in specs {
      guard let eq = spec.firstIndex(of: "=") else { throw CLIError.usage("--grid '\(spec)' is not key=v1,v2,...") }
      let key = spec[..<eq].replacingOccurrences(of: "-", with: "_")
      let list = spec[spec.index(after: eq)...]
      guard known.contains(key) else {
        // The nearest key, as an option or a config file's key gets it.
        let hint = ArgumentParsing.nearest(key.lowercased(), among: TrainingConfiguration.keys.map(\.key)).map { " (did you mean '\($0)'?)" } ?? ""
        throw CLIError.usage("--grid: unknown configuration key '\(key)'\(hint)")
      }
      guard !grid.keys.contains(key) else { throw CLIError.usage("--grid: key '\(key)' is given twice") }
      // `beta` sets β_p and β_d: beside `beta_p` or `beta_d` in the grid,
      // one would overwrite the other at every point.
      let betas = ["beta", "beta_p", "beta_d"]
      if betas.contains(key), let other = grid.keys.first(where: { betas.contains($0) && ($0 == "beta" || key == "beta") }) {
        throw CLIError.usage(
          "--grid \(key): beside --grid \(other) (beta sets beta_p and beta_d both, so one would overwrite the other at every point); grid beta alone, or beta_p and beta_d")
      }
      guard !list.isEmpty else { throw CLIError.usage("--grid \(key): empty value list") }
      var values = list.split(separator: list.contains(";") ? ";" : ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      // An empty value is no value, except for `device_csv`, where it is
      // the rule's model device (`--grid device_csv=,mine.csv` compares the
      // two), and `stuck_map`, where it is no map (since session 77).
      guard TrainCommand.fileKeys.contains(key) || !values.contains("") else { throw CLIError.usage("--grid \(key): empty value in '\(list)'") }
      // `layers=784,5,10` is the values 784, 5 and 10, none of them a network.
      if commaKeys.contains(key), !list.contains(";"), values.count > 1 {
        throw CLIError.usage(
          "--grid \(key): '\(list)' splits at ',' into single numbers; separate values that hold commas by ';' (--grid '\(key)=\(key == "layers" ? "784,200,10;784,300,10" : "1,3600;1,86400")'), or give one value as --\(key.replacingOccurrences(of: "_", with: "-")) \(list)")
      }
      guard !repeatsValue(values) else { throw CLIError.usage("--grid \(key): a value is repeated in '\(list)'") }
      if key == "device_csv" || key == "stuck_map" {
        // Each device (or stuck map) file by its real path, as the points'
        // summaries name it: a sweep resumed or merged elsewhere means the
        // same files (a map's relative name had made a sweep resumed from
        // another directory fail, "no such file", and one map by two names
        // two points; a walkthrough, session 76).
        values = values.map { $0.isEmpty ? $0 : OutputFile.realPath($0) ?? $0 }
        guard !repeatsValue(values) else { throw CLIError.usage("--grid \(key): '\(list)' names one file twice") }
      }
      grid.keys.append(key)
      grid.values.append(values)
      guard grid.checkedCount != nil else {
        throw CLIError.usage("--grid: more than \(maxPoints) points")
      }
    }
    return grid
  }

  /// The configuration keys whose values hold commas (`layers`).
  static let commaKeys = TrainingConfiguration.listKeys

  /// Whether a grid's value list repeats a value, as typed or as a number
  /// (`1,01`).
  static func repeatsValue(_ values: [String]) -> Bool {
    // Numbers, and lists of them (`layers`), by value: `5` and `05`,
    // `784,5,10` and `784,05,10` are one value.
    let lists = values.map(numbers)
    return Set(values).count < values.count || (lists.allSatisfy { $0 != nil } && Set(lists.map { $0! }).count < lists.count)
  }

  /// A grid value as numbers (`layers` a list of them), nil when any part
  /// is not a number.
  static func numbers(_ value: String) -> [Double]? {
    let parts = value.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
    return parts.allSatisfy { $0 != nil } ? parts.map { $0! } : nil
  }

  /// `i/n` with 0 ≤ i < n.
  static func parseShard(_ text: String) throws -> (Int, Int) {
    // (Spaces around the numbers are no part of them, as for any number.)
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
      throw CLIError.usage("--shard expects i/n (e.g. 0/4), got '\(text)'")
    }
    guard n >= 1 else { throw CLIError.usage("--shard \(text): the shard count must be ≥ 1") }
    guard i >= 0 && i < n else { throw CLIError.usage("--shard \(text): the index must be in 0..<\(n)") }
    return (i, n)
  }

  /// A row's cells: the point, its grid values and the summary's fields.
  static func row(_ p: Int, _ grid: Grid, summary: String) throws -> [String] {
    let json = try JSONValue.parse(Data(summary.utf8))
    return [String(p)] + grid.point(p) + fields.map { f in
      // The converters' energies are entries of the energy breakdown.
      let value = switch f {
      case "adc_energy_per_image_joules": json["energy_breakdown_joules"]?["adc"]
      case "dac_energy_per_image_joules": json["energy_breakdown_joules"]?["dac"]
      case "output_adc_clipped_fraction": lastElement(json["adc_clipped_fraction"])
      case "endurance_max_pulses": json["endurance"]?["max_pulses"]?["count"]
      case "endurance_max_resets": json["endurance"]?["max_resets"]?["count"]
      // The whole network's stuck devices (the top level of `endurance`;
      // its `layers` give each layer's).
      case "endurance_stuck_devices": json["endurance"]?["stuck"]?["devices"]
      case "endurance_stuck_pulses": json["endurance"]?["stuck"]?["pulses"]
      case "endurance_stuck_resets": json["endurance"]?["stuck"]?["resets"]
      case "endurance_stuck_partner_devices": json["endurance"]?["stuck_partners"]?["devices"]
      case "endurance_stuck_partner_pulses": json["endurance"]?["stuck_partners"]?["pulses"]
      case "endurance_stuck_partner_resets": json["endurance"]?["stuck_partners"]?["resets"]
      // The drifted arrays at the last of the run's drift times.
      case "drift_seconds": lastElement(json["drift"])?["seconds"]
      case "drift_accuracy": lastElement(json["drift"])?["test_accuracy"]
      case "drift_accuracy_compensated": lastElement(json["drift"])?["test_accuracy_compensated"]
      case "read_lines_energy_per_image_joules": json["energy_breakdown_joules"]?["read_lines"]
      case "update_lines_energy_per_image_joules": json["energy_breakdown_joules"]?["update_lines"]
      case "line_settling_share_at_read_time": json["line_settling"]?["share_at_read_time"]
      case "line_settling_program_share": json["line_settling"]?["program_share"]
      case "write_pulses_below_threshold": json["write_drop"]?["pulses_below_threshold"]
      case "write_least_share": json["write_drop"]?["least_share"]
      default: json[f]
      }
      switch value {
      case .number(let x)?: return JSONWriter.number(x)
      case .bool(let b)?: return b ? "true" : "false"
      case .string(let s)?: return s
      default: return ""
      }
    }
  }

  /// A JSON list's last element (nil for anything else).
  static func lastElement(_ v: JSONValue?) -> JSONValue? {
    guard case .array(let list)? = v else { return nil }
    return list.last
  }

  // MARK: - Files

  static func csvField(_ s: String) -> String {
    s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }

  static func csvLine(_ cells: [String]) -> String { cells.map(csvField).joined(separator: ",") + "\n" }

  /// The cells of one CSV line (quoted fields may hold commas and "").
  static func csvCells(_ line: Substring) -> [String] {
    var cells: [String] = [], cell = "", quoted = false
    var chars = line.makeIterator()
    while let c = chars.next() {
      if quoted {
        if c == "\"" {
          if let d = chars.next() {
            if d == "\"" { cell.append("\"") } else { quoted = false; if d == "," { cells.append(cell); cell = "" } else { cell.append(d) } }
          } else { quoted = false }
        } else { cell.append(c) }
      } else if c == "\"" { quoted = true } else if c == "," { cells.append(cell); cell = "" } else { cell.append(c) }
    }
    cells.append(cell)
    return cells
  }

  /// A cell as JSON: a number when it reads as one (not for `layers`),
  /// written as JSON spells numbers (".1", "+1" or "0x1p-3" as typed in a
  /// grid would not parse); an integer beyond 2^53 stays a string.
  static func jsonCell(_ key: String, _ s: String) -> String {
    if s.isEmpty { return "null" }
    if s == "true" || s == "false" { return s }
    if key != "layers", let x = Double(s), x.isFinite, !JSONWriter.isInexactInteger(x) {
      return JSONWriter.number(x)
    }
    return JSONWriter.string(s)
  }

  static func writeOutputs(
    _ grid: Grid, _ rows: [[String]], baseJSON: String, dataJSON: String?, devicesJSON: String? = nil, checkpointJSON: String? = nil,
    shard: (Int, Int), mergedFrom: [String] = [], to dir: String
  ) throws {
    var csv = csvLine(grid.header)
    for r in rows { csv += csvLine(r) }
    var j = JSONWriter()
    j.add("format", "xbarsim-sweep")
    j.add("version", 1)
    j.addRaw("grid", "[" + zip(grid.keys, grid.values).map { k, v in
      "{\"key\": \(JSONWriter.string(k)), \"values\": [" + v.map(JSONWriter.string).joined(separator: ", ") + "]}"
    }.joined(separator: ", ") + "]")
    j.add("points", grid.count)
    j.addRaw("shard", "{\"index\": \(shard.0), \"count\": \(shard.1)}")
    if !mergedFrom.isEmpty { j.addRaw("merged_from", "[" + mergedFrom.map(JSONWriter.string).joined(separator: ", ") + "]") }
    j.addRaw("base_configuration", baseJSON.replacingOccurrences(of: "\n", with: "\n  "))
    if let dataJSON { j.addRaw("data", dataJSON.replacingOccurrences(of: "\n", with: "\n  ")) }
    if let devicesJSON { j.addRaw("devices", devicesJSON) }
    if let checkpointJSON { j.addRaw("checkpoint", checkpointJSON.replacingOccurrences(of: "\n", with: "\n  ")) }
    let header = grid.header
    j.addRaw("rows", "[" + rows.map { r in
      "\n    {" + zip(header, r).map { "\(JSONWriter.string($0)): \(jsonCell($0, $1))" }.joined(separator: ", ") + "}"
    }.joined(separator: ",") + "\n  ]")
    for (name, text) in [("sweep.csv", csv), ("sweep.json", j.finished()), ("sweep.svg", plot(grid, rows, reads: checkpointJSON != nil))] {
      try InspectCommand.write(text, to: dir + "/" + name)
    }
  }

  /// accuracy_mean_last versus the first grid key (its values, or their
  /// positions 1, 2, … when not numbers), a line per combination of the
  /// others. A `seed` key (not the first) is averaged over instead: a
  /// point is the mean of its seeds' accuracy_mean_last, with a bar from
  /// the least accuracy_min_last to the greatest accuracy_max_last of those
  /// seeds (as `reproduce` reports its runs).
  /// With `reads` (a sweep of a checkpoint's reads), test_accuracy, one
  /// read a point.
  static func plot(_ grid: Grid, _ rows: [[String]], reads: Bool = false) -> String {
    // An empty value (`device_csv`'s, Lim's device) is named.
    func shown(_ v: String) -> String { v.isEmpty ? "(none)" : v }
    let first = grid.keys[0], firstValues = grid.values[0]
    let numeric = firstValues.allSatisfy { Double($0) != nil } && first != "layers"
    let seedKey = grid.keys.dropFirst().firstIndex(of: "seed")
    let column = { (name: String) in grid.header.firstIndex(of: name)! }
    let (mean, low, high) = reads
      ? (column("test_accuracy"), column("test_accuracy"), column("test_accuracy"))
      : (column("accuracy_mean_last"), column("accuracy_min_last"), column("accuracy_max_last"))
    let measure = reads ? "test_accuracy" : "accuracy_mean_last"
    struct Point { var x: Double; var value: String; var y: [Double] = []; var low = Double.infinity; var high = -Double.infinity }
    var lines: [String: [Point]] = [:]
    var order: [String] = []
    for r in rows.sorted(by: { Int($0[0])! < Int($1[0])! }) {
      let values = Array(r[1...grid.keys.count])
      let others = zip(grid.keys, values).enumerated().dropFirst().filter { $0.offset != seedKey }.map(\.element)
      let label = others.isEmpty
        ? measure + (seedKey == nil ? "" : ", mean over seeds")
        : others.map { "\($0)=\(shown($1))" }.joined(separator: ", ")
      let x = numeric ? Double(values[0])! : Double(firstValues.firstIndex(of: values[0])! + 1)
      guard let y = Double(r[mean]) else { continue }
      if lines[label] == nil { order.append(label) }
      var line = lines[label, default: []]
      if seedKey == nil || !line.contains(where: { $0.x == x }) { line.append(Point(x: x, value: shown(values[0]))) }
      let k = seedKey == nil ? line.count - 1 : line.firstIndex { $0.x == x }!
      line[k].y.append(y)
      line[k].low = min(line[k].low, Double(r[low]) ?? y)
      line[k].high = max(line[k].high, Double(r[high]) ?? y)
      lines[label] = line
    }
    // A converter's 0 bits is the ideal converter (costed as 8 bits), not
    // a resolution: the axis says so.
    let ideal = ["adc_bits", "dac_bits"].contains(first) && firstValues.contains { Double($0) == 0 } ? " (0 = ideal)" : ""
    let xLabel = numeric ? first + ideal : first + " (" + firstValues.enumerated().map { "\($0 + 1) = \(shown($1))" }.joined(separator: ", ") + ")"
    let title = (reads ? "Sweep of a checkpoint's reads: test accuracy versus \(first)" : "Sweep: average test accuracy versus \(first)")
      + (seedKey == nil ? "" : " (mean over seeds, bars min–max)")
    var p = SVGLinePlot(title: title, xLabel: xLabel, yLabel: measure + " (%)")
    p.yBounds = 0...100
    // Categories at 1, 2, …: a tick at each, none between them.
    if !numeric { p.xAxis = .atData(log: false) }
    p.series = order.map { label in
      let line = lines[label]!
      // A point of fewer seeds than the grid's (a sweep stopped or sharded)
      // is named in the legend: its mean is not the others' kind (a
      // walkthrough, session 65).
      let seeds = seedKey.map { grid.values[$0].count } ?? 1
      let partial = line.filter { $0.y.count < seeds }.map { "\($0.y.count) of \(seeds) seeds at \(first)=\($0.value)" }
      let named = partial.isEmpty ? label : label + " (" + partial.joined(separator: ", ") + ")"
      var series = SVGLinePlot.Series(label: named, x: line.map(\.x), y: line.map { $0.y.reduce(0, +) / Double($0.y.count) })
      if seedKey != nil {
        series.low = line.map(\.low)
        series.high = line.map(\.high)
      }
      return series
    }
    // The ideal converter is not the end of the bits' line: its point is a
    // hollow marker of the line's colour, not joined to 1 bit (the line
    // read as if accuracy peaked at "0 bits": a walkthrough, session 33).
    // Whole bits: ticks at whole numbers, not at 0.5, 1.5, … (a
    // walkthrough, session 43).
    if numeric && ["adc_bits", "dac_bits"].contains(first) { p.xAxis = .padded(integers: true) }
    if !ideal.isEmpty {
      // A line's label, unless it names no other key.
      func others(_ label: String) -> String? { label.hasPrefix(measure) ? nil : label }
      var markers: [SVGLinePlot.Series] = []
      for (i, s) in p.series.enumerated() {
        let at = s.x.indices.filter { s.x[$0] == 0 }, rest = s.x.indices.filter { s.x[$0] != 0 }
        guard !at.isEmpty else { continue }
        func pick(_ v: [Double]?, _ ks: [Int]) -> [Double]? { v.map { v in ks.map { v[$0] } } }
        // Named by the swept converter: "adc_bits=4 (ideal)" had read as
        // an ideal ADC beside a DAC sweep (a walkthrough, session 43).
        let name = "\(first)=0 (ideal)" + (others(s.label).map { ", " + $0 } ?? "")
        var marker = SVGLinePlot.Series(label: name, x: at.map { s.x[$0] }, y: at.map { s.y[$0] })
        marker.low = pick(s.low, at)
        marker.high = pick(s.high, at)
        marker.hollow = true
        marker.line = false
        marker.color = i
        markers.append(marker)
        p.series[i].x = rest.map { s.x[$0] }
        p.series[i].y = rest.map { s.y[$0] }
        p.series[i].low = pick(s.low, rest)
        p.series[i].high = pick(s.high, rest)
      }
      p.series += markers
    }
    return p.render()
  }

  // MARK: - Merge

  /// A directory path without its trailing slashes ("full/" wrote
  /// "full//sweep.csv" into its messages); "/" stays.
  static func trimmingSlashes(_ path: String) -> String {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    return String(p)
  }

  static func merge(_ dirs: [String], out: String?) throws {
    guard !dirs.isEmpty else { throw CLIError.usage("sweep merge needs at least one shard directory") }
    guard !dirs.contains("") else { throw CLIError.usage("sweep merge: a shard directory is an empty path") }
    // One directory given twice (or by two names): its points would meet
    // themselves ("point 3 is in both d and d", session 69's walk).
    for (a, first) in dirs.enumerated() {
      if let second = dirs[(a + 1)...].first(where: { OutputFile.sameFile(first, $0) }) {
        throw CLIError.usage("sweep merge: \(first)\(second == first ? "" : " and \(second)") given twice (the same directory)")
      }
    }
    if let out, let shard = dirs.first(where: { OutputFile.sameFile($0, out) }) {
      throw CLIError.usage("--out \(out) is the shard directory \(shard): the merge would overwrite it; give another --out")
    }
    var grid: Grid? = nil
    var baseJSON = JSONValue.null
    var data: JSONValue? = nil
    // The checkpoint the shards read (a sweep of a checkpoint's reads).
    var checkpoint: JSONValue? = nil
    // Every measured device's checksum, by path, as the shards hold them.
    var devices: [String: (JSONValue, String)] = [:]
    // The first shard with a data object (a sweep.json from before it has none).
    var dataDir: String? = nil
    var owner: [Int: String] = [:]
    var rows: [Int: [String]] = [:]
    for dir in dirs {
      let shard = try readShard(dir)
      if let grid {
        if let why = checkpointDifference(shard.checkpoint, checkpoint, here: "\(dirs[0])'s") {
          throw CLIError.runtime("\(dir): \(why)")
        }
        guard shard.grid.matches(grid) else {
          throw CLIError.runtime("\(dir): its grid (\(gridText(shard.grid))) differs from \(dirs[0])'s (\(gridText(grid)))")
        }
        let mine = identity(shard.base, under: grid), first = identity(baseJSON, under: grid)
        guard mine == first else {
          let what = mine.firstDifference(from: first).map { ": " + $0 } ?? ""
          throw CLIError.runtime("\(dir): its base configuration differs from \(dirs[0])'s\(what)")
        }
        if let a = data, let b = shard.data, a != b {
          throw CLIError.runtime("\(dir): its training or test data differ from \(dataDir ?? dirs[0])'s (\(RunJournal.difference(b, a, there: "in \(dir)", here: "in \(dataDir ?? dirs[0])")))")
        }
      } else {
        grid = shard.grid
        baseJSON = shard.base
        checkpoint = shard.checkpoint
      }
      if data == nil, shard.data != nil {
        data = shard.data
        dataDir = dir
      }
      if case .object(let d, let keys)? = shard.devices {
        for k in keys {
          if let (v, from) = devices[k], v != d[k]! {
            throw CLIError.runtime("\(dir): it was run with another version of \(k) than \(from) (their device data differ)")
          }
          devices[k] = devices[k] ?? (d[k]!, dir)
        }
      }
      for p in shard.rows.keys.sorted() {
        if let other = owner[p] { throw CLIError.runtime("point \(p) is in both \(other) and \(dir) (overlapping shards)") }
        owner[p] = dir
        // In the first shard's spelling (a shard's `0.10` is its `0.1`:
        // `Grid.matches`), as the merged sweep.json names the grid: a row
        // kept as its shard spelt it made the merged sweep.csv unreadable
        // ("malformed row") and its point file "not the row's summary".
        let cells = shard.rows[p]!, k = grid!.keys.count
        rows[p] = [cells[0]] + grid!.point(p) + cells.dropFirst(k + 1)
      }
    }
    let g = grid!
    let missing = (0..<g.count).filter { rows[$0] == nil }
    guard missing.isEmpty else {
      let list = missing.prefix(10).map(String.init).joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
      throw CLIError.runtime("\(missing.count) of \(g.count) points are missing from the shards: \(list)")
    }
    let ordered = (0..<g.count).map { rows[$0]! }
    if let out {
      // Not while a sweep or another merge writes there.
      if FileManager.default.fileExists(atPath: out) { try OutputFile.lockDirectory(out, by: "sweep") }
      // --out may hold this merge's earlier result (the same grid and base),
      // nothing else: another sweep there is not overwritten.
      if FileManager.default.fileExists(atPath: out + "/sweep.json") || FileManager.default.fileExists(atPath: out + "/sweep.csv") {
        let there: (
          grid: Grid, base: JSONValue, data: JSONValue?, devices: JSONValue?, checkpoint: JSONValue?, shard: (Int, Int)?,
          rows: [Int: [String]], mergedFrom: [String]
        )
        do { there = try readShard(out) } catch {
          throw CLIError.runtime("\(out) holds sweep files that are not a sweep this merge can replace (\(error)); give another --out, or remove them")
        }
        // What differs, named, as a sweep names it (a walkthrough, session
        // 52: "its grid, base configuration or data differ").
        var why = checkpointDifference(there.checkpoint, checkpoint, here: "the shards")
          ?? difference(there.grid, there.base, from: g, baseJSON, here: "the shards'")
        if why == nil, let data, let then = there.data, then != data {
          why = "it was trained on other training or test data: \(RunJournal.difference(then, data, there: "there", here: "in the shards"))"
        }
        if let why {
          throw CLIError.runtime("\(out) holds another sweep (\(why)); give another --out, or remove it")
        }
        if let (i, n) = there.shard, n > 1 {
          throw CLIError.runtime("\(out) holds shard \(i)/\(n) of this sweep: the merge would overwrite it; give another --out")
        }
      }
      try OutputFile.makeDirectory(out)
      try OutputFile.lockDirectory(out, by: "sweep")
      // The base configuration and the data object as the shards hold them
      // (also when a shard's sweep.json was reformatted).
      let devicesJSON = devices.isEmpty ? nil : JSONValue.object(devices.mapValues(\.0), keys: devices.keys.sorted()).text
      // Each point's whole summary beside the merged table, as a sweep's
      // own directory holds them (they had stayed in the shards, so a
      // re-run of the sweep in --out named point files it did not hold: a
      // review, session 48), before the rows, as a sweep writes them. A
      // point file of --out that its shard lacks is removed: it would not
      // be the row's run.
      let copied = try copyPointFiles(from: owner, rows: ordered, grid: g, to: out)
      try writeOutputs(
        g, ordered, baseJSON: baseJSON.text, dataJSON: data?.text, devicesJSON: devicesJSON, checkpointJSON: checkpoint?.text,
        shard: (0, 1), mergedFrom: dirs, to: out)
      print("sweep merge: \(g.count) points from \(dirs.count) shard(s) written to \(out)/sweep.csv, sweep.json, sweep.svg and \(pointFilesText(copied, of: g.count))")
    } else {
      print(csvLine(g.header) + ordered.map(csvLine).joined(), terminator: "")
    }
  }

  /// Copies each point's `point-P.json` from the shard that holds its row
  /// (`owner`) into `out`, and removes from `out` those whose shard has
  /// none (a sweep from before session 32, or a file removed since).
  /// Returns how many were copied. A point file that is not a JSON object,
  /// or not the summary of its point's row in `rows` (its cells differ
  /// where the row has them: another point's file put there), is not
  /// copied, and named on standard error.
  static func copyPointFiles(from owner: [Int: String], rows: [[String]], grid: Grid, to out: String) throws -> Int {
    var copied = 0, missing: [Int] = []
    var err = StandardError()
    for p in 0..<rows.count {
      let name = "/point-\(p).json"
      let target = out + name
      guard let dir = owner[p], FileManager.default.fileExists(atPath: dir + name) else {
        missing.append(p)
        if FileManager.default.fileExists(atPath: target) { try? FileManager.default.removeItem(atPath: target) }
        continue
      }
      let bytes = try ProblemFile.read(dir + name)
      guard case .object? = try? JSONValue.parse(bytes) else {
        print("sweep merge: \(dir + name) is not a point's summary (not a JSON object); not copied", to: &err)
        missing.append(p)
        if FileManager.default.fileExists(atPath: target) { try? FileManager.default.removeItem(atPath: target) }
        continue
      }
      // (A walkthrough, session 65: another sweep's point-3.json in a
      // shard went into the merge beside point 3's row, exit 0.)
      let text = String(decoding: bytes, as: UTF8.self)
      guard let cells = try? row(p, grid, summary: text), cells.count == rows[p].count,
        zip(cells, rows[p]).allSatisfy({ $1.isEmpty || $0 == $1 })
      else {
        print("sweep merge: \(dir + name) is not point \(p)'s summary (its results differ from the point's row in \(dir)/sweep.csv); not copied", to: &err)
        missing.append(p)
        if FileManager.default.fileExists(atPath: target) { try? FileManager.default.removeItem(atPath: target) }
        continue
      }
      try OutputFile.write(text, to: target)
      copied += 1
    }
    if !missing.isEmpty {
      let list = missing.prefix(10).map(String.init).joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
      print("sweep merge: \(missing.count) point(s) have no point-P.json in their shard, so none in the merge: \(list)", to: &err)
    }
    return copied
  }

  /// "point-P.json" when every one of `count` points has its file, or how
  /// many do.
  static func pointFilesText(_ present: Int, of count: Int) -> String {
    present == count ? "point-P.json" : "point-P.json for \(present) of \(count) points"
  }

  /// One shard directory's sweep.json and sweep.csv, checked: a known
  /// grid of ≤ `maxPoints` points, the CSV header, and rows whose point
  /// numbers are in range and whose grid cells are that point's values.
  static func readShard(_ dir: String) throws -> (
    grid: Grid, base: JSONValue, data: JSONValue?, devices: JSONValue?, checkpoint: JSONValue?, shard: (Int, Int)?,
    rows: [Int: [String]], mergedFrom: [String]
  ) {
    let jsonPath = dir + "/sweep.json", csvPath = dir + "/sweep.csv"
    let data = try ProblemFile.read(jsonPath)
    let root: JSONValue
    do { root = try JSONValue.parse(data) } catch { throw CLIError.runtime("\(jsonPath): malformed JSON at \(error)") }
    guard root["format"] == .string("xbarsim-sweep"), case .array(let g)? = root["grid"] else {
      throw CLIError.runtime("\(jsonPath): not an xbarsim sweep (no \"format\": \"xbarsim-sweep\" and \"grid\")")
    }
    var here = Grid(keys: [], values: [])
    for entry in g {
      guard case .string(let k)? = entry["key"], case .array(let vs)? = entry["values"] else {
        throw CLIError.runtime("\(jsonPath): grid entries must be {\"key\": …, \"values\": […]}")
      }
      let values = vs.map { if case .string(let s) = $0 { return s } else { return $0.brief } }
      // As `parseGrid` checks a --grid: a hand-edited grid must not merge.
      guard TrainingConfiguration.keys.contains(where: { $0.key == k }) else {
        throw CLIError.runtime("\(jsonPath): grid key '\(k)' is not a configuration key")
      }
      guard !here.keys.contains(k) else { throw CLIError.runtime("\(jsonPath): grid key '\(k)' is given twice") }
      guard !repeatsValue(values) else {
        throw CLIError.runtime("\(jsonPath): grid key '\(k)': a value is repeated in \(values)")
      }
      for v in values {
        var cfg = TrainingConfiguration()
        do { try cfg.set(k, v) } catch let e as ConfigurationError {
          throw CLIError.runtime("\(jsonPath): grid key '\(k)': \(e.message)")
        }
      }
      here.keys.append(k)
      here.values.append(values)
    }
    guard here.checkedCount != nil else {
      throw CLIError.runtime("\(jsonPath): the grid must have at least one key, each with values, and at most \(maxPoints) points")
    }
    guard let base = root["base_configuration"], case .object = base else {
      throw CLIError.runtime("\(jsonPath): 'base_configuration' must be an object of configuration keys")
    }
    if let d = root["data"], case .object = d {} else if root["data"] != nil {
      throw CLIError.runtime("\(jsonPath): 'data' must be an object")
    }
    if let d = root["devices"] {
      guard case .object(let o, _) = d, o.values.allSatisfy({ if case .string = $0 { return true } else { return false } }) else {
        throw CLIError.runtime("\(jsonPath): 'devices' must be an object of device files' checksums")
      }
    }
    // A checkpoint's reads name it: its path, images and checksum.
    if let c = root["checkpoint"] {
      guard case .string? = c["path"], case .string? = c["checksum"], case .number? = c["train_images"] else {
        throw CLIError.runtime("\(jsonPath): 'checkpoint' must be {\"path\": …, \"train_images\": …, \"checksum\": …}")
      }
    }
    // What `writeOutputs` writes: version 1, the grid's point count.
    guard root["version"] == .number(1) else {
      throw CLIError.runtime("\(jsonPath): 'version' is \(root["version"]?.brief ?? "missing"); this xbarsim reads sweeps of version 1")
    }
    guard root["points"] == .number(Double(here.count)) else {
      throw CLIError.runtime("\(jsonPath): 'points' is \(root["points"]?.brief ?? "missing"), but the grid has \(here.count) points")
    }
    var shard: (Int, Int)? = nil
    if case .number(let i)? = root["shard"]?["index"], case .number(let n)? = root["shard"]?["count"],
      i >= 0, n >= 1, i < n, n <= 1e9, i == i.rounded(), n == n.rounded()
    {
      shard = (Int(i), Int(n))
    } else {
      throw CLIError.runtime("\(jsonPath): 'shard' must be {\"index\": i, \"count\": n} with 0 ≤ i < n")
    }
    let text = csvText(try ProblemFile.read(csvPath))
    let lines = text.split(separator: "\n")
    // Every row this tool writes ends in a newline: a last row without one
    // was cut short (a crash of the machine, a partial copy), and its last
    // number may be cut too.
    if lines.count > 1 && !text.hasSuffix("\n") {
      throw CLIError.runtime("\(csvPath): the last row is cut short (no newline at its end); remove that line to run its point again")
    }
    // A sweep.csv written before session 51, 58, 60, 78 or 79 lacks the last
    // fields (`generations`): its rows gain them from their point files
    // (`legacyRow`).
    guard let head = lines.first.map(csvCells), head == here.header || here.olderHeaders.contains(head) else {
      throw CLIError.runtime("\(csvPath): the header is not \(here.header.joined(separator: ","))")
    }
    let legacy = head != here.header
    var rows: [Int: [String]] = [:]
    for line in lines.dropFirst() {
      var cells = csvCells(line)
      guard cells.count == head.count, let p = Int(cells[0]), p >= 0, p < here.count,
        Array(cells[1...here.keys.count]) == here.point(p)
      else {
        throw CLIError.runtime("\(csvPath): malformed row '\(line)' (its point number and grid values must agree)")
      }
      guard rows[p] == nil else { throw CLIError.runtime("\(csvPath): point \(p) appears twice") }
      if let (i, n) = shard, n > 1, p % n != i {
        throw CLIError.runtime("\(csvPath): point \(p) is not one of shard \(i)/\(n)'s (points \(i), \(i + n), \(i + 2 * n), …)")
      }
      if legacy { cells = legacyRow(cells, p, here, in: dir) }
      try checkResults(Array(cells[(here.keys.count + 1)...]), point: p, in: csvPath, reads: root["checkpoint"] != nil)
      rows[p] = cells
    }
    // A merge's shard directories (kept when the sweep is run there again).
    var mergedFrom: [String] = []
    if let m = root["merged_from"] {
      let names: [String]? =
        if case .array(let list) = m { list.compactMap { if case .string(let s) = $0 { s } else { nil } } } else { nil }
      guard let names, case .array(let list) = m, !list.isEmpty, names.count == list.count else {
        throw CLIError.runtime("\(jsonPath): 'merged_from' must be a list of directories")
      }
      mergedFrom = names
    }
    return (here, base, root["data"], root["devices"], root["checkpoint"], shard, rows, mergedFrom)
  }

  /// A row of a sweep.csv written before session 51, 58, 60, 78 or 79 with the
  /// fields it lacks: from DIR's point-P.json when that summary gives the
  /// row's own cells, else empty (unknown; a merge from before session 49
  /// holds no point files).
  static func legacyRow(_ cells: [String], _ p: Int, _ grid: Grid, in dir: String) -> [String] {
    let missing = grid.header.count - cells.count
    guard let full = pointFileRow(p, grid, in: dir), Array(full.prefix(cells.count)) == cells else {
      return cells + Array(repeating: "", count: missing)
    }
    return full
  }

  /// The sweep.csv row DIR's point-P.json makes (as `row` makes it from
  /// the summary); nil when the file is missing, too large or no summary.
  static func pointFileRow(_ p: Int, _ grid: Grid, in dir: String) -> [String]? {
    guard let data = FileManager.default.contents(atPath: dir + "/point-\(p).json"), data.count <= 1 << 24 else { return nil }
    return try? row(p, grid, summary: String(decoding: data, as: UTF8.self))
  }

  /// Whether DIR's point-P.json for a sweep.csv row is a summary that
  /// gives that row (as `row` makes it from the summary).
  static func pointFileGives(_ cells: [String], _ grid: Grid, in dir: String) -> Bool {
    Int(cells[0]).flatMap { pointFileRow($0, grid, in: dir) } == cells
  }

  /// Measured devices by name (a grid value as typed, or the base's real
  /// path) with their checksums (`MeasuredBranches.checksum`), as a JSON
  /// object, or nil for none.
  static func devicesJSON(_ devices: [(name: String, device: MeasuredBranches)]) -> String? {
    var sums: [String: String] = [:]
    for (name, m) in devices { sums[name] = String(m.checksum, radix: 16) }
    guard !sums.isEmpty else { return nil }
    return "{" + sums.keys.sorted().map { "\(JSONWriter.string($0)): \(JSONWriter.string(sums[$0]!))" }.joined(separator: ", ") + "}"
  }

  /// The first device whose checksum in `earlier` (a sweep.json's
  /// `devices`, of the same shard's points) differs from `now`'s, or that
  /// only one of them has; nil when they agree, or when the earlier sweep
  /// kept none (written before it did).
  static func changedDevice(_ earlier: JSONValue?, _ now: String?) -> String? {
    guard case .object(let then, let thenKeys)? = earlier else { return nil }
    var here: [String: JSONValue] = [:], keys: [String] = []
    if let now, case .object(let h, let k)? = try? JSONValue.parse(Data(now.utf8)) { (here, keys) = (h, k) }
    return (keys + thenKeys.filter { here[$0] == nil }).first { then[$0] != here[$0] }
  }

  /// The fields `row` may leave empty: the summary has them as null (or
  /// lacks them) for a run without an energy ledger, without training
  /// images or a finished epoch, without a phase switch, or without
  /// `line_capacitance` (and resistive lines, for the settling), or
  /// without `endurance` (or, for the stuck devices, with a summary from
  /// before session 77, whose `endurance` had no `stuck`), or without
  /// `drift_times` (the drift columns); and a row from before session 51,
  /// 58, 60, 78 or 79 without its point file (`legacyRow`).
  static let optionalFields: Set = [
    "energy_per_image_joules", "latency_per_image_seconds", "read_energy_joules", "train_accuracy",
    "phase_switch_epoch", "adc_energy_per_image_joules", "dac_energy_per_image_joules",
    "output_adc_clipped_fraction", "endurance_max_pulses", "endurance_max_resets",
    "read_lines_energy_per_image_joules", "update_lines_energy_per_image_joules",
    "line_settling_share_at_read_time", "line_settling_program_share",
    "solver_iterations_per_read", "write_pulses_below_threshold", "write_least_share",
    "endurance_stuck_devices", "endurance_stuck_pulses", "endurance_stuck_resets",
    "endurance_stuck_partner_devices", "endurance_stuck_partner_pulses", "endurance_stuck_partner_resets",
    "drift_seconds", "drift_accuracy", "drift_accuracy_compensated",
  ]
  /// The fields that are fractions in 0…1.
  static let fractionFields: Set = [
    "output_adc_clipped_fraction", "line_settling_share_at_read_time", "line_settling_program_share",
    "write_least_share",
  ]
  /// The fields that are accuracies in %, and those that are counts.
  static let accuracyFields: Set = [
    "test_accuracy", "accuracy_mean_last", "accuracy_min_last", "accuracy_max_last", "train_accuracy",
    "drift_accuracy", "drift_accuracy_compensated",
  ]
  static let countFields: Set = [
    "train_images", "pulses", "repotentiation_pulses", "resets", "phase_switch_epoch", "endurance_max_pulses",
    "endurance_max_resets", "write_pulses_below_threshold", "endurance_stuck_devices", "endurance_stuck_pulses",
    "endurance_stuck_resets", "endurance_stuck_partner_devices", "endurance_stuck_partner_pulses",
    "endurance_stuck_partner_resets",
  ]

  /// Whether `s` is a number as `row` writes them (JSON's decimal notation:
  /// `-12`, `0.5`, `1e-05`), not `0x10`, `+1`, `.5`, `007`, `1_000`, `nan` or `inf`.
  static func isDecimal(_ s: String) -> Bool {
    var u = Array(s.utf8)[...]
    func digits() -> Int {
      let n = u.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
      u = u.dropFirst(n)
      return n
    }
    if u.first == UInt8(ascii: "-") { u = u.dropFirst() }
    // No leading zeros (`007` reads as octal elsewhere).
    if u.first == UInt8(ascii: "0") {
      u = u.dropFirst()
      guard digits() == 0 else { return false }
    } else {
      guard digits() >= 1 else { return false }
    }
    if u.first == UInt8(ascii: ".") {
      u = u.dropFirst()
      guard digits() >= 1 else { return false }
    }
    if u.first == UInt8(ascii: "e") || u.first == UInt8(ascii: "E") {
      u = u.dropFirst()
      if u.first == UInt8(ascii: "+") || u.first == UInt8(ascii: "-") { u = u.dropFirst() }
      guard digits() >= 1 else { return false }
    }
    return u.isEmpty
  }

  /// A sweep.csv row's summary cells (`fields`, in order), as
  /// `RunJournal.result` checks a journal's: decimal numbers, accuracies in
  /// 0…100 % with min ≤ mean ≤ max, counts whole and ≥ 0, rates, energies
  /// and times ≥ 0, `interrupted` true or false; empty only where `row`
  /// writes empty cells.
  /// A checkpoint's reads (`reads`) have the test accuracy and may leave
  /// every other field empty: they train nothing.
  static func checkResults(_ cells: [String], point p: Int, in path: String, reads: Bool = false) throws {
    func fail(_ field: String, _ cell: String, _ why: String) -> CLIError {
      CLIError.runtime("\(path): point \(p): \(field) is '\(cell)', \(why)")
    }
    var values: [String: Double] = [:]
    for (field, cell) in zip(fields, cells) {
      if reads && cell.isEmpty && field != "test_accuracy" { continue }
      if field == "interrupted" {
        guard cell == "true" || cell == "false" else { throw fail(field, cell, "not true or false") }
        continue
      }
      if cell.isEmpty && optionalFields.contains(field) { continue }
      guard isDecimal(cell), let x = Double(cell), x.isFinite else {
        throw fail(field, cell, "not a number in decimal notation")
      }
      // Below the smallest normal double, or read as 0 though its digits
      // are not (1e-400): refused as every other reader refuses them (the
      // merged sweep.csv had kept the text, its sweep.json 0; a fuzz,
      // session 69).
      guard !DecimalText.isBelowNormal(cell, x) else {
        throw fail(field, cell, "below the smallest normal double (2.2e-308)")
      }
      if accuracyFields.contains(field) {
        guard (0...100).contains(x) else { throw fail(field, cell, "not an accuracy in 0…100 %") }
      } else if fractionFields.contains(field) {
        guard (0...1).contains(x) else { throw fail(field, cell, "not a fraction in 0…1") }
      } else if countFields.contains(field) {
        guard x >= 0, x == x.rounded(), x < 9_007_199_254_740_992 else { throw fail(field, cell, "not a whole number ≥ 0") }
      } else {
        guard x >= 0 else { throw fail(field, cell, "not a number ≥ 0") }
      }
      values[field] = x
    }
    // The mean of the last points lies between their min and max (to the
    // rounding of a sum).
    if let lo = values["accuracy_min_last"], let mean = values["accuracy_mean_last"], let hi = values["accuracy_max_last"] {
      let slack = 1e-9 * max(1, hi)
      guard lo <= mean + slack, mean <= hi + slack else {
        throw CLIError.runtime(
          "\(path): point \(p): accuracy_min_last \(cells[2]) ≤ accuracy_mean_last \(cells[1]) ≤ accuracy_max_last \(cells[3]) does not hold")
      }
    }
  }

  static func gridText(_ g: Grid) -> String {
    // As `--grid` spells it: values that hold commas (layers) apart by ';'.
    zip(g.keys, g.values).map { "\($0)=\($1.joined(separator: $1.contains { $0.contains(",") } ? ";" : ","))" }
      .joined(separator: " ")
  }

  // MARK: - A checkpoint's reads

  /// The checkpoint a sweep reads, as its sweep.json names it: its path
  /// (real), the training images its devices saw and a checksum of its
  /// bytes (FNV-1a, 64 bits), so that a resume or a merge of another
  /// checkpoint's reads is refused (the same path rewritten by a longer
  /// run too).
  static func checkpointIdentity(_ path: String, _ saved: Checkpoint.Saved) throws -> JSONValue {
    let bytes = try ProblemFile.read(path)
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
      h ^= UInt64(b)
      h = h &* 0x0000_0100_0000_01b3
    }
    let hex = String(h, radix: 16)
    return .object(
      [
        "path": .string(OutputFile.realPath(path) ?? path), "train_images": .number(Double(saved.devicesTrainImages)),
        "checksum": .string("fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex),
      ], keys: ["path", "train_images", "checksum"])
  }

  /// Why a sweep directory's checkpoint `there` (nil: a sweep that
  /// trained) is not `here`'s; nil when they are one.
  static func checkpointDifference(_ there: JSONValue?, _ mine: JSONValue?, here: String) -> String? {
    func named(_ c: JSONValue) -> String {
      let path = if case .string(let s)? = c["path"] { s } else { "?" }
      let sum = if case .string(let s)? = c["checksum"] { s } else { "?" }
      return "\(path), \(sum)"
    }
    switch (there, mine) {
    case (nil, nil): return nil
    case (let t?, nil): return "it read checkpoint \(named(t)), \(here) trains"
    case (nil, let m?): return "it trained, \(here) reads checkpoint \(named(m))"
    case (let t?, let m?): return t == m ? nil : "it read checkpoint \(named(t)), \(here) \(named(m))"
    }
  }
}
