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
    /// Without `base`: use the tree's HEAD when the series' base-commit is not in
    /// the tree (`kgate watch`), instead of a usage error.
    public var headWhenBaseIsMissing = false
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

/// Where to post the verdict as a patchwork check.
public struct PatchworkPost: Sendable {
    public var baseURL: String
    public var patchID: Int
    public var token: String
    public var context: String
    public var targetURL: String?

    public init(baseURL: String, patchID: Int, token: String, context: String = "kgate-throughput", targetURL: String? = nil) {
        self.baseURL = baseURL; self.patchID = patchID; self.token = token; self.context = context; self.targetURL = targetURL
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
        let series = try clock.measure("series") {
            try SeriesLoader(loreURL: request.loreURL).load(source: request.series, patchwork: request.patchwork)
        }
        console.line("series: \(series.patches.count) patch(es)\(series.coverSubject.map { " — \($0)" } ?? ""), v\(series.version)")
        var wanted = request.base ?? series.baseCommit
        if request.base == nil, request.headWhenBaseIsMissing, let commit = wanted, (try? repository.resolve(commit)) == nil {
            console.line("base-commit \(short(commit)) is not in tree \(treeName): the tree's HEAD is the base")
            wanted = nil
        }
        let baseRev = try resolveBase(wanted, repository: repository, explicit: request.base != nil)
        let store = try ResultStore(url: paths.resultsDatabase)

        // Apply: a series that does not apply is a broken patch (exit 2), recorded as a failed run.
        let candidate: String
        do {
            candidate = try clock.measure("apply") {
                try repository.apply(series.patchesToApply(), onto: baseRev, refName: series.defaultRefName,
                                     console: console).last ?? baseRev
            }
        } catch {
            let recorder = try RunRecorder(store: store, start: start(spec, tree: treeName, base: baseRev, candidate: nil,
                                                                      series: series, mode: request.mode))
            throw failed(error, recorder: recorder, spec: spec, request: request, clock: clock)
        }
        console.line("applied \(series.patches.count) patch(es) on \(short(baseRev)): candidate \(short(candidate))")
        let recorder = try RunRecorder(store: store, start: start(spec, tree: treeName, base: baseRev, candidate: candidate,
                                                                  series: series, mode: request.mode))
        do {
            try recorder.commits(try commits(repository, base: baseRev, series: series, candidate: candidate))
            let outcome = try Comparison(spec: spec, config: config, repository: repository, paths: paths, console: console)
                .run(base: baseRev, candidate: candidate, mode: request.mode, only: request.onlyWorkloads, profile: request.profile,
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
        postReporting(request.post, exitCode: error.exitCode, description: error.what)
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
        try post(request.post, exitCode: exitCode,
                 description: "\(overall.rawValue)" + (worst.map { ": \($0.workload) \($0.verdict.reason)" } ?? ""))
        return CheckOutcome(exitCode: exitCode, run: recorder.run, verdicts: verdicts, summary: summary, reports: files)
    }

    func resolveBase(_ base: String?, repository: KernelRepository, explicit: Bool) throws -> String {
        let rev = base ?? "HEAD"
        do {
            return try repository.resolve(rev)
        } catch let error as KGateError where error.blame == .input {
            // Only a name that does not resolve is the user's; a libgit2 failure stays the host's (exit 4).
            throw KGateError.usage("base revision '\(rev)' is not in tree \(repository.info.name)"
                                   + (explicit ? "" : " (from the series' base-commit)"),
                                   location: repository.info.path,
                                   fix: explicit ? "pass an existing --base" : "pass --base REV for this tree; \(error.what)",
                                   cause: error)
        }
    }

    private func start(_ spec: PipelineSpec, tree: String, base: String, candidate: String?, series: Series,
                       mode: MeasurementMode?) -> RunStart {
        RunStart(kind: .check, tree: tree, baseRevision: base, candidateRevision: candidate,
                 seriesSubject: series.coverSubject ?? series.patches.first?.subject, patchsetHash: series.patchsetHash,
                 mode: (mode ?? spec.mode).rawValue, pipeline: spec.name)
    }

    func commits(_ repository: KernelRepository, base: String, series: Series,
                         candidate: String) throws -> [RunCommit] {
        let baseInfo = try repository.commit(base)
        var out = [RunCommit(role: "base", commit: base, subject: baseInfo.subject, author: baseInfo.authorName)]
        for p in series.patches {
            out.append(RunCommit(role: "patch", commit: "", subject: "[\(p.index)/\(p.total)] \(p.subject)",
                                 author: "\(p.author.name) <\(p.author.email)>"))
        }
        out.append(RunCommit(role: "candidate", commit: candidate, subject: series.patches.last?.subject ?? "", author: ""))
        return out
    }

    /// Posts a failure's check; a failing post is reported, not thrown (the
    /// run's own error is the one that matters).
    private func postReporting(_ post: PatchworkPost?, exitCode: Int32, description: String) {
        do {
            try self.post(post, exitCode: exitCode, description: description)
        } catch {
            console.line("warning: could not post the check to patchwork: \(error)")
        }
    }

    /// Posts the verdict as a patchwork check: success, fail (regression or
    /// broken patch), or warning (inconclusive, infrastructure).
    private func post(_ post: PatchworkPost?, exitCode: Int32, description: String) throws {
        guard let post else { return }
        let state: PatchworkClient.CheckState
        switch exitCode {
        case KGateExitCode.pass: state = .success
        case KGateExitCode.regression, KGateExitCode.brokenPatch: state = .fail
        default: state = .warning
        }
        try PatchworkClient(baseURL: post.baseURL, token: post.token)
            .postCheck(patchID: post.patchID, state: state, context: post.context, targetURL: post.targetURL,
                       description: description)
        console.line("posted a '\(state.rawValue)' check to patchwork patch \(post.patchID)")
    }
}
