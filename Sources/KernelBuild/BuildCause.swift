import Foundation
import KGateCore

/// Why a failed build failed, by cause (docs/faults.md): the tree's own
/// compile or link error is the patch's; a make killed by a signal, a
/// compiler crash, a full disk, exhausted memory or a missing tool is the
/// machine's, whatever the role of the kernel being built.
extension BuildLog {
    /// Log phrases that name a host fault, with what they mean.
    static let infrastructureMarkers: [(needle: String, meaning: String)] = [
        ("internal compiler error", "the compiler crashed (internal compiler error)"),
        ("No space left on device", "the file system is full (ENOSPC)"),
        ("Disk quota exceeded", "the disk quota is exhausted (EDQUOT)"),
        ("Killed signal terminated program", "a compiler process was killed (out of memory?)"),
        ("virtual memory exhausted", "the compiler ran out of memory"),
        ("Cannot allocate memory", "the host ran out of memory (ENOMEM)"),
        ("command not found", "a build tool is missing"),
        ("Read-only file system", "the file system is read-only (EROFS)"),
        ("Input/output error", "an I/O error on the host (EIO)"),
    ]

    /// The host fault behind a failed make, or nil when the log shows none
    /// (the failure is then the tree's). `signal` is the signal that ended make.
    public static func infrastructureCause(in log: String, signal: Int32?) -> BuildFailure? {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (i, line) in lines.enumerated() {
            let hit = infrastructureMarkers.first { line.contains($0.needle) }
                ?? (isMissingTool(line) ? (line, "a build tool is missing") : nil)
            guard let hit else { continue }
            let lo = max(0, i - 4), hi = min(lines.count, i + 6)
            return BuildFailure(location: "make", message: "\(hit.meaning): \(line.trimmingCharacters(in: .whitespaces))",
                                excerpt: lines[lo..<hi].joined(separator: "\n"))
        }
        if let signal {
            let tail = lines.suffix(10).joined(separator: "\n")
            return BuildFailure(location: "make", message: "make was killed by signal \(signal) (\(signalName(signal)))",
                                excerpt: tail)
        }
        return nil
    }

    /// `/bin/sh: 1: flex: not found`, `make: bc: No such file or directory`.
    static func isMissingTool(_ line: String) -> Bool {
        if line.hasPrefix("/bin/sh: "), line.hasSuffix(": not found") { return true }
        if line.hasPrefix("sh: "), line.hasSuffix(": not found") { return true }
        if line.hasPrefix("make"), line.hasSuffix(": No such file or directory"), !line.contains("***") {
            return true
        }
        return false
    }

    public static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGKILL: return "SIGKILL: the OOM killer or an operator"
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGHUP: return "SIGHUP"
        case SIGSEGV: return "SIGSEGV"
        case SIGBUS: return "SIGBUS"
        default: return "signal \(signal)"
        }
    }
}
