import Foundation
import Gate
import KGateCore
import KernelProfile
import Testing
import TestSupport
@testable import Results

/// `results export --to` / `import --from`: a history moves between backends losslessly.
@Suite(.tags(.database), .needs(.postgres)) struct StoreCopyTests {
    /// A history touching every table, with an id gap (a run finished twice renumbers its verdicts).
    static func history(_ store: ResultStore) throws -> Int64 {
        let id = try DemoRun.record(into: store)
        try store.finishRun(run: id, verdicts: DemoRun.report().workloads, exitCode: 1, finishedAt: Date(timeIntervalSince1970: 1_790_000_900))
        try store.recordBisectStep(run: id, BisectStep(revision: "abc", subject: "s", classification: "bad", median: 2.4, unit: "Gbit/s"))
        try store.recordProfile(run: id, ProfileComparison(
            workload: "tcp-stream",
            base: KernelProfile(periodNanoseconds: 100_000, samples: 10, userSamples: 0, lostSamples: 0, unresolvedSamples: 0,
                                functions: ["tcp_ack": 5]),
            candidate: KernelProfile(periodNanoseconds: 100_000, samples: 10, userSamples: 0, lostSamples: 0, unresolvedSamples: 0,
                                     functions: ["tcp_ack": 7])))
        let key = WatchKey(server: "https://pw.example", project: "netdev", seriesID: 7)
        try store.rememberSeries(key, version: 2, name: "tcp: x", state: .pending)
        _ = try store.claimNextSeries(server: key.server, project: key.project, owner: "h:1:a", ttl: 60, isStale: { _ in false })
        try store.finishWatchedSeries(key, owner: "h:1:a", verdict: "fail", description: "regressed", targetURL: nil, run: id,
                                      checks: [(patchID: 70, state: "fail"), (patchID: 71, state: "fail")])
        try store.setWatchCursor(server: key.server, project: key.project, since: "2026-12-07T00:00:00")
        let night = NightKey(tree: "t", pipeline: "nightly", base: "a", head: "b")
        _ = try store.claimNight(night, owner: "h:1:a", ttl: 60)
        try store.finishNight(night, owner: "h:1:a", run: id)
        _ = try store.beginRun(RunStart(kind: .bisect, tree: "t", mode: "deterministic", pipeline: "nightly")) // interrupted
        return id
    }

    /// Every row of every table, in a fixed order.
    static func dump(_ store: ResultStore) throws -> [String: [SQLRow]] {
        try store.read { db in
            var out: [String: [SQLRow]] = [:]
            for t in ResultStore.copiedTables { out[t.name] = try db.rows("SELECT * FROM \(t.name) ORDER BY \(t.order)", []) }
            return out
        }
    }

    static func normalized(_ rows: [SQLRow]) -> [[String: SQLValue]] {
        rows.map { Dictionary(uniqueKeysWithValues: zip($0.columns, $0.values)) }
    }

    @Test func sqliteToPostgresToSQLiteKeepsEveryRow() throws {
        let source = try Backend.sqlite.freshStore("copy-src")
        let id = try Self.history(source)
        let pg = try Backend.postgres.freshStore("copy")
        let there = try source.copyHistory(to: pg)
        #expect(there.keptIDs && there.rows["runs"] == 2 && there.rows["counters"] ?? 0 > 0 && there.rows["nightly_claims"] == 1)
        let back = try Backend.sqlite.freshStore("copy-back")
        let again = try pg.copyHistory(to: back)
        #expect(again == there)
        let a = try Self.dump(source), b = try Self.dump(pg), c = try Self.dump(back)
        for t in ResultStore.copiedTables {
            #expect(Self.normalized(a[t.name] ?? []) == Self.normalized(b[t.name] ?? []), "\(t.name) on PostgreSQL")
            #expect(a[t.name] == c[t.name], "\(t.name) back on SQLite")
            #expect(!(a[t.name] ?? []).isEmpty, "\(t.name) is exercised")
        }
        #expect(try MarkdownExporter.render(back.report(run: id)) == MarkdownExporter.render(source.report(run: id)))
        // The identity sequence moved past the copied ids: a new run gets a fresh one.
        #expect(try pg.beginRun(DemoRun.start) == 3)

        // Into a store that has runs: renumbered, every reference follows, natural keys kept once.
        let merged = try back.copyHistory(to: pg)
        #expect(!merged.keptIDs && merged.rows["runs"] == 2 && merged.rows["watched_series"] == 0)
        let runs = try pg.listRuns()
        #expect(runs.count == 5)
        let copy = try #require(runs.first { $0.id > 3 && $0.kind == .check })
        #expect(try pg.report(run: copy.id).workloads == source.report(run: id).workloads)
        #expect(try ReportExporter.render(pg.report(run: copy.id), format: .json)
                .replacingOccurrences(of: "\"id\" : \(copy.id)", with: "\"id\" : \(id)")
                == ReportExporter.render(source.report(run: id), format: .json))
        #expect(throws: KGateError.self) { try pg.copyHistory(to: pg) }
    }
}
