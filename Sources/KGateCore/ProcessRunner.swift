import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of one child process.
public struct ProcessResult: Sendable {
    public var exitCode: Int32
    /// Set when the process ended by a signal (the exit code is then 128 + signal).
    public var signal: Int32?
    /// Captured output (the last `captureLimit` bytes when `.capture` was asked).
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var seconds: Double

    public var succeeded: Bool { exitCode == 0 && signal == nil && !timedOut }
}

/// Where a child's stdout or stderr goes. Output is written to files, never
/// pipes, so a chatty child can never deadlock against a full pipe buffer.
public enum ProcessOutput: Sendable {
    case capture
    case file(URL)
    case inherit
    case discard
}

/// Runs host tools (make, qemu, ldd, …) with deadlines. Synchronous: callers
/// run it from their own task or thread.
public enum ProcessRunner {
    /// Bytes kept from the end of captured output.
    public static let captureLimit = 4 << 20

    /// Finds `name` on `PATH` (or returns it if it is a path that exists).
    public static func which(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil
        }
        for dir in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Resolves a tool or throws the doctor's fix for it.
    public static func require(_ name: String) throws -> URL {
        if let url = which(name) { return url }
        throw KGateError.infrastructure("required tool '\(name)' is not installed", location: "PATH",
                                        fix: HostRequirements.fix(forTool: name))
    }

    /// Runs `executable` with `arguments`.
    /// - Parameters:
    ///   - environment: variables added to (overriding) the current environment.
    ///   - timeout: seconds after which the child gets SIGTERM, then SIGKILL 3 s later.
    ///   - tick: called about every `tickInterval` seconds while the child runs (progress).
    public static func run(
        _ executable: String,
        _ arguments: [String],
        cwd: URL? = nil,
        environment: [String: String] = [:],
        stdout: ProcessOutput = .capture,
        stderr: ProcessOutput = .capture,
        stdinFile: URL? = nil,
        timeout: Double? = nil,
        tickInterval: Double = 0.5,
        tick: ((Double) -> Void)? = nil
    ) throws -> ProcessResult {
        let exe = try require(executable)
        let process = Process()
        process.executableURL = exe
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = cwd }
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("kgate-proc-\(getpid())-\(UUID().uuidString)")
        try CachePaths.ensureDirectory(scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }

        func handle(_ output: ProcessOutput, _ name: String) throws -> (FileHandle?, URL?) {
            switch output {
            case .inherit: return (nil, nil)
            case .discard: return (FileHandle.nullDevice, nil)
            case .capture:
                let url = scratch.appendingPathComponent(name)
                return (try openForWriting(url), url)
            case .file(let url):
                try CachePaths.ensureDirectory(url.deletingLastPathComponent())
                return (try openForWriting(url), nil)
            }
        }
        let (outHandle, outCapture) = try handle(stdout, "stdout")
        let (errHandle, errCapture) = try handle(stderr, "stderr")
        if let outHandle { process.standardOutput = outHandle }
        if let errHandle { process.standardError = errHandle }
        if let stdinFile {
            process.standardInput = try FileHandle(forReadingFrom: stdinFile)
        } else if case .inherit = stdout {
            // interactive use keeps the terminal's stdin
        } else {
            process.standardInput = FileHandle.nullDevice
        }

        let start = Date()
        do {
            try spawnWithDefaultSignalMask(process)
        } catch {
            throw KGateError.infrastructure("cannot start \(exe.path): \(error.localizedDescription)",
                                            fix: HostRequirements.fix(forTool: executable))
        }
        var timedOut = false
        var lastTick = start
        while process.isRunning {
            usleep(20_000)
            let now = Date()
            if let tick, now.timeIntervalSince(lastTick) >= tickInterval {
                lastTick = now
                tick(now.timeIntervalSince(start))
            }
            if let timeout, now.timeIntervalSince(start) > timeout, !timedOut {
                timedOut = true
                stop(process)
            }
        }
        process.waitUntilExit()
        try? outHandle?.close()
        try? errHandle?.close()

        let signalled = process.terminationReason == .uncaughtSignal
        let status = process.terminationStatus
        return ProcessResult(
            exitCode: signalled ? 128 + status : status,
            signal: signalled ? status : nil,
            stdout: outCapture.map { readTail($0, limit: captureLimit) } ?? "",
            stderr: errCapture.map { readTail($0, limit: captureLimit) } ?? "",
            timedOut: timedOut,
            seconds: Date().timeIntervalSince(start))
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; also signals the child's
    /// process group when it leads one, so no grandchild is left behind.
    public static func stop(_ process: Process, grace: Double = 3) {
        let pid = process.processIdentifier
        guard pid > 0 else { return }
        let leadsGroup = getpgid(pid) == pid
        kill(pid, SIGTERM)
        if leadsGroup { kill(-pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            if leadsGroup { kill(-pid, SIGKILL) }
        }
    }

    /// A child inherits the spawning thread's signal mask; threads of test
    /// runners and executors often block SIGTERM, which would make the child
    /// deaf to the watchdog. Spawn with every signal unblocked.
    public static func spawnWithDefaultSignalMask(_ process: Process) throws {
        var empty = sigset_t()
        var saved = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        try process.run()
    }

    static func openForWriting(_ url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw KGateError.infrastructure("cannot create file", location: url.path)
        }
        return try FileHandle(forWritingTo: url)
    }

    /// The last `limit` bytes of a file, decoded leniently.
    public static func readTail(_ url: URL, limit: Int) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(limit) ? size - UInt64(limit) : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
