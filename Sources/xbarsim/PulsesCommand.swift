import Circuit
import Foundation
import Trainer

/// `xbarsim pulses`: conductance versus pulse number of one device model
/// (Lim et al., Fig. 6; Choi et al., Fig. 3E), as CSV and optionally SVG.
enum PulsesCommand: CLICommand {
  static let spec = CommandSpec(
    name: "pulses",
    abstract: "Apply pulse trains to a device model and print conductance per pulse (CSV).",
    usage: "xbarsim pulses [--device lim|choi|measured] [--beta <b[,b...]>] [--nmax <n>] "
      + "[--sequence <spec>] [--svg <file>] ...",
    discussion: """
      Devices (conductances in siemens, S):
        lim       Lim et al. eqs. (1)-(2) (after Querlioz 2013): exponential steps,
                  nonlinearity β, n_max pulses from G_min to G_max and back; the
                  steps α are solved so the discrete recursion spans the range in
                  exactly n_max pulses. Bidirectional unless --unidirectional.
                  Options: --beta, --beta-p, --beta-d, --nmax, --gmin, --gmax.
                  A list --beta 0,1,2,3 prints one column per β (Lim Fig. 6).
        choi      Choi et al. Mo/TiOx RRAM: --states equal steps from G_min/k to
                  G_max/k (states + 1 levels); unidirectional (potentiation and
                  a strong reset to G_min/k) unless --bidirectional.
                  Options: --states, --k, --gmin, --gmax.
        measured  A lookup table read from --csv FILE: lines 'branch,conductance'
                  in pulse order, branch p|potentiation or d|depression,
                  conductance in S, or in the header's unit ('branch,
                  conductance (uS)': pS, nS, uS/µS, mS); optional header,
                  '#' comments. Output is in S either way. Noisy data
                  are made monotone (running max / running min); a pulse moves
                  one step along the interpolated branch, stepping over a flat
                  stretch as training's method c does (methods a and b and
                  rules hybrid and single take one pulse a point: a note on
                  standard error says where the two part). No d rows means
                  unidirectional. The device stays within the p branch's
                  range, its first point (G_min) to its maximum (G_max),
                  as training's does: depression stops at G_min even where
                  the d data go lower. The largest conductance must be in
                  [1e-12, 1] S, as train requires (and train takes at most
                  256 p points). --device-csv is a synonym of --csv.
                  Several cycles: a header 'cycle,branch,conductance'
                  and records 'cycle,branch,conductance'; the curve is
                  the cycles' mean, and a note gives the variation δ/μ
                  of a pulse's step from cycle to cycle (what --c2c
                  draws); --cycle-stats FILE writes their statistics
                  per pulse.

      Pulses: by default N potentiation pulses then N depression pulses, or N
      potentiation pulses then one reset for a unidirectional device, with N
      from --pulses (default n_max, --states, or the longest measured branch).
      --sequence replaces this with a comma list of steps: pN (N potentiation
      pulses, p = p1), dN (depression), r or rN (reset), e.g. p64,d64,r,p10.
      A depression pulse leaves a unidirectional device unchanged.

      Variation: --sigma σ gives each device a scale X ~ N(1, σ²) on its whole
      curve (Lim Fig. 13; a draw X <= 0 is drawn again until above 0, as
      train's default negative_scale does, or with --negative-scale dead a
      dead device at 0 S, fold |X|); --offset δ an
      additive offset ~ N(0, (δ·G_min)²) (Choi Fig. 6C; a device offset below
      −G_min rests at 0 S after a reset and climbs a full step a pulse, as
      train's devices do); --c2c δ/μ multiplies
      every step by (1 + δ/μ·N(0,1)) (Choi Fig. 6B). --devices N prints N
      sampled devices; all draws are fixed by --seed.

      Output (stdout): CSV with header 'pulse,polarity,conductance'; pulse is
      the event number (0 = initial state, a reset counts as one event),
      polarity is start, p, d or r. Several curves print one column each,
      named beta=B, device=I or beta=B/device=I. --normalize prints
      (G - G_min)/(G_max - G_min) of the nominal model instead of G (a single
      curve's column is then named normalized_conductance).
      --svg FILE also draws the curves as an SVG chart (a device file's
      cycles grey behind its mean, with the default sequence).

      Exit status: 0 on success, 64 for bad options or impossible parameters
      (e.g. --gmax <= --gmin, --nmax < 1, --states < 2, --k <= 0, negative σ),
      1 when the --csv file cannot be read or is malformed, or the SVG cannot
      be written, 74 when standard output cannot be written. --gmax, --beta,
      --k, --sigma, --offset and --c2c have train's ranges (e.g. --sigma ≤ 10,
      --gmax ≤ 1 S).
      """,
    options: [
      OptionSpec("--device", "<name>", "lim (default), choi or measured (the default with --csv or --device-csv)."),
      OptionSpec("--beta", "<b[,b...]>", "lim: nonlinearity β ≥ 0, or a comma list (default 2)."),
      OptionSpec("--beta-p", "<b>", "lim: potentiation nonlinearity βp (default --beta)."),
      OptionSpec("--beta-d", "<b>", "lim: depression nonlinearity βd (default --beta)."),
      OptionSpec("--nmax", "<n>", "lim: dynamic range, pulses from G_min to G_max (default 64)."),
      OptionSpec("--unidirectional", nil, "lim: potentiation and reset only."),
      OptionSpec("--states", "<n>", "choi: pulses from G_min to G_max, ≥ 2 (default 50)."),
      OptionSpec("--k", "<k>", "choi: area scale k > 0; conductances divided by k (default 1)."),
      OptionSpec("--bidirectional", nil, "choi: also step down on depression pulses."),
      OptionSpec("--gmin", "<S>", "lim, choi: minimum conductance in S (default: training's, lim 0, choi 1e-6)."),
      OptionSpec("--gmax", "<S>", "lim, choi: maximum conductance in S (default 1e-5)."),
      OptionSpec("--csv", "<file>", "measured: the device data (branch,conductance rows)."),
      OptionSpec("--device-csv", "<file>", "measured: the same as --csv (train's name for the file)."),
      OptionSpec("--pulses", "<n>", "Pulses per branch of the default sequence (at least 1)."),
      OptionSpec("--sequence", "<spec>", "Steps pN, dN, r, comma-separated, e.g. p64,d64,r,p10."),
      OptionSpec("--c2c", "<x>", "Cycle-to-cycle variation δ/μ of each step (default 0)."),
      OptionSpec("--sigma", "<x>", "Device-to-device scale σ of X ~ N(1, σ²) (default 0)."),
      OptionSpec("--negative-scale", "<dead|fold|redraw>", "A scale X ≤ 0: a dead device at 0 S, |X|, or X drawn again (default redraw, as train)."),
      OptionSpec("--offset", "<x>", "Device-to-device offset δ/G_min (default 0)."),
      OptionSpec("--devices", "<n>", "Number of sampled devices per curve, 1…1000 (default 1)."),
      OptionSpec("--seed", "<n>", "Seed of every random draw (default 1)."),
      OptionSpec("--normalize", nil, "Print (G - G_min)/(G_max - G_min) instead of G."),
      OptionSpec("--svg", "<file>", "Also write an SVG chart of conductance vs pulse."),
      OptionSpec("--cycle-stats", "<file>", "--device measured with a file of several cycles: write a CSV a row per branch and pulse, the cycles' mean and standard deviation there and of the step to the next pulse, and the step's δ/μ (state-dependent variation, as PCM's)."),
    ])

  /// Upper limits that keep the output and the run time sane.
  static let maxPulses = 1_000_000
  static let maxDevices = 1_000
  static let maxValues = 10_000_000

  enum Step: Equatable {
    case potentiate, depress, reset
    var polarity: String {
      switch self {
      case .potentiate: "p"
      case .depress: "d"
      case .reset: "r"
      }
    }
  }

  struct Curve {
    var label: String
    var model: any DeviceModel
  }

  static func run(_ args: ParsedArguments) throws {
    // Variation and population size (usage errors before any file is read).
    let sigma = try nonNegative(args, "--sigma")
    let offset = try nonNegative(args, "--offset")
    let c2c = try nonNegative(args, "--c2c")
    let devices = try args.int("--devices", default: 1)
    guard (1...maxDevices).contains(devices) else {
      throw CLIError.usage("--devices \(raw(args, "--devices")) must be in 1...\(maxDevices)")
    }
    let seed = try args.uint64("--seed", default: 1)
    if args.string("--negative-scale") != nil && !(sigma > 0) {
      throw CLIError.usage("--negative-scale applies to the scales of --sigma > 0; without them it would be ignored")
    }
    let negativeText = args.string("--negative-scale") ?? "redraw"
    guard let negative = DeviceVariation.NegativeScale(rawValue: negativeText) else {
      throw CLIError.usage("--negative-scale \(negativeText): must be dead, fold or redraw")
    }
    let variation = DeviceVariation(
      deviceToDeviceScale: sigma, deviceToDeviceOffset: offset, cycleToCycle: c2c, negativeScale: negative)

    // A device file given alone is the measured device (train's
    // --device-csv needs no --device either).
    let device = args.string("--device") ?? (args.string("--csv") ?? args.string("--device-csv") != nil ? "measured" : "lim")
    // Notes on a measured file, printed once the curves are written: a
    // usage error found later keeps "Error:" first on standard error.
    var notes: [String] = []
    // A measured file's cycles, drawn behind the device's curve.
    var cycles: MeasuredCycles? = nil
    let defaultPulses: Int
    let curves: [Curve]
    let title: String
    switch device {
    case "lim":
      try reject(["--states", "--k", "--bidirectional", "--csv", "--device-csv"], device: device, args)
      (curves, defaultPulses, title) = try limCurves(args)
      // The device model goes further than training, whose states are
      // bytes: say so rather than show a curve train refuses.
      if let n = try args.int("--nmax"), n > 255 {
        notes.append("note: --nmax \(n): the device model's curve; train takes n_max 1…255")
      }
    case "choi":
      try reject(
        ["--beta", "--beta-p", "--beta-d", "--nmax", "--unidirectional", "--csv", "--device-csv"],
        device: device, args)
      (curves, defaultPulses, title) = try choiCurves(args)
    case "measured":
      try reject(
        [
          "--beta", "--beta-p", "--beta-d", "--nmax", "--unidirectional", "--states",
          "--k", "--bidirectional", "--gmin", "--gmax",
        ], device: device, args)
      (curves, defaultPulses, title) = try measuredCurves(args, notes: &notes, cycles: &cycles)
    default:
      throw CLIError.usage("--device '\(device)' is unknown (expected lim, choi or measured)")
    }
    try checkTrainingBounds(args)
    // δ is in units of G_min: at G_min 0 (Lim's default, as in training)
    // an offset would be silently none.
    if offset > 0, let m = curves.first?.model, m.minimumConductance == 0 {
      throw CLIError.usage("--offset \(raw(args, "--offset")) is in units of G_min, which is 0 for this device; give --gmin")
    }
    if let svg = args.string("--svg"), let csv = args.string("--csv") ?? args.string("--device-csv"),
      OutputFile.sameFile(svg, csv)
    {
      throw CLIError.usage("--svg \(svg) names the --csv file \(csv); it would be overwritten")
    }
    try OutputFile.refuseStandardOutput(
      [("--svg", args.string("--svg")), ("--cycle-stats", args.string("--cycle-stats"))], carrying: "the pulse CSV")
    // Before the curves are printed: an unwritable chart fails first.
    if let svg = args.string("--svg") { try OutputFile.check(svg, "the chart") }
    if let stats = args.string("--cycle-stats") {
      guard device == "measured" else { throw CLIError.usage("--cycle-stats does not apply to --device \(device): it describes a measured file's cycles") }
      guard let cycles else {
        throw CLIError.usage("--cycle-stats needs a device file of several cycles (a header 'cycle,branch,conductance' and a cycle column)")
      }
      for other in ["--csv", "--device-csv", "--svg"] {
        if let o = args.string(other), OutputFile.sameFile(stats, o) {
          throw CLIError.usage("--cycle-stats \(stats) names the \(other) file; it would be overwritten")
        }
      }
      try OutputFile.check(stats, "the cycle statistics")
      try OutputFile.write(cycleStatistics(cycles), to: stats)
    }

    // The pulse sequence.
    let bidirectional = curves.allSatisfy { $0.model.isBidirectional }
    let steps = try sequence(args, defaultPulses: defaultPulses, bidirectional: bidirectional)

    let values = curves.count * devices * (steps.count + 1)
    guard values <= maxValues else {
      throw CLIError.usage(
        "the output would have \(values) values (\(curves.count) curve(s) × \(devices) "
          + "device(s) × \(steps.count + 1) rows); at most \(maxValues): "
          + "reduce --devices, --pulses or --sequence")
    }

    // Expand to one column per (curve, device).
    let normalize = args.has("--normalize")
    var labels: [String] = []
    var columns: [[Double]] = []
    for curve in curves {
      let values: [[Double]]
      do {
        values = try simulate(
          curve.model, steps: steps, devices: devices, variation: variation, seed: seed,
          normalize: normalize)
      } catch let e as ConfigurationError {
        throw usageError(e, args)
      }
      for (i, column) in values.enumerated() {
        var label = curve.label
        if devices > 1 { label = label == "conductance" ? "device=\(i)" : "\(label)/device=\(i)" }
        // (--normalize prints (G − G_min)/(G_max − G_min), not siemens.)
        if normalize && label == "conductance" { label = "normalized_conductance" }
        labels.append(label)
        columns.append(column)
      }
    }

    // Finite inputs can still give a flat curve (--normalize divides by
    // G_max − G_min) or overflow (a huge σ or offset): not an answer.
    if let bad = zip(labels, columns).first(where: { !$0.1.allSatisfy(\.isFinite) }) {
      throw CLIError.runtime(
        "\(bad.0): a conductance is not finite"
          + (normalize ? " (--normalize needs G_max > G_min)" : "") + "; check the device's range, --sigma and --offset")
    }

    // CSV on standard output.
    var out = "pulse,polarity," + labels.joined(separator: ",") + "\n"
    out.reserveCapacity((steps.count + 2) * (16 + 24 * columns.count))
    for e in 0...steps.count {
      out += String(e)
      out += e == 0 ? ",start" : "," + steps[e - 1].polarity
      for c in columns {
        out += ","
        out += "\(c[e])"
      }
      out += "\n"
    }
    try StandardOutput.write(out)

    if let path = args.string("--svg") {
      // The axis in the unit of the largest conductance (µS for a
      // synapse's: "5e-06" ticks were hard to read, a walkthrough of
      // session 49); the CSV stays in siemens.
      let (unit, scale) = normalize ? ("", 1.0) : conductanceUnit(columns.map { $0.max() ?? 0 }.max() ?? 0)
      var plot = SVGLinePlot(
        title: title, xLabel: "Pulse number",
        yLabel: normalize ? "Normalized conductance (G - Gmin)/(Gmax - Gmin)" : "Conductance (\(unit))")
      let x = (0...steps.count).map(Double.init)
      for (label, column) in zip(labels, columns) {
        plot.series.append(.init(label: label, x: x, y: column.map { $0 / scale }))
      }
      // A file's cycles as measured, behind the device made of their mean,
      // where the default sequence lines them up: the p rows from pulse 0,
      // the d rows from the first depression pulse on.
      if let cycles, cycles.count > 1, args.string("--sequence") == nil, let model = curves.first?.model {
        let gMin = model.minimumConductance, range = model.maximumConductance - gMin
        let shown = { (g: Double) in normalize ? (g - gMin) / range : g / scale }
        let firstDown = steps.firstIndex { $0.polarity == "d" }
        // At most 200 cycles, evenly chosen (a review, session 55: 373,737
        // made a 35 MB chart).
        let drawn = cycles.count <= 200 ? Array(0..<cycles.count) : (0..<200).map { $0 * cycles.count / 200 }
        for c in drawn {
          let p = cycles.potentiation[c].prefix(steps.count + 1)
          plot.background.append(.init(label: "", x: p.indices.map(Double.init), y: p.map(shown)))
          if let d0 = firstDown, !cycles.depression[c].isEmpty {
            let d = cycles.depression[c].prefix(steps.count + 1 - d0)
            plot.background.append(.init(label: "", x: d.indices.map { Double(d0 + $0) }, y: d.map(shown)))
          }
        }
        plot.backgroundLabel = drawn.count < cycles.count ? "measured cycles (200 of \(cycles.count))" : "measured cycles (\(cycles.count))"
      }
      try OutputFile.write(plot.render(), to: path)
    }
    var err = StandardError()
    for note in notes { print(note, to: &err) }
  }

  /// A cycle file's statistics, a row per branch and pulse (`--cycle-stats`):
  /// the cycles (as cut to the shortest), their mean and sample standard
  /// deviation at the pulse, in siemens, and of the step from it to the
  /// next pulse, with the step's δ/μ (empty at a branch's last pulse, and
  /// δ/μ where the mean step is 0).
  static func cycleStatistics(_ cycles: MeasuredCycles) -> String {
    var out = "branch,pulse,cycles,mean_S,sd_S,step_mean_S,step_sd_S,step_variability\n"
    func stats(_ v: [Double]) -> (mean: Double, sd: Double) {
      let mean = v.reduce(0, +) / Double(v.count)
      let sd = v.count > 1 ? (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1)).squareRoot() : 0
      return (mean, sd)
    }
    for (branch, branches) in [("p", cycles.potentiation), ("d", cycles.depression)] where !branches[0].isEmpty {
      for n in 0..<branches[0].count {
        let g = stats(branches.map { $0[n] })
        out += "\(branch),\(n),\(branches.count),\(g.mean),\(g.sd)"
        if n + 1 < branches[0].count {
          let d = stats(branches.map { $0[n + 1] - $0[n] })
          out += ",\(d.mean),\(d.sd),\(d.mean != 0 ? String(abs(d.sd / d.mean)) : "")"
        } else {
          out += ",,,"
        }
        out += "\n"
      }
    }
    return out
  }

  /// The unit of a conductance axis whose largest value is `top` siemens:
  /// the SI prefix (S, mS, µS, nS, pS) that puts it in [1, 1000), S for 0.
  static func conductanceUnit(_ top: Double) -> (name: String, scale: Double) {
    for (name, scale) in [("S", 1.0), ("mS", 1e-3), ("µS", 1e-6), ("nS", 1e-9)] where top >= scale { return (name, scale) }
    return top > 0 ? ("pS", 1e-12) : ("S", 1)
  }

  // MARK: - Devices

  static func limCurves(_ args: ParsedArguments) throws -> ([Curve], Int, String) {
    let (gMin, gMax) = try conductanceRange(args, defaultGMin: 0)
    let nMax = try args.int("--nmax", default: 64)
    guard nMax >= 1 else {
      throw CLIError.usage("--nmax \(raw(args, "--nmax")) must be at least 1")
    }
    // The device model's own bound, below the pulse count's: two limits
    // had been named, 500000 and 100000 (a walkthrough, session 52).
    guard nMax <= min(maxPulses / 2, LimExponentialDevice.largestNMax) else {
      throw CLIError.usage(
        "--nmax \(raw(args, "--nmax")) must be at most \(min(maxPulses / 2, LimExponentialDevice.largestNMax)) (the device model's range; train takes 1…255)")
    }
    let betas = try args.doubles("--beta") ?? [2]
    for b in betas where b < 0 {
      throw CLIError.usage("--beta \(raw(args, "--beta")) must be non-negative")
    }
    let betaP = try nonNegativeOrNil(args, "--beta-p")
    let betaD = try nonNegativeOrNil(args, "--beta-d")
    if betas.count > 1 && (betaP != nil || betaD != nil) {
      throw CLIError.usage(
        "--beta-p and --beta-d cannot be combined with a list in --beta '\(raw(args, "--beta"))'")
    }
    let bidirectional = !args.has("--unidirectional")
    var curves: [Curve] = []
    for b in betas {
      let model = LimExponentialDevice(
        gMin: gMin, gMax: gMax, betaP: betaP ?? b, betaD: betaD ?? b, nMax: nMax,
        isBidirectional: bidirectional)
      curves.append(
        Curve(label: betas.count > 1 ? "beta=\(number(b))" : "conductance", model: model))
    }
    let betaText =
      betaP != nil || betaD != nil
      ? "betaP \(number(betaP ?? betas[0])), betaD \(number(betaD ?? betas[0]))"
      : "beta \(betas.map(number).joined(separator: ", "))"
    return (curves, nMax, "lim: \(betaText), nmax \(nMax)")
  }

  static func choiCurves(_ args: ParsedArguments) throws -> ([Curve], Int, String) {
    let (gMin, gMax) = try conductanceRange(args, defaultGMin: 1e-6)
    let states = try args.int("--states", default: 50)
    guard states >= 2 else {
      throw CLIError.usage("--states \(raw(args, "--states")) must be at least 2")
    }
    guard states <= maxPulses / 2 else {
      throw CLIError.usage("--states \(raw(args, "--states")) must be at most \(maxPulses / 2)")
    }
    guard states <= 100_000 else {
      throw CLIError.usage("--states \(raw(args, "--states")) must be at most 100000 (train's range)")
    }
    let k = try args.double("--k", default: 1)
    guard k > 0 else { throw CLIError.usage("--k \(raw(args, "--k")) must be positive") }
    let model = FiniteStateDevice(
      states: states, gMin: gMin, gMax: gMax, areaScale: k,
      isBidirectional: args.has("--bidirectional"))
    return (
      [Curve(label: "conductance", model: model)], states,
      "choi: \(states) states, k \(number(k))"
    )
  }

  static func measuredCurves(
    _ args: ParsedArguments, notes: inout [String], cycles: inout MeasuredCycles?
  ) throws -> ([Curve], Int, String) {
    if let a = args.string("--csv"), let b = args.string("--device-csv") {
      throw CLIError.usage("--csv and --device-csv are two names of one option (the device file), given twice (\(a) and \(b)): give one")
    }
    guard let path = args.string("--csv") ?? args.string("--device-csv") else {
      throw CLIError.usage("--device measured needs --csv <file> (or --device-csv <file>)")
    }
    let model: MeasuredDevice
    // Read here, not by MeasuredDevice.load: a regular file, of bounded size.
    let data = try ProblemFile.read(path)
    guard let text = MeasuredDevice.text(of: data) else {
      throw CLIError.runtime("\(path): is not text (UTF-8 or Windows-1252)")
    }
    if data.count > TrainingConfiguration.maxDeviceBytes {
      // (A walkthrough, session 42: drawn here, refused by train.)
      notes.append(
        "note: \(path): \(data.count) bytes; train --device-csv takes at most \(TrainingConfiguration.maxDeviceBytes) (8 MiB): remove comment lines, digits, points or cycles")
    }
    do {
      // Training's device stays within the potentiation branch's range
      // (method c's depression stops at G_min, the first p point): so
      // does this curve, and --normalize divides by that range.
      let (read, found) = try MeasuredDevice.read(csv: text, source: path)
      cycles = found
      model = try MeasuredDevice(potentiation: read.potentiation, depression: read.depression, withinPotentiation: true)
    } catch let e as ConfigurationError {
      throw CLIError.runtime(e.description)
    }
    // As `train` reads it: conductances in siemens, the maximum a device's
    // G_max (data in µS rather than S are an error, not a curve).
    if let top = model.potentiationEnvelope.last, let problem = TrainingConfiguration.measuredMaximumProblem(top) {
      throw CLIError.runtime("\(path): \(problem)")
    }
    let n = max(model.potentiation.count, model.depression.count) - 1
    let name = URL(fileURLWithPath: path).lastPathComponent
    // Training's methods a and b and rules hybrid and single put pulse n on
    // point n; this curve (method c's device) inverts the conductance and
    // steps over a flat stretch: say where the two part.
    let up = model.potentiationEnvelope
    let top = up.firstIndex(of: up[up.count - 1])!
    // First, as `train` says it: a far read moves the mean curve.
    if let cycles, let (count, far) = cycles.outlyingReads() {
      notes.append(TrainCommand.outlierReadsNote(path, count: count, far))
    }
    // An isolated maximum (an outlier) ends training's device there, and
    // this curve's potentiation stays at it: said as `train` says it.
    let later = up.count - 1 - top
    let isolated =
      later > 0
      ? TrainCommand.isolatedMaximumNote(
        path, pulse: top, later: later, largestLater: model.potentiation[(top + 1)...].max()!,
        maximum: up[up.count - 1], first: up[0], unit: { "\(number($0)) S" }) : nil
    // The flat pulses up to the maximum, where training's devices end, as
    // `train` names them; the points after it are the next notes' (a
    // walkthrough, session 63: a spike's 4 later points had been named
    // here as flat pulses stepped over and there as left out).
    if let flat = TrainCommand.flatPulses(Array(up[...top])) {
      notes.append(
        "note: \(path): the potentiation branch is flat at \(flat) (its running maximum); this curve steps over them as rule lim's conductance states do (method c, or sigma_c2c or b_margin), while methods a and b on integer states and rules hybrid and single take one pulse a point (G_max at pulse \(top))")
    }
    if let isolated {
      notes.append(isolated + " (this curve, which draws the whole file, stays at the maximum over them)")
    } else if later > 0 {
      notes.append(
        TrainCommand.pastSaturationNote(path, pulse: top, later: later)
          + " (this curve, which draws the whole file, stays at the maximum over them)")
    }
    // Drawn here whatever its length, but `train` takes at most 255
    // pulses to the maximum: say so before a run finds it out.
    if top > 255 {
      notes.append("note: \(path): \(top) pulses from the first point to the maximum; train --device-csv takes at most 255 (256 points)")
    }
    // As `train` says it (far below since session 49: siemens under a µS
    // header drew a 5e-12 S device without a word, a FET researcher's
    // walkthrough).
    if let note = TrainCommand.unitNote(path, gMax: up[up.count - 1]) { notes.append(note) }
    // A depression branch at or above G_max never moves the device (train
    // refuses it for method c).
    if let low = model.depressionEnvelope.last, low >= up[up.count - 1] {
      notes.append("note: \(path): the depression branch never goes below G_max (\(number(up[up.count - 1])) S): a d pulse leaves the device where it is")
    }
    // As `train --method c` says it (session 63: `pulses` had said
    // nothing): this curve's depression stops where the data end.
    if let last = model.depressionEnvelope.last, last > up[0] {
      notes.append(TrainCommand.depressionAboveGMinNote(path, last: last, gMin: up[0], subject: "method c (and this curve)"))
    }
    if cycles == nil, let drop = MeasuredCycles.dropBack(model.potentiation) {
      notes.append(TrainCommand.dropBackNote(path, drop))
    }
    // As `train` says it: the cycles' mean is the device drawn, and their
    // steps' variation is what --c2c would draw.
    if let cycles {
      // Depression down to G_min, where training's device stops.
      let floor = model.depressionEnvelope.firstIndex { $0 <= up[0] } ?? model.depression.count - 1
      let (text, offered) = TrainCommand.cyclesSummary(
        path, subject: "the curve", count: cycles.count, cut: cycles.cut, leftOut: cycles.leftOut, pulses: top,
        potentiation: MeasuredCycles.stepVariability(cycles.potentiation, steps: top),
        robust: MeasuredCycles.robustStepVariability(cycles.potentiation, steps: top),
        depression: MeasuredCycles.stepVariability(cycles.depression, steps: floor))
      notes.append(text + (offered.map { "; --c2c \(String(format: "%.3g", $0.value))\($0.which) gives the drawn curves that variation" } ?? ""))
    }
    return ([Curve(label: "conductance", model: model)], n, "measured: \(name)")
  }

  // MARK: - Simulation

  /// Runs `steps` on `devices` sampled devices; one column of length
  /// steps.count + 1 per device.
  static func simulate<Model: DeviceModel>(
    _ model: Model, steps: [Step], devices: Int, variation: DeviceVariation,
    seed: UInt64, normalize: Bool
  ) throws -> [[Double]] {
    var population = try DevicePopulation(
      model: model, count: devices, variation: variation, seed: seed)
    let gMin = model.minimumConductance
    let range = model.maximumConductance - gMin
    func value(_ i: Int) -> Double {
      let g = population.conductance(i)
      return normalize ? (g - gMin) / range : g
    }
    var columns = (0..<devices).map { i -> [Double] in
      var c = [Double]()
      c.reserveCapacity(steps.count + 1)
      c.append(value(i))
      return c
    }
    for step in steps {
      for i in 0..<devices {
        switch step {
        case .potentiate: population.potentiate(i)
        case .depress: population.depress(i)
        case .reset: population.reset(i)
        }
        columns[i].append(value(i))
      }
    }
    return columns
  }

  // MARK: - Parsing helpers

  /// Parses `--sequence`, or builds the default train.
  static func sequence(
    _ args: ParsedArguments, defaultPulses: Int, bidirectional: Bool
  ) throws -> [Step] {
    if let spec = args.string("--sequence") {
      if args.string("--pulses") != nil {
        throw CLIError.usage("--pulses cannot be combined with --sequence '\(spec)'")
      }
      var steps: [Step] = []
      for token in spec.split(separator: ",", omittingEmptySubsequences: false) {
        let t = token.trimmingCharacters(in: .whitespaces).lowercased()
        let bad = CLIError.usage(
          "--sequence '\(spec)': bad step '\(token)' (expected pN, dN or rN, e.g. p64,d64,r,p10)")
        guard let first = t.first else { throw bad }
        let step: Step
        switch first {
        case "p": step = .potentiate
        case "d": step = .depress
        case "r": step = .reset
        default: throw bad
        }
        let rest = t.dropFirst()
        let n = rest.isEmpty ? 1 : Int(rest)
        guard let n, n >= 1 else { throw bad }
        guard n <= maxPulses - steps.count else {
          throw CLIError.usage("--sequence '\(spec)' has more than \(maxPulses) steps")
        }
        steps.append(contentsOf: repeatElement(step, count: n))
      }
      return steps
    }
    let n = try args.int("--pulses", default: defaultPulses)
    // (0 printed the start alone, as `--sequence p0` is refused: a fuzz,
    // session 69.)
    guard n >= 1 else {
      throw CLIError.usage("--pulses \(raw(args, "--pulses")) must be at least 1")
    }
    guard n <= maxPulses / 2 else {
      // The default comes from the device (e.g. a measured curve's longest
      // branch) when --pulses was not given.
      let given = args.string("--pulses") != nil
      throw CLIError.usage(
        given
          ? "--pulses \(raw(args, "--pulses")) must be at most \(maxPulses / 2)"
          : "the device's \(n) pulses per branch\(args.string("--csv").map { " (\($0))" } ?? args.string("--device-csv").map { " (\($0))" } ?? "") exceed \(maxPulses / 2); give --pulses or --sequence")
    }
    let down: [Step] = bidirectional ? Array(repeating: .depress, count: n) : [.reset]
    return Array(repeating: .potentiate, count: n) + down
  }

  /// `--gmin` and `--gmax`, checked: 0 ≤ G_min < G_max. The defaults
  /// are training's devices: G_max 10 µS (`gmax`), and G_min 0 for Lim's
  /// (`gmin_ratio` 0) or 1 µS for Choi's (`gmin_ratio` 0.1 for rules hybrid
  /// and single).
  static func conductanceRange(_ args: ParsedArguments, defaultGMin: Double) throws -> (Double, Double) {
    let gMin = try args.double("--gmin", default: defaultGMin)
    let gMax = try args.double("--gmax", default: 1e-5)
    guard gMin >= 0 else {
      throw CLIError.usage("--gmin \(raw(args, "--gmin")) must be non-negative")
    }
    guard gMax > gMin else {
      throw CLIError.usage(
        "--gmax \(raw(args, "--gmax", default: gMax)) must be greater than "
          + "--gmin \(raw(args, "--gmin", default: gMin))")
    }
    return (gMin, gMax)
  }

  /// The options `train` shares (as keys), held to train's ranges: e.g.
  /// `--sigma` ≤ 10 and `--gmax` ≤ 1 S, where every conductance printed
  /// stays a physical one. The rules are TrainingConfiguration's own.
  static func checkTrainingBounds(_ args: ParsedArguments) throws {
    let keys = [
      ("--sigma", "sigma"), ("--c2c", "c2c"), ("--offset", "d2d"), ("--gmax", "gmax"), ("--k", "k"),
      ("--beta-p", "beta_p"), ("--beta-d", "beta_d"),
    ]
    // Each value alone, against train's defaults for every other key; a
    // list in --beta one value at a time.
    var settings = keys.compactMap { option, key in args.string(option).map { (option, key, $0) } }
    for b in try args.doubles("--beta") ?? [] { settings.append(("--beta", "beta", "\(b)")) }
    for (option, key, value) in settings {
      var c = TrainingConfiguration()
      // With the --nmax given: a β too steep for it (`validate` checks
      // that every pulse moves Lim's device) is refused for the n_max the
      // curves have.
      if key != "nmax", let n = args.string("--nmax") { try? c.set("nmax", n) }
      do {
        try c.set(key, value)
        try c.validate()
      } catch let e as ConfigurationError {
        throw CLIError.usage("\(option) \(raw(args, option)): \(e.message)")
      }
    }
  }

  static func nonNegative(_ args: ParsedArguments, _ name: String) throws -> Double {
    try nonNegativeOrNil(args, name) ?? 0
  }

  static func nonNegativeOrNil(_ args: ParsedArguments, _ name: String) throws -> Double? {
    guard let v = try args.double(name) else { return nil }
    guard v >= 0 else { throw CLIError.usage("\(name) \(raw(args, name)) must be non-negative") }
    return v
  }

  /// The options that set each model or variation field.
  static let optionOfField = [
    "gMin": "--gmin", "gMax": "--gmax", "nMax": "--nmax", "betaP": "--beta-p",
    "betaD": "--beta-d", "states": "--states", "areaScale": "--k",
    "deviceToDeviceScale": "--sigma", "deviceToDeviceOffset": "--offset",
    "cycleToCycle": "--c2c",
  ]

  /// A validation error of the library, restated with the option that set
  /// the field (`--k 1e-320: areaScale = 1e-320 leaves no ...`).
  static func usageError(_ e: ConfigurationError, _ args: ParsedArguments) -> CLIError {
    guard var option = optionOfField[e.field] else { return .usage(e.description) }
    if (option == "--beta-p" || option == "--beta-d") && args.string(option) == nil {
      option = "--beta"
    }
    let value = args.string(option).map { " \($0)" } ?? ""
    return .usage("\(option)\(value): \(e.message)")
  }

  /// Options that do not apply to `device` are usage errors, not ignored.
  static func reject(_ names: [String], device: String, _ args: ParsedArguments) throws {
    for name in names where args.values[name] != nil || args.has(name) {
      throw CLIError.usage("\(name) does not apply to --device \(device)")
    }
  }

  /// The option's value as the user wrote it (or the default).
  static func raw(_ args: ParsedArguments, _ name: String, default d: Double? = nil) -> String {
    if let s = args.string(name) { return s }
    return d.map { "\($0) (default)" } ?? ""
  }

  /// A number without a trailing ".0" when it is an integer.
  static func number(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
  }
}
