import Foundation
import KGateCore
import Testing
import TestSupport
@testable import VirtualMachine

/// The boot memo (`BootMemo`): a deterministic boot is replayed only for the
/// very inputs that produced it, and only a successful one is kept.
@Suite(.tags(.unit)) struct BootMemoTests {
    struct Inputs {
        let dir: URL
        let kernel: URL
        let initrd: URL

        init() throws {
            dir = try TestEnv.temporaryDirectory("boot-memo")
            kernel = dir.appendingPathComponent("bzImage")
            initrd = dir.appendingPathComponent("initrd.cpio")
            try Data("kernel".utf8).write(to: kernel)
            try Data("image+plan".utf8).write(to: initrd)
        }

        func key(arguments: [String]? = nil, qemu: String = "QEMU emulator version 7.2.19",
                 console: String = "/boots/a/console.log") throws -> String {
            let args = arguments ?? ["-kernel", kernel.path, "-initrd", initrd.path, "-icount", "shift=0,sleep=off",
                                     "-serial", "file:\(console)", "-append", "console=ttyS0 kgate.seed=3"]
            return try BootMemo.key(kernel: kernel, initrd: initrd, arguments: args,
                                    paths: [(kernel, "kernel"), (initrd, "initrd"), (URL(fileURLWithPath: console), "console")],
                                    qemuVersion: qemu)
        }
    }

    @Test func theKeyFollowsEveryInputButNotThePerBootPaths() throws {
        let i = try Inputs()
        defer { try? FileManager.default.removeItem(at: i.dir) }
        let key = try i.key()
        #expect(try i.key(console: "/boots/b/console.log") == key, "another boot directory is the same boot")
        #expect(try i.key(qemu: "QEMU emulator version 8.0.0") != key)
        #expect(try i.key(arguments: ["-kernel", i.kernel.path, "-initrd", i.initrd.path, "-icount", "shift=0,sleep=off",
                                      "-append", "console=ttyS0 kgate.seed=4"]) != key, "another seed")
        try Data("kernel, patched".utf8).write(to: i.kernel)
        let patched = try i.key()
        #expect(patched != key)
        try Data("image+other plan".utf8).write(to: i.initrd)
        #expect(try i.key() != patched)
    }

    func outcome(_ classification: BootClass, plan: Int32?, log: URL) -> BootOutcome {
        BootOutcome(classification: classification, mode: .deterministic, excerpt: "", warnings: ["WARNING: x"],
                    consoleLog: log, blobs: [GuestBlob(name: "t1.json", data: Data("{\"bps\": 1e9}".utf8), exitCode: 0)],
                    planExitCode: plan, wallSeconds: 4.2, wallSecondsToInit: 1.9, guestSecondsToInit: 0.14)
    }

    @Test func aSuccessfulBootIsReplayedAndAFailureNever() throws {
        let i = try Inputs()
        defer { try? FileManager.default.removeItem(at: i.dir) }
        let memo = BootMemo(paths: CachePaths(root: i.dir.appendingPathComponent("cache")))
        let log = i.dir.appendingPathComponent("console.log")
        try Data("kgate: init reached\n".utf8).write(to: log)

        memo.store("failed", outcome(.panic, plan: nil, log: log))
        memo.store("plan-failed", outcome(.ok, plan: 2, log: log))
        #expect(memo.load("failed", mode: .deterministic) == nil)
        #expect(memo.load("plan-failed", mode: .deterministic) == nil)

        memo.store("good", outcome(.ok, plan: 0, log: log))
        let replayed = try #require(memo.load("good", mode: .deterministic))
        #expect(replayed.replayed && replayed.classification == .ok && replayed.planExitCode == 0)
        #expect(replayed.blobs == [GuestBlob(name: "t1.json", data: Data("{\"bps\": 1e9}".utf8), exitCode: 0)])
        #expect(replayed.warnings == ["WARNING: x"] && replayed.guestSecondsToInit == 0.14 && replayed.wallSeconds == 0)
        #expect(try String(contentsOf: replayed.consoleLog, encoding: .utf8) == "kgate: init reached\n")
        // A replayed outcome is not stored again.
        memo.store("again", replayed)
        #expect(memo.load("again", mode: .deterministic) == nil)
    }

    @Test func kgateRemeasureTurnsItOff() {
        #expect(BootMemo.enabled([:]) && BootMemo.enabled(["KGATE_REMEASURE": "0"]) && BootMemo.enabled(["KGATE_REMEASURE": ""]))
        #expect(!BootMemo.enabled(["KGATE_REMEASURE": "1"]) && !BootMemo.enabled(["KGATE_REMEASURE": "yes"]))
    }

    @Test func theLeastRecentlyUsedGoFirst() throws {
        let i = try Inputs()
        defer { try? FileManager.default.removeItem(at: i.dir) }
        let memo = BootMemo(paths: CachePaths(root: i.dir.appendingPathComponent("cache")), limit: 2)
        let log = i.dir.appendingPathComponent("console.log")
        try Data("log\n".utf8).write(to: log)
        for (n, name) in ["a", "b"].enumerated() {
            memo.store(name, outcome(.ok, plan: 0, log: log))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Double(1000 + n))],
                                                  ofItemAtPath: memo.directory.appendingPathComponent(name).path)
        }
        #expect(memo.load("a", mode: .deterministic) != nil)  // used now: b is the least recently used
        memo.store("c", outcome(.ok, plan: 0, log: log))
        #expect(memo.load("b", mode: .deterministic) == nil)
        #expect(memo.load("a", mode: .deterministic) != nil && memo.load("c", mode: .deterministic) != nil)
    }
}
