import Testing
import Trainer

@testable import xbarsim

// Mutation round 83: `program_verify` and `program_noise` in an off-chip run's label,
// which the commit's own tests left unread.

/// Two off-chip runs that differ in their programming alone have labels of their own:
/// " verified weights" with write-verify by weights, " program_noise s" with noise of scale s (its own
/// value, not σ's), neither at the defaults. Kills either missing, the noise named at
/// scale 0, and the noise named with another key's value.
@Test func anOffChipRunsLabelNamesItsProgramming() throws {
  var plain = TrainingConfiguration()
  plain.mode = .offChip
  plain.sigma = 0.3
  let base = TrainCommand.describe(plain)
  #expect(!base.contains("verified") && !base.contains("program_noise"), "\(base)")
  var verified = plain
  verified.programVerify = .weights
  let v = TrainCommand.describe(verified)
  #expect(v.contains(" verified weights") && !v.contains("program_noise"), "\(v)")
  var noisy = plain
  noisy.programNoise = 0.5
  let n = TrainCommand.describe(noisy)
  #expect(n.contains(" program_noise 0.5") && !n.contains("verified"), "\(n)")
  var both = verified
  both.programNoise = 2
  let b = TrainCommand.describe(both)
  #expect(b.contains(" verified") && b.contains(" program_noise 2"), "\(b)")
  #expect(Set([base, v, n, b]).count == 4)
}
