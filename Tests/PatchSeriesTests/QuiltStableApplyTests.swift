import Foundation
import KGateCore
import KernelTree
import Testing
import TestSupport
@testable import PatchSeries

/// A quilt-made "commit X upstream." stable patch (no `diff --git`) applied
/// with `kgate series apply` to the imported Debian 6.12 tree.
@Suite("quilt stable patch on the 6.12 tree", .tags(.kernelBuild), .needs(.kernelSource))
struct QuiltStableApplyTests {
    /// `kgate series apply SOURCE` on the embedded tree's HEAD under a fresh ref.
    func apply(_ source: String, ref name: String) throws -> (KernelRepository, String, String) {
        try SharedKernel.ensureTree()
        let ref = "test/\(name)-\(UUID().uuidString.prefix(8))"
        let r = try TestEnv.kgate(["series", "apply", source, "--tree", TestEnv.defaultTreeName, "--base", "HEAD", "--ref", ref],
                                  timeout: 300)
        #expect(r.exitCode == 0, "\(r.stderr)")
        return (try TreeStore(paths: TestEnv.cache).open(TestEnv.defaultTreeName), TestEnv.lastLine(r.stdout), ref)
    }

    @Test func appliesWithAuthorDateAndSubject() throws {
        let (repo, commitID, ref) = try apply(Fixtures.url("intake/quilt-stable.patch").path, ref: "quilt-stable")
        #expect(try repo.resolve("refs/kgate/" + ref) == commitID)
        let commit = try repo.commit(commitID)
        #expect(commit.authorName == "Eric Netdev" && commit.authorEmail == "eric@example.com")
        #expect(commit.date == Date(timeIntervalSince1970: 1_717_189_500)) // Fri, 31 May 2024 14:05:00 -0700 (in-body Date:)
        #expect(commit.subject == "tcp: clamp the receiver RTT sample in tcp_rcv_rtt_update()")
        #expect(commit.message.contains("\n\ncommit 0123456789abcdef0123456789abcdef01234567 upstream.\n\n"))
        #expect(try repo.changedFiles(commitID) == ["net/ipv4/tcp_input.c"])
        let text = String(decoding: try #require(try repo.fileContent(commitID, path: "net/ipv4/tcp_input.c")), as: UTF8.self)
        #expect(text.contains("\t\tif (sample > old_sample)\n\t\t\tsample = old_sample;\n\t\tnew_sample = old_sample - (old_sample >> 3) + sample;"))
    }

    /// The shipped port of "mm/vmpressure: skip socket pressure for costly order
    /// reclaim" (issue 14) applies to the embedded tree and says what it changes.
    @Test func theVmpressureFixAppliesToTheEmbeddedTree() throws {
        let mbox = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/vmpressure-costly-order.mbox").path
        let (repo, commitID, _) = try apply(mbox, ref: "vmpressure")
        #expect(try repo.commit(commitID).subject == "mm/vmpressure: skip socket pressure for costly order reclaim")
        #expect(try repo.changedFiles(commitID) == ["include/linux/vmpressure.h", "mm/vmpressure.c", "mm/vmscan.c"])
        let text = String(decoding: try #require(try repo.fileContent(commitID, path: "mm/vmpressure.c")), as: UTF8.self)
        #expect(text.contains("PAGE_ALLOC_COSTLY_ORDER"))
    }
}
