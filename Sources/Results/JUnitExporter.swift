import Foundation
import Gate
import KGateCore

/// JUnit XML for CI engines: one test case per workload metric. A regression is a
/// <failure>, an inconclusive comparison an <error>. A run without a verdict is
/// one test case: a <failure> when the patch is broken (exit 2, the code under
/// test), an <error> when the harness failed or was interrupted (JUnit's convention).
public enum JUnitExporter {
    public static func render(_ report: RunReport) -> String {
        let run = report.run
        let x = Escape.html
        var failures = report.workloads.filter { $0.verdict.outcome == .regression }.count
        var errors = report.workloads.filter { $0.verdict.outcome == .inconclusive }.count
        let noVerdict = report.workloads.isEmpty
        let brokenPatch = noVerdict && run.exitCode == KGateExitCode.brokenPatch
        if brokenPatch { failures += 1 } else if noVerdict { errors += 1 }
        let tests = max(1, report.workloads.count)
        let suite = "kgate \(run.kind.rawValue) run \(run.id)"
        let seconds = report.stages.reduce(0) { $0 + $1.seconds }
        var out: [String] = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        out.append("<testsuites name=\"kgate\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\">")
        out.append("  <testsuite name=\"\(x(suite))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" " +
                   "skipped=\"0\" time=\"\(String(format: "%.3f", seconds))\" timestamp=\"\(Phrase.timestamp(run.startedAt))\">")
        out.append("    <properties>")
        let properties: [(String, String?)] = [
            ("tree", run.tree), ("base", run.baseRevision), ("candidate", run.candidateRevision),
            ("series", run.seriesSubject), ("patchset_hash", run.patchsetHash), ("mode", run.mode),
            ("pipeline", run.pipeline), ("overall", report.overall?.rawValue), ("exit", Phrase.exit(report)),
        ]
        for (name, value) in properties {
            guard let value, !value.isEmpty else { continue }
            out.append("      <property name=\"\(x(name))\" value=\"\(x(value))\"/>")
        }
        out.append("    </properties>")
        for w in report.workloads {
            let a = w.verdict.analysis
            let summary = "\(w.workload) \(w.metric): \(w.verdict.outcome.rawValue), base \(Phrase.value(a.baseMedian, w.unit)), " +
                "candidate \(Phrase.value(a.candidateMedian, w.unit)), effect \(Phrase.interval(a))"
            out.append("    <testcase classname=\"kgate.\(x(w.workload))\" name=\"\(x(w.metric))\" time=\"0\">")
            var detail = [w.verdict.reason]
            if !w.counterChanges.isEmpty {
                detail.append("counter changes: " + w.counterChanges.map(\.summary).joined(separator: "; "))
            }
            switch w.verdict.outcome {
            case .regression:
                out.append("      <failure type=\"regression\" message=\"\(x(summary))\">\(x(detail.joined(separator: "\n")))</failure>")
            case .inconclusive:
                out.append("      <error type=\"inconclusive\" message=\"\(x(summary))\">\(x(detail.joined(separator: "\n")))</error>")
            case .unchanged, .improvement:
                out.append("      <system-out>\(x(summary + "\n" + detail.joined(separator: "\n")))</system-out>")
            }
            out.append("    </testcase>")
        }
        if noVerdict {
            out.append("    <testcase classname=\"kgate\" name=\"verdict\" time=\"0\">")
            let element = brokenPatch ? "failure" : "error"
            let type = brokenPatch ? "broken-patch" : run.status == .interrupted ? "interrupted" : "infrastructure"
            out.append("      <\(element) type=\"\(type)\" message=\"\(x(Phrase.exit(report)))\">\(x(run.note ?? ""))</\(element)>")
            out.append("    </testcase>")
        }
        out.append("  </testsuite>")
        out.append("</testsuites>")
        return out.joined(separator: "\n") + "\n"
    }
}
