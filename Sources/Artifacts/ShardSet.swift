import Foundation
import KGateCore

/// The shard files of one sharded check, read from the directories given to
/// `kgate merge` and checked to belong together: one artifact, one seed base,
/// no trial measured twice, no trial missing.
public struct ShardSet: Sendable {
    static let maxFiles = 1024
    static let maxFileBytes = 64 << 20

    public var results: [ShardResult]

    /// The first shard failure (a base failure before a candidate's), if any.
    public var failure: ShardResult.Failure? {
        let failures = results.compactMap(\.failure)
        return failures.first { $0.exitCode == KGateExitCode.infrastructure } ?? failures.first
    }

    /// Every workload the shards measured, in first-seen order.
    public var workloads: [String] {
        var seen = Set<String>()
        return results.flatMap(\.workloads).filter { seen.insert($0).inserted }
    }

    /// The highest trial number measured of `workload` (trials are numbered from 1 without gaps).
    public func trialsMeasured(_ workload: String) -> Int {
        results.filter { $0.workloads.contains(workload) }.map(\.trials.upperBound).max() ?? 0
    }

    public static func load(_ directories: [URL]) throws -> ShardSet {
        var files: [URL] = []
        for dir in directories {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
                throw KGateError.usage("cannot read the shard directory", location: dir.path,
                                       fix: "pass the --shard-dir of each shard (its downloaded artifact)", cause: error)
            }
            files += names.filter { $0.hasPrefix("shard-") && $0.hasSuffix(".json") }.sorted().map { dir.appendingPathComponent($0) }
        }
        guard !files.isEmpty else {
            throw KGateError.usage("no shard files (shard-*.json) in \(directories.map(\.path).joined(separator: ", "))",
                                   fix: "run kgate check --artifacts DIR --shard K/N --shard-dir DIR first")
        }
        guard files.count <= maxFiles else { throw KGateError.usage("\(files.count) shard files (at most \(maxFiles))") }
        let decoder = JSONDecoder()
        let results = try files.map { url -> ShardResult in
            let data = try readBoundedFile(url, limit: maxFileBytes, what: "shard file")
            do { return try decoder.decode(ShardResult.self, from: data) } catch {
                throw KGateError.usage("not a kgate shard file: \(error)", location: url.path,
                                       fix: "pass only directories written by kgate check --shard-dir", cause: error)
            }
        }
        let set = ShardSet(results: results)
        try set.checkConsistent(files)
        return set
    }

    private func checkConsistent(_ files: [URL]) throws {
        let first = results[0]
        for (r, url) in zip(results, files) {
            guard r.format == ShardResult.formatVersion else {
                throw KGateError.usage("shard file format \(r.format), this kgate reads \(ShardResult.formatVersion)",
                                       location: url.path, fix: "use the same kgate version for shards and merge")
            }
            guard r.artifact == first.artifact, r.seedBase == first.seedBase, r.mode == first.mode else {
                throw KGateError.usage("shards of different checks: artifact \(r.artifact.prefix(12)) seed base \(r.seedBase) "
                                       + "vs \(first.artifact.prefix(12)) seed base \(first.seedBase)", location: url.path,
                                       fix: "merge only the shards of one artifact (one kgate build --export)")
            }
        }
        var seen = Set<String>()
        for r in results {
            for (role, samples) in [("base", r.base), ("candidate", r.candidate)] {
                for s in samples where !seen.insert("\(role) \(s.workload) \(s.metric) \(s.trial)").inserted {
                    throw KGateError.usage("trial \(s.trial) of \(s.workload) (\(role)) was measured by two shards",
                                           fix: "merge each shard of each wave once (a retried shard: keep one copy)")
                }
            }
        }
    }

    /// Every trial 1…n of every workload must come from some shard: a missing shard would change the verdict.
    public func checkCoverage(_ workloads: [String]) throws {
        for w in workloads {
            let n = trialsMeasured(w)
            var covered = Set<Int>()
            for r in results where r.workloads.contains(w) {
                if let slice = r.shard.slice(of: r.trials) { covered.formUnion(slice) }
            }
            let missing = (1...max(1, n)).filter { !covered.contains($0) }
            guard missing.isEmpty || failure != nil else {
                throw KGateError.infrastructure("trials \(missing.map(String.init).joined(separator: ", ")) of \(w) "
                                                + "were measured by no shard given",
                                                fix: "pass the shard directories of every shard (1…N) of every wave")
            }
        }
    }
}
