import Foundation
import Gate
import KGateCore
import Results
import Testing
import TestSupport
@testable import Artifacts
@testable import Measurement
@testable import Pipeline

/// Sharding logic without kernels: slices, artifact verification, and the merge
/// of synthetic shard files (the real equivalence runs in ShardEndToEndTests).
@Suite(.tags(.unit)) struct ShardMergeTests {
    static let pipeline = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/e2e-paired.yaml")

    @Test func slicesPartitionTheTrialsInOrder() throws {
        for n in 1...7 {
            for range in [1...6, 7...10, 3...3] {
                let slices = (1...n).compactMap { try? ShardSpec.parse("\($0)/\(n)").slice(of: range) }
                #expect(slices.flatMap { Array($0) } == Array(range), "n \(n) range \(range)")
            }
        }
        #expect(throws: KGateError.self) { try ShardSpec.parse("3/2") }
        #expect(throws: KGateError.self) { try ShardSpec.parse("0/2") }
        #expect(try TrialRangeParser.parse("7-10") == 7...10)
        #expect(throws: KGateError.self) { try TrialRangeParser.parse("10-7") }
    }

    @Test func manifestPathsMustBePlainNamesUnderBuildsOrImages() {
        #expect(ArtifactManifest.isSafe("builds/3b29/a55e/bzImage"))
        #expect(ArtifactManifest.isSafe("images/abc.cpio"))
        for bad in ["../etc/passwd", "builds/../../x", "/etc/passwd", "builds//x", "images/./x", "trees/x.git",
                    "builds/a/b/c/d", "images/a b", "images"] {
            #expect(!ArtifactManifest.isSafe(bad), "\(bad)")
        }
    }

    /// A hand-made artifact: two tiny "kernels" and an image.
    func artifact() throws -> URL {
        let dir = try TestEnv.temporaryDirectory("artifact")
        var files: [ArtifactManifest.File] = []
        for (path, text) in [("builds/h/base/bzImage", "base"), ("builds/h/base/build.json", "{}"),
                             ("builds/h/cand/bzImage", "candidate"), ("builds/h/cand/build.json", "{}"),
                             ("images/g.cpio", "image")] {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            files.append(try ArtifactManifest.entry(path, in: dir))
        }
        let m = ArtifactManifest(format: 1, kind: .check, tree: "t", base: "b", candidate: "c", commits: [],
                                 pipeline: "e2e", pipelineDigest: Digest.sha256Hex(try Data(contentsOf: Self.pipeline)),
                                 configHash: "h", baseBuild: "builds/h/base", candidateBuild: "builds/h/cand",
                                 guestImage: "images/g.cpio", files: files)
        try m.encoded().write(to: dir.appendingPathComponent("manifest.json"))
        return dir
    }

    @Test func importVerifiesDigestsAndRejectsTamperingAndTraversal() throws {
        let dir = try artifact()
        let cache = CachePaths(root: try TestEnv.temporaryDirectory("cache"))
        let imported = try ImportedArtifact.load(dir, paths: cache, console: Console(interactive: false))
        #expect(try String(contentsOf: imported.candidateImage, encoding: .utf8) == "candidate")

        try Data("candidatX".utf8).write(to: dir.appendingPathComponent("builds/h/cand/bzImage"))
        #expect(throws: KGateError.self) { try ImportedArtifact.load(dir, paths: cache, console: Console(interactive: false)) }

        var m = try ArtifactManifest.load(dir).manifest
        m.guestImage = "images/../../g.cpio"
        m.files[m.files.count - 1].path = m.guestImage
        try m.encoded().write(to: dir.appendingPathComponent("manifest.json"))
        #expect(throws: KGateError.self) { try ArtifactManifest.load(dir) }
    }

    /// Shard files of a 10 % regression: trial k of both sides share seed k.
    func shards(_ dir: URL, manifest: ArtifactManifest, trials: ClosedRange<Int>, count: Int) throws -> [URL] {
        let encoder = JSONEncoder()
        return try (1...count).map { k in
            let spec = ShardSpec(index: k, count: count)
            let slice = spec.slice(of: trials).map(Array.init) ?? []
            func sample(_ t: Int, _ factor: Double) -> Sample {
                Sample(workload: "tcp-stream-10ms", metric: "throughput_bps", unit: "bit/s",
                       value: (1.5e9 + Double((t * 7919) % 13) * 1e6) * factor, trial: t, seed: UInt64(t))
            }
            let r = ShardResult(format: 1, artifact: "digest", manifest: manifest, mode: "deterministic", seedBase: 0,
                                shard: spec, trials: trials, workloads: ["tcp-stream-10ms"],
                                base: slice.map { sample($0, 1) }, candidate: slice.map { sample($0, 0.9) }, boots: [])
            let out = dir.appendingPathComponent("wave\(trials.lowerBound)-\(k)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try encoder.encode(r).write(to: out.appendingPathComponent(r.fileName))
            return out
        }
    }

    @Test func mergeAsksForTheNextWaveThenDecidesAsOneMachine() throws {
        let manifest = try ArtifactManifest.load(try artifact()).manifest
        let work = try TestEnv.temporaryDirectory("merge")
        let cache = CachePaths(root: work.appendingPathComponent("cache"))
        let driver = MergeDriver(paths: cache, console: Console(interactive: false))
        let report = work.appendingPathComponent("report")
        let wave1 = try shards(work, manifest: manifest, trials: 1...6, count: 2)
        let first = try driver.run(shardDirectories: wave1, pipeline: Self.pipeline.path, reportDir: report)
        #expect(first.exitCode == KGateExitCode.inconclusive)
        #expect(first.nextWave == NextWave(from: 7, to: 10, workloads: ["tcp-stream-10ms"]))
        #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent("next-wave.json").path))

        let wave2 = try shards(work, manifest: manifest, trials: 7...10, count: 3)
        let final = try driver.run(shardDirectories: wave1 + wave2, pipeline: Self.pipeline.path, reportDir: report)
        #expect(final.exitCode == KGateExitCode.regression)
        #expect(final.run != nil)
        #expect(!FileManager.default.fileExists(atPath: report.appendingPathComponent("next-wave.json").path))
        // The same gate on all samples at once, as ABMeasurement would decide them.
        let all = try ShardSet.load(wave1 + wave2).results
        let spec = try PipelineLoader.load(Self.pipeline.path)
        let w = try #require(try WorkloadPlan.resolve(spec, mode: .deterministic).first)
        let (_, single) = AdaptiveGate(w.gate).decide(workload: w.spec.name, metric: "throughput_bps",
                                                       base: all.flatMap(\.base), candidate: all.flatMap(\.candidate))
        #expect(final.verdicts == [try #require(single)])
        let stored = try ResultStore(url: cache.resultsDatabase).report(run: try #require(final.run))
        #expect(stored.workloads.first?.candidateValues == single?.candidateValues)
        #expect(stored.sampleCounts.values.reduce(0, +) == 20)
        #expect(single?.seeds == (1...10).map(UInt64.init))
    }

    @Test func mergeRefusesAMissingShardOrATrialMeasuredTwice() throws {
        let manifest = try ArtifactManifest.load(try artifact()).manifest
        let work = try TestEnv.temporaryDirectory("merge-bad")
        let driver = MergeDriver(paths: CachePaths(root: work.appendingPathComponent("cache")), console: Console(interactive: false))
        let wave1 = try shards(work, manifest: manifest, trials: 1...6, count: 2)
        #expect(throws: KGateError.self) {
            try driver.run(shardDirectories: [wave1[0]], pipeline: Self.pipeline.path, reportDir: nil)
        }
        #expect(throws: KGateError.self) {
            try driver.run(shardDirectories: wave1 + [wave1[0]], pipeline: Self.pipeline.path, reportDir: nil)
        }
    }

    /// A merged nightly lands in the store as a nightly run: `kgate nightly` takes its head as the last good night.
    @Test func mergedNightlyIsStoredAsANightlyRun() throws {
        var manifest = try ArtifactManifest.load(try artifact()).manifest
        manifest.kind = .nightly
        let work = try TestEnv.temporaryDirectory("merge-nightly")
        let cache = CachePaths(root: work.appendingPathComponent("cache"))
        let dirs = try shards(work, manifest: manifest, trials: 1...6, count: 2)
        _ = try MergeDriver(paths: cache, console: Console(interactive: false))
            .run(shardDirectories: dirs, pipeline: Self.pipeline.path, reportDir: nil)
        let runs = try ResultStore(url: cache.resultsDatabase).listRuns()
        #expect(runs.isEmpty)  // wave 1 of a regression settles nothing: no run stored yet
        let all = dirs + (try shards(work, manifest: manifest, trials: 7...10, count: 2))
        let final = try MergeDriver(paths: cache, console: Console(interactive: false))
            .run(shardDirectories: all, pipeline: Self.pipeline.path, reportDir: nil)
        let run = try #require(try ResultStore(url: cache.resultsDatabase).listRuns().first)
        #expect(run.id == final.run)
        #expect(run.kind == .nightly)
        #expect(run.candidateRevision == "c")
    }
}
