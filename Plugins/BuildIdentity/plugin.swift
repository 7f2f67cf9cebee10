// The build's identity: which commit of the source a binary was built
// from, so that a summary, a checkpoint or a journal says which code made
// it (an upgrade walkthrough, session 71: results of two builds may differ
// in their last digits, and nothing said which build wrote a file).
//
// A build command asks git for the checkout's commit and whether the
// package's sources (those compiled, and Package.swift) differ from it,
// edited or new (`git` is the system's; nothing is fetched). It
// runs again when one of its inputs changes: git's HEAD, its reflog and
// index (a commit, a checkout, a `git add`) or a source file of the
// package (an edit). (A prebuild command ran only when the build plan was
// made anew, so a commit left the identity stale: a review, session 71.)
// The generated file is rewritten only when its text changes, so an
// unchanged identity recompiles nothing. Outside a git checkout of this
// package (a source archive, or a checkout nested in another repository),
// or without git, the identity is "unknown".
import Foundation
import PackagePlugin

@main struct BuildIdentity: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
    let file = context.pluginWorkDirectoryURL.appending(path: "BuildIdentity.swift")
    let root = context.package.directoryURL
    // The git directory: `.git`, or where a worktree's `.git` file points.
    var git = root.appending(path: ".git")
    if let text = try? String(contentsOf: git, encoding: .utf8), text.hasPrefix("gitdir: ") {
      let path = text.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
      git = path.hasPrefix("/") ? URL(filePath: path) : root.appending(path: path)
    }
    let gitFiles = ["HEAD", "logs/HEAD", "index"].map { git.appending(path: $0) }
      .filter { FileManager.default.fileExists(atPath: $0.path) }
    // What is compiled: "modified" is said of these alone (a README edited
    // had left it stale, and a new source not yet added had not counted:
    // a walkthrough of the plugin's cases, session 71).
    var sources = context.package.targets.flatMap { $0.sourceModule?.sourceFiles.map(\.url) ?? [] }
    sources.append(root.appending(path: "Package.swift"))
    // Build commands run with an empty environment: git is looked for on
    // the build's PATH, with the user's HOME (their git configuration).
    let environment = ProcessInfo.processInfo.environment
    let script = #"""
      root="$1"; file="$2"; shift 2; mkdir -p "$(dirname "$file")"
      source=unknown
      here=$(cd "$root" 2>/dev/null && pwd -P)
      top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) && top=$(cd "$top" && pwd -P)
      if [ -n "$here" ] && [ "$top" = "$here" ] && commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null); then
        source="git $commit"
        if [ -n "$(git -C "$root" --no-optional-locks status --porcelain --untracked-files=all -- "$@" 2>/dev/null)" ]; then
          source="$source, modified"
        fi
      fi
      text="let buildSource = \"$source\""
      if [ ! -f "$file" ] || [ "$(cat "$file")" != "$text" ]; then printf '%s\n' "$text" > "$file"; fi
      """#
    return [
      .buildCommand(
        displayName: "Build identity of \(target.name)",
        executable: URL(filePath: "/bin/sh"),
        arguments: ["-c", script, "sh", root.path, file.path] + sources.map(\.path),
        environment: [
          "PATH": environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "HOME": environment["HOME"] ?? "/",
        ],
        inputFiles: gitFiles + sources,
        outputFiles: [file])
    ]
  }
}
