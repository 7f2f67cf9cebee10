import Dispatch
import Foundation
import Testing

@testable import Trainer

// The two-share split of a hybrid update: the second thread changes how
// fast, never what.

/// Work whose shares add their job number to their own cells.
private final class Tally: TwoShareWork, @unchecked Sendable {
  var job = 0
  // One property per share: the shares write at the same time.
  var sum0 = 0, sum1 = 0
  var sums: [Int] { [sum0, sum1] }
  func runShare(_ share: Int) {
    if share == 0 { sum0 += job } else { sum1 += job }
  }
}

@Test(arguments: [20_000, 1])
func everyJobRunsBothSharesOnceBeforeRunReturns(spinLimit: Int) {
  // spinLimit 1: the helper sleeps between jobs (the semaphore path).
  let work = Tally()
  let helper = ShareHelper(spinLimit: spinLimit)
  helper.start(work)
  var expected = 0
  for job in 1...2_000 {
    work.job = job
    helper.run()
    expected += job
    if work.sums != [expected, expected] { break }
    // Now and then leave the helper idle long enough to fall asleep.
    if job % 500 == 0 { usleep(2_000) }
  }
  helper.stop()
  #expect(work.sums == [expected, expected])
}

/// Work that notes which thread ran share 1, with a slow share 0 on demand.
private final class WhoRan: TwoShareWork, @unchecked Sendable {
  let caller = pthread_self()
  var slowShare0 = false
  var byCaller = 0, byHelper = 0
  var share0 = 0
  func runShare(_ share: Int) {
    if share == 0 {
      share0 += 1
      if slowShare0 { usleep(200) }
    } else if pthread_equal(pthread_self(), caller) != 0 {
      byCaller += 1
    } else {
      byHelper += 1
    }
  }
}

// Share 1 goes to whichever thread claims it first (session 20: on a busy
// machine `--threads 2` ran 30 to 116 times slower, the caller spinning a
// time slice away for a helper that was not running). Each job's share 1
// runs once, by the helper when it is there first, by the caller when the
// helper is asleep or descheduled.
@Test func shareOneRunsOnceOnWhicheverThreadClaimsItFirst() {
  func jobs(_ count: Int, spinLimit: Int, slowShare0: Bool) -> WhoRan {
    let work = WhoRan()
    work.slowShare0 = slowShare0
    let helper = ShareHelper(spinLimit: spinLimit)
    helper.start(work)
    for _ in 0..<count { helper.run() }
    helper.stop()
    #expect(work.share0 == count && work.byCaller + work.byHelper == count)
    return work
  }
  // The helper falls asleep after every job (spinLimit 1), and share 0 is
  // instant: the caller finds share 1 unclaimed.
  let asleep = jobs(500, spinLimit: 1, slowShare0: false)
  #expect(asleep.byCaller > 0, "the caller never ran share 1 (\(asleep.byHelper) by the helper)")
  // The helper spins between jobs and share 0 takes 200 µs: it claims.
  let awake = jobs(200, spinLimit: 20_000_000, slowShare0: true)
  #expect(awake.byHelper > 0, "the helper never ran share 1 (\(awake.byCaller) by the caller)")
}

@Test(arguments: [LearningRule.hybrid, .single], [UpdateEncoding.stochastic, .deterministic])
func twoThreadsGiveTheOneThreadRunExactly(rule: LearningRule, encoding: UpdateEncoding) throws {
  var cfg = Fixture.configuration(rule: rule)
  cfg.encoding = encoding
  cfg.c2c = 0.34
  cfg.trainLimit = 300
  cfg.switchThreshold = 99.99  // both phases
  let one = try Fixture.run(cfg)
  cfg.threads = 2
  let two = try Fixture.run(cfg)
  #expect(two.points.map(\.accuracy) == one.points.map(\.accuracy))
  #expect(two.points.map(\.loss) == one.points.map(\.loss))
  #expect(two.pulses == one.pulses && two.resets == one.resets && two.cellUpdates == one.cellUpdates)
  #expect(two.pulses > 0)
  #expect(two.ledger?.program == one.ledger?.program)
}
