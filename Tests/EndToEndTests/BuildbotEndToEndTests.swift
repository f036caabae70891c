import Foundation
import KGateCore
import Testing
import TestSupport

/// The short version of benchmarks/buildbot.sh: a real Buildbot master and two
/// workers on 127.0.0.1 (own caches) run a sharded check of the regressing
/// example (one workload, 2 then 2 trials: Fixtures/shard.yaml), and the merged
/// verdict and samples must agree with `kgate check` on one machine. Not the
/// benign example: with 2 pairs its verdict hangs on whether a pair is
/// bit-identical, which a repeated seeded boot does not always give.
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu, .buildbot)) struct BuildbotEndToEndTests {
    init() throws {
        try SharedKernel.ensureTree()
    }

    @Test func shardedCheckThroughBuildbotMatchesOneMachine() throws {
        let script = TestEnv.packageRoot.appendingPathComponent("benchmarks/buildbot.sh").path
        // The single-machine twin is the one ShardEndToEndTests compares with (run once per test process).
        let single = try SharedCheck.singleMachine(series: ShardEndToEndTests.series, pipeline: ShardEndToEndTests.pipeline)
        let r = try ProcessRunner.run("/bin/bash", [script], cwd: TestEnv.packageRoot, environment: [
            "KGATE_BIN": TestEnv.kgateBinary.path, "KGATE_CACHE": TestEnv.cache.root.path,
            "PIPELINE": ShardEndToEndTests.pipeline, "SERIES": ShardEndToEndTests.series, "TREE": TestEnv.defaultTreeName,
            "TIMEOUT": "1500", "SINGLE_REPORT": single.reportDir.path, "SINGLE_EXIT": String(single.exitCode),
        ], timeout: 1800)
        #expect(r.exitCode == 0, "stdout: \(r.stdout.suffix(2000))\nstderr: \(r.stderr.suffix(2000))")
        #expect(r.stdout.contains("buildbot: 2 workers, merged exit"))
        #expect(r.stdout.contains("verdicts agree"))
        #expect(r.stdout.contains("one machine: exit \(single.exitCode) (run before"))
    }
}
