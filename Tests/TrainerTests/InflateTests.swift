import Circuit
import Foundation
import Testing
import _TestSupport

@testable import Trainer

// The gzip/DEFLATE decoder against independent compressors: fixtures made
// with Python's zlib (stored, fixed-Huffman blocks) and the `gzip` program
// (dynamic blocks, file names in the header, several members).

/// `_Gzip.decompress` on a byte array (also the mutation rounds' tests').
func gunzip(_ bytes: [UInt8]) throws(_InflateError) -> [UInt8] {
  let result = bytes.withUnsafeBytes {
    (raw: UnsafeRawBufferPointer) -> Result<[UInt8], _InflateError> in
    Result { () throws(_InflateError) in try _Gzip.decompress(raw) }
  }
  return try result.get()
}

/// Expects decompression to fail with a message containing `phrase`.
private func expectFailure(
  _ bytes: [UInt8], _ phrase: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    let out = try gunzip(bytes)
    Issue.record(
      "decompressed \(out.count) bytes", sourceLocation: sourceLocation)
  } catch {
    #expect(
      error.message.contains(phrase), "\(error.message) lacks \(phrase)",
      sourceLocation: sourceLocation)
  }
}

/// Python: `gzip.compress(b"hello, hello, hello, hello! " * 3, 9, mtime=0)`;
/// one fixed-Huffman block whose matches overlap their own output.
private let helloGzip: [UInt8] = [
  0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xCB, 0x48,
  0xCD, 0xC9, 0xC9, 0xD7, 0x51, 0xC8, 0xC0, 0xA4, 0x14, 0xB1, 0x09, 0x12,
  0x25, 0x07, 0x00, 0x10, 0x4E, 0x02, 0xCA, 0x54, 0x00, 0x00, 0x00,
]
private let hello = Array(
  String(repeating: "hello, hello, hello, hello! ", count: 3).utf8)

/// Python: `gzip.compress(bytes([0,0,8,1,0,0,0,12] + [0..9, 0, 1]), 0,
/// mtime=0)`; one stored block.
private let storedGzip: [UInt8] = [
  0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03, 0x01, 0x14,
  0x00, 0xEB, 0xFF, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x0C, 0x00,
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x00, 0x01, 0xA7,
  0x49, 0x07, 0xF6, 0x14, 0x00, 0x00, 0x00,
]
private let storedPayload: [UInt8] =
  [0, 0, 8, 1, 0, 0, 0, 12] + [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]

@Test func crc32MatchesTheStandardCheckValue() {
  // The CRC-32/ISO-HDLC check value of "123456789" (also zlib's crc32).
  let check = Array("123456789".utf8).withUnsafeBytes { _crc32($0) }
  #expect(check == 0xCBF4_3926)
  #expect([UInt8]().withUnsafeBytes { _crc32($0) } == 0)
  // Slicing by 8 and the byte loop agree on every length and alignment.
  var g = SeededGenerator(seed: 5)
  let bytes = (0..<100).map { _ in UInt8(truncatingIfNeeded: g.next()) }
  for length in 0...bytes.count {
    let fast = bytes.withUnsafeBytes {
      _crc32(UnsafeRawBufferPointer(rebasing: $0[0..<length]))
    }
    var slow: UInt32 = 0xFFFF_FFFF
    for byte in bytes[0..<length] {
      slow ^= UInt32(byte)
      for _ in 0..<8 {
        slow = slow & 1 != 0 ? 0xEDB8_8320 ^ (slow >> 1) : slow >> 1
      }
    }
    #expect(fast == ~slow)
  }
}

@Test func decodesFixedHuffmanBlockWithOverlappingMatches() throws {
  #expect(try gunzip(helloGzip) == hello)
}

@Test func decodesStoredBlock() throws {
  #expect(try gunzip(storedGzip) == storedPayload)
}

@Test func skipsOptionalHeaderFields() throws {
  // FHCRC | FEXTRA | FNAME | FCOMMENT in front of the stored fixture's data.
  var bytes = Array(storedGzip[0..<10])
  bytes[3] = 0x02 | 0x04 | 0x08 | 0x10
  bytes += [3, 0, 0xAA, 0xBB, 0xCC]  // XLEN = 3, extra field
  bytes += Array("name.idx".utf8) + [0]
  bytes += Array("a comment".utf8) + [0]
  bytes += [0x12, 0x34]  // header CRC-16, not checked
  bytes += storedGzip[10...]
  #expect(try gunzip(bytes) == storedPayload)
}

@Test func concatenatedMembersDecodeInOrder() throws {
  let expected = hello + storedPayload + hello
  #expect(try gunzip(helloGzip + storedGzip + helloGzip) == expected)
}

@Test(
  .enabled(if: gzipProgram != nil),
  arguments: [0, 1, 100, 70_000, 400_000], [1, 6, 9])
func matchesTheGzipProgram(size: Int, level: Int) throws {
  // Sparse bytes (like MNIST), a repeated phrase and random bytes, so the
  // stream has literals, long and short matches and stored-looking runs.
  var g = SeededGenerator(seed: UInt64(size * 10 + level))
  var data = [UInt8]()
  data.reserveCapacity(size)
  while data.count < size {
    switch g.next() % 3 {
    case 0:
      data += (0..<Int(g.next() % 2000)).map { _ in
        g.nextUniform() < 0.8 ? 0 : UInt8(truncatingIfNeeded: g.next())
      }
    case 1:
      data += Array(repeating: hello, count: Int(g.next() % 20)).flatMap { $0 }
    default:
      data += (0..<Int(g.next() % 3000)).map { _ in
        UInt8(truncatingIfNeeded: g.next())
      }
    }
  }
  data = Array(data.prefix(size))
  let compressed = try systemGzip(data, level: level)
  #expect(try gunzip(compressed) == data)
  // With the file name in the header (gzip's default) and without.
  #expect(try gunzip(try systemGzip(data, level: level, noName: true)) == data)
}

@Test func reportsCorruptTrailer() {
  var badCRC = helloGzip
  badCRC[badCRC.count - 6] ^= 1
  expectFailure(badCRC, "CRC-32")
  var badSize = helloGzip
  badSize[badSize.count - 4] ^= 1
  expectFailure(badSize, "trailer says")
}

@Test func reportsMalformedStreams() {
  var header = Array(storedGzip[0..<10])
  expectFailure(header + [0x07], "invalid block type 3")
  expectFailure(header + [0x01, 0x14, 0x00, 0x00, 0x00], "fails its check")
  expectFailure(storedGzip + [0x00, 0x01], "non-gzip data")
  expectFailure(storedGzip + [0x00, 0x00, 0x1F], "3 bytes of non-gzip data")
  expectFailure(
    [0x1F, 0x8B, 0x07] + Array(repeating: 0, count: 20), "method 7")
  header[3] = 0x80
  expectFailure(header + [0x03, 0x00], "reserved")
  // A dynamic block (HLIT = 257, HDIST = 1, HCLEN = 4) whose only
  // code-length code is symbol 16, "repeat the previous length", sent
  // first when there is no previous length.
  expectFailure(
    [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x05, 0x00, 0x02], "length repeat")
}

/// Zero bytes after a member are padding, as gzip(1) and Python's gzip
/// module read them (found by scripts/fuzz-lib's comparison with Python):
/// at the end, and between two members.
@Test func zeroPaddingAfterAMemberIsSkipped() throws {
  let one = try gunzip(storedGzip)
  #expect(try gunzip(storedGzip + [0]) == one)
  #expect(try gunzip(storedGzip + Array(repeating: 0, count: 512)) == one)
  #expect(try gunzip(storedGzip + [0, 0, 0] + helloGzip) == one + (try gunzip(helloGzip)))
}

@Test func everyTruncationFails() {
  for sample in [helloGzip, storedGzip] {
    for length in 0..<sample.count {
      #expect(throws: _InflateError.self) {
        try gunzip(Array(sample.prefix(length)))
      }
    }
  }
}

@Test(.enabled(if: gzipProgram != nil))
func randomCorruptionNeverCrashes() throws {
  var g = SeededGenerator(seed: 11)
  let data = (0..<5000).map { _ in
    g.nextUniform() < 0.7 ? 0 : UInt8(g.next() % 7)
  }
  let good = try systemGzip(data, noName: true)
  var failures = 0
  for _ in 0..<300 {
    var bad = good
    let i = 10 + Int(g.next() % UInt64(bad.count - 10))
    bad[i] ^= UInt8(1 << (g.next() % 8))
    do {
      _ = try gunzip(bad)
    } catch {
      failures += 1
    }
  }
  // A flipped bit is caught by the decoder or the CRC-32 every time.
  #expect(failures == 300)
}

// MARK: - Output limit

@Test func aLimitCutsTheOutputJustPastIt() throws {
  func cut(_ bytes: [UInt8], limit: Int) throws -> [UInt8] {
    try bytes.withUnsafeBytes { raw in try _Gzip.decompress(raw, limit: limit) }
  }
  // Fixed Huffman (literals and overlapping matches) and a stored block:
  // limit + 1 bytes, the start of the whole output.
  for limit in [0, 1, 10, 40, hello.count - 1] {
    #expect(try cut(helloGzip, limit: limit) == Array(hello.prefix(limit + 1)))
  }
  for limit in [0, 5, storedPayload.count - 1] {
    #expect(try cut(storedGzip, limit: limit) == Array(storedPayload.prefix(limit + 1)))
  }
  // At or above the size, the output is whole and checked.
  #expect(try cut(helloGzip, limit: hello.count) == hello)
  #expect(try cut(storedGzip, limit: 1000) == storedPayload)
  var bad = storedGzip
  bad[bad.count - 8] ^= 0xFF
  expectFailure(bad, "CRC-32")
  #expect(throws: _InflateError.self) { try cut(bad, limit: storedPayload.count) }
}

/// The inflater itself stops at its limit: it has read only the start of
/// the input and never allocated more than the limit.
@Test(.enabled(if: gzipProgram != nil))
func theInflaterStopsAtItsLimitWithoutReadingTheRest() throws {
  let zeros = try systemGzip([UInt8](repeating: 0, count: 4_000_000), level: 1, noName: true)
  zeros.withUnsafeBytes { raw in
    var inflater = _Inflater(input: raw, position: 10, capacity: 1 << 30, outputLimit: 1001)
    defer { inflater.deallocate() }
    #expect(throws: _InflateError.outputLimit) { try inflater.inflateStream() }
    #expect(inflater.outputCount == 1001)
    #expect(inflater.outputCapacity <= 1001)
    #expect(inflater.consumedBytes < 100, "read \(inflater.consumedBytes) of \(raw.count) bytes")
  }
}
