import Foundation
import KGateCore

/// Who a failed boot is blamed on, by cause (docs/faults.md). A splat on the
/// guest console (panic, oops) or a guest that hangs or floods its console is
/// the kernel's; QEMU that fails to start, crashes, or is killed by a host
/// signal without a splat on the console, or starves a deterministic guest of
/// CPU, is the host's, whatever the role of
/// the kernel. What a kernel fault means is the role's (`FaultClass`): the
/// patch's only for a candidate whose base passed under the same setup.
extension BootClass {
    /// The boot ended because of the kernel under test.
    public var blamesKernel: Bool {
        switch self {
        case .panic, .oops, .bootTimeout, .runTimeout: return true
        case .ok, .qemuFailedToStart, .qemuCrashed, .hostStarved: return false
        }
    }
}

extension BootOutcome {
    /// The error for a boot that did not end `ok`: blamed on the kernel under
    /// test (a splat, a hang) or on the host.
    public func failure(_ what: String) -> KGateError {
        let subject = "\(what): \(classification.rawValue)"
        if classification.blamesKernel {
            return KGateError.patch(subject, location: consoleLog.path,
                                    fix: "read the console log",
                                    excerpt: excerpt)
        }
        let stderr = consoleLog.deletingLastPathComponent().appendingPathComponent("qemu.stderr").path
        return KGateError.infrastructure(subject + " (a host fault: no guest panic on the console)", location: stderr,
                                         fix: "check QEMU and the host (memory, signals, /dev/kvm) and run again; "
                                            + "the console log is \(consoleLog.path)",
                                         excerpt: excerpt)
    }
}
