import Foundation
import Gate
import KernelTree
import KGateCore
import Measurement
import Results

public struct NightlyRequest: Sendable {
    public var tree: String?
    /// The last good revision; default: the head of the last passing night of this tree and pipeline.
    public var good: String?
    public var head: String
    public var pipeline: String?
    public var mode: MeasurementMode?
    public var reportDir: URL?
    public var bisect: Bool
    /// Kernel profiles of the moved workloads and of the bisection's culprit; `kgate nightly --no-profile` skips them.
    public var profile: Bool

    public init(tree: String? = nil, good: String? = nil, head: String = "HEAD", pipeline: String? = nil,
                mode: MeasurementMode? = nil, reportDir: URL? = nil, bisect: Bool = true, profile: Bool = true) {
        self.tree = tree; self.good = good; self.head = head; self.pipeline = pipeline; self.mode = mode
        self.reportDir = reportDir; self.bisect = bisect; self.profile = profile
    }
}

public struct NightlyOutcome: Sendable {
    public var exitCode: Int32
    public var run: Int64
    public var summary: String
    public var culprit: String?
}

/// `kgate nightly`: compare what landed (head) with the last good night; on a
/// regression, bisect the range on the worst workload and name the commit.
public struct NightlyDriver: Sendable {
    public let paths: CachePaths
    public let console: Console

    public init(paths: CachePaths, console: Console = .shared) {
        self.paths = paths
        self.console = console
    }

    /// How long a nightly claim holds without its run finishing (a runner that died elsewhere).
    static let claimTTL: Double = 12 * 3600

    public func run(_ request: NightlyRequest) throws -> NightlyOutcome {
        let clock = StageClock(console: console)
        let spec = try PipelineLoader.load(request.pipeline ?? "nightly")
        let treeName = try request.tree ?? DefaultTree.ensure(paths: paths, console: console)
        let repository = try TreeStore(paths: paths).open(treeName)
        let head = try repository.resolve(request.head)
        let store = try ResultStore(paths: paths)
        let lastGood = try request.good.map { try repository.resolve($0) }
            ?? store.listRuns(limit: 1000).first {
                $0.kind == .nightly && $0.tree == treeName && $0.pipeline == spec.name && $0.exitCode == KGateExitCode.pass
            }?.candidateRevision
        let mode = (request.mode ?? spec.mode).rawValue
        // One runner per night on a shared store: the others stop here (docs/DESIGN.md, "The results store").
        // An explicit --good is a comparison asked for by hand: never claimed, never refused.
        let night = NightKey(tree: treeName, pipeline: spec.name, base: lastGood ?? "", head: head)
        let owner = ClaimOwner.make()
        if request.good == nil, lastGood != head, case .heldBy(let holder, let run) = try store.claimNight(night, owner: owner, ttl: Self.claimTTL) {
            let held = try run.flatMap { try store.run($0) }
            let summary = "nightly \(treeName) with \(spec.name): another runner (\(holder)) "
                + (held.map { "checked this night: run \($0.id), exit \($0.exitCode.map(String.init) ?? "—")" } ?? "is checking this night")
            return NightlyOutcome(exitCode: held?.exitCode ?? KGateExitCode.pass, run: held?.id ?? 0, summary: summary, culprit: nil)
        }
        guard let good = lastGood, good != head else {
            // First night (or nothing landed): record head as the last good revision.
            let recorder = try RunRecorder(store: store, start: RunStart(
                kind: .nightly, tree: treeName, baseRevision: lastGood, candidateRevision: head,
                seriesSubject: lastGood == nil ? "first night: baseline" : "nothing landed", mode: mode, pipeline: spec.name))
            let summary = lastGood == nil
                ? "first night for \(treeName) with \(spec.name): \(short(head)) recorded as the last good revision"
                : "nothing landed since \(short(head))"
            try recorder.finish(verdicts: [], exitCode: KGateExitCode.pass, clock: clock, note: summary)
            if lastGood != head { try store.finishNight(night, owner: owner, run: recorder.run) }
            try writeReports(store: store, run: recorder.run, spec: spec, tree: treeName, to: request.reportDir)
            return NightlyOutcome(exitCode: KGateExitCode.pass, run: recorder.run, summary: summary, culprit: nil)
        }
        let landed = try repository.range(good: good, bad: head, firstParent: false)
        console.line("nightly \(treeName): \(landed.count) commit(s) landed since \(short(good))")
        let recorder = try RunRecorder(store: store, start: RunStart(
            kind: .nightly, tree: treeName, baseRevision: good, candidateRevision: head,
            seriesSubject: "\(landed.count) commit(s) since \(short(good))", mode: mode, pipeline: spec.name))
        do {
            try recorder.commits(landed.map { RunCommit(role: "landed", commit: $0.oid, subject: $0.subject, author: $0.authorName) })
            let verdicts = try Comparison(spec: spec, config: KernelStage.config(for: spec), repository: repository,
                                          paths: paths, console: console)
                .run(base: good, candidate: head, mode: request.mode, only: [], profile: request.profile,
                     recorder: recorder, clock: clock)
            let overall = GateOutcome.overall(verdicts.map(\.verdict.outcome))
            var summary = "nightly \(short(good))..\(short(head)): \(overall.rawValue)"
            var culprit: String?
            let worst = verdicts.filter { $0.verdict.outcome == .regression }
                .min { $0.verdict.analysis.effect * ($0.verdict.direction == .higherIsBetter ? 1 : -1)
                    < $1.verdict.analysis.effect * ($1.verdict.direction == .higherIsBetter ? 1 : -1) }
            try recorder.finish(verdicts: verdicts, exitCode: overall.exitCode, clock: clock)
            if let worst, request.bisect, landed.count > 1 {
                console.line("nightly: \(worst.workload) regressed; bisecting \(landed.count) commits")
                let b = try BisectDriver(paths: paths, console: console).run(BisectRequest(
                    tree: treeName, good: good, bad: head, workload: worst.workload, pipeline: spec.source.path,
                    threshold: worst.verdict.threshold, mode: request.mode,
                    reportDir: request.reportDir?.appendingPathComponent("bisect"), profile: request.profile))
                culprit = b.culprit
                // The night's report shows the culprit's profile too (the bisection's run has it as well).
                for comparison in b.profiles { try recorder.profile(comparison) }
                summary += "\n" + b.summary
            } else if let worst, landed.count == 1 {
                culprit = head
                summary += "\nonly one commit landed: \(short(head)) regressed \(worst.workload)"
            }
            // The culprit, stored with the night, names the regression on the trend page.
            if let culprit, let commit = landed.first(where: { $0.oid == culprit }) {
                try recorder.commits([RunCommit(role: "culprit", commit: commit.oid, subject: commit.subject, author: commit.authorName)])
            }
            try store.finishNight(night, owner: owner, run: recorder.run)
            try writeReports(store: store, run: recorder.run, spec: spec, tree: treeName, to: request.reportDir)
            return NightlyOutcome(exitCode: overall.exitCode, run: recorder.run, summary: summary, culprit: culprit)
        } catch let error as KGateError {
            try? recorder.finish(verdicts: [], exitCode: error.exitCode, clock: clock, note: error.what, failed: true)
            try? store.releaseNight(night, owner: owner)
            throw error
        }
    }

    /// The night's report set and the trend of its tree and pipeline (trend.html, trend.json).
    private func writeReports(store: ResultStore, run: Int64, spec: PipelineSpec, tree: String, to dir: URL?) throws {
        guard let dir else { return }
        try ReportWriter.write(try store.report(run: run), to: dir, origin: spec.kcidbOrigin)
        try TrendWriter.write(store: store, to: dir, tree: tree, pipeline: spec.name)
    }
}
