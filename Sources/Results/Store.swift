import Foundation
import Gate
import KernelProfile
import KGateCore
import Synchronization

/// The history of runs: the SQLite file in the cache (`<cache>/results.sqlite`) or a
/// shared PostgreSQL store (`--store postgres://…`), behind `StoreDatabase`. Every
/// write is one transaction; verdicts are written together with the run's final
/// status, so an interrupted run has samples but no verdict and reads back as `interrupted`.
public final class ResultStore: Sendable {
    public let location: StoreLocation
    let database: any StoreDatabase
    /// The password-in-the-URL warning is printed once per process.
    private static let warnedAboutPassword = Atomic<Bool>(false)

    /// The SQLite file at `url`.
    public convenience init(url: URL) throws {
        try self.init(location: .sqlite(url))
    }

    /// The store `--store`/`KGATE_STORE` names (`paths.store`), else the cache's SQLite file.
    public convenience init(paths: CachePaths) throws {
        try self.init(location: StoreLocation.resolve(option: paths.store, fallback: paths.resultsDatabase))
    }

    /// Opens (creating if needed) and migrates the store (`migrateUpTo`: stop there, for tests).
    public init(location: StoreLocation, migrateUpTo: String? = nil) throws {
        self.location = location
        if location.hadPassword, !Self.warnedAboutPassword.exchange(true, ordering: .relaxed) {
            Console.shared.line("warning: the store URL carries a password; kgate uses it but never prints it. Put it in PGPASSWORD or ~/.pgpass instead")
        }
        do {
            switch location.backend {
            case .sqlite(let path): database = try SQLiteDatabase(path: path)
            case .postgres(let conninfo): database = try PostgresDatabase(conninfo: conninfo)
            }
        } catch {
            throw Self.failure("cannot open the results store", location: location, error)
        }
        do {
            try ResultSchema.migrate(database, upTo: migrateUpTo, location: location.redacted)
        } catch let error as KGateError {
            throw error
        } catch {
            throw Self.failure("cannot migrate the results store", location: location, error)
        }
    }

    public var dialect: SQLDialect { database.dialect }

    /// Migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        do {
            return try ResultSchema.applied(database)
        } catch {
            throw Self.failure("cannot read the results store", location: location, error)
        }
    }

    // MARK: writing

    /// Starts a run; returns its id.
    public func beginRun(_ start: RunStart) throws -> Int64 {
        try write { db in
            return try db.insert("""
                INSERT INTO runs (kind, tree, base_revision, candidate_revision, series_subject, patchset_hash,
                                  mode, pipeline, started_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running')
                """, [start.kind.rawValue, start.tree, start.baseRevision, start.candidateRevision,
                                 start.seriesSubject, start.patchsetHash, start.mode, start.pipeline,
                                 start.startedAt.timeIntervalSince1970])
        }
    }

    /// Records the commits the run is about (base, candidate, patches), in order.
    public func recordCommits(run: Int64, _ commits: [RunCommit]) throws {
        try write { db in
            let start: Int = try db.scalar("SELECT COUNT(*) FROM revisions WHERE run_id = ?", [run]) ?? 0
            for (i, c) in commits.enumerated() {
                try db.execute("INSERT INTO revisions (run_id, position, role, commit_id, subject, author) VALUES (?, ?, ?, ?, ?, ?)", [run, start + i, c.role, c.commit, c.subject, c.author])
            }
        }
    }

    @discardableResult
    public func recordBuild(run: Int64, _ build: BuildInfo) throws -> Int64 {
        try write { db in
            return try db.insert("""
                INSERT INTO builds (run_id, revision, config_hash, architecture, succeeded, seconds, log)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [run, build.revision, build.configHash, build.architecture, build.succeeded,
                                 build.seconds, build.log])
        }
    }

    @discardableResult
    public func recordBoot(run: Int64, _ boot: BootInfo) throws -> Int64 {
        try write { db in
            return try db.insert("INSERT INTO boots (run_id, revision, mode, succeeded, seconds, note) VALUES (?, ?, ?, ?, ?, ?)", [run, boot.revision, boot.mode, boot.succeeded, boot.seconds, boot.note])
        }
    }

    /// Records one trial with its samples and their counters, atomically.
    @discardableResult
    public func recordTrial(run: Int64, role: TrialRole, revision: String, boot: Int64? = nil,
                            samples: [Sample]) throws -> Int64 {
        try write { db in
            let position: Int = try db.scalar("SELECT COUNT(*) FROM trials WHERE run_id = ? AND role = ?", [run, role.rawValue]) ?? 0
            let trial = try db.insert("INSERT INTO trials (run_id, boot_id, role, revision, position, recorded_at) VALUES (?, ?, ?, ?, ?, ?)", [run, boot, role.rawValue, revision, position, Date().timeIntervalSince1970])
            for s in samples {
                let sample = try db.insert("""
                    INSERT INTO samples (trial_id, workload, metric, unit, value, trial, failure, seed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, [trial, s.workload, s.metric, s.unit, s.value.isFinite ? s.value : 0, s.trial,
                                           s.value.isFinite ? s.failure : (s.failure ?? "non-finite value"),
                                           s.seed.map { Int64(bitPattern: $0) }])
                for (name, value) in s.counters.sorted(by: { $0.key < $1.key }) where value.isFinite {
                    try db.execute("INSERT INTO counters (sample_id, name, value) VALUES (?, ?, ?)", [sample, name, value])
                }
            }
            return trial
        }
    }

    public func recordStage(run: Int64, _ stage: StageTiming) throws {
        try write { db in
            try db.execute("INSERT INTO stage_timings (run_id, stage, seconds) VALUES (?, ?, ?)", [run, stage.stage, stage.seconds])
        }
    }

    public func recordBisectStep(run: Int64, _ step: BisectStep) throws {
        guard ["good", "bad", "skip"].contains(step.classification) else {
            throw KGateError.usage("bisect step classification '\(step.classification)' is not good, bad or skip",
                                   location: location.redacted)
        }
        try write { db in
            let position: Int = try db.scalar("SELECT COUNT(*) FROM bisect_steps WHERE run_id = ?", [run]) ?? 0
            try db.execute("""
                INSERT INTO bisect_steps (run_id, position, revision, subject, classification, median, unit)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [run, position, step.revision, step.subject, step.classification, step.median, step.unit])
        }
    }

    /// Finishes a run: all verdicts, the overall outcome, the status and the exit code
    /// in one transaction (all or nothing).
    /// A run stopped by a signal: its exit code (128 + signal) and why, with no
    /// verdict and no finish time, so it reads back as `interrupted`.
    public func markInterrupted(run: Int64, exitCode: Int32, note: String) throws {
        try write { db in
            try db.execute("UPDATE runs SET exit_code = ?, note = ? WHERE id = ? AND finished_at IS NULL", [exitCode, note, run])
        }
    }

    /// One workload's kernel profile, base against candidate (docs/DESIGN.md, "Kernel profiles").
    public func recordProfile(run: Int64, _ comparison: ProfileComparison) throws {
        let json = String(decoding: try JSONEncoder().encode(comparison), as: UTF8.self)
        try write { db in
            let position: Int = try db.scalar("SELECT COUNT(*) FROM profiles WHERE run_id = ?", [run]) ?? 0
            try db.execute("INSERT INTO profiles (run_id, workload, comparison_json, position) VALUES (?, ?, ?, ?)",
                           [run, comparison.workload, json, position])
        }
    }

    public func finishRun(run: Int64, verdicts: [WorkloadVerdict], exitCode: Int32, status: RunStatus = .finished,
                          note: String? = nil, finishedAt: Date = Date()) throws {
        guard status != .running else {
            throw KGateError.usage("a run finishes as finished, failed or interrupted, not running", location: location.redacted)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try write { db in
            guard try db.scalar("SELECT COUNT(*) FROM runs WHERE id = ?", [run]) as Int? == 1 else {
                throw KGateError.usage("no run \(run) to finish", location: self.location.redacted)
            }
            try db.execute("DELETE FROM verdicts WHERE run_id = ?", [run])
            for v in verdicts {
                let verdict = String(decoding: try encoder.encode(v.verdict), as: UTF8.self)
                let counters = String(decoding: try encoder.encode(v.counterChanges), as: UTF8.self)
                try db.execute("""
                    INSERT INTO verdicts (run_id, workload, metric, unit, outcome, verdict_json, counters_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, [run, v.workload, v.metric, v.unit, v.verdict.outcome.rawValue, verdict, counters])
            }
            let overall = verdicts.isEmpty ? nil : GateOutcome.overall(verdicts.map(\.verdict.outcome)).rawValue
            try db.execute("UPDATE runs SET status = ?, exit_code = ?, overall = ?, note = ?, finished_at = ? WHERE id = ?", [status.rawValue, exitCode, overall, note, finishedAt.timeIntervalSince1970, run])
        }
    }

    // MARK: internals

    @discardableResult
    func write<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try transaction("cannot write to the results store") { try database.write(.ordinary, body) }
    }

    /// A claim: SQLite's `BEGIN IMMEDIATE` (the write lock before the first read),
    /// PostgreSQL's row locks (`dialect.forUpdate` in the claim's SELECT), so two
    /// processes cannot both read "unclaimed" and both claim.
    @discardableResult
    func writeClaim<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try transaction("cannot write to the results store") { try database.write(.claim, body) }
    }

    func read<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try transaction("cannot read the results store") { try database.read(body) }
    }

    private func transaction<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KGateError {
            throw error
        } catch {
            throw Self.failure(what, location: location, error)
        }
    }

    static func failure(_ what: String, location: StoreLocation, _ error: Error) -> KGateError {
        let fix: String
        switch location.backend {
        case .sqlite: fix = "check the file's permissions and free space; move a corrupt file aside to start afresh"
        case .postgres: fix = "check the server is up and reachable, the user and database exist, and the password is in PGPASSWORD or ~/.pgpass"
        }
        return KGateError.infrastructure(what, location: location.redacted, fix: fix,
                                         excerpt: String(describing: error), cause: error)
    }
}
