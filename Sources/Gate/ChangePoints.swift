import Foundation

/// Change points in a series of nights (one value per night: its median), by
/// E-divisive means (Matteson & James 2014, "A nonparametric approach for multiple
/// change point analysis of multivariate data", with distance exponent α = 1), the
/// method of MongoDB's `signal-processing-algorithms`: hierarchical binary
/// segmentation by the energy statistic Q̂, each new change point accepted by a
/// permutation test. docs/DESIGN.md ("Trend") states the parameters and the
/// deterministic rule; docs/gate-statistics.md has the simulation.
public enum ChangePoints {
    /// How a change point is accepted.
    public enum Significance: Sendable, Equatable, Codable {
        /// Noisy nights: permutation test, `permutations` shuffles within the
        /// current segments, accepted when p = (#{Q̂ perm ≥ Q̂} + 1) / (R + 1) ≤ alpha.
        case permutation(alpha: Double, permutations: Int, seed: UInt64)
        /// Deterministic nights (a revision repeats its value exactly): accepted when the
        /// medians of the two sides differ by more than `threshold` (the gate's).
        case threshold(Double)
    }

    public struct Parameters: Sendable, Equatable, Codable {
        public var significance: Significance
        /// Fewest nights on either side of a change point.
        public var minimumSegment: Int
        /// At most this many change points per series.
        public var maximumChanges: Int

        public init(significance: Significance, minimumSegment: Int, maximumChanges: Int = 8) {
            self.significance = significance
            self.minimumSegment = max(1, minimumSegment)
            self.maximumChanges = maximumChanges
        }

        /// Noisy nights: α = 0.01, 199 permutations, segments of at least 3 nights.
        public static func noisy(seed: UInt64 = 1) -> Parameters {
            Parameters(significance: .permutation(alpha: 0.01, permutations: 199, seed: seed), minimumSegment: 3)
        }

        /// Deterministic nights: a step beyond the gate's threshold; one night is a segment.
        public static func deterministic(threshold: Double) -> Parameters {
            Parameters(significance: .threshold(threshold), minimumSegment: 1)
        }

        /// One line for the reports.
        public var summary: String {
            switch significance {
            case .permutation(let alpha, let permutations, _):
                return "E-divisive means (Matteson & James 2014, distance exponent 1), permutation test: " +
                    "alpha \(alpha), \(permutations) permutations, at least \(minimumSegment) nights a segment"
            case .threshold(let t):
                return "E-divisive means (Matteson & James 2014, distance exponent 1) for the location; deterministic " +
                    "nights repeat exactly, so a split is a change when the two sides' medians differ by more than " +
                    "\(Double(Int((t * 1e4).rounded())) / 100) % (the gate's threshold), at least \(minimumSegment) night a segment"
            }
        }
    }

    /// One accepted change point: the first night of the new segment.
    public struct ChangePoint: Sendable, Equatable, Codable {
        /// Index of the first night after the change.
        public var index: Int
        /// The energy statistic Q̂ at the split.
        public var statistic: Double
        /// Permutation p-value (nil for the deterministic rule).
        public var pValue: Double?
        /// median(after) / median(before) − 1, over the adjacent segments.
        public var relativeChange: Double
    }

    /// Change points of `values` (in order), sorted by index.
    public static func detect(_ values: [Double], parameters: Parameters) -> [ChangePoint] {
        let n = values.count
        guard n >= 2 * parameters.minimumSegment, values.allSatisfy(\.isFinite) else { return [] }
        var cuts: [Int] = []   // accepted change points (indices), kept sorted
        var found: [(index: Int, statistic: Double, p: Double?)] = []
        var rng: SeededGenerator?
        if case .permutation(_, _, let seed) = parameters.significance { rng = SeededGenerator(seed: seed) }
        while found.count < parameters.maximumChanges {
            let bounds = segments(n: n, cuts: cuts)
            guard let best = bestSplit(values, segments: bounds, minimum: parameters.minimumSegment) else { break }
            let segment = bounds.first { $0.contains(best.index) && $0.lowerBound < best.index } ?? 0..<n
            switch parameters.significance {
            case .threshold(let t):
                let left = Statistics.median(Array(values[segment.lowerBound..<best.index])) ?? 0
                let right = Statistics.median(Array(values[best.index..<segment.upperBound])) ?? 0
                guard left != 0, abs(right / left - 1) > t else { return finish(found, values) }
                found.append((best.index, best.statistic, nil))
            case .permutation(let alpha, let permutations, _):
                var generator = rng ?? SeededGenerator(seed: 1)
                var exceed = 0
                var shuffled = values
                let limit = Int((alpha * Double(permutations + 1)).rounded(.down))
                for _ in 0..<permutations {
                    for s in bounds { shuffle(&shuffled, s, &generator) }
                    let q = bestSplit(shuffled, segments: bounds, minimum: parameters.minimumSegment)?.statistic ?? 0
                    if q >= best.statistic { exceed += 1 }
                    if exceed >= limit { break }   // p > alpha already: stop early
                }
                rng = generator
                let p = Double(exceed + 1) / Double(permutations + 1)
                guard p <= alpha else { return finish(found, values) }
                found.append((best.index, best.statistic, p))
            }
            cuts.append(best.index)
            cuts.sort()
        }
        return finish(found, values)
    }

    /// Sorts the accepted points and measures each step over its adjacent segments.
    private static func finish(_ found: [(index: Int, statistic: Double, p: Double?)], _ values: [Double]) -> [ChangePoint] {
        let cuts = found.map(\.index).sorted()
        return found.sorted { $0.index < $1.index }.map { f in
            let before = cuts.last { $0 < f.index } ?? 0
            let after = cuts.first { $0 > f.index } ?? values.count
            let left = Statistics.median(Array(values[before..<f.index])) ?? 0
            let right = Statistics.median(Array(values[f.index..<after])) ?? 0
            return ChangePoint(index: f.index, statistic: f.statistic, pValue: f.p,
                               relativeChange: left == 0 ? 0 : right / left - 1)
        }
    }

    static func segments(n: Int, cuts: [Int]) -> [Range<Int>] {
        let edges = [0] + cuts + [n]
        return zip(edges, edges.dropFirst()).map { $0..<$1 }
    }

    private static func shuffle(_ values: inout [Double], _ range: Range<Int>, _ rng: inout SeededGenerator) {
        guard range.count > 1 else { return }
        for i in stride(from: range.upperBound - 1, to: range.lowerBound, by: -1) {
            let j = range.lowerBound + Int(rng.next() % UInt64(i - range.lowerBound + 1))
            values.swapAt(i, j)
        }
    }

    /// The split with the largest Q̂ over every segment.
    static func bestSplit(_ values: [Double], segments: [Range<Int>], minimum: Int) -> (index: Int, statistic: Double)? {
        var best: (index: Int, statistic: Double)?
        for segment in segments {
            guard let s = bestSplit(values, in: segment, minimum: minimum) else { continue }
            if best == nil || s.statistic > (best?.statistic ?? 0) { best = s }
        }
        return best
    }

    /// Q̂(τ) = m·n/(m+n) · (2/(mn) Σ|a−b| − mean_{pairs in A}|a−a'| − mean_{pairs in B}|b−b'|)
    /// for every τ in the segment, from the prefix sums of the distance matrix.
    static func bestSplit(_ values: [Double], in segment: Range<Int>, minimum: Int) -> (index: Int, statistic: Double)? {
        let y = Array(values[segment])
        let L = y.count
        guard L >= 2 * minimum else { return nil }
        // S[i][j] = Σ_{a<i, b<j} |y_a − y_b|, (L+1)×(L+1) row-major.
        let w = L + 1
        var S = [Double](repeating: 0, count: w * w)
        for i in 1...L {
            var row = 0.0
            for j in 1...L {
                row += abs(y[i - 1] - y[j - 1])
                S[i * w + j] = S[(i - 1) * w + j] + row
            }
        }
        let total = S[L * w + L]
        var best: (index: Int, statistic: Double)?
        for tau in minimum...(L - minimum) {
            let m = Double(tau), n = Double(L - tau)
            let cross = S[tau * w + L] - S[tau * w + tau]
            let withinA = S[tau * w + tau] / 2
            let withinB = (total - S[tau * w + L] - S[L * w + tau] + S[tau * w + tau]) / 2
            let pairsA = m * (m - 1) / 2, pairsB = n * (n - 1) / 2
            let e = 2 * cross / (m * n) - (pairsA > 0 ? withinA / pairsA : 0) - (pairsB > 0 ? withinB / pairsB : 0)
            let q = m * n / (m + n) * e
            if best == nil || q > (best?.statistic ?? 0) { best = (segment.lowerBound + tau, q) }
        }
        return best
    }
}
