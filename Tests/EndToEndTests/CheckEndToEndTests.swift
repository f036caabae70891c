import Foundation
import KGateCore
import Testing
import TestSupport

/// `kgate check` end to end on the real imported Debian 6.12 tree: apply,
/// build, boot, measure, decide, report — through the real binary.
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu)) struct CheckEndToEndTests {
    static let pipeline = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/e2e.yaml").path
    static let examples = TestEnv.packageRoot.appendingPathComponent("pipelines/examples")

    init() throws {
        try SharedKernel.ensureTree()
    }

    func check(_ series: String, extra: [String] = []) throws -> (ProcessResult, URL) {
        let reports = try TestEnv.temporaryDirectory("check-report")
        let r = try TestEnv.kgate(["check", "--tree", TestEnv.defaultTreeName, "--series", series,
                                   "--pipeline", Self.pipeline, "--report-dir", reports.path] + extra)
        return (r, reports)
    }

    @Test func benignExampleSeriesPasses() throws {
        let (r, reports) = try check(Self.examples.appendingPathComponent("benign-tcp-cleanup.mbox").path)
        #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(3000))")
        #expect(r.stdout.contains("tcp-stream-10ms"))
        #expect(r.stdout.lowercased().contains("unchanged"))
        for name in ["summary.md", "junit.xml", "kcidb.json", "report.html", "report.json"] {
            #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent(name).path), "\(name)")
        }
        #expect(r.stderr.contains("stage breakdown:"))
        // pairing: auto chose its analysis and said which (seeds shared, spread narrow: unpaired).
        #expect((r.stdout + r.stderr).contains("auto pairing: seeds spread"), "stderr: \(r.stderr.suffix(2000))")

        // The same check again: both kernels are build-cache hits and every seeded boot
        // is replayed from the boot memo (BootMemo), to the same samples and verdict.
        let (again, againReports) = try check(Self.examples.appendingPathComponent("benign-tcp-cleanup.mbox").path)
        #expect(again.exitCode == 0, "stderr: \(again.stderr.suffix(3000))")
        for side in ["base", "candidate"] {
            let replayed = try Regex(#"\#(side) [0-9a-f]{12}: 6 of 6 seeded boots replayed from the boot memo"#)
            #expect(again.stderr.contains(replayed), "stderr: \(again.stderr.suffix(3000))")
        }
        #expect(try Self.samples(reports) == (try Self.samples(againReports)))
        // Nothing regressed or improved: no profile boots, no function rows.
        #expect(try Self.profileRows(reports).isEmpty)
    }

    /// report.json's samples per workload: base and candidate values, each side
    /// sorted (the report lists them in the order the boots finished).
    static func samples(_ reports: URL) throws -> [String: [Double]] {
        let data = try Data(contentsOf: reports.appendingPathComponent("report.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var out: [String: [Double]] = [:]
        for w in (root["workloads"] as? [[String: Any]]) ?? [] {
            let name = try #require(w["workload"] as? String)
            out[name] = ((w["baseValues"] as? [Double]) ?? []).sorted() + ((w["candidateValues"] as? [Double]) ?? []).sorted()
        }
        #expect(!out.isEmpty && out.values.allSatisfy { $0.count >= 12 }, "report.json: \(out)")
        return out
    }

    @Test func regressingExampleSeriesExitsOneAndNamesTheWorkload() throws {
        let (r, reports) = try check(Self.examples.appendingPathComponent("regress-tcp-rcv-audit.mbox").path)
        #expect(r.exitCode == 1, "stderr: \(r.stderr.suffix(3000))")
        #expect(r.stdout.contains("tcp-stream-10ms"))
        #expect(r.stdout.lowercased().contains("regression"))
        let junit = try String(contentsOf: reports.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.contains("<failure"))

        // Where the cycles went (issue 28): the profile boots name the helper the patch
        // adds first among the functions that grew, in the terminal and every report.
        let helper = "tcp_rcv_window_audit"
        #expect((r.stdout + r.stderr).contains("  grew \(helper) "), "stderr: \(r.stderr.suffix(3000))")
        let firstGrown = try #require(try Self.profileRows(reports).first { $0.hasPrefix("grew ") })
        #expect(firstGrown.hasPrefix("grew \(helper) 0 "), "\(firstGrown)")
        let md = try String(contentsOf: reports.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(md.contains("| grew | `\(helper)` |"))
        let html = try String(contentsOf: reports.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<td>grew</td><td><code>\(helper)</code></td>"))

        // The same check again: every boot, the profile boots included, replays: the same rows.
        let (again, againReports) = try check(Self.examples.appendingPathComponent("regress-tcp-rcv-audit.mbox").path)
        #expect(again.exitCode == 1)
        #expect(try Self.profileRows(againReports) == (try Self.profileRows(reports)))
    }

    /// report.json's profile rows: "grew|shrank FUNCTION BASESAMPLES CANDIDATESAMPLES".
    static func profileRows(_ reports: URL) throws -> [String] {
        let data = try Data(contentsOf: reports.appendingPathComponent("report.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var rows: [String] = []
        for p in (root["profiles"] as? [[String: Any]]) ?? [] {
            for (key, word) in [("grown", "grew"), ("shrunk", "shrank")] {
                for d in (p[key] as? [[String: Any]]) ?? [] {
                    rows.append("\(word) \(d["function"] ?? "") \(d["baseSamples"] ?? "") \(d["candidateSamples"] ?? "")")
                }
            }
        }
        return rows
    }

    @Test func seriesThatDoesNotApplyExitsTwoNamingPatchAndFile() throws {
        let maker = PatchMaker.forDefaultTree()
        let path = "net/ipv4/tcp_input.c"
        // The hunk's context was never in the file: the patch is against another tree.
        let real = try maker.file(path)
        let stale = real.replacingOccurrences(of: "#include <linux/mm.h>", with: "#include <linux/mm_stale.h>")
        let diff = try PatchMaker.diff(path: path, old: stale,
                                       new: stale.replacingOccurrences(of: "#include <linux/mm_stale.h>",
                                                                        with: "#include <linux/mm_stale.h>\n#include <linux/kgate.h>"))
        let ok = try commentEdit(maker, "net/ipv4/tcp_output.c", anchor: "#include <net/tcp.h>", note: "harmless first patch")
        let series = try PatchMaker.write([
            PatchMaker.mail(index: 1, total: 2, subject: "tcp: a harmless first patch", body: "Applies.", diff: ok.diff),
            PatchMaker.mail(index: 2, total: 2, subject: "tcp: include the stale header", body: "Does not apply.", diff: diff),
        ], name: "stale.mbox")
        let (r, _) = try check(series.path)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("2/2"))
        #expect(r.stderr.contains("tcp: include the stale header"))
        #expect(r.stderr.contains(path))
        #expect(r.stderr.contains("@@"))
    }

    /// A patchwork-driven check: the series comes from patchwork's REST API, the
    /// verdict goes back as a check; the token travels only in the header.
    @Test(.tags(.network), .needs(.localServer)) func patchworkSeriesIsFetchedAndTheVerdictPostedAsACheck() throws {
        let maker = PatchMaker.forDefaultTree()
        let stale = try maker.file("net/ipv4/tcp_input.c").replacingOccurrences(of: "#include <linux/mm.h>",
                                                                                 with: "#include <linux/mm_gone.h>")
        // The hunk's context holds the line only the other tree has.
        let diff = try PatchMaker.diff(path: "net/ipv4/tcp_input.c", old: stale,
                                       new: stale.replacingOccurrences(of: "#include <linux/mm_gone.h>",
                                                                       with: "#include <linux/mm_gone.h>\n#include <linux/kgate.h>"))
        let mbox = PatchMaker.mail(index: 1, total: 1, subject: "tcp: a patch against another tree", body: "Stale.", diff: diff)
        let mboxServer = try HTTPTestServer(routes: ["/series/90/mbox/": [.init(text: mbox)]])
        defer { mboxServer.stop() }
        let json = """
            {"id": 90, "name": "stale", "version": 1, "mbox": "\(mboxServer.baseURL)/series/90/mbox/",
             "patches": [{"id": 901, "msgid": "<e2e-1-1@example.org>"}]}
            """
        let api = try HTTPTestServer(routes: [
            "/api/1.1/series/90/": [.init(text: json, headers: ["Content-Type": "application/json"])],
            "/api/1.1/patches/901/checks/": [.init(status: 201, text: "{}", headers: ["Content-Type": "application/json"])],
        ])
        defer { api.stop() }
        let token = "kgate-e2e-secret-token"
        let r = try TestEnv.kgate(["check", "--tree", TestEnv.defaultTreeName, "--patchwork", api.baseURL, "--series", "90",
                                   "--post-patchwork", "901", "--pipeline", Self.pipeline,
                                   "--target-url", "https://ci.example.org/job/1"],
                                  environment: ["KGATE_PATCHWORK_TOKEN": token])
        #expect(r.exitCode == 2, "stderr: \(r.stderr.suffix(2000))")
        #expect(!r.stdout.contains(token) && !r.stderr.contains(token))
        let post = try #require(try api.requests().first { $0.method == "POST" })
        #expect(post.path == "/api/1.1/patches/901/checks/")
        #expect(post.headers["Authorization"] == "Token \(token)")
        let body = try JSONSerialization.jsonObject(with: post.body) as? [String: Any]
        #expect(body?["state"] as? String == "fail")
        #expect(body?["context"] as? String == "kgate-throughput")
        #expect(body?["target_url"] as? String == "https://ci.example.org/job/1")
        #expect((body?["description"] as? String)?.contains("does not apply") == true)
    }

    @Test func seriesWithASyntaxErrorExitsTwoQuotingTheCompiler() throws {
        let maker = PatchMaker.forDefaultTree()
        let path = "net/ipv4/tcp_cong.c"
        let edit = try maker.edit(path, replacing: "#include <net/tcp.h>",
                                  with: "#include <net/tcp.h>\n\nstatic int kgate_broken = ;")
        let series = try PatchMaker.write([
            PatchMaker.mail(index: 1, total: 1, subject: "tcp: cong: add a broken variable", body: "Does not build.",
                            diff: edit.diff),
        ], name: "syntax.mbox")
        let (r, _) = try check(series.path)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("tcp_cong.c:"))
        #expect(r.stderr.contains("error:"))
        #expect(r.stderr.contains("kgate_broken"))
    }

    @Test func seriesThatPanicsAtBootExitsTwoWithThePanicExcerpt() throws {
        let maker = PatchMaker.forDefaultTree()
        let path = "net/ipv4/tcp.c"
        let edit = try maker.edit(path, replacing: "void __init tcp_init(void)\n{\n",
                                  with: "void __init tcp_init(void)\n{\n\tpanic(\"kgate e2e: tcp_init refuses to run\");\n")
        let series = try PatchMaker.write([
            PatchMaker.mail(index: 1, total: 1, subject: "tcp: panic in tcp_init", body: "Does not boot.", diff: edit.diff),
        ], name: "panic.mbox")
        let (r, _) = try check(series.path)
        #expect(r.exitCode == 2)
        #expect(r.stderr.contains("Kernel panic"))
        #expect(r.stderr.contains("kgate e2e: tcp_init refuses to run"))
        #expect(r.stderr.contains("candidate"))
    }
}
