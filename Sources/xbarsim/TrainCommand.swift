import Circuit
import Foundation
import Peripherals
import Synchronization
import Trainer

/// Set by SIGINT, SIGTERM or SIGHUP; the training loop polls it and stops
/// cleanly. An atomic, not a plain global: Swift checks a global's
/// accesses for exclusivity at run time, and a handler's write landing
/// inside the polling thread's read aborted the run with "Simultaneous
/// accesses" (signal 6; a SIGHUP test in CI, session 34).
let interruptFlag = Atomic<Int32>(0)

/// Whether a stopping signal came: the signal's number (the last one,
/// when several came), 0 before any.
var interruptRequested: Int32 { interruptFlag.load(ordering: .relaxed) }

/// A SIGCONT: the run was stopped (Ctrl-Z, SIGSTOP, a scheduler's
/// suspend) and continued, and its wall-clock seconds count the stop (a
/// soak walkthrough, session 71: 75 s "train" and 119 images/s for a run
/// of 14 s stopped for a minute, without a word). The monotonic clock (ns)
/// at the last SIGCONT, 0 before any; and at the last stopping signal.
/// `timeout` sends SIGCONT right after its SIGTERM and SLURM right before,
/// to wake a stopped job: a SIGCONT within a second of the signal that
/// stops the run is that, not a stop (a review, session 71: `timeout 2
/// xbarsim train` had been told it was stopped).
let continuedAt = Atomic<UInt64>(0)
let interruptedAt = Atomic<UInt64>(0)

/// The monotonic clock in nanoseconds (async-signal-safe).
func monotonicNanoseconds() -> UInt64 {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
}

/// Whether the run was stopped and continued (a SIGCONT not sent with a
/// stopping signal).
var wasStoppedAndContinued: Bool {
  let continued = continuedAt.load(ordering: .relaxed)
  guard continued != 0 else { return false }
  let interrupted = interruptedAt.load(ordering: .relaxed)
  return interrupted == 0 || (continued > interrupted ? continued - interrupted : interrupted - continued) > 1_000_000_000
}

/// The signals that stop a run cleanly: Ctrl-C, SIGTERM (what SLURM and
/// `kill` send at a job's time limit) and SIGHUP (a closed terminal).
let interruptSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

/// Routes Ctrl-C, SIGTERM and SIGHUP to `interruptRequested` for the
/// duration of a run. The signals are also unblocked: a parent that started
/// us from a thread with SIGINT blocked (Foundation's Process from a Dispatch
/// worker does) would otherwise leave them pending forever.
/// A SIGHUP ignored when the run started (`nohup`) stays ignored.
func catchInterrupts() {
  // The global is made before a handler can touch it.
  _ = interruptRequested
  var set = sigset_t()
  sigemptyset(&set)
  for s in interruptSignals {
    if s == SIGHUP {
      // The handler's type is named differently by each C library
      // (__sighandler_t, sig_t): compared as a bit pattern, unnamed.
      let previous = signal(s, SIG_IGN)
      hangupIgnored = unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
      if hangupIgnored { continue }
    }
    signal(s) { signal in
      interruptedAt.store(monotonicNanoseconds(), ordering: .relaxed)
      interruptFlag.store(signal, ordering: .relaxed)
    }
    sigaddset(&set, s)
  }
  continuedAt.store(0, ordering: .relaxed)
  signal(SIGCONT) { _ in continuedAt.store(monotonicNanoseconds(), ordering: .relaxed) }
  sigaddset(&set, SIGCONT)
  pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// Whether SIGHUP was ignored when `catchInterrupts` ran.
nonisolated(unsafe) private var hangupIgnored = false

/// Gives the signals `catchInterrupts` caught their default disposition
/// back (an ignored SIGHUP stays ignored), unless one came: the command is
/// then on its way out with its work written, and a further Ctrl-C (a
/// wrapper passing the signal on) would only turn its exit (128 + the
/// signal) into a kill.
func restoreInterrupts() {
  signal(SIGCONT, SIG_DFL)
  guard interruptRequested == 0 else { return }
  for s in interruptSignals { signal(s, s == SIGHUP && hangupIgnored ? SIG_IGN : SIG_DFL) }
}

/// `xbarsim train`: one training run.
enum TrainCommand: CLICommand {
  static let spec = CommandSpec(
    name: "train",
    abstract: "Train a network in the simulated arrays (Lim's sign rule, Choi's hybrid or single synapses) or in software.",
    usage: "xbarsim train [--data DIR] [--config FILE.json] [--<key> <value> ...] [--out DIR] [--summary FILE]",
    discussion: """
      Loads MNIST-style IDX files from --data (default data/mnist; fetch with
      scripts/fetch-mnist), trains for --epochs and evaluates the test set at
      --evals-per-epoch points per epoch. A progress bar goes to standard error.
      Keys may also come from a JSON object in --config (same names, '_' or '-');
      options given on the command line override the file.

      Outputs: --log FILE.csv (one row per evaluation point, written as it is
      measured), --plot FILE.svg (accuracy versus training images), --summary FILE.json
      (test_accuracy, accuracy_mean_last/min/max over the last 10 % of points, or
      with --final-iterations N over evaluations after each of the last N updates,
      train_images, seconds_train, images_per_second, pulses, resets and the
      configuration); --out DIR writes them as DIR/log.csv, DIR/accuracy.svg and
      DIR/summary.json, with DIR/epochs.csv (--epoch-log). --checkpoint-out FILE saves the arrays' device states (rules lim, hybrid and single).
      Ctrl-C stops the run, keeps the log and writes the summary and the checkpoint; --checkpoint-every M also saves the checkpoint every M minutes (against kill -9).
      """,
    options: commonOptions + [
      OptionSpec("--out", "<dir>", "Write log.csv, epochs.csv, accuracy.svg and summary.json into DIR (one run at a time: a directory in use is refused)."),
      OptionSpec("--log", "<file.csv>", "CSV log of the evaluation points (beside --out, written here instead of DIR/log.csv)."),
      OptionSpec("--plot", "<file.svg>", "SVG plot of test accuracy versus training images (beside --out, here instead of DIR/accuracy.svg)."),
      OptionSpec("--summary", "<file.json>", "JSON summary of the run (beside --out, written here instead of DIR/summary.json)."),
      OptionSpec("--epoch-log", "<file.csv>", "CSV log of the epochs: accuracies, loss, the epoch's pulses; for hybrid and single also MSE, cell updates, update frequency and the pairs at their limit, for hybrid the phase (beside --out, here instead of DIR/epochs.csv)."),
      OptionSpec("--checkpoint-out", "<file.json>", "Save the device states and configuration at the end (also on Ctrl-C); 'xbarsim inspect --checkpoint', 'train --checkpoint-in', 'evaluate' and 'sweep --checkpoint' load it."),
      OptionSpec("--checkpoint-every", "<minutes>", "With --checkpoint-out: also save it during the run, at the first mini-batch end after each MINUTES of wall clock (against a crash or kill -9; the run is the same with or without; go on with --checkpoint-in FILE --epochs rest; an off-chip run's is read by evaluate, or trained on chip, instead)."),
      OptionSpec("--checkpoint-in", "<file.json>", "Start from this checkpoint's devices (rules lim, hybrid, single; an off-chip run's programmed arrays with --learning on-chip); its configuration is the base, and options may change any key but the network's shape and device keys; --epochs rest trains the rest of the run that saved it (after a kill or an interrupt)."),
      OptionSpec("--quiet", nil, "No progress bar or per-epoch lines (notes on the input are still printed)."),
    ])

  /// Options shared by `train` and the commands that build on it.
  static var commonOptions: [OptionSpec] {
    [
      OptionSpec("--data", "<dir>", "Directory with the IDX files (default data/mnist)."),
      OptionSpec("--config", "<file.json>", "Configuration keys from a JSON object."),
    ] + TrainingConfiguration.keys.map { k in
      OptionSpec("--" + k.key.replacingOccurrences(of: "_", with: "-"), k.value, k.help)
    }
  }

  /// With resistive lines and `line_capacitance`, how far the arrays'
  /// lines settle within a read and a programming pulse. Each layer's
  /// lines are RC lines of `line_capacitance` a cell without their cells'
  /// leakage (which only speeds them): the word lines (N cells, r_row) and
  /// the bit lines (M cells, r_col).
  /// - A read's slowest cell is the far corner: its signal charges along
  ///   the driven line and is carried along the sensed one, the two in
  ///   series (`RCLine.cornerStepResponse`; either direction of read, by
  ///   reciprocity). `share` is its fraction of the settled value at
  ///   `read_time`, the lowest over the layers (ties: the slowest).
  /// - A programming pulse drives the far corner's word line at +V_p/2 and
  ///   its bit line at −V_p/2: `programShare` is the fraction of V_p it
  ///   has at the end of the shorter of `program_time` and `reset_time` (a
  ///   reset is biased the same way), the lowest over the layers.
  /// The notes when either is below 99.9 % (the reads' solves take every
  /// line as settled, and training applies every pulse in full). A
  /// walkthrough (session 57) found the first version checked each line
  /// alone, and the driven lines only.
  struct LineSettling {
    var layer: Int, wordCells: Int, bitCells: Int
    var share: Double
    /// When the read's far corner reaches 99.9 % (s).
    var settled: Double
    var programLayer: Int, programShare: Double
    var notes: [String]
  }

  static func lineSettling(_ cfg: TrainingConfiguration) -> LineSettling? {
    // (Resistive with both r at 0 is ideal lines: a review, session 57,
    // found it trapped here.)
    guard cfg.wires == .resistive, cfg.lineCapacitance > 0, cfg.rowSegmentResistance > 0 || cfg.columnSegmentResistance > 0
    else { return nil }
    var result: LineSettling? = nil
    let c = cfg.lineCapacitance
    for l in 0..<(cfg.layers.count - 1) {
      let (m, n) = (cfg.layers[l] + 1, cfg.layers[l + 1])
      // Each line behind its terminal resistance (r_driver, r_sense).
      let word = cfg.rowSegmentResistance > 0
        ? RCLine(cells: n, segmentResistance: cfg.rowSegmentResistance, capacitance: c, driverResistance: cfg.driverResistance) : nil
      let bit = cfg.columnSegmentResistance > 0
        ? RCLine(cells: m, segmentResistance: cfg.columnSegmentResistance, capacitance: c, driverResistance: cfg.senseResistance) : nil
      let tau = (word?.slowestTimeConstant() ?? 0) + (bit?.slowestTimeConstant() ?? 0)
      // Twenty of the two lines' slowest time constants: settled to far
      // below 1e-3.
      let share = cfg.readTime < 20 * tau
        ? RCLine.cornerStepResponse(word: word, bit: bit, until: cfg.readTime).values.last! : 1
      // Its time to 99.9 %: the response over 12 τ, scanned (one line
      // reaches it by about 7.2 of its τ₁, two in series sooner against
      // their sum, so the fallback is not met).
      let long = RCLine.cornerStepResponse(word: word, bit: bit, until: 12 * tau)
      let settled = zip(long.times, long.values).first { $0.1 >= 0.999 }?.0 ?? 12 * tau
      // The programming pulse's far corner, (w + b)/2 of V_p at its end,
      // and a reset's (its width may be shorter: the worse of the two).
      func pulseShare(_ width: Double) -> Double {
        width < 20 * tau
          ? ((word?.farStepResponse(at: [width])[0] ?? 1) + (bit?.farStepResponse(at: [width])[0] ?? 1)) / 2 : 1
      }
      let program = pulseShare(min(cfg.programTime, cfg.resetTime))
      if result == nil || share < result!.share || (share == result!.share && settled > result!.settled) {
        let p = result.map { ($0.programLayer, $0.programShare) } ?? (l + 1, program)
        result = LineSettling(layer: l + 1, wordCells: n, bitCells: m, share: share, settled: settled, programLayer: p.0, programShare: p.1, notes: [])
      }
      if program < result!.programShare { (result!.programLayer, result!.programShare) = (l + 1, program) }
    }
    guard var r = result else { return nil }
    func percent(_ x: Double) -> String { x < 1e-3 ? "under 0.1" : String(format: "%.3g", 100 * x) }
    let cText = JSONWriter.number(c)
    // (The terminal resistances charge the lines too; a walkthrough,
    // session 59, found the note named the segments alone.)
    var behind: [String] = []
    if cfg.driverResistance > 0 { behind.append("r_driver") }
    if cfg.senseResistance > 0 { behind.append("r_sense") }
    let terminals = behind.isEmpty ? "" : ", behind \(behind.joined(separator: " and "))"
    if r.share < 0.999 {
      r.notes.append(
        "note: with line_capacitance \(cText) F a cell, the far corner of layer \(r.layer)'s array (its word line of \(r.wordCells) cells, r_row, and bit line of \(r.bitCells) cells, r_col, in series\(terminals)) reads \(percent(r.share)) % of its settled value at read_time \(JSONWriter.number(cfg.readTime)) s"
          + String(format: " (99.9 %% at %.3g s)", r.settled)
          + ": the reads' solves take every line as settled; xbarsim line gives each line's transient")
    }
    if r.programShare < 0.999 {
      let (m, n) = (cfg.layers[r.programLayer - 1] + 1, cfg.layers[r.programLayer])
      let pulse = cfg.resetTime < cfg.programTime
        ? "a reset of reset_time \(JSONWriter.number(cfg.resetTime)) s" : "a programming pulse of program_time \(JSONWriter.number(cfg.programTime)) s"
      r.notes.append(
        "note: with line_capacitance \(cText) F a cell, \(pulse) brings the far corner cell of layer \(r.programLayer)'s array (word line \(n) cells, bit line \(m) cells\(terminals)) to \(percent(r.programShare)) % of its voltage by its end (and less of its V·t): "
          + (cfg.writeLines == .resistive
            ? "the write solve takes every line as settled (each pulse lands or not by its settled share)"
            : "training applies every pulse in full"))
    }
    return r
  }

  /// The configuration from --config and the key options. `checkLines`:
  /// refuse --r-row/--r-col, or r_row/r_col in a plain --config file, with
  /// ideal lines (a sweep whose grid sets the wires checks each point
  /// instead). `checkStuckMap`: check a stuck map against this
  /// configuration's network (a sweep's or a reproduction's base checks
  /// it against each point's or run's instead).
  /// `baseName` names where `base` came from (a checkpoint): an error in
  /// a key given neither as an option nor in `--config` names it.
  static func configuration(
    _ args: ParsedArguments, base: TrainingConfiguration = TrainingConfiguration(), baseName: String? = nil,
    checkLines: Bool = true, checkStuckMap: Bool = true, unreadFirst: Bool = true
  ) throws -> TrainingConfiguration {
    var cfg = base
    // (A checkpoint's range at 2c follows another c.)
    if baseName != nil { cfg.releaseADCRange() }
    // r_row and r_col as a plain --config file spells them (checked below).
    var fileLineKeys: [String] = []
    if let path = args.string("--config") {
      let data = try readConfigurationFile(path)
      let root: JSONValue
      do { root = try JSONValue.parse(data) } catch { throw CLIError.configuration("\(path): malformed JSON at \(error)") }
      try checkNotAnotherFile(root, path)
      fileLineKeys = lineKeys(in: root)
      // A summary's keys are its `configuration` object's: a key beside
      // it would be silently ignored.
      if case .object(let dict, let names) = root, let inner = dict["configuration"] {
        guard case .object = inner else {
          throw CLIError.configuration("\(path): key 'configuration' expects an object of configuration keys (a run's summary), got \(inner.brief)")
        }
        // (A summary's `epochs` is the epochs it ran, a list of records,
        // a checkpoint's `layers` its arrays' states, a list of objects,
        // and `endurance` its devices' counts, a summary's object or a
        // checkpoint's list of objects: theirs, not configuration keys,
        // whose `endurance` is true or false. Anything else under those
        // names, e.g. a summary's epoch list edited to 3, is a
        // configuration value out of place.)
        let known = Set(TrainingConfiguration.keys.map(\.key))
        func isTheFilesOwn(_ name: String) -> Bool {
          if name == "endurance", case .object? = dict[name] { return true }
          guard case .array(let items) = dict[name] else { return false }
          switch name {
          case "epochs": return items.allSatisfy { if case .object = $0 { true } else { false } }
          case "layers", "endurance": return !items.isEmpty && items.allSatisfy { if case .object = $0 { true } else { false } }
          default: return false
          }
        }
        if let outside = names.first(where: { known.contains($0.replacingOccurrences(of: "-", with: "_")) && !isTheFilesOwn($0) }) {
          throw CLIError.configuration(
            "\(path): key '\(outside)' is outside the 'configuration' object, whose keys the file's run uses; move it inside")
        }
        // Nor any key a summary (or a checkpoint) does not write: a typo
        // beside the object (`epoch`, `Configuration`) was ignored.
        let own = dict["format"] == .string(Checkpoint.format) ? Checkpoint.topKeys : summaryKeys
        if let odd = names.first(where: { !own.contains($0) }) {
          let hint = ArgumentParsing.nearest(odd, among: own).map { " (did you mean '\($0)'?)" } ?? ""
          throw CLIError.configuration(
            "\(path): key '\(odd)' is neither a configuration key inside the 'configuration' object nor one a run's \(own == summaryKeys ? "summary" : "checkpoint") writes beside it\(hint)")
        }
      }
      var object = configurationObject(root)
      // A summary's (or checkpoint's) run on a device file wrote the range
      // the file set, nmax, gmin_ratio and gmax: the file sets them again,
      // so that a file changed since (a cycle added) is a note that it
      // changed, not an error about a key the user never gave (a
      // walkthrough, session 55).
      if object != root, case .object(var keys, let names) = object, case .string? = keys["device_csv"] {
        // (And for rules hybrid and single its states, big and small: a
        // review, session 55.)
        let fileSet: Set = ["nmax", "gmin_ratio", "gmax", "states", "small_states"]
        for k in fileSet { keys[k] = nil }
        object = .object(keys, keys: names.filter { !fileSet.contains($0) })
      }
      try setKeys(from: object, in: path, into: &cfg, fail: CLIError.configuration, command: args.command)
      // A summary's keys are every value its run used: those that only
      // followed its rule (or states, or batch) follow this run's.
      if configurationObject(root) != root {
        var images: Int?
        if case .object(let data, _)? = root["data"], case .number(let n)? = data["train_images"], n >= 1, n < 1e15 {
          images = Int(n)
        }
        cfg.releaseDependentDefaults(trainingImages: images)
      }
    }
    for k in TrainingConfiguration.keys {
      let option = "--" + k.key.replacingOccurrences(of: "_", with: "-")
      if let v = args.string(option) {
        do { try cfg.set(k.key, v) } catch let e as ConfigurationError {
          // A device file (or stuck map, since session 77) that cannot be
          // read or is invalid is a file's error (exit 1, as in --config),
          // not a usage error.
          if Self.fileKeys.contains(e.field) { throw CLIError.runtime("\(option): \(e.message)") }
          // A key that the option conflicts with, given in --config (nmax
          // there, --device-csv here): the message names the file.
          var message = e.message
          let leave = "(leave \(e.field) out)"
          if e.field != k.key, message.hasSuffix(leave), let path = args.string("--config"),
            args.string("--" + e.field.replacingOccurrences(of: "_", with: "-")) == nil
          {
            message = message.dropLast(leave.count) + "(leave \(e.field) out of \(path))"
          }
          throw CLIError.usage("\(option): \(message)")
        }
      }
    }
    if cfg.wires == .ideal && checkLines {
      // (A terminal resistance of 0 is none: `--r-driver 0` takes back a
      // file's, as the error below suggests; a walkthrough, session 59.)
      let terminals = ["--r-driver": cfg.driverResistance, "--r-sense": cfg.senseResistance]
      for option in ["--r-row", "--r-col", "--r-driver", "--r-sense"] where args.string(option) != nil && terminals[option] != 0 {
        throw CLIError.usage("\(option): applies only with --wires resistive (the lines are ideal)")
      }
      // The same keys in a plain --config file, whatever their value
      // (`{"r_row": 1}`, the default, ran with ideal lines), but for a
      // terminal resistance of 0.
      let fileKeys = fileLineKeys.filter { terminals["--" + $0.replacingOccurrences(of: "_", with: "-")] ?? 1 != 0 }
      if let path = args.string("--config"), let name = fileKeys.first {
        let back = ["r_driver", "r_sense"].contains(name) ? "; --\(name.replacingOccurrences(of: "_", with: "-")) 0 takes it back" : ""
        throw CLIError.configuration("\(path): \(name): applies only with wires resistive (the lines are ideal)\(back)")
      }
    }
    // `beta` beside both `beta_p` and `beta_d` sets nothing: it ran at
    // theirs without a word (a walkthrough, session 44).
    let given = explicitKeys(args)
    if given.isSuperset(of: ["beta", "beta_p", "beta_d"]) {
      if args.string("--beta") != nil { throw CLIError.usage("--beta: \(betaChangesNothing)") }
      throw CLIError.configuration("\(args.string("--config") ?? "--config"): beta: \(betaChangesNothing)")
    }
    // A sweep's or a reproduction's base: its stuck map is checked against
    // each point's (each run's) network and rule, which the grid or the
    // figure may set (a map of 784-100-50-10 beside --grid layers=…, or
    // small records beside --grid rule=hybrid,…, had been checked against
    // the default 784-200-10 of rule lim and refused; a walkthrough,
    // session 76).
    var checked = cfg
    if !checkStuckMap { checked.restoreStuckMap(nil) }
    do { try checked.validate() } catch let e as ConfigurationError {
      // A rule whose states are not the checkpoint's kind: that, not what
      // follows from it (a measured lim checkpoint given --rule hybrid was
      // told of states and keys never given: a walkthrough, session 63).
      if let baseName, let kind = Checkpoint.kindConflict(saved: base, holdsPairs: base.rule.isFiniteState, cfg) {
        throw checkpointConflict(args, key: "rule", kind, baseName) ?? .runtime("\(baseName): \(kind)")
      }
      // A key given here that this run would not read is refused as such,
      // before a rule on its value (a walkthrough, session 65: off-chip,
      // `--reset-time 1e-5` was told to widen slot_time, and then, given
      // that, that the run ignores reset_time).
      // (Not for a sweep's or a reproduction's base, whose runs set the
      // rule, the learning or the ADC themselves: `--lr -1` beside
      // choi2021's hybrids, or `--adc-range 0` beside a grid of adc_bits,
      // had been told rule lim would ignore it; review 65.)
      if unreadFirst, let (key, usedBy) = cfg.ignoredKeys.first(where: { $0.key == e.field }), given.contains(key),
        !keptByCheckpoint(cfg, args).contains(key)
      {
        throw keyError(key, unreadKeyMessage(key, usedBy, cfg, args), args)
      }
      let error = keyError(e.field, e.message, args, base: baseName)
      // A checkpoint's key that conflicts only with the options given here
      // (`--wires ideal` beside its write_lines resistive) is the command
      // line's error, not the file's: it had named the file, exit 1, as if
      // the checkpoint were bad (a walkthrough, session 62).
      if let baseName, case .runtime = error, let given = overridesBehind(e, args, base: base) {
        let option = "--" + e.field.replacingOccurrences(of: "_", with: "-")
        throw CLIError.usage(
          "\(given) with checkpoint \(baseName): \(e.field): \(e.message); give \(option) too to change the checkpoint's \(e.field)")
      }
      throw error
    }
    return cfg
  }

  /// The options given here behind `error`, a checkpoint's configuration
  /// (`base`) merged with them failing validation: those that alone make
  /// it fail so; else those the others need to fail so (two that conflict
  /// together, "--batch 4 --batch-pulses net"); else the --config file (its
  /// keys are not tried one by one); else every option given. Nil when the
  /// checkpoint's own configuration fails (the file is bad) or nothing was
  /// given. (A mutation audit and a walkthrough, session 62, had found
  /// options named that played no part.)
  static func overridesBehind(_ error: ConfigurationError, _ args: ParsedArguments, base: TrainingConfiguration) -> String? {
    if (try? base.validate()) == nil { return nil }
    typealias Given = (key: String, option: String, value: String)
    let given = TrainingConfiguration.keys.compactMap { k -> Given? in
      let option = "--" + k.key.replacingOccurrences(of: "_", with: "-")
      return args.string(option).map { (k.key, option, $0) }
    }
    // Whether the checkpoint's configuration with these options fails on
    // the same key.
    func fails(_ options: [Given]) -> Bool {
      var c = base
      for g in options { guard (try? c.set(g.key, g.value)) != nil else { return false } }
      do { try c.validate() } catch let e as ConfigurationError { return e.field == error.field } catch { return false }
      return false
    }
    func named(_ options: [Given]) -> String { options.map { "\($0.option) \($0.value)" }.joined(separator: " ") }
    let alone = given.filter { fails([$0]) }
    if !alone.isEmpty { return named(alone) }
    if fails(given) {
      let needed = given.indices.filter { n in !fails(given.indices.filter { $0 != n }.map { given[$0] }) }
      if !needed.isEmpty { return named(needed.map { given[$0] }) }
    }
    if let path = args.string("--config") { return "--config \(path)" }
    return given.isEmpty ? nil : named(given)
  }

  /// `r_row` and `r_col` as a plain --config file spells them, in its
  /// order: keys the user gave, as `--r-row` and `--r-col` are, to be
  /// refused with ideal lines. None from a run's summary, which carries
  /// both whatever its lines were and is a base, nor from a file that
  /// sets `wires` to ideal itself: a summary's `configuration` object
  /// saved as a file (every key written, `wires` among them) re-runs its
  /// run.
  static func lineKeysInConfigFile(_ args: ParsedArguments) -> [String] {
    guard let path = args.string("--config"), let root = configurationRoot(path) else { return [] }
    return lineKeys(in: root)
  }

  /// ``lineKeysInConfigFile(_:)`` of a parsed --config file.
  static func lineKeys(in root: JSONValue) -> [String] {
    guard configurationObject(root) == root, case .object(let dict, let names) = root,
      dict["wires"] != .string(WireKind.ideal.rawValue)
    else { return [] }
    return names.filter { ["r_row", "r_col", "r_driver", "r_sense"].contains($0.replacingOccurrences(of: "-", with: "_")) }
  }

  /// The most bytes of a --config file: it holds a small object of keys,
  /// and parsing costs some 25 times the file's size.
  static let maxConfigurationBytes = 1 << 20

  /// The bytes of a --config file, refused beyond `maxConfigurationBytes`
  /// before it is read whole (a pipe, whose size is unknown, as it is read).
  static func readConfigurationFile(_ path: String) throws -> Data {
    var st = stat()
    if path == "-" && stat(path, &st) != 0 {
      // (A walkthrough, session 42: "cannot read file (No such file or
      // directory)" gave no way forward.)
      throw CLIError.runtime("-: no such file; for standard input give --config /dev/stdin")
    }
    if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size > maxConfigurationBytes {
      throw CLIError.runtime(
        "\(path): \(st.st_size) bytes; a configuration file holds at most 1 MB (\(maxConfigurationBytes) bytes)")
    }
    // A pipe is cut at the limit as it is read.
    return try ProblemFile.read(path, limit: maxConfigurationBytes)
  }

  /// The files a run reads besides its data: the --config file and a
  /// measured device's CSV.
  static func inputFiles(_ args: ParsedArguments, _ cfg: TrainingConfiguration) -> [(String, String?)] {
    [("--config", args.string("--config")), ("--device-csv", cfg.deviceCSV.isEmpty ? nil : cfg.deviceCSV)] + dataFiles(args)
  }

  /// The IDX files of --data that exist (plain or `.gz`): an output naming
  /// one would destroy the data set.
  static func dataFiles(_ args: ParsedArguments) -> [(String, String?)] {
    let dir = args.string("--data").map { URL(fileURLWithPath: $0, isDirectory: true) } ?? IDXDataset.defaultDirectory
    let names = IDXDataset.Split.allCases.flatMap { [$0.imagesFileName, $0.labelsFileName] }
    return names.flatMap { [$0, $0 + ".gz"] }.map { dir.appendingPathComponent($0).path }
      .filter { FileManager.default.fileExists(atPath: $0) }.map { ("--data", $0) }
  }

  /// Refuses an output that names one of the input files (`--summary` the
  /// `--config` file): the run would replace what it was made from. Both
  /// lists are (option, path); a nil path is not given.
  static func refuseOverwriting(_ inputs: [(String, String?)], by outputs: [(String, String?)]) throws {
    for case let (inOption, input?) in inputs {
      if let (outOption, _) = outputs.first(where: { $0.1.map { OutputFile.sameFile($0, input) } ?? false }) {
        throw CLIError.usage("\(outOption) would overwrite the \(inOption) file \(input)")
      }
    }
  }

  /// An error about configuration key `key`, naming where the user gave it:
  /// the option, or else the --config file's entry as spelled there (a key
  /// set nowhere keeps its default and is named as the option that would
  /// change it). `beta` stands for `beta_p` and `beta_d` and each of them
  /// for `beta`, as the options do.
  /// The keys an option or file key sets `key` through: `beta` sets
  /// beta_p and beta_d.
  static func relatedKeys(_ key: String) -> [String] {
    key == "beta" ? ["beta", "beta_p", "beta_d"] : key.hasPrefix("beta_") ? [key, "beta"] : [key]
  }

  /// The option given that sets `key` (`--beta` for beta_p), if any.
  static func givenOption(_ key: String, _ args: ParsedArguments) -> String? {
    relatedKeys(key).lazy.map { "--" + $0.replacingOccurrences(of: "_", with: "-") }.first { args.string($0) != nil }
  }

  static func keyError(_ key: String, _ message: String, _ args: ParsedArguments, base: String? = nil) -> CLIError {
    let related = relatedKeys(key)
    func option(_ k: String) -> String { "--" + k.replacingOccurrences(of: "_", with: "-") }
    if let given = givenOption(key, args) {
      return .usage("\(given): \(message)")
    }
    if let path = args.string("--config"),
      let name = fileKeyNames(path).first(where: { related.contains($0.replacingOccurrences(of: "-", with: "_")) })
    {
      return .configuration("\(path): \(name): \(message)")
    }
    if let base { return .runtime("\(base): configuration's \(key): \(message)") }
    // A key left at its default that an option given moved out of range
    // is that option's error (a walkthrough, session 63: `--program-voltage
    // 2` was told "--write-threshold: … got 0.75", an option not given).
    // (The key the message names: rule hybrid's threshold reads
    // write_voltage, not a program_voltage given beside it; review 63b.)
    let named = dependentKeys[key].map { causes in causes.filter { message.contains($0) } + causes.filter { !message.contains($0) } }
    if let causes = named, let cause = causes.first(where: { args.string(option($0)) != nil }) {
      return .usage("\(option(cause)) \(args.string(option(cause))!): \(key) (not given) \(message)")
    }
    // (Or the --config file's: it had been told "--write-threshold", an
    // option not given; review 63b.)
    if let causes = named, let path = args.string("--config"),
      let name = causes.lazy.compactMap({ cause in fileKeyNames(path).first { $0.replacingOccurrences(of: "-", with: "_") == cause } }).first
    {
      return .configuration("\(path): \(name): \(key) (not given) \(message)")
    }
    return .usage("\(option(key)): \(message)")
  }

  /// Keys whose checks read other keys: a default one failing is blamed on
  /// the option that moved the others (`keyError`).
  static let dependentKeys: [String: [String]] = [
    "write_threshold": ["program_voltage", "write_voltage", "read_voltage"]
  ]

  /// The keys whose value is a file read when the key is set: its error
  /// (cannot be read, not a device or a map) is a file's, exit 1.
  static let fileKeys: Set<String> = ["device_csv", "stuck_map"]

  /// For a `device_csv` or `stuck_map` in a --config file that names no file: where a
  /// relative path was looked for (the working directory, not the config
  /// file's), and the file of that name beside the config file if there
  /// is one (a walkthrough, session 63). Empty otherwise.
  static func relativeFileHint(_ key: String, _ message: String, configFile: String) -> String {
    let missing = ": no such file"
    guard fileKeys.contains(key), message.hasSuffix(missing) else { return "" }
    let given = String(message.dropLast(missing.count))
    guard !given.isEmpty, !given.hasPrefix("/") else { return "" }
    var hint = " (relative paths are read from the working directory, \(FileManager.default.currentDirectoryPath))"
    let directory = (configFile as NSString).deletingLastPathComponent
    let beside = (directory as NSString).appendingPathComponent(given)
    if !directory.isEmpty, FileManager.default.fileExists(atPath: beside) {
      hint += "; \(beside) exists: give that path"
    }
    return hint
  }

  /// The keys of a --config file as spelled there, in order (the file was
  /// read and checked before).
  private static func fileKeyNames(_ path: String) -> [String] {
    guard let root = configurationRoot(path), case .object(_, let names) = configurationObject(root) else { return [] }
    return names
  }

  /// A --config file parsed (nil if unreadable: it was checked before).
  private static func configurationRoot(_ path: String) -> JSONValue? {
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
    return try? JSONValue.parse(data)
  }

  /// A --config file that is another of xbarsim's outputs (a sweep's
  /// table, an inspection, a reproduce journal) is named as such (session
  /// 64: a sweep.json was told "format: unknown configuration key").
  /// (An inspection's record has a `configuration` object too: review
  /// 64b found it told "key 'format' is neither a configuration key …".)
  static func checkNotAnotherFile(_ root: JSONValue, _ path: String) throws {
    guard case .object(let dict, _) = root, case .string(let format)? = dict["format"],
      format != Checkpoint.format
    else { return }
    let what: String
    let instead: String
    switch format {
    case "xbarsim-sweep":
      (what, instead) = ("a sweep's table", "give a point's summary (point-P.json beside it) to train one point again")
    case "xbarsim-inspect", "xbarsim-inspect-hybrid":
      (what, instead) = ("an inspection's record", "give the run's summary or checkpoint")
    case RunJournal.format:
      (what, instead) = ("a reproduce journal", "give it to the same reproduce command's --journal")
    default: return
    }
    throw CLIError.configuration("\(path): \(what) (format \(format)), not a configuration: \(instead)")
  }

  /// A --config file's keys: the object itself, or, for a run's summary
  /// (`--summary`, `summary.json`), its `configuration` object, so that a
  /// summary re-runs the run it describes.
  static func configurationObject(_ root: JSONValue) -> JSONValue {
    if case .object(let dict, _) = root, let inner = dict["configuration"], case .object = inner { return inner }
    return root
  }

  /// The configuration keys the user gave, as options or in a --config
  /// file (`beta` as itself), for commands that set some keys themselves.
  /// A run's summary given as --config is a whole configuration, every key
  /// written, which such commands take as their base (as `inspect` takes
  /// a checkpoint's): its keys count only with `includingSummary` (to
  /// refuse one that no run would read).
  static func explicitKeys(_ args: ParsedArguments, includingSummary: Bool = false) -> Set<String> {
    var keys = Set<String>()
    for k in TrainingConfiguration.keys where args.string("--" + k.key.replacingOccurrences(of: "_", with: "-")) != nil {
      keys.insert(k.key)
    }
    if let path = args.string("--config"), let root = configurationRoot(path),
      case .object(_, let names) = configurationObject(root)
    {
      let isSummary = configurationObject(root) != root
      if includingSummary || !isSummary { keys.formUnion(names.map { $0.replacingOccurrences(of: "-", with: "_") }) }
    }
    return keys
  }

  static let betaChangesNothing =
    "sets β_p and β_d, and beta_p and beta_d are both given too, so it changes nothing: give beta, or beta_p and beta_d"

  /// Sets the configuration keys of a JSON object (a config file's, a
  /// checkpoint's); errors name `path` and the key. `fail` makes the error:
  /// `CLIError.configuration` for a `--config` file (exit 64, as the
  /// keys' options), `CLIError.runtime` for a checkpoint (a data file,
  /// exit 1). A device file that cannot be read or is invalid is a file's
  /// error (exit 1) either way, as with `--device-csv`.
  static func setKeys(
    from object: JSONValue, in path: String, into cfg: inout TrainingConfiguration,
    fail: (String) -> CLIError = CLIError.runtime, command: String = "train"
  ) throws {
    guard case .object(let dict, let keys) = object else {
      throw fail("\(path): expected a JSON object of configuration keys")
    }
    var seen = Set<String>()
    // `beta` first, wherever the file has it: it sets β_p and β_d, and a
    // `beta_p` or `beta_d` beside it refines one of them, as the options
    // do. JSON's key order must not change what a file means.
    let ordered = keys.filter { $0 == "beta" } + keys.filter { $0 != "beta" }
    // `beta` beside both refinements sets nothing, whatever its value (a
    // checkpoint edited to "beta": -3 had loaded without a word: an
    // exit-code audit, session 70; `run` says it for the options).
    let spelt = Set(keys.map { $0.replacingOccurrences(of: "-", with: "_") })
    if spelt.isSuperset(of: ["beta", "beta_p", "beta_d"]) {
      throw fail("\(path): beta: \(betaChangesNothing)")
    }
    for key in ordered {
      guard seen.insert(key.replacingOccurrences(of: "-", with: "_")).inserted else {
        throw fail("\(path): key '\(key)' is given twice")
      }
      let text: String
      switch dict[key]! {
      case .number(let x):
        guard x.isFinite else { throw fail("\(path): \(key): the number is out of range (beyond ±1.8e308)") }
        // A JSON number is a double: integers beyond 2^53 are not exact
        // (the value read may not be the one written: do not quote it).
        // (A key that reads reals takes such a value as the real it is:
        // `"sigma": 1e308` is sigma's range error, not this one.)
        var reals = cfg
        if JSONWriter.isInexactInteger(x), (try? reals.set(key, "\(x)")) == nil {
          // An integer key whose range ends far below 2^53 (n_max, dac_bits):
          // its range error, with the value as written, not the advice to
          // quote it (`"dac_bits": 1e30` had been told to write a string;
          // a walkthrough, session 45).
          let big = "9007199254740993"
          var probe = cfg
          if (try? probe.set(key, big)) != nil {
            do { try probe.validate() } catch let e as ConfigurationError
              where e.field == key.replacingOccurrences(of: "-", with: "_") && e.message.contains(big) {
              throw fail(
                "\(path): \(key): " + e.message.replacingOccurrences(of: big, with: JSONWriter.number(x)))
            } catch {}
          }
          throw fail(
            "\(path): \(key): integers from 2^53 (9007199254740992) on are not exact as JSON numbers; write them as JSON strings (\"\(key)\": \"…\"), as checkpoints do")
        }
        text = JSONWriter.isInexactInteger(x) ? "\(x)" : JSONWriter.number(x)
      case .string(let s):
        // An empty device file is the model device only in a sweep's grid
        // (`--grid device_csv=,mine.csv`); here, as `--device-csv ""`, a
        // path left blank (a walkthrough, session 58: it had trained the
        // model device without a word).
        if s.isEmpty && key.replacingOccurrences(of: "-", with: "_") == "device_csv" {
          throw fail("\(path): \(key): expects a path, got an empty string (leave the key out for the rule's model device)")
        }
        // So is an empty stuck map (session 77: it had run without one).
        if s.isEmpty && key.replacingOccurrences(of: "-", with: "_") == "stuck_map" {
          throw fail("\(path): \(key): expects a path, got an empty string (leave the key out for no map)")
        }
        // A file gone whose copy the base holds under the same path (a
        // checkpoint's, under --checkpoint-in or inspect --checkpoint):
        // the copy stands, as it does without --config (`--config
        // summary.json --checkpoint-in` had needed the map file, whose
        // records the checkpoint keeps; session 78).
        let spelt = key.replacingOccurrences(of: "-", with: "_")
        if (spelt == "stuck_map" && cfg.stuckMap?.path == s) || (spelt == "device_csv" && cfg.measuredDevice?.path == s),
          !FileManager.default.fileExists(atPath: s)
        {
          continue
        }
        text = s
      case .bool(let b): text = b ? "true" : "false"
      case .array(let a):
        // A list is a list key's form only (layers, drift_times): "epochs":
        // [3] is no number.
        guard TrainingConfiguration.listKeys.contains(key.replacingOccurrences(of: "-", with: "_")) else {
          throw fail("\(path): \(key): expects a single value, got a list")
        }
        var items: [String] = []
        for v in a {
          guard case .number(let x) = v, x.isFinite else {
            throw fail("\(path): \(key): expects a list of numbers, got an element \(v.brief)")
          }
          items.append(JSONWriter.number(x))
        }
        text = items.joined(separator: ",")
      default: throw fail("\(path): \(key): has an unsupported value \(dict[key]!.brief)")
      }
      do { try cfg.set(key, text) } catch let e as ConfigurationError {
        if Self.fileKeys.contains(e.field) { throw CLIError.runtime("\(path): \(e)\(relativeFileHint(e.field, e.message, configFile: path))") }
        // A misspelt key gets the nearest key's name, as an option does.
        let known = TrainingConfiguration.keys.map(\.key)
        let spelt = key.replacingOccurrences(of: "-", with: "_")
        // An option that is no configuration key (`"data"`, `"out"`): said
        // so, not the nearest key's name (an exit-code audit, session 70:
        // "did you mean 'beta'?" for "data").
        let option = "--" + key.replacingOccurrences(of: "_", with: "-")
        // (The options of the command reading the file: `{"rows": 2}` is
        // no option of train's; a review, session 70.)
        let options = Xbarsim.commands.first { $0.spec.name == command }?.spec.options ?? TrainCommand.spec.options
        if !known.contains(spelt), options.contains(where: { $0.name == option }) {
          throw fail("\(path): \(key): \(option) is an option of the command line, not a configuration key: give it there")
        }
        let hint = known.contains(spelt) ? nil : ArgumentParsing.nearest(spelt, among: known)
        throw fail("\(path): \(e)\(hint.map { " (did you mean '\($0)'?)" } ?? "")")
      }
    }
  }

  /// The keys whose value is true or false (`<true|false>` in the key
  /// table: shuffle, endurance, stuck_known), written as JSON booleans.
  static let booleanKeys = Set(TrainingConfiguration.keys.filter { $0.value == "<true|false>" }.map(\.key))

  /// Every configuration key as a JSON object: numbers as JSON numbers,
  /// written as given, except integers beyond 2^53 (a 64-bit seed), which
  /// a JSON reader would round: those are strings, so they stay exact.
  static func configurationJSON(_ cfg: TrainingConfiguration) -> String {
    var c = JSONWriter()
    for (k, v) in cfg.keyValues {
      if k != "layers", let x = Double(v), x.isFinite, !JSONWriter.isInexactInteger(x) {
        c.addRaw(k, v)
      } else if booleanKeys.contains(k) {
        // A JSON boolean, as sweep.json's rows have it ("false" as a string
        // is true to a script's `if`: a walkthrough, session 33).
        c.addRaw(k, v)
      } else {
        c.add(k, v)
      }
    }
    return c.finished().trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// Loads the training and test sets, each file refused up front when its
  /// header claims more than the memory available (a huge set trapped in a
  /// failed allocation), with a note when the training images are dim.
  static func datasets(_ args: ParsedArguments) throws -> (train: IDXDataset, test: IDXDataset) {
    let dir = args.string("--data").map { URL(fileURLWithPath: $0, isDirectory: true) } ?? IDXDataset.defaultDirectory
    let memory: (Int) -> String? = { MemoryLimit.shortfall(onTopOfCurrentUse: Double($0)) }
    let sets: (train: IDXDataset, test: IDXDataset)
    do {
      sets = (
        try IDXDataset.load(directory: dir, split: .train, memoryShortfall: memory),
        try IDXDataset.load(directory: dir, split: .test, memoryShortfall: memory)
      )
    } catch {
      throw CLIError.runtime("\(error)")
    }
    if let note = dimPixelsNote(sets.train) {
      var err = StandardError()
      print(note, to: &err)
    }
    return sets
  }

  static func run(_ given: ParsedArguments) throws {
    // `--epochs rest` (with --checkpoint-in): the epochs that end where the
    // checkpoint's run would have, counted once the data are loaded; the
    // configuration is read without it.
    var args = given
    // (Spaces around it are no part of it, as around a number.)
    let epochsRest = args.number("--epochs") == "rest"
    if let e = args.number("--epochs"), !epochsRest, e.lowercased() == "rest" {
      throw CLIError.usage("--epochs: expects an integer or rest (lower case), got '\(e)'")
    }
    if epochsRest {
      guard args.string("--checkpoint-in") != nil else {
        throw CLIError.usage("--epochs rest needs --checkpoint-in FILE (it trains the rest of the run that saved FILE)")
      }
      args.values["--epochs"] = nil
    }
    // --checkpoint-in: the checkpoint's configuration is the base, as for
    // `inspect --checkpoint`.
    let checkpointIn = args.string("--checkpoint-in")
    let saved = try checkpointIn.map { try Checkpoint.read($0) }
    var cfg = try configuration(args, base: saved?.configuration ?? TrainingConfiguration(), baseName: checkpointIn)
    if let checkpointIn, let saved {
      try checkStart(args, cfg, checkpointIn, saved)
      try checkCheckpoint(args, cfg, checkpointIn, saved)
    }
    // A checkpoint with per-device counts goes on counting: one step
    // without --endurance true had dropped the devices' wear for good (a
    // walkthrough, session 51). Given false, they end here, said.
    // (Said once the checkpoint's devices are loaded: a checkpoint then
    // refused, of another rule, had been noted as counted on first.)
    var checkpointNotes: [String] = []
    if let checkpointIn, let saved, saved.endurance != nil, !cfg.endurance,
      cfg.rule != .float, !(cfg.rule == .lim && cfg.mode == .offChip)
    {
      if explicitKeys(args).contains("endurance") {
        checkpointNotes.append("note: \(checkpointIn) holds per-device counts; with endurance false this run keeps none, nor does its checkpoint")
      } else {
        cfg.endurance = true
        checkpointNotes.append("note: \(checkpointIn) holds per-device counts: this run goes on counting (endurance true; --endurance false drops them)")
      }
    }
    if let checkpointIn, let saved, cfg.endurance, saved.endurance == nil, saved.configuration.mode == .offChip {
      // An off-chip run's checkpoint: its devices were programmed to their
      // states, never pulsed (and off-chip learning starts from no
      // checkpoint), so they count from 0 (refused until session 52, by
      // a reviewer: on-chip fine tuning after a transfer could not count).
      checkpointNotes.append("note: \(checkpointIn) is an off-chip run's: its devices were programmed to their states, not pulsed; their counts start at 0 here")
    } else if let checkpointIn, let saved, cfg.endurance, saved.endurance == nil {
      // The counts go on from the checkpoint's: one saved without them
      // leaves its devices' wear before it unknown.
      throw keyError(
        "endurance", "\(checkpointIn) holds no per-device counts (its run had no endurance true), so its devices' pulses before it are unknown; go on without endurance, or count from fresh devices",
        args)
    }
    // Another build's checkpoint: its run goes on with this build's code,
    // whose numbers may differ in their last digits (an upgrade
    // walkthrough, session 71). Checkpoints from before session 71 name no
    // build and get no note.
    if let checkpointIn, let build = saved?.build, build != Xbarsim.build {
      checkpointNotes.append("note: \(checkpointIn) was written by xbarsim \(build); this is \(Xbarsim.build), with whose code the run goes on")
    }
    let checkpoint = args.string("--checkpoint-out")
    // A checkpoint keeps the update keys for `inspect` (the method decides
    // what it holds), even when off-chip transfer of weights never reads them.
    // (Off-chip, the programming and timing keys too: inspect reads them
    // from the checkpoint when it trains the programmed array on chip.)
    // Rule lim's only: a hybrid's checkpoint is trained on by its own rule,
    // which reads the thresholds only with encoding sign (they had passed
    // unread beside --checkpoint-out: a walkthrough, session 40).
    let savedByCheckpoint = keptByCheckpoint(cfg, args)
    // (From a checkpoint, the keys given here: its own are its run's.)
    let givenHere = checkpointIn != nil ? explicitKeys(args, includingSummary: true) : nil
    func givenHereOrAnywhere(_ key: String) -> Bool {
      guard let givenHere else { return true }
      return givenHere.contains(key) || (key.hasPrefix("beta_") && givenHere.contains("beta"))
    }
    if let (key, usedBy) = cfg.ignoredKeys.first(where: { !savedByCheckpoint.contains($0.key) && givenHereOrAnywhere($0.key) }) {
      // `--beta B --beta-p P`: β_d is B, not P, and not given as such.
      // (Options or a --config file alike.)
      let given = explicitKeys(args)
      if key == "beta_d" && given.contains("beta") && given.contains("beta_p") && !given.contains("beta_d") {
        let b = args.string("--beta") != nil ? "--beta" : "beta", p = args.string("--beta-p") != nil ? "--beta-p" : "beta_p"
        let message =
          "sets β_d to \(JSONWriter.number(cfg.betaD)) beside \(p) \(JSONWriter.number(cfg.betaP)), and only method c uses a β_d of its own (methods a and b never depress a device): give \(b) or \(p), not both"
        if b == "--beta" { throw CLIError.usage("--beta: \(message)") }
        throw CLIError.configuration("\(args.string("--config") ?? "--config"): beta: \(message)")
      }
      throw keyError(key, unreadKeyMessage(key, usedBy, cfg, args), args)
    }
    if checkpointIn != nil { droppingUnreadCheckpointKeys(&cfg, args, keep: savedByCheckpoint) }
    var log = args.string("--log"), plot = args.string("--plot"), summary = args.string("--summary")
    var epochLog = args.string("--epoch-log")
    if let out = args.string("--out") {
      if out == "-" { throw CLIError.usage("--out -: DIR is a directory of files; give --summary - (or --log -) for standard output") }
      // The directory itself naming the --config file (a usage error, not
      // a failed mkdir).
      try refuseOverwriting(inputFiles(args, cfg), by: [("--out", out)])
      try OutputFile.makeDirectory(out)
      // One run a directory: two runs given the same --out both exited 0,
      // their log rows interleaved (a walkthrough, session 33).
      try OutputFile.lockDirectory(out, by: "run")
      log = log ?? out + "/log.csv"
      plot = plot ?? out + "/accuracy.svg"
      summary = summary ?? out + "/summary.json"
      epochLog = epochLog ?? out + "/epochs.csv"
    }
    // An output sent into another run's --out directory (which that run
    // holds locked): its files there would be this run's, mixed with its
    // own (a walkthrough, session 44).
    for (option, path) in [("--log", log), ("--summary", summary), ("--plot", plot), ("--epoch-log", epochLog), ("--checkpoint-out", checkpoint)] {
      guard let path, OutputFile.streamDescriptor(path) == nil else { continue }
      // (`parts`, not NSString's deletingLastPathComponent, which traps
      // on a one-character path.)
      if OutputFile.directoryInUse(OutputFile.parts(OutputFile.resolved(path)).directory) {
        throw CLIError.runtime("\(option) \(path): its directory is the --out of another xbarsim run (it holds the directory's lock); wait for that one to end, or write elsewhere")
      }
    }
    if checkpoint != nil && cfg.rule == .float {
      throw CLIError.usage("--checkpoint-out needs rule lim, hybrid or single (a checkpoint holds the arrays' device states; rule float has no arrays)")
    }
    // Periodic checkpoints: what a run can go on from (`--checkpoint-in`).
    let checkpointEvery = try args.double("--checkpoint-every")
    if let every = checkpointEvery {
      guard every > 0 else { throw CLIError.usage("--checkpoint-every expects minutes > 0, got '\(args.string("--checkpoint-every")!)'") }
      guard let checkpoint else {
        throw CLIError.usage("--checkpoint-every needs --checkpoint-out FILE (the file it saves to)")
      }
      if OutputFile.streamDescriptor(checkpoint) != nil {
        throw CLIError.usage("--checkpoint-every: --checkpoint-out \(checkpoint) is a stream; give a file, which each save replaces")
      }
      // A FIFO or a device is written in place: a FIFO whose reader had
      // gone hung the run at its next save, beyond SIGTERM (a walkthrough,
      // session 45).
      var st = stat()
      if stat(checkpoint, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
        throw CLIError.usage("--checkpoint-every: --checkpoint-out \(checkpoint) is not a regular file (a FIFO or a device); give a file, which each save replaces")
      }
      if cfg.rule == .lim && cfg.mode == .offChip {
        throw CLIError.usage("--checkpoint-every: off-chip learning trains in software, and a run cannot go on from its checkpoint (the programmed arrays); its checkpoint is saved at the end")
      }
    }
    // Two outputs in one file: the one written last would silently replace
    // the other (the summary the log's rows). A device (/dev/null) may be shared.
    let outputs = [
      ("--log", log), ("--epoch-log", epochLog), ("--plot", plot), ("--summary", summary), ("--checkpoint-out", checkpoint),
    ].map { option, path in (args.string(option) != nil ? option : "--out", path) }
    var writers: [String: String] = [:]
    for case let (label, path?) in outputs {
      // (A stream the process holds is one output, whatever it leads to:
      // `--summary - --log /dev/stdout` would mix the two.)
      let type = (try? FileManager.default.attributesOfItem(atPath: OutputFile.target(path)))?[.type] as? FileAttributeType
      if let type, type != .typeRegular, OutputFile.streamDescriptor(path) == nil { continue }
      let file = OutputFile.identity(path)
      if let other = writers[file] { throw CLIError.usage("\(other) and \(label) write the same file \(path)") }
      writers[file] = label
    }
    try refuseOverwriting(inputFiles(args, cfg), by: outputs)
    // (The checkpoint a run starts from may be the one it writes at its
    // end: it was read whole at the start.)
    try refuseOverwriting([("--checkpoint-in", checkpointIn)], by: outputs.filter { $0.0 != "--checkpoint-out" })
    // Checked before training, so that a long run is not lost to a typo.
    if let checkpoint { try OutputFile.check(checkpoint, "the checkpoint") }
    // Periodic saves are for long runs, where two runs given one file
    // (an array job without its task id in the name) would replace each
    // other's saves, and a run going on would take another's devices (a
    // walkthrough, session 45): the file's lock, beside it (`.NAME.lock`).
    // A checkpoint another run is writing (its lock held; since session 67
    // without periodic saves too), given to go on from or to write, is
    // refused: that run's next save would replace it (a review, session 45).
    for (option, path) in [("--checkpoint-in", checkpointIn), ("--checkpoint-out", checkpoint)] {
      guard let path, OutputFile.streamDescriptor(path) == nil, OutputFile.fileInUse(OutputFile.lockFilePath(of: path)) else { continue }
      throw CLIError.runtime(
        "\(path): a running xbarsim train saves its checkpoint there (it holds \(OutputFile.lockFilePath(of: path))); wait for that one to end, or give another \(option)")
    }
    // A checkpoint saved only at the end too, and a summary or plot given a
    // file of its own (in an --out directory, that directory's lock holds
    // them): two runs given one had both exited 0, the last one's file
    // kept, the other's lost (a walkthrough, session 67: an array job's
    // runs sharing one --summary). A device (/dev/null) or a stream takes
    // no lock.
    try lockOutputs(
      [("--checkpoint-out", checkpoint), ("--summary", args.string("--summary")), ("--plot", args.string("--plot"))],
      among: outputs, by: "train")
    // A save a kill cut short left its temporary file beside the
    // checkpoint a run now goes on from: removed (a save to that file
    // removes them too).
    if let checkpointIn { OutputFile.removeStaleTemporaries(ofFile: checkpointIn) }
    if let summary { try OutputFile.check(summary, "the summary") }
    if let plot { try OutputFile.check(plot, "the plot") }
    // The logs too (opened when training starts, after the notes below: a
    // bad --log put "Error:" on standard error's second line).
    if let log { try OutputFile.check(log, "the log") }
    if let epochLog { try OutputFile.check(epochLog, "the log") }
    let (train, test) = try datasets(args)
    // (Before the limits, which count final_iterations against the epochs.)
    if epochsRest, let checkpointIn, let saved {
      cfg.epochs = try restOfRun(saved, checkpointIn, cfg, dataCount: train.count, trainChecksum: train.checksum).epochs
      // The saved run's last `final_iterations` updates may reach back
      // before this run's start: those of them this run has (a review,
      // session 45: the rest could not go on at all).
      let used = cfg.trainLimit > 0 && cfg.trainLimit < train.count ? cfg.trainLimit : train.count
      let updates = cfg.batchesPerEpoch(trainingImages: used).multipliedReportingOverflow(by: cfg.epochs)
      if !updates.overflow && cfg.finalIterations > updates.partialValue {
        var err = StandardError()
        print(
          "note: final_iterations \(cfg.finalIterations) reach back before this run's start (--epochs rest: \(updates.partialValue) updates of its \(cfg.epochs) epoch\(cfg.epochs == 1 ? "" : "s")); its average is over those \(updates.partialValue)",
          to: &err)
        cfg.finalIterations = updates.partialValue
      }
    }
    try checkLimits(&cfg, train: train, test: test, args, base: checkpointIn)
    // The --config file read once for the notes below.
    let configRoot = args.string("--config").flatMap { configurationRoot($0) }
    // A run's summary given as --config re-runs that run: on its data, or
    // with a note (another data directory gave other numbers without a
    // word: a walkthrough, session 33).
    if let path = args.string("--config"), let then = configRoot?["data"], case .object = then,
      let now = try? JSONValue.parse(Data(dataJSON(train: train, test: test).utf8)), then != now
    {
      var err = StandardError()
      print(
        "note: \(path) is a run on other data (its data object's sizes or checksums differ from those of --data \(args.string("--data") ?? IDXDataset.defaultDirectory.path)): the same configuration, other data",
        to: &err)
    }
    // Another build's summary (from session 71, when summaries began to
    // name their build): the same configuration, which this build's code
    // may take to other last digits.
    if let path = args.string("--config"), case .string(let build)? = configRoot?["xbarsim"],
      build != Xbarsim.build
    {
      var err = StandardError()
      print("note: \(path) was written by xbarsim \(build); this is \(Xbarsim.build): the same configuration, another build", to: &err)
    }
    // Its measured device and its stuck map, likewise: the same file,
    // edited since (the summary's `device` and `stuck_map_file`).
    if let path = args.string("--config") {
      let files: [(key: String, now: (path: String, checksum: UInt64)?, what: String, other: String)] = [
        ("device", cfg.measuredDevice.map { ($0.path, $0.checksum) }, "device curve", "another device"),
        ("stuck_map_file", cfg.stuckMap.map { ($0.path, $0.checksum) }, "stuck map", "other stuck devices"),
      ]
      for f in files {
        guard case .object(let then, _)? = configRoot?[f.key], case .string(let file)? = then["path"],
          case .string(let sum)? = then["checksum"], let now = f.now, now.path == file, String(now.checksum, radix: 16) != sum
        else { continue }
        var err = StandardError()
        print(
          "note: \(path) is a run on another \(f.what): \(file) has changed since (its checksum was \(sum), now \(String(now.checksum, radix: 16))): the same configuration, \(f.other)",
          to: &err)
      }
    }
    // A summary of a run that started from a checkpoint: its configuration
    // alone starts from fresh devices (a walkthrough, session 40).
    if let path = args.string("--config"), checkpointIn == nil,
      case .object(let start, _)? = configRoot?["checkpoint_in"], case .string(let from)? = start["path"]
    {
      var err = StandardError()
      print(
        "note: \(path) is the summary of a run that started from the devices of \(from); this run starts from fresh devices (give --checkpoint-in \(from) to start from those)",
        to: &err)
    }
    // A checkpoint as --config: its configuration only, on fresh devices
    // (an upgrade walkthrough, session 71: said for a summary, not for this).
    if let path = args.string("--config"), checkpointIn == nil, configRoot?["format"] == .string(Checkpoint.format) {
      var err = StandardError()
      print(
        "note: \(path) is a checkpoint: --config takes its configuration, and this run starts from fresh devices (give --checkpoint-in \(path) to start from its devices)",
        to: &err)
    }
    let experiment: Experiment
    do { experiment = try Experiment(configuration: cfg, train: train, test: test) } catch let e as ConfigurationError {
      throw CLIError.runtime("\(e)")
    }
    // The rest of the saved run (the epochs that end where it would have,
    // with its settings; `--epochs rest` or the number): nil for another.
    let rest = saved.flatMap { saved in
      checkpointIn.flatMap { try? restOfRun(saved, $0, cfg, dataCount: train.count, trainChecksum: train.checksum) }
    }
    if let checkpointIn, let saved {
      experiment.startingNetwork = try startingNetwork(saved, from: checkpointIn, cfg)
      experiment.startingShuffles = saved.place.shuffles
      experiment.startingImages = saved.devicesTrainImages
      var err = StandardError()
      for note in checkpointNotes { print(note, to: &err) }
      print(
        "note: starting from the devices of \(checkpointIn) (\(saved.trainImages) training images\(saved.place.priorImages > 0 ? ", \(saved.devicesTrainImages) in all with the runs before it" : "")\(saved.hybrid.map { ", phase \($0.phase.rawValue)" } ?? "")); this run counts its own images, pulses and energy",
        to: &err)
      // A checkpoint written inside an epoch (Ctrl-C): the run trains the
      // rest of it first, in its order (unless its order or epochs differ).
      let (into, note) = place(
        of: saved, checkpointIn, cfg, epoch: experiment.trainImagesPerEpoch, dataCount: train.count, trainChecksum: train.checksum)
      if into > 0 {
        experiment.startingIndex = into
        experiment.startingSwitchReference = saved.place.switchReference
      }
      if let note { print("note: \(note)", to: &err) }
      // Settings changed from the saved run's: said (a run going on with
      // --epochs rest is refused them above).
      // (Off-chip learning's arrays are gone on with on chip by design.)
      let differing = otherSettings(saved.configuration, cfg).filter { !(saved.configuration.mode == .offChip && $0.key == "learning") }
      if !differing.isEmpty && !epochsRest {
        print("note: the run that saved \(checkpointIn) had other settings (\(settingsText(differing))): this run goes on from its devices with its own", to: &err)
      }
      // (Saved at an epoch's end: the same said without the epoch. A run
      // on other data is a new study, fine-tuning say, but no longer the
      // saved run's.)
      if saved.place.epochImages == 0, let other = otherTrainingData(saved, train.checksum) {
        print("note: the run that saved \(checkpointIn) trained on other training data (\(other))", to: &err)
      }
      // The epochs that end where the saved run would have (after a
      // periodic save or an interrupt): the rest of its stopped epoch
      // counts as the first. Only when its epochs fit this run's.
      if let (k, left) = rest {
        let which = cfg.epochs == k ? "this run's --epochs \(k) ends where it would have" : "--epochs \(k) (or --epochs rest) ends where it would have (this run trains \(cfg.epochs))"
        // (Stopped at its last epoch's end, before that epoch's record: an
        // interrupt fuzz, session 66, read "had 0 training images left".)
        let had = left == 0
          ? "stopped at the end of its last epoch, before that epoch's record (no training image left)"
          : "had \(left) training images left of its \(saved.configuration.epochs) epoch\(saved.configuration.epochs == 1 ? "" : "s")"
        print("note: the run that saved \(checkpointIn) \(had): \(which)", to: &err)
      }
      // A checkpoint from before the streams were saved (or edited): the
      // run goes on from its devices, not to the bit.
      let missing =
        (saved.hybrid.map { h in (saved.encoderStreams == nil ? ["encoder_streams"] : []) + (h.layers.contains { $0.streams == nil } ? ["noise_streams"] : []) } ?? [])
        + (saved.hybrid == nil && saved.configuration.sigmaC2C > 0 && cfg.sigmaC2C > 0 && saved.states.contains { $0.noise == nil } ? ["noise_stream"] : [])
      if !missing.isEmpty {
        print(
          "note: \(checkpointIn) holds no \(missing.joined(separator: " or ")): those random draws start afresh from the seed, so this run goes on from the devices but not as the saved run would have",
          to: &err)
      }
      // Older checkpoints lack what later ones carry (an upgrade
      // walkthrough, session 71: both went on without a word). Without
      // `train_checksum` (before session 66) other data of the same size
      // are not told apart; without `run` (before session 68) a part
      // reports itself alone.
      let goesOn = into > 0 || rest?.epochs == cfg.epochs
      if goesOn && saved.place.trainChecksum == nil {
        print(
          "note: \(checkpointIn) does not say which training data it trained on (no train_checksum: saved before session 66); this run takes these data for the same",
          to: &err)
      }
      if rest?.epochs == cfg.epochs && saved.place.run == nil && cfg.rule != .float && !(cfg.rule == .lim && cfg.mode == .offChip) {
        print(
          "note: \(checkpointIn) holds no record of the run before it (no run: saved before session 68); this part's figures are its own, not the whole run's",
          to: &err)
      }
    }
    // The run this part belongs to (`RunRecord`), as its parts before this
    // one left it: the rest of the saved run carries the checkpoint's on
    // (nil when that has none: the run began before session 68, or its
    // record was lost); any other run begins its own here. (Float SGD and
    // off-chip learning save no run to go on with.)
    let partStart = saved?.devicesTrainImages ?? 0
    let runBefore: RunRecord? =
      cfg.rule == .float || (cfg.rule == .lim && cfg.mode == .offChip) ? nil
      : rest?.epochs == cfg.epochs ? saved?.place.run
      : RunRecord(
        start: partStart, parts: 0, windowStart: experiment.finalWindowStart.map { partStart + $0 },
        windowUpdates: cfg.finalIterations > 0 ? cfg.finalIterations : nil)
    // This part goes on with parts before it (their record known).
    let goesOnWithRecord = (runBefore?.parts ?? 0) > 0
    // A part before stopped inside the evaluation of a point where this
    // one starts (its last point lies before): this part takes it.
    if goesOnWithRecord, let before = runBefore, (before.points.last?.images ?? before.start) < partStart {
      experiment.takesStartPoint = true
    }
    // This part's evaluation points so far (`runWithOutputs`' `taken`).
    var partPoints: [EvaluationPoint] = []
    /// The whole run, this part's counts and points so far added.
    func wholeRun(_ counts: (pulses: Int, repotentiations: Int, resets: Int), ledger: EnergyLedger?) -> RunRecord? {
      runBefore?.continued(
        partStart: partStart, points: partPoints, pulses: counts.pulses, repotentiations: counts.repotentiations, resets: counts.resets,
        secondsTrain: experiment.secondsTrained, ledger: ledger, epochs: experiment.epochsRecorded,
        switchEpoch: experiment.switchedAfterEpoch)
    }
    // Printed with --quiet too: it is about the data, not the progress
    // (a batch job's log is where it is read).
    for note in deviceNotes(cfg, name: "--device-csv \(args.string("--device-csv") ?? cfg.measuredDevice?.path ?? "")") {
      var err = StandardError()
      print(note, to: &err)
    }
    // The configuration's own notes (each sweep point's too).
    for note in configurationNotes(cfg, fromCheckpoint: saved != nil) {
      var err = StandardError()
      print(note, to: &err)
    }
    // Worked once: the notes now, the summary's line_settling at the end.
    let settling = lineSettling(cfg)
    for note in settling?.notes ?? [] {
      var err = StandardError()
      print(note, to: &err)
    }
    // --out DIR holds one run's files: the log and epochs are begun anew
    // below, so an earlier run's summary and plot go now, not when this
    // run ends. A run killed before its end (kill -9, a crash) left them
    // beside its own partial log, two runs mixed (an audit, session 28).
    // Every file of the directory's own names goes when its output is
    // sent elsewhere (`--out D --log other.csv` had left D/log.csv of the
    // earlier run beside this run's summary; a walkthrough, session 44),
    // unless it is one of this run's inputs (`--config D/summary.json`).
    // A log another run writes (it holds the log's lock), there or where
    // this run's logs go, refuses the run before anything is removed (a
    // review, session 44: the cleanup had deleted a live log of another
    // run, and a run refused later had removed files first).
    if let out = args.string("--out") {
      let logs = [
        ("--log", args.string("--log")), ("--epoch-log", args.string("--epoch-log")), ("--out", out + "/log.csv"),
        ("--out", out + "/epochs.csv"),
      ]
      for (option, path) in logs { if let path, OutputFile.fileInUse(path) {
        throw CLIError.runtime("\(path): in use by another xbarsim run (it holds the file's lock); wait for that one to end, or give another \(option)")
      } }
      let inputs = inputFiles(args, cfg).compactMap(\.1) + [checkpointIn].compactMap { $0 }
      for (option, name) in [("--summary", "summary.json"), ("--plot", "accuracy.svg"), ("--log", "log.csv"), ("--epoch-log", "epochs.csv")] {
        let own = out + "/" + name
        let redirected = args.string(option).map { !OutputFile.sameFile($0, own) } ?? false
        guard redirected || option == "--summary" || option == "--plot", !inputs.contains(where: { OutputFile.sameFile($0, own) })
        else { continue }
        OutputFile.removeEarlier([own])
      }
    }
    // The same for a summary or plot sent to a file of its own: a run
    // killed (kill -9) had left the earlier run's there, beside this run's
    // partial log (an ML researcher's walkthrough, session 48). Inputs
    // were refused as outputs above.
    OutputFile.removeEarlier(["--summary", "--plot"].compactMap { args.string($0) })
    var checkpointError: (any Error)? = nil
    // Caught until the summary, plot and checkpoint are written: a second
    // Ctrl-C (or a SIGTERM) while they were written killed the run with
    // none of them (a walkthrough, session 33).
    catchInterrupts()
    defer { restoreInterrupts() }
    func writeCheckpoint(_ net: TrainedNetwork, _ images: Int, to checkpoint: String) throws {
      // This run ends (in the devices' images) where its epochs end: from
      // its start, less the images of the epoch it went on inside.
      // (Not written beyond what a checkpoint may hold, 1e15, nor for
      // off-chip learning, which no run goes on with.)
      let prior = saved?.devicesTrainImages ?? 0
      let end = Double(prior - experiment.startingIndex) + Double(cfg.epochs) * Double(experiment.trainImagesPerEpoch)
      var place = Checkpoint.Place(
        shuffles: experiment.shuffles, epochImages: experiment.epochImages, switchReference: experiment.switchReference,
        priorImages: prior, runEndImages: end < 1e15 && !(cfg.rule == .lim && cfg.mode == .offChip) ? Int(end) : nil,
        trainChecksum: train.checksum)
      place.run = wholeRun(net.counts, ledger: net.ledger)
      switch net {
      case .lim(let lim): try Checkpoint.write(lim, trainImages: images, place: place, to: checkpoint)
      case .hybrid(let hybrid): try Checkpoint.write(hybrid, trainImages: images, place: place, to: checkpoint)
      }
    }
    // Periodic saves: due every `checkpointEvery` minutes of wall clock
    // (from the start, then from each save). A failed one is said once and
    // the run goes on; the save at the end reports its own failure.
    var lastSave = DispatchTime.now().uptimeNanoseconds
    var failing = false
    // The periodic saves made and their wall clock, said at the end: in
    // neither seconds_train nor seconds_evaluate (a soak walkthrough,
    // session 71: 35 saves took 0.8 s that no output named).
    var saves = 0
    var saveNanoseconds: UInt64 = 0
    // The last periodic save that reached the file: its images, and the
    // file it made (device and inode: a file put there since is not it).
    var lastGood: (images: Int, device: dev_t, inode: ino_t)? = nil
    // The file there before the run (a regular one), which a failed save
    // leaves in place.
    var before = stat()
    let earlier = checkpoint.flatMap { stat($0, &before) == 0 && (before.st_mode & S_IFMT) == S_IFREG ? (before.st_dev, before.st_ino) : nil }
    let (result, logFailure) = try runWithOutputs(
      experiment, label: describe(cfg), log: log, epochLog: epochLog, quiet: args.has("--quiet"),
      taken: { partPoints.append($0) },
      save: { net, images in
        guard let checkpoint else { return }
        var err = StandardError()
        let start = DispatchTime.now().uptimeNanoseconds
        defer { saveNanoseconds &+= DispatchTime.now().uptimeNanoseconds &- start }
        do {
          try writeCheckpoint(net, images, to: checkpoint)
          saves += 1
          var st = stat()
          lastGood = stat(checkpoint, &st) == 0 ? (images, st.st_dev, st.st_ino) : nil
          // Said when the saves work again (a full disk freed).
          if failing { print("note: periodic checkpoint saved again after \(images) training images", to: &err) }
          failing = false
        } catch {
          // Said once for each spell of failures.
          if !failing {
            print("warning: periodic checkpoint not saved after \(images) training images: \(error); training goes on", to: &err)
          }
          failing = true
        }
        lastSave = DispatchTime.now().uptimeNanoseconds
      },
      saveDue: {
        guard let every = checkpointEvery else { return false }
        return Double(DispatchTime.now().uptimeNanoseconds &- lastSave) >= every * 60e9
      },
      finished: { net, images in
        guard let checkpoint else { return }
        do { try writeCheckpoint(net, images, to: checkpoint) } catch {
          // What the file still holds: the last periodic save, which a run
          // can go on from.
          var st = stat()
          if let kept = lastGood, stat(checkpoint, &st) == 0, st.st_dev == kept.device, st.st_ino == kept.inode {
            checkpointError = CLIError.runtime(
              "\(error); \(checkpoint) holds the periodic save after \(kept.images) training images: go on from it with --checkpoint-in \(checkpoint) --epochs rest")
          } else if let (device, inode) = earlier, stat(checkpoint, &st) == 0, st.st_dev == device, st.st_ino == inode {
            // (A walkthrough, session 67: a requeued job would have gone on
            // from another run's file without a word.)
            checkpointError = CLIError.runtime(
              "\(error); \(checkpoint) still holds the file that was there before this run\(checkpointIn.map { OutputFile.sameFile($0, checkpoint) ? " (the devices it started from)" : "" } ?? ""), not this run's devices")
          } else {
            checkpointError = error
          }
        }
      })
    // Every output is attempted, and the results printed, before the
    // first failure is reported: one lost file does not lose the others.
    var outputError: (any Error)? = nil
    // A part that went on with the rest of a run: that whole run, as one
    // uninterrupted run would report it (its points and counts, all parts').
    let whole = goesOnWithRecord
      ? wholeRun((result.pulses, result.repotentiationPulses, result.resets), ledger: result.ledger).map {
        WholeRun(record: $0, trainImages: partStart + result.trainImages - $0.start, testImages: experiment.testImages)
      } : nil
    if let summary {
      let json = summaryJSON(
        result, cfg, data: dataJSON(train: train, test: test), dataFiles: dataFilesJSON(train: train, test: test), checkpointIn: checkpointIn.map { ($0, saved!.trainImages, saved!.devicesTrainImages) },
        settling: .some(settling), run: whole)
      do { try OutputFile.write(json, to: summary) } catch { outputError = error }
    }
    if let plot {
      let context = plotContext(
        data: train, continuing: checkpointIn.map { ($0, saved!.devicesTrainImages) })
      do { try writePlot(result, cfg, context: context, to: plot) } catch { outputError = outputError ?? error }
    }
    // The result lines go to standard error when a file goes to standard
    // output (`--summary - | jq .`: they had followed the JSON there).
    let outputsOnStdout = [summary, log, epochLog, plot, checkpoint].contains { $0.flatMap(OutputFile.streamDescriptor) == 1 }
    func say(_ line: String) {
      if outputsOnStdout {
        var err = StandardError()
        print(line, to: &err)
      } else {
        print(line)
      }
    }
    // A run stopped before its first evaluation point has no accuracy to
    // report (not 0 %).
    let accuracyText = result.points.isEmpty
      ? "test accuracy not evaluated (stopped before its first evaluation point was taken)"
      : String(
        format: "test accuracy %.2f %% (%@: mean %.2f, min %.2f, max %.2f)",
        result.testAccuracy, averageWindow(cfg) as NSString, result.accuracyMeanLast, result.accuracyMinLast,
        result.accuracyMaxLast)
    // The evaluations' time too, which images/s leaves out (a walkthrough,
    // session 66: 3.85 s of training in a 26 s run of 784-1000-10, the
    // other 22 s in the test and training-set evaluations, said nowhere
    // but the summary).
    say(String(
      format: "%@: %@; %ld images in %.2f s train (%.0f images/s), %ld pulses, %ld resets; evaluations %.2f s",
      describe(cfg) as NSString, accuracyText as NSString, result.trainImages, result.secondsTrain,
      result.imagesPerSecond, result.pulses, result.resets, result.secondsEvaluate))
    if let whole { say(whole.line) }
    for line in driftLines(result.drift, cfg, refresh: result.refresh) { say(line) }
    if let checkpoint, checkpointEvery != nil {
      say(String(
        format: "periodic checkpoints: %ld saved to %@%@ in %.2f s, counted in neither training nor evaluations",
        saves, checkpoint as NSString, (lastGood.map { " (the last after \($0.images) training images)" } ?? "") as NSString,
        Double(saveNanoseconds) / 1e9))
    }
    if wasStoppedAndContinued {
      var err = StandardError()
      print(
        "note: the run was stopped and continued (SIGCONT): its seconds (seconds_train, images_per_second, seconds_evaluate) count the time it was stopped",
        to: &err)
    }
    if let e = result.endurance {
      var err = StandardError()
      print(e.summaryLine, to: &err)
    }
    // The run's notes (each sweep point's too).
    for note in resultNotes(result, cfg, fromCheckpoint: saved, test: test) {
      var err = StandardError()
      print(note, to: &err)
    }
    if let e = result.ledger, result.trainImages > 0 {
      let n = Double(result.trainImages)
      // Rules hybrid and single book the half-selected cells; Lim's rule
      // with half_select book (inspect gives them per sample).
      let half = e.halfSelect.map { String(format: "half-selected cells %.3g, ", $0 / n) } ?? ""
      let note = e.halfSelect == nil ? "; half-selected cells not booked: --half-select book books them, xbarsim inspect gives them per sample" : ""
      let lines = e.lines == nil ? "" : String(format: ", lines: reads %.3g, update %.3g", (e.readLines ?? 0) / n, (e.updateLines ?? 0) / n)
      say(String(
        format: "per training image: energy %.3g J (read %.3g, program %.3g, reset %.3g, %@ADC %.3g, DAC %.3g%@%@), latency %.3g s (reads %.3g, update %.3g)",
        e.energy / n, e.read / n, e.program / n, e.reset / n, half as NSString, e.adc / n, e.dac / n, lines as NSString,
        note as NSString, e.latency / n, e.readTime / n, e.updateTime / n))
    }
    if let w = result.writeLines, w.rulePulses > 0, w.parallel {
      // Rules hybrid and single: their parallel slots' coincidences.
      let share = Double(w.pulsesBelowThreshold) / Double(w.rulePulses) * 100
      let unsolved = w.unconvergedSlots > 0 ? "; \(w.unconvergedSlots) slots did not reach the solver's tolerance" : ""
      say(String(
        format: "update through the lines: %d of %d coincidences (%.1f %%) below write_threshold %@ V, their devices unchanged; %d saturation sequences incomplete (a reset or re-potentiation below it); share of V_w seen: least %.3f, mean %.3f; the program and reset energies above book the landed events only (a coincidence held back still dissipates in its cell, and the lines in every slot: neither is booked), the half-selected cells their ideal V/2 (a coincidence that did not land as two half-selected cells)%@",
        w.pulsesBelowThreshold, w.rulePulses, share, JSONWriter.number(cfg.writeThreshold) as NSString,
        w.sequencesBelowThreshold, w.leastShare, w.meanShare, unsolved as NSString))
    } else if let w = result.writeLines, w.rulePulses > 0 {
      // What the lines did to the update (write_lines resistive).
      let share = Double(w.pulsesBelowThreshold) / Double(w.rulePulses) * 100
      say(String(
        format: "update through the lines: %d of %d rule pulses (%.1f %%) below write_threshold %@ V, their devices unchanged; %d serial sequences incomplete (a reset or pulse below it); share of V_p seen: least %.3f, mean %.3f; the program and reset energies above book the landed events only (a pulse held back still dissipates in its cell, and the lines in every slot: neither is booked)%@",
        w.pulsesBelowThreshold, w.rulePulses, share, JSONWriter.number(cfg.writeThreshold) as NSString,
        w.sequencesBelowThreshold, w.leastShare, w.meanShare,
        // (With half_select book the slots of every issued event half-select
        // their cells, booked at the ideal V/2; since session 62.)
        (cfg.halfSelect == .book ? ", the half-selected cells every issued event's slots at their ideal V/2" : "") as NSString))
    }
    // After the summary, the plot and the results, so that they are kept either way.
    // The log's failure first: it stopped the run, and the others (a full
    // disk) followed from it; each is named (an audit, session 28: the
    // summary's hid the log's).
    if let logFailure {
      let also = [outputError, checkpointError].compactMap { $0.map { "\($0)" } }
      throw CLIError.runtime(([logFailure] + also.map { "also \($0)" }).joined(separator: "; "))
    }
    if let e = outputError ?? checkpointError { throw e }
    if let failure = result.failure {
      throw CLIError.runtime(failure)
    }
    if result.interrupted {
      say("interrupted: partial results above")
      // How to go on, when the devices were saved (a walkthrough, session
      // 44: the line ended at the count).
      // (Only a regular file can be read back: not `-` or /dev/null.)
      var st = stat()
      let readable = checkpoint.map { OutputFile.streamDescriptor($0) == nil && stat($0, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG } ?? false
      // (The same --out, --log or --summary would begin this part's files
      // anew: a walkthrough, session 63, followed the line and lost them.)
      let files = log != nil || summary != nil ? " and another --out (or --log and --summary: the same ones would begin this run's anew)" : ""
      // (Off-chip learning's checkpoint is the arrays it programmed, which
      // no run goes on with: a walkthrough, session 84, was told to go on.)
      let offChip = cfg.rule == .lim && cfg.mode == .offChip
      let goOn = !readable ? "" : checkpoint.map {
        offChip
          ? "; \($0) holds the arrays programmed from the network trained so far: an off-chip run does not go on from them (the same command starts it again); evaluate --checkpoint \($0) reads them, and train --checkpoint-in \($0) --learning on-chip trains them on chip"
          : "; \($0) holds the devices: go on with the same options and --checkpoint-in \($0) --epochs rest, in place of any --epochs\(files) (docs/checkpoints.md)"
      } ?? ""
      // Where (an interrupt fuzz, session 66: a stop in an evaluation read
      // as one in training).
      let at = result.stoppedWhere.map { ", \($0)" } ?? ""
      throw CLIError.interrupted("interrupted after \(result.trainImages) training images\(at)\(goOn)")
    }
  }

  /// Refuses a train_limit or test_limit beyond the images loaded (it
  /// would be cut to them while the summary records it) and a batch larger
  /// than the training images used (it would be one batch of them).
  /// `memory`: also the one run's memory (`reproduce` checks its `--jobs`
  /// runs at once itself).
  /// What the average accuracy is taken over, for a line of output: "last
  /// 10 % of points", or with `final_iterations` "last 100 updates".
  static func averageWindow(_ cfg: TrainingConfiguration) -> String {
    cfg.finalIterations > 0 ? "last \(cfg.finalIterations) update\(cfg.finalIterations == 1 ? "" : "s")" : "last 10 % of points"
  }

  /// `base`: the checkpoint the configuration came from, if any: a key it
  /// set that the data cannot meet is its error (exit 1), not an option's
  /// (an exit-code audit, session 70: `--train-limit: 200 is more than …`,
  /// exit 64, for an option never given).
  /// A test_limit beyond the test set's images is refused (train, sweep,
  /// reproduce and evaluate; `base`: the checkpoint whose key it is).
  static func checkTestLimit(_ cfg: TrainingConfiguration, test: IDXDataset, _ args: ParsedArguments, base: String? = nil) throws {
    guard cfg.testLimit > test.count else { return }
    let dir = args.string("--data") ?? IDXDataset.defaultDirectory.path
    throw keyError("test_limit", "\(cfg.testLimit) is more than the \(test.count) test images in \(dir)", args, base: base)
  }

  static func checkLimits(
    _ cfg: inout TrainingConfiguration, train: IDXDataset, test: IDXDataset, _ args: ParsedArguments, memory: Bool = true,
    base: String? = nil
  ) throws {
    // A checkpoint's key that an option given here put out of reach
    // (`--train-limit 8` beside its batch 10) is that option's error (a
    // review, session 70: the checkpoint had been blamed, exit 1).
    let causes = ["batch": ["train_limit"], "evals_per_epoch": ["train_limit", "batch"],
                  "final_iterations": ["train_limit", "epochs", "batch"]]
    func keyError(_ key: String, _ message: String, _ args: ParsedArguments) -> CLIError {
      // (The key itself from the checkpoint: not given here, by an option
      // or a --config file.)
      if base != nil, !explicitKeys(args).contains(key) {
        if let option = causes[key]?.lazy.map({ "--" + $0.replacingOccurrences(of: "_", with: "-") }).first(where: { args.string($0) != nil }) {
          return .usage("\(option) \(args.string(option)!): the checkpoint's \(key) \(message)")
        }
        // (Or a --config file's key.)
        if let path = args.string("--config"),
          let name = fileKeyNames(path).first(where: { causes[key]?.contains($0.replacingOccurrences(of: "-", with: "_")) == true })
        {
          return .configuration("\(path): \(name): the checkpoint's \(key) \(message)")
        }
      }
      return TrainCommand.keyError(key, message, args, base: base)
    }
    let dir = args.string("--data") ?? IDXDataset.defaultDirectory.path
    for (set, name) in [(train, IDXDataset.Split.train), (test, IDXDataset.Split.test)] where set.count == 0 {
      // The file read (the .gz when that was read), not the plain name.
      throw CLIError.runtime("\(set.imagesFile ?? dir + "/" + name.imagesFileName): holds no images")
    }
    if cfg.trainLimit > train.count {
      throw keyError("train_limit", "\(cfg.trainLimit) is more than the \(train.count) training images in \(dir)", args)
    }
    try checkTestLimit(cfg, test: test, args, base: base)
    let used = cfg.trainLimit == 0 ? train.count : cfg.trainLimit
    cfg.fitEvaluations(trainingImages: used)
    if cfg.batch > used {
      throw keyError("batch", "\(cfg.batch) is more than the \(used) training images used", args)
    }
    // The network's shape against the images: the data's error as much as
    // the network's (a corrupt label looks the same), so exit 1, with the
    // layers named where they were given (an option, a --config file).
    do { try Experiment.checkFit(cfg, train: train, test: test) } catch let e as ConfigurationError {
      guard e.field == "layers" else { throw CLIError.runtime("\(dir): \(e.message)") }
      let given = explicitKeys(args, includingSummary: true).contains("layers")
      throw CLIError.runtime(given ? keyError(e.field, e.message, args).description : "\(e)")
    }
    if let note = extraOutputsNote(cfg, train: train, test: test) {
      var err = StandardError()
      print(note, to: &err)
    }
    if cfg.evaluationsPerEpoch > used {
      throw keyError(
        "evals_per_epoch", "\(cfg.evaluationsPerEpoch) evaluations per epoch exceed the \(used) training images used", args)
    }
    // A point is taken at the end of a batch, one per batch end (the
    // default was fitted to the batches: `fitEvaluations`).
    let batches = cfg.batchesPerEpoch(trainingImages: used)
    if cfg.evaluationsPerEpoch > batches {
      throw keyError(
        "evals_per_epoch",
        "\(cfg.evaluationsPerEpoch) evaluations per epoch exceed the \(batches) mini-batches of \(cfg.batch) in the \(used) training images used (a point is taken at the end of a batch)",
        args)
    }
    if cfg.finalIterations > batches * cfg.epochs {
      throw keyError(
        "final_iterations",
        "\(cfg.finalIterations) exceed the run's \(batches * cfg.epochs) updates (\(cfg.epochs) epoch(s) of \(batches) mini-batches of \(cfg.batch) in the \(used) training images used)",
        args)
    }
    if memory { try checkMemory(cfg, args) }
  }

  /// Refuses a network beyond the memory: it would trap in its first
  /// allocation ("failed to allocate") or meet the OOM killer.
  static func checkMemory(_ cfg: TrainingConfiguration, _ args: ParsedArguments) throws {
    // A save's copy of one layer too, when the run saves (a walkthrough,
    // session 66: a save that built the whole file in memory crashed a run
    // under `ulimit -v`, its results lost).
    let saves = args.string("--checkpoint-out") != nil
    let bytes = MemoryLimit.trainingBytes(cfg) + (saves ? Checkpoint.saveBytes(cfg) : 0)
    if let reason = MemoryLimit.shortfall(onTopOfCurrentUse: bytes) {
      throw keyError("layers", "\(networkSize(cfg)): training \(saves ? "and saving its checkpoint " : "")\(reason)", args)
    }
    // A checkpoint that could pass what `--checkpoint-in` reads would be
    // written and never read back (a walkthrough, session 66: a hybrid
    // 784-14000-10's 1.12 GB). (A stream, a device or a pipe is let be:
    // nothing reads it back as it is.)
    let largest = Checkpoint.largestBytes(cfg)
    if let out = args.string("--checkpoint-out"), OutputFile.makesAFile(out), largest > Double(ProblemFile.maxBytes) {
      throw CLIError.usage(
        "--checkpoint-out: the checkpoint of \(networkSize(cfg)) could reach \(MemoryLimit.gigabytes(largest, 2)) (every number at its longest), more than the \(ProblemFile.maxBytes) bytes --checkpoint-in reads: it might never be read back; train without --checkpoint-out, or a smaller network")
    }
  }

  /// "784-100000-10 (78500010 synapses)", with ", resistive lines".
  static func networkSize(_ cfg: TrainingConfiguration) -> String {
    let synapses = cfg.synapseCount
    let shape = cfg.layers.map(String.init).joined(separator: "-")
    return "\(shape) (\(synapses) synapses\(cfg.wires == .resistive ? ", resistive lines" : ""))"
  }

  /// The negative scales' rule beside a σ when it is not the default
  /// (a walkthrough, session 44: two runs that differed there had one name).
  static func negative(_ cfg: TrainingConfiguration) -> String {
    cfg.sigma > 0 && cfg.negativeScale != TrainingConfiguration().negativeScale ? " negative_scale \(cfg.negativeScale.rawValue)" : ""
  }

  /// " stuck_off f" when devices are stuck at 0 S, " stuck_on f" when
  /// at G_max (both when both), " stuck_map NAME" with a map (its file's
  /// name), then " stuck_known" when the controller knows them (two runs
  /// that differ only there issue very different pulses), "" otherwise.
  static func stuckOff(_ cfg: TrainingConfiguration) -> String {
    (cfg.stuckOff > 0 ? " stuck_off \(JSONWriter.number(cfg.stuckOff))" : "")
      + (cfg.stuckOn > 0 ? " stuck_on \(JSONWriter.number(cfg.stuckOn))" : "")
      + (cfg.stuckMap.map { " stuck_map \(($0.path as NSString).lastPathComponent)" } ?? "")
      + (cfg.stuckKnown && cfg.namesStuckDevices ? " stuck_known" : "")
  }

  /// " gmin_ratio 0.1" when G_min/G_max is not the rule's default (two
  /// runs that differed only there had one label: a walkthrough, session
  /// 62), "" otherwise or with a measured device, whose file sets it.
  static func gMinRatio(_ cfg: TrainingConfiguration) -> String {
    var d = TrainingConfiguration()
    d.rule = cfg.rule
    return cfg.measuredDevice == nil && cfg.gMinRatio != d.gMinRatio ? " gmin_ratio \(JSONWriter.number(cfg.gMinRatio))" : ""
  }

  static func describe(_ cfg: TrainingConfiguration) -> String {
    let shape = cfg.layers.map(String.init).joined(separator: "-")
    // A measured device by its file's name.
    let device = cfg.measuredDevice.map { "device " + URL(fileURLWithPath: $0.path).lastPathComponent }
    let loss = cfg.loss == .mse ? " loss mse" : ""
    switch (cfg.rule, cfg.mode) {
    case (.float, _): return "float SGD \(shape) lr \(cfg.learningRate)\(loss)"
    case (.hybrid, _), (.single, _):
      let devices = cfg.rule == .hybrid ? "hybrid k \(JSONWriter.number(cfg.k))" : "single"
      // The g-states and the fine phase's trains when they are not the defaults.
      let small = cfg.rule == .hybrid && cfg.smallStates != cfg.states ? " g-states \(cfg.smallStates)" : ""
      let fine =
        cfg.rule == .hybrid && cfg.encoding != .sign && cfg.fineTrains != TrainingConfiguration().fineTrains
        ? " fine_trains \(cfg.fineTrains.rawValue)" : ""
      // Its learning rate and switch threshold away from their defaults
      // (a walkthrough, session 64: runs that differed there had one title).
      var d = TrainingConfiguration()
      d.rule = cfg.rule
      let lr = cfg.learningRate != d.learningRate ? " lr \(JSONWriter.number(cfg.learningRate))" : ""
      let switchAt =
        cfg.rule == .hybrid && cfg.switchThreshold != d.switchThreshold ? " switch \(JSONWriter.number(cfg.switchThreshold))" : ""
      return "\(devices) \(shape) \(device.map { $0 + " " } ?? "")states \(cfg.states)\(small)\(fine)\(loss) \(cfg.encoding.rawValue)\(cfg.encoding == .sign ? "" : " BL \(cfg.pulseTrainLength)") c2c \(JSONWriter.number(cfg.c2c)) d2d \(JSONWriter.number(cfg.d2d))\(stuckOff(cfg))\(gMinRatio(cfg))\(lr)\(switchAt)"
        + wires(cfg) + periphery(cfg)
    case (.lim, .offChip):
      let transfer = cfg.transfer == TrainingConfiguration().transfer ? "" : " transfer \(cfg.transfer.rawValue)"
      // (Transferred states: the ideal twin trains with method b's margin.)
      let margin =
        cfg.transfer == .states && cfg.method == .b && cfg.bMargin > 0 ? " b_margin \(JSONWriter.number(cfg.bMargin))" : ""
      // (The twin's method when the states are transferred: its own.)
      let method = cfg.transfer == .states && cfg.method != .b ? " method \(cfg.method.rawValue)" : ""
      // The programmed devices' curve and states (a walkthrough, session
      // 64: runs at β 0 and 3 had one title, 49.28 and 29.90 %).
      let curve = device ?? (cfg.betaP == cfg.betaD || cfg.method != .c || cfg.transfer == .weights
        ? "β \(JSONWriter.number(cfg.betaP)) nmax \(cfg.nMax)"
        : "β_p \(JSONWriter.number(cfg.betaP)) β_d \(JSONWriter.number(cfg.betaD)) nmax \(cfg.nMax)")
      // The software training's batch and learning rate away from their
      // defaults (a walkthrough, session 65: batch 10 and lr 0.1 were
      // left out of the line and title).
      var d = TrainingConfiguration()
      d.rule = cfg.rule
      let batch = cfg.batch != 1 ? " batch \(cfg.batch)" : ""
      let lr = cfg.transfer == .weights && cfg.learningRate != d.learningRate ? " lr \(JSONWriter.number(cfg.learningRate))" : ""
      return "off-chip \(shape)\(method) \(curve)\(gMinRatio(cfg))\(batch) σ \(JSONWriter.number(cfg.sigma))\(negative(cfg))\(stuckOff(cfg))\(transfer)\(lr)\(margin)\(loss)"
        + (cfg.programVerify != .none ? " verified \(cfg.programVerify.rawValue)" : "")
        + (cfg.programNoise > 0 ? " program_noise \(JSONWriter.number(cfg.programNoise))" : "") + wires(cfg) + periphery(cfg)
    case (.lim, .onChip):
      let beta = device
        ?? (cfg.betaP == cfg.betaD || cfg.method != .c
          ? "β \(JSONWriter.number(cfg.betaP))"
          : "β_p \(JSONWriter.number(cfg.betaP)) β_d \(JSONWriter.number(cfg.betaD))")
      return "lim \(shape) method \(cfg.method.rawValue) \(beta) nmax \(cfg.nMax)\(gMinRatio(cfg)) batch \(cfg.batch) σ \(JSONWriter.number(cfg.sigma))\(negative(cfg))\(stuckOff(cfg))"
        + (cfg.sigmaC2C > 0 ? " σ_c2c \(JSONWriter.number(cfg.sigmaC2C))" : "")
        + (cfg.method == .b && cfg.bMargin > 0 ? " b_margin \(JSONWriter.number(cfg.bMargin))" : "") + wires(cfg) + periphery(cfg)
    }
  }

  /// ", ADC 6 bits, DAC 4 bits, …" for the periphery's non-ideal keys
  /// (rules lim, hybrid and single), "" when every one is ideal: two runs that differ only
  /// there are told apart by their labels and plot titles.
  static func periphery(_ cfg: TrainingConfiguration) -> String {
    let d = TrainingConfiguration()
    var parts: [String] = []
    if cfg.adcBits != d.adcBits {
      // Its full scale when it is not the default 2c: two runs that
      // differed only there had one title (a walkthrough, session 50).
      let range = cfg.adcRange != 2 * cfg.c ? " ±\(JSONWriter.number(cfg.adcRange))" : ""
      let output = cfg.outputADCRange != cfg.adcRange ? ", output ±\(JSONWriter.number(cfg.outputADCRange))" : ""
      parts.append("ADC \(cfg.adcBits) bit\(cfg.adcBits == 1 ? "" : "s")\(range)\(output)")
    }
    if cfg.dacBits != d.dacBits { parts.append("DAC \(cfg.dacBits) bit\(cfg.dacBits == 1 ? "" : "s")") }
    // The neurons' half-width too (a walkthrough, session 66: runs at c 4,
    // 8 and 16, 54.90, 39.05 and 28.05 %, had one title).
    if cfg.c != d.c { parts.append("hard sigmoid c \(JSONWriter.number(cfg.c))") }
    if cfg.tiaGain != d.tiaGain { parts.append("TIA gain \(JSONWriter.number(cfg.tiaGain))") }
    if cfg.senseOffset != d.senseOffset { parts.append("sense offset \(JSONWriter.number(cfg.senseOffset))") }
    if cfg.readNoise != d.readNoise { parts.append("read noise \(JSONWriter.number(cfg.readNoise))") }
    if cfg.transposedReadNoise != d.transposedReadNoise {
      parts.append("transposed read noise \(JSONWriter.number(cfg.transposedReadNoise))")
    }
    if cfg.comparatorOffset != d.comparatorOffset { parts.append("comparator offset \(JSONWriter.number(cfg.comparatorOffset))") }
    // The comparators' dead bands too (a walkthrough, session 64: runs at
    // --threshold 0.99 or --hidden-threshold 1e6 had the default's title).
    if cfg.outputThreshold != d.outputThreshold { parts.append("threshold \(JSONWriter.number(cfg.outputThreshold))") }
    if cfg.hiddenThreshold != d.hiddenThreshold { parts.append("hidden threshold \(JSONWriter.number(cfg.hiddenThreshold))") }
    if cfg.adcINL != d.adcINL { parts.append("ADC INL \(JSONWriter.number(cfg.adcINL)) LSB") }
    if cfg.adcColumns != d.adcColumns { parts.append("an ADC per \(cfg.adcColumns) columns") }
    if cfg.lineCapacitance != d.lineCapacitance { parts.append("lines \(JSONWriter.number(cfg.lineCapacitance)) F a cell") }
    if cfg.ivV0 != d.ivV0 { parts.append("cells' I–V sinh, V0 \(JSONWriter.number(cfg.ivV0)) V at read \(JSONWriter.number(cfg.readVoltage)) V") }
    return parts.map { ", " + $0 }.joined()
  }

  /// Whether hidden layer h's derivative gates were all closed at every
  /// point of `points` over the last tenth of the run's images (each
  /// point counts the images since the one before it).
  static func closedOverTheLastTenth(_ points: [EvaluationPoint], _ h: Int) -> Bool {
    !points.isEmpty && points[lastTenth(points)...].allSatisfy { h < $0.gateOpen.count && $0.gateOpen[h] == 0 }
  }

  /// Where the points over the last tenth of the run's images begin (the
  /// points are in training order): `points.count` when there are none.
  static func lastTenth(_ points: [EvaluationPoint]) -> Int {
    guard let end = points.last?.images else { return points.count }
    return points.firstIndex { 10 * $0.images > 9 * end } ?? points.count
  }

  /// For a key the run would ignore that comes from the --config file,
  /// not an option: how to set it back from the command line (a
  /// walkthrough, session 56: `--config s.json --adc-bits 0` of a 6-bit
  /// run was refused over the file's adc_range, with no way round it
  /// but editing the file). "" otherwise, or when its default would be
  /// ignored too.
  static func fileKeyHint(_ key: String, _ cfg: TrainingConfiguration, _ args: ParsedArguments) -> String {
    let option = "--" + key.replacingOccurrences(of: "_", with: "-")
    guard args.string(option) == nil, let path = args.string("--config") else { return "" }
    var d = TrainingConfiguration()
    d.rule = cfg.rule
    d.c = cfg.c
    // (`adc_range`'s default follows c, as d's does.)
    guard let value = d.allKeyValues.first(where: { $0.0 == key })?.1 else { return "" }
    var back = cfg
    guard (try? back.set(key, value)) != nil, !back.ignoredKeys.contains(where: { $0.key == key }) else { return "" }
    // An empty default (`stuck_map`'s: no map) cannot be given as an
    // option, which refuses an empty path ("give --stuck-map , its
    // default" had named one that is refused).
    guard !value.isEmpty else { return "; take it out of \(path)" }
    return "; give \(option) \(value), its default, to override the file's, or take it out of \(path)"
  }

  /// Below this fraction of open derivative gates over the last tenth of
  /// a run, a hidden layer is said to be nearly shut.
  static let nearlyClosed = 0.01

  /// The share of hidden layer h's gates open over the last tenth of the
  /// run's images (each point's share weighted by the images since the
  /// point before it), when that is under `nearlyClosed` and not 0 (all
  /// shut, which `closedOverTheLastTenth` says); nil otherwise. (The mean,
  /// not the most at a point: a review, session 56, found a run at chance
  /// whose points read 0 to 1.25 %, mean 0.6 %, that the most had let by.)
  static func mostlyClosedOverTheLastTenth(_ points: [EvaluationPoint], _ h: Int) -> Double? {
    var open = 0.0, images = 0
    for k in lastTenth(points)..<points.count {
      let p = points[k], since = p.images - (k > 0 ? points[k - 1].images : 0)
      open += Double(since) * (h < p.gateOpen.count ? p.gateOpen[h] : 0)
      images += since
    }
    guard images > 0 else { return nil }
    let mean = open / Double(images)
    return mean > 0 && mean < nearlyClosed ? mean : nil
  }

  /// ", lines r_row/r_col Ω" with resistive lines (and ", driver R Ω",
  /// ", sense R Ω" when set), "" otherwise.
  static func wires(_ cfg: TrainingConfiguration) -> String {
    guard cfg.wires == .resistive else { return "" }
    var s = ", lines \(JSONWriter.number(cfg.rowSegmentResistance))/\(JSONWriter.number(cfg.columnSegmentResistance)) Ω"
    if cfg.driverResistance > 0 { s += ", driver \(JSONWriter.number(cfg.driverResistance)) Ω" }
    if cfg.senseResistance > 0 { s += ", sense \(JSONWriter.number(cfg.senseResistance)) Ω" }
    if cfg.writeLines == .resistive { s += ", writes through them" }
    return s
  }

  /// A conflict between the checkpoint at `path` and the network asked
  /// for beside it (its devices' kind, its shape, a key its states depend
  /// on: `Checkpoint.conflict`) is the command line's when an option (or
  /// the --config file) sets that key: exit 64, naming it. Otherwise
  /// loading the checkpoint reports it as the file's (exit 1). (Until
  /// session 63 it was always the file's, where session 62 had made the
  /// options' other conflicts with a checkpoint usage errors: a
  /// walkthrough.)
  /// Why `key`, which only `usedBy` reads, is refused for `cfg`'s run.
  static func unreadKeyMessage(_ key: String, _ usedBy: String, _ cfg: TrainingConfiguration, _ args: ParsedArguments) -> String {
    "applies to \(usedBy) only; rule \(cfg.rule.rawValue)\(cfg.rule == .lim ? " (\(cfg.mode.rawValue))" : "") would ignore it"
      + (key == "c2c" && cfg.rule == .lim ? " (rule lim's cycle-to-cycle variation is sigma_c2c)" : "")
      + (key == "sigma_c2c" && cfg.rule.isFiniteState ? " (rules hybrid and single's cycle-to-cycle variation is c2c)" : "")
      + fileKeyHint(key, cfg, args)
  }

  /// The keys a checkpoint written by this run (rule lim, --checkpoint-out)
  /// keeps for `inspect` whether or not the run reads them.
  static func keptByCheckpoint(_ cfg: TrainingConfiguration, _ args: ParsedArguments) -> Set<String> {
    args.string("--checkpoint-out") == nil || cfg.rule != .lim
      ? [] : ["method", "threshold", "hidden_threshold", "program_voltage", "program_time", "reset_voltage", "reset_time", "slot_time", "reset_slot_time"]
  }

  /// From a checkpoint, the keys of its run that this run does not read
  /// and that were not given here, back at their defaults (but `keep`:
  /// those a checkpoint written now keeps for `inspect`). An off-chip
  /// transfer of weights' `transfer`, `loss` and `lr` had passed into an
  /// on-chip run from its checkpoint, unread, and its summary was then
  /// refused as a --config (a walkthrough, session 65). The run is the
  /// same: no key of these is read.
  static func droppingUnreadCheckpointKeys(_ cfg: inout TrainingConfiguration, _ args: ParsedArguments, keep: Set<String> = []) {
    let given = explicitKeys(args, includingSummary: true)
    // This run's defaults: lr's is its rule's (0.1 for hybrid and single)
    // and adc_range's 2c (Lim's rule's 0.01 and c 4's 8 had stayed
    // refused in the summary as a --config; review 65).
    var d = TrainingConfiguration()
    d.rule = cfg.rule
    d.c = cfg.c
    let defaults = Dictionary(d.allKeyValues, uniquingKeysWith: { a, _ in a })
    for (key, _) in cfg.ignoredKeys where !keep.contains(key) && !given.contains(key) && !(key.hasPrefix("beta_") && given.contains("beta")) {
      if let value = defaults[key] { try? cfg.set(key, value) }
    }
  }

  static func checkCheckpoint(_ args: ParsedArguments, _ cfg: TrainingConfiguration, _ path: String, _ saved: Checkpoint.Saved) throws {
    guard let c = Checkpoint.conflict(saved, cfg) else { return }
    if let error = checkpointConflict(args, key: c.key, c.message, path) { throw error }
  }

  /// The usage error for `message`, a checkpoint's conflict on `key`,
  /// when an option or the --config file sets the key; nil otherwise.
  static func checkpointConflict(_ args: ParsedArguments, key: String, _ message: String, _ path: String) -> CLIError? {
    let related = relatedKeys(key)
    if let given = givenOption(key, args) {
      return .usage("\(given) \(args.string(given)!) with checkpoint \(path): \(message)")
    }
    if let config = args.string("--config"),
      fileKeyNames(config).contains(where: { related.contains($0.replacingOccurrences(of: "-", with: "_")) })
    {
      return .usage("--config \(config) with checkpoint \(path): \(message)")
    }
    return nil
  }

  /// What `--checkpoint-in` cannot start: rule float (no arrays),
  /// off-chip learning (it trains in software), and the keys that only
  /// draw the devices the checkpoint holds.
  static func checkStart(_ args: ParsedArguments, _ cfg: TrainingConfiguration, _ path: String, _ saved: Checkpoint.Saved) throws {
    let given = explicitKeys(args)
    if cfg.rule == .float {
      throw CLIError.usage("--checkpoint-in: rule float has no arrays to start from (a checkpoint holds device states)")
    }
    if cfg.mode == .offChip {
      let own = saved.configuration.mode == .offChip && !given.contains("learning")
      throw CLIError.usage(
        "--checkpoint-in: \(own ? "\(path) was saved by off-chip learning, and " : "")off-chip learning trains in software, not from the arrays: give --learning on-chip to train the checkpoint's arrays on chip")
    }
    if saved.hybrid?.phase == .fine && changedUnusedKey(["switch_threshold"], given: given, cfg, saved.configuration) != nil {
      // (A walkthrough, session 42: taken without a word. The checkpoint's
      // own value, its run's config file given again, changes nothing.)
      throw keyError(
        "switch_threshold", "the checkpoint of --checkpoint-in has switched to its small arrays (phase fine), and the switch is one-way: the run would not use switch_threshold", args)
    }
    if let key = changedUnusedKey(["initial_fraction", "negative_scale"], given: given, cfg, saved.configuration) {
      throw keyError(
        key, "the checkpoint of --checkpoint-in holds the devices' states, which \(key) would only draw at the start of a run", args)
    }
  }

  /// The first of `keys` (keys a run from the checkpoint would not use:
  /// those that only draw the devices at the start, a fine network's
  /// switch threshold) given with a value other than the checkpoint's
  /// `saved` one: the same value (the run's own config file given again)
  /// changes nothing and is accepted.
  static func changedUnusedKey(
    _ keys: [String], given: Set<String>, _ cfg: TrainingConfiguration, _ saved: TrainingConfiguration
  ) -> String? {
    let mine = Dictionary(cfg.keyValues, uniquingKeysWith: { a, _ in a })
    let theirs = Dictionary(saved.keyValues, uniquingKeysWith: { a, _ in a })
    return keys.first { given.contains($0) && mine[$0] != theirs[$0] }
  }

  /// Where a run (or inspect) from checkpoint `saved` at `path` begins:
  /// inside the epoch it stopped in (`into` images into it) when that
  /// epoch's order is this configuration's too and the place fits its
  /// epochs of `epoch` images and mini-batches; otherwise at a new epoch
  /// (`into` 0). The note says which, for a checkpoint saved inside an
  /// epoch.
  static func place(
    of saved: Checkpoint.Saved, _ path: String, _ cfg: TrainingConfiguration, epoch: Int, dataCount: Int, trainChecksum: UInt64
  ) -> (into: Int, note: String?) {
    let into = saved.place.epochImages
    guard into > 0 else { return (0, nil) }
    // Other training data: the saved order's indices name other images (a
    // walkthrough, session 66: a Fashion-MNIST run from an MNIST
    // checkpoint skipped the first 7,248 images of its epoch as trained).
    if let other = otherTrainingData(saved, trainChecksum) {
      return (0, "\(path) was saved \(into) images into an epoch of other training data (\(other)); this run begins a new epoch")
    }
    // The stopped epoch's order is the saved run's: another seed, shuffle
    // or train_limit makes another (images trained twice in the epoch,
    // others never; a walkthrough, session 40). train_limit as the epochs
    // it makes on these data: 0 is all.
    let was = saved.configuration
    let epochOf = { (limit: Int) in limit > 0 && limit < dataCount ? limit : dataCount }
    let otherOrder = [
      ("seed", "\(was.seed)", "\(cfg.seed)"), ("shuffle", "\(was.shuffle)", "\(cfg.shuffle)"),
      ("train_limit", "\(epochOf(was.trainLimit))", "\(epochOf(cfg.trainLimit))"),
    ].first { $0.1 != $0.2 }
    if let (key, then, now) = otherOrder {
      return (0, "\(path) was saved \(into) images into an epoch whose order came from \(key) \(then); with \(key) \(now) this run begins a new epoch")
    }
    // (At the epoch's end, before its record, its last mini-batch applied,
    // any batch fits: nothing is left to train.)
    guard into <= epoch && (into % cfg.batch == 0 || into == epoch) else {
      return (0, "\(path) was saved \(into) images into an epoch, which does not fit this run's epochs of \(epoch) images in mini-batches of \(cfg.batch); this run begins a new epoch")
    }
    return (into, "\(path) was saved \(into) images into an epoch of \(epoch); this run trains the rest of that epoch as its first")
  }

  /// "train_checksum X there, Y here" when the run that saved `saved`
  /// trained on other training data than this run's (`checksum`); nil when
  /// on the same, or not known (a checkpoint before session 66).
  static func otherTrainingData(_ saved: Checkpoint.Saved, _ checksum: UInt64) -> String? {
    guard let sum = saved.place.trainChecksum, sum != checksum else { return nil }
    return "train_checksum \(String(sum, radix: 16)) there, \(String(checksum, radix: 16)) here"
  }

  /// `--epochs rest`: the epochs from checkpoint `saved` (at `path`) that
  /// end where the run that saved it would have (`run_end_images`), the
  /// rest of an epoch it stopped inside counting as the first; refused
  /// when that run had ended or its end is not whole epochs of this run.
  /// `left`: the training images the saved run had left.
  static func restOfRun(
    _ saved: Checkpoint.Saved, _ path: String, _ cfg: TrainingConfiguration, dataCount: Int, trainChecksum: UInt64
  ) throws -> (epochs: Int, left: Int) {
    if let other = otherTrainingData(saved, trainChecksum) {
      throw CLIError.runtime("--epochs rest: the run that saved \(path) trained on other training data (\(other)): it is another run; give --epochs N")
    }
    // (Off-chip learning's checkpoint holds the arrays it programmed: a
    // run from them is another run. A review, session 45.)
    if saved.configuration.rule == .lim && saved.configuration.mode == .offChip {
      throw CLIError.runtime("--epochs rest: \(path) was saved by off-chip learning (the arrays it programmed), which no run goes on with; give --epochs N")
    }
    guard let end = saved.place.runEndImages else {
      throw CLIError.runtime("--epochs rest: \(path) does not say where its run ends (no run_end_images: saved before session 45); give --epochs N")
    }
    let left = end - saved.devicesTrainImages
    let epochOf = { (limit: Int) in limit > 0 && limit < dataCount ? limit : dataCount }
    // (Stopped at its last epoch's end, before the epoch's record: that
    // end is left, an epoch of no image, as the interrupt message advises;
    // review 66.)
    let endLeft = saved.place.epochImages > 0 && saved.place.epochImages == epochOf(saved.configuration.trainLimit)
    guard left > 0 || endLeft else {
      throw CLIError.runtime("--epochs rest: the run that saved \(path) had ended (its \(saved.configuration.epochs) epoch\(saved.configuration.epochs == 1 ? "" : "s") trained, nothing left); give --epochs N to train on")
    }
    // The same run only: epochs of the saved run's images, and its
    // stopped epoch gone on in its order (another train_limit had been
    // told an epoch count that ended at the same image count on other
    // devices; a walkthrough, session 45).
    let epoch = epochOf(cfg.trainLimit), savedEpoch = epochOf(saved.configuration.trainLimit)
    guard epoch == savedEpoch else {
      throw CLIError.runtime(
        "--epochs rest: the run that saved \(path) had epochs of \(savedEpoch) training images, this run \(epoch) (train_limit): it is another run; give --epochs N")
    }
    let (into, _) = place(of: saved, path, cfg, epoch: epoch, dataCount: dataCount, trainChecksum: trainChecksum)
    guard saved.place.epochImages == 0 || into > 0 else {
      throw CLIError.runtime(
        "--epochs rest: \(path) was saved inside an epoch that this run does not go on with (another seed, shuffle or batch: it begins a new one), so it would not end where that run would have; give --epochs N")
    }
    guard (left + into) % epoch == 0 else {
      throw CLIError.runtime(
        "--epochs rest: the \(left) training images left of the run that saved \(path) are not whole epochs of this run's \(epoch) images (runs before it with other epochs?); give --epochs N")
    }
    // Its settings too (a walkthrough, session 67: --c 2, --method a or
    // another threshold went on "where it would have", and at an epoch's
    // end so did another seed; two jobs sharing a checkpoint by mistake
    // went on from each other's devices without a word).
    let differing = otherSettings(saved.configuration, cfg)
    guard differing.isEmpty else {
      throw CLIError.runtime(
        "--epochs rest: the run that saved \(path) had other settings (\(settingsText(differing))): it is another run; give --epochs N to train on from its devices")
    }
    let k = (left + into) / epoch
    guard k <= 10_000 else {
      throw CLIError.runtime("--epochs rest: the \(k) epochs left of the run that saved \(path) (its run_end_images \(end)) are more than a run takes (10000); give --epochs N")
    }
    return (k, left)
  }

  /// Locks each of `files` that makes a file (``OutputFile/makesAFile(_:)``)
  /// for the rest of the process, beside it (``OutputFile/lockFile(of:by:option:)``),
  /// or throws naming the one another process holds; an output of
  /// `outputs` that would overwrite one of those lock files is a usage error.
  static func lockOutputs(_ files: [(String, String?)], among outputs: [(String, String?)], by what: String) throws {
    for case let (option, path?) in files where OutputFile.makesAFile(path) {
      let lock = OutputFile.lockFilePath(of: path)
      for case let (other, out?) in outputs where OutputFile.target(out) == lock {
        throw CLIError.usage("\(other) would overwrite \(option)'s lock file \(lock)")
      }
      try OutputFile.lockFile(of: path, by: what, option: option)
    }
  }

  /// The keys whose values differ between the run that saved a checkpoint
  /// and this one, in the configuration's order: the settings that make
  /// this run another. Not compared: `epochs` (which `--epochs rest`
  /// sets), `train_limit` (compared as the epoch's images), the
  /// evaluation's keys (`test_limit`, `evals_per_epoch`,
  /// `final_iterations`), `threads` (the same results on any),
  /// `endurance` (a count) and the pulses' times (`program_time`,
  /// `reset_time`, `slot_time`, `reset_slot_time`: energy and latency's
  /// bookkeeping), which change no device; nor a key that neither run
  /// reads, nor `device_csv` when both runs have a measured device (the
  /// load checks its points: the same curve may come from another file).
  static func otherSettings(_ saved: TrainingConfiguration, _ cfg: TrainingConfiguration) -> [(key: String, saved: String, this: String)] {
    var unread = Set(saved.ignoredKeys.map(\.key) + cfg.ignoredKeys.map(\.key))
    if saved.measuredDevice != nil && cfg.measuredDevice != nil { unread.insert("device_csv") }
    let kept = evaluationKeys.union([
      "epochs", "train_limit", "threads", "endurance", "program_time", "reset_time", "slot_time", "reset_slot_time",
    ])
    let then = Dictionary(saved.allKeyValues, uniquingKeysWith: { a, _ in a })
    // (`adc_range` following each run's c, 2c, is c's.)
    let rangesFollow = saved.adcRange == 2 * saved.c && cfg.adcRange == 2 * cfg.c
    // (And `output_adc_range` following each run's `adc_range` is that
    // key's.)
    let outputsFollow = saved.outputADCRange == saved.adcRange && cfg.outputADCRange == cfg.adcRange
    return cfg.allKeyValues.compactMap { key, value in
      guard !kept.contains(key), !unread.contains(key), !(key == "adc_range" && rangesFollow),
        !(key == "output_adc_range" && outputsFollow),
        let was = then[key], was != value
      else { return nil }
      return (key, was, value)
    }
  }

  /// "c 4, here 2; method b, here a", for `otherSettings`' keys (six at
  /// most, then "and N more").
  static func settingsText(_ keys: [(key: String, saved: String, this: String)]) -> String {
    // (An empty value, e.g. no drift_times, is named: "drift_times , here
    // 1" had read as a typo; a walkthrough, session 84.)
    func shown(_ v: String) -> String { v.isEmpty ? "(none)" : v }
    return keys.prefix(6).map { "\($0.key) \(shown($0.saved)), here \(shown($0.this))" }.joined(separator: "; ")
      + (keys.count > 6 ? "; and \(keys.count - 6) more" : "")
  }

  /// The network a run starts from: the checkpoint's devices in a network
  /// of `cfg` (the same shape and device keys), its counters at 0.
  static func startingNetwork(_ saved: Checkpoint.Saved, from path: String, _ cfg: TrainingConfiguration) throws -> TrainedNetwork {
    var s = saved
    // (Each load refuses a checkpoint of the other kind of network.)
    if cfg.rule.isFiniteState {
      s.hybrid = s.hybrid.map { ($0.phase, $0.layers.map { var l = $0; l.pulses = 0; l.repotentiations = 0; l.resets = 0; return l }) }
      let net = try Checkpoint.loadHybrid(s, from: path, into: cfg)
      // `endurance`: the devices' counts go on from the checkpoint's (the
      // run's own pulses start at 0, as above).
      if cfg.endurance, let counts = saved.endurance {
        do { try net.restoreEnduranceCounts(counts) } catch { throw CLIError.runtime("\(path): \(error)") }
      }
      return .hybrid(net)
    }
    s.states = s.states.map { var l = $0; l.pulses = 0; l.repotentiations = 0; l.resets = 0; return l }
    let net = try Checkpoint.load(s, from: path, into: cfg)
    if cfg.endurance, let counts = saved.endurance {
      do { try net.restoreEnduranceCounts(counts) } catch { throw CLIError.runtime("\(path): \(error)") }
    }
    return .lim(net)
  }

  /// Runs with the CSV log, the progress bar and Ctrl-C handling.
  static func runWithOutputs(
    _ experiment: Experiment, label: String, log: String?, epochLog: String? = nil, quiet: Bool,
    taken: (EvaluationPoint) -> Void = { _ in },
    save: (TrainedNetwork, _ trainImages: Int) -> Void = { _, _ in }, saveDue: () -> Bool = { false },
    finished: (TrainedNetwork, _ trainImages: Int) -> Void = { _, _ in }
  ) throws -> (TrainingResult, logFailure: String?) {
    func open(_ path: String?, header: String) throws -> FileHandle? {
      guard let path else { return nil }
      try OutputFile.check(path, "the log")
      // open(2), not FileManager.createFile: that one writes a new file and
      // renames it over the path, which would replace a device or a link.
      // A stream the process holds (`--log -`) is written at its own offset.
      if let fd = OutputFile.streamDescriptor(path) {
        fflush(nil)
        let h = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        do { try h.write(contentsOf: Data(header.utf8)) } catch {
          throw CLIError.runtime("\(path): cannot write the log (\(ProblemFile.describe(error)))")
        }
        return h
      }
      // Emptied only once this run holds the file's lock (a regular file):
      // two runs given one --log both exited 0, their rows mixed and the
      // file ending in a fragment (a walkthrough, session 44). The kernel
      // drops the lock when the descriptor closes or the process ends.
      let fd = Foundation.open(OutputFile.resolved(path), O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else {
        throw CLIError.runtime("\(path): cannot create the log file (\(String(cString: strerror(errno))))")
      }
      var st = stat()
      if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG {
        if !OutputFile.lockExclusively(fd) {
          close(fd)
          throw CLIError.runtime("\(path): in use by another xbarsim run (it holds the file's lock); wait for that one to end, or give another log file")
        }
        guard ftruncate(fd, 0) == 0 else {
          let reason = String(cString: strerror(errno))
          close(fd)
          throw CLIError.runtime("\(path): cannot empty the log file (\(reason))")
        }
      }
      let h = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
      do { try h.write(contentsOf: Data(header.utf8)) } catch {
        throw CLIError.runtime("\(path): cannot write the log (\(ProblemFile.describe(error)))")
      }
      return h
    }
    // A failed log write (disk full, a file-size limit) stops the run like
    // Ctrl-C: what was trained is summarised and saved, and the failure is
    // reported last. Rows are whole lines, written one call each.
    var logFailure: String? = nil
    func append(_ line: String, to handle: FileHandle?, _ path: String?) {
      guard let handle, logFailure == nil else { return }
      let data = Data(line.utf8)
      let start = (try? handle.offset()) ?? 0
      do { try handle.write(contentsOf: data) } catch {
        // Part of the line may be in: cut back to the last whole row.
        try? handle.truncate(atOffset: start)
        logFailure = "\(path ?? "log"): write failed (\(ProblemFile.describe(error))); training stopped there"
      }
    }
    // One gate_open column per hidden layer (empty for rules without it).
    let hiddenLayers = experiment.configuration.layers.count - 2
    let gateHeader = (0..<hiddenLayers).map { ",gate_open_h\($0 + 1)" }.joined()
    let logHandle = try open(
      log, header: "images,epoch,test_accuracy,train_loss,pulses,resets,seconds_train" + gateHeader + "\n")
    let epochHandle = try open(
      epochLog,
      header: "epoch,images,train_accuracy,test_accuracy,train_loss,mse,pulses,cell_updates,update_frequency,phase,big_at_limit,small_at_limit\n")
    defer {
      // (Not a stream the process holds: `--log -` must not close its
      // standard output before the summary goes there.)
      for (handle, path) in [(logHandle, log), (epochHandle, epochLog)] where path.flatMap(OutputFile.streamDescriptor) == nil {
        try? handle?.close()
      }
    }
    let trainCount = experiment.trainImagesPerEpoch
    // A run going on inside an epoch: its first epoch is the rest of that
    // one, which ends at 1.
    let into = experiment.startingIndex
    var bar = ProgressBar(label: label, enabled: !quiet)
    let result = experiment.run(
      progress: { p in bar.update(p) },
      point: { p in
        let gates = (0..<hiddenLayers).map { h in
          h < p.gateOpen.count ? String(format: ",%.4f", p.gateOpen[h]) : ","
        }.joined()
        // (Empty, not 0, where no image was trained since the last point.)
        let loss = p.loss.isNaN ? "" : String(format: "%.6f", p.loss)
        let line = String(
          format: "%ld,%.6f,%.10g,%@,%ld,%ld,%.4f%@\n", p.images, Double(p.images + into) / Double(trainCount),
          p.accuracy, loss as NSString, p.pulses, p.resets, p.seconds, gates as NSString)
        append(line, to: logHandle, log)
        taken(p)
      },
      epoch: { e in
        let mse = e.meanSquaredError.map { String(format: "%.6f", $0) } ?? ""
        // (Ten significant digits of an accuracy: two decimals had lost
        // the summary's precision on a test set not of 10,000 images; six
        // of a fraction at the limit: fixed decimals had printed 1.26e-5
        // as 0.000013. A walkthrough, session 48.)
        let limits = [e.bigAtLimit, e.smallAtLimit].map { $0.map { String(format: "%.6g", $0) } ?? "" }
        // Empty where the rule does not count them (not a measured 0).
        let cells = e.cellUpdates.map { String($0) } ?? ""
        let frequency = e.updateFrequency.map { String(format: "%.6g", $0) } ?? ""
        let loss = e.loss.isNaN ? "" : String(format: "%.6f", e.loss)
        let line = String(
          format: "%ld,%ld,%.10g,%.10g,%@,%@,%ld,%@,%@,%@,%@,%@\n", e.epoch, e.images, e.trainAccuracy,
          e.testAccuracy, loss as NSString, mse as NSString, e.pulses, cells as NSString, frequency as NSString,
          e.phase as NSString, limits[0] as NSString, limits[1] as NSString)
        append(line, to: epochHandle, epochLog)
        if !quiet {
          bar.finish()
          var err = StandardError()
          print(String(
            format: "epoch %ld: train %.2f %%, test %.2f %%%@", e.epoch, e.trainAccuracy, e.testAccuracy,
            (e.phase.isEmpty ? "" : ", updating the \(e.phase == "fine" ? "small" : "big") arrays\(e.switchesAfter ? "; switching to the small arrays" : "")") as NSString), to: &err)
        }
      },
      shouldStop: { interruptRequested != 0 || logFailure != nil },
      save: save, saveDue: saveDue,
      finished: finished)
    bar.finish()
    return (result, logFailure)
  }

  /// MNIST's training set as `scripts/fetch-mnist` writes it, by
  /// `IDXDataset.checksum`: a plot of a run on it does not name its data.
  static let mnistTrainChecksum: UInt64 = 0x7aa0_09b2_dcf1_6f56

  /// What a plot's title adds to the run's description: the data when they
  /// are not MNIST's training set (by the directory that holds them), and
  /// the checkpoint a continued run starts from, whose images its x axis
  /// does not count. Two plots of a run on Fashion-MNIST and on MNIST, or
  /// of a run and its continuation, had one title (session 65's left item).
  static func plotContext(data: IDXDataset, continuing: (path: String, images: Int)?) -> String {
    var parts: [String] = []
    if data.checksum != mnistTrainChecksum {
      let name = data.imagesFile.map { URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent } ?? "data built in memory"
      parts.append("on \(name)")
    }
    if let (path, images) = continuing {
      parts.append("going on from \(URL(fileURLWithPath: path).lastPathComponent) (\(images) images before)")
    }
    return parts.map { "; " + $0 }.joined()
  }

  static func writePlot(_ result: TrainingResult, _ cfg: TrainingConfiguration, context: String = "", to path: String) throws {
    var plot = SVGLinePlot(
      title: "Test accuracy, \(describe(cfg))\(context)", xLabel: "training images", yLabel: "test accuracy (%)")
    plot.series = [
      .init(label: describe(cfg), x: result.points.map { Double($0.images) }, y: result.points.map(\.accuracy))
    ]
    plot.yBounds = 0...100
    plot.xIntegers = true
    plot.emptyNote = "no evaluation point: the run stopped before its first"
    // The hybrid's switch to the small arrays, as a vertical line over the
    // accuracies' range at the end of its last dynamic epoch (Choi Fig. 4A).
    if let e = result.phaseSwitchEpoch, e < result.epochs.count,
      let lo = result.points.map(\.accuracy).min(), let hi = result.points.map(\.accuracy).max()
    {
      let x = Double(result.epochs[e - 1].images)
      plot.series.append(.init(label: "switch to the small arrays after epoch \(e)", x: [x, x], y: [lo, hi]))
    }
    try OutputFile.write(plot.render(), to: path)
  }

  /// The training and test sets as a JSON object (`train_images`,
  /// `test_images`, `features`, `train_checksum`, `test_checksum`): what a
  /// resumable result file (a sweep, a reproduce journal) keeps to refuse
  /// other data, which the configuration does not name.
  static func dataJSON(train: IDXDataset, test: IDXDataset) -> String {
    var j = JSONWriter()
    j.add("train_images", train.count)
    j.add("test_images", test.count)
    j.add("features", train.features)
    j.add("train_checksum", String(train.checksum, radix: 16))
    j.add("test_checksum", String(test.checksum, radix: 16))
    return j.finished().trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The four files read, by absolute path (the `.gz` where that was
  /// read): `train_images`, `train_labels`, `test_images`, `test_labels`.
  /// The summary's record of where its data came from, which the
  /// checksums alone do not say (a walkthrough, session 44); not part of
  /// `dataJSON`, which sweeps and journals compare (the same data from
  /// another directory is the same data). Nil for sets built in memory.
  static func dataFilesJSON(train: IDXDataset, test: IDXDataset) -> String? {
    guard let a = train.imagesFile, let b = train.labelsFile, let c = test.imagesFile, let d = test.labelsFile else { return nil }
    var j = JSONWriter()
    j.add("train_images", a)
    j.add("train_labels", b)
    j.add("test_images", c)
    j.add("test_labels", d)
    return j.finished().trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// What a hybrid run that never switched to its small arrays did
  /// (`train`'s note and each sweep point's).
  static func neverSwitched(epochs: Int, _ cfg: TrainingConfiguration) -> String {
    "the hybrid never switched to its small arrays in \(epochs) epochs (each gained at least switch_threshold \(ConfigurationError.shown(cfg.switchThreshold)) points of training accuracy), so it trained as --rule single would"
  }

  /// The epoch records as a JSON array of objects.
  static func epochsJSON(_ epochs: [EpochRecord]) -> String {
    let items = epochs.map { e -> String in
      var o = JSONWriter()
      o.add("epoch", e.epoch)
      o.add("images", e.images)
      o.add("train_accuracy", e.trainAccuracy)
      o.add("test_accuracy", e.testAccuracy)
      if e.loss.isNaN { o.addRaw("train_loss", "null") } else { o.add("train_loss", e.loss) }
      if let m = e.meanSquaredError { o.add("mse", m) }
      o.add("pulses", e.pulses)
      if let n = e.cellUpdates { o.add("cell_updates", n) }
      if let f = e.updateFrequency { o.add("update_frequency", f) }
      if !e.phase.isEmpty { o.add("phase", e.phase) }
      if let f = e.bigAtLimit { o.add("big_at_limit", f) }
      if let f = e.smallAtLimit { o.add("small_at_limit", f) }
      return o.finished().trimmingCharacters(in: .whitespacesAndNewlines)
        .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
    }
    return "[" + items.map { "\n    " + $0 }.joined(separator: ",") + (items.isEmpty ? "]" : "\n  ]")
  }

  /// `energy_per_image_joules`, `latency_per_image_seconds` and their
  /// breakdowns: the runs' ledgers per training image, averaged over the
  /// runs (null without a ledger: float SGD and off-chip learning).
  static func addEnergy(_ json: inout JSONWriter, ledgers: [EnergyLedger], images: Double) {
    guard !ledgers.isEmpty, images > 0 else {
      for k in ["energy_per_image_joules", "latency_per_image_seconds", "energy_breakdown_joules", "latency_breakdown_seconds"] {
        json.addRaw(k, "null")
      }
      return
    }
    let n = Double(ledgers.count) * images
    func mean(_ f: (EnergyLedger) -> Double) -> Double { ledgers.map(f).reduce(0, +) / n }
    func object(_ parts: [(String, Double)]) -> String {
      "{" + parts.map { "\"\($0.0)\": \(JSONWriter.number($0.1))" }.joined(separator: ", ") + "}"
    }
    json.add("energy_per_image_joules", mean(\.energy))
    json.add("latency_per_image_seconds", mean(\.latency))
    let names = ledgers[0].energyBreakdown.map(\.0), times = ledgers[0].latencyBreakdown.map(\.0)
    json.addRaw("energy_breakdown_joules", object(names.indices.map { k in (names[k], mean { $0.energyBreakdown[k].1 }) }))
    json.addRaw("latency_breakdown_seconds", object(times.indices.map { k in (times[k], mean { $0.latencyBreakdown[k].1 }) }))
  }

  /// Every top-level key `summaryJSON` may write: a file given to
  /// --config with a `configuration` object and any other key is refused
  /// (`"epoch": 3` beside it ran one epoch silently; a walkthrough,
  /// session 44).
  static let summaryKeys: Set<String> = [
    "test_accuracy", "accuracy_mean_last", "accuracy_min_last", "accuracy_max_last", "train_images",
    "seconds_train", "seconds_evaluate", "images_per_second", "pulses", "repotentiation_pulses", "resets",
    "read_energy_joules", "energy_per_image_joules", "latency_per_image_seconds", "energy_breakdown_joules",
    "latency_breakdown_seconds", "train_accuracy", "cell_updates", "phase_switch_epoch", "epochs",
    "mean_conductance", "solver_iterations_per_read", "evaluation_points", "interrupted", "checkpoint_in", "run",
    "device", "xbarsim", "data", "data_files", "configuration", "adc_clipped_fraction", "endurance", "line_settling",
    "write_drop", "stuck_devices", "stuck_map_file", "drift", "refresh",
    // `evaluate --summary`'s own (its configuration is a checkpoint's).
    "test_images", "checkpoint", "read_changed",
  ]

  /// The summary's `endurance` object: over all layers at its top, then
  /// per layer (`layers`).
  static func enduranceJSON(_ e: EnduranceStatistics) -> String {
    func device(_ d: EnduranceStatistics.Device) -> String {
      "{\"count\": \(d.count), \"layer\": \(d.layer), \"row\": \(d.row), \"column\": \(d.column), \"polarity\": \"\(d.polarity)\""
        + (d.kind.map { ", \"kind\": \"\($0)\"" } ?? "") + "}"
    }
    func group(_ g: EnduranceStatistics.Group, _ o: inout JSONWriter) {
      if let l = g.layer { o.add("layer", l) }
      o.add("devices", g.devices)
      o.add("pulses", g.pulses)
      o.add("resets", g.resets)
      o.addRaw("max_pulses", device(g.maxPulses))
      o.addRaw("max_resets", device(g.maxResets))
      o.add("mean_pulses", g.meanPulses)
      o.add("mean_resets", g.meanResets)
      o.addRaw("pulse_quantiles", "{\"p50\": \(g.p50), \"p90\": \(g.p90), \"p99\": \(g.p99), \"max\": \(g.max)}")
      o.addRaw("stuck", "{\"devices\": \(g.stuckDevices), \"pulses\": \(g.stuckPulses), \"resets\": \(g.stuckResets)}")
      o.addRaw("stuck_partners", "{\"devices\": \(g.partnerDevices), \"pulses\": \(g.partnerPulses), \"resets\": \(g.partnerResets)}")
    }
    var json = JSONWriter()
    group(e.all, &json)
    json.add("saturated", e.saturated)
    let layers = e.layers.map { g -> String in
      var o = JSONWriter()
      group(g, &o)
      return o.finished().trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n    ")
    }
    json.addRaw("layers", "[\n    " + layers.joined(separator: ",\n    ") + "\n  ]")
    return json.finished().trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The summary's `drift` list: per time, its accuracies and gains.
  static func driftJSON(_ points: [DriftPoint]) -> String {
    guard !points.isEmpty else { return "[]" }
    let rows = points.map { p -> String in
      var o = JSONWriter()
      o.add("seconds", p.seconds)
      o.add("test_accuracy", p.accuracy)
      o.add("test_accuracy_compensated", p.compensatedAccuracy)
      o.addRaw("gains", "[" + p.gains.map(JSONWriter.number).joined(separator: ", ") + "]")
      return o.finishedOnOneLine()
    }
    return "[\n    " + rows.joined(separator: ",\n    ") + "\n  ]"
  }

  /// The summary's `refresh` object (`drift_refresh`).
  static func refreshJSON(_ f: DeploymentRefresh) -> String {
    "{\"pairs\": \(f.pairs), \"pulses\": \(f.pulses), \"resets\": \(f.resets), \"energy_joules\": \(JSONWriter.number(f.energy)), \"test_accuracy\": \(JSONWriter.number(f.accuracy))}"
  }

  /// The lines `train` prints for `drift_times`: a header, the refresh
  /// before them (`drift_refresh`), then one per time.
  static func driftLines(_ points: [DriftPoint], _ cfg: TrainingConfiguration, refresh: DeploymentRefresh? = nil) -> [String] {
    guard !points.isEmpty else { return [] }
    let sigma = cfg.driftNuSigma > 0 ? ", σ_ν " + JSONWriter.number(cfg.driftNuSigma) : ""
    let law = cfg.driftNuModel == .pcm ? "ν of each device's G, pcm" : "ν " + JSONWriter.number(cfg.driftNu) + sigma
    let noise = cfg.driftReadNoise == .pcm ? ", pcm read noise" : ""
    let compensation = cfg.driftCompensation == .column ? "per-column" : "global"
    var lines = ["drift (" + law + noise + ", t0 " + JSONWriter.number(cfg.driftT0) + " s): test accuracy after t, without and with " + compensation + " compensation"]
    if let r = refresh {
      lines.append(String(
        format: "  refreshed before drift (a copy of the arrays): %ld pairs, %ld pulses, %ld resets, %.3g J; %.2f %% at t0", r.pairs,
        r.pulses, r.resets, r.energy, r.accuracy))
    }
    for p in points {
      lines.append(String(
        format: "  t %@ s: %.2f %%, compensated %.2f %% (gains %@)", JSONWriter.number(p.seconds) as NSString, p.accuracy,
        p.compensatedAccuracy, p.gains.map { String(format: "%.4g", $0) }.joined(separator: ", ") as NSString))
    }
    return lines
  }

  static func summaryJSON(
    _ r: TrainingResult, _ cfg: TrainingConfiguration, data: String? = nil, dataFiles: String? = nil,
    checkpointIn: (path: String, trainImages: Int, devicesTrainImages: Int)? = nil,
    settling: LineSettling?? = nil, run: WholeRun? = nil
  ) -> String {
    var json = JSONWriter()
    // Null, not 0, when the run was stopped before its first evaluation
    // point (or, for train_accuracy, before its first epoch ended).
    func accuracy(_ key: String, _ value: Double, known: Bool) {
      if known { json.add(key, value) } else { json.addRaw(key, "null") }
    }
    let evaluated = !r.points.isEmpty
    accuracy("test_accuracy", r.testAccuracy, known: evaluated)
    accuracy("accuracy_mean_last", r.accuracyMeanLast, known: evaluated)
    accuracy("accuracy_min_last", r.accuracyMinLast, known: evaluated)
    accuracy("accuracy_max_last", r.accuracyMaxLast, known: evaluated)
    json.add("train_images", r.trainImages)
    json.add("seconds_train", r.secondsTrain)
    json.add("seconds_evaluate", r.secondsEvaluate)
    json.add("images_per_second", r.imagesPerSecond)
    json.add("pulses", r.pulses)
    json.add("repotentiation_pulses", r.repotentiationPulses)
    json.add("resets", r.resets)
    // Null, not 0, where nothing is accounted: float SGD and off-chip
    // training read no array while they train (as their energy fields).
    if r.ledger != nil { json.add("read_energy_joules", r.readEnergy) } else { json.addRaw("read_energy_joules", "null") }
    addEnergy(&json, ledgers: r.ledger.map { [$0] } ?? [], images: Double(r.trainImages))
    accuracy("train_accuracy", r.trainAccuracy, known: !r.epochs.isEmpty)
    if cfg.rule.isFiniteState { json.add("cell_updates", r.cellUpdates) }
    if cfg.rule == .hybrid {
      if let e = r.phaseSwitchEpoch { json.add("phase_switch_epoch", e) } else { json.addRaw("phase_switch_epoch", "null") }
    }
    json.addRaw("epochs", epochsJSON(r.epochs))
    // Float SGD has no devices; an off-chip run solves no training read
    // (its evaluations go through the transfer matrices).
    if cfg.rule == .float { json.addRaw("mean_conductance", "null") } else { json.add("mean_conductance", r.meanConductance) }
    // With stuck devices: how many each layer has, and over all layers.
    if let layers = r.stuckDevices {
      func object(_ c: StuckCount, layers: [StuckCount]? = nil) -> String {
        var o = JSONWriter()
        o.add("open", c.open)
        o.add("shorted", c.shorted)
        o.add("devices", c.devices)
        if let layers { o.addRaw("layers", "[" + layers.map { object($0) }.joined(separator: ", ") + "]") }
        return o.finishedOnOneLine()
      }
      let all = StuckCount(
        open: layers.reduce(0) { $0 + $1.open }, shorted: layers.reduce(0) { $0 + $1.shorted }, devices: layers.reduce(0) { $0 + $1.devices })
      json.addRaw("stuck_devices", object(all, layers: layers))
    }
    // With resistive lines and line_capacitance: the slowest line's far
    // cell at read_time (the note's figures, kept with the results).
    // (`settling`: the caller's, already worked; nil: work it here.)
    if let l = settling ?? lineSettling(cfg) {
      var o = JSONWriter()
      o.add("layer", l.layer)
      o.add("word_cells", l.wordCells)
      o.add("bit_cells", l.bitCells)
      o.add("share_at_read_time", l.share)
      o.add("seconds_to_999", l.settled)
      o.add("program_layer", l.programLayer)
      o.add("program_share", l.programShare)
      json.addRaw("line_settling", o.finishedOnOneLine())
    }
    // With an ADC: per layer, the share of the last evaluation's test-set
    // sums it clipped (null without an ADC, or before the first point).
    if cfg.rule != .float {
      if let f = r.adcClippedFractions {
        json.addRaw("adc_clipped_fraction", "[" + f.map(JSONWriter.number).joined(separator: ", ") + "]")
      } else {
        json.addRaw("adc_clipped_fraction", "null")
      }
    }
    if cfg.wireModel != .ideal {
      if r.solverSolves > 0 {
        json.add("solver_iterations_per_read", Double(r.solverIterations) / Double(r.solverSolves))
      } else {
        json.addRaw("solver_iterations_per_read", "null")
      }
    }
    // With write_lines resistive: what the update's pulses saw.
    if let w = r.writeLines {
      var o = JSONWriter()
      o.add("rule_pulses", w.rulePulses)
      o.add("pulses_below_threshold", w.pulsesBelowThreshold)
      o.add("sequences_below_threshold", w.sequencesBelowThreshold)
      // Rules hybrid and single: parallel slots whose solve stopped at its
      // sweep limit.
      if w.parallel { o.add("unconverged_slots", w.unconvergedSlots) }
      o.add("least_share", w.leastShare)
      o.add("mean_share", w.meanShare)
      json.addRaw("write_drop", o.finishedOnOneLine())
    }
    // With drift_times: each time's accuracy of the drifted arrays.
    if !cfg.driftTimes.isEmpty && cfg.rule != .float {
      json.addRaw("drift", driftJSON(r.drift))
    }
    // With drift_refresh: what the refresh of the drifting copy did.
    if let f = r.refresh { json.addRaw("refresh", refreshJSON(f)) }
    json.add("evaluation_points", r.points.count)
    json.add("interrupted", r.interrupted)
    // Every device's wear, when asked for (`endurance`).
    if let e = r.endurance { json.addRaw("endurance", enduranceJSON(e).replacingOccurrences(of: "\n", with: "\n  ")) }
    // A run that started from a checkpoint's devices says so (only then),
    // by the file's real path, as `device_csv` is written (as typed, the
    // note of a re-run from another directory named no file there).
    if let checkpointIn {
      json.addRaw(
        "checkpoint_in",
        "{\"path\": \(JSONWriter.string(OutputFile.realPath(checkpointIn.path) ?? checkpointIn.path)), \"train_images\": \(checkpointIn.trainImages), \"devices_train_images\": \(checkpointIn.devicesTrainImages)}")
    }
    // The whole run a part went on with (`--epochs rest`): all its parts.
    if let run { json.addRaw("run", run.json) }
    // The measured device's file as it was read: the configuration names
    // only its path (a file edited since re-ran silently as another
    // device; a walkthrough, session 44).
    if let m = cfg.measuredDevice {
      // A file of several cycles: their number and the variation of a
      // pulse's step from cycle to cycle, as the run's note gives them.
      let cycles = m.cycles.map { c in
        ", \"cycles\": \(c.count), \"step_variability\": \(c.potentiationVariability.map(JSONWriter.number) ?? "null")"
          + ", \"step_variability_robust\": \(c.robustPotentiationVariability.map(JSONWriter.number) ?? "null")"
          + ", \"cycles_left_out\": \(c.leftOutCount), \"outlying_reads\": \(c.outlyingCount)"
          + (m.depression.isEmpty ? "" : ", \"depression_step_variability\": \(c.depressionVariability.map(JSONWriter.number) ?? "null")")
      } ?? ""
      json.addRaw("device", "{\"path\": \(JSONWriter.string(m.path)), \"checksum\": \(JSONWriter.string(String(m.checksum, radix: 16)))\(cycles)}")
    }
    // A stuck map likewise: its file, its records and their checksum
    // (not `stuck_map`, a configuration key, which --config would take
    // for one outside its object).
    if let m = cfg.stuckMap {
      json.addRaw(
        "stuck_map_file",
        "{\"path\": \(JSONWriter.string(m.path)), \"records\": \(m.entries.count), \"checksum\": \(JSONWriter.string(String(m.checksum, radix: 16)))}")
    }
    // Which build made it (`xbarsim --version`).
    json.add("xbarsim", Xbarsim.build)
    // Which data: the configuration does not name it. (The configuration
    // stays the last key: cut from there, the file's end is a config file.)
    if let data { json.addRaw("data", data.replacingOccurrences(of: "\n", with: "\n  ")) }
    if let dataFiles { json.addRaw("data_files", dataFiles.replacingOccurrences(of: "\n", with: "\n  ")) }
    json.addRaw("configuration", configurationJSON(cfg).replacingOccurrences(of: "\n", with: "\n  "))
    return json.finished()
  }
}

/// The whole run that a part went on with (`--epochs rest`, from a
/// checkpoint holding the parts before it): what the summary's `run` and
/// the result line say.
struct WholeRun {
  var record: RunRecord
  /// Training images of all parts.
  var trainImages: Int
  /// The test set's size (for the mean of its accuracies).
  var testImages: Int

  /// The summary's `run` object, on one line.
  var json: String {
    var o = JSONWriter()
    o.add("parts", record.parts)
    o.add("train_images", trainImages)
    o.add("pulses", record.pulses)
    o.add("repotentiation_pulses", record.repotentiations)
    o.add("resets", record.resets)
    o.add("evaluation_points", record.points.count)
    let a = record.accuracies(testImages: testImages)
    for (key, value) in [
      ("test_accuracy", a?.last), ("accuracy_mean_last", a?.mean), ("accuracy_min_last", a?.min), ("accuracy_max_last", a?.max),
      ("seconds_train", record.secondsTrain),
    ] {
      if let value { o.add(key, value) } else { o.addRaw(key, "null") }
    }
    for (key, value) in [("epochs", record.epochs), ("phase_switch_epoch", record.switchEpoch)] {
      if let value { o.add(key, value) } else { o.addRaw(key, "null") }
    }
    TrainCommand.addEnergy(&o, ledgers: record.ledger.map { [$0] } ?? [], images: Double(trainImages))
    return o.finishedOnOneLine()
  }

  /// The result line: "the whole run (3 parts, 60000 images in 0.41 s
  /// train): test accuracy
  /// 95.29 % (last 10 % of points: mean …), … pulses, … resets".
  var line: String {
    let accuracy = record.accuracies(testImages: testImages).map {
      String(format: "test accuracy %.2f %% (%@: mean %.2f, min %.2f, max %.2f)", $0.last, record.windowText as NSString, $0.mean, $0.min, $0.max)
    } ?? "test accuracy not evaluated (no evaluation point in any part)"
    let seconds = record.secondsTrain.map { String(format: " in %.2f s train", $0) } ?? ""
    let energy = record.ledger.flatMap { e in
      trainImages > 0 ? String(format: "; per training image: energy %.3g J, latency %.3g s", e.energy / Double(trainImages), e.latency / Double(trainImages)) : nil
    } ?? ""
    let switched = record.switchEpoch.map { "; switched to fine tuning after its epoch \($0)" } ?? ""
    return "the whole run (\(record.parts) parts, \(trainImages) images\(seconds)): \(accuracy); \(record.pulses) pulses, \(record.resets) resets\(energy)\(switched)"
  }
}

/// A one-line progress bar on standard error (redrawn in place on a
/// terminal; otherwise a line per 10 %, and one a minute in between, so
/// that a slow run's log, e.g. with resistive lines, is not silent).
struct ProgressBar {
  let label: String
  let enabled: Bool
  let isTerminal = isatty(STDERR_FILENO) != 0
  var lastDecile = -1
  var drawn = false
  /// When the last line was printed (not on a terminal), and how long a
  /// line may wait.
  var lastLine = DispatchTime.now().uptimeNanoseconds
  var lineInterval: UInt64 = 60_000_000_000

  init(label: String, enabled: Bool) {
    self.label = label
    self.enabled = enabled
  }

  mutating func update(_ p: TrainingProgress) {
    guard enabled else { return }
    var err = StandardError()
    let frac = Double(p.images) / Double(max(1, p.totalImages))
    let acc = p.lastAccuracy.map { String(format: "%.2f %%", $0) } ?? "–"
    if isTerminal {
      print("\r" + Self.terminalLine(p, columns: Self.terminalColumns()), terminator: "", to: &err)
      drawn = true
    } else {
      if lineDue(frac, now: DispatchTime.now().uptimeNanoseconds) {
        print(String(format: "%@: %ld/%ld images, %.0f images/s, test %@", label as NSString, p.images, p.totalImages,
          p.imagesPerSecond, acc as NSString), to: &err)
      }
    }
  }

  /// The bar's line on a terminal of `columns`: shorter than it, the bar
  /// narrowed (30 characters at most) or left out, then the text cut. A
  /// line as long as the terminal wraps, and "\r" redraws its last row
  /// only, leaving the others on screen (a soak walkthrough, session 71,
  /// at 40 columns: every redraw had been 85 characters).
  static func terminalLine(_ p: TrainingProgress, columns: Int) -> String {
    let frac = Double(p.images) / Double(max(1, p.totalImages))
    let acc = p.lastAccuracy.map { String(format: "%.2f %%", $0) } ?? "–"
    let text = String(format: " %ld/%ld images  %.0f images/s  test %@ ", p.images, p.totalImages, p.imagesPerSecond, acc as NSString)
    let width = min(30, columns - 1 - 2 - text.count)
    guard width >= 5 else {
      // Without the bar: the speed goes before the accuracy does.
      let short = String(format: "%ld/%ld images  test %@", p.images, p.totalImages, acc as NSString)
      let line = text.count - 1 <= columns - 1 ? String(text.dropFirst()) : short
      return String(line.prefix(max(0, columns - 1)))
    }
    let filled = min(width, max(0, Int(frac * Double(width))))
    return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]" + text
  }

  /// Standard error's terminal width in columns (80 when it does not say).
  static func terminalColumns() -> Int {
    var size = winsize()
    guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
    return Int(size.ws_col)
  }

  /// Whether a line is due (not on a terminal): a new tenth of the run,
  /// or `lineInterval` since the last line. Notes the line as printed.
  mutating func lineDue(_ frac: Double, now: UInt64) -> Bool {
    let decile = Int(frac * 10)
    guard decile > lastDecile || now &- lastLine >= lineInterval else { return false }
    lastDecile = max(lastDecile, decile)
    lastLine = now
    return true
  }

  mutating func finish() {
    guard enabled, drawn else { return }
    drawn = false
    var err = StandardError()
    print("", to: &err)
  }
}
