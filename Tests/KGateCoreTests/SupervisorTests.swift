import Foundation
import Synchronization
import Testing
import TestSupport
@testable import KGateCore

/// The process supervisor with real children (sh, sleep): process groups,
/// stopping a whole group, spawn failures, the parent-death signal.
@Suite(.tags(.unit)) struct SupervisorTests {
    /// Pids of processes whose command line contains `marker`.
    static func pids(matching marker: String) -> [Int32] {
        guard let r = try? ProcessRunner.run("pgrep", ["-f", marker]) else { return [] }
        return r.stdout.split(separator: "\n").compactMap { Int32($0) }
    }

    static func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func childLeadsItsOwnProcessGroupAndStopTakesTheGrandchildren() throws {
        let marker = "kgate-sup-\(UUID().uuidString.prefix(8))"
        let sh = try #require(ProcessRunner.which("sh"))
        let null = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/null"))
        defer { try? null.close() }
        // A grandchild in the background, as make leaves its compilers.
        let child = try Supervisor.spawn(sh, ["-c", "sleep 300 & sleep 300; : \(marker)"],
                                         environment: ProcessInfo.processInfo.environment,
                                         stdin: -1, stdout: null.fileDescriptor, stderr: null.fileDescriptor)
        #expect(getpgid(child.pid) == child.pid)
        #expect(Supervisor.children.contains(child))
        #expect(Self.waitUntil(5) { Self.pids(matching: "sleep 300").contains { getpgid($0) == child.pid } })
        let start = Date()
        let end = Supervisor.stop(child)
        #expect(end.signal == SIGTERM)
        #expect(Date().timeIntervalSince(start) < Supervisor.grace)
        #expect(!Supervisor.children.contains(child))
        #expect(Self.waitUntil(2) { !Self.pids(matching: "sleep 300").contains { getpgid($0) == child.pid } })
        // The orphaned grandchild is reaped by init: the group disappears.
        #expect(Self.waitUntil(3) { kill(-child.pid, 0) != 0 })
    }

    /// A boot's QEMU CPU seconds come from `wait4` when the child is reaped.
    @Test func waitReportsTheChildsCPUSeconds() throws {
        let sh = try #require(ProcessRunner.which("sh"))
        let busy = try Supervisor.spawn(sh, ["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done"],
                                        environment: ProcessInfo.processInfo.environment,
                                        stdin: -1, stdout: -1, stderr: -1)
        let end = Supervisor.wait(busy)
        #expect(end.exitCode == 0)
        #expect(end.cpuSeconds > 0.05)
        let idle = try Supervisor.spawn(sh, ["-c", "sleep 0.3"], environment: ProcessInfo.processInfo.environment,
                                        stdin: -1, stdout: -1, stderr: -1)
        #expect(Supervisor.wait(idle).cpuSeconds < 0.1)
    }

    @Test func stopEscalatesToKillWhenTermIsIgnored() throws {
        let sh = try #require(ProcessRunner.which("sh"))
        let child = try Supervisor.spawn(sh, ["-c", "trap '' TERM; while :; do sleep 0.1; done"],
                                         environment: ProcessInfo.processInfo.environment,
                                         stdin: -1, stdout: -1, stderr: -1)
        usleep(200_000)
        let start = Date()
        let end = Supervisor.stop(child, grace: 0.5)
        #expect(end.signal == SIGKILL)
        #expect(Date().timeIntervalSince(start) >= 0.5)
    }

    @Test func failedExecIsATypedErrorWithTheErrno() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/kgate-no-such-tool")
        #expect(throws: KGateError.self) {
            try Supervisor.spawn(missing, [], environment: [:], stdin: -1, stdout: -1, stderr: -1)
        }
        do {
            _ = try Supervisor.spawn(missing, [], environment: [:], stdin: -1, stdout: -1, stderr: -1)
        } catch let error as KGateError {
            #expect(error.blame == .host)
            #expect(error.what.contains("No such file or directory"))
        }
        #expect(Supervisor.children.isEmpty || !Supervisor.children.contains { $0.label == "kgate-no-such-tool" })
    }

    @Test func processRunnerReportsSignalAndExitStatus() throws {
        let r = try ProcessRunner.run("sh", ["-c", "echo out; echo err >&2; exit 7"])
        #expect(r.exitCode == 7 && r.signal == nil && r.stdout == "out\n" && r.stderr == "err\n")
        let k = try ProcessRunner.run("sh", ["-c", "kill -KILL $$"])
        #expect(k.signal == SIGKILL && k.exitCode == 128 + SIGKILL)
        let t = try ProcessRunner.run("sleep", ["30"], timeout: 0.3)
        #expect(t.timedOut && t.seconds < 3)
    }

    /// The child gets SIGTERM when the thread that spawned it ends without stopping it.
    @Test func parentDeathSignalReachesAnOrphanedChild() throws {
        let marker = "kgate-pdeath-\(UUID().uuidString.prefix(8))"
        let sh = try #require(ProcessRunner.which("sh"))
        let spawned = Mutex<ChildProcess?>(nil)
        let thread = Thread {
            let child = try? Supervisor.spawn(sh, ["-c", "exec sleep 300 # \(marker)"],
                                              environment: ProcessInfo.processInfo.environment,
                                              stdin: -1, stdout: -1, stderr: -1)
            spawned.withLock { $0 = child }
        }
        thread.start()
        #expect(Self.waitUntil(5) { spawned.withLock { $0 != nil } })
        let child = try #require(spawned.withLock { $0 })
        // The spawning thread has returned: the kernel sends the parent-death signal.
        let gone = Self.waitUntil(5) {
            _ = Supervisor.poll(child)
            return !Supervisor.children.contains(child)
        }
        #expect(gone)
    }

    @Test func unexpectedErrorsKeepTheirCause() {
        let posix = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC),
                            userInfo: [NSFilePathErrorKey: "/cache/x", NSLocalizedDescriptionKey: "no space"])
        let wrapped = NSError(domain: NSCocoaErrorDomain, code: 640, userInfo: [NSUnderlyingErrorKey: posix])
        let e = KGateError.unexpected(wrapped, during: "check")
        #expect(e.exitCode == KGateExitCode.infrastructure)
        #expect(e.causeText?.contains("NSPOSIXErrorDomain code \(ENOSPC) path /cache/x") == true)
        #expect(e.description.contains("  cause: "))
        #expect(KGateExitCode.interrupted(by: SIGINT) == 130 && KGateExitCode.interrupted(by: SIGTERM) == 143)
    }
}
