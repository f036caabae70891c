import Foundation
import KGateCore

// The KernelTree value types. TreeStore (TreeStore.swift, Import.swift) and
// KernelRepository (Repository.swift, Apply.swift, Revert.swift, Checkout.swift)
// implement the operations on them with libgit2.

/// One registered tree.
public struct TreeInfo: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case imported, external }
    public var name: String
    /// The repository path (`trees/<name>.git` for imported, the user's clone for external).
    public var path: String
    public var kind: Kind
    /// Where the tree came from (tarball or directory) for imported trees.
    public var source: String?

    public init(name: String, path: String, kind: Kind, source: String?) {
        self.name = name; self.path = path; self.kind = kind; self.source = source
    }
}

/// A commit's identity and message summary.
public struct CommitInfo: Codable, Sendable, Equatable {
    public var oid: String
    public var treeOID: String
    public var subject: String
    public var message: String
    public var authorName: String
    public var authorEmail: String
    public var date: Date
    public var parents: [String]

    public init(oid: String, treeOID: String, subject: String, message: String, authorName: String,
                authorEmail: String, date: Date, parents: [String]) {
        self.oid = oid; self.treeOID = treeOID; self.subject = subject; self.message = message
        self.authorName = authorName; self.authorEmail = authorEmail; self.date = date; self.parents = parents
    }
}

/// What a checkout changed.
public struct CheckoutStats: Sendable, Equatable {
    public var filesWritten: Int
    public var filesRemoved: Int
    public var seconds: Double
    public init(filesWritten: Int, filesRemoved: Int, seconds: Double) {
        self.filesWritten = filesWritten; self.filesRemoved = filesRemoved; self.seconds = seconds
    }
}

/// A checked-out worktree, locked for as long as the value lives.
public final class Worktree: Sendable {
    public let url: URL
    public let commit: String
    public let treeOID: String
    public let stats: CheckoutStats
    private let lock: FileLock

    public init(url: URL, commit: String, treeOID: String, stats: CheckoutStats, lock: FileLock) {
        self.url = url; self.commit = commit; self.treeOID = treeOID; self.stats = stats; self.lock = lock
    }

    public func release() { lock.release() }
}
