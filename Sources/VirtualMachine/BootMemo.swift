import Foundation
import KGateCore
import Synchronization

/// Deterministic boots replayed instead of run again.
///
/// In deterministic mode (`-icount shift=0,sleep=off`, a seeded guest clock) a
/// boot's result channel is a function of what QEMU is given: the kernel's
/// bytes, the initrd's bytes (guest image and plan), QEMU's version and its
/// arguments (mode, memory, command line, seed). A check that measures a base
/// another check already measured with the same pipeline and seeds, a bisection
/// step of a commit `kgate bisect` measured, a shard on the runner that measured
/// the single-machine twin: each would boot to the same samples again. The
/// memo keeps what a successful boot returned (the result channel's blobs, the
/// WARNING splats, the console log) under the SHA-256 of all of those inputs,
/// and a boot with the same inputs is answered from it; the samples are
/// analysed from the blobs as after a real boot, so an analyser change applies.
///
/// Only a boot that reached init and whose plan finished with status 0 is kept;
/// a failure is never replayed. Real-time modes never use it; `kgate run` and
/// the seed-repeat test boot for real (`BootRequest.replay` false). Setting
/// `KGATE_REMEASURE=1` turns it off for a run. Entries live under
/// `<cache>/boot-memo/<key>/`, the least recently used removed beyond `limit`.
public struct BootMemo: Sendable {
    /// Bumped when what a replayed outcome holds changes.
    static let version = 1
    public static let defaultLimit = 4000
    public static let disableVariable = "KGATE_REMEASURE"

    public let directory: URL
    /// Entries kept (a few hundred KiB each at most: the blobs and the console log).
    public let limit: Int

    public init(paths: CachePaths, limit: Int = BootMemo.defaultLimit) {
        directory = paths.root.appendingPathComponent("boot-memo")
        self.limit = max(1, limit)
    }

    /// Whether boots may be replayed (`KGATE_REMEASURE` unset, empty or 0).
    public static func enabled(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        let value = environment[disableVariable] ?? ""
        return value.isEmpty || value == "0"
    }

    /// The key of a boot: the digests of the kernel and the initrd, QEMU's version,
    /// and its arguments with the per-boot paths replaced by their role.
    static func key(kernel: URL, initrd: URL, arguments: [String], paths: [(URL, String)], qemuVersion: String) throws -> String {
        let kernelDigest = Digest.sha256Hex(try readBoundedFile(kernel, limit: 256 << 20, what: "kernel image"))
        let initrdDigest = Digest.sha256Hex(try readBoundedFile(initrd, limit: 2 << 30, what: "initrd"))
        let generic = arguments.map { arg in
            paths.reduce(arg) { text, entry in text.replacingOccurrences(of: entry.0.path, with: "<\(entry.1)>") }
        }
        let text = (["memo \(version)", "kernel \(kernelDigest)", "initrd \(initrdDigest)", "qemu \(qemuVersion)"] + generic)
            .joined(separator: "\n")
        return Digest.sha256Hex(text)
    }

    /// What a successful boot returned, as stored.
    struct Entry: Codable {
        struct Blob: Codable {
            var name: String
            var data: Data
            var exitCode: Int32
        }
        var blobs: [Blob]
        var warnings: [String]
        var planExitCode: Int32
        var guestSecondsToInit: Double?
        /// The wall seconds of the boot that was measured.
        var wallSeconds: Double
    }

    /// The replayed outcome of `key`, or nil.
    func load(_ key: String, mode: MeasurementMode) -> BootOutcome? {
        let dir = directory.appendingPathComponent(key)
        guard let data = try? readBoundedFile(dir.appendingPathComponent("outcome.json"), limit: 64 << 20, what: "boot memo"),
              let entry = try? JSONDecoder().decode(Entry.self, from: data) else { return nil }
        // Touched, so that pruning removes the least recently used first.
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: dir.path)
        return BootOutcome(classification: .ok, mode: mode, excerpt: "", warnings: entry.warnings,
                           consoleLog: dir.appendingPathComponent("console.log"),
                           blobs: entry.blobs.map { GuestBlob(name: $0.name, data: $0.data, exitCode: $0.exitCode) },
                           planExitCode: entry.planExitCode, wallSeconds: 0, wallSecondsToInit: nil,
                           guestSecondsToInit: entry.guestSecondsToInit, replayed: true)
    }

    /// Keeps `outcome` under `key` when it is worth replaying (init reached, plan status 0).
    /// A memo that cannot be written only costs the next boot its replay.
    func store(_ key: String, _ outcome: BootOutcome) {
        guard outcome.classification == .ok, outcome.planExitCode == 0, !outcome.replayed else { return }
        let entry = Entry(blobs: outcome.blobs.map { Entry.Blob(name: $0.name, data: $0.data, exitCode: $0.exitCode) },
                          warnings: outcome.warnings, planExitCode: 0, guestSecondsToInit: outcome.guestSecondsToInit,
                          wallSeconds: outcome.wallSeconds)
        let fm = FileManager.default
        let final = directory.appendingPathComponent(key)
        let scratch = directory.appendingPathComponent(".\(key.prefix(16))-\(UUID().uuidString.prefix(8))")
        do {
            try CachePaths.ensureDirectory(scratch)
            try JSONEncoder().encode(entry).write(to: scratch.appendingPathComponent("outcome.json"))
            try? fm.copyItem(at: outcome.consoleLog, to: scratch.appendingPathComponent("console.log"))
            try? fm.removeItem(at: final)
            try fm.moveItem(at: scratch, to: final)
        } catch {
            try? fm.removeItem(at: scratch)
            return
        }
        prune()
    }

    /// Removes the least recently used entries beyond `limit` (and scratch left by a killed run).
    func prune() {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path), names.count > limit else { return }
        let dated = names.map { name -> (String, Date) in
            let attrs = try? fm.attributesOfItem(atPath: directory.appendingPathComponent(name).path)
            return (name, (attrs?[.modificationDate] as? Date) ?? .distantPast)
        }
        for (name, _) in dated.sorted(by: { $0.1 < $1.1 }).prefix(names.count - limit) {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    private static let versionText = Mutex<String?>(nil)

    /// `qemu-system-x86_64 --version`'s first line, asked once per process.
    static func qemuVersion(_ qemu: URL) throws -> String {
        if let known = versionText.withLock({ $0 }) { return known }
        let r = try ProcessRunner.run(qemu.path, ["--version"], timeout: 30)
        guard r.succeeded, let line = r.stdout.split(separator: "\n").first else {
            throw KGateError.infrastructure("'\(qemu.path) --version' failed (exit \(r.exitCode))", excerpt: r.stderr)
        }
        versionText.withLock { $0 = String(line) }
        return String(line)
    }
}
