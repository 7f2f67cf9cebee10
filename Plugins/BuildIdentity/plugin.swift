// The build's identity: which commit of the source a binary was built
// from, so that a summary or a checkpoint says which code made it (an
// upgrade walkthrough, session 71: results of two builds may differ in
// their last digits, and nothing said which build wrote a file).
//
// Before every build, a shell asks git for the checkout's commit and
// whether tracked files were changed since (`git` is the system's; none
// is fetched). The generated file is rewritten only when its text
// changes, so an unchanged identity recompiles nothing. Outside a git
// checkout of this package (a source archive, or a checkout nested in
// another repository), or without git, the identity is "unknown".
import Foundation
import PackagePlugin

@main struct BuildIdentity: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
    let directory = context.pluginWorkDirectoryURL.appending(path: "Generated")
    let file = directory.appending(path: "BuildIdentity.swift")
    let script = #"""
      root="$1"; file="$2"; mkdir -p "$(dirname "$file")"
      source=unknown
      here=$(cd "$root" 2>/dev/null && pwd -P)
      top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) && top=$(cd "$top" && pwd -P)
      if [ -n "$here" ] && [ "$top" = "$here" ] && commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null); then
        source="git $commit"
        if [ -n "$(git -C "$root" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]; then
          source="$source, modified"
        fi
      fi
      text="let buildSource = \"$source\""
      if [ ! -f "$file" ] || [ "$(cat "$file")" != "$text" ]; then printf '%s\n' "$text" > "$file"; fi
      """#
    return [
      .prebuildCommand(
        displayName: "Build identity of \(target.name)",
        executable: URL(filePath: "/bin/sh"),
        arguments: ["-c", script, "sh", context.package.directoryURL.path, file.path],
        outputFilesDirectory: directory)
    ]
  }
}
