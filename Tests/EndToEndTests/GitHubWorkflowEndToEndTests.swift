import Foundation
import KGateCore
import Testing
import TestSupport

/// The shipped GitHub Actions workflow (pipelines/ci/github-actions.yml), run job by
/// job and step by step as GitHub would by scripts/ci-local/gha.py (fresh workspace and
/// HOME per job, artifacts and actions/cache emulated, the matrix expanded), with the
/// SHIPPED premerge pipeline and real kernels: a regressing series exits 1 with JUnit
/// and a summary, the pull-request form on a kernel repository with two commits exits 1,
/// a benign series 0 in a later run that restores the cache and does not build the base
/// again, and a pipeline that needs a second wave (Fixtures/shard.yaml) runs the wave jobs
/// and ends with one machine's verdict and exit code. (The same check run twice, its second run building nothing, is GitLab's test:
/// the cache round trip is the engine's glue, which this test covers with the benign run.)
///
/// CI budget: kgate is the test run's build (the workflow's KGATE_BIN), "the kernel
/// repository" a bare local clone of the shared tree (a local path: no packing), the
/// test cache seeds the first run's kgate cache as a runner image would
/// (KGATE_CACHE_SEED: the shared base kernel and the examples' candidates are build-cache
/// hits), and the runner's root (its actions/cache store) lives in the test cache, so
/// each later run restores what an earlier one saved: only the first run's boots measure.
@Suite(.serialized, .tags(.endToEnd), .needs(.kernelSource, .qemu)) struct GitHubWorkflowEndToEndTests {
    static let workflow = TestEnv.packageRoot.appendingPathComponent("pipelines/ci/github-actions.yml")
    static let runner = TestEnv.packageRoot.appendingPathComponent("scripts/ci-local/gha.py")
    static let regressing = "kgate/pipelines/examples/regress-tcp-rcv-audit.mbox"

    static var root: URL { TestEnv.cache.root.appendingPathComponent("gha-runner") }
    static var kernelRepository: URL { TestEnv.cache.root.appendingPathComponent("gha-kernel.git") }

    init() throws {
        try SharedKernel.ensureTree()
    }

    struct Run {
        var exitCode: Int?
        var jobs: [String: [String: Any]]
        var stderr: String
        var seconds: Double
        var artifacts: URL

        func summary(_ job: String) -> String {
            ((jobs[job]?["legs"] as? [[String: Any]])?.compactMap { $0["summary"] as? String } ?? []).joined()
        }

        func result(_ job: String) -> String? { jobs[job]?["result"] as? String }
    }

    @discardableResult
    static func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let r = try ProcessRunner.run("/usr/bin/git", ["--git-dir", kernelRepository.path] + arguments,
                                      environment: environment, timeout: 600)
        guard r.exitCode == 0 else { throw KGateError.infrastructure("git \(arguments.prefix(2)) failed", excerpt: r.stderr) }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The kernel repository: a bare clone of the shared tree (`main`, one commit) and a
    /// pull request's head on branch `pr-regress`: the regressing example as a commit on it.
    static func prepareKernelRepository() throws -> (base: String, head: String) {
        if !FileManager.default.fileExists(atPath: kernelRepository.path) {
            let source = TestEnv.cache.trees.appendingPathComponent("\(TestEnv.defaultTreeName).git")
            let r = try ProcessRunner.run("/usr/bin/git", ["clone", "-q", "--bare", source.path, kernelRepository.path],
                                          timeout: 600)
            guard r.exitCode == 0 else { throw KGateError.infrastructure("git clone failed", excerpt: r.stderr) }
        }
        let base = try git(["rev-parse", "main"])
        if let head = try? git(["rev-parse", "--verify", "-q", "pr-regress"]), !head.isEmpty { return (base, head) }
        let index = try TestEnv.temporaryDirectory("pr-index").appendingPathComponent("index").path
        let env = ["GIT_INDEX_FILE": index, "GIT_AUTHOR_NAME": "Tess Tester", "GIT_AUTHOR_EMAIL": "tess@example.org",
                   "GIT_COMMITTER_NAME": "Tess Tester", "GIT_COMMITTER_EMAIL": "tess@example.org",
                   "GIT_AUTHOR_DATE": "2026-11-24T10:00:00+0100", "GIT_COMMITTER_DATE": "2026-11-24T10:00:00+0100"]
        try git(["read-tree", "main"], environment: env)
        let patch = TestEnv.packageRoot.appendingPathComponent("pipelines/examples/regress-tcp-rcv-audit.mbox").path
        try git(["apply", "--cached", patch], environment: env)
        let tree = try git(["write-tree"], environment: env)
        let head = try git(["commit-tree", tree, "-p", base, "-m", "tcp: audit the receive window on every established segment"],
                           environment: env)
        try git(["update-ref", "refs/heads/pr-regress", head])
        return (base, head)
    }

    static func nextRunID() -> Int {
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("runs").path)) ?? []
        return (runs.compactMap(Int.init).max() ?? 0) + 1
    }

    /// One run of the shipped workflow through the local runner.
    static func run(_ event: String, _ extra: [String]) throws -> Run {
        let id = nextRunID()
        let head = try ProcessRunner.run("/usr/bin/git", ["-C", TestEnv.packageRoot.path, "rev-parse", "HEAD"], timeout: 60)
        let started = Date()
        let r = try ProcessRunner.run("/usr/bin/env", ["python3", runner.path, workflow.path, "--root", root.path,
                                                       "--run-id", "\(id)", "--event", event,
                                                       "--repository", "kgate-project/kgate=\(TestEnv.packageRoot.path)",
                                                       "--var", "KGATE_REF=\(head.stdout.trimmingCharacters(in: .whitespacesAndNewlines))",
                                                       "--var", "KGATE_BIN=\(TestEnv.kgateBinary.path)",
                                                       "--var", "KGATE_CACHE_SEED=\(TestEnv.cache.root.path)"] + extra,
                                      environment: [TimingLog.contextVariable: TestEnv.currentTestName ?? "GitHubWorkflowEndToEndTests"], timeout: 5400)
        let seconds = Date().timeIntervalSince(started)
        try keepBoots()
        let runDir = root.appendingPathComponent("runs/\(id)")
        let data = try Data(contentsOf: runDir.appendingPathComponent("result.json"))
        let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let jobs = try #require(record["jobs"] as? [String: [String: Any]])
        let code = ((jobs["kgate"]?["outputs"] as? [String: Any])?["code"] as? String).flatMap(Int.init)
        print("gha run \(id) (\(event)): exit \(code.map(String.init) ?? "none") in \(Int(seconds)) s, runner \(r.exitCode)")
        return Run(exitCode: code, jobs: jobs, stderr: r.stderr, seconds: seconds, artifacts: runDir.appendingPathComponent("artifacts"))
    }

    /// The boots the shards measured (their actions/cache memo entries), back into the test cache's boot
    /// memo, so the suites after this one (GitLab's, with the same kernels and seeds) replay them.
    static func keepBoots() throws {
        let store = root.appendingPathComponent("cache-store")
        let memo = TestEnv.cache.root.appendingPathComponent("boot-memo")
        try FileManager.default.createDirectory(at: memo, withIntermediateDirectories: true)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: store.path)) ?? [] where entry.contains("-memo-") {
            let saved = store.appendingPathComponent(entry).appendingPathComponent("0")
            guard FileManager.default.fileExists(atPath: saved.path) else { continue }
            _ = try ProcessRunner.run("/bin/cp", ["-a", "-n", saved.path + "/.", memo.path], timeout: 600)
        }
    }

    static func dispatch(series: String) throws -> Run {
        try run("workflow_dispatch", ["--input", "series=\(series)", "--input", "tree-url=\(kernelRepository.path)",
                                      "--input", "tree-branch=main"])
    }

    /// A report.json's verdicts: workload → outcome and the number of base and candidate samples.
    static func verdicts(_ report: URL) throws -> [String: String] {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        var out: [String: String] = [:]
        for w in (root["workloads"] as? [[String: Any]]) ?? [] {
            let name = w["workload"] as? String ?? "?"
            let outcome = (w["verdict"] as? [String: Any])?["outcome"] as? String ?? "?"
            out[name] = "\(outcome) \((w["baseValues"] as? [Any])?.count ?? -1)+\((w["candidateValues"] as? [Any])?.count ?? -1)"
        }
        return out
    }

    /// A verdict run: JUnit (well-formed, parsed by the emulated action) and the summary in the report set.
    static func expectReports(_ run: Run, failing: Bool) throws {
        let junit = try String(contentsOf: run.artifacts.appendingPathComponent("kgate-report-final/junit.xml"), encoding: .utf8)
        #expect(junit.contains("<failure") == failing, "junit: \(junit.prefix(2000))")
        #expect(run.summary("kgate").contains("tcp-stream-10ms"), "summary: \(run.summary("kgate").prefix(2000))")
        #expect(run.result("kgate") == (failing ? "failure" : "success"))
    }

    @Test func seriesAndPullRequestThroughTheShippedWorkflow() throws {
        let audit = try ProcessRunner.run("/usr/bin/env", ["python3", Self.runner.path, Self.workflow.path, "--root", "/nonexistent",
                                                           "--event", "pull_request", "--audit-only"], timeout: 60)
        #expect(audit.exitCode == 0, "audit: \(audit.stderr)")
        let (base, head) = try Self.prepareKernelRepository()

        // A regressing series from "lore" (an mbox in the kgate checkout) on the tree's branch: exit 1.
        let first = try Self.dispatch(series: Self.regressing)
        #expect(first.exitCode == 1, "stderr: \(first.stderr.suffix(4000))")
        try Self.expectReports(first, failing: true)
        #expect(first.stderr.contains("mode auto measured in deterministic mode"))
        #expect(first.stderr.contains("the series' base-commit") || first.stderr.contains("the series names no base-commit"))

        // The pull-request form in the kernel repository: base = the PR's base, candidate = its head commit.
        let pr = try Self.run("pull_request", ["--pull-request", "base=\(base),head=\(head)",
                                               "--github-repository", "kernel/linux",
                                               "--repository", "kernel/linux=\(Self.kernelRepository.path)"])
        #expect(pr.exitCode == 1, "stderr: \(pr.stderr.suffix(4000))")
        try Self.expectReports(pr, failing: true)
        #expect(pr.stderr.contains("pull request: base \(base.prefix(12))"))

        // A benign series (the shipped example, comments and documentation): exit 0. A later run of
        // the workflow: the build job restores the kgate cache the earlier runs saved, and the base
        // (the same tree and config) is a cache hit, not built again.
        let ok = try Self.dispatch(series: "kgate/pipelines/examples/benign-tcp-cleanup.mbox")
        #expect(ok.exitCode == 0, "stderr: \(ok.stderr.suffix(4000))")
        try Self.expectReports(ok, failing: false)
        #expect(ok.stderr.contains("cache: restored kgate-Linux-"), "stderr: \(ok.stderr.suffix(4000))")
        #expect(ok.stderr.contains(try Regex(#"build base [0-9a-f]{12}: \S+, cached"#)), "stderr: \(ok.stderr.suffix(4000))")

        // Waves beyond the first: shard.yaml (ShardEndToEndTests' pipeline: 2 pairs, then 2 more)
        // cannot decide the regressing example in one look, so merge-1 names wave 2, shards-2 and
        // merge-2 run it. The verdict and exit code must be one machine's with the same seeds (the
        // one-machine check ShardEndToEndTests shares; the shards replay its boots).
        let shardPipeline = TestEnv.packageRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/shard.yaml").path
        let single = try SharedCheck.singleMachine(
            series: TestEnv.packageRoot.appendingPathComponent("pipelines/examples/regress-tcp-rcv-audit.mbox").path,
            pipeline: shardPipeline)
        let waves = try Self.run("workflow_dispatch", ["--input", "series=\(Self.regressing)",
                                                       "--input", "tree-url=\(Self.kernelRepository.path)",
                                                       "--input", "tree-branch=main",
                                                       "--input", "pipeline=kgate/Tests/EndToEndTests/Fixtures/shard.yaml"])
        #expect(waves.exitCode == Int(single.exitCode), "stderr: \(waves.stderr.suffix(4000))")
        #expect(waves.result("shards-2") == "success" && waves.result("merge-2") == "success",
                "wave 2 ran: \(waves.jobs.mapValues { $0["result"] ?? "" })")
        #expect(waves.result("shards-3") == "skipped", "the gate decided after wave 2")
        let sharded = try Self.verdicts(waves.artifacts.appendingPathComponent("kgate-report-final/report.json"))
        let oneMachine = try Self.verdicts(single.reportDir.appendingPathComponent("report.json"))
        #expect(sharded == oneMachine, "sharded \(sharded), one machine \(oneMachine)")
        print("gha: regressing series \(Int(first.seconds)) s, pull request \(Int(pr.seconds)) s, "
              + "benign series with the cache restored \(Int(ok.seconds)) s, two waves \(Int(waves.seconds)) s")
    }
}
