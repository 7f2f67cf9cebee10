import Circuit
import Foundation
import Peripherals
import Trainer

/// `xbarsim inspect`: a few training samples with every line, neuron and
/// pulse recorded.
enum InspectCommand: CLICommand {
  static let spec = CommandSpec(
    name: "inspect",
    abstract: "Record every line voltage and current, neuron and pulse of a few training samples.",
    usage: "xbarsim inspect [--data DIR] [--config FILE] [--<key> <value> ...] [--checkpoint FILE] [--phase dynamic|fine] --samples N --out DIR",
    discussion: """
      Rule lim: builds the configured Lim network (from scratch, or from a checkpoint written by
      'xbarsim train --checkpoint-out'; its configuration is the base, and options may
      change anything but the network's shape and device keys) and trains it on N
      samples: the first N of the first epoch's training order (after --start K). From a
      checkpoint, the samples are those its run would have trained next: the rest of the
      epoch it stopped in (its epoch_images on), or the next epoch's order from its start
      (--start K skips K more).
      Of train's options below, --rule takes lim (below: hybrid and single) and --learning
      on-chip only (give --learning on-chip to inspect an off-chip run's programmed
      arrays), and the keys that only draw the devices (--initial-fraction, --negative-scale) are
      refused beside a checkpoint, which holds them. Every read of these samples is
      taken the exact way (DifferentialArray.read: nodal solves with resistive
      lines) and recorded with every pulse and reset.

      Writes into DIR: inspect.json (everything, per sample), lines.csv, neurons.csv,
      pulses.csv, pulses.vcd (one real signal per D±/S± line of every array, time unit
      1 ps: each read, pulse or reset takes one --slot-time slot and lasts --read-time,
      --program-time or --reset-time; open it in GTKWave) and arrayL.svg (heat maps of
      the conductances and the last sample's forward line currents). docs/inspect.md
      gives the schemas.

      Rules hybrid and single: builds the network from scratch, trains the first K
      samples of the first epoch's training order normally (--start K; unlike rule
      lim's --start, which only skips them), then records the next N: every update's
      row and column pulse trains and every cell they program. --phase fine (rule
      hybrid only) switches to the small arrays before the K samples. From a checkpoint
      of rule hybrid or single ('xbarsim train --rule hybrid --checkpoint-out'), the
      network starts from its devices and phase and the samples its run would have
      trained next (as for rule lim), --start K skips K more (the checkpoint holds the
      training), and the trains and c2c noise go on from the checkpoint's streams. Writes into DIR: inspect.json (per sample: image,
      label, prediction, loss, phase, pulses, repotentiation_pulses, resets,
      coincidences, network_pulses; and the configuration), trains.csv (one row per
      line with a non-empty train: sample, layer, line row|column, index, value (x or
      δ), array (both, or the plus (δ < 0) or minus (δ > 0) array a column drives),
      pulses, train as BL characters, slot 0 first), cells.csv (one row per device of
      the selected arrays that moved or had a coincidence: coincidences =
      popcount(row train AND column train), device_before, device_after in units of
      the big G_max, refresh 1 when the saturation pass reset the pair) and
      neurons.csv (sample, layer, neuron, sum, activation, delta, sense_offset,
      comparator_offset), and arrayL.svg (heat
      maps of layer L's devices and W after the last sample).
      """,
    options: TrainCommand.commonOptions + [
      OptionSpec("--samples", "<n>", "Training samples to inspect (required)."),
      OptionSpec("--out", "<dir>", "Output directory (required)."),
      OptionSpec("--checkpoint", "<file.json>", "Start from this checkpoint's device states (and phase, rules hybrid and single)."),
      OptionSpec("--start", "<k>", "Begin K samples into the training order (default 0): rule lim skips them, rules hybrid and single train them; from a checkpoint, K more after its run's place, skipped."),
      OptionSpec("--phase", "<dynamic|fine>", "Rule hybrid: record the big (dynamic, default) or small (fine) arrays' updates."),
    ],
    // Parsed (to refuse them by name) but not offered: inspect trains a few
    // samples and never evaluates.
    hiddenInHelp: ["--epochs", "--evals-per-epoch", "--final-iterations", "--test-limit", "--endurance"])

  /// What charging a read's driven lines costs (J): D±_i (N cells each)
  /// at their drives forward, S±_j (M cells each) transposed, C·n·V² a
  /// line with C `line_capacitance`.
  static func lineEnergy(_ read: ReadRecord, _ cfg: TrainingConfiguration) -> Double {
    let forward = read.direction == .forward
    let cells = forward ? cfg.layers[read.array + 1] : cfg.layers[read.array] + 1
    return cfg.lineCapacitance * 2 * Double(cells) * (forward ? read.drainVoltage : read.sourceVoltage).reduce(0) { $0 + $1 * $1 }
  }

  /// One read, pulse or reset slot of the timeline.
  struct Step {
    var slot: Int
    var phase: Int
    var array: Int
    var width: Double
    var drives: [(line: Int, volts: Double)]
  }

  /// The data, the experiment that gives the training order, and that
  /// order, once `--start` + `--samples` are checked against it and the
  /// memory the network needs (every rule's inspect).
  /// From a checkpoint (`saved` at `path`), the order is the one its run
  /// would have trained next: the rest of the epoch it stopped in (as
  /// `train --checkpoint-in` goes on), or the next epoch's; the samples
  /// begin at its place (`start` counts on from there: `first`), and a
  /// note says where.
  static func trainingOrder(
    _ args: ParsedArguments, _ cfg: TrainingConfiguration, samples: Int, start requested: Int,
    from saved: (path: String, saved: Checkpoint.Saved)? = nil
  ) throws -> (Experiment, order: [Int], first: Int, notes: [String]) {
    let (train, test) = try TrainCommand.datasets(args)
    let experiment: Experiment
    // inspect never evaluates: the evaluation schedule is not checked
    // against the training images (a --train-limit below 100 is fine).
    var trained = cfg
    trained.evaluationsPerEpoch = 1
    do { experiment = try Experiment(configuration: trained, train: train, test: test) } catch let e as ConfigurationError
      where e.field == "layers" && TrainCommand.explicitKeys(args, includingSummary: true).contains("layers")
    {
      // Named as `train` names it ("--layers: …", not "layers: …").
      throw CLIError.runtime(TrainCommand.keyError(e.field, e.message, args).description)
    } catch {
      throw CLIError.runtime("\(error)")
    }
    var order = experiment.firstEpochOrder
    var start = requested
    // (Printed by the caller once the checkpoint has loaded: a failing
    // command's first line is its error.)
    var notes: [String] = []
    if let (path, saved) = saved {
      let (into, note) = TrainCommand.place(of: saved, path, cfg, epoch: order.count, dataCount: train.count, trainChecksum: train.checksum)
      // (Shuffles the checkpoint's run made; one more for a new epoch.)
      let shuffles = saved.place.shuffles + (into > 0 ? 0 : 1)
      order = experiment.epochOrder(shuffles: shuffles)
      if let note { notes.append("inspect: \(note.replacingOccurrences(of: "this run", with: "inspect"))") }
      // Saved at an epoch's end, as `train` says it (an exit-code audit,
      // session 70: inspect on other data had said nothing).
      if saved.place.epochImages == 0, let other = TrainCommand.otherTrainingData(saved, train.checksum) {
        notes.append("inspect: the run that saved \(path) trained on other training data (\(other))")
      }
      // Settings changed from the saved run's by an option or --config,
      // as `train --checkpoint-in` says them (a walkthrough, session 78:
      // `--stuck-known false` on a knowing run's checkpoint changed its
      // controller without a word). An off-chip run's arrays are inspected
      // on chip by design.
      let differing = TrainCommand.otherSettings(saved.configuration, cfg).filter { !(saved.configuration.mode == .offChip && $0.key == "learning") }
      if !differing.isEmpty {
        notes.append("inspect: the run that saved \(path) had other settings (\(TrainCommand.settingsText(differing))): inspect trains its devices with its own")
      }
      if into + requested > 0 {
        notes.append("inspect: the samples begin at sample \(into + requested) of the order of epoch \(max(1, shuffles)) of the checkpoint's run")
      }
      start = into + requested
    }
    guard start <= order.count && samples <= order.count - start else {
      let place = start == requested ? "" : " (from the checkpoint's place, \(start - requested) images into the epoch)"
      throw CLIError.usage("--start \(requested) + --samples \(samples) exceed the \(order.count) training images\(place)")
    }
    try TrainCommand.checkMemory(cfg, args)
    return (experiment, order, start, notes)
  }

  /// With resistive lines every read records both meshes' node voltages
  /// (4 numbers a cell): a note when inspect.json would pass 200 MB (a
  /// walkthrough, session 63: 100 samples of 784-200-10 wrote 1.42 GB in
  /// 4.4 minutes without a word). About 23 bytes a number, measured
  /// (2 samples of 784-200-10: 29.2 MB); a forward read per layer, a
  /// transposed one per layer above the first.
  static func nodeVoltagesNote(_ cfg: TrainingConfiguration, samples: Int) -> String? {
    guard cfg.wires == .resistive else { return nil }
    var numbers = 0.0
    for l in 0..<(cfg.layers.count - 1) {
      numbers += Double(l == 0 ? 1 : 2) * 4 * Double(cfg.layers[l] + 1) * Double(cfg.layers[l + 1])
    }
    let perSample = 23 * numbers, total = perSample * Double(samples)
    guard total > 200e6 else { return nil }
    func size(_ b: Double) -> String { b >= 1e9 ? String(format: "%.1f GB", b / 1e9) : String(format: "%.0f MB", b / 1e6) }
    return "note: with wires resistive inspect.json records both meshes' node voltages at every read: about \(size(perSample)) a sample here, \(size(total)) for \(samples) samples (written at the end, or at a stop request for the samples done; fewer --samples write less)"
  }

  static func run(_ args: ParsedArguments) throws {
    guard let samples = try args.int("--samples") else { throw CLIError.usage("missing --samples N") }
    guard samples >= 1 && samples <= 100_000 else { throw CLIError.usage("--samples must be in 1...100000, got \(samples)") }
    guard let out = args.string("--out") else { throw CLIError.usage("missing --out DIR") }
    if out == "-" { throw CLIError.usage("--out -: DIR is a directory of files, not standard output") }
    let start = try args.int("--start", default: 0)
    guard start >= 0 else { throw CLIError.usage("--start must be ≥ 0, got \(start)") }
    let checkpoint = args.string("--checkpoint")
    let saved = try checkpoint.map { try Checkpoint.read($0) }
    let base = saved?.configuration ?? TrainingConfiguration()
    var cfg = try TrainCommand.configuration(args, base: base, baseName: checkpoint)
    if let checkpoint, let saved {
      try TrainCommand.checkCheckpoint(args, cfg, checkpoint, saved)
      TrainCommand.droppingUnreadCheckpointKeys(&cfg, args)
    }
    if cfg.rule.isFiniteState {
      try runHybrid(args, cfg, samples: samples, out: out, start: start, checkpoint: checkpoint.map { ($0, saved!) })
      return
    }
    // A hybrid checkpoint given --rule lim (a Lim checkpoint given --rule
    // hybrid is told in runHybrid).
    if let checkpoint, let saved, saved.hybrid != nil {
      throw CLIError.runtime(
        "\(checkpoint): the checkpoint holds rule \(saved.configuration.rule.rawValue)'s device states, not rule \(cfg.rule.rawValue)'s: leave out --rule to inspect its arrays")
    }
    if args.string("--phase") != nil {
      throw CLIError.usage("--phase: applies to rule hybrid only (its big or small arrays), not rule \(cfg.rule.rawValue)")
    }
    let files = ["inspect.json", "lines.csv", "neurons.csv", "pulses.csv", "pulses.vcd"]
      + (0..<cfg.layers.count - 1).map { "array\($0).svg" } + (cfg.hasStuckDevices ? ["stuck.csv"] : [])
    try TrainCommand.refuseOverwriting(
      TrainCommand.inputFiles(args, cfg) + [("--checkpoint", checkpoint)], by: [("--out", out)] + files.map { ("--out", out + "/" + $0) })
    guard cfg.rule == .lim && cfg.mode == .onChip else {
      // A checkpoint's own rule or learning (not overridden on the command
      // line): name the checkpoint and how to train its arrays.
      let given = TrainCommand.explicitKeys(args)
      let ruleWrong = cfg.rule != .lim, learningWrong = cfg.mode != .onChip
      if let checkpoint, !(ruleWrong && given.contains("rule")), !(learningWrong && given.contains("learning")) {
        let what = (ruleWrong ? ["rule \(cfg.rule.rawValue)"] : []) + (learningWrong ? ["learning \(cfg.mode.rawValue)"] : [])
        let options = (ruleWrong ? ["--rule lim"] : []) + (learningWrong ? ["--learning on-chip"] : [])
        // (Exit 64, as train's refusal of the same checkpoint: keys that
        // do not go together; it had been 1, a walkthrough, session 65.)
        throw CLIError.configuration(
          "\(checkpoint): the checkpoint's configuration is \(what.joined(separator: " and ")); inspect trains the arrays on-chip with rule lim: give \(options.joined(separator: " ")) to train its \(cfg.mode == .offChip ? "programmed " : "")arrays")
      }
      throw CLIError.usage("inspect needs --rule lim (with --learning on-chip), hybrid or single (the arrays train)")
    }
    // The training loop's keys inspect has no use for, and keys the rule
    // never reads, when the user gives them (a checkpoint's are its own; a
    // summary's loop keys are its run's, but not its other keys).
    let given = TrainCommand.explicitKeys(args)
    for key in ["epochs", "evals_per_epoch", "final_iterations", "test_limit"] + TrainingConfiguration.driftKeys where given.contains(key) {
      throw TrainCommand.keyError(
        key, "inspect trains --samples samples of the first epoch and never evaluates: it does not use \(key)", args)
    }
    // Its records give every device's pulses; `endurance` counted them and
    // wrote nothing (session 50).
    if given.contains("endurance") && cfg.endurance {
      throw TrainCommand.keyError(
        "endurance", "inspect records every pulse and reset per device itself (pulses.csv, cells.csv): it does not use endurance", args)
    }
    // (`wire_tolerance` is taken: the recorded reads are exact, but the
    // network trains on training's own reads at that tolerance since
    // session 47. Refused from session 43 until a walkthrough, session 52,
    // found it read from a checkpoint or summary all the same.)
    // A checkpoint holds its devices' states and d2d scales: the keys that
    // only draw them at the start would be silently ignored (the
    // checkpoint's own values change nothing and are accepted).
    if let saved, let key = TrainCommand.changedUnusedKey(["initial_fraction", "negative_scale"], given: given, cfg, saved.configuration) {
      throw TrainCommand.keyError(
        key, "the checkpoint holds the devices' states and scales, which \(key) would only set at the start of a run: inspect does not use it", args)
    }
    let set = TrainCommand.explicitKeys(args, includingSummary: true)
    if let (key, usedBy) = cfg.ignoredKeys.first(where: {
      set.contains($0.key) || ($0.key.hasPrefix("beta_") && set.contains("beta"))
    }) {
      throw TrainCommand.keyError(key, "applies to \(usedBy) only; rule lim (on-chip) would ignore it", args)
    }
    // pulses.vcd counts time in picoseconds: the slot and the widths must
    // be whole picoseconds, and a pulse must end at least 1 ps before the
    // next slot, or two pulses on a line run together in the waveform.
    for (key, t) in [
      ("slot_time", cfg.slotTime), ("reset_slot_time", cfg.resetSlotTime), ("read_time", cfg.readTime),
      ("program_time", cfg.programTime), ("reset_time", cfg.resetTime),
    ] {
      let ps = t * 1e12
      if abs(ps - ps.rounded()) > 1e-3 {
        throw TrainCommand.keyError(key, "\(t) s is not a whole number of picoseconds (pulses.vcd's time unit)", args)
      }
    }
    // (With reset_slot_time, a reset's slot is its own.)
    let widest = max(cfg.readTime, cfg.programTime, cfg._resetSlotTime == nil ? cfg.resetTime : 0)
    if Outputs.picoseconds(cfg.slotTime) <= Outputs.picoseconds(widest) {
      throw TrainCommand.keyError(
        "slot_time", "\(cfg.slotTime) s leaves no idle time after a \(widest) s pulse: inspect needs slot_time ≥ the widest pulse + 1 ps, so that each pulse's end shows in pulses.vcd", args)
    }
    if cfg._resetSlotTime != nil, Outputs.picoseconds(cfg.resetSlotTime) <= Outputs.picoseconds(cfg.resetTime) {
      throw TrainCommand.keyError(
        "reset_slot_time", "\(cfg.resetSlotTime) s leaves no idle time after a \(cfg.resetTime) s reset: inspect needs reset_slot_time ≥ reset_time + 1 ps, so that each reset's end shows in pulses.vcd", args)
    }
    // A reset is told from the rule's pulses by its level in pulses.vcd
    // (`validate` keeps it of the depression's polarity, so only method
    // c's depressions could share it).
    if cfg.method == .c && cfg.resetVoltage == -cfg.programVoltage {
      throw TrainCommand.keyError(
        "reset_voltage", "\(JSONWriter.number(cfg.resetVoltage)) V is the level of a depression pulse: pulses.vcd could not tell the resets apart", args)
    }
    let (experiment, order, first, notes) = try trainingOrder(
      args, cfg, samples: samples, start: start, from: checkpoint.map { ($0, saved!) })
    // Lines that do not settle within a read or a pulse, as train says
    // (its reads here are DC solves too; a walkthrough, session 57).
    for note in TrainCommand.lineSettling(cfg)?.notes ?? [] {
      var err = StandardError()
      print(note, to: &err)
    }
    if let note = nodeVoltagesNote(cfg, samples: samples) {
      var err = StandardError()
      print(note, to: &err)
    }
    let net =
      try saved.map { try Checkpoint.load($0, from: checkpoint!, into: cfg) } ?? LimNetwork(configuration: cfg)
    for note in notes {
      var err = StandardError()
      print(note, to: &err)
    }
    try OutputFile.makeDirectory(out)

    var err = StandardError()
    var records: [(image: Int, record: SampleInspection)] = []
    var counted: [(pulses: Int, resets: Int)] = []
    let writeBefore = net.writeLineStatistics
    // Ctrl-C, SIGTERM or SIGHUP stop after the sample being inspected; the
    // samples done are written (a walkthrough, session 69: 30 samples with
    // resistive lines, 50 s, lost whole to a SIGTERM at 44 s).
    catchInterrupts()
    defer { restoreInterrupts() }
    for s in 0..<samples {
      if interruptRequested != 0 { break }
      let before = (net.pulses, net.resets)
      let image = order[first + s]
      let (pixels, label) = experiment.trainingImage(image)
      let record: SampleInspection
      let endsEpoch = first + s + 1 == order.count
      // Numbered as a run from here would number it (its read noise).
      net.readImage = UInt64((saved?.devicesTrainImages ?? 0) + start + s)
      do {
        record = try pixels.withUnsafeBufferPointer { try net.inspect($0.baseAddress!, label: label, endsEpoch: endsEpoch) }
      } catch {
        throw CLIError.runtime("sample \(s) (training image \(image)): \(error)")
      }
      records.append((image, record))
      counted.append((net.pulses - before.0, net.resets - before.1))
      print("inspect: sample \(s + 1)/\(samples), training image \(image), label \(label), predicted \(record.prediction), \(record.pulses.count) pulse events (an event: one device's pulses of one kind, or its reset)",
        to: &err)
    }

    let done = try samplesDone(records.count, of: samples)
    // Mini-batches count from the first inspected sample: say when the
    // last one is still open (its pulses would go out at its end, after
    // these samples).
    let open = done % cfg.batch
    if cfg.batch > 1 && open != 0 && first + done < order.count {
      // (Its size: the epoch's end cuts it, as training's last batch; a
      // walkthrough, session 44, had 1 of "3" where 2 were left.)
      let size = min(cfg.batch, order.count - (first + done - open))
      print("inspect: the last mini-batch is open (\(open) of its \(size) samples inspected): its pulses go out at its end, after the inspected samples, and are not recorded", to: &err)
    }
    var writer = Outputs(cfg: cfg, sizes: cfg.layers, records: records, counted: counted)
    writer.start = first
    try write(writer.json(checkpoint: checkpoint), to: out + "/inspect.json")
    try write(writer.linesCSV(), to: out + "/lines.csv")
    try write(writer.neuronsCSV(), to: out + "/neurons.csv")
    try write(writer.pulsesCSV(), to: out + "/pulses.csv")
    try write(writer.vcd(), to: out + "/pulses.vcd")
    for (l, array) in net.arrays.enumerated() {
      try write(writer.heatMap(l, array, lastForward: records.last!.record.reads.first { $0.array == l && $0.direction == .forward }!),
        to: out + "/array\(l).svg")
    }
    // The stuck devices as a map (`--stuck-map` gives them to another run).
    let stuck = net.stuckDeviceMap(path: out + "/stuck.csv")
    if let stuck { try write(stuck.csv, to: stuck.path) }
    // What landed (train's `pulses` and `resets`); through resistive lines
    // the events held back are in the slots but not here.
    let pulses = records.reduce(0) { $0 + $1.record.pulses.total() }
    let resets = records.reduce(0) { $0 + $1.record.pulses.total(resets: true) }
    // Every read takes a slot of the time base too: the update's slots
    // (what train's latency counts) named apart (a reviewer read the
    // total as the update's, session 47).
    let slots = writer.steps.last.map { $0.slot + 1 } ?? 0
    let readSlots = records.reduce(0) { $0 + $1.record.reads.count }
    print("inspected \(done) sample(s): \(pulses) pulses, \(resets) resets, \(slots) slots (\(readSlots) reads, \(slots - readSlots) update); wrote \(out)/inspect.json, lines.csv, neurons.csv, pulses.csv, pulses.vcd, array*.svg\(stuck == nil ? "" : ", stuck.csv")")
    if let w0 = writeBefore, let w1 = net.writeLineStatistics {
      // Through the lines the controller drives every pulse it issues (train
      // counts their slots); those that did not land are recorded as such
      // (a walkthrough, session 62: they had been left out of the slots,
      // the timeline and the half-selected cells' energy).
      let below = w1.pulsesBelowThreshold - w0.pulsesBelowThreshold, undone = w1.sequencesBelowThreshold - w0.sequencesBelowThreshold
      let held = records.reduce(0) { $0 + $1.record.pulses.total(landed: false) }
      let heldResets = records.reduce(0) { $0 + $1.record.pulses.total(resets: true, landed: false) }
      print("write_lines resistive: \(below) of \(w1.rulePulses - w0.rulePulses) rule pulses below write_threshold, and \(undone) serial sequences with an event that did not land; \(held) pulses and \(heldResets) resets held back: in the slots, pulses.csv (landed 0) and pulses.vcd as driven, not in the pulses, resets and booked energy above")
    }
    // The updates' energy beside what the ledger books: the V/2 scheme's
    // half-selected cells (a walkthrough had estimated them by hand).
    let booked = records.reduce(0) { $0 + $1.record.bookedProgramEnergy }
    let halfSelected = records.reduce(0) { $0 + $1.record.halfSelectEnergy.reduce(0, +) }
    let books = records.allSatisfy { $0.record.bookedHalfSelectEnergy != nil }
      ? "booked: \(JSONWriter.number(records.reduce(0) { $0 + $1.record.bookedHalfSelectEnergy! })) J, half_select book"
      : "not booked"
    print("update energy: \(JSONWriter.number(booked)) J in the pulsed cells (booked), \(JSONWriter.number(halfSelected)) J in the half-selected cells (V/2 scheme; \(books))")
    if cfg.lineCapacitance > 0 {
      // The lines the reads and slots charged (inspect.json's line_energy).
      let shapes = cfg.layers.indices.dropLast().map { (cfg.layers[$0] + 1, cfg.layers[$0 + 1]) }
      let slots = records.reduce(0.0) {
        $0 + UpdateSchedule.lineEnergies(
          UpdateSchedule.slots($1.record.pulses), shapes: shapes, pulses: cfg.pulseGenerator, capacitance: cfg.lineCapacitance
        ).reduce(0, +)
      }
      let reads = records.reduce(0.0) { total, r in r.record.reads.reduce(total) { $0 + lineEnergy($1, cfg) } }
      print("line energy (line_capacitance \(JSONWriter.number(cfg.lineCapacitance)) F a cell): \(JSONWriter.number(reads)) J charging the reads' lines, \(JSONWriter.number(slots)) J the update slots'")
    }
    try stoppedShort(done, of: samples, out: out)
  }

  /// The samples inspected when the loop ended: all of them, or those
  /// before a stop request (Ctrl-C, SIGTERM, SIGHUP), which are written.
  ///
  /// - Throws: `CLIError.interrupted` when none was (nothing to write).
  static func samplesDone(_ done: Int, of samples: Int) throws -> Int {
    if done == 0 && samples > 0 {
      throw CLIError.interrupted("interrupted before the first sample was inspected: nothing written")
    }
    return done
  }

  /// After the files of `done` samples are written: a run stopped before
  /// all `samples` exits as interrupted (128 + the signal), saying so.
  static func stoppedShort(_ done: Int, of samples: Int, out: String) throws {
    if done < samples {
      throw CLIError.interrupted("interrupted after \(done) of \(samples) samples: \(out) holds those \(done)")
    }
  }

  static func write(_ text: String, to path: String) throws {
    try OutputFile.write(text, to: path)
  }

  /// The recorded samples laid out on the time base, and their files.
  struct Outputs {
    let cfg: TrainingConfiguration
    let sizes: [Int]
    let records: [(image: Int, record: SampleInspection)]
    /// The trainer's own counts of each sample's pulses and resets.
    let counted: [(pulses: Int, resets: Int)]
    /// The first sample's place in its epoch's order (`--start`, after a
    /// checkpoint's place).
    var start = 0
    /// Every slot, in time order; `sampleSteps[s]` are sample s's.
    private(set) var steps: [Step] = []
    private(set) var sampleSteps: [Range<Int>] = []
    /// Per sample, per read: its slot; per sample: the update's slots.
    private(set) var readSlots: [[Int]] = []
    private(set) var updateSlots: [[[PulseEvent]]] = []
    private(set) var updateFirstSlot: [Int] = []
    /// Each slot's start in picoseconds, and the last slot's end: slots of
    /// `slot_time`, a reset's of `reset_slot_time`; `Int64.max` from where
    /// the 64-bit clock overflows (past 106 days: `vcd` refuses it).
    private(set) var slotStart: [Int64] = [0]

    /// The next slot's start after one of `length` seconds.
    private mutating func endSlot(_ length: Double) {
      let (t, overflow) = slotStart[slotStart.count - 1].addingReportingOverflow(Self.picoseconds(length))
      slotStart.append(overflow ? .max : t)
    }

    static let phaseForward = 1, phaseTransposed = 2, phaseUpdate = 3

    init(
      cfg: TrainingConfiguration, sizes: [Int], records: [(image: Int, record: SampleInspection)],
      counted: [(pulses: Int, resets: Int)]
    ) {
      self.cfg = cfg
      self.sizes = sizes
      self.records = records
      self.counted = counted
      var slot = 0
      for (_, r) in records {
        let first = steps.count
        var slots: [Int] = []
        for read in r.reads {
          let forward = read.direction == .forward
          let volts = forward ? read.drainVoltage : read.sourceVoltage
          var drives: [(Int, Double)] = []
          for (k, v) in volts.enumerated() where v != 0 {
            drives.append((line(read.array, forward ? .dPlus : .sPlus, k), v))
            drives.append((line(read.array, forward ? .dMinus : .sMinus, k), v))
          }
          steps.append(Step(
            slot: slot, phase: forward ? Self.phaseForward : Self.phaseTransposed, array: read.array,
            width: cfg.readTime, drives: drives))
          slots.append(slot)
          slot += 1
          endSlot(cfg.slotTime)
        }
        readSlots.append(slots)
        let update = UpdateSchedule.slots(r.pulses)
        updateFirstSlot.append(slot)
        for events in update {
          var drives: [(Int, Double)] = []
          for e in events {
            let a = amplitude(e.kind) / 2
            let plus = e.polarity == .plus
            drives.append((line(e.array, plus ? .dPlus : .dMinus, e.row), a))
            drives.append((line(e.array, plus ? .sPlus : .sMinus, e.column), -a))
          }
          steps.append(Step(
            slot: slot, phase: Self.phaseUpdate, array: events[0].array, width: width(events[0].kind), drives: drives))
          slot += 1
          // (A reset is one device in its slot.)
          endSlot(events[0].kind == .reset ? cfg.resetSlotTime : cfg.slotTime)
        }
        updateSlots.append(update)
        sampleSteps.append(first..<steps.count)
      }
    }

    enum LineKind: Int, CaseIterable {
      case dPlus, dMinus, sPlus, sMinus
      var name: String { ["D+", "D-", "S+", "S-"][rawValue] }
      var vcdName: String { ["Dp", "Dm", "Sp", "Sm"][rawValue] }
    }

    /// Lines of array l: D+ (M), D− (M), S+ (N), S− (N), arrays in order.
    func line(_ l: Int, _ kind: LineKind, _ index: Int) -> Int {
      var base = 0
      for a in 0..<l { base += 2 * (sizes[a] + 1) + 2 * sizes[a + 1] }
      let m = sizes[l] + 1, n = sizes[l + 1]
      return base + [0, m, 2 * m, 2 * m + n][kind.rawValue] + index
    }

    func amplitude(_ kind: PulseKind) -> Double { cfg.pulseGenerator.amplitude(of: kind) }

    func width(_ kind: PulseKind) -> Double { cfg.pulseGenerator.width(of: kind) }

    /// A slot's start: whole picoseconds (`slotStart`), over 1e12, so slot
    /// 5 of 2 µs reads 1e-05, not 9.999999999999999e-06 (a walkthrough,
    /// session 43); past the 64-bit clock, slot × slot_time.
    func seconds(_ slot: Int) -> Double {
      slotStart[slot] == .max ? Double(slot) * cfg.slotTime : Double(slotStart[slot]) / 1e12
    }

    static func picoseconds(_ t: Double) -> Int64 { Int64((t * 1e12).rounded()) }

    static func list(_ v: [Double]) -> String { "[" + v.map(JSONWriter.number).joined(separator: ", ") + "]" }

    func json(checkpoint: String?) -> String {
      var j = JSONWriter()
      j.add("format", "xbarsim-inspect")
      j.add("version", 1)
      if let checkpoint { j.add("checkpoint", checkpoint) } else { j.addRaw("checkpoint", "null") }
      j.add("start", start)
      j.addRaw("configuration", TrainCommand.configurationJSON(cfg).replacingOccurrences(of: "\n", with: "\n  "))
      var t = JSONWriter()
      t.add("vcd_timescale", "1 ps")
      t.add("slot_time", cfg.slotTime)
      t.add("reset_slot_time", cfg.resetSlotTime)
      t.add("read_time", cfg.readTime)
      t.add("program_time", cfg.programTime)
      t.add("reset_time", cfg.resetTime)
      t.add("read_voltage", cfg.readVoltage)
      t.add("program_voltage", cfg.programVoltage)
      t.add("reset_voltage", cfg.resetVoltage)
      j.addRaw("time_base", t.finished().trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n  "))
      var samples: [String] = []
      for (s, (image, r)) in records.enumerated() {
        var o = JSONWriter()
        o.add("sample", s)
        o.add("image", image)
        o.add("label", r.label)
        o.add("prediction", r.prediction)
        o.add("loss", r.loss)
        o.add("start_time", seconds(steps[sampleSteps[s].lowerBound].slot))
        var reads: [String] = []
        for (k, read) in r.reads.enumerated() {
          var w = JSONWriter()
          w.add("array", read.array)
          w.add("direction", read.direction == .forward ? "forward" : "transposed")
          w.add("slot", readSlots[s][k])
          w.add("time", seconds(readSlots[s][k]))
          w.add("energy", read.energy)
          if cfg.lineCapacitance > 0 { w.add("line_energy", InspectCommand.lineEnergy(read, cfg)) }
          w.add("d_voltage", read.drainVoltage)
          w.add("s_voltage", read.sourceVoltage)
          w.add("d_plus_current", read.drainPlusCurrent)
          w.add("d_minus_current", read.drainMinusCurrent)
          w.add("s_plus_current", read.sourcePlusCurrent)
          w.add("s_minus_current", read.sourceMinusCurrent)
          w.add("difference", read.difference)
          for (name, sol) in [("plus_mesh", read.plusSolution), ("minus_mesh", read.minusSolution)] {
            guard let sol else { continue }
            var m = JSONWriter()
            m.add("iterations", sol.iterations)
            m.add("relative_residual", sol.relativeResidual)
            m.add("word_node_voltage", rows: sol.rows, columns: sol.columns, sol.wordNodeVoltage)
            m.add("bit_node_voltage", rows: sol.rows, columns: sol.columns, sol.bitNodeVoltage)
            w.addRaw(name, m.finished().trimmingCharacters(in: .whitespacesAndNewlines))
          }
          reads.append(w.finished().trimmingCharacters(in: .whitespacesAndNewlines))
        }
        o.addRaw("reads", "[" + reads.joined(separator: ",\n") + "]")
        var neurons: [String] = []
        for n in r.neurons {
          var w = JSONWriter()
          w.add("array", n.array)
          w.add("input_current", n.inputCurrent)
          w.add("sum", n.sum)
          if let v = n.outputVoltage { w.add("output_voltage", v) } else { w.addRaw("output_voltage", "null") }
          if let v = n.gate { w.add("gate", v) } else { w.addRaw("gate", "null") }
          if let v = n.probability { w.add("probability", v) } else { w.addRaw("probability", "null") }
          w.add("delta", n.delta)
          w.add("comparator", n.decision)
          w.add("comparator_offset", n.comparatorOffset)
          neurons.append(w.finished().trimmingCharacters(in: .whitespacesAndNewlines))
        }
        o.addRaw("neurons", "[" + neurons.joined(separator: ",\n") + "]")
        var u = JSONWriter()
        let events = r.pulses
        u.add("pulses", events.total())
        u.add("resets", events.total(resets: true))
        u.add("repotentiation_pulses", events.reduce(0) { $0 + ($1.kind == .repotentiate && $1.landed ? $1.count : 0) })
        if cfg.writeLines == .resistive {
          // Issued and driven, their cells below the threshold.
          u.add("held_back_pulses", events.total(landed: false))
          u.add("held_back_resets", events.total(resets: true, landed: false))
        }
        u.add("trainer_pulses", counted[s].pulses)
        u.add("trainer_resets", counted[s].resets)
        u.add("first_slot", updateFirstSlot[s])
        u.add("slots", updateSlots[s].count)
        u.add("booked_program_energy", r.bookedProgramEnergy)
        u.add("half_select_energy", r.halfSelectEnergy.reduce(0, +))
        if let booked = r.bookedHalfSelectEnergy { u.add("booked_half_select_energy", booked) }
        // By the kind of the slot's pulses (the rule's row slots, and the
        // serial resets, re-potentiations and depressions): where the
        // energy goes, in a few numbers (a list per slot had made the file
        // 20 times larger; `SampleInspection.halfSelectEnergy` keeps it).
        var byKind = JSONWriter()
        for kind in PulseKind.allCases {
          let e = zip(updateSlots[s], r.halfSelectEnergy).reduce(0.0) { $0 + ($1.0.first?.kind == kind ? $1.1 : 0) }
          byKind.add(kind.rawValue, e)
        }
        u.addRaw("half_select_energy_by_kind", byKind.finished().trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " "))
        if cfg.lineCapacitance > 0 {
          // Charging the lines the slots drive (`UpdateSchedule.lineEnergies`),
          // with or without half_select book.
          let shapes = cfg.layers.indices.dropLast().map { (cfg.layers[$0] + 1, cfg.layers[$0 + 1]) }
          u.add(
            "line_energy",
            UpdateSchedule.lineEnergies(updateSlots[s], shapes: shapes, pulses: cfg.pulseGenerator, capacitance: cfg.lineCapacitance)
              .reduce(0, +))
        }
        o.addRaw("update", u.finished().trimmingCharacters(in: .whitespacesAndNewlines))
        samples.append(o.finished().trimmingCharacters(in: .whitespacesAndNewlines))
      }
      j.addRaw("samples", "[\n" + samples.joined(separator: ",\n") + "\n]")
      return j.finished()
    }

    func linesCSV() -> String {
      var s = "sample,array,phase,slot,line,index,voltage,current\n"
      for (k, (_, r)) in records.enumerated() {
        for (q, read) in r.reads.enumerated() {
          let phase = read.direction == .forward ? "forward" : "transposed"
          let prefix = "\(k),\(read.array),\(phase),\(readSlots[k][q]),"
          let groups: [(LineKind, [Double], [Double])] = [
            (.dPlus, read.drainVoltage, read.drainPlusCurrent), (.dMinus, read.drainVoltage, read.drainMinusCurrent),
            (.sPlus, read.sourceVoltage, read.sourcePlusCurrent), (.sMinus, read.sourceVoltage, read.sourceMinusCurrent),
          ]
          for (kind, volts, amps) in groups {
            for i in volts.indices {
              s += prefix + "\(kind.name),\(i),\(JSONWriter.number(volts[i])),\(JSONWriter.number(amps[i]))\n"
            }
          }
        }
      }
      return s
    }

    func neuronsCSV() -> String {
      var s = "sample,array,neuron,input_current,sum,output_voltage,gate,probability,delta,comparator,comparator_offset\n"
      func opt(_ v: [Double]?, _ j: Int) -> String { v.map { JSONWriter.number($0[j]) } ?? "" }
      for (k, (_, r)) in records.enumerated() {
        for n in r.neurons {
          for j in n.sum.indices {
            s += "\(k),\(n.array),\(j),\(JSONWriter.number(n.inputCurrent[j])),\(JSONWriter.number(n.sum[j])),"
            s += "\(opt(n.outputVoltage, j)),\(opt(n.gate, j)),\(opt(n.probability, j)),\(JSONWriter.number(n.delta[j])),"
            s += "\(JSONWriter.number(n.decision[j])),\(JSONWriter.number(n.comparatorOffset[j]))\n"
          }
        }
      }
      return s
    }

    func pulsesCSV() -> String {
      var s = "sample,array,polarity,row,column,kind,amplitude,width,slot,time,device_before,device_after,landed\n"
      struct Device: Hashable { var array, row, column: Int, plus: Bool }
      for (k, slots) in updateSlots.enumerated() {
        // The pulsed devices' conductances before and after the update (the
        // schedule reorders the events; a device's events share them).
        let r = records[k].record
        var g: [Device: (before: Double, after: Double)] = [:]
        for (e, c) in zip(r.pulses, r.deviceConductances) {
          g[Device(array: e.array, row: e.row, column: e.column, plus: e.polarity == .plus)] = c
        }
        for (q, events) in slots.enumerated() {
          let slot = updateFirstSlot[k] + q
          for e in events {
            let c = g[Device(array: e.array, row: e.row, column: e.column, plus: e.polarity == .plus)]
            s += "\(k),\(e.array),\(e.polarity == .plus ? "G+" : "G-"),\(e.row),\(e.column),\(e.kind.rawValue),"
            s += "\(JSONWriter.number(amplitude(e.kind))),\(JSONWriter.number(width(e.kind))),\(slot),\(JSONWriter.number(seconds(slot))),"
            s += "\(c.map { JSONWriter.number($0.before) } ?? ""),\(c.map { JSONWriter.number($0.after) } ?? ""),\(e.landed ? 1 : 0)\n"
          }
        }
      }
      return s
    }

    /// - Throws: when the last slot's time does not fit VCD's 64-bit
    ///   picosecond clock.
    func vcd() throws -> String {
      if let last = steps.last, slotStart[last.slot + 1] > 9_000_000_000_000_000_000 {
        throw CLIError.runtime(
          "pulses.vcd: \(last.slot + 1) slots of slot_time \(cfg.slotTime) s exceed the VCD's 64-bit picosecond clock; lower --samples or --slot-time")
      }
      var v = VCDWriter()
      let phase = v.add(scope: ["xbarsim"], name: "phase", .integer(bits: 2))
      let sample = v.add(scope: ["xbarsim"], name: "sample", .integer(bits: 32))
      let array = v.add(scope: ["xbarsim"], name: "array", .integer(bits: 32))
      var signal: [Int] = []
      for l in 0..<(sizes.count - 1) {
        let m = sizes[l] + 1, n = sizes[l + 1]
        for kind in LineKind.allCases {
          for i in 0..<(kind.rawValue < 2 ? m : n) {
            signal.append(v.add(scope: ["xbarsim", "array\(l)"], name: "\(kind.vcdName)_\(i)", .real))
          }
        }
      }
      for (s, range) in sampleSteps.enumerated() {
        for step in steps[range] {
          let t0 = slotStart[step.slot], t1 = t0 + Self.picoseconds(step.width)
          v.set(phase, Double(step.phase), at: t0)
          v.set(sample, Double(s), at: t0)
          v.set(array, Double(step.array), at: t0)
          for d in step.drives { v.set(signal[d.line], d.volts, at: t0) }
          for d in step.drives { v.set(signal[d.line], 0, at: t1) }
        }
      }
      if let last = steps.last { v.set(phase, 0, at: slotStart[last.slot + 1]) }
      let date = ISO8601DateFormatter().string(from: Date())
      return v.render(version: "xbarsim \(Xbarsim.version) inspect", timescale: "1 ps", date: date)
    }

    func heatMap(_ l: Int, _ a: DifferentialArray, lastForward read: ReadRecord) -> String {
      var map = SVGHeatMap(title: "Array \(l): conductances after the last sample, line currents of its forward read")
      map.panels = [
        .init(title: "G+", rows: a.rows, columns: a.columns, values: a.conductances(.plus), unit: "S"),
        .init(title: "G−", rows: a.rows, columns: a.columns, values: a.conductances(.minus), unit: "S"),
        .init(title: "I(D+)", rows: a.rows, columns: 1, values: read.drainPlusCurrent, unit: "A"),
        .init(title: "I(D−)", rows: a.rows, columns: 1, values: read.drainMinusCurrent, unit: "A"),
        .init(title: "I(S+)", rows: 1, columns: a.columns, values: read.sourcePlusCurrent, unit: "A"),
        .init(title: "I(S−)", rows: 1, columns: a.columns, values: read.sourceMinusCurrent, unit: "A"),
      ]
      return map.render()
    }
  }
}
