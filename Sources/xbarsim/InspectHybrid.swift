import Foundation
import Trainer

/// `xbarsim inspect --rule hybrid|single`: the coincidence rules' update
/// trains and the cells they program, sample by sample.
extension InspectCommand {
  /// One recorded sample of a hybrid network.
  struct HybridSample {
    var image: Int
    var label: Int
    var prediction: Int
    var loss: Float
    var phase: HybridPhase
    /// The change of the network's counters over the sample.
    var pulses: Int
    var repotentiations: Int
    var resets: Int
    /// The network's pulse counter after the sample (the K trained
    /// samples' included): `train`'s `pulses` over the same images.
    var networkPulses: Int
    /// Per layer: its trains (nil when none of its columns fired), its
    /// selected devices before and after the sample, its neurons.
    var trains: [HybridUpdateTrains?]
    /// Per layer, with `write_lines resistive`: the coincidence slots the
    /// lines held back, per cell (polarity·rows·columns + cell).
    var heldBack: [[Int: UInt64]]
    var before: [(plus: [Float], minus: [Float])]
    var after: [(plus: [Float], minus: [Float])]
    var neurons: [(sum: [Float], activation: [Float]?, delta: [Float])]
    /// The program and reset energy the ledger booked for the sample (J).
    var bookedProgramEnergy = 0.0
    /// The half-selected cells' energy the ledger booked for the sample:
    /// its coincidence slots and its refreshes' serial slots (J).
    var bookedHalfSelectEnergy = 0.0
    /// The ledger's `lines` for the sample (J; nil without line_capacitance).
    var bookedLineEnergy: Double? = nil
  }

  /// - Parameter checkpoint: the checkpoint's path and contents, when the
  ///   network starts from one (then `start` samples are skipped, not
  ///   trained).
  static func runHybrid(
    _ args: ParsedArguments, _ cfg: TrainingConfiguration, samples: Int, out: String, start: Int,
    checkpoint: (path: String, saved: Checkpoint.Saved)? = nil
  ) throws {
    let phaseName = args.string("--phase") ?? checkpoint?.saved.hybrid?.phase.rawValue ?? "dynamic"
    guard let phase = HybridPhase(rawValue: phaseName) else {
      throw CLIError.usage("--phase must be dynamic or fine, got '\(phaseName)'")
    }
    if phase == .fine && cfg.rule != .hybrid {
      // A fine checkpoint given another rule: the checkpoint's rule, not a
      // --phase the user did not give (a walkthrough, session 42).
      if args.string("--phase") == nil, let checkpoint {
        throw CLIError.runtime(
          "\(checkpoint.path): the checkpoint has rule \(checkpoint.saved.configuration.rule.rawValue) (phase fine), the requested network \(cfg.rule.rawValue): leave out --rule to inspect its arrays")
      }
      throw CLIError.usage("--phase fine: rule \(cfg.rule.rawValue) has one pair of arrays, no small ones to fine-tune; give --rule hybrid")
    }
    if let checkpoint, checkpoint.saved.hybrid?.phase == .fine && phase == .dynamic {
      throw CLIError.usage(
        "--phase dynamic: the network of \(checkpoint.path) has switched to its small arrays (phase fine), and the switch is one-way; leave out --phase")
    }
    // With d2d or stuck devices each layer's per-device bounds too (boundsL.f32).
    let perDevice = HybridNetwork.hasDeviceBounds(cfg)
    let files = ["inspect.json", "trains.csv", "cells.csv", "neurons.csv"] + (0..<cfg.layers.count - 1).map { "array\($0).svg" }
      + (perDevice ? (0..<cfg.layers.count - 1).map { "bounds\($0).f32" } : []) + (cfg.hasStuckDevices ? ["stuck.csv"] : [])
    try TrainCommand.refuseOverwriting(
      TrainCommand.inputFiles(args, cfg) + [("--checkpoint", checkpoint?.path)],
      by: [("--out", out)] + files.map { ("--out", out + "/" + $0) })
    let given = TrainCommand.explicitKeys(args)
    // The checkpoint holds the devices: a key that only draws them at the
    // start would be silently ignored (the checkpoint's own value changes
    // nothing and is accepted).
    if let checkpoint, TrainCommand.changedUnusedKey(["initial_fraction"], given: given, cfg, checkpoint.saved.configuration) != nil {
      throw TrainCommand.keyError(
        "initial_fraction", "the checkpoint holds the devices' states, which initial_fraction would only set at the start of a run: inspect does not use it", args)
    }
    for key in ["epochs", "evals_per_epoch", "final_iterations", "test_limit"] where given.contains(key) {
      throw TrainCommand.keyError(
        key, "inspect trains --start + --samples samples of the first epoch and never evaluates: it does not use \(key)", args)
    }
    // As rule lim's inspect (it had been taken here and counted nothing:
    // a walkthrough, session 51).
    if given.contains("endurance") && cfg.endurance {
      throw TrainCommand.keyError(
        "endurance", "inspect records every update's devices itself (cells.csv, trains.csv): it does not use endurance", args)
    }
    if given.contains("switch_threshold") {
      throw TrainCommand.keyError(
        "switch_threshold", "inspect does not switch phases on its own: give --phase fine to record the small arrays' updates", args)
    }
    let set = TrainCommand.explicitKeys(args, includingSummary: true)
    if let (key, usedBy) = cfg.ignoredKeys.first(where: {
      set.contains($0.key) || ($0.key.hasPrefix("beta_") && set.contains("beta"))
    }) {
      throw TrainCommand.keyError(key, "applies to \(usedBy) only; rule \(cfg.rule.rawValue) would ignore it", args)
    }
    let (experiment, order, first, notes) = try trainingOrder(
      args, cfg, samples: samples, start: start, from: checkpoint.map { ($0.path, $0.saved) })
    let net: HybridNetwork
    if let checkpoint {
      net = try Checkpoint.loadHybrid(checkpoint.saved, from: checkpoint.path, into: cfg)
    } else {
      do { net = try HybridNetwork(configuration: cfg) } catch { throw CLIError.runtime("\(error)") }
    }
    try OutputFile.makeDirectory(out)
    // Before everything: the K samples trained first update the small
    // arrays too.
    if phase == .fine { net.switchToFineTuning() }
    var err = StandardError()
    // The training images numbered as a run from here would number them
    // (its read noise is drawn by those numbers).
    let before = checkpoint?.saved.devicesTrainImages ?? 0
    func trainOn(_ image: Int, number: Int) -> (loss: Float, label: Int) {
      net.readImage = UInt64(before + number)
      let (pixels, label) = experiment.trainingImage(image)
      let loss = pixels.withUnsafeBufferPointer { net.train($0.baseAddress!, label: label) }
      return (loss, label)
    }
    // A stop request is taken from here on: in the --start samples it ends
    // the command with nothing written (it had been killed there without
    // a word: review 69), in the inspected ones after the sample.
    catchInterrupts()
    defer { restoreInterrupts() }
    if let checkpoint {
      let images = checkpoint.saved.trainImages
      // (A dynamic checkpoint inspected in phase fine is switched here,
      // not the checkpoint's own phase; a walkthrough, session 64.)
      let switched = checkpoint.saved.hybrid?.phase == .dynamic && phase == .fine
      print(
        "inspect: the \(switched ? "network" : "\(phase.rawValue) network") of \(checkpoint.path) (\(images) training image(s))\(switched ? ", switched to its small arrays by --phase fine (the checkpoint's phase is dynamic)" : "")",
        to: &err)
      for note in notes { print(note, to: &err) }
    } else {
      for s in 0..<start {
        if interruptRequested != 0 {
          throw CLIError.interrupted("interrupted after \(s) of the \(start) samples --start trains first: nothing written")
        }
        _ = trainOn(order[s], number: s)
      }
      if start > 0 { print("inspect: trained the first \(start) sample(s) of the training order", to: &err) }
    }

    let layers = cfg.layers.count - 1
    let kind = net.selectedKind
    var current: [HybridUpdateTrains?] = []
    net.updateObserver = { current[$0.layer] = $0 }
    var held: [[Int: UInt64]] = []
    net.heldBackObserver = { l, cells in
      let n = cfg.layers[l + 1], size = (cfg.layers[l] + 1) * n
      for c in cells { held[l][c.polarity * size + c.row * n + c.column] = c.slots }
    }
    defer {
      net.updateObserver = nil
      net.heldBackObserver = nil
    }
    var records: [HybridSample] = []
    let writeBefore = net.writeLineStatistics
    // A stop request ends the loop after a sample; those done are written
    // (as rule lim's inspect).
    for s in 0..<samples {
      if interruptRequested != 0 { break }
      let image = order[first + s]
      current = Array(repeating: nil, count: layers)
      held = Array(repeating: [:], count: layers)
      let before = (0..<layers).map { net.devices(layer: $0, kind: kind) }
      let (p0, r0, z0) = (net.pulses, net.repotentiations, net.resets)
      let booked0 = net.ledger()
      let (loss, label) = trainOn(image, number: start + s)
      // A failed resistive read made no update: stop there, as rule lim's
      // inspect does (it had gone on with zero sums).
      if let e = net.wireError { throw CLIError.runtime("sample \(s) (training image \(image)): \(e)") }
      let booked1 = net.ledger()
      let neurons = (0..<layers).map { net.neurons(layer: $0) }
      let sums = neurons[layers - 1].sum
      var prediction = 0
      for j in sums.indices where sums[j] > sums[prediction] { prediction = j }
      records.append(HybridSample(
        image: image, label: label, prediction: prediction, loss: loss, phase: net.phase,
        pulses: net.pulses - p0, repotentiations: net.repotentiations - r0, resets: net.resets - z0,
        networkPulses: net.pulses, trains: current, heldBack: held, before: before,
        after: (0..<layers).map { net.devices(layer: $0, kind: kind) }, neurons: neurons,
        bookedProgramEnergy: (booked1.program + booked1.reset) - (booked0.program + booked0.reset),
        bookedHalfSelectEnergy: (booked1.halfSelect ?? 0) - (booked0.halfSelect ?? 0),
        bookedLineEnergy: booked1.lines.map { $0 - (booked0.lines ?? 0) }))
      print("inspect: sample \(s + 1)/\(samples), training image \(image), label \(label), predicted \(prediction), \(net.pulses - p0) pulses", to: &err)
    }
    let done = try samplesDone(records.count, of: samples)
    let writer = HybridOutputs(cfg: cfg, net: net, start: first, kind: kind, records: records, checkpoint: checkpoint?.path)
    try write(writer.json(), to: out + "/inspect.json")
    try write(writer.trainsCSV(), to: out + "/trains.csv")
    try write(writer.cellsCSV(), to: out + "/cells.csv")
    try write(writer.neuronsCSV(), to: out + "/neurons.csv")
    for l in 0..<layers { try write(heatMap(net, l, gMax: cfg.gMaxSiemens), to: out + "/array\(l).svg") }
    // Each device's bounds, which the seed draws and a checkpoint does not
    // hold (for scripts/oracle-hybrid): little-endian float32, per device
    // array G+, G−, then g+, g−, its lo for every cell row-major, then its hi.
    var wroteBounds = false
    for l in 0..<layers {
      guard let bounds = net.deviceBounds(layer: l) else { continue }
      try OutputFile.write(to: out + "/bounds\(l).f32") { sink in
        for (lo, hi) in bounds {
          for values in [lo, hi] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(4 * values.count)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
            try sink.write(bytes: bytes)
          }
        }
      }
      wroteBounds = true
    }
    // The stuck devices as a map (`--stuck-map` gives them to another run:
    // rule single the big ones).
    let stuck = net.stuckDeviceMap(path: out + "/stuck.csv")
    if let stuck { try write(stuck.csv, to: stuck.path) }
    let pulses = records.reduce(0) { $0 + $1.pulses }
    print("inspected \(done) sample(s): \(pulses) pulses; wrote \(out)/inspect.json, trains.csv, cells.csv, neurons.csv, array*.svg\(wroteBounds ? ", bounds*.f32" : "")\(stuck == nil ? "" : ", stuck.csv")")
    if let w0 = writeBefore, let w1 = net.writeLineStatistics {
      // cells.csv counts every coincidence issued; through the lines some
      // did not land (their device_before = device_after).
      print("write_lines resistive: \(w1.pulsesBelowThreshold - w0.pulsesBelowThreshold) of \(w1.rulePulses - w0.rulePulses) coincidences below write_threshold and \(w1.sequencesBelowThreshold - w0.sequencesBelowThreshold) saturation sequences with an event that did not land: cells.csv's coincidences count them, its landed those that reached the threshold")
    }
    let booked = records.reduce(0) { $0 + $1.bookedProgramEnergy }
    let halfSelected = records.reduce(0) { $0 + $1.bookedHalfSelectEnergy }
    let coincidence = records.reduce(0) { $0 + writer.halfSelectEnergy($1) }
    print("update energy: \(JSONWriter.number(booked)) J in the pulsed cells, \(JSONWriter.number(halfSelected)) J in the half-selected cells (V/2 scheme), as booked; the coincidence slots' formula (before-update conductances): \(JSONWriter.number(coincidence)) J")
    if cfg.lineCapacitance > 0 {
      print("line energy (line_capacitance \(JSONWriter.number(cfg.lineCapacitance)) F a cell): \(JSONWriter.number(records.reduce(0) { $0 + ($1.bookedLineEnergy ?? 0) })) J, the reads' and the updates' lines, as booked")
    }
    try stoppedShort(done, of: samples, out: out)
  }

  /// Layer l's devices after the last sample as heat maps: the big pair,
  /// the small pair (rule hybrid) in siemens, and the weight W = (G+ − G−)
  /// + (g+ − g−) in units of the big G_max.
  static func heatMap(_ net: HybridNetwork, _ l: Int, gMax: Double) -> String {
    let rows = net.sizes[l] + 1, columns = net.sizes[l + 1]
    let big = net.devices(layer: l, kind: .big)
    let small = net.isHybrid ? net.devices(layer: l, kind: .small) : nil
    var weights = zip(big.plus, big.minus).map { Double($0) - Double($1) }
    if let small { for x in weights.indices { weights[x] += Double(small.plus[x]) - Double(small.minus[x]) } }
    func siemens(_ g: [Float]) -> [Double] { g.map { Double($0) * gMax } }
    var map = SVGHeatMap(title: "Array \(l): the devices after the last sample (\(net.phase) phase)")
    map.panels = [
      .init(title: net.isHybrid ? "big G+" : "G+", rows: rows, columns: columns, values: siemens(big.plus), unit: "S"),
      .init(title: net.isHybrid ? "big G−" : "G−", rows: rows, columns: columns, values: siemens(big.minus), unit: "S"),
    ]
    if let small {
      map.panels += [
        .init(title: "small g+", rows: rows, columns: columns, values: siemens(small.plus), unit: "S"),
        .init(title: "small g−", rows: rows, columns: columns, values: siemens(small.minus), unit: "S"),
      ]
    }
    map.panels.append(.init(title: "W", rows: rows, columns: columns, values: weights, unit: "G_max"))
    return map.render()
  }

  /// The files of a hybrid inspection.
  struct HybridOutputs {
    let cfg: TrainingConfiguration
    let start: Int
    let kind: SynapseKind
    let records: [HybridSample]
    let step: [Double?]
    let disturbs: Bool
    /// Each layer's per-column sense and comparator offsets (fixed
    /// mismatches: the same for every sample).
    let offsets: [(sense: [Float], comparator: [Float])]
    /// The checkpoint the network started from, if any.
    var checkpoint: String? = nil

    init(cfg: TrainingConfiguration, net: HybridNetwork, start: Int, kind: SynapseKind, records: [HybridSample], checkpoint: String? = nil) {
      self.checkpoint = checkpoint
      self.cfg = cfg
      self.start = start
      self.kind = kind
      self.records = records
      step = SynapseKind.allCases.map { net.step($0) }
      disturbs = net.disturbsHalfSelected
      offsets = (0..<net.sizes.count - 1).map { net.offsets(layer: $0) }
    }

    var kindName: String { kind == .big ? "big" : "small" }

    /// The slots of an update: BL, one with the sign rule (whose train is
    /// one pulse, slot 0).
    var slots: Int { cfg.encoding == .sign ? 1 : cfg.pulseTrainLength }

    /// A train as `slots` characters, slot 0 first.
    /// A train's slots as `|` (a pulse) and `.` (none): as `0`/`1` a
    /// spreadsheet or pandas read the column as numbers and dropped the
    /// leading empty slots (an interop walkthrough, session 71).
    func bits(_ w: UInt64) -> String {
      String((0..<slots).map { w >> UInt64($0) & 1 == 1 ? "|" : "." })
    }

    /// A Float in its shortest form that reads back as the same Float.
    static func number(_ v: Float) -> String { v == 0 ? "0" : "\(v)" }

    func json() -> String {
      var j = JSONWriter()
      j.add("format", "xbarsim-inspect-hybrid")
      j.add("version", 1)
      j.add("rule", cfg.rule.rawValue)
      j.add("start", start)
      if let checkpoint { j.add("checkpoint", checkpoint) } else { j.addRaw("checkpoint", "null") }
      j.add("kind", kindName)
      j.add("bl", cfg.pulseTrainLength)
      j.add("conductance_unit", "big G_max (gmax S)")
      let steps = SynapseKind.allCases.map { k in
        "\"\(k == .big ? "big" : "small")\": " + (step[k.rawValue].map(JSONWriter.number) ?? "null")
      }
      j.addRaw("step", "{" + steps.joined(separator: ", ") + "}")
      j.addRaw("configuration", TrainCommand.configurationJSON(cfg).replacingOccurrences(of: "\n", with: "\n  "))
      var samples: [String] = []
      for (s, r) in records.enumerated() {
        var o = JSONWriter()
        o.add("sample", s)
        o.add("image", r.image)
        o.add("label", r.label)
        o.add("prediction", r.prediction)
        o.add("loss", Double(r.loss))
        o.add("phase", r.phase.rawValue)
        o.add("pulses", r.pulses)
        o.add("repotentiation_pulses", r.repotentiations)
        o.add("resets", r.resets)
        o.add("coincidences", coincidenceTotal(r))
        o.add("network_pulses", r.networkPulses)
        o.add("booked_program_energy", r.bookedProgramEnergy)
        o.add("half_select_energy", r.bookedHalfSelectEnergy)
        o.add("half_select_energy_coincidence", halfSelectEnergy(r))
        // With line_capacitance: the sample's reads' and update's lines.
        if let e = r.bookedLineEnergy { o.add("line_energy", e) }
        samples.append(o.finished().trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n  ", with: " ").replacingOccurrences(of: "\n", with: " "))
      }
      j.addRaw("samples", "[\n" + samples.joined(separator: ",\n") + "\n]")
      return j.finished()
    }

    func trainsCSV() -> String {
      var s = "sample,layer,line,index,value,array,pulses,train\n"
      for (k, r) in records.enumerated() {
        for case let t? in r.trains {
          for (i, w) in t.rows {
            s += "\(k),\(t.layer),row,\(i),\(Self.number(t.x[i])),both,\(w.nonzeroBitCount),\(bits(w))\n"
          }
          // Both arrays' columns in index order (the sort applied to the
          // minus list alone: a walkthrough).
          let columns = (t.plus.map { ($0.index, $0.train, "plus") } + t.minus.map { ($0.index, $0.train, "minus") })
            .sorted { $0.0 < $1.0 }
          for (j, w, array) in columns {
            s += "\(k),\(t.layer),column,\(j),\(Self.number(t.delta[j])),\(array),\(w.nonzeroBitCount),\(bits(w))\n"
          }
        }
      }
      return s
    }

    /// Per column of a layer's update: its train and the array it drives
    /// (0 plus, 1 minus), or nil.
    static func columns(_ t: HybridUpdateTrains, count: Int) -> [(train: UInt64, polarity: Int)?] {
      var c = [(train: UInt64, polarity: Int)?](repeating: nil, count: count)
      for (j, w) in t.plus { c[j] = (w, 0) }
      for (j, w) in t.minus { c[j] = (w, 1) }
      return c
    }

    /// The energy of the cells the sample's trains half-select over its
    /// coincidence slots (J), worked from the trains and the devices before
    /// the sample: `HybridUpdateTrains.halfSelectedConductance` in big
    /// G_max, times gmax and (V_w/2)²·t_p. What the ledger books for the
    /// same slots but for the coincident cells' steps between their pulses
    /// (it takes each pulse at the conductance it finds); its refreshes'
    /// serial slots are not in it.
    func halfSelectEnergy(_ r: HybridSample) -> Double {
      let pulse = cfg.pulseGenerator
      let half = pulse.amplitude(of: .potentiate) / 2
      var g = 0.0
      for l in r.trains.indices {
        guard let t = r.trains[l] else { continue }
        g += t.halfSelectedConductance(plus: r.before[l].plus, minus: r.before[l].minus, columns: cfg.layers[l + 1])
      }
      return half * half * pulse.width(of: .potentiate) * cfg.gMaxSiemens * g
    }

    func coincidenceTotal(_ r: HybridSample) -> Int {
      var n = 0
      for case let t? in r.trains {
        let cols = Self.columns(t, count: t.delta.count)
        for (_, rw) in t.rows { for c in cols { if let c { n += (rw & c.train).nonzeroBitCount } } }
      }
      return n
    }

    func cellsCSV() -> String {
      var s = "sample,layer,kind,polarity,row,column,coincidences,landed,device_before,device_after,refresh\n"
      for (k, r) in records.enumerated() {
        for l in 0..<r.before.count {
          let columns = cfg.layers[l + 1], rows = cfg.layers[l] + 1
          var rowTrain = [UInt64](repeating: 0, count: rows)
          var cols = [(train: UInt64, polarity: Int)?](repeating: nil, count: columns)
          if let t = r.trains[l] {
            for (i, w) in t.rows { rowTrain[i] = w }
            cols = Self.columns(t, count: columns)
          }
          let before = [r.before[l].plus, r.before[l].minus], after = [r.after[l].plus, r.after[l].minus]
          for i in 0..<rows {
            for j in 0..<columns {
              let x = i * columns + j
              let pulsed = cols[j]?.polarity
              // The saturation pass resets the pair and re-potentiates one
              // device (refresh) or resets the other (method b): the device
              // that received no coincidence moves, which nothing else but
              // the disturb model does.
              let refresh: String
              if disturbs {
                refresh = ""
              } else if let p = pulsed, before[1 - p][x] != after[1 - p][x] {
                refresh = "1"
              } else {
                refresh = "0"
              }
              for p in 0..<2 {
                let slots = pulsed == p ? rowTrain[i] & cols[j]!.train : 0
                let c = slots.nonzeroBitCount
                guard c > 0 || before[p][x] != after[p][x] else { continue }
                // Through the lines, less the slots they held back.
                let held = r.heldBack[l][p * rows * columns + x] ?? 0
                s += "\(k),\(l),\(kindName),\(p == 0 ? "plus" : "minus"),\(i),\(j),\(c),\((slots & ~held).nonzeroBitCount),"
                s += "\(Self.number(before[p][x])),\(Self.number(after[p][x])),\(refresh)\n"
              }
            }
          }
        }
      }
      return s
    }

    func neuronsCSV() -> String {
      var s = "sample,layer,neuron,sum,activation,delta,sense_offset,comparator_offset\n"
      for (k, r) in records.enumerated() {
        for (l, n) in r.neurons.enumerated() {
          // The output's software neurons: softmax (cross-entropy) or
          // logistic (mse), in double precision from the sums.
          // (A hidden neuron's f(s) as the Float it is, printed shortest.)
          let hidden = n.activation.map { $0.map(Self.number) }
          let a: [Double] = n.activation.map { $0.map(Double.init) } ?? {
            let v = n.sum.map(Double.init)
            if cfg.loss == .mse { return v.map { 1 / (1 + exp(-$0)) } }
            let top = v.max() ?? 0
            let e = v.map { exp($0 - top) }
            let z = e.reduce(0, +)
            return e.map { $0 / z }
          }()
          for j in n.sum.indices {
            s += "\(k),\(l),\(j),\(Self.number(n.sum[j])),\(hidden?[j] ?? JSONWriter.number(a[j])),\(Self.number(n.delta[j])),"
              + "\(Self.number(offsets[l].sense[j])),\(Self.number(offsets[l].comparator[j]))\n"
          }
        }
      }
      return s
    }
  }
}
