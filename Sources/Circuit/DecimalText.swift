/// Numbers in the tool's input files and options: decimal notation only.
public enum DecimalText {
  /// Whether `value`, read from `text`, lies below the smallest normal
  /// double: a subnormal, or 0 read from digits that are not all zeros
  /// (`1e-400`). Every reader refuses these: they would stand for a value
  /// that was not given.
  public static func isBelowNormal<S: StringProtocol>(_ text: S, _ value: Double) -> Bool {
    let mantissa = text.prefix { $0 != "e" && $0 != "E" }
    return value.isSubnormal || (value == 0 && mantissa.contains(where: { $0 >= "1" && $0 <= "9" }))
  }

  /// Whether `text` is a number in decimal notation: an optional sign,
  /// digits with an optional point, an optional exponent (no hex such as
  /// `0x1p-20`, no "nan" or "inf", nothing after it, not even a NUL that
  /// would end the text for `strtod`).
  public static func isNumber<S: StringProtocol>(_ text: S) -> Bool {
    var s = Substring(text)
    if s.first == "+" || s.first == "-" { s = s.dropFirst() }
    let mantissa = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
    guard mantissa.filter({ $0 == "." }).count <= 1, mantissa.contains(where: \.isNumber) else { return false }
    s = s.dropFirst(mantissa.count)
    guard !s.isEmpty else { return true }
    guard s.first == "e" || s.first == "E" else { return false }
    s = s.dropFirst()
    if s.first == "+" || s.first == "-" { s = s.dropFirst() }
    return !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber }
  }
}
