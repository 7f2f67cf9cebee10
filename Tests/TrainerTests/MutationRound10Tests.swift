import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 10 (checkpoints of rules hybrid and single, exact
// continuation: HybridNetwork.restore, the random streams' states,
// Experiment's starting place): the survivors' tests, library side. The
// command line's are in XbarsimTests/MutationRound10Tests.swift.

@Suite("Mutation round 10: restoring a hybrid network")
struct MutationRound10RestoreTests {
  /// A small hybrid (or single-pair) network trained a few steps, with
  /// d2d (each device its own range) and c2c (its streams moved).
  static func trained(_ rule: LearningRule = .hybrid, measured: Bool = false) throws -> HybridNetwork {
    var cfg = HybridNetworkTests.configuration(rule: rule, c2c: 0.3)
    cfg.d2d = 0.3
    if measured {
      let dir = try Scratch.directory("xbarsim-mut10-curve")
      defer { try? FileManager.default.removeItem(at: dir) }
      let url = dir.appendingPathComponent("device.csv")
      try ["p,2e-6", "p,3e-6", "p,4.5e-6", "p,6e-6", "p,7e-6", "p,8e-6"].joined(separator: "\n").write(to: url, atomically: false, encoding: .utf8)
      try cfg.set("device_csv", url.path)
    }
    let net = try HybridNetwork(configuration: cfg)
    var rng = SeededGenerator(seed: 10)
    for s in 0..<60 {
      if s == 30 && rule == .hybrid { net.switchToFineTuning() }
      let x = (0..<4).map { _ in Float(rng.next() % 5) / 4 }
      let delta = (0..<3).map { _ in Float(Int(rng.next() % 9) - 4) / 4 }
      _ = HybridNetworkTests.step(net, x: x, delta: delta)
    }
    return net
  }

  /// A fresh network of `net`'s configuration.
  static func fresh(_ net: HybridNetwork) throws -> HybridNetwork { try HybridNetwork(configuration: net.configuration) }

  /// `restore` takes the checkpoint's phase either way: a network that had
  /// switched to its small arrays, given a dynamic checkpoint, updates the
  /// big ones again (it had stayed fine; found by this round, fixed).
  @Test func restoreTakesTheCheckpointsPhaseEitherWay() throws {
    let dynamic = try Self.fresh(try Self.trained())
    let target = try Self.fresh(dynamic)
    target.switchToFineTuning()
    #expect(target.phase == .fine)
    try target.restore(dynamic.layerStates, phase: .dynamic, encoderStreams: dynamic.encoderStreams)
    #expect(target.phase == .dynamic && target.selectedKind == .big)
    try target.restore(dynamic.layerStates, phase: .fine)
    #expect(target.phase == .fine)
  }

  // A random stream's state is refused when no stream could hold it:
  // xoshiro's dead all-zero state, and more than five draws left of a
  // word (mutants: either check dropped).
  @Test func aStreamStateNoStreamCanHoldIsRefused() {
    #expect(SeededGenerator(state: [0, 0, 0, 0]) == nil)
    #expect(SeededGenerator(state: [0, 0, 0, 1]) != nil)
    #expect(GaussianStream(state: [1, 2, 3, 4, 99, 6]) == nil)
    #expect(GaussianStream(state: [1, 2, 3, 4, 99, 5]) != nil)
  }

  // `restore` is public: what does not fit the network is refused there,
  // whatever `Checkpoint.read` already checked (mutants: each guard
  // dropped; some then write out of bounds). Nothing is changed by a
  // refusal.
  @Test func restoreRefusesStatesThatDoNotFitTheNetwork() throws {
    let source = try Self.trained()
    let good = source.layerStates, encoders = source.encoderStreams
    let target = try Self.fresh(source)
    let before = target.layerStates
    func refused(_ what: String, _ states: [HybridLayerState], encoders e: [[UInt64]]? = nil, phase: HybridPhase = .fine,
      into net: HybridNetwork? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
      #expect(throws: ConfigurationError.self, "\(what)", sourceLocation: sourceLocation) {
        try (net ?? target).restore(states, phase: phase, encoderStreams: e)
      }
    }
    func edited(_ layer: Int = 0, _ edit: (inout HybridLayerState) -> Void) -> [HybridLayerState] {
      var s = good
      edit(&s[layer])
      return s
    }
    refused("one layer's states for two layers", Array(good.dropLast()))
    refused("one encoder stream for two shares", good, encoders: Array(encoders.dropLast()))
    refused("a dead noise stream", edited { $0.streams![1] = [0, 0, 0, 0, 0, 0] })
    refused("pending noise longer than a block", edited { $0.streams = nil; $0.pendingNoise[0] = Array(repeating: 0, count: ApplyShare.noiseBlock + 1) })
    refused("a pending index beyond the table", edited { $0.streams = nil; $0.pendingNoise[1] = [UInt16(GaussianTable.values.count)] })
    refused("another shape, the same number of cells", edited { $0.rows += 1 })
    // A conductance below its device's own G_min, the weight cache kept
    // to the devices' sum (so that only the range check can refuse it).
    refused("a conductance below its range", edited { s in
      let low = target.layers[0].low(0, 0)
      s.weights[0] += (low - 0.05) - s.conductances[0][0]
      s.conductances[0][0] = low - 0.05
    })
    #expect(target.layerStates == before, "a refused restore changed the network")
    // The states restore into the fresh network, the phase with them.
    try target.restore(good, phase: .fine, encoderStreams: encoders)
    #expect(target.layerStates == good)
    // Rule single has no fine phase.
    let pair = try Self.trained(.single)
    refused("rule single fine", pair.layerStates, phase: .fine, into: try Self.fresh(pair))
  }

  // Arrays of another count or length are refused before anything is
  // read from them (mutants: the count of arrays, the positions for a
  // linear device, the weights' length unchecked: each then traps on an
  // index out of range, or a nil curve position).
  @Test func restoreRefusesArraysOfAnotherCountOrLength() throws {
    let source = try Self.trained()
    let good = source.layerStates
    let target = try Self.fresh(source)
    func edited(_ edit: (inout HybridLayerState) -> Void) -> [HybridLayerState] {
      var s = good
      edit(&s[0])
      return s
    }
    for (what, states) in [
      ("three device arrays for four", edited { $0.conductances.removeLast() }),
      ("positions for the linear device", edited { s in s.positions = s.conductances.map { $0.map { _ in Int32(0) } } }),
      ("one weight short", edited { $0.weights.removeLast() }),
    ] {
      #expect(throws: ConfigurationError.self, "\(what)") { try target.restore(states, phase: .fine) }
    }
    try target.restore(good, phase: .fine)
  }

  // A position on the curve below 0 is refused as one beyond its end is
  // (mutant: only the upper end checked).
  @Test func aNegativePositionOnTheCurveIsRefused() throws {
    let source = try Self.trained(measured: true)
    var states = source.layerStates
    #expect(states[0].positions.count == 4)
    states[0].positions[0][0] = -1
    let target = try Self.fresh(source)
    #expect(throws: ConfigurationError.self) { try target.restore(states, phase: .fine) }
    states[0].positions[0][0] = 0
    try target.restore(states, phase: .fine)
  }

  // The line sums (the read energy's row loads, the half-select
  // bookings' row and column sums) are the restored devices', not the
  // fresh network's (mutant: not recomputed after the restore).
  @Test func aRestoredNetworksLineSumsAreItsDevices() throws {
    let source = try Self.trained()
    let target = try Self.fresh(source)
    try target.restore(source.layerStates, phase: .fine)
    for (a, b) in zip(source.layers, target.layers) {
      // (The trained network's sums were kept pulse by pulse: equal to
      // rounding.)
      for i in 0..<a.rows { #expect(abs(a.rowLoad[i] - b.rowLoad[i]) < 1e-5, "row load \(i)") }
      for d in a.g.indices {
        for j in 0..<a.columns { #expect(abs(a.columnSum[d][j] - b.columnSum[d][j]) < 1e-5, "array \(d) column \(j)") }
        for i in 0..<a.rows { #expect(abs(a.rowSum(d, i) - b.rowSum(d, i)) < 1e-5, "array \(d) row \(i)") }
      }
    }
    // (The test is of a network that moved from the fresh one's loads.)
    let untouched = try Self.fresh(source)
    #expect((0..<source.layers[0].rows).contains { abs(source.layers[0].rowLoad[$0] - untouched.layers[0].rowLoad[$0]) > 1e-3 })
  }
}

@Suite("Mutation round 10: a run that goes on inside an epoch")
struct MutationRound10GoOnTests {
  // A run that goes on 50 images into the first of two 120-image epochs
  // trains 190 images and takes its evaluation points where the
  // uninterrupted run's lie (since session 40: they had been spread over
  // its own 190 images), 60, 120, 180 and 240 less the 50, and with
  // final_iterations 3 a point after each of its last three updates, 188,
  // 189 and 190 (mutants: the points not moved by the 50 images, the last
  // never reached; the final updates' ends not moved, none reached).
  @Test func theEvaluationPointsLieWhereTheUninterruptedRunsLie() throws {
    var cfg = TrainingConfiguration()
    cfg.layers = [64, 8, 10]
    cfg.epochs = 2
    cfg.evaluationsPerEpoch = 2
    cfg.finalIterations = 3
    let train = Fixture.dataset(SyntheticImages(count: 120, seed: 1)), test = Fixture.dataset(SyntheticImages(count: 10, seed: 2))
    let e = try Experiment(configuration: cfg, train: train, test: test)
    e.startingIndex = 50
    let r = e.run()
    #expect(r.trainImages == 190)
    #expect(r.points.map(\.images) == [10, 70, 130, 188, 189, 190])
  }
}
