import Foundation
import Gate
import KGateCore

/// The nightly history as series (`kgate results trend`, docs/DESIGN.md "Trend"):
/// one per tree, pipeline, kernel configuration, measurement mode, workload and
/// metric, one point per night (its head's median), with change points.
public struct TrendDocument: Sendable, Codable, Equatable {
    public var tree: String?
    public var pipeline: String?
    public var workload: String?
    public var series: [TrendSeries]
}

public struct TrendSeries: Sendable, Codable, Equatable {
    public var tree: String
    public var pipeline: String
    public var configHash: String
    public var mode: String
    public var workload: String
    public var metric: String
    public var unit: String
    /// The change-point method and its parameters, in one sentence.
    public var method: String
    public var nights: [TrendNight]
    public var changePoints: [TrendChangePoint]
}

public struct TrendNight: Sendable, Codable, Equatable {
    public var run: Int64
    public var startedAt: Date
    public var head: String
    public var base: String?
    public var median: Double
    /// Distribution-free 95 % interval of the median (min…max below 6 trials).
    public var lower: Double
    public var upper: Double
    public var trials: Int
    /// The run and role whose samples these are: the night's own candidate, or, for a
    /// night that measured nothing (the first night, nothing landed), the run that
    /// measured the same head (the next night's base).
    public var measuredIn: Int64
    public var measuredAs: String
    /// The gate's outcome of this workload that night (nil when the night had no verdict).
    public var outcome: GateOutcome?
    /// ±threshold around the night's base median (nil without a verdict).
    public var bandLower: Double?
    public var bandUpper: Double?
    public var culprit: String?
    public var culpritSubject: String?
    /// The night's report, relative to trend.html.
    public var report: String
}

public struct TrendChangePoint: Sendable, Codable, Equatable {
    /// Index into `nights` of the first night after the change.
    public var index: Int
    public var run: Int64
    public var head: String
    public var relativeChange: Double
    public var statistic: Double
    public var pValue: Double?
}

public enum TrendBuilder {
    /// Where a night's report lies next to trend.html.
    public static func reportPath(run: Int64) -> String { "nights/run-\(run).html" }

    private struct Point {
        var report: RunReport
        var values: [Double]
        var unit: String
        var config: String
        var mode: String
        var measuredIn: Int64
        var role: TrialRole
        var verdict: WorkloadVerdict?
    }

    private struct Key: Hashable, Comparable {
        var tree: String, pipeline: String, config: String, mode: String, workload: String, metric: String
        static func < (a: Key, b: Key) -> Bool {
            [a.tree, a.pipeline, a.workload, a.metric, a.mode, a.config].lexicographicallyPrecedes(
                [b.tree, b.pipeline, b.workload, b.metric, b.mode, b.config])
        }
    }

    /// The series of `nights` (oldest first), optionally of one workload.
    public static func build(_ nights: [RunReport], tree: String? = nil, pipeline: String? = nil,
                             workload: String? = nil) -> TrendDocument {
        var points: [Key: [Point]] = [:]
        for night in nights {
            guard night.run.status == .finished, let head = night.run.candidateRevision else { continue }
            for m in measurements(of: head, night: night, in: nights) where workload == nil || m.workload == workload {
                let key = Key(tree: night.run.tree, pipeline: night.run.pipeline, config: m.point.config, mode: m.point.mode,
                              workload: m.workload, metric: m.metric)
                points[key, default: []].append(m.point)
            }
        }
        let all = points.keys.sorted().compactMap { key -> TrendSeries? in
            guard let list = points[key] else { return nil }
            return series(key, list)
        }
        return TrendDocument(tree: tree, pipeline: pipeline, workload: workload, series: all)
    }

    /// The samples of `head` per workload metric: the night's own candidate, else
    /// the nearest night that measured the same revision (as base or candidate).
    private static func measurements(of head: String, night: RunReport, in nights: [RunReport])
        -> [(workload: String, metric: String, point: Point)] {
        let sameLine = nights.filter { $0.run.tree == night.run.tree && $0.run.pipeline == night.run.pipeline }
        let own = night.workloads.filter { !$0.candidateValues.isEmpty }
        if !own.isEmpty { return own.map { ($0.workload, $0.metric, point(night, $0, role: .candidate, night: night)) } }
        let later = sameLine.filter { $0.run.id > night.run.id }
        let earlier = sameLine.filter { $0.run.id < night.run.id }.reversed()
        for other in later + earlier {
            let role: TrialRole
            if other.run.baseRevision == head { role = .base } else if other.run.candidateRevision == head { role = .candidate } else { continue }
            let found = other.workloads.filter { !(role == .base ? $0.baseValues : $0.candidateValues).isEmpty }
            if !found.isEmpty { return found.map { ($0.workload, $0.metric, point(other, $0, role: role, night: night)) } }
        }
        return []
    }

    private static func point(_ source: RunReport, _ w: WorkloadVerdict, role: TrialRole, night: RunReport) -> Point {
        let revision = role == .base ? source.run.baseRevision : source.run.candidateRevision
        let config = source.builds.first { $0.revision == revision && $0.succeeded }?.configHash
            ?? source.builds.first { $0.succeeded }?.configHash ?? "unknown"
        let mode = source.boots.first { $0.revision == revision && $0.succeeded }?.mode ?? source.run.mode
        return Point(report: night, values: role == .base ? w.baseValues : w.candidateValues, unit: w.unit, config: config,
                     mode: mode, measuredIn: source.run.id, role: role,
                     verdict: source.run.id == night.run.id ? w : nil)
    }

    private static func series(_ key: Key, _ points: [Point]) -> TrendSeries {
        let nights = points.map { p -> TrendNight in
            let median = Statistics.median(p.values) ?? 0
            let interval = Statistics.medianInterval(p.values) ?? (median, median)
            let culprit = p.report.commits.last { $0.role == "culprit" }
            let v = p.verdict?.verdict
            let t = v?.threshold
            return TrendNight(run: p.report.run.id, startedAt: p.report.run.startedAt, head: p.report.run.candidateRevision ?? "",
                              base: p.report.run.baseRevision, median: median, lower: interval.lower, upper: interval.upper,
                              trials: p.values.count, measuredIn: p.measuredIn, measuredAs: p.role.rawValue,
                              outcome: v?.outcome,
                              bandLower: t.flatMap { t in v.map { $0.analysis.baseMedian * (1 - t) } },
                              bandUpper: t.flatMap { t in v.map { $0.analysis.baseMedian * (1 + t) } },
                              culprit: culprit?.commit, culpritSubject: culprit?.subject,
                              report: reportPath(run: p.report.run.id))
        }
        let parameters = Self.parameters(mode: key.mode, points: points)
        let changes = ChangePoints.detect(nights.map(\.median), parameters: parameters).map { c in
            TrendChangePoint(index: c.index, run: nights[c.index].run, head: nights[c.index].head,
                             relativeChange: c.relativeChange, statistic: c.statistic, pValue: c.pValue)
        }
        return TrendSeries(tree: key.tree, pipeline: key.pipeline, configHash: key.config, mode: key.mode,
                           workload: key.workload, metric: key.metric, unit: points.first?.unit ?? "",
                           method: parameters.summary, nights: nights, changePoints: changes)
    }

    /// Deterministic nights repeat exactly: the gate's threshold decides a change
    /// (the latest verdict's, else the mode's default). Other modes: the permutation test.
    private static func parameters(mode: String, points: [Point]) -> ChangePoints.Parameters {
        guard mode == MeasurementMode.deterministic.rawValue else { return .noisy() }
        let threshold = points.compactMap { $0.verdict?.verdict.threshold }.last
            ?? GateConfig.defaults(for: .deterministic).threshold
        return .deterministic(threshold: threshold)
    }
}
