import Foundation
import KGateCore

/// How the gate decides for one workload metric. The pipeline fills one per workload.
public struct GateConfig: Sendable, Codable, Equatable {
    /// Smallest relative change that matters (0.02 = 2 %).
    public var threshold: Double
    /// Which way is better.
    public var direction: MetricDirection
    /// Trials per side before the first decision.
    public var minTrials: Int
    /// Trials per side at which the gate stops and says inconclusive.
    public var maxTrials: Int
    /// Trials added per side when more are needed.
    public var step: Int
    /// Family-wise false-alarm rate over all looks of one comparison. Each look uses
    /// alpha / looks (Bonferroni), so adding trials cannot inflate false alarms.
    public var alpha: Double

    public init(threshold: Double, direction: MetricDirection = .higherIsBetter, minTrials: Int = 8,
                maxTrials: Int = 32, step: Int = 4, alpha: Double = 0.01) {
        self.threshold = threshold
        self.direction = direction
        self.minTrials = minTrials
        self.maxTrials = maxTrials
        self.step = step
        self.alpha = alpha
    }

    /// The default threshold: 2 % in deterministic mode, 5 % in real-time modes
    /// (docs/DESIGN.md, "The gate"). `auto` resolves to deterministic on the runners we know.
    public static func defaultThreshold(for mode: MeasurementMode) -> Double {
        mode.isRealTime ? 0.05 : 0.02
    }

    /// Defaults for a measurement mode and metric direction.
    public static func defaults(for mode: MeasurementMode, direction: MetricDirection = .higherIsBetter) -> GateConfig {
        GateConfig(threshold: defaultThreshold(for: mode), direction: direction)
    }

    /// The number of decision points from minTrials to maxTrials.
    public var looks: Int {
        let span = max(0, maxTrials - minTrials)
        let stepSize = max(1, step)
        return 1 + (span + stepSize - 1) / stepSize
    }

    /// The per-look significance level and interval level (1 − alphaPerLook).
    public var alphaPerLook: Double { alpha / Double(looks) }

    /// Checks the configuration makes sense (from a pipeline file: untrusted).
    public func validate(location: String? = nil) throws {
        func bad(_ what: String) -> KGateError {
            KGateError.usage("gate configuration: \(what)", location: location,
                             fix: "threshold in (0, 1), 2 ≤ minTrials ≤ maxTrials ≤ 1000, step ≥ 1, alpha in (0, 0.5)")
        }
        guard threshold > 0 && threshold < 1 else { throw bad("threshold \(threshold) is not in (0, 1)") }
        guard minTrials >= 2 else { throw bad("minTrials \(minTrials) < 2") }
        guard maxTrials >= minTrials && maxTrials <= 1000 else { throw bad("maxTrials \(maxTrials) not in [minTrials, 1000]") }
        guard step >= 1 else { throw bad("step \(step) < 1") }
        guard alpha > 0 && alpha < 0.5 else { throw bad("alpha \(alpha) not in (0, 0.5)") }
    }
}

/// The four outcomes (Chromium Pinpoint's different/same/need-more, with direction).
public enum GateOutcome: String, Sendable, Codable, CaseIterable {
    case regression, improvement, unchanged, inconclusive

    /// The overall outcome of a run: any regression wins, then any inconclusive.
    public static func overall(_ outcomes: [GateOutcome]) -> GateOutcome {
        if outcomes.contains(.regression) { return .regression }
        if outcomes.contains(.inconclusive) { return .inconclusive }
        if outcomes.contains(.improvement) { return .improvement }
        return .unchanged
    }

    /// The exit code of `kgate check`/`nightly` for this overall outcome.
    public var exitCode: Int32 {
        switch self {
        case .regression: return KGateExitCode.regression
        case .inconclusive: return KGateExitCode.inconclusive
        case .improvement, .unchanged: return KGateExitCode.pass
        }
    }
}

/// The numbers behind a decision.
public struct GateAnalysis: Sendable, Codable, Equatable {
    public var baseCount: Int
    public var candidateCount: Int
    public var baseMedian: Double
    public var candidateMedian: Double
    /// Unpaired: median(candidate) / median(base) − 1. Paired: the median of the
    /// per-pair ratios candidate_k / base_k, minus 1.
    public var effect: Double
    /// Confidence interval of the relative change (Hodges–Lehmann on log ratios,
    /// mapped back by exp(·) − 1; paired: from the Walsh averages of the per-pair log
    /// ratios); ±infinity when too few trials for the level.
    public var lower: Double
    public var upper: Double
    /// Confidence level of the interval (e.g. 0.99857).
    public var level: Double
    /// Two-sided p-value: Mann–Whitney (unpaired) or Wilcoxon signed-rank (paired).
    public var pValue: Double
    /// Hodges–Lehmann relative shift (robust companion of `effect`).
    public var shift: Double
    /// True when trial k of base and of candidate shared seed k and the analysis
    /// used the per-pair ratios. Absent in JSON written before pairing (= false) and
    /// omitted when false, so unpaired reports encode exactly as before.
    public var paired: Bool

    public init(baseCount: Int, candidateCount: Int, baseMedian: Double, candidateMedian: Double, effect: Double,
                lower: Double, upper: Double, level: Double, pValue: Double, shift: Double, paired: Bool = false) {
        self.baseCount = baseCount
        self.candidateCount = candidateCount
        self.baseMedian = baseMedian
        self.candidateMedian = candidateMedian
        self.effect = effect
        self.lower = lower
        self.upper = upper
        self.level = level
        self.pValue = pValue
        self.shift = shift
        self.paired = paired
    }

    // JSON has no infinity: encode unbounded interval ends as null.
    enum CodingKeys: String, CodingKey {
        case baseCount, candidateCount, baseMedian, candidateMedian, effect, lower, upper, level, pValue, shift, paired
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baseCount = try c.decode(Int.self, forKey: .baseCount)
        candidateCount = try c.decode(Int.self, forKey: .candidateCount)
        baseMedian = try c.decode(Double.self, forKey: .baseMedian)
        candidateMedian = try c.decode(Double.self, forKey: .candidateMedian)
        effect = try c.decode(Double.self, forKey: .effect)
        lower = try c.decodeIfPresent(Double.self, forKey: .lower) ?? -.infinity
        upper = try c.decodeIfPresent(Double.self, forKey: .upper) ?? .infinity
        level = try c.decode(Double.self, forKey: .level)
        pValue = try c.decode(Double.self, forKey: .pValue)
        shift = try c.decode(Double.self, forKey: .shift)
        paired = try c.decodeIfPresent(Bool.self, forKey: .paired) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(baseCount, forKey: .baseCount)
        try c.encode(candidateCount, forKey: .candidateCount)
        try c.encode(baseMedian, forKey: .baseMedian)
        try c.encode(candidateMedian, forKey: .candidateMedian)
        try c.encode(effect, forKey: .effect)
        try c.encode(lower.isFinite ? lower : nil, forKey: .lower)
        try c.encode(upper.isFinite ? upper : nil, forKey: .upper)
        try c.encode(level, forKey: .level)
        try c.encode(pValue, forKey: .pValue)
        try c.encode(shift, forKey: .shift)
        if paired { try c.encode(paired, forKey: .paired) }
    }
}

/// A settled decision for one workload metric.
public struct GateVerdict: Sendable, Codable, Equatable {
    public var outcome: GateOutcome
    public var analysis: GateAnalysis
    public var threshold: Double
    public var direction: MetricDirection
    /// One sentence: why this outcome.
    public var reason: String

    public init(outcome: GateOutcome, analysis: GateAnalysis, threshold: Double, direction: MetricDirection, reason: String) {
        self.outcome = outcome
        self.analysis = analysis
        self.threshold = threshold
        self.direction = direction
        self.reason = reason
    }
}

/// What the adaptive driver tells the pipeline after each look.
public enum Decision: Sendable, Equatable {
    case done(GateVerdict)
    /// Run this many more trials per side (interleaved base, candidate, …), then call again.
    /// `analysis` is nil before the minimum trial count is reached.
    case needMore(baseTrials: Int, candidateTrials: Int, analysis: GateAnalysis?)

    public var verdict: GateVerdict? {
        if case .done(let verdict) = self { return verdict }
        return nil
    }
}
