/// A data file that cannot be loaded: missing, unreadable or malformed.
///
/// Its description is one line that names the file and the problem, e.g.
/// `data/mnist/t10k-labels-idx1-ubyte: truncated: expected 10008 bytes
/// (8-byte header + 10000 labels), found 4096`.
public struct DatasetError: Error, CustomStringConvertible, Sendable, Equatable
{
  /// What is wrong with the file.
  public enum Kind: Sendable, Equatable {
    /// The file does not exist (nor its `.gz` variant, where one is sought).
    case missingFile
    /// The file exists but could not be read (a directory, no permission).
    case unreadable
    /// The first four bytes are not the IDX magic number expected.
    case badMagic
    /// An IDX file of the right rank whose elements are not unsigned bytes.
    case wrongDataType
    /// The header is short or describes an impossible shape.
    case badHeader
    /// The file is shorter than its header says.
    case truncated
    /// The file is longer than its header says.
    case trailingData
    /// The images and labels files hold different numbers of items.
    case countMismatch
    /// A gzip-compressed file that does not decompress cleanly.
    case corruptGzip
    /// A file whose header claims more data than the memory available.
    case tooLarge
  }

  /// The path of the file at fault.
  public var file: String
  /// What is wrong with it.
  public var kind: Kind
  /// The problem in a few words, with the numbers involved.
  public var message: String

  public init(file: String, kind: Kind, _ message: String) {
    self.file = file
    self.kind = kind
    self.message = message
  }

  public var description: String { "\(file): \(message)" }
}
