import Circuit
import Foundation

/// Configuration keys: one name per parameter, shared by the command-line
/// options (`--beta 2`), JSON configuration files (`{"beta": 2}`), sweep
/// grids and the summaries, so that every spelling means the same thing.
extension TrainingConfiguration {
  /// Every key, with a one-line description and its value placeholder.
  /// A new key also goes to `set(_:_:)`, `allKeyValues` (and `keyValues`'
  /// filter, to be left out at its default), `ignoredKeys`, `validate()`,
  /// `Checkpoint.stateKeys` if the device states depend on it, and the
  /// oracles' `KNOWN_KEYS` (README, Architecture, "Extending").
  public static let keys: [(key: String, value: String, help: String)] = [
    ("layers", "<n,n,...>", "Neurons per layer, input first (default 784,200,10)."),
    ("rule", "<lim|float|hybrid|single>", "Learning rule: Lim's sign rule, float SGD, Choi's hybrid synapse, or one pair of its devices (default lim)."),
    ("method", "<a|b|c>", "What Lim's rule does when the device to pulse is at G_max (default b): a resets both devices and re-potentiates that one to the old weight; b resets the other and re-potentiates it to one step short of its old state, so the weight moves one step (the paper's proposal); c depresses the other one step (a bidirectional device). README, Choices."),
    ("learning", "<on-chip|off-chip>", "Train in the arrays, or in software then program them (default on-chip)."),
    ("transfer", "<states|weights>", "Off-chip: program the device states of the sign rule trained without variation, or float SGD's weights (default states)."),
    ("beta", "<β>", "Nonlinearity of potentiation and depression (default 2)."),
    ("beta_p", "<β>", "Nonlinearity of potentiation only (default: beta)."),
    ("beta_d", "<β>", "Nonlinearity of depression only, method c (default: beta)."),
    ("device_csv", "<file.csv>", "A measured device (CSV lines p,<siemens> in pulse order, and d,<siemens> for method c's depression, as pulses --device measured reads; a header may name the unit, e.g. branch,conductance (uS); several cycles under a header cycle,branch,conductance average to one device, and a note gives their step variation δ/μ) replaces Lim's curves (rule lim) or the linear device (rules hybrid and single: states = its pulses to G_max, c2c 0 unless given); sets nmax (the pulses from its first point to its first maximum; points measured after it are left out), gmin_ratio and gmax from it (default: none)."),
    ("nmax", "<n>", "Dynamic range: pulses from G_min to G_max, 1…255 (default 64)."),
    ("gmin_ratio", "<r>", "G_min/G_max of a device (default 0; 0.1 for hybrid and single)."),
    ("sigma", "<σ>", "Rule lim: device-to-device variation, σ of each device's scale X ~ N(1, σ²), its negative draws as negative_scale says (with redraw, a Gaussian cut at 0: from σ ≈ 1 on, a larger σ raises the mean of X more than its relative spread, sd/mean ≈ 0.63 at σ 1, 0.75 at σ 10) (default 0; rules hybrid and single take d2d)."),
    ("sigma_c2c", "<σ>", "Rule lim, on-chip: cycle-to-cycle variation, each identical pulse's step ΔG·(1 + σ·z), z ~ N(0, 1), ΔG the device's own step at its conductance, clamped to its range; the devices are then held as conductances and every update runs per synapse, several times slower (default 0; rules hybrid and single take c2c)."),
    ("b_margin", "<m>", "Rule lim, method b: G−'s re-potentiation at G_max stops once the next pulse's nominal step ΔG would bring W within m·ΔG above its old value, while G+ − (G− + ΔG) > W + m·ΔG, in [0, 1) (default 0: the paper's loop, whose last comparison is an exact tie that any sigma_c2c breaks; 0.5 makes it robust). With m > 0 the devices are held as conductances, as with sigma_c2c."),
    ("program_noise", "<s>", "Rule lim, off-chip: programming noise of the target array, each device landing at max(0, g + s·σ(g)·z) of its relative conductance g = G/G_max, σ(g) = (0.26348 + 1.9650·g − 1.1731·g²)/25 the fit to phase-change arrays of Nandakumar et al. (ICECS 2019; aihwkit's PCM model), 0.0105 at g 0 and 0.0422 at g 1, z drawn per device at every programming, in [0, 10] (default 0: each device lands on its state; 1: the fit). The devices are then held as conductances."),
    ("program_verify", "<none|devices|weights|mid>", "Rule lim, off-chip: how the target array is programmed. none (default, the paper's off-chip reading): by pulse count, each device landing at X·G(state), X its device-to-device scale. devices: by write-verify, each device to its state's conductance on the nominal curve (the ideal twin's G(state), or the float weight's nearest state). weights: by write-verify, each pair to its nominal weight W = G(s+) − G(s−), the device of W's sign at |W| above its partner's reset level and the partner reset. mid: by write-verify, each pair to W about the curve's middle, (G(0) + G(n_max))/2, as near it as both ranges allow (as weights where none does): for training on chip after programming, where weights' pairs at the curve's steep foot take steps 2.6–3.3× the twin's. A verified device lands as near its target as its own range X·[G(0), G(n_max)] allows; a device stuck open or shorted keeps its conductance (with weights and mid its partner is set to W against it). program_noise acts after it. The devices are then held as conductances."),
    ("stuck_off", "<f>", "Rules lim, hybrid and single: the fraction of devices, in [0, 1], stuck at 0 S (open, a failed forming) for the whole run, each of every layer's G+ and G− independently, from a seeded stream of its own (the other draws are those of 0): pulses and resets move a stuck device's state, as its controller does not know, but not its conductance; off-chip, the programmed arrays' devices. Rules hybrid and single: each of G+, G− (and g+, g−) independently, its conductance pinned at 0 S; a pulse finds it at its top, so the saturation pass handles it as any saturated device (unless stuck_known true), its pulses and resets booked at 0 S (default 0)."),
    ("stuck_on", "<f>", "Rules lim, hybrid and single: the fraction of devices, in [0, 1], stuck at G_max (shorted, a filament no reset dissolves) for the whole run, drawn with stuck_off from one uniform per device (stuck_off + stuck_on ≤ 1; the other draws are those of 0): a shorted device conducts the curve's G_max, G(n_max), without its scale X, while pulses and resets move its state, as its controller does not know; its pulses and resets dissipate at G(n_max); off-chip, the programmed arrays' devices. Rules hybrid and single: pinned at its kind's G_max (the big kind's, or the small kind's G_max/k), handled by the saturation pass as stuck_off's are, its pulses and resets booked there (default 0)."),
    ("stuck_map", "<file.csv>", "Rules lim, hybrid and single: stuck devices named by a CSV file, laid over those stuck_off and stuck_on draw (a device it names is stuck as its last record says): a header naming the columns layer,row,column,kind,polarity,state (kind optional: big), then a record per device or group; layer from 0, row 0…inputs (inputs: the bias row), column 0…outputs−1, each a number, a range a-b or *; kind big, small (rule hybrid's g±) or *; polarity plus, minus or *; state open (0 S) or shorted (G_max), as stuck_off and stuck_on model them; # lines are comments (default: none)."),
    ("stuck_known", "<true|false>", "Rules hybrid and single: the controller knows the stuck devices (those stuck_off, stuck_on and stuck_map make: a yield map loaded into it) and skips what can only rewrite them: no refresh after a pulse lost at a stuck device (Burr's reset of both would put its partner back where it was), and with encoding sign (method b) no reset and re-potentiation of a stuck device; the coincident update's pulses still reach stuck devices, as a row and a column drive every cell they cross (default false: the controller reads conductances only)."),
    ("drift_times", "<t,t,...>", "Rules lim (on and off chip), hybrid and single: after training, the test set is read again through the arrays at each of these times (seconds after the devices were programmed, each in [drift_t0, 1e12], ascending; comma-separated, at most 100; an empty value is none), every device's conductance drifted to G·(t/drift_t0)^(−ν), ν its own drift exponent: the summary's drift list and the run's result lines give each time's accuracy, uncompensated and with a drift compensation (global by default: each array's outputs rescaled by its reference read at drift_t0 over the same read at t; drift_compensation column gives each output column its own); the run's training and its other figures are unchanged (default none)."),
    ("drift_nu", "<ν>", "Mean conductance-drift exponent ν of drift_times, in [0, 1] (default 0: no drift; phase-change devices about 0.01–0.1)."),
    ("drift_nu_sigma", "<σ>", "Device-to-device σ of the drift exponent, in [0, 1]: each device's ν + σ·z, z ~ N(0, 1) from a seeded stream of its own, cut at 0 (default 0). Stuck devices (stuck_off, stuck_on, stuck_map) do not drift."),
    ("drift_nu_model", "<constant|pcm>", "How each device's drift exponent is drawn: constant, drift_nu + drift_nu_sigma·z for every device (default); pcm, the exponent's mean and σ follow the device's programmed G/G_max as measured on phase-change arrays (Nandakumar et al. 2019: μ = −0.0155·ln g + 0.0244 in [0.049, 0.1], σ = −0.0125·ln g − 0.0059 in [0.008, 0.045]), so devices near their reset level drift faster; drift_nu and drift_nu_sigma are then not read."),
    ("drift_read_noise", "<none|pcm>", "With drift_times: none (default), or pcm, each device's accumulated 1/f read noise at each time t after t0, fitted to measured phase-change arrays: its drifted conductance times max(0, 1 + σ·z), σ = min(0.0088/max(g^0.65, 1e-3), 0.2)·√ln((t + t_r)/(2·t_r)), g = G/G_max as programmed, t_r = read_time, z drawn per device and time from the seed (at t0 the arrays read as programmed)."),
    ("drift_compensation", "<global|column>", "With drift_times, the compensated accuracy's gains: global, one per array from a read of every row at once (Σ_j |Σ_i w_ij| at t0 over the same at t; default), or column, one per output column from a read of each row alone (Σ_i |w_ij| at t0 over the same at t), applied before the ADC."),
    ("drift_t0", "<s>", "The time after programming, in seconds, at which a device reads as programmed, the drift law's t0, in [1e-9, 1e9] (default 1)."),
    ("drift_refresh", "<true|false>", "With drift_times: before the devices start to drift, every pair whose two devices are both above their reset level is refreshed, in a copy of the trained arrays: both devices reset, and the pair's weight re-potentiated onto one of them, the nearest the device's pulses reach (rule lim: W as a verify read sees it, its device-to-device scale included; hybrid and single: each kind's pair, as Burr's refresh); the drift reads, their t0 included, read the refreshed arrays; the summary's refresh object counts its pairs, pulses and resets and gives its accuracy; the run's network and checkpoint are not refreshed (default false)."),
    ("negative_scale", "<dead|fold|redraw>", "A device whose scale X draws below 0: dead at 0 S, X = |X|, or X drawn again until above 0 (default redraw)."),
    ("initial_fraction", "<f>", "Initial states uniform over this fraction of the range, in pulses from G_min (default 0.5)."),
    ("batch", "<n>", "Mini-batch size (default 1: online)."),
    ("batch_pulses", "<sign|net>", "Mini-batch: one pulse along the summed gradient, or the samples' pulses netted (default sign)."),
    ("epochs", "<n>", "Passes over the training set (default 1); with --checkpoint-in, rest: the epochs the run that saved it had left."),
    ("seed", "<n>", "Seed of every random draw (default 1)."),
    ("c", "<c>", "Hard-sigmoid half-width (default 4)."),
    ("activation", "<centred|zero>", "Hard sigmoid: clamp((s + c)/(2c)), linear on (−c, c), or clamp(s/(2c)), linear on (0, 2c) (default zero, for every rule; centred until 2026-12-01 for hybrid and single and reproduce choi2021)."),
    ("loss", "<cross-entropy|mse>", "Output layer and loss of float SGD (also off-chip `transfer weights`, whose float network it trains) and rules hybrid and single: softmax with cross-entropy (δ = p − t), or logistic output neurons with the squared error ½Σ(y − t)² (δ = (y − t)·y(1 − y)) (default cross-entropy)."),
    ("threshold", "<t>", "Comparator dead band on the output δ (default 0.1; rules hybrid and single read it with encoding sign only)."),
    ("hidden_threshold", "<t>", "Comparator dead band on hidden δ (default 0)."),
    ("lr", "<η>", "Learning rate of float SGD and of the outer-product update (default 0.01; 0.1 for hybrid and single)."),
    ("float_derivative", "<gate|true>", "Hidden derivative back-propagated by float SGD and the finite-state rules: the 0/1 gate, as Lim replaces 1/(2c) by 1, or the true 1/(2c) (default gate; true for hybrid and single)."),
    ("k", "<k>", "Gain of the hybrid's small synapse, g = G/k, in 0.001…1e6 (default 10; below 1 the small devices are the larger)."),
    ("states", "<n>", "Pulses from G_min to G_max of a finite-state device, 2–100000 (default 50; a device_csv file's pulses to its maximum)."),
    ("small_states", "<n>", "Pulses from G_min to G_max of the hybrid's small devices, Choi's g states (default: states)."),
    ("bl", "<n>", "Slots per row/column pulse train, 1…64 (default 64)."),
    ("encoding", "<stochastic|deterministic|sign>", "Coincidence trains ∝ |x|, |δ| (stochastic or deterministic), or Lim's sign rule with method b (default stochastic)."),
    ("c2c", "<δ/μ>", "Rules hybrid and single: cycle-to-cycle variation of a pulse's step, 0–10 (default 0.34; 0 with device_csv, whose pulse index then moves by 1 + c2c·z a pulse). Rule lim takes sigma_c2c."),
    ("d2d", "<δ/G_min>", "Rules hybrid and single: device-to-device variation, σ of each device's conductance offset in units of G_min, 0–10, > 0 only with G_min > 0 (default 0; rule lim takes sigma)."),
    ("switch_threshold", "<pp>", "Hybrid: move to the small arrays when an epoch gains less training accuracy than this, in (0, 100) percentage points (default 0.5)."),
    ("fine_trains", "<rescaled|same>", "Hybrid fine phase: trains rescaled for the small step (E[ΔW] = −η·δ·xᵀ), or the dynamic phase's trains with only the array switched (E[ΔW] = −η·(μ_small/μ_big)·δ·xᵀ: η/k with small_states = states) (default rescaled)."),
    ("threads", "<1|2>", "Threads of one hybrid or single run: the update's two column shares one after the other, or at once; the same results (default 1; bench hybrid measures both)."),
    ("write_voltage", "<V>", "Full write voltage of a coincidence, at most 1000 V (default 1): its energy, and half of it on half-selected cells."),
    ("write_threshold", "<V>", "Device write threshold (default 0.75), read by rules hybrid and single and by rule lim with write_lines resistive, which check that read_voltage stays below it; half-selected cells see write_voltage/2 (rule lim: program_voltage/2). With write_lines resistive: in (program_voltage/2, program_voltage) for rule lim, (write_voltage/2, write_voltage) for rules hybrid and single."),
    ("disturb_step", "<f>", "Fraction of a step a half-selected slot moves a device when write_voltage/2 ≥ write_threshold (default 0.1)."),
    ("evals_per_epoch", "<n>", "Test evaluations per epoch (default 100, or one per mini-batch when an epoch has fewer)."),
    ("final_iterations", "<n>", "Average accuracy and its min/max over the last n updates (images, or mini-batches), the test set evaluated after each, as Lim et al.'s last 100 iterations (default 0: over the last 10 % of the evaluation points)."),
    ("train_limit", "<n>", "Use only the first n training images (default 0: all)."),
    ("test_limit", "<n>", "Use only the first n test images (default 0: all)."),
    ("shuffle", "<true|false>", "Shuffle the training set every epoch, seeded (default true)."),
    ("endurance", "<true|false>", "Count every device's identical pulses and resets over the run (rules lim on chip, hybrid and single): the summary's endurance object (the most worn device, means and quantiles per layer, and what the stuck devices and their working partners received) and a line on standard error; the run's results are the same (default false)."),
    ("read_time", "<s>", "Read pulse width in seconds (default 1e-8); also the t_r of drift_read_noise pcm."),
    ("read_voltage", "<V>", "Full-scale read voltage in volts (default 0.2)."),
    ("gmax", "<S>", "G_max of a device in siemens (default 1e-5)."),
    ("program_voltage", "<V>", "Amplitude of rule lim's identical programming pulse in volts, in [1e-6, 1000] (a depression is its mirror), across a two-terminal cell: its energy V²·G·t and inspect's waveforms (default 1; the coincidence rules use write_voltage; control-gate lines are not modelled)."),
    ("program_time", "<s>", "Width of the programming pulse in seconds (default 1e-7)."),
    ("reset_voltage", "<V>", "Amplitude of the reset pulse in volts, of the depression's polarity: in [-1000, -1e-6] (default -1.5)."),
    ("reset_time", "<s>", "Width of the reset pulse in seconds (default 1e-6)."),
    ("slot_time", "<s>", "Time slot of one read, pulse or reset, ≥ every width (default 2e-6; with reset_slot_time, ≥ read_time and program_time)."),
    ("reset_slot_time", "<s>", "Time slot of one reset, ≥ reset_time and ≤ 1 s, for a device whose erase is much longer than its programming pulse (default slot_time)."),
    ("half_select", "<skip|book>", "Rule lim, on-chip: book the update slots' half-selected cells (V/2 across them) in the energy ledger, as xbarsim inspect schedules the slots; the update then runs its recorded kernel, several times slower (default skip; rules hybrid and single always book them)."),
    ("line_capacitance", "<F>", "Capacitance of each cell's node on every word and bit line, in farads (its junction and its share of the wire): the energy ledger's read_lines and update_lines, C·V² for each line a read or an update slot drives to V (the line's cells × this; rule lim's update then runs the slots' account of half_select book, 2–3× slower), 0 or in [1e-21, 1e-9] (default 0: not booked; rules lim on-chip, hybrid and single). The D and S lines of a two-terminal array: a three-terminal array's control-gate lines are not modelled in training (xbarsim line gives one). With wires resistive, train notes reads and programming pulses shorter than the lines' settling (summary: line_settling)."),
    ("wires", "<ideal|resistive>", "Word/bit lines: ideal, or resistive (every read a nodal solve of the arrays: rules lim, hybrid and single) (default ideal)."),
    ("r_row", "<Ω>", "Word-line (drain) resistance per segment, used with wires resistive, > 0 there, or 0 with r_col 0 (ideal wires) (default 1; solve takes one ideal line kind, r 0)."),
    ("r_col", "<Ω>", "Bit-line (source) resistance per segment, used with wires resistive, > 0 there, or 0 with r_row 0 (ideal wires) (default 1)."),
    ("r_driver", "<Ω>", "Resistance at each word (drain) line's terminal, in series with its first segment: the output resistance of the forward reads' driver, which also terminates the line in the transposed reads; used with wires resistive and r_row, r_col > 0, 0 or in [1e-150, 1e12] (default 0; written to a summary only when not 0)."),
    ("r_sense", "<Ω>", "Resistance at each bit (source) line's terminal: the input resistance of the forward reads' sense amplifier, the transposed reads' driver; as r_driver (default 0)."),
    ("iv_v0", "<V>", "Rule lim: the cells' read I–V, I = G·V0·sinh(V/V0) (tunnelling across a filament's gap; slope G at 0 V, sinh(1) = 1.18 times the linear current at V0), seen by every read of the arrays, forward and transposed, in training and evaluation; off-chip learning trains its twin with linear cells and reads the programmed arrays through this one. A full-scale read reaches read_voltage/V0 into the curve (at most 5). Ideal wires only (default 0: linear, I = G·V)."),
    ("wire_tolerance", "<t>", "Relative KCL residual of resistive reads, against the ideal cell currents (default 1e-6)."),
    ("write_lines", "<ideal|resistive>", "With wires resistive: the update's pulses see ideal lines (default) or the resistive lines. Rule lim on-chip (every method and mini-batch): each row slot of V/2 writes solved through them, and a pulse programs its device only where its cell sees at least write_threshold (V, of program_voltage; a reset the same share of its amplitude). Rules hybrid and single: each parallel slot (every firing row and column at once) solved, and a coincidence programs only where its cell sees at least write_threshold (of write_voltage); their saturation pass writes one cell a slot, each reset and pulse landing where that cell, written alone, sees the same share."),
    ("dac_bits", "<b>", "Input DAC resolution of every read's drive (x forward, δ transposed), 1…16 bits (default 0: ideal; rules lim, hybrid and single)."),
    ("adc_bits", "<b>", "ADC resolution of every layer's weighted sums s, 1…16 bits (default 0: ideal; rules lim, hybrid and single)."),
    ("adc_range", "<s>", "ADC full scale: codes over [−adc_range, adc_range] in units of s (default 2c; rules lim, hybrid and single)."),
    ("output_adc_range", "<s>", "The output layer's ADC full scale, in units of s: its logits' codes over [−output_adc_range, output_adc_range], the hidden layers' over adc_range (default adc_range; rules lim, hybrid and single)."),
    ("tia_gain", "<g>", "Neuron transimpedance relative to nominal: s = g·I/(V_read·G_max) (default 1; rules lim, hybrid and single)."),
    ("sense_offset", "<σ>", "σ of each sense amplifier's input-referred offset, per column, in units of s (default 0: none; otherwise at least 1e-30; rules lim, hybrid and single)."),
    ("read_noise", "<σ>", "σ of the read noise at every sense amplifier's input, in units of s: drawn anew for every column at every forward read, in training and evaluation (default 0: none; otherwise at least 1e-30; rules lim, hybrid and single)."),
    ("transposed_read_noise", "<σ>", "σ of the read noise at the transposed read's sense amplifiers (those that back-propagate δ), in units of δ: drawn anew for every row at every transposed read in training, before the derivative gate and the δ comparator (default 0: none; otherwise at least 1e-30; rule lim on-chip, rules hybrid and single)."),
    ("comparator_offset", "<σ>", "σ of each δ comparator's input offset, per column, in units of δ (default 0: none; otherwise at least 1e-30; rule lim on-chip, and encoding sign of rules hybrid and single)."),
    ("adc_columns", "<n>", "Output columns that share one ADC through a multiplexer: a layer's forward read converts min(n, its columns) of them in series (read latency), and with adc_inl they share one converter's transitions (default 1: an ADC per column; at most 65536; rules lim, hybrid and single)."),
    ("adc_inl", "<σ>", "σ of each ADC transition's offset from its ideal level, in LSB: one converter per output column of every array, drawn once; an input reads as the number of transitions below it, so the curve is monotonic and keeps every code (INL σ; DNL σ·√2 where transitions rarely cross) (default 0: ideal; otherwise in [2^(adc_bits − 20), 16]; needs adc_bits; rules lim, hybrid and single)."),
  ]

  /// The keys whose value is a list (`layers`, `drift_times`: a `,` in
  /// the key table's placeholder), which a JSON file may give as a list and
  /// a sweep grid separates by ';'.
  public static let listKeys = Set(keys.filter { $0.value.contains(",") }.map(\.key))

  /// The keys of conductance drift after training, which only the trained
  /// arrays' drift reads use (`inspect` and `reproduce` refuse them).
  public static let driftKeys = [
    "drift_times", "drift_nu", "drift_nu_sigma", "drift_nu_model", "drift_read_noise", "drift_compensation", "drift_t0", "drift_refresh",
  ]

  /// No drift read after training: the drift keys at their defaults.
  public mutating func clearDrift() {
    let d = TrainingConfiguration()
    (driftTimes, driftNu, driftNuSigma, driftT0, driftRefresh) = (d.driftTimes, d.driftNu, d.driftNuSigma, d.driftT0, d.driftRefresh)
    driftNuModel = d.driftNuModel
    driftReadNoise = d.driftReadNoise
    driftCompensation = d.driftCompensation
  }

  /// Sets one key from its text form.
  /// - Throws: `ConfigurationError` naming the key for an unknown key or a
  ///   value of the wrong form.
  public mutating func set(_ rawKey: String, _ given: String) throws {
    let key = rawKey.replacingOccurrences(of: "-", with: "_")
    // Spaces around a value are no part of it, as in a list's items
    // (`--layers "784, 200, 10"`): `--epochs " 3"` had been refused where
    // `--layers " 784,10"` ran (a numeric fuzz, session 69). A path is
    // taken as written.
    let value = key == "device_csv" || key == "stuck_map" ? given : given.trimmingCharacters(in: .whitespaces)
    func number() throws -> Double {
      // Decimal notation only: Double("0x10") is 16.
      guard Self.isDecimal(value), let x = Double(value) else {
        throw ConfigurationError(field: key, "expects a number, got '\(value)'")
      }
      // `1e400` reads as infinity: a number, too large for a double.
      guard x.isFinite else {
        throw ConfigurationError(field: key, "'\(value)' is beyond the largest double (1.8e308)")
      }
      // `1e-400` reads as 0 (or a subnormal): the range errors would then
      // quote a value that was not given.
      if DecimalText.isBelowNormal(value, x) {
        throw ConfigurationError(field: key, "'\(value)' is below the smallest normal double (2.2e-308)")
      }
      return x
    }
    /// One of an enumeration's spellings ("expects a, b or c").
    func choice<T: RawRepresentable & CaseIterable>(_: T.Type) throws -> T where T.RawValue == String {
      guard let x = T(rawValue: value) else {
        let names = T.allCases.map(\.rawValue)
        let list = names.count > 1 ? names.dropLast().joined(separator: ", ") + " or " + names.last! : names.joined()
        throw ConfigurationError(field: key, "expects \(list), got '\(value)'")
      }
      return x
    }
    func integer() throws -> Int {
      guard let x = Int(value) else { throw ConfigurationError(field: key, "expects an integer, got '\(value)'") }
      return x
    }
    switch key {
    case "layers":
      let parts = value.split(separator: ",", omittingEmptySubsequences: false)
      var sizes: [Int] = []
      for p in parts {
        guard let n = Int(p.trimmingCharacters(in: .whitespaces)) else {
          throw ConfigurationError(field: key, "expects comma-separated integers, got '\(value)'")
        }
        sizes.append(n)
      }
      layers = sizes
    case "rule": rule = try choice(LearningRule.self)
    case "method": method = try choice(UpdateMethod.self)
    case "learning": mode = try choice(LearningMode.self)
    case "transfer": transfer = try choice(OffChipTransfer.self)
    case "beta": betaP = try number(); betaD = betaP
    case "beta_p": betaP = try number()
    case "beta_d": betaD = try number()
    case "device_csv":
      let previous = measuredDevice
      // The range keys the previous file set go with it.
      if let p = previous {
        if _nMax == p.curve.count - 1 { _nMax = nil }
        if _gMinRatio == p.curve[0] { _gMinRatio = nil }
        if _gMaxSiemens == p.gMax { _gMaxSiemens = nil }
        if _states == p.curve.count - 1 { _states = nil }
        if _smallStates == p.curve.count - 1 { _smallStates = nil }
      }
      measuredDevice = nil
      guard !value.isEmpty else { break }
      let measured = try Self.measuredBranches(value)
      // The range keys are the file's: one set otherwise (even to its
      // default) is an error here, as it is when set after (`validate`).
      if let n = _nMax, n != measured.curve.count - 1 {
        throw Self.rangeConflict("nmax", measured, got: String(n))
      }
      if let r = _gMinRatio, !Self.close(r, measured.curve[0]) {
        throw Self.rangeConflict("gmin_ratio", measured, got: Self.shown(r))
      }
      if let g = _gMaxSiemens, !Self.close(g, measured.gMax) {
        throw Self.rangeConflict("gmax", measured, got: Self.shown(g))
      }
      measuredDevice = measured
      nMax = measured.curve.count - 1
      gMinRatio = measured.curve[0]
      gMaxSiemens = measured.gMax
    case "nmax": nMax = try integer()
    case "gmin_ratio": gMinRatio = try number()
    case "sigma": sigma = try number()
    case "sigma_c2c": sigmaC2C = try number()
    case "program_noise": programNoise = try number()
    case "b_margin": bMargin = try number()
    case "stuck_off": stuckOff = try number()
    case "stuck_on": stuckOn = try number()
    case "negative_scale": negativeScale = try choice(NegativeScale.self)
    case "initial_fraction": initialFraction = try number()
    case "batch": batch = try integer()
    case "batch_pulses": batchPulses = try choice(BatchPulses.self)
    case "epochs": epochs = try integer()
    case "seed":
      guard let s = UInt64(value) else { throw ConfigurationError(field: key, "expects a non-negative integer, got '\(value)'") }
      seed = s
    case "c": c = try number()
    case "activation": activation = try choice(Activation.self)
    case "loss": loss = try choice(OutputLoss.self)
    case "threshold": outputThreshold = try number()
    case "hidden_threshold": hiddenThreshold = try number()
    case "lr": learningRate = try number()
    case "float_derivative": floatDerivative = try choice(FloatDerivative.self)
    case "evals_per_epoch": evaluationsPerEpoch = try integer()
    case "final_iterations": finalIterations = try integer()
    case "train_limit": trainLimit = try integer()
    case "test_limit": testLimit = try integer()
    case "shuffle":
      switch value {
      case "true": shuffle = true
      case "false": shuffle = false
      default: throw ConfigurationError(field: key, "expects true or false, got '\(value)'")
      }
    case "drift_nu": driftNu = try number()
    case "drift_nu_sigma": driftNuSigma = try number()
    case "drift_nu_model": driftNuModel = try choice(ConductanceDrift.Model.self)
    case "drift_read_noise": driftReadNoise = try choice(DriftReadNoise.self)
    case "drift_compensation": driftCompensation = try choice(DriftCompensation.self)
    case "drift_t0": driftT0 = try number()
    case "drift_times":
      // Comma-separated seconds; an empty value is none.
      var times: [Double] = []
      if !value.isEmpty {
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
          let text = part.trimmingCharacters(in: .whitespaces)
          guard Self.isDecimal(text), let t = Double(text), t.isFinite else {
            throw ConfigurationError(field: key, "expects comma-separated times in seconds, got '\(value)'")
          }
          times.append(t)
        }
      }
      driftTimes = times
    case "drift_refresh":
      switch value {
      case "true": driftRefresh = true
      case "false": driftRefresh = false
      default: throw ConfigurationError(field: key, "expects true or false, got '\(value)'")
      }
    case "program_verify": programVerify = try choice(ProgramVerify.self)
    case "stuck_known":
      switch value {
      case "true": stuckKnown = true
      case "false": stuckKnown = false
      default: throw ConfigurationError(field: key, "expects true or false, got '\(value)'")
      }
    case "endurance":
      switch value {
      case "true": endurance = true
      case "false": endurance = false
      default: throw ConfigurationError(field: key, "expects true or false, got '\(value)'")
      }
    case "read_time": readTime = try number()
    case "read_voltage": readVoltage = try number()
    case "gmax": gMaxSiemens = try number()
    case "k": k = try number()
    case "states": states = try integer()
    case "small_states": smallStates = try integer()
    case "bl": pulseTrainLength = try integer()
    case "encoding": encoding = try choice(UpdateEncoding.self)
    case "c2c": c2c = try number()
    case "d2d": d2d = try number()
    case "fine_trains": fineTrains = try choice(FineTrains.self)
    case "threads": threads = try integer()
    case "switch_threshold": switchThreshold = try number()
    case "write_voltage": writeVoltage = try number()
    case "write_threshold": writeThreshold = try number()
    case "disturb_step": disturbStep = try number()
    case "program_voltage": programVoltage = try number()
    case "program_time": programTime = try number()
    case "reset_voltage": resetVoltage = try number()
    case "reset_time": resetTime = try number()
    case "slot_time": slotTime = try number()
    case "reset_slot_time": _resetSlotTime = try number()
    case "half_select": halfSelect = try choice(HalfSelectBooking.self)
    case "wires": wires = try choice(WireKind.self)
    case "r_row": rowSegmentResistance = try number()
    case "r_col": columnSegmentResistance = try number()
    case "r_driver": driverResistance = try number()
    case "r_sense": senseResistance = try number()
    case "wire_tolerance": wireTolerance = try number()
    case "write_lines": writeLines = try choice(WriteLines.self)
    case "dac_bits": dacBits = try integer()
    case "adc_bits": adcBits = try integer()
    case "adc_range": adcRange = try number()
    case "output_adc_range": outputADCRange = try number()
    case "tia_gain": tiaGain = try number()
    case "sense_offset": senseOffset = try number()
    case "read_noise": readNoise = try number()
    case "transposed_read_noise": transposedReadNoise = try number()
    case "comparator_offset": comparatorOffset = try number()
    case "adc_inl": adcINL = try number()
    case "line_capacitance": lineCapacitance = try number()
    case "iv_v0": ivV0 = try number()
    case "stuck_map": stuckMap = value.isEmpty ? nil : try StuckMap.read(value)
    case "adc_columns": adcColumns = try integer()
    default:
      throw ConfigurationError(field: rawKey, "unknown configuration key")
    }
  }

  /// The most bytes of a `device_csv` file (at most 256 points a branch
  /// are used; 8 MiB since session 55, for files of many cycles: 400
  /// cycles of 200 + 200 points in full precision are 3.8 MB, read in
  /// about 2 s; 1 MiB before).
  public static let maxDeviceBytes = 1 << 23

  /// Whether a range key given as text matches the file's value: within
  /// 1e-9 relative (0.1 for a first point 0.09999999999999999 of the maximum).
  static func close(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }

  /// The error for a range key set otherwise than the `device_csv` file gives.
  static func rangeConflict(_ key: String, _ m: MeasuredBranches, got: String) -> ConfigurationError {
    let given: String
    switch key {
    case "nmax": given = "n_max \(m.curve.count - 1) (its \(m.curve.count) points to its maximum)"
    case "gmin_ratio": given = "G_min/G_max = \(measuredShown(m.curve[0]))"
    default: given = "G_max = \(measuredShown(m.gMax)) S"
    }
    return ConfigurationError(field: key, "device_csv gives \(given), got \(got) (leave \(key) out)")
  }

  /// A number as the user would write it: 0, not 0.0.
  static func shown(_ x: Double) -> String { ConfigurationError.shown(x) }

  /// A number computed from a device file (a ratio, a product), as
  /// `shown` but to 12 significant digits: 0.2/2 is 0.09999999999999999,
  /// which a message showed as such (a walkthrough, session 62), where
  /// the user would write 0.1.
  static func measuredShown(_ x: Double) -> String {
    shown(x.isFinite ? Double(String(format: "%.12g", x)) ?? x : x)
  }

  /// The real path of a regular file of at most `most` bytes (links and
  /// ".." resolved as the file system does: the file read, for summaries
  /// and checkpoints), or `fail`'s error: no such file, not a regular file
  /// (a FIFO would hang its reader), more than `most` bytes (`tooLarge`
  /// says why that is too many), unreadable.
  static func realRegularFile(
    _ path: String, most: Int, _ tooLarge: String, _ fail: (String) -> ConfigurationError
  ) throws -> String {
    var st = stat()
    guard stat(path, &st) == 0 else {
      throw fail(errno == ENOENT ? "no such file" : "cannot read file (\(String(cString: strerror(errno))))")
    }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw fail("not a regular file") }
    guard st.st_size <= most else { throw fail("more than \(most) bytes, \(tooLarge)") }
    guard let real = realpath(path, nil) else { throw fail("cannot read file (\(String(cString: strerror(errno))))") }
    defer { free(real) }
    return String(cString: real)
  }

  /// Reads a measured device's CSV (`device_csv`): its real path, its
  /// potentiation branch made monotone and divided by its maximum, that
  /// maximum in siemens, and its depression branch (if any) made monotone
  /// and divided by the same maximum (method c depresses along it).
  /// - Throws: `ConfigurationError` (field `device_csv`) naming the file,
  ///   and the line of a malformed record.
  static func measuredBranches(_ path: String) throws -> MeasuredBranches {
    func fail(_ message: String) -> ConfigurationError { ConfigurationError(field: "device_csv", "\(path): \(message)") }
    // A regular file of bounded size (links followed): a FIFO would hang
    // `MeasuredDevice.load`, and a huge file take minutes.
    let real = try realRegularFile(
      path, most: maxDeviceBytes, "too large for a device's pulse data: write fewer digits, points or cycles", fail)
    let device: MeasuredDevice, cycles: MeasuredCycles?
    do { (device, cycles) = try MeasuredDevice.read(csv: URL(fileURLWithPath: path)) } catch let e as ConfigurationError {
      throw ConfigurationError(field: "device_csv", e.description)
    }
    // Up to its first maximum: a device there is at G_max (Lim's "at
    // G_max", Choi's saturation), so the points measured after it (past
    // saturation) are never reached, and counting them as pulses would
    // shrink the mean step μ that scales η (a walkthrough, session 33).
    var up = device.potentiationEnvelope
    // MeasuredDevice refuses a branch that never rises: the maximum is > 0.
    let top = up[up.count - 1]
    let afterMaximum = up.count - 1 - up.firstIndex(of: top)!
    up.removeLast(afterMaximum)
    guard up.count <= 256 else {
      // Every k-th point keeps ⌈n/k⌉ ≤ 255 pulses.
      let k = (up.count - 1 + 254) / 255
      let th = k % 10 == 2 && k % 100 != 12 ? "nd" : k % 10 == 3 && k % 100 != 13 ? "rd" : "th"
      throw fail(
        "\(up.count - 1) pulses from its first point to its maximum; a measured device takes at most 255 (256 points): "
          + "every \(k)\(th) point of the data would do, each pulse of the run then standing for \(k) measured ones"
          + (cycles == nil && MeasuredCycles.dropBack(device.potentiation) != nil
            ? ". But the branch drops back near its first point: several cycles one after another? Give each its label in a first column under a header 'cycle,branch,conductance'" : ""))
    }
    // The maximum becomes gmax: name the file, not gmax, when it is out of
    // gmax's range (data in µS rather than S, say).
    if let problem = Self.measuredMaximumProblem(top) { throw fail(problem) }
    let depression = device.depressionEnvelope.map { $0 / top }
    // Finite in siemens (MeasuredDevice checks that), a point may still
    // not be in G_max units: 1e300 S beside a maximum of 1e-12 S.
    guard depression.allSatisfy(\.isFinite) else {
      throw fail("the depression branch starts at \(device.depressionEnvelope[0]) S, beyond any multiple of the potentiation maximum \(top) S a device can hold")
    }
    var branches = MeasuredBranches(path: real, curve: up.map { $0 / top }, gMax: top, depression: depression)
    branches.pointsAfterMaximum = afterMaximum
    if afterMaximum > 0 { branches.largestAfterMaximum = device.potentiation.suffix(afterMaximum).max()! }
    if let cycles {
      // The variation of the steps a device takes: up to the mean curve's
      // first maximum.
      // Depression stops at G_min (the first p point): its steps up to
      // the mean branch's first point there (a walkthrough, session 55).
      let floor = depression.firstIndex { $0 <= up[0] / top } ?? depression.count - 1
      branches.cycles = MeasuredBranches.Cycles(
        count: cycles.count, cut: cycles.cut,
        potentiationVariability: MeasuredCycles.stepVariability(cycles.potentiation, steps: up.count - 1),
        depressionVariability: MeasuredCycles.stepVariability(cycles.depression, steps: floor))
      branches.cycles?.robustPotentiationVariability = MeasuredCycles.robustStepVariability(cycles.potentiation, steps: up.count - 1)
      branches.cycles?.leftOut = cycles.leftOut
      branches.cycles?.leftOutCount = cycles.leftOutCount
      if let (n, farthest) = cycles.outlyingReads() {
        branches.cycles?.outlyingCount = n
        branches.cycles?.farthestOutlier = farthest
      }
    } else {
      branches.dropsBack = MeasuredCycles.dropBack(device.potentiation)
    }
    return branches
  }

  /// Why a measured branch's maximum cannot be a device's G_max (in
  /// [1e-12, 1] S: data in µS rather than S, say), or nil when it can.
  /// `pulses --device measured` reads data by the same rule.
  public static func measuredMaximumProblem(_ top: Double) -> String? {
    top >= 1e-12 && top <= 1
      ? nil : "the largest conductance is \(top) S, outside the [1e-12, 1] S of a device's G_max (conductances are read in the unit the header names, e.g. 'branch,conductance (uS)', or in siemens when it names none)"
  }

  /// Whether `text` is a number in decimal notation (`DecimalText`).
  static func isDecimal(_ text: String) -> Bool { DecimalText.isNumber(text) }

  /// A checkpoint's configuration read back as a base: the ADC's range,
  /// when it is its default 2c, follows a c set afterwards, as a
  /// summary's does (`releaseDependentDefaults`; a walkthrough, session
  /// 64: `--c 4` kept a checkpoint's 6 = 2·3 and was told to give
  /// `--adc-range 8`, where the run's summary read at 8).
  public mutating func releaseADCRange() {
    if _adcRange == 2 * c { _adcRange = nil }
    if _outputADCRange == adcRange { _outputADCRange = nil }
  }

  /// A run's configuration read back as the base of other runs (a
  /// summary's): the keys whose default follows another key (the rule,
  /// `states`, the batches of an epoch) and that hold the value that
  /// default gives are unset again, so that they follow a rule, states or
  /// batch set afterwards as they would have from the start. A summary
  /// writes every key's value in effect, so without this a lim run's
  /// summary reused with `--rule hybrid` kept lim's G_min of 0, lr 0.01
  /// and derivative gate (an audit, session 28). The run itself is
  /// unchanged: each key released reads the same value as before.
  ///
  /// `trainingImages` is the training-set size the summary's run read (its
  /// `data` object's `train_images`), before its `train_limit`: the
  /// fitted evaluation count of a run on all the data (nil: unknown, only
  /// 100 is released).
  public mutating func releaseDependentDefaults(trainingImages: Int? = nil) {
    func release<T: Equatable>(_ stored: WritableKeyPath<TrainingConfiguration, T?>, _ value: KeyPath<TrainingConfiguration, T>) {
      guard let v = self[keyPath: stored] else { return }
      var probe = self
      probe[keyPath: stored] = nil
      if probe[keyPath: value] == v { self = probe }
    }
    // A measured device sets its range keys itself (`device_csv`).
    // (And its n_max and G_max: a summary of a run on a model device
    // writes them, 64 and 1e-5 S, and a device file given with it was
    // refused as a conflict; a walkthrough, session 44.)
    if measuredDevice == nil {
      release(\._gMinRatio, \.gMinRatio)
      release(\._nMax, \.nMax)
      release(\._gMaxSiemens, \.gMaxSiemens)
    }
    release(\._states, \.states)
    release(\._learningRate, \.learningRate)
    release(\._floatDerivative, \.floatDerivative)
    release(\._smallStates, \.smallStates)
    release(\._c2c, \.c2c)
    // The ADC's range at its default 2c follows c (a summary reused with
    // another c kept the old range; a walkthrough, session 44).
    release(\._adcRange, \.adcRange)
    // The output's range equal to the hidden layers' follows it (and so
    // 2c), as it would have unset.
    release(\._outputADCRange, \.outputADCRange)
    // The default, 100 or one per batch of the images the summary's run
    // used (its `train_limit`, or all its data): fitted again to this
    // run's batches. (With all the data, the fitted count was kept: a
    // summary of batch 1000 on 60,000 images kept 60 evaluations.)
    // (Not with a batch below 1, which `validate` refuses: the count
    // divides by it; a review, session 44.)
    let used = trainLimit > 0 ? min(trainLimit, trainingImages ?? trainLimit) : trainingImages
    let fitted = batch >= 1 ? used.map { defaultEvaluations(trainingImages: $0) } ?? 100 : 100
    if _evaluationsPerEpoch == 100 || _evaluationsPerEpoch == fitted { _evaluationsPerEpoch = nil }
  }

  /// The keys whose default follows the rule (or `states`) and that were
  /// set: a value equal to one rule's default is still a setting for
  /// another rule's runs (`reproduce`'s note of the settings it was given).
  /// The keys among those `releaseDependentDefaults` releases whose
  /// default follows the rule.
  public var setRuleDependentKeys: Set<String> {
    var keys = Set<String>()
    if _gMinRatio != nil && measuredDevice == nil { keys.insert("gmin_ratio") }
    if _learningRate != nil { keys.insert("lr") }
    if _floatDerivative != nil { keys.insert("float_derivative") }
    if _states != nil { keys.insert("states") }
    if _smallStates != nil { keys.insert("small_states") }
    if _c2c != nil { keys.insert("c2c") }
    return keys
  }

  /// Every key with its current value, as text (for summaries and logs):
  /// `allKeyValues` less the keys written only away from their defaults.
  public var keyValues: [(String, String)] {
    // `device_csv` only when set: the summaries and sweep bases of Lim's
    // device read as before it existed.
    // `loss`, `final_iterations`, `half_select`, `sigma_c2c`, `b_margin`, `program_noise`, `program_verify`, `stuck_off`, `stuck_on`, `stuck_map`, `stuck_known`, `drift_times`, `drift_nu`, `drift_nu_sigma`, `drift_t0`, `drift_refresh`, `reset_slot_time`, `endurance`, `read_noise`, `transposed_read_noise`, `adc_inl`, `adc_columns`, `line_capacitance` and `iv_v0` only
    // when not at their defaults (unset), likewise (they came later).
    // `adc_range` not when no ADC reads it and it follows 2c: written, it
    // pinned the old c's range, and a run of that configuration with
    // another c was refused (an audit, session 27).
    return allKeyValues.filter {
      !($0.0 == "device_csv" && measuredDevice == nil) && !($0.0 == "loss" && loss == .crossEntropy)
        && !($0.0 == "final_iterations" && finalIterations == 0)
        && !($0.0 == "adc_range" && adcBits == 0 && _adcRange == nil)
        && !($0.0 == "output_adc_range" && _outputADCRange == nil)
        && !($0.0 == "half_select" && halfSelect == .skip)
        && !($0.0 == "sigma_c2c" && sigmaC2C == 0) && !($0.0 == "b_margin" && bMargin == 0)
        && !($0.0 == "program_noise" && programNoise == 0) && !($0.0 == "program_verify" && programVerify == .none)
        && !($0.0 == "stuck_off" && stuckOff == 0) && !($0.0 == "stuck_on" && stuckOn == 0) && !($0.0 == "stuck_map" && stuckMap == nil)
        && !($0.0 == "stuck_known" && !stuckKnown)
        && !($0.0 == "drift_times" && driftTimes.isEmpty) && !($0.0 == "drift_nu" && driftNu == 0)
        && !($0.0 == "drift_nu_sigma" && driftNuSigma == 0) && !($0.0 == "drift_nu_model" && driftNuModel == .constant)
        && !($0.0 == "drift_read_noise" && driftReadNoise == .none)
        && !($0.0 == "drift_compensation" && driftCompensation == .global) && !($0.0 == "drift_t0" && driftT0 == 1) && !($0.0 == "drift_refresh" && !driftRefresh)
        && !($0.0 == "reset_slot_time" && _resetSlotTime == nil)
        && !($0.0 == "endurance" && !endurance) && !($0.0 == "read_noise" && readNoise == 0)
        && !($0.0 == "transposed_read_noise" && transposedReadNoise == 0)
        && !($0.0 == "adc_inl" && adcINL == 0) && !($0.0 == "adc_columns" && adcColumns == 1)
        && !($0.0 == "line_capacitance" && lineCapacitance == 0) && !($0.0 == "iv_v0" && ivV0 == 0)
        && !($0.0 == "r_driver" && (driverResistance == 0 || wires == .ideal))
        && !($0.0 == "r_sense" && (senseResistance == 0 || wires == .ideal))
        && !($0.0 == "write_lines" && writeLines == .ideal)
    }
  }

  /// Every key with its current value, as text, those at their defaults
  /// too.
  public var allKeyValues: [(String, String)] {
    func n(_ x: Double) -> String { ConfigurationError.shown(x) }
    let all: [(String, String)] = [
      ("layers", layers.map(String.init).joined(separator: ",")),
      ("rule", rule.rawValue), ("method", method.rawValue), ("learning", mode.rawValue),
      ("transfer", transfer.rawValue), ("device_csv", deviceCSV),
      ("beta_p", n(betaP)), ("beta_d", n(betaD)), ("nmax", String(nMax)),
      ("gmin_ratio", n(gMinRatio)), ("sigma", n(sigma)), ("sigma_c2c", n(sigmaC2C)), ("b_margin", n(bMargin)), ("program_noise", n(programNoise)), ("program_verify", programVerify.rawValue), ("stuck_off", n(stuckOff)), ("stuck_on", n(stuckOn)), ("stuck_map", stuckMapPath), ("stuck_known", stuckKnown ? "true" : "false"), ("drift_times", driftTimes.map(n).joined(separator: ",")), ("drift_nu", n(driftNu)), ("drift_nu_sigma", n(driftNuSigma)), ("drift_nu_model", driftNuModel.rawValue), ("drift_read_noise", driftReadNoise.rawValue), ("drift_compensation", driftCompensation.rawValue), ("drift_t0", n(driftT0)), ("drift_refresh", driftRefresh ? "true" : "false"), ("negative_scale", negativeScale.rawValue), ("initial_fraction", n(initialFraction)),
      ("batch", String(batch)), ("batch_pulses", batchPulses.rawValue), ("epochs", String(epochs)),
      ("seed", String(seed)),
      ("c", n(c)), ("activation", activation.rawValue), ("loss", loss.rawValue), ("threshold", n(outputThreshold)), ("hidden_threshold", n(hiddenThreshold)),
      ("lr", n(learningRate)), ("float_derivative", floatDerivative.rawValue),
      ("evals_per_epoch", String(evaluationsPerEpoch)), ("final_iterations", String(finalIterations)),
      ("train_limit", String(trainLimit)), ("test_limit", String(testLimit)),
      ("shuffle", shuffle ? "true" : "false"), ("endurance", endurance ? "true" : "false"), ("read_time", n(readTime)),
      ("read_voltage", n(readVoltage)), ("iv_v0", n(ivV0)), ("gmax", n(gMaxSiemens)),
      ("k", n(k)), ("states", String(states)), ("small_states", String(smallStates)),
      ("bl", String(pulseTrainLength)),
      ("encoding", encoding.rawValue), ("c2c", n(c2c)), ("d2d", n(d2d)),
      ("switch_threshold", n(switchThreshold)), ("fine_trains", fineTrains.rawValue), ("threads", String(threads)), ("write_voltage", n(writeVoltage)),
      ("write_threshold", n(writeThreshold)), ("disturb_step", n(disturbStep)),
      ("program_voltage", n(programVoltage)), ("program_time", n(programTime)),
      ("reset_voltage", n(resetVoltage)), ("reset_time", n(resetTime)), ("slot_time", n(slotTime)),
      ("reset_slot_time", n(resetSlotTime)), ("half_select", halfSelect.rawValue),
      ("wires", wires.rawValue), ("r_row", n(rowSegmentResistance)), ("r_col", n(columnSegmentResistance)),
      ("r_driver", n(driverResistance)), ("r_sense", n(senseResistance)),
      ("wire_tolerance", n(wireTolerance)), ("write_lines", writeLines.rawValue), ("line_capacitance", n(lineCapacitance)),
      ("dac_bits", String(dacBits)), ("adc_bits", String(adcBits)), ("adc_range", n(adcRange)),
      ("output_adc_range", n(outputADCRange)),
      ("tia_gain", n(tiaGain)), ("sense_offset", n(senseOffset)), ("read_noise", n(readNoise)),
      ("transposed_read_noise", n(transposedReadNoise)), ("comparator_offset", n(comparatorOffset)),
      ("adc_inl", n(adcINL)), ("adc_columns", String(adcColumns)),
    ]
    return all
  }
}
