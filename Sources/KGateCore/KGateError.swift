import Foundation

/// The one error type kgate reports to users. Every error says what failed,
/// where, and what to do, keeps the error it wraps (`cause`), and carries a
/// `blame` set where the fault is seen; the kernel it was seen on (`kernel`)
/// is added by the stage that builds or boots that kernel. The exit code and
/// the role's advice come from both in one place, `FaultClass.of(_:_:)`
/// (docs/DESIGN.md, "Exit codes"); nothing rewrites the blame afterwards.
public struct KGateError: Error, Sendable, CustomStringConvertible {
    /// Who is at fault, by cause, decided where the fault is seen.
    public enum Blame: String, Sendable, Codable, CaseIterable {
        /// The kernel or series under test: does not apply, does not build, or the
        /// kernel panics, oopses, hangs or fails its plan. What that means depends
        /// on the kernel's role (a base that fails is not the patch's fault).
        case kernelUnderTest
        /// kgate or the host: a missing tool, QEMU died, a lock, the disk, libgit2.
        case host
        /// The user's command line or input file (a pipeline, a workload, a revision name).
        case input
    }

    public var blame: Blame
    /// The kernel the fault was seen on, set once by the stage that knows it (`seen(on:)`).
    public private(set) var kernel: FaultKernel?
    /// What failed, in one sentence ("patch 2/3 'tcp: ...' does not apply").
    public var what: String
    /// Where: a file, file:line, URL, revision, hunk header.
    public var location: String?
    /// What to do about it: a command to run or a thing to change.
    public var fix: String?
    /// Evidence quoted from a log: compiler lines, console lines around a panic.
    public var excerpt: String?
    /// The underlying error this one wraps (a system call's errno, a Foundation
    /// error with its domain and code, libgit2's error class and code).
    public var cause: (any Error)?

    public init(_ blame: Blame, _ what: String, location: String? = nil, fix: String? = nil, excerpt: String? = nil,
                cause: (any Error)? = nil) {
        self.blame = blame
        self.what = what
        self.location = location
        self.fix = fix
        self.excerpt = excerpt
        self.cause = cause
    }

    public static func usage(_ what: String, location: String? = nil, fix: String? = nil,
                             cause: (any Error)? = nil) -> KGateError {
        KGateError(.input, what, location: location, fix: fix, cause: cause)
    }

    public static func infrastructure(_ what: String, location: String? = nil, fix: String? = nil, excerpt: String? = nil,
                                      cause: (any Error)? = nil) -> KGateError {
        KGateError(.host, what, location: location, fix: fix, excerpt: excerpt, cause: cause)
    }

    public static func patch(_ what: String, location: String? = nil, fix: String? = nil, excerpt: String? = nil,
                             cause: (any Error)? = nil) -> KGateError {
        KGateError(.kernelUnderTest, what, location: location, fix: fix, excerpt: excerpt, cause: cause)
    }

    /// Anything thrown that is not a `KGateError`: a fault of kgate or the host,
    /// never of the patch under test (exit 4).
    public static func unexpected(_ error: any Error, during verb: String) -> KGateError {
        KGateError(.host, "kgate \(verb) failed unexpectedly: \((error as NSError).localizedDescription)",
                   fix: "this is a fault of kgate or the host, not of the patch; check free space and permissions "
                      + "under the cache, rerun, and report the message below if it repeats",
                   cause: error)
    }

    /// This error as seen on `kernel`: the first stage to see it names the
    /// kernel (an outer stage that sees it again changes nothing), and the
    /// role's headline and advice are added (`FaultClass`).
    public func seen(on kernel: FaultKernel) -> KGateError {
        guard self.kernel == nil else { return self }
        var copy = self
        copy.kernel = kernel
        let c = FaultClass.of(blame, kernel)
        copy.what = c.headline(what)
        if let advice = c.advice { copy.fix = advice + (fix.map { "; " + $0 } ?? "") }
        return copy
    }

    /// The process exit code for this error (docs/DESIGN.md).
    public var exitCode: Int32 { FaultClass.of(blame, kernel).exitCode }

    /// The cause in words: its type and description, and for Foundation errors
    /// domain, code and underlying errors; a wrapped `KGateError` with its own cause.
    public var causeText: String? { cause.map(Self.describe) }

    /// The error's type, description, and for Foundation errors domain, code and underlying errors.
    public static func describe(_ error: any Error) -> String {
        if let k = error as? KGateError { return k.what + (k.causeText.map { " (cause: \($0))" } ?? "") }
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

    /// The error for a stored run and its reports: what, where, cause, fix, then the excerpt.
    public var reportText: String {
        var lines = [what]
        if let location { lines.append("where: \(location)") }
        if let causeText { lines.append("cause: \(causeText)") }
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
        if let causeText { lines.append("  cause: \(causeText)") }
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
}
