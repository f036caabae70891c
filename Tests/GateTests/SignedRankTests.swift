import Foundation
import Testing
import TestSupport
@testable import Gate

/// The signed-rank test and the Walsh-average interval against values counted by
/// hand, tabulated critical values, brute-force enumeration and simulated coverage.
@Suite(.tags(.unit)) struct SignedRankTests {
    /// ∏(1 + q^i) expanded by hand.
    @Test func exactDistributionSmallSizes() {
        #expect(Statistics.signedRankCounts(1) == [1, 1])
        #expect(Statistics.signedRankCounts(3) == [1, 1, 1, 2, 1, 1, 1])
        #expect(Statistics.signedRankCounts(4) == [1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1])
        #expect(Statistics.signedRankCounts(20).reduce(0, +) == 1_048_576)
    }

    /// Critical values T (largest w with P(W+ ≤ w) ≤ alpha/2) from the standard table of
    /// the Wilcoxon signed-rank statistic (Hollander, Wolfe & Chicken, Nonparametric
    /// Statistical Methods, Table A.4; the same values from scipy 1.17's exact
    /// distribution): the interval cuts T + 1 Walsh averages from each end.
    @Test(arguments: [(8, 0.05, 3), (10, 0.05, 8), (12, 0.05, 13), (15, 0.05, 25), (20, 0.05, 52),
                      (10, 0.01, 3), (20, 0.01, 37)])
    func tabulatedCriticalValues(n: Int, alpha: Double, critical: Int) {
        let counts = Statistics.signedRankCounts(n)
        let total = pow(2, Double(n))
        let atCritical = counts[0...critical].reduce(0, +) / total
        let beyond = counts[0...(critical + 1)].reduce(0, +) / total
        #expect(atCritical <= alpha / 2 && beyond > alpha / 2)
        #expect(Statistics.walshCut(n, alpha: alpha) == critical + 1)
    }

    /// Exact two-sided p-values: by hand, and equal to scipy.stats.wilcoxon(method="exact").
    @Test func exactPValues() {
        // W+ = 36 − 4 = 32; P(W+ ≥ 32) = P(W+ ≤ 4) = (1+1+1+2+2)/256 → p = 14/256.
        let a = Statistics.signedRank([1, 2, 3, -4, 5, 6, 7, 8])
        #expect(a.exact && a.wPlus == 32 && abs(a.pValue - 14.0 / 256) < 1e-15)
        // |d| all distinct; the negatives −0.7 and −1.2 have ranks 2 and 3: W− = 5, W+ = 50;
        // P(W+ ≤ 5) for n = 10 is (1+1+1+2+2+3)/1024 → p = 20/1024 (scipy: 0.01953125).
        let b = Statistics.signedRank([0.5, -1.2, 2.3, 3.1, -0.7, 4.4, 5.2, 6.9, 7.5, 8.8])
        #expect(b.exact && b.wPlus == 50 && abs(b.pValue - 20.0 / 1024) < 1e-15)
        // Every sign positive: the smallest p-value n pairs can give, 2/2^n.
        #expect(Statistics.signedRank((1...8).map(Double.init)).pValue == 2.0 / 256)
    }

    /// Pratt's zeros and mid-ranks for ties, enumerated by hand.
    @Test func zerosAndTiesByHand() {
        // |d| ranks 1 (the zero), 2, 3, 4; W+ = 2 + 4 = 6; sign flips of {2, 3, 4}:
        // sums 0, 2, 3, 4, 5, 6, 7, 9 → P(W+ ≥ 6) = 3/8 → p = 0.75.
        let zero = Statistics.signedRank([0, 1, -2, 3])
        #expect(zero.wPlus == 6 && zero.nonZero == 3 && zero.pValue == 0.75)
        // Mid-ranks 1.5, 1.5, 3.5, 3.5; W+ = 8.5; of the 16 flips, 3 reach ≥ 8.5 → p = 6/16.
        let ties = Statistics.signedRank([1, -1, 2, 2])
        #expect(ties.wPlus == 8.5 && ties.pValue == 0.375)
        let identical = Statistics.signedRank([0, 0, 0, 0, 0, 0, 0, 0])
        #expect(identical.pValue == 1 && identical.nonZero == 0)
    }

    /// The DP equals brute-force enumeration of all sign flips, ties and zeros included.
    @Test func exactDistributionMatchesEnumeration() {
        var rng = SeededGenerator(seed: 41)
        for _ in 0..<40 {
            let n = 3 + Int(rng.next() % 10)
            // Small integers: many ties and zeros.
            let d = (0..<n).map { _ in Double(Int(rng.next() % 7) - 3) }
            let test = Statistics.signedRank(d)
            let magnitudes = d.map(abs)
            let ranks = magnitudes.map { m in
                Double(magnitudes.filter { $0 < m }.count) + Double(magnitudes.filter { $0 == m }.count + 1) / 2
            }
            let nonZero = d.indices.filter { d[$0] != 0 }
            var low = 0, high = 0
            for mask in 0..<(1 << nonZero.count) {
                var w = 0.0
                for (bit, index) in nonZero.enumerated() where mask & (1 << bit) != 0 { w += ranks[index] }
                if w <= test.wPlus { low += 1 }
                if w >= test.wPlus { high += 1 }
            }
            let all = Double(1 << nonZero.count)
            let expected = min(1, 2 * Double(min(low, high)) / all)
            #expect(abs(test.pValue - expected) < 1e-12, "\(d)")
        }
    }

    /// Beyond 50 non-zero differences: the normal approximation, within 10 % of the
    /// exact tail (from ∏(1 + q^i), no ties here) at p ≈ 0.007 and p ≈ 0.9 (further out,
    /// near p = 1e-5, it is off by a factor 2, which is why small samples are exact).
    @Test func largeSamplesUseTheNormalApproximation() {
        let counts = Statistics.signedRankCounts(80)
        let total = counts.reduce(0, +)
        for negativeEvery in [3, 2] {
            let d = (1...80).map { Double($0) * ($0 % negativeEvery == 0 ? -1 : 1) }
            let test = Statistics.signedRank(d)
            let w = Int(test.wPlus)
            let exact = min(1, 2 * min(counts[0...w].reduce(0, +), counts[w...].reduce(0, +)) / total)
            #expect(!test.exact && abs(test.pValue - exact) < 0.1 * exact, "\(test.pValue) vs \(exact)")
        }
    }

    /// Walsh averages by hand; too few pairs for the level give an unbounded interval.
    @Test func walshIntervalByHand() {
        // Walsh averages of 1, 2, 3: 1, 1.5, 2, 2, 2.5, 3; P(W+ ≤ 0) = 1/8 ≤ 0.125 → cut 1.
        let hl = Statistics.hodgesLehmannPaired([3, 1, 2], alpha: 0.25)
        #expect(hl.estimate == 2 && hl.lower == 1 && hl.upper == 3)
        // 8 pairs cannot reach 1 − 0.01/7: the smallest p-value is 2/256.
        #expect(Statistics.walshCut(8, alpha: 0.01 / 7) == 0)
        #expect(Statistics.hodgesLehmannPaired([1, 2, 3, 4, 5, 6, 7, 8], alpha: 0.01 / 7).lower == -.infinity)
        #expect(Statistics.walshCut(11, alpha: 0.01 / 7) == 1)
        // Identical pairs: the interval is exactly [0, 0] at any count.
        let identical = Statistics.hodgesLehmannPaired([0, 0], alpha: 0.01 / 7)
        #expect(identical.estimate == 0 && identical.lower == 0 && identical.upper == 0)
    }

    /// Coverage of the 95 % interval over 2000 seeded samples of 12 pairs with a true
    /// shift of 0.03 and symmetric, heavy-tailed (Laplace) noise. The exact coverage is
    /// 1 − 2·P(W+ ≤ 13) = 95.75 %; too narrow or too wide an interval leaves the band.
    @Test func intervalCoversTheTrueShift() {
        var rng = SeededGenerator(seed: 42)
        let shift = 0.03, runs = 2000
        var covered = 0
        for _ in 0..<runs {
            let d = (0..<12).map { _ in shift + 0.01 * log((1 - rng.uniform()) / (1 - rng.uniform())) }
            let hl = Statistics.hodgesLehmannPaired(d, alpha: 0.05)
            if hl.lower <= shift && shift <= hl.upper { covered += 1 }
        }
        let coverage = Double(covered) / Double(runs)
        #expect(coverage >= 0.93 && coverage <= 0.98, "coverage \(coverage)")
    }
}
