import Foundation
import KGateCore

/// Walks a git diff hunk by hunk so that what follows the last hunk (the
/// `-- ` signature, `base-commit:` lines) is cut without guessing, and
/// collects the paths the diff touches.
enum DiffScanner {
    static func extract(_ lines: [String]) -> (diff: String, files: [String]) {
        var out: [String] = []
        var files: [String] = []
        var oldLeft = 0, newLeft = 0
        var pendingGitPath: String?
        var inGitHeader = false
        var indexName: String?
        var keep = 0 // lines up to the end of the last hunk are never trimmed
        func addFile(_ path: String?) {
            guard let path, !path.isEmpty, path != "/dev/null", !files.contains(path) else { return }
            files.append(path)
        }
        for line in lines {
            if oldLeft > 0 || newLeft > 0 {
                let c = line.first
                if c == "+" { newLeft -= 1 } else if c == "-" { oldLeft -= 1 } else if c == "\\" {
                    // "\ No newline at end of file": no count.
                } else { oldLeft -= 1; newLeft -= 1 } // context (" " or a stripped empty line)
                out.append(line)
                keep = out.count
                continue
            }
            if line == "-- " || line == "--" { break }
            if line.hasPrefix("base-commit: ") || line.hasPrefix("prerequisite-patch-id: ") { continue }
            if line.hasPrefix("diff --git ") {
                if let pending = pendingGitPath { addFile(pending) }
                pendingGitPath = gitPath(line)
                inGitHeader = true
                indexName = nil
            } else if line.hasPrefix("Index: ") && !inGitHeader {
                indexName = TraditionalDiff.rawName(line.dropFirst("Index: ".count))
            } else if line.hasPrefix("+++ ") || line.hasPrefix("--- ") {
                // Git headers carry a/ b/; traditional names lose their first component (-p1).
                let path = inGitHeader ? stripPrefix(String(line.dropFirst(4)))
                    : TraditionalDiff.treePath(TraditionalDiff.rawName(line.dropFirst(4)), index: indexName) ?? "/dev/null"
                if path != "/dev/null" { addFile(path); pendingGitPath = nil }
            } else if line.hasPrefix("rename from ") || line.hasPrefix("rename to ") {
                addFile(String(line.drop { $0 != " " }.dropFirst().drop { $0 != " " }.dropFirst()))
                pendingGitPath = nil
            } else if line.hasPrefix("@@ "), let (o, n) = TraditionalDiff.hunkCounts(line) {
                oldLeft = o; newLeft = n
                inGitHeader = false
            }
            out.append(line)
        }
        if let pending = pendingGitPath { addFile(pending) }
        while out.count > keep, let last = out.last, last.isEmpty { out.removeLast() }
        return (out.isEmpty ? "" : out.joined(separator: "\n") + "\n", files)
    }

    private static func stripPrefix(_ raw: String) -> String {
        var path = raw
        if let tab = path.firstIndex(of: "\t") { path = String(path[..<tab]) }
        if path.hasPrefix("\""), path.hasSuffix("\""), path.count >= 2 { path = String(path.dropFirst().dropLast()) }
        if path.hasPrefix("a/") || path.hasPrefix("b/") { path = String(path.dropFirst(2)) }
        return path
    }

    /// `diff --git a/P b/P` → P when both halves agree (mode-only and binary
    /// changes); `diff --git P P` (`--no-prefix`) → P as written.
    static func gitPath(_ line: String) -> String? {
        let rest = line.dropFirst("diff --git ".count)
        if rest.hasPrefix("a/"), rest.count >= 5, (rest.count - 5) % 2 == 0 {
            let half = (rest.count - 5) / 2
            let a = rest.dropFirst(2).prefix(half)
            if rest.dropFirst(2 + half) == " b/" + a { return String(a) }
        }
        guard rest.count >= 3, (rest.count - 1) % 2 == 0 else { return nil }
        let half = (rest.count - 1) / 2
        let a = rest.prefix(half)
        return rest.dropFirst(half) == " " + a ? String(a) : nil
    }
}
