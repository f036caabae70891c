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
    /// The underlying error this one wraps (a system call's errno, a Foundation
    /// error with its domain and code), kept for the report.
    public var cause: String?

    public init(_ kind: Kind, _ what: String, location: String? = nil, fix: String? = nil, excerpt: String? = nil,
                cause: String? = nil) {
        self.kind = kind
        self.what = what
        self.location = location
        self.fix = fix
        self.excerpt = excerpt
        self.cause = cause
    }

    /// This error with `error` recorded as its underlying cause.
    public func causedBy(_ error: any Error) -> KGateError {
        var copy = self
        copy.cause = KGateError.describe(error)
        return copy
    }

    /// Anything thrown that is not a `KGateError`: a fault of kgate or the host,
    /// never of the patch under test (exit 4).
    public static func unexpected(_ error: any Error, during verb: String) -> KGateError {
        KGateError(.infrastructure, "kgate \(verb) failed unexpectedly: \((error as NSError).localizedDescription)",
                   fix: "this is a fault of kgate or the host, not of the patch; check free space and permissions "
                      + "under the cache, rerun, and report the message below if it repeats",
                   cause: describe(error))
    }

    /// The error's type, description, and for Foundation errors domain, code and underlying errors.
    public static func describe(_ error: any Error) -> String {
        if let k = error as? KGateError { return k.what + (k.cause.map { " (cause: \($0))" } ?? "") }
        var parts = ["\(type(of: error)): \(String(describing: error))"]
        var ns: NSError? = error as NSError
        var depth = 0
        while let e = ns, depth < 4 {
            parts.append("\(e.domain) code \(e.code)" + (e.userInfo[NSFilePathErrorKey].map { " path \($0)" } ?? ""))
            ns = e.userInfo[NSUnderlyingErrorKey] as? NSError
            depth += 1
        }
        return parts.joined(separator: "; ")
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
    public var exitCode: Int32 { KGateExitCode.for(kind) }

    /// The error for a stored run and its reports: what, where, cause, fix, then the excerpt.
    public var reportText: String {
        var lines = [what]
        if let location { lines.append("where: \(location)") }
        if let cause { lines.append("cause: \(cause)") }
        if let fix { lines.append("fix: \(fix)") }
        if let excerpt, !excerpt.isEmpty { lines.append(excerpt) }
        return lines.joined(separator: "\n")
    }

    public var description: String {
        var lines = ["error: \(what)"]
        if let location { lines.append("  where: \(location)") }
        if let excerpt, !excerpt.isEmpty {
            lines.append("  --")
            lines.append(contentsOf: excerpt.split(separator: "\n", omittingEmptySubsequences: false).map { "  | \($0)" })
            lines.append("  --")
        }
        if let cause { lines.append("  cause: \(cause)") }
        if let fix { lines.append("  fix: \(fix)") }
        return lines.joined(separator: "\n")
    }
}

/// Exit codes shared by `kgate check`, `kgate nightly` and the other verbs.
public enum KGateExitCode {
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
    /// `kgate bisect-step` on its own failure: `git bisect run` stops instead of blaming a commit.
    public static let bisectAbort: Int32 = 128
    /// Stopped by a signal: 128 + signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
    public static func interrupted(by signal: Int32) -> Int32 { 128 + signal }

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
