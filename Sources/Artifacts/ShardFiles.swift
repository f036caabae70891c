import Foundation
import KGateCore

/// Shard K of N (1-based), from `--shard K/N`.
public struct ShardSpec: Sendable, Equatable, Codable {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) { self.index = index; self.count = count }

    public static func parse(_ text: String) throws -> ShardSpec {
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let k = parts[0], let n = parts[1], n >= 1, n <= 256, k >= 1, k <= n else {
            throw KGateError.usage("bad --shard '\(text.prefix(40))'", fix: "write K/N with 1 ≤ K ≤ N ≤ 256, e.g. --shard 2/4")
        }
        return ShardSpec(index: k, count: n)
    }

    /// This shard's contiguous slice of `range`: the N slices partition it, in order.
    public func slice(of range: ClosedRange<Int>) -> ClosedRange<Int>? {
        let n = range.count
        let lo = range.lowerBound + (index - 1) * n / count, hi = range.lowerBound + index * n / count - 1
        return lo <= hi ? lo...hi : nil
    }
}

/// Trial numbers `A-B` (1-based, inclusive), from `--trial-range`; trial k boots with seed `seedBase + k`.
public enum TrialRangeParser {
    public static func parse(_ text: String) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-").map { Int($0) }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 1, b >= a, b <= 10_000 else {
            throw KGateError.usage("bad --trial-range '\(text.prefix(40))'", fix: "write A-B with 1 ≤ A ≤ B, e.g. --trial-range 7-10")
        }
        return a...b
    }
}

/// What one shard measured, written to `--shard-dir` as
/// `shard-K-of-N-trials-A-B.json` and read back by `kgate merge`.
public struct ShardResult: Codable, Sendable {
    public static let formatVersion = 1
    public struct Boot: Codable, Sendable, Equatable {
        public var role: TrialRole
        public var workload: String
        public var trial: Int
        public var seconds: Double

        public init(role: TrialRole, workload: String, trial: Int, seconds: Double) {
            self.role = role; self.workload = workload; self.trial = trial; self.seconds = seconds
        }
    }
    public struct Failure: Codable, Sendable, Equatable {
        public var exitCode: Int32
        public var text: String

        public init(exitCode: Int32, text: String) { self.exitCode = exitCode; self.text = text }
    }

    public var format: Int
    public var artifact: String
    public var manifest: ArtifactManifest
    public var mode: String
    public var seedBase: UInt64
    public var shard: ShardSpec
    public var trials: ClosedRange<Int>
    public var workloads: [String]
    public var base: [Sample]
    public var candidate: [Sample]
    public var boots: [Boot]
    /// Set when a boot failed: the merge reports the run as the check would (exit 2 or 4).
    public var failure: Failure?

    public init(format: Int = formatVersion, artifact: String, manifest: ArtifactManifest, mode: String, seedBase: UInt64,
                shard: ShardSpec, trials: ClosedRange<Int>, workloads: [String], base: [Sample] = [], candidate: [Sample] = [],
                boots: [Boot] = [], failure: Failure? = nil) {
        self.format = format; self.artifact = artifact; self.manifest = manifest; self.mode = mode; self.seedBase = seedBase
        self.shard = shard; self.trials = trials; self.workloads = workloads; self.base = base; self.candidate = candidate
        self.boots = boots; self.failure = failure
    }

    public var fileName: String {
        "shard-\(shard.index)-of-\(shard.count)-trials-\(trials.lowerBound)-\(trials.upperBound).json"
    }
}
