import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// QEMU runs in its own process group, so a Ctrl-C or a SIGTERM sent to kgate
/// does not reach it. A command that boots calls `stopGuestsOnInterrupt()`:
/// on SIGINT/SIGTERM/SIGHUP every running QEMU is stopped (SIGTERM, then
/// SIGKILL) before kgate exits with 128 + signal.
public enum GuestInterrupts {
    final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var pids: Set<pid_t> = []
        private var sources: [DispatchSourceSignal] = []
        private var interrupted = false

        var isInterrupted: Bool { lock.lock(); defer { lock.unlock() }; return interrupted }

        func add(_ pid: pid_t) { lock.lock(); pids.insert(pid); lock.unlock() }
        func remove(_ pid: pid_t) { lock.lock(); pids.remove(pid); lock.unlock() }
        func snapshot() -> Set<pid_t> { lock.lock(); defer { lock.unlock() }; return pids }

        func install() {
            lock.lock(); defer { lock.unlock() }
            guard sources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM, SIGHUP] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { [weak self] in self?.stopAll(exitWith: 128 + sig) }
                source.resume()
                sources.append(source)
            }
        }

        func stopAll(exitWith code: Int32) {
            lock.lock(); interrupted = true; lock.unlock()
            let pids = snapshot()
            for pid in pids { kill(-pid, SIGTERM); kill(pid, SIGTERM) }
            let deadline = Date().addingTimeInterval(3)
            while Date() < deadline, pids.contains(where: { kill($0, 0) == 0 }) { usleep(50_000) }
            for pid in pids where kill(pid, 0) == 0 { kill(-pid, SIGKILL); kill(pid, SIGKILL) }
            exit(code)
        }
    }

    static let registry = Registry()

    public static func stopGuestsOnInterrupt() { registry.install() }
}
