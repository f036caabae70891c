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

    /// SIGTERM while tar unpacks the kernel source: tar stops, the tmpfs scratch is removed.
    @Test(.tags(.kernelBuild)) func sigtermDuringTreeImport() throws {
        let cache = try TestEnv.temporaryDirectory("fault-import-cache")
        let name = "fault-\(UUID().uuidString.prefix(8).lowercased())"
        let k = try RunningKGate(["tree", "import", Self.kernelTarball.path, "--name", name], cache: cache, label: "import")
        #expect(k.waitForChild(timeout: 30) { comm, _ in comm == "tar" } != nil)
        usleep(1_000_000)
        let end = k.interrupt(SIGTERM)
        let leftovers = RunningKGate.processes(mentioning: "kgate-import-\(name)")
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/shm")) ?? []).filter { $0.contains(name) }
            + ((try? FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("trees").path)) ?? [])
                .filter { $0.hasPrefix(".import-") }
        k.measure("SIGTERM during tree import (tar)", leftovers: leftovers)
        #expect(end.code == 143)
        #expect(k.stderr.contains("interrupted by SIGTERM"))
        #expect(end.seconds < 10)
        #expect(leftovers.isEmpty)
        #expect(k.survivingGroups().isEmpty)
    }

    /// A fresh configuration (new object directory) interrupted while make runs.
    @Test(.tags(.kernelBuild)) func sigintDuringBuildStopsMake() throws {
        try SharedKernel.ensureTree()
        let tag = "fault\(UUID().uuidString.prefix(6).lowercased())"
        let k = try RunningKGate(["build", "--tree", TestEnv.defaultTreeName, "--rev", "HEAD",
                                  "--set", "CONFIG_LOCALVERSION=\"-\(tag)\""], cache: TestEnv.cache.root, label: "build")
        let make = k.waitForChild(timeout: 120) { comm, _ in comm == "make" }
        #expect(make != nil)
        usleep(4_000_000)
        let end = k.interrupt(SIGINT)
        let objDirs = Self.objectDirectoriesMentioning(tag)
        let leftovers = objDirs.flatMap { RunningKGate.processes(mentioning: $0.path) } + Self.partialBuildDirectories(objDirs)
        k.measure("SIGINT during build (make)", leftovers: leftovers)
        #expect(end.code == 130, "stderr: \(k.stderr.suffix(2000))")
        #expect(k.stderr.contains("interrupted by SIGINT"))
        #expect(leftovers.isEmpty)
        #expect(k.survivingGroups().isEmpty)
        for dir in objDirs { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
    }

    /// make killed by SIGKILL (as the OOM killer does): infrastructure, not a broken tree.
    @Test(.tags(.kernelBuild)) func makeKilledIsInfrastructure() throws {
        try SharedKernel.ensureTree()
        let tag = "fault\(UUID().uuidString.prefix(6).lowercased())"
        let k = try RunningKGate(["build", "--tree", TestEnv.defaultTreeName, "--rev", "HEAD",
                                  "--set", "CONFIG_LOCALVERSION=\"-\(tag)\""], cache: TestEnv.cache.root, label: "make-kill")
        let make = try #require(k.waitForChild(timeout: 120) { comm, args in comm == "make" && args.contains("bzImage") })
        usleep(3_000_000)
        kill(make, SIGKILL)
        let end = k.wait(timeout: 60)
        let objDirs = Self.objectDirectoriesMentioning(tag)
        let leftovers = objDirs.flatMap { RunningKGate.processes(mentioning: $0.path) } + Self.partialBuildDirectories(objDirs)
        k.measure("make killed (SIGKILL)", leftovers: leftovers)
        #expect(end.code == 4, "stderr: \(k.stderr.suffix(2000))")
        #expect(k.stderr.contains("make was killed by signal 9"))
        #expect(k.stderr.contains("not in the tree"))
        #expect(leftovers.isEmpty)
        #expect(k.survivingGroups().isEmpty)
        for dir in objDirs { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
    }

    /// Object directories whose .config carries `tag` (this test's configuration).
    static func objectDirectoriesMentioning(_ tag: String) -> [URL] {
        let builds = TestEnv.cache.builds
        let hashes = (try? FileManager.default.contentsOfDirectory(atPath: builds.path)) ?? []
        return hashes.flatMap { h -> [URL] in
            let dir = builds.appendingPathComponent(h)
            let objs = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("obj-") }
            return objs.map { dir.appendingPathComponent($0) }.filter { obj in
                let config = (try? String(contentsOf: obj.appendingPathComponent(".config"), encoding: .utf8)) ?? ""
                let scratch = (try? String(contentsOf: obj.appendingPathComponent("kgate.config.new"), encoding: .utf8)) ?? ""
                return config.contains(tag) || scratch.contains(tag)
            }
        }
    }

    /// `.partial-*` directories beside these object directories.
    static func partialBuildDirectories(_ objDirs: [URL]) -> [String] {
        objDirs.flatMap { obj in
            let dir = obj.deletingLastPathComponent()
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
                .filter { $0.hasPrefix(".partial-") }.map { dir.appendingPathComponent($0).path }
        }
    }
}
