import Foundation
import KGateCore
import Testing
import TestSupport

/// Fault injection on the real binary (docs/faults.md): signals during import,
/// build, boot and trials, children killed, a full file system, broken HTTP
/// servers. Each test asserts the exit code, the message, the results store or
/// cache state, and that no child process group or temporary is left.
@Suite(.serialized) struct FaultTests {
    static let kernelTarball = TestEnv.kernelTarball

    /// SIGTERM while tar unpacks the kernel source: tar stops, the unpacked files
    /// (beside the worktrees) and the staging repository (beside the trees) are removed.
    @Test(.tags(.kernelBuild), .needs(.kernelSource)) func sigtermDuringTreeImport() throws {
        let cache = try TestEnv.temporaryDirectory("fault-import-cache")
        let name = "fault-\(UUID().uuidString.prefix(8).lowercased())"
        let k = try RunningKGate(["tree", "import", Self.kernelTarball.path, "--name", name], cache: cache, label: "import")
        #expect(k.waitForChild(timeout: 30) { comm, _ in comm == "tar" } != nil)
        usleep(1_000_000)
        let end = k.interrupt(SIGTERM)
        let leftovers = RunningKGate.processes(mentioning: ".import-\(name)")
            + ["trees", "worktrees"].flatMap { dir in
                ((try? FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent(dir).path)) ?? [])
                    .filter { $0.hasPrefix(".import-") || $0 == name }.map { "\(dir)/\($0)" }
            }
        k.measure("SIGTERM during tree import (tar)", leftovers: leftovers)
        #expect(end.code == 143)
        #expect(k.stderr.contains("interrupted by SIGTERM"))
        #expect(end.seconds < 10)
        #expect(leftovers.isEmpty)
        #expect(k.survivingGroups().isEmpty)
    }

    /// The shared tree and cache with a configuration of the fault tests' own
    /// (`Fixtures/fault.yaml`: the e2e configuration plus a local version): every
    /// build there starts make on an empty object directory, which the tests
    /// interrupt, and reuses the shared worktree (no checkout of a tree of their own).
    static let pipeline = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/fault.yaml").path

    /// Starts a build with the fault configuration and waits until make builds bzImage.
    func buildUntilMake(_ label: String) throws -> (RunningKGate, URL, pid_t?) {
        try SharedKernel.ensureTree()
        let cache = TestEnv.cache.root
        let k = try RunningKGate(["build", "--tree", TestEnv.defaultTreeName, "--rev", "HEAD", "--pipeline", Self.pipeline],
                                 cache: cache, label: label)
        let make = k.waitForChild(timeout: 600) { comm, args in comm == "make" && args.contains("bzImage") }
        return (k, cache, make)
    }

    /// What a stopped build may leave: its object directory, never a make or a partial result.
    static func buildLeftovers(_ cache: URL) -> [String] {
        let builds = cache.appendingPathComponent("builds")
        let partials = ((try? FileManager.default.contentsOfDirectory(atPath: builds.path)) ?? []).flatMap { h in
            ((try? FileManager.default.contentsOfDirectory(atPath: builds.appendingPathComponent(h).path)) ?? [])
                .filter { $0.hasPrefix(".partial-") }.map { "\(h)/\($0)" }
        }
        // Processes working in the cache's builds or worktrees (make, the compiler); the test
        // run's own processes name other parts of the shared cache (its timing log).
        return RunningKGate.processes(mentioning: builds.path + "/")
            + RunningKGate.processes(mentioning: cache.appendingPathComponent("worktrees").path + "/") + partials
    }

    @Test(.tags(.kernelBuild), .needs(.kernelSource)) func sigintDuringBuildStopsMake() throws {
        let (k, cache, make) = try buildUntilMake("build")
        #expect(make != nil)
        usleep(3_000_000)
        let end = k.interrupt(SIGINT)
        let leftovers = Self.buildLeftovers(cache)
        k.measure("SIGINT during build (make)", leftovers: leftovers)
        #expect(end.code == 130, "stderr: \(k.stderr.suffix(2000))")
        #expect(k.stderr.contains("interrupted by SIGINT: stopped 1 child process group(s)"))
        #expect(leftovers.isEmpty)
        #expect(k.survivingGroups().isEmpty)
    }

    /// make killed by SIGKILL (as the OOM killer does): infrastructure, not a broken tree.
    @Test(.tags(.kernelBuild), .needs(.kernelSource)) func makeKilledIsInfrastructure() throws {
        let (k, cache, found) = try buildUntilMake("make-kill")
        let make = try #require(found)
        usleep(3_000_000)
        kill(make, SIGKILL)
        let end = k.wait(timeout: 60)
        let leftovers = Self.buildLeftovers(cache)
        k.measure("make killed (SIGKILL)", leftovers: leftovers)
        #expect(end.code == 4, "stderr: \(k.stderr.suffix(2000))")
        #expect(k.stderr.contains("make was killed by signal 9"))
        #expect(k.stderr.contains("not in the tree"))
        #expect(leftovers.isEmpty)
        #expect(k.survivingGroups().isEmpty)
        // Not stored as the revision's failed build: the log is kept beside the builds.
        let builds = cache.appendingPathComponent("builds")
        let kept = ((try? FileManager.default.contentsOfDirectory(atPath: builds.path)) ?? []).contains { h in
            FileManager.default.fileExists(atPath: builds.appendingPathComponent("\(h)/infrastructure-failure.log").path)
        }
        #expect(kept)
    }

    /// SIGINT to `kgate check` while it builds: the open run is stored as
    /// interrupted with exit code 130, no verdict, and nothing keeps running.
    @Test(.tags(.endToEnd), .needs(.kernel, .qemu)) func sigintDuringCheckRecordsTheRunAsInterrupted() throws {
        try SharedKernel.ensureTree()
        let cache = TestEnv.cache.root
        let series = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/benign-tcp-cleanup.mbox")
        let reports = try TestEnv.temporaryDirectory("fault-check-reports")
        let k = try RunningKGate(["check", "--tree", TestEnv.defaultTreeName, "--series", series.path, "--pipeline", Self.pipeline,
                                  "--report-dir", reports.path], cache: cache, label: "check")
        #expect(k.waitForChild(timeout: 600) { comm, args in comm == "make" && args.contains("bzImage") } != nil)
        usleep(2_000_000)
        let end = k.interrupt(SIGINT)
        let leftovers = Self.buildLeftovers(cache)
        k.measure("SIGINT during kgate check (base build)", leftovers: leftovers)
        #expect(end.code == 130, "stderr: \(k.stderr.suffix(2000))")
        #expect(leftovers.isEmpty)
        #expect(k.survivingGroups().isEmpty)
        let list = try ProcessRunner.run(TestEnv.kgateBinary.path, ["results", "list", "--limit", "1"],
                                         environment: ["KGATE_CACHE": cache.path])
        #expect(list.stdout.contains("interrupted"), "results list: \(list.stdout)")
        let json = try ProcessRunner.run(TestEnv.kgateBinary.path, ["results", "export", "--format", "json"]
                                         + [TestEnv.lastLine(list.stdout).split(separator: " ").first.map(String.init) ?? "1"],
                                         environment: ["KGATE_CACHE": cache.path])
        #expect(json.stdout.contains("\"exitCode\" : 130") || json.stdout.contains("\"exitCode\":130"),
                "export: \(json.stdout.prefix(1500))")
    }
}
