import Foundation
import Gate
import KGateCore

/// trend.html: one self-contained page (inline CSS and SVG, no script, no external
/// resource), one chart per series. Every string from the store is escaped.
public enum TrendHTML {
    static let width = 760.0, height = 280.0
    static let left = 70.0, right = 20.0, top = 24.0, bottom = 56.0

    public static func render(_ doc: TrendDocument) -> String {
        let h = Escape.html
        var out = HTMLExporter.documentHead(title: "kgate nightly trend", css: css)
        let scope = [doc.tree.map { "tree \($0)" }, doc.pipeline.map { "pipeline \($0)" }, doc.workload.map { "workload \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        out.append("<header><h1>kgate nightly trend</h1><p class=\"exit\">\(h(scope.isEmpty ? "every tree and pipeline" : scope)): " +
                   "\(doc.series.count) series</p></header>")
        if doc.series.isEmpty { out.append("<p class=\"warn\">No measured nightly run in the results store.</p>") }
        for s in doc.series { out.append(section(s)) }
        out.append("<footer>Each point is a night: the median of its head's trials, the bar its 95 % interval of the median " +
                   "(order statistics; min–max below 6 trials), the grey band ±threshold around the night's base median, " +
                   "a dashed line a change point, a red point a regression (its culprit named). Series never mix trees, " +
                   "pipelines, kernel configurations or measurement modes.</footer>")
        out.append("</body></html>")
        return out.joined(separator: "\n") + "\n"
    }

    static func section(_ s: TrendSeries) -> String {
        let h = Escape.html
        var out: [String] = []
        out.append("<section class=\"trend\" data-workload=\"\(h(s.workload))\" data-metric=\"\(h(s.metric))\">")
        out.append("<h2>\(h(s.workload)) <small>\(h(s.metric))</small></h2>")
        out.append("<p class=\"facts\">tree \(h(s.tree)) · pipeline \(h(s.pipeline)) · mode \(h(s.mode)) · config " +
                   "<code>\(h(String(s.configHash.prefix(12))))</code> · \(s.nights.count) night(s)</p>")
        out.append(chart(s))
        out.append("<p class=\"reason\">Change points: \(h(s.method)).</p>")
        if s.changePoints.isEmpty {
            out.append("<p class=\"changes none\">No change point.</p>")
        } else {
            out.append("<ul class=\"changes\">")
            for c in s.changePoints {
                let p = c.pValue.map { ", p = \(Format.pValue($0))" } ?? ""
                out.append("<li>change point at night #\(c.run) (<code>\(h(Phrase.short(c.head)))</code>): " +
                           "\(h(Format.percent(c.relativeChange)))\(h(p))</li>")
            }
            out.append("</ul>")
        }
        out.append("<table class=\"grid\"><tr><th>night</th><th>started</th><th>head</th><th>median</th><th>95 % interval</th>" +
                   "<th>trials</th><th>outcome</th><th>culprit</th></tr>")
        for n in s.nights {
            let culprit = n.culprit.map { "<code>\(h(Phrase.short($0)))</code> \(h(n.culpritSubject ?? ""))" }
                ?? (n.outcome == .regression ? "not bisected" : "")
            let measured = n.measuredIn == n.run ? "" : " <small>(measured as base of #\(n.measuredIn))</small>"
            out.append("<tr><td><a href=\"\(h(n.report))\">#\(n.run)</a></td><td>\(h(Phrase.timestamp(n.startedAt)))</td>" +
                       "<td><code>\(h(Phrase.short(n.head)))</code></td><td>\(h(Phrase.value(n.median, s.unit)))\(measured)</td>" +
                       "<td>\(h(Phrase.value(n.lower, s.unit)))–\(h(Phrase.value(n.upper, s.unit)))</td><td>\(n.trials)</td>" +
                       "<td class=\"\(h(n.outcome?.rawValue ?? "none"))\">\(h(n.outcome?.rawValue ?? "—"))</td>" +
                       "<td class=\"culprit\">\(culprit)</td></tr>")
        }
        out.append("</table></section>")
        return out.joined(separator: "\n")
    }

    static func chart(_ s: TrendSeries) -> String {
        let h = Escape.html
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var all = s.nights.flatMap { [$0.lower, $0.upper, $0.median] + [$0.bandLower, $0.bandUpper].compactMap { $0 } }
            .filter(\.isFinite)
        if all.isEmpty { all = [0, 1] }
        var lo = all.min() ?? 0, hi = all.max() ?? 1
        if hi - lo < 1e-9 * max(1, abs(hi)) { lo -= max(1, abs(lo) * 0.01); hi += max(1, abs(hi) * 0.01) }
        let pad = (hi - lo) * 0.08
        lo -= pad
        hi += pad
        let count = s.nights.count
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(count, 1))
        func x(_ i: Int) -> Double { left + slot * (Double(i) + 0.5) }
        func y(_ v: Double) -> Double { top + (hi - v) / (hi - lo) * plotHeight }
        var g: [String] = []
        g.append("<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" " +
                 "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"nightly trend of \(h(s.workload))\">")
        g.append("<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fcfcfc\"/>")
        for (i, n) in s.nights.enumerated() {
            if let bl = n.bandLower, let bu = n.bandUpper {
                g.append("<rect class=\"band\" x=\"\(f(x(i) - slot / 2))\" y=\"\(f(y(max(bl, bu))))\" width=\"\(f(slot))\" " +
                         "height=\"\(f(abs(y(bl) - y(bu))))\" fill=\"#999\" fill-opacity=\"0.15\"/>")
            }
        }
        // Axis and ticks.
        g.append("<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(width - right))\" y2=\"\(f(top + plotHeight))\" stroke=\"#666\"/>")
        g.append("<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"#666\"/>")
        let (divisor, unitLabel) = Format.scale(unit: s.unit, magnitude: max(abs(lo), abs(hi)))
        for i in 0...4 {
            let v = lo + (hi - lo) * Double(i) / 4
            g.append("<text x=\"\(f(left - 6))\" y=\"\(f(y(v) + 4))\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">" +
                     "\(h(Format.number(StripPlot.tickRound(v / divisor, span: (hi - lo) / divisor))))</text>")
        }
        g.append("<text x=\"8\" y=\"14\" font-size=\"11\" fill=\"#555\">\(h(unitLabel))</text>")
        // Change points: between the night before and the first night after.
        for c in s.changePoints where c.index > 0 && c.index < count {
            let cx = (x(c.index - 1) + x(c.index)) / 2
            g.append("<line class=\"change\" x1=\"\(f(cx))\" y1=\"\(f(top))\" x2=\"\(f(cx))\" y2=\"\(f(top + plotHeight))\" " +
                     "stroke=\"#7b1fa2\" stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>change point: " +
                     "\(h(Format.percent(c.relativeChange)))</title></line>")
            g.append("<text x=\"\(f(cx + 4))\" y=\"\(f(top + 10))\" font-size=\"11\" fill=\"#7b1fa2\">" +
                     "\(h(Format.percent(c.relativeChange)))</text>")
        }
        // The medians joined, each night's interval and point.
        let line = s.nights.enumerated().map { "\(f(x($0.offset))),\(f(y($0.element.median)))" }.joined(separator: " ")
        g.append("<polyline points=\"\(line)\" fill=\"none\" stroke=\"#3f6fb5\" stroke-opacity=\"0.6\"/>")
        let labelEvery = max(1, Int((Double(count) / 12).rounded(.up)))
        for (i, n) in s.nights.enumerated() {
            let regression = n.outcome == .regression
            let color = regression ? "#c62828" : "#3f6fb5"
            g.append("<line class=\"interval\" x1=\"\(f(x(i)))\" y1=\"\(f(y(n.upper)))\" x2=\"\(f(x(i)))\" y2=\"\(f(y(n.lower)))\" " +
                     "stroke=\"\(color)\" stroke-width=\"2\"/>")
            let title = "night #\(n.run), head \(Phrase.short(n.head)): \(Phrase.value(n.median, s.unit))"
                + (n.culpritSubject.map { ", culprit: \($0)" } ?? "")
            g.append("<a href=\"\(h(n.report))\"><circle class=\"night\(regression ? " regression" : "")\" cx=\"\(f(x(i)))\" " +
                     "cy=\"\(f(y(n.median)))\" r=\"5\" fill=\"\(color)\"><title>\(h(title))</title></circle></a>")
            if i % labelEvery == 0 {
                g.append("<text class=\"head\" x=\"\(f(x(i)))\" y=\"\(f(top + plotHeight + 14))\" font-size=\"10\" fill=\"#555\" " +
                         "text-anchor=\"middle\">\(h(String(n.head.prefix(7))))</text>")
            }
            if regression {
                let label = n.culpritSubject ?? "regression (not bisected)"
                g.append("<a href=\"\(h(n.report))\"><text class=\"culprit\" x=\"\(f(x(i)))\" y=\"\(f(top + plotHeight + 30 + Double(i % 2) * 12))\" " +
                         "font-size=\"10\" fill=\"#c62828\" text-anchor=\"\(i == count - 1 && count > 1 ? "end" : "middle")\">" +
                         "\(h(String(label.prefix(60))))</text></a>")
            }
        }
        g.append("</svg>")
        return g.joined(separator: "\n")
    }

    static let css = """
    body{max-width:900px}section.trend{margin:18px 0;padding:10px 14px;border:1px solid #ddd;border-radius:6px}
    p.facts{color:#555;font-size:13px;margin:2px 0}ul.changes{font-size:13px}section.trend table.grid td{white-space:normal}
    td.regression{color:#c62828}td.improvement{color:#2e7d32}
    """
}
