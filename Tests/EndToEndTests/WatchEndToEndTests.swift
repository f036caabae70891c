import Foundation
import KGateCore
import Testing
import TestSupport

/// `kgate watch` end to end: the real binary against a fake patchwork, checking
/// the example series on the real kernels. The series are the ones
/// `CheckEndToEndTests` checks with the same pipeline, so the kernels are
/// build-cache hits and the seeded boots replay from the boot memo.
@Suite(.serialized, .tags(.endToEnd, .network), .needs(.kernelSource, .qemu, .localServer))
struct WatchEndToEndTests {
    static let pipeline = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/e2e.yaml").path
    static let examples = TestEnv.packageRoot.appendingPathComponent("pipelines/examples")
    static let token = "kgate-watch-e2e-token"

    init() throws {
        try SharedKernel.ensureTree()
    }

    static func mbox(_ name: String) throws -> String {
        try String(contentsOf: examples.appendingPathComponent(name), encoding: .utf8)
    }

    static func series(_ id: Int, project: String, mbox: String, patches: [Int]) -> FakePatchwork.Series {
        var s = FakePatchwork.Series(id: id, project: project, name: "series \(id)", patches: patches)
        s.mbox = mbox
        return s
    }

    static func arguments(_ pw: FakePatchwork, extra: [String] = []) -> [String] {
        ["watch", "--once", "--patchwork", pw.baseURL, "--project", "netdev", "--since", "2026-01-01T00:00:00",
         "--tree", TestEnv.defaultTreeName, "--pipeline", pipeline] + extra
    }

    @Test func watchOnceGivesEachSeriesOfTheProjectOneCheckPerPatchAndASecondOncePostsNothing() throws {
        var world = FakePatchwork.World(token: Self.token)
        world.series = [
            Self.series(71, project: "netdev", mbox: try Self.mbox("benign-tcp-cleanup.mbox"), patches: [7101, 7102]),
            Self.series(72, project: "netdev", mbox: try Self.mbox("regress-tcp-rcv-audit.mbox"), patches: [7201]),
            Self.series(80, project: "bpf", mbox: try Self.mbox("regress-tcp-rcv-audit.mbox"), patches: [8001]),
        ]
        world.events = [
            .init(id: 1, project: "netdev", date: "2026-12-07T09:00:00.000000", series: 71),
            .init(id: 2, project: "bpf", date: "2026-12-07T09:01:00.000000", series: 80),
            .init(id: 3, project: "netdev", date: "2026-12-07T09:02:00.000000", series: 72),
        ]
        world.pageSize = 1
        let pw = try FakePatchwork(world)
        defer { pw.stop() }
        let reports = try TestEnv.temporaryDirectory("watch-reports")
        let args = Self.arguments(pw, extra: ["--report-root", reports.path, "--report-url", "https://ci.example.org/kgate"])
        let r = try TestEnv.kgate(args, environment: ["KGATE_PATCHWORK_TOKEN": Self.token])
        #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(3000))")
        #expect(!r.stdout.contains(Self.token) && !r.stderr.contains(Self.token))

        let checks = try pw.checks()
        #expect(checks.map(\.patch).sorted() == [7101, 7102, 7201], "the bpf series is ignored: \(checks.map(\.patch))")
        for c in checks {
            #expect(c.context == "kgate-throughput")
            #expect(c.description.contains("tcp-stream-10ms") && c.description.contains(" at "), "\(c.description)")
        }
        let benign = checks.filter { $0.patch == 7101 || $0.patch == 7102 }
        #expect(benign.allSatisfy { $0.state == "success" && $0.target_url == "https://ci.example.org/kgate/71/" },
                "\(benign.map { ($0.state, $0.description) })")
        let regression = try #require(checks.first { $0.patch == 7201 })
        #expect(regression.state == "fail")
        #expect(regression.description.hasPrefix("regression: tcp-stream-10ms −"), "\(regression.description)")
        #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent("71/summary.md").path))
        #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent("72/report.json").path))
        // One line per series: what, verdict, time.
        #expect(r.stderr.contains(try Regex(#"watch: netdev series 72 v1 "series 72" \(1 patch\(es\)\): regression: tcp-stream-10ms .* in \d+"#)),
                "stderr: \(r.stderr.suffix(2000))")

        let again = try TestEnv.kgate(args, environment: ["KGATE_PATCHWORK_TOKEN": Self.token])
        #expect(again.exitCode == 0, "stderr: \(again.stderr.suffix(2000))")
        #expect(try pw.checks().count == 3, "a second --once posts nothing")
        #expect(again.stderr.contains("0 new series, 0 checked, 0 check(s) posted"))
    }

    /// The watcher is killed during a check (SIGTERM, then SIGKILL); started again,
    /// it checks the series once more and posts one check per patch, once.
    @Test(arguments: [SIGTERM, SIGKILL])
    func aWatcherKilledDuringACheckChecksTheSeriesAgainOnRestartAndPostsOnce(signal: Int32) throws {
        var world = FakePatchwork.World(token: Self.token)
        let id = signal == SIGTERM ? 73 : 74
        world.series = [Self.series(id, project: "netdev", mbox: try Self.mbox("benign-tcp-cleanup.mbox"),
                                    patches: [id * 100 + 1, id * 100 + 2])]
        world.events = [.init(id: 1, project: "netdev", date: "2026-12-07T09:00:00.000000", series: id)]
        let pw = try FakePatchwork(world)
        defer { pw.stop() }
        let log = try TestEnv.temporaryDirectory("watch-kill").appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = TestEnv.kgateBinary
        process.arguments = Self.arguments(pw)
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["KGATE_CACHE": TestEnv.cache.root.path, "KGATE_PATCHWORK_TOKEN": Self.token]) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = output
        try process.run()
        // Kill it once the series is applied: the check is building or booting.
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline, process.isRunning,
              !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("candidate ") {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(process.isRunning, "the check ended before it could be killed: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        try output.close()
        let first = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        if signal == SIGTERM {
            #expect(process.terminationStatus == 128 + SIGTERM, "stderr: \(first.suffix(2000))")
            #expect(first.contains("interrupted by SIGTERM"))
        }
        #expect(try pw.checks().isEmpty, "nothing posted by the killed watcher")

        let r = try TestEnv.kgate(Self.arguments(pw), environment: ["KGATE_PATCHWORK_TOKEN": Self.token])
        #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(3000))")
        let checks = try pw.checks()
        #expect(checks.map(\.patch).sorted() == [id * 100 + 1, id * 100 + 2], "posted once per patch")
        #expect(checks.allSatisfy { $0.state == "success" }, "\(checks.map(\.description))")
        #expect(r.stderr.contains("1 checked"), "stderr: \(r.stderr.suffix(2000))")
    }
}
