import Foundation
import KGateCore
import Testing
import TestSupport
@testable import VirtualMachine

@Suite(.tags(.unit)) struct ResultChannelTests {
    func record(_ name: String, _ payload: Data, _ rc: Int32) -> String {
        let b64 = payload.base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return "@@KGATE BEGIN \(name)\n\(b64)\n@@KGATE END \(name) \(rc)\n"
    }

    @Test func decodesBlobsInOrderWithStatusAndDone() {
        let bin = Data((0..<300).map { UInt8($0 & 0xff) })
        let text = record("a.out", Data("hello\n".utf8), 0) + record("b.bin", bin, 7) + "@@KGATE DONE 7\n"
        let d = ResultChannel.decode(Data(text.utf8))
        #expect(d.blobs.map(\.name) == ["a.out", "b.bin"])
        #expect(d.blobs[0].text == "hello\n")
        #expect(d.blobs[1].data == bin)
        #expect(d.blobs[1].exitCode == 7)
        #expect(d.done == 7)
        #expect(d.problems.isEmpty)
    }

    @Test func carriageReturnsAreIgnoredAndEmptyBlobsWork() {
        let text = "@@KGATE BEGIN e.err\r\n@@KGATE END e.err 0\r\n@@KGATE DONE 0\r\n"
        let d = ResultChannel.decode(Data(text.utf8))
        #expect(d.blobs == [GuestBlob(name: "e.err", data: Data(), exitCode: 0)])
        #expect(d.done == 0)
    }

    @Test(arguments: ["../x", "a/b", "", String(repeating: "x", count: 129), "a b"])
    func invalidNamesAreRejected(_ name: String) {
        let text = "@@KGATE BEGIN \(name)\naGk=\n@@KGATE END \(name) 0\n@@KGATE DONE 0\n"
        let d = ResultChannel.decode(Data(text.utf8))
        #expect(d.blobs.isEmpty)
        #expect(!d.problems.isEmpty)
    }

    @Test func missingDoneAndTruncatedBlobAreReported() {
        let d = ResultChannel.decode(Data("@@KGATE BEGIN x\naGk=\n".utf8))
        #expect(d.done == nil)
        #expect(d.blobs.isEmpty)
        #expect(d.problems.contains { $0.contains("no END") })
    }

    @Test func oversizedBlobIsDropped() {
        let line = String(repeating: "A", count: 76) + "\n"
        let lines = ResultChannel.blobLimit / 57 + 10
        var text = "@@KGATE BEGIN big\n"
        text.reserveCapacity(lines * 77 + 100)
        for _ in 0..<lines { text += line }
        text += "@@KGATE END big 0\n@@KGATE DONE 0\n"
        let d = ResultChannel.decode(Data(text.utf8))
        #expect(d.blobs.isEmpty)
        #expect(d.done == 0)
        #expect(d.problems.contains { $0.contains("over 16 MiB") })
    }
}

@Suite(.tags(.unit)) struct ClassifierTests {
    let ok = QEMURun()

    func lines(_ s: String) -> [String] { BootClassifier.lines(Data(s.utf8)) }

    @Test func oopsIsClassifiedWithExcerptAndWarningsAreCollected() {
        let console = """
        [    1.0] Run /init as init process\r
        kgate: init reached uptime=1.02\r
        [    2.0] ------------[ cut here ]------------\r
        [    2.0] WARNING: CPU: 0 PID: 42 at net/ipv4/tcp.c:100 tcp_foo+0x1/0x2\r
        [    2.1] BUG: kernel NULL pointer dereference, address: 0000000000000008\r
        [    2.1] Oops: 0002 [#1] SMP\r
        """
        let v = BootClassifier.classify(console: lines(console), run: ok, done: 0)
        #expect(v.classification == .oops)
        #expect(v.excerpt.contains("BUG: kernel NULL pointer dereference"))
        #expect(v.warnings.count == 1)
        #expect(v.warnings[0].contains("tcp_foo"))
        #expect(v.guestSecondsToInit == 1.02)
    }

    @Test func warningAloneIsNotFatal() {
        let v = BootClassifier.classify(console: lines("kgate: init reached uptime=0.5\nWARNING: CPU: 0 PID: 1 at x\n"), run: ok, done: 0)
        #expect(v.classification == .ok)
        #expect(v.warnings.count == 1)
    }

    @Test func exitWithoutDoneIsACrash() {
        var run = QEMURun()
        run.signal = 6
        run.exitCode = 134
        run.stderr = "qemu-system-x86_64: error: kvm run failed\n"
        let v = BootClassifier.classify(console: lines("SeaBIOS\nBooting from ROM..\n"), run: run, done: nil)
        #expect(v.classification == .qemuCrashed)
        #expect(v.excerpt.contains("signal 6"))
        #expect(v.excerpt.contains("kvm run failed"))
    }

    @Test func escapeSequencesAreStripped() {
        #expect(lines("\u{1B}c\u{1B}[?7l\u{1B}[2JSeaBIOS\r\n") == ["SeaBIOS", ""])
    }
}

@Suite(.tags(.kernelBuild), .needs(.kernel)) struct KernelImageTests {
    @Test func releaseOfTheTestKernel() throws {
        let kernel = try SharedKernel.bzImage()
        let version = try KernelImage.versionString(of: kernel)
        let release = try KernelImage.release(of: kernel)
        #expect(version.hasPrefix(release + " "))
        #expect(release.range(of: #"^\d+\.\d+"#, options: .regularExpression) != nil)
        // `file(1)` reads the same header field.
        if ProcessRunner.which("file") != nil {
            let file = try ProcessRunner.run("file", ["-b", kernel.path], timeout: 30)
            #expect(file.stdout.contains("version \(release) "))
        }
        #expect(throws: KGateError.self) { try KernelImage.release(of: URL(fileURLWithPath: "/bin/busybox")) }
    }
}

/// Where a boot's guest time went, from the console's marks.
@Suite(.tags(.unit)) struct GuestPhasesTests {
    @Test func phasesRunFromMarkToMarkAndTheLastOneToDone() throws {
        let console = [
            "[    0.153359] Run /init as init process",
            "kgate: init reached uptime=0.15",
            "kgate: phase setup uptime=0.17",
            "kgate: phase snapshot uptime=0.24",
            "kgate: phase measure uptime=0.39",
            "[    1.372819] random: crng init done",
            "kgate: phase collect uptime=3.60",
            "kgate: phase snapshot uptime=3.70",
            "kgate: phase measure uptime=3.80",
            "kgate: phase collect uptime=4.80",
            "kgate: phase teardown uptime=4.90",
            "kgate: phase bogus uptime=x",
            "[    5.000000] kgate: done rc=0",
        ]
        let p = try #require(GuestPhases.parse(console))
        #expect(p.total == 5)
        func near(_ name: String, _ value: Double) -> Bool { abs((p.seconds[name] ?? -1) - value) < 1e-9 }
        #expect(near("boot", 0.15) && near("plan", 0.02) && near("setup", 0.07))
        #expect(near("snapshot", 0.25) && near("measure", 4.21) && near("collect", 0.2) && near("teardown", 0.1))
        #expect(p.seconds["bogus"] == nil)
        #expect(GuestPhases.parse(["no init here"]) == nil)
    }
}
