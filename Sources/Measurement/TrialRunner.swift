import Foundation
import Gate
import KGateCore
import Results
import VirtualMachine
import Workloads

/// A kernel being measured: the base, the candidate, or a bisection step.
public struct KernelUnderTest: Sendable {
    /// The side its samples are stored as.
    public var role: TrialRole
    /// What a fault of this kernel means (`FaultClass`): a base's or a bisection
    /// endpoint's is infrastructure, a candidate's or a bisection step's the kernel's.
    public var faultRole: FaultKernel.Role
    public var revision: String
    public var image: URL

    public init(role: TrialRole, revision: String, image: URL, faultRole: FaultKernel.Role? = nil) {
        self.role = role
        self.faultRole = faultRole ?? (role == .base ? FaultKernel.Role.base : .candidate)
        self.revision = revision
        self.image = image
    }
}

/// A workload as the pipeline runs it: its spec (duration applied) and gate config.
public struct MeasuredWorkload: Sendable {
    public var spec: WorkloadSpec
    public var gate: GateConfig

    public init(spec: WorkloadSpec, gate: GateConfig) {
        self.spec = spec
        self.gate = gate
    }
}

/// Everything a boot needs besides the kernel.
public struct GuestSetup: Sendable {
    public var image: URL
    public var mode: MeasurementMode
    public var memoryMiB: Int
    public var paths: CachePaths
    /// Deterministic mode: trial k of every workload, on every kernel, boots with
    /// seed `seedBase + k`, so trial k of base and candidate see the same draws.
    public var seedBase: UInt64
    /// `.unpaired`: the candidate's trial k boots with seed `seedBase + unpairedOffset + k`
    /// (independent draws) and the gate's analysis is unpaired; `.paired` and
    /// `.auto` share seeds (`.auto` lets each look choose its analysis).
    public var pairing: Pairing
    public static let unpairedOffset: UInt64 = 1_000_000

    public init(image: URL, mode: MeasurementMode, memoryMiB: Int, paths: CachePaths, seedBase: UInt64 = 0,
                pairing: Pairing = .paired) {
        self.image = image
        self.mode = mode
        self.memoryMiB = memoryMiB
        self.paths = paths
        self.seedBase = seedBase
        self.pairing = pairing
    }

    /// The seed of trial `k` on a kernel of `role` (deterministic mode).
    public func seed(trial k: Int, role: TrialRole) -> UInt64 {
        seedBase + (role == .candidate && !pairing.sharesSeeds ? Self.unpairedOffset : 0) + UInt64(k)
    }
}

/// Runs trials of several workloads on one kernel in as few boots as the mode
/// allows, records them, and names the kernel a boot failure was seen on
/// (`KGateError.seen(on:)`), which `FaultClass` classifies by cause, then role: a
/// host fault (QEMU failed, crashed or was killed without a guest splat) is
/// infrastructure (exit 4) for either kernel; a kernel fault (panic, oops,
/// hang) is a broken patch (exit 2) for the candidate, whose base passed
/// first (ABMeasurement reports the base's failure before the candidate's),
/// and infrastructure for the base.
public struct TrialRunner: Sendable {
    public var guest: GuestSetup
    public var recorder: RunRecorder?

    public init(guest: GuestSetup, recorder: RunRecorder?) {
        self.guest = guest
        self.recorder = recorder
    }

    /// `trials[w]` trials of each workload, numbered after `done[w]`. In a
    /// real-time mode one boot runs one trial of each workload (interleaving is
    /// the caller's loop); in deterministic mode one boot runs them all.
    public func run(_ kernel: KernelUnderTest, workloads: [MeasuredWorkload], trials: [String: Int],
                    done: [String: Int], console: Console) throws -> [Sample] {
        let runs = workloads.compactMap { w -> PlannedRun? in
            let n = trials[w.spec.name] ?? 0
            return n > 0 ? PlannedRun(spec: w.spec, trials: n, firstTrial: (done[w.spec.name] ?? 0) + 1) : nil
        }
        guard !runs.isEmpty else { return [] }
        guard guest.mode == .deterministic else { return try boot(kernel, runs, seed: nil, console: console).samples }
        // Deterministic: the replicate is a seeded boot of one workload: trial k
        // of workload w boots with seed `seedBase + k` (several workloads in one
        // boot did not repeat bit for bit). Seeded boots share the host's cores
        // (`BootSlots`); samples come back in trial order.
        let boots = Set(runs.flatMap(\.trialIndices)).sorted().flatMap { k in
            runs.filter { $0.trialIndices.contains(k) }.map { PlannedRun(spec: $0.spec, trials: 1, firstTrial: k) }
        }
        let results = BootSlots.fanOut(boots, seeded: true) { [self] run in
            try boot(kernel, [run], seed: guest.seed(trial: run.firstTrial, role: kernel.role), console: console)
        }
        let done = try results.map { try $0.get() }
        let replayed = done.filter(\.replayed).count
        if replayed > 0 {
            console.line("\(kernel.role.rawValue) \(short(kernel.revision)): \(replayed) of \(done.count) seeded boots "
                         + "replayed from the boot memo (same kernel, initrd, QEMU and seed; \(BootMemo.disableVariable)=1 boots them again)")
        }
        return done.flatMap(\.samples)
    }

    private func boot(_ kernel: KernelUnderTest, _ runs: [PlannedRun], seed: UInt64?,
                      console: Console) throws -> (samples: [Sample], replayed: Bool) {
        let start = Date()
        let report: BootReport
        do {
            report = try WorkloadRunner.boot(runs, kernel: kernel.image, image: guest.image, mode: guest.mode,
                                             paths: guest.paths,
                                             label: "\(kernel.role.rawValue) \(short(kernel.revision))" + (seed.map { " seed \($0)" } ?? ""),
                                             memoryMiB: guest.memoryMiB, seed: seed, replay: true, console: console)
        } catch let error as KGateError {
            try? recorder?.boot(BootInfo(revision: kernel.revision, mode: guest.mode.rawValue, succeeded: false,
                                         seconds: Date().timeIntervalSince(start), note: error.what))
            throw error.seen(on: FaultKernel(kernel.faultRole, revision: kernel.revision, stage: .boot))
        }
        for warning in report.warnings {
            console.line("warning: \(kernel.role.rawValue) kernel \(short(kernel.revision)) printed a WARNING: \(warning)")
        }
        let samples = runs.flatMap { report.results[$0.spec.name]?.map(\.sample) ?? [] }
        try recorder?.trials(kernel, samples: samples,
                             boot: BootInfo(revision: kernel.revision, mode: report.mode.rawValue, succeeded: true,
                                            seconds: report.wallSeconds,
                                            note: report.replayed ? "replayed from the boot memo" : nil))
        return (samples, report.replayed)
    }
}

/// The first 12 hex digits of a revision, as every line kgate prints names it.
public func short(_ revision: String) -> String { String(revision.prefix(12)) }
