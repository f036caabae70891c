import Foundation
import KGateCore
import Testing
import TestSupport

/// The real `kgate` binary (built by `swift build`).
@Suite("kgate series (CLI)")
struct SeriesCommandTests {
    @Test(.tags(.unit)) func showJSON() throws {
        let r = try TestEnv.kgate(["series", "show", Fixtures.url("fp-series").path, "--json"], timeout: 60)
        #expect(r.exitCode == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["version"] as? Int == 2)
        #expect(json["baseCommit"] as? String == "3c5a662cd829fa434ac2f530e869fa508096d3a9")
        #expect((json["patchsetHash"] as? String)?.count == 64)
        let patches = try #require(json["patches"] as? [[String: Any]])
        #expect(patches.map { $0["subject"] as? String } == [
            "tcp_demo: raise the initial window to 16", "tcp_demo: add tcp_demo_limit()", "tcp_demo: rename to tcp_demo_core.c",
        ])
        #expect((patches[0]["date"] as? String) == "2024-05-02T07:15:00Z")
    }

    @Test(.tags(.network), .needs(.localServer)) func showTextFromLore() throws {
        let gz = try gzipped(try Fixtures.data("thread.mbox"))
        let server = try HTTPTestServer(routes: ["/all/v2-0@example.org/t.mbox.gz": [.init(body: gz)]])
        defer { server.stop() }
        let r = try TestEnv.kgate(["series", "show", "v2-0@example.org", "--lore-url", server.baseURL + "/all"], timeout: 60)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("series v2 [net-next]: 3 patches — tcp_demo: window and limit cleanups\n"))
        #expect(r.stdout.contains("  2/3 tcp_demo: add tcp_demo_limit()\n"))
        #expect(r.stdout.contains("      Reviewed-by: Rev One <rev1@example.com>\n"))
    }

    /// One grammar (issue 19): --series is a source in `series show` as in `check`,
    /// the positional source is the same thing, and with --patchwork it is the id.
    @Test(.tags(.unit)) func seriesOptionIsASourceAsInCheck() throws {
        let path = Fixtures.url("fp-series").path
        let byOption = try TestEnv.kgate(["series", "show", "--series", path], timeout: 60)
        let byArgument = try TestEnv.kgate(["series", "show", path], timeout: 60)
        #expect(byOption.exitCode == 0, "\(byOption.stderr)")
        #expect(byOption.stdout == byArgument.stdout && byOption.stdout.hasPrefix("series v2"))
        let twice = try TestEnv.kgate(["series", "show", path, "--series", path], timeout: 60)
        #expect(twice.exitCode == KGateExitCode.usage && twice.stderr.contains("more than once"))
        let notAnID = try TestEnv.kgate(["series", "show", "--patchwork", "http://127.0.0.1:1", "--series", path], timeout: 60)
        #expect(notAnID.exitCode == KGateExitCode.usage && notAnID.stderr.contains("--series is the patchwork series id"))
        let check = try TestEnv.kgate(["check", "--patchwork", "http://127.0.0.1:1", "--series", path], timeout: 60)
        #expect(check.exitCode == KGateExitCode.usage && check.stderr.contains("--series is the patchwork series id"))
    }

    @Test(.tags(.unit)) func usageAndPatchErrorsMapToExitCodes() throws {
        let noBase = try TestEnv.kgate(["series", "apply", Fixtures.url("multipart-x-patch.eml").path, "--tree", "linux"], timeout: 60)
        #expect(noBase.exitCode == KGateExitCode.usage)
        #expect(noBase.stderr.contains("names no base-commit"))
        let both = try TestEnv.kgate(["series", "show", "--patchwork", "http://127.0.0.1:1"], timeout: 60)
        #expect(both.exitCode == KGateExitCode.usage)
        let dir = try TestEnv.temporaryDirectory("cli-incomplete")
        for name in ["v2-0001-tcp_demo-raise-the-initial-window-to-16.patch", "v2-0003-tcp_demo-rename-to-tcp_demo_core.c.patch"] {
            try FileManager.default.copyItem(at: Fixtures.url("fp-series/\(name)"), to: dir.appendingPathComponent(name))
        }
        let incomplete = try TestEnv.kgate(["series", "show", dir.path], timeout: 60)
        #expect(incomplete.exitCode == KGateExitCode.brokenPatch)
        #expect(incomplete.stderr.contains("series v2 is incomplete: it has 2 of 3 patches (1, 3); missing 2/3"))
    }

    /// Issue 31's thread: the v2 series from the three v2 patches and their own
    /// diffs; the stale `[PATCH 1/2]` is named as another revision, not as a posting.
    @Test(.tags(.unit)) func showTakesTheV2PatchesOfTheIssueThread() throws {
        let path = Fixtures.url("intake/revision-own-subject.mbox").path
        let r = try TestEnv.kgate(["series", "show", path], timeout: 60)
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("series v2: 3 patches — tcp: window rework\n"))
        #expect(r.stdout.contains("  1/3 tcp: grow the window\n") && r.stdout.contains("  3/3 tcp: document the window\n"))
        #expect(r.stderr.contains("series: dropped '[PATCH 1/2] tcp: grow the window' <os1-1@example.org>: "
            + "v1 1/2, another revision (its own subject says v1); the series is v2\n"))
        #expect(!r.stderr.contains("another posting"))
        let json = try TestEnv.kgate(["series", "show", path, "--json"], timeout: 60)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let patches = try #require(parsed["patches"] as? [[String: Any]])
        #expect(patches.compactMap { $0["messageID"] as? String } == ["os2-1@example.org", "os2-2@example.org", "os2-3@example.org"])
        #expect((patches.first?["diff"] as? String)?.contains("+window = 16\n") == true)
    }
}
