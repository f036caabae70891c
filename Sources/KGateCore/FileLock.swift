import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock (flock) on a file, held until the value is
/// released or deinitialised. Used per worktree and per build directory so two
/// kgate runs never share one at the same time.
public final class FileLock: Sendable {
    /// The locked descriptor; -1 once released (a release may come from any thread).
    private let fd: Mutex<Int32>
    public let url: URL

    private init(fd: Int32, url: URL) {
        self.fd = Mutex(fd)
        self.url = url
    }

    /// Takes the lock; waits up to `timeout` seconds (nil: forever, 0: not at all).
    public static func acquire(_ url: URL, purpose: String, timeout: Double? = nil) throws -> FileLock {
        try CachePaths.ensureDirectory(url.deletingLastPathComponent())
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw KGateError.infrastructure("cannot open lock file: \(String(cString: strerror(errno)))", location: url.path)
        }
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno != EWOULDBLOCK && errno != EINTR {
                close(fd)
                throw KGateError.infrastructure("cannot lock: \(String(cString: strerror(errno)))", location: url.path)
            }
            if let deadline, Date() >= deadline {
                close(fd)
                throw KGateError.infrastructure("\(purpose) is in use by another kgate run", location: url.path,
                                                fix: "wait for the other run to finish, or use another --cache")
            }
            usleep(100_000)
        }
        return FileLock(fd: fd, url: url)
    }

    public func release() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}
