import CLibGit2
import Foundation
import KGateCore

/// libgit2 process-wide setup and error reporting. Every call into libgit2
/// goes through `Git.check`, which quotes `git_error_last()`.
enum Git {
    /// `git_libgit2_init` exactly once per process (Swift runs a static `let` initialiser once).
    private static let initialized: Int32 = git_libgit2_init()

    static func ensureInitialized() {
        _ = initialized
    }

    /// The text of libgit2's last error on this thread.
    static func lastErrorMessage() -> String {
        if let error = git_error_last(), let message = error.pointee.message {
            let text = String(cString: message)
            if !text.isEmpty { return text }
        }
        return "unknown libgit2 error"
    }

    /// Throws an infrastructure error quoting libgit2 when `code` is negative;
    /// its cause is the `GitFailure` (return code, error class, message).
    static func check(_ code: Int32, _ what: @autoclosure () -> String, location: String? = nil) throws {
        guard code < 0 else { return }
        let failure = GitFailure(code: code, errorClass: git_error_last().map { $0.pointee.klass } ?? 0,
                                 message: lastErrorMessage())
        throw KGateError.infrastructure("\(what()): \(failure.message)", location: location, cause: failure)
    }

    /// Creates a handle through a libgit2 constructor (`git_x_lookup(&out, …)`), checked and owned.
    static func make(_ what: @autoclosure () -> String, location: String? = nil,
                     free: @escaping (OpaquePointer) -> Void,
                     _ body: (inout OpaquePointer?) -> Int32) throws -> GitHandle {
        var pointer: OpaquePointer?
        let code = body(&pointer)
        try check(code, what(), location: location)
        guard let pointer else {
            throw KGateError.infrastructure("\(what()): libgit2 returned no object", location: location)
        }
        return GitHandle(pointer, free: free)
    }

    static func oid(_ hex: String) throws -> git_oid {
        var oid = git_oid()
        guard hex.utf8.count == 40 else {
            throw KGateError.infrastructure("not a full object id: '\(hex)'")
        }
        try check(git_oid_fromstr(&oid, hex), "invalid object id '\(hex)'")
        return oid
    }

    /// Ref names kgate writes must be valid and stay under `refs/kgate/`.
    static func kgateRef(_ refName: String) throws -> String {
        let full = "refs/kgate/\(refName)"
        var valid: Int32 = 0
        try check(git_reference_name_is_valid(&valid, full), "cannot validate ref name '\(full)'")
        guard valid == 1, !refName.isEmpty, !refName.split(separator: "/").contains("..") else {
            throw KGateError.usage("invalid ref name '\(refName)'", location: full,
                                   fix: "use letters, digits, '-', '_', '.' and '/' (git check-ref-format rules)")
        }
        return full
    }
}

/// The single owner of one libgit2 handle; frees it when the owner dies.
final class GitHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    private let free: (OpaquePointer) -> Void

    init(_ pointer: OpaquePointer, free: @escaping (OpaquePointer) -> Void) {
        self.pointer = pointer
        self.free = free
    }

    deinit { free(pointer) }
}

extension git_oid {
    /// The 40-character hex form.
    var hex: String {
        var copy = self
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &copy)
        return String(cString: buffer)
    }
}

/// A `git_buf` filled by libgit2 and disposed here.
func withGitBuf(_ what: String, _ body: (inout git_buf) -> Int32) throws -> Data {
    var buf = git_buf()
    defer { git_buf_dispose(&buf) }
    try Git.check(body(&buf), what)
    guard let ptr = buf.ptr, buf.size > 0 else { return Data() }
    return Data(bytes: ptr, count: buf.size)
}

/// An owned `git_signature` built from untrusted name/email text.
final class GitSignature {
    let pointer: UnsafeMutablePointer<git_signature>

    init(name: String, email: String, time: Int64, offsetMinutes: Int) throws {
        func clean(_ s: String) -> String {
            String(s.filter { $0 != "<" && $0 != ">" && $0 != "\n" && $0 != "\r" && $0 != "\0" })
                .trimmingCharacters(in: .whitespaces)
        }
        let email = clean(email)
        var name = clean(name)
        if name.isEmpty { name = email.isEmpty ? "unknown" : email }
        guard (-24 * 60...24 * 60).contains(offsetMinutes) else {
            throw KGateError.patch("timezone offset \(offsetMinutes) minutes is out of range", location: "\(name) <\(email)>")
        }
        var sig: UnsafeMutablePointer<git_signature>?
        try Git.check(git_signature_new(&sig, name, email, git_time_t(time), Int32(offsetMinutes)),
                      "cannot create signature for \(name) <\(email)>")
        guard let sig else { throw KGateError.infrastructure("git_signature_new returned no signature") }
        pointer = sig
    }

    /// kgate's own identity, "kgate <kgate@localhost>".
    static func kgate(time: Int64, offsetMinutes: Int = 0) throws -> GitSignature {
        try GitSignature(name: "kgate", email: "kgate@localhost", time: time, offsetMinutes: offsetMinutes)
    }

    deinit { git_signature_free(pointer) }
}

/// A libgit2 call's failure: its return code (`GIT_ENOTFOUND`, …), error class and message.
public struct GitFailure: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var errorClass: Int32
    public var message: String

    /// The name given does not resolve: not found, ambiguous, or not a valid
    /// revision expression. Every other failure (a corrupt reference, an
    /// unreadable object database, out of memory) is the host's, not the input's.
    public var nameDoesNotResolve: Bool {
        code == GIT_ENOTFOUND.rawValue || code == GIT_EAMBIGUOUS.rawValue || code == GIT_EINVALIDSPEC.rawValue
    }

    public var description: String { "libgit2 error \(code) (class \(errorClass)): \(message)" }
}
