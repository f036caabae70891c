import Foundation
import KGateCore
import TestSupport

/// A `kgate` process started in the background for fault injection: tests
/// signal it (or its children) and then check its exit code, message, time to
/// exit, and that every process group it started is gone.
final class RunningKGate {
    let child: ChildProcess
    let out: URL
    let err: URL
    /// Process groups of kgate's children seen while it ran.
    private(set) var groups: Set<pid_t> = []
    private(set) var exit: (code: Int32, seconds: Double)?

    init(_ arguments: [String], cache: URL, label: String) throws {
        let dir = try TestEnv.temporaryDirectory("fault-\(label)")
        out = dir.appendingPathComponent("stdout")
        err = dir.appendingPathComponent("stderr")
        let o = try RunningKGate.create(out), e = try RunningKGate.create(err)
        let null = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/null"))
        defer { try? o.close(); try? e.close(); try? null.close() }
        var env = ProcessInfo.processInfo.environment
        env["KGATE_CACHE"] = cache.path
        child = try Supervisor.spawn(TestEnv.kgateBinary, arguments, environment: env, stdin: null.fileDescriptor,
                                     stdout: o.fileDescriptor, stderr: e.fileDescriptor, label: "kgate-\(label)")
    }

    static func create(_ url: URL) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try FileHandle(forWritingTo: url)
    }

    /// Direct children of kgate: (pid, command name, command line).
    func children() -> [(pid: pid_t, name: String, args: String)] {
        guard let r = try? ProcessRunner.run("ps", ["-o", "pid=,comm=,args=", "--ppid", "\(child.pid)"]) else { return [] }
        return r.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count >= 2, let pid = pid_t(parts[0]) else { return nil }
            return (pid, String(parts[1]), parts.count > 2 ? String(parts[2]) : "")
        }
    }

    /// Waits until a child matching `match` runs (remembering every child's group); nil after `timeout`.
    func waitForChild(timeout: Double, _ match: (String, String) -> Bool) -> pid_t? {
        let deadline = Date().addingTimeInterval(timeout)
        let start = Date()
        while Date() < deadline, exit == nil {
            if let end = Supervisor.poll(child) { exit = (end.exitCode, Date().timeIntervalSince(start)); break }
            for c in children() {
                groups.insert(getpgid(c.pid) > 0 ? getpgid(c.pid) : c.pid)
                if match(c.name, c.args) { return c.pid }
            }
            usleep(100_000)
        }
        return nil
    }

    /// Sends `signal` to kgate and waits for it to exit.
    func interrupt(_ signal: Int32, timeout: Double = 30) -> (code: Int32, seconds: Double) {
        for c in children() { groups.insert(getpgid(c.pid)) }
        kill(child.pid, signal)
        return wait(timeout: timeout)
    }

    func wait(timeout: Double) -> (code: Int32, seconds: Double) {
        if let exit { return exit }
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        while Date() < deadline {
            if let end = Supervisor.poll(child) {
                exit = (end.exitCode, Date().timeIntervalSince(start))
                return (end.exitCode, Date().timeIntervalSince(start))
            }
            for c in children() { groups.insert(getpgid(c.pid)) }
            usleep(20_000)
        }
        let end = Supervisor.stop(child)
        exit = (end.exitCode, timeout)
        return (-1, timeout)
    }

    var stderr: String { ProcessRunner.readTail(err, limit: 1 << 20) }
    var stdout: String { ProcessRunner.readTail(out, limit: 1 << 20) }

    /// Groups of kgate's children still alive (after a short grace for init to reap zombies).
    func survivingGroups() -> [pid_t] {
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline, groups.contains(where: { $0 > 0 && kill(-$0, 0) == 0 }) { usleep(50_000) }
        return groups.filter { $0 > 0 && kill(-$0, 0) == 0 }
    }

    /// Processes whose command line mentions `text` (leftovers).
    static func processes(mentioning text: String) -> [String] {
        guard let r = try? ProcessRunner.run("pgrep", ["-af", text]) else { return [] }
        return r.stdout.split(separator: "\n").map(String.init).filter { !$0.contains("pgrep") }
    }

    /// One line of the measurement table (docs/faults.md), printed for the report.
    func measure(_ fault: String, leftovers: [String]) {
        guard let exit else { return }
        let message = stderr.split(separator: "\n").last {
            $0.hasPrefix("error:") || $0.contains("interrupted by") || ($0.hasPrefix("boot: ") && $0.count < 80)
        }
        print(String(format: "FAULT-MEASURE | %@ | %d | %@ | %@ | %.2f s", fault, exit.code,
                     String(message ?? "-"), leftovers.isEmpty ? "nothing" : leftovers.joined(separator: ", "),
                     exit.seconds))
    }
}
