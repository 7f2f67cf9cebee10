import Circuit
import Foundation
import Trainer

/// `xbarsim evaluate`: a checkpoint's arrays read without training, at
/// once and after conductance drift.
enum EvaluateCommand: CLICommand {
  /// The keys evaluate takes: what its reads use and the checkpoint's
  /// devices do not fix. Every other key is the checkpoint's.
  static let keys = ["test_limit"] + TrainingConfiguration.driftKeys

  static let spec = CommandSpec(
    name: "evaluate",
    abstract: "Read a checkpoint's arrays without training: the test set, and after conductance drift.",
    usage: "xbarsim evaluate --checkpoint FILE [--data DIR] [--drift-times T,...] [--drift-nu ν] [--drift-nu-sigma σ] [--drift-t0 s] [--drift-refresh true|false] [--test-limit N] [--summary FILE]",
    discussion: """
      Builds the network of a checkpoint written by 'xbarsim train --checkpoint-out' (rules
      lim on chip, hybrid and single) from its devices and configuration, and reads the test
      set through its arrays once, as a run's evaluation point reads it: the same DAC, sense
      offsets, ADC and read noise, that noise drawn as the saved run's point after its last
      image drew it (a checkpoint saved at a run's end gives that run's last test accuracy,
      to the image). With --drift-times the arrays are then read after conductance drift,
      as train reads them after training (train --help: drift_times, drift_nu,
      drift_nu_sigma, drift_t0, drift_refresh; the exponents are drawn from the checkpoint's
      seed), so a study of drift trains once. The drift keys are only those given here (the
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
        return OptionSpec("--" + key.replacingOccurrences(of: "_", with: "-"), k.value, k.help)
      })

  static func run(_ args: ParsedArguments) throws {
    guard let path = args.string("--checkpoint") else { throw CLIError.usage("missing --checkpoint FILE") }
    let summary = args.string("--summary")
    let saved = try Checkpoint.read(path)
    // The drift keys are this command's own: the checkpoint's run's (read
    // after its training) are not taken.
    var base = saved.configuration
    base.clearDrift()
    var cfg = try TrainCommand.configuration(args, base: base, baseName: path)
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
    try TrainCommand.refuseOverwriting(
      TrainCommand.inputFiles(args, cfg) + TrainCommand.dataFiles(args) + [("--checkpoint", path)], by: [("--summary", summary)])
    let (train, test) = try TrainCommand.datasets(args)
    let experiment: Experiment
    do { experiment = try Experiment(configuration: cfg, train: train, test: test) } catch let e as ConfigurationError {
      throw CLIError.runtime("\(e)")
    }
    experiment.startingNetwork = try TrainCommand.startingNetwork(saved, from: path, cfg)
    experiment.startingImages = saved.devicesTrainImages
    experiment.evaluationOnly = true
    var err = StandardError()
    // The drift keys' notes (the checkpoint's other settings were its run's).
    for note in TrainCommand.configurationNotes(cfg, fromCheckpoint: true) where note.hasPrefix("note: drift") {
      print(note, to: &err)
    }
    catchInterrupts()
    defer { restoreInterrupts() }
    let start = DispatchTime.now().uptimeNanoseconds
    let result = experiment.run(shouldStop: { interruptRequested != 0 })
    // The evaluation's and the drift reads' time.
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    if let failure = result.failure { throw CLIError.runtime(failure) }
    if result.interrupted {
      throw CLIError.interrupted("evaluate stopped \(result.stoppedWhere ?? "") by a signal: nothing written")
    }
    guard let accuracy = result.points.last?.accuracy else { throw CLIError.runtime("evaluate: no evaluation was taken") }
    let images = experiment.testCount
    print(String(
      format: "%@ (%ld training images): test accuracy %.2f %% of %ld images, %.2f s", path as NSString, saved.devicesTrainImages,
      accuracy, images, seconds))
    for line in TrainCommand.driftLines(result.drift, cfg, refresh: result.refresh) { print(line) }
    guard let summary else { return }
    var json = JSONWriter()
    json.add("test_accuracy", accuracy)
    json.add("test_images", images)
    json.add("checkpoint", path)
    json.add("train_images", saved.devicesTrainImages)
    json.add("seconds_evaluate", seconds)
    if !cfg.driftTimes.isEmpty { json.addRaw("drift", TrainCommand.driftJSON(result.drift)) }
    if let f = result.refresh { json.addRaw("refresh", TrainCommand.refreshJSON(f)) }
    json.add("xbarsim", Xbarsim.build)
    json.addRaw("data", TrainCommand.dataJSON(train: train, test: test).replacingOccurrences(of: "\n", with: "\n  "))
    json.addRaw("configuration", TrainCommand.configurationJSON(cfg).replacingOccurrences(of: "\n", with: "\n  "))
    try OutputFile.write(json.finished(), to: summary)
  }
}
