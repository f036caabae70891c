import Foundation
import KGateCore
import Testing
import TestSupport

/// Issue 30's "done when" with real kernels: the same check, bisect and nightly on a
/// PostgreSQL store (the run's throwaway cluster, a schema of its own) give what they
/// give on the SQLite file, and a second nightly runner on the same store does not
/// check the night again. It runs after the check and bisect suites (alphabetical
/// order), so every kernel is a stored build and every seeded boot, profile boots
/// included, replays from the boot memo: the store is the only thing that differs.
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu, .postgres)) struct SharedStoreEndToEndTests {
    /// A fresh schema on the test server, as a store URL whose connections use it.
    static func freshStore() throws -> String {
        let base = try #require(ProcessInfo.processInfo.environment["KGATE_TEST_PG_URL"])
        let schema = "e2e_\(UUID().uuidString.prefix(8))".lowercased()
        let made = try ProcessRunner.run("psql", [base, "-q", "-c", "CREATE SCHEMA \(schema)"], timeout: 60)
        try #require(made.exitCode == 0, "psql: \(made.stderr)")
        return base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
    }

    /// What a report says, without what differs between two runs of it (ids, times).
    static func verdicts(_ reports: URL) throws -> [String] {
        let data = try Data(contentsOf: reports.appendingPathComponent("report.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return ((root["workloads"] as? [[String: Any]]) ?? []).map { w in
            let verdict = w["verdict"] as? [String: Any]
            return "\(w["workload"] ?? "") \(verdict?["outcome"] ?? "") \(verdict?["reason"] ?? "")"
        }
    }

    func check(store: String?) throws -> (ProcessResult, URL) {
        let reports = try TestEnv.temporaryDirectory("store-check")
        let series = CheckEndToEndTests.examples.appendingPathComponent("regress-tcp-rcv-audit.mbox").path
        let r = try TestEnv.kgate(["check", "--tree", TestEnv.defaultTreeName, "--series", series,
                                   "--pipeline", CheckEndToEndTests.pipeline, "--report-dir", reports.path]
                                  + (store.map { ["--store", $0] } ?? []))
        return (r, reports)
    }

    @Test func checkGivesTheSameReportOnBothStores() throws {
        try SharedKernel.ensureTree()
        let store = try Self.freshStore()
        let (onFile, fileReports) = try check(store: nil)
        let (onServer, serverReports) = try check(store: store)
        #expect(onFile.exitCode == 1 && onServer.exitCode == 1, "stderr: \(onServer.stderr.suffix(3000))")
        #expect(try CheckEndToEndTests.samples(serverReports) == (try CheckEndToEndTests.samples(fileReports)))
        #expect(try Self.verdicts(serverReports) == (try Self.verdicts(fileReports)))
        #expect(try CheckEndToEndTests.profileRows(serverReports) == (try CheckEndToEndTests.profileRows(fileReports)))
        #expect(!(try CheckEndToEndTests.profileRows(serverReports)).isEmpty)
        // Stored there, and read back by another process.
        let listed = try TestEnv.kgate(["results", "list", "--store", store])
        #expect(listed.exitCode == 0 && listed.stdout.contains("regression"), "\(listed.stdout)\(listed.stderr)")
    }

    @Test func bisectNamesTheSameCulpritThroughTheSameStepsOnPostgreSQL() throws {
        let h = try BisectHistory.shared.history()
        let (onFile, _, _) = try BisectHistory.shared.bisect()
        let store = try Self.freshStore()
        let r = try TestEnv.kgate(["bisect", "--tree", TestEnv.defaultTreeName, "--good", h.good, "--bad", h.bad,
                                   "--workload", "tcp-stream-10ms", "--pipeline", BisectHistory.pipeline, "--store", store])
        #expect(r.exitCode == onFile.exitCode, "stderr: \(r.stderr.suffix(3000))")
        #expect(TestEnv.lastLine(r.stdout) == h.culprit)
        func steps(_ out: String) -> [String] {
            out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("# good:") || $0.hasPrefix("# bad:") || $0.hasPrefix("git bisect ") }
        }
        #expect(!steps(r.stdout).isEmpty && steps(r.stdout) == steps(onFile.stdout),
                "PostgreSQL: \(steps(r.stdout))\nSQLite: \(steps(onFile.stdout))")
    }

    /// Two nightly runners on one store: the second finds the night checked and does not
    /// measure it again (the claim), exiting with the first one's code.
    @Test func aSecondNightlyRunnerOnTheSameStoreDoesNotCheckTheNightAgain() throws {
        let h = try BisectHistory.shared.history()
        _ = try BisectHistory.shared.bisect()
        let store = try Self.freshStore()
        func night(_ head: String) throws -> ProcessResult {
            try TestEnv.kgate(["nightly", "--tree", TestEnv.defaultTreeName, "--pipeline", BisectHistory.pipeline,
                               "--head", head, "--no-bisect", "--no-profile", "--store", store])
        }
        let first = try night(h.good)
        #expect(first.exitCode == 0, "\(first.stderr.suffix(2000))")
        let regressed = try night(h.culprit)
        #expect(regressed.exitCode == 1, "\(regressed.stdout.suffix(1500)) \(regressed.stderr.suffix(2000))")
        let again = try night(h.culprit)
        #expect(again.exitCode == 1, "\(again.stdout.suffix(1500)) \(again.stderr.suffix(2000))")
        #expect((again.stdout + again.stderr).contains("checked this night: run"), "\(again.stdout) \(again.stderr)")
        #expect(!again.stderr.contains("booting"), "the second runner measured the night again")
    }
}
