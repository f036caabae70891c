import Foundation
import KGateCore
import Testing
import TestSupport

/// benchmarks/buildbot.sh with pipelines/ci/buildbot/master.cfg as shipped: a real
/// Buildbot master and two workers on 127.0.0.1 run a sharded check of the
/// regressing example with the shipped premerge pipeline (mode: auto, which shards
/// measure deterministically), the series handed over as a `buildbot sendchange`
/// property; the master loops waves until the gate decides. The merged samples,
/// verdict and exit code must equal `kgate check` on one machine, and the check
/// build's Buildbot result must be that exit code's (1 → FAILURE).
/// The same master then checks the benign example (exit 0 → SUCCESS) and the
/// pull-request form (base and head of the tree, no series: the regressing example
/// as a commit, exit 1 → FAILURE), and a tree_url that does not exist (exit 4 →
/// EXCEPTION). The workers share the test run's cache (one host), so the seeded
/// boots the one-machine check made are replayed (KGATE_REMEASURE=0): the benign
/// kernel is the base's and the pull request's head is the regressing candidate's.
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu, .buildbot)) struct BuildbotEndToEndTests {
    static let series = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/regress-tcp-rcv-audit.mbox").path

    /// Buildbot's result codes (buildbot.process.results) for kgate's exit codes, as master.cfg decodes them.
    static let buildbotResult: [Int32: Int] = [0: 0, 1: 2, 2: 2, 3: 1, 4: 4, 64: 4]

    init() throws {
        try SharedKernel.ensureTree()
    }

    @Test func shardedPremergeCheckThroughBuildbotMatchesOneMachine() throws {
        let script = TestEnv.packageRoot.appendingPathComponent("benchmarks/buildbot.sh").path
        // Deterministic, as the shards measure an auto pipeline (the same seeds, so its boots are theirs).
        let single = try SharedCheck.singleMachine(series: Self.series, pipeline: "premerge", extra: ["--mode", "deterministic"])
        #expect(single.exitCode == 1, "the regressing example: \(single.stderr.suffix(2000))")
        // The pull request: the regressing example as a commit on the tree's head.
        let applied = try TestEnv.kgate(["series", "apply", Self.series, "--tree", TestEnv.defaultTreeName, "--base", "HEAD",
                                         "--ref", "buildbot-pr"])
        try #require(applied.exitCode == 0, "series apply: \(applied.stderr.suffix(2000))")
        let head = TestEnv.lastLine(applied.stdout)
        let git = TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git").path
        let base = try ProcessRunner.run("git", ["--git-dir", git, "rev-parse", "\(head)~1"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let benign = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/benign-tcp-cleanup.mbox").path
        var env = ["KGATE_BIN": TestEnv.kgateBinary.path, "MORE": "benign|\(benign) pull-request|\(base)..\(head)", "KGATE_CACHE": TestEnv.cache.root.path,
                   "WORKER_CACHE": TestEnv.cache.root.path, "KGATE_REMEASURE": "0",
                   "PIPELINE": "premerge", "SERIES": Self.series, "TREE": TestEnv.defaultTreeName, "FAULT": "1",
                   "TIMEOUT": "1500", "SINGLE_REPORT": single.reportDir.path, "SINGLE_EXIT": String(single.exitCode)]
        env[TimingLog.contextVariable] = TestEnv.currentTestName
        let start = Date()
        let r = try ProcessRunner.run("/bin/bash", [script], cwd: TestEnv.packageRoot, environment: env, timeout: 1800)
        #expect(r.exitCode == 0, "stdout: \(r.stdout.suffix(2000))\nstderr: \(r.stderr.suffix(2000))")
        let expected = try #require(Self.buildbotResult[single.exitCode])
        #expect(r.stdout.contains("buildbot: 2 workers, merged exit \(single.exitCode), build result \(expected),"),
                "stdout: \(r.stdout.suffix(2000))")
        #expect(r.stdout.contains("verdicts agree"))
        #expect(r.stdout.contains("one machine: exit \(single.exitCode) (run before"))
        // A second check on the same master whose tree_url does not exist: infrastructure (4), EXCEPTION.
        #expect(r.stdout.contains("buildbot: fault check (a tree_url that does not exist): exit 4, build result 4"),
                "stdout: \(r.stdout.suffix(2000))")
        for (label, code) in [("benign", 0), ("pull-request", 1)] as [(String, Int32)] {
            let result = try #require(Self.buildbotResult[code])
            #expect(r.stdout.contains("buildbot: \(label) check: exit \(code), build result \(result)"),
                    "stdout: \(r.stdout.suffix(2000))")
        }
        print("buildbot: sharded premerge check \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }
}
