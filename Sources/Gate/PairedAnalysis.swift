import Foundation

/// The paired side of the statistics: the Wilcoxon signed-rank test on per-pair
/// differences and the Hodges–Lehmann interval from Walsh averages (its inversion).
///
/// Zeros and ties follow Pratt (1959): |d| is ranked over all pairs, zeros included,
/// with mid-ranks for ties; a zero's rank is then dropped (it counts neither way).
/// The null distribution is the exact sign-flip distribution of the observed ranks
/// (each non-zero difference positive or negative with probability ½), so ties and
/// zeros need no approximation while at most `signedRankExactLimit` differences are
/// non-zero; beyond it, the normal approximation with the same ranks.
extension Statistics {
    /// Largest number of non-zero differences for which the exact distribution is used
    /// (its counts sum to 2^k, exact in Double for k ≤ 53).
    public static let signedRankExactLimit = 50

    /// The exact null distribution of W+ for n untied, non-zero differences:
    /// counts[w] = number of sign patterns giving W+ = w, the coefficients of
    /// ∏_{i=1..n} (1 + q^i). They sum to 2^n.
    public static func signedRankCounts(_ n: Int) -> [Double] {
        let top = max(0, n * (n + 1) / 2)
        var poly = [Double](repeating: 0, count: top + 1)
        poly[0] = 1
        guard n > 0 else { return poly }
        var reach = 0
        for i in 1...n {
            reach += i
            for w in stride(from: reach, through: i, by: -1) { poly[w] += poly[w - i] }
        }
        return poly
    }

    /// The Wilcoxon signed-rank test of the differences against zero.
    public struct SignedRankTest: Sendable, Equatable {
        /// W+: the sum of the (mid-)ranks of |d| over the positive differences.
        public var wPlus: Double
        /// Two-sided p-value; 1 when every difference is zero.
        public var pValue: Double
        /// True when the exact sign-flip distribution was used.
        public var exact: Bool
        /// Differences that were not zero (the ones whose sign is tested).
        public var nonZero: Int
    }

    /// Two-sided Wilcoxon signed-rank test with Pratt's zeros and mid-ranks for ties.
    public static func signedRank(_ differences: [Double]) -> SignedRankTest {
        let d = differences.filter { !$0.isNaN }
        let order = d.indices.sorted { abs(d[$0]) < abs(d[$1]) }
        // Doubled mid-ranks are integers: the exact distribution runs on integers.
        var doubledRank = [Int](repeating: 0, count: d.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && abs(d[order[j + 1]]) == abs(d[order[i]]) { j += 1 }
            for k in i...j { doubledRank[order[k]] = i + j + 2 }
            i = j + 1
        }
        let ranks = d.indices.filter { d[$0] != 0 }.map { doubledRank[$0] }
        let w2 = d.indices.filter { d[$0] > 0 }.reduce(0) { $0 + doubledRank[$1] }
        let wPlus = Double(w2) / 2
        guard !ranks.isEmpty else { return SignedRankTest(wPlus: 0, pValue: 1, exact: true, nonZero: 0) }
        if ranks.count <= signedRankExactLimit {
            let total = ranks.reduce(0, +)
            var counts = [Double](repeating: 0, count: total + 1)
            counts[0] = 1
            var reach = 0
            for r in ranks {
                reach += r
                for w in stride(from: reach, through: r, by: -1) { counts[w] += counts[w - r] }
            }
            let all = pow(2, Double(ranks.count))
            let lowerTail = counts[0...w2].reduce(0, +) / all
            let upperTail = counts[w2...].reduce(0, +) / all
            return SignedRankTest(wPlus: wPlus, pValue: min(1, 2 * min(lowerTail, upperTail)), exact: true,
                                  nonZero: ranks.count)
        }
        let mean = Double(ranks.reduce(0, +)) / 4
        let variance = ranks.reduce(0.0) { $0 + Double($1 * $1) } / 16
        let deviation = max(0, abs(wPlus - mean) - 0.5)
        let p = variance > 0 ? 2 * (1 - normalCDF(deviation / variance.squareRoot())) : 1
        return SignedRankTest(wPlus: wPlus, pValue: min(1, p), exact: false, nonZero: ranks.count)
    }

    /// The number c of Walsh averages cut from each end for a two-sided (1 − alpha)
    /// interval from n differences: the largest c with P(W+ ≤ c − 1) ≤ alpha/2.
    /// Zero means the interval is unbounded: n pairs cannot reach this level, as the
    /// smallest two-sided p-value of n pairs is 2/2^n.
    public static func walshCut(_ n: Int, alpha: Double) -> Int {
        guard n > 0 else { return 0 }
        let walsh = n * (n + 1) / 2
        if n <= signedRankExactLimit {
            return lowerCut(signedRankCounts(n), total: pow(2, Double(n)), alpha: alpha, cap: walsh / 2)
        }
        let sigma = (Double(n) * Double(n + 1) * Double(2 * n + 1) / 24).squareRoot()
        let cut = (Double(walsh) / 2 + 0.5 - normalQuantile(1 - alpha / 2) * sigma).rounded(.down)
        guard cut.isFinite, cut >= 0 else { return 0 }
        return min(Int(cut), walsh / 2)
    }

    /// The one-sample Hodges–Lehmann estimate (median of the Walsh averages
    /// (d_i + d_j)/2, i ≤ j) and its distribution-free (1 − alpha) interval, the
    /// c-th smallest and c-th largest Walsh average. Bounds are ±infinity when the
    /// pairs are too few for the level, except that differences which are all exactly
    /// zero (identical pairs) give the interval [0, 0]: see `AdaptiveGate.analyse(pairs:)`.
    public static func hodgesLehmannPaired(_ differences: [Double], alpha: Double)
        -> (estimate: Double, lower: Double, upper: Double) {
        let d = differences.filter(\.isFinite)
        guard !d.isEmpty else { return (0, -.infinity, .infinity) }
        if d.allSatisfy({ $0 == 0 }) { return (0, 0, 0) }
        var walsh: [Double] = []
        walsh.reserveCapacity(d.count * (d.count + 1) / 2)
        for i in d.indices { for j in i..<d.count { walsh.append((d[i] + d[j]) / 2) } }
        walsh.sort()
        let count = walsh.count
        let estimate = count % 2 == 1 ? walsh[count / 2] : (walsh[count / 2 - 1] + walsh[count / 2]) / 2
        let cut = walshCut(d.count, alpha: alpha)
        guard cut >= 1 else { return (estimate, -.infinity, .infinity) }
        return (estimate, walsh[cut - 1], walsh[count - cut])
    }
}

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
        let effect: Double, lower: Double, upper: Double, shift: Double
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
