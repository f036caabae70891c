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

/// Runs host tools (make, tar, ldd, …) with deadlines, each child under the
/// `Supervisor` (own process group, parent-death signal, stopped on SIGINT).
/// Synchronous: callers run it from their own task or thread.
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
    ///   - timeout: seconds after which the child's process group gets SIGTERM, then SIGKILL 3 s later.
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
        let environment = environment.isEmpty ? ProcessInfo.processInfo.environment
            : ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("kgate-proc-\(getpid())-\(UUID().uuidString)")
        try CachePaths.ensureDirectory(scratch)
        let scratchToken = Supervisor.registerTemporary(scratch)
        defer { try? FileManager.default.removeItem(at: scratch); Supervisor.release(scratchToken) }

        func handle(_ output: ProcessOutput, _ name: String) throws -> (FileHandle?, URL?) {
            switch output {
            case .inherit: return (nil, nil)
            case .discard: return (try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/null")), nil)
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
        defer { try? outHandle?.close(); try? errHandle?.close() }
        let inHandle: FileHandle?
        if let stdinFile {
            inHandle = try FileHandle(forReadingFrom: stdinFile)
        } else if case .inherit = stdout {
            inHandle = nil  // interactive use keeps the terminal's stdin
        } else {
            inHandle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/null"))
        }
        defer { try? inHandle?.close() }

        let start = Date()
        let child = try Supervisor.spawn(exe, arguments, environment: environment, cwd: cwd,
                                         stdin: inHandle?.fileDescriptor ?? -1, stdout: outHandle?.fileDescriptor ?? -1,
                                         stderr: errHandle?.fileDescriptor ?? -1, label: executable)
        let end = Supervisor.wait(child, deadline: timeout, tickInterval: tickInterval) { elapsed, isTick in
            if isTick { tick?(elapsed) }
            return false
        }
        Supervisor.parkIfInterrupted()
        return ProcessResult(
            exitCode: end.exitCode,
            signal: end.signal,
            stdout: outCapture.map { readTail($0, limit: captureLimit) } ?? "",
            stderr: errCapture.map { readTail($0, limit: captureLimit) } ?? "",
            timedOut: end.timedOut,
            seconds: Date().timeIntervalSince(start))
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
