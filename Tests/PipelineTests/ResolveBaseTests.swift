import Foundation
import KGateCore
import KernelTree
import PatchSeries
@testable import Pipeline
import Testing
import TestSupport

/// `kgate check --base REV`: a revision the tree does not have is the user's
/// (exit 64); a libgit2 failure while resolving it is the host's (exit 4), never a usage error.
/// A series without --base: its base-commit when the tree has it, else the tree's HEAD.
@Suite(.tags(.unit)) struct ResolveBaseTests {
    static func clone() throws -> (URL, CachePaths) {
        let dir = try TestEnv.temporaryDirectory("resolve-base")
        let repo = dir.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        for args in [["init", "-q", "-b", "main"], ["-c", "user.name=t", "-c", "user.email=t@example.org",
                                                     "commit", "-q", "--allow-empty", "-m", "base"]] {
            let r = try ProcessRunner.run("/usr/bin/git", args, cwd: repo, timeout: 60)
            #expect(r.succeeded, "git \(args): \(r.stderr)")
        }
        return (repo, CachePaths(root: dir.appendingPathComponent("cache")))
    }

    @Test func aMissingBaseIsAUsageErrorAndALibgit2FailureIsTheHosts() throws {
        let (repo, paths) = try Self.clone()
        let repository = try TreeStore(paths: paths).open(path: repo)
        #expect(try ComparisonPlan.resolve(repository, "main", what: "--base").count == 40)
        let missing = #expect(throws: KGateError.self) { try ComparisonPlan.resolve(repository, "no-such", what: "--base") }
        #expect(missing?.exitCode == KGateExitCode.usage && missing?.cause != nil)
        try Data("not an object id\n".utf8).write(to: repo.appendingPathComponent(".git/refs/heads/broken"))
        let broken = #expect(throws: KGateError.self) { try ComparisonPlan.resolve(repository, "broken", what: "--base") }
        #expect(broken?.exitCode == KGateExitCode.infrastructure, "\(String(describing: broken))")
    }

    /// A one-patch series, with a `base-commit:` line when given.
    static func series(baseCommit: String?) throws -> Series {
        let mail = """
            From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
            From: Tess Tester <tess@example.org>
            Date: Tue, 24 Nov 2026 10:00:00 +0100
            Subject: [PATCH] add a file

            Adds a file.

            Signed-off-by: Tess Tester <tess@example.org>
            ---
            diff --git a/a b/a
            new file mode 100644
            --- /dev/null
            +++ b/a
            @@ -0,0 +1 @@
            +a
            --\u{20}
            2.39.5
            \(baseCommit.map { "\nbase-commit: \($0)\n" } ?? "")

            """
        let url = try TestEnv.temporaryDirectory("base-series").appendingPathComponent("s.mbox")
        try Data(mail.utf8).write(to: url)
        return try SeriesLoader().load(source: url.path)
    }

    /// A series' base: its base-commit when the tree has it, else the tree's HEAD
    /// (a lore series against another tree still gets checked), --base over both.
    @Test func aSeriesBaseIsItsBaseCommitWhenTheTreeHasItElseTheTreesHead() throws {
        let (repo, paths) = try Self.clone()
        let r = try ProcessRunner.run("/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.org",
                                                        "commit", "-q", "--allow-empty", "-m", "second"], cwd: repo, timeout: 60)
        #expect(r.succeeded)
        let repository = try TreeStore(paths: paths).open(path: repo)
        let head = try repository.resolve("HEAD"), first = try repository.resolve("HEAD~1")
        let console = Console(interactive: false)
        #expect(try ComparisonPlan.seriesBase(try Self.series(baseCommit: first), explicit: nil, repository: repository,
                                              console: console) == first)
        #expect(try ComparisonPlan.seriesBase(try Self.series(baseCommit: String(repeating: "ab", count: 20)), explicit: nil,
                                              repository: repository, console: console) == head)
        #expect(try ComparisonPlan.seriesBase(try Self.series(baseCommit: nil), explicit: nil, repository: repository,
                                              console: console) == head)
        #expect(try ComparisonPlan.seriesBase(try Self.series(baseCommit: head), explicit: "HEAD~1", repository: repository,
                                              console: console) == first)
        #expect(throws: KGateError.self) {
            try ComparisonPlan.seriesBase(try Self.series(baseCommit: nil), explicit: "no-such", repository: repository,
                                          console: console)
        }
    }
}
