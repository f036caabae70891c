import Foundation
import GRDB

/// The results database schema, as ordered migrations. Never edit a shipped
/// migration: add a new one (old databases upgrade in place on open).
public enum ResultSchema {
    /// Identifiers of all migrations, oldest first.
    public static let versions = ["v1-core", "v2-stages-bisect", "v3-sample-seeds", "v4-watched-series", "v5-profiles"]

    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('check', 'nightly', 'bisect')),
                    tree TEXT NOT NULL,
                    base_revision TEXT,
                    candidate_revision TEXT,
                    series_subject TEXT,
                    patchset_hash TEXT,
                    mode TEXT NOT NULL,
                    pipeline TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
                    exit_code INTEGER,
                    overall TEXT CHECK (overall IN ('regression', 'improvement', 'unchanged', 'inconclusive'))
                );
                CREATE TABLE revisions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    role TEXT NOT NULL,
                    commit_id TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    author TEXT NOT NULL DEFAULT ''
                );
                CREATE TABLE builds (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    revision TEXT NOT NULL,
                    config_hash TEXT NOT NULL,
                    architecture TEXT NOT NULL,
                    succeeded INTEGER NOT NULL,
                    seconds REAL NOT NULL,
                    log TEXT
                );
                CREATE TABLE boots (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    revision TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    succeeded INTEGER NOT NULL,
                    seconds REAL NOT NULL,
                    note TEXT
                );
                CREATE TABLE trials (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    boot_id INTEGER REFERENCES boots(id) ON DELETE SET NULL,
                    role TEXT NOT NULL CHECK (role IN ('base', 'candidate')),
                    revision TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    recorded_at REAL NOT NULL
                );
                CREATE TABLE samples (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
                    workload TEXT NOT NULL,
                    metric TEXT NOT NULL,
                    unit TEXT NOT NULL,
                    value REAL NOT NULL,
                    trial INTEGER NOT NULL,
                    failure TEXT
                );
                CREATE TABLE counters (
                    sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    PRIMARY KEY (sample_id, name)
                );
                CREATE TABLE verdicts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
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
                """)
        }
        migrator.registerMigration("v2-stages-bisect") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN note TEXT;
                CREATE TABLE stage_timings (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    stage TEXT NOT NULL,
                    seconds REAL NOT NULL
                );
                CREATE TABLE bisect_steps (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    revision TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    classification TEXT NOT NULL CHECK (classification IN ('good', 'bad', 'skip')),
                    median REAL,
                    unit TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-sample-seeds") { db in
            // The seed of the boot that ran each trial (issue 13); NULL for older runs.
            try db.execute(sql: "ALTER TABLE samples ADD COLUMN seed INTEGER")
        }
        migrator.registerMigration("v4-watched-series") { db in
            // `kgate watch` (issue 26): the series a list bot saw, its claim, verdict and the checks to post.
            try db.execute(sql: """
                CREATE TABLE watched_series (
                    server TEXT NOT NULL,
                    project TEXT NOT NULL,
                    series_id INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    name TEXT NOT NULL DEFAULT '',
                    state TEXT NOT NULL CHECK (state IN ('incomplete', 'pending', 'checked', 'handed-off')),
                    verdict TEXT,
                    description TEXT,
                    target_url TEXT,
                    run_id INTEGER,
                    faults INTEGER NOT NULL DEFAULT 0,
                    seen_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    claim_owner TEXT,
                    claim_expires REAL,
                    PRIMARY KEY (server, project, series_id)
                );
                CREATE TABLE watched_checks (
                    server TEXT NOT NULL,
                    project TEXT NOT NULL,
                    series_id INTEGER NOT NULL,
                    patch_id INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('success', 'warning', 'fail', 'pending')),
                    posted_at REAL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    post_owner TEXT,
                    post_expires REAL,
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
                """)
        }
        migrator.registerMigration("v5-profiles") { db in
            // Kernel profiles (issue 28): base against candidate per workload, as `ProfileComparison` JSON.
            try db.execute(sql: """
                CREATE TABLE profiles (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    workload TEXT NOT NULL,
                    comparison_json TEXT NOT NULL
                )
                """)
        }
        return migrator
    }
}
