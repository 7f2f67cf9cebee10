import Foundation

// gzip framing (RFC 1952) around the DEFLATE decoder in `_Inflater.swift`.
//
// Why not zlib or `gzip -dc`: Foundation on Linux exposes no decompression
// API, importing the system zlib would need a module map and the zlib
// headers on every machine, and spawning `gzip` depends on PATH and process
// spawning (awkward in tests and sandboxes). The decoder is ~300 lines and
// checks each member's CRC-32 and length, so a corrupt file is reported
// instead of silently producing wrong pixels.

/// gzip decompression: every member of a (possibly multi-member) file.
enum _Gzip {
  /// Whether `bytes` starts with the gzip magic number 1f 8b.
  static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// Decompresses a gzip file: its members' data, concatenated.
  ///
  /// - Parameters:
  ///   - input: The gzip file's bytes.
  ///   - limit: The most bytes the caller wants. Data that holds more is
  ///     inflated only to `limit + 1` bytes, which are returned (the member
  ///     cut short is not checked against its CRC-32 and length): a result
  ///     longer than `limit` says "more", without inflating the rest.
  /// - Throws: `_InflateError` if a header, the compressed data, a CRC-32
  ///   or a length field is wrong, the data ends early, or non-gzip bytes
  ///   follow the last member.
  static func decompress(
    _ input: UnsafeRawBufferPointer, limit: Int = .max
  ) throws(_InflateError) -> [UInt8] {
    try decompress(input, limit: limit) { output in Array(output) }
  }

  /// `decompress(_:limit:)`, handing `body` the inflated bytes in the
  /// decoder's own buffer: a caller that keeps only part of them (an IDX
  /// file's elements, not its header) copies the data once, not twice.
  ///
  /// - Parameter capacity: The first output buffer's size, when the caller
  ///   knows it (a trailer checked against the size expected); by default
  ///   guessed from the trailer and bounded against a forged one.
  static func decompress<R>(
    _ input: UnsafeRawBufferPointer, limit: Int = .max, capacity: Int? = nil,
    _ body: (UnsafeBufferPointer<UInt8>) -> R
  ) throws(_InflateError) -> R {
    // The last member's ISIZE is the whole output's size for the common
    // single-member file (mod 2^32): a good first capacity, bounded by
    // DEFLATE's largest ratio (~1032:1) against a forged trailer.
    var guess = input.count * 3
    if input.count >= 18 {
      guess = max(guess, Int(readLE32(input, input.count - 4)))
      guess = min(guess, input.count * 1032)
    }
    // No more than the caller wants, and a forged ISIZE gets no more than
    // 64 MiB up front (the buffer grows as the data really inflates).
    guess = min(guess, max(input.count * 3, 1 << 26))
    var first = capacity ?? guess
    if limit < .max { first = min(first, max(limit, 0) + 1) }
    var inflater = _Inflater(
      input: input, position: 0, capacity: first,
      outputLimit: limit < .max ? max(limit, 0) + 1 : limit)
    defer { inflater.deallocate() }
    do throws(_InflateError) {
      try members(&inflater)
    } catch where error == .outputLimit {
      // More than `limit` bytes: the first `limit + 1` are the answer,
      // unless they were decoded from bits past the input's end (read as
      // zeros): a cut file, whose phantom match crossed the limit before
      // the truncation check (a review, session 44).
      try inflater.checkNotTruncated()
    }
    return body(UnsafeBufferPointer(start: inflater.output, count: inflater.outputCount))
  }

  /// Whether `input` (gzip data) can hold only one member, so that its last
  /// four bytes (or those before a run of zero padding) are the whole
  /// output's size mod 2^32: no later `1f 8b 08` with valid flags and an
  /// RFC 1952 OS byte (0-13, 255), where a second member would have to
  /// start. Compressed bytes can look like one (about once in 2 GB), and
  /// then the answer is a cautious false.
  static func isSingleMember(_ input: UnsafeRawBufferPointer) -> Bool {
    guard let base = input.baseAddress, input.count > 20 else { return true }
    var i = 10
    while i + 10 <= input.count {
      guard let hit = memchr(base + i, 0x1F, input.count - 9 - i) else { return true }
      i = base.distance(to: UnsafeRawPointer(hit))
      if input[i + 1] == 0x8B && input[i + 2] == 8 && input[i + 3] & 0xE0 == 0
        && (input[i + 9] <= 13 || input[i + 9] == 255)
      {
        return false
      }
      i += 1
    }
    return true
  }

  /// The sizes (mod 2^32) a single-member file's trailer may give: its last
  /// four bytes, and where it ends in zero bytes (padding, or the size's
  /// own high bytes), the four bytes before each of them. nil when the file
  /// may hold several members (their last one's size is not the whole).
  static func trailerSizes(_ input: UnsafeRawBufferPointer) -> [UInt32]? {
    guard input.count >= 18, isSingleMember(input) else { return nil }
    var zeros = 0
    while zeros < input.count - 18 && input[input.count - 1 - zeros] == 0 { zeros += 1 }
    return (0...zeros).map { readLE32(input, input.count - 4 - $0) }
  }

  /// Inflates and checks every member from `inflater.position` on.
  static func members(_ inflater: inout _Inflater) throws(_InflateError) {
    let input = inflater.input
    var memberIndex = 0
    repeat {
      let start = inflater.outputCount
      try member(&inflater, index: memberIndex)
      let produced = inflater.outputCount - start
      let trailer = inflater.position
      if trailer + 8 > input.count {
        throw _InflateError("member \(memberIndex + 1): trailer truncated")
      }
      let crc = _crc32(
        UnsafeRawBufferPointer(start: inflater.output + start, count: produced))
      let storedCRC = readLE32(input, trailer)
      if crc != storedCRC {
        throw _InflateError(
          "member \(memberIndex + 1): CRC-32 0x\(hex8(crc)), "
            + "trailer says 0x\(hex8(storedCRC))")
      }
      let storedSize = readLE32(input, trailer + 4)
      if UInt32(truncatingIfNeeded: produced) != storedSize {
        throw _InflateError(
          "member \(memberIndex + 1): \(produced) bytes out, "
            + "trailer says \(storedSize)")
      }
      inflater.position = trailer + 8
      memberIndex += 1
      // Zero bytes after a member are padding (a file written to a block
      // device or tape): gzip(1) and Python's gzip module skip them. Other
      // bytes must start a member; `member` reports them from here.
      var next = inflater.position
      while next < input.count && input[next] == 0 { next += 1 }
      if next == input.count { return }
      if hasMagic(UnsafeRawBufferPointer(rebasing: input[next...])) { inflater.position = next }
    } while inflater.position < input.count
  }

  /// Parses one member's header at `inflater.position` and inflates its
  /// data, leaving `position` at the trailer.
  static func member(
    _ inflater: inout _Inflater, index: Int
  ) throws(_InflateError) {
    let input = inflater.input
    var p = inflater.position
    let name = "member \(index + 1)"
    if index > 0 && !hasMagic(UnsafeRawBufferPointer(rebasing: input[p...])) {
      throw _InflateError(
        "\(input.count - p) bytes of non-gzip data after the last member")
    }
    if p + 10 > input.count {
      throw _InflateError("\(name): header truncated")
    }
    if input[p] != 0x1F || input[p + 1] != 0x8B {
      throw _InflateError("not gzip data")
    }
    if input[p + 2] != 8 {
      throw _InflateError(
        "\(name): compression method \(input[p + 2]), expected 8 (deflate)")
    }
    let flags = input[p + 3]
    if flags & 0xE0 != 0 {
      throw _InflateError("\(name): reserved header flags set")
    }
    p += 10
    if flags & 0x04 != 0 {  // FEXTRA
      if p + 2 > input.count {
        throw _InflateError("\(name): header truncated")
      }
      p += 2 + Int(input[p]) + Int(input[p + 1]) << 8
    }
    // FNAME, FCOMMENT: zero-terminated strings.
    for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {
      while p < input.count && input[p] != 0 { p += 1 }
      p += 1
    }
    if flags & 0x02 != 0 { p += 2 }  // FHCRC
    if p >= input.count { throw _InflateError("\(name): header truncated") }
    inflater.position = p
    try inflater.inflateStream()
  }

  static func readLE32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32
  {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
      | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
  }

  static func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }
}

/// CRC-32 (ISO-HDLC: reflected, polynomial 0xEDB88320) slicing by 8.
let _crc32Tables: [UInt32] = {
  var tables = [UInt32](repeating: 0, count: 8 * 256)
  for n in 0..<256 {
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    tables[n] = c
  }
  for n in 0..<256 {
    for k in 1..<8 {
      let previous = tables[(k - 1) * 256 + n]
      tables[k * 256 + n] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
    }
  }
  return tables
}()

/// The CRC-32 of `bytes`, as gzip and zlib's `crc32` compute it.
func _crc32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
  _crc32Tables.withUnsafeBufferPointer { t in
    var crc = ~initial
    var i = 0
    let n = bytes.count
    while i + 8 <= n {
      let word = UInt64(
        littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
      let lo = UInt32(truncatingIfNeeded: word) ^ crc
      let hi = UInt32(truncatingIfNeeded: word >> 32)
      crc =
        t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
        ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
        ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
        ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
      i += 8
    }
    while i < n {
      crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
      i += 1
    }
    return ~crc
  }
}
