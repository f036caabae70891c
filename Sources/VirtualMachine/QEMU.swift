import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// The QEMU command line for one boot (vm-images/PROTOCOL.md, "Boot").
public enum QEMUCommand {
    public static let executable = "qemu-system-x86_64"
    public static let baseCommandLine = ["console=ttyS0", "panic=-1", "rdinit=/init"]

    /// Deterministic mode only. Under `-icount` guest time advances with executed
    /// instructions, and a busy-wait on the TSC costs QEMU a CPU-loop exit per
    /// `pause`: the local APIC timer calibration (100 ms of guest time spinning on
    /// `rdtsc`) took 76 % of an 18 s boot and the IO-APIC timer check another 8 %
    /// (guest RIP sampled through the QEMU monitor, issue 15). TCG has no TSC
    /// deadline timer that would skip the calibration, so the guest does without
    /// the local APIC timer: the PIT is its clock event device (one-shot capable,
    /// so hrtimers, netem's delays included, work as before), and the timer check
    /// is skipped. Plain TCG already ends up on the PIT: there the calibrated
    /// APIC timer fails its verification.
    public static let deterministicCommandLine = ["noapictimer", "no_timer_check"]

    /// The guest clock of seed 0 in deterministic mode; seed N starts N seconds later.
    public static let seedEpoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// Accelerator flags of a resolved mode. In deterministic mode the guest's
    /// wall clock at boot is fixed by the seed (`-rtc base=`): the kernel mixes
    /// it into its entropy pool (the default TCG CPU has no RDRAND, so QEMU's
    /// `-seed` reaches nothing), so the same seed gives the same random draws
    /// (netem loss, ISNs, hash seeds) and another seed another draw.
    public static func acceleratorArguments(_ mode: MeasurementMode, seed: UInt64 = 0) -> [String] {
        switch mode {
        case .deterministic:
            return ["-accel", "tcg", "-icount", "shift=0,sleep=off", "-smp", "1",
                    "-rtc", "base=\(rtcBase(seed: seed)),clock=vm"]
        case .tcg, .auto: return ["-accel", "tcg", "-smp", "1"]
        case .kvm: return ["-enable-kvm", "-cpu", "host", "-smp", "1"]
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS` of `seedEpoch` plus `seed` seconds (seeds are bounded by `maxSeed`).
    public static func rtcBase(seed: UInt64) -> String {
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.timeZone = TimeZone(identifier: "UTC")
        fmt.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return fmt.string(from: seedEpoch.addingTimeInterval(Double(min(seed, maxSeed))))
    }

    /// Seeds map to guest clocks within about 30 years of the epoch.
    public static let maxSeed: UInt64 = 999_999_999

    /// `interactive`: the console is QEMU's stdio (with its monitor on Ctrl-A c).
    /// `seed` (deterministic mode) fixes the guest clock and is named on the
    /// kernel command line (`kgate.seed=N`, which the kernel also mixes into its pool).
    public static func arguments(kernel: URL?, initrd: URL?, mode: MeasurementMode, memoryMiB: Int, append: [String],
                                 consoleLog: URL, resultsLog: URL, interactive: Bool = false, seed: UInt64? = nil) -> [String] {
        var args = ["-nographic", "-nic", "none", "-no-reboot", "-m", "\(memoryMiB)"]
        args += acceleratorArguments(mode, seed: seed ?? 0)
        if let kernel {
            args += ["-kernel", kernel.path]
            if let initrd { args += ["-initrd", initrd.path] }
            let seedWord = seed.map { ["kgate.seed=\($0)"] } ?? []
            let modeWords = mode == .deterministic ? deterministicCommandLine : []
            args += ["-append", (baseCommandLine + modeWords + seedWord + append).joined(separator: " ")]
        }
        if interactive {
            args += ["-serial", "mon:stdio"]
        } else {
            args += ["-monitor", "none",
                     "-chardev", "file,id=kgcon,path=\(escape(consoleLog.path))", "-serial", "chardev:kgcon"]
        }
        args += ["-chardev", "file,id=kgres,path=\(escape(resultsLog.path))", "-serial", "chardev:kgres"]
        return args
    }

    /// QEMU option values escape "," as ",,".
    static func escape(_ s: String) -> String { s.replacingOccurrences(of: ",", with: ",,") }
}

/// What happened to the QEMU process, as seen from the host.
struct QEMURun: Sendable {
    var exitCode: Int32 = 0
    var signal: Int32?
    /// Set when QEMU could not be spawned at all.
    var spawnError: String?
    var bootTimedOut = false
    var runTimedOut = false
    /// Set when the guest flooded the console or the result channel.
    var overflow: String?
    var wallSeconds: Double = 0
    var wallSecondsToMarker: Double?
    var stderr: String = ""
}

/// Runs QEMU with a watchdog, watching the console log for a marker line.
enum QEMUWatch {
    static let logLimit: UInt64 = 64 << 20

    static func run(executable: URL, arguments: [String], bootDir: URL, consoleLog: URL, resultsLog: URL,
                    marker: String, bootTimeout: Double, runTimeout: Double, stopAtMarker: Bool = false,
                    status: (String) -> Void) -> QEMURun {
        var run = QEMURun()
        let stderrURL = bootDir.appendingPathComponent("qemu.stderr")
        let stdoutURL = bootDir.appendingPathComponent("qemu.stdout")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: consoleLog.path, contents: nil)
        _ = FileManager.default.createFile(atPath: resultsLog.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = bootDir
        process.standardInput = FileHandle.nullDevice
        do {
            let err = try FileHandle(forWritingTo: stderrURL)
            let out = try FileHandle(forWritingTo: stdoutURL)
            defer { try? err.close(); try? out.close() }
            process.standardError = err
            process.standardOutput = out
            try ProcessRunner.spawnWithDefaultSignalMask(process)
        } catch {
            run.spawnError = "cannot start \(executable.path): \(error.localizedDescription)"
            return run
        }
        let start = Date()
        let pid = process.processIdentifier
        GuestInterrupts.registry.add(pid)
        defer { GuestInterrupts.registry.remove(pid) }
        let tail = try? FileHandle(forReadingFrom: consoleLog)
        defer { try? tail?.close() }
        let needle = Data(marker.utf8)
        var carry = Data()
        var lastCheck = start
        while process.isRunning {
            usleep(20_000)
            let now = Date()
            let elapsed = now.timeIntervalSince(start)
            if run.wallSecondsToMarker == nil, let tail, let chunk = try? tail.readToEnd(), !chunk.isEmpty {
                let window = carry + chunk
                if window.range(of: needle) != nil {
                    run.wallSecondsToMarker = elapsed
                } else {
                    carry = window.suffix(needle.count)
                }
            }
            if stopAtMarker, run.wallSecondsToMarker != nil {
                ProcessRunner.stop(process)
                break
            }
            if now.timeIntervalSince(lastCheck) >= 0.5 {
                lastCheck = now
                status(String(format: "%.0f s%@", elapsed, run.wallSecondsToMarker == nil ? ", booting" : ", running"))
                for log in [consoleLog, resultsLog] where fileSize(log) > logLimit {
                    run.overflow = "\(log.lastPathComponent) exceeded \(logLimit >> 20) MiB"
                }
            }
            if run.overflow != nil {
                ProcessRunner.stop(process)
                break
            }
            if run.wallSecondsToMarker == nil, elapsed > bootTimeout {
                run.bootTimedOut = true
                ProcessRunner.stop(process)
                break
            }
            if elapsed > runTimeout {
                run.runTimedOut = true
                ProcessRunner.stop(process)
                break
            }
        }
        process.waitUntilExit()
        // kgate is being interrupted: the signal handler exits once QEMU is gone.
        while GuestInterrupts.registry.isInterrupted { usleep(100_000) }
        if run.wallSecondsToMarker == nil, let rest = try? tail?.readToEnd(), (carry + rest).range(of: needle) != nil {
            run.wallSecondsToMarker = Date().timeIntervalSince(start)
        }
        run.wallSeconds = Date().timeIntervalSince(start)
        if process.terminationReason == .uncaughtSignal {
            run.signal = process.terminationStatus
            run.exitCode = 128 + process.terminationStatus
        } else {
            run.exitCode = process.terminationStatus
        }
        run.stderr = ProcessRunner.readTail(stderrURL, limit: 64 << 10)
        return run
    }

    static func fileSize(_ url: URL) -> UInt64 {
        var st = stat()
        return stat(url.path, &st) == 0 ? UInt64(st.st_size) : 0
    }
}
