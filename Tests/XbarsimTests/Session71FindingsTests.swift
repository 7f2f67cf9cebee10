import Foundation
import Testing
@testable import Trainer
import _TestSupport

@testable import xbarsim

// Findings of session 71: an upgrade walkthrough (outputs of older builds
// read by this one), an interop walkthrough (every output in the field's
// standard tools) and a soak walkthrough (long runs).

/// The file's text with the first match of each pattern replaced.
private func edited(_ url: URL, _ replacements: [(String, String)], to name: String) throws -> URL {
  var text = try String(contentsOf: url, encoding: .utf8)
  for (pattern, with) in replacements {
    let range = try #require(text.range(of: pattern, options: .regularExpression), "\(pattern)")
    text.replaceSubrange(range, with: with)
  }
  let out = url.deletingLastPathComponent().appendingPathComponent(name)
  try text.write(to: out, atomically: false, encoding: .utf8)
  return out
}

private func object(_ url: URL) throws -> [String: Any] {
  try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

/// `--version`, a summary and a checkpoint name the build (version and
/// git commit); a checkpoint or a summary of another build is said to be
/// one, and a checkpoint's `xbarsim` that is no text is refused.
@Test func theBuildIsNamedAndAnotherBuildsFilesAreSaidToBeSo() throws {
  #expect(Xbarsim.build.hasPrefix(Xbarsim.version + " (git "))
  let v = try runXbarsim(["--version"])
  #expect(v.status == 0 && v.stdout == "xbarsim \(Xbarsim.build)\n", "\(v.stdout)")

  let (root, data) = try syntheticDataDirectory("xbarsim-s71-build", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let summary = root.appendingPathComponent("s.json")
  let ck = try checkpoint(root, data, ["--summary", summary.path])
  #expect(try object(summary)["xbarsim"] as? String == Xbarsim.build)
  #expect(try object(ck)["xbarsim"] as? String == Xbarsim.build)

  let go = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--epochs", "1"]
  let same = try runXbarsim(go + ["--checkpoint-in", ck.path])
  #expect(same.status == 0 && !same.stderr.contains("was written by"), "\(same.stderr)")
  let other = try edited(ck, [(#""xbarsim": "[^"]*""#, #""xbarsim": "0.0.9 (git 000000000000)""#)], to: "other.json")
  let r = try runXbarsim(go + ["--checkpoint-in", other.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(
    r.stderr.contains(
      "note: \(other.path) was written by xbarsim 0.0.9 (git 000000000000); this is \(Xbarsim.build), with whose code the run goes on"),
    "\(r.stderr)")
  // A checkpoint of before session 71 names no build: no note.
  let old = try edited(ck, [(#""xbarsim": "[^"]*",\n  "#, "")], to: "old.json")
  let o = try runXbarsim(go + ["--checkpoint-in", old.path])
  #expect(o.status == 0 && !o.stderr.contains("was written by"), "\(o.stderr)")
  let bad = try edited(ck, [(#""xbarsim": "[^"]*""#, #""xbarsim": 5"#)], to: "bad.json")
  let b = try runXbarsim(go + ["--checkpoint-in", bad.path])
  expectOneLineError(b, 1, "\(bad.path): 'xbarsim' must be the build that wrote it, as text, got 5")

  // A summary as --config: another build's is said to be one.
  let then = try edited(summary, [(#""xbarsim": "[^"]*""#, #""xbarsim": "0.0.9 (git 000000000000)""#)], to: "then.json")
  let c = try runXbarsim(["train", "--data", data.path, "--quiet", "--config", then.path])
  #expect(c.status == 0, "\(c.stderr)")
  #expect(
    c.stderr.contains("note: \(then.path) was written by xbarsim 0.0.9 (git 000000000000); this is \(Xbarsim.build): the same configuration, another build"),
    "\(c.stderr)")
  let now = try runXbarsim(["train", "--data", data.path, "--quiet", "--config", summary.path])
  #expect(now.status == 0 && !now.stderr.contains("was written by"), "\(now.stderr)")
}

/// A checkpoint of before session 66 (no `train_checksum`) or 68 (no
/// `run`) that a run goes on with says what it cannot tell: both had gone
/// on without a word.
@Test func anOlderCheckpointSaysWhatItLacks() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s71-older", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = try checkpoint(root, data)
  // Its run made one epoch longer, so that --epochs rest goes on with it.
  let longer = try edited(ck, [(#""run_end_images": 60"#, #""run_end_images": 120"#)], to: "longer.json")
  let old = try edited(
    longer, [(#"  "train_checksum": "[0-9a-f]*",\n"#, ""), (#"  "run": \{[^\n]*\},\n"#, "")], to: "old.json")
  let go = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--epochs", "rest"]
  let now = try runXbarsim(go + ["--checkpoint-in", longer.path])
  #expect(now.status == 0 && !now.stderr.contains("saved before session"), "\(now.stderr)")
  let r = try runXbarsim(go + ["--checkpoint-in", old.path])
  #expect(r.status == 0, "\(r.stderr)")
  #expect(
    r.stderr.contains(
      "note: \(old.path) does not say which training data it trained on (no train_checksum: saved before session 66); this run takes these data for the same"),
    "\(r.stderr)")
  #expect(
    r.stderr.contains(
      "note: \(old.path) holds no record of the run before it (no run: saved before session 68); this part's figures are its own, not the whole run's"),
    "\(r.stderr)")
  // A checkpoint as --config: its configuration on fresh devices, said.
  let c = try runXbarsim(["train", "--data", data.path, "--quiet", "--config", ck.path])
  #expect(c.status == 0, "\(c.stderr)")
  #expect(
    c.stderr.contains(
      "note: \(ck.path) is a checkpoint: --config takes its configuration, and this run starts from fresh devices (give --checkpoint-in \(ck.path) to start from its devices)"),
    "\(c.stderr)")
}

/// A journal whose runs an older build labelled otherwise (before
/// 2026-12-05 a non-paper network's label did not name its layers) goes on:
/// it had been refused as "another configuration (same keys)".
@Test func aJournalOfOlderLabelsGoesOn() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s71-journal", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path, "--seeds", "1"]
  let made = try runXbarsim(base + ["--journal", journal.path])
  #expect(made.status == 0, "\(made.stderr)")
  let text = try String(contentsOf: journal, encoding: .utf8)
  #expect(text.contains("layers 64,8,10"))
  // Every label without its layers, as the older build wrote it.
  let older = text.replacingOccurrences(of: #"(, )?layers 64,8,10(, )?"#, with: "", options: .regularExpression)
    .replacingOccurrences(of: " []", with: "")
  #expect(older != text && !older.contains("layers 64,8,10"))
  try older.write(to: journal, atomically: false, encoding: .utf8)
  let again = try runXbarsim(base + ["--journal", journal.path])
  #expect(again.status == 0, "\(again.stderr)")
  #expect(again.stdout == made.stdout)
}

/// The plot of a stopped reproduction names its points of fewer seeds in
/// the title, as the table does: it had said "mean of 2 seed(s)".
@Test func aStoppedReproductionsPlotNamesItsPointsOfFewerSeeds() throws {
  let dir = try Scratch.directory("xbarsim-s71-plot")
  defer { try? FileManager.default.removeItem(at: dir) }
  let plot = dir.appendingPathComponent("p.svg")
  let runs = LimReproduction.runs(figure: 9, base: TrainingConfiguration())
  var rows = runs.map { ReproduceCommand.Row(run: $0) }
  var result = TrainingResult()
  result.accuracyMeanLast = 90
  for k in rows.indices { rows[k].results = [result, result] }
  rows[1].results = [result]
  let args = ParsedArguments(command: "reproduce", values: ["--plot": [plot.path]])
  try ReproduceCommand.writePlot(
    rows, seeds: 2, args: args, base: TrainingConfiguration(), panels: LimReproduction.panels(figure: 9), title: "T",
    yLabel: "y")
  let svg = try String(contentsOf: plot, encoding: .utf8)
  let title = svgTitleText(svg)
  let point = "\(runs[1].label), \(runs[1].places[0].series)"
  #expect(point.contains("method"), "\(point)")
  #expect(title.contains("stopped early, fewer seeds at \(SVGLinePlot.escape(point)) (1 of 2)"), "\(title)")
  rows[1].results = [result, result]
  try ReproduceCommand.writePlot(
    rows, seeds: 2, args: args, base: TrainingConfiguration(), panels: LimReproduction.panels(figure: 9), title: "T",
    yLabel: "y")
  #expect(try !String(contentsOf: plot, encoding: .utf8).contains("stopped early"))
}

/// Plots: a long title wraps inside the canvas, a legend entry wraps
/// inside the plot, the legend goes to the corner the data leave free, an
/// accuracy axis stays in 0…100, image ticks are whole and an empty plot
/// says so (an interop walkthrough: titles and legends had run off the
/// canvas, the legend covered a sweep's bar and a run's last point, one
/// point drew an axis from −1 to 1 % with ticks at 9.5 and 10.5 images).
@Test func plotsKeepTheirTextInsideAndTheirLegendOffTheData() {
  let long = (0..<40).map { "word\($0)" }.joined(separator: " ")
  var p = SVGLinePlot(title: "Test accuracy, " + long, xLabel: "training images", yLabel: "test accuracy (%)")
  // Points along the top left: the legend's first corner is taken.
  p.series = [.init(label: long, x: [0, 1, 2, 3, 100], y: [99, 99, 98, 99, 10])]
  let svg = p.render()
  let titles = svg.split(separator: "\n").filter { $0.contains("font-size=\"14\"") }
  #expect(titles.count >= 2, "\(titles)")
  let texts = titles.map { $0.split(separator: ">", maxSplits: 1)[1].replacingOccurrences(of: "</text>", with: "") }
  // At most 87 characters (8.5 px each: 740 px) a line, centred on the
  // canvas (at 380: centred on the plot area, at 415, a line had been cut
  // at both edges; a review).
  #expect(SVGLinePlot.titleLimit(width: 760) == 87)
  #expect(texts.allSatisfy { $0.count <= 87 }, "\(texts)")
  #expect(titles.allSatisfy { $0.hasPrefix("<text x=\"380.00\"") }, "\(titles)")
  #expect(texts.joined(separator: " ") == "Test accuracy, " + long)
  let rect = svg.split(separator: "\n").first { $0.hasPrefix("<rect x=") && $0.contains("fill-opacity") }.map(String.init) ?? ""
  func value(_ name: String) -> Double {
    guard let r = rect.range(of: " \(name)=\"") else { return -1 }
    return Double(rect[r.upperBound...].prefix { $0 != "\"" }) ?? -1
  }
  // Inside the 760-pixel canvas, and not at the top left (90 + 10, top + 8).
  #expect(value("x") >= 90 && value("x") + value("width") <= 760, "\(rect)")
  #expect(!(value("x") == 100 && value("y") < 100), "\(rect)")
  #expect(svg.contains("<tspan"), "a long legend entry wraps")

  // An empty plot says so; one point at 0 % keeps the axis in 0…100 and
  // its x ticks whole.
  var empty = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
  empty.series = [.init(label: "s", x: [], y: [])]
  empty.emptyNote = "no evaluation point"
  #expect(empty.render().contains(">no evaluation point</text>"))
  var one = SVGLinePlot(title: "t", xLabel: "x", yLabel: "y")
  one.series = [.init(label: "s", x: [10], y: [0])]
  one.yBounds = 0...100
  one.xIntegers = true
  let drawn = one.render()
  #expect(!drawn.contains(">-1</text>") && !drawn.contains(">-0.5</text>"), "\(drawn)")
  #expect(!drawn.contains(">9.5</text>") && !drawn.contains(">10.5</text>") && drawn.contains(">10</text>"), "\(drawn)")
  #expect(!drawn.contains("no points to draw"))
}

/// The progress bar's line fits the terminal: at 40 columns every redraw
/// had been 85 characters (it wraps, and "\r" redraws its last row only).
@Test func theProgressLineFitsTheTerminal() {
  let p = TrainingProgress(images: 3000, totalImages: 60000, imagesPerSecond: 57834, lastAccuracy: 88.73)
  for columns in [1, 20, 40, 60, 80, 120, 200] {
    let line = ProgressBar.terminalLine(p, columns: columns)
    #expect(line.count <= columns - 1, "\(columns): \(line)")
  }
  // Narrow: the speed is left out before the accuracy.
  #expect(ProgressBar.terminalLine(p, columns: 40) == "3000/60000 images  test 88.73 %")
  #expect(ProgressBar.terminalLine(p, columns: 200).hasPrefix("[#" + String(repeating: ".", count: 29) + "] 3000/60000 images"))
  #expect(ProgressBar.terminalLine(p, columns: 80).hasPrefix("["))
}

/// Periodic checkpoints are said at the end, their number and wall clock:
/// in neither seconds_train nor seconds_evaluate, they had been in no
/// output (a soak walkthrough: 35 saves took 0.8 s).
@Test func periodicCheckpointsAreCountedAtTheEnd() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s71-saves", train: 60, test: 20)
  defer { try? FileManager.default.removeItem(at: root) }
  let ck = root.appendingPathComponent("ck.json")
  let common = ["train", "--data", data.path, "--layers", "64,8,10", "--quiet", "--checkpoint-out", ck.path]
  let r = try runXbarsim(common + ["--checkpoint-every", "0.00000001"])
  #expect(r.status == 0, "\(r.stderr)")
  let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("periodic checkpoints: ") }, "\(r.stdout)")
  let count = Int(line.dropFirst("periodic checkpoints: ".count).prefix { $0.isNumber }) ?? 0
  #expect(count >= 1 && count <= 60, "\(line)")
  #expect(line.contains(" saved to \(ck.path) (the last after ") && line.hasSuffix(" s, counted in neither training nor evaluations"), "\(line)")
  // Without --checkpoint-every: no such line.
  let plain = try runXbarsim(common)
  #expect(plain.status == 0 && !plain.stdout.contains("periodic checkpoints"), "\(plain.stdout)")
}

/// A journal's runs name the build that made them, kept when it is
/// rewritten; a reproduction resumed with another build says its table
/// mixes builds.
@Test func aJournalsRunsNameTheirBuild() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-s71-journal-build", train: 60, test: 30)
  defer { try? FileManager.default.removeItem(at: root) }
  let journal = root.appendingPathComponent("runs.json")
  let base = ["reproduce", "lim2018", "--figure", "9", "--layers", "64,8,10", "--evals-per-epoch", "2", "--data", data.path]
  let made = try runXbarsim(base + ["--seeds", "1", "--journal", journal.path])
  #expect(made.status == 0, "\(made.stderr)")
  let root1 = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: journal)) as? [String: Any])
  let runs = try #require(root1["runs"] as? [[String: Any]])
  #expect(!runs.isEmpty && runs.allSatisfy { $0["xbarsim"] as? String == Xbarsim.build })
  // One run made by another build: kept as it was, and said.
  let text = try String(contentsOf: journal, encoding: .utf8)
  let range = try #require(text.range(of: "\"xbarsim\": \"\(Xbarsim.build)\""))
  try text.replacingCharacters(in: range, with: "\"xbarsim\": \"0.0.9 (git 000000000000)\"").write(to: journal, atomically: false, encoding: .utf8)
  let again = try runXbarsim(base + ["--seeds", "2", "--journal", journal.path])
  #expect(again.status == 0, "\(again.stderr)")
  #expect(
    again.stderr.contains(
      "note: \(journal.path) holds runs made by another build (1 by xbarsim 0.0.9 (git 000000000000)); this is \(Xbarsim.build), which makes the rest: the table mixes builds"),
    "\(again.stderr)")
  let after = try String(contentsOf: journal, encoding: .utf8)
  #expect(after.components(separatedBy: "0.0.9 (git 000000000000)").count == 2)
  #expect(after.components(separatedBy: "\"xbarsim\": \"\(Xbarsim.build)\"").count - 1 == 2 * runs.count - 1)
}
