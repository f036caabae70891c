import Foundation
import KGateCore

/// One compiler warning, with its line number kept for display but left out
/// of the identity (moved code must not turn an old warning into a new one).
public struct BuildWarning: Codable, Sendable, Equatable, Hashable {
    /// Path relative to the source tree when it lies inside it.
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    /// The line-number-free identity: `file: message`.
    public var key: String { "\(file): \(message)" }
    public var display: String { "\(file):\(line): warning: \(message)" }
}

/// The first error of a failed build.
public struct BuildFailure: Sendable, Equatable {
    /// `file:line` (or the object/target when the tool gives no line).
    public var location: String
    /// The error line itself.
    public var message: String
    /// The error line and a few lines of context from the log.
    public var excerpt: String
}

/// Digests a kernel build log: first error, warnings, objects compiled.
public enum BuildLog {
    static let diagnostic: NSRegularExpression? = try? NSRegularExpression(
        pattern: #"^(\S+?):(\d+):(?:(\d+):)? (fatal error|error|warning|Error|Warning): (.*)$"#)

    /// Lines that start a new output item (end an error's context).
    static func startsNewItem(_ line: String) -> Bool {
        line.hasPrefix("  CC") || line.hasPrefix("  LD") || line.hasPrefix("  AR") || line.hasPrefix("  AS")
            || line.hasPrefix("make") || line.hasPrefix("  HOSTCC") || line.hasPrefix("  GEN")
            || line.contains(": error: ") || line.contains(": warning: ") || line.contains(": note: ")
            || line.contains(": In function") || line.hasPrefix("In file included")
    }

    /// Makes a compiler path relative to the source tree (paths may be absolute,
    /// or relative to the object directory when ccache's base dir rewrote them).
    static func normalizePath(_ path: String, source: URL?, objects: URL?) -> String {
        var absolute = path
        if !path.hasPrefix("/"), let objects {
            absolute = objects.appendingPathComponent(path).standardizedFileURL.path
        }
        if let source {
            let root = source.standardizedFileURL.path + "/"
            if absolute.hasPrefix(root) { return String(absolute.dropFirst(root.count)) }
        }
        if let objects {
            let root = objects.standardizedFileURL.path + "/"
            if absolute.hasPrefix(root) { return String(absolute.dropFirst(root.count)) }
        }
        return path.hasPrefix("./") ? String(path.dropFirst(2)) : path
    }

    static func match(_ line: String) -> (file: String, line: Int, severity: String, message: String)? {
        let ns = line as NSString
        guard let diagnostic, let m = diagnostic.firstMatch(in: line, range: NSRange(location: 0, length: ns.length)) else { return nil }
        return (ns.substring(with: m.range(at: 1)), Int(ns.substring(with: m.range(at: 2))) ?? 0,
                ns.substring(with: m.range(at: 4)), ns.substring(with: m.range(at: 5)))
    }

    /// The first compiler, assembler or linker error, with context; falls back
    /// to make's first `***` line, then to the log's tail.
    public static func firstError(in log: String, source: URL? = nil, objects: URL? = nil) -> BuildFailure {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func context(from i: Int, max: Int = 8) -> [String] {
            var out = [lines[i]]
            var j = i + 1
            while j < lines.count, out.count < max, !startsNewItem(lines[j]) || lines[j].contains(": note: ") {
                out.append(lines[j]); j += 1
            }
            return out
        }
        for (i, line) in lines.enumerated() {
            if let d = match(line), d.severity.lowercased().contains("error") {
                let file = normalizePath(d.file, source: source, objects: objects)
                var excerpt: [String] = []
                if i > 0, lines[i - 1].contains(": In function") || lines[i - 1].contains(": In ") {
                    excerpt.append(lines[i - 1])
                }
                excerpt += context(from: i)
                return BuildFailure(location: "\(file):\(d.line)", message: rewrite([line], d.file, file)[0],
                                    excerpt: rewrite(excerpt, d.file, file).joined(separator: "\n"))
            }
            if line.contains("undefined reference to") || line.contains("multiple definition of") {
                var excerpt: [String] = []
                if i > 0, lines[i - 1].contains(": in function") { excerpt.append(lines[i - 1]) }
                excerpt += context(from: i, max: 6)
                let location = linkerLocation(line) ?? "vmlinux (link)"
                return BuildFailure(location: location, message: line, excerpt: excerpt.joined(separator: "\n"))
            }
        }
        if let i = lines.firstIndex(where: { $0.hasPrefix("make") && $0.contains("*** ") }) {
            let start = Swift.max(0, i - 6)
            return BuildFailure(location: "make", message: lines[i],
                                excerpt: lines[start...i].joined(separator: "\n"))
        }
        let tail = lines.suffix(15).joined(separator: "\n")
        return BuildFailure(location: "make", message: "the build failed without a recognised error line", excerpt: tail)
    }

    static func rewrite(_ lines: [String], _ from: String, _ to: String) -> [String] {
        from == to ? lines : lines.map { $0.replacingOccurrences(of: from + ":", with: to + ":") }
    }

    /// `ld: net/x.o: in function `f': x.c:(.text+0x1): undefined reference to `g'` → `net/x.o`.
    static func linkerLocation(_ line: String) -> String? {
        let parts = line.components(separatedBy: ": ")
        if parts.count >= 2, parts[0].hasSuffix("ld") || parts[0] == "ld" { return parts[1] }
        if let first = parts.first, first.contains(":(") { return first }
        return nil
    }

    /// Every warning in the log, deduplicated by identity (a header warning
    /// printed once per including unit counts once).
    public static func warnings(in log: String, source: URL? = nil, objects: URL? = nil) -> [BuildWarning] {
        var seen = Set<String>()
        var out: [BuildWarning] = []
        for line in log.split(separator: "\n") where line.contains("arning: ") {
            guard let d = match(String(line)), d.severity.lowercased() == "warning" else { continue }
            let w = BuildWarning(file: normalizePath(d.file, source: source, objects: objects), line: d.line, message: d.message)
            if seen.insert(w.key + ":\(w.line)").inserted { out.append(w) }
        }
        return out
    }

    /// Source files recompiled by this build (`  CC      net/ipv4/tcp_input.o` → `net/ipv4/tcp_input.c`).
    public static func compiledUnits(in log: String) -> [String] {
        log.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  CC ") else { return nil }
            let obj = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            guard obj.hasSuffix(".o") else { return nil }
            return String(obj.dropLast(2)) + ".c"
        }
    }

    /// Warnings present now and not in `baseline`, compared without line numbers
    /// (as many of each identity as are new).
    public static func newWarnings(_ current: [BuildWarning], baseline: [BuildWarning]) -> [BuildWarning] {
        var budget: [String: Int] = [:]
        for w in baseline { budget[w.key, default: 0] += 1 }
        var out: [BuildWarning] = []
        for w in current {
            if let n = budget[w.key], n > 0 { budget[w.key] = n - 1 } else { out.append(w) }
        }
        return out
    }
}
