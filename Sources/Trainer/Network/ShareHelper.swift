import Dispatch
import Foundation
import Synchronization

/// Work split into two fixed shares, 0 and 1: the caller runs share 0 and
/// a `ShareHelper` thread share 1 at the same time, or the caller runs
/// both in turn. The shares own disjoint data and their own random streams,
/// so the result is the same either way.
protocol TwoShareWork: AnyObject {
  func runShare(_ share: Int)
}

/// A second thread for `TwoShareWork`: `run()` posts one job, runs share 0
/// on the calling thread and share 1 on the helper, and returns when both
/// are done. Between jobs the helper spins (`spinLimit` polls: long
/// enough to cover a training sample's serial part), then sleeps on a
/// semaphore until the next job, so an idle helper (evaluation, I/O) costs
/// no CPU. No allocation per job.
///
/// Share 1 goes to whichever thread claims it first: the helper when it
/// picks the job up, or the caller once share 0 is done. On a busy machine
/// the helper may not be running when a job is posted; the caller then
/// runs share 1 itself instead of waiting a time slice for it (a job costs
/// what it costs on one thread, not a scheduler's quantum). The shares own
/// their data, so the result does not depend on who ran them.
final class ShareHelper: @unchecked Sendable {
  private let posted = Atomic<Int>(0)
  private let finished = Atomic<Int>(0)
  /// The last job whose share 1 a thread has claimed (jobs are claimed in
  /// order: job j is posted only after job j − 1 is done).
  private let claimed = Atomic<Int>(0)
  private let sleeping = Atomic<Bool>(false)
  private let stopping = Atomic<Bool>(false)
  private let wake = DispatchSemaphore(value: 0)
  private let exited = DispatchSemaphore(value: 0)
  /// The work, set by `start` before the thread starts and read only by the
  /// helper. Not retained: its owner stops the helper before it goes away.
  nonisolated(unsafe) private unowned(unsafe) var work: (any TwoShareWork)?
  private var jobs = 0
  /// Iterations of the helper's wait loop before it sleeps.
  private let spinLimit: Int

  init(spinLimit: Int = 2_000_000) {
    self.spinLimit = spinLimit
  }

  /// Starts the helper thread for `work` (not retained: call `stop()`
  /// before `work` goes away, e.g. in its deinit).
  func start(_ work: any TwoShareWork) {
    self.work = work
    let thread = Thread { [self] in self.loop() }
    thread.name = "xbarsim share 1"
    thread.start()
  }

  /// Runs one job of the started work: share 0 here, share 1 on the helper.
  func run() {
    jobs += 1
    posted.store(jobs, ordering: .sequentiallyConsistent)
    if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    work!.runShare(0)
    // Share 1 unclaimed: the helper is not running; run it here.
    if claimed.compareExchange(expected: jobs - 1, desired: jobs, ordering: .acquiringAndReleasing).exchanged {
      work!.runShare(1)
      return
    }
    var spins = 0
    while finished.load(ordering: .acquiring) != jobs {
      // After as many polls as the helper spins, it is likely descheduled
      // (a busy machine): give it the core.
      spins &+= 1
      if spins > spinLimit { _ = sched_yield() }
    }
  }

  /// Ends the helper thread and waits for it.
  func stop() {
    stopping.store(true, ordering: .sequentiallyConsistent)
    if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
    exited.wait()
  }

  private func loop() {
    var seen = 0
    while true {
      var spins = 0
      while posted.load(ordering: .acquiring) == seen {
        if stopping.load(ordering: .acquiring) {
          exited.signal()
          return
        }
        spins &+= 1
        if spins < spinLimit { continue }
        spins = 0
        // Announce the sleep, then look again: a job (or a stop) posted in
        // between either sees the flag and signals, or is seen here.
        sleeping.store(true, ordering: .sequentiallyConsistent)
        if posted.load(ordering: .sequentiallyConsistent) != seen
          || stopping.load(ordering: .sequentiallyConsistent)
        {
          // Take the flag back; if the poster already took it, its signal
          // is on the way and must be consumed.
          if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
        } else {
          wake.wait()
        }
      }
      seen += 1
      // A job the caller claimed (it ran share 1 itself) is skipped: the
      // claim fails for every job but the one now posted and unclaimed.
      guard claimed.compareExchange(expected: seen - 1, desired: seen, ordering: .acquiringAndReleasing).exchanged else {
        continue
      }
      work!.runShare(1)
      finished.store(seen, ordering: .releasing)
    }
  }
}
