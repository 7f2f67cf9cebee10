// A DEFLATE decoder (RFC 1951), enough to read gzip-compressed IDX files
// without zlib (which Foundation on Linux does not expose) and without
// spawning `gzip`.
//
// Design, after zlib's `inflate_fast` and libdeflate:
// - a 64-bit bit buffer refilled eight bytes at a time (bytes past the end
//   of the input read as zero; `consumedBytes > input.count` is the
//   truncation test, checked once per decoded symbol so zero padding can
//   never loop forever);
// - one flat lookup table per Huffman code, indexed by the next
//   `maximum code length` bits, each entry `symbol << 4 | length`;
// - output into one growable buffer, matches copied byte by byte (they may
//   overlap their own output), up to an optional limit (`outputLimit`).

/// A failure to decompress: what is wrong, in a few words.
struct _InflateError: Error, Equatable {
  var message: String
  init(_ message: String) { self.message = message }

  /// The output reached `_Inflater.outputLimit` with more to come.
  static let outputLimit = _InflateError("output limit reached")
}

/// A canonical Huffman code as a flat decoding table.
struct _HuffmanTable: Sendable {
  /// `symbol << 4 | codeLength`, indexed by the next `indexBits` input bits
  /// (least significant first); 0 where no code matches.
  var entries: [UInt16]
  /// `(1 << indexBits) - 1`.
  var mask: UInt64

  /// Builds the table from per-symbol code lengths (0 = symbol unused).
  ///
  /// Incomplete codes are accepted (RFC 1951 allows a lone distance code);
  /// a bit pattern that matches no code fails when it is decoded.
  ///
  /// - Throws: `_InflateError` if the lengths over-subscribe the code space.
  init(lengths: ArraySlice<UInt8>) throws(_InflateError) {
    var lengthCount = [Int](repeating: 0, count: 16)
    for length in lengths { lengthCount[Int(length)] += 1 }
    lengthCount[0] = 0
    var maxLength = 1
    var left = 1
    for length in 1...15 {
      left = (left << 1) - lengthCount[length]
      if left < 0 { throw _InflateError("over-subscribed Huffman code") }
      if lengthCount[length] > 0 { maxLength = length }
    }
    var nextCode = [Int](repeating: 0, count: 16)
    var code = 0
    for length in 1...15 {
      code = (code + lengthCount[length - 1]) << 1
      nextCode[length] = code
    }
    let size = 1 << maxLength
    var entries = [UInt16](repeating: 0, count: size)
    var symbol = 0
    for length in lengths {
      defer { symbol += 1 }
      let n = Int(length)
      if n == 0 { continue }
      // Codes are sent most significant bit first; the table is indexed
      // least significant first, so reverse the code's n bits.
      var c = nextCode[n], reversed = 0
      nextCode[n] += 1
      for _ in 0..<n {
        reversed = (reversed << 1) | (c & 1)
        c >>= 1
      }
      let entry = UInt16(symbol << 4 | n)
      var i = reversed
      while i < size {
        entries[i] = entry
        i += 1 << n
      }
    }
    self.entries = entries
    self.mask = UInt64(size - 1)
  }

  /// The fixed literal/length code of block type 1.
  static let fixedLiteralLength: _HuffmanTable = {
    var lengths = [UInt8](repeating: 8, count: 288)
    for i in 144..<256 { lengths[i] = 9 }
    for i in 256..<280 { lengths[i] = 7 }
    return try! _HuffmanTable(lengths: lengths[...])
  }()

  /// The fixed distance code of block type 1.
  static let fixedDistance: _HuffmanTable = try! _HuffmanTable(
    lengths: [UInt8](repeating: 5, count: 30)[...])
}

/// The state of one decompression: input bits in, bytes out.
struct _Inflater {
  /// The compressed bytes.
  let input: UnsafeRawBufferPointer
  /// The next input byte to load into `bitBuffer`; may pass `input.count`.
  var position: Int
  /// Loaded, unconsumed bits, least significant first. Bits above
  /// `bitCount` are zero or copies of the bits of the bytes that follow.
  var bitBuffer: UInt64 = 0
  var bitCount = 0

  /// The decompressed bytes so far: `output[0..<outputCount]`.
  var output: UnsafeMutablePointer<UInt8>
  var outputCount = 0
  var outputCapacity: Int
  /// The most bytes the output may hold: a stream that would write more
  /// fills the output to the limit and throws `_InflateError.outputLimit`,
  /// so a caller that knows the size to expect never inflates a huge tail.
  let outputLimit: Int
  /// Where the current stream's output begins (distances cannot reach
  /// before it).
  var streamStart = 0

  /// Starts reading `input` at byte `position`; the output buffer is
  /// allocated with `capacity` bytes (at most `outputLimit`) and must be
  /// freed by `deallocate()`.
  init(
    input: UnsafeRawBufferPointer, position: Int, capacity: Int,
    outputLimit: Int = .max
  ) {
    self.input = input
    self.position = position
    self.outputLimit = max(outputLimit, 0)
    self.outputCapacity = min(max(capacity, 1024), self.outputLimit)
    self.output = .allocate(capacity: max(outputCapacity, 1))
  }

  func deallocate() { output.deallocate() }

  /// The input bytes consumed so far (a partly used byte counts).
  var consumedBytes: Int { position - bitCount >> 3 }

  // MARK: Bits

  @inline(__always)
  mutating func refill() {
    if position &+ 8 <= input.count {
      let word = UInt64(
        littleEndian: input.loadUnaligned(
          fromByteOffset: position, as: UInt64.self))
      bitBuffer |= word << UInt64(bitCount)
      let taken = (63 - bitCount) >> 3
      position += taken
      bitCount += taken << 3
    } else {
      _refillSlowly()
    }
  }

  @inline(never)
  mutating func _refillSlowly() {
    while bitCount <= 56 {
      let byte: UInt8 = position < input.count ? input[position] : 0
      bitBuffer |= UInt64(byte) << UInt64(bitCount)
      position += 1
      bitCount += 8
    }
  }

  /// The next `n` bits (0 ≤ n ≤ 32) as an integer, least significant first.
  @inline(__always)
  mutating func bits(_ n: Int) -> Int {
    if bitCount < n { refill() }
    let value = Int(truncatingIfNeeded: bitBuffer & ((1 << UInt64(n)) &- 1))
    bitBuffer >>= UInt64(n)
    bitCount -= n
    return value
  }

  /// Decodes one symbol with `table` (`mask` = its index mask).
  @inline(__always)
  mutating func decode(
    _ table: UnsafeBufferPointer<UInt16>, mask: UInt64
  ) throws(_InflateError) -> Int {
    if bitCount < 15 { refill() }
    let entry = Int(table[Int(truncatingIfNeeded: bitBuffer & mask)])
    let length = entry & 15
    if length == 0 { throw _InflateError("invalid Huffman code") }
    bitBuffer >>= UInt64(length)
    bitCount -= length
    return entry >> 4
  }

  @inline(__always)
  func checkNotTruncated() throws(_InflateError) {
    if consumedBytes > input.count {
      throw _InflateError("compressed data truncated")
    }
  }

  // MARK: Output

  // The capacity never passes `outputLimit`, so the limit costs the hot
  // path nothing: only a write that does not fit checks it.

  /// Makes room for `n` more bytes; past `outputLimit`, throws
  /// `.outputLimit` (the caller fills the output to the limit first).
  @inline(__always)
  mutating func reserve(_ n: Int) throws(_InflateError) {
    if outputCount + n > outputCapacity { try _grow(minimum: outputCount + n) }
  }

  @inline(never)
  mutating func _grow(minimum: Int) throws(_InflateError) {
    if minimum > outputLimit { throw .outputLimit }
    let capacity = min(max(minimum, outputCapacity * 2), outputLimit)
    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    bigger.update(from: output, count: outputCount)
    output.deallocate()
    output = bigger
    outputCapacity = capacity
  }

  // MARK: Streams and blocks

  /// Decodes one DEFLATE stream starting at `position`, appending to the
  /// output, and leaves `position` at the first byte after it.
  ///
  /// - Throws: `_InflateError` on malformed or truncated data.
  mutating func inflateStream() throws(_InflateError) {
    streamStart = outputCount
    var isFinal = false
    while !isFinal {
      isFinal = bits(1) == 1
      switch bits(2) {
      case 0: try storedBlock()
      case 1:
        try codedBlock(
          _HuffmanTable.fixedLiteralLength, _HuffmanTable.fixedDistance)
      case 2:
        let (literalLength, distance) = try dynamicTables()
        try codedBlock(literalLength, distance)
      default: throw _InflateError("invalid block type 3")
      }
      try checkNotTruncated()
    }
    // Drop the partial byte and hand back the whole bytes still buffered.
    position = consumedBytes
    bitBuffer = 0
    bitCount = 0
  }

  mutating func storedBlock() throws(_InflateError) {
    _ = bits(bitCount & 7)
    let length = bits(16), complement = bits(16)
    if length != ~complement & 0xFFFF {
      throw _InflateError("stored block length \(length) fails its check")
    }
    // Rewind to the first byte the bit buffer holds: the block's data.
    position = consumedBytes
    bitBuffer = 0
    bitCount = 0
    if position + length > input.count {
      throw _InflateError("compressed data truncated")
    }
    let fits = min(length, outputLimit - outputCount)
    try reserve(fits)
    (output + outputCount).initialize(
      from: input.baseAddress!.advanced(by: position)
        .assumingMemoryBound(to: UInt8.self),
      count: fits)
    outputCount += fits
    position += fits
    if fits < length { throw .outputLimit }
  }

  /// The order in which code-length code lengths are sent.
  static let codeLengthOrder: [Int] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
  ]

  /// Reads the header of a dynamic block (type 2) and builds its codes.
  mutating func dynamicTables() throws(_InflateError)
    -> (_HuffmanTable, _HuffmanTable)
  {
    let literalCount = bits(5) + 257
    let distanceCount = bits(5) + 1
    let codeLengthCount = bits(4) + 4
    if literalCount > 286 || distanceCount > 30 {
      throw _InflateError(
        "dynamic block with \(literalCount) literal/length and "
          + "\(distanceCount) distance codes")
    }
    var codeLengthLengths = [UInt8](repeating: 0, count: 19)
    for i in 0..<codeLengthCount {
      codeLengthLengths[Self.codeLengthOrder[i]] = UInt8(bits(3))
    }
    let codeLengthCode = try _HuffmanTable(lengths: codeLengthLengths[...])

    let total = literalCount + distanceCount
    var lengths = [UInt8](repeating: 0, count: total)
    try codeLengthCode.entries.withUnsafeBufferPointer {
      (table) throws(_InflateError) in
      var i = 0
      while i < total {
        let symbol = try decode(table, mask: codeLengthCode.mask)
        if symbol < 16 {
          lengths[i] = UInt8(symbol)
          i += 1
          continue
        }
        var value: UInt8 = 0
        let repeats: Int
        switch symbol {
        case 16:
          if i == 0 {
            throw _InflateError("length repeat with no previous length")
          }
          value = lengths[i - 1]
          repeats = 3 + bits(2)
        case 17: repeats = 3 + bits(3)
        default: repeats = 11 + bits(7)
        }
        if i + repeats > total {
          throw _InflateError("code lengths overrun the alphabet")
        }
        for _ in 0..<repeats {
          lengths[i] = value
          i += 1
        }
      }
    }
    try checkNotTruncated()
    if lengths[256] == 0 {
      throw _InflateError("dynamic block has no end-of-block code")
    }
    return (
      try _HuffmanTable(lengths: lengths[0..<literalCount]),
      try _HuffmanTable(lengths: lengths[literalCount...])
    )
  }

  /// Literal/length symbols 257...285: `base << 8 | extraBits`.
  static let lengthCodes: [Int] = zip(
    [
      3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
      35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ],
    [
      0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
      3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
  ).map { $0 << 8 | $1 }
  /// Distance symbols 0...29: `base << 8 | extraBits`.
  static let distanceCodes: [Int] = zip(
    [
      1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
      257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289,
      16385, 24577,
    ],
    [
      0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
      7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]
  ).map { $0 << 8 | $1 }

  /// Decodes the literals and matches of a Huffman-coded block.
  mutating func codedBlock(
    _ literalLength: _HuffmanTable, _ distance: _HuffmanTable
  ) throws(_InflateError) {
    try literalLength.entries.withUnsafeBufferPointer {
      (literalTable) throws(_InflateError) in
      try distance.entries.withUnsafeBufferPointer {
        (distanceTable) throws(_InflateError) in
        try Self.lengthCodes.withUnsafeBufferPointer {
          (lengthCodes) throws(_InflateError) in
          try Self.distanceCodes.withUnsafeBufferPointer {
            (distanceCodes) throws(_InflateError) in
            try codes(
              literalTable, literalLength.mask, distanceTable, distance.mask,
              lengthCodes, distanceCodes)
          }
        }
      }
    }
  }

  @inline(__always)
  mutating func codes(
    _ literalTable: UnsafeBufferPointer<UInt16>, _ literalMask: UInt64,
    _ distanceTable: UnsafeBufferPointer<UInt16>, _ distanceMask: UInt64,
    _ lengthCodes: UnsafeBufferPointer<Int>,
    _ distanceCodes: UnsafeBufferPointer<Int>
  ) throws(_InflateError) {
    while true {
      try checkNotTruncated()
      let symbol = try decode(literalTable, mask: literalMask)
      if symbol < 256 {
        try reserve(1)
        output[outputCount] = UInt8(truncatingIfNeeded: symbol)
        outputCount += 1
        continue
      }
      if symbol == 256 { return }
      let lengthCode = symbol - 257
      if lengthCode >= 29 {
        throw _InflateError("invalid length symbol \(symbol)")
      }
      let lengthInfo = lengthCodes[lengthCode]
      let length = lengthInfo >> 8 + bits(lengthInfo & 0xFF)
      let distanceCode = try decode(distanceTable, mask: distanceMask)
      if distanceCode >= 30 {
        throw _InflateError("invalid distance symbol \(distanceCode)")
      }
      let distanceInfo = distanceCodes[distanceCode]
      let back = distanceInfo >> 8 + bits(distanceInfo & 0xFF)
      if back > outputCount - streamStart {
        throw _InflateError(
          "distance \(back) reaches before the start of the output")
      }
      var fits = length
      if outputCount + length > outputCapacity {
        fits = min(length, outputLimit - outputCount)
        if outputCount + fits > outputCapacity {
          try _grow(minimum: outputCount + fits)
        }
      }
      var to = output + outputCount
      var from = to - back
      for _ in 0..<fits {
        to.pointee = from.pointee
        to += 1
        from += 1
      }
      outputCount += fits
      if fits < length { throw .outputLimit }
    }
  }
}
