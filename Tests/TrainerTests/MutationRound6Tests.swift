import Foundation
import Testing

@testable import Trainer

// Mutation round 6 (the gzip reader): the survivors' tests. (Its streams
// are written with round 66a's `Bits`.)

@Suite("Mutation round 6: the gzip reader")
struct MutationRound6TrainerTests {
  /// A dynamic block whose code lengths give the end-of-block symbol 256
  /// no code is refused as such (mutant: not checked; the block could
  /// never end, and data that decodes to literals would inflate until
  /// memory runs out).
  @Test func aDynamicBlockWithoutAnEndOfBlockCodeIsRefused() {
    var w = Bits()
    w.put(1, 1)  // BFINAL
    w.put(2, 2)  // dynamic
    w.put(0, 5)  // HLIT: 257 literal/length codes
    w.put(0, 5)  // HDIST: 1 distance code
    w.put(0, 4)  // HCLEN: 4 code-length codes, for 16, 17, 18, 0
    for length in [0, 0, 1, 0] { w.put(length, 3) }  // only 18 ("repeat 0"), code 0
    w.put(0, 1)
    w.put(127, 7)  // 138 zero lengths
    w.put(0, 1)
    w.put(109, 7)  // 120 more: all 258 zero, 256 included
    let gzip: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + w.bytes + [UInt8](repeating: 0, count: 16)
    do {
      let out = try gunzip(gzip)
      Issue.record("decompressed \(out.count) bytes")
    } catch {
      #expect(error.message.contains("no end-of-block code"), "\(error.message)")
    }
  }

  /// FEXTRA's length is 16 bits, little-endian: an extra field of 258
  /// bytes is skipped whole (mutant: its high byte ignored, 2 bytes
  /// skipped and the rest read as the compressed data).
  @Test func aLongExtraFieldIsSkippedWhole() throws {
    let data = Array("abc".utf8)
    let extra = [UInt8](repeating: 0x07, count: 258)
    let stored: [UInt8] = [0x01, 3, 0, 0xFC, 0xFF] + data
    let crc = data.withUnsafeBytes { _crc32($0) }
    let gzip: [UInt8] = [0x1F, 0x8B, 8, 0x04, 0, 0, 0, 0, 0, 3, 0x02, 0x01] + extra + stored
      + le32(crc) + le32(3)
    #expect(try gunzip(gzip) == data)
  }
}
