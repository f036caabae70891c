import Foundation
import KGateCore
@testable import KernelTree
import Testing
import TestSupport

/// The real Debian 6.12 tree in the shared test cache (imported once per cache).
@Suite(.serialized, .tags(.kernelBuild), .needs(.kernelSource)) struct RealKernelTests {
    func tree() throws -> KernelRepository {
        let store = TreeStore(paths: TestEnv.cache)
        try store.importSource(TestEnv.kernelTarball, name: TestEnv.defaultTreeName)
        return try store.open(TestEnv.defaultTreeName)
    }

    /// Two real patches: a comment change in tcp_input.c, a new line in dev.c.
    func series(_ repo: KernelRepository, base: String) throws -> [PatchToApply] {
        let tcp = try #require(try text(repo, base, "net/ipv4/tcp_input.c"))
        let tcpLines = DiffMaker.lines(tcp)
        let comment = try #require(tcpLines.firstIndex { $0.hasPrefix(" * ") && $0.count > 10 })
        let dev = try #require(try text(repo, base, "net/core/dev.c"))
        let devLines = DiffMaker.lines(dev)
        let include = try #require(devLines.firstIndex { $0.hasPrefix("#include <linux/") })
        return [
            makePatch(1, of: 2, "tcp: reword a comment", diff: DiffMaker.modify(
                "net/ipv4/tcp_input.c", content: tcp, index: comment, remove: 1, insert: [tcpLines[comment] + " (kgate)"])),
            makePatch(2, of: 2, "net: note in dev.c", diff: DiffMaker.modify(
                "net/core/dev.c", content: dev, index: include + 1, remove: 0, insert: ["/* kgate test line */"])),
        ]
    }

    @Test func importIsCompleteAndIdempotent() throws {
        let repo = try tree()
        #expect(try tree().resolve("HEAD") == repo.resolve("HEAD"))
        let head = try repo.commit("HEAD")
        #expect(head.subject == "Import linux-source-6.12.tar.xz" && head.parents.isEmpty)
        #expect(try text(repo, "HEAD", "Makefile")?.contains("VERSION = 6") == true)
        #expect(try text(repo, "HEAD", ".gitignore") != nil) // Debian's "/*" did not hide files
        #expect(try repo.fileContent("HEAD", path: "net/ipv4/tcp_input.c") != nil)
        // Every file and symlink of the tarball (the Debian package's point release
        // decides the number: 86 691 in 6.12.117, 86 692 in 6.12.118).
        #expect(try repo.changedFiles("HEAD").count == (try Self.tarballEntries()))
    }

    /// The non-directory entries of the Debian tarball, as `tar -tv` lists them.
    static func tarballEntries() throws -> Int {
        // Counted by grep: the listing (~9 MB) is larger than ProcessRunner keeps of a child's output.
        let r = try ProcessRunner.run("bash", ["-c", "set -o pipefail; tar -tvJf \"$1\" | grep -vc '^d'", "bash",
                                             TestEnv.kernelTarball.path], timeout: 600)
        try #require(r.exitCode == 0, "tar -tvJf | grep -vc failed: \(r.stderr.prefix(500))")
        let entries = Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        try #require(entries > 80_000, "the tarball lists \(entries) files")
        return entries
    }

    @Test func realSeriesAppliesAndCheckoutTouchesOnlyTheChangedFile() throws {
        let repo = try tree()
        let base = try repo.resolve("HEAD")
        let patches = try series(repo, base: base)
        let ids = try repo.apply(patches, onto: base, refName: "test/real-series")
        #expect(try repo.apply(patches, onto: base, refName: "test/real-series") == ids)
        #expect(try repo.changedFiles(ids[0]) == ["net/ipv4/tcp_input.c"])
        #expect(try repo.changedFiles(ids[1]) == ["net/core/dev.c"])
        #expect(try repo.diff(ids[1]).contains("+/* kgate test line */"))

        var wt = try repo.checkout(ids[0], paths: TestEnv.cache, lockTimeout: 600)
        let root = wt.url
        let dev = root.appendingPathComponent("net/core/dev.c")
        let others = ["net/ipv4/tcp_input.c", "Makefile", "net/core/skbuff.c", "scripts/checkpatch.pl"]
            .map { root.appendingPathComponent($0) }
        let before = try others.map(mtime)
        let devBefore = try mtime(dev)
        let perms = try FileManager.default.attributesOfItem(atPath: others[3].path)[.posixPermissions] as? NSNumber
        #expect((perms?.intValue ?? 0) & 0o111 != 0) // executable scripts stay executable
        wt.release()
        usleep(50_000)
        wt = try repo.checkout(ids[1], paths: TestEnv.cache, lockTimeout: 600)
        defer { wt.release() }
        #expect(wt.stats.filesWritten == 1 && wt.stats.filesRemoved == 0)
        #expect(try others.map(mtime) == before)
        #expect(try mtime(dev) > devBefore)
        #expect(try String(contentsOf: dev, encoding: .utf8).contains("/* kgate test line */"))
    }

    @Test func realConflictNamesFileAndHunk() throws {
        let repo = try tree()
        let base = try repo.resolve("HEAD")
        let patches = try series(repo, base: base)
        let stale = patches[0].diff.replacingOccurrences(of: "\n- * ", with: "\n- * STALE ")
        let bad = PatchToApply(label: "1/1 'tcp: stale'", authorName: "A", authorEmail: "a@b.c", date: Date(timeIntervalSince1970: 1e9),
                               timezoneOffsetMinutes: 0, message: "tcp: stale\n", diff: stale)
        let error = #expect(throws: KGateError.self) { try repo.apply([bad], onto: base, refName: "test/stale") }
        #expect(error?.what.contains("1/1 'tcp: stale'") == true)
        #expect(error?.location?.hasPrefix("net/ipv4/tcp_input.c: @@ -") == true)
        #expect(error?.excerpt?.contains("STALE") == true)
    }
}
