import Foundation
import Synchronization
import KGateCore
import Testing
import TestSupport

/// A synthetic history of 12 commits on the real imported tree, made by the
/// test with `kgate series apply`: harmless changes, a commit that breaks the
/// build and the next that fixes it (placed where the first bisection step
/// lands, so it must be skipped), and one commit that costs TCP throughput
/// about 5 % (a busy loop on the receive fast path).
final class BisectHistory: Sendable {
    typealias History = (good: String, bad: String, culprit: String, broken: String)
    static let shared = BisectHistory()
    /// Made once, bisected once: callers wait for the first (the lock is held while it works).
    private struct State {
        var made: History?
        var bisected: Bisected?
    }
    /// The bisection's output, run and report directory.
    typealias Bisected = (result: ProcessResult, run: Int64?, reports: URL)
    private let state = Mutex(State())

    static let pipeline = CheckEndToEndTests.pipeline

    func history() throws -> History {
        try state.withLock { state in
            if let made = state.made { return made }
            let made = try Self.make()
            state.made = made
            return made
        }
    }

    private static func make() throws -> History {
        try SharedKernel.ensureTree()
        let maker = PatchMaker.forDefaultTree()
        var files: [String: String] = [:]
        /// Applies `edits` to the file as the history left it; returns the diff.
        func change(_ path: String, _ edits: [(String, String)]) throws -> String {
            let before = try files[path] ?? maker.file(path)
            var after = before
            for (anchor, replacement) in edits {
                guard let r = after.range(of: anchor) else {
                    throw KGateError.infrastructure("anchor not found in \(path): \(anchor.prefix(60))")
                }
                after.replaceSubrange(r, with: replacement)
            }
            files[path] = after
            return try PatchMaker.diff(path: path, old: before, new: after)
        }
        /// A harmless commit: a comment at the end of the file. No line of code moves, so
        /// the kernel is byte for byte its parent's (`__LINE__` in WARN/BUG tables is
        /// unchanged) and its seeded boots replay from the boot memo, as a documentation-only
        /// commit's do for a user: the bisection measures the good kernel, the culprit's and
        /// nothing twice (the revert on top of the bad commit is the good kernel again).
        func comment(_ path: String, _ note: String) throws -> String {
            let text = try files[path] ?? maker.file(path)
            return try change(path, [(text, text + "/* \(note) */\n")])
        }
        let broken = "\nstatic int kgate_bisect_broken = ;"
        let audit = """
        static noinline void tcp_rcv_bisect_audit(const struct sock *sk)
        {
        \tconst struct tcp_sock *tp = tcp_sk(sk);
        \tu32 budget = 0;
        \tint i;

        \tfor (i = 0; i < 1500; i++) {
        \t\tbudget += READ_ONCE(tp->rcv_wnd) >> (i & 7);
        \t\tbarrier();
        \t}
        \tif (unlikely(!budget && tp->rcv_wnd))
        \t\tpr_warn_once("tcp: bisect audit found no budget\\n");
        }

        void tcp_rcv_established(struct sock *sk, struct sk_buff *skb)
        """
        let culpritIndex = 8, brokenIndex = 5
        let patches: [(String, String)] = [
            ("tcp: output: note on the transmit path", try comment("net/ipv4/tcp_output.c", "transmit path")),
            ("net: core: note on device handling", try comment("net/core/dev.c", "device handling")),
            ("tcp: ipv4: note on socket lookup", try comment("net/ipv4/tcp_ipv4.c", "socket lookup")),
            ("tcp: timer: note on retransmit timers", try comment("net/ipv4/tcp_timer.c", "timers")),
            ("tcp: note on the socket layer", try comment("net/ipv4/tcp.c", "socket layer")),
            ("tcp: cong: register congestion controls earlier",
             try change("net/ipv4/tcp_cong.c", [("#include <net/tcp.h>", "#include <net/tcp.h>" + broken)])),
            ("tcp: cong: fix the build", try change("net/ipv4/tcp_cong.c", [("#include <net/tcp.h>" + broken, "#include <net/tcp.h>")])),
            ("tcp: ipv6: note on socket lookup", try comment("net/ipv6/tcp_ipv6.c", "v6 socket lookup")),
            ("tcp: audit the receive window on the fast path", try change("net/ipv4/tcp_input.c", [
                ("void tcp_rcv_established(struct sock *sk, struct sk_buff *skb)\n", audit + "\n"),
                ("\ttcp_mstamp_refresh(tp);\n\tif (unlikely(!rcu_access_pointer(sk->sk_rx_dst)))",
                 "\ttcp_mstamp_refresh(tp);\n\ttcp_rcv_bisect_audit(sk);\n\tif (unlikely(!rcu_access_pointer(sk->sk_rx_dst)))"),
            ])),
            ("net: core: note on sockets", try comment("net/core/sock.c", "sockets")),
            ("udp: note on the receive path", try comment("net/ipv4/udp.c", "udp receive")),
            ("tcp: output: second note", try comment("net/ipv4/tcp_output.c", "and pacing")),
        ]
        let mails = patches.enumerated().map { i, p in
            PatchMaker.mail(index: i + 1, total: patches.count, subject: p.0, body: "Synthetic history for the bisect test.",
                            diff: p.1, minute: i)
        }
        let mbox = try PatchMaker.write(mails, name: "history.mbox")
        let applied = try TestEnv.kgate(["series", "apply", mbox.path, "--tree", TestEnv.defaultTreeName, "--base", "HEAD",
                                         "--ref", "bisect-e2e"])
        guard applied.exitCode == 0 else { throw KGateError.infrastructure("series apply failed", excerpt: applied.stderr) }
        let bad = TestEnv.lastLine(applied.stdout)
        let git = maker.gitDir.path
        func rev(_ spec: String) throws -> String {
            let r = try ProcessRunner.run("git", ["--git-dir", git, "rev-parse", spec])
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let goodOID = try rev("\(bad)~12")
        let culprit = try rev("\(bad)~\(11 - culpritIndex)")
        let brokenOID = try rev("\(bad)~\(11 - brokenIndex)")
        return (goodOID, bad, culprit, brokenOID)
    }

    func bisect() throws -> Bisected {
        let h = try history()
        return try state.withLock { state in
            if let bisected = state.bisected { return bisected }
            let reports = try TestEnv.temporaryDirectory("bisect-reports")
            let r = try TestEnv.kgate(["bisect", "--tree", TestEnv.defaultTreeName, "--good", h.good, "--bad", h.bad,
                                       "--workload", "tcp-stream-10ms", "--pipeline", Self.pipeline,
                                       "--report-dir", reports.path])
            let run = r.stdout.split(separator: "\n").first { $0.hasPrefix("run: ") }.flatMap { Int64($0.dropFirst(5)) }
            state.bisected = (r, run, reports)
            return (r, run, reports)
        }
    }
}

@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu)) struct BisectEndToEndTests {
    @Test func bisectNamesTheCulpritSkipsTheBrokenCommitAndConfirmsByRevert() throws {
        let h = try BisectHistory.shared.history()
        let (r, run, _) = try BisectHistory.shared.bisect()
        #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(4000))")
        #expect(TestEnv.lastLine(r.stdout) == h.culprit)
        #expect(r.stdout.contains("first bad commit: \(h.culprit)"))
        #expect(r.stdout.contains("git bisect skip \(h.broken)"), "the broken commit is skipped")
        #expect(r.stdout.contains("confirmed: reverting it"))
        #expect(run != nil)
    }

    /// Where the cycles went (issue 28): after naming the culprit, two profile boots
    /// (the culprit and its first parent) name the `noinline` helper the culprit adds
    /// first among the functions that grew, in the terminal and every report.
    @Test func theCulpritsProfileAgainstItsParentNamesTheHelperItAdds() throws {
        let h = try BisectHistory.shared.history()
        let (r, _, reports) = try BisectHistory.shared.bisect()
        try #require(r.exitCode == 0, "stderr: \(r.stderr.suffix(4000))")
        let helper = "tcp_rcv_bisect_audit"
        let scope = "culprit \(h.culprit.prefix(12)) “tcp: audit the receive window on the fast path” against its parent"
        #expect(r.stderr.contains("tcp-stream-10ms, \(scope)"), "stderr: \(r.stderr.suffix(3000))")
        #expect(r.stderr.contains("  grew \(helper) "))
        let firstGrown = try #require(try CheckEndToEndTests.profileRows(reports).first { $0.hasPrefix("grew ") })
        #expect(firstGrown.hasPrefix("grew \(helper) 0 "), "\(firstGrown)")
        let json = try String(contentsOf: reports.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(json.contains("\"commit\" : \"\(h.culprit)\""))
        let md = try String(contentsOf: reports.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(md.contains("| grew | `\(helper)` |"))
        #expect(md.contains("culprit \(h.culprit.prefix(12))"))
        let html = try String(contentsOf: reports.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<td>grew</td><td><code>\(helper)</code></td>"))
    }

    @Test func gitBisectRunWithBisectStepReachesTheSameCommit() throws {
        let h = try BisectHistory.shared.history()
        let (_, run, _) = try BisectHistory.shared.bisect()
        let runID = try #require(run)
        let clone = try TestEnv.temporaryDirectory("clone").appendingPathComponent("linux")
        defer { try? FileManager.default.removeItem(at: clone.deletingLastPathComponent()) }
        let gitDir = TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git").path
        func git(_ args: [String]) throws -> ProcessResult {
            try ProcessRunner.run("git", ["-C", clone.path] + args,
                                  environment: ["KGATE_CACHE": TestEnv.cache.root.path], timeout: 3600)
        }
        #expect(try ProcessRunner.run("git", ["clone", "-q", "--no-checkout", gitDir, clone.path]).exitCode == 0)
        #expect(try git(["fetch", "-q", "origin", "refs/kgate/bisect-e2e:refs/heads/bisect-e2e"]).exitCode == 0)
        #expect(try git(["checkout", "-q", "--detach", h.bad]).exitCode == 0)
        // Three commits between good and bad: a harmless one, the culprit, a harmless
        // one. git tests the middle one (the culprit: bad), then the one before it
        // (good): a good and a bad answer from kgate in two steps. `kgate bisect`
        // above measured both commits with the same pipeline, so their seeded
        // boots are replayed from the boot memo (the full history is its).
        let good = try git(["rev-parse", "\(h.bad)~5"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let bad = try git(["rev-parse", "\(h.bad)~1"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try git(["bisect", "start", bad, good]).exitCode == 0)
        let r = try git(["bisect", "run", TestEnv.kgateBinary.path, "bisect-step", "--workload", "tcp-stream-10ms",
                         "--from-run", String(runID), "--pipeline", BisectHistory.pipeline,
                         "--tree", TestEnv.defaultTreeName])
        #expect(r.stdout.contains("\(h.culprit) is the first bad commit"), "stdout: \(r.stdout.suffix(3000)) stderr: \(r.stderr.suffix(2000))")
        #expect(!(r.stdout + r.stderr).contains("kernel functions whose share"), "bisect-step takes no profile")
        let log = try git(["bisect", "log"]).stdout
        let answers = log.split(separator: "\n").filter { $0.hasPrefix("git bisect good ") || $0.hasPrefix("git bisect bad ") }
        #expect(answers.contains { $0.hasPrefix("git bisect good ") } && answers.contains { $0.hasPrefix("git bisect bad ") },
                "kgate answered both good and bad: \(log)")
    }
}
