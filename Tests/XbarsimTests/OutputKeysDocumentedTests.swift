import Foundation
import Testing
import _TestSupport

// docs/outputs.md is the one reference of the output files' keys. A key
// the code starts writing and the page does not list, or one the page
// keeps after the code stopped writing it, fails here: small trainings
// with every rule (and a sweep) write the files, and their keys are held
// to the page's tables, both ways.

private let checkout = checkoutRoot

/// The keys a section of the page lists: the code spans in the first cell
/// of each table row between the heading titled `title` and the next
/// heading (a row like `*(a column per grid key)*` lists none).
private func documentedKeys(_ page: String, section title: String) -> Set<String> {
  let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  func isHeading(_ line: String) -> Bool { line.hasPrefix("#") }
  func headingTitle(_ line: String) -> String {
    String(line.drop { $0 == "#" }).trimmingCharacters(in: .whitespaces)
  }
  guard let start = lines.firstIndex(where: { isHeading($0) && headingTitle($0) == title }) else { return [] }
  var keys = Set<String>()
  for line in lines[(start + 1)...].prefix(while: { !isHeading($0) }) where line.hasPrefix("|") {
    let cells = line.split(separator: "|", omittingEmptySubsequences: false)
    guard cells.count > 2 else { continue }
    let spans = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated()
      .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    keys.formUnion(spans)
  }
  return keys
}

@Test func theSectionReaderTakesTheFirstCellsCodeSpans() {
  let page = """
    ## `a.csv`

    | key | meaning |
    | --- | --- |
    | `x` | the `y` here is not a key |
    | `p`, `q`, … | two |
    | *(a column per grid key)* | none |

    ### sub
    | `z` | another section's |
    """
  #expect(documentedKeys(page, section: "`a.csv`") == ["x", "p", "q"])
  #expect(documentedKeys(page, section: "sub") == ["z"])
  #expect(documentedKeys(page, section: "missing").isEmpty)
}

/// A JSON file's object.
private func object(_ url: URL) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], "\(url.path)")
}

/// A CSV file's header cells.
private func header(_ url: URL) throws -> [String] {
  let text = try String(contentsOf: url, encoding: .utf8)
  return text.split(separator: "\n").first.map { $0.split(separator: ",").map(String.init) } ?? []
}

@Test func everyKeyTheOutputsHoldIsDocumentedAndEveryDocumentedKeyIsWritten() throws {
  let (root, data) = try syntheticDataDirectory("xbarsim-output-keys", train: 120, test: 50)
  defer { try? FileManager.default.removeItem(at: root) }
  let common = ["--data", data.path, "--evals-per-epoch", "1", "--quiet"]
  let net = ["--layers", "64,8,10"]
  // Every rule and mode, resistive lines (the solver's key), two hidden
  // layers (a gate column each) and a start from a checkpoint.
  let runs: [(String, [String])] = [
    // (Devices counted: endurance, with a hybrid's kind.)
    ("lim", ["--layers", "64,8,6,10", "--endurance", "true"]),
    // (The lines charged: the energy breakdown's lines.)
    ("hybrid", net + ["--rule", "hybrid", "--epochs", "2", "--endurance", "true", "--line-capacitance", "1e-16"]),
    ("single", net + ["--rule", "single", "--checkpoint-out", root.appendingPathComponent("single.json").path]),
    // (A run from a checkpoint: checkpoint_in.)
    ("from-checkpoint", ["--checkpoint-in", root.appendingPathComponent("single.json").path]),
    // (The rest of a run in parts: run. Its checkpoint, single.json, is
    // made a two-epoch run's, stopped after its first, below.)
    ("rest", ["--checkpoint-in", root.appendingPathComponent("rest.json").path, "--epochs", "rest"]),
    ("float", net + ["--rule", "float"]),
    ("off-chip", net + ["--learning", "off-chip"]),
    ("off-chip-weights", net + ["--learning", "off-chip", "--transfer", "weights"]),
    // (Stuck devices: stuck_devices.
    // And drift after training, after a refresh: drift, refresh.)
    ("stuck", net + ["--stuck-off", "0.1", "--stuck-on", "0.1", "--drift-times", "1,3600", "--drift-nu", "0.05", "--drift-refresh", "true"]),
    // (A stuck map: stuck_map.)
    ("stuck-map", net + ["--stuck-map", root.appendingPathComponent("map.csv").path]),
    // (And its lines' settling: line_settling.)
    ("resistive", net + ["--wires", "resistive", "--r-row", "10", "--r-col", "10", "--line-capacitance", "1e-16"]),
    // (Writes through the lines: write_drop.)
    ("write-lines", net + ["--wires", "resistive", "--r-row", "10", "--r-col", "10", "--write-lines", "resistive"]),
    // (A measured device: device.)
    ("measured", net + ["--device-csv", root.appendingPathComponent("device.csv").path]),
  ]
  try "layer,row,column,polarity,state\n0,1,*,plus,open\n".write(to: root.appendingPathComponent("map.csv"), atomically: false, encoding: .utf8)
  try (1...10).map { "p,\($0)e-6" }.joined(separator: "\n")
    .write(to: root.appendingPathComponent("device.csv"), atomically: false, encoding: .utf8)
  var summaries: [URL] = []
  var logHeaders: [[String]] = [], epochHeaders: [[String]] = []
  for (name, options) in runs {
    if name == "rest" {
      let text = try String(contentsOf: root.appendingPathComponent("single.json"), encoding: .utf8)
      let edited = text.replacingOccurrences(of: "\"run_end_images\": 120,", with: "\"run_end_images\": 240,")
      #expect(edited != text)
      try edited.write(to: root.appendingPathComponent("rest.json"), atomically: false, encoding: .utf8)
    }
    let out = root.appendingPathComponent(name)
    let r = try runXbarsim(["train"] + common + options + ["--out", out.path])
    #expect(r.status == 0, "\(name): \(r.stderr)")
    summaries.append(out.appendingPathComponent("summary.json"))
    logHeaders.append(try header(out.appendingPathComponent("log.csv")))
    epochHeaders.append(try header(out.appendingPathComponent("epochs.csv")))
  }
  let sweep = root.appendingPathComponent("sweep")
  let s = try runXbarsim(["sweep"] + common + net + ["--grid", "rule=lim,float", "--out", sweep.path])
  #expect(s.status == 0, "sweep: \(s.stderr)")
  summaries += (0..<2).map { sweep.appendingPathComponent("point-\($0).json") }
  let sweepHeader = try header(sweep.appendingPathComponent("sweep.csv")).filter { $0 != "rule" }
  let sweepJSON = Set(try object(sweep.appendingPathComponent("sweep.json")).keys)
  // evaluate --summary, with drift after a refresh.
  let evaluated = root.appendingPathComponent("evaluate.json")
  let e = try runXbarsim([
    "evaluate", "--checkpoint", root.appendingPathComponent("single.json").path, "--data", data.path, "--drift-times", "1,3600",
    "--drift-nu", "0.05", "--drift-refresh", "true", "--adc-bits", "6", "--summary", evaluated.path,
  ])
  #expect(e.status == 0, "evaluate: \(e.stderr)")
  let evaluateKeys = Set(try object(evaluated).keys)

  // The keys written, file by file (the union over the runs).
  var top = Set<String>(), energy = Set<String>(), latency = Set<String>(), dataKeys = Set<String>()
  var records = Set<String>(), endurance = Set<String>()
  for url in summaries {
    let o = try object(url)
    top.formUnion(o.keys)
    if let e = o["energy_breakdown_joules"] as? [String: Any] { energy.formUnion(e.keys) }
    if let l = o["latency_breakdown_seconds"] as? [String: Any] { latency.formUnion(l.keys) }
    if let d = o["data"] as? [String: Any] { dataKeys.formUnion(d.keys) }
    for e in o["epochs"] as? [[String: Any]] ?? [] { records.formUnion(e.keys) }
    if let e = o["endurance"] as? [String: Any] {
      for group in [e] + (e["layers"] as? [[String: Any]] ?? []) {
        endurance.formUnion(group.keys)
        for k in ["max_pulses", "max_resets", "pulse_quantiles", "stuck", "stuck_partners"] {
          if let d = group[k] as? [String: Any] { endurance.formUnion(d.keys) }
        }
      }
    }
  }

  let page = try String(contentsOf: checkout.appendingPathComponent("docs/outputs.md"), encoding: .utf8)
  let epochsSection = "`epochs.csv` and the summary's `epochs`"
  // (what, the section, the keys written, whether every key the section
  // lists must be written by some run).
  let checks: [(String, String, Set<String>, Bool)] = [
    ("summary.json", "`summary.json`", top, true),
    ("summary.json's energy_breakdown_joules", "`energy_breakdown_joules`", energy, true),
    ("summary.json's latency_breakdown_seconds", "`latency_breakdown_seconds`", latency, true),
    ("summary.json's data", "`data`", dataKeys, true),
    ("summary.json's endurance", "`endurance`", endurance, true),
    ("summary.json's epochs records", epochsSection, records, true),
    ("epochs.csv", epochsSection, Set(epochHeaders.joined()), true),
    ("log.csv", "`log.csv`", Set(logHeaders.joined()), true),
    ("sweep.csv", "`sweep.csv`", Set(sweepHeader), true),
    // merged_from and devices need a merge and a measured device: one way only.
    ("sweep.json", "`sweep.json`", sweepJSON, false),
    ("evaluate --summary", "`evaluate --summary`", evaluateKeys, true),
  ]
  for (what, section, written, bothWays) in checks {
    let documented = documentedKeys(page, section: section)
    #expect(!documented.isEmpty, "docs/outputs.md has no table under the heading \(section)")
    #expect(!written.isEmpty, "\(what): no key written")
    let missing = written.subtracting(documented).sorted()
    #expect(missing.isEmpty, "\(what) holds keys that docs/outputs.md (under \(section)) does not list: \(missing)")
    if bothWays {
      let stale = documented.subtracting(written).sorted()
      #expect(stale.isEmpty, "docs/outputs.md lists keys under \(section) that no run wrote to \(what): \(stale)")
    }
  }
  // Every CSV has the same columns whatever the rule (empty cells where it
  // has no value), as the page says.
  #expect(Set(epochHeaders.map { $0.joined(separator: ",") }).count == 1, "\(epochHeaders)")
  // And every summary is a --config file: each key it holds beside its
  // configuration is one `train` knows a summary writes (an unknown one
  // is refused since session 44).
  for url in summaries {
    let r = try runXbarsim(["train", "--config", url.path, "--data", data.path, "--train-limit", "10", "--test-limit", "10", "--quiet"])
    #expect(r.status == 0, "\(url.lastPathComponent): \(r.stderr)")
  }
}
