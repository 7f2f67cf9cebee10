import Foundation
import Testing
import _TestSupport
import Trainer

@testable import xbarsim

#if canImport(Glibc)
  import Glibc
#endif

// `reproduce --journal FILE`: every finished run kept in FILE, and the same
// command with the same FILE runs only the runs FILE lacks, to the same
// table and summary as a reproduction run at one go.

/// Generated images: 8×8, or 28×28 for choi2021 (whose runs are 784-250-10).
private func journalData(side: Int = 8) throws -> (root: URL, data: URL) {
  try syntheticDataDirectory("xbarsim-journal", train: 60, test: 30, side: side)
}

private func rows(_ url: URL) throws -> [[String: Any]] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
}

private func firstLine(_ text: String) -> String { text.split(separator: "\n").first.map(String.init) ?? "" }

/// Figure 9's rows share labels across methods a, b and c; Figure 4's carry
/// the hybrid's phase switch and energies: both come back from the file.
@Test(arguments: [
  ["lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2"],
  ["choi2021", "--figure", "4", "--epochs", "2"],
])
func aJournalResumesToTheSameTableAndSummary(_ study: [String]) throws {
  let (root, data) = try journalData(side: study[0] == "choi2021" ? 28 : 8)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let base = ["reproduce"] + study + ["--data", data.path]
  // One seed first (a reproduction stopped half way), then two.
  let first = try runXbarsim(base + ["--seeds", "1", "--journal", journal.path])
  #expect(first.status == 0, "\(first.stderr)")
  let held = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any])
  #expect(held["format"] as? String == "xbarsim-reproduce-runs")
  let runs = try #require(held["runs"] as? [[String: Any]])
  let perSeed = runs.count
  #expect(perSeed >= 4)

  let resumedSummary = root.appendingPathComponent("resumed.json")
  let resumed = try runXbarsim(base + ["--seeds", "2", "--journal", journal.path, "--summary", resumedSummary.path])
  #expect(resumed.status == 0, "\(resumed.stderr)")
  #expect(resumed.stderr.contains("resuming \(journal.path): \(perSeed) of \(2 * perSeed) run(s) already done"), "\(resumed.stderr)")
  let trained = resumed.stderr.split(separator: "\n").filter { $0.contains(", seed ") }
  #expect(trained.count == perSeed, "only the second seed's runs train: \(trained)")
  #expect(trained.allSatisfy { $0.contains("seed 2") })

  let freshSummary = root.appendingPathComponent("fresh.json")
  let fresh = try runXbarsim(base + ["--seeds", "2", "--summary", freshSummary.path])
  #expect(fresh.status == 0, "\(fresh.stderr)")
  #expect(resumed.stdout == fresh.stdout)
  let a = try rows(resumedSummary), b = try rows(freshSummary)
  #expect(a.count == b.count)
  for (x, y) in zip(a, b) {
    for (key, value) in x where key != "images_per_second" {
      #expect((value as? NSObject)?.isEqual(y[key]) == true, "\(x["label"] ?? ""): \(key) \(value) against \(y[key] ?? "absent")")
    }
  }
  // Everything held: nothing trains.
  let again = try runXbarsim(base + ["--seeds", "2", "--journal", journal.path])
  #expect(again.status == 0)
  #expect(!again.stderr.contains(", seed "), "\(again.stderr)")
  #expect(again.stdout == fresh.stdout)
}

@Test func aJournalOfAnotherConfigurationOrStudyIsRefusedByName() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  #expect(try runXbarsim(base + ["--journal", journal.path]).status == 0)
  let before = try Data(contentsOf: journal)

  let epochs = try runXbarsim(base + ["--journal", journal.path, "--epochs", "2"])
  #expect(epochs.status == 1)
  let line = firstLine(epochs.stderr)
  #expect(line.hasPrefix("Error: \(journal.path): run 'n_max = "), "\(line)")
  #expect(line.contains("', seed 1 was made with another configuration (epochs: 1 there, 2 now); give another --journal"), "\(line)")

  let figure = try runXbarsim(
    ["reproduce", "lim2018", "--figure", "8", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1", "--journal", journal.path])
  #expect(figure.status == 1)
  #expect(firstLine(figure.stderr).contains("holds the runs of \"lim2018 figure 9\", not of lim2018 figure 8"), "\(figure.stderr)")

  // Other images of the same sizes: the configuration does not tell, the checksum does.
  let other = root.appendingPathComponent("other")
  try SyntheticImages.writeIDX(
    train: SyntheticImages(count: 60, seed: 3), test: SyntheticImages(count: 30, seed: 2), to: other)
  let data2 = try runXbarsim(base.map { $0 == data.path ? other.path : $0 } + ["--journal", journal.path])
  #expect(data2.status == 1)
  #expect(firstLine(data2.stderr).contains("was made on other training or test data (train_checksum: "), "\(data2.stderr)")

  // Fewer seeds than the file holds: its seed-2 runs are not this command's.
  #expect(try runXbarsim(base.dropLast() + ["2", "--journal", journal.path]).status == 0)
  let fewer = try runXbarsim(base + ["--journal", journal.path])
  #expect(fewer.status == 1)
  #expect(firstLine(fewer.stderr).contains("seed 2 is not one of this command's runs"), "\(fewer.stderr)")
  #expect(try Data(contentsOf: journal) != before)
}

@Test func aJournalThatIsNotOneOrIsTheSummaryIsRefused() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  let file = root.appendingPathComponent("other.json")
  try Data("{\"format\": \"xbarsim-checkpoint\", \"version\": 1}".utf8).write(to: file)
  let other = try runXbarsim(base + ["--journal", file.path])
  #expect(other.status == 1)
  #expect(firstLine(other.stderr) == "Error: \(file.path): not a reproduce journal (format \"xbarsim-reproduce-runs\", version 1)")
  try Data("{\"runs\": [".utf8).write(to: file)
  let broken = try runXbarsim(base + ["--journal", file.path])
  #expect(broken.status == 1)
  #expect(firstLine(broken.stderr).hasPrefix("Error: \(file.path): malformed JSON"), "\(broken.stderr)")
  let same = try runXbarsim(base + ["--journal", file.path, "--summary", file.path])
  #expect(same.status == 64)
  #expect(firstLine(same.stderr) == "Error: --summary and --journal write the same file \(file.path)")
  let missingDirectory = root.appendingPathComponent("no/such/runs.json")
  let nowhere = try runXbarsim(base + ["--journal", missingDirectory.path])
  #expect(nowhere.status != 0)
  #expect(firstLine(nowhere.stderr).contains("cannot write the journal"), "\(nowhere.stderr)")
}

/// The summary's rows give each run's resets and re-potentiation pulses
/// (mean over the seeds), as sweep.csv does (session 49); a journal kept
/// before holds neither: its rows give null, not 0, and the journal is
/// rewritten without them.
@Test func aSummaryRowGivesResetsAndAnOldJournalsRunsGiveNull() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json"), summary = root.appendingPathComponent("summary.json")
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--epochs", "4", "--data", data.path, "--seeds", "1"]
  let made = try runXbarsim(base + ["--journal", journal.path, "--summary", summary.path])
  #expect(made.status == 0, "\(made.stderr)")
  let fresh = try rows(summary)
  #expect(fresh.count == 9)
  for row in fresh {
    let resets = try #require(row["resets"] as? Double, "\(row)"), repotentiation = try #require(row["repotentiation_pulses"] as? Double)
    let pulses = try #require(row["pulses"] as? Double)
    #expect(resets >= 0 && repotentiation >= 0 && repotentiation <= pulses, "\(row)")
  }
  // n_max 32 resets within 240 images; method c never re-potentiates.
  #expect(fresh.contains { ($0["resets"] as? Double ?? 0) > 0 && ($0["repotentiation_pulses"] as? Double ?? 0) > 0 })
  #expect(fresh.filter { $0["method"] as? String == "c" }.allSatisfy { $0["repotentiation_pulses"] as? Double == 0 })

  // The same journal as a session before 49 kept it.
  var text = try String(contentsOf: journal, encoding: .utf8)
  for key in ["resets", "repotentiation_pulses"] {
    text = text.replacingOccurrences(of: "\n *\"\(key)\": [0-9]+,", with: "", options: .regularExpression)
  }
  #expect(!text.contains("\"resets\""))
  try text.write(to: journal, atomically: false, encoding: .utf8)
  let resumed = try runXbarsim(base + ["--journal", journal.path, "--summary", summary.path])
  #expect(resumed.status == 0, "\(resumed.stderr)")
  #expect(resumed.stdout == made.stdout)
  for row in try rows(summary) {
    #expect(row["resets"] is NSNull && row["repotentiation_pulses"] is NSNull, "\(row)")
    #expect(row["pulses"] is Double)
  }
  #expect(!(try String(contentsOf: journal, encoding: .utf8)).contains("\"resets\""))
}

/// A journal's results go straight into the table and the summary: an
/// accuracy outside 0…100 %, a mean outside [min, max], a negative energy,
/// conductance or time, or a seed its
/// configuration contradicts is an error naming the file, the run and the
/// field.
@Test func aJournalWithImpossibleResultsOrAContradictedSeedIsRefused() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let base = ["reproduce", "lim2018", "--figure", "8", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  let made = try runXbarsim(base + ["--journal", journal.path])
  #expect(made.status == 0, "\(made.stderr)")
  let held = try String(contentsOf: journal, encoding: .utf8)
  /// The journal with the first match of each pattern replaced.
  func edited(_ name: String, _ replacements: [(String, String)]) throws -> URL {
    var text = held
    for (pattern, with) in replacements {
      let range = try #require(text.range(of: pattern, options: .regularExpression), "\(pattern)")
      text.replaceSubrange(range, with: with)
    }
    let file = root.appendingPathComponent(name)
    try text.write(to: file, atomically: false, encoding: .utf8)
    return file
  }
  let number = "-?[0-9.e+-]+"
  let edits: [(replacements: [(String, String)], words: [String])] = [
    ([("\"accuracy_mean_last\": \(number)", "\"accuracy_mean_last\": -50")],
     ["'accuracy_mean_last' is -50, not an accuracy in 0…100 %"]),
    ([("\"test_accuracy\": \(number)", "\"test_accuracy\": 100.5")], ["'test_accuracy' is 100.5"]),
    ([("\"accuracy_min_last\": \(number)", "\"accuracy_min_last\": 90"), ("\"accuracy_max_last\": \(number)", "\"accuracy_max_last\": 10")],
     ["accuracy_min_last 90 ≤", "≤ accuracy_max_last 10 does not hold"]),
    ([("\"pulses\": \(number)", "\"pulses\": 1.5")], ["'pulses' must be a whole number ≥ 0 below 2^53, got 1.5"]),
    // Negative energies, conductances and seconds went into the summary.
    ([("\"mean_conductance\": \(number)", "\"mean_conductance\": -1")], ["'mean_conductance' is -1, not a number ≥ 0"]),
    ([("\"seconds_train\": \(number)", "\"seconds_train\": -5")], ["'seconds_train' is -5, not a number ≥ 0"]),
    ([("\"read\": \(number)", "\"read\": -0.5")], ["ledger 'read' is -0.5, not a number ≥ 0"]),
    ([("\"resets\": \(number)", "\"resets\": -2")], ["'resets' must be a whole number ≥ 0"]),
    ([("\"repotentiation_pulses\": \(number)", "\"repotentiation_pulses\": 1e15")], ["'repotentiation_pulses' is 1000000000000000, more than its 'pulses'"]),
  ]
  for (k, e) in edits.enumerated() {
    let file = try edited("edited\(k).json", e.replacements)
    let r = try runXbarsim(base + ["--journal", file.path])
    #expect(r.status == 1)
    let line = firstLine(r.stderr)
    #expect(line.hasPrefix("Error: \(file.path): run 1 ('β = "), "\(line)")
    for w in e.words { #expect(line.contains(w), "'\(w)' not in: \(line)") }
  }
  let file = try edited("seed.json", [("\"seed\": 1,", "\"seed\": 7,")])
  let r = try runXbarsim(base + ["--journal", file.path])
  #expect(r.status == 1)
  #expect(firstLine(r.stderr).hasPrefix("Error: \(file.path): run 1 ('β = "), "\(r.stderr)")
  #expect(firstLine(r.stderr).hasSuffix("'): seed 7, but its configuration's seed is 1"), "\(r.stderr)")
  // A run's own fields, each named with what is there (session 70: one
  // message had listed label, seed, configuration and result for any).
  for (name, edit, said) in [
    ("seedneg.json", ("\"seed\": 1,", "\"seed\": -4,"), "run 1: 'seed' must be a whole number ≥ 0 below 2^53, got -4"),
    ("label.json", ("\"label\": \"", "\"label\": 3, \"was\": \""), "run 1: 'label' must be a string, got 3"),
  ] {
    let file = try edited(name, [edit])
    let r = try runXbarsim(base + ["--journal", file.path])
    expectOneLineError(r, 1, "\(file.path): \(said)")
  }
}

/// A journal holds finished runs only: each trained all its configuration's
/// epochs over all the training images it uses, so train_images is that
/// product (0 made images/s 0 and the energy per image null in the
/// summary), and only the hybrid rule switches phases, after one of its
/// epochs. Anything else is an error naming the file, the run and the field.
@Test func aJournalWhoseImagesOrPhaseSwitchContradictItsConfigurationIsRefused() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["reproduce", "lim2018", "--figure", "8", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  /// Each edit replaces the first match of its pattern after `anchor`.
  func check(_ base: [String], _ name: String, after anchor: String? = nil, _ edits: [(String, String, String)]) throws {
    let journal = root.appendingPathComponent(name + ".json")
    let made = try runXbarsim(base + ["--journal", journal.path])
    #expect(made.status == 0, "\(made.stderr)")
    let held = try String(contentsOf: journal, encoding: .utf8)
    #expect(try runXbarsim(base + ["--journal", journal.path]).status == 0)
    for (k, (pattern, with, words)) in edits.enumerated() {
      var text = held
      let start = try anchor.map { try #require(text.range(of: $0)).upperBound } ?? text.startIndex
      let range = try #require(text.range(of: pattern, options: .regularExpression, range: start..<text.endIndex), "\(pattern)")
      text.replaceSubrange(range, with: with)
      let file = root.appendingPathComponent("\(name)\(k).json")
      try text.write(to: file, atomically: false, encoding: .utf8)
      let r = try runXbarsim(base + ["--journal", file.path])
      #expect(r.status == 1, "\(with)")
      let line = firstLine(r.stderr)
      #expect(line.hasPrefix("Error: \(file.path): run "), "\(line)")
      #expect(line.contains(words), "'\(words)' not in: \(line)")
    }
  }
  try check(base, "lim", [
    ("\"train_images\": [0-9]+,(\\s*)\"pulses\"", "\"train_images\": 0, \"pulses\"", "'train_images' is 0, but its configuration trains 1 epoch(s) of 60 images: 60"),
    ("\"train_images\": [0-9]+,(\\s*)\"pulses\"", "\"train_images\": 59, \"pulses\"", "'train_images' is 59, but its configuration trains 1 epoch(s) of 60 images: 60"),
    ("\"train_images\": [0-9]+,(\\s*)\"pulses\"", "\"train_images\": 120, \"pulses\"", "'train_images' is 120, but"),
    ("\"phase_switch_epoch\": null", "\"phase_switch_epoch\": 1", "'phase_switch_epoch' is 1, but rule lim never switches phases (null)"),
    // Only rules hybrid and single book the half-selected cells (session 36).
    ("\"read\": ", "\"half_select\": 1, \"read\": ", "'ledger' has a 'half_select', but its configuration books none (rule lim without half_select book)"),
    ("\"read\": ", "\"half_select\": -1, \"read\": ", "ledger 'half_select' is -1, not a number ≥ 0"),
  ])
  // Rule lim with half_select book: its runs book them (session 37).
  try check(base + ["--half-select", "book"], "booked", [
    (",\\s*\"half_select\": [0-9.e+-]+", "", "'ledger' has no 'half_select', which its configuration's half_select book books"),
  ])
  // A training limit below the data's 60 images.
  try check(base + ["--train-limit", "25", "--epochs", "2"], "limit", [
    ("\"train_images\": [0-9]+,(\\s*)\"pulses\"", "\"train_images\": 60, \"pulses\"", "'train_images' is 60, but its configuration trains 2 epoch(s) of 25 images: 50"),
  ])
  let (choiRoot, choiData) = try journalData(side: 28)
  defer { try? FileManager.default.removeItem(at: choiRoot) }
  let choi = ["reproduce", "choi2021", "--figure", "4", "--epochs", "2", "--data", choiData.path, "--seeds", "1"]
  // The first hybrid run's.
  try check(choi, "choi", after: "\"rule\": \"hybrid\"", [
    ("\"phase_switch_epoch\": (null|[0-9]+)", "\"phase_switch_epoch\": 3", "'phase_switch_epoch' is 3, not an epoch in 1…2"),
    ("\"phase_switch_epoch\": (null|[0-9]+)", "\"phase_switch_epoch\": 0", "'phase_switch_epoch' is 0, not an epoch in 1…2"),
    // A hybrid run from before its ledger booked the half-selected cells.
    (",\\s*\"half_select\": [0-9.e+-]+", "", "'ledger' has no 'half_select'"),
  ])
}

// Two reproductions started at once on one --journal both ran, and the last
// writer's runs were kept, the other's lost (FILE is replaced by a rename,
// so a lock on FILE itself does not hold across writes). The second is
// refused while the first holds FILE's lock file, `.NAME.lock` beside it;
// another journal in the same directory has its own lock and runs.
@Test func aJournalIsRefusedWhileAnotherProcessHoldsItsLock() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  let journal = root.appendingPathComponent("fig8.json"), other = root.appendingPathComponent("fig9.json")
  let lock = root.appendingPathComponent(".fig8.json.lock")
  // This process stands in for the other reproduction: it holds the lock
  // as `OutputFile.lockFile` takes it.
  // (O_CLOEXEC: a process another test spawns meanwhile, e.g. the oracles'
  // python3, would inherit the descriptor and hold the lock past close:
  // a full run failed so, session 40.)
  let fd = open(lock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
  #expect(fd >= 0)
  #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
  var r = try runXbarsim(base + ["--journal", journal.path])
  #expect(r.status == 1, "\(r.stderr)")
  #expect(
    firstLine(r.stderr)
      == "Error: \(journal.path) is in use by another xbarsim reproduce (it holds \(lock.path)); wait for that one to end, or give another --journal",
    "\(r.stderr)")
  #expect(!r.stderr.contains(", seed "), "no run starts: \(r.stderr)")
  #expect(!FileManager.default.fileExists(atPath: journal.path))
  // The same file under another name (through a symbolic link) is the same lock.
  let link = root.appendingPathComponent("link.json")
  try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: journal.path)
  r = try runXbarsim(base + ["--journal", link.path])
  #expect(r.status == 1 && firstLine(r.stderr).hasPrefix("Error: \(link.path) is in use by another xbarsim reproduce"), "\(r.stderr)")
  // Another journal in the same directory is not refused.
  r = try runXbarsim(base + ["--journal", other.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(FileManager.default.fileExists(atPath: other.path))
  // (Its lock file removed at its end, since session 67.)
  #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".fig9.json.lock").path))
  // The lock dropped (as the kernel drops a killed process's), FILE runs.
  close(fd)
  r = try runXbarsim(base + ["--journal", journal.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(FileManager.default.fileExists(atPath: journal.path))
}

// A reproduction killed with SIGKILL left the earlier invocation's summary
// and plot beside a journal that held more runs (an ML researcher's
// walkthrough, session 48): they go when the runs start; the journal keeps
// the finished runs, and the resume writes both from them.
@Test func aKilledReproductionLeavesNoEarlierSummaryOrPlot() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let summary = root.appendingPathComponent("s.json"), plot = root.appendingPathComponent("p.svg")
  for file in [summary, plot] { try "earlier".write(to: file, atomically: false, encoding: .utf8) }
  let base = [
    "reproduce", "lim2018", "--figure", "8", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "3",
    "--jobs", "1", "--journal", journal.path, "--summary", summary.path, "--plot", plot.path,
  ]
  let p = Process()
  p.executableURL = productExecutable("xbarsim")
  p.arguments = base + ["--epochs", "20"]
  p.standardOutput = FileHandle.nullDevice
  p.standardError = FileHandle.nullDevice
  try p.run()
  // Killed once the journal holds a run.
  let deadline = Date().addingTimeInterval(60)
  while ((try? JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any])?["runs"] as? [Any])?.isEmpty ?? true,
    p.isRunning, Date() < deadline
  { usleep(1000) }
  #expect(p.isRunning, "the reproduction ended before its first run was kept")
  kill(p.processIdentifier, SIGKILL)
  p.waitUntilExit()
  #expect(!FileManager.default.fileExists(atPath: summary.path) && !FileManager.default.fileExists(atPath: plot.path))
}

// Labels longer than the run column (a "[train_limit …]" suffix) pushed
// the rows out from under lim2018's header (a walkthrough, session 48):
// the header's columns start where every row's do.
@Test func limTablesColumnsStayUnderTheirHeader() throws {
  let (root, data) = try journalData()
  defer { try? FileManager.default.removeItem(at: root) }
  let plot = root.appendingPathComponent("p.svg")
  let r = try runXbarsim([
    "reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1",
    "--train-limit", "30", "--test-limit", "20", "--plot", plot.path,
  ])
  #expect(r.status == 0, "\(r.stderr)")
  // No row is the paper's run: its plot names no paper circles (it named
  // them, and drew none).
  let svg = try String(contentsOf: plot, encoding: .utf8)
  #expect(svg.contains("bars min–max") && !svg.contains("○ paper"), "\(svg.prefix(600))")
  let paperRow = ReproduceCommand.Row(run: LimReproduction.runs(figure: 9, base: TrainingConfiguration())[3], final: false)
  #expect(paperRow.run.paper != nil && ReproduceCommand.paperKey([paperRow]) == ", ○ paper")
  let lines = r.stdout.split(separator: "\n").map(String.init)
  let header = try #require(lines.first { $0.hasPrefix("run ") })
  let method = try #require(header.range(of: " method ")).lowerBound.utf16Offset(in: header) + 1
  let rows = lines.filter { $0.hasPrefix("n_max = ") }
  #expect(rows.count == 9 && rows.allSatisfy { $0.contains("[train_limit 30, test_limit 20, layers 64,8,10]") }, "\(rows)")
  for row in rows {
    let cells = Array(row.utf16)
    #expect(cells[method - 1] == UInt16(UInt8(ascii: " ")) && cells[method] != UInt16(UInt8(ascii: " ")), "\(header)\n\(row)")
  }
}
