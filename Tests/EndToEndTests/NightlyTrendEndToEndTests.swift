import Foundation
import KGateCore
import Testing
import TestSupport

/// Four nights over BisectHistory (issue 29's "done when"), in the bisect suite so
/// they run after `kgate bisect` measured the same commits with the same pipeline:
/// the kernels are stored builds and the seeded boots replay from the boot memo.
/// Night 1 is the baseline (the good commit), night 2 the culprit's parent (unchanged),
/// night 3 the culprit alone (one commit landed: named directly), night 4 the bad end
/// (still regressed; not bisected, which would build and measure new commits).
extension BisectEndToEndTests {
    @Test(.needs(.chromium)) func fourNightsDrawOneChartWithTheChangeAtTheCulpritsNight() throws {
        let h = try BisectHistory.shared.history()
        _ = try BisectHistory.shared.bisect()
        let parent = try rev("\(h.culprit)~1")
        let reports = try TestEnv.temporaryDirectory("nightly-trend")
        let nights: [(head: String, extra: [String], exit: Int32)] = [
            (h.good, ["--good", h.good], 0), (parent, [], 0), (h.culprit, [], 1), (h.bad, ["--no-bisect"], 1),
        ]
        for (i, night) in nights.enumerated() {
            let r = try TestEnv.kgate(["nightly", "--tree", TestEnv.defaultTreeName, "--pipeline", BisectHistory.pipeline,
                                       "--head", night.head, "--no-profile", "--report-dir",
                                       reports.appendingPathComponent("night-\(i + 1)").path] + night.extra)
            #expect(r.exitCode == night.exit, "night \(i + 1): \(r.stdout.suffix(1500)) \(r.stderr.suffix(3000))")
        }
        // The last night wrote the trend beside its report.
        let last = reports.appendingPathComponent("night-4")
        #expect(try String(contentsOf: last.appendingPathComponent("trend.html"), encoding: .utf8)
            .contains("tcp: audit the receive window on the fast path"))
        // These four nights alone (a rerun on the same cache keeps older nights in the store).
        let out = reports.appendingPathComponent("trend")
        let r = try TestEnv.kgate(["results", "trend", "--tree", TestEnv.defaultTreeName, "--pipeline", BisectHistory.pipeline,
                                   "--nights", "4", "--out", out.path])
        #expect(r.exitCode == 0, "\(r.stderr.suffix(2000))")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trend.json"))) as? [String: Any]
        let series = try #require(json?["series"] as? [[String: Any]])
        #expect(series.count == 1, "one chart: the pipeline's one workload")
        let chart = try #require(series.first)
        #expect(chart["workload"] as? String == "tcp-stream-10ms")
        let points = try #require(chart["nights"] as? [[String: Any]])
        #expect(points.compactMap { $0["head"] as? String } == nights.map(\.head))
        #expect(points.compactMap { $0["culpritSubject"] as? String } == ["tcp: audit the receive window on the fast path"])
        let changes = try #require(chart["changePoints"] as? [[String: Any]])
        #expect(changes.compactMap { $0["head"] as? String } == [h.culprit], "the change point is the culprit's night: \(changes)")
        let dom = try Browser.dumpDOM(out.appendingPathComponent("trend.html"))
        #expect(dom.components(separatedBy: "<circle class=\"night").count - 1 == 4)
        #expect(dom.components(separatedBy: "<line class=\"change\"").count - 1 == 1)
        #expect(dom.contains("tcp: audit the receive window on the fast path"))
    }

    private func rev(_ spec: String) throws -> String {
        let git = TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git").path
        return try ProcessRunner.run("git", ["--git-dir", git, "rev-parse", spec]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
