import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a boot's deadlines count (docs/DESIGN.md, "Deadlines").
///
/// In real-time modes (tcg, kvm) the guest's clock follows the host's, so the
/// deadlines count wall seconds. In deterministic mode the guest's clock follows
/// its instructions and an idle guest warps to its next timer: QEMU is busy for
/// as long as the guest is alive, and a guest second costs as much CPU as the
/// guest did work in it. There the deadlines count QEMU's CPU seconds, so guests
/// that share the host's cores (`BootSlots`, another CI job) are not cut short
/// for being slow. Two backstops catch what CPU time cannot:
/// - a guest that idles with no timer left never wakes, and QEMU sleeps: when
///   QEMU gains less than `stallCPU` seconds over `stallWindow` seconds of wall
///   without waiting for a CPU, the guest stalled (the kernel's fault);
/// - the wall may not exceed `wallBackstop` times a deadline; when it does, or
///   when QEMU spent the window waiting for a CPU, the host starved the guest
///   (the host's fault, never the patch's).
struct RunClock: Sendable {
    enum Basis: String, Sendable { case wall, cpu }

    /// QEMU's scheduler figures at one moment, all in seconds.
    struct Usage: Sendable, Equatable {
        /// User plus system time of all its threads.
        var cpu: Double
        /// Time its threads sat runnable on a run queue (`/proc/PID/task/*/schedstat`).
        var waited: Double
        /// Stopped by a signal or a tracer (state T or t): the host holds it.
        var stopped = false
    }

    static let stallWindow: Double = 60
    static let stallCPU: Double = 1
    static let wallBackstop: Double = 4

    let basis: Basis
    /// Observations within the last `stallWindow` seconds, oldest first.
    private var window: [(wall: Double, usage: Usage)] = []
    private(set) var wall: Double = 0
    private(set) var cpu: Double = 0

    init(basis: Basis) { self.basis = basis }

    /// Records QEMU's usage (nil when /proc could not be read) at `wall` seconds.
    mutating func observe(wall: Double, usage: Usage?) {
        self.wall = wall
        guard let usage else { return }
        cpu = usage.cpu
        window.append((wall, usage))
        // Keep the newest observation that is at least a window old, and all after it.
        while window.count > 1, wall - window[1].wall >= Self.stallWindow { window.removeFirst() }
    }

    /// Why `deadline` has passed, or nil.
    func exceeded(_ deadline: Double) -> String? {
        switch basis {
        case .wall:
            return wall > deadline ? String(format: "%.0f s of wall passed (deadline %.0f s)", wall, deadline) : nil
        case .cpu:
            if cpu > deadline {
                return String(format: "QEMU used %.0f s of CPU (deadline %.0f s of CPU) in %.0f s of wall", cpu, deadline, wall)
            }
            if wall > deadline * Self.wallBackstop {
                return String(format: "%.0f s of wall passed, %.0f× the deadline of %.0f s of CPU, and QEMU used only %.0f s of CPU: the host starved the guest",
                              wall, Self.wallBackstop, deadline, cpu)
            }
            return idle.flatMap { $0.starved ? $0.text : nil }
        }
    }

    /// Set when a deterministic guest stopped making progress while QEMU did not wait for a CPU.
    var stall: String? { idle.flatMap { $0.starved ? nil : $0.text } }

    /// The deadline passed, or the window idled, because the host gave QEMU no CPU.
    func starved(_ deadline: Double) -> Bool {
        guard basis == .cpu, cpu <= deadline else { return false }
        return wall > deadline * Self.wallBackstop || idle?.starved == true
    }

    /// A whole window in which QEMU gained almost no CPU, and whether it waited for one.
    private var idle: (text: String, starved: Bool)? {
        guard basis == .cpu, let first = window.first, let last = window.last,
              last.wall - first.wall >= Self.stallWindow else { return nil }
        let span = last.wall - first.wall
        let gained = last.usage.cpu - first.usage.cpu, waited = last.usage.waited - first.usage.waited
        guard gained < Self.stallCPU else { return nil }
        if last.usage.stopped {
            return (String(format: "QEMU used %.2f s of CPU in the last %.0f s of wall and is stopped (SIGSTOP or a tracer): the host holds the guest",
                           gained, span), true)
        }
        if waited >= span / 2 {
            return (String(format: "QEMU used %.2f s of CPU and waited %.0f s for one in the last %.0f s of wall: the host starved the guest",
                           gained, waited, span), true)
        }
        return (String(format: "QEMU used %.2f s of CPU in the last %.0f s of wall without waiting for one: a deterministic guest never sleeps, so it stalled (idle with no timer left, or QEMU blocked)",
                       gained, span), false)
    }

    /// QEMU's usage now, from /proc (nil once it has gone).
    static func usage(pid: pid_t) -> Usage? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let cpu = cpuSeconds(stat: stat) else { return nil }
        let state = stat.lastIndex(of: ")").flatMap { stat[stat.index(after: $0)...].split(separator: " ").first }
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let waited = tasks.reduce(0.0) { sum, task in
            let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/schedstat", encoding: .utf8)
            return sum + (text.flatMap(runQueueSeconds(schedstat:)) ?? 0)
        }
        return Usage(cpu: cpu, waited: waited, stopped: state == "T" || state == "t")
    }

    /// Parses /proc/PID/stat: utime and stime are fields 14 and 15, counted after
    /// the command name, which may itself hold spaces and parentheses.
    static func cpuSeconds(stat: String) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); utime is field 14.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ticks > 0 ? (user + system) / ticks : nil
    }

    /// Parses a schedstat line ("on-CPU ns, run-queue ns, slices"): the run-queue seconds.
    static func runQueueSeconds(schedstat: String) -> Double? {
        let fields = schedstat.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, let ns = Double(fields[1]) else { return nil }
        return ns / 1e9
    }
}
