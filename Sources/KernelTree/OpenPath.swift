import CLibGit2
import Foundation
import KGateCore

extension TreeStore {
    /// Opens the clone at `path` without registering it (used by
    /// `kgate bisect-step`, which runs inside the user's own clone).
    public func open(path: URL) throws -> KernelRepository {
        let standardized = path.standardizedFileURL.resolvingSymlinksInPath()
        let id = Digest.sha256Hex(standardized.path).prefix(12)
        return try KernelRepository(info: TreeInfo(name: "clone-\(id)", path: standardized.path, kind: .external, source: nil))
    }
}

extension KernelRepository {
    /// The tree id of the working directory as it is on disk: tracked and
    /// untracked files (ignore rules honoured), deletions dropped. Computed on
    /// the repository's index in memory; the index file is never written, so
    /// the user's staging area is untouched. Needs a non-bare clone.
    public func workingTreeOID() throws -> String {
        try locked {
            var raw: OpaquePointer?
            try Git.check(git_repository_index(&raw, repo.pointer), "cannot read the index", location: info.path)
            guard let raw else { throw KGateError.infrastructure("libgit2 returned no index", location: info.path) }
            let index = GitHandle(raw, free: { git_index_free($0) })
            try Git.check(git_index_read(index.pointer, 1), "cannot read the index", location: info.path)
            var all = git_strarray()
            try Git.check(git_index_add_all(index.pointer, &all, GIT_INDEX_ADD_DEFAULT.rawValue, nil, nil),
                          "cannot add the working directory to an in-memory index", location: info.path)
            try Git.check(git_index_update_all(index.pointer, &all, nil, nil),
                          "cannot drop deleted files from the in-memory index", location: info.path)
            var oid = git_oid()
            try Git.check(git_index_write_tree(&oid, index.pointer), "cannot write the working tree's tree",
                          location: info.path)
            return oid.hex
        }
    }
}
