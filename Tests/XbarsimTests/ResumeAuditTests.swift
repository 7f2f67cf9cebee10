import Foundation
import Testing
import _TestSupport

#if canImport(Glibc)
  import Glibc
#endif

// Found by an audit of interrupted and concurrent runs (session 28): kill
// -9 at every rename, full disks, and two processes on one directory.

/// 8×8 generated images: 40 training images, 10 test images.
private func smallData() throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-resume", train: 40, test: 10)
}

private let tiny = ["--layers", "64,8,10", "--evals-per-epoch", "1", "--quiet"]

private func sweep(_ data: URL, _ out: URL, _ extra: [String] = []) throws -> ProcessResult {
  try runXbarsim(["sweep", "--data", data.path, "--grid", "seed=1,2", "--out", out.path] + extra + tiny)
}

private let header =
  "point,seed,test_accuracy,accuracy_mean_last,accuracy_min_last,accuracy_max_last,train_images,pulses,repotentiation_pulses,resets,images_per_second,read_energy_joules,interrupted,energy_per_image_joules,latency_per_image_seconds\n"

// Two sweeps on one --out (two shards given one directory) both reported
// success while one's points were lost. The second is refused while the
// first holds the directory.
@Test func aSweepIsRefusedWhileAnotherProcessHoldsItsDirectory() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
  // This process stands in for the other sweep: it holds the lock.
  let fd = open(out.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)  // (not inherited by processes other tests spawn)
  #expect(fd >= 0)
  #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
  var r = try sweep(data, out, ["--shard", "1/2"])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: \(out.path) is in use by another xbarsim sweep"), "\(r.stderr)")
  #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("sweep.csv").path))
  // A merge into it waits for it too.
  let shard = root.appendingPathComponent("shard")
  r = try sweep(data, shard)
  #expect(r.status == 0, "\(r.stderr)")
  r = try runXbarsim(["sweep", "merge", shard.path, "--out", out.path])
  #expect(r.status == 1 && r.stderr.contains("is in use by another xbarsim sweep"), "\(r.stderr)")
  close(fd)
  r = try sweep(data, out)
  #expect(r.status == 0, "\(r.stderr)")
}

// Killed (or a full disk) between the first sweep.csv, its header alone,
// and the first sweep.json, a sweep directory was refused for good
// ("sweep.json: cannot read file"). It holds no point: a fresh start.
@Test func aSweepDirectoryWithOnlyTheCSVHeaderStartsAfresh() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out"), reference = root.appendingPathComponent("ref")
  try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
  try header.write(to: out.appendingPathComponent("sweep.csv"), atomically: false, encoding: .utf8)
  var r = try sweep(data, out)
  #expect(r.status == 0, "\(r.stderr)")
  r = try sweep(data, reference)
  #expect(r.status == 0, "\(r.stderr)")
  let rows = { (d: URL) in try numericCSVRows(d.appendingPathComponent("sweep.csv")).map { Array($0.prefix(10)) } }
  #expect(try rows(out) == rows(reference))
  // A sweep.csv with rows and no sweep.json is still refused.
  try FileManager.default.removeItem(at: reference.appendingPathComponent("sweep.json"))
  r = try sweep(data, reference)
  #expect(r.status == 1 && r.stderr.contains("sweep.csv is there without sweep.json (not a sweep this command can resume"), "\(r.stderr)")
  // Another grid's header alone holds no point either: a fresh start
  // (session 52: it was "sweep.json: cannot read file").
  let other = root.appendingPathComponent("other")
  try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
  try "point,beta,test_accuracy\n".write(to: other.appendingPathComponent("sweep.csv"), atomically: false, encoding: .utf8)
  r = try sweep(data, other)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(try rows(other) == rows(out))
}

// A last row cut inside its last number (a crash of the machine, a
// partial copy) was resumed as a finished point with the cut value.
@Test func aSweepRowCutShortIsRefusedNotResumed() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  let out = root.appendingPathComponent("out")
  var r = try sweep(data, out)
  #expect(r.status == 0, "\(r.stderr)")
  let csv = out.appendingPathComponent("sweep.csv")
  let text = try String(contentsOf: csv, encoding: .utf8)
  try String(text.dropLast(3)).write(to: csv, atomically: false, encoding: .utf8)
  r = try sweep(data, out)
  #expect(r.status == 1, "\(r.stderr)")
  #expect(r.stderr.hasPrefix("Error: \(csv.path): the last row is cut short (no newline at its end)"), "\(r.stderr)")
  // So is a merge of it.
  r = try runXbarsim(["sweep", "merge", out.path])
  #expect(r.status == 1 && r.stderr.contains("the last row is cut short"), "\(r.stderr)")
}

#if os(Linux)
  // When the journal could not be written (a full disk), reproduce stopped
  // with no table and no summary, and printed the runs after it as
  // finished. Now they are tabled and summarised, marked as not kept, and
  // the command fails after.
  @Test func aJournalThatCannotBeWrittenStillLeavesTheTableAndTheSummary() throws {
    let (root, _) = try smallData()
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("stdout"), err = root.appendingPathComponent("stderr")
    // 16 KB: the journal of Figure 8's 12 runs holds about 20 KB, the
    // summary about 11 KB.
    let child = try SpawnedProcess(
      URL(fileURLWithPath: "/bin/sh"),
      [
        "-c",
        "cd \"$2\" && ulimit -f 32 && exec \"$1\" reproduce lim2018 --figure 8 --seeds 1 --data data --layers 64,8,10 --evals-per-epoch 1 --jobs 1 --journal j.json --summary s.json",
        "sh", try #require(productExecutable("xbarsim")).path, root.path,
      ],
      stdout: out, stderr: err)
    let end = child.wait()
    let stderr = try String(contentsOf: err, encoding: .utf8), stdout = try String(contentsOf: out, encoding: .utf8)
    #expect(end == .exited(1), "\(end): \(stderr)")
    #expect(stderr.contains("(not kept: the journal could not be written)"), "\(stderr)")
    let last = stderr.split(separator: "\n").last.map(String.init) ?? ""
    #expect(last.hasPrefix("Error: j.json: cannot write (File too large)") && last.hasSuffix("the table holds the runs that finished"), "\(last)")
    #expect(stdout.contains("Lim et al. 2018, Figure 8") && stdout.contains("β = 3"), "\(stdout)")
    let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("s.json"))) as? [Any]
    #expect(rows?.count == 12, "\(String(describing: rows?.count))")
  }
#endif

#if os(Linux)
  // A run killed before its end (kill -9) into an --out directory that
  // held an earlier run's files left that run's summary and plot beside its
  // own partial log. They go when the new run begins.
  @Test func aKilledRunLeavesNoEarlierRunsSummaryBesideItsLog() throws {
    let (root, data) = try syntheticDataDirectory("xbarsim-resume", train: 400, test: 10)
    defer { try? FileManager.default.removeItem(at: root) }
    let out = root.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    for name in ["summary.json", "accuracy.svg"] {
      try "an earlier run's".write(to: out.appendingPathComponent(name), atomically: false, encoding: .utf8)
    }
    let child = try SpawnedProcess(
      try #require(productExecutable("xbarsim")),
      ["train", "--data", data.path, "--layers", "64,8,10", "--epochs", "10000", "--evals-per-epoch", "1", "--quiet", "--out", out.path],
      stdout: root.appendingPathComponent("stdout"), stderr: root.appendingPathComponent("stderr"))
    // Killed once it has written its log's first row.
    let log = out.appendingPathComponent("log.csv")
    let deadline = Date().addingTimeInterval(60)
    while Date() < deadline, ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").count < 2 {
      usleep(20_000)
    }
    child.send(SIGKILL)
    #expect(child.wait() == .signalled(SIGKILL))
    for name in ["summary.json", "accuracy.svg"] {
      #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
    }
    #expect(((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").count >= 2)
  }
#endif

// A process killed between writing a temporary file and renaming it left
// `.NAME.PID.tmp` behind for good. The next write of NAME removes those of
// processes that are gone, and leaves a live one's.
@Test func aWriteRemovesTheTemporaryFilesOfItsNameThatDeadProcessesLeft() throws {
  let (root, data) = try smallData()
  defer { try? FileManager.default.removeItem(at: root) }
  // A PID that is gone: a child that has exited and been waited for.
  let gone = Process()
  gone.executableURL = URL(fileURLWithPath: "/bin/true")
  try gone.run()
  gone.waitUntilExit()
  let dead = root.appendingPathComponent(".s.json.\(gone.processIdentifier).tmp")
  let live = root.appendingPathComponent(".s.json.\(getpid()).tmp")
  let other = root.appendingPathComponent(".t.json.\(gone.processIdentifier).tmp")
  for file in [dead, live, other] { try "partial".write(to: file, atomically: false, encoding: .utf8) }
  let r = try runXbarsim(["train", "--data", data.path, "--summary", root.appendingPathComponent("s.json").path] + tiny)
  #expect(r.status == 0, "\(r.stderr)")
  #expect(!FileManager.default.fileExists(atPath: dead.path))
  #expect(FileManager.default.fileExists(atPath: live.path))
  #expect(FileManager.default.fileExists(atPath: other.path))
}
