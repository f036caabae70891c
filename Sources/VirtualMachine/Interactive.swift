import Foundation
import KGateCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs a child in kgate's own process group with the terminal (Foundation's
/// Process puts children in a new group, where a QEMU on stdio would stop on
/// SIGTTOU/SIGTTIN). Used for `kgate boot --shell`.
enum InteractiveProcess {
    static func run(_ executable: URL, _ arguments: [String]) throws -> Int32 {
        var attr = posix_spawnattr_t()
        guard posix_spawnattr_init(&attr) == 0 else { throw KGateError.infrastructure("posix_spawnattr_init failed") }
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGTTIN, SIGTTOU, SIGHUP] { sigaddset(&defaults, s) }
        guard posix_spawnattr_setsigmask(&attr, &empty) == 0, posix_spawnattr_setsigdefault(&attr, &defaults) == 0,
              posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0 else {
            throw KGateError.infrastructure("posix_spawnattr setup failed")
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, nil, &attr, argv, environ)
        guard rc == 0 else {
            throw KGateError.infrastructure("cannot start \(executable.path): \(String(cString: strerror(rc)))",
                                            fix: HostRequirements.fix(forTool: executable.lastPathComponent))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw KGateError.infrastructure("waitpid failed: \(String(cString: strerror(errno)))") }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
