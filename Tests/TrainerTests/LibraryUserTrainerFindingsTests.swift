// A researcher's first hour with the Trainer library (session 34): the
// networks driven directly, sample by sample, with a mistaken label.
import Testing
import Trainer

private func smallConfiguration(_ rule: LearningRule) -> TrainingConfiguration {
  var cfg = TrainingConfiguration()
  cfg.rule = rule
  cfg.layers = [4, 3, 2]
  return cfg
}

// Label 9 on a network of 2 outputs trained every output towards 0 and
// returned a loss of 0; a label outside the output layer is now a
// programmer error at the entry, as an image index outside a data set is.
@Test func aLabelBeyondTheOutputLayerTrapsInLim() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    let net = LimNetwork(configuration: smallConfiguration(.lim))
    let pixels: [UInt8] = [255, 0, 255, 0]
    _ = pixels.withUnsafeBufferPointer { net.train($0.baseAddress!, label: 9) }
  }
  #expect(String(decoding: exit.standardErrorContent, as: UTF8.self).contains("label 9 outside the 2 output neurons"))
}

@Test func aLabelBeyondTheOutputLayerTrapsInFloat() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    let net = FloatNetwork(configuration: smallConfiguration(.float))
    let pixels: [UInt8] = [255, 0, 255, 0]
    _ = pixels.withUnsafeBufferPointer { net.train($0.baseAddress!, label: 2) }
  }
  #expect(String(decoding: exit.standardErrorContent, as: UTF8.self).contains("label 2 outside the 2 output neurons"))
}

@Test func aLabelBeyondTheOutputLayerTrapsInHybrid() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    let net = try! HybridNetwork(configuration: smallConfiguration(.hybrid))
    let pixels: [UInt8] = [255, 0, 255, 0]
    _ = pixels.withUnsafeBufferPointer { net.train($0.baseAddress!, label: -1) }
  }
  #expect(String(decoding: exit.standardErrorContent, as: UTF8.self).contains("label -1 outside the 2 output neurons"))
}

@Test func aLabelWithinTheOutputLayerTrains() throws {
  let pixels: [UInt8] = [255, 0, 255, 0]
  let lim = LimNetwork(configuration: smallConfiguration(.lim))
  let loss = pixels.withUnsafeBufferPointer { lim.train($0.baseAddress!, label: 1) }
  #expect(loss > 0 && loss.isFinite)
  let hybrid = try HybridNetwork(configuration: smallConfiguration(.hybrid))
  let hybridLoss = pixels.withUnsafeBufferPointer { hybrid.train($0.baseAddress!, label: 1) }
  #expect(hybridLoss > 0 && hybridLoss.isFinite)
}
