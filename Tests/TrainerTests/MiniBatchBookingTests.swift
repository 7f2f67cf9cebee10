import Peripherals
import Testing
import _TestSupport

@testable import Trainer

// An update's time is the slots `UpdateSchedule.slots` draws for its
// pulses (what `xbarsim inspect` shows), online and in mini-batches: a
// row's rounds are its synapses' rule pulses, not the pulses asked for.
// Until session 47 a netted batch gave a row one round per requested
// pulse, also where the pulse became a refill or a depression, or did
// nothing (method c at both bounds): 71,973 slots against the schedule's
// 47,620 (`--train-limit 600 --batch 300 --batch-pulses net --threshold 0
// --method c --nmax 16 --layers 784,20,10`); and an online update gave
// every active row a slot, also where all its pulses became serial.

private let images = SyntheticImages(count: 240, rows: 4, cols: 4, classes: 4, seed: 13)

@Test(arguments: [
  (UpdateMethod.a, BatchPulses.net, 0.0, 6), (.b, .net, 0.0, 6), (.c, .net, 0.0, 6), (.b, .net, 0.3, 6),
  (.a, .sign, 0.0, 6), (.b, .sign, 0.0, 6), (.c, .sign, 0.0, 6), (.b, .sign, 0.3, 6),
  (.a, .sign, 0.0, 1), (.b, .sign, 0.0, 1), (.c, .sign, 0.0, 1), (.b, .sign, 0.3, 1),
])
func anUpdateTakesTheSlotsItsScheduleDraws(method: UpdateMethod, pulses: BatchPulses, sigma: Double, batch: Int) {
  var cfg = smallConfiguration(method: method, sigma: sigma, batch: batch, batchPulses: pulses)
  cfg.nMax = 4
  // Every output δ pulses: rows saturate and refill within a batch.
  cfg.outputThreshold = 0
  // Recorded (the recorded kernels) and not (the looked-up ones, and the
  // batch's rows), and with the half-selected cells booked (its kernels).
  let net = LimNetwork(configuration: cfg), plain = LimNetwork(configuration: cfg)
  var bookedConfiguration = cfg
  bookedConfiguration.halfSelect = .book
  let booked = LimNetwork(configuration: bookedConfiguration)
  let recorder = PulseRecorder()
  net.recorder = recorder
  func slots(_ n: LimNetwork) -> Int { n.layers.reduce(0) { $0 + $1.updateSlots } }
  // Of them, the resets' (reset_slot_time's; session 49).
  func resetSlots(_ n: LimNetwork) -> Int { n.layers.reduce(0) { $0 + $1.resetSlots } }
  var updates = 0, serialOnlyRows = 0, resets = 0
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<images.count {
      let before = (slots(net), slots(plain), slots(booked))
      let resetsBefore = [net, plain, booked].map(resetSlots)
      recorder.removeAll()
      for n in [net, plain, booked] { n.train(px.baseAddress! + s * 16, label: Int(images.labels[s])) }
      let schedule = UpdateSchedule.slots(recorder.events)
      let drawn = schedule.count
      #expect(slots(net) - before.0 == drawn, "sample \(s): \(slots(net) - before.0) slots booked, the schedule draws \(drawn)")
      #expect(slots(plain) - before.1 == drawn, "sample \(s), unrecorded")
      #expect(slots(booked) - before.2 == drawn, "sample \(s), half_select book")
      let drawnResets = schedule.filter { $0[0].kind == .reset }.count
      #expect(schedule.allSatisfy { $0[0].kind != .reset || $0.count == 1 }, "a reset is one device in its slot")
      #expect(zip([net, plain, booked], resetsBefore).map { resetSlots($0) - $1 } == [drawnResets, drawnResets, drawnResets], "sample \(s)")
      resets += drawnResets
      if recorder.events.isEmpty { continue }
      updates += 1
      // Rows whose every event was serial: where a round per requested
      // pulse over-counts.
      let ruleRows = Set(recorder.events.filter { $0.kind == .potentiate }.map { [$0.array, $0.row] })
      let rows = Set(recorder.events.map { [$0.array, $0.row] })
      serialOnlyRows += rows.subtracting(ruleRows).count
    }
  }
  #expect(plain.layerStates == net.layerStates && booked.layerStates == net.layerStates)
  #expect(updates >= images.count / batch * 3 / 4)
  #expect(serialOnlyRows > 0, "the case should have rows whose pulses all became serial")
  #expect(resets > 0, "the case should reset devices")
}

// A mini-batch's reads are booked with its update: a network inside a
// batch (a run stopped there abandons it) has the ledger it had at the
// batch's start. Until session 47 it booked the open batch's reads too,
// so a stopped run's per-image energy and read latency (its images
// counted up to the last batch end) were above the uninterrupted run's.
@Test(arguments: [BatchPulses.sign, .net])
func anOpenMiniBatchBooksNoneOfItsReads(pulses: BatchPulses) {
  var cfg = smallConfiguration(method: .b, batch: 4, batchPulses: pulses)
  cfg.adcBits = 6
  cfg.dacBits = 4
  let whole = LimNetwork(configuration: cfg), stopped = LimNetwork(configuration: cfg)
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<8 { whole.train(px.baseAddress! + s * 16, label: Int(images.labels[s])) }
    for s in 0..<11 { stopped.train(px.baseAddress! + s * 16, label: Int(images.labels[s])) }
  }
  #expect(stopped.trainedSamples == 11 && stopped.readEnergy > whole.readEnergy)
  #expect(stopped.ledger() == whole.ledger())
  #expect(whole.ledger().read == whole.readEnergy && whole.ledger().read > 0)
  // The batch's end books its reads with its update.
  images.pixels.withUnsafeBufferPointer { px in
    for s in 8..<12 { whole.train(px.baseAddress! + s * 16, label: Int(images.labels[s])) }
    stopped.train(px.baseAddress! + 11 * 16, label: Int(images.labels[11]))
  }
  #expect(stopped.ledger() == whole.ledger())
  #expect(stopped.ledger().read == stopped.readEnergy)
}

// `applyBatch` scans only the rows the batch's samples accumulated into
// (since session 47): every sum still goes out at the batch's end — none
// is left for the next batch — whatever the batch kind.
@Test(arguments: [(UpdateMethod.b, BatchPulses.sign, 0.0), (.a, .net, 0.0), (.c, .sign, 0.0), (.b, .sign, 0.3)])
func everySumGoesOutAtItsBatchsEnd(method: UpdateMethod, pulses: BatchPulses, sigma: Double) {
  let cfg = smallConfiguration(method: method, sigma: sigma, batch: 4, batchPulses: pulses)
  let net = LimNetwork(configuration: cfg)
  var accumulated = 0
  images.pixels.withUnsafeBufferPointer { px in
    for s in 0..<80 {
      net.train(px.baseAddress! + s * 16, label: Int(images.labels[s]))
      let open = net.accumulators.reduce(0) { $0 + $1.filter { $0 != 0 }.count }
      if (s + 1) % 4 == 0 {
        #expect(open == 0, "sample \(s): \(open) sums left after the batch's end")
        #expect(net.touchedRows.allSatisfy { !$0.contains(true) })
      } else {
        accumulated += open
      }
    }
  }
  #expect(accumulated > 0 && net.pulses > 0)
}
