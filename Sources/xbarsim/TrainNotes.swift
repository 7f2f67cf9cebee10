import Circuit
import Foundation
import Peripherals
import Trainer

/// The notes `train` prints on standard error before a run: a setting
/// that wastes the network (an output beyond the classes, a TIA gain too
/// small, an error the comparators cannot reach) or a device file read
/// otherwise than its author may expect. Each returns nil (or nothing)
/// when there is nothing to say; `pulses` and `sweep` print some of them too.
extension TrainCommand {
  /// A note when the output layer has more neurons than the data's
  /// classes: the extra ones are never a target (`--layers 784,100,11` on
  /// MNIST had run without a word: a walkthrough, session 54). nil when
  /// they match.
  static func extraOutputsNote(_ cfg: TrainingConfiguration, train: IDXDataset, test: IDXDataset) -> String? {
    let classes = Int(max(train.labels.max() ?? 0, test.labels.max() ?? 0)) + 1
    let outputs = cfg.layers.last!
    guard outputs > classes else { return nil }
    let extra = outputs - classes
    return "note: the output layer has \(outputs) neurons but the labels go up to \(classes - 1) (\(classes) classes): \(extra == 1 ? "neuron \(classes) is" : "neurons \(classes)…\(outputs - 1) are") never a target, and the softmax spreads probability over \(extra == 1 ? "it" : "them")"
  }

  /// The largest |W| in units of G_max: G+ − G− at most 1 − gmin_ratio,
  /// and the hybrid's small pair adds 1/k of it.
  static func largestWeight(_ cfg: TrainingConfiguration) -> Double {
    (1 - cfg.gMinRatio) * (cfg.rule == .hybrid ? 1 + 1 / cfg.k : 1)
  }

  /// A note when `tia_gain` keeps some layer's sums within 1 % of the
  /// hidden neurons' linear region, 2c, from one image to another: the
  /// neurons then cannot tell the images apart (`--tia-gain 1e-6` trained
  /// to chance without a word: a walkthrough, session 54). nil for a gain
  /// that lets every layer's sums differ by more, and for float SGD (no
  /// neuron circuit).
  ///
  /// The bound is carried through the layers: inputs differ by at most 1,
  /// a layer's sums by at most g·w·n_in times its inputs' spread (every
  /// weight at its largest, w = `largestWeight`; the bias row is the same
  /// for every image), and a hidden
  /// layer's activations by at most that over 2c (the hard sigmoid's
  /// slope), at most 1. (Until session 64 each layer was bounded alone,
  /// with every input at 1, so a gain that left the hidden sums just past
  /// 1 % and the output sums far below it, 2e-4 on 784-200-10, trained to
  /// chance without a word: a walkthrough.)
  static func smallGainNote(_ cfg: TrainingConfiguration) -> String? {
    guard cfg.rule != .float, cfg.tiaGain < 1 else { return nil }
    // (G+ − G− over G_max is at most 1 − gmin_ratio: the note had taken 1
    // and stayed silent on `--rule single --gmin-ratio 0.5 --tia-gain
    // 0.003`, 8.40 %; a walkthrough, session 64.)
    let weight = largestWeight(cfg)
    let floor = 0.01 * 2 * cfg.c
    var spread = 1.0
    for l in 0..<(cfg.layers.count - 1) {
      let sums = cfg.tiaGain * weight * Double(cfg.layers[l]) * spread
      if sums < floor {
        let output = l == cfg.layers.count - 2
        let which = output ? "the output layer's" : "hidden layer \(l + 1)'s"
        let how = l == 0 ? "inputs between 0 and 1, every weight at its largest" : "inputs between 0 and 1, every weight at its largest, each hidden layer's activations differing by at most its sums' spread over 2c"
        return "note: with tia_gain \(JSONWriter.number(cfg.tiaGain)) \(which) sums cannot differ from one image to another by more than \(String(format: "%.3g", sums)) (\(how)), under 1 % of the hard sigmoid's linear region 2c = \(JSONWriter.number(2 * cfg.c)): the neurons cannot tell the images apart (tia_gain is the neuron circuit's gain relative to 1/(V_read·G_max); 1 is nominal)"
      }
      spread = min(1, sums / (2 * cfg.c))
    }
    return nil
  }

  /// Notes on comparator and transposed-read settings beyond anything the
  /// errors can reach, which train to chance or leave layers unlearned
  /// without a word (a walkthrough, session 64: `--comparator-offset 1e6`
  /// 8.8 %, `--transposed-read-noise 1e6` 10.4 %, `--hidden-threshold 1e6`
  /// 28.8 %, where `--read-noise 1e6` and `--sense-offset 1e3` were
  /// noted). Empty otherwise.
  ///
  /// The bounds: an output δ is below 1 in magnitude (p − t); hidden layer
  /// h's transposed read gives at most n·w times the layer above's largest
  /// δ (its n outputs through weights of at most w, `largestWeight`), and
  /// its δ is that times the derivative (1 at
  /// an open gate; 1/(2c) for rules hybrid and single with
  /// `float_derivative true`).
  static func unreachableErrorNotes(_ cfg: TrainingConfiguration) -> [String] {
    guard cfg.rule != .float, cfg.mode == .onChip else { return [] }
    let w = largestWeight(cfg)
    let slope = cfg.rule.isFiniteState && cfg.floatDerivative == .true ? 1 / (2 * cfg.c) : 1
    let hidden = cfg.layers.count - 2
    // Per hidden layer (0-based), its transposed read's largest output
    // and its largest δ, from the top down.
    var reads = [Double](repeating: 0, count: max(hidden, 0)), deltas = reads
    var above = 1.0
    for h in stride(from: hidden - 1, through: 0, by: -1) {
      reads[h] = Double(cfg.layers[h + 2]) * w * above
      deltas[h] = reads[h] * slope
      above = deltas[h]
    }
    func n(_ x: Double) -> String { String(format: "%.3g", x) }
    func reach(_ h: Int) -> String {
      "its \(cfg.layers[h + 2]) outputs' δ, each \(h == hidden - 1 ? "below 1" : "at most \(n(deltas[h + 1]))"), through weights of at most \(n(w))"
    }
    var notes: [String] = []
    // Every layer's comparators as drawn (offsets: stream 22).
    let drawn = cfg.comparatorOffset > 0 ? cfg.comparators(columns: Array(cfg.layers.dropFirst())) : []
    // The output comparators as drawn: an offset beyond the dead band
    // pulses its column the same way on every sample whose δ is near 0
    // (a walkthrough, session 64: σ 0.07 against the threshold 0.1 took
    // rule lim from 88.4 to 62.8 % on 5,000 images, σ 0.1 to 28.0 %, the
    // hybrid's sign encoding from 87.8 to 33.6 %, without a word).
    if let outputs = drawn.last, cfg.encoding == .sign || cfg.rule == .lim {
      let beyond = outputs.indices.filter { abs(outputs[$0].offset) > outputs[$0].threshold }
      if !beyond.isEmpty {
        let past = beyond.filter { abs(outputs[$0].offset) > 1 + outputs[$0].threshold }
        let listed = beyond.prefix(4).map { "column \($0) \(String(format: "%+.3g", outputs[$0].offset))" }.joined(separator: ", ")
          + (beyond.count > 4 ? ", …" : "")
        let all = past.isEmpty ? "" : "; \(past.count == beyond.count ? "all" : "\(past.count)") of them beyond 1 + threshold, past any δ (|p − t| < 1), so \(past.count == 1 ? "it pulses" : "they pulse") on every sample"
        notes.append(
          "note: comparator_offset \(JSONWriter.number(cfg.comparatorOffset)): \(beyond.count) of the output layer's \(outputs.count) comparators have an offset beyond their dead band (threshold \(JSONWriter.number(cfg.outputThreshold)); \(listed)), so each pulses its column the same way on every sample whose δ is near 0, the outputs the network already gets right, whatever their error\(all)")
      }
    }
    if cfg.hiddenThreshold > 0 {
      // (With comparator offsets, a comparator whose offset passes the
      // threshold's reach still fires: the layer's largest offset as
      // drawn comes on top of its δ; review 64b.)
      func largestOffset(_ h: Int) -> Double { drawn.isEmpty ? 0 : Double(drawn[h].map { abs($0.offset) }.max() ?? 0) }
      let deaf = (0..<hidden).filter { cfg.hiddenThreshold >= deltas[$0] + largestOffset($0) }
      if let h = deaf.first {
        let which = deaf.count == hidden ? (hidden == 1 ? "the hidden layer's" : "every hidden layer's") : "hidden layer \(h + 1)'s"
        notes.append(
          "note: hidden_threshold \(JSONWriter.number(cfg.hiddenThreshold)) is at or beyond the largest δ \(which) comparators can see (\(n(deltas[h])) for hidden layer \(h + 1): \(reach(h))\(slope != 1 ? ", times the slope 1/(2c)" : "")), so they never fire and the synapses below \(deaf.count == 1 ? "it" : "them") never learn")
      }
    }
    if cfg.transposedReadNoise > 0, let h = (0..<hidden).first(where: { cfg.transposedReadNoise >= reads[$0] }) {
      notes.append(
        "note: transposed_read_noise \(JSONWriter.number(cfg.transposedReadNoise)) is at or beyond the largest value hidden layer \(h + 1)'s transposed read can give (\(n(reads[h])): \(reach(h))): its δ follows the noise more than the error")
    }
    return notes
  }

  /// A note when the hybrid's small step, (1 − gmin_ratio)/((small_states
  /// − 1)·k) of G_max, is under two units in the last place of a weight of
  /// 1 in single precision (2^-22), the weights' precision: the fine phase
  /// then moves no weight the network reads and only costs pulses (a
  /// walkthrough, session 64: `--k 1e6` ran two fine epochs of 376
  /// million pulses each with the same loss to six digits). nil otherwise,
  /// and for a measured device (its steps are its own).
  static func bigStepNote(_ cfg: TrainingConfiguration) -> String? {
    // The same for the big devices (rules hybrid and single), whose step
    // (1 − gmin_ratio)/(states − 1) a gmin_ratio near 1 takes there too (a
    // walkthrough, session 84: `--rule single --gmin-ratio 0.999999` stayed
    // at chance over 475,058 pulses with only the chance note).
    guard cfg.rule.isFiniteState, cfg.measuredDevice == nil else { return nil }
    return stepNote(
      (1 - cfg.gMinRatio) / Double(cfg.states - 1), "with gmin_ratio \(JSONWriter.number(cfg.gMinRatio)) and \(cfg.states) states",
      cfg.rule == .hybrid ? "a big device's" : "a device's", updates: cfg.rule == .hybrid ? "the dynamic phase's" : "the")
  }

  static func smallStepNote(_ cfg: TrainingConfiguration) -> String? {
    guard cfg.rule == .hybrid, cfg.measuredDevice == nil else { return nil }
    return stepNote(
      (1 - cfg.gMinRatio) / (Double(cfg.smallStates - 1) * cfg.k), "with k \(JSONWriter.number(cfg.k))", "a small device's",
      updates: "the fine phase's")
  }

  /// The step notes' text, when `step` (of G_max) is under two units in
  /// the last place of a weight of 1 in single precision (2^-22).
  private static func stepNote(_ step: Double, _ setting: String, _ device: String, updates: String) -> String? {
    let floor = 0x1p-22
    guard step < floor else { return nil }
    return "note: \(setting) \(device) step is \(String(format: "%.3g", step)) of G_max, under the weights' single-precision resolution near 1 (\(String(format: "%.3g", floor))): \(updates) updates cannot move the weights the network reads, and only cost pulses"
  }

  /// A note when the brightest training pixel is 15 of 255 or less: inputs
  /// are pixel/255, so 0/1 pixels (a numpy bool export) train at chance
  /// without a word (a walkthrough). nil for brighter or empty sets.
  static func dimPixelsNote(_ set: IDXDataset) -> String? {
    guard set.count > 0 else { return nil }
    let brightest = set.withUnsafePixels { pixels in
      var m: UInt8 = 0
      for p in pixels where p > m { m = p }
      return m
    }
    guard brightest <= 15 else { return nil }
    let name = set.imagesFile ?? IDXDataset.Split.train.imagesFileName
    if brightest == 0 { return "note: \(name): every pixel is 0: these images give the network no input" }
    let percent = Double(brightest) / 255 * 100
    let share = percent < 1 ? "under 1 %" : "at most \(Int(percent.rounded(.up))) %"
    return "note: \(name): the brightest pixel is \(brightest) of 255; inputs are pixel/255, so these images drive the arrays at \(share) of the read voltage (0/1 pixels? scale them to 0–255)"
  }

  /// The pulses of a measured potentiation branch (made monotone) that
  /// leave the conductance where it was: "pulses 24, 28 and 30" (at most
  /// ten listed), or nil when every pulse raises it.
  static func flatPulses(_ branch: [Double]) -> String? {
    let flat = (1..<max(1, branch.count)).filter { branch[$0] == branch[$0 - 1] }
    guard let last = flat.last else { return nil }
    if flat.count == 1 { return "pulse \(last)" }
    let shown = flat.prefix(10).map(String.init)
    return flat.count > 10
      ? "\(flat.count) pulses (\(shown.joined(separator: ", ")), …)"
      : "pulses \(shown.dropLast().joined(separator: ", ")) and \(shown.last!)"
  }

  /// What the flat pulses of a measured branch do under the run's rule
  /// (the branch ends at its first maximum: the points after it are
  /// dropped, `deviceNotes`).
  /// (Rule lim: on integer states, methods a and b, a pulse a point; on
  /// conductance states, method c or `sigma_c2c` or `b_margin`, one pulse
  /// crosses a flat stretch. The note had said the former for every a and
  /// b run: a walkthrough, session 46.)
  static func flatPulseEffect(finiteState: Bool, conductanceStates: Bool = false) -> String {
    if finiteState || !conductanceStates { return "such a pulse leaves a device where it was" }
    return "this run's devices are conductances (method c, sigma_c2c or b_margin), which cross such a stretch in one pulse"
  }

  /// A conductance far above a synapse's (S): data in µS or mS read as
  /// siemens. A device file's G_max and a problem file's largest cell get
  /// a note at it (`train`, `pulses`, `solve`, `spice`).
  static let farAboveASynapse = 1e-2
  /// A conductance far below a synapse's (S): siemens values under a µS
  /// header, say (`train`, `pulses`).
  static let farBelowASynapse = 1e-9

  /// A first maximum that later points fall well below (more than
  /// `isolatedMaximumDrop` of the branch's range): one outlier had cut a
  /// 40-pulse device to 10 pulses under a note that called the 30 points
  /// after it "measured past saturation" (a FET researcher's walkthrough,
  /// session 49). Conductances in one unit; nil for a saturation.
  static func isolatedMaximumNote(
    _ name: String, pulse n: Int, later: Int, largestLater: Double, maximum: Double, first: Double, unit: (Double) -> String
  ) -> String? {
    guard later > 0, largestLater < maximum - isolatedMaximumDrop * (maximum - first) else { return nil }
    let below = (maximum - largestLater) / (maximum - first) * 100
    return "note: \(name): the potentiation branch's maximum, \(unit(maximum)) at pulse \(n), stands alone: "
      + (later == 1 ? "the 1 point after it is " : "the \(later) points after it reach at most ")
      + "\(unit(largestLater)), \(String(format: "%.0f", below)) % of the branch's range below it, where a saturated device stays near its maximum. "
      + "The device ends at that point (\(n) pulses from G_min to G_max) and \(later == 1 ? "that point is" : "those points are") left out: if it is an outlier, remove or correct it"
  }

  /// The fraction of a measured branch's range (its maximum less its first
  /// point) below the maximum from which a later point is not saturation.
  static let isolatedMaximumDrop = 0.05

  /// The notes on a run's measured device (`name` names the file): its
  /// flat pulses, the points it dropped after its maximum, the depression
  /// rows the rule does not use, and a G_max far above or below a
  /// synapse's (data not in the unit read). Empty without a measured device.
  static func deviceNotes(_ cfg: TrainingConfiguration, name: String) -> [String] {
    guard let m = cfg.measuredDevice else { return [] }
    var notes: [String] = []
    // First: a far read moves the mean, and the notes after it (a flat
    // stretch, a maximum) may be its effects (a walkthrough, session 55).
    if let c = m.cycles, let far = c.farthestOutlier { notes.append(outlierReadsNote(name, count: c.outlyingCount, far)) }
    if let largest = m.largestAfterMaximum,
      let note = isolatedMaximumNote(
        name, pulse: m.curve.count - 1, later: m.pointsAfterMaximum, largestLater: largest, maximum: m.gMax,
        first: m.curve[0] * m.gMax, unit: { "\(ConfigurationError.shown($0)) S" })
    {
      notes.append(note)
    } else if m.pointsAfterMaximum > 0 {
      let n = m.curve.count - 1
      notes.append(pastSaturationNote(name, pulse: n, later: m.pointsAfterMaximum) + " (\(cfg.rule.isFiniteState ? "states" : "n_max") \(n))")
    }
    if let flat = flatPulses(m.curve) {
      notes.append(
        "note: \(name): the potentiation branch is flat at \(flat) (its running maximum): "
          + flatPulseEffect(finiteState: cfg.rule.isFiniteState, conductanceStates: cfg.limConductanceStates))
    }
    if !m.depression.isEmpty && !(cfg.rule == .lim && cfg.method == .c) {
      notes.append(
        "note: \(name): its \(m.depression.count) depression points (d rows) are not used: only rule lim's method c depresses a device (methods a and b and rules hybrid and single reset it)")
    }
    if let note = unitNote(name, gMax: m.gMax) { notes.append(note) }
    if let note = firstPointNote(name, curve: m.curve, gMax: m.gMax) { notes.append(note) }
    if let note = cyclesNote(cfg, name: name) { notes.append(note) }
    if let drop = m.dropsBack { notes.append(dropBackNote(name, drop)) }
    // Method c depresses along the d branch and stops at its end: above
    // G_min, the lower conductances are never reached (a walkthrough,
    // session 55, found it said only in docs/measured-devices.md).
    if cfg.rule == .lim && cfg.method == .c, let last = m.depression.last, last > m.curve[0] {
      notes.append(depressionAboveGMinNote(name, last: last * m.gMax, gMin: m.curve[0] * m.gMax, subject: "method c"))
    }
    return notes
  }

  /// The note on a potentiation branch whose `later` points after its
  /// first maximum (at `pulse`) stay near it: `train` and `pulses`.
  static func pastSaturationNote(_ name: String, pulse n: Int, later: Int) -> String {
    "note: \(name): the potentiation branch first reaches its maximum at pulse \(n), where a device is at G_max, so \(later == 1 ? "its 1 later point (measured past saturation) is" : "its \(later) later points (measured past saturation) are") left out: the device has \(n) pulses from G_min to G_max"
  }

  /// The note on a depression branch that ends above G_min (S): `train
  /// --method c` and `pulses` (since session 63).
  static func depressionAboveGMinNote(_ name: String, last: Double, gMin: Double, subject: String) -> String {
    let shown = { (x: Double) in String(format: "%.4g", x) }
    return "note: \(name): the depression branch ends at \(shown(last)) S, above G_min (\(shown(gMin)) S, the first p point): \(subject) depresses a device no lower, as a pulse past the data's end would be a guess"
  }

  /// The note on a potentiation branch that drops back near its first
  /// point (`MeasuredCycles.dropBack`): cycles one after another, read as
  /// one branch. `train` and `pulses`.
  static func dropBackNote(_ name: String, _ drop: (pulse: Int, from: Double, to: Double)) -> String {
    let shown = { (x: Double) in String(format: "%.4g", x) }
    return "note: \(name): the potentiation branch drops back near its first point at pulse \(drop.pulse) (from \(shown(drop.from)) S to \(shown(drop.to)) S): "
      + "several cycles one after another? Read as one branch, the device follows its running maximum and spends pulses where it is flat. "
      + "Give each cycle its label in a first column under a header 'cycle,branch,conductance': the device is then their mean"
  }

  /// The clause on a step variation that a few outlying steps move: its
  /// robust estimate (`MeasuredCycles.robustStepVariability`) differs by
  /// more than a quarter (one glitch in one of 20 cycles had raised 0.256
  /// to 0.373: a walkthrough, session 55); nil otherwise.
  static func outlierNote(_ classic: Double, robust: Double?) -> String? {
    guard let robust, robust > 0, classic / robust > 1.25 || classic / robust < 0.8 else { return nil }
    return "; from the steps' medians and median absolute deviations, which a few outlying steps do not move, it is \(String(format: "%.3g", robust)): check the data for glitches"
  }

  /// The note on reads far from the other cycles' at their pulse
  /// (`MeasuredCycles.outlyingReads`): a bad read, a stuck cycle or a first
  /// fire, which moves the mean device. `train` and `pulses`.
  static func outlierReadsNote(_ name: String, count: Int, _ far: MeasuredCycles.OutlyingRead) -> String {
    let shown = { (x: Double) in String(format: "%.4g", x) }
    return "note: \(name): \(count) read\(count == 1 ? " lies" : "s lie") far from the other cycles' at \(count == 1 ? "its" : "their") pulse (over a quarter of the mean branch's range from their median), "
      + "the farthest at \(far.potentiation ? "potentiation" : "depression") point \(far.pulse) of cycle '\(far.label)': \(shown(far.value)) S where the cycles' median is \(shown(far.median)) S. "
      + "A bad read, a stuck cycle or a first fire moves the mean device (a flat stretch or a maximum noted below may be its doing): correct the read, or leave the cycle out of the file"
  }

  /// The note on a device file's cycles: their number, that the device is
  /// their mean curve, and the variation of a pulse's step from cycle to
  /// cycle (δ/μ, `MeasuredCycles`) beside the run's own key for it, which
  /// the file does not set. nil for a one-cycle file.
  static func cyclesNote(_ cfg: TrainingConfiguration, name: String) -> String? {
    guard let m = cfg.measuredDevice, let c = m.cycles else { return nil }
    let usesDepression = cfg.rule == .lim && cfg.method == .c
    let (text, offered) = cyclesSummary(
      name, subject: "the device", count: c.count, cut: c.cut, leftOut: c.leftOut, pulses: m.curve.count - 1,
      potentiation: c.potentiationVariability, robust: c.robustPotentiationVariability,
      depression: usesDepression ? c.depressionVariability : nil)
    guard let (value, which) = offered else { return text }
    let shown = { (x: Double) in String(format: "%.3g", x) }
    switch cfg.rule {
    case .lim where cfg.mode == .onChip:
      // One key varies both branches' steps (method c depresses too).
      let both = usesDepression ? ", the potentiation's value, for both branches' steps" : ""
      // (Method b's loop ties on varied steps without a margin: the
      // suggestion had led a walkthrough to lose 13–16 points, session 63.)
      let margin = cfg.method == .b && cfg.bMargin == 0 ? " (with --b-margin 0.5, which method b needs beside it: README, Choices)" : ""
      return text + ". "
        + (cfg.sigmaC2C > 0
          ? "This run's sigma_c2c is \(shown(cfg.sigmaC2C))"
          : "This run trains without it (sigma_c2c 0): --sigma-c2c \(shown(value))\(which)\(both) trains with it\(margin)")
    case .lim:
      return text + ". Off-chip learning programs the devices once; on chip, --sigma-c2c \(shown(value))\(which) trains with it"
    default:
      return text + ". "
        + (cfg.c2c > 0 ? "This run's c2c is \(shown(cfg.c2c))" : "This run trains without it (c2c 0): --c2c \(shown(value))\(which) trains with it")
    }
  }

  /// What `train`'s and `pulses`' notes on a device file's cycles share:
  /// their number, that `subject` is their mean (the cut and the cycles
  /// left out), and the variation of a pulse's step over the device's
  /// `pulses` (with the depression's when given, and the robust
  /// estimate's clause where glitches move the classic one). Also the
  /// value offered to a key: the robust estimate where that clause is
  /// given (a walkthrough, session 55: 2.56 was offered beside a note that
  /// the robust estimate is 0.302), with its qualifier; nil without an
  /// estimate.
  static func cyclesSummary(
    _ name: String, subject: String, count: Int, cut: String?, leftOut: String?, pulses: Int,
    potentiation: Double?, robust: Double?, depression: Double?
  ) -> (text: String, offered: (value: Double, which: String)?) {
    let shown = { (x: Double) in String(format: "%.3g", x) }
    var text = "note: \(name): \(count) cycle\(count == 1 ? "" : "s"); \(subject) is "
      + (count == 1 ? "that cycle" : "their point-by-point mean")
      + (cut.map { " (\($0))" } ?? "")
      + (leftOut.map { "; \($0)" } ?? "")
    guard let p = potentiation else {
      return (text + (count == 1 ? "; a pulse's variation from cycle to cycle needs two or more" : ""), nil)
    }
    // Identical cycles (a model's draws without c2c): nothing to offer
    // (nor with a depression that varies: a review, session 58).
    if p == 0 && (depression ?? 0) == 0 {
      return (text + ". Its cycles step identically, pulse by pulse (δ/μ = 0)", nil)
    }
    let outliers = outlierNote(p, robust: robust)
    text += ". A pulse's step varies from cycle to cycle by δ/μ = \(shown(p)) (potentiation, over the device's \(pulses) pulse\(pulses == 1 ? "" : "s")"
      + (outliers == nil ? robust.map { "; median-based \(shown($0))" } ?? "" : "")
      + (depression.map { "; depression \(shown($0))" } ?? "")
      + "): the standard deviation of a pulse's ΔG over its mean, Choi et al.'s measure, which read noise in the data raises"
      + (outliers ?? "")
    return (text, outliers != nil ? (robust!, " (the median-based estimate)") : p > 0 ? (p, "") : nil)
  }

  /// The note on a first point far below a synapse's and over 100 times
  /// below the next, under a G_max that is a synapse's: the first point
  /// sets G_min, and one value in siemens in a µS file had made gmin_ratio
  /// 1e-7 instead of 0.1 without a word (a walkthrough, session 54). nil
  /// otherwise (a first point of 0 is taken as the device's G_min of 0).
  static func firstPointNote(_ name: String, curve: [Double], gMax: Double) -> String? {
    guard curve.count >= 3, gMax >= farBelowASynapse, gMax < farAboveASynapse else { return nil }
    let first = curve[0] * gMax, next = curve[1] * gMax
    guard first > 0, first < farBelowASynapse, next > 100 * first else { return nil }
    let shown = { (x: Double) in String(format: "%.4g", x) }
    return "note: \(name): the potentiation branch's first point, \(shown(first)) S, is far below a synapse's and \(shown(next / first)) times below the next (\(shown(next)) S); it sets G_min (gmin_ratio \(shown(curve[0]))): if it is in another unit than the others (siemens in a µS file?) or an outlier, correct it"
  }

  /// The note on a device file's G_max far above a synapse's (µS or mS data
  /// read as siemens) or far below it (siemens values under a µS header,
  /// say: the accuracy is the same, every energy 10⁶ too small; a
  /// walkthrough, session 42); nil between. `train` and `pulses`.
  static func unitNote(_ name: String, gMax: Double) -> String? {
    guard gMax >= farAboveASynapse || gMax < farBelowASynapse else { return nil }
    let g = "G_max is \(ConfigurationError.shown(gMax)) S (\(String(format: "%.4g", 1 / gMax)) Ω)"
    let fix = "if the data are not in the unit read (siemens, or the header's), name or correct their unit in the header"
    return gMax >= farAboveASynapse
      ? "note: \(name): \(g), far above a synapse's: \(fix), e.g. 'branch,conductance (uS)'"
      : "note: \(name): \(g), far below a synapse's: \(fix) (energies scale with it)"
  }

  /// The notes on a configuration alone, which `train` prints before its
  /// run and `sweep` for each point (a walkthrough, session 65: a sweep
  /// had printed none, and a default sweep over sigma_c2c measured method
  /// b's tie, or a one-epoch "hybrid" the single pair, without a word).
  /// `fromCheckpoint`: a run going on from a checkpoint, which a one-epoch
  /// hybrid's note does not fit.
  static func configurationNotes(_ cfg: TrainingConfiguration, fromCheckpoint: Bool) -> [String] {
    var notes: [String] = []
    notes += [bigStepNote(cfg), smallStepNote(cfg)].compactMap { $0 } + unreachableErrorNotes(cfg) + [smallGainNote(cfg)].compactMap { $0 }
    // The disturb model on (write_voltage/2 at or above the threshold):
    // raising V_w for its program energy alone had collapsed a run to
    // chance without a word (a walkthrough, session 44).
    if cfg.rule.isFiniteState && cfg.writeVoltage / 2 >= cfg.writeThreshold && cfg.disturbStep > 0 {
      notes.append(
        "note: write_voltage/2 = \(ConfigurationError.shown(cfg.writeVoltage / 2)) V reaches write_threshold \(ConfigurationError.shown(cfg.writeThreshold)) V: every half-selected cell is disturbed, moved up by disturb_step \(ConfigurationError.shown(cfg.disturbStep)) of a step per half-selected slot (README, Choices); both devices of a pair drift towards G_max")
    }
    // Lines of 1 MΩ a segment (MΩ typed as Ω) trained 20 images in 30 s to
    // 14 % without a word (a circuit designer's walkthrough, session 48):
    // a segment that resists more than a cell at G_max is no wire.
    let longest = max(cfg.rowSegmentResistance, cfg.columnSegmentResistance)
    if cfg.wires == .resistive && longest * cfg.gMaxSiemens >= 1 {
      notes.append(
        "note: line segments of \(ConfigurationError.shown(longest)) Ω against gmax \(ConfigurationError.shown(cfg.gMaxSiemens)) S (G·r = \(String(format: "%.6g", longest * cfg.gMaxSiemens))): a segment resists more than a cell at G_max, far beyond a wire's (r_row and r_col are in Ω per segment between adjacent cells, about 1 Ω on chip)")
    }
    // A terminal resistance against its line's cells at G_max: a unit slip
    // (10 MΩ for 10 kΩ) trained to 15 % without a word (a walkthrough,
    // session 59).
    if cfg.wires == .resistive {
      for (key, big, cells, kind) in [
        ("r_driver", cfg.driverResistance, cfg.layers.dropFirst().max() ?? 0, "word line"),
        ("r_sense", cfg.senseResistance, (cfg.layers.dropLast().max() ?? 0) + 1, "bit line"),
      ] where big * Double(cells) * cfg.gMaxSiemens >= 10 {
        let product = big * Double(cells) * cfg.gMaxSiemens
        notes.append(
          "note: \(key) \(ConfigurationError.shown(big)) Ω against a \(kind) of \(cells) cells up to gmax \(ConfigurationError.shown(cfg.gMaxSiemens)) S (R·n·G_max = \(String(format: "%.4g", product))): the terminal takes most of a read's drive when its cells conduct (\(key) is in Ω)")
      }
    }
    // The hybrid switches to its small arrays after an epoch at the
    // earliest: a one-epoch run never reaches them (k, small_states and
    // the fine phase's keys then change nothing), unless it starts from a
    // checkpoint that has switched.
    // (From a checkpoint, a one-epoch run is a step of a longer one: its
    // switch is decided at its end against the saved run's last epoch,
    // and the note's advice was wrong there: a walkthrough, session 51.)
    if cfg.rule == .hybrid && cfg.epochs == 1 && !fromCheckpoint {
      // (With d2d the small arrays' devices, drawn each with its offset,
      // still add to every weight: k 100 and --rule single trained
      // otherwise than k 10 in a walkthrough, session 63.)
      let alike = cfg.d2d > 0
        ? "updates the big arrays only (its small arrays' devices, drawn with d2d, still add their offsets to every weight, so k and the small arrays' keys change its reads)"
        : "updates the big arrays only and trains as --rule single would (k and the small arrays' keys change nothing)"
      notes.append(
        "note: --rule hybrid with one epoch: the switch to the small arrays is decided after an epoch, so this run \(alike); give --epochs 3 or more (the first switch is at the end of epoch 2 at the earliest, unless epoch 1 gains less than switch_threshold over the untrained network)")
    }
    // The controller told of stuck devices where there are none: it has
    // nothing to skip (a sweep's stuck_off 0 point with stuck_known true
    // is the run without it, as it should be; said, not refused).
    // (A map of a header alone names none either: a walkthrough, session 78.)
    if cfg.rule.isFiniteState && cfg.stuckKnown && !cfg.namesStuckDevices {
      notes.append(nothingToKnowNote())
    }
    // A map of a header alone, its run the run without a map, named in its
    // label (a walkthrough, session 84: said only with stuck_known true).
    if let map = cfg.stuckMap, map.entries.isEmpty, cfg.rule != .float, !(cfg.rule.isFiniteState && cfg.stuckKnown) {
      notes.append("note: stuck map \(map.path) holds no records: no device is stuck, and the run is the one without a map")
    }
    // Drift keys that evaluate nothing, or times at which nothing drifts
    // (said, not refused: a sweep's ν 0 point is the arrays as trained).
    if cfg.rule != .float {
      let driftSet = [("drift_nu", cfg.driftNu != 0), ("drift_nu_sigma", cfg.driftNuSigma != 0), ("drift_nu_model", cfg.driftNuModel != .constant), ("drift_read_noise", cfg.driftReadNoise != .none), ("drift_compensation", cfg.driftCompensation != .global), ("drift_t0", cfg.driftT0 != 1), ("drift_refresh", cfg.driftRefresh)].filter(\.1).map(\.0)
      if cfg.driftTimes.isEmpty, !driftSet.isEmpty {
        notes.append("note: \(driftSet.joined(separator: ", ")) without drift_times: the arrays are not read after drift; give --drift-times (seconds after programming, e.g. 3600,86400)")
      } else if !cfg.driftTimes.isEmpty && !cfg.drift.drifts && cfg.driftReadNoise == .none {
        notes.append("note: drift_times with drift_nu 0 and drift_nu_sigma 0: no device drifts, and every time reads the arrays as trained\(cfg.driftRefresh ? " (and refreshed)" : "")")
      }
    }
    if cfg.rule == .lim && cfg.mode == .onChip && cfg.method == .b && cfg.sigmaC2C > 0 && cfg.bMargin == 0 {
      // The paper's loop under variation (README, Choices): say why method
      // b fares as it does, and what keeps its step. (A note like the
      // others, on standard error: it had gone to standard output, unmarked.)
      notes.append("note: method b's re-potentiation loop ends on an exact tie that sigma_c2c breaks, so about half its raises at G_max add no step; --b-margin 0.5 keeps the step (README, Choices)")
    }
    return notes
  }

  /// The note on a knowing controller (`stuck_known true`) given no stuck
  /// devices: `train` and `sweep` say it of a run (in
  /// `configurationNotes`), `reproduce` once of its runs (`runs`: "each
  /// run is", without the paper's stuck devices none of them has any; a
  /// walkthrough, session 78, had found it silent there).
  static func nothingToKnowNote(_ runs: String = "the run is") -> String {
    "note: stuck_known true without stuck devices (stuck_off, stuck_on and stuck_map give none): the controller has nothing to skip, and \(runs) the one without it"
  }

  /// The notes on a finished run's ADC (`resultNotes`; `evaluate` gives
  /// them for its read): the output sums clipped and tied at its top, and
  /// hidden sums clipped short of the hard sigmoid's region.
  static func adcNotes(_ result: TrainingResult, _ cfg: TrainingConfiguration) -> [String] {
    var notes: [String] = []
    // An ADC that clips the output logits at its top: the classes' sums
    // pile up at its full scale, where they no longer tell the classes
    // apart (a walkthrough, session 50: a comparator offset drove the
    // logits past ±2c, and a 16-bit ADC then cut the accuracy from 80.70
    // to 47.85 %: README, session 50). Only ties at the top count (a
    // walkthrough, session 64: the note had counted sums clipped at the
    // bottom, which change no argmax: 45 % of them at 86.8 %, and its
    // advice, a wider range, coarsens every layer's step: 36 % at 4 bits).
    if let tied = result.adcTiedAtTopFraction, tied >= 0.01, let f = result.adcClippedFractions?.last {
      // (Since session 82 the advice is the output's own range, which
      // leaves the hidden layers' steps alone.)
      let range = ConfigurationError.shown(cfg.outputADCRange)
      let key = cfg.outputADCRange == cfg.adcRange ? "adc_range" : "output_adc_range"
      notes.append(
        "note: at the last evaluation \(String(format: "%.1f", 100 * tied)) % of the test images had two or more output sums clipped at the ADC's top (s above \(key) \(range)), where those classes read the same code and the first of them wins; a wider --output-adc-range keeps them apart, though it also widens the output's ADC step (2·range/(2^adc_bits − 1)) (adc_clipped_fraction in the summary: \(String(format: "%.1f", 100 * f)) % of the output sums clipped at either end)")
    }
    // Clipped hidden sums beyond the hard sigmoid's linear region change
    // nothing (its ends are flat); with a range inside it, the sums above
    // it read inside: their activations are capped and the derivative
    // gates of saturated neurons open (a walkthrough, session 51:
    // adc_range 2 against 2c = 8, 83 % of the hidden sums clipped and 61 →
    // 24 %, without a word).
    let zero = cfg.activation == .zero
    let top = zero ? 2 * cfg.c : cfg.c
    // With activation zero the region is [0, 2c]: a sum clipped at −range
    // reads below 0, as it was, and only those clipped at +range count (a
    // review, session 52: the note gave both sides, 85.5 %, where about a
    // tenth of that was clipped at the top).
    if let fractions = result.adcClippedFractions, cfg.adcRange < top {
      let r = cfg.adcRange, c = cfg.c
      let (low, high) = zero ? (0, r / (2 * c)) : ((c - r) / (2 * c), (r + c) / (2 * c))
      let above = result.adcClippedAboveFractions ?? fractions
      for (l, both) in fractions.dropLast().enumerated() {
        let f = zero ? above[l] : both
        guard f >= 0.01 else { continue }
        let share = String(format: "%.1f", 100 * f)
        let what = zero
          ? "\(share) % of hidden layer \(l + 1)'s sums at its top (s above adc_range \(ConfigurationError.shown(r)); \(String(format: "%.1f", 100 * both)) % at either end, adc_clipped_fraction[\(l)], those below −\(ConfigurationError.shown(r)) reading below the region as they were) at the last evaluation, short"
          : "\(share) % of hidden layer \(l + 1)'s sums (adc_clipped_fraction[\(l)]) at the last evaluation (|s| beyond adc_range \(ConfigurationError.shown(r)), short"
        notes.append(
          "note: the ADC clipped \(what) of the end of the hard sigmoid's linear region at \(ConfigurationError.shown(top))\(zero ? "" : ")"): the sums beyond it read inside the region, so its activations stay within [\(ConfigurationError.shown(low)), \(ConfigurationError.shown(high))] instead of [0, 1] and saturated neurons keep their derivative gates open; --adc-range \(ConfigurationError.shown(top)) or more keeps the region whole")
      }
    }
    return notes
  }

  /// The notes on a finished run (its gates, ADC clipping, the hybrid's
  /// switch), which `train` prints after it and `sweep` after each point.
  /// `saved`: the checkpoint the run went on from.
  /// `test`: the test set the run evaluated on, for the note on a run
  /// that ended at chance (none without it).
  static func resultNotes(
    _ result: TrainingResult, _ cfg: TrainingConfiguration, fromCheckpoint saved: Checkpoint.Saved?, test: IDXDataset? = nil
  ) -> [String] {
    var notes: [String] = []
    // A hidden layer whose every derivative gate stayed shut: no error
    // reached the synapses below it, whatever the accuracy says (a device
    // researcher's walkthrough, session 48: a 2-point device file trained
    // to chance, 10.00 %, without a word; its devices all started at G_min,
    // every hidden sum 0).
    let gated = result.points.filter { !$0.gateOpen.isEmpty }
    if !gated.isEmpty {
      // Every device open (stuck_off 1): every sum is 0, the zero
      // activation's lower end (session 72's review: the note blamed the
      // sums alone).
      // Every device shorted (stuck_on 1): every weight G_max − G_max = 0.
      let why = cfg.stuckOff == 1 ? "every device stuck at 0 S (stuck_off 1), so every sum 0"
        : cfg.stuckOn == 1 ? "every device stuck at G_max (stuck_on 1), so every weight and every sum 0"
        : "every sum at or beyond the ends of the hard sigmoid's linear range"
      for h in gated[0].gateOpen.indices {
        let open = gated.map { h < $0.gateOpen.count ? $0.gateOpen[h] : 0 }
        if open.allSatisfy({ $0 == 0 }) {
          notes.append(
            "note: no neuron of hidden layer \(h + 1) had its derivative gate open in training (gate_open_h\(h + 1) 0 at every evaluation point: \(why)), so no error reached the synapses below it and they never learned")
        } else if closedOverTheLastTenth(gated, h) {
          // Closed on the way (a walkthrough, session 51: a single pair's
          // comparator offset saturated its second hidden layer, and the
          // run ended at chance without a word). Over the last tenth of
          // the images, not at the last point: a `final_iterations` point
          // counts one image's gates (a review, session 52: the note came
          // after one such image, the gates open around it).
          notes.append(
            "note: every derivative gate of hidden layer \(h + 1) had closed by the end of training (gate_open_h\(h + 1) \(String(format: "%.4f", open[0])) at the first evaluation point, 0 at the last: its sums saturated beyond the hard sigmoid's linear range), so no error reaches the synapses below it any more")
        } else if let mean = mostlyClosedOverTheLastTenth(gated, h) {
          // Nearly shut (a peripheral designer's walkthrough, session 56:
          // a sense offset of 30 trained to 8.90 % and a TIA gain of 1e5,
          // ohms typed as the relative gain, to 61 %, with gate_open_h1 at
          // most 0.004 and 0.0001 and no word; a healthy run keeps 5–20 %).
          // Depth too (a walkthrough, session 66: 784-256-256-256-256-10,
          // 29.76 %, gate_open_h4 0.003, none of those keys set; a larger c
          // did worse on 20,000 images: 54.90, 39.05, 28.05 % at c 4, 8, 16).
          notes.append(
            "note: the derivative gates of hidden layer \(h + 1) were open for under \(Int(100 * nearlyClosed)) % of its neurons over the last tenth of training (gate_open_h\(h + 1) \(String(format: "%.2g", mean)) there, weighted by images): its sums sit beyond the hard sigmoid's linear range, so little error reaches the synapses below it (a sense offset, TIA gain or device range that pushes the sums out does this, and so can depth: the sums of a layer fed by a wide layer of saturated neurons)")
        }
      }
    }
    // Re-potentiation loops stopped at their cap (a fuzz, session 67: β_p
    // 20 with σ_c2c 0.1 had taken 770,000 pulses a reset at n_max 8, and a
    // run of 200 images 53 s, before the loops got their cap).
    if result.cappedRepotentiations > 0 {
      notes.append(
        "note: \(result.cappedRepotentiations) re-potentiation loop\(result.cappedRepotentiations == 1 ? "" : "s") stopped at \(cfg.repotentiationCap) pulses (4·n_max, at least 256) short of the old weight: where the device's steps near G_max are tiny (with Lim's curve about e^−β_p of the first), a device a varied pulse (σ_c2c) left just short of it creeps up, as a controller's verify loop would until its limit; the weights there end below their targets")
    }
    notes += adcNotes(result, cfg)
    // Never switched (beyond one epoch, noted before the run): the run was
    // its single pair's, pulse for pulse (a walkthrough, session 44: no
    // word said so).
    if cfg.rule == .hybrid, !result.interrupted, result.phaseSwitchEpoch == nil, result.epochs.count > 1,
      saved?.hybrid?.phase != .fine
    {
      notes.append(
        "note: \(neverSwitched(epochs: result.epochs.count, cfg)); give more epochs for its fine tuning")
    }
    if cfg.rule == .hybrid, !result.interrupted, let e = result.phaseSwitchEpoch, e == result.epochs.count, e > 0 {
      // The switch after the last epoch: no epoch updated the small arrays
      // (a walkthrough, session 42: nothing had said so).
      notes.append(
        "note: the hybrid switched to its small arrays after its last epoch (\(e)), so no epoch updated them; give more epochs for its fine tuning")
    }
    if let test, let note = chanceNote(result, cfg, test: test, after: notes.count) { notes.append(note) }
    return notes
  }

  /// The share, in percent, of the most frequent class among the first
  /// `count` labels of `test` (those an evaluation reads): the accuracy of
  /// a network that always answers that class.
  static func majorityShare(_ test: IDXDataset, count: Int) -> Double {
    let n = min(count, test.labels.count)
    guard n > 0 else { return 0 }
    var counts = [Int](repeating: 0, count: 256)
    for label in test.labels.prefix(n) { counts[Int(label)] += 1 }
    return 100 * Double(counts.max()!) / Double(n)
  }

  /// The keys of the test evaluation alone, which train no device.
  static let evaluationKeys: Set<String> = ["test_limit", "evals_per_epoch", "final_iterations"]

  /// The keys whose values differ from those of a default run of the same
  /// rule (lr and adc_range follow the rule and c, and reset_slot_time
  /// slot_time, as they do unset), less
  /// those the run does not read and those that only say how much is
  /// evaluated or drawn: what to look at first in a run that did not learn.
  static func keysAwayFromDefaults(_ cfg: TrainingConfiguration) -> [(String, String)] {
    var d = TrainingConfiguration()
    d.rule = cfg.rule
    d.mode = cfg.mode
    var sameC = d
    sameC.c = cfg.c
    let defaults = Dictionary(d.allKeyValues, uniquingKeysWith: { a, _ in a })
    let followingC = Dictionary(sameC.allKeyValues, uniquingKeysWith: { a, _ in a })
    let ignored = Set(cfg.ignoredKeys.map(\.key))
    let bookkeeping = evaluationKeys.union(["seed", "rule", "mode"])
    return cfg.allKeyValues.filter { key, value in
      !ignored.contains(key) && !bookkeeping.contains(key) && defaults[key] != value
        && !(key == "adc_range" && followingC[key] == value)
        && !(key == "output_adc_range" && cfg.outputADCRange == cfg.adcRange)
        && !(key == "reset_slot_time" && cfg._resetSlotTime == nil)
        // (`small_states` following `states`, and for rule single, which
        // has no small pair, at all: a walkthrough, session 84.)
        && !(key == "small_states" && (cfg.smallStates == cfg.states || cfg.rule != .hybrid))
    }
  }

  /// A note when the test accuracy stayed at chance over the last tenth
  /// of the evaluation points (or the final iterations' points): at most
  /// a point (or one test image) above the share of the
  /// test set's most frequent class (a network answering one class gets
  /// that). It names the settings away from their defaults, the first
  /// place to look (a walkthrough, session 64, and session 66:
  /// `--hidden-threshold 5` on 784-100-50-10 trained to 9.90 % without a
  /// word, no gate shut and no bound passed). `after`: how many notes came
  /// before it. nil for an interrupted run, one not evaluated, and a test
  /// set of one class.
  static func chanceNote(_ result: TrainingResult, _ cfg: TrainingConfiguration, test: IDXDataset, after: Int) -> String? {
    guard !result.interrupted, !result.points.isEmpty else { return nil }
    let evaluated = cfg.testLimit > 0 ? min(cfg.testLimit, test.count) : test.count
    let chance = majorityShare(test, count: evaluated)
    // (A test set of one class: any answer scores at most its share.) A
    // point above chance, or an image's worth on a small test set (review
    // 66: one image is 5 points of 20).
    guard chance < 100, result.accuracyMaxLast <= chance + max(1, 100 / Double(evaluated)) else { return nil }
    let away = keysAwayFromDefaults(cfg)
    let listed = away.prefix(12).map { "\($0.0) \($0.1)" }.joined(separator: ", ") + (away.count > 12 ? ", and \(away.count - 12) more" : "")
    let settings = away.isEmpty
      ? "every setting is at its default"
      : "the settings away from rule \(cfg.rule.rawValue)'s defaults: \(listed)"
    return String(
      format: "note: the test accuracy stayed at chance (at most %.2f %% over the %@, where answering the most frequent class gives %.2f %% of the %ld test images): the network tells no class from another%@; %@",
      result.accuracyMaxLast, averageWindow(cfg) as NSString, chance, evaluated, after > 0 ? " (the notes above may say why)" : "", settings)
  }
}
