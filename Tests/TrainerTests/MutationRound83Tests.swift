import Circuit
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 83: `program_noise` and `program_verify` (session 83) where the
// commit's own tests left them unread: the order of write-verify and the noise in an
// off-chip run's programming, write-verify after a weight transfer, on-chip runs, Lim's
// reproduction setting.

/// An off-chip run of the fixture (one epoch), with the target array it programmed last
/// and the training images that programming was keyed by; `stopAfter`: a stop asked
/// once the progress (every 16 images) has reported that many.
private func offChipRun(_ cfg: TrainingConfiguration, stopAfter: Int? = nil) throws -> (
  result: TrainingResult, target: LimNetwork, images: Int
) {
  var target: LimNetwork?
  var images = -1, stop = false
  let result = try Experiment(configuration: cfg, train: Fixture.dataset(Fixture.train), test: Fixture.dataset(Fixture.test))
    .run(
      progress: { if let stopAfter, $0.images >= stopAfter { stop = true } }, progressInterval: 0,
      shouldStop: { stop },
      finished: { net, n in
        if case .lim(let l) = net { target = l }
        images = n
      })
  return (result, try #require(target), images)
}

private func offChipConfiguration(_ transfer: OffChipTransfer) -> TrainingConfiguration {
  var cfg = Fixture.configuration(method: .b, epochs: 1)
  cfg.mode = .offChip
  cfg.transfer = transfer
  cfg.sigma = 0.5
  cfg.stuckOff = 0.03
  return cfg
}

private func allConductances(_ net: LimNetwork) -> [Double] {
  net.layers.flatMap { layer in
    (0..<(layer.rows * layer.columns)).flatMap { [layer.conductances($0).plus, layer.conductances($0).minus] }
  }
}

/// With both keys the programming is write-verify, then the noise on the verified
/// conductances, keyed by the images trained before it: the array a run ends with is
/// the verified run's array with the noise of that key added. Kills the noise drawn
/// before the verify (the verify then undoes part of it), the noise skipped when
/// verifying, and the end's programming keyed otherwise than by the images trained.
@Test(arguments: [OffChipTransfer.states, .weights])
func aVerifiedProgrammingTakesItsNoiseAfterTheVerify(_ transfer: OffChipTransfer) throws {
  var verified = offChipConfiguration(transfer)
  verified.programVerify = .weights
  var noisy = verified
  noisy.programNoise = 2
  let (_, clean, n) = try offChipRun(verified)
  let (_, landed, m) = try offChipRun(noisy)
  #expect(n == m && n == 600)
  clean.addProgrammingNoise(scale: 2, key: UInt64(n))
  let expected = allConductances(clean), got = allConductances(landed)
  #expect(expected.count == got.count)
  let differing = zip(expected, got).filter { $0 != $1 }.count
  #expect(differing == 0, "\(differing) of \(got.count) devices")
}

/// Stopped inside a mini-batch, the run's end programs the array keyed by the images
/// whose updates went out (those the run reports), not by all it read: the images it
/// read are 64, a stop's next poll after 48, of which the 13th batch of 5 had 4 pending.
/// Kills the end's programming keyed by the images read.
@Test func anInterruptedRunsProgrammingIsKeyedByTheImagesApplied() throws {
  var verified = offChipConfiguration(.states)
  verified.batch = 5
  verified.programVerify = .devices
  var noisy = verified
  noisy.programNoise = 2
  let (cleanRun, clean, n) = try offChipRun(verified, stopAfter: 40)
  let (noisyRun, landed, m) = try offChipRun(noisy, stopAfter: 40)
  #expect(cleanRun.interrupted && noisyRun.interrupted)
  #expect(n == 60 && m == 60 && noisyRun.trainImages == 60)
  clean.addProgrammingNoise(scale: 2, key: UInt64(n))
  #expect(allConductances(clean) == allConductances(landed))
}

/// Write-verify acts on either transfer: after a weight transfer too every device that
/// conducts by its state sits at a point of the nominal curve (not X times one), or at
/// its own range's end. Kills the verify applied after a transfer of states only.
@Test(arguments: [OffChipTransfer.states, .weights])
func writeVerifyFollowsEitherTransfer(_ transfer: OffChipTransfer) throws {
  var cfg = offChipConfiguration(transfer)
  cfg.programVerify = .devices
  let (_, target, _) = try offChipRun(cfg)
  var onCurve = 0, atAnEnd = 0, elsewhere = 0
  for layer in target.layers {
    let table = layer.table
    for k in 0..<(layer.rows * layer.columns) {
      for (g, x) in [(layer.conductances(k).plus, Double(layer.xp[k])), (layer.conductances(k).minus, Double(layer.xm[k]))] where x > 0 {
        let v = g / cfg.gMaxSiemens
        if table.contains(where: { abs($0 - v) <= 1e-12 }) {
          onCurve += 1
        } else if abs(v - x * table[0]) <= 1e-12 || abs(v - x * table[layer.nMax]) <= 1e-12 {
          atAnEnd += 1
        } else {
          elsewhere += 1
        }
      }
    }
  }
  #expect(elsewhere == 0 && onCurve > 1000, "\(onCurve) on the curve, \(atAnEnd) at an end, \(elsewhere) elsewhere")
}

/// On chip the arrays are trained, never programmed: program_noise and program_verify
/// are ignored keys there and leave the devices on integer states (the conductance
/// states' per-synapse updates are several times slower). Kills limConductanceStates taking the keys whatever the learning.
@Test func onChipTheProgrammingKeysLeaveTheDevicesOnIntegerStates() throws {
  let plain = Fixture.configuration(method: .b, epochs: 1)
  var noisy = plain
  noisy.programNoise = 1
  var verified = plain
  verified.programVerify = .weights
  #expect(!noisy.limConductanceStates && !verified.limConductanceStates)
  #expect(noisy.ignoredKeys.contains { $0.key == "program_noise" } && verified.ignoredKeys.contains { $0.key == "program_verify" })
  var noisyOff = noisy
  noisyOff.mode = .offChip
  #expect(noisyOff.limConductanceStates)
}

/// Off-chip programming noise or write-verify is not Lim's run: Figure 14's off-chip
/// runs lose the paper's number and name the key, its on-chip runs (which ignore it)
/// keep theirs. Kills either key missing from `LimReproduction.setting`.
@Test func limsReproductionNamesTheProgrammingKeys() throws {
  let reference = LimReproduction.runs(figure: 14, base: TrainingConfiguration())
  #expect(reference.allSatisfy { $0.paper != nil })
  for (key, value) in [("program_noise", "1"), ("program_verify", "weights")] {
    var base = TrainingConfiguration()
    try base.set(key, value)
    let runs = LimReproduction.runs(figure: 14, base: base)
    #expect(runs.count == reference.count)
    for (run, ref) in zip(runs, reference) {
      if run.configuration.mode == .offChip {
        #expect(run.paper == nil && run.label.contains(key), "\(key): \(run.label)")
      } else {
        #expect(run.paper == ref.paper && run.label == ref.label, "\(key): \(run.label)")
      }
    }
  }
}

/// Write-verify leaves a stuck device (scale 0: open, or shorted) as it was, its
/// normalised conductance too, a device at state 0 among them: dividing by its
/// scale of 0 makes 0/0, a NaN that reads as NaN·0. Kills the verify without the
/// X > 0 guard (either placement).
@Test(arguments: [ProgramVerify.devices, .weights, .mid])
func writeVerifyLeavesStuckDevicesAlone(_ verify: ProgramVerify) throws {
  var cfg = stuckOffChipConfiguration(stuckOff: 0.1, stuckOn: 0.1)
  cfg.programVerify = verify
  try cfg.validate()
  let net = transferredFromTwin(cfg).target
  func stuck() -> [Double] {
    net.layers.flatMap { layer in
      (0..<(layer.rows * layer.columns)).flatMap { k in
        (layer.xp[k] == 0 ? [layer.gp[k], layer.conductances(k).plus] : [])
          + (layer.xm[k] == 0 ? [layer.gm[k], layer.conductances(k).minus] : [])
      }
    }
  }
  let before = stuck()
  #expect(before.count > 100 && before.contains(0))
  net.verifyProgrammedConductances(verify)
  let after = stuck()
  #expect(after.allSatisfy { !$0.isNaN })
  #expect(after == before)
}
