import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress and status output. On a terminal a status line is redrawn in
/// place; on a pipe or in CI (`CI` set) only changed, line-oriented messages
/// are printed, so logs stay quiet and greppable. Everything goes to stderr:
/// stdout is kept for results (paths, ids, JSON).
public final class Console: @unchecked Sendable {
    public static let shared = Console()

    public let isInteractive: Bool
    private let lock = NSLock()
    private var statusShown = false
    private var lastPlain: String = ""
    private var lastPlainTime = Date.distantPast
    /// Verbose mode prints every status update even on a pipe.
    public var verbose = false

    public init(interactive: Bool? = nil) {
        if let interactive {
            isInteractive = interactive
        } else {
            let env = ProcessInfo.processInfo.environment
            isInteractive = isatty(STDERR_FILENO) == 1 && env["CI"] == nil && env["TERM"] != "dumb"
        }
    }

    /// A transient status ("build: 1234 objects, 01:10"). On a pipe it is
    /// printed only when `key` changes or at most every 30 s.
    public func status(_ text: String, key: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        if isInteractive {
            let width = 120
            let shown = text.count > width ? String(text.prefix(width)) : text
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + shown).utf8))
            statusShown = true
        } else {
            let k = key ?? text
            let now = Date()
            if k != lastPlain || verbose || now.timeIntervalSince(lastPlainTime) >= 30 {
                lastPlain = k
                lastPlainTime = now
                FileHandle.standardError.write(Data((text + "\n").utf8))
            }
        }
    }

    /// A permanent line (stage done, warning, figure).
    public func line(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        if statusShown {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            statusShown = false
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Clears a transient status line.
    public func clear() {
        lock.lock(); defer { lock.unlock() }
        if statusShown {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            statusShown = false
        }
    }
}

/// "mm:ss" for elapsed wall time.
public func formatElapsed(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return String(format: "%02d:%02d", s / 60, s % 60)
}
