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
    directory: URL = defaultDirectory, split: Split,
    memoryShortfall: ((Int) -> String?)? = nil
  ) throws(DatasetError) -> IDXDataset {
    try load(
      images: locate(split.imagesFileName, in: directory),
      labels: locate(split.labelsFileName, in: directory),
      memoryShortfall: memoryShortfall)
  }

  /// Loads images and labels from two IDX files, plain or gzip-compressed.
  ///
  /// The images file is IDX with magic `0x00000803` (unsigned bytes, 3
  /// dimensions: count, rows, cols); the labels file has magic
  /// `0x00000801` (unsigned bytes, 1 dimension: count). A file whose first
  /// bytes are the gzip magic `1f 8b` is decompressed in memory first,
  /// whatever its name, no further than its IDX header's size (and a
  /// byte: more is trailing data); its CRC-32 and length are checked, and
  /// a single-member file whose trailer gives another size than its
  /// header is refused before it is inflated (a few MB of gzip can claim
  /// gigabytes). A plain file's header is read first and checked against
  /// the file's size, then its elements are read into the dataset's own
  /// array.
  ///
  /// Plain files load 60,000 MNIST images in tens of milliseconds, gzip
  /// files in a few hundred, in a release build.
  ///
  /// - Parameters:
  ///   - images: The images file.
  ///   - labels: The labels file, one label per image.
  ///   - memoryShortfall: Given the bytes a file's data will take in
  ///     memory (a gzip file's inflated copy too), nil when they fit, else
  ///     why not ("needs about 3.9 GB, more than the 2.0 GB of memory
  ///     available"): the file is then refused (`.tooLarge`) before its
  ///     data are read, instead of a failed allocation trapping.
  /// - Returns: The dataset, in file order, with the paths read.
  /// - Throws: `DatasetError` naming the file and the problem: missing or
  ///   unreadable file, bad magic, wrong element type, truncated file or
  ///   trailing bytes, corrupt gzip data, too large for the memory, or
  ///   different image and label counts.
  public static func load(
    images: URL, labels: URL, memoryShortfall: ((Int) -> String?)? = nil
  ) throws(DatasetError) -> IDXDataset {
    let imagesFile = images.path, labelsFile = labels.path
    let (dims, pixels) = try read(images, rank: 3, items: "images", memoryShortfall: memoryShortfall)
    let (labelDims, labelBytes) = try read(labels, rank: 1, items: "labels", memoryShortfall: memoryShortfall)
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
    var set = IDXDataset(
      rows: dims[1], cols: dims[2], pixels: pixels, labels: labelBytes)
    (set.imagesFile, set.labelsFile) = (imagesFile, labelsFile)
    return set
  }

  // MARK: - Files

  /// `directory/name`, else `directory/name.gz`.
  ///
  /// - Parameter access: `access(2)`, returning 0 or an `errno` (tests
  ///   stand in for a directory that root could not be kept out of).
  static func locate(
    _ name: String, in directory: URL,
    access: (String, Int32) -> Int32 = systemAccess
  ) throws(DatasetError) -> URL {
    let plain = directory.appendingPathComponent(name)
    let compressed = directory.appendingPathComponent(name + ".gz")
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && !isDirectory.boolValue {
      throw DatasetError(file: directory.path, kind: .missingFile, "not a directory (the data directory holds the IDX files)")
    }
    // A link to nothing in the plain file's place is refused, not passed
    // over for the .gz beside it: the user meant the link's target (a
    // walkthrough: a moved shared dataset trained on a stale .gz silently).
    if let problem = brokenLink(plain) {
      let beside = FileManager.default.fileExists(atPath: compressed.path)
      throw DatasetError(
        file: plain.path, kind: .missingFile,
        problem + (beside ? ", and \(name).gz beside it is not read in its place (remove the link to use it)" : ""))
    }
    for url in [plain, compressed]
    where FileManager.default.fileExists(atPath: url.path) {
      return url
    }
    if let problem = brokenLink(compressed) {
      throw DatasetError(file: compressed.path, kind: .missingFile, problem)
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
        isMNISTDirectory
          ? "no such directory; to download MNIST into it, run \(fetchCommand)"
          // Another path may be a mistyped one of another set (a
          // walkthrough, session 54: `fashion_mnist` for `fashion-mnist`
          // was told to download MNIST there).
          : "no such directory (check the path); if MNIST should go there, run \(fetchCommand)")
    }
    // A directory we may not search looks empty: its files "missing", and
    // fetch-mnist the advice (which could not write there either).
    let denied = access(directory.path, R_OK | X_OK)
    if denied != 0 {
      throw DatasetError(
        file: directory.path, kind: .unreadable,
        "cannot read the directory (\(String(cString: strerror(denied))): it needs read and search permission, r-x)")
    }
    // Files under other names (Kaggle's `train-images.idx3-ubyte`, EMNIST's
    // `emnist-letters-train-images-idx3-ubyte`): named, with the name to
    // give them. fetch-mnist would put MNIST beside them instead.
    let lookalikes = lookalikes(in: directory)
    if !lookalikes.isEmpty {
      throw DatasetError(
        file: plain.path, kind: .missingFile,
        "missing file (nor \(name).gz); " + renameAdvice(name, lookalikes))
    }
    let holdsNone = Split.allCases.allSatisfy { split in
      [split.imagesFileName, split.labelsFileName].allSatisfy { n in
        !FileManager.default.fileExists(atPath: directory.appendingPathComponent(n).path)
          && !FileManager.default.fileExists(atPath: directory.appendingPathComponent(n + ".gz").path)
      }
    }
    // Subdirectories that hold this file (`--data /usr/share/datasets`,
    // whose Fashion-MNIST is one level down: a walkthrough, session 66).
    let below = holdsNone ? subdirectories(of: directory, holding: name) : []
    let within = below.isEmpty ? "" : "; \(below.count == 1 ? "a subdirectory holds it" : "subdirectories hold it"): --data \(below.prefix(3).map(\.path).joined(separator: ", "))\(below.count > 3 ? ", …" : "")"
    throw DatasetError(
      file: plain.path, kind: .missingFile,
      "missing file (nor \(name).gz)"
        + (!below.isEmpty ? within
          : isMNISTDirectory || holdsNone
          ? (isMNISTDirectory || !holdsNone
            ? "; to download MNIST \(holdsNone ? "into this directory" : "(all four files)"), run \(fetchCommand)"
            : "; the directory holds none of the four IDX files (check the path; if MNIST should go there, run \(fetchCommand))")
          : ""))
  }

  /// The subdirectories of `directory`, one level down and by name, that
  /// hold file `name` or `name`.gz.
  static func subdirectories(of directory: URL, holding name: String) -> [URL] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return entries.sorted().map { directory.appendingPathComponent($0) }.filter { sub in
      [name, name + ".gz"].contains { FileManager.default.fileExists(atPath: sub.appendingPathComponent($0).path) }
    }
  }

  /// `access(2)`: 0, or why not (an `errno`).
  static func systemAccess(_ path: String, _ mode: Int32) -> Int32 {
    access(path, mode) == 0 ? 0 : errno
  }

  /// "a broken symbolic link (...)" or "a symbolic link loop" when `url` is
  /// a link that leads to no file; nil otherwise.
  static func brokenLink(_ url: URL) -> String? {
    var st = stat()
    guard lstat(url.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK, stat(url.path, &st) != 0 else { return nil }
    return errno == ELOOP ? "a symbolic link loop" : "a broken symbolic link (its target does not exist)"
  }

  /// The files in `directory`, other than the four standard names, that
  /// look like IDX files: "idx" or "ubyte" in the name, or an IDX magic
  /// (unsigned bytes to float64, 1 to 4 dimensions) as the first bytes of a
  /// regular file. Sorted; the first 1,000 entries are looked into.
  static func lookalikes(in directory: URL) -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
    let standard = Set(
      Split.allCases.flatMap { [$0.imagesFileName, $0.labelsFileName] }.flatMap { [$0, $0 + ".gz"] })
    return names.sorted().prefix(1000).filter { n in
      if standard.contains(n) { return false }
      // Only regular files (a FIFO would wait for a writer; a directory or
      // a partial download, `….part`, is no file to rename into place: a
      // review, session 44).
      let path = directory.appendingPathComponent(n).path
      var st = stat()
      guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
      let lower = n.lowercased()
      if [".part", ".tmp", ".crdownload", ".partial"].contains(where: { lower.hasSuffix($0) }) { return false }
      if lower.contains("idx") || lower.contains("ubyte") { return true }
      let fd = open(path, O_RDONLY)
      guard fd >= 0 else { return false }
      defer { close(fd) }
      var magic = [UInt8](repeating: 0xFF, count: 4)
      guard pread(fd, &magic, 4, 0) == 4 else { return false }
      return magic[0] == 0 && magic[1] == 0 && idxTypeNames[Int(magic[2])] != nil && (1...4).contains(magic[3])
    }
  }

  /// What to do about files that look like IDX files but are not named as
  /// the missing `name` is: rename the one that looks like it (its split,
  /// train or t10k/test, and its kind, images/idx3 or labels/idx1, in its
  /// name), else the names read.
  static func renameAdvice(_ name: String, _ found: [String]) -> String {
    let splits = name.hasPrefix("train") ? ["train"] : ["t10k", "test"]
    let kinds = name.contains("images") ? ["images", "idx3"] : ["labels", "idx1"]
    let alike = found.filter { f in
      let lower = f.lowercased()
      return splits.contains { lower.contains($0) } && kinds.contains { lower.contains($0) }
    }
    func list(_ names: [String]) -> String {
      let shown = names.prefix(4)
      let more = names.count - shown.count
      if more > 0 { return shown.joined(separator: ", ") + " and \(more) more" }
      return shown.count == 1 ? shown[0] : shown.dropLast().joined(separator: ", ") + " and " + shown.last!
    }
    if alike.count == 1 {
      return "found \(alike[0]): rename it \(name)\(alike[0].hasSuffix(".gz") ? ".gz" : "")"
    }
    if alike.count > 1 {
      return "found \(list(alike)): rename the one to use \(name) (or \(name).gz if gzipped)"
    }
    let names = Split.allCases.flatMap { [$0.imagesFileName, $0.labelsFileName] }
    return "the directory holds \(list(found)), but the files read are named \(list(names)) (each may end in .gz)"
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

  /// Reads `url` and checks it (`header`, `checkSize`): a plain file's
  /// header first, then its elements straight into the array returned; a
  /// gzip file (by its magic) whole, then inflated (`gunzip`).
  static func read(
    _ url: URL, rank: Int, items: String, memoryShortfall: ((Int) -> String?)? = nil
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
    guard stat(file, &st) == 0 else {
      throw DatasetError(file: file, kind: .unreadable, "cannot read: \(String(cString: strerror(errno)))")
    }
    if (st.st_mode & S_IFMT) != S_IFREG {
      throw DatasetError(file: file, kind: .unreadable, "not a regular file (a FIFO, socket or device): the IDX file itself is needed")
    }
    let fileSize = Int(st.st_size)
    let fd = open(file, O_RDONLY)
    guard fd >= 0 else {
      throw DatasetError(file: file, kind: .unreadable, "cannot read: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    let headerSize = 4 + 4 * rank
    var head = [UInt8](repeating: 0, count: headerSize)
    let got = pread(fd, &head, headerSize, 0)
    guard got >= 0 else {
      throw DatasetError(file: file, kind: .unreadable, "cannot read: \(String(cString: strerror(errno)))")
    }
    head.removeLast(headerSize - got)
    if head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B {
      let data: Data
      do {
        data = try Data(contentsOf: url)
      } catch {
        throw DatasetError(
          file: file, kind: .unreadable,
          "cannot read: \(error.localizedDescription)")
      }
      return try data.withUnsafeBytes { raw -> Result<([Int], [UInt8]), DatasetError> in
        Result { () throws(DatasetError) in
          try gunzip(raw, file: file, rank: rank, items: items, memoryShortfall: memoryShortfall)
        }
      }.get()
    }
    // The header against the file's size before any element is read: a
    // bad magic or a huge or sparse file costs no memory (a walkthrough: a
    // 6 GiB sparse file of float32 was read whole before being refused).
    let (dims, count) = try header(head, file: file, rank: rank)
    try checkSize(dims, count, found: .exactly(fileSize), file: file, rank: rank, items: items)
    try checkMemory(dims, count, needs: count, file: file, items: items, memoryShortfall)
    // Straight into the dataset's array: one copy of the data in memory.
    var failure: Int32 = 0
    let elements = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      var done = 0
      while done < count {
        let n = pread(fd, buffer.baseAddress! + done, min(count - done, 1 << 30), off_t(headerSize + done))
        if n < 0 && errno == EINTR { continue }
        if n < 0 { failure = errno }
        if n <= 0 { break }
        done += n
      }
      initialized = done
    }
    if failure != 0 {
      throw DatasetError(file: file, kind: .unreadable, "cannot read: \(String(cString: strerror(failure)))")
    }
    // Shorter than its size said: cut while we read it.
    try checkSize(dims, count, found: .exactly(headerSize + elements.count), file: file, rank: rank, items: items)
    return (dims, elements)
  }

  /// Inflates gzip data `raw` holding an IDX file and checks it: the header
  /// first, then the trailer's size against it (a single-member file's),
  /// then the memory, then no more than the header's size and a byte.
  static func gunzip(
    _ raw: UnsafeRawBufferPointer, file: String, rank: Int, items: String,
    memoryShortfall: ((Int) -> String?)?
  ) throws(DatasetError) -> (dims: [Int], elements: [UInt8]) {
    func fail(_ error: _InflateError) -> DatasetError {
      DatasetError(file: file, kind: .corruptGzip, "gzip: \(error.message)")
    }
    let headerSize = 4 + 4 * rank
    let head: [UInt8]
    do throws(_InflateError) {
      head = try _Gzip.decompress(raw, limit: headerSize)
    } catch {
      throw fail(error)
    }
    let (dims, count) = try header(head, file: file, rank: rank)
    let expected = headerSize + count
    // A single-member file's trailer: its size mod 2^32, or a cut file's
    // last bytes. It only sizes the first buffer when it agrees with the
    // header, and is quoted beside a tail; a cut file is the inflater's to
    // report (a review, session 44: a cut download had read as "trailing
    // data, found" its last bytes as a size).
    let trailer = _Gzip.trailerSizes(raw)
    let agrees = trailer?.contains(UInt32(truncatingIfNeeded: expected)) ?? false
    // The last four bytes, quoted when not 0 (zero padding's); beside a
    // tail, only when at least what was inflated.
    let quoted = trailer?.first.flatMap { $0 > 0 ? $0 : nil }
    if head.count > expected {
      try checkSize(dims, count, found: .atLeast(head.count, trailer: quoted), file: file, rank: rank, items: items)
    }
    // The inflated file and the elements copied out of it, before any is
    // inflated: a gzip bomb (2 MB of zeros behind a header claiming 2^31
    // images) is refused here, not after gigabytes, when its header claims
    // more than the memory; below it, by its trailer. (Saturated: a header
    // may claim up to Int.max bytes; a review, session 44: the sum trapped.)
    let (both, over) = expected.addingReportingOverflow(count)
    try checkMemory(dims, count, needs: over ? .max : both, file: file, items: items, memoryShortfall)
    // A large file whose trailer disagrees is refused before it is
    // inflated: a gzip bomb under the memory's limit (1.9 MB claiming
    // 3.9 GB took 13 s and 2 GB). A small one is inflated, and a cut file
    // is then the stream's error (its last bytes are no size).
    if let quoted, !agrees, expected > 1 << 26 {
      throw DatasetError(
        file: file, kind: .truncated,
        "its header gives \(expected) bytes (\(rank == 1 ? "\(dims[0]) \(items)" : "\(items) \(dims.map(String.init).joined(separator: " × "))")), its gzip trailer \(quoted) mod 2^32: the file is cut short or not what its header says (gzip -t it)")
    }
    let result: Result<[UInt8], DatasetError>
    do throws(_InflateError) {
      result = try _Gzip.decompress(raw, limit: expected, capacity: agrees && expected < .max ? expected + 1 : nil) { bytes in
        Result { () throws(DatasetError) in
          let found: Found = bytes.count > expected ? .atLeast(bytes.count, trailer: quoted) : .exactly(bytes.count)
          try checkSize(dims, count, found: found, file: file, rank: rank, items: items)
          return Array(bytes[headerSize...])
        }
      }
    } catch {
      throw fail(error)
    }
    return (dims, try result.get())
  }

  // MARK: - Parsing

  /// What was found of a file, against its header's size.
  enum Found {
    /// The file's size.
    case exactly(Int)
    /// Decompression stopped at this size, with more to come; a
    /// single-member gzip file's trailer gives `trailer` (mod 2^32).
    case atLeast(Int, trailer: UInt32?)
  }

  /// Checks the IDX header at the start of `bytes` (the whole file when
  /// shorter): magic, element type, rank and dimensions whose size fits an
  /// `Int`. Returns the dimensions and the number of elements.
  static func header(
    _ bytes: [UInt8], file: String, rank: Int
  ) throws(DatasetError) -> (dims: [Int], count: Int) {
    let headerSize = 4 + 4 * rank
    let expectedMagic = UInt32(0x0800) | UInt32(rank)
    func bigEndian32(_ offset: Int) -> UInt32 {
      UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
        | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
    if bytes.count < 4 {
      throw DatasetError(
        file: file, kind: .truncated,
        "truncated: expected a \(headerSize)-byte header, found "
          + "\(bytes.count) bytes")
    }
    let magic = bigEndian32(0)
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
    if bytes.count < headerSize {
      throw DatasetError(
        file: file, kind: .truncated,
        "truncated: expected a \(headerSize)-byte header, found "
          + "\(bytes.count) bytes")
    }
    let dims = (0..<rank).map { Int(bigEndian32(4 + 4 * $0)) }
    var elementCount = 1
    for d in dims {
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: d)
      // (The header's bytes are added later: a product within 16 of
      // Int.max, e.g. 454279 × 31252369 × 649657, must not overflow there.)
      if overflow || product > Int.max - headerSize {
        throw DatasetError(
          file: file, kind: .badHeader,
          "header dimensions \(dims) are too large")
      }
      elementCount = product
    }
    return (dims, elementCount)
  }

  /// Refuses a file whose size (`found`) is not the header's.
  static func checkSize(
    _ dims: [Int], _ count: Int, found: Found, file: String, rank: Int, items: String
  ) throws(DatasetError) {
    let headerSize = 4 + 4 * rank
    let expectedSize = headerSize + count
    let (size, text): (Int, String)
    switch found {
    case .exactly(let n): (size, text) = (n, "\(n)")
    case .atLeast(let n, let trailer):
      let said = trailer.flatMap { Int($0) >= n ? "; its gzip trailer gives \($0), mod 2^32" : nil } ?? ""
      (size, text) = (n, "at least \(n) (decompression stopped there\(said))")
    }
    guard size != expectedSize else { return }
    let shape = dims.map(String.init).joined(separator: " × ")
    let expected =
      "expected \(expectedSize) bytes (\(headerSize)-byte header + "
      + (rank == 1 ? "\(dims[0]) \(items)" : "\(items) \(shape)")
      + "), found \(text)"
    throw size < expectedSize
      ? DatasetError(file: file, kind: .truncated, "truncated: \(expected)")
      : DatasetError(file: file, kind: .trailingData, "trailing data: \(expected)")
  }

  /// Refuses a file whose data would take `needs` bytes of memory more than
  /// `memoryShortfall` allows, or than malloc gives, naming its size.
  static func checkMemory(
    _ dims: [Int], _ count: Int, needs: Int, file: String, items: String,
    _ memoryShortfall: ((Int) -> String?)?
  ) throws(DatasetError) {
    let what = dims.count == 3 ? "\(dims[0]) images of \(dims[1])×\(dims[2])" : "\(dims[0]) \(items)"
    if let reason = memoryShortfall?(needs) {
      throw DatasetError(file: file, kind: .tooLarge, "\(what) (\(count) bytes): loading them \(reason)")
    }
    // Without a budget, at least no trap: an array that cannot be
    // allocated stops the process ("failed to allocate"), where a mapping
    // the kernel refuses (beyond ulimit -v, or RAM and swap) is a refusal.
    // An anonymous mapping, as malloc makes for a block this large: a
    // malloc probe freed unused was removed by the optimiser (-O assumes
    // malloc succeeds), and the array's allocation then trapped (found in
    // session 74, when the tests first ran optimised).
    guard Self.canMap(needs) else {
      throw DatasetError(
        file: file, kind: .tooLarge, "\(what) (\(count) bytes): loading them needs \(needs) bytes, more than can be allocated")
    }
  }

  /// Whether the kernel grants `bytes` of private anonymous memory (the
  /// mapping is made and undone, never touched).
  static func canMap(_ bytes: Int) -> Bool {
    let length = max(bytes, 1)
    guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
      return false
    }
    munmap(p, length)
    return true
  }

  /// The IDX element types, by type byte.
  static let idxTypeNames: [Int: String] = [
    0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
    0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
  ]

  static func hex(_ value: UInt32, digits: Int) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - s.count)) + s
  }
}
