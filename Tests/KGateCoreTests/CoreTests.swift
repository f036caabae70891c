import Foundation
import Testing
import TestSupport
@testable import KGateCore

@Suite(.tags(.unit)) struct CoreTests {
    @Test func sha256MatchesKnownVector() {
        #expect(Digest.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func cachePathsFollowPrecedence() {
        let env = ["KGATE_CACHE": "/tmp/a", "XDG_CACHE_HOME": "/tmp/x", "HOME": "/root"]
        #expect(CachePaths.resolve(option: "/tmp/o", environment: env).root.path == "/tmp/o")
        #expect(CachePaths.resolve(option: nil, environment: env).root.path == "/tmp/a")
        #expect(CachePaths.resolve(option: nil, environment: ["XDG_CACHE_HOME": "/tmp/x"]).root.path == "/tmp/x/kgate")
        #expect(CachePaths.resolve(option: nil, environment: ["HOME": "/home/u"]).root.path == "/home/u/.cache/kgate")
        let c = CachePaths(root: URL(fileURLWithPath: "/c"))
        #expect(c.buildResult(configHash: "h", treeOID: "t").path == "/c/builds/h/t")
        let a = c.buildObjects(configHash: "h", source: URL(fileURLWithPath: "/c/worktrees/linux"))
        let b = c.buildObjects(configHash: "h", source: URL(fileURLWithPath: "/home/dev/linux"))
        #expect(a.path.hasPrefix("/c/builds/h/obj-") && b.path.hasPrefix("/c/builds/h/obj-") && a != b)
        #expect(a == c.buildObjects(configHash: "h", source: URL(fileURLWithPath: "/c/worktrees/linux/")))
    }

    @Test func exitCodesFollowDesign() {
        #expect(KGateError.patch("x").exitCode == 2)
        #expect(KGateError.infrastructure("x").exitCode == 4)
        #expect(KGateError.usage("x").exitCode == 64)
    }

    @Test func errorDescriptionQuotesLocationExcerptAndFix() {
        let e = KGateError.patch("does not apply", location: "net/ipv4/tcp.c", fix: "rebase", excerpt: "@@ -1 +1 @@")
        #expect(e.description.contains("where: net/ipv4/tcp.c"))
        #expect(e.description.contains("| @@ -1 +1 @@"))
        #expect(e.description.contains("fix: rebase"))
    }

    @Test func processRunnerCapturesExitCodeAndOutput() throws {
        let r = try ProcessRunner.run("sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(r.exitCode == 3)
        #expect(r.stdout == "out\n")
        #expect(r.stderr == "err\n")
        #expect(!r.timedOut)
    }

    @Test func processRunnerStopsAtDeadline() throws {
        let r = try ProcessRunner.run("sleep", ["30"], timeout: 0.5)
        #expect(r.timedOut)
        #expect(r.seconds < 10)
        #expect(r.signal == SIGTERM)
    }

    @Test func missingToolNamesTheFix() {
        #expect(throws: KGateError.self) { try ProcessRunner.require("qemu-system-nonexistent-arch") }
        #expect(HostRequirements.fix(forTool: "qemu-system-x86_64") == "apt-get install -y qemu-system-x86")
        #expect(HostRequirements.fix(forTool: "/usr/bin/iperf3") == "apt-get install -y iperf3")
    }

    @Test func fileLockExcludesASecondHolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kgate-lock-\(UUID())")
        let url = dir.appendingPathComponent("w.lock")
        let first = try FileLock.acquire(url, purpose: "worktree")
        #expect(throws: KGateError.self) { _ = try FileLock.acquire(url, purpose: "worktree", timeout: 0) }
        first.release()
        let again = try FileLock.acquire(url, purpose: "worktree", timeout: 0)
        again.release()
    }
}
