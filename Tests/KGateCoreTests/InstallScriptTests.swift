import Foundation
import KGateCore
import Testing
import TestSupport

/// scripts/install-deps.sh, run against stub `dpkg-query` and `apt-get` (nothing is
/// installed): the newcomer path (`scripts/demo.sh`: `--swift`, then `--main` beside
/// `swift build`) asks apt for what the main job needs and not the test-only
/// packages; the default (CI, scripts/test.sh) asks for everything.
@Suite(.tags(.unit)) struct InstallScriptTests {
    /// The packages the script asks apt for, and its exit status.
    func install(_ arguments: [String], installed: Bool = false) throws -> (packages: [String], flags: [String], status: Int32) {
        let dir = try TestEnv.temporaryDirectory("install-deps")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("apt.log")
        let stubs: [String: String] = [
            "dpkg-query": installed ? "printf 'install ok installed'" : "exit 1",
            "apt-get": "echo \"$@\" >> \(log.path)",
            "sudo": "exec \"$@\"",
        ]
        for (name, body) in stubs {
            let url = dir.appendingPathComponent(name)
            try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        // The lint venv counts as present: the test never creates one.
        let venv = dir.appendingPathComponent("venv/bin")
        try FileManager.default.createDirectory(at: venv, withIntermediateDirectories: true)
        let lint = venv.appendingPathComponent("check-jsonschema")
        try "#!/bin/sh\n".write(to: lint, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: lint.path)
        let path = dir.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let script = TestEnv.packageRoot.appendingPathComponent("scripts/install-deps.sh").path
        let r = try ProcessRunner.run("bash", [script] + arguments,
                                      environment: ["PATH": path, "KGATE_LINT_VENV": venv.deletingLastPathComponent().path],
                                      timeout: 60)
        let lines = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n")
        // Every apt-get install of the run: the runtime set's (install-runtime.sh) and the script's own.
        let install = lines.filter { $0.contains("install") }.flatMap { $0.split(separator: " ").map(String.init) }
        return (install.filter { !$0.hasPrefix("-") && $0 != "install" }, Array(Set(install.filter { $0.hasPrefix("-") })), r.exitCode)
    }

    @Test func theMainJobGetsWhatItNeedsAndNoTestOnlyPackage() throws {
        let main = try install(["--main"])
        #expect(main.status == 0)
        for needed in ["libgit2-dev", "linux-source-6.12", "qemu-system-x86", "iperf3", "sockperf", "ccache", "busybox-static"] {
            #expect(main.packages.contains(needed), "\(needed) missing from --main: \(main.packages)")
        }
        for testOnly in ["buildbot", "buildbot-worker", "python3-venv", "time"] {
            #expect(!main.packages.contains(testOnly), "\(testOnly) is test-only")
        }
        #expect(main.flags.contains("--no-install-recommends"))
        let swift = try install(["--swift"])
        #expect(swift.status == 0 && Set(swift.packages).isSubset(of: Set(main.packages)) && swift.packages.contains("libgit2-dev"))
        #expect(!swift.packages.contains("qemu-system-x86"))
        let all = try install([], installed: false)
        #expect(Set(main.packages).isSubset(of: Set(all.packages)) && all.packages.contains("buildbot"))
    }

    @Test func nothingToInstallAsksNothingAndAnUnknownOptionIsUsage() throws {
        let none = try install(["--main"], installed: true)
        #expect(none.status == 0 && none.packages.isEmpty)
        #expect(try install(["--everything"]).status == 64)
    }
}
