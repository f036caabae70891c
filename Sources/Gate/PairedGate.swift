import Foundation

/// The paired analysis: trial k of base and trial k of candidate ran with the same
/// seed (common random numbers), so the seed-to-seed spread cancels in the per-pair
/// log ratio d_k = log(c_k / b_k) and only what the patch changes remains.
///
/// - Test: two-sided Wilcoxon signed-rank test of the d_k against zero, exact
///   sign-flip distribution, Pratt's zeros, mid-ranks for ties (`Statistics.signedRank`).
/// - Interval: the one-sample Hodges–Lehmann interval from the Walsh averages of the
///   d_k (the inversion of the signed-rank test), at the per-look level 1 − alpha/looks,
///   mapped back by exp(·) − 1.
/// - Effect: the median per-pair ratio − 1.
/// - A zero or negative value anywhere: additive differences c_k − b_k relative to
///   the base median, as the unpaired analysis does.
/// - Then the same rules as the unpaired gate (`settle`).
///
/// Identical pairs. In deterministic mode a patch that does not touch the measured
/// path gives bit-identical samples for every seed: all d_k = 0. The sign-flip
/// distribution then has nothing to flip, and the interval is [0, 0] exactly: under
/// the gate's shift model (the candidate's log value = the base's + θ + continuous
/// noise) an exact zero has probability zero for every θ ≠ 0. The gate therefore says
/// "unchanged" at the minimum trial count. What it cannot exclude is a patch that
/// changes only a fraction f of the seeds: n identical pairs miss it with probability
/// (1 − f)^n (8 pairs: 0.4 % for f = 1/2, 17 % for f = 1/5). Pairs that are only
/// partly identical take the ordinary path: their zeros are data (Pratt), and the
/// interval is bounded once n pairs can reach the level (2/2^n ≤ alpha per look).
extension AdaptiveGate {
    /// The complete pairs: both values finite. Pair k is (base[k], candidate[k]).
    static func completePairs(_ pairs: [(Double, Double)]) -> [(base: Double, candidate: Double)] {
        pairs.filter { $0.0.isFinite && $0.1.isFinite }.map { (base: $0.0, candidate: $0.1) }
    }

    /// Analyses pairs (base_k, candidate_k) that shared seed k, without deciding.
    /// Pairs with a non-finite value are dropped; nil when none is left.
    public func analyse(pairs: [(Double, Double)]) -> GateAnalysis? {
        let complete = Self.completePairs(pairs)
        let b = complete.map(\.base), c = complete.map(\.candidate)
        guard let baseMedian = Statistics.median(b), let candidateMedian = Statistics.median(c) else { return nil }
        let alpha = config.alphaPerLook
        let differences: [Double]
        var effect: Double, lower: Double, upper: Double, shift: Double
        if b.allSatisfy({ $0 > 0 }) && c.allSatisfy({ $0 > 0 }) {
            // Multiplicative model: c/b is exactly 1 for identical samples, so d_k = 0.
            differences = complete.map { log($0.candidate / $0.base) }
            let hl = Statistics.hodgesLehmannPaired(differences, alpha: alpha)
            effect = exp(Statistics.median(differences) ?? 0) - 1
            lower = hl.lower.isFinite ? exp(hl.lower) - 1 : -.infinity
            upper = hl.upper.isFinite ? exp(hl.upper) - 1 : .infinity
            shift = exp(hl.estimate) - 1
        } else {
            differences = complete.map { $0.candidate - $0.base }
            let hl = Statistics.hodgesLehmannPaired(differences, alpha: alpha)
            let median = Statistics.median(differences) ?? 0
            if baseMedian > 0 {
                // A zero or negative value (0 bit/s): additive shift relative to the base median.
                effect = median / baseMedian
                lower = hl.lower / baseMedian
                upper = hl.upper / baseMedian
                shift = hl.estimate / baseMedian
            } else {
                // No scale to be relative to: only identical pairs can settle.
                effect = baseMedian != 0 ? candidateMedian / baseMedian - 1 : (candidateMedian == 0 ? 0 : .infinity)
                let identical = differences.allSatisfy { $0 == 0 }
                lower = identical ? 0 : -.infinity
                upper = identical ? 0 : .infinity
                shift = 0
            }
        }
        let test = Statistics.signedRank(differences)
        return GateAnalysis(baseCount: complete.count, candidateCount: complete.count, baseMedian: baseMedian,
                            candidateMedian: candidateMedian, effect: effect, lower: lower, upper: upper,
                            level: 1 - alpha, pValue: test.pValue, shift: shift, paired: true)
    }

    /// One look on paired trials: a verdict, or how many more seeds to run. A
    /// `.needMore` asks for the same number of new seeds on both sides (trial k of each
    /// side runs seed k); the caller keeps base[k] and candidate[k] on the same seed.
    public func decide(pairs: [(Double, Double)]) -> Decision {
        let n = Self.completePairs(pairs).count
        let minimum = config.minTrials
        if n < minimum {
            let analysis = n >= 2 ? analyse(pairs: pairs) : nil
            return .needMore(baseTrials: minimum - n, candidateTrials: minimum - n, analysis: analysis)
        }
        guard let a = analyse(pairs: pairs) else {
            return .needMore(baseTrials: minimum, candidateTrials: minimum, analysis: nil)
        }
        return settle(a, base: n, candidate: n)
    }
}
