import Circuit

/// What the three networks share for training and predicting one image at
/// a time, and the checked forms built on it.
///
/// The pointer forms (the training loop's) cannot check an image's length:
/// a 3-byte image on a 16-input network read past its end (a library
/// user's walkthrough, session 34). The checked forms take the image as
/// any collection of bytes and refuse one whose length is not the input
/// layer's; an `[UInt8]` or `ArraySlice<UInt8>` (what
/// `Experiment.trainingImage` gives) picks them.
public protocol ImageNetwork: AnyObject {
  /// Neurons per layer, inputs first.
  var sizes: [Int] { get }
  /// Trains on one image of `sizes[0]` bytes (0…255), row-major; returns
  /// the loss before the update.
  @discardableResult func train(_ pixels: UnsafePointer<UInt8>, label: Int) -> Float
  /// The predicted class of one image of `sizes[0]` bytes.
  func predict(_ pixels: UnsafePointer<UInt8>) -> Int
}

extension LimNetwork: ImageNetwork {}
extension FloatNetwork: ImageNetwork {}
extension HybridNetwork: ImageNetwork {}

extension ImageNetwork {
  /// Trains on an image of exactly `sizes[0]` bytes (0…255), row-major;
  /// returns the loss before the update.
  ///
  /// - Precondition: `pixels.count == sizes[0]`, and the label is one of
  ///   the `sizes.last` outputs.
  @discardableResult
  public func train(_ pixels: some Collection<UInt8>, label: Int) -> Float {
    withCheckedImage(pixels) { train($0, label: label) }
  }

  /// The predicted class of an image of exactly `sizes[0]` bytes.
  ///
  /// - Precondition: `pixels.count == sizes[0]`.
  public func predict(_ pixels: some Collection<UInt8>) -> Int {
    withCheckedImage(pixels) { predict($0) }
  }

  private func withCheckedImage<R>(_ pixels: some Collection<UInt8>, _ body: (UnsafePointer<UInt8>) -> R) -> R {
    require(pixels.count == sizes[0], "an image of \(pixels.count) bytes for \(sizes[0]) inputs")
    if let r = pixels.withContiguousStorageIfAvailable({ body($0.baseAddress!) }) { return r }
    return Array(pixels).withUnsafeBufferPointer { body($0.baseAddress!) }
  }
}
