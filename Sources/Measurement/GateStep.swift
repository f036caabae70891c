import Gate
import KGateCore
import Workloads

/// The one gate step of every measurement (check and nightly through
/// `ABMeasurement`, `kgate merge` over shards, bisection endpoints): ask the gate;
/// when it settles, the verdict; when it asks for more, that many trials, never
/// past the cap; at the cap with no decision (failed trials never count as
/// samples), inconclusive.
public enum GateStep {
    public enum Next: Sendable {
        /// The gate settled.
        case decided(WorkloadVerdict)
        /// Both sides reached the cap undecided: inconclusive.
        case capped(WorkloadVerdict)
        /// Run this many more trials on each side.
        case more(base: Int, candidate: Int)
    }

    /// The step for one workload's samples.
    /// - attempted: trials run so far per side, failed ones included.
    /// - sameTrialNumbers: both sides run the same trial numbers (deterministic
    ///   mode with shared seeds, shards): both get the larger request.
    public static func next(_ w: MeasuredWorkload, base: [Sample], candidate: [Sample], attempted: (base: Int, candidate: Int),
                            pairing: Pairing, sameTrialNumbers: Bool) -> Next {
        let (decision, verdict) = AdaptiveGate(w.gate).decide(workload: w.spec.name, metric: w.spec.metric.rawValue,
                                                              base: base, candidate: candidate,
                                                              counterRule: CounterRule(pinned: w.spec.evidence), pairing: pairing)
        if let verdict { return .decided(verdict) }
        switch step(decision, gate: w.gate, attempted: attempted, sameTrialNumbers: sameTrialNumbers) {
        case .more(let b, let c): return .more(base: b, candidate: c)
        case .capped(let analysis): return .capped(inconclusive(w, analysis: analysis, base: base, candidate: candidate))
        case .settled(let v): return .capped(inconclusive(w, analysis: v.analysis, base: base, candidate: candidate))
        }
    }

    /// The step on the gate's decision alone (values without samples: a bisection's endpoints).
    public enum ValueStep: Sendable {
        case settled(GateVerdict)
        case capped(GateAnalysis?)
        case more(base: Int, candidate: Int)
    }

    public static func step(_ decision: Decision, gate: GateConfig, attempted: (base: Int, candidate: Int),
                            sameTrialNumbers: Bool) -> ValueStep {
        switch decision {
        case .done(let verdict):
            return .settled(verdict)
        case .needMore(let moreBase, let moreCandidate, let analysis):
            let cap = gate.maxTrials
            if attempted.base >= cap && attempted.candidate >= cap { return .capped(analysis) }
            let more = max(moreBase, moreCandidate)
            var b = min(sameTrialNumbers ? more : moreBase, max(0, cap - attempted.base))
            var c = min(sameTrialNumbers ? more : moreCandidate, max(0, cap - attempted.candidate))
            if b == 0 && c == 0 { (b, c) = (1, 1) }
            return .more(base: b, candidate: c)
        }
    }

    /// One kernel's step while its samples are classified against others'
    /// (bisection steps, a culprit's revert, `bisect-step`): nil at the cap (the
    /// caller skips or calls it unclear), else the next `step` trials, never past it.
    public static func more(afterMeasuring count: Int, gate: GateConfig) -> Int? {
        count >= gate.maxTrials ? nil : min(gate.step, gate.maxTrials - count)
    }

    /// The verdict of a workload at its cap without a decision.
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
