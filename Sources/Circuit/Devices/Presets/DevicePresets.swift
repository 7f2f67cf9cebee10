// Device parameters taken from the literature. Conductance ranges the papers
// do not state are the models' illustrative defaults (1 µS … 10 µS).

extension LimExponentialDevice {
  /// The central case of Lim et al. (Figs. 9-14): β = 2, n_max = 64,
  /// bidirectional, G_min = 1 µS, G_max = 10 µS.
  ///
  /// Source: S. Lim et al., "Adaptive learning rule for hardware-based deep
  /// neural networks using electronic synapse devices", §3.
  public static let limCentralCase = LimExponentialDevice(beta: 2, nMax: 64)
}

extension FiniteStateDevice {
  /// The Mo/TiOx interface RRAM of Choi et al. 2021: 50 linear potentiation
  /// steps and a strong reset (unidirectional), the big device (k = 1).
  ///
  /// Source: W. Choi et al., Front. Neurosci. 15:690418, 2021, Fig. 3E.
  public static let choiMoTiOx = FiniteStateDevice(states: 50)

  /// The small synapse of Choi et al.'s hybrid unit: the Mo/TiOx device with
  /// its area scaled down k = 10 times (their best gain, Fig. 5F).
  public static let choiMoTiOxSmall = FiniteStateDevice(states: 50, areaScale: 10)
}

extension DeviceVariation {
  /// The programming variation of the Mo/TiOx device, δ/μ = 0.34 (Choi et
  /// al. 2021, Fig. 6B, dotted line).
  public static let choiMoTiOx = DeviceVariation(cycleToCycle: 0.34)
}
