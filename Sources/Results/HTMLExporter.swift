import Foundation
import Gate
import KGateCore

/// One self-contained HTML page (inline CSS and SVG, no script, no external
/// resource). Every string that came from outside (subjects, names, reasons) is escaped.
public enum HTMLExporter {
    /// The start of every kgate page up to `<body>`: no script and no external resource
    /// (the Content-Security-Policy says so to the browser), the report's CSS plus `css`.
    /// `title` is escaped here.
    static func documentHead(title: String, css extra: String = "") -> [String] {
        ["<!DOCTYPE html>",
         "<html lang=\"en\"><head><meta charset=\"utf-8\">",
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
         "<title>\(Escape.html(title))</title>",
         "<style>\(css)\(extra)</style></head><body>"]
    }

    public static func render(_ report: RunReport) -> String {
        let run = report.run
        let h = Escape.html
        let overall = report.overall
        var out = documentHead(title: "kgate \(run.kind.rawValue) #\(run.id): \(Phrase.outcome(overall))")
        out.append("<header class=\"\(cssClass(overall))\"><h1>kgate \(h(run.kind.rawValue)) #\(run.id) " +
                   "<span class=\"badge\">\(h(Phrase.outcome(overall)))</span></h1>")
        out.append("<p class=\"exit\">\(h(Phrase.exit(report)))</p></header>")
        out.append("<table class=\"facts\">")
        let facts: [(String, String?)] = [
            ("tree", run.tree), ("base", run.baseRevision), ("candidate", run.candidateRevision),
            ("series", run.seriesSubject), ("patchset hash", run.patchsetHash), ("mode", run.mode),
            ("pipeline", run.pipeline), ("started", Phrase.timestamp(run.startedAt)),
            ("finished", run.finishedAt.map(Phrase.timestamp)), ("status", run.status.rawValue), ("note", run.note),
        ]
        for (name, value) in facts {
            guard let value, !value.isEmpty else { continue }
            // A failure's note keeps its lines (reason, where, fix, log excerpt).
            let cell = value.contains("\n") ? "<pre>\(h(value))</pre>" : h(value)
            out.append("<tr><th>\(h(name))</th><td>\(cell)</td></tr>")
        }
        out.append("</table>")
        if !report.commits.isEmpty {
            out.append("<h2>Commits</h2><ul class=\"commits\">")
            for c in report.commits {
                out.append("<li><span class=\"role\">\(h(c.role))</span> <code>\(h(Phrase.short(c.commit)))</code> " +
                           "\(h(c.subject))\(c.author.isEmpty ? "" : " <span class=\"author\">— \(h(c.author))</span>")</li>")
            }
            out.append("</ul>")
        }
        if report.workloads.isEmpty && run.status == .interrupted {
            out.append("<p class=\"warn\">The run was interrupted before its verdict was written.</p>")
        }
        for w in report.workloads {
            out.append(workloadSection(w))
        }
        out += ProfileReport.html(report.profiles, escape: h)
        if !report.bisectSteps.isEmpty {
            out.append("<h2>Bisection</h2><table class=\"grid\"><tr><th>#</th><th>revision</th><th>median</th><th>classification</th><th>subject</th></tr>")
            for (i, s) in report.bisectSteps.enumerated() {
                out.append("<tr><td>\(i + 1)</td><td><code>\(h(Phrase.short(s.revision)))</code></td>" +
                           "<td>\(h(s.median.map { Phrase.value($0, s.unit) } ?? "—"))</td>" +
                           "<td class=\"\(h(s.classification))\">\(h(s.classification))</td><td>\(h(s.subject))</td></tr>")
            }
            out.append("</table>")
        }
        if !report.stages.isEmpty {
            out.append("<h2>Stages</h2><table class=\"grid\">")
            for s in report.stages {
                out.append("<tr><th>\(h(s.stage))</th><td>\(h(formatElapsed(s.seconds)))</td></tr>")
            }
            out.append("</table>")
        }
        out.append("<footer>Exit codes: 0 pass · 1 throughput regression · 2 broken patch · 3 inconclusive · 4 infrastructure failure. " +
                   "Interval: Hodges–Lehmann on log ratios (Mann–Whitney), dashed lines: ±threshold around the base median.</footer>")
        out.append("</body></html>")
        return out.joined(separator: "\n") + "\n"
    }

    static func cssClass(_ o: GateOutcome?) -> String { o?.rawValue ?? "none" }

    static func workloadSection(_ w: WorkloadVerdict) -> String {
        let h = Escape.html
        let a = w.verdict.analysis
        var out: [String] = []
        out.append("<section class=\"workload \(cssClass(w.verdict.outcome))\">")
        out.append("<h2>\(h(w.workload)) <small>\(h(w.metric))</small> <span class=\"badge\">\(h(w.verdict.outcome.rawValue))</span></h2>")
        out.append("<table class=\"grid\"><tr><th>base median</th><th>candidate median</th><th>effect [\(h(Format.level(a.level))) CI]</th>" +
                   "<th>p</th><th>trials</th><th>threshold</th></tr>")
        out.append("<tr><td>\(h(Phrase.value(a.baseMedian, w.unit)))</td><td>\(h(Phrase.value(a.candidateMedian, w.unit)))</td>" +
                   "<td>\(h(Phrase.interval(a)))</td><td>\(h(Format.pValue(a.pValue)))</td><td>\(a.baseCount)+\(a.candidateCount)</td>" +
                   "<td>±\(h(Format.percent(w.verdict.threshold, signed: false)))</td></tr></table>")
        out.append(StripPlot.svg(w))
        out.append("<p class=\"reason\">\(h(w.verdict.reason))</p>")
        if !w.counterChanges.isEmpty {
            out.append("<p>Counter changes:</p><ul class=\"counters\">")
            for c in w.counterChanges {
                out.append("<li><code>\(h(c.summary))</code></li>")
            }
            out.append("</ul>")
        }
        out.append("</section>")
        return out.joined(separator: "\n")
    }

    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:760px;color:#222;background:#fff}
    header{padding:12px 16px;border-radius:6px;background:#eee}header h1{margin:0;font-size:22px}
    header.regression{background:#fde2e1}header.unchanged,header.improvement{background:#e3f4e6}header.inconclusive{background:#fff4d6}
    .exit{margin:4px 0 0;color:#444}
    .badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;vertical-align:middle;background:#888;color:#fff}
    .regression .badge{background:#c62828}.improvement .badge{background:#2e7d32}.unchanged .badge{background:#558b5a}.inconclusive .badge{background:#b7791f}
    table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;text-align:left;vertical-align:top}
    table.facts th{color:#555;font-weight:600}table.facts td{word-break:break-all}
    table.grid th{background:#f3f3f3}table.grid td,table.grid th{white-space:nowrap;padding:3px 7px;font-size:13px}table.grid td,table.grid th{border:1px solid #ddd}
    section.workload{margin:18px 0;padding:10px 14px;border:1px solid #ddd;border-left:6px solid #888;border-radius:6px}
    section.regression{border-left-color:#c62828}section.improvement{border-left-color:#2e7d32}
    section.unchanged{border-left-color:#558b5a}section.inconclusive{border-left-color:#b7791f}
    h2{font-size:17px;margin:14px 0 6px}h2 small{color:#666;font-weight:normal}
    .reason{color:#444;font-size:13px}.warn{background:#fff4d6;padding:8px}
    .role{display:inline-block;min-width:70px;color:#666}.author{color:#777}
    td.bad{color:#c62828}td.good{color:#2e7d32}
    footer{margin-top:24px;color:#777;font-size:12px}svg{display:block;margin:6px 0}
    """
}
