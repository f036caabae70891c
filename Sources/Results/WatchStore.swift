import Foundation
import KGateCore

/// A series a list bot (`kgate watch`) saw on a patchwork project.
public struct WatchKey: Sendable, Hashable, CustomStringConvertible {
    /// The patchwork instance root (`https://patchwork.kernel.org`).
    public var server: String
    public var project: String
    public var seriesID: Int
    public init(server: String, project: String, seriesID: Int) {
        self.server = server; self.project = project; self.seriesID = seriesID
    }
    public var description: String { "\(project) series \(seriesID)" }
}

public enum WatchState: String, Sendable, Codable {
    /// Not all patches have arrived: looked at again on the next poll.
    case incomplete
    /// To check (new, interrupted, or a machine fault to retry).
    case pending
    /// Verdict known; its checks are in `watched_checks` (posted or not yet).
    case checked
    /// Given to a CI engine (`--handoff-command`), which posts the checks.
    case handedOff = "handed-off"
}

public struct WatchedSeries: Sendable, Equatable {
    public var key: WatchKey
    public var version: Int
    public var name: String
    public var state: WatchState
    public var verdict: String?
    public var description: String?
    public var faults: Int
    public var claimOwner: String?
}

/// A check to post (or posted): one per patch of a checked series.
public struct WatchCheck: Sendable, Equatable {
    public var key: WatchKey
    public var patchID: Int
    /// patchwork's check state: success, warning, fail.
    public var state: String
    public var description: String
    public var targetURL: String?
    public var attempts: Int
    public init(key: WatchKey, patchID: Int, state: String, description: String, targetURL: String?, attempts: Int = 0) {
        self.key = key; self.patchID = patchID; self.state = state; self.description = description
        self.targetURL = targetURL; self.attempts = attempts
    }
}

/// The list bot's memory (docs/DESIGN.md, "The list bot"): each series once,
/// claimed in one claim transaction (`writeClaim`) with an expiry, its checks kept
/// until patchwork accepted them.
extension ResultStore {
    public func watchCursor(server: String, project: String) throws -> String? {
        try read { db in
            try db.scalar("SELECT since FROM watch_cursors WHERE server = ? AND project = ?", [server, project])
        }
    }

    public func setWatchCursor(server: String, project: String, since: String) throws {
        try write { db in
            try db.execute("""
                INSERT INTO watch_cursors (server, project, since) VALUES (?, ?, ?)
                ON CONFLICT (server, project) DO UPDATE SET since = excluded.since
                """, [server, project, since])
        }
    }

    /// Records a series the first time it is seen; false when it was already known.
    @discardableResult
    public func rememberSeries(_ key: WatchKey, version: Int, name: String, state: WatchState,
                               now: Date = Date()) throws -> Bool {
        try write { db in
            return try db.execute("""
                INSERT INTO watched_series (server, project, series_id, version, name, state, seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, [key.server, key.project, key.seriesID, version, String(name.prefix(500)), state.rawValue,
                                 now.timeIntervalSince1970])
                > 0
        }
    }

    public func watchedSeries(_ key: WatchKey) throws -> WatchedSeries? {
        try read { db in
            try db.row("SELECT * FROM watched_series WHERE server = ? AND project = ? AND series_id = ?", [key.server, key.project, key.seriesID]).map(Self.watched)
        }
    }

    public func watchedSeries(server: String, project: String, state: WatchState) throws -> [WatchedSeries] {
        try read { db in
            try db.rows("""
                SELECT * FROM watched_series WHERE server = ? AND project = ? AND state = ? ORDER BY seen_at, series_id
                """, [server, project, state.rawValue]).map(Self.watched)
        }
    }

    public func setWatchState(_ key: WatchKey, _ state: WatchState) throws {
        try write { db in
            try db.execute("UPDATE watched_series SET state = ? WHERE server = ? AND project = ? AND series_id = ?", [state.rawValue, key.server, key.project, key.seriesID])
        }
    }

    /// Claims the oldest pending series nobody holds (no owner, an expired claim, or
    /// an owner `isStale` says is gone), in one claim transaction (SQLite `BEGIN IMMEDIATE`,
    /// PostgreSQL `FOR UPDATE`): two watchers on one store never get the same series.
    /// `excluding`: series ids this poll already handled (a requeued fault waits for the next poll).
    public func claimNextSeries(server: String, project: String, owner: String, ttl: Double, now: Date = Date(),
                                excluding: Set<Int> = [], isStale: (String) -> Bool) throws -> WatchedSeries? {
        try writeClaim { db in
            let rows = try db.rows("""
                SELECT * FROM watched_series WHERE server = ? AND project = ? AND state = 'pending'
                ORDER BY seen_at, series_id\(db.dialect.forUpdate())
                """, [server, project])
            for row in rows {
                let id: Int = try row["series_id"]
                if excluding.contains(id) { continue }
                let holder: String? = try row["claim_owner"]
                let expires: Double? = try row["claim_expires"]
                if let holder, holder != owner, let expires, expires > now.timeIntervalSince1970, !isStale(holder) { continue }
                var series = try Self.watched(row)
                try db.execute("""
                    UPDATE watched_series SET claim_owner = ?, claim_expires = ?, started_at = ?
                    WHERE server = ? AND project = ? AND series_id = ?
                    """, [owner, now.timeIntervalSince1970 + ttl, now.timeIntervalSince1970,
                                     server, project, series.key.seriesID])
                series.claimOwner = owner
                return series
            }
            return nil
        }
    }

    /// Ends a claimed check: the verdict and one check per patch, in one transaction.
    /// False (nothing written) when `owner` no longer holds the claim.
    @discardableResult
    public func finishWatchedSeries(_ key: WatchKey, owner: String, verdict: String, description: String,
                                    targetURL: String?, run: Int64?, checks: [(patchID: Int, state: String)],
                                    now: Date = Date()) throws -> Bool {
        try writeClaim { db in
            guard try db.scalar("""
                SELECT claim_owner FROM watched_series WHERE server = ? AND project = ? AND series_id = ?\(db.dialect.forUpdate())
                """, [key.server, key.project, key.seriesID]) == owner else { return false }
            try db.execute("""
                UPDATE watched_series SET state = 'checked', verdict = ?, description = ?, target_url = ?, run_id = ?,
                       finished_at = ?, claim_owner = NULL, claim_expires = NULL
                WHERE server = ? AND project = ? AND series_id = ?
                """, [verdict, String(description.prefix(1000)), targetURL, run, now.timeIntervalSince1970,
                                 key.server, key.project, key.seriesID])
            for check in checks {
                try db.execute("""
                    INSERT INTO watched_checks (server, project, series_id, patch_id, state) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """, [key.server, key.project, key.seriesID, check.patchID, check.state])
            }
            return true
        }
    }

    /// A machine fault: counted, the claim released, the series left pending for a later poll.
    public func requeueWatchedSeries(_ key: WatchKey, owner: String, note: String) throws {
        try write { db in
            try db.execute("""
                UPDATE watched_series SET faults = faults + 1, description = ?, claim_owner = NULL, claim_expires = NULL
                WHERE server = ? AND project = ? AND series_id = ? AND claim_owner = ?
                """, [String(note.prefix(1000)), key.server, key.project, key.seriesID, owner])
        }
    }

    public func handOffWatchedSeries(_ key: WatchKey, owner: String, note: String, now: Date = Date()) throws {
        try write { db in
            try db.execute("""
                UPDATE watched_series SET state = 'handed-off', description = ?, finished_at = ?,
                       claim_owner = NULL, claim_expires = NULL
                WHERE server = ? AND project = ? AND series_id = ? AND claim_owner = ?
                """, [String(note.prefix(1000)), now.timeIntervalSince1970, key.server, key.project,
                                 key.seriesID, owner])
        }
    }

    /// Releases every claim `owner` holds (SIGTERM): those series are checked again later.
    public func releaseWatchClaims(owner: String) throws {
        try write { db in
            try db.execute("UPDATE watched_series SET claim_owner = NULL, claim_expires = NULL WHERE claim_owner = ?", [owner])
            try db.execute("UPDATE watched_checks SET post_owner = NULL, post_expires = NULL WHERE post_owner = ?", [owner])
        }
    }

    /// Claims the checks patchwork has not accepted yet (oldest series first) for
    /// `owner` to post, in one claim transaction: a check another live
    /// watcher is posting is left to it.
    public func claimUnpostedChecks(server: String, project: String, owner: String, ttl: Double = 600,
                                    now: Date = Date(), isStale: (String) -> Bool) throws -> [WatchCheck] {
        try writeClaim { db in
            var out: [WatchCheck] = []
            for row in try db.rows("""
                SELECT c.*, s.description AS series_description, s.target_url AS series_target
                FROM watched_checks c JOIN watched_series s
                  ON s.server = c.server AND s.project = c.project AND s.series_id = c.series_id
                WHERE c.server = ? AND c.project = ? AND c.posted_at IS NULL
                ORDER BY s.finished_at, c.series_id, c.patch_id\(db.dialect.forUpdate(of: "c"))
                """, [server, project]) {
                let holder: String? = try row["post_owner"]
                let expires: Double? = try row["post_expires"]
                if let holder, holder != owner, let expires, expires > now.timeIntervalSince1970, !isStale(holder) { continue }
                let check = try WatchCheck(key: WatchKey(server: row["server"], project: row["project"], seriesID: row["series_id"]),
                                       patchID: row["patch_id"], state: row["state"],
                                       description: row["series_description"] ?? "", targetURL: row["series_target"],
                                       attempts: row["attempts"])
                try db.execute("""
                    UPDATE watched_checks SET post_owner = ?, post_expires = ?
                    WHERE server = ? AND project = ? AND series_id = ? AND patch_id = ?
                    """, [owner, now.timeIntervalSince1970 + ttl, check.key.server, check.key.project,
                                     check.key.seriesID, check.patchID])
                out.append(check)
            }
            return out
        }
    }

    /// Records one POST: accepted (`error` nil) or not (kept for the next poll).
    public func recordCheckPost(_ check: WatchCheck, error: String?, now: Date = Date()) throws {
        try write { db in
            try db.execute("""
                UPDATE watched_checks SET attempts = attempts + 1, last_error = ?, posted_at = ?,
                       post_owner = NULL, post_expires = NULL
                WHERE server = ? AND project = ? AND series_id = ? AND patch_id = ?
                """, [error.map { String($0.prefix(1000)) }, error == nil ? now.timeIntervalSince1970 : nil,
                                 check.key.server, check.key.project, check.key.seriesID, check.patchID])
        }
    }

    static func watched(_ row: SQLRow) throws -> WatchedSeries {
        let state: String = try row["state"]
        return try WatchedSeries(key: WatchKey(server: row["server"], project: row["project"], seriesID: row["series_id"]),
                             version: row["version"], name: row["name"], state: WatchState(rawValue: state) ?? .pending,
                             verdict: row["verdict"], description: row["description"], faults: row["faults"],
                             claimOwner: row["claim_owner"])
    }
}
