import Foundation
import KGateCore
@testable import KernelTree
import Testing
import TestSupport

@Suite(.tags(.unit)) struct CheckoutTests {
    @Test func checkoutWritesOnlyWhatChangedAndHoldsTheLock() throws {
        let (repo, cache) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let dev = try #require(try text(repo, base, "net/core/dev.c"))
        let next = try repo.apply([
            makePatch(1, of: 1, "change dev, add new, drop tcp", diff:
                DiffMaker.modify("net/core/dev.c", content: dev, index: 0, remove: 1, insert: ["dev first"])
                + DiffMaker.newFile("net/sched/new.c", "new\n")
                + DiffMaker.delete("net/ipv4/tcp.c", try #require(try text(repo, base, "net/ipv4/tcp.c")))),
        ], onto: base, refName: "co")[0]

        var wt = try repo.checkout(base, paths: cache)
        #expect(wt.stats.filesWritten == 6 && wt.commit == base)
        let root = wt.url
        let readme = root.appendingPathComponent("README")
        let script = root.appendingPathComponent("scripts/run.sh")
        let devURL = root.appendingPathComponent("net/core/dev.c")
        let untouched = [try mtime(readme), try mtime(script)]
        let devBefore = try mtime(devURL)

        // A second holder waits, then fails clearly.
        let error = #expect(throws: KGateError.self) { try repo.checkout(next, paths: cache, lockTimeout: 0.3) }
        #expect(error?.what.contains("in use") == true)
        wt.release()

        usleep(50_000)
        wt = try repo.checkout(next, paths: cache, lockTimeout: 5)
        defer { wt.release() }
        #expect(wt.stats.filesWritten == 2 && wt.stats.filesRemoved == 1)
        #expect([try mtime(readme), try mtime(script)] == untouched)
        #expect(try mtime(devURL) > devBefore)
        #expect(try String(contentsOf: devURL, encoding: .utf8).hasPrefix("dev first\n"))
        #expect(try String(contentsOf: root.appendingPathComponent("net/sched/new.c"), encoding: .utf8) == "new\n")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("net/ipv4").path)) // pruned
        wt.release()

        // And back: the deleted file returns, the added one goes.
        wt = try repo.checkout(base, paths: cache, lockTimeout: 5)
        #expect(wt.stats.filesWritten == 2 && wt.stats.filesRemoved == 1)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("net/ipv4/tcp.c").path))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("net/sched").path))
        #expect([try mtime(readme), try mtime(script)] == untouched)
    }
}

@Suite(.tags(.unit)) struct ImportedWorktreeTests {
    /// A tarball `proj-1.0.tar.gz` of `files` (plus an executable script and a
    /// symlink), in a fresh cache; `emptyDirectory` adds a directory git cannot store.
    func tarball(emptyDirectory: Bool = false) throws -> (CachePaths, URL) {
        let (cache, src) = try Fixture.source(["proj-1.0/README": "top\n", "proj-1.0/sub/a.c": "int a;\n",
                                               "proj-1.0/run.sh": "#!/bin/sh\n"],
                                              executable: ["proj-1.0/run.sh"], symlinks: ["proj-1.0/link": "README"])
        if emptyDirectory {
            try FileManager.default.createDirectory(at: src.appendingPathComponent("proj-1.0/empty"), withIntermediateDirectories: true)
        }
        // Archived with an old time, as release tarballs are.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1e9)],
                                              ofItemAtPath: src.appendingPathComponent("proj-1.0/README").path)
        let tarball = src.deletingLastPathComponent().appendingPathComponent("proj-1.0.tar.gz")
        #expect(try ProcessRunner.run("tar", ["-czf", tarball.path, "-C", src.path, "proj-1.0"]).succeeded)
        return (cache, tarball)
    }

    @Test func anImportedTarballIsTheWorktreeOfItsCommit() throws {
        let (cache, tarball) = try tarball()
        let start = Date().addingTimeInterval(-2)
        let store = TreeStore(paths: cache)
        try store.importSource(tarball, name: "proj", console: Console(interactive: false))
        let repo = try store.open("proj")
        var wt = try repo.checkout("HEAD", paths: cache)
        #expect(wt.stats.filesWritten == 0 && wt.stats.filesRemoved == 0)
        let root = wt.url
        #expect(try String(contentsOf: root.appendingPathComponent("sub/a.c"), encoding: .utf8) == "int a;\n")
        #expect(FileManager.default.isExecutableFile(atPath: root.appendingPathComponent("run.sh").path))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root.appendingPathComponent("link").path) == "README")
        // Written now, not at the archive's times: no object file can look newer.
        #expect(try mtime(root.appendingPathComponent("README")) >= start)
        // Nothing of the unpacking is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.worktrees.path).sorted() == ["proj", "proj.state"])
        wt.release()

        let next = try repo.apply([makePatch(1, of: 1, "change a", diff:
            DiffMaker.modify("sub/a.c", content: "int a;\n", index: 0, remove: 1, insert: ["int b;"]))],
                                  onto: try repo.resolve("HEAD"), refName: "next")[0]
        wt = try repo.checkout(next, paths: cache, lockTimeout: 5)
        defer { wt.release() }
        #expect(wt.stats.filesWritten == 1)
        #expect(try String(contentsOf: root.appendingPathComponent("sub/a.c"), encoding: .utf8) == "int b;\n")
    }

    @Test func aTarballWithWhatGitCannotStoreIsCheckedOutInstead() throws {
        let (cache, tarball) = try tarball(emptyDirectory: true)
        let store = TreeStore(paths: cache)
        try store.importSource(tarball, name: "proj", console: Console(interactive: false))
        let wt = try store.open("proj").checkout("HEAD", paths: cache)
        defer { wt.release() }
        #expect(wt.stats.filesWritten == 4)
        #expect(!FileManager.default.fileExists(atPath: wt.url.appendingPathComponent("empty").path))
    }
}
