import CLibGit2
import Foundation
import KGateCore

/// One libgit2 repository (owns its `git_repository*`). Calls are serialised:
/// a libgit2 repository must not be used from two threads at once.
public final class KernelRepository: @unchecked Sendable {
    public let info: TreeInfo
    let repo: GitHandle
    let serial = NSRecursiveLock()

    init(info: TreeInfo) throws {
        Git.ensureInitialized()
        self.info = info
        repo = try Git.make("cannot open git repository", location: info.path,
                            free: { git_repository_free($0) }) { out in
            git_repository_open_ext(&out, info.path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        }
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        serial.lock(); defer { serial.unlock() }
        return try body()
    }

    // MARK: resolution

    /// Resolves a branch, tag, full or short id, `HEAD~3`, … to a commit id.
    public func resolve(_ revision: String) throws -> String {
        try locked { try resolveOID(revision).hex }
    }

    func resolveOID(_ revision: String) throws -> git_oid {
        let rev = revision.trimmingCharacters(in: .whitespaces)
        guard !rev.isEmpty, rev.utf8.count <= 1024, !rev.contains("\0") else {
            throw KGateError.usage("invalid revision '\(revision.prefix(80))'", location: info.name)
        }
        let object: GitHandle
        do {
            object = try Git.make("cannot resolve revision '\(rev)'", location: "tree \(info.name) (\(info.path))",
                                  free: { git_object_free($0) }) { out in
                git_revparse_single(&out, repo.pointer, rev)
            }
        } catch let error as KGateError where (error.cause as? GitFailure)?.nameDoesNotResolve == true {
            // The name is the user's; a libgit2 failure of any other kind stays the host's.
            throw KGateError.usage(error.what, location: error.location,
                                   fix: "use a branch, tag, commit id or HEAD~N that exists in tree '\(info.name)'",
                                   cause: error.cause)
        }
        let commit = try Git.make("'\(rev)' does not name a commit", location: "tree \(info.name)",
                                  free: { git_object_free($0) }) { out in
            git_object_peel(&out, object.pointer, GIT_OBJECT_COMMIT)
        }
        guard let id = git_object_id(commit.pointer) else {
            throw KGateError.infrastructure("git_object_id returned nothing for '\(rev)'")
        }
        return id.pointee
    }

    func lookupCommit(_ oid: git_oid) throws -> GitHandle {
        var id = oid
        return try Git.make("cannot read commit \(oid.hex)", location: info.path, free: { git_commit_free($0) }) { out in
            git_commit_lookup(&out, repo.pointer, &id)
        }
    }

    func lookupTree(_ oid: git_oid) throws -> GitHandle {
        var id = oid
        return try Git.make("cannot read tree \(oid.hex)", location: info.path, free: { git_tree_free($0) }) { out in
            git_tree_lookup(&out, repo.pointer, &id)
        }
    }

    func commitTree(_ commit: GitHandle) throws -> GitHandle {
        try Git.make("cannot read the tree of a commit", location: info.path, free: { git_tree_free($0) }) { out in
            git_commit_tree(&out, commit.pointer)
        }
    }

    /// The first parent's tree, or nil for a root commit.
    func firstParentTree(_ commit: GitHandle) throws -> GitHandle? {
        guard git_commit_parentcount(commit.pointer) > 0 else { return nil }
        let parent = try Git.make("cannot read first parent", location: info.path, free: { git_commit_free($0) }) { out in
            git_commit_parent(&out, commit.pointer, 0)
        }
        return try commitTree(parent)
    }

    // MARK: metadata

    /// The commit's metadata.
    public func commit(_ revision: String) throws -> CommitInfo {
        try locked { try commitInfo(lookupCommit(resolveOID(revision))) }
    }

    func commitInfo(_ commit: GitHandle) throws -> CommitInfo {
        let c = commit.pointer
        guard let id = git_commit_id(c), let treeID = git_commit_tree_id(c) else {
            throw KGateError.infrastructure("commit without id or tree", location: info.path)
        }
        let message = git_commit_message(c).map { String(cString: $0) } ?? ""
        let subject = git_commit_summary(c).map { String(cString: $0) } ?? ""
        var name = "", email = "", time: Int64 = 0
        if let author = git_commit_author(c) {
            name = author.pointee.name.map { String(cString: $0) } ?? ""
            email = author.pointee.email.map { String(cString: $0) } ?? ""
            time = Int64(author.pointee.when.time)
        }
        var parents: [String] = []
        for i in 0..<git_commit_parentcount(c) {
            if let p = git_commit_parent_id(c, i) { parents.append(p.pointee.hex) }
        }
        return CommitInfo(oid: id.pointee.hex, treeOID: treeID.pointee.hex, subject: subject, message: message,
                          authorName: name, authorEmail: email,
                          date: Date(timeIntervalSince1970: TimeInterval(time)), parents: parents)
    }

    /// The commits of `good..bad`, oldest first (bad included, good excluded).
    public func range(good: String, bad: String, firstParent: Bool) throws -> [CommitInfo] {
        try locked {
            var goodID = try resolveOID(good)
            var badID = try resolveOID(bad)
            let walk = try Git.make("cannot create revision walker", free: { git_revwalk_free($0) }) { out in
                git_revwalk_new(&out, repo.pointer)
            }
            try Git.check(git_revwalk_sorting(walk.pointer, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue),
                          "cannot sort revision walk")
            if firstParent {
                try Git.check(git_revwalk_simplify_first_parent(walk.pointer), "cannot set first-parent walk")
            }
            try Git.check(git_revwalk_push(walk.pointer, &badID), "cannot walk from \(bad)")
            try Git.check(git_revwalk_hide(walk.pointer, &goodID), "cannot hide \(good)")
            var result: [CommitInfo] = []
            var next = git_oid()
            while true {
                let rc = git_revwalk_next(&next, walk.pointer)
                if rc == GIT_ITEROVER.rawValue { break }
                try Git.check(rc, "revision walk \(good)..\(bad) failed", location: info.path)
                result.append(try commitInfo(lookupCommit(next)))
            }
            return result
        }
    }

    // MARK: diffs

    func diffAgainstFirstParent(_ revision: String) throws -> GitHandle {
        let commit = try lookupCommit(resolveOID(revision))
        let newTree = try commitTree(commit)
        let oldTree = try firstParentTree(commit)
        return try Git.make("cannot diff \(revision) against its parent", location: info.path,
                            free: { git_diff_free($0) }) { out in
            git_diff_tree_to_tree(&out, repo.pointer, oldTree?.pointer, newTree.pointer, nil)
        }
    }

    /// Paths the commit changes against its first parent (old and new names), sorted.
    public func changedFiles(_ revision: String) throws -> [String] {
        try locked {
            let diff = try diffAgainstFirstParent(revision)
            var paths = Set<String>()
            for i in 0..<git_diff_num_deltas(diff.pointer) {
                guard let delta = git_diff_get_delta(diff.pointer, i) else { continue }
                if let p = delta.pointee.old_file.path { paths.insert(String(cString: p)) }
                if let p = delta.pointee.new_file.path { paths.insert(String(cString: p)) }
            }
            return paths.sorted()
        }
    }

    /// The commit's diff against its first parent, as unified diff text.
    public func diff(_ revision: String) throws -> String {
        try locked {
            let diff = try diffAgainstFirstParent(revision)
            let data = try withGitBuf("cannot format diff of \(revision)") { buf in
                git_diff_to_buf(&buf, diff.pointer, GIT_DIFF_FORMAT_PATCH)
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The diff between two revisions' trees, as unified diff text.
    public func diff(from old: String, to new: String) throws -> String {
        try locked {
            let oldTree = try commitTree(lookupCommit(resolveOID(old)))
            let newTree = try commitTree(lookupCommit(resolveOID(new)))
            let diff = try Git.make("cannot diff \(old) against \(new)", location: info.path,
                                    free: { git_diff_free($0) }) { out in
                git_diff_tree_to_tree(&out, repo.pointer, oldTree.pointer, newTree.pointer, nil)
            }
            let data = try withGitBuf("cannot format diff \(old)..\(new)") { buf in
                git_diff_to_buf(&buf, diff.pointer, GIT_DIFF_FORMAT_PATCH)
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The bytes of `path` at `revision` (nil when the path does not exist there).
    public func fileContent(_ revision: String, path: String) throws -> Data? {
        try locked {
            let tree = try commitTree(lookupCommit(resolveOID(revision)))
            var entry: OpaquePointer?
            let rc = git_tree_entry_bypath(&entry, tree.pointer, path)
            if rc == GIT_ENOTFOUND.rawValue { return nil }
            try Git.check(rc, "cannot look up \(path) at \(revision)")
            guard let entry else { return nil }
            defer { git_tree_entry_free(entry) }
            guard let id = git_tree_entry_id(entry) else { return nil }
            return try blobData(id.pointee)
        }
    }

    func blobData(_ oid: git_oid) throws -> Data {
        var id = oid
        let blob = try Git.make("cannot read blob \(oid.hex)", location: info.path, free: { git_blob_free($0) }) { out in
            git_blob_lookup(&out, repo.pointer, &id)
        }
        let size = Int(git_blob_rawsize(blob.pointer))
        guard size > 0, let raw = git_blob_rawcontent(blob.pointer) else { return Data() }
        return Data(bytes: raw, count: size)
    }

    // MARK: writing commits and refs

    /// Creates a commit object (no ref moves); returns its id.
    func createCommit(tree treeID: git_oid, parents: [git_oid], message: String,
                      author: GitSignature, committer: GitSignature) throws -> git_oid {
        let tree = try lookupTree(treeID)
        let parentHandles = try parents.map { try lookupCommit($0) }
        var parentPointers: [OpaquePointer?] = parentHandles.map { $0.pointer }
        var out = git_oid()
        let body = message.hasSuffix("\n") ? message : message + "\n"
        let rc = parentPointers.withUnsafeMutableBufferPointer { buf in
            git_commit_create(&out, repo.pointer, nil, author.pointer, committer.pointer, nil, body,
                              tree.pointer, buf.count, buf.baseAddress)
        }
        try Git.check(rc, "cannot create commit", location: info.path)
        return out
    }

    /// Points `refName` (a full ref name) at `oid`, creating or moving it.
    func setReference(_ refName: String, to oid: git_oid, log: String) throws {
        var id = oid
        var ref: OpaquePointer?
        try Git.check(git_reference_create(&ref, repo.pointer, refName, &id, 1, log),
                      "cannot update \(refName)", location: info.path)
        git_reference_free(ref)
    }
}

extension KernelRepository {
    /// The head commit id of a registered tree (nil when its HEAD is unborn).
    public static func openHead(_ info: TreeInfo) throws -> String? {
        let repository = try KernelRepository(info: info)
        return try? repository.resolve("HEAD")
    }
}

extension KernelRepository {
    /// Creates a commit with the tree of `treeOf` and the given parents (no ref
    /// moves), authored by kgate at `time`. Used to build merges and fixtures.
    func createCommit(treeOf revision: String, parents: [String], message: String, time: Int64) throws -> String {
        try locked {
            let commit = try lookupCommit(resolveOID(revision))
            guard let treeID = git_commit_tree_id(commit.pointer)?.pointee else {
                throw KGateError.infrastructure("commit without tree", location: revision)
            }
            let signature = try GitSignature.kgate(time: time)
            return try createCommit(tree: treeID, parents: parents.map { try resolveOID($0) }, message: message,
                                    author: signature, committer: signature).hex
        }
    }

    /// Points a full ref name at `revision`.
    func setReference(_ refName: String, to revision: String) throws {
        try locked { try setReference(refName, to: resolveOID(revision), log: "kgate: set \(refName)") }
    }
}
