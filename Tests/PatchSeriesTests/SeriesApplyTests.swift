import Foundation
import KGateCore
import KernelTree
import Testing
import TestSupport
@testable import PatchSeries

/// Recreates the fixture's base commit byte for byte (same tree, author,
/// committer, dates, message), so its id is the series' base-commit.
func makeBaseRepository() throws -> URL {
    let repo = try TestEnv.temporaryDirectory("series-repo")
    func git(_ args: [String]) throws {
        let env = ["GIT_AUTHOR_NAME": "Base Author", "GIT_AUTHOR_EMAIL": "base@example.org",
                   "GIT_COMMITTER_NAME": "Base Author", "GIT_COMMITTER_EMAIL": "base@example.org",
                   "GIT_AUTHOR_DATE": "2024-05-01T10:00:00+00:00", "GIT_COMMITTER_DATE": "2024-05-01T10:00:00+00:00"]
        let r = try ProcessRunner.run("/usr/bin/git", args, cwd: repo, environment: env)
        guard r.succeeded else { throw KGateError.infrastructure("git \(args.joined(separator: " ")): \(r.stderr)") }
    }
    try git(["init", "-q", "-b", "master", "."])
    let tar = try ProcessRunner.run("/bin/tar", ["-xf", Fixtures.url("fp-base.tar").path, "-C", repo.path])
    guard tar.succeeded else { throw KGateError.infrastructure("tar: \(tar.stderr)") }
    try git(["add", "-A"])
    try git(["-c", "commit.gpgsign=false", "commit", "-q", "-m", "base"])
    return repo
}

@Suite("series apply through KernelTree", .tags(.unit))
struct SeriesApplyTests {
    @Test func appliesOnTheBaseCommitWithAuthorsAndTrailers() throws {
        let series = try SeriesLoader().load(source: Fixtures.url("thread.mbox").path)
        let repoURL = try makeBaseRepository()
        let cache = CachePaths(root: try TestEnv.temporaryDirectory("series-cache"))
        try TreeStore(paths: cache).add(path: repoURL, name: "demo")
        let repo = try TreeStore(paths: cache).open("demo")
        let base = try repo.resolve(try #require(series.baseCommit))
        #expect(base == "3c5a662cd829fa434ac2f530e869fa508096d3a9")
        let commits = try repo.apply(series.patchesToApply(), onto: base, refName: series.defaultRefName)
        #expect(commits.count == 3)
        let first = try repo.commit(commits[0])
        #expect(first.authorName == "Jörg Müller")
        #expect(first.message == series.patches[0].commitMessage)
        #expect(try repo.resolve("refs/kgate/" + series.defaultRefName) == commits[2])
        let show = try ProcessRunner.run("/usr/bin/git", ["show", "\(commits[2]):net/ipv4/tcp_demo_core.c"], cwd: repoURL)
        #expect(show.stdout.contains("return 4 * tcp_demo_window;"))
    }

    @Test func cliPrintsTheFinalCommitLast() throws {
        let repoURL = try makeBaseRepository()
        let cache = try TestEnv.temporaryDirectory("series-cli-cache")
        try TreeStore(paths: CachePaths(root: cache)).add(path: repoURL, name: "demo")
        let r = try ProcessRunner.run(TestEnv.kgateBinary.path, ["series", "apply", Fixtures.url("fp-series").path,
                                                               "--tree", "demo", "--cache", cache.path], timeout: 120)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let series = try SeriesLoader().load(source: Fixtures.url("fp-series").path)
        let ref = try ProcessRunner.run("/usr/bin/git", ["rev-parse", "refs/kgate/" + series.defaultRefName], cwd: repoURL)
        #expect(TestEnv.lastLine(r.stdout) == ref.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Cross-check against the real `git am`: same messages, authors, dates and trees.
@Suite("agreement with git am", .tags(.unit))
struct GitAmAgreementTests {
    @Test func fixtureBaseIsReproducible() throws {
        let repo = try makeBaseRepository()
        let head = try ProcessRunner.run("/usr/bin/git", ["rev-parse", "HEAD"], cwd: repo)
        #expect(head.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3c5a662cd829fa434ac2f530e869fa508096d3a9")
    }

    @Test func messagesAuthorsDatesMatchGitAm() throws {
        let series = try SeriesLoader().load(source: Fixtures.url("fp-series").path)
        let repo = try makeBaseRepository()
        let files = series.patches.map { p in
            Fixtures.url("fp-series").appendingPathComponent(
                (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url("fp-series").path))?
                    .first { $0.hasPrefix(String(format: "v2-%04d-", p.index)) } ?? "missing")
        }
        let env = ["GIT_COMMITTER_NAME": "CI", "GIT_COMMITTER_EMAIL": "ci@example.org"]
        let am = try ProcessRunner.run("/usr/bin/git", ["am", "-q"] + files.map(\.path), cwd: repo, environment: env)
        #expect(am.succeeded, "\(am.stderr)")
        let log = try ProcessRunner.run("/usr/bin/git", ["log", "--reverse", "--format=%an%x00%ae%x00%ad%x00%B%x01", "--date=raw", "3c5a662c..HEAD"], cwd: repo)
        let entries = log.stdout.components(separatedBy: "\u{01}").map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }
        #expect(entries.count == series.patches.count)
        for (entry, patch) in zip(entries, series.patchesToApply()) {
            let f = entry.components(separatedBy: "\u{00}")
            #expect(f[0] == patch.authorName && f[1] == patch.authorEmail, "\(patch.label)")
            let offset = patch.timezoneOffsetMinutes
            let zone = String(format: "%@%02d%02d", offset < 0 ? "-" : "+", abs(offset) / 60, abs(offset) % 60)
            #expect(f[2] == "\(Int(patch.date.timeIntervalSince1970)) \(zone)", "\(patch.label)")
            #expect(f[3] + "\n" == patch.message, "\(patch.label)")
        }
    }
}
