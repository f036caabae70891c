import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Progress and status output. On a terminal a status line is redrawn in
/// place; on a pipe or in CI (`CI` set) only changed, line-oriented messages
/// are printed, so logs stay quiet and greppable. Everything goes to stderr:
/// stdout is kept for results (paths, ids, JSON).
public final class Console: Sendable {
    public static let shared = Console()

    public let isInteractive: Bool

    private struct State {
        var statusShown = false
        /// When each status key was last printed on a pipe (concurrent boots
        /// alternate their keys, so one "last key" is not enough).
        var printedKeys: [String: Date] = [:]
        var verbose = false
    }
    /// Everything that changes, behind one lock: concurrent boots print at once.
    private let state = Mutex(State())

    /// Verbose mode prints every status update even on a pipe.
    public var verbose: Bool {
        get { state.withLock { $0.verbose } }
        set { state.withLock { $0.verbose = newValue } }
    }

    public init(interactive: Bool? = nil) {
        if let interactive {
            isInteractive = interactive
        } else {
            let env = ProcessInfo.processInfo.environment
            isInteractive = isatty(STDERR_FILENO) == 1 && env["CI"] == nil && env["TERM"] != "dumb"
        }
    }

    /// A transient status ("build: 1234 objects, 01:10"). On a pipe it is
    /// printed the first time its `key` is seen, then at most every 30 s per key.
    public func status(_ text: String, key: String? = nil) {
        state.withLock { s in
            if isInteractive {
                let width = 120
                let shown = text.count > width ? String(text.prefix(width)) : text
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + shown).utf8))
                s.statusShown = true
            } else {
                let k = key ?? text
                let now = Date()
                if s.verbose || now.timeIntervalSince(s.printedKeys[k] ?? .distantPast) >= 30 {
                    if s.printedKeys.count > 1000 { s.printedKeys.removeAll() }
                    s.printedKeys[k] = now
                    FileHandle.standardError.write(Data((text + "\n").utf8))
                }
            }
        }
    }

    /// A permanent line (stage done, warning, figure).
    public func line(_ text: String) {
        state.withLock { s in
            if s.statusShown {
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                s.statusShown = false
            }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Clears a transient status line.
    public func clear() {
        state.withLock { s in
            if s.statusShown {
                FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
                s.statusShown = false
            }
        }
    }
}

/// "mm:ss" for elapsed wall time.
public func formatElapsed(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return String(format: "%02d:%02d", s / 60, s % 60)
}
