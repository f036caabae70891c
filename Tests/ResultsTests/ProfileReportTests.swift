import Foundation
import KernelProfile
import KGateCore
import Testing
import TestSupport
@testable import Results

/// Profile rows round-trip through the store and render, escaped, in every report format.
@Suite(.tags(.unit)) struct ProfileReportTests {
    static func profile(_ functions: [String: UInt64], samples: UInt64, user: UInt64 = 0) -> KernelProfile {
        KernelProfile(periodNanoseconds: 100_000, samples: samples, userSamples: user, lostSamples: 0,
                      unresolvedSamples: 0, functions: functions)
    }

    static let comparison = ProfileComparison(
        workload: "tcp-stream-10ms",
        base: profile(["tcp_rcv_established": 500, "default_idle": 9_000, "tcp_<b>": 10], samples: 10_000, user: 300),
        candidate: profile(["tcp_rcv_window_audit": 900, "tcp_rcv_established": 490, "default_idle": 8_100,
                            "tcp_<b>": 10], samples: 10_000, user: 280))

    @Test func storedRowsReadBackAndRenderInEveryFormat() throws {
        let url = try TestEnv.temporaryDirectory("profile-store").appendingPathComponent("results.sqlite")
        let store = try ResultStore(url: url)
        let id = try store.beginRun(RunStart(kind: .check, tree: "t", mode: "deterministic", pipeline: "p"))
        try store.recordProfile(run: id, Self.comparison)
        try store.finishRun(run: id, verdicts: [], exitCode: 1)
        let report = try store.report(run: id)
        #expect(report.profiles == [Self.comparison])
        #expect(Self.comparison.grown.map(\.function) == ["tcp_rcv_window_audit"])
        #expect(Self.comparison.shrunk.map(\.function) == ["default_idle"])

        let lines = ProfileReport.lines(Self.comparison)
        #expect(lines[0] == "tcp-stream-10ms: kernel functions whose share of guest samples changed (10000 base, 10000 candidate "
                + "samples, one every 100 µs of guest time; user space 3.00 % → 2.80 %)")
        #expect(lines[1] == "  grew tcp_rcv_window_audit  0.00 % → 9.00 %  (+9.00 pt)")
        let md = ProfileReport.markdown(report.profiles, escape: Escape.markdown).joined(separator: "\n")
        #expect(md.contains("| grew | `tcp_rcv_window_audit` | 0.00 % | 9.00 % | +9.00 pt |"))
        let html = ProfileReport.html(report.profiles, escape: Escape.html).joined(separator: "\n")
        #expect(html.contains("<td>grew</td><td><code>tcp_rcv_window_audit</code></td>"))
        let json = try ReportExporter.render(report, format: .json)
        #expect(json.contains("\"function\" : \"tcp_rcv_window_audit\""))
    }

    @Test func noProfileRendersNothingAndAnEmptyComparisonSaysSo() {
        #expect(ProfileReport.markdown(nil, escape: Escape.markdown).isEmpty)
        #expect(ProfileReport.html([], escape: Escape.html).isEmpty)
        let same = ProfileComparison(workload: "w", base: Self.profile(["f": 10], samples: 20),
                                     candidate: Self.profile(["f": 10], samples: 20))
        #expect(ProfileReport.lines(same) == ["w: no kernel function changed beyond the profile's resolution"])
        #expect(ProfileReport.html([same], escape: Escape.html).joined().contains("no kernel function changed"))
    }

    /// `kgate nightly` (and `kgate bisect`) record the bisection's culprit against its
    /// parent with the run, after the night's verdicts: every format says which commits.
    @Test func aCulpritsProfileRecordedAfterTheVerdictsNamesItsCommitsInEveryFormat() throws {
        let url = try TestEnv.temporaryDirectory("profile-culprit").appendingPathComponent("results.sqlite")
        let store = try ResultStore(url: url)
        let id = try store.beginRun(RunStart(kind: .nightly, tree: "t", mode: "deterministic", pipeline: "p"))
        try store.recordProfile(run: id, Self.comparison)
        try store.finishRun(run: id, verdicts: [try #require(DemoRun.report().workloads.first)], exitCode: 1)
        var culprit = Self.comparison
        culprit.culprit = CulpritRevisions(commit: String(repeating: "a", count: 40), parent: String(repeating: "b", count: 40),
                                           subject: "tcp: audit <the> window")
        try store.recordProfile(run: id, culprit)
        let report = try store.report(run: id)
        #expect(report.profiles == [Self.comparison, culprit])

        let what = "tcp-stream-10ms, culprit aaaaaaaaaaaa “tcp: audit <the> window” against its parent bbbbbbbbbbbb"
        #expect(ProfileReport.lines(culprit)[0].hasPrefix(what + ": kernel functions whose share"))
        #expect(ProfileReport.lines(culprit)[1] == "  grew tcp_rcv_window_audit  0.00 % → 9.00 %  (+9.00 pt)")
        #expect(ProfileReport.lines(Self.comparison)[0].hasPrefix("tcp-stream-10ms: kernel functions"))
        let md = try ReportExporter.render(report, format: .md)
        #expect(md.contains(Escape.markdown(what) + ": kernel functions"))
        #expect(md.components(separatedBy: "| grew | `tcp_rcv_window_audit` |").count == 3, "both comparisons' rows")
        let html = try ReportExporter.render(report, format: .html)
        #expect(html.contains("<p>tcp-stream-10ms, culprit aaaaaaaaaaaa “tcp: audit &lt;the&gt; window” against its parent"))
        let json = try ReportExporter.render(report, format: .json)
        #expect(json.contains("\"commit\" : \"\(String(repeating: "a", count: 40))\""))
        #expect(json.contains("\"parent\" : \"\(String(repeating: "b", count: 40))\""))

        // A comparison stored before culprits and user samples were kept still reads back, without the user share.
        var stored = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(culprit)) as? [String: Any])
        for key in ["culprit", "baseUserSamples", "candidateUserSamples"] { #expect(stored.removeValue(forKey: key) != nil) }
        let old = try JSONDecoder().decode(ProfileComparison.self, from: try JSONSerialization.data(withJSONObject: stored))
        #expect(old.culprit == nil && old.userShare == nil && old.grown == Self.comparison.grown)
        #expect(!ProfileReport.heading(old).contains("user space"))
    }
}
