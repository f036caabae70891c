import Foundation
import Gate
import KGateCore

/// How one bisection step measured.
public enum StepClass: String, Sendable, Codable {
    case good, bad, skip
}

/// Classifies a revision's samples against the good and the bad endpoint's:
/// it is good when its whole confidence interval (relative to good) lies on
/// the good side of the midpoint between the endpoints, bad when it lies on
/// the bad side, and unclear otherwise (the caller adds trials, then skips).
public struct BisectClassifier: Sendable {
    public var gate: GateConfig
    public var good: [Double]
    public var bad: [Double]

    public init(gate: GateConfig, good: [Double], bad: [Double]) {
        self.gate = gate
        self.good = good
        self.bad = bad
    }

    /// The endpoints' verdict: bisecting needs `bad` to be a regression of `good`.
    public func endpoints() -> Decision {
        AdaptiveGate(gate).decide(base: good, candidate: bad)
    }

    /// The bad endpoint's effect relative to good (e.g. −0.10 for a 10 % loss).
    public var badEffect: Double {
        guard let g = Statistics.median(good), let b = Statistics.median(bad), g != 0 else { return 0 }
        return b / g - 1
    }

    public struct Result: Sendable, Equatable {
        public var classification: StepClass?
        public var median: Double?
        public var reason: String
    }

    /// nil classification: unclear with these samples.
    public func classify(_ values: [Double]) -> Result {
        let median = Statistics.median(values)
        guard values.count >= 2, let a = AdaptiveGate(gate).analyse(base: good, candidate: values) else {
            return Result(classification: nil, median: median, reason: "too few trials")
        }
        let midpoint = badEffect / 2
        let interval = "\(Format.percent(a.effect)) [\(Format.percent(a.lower)), \(Format.percent(a.upper))] vs good"
        // badEffect < 0 for throughput losses, > 0 for latency increases: "bad side" follows its sign.
        let towardsBad: (Double) -> Bool = { self.badEffect < 0 ? $0 < midpoint : $0 > midpoint }
        if !towardsBad(a.lower) && !towardsBad(a.upper) {
            return Result(classification: .good, median: median,
                          reason: "\(interval): on the good side of the midpoint \(Format.percent(midpoint))")
        }
        if towardsBad(a.lower) && towardsBad(a.upper) {
            return Result(classification: .bad, median: median,
                          reason: "\(interval): on the bad side of the midpoint \(Format.percent(midpoint))")
        }
        return Result(classification: nil, median: median, reason: "\(interval) straddles the midpoint \(Format.percent(midpoint))")
    }
}
