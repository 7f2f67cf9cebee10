#if os(Linux)
  import Foundation
  import Glibc

  /// A child process started the way a shell starts a command: with an empty
  /// signal mask and SIGINT (SIGTERM, SIGHUP, SIGXFSZ) at its default disposition, its standard output
  /// and error in files, standard input from /dev/null.
  ///
  /// Foundation's `Process` passes on the signal mask of the thread that
  /// calls `run()`. Swift Testing runs tests on libdispatch worker threads,
  /// which block SIGINT among others, so a child started by `Process` from a
  /// test starts with SIGINT blocked and never sees `interrupt()`. Use this
  /// to test what Ctrl-C does; use `Process` to reproduce the blocked case.
  public final class SpawnedProcess {
    /// The child's process id.
    public let pid: pid_t
    private var finished: Termination?

    /// How the child ended.
    public enum Termination: Equatable, Sendable, CustomStringConvertible {
      /// It called exit with this status.
      case exited(Int32)
      /// A signal ended it (a crash, a trap, or a signal it did not handle).
      case signalled(Int32)

      public var description: String {
        switch self {
        case .exited(let s): return "exit status \(s)"
        case .signalled(let s): return "signal \(s)"
        }
      }
    }

    /// Starts `executable` with `arguments`.
    ///
    /// - Throws: `POSIXError` when posix_spawn fails.
    public init(_ executable: URL, _ arguments: [String], stdout: URL, stderr: URL) throws {
      var attr = posix_spawnattr_t()
      posix_spawnattr_init(&attr)
      defer { posix_spawnattr_destroy(&attr) }
      var empty = sigset_t()
      sigemptyset(&empty)
      posix_spawnattr_setsigmask(&attr, &empty)
      var defaults = sigset_t()
      sigemptyset(&defaults)
      sigaddset(&defaults, SIGINT)
      sigaddset(&defaults, SIGTERM)
      sigaddset(&defaults, SIGHUP)
      sigaddset(&defaults, SIGXFSZ)
      sigaddset(&defaults, SIGPIPE)
      posix_spawnattr_setsigdefault(&attr, &defaults)
      posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

      var actions = posix_spawn_file_actions_t()
      posix_spawn_file_actions_init(&actions)
      defer { posix_spawn_file_actions_destroy(&actions) }
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(
        &actions, 1, stdout.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      posix_spawn_file_actions_addopen(
        &actions, 2, stderr.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      // Nothing else: a descriptor inherited from the test process (another
      // test's pipe) would keep that pipe open while the child runs.
      // (glibc ≥ 2.34; the Glibc module does not declare it.)
      if let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
        typealias CloseFrom =
          @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32
          ) -> Int32
        _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&actions, 3)
      }

      let argv: [UnsafeMutablePointer<CChar>?] =
        ([executable.path] + arguments).map { strdup($0) } + [nil]
      defer { for p in argv { free(p) } }
      var pid = pid_t()
      let rc = posix_spawn(&pid, executable.path, &actions, &attr, argv, environ)
      guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
      self.pid = pid
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { kill(pid, signal) }

    /// Whether the child is still running (reaps it if it has ended).
    public var isRunning: Bool {
      if finished != nil { return false }
      var status: Int32 = 0
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid {
        finished = Self.decode(status)
        return false
      }
      return r == 0
    }

    /// Waits for the child to end.
    public func wait() -> Termination {
      if let finished { return finished }
      var status: Int32 = 0
      while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
      let t = Self.decode(status)
      finished = t
      return t
    }

    // WIFEXITED, WEXITSTATUS and WTERMSIG are macros Swift does not import.
    private static func decode(_ status: Int32) -> Termination {
      let low = status & 0x7F
      return low == 0 ? .exited((status >> 8) & 0xFF) : .signalled(low)
    }
  }
#endif
