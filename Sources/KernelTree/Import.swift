import CLibGit2
import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// The fixed identity and date of import commits: the same source gives the same commit id.
enum ImportCommit {
    static let time: Int64 = 1_700_000_000
    static let branch = "refs/heads/main"
}

extension TreeStore {
    /// Imports a source tarball (`.tar`, `.tar.xz`, `.tar.gz`) or a directory into
    /// `trees/<name>.git` as one commit, adding every file with force (ignore rules
    /// do not apply). Idempotent: the same source under an existing name returns
    /// the registered tree; a different source under that name is a usage error.
    @discardableResult
    public func importSource(_ source: URL, name: String, console: Console = .shared) throws -> TreeInfo {
        try Self.validateName(name)
        let src = source.standardizedFileURL.resolvingSymlinksInPath()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: src.path, isDirectory: &isDirectory) else {
            throw KGateError.usage("tree source does not exist", location: src.path,
                                   fix: "pass a kernel source tarball (.tar.xz, .tar.gz, .tar) or directory")
        }
        if let done = try finishedImport(name, source: src.path) { return done }
        let lock = try FileLock.acquire(paths.locks.appendingPathComponent("tree-\(name).lock"),
                                        purpose: "import of tree '\(name)'", timeout: 3600)
        defer { lock.release() }
        // Another run may have finished the import while we waited.
        if let done = try finishedImport(name, source: src.path) { return done }

        let start = Date()
        try CachePaths.ensureDirectory(paths.trees)
        let staging = paths.trees.appendingPathComponent(".import-\(name)-\(getpid())")
        removeTree(staging)
        try CachePaths.ensureDirectory(staging)
        let stagingToken = Supervisor.registerTemporary(staging)
        defer { removeTree(staging); Supervisor.release(stagingToken) }

        var extraction: URL?
        var scratchToken: UInt64?
        defer {
            if let extraction { removeTree(extraction) }
            if let scratchToken { Supervisor.release(scratchToken) }
        }
        let root: URL
        if isDirectory.boolValue {
            root = src
        } else {
            // Beside the worktrees: the unpacked tree becomes the tree's worktree (`adoptWorktree`).
            try CachePaths.ensureDirectory(paths.worktrees)
            let scratch = paths.worktrees.appendingPathComponent(".import-\(name)-\(getpid())")
            removeTree(scratch)
            try CachePaths.ensureDirectory(scratch)
            extraction = scratch
            scratchToken = Supervisor.registerTemporary(scratch)
            root = try extract(src, into: scratch, name: name, console: console)
        }
        let temporaryRepo = staging.appendingPathComponent("repo.git")
        let writer = try ImportWriter(repositoryPath: temporaryRepo.path, name: name, console: console)
        let commit = try writer.run(root: root, message: "Import \(src.lastPathComponent)")
        let stats = writer.summary
        writer.close()

        let final = paths.trees.appendingPathComponent("\(name).git")
        if FileManager.default.fileExists(atPath: final.path) {
            // A leftover of an interrupted import (not registered): replace it.
            try? FileManager.default.removeItem(at: final)
        }
        do {
            try FileManager.default.moveItem(at: temporaryRepo, to: final)
        } catch {
            throw KGateError.infrastructure("cannot move the imported repository into place: \(error.localizedDescription)",
                                            location: final.path, cause: error)
        }
        let info = TreeInfo(name: name, path: final.path, kind: .imported, source: src.path)
        try register(info)
        if extraction != nil, stats.skipped.isEmpty { adoptWorktree(root, name: name, commit: commit, tree: stats.tree) }
        console.line(String(format: "tree %@: imported %d files (%.0f MB) from %@ in %.1f s, commit %@",
                            name, stats.files, Double(stats.bytes) / 1e6, src.lastPathComponent,
                            Date().timeIntervalSince(start), commit))
        return info
    }

    /// The unpacked tarball becomes the tree's persistent worktree, at the
    /// import commit, instead of being removed while the first build writes the
    /// same 86k files again from the object database (`checkout`: 14 s for the
    /// Debian 6.12 tree). Only when the unpacked directory is exactly the tree
    /// (nothing skipped) and no worktree of that name exists; the files keep the
    /// time tar wrote them (`-m`), so no object directory can look newer than a
    /// source file it was not built from. Best effort: on any failure the
    /// directory is removed as before and the first checkout writes the worktree.
    private func adoptWorktree(_ root: URL, name: String, commit: String, tree: String) {
        let dir = paths.worktree(named: name)
        let stateURL = WorktreeState.url(paths, tree: name)
        guard let lock = try? WorktreeState.lock(paths, tree: name, timeout: 0) else { return }
        defer { lock.release() }
        let fm = FileManager.default
        guard !fm.fileExists(atPath: dir.path), !fm.fileExists(atPath: stateURL.path),
              (try? fm.moveItem(at: root, to: dir)) != nil else { return }
        do {
            try JSONEncoder().encode(WorktreeState(commit: commit, tree: tree)).write(to: stateURL, options: .atomic)
        } catch {
            removeTree(dir) // no state: the first checkout would remove it anyway
        }
    }

    /// Removes a scratch directory of ~86k files (`rm -rf` is several times
    /// faster than FileManager's recursive removal).
    private func removeTree(_ url: URL) {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        if (try? ProcessRunner.run("rm", ["-rf", "--one-file-system", url.path], timeout: 1800))?.succeeded != true {
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// The registered import of `source` under `name`, nil when it must be (re)done.
    private func finishedImport(_ name: String, source: String) throws -> TreeInfo? {
        guard let existing = try info(name) else { return nil }
        guard existing.kind == .imported, existing.source == source else {
            throw KGateError.usage(
                "a tree named '\(name)' already exists from \(existing.source ?? existing.path); it is not \(source)",
                location: paths.treeRegistry.path, fix: "choose another --name for this source")
        }
        let head = URL(fileURLWithPath: existing.path).appendingPathComponent("HEAD")
        return FileManager.default.fileExists(atPath: head.path) ? existing : nil
    }

    /// Extracts a tarball with `tar` and returns the top directory to import
    /// (the tarball's single top-level directory is stripped).
    private func extract(_ tarball: URL, into staging: URL, name: String, console: Console) throws -> URL {
        let target = staging.appendingPathComponent("src")
        try CachePaths.ensureDirectory(target)
        let result = try ProcessRunner.run("tar", ["-xmf", tarball.path, "-C", target.path, "--no-same-owner"],
                                           timeout: 3600) { elapsed in
            console.status("tree \(name): extracting \(tarball.lastPathComponent) \(formatElapsed(elapsed))",
                           key: "extract")
        }
        guard result.succeeded else {
            throw KGateError(.input, "cannot extract \(tarball.lastPathComponent) (tar exit \(result.exitCode))",
                             location: tarball.path, fix: "check that the file is a complete .tar/.tar.xz/.tar.gz",
                             excerpt: String(result.stderr.suffix(2000)))
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: target.path)
        if entries.count == 1 {
            let only = target.appendingPathComponent(entries[0])
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: only.path, isDirectory: &isDir), isDir.boolValue,
               (try? FileManager.default.destinationOfSymbolicLink(atPath: only.path)) == nil {
                return only
            }
        }
        return target
    }
}
