import Foundation
import KGateCore

/// Who holds a claim: `host:pid:nonce`, so a claim of a process that is gone on
/// this host can be taken over before it expires (the list bot and nightly runners).
public enum ClaimOwner {
    public static func make() -> String {
        "\(hostName()):\(getpid()):\(UUID().uuidString.prefix(8))"
    }

    /// An owner on this host whose process is gone.
    public static func isGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count == 3, String(parts[0]) == hostName(), let pid = pid_t(parts[1]) else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// One night of one tree and pipeline: the last good revision and the head compared with it.
public struct NightKey: Sendable, Hashable {
    public var tree: String
    public var pipeline: String
    /// "" on the first night (no baseline yet).
    public var base: String
    public var head: String
    public init(tree: String, pipeline: String, base: String, head: String) {
        self.tree = tree; self.pipeline = pipeline; self.base = base; self.head = head
    }
}

public enum NightClaim: Sendable, Equatable {
    case claimed
    /// Another runner holds the night (checking it, or done: `run` is its run).
    case heldBy(owner: String, run: Int64?)
}

/// Nightly claims (docs/DESIGN.md, "The results store"): two nightly runners of the
/// same tree and pipeline on one store never check, and so never bisect, the same
/// night. A claim expires (`ttl`), is taken over when its owner is gone, is kept for
/// good once the night's run finished, and is dropped when the run failed on a fault.
extension ResultStore {
    public func claimNight(_ key: NightKey, owner: String, ttl: Double, now: Date = Date(),
                           isStale: (String) -> Bool = ClaimOwner.isGone) throws -> NightClaim {
        try writeClaim { db in
            let args: [(any SQLBindable)?] = [key.tree, key.pipeline, key.base, key.head]
            let inserted = try db.execute("""
                INSERT INTO nightly_claims (tree, pipeline, base_revision, head_revision, owner, expires)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, args + [owner, now.timeIntervalSince1970 + ttl])
            if inserted > 0 { return .claimed }
            guard let row = try db.row("""
                SELECT owner, run_id, expires FROM nightly_claims
                WHERE tree = ? AND pipeline = ? AND base_revision = ? AND head_revision = ?\(db.dialect.forUpdate())
                """, args) else { return .heldBy(owner: "unknown", run: nil) }
            let holder: String = try row["owner"], expires: Double = try row["expires"], run: Int64? = try row["run_id"]
            if run == nil && (holder == owner || expires <= now.timeIntervalSince1970 || isStale(holder)) {
                try db.execute("""
                    UPDATE nightly_claims SET owner = ?, expires = ?
                    WHERE tree = ? AND pipeline = ? AND base_revision = ? AND head_revision = ?
                    """, [owner, now.timeIntervalSince1970 + ttl] + args)
                return .claimed
            }
            return .heldBy(owner: holder, run: run)
        }
    }

    /// The night is done: its run is kept with the claim, which no longer expires.
    public func finishNight(_ key: NightKey, owner: String, run: Int64) throws {
        try write { db in
            try db.execute("""
                UPDATE nightly_claims SET run_id = ?, expires = ?
                WHERE tree = ? AND pipeline = ? AND base_revision = ? AND head_revision = ? AND owner = ?
                """, [run, Double.greatestFiniteMagnitude, key.tree, key.pipeline, key.base, key.head, owner])
        }
    }

    /// The run failed on a fault: another runner may check the night.
    public func releaseNight(_ key: NightKey, owner: String) throws {
        try write { db in
            try db.execute("""
                DELETE FROM nightly_claims
                WHERE tree = ? AND pipeline = ? AND base_revision = ? AND head_revision = ? AND owner = ? AND run_id IS NULL
                """, [key.tree, key.pipeline, key.base, key.head, owner])
        }
    }
}
