import Foundation
import Gate
import KGateCore
import Results
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
        guard guest.mode == .deterministic else { return try boot(kernel, runs, seed: nil, console: console) }
        // Deterministic: the replicate is a seeded boot of one workload: trial k
        // of workload w boots with seed `seedBase + k` (several workloads in one
        // boot did not repeat bit for bit). Seeded boots share the host's cores
        // (`BootSlots`); samples come back in trial order.
        let boots = Set(runs.flatMap(\.trialIndices)).sorted().flatMap { k in
            runs.filter { $0.trialIndices.contains(k) }.map { PlannedRun(spec: $0.spec, trials: 1, firstTrial: k) }
        }
        let results = Concurrently.map(boots, width: BootSlots.count) { [self] run in
            try BootSlots.hold {
                try boot(kernel, [run], seed: guest.seed(trial: run.firstTrial, role: kernel.role), console: console)
            }
        }
        return try results.flatMap { try $0.get() }
    }

    private func boot(_ kernel: KernelUnderTest, _ runs: [PlannedRun], seed: UInt64?, console: Console) throws -> [Sample] {
        let start = Date()
        let report: BootReport
        do {
            report = try WorkloadRunner.boot(runs, kernel: kernel.image, image: guest.image, mode: guest.mode,
                                             paths: guest.paths,
                                             label: "\(kernel.role.rawValue) \(short(kernel.revision))" + (seed.map { " seed \($0)" } ?? ""),
                                             memoryMiB: guest.memoryMiB, seed: seed, console: console)
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
                                            seconds: report.wallSeconds))
        return samples
    }
}

/// The adaptive A/B loop of docs/DESIGN.md, "The gate": measure `min` trials per
/// side, ask the gate, add trials for undecided workloads until each is
/// settled or at its cap.
public struct ABMeasurement: Sendable {
    public var runner: TrialRunner
    public var workloads: [MeasuredWorkload]

    public init(runner: TrialRunner, workloads: [MeasuredWorkload]) {
        self.runner = runner
        self.workloads = workloads
    }

    public func run(base: KernelUnderTest, candidate: KernelUnderTest, clock: StageClock,
                    console: Console = .shared) throws -> [WorkloadVerdict] {
        var samples: [TrialRole: [Sample]] = [.base: [], .candidate: []]
        var attempted: [TrialRole: [String: Int]] = [.base: [:], .candidate: [:]]
        var need: [TrialRole: [String: Int]] = [.base: [:], .candidate: [:]]
        var verdicts: [String: WorkloadVerdict] = [:]
        for w in workloads {
            need[.base]?[w.spec.name] = w.gate.minTrials
            need[.candidate]?[w.spec.name] = w.gate.minTrials
        }
        var round = 0
        while verdicts.count < workloads.count {
            round += 1
            let pending = workloads.filter { verdicts[$0.spec.name] == nil }
            let total = pending.reduce(0) { $0 + (need[.base]?[$1.spec.name] ?? 0) + (need[.candidate]?[$1.spec.name] ?? 0) }
            console.line("trials round \(round): \(total) trials of \(pending.map(\.spec.name).joined(separator: ", ")) in \(runner.guest.mode.rawValue) mode")
            let new = try clock.measure("trials") {
                try measureRound(pending: pending, need: need, attempted: attempted, base: base, candidate: candidate,
                                 console: console)
            }
            for role in [TrialRole.base, .candidate] {
                samples[role, default: []] += new[role] ?? []
                for w in pending { attempted[role]?[w.spec.name, default: 0] += need[role]?[w.spec.name] ?? 0 }
            }
            clock.measure("analysis") {
                for w in pending {
                    let name = w.spec.name
                    let gate = AdaptiveGate(w.gate)
                    let (decision, verdict) = gate.decide(workload: name, metric: w.spec.metric.rawValue,
                                                          base: samples[.base] ?? [], candidate: samples[.candidate] ?? [],
                                                          counterRule: CounterRule(pinned: w.spec.evidence),
                                                          pairing: runner.guest.pairing)
                    if let verdict {
                        verdicts[name] = verdict
                        console.line("\(name): \(verdict.verdict.outcome.rawValue): \(verdict.verdict.reason)")
                        continue
                    }
                    guard case .needMore(let moreBase, let moreCandidate, let analysis) = decision else { continue }
                    let triedBase = attempted[.base]?[name] ?? 0, triedCandidate = attempted[.candidate]?[name] ?? 0
                    if triedBase >= w.gate.maxTrials && triedCandidate >= w.gate.maxTrials {
                        // Failed trials never count as samples: stop at the cap all the same.
                        verdicts[name] = Self.inconclusive(w, analysis: analysis, base: samples[.base] ?? [],
                                                           candidate: samples[.candidate] ?? [])
                        console.line("\(name): inconclusive: too few valid trials at the cap")
                        continue
                    }
                    // Deterministic trials pair by seed: both sides run the same trial numbers.
                    let paired = runner.guest.mode == .deterministic && runner.guest.pairing.sharesSeeds
                    let more = max(moreBase, moreCandidate)
                    need[.base]?[name] = min(paired ? more : moreBase, max(0, w.gate.maxTrials - triedBase))
                    need[.candidate]?[name] = min(paired ? more : moreCandidate, max(0, w.gate.maxTrials - triedCandidate))
                    if need[.base]?[name] == 0 && need[.candidate]?[name] == 0 {
                        need[.base]?[name] = 1
                        need[.candidate]?[name] = 1
                    }
                }
            }
        }
        return workloads.compactMap { verdicts[$0.spec.name] }
    }

    /// One round: in deterministic mode base and candidate boot at the same
    /// time (guest time follows instructions, so sharing the host's cores does
    /// not move the figures); in real-time modes trials interleave A B A B, one
    /// trial per boot, so that drift cancels.
    private func measureRound(pending: [MeasuredWorkload], need: [TrialRole: [String: Int]],
                              attempted: [TrialRole: [String: Int]], base: KernelUnderTest,
                              candidate: KernelUnderTest, console: Console) throws -> [TrialRole: [Sample]] {
        if runner.guest.mode.isRealTime {
            var out: [TrialRole: [Sample]] = [.base: [], .candidate: []]
            var done = attempted
            let rounds = pending.map { max(need[.base]?[$0.spec.name] ?? 0, need[.candidate]?[$0.spec.name] ?? 0) }.max() ?? 0
            for i in 0..<rounds {
                for kernel in [base, candidate] {
                    let one = Dictionary(uniqueKeysWithValues: pending.map { w in
                        (w.spec.name, (need[kernel.role]?[w.spec.name] ?? 0) > i ? 1 : 0)
                    })
                    let s = try runner.run(kernel, workloads: pending, trials: one, done: done[kernel.role] ?? [:], console: console)
                    out[kernel.role, default: []] += s
                    for (name, n) in one { done[kernel.role]?[name, default: 0] += n }
                }
            }
            return out
        }
        let results = Concurrently.run([base, candidate]) { kernel in
            try runner.run(kernel, workloads: pending, trials: need[kernel.role] ?? [:],
                           done: attempted[kernel.role] ?? [:], console: console)
        }
        // The base's failure is reported first: it makes the candidate's meaningless.
        var out: [TrialRole: [Sample]] = [:]
        for (kernel, result) in zip([base, candidate], results) {
            out[kernel.role] = try result.get()
        }
        return out
    }

    static func inconclusive(_ w: MeasuredWorkload, analysis: GateAnalysis?, base: [Sample],
                             candidate: [Sample]) -> WorkloadVerdict {
        let name = w.spec.name, metric = w.spec.metric.rawValue
        let b = base.filter { $0.workload == name && $0.metric == metric }
        let c = candidate.filter { $0.workload == name && $0.metric == metric }
        let failed = (b + c).filter { $0.failure != nil }
        let reason = "only \(b.count - b.filter { $0.failure != nil }.count)+\(c.count - c.filter { $0.failure != nil }.count) valid trials at the cap; "
            + (failed.first?.failure.map { "failed trials: \($0)" } ?? "no decision")
        let a = analysis ?? GateAnalysis(baseCount: 0, candidateCount: 0, baseMedian: 0, candidateMedian: 0, effect: 0,
                                         lower: 0, upper: 0, level: 1 - w.gate.alphaPerLook, pValue: 1, shift: 0)
        return WorkloadVerdict(workload: name, metric: metric, unit: w.spec.metric.unit,
                               verdict: GateVerdict(outcome: .inconclusive, analysis: a, threshold: w.gate.threshold,
                                                    direction: w.gate.direction, reason: reason),
                               baseValues: b.filter { $0.failure == nil }.map(\.value),
                               candidateValues: c.filter { $0.failure == nil }.map(\.value), counterChanges: [])
    }
}

func short(_ revision: String) -> String { String(revision.prefix(12)) }
