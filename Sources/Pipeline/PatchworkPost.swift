import Foundation
import KGateCore
import PatchSeries

/// Where to post the verdict as a patchwork check.
public struct PatchworkPost: Sendable {
    public var baseURL: String
    public var patchID: Int
    public var token: String
    public var context: String
    public var targetURL: String?

    public init(baseURL: String, patchID: Int, token: String, context: String = "kgate-throughput", targetURL: String? = nil) {
        self.baseURL = baseURL; self.patchID = patchID; self.token = token; self.context = context; self.targetURL = targetURL
    }
}

extension PatchworkPost {
    /// Posts the verdict as a patchwork check: success, fail (regression or
    /// broken patch), or warning (inconclusive, infrastructure). `kgate check`
    /// and `kgate merge` post through here.
    public func publish(exitCode: Int32, console: Console, description: String) throws {
        let state: PatchworkClient.CheckState
        switch exitCode {
        case KGateExitCode.pass: state = .success
        case KGateExitCode.regression, KGateExitCode.brokenPatch: state = .fail
        default: state = .warning
        }
        try PatchworkClient(baseURL: baseURL, token: token)
            .postCheck(patchID: patchID, state: state, context: context, targetURL: targetURL, description: description)
        console.line("posted a '\(state.rawValue)' check to patchwork patch \(patchID)")
    }

    /// Posts a failure's check; a failing post is reported, not thrown (the
    /// run's own error is the one that matters).
    public func publishReporting(exitCode: Int32, description: String, console: Console) {
        do {
            try publish(exitCode: exitCode, console: console, description: description)
        } catch {
            console.line("warning: could not post the check to patchwork: \(error)")
        }
    }
}
