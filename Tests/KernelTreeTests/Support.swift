import Foundation
import KGateCore
@testable import KernelTree
import TestSupport

/// Small synthetic trees built through the real import path.
enum Fixture {
    /// A fresh cache and a source directory holding `files` (path → content).
    static func source(_ files: [String: String], executable: [String] = [], symlinks: [String: String] = [:]) throws
        -> (cache: CachePaths, source: URL) {
        let dir = try TestEnv.temporaryDirectory("tree")
        let src = dir.appendingPathComponent("src")
        for (path, content) in files {
            let url = src.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        for path in executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: src.appendingPathComponent(path).path)
        }
        for (path, target) in symlinks {
            try FileManager.default.createSymbolicLink(atPath: src.appendingPathComponent(path).path, withDestinationPath: target)
        }
        return (CachePaths(root: dir.appendingPathComponent("cache")), src)
    }

    /// A synthetic tree imported as `name`, opened.
    static func repository(_ files: [String: String] = base, name: String = "syn", executable: [String] = ["scripts/run.sh"],
                           symlinks: [String: String] = ["link": "README"]) throws -> (KernelRepository, CachePaths) {
        let (cache, src) = try source(files, executable: executable, symlinks: symlinks)
        let store = TreeStore(paths: cache)
        try store.importSource(src, name: name, console: Console(interactive: false))
        return (try store.open(name), cache)
    }

    static let base: [String: String] = [
        "README": "hello\n",
        "net/core/dev.c": (1...40).map { "dev line \($0)" }.joined(separator: "\n") + "\n",
        "net/ipv4/tcp.c": (1...40).map { "tcp line \($0)" }.joined(separator: "\n") + "\n",
        "scripts/run.sh": "#!/bin/sh\necho run\n",
        ".gitignore": "/*\n",
    ]
}

/// Builds one-hunk unified diffs (3 lines of context) against real content.
enum DiffMaker {
    static func lines(_ content: String) -> [String] {
        var l = content.components(separatedBy: "\n")
        if l.last == "" { l.removeLast() }
        return l
    }

    /// Replaces `remove` lines at 0-based `index` with `insert`.
    static func modify(_ path: String, content: String, index: Int, remove: Int, insert: [String]) -> String {
        let old = lines(content)
        let from = max(0, index - 3), to = min(old.count, index + remove + 3)
        var body: [String] = []
        for k in from..<index { body.append(" " + old[k]) }
        for k in index..<(index + remove) { body.append("-" + old[k]) }
        for line in insert { body.append("+" + line) }
        for k in (index + remove)..<to { body.append(" " + old[k]) }
        let oldCount = to - from, newCount = oldCount - remove + insert.count
        return "diff --git a/\(path) b/\(path)\n--- a/\(path)\n+++ b/\(path)\n"
            + "@@ -\(from + 1),\(oldCount) +\(from + 1),\(newCount) @@\n" + body.joined(separator: "\n") + "\n"
    }

    static func newFile(_ path: String, _ content: String) -> String {
        let l = lines(content)
        return "diff --git a/\(path) b/\(path)\nnew file mode 100644\n--- /dev/null\n+++ b/\(path)\n"
            + "@@ -0,0 +1,\(l.count) @@\n" + l.map { "+" + $0 }.joined(separator: "\n") + "\n"
    }

    static func delete(_ path: String, _ content: String) -> String {
        let l = lines(content)
        return "diff --git a/\(path) b/\(path)\ndeleted file mode 100644\n--- a/\(path)\n+++ /dev/null\n"
            + "@@ -1,\(l.count) +0,0 @@\n" + l.map { "-" + $0 }.joined(separator: "\n") + "\n"
    }
}

func makePatch(_ n: Int, of total: Int, _ subject: String, diff: String, author: String = "Ada Lovelace",
               email: String = "ada@example.org") -> PatchToApply {
    PatchToApply(label: "\(n)/\(total) '\(subject)'", authorName: author, authorEmail: email,
                 date: Date(timeIntervalSince1970: 1_720_000_000 + Double(n) * 60), timezoneOffsetMinutes: 120,
                 message: "\(subject)\n\nBody of \(subject).\n\nSigned-off-by: \(author) <\(email)>\n", diff: diff)
}

/// Counts files under a repository's objects/ (proof that nothing was written).
func objectFileCount(_ repo: KernelRepository) -> Int {
    let objects = URL(fileURLWithPath: repo.info.path).appendingPathComponent("objects")
    return (FileManager.default.enumerator(atPath: objects.path)?.allObjects.count) ?? -1
}

func mtime(_ url: URL) throws -> Date {
    let attrs = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attrs[.modificationDate] as? Date) ?? .distantPast
}

func text(_ repo: KernelRepository, _ rev: String, _ path: String) throws -> String? {
    try repo.fileContent(rev, path: path).map { String(decoding: $0, as: UTF8.self) }
}
