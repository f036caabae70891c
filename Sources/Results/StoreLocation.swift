import Foundation
import KGateCore

/// Where the results live: `--store URL`, else `$KGATE_STORE`, else the SQLite file
/// in the cache. `postgres://user@host[:port]/db[?sslmode=…]` (or `postgresql://`)
/// names a PostgreSQL store; anything else is a SQLite path.
public struct StoreLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Backend: Sendable, Equatable {
        case sqlite(path: String)
        /// `conninfo` goes to libpq only: it may hold a password and is never printed.
        case postgres(conninfo: String)
    }

    public let backend: Backend
    /// What kgate prints: the path, or `postgres://user@host[:port]/db` (no password, no options).
    public let redacted: String
    /// The URL carried a password: accepted, but it belongs in PGPASSWORD or ~/.pgpass.
    public let hadPassword: Bool

    public var description: String { redacted }

    public static func sqlite(_ url: URL) -> StoreLocation {
        StoreLocation(backend: .sqlite(path: url.path), redacted: url.path, hadPassword: false)
    }

    /// `option` (`--store`), else `KGATE_STORE`, else `fallback` (the cache's SQLite file).
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               fallback: URL) throws -> StoreLocation {
        if let option, !option.isEmpty { return try parse(option) }
        if let env = environment["KGATE_STORE"], !env.isEmpty { return try parse(env) }
        return sqlite(fallback)
    }

    public static func parse(_ text: String) throws -> StoreLocation {
        guard text.count <= 4096, !text.contains("\0"), !text.contains("\n") else {
            throw KGateError.usage("the store location is not a path or a postgres:// URL", fix: "pass --store postgres://user@host/db or a file path")
        }
        let lower = text.lowercased()
        guard lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") else {
            return sqlite(URL(fileURLWithPath: text))
        }
        guard let parts = URLComponents(string: text) else {
            throw KGateError.usage("the store URL cannot be read", location: redactedFallback(text),
                                   fix: "write it as postgres://user@host[:port]/database[?sslmode=require]")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        guard !database.isEmpty, !database.contains("/") else {
            throw KGateError.usage("the store URL names no database", location: redactedFallback(text),
                                   fix: "write it as postgres://user@host[:port]/database")
        }
        var shown = "postgres://"
        if let user = parts.percentEncodedUser { shown += user + "@" }
        shown += parts.percentEncodedHost ?? ""
        if let port = parts.port { shown += ":\(port)" }
        shown += "/" + database
        let passwordInQuery = parts.queryItems?.contains { $0.name.lowercased() == "password" } ?? false
        return StoreLocation(backend: .postgres(conninfo: text), redacted: shown,
                             hadPassword: parts.password != nil || passwordInQuery)
    }

    /// For a URL that does not parse: the scheme and nothing else.
    private static func redactedFallback(_ text: String) -> String {
        (text.split(separator: ":").first.map(String.init) ?? "postgres") + "://…"
    }
}
