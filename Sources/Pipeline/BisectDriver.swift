import Foundation
import Gate
import KernelBuild
import KernelProfile
import KernelTree
import KGateCore
import Measurement
import Results

/// What `kgate bisect` was asked.
public struct BisectRequest: Sendable {
    public var tree: String?
    public var good: String
    public var bad: String
    public var workload: String
    public var pipeline: String?
    public var threshold: Double?
    public var mode: MeasurementMode?
    public var firstParent: Bool
    public var reportDir: URL?
    /// Profile the named culprit against its first parent (`ProfileStage.culprit`);
    /// `kgate bisect --no-profile` (and `kgate nightly --no-profile`) skip it.
    public var profile: Bool

    public init(tree: String?, good: String, bad: String, workload: String, pipeline: String? = nil,
                threshold: Double? = nil, mode: MeasurementMode? = nil, firstParent: Bool = false, reportDir: URL? = nil,
                profile: Bool = true) {
        self.tree = tree; self.good = good; self.bad = bad; self.workload = workload; self.pipeline = pipeline
        self.threshold = threshold; self.mode = mode; self.firstParent = firstParent; self.reportDir = reportDir
        self.profile = profile
    }
}

public struct BisectOutcome: Sendable {
    /// 0 culprit named, 3 undecidable (endpoints alike, or skips leave a range), 4 infrastructure.
    public var exitCode: Int32
    public var run: Int64
    /// The first bad commit, or nil when skips leave several candidates.
    public var culprit: String?
    /// The commits that may hold the change when skips prevent a single answer.
    public var candidates: [String]
    public var steps: [BisectStep]
    public var builds: Int
    public var trials: Int
    public var summary: String
    /// `git bisect replay` format.
    public var log: String
    /// The culprit's kernel profile against its first parent (deterministic mode; also in the run's reports).
    public var profiles: [ProfileComparison] = []
}

/// `kgate bisect`: measures both endpoints, refuses when they are not
/// distinguishable at the threshold, bisects good..bad classifying each step
/// against both endpoints (adding trials until it is clearly closer to one),
/// skips commits that do not build or boot, and confirms the culprit by
/// measuring its revert on top of bad.
public struct BisectDriver: Sendable {
    public let paths: CachePaths
    public let console: Console

    public init(paths: CachePaths, console: Console = .shared) {
        self.paths = paths
        self.console = console
    }

    public func run(_ request: BisectRequest) throws -> BisectOutcome {
        let clock = StageClock(console: console)
        let spec = try PipelineLoader.load(request.pipeline ?? "nightly")
        let treeName = try request.tree ?? DefaultTree.ensure(paths: paths, console: console)
        let repository = try TreeStore(paths: paths).open(treeName)
        let good = try repository.resolve(request.good), bad = try repository.resolve(request.bad)
        let range = try repository.range(good: good, bad: bad, firstParent: request.firstParent)
        guard range.last?.oid == bad else {
            throw KGateError.usage("\(request.bad) is not a descendant of \(request.good)", location: repository.info.path,
                                   fix: "pass --good an ancestor of --bad")
        }
        let store = try ResultStore(paths: paths)
        let recorder = try RunRecorder(store: store, start: RunStart(
            kind: .bisect, tree: treeName, baseRevision: good, candidateRevision: bad,
            seriesSubject: "bisect \(short(good))..\(short(bad)) (\(range.count) commits) on \(request.workload)",
            mode: (request.mode ?? spec.mode).rawValue, pipeline: spec.name))
        do {
            var session = try BisectSession(request: request, spec: spec, repository: repository, good: good, bad: bad,
                                            range: range, recorder: recorder, paths: paths, clock: clock, console: console)
            let outcome = try session.run()
            try recorder.finish(verdicts: session.endpointVerdict.map { [$0] } ?? [], exitCode: outcome.exitCode,
                                clock: clock, note: outcome.summary)
            if let dir = request.reportDir {
                try ReportWriter.write(try store.report(run: recorder.run), to: dir, origin: spec.kcidbOrigin)
                try Data(outcome.log.utf8).write(to: dir.appendingPathComponent("bisect.log"), options: .atomic)
            }
            console.line(clock.summary())
            return outcome
        } catch let error as KGateError {
            try? recorder.finish(verdicts: [], exitCode: error.exitCode, clock: clock, note: error.what, failed: true)
            throw error
        }
    }
}

/// Plausibility flags on a culprit: changes that should not move throughput.
public enum Plausibility {
    public static func flags(_ repository: KernelRepository, _ commit: CommitInfo) throws -> [String] {
        var flags: [String] = []
        if commit.parents.count > 1 { flags.append("is a merge commit") }
        let files = try repository.changedFiles(commit.oid)
        if !files.isEmpty && files.allSatisfy({ $0.hasPrefix("Documentation/") }) {
            flags.append("touches only Documentation/")
        }
        let arches = Set(files.compactMap { f -> String? in
            let parts = f.split(separator: "/")
            return parts.count > 1 && parts[0] == "arch" ? String(parts[1]) : nil
        })
        if !files.isEmpty && files.allSatisfy({ $0.hasPrefix("arch/") }) && !arches.contains("x86") {
            flags.append("touches only another architecture (\(arches.sorted().joined(separator: ", ")))")
        }
        if try !files.isEmpty && onlyComments(repository.diff(commit.oid)) { flags.append("changes only comments") }
        return flags
    }

    /// Flags that rule a commit out as the cause of a throughput change.
    public static func implausible(_ flag: String) -> Bool {
        flag == "changes only comments" || flag == "touches only Documentation/"
    }

    /// True when the diff changes a compiled source file (C, header, assembler,
    /// Makefile, Kconfig) in more than comments.
    public static func changesCode(_ diff: String) -> Bool {
        let compiled = [".c", ".h", ".S", "Makefile", "Kconfig", "Kbuild", ".lds"]
        for section in diff.components(separatedBy: "diff --git ") {
            guard let header = section.split(separator: "\n", maxSplits: 1).first else { continue }
            let path = header.split(separator: " ").last.map(String.init) ?? ""
            if compiled.contains(where: { path.hasSuffix($0) }) && !onlyComments(section) { return true }
        }
        return false
    }

    /// True when every added or removed line of a C diff is blank or a comment.
    static func onlyComments(_ diff: String) -> Bool {
        var sawChange = false
        for line in diff.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let first = line.first, first == "+" || first == "-",
                  !line.hasPrefix("+++"), !line.hasPrefix("---") else { continue }
            sawChange = true
            let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
            let comment = body.isEmpty || body.hasPrefix("/*") || body.hasPrefix("*") || body.hasPrefix("//")
                || body.hasSuffix("*/")
            if !comment { return false }
        }
        return sawChange
    }
}
