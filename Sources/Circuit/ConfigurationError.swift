/// A bad parameter, found by validation before any work is done.
///
/// Its description is one line that names the field and the value, e.g.
/// `gMax = 1e-06 must be greater than gMin = 2e-06`.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The parameter or input field at fault (a JSON key, an option name).
  public var field: String
  /// What is wrong with it, including the offending value.
  public var message: String

  public init(field: String, _ message: String) {
    self.field = field
    self.message = message
  }

  public var description: String { "\(field): \(message)" }

  /// A value as a message shows it: a whole number without ".0" (−1, not
  /// −1.0), as the options are typed.
  public static func shown(_ x: Double) -> String {
    x.isFinite && x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
  }
}
