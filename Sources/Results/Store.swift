import Foundation
import Gate
import KernelProfile
import GRDB
import KGateCore

/// The SQLite history of runs (`<cache>/results.sqlite`). Every write is one
/// transaction; verdicts are written together with the run's final status, so an
/// interrupted run has samples but no verdict and reads back as `interrupted`.
public final class ResultStore: Sendable {
    public let url: URL
    private let queue: DatabaseQueue

    /// Opens (creating if needed) and migrates the database.
    public init(url: URL) throws {
        self.url = url
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.foreignKeysEnabled = true
            queue = try DatabaseQueue(path: url.path, configuration: config)
            try ResultSchema.migrator.migrate(queue)
        } catch {
            throw Self.failure("cannot open the results database", url: url, error)
        }
    }

    /// Migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try read { db in try ResultSchema.migrator.appliedIdentifiers(db).sorted() }
    }

    // MARK: writing

    /// Starts a run; returns its id.
    public func beginRun(_ start: RunStart) throws -> Int64 {
        try write { db in
            try db.execute(sql: """
                INSERT INTO runs (kind, tree, base_revision, candidate_revision, series_subject, patchset_hash,
                                  mode, pipeline, started_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')
                """, arguments: [start.kind.rawValue, start.tree, start.baseRevision, start.candidateRevision,
                                 start.seriesSubject, start.patchsetHash, start.mode, start.pipeline,
                                 start.startedAt.timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    /// Records the commits the run is about (base, candidate, patches), in order.
    public func recordCommits(run: Int64, _ commits: [RunCommit]) throws {
        try write { db in
            let start = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM revisions WHERE run_id = ?", arguments: [run]) ?? 0
            for (i, c) in commits.enumerated() {
                try db.execute(sql: "INSERT INTO revisions (run_id, position, role, commit_id, subject, author) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [run, start + i, c.role, c.commit, c.subject, c.author])
            }
        }
    }

    @discardableResult
    public func recordBuild(run: Int64, _ build: BuildInfo) throws -> Int64 {
        try write { db in
            try db.execute(sql: """
                INSERT INTO builds (run_id, revision, config_hash, architecture, succeeded, seconds, log)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run, build.revision, build.configHash, build.architecture, build.succeeded,
                                 build.seconds, build.log])
            return db.lastInsertedRowID
        }
    }

    @discardableResult
    public func recordBoot(run: Int64, _ boot: BootInfo) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO boots (run_id, revision, mode, succeeded, seconds, note) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [run, boot.revision, boot.mode, boot.succeeded, boot.seconds, boot.note])
            return db.lastInsertedRowID
        }
    }

    /// Records one trial with its samples and their counters, atomically.
    @discardableResult
    public func recordTrial(run: Int64, role: TrialRole, revision: String, boot: Int64? = nil,
                            samples: [Sample]) throws -> Int64 {
        try write { db in
            let position = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trials WHERE run_id = ? AND role = ?",
                                            arguments: [run, role.rawValue]) ?? 0
            try db.execute(sql: "INSERT INTO trials (run_id, boot_id, role, revision, position, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [run, boot, role.rawValue, revision, position, Date().timeIntervalSince1970])
            let trial = db.lastInsertedRowID
            for s in samples {
                try db.execute(sql: """
                    INSERT INTO samples (trial_id, workload, metric, unit, value, trial, failure, seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                               arguments: [trial, s.workload, s.metric, s.unit, s.value.isFinite ? s.value : 0, s.trial,
                                           s.value.isFinite ? s.failure : (s.failure ?? "non-finite value"),
                                           s.seed.map { Int64(bitPattern: $0) }])
                let sample = db.lastInsertedRowID
                for (name, value) in s.counters.sorted(by: { $0.key < $1.key }) where value.isFinite {
                    try db.execute(sql: "INSERT INTO counters (sample_id, name, value) VALUES (?, ?, ?)",
                                   arguments: [sample, name, value])
                }
            }
            return trial
        }
    }

    public func recordStage(run: Int64, _ stage: StageTiming) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO stage_timings (run_id, stage, seconds) VALUES (?, ?, ?)",
                           arguments: [run, stage.stage, stage.seconds])
        }
    }

    public func recordBisectStep(run: Int64, _ step: BisectStep) throws {
        guard ["good", "bad", "skip"].contains(step.classification) else {
            throw KGateError.usage("bisect step classification '\(step.classification)' is not good, bad or skip",
                                   location: url.path)
        }
        try write { db in
            let position = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bisect_steps WHERE run_id = ?", arguments: [run]) ?? 0
            try db.execute(sql: """
                INSERT INTO bisect_steps (run_id, position, revision, subject, classification, median, unit)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run, position, step.revision, step.subject, step.classification, step.median, step.unit])
        }
    }

    /// Finishes a run: all verdicts, the overall outcome, the status and the exit code
    /// in one transaction (all or nothing).
    /// A run stopped by a signal: its exit code (128 + signal) and why, with no
    /// verdict and no finish time, so it reads back as `interrupted`.
    public func markInterrupted(run: Int64, exitCode: Int32, note: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE runs SET exit_code = ?, note = ? WHERE id = ? AND finished_at IS NULL",
                           arguments: [exitCode, note, run])
        }
    }

    /// One workload's kernel profile, base against candidate (docs/DESIGN.md, "Kernel profiles").
    public func recordProfile(run: Int64, _ comparison: ProfileComparison) throws {
        let json = String(decoding: try JSONEncoder().encode(comparison), as: UTF8.self)
        try write { db in
            try db.execute(sql: "INSERT INTO profiles (run_id, workload, comparison_json) VALUES (?, ?, ?)",
                           arguments: [run, comparison.workload, json])
        }
    }

    public func finishRun(run: Int64, verdicts: [WorkloadVerdict], exitCode: Int32, status: RunStatus = .finished,
                          note: String? = nil, finishedAt: Date = Date()) throws {
        guard status != .running else {
            throw KGateError.usage("a run finishes as finished, failed or interrupted, not running", location: url.path)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs WHERE id = ?", arguments: [run]) == 1 else {
                throw KGateError.usage("no run \(run) to finish", location: self.url.path)
            }
            try db.execute(sql: "DELETE FROM verdicts WHERE run_id = ?", arguments: [run])
            for v in verdicts {
                let verdict = String(decoding: try encoder.encode(v.verdict), as: UTF8.self)
                let counters = String(decoding: try encoder.encode(v.counterChanges), as: UTF8.self)
                try db.execute(sql: """
                    INSERT INTO verdicts (run_id, workload, metric, unit, outcome, verdict_json, counters_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [run, v.workload, v.metric, v.unit, v.verdict.outcome.rawValue, verdict, counters])
            }
            let overall = verdicts.isEmpty ? nil : GateOutcome.overall(verdicts.map(\.verdict.outcome)).rawValue
            try db.execute(sql: "UPDATE runs SET status = ?, exit_code = ?, overall = ?, note = ?, finished_at = ? WHERE id = ?",
                           arguments: [status.rawValue, exitCode, overall, note, finishedAt.timeIntervalSince1970, run])
        }
    }

    // MARK: internals

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.write(body)
        } catch let error as KGateError {
            throw error
        } catch {
            throw Self.failure("cannot write to the results database", url: url, error)
        }
    }

    /// One `BEGIN IMMEDIATE` transaction: the write lock is taken before the
    /// first read, so two processes cannot both read "unclaimed" and both claim.
    func writeImmediate<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            var result: Result<T, any Error>?
            try queue.inTransaction(.immediate) { db in
                result = Result { try body(db) }
                if case .failure = result { return .rollback }
                return .commit
            }
            guard let result else { throw KGateError.infrastructure("the claim transaction did not run", location: url.path) }
            return try result.get()
        } catch let error as KGateError {
            throw error
        } catch {
            throw Self.failure("cannot write to the results database", url: url, error)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch let error as KGateError {
            throw error
        } catch {
            throw Self.failure("cannot read the results database", url: url, error)
        }
    }

    static func failure(_ what: String, url: URL, _ error: Error) -> KGateError {
        KGateError.infrastructure(what, location: url.path,
                                  fix: "check the file's permissions and free space; move a corrupt file aside to start afresh",
                                  excerpt: String(describing: error), cause: error)
    }
}
