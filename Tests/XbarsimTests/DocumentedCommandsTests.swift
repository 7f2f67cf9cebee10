import Foundation
import Testing
import _TestSupport

// The README and docs/ spell some 100 commands for a researcher to copy.
// An option renamed or dropped in the tool would leave them stale without
// any other test noticing: every command they name must exist, and every
// `--option` they give it must be one its `--help` lists.

private let checkout = checkoutRoot

/// The documents a user reads: the README and every page under docs/.
private func documents() throws -> [URL] {
  let docs = checkout.appendingPathComponent("docs")
  let pages = try FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil)
    .filter { $0.pathExtension == "md" }
  return [checkout.appendingPathComponent("README.md")] + pages.sorted { $0.path < $1.path }
}

/// The shell text of a Markdown page: each line of a fenced block (a line
/// ending in `\` joined with the next) and each inline code span outside
/// the blocks (a span may wrap over lines).
func shellSnippets(_ markdown: String) -> [String] {
  var snippets: [String] = [], prose = "", inBlock = false, pending = ""
  for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
    if line.hasPrefix("```") {
      inBlock.toggle()
      continue
    }
    guard inBlock else {
      prose += line + "\n"
      continue
    }
    if line.hasSuffix("\\") {
      pending += line.dropLast() + " "
    } else {
      snippets.append(pending + line)
      pending = ""
    }
  }
  snippets += prose.split(separator: "`", omittingEmptySubsequences: false).enumerated()
    .filter { $0.offset % 2 == 1 }.map { String($0.element) }
  return snippets
}

/// Each `xbarsim COMMAND ARGS…` in a snippet, cut at the shell's operators
/// and comments: (command, its arguments).
func xbarsimInvocations(_ snippet: String) -> [(command: String, arguments: [String])] {
  let operators = CharacterSet(charactersIn: "|;&>#")
  return snippet.components(separatedBy: operators).compactMap { part in
    let words = part.split(whereSeparator: \.isWhitespace).map(String.init)
    guard let at = words.firstIndex(where: { $0 == "xbarsim" || $0.hasSuffix("/xbarsim") }), at + 1 < words.count else { return nil }
    let command = words[at + 1]
    guard command.first?.isLetter == true else { return nil }
    return (command, Array(words[(at + 2)...]))
  }
}

@Test func theSnippetReaderFindsCommandsInBlocksAndSpansAndStopsAtOperators() {
  let page = """
    Run `xbarsim train --epochs 2
      --seed 3` or:
    ```sh
    xbarsim solve p.json | jq . # a comment --not-an-option
    xbarsim sweep --grid seed=1,2 \\
      --out DIR; xbarsim pulses --device lim
    ```
    and `--rule hybrid` alone.
    """
  let found = shellSnippets(page).flatMap(xbarsimInvocations)
  #expect(found.map(\.command) == ["solve", "sweep", "pulses", "train"])
  #expect(found[0].arguments == ["p.json"])
  #expect(found[1].arguments == ["--grid", "seed=1,2", "--out", "DIR"])
  #expect(found[3].arguments == ["--epochs", "2", "--seed", "3"])
}

@Test func everyDocumentedCommandAndOptionIsOneTheToolHas() throws {
  var help: [String: String] = [:], problems: [String] = [], count = 0
  var trainText: String?
  func trainHelp() throws -> String {
    if let trainText { return trainText }
    let text = try runXbarsim(["train", "--help"]).stdout
    trainText = text
    return text
  }
  for page in try documents() {
    let text = try String(contentsOf: page, encoding: .utf8)
    for (command, arguments) in shellSnippets(text).flatMap(xbarsimInvocations) {
      count += 1
      if help[command] == nil {
        let r = try runXbarsim([command, "--help"])
        guard r.status == 0 else {
          problems.append("\(page.lastPathComponent): no command `xbarsim \(command)`")
          help[command] = ""
          continue
        }
        help[command] = r.stdout
      }
      guard let text = help[command], !text.isEmpty else { continue }
      for word in arguments where word.hasPrefix("--") {
        let option = String(word.prefix { $0 == "-" || $0.isLetter || $0.isNumber })
        // Listed in the help as the option itself, not as a longer one's prefix.
        let listed = text.ranges(of: option).contains { r in
          r.upperBound == text.endIndex || !(text[r.upperBound].isLetter || text[r.upperBound].isNumber || text[r.upperBound] == "-")
        }
        if !listed { problems.append("\(page.lastPathComponent): `xbarsim \(command)` has no \(option)") }
      }
      // A grid's key is a configuration key, each of which is also an option
      // of train (`hidden_threshold` is `--hidden-threshold`).
      for (word, next) in zip(arguments, arguments.dropFirst()) where word == "--grid" {
        // (Shell quotes around a value that holds ';' are the shell's.)
        guard let key = next.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")).split(separator: "=").first, key != "key" else { continue }
        if try trainHelp().contains("--" + key.replacingOccurrences(of: "_", with: "-") + " ") == false {
          problems.append("\(page.lastPathComponent): `--grid \(key)` is no configuration key")
        }
      }
    }
  }
  #expect(count > 50, "found only \(count) commands: the reader lost them")
  #expect(problems.isEmpty, "\(Set(problems).sorted().joined(separator: "\n"))")
}
