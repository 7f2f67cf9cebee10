import Foundation

/// Writing the tool's result files (summaries, plots, checkpoints, netlists):
/// one place that checks a path before a long run and writes through
/// symbolic links and into special files instead of replacing them.
enum OutputFile {
  /// Throws a one-line error naming `path` unless a file can be written
  /// there: not a directory, in an existing, writable directory (or an
  /// existing writable file). `what` names the output ("the summary").
  static func check(_ path: String, _ what: String) throws {
    let target = resolved(path)
    var isDirectory: ObjCBool = false
    let fm = FileManager.default
    if fm.fileExists(atPath: target, isDirectory: &isDirectory) {
      guard !isDirectory.boolValue else { throw CLIError.runtime("\(path): is a directory, cannot write \(what) there") }
      guard fm.isWritableFile(atPath: target) else { throw CLIError.runtime("\(path): cannot write \(what) (not writable)") }
      // A regular file is replaced by a rename from beside it.
      let type = (try? fm.attributesOfItem(atPath: target))?[.type] as? FileAttributeType
      if type == .typeRegular {
        let (dir, name) = parts(target)
        try probe(joined(dir, ".\(name).\(getpid()).check"), path, what)
      }
      return
    }
    let d = parts(target).directory
    guard fm.fileExists(atPath: d, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw CLIError.runtime("\(path): cannot write \(what) (no directory \(d))")
    }
    guard fm.isWritableFile(atPath: d) else {
      throw CLIError.runtime("\(path): cannot write \(what) (directory \(d) is not writable)")
    }
    try probe(target, path, what)
  }

  /// Creates `file` (which does not exist) and removes it again: the
  /// permission checks above pass for root everywhere, and /proc or /sys
  /// refuse the file only when it is made, which would be after the run.
  private static func probe(_ file: String, _ path: String, _ what: String) throws {
    let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard fd >= 0 else {
      // (Another process made it meanwhile: the directory takes files.)
      if errno == EEXIST { return }
      throw CLIError.runtime("\(path): cannot write \(what) (\(String(cString: strerror(errno))))")
    }
    close(fd)
    unlink(file)
  }

  /// Whether writing `path` makes a file that can be read back: a regular
  /// file or a new one (through a symbolic link, its target), not the
  /// process's stream, a device or a pipe.
  static func makesAFile(_ path: String) -> Bool {
    guard streamDescriptor(path) == nil else { return false }
    let type = (try? FileManager.default.attributesOfItem(atPath: resolved(path)))?[.type] as? FileAttributeType
    return type == nil || type == .typeRegular
  }

  /// Writes `text` to `path`: atomically (a temporary file renamed over it)
  /// for a regular file or a new one, through a symbolic link to its
  /// target, and in place for a special file (a device, a pipe), which a
  /// rename would replace. Errors are one line naming `path`.
  static func write(_ text: String, to path: String) throws {
    try write(to: path) { try $0.write(text) }
  }

  /// Text written to a descriptor as it is produced, through a buffer of
  /// about a megabyte: a file of hundreds of megabytes (a large network's
  /// checkpoint) is never held whole in memory. (Built whole, a hybrid
  /// 784-10000-10's 800 MB checkpoint took the process from 490 MB to 2.27
  /// GB, and under `ulimit -v` the save crashed the run, its results lost:
  /// a walkthrough, session 66.)
  final class Sink {
    fileprivate let fd: Int32
    private var buffer: [UInt8] = []
    fileprivate init(_ fd: Int32) {
      self.fd = fd
      buffer.reserveCapacity(Self.chunk + 4096)
    }
    static let chunk = 1 << 20
    /// Appends `text`; a failed write throws `Failed`, with its errno.
    func write(_ text: String) throws {
      buffer.append(contentsOf: text.utf8)
      if buffer.count >= Self.chunk { try flush() }
    }
    /// Appends raw bytes (a binary file's).
    func write(bytes: [UInt8]) throws {
      buffer.append(contentsOf: bytes)
      if buffer.count >= Self.chunk { try flush() }
    }
    /// `[` the elements as `f` gives them, `,` between, `]`, out a
    /// megabyte at a time.
    func list<C: Collection>(_ values: C, _ f: (C.Element) -> String) throws {
      try write("[")
      var first = true
      for v in values {
        if !first { buffer.append(UInt8(ascii: ",")) }
        first = false
        buffer.append(contentsOf: f(v).utf8)
        if buffer.count >= Self.chunk { try flush() }
      }
      try write("]")
    }
    fileprivate func flush() throws {
      guard !buffer.isEmpty else { return }
      let ok = buffer.withUnsafeBytes { OutputFile.writeAll(fd, $0) }
      guard ok else { throw Failed(code: errno) }
      buffer.removeAll(keepingCapacity: true)
    }
    /// A failed write, with its `errno` (taken at once: later calls may
    /// change it).
    struct Failed: Error { let code: Int32 }
  }

  /// `produce`'s text to `fd`, through a sink, flushed at the end; a failed
  /// write is `path`'s one-line error with the system's reason.
  private static func drain(_ fd: Int32, naming path: String, _ produce: (Sink) throws -> Void) throws {
    let sink = Sink(fd)
    do {
      try produce(sink)
      try sink.flush()
    } catch let f as Sink.Failed {
      throw CLIError.runtime("\(path): cannot write (\(String(cString: strerror(f.code))))")
    }
  }

  /// `write(_:to:)` with the text given piece by piece to `produce`'s
  /// sink, which writes it as it fills.
  static func write(to path: String, _ produce: (Sink) throws -> Void) throws {
    let target = resolved(path)
    do {
      let type = (try? FileManager.default.attributesOfItem(atPath: target))?[.type] as? FileAttributeType
      if type == .typeDirectory { throw CLIError.runtime("\(path): is a directory, cannot write a file there") }
      if let fd = streamDescriptor(path) {
        // The process's own stream, at its own offset: reopened, a file
        // that `>` redirected it to was written from its start again, over
        // the lines printed before and after (a walkthrough, session 33).
        fflush(nil)  // every C stream: what `print` buffered goes first
        try drain(fd, naming: path, produce)
      } else if let type, type != .typeRegular {
        // In place: a rename would replace a device or a pipe.
        let fd = open(target, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError.runtime("\(path): cannot open for writing (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        try drain(fd, naming: path, produce)
      } else {
        try writeAtomically(to: target, naming: path, produce)
      }
    } catch let e as CLIError {
      throw e
    } catch {
      throw CLIError.runtime("\(path): cannot write (\(ProblemFile.describe(error)))")
    }
  }

  /// Writes what `produce` gives to a temporary file beside `target` and
  /// renames it over `target`: a reader never sees half a file. Done with
  /// the system calls themselves, so that a failure names its cause ("File
  /// too large", "No space left on device"), which Foundation's atomic
  /// write loses on Linux ("NSCocoaErrorDomain error 512").
  private static func writeAtomically(to target: String, naming path: String, _ produce: (Sink) throws -> Void) throws {
    let (dir, name) = parts(target)
    let stem = temporaryStem(name)
    let temporary = joined(dir, ".\(stem).\(getpid()).tmp")
    removeStaleTemporaries(of: stem, in: dir)
    func fail() -> CLIError { CLIError.runtime("\(path): cannot write (\(String(cString: strerror(errno))))") }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    guard fd >= 0 else { throw fail() }
    do {
      try drain(fd, naming: path, produce)
    } catch {
      close(fd)
      unlink(temporary)
      throw error
    }
    // On the disk before the rename: after a crash of the machine the
    // name holds the old file or the new one, not an empty one (a
    // sweep's or a journal's finished runs would be lost; an audit,
    // session 28).
    guard fsync(fd) == 0 || errno == EINVAL || errno == EROFS else {
      let error = fail()
      close(fd)
      unlink(temporary)
      throw error
    }
    guard close(fd) == 0 else {
      let error = fail()
      unlink(temporary)
      throw error
    }
    guard rename(temporary, target) == 0 else {
      let error = fail()
      unlink(temporary)
      throw error
    }
  }

  /// The name of `name`'s temporary files (`.STEM.PID.tmp`): `name`, or,
  /// where that would pass a file name's 255 bytes (a legal name of 245 or
  /// more had been refused as "File name too long": a walkthrough, session
  /// 42), its first 200 bytes and a hash of the whole.
  static func temporaryStem(_ name: String) -> String {
    guard name.utf8.count + 16 > 255 else { return name }
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    var head = "", bytes = 0
    for c in name {
      bytes += c.utf8.count
      if bytes > 200 { break }
      head.append(c)
    }
    return head + "~" + String(h, radix: 16)
  }

  /// Removes the temporary files of `name` (`.NAME.PID.tmp`) that a
  /// process killed between writing one and renaming it left in `dir`
  /// (an audit, session 28: nothing removed them, each with its own PID).
  /// A live process's is left alone.
  /// Removes the temporary files of `path`'s writes (``write(_:to:)``)
  /// that no living process is writing: a write a kill cut short.
  static func removeStaleTemporaries(ofFile path: String) {
    let (dir, name) = parts(resolved(path))
    removeStaleTemporaries(of: temporaryStem(name), in: dir)
  }

  private static func removeStaleTemporaries(of name: String, in dir: String) {
    let prefix = ".\(name).", suffix = ".tmp"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
    for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(suffix) && entry.count > prefix.count + suffix.count {
      let digits = entry.dropFirst(prefix.count).dropLast(suffix.count)
      guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let pid = pid_t(digits), pid > 0, pid != getpid() else { continue }
      // Alive (or another user's): kill(pid, 0) succeeds or says EPERM.
      if kill(pid, 0) == 0 || errno == EPERM { continue }
      unlink(joined(dir, entry))
    }
  }

  /// Directories and lock files this process holds locked
  /// (`lockDirectory`, `lockFile`), open until it ends.
  nonisolated(unsafe) private static var heldLocks: [String: Int32] = [:]

  /// Takes an exclusive lock on directory `dir` for the rest of the
  /// process, or throws a one-line error when another process holds it:
  /// two sweeps writing one --out (two shards given the same directory)
  /// each reported success while one's points were lost, and two bases
  /// could mix their rows (an audit, session 28). The lock is `flock` on
  /// the directory itself: no lock file is left, and the kernel drops it
  /// when the process ends, also when it is killed. A file system that
  /// cannot lock (some network mounts) is used without one.
  static func lockDirectory(_ dir: String, by what: String) throws {
    try hold(realPath(dir) ?? dir, open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
      "\(dir) is in use by another xbarsim \(what) (it holds the directory's lock); wait for that one to end, or give another --out"
    }
  }

  /// Creates directory `path` and its parents, or throws one line naming
  /// it and why not: a part of the path that is a file is named as such
  /// (Foundation's "NSCocoaErrorDomain error 512" had been the reason; a
  /// walkthrough, session 44), else the system's reason.
  static func makeDirectory(_ path: String) throws {
    // A name longer than the file system's (255 bytes) is refused before
    // any directory above it is made: they had been left behind, empty (a
    // hostile-environment walk, session 69: `--out` of 5,000 characters).
    if let long = path.split(separator: "/").first(where: { $0.utf8.count > Int(NAME_MAX) }) {
      throw CLIError.runtime("\(path): cannot create directory (a name of \(long.utf8.count) bytes, beyond the \(NAME_MAX) a file system allows: '\(long.prefix(40))…')")
    }
    do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
      // The path itself and each directory above it, nearest first.
      var p = path
      while true {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: p, isDirectory: &isDirectory) && !isDirectory.boolValue {
          throw CLIError.runtime("\(path): cannot create directory (\(p) is a file, not a directory)")
        }
        let up = parts(p).directory
        if up == p || up == "." || up == "/" { break }
        p = up
      }
      throw CLIError.runtime("\(path): cannot create directory (\(ProblemFile.describe(error)))")
    }
  }

  /// Whether another process holds `dir`'s lock (``lockDirectory``): the
  /// lock is tried and, when taken, given back at once. A directory this
  /// process holds, or one that cannot be opened or locked, is not.
  static func directoryInUse(_ dir: String) -> Bool {
    guard heldLocks[realPath(dir) ?? dir] == nil else { return false }
    return lockHeldElsewhere(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
  }

  /// Whether another run holds regular file `path`'s lock (a log it writes:
  /// `train` locks its logs before emptying them).
  /// A stream the process holds (`-`, /dev/stdout) and a symbolic link
  /// are not: the run writes a stream where it is, and removes no link.
  static func fileInUse(_ path: String) -> Bool {
    var st = stat()
    guard streamDescriptor(path) == nil, lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
    var fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { fd = open(path, O_WRONLY | O_CLOEXEC) }
    return lockHeldElsewhere(fd)
  }

  /// Whether `fd` (closed here; −1: no) is locked by another open file,
  /// shared or exclusive: probed with an exclusive lock, given back at
  /// once (a process taking one at that moment tries again briefly:
  /// `lockExclusively`). A lock found held is probed again for about 50
  /// ms: another run's probe holds it only for an instant, a run for its
  /// whole length (two runs started together, each writing a summary
  /// into one directory, had refused each other as that directory's
  /// --out: a walkthrough, session 45).
  private static func lockHeldElsewhere(_ fd: Int32) -> Bool {
    guard fd >= 0 else { return false }
    defer { close(fd) }
    for attempt in 0..<6 {
      if flock(fd, LOCK_EX | LOCK_NB) == 0 {
        flock(fd, LOCK_UN)
        return false
      }
      guard errno == EWOULDBLOCK else { return false }
      if attempt < 5 { usleep(10_000) }
    }
    return true
  }

  /// Takes `fd`'s exclusive lock for as long as it is open, trying a few
  /// times 10 ms apart (another run's probe holds it for an instant).
  /// False when another process holds it; true when taken, or when the
  /// file system cannot lock (used without one).
  static func lockExclusively(_ fd: Int32) -> Bool {
    for attempt in 0..<6 {
      if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
      guard errno == EWOULDBLOCK else { return true }
      if attempt < 5 { usleep(10_000) }
    }
    return false
  }

  /// Keeps `fd` (just opened; −1 when it could not be) exclusively locked
  /// under `key` for the rest of the process, or throws `busy()` when
  /// another process holds the lock. A key already held, an `fd` of −1
  /// and a file system that cannot lock go on without a lock.
  private static func hold(_ key: String, _ fd: @autoclosure () -> Int32, busy: () -> String) throws {
    guard heldLocks[key] == nil else { return }
    let fd = fd()
    guard fd >= 0 else { return }
    // (A file system that cannot lock: used without one, and the
    // descriptor kept as if locked.)
    guard lockExclusively(fd) else {
      close(fd)
      throw CLIError.runtime(busy())
    }
    heldLocks[key] = fd
  }

  /// The lock file of `path` (``lockFile(of:by:option:)``): `.NAME.lock`
  /// beside the file `path` writes to (links resolved).
  static func lockFilePath(of path: String) -> String {
    let (dir, name) = parts(target(path))
    return joined(dir, ".\(temporaryStem(name)).lock")
  }

  /// Takes an exclusive lock on file `path` for the rest of the process,
  /// or throws a one-line error naming `path` when another process holds
  /// it: two reproductions on one --journal both ran, and the last
  /// writer's runs were kept, the other's lost. `path` is replaced by a
  /// rename at every write, so the lock is `flock` on a lock file beside
  /// it (``lockFilePath(of:)``), removed when the process exits (a run
  /// that takes a lock checks that its file is still the one of that name,
  /// so a lock on a file removed meanwhile is taken again). Another file in the same directory
  /// has its own lock file. The kernel drops the lock when the process
  /// ends, also when it is killed. A file system that cannot lock (some
  /// network mounts), or a directory where the lock file cannot be made,
  /// is used without one, and so is a `path` that exists and is not a
  /// regular file (a device such as /dev/null is written in place, and
  /// gets no lock file beside it). `what` names the command
  /// ("reproduce"), `option` the option that gave `path` ("--journal").
  static func lockFile(of path: String, by what: String, option: String) throws {
    var st = stat()
    if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG { return }
    let lock = lockFilePath(of: path)
    guard heldLocks[lock] == nil else { return }
    // The lock file is removed when the process ends (since session 67:
    // every summary given a file of its own had left one). So a lock
    // taken on a file another run removed meanwhile is no lock: taken
    // again on the file of that name (a few times; then the last is kept).
    for attempt in 0..<8 {
      try hold(lock, open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)) {
        "\(path) is in use by another xbarsim \(what) (it holds \(lock)); wait for that one to end, or give another \(option)"
      }
      guard let fd = heldLocks[lock] else { return }
      var held = stat(), named = stat()
      let current = fstat(fd, &held) == 0 && stat(lock, &named) == 0 && held.st_ino == named.st_ino && held.st_dev == named.st_dev
      if !current && attempt < 7 {
        heldLocks[lock] = nil
        close(fd)
        continue
      }
      // (Removed at exit only when it is the file of that name: the last
      // try's unverified lock leaves a file another run may hold.)
      if current { removeAtExit(lock) }
      return
    }
  }

  /// The lock files this process made and holds, removed when it ends.
  nonisolated(unsafe) private static var lockFilesToRemove: [String] = []

  /// Removes `lock` when the process ends (`exit` or a return from main;
  /// a killed process leaves it, and the next run takes it over). Removed
  /// while still held, so a run waiting on it finds it gone and takes
  /// the new file of that name (`lockFile`).
  private static func removeAtExit(_ lock: String) {
    if lockFilesToRemove.isEmpty {
      atexit {
        for path in OutputFile.lockFilesToRemove { unlink(path) }
      }
    }
    lockFilesToRemove.append(lock)
  }

  /// Whether `a` and `b` name one file: the same ``target(_:)``, or two
  /// existing regular files that are one (hard links).
  static func sameFile(_ a: String, _ b: String) -> Bool { identity(a) == identity(b) }

  /// One key per file: an existing regular file by its device and inode
  /// (so that every hard link to it has the same key), anything else by
  /// its ``target(_:)``.
  static func identity(_ path: String) -> String {
    if let fd = streamDescriptor(path) { return "descriptor \(fd)" }
    var st = stat()
    if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { return "inode \(st.st_dev):\(st.st_ino)" }
    return target(path)
  }

  /// The file `path` writes to, as one path for every spelling of it
  /// (links resolved, in the directories too, `.` and `..` removed): two
  /// outputs with the same target would replace each other. A hard link
  /// is another path to the same file and is not recognised here; see
  /// ``sameFile(_:_:)``.
  static func target(_ path: String) -> String {
    let r = resolved(path)
    // An existing file, or a new one in an existing directory: the real
    // path of what exists (a directory reached through a link included).
    if let real = realPath(r) { return real }
    let (dir, name) = parts(r)
    if let real = realPath(dir) { return joined(real, name) }
    return URL(fileURLWithPath: r).standardizedFileURL.path
  }

  /// `path`'s directory ("." when it names none, "/" at the root) and
  /// its last component, split at the last "/" (trailing ones dropped).
  /// Foundation's `deletingLastPathComponent` traps on a one-character
  /// name ("m") in this toolchain, so the split is done here.
  static func parts(_ path: String) -> (directory: String, name: String) {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return (".", String(p)) }
    let dir = p[..<slash]
    return (dir.isEmpty ? "/" : String(dir), String(p[p.index(after: slash)...]))
  }

  /// `name` inside directory `dir`.
  private static func joined(_ dir: String, _ name: String) -> String {
    dir.hasSuffix("/") ? dir + name : dir + "/" + name
  }

  static func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
  }

  /// The path with every symbolic link resolved (the path itself when it
  /// does not exist yet; `-` is /dev/stdout).
  ///
  /// A link the kernel follows to what its text does not name (a
  /// `/proc/self/fd/N` of a pipe reads "pipe:[N]") is kept as it is: it
  /// opens what it stands for.
  static func resolved(_ path: String) -> String {
    var p = path == "-" ? "/dev/stdout" : path
    for _ in 0..<32 {
      guard let dest = try? FileManager.default.destinationOfSymbolicLink(atPath: p) else { return p }
      if !dest.hasPrefix("/") && p.hasPrefix("/proc/") && dest.contains(":[") { return p }
      p = dest.hasPrefix("/") ? dest : joined(parts(p).directory, dest)
    }
    return p
  }

  /// Removes the regular files at `paths` (not streams, not directories):
  /// an earlier run's summary or plot, which a run killed before its end
  /// would otherwise leave beside its own partial output.
  static func removeEarlier(_ paths: [String]) {
    for path in paths where streamDescriptor(path) == nil {
      guard (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType == .typeRegular else { continue }
      try? FileManager.default.removeItem(atPath: path)
    }
  }

  /// Refuses an output of `options` that is the process's standard output
  /// (`-`, /dev/stdout, /dev/fd/1) when the command prints `what` there: the
  /// two had followed each other on it, which no reader could part (a
  /// scripting user's walkthrough, session 68: `line --csv -` printed the
  /// CSV and then the JSON).
  static func refuseStandardOutput(_ options: [(String, String?)], carrying what: String) throws {
    for case let (option, path?) in options where streamDescriptor(path) == 1 {
      throw CLIError.usage("\(option) \(path) is standard output, which carries \(what); give \(option) a file")
    }
  }

  /// The descriptor of a stream the process holds that `path` names: `-`
  /// and `/dev/stdout` 1, `/dev/stderr` 2, `/dev/fd/N` and
  /// `/proc/self/fd/N` N (bash's `>(...)`); nil for any other path. Such an
  /// output is written to the descriptor itself, never reopened, replaced
  /// or truncated, so that `--summary - > out.txt` keeps the lines printed
  /// beside it, in order (`-` is standard output, as it is standard input
  /// to `solve`).
  static func streamDescriptor(_ path: String) -> Int32? {
    switch path {
    case "-", "/dev/stdout": return 1
    case "/dev/stderr": return 2
    default:
      for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"] where path.hasPrefix(prefix) {
        guard let n = Int32(path.dropFirst(prefix.count)), n >= 0 else { return nil }
        // (Only an open descriptor: another is an ordinary missing path.)
        return fcntl(n, F_GETFD) >= 0 ? n : nil
      }
      return nil
    }
  }

  /// Writes all of `raw` to `fd` (again after a signal's EINTR); false
  /// with `errno` set when a write fails.
  fileprivate static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Bool {
    var written = 0
    while written < raw.count {
      let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      written += n
    }
    return true
  }
}
