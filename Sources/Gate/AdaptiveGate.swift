import Foundation
import KGateCore

/// The adaptive A/B driver. The pipeline measures `minTrials` per side, calls
/// `decide`, and while it answers `.needMore` runs the requested trials (interleaved
/// base, candidate, …) and calls again. The answer is settled at `maxTrials` at the latest.
///
/// Statistics (why not a bootstrap): with 8–32 trials per side a bootstrap of the
/// median under-covers (the median takes few distinct values), and resampling makes
/// a verdict depend on a seed. The Hodges–Lehmann interval on log ratios is the
/// inversion of the Mann–Whitney test: it is distribution-free, has exact coverage
/// under a multiplicative shift (what a kernel change does to throughput), shrugs off
/// an outlier trial, and is reproducible from the samples alone. Each look spends
/// alpha / looks (Bonferroni), so repeated looks cannot inflate the false-alarm rate.
///
/// Rules (worse = the bad direction: lower throughput, higher latency):
/// - regression: effect worse than the threshold, interval entirely on the worse side
///   of zero, and the rank test significant at the per-look level;
/// - improvement: the mirror image;
/// - unchanged: the whole interval inside ±threshold (an equivalence test);
/// - otherwise more trials, and inconclusive at the cap.
public struct AdaptiveGate: Sendable {
    public var config: GateConfig

    public init(_ config: GateConfig) {
        self.config = config
    }

    /// Analyses base and candidate values (positive, finite) without deciding; with
    /// `paired`, base[k] and candidate[k] form pair k (see `analyse(pairs:)`).
    public func analyse(base: [Double], candidate: [Double], paired: Bool = false) -> GateAnalysis? {
        if paired { return analyse(pairs: Array(zip(base, candidate))) }
        let b = base.filter(\.isFinite), c = candidate.filter(\.isFinite)
        guard let baseMedian = Statistics.median(b), let candidateMedian = Statistics.median(c) else { return nil }
        let alpha = config.alphaPerLook
        let test = Statistics.mannWhitney(b, c)
        let effect = baseMedian != 0 ? candidateMedian / baseMedian - 1 : (candidateMedian == 0 ? 0 : .infinity)
        let lower: Double, upper: Double, shift: Double
        if b.allSatisfy({ $0 > 0 }) && c.allSatisfy({ $0 > 0 }) {
            // Multiplicative model: shifts of log values are relative changes.
            let hl = Statistics.hodgesLehmann(b.map(log), c.map(log), alpha: alpha)
            lower = hl.lower.isFinite ? exp(hl.lower) - 1 : -.infinity
            upper = hl.upper.isFinite ? exp(hl.upper) - 1 : .infinity
            shift = exp(hl.estimate) - 1
        } else if baseMedian > 0 {
            // A zero or negative value (0 bit/s): additive shift relative to the base median.
            let hl = Statistics.hodgesLehmann(b, c, alpha: alpha)
            lower = hl.lower / baseMedian
            upper = hl.upper / baseMedian
            shift = hl.estimate / baseMedian
        } else {
            lower = -.infinity
            upper = .infinity
            shift = 0
        }
        return GateAnalysis(baseCount: b.count, candidateCount: c.count, baseMedian: baseMedian,
                            candidateMedian: candidateMedian, effect: effect, lower: lower, upper: upper,
                            level: 1 - alpha, pValue: test.pValue, shift: shift)
    }

    /// One look: a verdict, or how many more trials each side needs. With `paired`,
    /// base[k] and candidate[k] ran with the same seed k (common random numbers) and
    /// the signed-rank analysis of the per-pair ratios decides; see `decide(pairs:)`.
    public func decide(base: [Double], candidate: [Double], paired: Bool = false) -> Decision {
        if paired { return decide(pairs: Array(zip(base, candidate))) }
        let nb = base.filter(\.isFinite).count, nc = candidate.filter(\.isFinite).count
        let minimum = config.minTrials
        if nb < minimum || nc < minimum {
            let analysis = (nb >= 2 && nc >= 2) ? analyse(base: base, candidate: candidate) : nil
            return .needMore(baseTrials: max(0, minimum - nb), candidateTrials: max(0, minimum - nc), analysis: analysis)
        }
        guard let a = analyse(base: base, candidate: candidate) else {
            return .needMore(baseTrials: minimum, candidateTrials: minimum, analysis: nil)
        }
        return settle(a, base: nb, candidate: nc)
    }

    /// The rules applied to one analysis with `nb` and `nc` usable trials (both at
    /// least the minimum): the same for unpaired and paired analyses.
    func settle(_ a: GateAnalysis, base nb: Int, candidate nc: Int) -> Decision {
        let t = config.threshold
        let worse: Double = config.direction == .higherIsBetter ? -1 : 1
        let effect = worse * a.effect
        let lo = min(worse * a.lower, worse * a.upper), hi = max(worse * a.lower, worse * a.upper)
        let significant = a.pValue <= config.alphaPerLook
        let interval = "effect \(Format.percent(a.effect)) [\(Format.percent(a.lower)), \(Format.percent(a.upper))]"
        func done(_ outcome: GateOutcome, _ reason: String) -> Decision {
            .done(GateVerdict(outcome: outcome, analysis: a, threshold: t, direction: config.direction, reason: reason))
        }
        let level = Format.level(a.level) + (a.paired ? " (paired)" : "")
        if effect >= t && lo > 0 && significant {
            return done(.regression, "\(interval) at \(level) is worse than the \(Format.percent(t, signed: false)) threshold and excludes zero (p = \(Format.pValue(a.pValue)))")
        }
        if effect <= -t && hi < 0 && significant {
            return done(.improvement, "\(interval) at \(level) is better than the \(Format.percent(t, signed: false)) threshold and excludes zero (p = \(Format.pValue(a.pValue)))")
        }
        if lo > -t && hi < t {
            return done(.unchanged, "\(interval) at \(level) lies within ±\(Format.percent(t, signed: false))")
        }
        let maximum = config.maxTrials
        if nb >= maximum && nc >= maximum {
            return done(.inconclusive, "\(interval) at \(level) after \(nb)+\(nc) trials is neither within ±\(Format.percent(t, signed: false)) nor a clear change; reduce noise or raise maxTrials")
        }
        // Balance the sides, then add `step` per side, never past the cap.
        let target = min(maximum, max(nb, nc) + config.step)
        return .needMore(baseTrials: max(0, target - nb), candidateTrials: max(0, target - nc), analysis: a)
    }
}
