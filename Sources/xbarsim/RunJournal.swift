import Foundation
import Peripherals
import Trainer

/// `reproduce --journal FILE`: the finished runs of a reproduction, kept in
/// FILE as each one ends, so that an interrupted or killed reproduction
/// loses none of them. The same command with the same FILE takes the runs
/// FILE holds and runs only the others; the table is the same either way.
///
/// FILE is one JSON object, rewritten whole (atomically) after every run:
/// `format` "xbarsim-reproduce-runs", `version` 1, `study` (e.g. "choi2021
/// figure 4"), `data` (the training and test sets' sizes and a 64-bit
/// checksum of their bytes: the configuration does not name the data) and
/// `runs`, each with its `label`, `seed`, full `configuration` and the
/// `result` numbers the tables and summaries read.
struct RunJournal {
  static let format = "xbarsim-reproduce-runs"

  /// One run of the sweep: its row's label, its seed and its whole
  /// configuration as `TrainCommand.configurationJSON` writes it.
  struct Item {
    var label: String
    var seed: UInt64
    var configuration: String
  }

  let path: String
  let study: String
  /// The `data` object.
  let data: String
  /// The runs' JSON objects, in the order they finished.
  private var runs: [String] = []
  /// The runs read back that another build made (`xbarsim`, since session
  /// 71), by build: a resumed table mixes them, which `reproduce` says.
  var otherBuilds: [String: Int] = [:]
  /// The build that made each held run, by index into the items (none for
  /// a run kept before session 71, which did not record it).
  var heldBuilds: [Int: String] = [:]

  /// Opens FILE for `study` and returns, by index into `items`, the results
  /// it holds. A missing FILE is an empty journal.
  ///
  /// - Throws: a one-line error naming FILE when it is not a journal, holds
  ///   another study, or holds a run that is not one of `items` (another
  ///   label or seed, or another configuration: its first differing key is
  ///   named).
  static func open(
    _ path: String, study: String, train: IDXDataset, test: IDXDataset, items: [Item]
  ) throws -> (RunJournal, [Int: TrainingResult], unknownResets: Set<Int>) {
    var journal = RunJournal(path: path, study: study, data: TrainCommand.dataJSON(train: train, test: test))
    guard FileManager.default.fileExists(atPath: path) else { return (journal, [:], []) }
    func fail(_ message: String) -> CLIError { CLIError.runtime("\(path): \(message)") }
    // Read back and rewritten: a device (/dev/null) or a pipe cannot hold it.
    let type = (try? FileManager.default.attributesOfItem(atPath: OutputFile.resolved(path)))?[.type] as? FileAttributeType
    if let type, type != .typeRegular { throw fail("not a regular file (a journal is read back and rewritten)") }
    let data = try ProblemFile.read(path)
    let root: JSONValue
    do { root = try JSONValue.parse(data) } catch { throw fail("malformed JSON at \(error)") }
    guard root["format"] == .string(format), root["version"] == .number(1) else {
      throw fail("not a reproduce journal (format \"\(format)\", version 1)")
    }
    guard root["study"] == .string(study) else {
      throw fail("holds the runs of \(root["study"]?.brief ?? "another study"), not of \(study); give another --journal")
    }
    let dataNow = try JSONValue.parse(Data(journal.data.utf8))
    guard let dataThen = root["data"], dataThen == dataNow else {
      let then = root["data"].map { difference($0, dataNow) } ?? "no data object there"
      throw fail("was made on other training or test data (\(then)); give another --journal")
    }
    guard case .array(let list)? = root["runs"] else { throw fail("'runs' must be a list") }
    var found: [Int: TrainingResult] = [:]
    // Runs kept before session 49, without resets and re-potentiation
    // pulses: their rows give those as unknown (null), not as 0.
    var unknownResets: Set<Int> = []
    let parsed = try items.map { try JSONValue.parse(Data($0.configuration.utf8)).configurationIdentity }
    for (n, run) in list.enumerated() {
      // Each field named with what is there (an exit-code audit, session
      // 70: one message had listed all four for any one of them).
      func shown(_ key: String) -> String { run[key]?.brief ?? "missing" }
      guard case .string(let label)? = run["label"] else { throw fail("run \(n + 1): 'label' must be a string, got \(shown("label"))") }
      guard case .number(let seedValue)? = run["seed"], seedValue >= 0, seedValue == seedValue.rounded(),
        seedValue < 9_007_199_254_740_992
      else { throw fail("run \(n + 1): 'seed' must be a whole number ≥ 0 below 2^53, got \(shown("seed"))") }
      guard let written = run["configuration"] else { throw fail("run \(n + 1): 'configuration' is missing") }
      guard case .object? = run["result"] else { throw fail("run \(n + 1): 'result' must be an object, got \(shown("result"))") }
      let configuration = written.configurationIdentity
      let seed = UInt64(seedValue)
      // Rows may share a label (Lim's methods a, b, c): the configuration
      // (which holds the seed) tells them apart.
      // A run whose label this build writes otherwise (since 2026-12-05 labels
      // name non-paper layers, "[layers 784,30,10]") is the item of the same
      // configuration, when one alone has it: an older journal had been
      // refused as "another configuration (same keys)" (an upgrade
      // walkthrough, session 71).
      let relabelled = items.indices.filter { parsed[$0] == configuration }
      guard
        let index = items.indices.first(where: { items[$0].label == label && parsed[$0] == configuration })
          ?? (relabelled.count == 1 ? relabelled[0] : nil)
      else {
        // The nearest run of that label and seed: the fewest keys differ.
        // (A label may carry the keys that make a run not the paper's,
        // "n_max = 64 [epochs 2]": the same run with another value.)
        let unmarked = ReproductionRun.withoutSettings
        let near = items.indices.filter { unmarked(items[$0].label) == unmarked(label) && items[$0].seed == seed }
          .min { differing(configuration, parsed[$0]) < differing(configuration, parsed[$1]) }
        if let near {
          throw fail("run '\(label)', seed \(seed) was made with another configuration (\(difference(configuration, parsed[near]))); give another --journal")
        }
        throw fail("run '\(label)', seed \(seed) is not one of this command's runs (other --seeds, or other keys its label names, such as converters?); give another --journal")
      }
      guard found[index] == nil else { throw fail("run '\(label)', seed \(seed) is there twice") }
      guard seed == items[index].seed else {
        throw fail("run \(n + 1) ('\(label)'): seed \(seed), but its configuration's seed is \(items[index].seed)")
      }
      let runFail = { (m: String) in fail("run \(n + 1) ('\(label)', seed \(seed)): \(m)") }
      let (r, resetsKnown) = try result(run["result"]!, fail: runFail)
      try checkAgainstConfiguration(r, parsed[index], trainCount: train.count, fail: runFail)
      found[index] = r
      if !resetsKnown { unknownResets.insert(index) }
      // The build that made it (since session 71; none before), kept.
      var build: String? = nil
      if let b = run["xbarsim"] {
        guard case .string(let text) = b, !text.isEmpty else { throw runFail("'xbarsim' must be the build that made it, as text, got \(b.brief)") }
        build = text
        journal.heldBuilds[index] = text
        if text != Xbarsim.build { journal.otherBuilds[text, default: 0] += 1 }
      }
      journal.runs.append(
        render(
          label: items[index].label, seed: seed, build: build, configuration: items[index].configuration, result: r,
          resetsKnown: resetsKnown))
    }
    return (journal, found, unknownResets)
  }

  private init(path: String, study: String, data: String) {
    self.path = path
    self.study = study
    self.data = data
  }

  /// Adds a finished run and rewrites FILE.
  mutating func record(_ item: Item, _ r: TrainingResult) throws {
    runs.append(Self.render(label: item.label, seed: item.seed, build: Xbarsim.build, configuration: item.configuration, result: r))
    var j = JSONWriter()
    j.add("format", Self.format)
    j.add("version", 1)
    j.add("study", study)
    j.addRaw("data", data)
    j.addRaw("runs", "[\n" + runs.joined(separator: ",\n") + "\n]")
    try OutputFile.write(j.finished(), to: path)
  }

  /// How many keys differ between two configuration objects.
  private static func differing(_ a: JSONValue, _ b: JSONValue) -> Int {
    guard case .object(let x, _) = a, case .object(let y, _) = b else { return .max }
    return Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.count
  }

  /// The first key whose values differ between two configuration objects.
  /// The first key of a data object (`TrainCommand.dataJSON`) whose value
  /// differs, with both values: which set, and how (a sweep's messages
  /// too, since session 65, which had said "training or test data").
  static func difference(_ was: JSONValue, _ now: JSONValue, there: String = "there", here: String = "now") -> String {
    guard case .object(let a, let keys) = was, case .object(let b, _) = now else { return "not an object" }
    for key in keys where a[key] != b[key] {
      return "\(key): \(a[key]!.brief) \(there), \(b[key]?.brief ?? "absent") \(here)"
    }
    if let key = b.keys.sorted().first(where: { a[$0] == nil }) { return "\(key) absent \(there)" }
    return "same keys"
  }

  // The result's fields as the file names them: one list for writing and
  // reading, so the two cannot drift apart.
  private static let numbers: [(String, WritableKeyPath<TrainingResult, Double> & Sendable)] = [
    ("test_accuracy", \.testAccuracy), ("accuracy_mean_last", \.accuracyMeanLast),
    ("accuracy_min_last", \.accuracyMinLast), ("accuracy_max_last", \.accuracyMaxLast),
    ("train_accuracy", \.trainAccuracy), ("seconds_train", \.secondsTrain), ("mean_conductance", \.meanConductance),
  ]
  /// The fields of `numbers` that are accuracies in %.
  private static let accuracies: Set = [
    "test_accuracy", "accuracy_mean_last", "accuracy_min_last", "accuracy_max_last", "train_accuracy",
  ]
  private static let counts: [(String, WritableKeyPath<TrainingResult, Int> & Sendable)] = [
    ("train_images", \.trainImages), ("pulses", \.pulses), ("solver_iterations", \.solverIterations),
    ("solver_solves", \.solverSolves),
  ]
  private static let ledgerFields: [(String, WritableKeyPath<EnergyLedger, Double> & Sendable)] = [
    ("read", \.read), ("program", \.program), ("reset", \.reset), ("adc", \.adc), ("dac", \.dac),
    ("read_time", \.readTime), ("update_time", \.updateTime),
  ]

  /// Kept since session 49 (`reproduce --summary`'s rows give them): a run
  /// kept before has neither, and is rewritten without them.
  private static let resetCounts: [(String, WritableKeyPath<TrainingResult, Int> & Sendable)] = [
    ("resets", \.resets), ("repotentiation_pulses", \.repotentiationPulses),
  ]

  private static func render(
    label: String, seed: UInt64, build: String?, configuration: String, result r: TrainingResult, resetsKnown: Bool = true
  ) -> String {
    func object(_ w: JSONWriter) -> String { w.finished().trimmingCharacters(in: .whitespacesAndNewlines) }
    var o = JSONWriter()
    for (key, path) in numbers { o.add(key, r[keyPath: path]) }
    for (key, path) in counts { o.add(key, r[keyPath: path]) }
    if resetsKnown { for (key, path) in resetCounts { o.add(key, r[keyPath: path]) } }
    if let e = r.phaseSwitchEpoch { o.add("phase_switch_epoch", e) } else { o.addRaw("phase_switch_epoch", "null") }
    if let l = r.ledger {
      var e = JSONWriter()
      for (key, path) in ledgerFields { e.add(key, l[keyPath: path]) }
      // Rules hybrid and single book the half-selected cells (session 36),
      // rule lim with half_select book (session 37).
      if let h = l.halfSelect { e.add("half_select", h) }
      // With line_capacitance (session 57).
      if let x = l.readLines { e.add("read_lines", x) }
      if let x = l.updateLines { e.add("update_lines", x) }
      o.addRaw("ledger", object(e))
    } else {
      o.addRaw("ledger", "null")
    }
    // The summary's epoch records (`epochs.csv`'s columns).
    o.addRaw("epochs", TrainCommand.epochsJSON(r.epochs))
    // The evaluation points as [images, test accuracy] pairs, ten to a line
    // (Lim's Figure 7 draws them).
    let pairs = r.points.map { "[\($0.images), \(JSONWriter.number($0.accuracy))]" }
    o.addRaw(
      "points",
      "[" + stride(from: 0, to: pairs.count, by: 10).map { pairs[$0..<min($0 + 10, pairs.count)].joined(separator: ", ") }
        .joined(separator: ",\n    ") + "]")
    var j = JSONWriter()
    j.add("label", label)
    j.add("seed", Int(seed))
    if let build { j.add("xbarsim", build) }
    j.addRaw("configuration", configuration.trimmingCharacters(in: .whitespacesAndNewlines))
    j.addRaw("result", object(o))
    return "  " + object(j)
  }

  /// The epochs of a result, as `TrainCommand.epochsJSON` writes them for
  /// the summary (what `reproduce --plot` draws per epoch, Choi's Figure 4B
  /// and 4C, comes back with a resumed journal; a journal written before
  /// session 30 has none: an empty list). Each is checked: epochs 1, 2, …
  /// in order, accuracies in 0…100 %, fractions in 0…1, counts whole,
  /// nothing negative; a key the rule does not have is absent (`mse`,
  /// `phase`, …). The epoch's training seconds are not kept (nor in
  /// `epochs.csv`): 0.
  static func epochs(_ v: JSONValue?, fail: (String) -> CLIError) throws -> [EpochRecord] {
    guard let v, v != .null else { return [] }
    guard case .array(let list) = v else { throw fail("'epochs' must be a list") }
    return try list.enumerated().map { n, e in
      let at = "epochs[\(n)]"
      func number(_ key: String, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws -> Double {
        guard case .number(let x)? = e[key], x.isFinite else { throw fail("\(at) needs a number '\(key)'") }
        guard range.contains(x) else { throw fail("\(at) '\(key)' is \(JSONWriter.number(x)), not in \(JSONWriter.number(range.lowerBound))…\(JSONWriter.number(range.upperBound))") }
        return x
      }
      func optional(_ key: String, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude) throws -> Double? {
        e[key] == nil ? nil : try number(key, in: range)
      }
      func count(_ key: String) throws -> Int {
        let x = try number(key, in: 0...9_007_199_254_740_991)
        guard x == x.rounded() else { throw fail("\(at) '\(key)' must be a whole number ≥ 0, got \(JSONWriter.number(x))") }
        return Int(x)
      }
      let epoch = try count("epoch")
      guard epoch == n + 1 else { throw fail("\(at) is epoch \(epoch), not \(n + 1)") }
      var phase = ""
      if let p = e["phase"] {
        guard case .string(let name) = p, ["dynamic", "fine"].contains(name) else {
          throw fail("\(at) 'phase' must be \"dynamic\" or \"fine\" (or absent)")
        }
        phase = name
      }
      return EpochRecord(
        epoch: epoch, images: try count("images"), trainAccuracy: try number("train_accuracy", in: 0...100),
        testAccuracy: try number("test_accuracy", in: 0...100),
        // (null: an epoch that trained no image, as `epochsJSON` writes it
        // since session 64; review 64c.)
        loss: e["train_loss"] == .null ? .nan : try number("train_loss"),
        meanSquaredError: try optional("mse"), pulses: try count("pulses"),
        cellUpdates: e["cell_updates"] == nil ? nil : try count("cell_updates"),
        updateFrequency: try optional("update_frequency", in: 0...1), seconds: 0, phase: phase,
        bigAtLimit: try optional("big_at_limit", in: 0...1), smallAtLimit: try optional("small_at_limit", in: 0...1))
    }
  }

  /// A journal holds finished runs only (`ReproduceCommand` records no
  /// interrupted or failed one): each trained all of its configuration's
  /// epochs over the training images it uses (train_limit of the data's,
  /// all of them for 0; the data are the journal's, checked above), so
  /// train_images is their product. Only rule hybrid switches phases, after
  /// one of its epochs.
  private static func checkAgainstConfiguration(
    _ r: TrainingResult, _ configuration: JSONValue, trainCount: Int, fail: (String) -> CLIError
  ) throws {
    // Rules hybrid and single book the half-selected cells, rule lim only
    // with half_select book: a run written before they did (session 36)
    // would give its row an energy without them.
    if let l = r.ledger {
      let coincidence = configuration["rule"] == .string("hybrid") || configuration["rule"] == .string("single")
      let books = coincidence || configuration["half_select"] == .string("book")
      if coincidence && l.halfSelect == nil {
        throw fail("'ledger' has no 'half_select' (a hybrid or single run written before its ledger booked the half-selected cells, session 36): remove the journal to run it again")
      }
      if books && l.halfSelect == nil { throw fail("'ledger' has no 'half_select', which its configuration's half_select book books") }
      if !books && l.halfSelect != nil {
        throw fail("'ledger' has a 'half_select', but its configuration books none (rule lim without half_select book)")
      }
      let linesBooked: Bool = {
        if case .number(let c)? = configuration["line_capacitance"] { return c > 0 }
        return false
      }()
      if linesBooked != (l.readLines != nil) || linesBooked != (l.updateLines != nil) {
        throw fail(linesBooked
          ? "'ledger' lacks 'read_lines' or 'update_lines', which its configuration's line_capacitance books"
          : "'ledger' has 'read_lines' or 'update_lines', but its configuration has no line_capacitance")
      }
    }
    if case .number(let epochs)? = configuration["epochs"], case .number(let limit)? = configuration["train_limit"],
      epochs >= 1, limit >= 0, epochs < 1e9, limit < 1e15
    {
      let perEpoch = limit > 0 ? min(Int(limit), trainCount) : trainCount
      let (expected, overflow) = Int(epochs).multipliedReportingOverflow(by: perEpoch)
      if !overflow && r.trainImages != expected {
        throw fail(
          "'train_images' is \(r.trainImages), but its configuration trains \(Int(epochs)) epoch(s) of \(perEpoch) images: \(expected)")
      }
      if !r.epochs.isEmpty && r.epochs.count != Int(epochs) {
        throw fail("'epochs' holds \(r.epochs.count) epoch(s), but its configuration trains \(Int(epochs))")
      }
      if let e = r.phaseSwitchEpoch {
        guard configuration["rule"] == .string("hybrid") else {
          let rule: String
          if case .string(let name)? = configuration["rule"] { rule = name } else { rule = "absent" }
          throw fail("'phase_switch_epoch' is \(e), but rule \(rule) never switches phases (null)")
        }
        guard (1...Int(epochs)).contains(e) else {
          throw fail("'phase_switch_epoch' is \(e), not an epoch in 1…\(Int(epochs))")
        }
      }
    }
  }

  /// A run's result, and whether it holds its resets and re-potentiation
  /// pulses (both or neither: kept since session 49).
  private static func result(_ v: JSONValue, fail: (String) -> CLIError) throws -> (TrainingResult, resetsKnown: Bool) {
    func number(_ object: JSONValue, _ key: String) throws -> Double {
      guard case .number(let x)? = object[key], x.isFinite else { throw fail("result needs a number '\(key)'") }
      return x
    }
    func count(_ key: String) throws -> Int {
      let x = try number(v, key)
      guard x >= 0, x == x.rounded(), x < 9_007_199_254_740_992 else {
        throw fail("'\(key)' must be a whole number ≥ 0 below 2^53, got \(JSONWriter.number(x))")
      }
      return Int(x)
    }
    var r = TrainingResult()
    for (key, path) in numbers { r[keyPath: path] = try number(v, key) }
    for (key, path) in numbers where accuracies.contains(key) && !(0...100).contains(r[keyPath: path]) {
      throw fail("'\(key)' is \(JSONWriter.number(r[keyPath: path])), not an accuracy in 0…100 %")
    }
    // Seconds, conductances, energies and times are never negative.
    for (key, path) in numbers where r[keyPath: path] < 0 {
      throw fail("'\(key)' is \(JSONWriter.number(r[keyPath: path])), not a number ≥ 0")
    }
    // The mean of the last points lies between their min and max (to the
    // rounding of a sum).
    let slack = 1e-9 * max(1, r.accuracyMaxLast)
    guard r.accuracyMinLast <= r.accuracyMeanLast + slack, r.accuracyMeanLast <= r.accuracyMaxLast + slack else {
      throw fail(
        "accuracy_min_last \(JSONWriter.number(r.accuracyMinLast)) ≤ accuracy_mean_last \(JSONWriter.number(r.accuracyMeanLast)) ≤ accuracy_max_last \(JSONWriter.number(r.accuracyMaxLast)) does not hold")
    }
    for (key, path) in counts { r[keyPath: path] = try count(key) }
    let resetsKnown = v["resets"] != nil || v["repotentiation_pulses"] != nil
    if resetsKnown {
      for (key, path) in resetCounts { r[keyPath: path] = try count(key) }
      guard r.repotentiationPulses <= r.pulses else {
        throw fail("'repotentiation_pulses' is \(r.repotentiationPulses), more than its 'pulses' \(r.pulses)")
      }
    }
    if v["phase_switch_epoch"] != .null { r.phaseSwitchEpoch = try count("phase_switch_epoch") }
    if let l = v["ledger"], l != .null {
      var e = EnergyLedger()
      for (key, path) in ledgerFields {
        e[keyPath: path] = try number(l, key)
        guard e[keyPath: path] >= 0 else {
          throw fail("ledger '\(key)' is \(JSONWriter.number(e[keyPath: path])), not a number ≥ 0")
        }
      }
      if l["half_select"] != nil {
        let h = try number(l, "half_select")
        guard h >= 0 else { throw fail("ledger 'half_select' is \(JSONWriter.number(h)), not a number ≥ 0") }
        e.halfSelect = h
      }
      for (key, path) in [("read_lines", \EnergyLedger.readLines), ("update_lines", \EnergyLedger.updateLines)] where l[key] != nil {
        let x = try number(l, key)
        guard x >= 0 else { throw fail("ledger '\(key)' is \(JSONWriter.number(x)), not a number ≥ 0") }
        e[keyPath: path] = x
      }
      r.ledger = e
    }
    r.epochs = try epochs(v["epochs"], fail: fail)
    r.points = try points(v["points"], fail: fail)
    return (r, resetsKnown)
  }

  /// A result's evaluation points, [images, test accuracy] pairs (a journal
  /// written before session 30 has none: an empty list), checked: images
  /// whole and never fewer than the previous point's, accuracies in
  /// 0…100 %. Only these two numbers are kept; the rest of a point (loss,
  /// pulses, …) comes back as 0.
  private static func points(_ v: JSONValue?, fail: (String) -> CLIError) throws -> [EvaluationPoint] {
    guard let v, v != .null else { return [] }
    guard case .array(let list) = v else { throw fail("'points' must be a list") }
    var previous = 0
    return try list.enumerated().map { n, p in
      guard case .array(let pair) = p, pair.count == 2, case .number(let images) = pair[0],
        case .number(let accuracy) = pair[1]
      else { throw fail("points[\(n)] must be [images, test accuracy]") }
      guard images >= Double(previous), images == images.rounded(), images < 9_007_199_254_740_992 else {
        throw fail("points[\(n)]: images \(JSONWriter.number(images)) is not a whole number ≥ the previous point's \(previous)")
      }
      guard (0...100).contains(accuracy) else {
        throw fail("points[\(n)]: test accuracy \(JSONWriter.number(accuracy)) is not in 0…100 %")
      }
      previous = Int(images)
      return EvaluationPoint(images: previous, accuracy: accuracy, loss: 0, pulses: 0, resets: 0, seconds: 0)
    }
  }
}
