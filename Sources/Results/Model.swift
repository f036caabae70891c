import Foundation
import KernelProfile
import Gate
import KGateCore

/// What kind of job a run was.
public enum RunKind: String, Sendable, Codable, CaseIterable {
    case check, nightly, bisect
}

/// Where a run stands. A run that began but never wrote its verdicts (killed,
/// crashed, power cut) reads back as `interrupted`; a run stopped by SIGINT,
/// SIGTERM or SIGHUP also keeps its exit code (128 + signal) and a note.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running, finished, failed, interrupted
}

/// What the pipeline knows when a run starts.
public struct RunStart: Sendable, Equatable {
    public var kind: RunKind
    public var tree: String
    public var baseRevision: String?
    public var candidateRevision: String?
    public var seriesSubject: String?
    /// KCIDB patchset hash (`KCIDBExporter.patchsetHash`), empty without patches.
    public var patchsetHash: String?
    public var mode: String
    public var pipeline: String
    public var startedAt: Date

    public init(kind: RunKind, tree: String, baseRevision: String? = nil, candidateRevision: String? = nil,
                seriesSubject: String? = nil, patchsetHash: String? = nil, mode: String, pipeline: String,
                startedAt: Date = Date()) {
        self.kind = kind
        self.tree = tree
        self.baseRevision = baseRevision
        self.candidateRevision = candidateRevision
        self.seriesSubject = seriesSubject
        self.patchsetHash = patchsetHash
        self.mode = mode
        self.pipeline = pipeline
        self.startedAt = startedAt
    }
}

/// One stored run, as listed.
public struct RunInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var kind: RunKind
    public var tree: String
    public var baseRevision: String?
    public var candidateRevision: String?
    public var seriesSubject: String?
    public var patchsetHash: String?
    public var mode: String
    public var pipeline: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var status: RunStatus
    public var exitCode: Int32?
    /// The overall gate outcome (nil when interrupted or failed before a verdict).
    public var overall: GateOutcome?
    /// Why a failed run failed.
    public var note: String?

    public init(id: Int64, kind: RunKind, tree: String, baseRevision: String?, candidateRevision: String?,
                seriesSubject: String?, patchsetHash: String?, mode: String, pipeline: String, startedAt: Date,
                finishedAt: Date?, status: RunStatus, exitCode: Int32?, overall: GateOutcome?, note: String?) {
        self.id = id
        self.kind = kind
        self.tree = tree
        self.baseRevision = baseRevision
        self.candidateRevision = candidateRevision
        self.seriesSubject = seriesSubject
        self.patchsetHash = patchsetHash
        self.mode = mode
        self.pipeline = pipeline
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.exitCode = exitCode
        self.overall = overall
        self.note = note
    }
}

/// A commit the run is about: the base, the candidate, each applied patch, or a nightly's range.
public struct RunCommit: Sendable, Codable, Equatable {
    public var role: String
    public var commit: String
    public var subject: String
    public var author: String

    public init(role: String, commit: String, subject: String, author: String = "") {
        self.role = role
        self.commit = commit
        self.subject = subject
        self.author = author
    }
}

public struct BuildInfo: Sendable, Codable, Equatable {
    public var revision: String
    public var configHash: String
    public var architecture: String
    public var succeeded: Bool
    public var seconds: Double
    public var log: String?

    public init(revision: String, configHash: String, architecture: String = "x86_64", succeeded: Bool,
                seconds: Double, log: String? = nil) {
        self.revision = revision
        self.configHash = configHash
        self.architecture = architecture
        self.succeeded = succeeded
        self.seconds = seconds
        self.log = log
    }
}

public struct BootInfo: Sendable, Codable, Equatable {
    public var revision: String
    public var mode: String
    public var succeeded: Bool
    public var seconds: Double
    public var note: String?

    public init(revision: String, mode: String, succeeded: Bool, seconds: Double, note: String? = nil) {
        self.revision = revision
        self.mode = mode
        self.succeeded = succeeded
        self.seconds = seconds
        self.note = note
    }
}

public struct StageTiming: Sendable, Codable, Equatable {
    public var stage: String
    public var seconds: Double

    public init(stage: String, seconds: Double) {
        self.stage = stage
        self.seconds = seconds
    }
}

/// One step of a bisection (generic: a revision, how it classified, its median).
public struct BisectStep: Sendable, Codable, Equatable {
    public var revision: String
    public var subject: String
    /// good, bad or skip.
    public var classification: String
    public var median: Double?
    public var unit: String

    public init(revision: String, subject: String, classification: String, median: Double?, unit: String) {
        self.revision = revision
        self.subject = subject
        self.classification = classification
        self.median = median
        self.unit = unit
    }
}

/// Everything the exporters need about one run.
public struct RunReport: Sendable, Codable, Equatable {
    public var run: RunInfo
    public var commits: [RunCommit]
    public var builds: [BuildInfo]
    public var boots: [BootInfo]
    public var stages: [StageTiming]
    /// Per workload metric: the verdict with base/candidate values and counter changes.
    /// For an interrupted run: empty (no verdict was written).
    public var workloads: [WorkloadVerdict]
    /// Samples recorded so far, per role (lets `show` tell what an interrupted run measured).
    public var sampleCounts: [String: Int]
    public var bisectSteps: [BisectStep]
    /// Kernel profiles, base against candidate, of the regressed and improved workloads
    /// (docs/DESIGN.md, "Kernel profiles"); nil when none was taken.
    public var profiles: [ProfileComparison]?

    public init(run: RunInfo, commits: [RunCommit] = [], builds: [BuildInfo] = [], boots: [BootInfo] = [],
                stages: [StageTiming] = [], workloads: [WorkloadVerdict] = [], sampleCounts: [String: Int] = [:],
                bisectSteps: [BisectStep] = []) {
        self.run = run
        self.commits = commits
        self.builds = builds
        self.boots = boots
        self.stages = stages
        self.workloads = workloads
        self.sampleCounts = sampleCounts
        self.bisectSteps = bisectSteps
    }

    /// The overall outcome: stored, else derived from the workloads.
    public var overall: GateOutcome? {
        run.overall ?? (workloads.isEmpty ? nil : GateOutcome.overall(workloads.map(\.verdict.outcome)))
    }

    /// What an exit code means (docs/DESIGN.md, "Exit codes").
    public static func meaning(ofExitCode code: Int32) -> String {
        switch code {
        case KGateExitCode.pass: return "pass"
        case KGateExitCode.regression: return "throughput regression"
        case KGateExitCode.brokenPatch: return "the patch is broken (does not apply, build or boot)"
        case KGateExitCode.inconclusive: return "inconclusive at the trial cap"
        case KGateExitCode.infrastructure: return "infrastructure failure"
        case KGateExitCode.usage: return "usage error"
        default: return "exit code \(code)"
        }
    }
}
