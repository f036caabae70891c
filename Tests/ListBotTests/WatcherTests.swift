import Foundation
import Gate
import KernelTree
import KGateCore
@testable import ListBot
import Results
import Synchronization
import Testing
import TestSupport

/// A checker that answers from a script and records which series it was asked, in order.
final class ScriptedChecker: SeriesChecker {
    let results: [Int: [SeriesResult]]
    let delay: Double
    private let calls = Mutex<[Int]>([])

    init(_ results: [Int: [SeriesResult]], delay: Double = 0) { self.results = results; self.delay = delay }

    var checked: [Int] { calls.withLock { $0 } }

    func check(_ job: SeriesJob) throws -> SeriesResult? {
        let n = calls.withLock { c -> Int in c.append(job.key.seriesID); return c.filter { $0 == job.key.seriesID }.count }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        let script = results[job.key.seriesID] ?? [SeriesResult(verdict: .pass, description: "unchanged: scripted")]
        return script[min(n - 1, script.count - 1)]
    }
}

/// Collects the watcher's log lines.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    var sink: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
}

/// `Watcher` against a fake patchwork over real HTTP, with scripted checks.
@Suite(.tags(.network), .needs(.localServer)) struct WatcherTests {
    static let token = "pw-secret-token-4711"

    static func world(_ series: [FakePatchwork.Series], events: [FakePatchwork.Event]) -> FakePatchwork.World {
        var w = FakePatchwork.World(token: token)
        w.series = series
        w.events = events
        return w
    }

    static func watcher(_ pw: FakePatchwork, store: ResultStore, checker: any SeriesChecker, token: String = token,
                        log: LogLines = LogLines(), configure: (inout WatchOptions) -> Void = { _ in }) throws -> Watcher {
        var options = WatchOptions(server: pw.baseURL, project: "netdev", token: token)
        options.since = "2026-01-01T00:00:00"
        configure(&options)
        return try Watcher(options: options, store: store, checker: checker, log: log.sink)
    }

    static func store() throws -> ResultStore {
        try ResultStore(url: try TestEnv.temporaryDirectory("watch").appendingPathComponent("results.sqlite"))
    }

    @Test func pagesAreFollowedOldestFirstOtherProjectsAndCategoriesIgnoredIncompleteSeriesWait() throws {
        let series = [
            FakePatchwork.Series(id: 11, project: "netdev", name: "oldest", patches: [111, 112]),
            FakePatchwork.Series(id: 12, project: "netdev", name: "middle", patches: [121]),
            FakePatchwork.Series(id: 13, project: "netdev", name: "newest", patches: [131, 132, 133]),
            FakePatchwork.Series(id: 20, project: "bpf", name: "another project", patches: [201]),
        ]
        var incomplete = FakePatchwork.Series(id: 14, project: "netdev", name: "half there", patches: [141, 142])
        incomplete.receivedAll = false
        var w = Self.world(series + [incomplete], events: [
            .init(id: 1, project: "netdev", date: "2026-12-07T10:00:01.000000", series: 11),
            .init(id: 2, project: "netdev", date: "2026-12-07T10:00:02.000000", series: 12),
            .init(id: 3, project: "bpf", date: "2026-12-07T10:00:03.000000", series: 20),
            .init(id: 4, project: "netdev", date: "2026-12-07T10:00:04.000000", series: 13, category: "series-created"),
            .init(id: 5, project: "netdev", date: "2026-12-07T10:00:05.000000", series: 13),
            .init(id: 6, project: "netdev", date: "2026-12-07T10:00:06.000000", series: 14),
            // patchwork answers 404 for this one: it holds up nothing.
            .init(id: 7, project: "netdev", date: "2026-12-07T10:00:07.000000", series: 99),
        ])
        w.filters = false  // the client alone must drop the other project and category
        let pw = try FakePatchwork(w)
        defer { pw.stop() }
        let checker = ScriptedChecker([12: [SeriesResult(verdict: .regression, description: "regression: tcp-stream-10ms −7.1 % [−7.9, −6.6] at 6+6")]])
        let store = try Self.store()
        let log = LogLines()
        let watcher = try Self.watcher(pw, store: store, checker: checker, log: log)
        let first = try watcher.pollOnce()
        #expect(checker.checked == [11, 12, 13], "oldest first, series 20 (bpf) and 14 (incomplete) not checked")
        #expect(first.newSeries == 5 && first.checked == 3 && first.posted == 6)
        #expect(log.text.contains("netdev series 99: cannot read the series") && log.text.contains("HTTP 404"), "\(log.text)")
        // Four pages of two events each, followed through the Link header.
        let pages = try pw.requests().map(\.line).filter { $0.hasPrefix("GET /api/1.2/events/") }
        #expect(pages.count == 4, "\(pages)")
        #expect(pages.first?.contains("category=series-completed") == true && pages.first?.contains("project=netdev") == true)

        let checks = try pw.checks()
        #expect(checks.map(\.patch) == [111, 112, 121, 131, 132, 133])
        #expect(checks.allSatisfy { $0.context == "kgate-throughput" })
        #expect(checks.first { $0.patch == 121 }?.state == "fail")
        #expect(checks.first { $0.patch == 121 }?.description == "regression: tcp-stream-10ms −7.1 % [−7.9, −6.6] at 6+6")
        #expect(checks.first { $0.patch == 111 }?.state == "success")

        // The incomplete series completes: the next poll checks it; nothing else is posted again.
        incomplete.receivedAll = true
        w.series = series + [incomplete]
        try pw.update(w)
        let second = try watcher.pollOnce()
        #expect(checker.checked == [11, 12, 13, 14])
        #expect(second.posted == 2 && second.newSeries == 0)
        #expect(try pw.checks().map(\.patch).suffix(2) == [141, 142])
        // A third poll (a second `--once`) posts nothing.
        let third = try watcher.pollOnce()
        #expect(third == PollSummary())
        #expect(try pw.checks().count == 8)
    }

    @Test func aPostThatFailsIsRetriedAndPostedOnceABadTokenFailsClearlyAndIsNeverLogged() throws {
        var w = Self.world([FakePatchwork.Series(id: 30, project: "netdev", name: "one", patches: [301, 302])],
                           events: [.init(id: 1, project: "netdev", date: "2026-12-07T11:00:00.000000", series: 30)])
        w.failPosts = ["301": 1]
        let pw = try FakePatchwork(w)
        defer { pw.stop() }
        let store = try Self.store()
        let checker = ScriptedChecker([:])

        // A wrong token: patchwork answers 403, the check stays unposted, the log says why, not the token.
        let log = LogLines()
        let wrong = "wrong-token-0815"
        let bad = try Self.watcher(pw, store: store, checker: checker, token: wrong, log: log)
        let refused = try bad.pollOnce()
        #expect(refused.checked == 1 && refused.posted == 0 && refused.postFailures == 2)
        #expect(log.text.contains("HTTP 403"), "\(log.text)")
        #expect(log.text.contains("kept for the next poll"))
        #expect(!log.text.contains(wrong) && !log.text.contains(Self.token))
        #expect(try pw.checks().isEmpty)

        // The right token: the unposted checks go out on the next poll; the first POST of
        // patch 301 fails with HTTP 500 and is retried: each patch has exactly one check.
        let good = try Self.watcher(pw, store: store, checker: checker, log: log)
        let posted = try good.pollOnce()
        #expect(posted.posted == 2 && posted.checked == 0)
        #expect(checker.checked == [30], "checked once")
        #expect(try pw.checks().map(\.patch).sorted() == [301, 302])
        let posts301 = try pw.requests().filter { $0.line == "POST /api/1.1/patches/301/checks/" }
        #expect(posts301.count == 3, "one refused (403), one failed (500), one accepted")
        #expect(try good.pollOnce() == PollSummary())
    }

    @Test func aMachineFaultIsRetriedOnceThenAWarningLimitsGiveSkippedWarnings() throws {
        let big = FakePatchwork.Series(id: 41, project: "netdev", name: "too big", patches: Array(4100..<4104))
        var old = FakePatchwork.Series(id: 42, project: "netdev", name: "too old", patches: [4200])
        old.date = "2020-01-01T00:00:00.000000"
        let faulty = FakePatchwork.Series(id: 43, project: "netdev", name: "faulty runner", patches: [4300])
        var stuck = FakePatchwork.Series(id: 44, project: "netdev", name: "never completes", patches: [4400])
        stuck.receivedAll = false
        stuck.date = "2020-01-01T00:00:00.000000"
        let pw = try FakePatchwork(Self.world([big, old, faulty, stuck], events: [
            .init(id: 1, project: "netdev", date: "2026-12-07T12:00:01.000000", series: 41),
            .init(id: 2, project: "netdev", date: "2026-12-07T12:00:02.000000", series: 42),
            .init(id: 3, project: "netdev", date: "2026-12-07T12:00:03.000000", series: 43),
            .init(id: 4, project: "netdev", date: "2026-12-07T12:00:04.000000", series: 44),
        ]))
        defer { pw.stop() }
        let fault = SeriesResult(verdict: .fault, description: "machine fault, not the patch: QEMU died")
        let checker = ScriptedChecker([43: [fault]])
        let watcher = try Self.watcher(pw, store: try Self.store(), checker: checker) {
            $0.maxPatches = 3
            $0.maxAge = 30 * 86400
        }
        _ = try watcher.pollOnce(now: try #require(PatchworkFeed.date("2026-12-07T13:00:00")))
        #expect(checker.checked == [43], "skipped series are not checked")
        var checks = try pw.checks()
        #expect(checks.filter { $0.patch >= 4100 && $0.patch < 4104 }.allSatisfy {
            $0.state == "warning" && $0.description.contains("skipped: 4 patches, more than --max-patches 3")
        })
        #expect(checks.first { $0.patch == 4200 }?.description.contains("older than --max-age") == true)
        #expect(checks.first { $0.patch == 4400 }?.state == "warning", "an incomplete series past --max-age is skipped, not kept forever")
        #expect(!checks.contains { $0.patch == 4300 }, "the first fault is not posted")
        _ = try watcher.pollOnce()
        checks = try pw.checks()
        #expect(checker.checked == [43, 43], "retried once")
        #expect(checks.filter { $0.patch == 4300 }.map(\.state) == ["warning"])
        #expect(!checks.contains { $0.state == "fail" })
    }

    @Test func twoWatchersOnOneStoreNeverCheckTheSameSeries() throws {
        let ids = Array(50..<58)
        let pw = try FakePatchwork(Self.world(
            ids.map { FakePatchwork.Series(id: $0, project: "netdev", name: "s\($0)", patches: [$0 * 10]) },
            events: ids.map { .init(id: $0, project: "netdev", date: "2026-12-07T14:00:\($0).000000", series: $0) }))
        defer { pw.stop() }
        let url = try TestEnv.temporaryDirectory("watch-shared").appendingPathComponent("results.sqlite")
        let checkers = [ScriptedChecker([:], delay: 0.2), ScriptedChecker([:], delay: 0.2)]
        // Two stores (two SQLite connections), as two processes would have.
        let watchers = try checkers.map { try Self.watcher(pw, store: try ResultStore(url: url), checker: $0) }
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            do { _ = try watchers[i].pollOnce() } catch { errors.withLock { $0.append("\(error)") } }
        }
        #expect(errors.withLock { $0 }.isEmpty)
        let all = checkers.flatMap(\.checked)
        #expect(all.sorted() == ids, "every series checked exactly once: \(checkers.map(\.checked))")
        #expect(checkers.allSatisfy { !$0.checked.isEmpty }, "both watchers worked: \(checkers.map(\.checked))")
        #expect(try pw.checks().map(\.patch).sorted() == ids.map { $0 * 10 })
    }

    @Test func aClaimOfAWatcherThatIsGoneIsTakenOverAndAReleasedClaimIsCheckedAgain() throws {
        let store = try Self.store()
        let key = WatchKey(server: "http://127.0.0.1:1", project: "netdev", seriesID: 60)
        try store.rememberSeries(key, version: 1, name: "x", state: .pending)
        // A live holder with an unexpired claim keeps it.
        let live = "\(ClaimOwner.hostName()):\(getpid()):aaaa"
        #expect(try store.claimNextSeries(server: key.server, project: "netdev", owner: live, ttl: 3600,
                                          isStale: ClaimOwner.isGone)?.key == key)
        #expect(try store.claimNextSeries(server: key.server, project: "netdev", owner: "other:1:b", ttl: 3600,
                                          isStale: ClaimOwner.isGone) == nil)
        // Released (SIGTERM): claimable again.
        try store.releaseWatchClaims(owner: live)
        let dead = "\(ClaimOwner.hostName()):999999:cccc"
        #expect(try store.claimNextSeries(server: key.server, project: "netdev", owner: dead, ttl: 3600,
                                          isStale: { _ in false })?.key == key)
        // Its process is gone (SIGKILL): another watcher on this host takes it over.
        #expect(ClaimOwner.isGone(dead) && !ClaimOwner.isGone(live))
        #expect(try store.claimNextSeries(server: key.server, project: "netdev", owner: live, ttl: 3600,
                                          isStale: ClaimOwner.isGone)?.key == key)
        // An expired claim is free too.
        try store.releaseWatchClaims(owner: live)
        _ = try store.claimNextSeries(server: key.server, project: "netdev", owner: "elsewhere:1:d", ttl: -1,
                                      isStale: { _ in false })
        #expect(try store.claimNextSeries(server: key.server, project: "netdev", owner: live, ttl: 3600,
                                          isStale: { _ in false })?.key == key)
    }
}

@Suite(.tags(.unit)) struct ListBotUnitTests {
    @Test func linkHeaderNextIsFoundAndOnlyOnTheSameHost() throws {
        let base = "https://patchwork.example.org"
        let header = #"<https://patchwork.example.org/api/1.2/events/?page=3>; rel="next", <https://patchwork.example.org/api/1.2/events/?page=1>; rel="prev""#
        #expect(try PatchworkFeed.nextLink(header, base: base) == "https://patchwork.example.org/api/1.2/events/?page=3")
        #expect(try PatchworkFeed.nextLink(#"<https://patchwork.example.org/x>; rel="prev""#, base: base) == nil)
        #expect(try PatchworkFeed.nextLink(nil, base: base) == nil)
        #expect(throws: KGateError.self) { try PatchworkFeed.nextLink(#"<https://evil.example.com/x>; rel="next""#, base: base) }
    }

    @Test func theDescriptionCarriesTheWorstWorkloadsFigureAndStatesFollowTheVerdict() {
        let analysis = GateAnalysis(baseCount: 6, candidateCount: 6, baseMedian: 100, candidateMedian: 92.9, effect: -0.071,
                                    lower: -0.079, upper: -0.066, level: 0.99, pValue: 0.002, shift: -0.07)
        let verdict = GateVerdict(outcome: .regression, analysis: analysis, threshold: 0.03, direction: .higherIsBetter,
                                  reason: "slower")
        let w = WorkloadVerdict(workload: "tcp-stream-10ms", metric: "throughput", unit: "bit/s", verdict: verdict,
                                baseValues: [], candidateValues: [], counterChanges: [])
        let r = SeriesResult.from(exitCode: 1, verdicts: [w], run: 7)
        #expect(r.description == "regression: tcp-stream-10ms −7.1 % [−7.9, −6.6] at 6+6")
        #expect(r.checkState == .fail && r.run == 7)
        #expect(SeriesResult.from(exitCode: 0, verdicts: [], run: nil).checkState == .success)
        #expect(SeriesResult.from(exitCode: 3, verdicts: [], run: nil).checkState == .warning)
        let broken = SeriesResult.from(error: KGateError(.kernelUnderTest, "patch 2/2 does not apply to net/ipv4/tcp.c"))
        #expect(broken.checkState == .fail && broken.description == "broken patch: patch 2/2 does not apply to net/ipv4/tcp.c")
        let fault = SeriesResult.from(error: KGateError.infrastructure("QEMU could not start"))
        #expect(fault.checkState == .warning && fault.verdict == .fault)
    }
}

/// The two other ways a series leaves the watcher: handed to a CI engine, and the tree fetched first.
@Suite(.tags(.network), .needs(.localServer)) struct HandoffAndFetchTests {
    @Test func aHandedOffSeriesRunsTheCommandOnceAndPostsNothingAFailingHandoffIsAFault() throws {
        let pw = try FakePatchwork(WatcherTests.world(
            [FakePatchwork.Series(id: 90, project: "netdev", name: "to hand off", patches: [901, 902])],
            events: [.init(id: 1, project: "netdev", date: "2026-12-07T15:00:00.000000", series: 90)]))
        defer { pw.stop() }
        let dir = try TestEnv.temporaryDirectory("handoff")
        let handoff = try HandoffSeriesChecker(command: "/usr/bin/touch \(dir.path)/{project}-{series}-v{version}")
        let store = try WatcherTests.store()
        let watcher = try WatcherTests.watcher(pw, store: store, checker: handoff)
        let first = try watcher.pollOnce()
        #expect(first.checked == 1 && first.posted == 0)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("netdev-90-v1").path))
        let key = WatchKey(server: watcher.server, project: "netdev", seriesID: 90)
        #expect(try store.watchedSeries(key)?.state == .handedOff)
        #expect(try watcher.pollOnce() == PollSummary(), "handed off once")
        #expect(try pw.checks().isEmpty, "the CI engine posts the checks")

        // A hand-off that fails is a machine fault: retried once, then a warning, never a fail.
        let failing = try WatcherTests.watcher(pw, store: try WatcherTests.store(),
                                               checker: try HandoffSeriesChecker(command: "/bin/false {series}"))
        _ = try failing.pollOnce()
        #expect(try pw.checks().isEmpty)
        _ = try failing.pollOnce()
        #expect(try pw.checks().map(\.state) == ["warning", "warning"])
        #expect(try pw.checks().allSatisfy { $0.description.contains("hand-off command exited 1") })
    }

    @Test(.tags(.unit)) func anExternalTreeWithARemoteIsFetchedAndOthersAreLeftAlone() throws {
        let dir = try TestEnv.temporaryDirectory("fetch")
        func git(_ args: String..., in repo: URL) throws -> String {
            let r = try ProcessRunner.run("git", ["-C", repo.path, "-c", "user.name=t", "-c", "user.email=t@x"] + args)
            #expect(r.exitCode == 0, "git \(args): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let origin = dir.appendingPathComponent("origin"), clone = dir.appendingPathComponent("clone")
        try FileManager.default.createDirectory(at: origin, withIntermediateDirectories: true)
        _ = try git("init", "-q", in: origin)
        _ = try git("commit", "-q", "--allow-empty", "-m", "one", in: origin)
        _ = try ProcessRunner.run("git", ["clone", "-q", origin.path, clone.path])
        _ = try git("commit", "-q", "--allow-empty", "-m", "two: the series' base-commit", in: origin)
        let upstream = try git("rev-parse", "HEAD", in: origin)
        #expect(try ProcessRunner.run("git", ["-C", clone.path, "cat-file", "-e", upstream]).exitCode != 0)
        // An imported tree is never fetched.
        try LocalSeriesChecker.fetch(tree: TreeInfo(name: "t", path: clone.path, kind: .imported, source: nil), console: Console())
        #expect(try ProcessRunner.run("git", ["-C", clone.path, "cat-file", "-e", upstream]).exitCode != 0)
        try LocalSeriesChecker.fetch(tree: TreeInfo(name: "t", path: clone.path, kind: .external, source: nil), console: Console())
        #expect(try ProcessRunner.run("git", ["-C", clone.path, "cat-file", "-e", upstream]).exitCode == 0)
    }
}
