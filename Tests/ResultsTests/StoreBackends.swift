import Foundation
import KGateCore
import Testing
import TestSupport
@testable import Results

/// The two store backends, for tests that run on both (`@Test(arguments: Backend.allCases)`).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// A fresh, empty store location: a new SQLite file, or a new schema on the test
    /// server (`KGATE_TEST_PG_URL` with `search_path` set to it), so tests never share rows.
    func freshLocation(_ label: String) throws -> StoreLocation {
        switch self {
        case .sqlite:
            return .sqlite(try TestEnv.temporaryDirectory(label).appendingPathComponent("results.sqlite"))
        case .postgres:
            let base = try #require(ProcessInfo.processInfo.environment["KGATE_TEST_PG_URL"], "KGATE_TEST_PG_URL is unset")
            let schema = "t_\(label.filter { $0.isLetter || $0.isNumber })_\(UUID().uuidString.prefix(8))".lowercased()
            let admin = try PostgresDatabase(conninfo: base)
            _ = try admin.write(.ordinary) { try $0.execute("CREATE SCHEMA \(schema)") }
            return try StoreLocation.parse(base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema)
        }
    }

    func freshStore(_ label: String) throws -> ResultStore {
        try ResultStore(location: try freshLocation(label))
    }
}

extension ResultStore {
    /// Rows in `table` (tests only).
    func count(_ table: String) throws -> Int {
        try read { db in try db.scalar("SELECT COUNT(*) FROM \(table)") } ?? -1
    }
}
