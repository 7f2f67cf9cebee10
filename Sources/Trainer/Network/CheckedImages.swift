/// The checked forms of the networks' `train` and `predict`: an image as
/// any collection of bytes, whose length is checked against the input
/// layer. The pointer forms (the training loop's) cannot check it: a
/// 3-byte image on a 16-input network read past its end (a library user's
/// walkthrough, session 34). An `[UInt8]` or `ArraySlice<UInt8>` (what
/// `Experiment.trainingImage` gives) picks these forms.
@inline(__always)
func withCheckedImage<R>(
  _ pixels: some Collection<UInt8>, of sizes: [Int], _ body: (UnsafePointer<UInt8>) -> R
) -> R {
  precondition(pixels.count == sizes[0], "an image of \(pixels.count) bytes for \(sizes[0]) inputs")
  if let r = pixels.withContiguousStorageIfAvailable({ body($0.baseAddress!) }) { return r }
  return Array(pixels).withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension LimNetwork {
  /// Trains on an image of exactly `sizes[0]` bytes (0…255), row-major;
  /// returns the cross-entropy loss before the update.
  ///
  /// - Precondition: `pixels.count == sizes[0]`, and the label is one of
  ///   the `sizes.last` outputs.
  @discardableResult
  public func train(_ pixels: some Collection<UInt8>, label: Int) -> Float {
    withCheckedImage(pixels, of: sizes) { train($0, label: label) }
  }

  /// The predicted class of an image of exactly `sizes[0]` bytes.
  ///
  /// - Precondition: `pixels.count == sizes[0]`.
  public func predict(_ pixels: some Collection<UInt8>) -> Int {
    withCheckedImage(pixels, of: sizes) { predict($0) }
  }
}

extension FloatNetwork {
  /// One SGD step on an image of exactly `sizes[0]` bytes (0…255),
  /// row-major; returns the loss before the step.
  ///
  /// - Precondition: `pixels.count == sizes[0]`, and the label is one of
  ///   the `sizes.last` outputs.
  @discardableResult
  public func train(_ pixels: some Collection<UInt8>, label: Int) -> Float {
    withCheckedImage(pixels, of: sizes) { train($0, label: label) }
  }

  /// The predicted class of an image of exactly `sizes[0]` bytes.
  ///
  /// - Precondition: `pixels.count == sizes[0]`.
  public func predict(_ pixels: some Collection<UInt8>) -> Int {
    withCheckedImage(pixels, of: sizes) { predict($0) }
  }
}

extension HybridNetwork {
  /// Trains on an image of exactly `sizes[0]` bytes (0…255), row-major;
  /// returns its loss before the update.
  ///
  /// - Precondition: `pixels.count == sizes[0]`, and the label is one of
  ///   the `sizes.last` outputs.
  @discardableResult
  public func train(_ pixels: some Collection<UInt8>, label: Int) -> Float {
    withCheckedImage(pixels, of: sizes) { train($0, label: label) }
  }

  /// The predicted class of an image of exactly `sizes[0]` bytes.
  ///
  /// - Precondition: `pixels.count == sizes[0]`.
  public func predict(_ pixels: some Collection<UInt8>) -> Int {
    withCheckedImage(pixels, of: sizes) { predict($0) }
  }
}
