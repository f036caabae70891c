import Foundation
import KGateCore
@testable import KernelTree
import Testing
import TestSupport

@Suite(.tags(.unit)) struct ApplyTests {
    func series(_ repo: KernelRepository, base: String) throws -> [PatchToApply] {
        let dev = try #require(try text(repo, base, "net/core/dev.c"))
        let tcp = try #require(try text(repo, base, "net/ipv4/tcp.c"))
        return [
            makePatch(1, of: 3, "dev: rename line 10", diff: DiffMaker.modify("net/core/dev.c", content: dev, index: 9, remove: 1, insert: ["dev line ten"])),
            makePatch(2, of: 3, "tcp: add a line", diff: DiffMaker.modify("net/ipv4/tcp.c", content: tcp, index: 30, remove: 0, insert: ["tcp added"])),
            makePatch(3, of: 3, "net: new file, drop README", diff: DiffMaker.newFile("net/new.c", "int x;\n") + DiffMaker.delete("README", "hello\n")),
        ]
    }

    @Test func appliesASeriesAmStyleDeterministically() throws {
        let (repo, _) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let patches = try series(repo, base: base)
        let ids = try repo.apply(patches, onto: base, refName: "series/one")
        #expect(ids.count == 3)
        #expect(try repo.resolve("refs/kgate/series/one") == ids[2])
        #expect(try repo.resolve("HEAD") == base) // HEAD and branches untouched
        let first = try repo.commit(ids[0])
        #expect(first.parents == [base])
        #expect(first.authorName == "Ada Lovelace" && first.authorEmail == "ada@example.org")
        #expect(first.date == patches[0].date)
        #expect(first.message == patches[0].message && first.subject == "dev: rename line 10")
        #expect(try repo.commit(ids[2]).parents == [ids[1]])
        #expect(try text(repo, ids[2], "net/ipv4/tcp.c")?.contains("tcp line 30\ntcp added\ntcp line 31\n") == true)
        #expect(try text(repo, ids[2], "net/new.c") == "int x;\n")
        #expect(try text(repo, ids[2], "README") == nil)
        #expect(try repo.changedFiles(ids[2]) == ["README", "net/new.c"])
        // Same series on the same base: the same ids.
        #expect(try repo.apply(patches, onto: base, refName: "series/two") == ids)
    }

    @Test func rejectsUnsafePathsBeforeWritingAnything() throws {
        let (repo, _) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let good = try series(repo, base: base)[0]
        let before = objectFileCount(repo)
        for path in ["../evil.c", "net/../../evil.c", "/etc/passwd", ".git/config", "net/.git/hooks/pre-commit"] {
            let bad = makePatch(2, of: 2, "sneaky", diff: DiffMaker.newFile(path, "owned\n"))
            let error = #expect(throws: KGateError.self) { try repo.apply([good, bad], onto: base, refName: "evil") }
            #expect(error?.blame == .kernelUnderTest)
            #expect(error?.what.contains("2/2 'sneaky'") == true)
            #expect(error?.location == path)
        }
        #expect(objectFileCount(repo) == before) // not even patch 1's objects were written
        #expect(throws: KGateError.self) { try repo.resolve("refs/kgate/evil") }
    }

    @Test func rejectsBinaryPatches() throws {
        let (repo, _) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let binary = """
        diff --git a/fw.bin b/fw.bin
        new file mode 100644
        index 0000000000000000000000000000000000000000..3b18e512dba79e4c8300dd08aeb37f8e728b8dad
        GIT binary patch
        literal 12
        TcmeZB&Cg3q%u7yHNK8%u0Q>xhi

        literal 0
        HcmV?d00001

        """
        let error = #expect(throws: KGateError.self) {
            try repo.apply([makePatch(1, of: 1, "firmware", diff: binary)], onto: base, refName: "bin")
        }
        #expect(error?.blame == .kernelUnderTest)
        #expect(error?.what.contains("binary patches are not supported") == true)
        #expect(throws: KGateError.self) { try repo.resolve("refs/kgate/bin") }
    }

    @Test func conflictNamesPatchFileAndHunkAndLeavesRefsAlone() throws {
        let (repo, _) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let patches = try series(repo, base: base)
        let before = try repo.apply([patches[0]], onto: base, refName: "keep")[0]
        // Patch 2 of the broken series expects content the tree does not have in its second hunk.
        let tcp = try #require(try text(repo, base, "net/ipv4/tcp.c"))
        let fine = DiffMaker.modify("net/ipv4/tcp.c", content: tcp, index: 2, remove: 1, insert: ["tcp line three"])
        var wrong = DiffMaker.lines(tcp)
        wrong[25] = "tcp line twenty-six (not in the tree)"
        let broken = DiffMaker.modify("net/ipv4/tcp.c", content: wrong.joined(separator: "\n") + "\n", index: 27, remove: 1,
                                      insert: ["tcp line 28 changed"])
        let hunk2 = broken.components(separatedBy: "\n").first { $0.hasPrefix("@@") } ?? ""
        let twoHunks = fine + broken.components(separatedBy: "\n").drop { !$0.hasPrefix("@@") }.joined(separator: "\n")
        let bad = makePatch(2, of: 2, "tcp: stale context", diff: twoHunks)
        let error = #expect(throws: KGateError.self) {
            try repo.apply([patches[0], bad], onto: base, refName: "keep")
        }
        #expect(error?.blame == .kernelUnderTest)
        #expect(error?.exitCode == 2)
        #expect(error?.what.contains("2/2 'tcp: stale context'") == true)
        #expect(error?.what.contains("net/ipv4/tcp.c") == true)
        #expect(error?.what.contains(hunk2) == true)
        #expect(error?.location == "net/ipv4/tcp.c: \(hunk2)")
        #expect(error?.excerpt?.contains("tcp line twenty-six (not in the tree)") == true)
        #expect(error?.excerpt?.contains("line 26") == true)
        #expect(try repo.resolve("refs/kgate/keep") == before) // the ref did not move
    }

    @Test func missingFileIsNamed() throws {
        let (repo, _) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let ghost = DiffMaker.modify("net/ghost.c", content: "a\nb\nc\n", index: 1, remove: 1, insert: ["B"])
        let error = #expect(throws: KGateError.self) {
            try repo.apply([makePatch(1, of: 1, "ghost", diff: ghost)], onto: base, refName: "g")
        }
        #expect(error?.what.contains("net/ghost.c does not exist") == true)
    }

    @Test func revertUndoesACommit() throws {
        let (repo, _) = try Fixture.repository()
        let base = try repo.resolve("HEAD")
        let ids = try repo.apply(try series(repo, base: base), onto: base, refName: "s")
        let reverted = try repo.revert(ids[1], onto: ids[2], refName: "rev")
        #expect(try repo.resolve("refs/kgate/rev") == reverted)
        let info = try repo.commit(reverted)
        #expect(info.subject == "Revert \"tcp: add a line\"")
        #expect(info.message.contains("This reverts commit \(ids[1])."))
        #expect(info.parents == [ids[2]])
        #expect(try text(repo, reverted, "net/ipv4/tcp.c") == text(repo, base, "net/ipv4/tcp.c"))
        #expect(try text(repo, reverted, "net/core/dev.c") == text(repo, ids[2], "net/core/dev.c"))
        #expect(try repo.revert(ids[1], onto: ids[2], refName: "rev2") == reverted) // deterministic
    }
}
