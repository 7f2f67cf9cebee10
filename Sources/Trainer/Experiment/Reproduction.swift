import Circuit

/// One run of a figure's sweep: what varies, and the paper's number.
public struct ReproductionRun: Sendable {
  public var figure: Int
  /// The column of the sweep ("β = 2", "batch 5", …).
  public var label: String
  public var configuration: TrainingConfiguration
  /// The paper's average accuracy for this point (percent), where the
  /// paper states it.
  public var paper: Double?
  /// Where the run is drawn in the figure's plot (`reproduce --plot`):
  /// one place, or more when a panel reuses it (Choi's Figure 6B and 6C
  /// start from 6A's 50-state hybrid, at the default c2c and d2d).
  public var places: [FigurePlace] = []
  public var hiddenLayers: Int { configuration.layers.count - 2 }
  /// A label without the settings it carries in brackets when the run is
  /// not the paper's ("n_max = 64 [epochs 2]": "n_max = 64").
  public static func withoutSettings(_ label: String) -> Substring {
    guard label.hasSuffix("]"), let open = label.range(of: " [", options: .backwards) else { return Substring(label) }
    return label[..<open.lowerBound]
  }
  /// on-chip, off-chip or software.
  public var learning: String {
    configuration.rule == .float ? "software" : configuration.mode.rawValue
  }

  /// The runs built on `base`, checked against the same runs built on the
  /// defaults (`reference`): a run whose value of one of `setting` (the
  /// keys the paper states for its runs: the device, the network, the
  /// rule) differs is no longer the paper's run, so its label names the
  /// values it has ("hybrid, 50 states [states 20, k 5]") and it has no
  /// paper number. Keys where the paper is silent (the neuron, the
  /// comparator, the negative scales, …) leave the comparison standing.
  static func marking(_ runs: [ReproductionRun], reference: [ReproductionRun], setting: [String]) -> [ReproductionRun] {
    zip(runs, reference).map { run, ref in
      let mine = Dictionary(run.configuration.keyValues, uniquingKeysWith: { a, _ in a })
      let theirs = Dictionary(ref.configuration.keyValues, uniquingKeysWith: { a, _ in a })
      // Only keys the run's rule reads (FP has no devices, a single pair
      // no k), and the g-states only where they are not the states.
      let ignored = Set(run.configuration.ignoredKeys.map(\.key))
      let changed = setting.filter { key in
        guard mine[key] != theirs[key], !ignored.contains(key) else { return false }
        // Software has no lines (a run of it with resistive ones is refused,
        // under its own name).
        if key == "wires" && run.configuration.rule == .float { return false }
        // A controller told of stuck devices where there are none runs the
        // paper's run.
        if key == "stuck_known" { return run.configuration.namesStuckDevices }
        if key == "small_states" { return mine["small_states"] != mine["states"] || theirs["small_states"] != theirs["states"] }
        // Stochastic or deterministic trains are one update, the paper's
        // (it does not say how it made its pulses); the sign rule is Lim's.
        if key == "encoding" { return (mine[key] == "sign") != (theirs[key] == "sign") }
        // The network past its input layer, whose size the data set (as
        // they are left to the user).
        if key == "layers" {
          func past(_ v: String?) -> String { v.map { String($0.drop { $0 != "," }) } ?? "" }
          return past(mine[key]) != past(theirs[key])
        }
        return true
      }
      guard !changed.isEmpty else { return run }
      var r = run
      r.label += " [" + changed.map { "\($0) \(mine[$0].map { $0.isEmpty ? "none" : $0 } ?? "none")" }.joined(separator: ", ") + "]"
      r.paper = nil
      return r
    }
  }
}

/// A run's point in a figure's plot: its panel (an index into the
/// figure's `FigurePanel`s), the line it belongs to, and its x value (for a
/// panel of categories, its index there, and `category` its name).
public struct FigurePlace: Sendable, Equatable {
  public var panel: Int
  public var series: String
  public var x: Double
  public var category: String?

  public init(panel: Int = 0, series: String, x: Double, category: String? = nil) {
    self.panel = panel
    self.series = series
    self.x = x
    self.category = category
  }
}

/// One panel of a figure's plot: its title, what its x axis is, and how
/// the axis is drawn (linear, logarithmic or by category; the ticks are at
/// the sweep's values).
public struct FigurePanel: Sendable, Equatable {
  public enum Scale: Sendable, Equatable { case linear, log, categories }
  /// A quantity of each epoch (`EpochRecord`), drawn against the epoch;
  /// or the test accuracy at each evaluation point, drawn against the
  /// training images (`pointAccuracy`, Lim's Figure 7).
  public enum Curve: Sendable, Equatable { case testAccuracy, updateFrequency, meanSquaredError, pointAccuracy }
  public var title: String
  public var xLabel: String
  public var scale: Scale
  /// Drawn as curves, a line per series through the seeds' mean at each
  /// epoch (or evaluation point), instead of one point per run (nil).
  public var metric: Curve?
  /// The y axis's label, when not the figure's.
  public var yLabel: String?

  public init(_ title: String, x xLabel: String, _ scale: Scale = .linear, metric: Curve? = nil, y yLabel: String? = nil) {
    self.title = title
    self.xLabel = xLabel
    self.scale = scale
    self.metric = metric
    self.yLabel = yLabel
  }
}

/// The sweeps of Lim et al. (2018), Figures 7, 8, 9, 10, 12 and 14, with the
/// paper's average accuracies (method b and software; the paper gives no
/// numbers for methods a and c). Every run uses the same defaults
/// (`TrainingConfiguration()`) except what the figure varies.
public enum LimReproduction {
  public static let figures = [7, 8, 9, 10, 12, 14]

  /// The keys of Lim's stated setting (`ReproductionRun.marking`).
  /// The network past its input layer: "784 input, 200 hidden, and ten
  /// output neurons" (Figure 12 sets its own; the input layer is the
  /// data's, left to the user as the data are: a run on other images is
  /// still compared). Until session 63 the layers were left out, and a
  /// 784-32-10 network had been compared with the paper's numbers (a
  /// walkthrough). The paper
  /// states its output: softmax and cross-entropy (`loss`); one epoch
  /// ("the epoch is just one (60000 iterations)"; session 43: a 3-epoch
  /// run had been compared with the one-epoch numbers); and the off-chip
  /// transfer our reading takes for it (`transfer states`: Choices). And
  /// its data's size, MNIST's 60,000 training and 10,000 test images
  /// (`train_limit`, `test_limit`; session 44: a subset had been compared).
  /// And its arrays' ideal lines, the Kirchhoff sum (`wires`; session 65: a
  /// walkthrough found Figure 14 through resistive lines compared with
  /// the paper's numbers). And its devices that all switch (`stuck_off`,
  /// `stuck_on`; session 72's review: a run with stuck devices was
  /// compared). And its off-chip programming by pulse count, exact
  /// (`program_noise`, `program_verify`).
  public static let setting = [
    "rule", "method", "learning", "transfer", "device_csv", "beta_p", "beta_d", "nmax", "batch", "sigma", "sigma_c2c", "program_noise", "program_verify", "stuck_off", "stuck_on", "stuck_map",
    "b_margin", "lr", "loss", "epochs", "train_limit", "test_limit", "layers", "wires",
  ]

  /// Figure 12's one number at 3 epochs: "When the training epoch is 3,
  /// the average accuracy of the 3-hidden layer neural networks increases
  /// to 95.10%" (software BP, the black solid circle).
  public static let threeHiddenSoftwareAtThreeEpochs = 95.10

  public static func runs(figure: Int, base: TrainingConfiguration) -> [ReproductionRun] {
    var runs = ReproductionRun.marking(
      build(figure: figure, base: base), reference: build(figure: figure, base: TrainingConfiguration()), setting: setting)
    if figure == 12 && base.epochs == 3, let k = runs.firstIndex(where: { $0.label == "3 hidden, software [epochs 3]" }) {
      runs[k].paper = threeHiddenSoftwareAtThreeEpochs
    }
    return runs
  }

  /// The panels of a figure's plot, as the paper draws them (its runs'
  /// `places` index these).
  public static func panels(figure: Int) -> [FigurePanel] {
    switch figure {
    case 7:
      return (0...3).map { b in
        FigurePanel(
          "7\(["A", "B", "C", "D"][b]): β = \(b) (n_max 64, batch 1)", x: "training images", metric: .pointAccuracy,
          y: "test accuracy (%)")
      }
    case 8: return [FigurePanel("Figure 8: nonlinearity (n_max 64, batch 1)", x: "nonlinearity β")]
    case 9: return [FigurePanel("Figure 9: dynamic range (β 2, batch 1)", x: "dynamic range n_max (pulses)", .log)]
    case 10: return [FigurePanel("Figure 10: mini-batch (β 2, n_max 64)", x: "mini-batch size", .log)]
    case 12: return [FigurePanel("Figure 12: hidden layers (n_max 64, batch 1, method b)", x: "hidden layers")]
    case 14: return [FigurePanel("Figure 14: device-to-device variation (β 2, n_max 64, method b)", x: "σ of the device scale X")]
    default: return []
    }
  }

  static func build(figure: Int, base: TrainingConfiguration) -> [ReproductionRun] {
    var out: [ReproductionRun] = []
    func add(
      _ label: String, _ paper: Double?, _ series: String, _ x: Double, _ change: (inout TrainingConfiguration) -> Void
    ) {
      var c = base
      // Lim's on-chip rule unless the run says otherwise (software, off-chip).
      c.rule = .lim
      c.mode = .onChip
      change(&c)
      // Software BP has no converters: the periphery is the arrays' runs'.
      if c.rule == .float { c = c.idealPeriphery() }
      out.append(
        ReproductionRun(
          figure: figure, label: label, configuration: c, paper: paper, places: [FigurePlace(series: series, x: x)]))
    }
    switch figure {
    case 7:
      // Figure 8's runs seen over the epoch: the test accuracy at every
      // evaluation point, a panel per β (A–D) with methods a, b and c, and
      // software BP (continuous weights, no β) in each. The paper states
      // no number for it (Figure 8 gives the averages).
      for beta in [0.0, 1, 2, 3] {
        for method in UpdateMethod.paperMethods {
          add("β = \(Int(beta))", nil, "method \(method.rawValue)", 0) {
            $0.method = method; $0.betaP = beta; $0.betaD = beta; $0.nMax = 64; $0.batch = 1
          }
          out[out.count - 1].places = [FigurePlace(panel: Int(beta), series: "method \(method.rawValue)", x: 0)]
        }
      }
      add("software", nil, "software", 0) { $0.rule = .float; $0.batch = 1 }
      out[out.count - 1].places = (0...3).map { FigurePlace(panel: $0, series: "software", x: 0) }
    case 8:
      // n_max 64, batch 1; β = 0…3 for methods a, b, c.
      let paperB: [Double] = [95.36, 95.59, 94.80, 93.71]
      for method in UpdateMethod.paperMethods {
        for (k, beta) in [0.0, 1, 2, 3].enumerated() {
          add("β = \(Int(beta))", method == .b ? paperB[k] : nil, "method \(method.rawValue)", beta) {
            $0.method = method; $0.betaP = beta; $0.betaD = beta; $0.nMax = 64; $0.batch = 1
          }
        }
      }
    case 9:
      let paperB: [Double] = [92.96, 94.80, 94.71]
      for method in UpdateMethod.paperMethods {
        for (k, n) in [32, 64, 128].enumerated() {
          add("n_max = \(n)", method == .b ? paperB[k] : nil, "method \(method.rawValue)", Double(n)) {
            $0.method = method; $0.betaP = 2; $0.betaD = 2; $0.nMax = n; $0.batch = 1
          }
        }
      }
    case 10:
      let paperB: [Double] = [94.80, 95.64, 95.70, 80.42]
      for method in UpdateMethod.paperMethods {
        for (k, b) in [1, 2, 5, 10].enumerated() {
          add("batch \(b)", method == .b ? paperB[k] : nil, "method \(method.rawValue)", Double(b)) {
            $0.method = method; $0.betaP = 2; $0.betaD = 2; $0.nMax = 64; $0.batch = b
          }
        }
      }
    case 12:
      let shapes = [[784, 200, 10], [784, 300, 100, 10], [784, 400, 200, 100, 10]]
      let software: [Double] = [93.83, 96.19, 91.84]
      let hardware: [Double] = [95.36, 95.85, 94.45]
      for (k, shape) in shapes.enumerated() {
        let h = Double(k + 1)
        add("\(k + 1) hidden, software", software[k], "software", h) { $0.layers = shape; $0.rule = .float }
        add("\(k + 1) hidden, β = 0", hardware[k], "on-chip, β = 0", h) {
          $0.layers = shape; $0.method = .b; $0.betaP = 0; $0.betaD = 0; $0.nMax = 64
        }
        add("\(k + 1) hidden, β = 2", nil, "on-chip, β = 2", h) {
          $0.layers = shape; $0.method = .b; $0.betaP = 2; $0.betaD = 2; $0.nMax = 64
        }
      }
    case 14:
      let onChip: [Double] = [94.92, 94.81, 94.01]
      let offChip: [Double] = [94.67, 79.24, 57.34]
      for (k, s) in [0.0, 0.5, 1].enumerated() {
        add("σ = \(s), on-chip", onChip[k], "on-chip", s) {
          $0.method = .b; $0.betaP = 2; $0.betaD = 2; $0.nMax = 64; $0.sigma = s
        }
        add("σ = \(s), off-chip", offChip[k], "off-chip", s) {
          $0.method = .b; $0.betaP = 2; $0.betaD = 2; $0.nMax = 64; $0.sigma = s; $0.mode = .offChip
        }
      }
    default:
      break
    }
    return out
  }
}

/// The simulations of Choi et al. (2021), Figures 4, 5 and 6, with the
/// paper's test accuracies (error rates of Fig. 5F as 100 − error).
///
/// Every run is the paper's network and training: 784-250-10, batch 1,
/// learning rate 0.1 on the true gradient (`float_derivative true`),
/// one test evaluation per epoch; the devices are the configuration's
/// defaults (50 states, c2c 0.34, d2d 0, G_min/G_max 0.1, k 10,
/// stochastic trains of BL 64) except what the figure varies. The float
/// rows (FP) use the same network and learning rate, and no converters
/// (software: the peripheral keys are the arrays' runs').
public enum ChoiReproduction {
  public static let figures = [4, 5, 6]

  /// The keys of Choi's stated setting (`ReproductionRun.marking`): the
  /// devices (a measured one replaces the Mo/TiOx model), k, the network.
  /// The encoding only between Choi's coincidences (stochastic or
  /// deterministic: the paper does not say how its simulation turned ΔW
  /// into pulses) and Lim's sign rule (`--encoding sign` had left Figure
  /// 4's rows named and compared as Choi's: session 42). Not BL,
  /// `fine_trains` or G_min, our choices, nor the loss (it plots the MSE
  /// and names no output layer).
  /// The switch threshold too: "the value of 0.5 is adopted for this
  /// operation" (session 43: another value had kept the paper's numbers).
  /// And MNIST whole, "60,000 training and 10,000 test images"
  /// (`train_limit`, `test_limit`; session 44: a run on 2,000 images had
  /// its Δ against them). Not the epochs, which `--epochs` sets for every
  /// row and the table's title states (default 20; the paper's text gives no count).
  /// And its ideal lines (`wires`): the paper models no line resistance
  /// (session 65, as Lim's). And its devices that all switch
  /// (`stuck_off`, `stuck_on`, as Lim's: session 73), and the controller
  /// that knows them (`stuck_known`, with stuck devices: session 78).
  public static let setting = [
    "rule", "device_csv", "states", "small_states", "k", "c2c", "d2d", "stuck_off", "stuck_on", "stuck_map", "stuck_known", "lr", "batch", "encoding",
    "switch_threshold", "train_limit", "test_limit", "wires",
  ]

  public static func runs(figure: Int, base: TrainingConfiguration) -> [ReproductionRun] {
    ReproductionRun.marking(
      build(figure: figure, base: base), reference: build(figure: figure, base: TrainingConfiguration()), setting: setting)
  }

  /// The panels of a figure's plot (its runs' `places` index these).
  public static func panels(figure: Int) -> [FigurePanel] {
    switch figure {
    case 4:
      return [
        FigurePanel("Figure 4A: synapses (784-250-10, 50 states)", x: "synapse", .categories),
        FigurePanel("4A: test accuracy per epoch", x: "epoch", metric: .testAccuracy, y: "test accuracy (%)"),
        FigurePanel("4B: update frequency", x: "epoch", metric: .updateFrequency, y: "synapses updated per image (fraction)"),
        FigurePanel("4C: loss", x: "epoch", metric: .meanSquaredError, y: "mean squared error"),
      ]
    case 5: return [FigurePanel("Figure 5F: gain k of the small synapse (50-state big devices)", x: "k", .log)]
    case 6:
      return [
        FigurePanel("6A: states per device", x: "conductance states", .log),
        FigurePanel("6B: cycle-to-cycle variation", x: "c2c δ/μ"),
        FigurePanel("6C: device-to-device variation", x: "d2d δ/G_min"),
        FigurePanel("6D: 400 g-states", x: "synapse", .categories),
      ]
    default: return []
    }
  }

  static func build(figure: Int, base: TrainingConfiguration) -> [ReproductionRun] {
    var out: [ReproductionRun] = []
    func add(
      _ label: String, _ paper: Double?, _ places: (TrainingConfiguration) -> [FigurePlace],
      _ change: (inout TrainingConfiguration) -> Void
    ) {
      var c = base
      c.layers = [784, 250, 10]
      c.learningRate = 0.1
      c.floatDerivative = .true
      c.batch = 1
      c.evaluationsPerEpoch = 1
      change(&c)
      // FP is software, without converters: the periphery is the arrays' runs'.
      if c.rule == .float { c = c.idealPeriphery() }
      out.append(ReproductionRun(figure: figure, label: label, configuration: c, paper: paper, places: places(c)))
    }
    func rule(_ r: LearningRule) -> (inout TrainingConfiguration) -> Void { { $0.rule = r } }
    /// The n-th category of a panel, named as the run; in Figure 4 also a
    /// line of each per-epoch panel.
    func category(_ n: Int, _ name: String, panel: Int = 0) -> (TrainingConfiguration) -> [FigurePlace] {
      { _ in
        [FigurePlace(panel: panel, series: "measured", x: Double(n), category: name)]
          + (figure == 4 ? (1...3).map { FigurePlace(panel: $0, series: name, x: 0) } : [])
      }
    }
    switch figure {
    case 4:
      // Fig. 4A: FP 97.92 %, hybrid 97.00 % (50 states); the single
      // synapse saturates well below (no number).
      add("FP", 97.92, category(0, "FP"), rule(.float))
      add("single, 50 states", nil, category(1, "single, 50 states"), rule(.single))
      add("hybrid, 50 states", 97.00, category(2, "hybrid, 50 states"), rule(.hybrid))
      add("hybrid, sign rule (method b)", nil, category(3, "hybrid, sign rule (method b)")) {
        $0.rule = .hybrid; $0.encoding = .sign
      }
    case 5:
      // Fig. 5F: error rate versus k; 5.02 % at k = 100 with 50 g-states,
      // 3.42 % with 400 ("the number of conductance states of the
      // high-precision device"): the big devices keep 50.
      let paper: [String: Double] = ["10/50": 97.00, "100/50": 94.98, "10/400": 97.34, "100/400": 96.58]
      for small in [50, 400] {
        for k in [1.0, 10, 100] {
          let label = small == 50 ? "k = \(Int(k)), 50 states" : "k = \(Int(k)), 50 states, \(small) g-states"
          add(label, paper["\(Int(k))/\(small)"], { _ in [FigurePlace(series: "\(small) g-states", x: k)] }) {
            $0.rule = .hybrid; $0.k = k; $0.states = 50; $0.smallStates = small
          }
        }
      }
    case 6:
      // A: states of every device (hybrid 93.69 % and single 9.8 % at 10
      // states); B: c2c (robust up to δ/μ ≈ 1); C: d2d (robust up to
      // δ/G_min ≈ 1); D: 97.00 % with 50 states, 97.34 % "when the number
      // of g states increases to 400" (big devices at 50).
      let hybridPaper: [Int: Double] = [10: 93.69, 50: 97.00]
      let singlePaper: [Int: Double] = [10: 9.8]
      let c2cs = [0.0, 1, 2], d2ds = [0.5, 1, 2]
      for states in [10, 50, 400] {
        // The 50-state hybrid is also 6B's and 6C's point at the
        // configuration's c2c and d2d (0.34 and 0 by default), unless
        // B or C has a run there (`--c2c 1`: B's own c2c-1 run, the same
        // configuration), so no line has two points at one x.
        add("A: hybrid, \(states) states", hybridPaper[states], { c in
          var places = [FigurePlace(panel: 0, series: "hybrid", x: Double(states))]
          if states == 50 && !c2cs.contains(c.c2c) { places.append(FigurePlace(panel: 1, series: "hybrid", x: c.c2c)) }
          if states == 50 && !d2ds.contains(c.d2d) { places.append(FigurePlace(panel: 2, series: "hybrid", x: c.d2d)) }
          return places
        }) { $0.rule = .hybrid; $0.states = states }
        add("A: single, \(states) states", singlePaper[states], { _ in [FigurePlace(panel: 0, series: "single", x: Double(states))] }) {
          $0.rule = .single; $0.states = states
        }
      }
      for c2c in c2cs {
        add("B: hybrid, c2c \(c2c)", nil, { _ in [FigurePlace(panel: 1, series: "hybrid", x: c2c)] }) { $0.rule = .hybrid; $0.c2c = c2c }
      }
      for d2d in d2ds {
        add("C: hybrid, d2d \(d2d)", nil, { _ in [FigurePlace(panel: 2, series: "hybrid", x: d2d)] }) { $0.rule = .hybrid; $0.d2d = d2d }
      }
      add("D: hybrid, 50 states, 400 g-states", 97.34, category(0, "hybrid, 400 g-states", panel: 3)) {
        $0.rule = .hybrid; $0.states = 50; $0.smallStates = 400
      }
      add("D: FP", 97.92, category(1, "FP", panel: 3), rule(.float))
    default:
      break
    }
    return out
  }
}

/// On-chip training with IR drop against off-chip training transferred to
/// the same arrays (the analogue of Lim et al.'s Figure 14 for line
/// resistance, which no source paper shows): 784-200-10, method b, β = 2,
/// n_max 64, with r_row = r_col = r per segment on every array, for
/// r = 0, 1, 2.5 and 5 Ω. On-chip, every read of training and evaluation
/// is a nodal solve of the arrays with their lines. Off-chip, training
/// sees no lines, and what it ends with is programmed into arrays with
/// those lines, whose reads then see the IR drop: the device states of the
/// sign rule trained on ideal hardware (`transfer states`, the default),
/// and float SGD's weights (`transfer weights`).
public enum IRDropReproduction {
  /// Segment resistances of the sweep (Ω).
  public static let resistances: [Double] = [0, 1, 2.5, 5]

  /// The plot's one panel.
  public static let panels = [FigurePanel("IR drop: on-chip training against off-chip transfer", x: "r_row = r_col per segment (Ω)")]

  public static func runs(base: TrainingConfiguration) -> [ReproductionRun] {
    var out: [ReproductionRun] = []
    for r in resistances {
      for (mode, transfer) in [(LearningMode.onChip, base.transfer), (.offChip, .states), (.offChip, .weights)] {
        var c = base
        c.transfer = transfer
        c.rule = .lim
        c.method = .b
        c.betaP = 2
        c.betaD = 2
        c.nMax = 64
        c.mode = mode
        c.wires = .resistive
        c.rowSegmentResistance = r
        c.columnSegmentResistance = r
        let rText = r == r.rounded() ? String(Int(r)) : "\(r)"
        let what = mode == .onChip ? mode.rawValue : "\(mode.rawValue), \(transfer.rawValue)"
        out.append(
          ReproductionRun(
            figure: 0, label: "r = \(rText) Ω, \(what)", configuration: c, paper: nil,
            places: [FigurePlace(series: what, x: r)]))
      }
    }
    return out
  }
}
