import Foundation
import KGateCore

/// Reads the console log and decides how a boot ended.
public enum BootClassifier {
    public static let panicMarkers = ["Kernel panic - not syncing"]
    public static let oopsMarkers = ["BUG:", "Oops:", "general protection fault"]
    public static let warningMarker = "WARNING: CPU:"
    public static let initMarker = "kgate: init reached uptime="
    /// Console bytes read for classification (the head holds the first splat).
    static let consoleReadLimit = 32 << 20

    public struct Verdict: Sendable, Equatable {
        public var classification: BootClass
        public var excerpt: String
        public var warnings: [String]
        public var guestSecondsToInit: Double?
    }

    /// Console text as lines: "\r" dropped, escape sequences and other control characters removed.
    public static func lines(_ data: Data) -> [String] {
        // Split bytes, not Characters: "\r\n" is one Character in Swift.
        data.split(separator: 0x0a, omittingEmptySubsequences: false).map { bytes in
            let raw = String(decoding: bytes, as: UTF8.self)
            var out = ""
            var inEscape = false
            for u in raw.unicodeScalars {
                if inEscape {
                    if u.value >= 0x40 && u.value <= 0x7e && u != "[" { inEscape = false }
                    continue
                }
                if u == "\u{1B}" { inEscape = true; continue }
                if u.value < 0x20 && u != "\t" { continue }
                if u.value == 0x7f { continue }
                out.unicodeScalars.append(u)
            }
            return out
        }
    }

    static func readConsole(_ url: URL) -> [String] {
        guard let h = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? h.close() }
        return lines((try? h.read(upToCount: consoleReadLimit)) ?? Data())
    }

    /// Lines around `index`: a few before, more after (a splat's backtrace).
    public static func excerpt(_ lines: [String], around index: Int, before: Int = 6, after: Int = 24) -> String {
        let lo = max(0, index - before), hi = min(lines.count, index + after + 1)
        return bounded(lines[lo..<hi].joined(separator: "\n"))
    }

    public static func lastLines(_ lines: [String], _ n: Int = 20) -> String {
        let trimmed = lines.reversed().drop(while: { $0.trimmingCharacters(in: .whitespaces).isEmpty }).reversed()
        let tail = Array(trimmed.suffix(n))
        return tail.isEmpty ? "(console empty)" : bounded(tail.joined(separator: "\n"))
    }

    static func bounded(_ s: String, limit: Int = 8192) -> String {
        s.utf8.count <= limit ? s : String(decoding: Array(s.utf8.prefix(limit)), as: UTF8.self) + "\n[…]"
    }

    /// The uptime printed with the init marker.
    public static func guestSecondsToInit(_ lines: [String]) -> Double? {
        for line in lines {
            guard let r = line.range(of: initMarker) else { continue }
            let rest = line[r.upperBound...].prefix { $0.isNumber || $0 == "." }
            return Double(rest)
        }
        return nil
    }

    /// Decides the classification. Order: QEMU could not start; panic and
    /// oops (a splat is the cause, whatever came after); timeouts; a run
    /// that reached `DONE` is ok; anything else is a QEMU crash.
    static func classify(console lines: [String], run: QEMURun, done: Int32?) -> Verdict {
        let warnings = lines.indices.filter { lines[$0].contains(warningMarker) }.prefix(20).map {
            excerpt(lines, around: $0, before: 0, after: 4)
        }
        let toInit = guestSecondsToInit(lines)
        func verdict(_ c: BootClass, _ e: String) -> Verdict {
            Verdict(classification: c, excerpt: e, warnings: warnings, guestSecondsToInit: toInit)
        }
        let stderrTail = run.stderr.split(separator: "\n").suffix(20).joined(separator: "\n")
        if let spawnError = run.spawnError { return verdict(.qemuFailedToStart, spawnError) }
        let consoleEmpty = lines.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        if consoleEmpty, run.signal == nil, run.exitCode != 0, !run.bootTimedOut, !run.runTimedOut {
            return verdict(.qemuFailedToStart, stderrTail.isEmpty ? "qemu exited with status \(run.exitCode)" : stderrTail)
        }
        let panic = lines.firstIndex { l in panicMarkers.contains { l.contains($0) } }
        let oops = lines.firstIndex { l in oopsMarkers.contains { l.contains($0) } }
        if let panic {
            var text = excerpt(lines, around: oops.map { min($0, panic) } ?? panic)
            if let oops, panic > oops + 24 { text += "\n[…]\n" + excerpt(lines, around: panic, before: 2, after: 10) }
            return verdict(.panic, text)
        }
        if let oops { return verdict(.oops, excerpt(lines, around: oops)) }
        if let overflow = run.overflow { return verdict(.runTimeout, "guest stopped: \(overflow)\n" + lastLines(lines)) }
        let why = run.timeoutReason.map { $0 + "\n" } ?? ""
        if run.starved { return verdict(.hostStarved, why + lastLines(lines)) }
        if run.bootTimedOut { return verdict(.bootTimeout, why + lastLines(lines)) }
        if run.runTimedOut { return verdict(.runTimeout, why + lastLines(lines)) }
        if done != nil { return verdict(.ok, "") }
        let how = run.signal.map { "qemu was killed by signal \($0)" } ?? "qemu exited with status \(run.exitCode)"
        var text = "\(how) before the guest wrote @@KGATE DONE"
        if !stderrTail.isEmpty { text += "\nqemu stderr:\n" + stderrTail }
        text += "\nconsole:\n" + lastLines(lines, 12)
        return verdict(.qemuCrashed, bounded(text))
    }
}
