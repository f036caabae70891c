import Foundation
import Gate
import KGateCore
import Workloads

/// The adaptive A/B loop of docs/DESIGN.md, "The gate": measure `min` trials per
/// side, take the gate step (`GateStep`) for each undecided workload, and add the
/// trials it asks for until each is settled or at its cap.
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
        // Deterministic trials pair by seed: both sides run the same trial numbers.
        let sameTrialNumbers = runner.guest.mode == .deterministic && runner.guest.pairing.sharesSeeds
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
                    let step = GateStep.next(w, base: samples[.base] ?? [], candidate: samples[.candidate] ?? [],
                                             attempted: (attempted[.base]?[name] ?? 0, attempted[.candidate]?[name] ?? 0),
                                             pairing: runner.guest.pairing, sameTrialNumbers: sameTrialNumbers)
                    switch step {
                    case .decided(let verdict):
                        verdicts[name] = verdict
                        console.line("\(name): \(verdict.verdict.outcome.rawValue): \(verdict.verdict.reason)")
                    case .capped(let verdict):
                        verdicts[name] = verdict
                        console.line("\(name): inconclusive: too few valid trials at the cap")
                    case .more(let moreBase, let moreCandidate):
                        need[.base]?[name] = moreBase
                        need[.candidate]?[name] = moreCandidate
                    }
                }
            }
        }
        return workloads.compactMap { verdicts[$0.spec.name] }
    }

    /// One round, base and candidate side by side (`SideBySide`): in
    /// deterministic mode both boot at the same time (guest time follows
    /// instructions, so sharing the host's cores does not move the figures); in
    /// real-time modes trials interleave A B A B, one trial per boot, so that
    /// drift cancels. The base's failure is reported first.
    private func measureRound(pending: [MeasuredWorkload], need: [TrialRole: [String: Int]],
                              attempted: [TrialRole: [String: Int]], base: KernelUnderTest,
                              candidate: KernelUnderTest, console: Console) throws -> [TrialRole: [Sample]] {
        let runner = self.runner
        guard runner.guest.mode.isRealTime else {
            let samples = try SideBySide.run([base, candidate], mode: runner.guest.mode) { kernel in
                try runner.run(kernel, workloads: pending, trials: need[kernel.role] ?? [:],
                               done: attempted[kernel.role] ?? [:], console: console)
            }
            return [.base: samples[0], .candidate: samples[1]]
        }
        var out: [TrialRole: [Sample]] = [.base: [], .candidate: []]
        var done = attempted
        let rounds = pending.map { max(need[.base]?[$0.spec.name] ?? 0, need[.candidate]?[$0.spec.name] ?? 0) }.max() ?? 0
        for i in 0..<rounds {
            // One trial of each workload that still needs an i-th, per side.
            var one: [TrialRole: [String: Int]] = [:]
            for role in [TrialRole.base, .candidate] {
                one[role] = Dictionary(uniqueKeysWithValues: pending.map { w in (w.spec.name, (need[role]?[w.spec.name] ?? 0) > i ? 1 : 0) })
            }
            let trials = one, before = done
            let samples = try SideBySide.run([base, candidate], mode: runner.guest.mode) { kernel in
                try runner.run(kernel, workloads: pending, trials: trials[kernel.role] ?? [:], done: before[kernel.role] ?? [:],
                               console: console)
            }
            for (kernel, s) in zip([base, candidate], samples) {
                out[kernel.role, default: []] += s
                for (name, n) in trials[kernel.role] ?? [:] { done[kernel.role]?[name, default: 0] += n }
            }
        }
        return out
    }
}
