import Foundation
import Gate
import KGateCore
import Testing
import TestSupport
@testable import Results

/// A run that ends without a verdict (exit 2, 4, or a signal) still reports
/// its reason and excerpt; JUnit blames the code under test with a <failure>
/// and the harness with an <error>.
@Suite(.tags(.unit)) struct FailedRunReportTests {
    func failedRun(exitCode: Int32, status: RunStatus = .failed) throws -> RunReport {
        let url = try TestEnv.temporaryDirectory("failed-run").appendingPathComponent("results.sqlite")
        let store = try ResultStore(url: url)
        let id = try store.beginRun(RunStart(kind: .check, tree: "linux-6.12", baseRevision: "a", candidateRevision: "b",
                                             mode: "deterministic", pipeline: "premerge"))
        try store.recordStage(run: id, StageTiming(stage: "build candidate", seconds: 12.5))
        let error = KGateError(exitCode == 2 ? .kernelUnderTest : .host,
                               "candidate b does not build: 'kgate_x' undeclared", location: "net/ipv4/tcp.c:42",
                               fix: "fix the error", excerpt: "net/ipv4/tcp.c:42:5: error: 'kgate_x' undeclared\n```")
        if status == .interrupted {
            try store.markInterrupted(run: id, exitCode: exitCode, note: "interrupted by signal 2 before the verdict")
        } else {
            try store.finishRun(run: id, verdicts: [], exitCode: exitCode, status: status, note: error.reportText)
        }
        return try store.report(run: id)
    }

    @Test func brokenPatchIsAJUnitFailureWithTheExcerpt() throws {
        let junit = JUnitExporter.render(try failedRun(exitCode: 2))
        #expect(junit.contains("failures=\"1\" errors=\"0\""))
        #expect(junit.contains("<failure type=\"broken-patch\""))
        #expect(junit.contains("tcp.c:42:5: error: &#39;kgate_x&#39; undeclared") || junit.contains("tcp.c:42:5: error:"))
        #expect(!junit.contains("<error"))
    }

    @Test func infrastructureAndInterruptionAreJUnitErrors() throws {
        let infra = JUnitExporter.render(try failedRun(exitCode: 4))
        #expect(infra.contains("failures=\"0\" errors=\"1\"") && infra.contains("<error type=\"infrastructure\""))
        let stopped = try failedRun(exitCode: 130, status: .interrupted)
        #expect(stopped.run.status == .interrupted && stopped.run.exitCode == 130)
        #expect(JUnitExporter.render(stopped).contains("<error type=\"interrupted\""))
    }

    @Test func summaryQuotesTheReasonAndKeepsTheExcerptAndStages() throws {
        let md = MarkdownExporter.render(try failedRun(exitCode: 2))
        #expect(md.contains("> candidate b does not build"))
        #expect(md.contains("where: net/ipv4/tcp.c:42"))
        #expect(md.contains("\n```\n") && md.contains("error: 'kgate_x' undeclared"))
        // The excerpt's own fence cannot close the block early.
        #expect(!md.contains("undeclared\n```\n```"))
        #expect(md.contains("Stages: build candidate"))
        let html = HTMLExporter.render(try failedRun(exitCode: 4))
        #expect(html.contains("<pre>candidate b does not build"))
    }
}
