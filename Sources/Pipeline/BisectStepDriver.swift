import Foundation
import Gate
import KernelBuild
import KernelTree
import KGateCore
import Measurement
import Results
import Workloads

/// What `kgate bisect-step` was asked: classify the working tree of a clone
/// (as `git bisect run` leaves it) against known good and bad samples.
public struct BisectStepRequest: Sendable {
    public var source: URL
    public var workload: String
    public var good: [Double]
    public var bad: [Double]
    public var pipeline: String?
    public var threshold: Double?
    public var mode: MeasurementMode?
    /// A kgate tree whose warm worktree builds the clone's working tree
    /// (nil: build in the clone itself).
    public var tree: String?

    public init(source: URL, workload: String, good: [Double], bad: [Double], pipeline: String? = nil,
                threshold: Double? = nil, mode: MeasurementMode? = nil, tree: String? = nil) {
        self.source = source; self.workload = workload; self.good = good; self.bad = bad; self.pipeline = pipeline
        self.threshold = threshold; self.mode = mode; self.tree = tree
    }
}

public struct BisectStepOutcome: Sendable {
    /// `git bisect run` conventions: 0 good, 1 bad, 125 skip.
    public var exitCode: Int32
    public var revision: String
    public var line: String
}

/// One step of `git bisect run kgate bisect-step …`: build the checked-out
/// revision, boot it, measure, and say good, bad or skip (cannot build or
/// boot, or still unclear at the trial cap).
public struct BisectStepDriver: Sendable {
    public let paths: CachePaths
    public let console: Console

    public init(paths: CachePaths, console: Console = .shared) {
        self.paths = paths
        self.console = console
    }

    public func run(_ request: BisectStepRequest) throws -> BisectStepOutcome {
        guard request.good.count >= 2, request.bad.count >= 2 else {
            throw KGateError.usage("bisect-step needs at least 2 good and 2 bad samples",
                                   fix: "pass --good-samples and --bad-samples (comma-separated), or --from-run RUN")
        }
        let clock = StageClock(console: console)
        let spec = try PipelineLoader.load(request.pipeline ?? "nightly")
        let repository = try TreeStore(paths: paths).open(path: request.source)
        let head = try repository.commit("HEAD")
        let treeOID = try repository.workingTreeOID()
        let build: BuildResult
        do {
            build = try self.build(request, clone: repository, revision: head.oid, treeOID: treeOID,
                                   config: KernelStage.config(for: spec))
        } catch let error as KGateError where error.blame == .kernelUnderTest {
            return skip(head.oid, "does not build: \(error.what)")
        }
        let guest = try GuestStage.prepare(spec, requested: request.mode, probeKernel: build.imageURL, paths: paths,
                                           clock: clock, console: console)
        let workload = try WorkloadPlan.single(spec, name: request.workload, mode: guest.mode, threshold: request.threshold)
        let classifier = BisectClassifier(gate: workload.gate, good: request.good, bad: request.bad)
        let runner = TrialRunner(guest: guest, recorder: nil)
        let kernel = KernelUnderTest(role: .candidate, revision: head.oid, image: build.imageURL, faultRole: .step)
        var values: [Double] = []
        var need = workload.gate.minTrials
        while true {
            let samples: [Sample]
            do {
                samples = try runner.run(kernel, workloads: [workload], trials: [workload.spec.name: need],
                                         done: [workload.spec.name: values.count], console: console)
            } catch let error as KGateError where error.blame == .kernelUnderTest {
                return skip(head.oid, "does not boot or run: \(error.what)")
            }
            values += samples.filter { $0.failure == nil }.map(\.value)
            let result = classifier.classify(values)
            switch result.classification {
            case .good:
                return BisectStepOutcome(exitCode: KGateExitCode.bisectGood, revision: head.oid,
                                         line: "good \(head.oid) (median \(fmt(result.median, workload.spec.metric.unit))): \(result.reason)")
            case .bad:
                return BisectStepOutcome(exitCode: KGateExitCode.bisectBad, revision: head.oid,
                                         line: "bad \(head.oid) (median \(fmt(result.median, workload.spec.metric.unit))): \(result.reason)")
            case .skip, nil:
                guard let more = GateStep.more(afterMeasuring: values.count, gate: workload.gate) else {
                    return skip(head.oid, "unclear after \(values.count) trials: \(result.reason)")
                }
                need = more
            }
        }
    }

    /// Builds the clone's working tree: in the clone, or with `request.tree` in
    /// that kgate tree's worktree (its objects imported from the clone first),
    /// whose object directory and compiler cache are warm from earlier checks
    /// and bisects. Either way the result is keyed by the working tree's id.
    private func build(_ request: BisectStepRequest, clone: KernelRepository, revision: String, treeOID: String,
                       config: BuildConfig) throws -> BuildResult {
        let builder = KernelBuilder(paths: paths, console: console)
        guard let name = request.tree else {
            return try builder.build(source: request.source, treeOID: treeOID, revision: revision, config: config)
        }
        if let hit = builder.cachedResult(treeOID: treeOID, config: config) {
            console.line("build: cache hit \(hit.configHash)/\(treeOID.prefix(12)) (\(hit.kernelRelease))")
            return hit
        }
        let warm = try TreeStore(paths: paths).open(name)
        let copied = try warm.importObjects(of: treeOID, from: clone)
        let worktree = try warm.checkout(treeOID: treeOID, label: revision, paths: paths, lockTimeout: 3600)
        defer { worktree.release() }
        console.line("bisect-step: building \(revision.prefix(12)) in tree \(name)'s worktree "
                     + "(\(copied) objects imported, \(worktree.stats.filesWritten) files written)")
        return try builder.build(source: worktree.url, treeOID: treeOID, revision: revision, config: config)
    }

    private func skip(_ revision: String, _ why: String) -> BisectStepOutcome {
        BisectStepOutcome(exitCode: KGateExitCode.bisectSkip, revision: revision, line: "skip \(revision): \(why)")
    }

    /// The good and bad samples of a stored run: a bisect's endpoints or a
    /// check's base and candidate for `workload`.
    public static func samples(fromRun run: Int64, workload: String, paths: CachePaths) throws -> (good: [Double], bad: [Double]) {
        let report = try ResultStore(paths: paths).report(run: run)
        guard let v = report.workloads.first(where: { $0.workload == workload }) else {
            throw KGateError.usage("run \(run) has no verdict for workload \(workload)",
                                   fix: "kgate results show \(run) lists its workloads")
        }
        return (v.baseValues, v.candidateValues)
    }
}
