import KGateCore

/// The gate's entry point for measured samples: one workload metric's samples
/// of both kernels, paired by seed when they pair, decided by `decide(base:candidate:paired:)`.
extension AdaptiveGate {
    /// One look over samples of one workload metric (failed trials are left out of the
    /// statistics). When settled, the verdict carries the counter changes. Seeded
    /// samples pair by seed under `.paired`; under `.auto` when `pairsPay` says so
    /// (the verdict's reason then says which analysis ran and why).
    public func decide(workload: String, metric: String, base: [Sample], candidate: [Sample],
                       counterRule: CounterRule = .standard, pairing: Pairing = .paired) -> (Decision, WorkloadVerdict?) {
        var b = base.filter { $0.workload == workload && $0.metric == metric && $0.failure == nil }
        var c = candidate.filter { $0.workload == workload && $0.metric == metric && $0.failure == nil }
        var pairs = pairing.sharesSeeds ? Self.pairBySeed(b, c) : nil
        var choice: String?
        if let p = pairs {
            let rule = comparesPairs(pairing, zip(p.base, p.candidate).map { ($0.value, $1.value) })
            choice = rule.reason
            if !rule.paired { pairs = nil }
        }
        if let pairs { (b, c) = (pairs.base, pairs.candidate) }
        let decision = decide(base: b.map(\.value), candidate: c.map(\.value), paired: pairs != nil)
        guard case .done(var verdict) = decision else { return (decision, nil) }
        if let choice { verdict.reason += "; " + choice }
        let unit = b.first?.unit ?? c.first?.unit ?? ""
        let changes = CounterExplainer.changes(base: b.map(\.counters), candidate: c.map(\.counters), rule: counterRule)
        return (decision, WorkloadVerdict(workload: workload, metric: metric, unit: unit, verdict: verdict,
                                          baseValues: b.map(\.value), candidateValues: c.map(\.value),
                                          counterChanges: changes, seeds: pairs?.seeds))
    }

    /// Seeded trials pair: trial k of base and candidate booted with the same
    /// seed saw the same random draws (common random numbers). Pairs are the seeds
    /// both sides measured validly, in seed order; nil (unpaired analysis) when any
    /// sample has no seed, a seed repeats on one side, or fewer than two pairs remain.
    static func pairBySeed(_ base: [Sample], _ candidate: [Sample]) -> (base: [Sample], candidate: [Sample], seeds: [UInt64])? {
        guard !base.isEmpty, !candidate.isEmpty,
              base.allSatisfy({ $0.seed != nil }), candidate.allSatisfy({ $0.seed != nil }) else { return nil }
        var b: [UInt64: Sample] = [:], c: [UInt64: Sample] = [:]
        for s in base { if let k = s.seed { guard b[k] == nil else { return nil }; b[k] = s } }
        for s in candidate { if let k = s.seed { guard c[k] == nil else { return nil }; c[k] = s } }
        let seeds = Set(b.keys).intersection(c.keys).sorted()
        guard seeds.count >= 2 else { return nil }
        return (seeds.compactMap { b[$0] }, seeds.compactMap { c[$0] }, seeds)
    }
}
