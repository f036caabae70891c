import CSpawn
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child started by the supervisor: the leader of its own process group,
/// except an interactive child that shares kgate's group (and terminal).
public struct ChildProcess: Sendable, Hashable {
    public let pid: pid_t
    public let label: String
    public var leadsGroup = true

    /// What signals go to: the whole group, or the interactive child alone.
    var target: pid_t { leadsGroup ? -pid : pid }
}

/// The one owner of kgate's children (docs/faults.md). Every child runs in its
/// own process group with a parent-death signal and sits in a registry while
/// it runs. On SIGINT, SIGTERM or SIGHUP the handler drains the registry
/// (SIGTERM to each group, SIGKILL after `grace` seconds), runs the interrupt
/// hooks (a run recorder marks its run interrupted), removes the registered
/// temporary directories and exits 128 + signal.
public enum Supervisor {
    struct State {
        var children: Set<ChildProcess> = []
        var temporaries: [UInt64: URL] = [:]
        var hooks: [UInt64: @Sendable (Int32) -> Void] = [:]
        var nextToken: UInt64 = 0
        var interruptedBy: Int32?
        var sources: [any DispatchSourceSignal] = []

        mutating func token() -> UInt64 { nextToken += 1; return nextToken }
    }

    static let state = Mutex(State())
    /// Seconds between SIGTERM and SIGKILL.
    public static let grace: Double = 3
    /// The signal a child gets when the kgate thread that started it ends.
    public static let parentDeathSignal = SIGTERM

    /// Installs the SIGINT/SIGTERM/SIGHUP handler (idempotent). Every verb calls it.
    public static func install() {
        state.withLock { s in
            guard s.sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { drain(signal: sig) }
                source.resume()
                s.sources.append(source)
            }
        }
    }

    /// The signal kgate is being stopped by, if any.
    public static var interruption: Int32? { state.withLock { $0.interruptedBy } }

    /// Called by a thread whose child just ended: while an interruption drains,
    /// the child's end is not a result to report; the handler exits the process.
    public static func parkIfInterrupted() {
        guard interruption != nil else { return }
        while true { sleep(60) }
    }

    // MARK: Registry

    /// Starts `executable` in its own process group. `environment` is the full
    /// environment; descriptors of -1 inherit kgate's.
    public static func spawn(_ executable: URL, _ arguments: [String], environment: [String: String],
                             cwd: URL? = nil, stdin: Int32, stdout: Int32, stderr: Int32,
                             label: String? = nil, ownGroup: Bool = true) throws -> ChildProcess {
        if let sig = interruption {
            throw KGateError.infrastructure("not starting \(executable.lastPathComponent): kgate is stopping on signal \(sig)")
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var error: Int32 = 0
        // Registered under the lock, so a drain never misses a child it raced with.
        return try state.withLock { s in
            let pid = kgate_spawn(executable.path, argv, envp, cwd?.path, stdin, stdout, stderr, ownGroup ? 1 : 0,
                                  parentDeathSignal, &error)
            guard pid > 0 else {
                throw KGateError.infrastructure("cannot start \(executable.path): \(String(cString: strerror(error)))",
                                                location: cwd?.path,
                                                fix: HostRequirements.fix(forTool: executable.lastPathComponent))
            }
            let child = ChildProcess(pid: pid, label: label ?? executable.lastPathComponent, leadsGroup: ownGroup)
            s.children.insert(child)
            if s.interruptedBy != nil { kill(child.target, SIGTERM) }
            return child
        }
    }

    /// The child's status if it has ended (reaping it and leaving the registry),
    /// with the CPU seconds (user plus system) it and its waited-for children used.
    public static func poll(_ child: ChildProcess) -> (exitCode: Int32, signal: Int32?, cpuSeconds: Double)? {
        var status: Int32 = 0
        var usage = rusage()
        let r = wait4(child.pid, &status, WNOHANG, &usage)
        if r == 0 || (r < 0 && errno == EINTR) { return nil }
        state.withLock { _ = $0.children.remove(child) }
        // Nothing of a finished child outlives it (make's compilers after make was killed).
        if child.leadsGroup { kill(-child.pid, SIGKILL) }
        if r < 0 { return (128 + SIGKILL, SIGKILL, 0) }  // reaped elsewhere: it is gone
        let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        let sig = status & 0x7f
        return sig == 0 ? ((status >> 8) & 0xff, nil, cpu) : (128 + sig, sig, cpu)
    }

    static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }

    /// How a wait ended.
    public struct WaitEnd: Sendable, Equatable {
        public var exitCode: Int32
        public var signal: Int32?
        /// CPU seconds (user plus system) the child used, from `wait4`.
        public var cpuSeconds: Double = 0
        /// The deadline passed and the child was stopped.
        public var timedOut: Bool
        /// The watcher stopped the child.
        public var stopped: Bool
    }

    /// The one wait for a child (`ProcessRunner`, QEMU's watchdog, the interactive
    /// shell): polls every `interval` seconds until it ends. After each poll
    /// `watch` gets the seconds elapsed and whether a tick passed (about every
    /// `tickInterval` s: progress, clocks) and stops the child by returning true;
    /// `deadline` seconds after the start the child is stopped (`timedOut`).
    /// Stopping is `stop`: SIGTERM to its group, SIGKILL after `grace` seconds.
    public static func wait(_ child: ChildProcess, deadline: Double? = nil, interval: Double = 0.02,
                            tickInterval: Double = 0.5,
                            watch: (_ elapsed: Double, _ tick: Bool) -> Bool = { _, _ in false }) -> WaitEnd {
        let start = Date()
        var lastTick = start
        while true {
            if let end = poll(child) {
                return WaitEnd(exitCode: end.exitCode, signal: end.signal, cpuSeconds: end.cpuSeconds, timedOut: false, stopped: false)
            }
            usleep(useconds_t(max(0.001, interval) * 1_000_000))
            let now = Date()
            let tick = now.timeIntervalSince(lastTick) >= tickInterval
            if tick { lastTick = now }
            if watch(now.timeIntervalSince(start), tick) {
                let end = stop(child)
                return WaitEnd(exitCode: end.exitCode, signal: end.signal, cpuSeconds: end.cpuSeconds, timedOut: false, stopped: true)
            }
            if let deadline, now.timeIntervalSince(start) > deadline {
                let end = stop(child)
                return WaitEnd(exitCode: end.exitCode, signal: end.signal, cpuSeconds: end.cpuSeconds, timedOut: true, stopped: false)
            }
        }
    }

    /// SIGTERM to the child's group, SIGKILL after `grace` seconds; reaps it.
    @discardableResult
    public static func stop(_ child: ChildProcess, grace: Double = Supervisor.grace) -> (exitCode: Int32, signal: Int32?, cpuSeconds: Double) {
        kill(child.target, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if let end = poll(child) { return end }
            usleep(20_000)
        }
        kill(child.target, SIGKILL)
        while true {
            if let end = poll(child) { return end }
            usleep(10_000)
        }
    }

    /// A directory to remove if kgate is interrupted before `release`.
    public static func registerTemporary(_ url: URL) -> UInt64 {
        state.withLock { s in let t = s.token(); s.temporaries[t] = url; return t }
    }

    public static func release(_ token: UInt64) {
        state.withLock { s in s.temporaries[token] = nil; s.hooks[token] = nil }
    }

    /// Runs `hook` with the signal when kgate is interrupted, after the children are stopped.
    public static func onInterrupt(_ hook: @escaping @Sendable (Int32) -> Void) -> UInt64 {
        state.withLock { s in let t = s.token(); s.hooks[t] = hook; return t }
    }

    /// Running children (for `kgate doctor` and tests).
    public static var children: [ChildProcess] { state.withLock { Array($0.children) } }

    // MARK: Drain

    static func drain(signal sig: Int32) {
        let first = state.withLock { s -> Bool in
            guard s.interruptedBy == nil else { return false }
            s.interruptedBy = sig
            return true
        }
        guard first else { return }
        let children = state.withLock { $0.children }
        for child in children { kill(child.target, SIGTERM) }
        func alive() -> Set<ChildProcess> { state.withLock { $0.children } }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, !alive().isEmpty { usleep(20_000) }
        for child in children { kill(child.target, SIGKILL) }
        // Their waiters reap them (within a poll interval).
        let reap = Date().addingTimeInterval(1)
        while Date() < reap, !alive().isEmpty { usleep(10_000) }
        let (hooks, temporaries) = state.withLock { s in (Array(s.hooks.values), Array(s.temporaries.values)) }
        for hook in hooks { hook(sig) }
        for dir in temporaries { try? FileManager.default.removeItem(at: dir) }
        let name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "signal \(sig)"
        let message = "\nkgate: interrupted by \(name): stopped \(children.count) child process group(s), "
            + "removed \(temporaries.count) temporary director\(temporaries.count == 1 ? "y" : "ies")\n"
        FileHandle.standardError.write(Data(message.utf8))
        exit(128 + sig)
    }
}
