import Circuit
import Testing

@testable import Trainer

// Mutation round 85 (`program_verify mid`): tests for mutants that no test had caught.

/// `mid` holds T− to the targets both ranges allow from below too: with G_min half of
/// G_max the middle c = 0.75, and a device of scale X above about 1.5 has X·G(0) above
/// c − W/2, so T− rises to the floor max(X−·G(0), X+·G(0) − W). Kills the placement without
/// that lower clamp (`min(c − W/2, highest)`), whose target lies below the device's range.
@Test func midVerifyRaisesATargetBelowBothRangesToTheirFloor() throws {
  var cfg = stuckOffChipConfiguration(stuckOff: 0, stuckOn: 0)
  cfg.initialFraction = 1
  cfg.gMinRatio = 0.5
  cfg.programVerify = .mid
  try cfg.validate()
  let (net, source, _) = transferredFromTwin(cfg)
  net.verifyProgrammedConductances(.mid)
  var raised = 0
  for (l, layer) in net.layers.enumerated() {
    let low = layer.table[0], high = layer.table[layer.nMax], top = cfg.gMaxSiemens, c = (low + high) / 2
    for k in 0..<(layer.rows * layer.columns) {
      let n = source.layers[l].conductances(k), w = (n.plus - n.minus) / top
      let xp = Double(layer.xp[k]), xm = Double(layer.xm[k])
      let lowest = max(xm * low, xp * low - w), highest = min(xm * high, xp * high - w)
      guard xp > 0 && xm > 0 && lowest <= highest && c - w / 2 < lowest else { continue }
      let now = layer.conductances(k)
      #expect(abs(now.minus / top - lowest) <= 1e-12 && abs(now.plus / top - (lowest + w)) <= 1e-12, "layer \(l) synapse \(k)")
      raised += 1
    }
  }
  #expect(raised > 5, "\(raised)")
}
