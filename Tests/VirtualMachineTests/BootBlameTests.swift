import Foundation
import KGateCore
import Testing
import TestSupport
@testable import VirtualMachine

/// Boot failures are blamed by cause: a splat or a hang is the kernel's, QEMU
/// dying without a splat is the host's.
@Suite(.tags(.unit)) struct BootBlameTests {
    func lines(_ s: String) -> [String] { BootClassifier.lines(Data(s.utf8)) }

    func outcome(_ c: BootClass) -> BootOutcome {
        BootOutcome(classification: c, mode: .deterministic, excerpt: "console lines", warnings: [],
                    consoleLog: URL(fileURLWithPath: "/cache/boots/b/console.log"), blobs: [], planExitCode: nil,
                    wallSeconds: 1, wallSecondsToInit: nil, guestSecondsToInit: nil)
    }

    @Test func qemuKilledByAHostSignalMidRunIsAHostFault() {
        var run = QEMURun()
        run.signal = SIGKILL
        run.exitCode = 128 + SIGKILL
        let console = "kgate: init reached uptime=0.9\n[   3.0] tcp: running trial 1\n"
        let v = BootClassifier.classify(console: lines(console), run: run, done: nil)
        #expect(v.classification == .qemuCrashed)
        #expect(!v.classification.blamesKernel)
        let e = outcome(v.classification).failure("the kernel did not complete the workload run")
        #expect(e.blame == .host)
        #expect(e.what.contains("qemu-crashed") && e.what.contains("host fault"))
        #expect(e.location == "/cache/boots/b/qemu.stderr")
    }

    @Test func aPanicBeforeQEMUWasKilledIsStillTheKernels() {
        var run = QEMURun()
        run.signal = SIGTERM
        run.exitCode = 128 + SIGTERM
        let v = BootClassifier.classify(console: lines("Kernel panic - not syncing: VFS: Unable to mount root\n"),
                                        run: run, done: nil)
        #expect(v.classification == .panic)
        #expect(outcome(v.classification).failure("boot").blame == .kernelUnderTest)
    }

    @Test func eachClassHasOneBlame() {
        let kernel: [BootClass] = [.panic, .oops, .bootTimeout, .runTimeout]
        let host: [BootClass] = [.qemuFailedToStart, .qemuCrashed, .hostStarved]
        for c in kernel { #expect(outcome(c).failure("x").blame == .kernelUnderTest, "\(c)") }
        for c in host { #expect(outcome(c).failure("x").blame == .host, "\(c)") }
    }

    @Test func aFailedSpawnIsAHostFault() {
        var run = QEMURun()
        run.spawnError = "cannot start /usr/bin/qemu-system-x86_64: Permission denied"
        let v = BootClassifier.classify(console: [], run: run, done: nil)
        #expect(v.classification == .qemuFailedToStart && !v.classification.blamesKernel)
    }

    /// One rule for every verb: only a kernel that reached init under KVM makes auto pick KVM.
    @Test func onlyAKernelLevelProbeProvesKVM() {
        func probe(_ usable: Bool, _ level: String) -> KVMProbeResult {
            KVMProbeResult(usable: usable, reason: "r", seconds: 1, level: level, host: "h")
        }
        let quiet = Console(interactive: false)
        #expect(VirtualMachines.pick(probe(true, "kernel"), quiet) == .kvm)
        #expect(VirtualMachines.pick(probe(true, "firmware"), quiet) == .deterministic)
        #expect(VirtualMachines.pick(probe(false, "kernel"), quiet) == .deterministic)
        #expect(VirtualMachines.pick(probe(false, "device"), quiet) == .deterministic)
    }
}
