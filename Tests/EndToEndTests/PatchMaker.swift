import Foundation
import KGateCore
import TestSupport

/// Writes real patches against the imported tree, at test time: the file's
/// content comes from the tree itself (git CLI on the test side only), the
/// diff from diffutils, the mail from a format-patch-shaped template. So the
/// tests follow whatever kernel source the tree holds.
struct PatchMaker {
    let gitDir: URL
    let revision: String

    static func forDefaultTree(revision: String = "HEAD") -> PatchMaker {
        PatchMaker(gitDir: TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git"), revision: revision)
    }

    func file(_ path: String) throws -> String {
        let r = try ProcessRunner.run("git", ["--git-dir", gitDir.path, "show", "\(revision):\(path)"])
        guard r.exitCode == 0 else { throw KGateError.infrastructure("git show \(path) failed", excerpt: r.stderr) }
        return r.stdout
    }

    /// A unified diff (git form) turning `old` into `new` for `path`.
    static func diff(path: String, old: String, new: String) throws -> String {
        let dir = try TestEnv.temporaryDirectory("diff")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try Data(old.utf8).write(to: a)
        try Data(new.utf8).write(to: b)
        let r = try ProcessRunner.run("diff", ["-u", "--label", "a/\(path)", "--label", "b/\(path)", a.path, b.path])
        guard r.exitCode == 1 else { throw KGateError.infrastructure("diff found no change in \(path)", excerpt: r.stderr) }
        return "diff --git a/\(path) b/\(path)\n" + r.stdout
    }

    /// Replaces the first occurrence of `anchor` in `path` (at `revision`, or in `base` when given).
    func edit(_ path: String, replacing anchor: String, with replacement: String, in base: String? = nil) throws -> (diff: String, content: String) {
        let old = try base ?? file(path)
        guard let range = old.range(of: anchor) else {
            throw KGateError.infrastructure("anchor not found in \(path): \(anchor.prefix(60))")
        }
        let new = old.replacingCharacters(in: range, with: replacement)
        return (try Self.diff(path: path, old: old, new: new), new)
    }

    /// One mail of a series, shaped like git format-patch output.
    static func mail(index: Int, total: Int, subject: String, body: String, diff: String, minute: Int = 0) -> String {
        let prefix = total > 1 ? "[PATCH \(index)/\(total)]" : "[PATCH]"
        return """
        From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
        From: Tess Tester <tess@example.org>
        Date: Tue, 24 Nov 2026 10:\(String(format: "%02d", minute % 60)):00 +0100
        Message-Id: <e2e-\(index)-\(total)-\(abs(subject.hashValue % 100000))@example.org>
        Subject: \(prefix) \(subject)

        \(body)

        Signed-off-by: Tess Tester <tess@example.org>
        ---
        \(diff)--\u{20}
        2.39.5


        """
    }

    static func write(_ mails: [String], name: String) throws -> URL {
        let url = try TestEnv.temporaryDirectory("series").appendingPathComponent(name)
        try Data(mails.joined().utf8).write(to: url)
        return url
    }
}

/// A C comment line added after `anchor` (a harmless change that still recompiles the file).
func commentEdit(_ maker: PatchMaker, _ path: String, anchor: String, note: String, in base: String? = nil) throws -> (diff: String, content: String) {
    try maker.edit(path, replacing: anchor, with: anchor + "\n/* \(note) */", in: base)
}
