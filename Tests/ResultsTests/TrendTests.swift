import Foundation
import Gate
import KGateCore
import Testing
import TestSupport
@testable import Results

/// A nightly history recorded through the store's API, as `kgate nightly` records it.
struct NightlyHistory {
    let store: ResultStore
    static let culpritSubject = "tcp: audit the receive window <script>alert(1)</script>"

    init(label: String) throws {
        store = try ResultStore(url: try TestEnv.temporaryDirectory(label).appendingPathComponent("results.sqlite"))
    }

    /// Six trials a side at `base` and `candidate` (deterministic: a revision repeats its
    /// value up to `jitter`), judged by the real gate; the first night records a baseline.
    @discardableResult
    func night(base: String?, head: String, baseValue: Double, headValue: Double, config: String = "cfg-a",
               culprit: (String, String)? = nil, day: Int, workloads: [String] = ["tcp-stream-10ms"]) throws -> Int64 {
        let run = try store.beginRun(RunStart(kind: .nightly, tree: "linux-6.12", baseRevision: base, candidateRevision: head,
                                              seriesSubject: "night \(day)", mode: "deterministic", pipeline: "e2e",
                                              startedAt: Date(timeIntervalSince1970: 1_790_000_000 + Double(day) * 86_400)))
        guard let base else {
            try store.finishRun(run: run, verdicts: [], exitCode: 0, note: "first night")
            return run
        }
        for (revision, _) in [(base, baseValue), (head, headValue)] {
            try store.recordBuild(run: run, BuildInfo(revision: revision, configHash: config, succeeded: true, seconds: 0))
            try store.recordBoot(run: run, BootInfo(revision: revision, mode: "deterministic", succeeded: true, seconds: 1))
        }
        var verdicts: [WorkloadVerdict] = []
        for workload in workloads {
            var config = GateConfig.defaults(for: .deterministic)
            config.maxTrials = 24
            let gate = AdaptiveGate(config)
            func sample(_ value: Double, _ k: Int) -> Sample {
                Sample(workload: workload, metric: "throughput", unit: "bit/s", value: value * (1 + 0.001 * Double(k % 3 - 1)), trial: k)
            }
            var b: [Sample] = [], c: [Sample] = []
            var verdict: WorkloadVerdict?
            while verdict == nil && b.count < 24 {
                let k = b.count
                b.append(sample(baseValue, k))
                c.append(sample(headValue, k))
                try store.recordTrial(run: run, role: .base, revision: base, samples: [b[k]])
                try store.recordTrial(run: run, role: .candidate, revision: head, samples: [c[k]])
                if b.count >= config.minTrials { verdict = gate.decide(workload: workload, metric: "throughput", base: b, candidate: c).1 }
            }
            verdicts.append(try #require(verdict))
        }
        if let culprit { try store.recordCommits(run: run, [RunCommit(role: "culprit", commit: culprit.0, subject: culprit.1)]) }
        let overall = GateOutcome.overall(verdicts.map(\.verdict.outcome))
        try store.finishRun(run: run, verdicts: verdicts, exitCode: overall.exitCode)
        return run
    }

    /// Four nights: a baseline, an unchanged night, the culprit's night (−5 %), one more regressed night.
    static func fourNights(label: String, workloads: [String] = ["tcp-stream-10ms"]) throws -> NightlyHistory {
        let h = try NightlyHistory(label: label)
        let (g, n2, n3, n4) = ("a1" + String(repeating: "0", count: 38), "b2" + String(repeating: "0", count: 38),
                               "c3" + String(repeating: "0", count: 38), "d4" + String(repeating: "0", count: 38))
        try h.night(base: nil, head: g, baseValue: 0, headValue: 0, day: 1, workloads: workloads)
        try h.night(base: g, head: n2, baseValue: 2.5e9, headValue: 2.502e9, day: 2, workloads: workloads)
        try h.night(base: n2, head: n3, baseValue: 2.502e9, headValue: 2.377e9, culprit: (n3, culpritSubject), day: 3, workloads: workloads)
        try h.night(base: n2, head: n4, baseValue: 2.502e9, headValue: 2.378e9, day: 4, workloads: workloads)
        return h
    }
}

@Suite(.tags(.unit)) struct TrendTests {
    @Test func fourNightsMakeOneSeriesWithTheChangeAtTheCulpritsNight() throws {
        let h = try NightlyHistory.fourNights(label: "trend-four")
        let doc = TrendBuilder.build(try h.store.nightlyReports())
        #expect(doc.series.count == 1)
        let s = try #require(doc.series.first)
        #expect(s.nights.count == 4)
        #expect(s.nights.map(\.run) == [1, 2, 3, 4])
        // The first night measured nothing: its head is the second night's base.
        #expect(s.nights[0].measuredIn == 2 && s.nights[0].measuredAs == "base")
        #expect(abs(s.nights[0].median - 2.5e9) < 1)
        #expect(s.nights.map(\.outcome) == [nil, .unchanged, .regression, .regression])
        #expect(s.nights[2].culpritSubject == NightlyHistory.culpritSubject)
        #expect(s.changePoints.map(\.index) == [2])
        #expect(s.changePoints.first.map { abs($0.relativeChange + 0.05) < 0.002 } == true)
        #expect(s.nights[2].bandLower.map { abs($0 - 2.502e9 * 0.98) < 1 } == true)
        #expect(s.mode == "deterministic" && s.configHash == "cfg-a")
    }

    @Test func anotherConfigurationIsAnotherSeries() throws {
        let h = try NightlyHistory.fourNights(label: "trend-config")
        try h.night(base: "d4" + String(repeating: "0", count: 38), head: "e5" + String(repeating: "0", count: 38),
                    baseValue: 2.378e9, headValue: 2.9e9, config: "cfg-b", day: 5)
        let doc = TrendBuilder.build(try h.store.nightlyReports())
        #expect(doc.series.map(\.configHash) == ["cfg-a", "cfg-b"])
        #expect(doc.series.map(\.nights.count) == [4, 1])
        #expect(doc.series[0].changePoints.map(\.index) == [2], "the other config's jump is not a change in this series")
    }

    @Test func pageAndJSONCarryEveryNightEscaped() throws {
        let h = try NightlyHistory.fourNights(label: "trend-files", workloads: ["tcp-stream-10ms", "rr-<b>latency</b>"])
        let out = try TestEnv.temporaryDirectory("trend-out")
        let doc = try TrendWriter.write(store: h.store, to: out, tree: "linux-6.12", pipeline: "e2e")
        #expect(doc.series.count == 2)
        let html = try String(contentsOf: out.appendingPathComponent("trend.html"), encoding: .utf8)
        #expect(!html.contains("<script>") && !html.contains("<b>latency"))
        #expect(html.contains("tcp: audit the receive window &lt;script&gt;"))
        #expect(html.components(separatedBy: "<circle class=\"night").count - 1 == 8, "four points per chart")
        #expect(html.components(separatedBy: "<line class=\"change\"").count - 1 == 2)
        #expect(html.contains("href=\"nights/run-3.html\""))
        for run in 1...4 {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("nights/run-\(run).html").path))
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trend.json"))) as? [String: Any]
        let series = try #require(json?["series"] as? [[String: Any]])
        #expect(series.count == 2)
        let nights = try #require(series.first?["nights"] as? [[String: Any]])
        #expect(nights.count == 4)
        #expect((nights[1]["median"] as? Double) == 2.502e9, "exact values in the JSON")
        #expect((series.first?["changePoints"] as? [[String: Any]])?.first?["run"] as? Int == 3)
    }

    @Test func nightsFilterKeepsTheMostRecent() throws {
        let h = try NightlyHistory.fourNights(label: "trend-limit")
        #expect(try h.store.nightlyRuns(limit: 2).map(\.id) == [3, 4])
        #expect(try h.store.nightlyRuns(tree: "other").isEmpty)
        #expect(try h.store.nightlyRuns(pipeline: "e2e").count == 4)
    }
}
