/// A precondition whose message survives optimisation: `precondition`'s
/// message is dropped in optimised builds (`-O`: a bare "illegal
/// instruction"), and a library user of a release build then learns
/// nothing of what was wrong. Every contract of the library's API is
/// checked with this instead: it traps as `precondition` does, in every
/// build, with "Fatal error: MESSAGE" on standard error (found in session
/// 74, when the tests first ran optimised). Package-wide, not public: a
/// library user's own `require` is no business of ours.
@inlinable @inline(__always)
package func require(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String = String(),
  file: StaticString = #fileID, line: UInt = #line
) {
  if _slowPath(!condition()) { fatalError(message(), file: file, line: line) }
}
