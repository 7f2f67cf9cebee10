import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// A mini-batch's update time is the slots `UpdateSchedule.slots` draws
// for its pulses (what `xbarsim inspect` shows): a row's rounds are its
// synapses' rule pulses, not the pulses the batch asked for. Until session
// 47 a netted batch gave a row one round per requested pulse, also where
// the pulse became a refill or a depression, or did nothing (method c at
// both bounds): 71,973 slots against the schedule's 47,620
// (`--train-limit 600 --batch 300 --batch-pulses net --threshold 0
// --method c --nmax 16 --layers 784,20,10`).

private let images = SyntheticImages(count: 240, rows: 4, cols: 4, classes: 4, seed: 13)

@Test(arguments: [
  (UpdateMethod.a, BatchPulses.net, 0.0), (.b, .net, 0.0), (.c, .net, 0.0), (.b, .net, 0.3),
  (.a, .sign, 0.0), (.b, .sign, 0.0), (.c, .sign, 0.0), (.b, .sign, 0.3),
])
func aMiniBatchTakesTheSlotsItsScheduleDraws(method: UpdateMethod, pulses: BatchPulses, sigma: Double) {
  var cfg = smallConfiguration(method: method, sigma: sigma, batch: 6, batchPulses: pulses)
  cfg.nMax = 4
  // Every output δ pulses: rows saturate and refill within a batch.
  cfg.outputThreshold = 0
  let net = LimNetwork(configuration: cfg)
  let recorder = PulseRecorder()
  net.recorder = recorder
  var batches = 0, serialOnlyRows = 0
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<images.count {
      let slots = net.layers.reduce(0) { $0 + $1.updateSlots }
      recorder.removeAll()
      net.train(px.baseAddress! + s * 16, label: Int(images.labels[s]))
      let booked = net.layers.reduce(0) { $0 + $1.updateSlots } - slots
      let drawn = UpdateSchedule.slots(recorder.events).count
      if recorder.events.isEmpty { continue }
      batches += 1
      #expect(booked == drawn, "sample \(s): \(booked) slots booked, the schedule draws \(drawn)")
      // Rows whose every event was serial: where a round per requested
      // pulse over-counts.
      let ruleRows = Set(recorder.events.filter { $0.kind == .potentiate }.map { [$0.array, $0.row] })
      let rows = Set(recorder.events.map { [$0.array, $0.row] })
      serialOnlyRows += rows.subtracting(ruleRows).count
    }
  }
  #expect(batches == images.count / 6)
  #expect(serialOnlyRows > 0, "the case should have rows whose pulses all became serial")
}
