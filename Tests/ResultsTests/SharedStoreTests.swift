import Foundation
import Gate
import KGateCore
import Synchronization
import Testing
import TestSupport
@testable import Results

/// The store's contract on both backends: the embedded SQLite file and a real
/// PostgreSQL server (the throwaway cluster scripts/test.sh starts).
@Suite(.tags(.database), .needs(.postgres)) struct SharedStoreTests {
    @Test(arguments: Backend.allCases) func freshStoreGetsEveryMigrationAndRefusesANewerOne(_ backend: Backend) throws {
        let location = try backend.freshLocation("migrate")
        let store = try ResultStore(location: location)
        #expect(try store.appliedMigrations() == ResultSchema.versions)
        #expect(try store.listRuns().isEmpty)
        // Opening again is idempotent.
        #expect(try ResultStore(location: location).appliedMigrations() == ResultSchema.versions)
        try store.write { db in
            try db.execute("INSERT INTO \(db.dialect.migrationsTable) (identifier) VALUES (?)", ["v99-from-the-future"])
        }
        let error = try #require(throws: KGateError.self) { try ResultStore(location: location) }
        #expect(error.exitCode == 4 && error.what.contains("newer kgate") && error.what.contains("upgrade"))
    }

    /// begin, record samples, no finish: the run lists as interrupted and has no verdict rows.
    @Test(arguments: Backend.allCases) func interruptedRunLeavesNoVerdict(_ backend: Backend) throws {
        let store = try backend.freshStore("interrupted")
        let id = try store.beginRun(RunStart(kind: .check, tree: "linux-6.12", baseRevision: "a", candidateRevision: "b",
                                             mode: "deterministic", pipeline: "premerge"))
        for i in 0..<3 {
            let s = Sample(workload: "tcp", metric: "throughput", unit: "Gbit/s", value: 2.5, trial: i,
                           counters: ["Tcp.RetransSegs": 3], seed: UInt64.max - UInt64(i))
            try store.recordTrial(run: id, role: .base, revision: "a", samples: [s])
            try store.recordTrial(run: id, role: .candidate, revision: "b", samples: [s])
        }
        let listed = try #require(try store.listRuns().first)
        #expect(listed.id == id && listed.status == .interrupted && listed.overall == nil && listed.exitCode == nil)
        #expect(try store.count("verdicts") == 0 && store.count("samples") == 6 && store.count("counters") == 6)
        // A 64-bit seed survives (stored as its bit pattern).
        let seeds: [Int64] = try store.read { try $0.column("SELECT seed FROM samples ORDER BY id") }
        #expect(seeds.first.map { UInt64(bitPattern: $0) } == UInt64.max)
        let report = try store.report(run: id)
        #expect(report.workloads.isEmpty && report.sampleCounts == ["base": 3, "candidate": 3])
    }

    /// finishRun is all or nothing on both backends.
    @Test(arguments: Backend.allCases) func finishIsAtomic(_ backend: Backend) throws {
        let store = try backend.freshStore("atomic")
        let id = try store.beginRun(RunStart(kind: .check, tree: "t", mode: "deterministic", pipeline: "p"))
        let verdict = try #require(DemoRun.report().workloads.first)
        #expect(throws: KGateError.self) {
            try store.finishRun(run: id, verdicts: [verdict, verdict], exitCode: 1) // same workload twice: UNIQUE fails
        }
        #expect(try store.count("verdicts") == 0)
        #expect(try store.run(id)?.status == .interrupted)
        try store.finishRun(run: id, verdicts: [verdict], exitCode: 1)
        #expect(try store.run(id)?.status == .finished && store.run(id)?.overall == .regression)
        #expect(throws: KGateError.self) { try store.report(run: 999) }
    }

    /// The same run recorded on either backend gives the same report, byte for byte, in every format.
    @Test func bothBackendsGiveTheSameReports() throws {
        var rendered: [[String]] = []
        for backend in Backend.allCases {
            let store = try backend.freshStore("same")
            let id = try DemoRun.record(into: store)
            try store.recordBisectStep(run: id, BisectStep(revision: "abc", subject: "s", classification: "bad", median: 2.4, unit: "Gbit/s"))
            let report = try store.report(run: id)
            #expect(report.workloads == DemoRun.report().workloads, "\(backend)")
            rendered.append(try ReportFormat.allCases.map { try ReportExporter.render(report, format: $0) })
        }
        #expect(rendered[0] == rendered[1])
    }

    /// Several watchers (each its own connection, on its own thread) claim from one
    /// store at once: every series is taken exactly once.
    @Test(arguments: Backend.allCases) func concurrentClaimsNeverTakeTheSameSeries(_ backend: Backend) throws {
        let location = try backend.freshLocation("claims")
        let seed = try ResultStore(location: location)
        let server = "https://patchwork.example", project = "netdev", total = 40
        for id in 1...total {
            try seed.rememberSeries(WatchKey(server: server, project: project, seriesID: id), version: 1,
                                    name: "series \(id)", state: .pending, now: Date(timeIntervalSince1970: Double(id)))
        }
        let watchers = 4
        let stores = try (0..<watchers).map { _ in try ResultStore(location: location) }
        let claimed = Mutex<[String: [Int]]>([:])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: watchers) { w in
            let owner = "host\(w):\(w):watch"
            do {
                while let s = try stores[w].claimNextSeries(server: server, project: project, owner: owner, ttl: 3600,
                                                             isStale: { _ in false }) {
                    claimed.withLock { $0[owner, default: []].append(s.key.seriesID) }
                    try stores[w].finishWatchedSeries(s.key, owner: owner, verdict: "pass", description: "ok",
                                                      targetURL: nil, run: nil, checks: [(patchID: s.key.seriesID, state: "success")])
                }
            } catch {
                failures.withLock { $0.append("\(owner): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let all = claimed.withLock { $0.values.flatMap { $0 } }
        #expect(all.count == total && Set(all).count == total)
        #expect(try seed.watchedSeries(server: server, project: project, state: .checked).count == total)
        #expect(try seed.count("watched_checks") == total)
    }

    /// Several nightly runners of one tree and pipeline reach the same night at once:
    /// one claims it; the others see who holds it, then its run once it finished.
    /// A claim whose run failed is released; an expired one is taken over.
    @Test(arguments: Backend.allCases) func oneNightlyRunnerPerNight(_ backend: Backend) throws {
        let location = try backend.freshLocation("nights")
        let runners = 4
        let stores = try (0..<runners).map { _ in try ResultStore(location: location) }
        let night = NightKey(tree: "net-next", pipeline: "nightly", base: "aaa", head: "bbb")
        let results = Mutex<[String: NightClaim]>([:])
        DispatchQueue.concurrentPerform(iterations: runners) { r in
            let owner = "host\(r):\(r):night"
            let claim = (try? stores[r].claimNight(night, owner: owner, ttl: 3600, isStale: { _ in false }))
                ?? .heldBy(owner: "error", run: nil)
            results.withLock { $0[owner] = claim }
        }
        let all = results.withLock { $0 }
        let winners = all.filter { $0.value == .claimed }.map(\.key)
        #expect(winners.count == 1, "\(all)")
        let winner = try #require(winners.first)
        for (owner, claim) in all where owner != winner { #expect(claim == .heldBy(owner: winner, run: nil)) }

        let store = stores[0]
        let run = try store.beginRun(RunStart(kind: .nightly, tree: "net-next", baseRevision: "aaa", candidateRevision: "bbb",
                                              mode: "deterministic", pipeline: "nightly"))
        try store.finishNight(night, owner: winner, run: run)
        // Done for good: even far past the expiry nobody takes it again.
        #expect(try store.claimNight(night, owner: "late:1:x", ttl: 60, now: Date().addingTimeInterval(1e7), isStale: { _ in true })
                == .heldBy(owner: winner, run: run))

        let other = NightKey(tree: "net-next", pipeline: "nightly", base: "bbb", head: "ccc")
        #expect(try store.claimNight(other, owner: "a:1:x", ttl: 60, isStale: { _ in false }) == .claimed)
        #expect(try store.claimNight(other, owner: "b:2:y", ttl: 60, isStale: { _ in false }) == .heldBy(owner: "a:1:x", run: nil))
        // Expired: taken over.
        #expect(try store.claimNight(other, owner: "b:2:y", ttl: 60, now: Date().addingTimeInterval(120), isStale: { _ in false }) == .claimed)
        // Released after a fault: free again.
        try store.releaseNight(other, owner: "b:2:y")
        #expect(try store.claimNight(other, owner: "c:3:z", ttl: 60, isStale: { _ in false }) == .claimed)
    }

    /// libpq's default (`sslmode=prefer`): TLS whenever the server offers it, as the
    /// server itself sees it; `sslmode=disable` shows the check can tell.
    @Test func tlsIsUsedWhenTheServerOffersIt() throws {
        let url = try #require(ProcessInfo.processInfo.environment["KGATE_TEST_PG_TLS_URL"],
                               "KGATE_TEST_PG_TLS_URL is unset (scripts/test.sh sets it from scripts/pg-test-cluster.sh)")
        func ssl(_ url: String) throws -> Bool? {
            let store = try ResultStore(location: try StoreLocation.parse(url))
            return try store.read { try $0.scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") }
        }
        #expect(try ssl(url) == true)
        #expect(try ssl(url + "?sslmode=disable") == false)
    }
}
