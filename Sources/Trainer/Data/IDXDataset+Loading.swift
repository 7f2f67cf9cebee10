import Foundation

// IDX, as described on the MNIST database's page (LeCun, Cortes & Burges,
// 1998): a big-endian header, then the elements.
//
//   bytes 0-1  zero
//   byte  2    element type: 0x08 unsigned byte, 0x09 signed byte,
//              0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte  3    number of dimensions
//   then       one UInt32 per dimension, then the elements, row-major
//
// Images are 0x00000803 (count, rows, cols); labels 0x00000801 (count).

extension IDXDataset {
  /// Loads the images and labels of `split` from `directory`.
  ///
  /// Looks for the standard file names (`train-images-idx3-ubyte`,
  /// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
  /// `t10k-labels-idx1-ubyte`), each as is or with `.gz`, the plain file
  /// first. See `load(images:labels:)` for the formats read.
  ///
  /// - Parameters:
  ///   - directory: Where the files are; by default `data/mnist` in the
  ///     current directory, filled by `scripts/fetch-mnist`.
  ///   - split: The training or the test set.
  /// - Returns: The dataset, in file order.
  /// - Throws: `DatasetError`; for a missing file in a `.../data/mnist`
  ///   directory its message says to run `scripts/fetch-mnist`.
  public static func load(
    directory: URL = defaultDirectory, split: Split
  ) throws(DatasetError) -> IDXDataset {
    try load(
      images: locate(split.imagesFileName, in: directory),
      labels: locate(split.labelsFileName, in: directory))
  }

  /// Loads images and labels from two IDX files, plain or gzip-compressed.
  ///
  /// The images file is IDX with magic `0x00000803` (unsigned bytes, 3
  /// dimensions: count, rows, cols); the labels file has magic
  /// `0x00000801` (unsigned bytes, 1 dimension: count). A file whose first
  /// bytes are the gzip magic `1f 8b` is decompressed in memory first,
  /// whatever its name, no further than its IDX header's size (and a
  /// byte: more is trailing data); its CRC-32 and length are checked.
  ///
  /// Each file is read with one call; 60,000 MNIST images load in tens of
  /// milliseconds (plain) or a few hundred (gzip) in a release build.
  ///
  /// - Parameters:
  ///   - images: The images file.
  ///   - labels: The labels file, one label per image.
  /// - Returns: The dataset, in file order.
  /// - Throws: `DatasetError` naming the file and the problem: missing or
  ///   unreadable file, bad magic, wrong element type, truncated file or
  ///   trailing bytes, corrupt gzip data, or different image and label
  ///   counts.
  public static func load(
    images: URL, labels: URL
  ) throws(DatasetError) -> IDXDataset {
    let imagesFile = images.path, labelsFile = labels.path
    let (dims, pixels) = try read(images, rank: 3, items: "images")
    let (labelDims, labelBytes) = try read(labels, rank: 1, items: "labels")
    if labelDims[0] != dims[0] {
      throw DatasetError(
        file: labelsFile, kind: .countMismatch,
        "\(labelDims[0]) labels for \(dims[0]) images in \(imagesFile)")
    }
    if dims[1] == 0 || dims[2] == 0 {
      throw DatasetError(
        file: imagesFile, kind: .badHeader,
        "image size \(dims[1])×\(dims[2]) has no pixels")
    }
    return IDXDataset(
      rows: dims[1], cols: dims[2], pixels: pixels, labels: labelBytes)
  }

  // MARK: - Files

  /// `directory/name`, else `directory/name.gz`.
  static func locate(
    _ name: String, in directory: URL
  ) throws(DatasetError) -> URL {
    let plain = directory.appendingPathComponent(name)
    let compressed = directory.appendingPathComponent(name + ".gz")
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && !isDirectory.boolValue {
      throw DatasetError(file: directory.path, kind: .missingFile, "not a directory (the data directory holds the IDX files)")
    }
    for url in [plain, compressed]
    where FileManager.default.fileExists(atPath: url.path) {
      return url
    }
    // A link to nothing (or to itself) is there, but not a file.
    for url in [plain, compressed] {
      var st = stat()
      guard lstat(url.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK else { continue }
      let loop = stat(url.path, &st) != 0 && errno == ELOOP
      throw DatasetError(
        file: url.path, kind: .missingFile,
        loop ? "a symbolic link loop" : "a broken symbolic link (its target does not exist)")
    }
    // A `data/mnist` directory, the default or the same spelled out, is
    // MNIST's, and a directory without any of the four files (or none at
    // all) is a dataset not fetched yet: say how to get MNIST there. A
    // directory holding some of them is a user's own set, missing a file.
    let standard = directory.standardizedFileURL.path
    let isMNISTDirectory = standard.hasSuffix("/data/mnist")
    let fetchCommand = fetchCommand(for: directory)
    guard FileManager.default.fileExists(atPath: directory.path) else {
      throw DatasetError(
        file: directory.path, kind: .missingFile,
        "no such directory; to download MNIST into it, run \(fetchCommand)")
    }
    let holdsNone = Split.allCases.allSatisfy { split in
      [split.imagesFileName, split.labelsFileName].allSatisfy { n in
        !FileManager.default.fileExists(atPath: directory.appendingPathComponent(n).path)
          && !FileManager.default.fileExists(atPath: directory.appendingPathComponent(n + ".gz").path)
      }
    }
    throw DatasetError(
      file: plain.path, kind: .missingFile,
      "missing file (nor \(name).gz)"
        + (isMNISTDirectory || holdsNone
          ? "; to download MNIST \(holdsNone ? "into this directory" : "(all four files)"), run \(fetchCommand)" : ""))
  }

  /// The command that fills `directory` with MNIST: `scripts/fetch-mnist`
  /// alone when it is `data/mnist` of the checkout we run in (the script's
  /// default), else with the directory's absolute path (the script's
  /// default is relative to its checkout, not to the current directory).
  static func fetchCommand(for directory: URL) -> String {
    let cwd = FileManager.default.currentDirectoryPath
    let standard = directory.standardizedFileURL.path
    // The script lives in the checkout: say so when we run elsewhere.
    let here = FileManager.default.fileExists(atPath: cwd + "/scripts/fetch-mnist")
    if here && standard == URL(fileURLWithPath: cwd).appendingPathComponent("data/mnist").standardizedFileURL.path {
      return "scripts/fetch-mnist"
    }
    let quoted = standard.allSatisfy { $0.isLetter || $0.isNumber || "/._-+,:@%".contains($0) }
      ? standard : "'" + standard.replacingOccurrences(of: "'", with: "'\\''") + "'"
    return "scripts/fetch-mnist " + quoted + (here ? "" : " (in the xbarsim checkout)")
  }

  /// Reads `url` with one call and parses it (`parse`), decompressed
  /// first if it is gzip data.
  static func read(
    _ url: URL, rank: Int, items: String
  ) throws(DatasetError) -> (dims: [Int], elements: [UInt8]) {
    let file = url.path
    var isDirectory: ObjCBool = false
    guard
      FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory)
    else {
      throw DatasetError(file: file, kind: .missingFile, "missing file")
    }
    if isDirectory.boolValue {
      throw DatasetError(file: file, kind: .unreadable, "is a directory")
    }
    // Only regular files: opening a FIFO would wait for a writer, and a
    // device has no size to check.
    // (stat follows symbolic links: a linked shared dataset is the file's
    // mode and size, not the link's.)
    var st = stat()
    let fileSize: Int? = stat(file, &st) == 0 ? Int(st.st_size) : nil
    if fileSize != nil && (st.st_mode & S_IFMT) != S_IFREG {
      throw DatasetError(file: file, kind: .unreadable, "not a regular file (a FIFO, socket or device): the IDX file itself is needed")
    }
    // A plain file's size against its header first: a huge or sparse file
    // is refused without reading gigabytes into memory.
    if let handle = FileHandle(forReadingAtPath: file) {
      defer { try? handle.close() }
      let head = [UInt8]((try? handle.read(upToCount: 4 + 4 * rank)) ?? Data())
      if let fileSize, head.count >= 2, !(head[0] == 0x1F && head[1] == 0x8B),
        let expected = expectedSize(head, rank: rank), expected != fileSize
      {
        try head.withUnsafeBytes { raw -> Result<Void, DatasetError> in
          Result { () throws(DatasetError) in
            _ = try parse(raw, file: file, rank: rank, items: items, foundSize: fileSize)
          }
        }.get()
      }
    }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw DatasetError(
        file: file, kind: .unreadable,
        "cannot read: \(error.localizedDescription)")
    }
    let result = data.withUnsafeBytes {
      (raw: UnsafeRawBufferPointer) -> Result<([Int], [UInt8]), DatasetError>
      in
      Result { () throws(DatasetError) -> ([Int], [UInt8]) in
        guard _Gzip.hasMagic(raw) else {
          return try Self.parse(raw, file: file, rank: rank, items: items)
        }
        func parse(
          _ bytes: [UInt8], isCut: Bool
        ) throws(DatasetError) -> ([Int], [UInt8]) {
          try bytes.withUnsafeBytes {
            (raw) -> Result<([Int], [UInt8]), DatasetError> in
            Result { () throws(DatasetError) in
              try Self.parse(
                raw, file: file, rank: rank, items: items, isCut: isCut)
            }
          }.get()
        }
        func gunzip(limit: Int) throws(DatasetError) -> [UInt8] {
          do throws(_InflateError) {
            return try _Gzip.decompress(raw, limit: limit)
          } catch {
            throw DatasetError(
              file: file, kind: .corruptGzip, "gzip: \(error.message)")
          }
        }
        // The header first, then no more than it promises: a huge tail
        // (a few MB of gzip, GB inflated) is trailing data at once, not
        // after inflating all of it into memory.
        let headerSize = 4 + 4 * rank
        let header = try gunzip(limit: headerSize)
        guard
          let size = expectedSize(header, rank: rank), size > header.count
        else {
          return try parse(header, isCut: false)
        }
        let bytes = try gunzip(limit: size)
        return try parse(bytes, isCut: bytes.count > size)
      }
    }
    return try result.get()
  }

  // MARK: - Parsing

  /// The size in bytes that the IDX header at the start of `bytes`
  /// promises; nil unless it is a whole header of unsigned bytes and
  /// `rank` dimensions whose size is an `Int`.
  static func expectedSize(_ bytes: [UInt8], rank: Int) -> Int? {
    let headerSize = 4 + 4 * rank
    guard bytes.count >= headerSize else { return nil }
    return bytes.withUnsafeBytes { raw -> Int? in
      guard bigEndian32(raw, 0) == UInt32(0x0800) | UInt32(rank) else {
        return nil
      }
      var size = 1
      for d in 0..<rank {
        let (product, overflow) = size.multipliedReportingOverflow(
          by: Int(bigEndian32(raw, 4 + 4 * d)))
        if overflow { return nil }
        size = product
      }
      let (total, overflow) = size.addingReportingOverflow(headerSize)
      return overflow ? nil : total
    }
  }

  /// Checks an unsigned-byte IDX file of `rank` dimensions and copies out
  /// its dimensions and elements. `isCut`: `raw` is the start of longer
  /// data (decompression stopped past the size the header gives).
  static func parse(
    _ raw: UnsafeRawBufferPointer, file: String, rank: Int, items: String,
    isCut: Bool = false, foundSize: Int? = nil
  ) throws(DatasetError) -> (dims: [Int], elements: [UInt8]) {
    let headerSize = 4 + 4 * rank
    let expectedMagic = UInt32(0x0800) | UInt32(rank)
    if raw.count < 4 {
      throw DatasetError(
        file: file, kind: .truncated,
        "truncated: expected a \(headerSize)-byte header, found "
          + "\(raw.count) bytes")
    }
    let magic = bigEndian32(raw, 0)
    if magic != expectedMagic {
      let type = Int(magic >> 8 & 0xFF), foundRank = Int(magic & 0xFF)
      let isIDX = magic >> 16 == 0 && idxTypeNames[type] != nil
      if isIDX && foundRank == rank {
        throw DatasetError(
          file: file, kind: .wrongDataType,
          "element type 0x\(hex(UInt32(type), digits: 2)) "
            + "(\(idxTypeNames[type]!)), expected 0x08 (unsigned byte)")
      }
      throw DatasetError(
        file: file, kind: .badMagic,
        "bad magic 0x\(hex(magic, digits: 8)), expected "
          + "0x\(hex(expectedMagic, digits: 8)) (IDX of unsigned bytes, "
          + "\(rank) dimension\(rank == 1 ? "" : "s"))"
          + (isIDX
            ? "; this is IDX with \(foundRank) dimension"
              + "\(foundRank == 1 ? "" : "s"): images and labels swapped?"
            : ""))
    }
    if raw.count < headerSize {
      throw DatasetError(
        file: file, kind: .truncated,
        "truncated: expected a \(headerSize)-byte header, found "
          + "\(raw.count) bytes")
    }
    let dims = (0..<rank).map { Int(bigEndian32(raw, 4 + 4 * $0)) }
    var elementCount = 1
    for d in dims {
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: d)
      // (The header's bytes are added below: a product within 16 of
      // Int.max, e.g. 454279 × 31252369 × 649657, must not overflow there.)
      if overflow || product > Int.max - headerSize {
        throw DatasetError(
          file: file, kind: .badHeader,
          "header dimensions \(dims) are too large")
      }
      elementCount = product
    }
    let expectedSize = headerSize + elementCount
    // `foundSize`: the file's size, of which `raw` holds the header only.
    let found = foundSize ?? raw.count
    if found != expectedSize {
      let shape = dims.map(String.init).joined(separator: " × ")
      let expected =
        "expected \(expectedSize) bytes (\(headerSize)-byte header + "
        + (rank == 1 ? "\(dims[0]) \(items)" : "\(items) \(shape)")
        + "), found "
        + (isCut ? "more (decompression stopped there)" : "\(found)")
      throw found < expectedSize
        ? DatasetError(file: file, kind: .truncated, "truncated: \(expected)")
        : DatasetError(
          file: file, kind: .trailingData, "trailing data: \(expected)")
    }
    let elements = [UInt8](unsafeUninitializedCapacity: elementCount) {
      buffer, initialized in
      if elementCount > 0 {
        buffer.baseAddress!.initialize(
          from: raw.baseAddress!.advanced(by: headerSize)
            .assumingMemoryBound(to: UInt8.self),
          count: elementCount)
      }
      initialized = elementCount
    }
    return (dims, elements)
  }

  /// The IDX element types, by type byte.
  static let idxTypeNames: [Int: String] = [
    0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
    0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
  ]

  static func bigEndian32(_ raw: UnsafeRawBufferPointer, _ offset: Int)
    -> UInt32
  {
    UInt32(raw[offset]) << 24 | UInt32(raw[offset + 1]) << 16
      | UInt32(raw[offset + 2]) << 8 | UInt32(raw[offset + 3])
  }

  static func hex(_ value: UInt32, digits: Int) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - s.count)) + s
  }
}
