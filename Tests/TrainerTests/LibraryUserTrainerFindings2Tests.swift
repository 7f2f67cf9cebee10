// What session 34's library walkthrough left alone, settled in session 35:
// the networks take an image as bytes whose length they check.
import Testing
import Trainer

private func configuration(_ rule: LearningRule) -> TrainingConfiguration {
  var cfg = TrainingConfiguration()
  cfg.rule = rule
  cfg.layers = [4, 3, 2]
  return cfg
}

// A 3-byte image on a 4-input network: the pointer forms read past its
// end. An array or slice picks the checked forms, which refuse it. (Exit
// tests capture nothing: one test a network.)
private func stderr(_ exit: ExitTest.Result) -> String {
  String(decoding: exit.standardErrorContent, as: UTF8.self)
}

@Test func anImageOfTheWrongLengthIsRefusedByLim() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    var cfg = TrainingConfiguration()
    cfg.layers = [4, 3, 2]
    _ = LimNetwork(configuration: cfg).train([255, 0, 255] as [UInt8], label: 1)
  }
  #expect(stderr(exit).contains("an image of 3 bytes for 4 inputs"))
}

@Test func anImageOfTheWrongLengthIsRefusedByFloat() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    var cfg = TrainingConfiguration()
    cfg.rule = .float
    cfg.layers = [4, 3, 2]
    _ = FloatNetwork(configuration: cfg).predict([255, 0, 255, 0, 1] as [UInt8])
  }
  #expect(stderr(exit).contains("an image of 5 bytes for 4 inputs"))
}

@Test func anImageOfTheWrongLengthIsRefusedByHybrid() async throws {
  let exit = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
    var cfg = TrainingConfiguration()
    cfg.rule = .hybrid
    cfg.layers = [4, 3, 2]
    let bytes: [UInt8] = [255, 0, 255, 0]
    _ = try! HybridNetwork(configuration: cfg).train(bytes[1...], label: 0)
  }
  #expect(stderr(exit).contains("an image of 3 bytes for 4 inputs"))
}

// The checked forms are the pointer forms on the same bytes: two networks
// built alike, one trained through each, agree to the last bit.
@Test func theCheckedFormsTrainAsThePointerFormsDo() throws {
  let images: [[UInt8]] = [[255, 0, 255, 0], [0, 255, 0, 255], [128, 128, 0, 9]]
  let labels = [1, 0, 1]
  let checked = LimNetwork(configuration: configuration(.lim))
  let pointer = LimNetwork(configuration: configuration(.lim))
  let floatChecked = FloatNetwork(configuration: configuration(.float))
  let floatPointer = FloatNetwork(configuration: configuration(.float))
  let hybridChecked = try HybridNetwork(configuration: configuration(.hybrid))
  let hybridPointer = try HybridNetwork(configuration: configuration(.hybrid))
  for round in 0..<5 {
    for (image, label) in zip(images, labels) {
      // A slice of a longer buffer, as `Experiment.trainingImage` gives.
      let padded = [7, 7] + image + [7]
      let slice = padded[2..<6]
      let a = round % 2 == 0 ? checked.train(image, label: label) : checked.train(slice, label: label)
      let b = image.withUnsafeBufferPointer { pointer.train($0.baseAddress!, label: label) }
      #expect(a == b)
      let c = floatChecked.train(slice, label: label)
      let d = image.withUnsafeBufferPointer { floatPointer.train($0.baseAddress!, label: label) }
      #expect(c == d)
      let e = hybridChecked.train(image, label: label)
      let f = image.withUnsafeBufferPointer { hybridPointer.train($0.baseAddress!, label: label) }
      #expect(e == f)
    }
  }
  for image in images {
    let p = image.withUnsafeBufferPointer { pointer.predict($0.baseAddress!) }
    #expect(checked.predict(image) == p)
    #expect(floatChecked.predict(image[...]) == image.withUnsafeBufferPointer { floatPointer.predict($0.baseAddress!) })
    #expect(hybridChecked.predict(image) == image.withUnsafeBufferPointer { hybridPointer.predict($0.baseAddress!) })
  }
  // A collection without contiguous storage is copied, not refused.
  // (It predicts what the same pixels in an array predict: "≥ 0" alone
  // could fail only by a crash, a mutation audit noted in session 48.)
  #expect(checked.predict((0..<4).lazy.map { UInt8($0 * 60) }) == checked.predict((0..<4).map { UInt8($0 * 60) }))
}
