import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// Mutation round 66a (the IDX reader, the gzip framing and the DEFLATE
// decoder): the survivors' tests. The streams are written bit by bit here
// (RFC 1951's fixed code, RFC 1952's framing), so each one exercises one
// rule of the formats.

/// Bits packed least significant first, as DEFLATE sends them (round 6's
/// tests write theirs with it too).
struct Bits {
  var bytes: [UInt8] = []
  var count = 0
  /// `value`'s low `n` bits, least significant first (header fields,
  /// extra bits).
  mutating func put(_ value: Int, _ n: Int) {
    for k in 0..<n {
      if count % 8 == 0 { bytes.append(0) }
      bytes[bytes.count - 1] |= UInt8((value >> k) & 1) << UInt8(count % 8)
      count += 1
    }
  }
  /// A Huffman code of `n` bits: sent most significant bit first.
  mutating func code(_ value: Int, _ n: Int) {
    for k in stride(from: n - 1, through: 0, by: -1) { put((value >> k) & 1, 1) }
  }
  /// A literal/length symbol in the fixed code of block type 1.
  mutating func fixed(_ symbol: Int) {
    switch symbol {
    case 0..<144: code(0x30 + symbol, 8)
    case 144..<256: code(0x190 + symbol - 144, 9)
    case 256..<280: code(symbol - 256, 7)
    default: code(0xC0 + symbol - 280, 8)
    }
  }
  /// A fixed-code block's distance symbol (5 bits).
  mutating func distance(_ symbol: Int) { code(symbol, 5) }
}

/// `x` in four bytes, least significant first (gzip's trailer).
func le32(_ x: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: x >> (8 * $0)) } }

/// One gzip member: a 10-byte header, `deflate`, and the trailer of `data`
/// (its CRC-32 and size).
private func member(_ deflate: [UInt8], of data: [UInt8]) -> [UInt8] {
  [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + deflate
    + le32(data.withUnsafeBytes { _crc32($0) }) + le32(UInt32(data.count))
}

/// A member holding `data` in one stored block.
private func storedMember(_ data: [UInt8]) -> [UInt8] {
  let n = data.count
  return member(
    [0x01, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8 & 0xFF)] + data, of: data)
}

/// Decompression's error message, or a note that it succeeded.
private func failure(_ bytes: [UInt8]) -> String {
  do {
    let out = try gunzip(bytes)
    return "decompressed \(out.count) bytes"
  } catch {
    return error.message
  }
}

@Suite("Mutation round 66a: the IDX and gzip readers")
struct MutationRound66aTrainerTests {
  // MARK: gzip framing

  /// After a member, the two bytes 1f 8b are the magic of a second member
  /// whose 10-byte header is cut short, not "non-gzip data" (RFC 1952: a
  /// member starts with ID1 ID2; two bytes are enough to recognise one).
  @Test func twoMagicBytesAfterAMemberAreASecondMembersCutHeader() {
    let message = failure(storedMember(Array("abc".utf8)) + [0x1F, 0x8B])
    #expect(message.contains("member 2: header truncated"), "\(message)")
  }

  /// A gzip file that is a header and nothing else has no compressed data:
  /// its header is cut short (the byte after it would be the first of the
  /// DEFLATE stream), not a stored block "failing its check" decoded
  /// from bits past the end.
  @Test func aBareTenByteHeaderIsATruncatedHeader() {
    let message = failure([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3])
    #expect(message.contains("member 1: header truncated"), "\(message)")
  }

  /// A single member whose data happen to hold `1f 8b 08` followed by a
  /// flags byte with reserved bits set is still one member: such bytes
  /// cannot start a member (RFC 1952: reserved flags must be zero), so its
  /// trailer is the whole file's size.
  @Test func magicBytesWithReservedFlagsDoNotStartASecondMember() {
    let data: [UInt8] = [7, 7, 0x1F, 0x8B, 8, 0xE0, 0, 0, 0, 0, 0, 3, 7, 7, 7, 7, 7, 7, 7, 7]
    let file = storedMember(data)
    file.withUnsafeBytes { raw in
      #expect(_Gzip.isSingleMember(raw))
      #expect(_Gzip.trailerSizes(raw)?.first == UInt32(data.count))
    }
    // With a valid flags byte (and OS 3) the same bytes could be one.
    var valid = data
    valid[5] = 0
    storedMember(valid).withUnsafeBytes { raw in #expect(!_Gzip.isSingleMember(raw)) }
  }

  /// Bytes that do not start with the gzip magic are not gzip data (the
  /// file's first member), whatever follows: a ZIP archive's local header
  /// is not "data after the last member".
  @Test func aFileWithoutTheMagicIsNotGzipData() {
    let message = failure([0x50, 0x4B, 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0])
    #expect(message.hasPrefix("not gzip data"), "\(message)")
  }

  /// A CRC-32 mismatch quotes both values as 8 upper-case hex digits, as
  /// the trailer stores them (CRC-32 of "abc" is 0x352441C2).
  @Test func aCRCMismatchQuotesBothValuesInUpperCaseHex() {
    var file = storedMember(Array("abc".utf8))
    file.replaceSubrange(file.count - 8..<file.count - 4, with: le32(0xABC_DEF1))
    let message = failure(file)
    #expect(message == "member 1: CRC-32 0x352441C2, trailer says 0x0ABCDEF1", "\(message)")
  }

  // MARK: DEFLATE

  /// A dynamic block may declare at most 286 literal/length codes and 30
  /// distance codes (RFC 1951 3.2.7: HLIT 257-286, HDIST 1-30), though
  /// its 5-bit fields can say 288 and 32: more is refused as such.
  @Test func aDynamicBlockWithTooManyCodesIsRefusedByItsCounts() {
    for (hlit, hdist, phrase) in [(30, 0, "287 literal/length"), (31, 0, "288 literal/length"), (0, 30, "31 distance"), (0, 31, "32 distance")] {
      var w = Bits()
      w.put(1, 1)  // BFINAL
      w.put(2, 2)  // dynamic
      w.put(hlit, 5)
      w.put(hdist, 5)
      w.put(15, 4)  // HCLEN: 19
      for _ in 0..<19 { w.put(2, 3) }  // code-length code: lengths of 2 (over-subscribed, never read)
      let message = failure(member(w.bytes + [UInt8](repeating: 0, count: 8), of: []))
      #expect(message.contains(phrase), "\(hlit), \(hdist): \(message)")
    }
  }

  /// Code lengths that claim more codes than their bit patterns allow
  /// (RFC 1951 3.2.2: a prefix code; nineteen 2-bit codes where four fit)
  /// are refused when the code is built, not decoded ambiguously.
  @Test func anOverSubscribedCodeLengthCodeIsRefused() {
    var w = Bits()
    w.put(1, 1)
    w.put(2, 2)
    w.put(0, 5)
    w.put(0, 5)
    w.put(15, 4)
    for _ in 0..<19 { w.put(2, 3) }
    let message = failure(member(w.bytes + [UInt8](repeating: 0, count: 40), of: []))
    #expect(message == "over-subscribed Huffman code", "\(message)")
  }

  /// A match may reach back to the stream's first byte (RFC 1951: a
  /// distance up to the bytes output so far): one literal and a match of 3
  /// at distance 1 are four equal bytes.
  @Test func aMatchMayReachTheStreamsFirstByte() throws {
    var w = Bits()
    w.put(1, 1)
    w.put(1, 2)
    w.fixed(0x61)
    w.fixed(257)
    w.distance(0)
    w.fixed(256)
    #expect(try gunzip(member(w.bytes, of: Array("aaaa".utf8))) == Array("aaaa".utf8))
  }

  /// A file cut right after its compressed data, its 8-byte trailer
  /// missing, is a truncated trailer: the stream itself was whole.
  @Test func aFileCutAfterItsStreamHasATruncatedTrailer() {
    let file = storedMember(Array("abc".utf8))
    let message = failure(Array(file.dropLast(8)))
    #expect(message == "member 1: trailer truncated", "\(message)")
  }

  /// A fixed-code block cut before its end-of-block code is truncated
  /// compressed data, even though the zero bits read past the end would
  /// decode as end-of-block (its 7-bit code is 0000000).
  @Test func aBlockCutBeforeItsEndOfBlockIsTruncatedData() {
    var w = Bits()
    w.put(1, 1)
    w.put(1, 2)
    for c in "abc".utf8 { w.fixed(Int(c)) }  // 27 bits: the code 256 would cross the 4th byte
    let message = failure([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + w.bytes)
    #expect(message == "compressed data truncated", "\(message)")
  }

  /// With a limit L, data longer than L inflate to exactly L + 1 bytes
  /// (the "more" byte), however small the first output buffer: stored,
  /// literal and match bytes alike fill the output up to the limit.
  @Test func aLimitGivesLPlusOneBytesWhateverTheFirstBuffer() throws {
    var g = SeededGenerator(seed: 661)
    let data = (0..<3000).map { _ in UInt8(truncatingIfNeeded: g.next() % 4) }
    var w = Bits()
    w.put(1, 1)
    w.put(1, 2)
    for byte in data.prefix(1500) { w.fixed(Int(byte)) }
    var copied = Array(data.prefix(1500))
    while copied.count < 3000 {  // matches of 258 at distance 1500
      w.fixed(285)
      w.distance(20)  // 1025 + 475
      w.put(475, 9)
      for _ in 0..<258 { copied.append(copied[copied.count - 1500]) }
    }
    w.fixed(256)
    for file in [storedMember(data), member(w.bytes, of: copied)] {
      let whole = try gunzip(file)
      for limit in [1023, 1024, 1500, 2047] {
        for capacity in [nil, 1, 1024, 1025, 2048] as [Int?] {
          let out = try file.withUnsafeBytes { raw throws(_InflateError) in
            try _Gzip.decompress(raw, limit: limit, capacity: capacity) { Array($0) }
          }
          #expect(out == Array(whole.prefix(limit + 1)), "limit \(limit), capacity \(String(describing: capacity)): \(out.count) bytes")
        }
      }
    }
  }

  /// Literal/length symbols 286 and 287 have codes in the fixed code but
  /// stand for no length (RFC 1951 3.2.6: "will never actually occur"):
  /// a stream using one is refused naming it.
  @Test func fixedLengthSymbols286And287AreRefused() {
    for symbol in [286, 287] {
      var w = Bits()
      w.put(1, 1)
      w.put(1, 2)  // fixed
      w.fixed(0x61)
      w.fixed(symbol)
      w.distance(0)
      w.fixed(256)
      let message = failure(member(w.bytes, of: []))
      #expect(message.contains("invalid length symbol \(symbol)"), "\(message)")
    }
  }

  /// Length symbol 285 is a match of 258 bytes, with no extra bits (RFC
  /// 1951 3.2.5): one literal and that match at distance 1 are 259 equal
  /// bytes.
  @Test func lengthSymbol285CopiesTwoHundredFiftyEightBytes() throws {
    var w = Bits()
    w.put(1, 1)
    w.put(1, 2)
    w.fixed(0x61)
    w.fixed(285)
    w.distance(0)
    w.fixed(256)
    let data = [UInt8](repeating: 0x61, count: 259)
    #expect(try gunzip(member(w.bytes, of: data)) == data)
  }

  /// Every distance symbol's base and extra bits (RFC 1951 3.2.5): after
  /// 32768 literals, a 3-byte match at each symbol's smallest and largest
  /// distance copies the bytes that far back.
  @Test func everyDistanceSymbolReachesItsRange() throws {
    var g = SeededGenerator(seed: 66)
    var data = (0..<32768).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    var w = Bits()
    w.put(1, 1)
    w.put(1, 2)
    for byte in data { w.fixed(Int(byte)) }
    let bases = [
      1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
      257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    for (symbol, base) in bases.enumerated() {
      let extra = symbol < 4 ? 0 : symbol / 2 - 1
      for e in [0, (1 << extra) - 1] {
        let back = base + e
        w.fixed(257)  // length 3
        w.distance(symbol)
        w.put(e, extra)
        for _ in 0..<3 { data.append(data[data.count - back]) }
      }
    }
    w.fixed(256)
    #expect(try gunzip(member(w.bytes, of: data)) == data)
  }

  /// Distances reach back within their own member only (RFC 1952: each
  /// member is a DEFLATE stream of its own): a second member that opens
  /// with a match into the first member's bytes is refused.
  @Test func aSecondMembersMatchCannotReachIntoTheFirst() {
    var w = Bits()
    w.put(1, 1)
    w.put(1, 2)
    w.fixed(257)
    w.distance(0)
    w.fixed(256)
    let message = failure(storedMember(Array("abc".utf8)) + member(w.bytes, of: Array("ccc".utf8)))
    #expect(message.contains("reaches before the start"), "\(message)")
  }

  // MARK: IDX

  /// Data sets are equal when their shapes, pixels and labels are: the
  /// same images under other labels are another data set.
  @Test func theSameImagesUnderOtherLabelsAreAnotherDataSet() {
    let pixels: [UInt8] = [0, 255, 7, 9]
    let a = IDXDataset(rows: 1, cols: 2, pixels: pixels, labels: [1, 2])
    let b = IDXDataset(rows: 1, cols: 2, pixels: pixels, labels: [2, 1])
    #expect(a != b)
    #expect(a == IDXDataset(rows: 1, cols: 2, pixels: pixels, labels: [1, 2]))
  }

  /// A magic whose first two bytes are not zero is no IDX magic, even when
  /// its last two look like a type and a rank (IDX: bytes 0-1 are zero):
  /// it is a bad magic, not "IDX of another element type".
  @Test func aMagicWithNonZeroLeadingBytesIsNotIDX() {
    let bytes: [UInt8] = [0x12, 0x34, 0x0B, 0x03] + [UInt8](repeating: 0, count: 12)
    do {
      _ = try IDXDataset.header(bytes, file: "x", rank: 3)
      Issue.record("accepted")
    } catch {
      #expect(error.kind == .badMagic, "\(error.kind): \(error.message)")
      #expect(error.message.hasPrefix("bad magic 0x12340B03, expected 0x00000803"), "\(error.message)")
      #expect(!error.message.contains("this is IDX"), "\(error.message)")
    }
  }

  /// Decompression stopped at n bytes (more to come) while a single
  /// member's trailer gives exactly n (mod 2^32): the trailer is quoted,
  /// since the file may hold n + k·2^32 bytes.
  @Test func aTrailerEqualToTheBytesInflatedIsQuoted() {
    do {
      try IDXDataset.checkSize([5], 5, found: .atLeast(14, trailer: 14), file: "x", rank: 1, items: "labels")
      Issue.record("accepted")
    } catch {
      #expect(error.kind == .trailingData)
      #expect(error.message.contains("at least 14 (decompression stopped there; its gzip trailer gives 14, mod 2^32)"), "\(error.message)")
    }
  }

  /// A gzip file above the 64 MiB bomb threshold whose trailer gives the
  /// size its header does is read (the threshold only refuses a header
  /// and a trailer that disagree): 2^26 + 1 zero labels, in one
  /// fixed-code block of 258-byte matches.
  @Test func aLargeGzipFileWhoseTrailerAgreesIsRead() throws {
    let count = (1 << 26) + 1
    let header: [UInt8] = [0, 0, 8, 1, UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
    var w = Bits()
    w.put(1, 1)
    w.put(1, 2)
    for byte in header { w.fixed(Int(byte)) }
    w.fixed(0)
    var left = count - 1
    while left >= 258 {
      w.fixed(285)
      w.distance(0)
      left -= 258
    }
    for _ in 0..<left { w.fixed(0) }
    w.fixed(256)
    var data = header + [UInt8](repeating: 0, count: count)
    let crc = data.withUnsafeBytes { _crc32($0) }
    let file: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + w.bytes + le32(crc) + le32(UInt32(truncatingIfNeeded: data.count))
    data = []
    let (dims, labels) = try file.withUnsafeBytes { raw in
      try IDXDataset.gunzip(raw, file: "labels.gz", rank: 1, items: "labels", memoryShortfall: nil)
    }
    #expect(dims == [count])
    #expect(labels.count == count && labels.allSatisfy { $0 == 0 })
  }
}
