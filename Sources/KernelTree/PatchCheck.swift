import CLibGit2
import Foundation
import KGateCore

/// Checks on untrusted patch text before anything is written: size, binary
/// content, and paths that could escape the tree (`..`, absolute, `.git`).
enum PatchCheck {
    static let maxDiffBytes = 64 << 20

    static func validate(_ patch: PatchToApply) throws {
        let bytes = patch.diff.utf8.count
        guard bytes <= maxDiffBytes else {
            throw KGateError.patch("patch \(patch.label) is too large (\(bytes) bytes, limit \(maxDiffBytes))",
                                   fix: "split the change into smaller patches")
        }
        guard bytes > 0, patch.diff.contains("\n@@ ") || patch.diff.contains("diff --git ") else {
            throw KGateError.patch("patch \(patch.label) contains no diff", fix: "check that the mail carries the patch inline")
        }
        if patch.diff.contains("\0") {
            throw KGateError.patch("patch \(patch.label) contains NUL bytes: binary patches are not supported",
                                   fix: "send the change as a text diff, or apply it by hand")
        }
        for rawLine in patch.diff.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.hasPrefix("GIT binary patch") || (line.hasPrefix("Binary files ") && line.hasSuffix(" differ")) {
                throw KGateError(.kernelUnderTest, "patch \(patch.label): binary patches are not supported",
                                 fix: "send the change as a text diff, or apply it by hand", excerpt: String(line.prefix(200)))
            }
            for path in paths(in: String(line)) {
                try checkPath(path, patch: patch)
            }
        }
    }

    /// Paths named by one diff header line (after stripping a/ b/ prefixes).
    static func paths(in line: String) -> [String] {
        func unquote(_ s: Substring) -> String {
            var t = String(s)
            if let tab = t.firstIndex(of: "\t") { t = String(t[..<tab]) }
            if t.hasPrefix("\""), t.hasSuffix("\""), t.count >= 2 { t = String(t.dropFirst().dropLast()) }
            return t
        }
        func stripPrefix(_ s: String) -> String {
            if s.hasPrefix("a/") || s.hasPrefix("b/") { return String(s.dropFirst(2)) }
            return s
        }
        for prefix in ["--- ", "+++ "] where line.hasPrefix(prefix) {
            let p = unquote(line.dropFirst(prefix.count))
            return p == "/dev/null" ? [] : [stripPrefix(p)]
        }
        for prefix in ["rename from ", "rename to ", "copy from ", "copy to "] where line.hasPrefix(prefix) {
            return [unquote(line.dropFirst(prefix.count))]
        }
        if line.hasPrefix("diff --git ") {
            return line.dropFirst("diff --git ".count).split(separator: " ").map { stripPrefix(unquote($0)) }
        }
        return []
    }

    static func checkPath(_ path: String, patch: PatchToApply) throws {
        let reason: String?
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.isEmpty {
            reason = "an empty path"
        } else if path.hasPrefix("/") {
            reason = "an absolute path"
        } else if components.contains("..") {
            reason = "a '..' component"
        } else if components.contains(where: { $0.lowercased() == ".git" }) {
            reason = "a '.git' component"
        } else if path.contains("\\") && path.contains("..") {
            reason = "an escaped '..' component"
        } else {
            reason = nil
        }
        if let reason {
            throw KGateError.patch("patch \(patch.label) touches a path with \(reason); refusing to apply it",
                                   location: String(path.prefix(300)),
                                   fix: "a patch must only touch relative paths inside the tree")
        }
    }

    /// The same checks on the paths libgit2 parsed, plus its binary flag.
    static func validateParsed(_ diff: OpaquePointer, patch: PatchToApply) throws {
        let count = git_diff_num_deltas(diff)
        guard count > 0 else {
            throw KGateError.patch("patch \(patch.label) contains no file changes", fix: "check the patch text")
        }
        for i in 0..<count {
            guard let delta = git_diff_get_delta(diff, i) else { continue }
            if delta.pointee.flags & GIT_DIFF_FLAG_BINARY.rawValue != 0 {
                throw KGateError.patch("patch \(patch.label): binary patches are not supported",
                                       location: delta.pointee.new_file.path.map { String(cString: $0) },
                                       fix: "send the change as a text diff, or apply it by hand")
            }
            for p in [delta.pointee.old_file.path, delta.pointee.new_file.path] {
                if let p { try checkPath(String(cString: p), patch: patch) }
            }
        }
    }
}
