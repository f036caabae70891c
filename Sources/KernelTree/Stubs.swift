import Foundation
import KGateCore

// PLACEHOLDER bodies for the KernelTree contract: the tree work (issue 2)
// replaces this file with the libgit2 implementation, keeping these signatures.

/// The registry of trees under the cache (`trees/registry.json`).
public final class TreeStore: @unchecked Sendable {
    public let paths: CachePaths

    public init(paths: CachePaths) { self.paths = paths }

    /// All registered trees.
    public func list() throws -> [TreeInfo] { throw placeholder() }

    /// The registered tree `name`, or nil.
    public func info(_ name: String) throws -> TreeInfo? { throw placeholder() }

    /// Imports a source tarball (`.tar`, `.tar.xz`, `.tar.gz`) or a directory into
    /// `trees/<name>.git` as one commit, adding every file with force.
    @discardableResult
    public func importSource(_ source: URL, name: String, console: Console = .shared) throws -> TreeInfo {
        throw placeholder()
    }

    /// Registers a user's existing clone without copying it.
    @discardableResult
    public func add(path: URL, name: String) throws -> TreeInfo { throw placeholder() }

    /// Opens a registered tree.
    public func open(_ name: String) throws -> KernelRepository { throw placeholder() }
}

/// One libgit2 repository (owns its `git_repository*`).
public final class KernelRepository: @unchecked Sendable {
    public let info: TreeInfo

    init(info: TreeInfo) { self.info = info }

    /// Resolves a branch, tag, full or short id, `HEAD~3`, … to a commit id.
    public func resolve(_ revision: String) throws -> String { throw placeholder() }

    /// The commit's metadata.
    public func commit(_ revision: String) throws -> CommitInfo { throw placeholder() }

    /// The commits of `good..bad`, oldest first (bad included, good excluded).
    public func range(good: String, bad: String, firstParent: Bool) throws -> [CommitInfo] { throw placeholder() }

    /// Paths the commit changes against its first parent.
    public func changedFiles(_ revision: String) throws -> [String] { throw placeholder() }

    /// The commit's diff against its first parent, as unified diff text.
    public func diff(_ revision: String) throws -> String { throw placeholder() }

    /// Applies each patch am-style on `base`, one commit per patch, and points
    /// `refs/kgate/<refName>` at the last. Branches, HEAD and the index are
    /// untouched. Returns the new commit ids in order. A patch that does not
    /// apply throws a `.patch` error naming it, the file and the hunk, and
    /// leaves the repository as it was.
    public func apply(_ patches: [PatchToApply], onto base: String, refName: String) throws -> [String] {
        throw placeholder()
    }

    /// Reverts `commit` on top of `onto`; returns the new commit id under `refs/kgate/<refName>`.
    public func revert(_ commit: String, onto: String, refName: String) throws -> String { throw placeholder() }

    /// Checks `revision` out into the tree's persistent worktree, writing only
    /// files that differ from what is there; holds the worktree lock until released.
    public func checkout(_ revision: String, paths: CachePaths, lockTimeout: Double? = nil) throws -> Worktree {
        throw placeholder()
    }
}

private func placeholder() -> KGateError {
    KGateError.infrastructure("KernelTree is not implemented yet")
}
