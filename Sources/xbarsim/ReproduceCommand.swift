import Circuit
import Dispatch
import Foundation
import Peripherals
import Trainer

/// `xbarsim reproduce lim2018 --figure N`: a paper's sweep, measured.
enum ReproduceCommand: CLICommand {
  static let spec = CommandSpec(
    name: "reproduce",
    abstract: "Run a figure's sweep from a source paper and compare with its numbers.",
    usage: "xbarsim reproduce lim2018 --figure 7|8|9|10|12|14 | choi2021 --figure 4|5|6 | irdrop [--seeds K] [--epochs E] [--jobs N] [--journal FILE] [--summary FILE] [--<key> <value> ...]",
    discussion: """
      Runs every point of the figure with --seeds seeds (1, 2, …, K) and prints the
      paper's average accuracy beside the measured mean (over seeds) of each run's
      average over the last 10 % of evaluation points, with the min and max over
      those points and seeds (the paper's error bars); with --final-iterations 100,
      over evaluations after each of a run's last 100 updates, as the paper's. Every run uses the same
      defaults as 'xbarsim train'; only what the figure varies changes. Other keys
      (e.g. --epochs, --train-limit) apply to all runs. --jobs runs go at a time (default 2).
      --summary FILE writes JSON rows: figure, method, beta, nmax, batch, sigma,
      hidden_layers, learning, paper, mean, min, max, seeds, per_seed, and
      fluctuation (the mean change of the accuracy from one evaluation point to the
      next over the second half of each run's points, mean of the seeds), with the
      run's other keys, speed and energies (every key: docs/outputs.md).
      --plot FILE writes the figure as the paper draws it (x: what the figure
      varies; a line per method, learning mode or synapse through the means,
      bars from min to max, the paper's numbers as hollow circles). lim2018's
      Figure 7 is Figure 8's runs and software BP seen over the epoch: its table
      is their averages, its plot their accuracy at every evaluation point
      (mean over seeds), a panel per β.
      --journal FILE keeps every run in FILE as it finishes; the same command with
      the same FILE (after Ctrl-C, a kill or a crash) runs only the runs FILE lacks;
      a second reproduction on FILE while one runs is refused (each locks
      .NAME.lock beside FILE, removed at its end).
      The options below are train's keys with train's defaults; a key the figure
      sets itself is refused (--seed for every figure; lim2018: --nmax, --beta,
      --method and --learning for every figure, --batch for 7-10, --sigma for 14;
      choi2021: --rule for every figure, and --layers, --lr, --float-derivative,
      --batch and --evals-per-epoch at other values than the paper's 784,250,10,
      0.1, true, 1 and 1,
      and the device keys a figure varies, e.g. --k for 5): run a figure at other values of those
      with xbarsim sweep. So is a key no run reads. The converter keys (--adc-bits,
      --dac-bits, …) apply to the runs with arrays: the software runs (choi2021's FP,
      lim2018's software BP) keep ideal converters, as a note says. A key the paper states for its
      runs that the figure leaves to you (lim2018: --epochs, whose paper numbers
      are one epoch's (Figure 12's 3 hidden layers in software also at 3: 95.10),
      --transfer, --program-verify and --program-noise for 14's off-chip rows (the
      on-chip rows do not read them), --sigma for 7-12, --batch for 12 and 14, --lr and --loss for 7 and
      12, --layers past the input layer (200 hidden, 10 output) for all but 12; choi2021: --states, --k, --c2c, --d2d, --small-states where the figure
      does not vary them, --switch-threshold; both: --train-limit and --test-limit,
      the papers' numbers being all of MNIST's, --wires, their arrays'
      lines being ideal, and --stuck-off and --stuck-on, their devices all
      switching, and choi2021's --stuck-known with stuck devices) given a value other than
      the paper's makes those runs not the paper's: their label names the values
      ("hybrid, 50 states [states 20, k 5]") and they get no paper number.

      choi2021: the paper's 784-250-10 network, lr 0.1, one test evaluation per
      epoch (default 20 epochs, not train's 1); mean, min and max are over the seeds'
      final test accuracies. Its --epochs is every row's and is named in the
      table's title, not in the labels: the paper's numbers (20 epochs) and Δ
      stay beside fewer epochs' results, so read Δ against the title. JSON rows: figure, label, synapse (float, single, hybrid), k,
      states, small_states, c2c, d2d, encoding, bl, epochs, lr, switch_threshold,
      train_limit, test_limit, paper, mean, min, max, train_accuracy,
      phase_switch_epochs, seeds, per_seed; and every row's images_per_second,
      pulses and energies. k is 1 for single and FP rows (no small pair), and FP
      rows carry the configuration's device values, which FP does not use.

      reproduce irdrop: on-chip training with IR drop against off-chip training
      transferred to the same arrays (both transfers: the ideal sign rule's device
      states, and float SGD's weights), r_row = r_col = 0, 1, 2.5, 5 Ω per segment,
      on 784-200-10 (method b, β = 2, n_max 64), every read a nodal solve. Unless
      given, it trains on the first 20000 training images (--train-limit 20000, one
      pass), evaluates the whole test set at 20 points (--evals-per-epoch 20) and
      uses one seed (--seeds 1): about 15 minutes on two cores.
      """,
    // train's keys with train's defaults, but where a paper's figure has
    // its own (a walkthrough, session 42, read choi2021's as train's).
    options: TrainCommand.commonOptions.map { o in
      var o = o
      switch o.name {
      case "--epochs": o.help = "Passes over the training set (default 1 for lim2018 and irdrop, 20 for choi2021)."
      case "--evals-per-epoch": o.help = "Test evaluations per epoch (default 100, or one per mini-batch when an epoch has fewer; irdrop 20; choi2021 1, the paper's plots, and no other value)."
      default: break
      }
      return o
    } + [
      OptionSpec("--figure", "<n>", "The figure: 7, 8, 9, 10, 12 or 14 (lim2018); 4, 5 or 6 (choi2021)."),
      OptionSpec("--seeds", "<k>", "Seeds per point (default 3)."),
      OptionSpec("--summary", "<file.json>", "JSON rows of the table."),
      OptionSpec("--plot", "<file.svg>", "The figure as an SVG: measured means with min–max bars beside the paper's numbers."),
      OptionSpec("--jobs", "<n>", "Runs at a time (default 2)."),
      OptionSpec("--journal", "<file.json>", "Keep every finished run in FILE; the same command with the same FILE resumes."),
      OptionSpec("--quiet", nil, "No line per finished run nor the running runs' line each minute (notes, errors and the table are still printed)."),
    ],
    maxPositionals: 1)

  struct Row {
    var run: ReproductionRun
    /// Final test accuracies (choi2021) instead of the last 10 % of points.
    var final = false
    var results: [TrainingResult] = []
    /// Some run came from a journal kept before session 49, which holds
    /// no resets nor re-potentiation pulses: the row's are unknown.
    var resetsUnknown = false
    /// The build that made each result, in the order of `results` (nil:
    /// a journal run kept before session 71, which did not record it).
    var builds: [String?] = []
    /// The builds that made the row's runs, in seed order, each once;
    /// "unknown" for a journal run that did not record its build.
    var buildText: String {
      var seen: [String] = []
      for b in builds.map({ $0 ?? "unknown" }) where !seen.contains(b) { seen.append(b) }
      return seen.joined(separator: "; ")
    }
    /// The mean over the seeds of one number of each result (0 without results).
    func meanOf(_ value: (TrainingResult) -> Double) -> Double {
      results.map(value).reduce(0, +) / Double(Swift.max(1, results.count))
    }
    var mean: Double { meanOf { final ? $0.testAccuracy : $0.accuracyMeanLast } }
    var min: Double { results.map { final ? $0.testAccuracy : $0.accuracyMinLast }.min() ?? 0 }
    var max: Double { results.map { final ? $0.testAccuracy : $0.accuracyMaxLast }.max() ?? 0 }
    /// The accuracy's fluctuation: over the second half of each run's
    /// evaluation points, the mean change from one point to the next
    /// (percentage points), averaged over the seeds (Lim: "the accuracy
    /// fluctuation becomes serious"). Nil without results, or when a run
    /// has fewer than 4 points (or none: a journal from before session 30
    /// keeps no points).
    var fluctuation: Double? {
      let perSeed = results.compactMap { r -> Double? in
        let a = r.points.map(\.accuracy)
        guard a.count >= 4 else { return nil }
        let half = a[(a.count / 2)...]
        let changes = zip(half, half.dropFirst()).map { abs($1 - $0) }
        return changes.reduce(0, +) / Double(changes.count)
      }
      guard !results.isEmpty, perSeed.count == results.count else { return nil }
      return perSeed.reduce(0, +) / Double(perSeed.count)
    }
    /// `value` as `%6.2f`, or "–" for a row none of whose runs finished
    /// (an interrupted reproduction): never a measured 0.
    func text(_ value: Double) -> String {
      results.isEmpty ? "     –" : String(format: "%6.2f", value)
    }
    /// Adds `value` under `key`, or null for a row without results.
    func add(_ key: String, _ value: Double, to j: inout JSONWriter) {
      if results.isEmpty { j.addRaw(key, "null") } else { j.add(key, value) }
    }
  }

  /// Whether the tables go to standard error: `--summary -` (or another
  /// output on standard output) keeps standard output for the file alone,
  /// as `train` does with its result lines.
  nonisolated(unsafe) static var tablesToStandardError = false

  /// A line of a table: standard output, or standard error (above).
  static func print(_ line: String) {
    if tablesToStandardError {
      var err = StandardError()
      Swift.print(line, to: &err)
    } else {
      Swift.print(line)
    }
  }

  static func run(_ args: ParsedArguments) throws {
    tablesToStandardError = ["--summary", "--plot"].contains { args.string($0).flatMap(OutputFile.streamDescriptor) == 1 }
    guard let paper = args.positionals.first else {
      throw CLIError.usage("missing the paper (lim2018, choi2021) or study (irdrop)")
    }
    if paper == "irdrop" { return try runIRDrop(args) }
    guard paper == "lim2018" || paper == "choi2021" else {
      throw CLIError.usage("unknown paper '\(paper)' (known: lim2018, choi2021, irdrop)")
    }
    let choi = paper == "choi2021"
    guard let figure = try args.int("--figure") else { throw CLIError.usage("missing --figure") }
    let figures = choi ? ChoiReproduction.figures : LimReproduction.figures
    guard figures.contains(figure) else {
      throw CLIError.usage(
        "--figure \(figure) is not reproduced for \(paper) (figures: \(figures.map(String.init).joined(separator: ", ")))")
    }
    let seeds = try args.int("--seeds", default: 3)
    guard (1...100).contains(seeds) else { throw CLIError.usage("--seeds: must be in 1...100, got \(seeds)") }
    _ = try jobCount(args)
    var base = try TrainCommand.configuration(args, checkStuckMap: false, unreadFirst: false)
    // (A --config file's epochs count as given; a summary's are a base.)
    if choi && !TrainCommand.explicitKeys(args).contains("epochs") { base.epochs = 20 }
    try withoutEndurance(&base, args)
    try withoutDrift(&base, args)
    if choi && base.finalIterations > 0 {
      throw TrainCommand.keyError(
        "final_iterations", "choi2021's tables are each run's final test accuracy (one evaluation per epoch), not an average; no run reads it", args)
    }
    // Checked before the sweep, so that hours of runs are not lost to a typo.
    try checkOutputs(args)
    // The keys the figure sets, before the data are read, as train and
    // sweep check theirs (a walkthrough, session 64: `--seed 3` without
    // data had been told the data were missing, exit 1; checked again
    // below on the data's sizes).
    try refuseOverridden(
      args, base: base, runs: choi ? ChoiReproduction.runs(figure: figure, base: base) : LimReproduction.runs(figure: figure, base: base),
      what: "reproduce \(paper) --figure \(figure)")
    let (train, test) = try TrainCommand.datasets(args)
    wholeSets(&base, train: train.count, test: test.count)
    var rows = (choi ? ChoiReproduction.runs(figure: figure, base: base) : LimReproduction.runs(figure: figure, base: base))
      .map { Row(run: $0, final: choi) }
    try refuseOverridden(args, base: base, runs: rows.map(\.run), what: "reproduce \(paper) --figure \(figure)")
    // The software runs' ideal periphery (`idealPeriphery`), said once,
    // and named in the labels of the runs that have converters.
    var software = softwarePeriphery(base, runs: rows.map(\.run), args: args)
    // And the keys some array runs do not read (Figure 14's off-chip runs:
    // a comparator offset, the transposed reads' noise), said the same way:
    // the settings line had said "every run" (a walkthrough, session 52).
    let partial = partlyReadPeriphery(base, runs: rows.map(\.run), args: args, except: software.keys)
    software.keys.formUnion(partial.keys)
    if let note = partial.note { software.note = [software.note, note].compactMap { $0 }.joined(separator: "\n") }
    // Then the settings line, every run's, names none of the keys the
    // labels carry (only those: with a partly read key alone, a key every
    // array run reads had gone from the settings line and from the labels:
    // a review, session 54).
    let unshared = software.note == nil ? [] : software.keys
    if let note = software.note {
      var err = StandardError()
      Swift.print(note, to: &err)
      for i in rows.indices { rows[i].run = labellingPeriphery(rows[i].run, keys: software.keys) }
    }
    withoutUnreadPeriphery(&rows)
    // A knowing controller without stuck devices: said once, as `train`
    // says it of its run (a walkthrough, session 78: reproduce was silent).
    if let note = nothingToKnowNote(rows.map(\.run.configuration)) {
      var err = StandardError()
      Swift.print(note, to: &err)
    }
    // Caught until the table, summary and plot are written: a second
    // Ctrl-C while they were written lost them (a walkthrough, session 33).
    catchInterrupts()
    defer { restoreInterrupts() }
    let failure = try execute(&rows, seeds: seeds, args: args, train: train, test: test, name: "figure \(figure)", study: "\(paper) figure \(figure)")
    if choi {
      try choiTable(
        rows, figure: figure, seeds: seeds, epochs: base.epochs, summary: args.string("--summary"),
        settings: [settingsNote(base, runs: rows.map(\.run.configuration), skipping: unshared.union(["epochs"])), dataNote(args, train: train, test: test)].compactMap { $0 }
          .joined(separator: "\n").nilIfEmpty)
      if base.epochs < 3 && rows.contains(where: { $0.run.configuration.rule == .hybrid && $0.run.configuration.encoding != .sign }) {
        // Below the table (a walkthrough, session 42: Figure 5's six k
        // rows came out the same at --epochs 1, without a word).
        var err = StandardError()
        Swift.print(
          "note: with --epochs \(base.epochs) the hybrids hardly reach their small arrays: the switch is decided after an epoch, at the end of epoch 2 at the earliest (unless epoch 1 gains less than switch_threshold over the untrained network), so k and the g-states change little or nothing; give more epochs (20 by default: on MNIST our runs switched after 3 to 5)",
          to: &err)
      }
      try writePlot(
        rows, seeds: seeds, args: args, base: base, panels: ChoiReproduction.panels(figure: figure),
        title: "Choi et al. 2021, Fig. \(figure): mean of \(seeds) seed(s)\(bars(ChoiReproduction.panels(figure: figure)))\(paperKey(rows))",
        yLabel: "final test accuracy after \(base.epochs) epoch\(base.epochs == 1 ? "" : "s") (%)")
      try finish(failure, args: args)
      return
    }

    print("Lim et al. 2018, Figure \(figure): average test accuracy (%) over the \(TrainCommand.averageWindow(base)),")
    print("mean of \(seeds) seed(s) [min, max over points and seeds]; paper: the figure's method-b/software values")
    if let note = settingsNote(base, runs: rows.map(\.run.configuration), skipping: unshared) { print(note) }
    if let note = dataNote(args, train: train, test: test) { print(note) }
    print("")
    // The run column as wide as its longest label (a suffix such as
    // "[train_limit 3000, test_limit 1000]" had pushed the rows out from
    // under the header: a walkthrough, session 48).
    let labelWidth = max(27, rows.map(\.run.label.count).max() ?? 0)
    print("run".padding(toLength: labelWidth, withPad: " ", startingAt: 0) + " method  paper   measured  [min, max]        Δ")
    for row in rows {
      let method = row.run.configuration.rule == .float ? "SW" : row.run.configuration.mode == .offChip ? "off" : row.run.configuration.method.rawValue
      let paperText = row.run.paper.map { String(format: "%6.2f", $0) } ?? "     –"
      let delta = row.results.isEmpty ? "      " : row.run.paper.map { String(format: "%+6.2f", row.mean - $0) } ?? "      "
      let label = row.run.label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
      let methodText = method.padding(toLength: 6, withPad: " ", startingAt: 0)
      print(String(format: "%@ %@  %@   %@   [%@, %@]  %@%@", label as NSString, methodText as NSString,
        paperText as NSString, row.text(row.mean) as NSString, row.text(row.min) as NSString,
        row.text(row.max) as NSString, delta as NSString, seedsNote(row, seeds) as NSString))
    }
    try writeSummary(rows, figure: figure, args: args)
    try writePlot(
      rows, seeds: seeds, args: args, base: base, panels: LimReproduction.panels(figure: figure),
      title: "Lim et al. 2018, Fig. \(figure): mean of \(seeds) seed(s)\(bars(LimReproduction.panels(figure: figure)))\(paperKey(rows))",
      yLabel: "test accuracy, \(TrainCommand.averageWindow(base)) (%)")
    try finish(failure, args: args)
  }

  /// The title's key to the paper's hollow circles, when some row has a
  /// paper number to draw (a run on part of MNIST has none: its title had
  /// named circles it did not draw; a walkthrough, session 48).
  static func paperKey(_ rows: [Row]) -> String {
    rows.contains { $0.run.paper != nil } ? ", ○ paper" : ""
  }

  /// --plot FILE: the figure (`ReproducePlot`) of the rows with results.
  /// Its title names the converters the arrays read with (`base`'s: a
  /// figure drawn with a read noise or an ADC had looked like the ideal
  /// reproduction beside the paper's numbers; a walkthrough, session 51).
  /// The title's word on bars: a figure of points has a bar per point
  /// from the least to the greatest seed; one of curves only (Lim's
  /// Figure 7: each panel's `metric` over the training images) draws the
  /// seeds' mean alone (a walkthrough, session 58: its title spoke of bars).
  static func bars(_ panels: [FigurePanel]) -> String {
    panels.contains { $0.metric == nil } ? ", bars min–max" : ""
  }

  /// A stopped reproduction's points of fewer seeds are named in the
  /// title, as the table marks them (its plot had said "mean of 2 seed(s)"
  /// over a point of one; an interop walkthrough, session 71).
  static func writePlot(
    _ rows: [Row], seeds: Int, args: ParsedArguments, base: TrainingConfiguration, panels: [FigurePanel], title: String,
    yLabel: String
  ) throws {
    guard let path = args.string("--plot") else { return }
    let converters = TrainCommand.periphery(base)
    var titled = converters.isEmpty ? title : title + "; arrays: " + converters.dropFirst(2)
    let partial = rows.filter { !$0.results.isEmpty && $0.results.count < seeds }
    if !partial.isEmpty {
      // Each by its point and its line (Lim's methods share a label; the
      // settings a label carries in brackets are every row's: a review).
      func point(_ row: Row) -> String {
        let label = String(ReproductionRun.withoutSettings(row.run.label))
        let series = row.run.places.first?.series ?? ""
        return (series.isEmpty || label.contains(series) ? label : "\(label), \(series)") + " (\(row.results.count) of \(seeds))"
      }
      let named = partial.prefix(3).map(point).joined(separator: "; ")
      titled += "; stopped early, fewer seeds at " + named + (partial.count > 3 ? " and \(partial.count - 3) more" : "")
    }
    try OutputFile.write(ReproducePlot.svg(title: titled, yLabel: yLabel, panels: panels, rows: rows), to: path)
  }

  /// Checks `--summary`, `--journal` and `--plot` before the runs: each
  /// writable, no two one file (the summary would replace the journal),
  /// none the `--config` file or a data file; then takes the journal's lock
  /// (`OutputFile.lockFile`), refusing a journal another reproduction
  /// holds.
  static func checkOutputs(_ args: ParsedArguments) throws {
    let summary = args.string("--summary"), journal = args.string("--journal"), plot = args.string("--plot")
    if let summary { try OutputFile.check(summary, "the summary") }
    // (A stream is rewritten whole after every run, and read back by no
    // resume: `--journal -` printed one journal after another on standard
    // output; a scripting user's walkthrough, session 68.)
    if let journal, OutputFile.streamDescriptor(journal) != nil {
      throw CLIError.usage("--journal \(journal) is a stream; give a file, which each finished run rewrites and the same command resumes from")
    }
    if let journal { try OutputFile.check(journal, "the journal") }
    if let plot { try OutputFile.check(plot, "the plot") }
    let outputs = [("--summary", summary), ("--journal", journal), ("--plot", plot)]
    for (a, first) in outputs.enumerated() {
      for second in outputs[(a + 1)...] {
        if let x = first.1, let y = second.1, OutputFile.sameFile(x, y) {
          throw CLIError.usage("\(first.0) and \(second.0) write the same file \(y)")
        }
      }
    }
    try TrainCommand.refuseOverwriting(
      [("--config", args.string("--config"))] + TrainCommand.dataFiles(args), by: outputs)
    if let journal {
      // One reproduction at a time on FILE, from before FILE is read: two
      // both ran, and the last writer's runs were kept, the other's lost.
      let lock = OutputFile.lockFilePath(of: journal)
      for (option, path) in [("--summary", summary), ("--plot", plot)] {
        if let path, OutputFile.target(path) == lock {
          throw CLIError.usage("\(option) would overwrite the --journal's lock file \(lock)")
        }
      }
      try OutputFile.lockFile(of: journal, by: "reproduce", option: "--journal")
    }
    // The summary and the plot too: two reproductions given one --summary
    // had both exited 0, the last one's rows kept (a walkthrough, session 67).
    try TrainCommand.lockOutputs([("--summary", summary), ("--plot", plot)], among: outputs, by: "reproduce")
  }

  /// Refuses a key the user gave that some run of the sweep sets to
  /// another value, or that no run reads (every run's rule ignores it): it
  /// would be silently ignored there. `seed` and `rule` are the sweep's own
  /// whatever their value (--seeds K runs seeds 1…K), and every run's
  /// configuration is checked as `train` checks one.
  static func refuseOverridden(
    _ args: ParsedArguments, base: TrainingConfiguration, runs: [ReproductionRun], what: String
  ) throws {
    let baseValues = Dictionary(base.keyValues, uniquingKeysWith: { a, _ in a })
    // A summary given as --config is the runs' base: the reproduction sets
    // its seed, rule and the figure's keys; only a key no run would read,
    // or a measured device, is refused.
    let chosen = TrainCommand.explicitKeys(args)
    for key in TrainCommand.explicitKeys(args, includingSummary: true).sorted() {
      let fromSummary = !chosen.contains(key)
      if key == "seed" && !fromSummary {
        throw TrainCommand.keyError(
          key, "\(what) runs seeds 1, 2, …, K itself, so it takes no seed: give --seeds K", args)
      }
      if key == "rule" && !fromSummary {
        throw TrainCommand.keyError(key, "\(what) sets rule itself (each run's), so it takes no other value, nor its own: give no --rule", args)
      }
      if key == "device_csv" && !base.deviceCSV.isEmpty {
        throw TrainCommand.keyError(
          key, "\(what) runs the paper's device models; train or sweep a measured device with xbarsim train or sweep", args)
      }
      let compared = key == "beta" ? ["beta_p", "beta_d"] : [key]
      // The software runs keep the ideal periphery (`idealPeriphery`):
      // they read no peripheral key, and their ideal value is no override.
      let peripheral = TrainingConfiguration.peripheralKeys.contains(key)
      let software = (key, "rules lim, hybrid and single")
      let ignoredBy = runs.map { run in
        run.configuration.ignoredKeys.first { compared.contains($0.key) }
          ?? (peripheral && run.configuration.rule == .float ? software : nil)
      }
      if !runs.isEmpty, ignoredBy.allSatisfy({ $0 != nil }) {
        // (For a peripheral key an array run's reason, e.g. "an ADC",
        // before the software run's.)
        let arrays = peripheral ? zip(runs, ignoredBy).first { $0.0.configuration.rule != .float }?.1 : nil
        let usedBy = (arrays ?? ignoredBy[0]!).usedBy
        throw TrainCommand.keyError(key, "applies to \(usedBy) only; no run of \(what) reads it", args)
      }
      for run in runs where !fromSummary && !(peripheral && run.configuration.rule == .float) {
        let values = Dictionary(run.configuration.keyValues, uniquingKeysWith: { a, _ in a })
        if compared.contains(where: { values[$0] != baseValues[$0] }) {
          throw TrainCommand.keyError(
            key, "\(what) sets \(key) itself (run '\(run.label)'), so it takes no other value; run its sweep at another \(key) with xbarsim sweep", args)
        }
      }
    }
    // Every run's configuration as `train` would check it (a peripheral key
    // that only rule lim takes, say), before the first run starts.
    for run in runs {
      do { try run.configuration.validate() } catch let e as ConfigurationError {
        throw TrainCommand.keyError(e.field, "\(what), run '\(run.label)': \(e.message)", args)
      }
    }
  }

  /// `TrainCommand.nothingToKnowNote` of a reproduction's runs: some run's
  /// controller knows its stuck devices (`stuck_known` true, a rule that
  /// reads it) and no run has any; nil otherwise (with stuck devices the
  /// labels name the key).
  static func nothingToKnowNote(_ runs: [TrainingConfiguration]) -> String? {
    guard runs.contains(where: { $0.rule.isFiniteState && $0.stuckKnown }), !runs.contains(where: \.namesStuckDevices) else { return nil }
    return TrainCommand.nothingToKnowNote("each run is")
  }

  /// The peripheral keys of `base` the software runs of `runs` left at
  /// their ideal values (`idealPeriphery`: float SGD has no converters),
  /// and a note naming them and the runs that take them; no keys and no
  /// note when there are none (every key then applies to every run, as
  /// the settings line under the title says).
  static func softwarePeriphery(
    _ base: TrainingConfiguration, runs: [ReproductionRun], args: ParsedArguments
  ) -> (keys: Set<String>, note: String?) {
    let software = runs.filter { $0.configuration.rule == .float }
    let keys = software.isEmpty ? [] : setPeripheralKeys(base)
    guard !keys.isEmpty else { return ([], nil) }
    let named = keys.map { peripheralName($0, args) }
    // The rules of the runs that read them, in the figure's order.
    var rules: [String] = []
    for run in runs where run.configuration.rule != .float {
      let ignored = Set(run.configuration.ignoredKeys.map(\.key))
      let rule = run.configuration.rule.rawValue
      if keys.contains(where: { !ignored.contains($0) }) && !rules.contains(rule) { rules.append(rule) }
    }
    // (FP's own name, without the marks of a run that is not the paper's.)
    let label = software.first?.label ?? ""
    let name = label.range(of: " [").map { String(label[..<$0.lowerBound]) } ?? label
    let who = software.count == 1 ? (name == "software" ? "the software run is float SGD" : "the \(name) run is software") : "the \(software.count) software runs are float SGD"
    let verb = keys.count == 1 ? "applies" : "apply"
    let whom = rules.count > 1 ? rules.dropLast().joined(separator: ", ") + " and " + rules.last! : rules.joined()
    return (Set(keys), "note: \(who), without converters: \(named.joined(separator: ", ")) \(verb) to the \(whom) runs")
  }

  /// The peripheral keys of `base` set away from their ideal values
  /// (`adc_range` only when given: its default follows c), in
  /// `peripheralKeys`' order.
  static func setPeripheralKeys(_ base: TrainingConfiguration) -> [String] {
    func values(_ c: TrainingConfiguration) -> [String] { c.keyValues.map { "\($0.0) \($0.1)" } }
    let here = values(base)
    return TrainingConfiguration.peripheralKeys.filter { values(base.idealPeriphery([$0])) != here }
  }

  /// A peripheral key as the user gave it: its option (`--adc-bits`) when
  /// given as one, else the key (from `--config`).
  static func peripheralName(_ key: String, _ args: ParsedArguments) -> String {
    let option = "--" + key.replacingOccurrences(of: "_", with: "-")
    return args.string(option) != nil ? option : key
  }

  /// The peripheral keys of `base` set away from their ideal values that
  /// some of the array runs of `runs` do not read (their `ignoredKeys`),
  /// but for `except` (said by the software runs' note), and a note naming
  /// each with the runs that read it; none: no keys and no note.
  static func partlyReadPeriphery(
    _ base: TrainingConfiguration, runs: [ReproductionRun], args: ParsedArguments, except: Set<String>
  ) -> (keys: Set<String>, note: String?) {
    let arrays = runs.filter { $0.configuration.rule != .float }
    var keys: Set<String> = []
    var parts: [String] = []
    for key in setPeripheralKeys(base) where !except.contains(key) {
      let reasons = arrays.compactMap { $0.configuration.ignoredKeys.first { $0.key == key }?.usedBy }
      guard let reason = reasons.first, reasons.count < arrays.count else { continue }
      keys.insert(key)
      parts.append("\(peripheralName(key, args)) applies to \(reason): \(reasons.count) of the \(arrays.count) array runs do not read it")
    }
    return (keys, parts.isEmpty ? nil : "note: " + parts.joined(separator: "; "))
  }

  /// `run` with its converters in its label ("hybrid, 50 states, ADC 4
  /// bits"), before the marks of a run that is not the paper's: the keys
  /// of `keys` it reads (`TrainCommand.periphery`). A software run, or
  /// one that reads none of them, is returned as it is.
  static func labellingPeriphery(_ run: ReproductionRun, keys: Set<String>) -> ReproductionRun {
    let c = run.configuration
    guard c.rule != .float else { return run }
    let unread = Set(c.ignoredKeys.map(\.key)).union(Set(TrainingConfiguration.peripheralKeys).subtracting(keys))
    let shown = TrainCommand.periphery(c.idealPeriphery(unread))
    guard !shown.isEmpty else { return run }
    var r = run
    if let mark = r.label.range(of: " [") { r.label.insert(contentsOf: shown, at: mark.lowerBound) } else { r.label += shown }
    return r
  }

  /// Each run without the peripheral keys it does not read, so that its
  /// summary row does not name them (Figure 14's and irdrop's off-chip
  /// runs had carried a `comparator_offset` they never read: a walkthrough,
  /// session 51). The runs are the same.
  static func withoutUnreadPeriphery(_ rows: inout [Row]) {
    let peripheral = Set(TrainingConfiguration.peripheralKeys)
    for i in rows.indices {
      let c = rows[i].run.configuration
      let unread = Set(c.ignoredKeys.map(\.key)).intersection(peripheral)
      if !unread.isEmpty { rows[i].run.configuration = c.idealPeriphery(unread) }
    }
  }

  /// Nor does a reproduction read its arrays after drift (`drift_times`):
  /// given, the drift keys are refused; a summary's (its run's) are
  /// dropped.
  static func withoutDrift(_ base: inout TrainingConfiguration, _ args: ParsedArguments) throws {
    let given = TrainCommand.explicitKeys(args)
    for key in TrainingConfiguration.driftKeys where given.contains(key) {
      throw TrainCommand.keyError(
        key, "reproduce reports the papers' accuracies, not the arrays after drift: give --drift-times to train or sweep, whose summaries (point-P.json) carry them", args)
    }
    base.clearDrift()
  }

  /// A reproduction's rows are accuracies: per-device counts would be paid
  /// for (rule lim at half speed) and dropped (a walkthrough, session 51).
  /// Given, `endurance` is refused; a summary's or checkpoint's (its run's,
  /// not asked here) is turned off.
  static func withoutEndurance(_ base: inout TrainingConfiguration, _ args: ParsedArguments) throws {
    guard base.endurance else { return }
    if TrainCommand.explicitKeys(args).contains("endurance") {
      throw TrainCommand.keyError(
        "endurance", "reproduce reports accuracies, not per-device counts: give --endurance true to train or sweep, whose summaries (point-P.json) carry them", args)
    }
    base.endurance = false
  }

  /// A training or test limit at or beyond its set's size is the whole
  /// set, as no limit is: the papers' runs (a walkthrough, session 58:
  /// `--test-limit 10000` on MNIST had lost every paper number, and its
  /// journal was refused by the same command without the limit).
  static func wholeSets(_ base: inout TrainingConfiguration, train: Int, test: Int) {
    if base.trainLimit >= train { base.trainLimit = 0 }
    if base.testLimit >= test { base.testLimit = 0 }
  }

  /// `reproduce irdrop`: the IR-drop table (`IRDropReproduction`).
  static func runIRDrop(_ args: ParsedArguments) throws {
    if try args.int("--figure") != nil { throw CLIError.usage("--figure applies to lim2018 and choi2021, not irdrop (one comparison)") }
    let seeds = try args.int("--seeds", default: 1)
    guard (1...100).contains(seeds) else { throw CLIError.usage("--seeds: must be in 1...100, got \(seeds)") }
    _ = try jobCount(args)
    // Its ideal-wire and off-chip points cannot write through the lines
    // (the option's own check would ask for wires resistive, which irdrop
    // sets itself; a review, session 60).
    if TrainCommand.explicitKeys(args, includingSummary: true).contains("write_lines") {
      throw TrainCommand.keyError(
        "write_lines", "reproduce irdrop compares ideal-wire, resistive and off-chip runs, and writes through the lines apply to on-chip resistive runs only: use xbarsim train or sweep with --wires resistive", args)
    }
    // Lines are the sweep's own (r_row, r_col are refused below).
    var base = try TrainCommand.configuration(args, checkLines: false, checkStuckMap: false, unreadFirst: false)
    try withoutEndurance(&base, args)
    try withoutDrift(&base, args)
    // The documented subset, unless the command line or a --config file
    // says otherwise.
    let given = TrainCommand.explicitKeys(args)
    if !given.contains("train_limit") { base.trainLimit = 20_000 }
    if !given.contains("evals_per_epoch") { base.evaluationsPerEpoch = 20 }
    try checkOutputs(args)
    let (train, test) = try TrainCommand.datasets(args)
    wholeSets(&base, train: train.count, test: test.count)
    var rows = IRDropReproduction.runs(base: base).map { Row(run: $0) }
    try refuseOverridden(args, base: base, runs: rows.map(\.run), what: "reproduce irdrop")
    withoutUnreadPeriphery(&rows)
    // Caught until the table, summary and plot are written: a second
    // Ctrl-C while they were written lost them (a walkthrough, session 33).
    catchInterrupts()
    defer { restoreInterrupts() }
    let failure = try execute(&rows, seeds: seeds, args: args, train: train, test: test, name: "irdrop", study: "irdrop")
    let trainImages = base.trainLimit > 0 ? min(base.trainLimit, train.count) : train.count
    let testImages = base.testLimit > 0 ? min(base.testLimit, test.count) : test.count
    print("IR drop: on-chip training with resistive lines vs off-chip training transferred to the same arrays")
    print("\(base.layers.map(String.init).joined(separator: "-")), method b, β 2, n_max 64; \(trainImages) training images × \(base.epochs) epoch(s),")
    print("\(testImages) test images at \(base.evaluationsPerEpoch) points per epoch; test accuracy (%) averaged over the \(TrainCommand.averageWindow(base)),")
    print("mean of \(seeds) seed(s) [min, max over points and seeds]; r = r_row = r_col per segment")
    // The keys given beside the study's own, as the figures' tables name
    // them (its table said nothing of a read noise it ran with: a
    // walkthrough, session 51).
    let own: Set = ["train_limit", "evals_per_epoch", "wires", "r_row", "r_col", "learning", "transfer"]
    if let note = settingsNote(base, runs: rows.map(\.run.configuration), skipping: own) { print(note) }
    print("")
    print("off-chip: the states of the sign rule trained on ideal arrays (transfer states), or float SGD's weights")
    print("(transfer weights), programmed into the arrays with lines")
    print("")
    print("r (Ω)   on-chip   [min, max]          off, states [min, max]        off, weights [min, max]       mean G on/states/weights (µS)   iterations/read")
    for r in IRDropReproduction.resistances {
      func row(_ mode: LearningMode, _ transfer: OffChipTransfer?) -> Row? {
        rows.first {
          let c = $0.run.configuration
          return c.rowSegmentResistance == r && c.mode == mode && (transfer == nil || c.transfer == transfer)
        }
      }
      guard let on = row(.onChip, nil), let states = row(.offChip, .states), let weights = row(.offChip, .weights)
      else { continue }
      let iterations = on.meanOf { Double($0.solverIterations) / Double(max(1, $0.solverSolves)) }
      let rText = JSONWriter.number(r).padding(toLength: 6, withPad: " ", startingAt: 0)
      func meanG(_ row: Row) -> Double {
        row.meanOf(\.meanConductance) * 1e6
      }
      func g(_ row: Row) -> String { row.results.isEmpty ? "    –" : String(format: "%5.2f", meanG(row)) }
      print(String(format: "%@  %@    [%@, %@]    %@      [%@, %@]      %@       [%@, %@]      %@ / %@ / %@             %@",
        rText as NSString, on.text(on.mean) as NSString, on.text(on.min) as NSString, on.text(on.max) as NSString,
        states.text(states.mean) as NSString, states.text(states.min) as NSString, states.text(states.max) as NSString,
        weights.text(weights.mean) as NSString, weights.text(weights.min) as NSString,
        weights.text(weights.max) as NSString, g(on) as NSString, g(states) as NSString, g(weights) as NSString,
        (r == 0 ? "– (ideal)" : on.results.isEmpty ? "–" : String(format: "%.2f", iterations)) as NSString))
    }
    try writeSummary(rows, figure: 0, args: args)
    try writePlot(
      rows, seeds: seeds, args: args, base: base, panels: IRDropReproduction.panels,
      title: "IR drop: mean of \(seeds) seed(s), bars min–max", yLabel: "test accuracy, \(TrainCommand.averageWindow(base)) (%)")
    try finish(failure, args: args)
  }

  /// `--jobs`, checked before the data are read (an exit-code audit,
  /// session 70: `--jobs 0` without data had been told the data were
  /// missing, exit 1), and again where the runs start.
  static func jobCount(_ args: ParsedArguments) throws -> Int {
    let jobs = try args.int("--jobs", default: 2)
    guard (1...64).contains(jobs) else { throw CLIError.usage("--jobs: must be in 1...64, got \(jobs)") }
    return jobs
  }

  /// Runs every (row, seed) pair, `--jobs` at a time, into `rows`; with
  /// `--journal FILE`, takes the runs FILE holds and records each run that
  /// finishes there (`RunJournal`).
  static func execute(
    _ rows: inout [Row], seeds: Int, args: ParsedArguments, train: IDXDataset, test: IDXDataset, name: String,
    study: String
  ) throws -> String? {
    let jobs = try jobCount(args)
    if jobs > 1, rows.contains(where: { $0.run.configuration.threads > 1 }) {
      // Each run's helper thread would wait for time slices (README, Choices).
      throw CLIError.usage("--threads 2 needs --jobs 1: \(jobs) runs at a time with two threads each oversubscribe the cores")
    }
    for i in rows.indices {
      // The limits `train` checks (images, batch, evaluations, the network
      // against the data), the same code; the memory of --jobs runs below.
      try TrainCommand.checkLimits(&rows[i].run.configuration, train: train, test: test, args, memory: false)
      do { _ = try Experiment(configuration: rows[i].run.configuration, train: train, test: test) } catch {
        throw CLIError.runtime("\(name), \(rows[i].run.label): \(error)")
      }
    }
    // `--jobs` runs train at once in this process, each with its networks.
    let bytes = rows.map { MemoryLimit.trainingBytes($0.run.configuration) }
    if let most = bytes.indices.max(by: { bytes[$0] < bytes[$1] }) {
      let at = min(jobs, rows.count * seeds)
      if let reason = MemoryLimit.shortfall(onTopOfCurrentUse: Double(at) * bytes[most]) {
        let size = TrainCommand.networkSize(rows[most].run.configuration)
        throw TrainCommand.keyError("layers", "\(name), \(rows[most].run.label): \(size), \(at) at a time (--jobs): training \(reason)", args)
      }
    }
    let rowsSnapshot = rows
    // Work items: (row, seed). Each finishes independently.
    let items = rows.indices.flatMap { r in (1...seeds).map { (r, UInt64($0)) } }
    let lock = NSLock()
    nonisolated(unsafe) var next = 0
    nonisolated(unsafe) var done = 0
    nonisolated(unsafe) var results = [TrainingResult?](repeating: nil, count: items.count)
    nonisolated(unsafe) var journal: RunJournal? = nil
    nonisolated(unsafe) var journalError: Error? = nil
    // The items whose journal run holds no resets (kept before session 49).
    var resetsUnknown: Set<Int> = []
    // The build that made each item's run: this one, or the journal's
    // (nil for a held run that recorded none).
    var builds = [String?](repeating: Xbarsim.build, count: items.count)
    // A run that failed (a resistive read, an evaluation): no new run
    // starts, and the finished ones are still shown and written.
    nonisolated(unsafe) var failed = false
    // Each item's configuration, its seed set.
    let configurations = items.map { (r, seed) in
      var cfg = rowsSnapshot[r].run.configuration
      cfg.seed = seed
      return cfg
    }
    let entries = items.indices.map { k in
      RunJournal.Item(
        label: rowsSnapshot[items[k].0].run.label, seed: items[k].1,
        configuration: TrainCommand.configurationJSON(configurations[k]))
    }
    if let path = args.string("--journal") {
      let (opened, held, unknown) = try RunJournal.open(path, study: study, train: train, test: test, items: entries)
      journal = opened
      resetsUnknown = unknown
      for (index, result) in held { results[index] = result }
      for index in held.keys { builds[index] = opened.heldBuilds[index] }
      done = held.count
      if !held.isEmpty {
        var err = StandardError()
        Swift.print("reproduce: resuming \(path): \(held.count) of \(items.count) run(s) already done", to: &err)
      }
      if !opened.otherBuilds.isEmpty {
        var err = StandardError()
        let builds = opened.otherBuilds.sorted { $0.key < $1.key }.map { "\($0.value) by xbarsim \($0.key)" }.joined(separator: ", ")
        Swift.print("note: \(path) holds runs made by another build (\(builds)); this is \(Xbarsim.build), which makes the rest: the table mixes builds", to: &err)
      }
    }
    let started = Date()
    // The runs under way, by item: images trained of their total, and the
    // last test accuracy. A line each a minute (a run of Choi's Figure 5
    // or with resistive lines had shown nothing for many minutes; a
    // walkthrough, session 44).
    nonisolated(unsafe) var running: [Int: TrainingProgress] = [:]
    nonisolated(unsafe) var lastLine = Date()
    let lineInterval: TimeInterval = 60
    let quiet = args.has("--quiet")
    func heartbeat(_ index: Int, _ p: TrainingProgress) {
      lock.lock()
      defer { lock.unlock() }
      running[index] = p
      guard !quiet, Date().timeIntervalSince(lastLine) >= lineInterval else { return }
      lastLine = Date()
      var err = StandardError()
      for (k, q) in running.sorted(by: { $0.key < $1.key }) {
        let acc = q.lastAccuracy.map { String(format: "%.2f %%", $0) } ?? "–"
        Swift.print(String(format: "[%ld/%ld %.0fs] %@, %@, seed %ld: running, %ld/%ld images, %.0f images/s, test %@", done, items.count,
          Date().timeIntervalSince(started), name as NSString, rowsSnapshot[items[k].0].run.label as NSString, items[k].1,
          q.images, q.totalImages, q.imagesPerSecond, acc as NSString), to: &err)
      }
    }
    let work: (Int) -> Void = { _ in
      while true {
        lock.lock()
        var index = next
        while index < items.count && results[index] != nil { index += 1 }
        next = index + 1
        let stop = journalError != nil || failed
        lock.unlock()
        guard index < items.count, interruptRequested == 0, !stop else { return }
        let (r, seed) = items[index]
        let cfg = configurations[index]
        let result = try! Experiment(configuration: cfg, train: train, test: test)
          .run(progress: { heartbeat(index, $0) }, progressInterval: 1_000_000_000, shouldStop: { interruptRequested != 0 })
        lock.lock()
        running[index] = nil
        results[index] = result
        if result.failure != nil { failed = true }
        if !result.interrupted { done += 1 }
        // A run that finished after the journal could not be written is
        // shown and tabled, but a resume runs it again: say so.
        var unkept = false
        if !result.interrupted && result.failure == nil && journal != nil {
          if journalError == nil {
            do { try journal?.record(entries[index], result) } catch { journalError = error }
          }
          unkept = journalError != nil
        }
        // (A run that failed or could not be kept is said with --quiet too.)
        let said = !quiet || result.failure != nil || unkept
        var err = StandardError()
        let final = rowsSnapshot[r].final
        // A run the interrupt cut short is not a result: it never counts.
        let outcome =
          result.interrupted && result.failure == nil
          ? "interrupted" : String(format: "%.2f %%", final ? result.testAccuracy : result.accuracyMeanLast)
        if said { Swift.print(String(format: "[%ld/%ld %.0fs] %@, %@%@, seed %ld: %@%@", done, items.count,
          Date().timeIntervalSince(started), name as NSString, rowsSnapshot[r].run.label as NSString,
          (final ? "" : ", method " + trainedBy(cfg)) as NSString, seed, outcome as NSString,
          ((result.failure.map { " (\($0))" } ?? "") + (unkept ? " (not kept: the journal could not be written)" : "")) as NSString),
          to: &err) }
        lock.unlock()
      }
    }
    // An earlier invocation's summary and plot go before the runs start:
    // a reproduction killed (kill -9) had left them beside a journal that
    // held more runs (an ML researcher's walkthrough, session 48). The
    // journal keeps the finished runs; the table, summary and plot are
    // written from them at the end.
    OutputFile.removeEarlier(["--summary", "--plot"].compactMap { args.string($0) })
    // (The caller catches the interrupts until its table, summary and
    // plot are written.)
    concurrentPerform(jobs, work)
    // The journal could not be written (a full disk): the runs that
    // finished are still tabled and summarised, then the command fails
    // (an audit, session 28: it stopped with no table and no summary).
    var firstFailure: String? = journalError.map { "\($0) (a resume runs the runs not kept there again)" }
    for (k, item) in items.enumerated() {
      if let failure = results[k]?.failure {
        if firstFailure == nil { firstFailure = "\(name), \(rows[item.0].run.label), seed \(item.1): \(failure)" }
        continue
      }
      if let r = results[k], !r.interrupted {
        rows[item.0].results.append(r)
        rows[item.0].builds.append(builds[k])
        if resetsUnknown.contains(k) { rows[item.0].resetsUnknown = true }
      }
    }
    return firstFailure
  }

  /// After the table and the summary: a failed run (exit 1), or an
  /// interrupt (exit 128 + the signal), ends the command with an error, the
  /// finished runs shown.
  static func finish(_ failure: String?, args: ParsedArguments) throws {
    if let failure { throw CLIError.runtime("\(failure); the table holds the runs that finished") }
    if interruptRequested != 0 {
      let resume = args.string("--journal").map { "; the same command with --journal \($0) runs the rest" }
        ?? "; with --journal FILE a stopped reproduction goes on where it stopped"
      throw CLIError.interrupted("interrupted: the table holds the runs that finished" + resume)
    }
  }

  /// After a table row: how many of the seeds finished, when not all did
  /// (an interrupted reproduction); "not run" when none did.
  static func seedsNote(_ row: Row, _ seeds: Int) -> String {
    row.results.isEmpty ? " not run" : row.results.count < seeds ? "  (\(row.results.count) of \(seeds) seeds)" : ""
  }

  /// --summary FILE: one JSON row per run of the table.
  static func writeSummary(_ rows: [Row], figure: Int, args: ParsedArguments) throws {
    if let path = args.string("--summary") {
      try writeRows(rows, to: path) { row, j in
        let c = row.run.configuration
        j.add("figure", figure)
        j.add("label", row.run.label)
        j.add("method", trainedBy(c))
        j.add("beta", c.betaP)
        j.add("nmax", c.nMax)
        j.add("batch", c.batch)
        j.add("sigma", c.sigma)
        // (Not for software rows: float SGD has no devices to stick.)
        if c.rule != .float {
          if c.stuckOff > 0 { j.add("stuck_off", c.stuckOff) }
          if c.stuckOn > 0 { j.add("stuck_on", c.stuckOn) }
          if let m = c.stuckMap { j.add("stuck_map", m.path) }
        }
        // How an off-chip row's array was programmed, away from the
        // paper's reading (only its label had said it; a walkthrough,
        // session 84).
        if c.rule == .lim && c.mode == .offChip {
          if c.programVerify != .none { j.add("program_verify", c.programVerify.rawValue) }
          if c.programNoise > 0 { j.add("program_noise", c.programNoise) }
        }
        j.add("hidden_layers", row.run.hiddenLayers)
        j.add("layers", c.layers.map(String.init).joined(separator: ","))
        j.add("learning", row.run.learning)
        j.add("transfer", c.mode == .offChip && c.rule == .lim ? c.transfer.rawValue : "none")
        j.add("loss", c.loss.rawValue)
        if let p = row.run.paper { j.add("paper", p) } else { j.addRaw("paper", "null") }
        row.add("mean", row.mean, to: &j)
        row.add("min", row.min, to: &j)
        row.add("max", row.max, to: &j)
        j.add("seeds", row.results.count)
        j.add("per_seed", row.results.map(\.accuracyMeanLast))
        if let f = row.fluctuation { j.add("fluctuation", f) } else { j.addRaw("fluctuation", "null") }
        j.add("wires", c.wires.rawValue)
        j.add("r_row", c.rowSegmentResistance)
        j.add("r_col", c.columnSegmentResistance)
        // (Float SGD has no devices: null, as in its summary.)
        if c.rule == .float { j.addRaw("mean_conductance", "null") } else { row.add("mean_conductance", row.meanOf(\.meanConductance), to: &j) }
        // The mean solver iterations per mesh solve, as the irdrop table
        // prints them and a summary writes them (null with ideal lines or
        // where nothing was solved: float SGD, off-chip training).
        let solves = row.results.reduce(0) { $0 + $1.solverSolves }
        if c.wires == .resistive && solves > 0 {
          j.add("solver_iterations_per_read", row.meanOf { Double($0.solverIterations) / Double(max(1, $0.solverSolves)) })
        } else {
          j.addRaw("solver_iterations_per_read", "null")
        }
        j.add("train_limit", c.trainLimit)
        j.add("test_limit", c.testLimit)
        // What else the run's accuracy depends on (since session 43: a
        // 3-epoch run's rows read as the paper's one-epoch runs).
        j.add("epochs", c.epochs)
        j.add("evals_per_epoch", c.evaluationsPerEpoch)
        j.add("final_iterations", c.finalIterations)
        j.add("lr", Double(c.learningRate))
        addPeriphery(c, to: &j)
      }
    }
  }

  /// The run's peripheral keys (ideal in software rows, which have no
  /// converters): a row with converters says so beside its label.
  static func addPeriphery(_ c: TrainingConfiguration, to j: inout JSONWriter) {
    j.add("adc_bits", c.adcBits)
    j.add("adc_range", c.adcRange)
    j.add("output_adc_range", c.outputADCRange)
    j.add("dac_bits", c.dacBits)
    j.add("tia_gain", c.tiaGain)
    j.add("sense_offset", c.senseOffset)
    j.add("read_noise", c.readNoise)
    j.add("transposed_read_noise", c.transposedReadNoise)
    j.add("comparator_offset", c.comparatorOffset)
    j.add("adc_inl", c.adcINL)
    j.add("adc_columns", c.adcColumns)
  }

  /// The rule a row's network trained by: `float` for software rows and
  /// off-chip `transfer weights` (float SGD trains there), else Lim's
  /// method.
  static func trainedBy(_ c: TrainingConfiguration) -> String {
    c.rule == .float || (c.mode == .offChip && c.transfer == .weights) ? "float" : c.method.rawValue
  }

  /// The data under a table's title when `--data` names a directory: the
  /// paper's numbers beside it are MNIST's (a Fashion-MNIST table printed
  /// them with no word of its data: a walkthrough, session 33).
  static func dataNote(_ args: ParsedArguments, train: IDXDataset, test: IDXDataset) -> String? {
    guard let dir = args.string("--data") else { return nil }
    return "data: \(dir) (\(train.count) training and \(test.count) test images); the paper's numbers are MNIST's"
  }

  /// The keys of `base` (every run's, before the figure sets its own)
  /// that differ from the defaults, as a line under a table's title: a
  /// table run with `--loss mse` says so. Nil when there are none.
  /// Only keys some run has at that value and reads: a hybrid run's
  /// summary as the base of Lim's Figure 8 had named its rule hybrid and
  /// its lr 0.1, which the runs replace (a walkthrough, session 43).
  static func settingsNote(_ base: TrainingConfiguration, runs: [TrainingConfiguration], skipping: Set<String>) -> String? {
    let defaults = Dictionary(TrainingConfiguration().keyValues, uniquingKeysWith: { a, _ in a })
    let values = runs.map { run in
      (Dictionary(run.keyValues, uniquingKeysWith: { a, _ in a }), Set(run.ignoredKeys.map(\.key)))
    }
    // (A key whose default follows the rule counts when it was set: the
    // defaults here are rule lim's, and `--lr 0.01` is lim's own but not
    // the 0.1 of a Choi run.)
    let set = base.setRuleDependentKeys
    let changed = base.keyValues.filter { key, value in
      !skipping.contains(key) && key != "data" && (defaults[key] != value || set.contains(key))
        && values.contains { $0.0[key] == value && !$0.1.contains(key) }
    }
    guard !changed.isEmpty else { return nil }
    return "settings beside the defaults (every run that reads the key, unless the figure sets it): "
      + changed.map { "\($0.0) \($0.1.isEmpty ? "none" : $0.1)" }.joined(separator: ", ")
  }

  /// The choi2021 table and JSON rows.
  /// A row of the choi2021 table: label (padded to `width`), paper,
  /// measured mean, [min, max], Δ (measured − paper), training accuracy,
  /// switch epochs and the seeds' note.
  static func choiLine(_ row: Row, width: Int, seeds: Int) -> String {
    let paperText = row.run.paper.map { String(format: "%6.2f", $0) } ?? "     –"
    let delta = row.results.isEmpty ? "      " : row.run.paper.map { String(format: "%+6.2f", row.mean - $0) } ?? "      "
    let label = row.run.label.padding(toLength: width, withPad: " ", startingAt: 0)
    let train = row.meanOf(\.trainAccuracy)
    let switches = switchText(row.results)
    return String(format: "%@  %@   %@   [%@, %@]  %@  %@  %@%@", label as NSString, paperText as NSString,
      row.text(row.mean) as NSString, row.text(row.min) as NSString, row.text(row.max) as NSString,
      delta as NSString, row.text(train) as NSString, switches as NSString,
      (row.results.isEmpty ? "  not run" : seedsNote(row, seeds)) as NSString)
  }

  static func choiTable(
    _ rows: [Row], figure: Int, seeds: Int, epochs: Int, summary: String?, settings: String?
  ) throws {
    print("Choi et al. 2021, Figure \(figure): final test accuracy (%) after \(epochs) epoch\(epochs == 1 ? "" : "s"), mean of \(seeds) seed(s)")
    print("[min, max over seeds]; train: final training-set accuracy; switch: epochs before fine tuning")
    if let settings { print(settings) }
    print("")
    let width = max(31, rows.map(\.run.label.count).max() ?? 0)
    print("run".padding(toLength: width + 2, withPad: " ", startingAt: 0) + "paper   measured  [min, max]          Δ   train  switch")
    func synapse(_ c: TrainingConfiguration) -> String { c.rule == .float ? "float" : c.rule.rawValue }
    for row in rows { print(choiLine(row, width: width, seeds: seeds)) }
    if let note = unswitchedNote(rows, epochs: epochs) {
      print("")
      print(note)
    }
    guard let path = summary else { return }
    try writeRows(rows, to: path) { row, j in
      let c = row.run.configuration
      j.add("figure", figure)
      j.add("label", row.run.label)
      j.add("synapse", synapse(c))
      j.add("k", c.rule == .hybrid ? c.k : 1)
      j.add("states", c.states)
      if c.rule == .hybrid { j.add("small_states", c.smallStates) } else { j.addRaw("small_states", "null") }
      j.add("c2c", c.c2c)
      j.add("d2d", c.d2d)
      // (Float SGD has no devices: an FP row carries none of the keys
      // that stick them, as its label names none; a walkthrough, session 78.)
      if c.rule != .float {
        if c.stuckOff > 0 { j.add("stuck_off", c.stuckOff) }
        if c.stuckOn > 0 { j.add("stuck_on", c.stuckOn) }
        if let m = c.stuckMap { j.add("stuck_map", m.path) }
        if c.stuckKnown { j.add("stuck_known", true) }
      }
      j.add("encoding", c.rule == .float ? "float" : c.encoding.rawValue)
      j.add("loss", c.loss.rawValue)
      if c.rule == .hybrid { j.add("fine_trains", c.fineTrains.rawValue) } else { j.addRaw("fine_trains", "null") }
      j.add("bl", c.pulseTrainLength)
      j.add("epochs", c.epochs)
      j.add("lr", Double(c.learningRate))
      if c.rule == .hybrid { j.add("switch_threshold", c.switchThreshold) } else { j.addRaw("switch_threshold", "null") }
      j.add("train_limit", c.trainLimit)
      j.add("test_limit", c.testLimit)
      addPeriphery(c, to: &j)
      if let p = row.run.paper { j.add("paper", p) } else { j.addRaw("paper", "null") }
      row.add("mean", row.mean, to: &j)
      row.add("min", row.min, to: &j)
      row.add("max", row.max, to: &j)
      row.add("train_accuracy", row.meanOf(\.trainAccuracy), to: &j)
      // Per seed: the epochs before the switch, null where none came.
      j.addRaw("phase_switch_epochs", "[" + row.results.map { $0.phaseSwitchEpoch.map(String.init) ?? "null" }.joined(separator: ", ") + "]")
      j.add("seeds", row.results.count)
      j.add("per_seed", row.results.map(\.testAccuracy))
    }
  }

  /// The table's switch column: each seed's epochs of dynamic tuning, "–"
  /// for a seed that never switched (until session 30 left out, so "3"
  /// for two seeds did not say which), or "–" alone when none did (rules
  /// without phases).
  static func switchText(_ results: [TrainingResult]) -> String {
    let perSeed = results.map { $0.phaseSwitchEpoch.map(String.init) ?? "–" }
    return perSeed.allSatisfy { $0 == "–" } ? "–" : perSeed.joined(separator: ",")
  }

  /// A switch after the last epoch: that seed's small arrays never
  /// trained, which the switch column alone does not say. Nil when no run
  /// switched at its last epoch.
  /// Rows whose hybrids never switched at all are named too: they are
  /// their single pairs, whatever their k or g-states (Figure 5 at
  /// `--epochs 3` gave six equal rows, three of them beside the paper's
  /// numbers, without a word; a walkthrough, session 44).
  static func unswitchedNote(_ rows: [Row], epochs: Int) -> String? {
    var notes: [String] = []
    let last = rows.filter { $0.results.contains { $0.phaseSwitchEpoch == epochs } }.map(\.run.label)
    if !last.isEmpty {
      notes.append("switch \(epochs) (the last epoch): no fine-tuning epoch ran in that seed's run (\(last.joined(separator: "; ")))")
    }
    let neverRows = rows.filter { row in
      row.run.configuration.rule == .hybrid && !row.results.isEmpty
        && row.results.allSatisfy { $0.phaseSwitchEpoch == nil && !$0.interrupted }
    }
    let never = neverRows.map(\.run.label)
    if !never.isEmpty {
      // With d2d or stuck devices the idle small devices still hold
      // weights of their own (their G_mins' differences, pinned ones), and
      // the single pairs draw other maps: not the same runs (a
      // walkthrough, session 75).
      let fixed = neverRows.map(\.run.configuration).contains { $0.d2d > 0 || $0.hasStuckDevices }
      let trained = fixed
        ? "so only their big arrays trained (k and the g-states changed nothing; the small devices' d2d offsets or stuck devices only added fixed weights)"
        : "so they trained as their single pairs (k and the g-states changed nothing)"
      notes.append(
        "switch – in every seed: those hybrids never reached their small arrays in \(epochs) epoch(s), \(trained) and their Δ is not the hybrid's; give more epochs (\(never.joined(separator: "; ")))")
    }
    return notes.isEmpty ? nil : notes.joined(separator: "\n")
  }

  /// Writes one JSON object per row (the fields from `fields`, then the
  /// mean speed and pulses over the seeds) as a JSON array.
  static func writeRows(_ rows: [Row], to path: String, fields: (Row, inout JSONWriter) -> Void) throws {
    var text = "[\n"
    for (k, row) in rows.enumerated() {
      var j = JSONWriter()
      fields(row, &j)
      row.add("images_per_second", row.meanOf(\.imagesPerSecond), to: &j)
      row.add("pulses", row.meanOf { Double($0.pulses) }, to: &j)
      // As sweep.csv gives them (session 49); null for a row with a run
      // from a journal kept before, which holds neither.
      for (key, count) in [("resets", \TrainingResult.resets), ("repotentiation_pulses", \.repotentiationPulses)] {
        if row.resetsUnknown { j.addRaw(key, "null") } else { row.add(key, row.meanOf { Double($0[keyPath: count]) }, to: &j) }
      }
      let ledgers = row.results.compactMap(\.ledger)
      // The build that made the row's runs, as a train summary's `xbarsim`
      // (a journal may hold runs of other builds: each named once, in seed
      // order); null for a row with no finished run.
      if row.builds.isEmpty { j.addRaw("xbarsim", "null") } else { j.add("xbarsim", row.buildText) }
      TrainCommand.addEnergy(
        &j, ledgers: ledgers.count == row.results.count ? ledgers : [],
        images: Double(row.results.first?.trainImages ?? 0))
      text += "  " + j.finished().trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n  ")
      text += k + 1 < rows.count ? ",\n" : "\n"
    }
    text += "]\n"
    try OutputFile.write(text, to: path)
  }
}

extension String {
  /// Nil for the empty string.
  fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
