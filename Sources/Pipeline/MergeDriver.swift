import Foundation
import Gate
import KernelBuild
import KGateCore
import Results

/// The next wave an engine must run when the merged decision needs more
/// trials: `kgate check --artifacts DIR --shard K/N --trials FROM-TO --workload W…`.
public struct NextWave: Codable, Sendable, Equatable {
    public static let fileName = "next-wave.json"
    public var from: Int
    public var to: Int
    public var workloads: [String]
    /// The shard options of the wave, as engines pass them on: `--trials A-B --workload W …`.
    public var arguments: String

    public init(from: Int, to: Int, workloads: [String]) {
        self.from = from; self.to = to; self.workloads = workloads
        arguments = (["--trials", "\(from)-\(to)"] + workloads.flatMap { ["--workload", $0] }).joined(separator: " ")
    }

    public var trials: String { "\(from)-\(to)" }
}

public struct MergeOutcome: Sendable {
    public var exitCode: Int32
    public var run: Int64?
    public var verdicts: [WorkloadVerdict]
    public var nextWave: NextWave?
    public var summary: String
}

/// `kgate merge DIR…`: the shards' samples decided by the same gate as one
/// machine's check (pairs by seed, so the order shards ran in does not
/// matter), stored as one run and reported once. When a workload needs more
/// trials the merge stores nothing and returns the next wave (exit 3).
public struct MergeDriver: Sendable {
    public let paths: CachePaths
    public let console: Console

    public init(paths: CachePaths, console: Console = .shared) {
        self.paths = paths
        self.console = console
    }

    public func run(shardDirectories: [URL], pipeline: String?, reportDir: URL?) throws -> MergeOutcome {
        let clock = StageClock(console: console)
        let shards = try ShardSet.load(shardDirectories)
        let first = shards.results[0], manifest = first.manifest
        let spec = try PipelineLoader.load(pipeline)
        try spec.checkDigest(against: manifest)
        let workloads = try WorkloadPlan.resolve(spec, mode: .deterministic, only: shards.workloads)
        let base = shards.results.flatMap(\.base).sorted { $0.trial < $1.trial }
        let candidate = shards.results.flatMap(\.candidate).sorted { $0.trial < $1.trial }
        try shards.checkCoverage(workloads.map(\.spec.name))

        var verdicts: [WorkloadVerdict] = []
        var pending: [(String, Int)] = []
        if shards.failure == nil {
            for w in workloads {
                let name = w.spec.name
                let (decision, verdict) = AdaptiveGate(w.gate).decide(workload: name, metric: w.spec.metric.rawValue,
                                                                      base: base, candidate: candidate,
                                                                      counterRule: CounterRule(pinned: w.spec.evidence),
                                                                      pairing: spec.pairing)
                if let verdict { verdicts.append(verdict); continue }
                guard case .needMore(let moreBase, let moreCandidate, let analysis) = decision else { continue }
                let tried = shards.trialsMeasured(name)
                if tried >= w.gate.maxTrials {
                    verdicts.append(ABMeasurement.inconclusive(w, analysis: analysis, base: base, candidate: candidate))
                    continue
                }
                // As ABMeasurement: paired trials, both sides the larger request, never past the cap.
                pending.append((name, max(1, min(max(moreBase, moreCandidate), w.gate.maxTrials - tried))))
            }
        }
        if !pending.isEmpty {
            let from = (pending.map { shards.trialsMeasured($0.0) }.max() ?? 0) + 1
            let wave = NextWave(from: from, to: from - 1 + (pending.map(\.1).max() ?? 1), workloads: pending.map(\.0))
            let line = "kgate merge: more trials needed: run the next wave's shards with \(wave.arguments)"
            if let reportDir {
                try CachePaths.ensureDirectory(reportDir)
                try write(JSONEncoder().encode(wave), to: reportDir.appendingPathComponent(NextWave.fileName))
            }
            return MergeOutcome(exitCode: KGateExitCode.inconclusive, run: nil, verdicts: verdicts, nextWave: wave, summary: line)
        }
        if let reportDir { try? FileManager.default.removeItem(at: reportDir.appendingPathComponent(NextWave.fileName)) }
        return try store(shards, verdicts: verdicts, spec: spec, reportDir: reportDir, clock: clock)
    }

    /// One stored run, like a check's: commits, builds, every boot and trial, verdicts or the shards' failure.
    private func store(_ shards: ShardSet, verdicts: [WorkloadVerdict], spec: PipelineSpec, reportDir: URL?,
                       clock: StageClock) throws -> MergeOutcome {
        let m = shards.results[0].manifest
        let store = try ResultStore(url: paths.resultsDatabase)
        let recorder = try RunRecorder(store: store, start: RunStart(
            kind: m.kind, tree: m.tree, baseRevision: m.base, candidateRevision: m.candidate, seriesSubject: m.seriesSubject,
            patchsetHash: m.patchsetHash, mode: MeasurementMode.deterministic.rawValue, pipeline: spec.name))
        try recorder.commits(m.commits)
        for (revision, dir) in [(m.base, m.baseBuild), (m.candidate, m.candidateBuild)] {
            let seconds = (try? BuildResult.load(paths.root.appendingPathComponent("\(dir)/build.json")))?.durationSeconds ?? 0
            try recorder.build(BuildInfo(revision: revision, configHash: m.configHash, succeeded: true, seconds: seconds))
        }
        // In trial order, one boot per trial and workload, as one machine records them.
        var trialSeconds = 0.0
        let order = Dictionary(uniqueKeysWithValues: shards.workloads.enumerated().map { ($1, $0) })
        for role in [TrialRole.base, .candidate] {
            let kernel = KernelUnderTest(role: role, revision: role == .base ? m.base : m.candidate,
                                         image: URL(fileURLWithPath: "/"))
            let all = shards.results.flatMap { r in (role == .base ? r.base : r.candidate).map { (r, $0) } }
            let trials = Dictionary(grouping: all) { TrialKey(trial: $0.1.trial, workload: order[$0.1.workload] ?? 0) }
            for key in trials.keys.sorted() {
                guard let group = trials[key], let (r, s) = group.first else { continue }
                let seconds = r.boots.first { $0.role == role && $0.workload == s.workload && $0.trial == s.trial }?.seconds ?? 0
                trialSeconds += seconds
                try recorder.trials(kernel, samples: group.map(\.1),
                                    boot: BootInfo(revision: kernel.revision, mode: r.mode, succeeded: true, seconds: seconds))
            }
        }
        clock.add("trials (all shards)", trialSeconds)
        let exitCode = shards.failure?.exitCode ?? GateOutcome.overall(verdicts.map(\.verdict.outcome)).exitCode
        try recorder.finish(verdicts: verdicts, exitCode: exitCode, clock: clock, note: shards.failure?.text,
                            failed: shards.failure != nil)
        let report = try store.report(run: recorder.run)
        if let reportDir {
            try ReportWriter.write(report, to: reportDir, origin: spec.kcidbOrigin)
            console.line("reports: \(reportDir.path)")
        }
        let summary = try ReportExporter.render(report, format: .md, options: ExportOptions(origin: spec.kcidbOrigin))
        return MergeOutcome(exitCode: exitCode, run: recorder.run, verdicts: verdicts, nextWave: nil, summary: summary)
    }

    private func write(_ data: Data, to url: URL) throws {
        do { try data.write(to: url, options: .atomic) } catch {
            throw KGateError.infrastructure("cannot write \(url.lastPathComponent)", location: url.path,
                                            fix: "check that --report-dir is writable", cause: error)
        }
    }
}

private struct TrialKey: Hashable, Comparable {
    var trial: Int
    var workload: Int
    static func < (a: TrialKey, b: TrialKey) -> Bool { (a.trial, a.workload) < (b.trial, b.workload) }
}
