import Foundation
import Testing
@testable import Trainer
import _TestSupport

@testable import xbarsim

// Bad input found by fuzzing the release binary (2026-11-29): each is a
// one-line error and a non-zero exit, never a trap, an unbounded read or
// exit 0 with a wrong answer.

/// Runs `script` with /bin/sh, `$1` being the built xbarsim, in `dir`: for
/// the redirections `runXbarsim` cannot make (a full disk, a closed
/// descriptor, a memory limit).
func runShell(_ script: String, in dir: URL) throws -> ProcessResult {
  let exe = try #require(productExecutable("xbarsim"))
  return try runProcess(
    URL(fileURLWithPath: "/bin/sh"), ["-c", script, "sh", exe.path], currentDirectory: dir)
}

let okProblem = """
  {"rows":2,"cols":2,"conductance":[[1e-4,2e-5],[5e-5,1e-4]],"v_in":[0.2,0.1],"r_row":1,"r_col":1}
  """

/// A fresh directory holding ok.json.
func problemDirectory() throws -> URL {
  let dir = try Scratch.directory("xbarsim-bad-input")
  try okProblem.write(to: dir.appendingPathComponent("ok.json"), atomically: false, encoding: .utf8)
  return dir
}

func expectOneLineError(_ r: ProcessResult, _ status: Int32, _ prefix: String) {
  #expect(r.status == status, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: \(prefix)"), "\(r.stderr)")
  #expect(r.stderr.split(separator: "\n").count == (status == 64 ? 3 : 1), "\(r.stderr)")
}

/// A `--config` file's configuration error (since session 61): exit 64, as
/// the key's option, on one line naming the file (no usage line: the
/// command line was well formed).
func expectConfigFileError(_ r: ProcessResult, _ prefix: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(r.status == 64, "\(r.stderr)", sourceLocation: sourceLocation)
  #expect(r.stderr.hasPrefix("Error: \(prefix)"), "\(r.stderr)", sourceLocation: sourceLocation)
  #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
}

// solve, spice and pulses trapped in FileHandle.write (exit 132); every
// other command exited 0 with its output lost.
@Test(arguments: [
  "\"$1\" solve ok.json > /dev/full",
  "\"$1\" solve ok.json >&-",
  "\"$1\" spice ok.json > /dev/full",
  "\"$1\" pulses > /dev/full",
  "\"$1\" bench solve --rows 2 --cols 2 --repeat 1 > /dev/full",
  "\"$1\" --help > /dev/full",
  "\"$1\" pulses --help >&-",
])
func standardOutputThatCannotBeWrittenIsExit74(_ script: String) throws {
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let r = try runShell(script, in: dir)
  expectOneLineError(r, 74, "cannot write standard output: ")
}

// `solve -` trapped when standard input could not be read, and read
// /dev/zero until memory ran out.
@Test func unreadableOrEndlessStandardInputIsAnError() throws {
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  expectOneLineError(try runShell("\"$1\" solve - < .", in: dir), 1, "standard input: cannot read (Is a directory)")
  expectOneLineError(try runShell("\"$1\" solve - <&-", in: dir), 1, "standard input: cannot read (Bad file descriptor)")
  let ok = try runShell("\"$1\" solve - < ok.json", in: dir)
  #expect(ok.status == 0 && ok.stdout.contains("\"i_out\""), "\(ok.stderr)")
  // The cap (1 GiB for a real run) with a small limit.
  let zero = open("/dev/zero", O_RDONLY)
  defer { close(zero) }
  #expect {
    try ProblemFile.readAll(zero, name: "standard input", limit: 1 << 16)
  } throws: { "\($0)" == "standard input: more than 65536 bytes, the most xbarsim reads from an input file" }
}

// A device given as a problem file (or a --csv file) said "You don't have
// permission"; a named pipe without a writer waited for one. A pipe with a
// writer (`solve <(...)` in bash) is read.
@Test func aProblemFileThatIsNotARegularFileIsNamedSo() throws {
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  #expect(mkfifo(dir.appendingPathComponent("fifo").path, 0o600) == 0)
  expectOneLineError(try runXbarsim(["solve", "/dev/zero"]), 1, "/dev/zero: cannot read file (not a regular file: a device)")
  // (Named so since session 69: it had read as empty, "malformed JSON".)
  expectOneLineError(
    try runXbarsim(["spice", dir.appendingPathComponent("fifo").path]), 1,
    "\(dir.path)/fifo: a pipe with nothing written to it within 1 s (no writer, or one that wrote nothing)")
  // A writer that opens it a moment after the reader is read.
  let late = try runShell("(sleep 0.3; timeout 20 cat ok.json > fifo) & \"$1\" solve fifo", in: dir)
  #expect(late.status == 0 && late.stdout.contains("\"i_out\""), "\(late.stderr)")
  // (The writers under `timeout`: one xbarsim stopped reading would
  // leave it blocked, and the test hung, not failed: mutation round 69.)
  let piped = try runShell("timeout 20 cat ok.json > fifo & \"$1\" solve fifo", in: dir)
  #expect(piped.status == 0, "\(piped.stderr)")
  #expect(piped.stdout.contains("\"i_out\""), "\(piped.stdout)")
  expectOneLineError(
    try runXbarsim(["pulses", "--device", "measured", "--csv", "/dev/zero"]), 1,
    "/dev/zero: cannot read file (not a regular file: a device)")
}

// bench solve allocated what it could not (a trap, "failed to allocate").
@Test func benchSolveRefusesAMeshBeyondTheMemoryLimit() throws {
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let r = try runShell("ulimit -v 4000000; \"$1\" bench solve --rows 100000000 --cols 1", in: dir)
  expectOneLineError(r, 64, "--rows 100000000 × --cols 1: the solve needs about 21.6 GB, more than the 4.1 GB")
  // bench read's resistive solve trapped the same way.
  let read = try runShell("ulimit -v 4000000; \"$1\" bench read --rows 10000 --cols 10000 --wires resistive", in: dir)
  expectOneLineError(read, 64, "--rows 10000 × --cols 10000: the read needs about 33.6 GB, more than the 4.1 GB")
  #expect(MemoryLimit.shortfall(1e3) == nil)
  #expect(MemoryLimit.shortfall(1e30)?.hasPrefix("needs about ") == true)
}

// A ThreadSanitizer build of train (session 24) maps about 100 TB of shadow
// address space: counted against physical memory, a 910-synapse network
// "needs about 126444.0 GB". What a run adds to this process is checked as
// resident memory against physical memory, and as address space against
// ulimit -v, which limits address space.
@Test func residentMemoryMeetsPhysicalMemoryAndAddressSpaceMeetsUlimit() {
  func check(_ estimate: Double, resident: Double, mapped: Double, addressSpace: Double?) -> String? {
    MemoryLimit.shortfall(estimate, resident: resident, mapped: mapped, physical: 25e9, addressSpace: addressSpace)
  }
  // 100 TB mapped, 0.2 GB resident, no ulimit -v: a small network fits.
  #expect(check(1e6, resident: 2e8, mapped: 1e14, addressSpace: nil) == nil)
  // Resident memory and the estimate beyond physical memory.
  #expect(
    check(24.9e9, resident: 2e8, mapped: 3e8, addressSpace: nil)
      == "needs about 25.1 GB, more than the 25.0 GB of memory available (physical memory, or ulimit -v)")
  // Under ulimit -v the mapped space counts, resident or not.
  #expect(
    check(2e8, resident: 1e8, mapped: 9e8, addressSpace: 1e9)
      == "needs about 1.1 GB, more than the 1.0 GB of memory available (physical memory, or ulimit -v)")
  #expect(check(2e8, resident: 1e8, mapped: 7e8, addressSpace: 1e9) == nil)
  // Both passed: the smaller limit is named.
  #expect(check(30e9, resident: 1e8, mapped: 1e8, addressSpace: 26e9)?.contains("the 25.0 GB") == true)
  #expect(check(30e9, resident: 1e8, mapped: 1e8, addressSpace: 20e9)?.contains("the 20.0 GB") == true)
  // This process: mapped at least resident, both read.
  let use = MemoryLimit.inUse
  #expect(use.resident > 0 && use.mapped >= use.resident, "\(use)")
}

// spice --output and pulses --svg overwrote their own input.
@Test func anOutputNamingAnInputIsRefused() throws {
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let csv = dir.appendingPathComponent("c.csv")
  try "p,1e-6\np,2e-6\n".write(to: csv, atomically: false, encoding: .utf8)
  try FileManager.default.createSymbolicLink(
    at: dir.appendingPathComponent("link.json"), withDestinationURL: dir.appendingPathComponent("ok.json"))
  // A hard link is the same file under another name.
  try FileManager.default.linkItem(at: dir.appendingPathComponent("ok.json"), to: dir.appendingPathComponent("hard.cir"))
  for output in ["ok.json", "./ok.json", "link.json", "hard.cir"] {
    let r = try runShell("\"$1\" spice ok.json --output \(output)", in: dir)
    expectOneLineError(r, 64, "--output \(output) names the problem file ok.json")
  }
  let r = try runXbarsim(["pulses", "--device", "measured", "--csv", csv.path, "--svg", csv.path])
  expectOneLineError(r, 64, "--svg \(csv.path) names the --csv file")
  let hard = dir.appendingPathComponent("c.svg")
  try FileManager.default.linkItem(at: csv, to: hard)
  let h = try runXbarsim(["pulses", "--device", "measured", "--csv", csv.path, "--svg", hard.path])
  expectOneLineError(h, 64, "--svg \(hard.path) names the --csv file")
  #expect(try String(contentsOf: csv, encoding: .utf8) == "p,1e-6\np,2e-6\n")
  #expect(try String(contentsOf: dir.appendingPathComponent("ok.json"), encoding: .utf8) == okProblem)
}

// spice wrote "RC0_1 w0_1 b0_1 inf" for a subnormal conductance.
@Test func spiceRefusesACellWithoutAFiniteResistance() throws {
  let url = try problemFile(
    "{\"rows\":1,\"cols\":2,\"conductance\":[[1e-4,1e-320]],\"v_in\":[0.2],\"r_row\":1,\"r_col\":1}")
  expectOneLineError(
    try runXbarsim(["spice", url.path]), 1,
    // (Since session 52 the file's subnormal is refused as such, by solve
    // too; a normal G ≥ 2.2e-308 S has a finite 1/G.)
    "\(url.path): 'conductance[0][1]' is below the smallest normal double (2.2e-308), got 1e-320")
}

// A newline in the problem file's name put circuit lines into the netlist.
@Test func spiceKeepsControlCharactersOfThePathOutOfTheNetlist() throws {
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let name = "evil\nV9 x 0 DC 5\r\n.json"
  try okProblem.write(to: dir.appendingPathComponent(name), atomically: false, encoding: .utf8)
  let r = try runXbarsim(["spice", dir.appendingPathComponent(name).path])
  #expect(r.status == 0, "\(r.stderr)")
  let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
  #expect(lines[0].hasSuffix("/evil?V9 x 0 DC 5??.json"), "\(lines[0])")
  #expect(!lines.contains { $0.hasPrefix("V9") })
  #expect(!r.stdout.contains("\r"))
}

// solve printed "power_watts": null with exit 0.
@Test func solveRefusesAnInfinitePower() throws {
  let url = try problemFile(
    "{\"rows\":2,\"cols\":2,\"conductance\":[[1e-4,2e-5],[5e-5,1e-4]],\"v_in\":[1e308,1e308],\"r_row\":0,\"r_col\":0}")
  expectOneLineError(try runXbarsim(["solve", url.path]), 1, "\(url.path): the power overflows (not finite)")
}

// A number of 64 characters or more was "invalid value".
@Test func longJSONNumbersParseUpToACap() throws {
  let long = "0." + String(repeating: "0", count: 80) + "1"
  #expect(try JSONValue.parse(Data("[\(long)]".utf8)) == .array([.number(1e-81)]))
  let url = try problemFile(
    "{\"rows\":1,\"cols\":1,\"conductance\":[[\(long)]],\"v_in\":[1],\"r_row\":0,\"r_col\":0}")
  let r = try runXbarsim(["solve", url.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(parseIOut(r.stdout) == [1e-81])
  let tooLong = "0." + String(repeating: "0", count: 5000) + "1"
  #expect {
    try JSONValue.parse(Data("[\(tooLong)]".utf8))
  } throws: { "\($0)" == "line 1, column 2: number too long (more than 4096 characters)" }
}

// A UTF-8 byte-order mark before a problem file or config was "malformed
// JSON at line 1: invalid value" (fuzz review, session 22); it is skipped,
// and only at the start.
@Test func aByteOrderMarkBeforeTheJSONIsSkipped() throws {
  let bom = "\u{FEFF}"
  #expect(try JSONValue.parse(Data("\(bom)[1, 2]".utf8)) == .array([.number(1), .number(2)]))
  #expect(throws: (any Error).self) { try JSONValue.parse(Data("[1, \(bom)2]".utf8)) }
  let url = try problemFile(
    "\(bom){\"rows\":1,\"cols\":1,\"conductance\":[[2e-4]],\"v_in\":[0.5],\"r_row\":0,\"r_col\":0}")
  let r = try runXbarsim(["solve", url.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(parseIOut(r.stdout) == [1e-4])
}

// A --config reached through a linked directory was not the same file as
// its real path to the same-file checks (only a link at the end was
// followed), so --summary could overwrite it.
@Test func aFileThroughALinkedDirectoryIsTheSameTarget() throws {
  let dir = try problemDirectory()
  defer { try? FileManager.default.removeItem(at: dir) }
  let real = dir.appendingPathComponent("real"), link = dir.appendingPathComponent("link")
  try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
  try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: real.path)
  try "{}".write(to: real.appendingPathComponent("c.json"), atomically: false, encoding: .utf8)
  for name in ["c.json", "new.json"] {
    let a = OutputFile.target(link.path + "/" + name)
    #expect(a == OutputFile.target(real.path + "/" + name), "\(name)")
    #expect(a == OutputFile.target(dir.path + "/real/../link/./" + name), "\(name)")
    #expect(a != OutputFile.target(dir.path + "/ok.json"))
  }
  let r = try runXbarsim([
    "reproduce", "lim2018", "--figure", "8", "--config", link.path + "/c.json",
    "--summary", real.path + "/c.json", "--data", dir.appendingPathComponent("no-data").path,
  ])
  expectOneLineError(r, 64, "--summary would overwrite the --config file")
}

// A file name holding a newline (legal on Unix) split the error over lines.
@Test func anErrorNamingAFileWithANewlineStaysOneLine() throws {
  let r = try runXbarsim(["solve", "no\nsuch\tfile.json"])
  expectOneLineError(r, 1, "no\\nsuch\\tfile.json: cannot read file")
  #expect(Xbarsim.oneLine("a\u{7}b\r") == "a\\u{7}b\\r")
  // A quoted value of a megabyte is cut, saying how long it was, its end
  // kept (session 69: a long path's reason had been cut off).
  let long = Xbarsim.oneLine("rule: got '" + String(repeating: "a", count: 1_000_000) + "' (the reason)")
  #expect(long.count < 2_100 && long.hasPrefix("rule: got 'aaa"), "\(long.prefix(40))")
  #expect(long.contains(" … (998025 of 1000025 characters left out) … ") && long.hasSuffix("aaa' (the reason)"), "\(long.suffix(90))")
  let path = String(repeating: "n/", count: 1_500) + "x.cir"
  #expect(Xbarsim.oneLine(path + ": cannot write (No such file or directory)").hasSuffix("x.cir: cannot write (No such file or directory)"))
}

// A run stopped before its first evaluation point printed and wrote
// "test accuracy 0.00 %" (a reviewer's finding, 2026-11-30): no accuracy was
// measured, so the summary says null, and so does train_accuracy before
// the first epoch ends.
@Test func aRunStoppedBeforeItsFirstEvaluationHasNoAccuracy() throws {
  var result = TrainingResult()
  result.trainImages = 768
  result.interrupted = true
  let text = TrainCommand.summaryJSON(result, TrainingConfiguration())
  let json = try #require(
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  for key in ["test_accuracy", "accuracy_mean_last", "accuracy_min_last", "accuracy_max_last", "train_accuracy"] {
    #expect(json[key] is NSNull, "\(key): \(String(describing: json[key]))")
  }
  #expect(json["evaluation_points"] as? Int == 0)
  // With one point, numbers again.
  result.points = [EvaluationPoint(images: 600, accuracy: 71.5, loss: 1, pulses: 0, resets: 0, seconds: 0.1)]
  result.testAccuracy = 71.5
  let evaluated = try #require(
    try JSONSerialization.jsonObject(with: Data(TrainCommand.summaryJSON(result, TrainingConfiguration()).utf8))
      as? [String: Any])
  #expect(evaluated["test_accuracy"] as? Double == 71.5)
  #expect(evaluated["train_accuracy"] is NSNull)
}

// `spice -` took '-' for a file name (a reviewer's finding, 2026-11-30);
// the README says every input file may be standard input, as for `solve -`.
@Test func spiceReadsStandardInputLikeSolve() throws {
  let dir = try Scratch.directory("xb-spice")
  defer { try? FileManager.default.removeItem(at: dir) }
  let file = dir.appendingPathComponent("ok.json")
  try okProblem.write(to: file, atomically: false, encoding: .utf8)
  let fromFile = try runXbarsim(["spice", file.path])
  let fromStdin = try runXbarsim(["spice", "-"], stdin: Data(okProblem.utf8))
  #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
  // The same netlist but for its title line (the file's name or <stdin>).
  #expect(fromFile.stdout.split(separator: "\n").dropFirst() == fromStdin.stdout.split(separator: "\n").dropFirst())
  #expect(fromStdin.stdout.hasPrefix("* <stdin>") || fromStdin.stdout.contains("<stdin>"), "\(fromStdin.stdout.prefix(80))")
  let bad = try runXbarsim(["spice", "-"], stdin: Data("{\"rows\": 2}".utf8))
  #expect(bad.status == 1)
  #expect(bad.stderr.hasPrefix("Error: <stdin>"), "\(bad.stderr)")
}

// Strings as RFC 8259 has them (scripts/fuzz-lib, session 25, comparing with
// Python's json): bytes that are not UTF-8 were replaced by U+FFFD, and any
// escape was taken (`\x` as "x", `\u+12a` as U+012A); a character beyond
// U+FFFF, escaped as a surrogate pair, became "??".
@Test func jsonStringsAreUTF8WithOnlyTheStandardEscapes() throws {
  func parse(_ bytes: [UInt8]) throws -> JSONValue { try JSONValue.parse(Data(bytes)) }
  func text(_ s: String) throws -> JSONValue { try JSONValue.parse(Data(s.utf8)) }
  #expect(try text(#"["a\"\\\/\b\f\n\r\t\u00e9\u0041"]"#) == .array([.string("a\"\\/\u{8}\u{C}\n\r\té\u{41}")]))
  #expect(try text(#""\ud83d\ude00""#) == .string("😀"))
  #expect(try text("\"é😀\"") == .string("é😀"))
  for bad in [#""\x""#, #""\u+12a""#, #""\u12""#, #""\ud83d""#, #""\ud83dx""#, #""\ude00""#, #""\ud83d\u0041""#, "\"a\tb\"", "\"a\nb\""] {
    #expect(throws: (any Error).self, "\(bad)") { try text(bad) }
  }
  for bad: [UInt8] in [[0x22, 0x73, 0xC7, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
    #expect(throws: (any Error).self, "\(bad)") { try parse(bad) }
  }
  // The writer's escapes read back.
  let odd = "tab\there \"q\" back\\slash \u{1} é 😀"
  #expect(try text(JSONWriter.string(odd)) == .string(odd))
}
