/// Which kernel a fault was seen on, named by the stage that builds or boots it.
public struct FaultKernel: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        /// The reference of a check: it must build, boot and run.
        case base
        /// The patched kernel of a check, measured after its base passed.
        case candidate
        /// A `kgate bisect` endpoint (good or bad): it must build, boot and run.
        case endpoint = "bisect endpoint"
        /// A revision inside a bisected range (`kgate bisect`, `kgate bisect-step`).
        case step = "bisect step"
    }
    public enum Stage: String, Sendable { case build, boot }

    public var role: Role
    public var revision: String
    public var stage: Stage

    public init(_ role: Role, revision: String, stage: Stage) {
        self.role = role
        self.revision = revision
        self.stage = stage
    }

    public init(side role: TrialRole, revision: String, stage: Stage) {
        self.init(role == .base ? Role.base : Role.candidate, revision: revision, stage: stage)
    }
}

/// The one mapping from a fault (blame, and the kernel it was seen on) to what
/// the user gets: the exit code, the headline naming the kernel, and the role's
/// advice. Classified by cause, then role: a host fault is infrastructure on any
/// kernel; a kernel fault is the patch's (exit 2) only on a kernel under test
/// (a candidate whose base passed under the same setup, a bisection step), and
/// infrastructure (exit 4) on a reference (a base, a bisection endpoint).
public struct FaultClass: Sendable, Equatable {
    public var exitCode: Int32
    /// The advice the role adds before the error's own fix.
    public var advice: String?
    var kernel: FaultKernel?
    var blame: KGateError.Blame

    public static func of(_ blame: KGateError.Blame, _ kernel: FaultKernel?) -> FaultClass {
        switch (blame, kernel?.role) {
        case (.input, _):
            return FaultClass(exitCode: KGateExitCode.usage, advice: nil, kernel: kernel, blame: blame)
        case (.host, _):
            return FaultClass(exitCode: KGateExitCode.infrastructure, advice: nil, kernel: kernel, blame: blame)
        case (.kernelUnderTest, .base?):
            return FaultClass(exitCode: KGateExitCode.infrastructure,
                              advice: "the base kernel must \(kernel?.stage == .build ? "build" : "boot and run the workloads"): "
                                + "fix the base or the pipeline", kernel: kernel, blame: blame)
        case (.kernelUnderTest, .endpoint?):
            return FaultClass(exitCode: KGateExitCode.infrastructure,
                              advice: "a bisection endpoint must \(kernel?.stage == .build ? "build" : "boot and run the workload"): "
                                + "choose endpoints that do", kernel: kernel, blame: blame)
        case (.kernelUnderTest, .candidate?):
            return FaultClass(exitCode: KGateExitCode.brokenPatch,
                              advice: kernel?.stage == .boot ? "the base kernel booted under the same setup" : nil,
                              kernel: kernel, blame: blame)
        case (.kernelUnderTest, .step?), (.kernelUnderTest, nil):
            return FaultClass(exitCode: KGateExitCode.brokenPatch, advice: nil, kernel: kernel, blame: blame)
        }
    }

    /// `what`, prefixed with the kernel it was seen on: "candidate 1a2b3c4d5e6f does
    /// not build: …", "base kernel 1a2b3c4d5e6f: …", "bisect endpoint 1a2b3c4d5e6f: …".
    public func headline(_ what: String) -> String {
        guard let kernel else { return what }
        let rev = String(kernel.revision.prefix(12))
        switch (kernel.stage, blame) {
        case (.build, .kernelUnderTest): return "\(kernel.role.rawValue) \(rev) does not build: \(what)"
        case (.build, _): return "building \(kernel.role.rawValue) \(rev): \(what)"
        case (.boot, _):
            return kernel.role == .endpoint ? "bisect endpoint \(rev): \(what)" : "\(kernel.role.rawValue) kernel \(rev): \(what)"
        }
    }
}
