import Foundation
import KGateCore
import Testing
import TestSupport

/// The scenario kgate exists for (issue 14), end to end on the embedded 6.12 tree:
/// the shipped port of "mm/vmpressure: skip socket pressure for costly order
/// reclaim" is an improvement on memcg-sockpressure with the receiver's window no
/// longer clamped; its revert, checked on top of it, is a regression. Both checks
/// share two kernels (the revert's are result-cache hits by tree id).
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu)) struct SockpressureEndToEndTests {
    static let pipeline = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/sockpressure-e2e.yaml").path
    static let fix = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/vmpressure-costly-order.mbox").path
    /// 4 × advmss at MTU 1500: the clamp `tcp_grow_window`/`__tcp_select_window` apply under socket pressure.
    static let clamp = 4.0 * 1448

    init() throws {
        try SharedKernel.ensureTree()
    }

    /// report.json's memcg-sockpressure entry: outcome and counter changes (name → base, candidate medians).
    static func verdict(_ reports: URL) throws -> (String, [String: (Double, Double)]) {
        let data = try Data(contentsOf: reports.appendingPathComponent("report.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let w = try #require((root["workloads"] as? [[String: Any]])?.first { $0["workload"] as? String == "memcg-sockpressure" })
        let outcome = try #require((w["verdict"] as? [String: Any])?["outcome"] as? String)
        var counters: [String: (Double, Double)] = [:]
        for c in (w["counterChanges"] as? [[String: Any]]) ?? [] {
            if let n = c["name"] as? String, let b = c["baseMedian"] as? Double, let k = c["candidateMedian"] as? Double {
                counters[n] = (b, k)
            }
        }
        return (outcome, counters)
    }

    func check(_ series: String, base: String? = nil) throws -> (ProcessResult, URL) {
        let reports = try TestEnv.temporaryDirectory("sockpressure-report")
        let r = try TestEnv.kgate(["check", "--tree", TestEnv.defaultTreeName, "--series", series, "--pipeline", Self.pipeline,
                                   "--report-dir", reports.path] + (base.map { ["--base", $0] } ?? []))
        return (r, reports)
    }

    @Test func theFixIsAnImprovementAndItsRevertARegression() throws {
        // 1. The fix on the embedded tree: improvement, exit 0, the clamp gone on the candidate.
        let (fixed, fixedReports) = try check(Self.fix)
        #expect(fixed.exitCode == 0, "stderr: \(fixed.stderr.suffix(3000))")
        let (outcome, counters) = try Self.verdict(fixedReports)
        #expect(outcome == "improvement", "stdout: \(fixed.stdout.suffix(2000))")
        let ssthresh = try #require(counters["rcv.ss.rcv_ssthresh.max"], "counters: \(counters.keys.sorted())")
        #expect(ssthresh.0 <= Self.clamp, "base rcv_ssthresh \(ssthresh.0): the pressure did not reach the receiver")
        #expect(ssthresh.1 > 10 * Self.clamp, "candidate rcv_ssthresh \(ssthresh.1): still clamped")
        // Reclaim walked the receiver's cgroup on both kernels: it is the verdict, not the workload, that differs.
        let scanned = try #require(counters["memcg.stat.pgscan"])
        #expect(scanned.0 > 0 && scanned.1 > 0)
        let summary = try String(contentsOf: fixedReports.appendingPathComponent("summary.md"), encoding: .utf8)
        // The Markdown report names the evidence (its underscores escaped for Markdown).
        #expect(summary.contains("rcv.ss.rcv\\_ssthresh.max 5792 →"), "summary: \(summary.prefix(1500))")

        // 2. Its revert with the fix as the base: regression, exit 1, no kernel built.
        let applied = try TestEnv.kgate(["series", "apply", Self.fix, "--tree", TestEnv.defaultTreeName, "--base", "HEAD",
                                         "--ref", "test/vmpressure-\(UUID().uuidString.prefix(8))"], timeout: 300)
        #expect(applied.exitCode == 0, "\(applied.stderr)")
        let fixCommit = TestEnv.lastLine(applied.stdout)
        let gitDir = TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git")
        let diff = try ProcessRunner.run("git", ["--git-dir", gitDir.path, "diff", "--full-index", fixCommit, "HEAD"])
        #expect(diff.exitCode == 0 && diff.stdout.contains("mm/vmpressure.c"), "\(diff.stderr)")
        let revert = try PatchMaker.write([PatchMaker.mail(
            index: 1, total: 1, subject: "Revert \"mm/vmpressure: skip socket pressure for costly order reclaim\"",
            body: "This reverts the fix (kgate test).", diff: diff.stdout)], name: "revert.mbox")
        let (reverted, revertReports) = try check(revert.path, base: fixCommit)
        #expect(reverted.exitCode == 1, "stderr: \(reverted.stderr.suffix(3000))")
        #expect(try Self.verdict(revertReports).0 == "regression")
        // Both kernels were built by the first check (the revert's tree is the embedded head's).
        let builds = reverted.stderr.split(separator: "\n").filter { $0.hasPrefix("build base") || $0.hasPrefix("build candidate") }
            .filter { $0.contains(": ") }
        #expect(builds.count == 2 && builds.allSatisfy { $0.hasSuffix(", cached") }, "builds: \(builds)")
    }
}
