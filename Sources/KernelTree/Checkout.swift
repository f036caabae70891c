import CLibGit2
import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// What a worktree last held (`worktrees/<name>.state`). Absent while a
/// checkout is in progress, so an interrupted one is redone in full.
struct WorktreeState: Codable {
    var commit: String
    var tree: String

    /// `worktrees/<name>.state`.
    static func url(_ paths: CachePaths, tree name: String) -> URL {
        paths.worktrees.appendingPathComponent("\(name).state")
    }

    /// The lock every writer of tree `name`'s worktree holds.
    static func lock(_ paths: CachePaths, tree name: String, timeout: Double?) throws -> FileLock {
        try FileLock.acquire(paths.locks.appendingPathComponent("worktree-\(name).lock"),
                             purpose: "worktree '\(name)'", timeout: timeout)
    }
}

extension KernelRepository {
    /// Checks `revision` out into the tree's persistent worktree, writing only
    /// files that differ from what is there; holds the worktree lock until released.
    public func checkout(_ revision: String, paths: CachePaths, lockTimeout: Double? = nil) throws -> Worktree {
        let lock = try WorktreeState.lock(paths, tree: info.name, timeout: lockTimeout)
        return try locked {
            let commitID = try resolveOID(revision)
            return try checkout(tree: commitTree(lookupCommit(commitID)), label: commitID.hex, paths: paths, lock: lock)
        }
    }

    /// Checks the tree `treeOID` (which must be in this repository's object
    /// database, see `importObjects`) out into the tree's persistent worktree,
    /// writing only files that differ; `label` names it (a commit id, or a
    /// foreign clone's HEAD). Holds the worktree lock until released.
    public func checkout(treeOID: String, label: String, paths: CachePaths, lockTimeout: Double? = nil) throws -> Worktree {
        let lock = try WorktreeState.lock(paths, tree: info.name, timeout: lockTimeout)
        return try locked {
            try checkout(tree: lookupTree(Git.oid(treeOID)), label: label, paths: paths, lock: lock)
        }
    }

    private func checkout(tree newTree: GitHandle, label: String, paths: CachePaths, lock: FileLock) throws -> Worktree {
        let start = Date()
        guard let newTreeID = git_tree_id(newTree.pointer)?.pointee else {
            throw KGateError.infrastructure("tree without id", location: info.path)
        }
        let dir = paths.worktree(named: info.name)
        let stateURL = WorktreeState.url(paths, tree: info.name)
        let writer = WorktreeWriter(root: dir.path, repository: self)
        let previous = readState(stateURL)
        let oldTree = previous.flatMap { state -> GitHandle? in
            guard FileManager.default.fileExists(atPath: dir.path), let oid = try? Git.oid(state.tree) else { return nil }
            return try? lookupTree(oid)
        }
        try? FileManager.default.removeItem(at: stateURL)
        if let oldTree {
            try writer.update(from: oldTree, to: newTree)
        } else {
            if FileManager.default.fileExists(atPath: dir.path) {
                _ = try? ProcessRunner.run("rm", ["-rf", "--one-file-system", dir.path], timeout: 1800)
            }
            try CachePaths.ensureDirectory(dir)
            try writer.writeAll(newTree, prefix: "")
        }
        let state = WorktreeState(commit: label, tree: newTreeID.hex)
        do {
            try JSONEncoder().encode(state).write(to: stateURL, options: .atomic)
        } catch {
            throw KGateError.infrastructure("cannot record worktree state: \(error.localizedDescription)",
                                            location: stateURL.path, cause: error)
        }
        let stats = CheckoutStats(filesWritten: writer.written, filesRemoved: writer.removed,
                                  seconds: Date().timeIntervalSince(start))
        return Worktree(url: dir, commit: label, treeOID: newTreeID.hex, stats: stats, lock: lock)
    }

    private func readState(_ url: URL) -> WorktreeState? {
        guard let data = try? readBoundedFile(url, limit: 1 << 16, what: "worktree state") else { return nil }
        return try? JSONDecoder().decode(WorktreeState.self, from: data)
    }
}

/// Writes blobs from the object database into a worktree directory.
final class WorktreeWriter {
    let root: String
    let repository: KernelRepository
    private(set) var written = 0
    private(set) var removed = 0

    init(root: String, repository: KernelRepository) {
        self.root = root
        self.repository = repository
    }

    /// Writes every entry of `tree` (first checkout).
    func writeAll(_ tree: GitHandle, prefix: String) throws {
        for i in 0..<git_tree_entrycount(tree.pointer) {
            guard let entry = git_tree_entry_byindex(tree.pointer, i), let namePointer = git_tree_entry_name(entry),
                  let id = git_tree_entry_id(entry)?.pointee else { continue }
            let path = prefix + String(cString: namePointer)
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE:
                try makeDirectory(root + "/" + path)
                try writeAll(repository.lookupTree(id), prefix: path + "/")
            case GIT_OBJECT_BLOB:
                try writeFile(path, blob: id, mode: git_tree_entry_filemode(entry))
            default:
                continue // submodules (gitlinks) have no content here
            }
            if written % 2000 == 0 {
                Console.shared.status("checkout \(repository.info.name): \(written) files written", key: "co-\(written / 20000)")
            }
        }
    }

    /// Applies the difference between two trees: removals first, then writes.
    func update(from old: GitHandle, to new: GitHandle) throws {
        let diff = try Git.make("cannot diff worktree trees", free: { git_diff_free($0) }) { out in
            git_diff_tree_to_tree(&out, repository.repo.pointer, old.pointer, new.pointer, nil)
        }
        var writes: [(String, git_oid, git_filemode_t)] = []
        for i in 0..<git_diff_num_deltas(diff.pointer) {
            guard let delta = git_diff_get_delta(diff.pointer, i)?.pointee else { continue }
            let oldPath = delta.old_file.path.map { String(cString: $0) }
            let newPath = delta.new_file.path.map { String(cString: $0) }
            if delta.status == GIT_DELTA_DELETED || delta.status == GIT_DELTA_TYPECHANGE || delta.status == GIT_DELTA_RENAMED,
               let oldPath {
                try removeFile(oldPath)
            }
            if delta.status != GIT_DELTA_DELETED, let newPath,
               delta.new_file.mode != UInt16(GIT_FILEMODE_COMMIT.rawValue) {
                writes.append((newPath, delta.new_file.id, git_filemode_t(UInt32(delta.new_file.mode))))
            }
        }
        for (path, id, mode) in writes {
            try writeFile(path, blob: id, mode: mode)
        }
    }

    private func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw KGateError.infrastructure("cannot create directory: \(String(cString: strerror(errno)))", location: path)
        }
    }

    private func ensureParents(_ relative: String) throws {
        var current = root
        let parts = relative.split(separator: "/").dropLast()
        for part in parts {
            current += "/" + part
            var st = stat()
            if lstat(current, &st) == 0 {
                if (st.st_mode & S_IFMT) == S_IFDIR { continue }
                unlink(current) // a file where a directory must be
            }
            try makeDirectory(current)
        }
    }

    private func writeFile(_ relative: String, blob: git_oid, mode: git_filemode_t) throws {
        let full = root + "/" + relative
        try ensureParents(relative)
        var st = stat()
        if lstat(full, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR {
                _ = try? ProcessRunner.run("rm", ["-rf", "--one-file-system", full], timeout: 600)
            } else {
                unlink(full)
            }
        }
        let data = try repository.blobData(blob)
        if mode == GIT_FILEMODE_LINK {
            let target = String(decoding: data, as: UTF8.self)
            guard symlink(target, full) == 0 else {
                throw KGateError.infrastructure("cannot create symlink: \(String(cString: strerror(errno)))", location: full)
            }
        } else {
            let permissions: mode_t = mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0o755 : 0o644
            let fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
            guard fd >= 0 else {
                throw KGateError.infrastructure("cannot create file: \(String(cString: strerror(errno)))", location: full)
            }
            defer { close(fd) }
            try data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, base + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw KGateError.infrastructure("cannot write file: \(String(cString: strerror(errno)))", location: full)
                    }
                    offset += n
                }
            }
            fchmod(fd, permissions) // not subject to the umask
        }
        written += 1
    }

    private func removeFile(_ relative: String) throws {
        let full = root + "/" + relative
        if unlink(full) != 0 && errno != ENOENT {
            throw KGateError.infrastructure("cannot remove file: \(String(cString: strerror(errno)))", location: full)
        }
        removed += 1
        // Prune directories the removal left empty, up to the worktree root.
        var parts = relative.split(separator: "/").dropLast()
        while !parts.isEmpty {
            if rmdir(root + "/" + parts.joined(separator: "/")) != 0 { break }
            parts = parts.dropLast()
        }
    }
}
