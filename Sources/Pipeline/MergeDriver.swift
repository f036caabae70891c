import Artifacts
import Foundation
import Gate
import KernelBuild
import KGateCore
import Measurement
import Results

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

    /// `post`: the merged verdict posted as a patchwork check (as `kgate check --post-patchwork`);
    /// an empty `baseURL` is the artifact's patchwork (`ArtifactManifest.patchwork`).
    public func run(shardDirectories: [URL], pipeline: String?, reportDir: URL?,
                    post: PatchworkPost? = nil) throws -> MergeOutcome {
        let clock = StageClock(console: console)
        let shards = try ShardSet.load(shardDirectories)
        let first = shards.results[0], manifest = first.manifest
        let spec = try PipelineLoader.load(pipeline)
        try spec.checkDigest(against: manifest)
        try spec.checkShardable(console: nil)
        let post = try Self.target(post, manifest: manifest)
        let workloads = try WorkloadPlan.resolve(spec, mode: .deterministic, only: shards.workloads)
        let base = shards.results.flatMap(\.base).sorted { $0.trial < $1.trial }
        let candidate = shards.results.flatMap(\.candidate).sorted { $0.trial < $1.trial }
        try shards.checkCoverage(workloads.map(\.spec.name))

        var verdicts: [WorkloadVerdict] = []
        var pending: [(String, Int)] = []
        if shards.failure == nil {
            for w in workloads {
                // The same gate step as one machine's check; shards measure both sides' trial numbers.
                let tried = shards.trialsMeasured(w.spec.name)
                switch GateStep.next(w, base: base, candidate: candidate, attempted: (tried, tried), pairing: spec.pairing,
                                     sameTrialNumbers: true) {
                case .decided(let verdict), .capped(let verdict): verdicts.append(verdict)
                case .more(let moreBase, let moreCandidate): pending.append((w.spec.name, max(moreBase, moreCandidate)))
                }
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
        let outcome = try store(shards, verdicts: verdicts, spec: spec, reportDir: reportDir, clock: clock)
        if let failure = shards.failure {
            post?.publishReporting(exitCode: outcome.exitCode, description: String(failure.text.prefix(200)), console: console)
        } else {
            let overall = GateOutcome.overall(verdicts.map(\.verdict.outcome))
            let worst = verdicts.first { $0.verdict.outcome == overall }
            try post?.publish(exitCode: outcome.exitCode, console: console,
                              description: "\(overall.rawValue)" + (worst.map { ": \($0.workload) \($0.verdict.reason)" } ?? ""))
        }
        return outcome
    }

    /// Where the merged verdict goes: the artifact's patchwork unless one was named,
    /// and only to a patch of the artifact's series (when it came from patchwork).
    static func target(_ post: PatchworkPost?, manifest: ArtifactManifest) throws -> PatchworkPost? {
        guard var post else { return nil }
        if post.baseURL.isEmpty {
            guard let origin = manifest.patchwork else {
                throw KGateError.usage("--post-patchwork: the artifact names no patchwork series",
                                       fix: "export it with kgate build --export DIR --patchwork URL --series ID, "
                                           + "or pass --patchwork URL to kgate merge")
            }
            post.baseURL = origin.url
        }
        if let origin = manifest.patchwork, !origin.patches.isEmpty, !origin.patches.contains(post.patchID) {
            throw KGateError.usage("--post-patchwork \(post.patchID) is not a patch of patchwork series \(origin.series) "
                                   + "(patches \(origin.patches.map(String.init).joined(separator: ", ")))",
                                   fix: "post to one of the series' patches (usually the last)")
        }
        return post
    }

    /// One stored run, like a check's: commits, builds, every boot and trial, verdicts or the shards' failure.
    private func store(_ shards: ShardSet, verdicts: [WorkloadVerdict], spec: PipelineSpec, reportDir: URL?,
                       clock: StageClock) throws -> MergeOutcome {
        let m = shards.results[0].manifest
        let store = try ResultStore(paths: paths)
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
