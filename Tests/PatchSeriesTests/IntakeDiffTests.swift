import Foundation
import KGateCore
import KernelTree
import Testing
import TestSupport
@testable import PatchSeries

/// What `git am` takes besides `diff --git`: quilt, tree-prefixed (-p1),
/// Index: (CVS/svn) and no-prefix binary diffs; each parsed and applied.
@Suite("patch intake: diff forms", .tags(.unit))
struct IntakeDiffTests: IntakeFixtures {

    /// A tree imported from a directory (libgit2 only) holding `files`.
    func tree(_ files: [String: String]) throws -> (KernelRepository, String) {
        let dir = try TestEnv.temporaryDirectory("intake-src")
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let store = TreeStore(paths: CachePaths(root: try TestEnv.temporaryDirectory("intake-cache")))
        try store.importSource(dir, name: "t", console: Console(interactive: false))
        let repo = try store.open("t")
        return (repo, try repo.resolve("HEAD"))
    }

    @Test func quiltStablePatchWithoutDiffGit() throws {
        let s = try load("quilt-stable.patch")
        let p = try #require(s.patches.first)
        #expect(s.patches.count == 1 && s.prefixes == ["6.12.y"])
        #expect(p.subject == "tcp: clamp the receiver RTT sample in tcp_rcv_rtt_update()")
        #expect(p.author == MailAddress(name: "Eric Netdev", email: "eric@example.com"))
        #expect(p.timezoneOffsetMinutes == -420)
        #expect(p.files == ["net/ipv4/tcp_input.c"])
        #expect(p.body.hasPrefix("commit 0123456789abcdef0123456789abcdef01234567 upstream.\n\n"))
        #expect(p.trailers.map(\.name) == ["Fixes", "Signed-off-by", "Signed-off-by"])
        #expect(p.diff.hasPrefix("--- a/net/ipv4/tcp_input.c\n+++ b/net/ipv4/tcp_input.c\n@@ -682,6 +682,9 @@\n"))
    }

    @Test func treePrefixedQuiltNamesLoseTheirFirstComponent() throws {
        let s = try load("quilt-orig-prefix.patch")
        let p = try #require(s.patches.first)
        #expect(p.files == ["net/core/dev.c", "net/core/new.c"])
        #expect(p.body == "Quilt without a/ b/ writes the tree's directory names.")
        #expect(p.trailers == [Trailer(name: "Signed-off-by", value: "Ann Dev <ann@example.org>")])
        let (repo, base) = try tree(["net/core/dev.c": "a\n"])
        let commits = try repo.apply(s.patchesToApply(), onto: base, refName: "t/quilt")
        #expect(try repo.fileContent(commits[0], path: "net/core/dev.c") == Data("b\n".utf8))
        #expect(try repo.fileContent(commits[0], path: "net/core/new.c") == Data("new\n".utf8))
    }

    @Test func indexStyleDiffs() throws {
        let s = try load("index-svn.patch")
        let p = try #require(s.patches.first)
        // svn names equal to the Index: name are taken as written; a/ b/ names lose a/ b/.
        #expect(p.files == ["drivers/net/dummy.c", "drivers/net/Kconfig"])
        #expect(p.body == "Made with svn diff.")
        #expect(p.diff.hasPrefix("Index: drivers/net/dummy.c\n====="))
        let (repo, base) = try tree(["drivers/net/dummy.c": "a\n", "drivers/net/Kconfig": "x\n"])
        let commits = try repo.apply(s.patchesToApply(), onto: base, refName: "t/index")
        #expect(try repo.fileContent(commits[0], path: "drivers/net/dummy.c") == Data("b\n".utf8))
        #expect(try repo.fileContent(commits[0], path: "drivers/net/Kconfig") == Data("y\n".utf8))
    }

    @Test func binaryDiffWithoutPrefixesStillListsTheFile() throws {
        let p = try #require(try load("binary-noprefix.patch").patches.first)
        #expect(p.files == ["firmware/demo.bin", "firmware/Makefile"])
        #expect(p.diff.contains("GIT binary patch\nliteral 4\n"))
    }

    @Test func gitFormRewritesOnlyTraditionalSections() {
        let mixed = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n--- a/y\n+++ b/y\n"
            + "--- old/z\n+++ new/z\n@@ -0,0 +1 @@\n+z\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-g\n"
        // The "--- a/y" pair is a hunk line of x, not a header; a lone -0,0 hunk creates the file, as git apply decides.
        #expect(TraditionalDiff.gitForm(mixed) == "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n--- a/y\n+++ b/y\n"
            + "diff --git a/z b/z\nnew file mode 100644\n--- /dev/null\n+++ b/z\n@@ -0,0 +1 @@\n+z\n"
            + "diff --git a/gone b/gone\ndeleted file mode 100644\n--- a/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-g\n")
        #expect(TraditionalDiff.treePath("/dev/null", index: nil) == nil)
        #expect(TraditionalDiff.treePath("linux.orig/net/x.c", index: nil) == "net/x.c")
        #expect(TraditionalDiff.treePath("net/x.c", index: "net/x.c") == "net/x.c")
        #expect(TraditionalDiff.rawName("a/x.c  2024-06-01 10:00:00.000000000 +0200") == "a/x.c")
        #expect(TraditionalDiff.isEpoch("--- a/x.c\t1970-01-01 00:00:00.000000000 +0000"))
        #expect(!TraditionalDiff.isEpoch("--- a/x.c\t2024-06-01 10:00:00.000000000 +0200"))
    }
}
