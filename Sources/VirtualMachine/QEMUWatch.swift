import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// What happened to the QEMU process, as seen from the host.
struct QEMURun: Sendable {
    var exitCode: Int32 = 0
    var signal: Int32?
    /// Set when QEMU could not be spawned at all.
    var spawnError: String?
    var bootTimedOut = false
    var runTimedOut = false
    /// Which deadline passed, counted how (`RunClock`).
    var timeoutReason: String?
    /// The host starved a deterministic guest: the wall backstop passed, or QEMU waited or was stopped a whole window.
    var starved = false
    /// Set when the guest flooded the console or the result channel.
    var overflow: String?
    var wallSeconds: Double = 0
    var wallSecondsToMarker: Double?
    /// QEMU's CPU seconds (user plus system) when it ended.
    var cpuSeconds: Double = 0
    var stderr: String = ""
}

/// Runs QEMU with a watchdog, watching the console log for a marker line.
enum QEMUWatch {
    static let logLimit: UInt64 = 64 << 20

    static func run(executable: URL, arguments: [String], bootDir: URL, consoleLog: URL, resultsLog: URL,
                    marker: String, bootTimeout: Double, runTimeout: Double, clock basis: RunClock.Basis = .wall,
                    stopAtMarker: Bool = false, status: (String) -> Void) -> QEMURun {
        var run = QEMURun()
        let stderrURL = bootDir.appendingPathComponent("qemu.stderr")
        let stdoutURL = bootDir.appendingPathComponent("qemu.stdout")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: consoleLog.path, contents: nil)
        _ = FileManager.default.createFile(atPath: resultsLog.path, contents: nil)
        let child: ChildProcess
        do {
            let err = try FileHandle(forWritingTo: stderrURL)
            let out = try FileHandle(forWritingTo: stdoutURL)
            let null = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/null"))
            defer { try? err.close(); try? out.close(); try? null.close() }
            child = try Supervisor.spawn(executable, arguments, environment: ProcessInfo.processInfo.environment,
                                         cwd: bootDir, stdin: null.fileDescriptor, stdout: out.fileDescriptor,
                                         stderr: err.fileDescriptor, label: "qemu")
        } catch {
            run.spawnError = (error as? KGateError)?.what ?? "cannot start \(executable.path): \(error)"
            return run
        }
        let start = Date()
        let tail = try? FileHandle(forReadingFrom: consoleLog)
        defer { try? tail?.close() }
        let needle = Data(marker.utf8)
        var carry = Data()
        var clock = RunClock(basis: basis)
        let end = Supervisor.wait(child, tickInterval: 0.5) { elapsed, tick in
            if run.wallSecondsToMarker == nil, let tail, let chunk = try? tail.readToEnd(), !chunk.isEmpty {
                let window = carry + chunk
                if window.range(of: needle) != nil {
                    run.wallSecondsToMarker = elapsed
                } else {
                    carry = window.suffix(needle.count)
                }
            }
            if stopAtMarker, run.wallSecondsToMarker != nil { return true }
            if tick {
                clock.observe(wall: elapsed, usage: basis == .cpu ? RunClock.usage(pid: child.pid) : nil)
                let cpu = basis == .cpu ? String(format: " (%.0f s CPU)", clock.cpu) : ""
                status(String(format: "%.0f s%@%@", elapsed, cpu, run.wallSecondsToMarker == nil ? ", booting" : ", running"))
                for log in [consoleLog, resultsLog] where fileSize(log) > logLimit {
                    run.overflow = "\(log.lastPathComponent) exceeded \(logLimit >> 20) MiB"
                }
            }
            if run.overflow != nil { return true }
            if run.wallSecondsToMarker == nil, let why = clock.exceeded(bootTimeout) ?? clock.stall {
                run.bootTimedOut = true
                run.starved = clock.starved(bootTimeout)
                run.timeoutReason = "boot deadline: " + why
                return true
            }
            if let why = clock.exceeded(runTimeout) ?? clock.stall {
                run.runTimedOut = true
                run.starved = clock.starved(runTimeout)
                run.timeoutReason = "run deadline: " + why
                return true
            }
            return false
        }
        // kgate is being interrupted: the signal handler exits once QEMU is gone.
        Supervisor.parkIfInterrupted()
        if run.wallSecondsToMarker == nil, let rest = try? tail?.readToEnd(), (carry + rest).range(of: needle) != nil {
            run.wallSecondsToMarker = Date().timeIntervalSince(start)
        }
        run.wallSeconds = Date().timeIntervalSince(start)
        run.exitCode = end.exitCode
        run.cpuSeconds = end.cpuSeconds
        run.signal = end.signal
        run.stderr = ProcessRunner.readTail(stderrURL, limit: 64 << 10)
        return run
    }

    static func fileSize(_ url: URL) -> UInt64 {
        var st = stat()
        return stat(url.path, &st) == 0 ? UInt64(st.st_size) : 0
    }
}
