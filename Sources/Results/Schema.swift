import Foundation
import KGateCore

/// One schema version: portable SQL (`SQLDialect.schema` expands `{pk}` and `{blob}`).
struct Migration: Sendable {
    let id: String
    let sql: String
    /// Statements only SQLite needs (rows written before the migration).
    var sqliteOnly: String = ""
}

/// The results schema, as ordered migrations shared by both backends. Never edit a
/// shipped migration: add a new one (old stores upgrade in place on open). The
/// types are the portable subset (BIGINT, DOUBLE PRECISION, TEXT): on SQLite they
/// have the same affinities as the INTEGER and REAL the first versions were written with.
public enum ResultSchema {
    /// Identifiers of all migrations, oldest first.
    public static var versions: [String] { migrations.map(\.id) }

    static let migrations: [Migration] = [
        Migration(id: "v1-core", sql: """
                CREATE TABLE runs (
                    id {pk},
                    kind TEXT NOT NULL CHECK (kind IN ('check', 'nightly', 'bisect')),
                    tree TEXT NOT NULL,
                    base_revision TEXT,
                    candidate_revision TEXT,
                    series_subject TEXT,
                    patchset_hash TEXT,
                    mode TEXT NOT NULL,
                    pipeline TEXT NOT NULL,
                    started_at DOUBLE PRECISION NOT NULL,
                    finished_at DOUBLE PRECISION,
                    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
                    exit_code BIGINT,
                    overall TEXT CHECK (overall IN ('regression', 'improvement', 'unchanged', 'inconclusive'))
                );
                CREATE TABLE revisions (
                    id {pk},
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position BIGINT NOT NULL,
                    role TEXT NOT NULL,
                    commit_id TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    author TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE builds (
                    id {pk},
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    revision TEXT NOT NULL,
                    config_hash TEXT NOT NULL,
                    architecture TEXT NOT NULL,
                    succeeded BIGINT NOT NULL,
                    seconds DOUBLE PRECISION NOT NULL,
                    log TEXT
                );
                CREATE TABLE boots (
                    id {pk},
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    revision TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    succeeded BIGINT NOT NULL,
                    seconds DOUBLE PRECISION NOT NULL,
                    note TEXT
                );
                CREATE TABLE trials (
                    id {pk},
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    boot_id BIGINT REFERENCES boots(id) ON DELETE SET NULL,
                    role TEXT NOT NULL CHECK (role IN ('base', 'candidate')),
                    revision TEXT NOT NULL,
                    position BIGINT NOT NULL,
                    recorded_at DOUBLE PRECISION NOT NULL
                );
                CREATE TABLE samples (
                    id {pk},
                    trial_id BIGINT NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                    workload TEXT NOT NULL,
                    metric TEXT NOT NULL,
                    unit TEXT NOT NULL,
                    value DOUBLE PRECISION NOT NULL,
                    trial BIGINT NOT NULL,
                    failure TEXT
                );
                CREATE TABLE counters (
                    sample_id BIGINT NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    value DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (sample_id, name)
                );
                CREATE TABLE verdicts (
                    id {pk},
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    workload TEXT NOT NULL,
                    metric TEXT NOT NULL,
                    unit TEXT NOT NULL,
                    outcome TEXT NOT NULL CHECK (outcome IN ('regression', 'improvement', 'unchanged', 'inconclusive')),
                    verdict_json TEXT NOT NULL,
                    counters_json TEXT NOT NULL,
                    UNIQUE (run_id, workload, metric)
                );
                CREATE INDEX trials_run ON trials(run_id);
                CREATE INDEX samples_trial ON samples(trial_id);
                CREATE INDEX verdicts_run ON verdicts(run_id);
                """),
        Migration(id: "v2-stages-bisect", sql: """
                ALTER TABLE runs ADD COLUMN note TEXT;
                CREATE TABLE stage_timings (
                    id {pk},
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    stage TEXT NOT NULL,
                    seconds DOUBLE PRECISION NOT NULL
                );
                CREATE TABLE bisect_steps (
                    id {pk},
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position BIGINT NOT NULL,
                    revision TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    classification TEXT NOT NULL CHECK (classification IN ('good', 'bad', 'skip')),
                    median DOUBLE PRECISION,
                    unit TEXT NOT NULL
                );
                """),
        // The seed of the boot that ran each trial (issue 13); NULL for older runs.
        Migration(id: "v3-sample-seeds", sql: """
                ALTER TABLE samples ADD COLUMN seed BIGINT
                """),
        // `kgate watch` (issue 26): the series a list bot saw, its claim, verdict and the checks to post.
        Migration(id: "v4-watched-series", sql: """
                CREATE TABLE watched_series (
                    server TEXT NOT NULL,
                    project TEXT NOT NULL,
                    series_id BIGINT NOT NULL,
                    version BIGINT NOT NULL,
                    name TEXT NOT NULL DEFAULT '',
                    state TEXT NOT NULL CHECK (state IN ('incomplete', 'pending', 'checked', 'handed-off')),
                    verdict TEXT,
                    description TEXT,
                    target_url TEXT,
                    run_id BIGINT,
                    faults BIGINT NOT NULL DEFAULT 0,
                    seen_at DOUBLE PRECISION NOT NULL,
                    started_at DOUBLE PRECISION,
                    finished_at DOUBLE PRECISION,
                    claim_owner TEXT,
                    claim_expires DOUBLE PRECISION,
                    PRIMARY KEY (server, project, series_id)
                );
                CREATE TABLE watched_checks (
                    server TEXT NOT NULL,
                    project TEXT NOT NULL,
                    series_id BIGINT NOT NULL,
                    patch_id BIGINT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('success', 'warning', 'fail', 'pending')),
                    posted_at DOUBLE PRECISION,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    last_error TEXT,
                    post_owner TEXT,
                    post_expires DOUBLE PRECISION,
                    PRIMARY KEY (server, project, series_id, patch_id),
                    FOREIGN KEY (server, project, series_id) REFERENCES watched_series(server, project, series_id)
                        ON DELETE CASCADE
                );
                CREATE TABLE watch_cursors (
                    server TEXT NOT NULL,
                    project TEXT NOT NULL,
                    since TEXT NOT NULL,
                    PRIMARY KEY (server, project)
                );
                """),
        // Kernel profiles (issue 28): base against candidate per workload, as `ProfileComparison` JSON.
        Migration(id: "v5-profiles", sql: """
                CREATE TABLE profiles (
                    run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    workload TEXT NOT NULL,
                    comparison_json TEXT NOT NULL
                )
                """),
        // Profiles in recorded order on both backends (PostgreSQL has no rowid);
        // nightly claims: two nightly runners never check (and bisect) the same night;
        // every per-run table indexed by run (a report reads them at a 10,000-run history).
        Migration(id: "v6-fleet", sql: """
                ALTER TABLE profiles ADD COLUMN position BIGINT NOT NULL DEFAULT 0;
                CREATE TABLE nightly_claims (
                    tree TEXT NOT NULL,
                    pipeline TEXT NOT NULL,
                    base_revision TEXT NOT NULL,
                    head_revision TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    run_id BIGINT,
                    expires DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (tree, pipeline, base_revision, head_revision)
                );
                CREATE INDEX revisions_run ON revisions(run_id);
                CREATE INDEX builds_run ON builds(run_id);
                CREATE INDEX boots_run ON boots(run_id);
                CREATE INDEX stage_timings_run ON stage_timings(run_id);
                CREATE INDEX bisect_steps_run ON bisect_steps(run_id);
                CREATE INDEX profiles_run ON profiles(run_id);
                """, sqliteOnly: "UPDATE profiles SET position = rowid"),
    ]

    /// Applies the missing migrations (up to `last`, for tests) in one transaction.
    /// PostgreSQL takes a transaction-scoped advisory lock first, so two processes
    /// opening a fresh store at once migrate it once. A store that applied a
    /// migration this binary does not know was written by a newer kgate: refused.
    static func migrate(_ database: any StoreDatabase, upTo last: String? = nil, location: String) throws {
        let table = database.dialect.migrationsTable
        try database.write(.claim) { db in
            if db.dialect == .postgres { try db.execute("SELECT pg_advisory_xact_lock(7254030)") }
            try db.execute("CREATE TABLE IF NOT EXISTS \(table) (identifier TEXT NOT NULL PRIMARY KEY)")
            let applied = Set(try db.column("SELECT identifier FROM \(table)") as [String])
            let unknown = applied.subtracting(versions).sorted()
            guard unknown.isEmpty else {
                throw KGateError.infrastructure(
                    "this store was written by a newer kgate (migration \(unknown.joined(separator: ", ")) is unknown here): upgrade",
                    location: location, fix: "upgrade kgate, or pass --store to use another store")
            }
            for m in migrations where !applied.contains(m.id) {
                if let last, let index = versions.firstIndex(of: last), let mine = versions.firstIndex(of: m.id), mine > index { break }
                try db.execute(db.dialect.schema(m.sql))
                if db.dialect == .sqlite && !m.sqliteOnly.isEmpty { try db.execute(m.sqliteOnly) }
                try db.execute("INSERT INTO \(table) (identifier) VALUES (?)", [m.id])
            }
        }
    }

    /// Migrations applied to a store, oldest first.
    static func applied(_ database: any StoreDatabase) throws -> [String] {
        let table = database.dialect.migrationsTable
        let ids: [String] = try database.read { db in try db.column("SELECT identifier FROM \(table)") }
        return ids.sorted { (versions.firstIndex(of: $0) ?? .max) < (versions.firstIndex(of: $1) ?? .max) }
    }
}
