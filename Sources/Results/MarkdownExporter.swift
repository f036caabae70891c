import Foundation
import Gate
import KGateCore

/// A merge-request comment: the verdict first, then the numbers behind it.
public enum MarkdownExporter {
    public static func render(_ report: RunReport) -> String {
        let run = report.run
        let md = Escape.markdown
        var out: [String] = []
        let overall = report.overall
        out.append("## kgate \(run.kind.rawValue) #\(run.id): \(Phrase.icon(overall)) \(Phrase.outcome(overall))")
        out.append("")
        out.append("**\(md(Phrase.exit(report)))**")
        out.append("")
        var facts = ["tree `\(md(run.tree))`", "base `\(md(Phrase.short(run.baseRevision)))`",
                     "candidate `\(md(Phrase.short(run.candidateRevision)))`", "mode \(md(run.mode))",
                     "pipeline \(md(run.pipeline))"]
        if let hash = run.patchsetHash, !hash.isEmpty { facts.append("patchset `\(md(String(hash.prefix(12))))`") }
        out.append(facts.joined(separator: " · "))
        if let subject = run.seriesSubject, !subject.isEmpty {
            out.append("")
            out.append("Series: \(md(subject))")
        }
        if let note = run.note, !note.isEmpty {
            // The reason on one line, then where, fix and the log excerpt verbatim.
            let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
            out.append("")
            out.append("> \(md(String(lines[0])))")
            if lines.count > 1 {
                out.append("")
                out.append("```")
                out.append(contentsOf: lines.dropFirst().map { $0.replacingOccurrences(of: "```", with: "'''") })
                out.append("```")
            }
        }
        if !report.workloads.isEmpty {
            let level = report.workloads.first.map { Format.level($0.verdict.analysis.level) } ?? ""
            out.append("")
            out.append("| workload | metric | base median | candidate median | effect [\(level) CI] | trials | verdict |")
            out.append("| --- | --- | ---: | ---: | --- | ---: | --- |")
            for w in report.workloads {
                let a = w.verdict.analysis
                out.append("| \(md(w.workload)) | \(md(w.metric)) | \(md(Phrase.value(a.baseMedian, w.unit))) | " +
                           "\(md(Phrase.value(a.candidateMedian, w.unit))) | \(Phrase.interval(a)) | " +
                           "\(a.baseCount)+\(a.candidateCount) | \(Phrase.icon(w.verdict.outcome)) \(w.verdict.outcome.rawValue) |")
            }
            let explained = report.workloads.filter { !$0.counterChanges.isEmpty }
            if !explained.isEmpty {
                out.append("")
                out.append("Notable counter changes (base → candidate, median per trial):")
                for w in explained {
                    out.append("- \(md(w.workload)): " + w.counterChanges.map { md($0.summary) }.joined(separator: "; "))
                }
            }
            out += ProfileReport.markdown(report.profiles, escape: md)
            out.append("")
            out.append("<details><summary>Why</summary>")
            out.append("")
            for w in report.workloads {
                out.append("- \(md(w.workload)) \(md(w.metric)): \(md(w.verdict.reason))")
            }
            out.append("")
            out.append("</details>")
        } else if run.status == .interrupted {
            let counts = TrialRole.allCases.map { "\(report.sampleCounts[$0.rawValue] ?? 0) \($0.rawValue)" }
            out.append("")
            out.append("The run was interrupted before its verdict; samples recorded: \(counts.joined(separator: ", ")).")
        }
        if !report.commits.isEmpty {
            out.append("")
            out.append("Commits:")
            for c in report.commits {
                out.append("- \(md(c.role)) `\(md(Phrase.short(c.commit)))` \(md(c.subject))")
            }
        }
        if !report.bisectSteps.isEmpty {
            out.append("")
            out.append("| step | revision | median | classification | subject |")
            out.append("| ---: | --- | ---: | --- | --- |")
            for (i, s) in report.bisectSteps.enumerated() {
                let median = s.median.map { md(Phrase.value($0, s.unit)) } ?? "—"
                out.append("| \(i + 1) | `\(md(Phrase.short(s.revision)))` | \(median) | \(md(s.classification)) | \(md(s.subject)) |")
            }
        }
        if !report.stages.isEmpty {
            out.append("")
            out.append("Stages: " + report.stages.map { "\(md($0.stage)) \(formatElapsed($0.seconds))" }.joined(separator: " · "))
        }
        out.append("")
        out.append("<sub>Exit codes: 0 pass · 1 throughput regression · 2 broken patch · 3 inconclusive · 4 infrastructure failure.</sub>")
        return out.joined(separator: "\n") + "\n"
    }
}
