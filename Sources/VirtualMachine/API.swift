import Foundation
import KGateCore

// The public surface of VirtualMachine: boot requests, outcomes and result-channel
// blobs (vm-images/PROTOCOL.md), and `VirtualMachines`, the entry points (boot, resolve).

/// One boot of one kernel.
public struct BootRequest: Sendable {
    public var kernel: URL
    /// The guest image (cpio).
    public var image: URL
    /// Appended as a second cpio archive (see `GuestImages.planArchive`); empty: none.
    public var plan: Data
    public var mode: MeasurementMode
    public var memoryMiB: Int
    /// Extra kernel command-line words.
    public var appendCommandLine: [String]
    /// Seconds until init must be reached: of wall, or of QEMU's CPU in deterministic mode (`RunClock`).
    public var bootTimeout: Double
    /// Seconds for the whole run (boot plus plan), counted as `bootTimeout`.
    public var runTimeout: Double
    /// Label for the boot directory and logs ("base-trials", "candidate").
    public var label: String
    /// The boot's seed: in deterministic mode it fixes the guest clock and so
    /// every random draw (nil there means seed 0); named on the command line.
    public var seed: UInt64?
    /// Deterministic mode: answer from the boot memo when these exact inputs
    /// booted successfully before, and keep this boot for later (`BootMemo`).
    public var replay: Bool

    public init(kernel: URL, image: URL, plan: Data = Data(), mode: MeasurementMode = .auto, memoryMiB: Int = 1024,
                appendCommandLine: [String] = [], bootTimeout: Double = 120, runTimeout: Double = 900, label: String = "boot",
                seed: UInt64? = nil, replay: Bool = false) {
        self.kernel = kernel; self.image = image; self.plan = plan; self.mode = mode; self.memoryMiB = memoryMiB
        self.appendCommandLine = appendCommandLine; self.bootTimeout = bootTimeout; self.runTimeout = runTimeout
        self.label = label; self.seed = seed; self.replay = replay
    }
}

/// How a boot ended.
public enum BootClass: String, Sendable, Codable {
    case ok
    case panic
    case oops
    case bootTimeout = "boot-timeout"
    case runTimeout = "run-timeout"
    case qemuFailedToStart = "qemu-failed-to-start"
    case qemuCrashed = "qemu-crashed"
    /// A deterministic guest got too little of the host's CPU to reach its deadline (`RunClock`).
    case hostStarved = "host-starved"
}

/// One blob from the result channel (vm-images/PROTOCOL.md).
public struct GuestBlob: Sendable, Equatable {
    public var name: String
    public var data: Data
    public var exitCode: Int32
    public init(name: String, data: Data, exitCode: Int32) { self.name = name; self.data = data; self.exitCode = exitCode }
    public var text: String { String(decoding: data, as: UTF8.self) }
}

public struct BootOutcome: Sendable {
    public var classification: BootClass
    /// The mode that actually ran (auto resolved).
    public var mode: MeasurementMode
    /// Console lines around the first relevant line (panic, oops, last lines on timeout, QEMU stderr).
    public var excerpt: String
    /// WARNING splats seen (reported, not fatal).
    public var warnings: [String]
    public var consoleLog: URL
    /// Blobs in the order they arrived.
    public var blobs: [GuestBlob]
    /// The plan's exit status from `@@KGATE DONE`, nil if it never finished.
    public var planExitCode: Int32?
    public var wallSeconds: Double
    /// Wall seconds until `kgate: init reached`, and the guest's uptime then.
    public var wallSecondsToInit: Double?
    public var guestSecondsToInit: Double?
    /// Answered from the boot memo (`BootMemo`): no QEMU ran, `wallSeconds` is 0.
    public var replayed: Bool
    /// QEMU's CPU seconds (0 when replayed).
    public var cpuSeconds: Double = 0
    /// Where the guest's time went (`GuestPhases`).
    public var guestPhases: GuestPhases?

    public init(classification: BootClass, mode: MeasurementMode, excerpt: String, warnings: [String], consoleLog: URL,
                blobs: [GuestBlob], planExitCode: Int32?, wallSeconds: Double, wallSecondsToInit: Double?,
                guestSecondsToInit: Double?, replayed: Bool = false) {
        self.classification = classification; self.mode = mode; self.excerpt = excerpt; self.warnings = warnings
        self.consoleLog = consoleLog; self.blobs = blobs; self.planExitCode = planExitCode; self.wallSeconds = wallSeconds
        self.wallSecondsToInit = wallSecondsToInit; self.guestSecondsToInit = guestSecondsToInit
        self.replayed = replayed
    }

    public func blob(_ name: String) -> GuestBlob? { blobs.first { $0.name == name } }
}

public enum VirtualMachines {
    /// Boot directories kept under `<cache>/boots` (oldest removed first).
    public static let keptBoots = 200

    /// Resolves `auto` with a probe boot of this kernel and image (cached per
    /// host); other modes as given. One rule for every verb: only a real kernel
    /// that reached init under KVM proves KVM (a BIOS that runs does not: with a
    /// broken nested KVM the firmware runs and the kernel then hangs); anything
    /// else falls back to deterministic within the probe's deadline.
    public static func resolve(_ mode: MeasurementMode, kernel: URL, image: URL, paths: CachePaths,
                               console: Console = .shared) throws -> MeasurementMode {
        guard mode == .auto else { return mode }
        if let cached = KVMProbe.cached(paths), cached.level != "firmware" { return pick(cached, console) }
        return pick(try KVMProbe.probe(kernel: kernel, image: image, paths: paths, console: console), console)
    }

    static func pick(_ r: KVMProbeResult, _ console: Console) -> MeasurementMode {
        if r.usable, r.level == "kernel" { return .kvm }
        console.line("kgate: KVM is unusable here (\(r.reason)); auto mode falls back to deterministic (TCG, icount)")
        return .deterministic
    }

    /// Boots, runs the plan, classifies the outcome. Throws only when kgate
    /// itself cannot proceed (missing QEMU, unwritable cache); every way the
    /// guest can fail is a `BootOutcome` classification.
    public static func boot(_ request: BootRequest, paths: CachePaths, console: Console = .shared) throws -> BootOutcome {
        try checkInputs(kernel: request.kernel, image: request.image)
        _ = try ProcessRunner.require(QEMUCommand.executable)
        let mode = try resolve(request.mode, kernel: request.kernel, image: request.image, paths: paths, console: console)
        return try bootResolved(request, mode: mode, paths: paths, console: console)
    }

    static func checkInputs(kernel: URL, image: URL) throws {
        for (url, what) in [(kernel, "kernel image"), (image, "guest image")] where !FileManager.default.fileExists(atPath: url.path) {
            throw KGateError.usage("\(what) does not exist", location: url.path,
                                   fix: what == "kernel image" ? "pass the bzImage printed by 'kgate build'" : "run 'kgate image build'")
        }
    }

    /// One boot in an already resolved mode.
    static func bootResolved(_ request: BootRequest, mode: MeasurementMode, paths: CachePaths, console: Console) throws -> BootOutcome {
        let qemu = try ProcessRunner.require(QEMUCommand.executable)
        let dir = try makeBootDirectory(paths, label: request.label)
        let initrd = try writeInitrd(image: request.image, plan: request.plan, in: dir)
        let initrdToken = Supervisor.registerTemporary(initrd)
        defer { try? FileManager.default.removeItem(at: initrd); Supervisor.release(initrdToken) }
        let consoleLog = dir.appendingPathComponent("console.log"), resultsLog = dir.appendingPathComponent("results.log")
        let seed = request.seed ?? (mode == .deterministic ? 0 : nil)
        let args = QEMUCommand.arguments(kernel: request.kernel, initrd: initrd, mode: mode, memoryMiB: request.memoryMiB,
                                         append: request.appendCommandLine, consoleLog: consoleLog, resultsLog: resultsLog,
                                         seed: seed)
        try? Data((([qemu.path] + args).map { Shell.quote($0) }.joined(separator: " ") + "\n").utf8)
            .write(to: dir.appendingPathComponent("qemu.cmdline"))
        let memo = BootMemo(paths: paths)
        let memoKey = request.replay && mode == .deterministic && BootMemo.enabled()
            ? try BootMemo.key(kernel: request.kernel, initrd: initrd, arguments: args,
                               paths: [(request.kernel, "kernel"), (initrd, "initrd"), (consoleLog, "console"),
                                       (resultsLog, "results")],
                               qemuVersion: BootMemo.qemuVersion(qemu))
            : nil
        if let memoKey, let replayed = memo.load(memoKey, mode: mode) {
            TimingLog.record("boot", timingLabel(request, seed: seed, mode: mode),
                             seconds: 0, outcome: "replayed")
            try? FileManager.default.removeItem(at: dir)
            return replayed
        }
        let run = QEMUWatch.run(executable: qemu, arguments: args, bootDir: dir, consoleLog: consoleLog, resultsLog: resultsLog,
                                marker: BootClassifier.initMarker, bootTimeout: request.bootTimeout,
                                runTimeout: request.runTimeout, clock: mode == .deterministic ? .cpu : .wall) { text in
            console.status("boot \(request.label) [\(mode.rawValue)]: \(text)", key: "boot \(request.label) \(text.split(separator: ",").last ?? "")")
        }
        console.clear()
        let channel = ResultChannel.read(resultsLog)
        if !channel.problems.isEmpty {
            console.line("kgate: result channel of \(request.label): \(channel.problems.prefix(3).joined(separator: "; "))")
        }
        let consoleLines = BootClassifier.readConsole(consoleLog)
        var verdict = BootClassifier.classify(console: consoleLines, run: run, done: channel.done)
        let phases = GuestPhases.parse(consoleLines)
        if run.bootTimedOut || run.runTimedOut {
            // The console goes quiet once the plan runs: say how far the result channel got.
            let last = channel.blobs.last.map { "the last record on the result channel was \($0.name.prefix(120))" } ?? "the result channel is empty"
            verdict.excerpt = "\(last) (\(channel.blobs.count) records)\n" + verdict.excerpt
        }
        TimingLog.record("boot", timingLabel(request, seed: seed, mode: mode),
                         seconds: run.wallSeconds, outcome: "\(verdict.classification)", cpuSeconds: run.cpuSeconds,
                         guestSeconds: phases.map { $0.seconds.merging(["total": $0.total]) { a, _ in a } })
        var outcome = BootOutcome(classification: verdict.classification, mode: mode, excerpt: verdict.excerpt,
                                  warnings: verdict.warnings, consoleLog: consoleLog, blobs: channel.blobs,
                                  planExitCode: channel.done, wallSeconds: run.wallSeconds,
                                  wallSecondsToInit: run.wallSecondsToMarker, guestSecondsToInit: verdict.guestSecondsToInit)
        outcome.cpuSeconds = run.cpuSeconds
        outcome.guestPhases = phases
        if let memoKey { memo.store(memoKey, outcome) }
        return outcome
    }

    /// An interactive guest shell on this terminal (QEMU serial on stdio;
    /// Ctrl-A x quits QEMU). Returns QEMU's exit status.
    public static func shell(kernel: URL, image: URL, mode: MeasurementMode, memoryMiB: Int = 1024, append: [String] = [],
                             paths: CachePaths, console: Console = .shared) throws -> Int32 {
        try checkInputs(kernel: kernel, image: image)
        let qemu = try ProcessRunner.require(QEMUCommand.executable)
        let resolved = try resolve(mode, kernel: kernel, image: image, paths: paths, console: console)
        let dir = try makeBootDirectory(paths, label: "shell")
        let initrd = try writeInitrd(image: image, plan: Data(), in: dir)
        defer { try? FileManager.default.removeItem(at: initrd) }
        let args = QEMUCommand.arguments(kernel: kernel, initrd: initrd, mode: resolved, memoryMiB: memoryMiB,
                                         append: append + ["kgate.shell=1"], consoleLog: dir.appendingPathComponent("console.log"),
                                         resultsLog: dir.appendingPathComponent("results.log"), interactive: true)
        console.line("kgate: guest shell [\(resolved.rawValue)]; 'exit' powers off, Ctrl-A x quits QEMU")
        return try InteractiveProcess.run(qemu, args)
    }

    /// A boot as the timing log names it: its label, the seed when the label does not say it, the mode.
    static func timingLabel(_ request: BootRequest, seed: UInt64?, mode: MeasurementMode) -> String {
        let seedText = request.label.contains("seed") ? "" : " seed \(seed.map(String.init) ?? "-")"
        return "\(request.label)\(seedText) [\(mode.rawValue)]"
    }

    static func writeInitrd(image: URL, plan: Data, in dir: URL) throws -> URL {
        var data = try readBoundedFile(image, limit: 1 << 30, what: "guest image")
        let rem = data.count % 4
        if rem != 0 { data.append(Data(count: 4 - rem)) }
        data.append(plan)
        let url = dir.appendingPathComponent("initrd.cpio")
        do { try data.write(to: url) } catch {
            throw KGateError.infrastructure("cannot write the initrd: \(error.localizedDescription)", location: url.path,
                                            fix: "check free space under the cache", cause: error)
        }
        return url
    }

    /// `<cache>/boots/<UTC time>-<label>-<random>`, pruning the oldest beyond `keptBoots`.
    static func makeBootDirectory(_ paths: CachePaths, label: String) throws -> URL {
        try CachePaths.ensureDirectory(paths.boots)
        let fmt = DateFormatter()
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.timeZone = TimeZone(identifier: "UTC")
        fmt.dateFormat = "yyyyMMdd-HHmmss"
        let safe = String(label.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(64))
        let name = "\(fmt.string(from: Date()))-\(safe)-\(UUID().uuidString.prefix(8).lowercased())"
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: paths.boots.path), existing.count >= keptBoots {
            for old in existing.sorted().prefix(existing.count - keptBoots + 1) {
                try? FileManager.default.removeItem(at: paths.boots.appendingPathComponent(old))
            }
        }
        return try CachePaths.ensureDirectory(paths.boots.appendingPathComponent(name))
    }

}
