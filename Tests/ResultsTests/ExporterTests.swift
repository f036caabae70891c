import Foundation
import Gate
import KGateCore
import Testing
import TestSupport
@testable import Results
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Golden files live next to this file; `KGATE_UPDATE_GOLDEN=1 swift test --filter ResultsTests`
/// rewrites them (review the diff before committing).
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func check(_ text: String, _ name: String) throws {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["KGATE_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if expected != text {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = text.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            Issue.record("\(name) differs from the golden file at line \(line + 1):\n- \(line < a.count ? a[line] : "<eof>")\n+ \(line < b.count ? b[line] : "<eof>")")
        }
    }
}

@Suite(.tags(.unit)) struct ExporterTests {
    let report = DemoRun.report()

    @Test func demoRunCoversEveryOutcomeOfInterest() {
        #expect(report.workloads.map(\.verdict.outcome) == [.regression, .unchanged, .inconclusive])
        #expect(report.overall == .regression)
        #expect(report.run.exitCode == 1)
        #expect(report.workloads[0].counterChanges.map(\.name) == ["TcpExt.TCPMemoryPressures", "TcpExt.TCPOFOQueue"])
    }

    @Test(arguments: [(ReportFormat.md, "report.md"), (.junit, "report.junit.xml"), (.kcidb, "report.kcidb.json"),
                      (.html, "report.html"), (.json, "report.json")])
    func exporterMatchesGolden(format: ReportFormat, file: String) throws {
        try Golden.check(try ReportExporter.render(report, format: format), file)
    }

    @Test func markdownHasTheMergeRequestEssentials() throws {
        let md = MarkdownExporter.render(report)
        #expect(md.contains("## kgate check #42: ❌ regression"))
        #expect(md.contains("exit code 1 (throughput regression)"))
        #expect(md.contains("| tcp-stream | throughput | 2.56 Gbit/s | 2.49 Gbit/s |"))
        #expect(md.contains("| tcp-rr | latency | 48.29 µs | 48.04 µs |"))
        #expect(md.contains("TcpExt.TCPMemoryPressures 0 → 1238"))
        #expect(!md.contains("<script>"))
    }

    @Test func jsonRoundTrips() throws {
        let json = try JSONReport.render(report)
        #expect(try JSONReport.decode(Data(json.utf8)) == report)
    }

    @Test func junitIsWellFormedWithOneFailure() throws {
        let xml = JUnitExporter.render(report)
        final class Counter: NSObject, XMLParserDelegate {
            var elements: [String: Int] = [:]
            var failureMessage = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements[name, default: 0] += 1
                if name == "failure" { failureMessage = attributes["message"] ?? "" }
            }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let counter = Counter()
        parser.delegate = counter
        #expect(parser.parse(), "JUnit XML does not parse: \(String(describing: parser.parserError))")
        #expect(counter.elements["testcase"] == 3)
        #expect(counter.elements["failure"] == 1)
        #expect(counter.elements["error"] == 1)
        #expect(counter.failureMessage.hasPrefix("tcp-stream throughput: regression"))
        #expect(!xml.contains("<script>"))
    }

    @Test func kcidbShape() throws {
        for origin in ["kgate", "my_lab2"] {
            let text = try KCIDBExporter.render(report, origin: origin)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let version = try #require(object["version"] as? [String: Any])
            #expect(version["major"] as? Int == 5 && version["minor"] as? Int == 3)
            let checkouts = try #require(object["checkouts"] as? [[String: Any]])
            let builds = try #require(object["builds"] as? [[String: Any]])
            let tests = try #require(object["tests"] as? [[String: Any]])
            #expect(checkouts.count == 1 && builds.count == 1 && tests.count == 6)
            func checkID(_ item: [String: Any], _ key: String = "id") {
                let id = item[key] as? String ?? ""
                #expect(id.hasPrefix("\(origin):") && id.count > origin.count + 1, "bad \(key) '\(id)'")
            }
            let checkout = checkouts[0]
            checkID(checkout)
            #expect(checkout["origin"] as? String == origin)
            #expect(checkout["tree_name"] as? String == "linux-6.12")
            #expect(checkout["git_commit_hash"] as? String == DemoRun.start.baseRevision)
            let hash = checkout["patchset_hash"] as? String ?? ""
            #expect(hash.count == 64 && hash == DemoRun.start.patchsetHash)
            let build = builds[0]
            checkID(build)
            checkID(build, "checkout_id")
            #expect(build["checkout_id"] as? String == checkout["id"] as? String)
            #expect(KCIDBExporter.statuses.contains(build["status"] as? String ?? "?"))
            var ids = Set<String>()
            for test in tests {
                checkID(test)
                checkID(test, "build_id")
                #expect(test["origin"] as? String == origin)
                #expect(KCIDBExporter.statuses.contains(test["status"] as? String ?? "?"))
                #expect((test["path"] as? String ?? "").hasPrefix("kgate."))
                ids.insert(test["id"] as? String ?? "")
            }
            #expect(ids.count == tests.count, "test ids are not unique")
            let measurements = tests.filter { $0["number"] != nil }
            #expect(measurements.count == 3)
            for m in measurements {
                #expect(m["status"] as? String == "DONE")
                let number = try #require(m["number"] as? [String: Any])
                #expect(number["value"] is Double && (number["unit"] as? String ?? "").isEmpty == false)
            }
            #expect(tests.filter { $0["status"] as? String == "FAIL" }.map { $0["path"] as? String } == ["kgate.tcp-stream.throughput.gate"])
        }
        #expect(throws: KGateError.self) { try KCIDBExporter.render(report, origin: "Bad-Origin") }
    }

    /// KCIDB's definition, computed by the real coreutils: sha256sum *.patch | cut -c-64 | sha256sum.
    @Test func patchsetHashMatchesCoreutils() throws {
        let dir = try TestEnv.temporaryDirectory("patchset")
        let patches = ["From 1\n--- a/x\n+++ b/x\n", "From 2\nsecond patch\n"]
        for (i, p) in patches.enumerated() {
            try Data(p.utf8).write(to: dir.appendingPathComponent("000\(i + 1).patch"))
        }
        let shell = try ProcessRunner.run("/bin/sh", ["-c", "sha256sum *.patch | cut -c-64 | sha256sum | cut -c-64"], cwd: dir, timeout: 30)
        let expected = shell.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(expected.count == 64)
        #expect(KCIDBExporter.patchsetHash(patches: patches.map { Data($0.utf8) }) == expected)
        #expect(KCIDBExporter.patchsetHash(patches: []) == "")
    }

    @Test func htmlEscapesEveryUserString() throws {
        var hostile = report
        hostile.commits.append(RunCommit(role: "patch", commit: "abc", subject: "<script>alert(1)</script>", author: "<img src=x onerror=alert(2)>"))
        hostile.run.seriesSubject = "\"><script>alert(3)</script>"
        hostile.run.note = "</style><script>alert(4)</script>"
        hostile.workloads[0].workload = "<svg onload=alert(5)>"
        hostile.workloads[0].unit = "</text><script>alert(6)</script>"
        hostile.workloads[0].verdict.reason = "<b>bold</b>"
        hostile.workloads[0].counterChanges[0].name = "<iframe>"
        let html = HTMLExporter.render(hostile)
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<svg onload"))
        #expect(!html.contains("<iframe"))
        #expect(!html.contains("<b>bold"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;script&gt;alert(3)"))
        // Self-contained: no external resource, no script element at all.
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http"))
        #expect(html.components(separatedBy: "<svg xmlns").count == 4)
    }

    @Test func escapeFunctions() {
        #expect(Escape.html("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
        #expect(Escape.html("bell\u{07}") == "bell\u{FFFD}")
        #expect(Escape.markdown("a|b*c_<x>") == "a\\|b\\*c\\_&lt;x&gt;")
    }
}
