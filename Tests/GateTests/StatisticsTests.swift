import Foundation
import Testing
import TestSupport
@testable import Gate

@Suite(.tags(.unit)) struct StatisticsTests {
    @Test func medianOddEvenEmpty() {
        #expect(Statistics.median([3, 1, 2]) == 2)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.median([]) == nil)
    }

    /// By hand: [9, 10, 11] has mean 10, sample sd 1, so cv 0.1; too few values or a zero mean give 0.
    @Test func coefficientOfVariationByHand() {
        #expect(abs(Statistics.coefficientOfVariation([9, 10, 11]) - 0.1) < 1e-12)
        #expect(abs(Statistics.coefficientOfVariation([2, 4]) - 2.0.squareRoot() / 3) < 1e-12)
        #expect(Statistics.coefficientOfVariation([5]) == 0 && Statistics.coefficientOfVariation([-1, 1]) == 0)
    }

    @Test func normalDistribution() {
        #expect(abs(Statistics.normalQuantile(0.975) - 1.959963984540054) < 1e-9)
        #expect(abs(Statistics.normalQuantile(0.001) + 3.090232306167813) < 1e-9)
        #expect(abs(Statistics.normalCDF(1.96) - 0.9750021048517795) < 1e-12)
        #expect(abs(Statistics.normalCDF(0) - 0.5) < 1e-15)
        #expect(Statistics.normalQuantile(1) == .infinity && Statistics.normalQuantile(0) == -.infinity)
        // An absurd level leaves the interval unbounded instead of crashing.
        #expect(Statistics.hodgesLehmannCut(40, 40, alpha: 0) == 0)
    }

    /// The null distribution of U counted by hand (all C(m+n, m) rank arrangements).
    @Test func exactDistributionSmallSizes() {
        #expect(Statistics.mannWhitneyCounts(2, 2) == [1, 1, 2, 1, 1])
        #expect(Statistics.mannWhitneyCounts(3, 3) == [1, 1, 2, 3, 3, 3, 3, 2, 1, 1])
        #expect(Statistics.mannWhitneyCounts(1, 4) == [1, 1, 1, 1, 1])
        // Totals are binomial coefficients: C(20, 10) = 184756, C(40, 20) = 137846528820.
        #expect(Statistics.mannWhitneyCounts(10, 10).reduce(0, +) == 184_756)
        #expect(Statistics.mannWhitneyCounts(20, 20).reduce(0, +) == 137_846_528_820)
    }

    /// Exact two-sided p-values computed by hand.
    @Test func exactPValuesByHand() {
        // Complete separation, 3 vs 3: U = 9, P(U ≥ 9) = 1/20 → p = 0.1.
        let a = Statistics.mannWhitney([1, 2, 3], [4, 5, 6])
        #expect(a.exact && a.u == 9 && abs(a.pValue - 0.1) < 1e-12)
        // Interleaved: U = 6, P(U ≥ 6) = (3+2+1+1)/20 → p = 0.7.
        let b = Statistics.mannWhitney([1, 3, 5], [2, 4, 6])
        #expect(b.exact && b.u == 6 && abs(b.pValue - 0.7) < 1e-12)
        // 4 vs 4 separated: p = 2/70.
        let c = Statistics.mannWhitney([1, 2, 3, 4], [5, 6, 7, 8])
        #expect(abs(c.pValue - 2.0 / 70) < 1e-12)
        // The other direction gives U = 0 and the same p.
        let d = Statistics.mannWhitney([5, 6, 7, 8], [1, 2, 3, 4])
        #expect(d.u == 0 && abs(d.pValue - 2.0 / 70) < 1e-12)
    }

    /// Ties force the normal approximation with tie and continuity correction:
    /// ranks 1.5,1.5,4,4,4,7,7,7 → U = 15, var = 16/12·(9 − 54/56), z = 6.5/√var.
    @Test func tiedNormalApproximationByHand() {
        let r = Statistics.mannWhitney([1, 1, 2, 2], [2, 3, 3, 3])
        #expect(!r.exact)
        #expect(r.u == 15)
        #expect(abs(r.pValue - 0.04705744628217288) < 1e-9)
    }

    @Test func allIdenticalValuesGiveP1() {
        let r = Statistics.mannWhitney([5, 5, 5, 5], [5, 5, 5, 5])
        #expect(r.pValue == 1)
        #expect(r.u == 8)
    }

    /// Published critical value: n1 = n2 = 8, two-sided 0.05 → reject when U ≤ 13,
    /// so the interval drops the 14 − 1 = 13 most extreme differences each side.
    @Test func hodgesLehmannCutMatchesTables() {
        #expect(Statistics.hodgesLehmannCut(8, 8, alpha: 0.05) == 14)
        // n1 = n2 = 10 at 0.05: critical U = 23.
        #expect(Statistics.hodgesLehmannCut(10, 10, alpha: 0.05) == 24)
        // Too few samples for the level: unbounded.
        #expect(Statistics.hodgesLehmannCut(3, 3, alpha: 0.01) == 0)
        // Normal approximation beyond the exact limit agrees within one with a large exact case.
        let exact = Statistics.hodgesLehmannCut(25, 25, alpha: 0.01)
        let mn = 625.0, sigma = (mn * 51 / 12).squareRoot()
        let approx = Int((mn / 2 + 0.5 - Statistics.normalQuantile(0.995) * sigma).rounded(.down))
        #expect(abs(exact - approx) <= 1)
    }

    /// Coverage of the Hodges–Lehmann interval on a known shift (normal data): the 95 %
    /// interval must contain the true shift in about 95 % of 2000 seeded draws.
    @Test func hodgesLehmannCoverageOnNormalData() {
        var rng = SeededGenerator(seed: 99)
        var covered = 0
        let trials = 2000
        for _ in 0..<trials {
            let x = (0..<10).map { _ in rng.normal() }
            let y = (0..<10).map { _ in 0.7 + rng.normal() }
            let hl = Statistics.hodgesLehmann(x, y, alpha: 0.05)
            if hl.lower <= 0.7 && 0.7 <= hl.upper { covered += 1 }
        }
        let rate = Double(covered) / Double(trials)
        #expect(rate > 0.93 && rate < 0.975, "coverage \(rate)")
    }

    @Test func generatorIsReproducibleAndUniform() {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5), c = SeededGenerator(seed: 6)
        let xa = (0..<5).map { _ in a.next() }, xb = (0..<5).map { _ in b.next() }, xc = (0..<5).map { _ in c.next() }
        #expect(xa == xb)
        #expect(xa != xc)
        var r = SeededGenerator(seed: 1)
        let normals = (0..<20000).map { _ in r.normal() }
        let mean = normals.reduce(0, +) / 20000
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 19999
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.04)
    }
}
