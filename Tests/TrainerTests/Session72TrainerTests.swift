import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Session 72's review of stuck_off.

// A reproduction with stuck devices is no longer the paper's run: its
// label names stuck_off and it has no paper number (Figure 14's rows had
// been compared with the paper's, unmarked). Rule float has no devices
// and stays the paper's.
@Test func aReproductionWithStuckDevicesIsNotThePapers() {
  var base = TrainingConfiguration()
  base.stuckOff = 0.5
  let runs = LimReproduction.runs(figure: 14, base: base)
  let plain = LimReproduction.runs(figure: 14, base: TrainingConfiguration())
  #expect(!runs.isEmpty && runs.count == plain.count)
  #expect(runs.contains { $0.configuration.rule == .lim })
  for (run, ref) in zip(runs, plain) {
    if run.configuration.rule == .lim {
      #expect(run.paper == nil && run.label.contains("stuck_off 0.5"), "\(run.label)")
    } else {
      #expect(run.paper == ref.paper && run.label == ref.label, "\(run.label)")
    }
  }
}

// Restoring saved states: with σ 0 and stuck_off > 0 a scale is 1, or 0
// for a stuck device; any other scale is refused (it had loaded: a
// network with variation under a σ 0 label). Without stuck_off, 1 only.
@Test func savedScalesWithoutSigmaAreOneOrZeroForAStuckDevice() throws {
  var cfg = TrainingConfiguration()
  cfg.layers = [16, 8, 4]
  cfg.nMax = 8
  cfg.stuckOff = 0.2
  try cfg.validate()
  let net = LimNetwork(configuration: cfg)
  let saved = net.layerStates
  #expect(saved.contains { $0.plusScales.contains(0) })
  try net.restore(saved)
  var odd = saved
  odd[0].plusScales[3] = 0.7
  #expect(throws: ConfigurationError.self) { try net.restore(odd) }
  var plainCfg = cfg
  plainCfg.stuckOff = 0
  let plain = LimNetwork(configuration: plainCfg)
  var zeros = plain.layerStates
  zeros[1].minusScales[0] = 0
  #expect(throws: ConfigurationError.self) { try plain.restore(zeros) }
  try plain.restore(plain.layerStates)
  // With σ > 0 the scales are σ's draws: any finite one loads.
  var sigmaCfg = cfg
  sigmaCfg.sigma = 0.3
  let varied = LimNetwork(configuration: sigmaCfg)
  var any = varied.layerStates
  any[0].plusScales[0] = 0.7
  try varied.restore(any)
}
