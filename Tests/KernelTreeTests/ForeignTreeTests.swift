import Foundation
import KGateCore
@testable import KernelTree
import Testing
import TestSupport

/// `kgate bisect-step --tree`: a clone's working tree is imported into a kgate
/// tree and checked out into its warm worktree, writing only what differs.
@Suite(.tags(.unit)) struct ForeignTreeTests {
    @Test func aDirtyCloneIsImportedAndCheckedOutIncrementally() throws {
        let (repo, cache) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        var wt = try repo.checkout(base, paths: cache)
        wt.release()
        let readme = wt.url.appendingPathComponent("README")
        let untouched = try mtime(readme)

        let clone = try TestEnv.temporaryDirectory("foreign").appendingPathComponent("clone")
        #expect(try ProcessRunner.run("git", ["clone", "-q", repo.info.path, clone.path]).exitCode == 0)
        let foreign = try TreeStore(paths: cache).open(path: clone)
        let cleanTree = try foreign.workingTreeOID()
        #expect(cleanTree == (try repo.commit(base)).treeOID)
        #expect(try repo.importObjects(of: cleanTree, from: foreign) == 0, "a shared revision copies nothing")

        // Uncommitted edits in the clone: one file changed, one added (staged:
        // the fixture's .gitignore ignores everything untracked).
        try Data("dev edited in the clone\n".utf8).write(to: clone.appendingPathComponent("net/core/dev.c"))
        try FileManager.default.createDirectory(at: clone.appendingPathComponent("net/sched"), withIntermediateDirectories: true)
        try Data("added\n".utf8).write(to: clone.appendingPathComponent("net/sched/added.c"))
        #expect(try ProcessRunner.run("git", ["-C", clone.path, "add", "-f", "net/sched/added.c"]).exitCode == 0)
        let dirtyTree = try foreign.workingTreeOID()
        #expect(dirtyTree != cleanTree)
        #expect(throws: KGateError.self) { try repo.checkout(treeOID: dirtyTree, label: "x", paths: cache) }

        // Two blobs and the trees above them (root, net, net/core, net/sched).
        #expect(try repo.importObjects(of: dirtyTree, from: foreign) == 6)
        #expect(try repo.importObjects(of: dirtyTree, from: foreign) == 0)

        usleep(50_000)
        wt = try repo.checkout(treeOID: dirtyTree, label: "clone-head", paths: cache, lockTimeout: 5)
        #expect(wt.stats.filesWritten == 2 && wt.stats.filesRemoved == 0 && wt.treeOID == dirtyTree)
        #expect(try mtime(readme) == untouched)
        #expect(try String(contentsOf: wt.url.appendingPathComponent("net/core/dev.c"), encoding: .utf8)
                == "dev edited in the clone\n")
        wt.release()

        // Back to the kgate revision: a tree diff again, not a full rewrite.
        wt = try repo.checkout(base, paths: cache, lockTimeout: 5)
        defer { wt.release() }
        #expect(wt.stats.filesWritten == 1 && wt.stats.filesRemoved == 1)
        #expect(try mtime(readme) == untouched)
    }
}
