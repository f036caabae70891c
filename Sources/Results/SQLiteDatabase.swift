import Foundation
import GRDB
import KGateCore

/// The embedded backend: one SQLite file through GRDB (a `DatabaseQueue`: one
/// connection, writes serialized in the process, a 10 s busy timeout between processes).
final class SQLiteDatabase: StoreDatabase {
    let dialect = SQLDialect.sqlite
    private let queue: DatabaseQueue

    init(path: String) throws {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        queue = try DatabaseQueue(path: path, configuration: config)
    }

    func write<T>(_ kind: WriteKind, _ body: (any StoreConnection) throws -> T) throws -> T {
        var result: Result<T, any Error>?
        try queue.inTransaction(kind == .claim ? .immediate : .deferred) { db in
            result = Result { try body(Connection(db: db)) }
            if case .failure = result { return .rollback }
            return .commit
        }
        guard let result else { throw KGateError.infrastructure("the SQLite transaction did not run") }
        return try result.get()
    }

    func read<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try queue.read { db in try body(Connection(db: db)) }
    }

    struct Connection: StoreConnection {
        let db: Database
        var dialect: SQLDialect { .sqlite }

        func execute(_ sql: String, _ arguments: [(any SQLBindable)?]) throws -> Int {
            if arguments.isEmpty {
                try db.execute(sql: sql)
            } else {
                try db.execute(sql: sql, arguments: Self.arguments(arguments))
            }
            return db.changesCount
        }

        func rows(_ sql: String, _ arguments: [(any SQLBindable)?]) throws -> [SQLRow] {
            try Row.fetchAll(db, sql: sql, arguments: Self.arguments(arguments)).map { row in
                SQLRow(columns: Array(row.columnNames), values: row.databaseValues.map(Self.value))
            }
        }

        func insert(_ sql: String, _ arguments: [(any SQLBindable)?]) throws -> Int64 {
            try db.execute(sql: sql, arguments: Self.arguments(arguments))
            return db.lastInsertedRowID
        }

        static func arguments(_ values: [(any SQLBindable)?]) -> StatementArguments {
            StatementArguments(values.map { v -> DatabaseValue in
                switch v?.sqlValue ?? .null {
                case .null: return .null
                case .integer(let i): return i.databaseValue
                case .real(let d): return d.databaseValue
                case .text(let s): return s.databaseValue
                case .blob(let b): return Data(b).databaseValue
                }
            })
        }

        static func value(_ v: DatabaseValue) -> SQLValue {
            switch v.storage {
            case .null: return .null
            case .int64(let i): return .integer(i)
            case .double(let d): return .real(d)
            case .string(let s): return .text(s)
            case .blob(let data): return .blob([UInt8](data))
            }
        }
    }
}
