import Foundation
import KGateCore

/// The reads of the trend page (`kgate results trend`), in plain portable SQL
/// (no SQLite-only syntax) through the store's read API, so another backend can
/// answer them the same way. Everything else a night needs comes from `report(run:)`.
extension ResultStore {
    /// Finished nightly runs, oldest first: the last `limit` per tree and pipeline,
    /// optionally of one tree and one pipeline.
    public func nightlyRuns(tree: String? = nil, pipeline: String? = nil, limit: Int = 90) throws -> [RunInfo] {
        var sql = "SELECT * FROM runs WHERE kind = 'nightly' AND finished_at IS NOT NULL"
        var arguments: [(any SQLBindable)?] = []
        if let tree {
            sql += " AND tree = ?"
            arguments.append(tree)
        }
        if let pipeline {
            sql += " AND pipeline = ?"
            arguments.append(pipeline)
        }
        sql += " ORDER BY id DESC"
        let rows = try read { db in
            try db.rows(sql, arguments).map(Self.runInfo)
        }
        var kept: [String: Int] = [:]
        let newest = rows.filter { run in
            let key = run.tree + "\u{0}" + run.pipeline
            kept[key, default: 0] += 1
            return kept[key, default: 0] <= max(1, limit)
        }
        return newest.reversed()
    }

    /// The stored nights as reports (oldest first), for `TrendBuilder`.
    public func nightlyReports(tree: String? = nil, pipeline: String? = nil, limit: Int = 90) throws -> [RunReport] {
        try nightlyRuns(tree: tree, pipeline: pipeline, limit: limit).map { try report(run: $0.id) }
    }
}
