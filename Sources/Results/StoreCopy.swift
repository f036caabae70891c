import Foundation
import KGateCore

/// What `copyHistory` did: rows per table, and whether ids were kept.
public struct CopySummary: Sendable, Equatable {
    public var rows: [String: Int] = [:]
    /// True when the target had no runs: every id is the source's. Otherwise new ids
    /// were given and every reference to them rewritten.
    public var keptIDs = false
    public var total: Int { rows.values.reduce(0, +) }
}

/// Moving a history between stores (`kgate results export --to`, `import --from`):
/// every table, every row, read in one snapshot of the source and written in one
/// transaction on the target (all or nothing).
extension ResultStore {
    /// A table, how to order it, and its references to other tables' ids.
    struct CopiedTable {
        var name: String
        var order: String
        var hasID = true
        var references: [String: String] = [:]
        /// A natural key (the list bot's and nightly claims' tables): a row the target already has is kept.
        var natural = false
    }

    /// Parents before children (the foreign keys' order).
    static let copiedTables: [CopiedTable] = [
        CopiedTable(name: "runs", order: "id"),
        CopiedTable(name: "revisions", order: "id", references: ["run_id": "runs"]),
        CopiedTable(name: "builds", order: "id", references: ["run_id": "runs"]),
        CopiedTable(name: "boots", order: "id", references: ["run_id": "runs"]),
        CopiedTable(name: "trials", order: "id", references: ["run_id": "runs", "boot_id": "boots"]),
        CopiedTable(name: "samples", order: "id", references: ["trial_id": "trials"]),
        CopiedTable(name: "counters", order: "sample_id, name", hasID: false, references: ["sample_id": "samples"]),
        CopiedTable(name: "verdicts", order: "id", references: ["run_id": "runs"]),
        CopiedTable(name: "stage_timings", order: "id", references: ["run_id": "runs"]),
        CopiedTable(name: "bisect_steps", order: "id", references: ["run_id": "runs"]),
        CopiedTable(name: "profiles", order: "run_id, position", hasID: false, references: ["run_id": "runs"]),
        CopiedTable(name: "watched_series", order: "server, project, series_id", hasID: false,
                    references: ["run_id": "runs"], natural: true),
        CopiedTable(name: "watched_checks", order: "server, project, series_id, patch_id", hasID: false, natural: true),
        CopiedTable(name: "watch_cursors", order: "server, project", hasID: false, natural: true),
        CopiedTable(name: "nightly_claims", order: "tree, pipeline, base_revision, head_revision", hasID: false,
                    references: ["run_id": "runs"], natural: true),
    ]

    /// Copies this store's whole history into `target`.
    public func copyHistory(to target: ResultStore) throws -> CopySummary {
        guard target.location != location else {
            throw KGateError.usage("the source and the target are the same store", location: location.redacted,
                                   fix: "name another store with --to or --from")
        }
        return try target.write { out in
            try self.read { source in
                var summary = CopySummary()
                summary.keptIDs = try out.scalar("SELECT COUNT(*) FROM runs") as Int? == 0
                var ids: [String: [Int64: Int64]] = [:]
                for table in Self.copiedTables {
                    var map: [Int64: Int64] = [:]
                    var count = 0
                    for row in try source.rows("SELECT * FROM \(table.name) ORDER BY \(table.order)", []) {
                        var columns: [String] = [], values: [SQLValue] = []
                        var oldID: Int64?
                        for (column, value) in zip(row.columns, row.values) {
                            if column == "id" && table.hasID {
                                oldID = Int64.decode(value)
                                if !summary.keptIDs { continue }
                            }
                            var v = value
                            if let parent = table.references[column], let old = Int64.decode(value) {
                                guard let new = ids[parent]?[old] else {
                                    throw KGateError.infrastructure("\(table.name).\(column) refers to \(parent) \(old), which is not in the source",
                                                                    location: self.location.redacted,
                                                                    fix: "the source store is inconsistent: check it before copying")
                                }
                                v = .integer(new)
                            }
                            columns.append(column)
                            values.append(v)
                        }
                        let sql = "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES ("
                            + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                        if table.natural {
                            count += try out.execute(sql + " ON CONFLICT DO NOTHING", values)
                        } else if table.hasID, let oldID {
                            if summary.keptIDs {
                                try out.execute(sql, values)
                                map[oldID] = oldID
                            } else {
                                map[oldID] = try out.insert(sql, values)
                            }
                            count += 1
                        } else {
                            count += try out.execute(sql, values)
                        }
                    }
                    if table.hasID {
                        ids[table.name] = map
                        if summary.keptIDs, let reset = out.dialect.afterExplicitIDs(table: table.name) { try out.execute(reset) }
                    }
                    summary.rows[table.name] = count
                }
                if let analyze = out.dialect.afterBulkLoad { try out.execute(analyze) }
                return summary
            }
        }
    }
}
