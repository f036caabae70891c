import CLibGit2
import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes a directory into a new bare repository as one commit, with trees
/// built by `git_treebuilder`. Objects are written loose (zlib level 1), as
/// `git add` does: measured on the Debian 6.12 tree (86,691 files) this costs
/// 48 s of CPU including extraction, where an in-memory odb (mempack) plus
/// libgit2's packbuilder cost ~140 s, because the packbuilder deflates at zlib's
/// default level 6 and offers no setting for it.
final class ImportWriter {
    struct Summary {
        var files = 0; var symlinks = 0; var bytes = 0
        /// Entries git cannot store (`.git`, special files, empty directories):
        /// when there are none, the source directory is exactly the tree.
        var skipped: [String] = []
        /// The imported tree's id (after `run`).
        var tree = ""
    }

    private(set) var summary = Summary()
    private var repo: GitHandle?
    private var odb: GitHandle?
    private let name: String
    private let console: Console
    private let path: String
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int = 1 << 20
    private var lastStatus = Date.distantPast

    init(repositoryPath: String, name: String, console: Console) throws {
        Git.ensureInitialized()
        self.name = name
        self.console = console
        self.path = repositoryPath
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var options = git_repository_init_options()
        try Git.check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)),
                      "cannot initialise repository options")
        options.flags = GIT_REPOSITORY_INIT_BARE.rawValue | GIT_REPOSITORY_INIT_MKPATH.rawValue
        let repo = try "main".withCString { head in
            options.initial_head = head
            return try Git.make("cannot create repository", location: repositoryPath, free: { git_repository_free($0) }) { out in
                git_repository_init_ext(&out, repositoryPath, &options)
            }
        }
        self.repo = repo
        let odb = try Git.make("cannot open object database", location: repositoryPath, free: { git_odb_free($0) }) { out in
            git_repository_odb(&out, repo.pointer)
        }
        self.odb = odb
    }

    deinit {
        buffer.deallocate()
    }

    /// Frees the repository now.
    func close() {
        odb = nil
        repo = nil
    }

    /// Hashes everything under `root` and commits it; returns the commit id.
    func run(root: URL, message: String) throws -> String {
        guard let repo, let odb else { throw KGateError.infrastructure("import writer already closed") }
        guard var treeID = try writeDirectory(root.path, relative: "", odb: odb.pointer, repo: repo.pointer) else {
            throw KGateError.usage("the source contains no files", location: root.path)
        }
        console.clear()
        summary.tree = treeID.hex
        let signature = try GitSignature.kgate(time: ImportCommit.time)
        let tree = try Git.make("cannot read imported tree", free: { git_tree_free($0) }) { out in
            git_tree_lookup(&out, repo.pointer, &treeID)
        }
        var commitID = git_oid()
        try Git.check(git_commit_create(&commitID, repo.pointer, nil, signature.pointer, signature.pointer, nil,
                                        message + "\n", tree.pointer, 0, nil),
                      "cannot create import commit", location: path)
        var ref: OpaquePointer?
        try Git.check(git_reference_create(&ref, repo.pointer, ImportCommit.branch, &commitID, 1, message),
                      "cannot create \(ImportCommit.branch)", location: path)
        git_reference_free(ref)
        return commitID.hex
    }

    private func progress() {
        let now = Date()
        guard now.timeIntervalSince(lastStatus) >= 0.2 else { return }
        lastStatus = now
        console.status(String(format: "tree %@: hashed %d files (%.0f MB)", name, summary.files + summary.symlinks,
                              Double(summary.bytes) / 1e6), key: "hash-\(summary.files / 20000)")
    }

    /// Writes one directory's tree (recursively); nil when it holds nothing git can store.
    private func writeDirectory(_ dir: String, relative: String, odb: OpaquePointer, repo: OpaquePointer) throws -> git_oid? {
        guard let handle = opendir(dir) else {
            throw KGateError.infrastructure("cannot read directory: \(String(cString: strerror(errno)))", location: dir)
        }
        var names: [String] = []
        while let entry = readdir(handle) {
            let entryName = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if entryName == "." || entryName == ".." { continue }
            names.append(entryName)
        }
        closedir(handle)

        let builder = try Git.make("cannot create tree builder", free: { git_treebuilder_free($0) }) { out in
            git_treebuilder_new(&out, repo, nil)
        }
        var count = 0
        for entryName in names {
            let full = dir + "/" + entryName
            let rel = relative.isEmpty ? entryName : relative + "/" + entryName
            if entryName == ".git" { summary.skipped.append(rel); continue }
            var st = stat()
            guard lstat(full, &st) == 0 else {
                throw KGateError.infrastructure("cannot stat: \(String(cString: strerror(errno)))", location: full)
            }
            var oid = git_oid()
            let mode: git_filemode_t
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                try hashFile(full, size: Int(st.st_size), into: &oid, odb: odb)
                mode = (st.st_mode & 0o111) != 0 ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB
                summary.files += 1
            case S_IFLNK:
                try hashLink(full, into: &oid, odb: odb)
                mode = GIT_FILEMODE_LINK
                summary.symlinks += 1
            case S_IFDIR:
                guard let sub = try writeDirectory(full, relative: rel, odb: odb, repo: repo) else { continue }
                oid = sub
                mode = GIT_FILEMODE_TREE
            default:
                summary.skipped.append(rel)
                continue
            }
            try Git.check(git_treebuilder_insert(nil, builder.pointer, entryName, &oid, mode),
                          "cannot add '\(rel)' to its tree")
            count += 1
            progress()
        }
        guard count > 0 else { summary.skipped.append(relative); return nil }
        var treeID = git_oid()
        try Git.check(git_treebuilder_write(&treeID, builder.pointer), "cannot write tree for '\(relative)'")
        return treeID
    }

    private func hashFile(_ file: String, size: Int, into oid: inout git_oid, odb: OpaquePointer) throws {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw KGateError.infrastructure("cannot open: \(String(cString: strerror(errno)))", location: file)
        }
        defer { Glibc.close(fd) }
        if size + 1 > capacity {
            buffer.deallocate()
            capacity = max(size + 1, capacity * 2)
            buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        }
        var total = 0
        while true {
            if total == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: total)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(fd, buffer + total, capacity - total)
            if n < 0 {
                if errno == EINTR { continue }
                throw KGateError.infrastructure("cannot read: \(String(cString: strerror(errno)))", location: file)
            }
            if n == 0 { break }
            total += n
        }
        try Git.check(git_odb_write(&oid, odb, buffer, total, GIT_OBJECT_BLOB), "cannot store blob", location: file)
        summary.bytes += total
    }

    private func hashLink(_ link: String, into oid: inout git_oid, odb: OpaquePointer) throws {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(link, &target, Int(PATH_MAX))
        guard n >= 0 else {
            throw KGateError.infrastructure("cannot read symlink: \(String(cString: strerror(errno)))", location: link)
        }
        try Git.check(git_odb_write(&oid, odb, target, n, GIT_OBJECT_BLOB), "cannot store symlink", location: link)
    }
}
