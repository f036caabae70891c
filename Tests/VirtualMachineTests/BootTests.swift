import Foundation
import GuestImage
import KGateCore
import Testing
import TestSupport
@testable import VirtualMachine

/// Real boots of a real kernel (SharedKernel: built by the build stage, or
/// $KGATE_TEST_KERNEL during development) with the real guest image.
@Suite(.serialized, .tags(.vm), .needs(.kernel, .qemu)) struct BootTests {
    static let quiet = Console(interactive: false)

    static func image() throws -> BuiltImage {
        try GuestImages.build(recipe: try GuestImages.defaultRecipe(), paths: TestEnv.cache, console: quiet)
    }

    static func plan(_ script: String) throws -> Data {
        try GuestImages.planArchive([PlanFile(path: "kgate/plan.sh", contents: Data(script.utf8))])
    }

    /// Processes whose command line mentions `needle` (e.g. a boot directory).
    static func processes(mentioning needle: String) -> [String] {
        let procs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return procs.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let cmd = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return cmd.contains(needle) ? "\(pid): \(cmd)" : nil
        }
    }

    @Test func unameInGuestMatchesTheImageRelease() throws {
        let kernel = try SharedKernel.bzImage()
        let release = try KernelImage.release(of: kernel)
        #expect(release.first?.isNumber == true)
        let r = try TestEnv.kgate(["boot", "--kernel", kernel.path, "--mode", "auto", "--timeout", "240", "--", "uname", "-r"])
        #expect(r.exitCode == 0, "\(r.stderr)")
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == release)
        #expect(r.stderr.contains("boot: ok"))
    }

    @Test func guestExitCodeAndOutputComeBack() throws {
        let kernel = try SharedKernel.bzImage()
        let r = try TestEnv.kgate(["boot", "--kernel", kernel.path, "--mode", "tcg", "--timeout", "120", "--",
                                   "sh", "-c", "printf '%s|' \"$@\"; echo to-err >&2; exit 3", "sh", "a b", "it's", "$HOME", ""])
        #expect(r.exitCode == 3, "\(r.stderr)")
        // Every argument arrives as one word, unexpanded.
        #expect(r.stdout == "a b|it's|$HOME||")
        #expect(r.stderr.contains("to-err"))
    }

    /// rdinit pointing nowhere makes the kernel fall back: with CONFIG_BLOCK (the
    /// guest fragment has loop and ext2 for issue 14) it tries to mount a root
    /// block device and panics on none; without, it tries /sbin/init, /etc/init,
    /// /bin/init and /bin/sh, which an image without busybox does not have.
    @Test func nonexistentInitIsAPanicWithExcerpt() throws {
        let kernel = try SharedKernel.bzImage()
        let dir = try TestEnv.temporaryDirectory("noinit")
        let shipped = try GuestImages.defaultRecipe().deletingLastPathComponent()
        try FileManager.default.copyItem(at: shipped.appendingPathComponent("init"), to: dir.appendingPathComponent("init"))
        let recipe = dir.appendingPathComponent("noinit.recipe")
        try "dir /dev\nnod /dev/console 0600 c 5 1\ninit init\n".write(to: recipe, atomically: true, encoding: .utf8)
        let r = try TestEnv.kgate(["boot", "--kernel", kernel.path, "--mode", "tcg", "--recipe", recipe.path,
                                   "--append", "rdinit=/nonexistent", "--timeout", "120", "--", "true"])
        #expect(r.exitCode == KGateExitCode.infrastructure)
        #expect(r.stderr.contains("boot: panic"))
        #expect(r.stderr.contains("Kernel panic - not syncing: VFS: Unable to mount root fs")
                || r.stderr.contains("Kernel panic - not syncing: No working init found"),
                "the excerpt must quote the panic: \(r.stderr.suffix(1500))")
    }

    @Test func guestThatNeverFinishesIsStoppedAtTheRunDeadline() throws {
        let kernel = try SharedKernel.bzImage()
        let request = BootRequest(kernel: kernel, image: try Self.image().url, plan: try Self.plan("kgate_note sleeping\nsleep 100000\n"),
                                  mode: .tcg, memoryMiB: 256, bootTimeout: 60, runTimeout: 12, label: "never-ends")
        let outcome = try VirtualMachines.boot(request, paths: TestEnv.cache, console: Self.quiet)
        #expect(outcome.classification == .runTimeout)
        #expect(outcome.planExitCode == nil)
        #expect(outcome.wallSecondsToInit != nil)
        #expect(outcome.wallSeconds >= 12 && outcome.wallSeconds < 20)
        #expect(outcome.excerpt.contains("kgate: sleeping"))
        let bootDir = outcome.consoleLog.deletingLastPathComponent().path
        #expect(Self.processes(mentioning: bootDir).isEmpty)
    }

    /// Deterministic deadlines count QEMU's CPU (`RunClock`): a guest that spins is
    /// stopped once QEMU has used the deadline's CPU seconds, and the excerpt says so
    /// and how far the result channel got.
    @Test func deterministicGuestThatSpinsIsStoppedAtItsCPUDeadline() throws {
        let kernel = try SharedKernel.bzImage()
        let request = BootRequest(kernel: kernel, image: try Self.image().url,
                                  plan: try Self.plan("kgate_note spinning\nwhile :; do :; done\n"),
                                  mode: .deterministic, memoryMiB: 256, bootTimeout: 60, runTimeout: 10, label: "spins")
        let outcome = try VirtualMachines.boot(request, paths: TestEnv.cache, console: Self.quiet)
        #expect(outcome.classification == .runTimeout)
        #expect(outcome.excerpt.contains("of CPU (deadline 10 s of CPU)"), "\(outcome.excerpt)")
        #expect(outcome.excerpt.contains("result channel"))
        #expect(outcome.excerpt.contains("kgate: spinning"))
        #expect(outcome.wallSeconds >= 10)
        #expect(Self.processes(mentioning: outcome.consoleLog.deletingLastPathComponent().path).isEmpty)
    }

    @Test func initNotReachedIsABootTimeout() throws {
        let kernel = try SharedKernel.bzImage()
        let request = BootRequest(kernel: kernel, image: try Self.image().url, mode: .tcg, memoryMiB: 256,
                                  bootTimeout: 0.5, runTimeout: 60, label: "boot-deadline")
        let outcome = try VirtualMachines.boot(request, paths: TestEnv.cache, console: Self.quiet)
        #expect(outcome.classification == .bootTimeout)
        #expect(outcome.wallSeconds < 5)
        #expect(Self.processes(mentioning: outcome.consoleLog.deletingLastPathComponent().path).isEmpty)
    }

    @Test func qemuRejectingItsInputFailsToStartWithItsStderr() throws {
        let image = try Self.image().url
        // The image is no kernel: QEMU refuses to load it.
        let request = BootRequest(kernel: image, image: image, mode: .tcg, memoryMiB: 256, bootTimeout: 30, runTimeout: 30,
                                  label: "bad-kernel")
        let outcome = try VirtualMachines.boot(request, paths: TestEnv.cache, console: Self.quiet)
        #expect(outcome.classification == .qemuFailedToStart)
        #expect(outcome.excerpt.contains("qemu"), "\(outcome.excerpt)")
        #expect(outcome.blobs.isEmpty && outcome.planExitCode == nil)
    }

    @Test func missingQemuGivesTheDoctorsFix() throws {
        let kernel = try SharedKernel.bzImage()
        let empty = try TestEnv.temporaryDirectory("empty-path")
        let r = try TestEnv.kgate(["boot", "--kernel", kernel.path, "--mode", "tcg", "--", "true"],
                                  environment: ["PATH": empty.path])
        #expect(r.exitCode == KGateExitCode.infrastructure)
        #expect(r.stderr.contains("qemu-system-x86_64"))
        #expect(r.stderr.contains("apt-get install -y qemu-system-x86"))
    }

    /// Whatever this host's KVM does, auto resolves to the probe's answer,
    /// the answer is cached, and an unusable KVM costs little.
    @Test func autoResolvesByARealProbe() throws {
        let kernel = try SharedKernel.bzImage()
        let image = try Self.image().url
        let probe = try KVMProbe.probe(kernel: kernel, image: image, paths: TestEnv.cache, console: Self.quiet)
        #expect(probe.level != "firmware")
        #expect(probe.seconds < KVMProbe.deadline + 10)
        #expect(KVMProbe.cached(TestEnv.cache) == probe)
        let mode = try VirtualMachines.resolve(.auto, kernel: kernel, image: image, paths: TestEnv.cache, console: Self.quiet)
        #expect(mode == (probe.usable ? .kvm : .deterministic))
        #expect(try VirtualMachines.resolve(.tcg, kernel: kernel, image: image, paths: TestEnv.cache,
                                            console: Self.quiet) == .tcg)
    }

    /// A cached firmware-level answer ("the BIOS ran under KVM") proves nothing:
    /// auto probes again with the real kernel and follows that answer.
    @Test func aFirmwareOnlyAnswerIsReprobedWithTheKernel() throws {
        let kernel = try SharedKernel.bzImage()
        let image = try Self.image().url
        let paths = CachePaths(root: try TestEnv.temporaryDirectory("probe-cache"))
        KVMProbe.store(KVMProbeResult(usable: true, reason: "firmware ran under KVM", seconds: 0.1, level: "firmware",
                                      host: KVMProbe.hostDescription()), paths)
        let start = Date()
        let mode = try VirtualMachines.resolve(.auto, kernel: kernel, image: image, paths: paths, console: Self.quiet)
        let cached = try #require(KVMProbe.cached(paths))
        #expect(cached.level == "kernel" || cached.level == "device")
        #expect(mode == (cached.usable ? .kvm : .deterministic))
        #expect(Date().timeIntervalSince(start) < KVMProbe.deadline + 10)
        #expect(Self.processes(mentioning: paths.root.path).isEmpty)
    }
}
