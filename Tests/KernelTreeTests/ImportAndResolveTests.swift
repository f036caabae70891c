import Foundation
import KGateCore
@testable import KernelTree
import Testing
import TestSupport

@Suite(.tags(.unit)) struct ImportTests {
    @Test func importAddsEveryFileDespiteGitignoreWithModesAndSymlinks() throws {
        let (repo, cache) = try Fixture.repository()
        // .gitignore says "/*": ignore rules must not apply.
        #expect(try text(repo, "HEAD", "README") == "hello\n")
        #expect(try text(repo, "HEAD", ".gitignore") == "/*\n")
        #expect(try text(repo, "HEAD", "net/core/dev.c")?.hasPrefix("dev line 1\n") == true)
        #expect(try text(repo, "HEAD", "link") == "README") // a symlink is stored as its target
        let head = try repo.commit("HEAD")
        #expect(head.subject == "Import src")
        #expect(head.authorName == "kgate" && head.authorEmail == "kgate@localhost")
        #expect(head.parents.isEmpty)
        // Modes survive: check them out and look.
        let wt = try repo.checkout("HEAD", paths: cache)
        defer { wt.release() }
        let script = try FileManager.default.attributesOfItem(atPath: wt.url.appendingPathComponent("scripts/run.sh").path)
        #expect(((script[.posixPermissions] as? NSNumber)?.intValue ?? 0) & 0o111 != 0)
        let readme = try FileManager.default.attributesOfItem(atPath: wt.url.appendingPathComponent("README").path)
        #expect(((readme[.posixPermissions] as? NSNumber)?.intValue ?? 0) & 0o111 == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: wt.url.appendingPathComponent("link").path) == "README")
    }

    @Test func importIsDeterministicIdempotentAndGuardsNames() throws {
        let (cache, src) = try Fixture.source(Fixture.base, executable: ["scripts/run.sh"])
        let store = TreeStore(paths: cache)
        let quiet = Console(interactive: false)
        let a = try store.importSource(src, name: "one", console: quiet)
        let b = try store.importSource(src, name: "two", console: quiet)
        #expect(try store.open("one").resolve("HEAD") == store.open("two").resolve("HEAD"))
        // Same source, same name: the existing tree, no new work.
        let marker = URL(fileURLWithPath: a.path).appendingPathComponent("kgate-marker")
        try Data().write(to: marker)
        #expect(try store.importSource(src, name: "one", console: quiet) == a)
        #expect(FileManager.default.fileExists(atPath: marker.path))
        #expect(try store.list().map(\.name) == ["one", "two"])
        #expect(b.kind == .imported && b.source == src.path)
        // A different source under an existing name is a usage error.
        let (_, other) = try Fixture.source(["x": "y\n"])
        let error = #expect(throws: KGateError.self) { try store.importSource(other, name: "one", console: quiet) }
        #expect(error?.blame == .input)
        #expect(throws: KGateError.self) { try store.importSource(src, name: "../bad", console: quiet) }
    }

    @Test func concurrentImportsOfOneNameDoNotCollide() async throws {
        let (cache, src) = try Fixture.source(Fixture.base)
        let results = try await withThrowingTaskGroup(of: TreeInfo.self) { group in
            for _ in 0..<3 {
                group.addTask { try TreeStore(paths: cache).importSource(src, name: "same", console: Console(interactive: false)) }
            }
            return try await group.reduce(into: [TreeInfo]()) { $0.append($1) }
        }
        #expect(results.count == 3 && Set(results.map(\.path)).count == 1)
        #expect(try TreeStore(paths: cache).list().count == 1)
        #expect(try TreeStore(paths: cache).open("same").resolve("HEAD").count == 40)
    }

    @Test func importStripsTheTarballTopDirectory() throws {
        let (cache, src) = try Fixture.source(["proj-1.0/README": "top\n", "proj-1.0/sub/a.c": "int a;\n"])
        let tarball = src.deletingLastPathComponent().appendingPathComponent("proj-1.0.tar.gz")
        let r = try ProcessRunner.run("tar", ["-czf", tarball.path, "-C", src.path, "proj-1.0"])
        #expect(r.succeeded)
        let store = TreeStore(paths: cache)
        #expect(TreeStore.defaultName(for: tarball) == "proj-1.0")
        let info = try store.importSource(tarball, name: TreeStore.defaultName(for: tarball), console: Console(interactive: false))
        let repo = try store.open(info.name)
        #expect(try text(repo, "HEAD", "README") == "top\n")
        #expect(try text(repo, "HEAD", "sub/a.c") == "int a;\n")
        #expect(try repo.commit("HEAD").subject == "Import proj-1.0.tar.gz")
    }

    @Test func addRegistersAnExternalRepositoryWithoutCopying() throws {
        let (repo, cache) = try Fixture.repository()
        let store = TreeStore(paths: cache)
        let info = try store.add(path: URL(fileURLWithPath: repo.info.path), name: "ext")
        #expect(info.kind == .external && info.path == repo.info.path)
        #expect(try store.open("ext").resolve("HEAD") == repo.resolve("HEAD"))
        #expect(try store.add(path: URL(fileURLWithPath: repo.info.path), name: "ext") == info)
        let notRepo = try TestEnv.temporaryDirectory("notrepo")
        #expect(throws: KGateError.self) { try store.add(path: notRepo, name: "nope") }
        #expect(throws: KGateError.self) { try store.open("missing") }
    }
}

@Suite(.tags(.unit)) struct ResolveAndRangeTests {
    /// base ← A1 ← M ← A2 on the first-parent line; C1 (on base) merged by M.
    func history() throws -> (KernelRepository, base: String, a1: String, c1: String, m: String, a2: String) {
        let (repo, _) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let dev = try #require(try text(repo, base, "net/core/dev.c"))
        let tcp = try #require(try text(repo, base, "net/ipv4/tcp.c"))
        let a1 = try repo.apply([makePatch(1, of: 1, "dev: change line 5", diff: DiffMaker.modify(
            "net/core/dev.c", content: dev, index: 4, remove: 1, insert: ["dev line five"]))], onto: base, refName: "a")[0]
        let c1 = try repo.apply([makePatch(1, of: 1, "tcp: change line 5", diff: DiffMaker.modify(
            "net/ipv4/tcp.c", content: tcp, index: 4, remove: 1, insert: ["tcp line five"]))], onto: base, refName: "c")[0]
        let m = try repo.createCommit(treeOf: a1, parents: [a1, c1], message: "Merge c", time: 1_720_001_000)
        let dev2 = try #require(try text(repo, m, "net/core/dev.c"))
        let a2 = try repo.apply([makePatch(1, of: 1, "dev: change line 20", diff: DiffMaker.modify(
            "net/core/dev.c", content: dev2, index: 19, remove: 1, insert: ["dev line twenty"]))], onto: m, refName: "a")[0]
        try repo.setReference("refs/heads/main", to: a2)
        try repo.setReference("refs/tags/v1", to: a1)
        return (repo, base, a1, c1, m, a2)
    }

    @Test func resolvesBranchesTagsIdsAndAncestry() throws {
        let h = try history()
        let repo = h.0
        #expect(try repo.resolve("HEAD") == h.a2)
        #expect(try repo.resolve("main") == h.a2)
        #expect(try repo.resolve("refs/kgate/c") == h.c1)
        #expect(try repo.resolve("v1") == h.a1)
        #expect(try repo.resolve(h.m) == h.m)
        #expect(try repo.resolve(String(h.m.prefix(10))) == h.m)
        #expect(try repo.resolve("HEAD~1") == h.m)
        #expect(try repo.resolve("HEAD~2") == h.a1)
        #expect(try repo.resolve("HEAD~3") == h.base)
        #expect(try repo.resolve("HEAD~1^2") == h.c1)
        let error = #expect(throws: KGateError.self) { try repo.resolve("no-such-branch") }
        #expect(error?.blame == .input)
        #expect(error?.what.contains("no-such-branch") == true)
        let info = try repo.commit(h.a1)
        #expect(info.subject == "dev: change line 5" && info.authorName == "Ada Lovelace")
        #expect(info.parents == [h.base])
        #expect(try repo.commit(h.m).parents == [h.a1, h.c1])
    }

    @Test func rangesAreOldestFirstAndFollowFirstParentOnRequest() throws {
        let h = try history()
        let repo = h.0
        #expect(try repo.range(good: h.base, bad: h.a2, firstParent: true).map(\.oid) == [h.a1, h.m, h.a2])
        let all = try repo.range(good: h.base, bad: h.a2, firstParent: false).map(\.oid)
        #expect(all.count == 4 && Set(all) == [h.a1, h.c1, h.m, h.a2])
        #expect(all.last == h.a2 && all[2] == h.m)
        #expect(try repo.range(good: h.a1, bad: h.a2, firstParent: true).map(\.oid) == [h.m, h.a2])
        #expect(try repo.range(good: h.a2, bad: h.a2, firstParent: false).isEmpty)
        #expect(try repo.changedFiles(h.a2) == ["net/core/dev.c"])
        #expect(try repo.changedFiles(h.m).isEmpty) // merge has a1's tree: nothing against first parent
        #expect(try repo.changedFiles(h.base).contains("README"))
        let diff = try repo.diff(h.a2)
        #expect(diff.contains("-dev line 20\n+dev line twenty\n"))
        #expect(diff.contains("diff --git a/net/core/dev.c b/net/core/dev.c"))
    }
}
