import Foundation
import KGateCore
import Testing
import TestSupport

/// A sharded check of the regressing example (build once, 2 shards per wave on
/// their own empty caches, merge, second wave, merge) against `kgate check` on one machine with the same seeds: the same
/// samples (value, trial, seed), the same verdict and the same exit code.
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu)) struct ShardEndToEndTests {
    static let pipeline = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/shard.yaml").path
    /// The regressing example: 2 pairs cannot settle a change, so the merge must ask for a second wave.
    static let series = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/regress-tcp-rcv-audit.mbox").path

    init() throws {
        try SharedKernel.ensureTree()
    }

    /// The verdicts of a report.json: workload → its verdict (outcome, analysis, reason), values, seeds, counters.
    static func verdicts(_ reportDir: URL) throws -> [String: String] {
        let data = try Data(contentsOf: reportDir.appendingPathComponent("report.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(root["workloads"] as? [[String: Any]])
        var out: [String: String] = [:]
        for v in list {
            let name = try #require(v["workload"] as? String)
            let keep = v.filter { ["verdict", "baseValues", "candidateValues", "seeds", "counterChanges"].contains($0.key) }
            out[name] = String(decoding: try JSONSerialization.data(withJSONObject: keep, options: [.sortedKeys]), as: UTF8.self)
        }
        return out
    }

    @Test func twoShardsInTwoWavesGiveTheSingleMachineSamplesAndVerdict() throws {
        let work = try TestEnv.temporaryDirectory("shard-e2e")
        let artifact = work.appendingPathComponent("artifact")
        let export = try TestEnv.kgate(["build", "--export", artifact.path, "--tree", TestEnv.defaultTreeName,
                                        "--series", Self.series, "--pipeline", Self.pipeline])
        #expect(export.exitCode == 0, "stderr: \(export.stderr.suffix(2000))")

        var dirs: [String] = []
        func wave(_ trials: String?) throws {
            for k in 1...2 {
                // Each shard has its own empty cache: it imports the artifact and never runs make.
                let cache = work.appendingPathComponent("cache-\(k)")
                let out = work.appendingPathComponent("wave\(dirs.count / 2 + 1)-\(k)")
                let r = try TestEnv.kgate(["check", "--artifacts", artifact.path, "--shard", "\(k)/2", "--shard-dir", out.path,
                                           "--pipeline", Self.pipeline] + (trials.map { ["--trials", $0] } ?? []),
                                          environment: ["KGATE_CACHE": cache.path])
                #expect(r.exitCode == 0, "stderr: \(r.stderr.suffix(2000))")
                #expect(!r.stderr.contains("build:"), "a shard must not build")
                dirs.append(out.path)
            }
        }
        let merged = work.appendingPathComponent("merged")
        func merge() throws -> ProcessResult {
            try TestEnv.kgate(["merge"] + dirs + ["--pipeline", Self.pipeline, "--report-dir", merged.path],
                              environment: ["KGATE_CACHE": work.appendingPathComponent("merge-cache").path])
        }
        try wave(nil)
        let first = try merge()
        #expect(first.exitCode == 3)
        #expect(first.stdout.contains("next-wave: trials 3-4"), "stdout: \(first.stdout.suffix(1000))")
        try wave("3-4")
        let final = try merge()

        let single = work.appendingPathComponent("single")
        let check = try TestEnv.kgate(["check", "--tree", TestEnv.defaultTreeName, "--series", Self.series,
                                       "--pipeline", Self.pipeline, "--report-dir", single.path])
        #expect(final.exitCode == check.exitCode, "merge stderr: \(final.stderr.suffix(1500))")
        let a = try Self.verdicts(merged), b = try Self.verdicts(single)
        #expect(!a.isEmpty)
        #expect(a == b)
        #expect(!FileManager.default.fileExists(atPath: merged.appendingPathComponent("next-wave.json").path))
    }
}
