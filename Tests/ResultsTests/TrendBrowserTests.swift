import Foundation
import Testing
import TestSupport
@testable import Results

/// trend.html as a person sees it: rendered by headless Chromium, charts, points,
/// the change point and the culprit's subject (escaped, so shown as text).
@Suite(.tags(.endToEnd), .needs(.chromium)) struct TrendBrowserTests {
    @Test func chromiumShowsFourPointsPerChartTheChangeAndTheCulprit() throws {
        let h = try NightlyHistory.fourNights(label: "trend-browser", workloads: ["tcp-stream-10ms", "tcp-4flows"])
        let out = try TestEnv.temporaryDirectory("trend-browser-out")
        try TrendWriter.write(store: h.store, to: out)
        let page = out.appendingPathComponent("trend.html")
        let dom = try Browser.dumpDOM(page)
        let sections = dom.components(separatedBy: "<section class=\"trend\"").dropFirst()
        #expect(sections.count == 2, "one chart per workload")
        for section in sections {
            #expect(section.components(separatedBy: "<circle class=\"night").count - 1 == 4, "four points")
            #expect(section.components(separatedBy: "<line class=\"change\"").count - 1 == 1, "one change point")
            #expect(section.contains("<a href=\"nights/run-3.html\">"))
        }
        // The subject is text, not markup: the browser parsed no script element from it.
        #expect(dom.contains("tcp: audit the receive window &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!dom.contains("<script>alert(1)"))
        let png = try Browser.screenshot(page, to: out.appendingPathComponent("trend.png"))
        #expect(png > 10_000, "a screenshot with content: \(png) bytes")
    }
}
