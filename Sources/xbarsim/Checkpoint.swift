import Circuit
import Foundation
import Peripherals
import Trainer

/// A checkpoint file: one JSON object with the configuration and every
/// layer's device states (README, "Checkpoints").
///
/// ```
/// {"format": "xbarsim-checkpoint", "version": 1, "train_images": 60000,
///  "configuration": {every configuration key},
///  "layers": [{"rows": 785, "columns": 200, "pulses": …, "resets": …,
///              "repotentiation_pulses": …,
///              "plus_states": […], "minus_states": […],            (methods a, b)
///              "plus_conductances": […], "minus_conductances": […], (method c)
///              "plus_scales": […], "minus_scales": […],            (σ, stuck_off, stuck_on > 0)
///              "plus_shorted": […], "minus_shorted": […]}, …]}     (stuck_on > 0: 1 shorted, else 0)
/// ```
enum Checkpoint {
  static let format = "xbarsim-checkpoint"

  /// The configuration keys that give device states their meaning: a
  /// checkpoint loads only into a network that agrees on them (and on the
  /// layer sizes, checked first). A measured device (`device_csv`) is
  /// saved whole (`device`: its file's path, curve, G_max and depression
  /// branch), so the checkpoint loads without the file, and only into the
  /// same device.
  /// The keys the saved states depend on (`sigma_c2c`, `b_margin`:
  /// conductances or integer states; `stuck_off`, `stuck_on`: the devices
  /// stuck at 0 S or at G_max, saved as scales X = 0, the shorted ones
  /// also as `plus_shorted`/`minus_shorted` marks; a configuration holds
  /// them only when not 0).
  static let stateKeys = ["method", "device_csv", "nmax", "beta_p", "beta_d", "gmin_ratio", "sigma", "sigma_c2c", "b_margin", "stuck_off", "stuck_on", "stuck_map"]

  /// The keys that give a hybrid (or single-pair) checkpoint's devices
  /// their meaning; with d2d > 0 also `seed`, which draws each device's
  /// range (`hybridStateKeys(for:)`). `stuck_off`, `stuck_on`: the stuck
  /// devices are drawn again from the seed when the network is built (a
  /// configuration holds them only when not 0), so with either > 0 the
  /// seed too; their conductances in the checkpoint must be the pinned
  /// ones (`HybridNetwork.restore` checks each against its range).
  static let hybridStateKeys = ["rule", "device_csv", "states", "small_states", "k", "gmin_ratio", "d2d", "stuck_off", "stuck_on", "stuck_map"]
  static func hybridStateKeys(for cfg: TrainingConfiguration) -> [String] {
    hybridStateKeys + (cfg.d2d > 0 || cfg.stuckOff > 0 || cfg.stuckOn > 0 ? ["seed"] : [])
  }

  private static func list<T>(_ v: [T], _ f: (T) -> String) -> String { "[" + v.map(f).joined(separator: ",") + "]" }

  /// The opening of every checkpoint: format, version, images, the
  /// configuration and a measured device's curve; then `"layers": [`.
  /// Where in its training order a run stopped (`Experiment`'s
  /// `shuffles`, `epochImages`, `switchReference`): what a run that goes
  /// on from the checkpoint needs to take the same orders, and the
  /// hybrid's switch the same reference.
  struct Place {
    var shuffles = 0
    var epochImages = 0
    var switchReference: Double? = nil
    /// Training images the devices had seen before this run (the runs
    /// its `--checkpoint-in` came from): `devices_train_images` is these
    /// and `train_images`.
    var priorImages = 0
    /// `devices_train_images` at which the run that wrote it would end
    /// (its `epochs`), kept so that a run going on from a checkpoint saved
    /// before that end (a periodic save, an interrupt) can be told the
    /// epochs that end there; nil: not known (before session 45).
    var runEndImages: Int? = nil
    /// The checksum of the training set the run that wrote it trained on
    /// (`IDXDataset.checksum`; `train_checksum`, since session 66): a run
    /// on other data goes on inside none of its epochs. nil: not known.
    var trainChecksum: UInt64? = nil
    /// The run this checkpoint's part belongs to, when it went on from
    /// others (`run`, since session 68): all its parts' points and counts,
    /// for the whole run's summary. nil: not known (saved before, or by a
    /// part whose run began before session 68).
    var run: RunRecord? = nil
  }

  private static func header(_ cfg: TrainingConfiguration, trainImages: Int, place: Place, phase: HybridPhase? = nil) -> String {
    var text = "{\n  \"format\": \"\(format)\",\n  \"version\": 1,\n  \"xbarsim\": \(JSONWriter.string(Xbarsim.build)),\n"
    text += "  \"train_images\": \(trainImages),\n"
    text += "  \"devices_train_images\": \(place.priorImages + trainImages),\n"
    text += "  \"shuffles\": \(place.shuffles),\n  \"epoch_images\": \(place.epochImages),\n"
    if let r = place.switchReference { text += "  \"switch_reference\": \(r),\n" }
    if let end = place.runEndImages { text += "  \"run_end_images\": \(end),\n" }
    if let sum = place.trainChecksum { text += "  \"train_checksum\": \"\(String(sum, radix: 16))\",\n" }
    if let run = place.run { text += "  \"run\": \(runJSON(run)),\n" }
    // (Not `endurance`: the counts are the checkpoint's own `endurance`
    // list, and a run from it counts on from them only with its own
    // --endurance true.)
    var saved = cfg
    saved.endurance = false
    text += "  \"configuration\": " + TrainCommand.configurationJSON(saved).replacingOccurrences(of: "\n", with: "\n  ") + ",\n"
    if let m = cfg.measuredDevice {
      // `depression` only when the file has one (checkpoints before method
      // c took measured devices have none).
      let depression = m.depression.isEmpty ? "" : ", \"depression\": \(list(m.depression) { "\($0)" })"
      text += "  \"device\": {\"path\": \(JSONWriter.string(m.path)), \"gmax\": \(m.gMax), \"curve\": \(list(m.curve) { "\($0)" })\(depression)},\n"
    }
    if let map = cfg.stuckMap {
      // The map's records as read (their canonical text), so that the
      // checkpoint loads without its file, and only into the same map.
      text += "  \"stuck_map\": {\"path\": \(JSONWriter.string(map.path)), \"records\": \(list(map.entries) { JSONWriter.string($0.text) })},\n"
    }
    if let phase { text += "  \"phase\": \"\(phase.rawValue)\",\n" }
    // Devices off their curve that the configuration's keys would not
    // hold as conductances (a run that went on from a programmed array).
    if cfg.heldConductances { text += "  \"held_conductances\": true,\n" }
    return text
  }

  /// A checkpoint's `run`: its start, parts, counts, average window and
  /// points (`[images, accuracy]`), on one line.
  static func runJSON(_ r: RunRecord) -> String {
    let window = (r.windowStart.map { ", \"window_start\": \($0)" } ?? "") + (r.windowUpdates.map { ", \"window_updates\": \($0)" } ?? "")
    let points = r.points.map { "[\($0.images), \(JSONWriter.number($0.accuracy))]" }.joined(separator: ", ")
    let seconds = (r.secondsTrain.map { ", \"seconds_train\": \(JSONWriter.number($0))" } ?? "")
      + (r.epochs.map { ", \"epochs\": \($0)" } ?? "") + (r.switchEpoch.map { ", \"switch_epoch\": \($0)" } ?? "")
    let ledger = r.ledger.map { e in
      let booked = ledgerKeys.map { ($0, e[keyPath: $1]) } + ledgerOptionalKeys.compactMap { key, path in e[keyPath: path].map { (key, $0) } }
      return ", \"ledger\": {" + booked.map { "\"\($0)\": \(JSONWriter.number($1))" }.joined(separator: ", ") + "}"
    } ?? ""
    return "{\"start\": \(r.start), \"parts\": \(r.parts), \"pulses\": \(r.pulses), \"repotentiation_pulses\": \(r.repotentiations), "
      + "\"resets\": \(r.resets)\(window)\(seconds)\(ledger), \"points\": [\(points)]}"
  }

  /// A run record's ledger in a checkpoint: the keys of the components
  /// it always books, and of those it may leave unbooked (nil: not
  /// written), each with its field.
  nonisolated(unsafe) static let ledgerKeys: [(String, WritableKeyPath<EnergyLedger, Double>)] = [
    ("read", \.read), ("program", \.program), ("reset", \.reset), ("adc", \.adc), ("dac", \.dac), ("read_time", \.readTime),
    ("update_time", \.updateTime),
  ]
  nonisolated(unsafe) static let ledgerOptionalKeys: [(String, WritableKeyPath<EnergyLedger, Double?>)] = [
    ("half_select", \.halfSelect), ("read_lines", \.readLines), ("update_lines", \.updateLines),
  ]

  /// A checkpoint's `run` read back, checked against its devices' images.
  static func readRun(_ v: JSONValue, devicesImages: Int, _ fail: (String) -> CLIError) throws -> RunRecord {
    let keys = [
      "start", "parts", "pulses", "repotentiation_pulses", "resets", "window_start", "window_updates", "seconds_train", "epochs",
      "switch_epoch", "ledger", "points",
    ]
    guard case .object(let o, let names) = v else { throw fail("'run' must be an object (\(keys.joined(separator: ", "))), got \(v.brief)") }
    if let odd = names.first(where: { !keys.contains($0) }) {
      throw fail("'run': unknown key '\(odd)' (it holds \(keys.joined(separator: ", ")))")
    }
    func integer(_ key: String, _ range: ClosedRange<Double>, optional: Bool = false) throws -> Int? {
      guard let x = o[key] else {
        if optional { return nil }
        throw fail("'run' has no '\(key)'")
      }
      guard case .number(let k) = x, range.contains(k), k == k.rounded() else {
        throw fail("'run': '\(key)' must be an integer in \(Int(range.lowerBound))…\(Int(range.upperBound)), got \(x.brief)")
      }
      return Int(k)
    }
    let devices = Double(devicesImages)
    var r = RunRecord(start: try integer("start", 0...devices)!)
    r.parts = try integer("parts", 1...1e9)!
    r.pulses = try integer("pulses", 0...9e15)!
    r.repotentiations = try integer("repotentiation_pulses", 0...9e15)!
    r.resets = try integer("resets", 0...9e15)!
    r.windowStart = try integer("window_start", -1e15...1e15, optional: true)
    r.windowUpdates = try integer("window_updates", 1...1e15, optional: true)
    if r.windowStart == nil && r.windowUpdates != nil { throw fail("'run': 'window_updates' without 'window_start'") }
    // Seconds and ledger: absent in a checkpoint from before session 69
    // (the whole run's are then not known).
    func amount(_ x: JSONValue, _ name: String) throws -> Double {
      guard case .number(let v) = x, v.isFinite, v >= 0 else {
        throw fail("'run': '\(name)' must be a number ≥ 0, got \(x.brief)")
      }
      return v
    }
    r.secondsTrain = try o["seconds_train"].map { try amount($0, "seconds_train") }
    r.epochs = try integer("epochs", 0...1e15, optional: true)
    r.switchEpoch = try integer("switch_epoch", 1...1e15, optional: true)
    if let e = r.switchEpoch, e > r.epochs ?? 0 {
      throw fail("'run': 'switch_epoch' \(e) after its 'epochs' (\(r.epochs.map(String.init) ?? "none"))")
    }
    r.ledger = nil
    if let v = o["ledger"] {
      let names = ledgerKeys.map(\.0) + ledgerOptionalKeys.map(\.0)
      guard case .object(let l, let given) = v else {
        throw fail("'run': 'ledger' must be an object (\(names.joined(separator: ", "))), got \(v.brief)")
      }
      if let odd = given.first(where: { !names.contains($0) }) {
        throw fail("'run': 'ledger': unknown key '\(odd)' (it holds \(names.joined(separator: ", ")))")
      }
      var e = EnergyLedger()
      for (key, path) in ledgerKeys {
        guard let x = l[key] else { throw fail("'run': 'ledger' has no '\(key)'") }
        e[keyPath: path] = try amount(x, "ledger.\(key)")
      }
      for (key, path) in ledgerOptionalKeys { e[keyPath: path] = try l[key].map { try amount($0, "ledger.\(key)") } }
      r.ledger = e
    }
    let message = "'run': 'points' must be a list of [images, accuracy]: images ascending, after its start (\(r.start)) and at most devices_train_images (\(devicesImages)), accuracies 0…100"
    guard case .array(let items)? = o["points"] else { throw fail(message) }
    var last = r.start
    r.points = try items.map { item in
      guard case .array(let pair) = item, pair.count == 2, case .number(let i) = pair[0], case .number(let a) = pair[1],
        i == i.rounded(), Double(last) < i, i <= devices, a >= 0, a <= 100
      else { throw fail(message) }
      last = Int(i)
      return RunRecord.Point(images: Int(i), accuracy: a)
    }
    return r
  }

  /// A random stream's state as JSON: its words as hexadecimal strings
  /// (a JSON number would round them).
  private static func words(_ w: [UInt64]) -> String { list(w) { "\"0x" + String($0, radix: 16) + "\"" } }

  /// A hybrid (or single-pair) network's checkpoint: its phase, and per
  /// layer every device array's conductances, the weight cache (each Float
  /// written as the Double it converts to, so that it reads back to the
  /// same bits), a measured device's positions, and the counters.
  static func write(_ net: HybridNetwork, trainImages: Int, place: Place = Place(), to path: String) throws {
    // Layer by layer, each array as it is written (`OutputFile.Sink`).
    try OutputFile.write(to: path) { out in
      try out.write(header(net.configuration, trainImages: trainImages, place: place, phase: net.phase))
      try out.write("  \"encoder_streams\": " + list(net.encoderStreams, words) + ",\n  \"layers\": [")
      let names = HybridLayerState.arrayNames(hybrid: net.isHybrid)
      for l in 0..<net.layerCount {
        let s = net.layerState(l)
        try out.write(l == 0 ? "\n" : ",\n")
        try out.write("    {\"rows\": \(s.rows), \"columns\": \(s.columns), \"pulses\": \(s.pulses), \"resets\": \(s.resets), ")
        try out.write("\"repotentiation_pulses\": \(s.repotentiations)")
        for (name, values) in zip(names, s.conductances) {
          try out.write(",\n     \"\(name)_conductances\": ")
          try out.list(values) { "\(Double($0))" }
        }
        try out.write(",\n     \"weights\": ")
        try out.list(s.weights) { "\(Double($0))" }
        for (name, values) in zip(names, s.positions) {
          try out.write(",\n     \"\(name)_positions\": ")
          try out.list(values) { String($0) }
        }
        if let streams = s.streams {
          try out.write(",\n     \"noise_streams\": " + list(streams, words))
          try out.write(",\n     \"pending_noise\": " + list(s.pendingNoise) { list($0) { String($0) } })
        }
        try out.write("}")
      }
      try out.write("\n  ]")
      try writeEndurance(net.enduranceCounts, out)
      try out.write("\n}\n")
    }
  }

  /// A run with `endurance`: every layer's per-device counts, so that a
  /// run going on from the checkpoint counts on from them (`,` and the
  /// key, or nothing).
  private static func writeEndurance(_ counts: [EnduranceCounts]?, _ out: OutputFile.Sink) throws {
    guard let counts else { return }
    try out.write(",\n  \"endurance\": [")
    for (k, c) in counts.enumerated() {
      try out.write(k == 0 ? "\n    {\"pulses\": " : ",\n    {\"pulses\": ")
      try out.list(c.pulses) { String($0) }
      try out.write(",\n     \"resets\": ")
      try out.list(c.resets) { String($0) }
      try out.write("}")
    }
    try out.write("\n  ]")
  }

  static func write(_ net: LimNetwork, trainImages: Int, place: Place = Place(), to path: String) throws {
    let cfg = net.configuration
    try OutputFile.write(to: path) { out in
      try out.write(header(cfg, trainImages: trainImages, place: place) + "  \"layers\": [")
      for l in 0..<net.layerCount {
        let s = net.layerState(l)
        try out.write(l == 0 ? "\n" : ",\n")
        try out.write("    {\"rows\": \(s.rows), \"columns\": \(s.columns), \"pulses\": \(s.pulses), \"resets\": \(s.resets), ")
        try out.write("\"repotentiation_pulses\": \(s.repotentiations)")
        if cfg.limConductanceStates {
          try out.write(",\n     \"plus_conductances\": ")
          try out.list(s.plusConductances) { "\($0)" }
          try out.write(",\n     \"minus_conductances\": ")
          try out.list(s.minusConductances) { "\($0)" }
        } else {
          try out.write(",\n     \"plus_states\": ")
          try out.list(s.plusStates) { String($0) }
          try out.write(",\n     \"minus_states\": ")
          try out.list(s.minusStates) { String($0) }
        }
        if let noise = s.noise { try out.write(",\n     \"noise_stream\": " + words(noise)) }
        if cfg.limDeviceScales {
          // (σ's scales, or stuck devices' X = 0: stored, not redrawn.)
          // Each Float exactly, as the Double it converts to.
          try out.write(",\n     \"plus_scales\": ")
          try out.list(s.plusScales) { "\(Double($0))" }
          try out.write(",\n     \"minus_scales\": ")
          try out.list(s.minusScales) { "\(Double($0))" }
        }
        if let p = s.plusShorted, let m = s.minusShorted {
          // Shorted devices (`stuck_on`): 1, else 0.
          try out.write(",\n     \"plus_shorted\": ")
          try out.list(p) { $0 == 0 ? "0" : "1" }
          try out.write(",\n     \"minus_shorted\": ")
          try out.list(m) { $0 == 0 ? "0" : "1" }
        }
        try out.write("}")
      }
      try out.write("\n  ]")
      try writeEndurance(net.enduranceCounts, out)
      try out.write("\n}\n")
    }
  }

  /// At most this many bytes for each of the checkpoint's numbers, its
  /// comma included: a Double written by Swift has at most 17 significant
  /// digits, a sign, a point and an exponent (`-2.2250738585072014e-308`).
  static let longestNumber = 25.0

  /// An upper bound on the size in bytes of `cfg`'s checkpoint: every
  /// device's numbers at their longest (`longestNumber`; a device state,
  /// a byte, in 4 and a position or count in 12), and a megabyte for the
  /// rest. 0 for float SGD, which keeps none (off-chip learning keeps the
  /// arrays it programmed, as rule lim's).
  /// Rule lim's shorted marks (`stuck_on`) are a digit and a comma per
  /// device (left out before session 75).
  /// A hybrid writes about 100 bytes a synapse: 784-10000-10's file was
  /// 800 MB, 784-14000-10's 1.12 GB, past what `--checkpoint-in` reads (a
  /// walkthrough, session 66).
  static func largestBytes(_ cfg: TrainingConfiguration) -> Double {
    guard cfg.rule != .float else { return 0 }
    let perSynapse: Double
    if cfg.rule == .lim {
      perSynapse = (cfg.limConductanceStates ? 2 * longestNumber : 2 * 4) + (cfg.limDeviceScales ? 2 * longestNumber : 0)
        + (cfg.hasShortedDevices ? 2 * 2 : 0) + (cfg.endurance ? 2 * 2 * 12 : 0)
    } else {
      let arrays = cfg.rule == .hybrid ? 4.0 : 2
      perSynapse = arrays * longestNumber + longestNumber + (cfg.measuredDevice != nil ? arrays * 12 : 0)
        + (cfg.endurance ? 2 * arrays * 12 : 0)
    }
    // A stuck map's copy: a record's canonical text is at most 44 bytes.
    return perSynapse * Double(cfg.synapseCount) + 1e6 + 48 * Double(cfg.stuckMap?.entries.count ?? 0)
  }

  /// The bytes a save holds besides the network: one layer's states, copied
  /// (`layerState`), the largest, and with `endurance` every device's
  /// counts, copied for the whole network (`enduranceCounts`: a pulse and
  /// a reset count of 4 bytes per device); the text goes out a megabyte at
  /// a time.
  static func saveBytes(_ cfg: TrainingConfiguration) -> Double {
    guard cfg.rule != .float else { return 0 }
    let largest = zip(cfg.layers, cfg.layers.dropFirst()).map { ($0 + 1) * $1 }.max() ?? 0
    // Rule lim: both devices' states (1 byte), conductances (8) and scales
    // (4); the hybrid's: each array's conductance and position (4 each)
    // and the weight (4).
    let arrays = cfg.rule == .hybrid ? 4.0 : 2
    let perSynapse = cfg.rule == .lim ? 26 : arrays * 8 + 4
    let counts = cfg.endurance ? 8 * arrays * Double(cfg.synapseCount) : 0
    return perSynapse * Double(largest) + counts + 2e6
  }

  /// What a checkpoint holds: its configuration and rule lim's layer
  /// states, or (rules hybrid and single) the phase and layer states.
  struct Saved {
    var configuration: TrainingConfiguration
    var states: [LimLayerState] = []
    var hybrid: (phase: HybridPhase, layers: [HybridLayerState])? = nil
    /// Training images the saved network has seen.
    var trainImages = 0
    /// Where the run stopped in its training order (`Place`).
    var place = Place()
    /// Training images the devices have seen over every run that led to
    /// them (`devices_train_images`).
    var devicesTrainImages: Int { place.priorImages + trainImages }
    /// The hybrid's encoders' streams, if saved.
    var encoderStreams: [[UInt64]]? = nil
    /// Every layer's per-device counts, saved by a run with `endurance`.
    var endurance: [EnduranceCounts]? = nil
    /// The build that wrote it (`Xbarsim.build`); nil before session 71.
    var build: String? = nil
  }

  /// A checkpoint's `endurance`: per layer `pulses` and `resets`, each a
  /// list of `arrays`·cells counts in 0…4294967295.
  private static func readEndurance(_ v: JSONValue, _ cfg: TrainingConfiguration, _ fail: (String) -> CLIError) throws -> [EnduranceCounts] {
    let arrays = cfg.rule == .hybrid ? 4 : 2
    guard case .array(let layers) = v, layers.count == cfg.layers.count - 1 else {
      throw fail("'endurance' must be a list of \(cfg.layers.count - 1) objects (one per array: pulses and resets)")
    }
    return try layers.enumerated().map { l, layer in
      let n = arrays * (cfg.layers[l] + 1) * cfg.layers[l + 1]
      guard case .object(let d, _) = layer, Set(d.keys) == ["pulses", "resets"] else {
        throw fail("'endurance' layer \(l) must be an object of pulses and resets")
      }
      func counts(_ key: String) throws -> [UInt32] {
        guard case .array(let items)? = d[key], items.count == n else {
          throw fail("'endurance' layer \(l): \(key) must be a list of \(n) counts (\(arrays) arrays of \(cfg.layers[l] + 1)×\(cfg.layers[l + 1]) devices)")
        }
        return try items.map {
          guard case .number(let x) = $0, x >= 0, x <= Double(UInt32.max), x == x.rounded() else {
            throw fail("'endurance' layer \(l): \(key) holds \($0.brief), not a count in 0…4294967295")
          }
          return UInt32(x)
        }
      }
      return EnduranceCounts(pulses: try counts("pulses"), resets: try counts("resets"))
    }
  }

  /// A list of random streams' states: lists of `count` hexadecimal words.
  private static func streamWords(_ v: JSONValue?, count: Int, _ name: String, _ fail: (String) -> CLIError) throws -> [[UInt64]] {
    let message = "\(name) must be a list of lists of \(count) words written \"0x…\" (random streams' states)"
    guard case .array(let lists)? = v else { throw fail(message) }
    return try lists.map { e in
      guard case .array(let items) = e, items.count == count else { throw fail(message) }
      return try items.map { item in
        guard case .string(let t) = item, t.hasPrefix("0x"), let w = UInt64(t.dropFirst(2), radix: 16) else { throw fail(message) }
        return w
      }
    }
  }

  /// Every top-level key a checkpoint holds.
  static let topKeys: Set<String> = [
    "format", "version", "xbarsim", "train_images", "devices_train_images", "shuffles", "epoch_images", "switch_reference",
    "run_end_images", "train_checksum", "run", "configuration", "device", "stuck_map", "phase", "encoder_streams", "layers", "endurance",
    "held_conductances",
  ]

  /// A checkpoint's configuration and layer states.
  static func read(_ path: String) throws -> Saved {
    let data = try ProblemFile.read(path)
    func fail(_ m: String) -> CLIError { .runtime("\(path): \(m)") }
    // The parsed tree: a 24-byte value per number, and its arrays' growth
    // (a 320 MB hybrid checkpoint took 527 MB more at its peak than the run
    // without it; this counts 0.7 GB). Refused up front: under `ulimit -v`
    // the parse had crashed on a failed allocation (a walkthrough, session
    // 66).
    let values = data.withUnsafeBytes { raw in raw.reduce(into: 1.0) { if $1 == UInt8(ascii: ",") { $0 += 1 } } }
    if let reason = MemoryLimit.shortfall(onTopOfCurrentUse: 32 * values) {
      throw fail("reading this checkpoint (\(data.count) bytes) \(reason)")
    }
    let root: JSONValue
    do { root = try JSONValue.parse(data) } catch { throw fail("malformed JSON at \(error)") }
    guard root["format"] == .string(format) else { throw fail("not an xbarsim checkpoint (no \"format\": \"\(format)\")") }
    // Every key has a meaning: one this version does not know (a typo, an
    // edit) is refused rather than silently dropped.
    if case .object(_, let names) = root, let odd = names.first(where: { !topKeys.contains($0) }) {
      throw fail(
        "unknown key '\(odd)' (a checkpoint holds format, version, xbarsim, train_images, devices_train_images, shuffles, epoch_images, switch_reference, run_end_images, train_checksum, run, configuration, device, stuck_map, phase, encoder_streams, layers, endurance and held_conductances)")
    }
    guard root["version"] == .number(1) else { throw fail("unsupported checkpoint version \(root["version"]?.brief ?? "none")") }
    var build: String? = nil
    if let v = root["xbarsim"] {
      guard case .string(let b) = v, !b.isEmpty else { throw fail("'xbarsim' must be the build that wrote it, as text, got \(v.brief)") }
      build = b
    }
    guard case .number(let images)? = root["train_images"], images >= 0, images == images.rounded(),
      !JSONWriter.isInexactInteger(images)
    else { throw fail("'train_images' must be a non-negative integer, got \(root["train_images"]?.brief ?? "none")") }
    // (Missing: 0, as before session 39.)
    var place = Place()
    for key in ["shuffles", "epoch_images"] {
      guard let v = root[key] else { continue }
      guard case .number(let k) = v, k >= 0, k == k.rounded(), k < 1e12 else {
        throw fail("'\(key)' must be a non-negative integer, got \(v.brief)")
      }
      if key == "shuffles" { place.shuffles = Int(k) } else { place.epochImages = Int(k) }
    }
    // (Missing: the devices saw this run's images only, as before session 40.)
    if let v = root["devices_train_images"] {
      guard case .number(let k) = v, k >= images, k == k.rounded(), k < 1e15 else {
        throw fail("'devices_train_images' must be an integer ≥ train_images (\(Int(images))), got \(v.brief)")
      }
      place.priorImages = Int(k) - Int(images)
    }
    // (Missing: not known, as before session 45.)
    if let v = root["run_end_images"] {
      let devices = Double(place.priorImages) + images
      guard case .number(let k) = v, k >= devices, k == k.rounded(), k < 1e15 else {
        throw fail("'run_end_images' must be an integer ≥ devices_train_images (\(Int(devices))) and below 1e15, got \(v.brief)")
      }
      place.runEndImages = Int(k)
    }
    // (Missing: not known, as before session 66.)
    if let v = root["train_checksum"] {
      guard case .string(let text) = v, text.count <= 16, let sum = UInt64(text, radix: 16) else {
        throw fail("'train_checksum' must be a checksum of up to 16 hexadecimal digits, got \(v.brief)")
      }
      place.trainChecksum = sum
    }
    // (Missing: not known, as before session 68.)
    if let v = root["run"] {
      place.run = try readRun(v, devicesImages: place.priorImages + Int(images), fail)
    }
    if let v = root["switch_reference"] {
      guard case .number(let r) = v, r >= 0, r <= 100 else {
        throw fail("'switch_reference' must be a training accuracy in percent (0…100), got \(v.brief)")
      }
      place.switchReference = r
    }
    var cfg = TrainingConfiguration()
    guard let configuration = root["configuration"], case .object(_, let names) = configuration else {
      throw fail("'configuration' must be an object of configuration keys, got \(root["configuration"]?.brief ?? "none")")
    }
    // A missing key would take its default: states saved for n_max 8 read
    // as n_max 64. (`activation` may be missing: README, "Checkpoints".)
    let given = Set(names.map { $0.replacingOccurrences(of: "-", with: "_") })
    let finiteState: Bool
    if case .object(let values, _) = configuration, let rule = values["rule"] {
      finiteState = rule == .string("hybrid") || rule == .string("single")
    } else {
      finiteState = false
      // (A hybrid's checkpoint without its rule had read as rule lim's.)
      if root["phase"] != nil { throw fail("configuration: 'rule' is missing (the device states need it)") }
    }
    // A key a summary leaves out at its default (`keyValues`) may be
    // missing: `device_csv` for Lim's device (and the hybrid's linear
    // one), `sigma_c2c` and `b_margin` at 0. Derived, not listed: a new
    // state key written only when set had broken every checkpoint without
    // it (a new contributor's walk, session 70).
    let writtenAtDefault = Set(TrainingConfiguration().keyValues.map(\.0))
    for key in ["layers"] + (finiteState ? hybridStateKeys : stateKeys)
    where writtenAtDefault.contains(key) && !given.contains(key) && !(key.hasPrefix("beta_") && given.contains("beta")) {
      throw fail("configuration: '\(key)' is missing (the device states need it)")
    }
    // A measured device comes from the checkpoint's copy (`device`), not
    // from its file, which may have changed or gone.
    guard case .object(var keyValues, let keyNames) = configuration else { throw fail("'configuration' must be an object") }
    let devicePath = keyValues.removeValue(forKey: "device_csv") ?? keyValues.removeValue(forKey: "device-csv")
    let mapPath = keyValues.removeValue(forKey: "stuck_map") ?? keyValues.removeValue(forKey: "stuck-map")
    try TrainCommand.setKeys(
      from: .object(keyValues, keys: keyNames.filter { keyValues[$0] != nil }), in: path, into: &cfg)
    switch (devicePath, root["device"]) {
    case (nil, nil), (.string("")?, nil): break
    case (.string(let file)?, .object(let d, _)?) where d["path"] == .string(file):
      guard case .number(let gMax)? = d["gmax"], case .array(let points)? = d["curve"],
        Set(d.keys).subtracting(["depression"]) == ["path", "gmax", "curve"]
      else { throw fail("'device' must hold path, gmax and curve (lists of numbers; depression optional)") }
      func numbers(_ name: String, _ values: [JSONValue]) throws -> [Double] {
        try values.map {
          guard case .number(let x) = $0 else { throw fail("'device': \(name) holds \($0.brief), not a number") }
          return x
        }
      }
      let curve = try numbers("curve", points)
      var depression: [Double] = []
      switch d["depression"] {
      case nil: break
      case .array(let values)?: depression = try numbers("depression", values)
      case let other?: throw fail("'device': depression must be a list of numbers, got \(other.brief)")
      }
      if cfg.method == .c && depression.isEmpty {
        throw fail("'device': method c's device needs its depression branch ('depression'), which this checkpoint lacks")
      }
      do {
        try cfg.restoreMeasuredDevice(MeasuredBranches(path: file, curve: curve, gMax: gMax, depression: depression))
      } catch let e as ConfigurationError {
        throw fail("'device': \(e.message)")
      }
    default:
      throw fail("configuration's device_csv and 'device' (the measured curve) must come together, naming the same file")
    }
    // A stuck map likewise comes from the checkpoint's copy (`stuck_map`).
    switch (mapPath, root["stuck_map"]) {
    case (nil, nil), (.string("")?, nil): break
    case (.string(let file)?, .object(let m, _)?) where m["path"] == .string(file):
      guard case .array(let records)? = m["records"], Set(m.keys) == ["path", "records"] else {
        throw fail("'stuck_map' must hold path and records (a list of its records' text)")
      }
      let lines = try records.map {
        guard case .string(let t) = $0 else { throw fail("'stuck_map': records holds \($0.brief), not a record's text") }
        return t
      }
      do {
        let map = try StuckMap.parse(([StuckMap.header] + lines).joined(separator: "\n"), path: file)
        cfg.restoreStuckMap(StuckMap(path: file, entries: map.entries))
      } catch let e as ConfigurationError {
        throw fail("'stuck_map': \(e.message)")
      }
    default:
      throw fail("configuration's stuck_map and 'stuck_map' (its records) must come together, naming the same file")
    }
    do { try cfg.validate() } catch let e as ConfigurationError { throw fail("configuration: \(e)") }
    // An off-chip array programmed by write-verify or with programming
    // noise holds conductances off its curve: what reads it, or trains on
    // chip from it, holds them too (`heldConductances`; their run's keys
    // would keep integer states, which refused these devices: a
    // walkthrough, session 84), and so does a checkpoint of such a run.
    if cfg.rule == .lim && cfg.mode == .offChip && (cfg.programNoise > 0 || cfg.programVerify != .none) {
      cfg.heldConductances = true
    }
    if let v = root["held_conductances"] {
      guard v == .bool(true) else { throw fail("'held_conductances' must be true (or left out), got \(v.brief)") }
      guard cfg.rule == .lim else { throw fail("'held_conductances' belongs to rule lim; this checkpoint is rule \(cfg.rule.rawValue)'s") }
      cfg.heldConductances = true
    }
    if cfg.d2d > 0 && cfg.rule.isFiniteState && !given.contains("seed") {
      throw fail("configuration: 'seed' is missing (with d2d it draws each device's range)")
    }
    guard case .array(let layers)? = root["layers"] else { throw fail("'layers' must be a list") }
    guard layers.count == cfg.layers.count - 1 else {
      throw fail("'layers' holds \(layers.count) arrays; its configuration's \(cfg.layers.count)-layer network has \(cfg.layers.count - 1)")
    }
    let endurance = try root["endurance"].map { try readEndurance($0, cfg, fail) }
    if cfg.rule.isFiniteState {
      return Saved(
        configuration: cfg, hybrid: try readHybrid(root, layers, cfg, fail), trainImages: Int(images), place: place,
        encoderStreams: try root["encoder_streams"].map { try streamWords($0, count: 4, "'encoder_streams'", fail) },
        endurance: endurance, build: build)
    }
    for key in ["phase", "encoder_streams", "switch_reference"] where root[key] != nil {
      throw fail("'\(key)' belongs to rules hybrid and single; this checkpoint is rule \(cfg.rule.rawValue)'s")
    }
    // What the method and σ say the file must hold, and the ranges.
    let deviceKeys = cfg.limConductanceStates ? ["plus_conductances", "minus_conductances"] : ["plus_states", "minus_states"]
    let scaleKeys = cfg.limDeviceScales ? ["plus_scales", "minus_scales"] : []
    let shortedKeys = cfg.hasShortedDevices ? ["plus_shorted", "minus_shorted"] : []
    var states: [LimLayerState] = []
    for (l, layer) in layers.enumerated() {
      func int(_ k: String) throws -> Int { try layerInteger(layer, k, l, fail) }
      // The keys this method and σ use, and no others.
      let known = ["rows", "columns", "pulses", "resets", "repotentiation_pulses"] + deviceKeys + scaleKeys + shortedKeys
        + (cfg.sigmaC2C > 0 ? ["noise_stream"] : [])
      if case .object(_, let layerKeys) = layer, let odd = layerKeys.first(where: { !known.contains($0) }) {
        // Which of conductances or states: the keys that choose held
        // conductances named (a walkthrough, session 85: a hand-edited
        // checkpoint without its program keys was told of method and σ).
        let held = [
          cfg.mode == .offChip && cfg.programVerify != .none ? "program_verify \(cfg.programVerify.rawValue)" : nil,
          cfg.mode == .offChip && cfg.programNoise > 0 ? "program_noise \(JSONWriter.number(cfg.programNoise))" : nil,
          root["held_conductances"] != nil ? "held_conductances" : nil,
        ].compactMap { $0 }
        let why = cfg.limConductanceStates
          ? (held.isEmpty ? "" : ", " + held.joined(separator: ", "))
          : odd.hasSuffix("_conductances")
            ? "; conductances are held with method c, sigma_c2c, b_margin, an off-chip run's program_verify or program_noise, or 'held_conductances': true"
            : ""
        throw fail("layers[\(l)]: key '\(odd)' has no meaning here (method \(cfg.method.rawValue), σ \(JSONWriter.number(cfg.sigma))\(cfg.stuckOff > 0 ? ", stuck_off \(JSONWriter.number(cfg.stuckOff))" : "")\(cfg.stuckOn > 0 ? ", stuck_on \(JSONWriter.number(cfg.stuckOn))" : "")\(cfg.stuckMap != nil ? ", stuck_map\(cfg.hasShortedDevices ? " with shorted devices" : "")" : "")\(cfg.sigmaC2C > 0 ? ", sigma_c2c \(JSONWriter.number(cfg.sigmaC2C))" : "")\(cfg.method == .b && cfg.bMargin > 0 ? ", b_margin \(JSONWriter.number(cfg.bMargin))" : "")\(cfg.limConductanceStates ? why : ""): the keys are \(known.joined(separator: ", "))\(cfg.limConductanceStates ? "" : why))")
      }
      // The shape is checked before anything of that size is made.
      let rows = try int("rows"), columns = try int("columns")
      guard rows == cfg.layers[l] + 1, columns == cfg.layers[l + 1] else {
        throw fail("layers[\(l)] is \(rows)×\(columns); its configuration's network needs \(cfg.layers[l] + 1)×\(cfg.layers[l + 1])")
      }
      let mn = rows * columns
      func numbers(_ k: String, default d: Double, in range: ClosedRange<Double>) throws -> [Double] {
        guard let v = layer[k] else {
          if deviceKeys.contains(k) || scaleKeys.contains(k) || shortedKeys.contains(k) { throw fail("layers[\(l)].\(k) is missing") }
          return [Double](repeating: d, count: mn)
        }
        guard case .array(let a) = v, a.count == mn else { throw fail("layers[\(l)].\(k) must be a list of \(mn) numbers") }
        return try a.map { e in
          guard case .number(let x) = e, range.contains(x) else {
            throw fail("layers[\(l)].\(k) holds \(e.brief), not a number in \(JSONWriter.number(range.lowerBound))…\(JSONWriter.number(range.upperBound))")
          }
          return x
        }
      }
      func deviceStates(_ k: String) throws -> [UInt8] {
        try numbers(k, default: 0, in: 0...Double(cfg.nMax)).map { x in
          guard x == x.rounded() else { throw fail("layers[\(l)].\(k) holds \(x), not a state 0…\(cfg.nMax)") }
          return UInt8(x)
        }
      }
      // `stuck_on`'s marks: 0 or 1 each (nil without shorted devices).
      func shorted(_ k: String) throws -> [Float]? {
        guard shortedKeys.contains(k) else { return nil }
        return try numbers(k, default: 0, in: 0...1).map { x in
          guard x == 0 || x == 1 else { throw fail("layers[\(l)].\(k) holds \(x), not 0 or 1") }
          return Float(x)
        }
      }
      // Method c's normalised conductances lie in [G_min/G_max, 1] (to
      // rounding); a scale X is ≥ 0 (a dead device is 0) and a finite Float.
      // Programming noise lands a device anywhere from 0 up (held ones).
      let x = 0.0...Double(Float.greatestFiniteMagnitude)
      let g = cfg.heldConductances ? x : (cfg.gMinRatio - 1e-9)...(1 + 1e-9)
      let plusConductances = try numbers("plus_conductances", default: 0, in: g)
      let minusConductances = try numbers("minus_conductances", default: 0, in: g)
      let plusScales = try numbers("plus_scales", default: 1, in: x).map(Float.init)
      let minusScales = try numbers("minus_scales", default: 1, in: x).map(Float.init)
      // A held device reads X·g: at most its range's top X·G_max and the
      // programming noise above it, which never reaches 10 G_max (its σ is
      // at most 0.42 G_max). A file edited past that had been read, an
      // overflow to infinity with it (a walkthrough, session 85).
      if cfg.heldConductances {
        for (k, gs, xs) in [("plus", plusConductances, plusScales), ("minus", minusConductances, minusScales)] {
          for (i, (gi, xi)) in zip(gs, xs.lazy.map(Double.init)).enumerated() where xi * gi > xi + 10 {
            throw fail(
              "layers[\(l)].\(k)_conductances[\(i)] is \(JSONWriter.number(gi)), which reads \(JSONWriter.number(xi * gi)) G_max through its scale \(JSONWriter.number(xi)): above its range's top by more than 10 G_max, where no programming lands")
          }
        }
      }
      states.append(LimLayerState(
        rows: rows, columns: columns, plusStates: try deviceStates("plus_states"), minusStates: try deviceStates("minus_states"),
        plusConductances: plusConductances, minusConductances: minusConductances,
        plusScales: plusScales, minusScales: minusScales,
        pulses: try int("pulses"), resets: try int("resets"), repotentiations: try int("repotentiation_pulses"),
        noise: try layer["noise_stream"].map { try streamWords(.array([$0]), count: 6, "layers[\(l)].noise_stream", fail)[0] },
        plusShorted: try shorted("plus_shorted"), minusShorted: try shorted("minus_shorted")))
    }
    return Saved(configuration: cfg, states: states, trainImages: Int(images), place: place, endurance: endurance, build: build)
  }

  /// The phase and layers of a hybrid (or single-pair) checkpoint. The
  /// values are checked here for shape and type; `HybridNetwork.restore`
  /// checks each against its device's range.
  private static func readHybrid(
    _ root: JSONValue, _ layers: [JSONValue], _ cfg: TrainingConfiguration, _ fail: (String) -> CLIError
  ) throws -> (phase: HybridPhase, layers: [HybridLayerState]) {
    let hybrid = cfg.rule == .hybrid
    let arrays = HybridLayerState.arrayNames(hybrid: hybrid)
    let measured = cfg.measuredDevice != nil
    let conductanceKeys = arrays.map { $0 + "_conductances" }, positionKeys = measured ? arrays.map { $0 + "_positions" } : []
    let known = ["rows", "columns", "pulses", "resets", "repotentiation_pulses", "weights"] + conductanceKeys + positionKeys
      + ["noise_streams", "pending_noise"]
    var states: [HybridLayerState] = []
    for (l, layer) in layers.enumerated() {
      if case .object(_, let layerKeys) = layer, let odd = layerKeys.first(where: { !known.contains($0) }) {
        throw fail("layers[\(l)]: key '\(odd)' has no meaning here (rule \(cfg.rule.rawValue)\(measured ? ", a measured device" : ""): the keys are \(known.joined(separator: ", ")))")
      }
      func int(_ k: String) throws -> Int { try layerInteger(layer, k, l, fail) }
      let rows = try int("rows"), columns = try int("columns")
      guard rows == cfg.layers[l] + 1, columns == cfg.layers[l + 1] else {
        throw fail("layers[\(l)] is \(rows)×\(columns); its configuration's network needs \(cfg.layers[l] + 1)×\(cfg.layers[l + 1])")
      }
      let mn = rows * columns
      func values(_ k: String) throws -> [JSONValue] {
        guard let v = layer[k] else { throw fail("layers[\(l)].\(k) is missing") }
        guard case .array(let a) = v, a.count == mn else { throw fail("layers[\(l)].\(k) must be a list of \(mn) numbers") }
        return a
      }
      // Conductances and weights are Floats written as Doubles: finite,
      // and within Float's range.
      func floats(_ k: String) throws -> [Float] {
        try values(k).map { e in
          guard case .number(let x) = e, abs(x) <= Double(Float.greatestFiniteMagnitude) else {
            throw fail("layers[\(l)].\(k) holds \(e.brief), not a finite number")
          }
          return Float(x)
        }
      }
      func positions(_ k: String) throws -> [Int32] {
        try values(k).map { e in
          guard case .number(let x) = e, x == x.rounded(), abs(x) <= Double(Int32.max) else {
            throw fail("layers[\(l)].\(k) holds \(e.brief), not a whole number (a position on the curve, 16.16 fixed point)")
          }
          return Int32(x)
        }
      }
      var state = HybridLayerState(
        rows: rows, columns: columns, conductances: try conductanceKeys.map(floats), weights: try floats("weights"),
        positions: try positionKeys.map(positions),
        pulses: try int("pulses"), repotentiations: try int("repotentiation_pulses"), resets: try int("resets"))
      // The streams come with the noise drawn ahead, or not at all.
      switch (layer["noise_streams"], layer["pending_noise"]) {
      case (nil, nil): break
      case (let streams?, let pending?):
        let message = "layers[\(l)].pending_noise must be a list of lists of table indices (whole numbers 0…\(GaussianTable.values.count - 1))"
        guard case .array(let lists) = pending else { throw fail(message) }
        state.streams = try streamWords(streams, count: 6, "layers[\(l)].noise_streams", fail)
        state.pendingNoise = try lists.map { e in
            guard case .array(let items) = e else { throw fail(message) }
            return try items.map { item in
              guard case .number(let x) = item, x >= 0, x < Double(GaussianTable.values.count), x == x.rounded() else { throw fail(message) }
              return UInt16(x)
            }
          }
      default: throw fail("layers[\(l)]: noise_streams and pending_noise come together")
      }
      states.append(state)
    }
    // (After the layers: a file of rule lim's states given another rule
    // says so in its first layer's keys.)
    guard case .string(let name)? = root["phase"], let phase = HybridPhase(rawValue: name) else {
      throw fail("'phase' must be \"dynamic\" or \"fine\" (rules hybrid and single), got \(root["phase"]?.brief ?? "none")")
    }
    if phase == .fine && !hybrid { throw fail("'phase' is fine, but rule single has no small arrays") }
    return (phase, states)
  }

  /// A layer's count `k`: a non-negative integer, exact as a JSON number.
  private static func layerInteger(_ layer: JSONValue, _ k: String, _ l: Int, _ fail: (String) -> CLIError) throws -> Int {
    guard case .number(let x)? = layer[k], x == x.rounded(), x >= 0, !JSONWriter.isInexactInteger(x) else {
      throw fail("layers[\(l)].\(k) must be a non-negative integer")
    }
    return Int(x)
  }

  /// The requested network's measured device (`device`: what of it the
  /// states depend on) must be the curve the checkpoint carries.
  private static func checkDevice(
    _ saved: TrainingConfiguration, _ cfg: TrainingConfiguration, _ path: String,
    device: (TrainingConfiguration) -> MeasuredBranches?
  ) throws {
    // (Its points, wherever they are read from.)
    func points(_ c: TrainingConfiguration) -> MeasuredBranches? { device(c).map { var d = $0; d.path = ""; return d } }
    if points(saved) != points(cfg) {
      throw CLIError.runtime(
        saved.deviceCSV == cfg.deviceCSV
          ? "\(path): the checkpoint's measured device differs from the file \(cfg.deviceCSV) as it is now (its points changed since)"
          : "\(path): the checkpoint's measured device (\(saved.deviceCSV)) differs from the file \(cfg.deviceCSV) in its points")
    }
  }

  /// A measured device without its depression branch.
  private static func potentiationBranch(_ c: TrainingConfiguration) -> MeasuredBranches? {
    c.measuredDevice.map { MeasuredBranches(path: $0.path, curve: $0.curve, gMax: $0.gMax) }
  }

  /// The rule's kind of states against the checkpoint's: a message when
  /// the requested network cannot hold them (rule lim's integer or
  /// conductance states, rules hybrid and single's pairs of arrays).
  static func kindConflict(saved: TrainingConfiguration, holdsPairs: Bool, _ cfg: TrainingConfiguration) -> String? {
    guard cfg.rule != .float, cfg.rule.isFiniteState != holdsPairs else { return nil }
    return "the checkpoint holds rule \(saved.rule.rawValue)'s device states, not rule \(cfg.rule.rawValue)'s"
  }

  /// The first key the requested network `cfg` differs in from the
  /// checkpoint where its devices' states depend on it (their kind, the
  /// shape, the state keys), with what to say; nil when it can hold them.
  /// (A measured device's points are checked by `load`.)
  static func conflict(_ checkpoint: Saved, _ cfg: TrainingConfiguration) -> (key: String, message: String)? {
    let saved = checkpoint.configuration
    if let kind = kindConflict(saved: saved, holdsPairs: checkpoint.hybrid != nil, cfg) { return ("rule", kind) }
    if saved.layers != cfg.layers {
      let shape = { (c: TrainingConfiguration) in c.layers.map(String.init).joined(separator: "-") }
      return ("layers", "the checkpoint is for a \(shape(saved)) network, the requested network is \(shape(cfg))")
    }
    func differs(_ k: String, _ a: [String: String], _ b: [String: String], note: String = "") -> (key: String, message: String) {
      (k, "the checkpoint has \(k) \(a[k] ?? "(none)"), the requested network \(b[k] ?? "(none)")\(note)")
    }
    // A measured device given by another file is the checkpoint's if its
    // points are (`checkDevice`, on loading): the same points in siemens
    // and in µS had been refused by their paths (a walkthrough, session 63).
    func sameDeviceFile(_ k: String) -> Bool { k == "device_csv" && !saved.deviceCSV.isEmpty && !cfg.deviceCSV.isEmpty }
    // A stuck map is the checkpoint's if it sticks the same devices the
    // same way, from whatever file and records (records in another order
    // or split otherwise had been refused; a walkthrough, session 76).
    if !StuckMap.sameDevices(saved.stuckMap, cfg.stuckMap, layers: cfg.layers, kinds: cfg.rule == .hybrid ? 2 : 1) {
      let (a, b) = (saved.stuckMap, cfg.stuckMap)
      func shown(_ m: StuckMap?) -> String { m.map { "\($0.path) (\($0.entries.count) records)" } ?? "(none)" }
      let changed = a != nil && b != nil && a!.path == b!.path ? " (the file changed since)" : ""
      return ("stuck_map", "the checkpoint has stuck_map \(shown(a)), the requested network \(shown(b))\(changed)")
    }
    func sameMap(_ k: String) -> Bool { k == "stuck_map" }
    if checkpoint.hybrid != nil {
      let savedValues = Dictionary(uniqueKeysWithValues: saved.keyValues), values = Dictionary(uniqueKeysWithValues: cfg.keyValues)
      if let k = hybridStateKeys(for: saved).first(where: { savedValues[$0] != values[$0] && !sameDeviceFile($0) && !sameMap($0) }) {
        return differs(k, savedValues, values, note: k == "seed" ? " (with d2d or stuck devices the seed draws each device's range)" : "")
      }
      return nil
    }
    // (sigma_c2c, b_margin, stuck_off and stuck_on 0 are written by leaving them out.)
    let zeros = ["sigma_c2c": "0", "b_margin": "0", "stuck_off": "0", "stuck_on": "0"]
    let savedValues = Dictionary(uniqueKeysWithValues: saved.keyValues).merging(zeros) { a, _ in a }
    let values = Dictionary(uniqueKeysWithValues: cfg.keyValues).merging(zeros) { a, _ in a }
    // The pulses' variation (`sigma_c2c`) and the controller's margin
    // (`b_margin`) may change, and so may the controller of a
    // unidirectional device (methods a and b): the states are converted
    // (`LimNetwork.converting`). Method c's device is bidirectional:
    // another device.
    for k in stateKeys where savedValues[k] != values[k] && k != "sigma_c2c" && k != "b_margin" && !sameDeviceFile(k) && !sameMap(k) {
      if k == "method" && saved.method != .c && cfg.method != .c { continue }
      return differs(k, savedValues, values)
    }
    return nil
  }

  /// Loads the checkpoint `read` from `path` into a network built from `cfg`.
  /// - Throws: a one-line error naming the file and, for a network of
  ///   another shape, both shapes.
  static func load(_ checkpoint: Saved, from path: String, into cfg: TrainingConfiguration) throws -> LimNetwork {
    let (saved, states) = (checkpoint.configuration, checkpoint.states)
    // (A conflict with the options given is told before, naming them:
    // `TrainCommand.checkCheckpoint`.)
    if let c = conflict(checkpoint, cfg) { throw CLIError.runtime("\(path): \(c.message)") }
    // The depression branch is the device's only for method c (a checkpoint
    // of methods a or b from before it was kept has none).
    try checkDevice(saved, cfg, path) { $0.method == .c ? $0.measuredDevice : potentiationBranch($0) }
    let net = LimNetwork(configuration: cfg)
    do { try net.restore(net.converting(states, fromConductances: saved.limConductanceStates)) } catch {
      let kept = saved.limConductanceStates && !cfg.limConductanceStates
        ? " (this run keeps integer states, having neither sigma_c2c nor b_margin; the checkpoint's run had \(saved.sigmaC2C > 0 ? "sigma_c2c \(JSONWriter.number(saved.sigmaC2C))" : "b_margin \(JSONWriter.number(saved.bMargin))"))" : ""
      throw CLIError.runtime("\(path): \(error)\(kept)")
    }
    return net
  }

  /// Loads a hybrid (or single-pair) checkpoint `read` from `path` into a
  /// network built from `cfg`, which must agree with it on the shape and
  /// `hybridStateKeys`; the network takes the checkpoint's phase.
  static func loadHybrid(_ checkpoint: Saved, from path: String, into cfg: TrainingConfiguration) throws -> HybridNetwork {
    let saved = checkpoint.configuration
    if let c = conflict(checkpoint, cfg) { throw CLIError.runtime("\(path): \(c.message)") }
    guard let (phase, states) = checkpoint.hybrid else {
      throw CLIError.runtime("\(path): the checkpoint holds rule \(saved.rule.rawValue)'s device states, not rule \(cfg.rule.rawValue)'s")
    }
    // (The hybrid's devices take the potentiation branch only.)
    try checkDevice(saved, cfg, path, device: potentiationBranch)
    let net: HybridNetwork
    do { net = try HybridNetwork(configuration: cfg) } catch { throw CLIError.runtime("\(error)") }
    do { try net.restore(states, phase: phase, encoderStreams: checkpoint.encoderStreams) } catch { throw CLIError.runtime("\(path): \(error)") }
    return net
  }
}
