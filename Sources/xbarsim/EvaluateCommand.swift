import Circuit
import Foundation
import Trainer

/// `xbarsim evaluate`: a checkpoint's arrays read without training, at
/// once and after conductance drift.
enum EvaluateCommand: CLICommand {
  /// The keys evaluate takes: what its reads use and the checkpoint's
  /// devices do not fix. Every other key is the checkpoint's.
  static let keys = ["test_limit"] + readKeys + TrainingConfiguration.driftKeys + ["read_time"]

  /// The keys of a forward read that may differ from the checkpoint's
  /// run: its periphery (DAC, sense amplifiers, ADC, read noise) and its
  /// lines, so a trained network is read as another chip would read it.
  /// (The keys only training reads, `transposed_read_noise`,
  /// `comparator_offset` and the write lines', are not taken.)
  static let readKeys = [
    "dac_bits", "adc_bits", "adc_range", "output_adc_range", "tia_gain", "sense_offset", "read_noise", "adc_inl", "iv_v0",
    "wires", "r_row", "r_col", "r_driver", "r_sense", "wire_tolerance",
  ]

  static let spec = CommandSpec(
    name: "evaluate",
    abstract: "Read a checkpoint's arrays without training: the test set, and after conductance drift.",
    usage: "xbarsim evaluate --checkpoint FILE [--data DIR] [--adc-bits b] [--read-noise σ] [--wires resistive --r-row Ω --r-col Ω] [...] [--drift-times T,...] [--drift-nu ν] [--drift-nu-sigma σ] [--drift-refresh true|false] [--test-limit N] [--summary FILE]",
    discussion: """
      Builds the network of a checkpoint written by 'xbarsim train --checkpoint-out' (rules
      lim, on chip or off chip: the arrays it programmed, hybrid and single) from its devices
      and configuration, and reads the test
      set through its arrays once, as a run's evaluation point reads it: the same DAC, sense
      offsets, ADC and read noise, that noise drawn as the saved run's point after its last
      image drew it (a checkpoint saved at a run's end gives that run's last test accuracy,
      to the image). The read's periphery and lines may be another chip's: the DAC, ADC,
      sense amplifiers, read noise and the lines' resistance (the read keys below), so a
      study of what inference needs of its circuits trains once; the keys that differ from
      the checkpoint's run's are told after the accuracy ('xbarsim sweep --checkpoint FILE'
      reads it over a grid of them). With --drift-times the arrays are then read after
      conductance drift, as train reads them after training (train --help: drift_times,
      drift_nu, drift_nu_sigma, drift_nu_model, drift_read_noise, drift_compensation, drift_t0, drift_refresh; the exponents are drawn from the
      checkpoint's seed), so a study of drift trains once. The drift keys are only those given here (the
      checkpoint's run's, which it read after training, are not taken). Nothing is trained,
      no device changes, and the checkpoint is not written. The options below are the only
      keys it takes; every other is the checkpoint's (train --checkpoint-in goes on training
      from it).
      """,
    options: [
      OptionSpec("--checkpoint", "<file.json>", "The checkpoint whose arrays are read (required)."),
      OptionSpec("--data", "<dir>", "Directory with the IDX files (default data/mnist)."),
      OptionSpec("--summary", "<file.json>", "Write the results as one JSON object (docs/outputs.md, \"evaluate --summary\")."),
    ]
      + keys.map { key in
        let k = TrainingConfiguration.keys.first { $0.key == key }!
        // (Train's default, 0, is not this read's: the checkpoint's is.)
        // (Nor are the read keys' defaults: the checkpoint's are; the audit
        // of session 85 found --read-time's "default 1e-8" here.)
        let help =
          key == "test_limit" ? "Read only the first N test images (default: the checkpoint's run's test_limit; 0: all)."
          : key == "read_time" ? "The t_r of drift_read_noise pcm, in seconds, 1e-12…1 (only with it and drift_times; default: the checkpoint's read_time)."
          : readKeys.contains(key) ? k.help + " Here, unless given: the checkpoint's." : k.help
        return OptionSpec("--" + key.replacingOccurrences(of: "_", with: "-"), k.value, help)
      })

  static func run(_ args: ParsedArguments) throws {
    guard let path = args.string("--checkpoint") else { throw CLIError.usage("missing --checkpoint FILE") }
    let summary = args.string("--summary")
    let saved = try Checkpoint.read(path)
    let (cfg, run) = try configurations(args, saved, path)
    // A key given here that this read would not use (`--adc-range` with
    // an ideal ADC, `--r-row` with ideal lines) is refused, as train
    // refuses it.
    let given = TrainCommand.explicitKeys(args)
    if let (key, usedBy) = cfg.ignoredKeys.first(where: { given.contains($0.key) }) {
      throw TrainCommand.keyError(key, TrainCommand.unreadKeyMessage(key, usedBy, cfg, args), args)
    }
    // (A read here books no energy: its read time is only the drift reads'
    // PCM read noise's t_r.)
    if given.contains("read_time") && !(cfg.driftReadNoise == .pcm && !cfg.driftTimes.isEmpty) {
      throw TrainCommand.keyError(
        "read_time", "evaluate reads it only as the t_r of drift_read_noise pcm (with drift_times), which this read does not have", args)
    }
    try TrainCommand.refuseOverwriting(
      TrainCommand.inputFiles(args, cfg) + TrainCommand.dataFiles(args) + [("--checkpoint", path)], by: [("--summary", summary)])
    let (train, test) = try TrainCommand.datasets(args)
    // More test images than the set holds are refused, as train and sweep
    // refuse them (a walkthrough, session 84: the read was cut to the set
    // without a word).
    try TrainCommand.checkTestLimit(cfg, test: test, args, base: path)
    var err = StandardError()
    if let note = dataNote(saved, path, train) { print(note, to: &err) }
    for note in notes(cfg, run: run) { print(note, to: &err) }
    catchInterrupts()
    defer { restoreInterrupts() }
    let reading = try read(saved, path, cfg, train: train, test: test, shouldStop: { interruptRequested != 0 })
    print(String(
      format: "%@ (%ld training images): test accuracy %.2f %% of %ld images, %.2f s", path as NSString, saved.devicesTrainImages,
      reading.accuracy, reading.images, reading.seconds))
    let changed = changedReadKeys(cfg, from: saved.configuration)
    if !changed.isEmpty {
      print("  read otherwise than its run: " + changed.map { "\($0.key) \($0.run) → \($0.here)" }.joined(separator: ", "))
    }
    for line in TrainCommand.driftLines(reading.result.drift, cfg, refresh: reading.result.refresh) { print(line) }
    // The ADC's clipping, as train tells it (a read through a 3-bit ADC
    // had clipped without a word).
    for note in TrainCommand.adcNotes(reading.result, cfg) { print(note, to: &err) }
    guard let summary else { return }
    try OutputFile.write(summaryJSON(reading, saved, path, cfg, train: train, test: test), to: summary)
  }

  /// A note when the run that saved checkpoint `saved` (at `path`)
  /// trained on other training data than `train`: the test set read may
  /// not be its own (session 86: a checkpoint read with another --data
  /// said nothing). Nil on the same data, or where the checkpoint does not
  /// say (before session 66).
  static func dataNote(_ saved: Checkpoint.Saved, _ path: String, _ train: IDXDataset) -> String? {
    TrainCommand.otherTrainingData(saved, train.checksum).map {
      "note: the run that saved \(path) trained on other training data (\($0)): the test set read here may not be its own"
    }
  }

  /// One read of a checkpoint's arrays: the test accuracy, the images
  /// read, the time of the evaluation and the drift reads, and the run's
  /// result (its drift list and refresh).
  struct Reading {
    var accuracy: Double
    var images: Int
    var seconds: Double
    var result: TrainingResult
  }

  /// The configuration of a read of checkpoint `saved` (at `path`) with
  /// the keys `args` gives, and its run's, against which the notes of the
  /// keys given are told: the checkpoint's, its drift keys cleared (the
  /// run's, which it read after training, are not taken), ideal write
  /// lines (nothing is written through them: the refresh's writes land
  /// as written, and the checkpoint's write lines would only tie its
  /// wires), and an off-chip run's programmed arrays read on chip.
  /// - Throws: the checkpoint's conflicts with the keys given, as train
  ///   --checkpoint-in tells them; rule float (no arrays).
  static func configurations(_ args: ParsedArguments, _ saved: Checkpoint.Saved, _ path: String, checkLines: Bool = true) throws
    -> (cfg: TrainingConfiguration, run: TrainingConfiguration)
  {
    var base = saved.configuration
    base.clearDrift()
    base.writeLines = .ideal
    // (No slot is timed in a read: `--read-time`, the drift reads' t_r, is
    // not held to the checkpoint's slot_time, which no option here sets.)
    base.slotsUntimed = true
    var cfg = try TrainCommand.configuration(args, base: base, baseName: path, checkLines: checkLines)
    try TrainCommand.checkCheckpoint(args, cfg, path, saved)
    // (A checkpoint holds arrays: rule float's has none. Off-chip learning
    // saves the arrays it programmed, which are read as any arrays are.)
    if cfg.rule == .float {
      throw CLIError.runtime("\(path): the checkpoint's configuration is rule float, which has no arrays to read")
    }
    if cfg.mode == .offChip {
      cfg.mode = .onChip
      cfg.transfer = TrainingConfiguration().transfer
    }
    var run = base
    (run.mode, run.transfer) = (cfg.mode, cfg.transfer)
    return (cfg, run)
  }

  /// The notes the keys of `cfg` bring beside its checkpoint's run's
  /// `run`: the checkpoint's own were its run's (the disturb model's had
  /// been told beside a drift read).
  static func notes(_ cfg: TrainingConfiguration, run: TrainingConfiguration) -> [String] {
    let runNotes = Set(TrainCommand.configurationNotes(run, fromCheckpoint: true))
    return TrainCommand.configurationNotes(cfg, fromCheckpoint: true).filter { !runNotes.contains($0) }
  }

  /// Reads checkpoint `saved`'s arrays (at `path`) with `cfg`: the test
  /// set once, then the drift reads.
  /// - Throws: a network `cfg` cannot build, the checkpoint's load errors,
  ///   a failed read; `CLIError.interrupted` when `shouldStop` stopped it.
  static func read(
    _ saved: Checkpoint.Saved, _ path: String, _ cfg: TrainingConfiguration, train: IDXDataset, test: IDXDataset,
    shouldStop: @escaping () -> Bool
  ) throws -> Reading {
    let experiment: Experiment
    do { experiment = try Experiment(configuration: cfg, train: train, test: test) } catch let e as ConfigurationError {
      throw CLIError.runtime("\(e)")
    }
    experiment.startingNetwork = try TrainCommand.startingNetwork(saved, from: path, cfg)
    experiment.startingImages = saved.devicesTrainImages
    experiment.evaluationOnly = true
    let start = DispatchTime.now().uptimeNanoseconds
    let result = experiment.run(shouldStop: shouldStop)
    // The evaluation's and the drift reads' time.
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    if let failure = result.failure { throw CLIError.runtime(failure) }
    if result.interrupted {
      throw CLIError.interrupted("evaluate stopped \(result.stoppedWhere ?? "") by a signal: nothing written")
    }
    guard let accuracy = result.points.last?.accuracy else { throw CLIError.runtime("evaluate: no evaluation was taken") }
    return Reading(accuracy: accuracy, images: experiment.testCount, seconds: seconds, result: result)
  }

  /// The summary of `reading` (docs/outputs.md, "evaluate --summary").
  static func summaryJSON(
    _ reading: Reading, _ saved: Checkpoint.Saved, _ path: String, _ cfg: TrainingConfiguration, train: IDXDataset, test: IDXDataset
  ) -> String {
    var json = JSONWriter()
    json.add("test_accuracy", reading.accuracy)
    json.add("test_images", reading.images)
    json.add("checkpoint", path)
    json.add("train_images", saved.devicesTrainImages)
    json.add("seconds_evaluate", reading.seconds)
    let changed = changedReadKeys(cfg, from: saved.configuration)
    json.addRaw("read_changed", "[" + changed.map { JSONWriter.string($0.key) }.joined(separator: ", ") + "]")
    // With an ADC: per layer, the share of the test set's sums it clipped.
    if let f = reading.result.adcClippedFractions {
      json.addRaw("adc_clipped_fraction", "[" + f.map(JSONWriter.number).joined(separator: ", ") + "]")
    }
    if !cfg.driftTimes.isEmpty { json.addRaw("drift", TrainCommand.driftJSON(reading.result.drift)) }
    if let f = reading.result.refresh { json.addRaw("refresh", TrainCommand.refreshJSON(f)) }
    json.add("xbarsim", Xbarsim.build)
    json.addRaw("data", TrainCommand.dataJSON(train: train, test: test).replacingOccurrences(of: "\n", with: "\n  "))
    // The checkpoint's learning: an off-chip run's arrays are read on chip
    // (`configurations`), but its configuration stays off-chip's, whose
    // program keys an on-chip one refuses (a walkthrough, session 85:
    // `learning` "on-chip" beside `program_verify` "weights").
    json.addRaw("configuration", TrainCommand.configurationJSON(written(cfg, saved)).replacingOccurrences(of: "\n", with: "\n  "))
    return json.finished()
  }

  /// The configuration a read `cfg` of checkpoint `saved` writes: an
  /// off-chip run's learning and transfer back (`configurations` reads its
  /// arrays on chip).
  static func written(_ cfg: TrainingConfiguration, _ saved: Checkpoint.Saved) -> TrainingConfiguration {
    var written = cfg
    if saved.configuration.mode == .offChip {
      (written.mode, written.transfer) = (saved.configuration.mode, saved.configuration.transfer)
    }
    return written
  }

  /// The read keys (`readKeys`) whose values in `cfg` differ from the
  /// checkpoint's run's `saved`, with both values as a summary writes
  /// them; a line's resistance only while both read through resistive
  /// lines (ideal lines have none).
  static func changedReadKeys(_ cfg: TrainingConfiguration, from saved: TrainingConfiguration) -> [(key: String, run: String, here: String)] {
    let here = Dictionary(cfg.allKeyValues, uniquingKeysWith: { a, _ in a })
    let run = Dictionary(saved.allKeyValues, uniquingKeysWith: { a, _ in a })
    let resistive = cfg.wires == .resistive && saved.wires == .resistive
    let lineKeys: Set = ["r_row", "r_col", "r_driver", "r_sense", "wire_tolerance"]
    // (An output range that follows adc_range in both reads is that key's.)
    let outputsFollow = saved.outputADCRange == saved.adcRange && cfg.outputADCRange == cfg.adcRange
    return readKeys.compactMap { key in
      guard resistive || !lineKeys.contains(key), !(key == "output_adc_range" && outputsFollow),
        let a = run[key], let b = here[key], a != b
      else { return nil }
      return (key, a, b)
    }
  }
}
