import Foundation
import KGateCore
import KernelTree
import Testing
import TestSupport
@testable import KernelBuild

/// The reproducible-build invariant (issue 12): with kgate's fixed build
/// identity, an incremental, cached build of a revision gives the same image as
/// a clean build of that revision without the compiler cache.
///
/// The walk: R0 the base → R1 a busy loop in `tcp_rcv_established` → R2 R1 plus
/// a one-byte change in the x86 real-mode trampoline → R3 the base plus only
/// that change ("back past the loop"). The trampoline reaches the kernel only
/// through `.incbin` in `arch/x86/realmode/rmpiggy.S`, a file whose text never
/// changes: the class of input that ccache's depend mode did not hash (with
/// kgate's old settings R2 came out identical to R1 and R3 to R0) → R4 the base
/// with a trailing comment, which must give R0's image byte for byte. Every step
/// builds incrementally in the one object directory, through the cache.
@Suite(.tags(.kernelBuild), .needs(.kernelSource), .serialized)
struct ReproducibleBuildTests {
    let builder = KernelBuilder(paths: TestEnv.cache)

    @Test(.timeLimit(.minutes(60)))
    func incrementalCachedBuildsAreExactlyTheirRevisions() throws {
        let config = try BuildConfig.standard()
        let repo = try TestTree.repository()
        let base = try repo.resolve("HEAD")
        let head = try TestTree.checkout(base)
        let loop = try LinePatch.make(source: head.url, path: "net/ipv4/tcp_input.c",
                                      after: "void tcp_rcv_established(struct sock *sk, struct sk_buff *skb)",
                                      old: "\ttrace_tcp_probe(sk, skb);",
                                      new: ["\ttrace_tcp_probe(sk, skb);",
                                            "\tfor (unsigned int kgate_i = 0; kgate_i < 1200; kgate_i++)",
                                            "\t\tbarrier();"],
                                      subject: "tcp: busy loop on the receive fast path (kgate test)")
        let trampoline = try LinePatch.make(source: head.url, path: "arch/x86/realmode/rm/reboot.S",
                                            after: "\tmovw\t$0x5307, %ax", old: "\tmovw\t$0x0003, %cx",
                                            new: ["\tmovw\t$0x0002, %cx"],
                                            subject: "x86/realmode: APM standby instead of off (kgate test)")
        head.release()
        let r1 = try #require(try repo.apply([loop], onto: base, refName: "repro-loop").last)
        let r2 = try #require(try repo.apply([trampoline], onto: r1, refName: "repro-loop-trampoline").last)
        let r3 = try #require(try repo.apply([trampoline], onto: base, refName: "repro-trampoline").last)

        var digests: [String] = []
        var results: [BuildResult] = []
        for revision in [base, r1, r2, r3] {
            let tree = try TestTree.checkout(revision)
            defer { tree.release() }
            let result = try builder.build(source: tree.url, treeOID: tree.treeOID, revision: revision, config: config)
            results.append(result)
            digests.append(try KernelBuilder.digest(result.imageURL))
        }
        // Four revisions with different code: four different images.
        #expect(Set(digests).count == 4, "images: \(digests.map { $0.prefix(12) })")
        #expect(digests[2] != digests[1], "the trampoline change is missing from R2 (stale rmpiggy.o)")
        #expect(digests[3] != digests[0], "the trampoline change is missing from R3 (stale rmpiggy.o)")
        // The steps after the first were incremental (a switch, not a cold build).
        #expect(results[1].objectsCompiled < 100 && results[3].objectsCompiled < 100,
                "objects compiled per step: \(results.map { $0.objectsCompiled })")

        // R4: the base plus a comment after the last line of tcp_input.c (a new tree id,
        // the same code), built incrementally from R3: byte for byte R0, whose build
        // started from an empty object directory (in CI, with an empty compiler cache).
        // A stale object from any step (the loop's tcp_input.o, R3's rmpiggy.o) or a
        // build identity that moved would show here. (`kgate build --verify`, a clean
        // build without the cache, checks the same for one revision: benchmarks/build.sh.)
        let tail = try TrailingComment.make(revision: base, repo: repo, path: "net/ipv4/tcp_input.c",
                                            subject: "tcp: a trailing comment (kgate test)")
        let r4 = try #require(try repo.apply([tail], onto: base, refName: "repro-comment").last)
        let tree = try TestTree.checkout(r4)
        defer { tree.release() }
        let back = try builder.build(source: tree.url, treeOID: tree.treeOID, revision: r4, config: config)
        #expect(!back.cached && back.objectsCompiled < 100, "R4 was not an incremental build: \(back.objectsCompiled)")
        #expect(try KernelBuilder.digest(back.imageURL) == digests[0],
                "R4 (the base's code, built incrementally after R3) differs from R0's image")
    }
}

/// A patch replacing one line (the first `old` after the line `after`) of a file.
enum LinePatch {
    static func make(source: URL, path: String, after anchor: String, old: String, new: [String],
                     subject: String) throws -> PatchToApply {
        let text = try String(contentsOf: source.appendingPathComponent(path), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: anchor), let at = lines[start...].firstIndex(of: old) else {
            throw KGateError.infrastructure("test patch: anchor or line not found", location: path)
        }
        let ctx = 3
        let before = Array(lines[(at - ctx)..<at]), afterLines = Array(lines[(at + 1)...(at + ctx)])
        var diff = "diff --git a/\(path) b/\(path)\n--- a/\(path)\n+++ b/\(path)\n"
        diff += "@@ -\(at - ctx + 1),\(2 * ctx + 1) +\(at - ctx + 1),\(2 * ctx + new.count) @@\n"
        diff += before.map { " \($0)\n" }.joined() + "-\(old)\n" + new.map { "+\($0)\n" }.joined()
        diff += afterLines.map { " \($0)\n" }.joined()
        return PatchToApply(label: "1/1 '\(subject)'", authorName: "kgate test", authorEmail: "test@kgate.invalid",
                            date: Date(timeIntervalSince1970: 1_700_000_000), timezoneOffsetMinutes: 0,
                            message: "\(subject)\n", diff: diff)
    }
}

/// A comment after the last line of a file: a new tree, the same object code
/// (no line of the file moves, so no `__LINE__` does).
enum TrailingComment {
    static func make(revision: String, repo: KernelRepository, path: String, subject: String) throws -> PatchToApply {
        guard let text = try repo.fileContent(revision, path: path).flatMap({ String(data: $0, encoding: .utf8) }),
              text.hasSuffix("\n") else {
            throw KGateError.infrastructure("test patch: \(path) is missing or does not end in a newline")
        }
        let lines = text.dropLast().components(separatedBy: "\n")
        let ctx = min(3, lines.count), first = lines.count - ctx + 1
        var diff = "diff --git a/\(path) b/\(path)\n--- a/\(path)\n+++ b/\(path)\n"
        diff += "@@ -\(first),\(ctx) +\(first),\(ctx + 1) @@\n"
        diff += lines.suffix(ctx).map { " \($0)\n" }.joined() + "+/* kgate: a comment that changes no code */\n"
        return PatchToApply(label: "1/1 '\(subject)'", authorName: "kgate test", authorEmail: "test@kgate.invalid",
                            date: Date(timeIntervalSince1970: 1_700_000_000), timezoneOffsetMinutes: 0,
                            message: "\(subject)\n", diff: diff)
    }
}
