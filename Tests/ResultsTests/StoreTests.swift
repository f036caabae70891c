import Foundation
import Gate
import GRDB
import KGateCore
import Testing
import TestSupport
@testable import Results

@Suite(.tags(.unit)) struct StoreTests {
    func freshURL(_ label: String) throws -> URL {
        try TestEnv.temporaryDirectory(label).appendingPathComponent("results.sqlite")
    }

    func rows(_ url: URL, _ sql: String) throws -> Int {
        let queue = try DatabaseQueue(path: url.path)
        return try queue.read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }

    @Test func freshDatabaseGetsEveryMigration() throws {
        let url = try freshURL("fresh")
        let store = try ResultStore(url: url)
        #expect(try store.appliedMigrations() == ResultSchema.versions)
        #expect(try store.listRuns().isEmpty)
        for table in ["runs", "revisions", "builds", "boots", "trials", "samples", "counters", "verdicts", "stage_timings", "bisect_steps"] {
            #expect(try rows(url, "SELECT COUNT(*) FROM \(table)") == 0)
        }
        // Opening again is idempotent.
        #expect(try ResultStore(url: url).appliedMigrations() == ResultSchema.versions)
    }

    /// A database written by the first schema version upgrades in place and keeps its runs.
    @Test func oldVersionDatabaseIsMigrated() throws {
        let url = try freshURL("old")
        do {
            _ = try ResultStore(location: .sqlite(url), migrateUpTo: "v1-core")
            let queue = try DatabaseQueue(path: url.path)
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO runs (kind, tree, base_revision, mode, pipeline, started_at, finished_at, status, exit_code, overall)
                    VALUES ('nightly', 'net-next', 'abc', 'deterministic', 'nightly', 1700000000, 1700000600, 'finished', 0, 'unchanged')
                    """)
            }
            let hasNote = try queue.read { db in try db.columns(in: "runs").contains { $0.name == "note" } }
            #expect(!hasNote)
            #expect(try queue.read { try $0.tableExists("bisect_steps") } == false)
        }
        let store = try ResultStore(url: url)
        #expect(try store.appliedMigrations() == ResultSchema.versions)
        let runs = try store.listRuns()
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(run.kind == .nightly && run.tree == "net-next" && run.status == .finished && run.overall == .unchanged)
        #expect(run.note == nil)
        // The new tables work on the upgraded database.
        try store.recordBisectStep(run: run.id, BisectStep(revision: "def", subject: "s", classification: "bad", median: 2.4, unit: "Gbit/s"))
        #expect(try store.report(run: run.id).bisectSteps.count == 1)
    }

    /// begin, record samples, no finish: the run lists as interrupted and has no verdict rows.
    @Test func interruptedRunLeavesNoVerdict() throws {
        let url = try freshURL("interrupted")
        let store = try ResultStore(url: url)
        let id = try store.beginRun(RunStart(kind: .check, tree: "linux-6.12", baseRevision: "a", candidateRevision: "b",
                                             mode: "deterministic", pipeline: "premerge"))
        for i in 0..<3 {
            let s = Sample(workload: "tcp", metric: "throughput", unit: "Gbit/s", value: 2.5, trial: i, counters: ["Tcp.RetransSegs": 3])
            try store.recordTrial(run: id, role: .base, revision: "a", samples: [s])
            try store.recordTrial(run: id, role: .candidate, revision: "b", samples: [s])
        }
        let listed = try #require(try store.listRuns().first)
        #expect(listed.id == id && listed.status == .interrupted && listed.overall == nil && listed.exitCode == nil)
        #expect(try rows(url, "SELECT COUNT(*) FROM verdicts") == 0)
        #expect(try rows(url, "SELECT COUNT(*) FROM samples") == 6)
        #expect(try rows(url, "SELECT COUNT(*) FROM counters") == 6)
        let report = try store.report(run: id)
        #expect(report.workloads.isEmpty)
        #expect(report.sampleCounts == ["base": 3, "candidate": 3])
        #expect(MarkdownExporter.render(report).contains("interrupted before its verdict"))
        #expect(JUnitExporter.render(report).contains("<error type=\"interrupted\""))
    }

    /// finishRun is all or nothing: a failure while writing the second verdict leaves
    /// neither verdict and the run still interrupted.
    @Test func finishIsAtomic() throws {
        let url = try freshURL("atomic")
        let store = try ResultStore(url: url)
        let id = try store.beginRun(RunStart(kind: .check, tree: "t", mode: "deterministic", pipeline: "p"))
        let verdict = try #require(DemoRun.report().workloads.first)
        #expect(throws: KGateError.self) {
            try store.finishRun(run: id, verdicts: [verdict, verdict], exitCode: 1) // same workload twice: UNIQUE fails
        }
        #expect(try rows(url, "SELECT COUNT(*) FROM verdicts") == 0)
        #expect(try store.run(id)?.status == .interrupted)
        try store.finishRun(run: id, verdicts: [verdict], exitCode: 1)
        #expect(try store.run(id)?.status == .finished)
        #expect(try store.run(id)?.overall == .regression)
        #expect(throws: KGateError.self) { try store.finishRun(run: 999, verdicts: [], exitCode: 0) }
        #expect(throws: KGateError.self) { try store.report(run: 999) }
    }

    /// The demo recorded through the API reads back as the same verdicts and samples.
    @Test func recordedRunReadsBackCompletely() throws {
        let store = try ResultStore(url: try freshURL("roundtrip"))
        let id = try DemoRun.record(into: store)
        let stored = try store.report(run: id)
        let expected = DemoRun.report()
        #expect(stored.workloads == expected.workloads)
        #expect(stored.commits == expected.commits)
        #expect(stored.builds == expected.builds)
        #expect(stored.boots == expected.boots)
        #expect(stored.stages == expected.stages)
        #expect(stored.sampleCounts == expected.sampleCounts)
        #expect(stored.run.status == .finished && stored.run.exitCode == 1 && stored.run.overall == .regression)
        #expect(stored.run.seriesSubject == DemoRun.start.seriesSubject)
        #expect(stored.run.patchsetHash == DemoRun.start.patchsetHash)
    }

    /// The real binary: demo, list, show, export (all formats) against a temporary database.
    @Test func commandLine() throws {
        let db = try freshURL("cli").path
        let demo = try TestEnv.kgate(["results", "demo", "--database", db], timeout: 120)
        #expect(demo.succeeded, "\(demo.stderr)")
        let id = TestEnv.lastLine(demo.stdout)
        let list = try TestEnv.kgate(["results", "list", "--database", db], timeout: 60)
        #expect(list.stdout.contains("regression"))
        let show = try TestEnv.kgate(["results", "show", id, "--database", db], timeout: 60)
        #expect(show.stdout.contains("exit code 1 (throughput regression)"))
        for format in ReportFormat.allCases {
            let out = try TestEnv.temporaryDirectory("export").appendingPathComponent("report.\(format.rawValue)")
            let r = try TestEnv.kgate(["results", "export", id, "--format", format.rawValue, "--output", out.path,
                                       "--origin", "ci_lab", "--database", db], timeout: 60)
            #expect(r.succeeded, "\(format): \(r.stderr)")
            #expect(((try? Data(contentsOf: out))?.count ?? 0) > 200)
        }
        let bad = try TestEnv.kgate(["results", "export", id, "--format", "pdf", "--database", db], timeout: 60)
        #expect(bad.exitCode == 64)
        let missing = try TestEnv.kgate(["results", "show", "12345", "--database", db], timeout: 60)
        #expect(missing.exitCode == 64 && missing.stderr.contains("no run 12345"))
    }
}
