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
