import Foundation
import KGateCore
import Testing

/// Blame is set where a fault is seen; the kernel it was seen on is added once by
/// the stage that builds or boots it; exit code and advice come from both in one
/// place (`FaultClass`), by cause first, then role.
@Suite(.tags(.unit)) struct FaultClassTests {
    static let rev = "0123456789abcdef0123"

    @Test(arguments: [
        (KGateError.Blame.input, FaultKernel.Role?.none, KGateExitCode.usage),
        (.input, .base, KGateExitCode.usage),
        (.host, nil, KGateExitCode.infrastructure),
        (.host, .candidate, KGateExitCode.infrastructure),
        (.host, .step, KGateExitCode.infrastructure),
        (.kernelUnderTest, nil, KGateExitCode.brokenPatch),
        (.kernelUnderTest, .candidate, KGateExitCode.brokenPatch),
        (.kernelUnderTest, .step, KGateExitCode.brokenPatch),
        (.kernelUnderTest, .base, KGateExitCode.infrastructure),
        (.kernelUnderTest, .endpoint, KGateExitCode.infrastructure),
    ])
    func exitCodeByCauseThenRole(blame: KGateError.Blame, role: FaultKernel.Role?, code: Int32) {
        for stage in [FaultKernel.Stage.build, .boot] {
            var e = KGateError(blame, "x")
            if let role { e = e.seen(on: FaultKernel(role, revision: Self.rev, stage: stage)) }
            #expect(e.exitCode == code, "\(blame) on \(String(describing: role)) at \(stage)")
        }
    }

    /// The message of a base that does not boot names the base's duty once, and
    /// never claims a base booted (the old "…must boot…; the base kernel booted under the same setup").
    @Test func aBaseThatDoesNotBootReadsAsTheBase() {
        let boot = KGateError.patch("the kernel did not complete the workload run: panic", fix: "read the console log")
        let base = boot.seen(on: FaultKernel(side: .base, revision: Self.rev, stage: .boot))
        #expect(base.what == "base kernel 0123456789ab: the kernel did not complete the workload run: panic")
        #expect(base.fix == "the base kernel must boot and run the workloads: fix the base or the pipeline; read the console log")
        #expect(base.fix?.contains("booted under the same setup") == false)
        let candidate = boot.seen(on: FaultKernel(side: .candidate, revision: Self.rev, stage: .boot))
        #expect(candidate.fix == "the base kernel booted under the same setup; read the console log")
        #expect(candidate.exitCode == KGateExitCode.brokenPatch)
    }

    @Test func theFirstStageToSeeAFaultNamesTheKernel() {
        let e = KGateError.patch("undeclared").seen(on: FaultKernel(.step, revision: Self.rev, stage: .build))
        let again = e.seen(on: FaultKernel(.endpoint, revision: "f" + Self.rev, stage: .boot))
        #expect(again.what == "bisect step 0123456789ab does not build: undeclared")
        #expect(again.exitCode == KGateExitCode.brokenPatch)
        #expect(KGateError.infrastructure("ccache missing").seen(on: FaultKernel(.base, revision: Self.rev, stage: .build)).what
            == "building base 0123456789ab: ccache missing")
    }

    @Test func theCauseIsKeptAndShown() {
        let posix = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC), userInfo: [NSFilePathErrorKey: "/cache/x"])
        let e = KGateError.infrastructure("cannot write", cause: posix)
        #expect((e.cause as? NSError)?.code == Int(ENOSPC))
        #expect(e.description.contains("cause: ") && e.reportText.contains("NSPOSIXErrorDomain code \(ENOSPC)"))
        let outer = KGateError.usage("base revision 'x' is not in tree t", cause: e)
        #expect(outer.causeText?.contains("cannot write (cause: ") == true)
    }
}
