import Circuit
import Foundation
import Trainer

/// `xbarsim bench read|solve`: release-build benchmarks of the circuit core.
/// (The side-by-side comparison with badcrossbar and ngspice is
/// `scripts/bench-solve`, which calls `xbarsim solve` on the same files.)
enum BenchCommand: CLICommand {
  static let spec = CommandSpec(
    name: "bench",
    abstract: "Benchmark the circuit kernels (build with -c release).",
    usage: "xbarsim bench read|solve|train|hybrid|write [--rows M] [--cols N] [--r OHMS] [--repeat K] [--seed S] [--data DIR] [--wires resistive --r-row R --r-col R --images N]",
    discussion: """
      bench read   ideal-wire reads of a differential array (default 784×200) from the
                   single-precision weight cache, forward with dense and with 19 % active
                   inputs (MNIST's density) and transposed; prints µs per read. With
                   --wires resistive (--r-row, --r-col, --wire-tolerance; default 785
                   rows, 50 repeats), resistive reads by the solver beside the ideal read.
      bench solve  nodal solves of random meshes (G uniform in [1e-6, 1e-4] S, v_in uniform
                   in [0, 1] V, r per segment) at 64×64, 128×128, 256×256 and 784×200, or at
                   --rows/--cols; prints seconds, iterations and residual.
      bench train  one epoch of online training of 784-200-10 with Lim's rule (β = 2,
                   n_max = 64, method b) on MNIST (--data, default data/mnist): training
                   images/s with evaluation excluded, the time of one evaluation of the
                   10,000 test images, peak memory; and the same network's float SGD speed.
                   With --wires resistive (--r-row, --r-col, --wire-tolerance), also the
                   same network trained with resistive lines on the first --images
                   training images (default 2000): images/s beside the ideal-wire speed,
                   solver iterations per read, and the time of one resistive evaluation.
      bench hybrid one epoch each of Choi's 784-250-10 on MNIST with stochastic coincidence
                   updates (BL 64, c2c 0.34): the hybrid's dynamic phase (big arrays), its
                   fine phase (small arrays, a second epoch after a forced switch) and the
                   single pair, each on one thread and on two (--threads: the same
                   results), and float SGD (lr 0.1) in the same run.
      bench write  one row-by-row V/2 write slot through resistive lines (RowWriteSolver,
                   what --write-lines resistive solves; default 785×200, --r 1 Ω, G uniform
                   in [0, 10 µS], every second column driven): the bit lines' views, a row's
                   slot and a cell alone, beside the whole mesh's nodal solve of row 0's
                   slot, and the gap between their shares; then a fully parallel slot
                   (ParallelWriteSolver, --write-lines resistive for rules hybrid and
                   single: every 10th row and 20th column driven) beside the whole mesh's.
      Timings are the best of --repeat runs. On our 2-core machine (the other core
      busy) one repeat of bench train took 3 s and one of bench hybrid 22 s (six
      hybrid and single epochs and a float one, with their evaluations), so the
      defaults run for about 10 s and a minute. Peers side by side:
      scripts/bench-solve.
      An option the benchmark does not read is an error; an array has at most
      100,000,000 cells.
      """,
    options: [
      OptionSpec("--rows", "<m>", "Rows (drain lines)."),
      OptionSpec("--cols", "<n>", "Columns (source lines)."),
      OptionSpec("--r", "<ohms>", "Segment resistance for bench solve (default 1)."),
      OptionSpec("--repeat", "<k>", "Repetitions; the best is reported (default 2000 read, 50 resistive read, 5 solve, 3 train, 3 hybrid, 5 write; the whole mesh's solves of bench write at most 3)."),
      OptionSpec("--seed", "<s>", "Seed of the random array (default 1)."),
      OptionSpec("--data", "<dir>", "IDX directory for bench train and bench hybrid (default data/mnist)."),
      OptionSpec("--wires", "<ideal|resistive>", "bench read and train: also train with resistive lines."),
      OptionSpec("--r-row", "<Ω>", "bench read and train: word-line resistance per segment (default 1)."),
      OptionSpec("--r-col", "<Ω>", "bench read and train: bit-line resistance per segment (default 1)."),
      OptionSpec("--wire-tolerance", "<t>", "bench read and train: relative residual of resistive reads (default 1e-6)."),
      OptionSpec("--images", "<n>", "bench train: training images of the resistive run (default 2000)."),
    ],
    maxPositionals: 1, subcommands: ["read", "solve", "train", "hybrid"])

  /// The options each benchmark reads; any other is refused, not ignored.
  static let optionsOf: [String: Set<String>] = [
    "read": ["--rows", "--cols", "--repeat", "--seed", "--wires", "--r-row", "--r-col", "--wire-tolerance"],
    "solve": ["--rows", "--cols", "--r", "--repeat", "--seed"],
    "train": ["--data", "--wires", "--r-row", "--r-col", "--wire-tolerance", "--images", "--repeat"],
    "hybrid": ["--data", "--repeat"],
    "write": ["--rows", "--cols", "--r", "--repeat", "--seed"],
  ]

  /// The most cells of a benchmark's array (as `train` caps a network's
  /// synapses): M·N beyond it would overflow or exhaust memory.
  static let maxCells = 100_000_000

  static func run(_ args: ParsedArguments) throws {
    guard let what = args.positionals.first else { throw CLIError.usage("missing 'read', 'solve', 'train', 'hybrid' or 'write'") }
    guard let applicable = optionsOf[what] else {
      throw CLIError.usage("unknown benchmark '\(what)' (expected read, solve, train, hybrid or write)")
    }
    if let option = spec.options.map(\.name).first(where: { !applicable.contains($0) && args.values[$0] != nil }) {
      throw CLIError.usage("\(option) does not apply to 'bench \(what)'")
    }
    if args.string("--wires") != "resistive",
      let option = ["--r-row", "--r-col", "--wire-tolerance", "--images"].first(where: { args.string($0) != nil })
    {
      throw CLIError.usage("\(option) applies only with --wires resistive")
    }
    let seed = try args.uint64("--seed", default: 1)
    /// --repeat, ≥ 1 (not silently raised to 1).
    func repeats(default d: Int) throws -> Int {
      let k = try args.int("--repeat", default: d)
      guard k >= 1 else { throw CLIError.usage("--repeat must be ≥ 1, got \(k)") }
      return k
    }
    func checkShape(_ m: Int, _ n: Int) throws {
      guard m >= 1 else { throw CLIError.usage("--rows must be ≥ 1, got \(m)") }
      guard n >= 1 else { throw CLIError.usage("--cols must be ≥ 1, got \(n)") }
      let (cells, overflow) = m.multipliedReportingOverflow(by: n)
      guard !overflow, cells <= maxCells else {
        throw CLIError.usage("--rows \(m) × --cols \(n) is more than the \(maxCells) cells a benchmark array may have")
      }
    }
    switch what {
    case "read":
      let wires = args.string("--wires") ?? "ideal"
      guard wires == "ideal" || wires == "resistive" else {
        throw CLIError.usage("--wires expects ideal or resistive, got '\(wires)'")
      }
      let m = try args.int("--rows", default: wires == "resistive" ? 785 : 784), n = try args.int("--cols", default: 200)
      try checkShape(m, n)
      // The array's two conductance fields, weight cache and drive (about
      // 40 bytes a cell); a resistive read also holds a nodal solve per
      // polarity.
      let bytes = wires == "resistive" ? 2 * MemoryLimit.solveBytes(rows: m, columns: n) : 40 * Double(m) * Double(n)
      if let reason = MemoryLimit.shortfall(bytes) {
        throw CLIError.usage("--rows \(m) × --cols \(n): the read \(reason)")
      }
      if wires == "resistive" {
        let rRow = try args.double("--r-row", default: 1), rCol = try args.double("--r-col", default: 1)
        let tolerance = try args.double("--wire-tolerance", default: 1e-6)
        for (option, value) in [("--r-row", rRow), ("--r-col", rCol), ("--wire-tolerance", tolerance)] where !(value > 0) {
          throw CLIError.usage("\(option) must be > 0, got \(PulsesCommand.number(value))")
        }
        // Then train's rules for the same keys: a tolerance ≤ 0.01, and
        // G·r ≤ 1e9 at the 10 µS these arrays reach (train's gmax).
        _ = try resistiveConfiguration(args, TrainingConfiguration())
        try benchResistiveRead(
          m: m, n: n, rRow: rRow, rCol: rCol, tolerance: tolerance, repeats: try repeats(default: 50), seed: seed)
      } else {
        try benchRead(m: m, n: n, repeats: try repeats(default: 2000), seed: seed)
      }
    case "solve":
      let r = try args.double("--r", default: 1)
      guard r > 0 else { throw CLIError.usage("--r must be > 0 Ω, got \(PulsesCommand.number(r))") }
      guard r >= WireModel.smallestResistance else {
        throw CLIError.usage("--r: \(r) Ω is too small to solve (the benchmark's lines are resistive: ≥ 1e-150 Ω)")
      }
      var shapes = [(64, 64), (128, 128), (256, 256), (784, 200)]
      let rows = try args.int("--rows"), cols = try args.int("--cols")
      // One of them alone gives a square (it used to drop a lone --cols).
      if let m = rows ?? cols { shapes = [(m, cols ?? m)] }
      // The meshes' G reaches 1e-4 S: solve's bound on G·r applies.
      guard benchSolveMaxConductance * r <= WireModel.largestConductanceTimesResistance else {
        throw CLIError.usage(
          "--r \(args.string("--r") ?? "") Ω against G up to \(benchSolveMaxConductance) S (G·r = \(JSONWriter.number(benchSolveMaxConductance * r))) is beyond 1e9, where the nodal solve is too ill-conditioned to be trusted")
      }
      for (m, n) in shapes {
        try checkShape(m, n)
        if let reason = MemoryLimit.shortfall(MemoryLimit.solveBytes(rows: m, columns: n)) {
          throw CLIError.usage("--rows \(m) × --cols \(n): the solve \(reason)")
        }
      }
      try benchSolve(shapes: shapes, r: r, repeats: try repeats(default: 5), seed: seed)
    case "write":
      let r = try args.double("--r", default: 1)
      guard r >= WireModel.smallestResistance, r <= 1e6 else {
        throw CLIError.usage("--r must be in [1e-150, 1e6] Ω (both line kinds resistive, G·r ≤ 10 at 10 µS), got \(args.string("--r") ?? "")")
      }
      let m = try args.int("--rows", default: 785), n = try args.int("--cols", default: 200)
      try checkShape(m, n)
      if let reason = MemoryLimit.shortfall(MemoryLimit.solveBytes(rows: m, columns: n)) {
        throw CLIError.usage("--rows \(m) × --cols \(n): the whole-mesh solve \(reason)")
      }
      try benchWrite(m: m, n: n, r: r, repeats: try repeats(default: 5), seed: seed)
    case "train":
      try benchTrain(args, repeats: try repeats(default: 3))
    default:
      try benchHybrid(args, repeats: try repeats(default: 3))
    }
  }

  static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

  /// The largest conductance of bench solve's random meshes, in S.
  static let benchSolveMaxConductance = 1e-4

  /// `config` with the resistive-line options given (`--wires`, `--r-row`,
  /// `--r-col`, `--wire-tolerance`), checked by train's own rules: a usage
  /// error naming the option.
  static func resistiveConfiguration(
    _ args: ParsedArguments, _ config: TrainingConfiguration
  ) throws -> TrainingConfiguration {
    var wired = config
    for key in ["wires", "r_row", "r_col", "wire_tolerance"] {
      let option = "--" + key.replacingOccurrences(of: "_", with: "-")
      if let v = args.string(option) {
        do { try wired.set(key, v) } catch let e as ConfigurationError { throw CLIError.usage("\(option): \(e.message)") }
      }
    }
    do { try wired.validate() } catch let e as ConfigurationError {
      throw CLIError.usage("--\(e.field.replacingOccurrences(of: "_", with: "-")): \(e.message)")
    }
    return wired
  }

  static func benchRead(m: Int, n: Int, repeats: Int, seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    let array = DifferentialArray(rows: m, columns: n)
    array.setConductances(
      plus: (0..<(m * n)).map { _ in rng.nextUniform() },
      minus: (0..<(m * n)).map { _ in rng.nextUniform() })
    let dense = (0..<m).map { _ in Float(rng.nextUniform()) }
    let sparse = (0..<m).map { _ in rng.nextUniform() < 0.19 ? Float(rng.nextUniform()) : 0 }
    let back = (0..<n).map { _ in Float(rng.nextUniform() - 0.5) }
    var out = [Float](repeating: 0, count: max(m, n))
    var sink: Float = 0
    func time(_ direction: ReadDirection, _ input: [Float]) -> Double {
      var best = UInt64.max
      input.withUnsafeBufferPointer { inp in
        out.withUnsafeMutableBufferPointer { o in
          let ob = UnsafeMutableBufferPointer(rebasing: o[0..<(direction == .forward ? n : m)])
          for _ in 0..<3 { array.readIdeal(direction, input: inp, output: ob) }
          for _ in 0..<repeats {
            let t0 = now()
            array.readIdeal(direction, input: inp, output: ob)
            best = min(best, now() - t0)
            sink += ob[0]
          }
        }
      }
      return Double(best) * 1e-3
    }
    let f = time(.forward, dense), fs = time(.forward, sparse), t = time(.transposed, back)
    print("ideal read of a \(m)×\(n) differential array (G+ and G−, Float weight cache), best of \(repeats):")
    print(String(format: "  forward, dense inputs        %8.2f µs   (target ≤ 20 µs at 784×200)", f))
    print(String(format: "  forward, 19 %% active inputs  %8.2f µs", fs))
    print(String(format: "  transposed                   %8.2f µs", t))
    if sink.isNaN { print("") }
  }

  /// Resistive reads of an array like a trained 784-200-10's first layer:
  /// G uniform in [0, 10 µS], 19 % of the inputs active at up to 0.2 V.
  static func benchResistiveRead(
    m: Int, n: Int, rRow: Double, rCol: Double, tolerance: Double, repeats: Int, seed: UInt64
  ) throws {
    var rng = SeededGenerator(seed: seed)
    let wires = WireModel(rowSegmentResistance: rRow, columnSegmentResistance: rCol)
    let array = DifferentialArray(rows: m, columns: n, wires: wires)
    array.setConductances(
      plus: (0..<(m * n)).map { _ in 1e-5 * rng.nextUniform() },
      minus: (0..<(m * n)).map { _ in 1e-5 * rng.nextUniform() })
    let inputs = (0..<16).map { _ in (0..<m).map { _ in rng.nextUniform() < 0.19 ? Float(0.2 * rng.nextUniform()) : 0 } }
    let reader = ResistiveReader(rows: m, columns: n, wires: wires, options: .init(tolerance: tolerance))
    var out = [Float](repeating: 0, count: n)
    var best = UInt64.max, total: UInt64 = 0
    for k in 0..<repeats {
      let t0 = now()
      try inputs[k % inputs.count].withUnsafeBufferPointer { i in
        try out.withUnsafeMutableBufferPointer { o in try reader.read(array, .forward, input: i, output: o) }
      }
      let dt = now() - t0
      best = min(best, dt)
      total += dt
    }
    print("resistive forward read of a \(m)×\(n) differential array (G ∈ [0, 10 µS], each input active with probability 0.19 at ≤ 0.2 V,")
    print("r_row \(rRow) Ω, r_col \(rCol) Ω, tolerance \(tolerance)), both polarities, \(repeats) reads:")
    print(String(format: "  best %.3f ms, mean %.3f ms, %.2f iterations per mesh", Double(best) * 1e-6,
      Double(total) * 1e-6 / Double(repeats), Double(reader.iterations) / Double(reader.solves)))
    // How large the IR drop is: the G+ mesh's output currents against its
    // ideal Kirchhoff sums Σ_i G_ij·V_i, for the first input.
    let v = inputs[0].map(Double.init)
    let solved = try reader.readout(array, .forward, voltages: v).plus
    let g = array.conductances(.plus)
    var ratios: [Double] = []
    for j in 0..<n {
      var ideal = 0.0
      for i in 0..<m { ideal += g[i * n + j] * v[i] }
      if ideal > 0 { ratios.append(solved[j] / ideal) }
    }
    if ratios.isEmpty {
      // (No active input: 0/0, which had printed as 0.000, all signal
      // lost: a walkthrough, session 63.)
      print("  IR drop: no column has a non-zero ideal sum (no input active in the first draw)")
    } else {
      print(String(format: "  IR drop: output current / ideal sum, G+ mesh: mean %.3f, min %.3f, max %.3f",
        ratios.reduce(0, +) / Double(ratios.count), ratios.min()!, ratios.max()!))
    }
    var t = [Float](repeating: 0, count: m * n)
    let t0 = now()
    try t.withUnsafeMutableBufferPointer { try reader.transferMatrix(array, into: $0.baseAddress!) }
    print(String(format: "  transfer matrix (%ld unit solves per polarity): %.3f s, %.2f iterations per solve",
      min(m, n), Double(now() - t0) * 1e-9, Double(reader.transferIterations) / Double(reader.transferSolves)))
  }

  static func benchTrain(_ args: ParsedArguments, repeats: Int) throws {
    var lim = TrainingConfiguration()
    lim.evaluationsPerEpoch = 10
    // The resistive run's options, checked before the data are read and
    // the ideal epochs run (an error after them cost a minute).
    var wired = try resistiveConfiguration(args, lim)
    if wired.wires == .resistive {
      let images = try args.int("--images", default: 2000)
      guard images >= 1 else { throw CLIError.usage("--images must be ≥ 1, got \(images)") }
      wired.trainLimit = images
      wired.evaluationsPerEpoch = 1
      wired.shuffle = false
    }
    let (train, test) = try TrainCommand.datasets(args)
    var float = lim
    float.rule = .float
    print("one epoch of \(train.count) MNIST images, 784-200-10, best of \(repeats) (training only, evaluation excluded):")
    var bestLim: TrainingResult? = nil, bestFloat: TrainingResult? = nil
    // Every run's speed is printed too: on a VM single runs vary widely,
    // and the best alone would hide it.
    var limSpeeds: [Double] = [], floatSpeeds: [Double] = []
    for _ in 0..<repeats {
      let r = try Experiment(configuration: lim, train: train, test: test).run()
      limSpeeds.append(r.imagesPerSecond)
      if r.imagesPerSecond > (bestLim?.imagesPerSecond ?? 0) { bestLim = r }
      let f = try Experiment(configuration: float, train: train, test: test).run()
      floatSpeeds.append(f.imagesPerSecond)
      if f.imagesPerSecond > (bestFloat?.imagesPerSecond ?? 0) { bestFloat = f }
    }
    func runs(_ v: [Double]) -> String { v.map { String(format: "%.0f", $0) }.joined(separator: ", ") }
    guard let bestLim, let bestFloat else { return }
    var resistive: TrainingResult? = nil
    if wired.wires == .resistive {
      let r = try Experiment(configuration: wired, train: train, test: test).run()
      if let failure = r.failure { throw CLIError.runtime(failure) }
      resistive = r
    }
    print(String(format: "  Lim rule, β 2, n_max 64, method b  %8.0f images/s  (%.3f s per epoch, %ld pulses, %.2f %% test)",
      bestLim.imagesPerSecond, bestLim.secondsTrain, bestLim.pulses, bestLim.testAccuracy))
    print(String(format: "  float SGD, lr 0.01                %8.0f images/s  (%.3f s per epoch, %.2f %% test)",
      bestFloat.imagesPerSecond, bestFloat.secondsTrain, bestFloat.testAccuracy))
    print(String(format: "  ratio Lim/float                   %8.2f", bestLim.imagesPerSecond / bestFloat.imagesPerSecond))
    print("  every run, in order: Lim \(runs(limSpeeds)); float \(runs(floatSpeeds)) images/s")
    if let r = resistive {
      print(String(format: "  resistive lines, r_row %@ Ω, r_col %@ Ω, tolerance %@: first %ld images, in order, one run:",
        JSONWriter.number(wired.rowSegmentResistance) as NSString, JSONWriter.number(wired.columnSegmentResistance) as NSString,
        JSONWriter.number(wired.wireTolerance) as NSString, r.trainImages))
      print(String(format: "  Lim rule, resistive lines         %8.1f images/s  (ideal wires above: %.0f images/s, %.0f× faster)",
        r.imagesPerSecond, bestLim.imagesPerSecond, bestLim.imagesPerSecond / max(r.imagesPerSecond, 1e-9)))
      print(String(format: "  solver iterations per read (G+ or G− mesh): %.2f; %.2f %% test after %ld images",
        Double(r.solverIterations) / Double(max(1, r.solverSolves)), r.testAccuracy, r.trainImages))
      print(String(format: "  one resistive evaluation of %ld test images: %.2f s (transfer matrices by unit solves, both cores)",
        test.count, r.secondsEvaluateMin))
      print("  target with resistive lines: ≥ 100 images/s")
    }
    print(String(format: "  one evaluation of %ld test images: %.1f ms (both cores; best of %ld, mean %.1f ms)", test.count,
      bestLim.secondsEvaluateMin * 1e3, bestLim.points.count,
      bestLim.secondsEvaluate * 1e3 / Double(max(1, bestLim.points.count))))
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(String(format: "  peak memory (max RSS): %.0f MB", Double(usage.ru_maxrss) / 1024))
    print("  targets: ≥ 100,000 images/s; evaluation ≤ 30 ms; memory ≤ 200 MB")
  }

  static func benchHybrid(_ args: ParsedArguments, repeats: Int) throws {
    let (train, test) = try TrainCommand.datasets(args)
    var base = TrainingConfiguration()
    base.layers = [784, 250, 10]
    base.evaluationsPerEpoch = 1
    var hybrid = base
    hybrid.rule = .hybrid
    hybrid.epochs = 2
    hybrid.switchThreshold = 99.99  // forced switch after epoch 1
    var single = base
    single.rule = .single
    var float = base
    float.rule = .float
    float.learningRate = 0.1
    float.floatDerivative = .true
    print("one epoch of \(train.count) MNIST images, 784-250-10, best of \(repeats) (training only, evaluation excluded):")
    // Hybrid and single on one thread and on two (`threads`: the same
    // results), then float SGD (one thread).
    let runs: [(String, TrainingConfiguration, Int)] = [
      ("hybrid k 10, 50 states, dynamic (big)", hybrid, 1), ("hybrid k 10, 50 states, fine (small)", hybrid, 1),
      ("single pair, 50 states", single, 1),
      ("hybrid k 10, 50 states, dynamic (big)", hybrid, 2), ("hybrid k 10, 50 states, fine (small)", hybrid, 2),
      ("single pair, 50 states", single, 2),
    ]
    var best = [Double](repeating: .infinity, count: runs.count + 1)
    var pulses = [Int](repeating: 0, count: runs.count)
    for _ in 0..<repeats {
      for threads in [1, 2] {
        let o = threads == 1 ? 0 : 3
        var h = hybrid, s = single
        h.threads = threads
        s.threads = threads
        let hr = try Experiment(configuration: h, train: train, test: test).run()
        for (k, e) in hr.epochs.prefix(2).enumerated() where e.seconds < best[o + k] {
          best[o + k] = e.seconds
          pulses[o + k] = e.pulses
        }
        let sr = try Experiment(configuration: s, train: train, test: test).run()
        if sr.secondsTrain < best[o + 2] { best[o + 2] = sr.secondsTrain; pulses[o + 2] = sr.pulses }
      }
      let f = try Experiment(configuration: float, train: train, test: test).run()
      best[runs.count] = min(best[runs.count], f.secondsTrain)
    }
    let n = Double(train.count)
    for (k, run) in runs.enumerated() {
      let name = "\(run.0), \(run.2) thread\(run.2 == 1 ? "" : "s")".padding(toLength: 50, withPad: " ", startingAt: 0)
      print(String(format: "  %@ %8.0f images/s  (%.3f s per epoch, %.1f pulses per image)", name as NSString, n / best[k],
        best[k], Double(pulses[k]) / n))
    }
    let floatName = "float SGD, lr 0.1, 1 thread".padding(toLength: 50, withPad: " ", startingAt: 0)
    print(String(format: "  %@ %8.0f images/s  (%.3f s per epoch)", floatName as NSString, n / best[runs.count], best[runs.count]))
    print(String(format: "  ratio hybrid (slower phase)/float: %.2f on 1 thread, %.2f on 2",
      min(n / best[0], n / best[1]) / (n / best[runs.count]), min(n / best[3], n / best[4]) / (n / best[runs.count])))
    print("  target: ≥ 30,000 images/s for the hybrid with stochastic coincidence updates")
  }

  static func benchSolve(shapes: [(Int, Int)], r: Double, repeats: Int, seed: UInt64) throws {
    print("nodal solve, r_row = r_col = \(r) Ω, G ∈ [1e-6, 1e-4] S, v_in ∈ [0, 1] V, best of \(repeats):")
    print("  size        seconds   iterations  residual")
    let solver = NodalSolver()
    for (m, n) in shapes {
      var rng = SeededGenerator(seed: seed &+ UInt64(m * 100_000 + n))
      let g = (0..<(m * n)).map { _ in 1e-6 + (benchSolveMaxConductance - 1e-6) * rng.nextUniform() }
      let v = (0..<m).map { _ in rng.nextUniform() }
      let mesh = CrossbarMesh(
        rows: m, columns: n, conductance: g,
        wires: WireModel(rowSegmentResistance: r, columnSegmentResistance: r), rowVoltages: v)
      var best = UInt64.max
      var sol: MeshSolution? = nil
      for k in 0..<repeats {
        // A mesh of a million cells or more takes seconds a solve: each
        // begun is told (a walkthrough, session 84: 10,000×10,000 printed
        // nothing for tens of seconds while its memory grew).
        if m * n >= 1_000_000 {
          var err = StandardError()
          print("bench solve: \(m)×\(n): solve \(k + 1) of \(repeats)…", to: &err)
        }
        let t0 = now()
        do { sol = try solver.solve(mesh) } catch { throw CLIError.runtime("\(m)×\(n): \(error)") }
        best = min(best, now() - t0)
      }
      let label = "\(m)×\(n)".padding(toLength: 10, withPad: " ", startingAt: 0)
      print(String(format: "  %@ %9.5f   %5d       %.1e", label as NSString,
        Double(best) * 1e-9, sol!.iterations, sol!.relativeResidual))
    }
  }

  /// `bench write`: one row-by-row V/2 write slot through the lines
  /// (`RowWriteSolver`, what `write_lines resistive` solves per update and
  /// slot) beside the whole mesh's nodal solve of the same slot, its
  /// reference: the times and the gap between their shares.
  static func benchWrite(m: Int, n: Int, r: Double, repeats: Int, seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    let gMax = 1e-5
    let g = (0..<(m * n)).map { _ in gMax * rng.nextUniform() }
    let driven = (0..<n).filter { $0 % 2 == 0 }.map(Int32.init)
    let wires = WireModel(rowSegmentResistance: r, columnSegmentResistance: r)
    let solver = RowWriteSolver(rows: m, columns: n, wires: wires)
    var shares = [Double](repeating: 0, count: driven.count)
    var prepare = UInt64.max, slot = UInt64.max, alone = UInt64.max
    var sink = 0.0
    g.withUnsafeBufferPointer { gp in
      driven.withUnsafeBufferPointer { dp in
        shares.withUnsafeMutableBufferPointer { sp in
          for _ in 0..<repeats {
            var t0 = now()
            solver.prepare(gp.baseAddress!)
            prepare = min(prepare, now() - t0)
            t0 = now()
            for i in 0..<m { solver.slot(row: i, columns: dp.baseAddress!, count: dp.count, conductance: gp.baseAddress!, into: sp.baseAddress!) }
            slot = min(slot, now() - t0)
            sink += sp[0]
            t0 = now()
            for i in 0..<m { for j in 0..<n { sink += solver.cellShare(row: i, column: j, conductance: gp.baseAddress!) } }
            alone = min(alone, now() - t0)
          }
          solver.slot(row: 0, columns: dp.baseAddress!, count: dp.count, conductance: gp.baseAddress!, into: sp.baseAddress!)
        }
      }
    }
    // The whole mesh: row 0's slot (the farthest from the bit lines'
    // drivers), every line behind its terminal.
    let selected = Set(driven.map(Int.init))
    let mesh = CrossbarMesh(
      rows: m, columns: n, conductance: g, wires: wires,
      rowTerminations: (0..<m).map { .source(volts: $0 == 0 ? 0.5 : 0) },
      columnTerminations: (0..<n).map { .source(volts: selected.contains($0) ? -0.5 : 0) })
    let (whole, solution) = try wholeMesh(mesh, repeats: repeats)
    let exact = driven.map { solution.wordNodeVoltage[Int($0)] - solution.bitNodeVoltage[Int($0)] }
    let perSlot = Double(slot) / Double(m), perCell = Double(alone) / Double(m * n)
    func t(_ ns: Double) -> String { ns >= 1e6 ? String(format: "%.3f ms", ns * 1e-6) : String(format: "%.2f µs", ns * 1e-3) }
    print("write slots through the lines (RowWriteSolver), \(m)×\(n), r_row = r_col = \(JSONWriter.number(r)) Ω, G ∈ [0, 1e-5] S, \(driven.count) of \(n) columns driven, best of \(repeats):")
    print("  the bit lines' views (prepare, once per update and array)  \(t(Double(prepare)))")
    print("  one row's slot (its word line)                              \(t(perSlot)) (mean over the \(m) rows)")
    print("  one cell written alone (after its row's pass)               \(t(perCell)) (mean over the \(m * n) cells)")
    print("  the whole mesh's nodal solve of row 0's slot (NodalSolver)  \(t(Double(whole))) (\(solution.iterations) iteration\(solution.iterations == 1 ? "" : "s"), best of \(min(repeats, 3))): \(String(format: "%.0f", Double(whole) / (Double(prepare) + perSlot)))× prepare + slot")
    // An update of MNIST's kind drives about 19 % of the rows, a slot each.
    let k = max(1, m * 19 / 100)
    // (The whole mesh's k solves are k times the one timed above, not run:
    // a walkthrough, session 63, took them for measured; and "19 %" had
    // been printed whatever k/m was.)
    print("  an update of \(k) row slot\(k == 1 ? "" : "s") (\(k) of \(m) rows, \(String(format: "%.0f", 100 * Double(k) / Double(m))) %; an MNIST update drives about 19 %): \(t(Double(prepare) + Double(k) * perSlot)) against \(k) × \(t(Double(whole))) = \(t(Double(k) * Double(whole))) of whole-mesh solves (one timed), \(String(format: "%.0f", Double(k) * Double(whole) / (Double(prepare) + Double(k) * perSlot)))×")
    print(shareLine("row 0's shares of V", model: shares, exact: exact))
    if sink.isNaN { print("  (NaN share)") }
    try benchParallelWrite(m: m, n: n, wires: wires, g: g, repeats: repeats)
  }

  /// The whole mesh's nodal solve (1e-12), timed: the best of up to three.
  static func wholeMesh(_ mesh: CrossbarMesh, repeats: Int) throws -> (UInt64, MeshSolution) {
    var best = UInt64.max
    var solution: MeshSolution? = nil
    for _ in 0..<min(repeats, 3) {
      let t0 = now()
      do { solution = try NodalSolver(options: .init(tolerance: 1e-12)).solve(mesh) } catch { throw CLIError.runtime("the whole mesh: \(error)") }
      best = min(best, now() - t0)
    }
    return (best, solution!)
  }

  /// The fully parallel slot of rules hybrid and single
  /// (`ParallelWriteSolver`): every 10th row and every 20th column driven
  /// at once, beside the whole mesh's nodal solve of the same slot.
  static func benchParallelWrite(m: Int, n: Int, wires: WireModel, g: [Double], repeats: Int) throws {
    let rows = stride(from: 0, to: m, by: 10).map(Int32.init), cols = stride(from: n - 1, through: 0, by: -20).map(Int32.init)
    let solver = ParallelWriteSolver(rows: m, columns: n, wires: wires)
    let gf = g.map(Float.init)
    var best = UInt64.max
    for _ in 0..<repeats {
      let t0 = now()
      _ = gf.withUnsafeBufferPointer { solver.solve(rows: rows, rowCount: rows.count, columns: cols, columnCount: cols.count, conductance: $0.baseAddress!, scale: 1) }
      best = min(best, now() - t0)
    }
    let model = rows.flatMap { i in cols.map { solver.share(row: Int(i), column: Int($0)) } }
    let dr = Set(rows.map(Int.init)), dc = Set(cols.map(Int.init))
    let mesh = CrossbarMesh(
      rows: m, columns: n, conductance: gf.map(Double.init), wires: wires,
      rowTerminations: (0..<m).map { .source(volts: dr.contains($0) ? 0.5 : 0) },
      columnTerminations: (0..<n).map { .source(volts: dc.contains($0) ? -0.5 : 0) })
    let (whole, solution) = try wholeMesh(mesh, repeats: repeats)
    let exact = rows.flatMap { i in cols.map { solution.wordNodeVoltage[Int(i) * n + Int($0)] - solution.bitNodeVoltage[Int(i) * n + Int($0)] } }
    func t(_ ns: Double) -> String { ns >= 1e6 ? String(format: "%.3f ms", ns * 1e-6) : String(format: "%.2f µs", ns * 1e-3) }
    func lines(_ n: Int, _ kind: String) -> String { "\(n) \(kind)\(n == 1 ? "" : "s")" }
    print("a parallel slot (ParallelWriteSolver, rules hybrid and single): \(lines(rows.count, "row")) and \(lines(cols.count, "column")) driven at once:")
    print("  the driven lines relaxed to 1e-10 of V                      \(t(Double(best))) (\(solver.lastSweeps) sweep\(solver.lastSweeps == 1 ? "" : "s"))")
    print("  the whole mesh's nodal solve of the slot (NodalSolver)      \(t(Double(whole))) (\(solution.iterations) iteration\(solution.iterations == 1 ? "" : "s"), best of \(min(repeats, 3))): \(String(format: "%.0f", Double(whole) / Double(best)))×")
    print(shareLine("the coincidences' shares of V", model: model, exact: exact))
  }

  /// The model's shares against the whole mesh's: the least of each and
  /// the whole mesh's minus the model's, by sign (a walkthrough, session
  /// 63: "the model below by -5e-3 to 5e-3" said below where it was above
  /// for some cells).
  static func shareLine(_ what: String, model: [Double], exact: [Double]) -> String {
    let gap = zip(model, exact).map { $1 - $0 }
    let (low, high) = (gap.min()!, gap.max()!)
    let where_ =
      low >= 0
      ? String(format: "the model below it by %.2e to %.2e of V", low, high)
      : high <= 0
        ? String(format: "the model above it by %.2e to %.2e of V", -high, -low)
        : String(format: "the model from %.2e of V above it to %.2e below (%ld of %ld cells above)", -low, high, gap.filter { $0 < 0 }.count, gap.count)
    return String(format: "  \(what): least %.4f (the whole mesh %.4f); ", model.min()!, exact.min()!) + where_
  }
}
