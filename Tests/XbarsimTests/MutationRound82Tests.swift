import Foundation
import Testing
import Trainer
import _TestSupport

@testable import xbarsim

// Mutation round 82: `output_adc_range` and `drift_nu_model pcm` at the
// command line's helpers, which the commits' own tests left unread.

/// A run going on with another `adc_range` differs in that key alone: its
/// output range followed the hidden one in both runs. A given output range
/// is its own key. (Through an ADC: without one both keys are unread.)
@Test func anotherRunsOutputRangeFollowingItsHiddenRangeIsNotASetting() throws {
  var saved = TrainingConfiguration()
  try saved.set("adc_bits", "3")
  var cfg = saved
  try cfg.set("adc_range", "5")
  #expect(TrainCommand.otherSettings(saved, cfg).map(\.key) == ["adc_range"], "\(TrainCommand.otherSettings(saved, cfg))")
  var own = saved
  try own.set("output_adc_range", "12")
  #expect(TrainCommand.otherSettings(saved, own).map(\.key) == ["output_adc_range"], "\(TrainCommand.otherSettings(saved, own))")
}

/// The settings away from the defaults name an output range only when it
/// is not the hidden layers' (following adc_range, it is that key's).
@Test func theSettingsAwayFromDefaultsNameTheOutputRangeOnlyWhenItsOwn() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("adc_bits", "3")
  try cfg.set("adc_range", "5")
  #expect(TrainCommand.keysAwayFromDefaults(cfg).map(\.0) == ["adc_bits", "adc_range"], "\(TrainCommand.keysAwayFromDefaults(cfg))")
  try cfg.set("output_adc_range", "12")
  #expect(TrainCommand.keysAwayFromDefaults(cfg).map(\.0) == ["adc_bits", "adc_range", "output_adc_range"], "\(TrainCommand.keysAwayFromDefaults(cfg))")
}

/// A reproduction's row writes the output's range beside the hidden one.
@Test func aReproductionRowWritesTheOutputRange() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("adc_bits", "3")
  try cfg.set("output_adc_range", "12")
  var j = JSONWriter()
  ReproduceCommand.addPeriphery(cfg, to: &j)
  #expect(j.text.contains("\"output_adc_range\": 12"), "\(j.text)")
  #expect(j.text.contains("\"adc_range\": 8"), "\(j.text)")
}

/// The drift lines' header names the pcm law, not a ν it does not read.
@Test func theDriftHeaderNamesThePCMLaw() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("drift_times", "1,3600")
  try cfg.set("drift_nu_model", "pcm")
  let points = [DriftPoint(seconds: 1, accuracy: 90, compensatedAccuracy: 90, gains: [1])]
  let pcm = TrainCommand.driftLines(points, cfg)
  #expect(pcm.first?.hasPrefix("drift (ν of each device's G, pcm, t0 1 s)") == true, "\(pcm)")
  cfg.driftNuModel = .constant
  try cfg.set("drift_nu", "0.05")
  let constant = TrainCommand.driftLines(points, cfg)
  #expect(constant.first?.hasPrefix("drift (ν 0.05, t0 1 s)") == true, "\(constant)")
}

/// drift_nu_model pcm without drift_times reads nothing: the note names it.
@Test func aPCMModelWithoutDriftTimesIsNoted() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("drift_nu_model", "pcm")
  let notes = TrainCommand.configurationNotes(cfg, fromCheckpoint: false)
  #expect(notes.contains { $0.hasPrefix("note: drift_nu_model without drift_times") }, "\(notes)")
  try cfg.set("drift_times", "1,3600")
  #expect(!TrainCommand.configurationNotes(cfg, fromCheckpoint: false).contains { $0.contains("drift") })
}

/// drift_read_noise pcm: the header says it, a run without drift_times is told it reads
/// nothing, and with ν 0 the times are not said to read the arrays as trained (the noise moves them).
@Test func theReadNoiseIsSaidInTheHeaderAndTheNotes() throws {
  var cfg = TrainingConfiguration()
  try cfg.set("drift_read_noise", "pcm")
  let notes = TrainCommand.configurationNotes(cfg, fromCheckpoint: false)
  #expect(notes.contains { $0.hasPrefix("note: drift_read_noise without drift_times") }, "\(notes)")
  try cfg.set("drift_times", "1,3600")
  #expect(!TrainCommand.configurationNotes(cfg, fromCheckpoint: false).contains { $0.contains("drift") })
  let points = [DriftPoint(seconds: 1, accuracy: 90, compensatedAccuracy: 90, gains: [1])]
  let header = TrainCommand.driftLines(points, cfg).first ?? ""
  #expect(header.hasPrefix("drift (ν 0, pcm read noise, t0 1 s)"), "\(header)")
  cfg.driftReadNoise = .none
  #expect(TrainCommand.configurationNotes(cfg, fromCheckpoint: false).contains { $0.hasPrefix("note: drift_times with drift_nu 0") })
}
