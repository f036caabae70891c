import Foundation

/// The one error type kgate reports to users. Every error says what failed,
/// where, and what to do; `kind` decides the exit code (docs/DESIGN.md, "Exit codes").
public struct KGateError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Bad command line or bad input file written by the user (exit 64).
        case usage
        /// The patch series is broken: does not apply, does not build, or the
        /// candidate kernel oopses/panics/does not boot where the base did (exit 2).
        case patch
        /// A measurement found a regression (exit 1). Used by drivers only.
        case regression
        /// The gate could not decide within its trial cap (exit 3).
        case inconclusive
        /// The harness itself failed: a missing tool, QEMU died, the base fails (exit 4).
        case infrastructure
    }

    public var kind: Kind
    /// What failed, in one sentence ("patch 2/3 'tcp: ...' does not apply").
    public var what: String
    /// Where: a file, file:line, URL, revision, hunk header.
    public var location: String?
    /// What to do about it: a command to run or a thing to change.
    public var fix: String?
    /// Evidence quoted from a log: compiler lines, console lines around a panic.
    public var excerpt: String?

    public init(_ kind: Kind, _ what: String, location: String? = nil, fix: String? = nil, excerpt: String? = nil) {
        self.kind = kind
        self.what = what
        self.location = location
        self.fix = fix
        self.excerpt = excerpt
    }

    public static func usage(_ what: String, location: String? = nil, fix: String? = nil) -> KGateError {
        KGateError(.usage, what, location: location, fix: fix)
    }

    public static func infrastructure(_ what: String, location: String? = nil, fix: String? = nil, excerpt: String? = nil) -> KGateError {
        KGateError(.infrastructure, what, location: location, fix: fix, excerpt: excerpt)
    }

    public static func patch(_ what: String, location: String? = nil, fix: String? = nil, excerpt: String? = nil) -> KGateError {
        KGateError(.patch, what, location: location, fix: fix, excerpt: excerpt)
    }

    /// The process exit code for this error (docs/DESIGN.md).
    public var exitCode: Int32 { ExitCode.for(kind) }

    public var description: String {
        var lines = ["error: \(what)"]
        if let location { lines.append("  where: \(location)") }
        if let excerpt, !excerpt.isEmpty {
            lines.append("  --")
            lines.append(contentsOf: excerpt.split(separator: "\n", omittingEmptySubsequences: false).map { "  | \($0)" })
            lines.append("  --")
        }
        if let fix { lines.append("  fix: \(fix)") }
        return lines.joined(separator: "\n")
    }
}

/// Exit codes shared by `kgate check`, `kgate nightly` and the other verbs.
public enum ExitCode {
    public static let pass: Int32 = 0
    public static let regression: Int32 = 1
    public static let brokenPatch: Int32 = 2
    public static let inconclusive: Int32 = 3
    public static let infrastructure: Int32 = 4
    public static let usage: Int32 = 64
    /// `git bisect run` conventions for `kgate bisect-step`.
    public static let bisectGood: Int32 = 0
    public static let bisectBad: Int32 = 1
    public static let bisectSkip: Int32 = 125

    public static func `for`(_ kind: KGateError.Kind) -> Int32 {
        switch kind {
        case .usage: return usage
        case .patch: return brokenPatch
        case .regression: return regression
        case .inconclusive: return inconclusive
        case .infrastructure: return infrastructure
        }
    }
}
