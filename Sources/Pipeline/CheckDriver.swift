import Foundation
import Gate
import KernelBuild
import KernelTree
import KGateCore
import Measurement
import PatchSeries
import Results

/// What `kgate check` was asked.
public struct CheckRequest: Sendable {
    public var tree: String?
    public var base: String?
    /// A path (mbox, .patch, format-patch directory) or a message-id.
    public var series: String?
    /// The pull-request form: compare `base` with this revision (no series).
    public var head: String?
    public var loreURL: String
    public var patchwork: PatchworkSeriesRef?
    public var pipeline: String?
    public var mode: MeasurementMode?
    public var reportDir: URL?
    public var onlyWorkloads: [String]
    public var post: PatchworkPost?
    /// Switch pairing off (`PipelineSpec.pairing`), e.g. to measure what it buys.
    /// Overrides the pipeline's pairing (`kgate check --pairing`).
    public var pairing: Pairing?
    /// Profile the regressed and improved workloads (`ProfileStage`); `kgate check --no-profile` skips it.
    public var profile = true

    public init(tree: String? = nil, base: String? = nil, series: String?, loreURL: String = SeriesLoader.defaultLoreURL,
                patchwork: PatchworkSeriesRef? = nil, pipeline: String? = nil, mode: MeasurementMode? = nil,
                reportDir: URL? = nil, onlyWorkloads: [String] = [], post: PatchworkPost? = nil) {
        self.tree = tree; self.base = base; self.series = series; self.loreURL = loreURL; self.patchwork = patchwork
        self.pipeline = pipeline; self.mode = mode; self.reportDir = reportDir; self.onlyWorkloads = onlyWorkloads
        self.post = post
    }
}

public struct CheckOutcome: Sendable {
    public var exitCode: Int32
    public var run: Int64?
    public var verdicts: [WorkloadVerdict]
    public var summary: String
    public var reports: [URL]
}

/// `kgate check`: apply the series on the base, build both, boot both, measure
/// with adaptive A/B trials, decide, store, report (docs/DESIGN.md, "Data flow").
public struct CheckDriver: Sendable {
    public let paths: CachePaths
    public let console: Console

    public init(paths: CachePaths, console: Console = .shared) {
        self.paths = paths
        self.console = console
    }

    public func run(_ request: CheckRequest) throws -> CheckOutcome {
        let clock = StageClock(console: console)
        var spec = try PipelineLoader.load(request.pipeline)
        if let pairing = request.pairing { spec.pairing = pairing }
        let config = try KernelStage.config(for: spec)
        let treeName = try request.tree ?? clock.measure("import") { try DefaultTree.ensure(paths: paths, console: console) }
        let repository = try TreeStore(paths: paths).open(treeName)
        let store = try ResultStore(paths: paths)
        let plan: ComparisonPlan
        if let head = request.head {
            plan = try ComparisonPlan.pullRequest(repository, base: request.base, head: head, console: console)
        } else {
            let series = try clock.measure("series") {
                try SeriesLoader(loreURL: request.loreURL).load(source: request.series, patchwork: request.patchwork)
            }
            console.line("series: \(series.patches.count) patch(es)\(series.coverSubject.map { " — \($0)" } ?? ""), v\(series.version)")
            let baseRev = try ComparisonPlan.seriesBase(series, explicit: request.base, repository: repository, console: console)
            // Apply: a series that does not apply is a broken patch (exit 2), recorded as a failed run.
            let subject = series.coverSubject ?? series.patches.first?.subject
            do {
                let candidate = try clock.measure("apply") {
                    try repository.apply(series.patchesToApply(), onto: baseRev, refName: series.defaultRefName,
                                         console: console).last ?? baseRev
                }
                plan = ComparisonPlan(base: baseRev, candidate: candidate, subject: subject, patchsetHash: series.patchsetHash,
                                      commits: try ComparisonPlan.seriesCommits(repository, base: baseRev, series: series,
                                                                                candidate: candidate))
            } catch {
                let recorder = try RunRecorder(store: store, start: start(spec, tree: treeName, base: baseRev, candidate: nil,
                                                                          subject: subject, patchsetHash: series.patchsetHash,
                                                                          mode: request.mode))
                throw failed(error, recorder: recorder, spec: spec, request: request, clock: clock)
            }
            console.line("applied \(series.patches.count) patch(es) on \(short(baseRev)): candidate \(short(plan.candidate))")
        }
        let recorder = try RunRecorder(store: store, start: start(spec, tree: treeName, base: plan.base, candidate: plan.candidate,
                                                                  subject: plan.subject, patchsetHash: plan.patchsetHash,
                                                                  mode: request.mode))
        do {
            try recorder.commits(plan.commits)
            let outcome = try Comparison(spec: spec, config: config, repository: repository, paths: paths, console: console)
                .run(base: plan.base, candidate: plan.candidate, mode: request.mode, only: request.onlyWorkloads, profile: request.profile,
                     recorder: recorder, clock: clock)
            return try finish(outcome, recorder: recorder, spec: spec, request: request, clock: clock)
        } catch {
            throw failed(error, recorder: recorder, spec: spec, request: request, clock: clock)
        }
    }

    /// A run without a verdict (exit 2 or 4): stored with the reason, reported
    /// in full (summary, JUnit, KCIDB, HTML, JSON) when a report directory was
    /// asked for, posted to patchwork. Anything but a `KGateError` is a fault of
    /// kgate or the host (exit 4).
    private func failed(_ thrown: any Error, recorder: RunRecorder, spec: PipelineSpec, request: CheckRequest,
                        clock: StageClock) -> KGateError {
        Supervisor.parkIfInterrupted()
        let error = (thrown as? KGateError) ?? KGateError.unexpected(thrown, during: "check")
        console.line(clock.summary())
        do {
            try recorder.finish(verdicts: [], exitCode: error.exitCode, clock: clock, note: error.reportText, failed: true)
            if let dir = request.reportDir {
                let report = try recorder.store.report(run: recorder.run)
                try ReportWriter.write(report, to: dir, origin: spec.kcidbOrigin)
                console.line("reports: \(dir.path)")
            }
        } catch {
            console.line("warning: could not store or report the failed run: \(KGateError.describe(error))")
        }
        request.post?.publishReporting(exitCode: error.exitCode, description: error.what, console: console)
        return error
    }

    private func finish(_ verdicts: [WorkloadVerdict], recorder: RunRecorder, spec: PipelineSpec, request: CheckRequest,
                        clock: StageClock) throws -> CheckOutcome {
        let overall = GateOutcome.overall(verdicts.map(\.verdict.outcome))
        let exitCode = overall.exitCode
        console.line(clock.summary())
        try recorder.finish(verdicts: verdicts, exitCode: exitCode, clock: clock)
        let report = try recorder.store.report(run: recorder.run)
        let summary = try ReportExporter.render(report, format: .md, options: ExportOptions(origin: spec.kcidbOrigin))
        var files: [URL] = []
        if let dir = request.reportDir {
            files = try ReportWriter.write(report, to: dir, origin: spec.kcidbOrigin)
            console.line("reports: \(dir.path)")
        }
        let worst = verdicts.first { $0.verdict.outcome == overall }
        try request.post?.publish(exitCode: exitCode, console: console,
                                  description: "\(overall.rawValue)" + (worst.map { ": \($0.workload) \($0.verdict.reason)" } ?? ""))
        return CheckOutcome(exitCode: exitCode, run: recorder.run, verdicts: verdicts, summary: summary, reports: files)
    }

    private func start(_ spec: PipelineSpec, tree: String, base: String, candidate: String?, subject: String?,
                       patchsetHash: String?, mode: MeasurementMode?) -> RunStart {
        RunStart(kind: .check, tree: tree, baseRevision: base, candidateRevision: candidate, seriesSubject: subject,
                 patchsetHash: patchsetHash, mode: (mode ?? spec.mode).rawValue, pipeline: spec.name)
    }
}
