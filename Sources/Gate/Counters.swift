import Foundation
import KGateCore

/// A counter (per-trial delta) that moved between base and candidate: a likely
/// explanation of a throughput change ("TcpExt.TCPMemoryPressures 0 → 1,234").
public struct CounterChange: Sendable, Codable, Equatable {
    public var name: String
    public var baseMedian: Double
    public var candidateMedian: Double
    /// Fraction of (base, candidate) trial pairs where the candidate is higher (ties
    /// count one half): 1 means every candidate trial is above every base trial.
    public var superiority: Double

    public init(name: String, baseMedian: Double, candidateMedian: Double, superiority: Double) {
        self.name = name
        self.baseMedian = baseMedian
        self.candidateMedian = candidateMedian
        self.superiority = superiority
    }

    /// "TcpExt.TCPMemoryPressures 0 → 1,234".
    public var summary: String {
        "\(name) \(Format.number(baseMedian)) → \(Format.number(candidateMedian))"
    }
}

/// When a counter's move counts as real rather than noise.
public struct CounterRule: Sendable, Codable, Equatable {
    /// |median change| / max(|base median|, 1) must reach this (0.5 = 50 %).
    public var minRelative: Double
    /// |median change| must reach this many events.
    public var minAbsolute: Double
    /// The move must be consistent across trials: superiority ≥ this (or ≤ 1 − this).
    public var minConsistency: Double
    /// Trials per side needed before a counter is judged at all.
    public var minTrials: Int
    /// At most this many changes are reported (largest relative change first).
    public var limit: Int
    /// Counters reported first whenever a trial measured them, moved or not, in this
    /// order (a workload's `evidence`: what proves its mechanism); not counted in `limit`.
    public var pinned: [String]

    public init(minRelative: Double = 0.5, minAbsolute: Double = 10, minConsistency: Double = 0.9,
                minTrials: Int = 3, limit: Int = 8, pinned: [String] = []) {
        self.pinned = pinned
        self.minRelative = minRelative
        self.minAbsolute = minAbsolute
        self.minConsistency = minConsistency
        self.minTrials = minTrials
        self.limit = limit
    }

    public static let standard = CounterRule()
}

public enum CounterExplainer {
    /// Counters that moved between base and candidate trials. A counter missing
    /// from a trial counts as zero there (monitors omit counters that did not move).
    public static func changes(base: [[String: Double]], candidate: [[String: Double]],
                               rule: CounterRule = .standard) -> [CounterChange] {
        guard base.count >= rule.minTrials, candidate.count >= rule.minTrials else { return [] }
        var names = Set<String>()
        for trial in base + candidate { names.formUnion(trial.keys) }
        var found: [(CounterChange, Double)] = []
        for name in names.sorted() {
            let b = values(name, base), c = values(name, candidate)
            guard let bm = Statistics.median(b), let cm = Statistics.median(c) else { continue }
            let delta = abs(cm - bm)
            let relative = delta / max(abs(bm), 1)
            guard delta >= rule.minAbsolute, relative >= rule.minRelative else { continue }
            let superiority = superiority(b, c)
            guard superiority >= rule.minConsistency || superiority <= 1 - rule.minConsistency else { continue }
            found.append((CounterChange(name: name, baseMedian: bm, candidateMedian: cm, superiority: superiority), relative))
        }
        let moved = found.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.name < $1.0.name }
            .filter { !rule.pinned.contains($0.0.name) }.prefix(rule.limit).map(\.0)
        return pinned(base: base, candidate: candidate, rule.pinned, names) + moved
    }
}

extension CounterExplainer {
    static func pinned(base: [[String: Double]], candidate: [[String: Double]], _ pinned: [String],
                       _ names: Set<String>) -> [CounterChange] {
        var out: [CounterChange] = []
        for name in pinned where names.contains(name) && !out.contains(where: { $0.name == name }) {
            let b = values(name, base), c = values(name, candidate)
            guard let bm = Statistics.median(b), let cm = Statistics.median(c) else { continue }
            out.append(CounterChange(name: name, baseMedian: bm, candidateMedian: cm, superiority: superiority(b, c)))
        }
        return out
    }

    /// One counter's finite values across trials (a trial without it counts as zero).
    static func values(_ name: String, _ trials: [[String: Double]]) -> [Double] {
        trials.map { $0[name] ?? 0 }.filter(\.isFinite)
    }

    /// Fraction of (base, candidate) pairs where the candidate is higher, ties one half.
    static func superiority(_ b: [Double], _ c: [Double]) -> Double {
        var wins = 0.0
        for x in b { for y in c { wins += y > x ? 1 : (y == x ? 0.5 : 0) } }
        return wins / Double(max(1, b.count * c.count))
    }
}

/// The gate's answer for one workload metric, with the evidence the reports need.
public struct WorkloadVerdict: Sendable, Codable, Equatable {
    public var workload: String
    public var metric: String
    public var unit: String
    public var verdict: GateVerdict
    public var baseValues: [Double]
    public var candidateValues: [Double]
    public var counterChanges: [CounterChange]
    /// Paired (seeded) trials: the seed of each pair, in the order of the values.
    public var seeds: [UInt64]?

    public init(workload: String, metric: String, unit: String, verdict: GateVerdict,
                baseValues: [Double], candidateValues: [Double], counterChanges: [CounterChange],
                seeds: [UInt64]? = nil) {
        self.seeds = seeds
        self.workload = workload
        self.metric = metric
        self.unit = unit
        self.verdict = verdict
        self.baseValues = baseValues
        self.candidateValues = candidateValues
        self.counterChanges = counterChanges
    }
}
