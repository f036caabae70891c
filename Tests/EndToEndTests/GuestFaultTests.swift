import Foundation
import KGateCore
import Testing
import TestSupport

/// Faults around guests and the network, on the real binary with the shared
/// kernel: signals during boots and trials, QEMU killed mid-trial, a full
/// cache file system, lore answering 404, 500, slowly or with a truncated gzip.
@Suite(.serialized) struct GuestFaultTests {
    /// A cache of its own (guest image, boot directories), the kernel from the shared cache.
    func freshCache(_ label: String) throws -> URL { try TestEnv.temporaryDirectory("fault-\(label)-cache") }

    func runArguments(_ kernel: URL) -> [String] {
        ["run", "--kernel", kernel.path, "--workload", "tcp-stream-10ms", "--trials", "2", "--duration", "2",
         "--warmup", "0", "--mode", "deterministic"]
    }

    /// What a stopped boot may leave: its logs, never an initrd copy or a QEMU.
    func leftovers(_ cache: URL) -> [String] {
        let boots = cache.appendingPathComponent("boots")
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: boots.path)) ?? []
        return RunningKGate.processes(mentioning: cache.path)
            + dirs.filter { FileManager.default.fileExists(atPath: boots.appendingPathComponent("\($0)/initrd.cpio").path) }
    }

    @Test(.tags(.vm), .needs(.kernel, .qemu)) func sigintDuringBootStopsQEMU() throws {
        let kernel = try SharedKernel.bzImage()
        let cache = try freshCache("boot")
        let k = try RunningKGate(["boot", "--kernel", kernel.path, "--mode", "deterministic", "--", "sleep", "120"],
                                 cache: cache, label: "boot")
        #expect(k.waitForChild(timeout: 60) { comm, _ in comm.hasPrefix("qemu") } != nil)
        usleep(2_000_000)
        let end = k.interrupt(SIGINT)
        let left = leftovers(cache)
        k.measure("SIGINT during boot", leftovers: left)
        #expect(end.code == 130)
        #expect(k.stderr.contains("interrupted by SIGINT: stopped 1 child process group(s)"))
        #expect(end.seconds < 5)
        #expect(left.isEmpty)
        #expect(k.survivingGroups().isEmpty)
    }

    @Test(.tags(.vm), .needs(.kernel, .qemu)) func sighupDuringTrialsStopsQEMU() throws {
        let kernel = try SharedKernel.bzImage()
        let cache = try freshCache("trials")
        let k = try RunningKGate(runArguments(kernel), cache: cache, label: "trials")
        #expect(k.waitForChild(timeout: 60) { comm, _ in comm.hasPrefix("qemu") } != nil)
        usleep(4_000_000)
        let end = k.interrupt(SIGHUP)
        let left = leftovers(cache)
        k.measure("SIGHUP during trials", leftovers: left)
        #expect(end.code == 129)
        #expect(k.stderr.contains("interrupted by SIGHUP"))
        #expect(left.isEmpty)
        #expect(k.survivingGroups().isEmpty)
    }

    /// QEMU killed by a host signal mid-trial, no panic on the console: a host fault (exit 4), never the kernel's.
    @Test(.tags(.vm), .needs(.kernel, .qemu)) func qemuKilledMidTrialIsInfrastructure() throws {
        let kernel = try SharedKernel.bzImage()
        let cache = try freshCache("qemu-kill")
        let k = try RunningKGate(runArguments(kernel), cache: cache, label: "qemu-kill")
        let qemu = try #require(k.waitForChild(timeout: 60) { comm, _ in comm.hasPrefix("qemu") })
        usleep(4_000_000)
        kill(qemu, SIGKILL)
        let end = k.wait(timeout: 120)
        let left = leftovers(cache)
        k.measure("QEMU killed mid-trial (SIGKILL)", leftovers: left)
        #expect(end.code == 4, "stderr: \(k.stderr.suffix(2000))")
        #expect(k.stderr.contains("qemu-crashed"))
        #expect(k.stderr.contains("host fault"))
        #expect(left.isEmpty)
    }

    /// A guest that floods its serial console: stopped at the run deadline with a
    /// bounded log, classified as the kernel's run-timeout, QEMU gone.
    @Test(.tags(.vm), .needs(.kernel, .qemu)) func guestFloodingItsConsoleIsStopped() throws {
        let kernel = try SharedKernel.bzImage()
        let cache = try freshCache("flood")
        let k = try RunningKGate(["boot", "--kernel", kernel.path, "--mode", "deterministic", "--timeout", "20", "--",
                                  "sh", "-c", "cat /dev/zero | tr '\\0' x > /dev/console"], cache: cache, label: "flood")
        let end = k.wait(timeout: 120)
        let left = leftovers(cache)
        k.measure("guest floods its console (20 s run deadline)", leftovers: left)
        #expect(end.code == 4)
        #expect(k.stderr.contains("run-timeout"))
        #expect(end.seconds < 60)
        let boots = cache.appendingPathComponent("boots")
        for dir in (try? FileManager.default.contentsOfDirectory(atPath: boots.path)) ?? [] {
            let size = (try? FileManager.default.attributesOfItem(atPath: boots.appendingPathComponent("\(dir)/console.log").path)[.size]
                        as? NSNumber)?.intValue ?? 0
            #expect(size < 80 << 20)
        }
        #expect(left.isEmpty)
        #expect(k.survivingGroups().isEmpty)
    }

    /// The cache on a 6 MiB tmpfs: the guest image does not fit (ENOSPC), exit 4, nothing half-written.
    @Test(.tags(.vm), .needs(.kernel, .qemu)) func fullCacheFileSystemIsInfrastructure() throws {
        let kernel = try SharedKernel.bzImage()
        let mountPoint = try freshCache("enospc")
        let mount = try ProcessRunner.run("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mountPoint.path])
        try #require(mount.succeeded, "tmpfs mount needs root: \(mount.stderr)")
        defer { _ = try? ProcessRunner.run("umount", [mountPoint.path]) }
        let k = try RunningKGate(["boot", "--kernel", kernel.path, "--mode", "deterministic", "--", "true"],
                                 cache: mountPoint, label: "enospc")
        let end = k.wait(timeout: 120)
        let images = (try? FileManager.default.contentsOfDirectory(atPath: mountPoint.appendingPathComponent("images").path)) ?? []
        let left = leftovers(mountPoint) + images
        k.measure("cache file system full (6 MiB tmpfs)", leftovers: left)
        #expect(end.code == 4)
        #expect(k.stderr.contains("space"))
        #expect(k.stderr.contains("fix:"))
        #expect(left.isEmpty)
    }

    /// lore stand-ins: 404, 500 (retried, then given up), a truncated gzip: exit 4 naming the URL;
    /// a body that never arrives is cut short by SIGINT (exit 130 at once).
    @Test(.tags(.network), .needs(.localServer)) func loreFaultsAreInfrastructure() throws {
        let mbox = Data("From x\nSubject: [PATCH] x\n\nbody\n".utf8)
        let gz = try ProcessRunner.run("sh", ["-c", "printf 'From x\\nSubject: y\\n\\nbody\\n' | gzip -c | base64 -w0"])
        let truncated = (Data(base64Encoded: gz.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? mbox).prefix(20)
        let server = try HTTPTestServer(routes: [
            "/all/e500@x/t.mbox.gz": [.init(status: 500, text: "overloaded")],
            "/all/trunc@x/t.mbox.gz": [.init(body: Data(truncated))],
            "/all/slow@x/t.mbox.gz": [.init(body: mbox, delay: 60)],
        ])
        defer { server.stop() }
        let cache = try freshCache("lore")
        for (id, expected) in [("e404@x", "HTTP 404"), ("e500@x", "HTTP 500"), ("trunc@x", "truncated")] {
            let k = try RunningKGate(["series", "show", id, "--lore-url", server.baseURL + "/all"], cache: cache, label: id)
            let end = k.wait(timeout: 60)
            k.measure("lore \(expected)", leftovers: RunningKGate.processes(mentioning: cache.path))
            #expect(end.code == 4, "\(id): \(k.stderr)")
            #expect(k.stderr.contains(expected) && k.stderr.contains(server.baseURL), "\(id): \(k.stderr)")
        }
        let slow = try RunningKGate(["series", "show", "slow@x", "--lore-url", server.baseURL + "/all"], cache: cache,
                                    label: "slow")
        usleep(1_500_000)
        let end = slow.interrupt(SIGINT)
        slow.measure("lore slow body, then SIGINT", leftovers: [])
        #expect(end.code == 130)
        #expect(end.seconds < 2)
    }

    /// Two kgate processes build the same revision on one cache at once: the lock
    /// serializes them and both answer the same image.
    @Test(.tags(.kernelBuild), .needs(.kernelSource)) func twoBuildsOnOneCache() throws {
        _ = try SharedKernel.bzImage()
        let args = ["build", "--tree", TestEnv.defaultTreeName, "--rev", "HEAD"]
        let a = try RunningKGate(args, cache: TestEnv.cache.root, label: "two-a")
        let b = try RunningKGate(args, cache: TestEnv.cache.root, label: "two-b")
        let (ea, eb) = (a.wait(timeout: 600), b.wait(timeout: 600))
        a.measure("two kgate build on one cache (a)", leftovers: [])
        b.measure("two kgate build on one cache (b)", leftovers: [])
        #expect(ea.code == 0 && eb.code == 0)
        #expect(TestEnv.lastLine(a.stdout) == TestEnv.lastLine(b.stdout))
    }
}
