import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs a child in kgate's own process group with the terminal (a QEMU on
/// stdio in a group of its own would stop on SIGTTOU/SIGTTIN), still under the
/// supervisor: a SIGTERM or SIGHUP to kgate stops it. Used for `kgate boot --shell`.
enum InteractiveProcess {
    static func run(_ executable: URL, _ arguments: [String]) throws -> Int32 {
        let child = try Supervisor.spawn(executable, arguments, environment: ProcessInfo.processInfo.environment,
                                         stdin: -1, stdout: -1, stderr: -1, label: "qemu-shell", ownGroup: false)
        let end = Supervisor.wait(child, interval: 0.05)
        Supervisor.parkIfInterrupted()
        return end.exitCode
    }
}
