import Foundation

/// Order statistics, the Mann–Whitney rank test and the Hodges–Lehmann interval.
/// Everything here is deterministic: no resampling, so a verdict can be reproduced
/// from its samples alone.
public enum Statistics {
    /// The median (mean of the two middle values for an even count); nil when empty.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// A distribution-free interval of the median from order statistics: the widest
    /// [x_(k), x_(n+1-k)] with P(Bin(n, ½) ≤ k − 1) ≤ (1 − level)/2; min…max when n is too
    /// small for the level (fewer than 6 values at 95 %). nil when empty.
    public static func medianInterval(_ values: [Double], level: Double = 0.95) -> (lower: Double, upper: Double)? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let n = sorted.count
        var k = 1, cumulative = 0.0
        var term = pow(0.5, Double(n))   // P(Bin = 0)
        for j in 0..<(n / 2) {
            cumulative += term
            guard cumulative <= (1 - level) / 2 else { break }
            k = j + 1
            term *= Double(n - j) / Double(j + 1)
        }
        k = min(k - 1, (n - 1) / 2) + 1
        return (sorted[k - 1], sorted[n - k])
    }

    /// Sample standard deviation over the mean (n − 1 denominator); 0 for fewer than
    /// two values or a zero mean. The spread `kgate run` and `gate simulate` speak of.
    public static func coefficientOfVariation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        guard mean != 0 else { return 0 }
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        return variance.squareRoot() / abs(mean)
    }

    /// The standard normal CDF.
    public static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// The standard normal quantile (Acklam's rational approximation, refined by one
    /// Halley step; relative error below 1e-12 over (0, 1)); ±infinity at 0 and 1.
    public static func normalQuantile(_ p: Double) -> Double {
        if p.isNaN { return .nan }
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = normalCDF(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// Largest total sample count (m + n) for which the exact null distribution of U is used.
    public static let exactLimit = 50

    /// The exact null distribution of the Mann–Whitney U for group sizes m and n
    /// (no ties): counts[u] = number of rank arrangements giving U = u, the
    /// coefficients of the Gaussian binomial [m+n choose m]_q, built as
    /// ∏_{i=1..m} (1 − q^{n+i}) / (1 − q^i). Exact in Double while C(m+n, m) < 2^53.
    public static func mannWhitneyCounts(_ m: Int, _ n: Int) -> [Double] {
        let top = m * n
        var poly = [Double](repeating: 0, count: top + 1)
        poly[0] = 1
        guard m > 0, n > 0 else { return poly }
        for i in 1...m {
            let shift = n + i
            if shift <= top {
                for k in stride(from: top, through: shift, by: -1) { poly[k] -= poly[k - shift] }
            }
            if i <= top {
                for k in i...top { poly[k] += poly[k - i] }
            }
        }
        return poly
    }

    /// The Mann–Whitney test of `y` against `x`.
    public struct RankTest: Sendable, Equatable {
        /// U of y: the number of pairs (x_i, y_j) with y_j > x_i, ties counting one half.
        public var u: Double
        /// Two-sided p-value.
        public var pValue: Double
        /// True when the exact distribution was used (no ties, m + n ≤ exactLimit).
        public var exact: Bool
    }

    /// Two-sided Mann–Whitney U test: exact for small samples without ties, else the
    /// normal approximation with tie correction and continuity correction.
    public static func mannWhitney(_ x: [Double], _ y: [Double]) -> RankTest {
        let m = x.count, n = y.count
        guard m > 0, n > 0 else { return RankTest(u: 0, pValue: 1, exact: false) }
        var all = x.map { ($0, 0) } + y.map { ($0, 1) }
        all.sort { $0.0 < $1.0 }
        var rankSumY = 0.0
        var tieTerm = 0.0
        var i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
            let average = Double(i + j + 2) / 2
            for k in i...j where all[k].1 == 1 { rankSumY += average }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            i = j + 1
        }
        let u = rankSumY - Double(n * (n + 1)) / 2
        let mn = Double(m * n)
        if tieTerm == 0 && m + n <= exactLimit {
            let counts = mannWhitneyCounts(m, n)
            let total = counts.reduce(0, +)
            let ui = Int(u.rounded())
            let lowerTail = counts[0...ui].reduce(0, +) / total
            let upperTail = counts[ui...].reduce(0, +) / total
            return RankTest(u: u, pValue: min(1, 2 * min(lowerTail, upperTail)), exact: true)
        }
        let total = Double(m + n)
        let variance = mn / 12 * ((total + 1) - tieTerm / (total * (total - 1)))
        guard variance > 0 else { return RankTest(u: u, pValue: 1, exact: false) }
        let deviation = max(0, abs(u - mn / 2) - 0.5)
        let p = 2 * (1 - normalCDF(deviation / variance.squareRoot()))
        return RankTest(u: u, pValue: min(1, p), exact: false)
    }

    /// The number c of pairwise differences cut from each end for a two-sided
    /// The largest c (at most `cap`) with P(X ≤ c − 1) ≤ alpha/2 for a statistic
    /// whose null distribution has these counts out of `total`.
    static func lowerCut(_ counts: [Double], total: Double, alpha: Double, cap: Int) -> Int {
        var cumulative = 0.0
        var c = 0
        while c < counts.count {
            cumulative += counts[c]
            if cumulative / total > alpha / 2 { break }
            c += 1
        }
        return min(c, cap)
    }

    /// (1 − alpha) Hodges–Lehmann interval: the largest c with P(U ≤ c − 1) ≤ alpha/2.
    /// Zero means the interval is unbounded (too few samples for this level).
    public static func hodgesLehmannCut(_ m: Int, _ n: Int, alpha: Double) -> Int {
        guard m > 0, n > 0 else { return 0 }
        if m + n <= exactLimit {
            let counts = mannWhitneyCounts(m, n)
            return lowerCut(counts, total: counts.reduce(0, +), alpha: alpha, cap: m * n / 2)
        }
        let mn = Double(m * n)
        let sigma = (mn * Double(m + n + 1) / 12).squareRoot()
        let z = normalQuantile(1 - alpha / 2)
        let cut = (mn / 2 + 0.5 - z * sigma).rounded(.down)
        guard cut.isFinite, cut >= 0 else { return 0 }
        return min(Int(cut), m * n / 2)
    }

    /// Hodges–Lehmann shift estimate (median of all y_j − x_i) and its distribution-free
    /// (1 − alpha) interval from the Mann–Whitney distribution. Bounds are ±infinity
    /// when the samples are too few for the level.
    public static func hodgesLehmann(_ x: [Double], _ y: [Double], alpha: Double)
        -> (estimate: Double, lower: Double, upper: Double) {
        var diffs: [Double] = []
        diffs.reserveCapacity(x.count * y.count)
        for b in x { for c in y { diffs.append(c - b) } }
        guard !diffs.isEmpty else { return (0, -.infinity, .infinity) }
        diffs.sort()
        let count = diffs.count
        let estimate = count % 2 == 1 ? diffs[count / 2] : (diffs[count / 2 - 1] + diffs[count / 2]) / 2
        let cut = hodgesLehmannCut(x.count, y.count, alpha: alpha)
        guard cut >= 1 else { return (estimate, -.infinity, .infinity) }
        return (estimate, diffs[cut - 1], diffs[count - cut])
    }
}
