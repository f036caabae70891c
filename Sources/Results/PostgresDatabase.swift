import CLibPQ
import Foundation
import Synchronization

/// A statement the server refused, with its SQLSTATE (`40001` serialization, `23505` unique…).
public struct PostgresError: Error, CustomStringConvertible {
    public var sqlState: String
    public var message: String
    public var description: String { "PostgreSQL \(sqlState): \(message)" }
}

/// The shared backend: one libpq connection per store, used by one transaction at a
/// time (a `Mutex`). libpq does TLS as `sslmode` says (default `prefer`: TLS when the
/// server offers it) and reads the password from PGPASSWORD or the password file itself.
final class PostgresDatabase: StoreDatabase {
    let dialect = SQLDialect.postgres
    private let connection: Mutex<Handle>

    /// Owns the `PGconn`; closed when the store goes.
    final class Handle {
        let conn: OpaquePointer
        init(_ conn: OpaquePointer) { self.conn = conn }
        deinit { PQfinish(conn) }
    }

    /// `conninfo`: the store URL as libpq reads it (`postgresql://user@host/db?sslmode=…`;
    /// `connect_timeout` defaults to 10 s).
    init(conninfo: String) throws {
        // A server that does not answer is a fault in 10 s, not after TCP's minutes.
        let info = conninfo.contains("connect_timeout=") ? conninfo
            : conninfo + (conninfo.contains("?") ? "&" : "?") + "connect_timeout=10"
        guard let conn = PQconnectdb(info) else {
            throw PostgresError(sqlState: "08000", message: "out of memory opening a connection")
        }
        let handle = Handle(conn)
        guard PQstatus(conn) == CONNECTION_OK else {
            throw PostgresError(sqlState: "08001", message: Self.message(conn))
        }
        // Quiet notices ("relation already exists, skipping") instead of stderr noise.
        _ = PQexec(conn, "SET client_min_messages = warning").map { PQclear($0) }
        connection = Mutex(handle)
    }

    /// Whether this connection is encrypted (`pg_stat_ssl`'s view, from libpq's side).
    var usesTLS: Bool { connection.withLock { PQsslInUse($0.conn) == 1 } }

    func write<T>(_ kind: WriteKind, _ body: (any StoreConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL READ COMMITTED", body)
    }

    func read<T>(_ body: (any StoreConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(_ begin: String, _ body: (any StoreConnection) throws -> T) throws -> T {
        try connection.withLock { handle in
            if PQstatus(handle.conn) != CONNECTION_OK { PQreset(handle.conn) }
            let c = Connection(conn: handle.conn)
            try c.execute(begin)
            do {
                let result = try body(c)
                try c.execute("COMMIT")
                return result
            } catch {
                _ = try? c.execute("ROLLBACK")
                throw error
            }
        }
    }

    static func message(_ conn: OpaquePointer) -> String {
        String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct Connection: StoreConnection {
        let conn: OpaquePointer
        var dialect: SQLDialect { .postgres }

        func execute(_ sql: String, _ arguments: [(any SQLBindable)?]) throws -> Int {
            let result = try run(sql, arguments)
            defer { PQclear(result) }
            return Int(String(cString: PQcmdTuples(result))) ?? 0
        }

        func rows(_ sql: String, _ arguments: [(any SQLBindable)?]) throws -> [SQLRow] {
            let result = try run(sql, arguments)
            defer { PQclear(result) }
            let columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
            let types = (0..<PQnfields(result)).map { PQftype(result, $0) }
            return (0..<PQntuples(result)).map { r in
                SQLRow(columns: columns, values: (0..<PQnfields(result)).map { c in
                    PQgetisnull(result, r, c) == 1 ? .null : Self.decode(String(cString: PQgetvalue(result, r, c)),
                                                                         type: types[Int(c)])
                })
            }
        }

        func insert(_ sql: String, _ arguments: [(any SQLBindable)?]) throws -> Int64 {
            guard let id: Int64 = try scalar(sql + " RETURNING id", arguments) else {
                throw PostgresError(sqlState: "02000", message: "the insert returned no id")
            }
            return id
        }

        /// One statement: `PQexec` when there are no parameters (migrations are
        /// several statements), else `PQexecParams` with text parameters.
        private func run(_ sql: String, _ arguments: [(any SQLBindable)?]) throws -> OpaquePointer {
            let result: OpaquePointer?
            if arguments.isEmpty {
                result = PQexec(conn, sql)
            } else {
                let texts = arguments.map { Self.encode($0?.sqlValue ?? .null) }
                let pointers = texts.map { $0.flatMap { strdup($0) } }
                defer { pointers.forEach { free($0) } }
                let params = pointers.map { $0.map { UnsafePointer<CChar>($0) } }
                result = PQexecParams(conn, SQLDialect.postgres.placeholders(sql), Int32(texts.count), nil, params, nil, nil, 0)
            }
            guard let result else { throw PostgresError(sqlState: "08006", message: PostgresDatabase.message(conn)) }
            let status = PQresultStatus(result)
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
                let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "?????"
                let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
                PQclear(result)
                throw PostgresError(sqlState: state, message: message)
            }
            return result
        }

        /// Parameters go as text; the server infers their types from the statement.
        static func encode(_ value: SQLValue) -> String? {
            switch value {
            case .null: return nil
            case .integer(let i): return String(i)
            case .real(let d):
                if d.isNaN { return "NaN" }
                if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
                return "\(d)"
            case .text(let s): return s
            case .blob(let b): return "\\x" + b.map { String(format: "%02x", $0) }.joined()
            }
        }

        /// Text results by column type (OIDs of the built-in types; `bytea` as `\x` hex).
        static func decode(_ text: String, type: Oid) -> SQLValue {
            switch type {
            case 16: return .integer(text == "t" ? 1 : 0)
            case 20, 21, 23, 26: return Int64(text).map(SQLValue.integer) ?? .text(text)
            case 700, 701, 1700: return Double(text).map(SQLValue.real) ?? .text(text)
            case 17:
                let hex = Array(text.utf8.dropFirst(2))
                var bytes: [UInt8] = []
                bytes.reserveCapacity(hex.count / 2)
                var i = 0
                while i + 1 < hex.count {
                    guard let b = UInt8(String(decoding: hex[i...i + 1], as: UTF8.self), radix: 16) else { break }
                    bytes.append(b)
                    i += 2
                }
                return .blob(bytes)
            default: return .text(text)
            }
        }
    }
}
