import Circuit
import Peripherals
import Testing

@testable import Trainer

// Mutation round 67 (the forward evaluator and `takeFractions`): the
// survivors of round 66, each held by a hand-made network whose answer
// follows from `ForwardEvaluator`'s documentation (s = scale · W·a per
// layer with a bias input of 1, hard sigmoid between layers, argmax at the
// end, the first of equal outputs winning), not from the current output.

@Suite struct MutationRound67EvaluationTests {
  struct Outcome {
    var correct: Int
    var clipped: [Int]
    var above: [Int]
    var tied: Int
  }

  /// `ForwardEvaluator.correct` of `labels.count` images of 2 features
  /// (all pixels 0 unless given) through `weights`, row-major
  /// (sizes[l] + 1) × sizes[l + 1], scales 1.
  static func evaluate(
    sizes: [Int], weights: [[Float]], labels: [UInt8], pixels: [UInt8]? = nil, chains: [SenseChain]? = nil,
    noiseKey: UInt64 = 0, threads: Int = 1
  ) -> Outcome {
    let stored = weights.map { w -> UnsafeMutablePointer<Float> in
      let p = UnsafeMutablePointer<Float>.allocate(capacity: w.count)
      p.initialize(from: w, count: w.count)
      return p
    }
    defer { for p in stored { p.deallocate() } }
    let evaluator = ForwardEvaluator(
      sizes: sizes, weights: stored.map { UnsafePointer($0) }, scales: weights.map { _ in 1 },
      neuron: HardSigmoidNeuron(c: 1), chains: chains, noiseKey: noiseKey)
    let px = pixels ?? [UInt8](repeating: 0, count: labels.count * sizes[0])
    var clipped = [Int](repeating: -1, count: weights.count), above = clipped, tied = -1
    let correct = px.withUnsafeBufferPointer { p in
      labels.withUnsafeBufferPointer { l in
        clipped.withUnsafeMutableBufferPointer { c in
          above.withUnsafeMutableBufferPointer { a in
            evaluator.correct(
              pixels: p.baseAddress!, labels: l.baseAddress!, count: labels.count, features: sizes[0], threads: threads,
              clipped: c.baseAddress!, clippedAbove: a.baseAddress!, tiedAtTop: &tied)
          }
        }
      }
    }
    return Outcome(correct: correct, clipped: clipped, above: above, tied: tied)
  }

  /// A 2-3 network's weights with only the bias row (row 2) set.
  static func biasOnly(_ b: [Float]) -> [Float] { [0, 0, 0, 0, 0, 0] + b }

  /// Equal outputs: the first class wins (argmax keeps the first maximum,
  /// as `tiedAtTop` documents "the first of them wins"). All weights 0:
  /// every output is 0, every image is class 0 (mutant: the last of the
  /// tied classes won, class 2).
  @Test(arguments: [1, 5, 9])
  func theFirstOfEqualOutputsWins(count: Int) {
    let zero = [Float](repeating: 0, count: 9)
    #expect(Self.evaluate(sizes: [2, 3], weights: [zero], labels: .init(repeating: 0, count: count)).correct == count)
    #expect(Self.evaluate(sizes: [2, 3], weights: [zero], labels: .init(repeating: 2, count: count)).correct == 0)
  }

  /// The bias input is 1: with the pixels 0 and only the bias row's weight
  /// to the last class set, every image is the last class, and every image
  /// is counted, the last included, one at a time or four at a time
  /// (mutants: the bias input 0; the last class never chosen; the last
  /// image not evaluated).
  @Test(arguments: [1, 2, 5, 8, 13])
  func theBiasInputAloneMakesEveryImageTheLastClass(count: Int) {
    let w = Self.biasOnly([0, 0, 1])
    #expect(Self.evaluate(sizes: [2, 3], weights: [w], labels: .init(repeating: 2, count: count)).correct == count)
    // Pixels do not matter where their weights are 0.
    let px = (0..<(2 * count)).map { UInt8(truncatingIfNeeded: 37 * $0 + 11) }
    #expect(Self.evaluate(sizes: [2, 3], weights: [w], labels: .init(repeating: 2, count: count), pixels: px).correct == count)
  }

  /// A hidden layer's bias input is 1 too: with the input layer's weights
  /// 0 every hidden neuron reads f(0) = 0 (`activation zero`), so only the
  /// hidden bias row's weight to class 2 makes the output (mutant: the
  /// hidden bias input 0, every image class 0).
  @Test func theHiddenLayersBiasInputIsOne() {
    let first = [Float](repeating: 0, count: 3 * 2)
    let second: [Float] = [0, 0, 0, 0, 0, 0, 0, 0, 1]
    let r = Self.evaluate(sizes: [2, 2, 3], weights: [first, second], labels: .init(repeating: 2, count: 6))
    #expect(r.correct == 6)
  }

  /// With an ADC of range 1: an output sum of +2 clips at the top, −2 at
  /// the bottom, 0.5 not. Per image 2 clipped, 1 of them at the top, and
  /// no tie (one output at the top); with two outputs at the top, a tie
  /// each image, and the first of them wins (mutants: clipped and
  /// clipped-above swapped; a tie counted with one output at the top).
  @Test func clippedSumsAndTiesAtTheTop() {
    let chain = SenseChain(adc: ADC(bits: 4, range: 1))
    let one = Self.evaluate(sizes: [2, 3], weights: [Self.biasOnly([2, -2, 0.5])], labels: [0, 0, 0], chains: [chain])
    #expect(one.correct == 3)
    #expect(one.clipped == [6] && one.above == [3])
    #expect(one.tied == 0)
    let two = Self.evaluate(sizes: [2, 3], weights: [Self.biasOnly([2, 0.5, 3])], labels: [0, 0, 0, 0, 0], chains: [chain])
    #expect(two.correct == 5)
    #expect(two.clipped == [10] && two.above == [10])
    #expect(two.tied == 5)
  }

  /// Each image's read noise is drawn by the image's number in the set
  /// (`noiseKey`, `ReadNoise.Kind.evaluationImage`, index = the image):
  /// with all weights 0, image i's outputs are σ·z(i, j) exactly, so its
  /// class is the argmax of its own draws (mutant: the four images of a
  /// group shared the first's draws).
  @Test func eachImageReadsItsOwnNoise() {
    let chain = SenseChain(noise: 1)
    let count = 12
    let labels = (0..<count).map { i -> UInt8 in
      let read = ReadNoise.key(seed: 7, kind: ReadNoise.Kind.evaluationImage, index: UInt64(i), layer: 0)
      let z = (0..<3).map { ReadNoise.normal(read, $0) }
      var best = 0
      for j in 1..<3 where z[j] > z[best] { best = j }
      return UInt8(best)
    }
    // The draws must tell the images apart for the test to mean anything.
    try? #require(Set(labels).count > 1)
    let zero = [Float](repeating: 0, count: 9)
    #expect(Self.evaluate(sizes: [2, 3], weights: [zero], labels: labels, chains: [chain], noiseKey: 7).correct == count)
  }

  /// `takeFractions`: per layer, open gates over samples × the layer's
  /// neurons, then both counts restart (mutant: divided by the samples
  /// alone).
  @Test func takeFractionsDividesBySamplesTimesNeurons() {
    var counts = [6, 10], samples = 2
    #expect(takeFractions(&counts, &samples, columns: [3, 10]) == [1.0, 0.5])
    #expect(counts == [0, 0] && samples == 0)
    #expect(takeFractions(&counts, &samples, columns: [3, 10]) == [])
  }
}

// The mean of the last points' accuracies is 100·Σc/(n·points), rounded
// once: 72, 72 and 73.2 % of 500 images average to 72.4, where the sum
// of the percentages gave 72.39999999999999 (a walkthrough, session 67,
// read such digits in its summaries).
@Test func theMeanAccuracyIsTheCorrectCountsOverAllImagesRoundedOnce() {
  #expect([72, 72, 73.2].reduce(0, +) / 3 == 72.39999999999999)  // (the plain mean's noise)
  #expect(Experiment.meanAccuracy([72, 72, 73.2], of: 500) == 72.4)
  #expect(Experiment.meanAccuracy([100 * 1 / 3.0, 100 * 2 / 3.0], of: 3) == 50)
  #expect(Experiment.meanAccuracy([90], of: 10) == 90)
  // Not fractions of this test set: the plain mean.
  #expect(Experiment.meanAccuracy([90.5, 91], of: 10) == 90.75)
}
