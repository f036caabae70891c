import Foundation

/// One function's share of samples on base and candidate.
public struct FunctionDelta: Sendable, Equatable, Codable {
    public var function: String
    public var baseSamples: UInt64
    public var candidateSamples: UInt64
    /// Shares of all samples (0…1).
    public var baseShare: Double
    public var candidateShare: Double
    public var delta: Double { candidateShare - baseShare }
}

/// Base against candidate for one workload: the functions whose share changed
/// most, grown first. A change within the profile's resolution is no change: a
/// function must move by more than `minimumSamples` samples and by more than
/// `minimumShare` of all samples (one sample's share of a shorter profile is noise
/// a different seed moves; the same seed moves nothing).
public struct ProfileComparison: Sendable, Equatable, Codable {
    public var workload: String
    public var baseSamples: UInt64
    public var candidateSamples: UInt64
    public var periodNanoseconds: UInt64
    /// Functions that grew, largest delta first.
    public var grown: [FunctionDelta]
    /// Functions that shrank, largest drop first.
    public var shrunk: [FunctionDelta]
    /// Samples in user space (every process: the workload's tools, the shell), which
    /// the sampler counts without addresses; nil in comparisons stored before they were kept.
    public var baseUserSamples: UInt64?
    public var candidateUserSamples: UInt64?
    /// Set when the two kernels are a bisection's culprit and its first parent
    /// rather than the run's base and candidate (`kgate bisect`, `kgate nightly`).
    public var culprit: CulpritRevisions?

    public static let minimumSamples: UInt64 = 3
    public static let minimumShare = 0.005
    public static let rowLimit = 8

    public var isEmpty: Bool { grown.isEmpty && shrunk.isEmpty }

    /// User space's share of all samples, base and candidate (nil when not kept).
    public var userShare: (base: Double, candidate: Double)? {
        guard let b = baseUserSamples, let c = candidateUserSamples, baseSamples > 0, candidateSamples > 0 else { return nil }
        return (Double(b) / Double(baseSamples), Double(c) / Double(candidateSamples))
    }

    public init(workload: String, base: KernelProfile, candidate: KernelProfile, rows: Int = rowLimit,
                culprit: CulpritRevisions? = nil) {
        self.workload = workload
        self.culprit = culprit
        baseSamples = base.samples
        candidateSamples = candidate.samples
        periodNanoseconds = candidate.periodNanoseconds
        baseUserSamples = base.userSamples
        candidateUserSamples = candidate.userSamples
        var deltas: [FunctionDelta] = []
        for name in Set(base.functions.keys).union(candidate.functions.keys) {
            let b = base.functions[name] ?? 0, c = candidate.functions[name] ?? 0
            let d = FunctionDelta(function: name, baseSamples: b, candidateSamples: c,
                                  baseShare: base.share(name), candidateShare: candidate.share(name))
            let moved = b > c ? b - c : c - b
            guard moved > Self.minimumSamples, abs(d.delta) > Self.minimumShare else { continue }
            deltas.append(d)
        }
        let order: (FunctionDelta, FunctionDelta) -> Bool = {
            abs($0.delta) != abs($1.delta) ? abs($0.delta) > abs($1.delta) : $0.function < $1.function
        }
        grown = Array(deltas.filter { $0.delta > 0 }.sorted(by: order).prefix(rows))
        shrunk = Array(deltas.filter { $0.delta < 0 }.sorted(by: order).prefix(rows))
    }
}

/// The kernels of a culprit's profile: the commit a bisection named (candidate)
/// and its first parent (base).
public struct CulpritRevisions: Sendable, Equatable, Codable {
    public var commit: String
    public var parent: String
    public var subject: String

    public init(commit: String, parent: String, subject: String) {
        self.commit = commit; self.parent = parent; self.subject = subject
    }

    /// `culprit 1a2b3c4d5e6f “tcp: …” against its parent 0f9e8d7c6b5a` (typographic
    /// quotes: neither HTML nor Markdown escapes them).
    public var text: String {
        "culprit \(commit.prefix(12)) “\(subject.prefix(120))” against its parent \(parent.prefix(12))"
    }
}
