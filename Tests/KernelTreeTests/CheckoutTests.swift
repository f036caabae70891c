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
